/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the Palacios VMX backend share.
 */
#ifndef _PALACIOS_VMX_VMX_H
#define _PALACIOS_VMX_VMX_H

#include <linux/container_of.h>
#include <linux/list.h>
#include <linux/types.h>

#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/npt.h>

/**
 * struct vmx_cpu - the VMX state of a host CPU
 * @cpu: the core's
 * @vmxon_hpa: host physical address of its VMXON region
 * @current_vmcs: the vCPU whose VMCS is current here, or NULL
 * @loaded: the vCPUs whose VMCS is active here (struct vmx_vcpu.node)
 *
 * @current_vmcs and @loaded change only on this CPU, with interrupts
 * disabled.
 */
struct vmx_cpu {
	struct v3_cpu cpu;
	u64 vmxon_hpa;
	struct vmx_vcpu *current_vmcs;
	struct list_head loaded;
};

static inline struct vmx_cpu *to_vmx_cpu(struct v3_cpu *cpu)
{
	return container_of(cpu, struct vmx_cpu, cpu);
}

/**
 * struct vmx_caps - what the backend found at probe time, and the controls
 * it runs every guest with
 * @revision: the VMCS revision ID
 * @pin: pin-based controls
 * @proc: primary processor-based controls, without the windows
 * @proc2: secondary processor-based controls
 * @exit: VM-exit controls
 * @entry: VM-entry controls, without IA-32e mode guest
 * @cr0_fixed0: CR0 bits a guest must have set, but PE and PG
 * @cr0_fixed1: CR0 bits a guest may have set
 * @cr4_fixed0: CR4 bits a guest must have set (VMXE)
 * @cr0_mask: CR0 bits the host owns: a guest's write to them exits
 * @vpid: VPIDs are in use
 * @invept_single: INVEPT flushes one EPT pointer's mappings
 * @timer: the VMX-preemption timer's start value, 0 without the timer
 */
struct vmx_caps {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr0_mask;
	u32 timer;
	bool vpid;
	bool invept_single;
};

extern struct vmx_caps vmx_caps;

/* VMs and vCPUs */

/**
 * struct vmx_vm - the VMX state of a VM
 * @vm: the core's
 * @npt: its extended page tables
 * @eptp: its EPT pointer
 * @msr_bitmap_pa: its MSR bitmap
 * @io_bitmap_pa: its two I/O bitmaps (all ports intercepted)
 */
struct vmx_vm {
	struct v3_vm vm;
	struct v3_npt npt;
	u64 eptp;
	u64 msr_bitmap_pa;
	u64 io_bitmap_pa;
};

static inline struct vmx_vm *to_vmx_vm(struct v3_vm *vm)
{
	return container_of(vm, struct vmx_vm, vm);
}

/* The guest state struct vmx_vcpu keeps, and writes back before an entry */
#define VMX_DIRTY_RIP		BIT(0)
#define VMX_DIRTY_RFLAGS	BIT(1)
#define VMX_DIRTY_INTR_STATE	BIT(2)
#define VMX_DIRTY_DR7		BIT(3)

/* MSRs VM entry loads and VM exit stores for the guest, loads for the host */
#define VMX_NR_AUTO_MSRS	5

/**
 * struct vmx_msr_entry - an entry of a VM-entry or VM-exit MSR list
 * @index: the MSR
 * @reserved: zero
 * @value: its value
 */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/**
 * struct vmx_vcpu - the VMX state of a vCPU
 * @vcpu: the core's
 * @vmcs_pa: its VMCS
 * @msr_pa: a page: the guest's MSR list, then at 2 KiB the host's
 * @node: in struct vmx_cpu.loaded of @cpu
 * @cpu: the CPU its VMCS is active on, or -1 (written by that CPU)
 * @host_cpu: the CPU whose host state the VMCS holds, or -1
 * @launched: VMRESUME, not VMLAUNCH, enters it
 * @flush: its TLB entries are to be flushed before the next entry
 * @dirty: VMX_DIRTY_* fields changed since the last exit
 * @rip: the guest's RIP, between an exit and the next entry
 * @rflags: RFLAGS
 * @intr_state: the guest's interruptibility state
 * @dr6: the guest's DR6 (not in the VMCS; every access to it exits)
 * @dr7: the guest's DR7
 * @proc: the primary processor-based controls, with the windows asked for
 * @proc_vmcs: what the VMCS holds of them
 * @tsc_offset: what the VMCS holds of the TSC offset
 * @host_cr3: what the VMCS holds of the host's CR3
 * @host_cr4: ... and CR4
 * @event: an event to deliver at the next entry (interruption format)
 * @event_err: its error code
 * @event_len: the length of the instruction of a software event
 * @failed: the last entry failed (VMfail)
 * @lost: the VMCS could not be made current where it was needed (logged):
 *        accesses are skipped and the VM ends at the next exit it handles
 * @insn_error: the VM-instruction error of that failure
 * @exit_reason: the last exit's reason
 * @exit_qual: its qualification
 * @exit_intr_info: its interruption information
 * @exit_intr_err: its interruption error code
 * @idt_info: the event its exit cut short
 * @idt_err: that event's error code
 * @exit_insn_len: the length of the instruction that exited
 * @exit_gpa: the guest-physical address of an EPT violation
 */
struct vmx_vcpu {
	struct v3_vcpu vcpu;
	u64 vmcs_pa;
	u64 msr_pa;
	struct list_head node;
	int cpu;
	int host_cpu;
	bool launched;
	bool flush;
	u32 dirty;
	u64 rip, rflags;
	u32 intr_state;
	u64 dr6, dr7;
	u32 proc, proc_vmcs;
	u64 tsc_offset;
	u64 host_cr3, host_cr4;
	u32 event, event_err, event_len;
	bool failed;
	bool lost;
	u32 insn_error;
	u32 exit_reason;
	u64 exit_qual;
	u32 exit_intr_info, exit_intr_err;
	u32 idt_info, idt_err;
	u32 exit_insn_len;
	u64 exit_gpa;
};

static inline struct vmx_vcpu *to_vmx_vcpu(struct v3_vcpu *vcpu)
{
	return container_of(vcpu, struct vmx_vcpu, vcpu);
}

void vmx_clear_loaded(struct vmx_cpu *cpu);
int vmx_vm_init(struct v3_vm *vm);
void vmx_vm_free(struct v3_vm *vm);
int vmx_vcpu_init(struct v3_vcpu *vcpu);
bool vmx_vcpu_free(struct v3_vcpu *vcpu);
void vmx_vcpu_reset(struct v3_vcpu *vcpu);
u64 vmx_get_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg);
void vmx_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val);
void vmx_get_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 struct v3_segment *s);
void vmx_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 const struct v3_segment *s);
bool vmx_get_next_rip(struct v3_vcpu *vcpu, u64 *rip);
void vmx_set_interrupt_shadow(struct v3_vcpu *vcpu, bool on);
bool vmx_interrupt_allowed(struct v3_vcpu *vcpu);
bool vmx_nmi_allowed(struct v3_vcpu *vcpu);
void vmx_inject_irq(struct v3_vcpu *vcpu, u8 vector);
void vmx_inject_nmi(struct v3_vcpu *vcpu);
void vmx_enable_irq_window(struct v3_vcpu *vcpu, bool on);
void vmx_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err);
void vmx_complete_events(struct v3_vcpu *vcpu);
void vmx_flush_tlb(struct v3_vcpu *vcpu);
bool vmx_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
bool vmx_vcpu_put(struct v3_vcpu *vcpu);
void vmx_enter(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
int vmx_handle_exit(struct v3_vcpu *vcpu);

/* vmx/vmenter.S */
int __v3_vmx_run(u64 *gpr, bool launched);
extern const u8 __v3_vmx_exit[];

#endif /* _PALACIOS_VMX_VMX_H */
