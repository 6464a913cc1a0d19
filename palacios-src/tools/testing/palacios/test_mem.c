// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of guest memory: the memory map, guest-physical accesses and
 * the walk of the guest's page tables.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <palacios/host.h>
#include <palacios/mem.h>

#include "test_host.h"
#include "tests.h"

/* Extents sorted, disjoint, aligned as their chunks, summing to the size. */
static void check_layout(const struct v3_mem_map *map, u64 size)
{
	u64 sum = 0;
	unsigned long i;

	CHECK(map->size == size);
	CHECK(map->nr_extents >= 1);
	CHECK(map->chunks.nr_pages == size / V3_PAGE_SIZE);
	for (i = 0; i < map->nr_extents; i++) {
		const struct v3_mem_extent *e = &map->extents[i];

		CHECK(e->size && e->size % (2 * MiB) == 0);
		CHECK(e->gpa % (2 * MiB) == 0 && e->hpa % (2 * MiB) == 0);
		if (i)
			CHECK(e->gpa >= map->extents[i - 1].gpa +
			      map->extents[i - 1].size);
		/* nothing in the hole below 4 GiB */
		CHECK(e->gpa + e->size <= V3_MEM_HOLE_START ||
		      e->gpa >= V3_MEM_HOLE_END);
		sum += e->size;
	}
	CHECK(sum == size);
	/* RAM starts at 0 and is contiguous but for the hole */
	CHECK(map->extents[0].gpa == 0);
	for (i = 1; i < map->nr_extents; i++) {
		u64 end = map->extents[i - 1].gpa + map->extents[i - 1].size;

		CHECK(map->extents[i].gpa == end ||
		      (end == V3_MEM_HOLE_START &&
		       map->extents[i].gpa == V3_MEM_HOLE_END));
	}
}

static void test_bad_sizes(void)
{
	static const u64 bad[] = {
		0, 1, 4096, 1 * MiB, 2 * MiB + 4096, 3 * MiB,
		V3_MEM_MAX + 2 * MiB, ~0ULL - (2 * MiB - 1),
	};
	struct v3_mem_map map;
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&map, 0x5a, sizeof(map));
		CHECK(v3_mem_map_init(&map, bad[i]) == -EINVAL);
		CHECK(!map.extents && !map.nr_extents && !map.size);
	}
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	v3_mem_map_free(&map);			/* an empty map frees */
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_sizes(void)
{
	static const u64 good[] = { 2 * MiB, 4 * MiB, 6 * MiB, 14 * MiB,
				    64 * MiB };
	struct v3_mem_map map;
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		CHECK(v3_mem_map_init(&map, good[i]) == 0);
		check_layout(&map, good[i]);
		CHECK(test_host.pages == (long)(good[i] / V3_PAGE_SIZE));
		v3_mem_map_free(&map);
		CHECK(!map.extents && !map.nr_extents && !map.size);
		CHECK(test_host.pages == 0 && test_host.objects == 0);
	}
}

static void test_out_of_memory(void)
{
	struct v3_mem_map map;
	long n;

	memset(&test_host, 0, sizeof(test_host));
	test_host.fail_pages = true;
	CHECK(v3_mem_map_init(&map, 8 * MiB) == -ENOMEM);
	CHECK(!map.extents && !map.nr_extents);
	test_host.fail_pages = false;
	CHECK(test_host.pages == 0 && test_host.objects == 0);

	/* every allocation in turn fails: nothing is left allocated */
	for (n = 1; n < 10; n++) {
		test_host.fail_nth = n;
		if (!v3_mem_map_init(&map, 14 * MiB)) {
			CHECK(test_host.fail_nth);	/* all were tried */
			v3_mem_map_free(&map);
			break;
		}
		CHECK(test_host.pages == 0 && test_host.objects == 0);
	}
	CHECK(n == 6);		/* 3 chunks of 4 MiB, 1 of 2, the extents */
	test_host.fail_nth = 0;
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_hole(void)
{
	u64 size = 3 * GiB + 4 * MiB;
	struct timespec t0, t1;
	struct v3_mem_map map;
	u8 buf[16] = { 1, 2, 3 };
	unsigned long last;
	double secs;

	memset(&test_host, 0, sizeof(test_host));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(v3_mem_map_init(&map, size) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 2.0);		/* the host's pages are lazy */
	check_layout(&map, size);
	last = map.nr_extents - 1;
	CHECK(map.extents[last].gpa == V3_MEM_HOLE_END);
	CHECK(map.extents[last].size == 4 * MiB);
	CHECK(v3_mem_find(&map, V3_MEM_HOLE_START - 1));
	CHECK(!v3_mem_find(&map, V3_MEM_HOLE_START));
	CHECK(!v3_mem_find(&map, V3_MEM_HOLE_END - 1));
	CHECK(v3_mem_find(&map, V3_MEM_HOLE_END) == &map.extents[last]);
	CHECK(!v3_mem_find(&map, V3_MEM_HOLE_END + 4 * MiB));
	CHECK(!v3_gpa_to_hva(&map, V3_MEM_HOLE_START - 8, 16));
	CHECK(v3_mem_write(&map, V3_MEM_HOLE_START - 8, buf, 16) == -EFAULT);
	CHECK(v3_mem_write(&map, V3_MEM_HOLE_END, buf, 16) == 0);
	CHECK(!memcmp(v3_gpa_to_hva(&map, V3_MEM_HOLE_END, 16), buf, 16));
	v3_mem_map_free(&map);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* A map of two extents, 4 MiB then 2 MiB, as the host hands out 6 MiB. */
static bool two_extents(struct v3_mem_map *map)
{
	if (v3_mem_map_init(map, 6 * MiB))
		return false;
	if (map->nr_extents == 2)
		return true;
	/* The host's chunks happened to be contiguous: skip the test. */
	v3_mem_map_free(map);
	return false;
}

static void test_gpa_to_hva(void)
{
	struct v3_mem_map map;
	const struct v3_mem_extent *e;
	u8 *hva;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(two_extents(&map));
	if (case_failed)
		return;
	e = &map.extents[0];
	hva = v3_host_pa_to_va(e->hpa);
	CHECK(v3_gpa_to_hva(&map, 0, 4 * MiB) == hva);
	CHECK(v3_gpa_to_hva(&map, 0x1234, 0) == hva + 0x1234);
	CHECK(v3_gpa_to_hva(&map, 4 * MiB - 4, 4) == hva + 4 * MiB - 4);
	CHECK(!v3_gpa_to_hva(&map, 4 * MiB - 4, 5));	/* crosses extents */
	CHECK(!v3_gpa_to_hva(&map, 0, 4 * MiB + 1));
	CHECK(!v3_gpa_to_hva(&map, 0, ~0ULL));
	CHECK(v3_gpa_to_hva(&map, 4 * MiB, 2 * MiB) ==
	      v3_host_pa_to_va(map.extents[1].hpa));
	CHECK(!v3_gpa_to_hva(&map, 6 * MiB, 0));
	CHECK(!v3_gpa_to_hva(&map, 6 * MiB - 1, 2));
	CHECK(!v3_gpa_to_hva(&map, ~0ULL, 1));
	v3_mem_map_free(&map);
}

static void test_read_write(void)
{
	struct v3_mem_map map;
	u8 in[64], out[64], zero[64] = { 0 };
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(two_extents(&map));
	if (case_failed)
		return;
	for (i = 0; i < sizeof(in); i++)
		in[i] = i + 1;
	/* across the two extents, which are not contiguous in the host */
	CHECK(v3_mem_write(&map, 4 * MiB - 24, in, 64) == 0);
	CHECK(!memcmp(v3_gpa_to_hva(&map, 4 * MiB - 24, 24), in, 24));
	CHECK(!memcmp(v3_gpa_to_hva(&map, 4 * MiB, 40), in + 24, 40));
	memset(out, 0, sizeof(out));
	CHECK(v3_mem_read(&map, 4 * MiB - 24, out, 64) == 0);
	CHECK(!memcmp(in, out, 64));
	/* the last bytes of RAM, and one more */
	CHECK(v3_mem_write(&map, 6 * MiB - 64, in, 64) == 0);
	CHECK(v3_mem_write(&map, 6 * MiB - 63, zero, 64) == -EFAULT);
	CHECK(!memcmp(v3_gpa_to_hva(&map, 6 * MiB - 64, 64), in, 64));
	CHECK(v3_mem_read(&map, 6 * MiB - 63, out, 64) == -EFAULT);
	CHECK(v3_mem_read(&map, 6 * MiB, out, 1) == -EFAULT);
	CHECK(v3_mem_read(&map, 6 * MiB, out, 0) == 0);
	/* a range that wraps around */
	CHECK(v3_mem_write(&map, ~0ULL - 3, in, 8) == -EFAULT);
	CHECK(v3_mem_read(&map, 16, out, ~0ULL - 8) == -EFAULT);
	/* nothing written where it failed */
	CHECK(!memcmp(v3_gpa_to_hva(&map, 0, 64), zero, 64));
	v3_mem_map_free(&map);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* Page walks */

#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define EFER_LMA_BIT	BIT_ULL(10)
#define P		0x1ULL
#define RW		0x2ULL
#define PS		0x80ULL

static void put32(struct v3_mem_map *map, u64 gpa, u32 val)
{
	CHECK(v3_mem_write(map, gpa, &val, sizeof(val)) == 0);
}

static void put64(struct v3_mem_map *map, u64 gpa, u64 val)
{
	CHECK(v3_mem_write(map, gpa, &val, sizeof(val)) == 0);
}

/* The translation of @gva, or the error as a negative number. */
static s64 walk(struct v3_mem_map *map, const struct v3_paging *pg, u64 gva)
{
	u64 gpa = 0x5a5a;
	int err = v3_gva_to_gpa(map, pg, gva, &gpa);

	return err ? err : (s64)gpa;
}

static void test_walk_off(void)
{
	struct v3_paging pg = { 0 };
	struct v3_mem_map map;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&map, 2 * MiB) == 0);
	CHECK(walk(&map, &pg, 0x12345678) == 0x12345678);
	CHECK(walk(&map, &pg, 0x100001000ULL) == 0x1000);	/* 32 bits */
	CHECK(walk(&map, &pg, 0xfffffff0) == 0xfffffff0);	/* no check */
	pg.efer = EFER_LMA_BIT;
	CHECK(walk(&map, &pg, 0x100001000ULL) == 0x100001000LL);
	v3_mem_map_free(&map);
}

static void test_walk_32(void)
{
	struct v3_paging pg = { .cr0 = CR0_PG, .cr3 = 0x10000 };
	struct v3_mem_map map;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&map, 2 * MiB) == 0);
	/* 0x00401000 -> PDE 1 -> table at 0x11000 -> PTE 1 -> 0x123000 */
	put32(&map, 0x10000 + 1 * 4, 0x11000 | P | RW);
	put32(&map, 0x11000 + 1 * 4, 0x123000 | P);
	CHECK(walk(&map, &pg, 0x00401abc) == 0x123abc);
	CHECK(walk(&map, &pg, 0x00402abc) == -ENOENT);	/* PTE 2 absent */
	CHECK(walk(&map, &pg, 0x00801abc) == -ENOENT);	/* PDE 2 absent */
	/* the upper 32 bits of the address are not used */
	CHECK(walk(&map, &pg, 0xabc00000401abcULL) == 0x123abc);
	/* CR3's low bits are flags */
	pg.cr3 = 0x10018;
	CHECK(walk(&map, &pg, 0x00401abc) == 0x123abc);

	/* 4 MiB page at 0xc0000000 -> 0x1_00c00000 with PSE-36 */
	put32(&map, 0x10000 + 0x300 * 4, 0x00c00000 | (1 << 13) | PS | P);
	/* without CR4.PSE it is a table, at 0xc02000: not RAM */
	CHECK(walk(&map, &pg, 0xc0123456) == -EFAULT);
	pg.cr4 = CR4_PSE;
	CHECK(walk(&map, &pg, 0xc0123456) == 0x100d23456LL);
	/* without CR4.PSE, PS is ignored: the PDE points to a table */
	put32(&map, 0x10000 + 0x301 * 4, 0x12000 | PS | P);
	put32(&map, 0x12000 + 3 * 4, 0x45000 | P);
	pg.cr4 = 0;
	CHECK(walk(&map, &pg, 0xc0403010) == 0x45010);
	pg.cr4 = CR4_PSE;	/* bits 13 and 16 are address bits 32, 35 */
	CHECK(walk(&map, &pg, 0xc0403010) == 0x900003010LL);
	/* a table outside RAM */
	put32(&map, 0x10000 + 4 * 4, 0x40000000 | P);
	CHECK(walk(&map, &pg, 0x01000000) == -EFAULT);
	pg.cr3 = 0x40000000;
	CHECK(walk(&map, &pg, 0) == -EFAULT);
	v3_mem_map_free(&map);
}

static void test_walk_pae(void)
{
	struct v3_paging pg = { .cr0 = CR0_PG, .cr4 = CR4_PAE, .cr3 = 0x10020 };
	struct v3_mem_map map;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&map, 2 * MiB) == 0);
	/* PDPT at 0x10020 (32-byte aligned); entry 2 -> PD 0x11000 */
	put64(&map, 0x10020 + 2 * 8, 0x11000 | P);
	/* 0x80000000 + 3 * 2M + 5 * 4K: PDE 3 -> PT 0x12000, PTE 5 */
	put64(&map, 0x11000 + 3 * 8, 0x12000 | P | RW);
	put64(&map, 0x12000 + 5 * 8, 0x987654000ULL | P);
	CHECK(walk(&map, &pg, 0x80605123) == 0x987654123LL);
	/* PDE 4: a 2 MiB page */
	put64(&map, 0x11000 + 4 * 8, 0x7fe00000ULL | PS | P);
	CHECK(walk(&map, &pg, 0x80812345) == 0x7fe12345LL);
	/* NX (bit 63) is not part of the address */
	put64(&map, 0x11000 + 5 * 8, (1ULL << 63) | 0x200000 | PS | P);
	CHECK(walk(&map, &pg, 0x80a00010) == 0x200010);
	CHECK(walk(&map, &pg, 0x40000000) == -ENOENT);	/* PDPTE 1 absent */
	CHECK(walk(&map, &pg, 0x80c00000) == -ENOENT);	/* PDE 6 absent */
	CHECK(walk(&map, &pg, 0x80606000) == -ENOENT);	/* PTE 6 absent */
	pg.cr3 = 0x40000000;
	CHECK(walk(&map, &pg, 0) == -EFAULT);
	v3_mem_map_free(&map);
}

static void test_walk_64(void)
{
	struct v3_paging pg = { .cr0 = CR0_PG, .cr4 = CR4_PAE,
				.efer = EFER_LMA_BIT, .cr3 = 0x10000 };
	struct v3_mem_map map;
	u64 gva;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&map, 2 * MiB) == 0);
	/* PML4 0x10000: entry 0 -> PDPT 0x11000, 256 -> PDPT 0x14000 */
	put64(&map, 0x10000, 0x11000 | P | RW);
	put64(&map, 0x10000 + 256 * 8, 0x14000 | P | RW);
	/* PDPT entry 1: a 1 GiB page at 0x80_0000_0000 */
	put64(&map, 0x11000 + 1 * 8, 0x8000000000ULL | PS | P);
	CHECK(walk(&map, &pg, 0x40000000 + 0x12345678) ==
	      0x8000000000LL + 0x12345678);
	/* PDPT entry 2 -> PD 0x12000; PDE 7: 2 MiB page; PDE 8 -> PT */
	put64(&map, 0x11000 + 2 * 8, 0x12000 | P | RW);
	put64(&map, 0x12000 + 7 * 8, 0x3fe00000ULL | PS | P);
	put64(&map, 0x12000 + 8 * 8, 0x13000 | P | RW);
	put64(&map, 0x13000 + 9 * 8, 0xfedcb000ULL | P);
	CHECK(walk(&map, &pg, 0x80000000 + 7 * (2 * MiB) + 0x1234) ==
	      0x3fe01234LL);
	CHECK(walk(&map, &pg, 0x80000000 + 8 * (2 * MiB) + 9 * 4096 + 0x10) ==
	      0xfedcb010LL);
	CHECK(walk(&map, &pg, 0x80000000 + 8 * (2 * MiB) + 10 * 4096) ==
	      -ENOENT);
	CHECK(walk(&map, &pg, 0x80000000 + 9 * (2 * MiB)) == -ENOENT);
	CHECK(walk(&map, &pg, 3 * GiB) == -ENOENT);
	CHECK(walk(&map, &pg, 1ULL << 39) == -ENOENT);	/* PML4E 1 */
	/* the upper half: 0xffff8000_00000000 is PML4 entry 256 */
	gva = 0xffff800000000000ULL + 0x1000;
	CHECK(walk(&map, &pg, gva) == -ENOENT);		/* PDPTE 0 absent */
	put64(&map, 0x14000, 0x15000 | P);
	put64(&map, 0x15000, 0x16000 | P);
	put64(&map, 0x16000 + 1 * 8, 0x777000 | P);
	CHECK(walk(&map, &pg, gva + 0xfff) == 0x777fff);
	/* PS in a PML4 entry is not a page size */
	put64(&map, 0x10000 + 3 * 8, 0x11000 | PS | P);
	CHECK(walk(&map, &pg, (3ULL << 39) + 0x40000000 + 5) ==
	      0x8000000005LL);
	/* a table outside RAM */
	put64(&map, 0x11000 + 3 * 8, 0x40000000 | P);
	CHECK(walk(&map, &pg, 3 * GiB) == -EFAULT);
	v3_mem_map_free(&map);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static const struct test_case mem_cases[] = {
	{ "bad_sizes", test_bad_sizes },
	{ "sizes", test_sizes },
	{ "out_of_memory", test_out_of_memory },
	{ "hole", test_hole },
	{ "gpa_to_hva", test_gpa_to_hva },
	{ "read_write", test_read_write },
	{ "walk_off", test_walk_off },
	{ "walk_32", test_walk_32 },
	{ "walk_pae", test_walk_pae },
	{ "walk_64", test_walk_64 },
};

const struct test_suite mem_suite = {
	.name = "mem",
	.cases = mem_cases,
	.nr = ARRAY_SIZE(mem_cases),
};
