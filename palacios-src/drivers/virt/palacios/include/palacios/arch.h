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

#include <linux/cpufeature.h>
#include <linux/irqflags.h>
#include <linux/types.h>

#include <asm/asm.h>
#include <asm/cpuid.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

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

/**
 * v3_irq_disable() - disable interrupts on this CPU
 */
static inline void v3_irq_disable(void)
{
	local_irq_disable();
}

/**
 * v3_irq_enable() - enable interrupts on this CPU
 */
static inline void v3_irq_enable(void)
{
	local_irq_enable();
}

/**
 * v3_rdtsc() - read the time stamp counter
 *
 * Return: its value.
 */
static inline u64 v3_rdtsc(void)
{
	return rdtsc();
}

/**
 * v3_set_db() - load a debug address register
 * @n: 0 to 3, for DR0 to DR3
 * @val: the address
 *
 * Only for a guest's breakpoints, right before it runs; the host's are put
 * back with v3_host_debugregs_restore() after it exits.
 */
static inline void v3_set_db(unsigned int n, u64 val)
{
	switch (n) {
	case 0:
		set_debugreg(val, 0);
		break;
	case 1:
		set_debugreg(val, 1);
		break;
	case 2:
		set_debugreg(val, 2);
		break;
	case 3:
		set_debugreg(val, 3);
		break;
	}
}

/**
 * v3_cr0_read() - read CR0
 *
 * Return: its value.
 */
static inline u64 v3_cr0_read(void)
{
	return read_cr0();
}

/**
 * v3_cr4_read() - read CR4, as the host last wrote it
 *
 * Return: its value.
 */
static inline u64 v3_cr4_read(void)
{
	return cr4_read_shadow();
}

/**
 * v3_cr4_set_bits() - set bits of CR4 on this CPU
 * @mask: the bits
 */
static inline void v3_cr4_set_bits(u64 mask)
{
	cr4_set_bits(mask);
}

/**
 * v3_cr4_clear_bits() - clear bits of CR4 on this CPU
 * @mask: the bits
 */
static inline void v3_cr4_clear_bits(u64 mask)
{
	cr4_clear_bits(mask);
}

/**
 * v3_vmxon() - enter VMX operation
 * @pa: physical address of the VMXON region, its revision ID written
 *
 * Return: 0, or -EIO if VMXON failed or faulted.
 */
static inline int v3_vmxon(u64 pa)
{
	u8 ok = 0;

	/* success leaves CF and ZF clear; a fault skips the SETA */
	asm volatile("1: vmxon %[pa]\n\t"
		     "seta %[ok]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [ok] "+qm" (ok) : [pa] "m" (pa) : "cc", "memory");
	return ok ? 0 : -EIO;
}

/**
 * v3_vmxoff() - leave VMX operation
 *
 * A CPU that is not in VMX operation faults, harmlessly: the fault is
 * skipped.
 */
static inline void v3_vmxoff(void)
{
	asm volatile("1: vmxoff\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : : "cc", "memory");
}

/*
 * The FPU state of a guest: in XSAVE format with every component the host
 * enabled in XCR0 where the host uses XSAVE, else in FXSAVE format.  Either
 * way no register keeps a value of the host's while the guest runs.
 */
#define V3_FPU_ALIGN	64

/**
 * v3_fpu_area_size() - size of a guest's FPU state area
 *
 * Return: the size in bytes, a multiple of %V3_FPU_ALIGN.
 */
static inline unsigned int v3_fpu_area_size(void)
{
	u32 regs[4];

	if (!cpu_feature_enabled(X86_FEATURE_OSXSAVE))
		return 512;
	v3_cpuid(0xd, 0, regs);
	return (regs[1] + V3_FPU_ALIGN - 1) & ~(V3_FPU_ALIGN - 1);
}

/**
 * v3_fpu_init() - put an area in the state of the FPU after reset
 * @area: a zeroed area of v3_fpu_area_size() bytes, %V3_FPU_ALIGN aligned
 */
static inline void v3_fpu_init(void *area)
{
	*(u16 *)area = 0x37f;			/* FCW */
	*(u32 *)((u8 *)area + 24) = 0x1f80;	/* MXCSR */
}

/**
 * v3_fpu_save() - save the FPU registers
 * @area: the area, %V3_FPU_ALIGN aligned
 */
static inline void v3_fpu_save(void *area)
{
	if (cpu_feature_enabled(X86_FEATURE_OSXSAVE))
		asm volatile("xsave64 (%0)" : : "r" (area), "a" (-1), "d" (-1)
			     : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r" (area) : "memory");
}

/**
 * v3_fpu_restore() - load the FPU registers
 * @area: the area, %V3_FPU_ALIGN aligned
 */
static inline void v3_fpu_restore(const void *area)
{
	if (cpu_feature_enabled(X86_FEATURE_OSXSAVE))
		asm volatile("xrstor64 (%0)" : : "r" (area), "a" (-1), "d" (-1)
			     : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r" (area) : "memory");
}

#endif /* _PALACIOS_ARCH_H */
