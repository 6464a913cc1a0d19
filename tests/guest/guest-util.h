/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the small test programs for the Linux guest share: a monotonic
 * clock in nanoseconds, and pinning the caller to one CPU.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Pin the calling thread to @cpu, or exit. */
static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

#endif
