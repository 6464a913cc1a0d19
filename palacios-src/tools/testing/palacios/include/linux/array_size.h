/* SPDX-License-Identifier: GPL-2.0-only */
/* User-space stand-in for <linux/array_size.h>. */
#ifndef _PAL_TEST_LINUX_ARRAY_SIZE_H
#define _PAL_TEST_LINUX_ARRAY_SIZE_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
