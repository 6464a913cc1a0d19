// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios VMX backend: VMs, vCPUs, the guest state's accessors, events
 * and the exit decoder.
 *
 * As in svm/vcpu.c: each exit reason maps to a handler that pulls what the
 * exit reports out of the VMCS and calls the core, or to the core's
 * v3_emulate_*() directly; what the guest sees is the core's business.
 *
 * A VMCS is read and written only while it is current on the CPU that
 * executes VMREAD and VMWRITE, and is active on one CPU at a time.  So the
 * state the core touches while it decides an exit (RIP, RFLAGS, the
 * interruptibility state, DR6, DR7, the events and the windows) is kept in
 * struct vmx_vcpu: read from the VMCS after each exit, written back before
 * the next entry.  The rest (control registers, EFER, PAT, segments) is
 * read and written in the VMCS, which vmx_vmcs_begin() makes current on
 * the calling CPU, taking it from the CPU it was active on if need be.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <uapi/asm/vmx.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#include "vmcs.h"
#include "vmx.h"

/* VM */

/*
 * Intel's EPT: read, write and execute; RAM is write-back whatever the
 * guest's PAT says (as KVM maps RAM without non-coherent DMA).
 */
static const struct v3_npt_format vmx_npt_format = {
	.table = VMX_EPTE_R | VMX_EPTE_W | VMX_EPTE_X,
	.leaf = VMX_EPTE_R | VMX_EPTE_W | VMX_EPTE_X | VMX_EPTE_WB |
		VMX_EPTE_IPAT,
	.large = VMX_EPTE_LARGE,
	.present = VMX_EPTE_R | VMX_EPTE_W | VMX_EPTE_X,
};

/*
 * MSRs the guest owns: the VMCS switches FS and GS base and the SYSENTER
 * MSRs; STAR, LSTAR, CSTAR, SFMASK and KernelGSBase are switched by the
 * MSR lists (vmx_auto_msrs[]).
 */
static const u32 vmx_msrs_passthrough[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
};

static const u32 vmx_auto_msrs[VMX_NR_AUTO_MSRS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
};

/* The bitmap: reads of 0-0x1fff, of 0xc0000000-0xc0001fff, then writes */
static void vmx_msr_allow(u8 *bitmap, u32 msr)
{
	u32 base;

	if (msr < 0x2000) {
		base = 0;
	} else if (msr >= 0xc0000000 && msr < 0xc0002000) {
		base = 1024;
		msr -= 0xc0000000;
	} else {
		return;
	}
	bitmap[base + msr / 8] &= ~BIT(msr % 8);
	bitmap[base + 2048 + msr / 8] &= ~BIT(msr % 8);
}

int vmx_vm_init(struct v3_vm *vm)
{
	struct vmx_vm *x = to_vmx_vm(vm);
	unsigned int i;
	u8 *bitmap;
	int err;

	err = v3_host_alloc_pages(1, &x->io_bitmap_pa);
	if (err)
		goto fail;
	err = v3_host_alloc_pages(0, &x->msr_bitmap_pa);
	if (err)
		goto fail;
	memset(v3_host_pa_to_va(x->io_bitmap_pa), 0xff, 2 * V3_PAGE_SIZE);
	bitmap = v3_host_pa_to_va(x->msr_bitmap_pa);
	memset(bitmap, 0xff, V3_PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(vmx_msrs_passthrough); i++)
		vmx_msr_allow(bitmap, vmx_msrs_passthrough[i]);
	err = v3_npt_build(&x->npt, &vm->mem, &vmx_npt_format);
	if (err)
		goto fail;
	x->eptp = x->npt.root | VMX_EPTP_WB | VMX_EPTP_WALK4;
	return 0;
fail:
	if (x->msr_bitmap_pa)
		v3_host_free_pages(x->msr_bitmap_pa, 0);
	if (x->io_bitmap_pa)
		v3_host_free_pages(x->io_bitmap_pa, 1);
	x->msr_bitmap_pa = 0;
	x->io_bitmap_pa = 0;
	return err;
}

void vmx_vm_free(struct v3_vm *vm)
{
	struct vmx_vm *x = to_vmx_vm(vm);

	v3_npt_free(&x->npt);
	v3_host_free_pages(x->msr_bitmap_pa, 0);
	v3_host_free_pages(x->io_bitmap_pa, 1);
}

/* Which VMCS is current where */

/* On the CPU it is active on, with interrupts disabled: VMCLEAR it. */
static void vmx_vmcs_clear_here(struct vmx_cpu *c, struct vmx_vcpu *vv)
{
	v3_vmclear(vv->vmcs_pa);
	list_del_init(&vv->node);
	if (c->current_vmcs == vv)
		c->current_vmcs = NULL;
	vv->launched = false;
	WRITE_ONCE(vv->cpu, -1);
}

/* Every VMCS active on this CPU, before it leaves VMX operation */
void vmx_clear_loaded(struct vmx_cpu *c)
{
	struct vmx_vcpu *vv, *tmp;

	list_for_each_entry_safe(vv, tmp, &c->loaded, node)
		vmx_vmcs_clear_here(c, vv);
}

/*
 * Make @vv's VMCS current on @c, the calling CPU, with interrupts
 * disabled; false if it is active on another CPU.
 */
static bool vmx_vmcs_current(struct vmx_cpu *c, struct vmx_vcpu *vv)
{
	int cpu = READ_ONCE(vv->cpu);

	if (cpu == c->cpu.id) {
		if (c->current_vmcs != vv) {
			v3_vmptrld(vv->vmcs_pa);
			c->current_vmcs = vv;
		}
		return true;
	}
	if (cpu >= 0)
		return false;
	v3_vmptrld(vv->vmcs_pa);
	c->current_vmcs = vv;
	list_add(&vv->node, &c->loaded);
	WRITE_ONCE(vv->cpu, c->cpu.id);
	return true;
}

static void vmx_vmcs_clear_ipi(void *arg)
{
	struct vmx_vcpu *vv = arg;
	struct v3_cpu *cpu = v3_get_cpu(v3_host_cpu_id());

	if (cpu && READ_ONCE(vv->cpu) == cpu->id)
		vmx_vmcs_clear_here(to_vmx_cpu(cpu), vv);
}

/*
 * How often the VMCS is asked back from the CPU it is active on before the
 * vCPU gives up: each ask is a synchronous cross-CPU call that clears it
 * there, so more than one is needed only if the vCPU's own thread loaded it
 * again meanwhile.
 */
#define VMX_PUT_TRIES	4

/* The VMCS is beyond reach: said once, and the VM ends at its next exit */
static void vmx_vmcs_lost(struct vmx_vcpu *vv, const char *why, int cpu)
{
	if (!vv->lost)
		v3_err("vmx: vCPU %u: its VMCS %s (CPU %d)\n",
		       vv->vcpu.id, why, cpu);
	vv->lost = true;
}

/*
 * With interrupts enabled: the VMCS is active on no CPU on return, or false
 * (logged) if the CPU holding it did not clear it.  A CPU that goes offline
 * clears its VMCSes itself (vmx_cpu_disable()) before the cross-CPU call
 * fails on it.
 */
bool vmx_vcpu_put(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	unsigned int i;
	int cpu;

	for (i = 0; i < VMX_PUT_TRIES; i++) {
		cpu = READ_ONCE(vv->cpu);
		if (cpu < 0)
			return true;
		v3_host_call_on_cpu(cpu, vmx_vmcs_clear_ipi, vv);
	}
	cpu = READ_ONCE(vv->cpu);
	if (cpu < 0)
		return true;
	vmx_vmcs_lost(vv, "stays active on another CPU", cpu);
	return false;
}

/* What vmx_vmcs_begin() leaves to vmx_vmcs_end() */
enum vmx_access {
	VMX_ACCESS_NONE = -1,	/* no VMCS current: skip the access */
	VMX_ACCESS_HELD,	/* interrupts were disabled: leave them so */
	VMX_ACCESS_IRQS,	/* enable interrupts again */
};

/*
 * Make the VMCS current on the calling CPU for an access, with interrupts
 * disabled until vmx_vmcs_end().  In the run loop (interrupts disabled)
 * it is current already.  Every CPU a thread runs on has VMX enabled (it
 * is enabled before a CPU takes threads and disabled after they left); a
 * VMCS that another CPU does not give back is VMX_ACCESS_NONE, not a loop.
 */
static enum vmx_access vmx_vmcs_begin(struct vmx_vcpu *vv)
{
	struct v3_cpu *cpu;
	unsigned int i;

	if (v3_irqs_disabled()) {
		cpu = v3_get_cpu(v3_host_cpu_id());
		if (cpu && cpu->enabled &&
		    vmx_vmcs_current(to_vmx_cpu(cpu), vv))
			return VMX_ACCESS_HELD;
		vmx_vmcs_lost(vv, "is active elsewhere, with interrupts off",
			      v3_host_cpu_id());
		return VMX_ACCESS_NONE;
	}
	for (i = 0; i < VMX_PUT_TRIES; i++) {
		v3_irq_disable();
		cpu = v3_get_cpu(v3_host_cpu_id());
		if (!cpu || !cpu->enabled) {
			v3_irq_enable();
			vmx_vmcs_lost(vv, "is needed on a CPU without VMX",
				      v3_host_cpu_id());
			return VMX_ACCESS_NONE;
		}
		if (vmx_vmcs_current(to_vmx_cpu(cpu), vv))
			return VMX_ACCESS_IRQS;
		v3_irq_enable();
		if (!vmx_vcpu_put(&vv->vcpu))
			return VMX_ACCESS_NONE;
	}
	vmx_vmcs_lost(vv, "is loaded elsewhere again and again",
		      v3_host_cpu_id());
	return VMX_ACCESS_NONE;
}

static void vmx_vmcs_end(enum vmx_access acc)
{
	if (acc == VMX_ACCESS_IRQS)
		v3_irq_enable();
}

/* A field of the VMCS; 0 if it is beyond reach (the VM ends) */
static u64 vmx_read(struct vmx_vcpu *vv, u32 field)
{
	enum vmx_access acc = vmx_vmcs_begin(vv);
	u64 val = 0;

	if (acc != VMX_ACCESS_NONE)
		val = v3_vmread(field);
	vmx_vmcs_end(acc);
	return val;
}

/* vCPU */

/* What each VMCS holds from the start: the controls and the lists */
static void vmx_vmcs_setup(struct vmx_vcpu *vv)
{
	struct vmx_vm *x = to_vmx_vm(vv->vcpu.vm);
	struct vmx_msr_entry *msrs = v3_host_pa_to_va(vv->msr_pa);
	unsigned int i;

	for (i = 0; i < VMX_NR_AUTO_MSRS; i++) {
		msrs[i].index = vmx_auto_msrs[i];
		msrs[128 + i].index = vmx_auto_msrs[i];
	}
	v3_vmwrite(VMCS_LINK_POINTER, ~0ULL);
	v3_vmwrite(VMCS_PIN_CTLS, vmx_caps.pin);
	v3_vmwrite(VMCS_PROC_CTLS, vmx_caps.proc);
	v3_vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2);
	v3_vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit);
	v3_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry);
	/*
	 * #DB and #AC: a guest can make the CPU raise them in a loop that
	 * never leaves microcode; intercepted, each goes through the host
	 * (v3_handle_exception()).  #MC: the host's.  #UD: VMMCALL is the
	 * hypercall here too.
	 */
	v3_vmwrite(VMCS_EXCEPTION_BITMAP, BIT(V3_DB_VECTOR) |
		   BIT(V3_AC_VECTOR) | BIT(V3_MC_VECTOR) | BIT(V3_UD_VECTOR));
	v3_vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	v3_vmwrite(VMCS_IO_BITMAP_A, x->io_bitmap_pa);
	v3_vmwrite(VMCS_IO_BITMAP_B, x->io_bitmap_pa + V3_PAGE_SIZE);
	v3_vmwrite(VMCS_MSR_BITMAP, x->msr_bitmap_pa);
	v3_vmwrite(VMCS_EPT_POINTER, x->eptp);
	if (vmx_caps.vpid)
		v3_vmwrite(VMCS_VPID, vv->vcpu.id + 1);
	/* CR4: every write is checked against the CPUID policy */
	v3_vmwrite(VMCS_CR0_MASK, vmx_caps.cr0_mask);
	v3_vmwrite(VMCS_CR4_MASK, ~0ULL);
	v3_vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, vv->msr_pa);
	v3_vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, VMX_NR_AUTO_MSRS);
	v3_vmwrite(VMCS_EXIT_MSR_STORE_ADDR, vv->msr_pa);
	v3_vmwrite(VMCS_EXIT_MSR_STORE_COUNT, VMX_NR_AUTO_MSRS);
	v3_vmwrite(VMCS_EXIT_MSR_LOAD_ADDR, vv->msr_pa + 128 * sizeof(*msrs));
	v3_vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, VMX_NR_AUTO_MSRS);
	v3_vmwrite(VMCS_HOST_RIP, (u64)__v3_vmx_exit);
	if (vmx_caps.timer)
		v3_vmwrite(VMCS_PREEMPTION_TIMER, vmx_caps.timer);
	v3_vmwrite(VMCS_TSC_OFFSET, 0);
	v3_vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vv->tsc_offset = 0;
	vv->proc = vmx_caps.proc;
	vv->proc_vmcs = vmx_caps.proc;
}

int vmx_vcpu_init(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	enum vmx_access acc;
	int err;

	err = v3_host_alloc_pages(0, &vv->vmcs_pa);
	if (err)
		return err;
	err = v3_host_alloc_pages(0, &vv->msr_pa);
	if (err) {
		v3_host_free_pages(vv->vmcs_pa, 0);
		return err;
	}
	memset(v3_host_pa_to_va(vv->msr_pa), 0, V3_PAGE_SIZE);
	*(u32 *)v3_host_pa_to_va(vv->vmcs_pa) = vmx_caps.revision;
	INIT_LIST_HEAD(&vv->node);
	vv->cpu = -1;
	vv->host_cpu = -1;
	/* launch state clear, then current here */
	v3_irq_disable();
	v3_vmclear(vv->vmcs_pa);
	v3_irq_enable();
	acc = vmx_vmcs_begin(vv);
	if (acc == VMX_ACCESS_NONE) {
		/* cleared here and current nowhere: the free cannot refuse */
		vmx_vcpu_free(vcpu);
		return -EIO;
	}
	vmx_vmcs_setup(vv);
	vmx_vmcs_end(acc);
	return 0;
}

bool vmx_vcpu_free(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	/*
	 * A VMCS still active on a CPU that did not clear it may be written
	 * back there, and the vCPU is on that CPU's list of loaded VMCSes
	 * (vv->node), which it walks when it goes offline: the pages and the
	 * vCPU stay allocated (logged by vmx_vcpu_put() and the core).
	 */
	if (!vmx_vcpu_put(vcpu)) {
		v3_err("vmx: vCPU %u: its VMCS and MSR pages are not freed\n",
		       vcpu->id);
		return false;
	}
	v3_host_free_pages(vv->msr_pa, 0);
	v3_host_free_pages(vv->vmcs_pa, 0);
	vv->msr_pa = 0;
	vv->vmcs_pa = 0;
	return true;
}

/*
 * VMX's part of an INIT: the guest's MSRs of the lists and the VMCS's
 * other guest state cleared, no event, no interrupt shadow, no window.
 */
void vmx_vcpu_reset(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	struct vmx_msr_entry *msrs = v3_host_pa_to_va(vv->msr_pa);
	enum vmx_access acc;
	unsigned int i;

	for (i = 0; i < VMX_NR_AUTO_MSRS; i++)
		msrs[i].value = 0;
	acc = vmx_vmcs_begin(vv);
	if (acc != VMX_ACCESS_NONE) {
		v3_vmwrite(VMCS_GUEST_ACTIVITY, 0);
		v3_vmwrite(VMCS_GUEST_PENDING_DBG, 0);
		v3_vmwrite(VMCS_GUEST_DEBUGCTL, 0);
		v3_vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
		v3_vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
		v3_vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	}
	vmx_vmcs_end(acc);
	vv->event = 0;
	vv->intr_state = 0;
	vv->proc = vmx_caps.proc;
	vv->dirty |= VMX_DIRTY_INTR_STATE;
}

/* The guest's state */

u64 vmx_get_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	u64 mask = vmx_caps.cr0_mask;
	enum vmx_access acc;
	u64 val = 0;

	switch (reg) {
	case V3_SREG_RIP:
		return vv->rip;
	case V3_SREG_RFLAGS:
		return vv->rflags;
	case V3_SREG_DR6:
		return vv->dr6;
	case V3_SREG_DR7:
		return vv->dr7;
	case V3_SREG_CR0:
		/* the host's bits as the guest wrote them: the shadow */
		acc = vmx_vmcs_begin(vv);
		if (acc != VMX_ACCESS_NONE)
			val = (v3_vmread(VMCS_GUEST_CR0) & ~mask) |
			      (v3_vmread(VMCS_CR0_SHADOW) & mask);
		vmx_vmcs_end(acc);
		return val;
	case V3_SREG_CR3:
		return vmx_read(vv, VMCS_GUEST_CR3);
	case V3_SREG_CR4:
		return vmx_read(vv, VMCS_CR4_SHADOW);
	case V3_SREG_EFER:
		return vmx_read(vv, VMCS_GUEST_EFER);
	case V3_SREG_PAT:
		return vmx_read(vv, VMCS_GUEST_PAT);
	default:
		return 0;
	}
}

void vmx_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	enum vmx_access acc;
	u64 hw;

	switch (reg) {
	case V3_SREG_RIP:
		vv->rip = val;
		vv->dirty |= VMX_DIRTY_RIP;
		return;
	case V3_SREG_RFLAGS:
		vv->rflags = val;
		vv->dirty |= VMX_DIRTY_RFLAGS;
		return;
	case V3_SREG_DR6:
		vv->dr6 = val;
		return;
	case V3_SREG_DR7:
		vv->dr7 = val;
		vv->dirty |= VMX_DIRTY_DR7;
		return;
	default:
		break;
	}
	acc = vmx_vmcs_begin(vv);
	if (acc == VMX_ACCESS_NONE)
		return;
	switch (reg) {
	case V3_SREG_CR0:
		/*
		 * The CPU runs the guest with the bits VMX fixes (NE) and
		 * without caching disabled (as KVM does); the guest reads
		 * its own value from the shadow.
		 */
		hw = (val | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
		hw &= ~(u64)(VMX_CR0_CD | VMX_CR0_NW);
		v3_vmwrite(VMCS_GUEST_CR0, hw);
		v3_vmwrite(VMCS_CR0_SHADOW, val);
		break;
	case V3_SREG_CR3:
		v3_vmwrite(VMCS_GUEST_CR3, val);
		break;
	case V3_SREG_CR4:
		v3_vmwrite(VMCS_GUEST_CR4, val | vmx_caps.cr4_fixed0);
		v3_vmwrite(VMCS_CR4_SHADOW, val);
		break;
	case V3_SREG_EFER:
		/* IA-32e mode guest follows LMA, as VM entry checks */
		v3_vmwrite(VMCS_GUEST_EFER, val);
		v3_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry |
			   (val & EFER_LMA ? VMX_ENTRY_IA32E : 0));
		break;
	case V3_SREG_PAT:
		v3_vmwrite(VMCS_GUEST_PAT, val);
		break;
	default:
		break;
	}
	vmx_vmcs_end(acc);
}

/*
 * Access rights: struct v3_segment's attributes with a gap of four bits
 * before AVL, L, D/B and G, and "unusable" for a segment not present.
 */
void vmx_get_seg(struct v3_vcpu *vcpu, enum v3_seg seg, struct v3_segment *s)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	enum vmx_access acc = vmx_vmcs_begin(vv);
	u32 ar;

	memset(s, 0, sizeof(*s));
	if (acc == VMX_ACCESS_NONE)
		return;
	s->limit = v3_vmread(VMCS_GUEST_LIMIT(seg));
	s->base = v3_vmread(VMCS_GUEST_BASE(seg));
	if (seg < V3_SEG_GDTR) {
		s->selector = v3_vmread(VMCS_GUEST_SEL(seg));
		ar = v3_vmread(VMCS_GUEST_AR(seg));
		if (!(ar & VMX_AR_UNUSABLE))
			s->attrib = (ar & 0xff) | ((ar >> 4) & 0xf00);
	}
	vmx_vmcs_end(acc);
}

void vmx_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 const struct v3_segment *s)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	enum vmx_access acc = vmx_vmcs_begin(vv);
	u32 ar;

	if (acc == VMX_ACCESS_NONE)
		return;
	v3_vmwrite(VMCS_GUEST_LIMIT(seg), s->limit);
	v3_vmwrite(VMCS_GUEST_BASE(seg), s->base);
	if (seg < V3_SEG_GDTR) {
		ar = (s->attrib & 0xff) | ((s->attrib & 0xf00) << 4);
		if (!(s->attrib & V3_SEG_P))
			ar |= VMX_AR_UNUSABLE;
		v3_vmwrite(VMCS_GUEST_SEL(seg), s->selector);
		v3_vmwrite(VMCS_GUEST_AR(seg), ar);
	}
	vmx_vmcs_end(acc);
}

/* The exits that report the length of the instruction that caused them */
bool vmx_get_next_rip(struct v3_vcpu *vcpu, u64 *rip)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	switch (vv->exit_reason) {
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_TRIPLE_FAULT:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_TASK_SWITCH:
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		return false;
	default:
		*rip = vv->rip + vv->exit_insn_len;
		return true;
	}
}

void vmx_set_interrupt_shadow(struct v3_vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	if (on)
		vv->intr_state |= VMX_INTERRUPTIBILITY_STI;
	else
		vv->intr_state &= ~(VMX_INTERRUPTIBILITY_STI |
				    VMX_INTERRUPTIBILITY_MOV_SS);
	vv->dirty |= VMX_DIRTY_INTR_STATE;
}

/* Events */

bool vmx_nmi_allowed(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	return !(vv->event & VMX_INTR_VALID) &&
	       !(vv->intr_state & (VMX_INTERRUPTIBILITY_STI |
				   VMX_INTERRUPTIBILITY_MOV_SS |
				   VMX_INTERRUPTIBILITY_NMI));
}

bool vmx_interrupt_allowed(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	return !(vv->event & VMX_INTR_VALID) &&
	       (vv->rflags & V3_RFLAGS_IF) &&
	       !(vv->intr_state & (VMX_INTERRUPTIBILITY_STI |
				   VMX_INTERRUPTIBILITY_MOV_SS));
}

void vmx_inject_irq(struct v3_vcpu *vcpu, u8 vector)
{
	to_vmx_vcpu(vcpu)->event = vector | VMX_INTR_TYPE_EXT | VMX_INTR_VALID;
}

/*
 * Virtual NMIs: the CPU blocks the guest's NMIs until its handler's IRET;
 * the NMI window then opens, and its exit tells the core.
 */
void vmx_inject_nmi(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	vv->event = V3_NMI_VECTOR | VMX_INTR_TYPE_NMI | VMX_INTR_VALID;
	vv->proc |= VMX_PROC_NMI_WINDOW;
}

void vmx_enable_irq_window(struct v3_vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	if (on)
		vv->proc |= VMX_PROC_INTR_WINDOW;
	else
		vv->proc &= ~VMX_PROC_INTR_WINDOW;
}

void vmx_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	vv->event = vector | VMX_INTR_TYPE_HW_EXC | VMX_INTR_VALID |
		    (has_err ? VMX_INTR_ERR : 0);
	vv->event_err = err;
}

/*
 * An event whose delivery the exit interrupted is delivered again; an exit
 * that came in the guest's IRET out of its NMI handler leaves NMIs blocked
 * again, as the SDM asks of a VMM that resumes the IRET.
 */
void vmx_complete_events(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	bool unblocked = false;

	vv->event = 0;
	if (vv->idt_info & VMX_INTR_VALID) {
		vv->event = vv->idt_info & ~VMX_INTR_NMI_UNBLOCK;
		vv->event_err = vv->idt_err;
		vv->event_len = vv->exit_insn_len;
		if ((vv->event & VMX_INTR_TYPE) == VMX_INTR_TYPE_NMI) {
			vv->intr_state &= ~VMX_INTERRUPTIBILITY_NMI;
			vv->dirty |= VMX_DIRTY_INTR_STATE;
		}
		return;
	}
	if (vv->exit_reason == EXIT_REASON_EPT_VIOLATION)
		unblocked = vv->exit_qual & VMX_INTR_NMI_UNBLOCK;
	else if (vv->exit_reason == EXIT_REASON_EXCEPTION_NMI)
		unblocked = vv->exit_intr_info & VMX_INTR_NMI_UNBLOCK;
	if (unblocked) {
		vv->intr_state |= VMX_INTERRUPTIBILITY_NMI;
		vv->dirty |= VMX_DIRTY_INTR_STATE;
	}
}

void vmx_flush_tlb(struct v3_vcpu *vcpu)
{
	to_vmx_vcpu(vcpu)->flush = true;
}

/* Exit handlers: they decode, the core decides */

static int vmx_exit_exception(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	u32 info = vv->exit_intr_info;
	unsigned int vector = info & VMX_INTR_VECTOR;

	if ((info & VMX_INTR_TYPE) == VMX_INTR_TYPE_NMI)
		return v3_handle_intr(vcpu, true);
	/* #DB: the exit reports what the CPU did not write to DR6 */
	if (vector == V3_DB_VECTOR)
		vv->dr6 = (vv->dr6 & ~(u64)VMX_DB_DR6_BITS) |
			  (vv->exit_qual & VMX_DB_DR6_BITS);
	return v3_handle_exception(vcpu, vector, info & VMX_INTR_ERR ?
				   vv->exit_intr_err : 0);
}

static int vmx_exit_intr(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	return v3_handle_intr(vcpu, false);
}

/*
 * The VMX-preemption timer: the guest ran VMX_TIMESLICE_US (vmx.c) without
 * an exit, and the host takes its CPU back, as after an interrupt.  A host
 * interrupt makes the guest exit first on hardware; Bochs 2.7, the rig's
 * VMX, was seen never to make that exit while the guest ran with its IF
 * clear (a "cli; jmp ." guest kept the host CPU for good): the timer bounds
 * the stay there too.  Why Bochs masks the interrupt is not known.
 */
static int vmx_exit_timeslice(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	return v3_handle_intr(vcpu, false);
}

static int vmx_exit_irq_window(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	vv->proc &= ~VMX_PROC_INTR_WINDOW;
	return v3_handle_irq_window(vcpu);
}

/* The guest's IRET out of its NMI handler has completed */
static int vmx_exit_nmi_window(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	vv->proc &= ~VMX_PROC_NMI_WINDOW;
	return v3_handle_iret(vcpu);
}

static int vmx_exit_io(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	u64 q = vv->exit_qual;

	return v3_handle_io_exit(vcpu, q >> VMX_IO_PORT_SHIFT,
				 (q & VMX_IO_SIZE) + 1, q & VMX_IO_IN,
				 q & VMX_IO_STRING);
}

static int vmx_exit_rdmsr(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	return v3_emulate_rdmsr(vcpu);
}

static int vmx_exit_wrmsr(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	return v3_emulate_wrmsr(vcpu);
}

/* MOV to CR0 or CR4 (the bits the host owns), or CR8, which the core has not */
static int vmx_exit_cr(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	u64 q = vv->exit_qual;

	if ((q & VMX_CR_TYPE) != VMX_CR_TYPE_MOV_TO) {
		vcpu->exits[V3_EXIT_OTHER]++;
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "unexpected access to CR%llu intercepted (qualification 0x%llx)",
			  q & VMX_CR_NUM, q);
		return -ECANCELED;
	}
	return v3_handle_cr_write(vcpu, q & VMX_CR_NUM,
				  (q >> VMX_CR_GPR_SHIFT) & 0xf);
}

static int vmx_exit_dr(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	u64 q = vv->exit_qual;

	return v3_handle_dr(vcpu, q & VMX_DR_NUM, !(q & VMX_DR_FROM),
			    (q >> VMX_DR_GPR_SHIFT) & 0xf);
}

static int vmx_exit_ept(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	unsigned int fault = 0;

	if (vv->exit_qual & VMX_EPT_FETCH)
		fault |= V3_MMIO_FETCH;
	if (vv->exit_qual & VMX_EPT_WRITE)
		fault |= V3_MMIO_WRITE;
	return v3_handle_npf(vcpu, vv->exit_gpa, fault);
}

#define VMX_CORE(fn)	{ .core = (fn) }
#define VMX_DECODE(fn)	{ .decode = (fn) }

static const struct {
	int (*core)(struct v3_vcpu *vcpu);
	int (*decode)(struct v3_vcpu *vcpu, struct vmx_vcpu *vv);
} vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]	= VMX_DECODE(vmx_exit_exception),
	[EXIT_REASON_EXTERNAL_INTERRUPT] = VMX_DECODE(vmx_exit_intr),
	[EXIT_REASON_TRIPLE_FAULT]	= VMX_CORE(v3_handle_triple_fault),
	[EXIT_REASON_INTERRUPT_WINDOW]	= VMX_DECODE(vmx_exit_irq_window),
	[EXIT_REASON_NMI_WINDOW]	= VMX_DECODE(vmx_exit_nmi_window),
	[EXIT_REASON_CPUID]		= VMX_CORE(v3_emulate_cpuid),
	[EXIT_REASON_HLT]		= VMX_CORE(v3_emulate_hlt),
	[EXIT_REASON_INVD]		= VMX_CORE(v3_emulate_invd),
	[EXIT_REASON_RDPMC]		= VMX_CORE(v3_emulate_rdpmc),
	[EXIT_REASON_VMCALL]		= VMX_CORE(v3_emulate_hypercall),
	[EXIT_REASON_VMCLEAR]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMLAUNCH]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMPTRLD]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMPTRST]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMREAD]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMRESUME]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMWRITE]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMOFF]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_VMON]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_CR_ACCESS]		= VMX_DECODE(vmx_exit_cr),
	[EXIT_REASON_DR_ACCESS]		= VMX_DECODE(vmx_exit_dr),
	[EXIT_REASON_IO_INSTRUCTION]	= VMX_DECODE(vmx_exit_io),
	[EXIT_REASON_MSR_READ]		= VMX_DECODE(vmx_exit_rdmsr),
	[EXIT_REASON_MSR_WRITE]		= VMX_DECODE(vmx_exit_wrmsr),
	[EXIT_REASON_MWAIT_INSTRUCTION]	= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_MONITOR_INSTRUCTION] = VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_EPT_VIOLATION]	= VMX_DECODE(vmx_exit_ept),
	[EXIT_REASON_INVEPT]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_RDTSCP]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_INVVPID]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_WBINVD]		= VMX_CORE(v3_emulate_wbinvd),
	[EXIT_REASON_XSETBV]		= VMX_CORE(v3_emulate_ud),
	[EXIT_REASON_PREEMPTION_TIMER]	= VMX_DECODE(vmx_exit_timeslice),
	[EXIT_REASON_VMFUNC]		= VMX_CORE(v3_emulate_ud),
};

/* The VM-instruction errors an entry can report (SDM 31.4) */
static const char *vmx_insn_error(u32 err)
{
	switch (err) {
	case 4:
		return "VMLAUNCH with a VMCS not clear";
	case 5:
		return "VMRESUME with a VMCS not launched";
	case 7:
		return "invalid control fields";
	case 8:
		return "invalid host-state fields";
	case 26:
		return "events blocked by MOV SS";
	default:
		return "see the SDM, 31.4";
	}
}

/* A VM entry that failed on the guest's state, or did not start */
static int vmx_entry_failed(struct v3_vcpu *vcpu, struct vmx_vcpu *vv)
{
	u32 basic = vv->exit_reason & VMX_EXIT_REASON_BASIC;

	vcpu->exits[V3_EXIT_OTHER]++;
	if (vv->failed)
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VM entry failed: VM-instruction error %u (%s)",
			  vv->insn_error, vmx_insn_error(vv->insn_error));
	else if (basic == EXIT_REASON_INVALID_STATE)
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VM entry refused the guest state (qualification %llu) at RIP 0x%llx: CR0 0x%llx CR4 0x%llx EFER 0x%llx",
			  vv->exit_qual, vv->rip,
			  vmx_get_sreg(vcpu, V3_SREG_CR0),
			  vmx_read(vv, VMCS_GUEST_CR4),
			  vmx_get_sreg(vcpu, V3_SREG_EFER));
	else if (basic == EXIT_REASON_MSR_LOAD_FAIL)
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VM entry failed loading MSR %llu of the list",
			  vv->exit_qual);
	else
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VM entry failed (exit reason 0x%x)", vv->exit_reason);
	return -EIO;
}

int vmx_handle_exit(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	u32 reason = vv->exit_reason;
	u32 basic = reason & VMX_EXIT_REASON_BASIC;

	if (vv->lost) {
		vcpu->exits[V3_EXIT_OTHER]++;
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "vCPU %u: its VMCS could not be made current where it was needed",
			  vcpu->id);
		return -EIO;
	}
	if (vv->failed || (reason & VMX_EXIT_REASON_ENTRY_FAIL))
		return vmx_entry_failed(vcpu, vv);
	if (basic < ARRAY_SIZE(vmx_exit_handlers)) {
		if (vmx_exit_handlers[basic].core)
			return vmx_exit_handlers[basic].core(vcpu);
		if (vmx_exit_handlers[basic].decode)
			return vmx_exit_handlers[basic].decode(vcpu, vv);
	}
	vcpu->exits[V3_EXIT_OTHER]++;
	v3_vm_end(vcpu->vm, V3_LOG_ERR,
		  "unhandled exit %u (reason 0x%x, qualification 0x%llx) at RIP 0x%llx",
		  basic, reason, vv->exit_qual, vv->rip);
	return -EOPNOTSUPP;
}

/* The world switch */

/* The host's state the exit loads: written when the VMCS changes CPU */
static void vmx_host_state(struct vmx_vcpu *vv)
{
	struct vmx_msr_entry *host = (struct vmx_msr_entry *)
				     v3_host_pa_to_va(vv->msr_pa) + 128;
	struct v3_host_segs hs;
	unsigned int i;

	v3_host_segs_read(&hs);
	v3_vmwrite(VMCS_HOST_CR0, v3_cr0_read());
	v3_vmwrite(VMCS_HOST_CS_SEL, hs.cs);
	v3_vmwrite(VMCS_HOST_SS_SEL, hs.ss);
	v3_vmwrite(VMCS_HOST_DS_SEL, 0);
	v3_vmwrite(VMCS_HOST_ES_SEL, 0);
	v3_vmwrite(VMCS_HOST_FS_SEL, 0);
	v3_vmwrite(VMCS_HOST_GS_SEL, 0);
	v3_vmwrite(VMCS_HOST_TR_SEL, hs.tr);
	v3_vmwrite(VMCS_HOST_TR_BASE, hs.tr_base);
	v3_vmwrite(VMCS_HOST_GDTR_BASE, hs.gdt_base);
	v3_vmwrite(VMCS_HOST_IDTR_BASE, hs.idt_base);
	v3_vmwrite(VMCS_HOST_FS_BASE, v3_rdmsr(MSR_FS_BASE));
	v3_vmwrite(VMCS_HOST_GS_BASE, v3_rdmsr(MSR_GS_BASE));
	v3_vmwrite(VMCS_HOST_SYSENTER_CS, v3_rdmsr(MSR_IA32_SYSENTER_CS));
	v3_vmwrite(VMCS_HOST_SYSENTER_ESP, v3_rdmsr(MSR_IA32_SYSENTER_ESP));
	v3_vmwrite(VMCS_HOST_SYSENTER_EIP, v3_rdmsr(MSR_IA32_SYSENTER_EIP));
	v3_vmwrite(VMCS_HOST_PAT, v3_rdmsr(MSR_IA32_CR_PAT));
	v3_vmwrite(VMCS_HOST_EFER, v3_rdmsr(MSR_EFER));
	for (i = 0; i < VMX_NR_AUTO_MSRS; i++)
		host[i].value = v3_rdmsr(vmx_auto_msrs[i]);
	vv->host_cr3 = 0;
	vv->host_cr4 = 0;
}

/*
 * With interrupts disabled, before each entry: the VMCS current here.  A
 * VMCS new to this CPU gets its host state, and no translation this CPU
 * may hold of the vCPU's VPID and EPT pointer (from an earlier visit, or
 * from a freed VM whose tables were at the same address) is used.
 */
bool vmx_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);

	if (!vmx_vmcs_current(to_vmx_cpu(cpu), vv))
		return false;
	if (vv->host_cpu != cpu->id) {
		vmx_host_state(vv);
		vv->host_cpu = cpu->id;
		vv->flush = true;
		if (vmx_caps.vpid)
			v3_invvpid(VMX_INVVPID_SINGLE, vcpu->id + 1);
	}
	return true;
}

/* What changed since the last exit goes into the VMCS. */
static void vmx_sync_in(struct vmx_vcpu *vv)
{
	struct v3_vcpu *vcpu = &vv->vcpu;
	u64 cr;

	if (vv->dirty & VMX_DIRTY_RIP)
		v3_vmwrite(VMCS_GUEST_RIP, vv->rip);
	if (vv->dirty & VMX_DIRTY_RFLAGS)
		v3_vmwrite(VMCS_GUEST_RFLAGS, vv->rflags);
	if (vv->dirty & VMX_DIRTY_INTR_STATE)
		v3_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, vv->intr_state);
	if (vv->dirty & VMX_DIRTY_DR7)
		v3_vmwrite(VMCS_GUEST_DR7, vv->dr7);
	vv->dirty = 0;
	v3_vmwrite(VMCS_GUEST_RSP, vcpu->gpr[V3_RSP]);
	if (vv->event & VMX_INTR_VALID) {
		v3_vmwrite(VMCS_ENTRY_INTR_INFO, vv->event);
		if (vv->event & VMX_INTR_ERR)
			v3_vmwrite(VMCS_ENTRY_EXCEPTION_ERR, vv->event_err);
		if ((vv->event & VMX_INTR_TYPE) >= VMX_INTR_TYPE_SW_INT)
			v3_vmwrite(VMCS_ENTRY_INSN_LEN, vv->event_len);
	}
	if (vv->proc != vv->proc_vmcs) {
		v3_vmwrite(VMCS_PROC_CTLS, vv->proc);
		vv->proc_vmcs = vv->proc;
	}
	if (vcpu->tsc_offset != vv->tsc_offset) {
		v3_vmwrite(VMCS_TSC_OFFSET, vcpu->tsc_offset);
		vv->tsc_offset = vcpu->tsc_offset;
	}
	/* The host's CR3 and CR4 change (PCIDs, the TLB's global bit) */
	cr = v3_cr3_read();
	if (cr != vv->host_cr3) {
		v3_vmwrite(VMCS_HOST_CR3, cr);
		vv->host_cr3 = cr;
	}
	cr = v3_cr4_read();
	if (cr != vv->host_cr4) {
		v3_vmwrite(VMCS_HOST_CR4, cr);
		vv->host_cr4 = cr;
	}
	if (vv->flush) {
		v3_invept(vmx_caps.invept_single ? VMX_INVEPT_SINGLE :
			  VMX_INVEPT_ALL, to_vmx_vm(vcpu->vm)->eptp);
		vv->flush = false;
	}
}

/* What the exit reports, and the guest state the core reads most */
static void vmx_sync_out(struct vmx_vcpu *vv)
{
	struct v3_vcpu *vcpu = &vv->vcpu;

	vv->exit_reason = v3_vmread(VMCS_EXIT_REASON);
	vv->exit_qual = v3_vmread(VMCS_EXIT_QUAL);
	vv->exit_intr_info = v3_vmread(VMCS_EXIT_INTR_INFO);
	vv->exit_intr_err = v3_vmread(VMCS_EXIT_INTR_ERR);
	vv->idt_info = v3_vmread(VMCS_IDT_VECTORING_INFO);
	vv->idt_err = v3_vmread(VMCS_IDT_VECTORING_ERR);
	vv->exit_insn_len = v3_vmread(VMCS_EXIT_INSN_LEN);
	if ((vv->exit_reason & VMX_EXIT_REASON_BASIC) ==
	    EXIT_REASON_EPT_VIOLATION)
		vv->exit_gpa = v3_vmread(VMCS_GUEST_PHYS_ADDR);
	vv->rip = v3_vmread(VMCS_GUEST_RIP);
	vv->rflags = v3_vmread(VMCS_GUEST_RFLAGS);
	vv->intr_state = v3_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	vv->dr7 = v3_vmread(VMCS_GUEST_DR7);
	vcpu->gpr[V3_RSP] = v3_vmread(VMCS_GUEST_RSP);
}

void vmx_enter(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *vv = to_vmx_vcpu(vcpu);
	u64 debugctl;

	/* no entry with a VMCS an access could not reach: the VM ends */
	if (vv->lost) {
		vv->exit_reason = 0;
		vv->idt_info = 0;
		return;
	}
	vmx_sync_in(vv);
	/* A VM exit clears IA32_DEBUGCTL: the host's comes back after it */
	debugctl = v3_rdmsr(MSR_IA32_DEBUGCTLMSR);
	vv->failed = __v3_vmx_run(vcpu->gpr, vv->launched);
	if (vv->failed) {
		vv->insn_error = v3_vmread(VMCS_INSN_ERROR);
		vv->exit_reason = 0;
		return;
	}
	v3_host_descriptors_restore();
	if (debugctl)
		v3_wrmsr(MSR_IA32_DEBUGCTLMSR, debugctl);
	vv->launched = true;
	vv->event = 0;
	vmx_sync_out(vv);
	if (vv->exit_reason == EXIT_REASON_EXCEPTION_NMI) {
		u32 info = vv->exit_intr_info;

		if ((info & VMX_INTR_TYPE) == VMX_INTR_TYPE_NMI)
			v3_host_nmi();
		else if ((info & VMX_INTR_VECTOR) == V3_MC_VECTOR)
			v3_host_machine_check();
	}
	if ((vv->exit_reason & VMX_EXIT_REASON_BASIC) ==
	    EXIT_REASON_MCE_DURING_VMENTRY)
		v3_host_machine_check();
}
