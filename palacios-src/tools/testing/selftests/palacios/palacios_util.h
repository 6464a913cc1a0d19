/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What palacios_test and palacios_fuzz share.
 */
#ifndef _PALACIOS_SELFTEST_UTIL_H
#define _PALACIOS_SELFTEST_UTIL_H

#include <errno.h>
#include <time.h>
#include <sys/ioctl.h>

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ioctl() giving its result, or -errno */
static inline int pio(int fd, unsigned long req, const void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

#endif /* _PALACIOS_SELFTEST_UTIL_H */
