/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O APIC of a PC (Intel 82093AA), as a model of the Palacios core:
 * 24 interrupt pins, each routed by its redirection table entry to an
 * interrupt message (struct v3_apic_msg) on the APIC bus, which the owner
 * gives to the local APICs it targets (see <palacios/lapic.h>).  Its
 * registers are reached through IOREGSEL (offset 0x00) and IOWIN (0x10)
 * of a page at %V3_IOAPIC_GPA.
 *
 * An edge-triggered pin sends a message on each rising edge of its line
 * while unmasked; an edge while masked is lost.  A level-triggered pin
 * sends one while its line is asserted, unmasked and its remote IRR clear,
 * and sets its remote IRR; the local APIC's EOI of the vector
 * (v3_ioapic_eoi()) clears it, and a pin still asserted then sends again.
 * Unmasking an asserted level-triggered pin sends at once.  Only fixed and
 * lowest-priority pins are level-triggered in this sense: an SMI, NMI,
 * INIT or ExtINT pin, for which the data sheet requires edge triggering,
 * sends on rising edges whatever its trigger bit says, and a pin in a
 * reserved delivery mode (3 and 6) sends nothing.
 *
 * Not modelled: the polarity bit is kept and read back but not applied,
 * since the VMM's devices report their lines' assertion, not their
 * electrical level (see v3_ioapic_set_irq()); the delivery status bit
 * reads 0, since delivery is immediate; the ID is 4 bits wide (bits 24-27)
 * as on the 82093AA, and the arbitration register reads it back; the
 * pin assertion register of later I/O APICs and the EOI register of
 * version 0x20 are not provided.
 *
 * Locking: a spinlock of its own, taken with interrupts disabled, so that
 * every function may be called in any context (a device's IRQ may come
 * from a host timer); the send callback is called without it.
 */
#ifndef _PALACIOS_IOAPIC_H
#define _PALACIOS_IOAPIC_H

#include <linux/types.h>

#include <palacios/lapic.h>

struct v3_spinlock;

#define V3_IOAPIC_GPA		0xfec00000ULL
#define V3_IOAPIC_PINS		24
#define V3_IOAPIC_SIZE		0x1000		/* the page it decodes */
#define V3_IOAPIC_ID		0		/* a VM's only I/O APIC */

/**
 * struct v3_ioapic_ops - what the I/O APIC asks of its owner
 * @send: route @msg to the local APICs it targets; called without the
 *        lock, in any context; may be NULL
 * @eoi: the guest ended the vector of @pin (see v3_ioapic_eoi()); called
 *       without the lock; may be NULL
 */
struct v3_ioapic_ops {
	void (*send)(void *priv, const struct v3_apic_msg *msg);
	void (*eoi)(void *priv, unsigned int pin);
};

/**
 * struct v3_ioapic - the I/O APIC
 * @id: the I/O APIC ID (register 0, bits 24-27)
 * @ioregsel: the register IOWIN reaches
 * @redir: the redirection table entries, remote IRR (bit 14) included
 * @lines: the asserted lines, a bit per pin
 * @lock: serialises everything
 * @ops: the owner's callbacks
 * @priv: passed to the callbacks
 */
struct v3_ioapic {
	u8 id;
	u8 ioregsel;
	u64 redir[V3_IOAPIC_PINS];
	u32 lines;
	struct v3_spinlock *lock;
	const struct v3_ioapic_ops *ops;
	void *priv;
};

/**
 * v3_ioapic_init() - create the I/O APIC
 * @io: the state to initialise
 * @id: its ID; only bits 0-3 are kept
 * @ops: the owner's callbacks, or NULL for none; kept, not copied
 * @priv: passed to the callbacks
 *
 * Every redirection entry starts masked, every line deasserted.
 *
 * Return: 0 or -ENOMEM; nothing is left allocated on failure.
 */
int v3_ioapic_init(struct v3_ioapic *io, u8 id,
		   const struct v3_ioapic_ops *ops, void *priv);

/**
 * v3_ioapic_free() - free everything
 * @io: the I/O APIC, or one whose init failed
 *
 * Context: process context.
 */
void v3_ioapic_free(struct v3_ioapic *io);

/**
 * v3_ioapic_access() - a guest access to the I/O APIC's page
 * @io: the I/O APIC
 * @offset: offset in the page
 * @data: the value to write, or where to read to
 * @len: size of the access in bytes
 * @write: the access is a write
 *
 * IOREGSEL is at offset 0x00 and IOWIN at 0x10, both reached by 32-bit
 * accesses only; other accesses read 0 and ignore writes, as do
 * registers that do not exist.  A write of a redirection entry may send a
 * message.
 *
 * Context: any context.
 * Return: 0.
 */
int v3_ioapic_access(struct v3_ioapic *io, u32 offset, void *data,
		     unsigned int len, bool write);

/**
 * v3_ioapic_set_irq() - a device's interrupt line changes
 * @io: the I/O APIC
 * @pin: the pin; pins from %V3_IOAPIC_PINS on are ignored
 * @level: whether the line is asserted (the polarity bit is not applied)
 *
 * Context: any context.
 */
void v3_ioapic_set_irq(struct v3_ioapic *io, unsigned int pin, bool level);

/**
 * v3_ioapic_eoi() - a local APIC's EOI of a vector
 * @io: the I/O APIC
 * @vector: the vector
 *
 * Clears the remote IRR of the level-triggered pins of @vector; those
 * still asserted and unmasked send again.
 *
 * Then tells @ops->eoi of each pin whose entry has @vector, of either
 * trigger mode.
 *
 * Context: any context.
 */
void v3_ioapic_eoi(struct v3_ioapic *io, u8 vector);

#endif /* _PALACIOS_IOAPIC_H */
