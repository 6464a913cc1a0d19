/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface between the Palacios core and a hardware backend (AMD SVM,
 * Intel VMX).
 *
 * The core owns every policy and the body of the run loop (core/vcpu.c):
 * the FPU switch, interrupt and NMI injection, instruction fetch and skip,
 * the boot and INIT state, and what each exit means.  A backend provides
 * only the encoding: accessors for the guest's registers, events in its
 * hardware's format, the world switch, and an exit decoder whose handlers
 * read hardware fields and call the core.
 */
#ifndef _PALACIOS_BACKEND_H
#define _PALACIOS_BACKEND_H

#include <linux/types.h>

struct v3_vcpu;
struct v3_vm;

/**
 * struct v3_cpu - the core's state of one host CPU
 * @id: the host's number for the CPU
 * @enabled: the backend has enabled virtualisation on this CPU
 * @last_vm: the VM that last ran on this CPU, to know when to clear the
 *           branch predictors; only compared, never dereferenced
 * @nr_vcpus: vCPUs of started VMs placed on this CPU (see v3_cpus_place())
 *
 * A backend keeps its own state of the CPU in a structure that embeds this
 * one, of &struct v3_backend.cpu_size bytes, and reaches it with
 * container_of().
 */
struct v3_cpu {
	int id;
	bool enabled;
	const void *last_vm;
	unsigned int nr_vcpus;
};

/**
 * enum v3_sreg - the guest registers the core reads and writes through its
 * backend, besides the general-purpose ones (struct v3_vcpu.gpr)
 * @V3_SREG_RIP: the instruction pointer
 * @V3_SREG_RFLAGS: the flags
 * @V3_SREG_CR0: CR0
 * @V3_SREG_CR3: CR3
 * @V3_SREG_CR4: CR4
 * @V3_SREG_EFER: IA32_EFER as the guest sees it (a backend adds and hides
 *                the bits its hardware needs, such as SVME)
 * @V3_SREG_PAT: IA32_PAT
 * @V3_SREG_DR6: DR6
 * @V3_SREG_DR7: DR7
 * @V3_NR_SREGS: their number
 */
enum v3_sreg {
	V3_SREG_RIP,
	V3_SREG_RFLAGS,
	V3_SREG_CR0,
	V3_SREG_CR3,
	V3_SREG_CR4,
	V3_SREG_EFER,
	V3_SREG_PAT,
	V3_SREG_DR6,
	V3_SREG_DR7,
	V3_NR_SREGS,
};

/* The segment registers, in the order of the instruction encoding */
enum v3_seg {
	V3_SEG_ES,
	V3_SEG_CS,
	V3_SEG_SS,
	V3_SEG_DS,
	V3_SEG_FS,
	V3_SEG_GS,
	V3_SEG_LDTR,
	V3_SEG_TR,
	V3_SEG_GDTR,
	V3_SEG_IDTR,
	V3_NR_SEGS,
};

/* Attributes of struct v3_segment: of the descriptor, packed */
#define V3_SEG_TYPE	0x000f	/* type */
#define V3_SEG_S	0x0010	/* code or data, not system */
#define V3_SEG_DPL	0x0060
#define V3_SEG_P	0x0080	/* present */
#define V3_SEG_AVL	0x0100
#define V3_SEG_L	0x0200	/* 64-bit code */
#define V3_SEG_DB	0x0400	/* 32-bit default operand size */
#define V3_SEG_G	0x0800	/* 4 KiB granularity */

/**
 * struct v3_segment - a segment register with its hidden part
 * @selector: the selector (0 for GDTR and IDTR)
 * @attrib: the descriptor's attributes: bits 0-7 of its access byte, then
 *          AVL, L, D/B and G (the V3_SEG_* bits); SVM keeps them so, VMX
 *          with a gap of four bits and an "unusable" flag
 * @limit: the limit, in bytes
 * @base: the base address
 */
struct v3_segment {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
};

/**
 * struct v3_backend - a hardware virtualisation backend
 * @name: short name, e.g. "svm"
 * @cpu_size: bytes of the backend's state of a host CPU, which embeds a
 *            struct v3_cpu
 * @vm_size: bytes of the backend's VM, which embeds a struct v3_vm
 * @vcpu_size: bytes of the backend's vCPU, which embeds a struct v3_vcpu
 * @probe: check that the boot CPU supports the backend; returns 0, -ENODEV
 *         if it lacks the extensions, or -EOPNOTSUPP if it has them but they
 *         cannot be used (it then logs why)
 * @describe: write a one-line description of the extensions and of the
 *            optional features found and missing, for the log
 * @cpu_enable: enable virtualisation on the calling CPU, which is @cpu;
 *              returns 0, -EBUSY if another hypervisor owns it, or another
 *              negative errno
 * @cpu_disable: undo @cpu_enable on the calling CPU, which is @cpu
 * @emergency_disable: leave virtualisation off on the calling CPU, from an
 *                     emergency path: no lock taken, nothing freed
 * @vm_init: set up the backend's state of a VM whose memory map exists
 *           (nested page tables); 0 or a negative errno
 * @vm_free: free what @vm_init made
 * @vcpu_init: set up a vCPU (its VMCB); 0 or a negative errno
 * @vcpu_free: free what @vcpu_init made; false if another CPU may still
 *             write to the vCPU's state (it kept it and did not give it
 *             back, see @vcpu_put): the core then leaves the vCPU's
 *             structure allocated, a leak it logs, rather than free memory
 *             still in use
 * @vcpu_reset: the backend's part of an INIT: its own state of the vCPU
 *              cleared, no event pending, no interrupt shadow, no window
 *              requested; the core then writes the architectural state
 *              through @set_sreg and @set_seg (see v3_vcpu_reset())
 * @get_sreg: read a register of enum v3_sreg
 * @set_sreg: write one
 * @get_seg: read a segment register
 * @set_seg: write one
 * @get_next_rip: the address of the instruction after the one that
 *                exited, if the hardware reported it; false if the core
 *                must decode the instruction to learn its length (it
 *                must be true for I/O exits, which no decoder fallback
 *                serves for string instructions)
 * @set_interrupt_shadow: set or clear the guest's interrupt shadow (the
 *                        instruction after STI or MOV SS)
 * @interrupt_allowed: the guest can take an external interrupt now: IF
 *                     set, no interrupt shadow, no event to be delivered
 * @nmi_allowed: no event is to be delivered at the next entry
 * @inject_irq: deliver external interrupt @vector at the next entry
 * @inject_nmi: deliver an NMI at the next entry, and report the guest's
 *              next IRET with v3_handle_iret()
 * @enable_irq_window: with @on, exit as soon as the guest can take an
 *                     interrupt (v3_handle_irq_window()); without, stop
 *                     asking.  Called only when the core's wish changes;
 *                     @vcpu_reset takes the window back
 * @queue_exception: from the vCPU's own thread, between an exit and the
 *                   next entry: deliver exception @vector (with @err if
 *                   @has_err) at the next entry, in place of any event
 *                   being delivered again
 * @complete_events: after an exit: an event whose delivery the exit cut
 *                   short is to be delivered again at the next entry
 * @flush_tlb: the guest's TLB entries are to be flushed before its next
 *             entry
 * @vcpu_load: make @cpu ready to run the vCPU (address-space ID, current
 *             VMCS), before each entry, with interrupts disabled; false if
 *             another CPU still holds the vCPU's state (a VMCS is current
 *             on one CPU at a time): the core then enables interrupts,
 *             calls @vcpu_put and tries again
 * @vcpu_put: with interrupts enabled, from the vCPU's thread: what
 *            @vcpu_load made current is released, on whichever CPU holds
 *            it; when the thread leaves the run loop for good, and when
 *            @vcpu_load found the state held by another CPU.  False if the
 *            holder did not let go within a bounded number of tries (the
 *            backend has logged it): the core then ends the VM instead of
 *            trying again
 * @enter: enter the guest once, with interrupts disabled and the guest's
 *         FPU loaded; loads @vcpu->gpr and @vcpu->tsc_offset into the
 *         guest, and after the exit puts the guest's general-purpose
 *         registers back into @vcpu->gpr; a machine check that made the
 *         guest exit goes to v3_host_machine_check() before it returns
 * @handle_exit: decode the exit and call the core's v3_handle_*() or
 *               v3_emulate_*() for it; 0 to go on, or a negative errno
 *               after the VM was stopped with its reason
 *
 * @cpu_enable and @cpu_disable run on the CPU they act on, without
 * preemption to another CPU, and are serialised by the host's CPU hotplug
 * code.  The VM and vCPU set-up operations are called by the core with the
 * VM's life-cycle lock held.  The register, event and run operations are
 * called only by the vCPU's own thread (or with the VM's lock held while
 * no thread runs it).
 */
struct v3_backend {
	const char *name;
	size_t cpu_size;
	size_t vm_size;
	size_t vcpu_size;
	int (*probe)(void);
	void (*describe)(char *buf, size_t len);
	int (*cpu_enable)(struct v3_cpu *cpu);
	void (*cpu_disable)(struct v3_cpu *cpu);
	void (*emergency_disable)(void);
	int (*vm_init)(struct v3_vm *vm);
	void (*vm_free)(struct v3_vm *vm);
	int (*vcpu_init)(struct v3_vcpu *vcpu);
	bool (*vcpu_free)(struct v3_vcpu *vcpu);
	void (*vcpu_reset)(struct v3_vcpu *vcpu);
	u64 (*get_sreg)(struct v3_vcpu *vcpu, enum v3_sreg reg);
	void (*set_sreg)(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val);
	void (*get_seg)(struct v3_vcpu *vcpu, enum v3_seg seg,
			struct v3_segment *s);
	void (*set_seg)(struct v3_vcpu *vcpu, enum v3_seg seg,
			const struct v3_segment *s);
	bool (*get_next_rip)(struct v3_vcpu *vcpu, u64 *rip);
	void (*set_interrupt_shadow)(struct v3_vcpu *vcpu, bool on);
	bool (*interrupt_allowed)(struct v3_vcpu *vcpu);
	bool (*nmi_allowed)(struct v3_vcpu *vcpu);
	void (*inject_irq)(struct v3_vcpu *vcpu, u8 vector);
	void (*inject_nmi)(struct v3_vcpu *vcpu);
	void (*enable_irq_window)(struct v3_vcpu *vcpu, bool on);
	void (*queue_exception)(struct v3_vcpu *vcpu, unsigned int vector,
				bool has_err, u32 err);
	void (*complete_events)(struct v3_vcpu *vcpu);
	void (*flush_tlb)(struct v3_vcpu *vcpu);
	bool (*vcpu_load)(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
	bool (*vcpu_put)(struct v3_vcpu *vcpu);
	void (*enter)(struct v3_cpu *cpu, struct v3_vcpu *vcpu);
	int (*handle_exit)(struct v3_vcpu *vcpu);
};

/* The backends the core knows; v3_init() uses the first the CPU has. */
extern const struct v3_backend v3_svm_backend;
extern const struct v3_backend v3_vmx_backend;

#endif /* _PALACIOS_BACKEND_H */
