// SPDX-License-Identifier: GPL-2.0-only
/*
 * hello: greets, prints the CPUID vendor and maximum leaf, writes and checks
 * a pattern over a few MiB, and exits with code 0.
 */
#include "lib.h"

#define HELLO_START	(8 * SZ_1M)
#define HELLO_SIZE	(4 * SZ_1M)

const char guest_name[] = "hello";

int guest_main(u64 mem_size)
{
	volatile u64 *p = (volatile u64 *)HELLO_START;
	u64 i, n = HELLO_SIZE / sizeof(u64);
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
	for (i = 0; i < n; i++)
		p[i] = ~(HELLO_START + i * sizeof(u64));
	for (i = 0; i < n; i++) {
		u64 want = ~(HELLO_START + i * sizeof(u64));

		if (p[i] != want) {
			gprintf("hello: FAIL at 0x%llx expected 0x%llx got 0x%llx\n",
				HELLO_START + i * sizeof(u64), want, p[i]);
			return 1;
		}
	}
	gprintf("hello: pattern verified over [0x%llx, 0x%llx)\n",
		HELLO_START, HELLO_START + HELLO_SIZE);
	gprintf("hello: PASS\n");
	return 0;
}
