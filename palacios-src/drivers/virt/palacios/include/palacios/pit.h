/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i8254 programmable interval timer of a PC, as a model of the
 * Palacios core: three counters at 1.193182 MHz behind ports 0x40-0x43,
 * and the PC's port 0x61 (system control port B), whose bit 0 gates
 * counter 2 and whose bit 5 reads counter 2's output (the way kernels
 * calibrate their clocks).
 *
 * Counter values are computed from the host's clock (v3_host_time_ns())
 * when the guest reads them, not counted tick by tick; counter 0 drives
 * IRQ 0 through a host timer (v3_host_timer_*()) armed for its next output
 * edge only, so an idle guest costs the host one timer per tick.  Counter
 * 1 (DRAM refresh on old PCs) counts but drives nothing.
 *
 * Modes 0 (interrupt on terminal count), 2 (rate generator) and 3
 * (square wave) are modelled fully; 1, 4 and 5 count and report their
 * output as the data sheet says, for the gates a PC has (counters 0 and 1
 * always gated).  Read-back, latching of count and status, and the LSB,
 * MSB and LSB-then-MSB access modes are supported; BCD counting is not
 * (the BCD bit is kept and read back, the count stays binary).
 *
 * Locking: a spinlock of its own, taken with interrupts disabled; the IRQ
 * callback is called without it.
 */
#ifndef _PALACIOS_PIT_H
#define _PALACIOS_PIT_H

#include <linux/types.h>

struct v3_range_map;
struct v3_spinlock;
struct v3_timer;

#define V3_PIT_HZ	1193182

/**
 * struct v3_pit_counter - the state of one counter
 * @mode: 0 to 5
 * @access: 1 LSB, 2 MSB, 3 LSB then MSB
 * @bcd: the BCD bit, kept for status reads
 * @reload: the count last written (0 means 0x10000)
 * @start_ns: host time the current count started from
 * @armed: a count is loaded and counting (or waiting for its gate)
 * @gate: the gate input
 * @write_msb: the next write is the MSB (access 3)
 * @read_msb: the next read is the MSB (access 3)
 * @latched: @latch holds a latched count
 * @latch: the latched count
 * @status_latched: @status holds a latched status byte
 * @status: the latched status byte
 * @null_count: a count was written and not yet loaded (status bit 6)
 * @out: output level, for modes where it is kept rather than computed
 */
struct v3_pit_counter {
	u8 mode;
	u8 access;
	bool bcd;
	u32 reload;
	u64 start_ns;
	bool armed;
	bool gate;
	bool write_msb;
	bool read_msb;
	bool latched;
	u16 latch;
	bool status_latched;
	u8 status;
	bool null_count;
	bool out;
};

/**
 * struct v3_pit - the timer and port 0x61
 * @ctr: the three counters
 * @lock: serialises everything
 * @timer: the host timer behind counter 0's output
 * @irq: drives IRQ 0, called without @lock held
 * @priv: passed to @irq
 * @port61: the writable bits of port 0x61 (bit 0: gate 2, bit 1:
 *          speaker data)
 * @irq0_level: the level last given to @irq
 * @stopped: v3_pit_stop() was called: the timer stays disarmed
 */
struct v3_pit {
	struct v3_pit_counter ctr[3];
	struct v3_spinlock *lock;
	struct v3_timer *timer;
	void (*irq)(void *priv, bool level);
	void *priv;
	u8 port61;
	bool irq0_level;
	bool stopped;
};

/**
 * v3_pit_init() - create the PIT and hook ports 0x40-0x43 and 0x61
 * @pit: the state to initialise
 * @io: the VM's port registry
 * @irq: drives IRQ 0 (e.g. into the PIC); called in any context, also
 *       from the host timer's interrupt context
 * @priv: passed to @irq
 *
 * Return: 0, -EBUSY if a port is hooked already, or -ENOMEM; nothing is
 * left allocated or hooked on failure.
 */
int v3_pit_init(struct v3_pit *pit, struct v3_range_map *io,
		void (*irq)(void *priv, bool level), void *priv);

/**
 * v3_pit_stop() - stop the timer for good: the VM runs no more
 * @pit: the PIT, or one whose init failed
 *
 * Its interrupts stop with it (a stopped VM is freed at its owner's
 * leisure); the ports still answer.  Not to be called under @pit->lock.
 */
void v3_pit_stop(struct v3_pit *pit);

/**
 * v3_pit_free() - stop the timer, unhook the ports, free everything
 * @pit: the PIT, or one whose init failed
 * @io: the registry given to v3_pit_init()
 */
void v3_pit_free(struct v3_pit *pit, struct v3_range_map *io);

#endif /* _PALACIOS_PIT_H */
