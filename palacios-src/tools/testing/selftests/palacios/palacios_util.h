/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What palacios_test and palacios_fuzz share.
 */
#ifndef _PALACIOS_SELFTEST_UTIL_H
#define _PALACIOS_SELFTEST_UTIL_H

#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include <linux/palacios.h>

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

/* A VM name in @dst, NUL-padded, truncated to fit */
static inline void set_name(char *dst, const char *src)
{
	size_t len = strlen(src);

	if (len > PALACIOS_NAME_LEN - 1)
		len = PALACIOS_NAME_LEN - 1;
	memset(dst, 0, PALACIOS_NAME_LEN);
	memcpy(dst, src, len);
}

#endif /* _PALACIOS_SELFTEST_UTIL_H */
