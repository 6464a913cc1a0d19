/* SPDX-License-Identifier: GPL-2.0-only */
/* User-space stand-in for <linux/stdarg.h>. */
#ifndef _PAL_TEST_LINUX_STDARG_H
#define _PAL_TEST_LINUX_STDARG_H

#include <stdarg.h>

#endif
