/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model CPU of the user-space test build of the Palacios core.
 *
 * It takes the place of drivers/virt/palacios/include/palacios/arch.h: CPUID
 * answers come from a table and MSRs from a per-CPU array, both set up by
 * the tests, so that the core meets CPUs that no emulator offers.
 */
#ifndef _PALACIOS_ARCH_H
#define _PALACIOS_ARCH_H

#include <linux/types.h>

#include <asm/msr-index.h>

#define MODEL_NR_CPUS	4
#define MODEL_NR_MSRS	16
#define MODEL_NR_LEAVES	9

struct model_msr {
	u32 index;
	u64 value;
};

/**
 * struct model_cpu - what the tests set up for one CPU
 * @cpuid: EAX..EDX of the leaves the core reads, indexed by model_leaf();
 *         other leaves (and subleaves other than 0) read as zeroes
 * @msrs: the MSRs this CPU implements; an MSR with index 0 ends the list
 * @cr0: CR0
 * @cr4: CR4
 * @vmxon: the physical address of the VMXON region while the CPU is in
 *         VMX operation, else 0
 * @vmxon_fails: VMXON fails (as with a bad revision ID)
 * @vmcs: the physical address of the current VMCS, or 0
 */
struct model_cpu {
	u32 cpuid[MODEL_NR_LEAVES][4];
	struct model_msr msrs[MODEL_NR_MSRS];
	u64 cr0;
	u64 cr4;
	u64 vmxon;
	bool vmxon_fails;
	u64 vmcs;
};

extern struct model_cpu model_cpus[MODEL_NR_CPUS];

int model_leaf(u32 leaf);
struct model_msr *model_msr(int cpu, u32 msr);

void v3_cpuid(u32 leaf, u32 subleaf, u32 regs[4]);
int v3_rdmsr_safe(u32 msr, u64 *val);
u64 v3_rdmsr(u32 msr);
void v3_wrmsr(u32 msr, u64 val);

/*
 * Control registers and VMX operation, per CPU.  VMXON checks what the
 * CPU would: CR4.VMXE set, not in VMX operation already, the region's
 * revision ID that of IA32_VMX_BASIC.
 */
u64 v3_cr0_read(void);
u64 v3_cr4_read(void);
void v3_cr4_set_bits(u64 mask);
void v3_cr4_clear_bits(u64 mask);
int v3_vmxon(u64 pa);
void v3_vmxoff(void);
u64 v3_cr3_read(void);

/*
 * The VMCS instructions, on a model VMCS (model_vmx.c): its fields are kept
 * in its own page; VMPTRLD makes it current on the calling CPU, VMCLEAR
 * ends that.  VMREAD and VMWRITE fail without a current VMCS, as the CPU's
 * do.  INVEPT and INVVPID are counted.
 */
int v3_vmclear(u64 pa);
int v3_vmptrld(u64 pa);
u64 v3_vmread(u32 field);
int v3_vmwrite(u32 field, u64 val);
void v3_invept(u64 type, u64 eptp);
void v3_invvpid(u64 type, u16 vpid);

struct v3_host_segs {
	u16 cs, ss, tr;
	u64 gdt_base, idt_base, tr_base;
};

void v3_host_segs_read(struct v3_host_segs *s);

/*
 * Interrupts: a flag per thread, which the model of the world switch
 * checks.  The time stamp counter: model_tsc, which only the tests move.
 */
bool model_irqs_disabled(void);
void v3_irq_disable(void);
void v3_irq_enable(void);
bool v3_irqs_disabled(void);

extern u64 model_tsc;
extern u64 model_tsc_step;
u64 v3_rdtsc(void);

/* DR0-DR3 of the model CPU, per thread (one thread runs one vCPU) */
u64 *model_db(void);
void v3_set_db(unsigned int n, u64 val);

/*
 * The FPU: a register file per thread, in FXSAVE format, that save and
 * restore copy, as FXSAVE and FXRSTOR would.
 */
#define V3_FPU_ALIGN	64
#define MODEL_FPU_SIZE	512

u8 *model_fpu_regs(void);
unsigned int v3_fpu_area_size(void);
void v3_fpu_init(void *area);
void v3_fpu_save(void *area);
void v3_fpu_restore(const void *area);

#endif /* _PALACIOS_ARCH_H */
