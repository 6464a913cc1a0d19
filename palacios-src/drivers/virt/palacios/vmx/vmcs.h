/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMCS fields and control bits the Palacios VMX backend uses.
 *
 * See the Intel SDM, volume 3C: appendix B ("Field Encoding in VMCS") for
 * the encodings, chapter 25 ("Virtual Machine Control Structures") for the
 * controls.  The exit reasons are the uapi's (<uapi/asm/vmx.h>).
 */
#ifndef _PALACIOS_VMX_VMCS_H
#define _PALACIOS_VMX_VMCS_H

#include <linux/bits.h>

/* 16-bit fields */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_SEL(seg)		(0x0800 + 2 * (seg))	/* ES..TR */
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c

/* 64-bit fields */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_EXIT_MSR_STORE_ADDR	0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR		0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR	0x200a
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_EPT_POINTER		0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PDPTE(n)		(0x280a + 2 * (n))
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02

/* 32-bit fields */
#define VMCS_PIN_CTLS			0x4000
#define VMCS_PROC_CTLS			0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CTLS			0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERR	0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_PROC_CTLS2			0x401e
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERR		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERR		0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_GUEST_LIMIT(seg)		(0x4800 + 2 * (seg))	/* ES..IDTR */
#define VMCS_GUEST_AR(seg)		(0x4814 + 2 * (seg))	/* ES..TR */
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPTION_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00

/* Natural-width fields */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUAL			0x6400
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_BASE(seg)		(0x6806 + 2 * (seg))	/* ES..IDTR */
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* Pin-based controls */
#define VMX_PIN_EXT_INTR		BIT(0)
#define VMX_PIN_NMI			BIT(3)
#define VMX_PIN_VIRTUAL_NMIS		BIT(5)
#define VMX_PIN_PREEMPTION_TIMER	BIT(6)

/* Primary processor-based controls */
#define VMX_PROC_INTR_WINDOW		BIT(2)
#define VMX_PROC_TSC_OFFSET		BIT(3)
#define VMX_PROC_HLT			BIT(7)
#define VMX_PROC_INVLPG			BIT(9)
#define VMX_PROC_MWAIT			BIT(10)
#define VMX_PROC_RDPMC			BIT(11)
#define VMX_PROC_RDTSC			BIT(12)
#define VMX_PROC_CR3_LOAD		BIT(15)
#define VMX_PROC_CR3_STORE		BIT(16)
#define VMX_PROC_CR8_LOAD		BIT(19)
#define VMX_PROC_CR8_STORE		BIT(20)
#define VMX_PROC_NMI_WINDOW		BIT(22)
#define VMX_PROC_MOV_DR			BIT(23)
#define VMX_PROC_IO_BITMAPS		BIT(25)
#define VMX_PROC_MSR_BITMAPS		BIT(28)
#define VMX_PROC_MONITOR		BIT(29)
#define VMX_PROC_2ND			BIT(31)

/* Secondary processor-based controls */
#define VMX_PROC2_EPT_ON		BIT(1)
#define VMX_PROC2_VPID_ON		BIT(5)
#define VMX_PROC2_WBINVD		BIT(6)
#define VMX_PROC2_UNRESTRICTED_ON	BIT(7)

/* IA32_VMX_MISC: the preemption timer counts every 2^rate TSC cycles */
#define VMX_MISC_TIMER_RATE		0x1f

/* VM-exit controls */
#define VMX_EXIT_SAVE_DEBUG		BIT(2)
#define VMX_EXIT_HOST_64		BIT(9)
#define VMX_EXIT_SAVE_PAT		BIT(18)
#define VMX_EXIT_LOAD_PAT		BIT(19)
#define VMX_EXIT_SAVE_EFER		BIT(20)
#define VMX_EXIT_LOAD_EFER		BIT(21)

/* VM-entry controls */
#define VMX_ENTRY_LOAD_DEBUG		BIT(2)
#define VMX_ENTRY_IA32E			BIT(9)
#define VMX_ENTRY_LOAD_PAT		BIT(14)
#define VMX_ENTRY_LOAD_EFER		BIT(15)

/* Interruption information (entry, exit, IDT vectoring) */
#define VMX_INTR_VECTOR			0xff
#define VMX_INTR_TYPE			(7 << 8)
#define VMX_INTR_TYPE_EXT		(0 << 8)
#define VMX_INTR_TYPE_NMI		(2 << 8)
#define VMX_INTR_TYPE_HW_EXC		(3 << 8)
#define VMX_INTR_TYPE_SW_INT		(4 << 8)
#define VMX_INTR_TYPE_PRIV_SW_EXC	(5 << 8)
#define VMX_INTR_TYPE_SW_EXC		(6 << 8)
#define VMX_INTR_ERR			BIT(11)
#define VMX_INTR_NMI_UNBLOCK		BIT(12)
#define VMX_INTR_VALID			BIT(31)

/* Guest interruptibility state */
#define VMX_INTERRUPTIBILITY_STI	BIT(0)
#define VMX_INTERRUPTIBILITY_MOV_SS	BIT(1)
#define VMX_INTERRUPTIBILITY_NMI	BIT(3)

/* Segment access rights: the descriptor's bits 40-55, and "unusable" */
#define VMX_AR_UNUSABLE			BIT(16)

/* Exit reason: the basic reason, and a failed VM entry */
#define VMX_EXIT_REASON_BASIC		0xffff
#define VMX_EXIT_REASON_ENTRY_FAIL	BIT(31)

/* Exit qualification of I/O instructions */
#define VMX_IO_SIZE			0x7
#define VMX_IO_IN			BIT(3)
#define VMX_IO_STRING			BIT(4)
#define VMX_IO_PORT_SHIFT		16

/* ... of control-register accesses */
#define VMX_CR_NUM			0xf
#define VMX_CR_TYPE			(3 << 4)
#define VMX_CR_TYPE_MOV_TO		(0 << 4)
#define VMX_CR_GPR_SHIFT		8

/* ... of debug-register accesses */
#define VMX_DR_NUM			0x7
#define VMX_DR_FROM			BIT(4)
#define VMX_DR_GPR_SHIFT		8

/* ... of EPT violations */
#define VMX_EPT_READ			BIT(0)
#define VMX_EPT_WRITE			BIT(1)
#define VMX_EPT_FETCH			BIT(2)

/* ... of #DB: the bits DR6 would get */
#define VMX_DB_DR6_BITS			(0xf | BIT(13) | BIT(14))

/* CR0 bits the backend treats apart */
#define VMX_CR0_PE			BIT_ULL(0)
#define VMX_CR0_NW			BIT_ULL(29)
#define VMX_CR0_CD			BIT_ULL(30)
#define VMX_CR0_PG			BIT_ULL(31)

/* EPT entries, and the EPT pointer */
#define VMX_EPTE_R			BIT_ULL(0)
#define VMX_EPTE_W			BIT_ULL(1)
#define VMX_EPTE_X			BIT_ULL(2)
#define VMX_EPTE_WB			(6ULL << 3)
#define VMX_EPTE_IPAT			BIT_ULL(6)
#define VMX_EPTE_LARGE			BIT_ULL(7)
#define VMX_EPTP_WB			6ULL
#define VMX_EPTP_WALK4			(3ULL << 3)

/* INVEPT and INVVPID types */
#define VMX_INVEPT_SINGLE		1
#define VMX_INVEPT_ALL			2
#define VMX_INVVPID_SINGLE		1
#define VMX_INVVPID_ALL			2

#endif /* _PALACIOS_VMX_VMCS_H */
