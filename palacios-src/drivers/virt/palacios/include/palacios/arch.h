/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 instructions the Palacios core executes itself.
 *
 * These are not host services but the CPU's: in the kernel they are the
 * kernel's own accessors, which carry its exception fixups and tracing.  The
 * user-space test build of the core puts a model CPU in their place.
 */
#ifndef _PALACIOS_ARCH_H
#define _PALACIOS_ARCH_H

#include <linux/types.h>

#include <asm/cpuid.h>
#include <asm/msr.h>

/**
 * v3_cpuid() - execute CPUID
 * @leaf: the leaf (EAX)
 * @subleaf: the subleaf (ECX)
 * @regs: EAX, EBX, ECX and EDX on return, in that order
 */
static inline void v3_cpuid(u32 leaf, u32 subleaf, u32 regs[4])
{
	cpuid_count(leaf, subleaf, &regs[0], &regs[1], &regs[2], &regs[3]);
}

/**
 * v3_rdmsr_safe() - read an MSR that the CPU may not implement
 * @msr: the MSR
 * @val: its value on success
 *
 * Return: 0, or -EIO if reading it faulted.
 */
static inline int v3_rdmsr_safe(u32 msr, u64 *val)
{
	unsigned long long v;

	if (rdmsrl_safe(msr, &v))
		return -EIO;
	*val = v;
	return 0;
}

/**
 * v3_rdmsr() - read an MSR the CPU is known to implement
 * @msr: the MSR
 *
 * Return: its value.
 */
static inline u64 v3_rdmsr(u32 msr)
{
	u64 val;

	rdmsrl(msr, val);
	return val;
}

/**
 * v3_wrmsr() - write an MSR the CPU is known to implement
 * @msr: the MSR
 * @val: the value
 */
static inline void v3_wrmsr(u32 msr, u64 val)
{
	wrmsrl(msr, val);
}

#endif /* _PALACIOS_ARCH_H */
