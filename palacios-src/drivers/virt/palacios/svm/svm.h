/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the Palacios SVM backend share.
 */
#ifndef _PALACIOS_SVM_SVM_H
#define _PALACIOS_SVM_SVM_H

#include <linux/types.h>

#include "npt.h"

struct v3_vcpu;
struct v3_vm;
struct v3_boot_state;

/**
 * svm_has_feature() - whether the CPU has an optional SVM feature
 * @feature: its bit in CPUID 0x8000000a EDX, e.g. %SVM_FEATURE_NRIPS
 *
 * Return: true if the boot CPU reported it.
 */
bool svm_has_feature(u32 feature);

/**
 * svm_asids() - the number of address-space IDs: 1 to svm_asids() - 1 are
 * the guests' (0 is the host's)
 */
u32 svm_asids(void);

/**
 * struct svm_vm - the SVM state of a VM
 * @npt: its nested page tables
 * @iopm_pa: its I/O permission map (all ports intercepted)
 * @msrpm_pa: its MSR permission map
 */
struct svm_vm {
	struct v3_npt npt;
	u64 iopm_pa;
	u64 msrpm_pa;
};

int svm_vm_init(struct v3_vm *vm);
void svm_vm_free(struct v3_vm *vm);
int svm_vcpu_init(struct v3_vcpu *vcpu);
void svm_vcpu_free(struct v3_vcpu *vcpu);
void svm_vcpu_reset(struct v3_vcpu *vcpu);
void svm_vcpu_boot(struct v3_vcpu *vcpu, const struct v3_boot_state *bs);
void svm_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err);
int svm_vcpu_run(struct v3_vcpu *vcpu);

/* svm/vmenter.S */
void __v3_svm_run(u64 vmcb_pa, u64 *gpr, u64 host_state_pa);

#endif /* _PALACIOS_SVM_SVM_H */
