/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space stand-in for <linux/types.h>: the tools header, except that
 * u64 and s64 are long long as in the kernel (the tools header makes them
 * long on 64-bit), so that the core's "%llx" formats check as they do in
 * the kernel build.
 */
#ifndef _PAL_TEST_LINUX_TYPES_H
#define _PAL_TEST_LINUX_TYPES_H

#define u64 pal_tools_u64
#define s64 pal_tools_s64
#include_next <linux/types.h>
#undef u64
#undef s64

typedef __u64 u64;
typedef __s64 s64;

#endif
