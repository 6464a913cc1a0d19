/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model of the SVM world switch (svm/vmenter.S) of the user-space
 * tests: a scripted guest.
 */
#ifndef _PAL_MODEL_SVM_H
#define _PAL_MODEL_SVM_H

#include <linux/types.h>

#include <palacios/guest.h>

#include "../../../drivers/virt/palacios/svm/vmcb.h"

/* What a step returns: the guest exits, or spins until interrupted. */
#define MODEL_EXIT	0
#define MODEL_SPIN	1

/**
 * typedef model_step_t - what the guest does from one VMRUN to its exit
 * @vmcb: the guest's VMCB: the step sets the exit code, EXITINFO1/2,
 *        EXITINTINFO, next RIP, RIP and what else the guest changed
 * @regs: all the guest's general-purpose registers, RAX and RSP included
 *        (the model moves those between @regs and the VMCB, as VMRUN and
 *        #VMEXIT do)
 * @n: the number of this VMRUN, from 0
 * @priv: model_svm.priv
 *
 * Before the step the model cleared the exit fields; the event to inject
 * is in @vmcb->control.event_inj (and in model_svm.events[@n]).
 *
 * Return: %MODEL_EXIT, or %MODEL_SPIN for a guest that runs on without
 * exits: the model then exits with SVM_EXIT_INTR once the host interrupts
 * the CPU (v3_host_interrupt_cpu()).
 */
typedef int (*model_step_t)(struct vmcb *vmcb, u64 *regs, unsigned long n,
			    void *priv);

#define MODEL_MAX_EVENTS	64

/**
 * struct model_svm - the scripted guest and what the model saw
 * @step: the guest
 * @priv: passed to @step
 * @runs: VMRUNs so far
 * @events: EVENTINJ at the first %MODEL_MAX_EVENTS VMRUNs
 * @bad: VMRUNs in a state the real world switch must not be entered in
 * @why: what was wrong with the first bad VMRUN
 */
struct model_svm {
	model_step_t step;
	void *priv;
	unsigned long runs;
	u64 events[MODEL_MAX_EVENTS];
	unsigned int bad;
	char why[128];
};

extern struct model_svm model_svm;

/**
 * model_svm_reset() - forget the guest and what the model saw
 * @step: the new guest
 * @priv: passed to @step
 */
void model_svm_reset(model_step_t step, void *priv);

#endif /* _PAL_MODEL_SVM_H */
