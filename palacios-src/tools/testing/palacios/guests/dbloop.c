// SPDX-License-Identifier: GPL-2.0-only
/*
 * dbloop: the #DB loop of CVE-2015-8104.  A write breakpoint (DR0, DR7)
 * covers the stack slot where the CPU pushes the SS of an exception frame,
 * and a write there raises the first #DB: delivering it writes the slot
 * again, which raises #DB again, without end.  On a CPU that does not
 * intercept #DB that loop runs in microcode and locks the CPU, NMIs
 * included.  Palacios intercepts #DB, so each one is an exit: the guest
 * loops for ever, the host goes on, and the VM can be stopped.
 *
 * It prints when the loop begins; should its #DB handler ever run (a CPU
 * that does not raise #DB for the frame's writes), it says so and exits
 * with code 1.
 */
#include "lib.h"

#define DR7_FIXED	0x400ULL
#define DR7_L0		0x1ULL
#define DR7_W0_8	(0x1ULL << 16 | 0x2ULL << 18)	/* write, 8 bytes */

GUEST_NAME("dbloop");

static unsigned long nr_db;

static void db_handler(struct trap_frame *frame)
{
	nr_db++;
	asm volatile("mov %0, %%db7" : : "r"(DR7_FIXED));	/* off */
}

int guest_main(u64 mem_size)
{
	idt_install();
	idt_set_handler(1, db_handler);
	gprintf("%s: the loop begins\n", guest_name);
	/*
	 * The frame of an exception taken here goes below RSP aligned to
	 * 16 bytes, SS first: watch that slot, then write it.
	 */
	asm volatile("mov %%rsp, %%rax\n\t"
		     "and $-16, %%rax\n\t"
		     "sub $8, %%rax\n\t"
		     "mov %%rax, %%db0\n\t"
		     "mov %0, %%db7\n\t"
		     "movq $0, (%%rax)"
		     : : "r"(DR7_FIXED | DR7_L0 | DR7_W0_8)
		     : "rax", "memory");
	gprintf("%s: FAIL the loop ended after %lu #DB\n", guest_name, nr_db);
	return 1;
}
