// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the port I/O and MMIO hook registries, including a bounded
 * random test against a plain array model of the port space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/io.h>

#include "test_host.h"
#include "tests.h"

struct access_log {
	int calls;
	u64 addr;
	unsigned int len;
	bool write;
	u8 data[8];
};

static int record_access(u64 addr, void *data, unsigned int len, bool write,
			 void *priv)
{
	struct access_log *log = priv;

	log->calls++;
	log->addr = addr;
	log->len = len;
	log->write = write;
	if (write)
		memcpy(log->data, data, len);
	else
		memset(data, 0x5a, len);
	return 0;
}

static int fail_access(u64 addr, void *data, unsigned int len, bool write,
		       void *priv)
{
	return -EIO;
}

static void test_hook_and_dispatch(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;
	u8 buf[4] = { 1, 2, 3, 4 };

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&map);
	CHECK(v3_range_hook(&map, 0x3f8, 0x3ff, record_access, &log) == 0);
	CHECK(v3_range_dispatch(&map, 0x3fb, buf, 1, true) == 0);
	CHECK(log.calls == 1 && log.addr == 0x3fb && log.write);
	CHECK(log.data[0] == 1);
	CHECK(v3_range_dispatch(&map, 0x3fc, buf, 4, false) == 0);
	CHECK(log.calls == 2 && !log.write && buf[3] == 0x5a);
	/* unhooked ports, and accesses that leave the range */
	CHECK(v3_range_dispatch(&map, 0x3f7, buf, 1, false) == -ENOENT);
	CHECK(v3_range_dispatch(&map, 0x400, buf, 1, false) == -ENOENT);
	CHECK(v3_range_dispatch(&map, 0x3fe, buf, 4, false) == -ENOENT);
	CHECK(v3_range_dispatch(&map, 0x3f8, buf, 0, false) == -ENOENT);
	CHECK(log.calls == 2);
	/* the handler's error is the dispatch's */
	CHECK(v3_range_hook(&map, 0x80, 0x80, fail_access, NULL) == 0);
	CHECK(v3_range_dispatch(&map, 0x80, buf, 1, true) == -EIO);
	v3_range_map_free(&map);
	CHECK(test_host.objects == 0);
}

static void test_overlaps(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&map);
	CHECK(v3_range_hook(&map, 0x60, 0x64, record_access, &log) == 0);
	CHECK(v3_range_hook(&map, 0x60, 0x60, record_access, &log) == -EBUSY);
	CHECK(v3_range_hook(&map, 0x64, 0x70, record_access, &log) == -EBUSY);
	CHECK(v3_range_hook(&map, 0x50, 0x60, record_access, &log) == -EBUSY);
	CHECK(v3_range_hook(&map, 0x50, 0x70, record_access, &log) == -EBUSY);
	CHECK(v3_range_hook(&map, 0x62, 0x62, record_access, &log) == -EBUSY);
	/* adjacent ranges are fine */
	CHECK(v3_range_hook(&map, 0x65, 0x65, record_access, &log) == 0);
	CHECK(v3_range_hook(&map, 0x5f, 0x5f, record_access, &log) == 0);
	/* bad ranges */
	CHECK(v3_range_hook(&map, 0x90, 0x8f, record_access, &log) == -EINVAL);
	CHECK(v3_range_hook(&map, 0xffff, 0x10000, record_access, &log) == -EINVAL);
	CHECK(v3_range_hook(&map, 0x90, 0x90, NULL, &log) == -EINVAL);
	CHECK(map.nr == 3);
	/* unhook by first port only */
	CHECK(v3_range_unhook(&map, 0x61) == -ENOENT);
	CHECK(v3_range_unhook(&map, 0x60) == 0);
	CHECK(v3_range_unhook(&map, 0x60) == -ENOENT);
	CHECK(v3_range_hook(&map, 0x60, 0x64, record_access, &log) == 0);
	v3_range_map_free(&map);
	CHECK(test_host.objects == 0);
}

static void test_mmio_edges(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;
	u8 buf[8];

	memset(&test_host, 0, sizeof(test_host));
	v3_mmio_map_init(&map);
	CHECK(v3_range_hook(&map, 0xfee00000, 0xfee00fff, record_access,
			    &log) == 0);
	CHECK(v3_range_hook(&map, ~0ULL - 7, ~0ULL, record_access, &log) == 0);
	CHECK(v3_range_dispatch(&map, 0xfee00ffc, buf, 4, false) == 0);
	CHECK(v3_range_dispatch(&map, 0xfee00ffd, buf, 4, false) == -ENOENT);
	CHECK(v3_range_dispatch(&map, ~0ULL - 7, buf, 8, true) == 0);
	/* an access that wraps around the address space */
	CHECK(v3_range_dispatch(&map, ~0ULL, buf, 2, false) == -ENOENT);
	CHECK(v3_range_dispatch(&map, ~0ULL, buf, 1, false) == 0);
	CHECK(log.calls == 3);
	/* guest-physical ranges have no port index */
	CHECK(!map.index && !map.indexed);
	v3_range_map_free(&map);
}

static void test_out_of_memory(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&map);
	test_host.fail_zalloc = true;
	CHECK(v3_range_hook(&map, 1, 2, record_access, &log) == -ENOMEM);
	CHECK(map.nr == 0);
	test_host.fail_zalloc = false;
	v3_range_map_free(&map);
}

/*
 * Random hooks, unhooks and accesses over the first @space ports, checked
 * against a plain array that gives, for every port, the first port of the
 * range that hooks it, or -1.  Over all 65,536 ports the ranges soon
 * outnumber what the port index numbers, and lookups bisect; over a few,
 * they stay indexed.
 */
static void random_against_model(int space, unsigned int min_hooked)
{
	static int start_of[0x10000];
	static struct access_log log;
	unsigned int step, hooked = 0, hits = 0;
	struct v3_range_map map;
	u8 buf[4];

	memset(&test_host, 0, sizeof(test_host));
	memset(start_of, 0xff, sizeof(start_of));	/* all -1 */
	v3_io_map_init(&map);
	srand(20261125);
	for (step = 0; step < 20000 && !case_failed; step++) {
		unsigned int op = rand() % 4;
		int first = rand() % space;
		int last = first + rand() % 16;
		unsigned int len = 1U << (rand() % 3);
		bool ok = true;
		int p, err;

		if (last > 0xffff)
			last = 0xffff;
		if (op == 0) {
			for (p = first; p <= last; p++)
				ok &= start_of[p] < 0;
			err = v3_range_hook(&map, first, last, record_access,
					    &log);
			CHECK(err == (ok ? 0 : -EBUSY));
			hooked += !err;
			for (p = first; !err && p <= last; p++)
				start_of[p] = first;
		} else if (op == 1) {
			err = v3_range_unhook(&map, first);
			CHECK(err == (start_of[first] == first ? 0 : -ENOENT));
			for (p = first; !err && p < 0x10000 &&
			     start_of[p] == first; p++)
				start_of[p] = -1;
		} else {
			ok = first + len - 1 <= 0xffff && start_of[first] >= 0;
			for (p = first + 1; ok && p < first + (int)len; p++)
				ok = start_of[p] == start_of[first];
			err = v3_range_dispatch(&map, first, buf, len, op == 3);
			CHECK(err == (ok ? 0 : -ENOENT));
			hits += !err;
		}
		CHECK(map.indexed == (map.nr <= V3_RANGE_INDEX_MAX));
	}
	/* the run exercised both outcomes */
	if (hooked <= min_hooked || hits <= 100)
		printf("# hooked %u, hits %u\n", hooked, hits);
	CHECK(hooked > min_hooked && hits > 100);
	v3_range_map_free(&map);
	CHECK(test_host.objects == 0);
}

static void test_random_against_model(void)
{
	random_against_model(0x10000, 1000);
}

static void test_random_indexed(void)
{
	random_against_model(0x400, 500);
}

/* Without memory for the port index, the first hook fails and changes nothing. */
static void test_index_no_memory(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;
	u8 buf[4];

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&map);
	test_host.fail_nth = 1;
	CHECK(v3_range_hook(&map, 0x60, 0x64, record_access, &log) == -ENOMEM);
	CHECK(map.nr == 0 && !map.index && !map.indexed);
	CHECK(v3_range_dispatch(&map, 0x62, buf, 2, false) == -ENOENT);
	/* the index, then the ranges: an empty index stays, and is right */
	test_host.fail_nth = 2;
	CHECK(v3_range_hook(&map, 0x60, 0x64, record_access, &log) == -ENOMEM);
	CHECK(map.nr == 0 && map.indexed);
	CHECK(v3_range_dispatch(&map, 0x62, buf, 2, false) == -ENOENT);
	CHECK(v3_range_hook(&map, 0x60, 0x64, record_access, &log) == 0);
	CHECK(map.indexed);
	CHECK(v3_range_dispatch(&map, 0x62, buf, 2, false) == 0);
	CHECK(v3_range_dispatch(&map, 0x64, buf, 2, false) == -ENOENT);
	CHECK(log.calls == 1);
	v3_range_map_free(&map);
	CHECK(test_host.objects == 0);
}

/*
 * More ranges than the index numbers: lookups bisect, and the index is
 * made again once there are few enough.
 */
static void test_index_overflow(void)
{
	struct access_log log = { 0 };
	struct v3_range_map map;
	unsigned int i, n = V3_RANGE_INDEX_MAX + 10;
	u8 buf[4];

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&map);
	for (i = 0; i < n; i++) {
		CHECK(v3_range_hook(&map, 2 * i, 2 * i, record_access,
				    &log) == 0);
		CHECK(map.indexed == (i < V3_RANGE_INDEX_MAX));
	}
	for (i = 0; i < n; i++) {
		CHECK(v3_range_dispatch(&map, 2 * i, buf, 1, false) == 0);
		CHECK(v3_range_dispatch(&map, 2 * i + 1, buf, 1, false) ==
		      -ENOENT);
	}
	/* the first ten go: the others are numbered again */
	for (i = 0; i < 10; i++)
		CHECK(v3_range_unhook(&map, 2 * i) == 0);
	CHECK(map.indexed);
	for (i = 0; i < n; i++) {
		CHECK(v3_range_dispatch(&map, 2 * i, buf, 1, false) ==
		      (i < 10 ? -ENOENT : 0));
		CHECK(v3_range_dispatch(&map, 2 * i, buf, 2, false) ==
		      -ENOENT);
	}
	CHECK(log.calls == (int)(2 * n - 10));
	v3_range_map_free(&map);
	CHECK(test_host.objects == 0);
}

static const struct test_case io_cases[] = {
	{ "hook_and_dispatch", test_hook_and_dispatch },
	{ "overlaps", test_overlaps },
	{ "mmio_edges", test_mmio_edges },
	{ "out_of_memory", test_out_of_memory },
	{ "random_against_model", test_random_against_model },
	{ "random_indexed", test_random_indexed },
	{ "index_no_memory", test_index_no_memory },
	{ "index_overflow", test_index_overflow },
};

const struct test_suite io_suite = {
	.name = "io",
	.cases = io_cases,
	.nr = ARRAY_SIZE(io_cases),
};
