/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MC146818 real-time clock and CMOS RAM of a PC, as a model of the
 * Palacios core: 128 bytes behind ports 0x70 (index) and 0x71 (data),
 * of which 0x00-0x0d are the clock's registers and the rest battery-backed
 * RAM, with the century (BCD or binary, as the date) at 0x32.
 *
 * The clock is set from the host's wall clock (v3_host_wall_time_ns(), in
 * UTC) when the model is created and then runs on v3_host_time_ns(); the
 * date and time are computed from it when the guest reads them, not ticked
 * once a second.  A write to a time register sets the clock: at once, or
 * when the SET bit of register B is cleared if it was written under SET,
 * which is how a guest sets the clock.  Years 1900 to 2399 are kept, by
 * the century byte.
 *
 * Register A's update-in-progress bit is set for the last 244 us of each
 * second.  Its divider bits must be 010 (the PC's 32.768 kHz crystal) for
 * the clock to run: any other value holds it, time, update cycles and
 * periodic interrupt together, and setting 010 again starts the clock
 * with its first update half a second later, as releasing the chip's
 * divider reset does.  The periodic, alarm and update-ended interrupts
 * of register B raise IRQ 8 through register C as the data sheet says.
 *
 * The host timer (v3_host_timer_*()) is armed only for the next interrupt
 * that is enabled and not already pending, never closer than 100 us; the
 * flags of register C that are not enabled are computed when register C is
 * read.  A guest that enables no interrupt, or does not acknowledge the
 * one it has, costs the host no timer at all.
 *
 * Not modelled: the square-wave output (SQWE is kept), daylight saving
 * (DSE is kept), the time bases other than 32.768 kHz, the 2 ms that an
 * update cycle lasts (the time changes at the second boundary, when UIP
 * falls) and values of the time registers that the chip would keep
 * although invalid: the date is checked when it is set, and each field
 * out of range is brought to its nearest valid value.  The day of the week
 * (register 6) follows the date; a value written there is read back only
 * while SET is set.  A change of the binary or 12-hour mode applies at
 * once to the time registers, which the chip would leave as they were
 * until rewritten.
 *
 * Locking: a spinlock of its own, taken with interrupts disabled; the IRQ
 * callback is called without it.
 */
#ifndef _PALACIOS_RTC_H
#define _PALACIOS_RTC_H

#include <linux/types.h>

struct v3_range_map;
struct v3_spinlock;
struct v3_timer;

#define V3_RTC_IRQ		8
#define V3_RTC_CMOS_SIZE	128

/**
 * struct v3_rtc - the clock and its CMOS RAM
 * @cmos: the 128 bytes: the alarm registers (1, 3, 5), registers A
 *        (without UIP) and B, and the RAM, as written; the time registers
 *        (0, 2, 4, 6-9 and the century 0x32) hold the time while SET is
 *        set, and are refreshed from the clock when read otherwise;
 *        registers C and D are computed
 * @index: the last byte written to port 0x70, NMI-disable bit included
 * @flags: the PF, AF and UF flags of register C
 * @base_clock_ns: the clock at @base_host_ns, in nanoseconds since
 *                 1900-01-01 00:00 UTC; the held clock while the divider
 *                 does not run
 * @base_host_ns: the host time (v3_host_time_ns()) of @base_clock_ns
 * @synced_ns: the host time up to which @flags are up to date
 * @timer_event_ns: the host time of the event @timer is armed for
 * @timer_armed: @timer is armed
 * @irq_level: the level last given to @irq
 * @lock: serialises everything
 * @timer: the host timer behind the interrupts
 * @irq: drives IRQ 8, called without @lock held
 * @priv: passed to @irq
 * @stopped: v3_rtc_stop() was called: the timer stays disarmed
 */
struct v3_rtc {
	u8 cmos[V3_RTC_CMOS_SIZE];
	u8 index;
	u8 flags;
	u64 base_clock_ns;
	u64 base_host_ns;
	u64 synced_ns;
	u64 timer_event_ns;
	bool timer_armed;
	bool irq_level;
	struct v3_spinlock *lock;
	struct v3_timer *timer;
	void (*irq)(void *priv, bool level);
	void *priv;
	bool stopped;
};

/**
 * v3_rtc_init() - create the clock and hook ports 0x70 and 0x71
 * @rtc: the state to initialise
 * @io: the VM's port registry
 * @irq: drives IRQ 8 (e.g. into the PIC); called in any context, also
 *       from the host timer's interrupt context; may be NULL
 * @priv: passed to @irq
 *
 * The clock starts at the host's wall-clock time, in BCD and 24-hour mode
 * (register B 0x02), register A 0x26 (32.768 kHz, 1024 Hz periodic rate),
 * every interrupt disabled and the RAM cleared.
 *
 * Return: 0, -EBUSY if a port is hooked already, or -ENOMEM; nothing is
 * left allocated or hooked on failure.
 */
int v3_rtc_init(struct v3_rtc *rtc, struct v3_range_map *io,
		void (*irq)(void *priv, bool level), void *priv);

/**
 * v3_rtc_stop() - stop the timer for good: the VM runs no more
 * @rtc: the clock, or one whose init failed
 *
 * Its interrupts stop with it (a stopped VM is freed at its owner's
 * leisure); the ports still answer.  Not to be called under @rtc->lock.
 */
void v3_rtc_stop(struct v3_rtc *rtc);

/**
 * v3_rtc_free() - stop the timer, unhook the ports, free everything
 * @rtc: the clock, or one whose init failed
 * @io: the registry given to v3_rtc_init()
 */
void v3_rtc_free(struct v3_rtc *rtc, struct v3_range_map *io);

#endif /* _PALACIOS_RTC_H */
