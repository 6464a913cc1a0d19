/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i8259A programmable interrupt controller pair of a PC, as a model of
 * the Palacios core: a master at ports 0x20-0x21 with a slave at
 * 0xa0-0xa1 cascaded on its IRQ 2, and the edge/level control registers
 * at 0x4d0-0x4d1 (ELCR).
 *
 * Devices drive the sixteen IRQ lines with v3_pic_set_irq(); the backend
 * asks v3_pic_pending() before entering the guest and acknowledges with
 * v3_pic_ack() when it injects the interrupt (the INTA cycle).  The owner
 * is told through a callback when the PIC's output to the CPU rises, so
 * that it can wake or kick the vCPU.
 *
 * Locking: a spinlock of its own, taken with interrupts disabled, so that
 * lines can be driven from timer callbacks; the callback is called without
 * it.
 */
#ifndef _PALACIOS_PIC_H
#define _PALACIOS_PIC_H

#include <linux/types.h>

struct v3_range_map;
struct v3_spinlock;

#define V3_PIC_NR_IRQS	16

/**
 * struct v3_pic_chip - the state of one 8259A
 * @irr: interrupt request register
 * @isr: in-service register
 * @imr: interrupt mask register
 * @lines: the level of each input line
 * @elcr: level-triggered inputs (ELCR)
 * @vector_base: ICW2, the vector of IR0
 * @init_step: the next ICW expected (0: none)
 * @icw4_needed: ICW1 asked for an ICW4
 * @auto_eoi: AEOI mode (ICW4)
 * @special_mask: special mask mode (OCW3)
 * @read_isr: reading the command port gives ISR, else IRR (OCW3)
 * @poll: the next read of the command port is a poll (OCW3)
 * @rotate_on_aeoi: rotate priorities on automatic EOI
 * @lowest: the IR with the lowest priority (priority rotation)
 * @sfnm: special fully nested mode (ICW4)
 */
struct v3_pic_chip {
	u8 irr;
	u8 isr;
	u8 imr;
	u8 lines;
	u8 elcr;
	u8 vector_base;
	u8 init_step;
	bool icw4_needed;
	bool auto_eoi;
	bool special_mask;
	bool read_isr;
	bool poll;
	bool rotate_on_aeoi;
	u8 lowest;
	bool sfnm;
};

/**
 * struct v3_pic - the master and slave of a PC
 * @chip: [0] the master, [1] the slave
 * @lock: serialises everything
 * @output: the level of the master's INT output last computed
 * @notify: called when the output rises, without @lock held
 * @eoi: if set by the owner, called for each line (0 to 15) whose
 *       in-service bit an EOI command cleared, without @lock held
 * @priv: passed to @notify and @eoi
 * @spurious: INTA cycles that found nothing to deliver
 */
struct v3_pic {
	struct v3_pic_chip chip[2];
	struct v3_spinlock *lock;
	bool output;
	void (*notify)(void *priv);
	void (*eoi)(void *priv, unsigned int irq);
	void *priv;
	unsigned long spurious;
};

/**
 * v3_pic_init() - create the PIC pair and hook its ports
 * @pic: the state to initialise
 * @io: the VM's port registry
 * @notify: called (in any context) when an interrupt becomes pending for
 *          the CPU, or NULL
 * @priv: passed to @notify
 *
 * The PICs start as after a reset: every line masked, not initialised
 * (vectors 0x08 and 0x70, as a BIOS would leave them, until the guest
 * programs them).
 *
 * Return: 0, -EBUSY if a port is hooked already, or -ENOMEM; nothing is
 * left allocated or hooked on failure.
 */
int v3_pic_init(struct v3_pic *pic, struct v3_range_map *io,
		void (*notify)(void *priv), void *priv);

/**
 * v3_pic_free() - unhook the ports and free the lock
 * @pic: the PIC, or one whose init failed
 * @io: the registry given to v3_pic_init()
 */
void v3_pic_free(struct v3_pic *pic, struct v3_range_map *io);

/**
 * v3_pic_set_irq() - drive an IRQ line
 * @pic: the PIC
 * @irq: 0 to 15
 * @level: the line's new level
 *
 * An edge-triggered input latches a request on a rising edge; a
 * level-triggered one (ELCR) requests while the line is high.
 *
 * Context: any context.
 */
void v3_pic_set_irq(struct v3_pic *pic, unsigned int irq, bool level);

/**
 * v3_pic_pending() - whether the PIC asks the CPU for an interrupt
 * @pic: the PIC
 *
 * Return: true if its INT output is high.
 *
 * Context: any context.
 */
bool v3_pic_pending(struct v3_pic *pic);

/**
 * v3_pic_ack() - the CPU's interrupt acknowledge cycle
 * @pic: the PIC
 *
 * Moves the highest-priority request to in-service (or, in automatic EOI
 * mode, just clears it) and returns its vector; with nothing to deliver,
 * returns the spurious vector of IR7 of the master (or of the slave, for a
 * request that vanished on the slave) as the chip does.
 *
 * Return: the vector to inject.
 *
 * Context: any context.
 */
u8 v3_pic_ack(struct v3_pic *pic);

#endif /* _PALACIOS_PIC_H */
