// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio: device memory through every instruction form the VMM emulates:
 * MOV loads and stores of 1, 2, 4 and 8 bytes, MOV of an immediate, the
 * moffs forms, MOVZX and MOVSX, with low and REX registers and with SIB
 * addressing, on the local APIC and the I/O APIC.  The APICs take aligned
 * 32-bit accesses; any other (a byte, a word, a quadword, a misaligned
 * dword, a quadword that straddles the end of the local APIC's page)
 * reads 0 and writes nothing, which the guest checks.
 *
 * Built with -DMMIO_BAD it is mmiobad, which after the checks adds to the
 * TPR with ADD, which the VMM does not emulate: the VM stops with its
 * reason (the decoder knows no ADD) instead of exiting.
 */
#include "lib.h"

#define APIC		0xfee00000ULL
#define APIC_TPR	(APIC + 0x80)
#define APIC_VERSION	(APIC + 0x30)
#define APIC_END	(APIC + 0x1000)
#define IOAPIC_SEL	0xfec00000ULL
#define IOAPIC_WIN	0xfec00010ULL
#define IOAPIC_VER	0x00170011	/* 24 pins, version 0x11 */

#ifdef MMIO_BAD
GUEST_NAME("mmiobad");
#else
GUEST_NAME("mmio");
#endif

static int fails;

static void expect(const char *what, u64 got, u64 want)
{
	if (got == want)
		return;
	gprintf("%s: FAIL %s: 0x%llx, not 0x%llx\n", guest_name, what, got,
		want);
	fails++;
}

static u32 load32(u64 addr)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void store32(u64 addr, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* MOV loads and stores of each size, registers low and high */
static void movs(void)
{
	register u64 r9 asm("r9");
	register u64 r13 asm("r13") = APIC_TPR;
	u64 v;

	store32(APIC_TPR, 0x20);
	expect("32-bit store and load", load32(APIC_TPR), 0x20);

	r9 = 0x30;
	asm volatile("movl %k0, (%1)" : : "r"(r9), "r"(r13) : "memory");
	asm volatile("movl (%1), %k0" : "=r"(r9) : "r"(r13) : "memory");
	expect("32-bit through r9 and r13", r9, 0x30);

	v = 0x20;	/* SIB: APIC + 0x20 * 4 */
	asm volatile("movl (%1,%2,4), %k0" : "=r"(v) : "r"(APIC), "r"(v)
		     : "memory");
	expect("32-bit load with SIB", v, 0x30);

	asm volatile("movl $0x40, (%0)" : : "r"(APIC_TPR) : "memory");
	expect("32-bit immediate store", load32(APIC_TPR), 0x40);

	/* not 32 bits: read 0, write nothing */
	asm volatile("movb $0x50, (%0)" : : "r"(APIC_TPR) : "memory");
	asm volatile("movw %w0, (%1)" : : "r"(0x60), "r"(APIC_TPR) : "memory");
	asm volatile("movq %0, (%1)" : : "r"(0x70ULL), "r"(APIC_TPR)
		     : "memory");
	expect("byte, word and quadword stores ignored", load32(APIC_TPR),
	       0x40);
	v = ~0ULL;
	asm volatile("movb (%1), %b0" : "+r"(v) : "r"(APIC_TPR) : "memory");
	expect("byte load", v & 0xff, 0);
	v = ~0ULL;
	asm volatile("movw (%1), %w0" : "+r"(v) : "r"(APIC_TPR) : "memory");
	expect("word load", v & 0xffff, 0);
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(APIC_VERSION)
		     : "memory");
	expect("quadword load", v, 0);
}

/* MOVZX and MOVSX of bytes and words, into 32 and 64 bits */
static void extends(void)
{
	u64 v;

	v = ~0ULL;
	asm volatile("movzbl (%1), %k0" : "+r"(v) : "r"(APIC_VERSION)
		     : "memory");
	expect("movzx byte", v, 0);
	v = ~0ULL;
	asm volatile("movzwl (%1), %k0" : "+r"(v) : "r"(APIC_VERSION)
		     : "memory");
	expect("movzx word", v, 0);
	asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(APIC_VERSION)
		     : "memory");
	expect("movsx byte", v, 0);
	asm volatile("movswq (%1), %0" : "=r"(v) : "r"(APIC_VERSION)
		     : "memory");
	expect("movsx word", v, 0);
}

/* MOV EAX to and from an absolute 64-bit address (a3, a1) */
static void moffs_forms(void)
{
	u32 v = 0x50;

	asm volatile("movabs %0, 0xfee00080" : : "a"(v) : "memory");
	v = 0;
	asm volatile("movabs 0xfee00080, %0" : "=a"(v) : : "memory");
	expect("moffs store and load", v, 0x50);
}

/* The I/O APIC's index and window; misaligned and straddling accesses */
static void others(void)
{
	u64 v;

	store32(IOAPIC_SEL, 1);
	expect("I/O APIC version", load32(IOAPIC_WIN), IOAPIC_VER);
	expect("I/O APIC index", load32(IOAPIC_SEL), 1);
	expect("misaligned dword", load32(APIC_TPR + 2), 0);
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(APIC_END - 4)
		     : "memory");
	expect("quadword over the end of the APIC's page", v, 0);
}

int guest_main(u64 mem_size)
{
	movs();
	extends();
	moffs_forms();
	others();
	store32(APIC_TPR, 0);
	if (fails)
		return 1;
	gprintf("%s: every form as expected\n", guest_name);
#ifdef MMIO_BAD
	asm volatile("addl $1, (%0)" : : "r"(APIC_TPR) : "memory", "cc");
	gprintf("%s: FAIL the VMM went on after an ADD to the TPR\n",
		guest_name);
	return 1;
#else
	gprintf("%s: PASS\n", guest_name);
	return 0;
#endif
}
