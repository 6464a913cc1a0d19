/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The devices of a VM's board (devices/board.c): what they are, on which
 * ports and lines, and the table through which the board creates, stops
 * and frees them.  A new device adds its file and one row to the table.
 */
#ifndef _PALACIOS_DEVICES_H
#define _PALACIOS_DEVICES_H

#include <linux/bits.h>
#include <linux/types.h>

#include <palacios/acpi.h>
#include <palacios/board.h>
#include <palacios/i8042.h>
#include <palacios/ioapic.h>
#include <palacios/passthrough.h>
#include <palacios/pic.h>
#include <palacios/pit.h>
#include <palacios/pvclock.h>
#include <palacios/rtc.h>
#include <palacios/uart.h>
#include <palacios/virtio.h>

struct v3_vm;

/* The ISA lines of the board's own devices: PIT, cascade, COM1, RTC, SCI */
#define V3_BOARD_OWN_LINES	(BIT(0) | BIT(2) | BIT(V3_COM1_IRQ) | \
				 BIT(V3_RTC_IRQ) | BIT(V3_ACPI_SCI_IRQ))

/* The ISA line of the virtio entropy device, at %V3_VIRTIO_MMIO_BASE */
#define V3_VIRTIO_RNG_IRQ	12
/*
 * The disks: virtio block devices in the windows after the entropy
 * device's, on the ISA lines from this one on (13, 14 and 15: edge-triggered
 * lines are not shared)
 */
#define V3_VIRTIO_BLK_IRQ0	13
#define V3_BOARD_DISK_LINES	GENMASK(V3_VIRTIO_BLK_IRQ0 +		\
					V3_BOARD_MAX_DISKS - 1,		\
					V3_VIRTIO_BLK_IRQ0)
static_assert(V3_VIRTIO_BLK_IRQ0 + V3_BOARD_MAX_DISKS <= 16);
/* The network device: in the window after the disks', on this line */
#define V3_VIRTIO_NET_IRQ	11
#define V3_VIRTIO_NET_BASE	(V3_VIRTIO_MMIO_BASE +			\
				 (1 + V3_BOARD_MAX_DISKS) * V3_VIRTIO_MMIO_SIZE)
/* The virtio console: in the window after the network device's, on this line */
#define V3_VIRTIO_CON_IRQ	6
#define V3_VIRTIO_CON_BASE	(V3_VIRTIO_NET_BASE + V3_VIRTIO_MMIO_SIZE)
/* The ISA lines of the board's virtio devices */
#define V3_BOARD_VIRTIO_LINES	(BIT(V3_VIRTIO_RNG_IRQ) | V3_BOARD_DISK_LINES | \
				 BIT(V3_VIRTIO_NET_IRQ) | BIT(V3_VIRTIO_CON_IRQ))

/**
 * struct v3_board - the devices of a VM
 * @vm: the VM
 * @pic: the i8259A pair, on ports 0x20 and 0xa0, cascaded on line 2
 * @ioapic: the I/O APIC at %V3_IOAPIC_GPA; ISA line 0 is its pin 2
 * @com1: the 16550A at %V3_COM1_BASE, on line %V3_COM1_IRQ
 * @pit: the i8254, on line 0
 * @rtc: the CMOS clock, on line %V3_RTC_IRQ
 * @acpi: the ACPI PM registers, whose SCI is line %V3_ACPI_SCI_IRQ
 * @kbc: the reset lines of the keyboard controller
 * @post: the last POST code written to port %V3_PORT_POST
 * @eoi_notify: called with the line when the guest ends an interrupt of
 *              an ISA line, at the PIC or the I/O APIC; or NULL
 * @pt: the host devices passed through, filled before the VM starts
 * @nr_pt: their number
 * @pvclock: the paravirtual clock
 * @rng: the virtio entropy device
 * @rng_chain: its chain, taken from its queue
 * @disk: the disks, the first @nr_disks allocated
 * @nr_disks: their number
 * @nic: the network device, or NULL
 * @con: the virtio console, or NULL
 */
struct v3_board {
	struct v3_vm *vm;
	struct v3_pic pic;
	struct v3_ioapic ioapic;
	struct v3_uart com1;
	struct v3_pit pit;
	struct v3_rtc rtc;
	struct v3_acpi acpi;
	struct v3_i8042 kbc;
	u8 post;
	void (*eoi_notify)(struct v3_vm *vm, unsigned int line);
	struct v3_passthrough pt[V3_MAX_PASSTHROUGH];
	unsigned int nr_pt;
	struct v3_pvclock pvclock;
	struct v3_virtio rng;
	struct v3_virtq_chain *rng_chain;
	struct v3_virtio_blk *disk[V3_BOARD_MAX_DISKS];
	unsigned int nr_disks;
	struct v3_virtio_net *nic;
	struct v3_virtio_con *con;
};

/**
 * struct v3_board_dev - one row of the board's table: a device
 * @name: its name, for the log
 * @create: create it and hook its ports, MMIO and lines; on failure, what
 *          it created is left for @free
 * @stop: stop its timers and give back its host resources, or NULL
 * @free: free it, created or not (its part of the board is zeroed
 *        before @create), or NULL
 */
struct v3_board_dev {
	const char *name;
	int (*create)(struct v3_board *b);
	void (*stop)(struct v3_board *b);
	void (*free)(struct v3_board *b);
};

/**
 * v3_board_set_eoi_notifier() - be told of the guest's EOIs of ISA lines
 * @vm: the VM, not yet started
 * @fn: called with the VM and the line, in any context
 *
 * The board has one notifier, for a device whose level line must stay
 * up until the guest has ended its interrupt (a host's, passed through).
 */
void v3_board_set_eoi_notifier(struct v3_vm *vm,
			       void (*fn)(struct v3_vm *vm, unsigned int line));

#endif /* _PALACIOS_DEVICES_H */
