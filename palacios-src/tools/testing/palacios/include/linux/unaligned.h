/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space stand-in for <linux/unaligned.h>: the tools' version, which
 * expects __packed and the byte-order conversions to be there already.
 */
#ifndef _PAL_TEST_LINUX_UNALIGNED_H
#define _PAL_TEST_LINUX_UNALIGNED_H

#include <linux/compiler.h>
#include <asm/byteorder.h>
#include_next <linux/unaligned.h>

#endif
