// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the guest image loader: header checks, and what a load
 * leaves in guest memory for each start mode.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/mem.h>

#include "test_host.h"
#include "tests.h"

struct image {
	struct v3_image_header h;
	u8 payload[4096 + 16];
};

static struct image img;
static struct v3_vm vm;

static void image_init(u32 mode, u64 load, u64 entry, u64 stack)
{
	unsigned int i;

	memset(&img, 0, sizeof(img));
	memcpy(img.h.magic, V3_IMAGE_MAGIC, 8);
	img.h.version = V3_IMAGE_VERSION;
	img.h.header_size = sizeof(img.h);
	img.h.mode = mode;
	img.h.load_gpa = load;
	img.h.entry = entry;
	img.h.stack = stack;
	for (i = 0; i < sizeof(img.payload); i++)
		img.payload[i] = i * 7 + 1;
}

/* A VM as the loader sees it: a name and its memory. */
static void vm_init(u64 mem)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "ldr");
	CHECK(v3_mem_map_init(&vm.mem, mem) == 0);
}

static void vm_fini(void)
{
	v3_mem_map_free(&vm.mem);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* Load @len bytes of payload; on failure, check the one log line. */
static int load(u64 len, struct v3_boot_state *bs)
{
	int errors = test_host.errors;
	int err;

	test_host.log[0] = '\0';
	err = v3_image_load(&vm, &img, sizeof(img.h) + len, bs);
	if (err) {
		CHECK(err == -ENOEXEC);
		CHECK(test_host.errors == errors + 1);
		CHECK(test_host_log_lines("guest ldr: bad image: ") == 1);
	}
	return err;
}

static void test_check_header(void)
{
	struct v3_image_info info;

	memset(&test_host, 0, sizeof(test_host));
	image_init(V3_IMAGE_LONG64, 0x100000, 0x100000, 0);
	img.h.mem_size = 64 * MiB;
	CHECK(v3_image_check("g", &img, sizeof(img), &info) == 0);
	CHECK(info.mem_size == 64 * MiB && info.nr_vcpus == 1);
	img.h.nr_vcpus = V3_MAX_VCPUS;
	img.h.mem_size = 0;
	CHECK(v3_image_check("g", &img, sizeof(img.h), &info) == 0);
	CHECK(info.mem_size == 0 && info.nr_vcpus == V3_MAX_VCPUS);
	img.h.mem_size = V3_MEM_MAX;
	CHECK(v3_image_check("g", &img, sizeof(img.h), &info) == 0);
	CHECK(test_host.errors == 0 && !test_host.log[0]);
}

/* One bad field at a time: -ENOEXEC and one line naming the guest. */
static void test_bad_headers(void)
{
	static const char * const why[] = {
		"no PALACIOS magic", "no PALACIOS magic", "no PALACIOS magic",
		"version", "version", "header size", "header size",
		"start mode", "vCPUs", "flags", "flags", "2 MiB", "2 MiB",
		"2 MiB",
	};
	struct v3_image_info info = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(why); i++) {
		u64 size = sizeof(img);

		memset(&test_host, 0, sizeof(test_host));
		image_init(V3_IMAGE_PROT32, 0x100000, 0x100000, 0);
		switch (i) {
		case 0:
			size = sizeof(img.h) - 1;
			break;
		case 1:
			size = 0;
			break;
		case 2:
			img.h.magic[7] = 's';
			break;
		case 3:
			img.h.version = 0;
			break;
		case 4:
			img.h.version = 2;
			break;
		case 5:
			img.h.header_size = 32;
			break;
		case 6:
			img.h.header_size = 128;
			break;
		case 7:
			img.h.mode = 3;
			break;
		case 8:
			img.h.nr_vcpus = V3_MAX_VCPUS + 1;
			break;
		case 9:
			img.h.flags = 1;
			break;
		case 10:
			img.h.reserved = 0x80000000;
			break;
		case 11:
			img.h.mem_size = 3 * MiB;
			break;
		case 12:
			img.h.mem_size = V3_MEM_MAX + 2 * MiB;
			break;
		case 13:
			img.h.mem_size = 4096;
			break;
		}
		CHECK(v3_image_check("bad-guest", &img, size, &info) ==
		      -ENOEXEC);
		CHECK(test_host.errors == 1);
		CHECK(test_host_log_lines("guest bad-guest: bad image") == 1);
		CHECK(test_host_log_lines(why[i]) == 1);
		if (case_failed) {
			printf("# bad header %u\n", i);
			return;
		}
	}
	CHECK(info.mem_size == 0 && info.nr_vcpus == 0);
}

static void test_real16(void)
{
	struct v3_boot_state bs;
	u8 zero[0x6000] = { 0 }, buf[0x6000];

	vm_init(4 * MiB);
	image_init(V3_IMAGE_REAL16, 0x7c00, 0x7c00, 0x7000);
	CHECK(load(512, &bs) == 0);
	CHECK(bs.mode == V3_IMAGE_REAL16);
	CHECK(bs.rip == 0x7c00 && bs.rsp == 0x7000);
	CHECK(bs.rdi == 4 * MiB);
	CHECK(!memcmp(v3_gpa_to_hva(&vm.mem, 0x7c00, 512), img.payload, 512));
	CHECK(*(u8 *)v3_gpa_to_hva(&vm.mem, 0x7c00 + 512, 1) == 0);
	/* no tables in real mode (below the payload): it may go anywhere */
	CHECK(v3_mem_read(&vm.mem, 0x1000, buf, sizeof(buf)) == 0);
	CHECK(!memcmp(buf, zero, sizeof(buf)));
	image_init(V3_IMAGE_REAL16, 0x1000, 0x1000, 0x10000);
	CHECK(load(4096, &bs) == 0);
	CHECK(!memcmp(v3_gpa_to_hva(&vm.mem, 0x1000, 4096), img.payload,
		      4096));
	/* entry and stack must be in the first 64 KiB */
	image_init(V3_IMAGE_REAL16, 0x1000, 0x10000, 0x1000);
	CHECK(load(16, &bs) == -ENOEXEC);
	CHECK(test_host_log_lines("above 64 KiB") == 1);
	image_init(V3_IMAGE_REAL16, 0x1000, 0x1000, 0x10001);
	CHECK(load(16, &bs) == -ENOEXEC);
	vm_fini();
}

/* The loader's GDT and page tables, as the guest's CPU reads them. */
static void check_setup(void)
{
	static const u64 gdt[4] = {
		0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
		0x00af9b000000ffffULL,
	};
	struct v3_paging pg = { .cr0 = 0x80000011, .cr3 = V3_IMAGE_PML4_GPA,
				.cr4 = 0x20, .efer = 0x500 };
	const u64 *pml4, *pdpt, *pd;
	u64 buf[4], gpa, gva;
	unsigned int i;

	CHECK(v3_mem_read(&vm.mem, V3_IMAGE_GDT_GPA, buf, sizeof(buf)) == 0);
	CHECK(!memcmp(buf, gdt, sizeof(gdt)));
	/* the selectors name those descriptors: CS32, DS, CS64 */
	CHECK(buf[V3_IMAGE_CS32 / 8] == gdt[1]);
	CHECK(buf[V3_IMAGE_DS / 8] == gdt[2]);
	CHECK(buf[V3_IMAGE_CS64 / 8] == gdt[3]);
	/* flat: base 0, limit 0xfffff pages; L only for CS64, D only not */
	for (i = 1; i < 4; i++) {
		CHECK((buf[i] & 0xffff) == 0xffff);
		CHECK(((buf[i] >> 48) & 0xf) == 0xf);
		CHECK(((buf[i] >> 16) & 0xffffff) == 0 && !(buf[i] >> 56));
		CHECK(!!(buf[i] & (1ULL << 53)) == (i == 3));	/* L */
		CHECK(!!(buf[i] & (1ULL << 54)) == (i != 3));	/* D */
		CHECK(buf[i] & (1ULL << 47));			/* P */
	}

	pml4 = v3_gpa_to_hva(&vm.mem, V3_IMAGE_PML4_GPA, 4096);
	pdpt = v3_gpa_to_hva(&vm.mem, V3_IMAGE_PDPT_GPA, 4096);
	pd = v3_gpa_to_hva(&vm.mem, V3_IMAGE_PD_GPA, 4 * 4096);
	CHECK(pml4[0] == (V3_IMAGE_PDPT_GPA | 3));
	for (i = 1; i < 512; i++)
		CHECK(!pml4[i]);
	for (i = 0; i < 4; i++)
		CHECK(pdpt[i] == ((V3_IMAGE_PD_GPA + i * 4096) | 3));
	for (i = 4; i < 512; i++)
		CHECK(!pdpt[i]);
	for (i = 0; i < 2048; i++)
		CHECK(pd[i] == (((u64)i << 21) | 0x83));
	/* identity, 4 GiB, through the walker of the core */
	for (gva = 0; gva < 4 * GiB; gva += 0x12345 * 4096 + 0x321) {
		CHECK(v3_gva_to_gpa(&vm.mem, &pg, gva, &gpa) == 0);
		CHECK(gpa == gva);
	}
	CHECK(v3_gva_to_gpa(&vm.mem, &pg, 4 * GiB - 1, &gpa) == 0);
	CHECK(gpa == 4 * GiB - 1);
	CHECK(v3_gva_to_gpa(&vm.mem, &pg, 4 * GiB, &gpa) == -ENOENT);
}

static void test_prot32_long64(void)
{
	struct v3_boot_state bs;
	u32 mode;

	for (mode = V3_IMAGE_PROT32; mode <= V3_IMAGE_LONG64; mode++) {
		vm_init(6 * MiB);
		image_init(mode, 0x100000, 0x100010, 0x200000);
		CHECK(load(sizeof(img.payload), &bs) == 0);
		CHECK(bs.mode == mode);
		CHECK(bs.rip == 0x100010 && bs.rsp == 0x200000);
		CHECK(bs.rdi == 6 * MiB && bs.cr3 == V3_IMAGE_PML4_GPA);
		CHECK(!memcmp(v3_gpa_to_hva(&vm.mem, 0x100000,
					    sizeof(img.payload)),
			      img.payload, sizeof(img.payload)));
		check_setup();
		/* payload ending at the end of RAM, across extents */
		image_init(mode, 4 * MiB - 100, 0, 0);
		CHECK(load(sizeof(img.payload), &bs) == 0);
		image_init(mode, 6 * MiB - sizeof(img.payload), 0, 0);
		CHECK(load(sizeof(img.payload), &bs) == 0);
		vm_fini();
	}
}

static void test_refused(void)
{
	static const struct {
		u64 load, len;
		bool ok;
	} cases[] = {
		{ 0x7000, 0x2000, false }, { 0x8000 - 1, 1, false },
		{ 0, 0x1001, false }, { 0x1000, 1, false },
		{ 0, 0x8001, false }, { 0x2000, 16, false },
		{ 0, 0x1000, true }, { 0x8000, 16, true },
		{ 2 * MiB - 16, 16, true }, { 2 * MiB - 15, 16, false },
		{ 2 * MiB, 1, false }, { 3 * GiB, 1, false },
		{ ~0ULL - 7, 16, false }, { 0x10000, 0, true },
	};
	struct v3_boot_state bs;
	unsigned int i;

	vm_init(2 * MiB);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int err;

		image_init(V3_IMAGE_LONG64, cases[i].load, 0, 0);
		err = load(cases[i].len, &bs);
		CHECK(!err == cases[i].ok);
		if (!cases[i].ok && cases[i].load < 0x8000 &&
		    cases[i].load + cases[i].len > 0x1000)
			CHECK(test_host_log_lines("overlaps the loader") == 1);
		else if (!cases[i].ok)
			CHECK(test_host_log_lines("does not fit") == 1);
		if (case_failed) {
			printf("# case %u\n", i);
			break;
		}
	}
	/* a bad header stops the load before it writes anything */
	image_init(V3_IMAGE_LONG64, 0x100000, 0, 0);
	img.h.version = 7;
	vm_fini();
	vm_init(2 * MiB);
	CHECK(load(16, &bs) == -ENOEXEC);
	CHECK(!*(u64 *)v3_gpa_to_hva(&vm.mem, V3_IMAGE_PML4_GPA, 8));
	vm_fini();
}

static void test_tables_outside_ram(void)
{
	/* a map with nothing below 1 MiB: no room for the loader's tables */
	struct v3_mem_extent ext = { 0x100000, 0, 2 * MiB };
	struct v3_boot_state bs;
	u64 hpa;

	vm_init(2 * MiB);
	hpa = vm.mem.extents[0].hpa;
	ext.hpa = hpa;
	vm.mem.extents[0] = ext;
	image_init(V3_IMAGE_PROT32, 0x100000, 0x100000, 0);
	CHECK(load(16, &bs) == -ENOEXEC);
	CHECK(test_host_log_lines("too small for the loader") == 1);
	vm.mem.extents[0].gpa = 0;
	vm_fini();
}

static const struct test_case loader_cases[] = {
	{ "check_header", test_check_header },
	{ "bad_headers", test_bad_headers },
	{ "real16", test_real16 },
	{ "prot32_long64", test_prot32_long64 },
	{ "refused", test_refused },
	{ "tables_outside_ram", test_tables_outside_ram },
};

const struct test_suite loader_suite = {
	.name = "loader",
	.cases = loader_cases,
	.nr = ARRAY_SIZE(loader_cases),
};
