// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the nested page tables of the SVM backend: the tables are
 * walked in software and compared with the memory map.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/mem.h>

#include <palacios/npt.h>

#include "test_host.h"
#include "tests.h"

#define ADDR		0x000ffffffffff000ULL

/* AMD's nested page tables: present, writable, user; PS for 2 MiB */
static const struct v3_npt_format amd_fmt = {
	.table = 0x7, .leaf = 0x7, .large = 0x80, .present = 0x1,
};

/* Intel's EPT: read, write, execute; write-back memory type in leaves */
static const struct v3_npt_format ept_fmt = {
	.table = 0x7, .leaf = 0x7 | (6 << 3), .large = 0x80, .present = 0x7,
};

/* The format the cases build and check */
static const struct v3_npt_format *fmt = &amd_fmt;

struct npt_count {
	const struct v3_mem_map *map;
	unsigned long tables;
	u64 large, small, bytes;
};

/* The leaf that maps @gpa: its hpa for @gpa and its size, or 0. */
static u64 npt_lookup(const struct v3_npt *npt, u64 gpa, u64 *size)
{
	u64 table = npt->root;
	int shift;

	for (shift = 39; shift >= 12; shift -= 9) {
		u64 e = ((u64 *)v3_host_pa_to_va(table))[(gpa >> shift) & 511];

		if (!(e & fmt->present))
			return 0;
		if (shift == 12 || (e & fmt->large)) {
			*size = 1ULL << shift;
			return (e & ADDR & ~(*size - 1)) | (gpa & (*size - 1));
		}
		table = e & ADDR;
	}
	return 0;
}

/* Check every entry of the table at @table, which maps from @base. */
static void npt_walk(struct npt_count *c, u64 table, int shift, u64 base)
{
	const u64 *t = v3_host_pa_to_va(table);
	unsigned int i;

	c->tables++;
	for (i = 0; i < 512; i++) {
		u64 e = t[i], gpa = base + ((u64)i << shift), size;
		const struct v3_mem_extent *x;

		if (!(e & fmt->present)) {
			CHECK(e == 0);
			continue;
		}
		/* tables and leaves carry exactly the format's bits */
		if (shift > 12 && !(e & fmt->large)) {
			CHECK((e & ~ADDR) == fmt->table);
			npt_walk(c, e & ADDR, shift - 9, gpa);
			continue;
		}
		CHECK((e & ~ADDR) == (fmt->leaf | (shift > 12 ? fmt->large : 0)));
		/* a leaf: 4 KiB in a PT, 2 MiB in a PD, inside one extent */
		size = 1ULL << shift;
		CHECK(shift == 12 || shift == 21);
		x = v3_mem_find(c->map, gpa);
		CHECK(x && v3_mem_find(c->map, gpa + size - 1) == x);
		if (x)
			CHECK((e & ADDR) == x->hpa + (gpa - x->gpa));
		if (shift == 21)
			c->large++;
		else
			c->small++;
		c->bytes += size;
	}
}

static void check_npt(const struct v3_npt *npt, const struct v3_mem_map *map,
		      bool every_page)
{
	struct npt_count c = { .map = map };
	u64 total = 0;
	unsigned long i;

	npt_walk(&c, npt->root, 39, 0);
	CHECK(c.tables == npt->nr_tables);
	CHECK(c.large == npt->nr_large && c.small == npt->nr_small);
	for (i = 0; i < map->nr_extents; i++) {
		const struct v3_mem_extent *x = &map->extents[i];
		u64 off, size;

		total += x->size;
		for (off = 0; off < x->size; off += V3_PAGE_SIZE) {
			u64 gpa = x->gpa + off;
			bool aligned = !(gpa % (2 * MiB)) &&
				       !((x->hpa + off) % (2 * MiB)) &&
				       x->size - off >= 2 * MiB;

			if (!every_page && !aligned)
				continue;
			size = 0;
			CHECK(npt_lookup(npt, gpa + 8, &size) ==
			      x->hpa + off + 8);
			/* 2 MiB mappings wherever both sides allow */
			if (aligned)
				CHECK(size == 2 * MiB);
		}
	}
	/* all RAM mapped, and nothing else (leaves are all inside RAM) */
	CHECK(c.bytes == total);
}

static void test_fake_map(void)
{
	/* hpa values are never dereferenced: only written into entries */
	static struct v3_mem_extent ext[] = {
		{ 0, 0x10001000, 4 * MiB },		/* hpa misaligned */
		{ 4 * MiB, 0x20000000, 6 * MiB },
		{ GiB - 2 * MiB, 0x50000000, 4 * MiB },	/* crosses a PD */
		{ 5 * GiB, 0x60200000, 2 * MiB + 8192 },
		{ (1ULL << 39) + 1 * MiB, 0x70000000, 4 * MiB }, /* PML4E 1 */
	};
	struct v3_mem_map map = {
		.extents = ext, .nr_extents = ARRAY_SIZE(ext),
	};
	struct v3_npt npt;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_npt_build(&npt, &map, fmt) == 0);
	check_npt(&npt, &map, true);
	CHECK(npt.nr_large == 3 + 2 + 1);
	CHECK(npt.nr_small == 1024 + 2 + 1024);
	CHECK(npt_lookup(&npt, 10 * MiB, &(u64){ 0 }) == 0);
	CHECK(npt_lookup(&npt, 3 * GiB, &(u64){ 0 }) == 0);
	v3_npt_free(&npt);
	CHECK(!npt.root && !npt.tables && !npt.nr_tables);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_real_map(void)
{
	static const u64 sizes[] = { 2 * MiB, 10 * MiB, 64 * MiB };
	struct v3_mem_map map;
	struct v3_npt npt;
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		CHECK(v3_mem_map_init(&map, sizes[i]) == 0);
		CHECK(v3_npt_build(&npt, &map, fmt) == 0);
		check_npt(&npt, &map, true);
		/* the host's chunks are aligned to their size */
		CHECK(npt.nr_large == sizes[i] / (2 * MiB));
		CHECK(npt.nr_small == 0);
		CHECK(npt.nr_tables == 3);	/* PML4, PDPT, PD */
		v3_npt_free(&npt);
		v3_mem_map_free(&map);
		CHECK(test_host.pages == 0 && test_host.objects == 0);
	}
}

static void test_hole(void)
{
	struct v3_mem_map map;
	struct v3_npt npt;
	u64 size;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&map, 3 * GiB + 4 * MiB) == 0);
	CHECK(v3_npt_build(&npt, &map, fmt) == 0);
	check_npt(&npt, &map, false);
	CHECK(npt.nr_large == 1536 + 2);
	CHECK(npt.nr_tables == 1 + 1 + 4);
	CHECK(npt_lookup(&npt, 3 * GiB, &size) == 0);
	CHECK(npt_lookup(&npt, 4 * GiB - 4096, &size) == 0);
	CHECK(npt_lookup(&npt, 4 * GiB + 4 * MiB, &size) == 0);
	v3_npt_free(&npt);
	v3_mem_map_free(&map);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_out_of_memory(void)
{
	static struct v3_mem_extent ext[] = {
		{ 0, 0x10000000, 2 * MiB },
		{ 2 * GiB, 0x20001000, 80 * 4096 },
		{ 9 * GiB, 0x30000000, 2 * MiB },
	};
	struct v3_mem_map map = {
		.extents = ext, .nr_extents = ARRAY_SIZE(ext),
	};
	struct v3_npt npt;
	long n;

	memset(&test_host, 0, sizeof(test_host));
	test_host.fail_pages = true;
	CHECK(v3_npt_build(&npt, &map, fmt) == -ENOMEM);
	test_host.fail_pages = false;
	CHECK(!npt.root && !npt.tables);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	for (n = 1; n < 100; n++) {
		test_host.fail_nth = n;
		if (!v3_npt_build(&npt, &map, fmt))
			break;
		CHECK(!npt.root && !npt.tables);
		CHECK(test_host.pages == 0 && test_host.objects == 0);
	}
	test_host.fail_nth = 0;
	/* tables: PML4, PDPT, PD 0, PD 2G, PT 2G, PD 9G */
	CHECK(npt.nr_tables == 6);
	CHECK(n == 1 + 6 + 1);	/* the list of tables, the tables */
	check_npt(&npt, &map, true);
	v3_npt_free(&npt);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* The same builder in Intel's EPT format */
static void test_ept_format(void)
{
	fmt = &ept_fmt;
	test_fake_map();
	test_real_map();
	test_hole();
	fmt = &amd_fmt;
}

static const struct test_case npt_cases[] = {
	{ "fake_map", test_fake_map },
	{ "real_map", test_real_map },
	{ "hole", test_hole },
	{ "out_of_memory", test_out_of_memory },
	{ "ept_format", test_ept_format },
};

const struct test_suite npt_suite = {
	.name = "npt",
	.cases = npt_cases,
	.nr = ARRAY_SIZE(npt_cases),
};
