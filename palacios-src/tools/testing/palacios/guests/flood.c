// SPDX-License-Identifier: GPL-2.0-only
/*
 * flood: a guest that prints as fast as it can, FLOOD_LINES lines on COM1,
 * then exits with code 0.  A boot-time guest's console is the host's log:
 * the host must keep what it logs of it bounded (see v3_vm_log_allowed()),
 * and count what it drops.
 */
#include "lib.h"

#define FLOOD_LINES	2000

GUEST_NAME("flood");

int guest_main(u64 mem_size)
{
	unsigned int i;
	u64 t0 = rdtsc();

	for (i = 0; i < FLOOD_LINES; i++)
		gprintf("flood: %u\n", i);
	gprintf("flood: %u lines in %llu TSC cycles\n", FLOOD_LINES,
		rdtsc() - t0);
	return 0;
}
