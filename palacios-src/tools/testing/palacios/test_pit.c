// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the i8254 PIT model.  The guest's side is driven only
 * through the port registry, as the exit path drives it; time moves only
 * through test_host_advance(), which fires the model's timer.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/pit.h>

#include "test_host.h"
#include "tests.h"

#define CH0		0x40
#define CH1		0x41
#define CH2		0x42
#define MODE		0x43
#define PORTB		0x61

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_US	1000ULL

/* What Linux programs, from its i8253.h and i8253.c */
#define LINUX_HZ	250
#define LINUX_LATCH	((V3_PIT_HZ + LINUX_HZ / 2) / LINUX_HZ)

#define PORTB_GATE2	0x01
#define PORTB_SPEAKER	0x02
#define PORTB_REFRESH	0x10
#define PORTB_OUT2	0x20

#define ST_OUT		0x80
#define ST_NULL_COUNT	0x40

struct pit_env {
	struct v3_range_map io;
	struct v3_pit pit;
	bool level;
	int irq_calls;
	int rises;
	int falls;
};

static void env_irq(void *priv, bool level)
{
	struct pit_env *env = priv;

	/* only changes are reported */
	CHECK(level != env->level);
	env->level = level;
	env->irq_calls++;
	if (level)
		env->rises++;
	else
		env->falls++;
}

static void env_init(struct pit_env *env)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	v3_io_map_init(&env->io);
	CHECK(v3_pit_init(&env->pit, &env->io, env_irq, env) == 0);
}

static void env_free(struct pit_env *env)
{
	v3_pit_free(&env->pit, &env->io);
	v3_range_map_free(&env->io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);
	CHECK(test_host.errors == 0);
}

static u8 inb(struct pit_env *env, u16 port)
{
	u8 val = 0x5a;

	CHECK(v3_range_dispatch(&env->io, port, &val, 1, false) == 0);
	return val;
}

static void outb(struct pit_env *env, u16 port, u8 val)
{
	CHECK(v3_range_dispatch(&env->io, port, &val, 1, true) == 0);
}

/* A counter in access mode 3 (LSB then MSB) */
static u16 in16(struct pit_env *env, u16 port)
{
	u8 lo = inb(env, port);

	return lo | inb(env, port) << 8;
}

static void out16(struct pit_env *env, u16 port, u16 val)
{
	outb(env, port, val & 0xff);
	outb(env, port, val >> 8);
}

/* Ticks in @ns, computed the slow exact way */
static u64 ticks_in(u64 ns)
{
	return (__uint128_t)ns * V3_PIT_HZ / NS_PER_SEC;
}

/* The first nanosecond by which @ticks have elapsed */
static u64 ns_of(u64 ticks)
{
	return ((__uint128_t)ticks * NS_PER_SEC + V3_PIT_HZ - 1) /
	       V3_PIT_HZ;
}

static bool timer_armed(struct pit_env *env, u64 *deadline)
{
	return test_host_timer_armed(env->pit.timer, deadline);
}

static void test_reset_state(void)
{
	struct pit_env env;
	u8 a, b;

	env_init(&env);
	CHECK(v3_range_find(&env.io, CH0, 4));
	CHECK(v3_range_find(&env.io, PORTB, 1));
	CHECK(!v3_range_find(&env.io, CH0 - 1, 1));
	CHECK(!v3_range_find(&env.io, MODE + 1, 1));
	CHECK(!v3_range_find(&env.io, PORTB - 1, 1));
	CHECK(!v3_range_find(&env.io, PORTB + 1, 1));
	CHECK(inb(&env, MODE) == 0xff);
	/* gate 2 and speaker off, counter 2 idle: only refresh toggles */
	a = inb(&env, PORTB);
	b = inb(&env, PORTB);
	CHECK((a & ~PORTB_REFRESH) == 0 && (b & ~PORTB_REFRESH) == 0);
	CHECK((a ^ b) == PORTB_REFRESH);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.irq_calls == 0);
	env_free(&env);
}

/* LSB then MSB, LSB only and MSB only, the count going down with time */
static void test_count_readback(void)
{
	struct pit_env env;
	u16 first, second;

	env_init(&env);
	outb(&env, MODE, 0x34);		/* counter 0, LSB+MSB, mode 2 */
	out16(&env, CH0, 11932);
	CHECK(in16(&env, CH0) == 11932);
	test_host_advance(NS_PER_MS);
	CHECK(in16(&env, CH0) == 11932 - ticks_in(NS_PER_MS));
	/* wraps around at the end of each period */
	test_host_advance(10 * NS_PER_MS);
	CHECK(in16(&env, CH0) == 11932 - ticks_in(11 * NS_PER_MS) % 11932);

	/* counter 1, LSB only, mode 0: counts through zero and wraps */
	outb(&env, MODE, 0x50);
	outb(&env, CH1, 200);
	CHECK(inb(&env, CH1) == 200);
	test_host_advance(100 * NS_PER_US);	/* 119 ticks */
	CHECK(inb(&env, CH1) == 200 - ticks_in(100 * NS_PER_US));
	test_host_advance(100 * NS_PER_US);
	CHECK(inb(&env, CH1) ==
	      ((200 - ticks_in(200 * NS_PER_US)) & 0xff));

	/* counter 1, MSB only: the count is 0x1200 */
	outb(&env, MODE, 0x60);
	outb(&env, CH1, 0x12);
	CHECK(inb(&env, CH1) == 0x12);
	test_host_advance(NS_PER_MS);	/* 1193 ticks: 0x1200 - 0x4a9 */
	CHECK(inb(&env, CH1) == ((0x1200 - ticks_in(NS_PER_MS)) >> 8));

	/* count 0 is 0x10000; reading the counter twice gives less */
	outb(&env, MODE, 0x70);		/* counter 1, LSB+MSB, mode 0 */
	out16(&env, CH1, 0);
	CHECK(in16(&env, CH1) == 0);
	test_host_advance(NS_PER_US * 10);
	first = in16(&env, CH1);
	test_host_advance(NS_PER_US * 10);
	second = in16(&env, CH1);
	CHECK(first == 0x10000 - ticks_in(10 * NS_PER_US));
	CHECK(second < first);
	env_free(&env);
}

/* The latch command and the read-back command, with status bytes */
static void test_latch_and_readback(void)
{
	struct pit_env env;
	u16 latched;

	env_init(&env);
	outb(&env, MODE, 0x74);		/* counter 1, LSB+MSB, mode 2 */
	/* before a count: null count set, output high (mode 2) */
	outb(&env, MODE, 0xe4);		/* read-back status, counter 1 */
	CHECK(inb(&env, CH1) == (ST_OUT | ST_NULL_COUNT | 0x34));
	out16(&env, CH1, 50000);
	outb(&env, MODE, 0xe4);
	CHECK(inb(&env, CH1) == (ST_OUT | 0x34));

	/* counter latch: the count of the latch moment, until read */
	test_host_advance(NS_PER_MS);
	outb(&env, MODE, 0x40);
	latched = 50000 - ticks_in(NS_PER_MS);
	test_host_advance(NS_PER_MS);
	outb(&env, MODE, 0x40);		/* ignored: still latched */
	CHECK(inb(&env, CH1) == (latched & 0xff));
	test_host_advance(NS_PER_MS);
	CHECK(inb(&env, CH1) == latched >> 8);
	/* then live again */
	CHECK(in16(&env, CH1) == 50000 - ticks_in(3 * NS_PER_MS));

	/* read-back of count and status: status first */
	outb(&env, MODE, 0xc4);
	test_host_advance(NS_PER_MS);
	CHECK(inb(&env, CH1) == (ST_OUT | 0x34));
	CHECK(in16(&env, CH1) == 50000 - ticks_in(3 * NS_PER_MS));
	/* read-back of several counters at once, count only */
	outb(&env, MODE, 0xb0);		/* counter 2, mode 0, gate low */
	outb(&env, MODE, 0xe8);
	CHECK(inb(&env, CH2) == (ST_NULL_COUNT | 0x30));
	out16(&env, CH2, 1000);
	outb(&env, MODE, 0xdc);		/* counts of counters 2 and 1 */
	test_host_advance(NS_PER_MS);
	CHECK(in16(&env, CH2) == 1000);	/* gate low: not counting */
	CHECK(in16(&env, CH1) == 50000 - ticks_in(4 * NS_PER_MS));
	/* the BCD bit is kept for status */
	outb(&env, MODE, 0x71);		/* mode 0: OUT low */
	outb(&env, MODE, 0xe4);
	CHECK(inb(&env, CH1) == (ST_NULL_COUNT | 0x31));
	/* mode 6 is mode 2 */
	outb(&env, MODE, 0x7c);
	outb(&env, MODE, 0xe4);
	CHECK(inb(&env, CH1) == (ST_OUT | ST_NULL_COUNT | 0x34));
	CHECK(env.irq_calls == 0);
	env_free(&env);
}

/* Linux's PIT clockevent in one-shot mode */
static void test_mode0_oneshot(void)
{
	struct pit_env env;
	u64 deadline, t0;

	env_init(&env);
	outb(&env, MODE, 0x30);		/* counter 0, LSB+MSB, mode 0 */
	CHECK(!env.level && !timer_armed(&env, NULL));
	t0 = test_host.now_ns;
	out16(&env, CH0, 1193);		/* about 1 ms */
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + ns_of(1193));
	test_host_advance(500 * NS_PER_US);
	CHECK(env.irq_calls == 0);
	test_host_advance(500 * NS_PER_US);
	CHECK(env.rises == 1 && env.level);
	/* idle: no timer, no interrupt, however long */
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(10 * NS_PER_SEC);
	CHECK(env.irq_calls == 1);

	/* the next event: only the count is written, as Linux does */
	outb(&env, CH0, 0x10);
	CHECK(!env.level && env.falls == 1);	/* first byte: OUT low */
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_MS);
	CHECK(env.irq_calls == 2);
	t0 = test_host.now_ns;
	outb(&env, CH0, 0x00);		/* 16 ticks: 13 us */
	CHECK(timer_armed(&env, &deadline));
	/* no host timer closer than 200 us */
	CHECK(deadline == t0 + 200 * NS_PER_US);
	CHECK(test_host_advance(NS_PER_MS) == 1);
	CHECK(env.rises == 2 && env.level);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.irq_calls == 3);
	env_free(&env);
}

/* Linux's PIT clockevent in periodic mode: HZ interrupts a second */
static void test_mode2_periodic(void)
{
	struct pit_env env;
	u64 deadline, t0;
	int rises;

	env_init(&env);
	outb(&env, MODE, 0x34);
	/* mode 2 output is high: IRQ 0 rises once at programming */
	CHECK(env.level && env.rises == 1);
	t0 = test_host.now_ns;
	out16(&env, CH0, LINUX_LATCH);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + ns_of(LINUX_LATCH));
	rises = env.rises;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises - rises >= LINUX_HZ - 1 &&
	      env.rises - rises <= LINUX_HZ + 1);
	CHECK(env.falls == env.rises - 1 && env.level);
	/* always armed for the next period's end, without drift */
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + ns_of((ticks_in(NS_PER_SEC) / LINUX_LATCH + 1) *
				     LINUX_LATCH));
	/* a late host coalesces missed periods into one edge */
	rises = env.rises;
	test_host.now_ns += 100 * NS_PER_MS;
	test_host_advance(0);
	CHECK(env.rises == rises + 1);
	rises = env.rises;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises - rises >= LINUX_HZ - 1 &&
	      env.rises - rises <= LINUX_HZ + 1);
	env_free(&env);
}

static void test_mode3_square_wave(void)
{
	struct pit_env env;
	u16 a, b;
	int rises;

	env_init(&env);
	outb(&env, MODE, 0x36);		/* counter 0, mode 3 */
	out16(&env, CH0, 59659);	/* 20 Hz */
	rises = env.rises;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises - rises >= 19 && env.rises - rises <= 21);
	CHECK(env.level);

	/* counter 2 on port 0x61: high for the first half, low after */
	outb(&env, PORTB, PORTB_GATE2);
	outb(&env, MODE, 0xb6);
	out16(&env, CH2, 1000);
	CHECK(inb(&env, PORTB) & PORTB_OUT2);
	a = in16(&env, CH2);
	CHECK(a == 1000);
	test_host_advance(100 * NS_PER_US);	/* 119 ticks */
	b = in16(&env, CH2);
	CHECK(b == 1000 - 2 * ticks_in(100 * NS_PER_US));
	CHECK(!(b & 1));
	CHECK(inb(&env, PORTB) & PORTB_OUT2);
	test_host_advance(400 * NS_PER_US);	/* tick 596: the low half */
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	test_host_advance(300 * NS_PER_US);	/* tick 954 */
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	test_host_advance(200 * NS_PER_US);	/* tick 1193: high again */
	CHECK(inb(&env, PORTB) & PORTB_OUT2);
	env_free(&env);
}

static void test_reprogram_cancels_tick(void)
{
	struct pit_env env;
	u64 old, deadline, t0;
	int rises;

	env_init(&env);
	outb(&env, MODE, 0x34);
	out16(&env, CH0, LINUX_LATCH);
	test_host_advance(10 * NS_PER_MS);
	CHECK(timer_armed(&env, &old));

	/* a new count mid-period restarts the period */
	test_host_advance(2 * NS_PER_MS);
	t0 = test_host.now_ns;
	out16(&env, CH0, 2 * LINUX_LATCH);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + ns_of(2 * LINUX_LATCH) && deadline != old);
	rises = env.rises;
	test_host_advance(deadline - test_host.now_ns - 1);
	CHECK(env.rises == rises);	/* the old deadline passed silently */
	test_host_advance(1);
	CHECK(env.rises == rises + 1);

	/* a control word stops it: no stale tick */
	outb(&env, MODE, 0x34);
	CHECK(!timer_armed(&env, NULL));
	rises = env.rises;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises == rises);
	/* mode 0 without a count: low, and nothing fires */
	outb(&env, MODE, 0x30);
	CHECK(!env.level);
	test_host_advance(NS_PER_SEC);
	CHECK(!env.level && !timer_armed(&env, NULL));
	/* switching to one-shot mid-period, as Linux does */
	outb(&env, MODE, 0x34);
	out16(&env, CH0, LINUX_LATCH);
	test_host_advance(NS_PER_MS);
	outb(&env, MODE, 0x30);
	CHECK(!timer_armed(&env, NULL));
	out16(&env, CH0, 100);
	rises = env.rises;
	CHECK(test_host_advance(NS_PER_SEC) == 1);
	CHECK(env.rises == rises + 1);
	/* mode 4: one strobe after the count, then nothing */
	outb(&env, MODE, 0x38);
	out16(&env, CH0, 100);
	rises = env.rises;
	CHECK(test_host_advance(NS_PER_SEC) == 1);
	CHECK(env.rises == rises + 1 && env.level);
	CHECK(!timer_armed(&env, NULL));
	/* counters 1 and 2 never touch the timer */
	outb(&env, MODE, 0x74);
	out16(&env, CH1, 10);
	outb(&env, PORTB, PORTB_GATE2);
	outb(&env, MODE, 0xb4);
	out16(&env, CH2, 10);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	env_free(&env);
}

/* What Linux's pit_calibrate_tsc() and quick_pit_calibrate() do */
static void test_linux_tsc_calibration(void)
{
	struct pit_env env;
	u64 t0, polls = 0;
	u8 msb, prev;

	env_init(&env);
	/* speaker off, gate on */
	outb(&env, PORTB, (inb(&env, PORTB) & ~PORTB_SPEAKER) | PORTB_GATE2);
	CHECK((inb(&env, PORTB) & (PORTB_GATE2 | PORTB_SPEAKER)) ==
	      PORTB_GATE2);
	outb(&env, MODE, 0xb0);		/* counter 2, LSB+MSB, mode 0 */
	outb(&env, CH2, 0xff);
	outb(&env, CH2, 0xff);
	t0 = test_host.now_ns;
	/* the MSB goes down, as quick_pit_calibrate() expects */
	prev = 0xff;
	while (!(inb(&env, PORTB) & PORTB_OUT2)) {
		if (polls % 1000 == 0) {
			inb(&env, CH2);
			msb = inb(&env, CH2);
			CHECK(msb <= prev);
			prev = msb;
		}
		test_host_advance(NS_PER_US);
		if (++polls > 100000)
			break;
	}
	/* 65535 ticks: 54.92 ms */
	CHECK(test_host.now_ns - t0 >= ns_of(0xffff));
	CHECK(test_host.now_ns - t0 < ns_of(0xffff) + NS_PER_US);
	CHECK(prev < 0x10);
	/* and it stays high */
	test_host_advance(NS_PER_SEC);
	CHECK(inb(&env, PORTB) & PORTB_OUT2);
	/* the speaker bit reads back as written */
	outb(&env, PORTB, PORTB_SPEAKER | PORTB_GATE2);
	CHECK((inb(&env, PORTB) & (PORTB_GATE2 | PORTB_SPEAKER)) ==
	      (PORTB_GATE2 | PORTB_SPEAKER));
	/* nothing of it reaches IRQ 0 */
	CHECK(env.irq_calls == 0 && !timer_armed(&env, NULL));
	env_free(&env);
}

static void test_gate_pauses_counter2(void)
{
	struct pit_env env;

	env_init(&env);
	/* mode 0 with the gate low: loaded, not counting */
	outb(&env, MODE, 0xb0);
	out16(&env, CH2, 2000);
	test_host_advance(NS_PER_MS);
	CHECK(in16(&env, CH2) == 2000);
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	/* counts while high, pauses while low */
	outb(&env, PORTB, PORTB_GATE2);
	test_host_advance(NS_PER_MS);
	outb(&env, PORTB, 0);
	CHECK(in16(&env, CH2) == 2000 - ticks_in(NS_PER_MS));
	test_host_advance(10 * NS_PER_MS);
	CHECK(in16(&env, CH2) == 2000 - ticks_in(NS_PER_MS));
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	outb(&env, PORTB, PORTB_GATE2);
	test_host_advance(NS_PER_MS / 2);
	CHECK(in16(&env, CH2) == 2000 - ticks_in(NS_PER_MS + NS_PER_MS / 2));
	test_host_advance(NS_PER_MS / 2);
	/* 2 ms of gated time: past 2000 ticks */
	CHECK(inb(&env, PORTB) & PORTB_OUT2);

	/* mode 1: waits for a rising edge, OUT low until terminal count */
	outb(&env, MODE, 0xb2);
	out16(&env, CH2, 1193);
	test_host_advance(5 * NS_PER_MS);
	CHECK(inb(&env, PORTB) & PORTB_OUT2);	/* gate high: no edge */
	CHECK(in16(&env, CH2) == 1193);
	outb(&env, PORTB, 0);
	outb(&env, PORTB, PORTB_GATE2);		/* trigger */
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	test_host_advance(NS_PER_MS / 2);
	CHECK(in16(&env, CH2) == 1193 - ticks_in(NS_PER_MS / 2));
	/* re-trigger: starts over; a low gate does not stop mode 1 */
	outb(&env, PORTB, 0);
	outb(&env, PORTB, PORTB_GATE2);
	test_host_advance(NS_PER_MS / 2);
	CHECK(in16(&env, CH2) == 1193 - ticks_in(NS_PER_MS / 2));
	outb(&env, PORTB, 0);
	CHECK(!(inb(&env, PORTB) & PORTB_OUT2));
	test_host_advance(NS_PER_MS / 2);
	CHECK(inb(&env, PORTB) & PORTB_OUT2);

	/* mode 2: a low gate holds OUT high; its rising edge restarts */
	outb(&env, PORTB, PORTB_GATE2);
	outb(&env, MODE, 0xb4);
	out16(&env, CH2, 1000);
	test_host_advance(300 * NS_PER_US);
	outb(&env, PORTB, 0);
	CHECK(inb(&env, PORTB) & PORTB_OUT2);
	test_host_advance(NS_PER_MS);
	outb(&env, PORTB, PORTB_GATE2);
	CHECK(in16(&env, CH2) == 1000);
	CHECK(env.irq_calls == 0);
	env_free(&env);
}

/* No overflow after hours of counting */
static void test_long_uptime(void)
{
	static const u64 spans[] = {
		3600 * NS_PER_SEC,
		10 * 3600 * NS_PER_SEC + 123456789,
		100 * 24 * 3600 * NS_PER_SEC + 987654321,
	};
	struct pit_env env;
	u64 t0, deadline;
	unsigned int i;

	env_init(&env);
	test_host_advance(200 * 24 * 3600 * NS_PER_SEC);
	outb(&env, MODE, 0x74);		/* counter 1, mode 2 */
	out16(&env, CH1, 12345);
	t0 = test_host.now_ns;
	for (i = 0; i < ARRAY_SIZE(spans); i++) {
		test_host_advance(t0 + spans[i] - test_host.now_ns);
		CHECK(in16(&env, CH1) == 12345 - ticks_in(spans[i]) % 12345);
	}
	/* and counter 0 after a long idle: the next deadline is exact */
	outb(&env, MODE, 0x30);
	t0 = test_host.now_ns;
	out16(&env, CH0, 0);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + ns_of(0x10000));
	CHECK(test_host_advance(NS_PER_SEC) == 1 && env.level);
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
	struct v3_pit pit;
	long n;
	int err;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&io);
	/* port 0x61 or 0x42 hooked by another */
	CHECK(v3_range_hook(&io, PORTB, PORTB, other_access, NULL) == 0);
	CHECK(v3_pit_init(&pit, &io, NULL, NULL) == -EBUSY);
	CHECK(!pit.lock && !pit.timer && io.nr == 1);
	CHECK(v3_range_find(&io, PORTB, 1)->fn == other_access);
	v3_pit_free(&pit, &io);		/* harmless, leaves the other alone */
	CHECK(io.nr == 1);
	CHECK(v3_range_unhook(&io, PORTB) == 0);
	CHECK(v3_range_hook(&io, CH2, CH2, other_access, NULL) == 0);
	CHECK(v3_pit_init(&pit, &io, NULL, NULL) == -EBUSY);
	CHECK(!pit.lock && !pit.timer && io.nr == 1);
	CHECK(test_host.errors == 2);
	v3_range_map_free(&io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);

	/* each allocation failing in turn */
	for (n = 1; n < 20; n++) {
		v3_io_map_init(&io);
		test_host.fail_nth = n;
		err = v3_pit_init(&pit, &io, NULL, NULL);
		test_host.fail_nth = 0;
		if (!err) {
			v3_pit_free(&pit, &io);
			v3_range_map_free(&io);
			CHECK(test_host.objects == 0 && test_host.pages == 0);
			break;
		}
		CHECK(err == -ENOMEM);
		CHECK(!pit.lock && !pit.timer && io.nr == 0);
		v3_range_map_free(&io);
		CHECK(test_host.objects == 0 && test_host.pages == 0);
	}
	CHECK(n > 2 && n < 20);	/* lock, timer and the registry at least */
}

static void test_free(void)
{
	struct pit_env env;
	long objects;
	u8 val;

	env_init(&env);
	outb(&env, MODE, 0x34);
	out16(&env, CH0, LINUX_LATCH);
	CHECK(timer_armed(&env, NULL));
	objects = test_host.objects;
	v3_pit_free(&env.pit, &env.io);
	CHECK(!env.pit.lock && !env.pit.timer && env.io.nr == 0);
	CHECK(test_host.objects == objects - 1);	/* the timer */
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(v3_range_dispatch(&env.io, CH0, &val, 1, false) == -ENOENT);
	CHECK(v3_range_dispatch(&env.io, PORTB, &val, 1, false) == -ENOENT);
	v3_pit_free(&env.pit, &env.io);	/* twice: harmless */
	/* the ports can be hooked again */
	CHECK(v3_pit_init(&env.pit, &env.io, env_irq, &env) == 0);
	env_free(&env);
}

/* A stopped PIT's timer is off for good; its ports still answer. */
static void test_stop(void)
{
	struct pit_env env;
	int rises;

	env_init(&env);
	outb(&env, MODE, 0x34);
	out16(&env, CH0, LINUX_LATCH);
	CHECK(timer_armed(&env, NULL));
	v3_pit_stop(&env.pit);
	CHECK(!timer_armed(&env, NULL));
	rises = env.rises;
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(env.rises == rises);
	/* the guest cannot arm it again */
	outb(&env, MODE, 0x34);
	out16(&env, CH0, LINUX_LATCH);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	v3_pit_stop(&env.pit);		/* twice: harmless */
	env_free(&env);
}

/* Count 1 (1.19 MHz): at most one host timer interrupt per 200 us */
static void test_min_period(void)
{
	struct pit_env env;
	u64 deadline, t0;
	unsigned int fired;

	env_init(&env);
	outb(&env, MODE, 0x34);
	t0 = test_host.now_ns;
	out16(&env, CH0, 1);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + 200 * NS_PER_US);
	fired = test_host_advance(NS_PER_SEC);
	if (fired > 5000)
		printf("# %u host timer expiries in a second\n", fired);
	CHECK(fired >= 4900 && fired <= 5000);
	env_free(&env);
}

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random accesses and time steps: no crash, no leak, sane IRQ levels */
static void test_random_stress(void)
{
	static const u16 ports[] = { CH0, CH1, CH2, MODE, PORTB };
	struct pit_env env;
	unsigned int i, off;
	u8 buf[4];
	u64 r;

	env_init(&env);
	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 20000; i++) {
		r = rnd();
		switch (r % 8) {
		case 0:
		case 1:
			outb(&env, ports[(r >> 8) % ARRAY_SIZE(ports)], r >> 16);
			break;
		case 2:
			/* a control word with a sane count often enough */
			outb(&env, MODE, r >> 8);
			out16(&env, CH0 + (r >> 14) % 3, r >> 24);
			break;
		case 3:
		case 4:
			inb(&env, ports[(r >> 8) % ARRAY_SIZE(ports)]);
			break;
		case 5:
			/* wide accesses over the counters */
			off = (r >> 8) % 4;
			memcpy(buf, &r, sizeof(buf));
			CHECK(v3_range_dispatch(&env.io, CH0 + off, buf,
						1 + (r >> 16) % (4 - off),
						(r >> 20) & 1) == 0);
			break;
		default:
			test_host_advance((r >> 8) % (2 * NS_PER_MS));
			break;
		}
	}
	CHECK(env.irq_calls > 100);
	/* the timer is armed only for a counter 0 that will rise */
	outb(&env, MODE, 0x30);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	env_free(&env);
}

static const struct test_case pit_cases[] = {
	{ "reset_state", test_reset_state },
	{ "count_readback", test_count_readback },
	{ "latch_and_readback", test_latch_and_readback },
	{ "mode0_oneshot", test_mode0_oneshot },
	{ "mode2_periodic", test_mode2_periodic },
	{ "mode3_square_wave", test_mode3_square_wave },
	{ "reprogram_cancels_tick", test_reprogram_cancels_tick },
	{ "linux_tsc_calibration", test_linux_tsc_calibration },
	{ "gate_pauses_counter2", test_gate_pauses_counter2 },
	{ "long_uptime", test_long_uptime },
	{ "init_failures", test_init_failures },
	{ "free", test_free },
	{ "stop", test_stop },
	{ "min_period", test_min_period },
	{ "random_stress", test_random_stress },
};

const struct test_suite pit_suite = {
	.name = "pit",
	.cases = pit_cases,
	.nr = ARRAY_SIZE(pit_cases),
};
