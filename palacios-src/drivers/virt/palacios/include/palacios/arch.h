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
#include <asm/desc.h>
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
 * v3_irqs_disabled() - whether interrupts are disabled on this CPU
 *
 * Return: true if they are.
 */
static inline bool v3_irqs_disabled(void)
{
	return irqs_disabled();
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

/**
 * v3_cr3_read() - read CR3
 *
 * Return: its value, PCID bits included.
 */
static inline u64 v3_cr3_read(void)
{
	return __read_cr3();
}

/*
 * The VMCS instructions.  Each fails (CF or ZF set) rather than faults in
 * VMX operation; the callers are in VMX operation.
 */

/**
 * v3_vmclear() - execute VMCLEAR: write a VMCS back to memory, inactive
 * @pa: its physical address
 *
 * Return: 0, or -EIO if VMCLEAR failed.
 */
static inline int v3_vmclear(u64 pa)
{
	u8 fail;

	asm volatile("vmclear %[pa]\n\t"
		     "setna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/**
 * v3_vmptrld() - execute VMPTRLD: make a VMCS current on this CPU
 * @pa: its physical address
 *
 * Return: 0, or -EIO if VMPTRLD failed.
 */
static inline int v3_vmptrld(u64 pa)
{
	u8 fail;

	asm volatile("vmptrld %[pa]\n\t"
		     "setna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/**
 * v3_vmread() - read a field of the current VMCS
 * @field: its encoding
 *
 * Return: its value; 0 if VMREAD failed.
 */
static inline u64 v3_vmread(u32 field)
{
	u64 val;
	u8 fail;

	asm volatile("vmread %[field], %[val]\n\t"
		     "setna %[fail]"
		     : [val] "=rm" (val), [fail] "=qm" (fail)
		     : [field] "r" ((u64)field) : "cc");
	return fail ? 0 : val;
}

/**
 * v3_vmwrite() - write a field of the current VMCS
 * @field: its encoding
 * @val: the value
 *
 * Return: 0, or -EIO if VMWRITE failed.
 */
static inline int v3_vmwrite(u32 field, u64 val)
{
	u8 fail;

	asm volatile("vmwrite %[val], %[field]\n\t"
		     "setna %[fail]"
		     : [fail] "=qm" (fail)
		     : [field] "r" ((u64)field), [val] "rm" (val)
		     : "cc", "memory");
	return fail ? -EIO : 0;
}

/**
 * v3_invept() - execute INVEPT
 * @type: 1 for the mappings of one EPT pointer, 2 for all
 * @eptp: the EPT pointer
 */
static inline void v3_invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };

	asm volatile("invept %[desc], %[type]"
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/**
 * v3_invvpid() - execute INVVPID
 * @type: 1 for the mappings of one VPID, 2 for all
 * @vpid: the VPID
 */
static inline void v3_invvpid(u64 type, u16 vpid)
{
	struct {
		u64 vpid, gva;
	} desc = { vpid, 0 };

	asm volatile("invvpid %[desc], %[type]"
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/**
 * struct v3_host_segs - the host's segment state that a VMX exit loads
 * @cs: CS
 * @ss: SS
 * @tr: TR
 * @gdt_base: the GDT's linear address
 * @idt_base: the IDT's
 * @tr_base: the TSS's, from its descriptor in the GDT
 */
struct v3_host_segs {
	u16 cs, ss, tr;
	u64 gdt_base, idt_base, tr_base;
};

/**
 * v3_host_segs_read() - read this CPU's segment state
 * @s: filled in
 */
static inline void v3_host_segs_read(struct v3_host_segs *s)
{
	struct desc_ptr gdt, idt;
	const u8 *d;

	asm volatile("mov %%cs, %0" : "=r" (s->cs));
	asm volatile("mov %%ss, %0" : "=r" (s->ss));
	asm volatile("str %0" : "=r" (s->tr));
	native_store_gdt(&gdt);
	store_idt(&idt);
	s->gdt_base = gdt.address;
	s->idt_base = idt.address;
	/* a 16-byte system descriptor: base 0-23, 24-31, 32-63 */
	d = (const u8 *)gdt.address + (s->tr & ~7);
	s->tr_base = (d[2] | d[3] << 8 | d[4] << 16) | (u64)d[7] << 24 |
		     (u64)(*(const u32 *)(d + 8)) << 32;
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
