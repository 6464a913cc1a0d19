// SPDX-License-Identifier: GPL-2.0-only
/*
 * unbacked: reads guest-physical memory that the loader's page tables map
 * but no memory backs; the VMM must stop the VM.
 */
#include "lib.h"

#define UNBACKED_GPA	(3 * SZ_1G + 0x1000)

GUEST_NAME("unbacked");

int guest_main(u64 mem_size)
{
	u64 val;

	gprintf("unbacked: memory size 0x%llx, reading 0x%llx\n", mem_size,
		UNBACKED_GPA);
	val = mem_read64(UNBACKED_GPA);
	gprintf("unbacked: FAIL survived, read 0x%llx\n", val);
	return 1;
}
