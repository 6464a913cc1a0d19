// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: a 16550A UART.
 *
 * The registers follow the National Semiconductor PC16550D data sheet; what
 * the model leaves out is listed in <palacios/uart.h>.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/uart.h>

#define V3_UART_NR_PORTS	8

/* Register offsets (DLL and DLM while LCR.DLAB is set) */
#define UART_RBR	0	/* read: receive buffer */
#define UART_THR	0	/* write: transmit holding */
#define UART_DLL	0
#define UART_IER	1
#define UART_DLM	1
#define UART_IIR	2	/* read: interrupt identification */
#define UART_FCR	2	/* write: FIFO control */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		BIT(0)	/* received data available */
#define IER_THRI	BIT(1)	/* transmit holding register empty */
#define IER_RLSI	BIT(2)	/* receiver line status */
#define IER_MSI		BIT(3)	/* modem status */
#define IER_MASK	0x0f

/* IIR identification codes, highest priority first */
#define IIR_NO_INT	0x01
#define IIR_RLSI	0x06
#define IIR_RDI		0x04
#define IIR_THRI	0x02
#define IIR_MSI		0x00
#define IIR_FIFOS	0xc0	/* both FIFO bits: the FIFOs are enabled */

#define FCR_ENABLE	BIT(0)
#define FCR_CLEAR_RX	BIT(1)
#define FCR_CLEAR_TX	BIT(2)
#define FCR_KEEP	0xc9	/* enable, DMA mode and trigger level */

#define LCR_DLAB	BIT(7)

#define MCR_DTR		BIT(0)
#define MCR_RTS		BIT(1)
#define MCR_OUT1	BIT(2)
#define MCR_OUT2	BIT(3)
#define MCR_LOOP	BIT(4)
#define MCR_MASK	0x1f

#define LSR_DR		BIT(0)
#define LSR_OE		BIT(1)
#define LSR_THRE	BIT(5)
#define LSR_TEMT	BIT(6)

#define MSR_DCTS	BIT(0)
#define MSR_DDSR	BIT(1)
#define MSR_TERI	BIT(2)
#define MSR_DDCD	BIT(3)
#define MSR_DELTAS	0x0f
#define MSR_CTS		BIT(4)
#define MSR_DSR		BIT(5)
#define MSR_RI		BIT(6)
#define MSR_DCD		BIT(7)

/* The modem inputs out of loopback: a ready peer on a null-modem cable */
#define MSR_IDLE_INPUTS	(MSR_DCD | MSR_DSR | MSR_CTS)

/* Divisor 12 (9600 baud at 1.8432 MHz), what PC firmware programs */
#define UART_RESET_DIVISOR	12

static unsigned int uart_rx_capacity(const struct v3_uart *uart)
{
	return uart->fcr & FCR_ENABLE ? V3_UART_FIFO_SIZE : 1;
}

static unsigned int uart_rx_room(const struct v3_uart *uart)
{
	if (uart->mcr & MCR_LOOP)
		return 0;
	return uart_rx_capacity(uart) - uart->rx_count;
}

static void uart_rx_clear(struct v3_uart *uart)
{
	uart->rx_head = 0;
	uart->rx_count = 0;
}

static void uart_rx_push(struct v3_uart *uart, u8 val)
{
	unsigned int tail = (uart->rx_head + uart->rx_count) %
			    V3_UART_FIFO_SIZE;

	uart->rx[tail] = val;
	uart->rx_count++;
}

/* An empty FIFO reads as 0: the model keeps no stale RBR. */
static u8 uart_rx_pop(struct v3_uart *uart)
{
	u8 val;

	if (!uart->rx_count)
		return 0;
	val = uart->rx[uart->rx_head];
	uart->rx_head = (uart->rx_head + 1) % V3_UART_FIFO_SIZE;
	uart->rx_count--;
	return val;
}

/* The highest-priority pending interrupt, as IIR bits 0-3. */
static u8 uart_iir_id(const struct v3_uart *uart)
{
	if ((uart->ier & IER_RLSI) && (uart->lsr & LSR_OE))
		return IIR_RLSI;
	if ((uart->ier & IER_RDI) && uart->rx_count)
		return IIR_RDI;
	if ((uart->ier & IER_THRI) && uart->thr_irq)
		return IIR_THRI;
	if ((uart->ier & IER_MSI) && (uart->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

/*
 * Recompute the interrupt line and report a change.  On a PC the chip's
 * OUT2 pin enables the line's driver; in loopback the chip holds that pin
 * inactive, so the line is off there too.
 */
static void uart_update_irq(struct v3_uart *uart)
{
	bool level = uart_iir_id(uart) != IIR_NO_INT &&
		     (uart->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	if (level == uart->irq_level)
		return;
	uart->irq_level = level;
	if (uart->irq)
		uart->irq(uart->priv, level);
}

/* Set the modem inputs (MSR bits 4-7) and the delta bits they cause. */
static void uart_set_modem_inputs(struct v3_uart *uart, u8 inputs)
{
	u8 old = uart->msr & ~MSR_DELTAS;
	u8 changed = old ^ inputs;
	u8 deltas = uart->msr & MSR_DELTAS;

	if (changed & MSR_CTS)
		deltas |= MSR_DCTS;
	if (changed & MSR_DSR)
		deltas |= MSR_DDSR;
	if ((old & MSR_RI) && !(inputs & MSR_RI))
		deltas |= MSR_TERI;	/* trailing edge only */
	if (changed & MSR_DCD)
		deltas |= MSR_DDCD;
	uart->msr = inputs | deltas;
}

/* What the modem inputs read for the current MCR. */
static u8 uart_modem_inputs(const struct v3_uart *uart)
{
	u8 mcr = uart->mcr;
	u8 inputs = 0;

	if (!(mcr & MCR_LOOP))
		return MSR_IDLE_INPUTS;
	if (mcr & MCR_DTR)
		inputs |= MSR_DSR;
	if (mcr & MCR_RTS)
		inputs |= MSR_CTS;
	if (mcr & MCR_OUT1)
		inputs |= MSR_RI;
	if (mcr & MCR_OUT2)
		inputs |= MSR_DCD;
	return inputs;
}

static void uart_write_thr(struct v3_uart *uart, u8 val)
{
	if (uart->mcr & MCR_LOOP) {
		if (uart->rx_count < uart_rx_capacity(uart)) {
			uart_rx_push(uart, val);
		} else {
			uart->lsr |= LSR_OE;
			uart->overruns++;
		}
	} else if (uart->sink && uart->tx_len < sizeof(uart->tx)) {
		/* an access is at most 4 bytes: @tx never overflows */
		uart->tx[uart->tx_len++] = val;
	}
	/* Sent at once: the holding register is empty again. */
	uart->thr_irq = uart->ier & IER_THRI;
}

static void uart_write_ier(struct v3_uart *uart, u8 val)
{
	u8 old = uart->ier;

	uart->ier = val & IER_MASK;
	/* Enabling THRI with THR empty raises the interrupt at once. */
	if ((uart->ier & IER_THRI) && !(old & IER_THRI))
		uart->thr_irq = true;
	else if (!(uart->ier & IER_THRI))
		uart->thr_irq = false;
}

static void uart_write_fcr(struct v3_uart *uart, u8 val)
{
	/* Switching between FIFO and 16450 mode empties the FIFOs. */
	if ((val ^ uart->fcr) & FCR_ENABLE)
		uart_rx_clear(uart);
	/* The other bits are programmed only together with bit 0. */
	if (!(val & FCR_ENABLE)) {
		uart->fcr = 0;
		return;
	}
	if (val & FCR_CLEAR_RX)
		uart_rx_clear(uart);
	/* FCR_CLEAR_TX: the transmitter FIFO is always empty. */
	uart->fcr = val & FCR_KEEP;
}

static void uart_write(struct v3_uart *uart, unsigned int reg, u8 val)
{
	bool dlab = uart->lcr & LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			uart->dll = val;
		else
			uart_write_thr(uart, val);
		break;
	case UART_IER:
		if (dlab)
			uart->dlm = val;
		else
			uart_write_ier(uart, val);
		break;
	case UART_FCR:
		uart_write_fcr(uart, val);
		break;
	case UART_LCR:
		uart->lcr = val;
		break;
	case UART_MCR:
		uart->mcr = val & MCR_MASK;
		uart_set_modem_inputs(uart, uart_modem_inputs(uart));
		break;
	case UART_SCR:
		uart->scr = val;
		break;
	default:
		/* LSR and MSR: writes are for factory testing; ignored. */
		break;
	}
}

static u8 uart_read_iir(struct v3_uart *uart)
{
	u8 id = uart_iir_id(uart);

	/* Identifying the THRE interrupt is what acknowledges it. */
	if (id == IIR_THRI)
		uart->thr_irq = false;
	return id | (uart->fcr & FCR_ENABLE ? IIR_FIFOS : 0);
}

static u8 uart_read(struct v3_uart *uart, unsigned int reg)
{
	bool dlab = uart->lcr & LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RBR:
		return dlab ? uart->dll : uart_rx_pop(uart);
	case UART_IER:
		return dlab ? uart->dlm : uart->ier;
	case UART_IIR:
		return uart_read_iir(uart);
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		val = uart->lsr | LSR_THRE | LSR_TEMT;
		if (uart->rx_count)
			val |= LSR_DR;
		uart->lsr &= ~LSR_OE;	/* reading LSR clears the errors */
		return val;
	case UART_MSR:
		val = uart->msr;
		uart->msr &= ~MSR_DELTAS;
		return val;
	default:
		return uart->scr;
	}
}

/*
 * The port handler.  A wide access acts as byte accesses to consecutive
 * ports, lowest first; the registry only passes accesses wholly inside the
 * eight ports.
 */
static int uart_access(u64 addr, void *data, unsigned int len, bool write,
		       void *priv)
{
	struct v3_uart *uart = priv;
	unsigned int i, ntx = 0;
	unsigned long flags;
	u8 *bytes = data;
	u8 tx[4];

	/* Writes keep their order through the sink, called without @lock. */
	if (write)
		v3_host_mutex_lock(uart->tx_lock);
	flags = v3_host_spin_lock_irqsave(uart->lock);
	for (i = 0; i < len; i++) {
		unsigned int reg = (addr + i - uart->base) %
				   V3_UART_NR_PORTS;

		if (write)
			uart_write(uart, reg, bytes[i]);
		else
			bytes[i] = uart_read(uart, reg);
		uart_update_irq(uart);
	}
	if (uart->tx_len) {
		ntx = uart->tx_len;
		memcpy(tx, uart->tx, ntx);
		uart->tx_len = 0;
	}
	v3_host_spin_unlock_irqrestore(uart->lock, flags);
	if (write) {
		if (ntx)
			uart->sink(uart->priv, tx, ntx);
		v3_host_mutex_unlock(uart->tx_lock);
	}
	return 0;
}

int v3_uart_init(struct v3_uart *uart, struct v3_range_map *io, u16 base,
		 v3_uart_sink_t sink, v3_uart_irq_t irq, void *priv)
{
	int err;

	memset(uart, 0, sizeof(*uart));
	uart->base = base;
	uart->sink = sink;
	uart->irq = irq;
	uart->priv = priv;
	uart->dll = UART_RESET_DIVISOR;
	uart->msr = MSR_IDLE_INPUTS;

	uart->lock = v3_host_spinlock_alloc();
	if (!uart->lock)
		return -ENOMEM;
	uart->tx_lock = v3_host_mutex_alloc();
	if (!uart->tx_lock) {
		err = -ENOMEM;
		goto fail;
	}
	err = v3_range_hook(io, base, (u64)base + V3_UART_NR_PORTS - 1,
			    uart_access, uart);
	if (err) {
		v3_err("uart: cannot hook ports %#x-%#x: %d\n", base,
		       base + V3_UART_NR_PORTS - 1, err);
		goto fail;
	}
	return 0;
fail:
	if (uart->tx_lock)
		v3_host_mutex_free(uart->tx_lock);
	uart->tx_lock = NULL;
	v3_host_spinlock_free(uart->lock);
	uart->lock = NULL;
	return err;
}

void v3_uart_free(struct v3_uart *uart, struct v3_range_map *io)
{
	/* Init failed, or freed already: the ports may be another's now. */
	if (!uart->lock)
		return;
	v3_range_unhook(io, uart->base);
	v3_host_mutex_free(uart->tx_lock);
	uart->tx_lock = NULL;
	v3_host_spinlock_free(uart->lock);
	uart->lock = NULL;
}

unsigned int v3_uart_input(struct v3_uart *uart, const u8 *buf,
			   unsigned int len)
{
	unsigned long flags;
	unsigned int i, n;

	flags = v3_host_spin_lock_irqsave(uart->lock);
	n = uart_rx_room(uart);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		uart_rx_push(uart, buf[i]);
	uart_update_irq(uart);
	v3_host_spin_unlock_irqrestore(uart->lock, flags);
	return n;
}

unsigned int v3_uart_rx_room(struct v3_uart *uart)
{
	unsigned long flags;
	unsigned int room;

	flags = v3_host_spin_lock_irqsave(uart->lock);
	room = uart_rx_room(uart);
	v3_host_spin_unlock_irqrestore(uart->lock, flags);
	return room;
}
