// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the guest loaders: Palacios images
 * (v3_image_check(), v3_image_load()) and Linux bzImages by the boot
 * protocol (v3_linux_load()), on a VM of 64 MiB made once.
 *
 * Structure-aware: the first byte picks the loader.  An image's header
 * comes from the input with its magic and version right most of the time;
 * a bzImage is a well-formed one (as a 6.x kernel's looks) whose setup
 * header fields, size, initrd size and command line the input rewrites.
 * The loaders may reach guest memory only through the memory map's
 * checked accessors, and ASan and UBSan watch what they do with the input;
 * a kernel the bzImage loader accepts must start inside guest memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/board.h>
#include <palacios/bzimage.h>
#include <palacios/guest.h>
#include <palacios/image.h>
#include <palacios/mem.h>

#include "../test_host.h"

/* The Makefile names this LLVMFuzzerTestOneInput, libFuzzer's entry */
int fuzz_one_input(const u8 *data, size_t size);

#define MEM		(64ULL << 20)
#define KMAX		(256 << 10)	/* the largest bzImage made */
#define RDMAX		(64 << 10)	/* the largest initrd */
#define SETUP_SECTS	4

static struct v3_vm vm;
static u8 kernel[KMAX], initrd[RDMAX], image[KMAX];
static char cmdline[4200];

struct input {
	const u8 *data;
	size_t left;
};

/*
 * v3_vm_load_linux(), in core/bzimage.c beside v3_linux_load(), needs these
 * of core/vm.c; the harness never calls it, and links no VM life cycle.
 */
enum v3_vm_state v3_vm_state(const struct v3_vm *v)
{
	abort();
}

void v3_vm_loaded(struct v3_vm *v)
{
	abort();
}

/*
 * The board of this harness's VM, which has none: the text of a board
 * with one virtio device, so that the loader's sums of lengths include it.
 */
int v3_board_cmdline(struct v3_vm *vm, char *buf, unsigned int size)
{
	return snprintf(buf, size, "virtio_mmio.device=4K@0xd0000000:12 ");
}

static u64 take(struct input *in, unsigned int n)
{
	u64 v = 0;

	while (n-- && in->left) {
		v = v << 8 | *in->data++;
		in->left--;
	}
	return v;
}

static void vm_once(void)
{
	if (vm.mem.size)
		return;
	snprintf(vm.name, sizeof(vm.name), "fz");
	vm.nr_vcpus = 1;
	if (v3_mem_map_init(&vm.mem, MEM))
		abort();
}

/*
 * Where a kernel the bzImage loader placed starts, and its page tables,
 * lie inside guest memory.  (An image's entry point is the image's choice:
 * one outside RAM stops its guest, not the loader.)
 */
static void check_boot(const struct v3_boot_state *bs)
{
	if (bs->rip >= MEM || bs->cr3 >= MEM)
		abort();
}

static void fuzz_image(struct input *in)
{
	struct v3_image_header *h = (struct v3_image_header *)image;
	struct v3_image_info info;
	struct v3_boot_state bs;
	size_t size = in->left > sizeof(image) ? sizeof(image) : in->left;
	u8 fix = size ? in->data[0] : 0;

	memcpy(image, in->data, size);
	if (size >= sizeof(*h)) {
		if (fix & 1)
			memcpy(h->magic, V3_IMAGE_MAGIC, sizeof(h->magic));
		if (fix & 2)
			h->version = V3_IMAGE_VERSION;
		if (fix & 4)
			h->header_size = sizeof(*h);
	}
	if (v3_image_check(vm.name, image, size, &info))
		return;
	memset(&bs, 0, sizeof(bs));
	v3_image_load(&vm, image, size, &bs);
}

/* A bzImage as a 6.x kernel's looks (see test_bzimage.c) */
static void kernel_init(void)
{
	memset(kernel, 0, sizeof(kernel));
	kernel[0x1f1] = SETUP_SECTS;
	kernel[0x1fe] = 0x55;
	kernel[0x1ff] = 0xaa;
	kernel[0x200] = 0xeb;
	kernel[0x201] = 0x6a;
	memcpy(kernel + 0x202, "HdrS", 4);
	kernel[0x206] = 0x0f;
	kernel[0x207] = 0x02;
	kernel[0x211] = 0x01;
	memcpy(kernel + 0x22c, "\xff\xff\xff\x7f", 4);	/* initrd_addr_max */
	kernel[0x232] = 0x20;				/* 2 MiB alignment */
	kernel[0x234] = 1;
	kernel[0x236] = 3;
	kernel[0x238] = 0xff;				/* cmdline_size */
	kernel[0x239] = 0x07;
	kernel[0x25a] = 0x00;
	kernel[0x25b] = 0x01;				/* pref 16 MiB */
	kernel[0x262] = 0x40;				/* init_size 4 MiB */
}

static void fuzz_bzimage(struct input *in)
{
	/* fields of the setup header: offset, width */
	static const struct { u16 off; u8 len; } fields[] = {
		{ 0x1f1, 1 }, { 0x206, 2 }, { 0x211, 1 }, { 0x22c, 4 },
		{ 0x230, 4 }, { 0x234, 1 }, { 0x236, 2 }, { 0x238, 4 },
		{ 0x258, 8 }, { 0x260, 4 }, { 0x202, 4 }, { 0x1fe, 2 },
	};
	struct v3_boot_state bs;
	u64 ksize, isize, v;
	unsigned int n, i, f, clen;

	kernel_init();
	n = take(in, 1) % 8;
	for (i = 0; i < n; i++) {
		f = take(in, 1) % ARRAY_SIZE(fields);
		v = take(in, fields[f].len);
		memcpy(kernel + fields[f].off, &v, fields[f].len);
	}
	ksize = take(in, 3) % (KMAX + 1);
	isize = take(in, 2) % (RDMAX + 1);
	clen = take(in, 2) % sizeof(cmdline);
	memset(cmdline, 'a', clen);
	cmdline[clen] = '\0';
	/* the rest of the input is the kernel's payload */
	if (in->left && ksize > 0x1000)
		memcpy(kernel + 0x1000, in->data,
		       in->left < ksize - 0x1000 ? in->left : ksize - 0x1000);
	memset(&bs, 0, sizeof(bs));
	if (!v3_linux_load(&vm, kernel, ksize, isize ? initrd : NULL, isize,
			   clen & 1 ? cmdline : NULL, &bs))
		check_boot(&bs);
}

int fuzz_one_input(const u8 *data, size_t size)
{
	struct input in = { data, size };

	vm_once();
	if (take(&in, 1) & 1)
		fuzz_bzimage(&in);
	else
		fuzz_image(&in);
	return 0;
}
