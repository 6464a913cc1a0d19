/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A UART model of the Palacios core.
 *
 * The model hooks its eight ports in a VM's port registry.  What the guest
 * transmits goes to a sink the VM's owner chooses (the kernel log for the
 * boot-time guest, a console for user space); what the host sends goes
 * into the receive FIFO, where the guest reads it.
 *
 * Locking: the guest's port accesses (from a vCPU thread) and the host's
 * input (from any thread) are serialised by the model's spinlock; the sink
 * is called with the lock held, so it must not sleep or call back into the
 * model.
 *
 * What the model does and does not do:
 *
 * - Transmission is instant: each byte written to THR goes to the sink at
 *   once, so LSR.THRE and LSR.TEMT are always set, and a transmitter-empty
 *   interrupt follows every write to THR (when IER enables it).
 * - The receive FIFO holds 16 bytes with the FIFOs enabled (FCR bit 0), one
 *   byte (the 16450's RBR) without.  The host's input never overruns it:
 *   v3_uart_input() takes what fits and the caller keeps the rest.  Only
 *   the loopback path can overrun (LSR.OE), as on the chip.
 * - The receiver trigger level and the character timeout are not modelled:
 *   a receive interrupt is pending whenever the FIFO holds data.  Parity,
 *   framing errors and breaks never happen.
 * - In loopback (MCR bit 4) THR feeds the receive FIFO, MSR's upper nibble
 *   shows DTR, RTS, OUT1 and OUT2 as DSR, CTS, RI and DCD, and the host's
 *   input is held off.  Out of loopback the modem inputs read as DCD, DSR
 *   and CTS asserted (a null-modem cable to a ready peer), RI not.
 * - The interrupt line is wired as on a PC: it is driven only while
 *   MCR.OUT2 is set and the UART is not in loopback (the chip forces its
 *   OUT2 pin inactive there).
 * - An access wider than a byte acts as byte accesses to the consecutive
 *   ports, lowest first, as an ISA or LPC bus splits it for an 8-bit device.
 */
#ifndef _PALACIOS_UART_H
#define _PALACIOS_UART_H

#include <linux/types.h>

struct v3_range_map;
struct v3_spinlock;

#define V3_UART_FIFO_SIZE	16
#define V3_COM1_BASE		0x3f8
#define V3_COM1_IRQ		4

/**
 * typedef v3_uart_sink_t - where a UART's output goes
 * @priv: the cookie given to v3_uart_init()
 * @buf: the bytes the guest transmitted
 * @len: their number, at least 1
 *
 * Context: the thread of the vCPU that wrote, which may sleep; calls are
 * serialised (by the UART's @tx_lock), in the order of the writes, and no
 * spinlock is held.
 */
typedef void (*v3_uart_sink_t)(void *priv, const u8 *buf, unsigned int len);

/**
 * typedef v3_uart_irq_t - the UART's interrupt line changed level
 * @priv: the cookie given to v3_uart_init()
 * @level: true when the UART asserts its interrupt
 *
 * Context: as v3_uart_sink_t.  The line follows the 16550A's rules
 * (IER, IIR, MCR.OUT2); interrupt controllers come later, so a VM may pass
 * NULL.
 */
typedef void (*v3_uart_irq_t)(void *priv, bool level);

/**
 * struct v3_uart - the state of one 16550A
 * @base: its first I/O port
 * @lock: serialises guest and host accesses
 * @tx_lock: serialises the guest's writes with their calls of @sink, which
 *           are made without @lock (a sink may log or sleep)
 * @tx: the bytes a write transmitted, for @sink once @lock is dropped
 * @tx_len: bytes in @tx
 * @sink: receives the guest's output
 * @irq: told of interrupt level changes, or NULL
 * @priv: passed to @sink and @irq
 * @rx: the receive FIFO (a ring)
 * @rx_head: index of the oldest byte in @rx
 * @rx_count: bytes in @rx
 * @dll: divisor latch, low byte
 * @dlm: divisor latch, high byte
 * @ier: interrupt enable register
 * @fcr: the FIFO control bits that stick (enable, DMA mode, trigger level);
 *       0 while the FIFOs are disabled
 * @lcr: line control register
 * @mcr: modem control register (bits 0-4)
 * @lsr: the line status bits the model keeps (OE); DR follows @rx_count,
 *       THRE and TEMT are always set
 * @msr: modem status register: the inputs and their delta bits
 * @scr: scratch register
 * @thr_irq: a transmitter-empty interrupt is pending (cleared by reading IIR
 *           while it is the one identified, or by disabling it in IER)
 * @irq_level: the level last reported through @irq
 * @overruns: bytes looped back while @rx was full, and so lost (the host's
 *            input never overruns)
 */
struct v3_uart {
	u16 base;
	struct v3_spinlock *lock;
	struct v3_mutex *tx_lock;
	u8 tx[4];
	unsigned int tx_len;
	v3_uart_sink_t sink;
	v3_uart_irq_t irq;
	void *priv;
	u8 rx[V3_UART_FIFO_SIZE];
	unsigned int rx_head;
	unsigned int rx_count;
	u8 dll, dlm, ier, fcr, lcr, mcr, lsr, msr, scr;
	bool thr_irq;
	bool irq_level;
	unsigned long overruns;
};

/**
 * v3_uart_init() - create a UART and hook its ports
 * @uart: the state to initialise
 * @io: the VM's port registry
 * @base: the first of its eight ports (e.g. %V3_COM1_BASE)
 * @sink: receives what the guest transmits, or NULL to discard it
 * @irq: told of interrupt level changes, or NULL
 * @priv: passed to @sink and @irq
 *
 * The UART starts as after a reset: FIFOs disabled, no interrupt enabled,
 * the line deasserted.  On failure nothing is left allocated or hooked.
 *
 * Return: 0, -EINVAL if the eight ports pass 0xffff, -EBUSY if a port is
 * hooked already, or -ENOMEM.
 */
int v3_uart_init(struct v3_uart *uart, struct v3_range_map *io, u16 base,
		 v3_uart_sink_t sink, v3_uart_irq_t irq, void *priv);

/**
 * v3_uart_free() - unhook a UART's ports and free its lock
 * @uart: the UART
 * @io: the registry given to v3_uart_init()
 *
 * Does nothing for a UART whose v3_uart_init() failed or that is freed
 * already.
 */
void v3_uart_free(struct v3_uart *uart, struct v3_range_map *io);

/**
 * v3_uart_input() - send bytes from the host to the guest
 * @uart: the UART
 * @buf: the bytes
 * @len: their number
 *
 * Context: any context.
 * Return: how many bytes fit in the receive FIFO (none in loopback, where
 * the chip's serial input is disconnected); the caller keeps the rest
 * and retries once the guest has read some (see v3_uart_rx_room()).
 */
unsigned int v3_uart_input(struct v3_uart *uart, const u8 *buf,
			   unsigned int len);

/**
 * v3_uart_rx_room() - free space in the receive FIFO
 * @uart: the UART
 *
 * Context: any context.
 * Return: how many bytes v3_uart_input() would take now.
 */
unsigned int v3_uart_rx_room(struct v3_uart *uart);

#endif /* _PALACIOS_UART_H */
