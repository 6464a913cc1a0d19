/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space stand-in for <linux/errno.h>.  It also shadows the uapi header
 * of that name, which libc's <errno.h> includes, so it must provide what
 * that one does.
 */
#ifndef _PAL_TEST_LINUX_ERRNO_H
#define _PAL_TEST_LINUX_ERRNO_H

#include <asm-generic/errno.h>

#endif
