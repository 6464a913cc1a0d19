// SPDX-License-Identifier: GPL-2.0-only
/*
 * triple: loads an empty IDT and executes ud2.  The #UD cannot be
 * delivered, nor the #GP nor the #DF that follow: a triple fault, which
 * stops the VM.
 */
#include "lib.h"

const char guest_name[] = "triple";

int guest_main(u64 mem_size)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	gprintf("triple: going down\n");
	asm volatile("lidt %0; ud2" : : "m"(empty));
	gprintf("triple: FAIL survived\n");
	return 1;
}
