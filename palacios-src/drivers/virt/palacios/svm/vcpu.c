// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios SVM backend: VMs, vCPUs, the guest state's accessors, events
 * and the exit decoder.
 *
 * Each exit code maps to a small handler (svm_exit_handlers[]) that pulls
 * what the exit reports out of the VMCB and calls the core, or to the
 * core's v3_emulate_*() directly.  What the guest sees is the core's
 * business (core/vcpu.c); here is only how SVM encodes it.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <uapi/asm/svm.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#include "svm.h"
#include "vmcb.h"

/* VM */

/*
 * AMD's nested page tables: the long-mode format; every guest access goes
 * through them as a user-mode access, so every entry has the U/S bit set.
 */
#define SVM_NPT_P	BIT_ULL(0)
#define SVM_NPT_RW	BIT_ULL(1)
#define SVM_NPT_US	BIT_ULL(2)
#define SVM_NPT_PS	BIT_ULL(7)

static const struct v3_npt_format svm_npt_format = {
	.table = SVM_NPT_P | SVM_NPT_RW | SVM_NPT_US,
	.leaf = SVM_NPT_P | SVM_NPT_RW | SVM_NPT_US,
	.large = SVM_NPT_PS,
	.present = SVM_NPT_P,
};

/* MSRs whose guest copy VMLOAD and VMSAVE switch: the guest owns them. */
static const u32 svm_msrs_passthrough[] = {
	0x00000174, 0x00000175, 0x00000176,	/* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083,	/* STAR, LSTAR, CSTAR */
	0xc0000084,				/* SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,	/* FS, GS, KernelGS base */
};

static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base, off;

	if (msr < 0x2000) {
		base = 0;
	} else if (msr >= 0xc0000000 && msr < 0xc0002000) {
		base = 0x800;
		msr -= 0xc0000000;
	} else {
		return;
	}
	off = base * 8 + msr * 2;	/* in bits: read, then write */
	msrpm[off / 8] &= ~(3 << (off % 8));
}

int svm_vm_init(struct v3_vm *vm)
{
	struct svm_vm *s = to_svm_vm(vm);
	unsigned int i;
	u8 *msrpm;
	int err;

	err = v3_host_alloc_pages(SVM_IOPM_ORDER, &s->iopm_pa);
	if (err)
		goto fail;
	err = v3_host_alloc_pages(SVM_MSRPM_ORDER, &s->msrpm_pa);
	if (err)
		goto fail;
	memset(v3_host_pa_to_va(s->iopm_pa), 0xff,
	       V3_PAGE_SIZE << SVM_IOPM_ORDER);
	msrpm = v3_host_pa_to_va(s->msrpm_pa);
	memset(msrpm, 0xff, V3_PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_msrs_passthrough); i++)
		svm_msrpm_allow(msrpm, svm_msrs_passthrough[i]);
	err = v3_npt_build(&s->npt, &vm->mem, &svm_npt_format);
	if (err)
		goto fail;
	return 0;
fail:
	if (s->msrpm_pa)
		v3_host_free_pages(s->msrpm_pa, SVM_MSRPM_ORDER);
	if (s->iopm_pa)
		v3_host_free_pages(s->iopm_pa, SVM_IOPM_ORDER);
	s->msrpm_pa = 0;
	s->iopm_pa = 0;
	return err;
}

void svm_vm_free(struct v3_vm *vm)
{
	struct svm_vm *s = to_svm_vm(vm);

	v3_npt_free(&s->npt);
	v3_host_free_pages(s->msrpm_pa, SVM_MSRPM_ORDER);
	v3_host_free_pages(s->iopm_pa, SVM_IOPM_ORDER);
}

/* vCPU */

int svm_vcpu_init(struct v3_vcpu *vcpu)
{
	struct svm_vm *s = to_svm_vm(vcpu->vm);
	struct svm_vcpu *sv = to_svm_vcpu(vcpu);
	struct vmcb *vmcb;
	u64 pa;
	int err;

	err = v3_host_alloc_pages(0, &pa);
	if (err)
		return err;
	vmcb = v3_host_pa_to_va(pa);

	/*
	 * #DB and #AC: a guest can make the CPU raise them in a loop that
	 * never leaves microcode; intercepted, each goes through the host
	 * (v3_handle_exception()).  #MC: the host's.
	 */
	vmcb->control.intercept_exceptions = BIT(V3_DB_VECTOR) |
					     BIT(V3_AC_VECTOR) |
					     BIT(V3_MC_VECTOR);
	/* CR4: its bits are checked against the CPUID policy */
	vmcb->control.intercept_cr = SVM_CR_WRITE(4);
	/* DR0-DR3: the guest's are in vcpu->db; DR6 and DR7 in the VMCB */
	vmcb->control.intercept_dr = SVM_DR_READ(0) | SVM_DR_READ(1) |
				     SVM_DR_READ(2) | SVM_DR_READ(3) |
				     SVM_DR_WRITE(0) | SVM_DR_WRITE(1) |
				     SVM_DR_WRITE(2) | SVM_DR_WRITE(3);
	vmcb->control.intercept3 = SVM_I3_INTR | SVM_I3_NMI | SVM_I3_SMI |
				   SVM_I3_INIT | SVM_I3_RDPMC | SVM_I3_CPUID |
				   SVM_I3_INVD | SVM_I3_HLT | SVM_I3_INVLPGA |
				   SVM_I3_IOIO | SVM_I3_MSR | SVM_I3_SHUTDOWN;
	vmcb->control.intercept4 = SVM_I4_VMRUN | SVM_I4_VMMCALL |
				   SVM_I4_VMLOAD | SVM_I4_VMSAVE |
				   SVM_I4_STGI | SVM_I4_CLGI | SVM_I4_SKINIT |
				   SVM_I4_RDTSCP | SVM_I4_ICEBP |
				   SVM_I4_WBINVD | SVM_I4_MONITOR |
				   SVM_I4_MWAIT | SVM_I4_MWAIT_ARMED |
				   SVM_I4_XSETBV | SVM_I4_RDPRU;
	vmcb->control.iopm_base_pa = s->iopm_pa;
	vmcb->control.msrpm_base_pa = s->msrpm_pa;
	vmcb->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	vmcb->control.nested_ctl = SVM_NESTED_NP_ENABLE;
	vmcb->control.nested_cr3 = s->npt.root;
	sv->vmcb = vmcb;
	sv->vmcb_pa = pa;
	sv->asid_cpu = -1;
	return 0;
}

/*
 * SVM's part of an INIT: the state save area cleared (the MSRs VMLOAD and
 * VMSAVE switch, CPL, CR2), no event, no interrupt shadow, no window.
 */
void svm_vcpu_reset(struct v3_vcpu *vcpu)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);

	memset(&vmcb->save, 0, sizeof(vmcb->save));
	vmcb->save.efer = EFER_SVME;
	vmcb->control.event_inj = 0;
	vmcb->control.int_state = 0;
	vmcb->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	vmcb->control.intercept3 &= ~(SVM_I3_VINTR | SVM_I3_IRET);
}

bool svm_vcpu_free(struct v3_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm_vcpu(vcpu);

	v3_host_free_pages(sv->vmcb_pa, 0);
	sv->vmcb = NULL;
	return true;
}

/* The guest's state */

u64 svm_get_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg)
{
	const struct vmcb_save *save = &svm_vmcb(vcpu)->save;

	switch (reg) {
	case V3_SREG_RIP:
		return save->rip;
	case V3_SREG_RFLAGS:
		return save->rflags;
	case V3_SREG_CR0:
		return save->cr0;
	case V3_SREG_CR3:
		return save->cr3;
	case V3_SREG_CR4:
		return save->cr4;
	case V3_SREG_EFER:
		return save->efer & ~(u64)EFER_SVME;
	case V3_SREG_PAT:
		return save->g_pat;
	case V3_SREG_DR6:
		return save->dr6;
	case V3_SREG_DR7:
		return save->dr7;
	default:
		return 0;
	}
}

void svm_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val)
{
	struct vmcb_save *save = &svm_vmcb(vcpu)->save;

	switch (reg) {
	case V3_SREG_RIP:
		save->rip = val;
		break;
	case V3_SREG_RFLAGS:
		save->rflags = val;
		break;
	case V3_SREG_CR0:
		save->cr0 = val;
		break;
	case V3_SREG_CR3:
		save->cr3 = val;
		break;
	case V3_SREG_CR4:
		save->cr4 = val;
		break;
	case V3_SREG_EFER:
		/* SVME must stay set while the guest runs */
		save->efer = val | EFER_SVME;
		break;
	case V3_SREG_PAT:
		save->g_pat = val;
		break;
	case V3_SREG_DR6:
		save->dr6 = val;
		break;
	case V3_SREG_DR7:
		save->dr7 = val;
		break;
	default:
		break;
	}
}

/* Where each segment register of enum v3_seg is in the state save area */
static const u16 svm_seg_offset[V3_NR_SEGS] = {
	[V3_SEG_ES] = offsetof(struct vmcb_save, es),
	[V3_SEG_CS] = offsetof(struct vmcb_save, cs),
	[V3_SEG_SS] = offsetof(struct vmcb_save, ss),
	[V3_SEG_DS] = offsetof(struct vmcb_save, ds),
	[V3_SEG_FS] = offsetof(struct vmcb_save, fs),
	[V3_SEG_GS] = offsetof(struct vmcb_save, gs),
	[V3_SEG_LDTR] = offsetof(struct vmcb_save, ldtr),
	[V3_SEG_TR] = offsetof(struct vmcb_save, tr),
	[V3_SEG_GDTR] = offsetof(struct vmcb_save, gdtr),
	[V3_SEG_IDTR] = offsetof(struct vmcb_save, idtr),
};

static struct vmcb_seg *svm_seg(struct v3_vcpu *vcpu, enum v3_seg seg)
{
	return (void *)((u8 *)&svm_vmcb(vcpu)->save + svm_seg_offset[seg]);
}

/* The VMCB keeps a segment's attributes as struct v3_segment does. */
void svm_get_seg(struct v3_vcpu *vcpu, enum v3_seg seg, struct v3_segment *s)
{
	const struct vmcb_seg *v = svm_seg(vcpu, seg);

	s->selector = v->selector;
	s->attrib = v->attrib;
	s->limit = v->limit;
	s->base = v->base;
}

void svm_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
		 const struct v3_segment *s)
{
	struct vmcb_seg *v = svm_seg(vcpu, seg);

	v->selector = s->selector;
	v->attrib = s->attrib;
	v->limit = s->limit;
	v->base = s->base;
}

/* EXITINFO2 holds the next RIP of I/O exits, with or without NRIPS. */
bool svm_get_next_rip(struct v3_vcpu *vcpu, u64 *rip)
{
	const struct vmcb_control *c = &svm_vmcb(vcpu)->control;

	if (c->exit_code == SVM_EXIT_IOIO) {
		*rip = c->exit_info_2;
		return true;
	}
	if (!svm_has_feature(SVM_FEATURE_NRIPS))
		return false;
	*rip = c->next_rip;
	return true;
}

void svm_set_interrupt_shadow(struct v3_vcpu *vcpu, bool on)
{
	struct vmcb_control *c = &svm_vmcb(vcpu)->control;

	if (on)
		c->int_state |= SVM_INT_STATE_SHADOW;
	else
		c->int_state &= ~(u64)SVM_INT_STATE_SHADOW;
}

/* Events */

bool svm_nmi_allowed(struct v3_vcpu *vcpu)
{
	return !(svm_vmcb(vcpu)->control.event_inj & SVM_EVTINJ_VALID);
}

bool svm_interrupt_allowed(struct v3_vcpu *vcpu)
{
	const struct vmcb *vmcb = svm_vmcb(vcpu);

	return !(vmcb->control.event_inj & SVM_EVTINJ_VALID) &&
	       (vmcb->save.rflags & V3_RFLAGS_IF) &&
	       !(vmcb->control.int_state & SVM_INT_STATE_SHADOW);
}

void svm_inject_irq(struct v3_vcpu *vcpu, u8 vector)
{
	svm_vmcb(vcpu)->control.event_inj = vector | SVM_EVTINJ_INTR |
					    SVM_EVTINJ_VALID;
}

/*
 * Without vNMI the CPU does not track the guest's NMI masking: the IRET
 * intercept tells the core when the guest's handler returns.
 */
void svm_inject_nmi(struct v3_vcpu *vcpu)
{
	struct vmcb_control *c = &svm_vmcb(vcpu)->control;

	c->event_inj = V3_NMI_VECTOR | SVM_EVTINJ_NMI | SVM_EVTINJ_VALID;
	c->intercept3 |= SVM_I3_IRET;
}

/* A virtual interrupt request and the VINTR intercept: an exit at once */
void svm_enable_irq_window(struct v3_vcpu *vcpu, bool on)
{
	struct vmcb_control *c = &svm_vmcb(vcpu)->control;
	const u64 virq = SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO |
			 SVM_INT_CTL_V_IGN_TPR;

	if (on) {
		c->int_ctl |= virq;
		c->intercept3 |= SVM_I3_VINTR;
	} else {
		c->int_ctl &= ~virq;
		c->intercept3 &= ~SVM_I3_VINTR;
	}
}

void svm_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err)
{
	svm_vmcb(vcpu)->control.event_inj = vector | SVM_EVTINJ_EXCEPTION |
					    SVM_EVTINJ_VALID |
					    (has_err ? SVM_EVTINJ_ERR_VALID : 0) |
					    ((u64)err << 32);
}

/* An event whose delivery the exit interrupted is delivered again. */
void svm_complete_events(struct v3_vcpu *vcpu)
{
	struct vmcb_control *c = &svm_vmcb(vcpu)->control;

	c->event_inj = 0;
	if (c->exit_int_info & SVM_EVTINJ_VALID)
		c->event_inj = c->exit_int_info;
}

/* A fresh ASID at the next entry: no translation of the old one is used */
void svm_flush_tlb(struct v3_vcpu *vcpu)
{
	to_svm_vcpu(vcpu)->asid_cpu = -1;
}

/* Exit handlers: they decode, the core decides */

static int svm_exit_intr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	return v3_handle_intr(vcpu, vmcb->control.exit_code == SVM_EXIT_NMI);
}

static int svm_exit_ioio(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exit_info_1;
	/* The SZ8, SZ16 and SZ32 bits: one of them is set */
	unsigned int sz = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	unsigned int len = sz == 4 ? 4 : sz == 2 ? 2 : 1;

	return v3_handle_io_exit(vcpu, info >> SVM_IOIO_PORT_SHIFT, len,
				 info & SVM_IOIO_IN, info & SVM_IOIO_STR);
}

static int svm_exit_msr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	if (vmcb->control.exit_info_1 & 1)
		return v3_emulate_wrmsr(vcpu);
	return v3_emulate_rdmsr(vcpu);
}

static int svm_exit_npf(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exit_info_1;
	unsigned int fault = 0;

	if (info & SVM_NPF_FETCH)
		fault |= V3_MMIO_FETCH;
	if (info & SVM_NPF_WRITE)
		fault |= V3_MMIO_WRITE;
	return v3_handle_npf(vcpu, vmcb->control.exit_info_2, fault);
}

/* #DB, #AC, #MC: EXITINFO1 holds the error code of those that have one */
static int svm_exit_excp(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	return v3_handle_exception(vcpu, vmcb->control.exit_code -
				   SVM_EXIT_EXCP_BASE,
				   (u32)vmcb->control.exit_info_1);
}

/* MOV to CR4: decode assists name the register of a MOV */
static int svm_exit_cr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exit_info_1;
	int gpr = -1;

	if (svm_has_feature(SVM_FEATURE_DECODE) &&
	    (info & SVM_EXITINFO1_MOV_CR))
		gpr = info & SVM_EXITINFO1_GPR;
	return v3_handle_cr_write(vcpu, vmcb->control.exit_code -
				  SVM_EXIT_WRITE_CR0, gpr);
}

/* MOV to or from DR0-DR3 */
static int svm_exit_dr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 code = vmcb->control.exit_code;
	bool write = code >= SVM_EXIT_WRITE_DR0;
	int gpr = -1;

	if (svm_has_feature(SVM_FEATURE_DECODE))
		gpr = vmcb->control.exit_info_1 & SVM_EXITINFO1_GPR;
	return v3_handle_dr(vcpu, code - (write ? SVM_EXIT_WRITE_DR0 :
					  SVM_EXIT_READ_DR0), write, gpr);
}

/* The guest's IRET, intercepted while it runs its NMI handler */
static int svm_exit_iret(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	vmcb->control.intercept3 &= ~SVM_I3_IRET;
	return v3_handle_iret(vcpu);
}

/* The exits whose meaning the code alone gives go to the core directly. */
#define SVM_CORE(fn)	{ .core = (fn) }
#define SVM_DECODE(fn)	{ .decode = (fn) }

static const struct {
	int (*core)(struct v3_vcpu *vcpu);
	int (*decode)(struct v3_vcpu *vcpu, struct vmcb *vmcb);
} svm_exit_handlers[] = {
	[SVM_EXIT_WRITE_CR4]	= SVM_DECODE(svm_exit_cr),
	[SVM_EXIT_READ_DR0]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_READ_DR1]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_READ_DR2]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_READ_DR3]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_WRITE_DR0]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_WRITE_DR1]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_WRITE_DR2]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_WRITE_DR3]	= SVM_DECODE(svm_exit_dr),
	[SVM_EXIT_EXCP_BASE + V3_DB_VECTOR] = SVM_DECODE(svm_exit_excp),
	[SVM_EXIT_EXCP_BASE + V3_AC_VECTOR] = SVM_DECODE(svm_exit_excp),
	[SVM_EXIT_EXCP_BASE + V3_MC_VECTOR] = SVM_DECODE(svm_exit_excp),
	[SVM_EXIT_INTR]		= SVM_DECODE(svm_exit_intr),
	[SVM_EXIT_VINTR]	= SVM_CORE(v3_handle_irq_window),
	[SVM_EXIT_NMI]		= SVM_DECODE(svm_exit_intr),
	[SVM_EXIT_SMI]		= SVM_DECODE(svm_exit_intr),
	[SVM_EXIT_RDPMC]	= SVM_CORE(v3_emulate_rdpmc),
	[SVM_EXIT_CPUID]	= SVM_CORE(v3_emulate_cpuid),
	[SVM_EXIT_IRET]		= SVM_DECODE(svm_exit_iret),
	[SVM_EXIT_HLT]		= SVM_CORE(v3_emulate_hlt),
	[SVM_EXIT_INVD]		= SVM_CORE(v3_emulate_invd),
	[SVM_EXIT_IOIO]		= SVM_DECODE(svm_exit_ioio),
	[SVM_EXIT_MSR]		= SVM_DECODE(svm_exit_msr),
	[SVM_EXIT_SHUTDOWN]	= SVM_CORE(v3_handle_triple_fault),
	[SVM_EXIT_VMRUN]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_VMMCALL]	= SVM_CORE(v3_emulate_hypercall),
	[SVM_EXIT_VMLOAD]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_VMSAVE]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_STGI]		= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_CLGI]		= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_SKINIT]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_RDTSCP]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_ICEBP]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_WBINVD]	= SVM_CORE(v3_emulate_wbinvd),
	[SVM_EXIT_INVLPGA]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_MONITOR]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_MWAIT]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_MWAIT_COND]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_XSETBV]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_RDPRU]	= SVM_CORE(v3_emulate_ud),
	[SVM_EXIT_NPF]		= SVM_DECODE(svm_exit_npf),
};

int svm_handle_exit(struct v3_vcpu *vcpu)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);
	u64 code = vmcb->control.exit_code;

	if (code < ARRAY_SIZE(svm_exit_handlers)) {
		if (svm_exit_handlers[code].core)
			return svm_exit_handlers[code].core(vcpu);
		if (svm_exit_handlers[code].decode)
			return svm_exit_handlers[code].decode(vcpu, vmcb);
	}

	vcpu->exits[V3_EXIT_OTHER]++;
	if (code == (u64)SVM_EXIT_ERR)
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VMRUN refused the guest state (invalid VMCB)");
	else
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "unhandled exit 0x%llx (info 0x%llx 0x%llx) at RIP 0x%llx",
			  code, vmcb->control.exit_info_1,
			  vmcb->control.exit_info_2, vmcb->save.rip);
	return -EOPNOTSUPP;
}

/* The world switch */

/*
 * The vCPU's address-space ID on this CPU.  A vCPU that last ran on
 * another CPU, or whose ID is of an older generation, takes the next free
 * one; when they run out, a new generation starts with a flush of every
 * ASID's TLB entries, the one flush that CPUs without flush-by-ASID have.
 * So no two vCPUs share an ID on a CPU, and the TLB is flushed only when
 * the IDs run out (as KVM's new_asid() does).
 */
bool svm_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	struct svm_cpu *sc = to_svm_cpu(cpu);
	struct svm_vcpu *sv = to_svm_vcpu(vcpu);
	struct vmcb *vmcb = sv->vmcb;

	vmcb->control.tlb_control = 0;
	if (sv->asid_cpu == cpu->id && sv->asid_gen == sc->asid_gen)
		return true;
	if (sc->next_asid >= svm_asids()) {
		sc->asid_gen++;
		sc->next_asid = 1;
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	}
	vmcb->control.asid = sc->next_asid++;
	sv->asid_gen = sc->asid_gen;
	sv->asid_cpu = cpu->id;
	return true;
}

/*
 * Nothing to release: a VMCB is not made current on a CPU (VMRUN takes
 * its address each time), and the vCPU's ASID is given up by the
 * generation check of svm_vcpu_load() on whichever CPU runs it next.
 */
bool svm_vcpu_put(struct v3_vcpu *vcpu)
{
	return true;
}

void svm_enter(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm_vcpu(vcpu);
	struct vmcb *vmcb = sv->vmcb;

	vmcb->save.rax = vcpu->gpr[V3_RAX];
	vmcb->save.rsp = vcpu->gpr[V3_RSP];
	vmcb->control.tsc_offset = vcpu->tsc_offset;
	__v3_svm_run(sv->vmcb_pa, vcpu->gpr,
		     to_svm_cpu(cpu)->host_state_hpa);
	if (vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + V3_MC_VECTOR)
		v3_host_machine_check();
	vcpu->gpr[V3_RAX] = vmcb->save.rax;
	vcpu->gpr[V3_RSP] = vmcb->save.rsp;
}
