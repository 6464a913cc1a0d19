// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr4: CR4 takes only the bits of features that CPUID offers.  Setting
 * OSXSAVE (CPUID hides XSAVE), or any reserved bit, raises #GP and leaves
 * CR4 as it was; clearing PAE in long mode raises #GP; toggling PGE, as a
 * kernel does to flush global translations, works.
 */
#include "lib.h"

#define CR4_PAE		0x20ULL
#define CR4_PGE		0x80ULL
#define CR4_OSXSAVE	0x40000ULL
#define CR4_BIT32	0x100000000ULL	/* reserved */
#define CPUID1_XSAVE	0x4000000U	/* ECX bit 26 */

GUEST_NAME("cr4");

/* Read after asm statements that clobber memory */
static unsigned int nr_gp;

/* mov %rax, %cr4 is 3 bytes (0f 22 e0) */
static void gp_handler(struct trap_frame *frame)
{
	const u8 *insn = (const u8 *)frame->rip;

	if (insn[0] != 0x0f || insn[1] != 0x22 || insn[2] != 0xe0) {
		gprintf("cr4: FAIL #GP at rip 0x%llx, not at mov to cr4\n",
			frame->rip);
		guest_exit(1);
	}
	nr_gp++;
	frame->rip += 3;
}

static u64 get_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void set_cr4(u64 v)
{
	asm volatile(".byte 0x0f, 0x22, 0xe0" : : "a"(v) : "memory");
}

/* Whether writing @val to CR4 raised #GP; CR4 must be @want after it. */
static int try_cr4(const char *what, u64 val, int gp, u64 want)
{
	unsigned int before = nr_gp;
	int raised;
	u64 now;

	set_cr4(val);
	now = get_cr4();
	raised = nr_gp != before;
	if (raised != !!gp || now != want) {
		gprintf("cr4: FAIL %s: #GP %u, CR4 0x%llx (expected %s, 0x%llx)\n",
			what, nr_gp - before, now, gp ? "#GP" : "no #GP", want);
		return 1;
	}
	gprintf("cr4: %s: %s\n", what, gp ? "#GP" : "done");
	return 0;
}

int guest_main(u64 mem_size)
{
	u32 a, b, c, d;
	u64 cr4;

	idt_install();
	idt_set_handler(13, gp_handler);
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_XSAVE) {
		gprintf("cr4: FAIL CPUID offers XSAVE\n");
		return 1;
	}
	cr4 = get_cr4();
	gprintf("cr4: CR4 0x%llx\n", cr4);
	if (try_cr4("OSXSAVE", cr4 | CR4_OSXSAVE, 1, cr4) ||
	    try_cr4("bit 32", cr4 | CR4_BIT32, 1, cr4) ||
	    try_cr4("PAE off in long mode", cr4 & ~CR4_PAE, 1, cr4) ||
	    try_cr4("PGE on", cr4 | CR4_PGE, 0, cr4 | CR4_PGE) ||
	    try_cr4("PGE off", cr4 & ~CR4_PGE, 0, cr4 & ~CR4_PGE))
		return 1;
	gprintf("cr4: PASS\n");
	return 0;
}
