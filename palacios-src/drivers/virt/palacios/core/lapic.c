// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the local APIC of a virtual CPU, in xAPIC mode.
 *
 * The registers follow the Intel SDM, vol. 3, ch. 11; what the model leaves
 * out is listed in <palacios/lapic.h>.  Everything is done under the APIC's
 * lock, and what must happen without it (the owner's callbacks, cancelling
 * the host timer) is collected in a struct lapic_work and done once the
 * lock is dropped.
 *
 * The timer keeps the host time of its next expiry (@timer_next_ns) rather
 * than a start time, so that a change of mode or divider needs no history:
 * the current count is what is left to that expiry, in ticks of the divided
 * clock.  Expiries are processed when the host timer fires and at every
 * register access, whichever comes first; each costs one interrupt however
 * many periods passed.
 */
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/lapic.h>

#define LAPIC_PAGE_SIZE		0x1000

/* Register offsets */
#define LAPIC_ID		0x020
#define LAPIC_VERSION		0x030
#define LAPIC_TPR		0x080
#define LAPIC_APR		0x090
#define LAPIC_PPR		0x0a0
#define LAPIC_EOI		0x0b0
#define LAPIC_LDR		0x0d0
#define LAPIC_DFR		0x0e0
#define LAPIC_SVR		0x0f0
#define LAPIC_ISR		0x100
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT		0x320
#define LAPIC_TMICT		0x380
#define LAPIC_TMCCT		0x390
#define LAPIC_TDCR		0x3e0

/* Six LVT entries, the last (error) at 0x370: version 5 in bits 16-23 */
#define LAPIC_VERSION_VAL	0x00050014
#define LVT_TIMER		0
#define LVT_THERMAL		1
#define LVT_PERF		2
#define LVT_LINT0		3
#define LVT_LINT1		4
#define LVT_ERROR		5

#define LVT_VECTOR		0xff
#define LVT_DM_SHIFT		8
#define LVT_DM_MASK		7
#define LVT_MASKED		BIT(16)
#define LVT_TIMER_MODE_SHIFT	17
#define LVT_TIMER_MODE_MASK	3
#define LVT_TIMER_PERIODIC	1

#define SVR_ENABLE		BIT(8)
#define SVR_WRITABLE		0x1ff
#define SVR_RESET		0xff

#define DFR_MODEL_SHIFT		28
#define DFR_FLAT		0xf
#define DFR_CLUSTER		0x0
#define DFR_RESET		0xffffffff
#define DFR_WRITABLE		0xf0000000

#define ESR_SEND_ILLEGAL	BIT(5)
#define ESR_RECV_ILLEGAL	BIT(6)

/* ICR low word: all but the delivery status (bit 12) and reserved bits */
#define ICR_WRITABLE		0x000ccfff
#define ICR_LOGICAL		BIT(11)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ICR_SHORTHAND_SHIFT	18
#define ICR_SHORTHAND_MASK	3
#define ICR_HI_WRITABLE		0xff000000

#define TDCR_WRITABLE		0xb

#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_ENABLE	BIT_ULL(11)

#define NR_VECTORS		256
#define FIRST_LEGAL_VECTOR	16

/*
 * The host timer is never armed closer than this, and a periodic timer's
 * period is never shorter than LAPIC_MIN_PERIOD_NS (KVM's
 * min_timer_period_us): a guest cannot make the host take more timer
 * interrupts than 20,000 a second with one-shot expiries (each of which
 * its handler must re-arm) or 5,000 with a periodic timer.
 */
#define LAPIC_MIN_DELAY_NS	50000ULL
#define LAPIC_MIN_PERIOD_NS	200000ULL

/* The timer's input ticks once a nanosecond (V3_LAPIC_TIMER_HZ) */
#define LAPIC_NS_PER_TICK	(1000000000ULL / V3_LAPIC_TIMER_HZ)

/* The writable bits of each LVT entry (remote IRR and status read 0) */
static const u32 lvt_writable[V3_LAPIC_NR_LVT] = {
	[LVT_TIMER]	= 0x000700ff,
	[LVT_THERMAL]	= 0x000107ff,
	[LVT_PERF]	= 0x000107ff,
	[LVT_LINT0]	= 0x0001a7ff,
	[LVT_LINT1]	= 0x0001a7ff,
	[LVT_ERROR]	= 0x000100ff,
};

/* What to do once the lock is dropped */
struct lapic_work {
	bool kick;
	bool cancel;		/* the timer is no longer wanted */
	bool send;
	struct v3_apic_msg msg;
	bool eoi;		/* of a level-triggered vector */
	u8 eoi_vector;
};

static bool vec_test(const u32 *reg, unsigned int v)
{
	return reg[v / 32] & BIT(v % 32);
}

static void vec_set(u32 *reg, unsigned int v)
{
	reg[v / 32] |= BIT(v % 32);
}

static void vec_clear(u32 *reg, unsigned int v)
{
	reg[v / 32] &= ~BIT(v % 32);
}

/* @v into and out of the IRR, which keeps its count for the lock-free look */
static void irr_set(struct v3_lapic *apic, unsigned int v)
{
	if (!vec_test(apic->irr, v))
		WRITE_ONCE(apic->irr_count, apic->irr_count + 1);
	vec_set(apic->irr, v);
}

static void irr_clear(struct v3_lapic *apic, unsigned int v)
{
	if (vec_test(apic->irr, v))
		WRITE_ONCE(apic->irr_count, apic->irr_count - 1);
	vec_clear(apic->irr, v);
}

/* The highest vector set in @reg, or -1 */
static int vec_highest(const u32 *reg)
{
	int i;

	for (i = NR_VECTORS / 32 - 1; i >= 0; i--)
		if (reg[i])
			return i * 32 + fls(reg[i]) - 1;
	return -1;
}

static bool lapic_sw_enabled(const struct v3_lapic *apic)
{
	return apic->svr & SVR_ENABLE;
}

static u32 lapic_ppr(const struct v3_lapic *apic)
{
	int isrv = vec_highest(apic->isr);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	if ((apic->tpr & 0xf0) >= isr_class)
		return apic->tpr & 0xff;
	return isr_class;
}

static int lapic_pending_locked(const struct v3_lapic *apic)
{
	int irrv;

	if (!apic->hw_enabled)
		return -1;
	irrv = vec_highest(apic->irr);
	if (irrv < 0 || (u32)(irrv & 0xf0) <= (lapic_ppr(apic) & 0xf0))
		return -1;
	return irrv;
}

/* Accept @vector into the IRR, the TMR bit following @level */
static void lapic_set_irr(struct v3_lapic *apic, u8 vector, bool level,
			  struct lapic_work *work)
{
	irr_set(apic, vector);
	if (level)
		vec_set(apic->tmr, vector);
	else
		vec_clear(apic->tmr, vector);
	if (lapic_pending_locked(apic) >= 0)
		work->kick = true;
}

/* Record errors in the ESR, and raise the error interrupt if unmasked */
static void lapic_error(struct v3_lapic *apic, u32 bits,
			struct lapic_work *work)
{
	u32 lvt = apic->lvt[LVT_ERROR];
	u8 vector = lvt & LVT_VECTOR;

	apic->esr_pending |= bits;
	if (lvt & LVT_MASKED)
		return;
	if (vector < FIRST_LEGAL_VECTOR)	/* and no further error */
		apic->esr_pending |= ESR_RECV_ILLEGAL;
	else
		lapic_set_irr(apic, vector, false, work);
}

/* An interrupt from the local vector table, edge-triggered and fixed */
static void lapic_local_irq(struct v3_lapic *apic, u8 vector,
			    struct lapic_work *work)
{
	if (vector < FIRST_LEGAL_VECTOR) {
		lapic_error(apic, ESR_RECV_ILLEGAL, work);
		return;
	}
	lapic_set_irr(apic, vector, false, work);
}

/* Timer */

static u32 lapic_divider(u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr >> 1) & 4);

	return v == 7 ? 1 : 2U << v;
}

static u32 lapic_timer_mode(const struct v3_lapic *apic)
{
	return (apic->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) &
	       LVT_TIMER_MODE_MASK;
}

static bool lapic_timer_periodic(const struct v3_lapic *apic)
{
	return lapic_timer_mode(apic) == LVT_TIMER_PERIODIC;
}

/* The time from a load of the initial count to its expiry */
static u64 lapic_timer_period(const struct v3_lapic *apic)
{
	u64 ns = (u64)apic->tmict * lapic_divider(apic->tdcr) *
		 LAPIC_NS_PER_TICK;

	if (lapic_timer_periodic(apic) && ns < LAPIC_MIN_PERIOD_NS)
		ns = LAPIC_MIN_PERIOD_NS;
	return ns;
}

/* Deliver an expiry that is due, and reload a periodic timer */
static void lapic_timer_process(struct v3_lapic *apic, u64 now,
				struct lapic_work *work)
{
	u32 lvt = apic->lvt[LVT_TIMER];
	u64 period;

	if (!apic->timer_active || now < apic->timer_next_ns)
		return;
	if (!(lvt & LVT_MASKED))
		lapic_local_irq(apic, lvt & LVT_VECTOR, work);
	if (!lapic_timer_periodic(apic)) {
		apic->timer_active = false;
		return;
	}
	/* missed periods are coalesced into the one interrupt */
	period = lapic_timer_period(apic);
	apic->timer_next_ns += ((now - apic->timer_next_ns) / period + 1) *
			       period;
}

/* Arm the host timer for the next expiry if it is wanted, or disarm it */
static void lapic_timer_sync(struct v3_lapic *apic, u64 now,
			     struct lapic_work *work)
{
	bool want = apic->timer_active && !apic->stopped &&
		    !(apic->lvt[LVT_TIMER] & LVT_MASKED);
	u64 delay;

	if (!want) {
		if (apic->timer_armed) {
			apic->timer_armed = false;
			work->cancel = true;
		}
		return;
	}
	if (apic->timer_armed && apic->timer_armed_ns == apic->timer_next_ns)
		return;
	delay = apic->timer_next_ns > now ? apic->timer_next_ns - now : 0;
	if (delay < LAPIC_MIN_DELAY_NS)
		delay = LAPIC_MIN_DELAY_NS;
	v3_host_timer_start(apic->timer, delay);
	apic->timer_armed = true;
	apic->timer_armed_ns = apic->timer_next_ns;
}

/* The current count; expiries are processed already */
static u32 lapic_timer_count(const struct v3_lapic *apic, u64 now)
{
	u64 div = lapic_divider(apic->tdcr) * LAPIC_NS_PER_TICK;
	u64 ticks;

	if (!apic->timer_active || apic->timer_next_ns <= now)
		return 0;
	ticks = (apic->timer_next_ns - now + div - 1) / div;
	return ticks < apic->tmict ? ticks : apic->tmict;
}

static void lapic_timer_load(struct v3_lapic *apic, u32 count, u64 now)
{
	apic->tmict = count;
	apic->timer_active = count != 0;
	if (count)
		apic->timer_next_ns = now + lapic_timer_period(apic);
}

/* A new divider: what is left of the current count goes on at its rate */
static void lapic_write_tdcr(struct v3_lapic *apic, u32 val, u64 now)
{
	u32 left = lapic_timer_count(apic, now);

	apic->tdcr = val & TDCR_WRITABLE;
	if (apic->timer_active)
		apic->timer_next_ns = now + (u64)left *
				      lapic_divider(apic->tdcr) *
				      LAPIC_NS_PER_TICK;
}

static void lapic_timer_fn(void *arg)
{
	struct v3_lapic *apic = arg;
	struct lapic_work work = { };
	unsigned long flags;
	u64 now;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	now = v3_host_time_ns();
	apic->timer_armed = false;	/* it just fired */
	lapic_timer_process(apic, now, &work);
	lapic_timer_sync(apic, now, &work);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	if (work.kick && apic->ops && apic->ops->kick)
		apic->ops->kick(apic->priv);
}

/*
 * Called without the lock.  The timer cannot be cancelled under the lock
 * its function takes; once it is, look again in case another CPU armed it
 * meanwhile and the cancel undid that.
 */
static void lapic_finish(struct v3_lapic *apic, struct lapic_work *work)
{
	const struct v3_lapic_ops *ops = apic->ops;
	unsigned long flags;

	if (work->cancel) {
		v3_host_timer_cancel(apic->timer);
		flags = v3_host_spin_lock_irqsave(apic->lock);
		apic->timer_armed = false;
		lapic_timer_sync(apic, v3_host_time_ns(), work);
		v3_host_spin_unlock_irqrestore(apic->lock, flags);
	}
	if (!ops)
		return;
	if (work->send && ops->send)
		ops->send(apic->priv, &work->msg);
	if (work->eoi && ops->eoi) {
		ops->eoi(apic->priv, work->eoi_vector);
		/* the I/O APIC may have sent the vector again */
		if (v3_lapic_pending(apic) >= 0)
			work->kick = true;
	}
	if (work->kick && ops->kick)
		ops->kick(apic->priv);
}

/* Registers */

static void lapic_reset_locked(struct v3_lapic *apic)
{
	unsigned int i;

	apic->tpr = 0;
	apic->ldr = 0;
	apic->dfr = DFR_RESET;
	apic->svr = SVR_RESET;
	memset(apic->isr, 0, sizeof(apic->isr));
	memset(apic->tmr, 0, sizeof(apic->tmr));
	memset(apic->irr, 0, sizeof(apic->irr));
	WRITE_ONCE(apic->irr_count, 0);
	apic->esr = 0;
	apic->esr_pending = 0;
	apic->icr_lo = 0;
	apic->icr_hi = 0;
	for (i = 0; i < V3_LAPIC_NR_LVT; i++)
		apic->lvt[i] = LVT_MASKED;
	apic->tmict = 0;
	apic->tdcr = 0;
	apic->timer_active = false;
	WRITE_ONCE(apic->nmi_pending, false);
	apic->extint_msg = false;
}

/* The guest wrote the ICR's low word: build its message */
static void lapic_send_ipi(struct v3_lapic *apic, struct lapic_work *work)
{
	u32 lo = apic->icr_lo;
	struct v3_apic_msg *msg = &work->msg;
	u8 dm = (lo >> LVT_DM_SHIFT) & LVT_DM_MASK;
	u8 vector = lo & LVT_VECTOR;

	switch (dm) {
	case V3_APIC_FIXED:
	case V3_APIC_LOWEST:
		if (vector < FIRST_LEGAL_VECTOR) {
			lapic_error(apic, ESR_SEND_ILLEGAL, work);
			return;
		}
		break;
	case V3_APIC_SMI:
	case V3_APIC_NMI:
	case V3_APIC_INIT:
	case V3_APIC_SIPI:
		break;
	default:	/* reserved */
		return;
	}
	memset(msg, 0, sizeof(*msg));
	msg->vector = vector;
	msg->delivery = dm;
	msg->level = lo & ICR_LEVEL;
	msg->logical = lo & ICR_LOGICAL;
	msg->dest = apic->icr_hi >> 24;
	msg->shorthand = (lo >> ICR_SHORTHAND_SHIFT) & ICR_SHORTHAND_MASK;
	msg->src_id = apic->id;
	msg->deassert = dm == V3_APIC_INIT && !(lo & ICR_ASSERT) &&
			(lo & ICR_LEVEL);
	work->send = true;
}

static void lapic_write_lvt(struct v3_lapic *apic, unsigned int i, u32 val)
{
	u32 old_mode;

	val &= lvt_writable[i];
	/* software-disabled: the mask bits stay set */
	if (!lapic_sw_enabled(apic))
		val |= LVT_MASKED;
	if (i != LVT_TIMER) {
		apic->lvt[i] = val;
		return;
	}
	old_mode = lapic_timer_mode(apic);
	apic->lvt[i] = val;
	/* TSC-deadline (not offered) and reserved modes: stopped */
	if (lapic_timer_mode(apic) > LVT_TIMER_PERIODIC &&
	    old_mode <= LVT_TIMER_PERIODIC) {
		apic->tmict = 0;
		apic->timer_active = false;
	}
}

static u32 lapic_read(struct v3_lapic *apic, u32 offset, u64 now)
{
	unsigned int i;

	if (offset >= LAPIC_ISR && offset < LAPIC_ESR) {
		i = (offset & 0x7f) >> 4;
		if (offset < LAPIC_TMR)
			return apic->isr[i];
		if (offset < LAPIC_IRR)
			return apic->tmr[i];
		return apic->irr[i];
	}
	if (offset >= LAPIC_LVT && offset < LAPIC_TMICT)
		return apic->lvt[(offset - LAPIC_LVT) >> 4];
	switch (offset) {
	case LAPIC_ID:
		return (u32)apic->id << 24;
	case LAPIC_VERSION:
		return LAPIC_VERSION_VAL;
	case LAPIC_TPR:
		return apic->tpr;
	case LAPIC_PPR:
		return lapic_ppr(apic);
	case LAPIC_LDR:
		return apic->ldr;
	case LAPIC_DFR:
		return apic->dfr;
	case LAPIC_SVR:
		return apic->svr;
	case LAPIC_ESR:
		return apic->esr;
	case LAPIC_ICR_LO:
		return apic->icr_lo;
	case LAPIC_ICR_HI:
		return apic->icr_hi;
	case LAPIC_TMICT:
		return apic->tmict;
	case LAPIC_TMCCT:
		return lapic_timer_count(apic, now);
	case LAPIC_TDCR:
		return apic->tdcr;
	default:	/* APR, EOI, reserved */
		return 0;
	}
}

static void lapic_write(struct v3_lapic *apic, u32 offset, u32 val, u64 now,
			struct lapic_work *work)
{
	unsigned int i;
	int v;

	if (offset >= LAPIC_LVT && offset < LAPIC_TMICT) {
		lapic_write_lvt(apic, (offset - LAPIC_LVT) >> 4, val);
		return;
	}
	switch (offset) {
	case LAPIC_TPR:
		apic->tpr = val & 0xff;
		if (lapic_pending_locked(apic) >= 0)
			work->kick = true;
		break;
	case LAPIC_EOI:
		v = vec_highest(apic->isr);
		if (v < 0)
			break;
		vec_clear(apic->isr, v);
		if (vec_test(apic->tmr, v) || READ_ONCE(apic->eoi_all)) {
			work->eoi = true;
			work->eoi_vector = v;
		}
		if (lapic_pending_locked(apic) >= 0)
			work->kick = true;
		break;
	case LAPIC_LDR:
		apic->ldr = val & 0xff000000;
		break;
	case LAPIC_DFR:
		apic->dfr = (val & DFR_WRITABLE) | ~DFR_WRITABLE;
		break;
	case LAPIC_SVR:
		apic->svr = val & SVR_WRITABLE;
		if (!lapic_sw_enabled(apic))
			for (i = 0; i < V3_LAPIC_NR_LVT; i++)
				apic->lvt[i] |= LVT_MASKED;
		break;
	case LAPIC_ESR:
		apic->esr = apic->esr_pending;
		apic->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		apic->icr_lo = val & ICR_WRITABLE;
		lapic_send_ipi(apic, work);
		break;
	case LAPIC_ICR_HI:
		apic->icr_hi = val & ICR_HI_WRITABLE;
		break;
	case LAPIC_TMICT:
		if (lapic_timer_mode(apic) <= LVT_TIMER_PERIODIC)
			lapic_timer_load(apic, val, now);
		break;
	case LAPIC_TDCR:
		lapic_write_tdcr(apic, val, now);
		break;
	default:	/* read-only and reserved */
		break;
	}
}

int v3_lapic_access(struct v3_lapic *apic, u32 offset, void *data,
		    unsigned int len, bool write)
{
	struct lapic_work work = { };
	unsigned long flags;
	u32 val = 0;
	u64 now;

	if (len != sizeof(val) || offset >= LAPIC_PAGE_SIZE || (offset & 0xf)) {
		if (!write)
			memset(data, 0, len);
		return 0;
	}
	if (write)
		memcpy(&val, data, sizeof(val));

	flags = v3_host_spin_lock_irqsave(apic->lock);
	if (apic->hw_enabled) {
		now = v3_host_time_ns();
		lapic_timer_process(apic, now, &work);
		if (write)
			lapic_write(apic, offset, val, now, &work);
		else
			val = lapic_read(apic, offset, now);
		lapic_timer_sync(apic, now, &work);
	}
	v3_host_spin_unlock_irqrestore(apic->lock, flags);

	if (!write)
		memcpy(data, &val, sizeof(val));
	lapic_finish(apic, &work);
	return 0;
}

/* Messages */

static bool lapic_match_logical(const struct v3_lapic *apic, u8 dest)
{
	u8 ldr = apic->ldr >> 24;

	if (dest == 0xff)
		return true;
	switch (apic->dfr >> DFR_MODEL_SHIFT) {
	case DFR_FLAT:
		return dest & ldr;
	case DFR_CLUSTER:
		if ((dest >> 4) != 0xf && (dest >> 4) != (ldr >> 4))
			return false;
		return dest & ldr & 0xf;
	default:
		return false;
	}
}

bool v3_lapic_accept(struct v3_lapic *apic, const struct v3_apic_msg *msg)
{
	unsigned long flags;
	bool ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	if (!apic->hw_enabled) {
		ret = false;
	} else {
		switch (msg->shorthand) {
		case 1:
			ret = msg->src_id == apic->id;
			break;
		case 2:
			ret = true;
			break;
		case 3:
			ret = msg->src_id != apic->id;
			break;
		default:
			if (msg->logical)
				ret = lapic_match_logical(apic, msg->dest);
			else
				ret = msg->dest == 0xff ||
				      msg->dest == apic->id;
			break;
		}
	}
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

void v3_lapic_deliver(struct v3_lapic *apic, const struct v3_apic_msg *msg)
{
	struct lapic_work work = { };
	unsigned long flags;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	if (!apic->hw_enabled)
		goto out;
	switch (msg->delivery) {
	case V3_APIC_FIXED:
	case V3_APIC_LOWEST:
		if (msg->vector < FIRST_LEGAL_VECTOR)
			lapic_error(apic, ESR_RECV_ILLEGAL, &work);
		else if (lapic_sw_enabled(apic))
			lapic_set_irr(apic, msg->vector, msg->level, &work);
		break;
	case V3_APIC_NMI:
		WRITE_ONCE(apic->nmi_pending, true);
		work.kick = true;
		break;
	case V3_APIC_INIT:
		if (msg->deassert)
			break;
		WRITE_ONCE(apic->init_pending, true);
		work.kick = true;
		break;
	case V3_APIC_SIPI:
		WRITE_ONCE(apic->sipi_vector, msg->vector);
		work.kick = true;
		break;
	case V3_APIC_EXTINT:
		apic->extint_msg = true;
		work.kick = true;
		break;
	default:	/* SMI and reserved modes */
		break;
	}
out:
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	lapic_finish(apic, &work);
}

int v3_lapic_pending(struct v3_lapic *apic)
{
	unsigned long flags;
	int v;

	/* Before every entry: an empty IRR is seen without the lock. */
	if (!READ_ONCE(apic->irr_count))
		return -1;
	flags = v3_host_spin_lock_irqsave(apic->lock);
	v = lapic_pending_locked(apic);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return v;
}

u8 v3_lapic_ack(struct v3_lapic *apic)
{
	unsigned long flags;
	int v;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	v = lapic_pending_locked(apic);
	if (v >= 0) {
		irr_clear(apic, v);
		vec_set(apic->isr, v);
	} else {
		v = apic->svr & LVT_VECTOR;
	}
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return v;
}

bool v3_lapic_extint(struct v3_lapic *apic)
{
	unsigned long flags;
	u32 lint0;
	bool ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	lint0 = apic->lvt[LVT_LINT0];
	ret = !apic->hw_enabled || apic->extint_msg ||
	      (!(lint0 & LVT_MASKED) &&
	       ((lint0 >> LVT_DM_SHIFT) & LVT_DM_MASK) == V3_APIC_EXTINT);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

bool v3_lapic_take_nmi(struct v3_lapic *apic)
{
	unsigned long flags;
	bool ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	ret = apic->nmi_pending;
	WRITE_ONCE(apic->nmi_pending, false);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

bool v3_lapic_take_init(struct v3_lapic *apic)
{
	unsigned long flags;
	bool ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	ret = apic->init_pending;
	WRITE_ONCE(apic->init_pending, false);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

int v3_lapic_take_sipi(struct v3_lapic *apic)
{
	unsigned long flags;
	int ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	ret = apic->sipi_vector;
	WRITE_ONCE(apic->sipi_vector, -1);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

int v3_lapic_take_startup(struct v3_lapic *apic)
{
	unsigned long flags;
	int ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	ret = apic->sipi_vector;
	WRITE_ONCE(apic->sipi_vector, -1);
	WRITE_ONCE(apic->init_pending, false);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

bool v3_lapic_take_init_running(struct v3_lapic *apic)
{
	unsigned long flags;
	bool ret;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	ret = apic->init_pending;
	if (ret)
		WRITE_ONCE(apic->init_pending, false);
	else
		WRITE_ONCE(apic->sipi_vector, -1);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return ret;
}

/* IA32_APIC_BASE and CR8 */

u64 v3_lapic_get_base(struct v3_lapic *apic)
{
	unsigned long flags;
	u64 val = V3_LAPIC_GPA;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	if (apic->hw_enabled)
		val |= APIC_BASE_ENABLE;
	if (apic->bsp)
		val |= APIC_BASE_BSP;
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return val;
}

int v3_lapic_set_base(struct v3_lapic *apic, u64 val)
{
	struct lapic_work work = { };
	unsigned long flags;
	bool enable = val & APIC_BASE_ENABLE;

	if ((val & ~(APIC_BASE_ENABLE | APIC_BASE_BSP)) != V3_LAPIC_GPA)
		return -EINVAL;
	flags = v3_host_spin_lock_irqsave(apic->lock);
	if (!enable && apic->hw_enabled)
		lapic_reset_locked(apic);
	apic->hw_enabled = enable;
	lapic_timer_sync(apic, v3_host_time_ns(), &work);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	lapic_finish(apic, &work);
	return 0;
}

u8 v3_lapic_get_tpr(struct v3_lapic *apic)
{
	unsigned long flags;
	u8 val;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	val = (apic->tpr >> 4) & 0xf;
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	return val;
}

void v3_lapic_set_tpr(struct v3_lapic *apic, u8 cr8)
{
	struct lapic_work work = { };
	unsigned long flags;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	apic->tpr = (cr8 & 0xf) << 4;
	if (lapic_pending_locked(apic) >= 0)
		work.kick = true;
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	lapic_finish(apic, &work);
}

/* Life cycle */

void v3_lapic_reset(struct v3_lapic *apic)
{
	struct lapic_work work = { };
	unsigned long flags;

	flags = v3_host_spin_lock_irqsave(apic->lock);
	lapic_reset_locked(apic);
	lapic_timer_sync(apic, v3_host_time_ns(), &work);
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	lapic_finish(apic, &work);
}

int v3_lapic_init(struct v3_lapic *apic, u8 id, bool bsp,
		  const struct v3_lapic_ops *ops, void *priv)
{
	memset(apic, 0, sizeof(*apic));
	apic->id = id;
	apic->bsp = bsp;
	apic->hw_enabled = true;
	WRITE_ONCE(apic->sipi_vector, -1);
	apic->ops = ops;
	apic->priv = priv;
	lapic_reset_locked(apic);
	if (bsp) {
		/* virtual wire: the PIC on LINT0, NMI on LINT1 */
		apic->lvt[LVT_LINT0] = V3_APIC_EXTINT << LVT_DM_SHIFT;
		apic->lvt[LVT_LINT1] = V3_APIC_NMI << LVT_DM_SHIFT;
	}

	apic->lock = v3_host_spinlock_alloc();
	if (!apic->lock)
		return -ENOMEM;
	apic->timer = v3_host_timer_alloc(lapic_timer_fn, apic);
	if (!apic->timer) {
		v3_host_spinlock_free(apic->lock);
		apic->lock = NULL;
		return -ENOMEM;
	}
	return 0;
}

void v3_lapic_stop(struct v3_lapic *apic)
{
	unsigned long flags;

	if (!apic->lock)
		return;
	flags = v3_host_spin_lock_irqsave(apic->lock);
	apic->stopped = true;
	apic->timer_armed = false;
	v3_host_spin_unlock_irqrestore(apic->lock, flags);
	v3_host_timer_cancel(apic->timer);
}

void v3_lapic_free(struct v3_lapic *apic)
{
	/* init failed, or freed already */
	if (!apic->lock)
		return;
	v3_host_timer_free(apic->timer);
	apic->timer = NULL;
	v3_host_spinlock_free(apic->lock);
	apic->lock = NULL;
}
