// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the I/O APIC model, driven through its interface: the
 * guest's accesses through v3_ioapic_access(), the devices' lines through
 * v3_ioapic_set_irq() and the local APICs' EOIs through v3_ioapic_eoi().
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/ioapic.h>

#include "test_host.h"
#include "tests.h"

#define IOREGSEL	0x00
#define IOWIN		0x10

#define REG_ID		0x00
#define REG_VER		0x01
#define REG_ARB		0x02
#define REG_LO(pin)	(0x10 + 2 * (pin))
#define REG_HI(pin)	(0x11 + 2 * (pin))

#define RTE_LOGICAL	0x0800
#define RTE_STATUS	0x1000
#define RTE_LOW_ACTIVE	0x2000
#define RTE_REMOTE_IRR	0x4000
#define RTE_LEVEL	0x8000
#define RTE_MASKED	0x10000

struct ioapic_env {
	struct v3_ioapic io;
	int sends;
	struct v3_apic_msg msg;
	bool eoi_in_send;	/* the send callback ends the vector at once */
	int depth;
	int max_depth;
};

static void env_send(void *priv, const struct v3_apic_msg *msg)
{
	struct ioapic_env *env = priv;

	env->sends++;
	env->msg = *msg;
	if (env->eoi_in_send && msg->level) {
		env->depth++;
		if (env->depth > env->max_depth)
			env->max_depth = env->depth;
		/* a few levels deep: each EOI resends what is asserted */
		if (env->depth < 3)
			v3_ioapic_eoi(&env->io, msg->vector);
		env->depth--;
	}
}

static const struct v3_ioapic_ops env_ops = {
	.send = env_send,
};

static void env_init(struct ioapic_env *env)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	CHECK(v3_ioapic_init(&env->io, 2, &env_ops, env) == 0);
}

static void env_free(struct ioapic_env *env)
{
	v3_ioapic_free(&env->io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);
	CHECK(test_host.errors == 0);
}

static u32 mmio_rd(struct ioapic_env *env, u32 off)
{
	u32 val = 0xdeadbeef;

	CHECK(v3_ioapic_access(&env->io, off, &val, 4, false) == 0);
	return val;
}

static void mmio_wr(struct ioapic_env *env, u32 off, u32 val)
{
	CHECK(v3_ioapic_access(&env->io, off, &val, 4, true) == 0);
}

static u32 rd(struct ioapic_env *env, u8 reg)
{
	mmio_wr(env, IOREGSEL, reg);
	return mmio_rd(env, IOWIN);
}

static void wr(struct ioapic_env *env, u8 reg, u32 val)
{
	mmio_wr(env, IOREGSEL, reg);
	mmio_wr(env, IOWIN, val);
}

static void test_reset_state(void)
{
	struct ioapic_env env;
	unsigned int pin;
	u32 val;

	env_init(&env);
	CHECK(rd(&env, REG_ID) == 0x02000000);
	CHECK(rd(&env, REG_VER) == 0x00170011);
	CHECK(rd(&env, REG_ARB) == 0x02000000);
	for (pin = 0; pin < V3_IOAPIC_PINS; pin++) {
		CHECK(rd(&env, REG_LO(pin)) == RTE_MASKED);
		CHECK(rd(&env, REG_HI(pin)) == 0);
	}
	/* nothing is sent, whatever the lines do */
	for (pin = 0; pin < V3_IOAPIC_PINS; pin++) {
		v3_ioapic_set_irq(&env.io, pin, true);
		v3_ioapic_set_irq(&env.io, pin, false);
	}
	CHECK(env.sends == 0);
	/* IOREGSEL reads back its low byte */
	mmio_wr(&env, IOREGSEL, 0x12345617);
	CHECK(mmio_rd(&env, IOREGSEL) == 0x17);
	/* registers that do not exist read 0 and ignore writes */
	CHECK(rd(&env, 0x03) == 0 && rd(&env, 0x0f) == 0);
	CHECK(rd(&env, REG_LO(24)) == 0 && rd(&env, 0xff) == 0);
	wr(&env, 0x03, 0xffffffff);
	wr(&env, REG_LO(24), 0);
	CHECK(rd(&env, 0x03) == 0 && rd(&env, REG_LO(24)) == 0);
	/* version and arbitration are read-only; the ID has 4 bits */
	wr(&env, REG_VER, 0);
	wr(&env, REG_ARB, 0);
	CHECK(rd(&env, REG_VER) == 0x00170011);
	wr(&env, REG_ID, 0xffffffff);
	CHECK(rd(&env, REG_ID) == 0x0f000000);
	CHECK(rd(&env, REG_ARB) == 0x0f000000);
	wr(&env, REG_ID, 0x05000000);
	CHECK(rd(&env, REG_ID) == 0x05000000);
	/* other offsets and sizes read 0 and ignore writes */
	mmio_wr(&env, IOREGSEL, REG_VER);
	CHECK(mmio_rd(&env, 0x04) == 0 && mmio_rd(&env, 0x20) == 0);
	CHECK(mmio_rd(&env, 0x14) == 0 && mmio_rd(&env, 0x40) == 0);
	val = 0xffffffff;
	CHECK(v3_ioapic_access(&env.io, IOWIN, &val, 2, false) == 0);
	CHECK(val == 0xffff0000);
	val = 0x10;
	CHECK(v3_ioapic_access(&env.io, IOREGSEL, &val, 1, true) == 0);
	CHECK(mmio_rd(&env, IOREGSEL) == REG_VER);
	mmio_wr(&env, 0x20, REG_LO(0));
	CHECK(mmio_rd(&env, IOREGSEL) == REG_VER);
	CHECK(mmio_rd(&env, IOWIN) == 0x00170011);
	env_free(&env);
}

static void test_redir_readback(void)
{
	struct ioapic_env env;

	env_init(&env);
	/* remote IRR and delivery status are read-only, bit 12 reads 0 */
	wr(&env, REG_LO(7), 0xffffffff);
	CHECK(rd(&env, REG_LO(7)) == 0x1afff);
	wr(&env, REG_HI(7), 0xffffffff);
	CHECK(rd(&env, REG_HI(7)) == 0xff000000);
	CHECK(rd(&env, REG_LO(7)) == 0x1afff);
	wr(&env, REG_LO(7), 0x12345);
	CHECK(rd(&env, REG_LO(7)) == 0x12345 && rd(&env, REG_HI(7)) ==
	      0xff000000);
	wr(&env, REG_HI(7), 0x01ffffff);
	CHECK(rd(&env, REG_HI(7)) == 0x01000000);
	/* the neighbours are untouched */
	CHECK(rd(&env, REG_LO(6)) == RTE_MASKED && rd(&env, REG_HI(6)) == 0);
	CHECK(rd(&env, REG_LO(8)) == RTE_MASKED && rd(&env, REG_HI(8)) == 0);
	wr(&env, REG_LO(23), 0x20);
	CHECK(rd(&env, REG_LO(23)) == 0x20);
	CHECK(env.sends == 0);
	env_free(&env);
}

static void test_edge(void)
{
	struct ioapic_env env;

	env_init(&env);
	wr(&env, REG_HI(3), 0x01000000);
	wr(&env, REG_LO(3), 0x31);
	CHECK(env.sends == 0);
	v3_ioapic_set_irq(&env.io, 3, true);
	CHECK(env.sends == 1);
	CHECK(env.msg.vector == 0x31 && env.msg.delivery == V3_APIC_FIXED);
	CHECK(!env.msg.level && !env.msg.logical && env.msg.dest == 1);
	CHECK(env.msg.shorthand == 0 && !env.msg.deassert);
	/* rising edges only */
	v3_ioapic_set_irq(&env.io, 3, true);
	CHECK(env.sends == 1);
	v3_ioapic_set_irq(&env.io, 3, false);
	v3_ioapic_set_irq(&env.io, 3, false);
	CHECK(env.sends == 1);
	v3_ioapic_set_irq(&env.io, 3, true);
	CHECK(env.sends == 2);
	/* no remote IRR for an edge pin, and its EOI does nothing */
	CHECK(!(rd(&env, REG_LO(3)) & RTE_REMOTE_IRR));
	v3_ioapic_eoi(&env.io, 0x31);
	CHECK(env.sends == 2);
	/* another pin does not disturb it */
	v3_ioapic_set_irq(&env.io, 4, true);
	CHECK(env.sends == 2);
	env_free(&env);
}

static void test_masked(void)
{
	struct ioapic_env env;

	env_init(&env);
	wr(&env, REG_LO(2), RTE_MASKED | 0x32);
	v3_ioapic_set_irq(&env.io, 2, true);
	CHECK(env.sends == 0);
	/* an edge pin's edge while masked is lost */
	wr(&env, REG_LO(2), 0x32);
	CHECK(env.sends == 0);
	v3_ioapic_set_irq(&env.io, 2, false);
	v3_ioapic_set_irq(&env.io, 2, true);
	CHECK(env.sends == 1);
	/* a masked level pin sends nothing */
	wr(&env, REG_LO(9), RTE_MASKED | RTE_LEVEL | 0x39);
	v3_ioapic_set_irq(&env.io, 9, true);
	v3_ioapic_eoi(&env.io, 0x39);
	CHECK(env.sends == 1);
	CHECK(!(rd(&env, REG_LO(9)) & RTE_REMOTE_IRR));
	env_free(&env);
}

static void test_level(void)
{
	struct ioapic_env env;

	env_init(&env);
	wr(&env, REG_HI(5), 0x03000000);
	wr(&env, REG_LO(5), RTE_LEVEL | RTE_LOW_ACTIVE | 0x51);
	CHECK(env.sends == 0);
	v3_ioapic_set_irq(&env.io, 5, true);
	CHECK(env.sends == 1);
	CHECK(env.msg.vector == 0x51 && env.msg.level && env.msg.dest == 3);
	CHECK(rd(&env, REG_LO(5)) ==
	      (RTE_REMOTE_IRR | RTE_LEVEL | RTE_LOW_ACTIVE | 0x51));
	/* once until the EOI */
	v3_ioapic_set_irq(&env.io, 5, true);
	v3_ioapic_set_irq(&env.io, 5, false);
	v3_ioapic_set_irq(&env.io, 5, true);
	CHECK(env.sends == 1);
	/* the remote IRR bit is read-only */
	wr(&env, REG_LO(5), RTE_LEVEL | RTE_LOW_ACTIVE | 0x51);
	CHECK(rd(&env, REG_LO(5)) & RTE_REMOTE_IRR);
	CHECK(env.sends == 1);
	/* an EOI of another vector does nothing */
	v3_ioapic_eoi(&env.io, 0x52);
	CHECK(env.sends == 1 && (rd(&env, REG_LO(5)) & RTE_REMOTE_IRR));
	/* EOI with the line still asserted: sent again */
	v3_ioapic_eoi(&env.io, 0x51);
	CHECK(env.sends == 2 && (rd(&env, REG_LO(5)) & RTE_REMOTE_IRR));
	/* deasserted by then: not sent, remote IRR clear */
	v3_ioapic_set_irq(&env.io, 5, false);
	v3_ioapic_eoi(&env.io, 0x51);
	CHECK(env.sends == 2 && !(rd(&env, REG_LO(5)) & RTE_REMOTE_IRR));
	wr(&env, REG_LO(5), RTE_REMOTE_IRR | RTE_LEVEL | 0x51);
	CHECK(!(rd(&env, REG_LO(5)) & RTE_REMOTE_IRR));
	v3_ioapic_eoi(&env.io, 0x51);
	CHECK(env.sends == 2);
	/* asserted again: sent */
	v3_ioapic_set_irq(&env.io, 5, true);
	CHECK(env.sends == 3);
	/* two pins sharing a vector: one EOI resends both */
	wr(&env, REG_LO(6), RTE_LEVEL | 0x51);
	v3_ioapic_set_irq(&env.io, 6, true);
	CHECK(env.sends == 4);
	v3_ioapic_eoi(&env.io, 0x51);
	CHECK(env.sends == 6);
	/* switched to edge: remote IRR cleared */
	wr(&env, REG_LO(6), 0x51);
	CHECK(!(rd(&env, REG_LO(6)) & RTE_REMOTE_IRR) && env.sends == 6);
	env_free(&env);
}

static void test_unmask_level(void)
{
	struct ioapic_env env;

	env_init(&env);
	wr(&env, REG_LO(11), RTE_MASKED | RTE_LEVEL | 0x61);
	v3_ioapic_set_irq(&env.io, 11, true);
	CHECK(env.sends == 0);
	wr(&env, REG_LO(11), RTE_LEVEL | 0x61);
	CHECK(env.sends == 1 && env.msg.vector == 0x61 && env.msg.level);
	CHECK(rd(&env, REG_LO(11)) & RTE_REMOTE_IRR);
	/* rewriting while remote IRR is set sends nothing */
	wr(&env, REG_LO(11), RTE_LEVEL | 0x61);
	CHECK(env.sends == 1);
	/* masked across the EOI, then unmasked: sent at the unmask */
	wr(&env, REG_LO(11), RTE_MASKED | RTE_LEVEL | 0x61);
	v3_ioapic_eoi(&env.io, 0x61);
	CHECK(env.sends == 1);
	wr(&env, REG_LO(11), RTE_LEVEL | 0x62);
	CHECK(env.sends == 2 && env.msg.vector == 0x62);
	/* unmasking a deasserted level pin sends nothing */
	wr(&env, REG_LO(12), RTE_LEVEL | 0x63);
	CHECK(env.sends == 2);
	env_free(&env);
}

static void test_destination(void)
{
	struct ioapic_env env;

	env_init(&env);
	/* logical, lowest priority */
	wr(&env, REG_HI(1), 0xab000000);
	wr(&env, REG_LO(1), RTE_LOGICAL | 0x100 | 0x71);
	v3_ioapic_set_irq(&env.io, 1, true);
	CHECK(env.sends == 1 && env.msg.logical && env.msg.dest == 0xab);
	CHECK(env.msg.delivery == V3_APIC_LOWEST && env.msg.vector == 0x71);
	CHECK(env.msg.shorthand == 0);
	/* NMI: edge whatever the trigger bit */
	wr(&env, REG_HI(2), 0xff000000);
	wr(&env, REG_LO(2), RTE_LEVEL | 0x400);
	v3_ioapic_set_irq(&env.io, 2, true);
	CHECK(env.sends == 2 && env.msg.delivery == V3_APIC_NMI);
	CHECK(!env.msg.level && !env.msg.logical && env.msg.dest == 0xff);
	CHECK(!(rd(&env, REG_LO(2)) & RTE_REMOTE_IRR));
	v3_ioapic_set_irq(&env.io, 2, true);
	CHECK(env.sends == 2);
	/* ExtINT, SMI and INIT */
	wr(&env, REG_LO(0), 0x700);
	v3_ioapic_set_irq(&env.io, 0, true);
	CHECK(env.sends == 3 && env.msg.delivery == V3_APIC_EXTINT);
	wr(&env, REG_LO(3), 0x200);
	v3_ioapic_set_irq(&env.io, 3, true);
	CHECK(env.sends == 4 && env.msg.delivery == V3_APIC_SMI);
	wr(&env, REG_LO(4), 0x500);
	v3_ioapic_set_irq(&env.io, 4, true);
	CHECK(env.sends == 5 && env.msg.delivery == V3_APIC_INIT);
	/* reserved modes send nothing */
	wr(&env, REG_LO(5), 0x300 | 0x40);
	wr(&env, REG_LO(6), RTE_LEVEL | 0x600 | 0x40);
	v3_ioapic_set_irq(&env.io, 5, true);
	v3_ioapic_set_irq(&env.io, 6, true);
	CHECK(env.sends == 5);
	CHECK(!(rd(&env, REG_LO(6)) & RTE_REMOTE_IRR));
	/* physical destination, the high word's top byte only */
	wr(&env, REG_HI(8), 0x07ffffff);
	wr(&env, REG_LO(8), 0x81);
	v3_ioapic_set_irq(&env.io, 8, true);
	CHECK(env.sends == 6 && !env.msg.logical && env.msg.dest == 7);
	env_free(&env);
}

static void test_pins_beyond(void)
{
	struct ioapic_env env;
	unsigned int pin;

	env_init(&env);
	for (pin = 0; pin < V3_IOAPIC_PINS; pin++)
		wr(&env, REG_LO(pin), 0x40 + pin);
	v3_ioapic_set_irq(&env.io, 24, true);
	v3_ioapic_set_irq(&env.io, 31, true);
	v3_ioapic_set_irq(&env.io, 32, true);
	v3_ioapic_set_irq(&env.io, ~0U, true);
	CHECK(env.sends == 0);
	v3_ioapic_set_irq(&env.io, 23, true);
	CHECK(env.sends == 1 && env.msg.vector == 0x40 + 23);
	env_free(&env);
}

static void test_init_failures(void)
{
	struct v3_ioapic io;
	u32 sel, val;
	long n;
	int err;

	for (n = 1; n < 10; n++) {
		memset(&test_host, 0, sizeof(test_host));
		test_host.fail_nth = n;
		err = v3_ioapic_init(&io, 0, &env_ops, NULL);
		test_host.fail_nth = 0;
		if (!err) {
			v3_ioapic_free(&io);
			break;
		}
		CHECK(err == -ENOMEM && !io.lock);
		v3_ioapic_free(&io);
		CHECK(test_host.objects == 0);
	}
	CHECK(n == 2);	/* the lock */
	/* no callbacks at all; freed twice */
	CHECK(v3_ioapic_init(&io, 0x1f, NULL, NULL) == 0);
	sel = REG_ID;
	CHECK(v3_ioapic_access(&io, IOREGSEL, &sel, 4, true) == 0);
	CHECK(v3_ioapic_access(&io, IOWIN, &val, 4, false) == 0);
	CHECK(val == 0x0f000000);
	sel = REG_LO(0);
	val = 0x30;
	CHECK(v3_ioapic_access(&io, IOREGSEL, &sel, 4, true) == 0);
	CHECK(v3_ioapic_access(&io, IOWIN, &val, 4, true) == 0);
	v3_ioapic_set_irq(&io, 0, true);
	v3_ioapic_free(&io);
	v3_ioapic_free(&io);
	CHECK(test_host.objects == 0);
}

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random accesses, lines and EOIs: no crash, bounded messages */
static void test_random_stress(void)
{
	struct ioapic_env env;
	unsigned int i;
	int before;
	u8 buf[8];
	u64 r;

	env_init(&env);
	env.eoi_in_send = true;
	rnd_state = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < 50000; i++) {
		r = rnd();
		before = env.sends;
		switch (r % 6) {
		case 0:
			wr(&env, REG_LO((r >> 8) % 26), r >> 32);
			break;
		case 1:
			wr(&env, (r >> 8) & 0xff, r >> 32);
			break;
		case 2:
			memcpy(buf, &r, sizeof(buf));
			CHECK(v3_ioapic_access(&env.io, (r >> 8) & 0x3f, buf,
					       (r >> 16) % 9,
					       (r >> 20) & 1) == 0);
			break;
		case 3:
		case 4:
			v3_ioapic_set_irq(&env.io, (r >> 8) % 28,
					  (r >> 16) & 1);
			break;
		default:
			v3_ioapic_eoi(&env.io, r >> 8);
			break;
		}
		/* bounded: 24 pins, three levels of messages */
		CHECK(env.sends - before <= 24 * (1 + 24 + 24 * 24));
		CHECK(env.depth == 0);
		if (case_failed)
			break;
	}
	CHECK(env.sends > 1000);
	CHECK(env.max_depth <= 3);
	env_free(&env);
}

static const struct test_case ioapic_cases[] = {
	{ "reset_state", test_reset_state },
	{ "redir_readback", test_redir_readback },
	{ "edge", test_edge },
	{ "masked", test_masked },
	{ "level", test_level },
	{ "unmask_level", test_unmask_level },
	{ "destination", test_destination },
	{ "pins_beyond", test_pins_beyond },
	{ "init_failures", test_init_failures },
	{ "random_stress", test_random_stress },
};

const struct test_suite ioapic_suite = {
	.name = "ioapic",
	.cases = ioapic_cases,
	.nr = ARRAY_SIZE(ioapic_cases),
};
