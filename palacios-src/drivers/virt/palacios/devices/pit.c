// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the i8254 programmable interval timer and port 0x61.
 *
 * The counters follow the Intel 82C54 data sheet; what the model leaves
 * out is listed in <palacios/pit.h>.  A counter keeps the host time its
 * count started from, and its count and output are computed from the
 * ticks elapsed since, when asked.
 *
 * While counter 2's gate is low in a mode the gate level controls (0, 2,
 * 3 and 4), the counter is paused: its @start_ns then holds the nanoseconds
 * it had counted, until the gate rises again.  In modes 1 and 5, @null_count
 * marks a count waiting for the gate's rising edge.
 *
 * Simplifications: a count is loaded when its last byte is written, also
 * in modes 2 and 3 where the chip would finish the current period first,
 * and in modes 1 and 5 a new count waits for the next trigger.  Counter 0
 * reports a brief low pulse per period in modes 2 and 3 (and the strobe of
 * mode 4) rather than the exact low time: what an edge-triggered PIC needs.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/pit.h>

#define PIT_BASE	0x40
#define PIT_CTRL	0x43
#define PIT_PORT61	0x61

#define PIT_NS_PER_SEC	1000000000ULL
#define PIT_MAX_COUNT	0x10000

/*
 * The host timer is never armed closer than this, so a guest programming
 * a tiny period gets its ticks coalesced rather than flooding the host
 * with timer interrupts: at most 5,000 a second, as KVM's
 * min_timer_period_us (200) allows.
 */
#define PIT_MIN_DELAY_NS	200000

/* Control word (port 0x43) */
#define CW_SC_SHIFT	6
#define CW_SC_READBACK	3
#define CW_RW_SHIFT	4
#define CW_RW_MASK	3
#define CW_RW_LATCH	0
#define CW_RW_LSB	1
#define CW_RW_MSB	2
#define CW_MODE_SHIFT	1
#define CW_MODE_MASK	7
#define CW_BCD		BIT(0)

/* Read-back command: the bits are active low */
#define RB_NO_COUNT	BIT(5)
#define RB_NO_STATUS	BIT(4)
#define RB_CTR(i)	BIT((i) + 1)

/* Status byte */
#define ST_OUT		BIT(7)
#define ST_NULL_COUNT	BIT(6)

/* Port 0x61 */
#define P61_GATE2	BIT(0)
#define P61_SPEAKER	BIT(1)
#define P61_WRITABLE	(P61_GATE2 | P61_SPEAKER)
#define P61_REFRESH	BIT(4)	/* kept in @port61 too: toggles on reads */
#define P61_OUT2	BIT(5)

/* What to do once the lock is dropped */
struct pit_work {
	bool ctr0;	/* counter 0 was reprogrammed */
	bool report;	/* give @level to the IRQ callback */
	bool level;
	bool pulse;	/* then a low pulse: a rising edge */
	bool cancel;	/* counter 0 needs no timer */
};

static u64 pit_ns_to_ticks(u64 ns)
{
	return ns / PIT_NS_PER_SEC * V3_PIT_HZ +
	       ns % PIT_NS_PER_SEC * V3_PIT_HZ / PIT_NS_PER_SEC;
}

/* The first nanosecond at which @ticks have elapsed */
static u64 pit_ticks_to_ns(u64 ticks)
{
	return ticks / V3_PIT_HZ * PIT_NS_PER_SEC +
	       (ticks % V3_PIT_HZ * PIT_NS_PER_SEC + V3_PIT_HZ - 1) /
	       V3_PIT_HZ;
}

static u32 pit_initial(const struct v3_pit_counter *c)
{
	return c->reload ? c->reload : PIT_MAX_COUNT;
}

/* Whether the gate level enables counting (modes 0, 2, 3, 4) */
static bool pit_level_gated(u8 mode)
{
	return mode != 1 && mode != 5;
}

/* A count is loaded and counting, or paused by a low gate */
static bool pit_counting(const struct v3_pit_counter *c)
{
	return c->armed && !c->null_count;
}

static u64 pit_elapsed_ticks(const struct v3_pit_counter *c, u64 now)
{
	u64 ns;

	if (pit_level_gated(c->mode) && !c->gate)
		ns = c->start_ns;
	else
		ns = now > c->start_ns ? now - c->start_ns : 0;
	return pit_ns_to_ticks(ns);
}

/* The counting element */
static u16 pit_count(const struct v3_pit_counter *c, u64 now)
{
	u32 n = pit_initial(c);
	u64 ticks;
	u32 phase, high;

	if (!pit_counting(c))
		return c->reload;
	ticks = pit_elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
		return n - ticks % n;
	case 3:
		/* by two, through the high half, then the low half */
		phase = ticks % n;
		high = (n + 1) / 2;
		if (phase >= high)
			phase -= high;
		return (n & ~1U) - 2 * phase;
	default:
		return n - (u32)(ticks & 0xffff);
	}
}

static bool pit_out(const struct v3_pit_counter *c, u64 now)
{
	u32 n = pit_initial(c);
	u64 ticks;

	if (!pit_counting(c))
		return c->out;
	ticks = pit_elapsed_ticks(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return ticks >= n;
	case 2:
		return !c->gate || n == 1 || ticks % n != n - 1;
	case 3:
		return !c->gate || ticks % n < (n + 1) / 2;
	default:
		return ticks != n;
	}
}

static u8 pit_status(const struct v3_pit_counter *c, u64 now)
{
	u8 st = c->access << CW_RW_SHIFT | c->mode << CW_MODE_SHIFT;

	if (pit_out(c, now))
		st |= ST_OUT;
	if (c->null_count)
		st |= ST_NULL_COUNT;
	if (c->bcd)
		st |= CW_BCD;
	return st;
}

/* The level of IRQ 0; the periodic low pulses are delivered apart. */
static bool pit_irq0_target(const struct v3_pit *pit, u64 now)
{
	const struct v3_pit_counter *c = &pit->ctr[0];

	if (pit_counting(c) && c->mode >= 2 && c->mode <= 4)
		return true;
	return pit_out(c, now);
}

/* When counter 0's output next rises, if it will */
static bool pit_irq0_deadline(const struct v3_pit *pit, u64 now,
			      u64 *deadline)
{
	const struct v3_pit_counter *c = &pit->ctr[0];
	u32 n = pit_initial(c);
	u64 ticks, edge;

	if (!pit_counting(c))
		return false;
	ticks = pit_elapsed_ticks(c, now);
	switch (c->mode) {
	case 0:
		if (ticks >= n)
			return false;
		edge = n;
		break;
	case 2:
	case 3:
		edge = (ticks / n + 1) * n;
		break;
	case 4:
		if (ticks > n)
			return false;
		edge = n + 1;
		break;
	default:
		/* modes 1 and 5: counter 0's gate never rises */
		return false;
	}
	*deadline = c->start_ns + pit_ticks_to_ns(edge);
	return true;
}

/* Arm the host timer for counter 0's next rising edge; false if none. */
static bool pit_arm(struct v3_pit *pit, u64 now)
{
	u64 deadline, delay;

	if (pit->stopped || !pit_irq0_deadline(pit, now, &deadline))
		return false;
	delay = deadline > now ? deadline - now : 0;
	if (delay < PIT_MIN_DELAY_NS)
		delay = PIT_MIN_DELAY_NS;
	v3_host_timer_start(pit->timer, delay);
	return true;
}

static void pit_update_irq0(struct v3_pit *pit, u64 now,
			    struct pit_work *work)
{
	bool level = pit_irq0_target(pit, now);

	if (level == pit->irq0_level)
		return;
	pit->irq0_level = level;
	work->report = true;
	work->level = level;
}

/* Called with the lock held, after the guest's access. */
static void pit_sync_irq0(struct v3_pit *pit, u64 now, struct pit_work *work)
{
	if (!work->ctr0)
		return;
	pit_update_irq0(pit, now, work);
	if (!pit_arm(pit, now))
		work->cancel = true;
}

/*
 * Called without the lock.  The timer cannot be cancelled under the lock
 * its function takes; once it is, look again in case another CPU wants it
 * armed meanwhile.
 */
static void pit_finish(struct v3_pit *pit, const struct pit_work *work)
{
	unsigned long flags;

	if (pit->irq) {
		if (work->report)
			pit->irq(pit->priv, work->level);
		if (work->pulse) {
			pit->irq(pit->priv, false);
			pit->irq(pit->priv, true);
		}
	}
	if (!work->cancel)
		return;
	v3_host_timer_cancel(pit->timer);
	flags = v3_host_spin_lock_irqsave(pit->lock);
	pit_arm(pit, v3_host_time_ns());
	v3_host_spin_unlock_irqrestore(pit->lock, flags);
}

static void pit_timer_fn(void *arg)
{
	struct v3_pit *pit = arg;
	struct v3_pit_counter *c = &pit->ctr[0];
	struct pit_work work = { };
	unsigned long flags;
	u64 now, ticks;
	u32 n;

	flags = v3_host_spin_lock_irqsave(pit->lock);
	now = v3_host_time_ns();
	if (pit_counting(c)) {
		ticks = pit_elapsed_ticks(c, now);
		n = pit_initial(c);
		/* a period ended since counting started: one edge, however many */
		if ((c->mode == 2 || c->mode == 3) && ticks >= n)
			work.pulse = true;
		else if (c->mode == 4 && ticks > n)
			work.pulse = true;
	}
	pit_update_irq0(pit, now, &work);
	pit_arm(pit, now);
	v3_host_spin_unlock_irqrestore(pit->lock, flags);
	pit_finish(pit, &work);
}

static void pit_latch_count(struct v3_pit_counter *c, u64 now)
{
	/* a second latch before the first is read is ignored */
	if (c->latched)
		return;
	c->latch = pit_count(c, now);
	c->latched = true;
}

static void pit_latch_status(struct v3_pit_counter *c, u64 now)
{
	if (c->status_latched)
		return;
	c->status = pit_status(c, now);
	c->status_latched = true;
}

static void pit_read_back(struct v3_pit *pit, u8 val, u64 now)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!(val & RB_CTR(i)))
			continue;
		if (!(val & RB_NO_COUNT))
			pit_latch_count(&pit->ctr[i], now);
		if (!(val & RB_NO_STATUS))
			pit_latch_status(&pit->ctr[i], now);
	}
}

static void pit_write_ctrl(struct v3_pit *pit, u8 val, u64 now,
			   struct pit_work *work)
{
	unsigned int sc = val >> CW_SC_SHIFT;
	u8 rw = (val >> CW_RW_SHIFT) & CW_RW_MASK;
	struct v3_pit_counter *c;
	u8 mode;

	if (sc == CW_SC_READBACK) {
		pit_read_back(pit, val, now);
		return;
	}
	c = &pit->ctr[sc];
	if (rw == CW_RW_LATCH) {
		pit_latch_count(c, now);
		return;
	}
	mode = (val >> CW_MODE_SHIFT) & CW_MODE_MASK;
	if (mode > 5)
		mode -= 4;	/* 6 and 7 are 2 and 3 */
	c->mode = mode;
	c->access = rw;
	c->bcd = val & CW_BCD;
	c->armed = false;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->latched = false;
	c->status_latched = false;
	c->out = mode != 0;
	if (sc == 0)
		work->ctr0 = true;
}

/* The whole count is written: load it. */
static void pit_load(struct v3_pit_counter *c, u64 now)
{
	c->armed = true;
	if (!pit_level_gated(c->mode)) {
		/* loaded on the gate's next rising edge */
		c->null_count = true;
		c->out = true;
		return;
	}
	c->null_count = false;
	c->start_ns = c->gate ? now : 0;
}

static void pit_write_count(struct v3_pit *pit, unsigned int idx, u8 val,
			    u64 now, struct pit_work *work)
{
	struct v3_pit_counter *c = &pit->ctr[idx];

	switch (c->access) {
	case CW_RW_LSB:
		c->reload = val;
		break;
	case CW_RW_MSB:
		c->reload = val << 8;
		break;
	default:
		if (!c->write_msb) {
			c->reload = (c->reload & 0xff00) | val;
			c->write_msb = true;
			/* in mode 0 the first byte stops counting, OUT low */
			if (c->mode == 0) {
				c->armed = false;
				c->null_count = true;
				c->out = false;
				work->ctr0 = idx == 0;
			}
			return;
		}
		c->reload = (c->reload & 0xff) | val << 8;
		c->write_msb = false;
		break;
	}
	pit_load(c, now);
	work->ctr0 = idx == 0;
}

static u8 pit_read_counter(struct v3_pit_counter *c, u64 now)
{
	u16 val;
	u8 byte;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	val = c->latched ? c->latch : pit_count(c, now);
	switch (c->access) {
	case CW_RW_LSB:
		byte = val & 0xff;
		c->latched = false;
		break;
	case CW_RW_MSB:
		byte = val >> 8;
		c->latched = false;
		break;
	default:
		if (!c->read_msb) {
			byte = val & 0xff;
			c->read_msb = true;
		} else {
			byte = val >> 8;
			c->read_msb = false;
			c->latched = false;
		}
		break;
	}
	return byte;
}

/*
 * Counter 2's gate changes.  Modes 1 and 5 are triggered (or re-triggered)
 * by a rising edge, modes 2 and 3 restart on it, and modes 0 and 4 only
 * count while it is high.
 */
static void pit_set_gate(struct v3_pit_counter *c, bool gate, u64 now)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->armed)
		return;
	if (!pit_level_gated(c->mode)) {
		if (gate) {
			c->start_ns = now;
			c->null_count = false;
		}
		return;
	}
	if (gate && (c->mode == 2 || c->mode == 3))
		c->start_ns = now;
	else	/* paused: @start_ns becomes the time counted, and back */
		c->start_ns = now - c->start_ns;
}

/*
 * The handler of ports 0x40-0x43.  A wide access acts as byte accesses to
 * consecutive ports, lowest first.
 */
static int pit_access(u64 addr, void *data, unsigned int len, bool write,
		      void *priv)
{
	struct v3_pit *pit = priv;
	unsigned long flags;
	u8 *bytes = data;
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned int port = addr + i;
		struct pit_work work = { };
		u64 now;

		flags = v3_host_spin_lock_irqsave(pit->lock);
		now = v3_host_time_ns();
		if (port == PIT_CTRL) {
			if (write)
				pit_write_ctrl(pit, bytes[i], now, &work);
			else
				bytes[i] = 0xff;	/* not readable */
		} else if (write) {
			pit_write_count(pit, port - PIT_BASE, bytes[i], now,
					&work);
		} else {
			bytes[i] = pit_read_counter(&pit->ctr[port - PIT_BASE],
						    now);
		}
		pit_sync_irq0(pit, now, &work);
		v3_host_spin_unlock_irqrestore(pit->lock, flags);
		pit_finish(pit, &work);
	}
	return 0;
}

/* The handler of port 0x61 */
static int pit_port61_access(u64 addr, void *data, unsigned int len,
			     bool write, void *priv)
{
	struct v3_pit *pit = priv;
	unsigned long flags;
	u8 *bytes = data;
	unsigned int i;
	u64 now;

	flags = v3_host_spin_lock_irqsave(pit->lock);
	now = v3_host_time_ns();
	for (i = 0; i < len; i++) {
		if (write) {
			pit->port61 = (pit->port61 & P61_REFRESH) |
				      (bytes[i] & P61_WRITABLE);
			pit_set_gate(&pit->ctr[2], bytes[i] & P61_GATE2, now);
			continue;
		}
		pit->port61 ^= P61_REFRESH;
		bytes[i] = pit->port61 & (P61_WRITABLE | P61_REFRESH);
		if (pit_out(&pit->ctr[2], now))
			bytes[i] |= P61_OUT2;
	}
	v3_host_spin_unlock_irqrestore(pit->lock, flags);
	return 0;
}

int v3_pit_init(struct v3_pit *pit, struct v3_range_map *io,
		void (*irq)(void *priv, bool level), void *priv)
{
	unsigned int i;
	int err;

	memset(pit, 0, sizeof(*pit));
	pit->irq = irq;
	pit->priv = priv;
	/* no count yet; counters 0 and 1 are always gated on */
	for (i = 0; i < 3; i++) {
		pit->ctr[i].access = CW_RW_LSB | CW_RW_MSB;
		pit->ctr[i].null_count = true;
		pit->ctr[i].gate = i != 2;
	}

	pit->lock = v3_host_spinlock_alloc();
	if (!pit->lock)
		return -ENOMEM;
	pit->timer = v3_host_timer_alloc(pit_timer_fn, pit);
	if (!pit->timer) {
		err = -ENOMEM;
		goto free_lock;
	}
	err = v3_range_hook(io, PIT_BASE, PIT_CTRL, pit_access, pit);
	if (err) {
		v3_err("pit: cannot hook ports %#x-%#x: %d\n", PIT_BASE,
		       PIT_CTRL, err);
		goto free_timer;
	}
	err = v3_range_hook(io, PIT_PORT61, PIT_PORT61, pit_port61_access,
			    pit);
	if (err) {
		v3_err("pit: cannot hook port %#x: %d\n", PIT_PORT61, err);
		goto unhook;
	}
	return 0;

unhook:
	v3_range_unhook(io, PIT_BASE);
free_timer:
	v3_host_timer_free(pit->timer);
	pit->timer = NULL;
free_lock:
	v3_host_spinlock_free(pit->lock);
	pit->lock = NULL;
	return err;
}

void v3_pit_stop(struct v3_pit *pit)
{
	unsigned long flags;

	if (!pit->timer)
		return;
	flags = v3_host_spin_lock_irqsave(pit->lock);
	pit->stopped = true;
	v3_host_spin_unlock_irqrestore(pit->lock, flags);
	v3_host_timer_cancel(pit->timer);
}

void v3_pit_free(struct v3_pit *pit, struct v3_range_map *io)
{
	/* Init failed, or freed already: the ports may be another's now. */
	if (!pit->lock)
		return;
	v3_range_unhook(io, PIT_PORT61);
	v3_range_unhook(io, PIT_BASE);
	v3_host_timer_free(pit->timer);
	pit->timer = NULL;
	v3_host_spinlock_free(pit->lock);
	pit->lock = NULL;
}
