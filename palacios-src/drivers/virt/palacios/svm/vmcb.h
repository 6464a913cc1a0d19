/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AMD SVM virtual machine control block (VMCB), as the AMD64
 * Architecture Programmer's Manual, volume 2, appendix B lays it out, with
 * the fields the Palacios SVM backend uses.
 */
#ifndef _PALACIOS_SVM_VMCB_H
#define _PALACIOS_SVM_VMCB_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* Intercept vector 3 (offset 0x0c) */
#define SVM_I3_INTR		BIT(0)
#define SVM_I3_VINTR		BIT(4)
#define SVM_I3_NMI		BIT(1)
#define SVM_I3_SMI		BIT(2)
#define SVM_I3_INIT		BIT(3)
#define SVM_I3_RDPMC		BIT(15)
#define SVM_I3_CPUID		BIT(18)
#define SVM_I3_IRET		BIT(20)
#define SVM_I3_INVD		BIT(22)
#define SVM_I3_HLT		BIT(24)
#define SVM_I3_INVLPGA		BIT(26)
#define SVM_I3_IOIO		BIT(27)
#define SVM_I3_MSR		BIT(28)
#define SVM_I3_SHUTDOWN		BIT(31)
/* Intercept vector 4 (offset 0x10) */
#define SVM_I4_VMRUN		BIT(0)
#define SVM_I4_VMMCALL		BIT(1)
#define SVM_I4_VMLOAD		BIT(2)
#define SVM_I4_VMSAVE		BIT(3)
#define SVM_I4_STGI		BIT(4)
#define SVM_I4_CLGI		BIT(5)
#define SVM_I4_SKINIT		BIT(6)
#define SVM_I4_RDTSCP		BIT(7)
#define SVM_I4_ICEBP		BIT(8)
#define SVM_I4_WBINVD		BIT(9)
#define SVM_I4_MONITOR		BIT(10)
#define SVM_I4_MWAIT		BIT(11)
#define SVM_I4_MWAIT_ARMED	BIT(12)
#define SVM_I4_XSETBV		BIT(13)
#define SVM_I4_RDPRU		BIT(14)
/* The debug-register intercepts (offset 0x04): reads of DRn, writes of DRn */
#define SVM_DR_READ(n)		BIT(n)
#define SVM_DR_WRITE(n)		BIT(16 + (n))
/* The CR intercepts (offset 0x00): writes of CRn */
#define SVM_CR_WRITE(n)		BIT(16 + (n))
/* EXITINFO1 of a CR or DR access, with decode assists: the GPR's number */
#define SVM_EXITINFO1_GPR	0xfULL
/* ... and for a CR write, that it is a MOV (not LMSW or CLTS) */
#define SVM_EXITINFO1_MOV_CR	BIT_ULL(63)

#define SVM_TLB_FLUSH_ALL	1
#define SVM_INT_CTL_V_IRQ		BIT_ULL(8)
#define SVM_INT_CTL_V_INTR_PRIO		(0xfULL << 16)
#define SVM_INT_CTL_V_IGN_TPR		BIT_ULL(20)
#define SVM_INT_CTL_V_INTR_MASKING	BIT_ULL(24)
#define SVM_INT_STATE_SHADOW	BIT_ULL(0)
#define SVM_NESTED_NP_ENABLE	BIT_ULL(0)

/* EVENTINJ */
#define SVM_EVTINJ_VALID	BIT_ULL(31)
#define SVM_EVTINJ_ERR_VALID	BIT_ULL(11)
#define SVM_EVTINJ_INTR		(0ULL << 8)
#define SVM_EVTINJ_NMI		(2ULL << 8)
#define SVM_EVTINJ_EXCEPTION	(3ULL << 8)

/* EXITINFO1 of an IOIO exit */
#define SVM_IOIO_IN		BIT_ULL(0)
#define SVM_IOIO_STR		BIT_ULL(2)
#define SVM_IOIO_REP		BIT_ULL(3)
#define SVM_IOIO_SIZE_SHIFT	4
#define SVM_IOIO_SIZE_MASK	(7ULL << SVM_IOIO_SIZE_SHIFT)
#define SVM_IOIO_PORT_SHIFT	16

/* EXITINFO1 of a nested page fault: the access's error code */
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)

/* Segment attributes, in the VMCB's packed form */
#define SVM_SEG_L		BIT(9)
#define SVM_SEG_DB		BIT(10)

/* CPUID 0x8000000a EDX */
#define SVM_FEATURE_NRIPS	BIT(3)
#define SVM_FEATURE_DECODE	BIT(7)

#define SVM_IOPM_ORDER		2	/* 12 KiB used */
#define SVM_MSRPM_ORDER		1	/* 8 KiB */

/**
 * struct vmcb_seg - a segment register in the state save area
 * @selector: the selector
 * @attrib: the attributes: type, S, DPL, P, AVL, L, D/B, G in bits 0-11
 * @limit: the limit, in bytes
 * @base: the base address
 */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/*
 * The control area (offset 0).  Fields are named after the APM's; those
 * the backend does not use are padding.
 */
struct vmcb_control {
	u32 intercept_cr;
	u32 intercept_dr;
	u32 intercept_exceptions;
	u32 intercept3;
	u32 intercept4;
	u32 intercept5;
	u8 reserved_18[0x40 - 0x18];
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 asid;
	u8 tlb_control;
	u8 reserved_5d[3];
	u64 int_ctl;
	u64 int_state;
	u64 exit_code;
	u64 exit_info_1;
	u64 exit_info_2;
	u64 exit_int_info;
	u64 nested_ctl;
	u64 avic_bar;
	u64 ghcb_pa;
	u64 event_inj;
	u64 nested_cr3;
	u64 virt_ext;
	u32 clean;
	u32 reserved_c4;
	u64 next_rip;
	u8 insn_len;
	u8 insn_bytes[15];
	u8 reserved_e0[0x400 - 0xe0];
} __packed;

/* The state save area (offset 0x400), where the guest's state lives */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 reserved_a0[0xcb - 0xa0];
	u8 cpl;
	u32 reserved_cc;
	u64 efer;
	u8 reserved_d8[0x148 - 0xd8];
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;
	u8 reserved_1e0[0x1f8 - 0x1e0];
	u64 rax;
	u64 star;
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;
} __packed;

/**
 * struct vmcb - a VMCB, one 4 KiB page
 * @control: the control area
 * @save: the guest's state
 */
struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x40);
static_assert(offsetof(struct vmcb_control, exit_code) == 0x70);
static_assert(offsetof(struct vmcb_control, event_inj) == 0xa8);
static_assert(offsetof(struct vmcb_control, next_rip) == 0xc8);
static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(offsetof(struct vmcb_save, efer) == 0xd0);
static_assert(offsetof(struct vmcb_save, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save, rip) == 0x178);
static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8);
static_assert(offsetof(struct vmcb_save, rax) == 0x1f8);
static_assert(offsetof(struct vmcb_save, cr2) == 0x240);
static_assert(offsetof(struct vmcb_save, g_pat) == 0x268);

#endif /* _PALACIOS_SVM_VMCB_H */
