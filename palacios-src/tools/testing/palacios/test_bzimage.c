// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the Linux loader: a bzImage laid out in guest memory by
 * the 64-bit x86 boot protocol.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/acpi.h>
#include <palacios/bzimage.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/mem.h>

#include "test_host.h"
#include "tests.h"

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PM_SIZE		(64 * 1024)
#define KSIZE		(SETUP_SIZE + PM_SIZE)
#define INIT_SIZE	(4 * MiB)
#define ZERO_PAGE	0x8000
#define CMDLINE		0x20000

static u8 kernel[KSIZE];
static u8 initrd[8192];
static struct v3_vm vm;

static void put16(u8 *p, unsigned int off, u16 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put32(u8 *p, unsigned int off, u32 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(u8 *p, unsigned int off, u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static u32 get32(const u8 *p, unsigned int off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u64 get64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* A bzImage as a 6.x kernel's looks, with a recognisable payload. */
static void kernel_init(void)
{
	unsigned int i;

	memset(kernel, 0, sizeof(kernel));
	kernel[0x1f1] = SETUP_SECTS;
	put16(kernel, 0x1fe, 0xaa55);
	kernel[0x200] = 0xeb;			/* jmp */
	kernel[0x201] = 0x6a;			/* header up to 0x26c */
	put32(kernel, 0x202, 0x53726448);	/* "HdrS" */
	put16(kernel, 0x206, 0x020f);
	kernel[0x211] = 0x01;			/* LOADED_HIGH */
	put32(kernel, 0x22c, 0x7fffffff);	/* initrd_addr_max */
	put32(kernel, 0x230, 2 * MiB);		/* kernel_alignment */
	kernel[0x234] = 1;			/* relocatable */
	put16(kernel, 0x236, 0x0003);		/* KERNEL_64, above 4G */
	put32(kernel, 0x238, 2047);		/* cmdline_size */
	put64(kernel, 0x258, 16 * MiB);		/* pref_address */
	put32(kernel, 0x260, INIT_SIZE);
	for (i = SETUP_SIZE; i < KSIZE; i++)
		kernel[i] = i * 13 + 5;
	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = i * 3 + 1;
}

static void vm_init(u64 mem)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "lnx");
	vm.nr_vcpus = 1;
	CHECK(v3_mem_map_init(&vm.mem, mem) == 0);
}

static void vm_fini(void)
{
	v3_mem_map_free(&vm.mem);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static const u8 *gpa(u64 addr, u64 len)
{
	const u8 *p = v3_gpa_to_hva(&vm.mem, addr, len);

	CHECK(p);
	return p;
}

static void test_layout(void)
{
	static const char cmd[] = "console=ttyS0 root=/dev/ram0";
	struct v3_boot_state bs;
	const u8 *bp, *e820;
	u64 initrd_gpa;

	kernel_init();
	vm_init(64 * MiB);
	CHECK(v3_linux_load(&vm, kernel, sizeof(kernel), initrd,
			    sizeof(initrd), cmd, &bs) == 0);
	CHECK(test_host.errors == 0);
	CHECK(test_host_log_lines("vm lnx: Linux kernel, boot protocol 2.15, at 0x1000000") == 1);

	/* The entry of the 64-bit boot protocol */
	CHECK(bs.mode == V3_IMAGE_LONG64);
	CHECK(bs.rip == 16 * MiB + 0x200);
	CHECK(bs.rsi == ZERO_PAGE);
	CHECK(bs.cs == 0x10 && bs.ds == 0x18);
	CHECK(bs.cr3 == V3_IMAGE_PML4_GPA);
	CHECK(get64(gpa(V3_IMAGE_GDT_GPA, 32), 0x10) == V3_GDT_CODE64);
	CHECK(get64(gpa(V3_IMAGE_GDT_GPA, 32), 0x18) == V3_GDT_DATA);

	/* The protected-mode kernel at its preferred address */
	CHECK(!memcmp(gpa(16 * MiB, PM_SIZE), kernel + SETUP_SIZE, PM_SIZE));

	/* The zero page */
	bp = gpa(ZERO_PAGE, 4096);
	CHECK(!memcmp(bp + 0x1f1, kernel + 0x1f1, 0x210 - 0x1f1));
	CHECK(bp[0x210] == 0xff);			/* type_of_loader */
	CHECK(get32(bp, 0x228) == CMDLINE);
	CHECK(!strcmp((const char *)gpa(CMDLINE, sizeof(cmd)), cmd));
	CHECK(get32(bp, 0x0c8) == 0);
	CHECK(get32(bp, 0x21c) == sizeof(initrd));
	initrd_gpa = get32(bp, 0x218) | (u64)get32(bp, 0x0c0) << 32;
	CHECK(initrd_gpa == 64 * MiB - sizeof(initrd));
	CHECK(initrd_gpa % 4096 == 0);
	CHECK(!memcmp(gpa(initrd_gpa, sizeof(initrd)), initrd,
		      sizeof(initrd)));
	CHECK(bp[0x26c] == 0);				/* past the header */
	/* acpi_rsdp_addr, and the RSDP there */
	CHECK(get64(bp, 0x070) == V3_ACPI_TABLES_GPA);
	CHECK(!memcmp(gpa(V3_ACPI_TABLES_GPA, 8), "RSD PTR ", 8));

	/* e820: low RAM, the legacy hole, RAM from 1 MiB to the end */
	CHECK(bp[0x1e8] == 3);
	e820 = bp + 0x2d0;
	CHECK(get64(e820, 0) == 0 && get64(e820, 8) == 0x9f000 &&
	      get32(e820, 16) == 1);
	CHECK(get64(e820, 20) == 0x9f000 && get64(e820, 28) == 0x61000 &&
	      get32(e820, 36) == 2);
	CHECK(get64(e820, 40) == MiB && get64(e820, 48) == 63 * MiB &&
	      get32(e820, 56) == 1);
	vm_fini();
}

/* No initrd, no command line; a preferred address beyond memory. */
static void test_relocate(void)
{
	struct v3_boot_state bs;
	const u8 *bp;

	kernel_init();
	put64(kernel, 0x258, 1 * GiB);
	vm_init(32 * MiB);
	CHECK(v3_linux_load(&vm, kernel, sizeof(kernel), NULL, 0, NULL,
			    &bs) == 0);
	CHECK(bs.rip == 16 * MiB + 0x200);
	bp = gpa(ZERO_PAGE, 4096);
	CHECK(get32(bp, 0x218) == 0 && get32(bp, 0x21c) == 0);
	CHECK(*gpa(CMDLINE, 1) == '\0');
	CHECK(get64(bp + 0x2d0, 48) == 31 * MiB);
	vm_fini();

	/* a preferred address whose sum with init_size wraps: relocated */
	kernel_init();
	put64(kernel, 0x258, ~0ULL - 4096 + 1);
	vm_init(32 * MiB);
	CHECK(v3_linux_load(&vm, kernel, sizeof(kernel), NULL, 0, NULL,
			    &bs) == 0);
	CHECK(bs.rip == 16 * MiB + 0x200);
	vm_fini();

	/* not relocatable: it must go where it wants, or nowhere */
	kernel[0x234] = 0;
	vm_init(32 * MiB);
	CHECK(v3_linux_load(&vm, kernel, sizeof(kernel), NULL, 0, NULL,
			    &bs) == -ENOEXEC);
	CHECK(test_host_log_lines("cannot boot the kernel: the kernel does not fit") == 1);
	vm_fini();
}

static void test_refused(void)
{
	static const char * const why[] = {
		"not a bzImage (no boot sector", "not a bzImage (no boot sector",
		"not a bzImage (no boot sector", "boot protocol older than 2.12",
		"not a bzImage (zImage loaded low)", "no 64-bit entry point",
		"bad setup header size", "bad setup header size",
		"command line too long", "the initrd does not fit",
		"the kernel does not fit",
	};
	char cmd[64];
	unsigned int i;

	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	for (i = 0; i < ARRAY_SIZE(why); i++) {
		u64 ksize = sizeof(kernel), isize = sizeof(initrd);
		struct v3_boot_state bs;

		kernel_init();
		switch (i) {
		case 0:
			ksize = 0x200;
			break;
		case 1:
			put16(kernel, 0x1fe, 0x55aa);
			break;
		case 2:
			kernel[0x202] = 'h';
			break;
		case 3:
			put16(kernel, 0x206, 0x020b);
			break;
		case 4:
			kernel[0x211] = 0;
			break;
		case 5:
			put16(kernel, 0x236, 0x0002);
			break;
		case 6:
			kernel[0x201] = 0x10;
			break;
		case 7:
			ksize = SETUP_SIZE;
			break;
		case 8:
			put32(kernel, 0x238, sizeof(cmd) - 2);
			break;
		case 9:
			isize = 60 * MiB;
			break;
		case 10:
			put32(kernel, 0x260, 64 * MiB);
			break;
		}
		vm_init(64 * MiB);
		CHECK(v3_linux_load(&vm, kernel, ksize,
				    isize > sizeof(initrd) ? NULL : initrd,
				    isize, cmd, &bs) == -ENOEXEC);
		CHECK(test_host.errors == 1);
		CHECK(test_host_log_lines("guest lnx: cannot boot the kernel: ") == 1);
		CHECK(test_host_log_lines(why[i]) == 1);
		if (case_failed) {
			printf("# refusal %u\n", i);
			vm_fini();
			return;
		}
		vm_fini();
	}
}

/*
 * Guests of 4 GiB and of 3 GiB + 2 MiB: their e820 maps hold the RAM the
 * memory map has, none in the hole from 3 to 4 GiB, and the initrd stays
 * below the hole.
 */
static void test_e820_high(void)
{
	static const u64 sizes[] = { 4 * GiB, 3 * GiB + 2 * MiB };
	const u8 *bp, *e820;
	struct v3_boot_state bs;
	u64 initrd_gpa;
	unsigned int i;

	kernel_init();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		vm_init(sizes[i]);
		CHECK(v3_linux_load(&vm, kernel, sizeof(kernel), initrd,
				    sizeof(initrd), "", &bs) == 0);
		bp = gpa(ZERO_PAGE, 4096);
		e820 = bp + 0x2d0;
		CHECK(bp[0x1e8] == 4);
		CHECK(get64(e820, 0) == 0 && get64(e820, 8) == 0x9f000 &&
		      get32(e820, 16) == 1);
		CHECK(get64(e820, 20) == 0x9f000 && get32(e820, 36) == 2);
		CHECK(get64(e820, 40) == MiB &&
		      get64(e820, 48) == 3 * GiB - MiB && get32(e820, 56) == 1);
		CHECK(get64(e820, 60) == 4 * GiB &&
		      get64(e820, 68) == sizes[i] - 3 * GiB &&
		      get32(e820, 76) == 1);
		initrd_gpa = get32(bp, 0x218) | (u64)get32(bp, 0x0c0) << 32;
		CHECK(initrd_gpa + sizeof(initrd) <= 3 * GiB);
		CHECK(!memcmp(gpa(initrd_gpa, sizeof(initrd)), initrd,
			      sizeof(initrd)));
		if (case_failed)
			printf("# guest of %llu MiB\n",
			       (unsigned long long)(sizes[i] / MiB));
		vm_fini();
		if (case_failed)
			return;
	}
}

static const struct test_case linux_cases[] = {
	{ "layout", test_layout },
	{ "relocate", test_relocate },
	{ "refused", test_refused },
	{ "e820_high", test_e820_high },
};

const struct test_suite linux_suite = {
	.name = "linux",
	.cases = linux_cases,
	.nr = ARRAY_SIZE(linux_cases),
};
