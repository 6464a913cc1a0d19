/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the Palacios SVM backend share.
 */
#ifndef _PALACIOS_SVM_SVM_H
#define _PALACIOS_SVM_SVM_H

#include <linux/container_of.h>
#include <linux/types.h>

#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/npt.h>

#include "vmcb.h"

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
 * struct svm_cpu - the SVM state of a host CPU
 * @cpu: the core's
 * @host_save_hpa: host physical address of its host save area (VM_HSAVE_PA)
 * @host_state_hpa: host physical address of the page where the world
 *                  switch keeps the host state VMRUN does not save
 *                  (VMSAVE/VMLOAD)
 * @asid_gen: the generation of address-space IDs on this CPU: a vCPU
 *            whose ID is of an older one, or of another CPU, takes a new
 *            one (see svm_asid())
 * @next_asid: the next free address-space ID of @asid_gen
 */
struct svm_cpu {
	struct v3_cpu cpu;
	u64 host_save_hpa;
	u64 host_state_hpa;
	u32 asid_gen;
	u32 next_asid;
};

static inline struct svm_cpu *to_svm_cpu(struct v3_cpu *cpu)
{
	return container_of(cpu, struct svm_cpu, cpu);
}

/* VMs and vCPUs */

/**
 * struct svm_vm - the SVM state of a VM
 * @vm: the core's
 * @npt: its nested page tables
 * @iopm_pa: its I/O permission map (all ports intercepted)
 * @msrpm_pa: its MSR permission map
 */
struct svm_vm {
	struct v3_vm vm;
	struct v3_npt npt;
	u64 iopm_pa;
	u64 msrpm_pa;
};

static inline struct svm_vm *to_svm_vm(struct v3_vm *vm)
{
	return container_of(vm, struct svm_vm, vm);
}

/**
 * struct svm_vcpu - the SVM state of a vCPU
 * @vcpu: the core's
 * @vmcb: its VMCB
 * @vmcb_pa: the VMCB's physical address, which VMRUN takes
 * @asid_gen: the generation of its address-space ID (see struct svm_cpu)
 * @asid_cpu: the CPU whose ID it has, or -1
 */
struct svm_vcpu {
	struct v3_vcpu vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid_gen;
	int asid_cpu;
};

static inline struct svm_vcpu *to_svm_vcpu(struct v3_vcpu *vcpu)
{
	return container_of(vcpu, struct svm_vcpu, vcpu);
}

static inline struct vmcb *svm_vmcb(struct v3_vcpu *vcpu)
{
	return to_svm_vcpu(vcpu)->vmcb;
}

int svm_vm_init(struct v3_vm *vm);
void svm_vm_free(struct v3_vm *vm);
int svm_vcpu_init(struct v3_vcpu *vcpu);
bool svm_vcpu_free(struct v3_vcpu *vcpu);
void svm_vcpu_reset(struct v3_vcpu *vcpu);
u64 svm_get_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg);
void svm_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val);
void svm_get_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 struct v3_segment *s);
void svm_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 const struct v3_segment *s);
bool svm_get_next_rip(struct v3_vcpu *vcpu, u64 *rip);
void svm_set_interrupt_shadow(struct v3_vcpu *vcpu, bool on);
bool svm_interrupt_allowed(struct v3_vcpu *vcpu);
bool svm_nmi_allowed(struct v3_vcpu *vcpu);
void svm_inject_irq(struct v3_vcpu *vcpu, u8 vector);
void svm_inject_nmi(struct v3_vcpu *vcpu);
void svm_enable_irq_window(struct v3_vcpu *vcpu, bool on);
void svm_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err);
void svm_complete_events(struct v3_vcpu *vcpu);
void svm_flush_tlb(struct v3_vcpu *vcpu);
bool svm_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
bool svm_vcpu_put(struct v3_vcpu *vcpu);
void svm_enter(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
int svm_handle_exit(struct v3_vcpu *vcpu);

/* svm/vmenter.S */
void __v3_svm_run(u64 vmcb_pa, u64 *gpr, u64 host_state_pa);

#endif /* _PALACIOS_SVM_SVM_H */
