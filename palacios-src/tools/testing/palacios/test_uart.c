// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the 16550A UART model.  The guest's side is driven only
 * through the port registry, as the exit path drives it, and the host's
 * side through v3_uart_input().
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/uart.h>

#include "test_host.h"
#include "tests.h"

/* Register offsets and bits, spelled as Linux's serial_reg.h does */
#define RX	0
#define TX	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define EFR	2	/* with LCR 0xbf, on chips that have one */
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
#define IIR_NO_INT	0x01
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define LCR_DLAB	0x80
#define LCR_WLEN8	0x03
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

struct uart_env {
	struct v3_range_map io;
	struct v3_uart uart;
	long objects;
	u8 out[256];
	unsigned int out_len;
	int sink_calls;
	bool level;
	int irq_calls;
};

static void env_sink(void *priv, const u8 *buf, unsigned int len)
{
	struct uart_env *env = priv;

	env->sink_calls++;
	CHECK(len >= 1);
	if (env->out_len + len <= sizeof(env->out)) {
		memcpy(env->out + env->out_len, buf, len);
		env->out_len += len;
	}
}

static void env_irq(void *priv, bool level)
{
	struct uart_env *env = priv;

	/* only changes are reported */
	CHECK(level != env->level);
	env->level = level;
	env->irq_calls++;
}

static void env_init(struct uart_env *env)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	v3_io_map_init(&env->io);
	CHECK(v3_uart_init(&env->uart, &env->io, V3_COM1_BASE, env_sink,
			   env_irq, env) == 0);
	env->objects = test_host.objects;
}

static void env_free(struct uart_env *env)
{
	v3_uart_free(&env->uart, &env->io);
	v3_range_map_free(&env->io);
	CHECK(test_host.objects == 0);
}

static u8 inb(struct uart_env *env, unsigned int reg)
{
	u8 val = 0x5a;

	CHECK(v3_range_dispatch(&env->io, V3_COM1_BASE + reg, &val, 1,
				false) == 0);
	return val;
}

static void outb(struct uart_env *env, unsigned int reg, u8 val)
{
	CHECK(v3_range_dispatch(&env->io, V3_COM1_BASE + reg, &val, 1,
				true) == 0);
}

static void test_reset_state(void)
{
	struct uart_env env;

	env_init(&env);
	CHECK(inb(&env, IER) == 0);
	CHECK(inb(&env, IIR) == IIR_NO_INT);
	CHECK(inb(&env, LCR) == 0);
	CHECK(inb(&env, MCR) == 0);
	CHECK(inb(&env, LSR) == (LSR_THRE | LSR_TEMT));
	CHECK(inb(&env, MSR) == 0xb0);	/* DCD, DSR, CTS; no deltas */
	CHECK(inb(&env, RX) == 0);	/* empty */
	CHECK(v3_uart_rx_room(&env.uart) == 1);	/* 16450 mode */
	CHECK(!env.level && env.irq_calls == 0 && env.sink_calls == 0);
	/* all eight ports and only those are hooked */
	CHECK(v3_range_find(&env.io, V3_COM1_BASE, 8));
	CHECK(!v3_range_find(&env.io, V3_COM1_BASE - 1, 1));
	CHECK(!v3_range_find(&env.io, V3_COM1_BASE + 8, 1));
	CHECK(test_host.errors == 0);
	env_free(&env);
}

/* What Linux's 8250 driver does to find and set up a port */
static void test_linux_probe(void)
{
	struct uart_env env;
	u8 save_ier, save_mcr, iir;

	env_init(&env);
	/* autoconfig(): IER keeps bits 0-3 and reads 0 above */
	save_ier = inb(&env, IER);
	outb(&env, IER, 0);
	CHECK((inb(&env, IER) & 0x0f) == 0);
	outb(&env, IER, 0xff);
	CHECK(inb(&env, IER) == 0x0f);
	outb(&env, IER, save_ier);
	/* the loopback test: RTS and OUT2 come back as CTS and DCD */
	save_mcr = inb(&env, MCR);
	outb(&env, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	CHECK((inb(&env, MSR) & 0xf0) == 0x90);
	outb(&env, MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
	CHECK((inb(&env, MSR) & 0xf0) == 0x60);	/* DSR, RI */
	outb(&env, MCR, save_mcr);
	/* no EFR: with LCR 0xbf port 2 is still FCR/IIR */
	outb(&env, LCR, 0xbf);
	outb(&env, EFR, 0);
	outb(&env, LCR, 0);
	outb(&env, FCR, FCR_ENABLE);
	iir = inb(&env, IIR);
	CHECK(iir >> 6 == 3);		/* 16550A */
	outb(&env, LCR, 0xbf);
	CHECK(inb(&env, EFR) != 0);	/* not a 16650 */
	outb(&env, LCR, 0);
	/* not a 16750: no 64-byte FIFO bit in IIR, with or without DLAB */
	outb(&env, FCR, FCR_ENABLE | 0x20);
	CHECK((inb(&env, IIR) & 0xe0) == 0xc0);
	outb(&env, LCR, LCR_DLAB);
	outb(&env, FCR, FCR_ENABLE | 0x20);
	CHECK((inb(&env, IIR) & 0xe0) == 0xc0);
	outb(&env, LCR, 0);
	/* scratch register */
	outb(&env, SCR, 0x55);
	CHECK(inb(&env, SCR) == 0x55);
	outb(&env, SCR, 0xaa);
	CHECK(inb(&env, SCR) == 0xaa);
	/* set_termios: 115200 baud (divisor 1), 8N1 */
	outb(&env, LCR, LCR_DLAB | LCR_WLEN8);
	outb(&env, DLL, 0x01);
	outb(&env, DLM, 0x00);
	CHECK(inb(&env, DLL) == 0x01 && inb(&env, DLM) == 0x00);
	outb(&env, DLL, 0x34);
	outb(&env, DLM, 0x12);
	CHECK(inb(&env, DLL) == 0x34 && inb(&env, DLM) == 0x12);
	outb(&env, LCR, LCR_WLEN8);
	CHECK(inb(&env, LCR) == LCR_WLEN8);
	/* with DLAB clear, ports 0 and 1 are RBR and IER again */
	CHECK(inb(&env, IER) == save_ier);
	CHECK(inb(&env, RX) == 0);
	/* startup(): the LSR safety check and the THRE test */
	outb(&env, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	CHECK(inb(&env, LSR) != 0xff);
	outb(&env, MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);
	outb(&env, IER, IER_THRI);
	CHECK(inb(&env, LSR) & LSR_TEMT);
	CHECK(!(inb(&env, IIR) & IIR_NO_INT));
	outb(&env, IER, 0);
	CHECK(env.sink_calls == 0);
	env_free(&env);
}

static void test_loopback_data(void)
{
	struct uart_env env;
	const u8 x = 'x';

	env_init(&env);
	outb(&env, FCR, FCR_ENABLE);
	outb(&env, MCR, MCR_LOOP);
	outb(&env, TX, 'a');
	outb(&env, TX, 'b');
	CHECK(env.sink_calls == 0);
	CHECK(inb(&env, LSR) == (LSR_DR | LSR_THRE | LSR_TEMT));
	CHECK(inb(&env, RX) == 'a');
	CHECK(inb(&env, RX) == 'b');
	CHECK(!(inb(&env, LSR) & LSR_DR));
	/* the serial input is disconnected in loopback */
	CHECK(v3_uart_rx_room(&env.uart) == 0);
	CHECK(v3_uart_input(&env.uart, &x, 1) == 0);
	outb(&env, MCR, 0);
	CHECK(v3_uart_input(&env.uart, &x, 1) == 1);
	CHECK(inb(&env, RX) == 'x');
	env_free(&env);
}

static void test_output(void)
{
	static const char msg[] = "Linux version 6.12\r\n\x00\xff";
	struct uart_env env;
	unsigned int i;

	env_init(&env);
	outb(&env, LCR, LCR_WLEN8);
	for (i = 0; i < sizeof(msg); i++) {
		CHECK(inb(&env, LSR) & LSR_THRE);
		outb(&env, TX, msg[i]);
		CHECK((inb(&env, LSR) & (LSR_THRE | LSR_TEMT)) ==
		      (LSR_THRE | LSR_TEMT));
	}
	CHECK(env.sink_calls == (int)sizeof(msg));
	CHECK(env.out_len == sizeof(msg));
	CHECK(!memcmp(env.out, msg, sizeof(msg)));
	/* with DLAB set, port 0 is the divisor and nothing is sent */
	outb(&env, LCR, LCR_DLAB | LCR_WLEN8);
	outb(&env, DLL, 'z');
	CHECK(env.sink_calls == (int)sizeof(msg));
	/* a NULL sink discards */
	outb(&env, LCR, LCR_WLEN8);
	env.uart.sink = NULL;
	outb(&env, TX, 'q');
	CHECK(env.out_len == sizeof(msg));
	env_free(&env);
}

static void test_input(void)
{
	u8 buf[20], c;
	struct uart_env env;
	unsigned int i;

	env_init(&env);
	/* 16450 mode: one byte of buffer */
	CHECK(v3_uart_input(&env.uart, (const u8 *)"ab", 2) == 1);
	CHECK(inb(&env, LSR) & LSR_DR);
	CHECK(inb(&env, RX) == 'a');
	CHECK(!(inb(&env, LSR) & LSR_DR));
	CHECK(v3_uart_input(&env.uart, (const u8 *)"b", 1) == 1);
	CHECK(inb(&env, RX) == 'b');
	/* FIFO mode */
	outb(&env, FCR, FCR_ENABLE);
	CHECK(v3_uart_rx_room(&env.uart) == V3_UART_FIFO_SIZE);
	CHECK(v3_uart_input(&env.uart, (const u8 *)"hi\n", 3) == 3);
	CHECK(v3_uart_rx_room(&env.uart) == V3_UART_FIFO_SIZE - 3);
	CHECK(inb(&env, LSR) == (LSR_DR | LSR_THRE | LSR_TEMT));
	CHECK(inb(&env, RX) == 'h');
	CHECK(inb(&env, LSR) & LSR_DR);
	CHECK(inb(&env, RX) == 'i');
	CHECK(inb(&env, RX) == '\n');
	CHECK(inb(&env, LSR) == (LSR_THRE | LSR_TEMT));
	CHECK(inb(&env, RX) == 0);
	CHECK(v3_uart_input(&env.uart, buf, 0) == 0);
	/* full FIFO: the 17th byte is not taken, and no overrun follows */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'A' + i;
	CHECK(v3_uart_input(&env.uart, buf, sizeof(buf)) == 16);
	CHECK(v3_uart_rx_room(&env.uart) == 0);
	CHECK(v3_uart_input(&env.uart, buf + 16, 1) == 0);
	CHECK(!(inb(&env, LSR) & LSR_OE));
	/* the guest reads one, the host's retry fits one, across the wrap */
	CHECK(inb(&env, RX) == 'A');
	CHECK(v3_uart_rx_room(&env.uart) == 1);
	CHECK(v3_uart_input(&env.uart, buf + 16, 4) == 1);
	for (i = 1; i <= 16; i++) {
		CHECK(inb(&env, LSR) & LSR_DR);
		c = inb(&env, RX);
		CHECK(c == 'A' + i);
	}
	CHECK(!(inb(&env, LSR) & LSR_DR));
	CHECK(env.uart.overruns == 0);
	env_free(&env);
}

static void test_overrun_in_loopback(void)
{
	struct uart_env env;
	unsigned int i;

	env_init(&env);
	outb(&env, FCR, FCR_ENABLE);
	outb(&env, MCR, MCR_LOOP);
	for (i = 0; i < 17; i++)
		outb(&env, TX, i);
	CHECK(env.uart.overruns == 1);
	/* reading LSR clears OE */
	CHECK(inb(&env, LSR) == (LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT));
	CHECK(inb(&env, LSR) == (LSR_DR | LSR_THRE | LSR_TEMT));
	for (i = 0; i < 16; i++)
		CHECK(inb(&env, RX) == i);	/* the 17th byte is lost */
	CHECK(!(inb(&env, LSR) & LSR_DR));
	env_free(&env);
}

static void test_irq_rx_and_out2(void)
{
	struct uart_env env;

	env_init(&env);
	outb(&env, FCR, FCR_ENABLE);
	outb(&env, IER, IER_RDI);
	/* no OUT2: the interrupt is pending but the line stays off */
	CHECK(v3_uart_input(&env.uart, (const u8 *)"xy", 2) == 2);
	CHECK(inb(&env, IIR) == 0xc4);
	CHECK(!env.level && env.irq_calls == 0);
	outb(&env, MCR, MCR_OUT2);
	CHECK(env.level && env.irq_calls == 1);
	outb(&env, MCR, 0);
	CHECK(!env.level && env.irq_calls == 2);
	outb(&env, MCR, MCR_OUT2 | MCR_DTR | MCR_RTS);
	CHECK(env.level);
	/* reading the data ends the interrupt, once the FIFO is empty */
	CHECK(inb(&env, RX) == 'x');
	CHECK(env.level);
	CHECK(inb(&env, RX) == 'y');
	CHECK(!env.level);
	CHECK(inb(&env, IIR) == 0xc1);
	/* input raises it again; disabling it in IER lowers it */
	CHECK(v3_uart_input(&env.uart, (const u8 *)"z", 1) == 1);
	CHECK(env.level);
	outb(&env, IER, 0);
	CHECK(!env.level && inb(&env, IIR) == 0xc1);
	outb(&env, IER, IER_RDI);
	CHECK(env.level);
	/* in loopback the chip holds OUT2 inactive: no line */
	outb(&env, MCR, MCR_OUT2 | MCR_LOOP);
	CHECK(!env.level && inb(&env, IIR) == 0xc4);
	outb(&env, MCR, MCR_OUT2);
	CHECK(env.level);
	/* a FIFO clear drops the data and the interrupt */
	outb(&env, FCR, FCR_ENABLE | FCR_CLEAR_RX);
	CHECK(!env.level);
	env_free(&env);
}

static void test_irq_thre(void)
{
	struct uart_env env;
	int calls;

	env_init(&env);
	outb(&env, MCR, MCR_OUT2);
	CHECK(!env.level);
	/* enabling THRI with THR empty raises the interrupt */
	outb(&env, IER, IER_THRI);
	CHECK(env.level);
	/* reading IIR identifies and so acknowledges it */
	CHECK(inb(&env, IIR) == 0x02);
	CHECK(!env.level);
	CHECK(inb(&env, IIR) == 0x01);
	/* each byte sent (at once) raises it again */
	outb(&env, TX, 'a');
	CHECK(env.level);
	CHECK(env.out_len == 1 && env.out[0] == 'a');
	outb(&env, TX, 'b');
	CHECK(env.level);
	CHECK(inb(&env, IIR) == 0x02 && !env.level);
	/* a rewrite of IER with THRI still set does not re-raise it */
	outb(&env, IER, IER_THRI);
	CHECK(!env.level);
	/* disabling and enabling again does (Linux's TXEN test) */
	outb(&env, IER, 0);
	outb(&env, IER, IER_THRI);
	CHECK(env.level);
	/* OUT2 gates it */
	calls = env.irq_calls;
	outb(&env, MCR, 0);
	CHECK(!env.level && env.irq_calls == calls + 1);
	CHECK(inb(&env, IIR) == 0x02);	/* acknowledged while gated */
	outb(&env, MCR, MCR_OUT2);
	CHECK(!env.level);
	/* writing THR with THRI disabled leaves nothing pending */
	outb(&env, IER, 0);
	outb(&env, TX, 'c');
	CHECK(inb(&env, IIR) == 0x01);
	CHECK(env.out_len == 3 && !memcmp(env.out, "abc", 3));
	env_free(&env);
}

/* line status > received data > THR empty > modem status */
static void test_irq_priority(void)
{
	struct uart_env env;
	unsigned int i;

	env_init(&env);
	outb(&env, FCR, FCR_ENABLE);
	outb(&env, MCR, MCR_LOOP | MCR_OUT2);	/* DSR, CTS drop: deltas */
	for (i = 0; i < 17; i++)
		outb(&env, TX, 'a');		/* the last one overruns */
	outb(&env, IER, IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
	CHECK(inb(&env, IIR) == 0xc6);
	CHECK(inb(&env, IIR) == 0xc6);		/* IIR does not clear it */
	CHECK(inb(&env, LSR) & LSR_OE);
	CHECK(inb(&env, IIR) == 0xc4);
	for (i = 0; i < 16; i++)
		inb(&env, RX);
	CHECK(inb(&env, IIR) == 0xc2);
	CHECK(inb(&env, IIR) == 0xc0);
	CHECK((inb(&env, MSR) & 0x0f) == 0x03);	/* DDSR, DCTS */
	CHECK(inb(&env, IIR) == 0xc1);
	/* modem status changes in loopback: RI's trailing edge, DCD */
	outb(&env, MCR, MCR_LOOP | MCR_OUT2 | MCR_OUT1);
	CHECK(inb(&env, IIR) == 0xc1);		/* RI rose: no TERI */
	outb(&env, MCR, MCR_LOOP);
	CHECK(inb(&env, IIR) == 0xc0);
	CHECK(inb(&env, MSR) == 0x0c);		/* TERI, DDCD; no inputs */
	CHECK(inb(&env, MSR) == 0x00);
	/* leaving loopback: DCD, DSR, CTS come back */
	outb(&env, MCR, 0);
	CHECK(inb(&env, MSR) == 0xbb);
	CHECK(!env.level && env.irq_calls == 0);	/* never OUT2 alone */
	env_free(&env);
}

static void test_fcr(void)
{
	struct uart_env env;

	env_init(&env);
	CHECK((inb(&env, IIR) & 0xc0) == 0);
	outb(&env, FCR, FCR_ENABLE | 0xc0);	/* 14-byte trigger */
	CHECK(inb(&env, IIR) == 0xc1);
	CHECK(v3_uart_input(&env.uart, (const u8 *)"12345", 5) == 5);
	/* clearing the transmitter FIFO leaves the receiver alone */
	outb(&env, FCR, FCR_ENABLE | FCR_CLEAR_TX);
	CHECK(v3_uart_rx_room(&env.uart) == V3_UART_FIFO_SIZE - 5);
	/* bits 1-2 need bit 0: this write disables the FIFOs, which clears */
	outb(&env, FCR, FCR_CLEAR_RX);
	CHECK(!(inb(&env, LSR) & LSR_DR));
	CHECK(inb(&env, IIR) == 0x01);
	CHECK(v3_uart_rx_room(&env.uart) == 1);
	CHECK(v3_uart_input(&env.uart, (const u8 *)"6", 1) == 1);
	/* enabling the FIFOs clears them too */
	outb(&env, FCR, FCR_ENABLE);
	CHECK(!(inb(&env, LSR) & LSR_DR));
	CHECK(v3_uart_input(&env.uart, (const u8 *)"789", 3) == 3);
	outb(&env, FCR, FCR_ENABLE | FCR_CLEAR_RX);
	CHECK(!(inb(&env, LSR) & LSR_DR));
	CHECK(v3_uart_rx_room(&env.uart) == V3_UART_FIFO_SIZE);
	CHECK(inb(&env, IIR) == 0xc1);
	env_free(&env);
}

/* Wide accesses act as byte accesses to the consecutive ports. */
static void test_wide_access(void)
{
	struct uart_env env;
	u8 buf[4];

	env_init(&env);
	outb(&env, LCR, LCR_DLAB);
	buf[0] = 0x0c;
	buf[1] = 0x01;
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE + DLL, buf, 2,
				true) == 0);
	CHECK(inb(&env, DLL) == 0x0c && inb(&env, DLM) == 0x01);
	memset(buf, 0, sizeof(buf));
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE + DLL, buf, 2,
				false) == 0);
	CHECK(buf[0] == 0x0c && buf[1] == 0x01);
	outb(&env, LCR, 0);
	outb(&env, MCR, MCR_DTR);
	outb(&env, SCR, 0x77);
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE + MCR, buf, 4,
				false) == 0);
	CHECK(buf[0] == MCR_DTR && buf[1] == (LSR_THRE | LSR_TEMT) &&
	      buf[2] == 0xb0 && buf[3] == 0x77);
	/* a word written at port 0 is THR, then IER */
	buf[0] = 'o';
	buf[1] = 0xf0 | IER_RDI;
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE + TX, buf, 2,
				true) == 0);
	CHECK(env.out_len == 1 && env.out[0] == 'o');
	CHECK(inb(&env, IER) == IER_RDI);
	/* past the last port: not the UART's */
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE + SCR, buf, 2,
				false) == -ENOENT);
	env_free(&env);
}

static int other_access(u64 addr, void *data, unsigned int len, bool write,
			void *priv)
{
	return 0;
}

static void test_init_failures(void)
{
	struct v3_range_map io;
	struct v3_uart uart;
	long objects;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&io);
	/* a port already hooked */
	CHECK(v3_range_hook(&io, V3_COM1_BASE + 5, V3_COM1_BASE + 5,
			    other_access, NULL) == 0);
	objects = test_host.objects;
	CHECK(v3_uart_init(&uart, &io, V3_COM1_BASE, NULL, NULL, NULL) ==
	      -EBUSY);
	CHECK(!uart.lock);
	CHECK(test_host.objects == objects && io.nr == 1);
	CHECK(test_host.errors == 1);
	/* freeing the failed UART leaves the other hook alone */
	v3_uart_free(&uart, &io);
	CHECK(io.nr == 1);
	/* eight ports past 0xffff */
	CHECK(v3_uart_init(&uart, &io, 0xfffc, NULL, NULL, NULL) == -EINVAL);
	CHECK(!uart.lock && io.nr == 1);
	v3_range_map_free(&io);
	/* the registry cannot grow */
	test_host.fail_zalloc = true;
	CHECK(v3_uart_init(&uart, &io, V3_COM1_BASE, NULL, NULL, NULL) ==
	      -ENOMEM);
	test_host.fail_zalloc = false;
	CHECK(!uart.lock && io.nr == 0);
	CHECK(test_host.objects == 0);
	/* and it works once memory is back */
	CHECK(v3_uart_init(&uart, &io, V3_COM1_BASE, NULL, NULL, NULL) == 0);
	v3_uart_free(&uart, &io);
	v3_range_map_free(&io);
	CHECK(test_host.objects == 0);
}

static void test_free(void)
{
	struct uart_env env;
	u8 val;

	env_init(&env);
	outb(&env, TX, '!');
	v3_uart_free(&env.uart, &env.io);
	CHECK(!env.uart.lock);
	CHECK(env.io.nr == 0);
	CHECK(test_host.objects == env.objects);
	CHECK(v3_range_dispatch(&env.io, V3_COM1_BASE, &val, 1, true) ==
	      -ENOENT);
	v3_uart_free(&env.uart, &env.io);	/* twice: harmless */
	CHECK(test_host.objects == env.objects);
	/* the ports can be hooked again, e.g. by a new UART */
	CHECK(v3_uart_init(&env.uart, &env.io, V3_COM1_BASE, env_sink,
			   env_irq, &env) == 0);
	outb(&env, TX, '?');
	CHECK(env.out_len == 2 && !memcmp(env.out, "!?", 2));
	env_free(&env);
}

#define STRESS_BYTES	100000

static void *stress_input(void *arg)
{
	struct v3_uart *uart = arg;
	unsigned int sent = 0;
	u8 buf[7];

	while (sent < STRESS_BYTES) {
		unsigned int i, n = sizeof(buf);

		if (n > STRESS_BYTES - sent)
			n = STRESS_BYTES - sent;
		for (i = 0; i < n; i++)
			buf[i] = (sent + i) % 251;
		sent += v3_uart_input(uart, buf, n);
	}
	return NULL;
}

/* The host feeds input while the guest polls and reads: nothing is lost. */
static void test_concurrent_input(void)
{
	unsigned int got = 0, bad = 0;
	struct uart_env env;
	pthread_t tid;

	env_init(&env);
	outb(&env, FCR, FCR_ENABLE);
	CHECK(pthread_create(&tid, NULL, stress_input, &env.uart) == 0);
	while (got < STRESS_BYTES && !case_failed) {
		u8 lsr = inb(&env, LSR);

		if (!(lsr & LSR_DR))
			continue;
		bad += inb(&env, RX) != got % 251;
		got++;
	}
	pthread_join(tid, NULL);
	CHECK(got == STRESS_BYTES && bad == 0);
	CHECK(!(inb(&env, LSR) & LSR_DR));
	env_free(&env);
}

static const struct test_case uart_cases[] = {
	{ "reset_state", test_reset_state },
	{ "linux_probe", test_linux_probe },
	{ "loopback_data", test_loopback_data },
	{ "output", test_output },
	{ "input", test_input },
	{ "overrun_in_loopback", test_overrun_in_loopback },
	{ "irq_rx_and_out2", test_irq_rx_and_out2 },
	{ "irq_thre", test_irq_thre },
	{ "irq_priority", test_irq_priority },
	{ "fcr", test_fcr },
	{ "wide_access", test_wide_access },
	{ "init_failures", test_init_failures },
	{ "free", test_free },
	{ "concurrent_input", test_concurrent_input },
};

const struct test_suite uart_suite = {
	.name = "uart",
	.cases = uart_cases,
	.nr = ARRAY_SIZE(uart_cases),
};
