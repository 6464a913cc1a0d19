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
#define MODEL_NR_MSRS	8

struct model_msr {
	u32 index;
	u64 value;
};

/**
 * struct model_cpu - what the tests set up for one CPU
 * @cpuid: EAX..EDX of the leaves the core reads, indexed by model_leaf()
 * @msrs: the MSRs this CPU implements; an MSR with index 0 ends the list
 */
struct model_cpu {
	u32 cpuid[4][4];
	struct model_msr msrs[MODEL_NR_MSRS];
};

extern struct model_cpu model_cpus[MODEL_NR_CPUS];

int model_leaf(u32 leaf);
struct model_msr *model_msr(int cpu, u32 msr);

void v3_cpuid(u32 leaf, u32 subleaf, u32 regs[4]);
int v3_rdmsr_safe(u32 msr, u64 *val);
u64 v3_rdmsr(u32 msr);
void v3_wrmsr(u32 msr, u64 val);

#endif /* _PALACIOS_ARCH_H */
