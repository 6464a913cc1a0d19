// SPDX-License-Identifier: GPL-2.0-only
/*
 * triple: loads an empty IDT and executes ud2.  The #UD cannot be
 * delivered, nor the #GP nor the #DF that follow: a triple fault, which
 * stops the VM.
 */
#include "lib.h"

GUEST_NAME("triple");

int guest_main(u64 mem_size)
{
	u64 empty_idtr[2] = { 0, 0 };	/* limit 0, base 0 */

	gprintf("triple: going down\n");
	asm volatile("lidt %0; ud2" : : "m"(empty_idtr));
	gprintf("triple: FAIL survived\n");
	return 1;
}
