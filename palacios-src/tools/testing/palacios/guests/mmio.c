// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio: device memory through every instruction form the VMM emulates:
 * MOV loads and stores of 1, 2, 4 and 8 bytes, MOV of an immediate, the
 * moffs forms, MOVZX and MOVSX, with low and REX registers and with SIB
 * addressing, on the local APIC and the I/O APIC; and the ALU forms (ADD,
 * OR, AND, XOR, SUB, CMP, TEST, INC, DEC, BT, BTS, BTR, BTC, XCHG, with a
 * register or an immediate, memory as source or destination, LOCK), whose
 * results and flags it checks.  The APICs take aligned 32-bit accesses;
 * any other (a byte, a word, a quadword, a misaligned dword, a quadword
 * that straddles the end of the local APIC's page) reads 0 and writes
 * nothing, which the guest checks.
 *
 * Built with -DMMIO_BAD it is mmiobad, which after the checks multiplies
 * by the TPR with MUL, which the VMM does not emulate: the VM stops with
 * its reason (the decoder knows no MUL) instead of exiting.
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

/* @insn on the TPR, then its value and whether ZF and CF are set */
#define ALU_TPR(insn, ...)						\
	do {								\
		u8 zf_, cf_;						\
		asm volatile(insn "\n\tsetz %0\n\tsetc %1"		\
			     : "=q"(zf_), "=q"(cf_) : "r"(APIC_TPR),	\
			       ##__VA_ARGS__ : "memory", "cc");		\
		zf = zf_;						\
		cf = cf_;						\
	} while (0)

/* The ALU instructions on the TPR (bits 7:0 are kept), with their flags */
static void alu(void)
{
	u32 r = 5;
	u8 zf, cf;

	store32(APIC_TPR, 0x10);
	ALU_TPR("addl $0x20, (%2)");
	expect("add imm", load32(APIC_TPR), 0x30);
	expect("add imm: ZF CF", zf | cf, 0);
	ALU_TPR("orl $0x0f, (%2)");
	expect("or imm", load32(APIC_TPR), 0x3f);
	ALU_TPR("andl $0xf0, (%2)");
	expect("and imm", load32(APIC_TPR), 0x30);
	ALU_TPR("cmpl $0x30, (%2)");
	expect("cmp equal: ZF CF", zf << 1 | cf, 2);
	ALU_TPR("cmpl $0x31, (%2)");
	expect("cmp below: ZF CF", zf << 1 | cf, 1);
	ALU_TPR("testl $0x10, (%2)");
	expect("test set: ZF", zf, 0);
	ALU_TPR("testl $0x01, (%2)");
	expect("test clear: ZF", zf, 1);
	ALU_TPR("incl (%2)");
	expect("inc", load32(APIC_TPR), 0x31);
	ALU_TPR("stc\n\tdecl (%2)");
	expect("dec: CF kept", cf, 1);
	expect("dec", load32(APIC_TPR), 0x30);
	ALU_TPR("btl $4, (%2)");
	expect("bt: CF", cf, 1);
	ALU_TPR("btsl $0, (%2)");
	expect("bts: CF", cf, 0);
	expect("bts", load32(APIC_TPR), 0x31);
	ALU_TPR("btrl $0, (%2)");
	expect("btr: CF", cf, 1);
	ALU_TPR("lock btcl $1, (%2)");
	expect("lock btc", load32(APIC_TPR), 0x32);
	ALU_TPR("addl %3, (%2)", "r"(r));
	expect("add reg", load32(APIC_TPR), 0x37);
	asm volatile("subl (%1), %0" : "+r"(r) : "r"(APIC_TPR)
		     : "memory", "cc");
	expect("sub from reg", r, (u32)(5 - 0x37));
	ALU_TPR("xorl $0x37, (%2)");
	expect("xor to zero: ZF", zf, 1);
	expect("xor", load32(APIC_TPR), 0);
	r = 0x40;
	asm volatile("xchgl %0, (%1)" : "+r"(r) : "r"(APIC_TPR) : "memory");
	expect("xchg: old", r, 0);
	expect("xchg: new", load32(APIC_TPR), 0x40);
	ALU_TPR("lock orl $0x01, (%2)");
	expect("lock or", load32(APIC_TPR), 0x41);
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
	alu();
	others();
	store32(APIC_TPR, 0);
	if (fails)
		return 1;
	gprintf("%s: every form as expected\n", guest_name);
#ifdef MMIO_BAD
	asm volatile("mull (%0)" : : "r"(APIC_TPR)
		     : "eax", "edx", "memory", "cc");
	gprintf("%s: FAIL the VMM went on after a MUL by the TPR\n",
		guest_name);
	return 1;
#else
	gprintf("%s: PASS\n", guest_name);
	return 0;
#endif
}
