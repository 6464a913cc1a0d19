// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the MC146818 RTC model.  The guest's side is driven only
 * through the port registry, as the exit path drives it; time moves only
 * through test_host.wall_ns at init and test_host_advance(), which fires
 * the model's timer.  Dates are checked against a calendar of the tests'
 * own, counted day by day from 1970.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/rtc.h>

#include "test_host.h"
#include "tests.h"

#define INDEX		0x70
#define DATA		0x71

#define SEC		0x00
#define SEC_ALARM	0x01
#define MIN		0x02
#define MIN_ALARM	0x03
#define HOUR		0x04
#define HOUR_ALARM	0x05
#define WDAY		0x06
#define MDAY		0x07
#define MON		0x08
#define YEAR		0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define CENTURY		0x32

#define A_UIP		0x80
#define A_RESET		0x70	/* divider held in reset, as Linux sets it */
#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_BINARY	0x04
#define B_24H		0x02
#define C_IRQF		0x80
#define C_PF		0x40
#define C_AF		0x20
#define C_UF		0x10
#define PM		0x80

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_US	1000ULL
#define DAY		86400ULL

/* Unix times, from date -u -d ... +%s */
#define T_2026_12_01_182113	1796149273ULL	/* a Tuesday */
#define T_2024_02_28_235959	1709164799ULL
#define T_1999_12_31_235959	946684799ULL
#define T_2099_12_31_235959	4102444799ULL
#define T_2100_02_28_120000	4107499200ULL

struct rtc_env {
	struct v3_range_map io;
	struct v3_rtc rtc;
	bool level;
	int irq_calls;
	int rises;
	int falls;
	u64 last_rise_ns;
	u64 min_gap_ns;
};

static void env_irq(void *priv, bool level)
{
	struct rtc_env *env = priv;

	/* only changes are reported */
	CHECK(level != env->level);
	env->level = level;
	env->irq_calls++;
	if (!level) {
		env->falls++;
		return;
	}
	if (env->rises &&
	    test_host.now_ns - env->last_rise_ns < env->min_gap_ns)
		env->min_gap_ns = test_host.now_ns - env->last_rise_ns;
	env->last_rise_ns = test_host.now_ns;
	env->rises++;
}

/* A clock started at @unix_secs, at host time 0 */
static void env_init_at(struct rtc_env *env, u64 unix_secs)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	env->min_gap_ns = ~0ULL;
	test_host.wall_ns = unix_secs * NS_PER_SEC;
	v3_io_map_init(&env->io);
	CHECK(v3_rtc_init(&env->rtc, &env->io, env_irq, env) == 0);
}

static void env_free(struct rtc_env *env)
{
	v3_rtc_free(&env->rtc, &env->io);
	v3_range_map_free(&env->io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);
	CHECK(test_host.errors == 0);
}

static u8 inb(struct rtc_env *env, u16 port)
{
	u8 val = 0x5a;

	CHECK(v3_range_dispatch(&env->io, port, &val, 1, false) == 0);
	return val;
}

static void outb(struct rtc_env *env, u16 port, u8 val)
{
	CHECK(v3_range_dispatch(&env->io, port, &val, 1, true) == 0);
}

static u8 cmos_read(struct rtc_env *env, u8 reg)
{
	outb(env, INDEX, reg);
	return inb(env, DATA);
}

static void cmos_write(struct rtc_env *env, u8 reg, u8 val)
{
	outb(env, INDEX, reg);
	outb(env, DATA, val);
}

static bool timer_armed(struct rtc_env *env, u64 *deadline)
{
	return test_host_timer_armed(env->rtc.timer, deadline);
}

/* Move the host's clock to @ns */
static void advance_to(u64 ns)
{
	CHECK(ns >= test_host.now_ns);
	test_host_advance(ns - test_host.now_ns);
}

struct ref_tm {
	unsigned int year, mon, mday, hour, min, sec;
	unsigned int wday;	/* 1 is Sunday, as in the RTC */
};

static bool ref_leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int ref_month_days(unsigned int y, unsigned int m)
{
	static const unsigned int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return days[m - 1] + (m == 2 && ref_leap(y));
}

/* The slow way: day by day, from 1970-01-01, a Thursday */
static void ref_time(u64 t, struct ref_tm *r)
{
	u64 days = t / DAY;
	unsigned int tod = t % DAY;

	r->wday = (days + 4) % 7 + 1;
	r->year = 1970;
	while (days >= 365U + ref_leap(r->year))
		days -= 365 + ref_leap(r->year++);
	r->mon = 1;
	while (days >= ref_month_days(r->year, r->mon))
		days -= ref_month_days(r->year, r->mon++);
	r->mday = days + 1;
	r->hour = tod / 3600;
	r->min = tod / 60 % 60;
	r->sec = tod % 60;
}

static u8 enc(unsigned int v, u8 b)
{
	return b & B_BINARY ? v : (v / 10) << 4 | v % 10;
}

static u8 enc_hour(unsigned int h, u8 b)
{
	if (b & B_24H)
		return enc(h, b);
	return enc(h % 12 ? h % 12 : 12, b) | (h >= 12 ? PM : 0);
}

/* Whether the registers show Unix time @t, in the mode of register B */
static bool time_is(struct rtc_env *env, u64 t)
{
	u8 b = cmos_read(env, REG_B);
	u8 want[8], got[8];
	static const u8 regs[8] = {
		SEC, MIN, HOUR, WDAY, MDAY, MON, YEAR, CENTURY
	};
	struct ref_tm r;
	unsigned int i;

	ref_time(t, &r);
	want[0] = enc(r.sec, b);
	want[1] = enc(r.min, b);
	want[2] = enc_hour(r.hour, b);
	want[3] = enc(r.wday, b);
	want[4] = enc(r.mday, b);
	want[5] = enc(r.mon, b);
	want[6] = enc(r.year % 100, b);
	want[7] = enc(r.year / 100, b);
	for (i = 0; i < 8; i++)
		got[i] = cmos_read(env, regs[i]);
	if (!memcmp(want, got, sizeof(want)))
		return true;
	printf("# B %02x: want", b);
	for (i = 0; i < 8; i++)
		printf(" %02x", want[i]);
	printf(", got");
	for (i = 0; i < 8; i++)
		printf(" %02x", got[i]);
	printf("\n");
	return false;
}

/* Set the clock to Unix time @t under SET, in register B's mode */
static void set_time(struct rtc_env *env, u64 t)
{
	u8 b = cmos_read(env, REG_B);
	struct ref_tm r;

	ref_time(t, &r);
	cmos_write(env, REG_B, b | B_SET);
	cmos_write(env, YEAR, enc(r.year % 100, b));
	cmos_write(env, CENTURY, enc(r.year / 100, b));
	cmos_write(env, MON, enc(r.mon, b));
	cmos_write(env, MDAY, enc(r.mday, b));
	cmos_write(env, HOUR, enc_hour(r.hour, b));
	cmos_write(env, MIN, enc(r.min, b));
	cmos_write(env, SEC, enc(r.sec, b));
	cmos_write(env, REG_B, b & ~B_SET);
}

/*
 * Let @ns pass in steps of @step as a guest whose interrupt handler reads
 * register C, as Linux's cmos_interrupt() does.  Return the flags seen.
 */
static u8 run_acking(struct rtc_env *env, u64 ns, u64 step)
{
	u64 end = test_host.now_ns + ns;
	u8 seen = 0, c;

	while (test_host.now_ns < end) {
		u64 left = end - test_host.now_ns;

		test_host_advance(left < step ? left : step);
		if (!env->level)
			continue;
		c = cmos_read(env, REG_C);
		CHECK(c & C_IRQF);
		CHECK(!env->level);
		seen |= c;
	}
	return seen;
}

static void test_reset_state(void)
{
	struct rtc_env env;
	unsigned int i;

	env_init_at(&env, T_2026_12_01_182113);
	CHECK(v3_range_find(&env.io, INDEX, 2));
	CHECK(!v3_range_find(&env.io, INDEX - 1, 1));
	CHECK(!v3_range_find(&env.io, DATA + 1, 1));
	CHECK(cmos_read(&env, REG_A) == 0x26);
	CHECK(cmos_read(&env, REG_B) == B_24H);
	CHECK(cmos_read(&env, REG_C) == 0);
	CHECK(cmos_read(&env, REG_D) == 0x80);
	CHECK(cmos_read(&env, SEC_ALARM) == 0);
	CHECK(cmos_read(&env, MIN_ALARM) == 0);
	CHECK(cmos_read(&env, HOUR_ALARM) == 0);
	for (i = 0x0e; i < V3_RTC_CMOS_SIZE; i++)
		CHECK(cmos_read(&env, i) == (i == CENTURY ? 0x20 : 0));
	/* nothing enabled: no timer, ever */
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(3600 * NS_PER_SEC);
	CHECK(test_host.timer_starts == 0 && env.irq_calls == 0);
	CHECK(time_is(&env, T_2026_12_01_182113 + 3600));
	env_free(&env);
}

/* 2026-12-01 18:21:13, a Tuesday, in the four modes */
static void test_time_modes(void)
{
	static const u8 bcd24[] = { 0x13, 0x21, 0x18, 3, 0x01, 0x12, 0x26 };
	static const u8 bin24[] = { 13, 21, 18, 3, 1, 12, 26 };
	static const u8 regs[] = { SEC, MIN, HOUR, WDAY, MDAY, MON, YEAR };
	struct rtc_env env;
	unsigned int i;

	env_init_at(&env, T_2026_12_01_182113);
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		CHECK(cmos_read(&env, regs[i]) == bcd24[i]);
	CHECK(cmos_read(&env, CENTURY) == 0x20);
	CHECK(time_is(&env, T_2026_12_01_182113));

	cmos_write(&env, REG_B, B_BINARY | B_24H);
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		CHECK(cmos_read(&env, regs[i]) == bin24[i]);
	CHECK(cmos_read(&env, CENTURY) == 20);

	cmos_write(&env, REG_B, 0);		/* BCD, 12-hour */
	CHECK(cmos_read(&env, HOUR) == (PM | 0x06));
	CHECK(cmos_read(&env, MIN) == 0x21);
	cmos_write(&env, REG_B, B_BINARY);	/* binary, 12-hour */
	CHECK(cmos_read(&env, HOUR) == (PM | 6));
	CHECK(cmos_read(&env, MIN) == 21);
	CHECK(time_is(&env, T_2026_12_01_182113));

	/* the time held under SET follows a change of mode */
	cmos_write(&env, REG_B, B_24H | B_SET);
	CHECK(cmos_read(&env, SEC) == 0x13 && cmos_read(&env, HOUR) == 0x18);
	cmos_write(&env, REG_B, B_BINARY | B_24H | B_SET);
	CHECK(cmos_read(&env, SEC) == 13 && cmos_read(&env, HOUR) == 18);
	cmos_write(&env, REG_B, B_BINARY | B_SET);
	CHECK(cmos_read(&env, HOUR) == (PM | 6));
	test_host_advance(5 * NS_PER_SEC);
	cmos_write(&env, REG_B, B_BINARY);
	CHECK(time_is(&env, T_2026_12_01_182113));
	env_free(&env);

	/* midnight is 12 AM, noon 12 PM; 10 PM in BCD is 0x90 */
	env_init_at(&env, T_2026_12_01_182113 - 18 * 3600 - 21 * 60);
	cmos_write(&env, REG_B, 0);
	CHECK(cmos_read(&env, HOUR) == 0x12);
	test_host_advance(12 * 3600 * NS_PER_SEC);
	CHECK(cmos_read(&env, HOUR) == (PM | 0x12));
	test_host_advance(3600 * NS_PER_SEC);
	CHECK(cmos_read(&env, HOUR) == (PM | 0x01));
	test_host_advance(9 * 3600 * NS_PER_SEC);
	CHECK(cmos_read(&env, HOUR) == (PM | 0x10));
	cmos_write(&env, REG_B, B_BINARY);
	CHECK(cmos_read(&env, HOUR) == (PM | 10));
	env_free(&env);
}

static void test_calendar_edges(void)
{
	struct rtc_env env;

	/* a leap day */
	env_init_at(&env, T_2024_02_28_235959);
	CHECK(cmos_read(&env, MDAY) == 0x28 && cmos_read(&env, MON) == 0x02);
	test_host_advance(NS_PER_SEC);
	CHECK(cmos_read(&env, MDAY) == 0x29 && cmos_read(&env, MON) == 0x02);
	CHECK(cmos_read(&env, WDAY) == 5);	/* Thursday */
	CHECK(cmos_read(&env, HOUR) == 0 && cmos_read(&env, SEC) == 0);
	test_host_advance(DAY * NS_PER_SEC);
	CHECK(cmos_read(&env, MDAY) == 0x01 && cmos_read(&env, MON) == 0x03);
	CHECK(cmos_read(&env, WDAY) == 6);
	CHECK(time_is(&env, T_2024_02_28_235959 + 1 + DAY));
	env_free(&env);

	/* the century byte follows the year: 1999 to 2000 */
	env_init_at(&env, T_1999_12_31_235959);
	CHECK(cmos_read(&env, CENTURY) == 0x19 && cmos_read(&env, YEAR) == 0x99);
	test_host_advance(NS_PER_SEC);
	CHECK(cmos_read(&env, CENTURY) == 0x20 && cmos_read(&env, YEAR) == 0);
	CHECK(cmos_read(&env, MON) == 1 && cmos_read(&env, MDAY) == 1);
	CHECK(cmos_read(&env, WDAY) == 7);	/* Saturday */
	/* 2000 is a leap year */
	test_host_advance((31 + 28) * DAY * NS_PER_SEC);
	CHECK(cmos_read(&env, MDAY) == 0x29 && cmos_read(&env, MON) == 0x02);
	env_free(&env);

	/* 2099 to 2100, in binary */
	env_init_at(&env, T_2099_12_31_235959);
	cmos_write(&env, REG_B, B_BINARY | B_24H);
	CHECK(cmos_read(&env, CENTURY) == 20 && cmos_read(&env, YEAR) == 99);
	test_host_advance(NS_PER_SEC);
	CHECK(cmos_read(&env, CENTURY) == 21 && cmos_read(&env, YEAR) == 0);
	CHECK(cmos_read(&env, WDAY) == 6);	/* Friday */
	CHECK(time_is(&env, T_2099_12_31_235959 + 1));
	env_free(&env);

	/* 2100 is not a leap year */
	env_init_at(&env, T_2100_02_28_120000);
	test_host_advance(DAY * NS_PER_SEC);
	CHECK(cmos_read(&env, MDAY) == 0x01 && cmos_read(&env, MON) == 0x03);
	CHECK(cmos_read(&env, CENTURY) == 0x21);
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

/* Random dates from 1970 to 2399, read and written in every mode */
static void test_calendar_random(void)
{
	static const u8 modes[] = { B_24H, B_BINARY | B_24H, 0, B_BINARY };
	u64 span = 13569465600ULL;	/* 2400-01-01 */
	struct rtc_env env;
	unsigned int i;
	u64 t, dt, phase;

	rnd_state = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < 1000; i++) {
		t = rnd() % span;
		env_init_at(&env, t);
		cmos_write(&env, REG_B, modes[i % 4]);
		CHECK(time_is(&env, t));
		env_free(&env);
		if (case_failed)
			return;
	}
	env_init_at(&env, 0);
	for (i = 0; i < 2000; i++) {
		t = rnd() % (span - 2 * DAY);
		cmos_write(&env, REG_B, modes[i % 4]);
		set_time(&env, t);
		CHECK(time_is(&env, t));
		/* the divider chain keeps its phase: the host's here */
		phase = test_host.now_ns % NS_PER_SEC;
		dt = rnd() % (2 * DAY * NS_PER_SEC);
		test_host_advance(dt);
		CHECK(time_is(&env, t + (phase + dt) / NS_PER_SEC));
		if (case_failed)
			break;
	}
	env_free(&env);
}

static void test_time_advances(void)
{
	struct rtc_env env;
	u64 t0 = T_2026_12_01_182113;

	env_init_at(&env, t0);
	test_host_advance(NS_PER_SEC - 1);
	CHECK(time_is(&env, t0));
	test_host_advance(1);
	CHECK(time_is(&env, t0 + 1));
	test_host_advance((59 * 60 + 59) * NS_PER_SEC);
	CHECK(time_is(&env, t0 + 3600));
	/* into the next year, and after a long uptime */
	test_host_advance(31 * DAY * NS_PER_SEC);
	CHECK(time_is(&env, t0 + 3600 + 31 * DAY));
	CHECK(cmos_read(&env, YEAR) == 0x27);
	test_host_advance(400 * DAY * NS_PER_SEC + 12345);
	CHECK(time_is(&env, t0 + 3600 + 431 * DAY));
	env_free(&env);
}

/* What Linux's mc146818_set_time() does, on Intel and on AMD */
static void test_set_time(void)
{
	struct rtc_env env;
	u64 t0 = T_2026_12_01_182113, t1 = T_2024_02_28_235959;
	u8 b, a;

	env_init_at(&env, t0);
	/* Intel: SET, and the divider held in reset */
	test_host_advance(NS_PER_SEC / 2);
	b = cmos_read(&env, REG_B);
	cmos_write(&env, REG_B, b | B_SET);
	a = cmos_read(&env, REG_A);
	cmos_write(&env, REG_A, a | A_RESET);
	cmos_write(&env, YEAR, 0x24);
	cmos_write(&env, MON, 0x02);
	cmos_write(&env, MDAY, 0x28);
	cmos_write(&env, HOUR, 0x23);
	cmos_write(&env, MIN, 0x59);
	cmos_write(&env, SEC, 0x59);
	/* held while SET: the bytes written, however long */
	test_host_advance(5 * NS_PER_SEC);
	CHECK(cmos_read(&env, SEC) == 0x59 && cmos_read(&env, YEAR) == 0x24);
	CHECK(cmos_read(&env, MIN) == 0x59 && cmos_read(&env, MON) == 0x02);
	cmos_write(&env, REG_B, b);
	CHECK(time_is(&env, t1));
	cmos_write(&env, REG_A, a);
	/* the first update comes 500 ms after the divider runs again */
	test_host_advance(NS_PER_SEC / 2 - 1);
	CHECK(time_is(&env, t1));
	test_host_advance(1);
	CHECK(time_is(&env, t1 + 1));
	test_host_advance(NS_PER_SEC);
	CHECK(time_is(&env, t1 + 2));
	env_free(&env);

	/* AMD leaves the divider alone: its phase goes on */
	env_init_at(&env, t0);
	test_host_advance(300 * NS_PER_MS);
	cmos_write(&env, REG_B, B_24H | B_SET);
	cmos_write(&env, REG_A, 0x26);
	set_time(&env, t1);	/* writes B with SET again, then clears it */
	CHECK(time_is(&env, t1));
	test_host_advance(700 * NS_PER_MS - 1);
	CHECK(time_is(&env, t1));
	test_host_advance(1);
	CHECK(time_is(&env, t1 + 1));

	/* a field written without SET takes effect at once */
	cmos_write(&env, MIN, 0x45);
	CHECK(cmos_read(&env, MIN) == 0x45 && cmos_read(&env, SEC) == 0x00);
	CHECK(cmos_read(&env, HOUR) == 0x00 && cmos_read(&env, MDAY) == 0x29);
	test_host_advance(NS_PER_SEC);
	CHECK(cmos_read(&env, SEC) == 0x01 && cmos_read(&env, MIN) == 0x45);

	/* values out of range are brought into it: the 31st of February */
	cmos_write(&env, REG_B, B_24H | B_SET);
	cmos_write(&env, MDAY, 0x31);
	cmos_write(&env, HOUR, 0x99);
	CHECK(cmos_read(&env, MDAY) == 0x31);	/* kept while SET */
	cmos_write(&env, REG_B, B_24H);
	CHECK(cmos_read(&env, MDAY) == 0x29 && cmos_read(&env, HOUR) == 0x23);

	/* 2000 is a leap year, 2100 is not: its 29th becomes the 28th */
	cmos_write(&env, REG_B, B_24H | B_SET);
	cmos_write(&env, YEAR, 0x00);
	cmos_write(&env, MDAY, 0x29);
	cmos_write(&env, REG_B, B_24H);
	CHECK(cmos_read(&env, MDAY) == 0x29 && cmos_read(&env, MON) == 0x02);
	CHECK(cmos_read(&env, WDAY) == 3);	/* Tuesday */
	cmos_write(&env, REG_B, B_24H | B_SET);
	cmos_write(&env, CENTURY, 0x21);
	cmos_write(&env, REG_B, B_24H);
	CHECK(cmos_read(&env, MDAY) == 0x28 && cmos_read(&env, YEAR) == 0);

	/* the century is written too, in binary here; 12-hour hours */
	cmos_write(&env, REG_B, B_BINARY | B_SET);
	cmos_write(&env, CENTURY, 21);
	cmos_write(&env, YEAR, 5);
	cmos_write(&env, HOUR, PM | 1);
	cmos_write(&env, REG_B, B_BINARY | B_24H);
	CHECK(cmos_read(&env, CENTURY) == 21 && cmos_read(&env, YEAR) == 5);
	CHECK(cmos_read(&env, HOUR) == 13);
	env_free(&env);
}

/* UIP: the last 244 us before each second boundary, never under SET */
static void test_uip(void)
{
	struct rtc_env env;
	u64 t0 = T_2026_12_01_182113;
	u64 base = 7 * NS_PER_SEC;
	unsigned int tries;
	u8 sec, s2;

	env_init_at(&env, t0);
	advance_to(base);
	CHECK(!(cmos_read(&env, REG_A) & A_UIP));
	advance_to(base + NS_PER_SEC - 244141);
	CHECK(!(cmos_read(&env, REG_A) & A_UIP));
	test_host_advance(1);
	CHECK(cmos_read(&env, REG_A) == (A_UIP | 0x26));
	CHECK(time_is(&env, t0 + 7));
	advance_to(base + NS_PER_SEC - 1);
	CHECK(cmos_read(&env, REG_A) & A_UIP);
	test_host_advance(1);
	CHECK(cmos_read(&env, REG_A) == 0x26);
	CHECK(time_is(&env, t0 + 8));

	/* never under SET, nor while the divider is held */
	advance_to(base + 2 * NS_PER_SEC - 100 * NS_PER_US);
	CHECK(cmos_read(&env, REG_A) & A_UIP);
	cmos_write(&env, REG_B, B_24H | B_SET);
	CHECK(!(cmos_read(&env, REG_A) & A_UIP));
	cmos_write(&env, REG_B, B_24H);
	CHECK(cmos_read(&env, REG_A) & A_UIP);
	cmos_write(&env, REG_A, 0x26 | A_RESET);
	CHECK(cmos_read(&env, REG_A) == (0x26 | A_RESET));
	cmos_write(&env, REG_A, 0x26);
	CHECK(!(cmos_read(&env, REG_A) & A_UIP));	/* 500 ms to go */
	env_free(&env);

	/* mc146818_avoid_UIP(), begun 200 us before a boundary */
	env_init_at(&env, t0);
	advance_to(NS_PER_SEC - 200 * NS_PER_US);
	for (tries = 0; tries < 100; tries++) {
		sec = cmos_read(&env, SEC);
		if (cmos_read(&env, REG_A) & A_UIP) {
			test_host_advance(100 * NS_PER_US);	/* udelay */
			continue;
		}
		if (sec != cmos_read(&env, SEC))
			continue;
		s2 = cmos_read(&env, SEC);
		if (!(cmos_read(&env, REG_A) & A_UIP) && s2 == sec)
			break;
	}
	/* UIP seen twice, 100 us apart; the third try is past the boundary */
	CHECK(tries == 2 && sec == 0x14);
	env_free(&env);
}

/* Register A's divider other than 010 holds the clock */
static void test_divider_hold(void)
{
	struct rtc_env env;
	u64 t0 = T_2026_12_01_182113;

	env_init_at(&env, t0);
	cmos_write(&env, REG_B, B_24H | B_PIE | B_UIE);
	CHECK(timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC / 4);
	cmos_read(&env, REG_C);
	cmos_write(&env, REG_A, 0x06);	/* 4.194304 MHz: not a PC's */
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(10 * NS_PER_SEC);
	CHECK(time_is(&env, t0));
	CHECK(cmos_read(&env, REG_C) == 0 && !env.level);
	cmos_write(&env, REG_A, 0x76);
	test_host_advance(10 * NS_PER_SEC);
	CHECK(time_is(&env, t0) && !timer_armed(&env, NULL));
	/* a write while held is kept */
	cmos_write(&env, SEC, 0x40);
	CHECK(cmos_read(&env, SEC) == 0x40);
	cmos_write(&env, REG_A, 0x26);
	CHECK(timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC / 2 - 1);
	CHECK(cmos_read(&env, SEC) == 0x40);
	test_host_advance(1);
	CHECK(cmos_read(&env, SEC) == 0x41);
	env_free(&env);
}

/* Register C: flags set whatever is enabled; a read clears them all */
static void test_register_c(void)
{
	struct rtc_env env;
	u8 c;

	env_init_at(&env, T_2026_12_01_182113);
	cmos_write(&env, REG_A, 0x20);		/* no periodic rate */
	test_host_advance(1500 * NS_PER_MS);
	/* a polling guest sees the update it missed, without IRQF */
	c = cmos_read(&env, REG_C);
	CHECK(c == C_UF);
	CHECK(cmos_read(&env, REG_C) == 0);
	cmos_write(&env, REG_A, 0x26);
	test_host_advance(NS_PER_MS);
	CHECK(cmos_read(&env, REG_C) == C_PF);
	CHECK(test_host.timer_starts == 0 && env.irq_calls == 0);

	/* IRQF follows the enables: PF pending, then PIE set */
	test_host_advance(NS_PER_MS);
	CHECK(!env.level);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(env.level && env.rises == 1);
	CHECK(!timer_armed(&env, NULL));	/* pending: nothing to time */
	/* clearing the enable releases the line; setting it again raises */
	cmos_write(&env, REG_B, B_24H);
	CHECK(!env.level && env.falls == 1);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(env.level && env.rises == 2);
	/* reading C lowers it, and the next edge raises it again */
	c = cmos_read(&env, REG_C);
	CHECK(c == (C_IRQF | C_PF));
	CHECK(!env.level && env.falls == 2);
	CHECK(cmos_read(&env, REG_C) == 0);
	CHECK(timer_armed(&env, NULL));
	test_host_advance(NS_PER_MS);
	CHECK(env.level && env.rises == 3);
	/* unacknowledged: one interrupt, then no timer */
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises == 3 && env.level);
	c = cmos_read(&env, REG_C);
	CHECK(c == (C_IRQF | C_PF | C_UF));
	/* writes to C and D change nothing */
	cmos_write(&env, REG_C, 0xff);
	cmos_write(&env, REG_D, 0x00);
	CHECK(cmos_read(&env, REG_D) == 0x80);
	CHECK(!(cmos_read(&env, REG_C) & C_IRQF));
	env_free(&env);
}

/* A stopped clock's timer stays off, whatever the guest asks */
static void test_stop(void)
{
	struct rtc_env env;

	env_init_at(&env, T_2026_12_01_182113);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(timer_armed(&env, NULL));
	v3_rtc_stop(&env.rtc);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	cmos_write(&env, REG_B, B_24H);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	env_free(&env);
}

static void test_periodic(void)
{
	struct rtc_env env;
	u64 deadline;
	u8 seen;

	env_init_at(&env, T_2026_12_01_182113);
	/* rate 6, 1024 Hz: the first edge 32 ticks from the second */
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == 976563);		/* 976562.5 ns, rounded up */
	seen = run_acking(&env, 100 * NS_PER_MS, 50 * NS_PER_US);
	CHECK(env.rises >= 101 && env.rises <= 103);	/* 102.4 */
	CHECK(seen == (C_IRQF | C_PF));
	/* stops with PIE cleared */
	cmos_write(&env, REG_B, B_24H);
	cmos_read(&env, REG_C);
	CHECK(!timer_armed(&env, NULL) && !env.level);
	env.rises = 0;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises == 0);

	/* rate 15 is 2 Hz; 1 and 2 are 256 Hz and 128 Hz */
	cmos_write(&env, REG_A, 0x2f);
	/* PF is pending from the last second: flush it first, as Linux */
	CHECK(cmos_read(&env, REG_C) == (C_PF | C_UF));
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(!env.level);
	run_acking(&env, NS_PER_SEC, NS_PER_MS);
	CHECK(env.rises == 2);
	cmos_write(&env, REG_A, 0x21);
	env.rises = 0;
	run_acking(&env, NS_PER_SEC, 100 * NS_PER_US);
	CHECK(env.rises == 256);
	cmos_write(&env, REG_A, 0x22);
	env.rises = 0;
	run_acking(&env, NS_PER_SEC, 100 * NS_PER_US);
	CHECK(env.rises == 128);
	/* rate 0: off */
	cmos_write(&env, REG_A, 0x20);
	cmos_read(&env, REG_C);
	CHECK(!timer_armed(&env, NULL));
	env.rises = 0;
	test_host_advance(NS_PER_SEC);
	CHECK(env.rises == 0 && !(cmos_read(&env, REG_C) & C_PF));
	env_free(&env);
}

/* The host timer is never armed closer than 100 us */
static void test_rate_floor(void)
{
	struct rtc_env env;
	u64 deadline, edge = 122071;	/* rate 3: 4 ticks, 122070.3 ns */
	unsigned int starts;

	env_init_at(&env, T_2026_12_01_182113);
	cmos_write(&env, REG_A, 0x23);
	advance_to(edge - 20 * NS_PER_US);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == test_host.now_ns + 100 * NS_PER_US);
	test_host_advance(100 * NS_PER_US - 1);
	CHECK(!env.level);
	test_host_advance(1);
	CHECK(env.level);
	CHECK(cmos_read(&env, REG_C) == (C_IRQF | C_PF));

	/* 8192 Hz, acknowledged at once: about 81 in 10 ms, none closer */
	env.rises = 0;
	starts = test_host.timer_starts;
	run_acking(&env, 10 * NS_PER_MS, NS_PER_US);
	CHECK(env.rises >= 80 && env.rises <= 83);
	CHECK(env.min_gap_ns >= 100 * NS_PER_US);
	CHECK(test_host.timer_starts - starts <= (unsigned int)env.rises + 1);
	env_free(&env);
}

static void test_update_interrupt(void)
{
	struct rtc_env env;
	u64 deadline;
	u8 seen;

	env_init_at(&env, T_2026_12_01_182113);
	test_host_advance(NS_PER_SEC / 3);
	cmos_write(&env, REG_B, B_24H | B_UIE);
	cmos_read(&env, REG_C);
	/* armed for the second boundary only */
	CHECK(timer_armed(&env, &deadline) && deadline == NS_PER_SEC);
	seen = run_acking(&env, 5 * NS_PER_SEC, NS_PER_MS);
	CHECK(env.rises == 5);
	CHECK(seen & C_UF);
	CHECK(env.min_gap_ns == NS_PER_SEC);
	CHECK(timer_armed(&env, &deadline) && deadline == 6 * NS_PER_SEC);
	/* no update interrupt under SET, which clears UIE */
	cmos_write(&env, REG_B, B_24H | B_UIE | B_SET);
	CHECK(cmos_read(&env, REG_B) == (B_24H | B_SET));
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(3 * NS_PER_SEC);
	CHECK(env.rises == 5 && !(cmos_read(&env, REG_C) & C_UF));
	cmos_write(&env, REG_B, B_24H | B_UIE);
	run_acking(&env, 2 * NS_PER_SEC, NS_PER_MS);
	CHECK(env.rises == 7);
	env_free(&env);
}

static void test_alarm(void)
{
	struct rtc_env env;
	u64 deadline;
	u8 c;

	env_init_at(&env, T_2026_12_01_182113);
	/* 18:21:20, seven seconds on, as rtc_cmos sets it */
	cmos_write(&env, SEC_ALARM, 0x20);
	cmos_write(&env, MIN_ALARM, 0x21);
	cmos_write(&env, HOUR_ALARM, 0x18);
	cmos_write(&env, REG_B, B_24H | B_AIE);
	CHECK(timer_armed(&env, &deadline) && deadline == 7 * NS_PER_SEC);
	test_host_advance(7 * NS_PER_SEC - 1);
	CHECK(!env.level);
	test_host_advance(1);
	CHECK(env.level && env.rises == 1);
	c = cmos_read(&env, REG_C);
	CHECK(c == (C_IRQF | C_AF | C_UF | C_PF));
	/* next: the same time tomorrow */
	CHECK(timer_armed(&env, &deadline) &&
	      deadline == 7 * NS_PER_SEC + DAY * NS_PER_SEC);
	test_host_advance(DAY * NS_PER_SEC);
	CHECK(env.rises == 2);
	cmos_read(&env, REG_C);

	/* don't care: minute and hour; every minute at :30 */
	cmos_write(&env, SEC_ALARM, 0x30);
	cmos_write(&env, MIN_ALARM, 0xff);
	cmos_write(&env, HOUR_ALARM, 0xc0);
	env.rises = 0;
	c = run_acking(&env, 180 * NS_PER_SEC, 10 * NS_PER_MS);
	CHECK(env.rises == 3 && (c & C_AF));
	CHECK(env.min_gap_ns == 60 * NS_PER_SEC);
	/* all three: every second */
	cmos_write(&env, SEC_ALARM, 0xc0);
	env.rises = 0;
	run_acking(&env, 10 * NS_PER_SEC, 10 * NS_PER_MS);
	CHECK(env.rises == 10);

	/* an alarm byte no time can match never fires, nor times */
	cmos_write(&env, SEC_ALARM, 0x7a);
	cmos_read(&env, REG_C);
	CHECK(!timer_armed(&env, NULL));
	env.rises = 0;
	test_host_advance(2 * DAY * NS_PER_SEC);
	CHECK(env.rises == 0 && !(cmos_read(&env, REG_C) & C_AF));
	env_free(&env);

	/* 12-hour mode: 6:21:30 PM; and AF polled without AIE */
	env_init_at(&env, T_2026_12_01_182113);
	cmos_write(&env, REG_B, 0);
	cmos_write(&env, SEC_ALARM, 0x30);
	cmos_write(&env, MIN_ALARM, 0x21);
	cmos_write(&env, HOUR_ALARM, PM | 0x06);
	test_host_advance(16 * NS_PER_SEC);
	CHECK(!(cmos_read(&env, REG_C) & C_AF));
	test_host_advance(NS_PER_SEC);
	CHECK(cmos_read(&env, REG_C) == (C_AF | C_UF | C_PF));
	CHECK(env.irq_calls == 0 && test_host.timer_starts == 0);
	/* 6 AM does not match 6 PM */
	cmos_write(&env, HOUR_ALARM, 0x06);
	cmos_write(&env, REG_B, B_AIE);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == 17 * NS_PER_SEC + 12 * 3600 * NS_PER_SEC);
	env_free(&env);
}

/* Bytes 0x0e-0x7f are RAM; the index's bit 7 (NMI off) is ignored */
static void test_cmos_ram(void)
{
	struct rtc_env env;
	unsigned int i;
	u8 buf[2];

	env_init_at(&env, T_2026_12_01_182113);
	for (i = 0x0e; i < V3_RTC_CMOS_SIZE; i++)
		if (i != CENTURY)
			cmos_write(&env, i, i * 7 + 3);
	for (i = 0x0e; i < V3_RTC_CMOS_SIZE; i++)
		if (i != CENTURY)
			CHECK(cmos_read(&env, i) == (u8)(i * 7 + 3));
	CHECK(cmos_read(&env, CENTURY) == 0x20);
	/* the alarm bytes keep what is written */
	cmos_write(&env, SEC_ALARM, 0xa5);
	CHECK(cmos_read(&env, SEC_ALARM) == 0xa5);

	outb(&env, INDEX, 0x80 | 0x40);
	outb(&env, DATA, 0x5c);
	CHECK(inb(&env, INDEX) == 0xc0);	/* kept as written */
	CHECK(cmos_read(&env, 0x40) == 0x5c);
	CHECK(cmos_read(&env, 0x80 | 0x40) == 0x5c);
	CHECK(cmos_read(&env, 0x80 | MIN) == 0x21);
	CHECK(cmos_read(&env, 0x80 | REG_D) == 0x80);

	/* a word access: index, then data */
	buf[0] = 0x41;
	buf[1] = 0x99;
	CHECK(v3_range_dispatch(&env.io, INDEX, buf, 2, true) == 0);
	CHECK(cmos_read(&env, 0x41) == 0x99);
	buf[0] = 0x41;
	CHECK(v3_range_dispatch(&env.io, INDEX, buf, 1, true) == 0);
	CHECK(v3_range_dispatch(&env.io, INDEX, buf, 2, false) == 0);
	CHECK(buf[0] == 0x41 && buf[1] == 0x99);
	/* beyond the two ports: not the RTC's */
	CHECK(v3_range_dispatch(&env.io, INDEX, buf, 4, false) == -ENOENT);

	/* register A keeps all but UIP; B all */
	cmos_write(&env, REG_A, 0xff);
	CHECK(cmos_read(&env, REG_A) == 0x7f);
	cmos_write(&env, REG_A, 0x26);
	cmos_write(&env, REG_B, 0x0b);		/* SQWE and DSE kept */
	CHECK(cmos_read(&env, REG_B) == 0x0b);
	CHECK(time_is(&env, T_2026_12_01_182113));
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
	struct v3_rtc rtc;
	long n;
	int err;

	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&io);
	/* port 0x71 hooked by another */
	CHECK(v3_range_hook(&io, DATA, DATA, other_access, NULL) == 0);
	CHECK(v3_rtc_init(&rtc, &io, NULL, NULL) == -EBUSY);
	CHECK(!rtc.lock && !rtc.timer && io.nr == 1);
	CHECK(v3_range_find(&io, DATA, 1)->fn == other_access);
	v3_rtc_free(&rtc, &io);		/* harmless, leaves the other alone */
	CHECK(io.nr == 1 && test_host.errors == 1);
	v3_range_map_free(&io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);

	/* each allocation failing in turn */
	for (n = 1; n < 20; n++) {
		v3_io_map_init(&io);
		test_host.fail_nth = n;
		err = v3_rtc_init(&rtc, &io, NULL, NULL);
		test_host.fail_nth = 0;
		if (!err) {
			v3_rtc_free(&rtc, &io);
			v3_range_map_free(&io);
			CHECK(test_host.objects == 0 && test_host.pages == 0);
			break;
		}
		CHECK(err == -ENOMEM);
		CHECK(!rtc.lock && !rtc.timer && io.nr == 0);
		v3_range_map_free(&io);
		CHECK(test_host.objects == 0 && test_host.pages == 0);
	}
	CHECK(n > 2 && n < 20);	/* lock, timer and the registry at least */
}

static void test_free(void)
{
	struct rtc_env env;
	long objects;
	u8 val;

	env_init_at(&env, T_2026_12_01_182113);
	cmos_write(&env, REG_B, B_24H | B_PIE);
	CHECK(timer_armed(&env, NULL));
	objects = test_host.objects;
	v3_rtc_free(&env.rtc, &env.io);
	CHECK(!env.rtc.lock && !env.rtc.timer && env.io.nr == 0);
	CHECK(test_host.objects == objects - 1);	/* the timer */
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(v3_range_dispatch(&env.io, INDEX, &val, 1, false) == -ENOENT);
	CHECK(v3_range_dispatch(&env.io, DATA, &val, 1, false) == -ENOENT);
	v3_rtc_free(&env.rtc, &env.io);	/* twice: harmless */
	/* the ports can be hooked again */
	CHECK(v3_rtc_init(&env.rtc, &env.io, env_irq, &env) == 0);
	env_free(&env);
}

/* Random accesses and time steps: no crash, no leak, sane IRQ levels */
static void test_random_stress(void)
{
	struct rtc_env env;
	unsigned int i, off;
	u8 buf[2];
	u64 r;

	env_init_at(&env, T_2099_12_31_235959);
	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 50000; i++) {
		r = rnd();
		switch (r % 8) {
		case 0:
		case 1:
			cmos_write(&env, r >> 8, r >> 16);
			break;
		case 2:
			/* the control registers, often */
			cmos_write(&env, REG_A + (r >> 8) % 3, r >> 16);
			break;
		case 3:
		case 4:
			cmos_read(&env, r >> 8);
			break;
		case 5:
			/* byte or word accesses, inside the two ports */
			off = (r >> 16) % 2;
			memcpy(buf, &r, sizeof(buf));
			CHECK(v3_range_dispatch(&env.io, INDEX + off, buf,
						off ? 1 : 1 + (r >> 17) % 2,
						(r >> 20) & 1) == 0);
			break;
		default:
			test_host_advance((r >> 8) % (3 * NS_PER_MS));
			break;
		}
		if (case_failed)
			break;
	}
	CHECK(env.irq_calls > 100);
	/* nothing enabled: no timer, the line low */
	cmos_write(&env, REG_B, B_24H);
	cmos_read(&env, REG_C);
	CHECK(!timer_armed(&env, NULL) && !env.level);
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	env_free(&env);
}

static const struct test_case rtc_cases[] = {
	{ "reset_state", test_reset_state },
	{ "time_modes", test_time_modes },
	{ "calendar_edges", test_calendar_edges },
	{ "calendar_random", test_calendar_random },
	{ "time_advances", test_time_advances },
	{ "set_time", test_set_time },
	{ "uip", test_uip },
	{ "divider_hold", test_divider_hold },
	{ "register_c", test_register_c },
	{ "periodic", test_periodic },
	{ "stop", test_stop },
	{ "rate_floor", test_rate_floor },
	{ "update_interrupt", test_update_interrupt },
	{ "alarm", test_alarm },
	{ "cmos_ram", test_cmos_ram },
	{ "init_failures", test_init_failures },
	{ "free", test_free },
	{ "random_stress", test_random_stress },
};

const struct test_suite rtc_suite = {
	.name = "rtc",
	.cases = rtc_cases,
	.nr = ARRAY_SIZE(rtc_cases),
};
