/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Palacios guest image format, and the guest's view of the VMM.
 *
 * An image is a 64-byte header followed by a payload that the loader copies
 * to guest-physical address @load_gpa.  The vCPU starts at @entry in the
 * mode the header names, with the state the loader sets up (see
 * Documentation/virt/palacios/image.rst).  All fields are little-endian.
 */
#ifndef _PALACIOS_IMAGE_H
#define _PALACIOS_IMAGE_H

#include <linux/types.h>

#define V3_IMAGE_MAGIC		"PALACIOS"
#define V3_IMAGE_VERSION	1

/**
 * enum v3_image_mode - the mode the first vCPU starts in
 * @V3_IMAGE_REAL16: real mode; all segments are 0, IP is @entry (below
 *                   64 KiB), SP is @stack
 * @V3_IMAGE_PROT32: 32-bit protected mode, flat 4 GiB segments, paging off
 * @V3_IMAGE_LONG64: 64-bit mode, flat segments, the first 4 GiB identity
 *                   mapped with 2 MiB pages
 */
enum v3_image_mode {
	V3_IMAGE_REAL16 = 0,
	V3_IMAGE_PROT32 = 1,
	V3_IMAGE_LONG64 = 2,
};

/*
 * In PROT32 and LONG64 mode the loader puts its GDT and page tables in the
 * guest-physical range [V3_IMAGE_SETUP_START, V3_IMAGE_SETUP_END); the
 * payload must not overlap it.
 */
#define V3_IMAGE_SETUP_START	0x1000
#define V3_IMAGE_SETUP_END	0x8000
#define V3_IMAGE_GDT_GPA	0x1000
#define V3_IMAGE_PML4_GPA	0x2000
#define V3_IMAGE_PDPT_GPA	0x3000
#define V3_IMAGE_PD_GPA		0x4000	/* four pages: 4 GiB of 2 MiB pages */

/* GDT selectors the loader sets up */
#define V3_IMAGE_CS32		0x08
#define V3_IMAGE_DS		0x10
#define V3_IMAGE_CS64		0x18

/**
 * struct v3_image_header - the first 64 bytes of an image
 * @magic: "PALACIOS", not NUL-terminated
 * @version: %V3_IMAGE_VERSION
 * @header_size: bytes before the payload: 64 for version 1
 * @mode: an enum v3_image_mode
 * @nr_vcpus: vCPUs the guest wants; 0 means 1
 * @mem_size: guest memory in bytes, a multiple of 2 MiB; 0 means the
 *            loader's default; the host may override it
 * @load_gpa: where the payload is copied
 * @entry: the first instruction executed (RIP)
 * @stack: the initial stack pointer (RSP)
 * @flags: 0
 * @reserved: 0
 *
 * At entry, RDI holds the guest's memory size in bytes (EDI its low 32 bits
 * in REAL16 and PROT32 mode); all other general-purpose registers are 0.
 */
struct v3_image_header {
	u8 magic[8];
	__le32 version;
	__le32 header_size;
	__le32 mode;
	__le32 nr_vcpus;
	__le64 mem_size;
	__le64 load_gpa;
	__le64 entry;
	__le64 stack;
	__le32 flags;
	__le32 reserved;
};

/*
 * Hypercalls: VMMCALL with the number in RAX and arguments in RBX, RCX,
 * RDX; the result comes back in RAX.  An unknown number returns
 * -V3_HCALL_ENOSYS.
 */
#define V3_HCALL_EXIT		0	/* stop the VM; RBX is the exit code */
#define V3_HCALL_NOP		1	/* do nothing; returns 0 */
#define V3_HCALL_ENOSYS		38

/* Ports of the core's own small devices */
#define V3_PORT_POST		0x80	/* POST code: written, ignored, counted */

#endif /* _PALACIOS_IMAGE_H */
