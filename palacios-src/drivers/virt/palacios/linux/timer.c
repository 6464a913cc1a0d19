// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: the host's clock and timers, for the core's timer
 * devices.  Timers are high-resolution timers, so that an idle guest costs
 * the host nothing between its ticks.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include <palacios/host.h>

struct v3_timer {
	struct hrtimer hrtimer;
	void (*fn)(void *arg);
	void *arg;
};

u64 v3_host_time_ns(void)
{
	return ktime_get_ns();
}

u64 v3_host_wall_time_ns(void)
{
	return ktime_get_real_ns();
}

static enum hrtimer_restart pal_timer_fire(struct hrtimer *hrtimer)
{
	struct v3_timer *t = container_of(hrtimer, struct v3_timer, hrtimer);

	t->fn(t->arg);
	return HRTIMER_NORESTART;
}

struct v3_timer *v3_host_timer_alloc(void (*fn)(void *arg), void *arg)
{
	struct v3_timer *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	hrtimer_init(&t->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	t->hrtimer.function = pal_timer_fire;
	t->fn = fn;
	t->arg = arg;
	return t;
}

void v3_host_timer_start(struct v3_timer *t, u64 delay_ns)
{
	hrtimer_start(&t->hrtimer, ns_to_ktime(delay_ns), HRTIMER_MODE_REL);
}

void v3_host_timer_cancel(struct v3_timer *t)
{
	hrtimer_cancel(&t->hrtimer);
}

void v3_host_timer_free(struct v3_timer *t)
{
	if (!t)
		return;
	hrtimer_cancel(&t->hrtimer);
	kfree(t);
}
