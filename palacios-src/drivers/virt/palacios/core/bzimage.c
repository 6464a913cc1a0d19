// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: starting a Linux bzImage by the 64-bit x86 boot protocol
 * (Documentation/arch/x86/boot.rst), as a boot loader would.
 *
 * Guest-physical layout:
 *
 *   0x1000   GDT: __BOOT_CS (0x10, 64-bit code), __BOOT_DS (0x18)
 *   0x2000   identity page tables of the first 4 GiB (as for images)
 *   0x8000   the zero page (struct boot_params)
 *   0x20000  the command line
 *   0xe0000  the ACPI tables (in the reserved hole below 1 MiB)
 *   load     the protected-mode kernel: pref_address, else 16 MiB
 *   top      the initrd, as high as initrd_addr_max and memory allow
 *
 * The fields of struct boot_params are written at their offsets, as the
 * protocol defines them, rather than through the kernel's own structure,
 * so that the core does not depend on the host's headers.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/unaligned.h>

#include <palacios/acpi.h>
#include <palacios/board.h>
#include <palacios/bzimage.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/log.h>
#include <palacios/mem.h>

/* struct boot_params, outside the setup header */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128	/* entries in the table */
#define BP_SIZE			0x1000

/* The setup header (struct setup_header), at 0x1f1 in the image too */
#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200	/* its second byte: the header's length */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MIN		0x264	/* protocol 2.12 has init_size */

#define BOOT_FLAG		0xaa55
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define PROTOCOL_MIN		0x020c		/* 2.12: xloadflags */
#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x01
#define XLF_CAN_BE_LOADED_ABOVE_4G	0x02
#define LOADER_UNDEFINED	0xff

#define E820_RAM		1
#define E820_RESERVED		2

#define V3_LINUX_CS		0x10
#define V3_LINUX_DS		0x18
#define V3_LINUX_ZERO_PAGE	0x8000
#define V3_LINUX_CMDLINE	0x20000
#define V3_LINUX_CMDLINE_END	0x30000
/* The board's devices on the command line (virtio_mmio.device=...) */
#define V3_LINUX_DEVS_MAX	256
#define V3_LINUX_LOW_RAM_END	0x9f000
#define V3_LINUX_HIGH_RAM	0x100000
#define V3_LINUX_LOAD_ADDR	0x1000000	/* 16 MiB, if relocatable */
#define V3_LINUX_INITRD_MAX	0x37ffffff	/* before initrd_addr_max */
#define V3_LINUX_ENTRY64	0x200

static int v3_linux_bad(const char *name, const char *why)
{
	v3_err_ratelimited("guest %s: cannot boot the kernel: %s\n", name, why);
	return -ENOEXEC;
}

static void v3_e820_add(u8 *bp, u64 addr, u64 size, u32 type)
{
	unsigned int n = bp[BP_E820_ENTRIES];
	unsigned int off = BP_E820_TABLE + n * 20;

	if (n >= BP_E820_MAX)
		return;
	put_unaligned_le64(addr, bp + off);
	put_unaligned_le64(size, bp + off + 8);
	put_unaligned_le32(type, bp + off + 16);
	bp[BP_E820_ENTRIES] = n + 1;
}

/*
 * The e820 map from the memory map: the low 640 KiB, the BIOS area
 * reserved, then the guest's RAM from 1 MiB up, one entry per contiguous
 * run (below the 3 GiB hole, and from 4 GiB up).
 */
static void v3_linux_e820(u8 *bp, const struct v3_mem_map *map)
{
	u64 start = 0, end = 0, s, e;
	unsigned long i;

	v3_e820_add(bp, 0, V3_LINUX_LOW_RAM_END, E820_RAM);
	v3_e820_add(bp, V3_LINUX_LOW_RAM_END,
		    V3_LINUX_HIGH_RAM - V3_LINUX_LOW_RAM_END, E820_RESERVED);
	for (i = 0; i < map->nr_extents; i++) {
		s = map->extents[i].gpa;
		e = s + map->extents[i].size;
		if (s < V3_LINUX_HIGH_RAM)
			s = V3_LINUX_HIGH_RAM;
		if (e <= s)
			continue;
		if (s != end) {
			if (end > start)
				v3_e820_add(bp, start, end - start, E820_RAM);
			start = s;
		}
		end = e;
	}
	if (end > start)
		v3_e820_add(bp, start, end - start, E820_RAM);
}

/* Where the kernel goes: its preferred address, else 16 MiB if it can. */
static int v3_linux_place(const u8 *k, u64 mem, u64 init_size, u64 *load)
{
	u64 pref = get_unaligned_le64(k + HDR_PREF_ADDRESS);
	u64 align = get_unaligned_le32(k + HDR_KERNEL_ALIGNMENT);

	/* pref comes from the image: no sum that can wrap */
	if (pref >= V3_LINUX_HIGH_RAM && init_size <= mem &&
	    pref <= mem - init_size) {
		*load = pref;
		return 0;
	}
	if (!k[HDR_RELOCATABLE])
		return -1;
	if (!align || align & (align - 1))
		align = V3_MEM_ALIGN;
	*load = (V3_LINUX_LOAD_ADDR + align - 1) & ~(align - 1);
	return *load + init_size <= mem ? 0 : -1;
}

int v3_linux_load(struct v3_vm *vm, const void *kernel, u64 ksize,
		  const void *initrd, u64 isize, const char *cmdline,
		  struct v3_boot_state *bs)
{
	static const u64 gdt[4] = { 0, 0, V3_GDT_CODE64, V3_GDT_DATA };
	u64 mem = vm->mem.size, ram_end, setup, init_size, load;
	u64 initrd_gpa = 0, top, rsdp;
	const char *name = vm->name;
	const u8 *k = kernel;
	unsigned int hdr_end, version;
	size_t cmdlen = cmdline ? strlen(cmdline) : 0;
	char devs[V3_LINUX_DEVS_MAX];
	int devlen;
	u8 *bp;
	int err;

	/* The setup header */
	if (ksize < HDR_END_MIN ||
	    get_unaligned_le16(k + HDR_BOOT_FLAG) != BOOT_FLAG ||
	    get_unaligned_le32(k + HDR_MAGIC) != HDRS_MAGIC)
		return v3_linux_bad(name, "not a bzImage (no boot sector or HdrS)");
	version = get_unaligned_le16(k + HDR_VERSION);
	if (version < PROTOCOL_MIN)
		return v3_linux_bad(name, "boot protocol older than 2.12");
	if (!(k[HDR_LOADFLAGS] & LOADED_HIGH))
		return v3_linux_bad(name, "not a bzImage (zImage loaded low)");
	if (!(get_unaligned_le16(k + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return v3_linux_bad(name, "no 64-bit entry point");
	hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
	setup = ((u64)(k[HDR_SETUP_SECTS] ? : 4) + 1) * 512;
	if (hdr_end < HDR_END_MIN || hdr_end > setup || setup >= ksize)
		return v3_linux_bad(name, "bad setup header size");
	init_size = get_unaligned_le32(k + HDR_INIT_SIZE);
	if (init_size < ksize - setup)
		init_size = ksize - setup;

	/* Where everything goes */
	/* the kernel and initrd go in the RAM below the hole */
	ram_end = mem < V3_MEM_HOLE_START ? mem : V3_MEM_HOLE_START;
	if (v3_linux_place(k, ram_end, init_size, &load))
		return v3_linux_bad(name, "the kernel does not fit in guest memory");
	/* the board's devices the kernel cannot find, then the user's line */
	devlen = v3_board_cmdline(vm, devs, sizeof(devs));
	if (devlen < 0 || devlen >= (int)sizeof(devs))
		return v3_linux_bad(name, "too many devices for the command line");
	if (devlen + cmdlen > get_unaligned_le32(k + HDR_CMDLINE_SIZE) ||
	    V3_LINUX_CMDLINE + devlen + cmdlen >= V3_LINUX_CMDLINE_END)
		return v3_linux_bad(name, "command line too long for this kernel");
	if (isize) {
		u64 max = get_unaligned_le32(k + HDR_INITRD_ADDR_MAX) ? : V3_LINUX_INITRD_MAX;

		top = max + 1 < ram_end ? max + 1 : ram_end;
		if (get_unaligned_le16(k + HDR_XLOADFLAGS) & XLF_CAN_BE_LOADED_ABOVE_4G)
			top = ram_end;
		initrd_gpa = (top - isize) & ~(u64)(V3_PAGE_SIZE - 1);
		if (isize > top || initrd_gpa < load + init_size)
			return v3_linux_bad(name, "the initrd does not fit in guest memory");
	}

	/* The zero page: the image's setup header, and what a loader says */
	bp = v3_gpa_to_hva(&vm->mem, V3_LINUX_ZERO_PAGE, BP_SIZE);
	if (!bp || mem < V3_LINUX_CMDLINE_END)
		return v3_linux_bad(name, "guest memory too small");
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, k + HDR_START, hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put_unaligned_le32(V3_LINUX_CMDLINE, bp + HDR_CMD_LINE_PTR);
	put_unaligned_le32(0, bp + BP_EXT_CMD_LINE_PTR);
	put_unaligned_le32((u32)initrd_gpa, bp + HDR_RAMDISK_IMAGE);
	put_unaligned_le32(initrd_gpa >> 32, bp + BP_EXT_RAMDISK_IMAGE);
	put_unaligned_le32((u32)isize, bp + HDR_RAMDISK_SIZE);
	put_unaligned_le32(isize >> 32, bp + BP_EXT_RAMDISK_SIZE);
	v3_linux_e820(bp, &vm->mem);
	put_unaligned_le16(BOOT_FLAG, bp + HDR_BOOT_FLAG);

	/* Command line, kernel, initrd, tables */
	if (v3_mem_write(&vm->mem, V3_LINUX_CMDLINE, devs, devlen) ||
	    v3_mem_write(&vm->mem, V3_LINUX_CMDLINE + devlen, cmdline ? : "",
			 cmdlen + 1) ||
	    v3_mem_write(&vm->mem, load, k + setup, ksize - setup) ||
	    (isize && v3_mem_write(&vm->mem, initrd_gpa, initrd, isize)))
		return v3_linux_bad(name, "guest memory too small");
	err = v3_image_tables(&vm->mem, gdt);
	if (!err)
		err = v3_acpi_tables(&vm->mem, vm->nr_vcpus, &rsdp);
	if (err)
		return v3_linux_bad(name, "guest memory too small");
	put_unaligned_le64(rsdp, bp + BP_ACPI_RSDP_ADDR);

	memset(bs, 0, sizeof(*bs));
	bs->mode = V3_IMAGE_LONG64;
	bs->rip = load + V3_LINUX_ENTRY64;
	bs->rsi = V3_LINUX_ZERO_PAGE;
	bs->rsp = V3_LINUX_ZERO_PAGE;
	bs->cr3 = V3_IMAGE_PML4_GPA;
	bs->cs = V3_LINUX_CS;
	bs->ds = V3_LINUX_DS;
	v3_info("vm %s: Linux kernel, boot protocol %u.%02u, at 0x%llx (%llu of %llu KiB); initrd of %llu KiB at 0x%llx; command line of %zu bytes\n",
		name, version >> 8, version & 0xff,
		load, (ksize - setup) >> 10, init_size >> 10, isize >> 10,
		initrd_gpa, cmdlen);
	return 0;
}

int v3_vm_load_linux(struct v3_vm *vm, const void *kernel, u64 ksize,
		     const void *initrd, u64 isize, const char *cmdline)
{
	int err;

	v3_host_mutex_lock(vm->lock);
	if (v3_vm_state(vm) != V3_VM_CREATED) {
		err = -EBUSY;
	} else {
		err = v3_linux_load(vm, kernel, ksize, initrd, isize, cmdline,
				    &vm->boot);
		if (!err)
			v3_vm_loaded(vm);
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}
