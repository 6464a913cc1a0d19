// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the i8259A pair.  The guest's side is driven only through
 * the port registry, as the exit path drives it; the devices' side through
 * v3_pic_set_irq() and the CPU's through v3_pic_pending() and v3_pic_ack().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/pic.h>

#include "test_host.h"
#include "tests.h"

#define M_CMD		0x20
#define M_DATA		0x21
#define S_CMD		0xa0
#define S_DATA		0xa1
#define ELCR_M		0x4d0
#define ELCR_S		0x4d1

#define EOI		0x20
#define SEOI(ir)	(0x60 | (ir))
#define ROT_EOI		0xa0
#define ROT_SEOI(ir)	(0xe0 | (ir))
#define SET_PRIO(ir)	(0xc0 | (ir))
#define ROT_AEOI_SET	0x80
#define ROT_AEOI_CLEAR	0x00
#define READ_IRR	0x0a
#define READ_ISR	0x0b
#define POLL		0x0c
#define SMM_SET		0x68
#define SMM_CLEAR	0x48

/* The vector bases Linux programs */
#define M_BASE		0x30
#define S_BASE		0x38

struct pic_env {
	struct v3_range_map io;
	struct v3_pic pic;
	int notifies;
};

static void env_notify(void *priv)
{
	struct pic_env *env = priv;

	/* called without the lock, once the output is high */
	CHECK(env->pic.output);
	CHECK(v3_pic_pending(&env->pic));
	env->notifies++;
}

static void env_init(struct pic_env *env)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	v3_io_map_init(&env->io);
	CHECK(v3_pic_init(&env->pic, &env->io, env_notify, env) == 0);
}

static void env_free(struct pic_env *env)
{
	v3_pic_free(&env->pic, &env->io);
	v3_range_map_free(&env->io);
	CHECK(test_host.objects == 0);
	CHECK(test_host.errors == 0);
}

static u8 inb(struct pic_env *env, unsigned int port)
{
	u8 val = 0x5a;

	CHECK(v3_range_dispatch(&env->io, port, &val, 1, false) == 0);
	return val;
}

static void outb(struct pic_env *env, unsigned int port, u8 val)
{
	CHECK(v3_range_dispatch(&env->io, port, &val, 1, true) == 0);
}

static void irq(struct pic_env *env, unsigned int n, bool level)
{
	v3_pic_set_irq(&env->pic, n, level);
}

/* A rising and a falling edge */
static void pulse(struct pic_env *env, unsigned int n)
{
	irq(env, n, true);
	irq(env, n, false);
}

static bool pending(struct pic_env *env)
{
	return v3_pic_pending(&env->pic);
}

static u8 ack(struct pic_env *env)
{
	return v3_pic_ack(&env->pic);
}

/* What Linux's init_8259A() does, then unmask everything */
static void linux_init(struct pic_env *env, bool auto_eoi)
{
	outb(env, M_DATA, 0xff);
	outb(env, S_DATA, 0xff);
	outb(env, M_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 */
	outb(env, M_DATA, M_BASE);	/* ICW2 */
	outb(env, M_DATA, 1 << 2);	/* ICW3: slave on IR2 */
	outb(env, M_DATA, auto_eoi ? 0x03 : 0x01);	/* ICW4: 8086 */
	outb(env, S_CMD, 0x11);
	outb(env, S_DATA, S_BASE);
	outb(env, S_DATA, 2);		/* ICW3: slave id 2 */
	outb(env, S_DATA, 0x01);
	outb(env, M_DATA, 0);
	outb(env, S_DATA, 0);
}

static u8 master_isr(struct pic_env *env)
{
	outb(env, M_CMD, READ_ISR);
	return inb(env, M_CMD);
}

static u8 slave_isr(struct pic_env *env)
{
	outb(env, S_CMD, READ_ISR);
	return inb(env, S_CMD);
}

static void test_reset_state(void)
{
	struct pic_env env;

	env_init(&env);
	CHECK(inb(&env, M_DATA) == 0xff && inb(&env, S_DATA) == 0xff);
	CHECK(inb(&env, M_CMD) == 0 && inb(&env, S_CMD) == 0);	/* IRR */
	CHECK(inb(&env, ELCR_M) == 0 && inb(&env, ELCR_S) == 0);
	CHECK(env.pic.chip[0].vector_base == 0x08);
	CHECK(env.pic.chip[1].vector_base == 0x70);
	CHECK(env.pic.chip[0].init_step == 0 && env.pic.chip[1].init_step == 0);
	CHECK(!pending(&env));
	/* the six ports and only those are hooked */
	CHECK(v3_range_find(&env.io, M_CMD, 2));
	CHECK(v3_range_find(&env.io, S_CMD, 2));
	CHECK(v3_range_find(&env.io, ELCR_M, 2));
	CHECK(!v3_range_find(&env.io, M_CMD - 1, 1));
	CHECK(!v3_range_find(&env.io, M_DATA + 1, 1));
	CHECK(!v3_range_find(&env.io, S_CMD - 1, 1));
	CHECK(!v3_range_find(&env.io, S_DATA + 1, 1));
	CHECK(!v3_range_find(&env.io, ELCR_M - 1, 1));
	CHECK(!v3_range_find(&env.io, ELCR_S + 1, 1));
	CHECK(env.io.nr == 3);
	/* masked: latched but not asked for */
	irq(&env, 1, true);
	CHECK(inb(&env, M_CMD) == 0x02);
	CHECK(!pending(&env) && env.notifies == 0);
	/* the BIOS vectors, before the guest programs them */
	outb(&env, M_DATA, 0xfd);
	CHECK(pending(&env) && env.notifies == 1);
	CHECK(ack(&env) == 0x09);
	outb(&env, M_CMD, EOI);
	outb(&env, M_DATA, 0xfb);
	outb(&env, S_DATA, 0xfe);
	irq(&env, 8, true);
	CHECK(ack(&env) == 0x70);
	env_free(&env);
}

static void test_init_sequence(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	CHECK(env.pic.chip[0].vector_base == M_BASE);
	CHECK(env.pic.chip[1].vector_base == S_BASE);
	CHECK(env.pic.chip[0].init_step == 0 && env.pic.chip[1].init_step == 0);
	CHECK(!env.pic.chip[0].auto_eoi && !env.pic.chip[0].sfnm);
	CHECK(inb(&env, M_DATA) == 0 && inb(&env, S_DATA) == 0);
	irq(&env, 1, true);
	CHECK(ack(&env) == M_BASE + 1);
	outb(&env, M_CMD, EOI);
	irq(&env, 9, true);
	CHECK(ack(&env) == S_BASE + 1);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));

	/* the low three bits of ICW2 are ignored; ICW1 clears IMR */
	outb(&env, M_DATA, 0xff);
	outb(&env, M_CMD, 0x11);
	CHECK(env.pic.chip[0].init_step == 2);
	CHECK(inb(&env, M_DATA) == 0);
	outb(&env, M_DATA, 0x47);
	CHECK(env.pic.chip[0].vector_base == 0x40);
	CHECK(env.pic.chip[0].init_step == 3);
	outb(&env, M_DATA, 0x04);
	CHECK(env.pic.chip[0].init_step == 4);
	outb(&env, M_DATA, 0x13);	/* ICW4: SFNM, AEOI, 8086 */
	CHECK(env.pic.chip[0].init_step == 0);
	CHECK(env.pic.chip[0].auto_eoi && env.pic.chip[0].sfnm);
	CHECK(inb(&env, M_DATA) == 0);	/* not an OCW1 */
	outb(&env, M_DATA, 0x5a);	/* now an OCW1 */
	CHECK(inb(&env, M_DATA) == 0x5a);

	/* single, no ICW4: ICW2 ends the sequence */
	outb(&env, M_CMD, 0x12);
	CHECK(!env.pic.chip[0].auto_eoi && !env.pic.chip[0].sfnm);
	outb(&env, M_DATA, 0x50);
	CHECK(env.pic.chip[0].init_step == 0);
	outb(&env, M_DATA, 0x33);
	CHECK(inb(&env, M_DATA) == 0x33);
	/* single with ICW4: no ICW3 */
	outb(&env, M_CMD, 0x13);
	outb(&env, M_DATA, 0x58);
	CHECK(env.pic.chip[0].init_step == 4);
	outb(&env, M_DATA, 0x03);
	CHECK(env.pic.chip[0].init_step == 0 && env.pic.chip[0].auto_eoi);
	/* cascade, no ICW4: ICW3 ends it */
	outb(&env, M_CMD, 0x10);
	outb(&env, M_DATA, 0x60);
	outb(&env, M_DATA, 0x04);
	CHECK(env.pic.chip[0].init_step == 0 && !env.pic.chip[0].auto_eoi);
	/* ICW1 in the middle of a sequence starts again */
	outb(&env, M_CMD, 0x11);
	outb(&env, M_DATA, 0x68);
	outb(&env, M_CMD, 0x11);
	CHECK(env.pic.chip[0].init_step == 2);
	outb(&env, M_DATA, M_BASE);
	outb(&env, M_DATA, 0x04);
	outb(&env, M_DATA, 0x01);
	CHECK(env.pic.chip[0].vector_base == M_BASE);
	irq(&env, 1, false);
	irq(&env, 1, true);
	CHECK(ack(&env) == M_BASE + 1);
	env_free(&env);
}

static void test_masking(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	outb(&env, M_DATA, 0x08);
	CHECK(inb(&env, M_DATA) == 0x08);
	irq(&env, 3, true);
	CHECK(inb(&env, M_CMD) == 0x08);	/* latched */
	CHECK(!pending(&env) && env.notifies == 0);
	outb(&env, M_DATA, 0);
	CHECK(pending(&env) && env.notifies == 1);
	outb(&env, M_DATA, 0x08);		/* masked again */
	CHECK(!pending(&env));
	outb(&env, M_DATA, 0);
	CHECK(ack(&env) == M_BASE + 3);
	outb(&env, M_CMD, EOI);
	/* the master's IR2 masks the whole slave */
	outb(&env, M_DATA, 0x04);
	irq(&env, 11, true);
	CHECK(inb(&env, M_CMD) == 0x04);	/* the slave asks */
	CHECK(!pending(&env));
	outb(&env, M_DATA, 0);
	CHECK(pending(&env));
	/* and the slave's own mask stops it asking */
	outb(&env, S_DATA, 0x08);
	CHECK(env.pic.chip[1].irr == 0x08);
	outb(&env, S_DATA, 0xff);
	CHECK(!(env.pic.chip[0].lines & 0x04));	/* INT low */
	outb(&env, S_DATA, 0);
	CHECK(ack(&env) == S_BASE + 3);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_edge_and_level(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	/* ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered */
	outb(&env, ELCR_M, 0xff);
	outb(&env, ELCR_S, 0xff);
	CHECK(inb(&env, ELCR_M) == 0xf8 && inb(&env, ELCR_S) == 0xde);
	outb(&env, ELCR_M, 0x20);	/* IRQ 5 */
	outb(&env, ELCR_S, 0x04);	/* IRQ 10 */
	CHECK(inb(&env, ELCR_M) == 0x20 && inb(&env, ELCR_S) == 0x04);

	/* edge: a rising edge latches, holding high does not repeat */
	irq(&env, 4, true);
	CHECK(ack(&env) == M_BASE + 4);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	irq(&env, 4, true);		/* no edge */
	CHECK(!pending(&env));
	irq(&env, 4, false);
	irq(&env, 4, true);
	CHECK(pending(&env));
	CHECK(ack(&env) == M_BASE + 4);
	outb(&env, M_CMD, EOI);
	/* a latched edge request survives the line falling */
	pulse(&env, 3);
	CHECK(pending(&env) && ack(&env) == M_BASE + 3);
	outb(&env, M_CMD, EOI);
	irq(&env, 4, false);

	/* level: IRR follows the line and requests again after EOI */
	irq(&env, 5, true);
	CHECK(inb(&env, M_CMD) == 0x20);
	CHECK(ack(&env) == M_BASE + 5);
	CHECK(inb(&env, M_CMD) == 0x20);
	CHECK(!pending(&env));
	outb(&env, M_CMD, EOI);
	CHECK(pending(&env));
	CHECK(ack(&env) == M_BASE + 5);
	irq(&env, 5, false);
	CHECK(inb(&env, M_CMD) == 0);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));

	/* a level request on the slave */
	irq(&env, 10, true);
	CHECK(ack(&env) == S_BASE + 2);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(pending(&env));
	CHECK(ack(&env) == S_BASE + 2);
	irq(&env, 10, false);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));

	/* switching to level picks up a high line; to edge, drops it */
	irq(&env, 6, true);
	CHECK(ack(&env) == M_BASE + 6);
	outb(&env, M_CMD, EOI);
	outb(&env, ELCR_M, 0x60);
	CHECK(pending(&env));
	outb(&env, ELCR_M, 0x20);
	CHECK(!pending(&env) && inb(&env, M_CMD) == 0);
	/* edge-only inputs ignore ELCR writes */
	irq(&env, 1, true);
	CHECK(ack(&env) == M_BASE + 1);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_priority_and_eoi(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	pulse(&env, 5);
	pulse(&env, 3);
	CHECK(ack(&env) == M_BASE + 3);
	CHECK(master_isr(&env) == 0x08);
	CHECK(!pending(&env));		/* 5 waits for 3 */
	/* a higher priority nests */
	pulse(&env, 1);
	CHECK(pending(&env));
	CHECK(ack(&env) == M_BASE + 1);
	CHECK(master_isr(&env) == 0x0a);
	/* equal priority does not nest */
	pulse(&env, 1);
	CHECK(!pending(&env));
	/* a non-specific EOI ends the highest in service: 1 */
	outb(&env, M_CMD, EOI);
	CHECK(master_isr(&env) == 0x08);
	CHECK(ack(&env) == M_BASE + 1);
	outb(&env, M_CMD, SEOI(1));
	CHECK(master_isr(&env) == 0x08 && !pending(&env));
	/* a specific EOI of something not in service changes nothing */
	outb(&env, M_CMD, SEOI(6));
	CHECK(master_isr(&env) == 0x08 && !pending(&env));
	outb(&env, M_CMD, SEOI(3));
	CHECK(master_isr(&env) == 0);
	CHECK(ack(&env) == M_BASE + 5);
	outb(&env, M_CMD, EOI);
	/* an EOI with nothing in service, and a no-op OCW2 */
	outb(&env, M_CMD, EOI);
	outb(&env, M_CMD, 0x40);
	CHECK(master_isr(&env) == 0 && !pending(&env));
	/* IR0 beats everything, the slave sits at IR2's priority */
	pulse(&env, 3);
	pulse(&env, 12);
	pulse(&env, 0);
	CHECK(ack(&env) == M_BASE + 0);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == S_BASE + 4);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == M_BASE + 3);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_cascade(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	irq(&env, 2, true);		/* the cascade input: not ours */
	CHECK(!pending(&env));
	pulse(&env, 12);
	CHECK(inb(&env, M_CMD) == 0x04 && inb(&env, S_CMD) == 0x10);
	CHECK(pending(&env));
	CHECK(ack(&env) == S_BASE + 4);
	CHECK(master_isr(&env) == 0x04 && slave_isr(&env) == 0x10);
	outb(&env, S_CMD, READ_IRR);
	outb(&env, M_CMD, READ_IRR);
	CHECK(inb(&env, M_CMD) == 0 && inb(&env, S_CMD) == 0);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));

	/* two slave requests, one after the other */
	pulse(&env, 14);
	pulse(&env, 9);
	CHECK(ack(&env) == S_BASE + 1);
	CHECK(!pending(&env));
	outb(&env, S_CMD, EOI);
	CHECK(!pending(&env));		/* the master's IR2 in service */
	outb(&env, M_CMD, EOI);
	CHECK(pending(&env));
	CHECK(ack(&env) == S_BASE + 6);
	/* no special fully nested mode: a higher slave IRQ waits */
	pulse(&env, 8);
	CHECK(!pending(&env));
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == S_BASE + 0);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));

	/* special fully nested mode on the master lets it through */
	outb(&env, M_CMD, 0x11);
	outb(&env, M_DATA, M_BASE);
	outb(&env, M_DATA, 0x04);
	outb(&env, M_DATA, 0x11);
	CHECK(env.pic.chip[0].sfnm);
	pulse(&env, 14);
	CHECK(ack(&env) == S_BASE + 6);
	pulse(&env, 15);		/* lower on the slave: waits */
	CHECK(!pending(&env));
	pulse(&env, 9);
	CHECK(pending(&env));
	CHECK(ack(&env) == S_BASE + 1);
	CHECK(slave_isr(&env) == 0x42 && master_isr(&env) == 0x04);
	/* but not a lower master IRQ */
	pulse(&env, 5);
	CHECK(!pending(&env));
	outb(&env, S_CMD, EOI);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == S_BASE + 7);
	CHECK(env.pic.spurious == 0);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == M_BASE + 5);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_auto_eoi(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, true);
	CHECK(env.pic.chip[0].auto_eoi && !env.pic.chip[1].auto_eoi);
	pulse(&env, 3);
	CHECK(ack(&env) == M_BASE + 3);
	CHECK(master_isr(&env) == 0);
	pulse(&env, 5);			/* no EOI needed */
	CHECK(ack(&env) == M_BASE + 5);
	CHECK(master_isr(&env) == 0 && !pending(&env));
	/* two at once: both come, highest first */
	pulse(&env, 6);
	pulse(&env, 4);
	CHECK(ack(&env) == M_BASE + 4);
	CHECK(pending(&env));
	CHECK(ack(&env) == M_BASE + 6);
	CHECK(!pending(&env));
	/* the slave (not in AEOI) keeps IR2 of the master free */
	pulse(&env, 9);
	CHECK(ack(&env) == S_BASE + 1);
	CHECK(master_isr(&env) == 0 && slave_isr(&env) == 0x02);
	outb(&env, S_CMD, EOI);

	/* rotate in AEOI mode: the IR just taken becomes the lowest */
	outb(&env, M_CMD, ROT_AEOI_SET);
	CHECK(env.pic.chip[0].rotate_on_aeoi);
	pulse(&env, 3);
	CHECK(ack(&env) == M_BASE + 3);
	CHECK(env.pic.chip[0].lowest == 3);
	pulse(&env, 1);
	pulse(&env, 5);
	CHECK(ack(&env) == M_BASE + 5);	/* 4 is now the highest */
	CHECK(ack(&env) == M_BASE + 1);	/* 5 lowest: 6, 7, 0, 1 */
	CHECK(env.pic.chip[0].lowest == 1);
	outb(&env, M_CMD, ROT_AEOI_CLEAR);
	CHECK(!env.pic.chip[0].rotate_on_aeoi);
	pulse(&env, 6);
	CHECK(ack(&env) == M_BASE + 6);
	CHECK(env.pic.chip[0].lowest == 1);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_rotation(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	/* set priority: 4 lowest, so 5 highest */
	outb(&env, M_CMD, SET_PRIO(4));
	CHECK(env.pic.chip[0].lowest == 4);
	pulse(&env, 3);
	pulse(&env, 6);
	CHECK(ack(&env) == M_BASE + 6);
	pulse(&env, 5);			/* higher than 6: nests */
	CHECK(ack(&env) == M_BASE + 5);
	/* the non-specific EOI ends 5, the highest in service */
	outb(&env, M_CMD, EOI);
	CHECK(master_isr(&env) == 0x40);
	outb(&env, M_CMD, EOI);
	CHECK(ack(&env) == M_BASE + 3);
	/* rotate on non-specific EOI: 3 becomes the lowest */
	outb(&env, M_CMD, ROT_EOI);
	CHECK(env.pic.chip[0].lowest == 3 && master_isr(&env) == 0);
	pulse(&env, 3);
	pulse(&env, 4);
	pulse(&env, 0);
	CHECK(ack(&env) == M_BASE + 4);
	outb(&env, M_CMD, ROT_EOI);	/* 4 lowest: 5, 6, 7, 0 ... */
	CHECK(ack(&env) == M_BASE + 0);
	/* rotate on specific EOI */
	outb(&env, M_CMD, ROT_SEOI(0));
	CHECK(env.pic.chip[0].lowest == 0 && master_isr(&env) == 0);
	pulse(&env, 7);
	CHECK(ack(&env) == M_BASE + 3);	/* 1, 2, 3 ... 7, 0 */
	outb(&env, M_CMD, SEOI(3));
	CHECK(ack(&env) == M_BASE + 7);
	outb(&env, M_CMD, ROT_SEOI(7));
	CHECK(env.pic.chip[0].lowest == 7 && !pending(&env));
	/* ICW1 gives IR7 the lowest priority back */
	outb(&env, M_CMD, SET_PRIO(2));
	outb(&env, M_CMD, 0x11);
	CHECK(env.pic.chip[0].lowest == 7);
	env_free(&env);
}

static void test_poll_mode(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	/* nothing: the poll word has bit 7 clear */
	outb(&env, M_CMD, POLL);
	CHECK(inb(&env, M_CMD) == 0);
	CHECK(inb(&env, M_CMD) == 0);	/* IRR: poll is for one read */
	pulse(&env, 6);
	pulse(&env, 4);
	outb(&env, M_CMD, POLL);
	CHECK(inb(&env, M_CMD) == 0x84);
	CHECK(master_isr(&env) == 0x10);
	outb(&env, M_CMD, READ_IRR);
	CHECK(inb(&env, M_CMD) == 0x40);
	outb(&env, M_CMD, POLL);
	CHECK(inb(&env, M_CMD) == 0);	/* 6 waits for 4 */
	outb(&env, M_CMD, EOI);
	outb(&env, M_CMD, POLL);
	CHECK(inb(&env, M_CMD) == 0x86);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	/* the slave: poll the master, then the slave */
	pulse(&env, 13);
	outb(&env, M_CMD, POLL);
	CHECK(inb(&env, M_CMD) == 0x82);
	outb(&env, S_CMD, POLL);
	CHECK(inb(&env, S_CMD) == 0x85);
	CHECK(master_isr(&env) == 0x04 && slave_isr(&env) == 0x20);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	/* poll wins over a register read in the same OCW3 */
	pulse(&env, 3);
	outb(&env, M_CMD, POLL | READ_ISR);
	CHECK(inb(&env, M_CMD) == 0x83);
	CHECK(inb(&env, M_CMD) == 0x08);	/* ISR selected */
	outb(&env, M_CMD, EOI);
	env_free(&env);
}

static void test_ocw3_reads(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	pulse(&env, 1);
	pulse(&env, 7);
	CHECK(ack(&env) == M_BASE + 1);
	CHECK(inb(&env, M_CMD) == 0x80);	/* IRR after ICW1 */
	outb(&env, M_CMD, READ_ISR);
	CHECK(inb(&env, M_CMD) == 0x02);
	outb(&env, M_CMD, 0x08);	/* RR clear: selection kept */
	CHECK(inb(&env, M_CMD) == 0x02);
	outb(&env, M_CMD, READ_IRR);
	CHECK(inb(&env, M_CMD) == 0x80);
	outb(&env, M_CMD, 0x09);	/* RIS without RR: kept */
	CHECK(inb(&env, M_CMD) == 0x80);
	CHECK(inb(&env, M_DATA) == 0);	/* the data port reads IMR */

	/* special mask mode: a masked in-service level does not block */
	outb(&env, M_CMD, SMM_SET);
	CHECK(env.pic.chip[0].special_mask);
	CHECK(!pending(&env));		/* 1 in service, not masked */
	outb(&env, M_DATA, 0x02);
	CHECK(pending(&env));
	CHECK(ack(&env) == M_BASE + 7);
	CHECK(master_isr(&env) == 0x82);
	outb(&env, M_CMD, SEOI(7));
	outb(&env, M_CMD, 0x28);	/* SMM without ESMM: no change */
	CHECK(env.pic.chip[0].special_mask);
	outb(&env, M_CMD, SMM_CLEAR);
	CHECK(!env.pic.chip[0].special_mask);
	pulse(&env, 6);
	CHECK(!pending(&env));		/* 1 blocks again */
	outb(&env, M_DATA, 0);
	outb(&env, M_CMD, SEOI(1));
	CHECK(ack(&env) == M_BASE + 6);
	outb(&env, M_CMD, EOI);
	/* reads during an initialisation sequence are well defined */
	outb(&env, S_CMD, 0x11);
	CHECK(inb(&env, S_CMD) == 0 && inb(&env, S_DATA) == 0);
	outb(&env, S_DATA, S_BASE);
	outb(&env, S_DATA, 2);
	outb(&env, S_DATA, 1);
	CHECK(env.pic.chip[1].init_step == 0);
	env_free(&env);
}

static void test_spurious(void)
{
	struct pic_env env;

	env_init(&env);
	linux_init(&env, false);
	/* nothing at all: IRQ 7, no ISR bit */
	CHECK(ack(&env) == M_BASE + 7);
	CHECK(env.pic.spurious == 1 && master_isr(&env) == 0);
	/* a level request that went away before the INTA cycle */
	outb(&env, ELCR_M, 0x20);
	outb(&env, ELCR_S, 0x04);
	irq(&env, 5, true);
	CHECK(pending(&env));
	irq(&env, 5, false);
	CHECK(!pending(&env));
	CHECK(ack(&env) == M_BASE + 7);
	CHECK(env.pic.spurious == 2 && master_isr(&env) == 0);
	/* one that a mask hid */
	pulse(&env, 4);
	outb(&env, M_DATA, 0x10);
	CHECK(ack(&env) == M_BASE + 7);
	CHECK(env.pic.spurious == 3 && master_isr(&env) == 0);
	outb(&env, M_DATA, 0);
	CHECK(ack(&env) == M_BASE + 4);
	outb(&env, M_CMD, EOI);
	/* a real IRQ 7 is no spurious one */
	pulse(&env, 7);
	CHECK(ack(&env) == M_BASE + 7);
	CHECK(env.pic.spurious == 3 && master_isr(&env) == 0x80);
	outb(&env, M_CMD, EOI);

	/* on the slave: IR2 stays latched, the slave has nothing: IRQ 15 */
	irq(&env, 10, true);
	irq(&env, 10, false);
	CHECK(pending(&env));
	CHECK(ack(&env) == S_BASE + 7);
	CHECK(env.pic.spurious == 4);
	CHECK(master_isr(&env) == 0x04 && slave_isr(&env) == 0);
	outb(&env, M_CMD, EOI);		/* what Linux does for it */
	CHECK(!pending(&env) && master_isr(&env) == 0);
	/* a masked slave request, likewise */
	pulse(&env, 11);
	outb(&env, S_DATA, 0x08);
	CHECK(ack(&env) == S_BASE + 7);
	CHECK(env.pic.spurious == 5);
	outb(&env, M_CMD, EOI);
	outb(&env, S_DATA, 0);
	CHECK(ack(&env) == S_BASE + 3);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(!pending(&env));
	env_free(&env);
}

static void test_notify(void)
{
	struct pic_env env;
	struct v3_pic pic;

	env_init(&env);
	linux_init(&env, false);
	CHECK(env.notifies == 0);
	irq(&env, 3, true);
	CHECK(env.notifies == 1);
	irq(&env, 4, true);		/* already high */
	irq(&env, 3, false);
	CHECK(env.notifies == 1);
	CHECK(ack(&env) == M_BASE + 3);	/* output falls: 4 is blocked */
	CHECK(env.notifies == 1 && !pending(&env));
	outb(&env, M_CMD, EOI);		/* 4 can go: rises again */
	CHECK(env.notifies == 2);
	CHECK(ack(&env) == M_BASE + 4);
	pulse(&env, 1);			/* nests: rises */
	CHECK(env.notifies == 3);
	CHECK(ack(&env) == M_BASE + 1);
	outb(&env, M_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(env.notifies == 3 && !pending(&env));
	/* a masked request: no rise until the unmask */
	outb(&env, M_DATA, 0x40);
	pulse(&env, 6);
	CHECK(env.notifies == 3);
	outb(&env, M_DATA, 0);
	CHECK(env.notifies == 4);
	/* masking and unmasking it again is another rise */
	outb(&env, M_DATA, 0x40);
	outb(&env, M_DATA, 0);
	CHECK(env.notifies == 5);
	CHECK(ack(&env) == M_BASE + 6);
	outb(&env, M_CMD, EOI);
	/* through the slave */
	pulse(&env, 12);
	CHECK(env.notifies == 6);
	CHECK(ack(&env) == S_BASE + 4);
	outb(&env, S_CMD, EOI);
	outb(&env, M_CMD, EOI);
	CHECK(env.notifies == 6);
	env_free(&env);

	/* without a callback */
	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&env.io);
	CHECK(v3_pic_init(&pic, &env.io, NULL, NULL) == 0);
	v3_pic_set_irq(&pic, 8, true);
	outb(&env, S_DATA, 0);
	outb(&env, M_DATA, 0);
	CHECK(v3_pic_pending(&pic));
	CHECK(v3_pic_ack(&pic) == 0x70);
	v3_pic_free(&pic, &env.io);
	v3_range_map_free(&env.io);
	CHECK(test_host.objects == 0);
}

static void test_wide_access(void)
{
	struct pic_env env;
	u8 buf[2];

	env_init(&env);
	/* ICW1 and ICW2 in one word, then ICW3 and ICW4 bytewise */
	buf[0] = 0x11;
	buf[1] = 0x48;
	CHECK(v3_range_dispatch(&env.io, M_CMD, buf, 2, true) == 0);
	CHECK(env.pic.chip[0].vector_base == 0x48);
	CHECK(env.pic.chip[0].init_step == 3);
	outb(&env, M_DATA, 0x04);
	outb(&env, M_DATA, 0x01);
	/* a word read: IRR, then IMR */
	outb(&env, M_DATA, 0xf7);
	pulse(&env, 5);
	CHECK(v3_range_dispatch(&env.io, M_CMD, buf, 2, false) == 0);
	CHECK(buf[0] == 0x20 && buf[1] == 0xf7);
	/* both ELCRs at once */
	buf[0] = 0xff;
	buf[1] = 0xff;
	CHECK(v3_range_dispatch(&env.io, ELCR_M, buf, 2, true) == 0);
	buf[0] = 0;
	buf[1] = 0;
	CHECK(v3_range_dispatch(&env.io, ELCR_M, buf, 2, false) == 0);
	CHECK(buf[0] == 0xf8 && buf[1] == 0xde);
	/* across the end of a range: not the PIC's */
	CHECK(v3_range_dispatch(&env.io, M_DATA, buf, 2, false) == -ENOENT);
	CHECK(v3_range_dispatch(&env.io, S_DATA, buf, 2, true) == -ENOENT);
	CHECK(v3_range_dispatch(&env.io, ELCR_S, buf, 2, false) == -ENOENT);
	env_free(&env);
}

static int other_access(u64 addr, void *data, unsigned int len, bool write,
			void *priv)
{
	return 0;
}

static void test_init_failures(void)
{
	static const u16 taken[] = { M_DATA, S_CMD, ELCR_S };
	struct v3_range_map io;
	struct v3_pic pic;
	unsigned int i;
	long n;
	int err;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&io);
	/* each of the three ranges already hooked by another device */
	for (i = 0; i < ARRAY_SIZE(taken); i++) {
		CHECK(v3_range_hook(&io, taken[i], taken[i], other_access,
				    NULL) == 0);
		CHECK(v3_pic_init(&pic, &io, NULL, NULL) == -EBUSY);
		CHECK(!pic.lock && io.nr == 1);
		CHECK(v3_range_find(&io, taken[i], 1)->fn == other_access);
		CHECK(test_host.errors == (int)i + 1);
		v3_pic_free(&pic, &io);		/* harmless */
		CHECK(io.nr == 1);
		CHECK(v3_range_unhook(&io, taken[i]) == 0);
	}
	v3_range_map_free(&io);
	CHECK(test_host.objects == 0);

	/*
	 * Every allocation failing in turn: the lock, then the registry
	 * growing at the second hook (seven other hooks fill its first
	 * eight entries).
	 */
	for (n = 1; n < 10; n++) {
		memset(&test_host, 0, sizeof(test_host));
		v3_io_map_init(&io);
		for (i = 0; i < 7; i++)
			CHECK(v3_range_hook(&io, 0x100 + i, 0x100 + i,
					    other_access, NULL) == 0);
		test_host.fail_nth = n;
		err = v3_pic_init(&pic, &io, NULL, NULL);
		test_host.fail_nth = 0;
		if (!err) {
			CHECK(io.nr == 10);
			v3_pic_free(&pic, &io);
			CHECK(io.nr == 7);
			v3_range_map_free(&io);
			CHECK(test_host.objects == 0);
			break;
		}
		CHECK(err == -ENOMEM);
		CHECK(!pic.lock && io.nr == 7);
		CHECK(!v3_range_find(&io, M_CMD, 1));
		v3_pic_free(&pic, &io);
		v3_range_map_free(&io);
		CHECK(test_host.objects == 0);
	}
	CHECK(n == 3);		/* the lock and one registry growth */
}

static void test_free(void)
{
	struct pic_env env;
	u8 val = 0;

	env_init(&env);
	linux_init(&env, false);
	pulse(&env, 1);
	v3_pic_free(&env.pic, &env.io);
	CHECK(!env.pic.lock && env.io.nr == 0);
	CHECK(v3_range_dispatch(&env.io, M_CMD, &val, 1, true) == -ENOENT);
	CHECK(v3_range_dispatch(&env.io, ELCR_S, &val, 1, false) == -ENOENT);
	v3_pic_free(&env.pic, &env.io);	/* twice: harmless */
	/* the ports can be hooked again */
	CHECK(v3_pic_init(&env.pic, &env.io, env_notify, &env) == 0);
	CHECK(inb(&env, M_DATA) == 0xff);
	env_free(&env);
}

/* Invariants that hold after every step */
static void check_invariants(struct pic_env *env)
{
	const struct v3_pic_chip *m = &env->pic.chip[0];
	const struct v3_pic_chip *s = &env->pic.chip[1];
	unsigned int i;

	CHECK(!(m->elcr & 0x07) && !(s->elcr & 0x21));
	for (i = 0; i < 2; i++) {
		const struct v3_pic_chip *c = &env->pic.chip[i];

		/* a level input requests exactly while high */
		CHECK((c->irr & c->elcr) == (c->lines & c->elcr));
		CHECK(c->lowest < 8);
		CHECK(!(c->vector_base & 7));
		CHECK((c->init_step & 0x0f) == 0 ||
		      ((c->init_step & 0x0f) >= 2 &&
		       (c->init_step & 0x0f) <= 4));
	}
	/* the output asks only for an unmasked request */
	if (env->pic.output)
		CHECK(m->irr & ~m->imr);
	CHECK(pending(env) == env->pic.output);
}

#define STRESS_STEPS	10000

static void test_random_stress(void)
{
	static const u16 ports[] = {
		M_CMD, M_DATA, S_CMD, S_DATA, ELCR_M, ELCR_S,
	};
	struct pic_env env;
	unsigned int step, acks = 0;

	env_init(&env);
	srand(20260704);
	linux_init(&env, false);
	for (step = 0; step < STRESS_STEPS && !case_failed; step++) {
		unsigned int op = rand() % 8;
		unsigned int port = ports[rand() % ARRAY_SIZE(ports)];
		u8 val = rand();
		bool was = env.pic.output, many = false;
		int before = env.notifies;
		u8 vec, mb, sb;

		switch (op) {
		case 0:
			outb(&env, port, val);
			break;
		case 1:
			inb(&env, port);
			break;
		case 2:
		case 3:
			irq(&env, rand() % 16, rand() & 1);
			break;
		case 4:
			mb = env.pic.chip[0].vector_base;
			sb = env.pic.chip[1].vector_base;
			vec = ack(&env);
			acks++;
			CHECK((vec & ~7) == mb || (vec & ~7) == sb);
			break;
		case 5:
			outb(&env, rand() & 1 ? M_CMD : S_CMD, EOI);
			break;
		default:
			/* keep the chips mostly initialised and unmasked */
			many = rand() % 64 == 0;
			if (many)
				linux_init(&env, rand() & 1);
			else
				outb(&env, rand() & 1 ? M_DATA : S_DATA, 0);
			break;
		}
		/* one notify at most per access, on a rise */
		if (!many) {
			CHECK(env.notifies - before <= 1);
			if (env.notifies > before)
				CHECK(!was && env.pic.output);
			if (!was && env.pic.output)
				CHECK(env.notifies == before + 1);
		}
		check_invariants(&env);
	}
	CHECK(acks > 0);
	env_free(&env);
}

static const struct test_case pic_cases[] = {
	{ "reset_state", test_reset_state },
	{ "init_sequence", test_init_sequence },
	{ "masking", test_masking },
	{ "edge_and_level", test_edge_and_level },
	{ "priority_and_eoi", test_priority_and_eoi },
	{ "cascade", test_cascade },
	{ "auto_eoi", test_auto_eoi },
	{ "rotation", test_rotation },
	{ "poll_mode", test_poll_mode },
	{ "ocw3_reads", test_ocw3_reads },
	{ "spurious", test_spurious },
	{ "notify", test_notify },
	{ "wide_access", test_wide_access },
	{ "init_failures", test_init_failures },
	{ "free", test_free },
	{ "random_stress", test_random_stress },
};

const struct test_suite pic_suite = {
	.name = "pic",
	.cases = pic_cases,
	.nr = ARRAY_SIZE(pic_cases),
};
