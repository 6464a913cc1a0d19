// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model of the SVM world switch: __v3_svm_run() of svm/vmenter.S,
 * with a scripted guest in place of VMRUN.
 *
 * It checks what VMRUN and the real world switch need (interrupts off, the
 * FPU taken from the host, SVM enabled on the CPU the thread runs on, the
 * CPU's own host state page, a VMCB that VMRUN would accept), moves RAX
 * and RSP between the VMCB and the register file as VMRUN and #VMEXIT do,
 * consumes EVENTINJ, and lets the scripted guest run to its next exit.  An
 * interrupt sent to the CPU (v3_host_interrupt_cpu()) since the last exit
 * is pending at VMRUN and makes the guest exit at once with SVM_EXIT_INTR;
 * a guest that spins exits so when the CPU is interrupted, or at the next
 * timer tick.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <uapi/asm/svm.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/host.h>

#include "../../../drivers/virt/palacios/svm/svm.h"
#include "model_svm.h"
#include "test_host.h"

/* A guest that spins is interrupted by the timer after this long. */
#define MODEL_TICK_NS	1000000000LL

struct model_svm model_svm;

/* v3_host_interrupt_cpu() calls already taken, per CPU */
static unsigned long model_kicks_seen[TEST_MAX_CPUS];

void model_svm_reset(model_step_t step, void *priv)
{
	unsigned int cpu;

	memset(&model_svm, 0, sizeof(model_svm));
	model_svm.step = step;
	model_svm.priv = priv;
	for (cpu = 0; cpu < TEST_MAX_CPUS; cpu++)
		model_kicks_seen[cpu] = __atomic_load_n(&test_host.kicks[cpu],
							__ATOMIC_SEQ_CST);
}

static void model_bad(const char *why)
{
	if (!model_svm.bad++)
		snprintf(model_svm.why, sizeof(model_svm.why), "%s", why);
}

/* What the real world switch needs of its caller. */
static void model_check_host(int cpu, u64 vmcb_pa, u64 host_state_pa)
{
	struct v3_cpu *vc = v3_get_cpu(cpu);
	struct svm_cpu *c = vc ? to_svm_cpu(vc) : NULL;
	struct model_msr *efer = model_msr(cpu, MSR_EFER);
	struct model_msr *hsave = model_msr(cpu, MSR_VM_HSAVE_PA);

	if (!model_irqs_disabled())
		model_bad("entered with interrupts enabled");
	if (!test_host_fpu_held())
		model_bad("entered without the FPU taken from the host");
	if (!c || !vc->enabled || !efer || !(efer->value & EFER_SVME))
		model_bad("entered on a CPU without SVM enabled");
	else if (!hsave || hsave->value != c->host_save_hpa)
		model_bad("entered on a CPU with the wrong host save area");
	else if (!host_state_pa || host_state_pa != c->host_state_hpa)
		model_bad("entered with another CPU's host state page");
	if (!vmcb_pa || vmcb_pa % V3_PAGE_SIZE)
		model_bad("VMCB not page aligned");
}

/* The consistency checks of VMRUN that the backend could get wrong. */
static bool model_vmcb_valid(const struct vmcb *vmcb)
{
	return (vmcb->save.efer & EFER_SVME) && vmcb->control.asid &&
	       (vmcb->control.intercept4 & BIT(0)) &&	/* VMRUN */
	       (vmcb->control.nested_ctl & 1) && vmcb->control.nested_cr3;
}

static s64 model_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Whether an interrupt is pending on @cpu; takes it if so. */
static bool model_take_irq(int cpu)
{
	unsigned long k = __atomic_load_n(&test_host.kicks[cpu],
					  __ATOMIC_SEQ_CST);

	if (k == model_kicks_seen[cpu])
		return false;
	model_kicks_seen[cpu] = k;
	return true;
}

static void model_spin(int cpu)
{
	s64 end = model_now_ns() + MODEL_TICK_NS;

	while (!model_take_irq(cpu) && model_now_ns() < end)
		sched_yield();
}

void __v3_svm_run(u64 vmcb_pa, u64 *gpr, u64 host_state_pa)
{
	struct vmcb *vmcb = v3_host_pa_to_va(vmcb_pa);
	struct vmcb_control *ctl = &vmcb->control;
	unsigned long n = model_svm.runs++;
	int cpu = v3_host_cpu_id();
	u64 regs[V3_NR_GPRS];

	model_check_host(cpu, vmcb_pa, host_state_pa);
	if (n < MODEL_MAX_EVENTS)
		model_svm.events[n] = ctl->event_inj;
	ctl->exit_code = 0;
	ctl->exit_info_1 = 0;
	ctl->exit_info_2 = 0;
	ctl->exit_int_info = 0;
	ctl->next_rip = 0;
	if (!model_vmcb_valid(vmcb)) {
		ctl->exit_code = SVM_EXIT_ERR;
		return;
	}

	memcpy(regs, gpr, sizeof(regs));
	regs[V3_RAX] = vmcb->save.rax;
	regs[V3_RSP] = vmcb->save.rsp;
	if (model_take_irq(cpu)) {
		ctl->exit_code = SVM_EXIT_INTR;
	} else if (!model_svm.step) {
		ctl->exit_code = SVM_EXIT_SHUTDOWN;
	} else if (model_svm.step(vmcb, regs, n, model_svm.priv) ==
		   MODEL_SPIN) {
		model_spin(cpu);
		ctl->exit_code = SVM_EXIT_INTR;
	}
	/* The event was delivered; EXITINTINFO says if that was cut short. */
	ctl->event_inj &= ~(u64)SVM_EVTINJ_VALID;
	vmcb->save.rax = regs[V3_RAX];
	vmcb->save.rsp = regs[V3_RSP];
	regs[V3_RAX] = gpr[V3_RAX];
	regs[V3_RSP] = gpr[V3_RSP];
	memcpy(gpr, regs, sizeof(regs));
}
