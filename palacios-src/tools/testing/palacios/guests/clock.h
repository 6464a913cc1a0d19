/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's paravirtual clock, which Palacios offers, for the test guests that
 * need the time: include once, after lib.h.
 */
#ifndef _GUEST_CLOCK_H
#define _GUEST_CLOCK_H

/* KVM's pvclock_vcpu_time_info, which Palacios writes once */
struct pvclock_time {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
};

/* Room for one at a 32-byte boundary, so that it is within one page */
static u64 pvclock_area[8];
static struct pvclock_time *pvti;

/**
 * clock_init() - start KVM's paravirtual clock, which Palacios offers
 *
 * Return: 0, or -1 if the host offers none.
 */
static int clock_init(void)
{
	u32 a, b, c, d;

	cpuid(0x40000101, 0, &a, &b, &c, &d);
	if (!(a & (1U << 3)))		/* KVM_FEATURE_CLOCKSOURCE2 */
		return -1;
	pvti = (struct pvclock_time *)(((u64)pvclock_area + 31) & ~31ULL);
	wrmsr(0x4b564d01, (u64)pvti | 1);	/* MSR_KVM_SYSTEM_TIME_NEW */
	return pvti->tsc_to_system_mul ? 0 : -1;
}

/* (@delta * @mul) >> 32, without 128-bit arithmetic */
static u64 mul_shift32(u64 delta, u32 mul)
{
	return (delta >> 32) * mul + (((delta & 0xffffffffULL) * mul) >> 32);
}

/**
 * clock_ns() - the guest's time since its VM was created, after clock_init()
 *
 * Return: nanoseconds.
 */
static u64 clock_ns(void)
{
	u64 delta = rdtsc() - pvti->tsc_timestamp;

	if (pvti->tsc_shift >= 0)
		delta <<= pvti->tsc_shift;
	else
		delta >>= -pvti->tsc_shift;
	return pvti->system_time + mul_shift32(delta, pvti->tsc_to_system_mul);
}

#endif /* _GUEST_CLOCK_H */
