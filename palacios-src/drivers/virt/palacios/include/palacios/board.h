/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The board of a VM: the PC its devices make up (devices/board.c), as the
 * rest of the core sees it.  The VM creates, stops and frees its board and
 * hands it its local APICs' EOIs; it knows no device by name.  The
 * devices themselves and the board's table of them are in
 * <palacios/devices.h>.
 */
#ifndef _PALACIOS_BOARD_H
#define _PALACIOS_BOARD_H

#include <linux/types.h>

struct v3_host_file;
struct v3_host_net;
struct v3_host_chan;
struct v3_vm;

/* The disks a VM may have: one ISA line each (see <palacios/devices.h>) */
#define V3_BOARD_MAX_DISKS	3

/**
 * v3_board_create() - give a VM its board and create its devices
 * @vm: the VM, with its memory and its port and MMIO registries, before
 *      its backend's VM and its vCPUs
 *
 * Each device of the board's table is created in the table's order, and
 * hooks its own ports, MMIO ranges and interrupt lines.
 *
 * Return: 0, or a negative errno; what was created is then freed by
 * v3_board_free().
 */
int v3_board_create(struct v3_vm *vm);

/**
 * v3_board_stop() - stop what a VM's devices hold of the host
 * @vm: the VM, whose vCPUs no longer run
 *
 * The device timers stop and host resources go back, so that a stopped
 * VM raises no host interrupt while it waits to be freed.
 */
void v3_board_stop(struct v3_vm *vm);

/**
 * v3_board_free() - free a VM's devices and its board
 * @vm: the VM; its board may be partly created, or absent
 *
 * The devices are freed in the reverse of the table's order: the timers
 * before the interrupt controllers they drive.
 */
void v3_board_free(struct v3_vm *vm);

/**
 * v3_board_apic_eoi() - a local APIC's EOI of a vector
 * @vm: the VM
 * @vector: the vector
 *
 * Goes to the board's I/O APIC, and on to the EOI notifier of each line
 * whose entry has @vector.
 *
 * Context: any context.
 */
void v3_board_apic_eoi(struct v3_vm *vm, u8 vector);

/**
 * v3_board_cmdline() - what a Linux guest's command line must say of the board
 * @vm: the VM
 * @buf: where to write it, NUL-terminated, ending with a space if not empty
 * @size: the bytes at @buf
 *
 * Return: the length of the text (as snprintf()); it did not fit if it is
 * @size or more.
 */
int v3_board_cmdline(struct v3_vm *vm, char *buf, unsigned int size);

/**
 * v3_vm_add_disk() - give a VM a disk, a virtio block device
 * @vm: the VM, CREATED: a Linux guest learns of its disks from the
 *      command line its loader writes
 * @file: the host's file or block device behind the disk; the VM owns it
 *        from a success on, and gives it back when it is freed
 * @size: its size in bytes
 * @ro: read-only: the guest's writes fail
 *
 * Disk n (from 0) sits at %V3_VIRTIO_MMIO_BASE + (n + 1) windows, on ISA
 * line %V3_VIRTIO_BLK_IRQ0 + n.  A refusal is logged once, rate-limited.
 *
 * Return: 0, -EBUSY if the VM is not CREATED, -ENOSPC past
 * %V3_BOARD_MAX_DISKS disks, -EINVAL for a disk smaller than a sector, or
 * -ENOMEM.
 */
int v3_vm_add_disk(struct v3_vm *vm, struct v3_host_file *file, u64 size,
		   bool ro);

/**
 * v3_vm_add_nic() - give a VM its network device, a virtio NIC
 * @vm: the VM, CREATED: a Linux guest learns of it from the command line
 *      its loader writes
 * @net: the host's network backend behind it; the VM owns it from a
 *       success on, and gives it back when it is freed
 * @mac: its MAC address, unicast; or NULL for a random one (locally
 *       administered)
 *
 * The NIC sits at %V3_VIRTIO_NET_BASE, on ISA line %V3_VIRTIO_NET_IRQ; a
 * VM has one.  A refusal is logged once, rate-limited.
 *
 * Return: 0, -EBUSY if the VM is not CREATED, -EEXIST if it has its NIC,
 * -EINVAL for a multicast @mac, or -ENOMEM.
 */
int v3_vm_add_nic(struct v3_vm *vm, struct v3_host_net *net, const u8 *mac);

/**
 * v3_vm_add_channel() - give a VM its second console, a virtio console
 * @vm: the VM, CREATED: a Linux guest learns of it from the command line
 *      its loader writes (it is /dev/hvc0 there)
 * @chan: the host's byte channel behind it; the VM owns it from a
 *        success on, and gives it back when it is freed
 *
 * The console sits at %V3_VIRTIO_CON_BASE, on ISA line %V3_VIRTIO_CON_IRQ;
 * a VM has one.  A refusal is logged once, rate-limited.
 *
 * Return: 0, -EBUSY if the VM is not CREATED, -EEXIST if it has its
 * console, or -ENOMEM.
 */
int v3_vm_add_channel(struct v3_vm *vm, struct v3_host_chan *chan);

#endif /* _PALACIOS_BOARD_H */
