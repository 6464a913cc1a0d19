// SPDX-License-Identifier: GPL-2.0-only
/*
 * hello: greets, prints the CPUID vendor and maximum leaf, writes and checks
 * a pattern over a few MiB, and exits with code 0.
 */
#include "lib.h"

#define HELLO_START	(8 * SZ_1M)
#define HELLO_SIZE	(4 * SZ_1M)

GUEST_NAME("hello");

int guest_main(u64 mem_size)
{
	u64 addr, got;
	u32 max, vendor[4];

	gprintf("hello: hello from a Palacios guest\n");
	gprintf("hello: memory size 0x%llx (%llu MiB)\n", mem_size,
		mem_size / SZ_1M);

	cpuid(0, 0, &max, &vendor[0], &vendor[2], &vendor[1]);
	vendor[3] = 0;
	gprintf("hello: cpuid vendor \"%s\", max leaf 0x%x\n",
		(const char *)vendor, max);

	if (mem_size < HELLO_START + HELLO_SIZE) {
		gprintf("hello: FAIL memory size below %llu MiB\n",
			(HELLO_START + HELLO_SIZE) / SZ_1M);
		return 1;
	}
	for (addr = HELLO_START; addr < HELLO_START + HELLO_SIZE; addr += 8)
		mem_write64(addr, ~addr);
	for (addr = HELLO_START; addr < HELLO_START + HELLO_SIZE; addr += 8) {
		got = mem_read64(addr);
		if (got != ~addr) {
			gprintf("hello: FAIL at 0x%llx expected 0x%llx got 0x%llx\n",
				addr, ~addr, got);
			return 1;
		}
	}
	gprintf("hello: pattern verified over [0x%llx, 0x%llx)\n",
		HELLO_START, HELLO_START + HELLO_SIZE);
	gprintf("hello: PASS\n");
	return 0;
}
