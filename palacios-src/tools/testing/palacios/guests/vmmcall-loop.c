// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmcall-loop: NOP hypercalls forever, for tests that stop a busy VM.
 */
#include "lib.h"

GUEST_NAME("vmmcall-loop");

int guest_main(u64 mem_size)
{
	gprintf("vmmcall-loop: spinning\n");
	for (;;)
		hypercall(V3_HCALL_NOP, 0, 0, 0);
}
