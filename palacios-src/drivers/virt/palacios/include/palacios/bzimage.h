/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Booting a Linux bzImage in a Palacios VM, by the 64-bit x86 boot
 * protocol (Documentation/arch/x86/boot.rst).
 */
#ifndef _PALACIOS_BZIMAGE_H
#define _PALACIOS_BZIMAGE_H

#include <linux/types.h>

struct v3_boot_state;
struct v3_vm;

/**
 * v3_vm_load_linux() - load a Linux bzImage into a CREATED VM
 * @vm: the VM
 * @kernel: the bzImage
 * @ksize: its size in bytes
 * @initrd: the initrd, or NULL
 * @isize: its size in bytes, 0 without one
 * @cmdline: the kernel command line, NUL-terminated, or NULL
 *
 * vCPU 0 then starts at the kernel's 64-bit entry point, as the x86 boot
 * protocol (Documentation/arch/x86/boot.rst) says.
 *
 * Return: 0, -EBUSY if @vm is not CREATED, or -ENOEXEC if the kernel is
 * not a bzImage this loader can start, or it, its initrd or its command
 * line do not fit (the reason is logged).
 */
int v3_vm_load_linux(struct v3_vm *vm, const void *kernel, u64 ksize,
		     const void *initrd, u64 isize, const char *cmdline);

/**
 * v3_linux_load() - lay out a Linux bzImage in a VM's memory
 * @vm: the VM, CREATED
 * @kernel: the bzImage
 * @ksize: its size
 * @initrd: the initrd, or NULL
 * @isize: its size
 * @cmdline: the command line, NUL-terminated, or NULL
 * @bs: how vCPU 0 must start, on success
 *
 * Return: 0, or -ENOEXEC with the reason logged.
 */
int v3_linux_load(struct v3_vm *vm, const void *kernel, u64 ksize,
		  const void *initrd, u64 isize, const char *cmdline,
		  struct v3_boot_state *bs);

#endif /* _PALACIOS_BZIMAGE_H */
