// SPDX-License-Identifier: GPL-2.0-only
/*
 * memtest: writes a pattern that depends on each qword's address over all
 * memory from the end of the image to the memory size (RDI), then verifies
 * it.  Two guest pages backed by one host page would hold each other's
 * pattern, so aliasing is caught as well as lost writes.
 *
 * Only the loader's identity map (the first 4 GiB) is mapped, and memory
 * bigger than 3 GiB may not be contiguous below 4 GiB, so the test stops at
 * 3 GiB and says so.
 */
#include "lib.h"

#define MEMTEST_LIMIT	(3 * SZ_1G)
#define MEMTEST_STEP	(256 * SZ_1M)
#define MEMTEST_SEED	0x5eed0f0ddba11ULL

GUEST_NAME("memtest");

/* A bijection of the address, so no two qwords get the same value */
static inline u64 pattern(u64 addr)
{
	u64 x = (addr ^ MEMTEST_SEED) * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 29);
}

int guest_main(u64 mem_size)
{
	u64 start = ((u64)__image_end + 0xfff) & ~0xfffULL;
	u64 end = mem_size & ~7ULL;
	u64 addr, got;

	gprintf("memtest: memory size 0x%llx (%llu MiB)\n", mem_size,
		mem_size / SZ_1M);
	if (end > MEMTEST_LIMIT) {
		gprintf("memtest: testing only below 3 GiB, 0x%llx bytes untested\n",
			end - MEMTEST_LIMIT);
		end = MEMTEST_LIMIT;
	}
	if (end <= start) {
		gprintf("memtest: FAIL no memory after the image (ends at 0x%llx)\n",
			start);
		return 1;
	}
	gprintf("memtest: testing [0x%llx, 0x%llx), %llu bytes\n", start, end,
		end - start);

	for (addr = start; addr < end; addr += sizeof(u64)) {
		mem_write64(addr, pattern(addr));
		if (!((addr + sizeof(u64)) % MEMTEST_STEP))
			gprintf("memtest: written up to %llu MiB\n",
				(addr + sizeof(u64)) / SZ_1M);
	}
	for (addr = start; addr < end; addr += sizeof(u64)) {
		got = mem_read64(addr);
		if (got != pattern(addr)) {
			gprintf("memtest: FAIL at 0x%llx expected 0x%llx got 0x%llx\n",
				addr, pattern(addr), got);
			return 1;
		}
		if (!((addr + sizeof(u64)) % MEMTEST_STEP))
			gprintf("memtest: verified up to %llu MiB\n",
				(addr + sizeof(u64)) / SZ_1M);
	}
	gprintf("memtest: PASS %llu bytes verified\n", end - start);
	return 0;
}
