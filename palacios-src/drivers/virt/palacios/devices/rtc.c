// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the MC146818 real-time clock and CMOS RAM.
 *
 * The registers follow the Motorola MC146818A data sheet; what the model
 * leaves out is listed in <palacios/rtc.h>.  The clock is kept as the
 * nanoseconds since 1900-01-01 00:00 UTC that it showed at a host time,
 * and runs from there at the host's rate while the divider of register A
 * is 010.  Everything the chip would tick is computed from it when asked:
 * the date and time when a register is read, the 32.768 kHz divider chain
 * behind the periodic interrupt and UIP, and the update cycles at each
 * second boundary.
 *
 * The flags of register C are brought up to date (rtc_sync()) at every
 * access to the data port and every expiry of the host timer, from the
 * host time they were last brought up to: no periodic edge, update or
 * alarm is missed however late the timer or the guest is.  Their state
 * only changes at those points, after the sync, so that the clock runs
 * with the same settings all along each interval synced.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/rtc.h>

#define RTC_INDEX_PORT	0x70
#define RTC_DATA_PORT	0x71
#define RTC_INDEX_MASK	0x7f	/* bit 7 disables the NMI: kept, ignored */

/* Registers */
#define REG_SEC		0x00
#define REG_SEC_ALARM	0x01
#define REG_MIN		0x02
#define REG_MIN_ALARM	0x03
#define REG_HOUR	0x04
#define REG_HOUR_ALARM	0x05
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MON		0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32	/* RAM on the chip; the PC's century byte */

#define A_UIP		BIT(7)
#define A_DIV_MASK	0x70
#define A_DIV_32K	0x20
#define A_RATE_MASK	0x0f
#define A_DEFAULT	(A_DIV_32K | 0x06)

#define B_SET		BIT(7)
#define B_PIE		BIT(6)
#define B_AIE		BIT(5)
#define B_UIE		BIT(4)
#define B_DM_BINARY	BIT(2)
#define B_24H		BIT(1)
#define B_MODE		(B_DM_BINARY | B_24H)
#define B_DEFAULT	B_24H

/* The flags of register C sit where their enable bits sit in B. */
#define C_IRQF		BIT(7)
#define C_PF		BIT(6)
#define C_AF		BIT(5)
#define C_UF		BIT(4)
#define C_FLAGS		(C_PF | C_AF | C_UF)

#define D_VRT		BIT(7)

#define HOUR_PM		BIT(7)
#define ALARM_ANY	0xc0	/* both top bits: "don't care" */

#define NS_PER_SEC	1000000000ULL
#define SECS_PER_DAY	86400
#define RTC_HZ		32768	/* the divider chain's input */
#define RTC_UIP_TICKS	8	/* UIP leads the update by 244 us */

/*
 * The host timer is never armed closer than this: with the acknowledgment
 * every interrupt needs, a guest cannot make it fire more often.
 */
#define RTC_MIN_DELAY_NS	100000

#define RTC_FIRST_YEAR	1900
#define RTC_LAST_YEAR	2399
#define RTC_DAYS_1900_TO_1970	25567ULL
/* 1900-01-01 counted from 0000-03-01 of the proleptic Gregorian calendar */
#define RTC_DAYS_0_TO_1900	693901
#define RTC_DAYS_PER_400Y	146097

#define RTC_NO_EVENT	(~0ULL)
#define RTC_ANY		(-1)	/* an alarm byte that matches any value */
#define RTC_NEVER	(-2)	/* one that matches none */

/* A broken-down time */
struct rtc_tm {
	unsigned int year;
	unsigned int mon;	/* 1-12 */
	unsigned int mday;	/* 1-31 */
	unsigned int hour;	/* 0-23 */
	unsigned int min;
	unsigned int sec;
	unsigned int wday;	/* 0 is Sunday */
};

/* What to do once the lock is dropped */
struct rtc_work {
	bool report;	/* give @level to the IRQ callback */
	bool level;
	bool cancel;	/* no event needs the timer any more */
};

static bool rtc_leap(unsigned int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned int rtc_month_days(unsigned int year, unsigned int mon)
{
	static const u8 days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return days[mon - 1] + (mon == 2 && rtc_leap(year));
}

/*
 * Days from 1900-01-01 to a date from 1900 on.  Years are counted from
 * March here, so that the leap day is the last day of a year; each month
 * from March then starts (153 * month + 2) / 5 days into the year.
 */
static u64 rtc_days(unsigned int year, unsigned int mon, unsigned int mday)
{
	unsigned int m = mon > 2 ? mon - 3 : mon + 9;
	u64 y = mon > 2 ? year : year - 1;

	return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 +
	       mday - 1 - RTC_DAYS_0_TO_1900;
}

/* The inverse of rtc_days(), and the day of the week */
static void rtc_date(u64 days, struct rtc_tm *tm)
{
	u64 z = days + RTC_DAYS_0_TO_1900;
	u64 era = z / RTC_DAYS_PER_400Y;
	u32 doe = z % RTC_DAYS_PER_400Y;	/* day of the era */
	u32 yoe, doy, m;

	/* 365 days a year, less the leap days of each 4, 100, 400 years */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	m = (5 * doy + 2) / 153;
	tm->mday = doy - (153 * m + 2) / 5 + 1;
	tm->mon = m < 10 ? m + 3 : m - 9;
	tm->year = era * 400 + yoe + (tm->mon <= 2);
	tm->wday = (days + 1) % 7;		/* 1900-01-01 was a Monday */
}

static void rtc_tm_of(u64 clock_ns, struct rtc_tm *tm)
{
	u64 sec = clock_ns / NS_PER_SEC;
	u32 tod = sec % SECS_PER_DAY;

	rtc_date(sec / SECS_PER_DAY, tm);
	tm->hour = tod / 3600;
	tm->min = tod / 60 % 60;
	tm->sec = tod % 60;
}

static u64 rtc_secs_of(const struct rtc_tm *tm)
{
	return rtc_days(tm->year, tm->mon, tm->mday) * SECS_PER_DAY +
	       tm->hour * 3600 + tm->min * 60 + tm->sec;
}

static unsigned int rtc_clamp(unsigned int val, unsigned int lo,
			      unsigned int hi)
{
	return val < lo ? lo : val > hi ? hi : val;
}

/* A value in the register format of register B's mode */
static u8 rtc_enc(unsigned int val, u8 b)
{
	if (b & B_DM_BINARY)
		return val;
	return (val / 10) << 4 | val % 10;
}

static unsigned int rtc_dec(u8 val, u8 b)
{
	if (b & B_DM_BINARY)
		return val;
	return (val >> 4) * 10 + (val & 0xf);
}

static u8 rtc_enc_hour(unsigned int hour, u8 b)
{
	u8 pm = hour >= 12 ? HOUR_PM : 0;

	if (b & B_24H)
		return rtc_enc(hour, b);
	hour %= 12;
	return rtc_enc(hour ? hour : 12, b) | pm;
}

/* An hour register, brought into 0-23 */
static unsigned int rtc_dec_hour(u8 val, u8 b)
{
	unsigned int hour;

	if (b & B_24H)
		return rtc_clamp(rtc_dec(val, b), 0, 23);
	hour = rtc_clamp(rtc_dec(val & ~HOUR_PM, b), 1, 12) % 12;
	return val & HOUR_PM ? hour + 12 : hour;
}

/* The time registers, in the mode of @b, as a valid date */
static void rtc_image_tm(const struct v3_rtc *rtc, u8 b, struct rtc_tm *tm)
{
	const u8 *r = rtc->cmos;
	unsigned int year;

	year = rtc_clamp(rtc_dec(r[REG_CENTURY], b), 0, 99) * 100 +
	       rtc_clamp(rtc_dec(r[REG_YEAR], b), 0, 99);
	tm->year = rtc_clamp(year, RTC_FIRST_YEAR, RTC_LAST_YEAR);
	tm->mon = rtc_clamp(rtc_dec(r[REG_MON], b), 1, 12);
	tm->mday = rtc_clamp(rtc_dec(r[REG_MDAY], b), 1,
			     rtc_month_days(tm->year, tm->mon));
	tm->hour = rtc_dec_hour(r[REG_HOUR], b);
	tm->min = rtc_clamp(rtc_dec(r[REG_MIN], b), 0, 59);
	tm->sec = rtc_clamp(rtc_dec(r[REG_SEC], b), 0, 59);
	tm->wday = (rtc_days(tm->year, tm->mon, tm->mday) + 1) % 7;
}

static void rtc_tm_image(struct v3_rtc *rtc, u8 b, const struct rtc_tm *tm)
{
	u8 *r = rtc->cmos;

	r[REG_SEC] = rtc_enc(tm->sec, b);
	r[REG_MIN] = rtc_enc(tm->min, b);
	r[REG_HOUR] = rtc_enc_hour(tm->hour, b);
	r[REG_WDAY] = rtc_enc(tm->wday + 1, b);
	r[REG_MDAY] = rtc_enc(tm->mday, b);
	r[REG_MON] = rtc_enc(tm->mon, b);
	r[REG_YEAR] = rtc_enc(tm->year % 100, b);
	r[REG_CENTURY] = rtc_enc(tm->year / 100, b);
}

static bool rtc_running(const struct v3_rtc *rtc)
{
	return (rtc->cmos[REG_A] & A_DIV_MASK) == A_DIV_32K;
}

/* The clock at host time @now */
static u64 rtc_clock(const struct v3_rtc *rtc, u64 now)
{
	if (!rtc_running(rtc) || now < rtc->base_host_ns)
		return rtc->base_clock_ns;
	return rtc->base_clock_ns + (now - rtc->base_host_ns);
}

static void rtc_rebase(struct v3_rtc *rtc, u64 now, u64 clock_ns)
{
	rtc->base_clock_ns = clock_ns;
	rtc->base_host_ns = now;
}

/* Set the date and time; the divider chain keeps its phase. */
static void rtc_set_clock(struct v3_rtc *rtc, u64 now,
			  const struct rtc_tm *tm)
{
	u64 frac = rtc_clock(rtc, now) % NS_PER_SEC;

	rtc_rebase(rtc, now, rtc_secs_of(tm) * NS_PER_SEC + frac);
}

/* Fill the time registers from the clock. */
static void rtc_snapshot(struct v3_rtc *rtc, u64 now)
{
	struct rtc_tm tm;

	rtc_tm_of(rtc_clock(rtc, now), &tm);
	rtc_tm_image(rtc, rtc->cmos[REG_B], &tm);
}

/* 32.768 kHz ticks of the divider chain */
static u64 rtc_ticks(u64 clock_ns)
{
	return clock_ns / NS_PER_SEC * RTC_HZ +
	       clock_ns % NS_PER_SEC * RTC_HZ / NS_PER_SEC;
}

/* The first nanosecond of the clock at which @ticks have elapsed */
static u64 rtc_ticks_to_ns(u64 ticks)
{
	return ticks / RTC_HZ * NS_PER_SEC +
	       (ticks % RTC_HZ * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}

/* The periodic interrupt's period in ticks, 0 for none */
static unsigned int rtc_period(const struct v3_rtc *rtc)
{
	unsigned int rate = rtc->cmos[REG_A] & A_RATE_MASK;

	if (!rate)
		return 0;
	if (rate < 3)
		rate += 7;	/* at 32.768 kHz, 1 and 2 are 8 and 9 */
	return 1U << (rate - 1);
}

static bool rtc_uip(const struct v3_rtc *rtc, u64 now)
{
	if (!rtc_running(rtc) || (rtc->cmos[REG_B] & B_SET))
		return false;
	return rtc_ticks(rtc_clock(rtc, now)) % RTC_HZ >=
	       RTC_HZ - RTC_UIP_TICKS;
}

/*
 * What an alarm byte matches: RTC_ANY, RTC_NEVER, or the one value whose
 * encoding it is, as the chip compares the bytes.
 */
static int rtc_alarm_want(u8 val, u8 b, unsigned int max)
{
	unsigned int v = rtc_dec(val, b);

	if ((val & ALARM_ANY) == ALARM_ANY)
		return RTC_ANY;
	if (v > max || rtc_enc(v, b) != val)
		return RTC_NEVER;
	return v;
}

static int rtc_alarm_want_hour(u8 val, u8 b)
{
	unsigned int hour = rtc_dec_hour(val, b);

	if ((val & ALARM_ANY) == ALARM_ANY)
		return RTC_ANY;
	if (rtc_enc_hour(hour, b) != val)
		return RTC_NEVER;
	return hour;
}

/* The first value from @from on that @want allows, or -1 */
static int rtc_alarm_field(int want, int from, int max)
{
	if (from > max)
		return -1;
	if (want == RTC_ANY)
		return from;
	return want >= from ? want : -1;
}

/* The first second of the day from @from on that matches, or -1 */
static int rtc_alarm_in_day(const int want[3], unsigned int from)
{
	int fm = from / 60 % 60, fs = from % 60;
	int h, m, s;

	for (h = from / 3600; h < 24; h++, fm = 0, fs = 0) {
		if (want[0] != RTC_ANY && want[0] != h)
			continue;
		m = rtc_alarm_field(want[1], fm, 59);
		if (m < 0)
			continue;
		s = rtc_alarm_field(want[2], m == fm ? fs : 0, 59);
		if (s < 0) {
			/* none left in minute @m: the next minute allowed */
			m = rtc_alarm_field(want[1], m + 1, 59);
			if (m < 0)
				continue;
			s = rtc_alarm_field(want[2], 0, 59);
		}
		return h * 3600 + m * 60 + s;
	}
	return -1;
}

/* The first second after @sec at which the alarm matches */
static u64 rtc_alarm_next(const struct v3_rtc *rtc, u64 sec)
{
	u8 b = rtc->cmos[REG_B];
	int want[3] = {
		rtc_alarm_want_hour(rtc->cmos[REG_HOUR_ALARM], b),
		rtc_alarm_want(rtc->cmos[REG_MIN_ALARM], b, 59),
		rtc_alarm_want(rtc->cmos[REG_SEC_ALARM], b, 59),
	};
	u64 day = (sec + 1) / SECS_PER_DAY;
	unsigned int tod = (sec + 1) % SECS_PER_DAY;
	int i, t;

	if (want[0] == RTC_NEVER || want[1] == RTC_NEVER ||
	    want[2] == RTC_NEVER)
		return RTC_NO_EVENT;
	/* valid bytes match once a day at least */
	for (i = 0; i < 2; i++, day++, tod = 0) {
		t = rtc_alarm_in_day(want, tod);
		if (t >= 0)
			return day * SECS_PER_DAY + t;
	}
	return RTC_NO_EVENT;
}

/* Set the flags of what happened between the last sync and @now. */
static void rtc_sync(struct v3_rtc *rtc, u64 now)
{
	unsigned int period = rtc_period(rtc);
	u64 from = rtc->synced_ns, c0, c1, s0, s1;

	if (now <= from)
		return;
	rtc->synced_ns = now;
	if (!rtc_running(rtc))
		return;
	c0 = rtc_clock(rtc, from);
	c1 = rtc_clock(rtc, now);
	if (period && rtc_ticks(c1) / period != rtc_ticks(c0) / period)
		rtc->flags |= C_PF;
	if (rtc->cmos[REG_B] & B_SET)
		return;		/* no update cycles */
	s0 = c0 / NS_PER_SEC;
	s1 = c1 / NS_PER_SEC;
	if (s1 == s0)
		return;
	rtc->flags |= C_UF;
	if (rtc_alarm_next(rtc, s0) <= s1)
		rtc->flags |= C_AF;
}

static bool rtc_irqf(const struct v3_rtc *rtc)
{
	return rtc->flags & rtc->cmos[REG_B] & C_FLAGS;
}

/*
 * The host time of the next event that would raise IRQF, if any.  None
 * while IRQF is set: the flags that follow are computed when register C
 * is read, which lowers it.
 */
static bool rtc_next_event(const struct v3_rtc *rtc, u64 now, u64 *when)
{
	unsigned int period = rtc_period(rtc);
	u8 b = rtc->cmos[REG_B];
	u64 next = RTC_NO_EVENT;
	u64 clock, t;

	if (rtc_irqf(rtc) || !rtc_running(rtc))
		return false;
	clock = rtc_clock(rtc, now);
	if ((b & B_PIE) && period)
		next = rtc_ticks_to_ns((rtc_ticks(clock) / period + 1) *
				       period);
	if (!(b & B_SET) && (b & B_UIE)) {
		t = (clock / NS_PER_SEC + 1) * NS_PER_SEC;
		if (t < next)
			next = t;
	}
	if (!(b & B_SET) && (b & B_AIE)) {
		t = rtc_alarm_next(rtc, clock / NS_PER_SEC);
		if (t != RTC_NO_EVENT && t * NS_PER_SEC < next)
			next = t * NS_PER_SEC;
	}
	if (next == RTC_NO_EVENT)
		return false;
	*when = rtc->base_host_ns + (next - rtc->base_clock_ns);
	return true;
}

/* Arm the host timer for the next event; false if there is none. */
static bool rtc_arm(struct v3_rtc *rtc, u64 now)
{
	u64 when, delay;

	if (rtc->stopped || !rtc_next_event(rtc, now, &when))
		return false;
	if (rtc->timer_armed && rtc->timer_event_ns == when)
		return true;
	delay = when > now ? when - now : 0;
	if (delay < RTC_MIN_DELAY_NS)
		delay = RTC_MIN_DELAY_NS;
	v3_host_timer_start(rtc->timer, delay);
	rtc->timer_armed = true;
	rtc->timer_event_ns = when;
	return true;
}

/* Called with the lock held, after a sync and what changed the state. */
static void rtc_update(struct v3_rtc *rtc, u64 now, struct rtc_work *work)
{
	bool level = rtc_irqf(rtc);

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		work->report = true;
		work->level = level;
	}
	if (!rtc_arm(rtc, now) && rtc->timer_armed) {
		rtc->timer_armed = false;
		work->cancel = true;
	}
}

static void rtc_report(struct v3_rtc *rtc, const struct rtc_work *work)
{
	if (work->report && rtc->irq)
		rtc->irq(rtc->priv, work->level);
}

/*
 * Called without the lock.  The timer cannot be cancelled under the lock
 * its function takes; once it is, look again in case another CPU wants it
 * armed meanwhile.
 */
static void rtc_finish(struct v3_rtc *rtc, const struct rtc_work *work)
{
	struct rtc_work again = { };
	unsigned long flags;
	u64 now;

	rtc_report(rtc, work);
	if (!work->cancel)
		return;
	v3_host_timer_cancel(rtc->timer);
	flags = v3_host_spin_lock_irqsave(rtc->lock);
	now = v3_host_time_ns();
	rtc->timer_armed = false;
	rtc_sync(rtc, now);
	rtc_update(rtc, now, &again);
	v3_host_spin_unlock_irqrestore(rtc->lock, flags);
	rtc_report(rtc, &again);
}

static void rtc_timer_fn(void *arg)
{
	struct v3_rtc *rtc = arg;
	struct rtc_work work = { };
	unsigned long flags;
	u64 now;

	flags = v3_host_spin_lock_irqsave(rtc->lock);
	now = v3_host_time_ns();
	rtc->timer_armed = false;
	rtc_sync(rtc, now);
	rtc_update(rtc, now, &work);
	v3_host_spin_unlock_irqrestore(rtc->lock, flags);
	rtc_report(rtc, &work);
}

static bool rtc_time_reg(unsigned int reg)
{
	switch (reg) {
	case REG_SEC:
	case REG_MIN:
	case REG_HOUR:
	case REG_WDAY:
	case REG_MDAY:
	case REG_MON:
	case REG_YEAR:
	case REG_CENTURY:
		return true;
	default:
		return false;
	}
}

static void rtc_write_a(struct v3_rtc *rtc, u8 val, u64 now)
{
	u64 clock = rtc_clock(rtc, now);
	bool was = rtc_running(rtc);

	rtc->cmos[REG_A] = val & ~A_UIP;
	if (was && !rtc_running(rtc))
		rtc_rebase(rtc, now, clock);	/* held */
	else if (!was && rtc_running(rtc))	/* first update in 500 ms */
		rtc_rebase(rtc, now, clock / NS_PER_SEC * NS_PER_SEC +
				     NS_PER_SEC / 2);
}

static void rtc_write_b(struct v3_rtc *rtc, u8 val, u64 now)
{
	u8 old = rtc->cmos[REG_B];
	struct rtc_tm tm;

	if (val & B_SET)
		val &= ~B_UIE;		/* as the data sheet says */
	if (old & B_SET) {
		rtc_image_tm(rtc, old, &tm);
		if (!(val & B_SET))
			rtc_set_clock(rtc, now, &tm);
		else if ((old ^ val) & B_MODE)
			rtc_tm_image(rtc, val, &tm);
	}
	rtc->cmos[REG_B] = val;
	if (!(old & B_SET) && (val & B_SET))
		rtc_snapshot(rtc, now);		/* the time is held */
}

static void rtc_write(struct v3_rtc *rtc, unsigned int reg, u8 val, u64 now)
{
	struct rtc_tm tm;

	if (rtc_time_reg(reg)) {
		if (rtc->cmos[REG_B] & B_SET) {
			rtc->cmos[reg] = val;
			return;
		}
		rtc_snapshot(rtc, now);
		rtc->cmos[reg] = val;
		rtc_image_tm(rtc, rtc->cmos[REG_B], &tm);
		rtc_set_clock(rtc, now, &tm);
		return;
	}
	switch (reg) {
	case REG_A:
		rtc_write_a(rtc, val, now);
		break;
	case REG_B:
		rtc_write_b(rtc, val, now);
		break;
	case REG_C:
	case REG_D:
		break;		/* read-only */
	default:
		rtc->cmos[reg] = val;
		break;
	}
}

static u8 rtc_read(struct v3_rtc *rtc, unsigned int reg, u64 now)
{
	u8 val;

	if (rtc_time_reg(reg)) {
		if (!(rtc->cmos[REG_B] & B_SET))
			rtc_snapshot(rtc, now);
		return rtc->cmos[reg];
	}
	switch (reg) {
	case REG_A:
		return rtc->cmos[REG_A] | (rtc_uip(rtc, now) ? A_UIP : 0);
	case REG_C:
		val = rtc->flags | (rtc_irqf(rtc) ? C_IRQF : 0);
		rtc->flags = 0;
		return val;
	case REG_D:
		return D_VRT;	/* the battery is good */
	default:
		return rtc->cmos[reg];
	}
}

/*
 * The handler of ports 0x70 and 0x71.  A wide access acts as byte
 * accesses to consecutive ports, lowest first: index, then data.
 */
static int rtc_access(u64 addr, void *data, unsigned int len, bool write,
		      void *priv)
{
	struct v3_rtc *rtc = priv;
	unsigned long flags;
	u8 *bytes = data;
	unsigned int i;

	for (i = 0; i < len; i++) {
		struct rtc_work work = { };
		unsigned int reg;
		u64 now;

		flags = v3_host_spin_lock_irqsave(rtc->lock);
		if (addr + i == RTC_INDEX_PORT) {
			if (write)
				rtc->index = bytes[i];
			else
				bytes[i] = rtc->index;
			v3_host_spin_unlock_irqrestore(rtc->lock, flags);
			continue;
		}
		now = v3_host_time_ns();
		rtc_sync(rtc, now);
		reg = rtc->index & RTC_INDEX_MASK;
		if (write)
			rtc_write(rtc, reg, bytes[i], now);
		else
			bytes[i] = rtc_read(rtc, reg, now);
		rtc_update(rtc, now, &work);
		v3_host_spin_unlock_irqrestore(rtc->lock, flags);
		rtc_finish(rtc, &work);
	}
	return 0;
}

int v3_rtc_init(struct v3_rtc *rtc, struct v3_range_map *io,
		void (*irq)(void *priv, bool level), void *priv)
{
	u64 now, wall;
	int err;

	memset(rtc, 0, sizeof(*rtc));
	rtc->irq = irq;
	rtc->priv = priv;
	rtc->cmos[REG_A] = A_DEFAULT;
	rtc->cmos[REG_B] = B_DEFAULT;
	now = v3_host_time_ns();
	wall = v3_host_wall_time_ns();
	rtc_rebase(rtc, now, wall + RTC_DAYS_1900_TO_1970 * SECS_PER_DAY *
			     NS_PER_SEC);
	rtc->synced_ns = now;

	rtc->lock = v3_host_spinlock_alloc();
	if (!rtc->lock)
		return -ENOMEM;
	rtc->timer = v3_host_timer_alloc(rtc_timer_fn, rtc);
	if (!rtc->timer) {
		err = -ENOMEM;
		goto free_lock;
	}
	err = v3_range_hook(io, RTC_INDEX_PORT, RTC_DATA_PORT, rtc_access,
			    rtc);
	if (err) {
		v3_err("rtc: cannot hook ports %#x-%#x: %d\n", RTC_INDEX_PORT,
		       RTC_DATA_PORT, err);
		goto free_timer;
	}
	return 0;

free_timer:
	v3_host_timer_free(rtc->timer);
	rtc->timer = NULL;
free_lock:
	v3_host_spinlock_free(rtc->lock);
	rtc->lock = NULL;
	return err;
}

void v3_rtc_stop(struct v3_rtc *rtc)
{
	unsigned long flags;

	if (!rtc->timer)
		return;
	flags = v3_host_spin_lock_irqsave(rtc->lock);
	rtc->stopped = true;
	rtc->timer_armed = false;
	v3_host_spin_unlock_irqrestore(rtc->lock, flags);
	v3_host_timer_cancel(rtc->timer);
}

void v3_rtc_free(struct v3_rtc *rtc, struct v3_range_map *io)
{
	/* Init failed, or freed already: the ports may be another's now. */
	if (!rtc->lock)
		return;
	v3_range_unhook(io, RTC_INDEX_PORT);
	v3_host_timer_free(rtc->timer);
	rtc->timer = NULL;
	v3_host_spinlock_free(rtc->lock);
	rtc->lock = NULL;
}
