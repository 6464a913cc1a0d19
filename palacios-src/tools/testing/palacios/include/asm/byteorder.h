/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space stand-in for <asm/byteorder.h>: the uapi header, plus the
 * kernel's short names of its conversions.
 */
#ifndef _PAL_TEST_ASM_BYTEORDER_H
#define _PAL_TEST_ASM_BYTEORDER_H

#include_next <asm/byteorder.h>

#define le16_to_cpu	__le16_to_cpu
#define le32_to_cpu	__le32_to_cpu
#define le64_to_cpu	__le64_to_cpu
#define cpu_to_le16	__cpu_to_le16
#define cpu_to_le32	__cpu_to_le32
#define cpu_to_le64	__cpu_to_le64
#define be16_to_cpu	__be16_to_cpu
#define be32_to_cpu	__be32_to_cpu
#define be64_to_cpu	__be64_to_cpu
#define cpu_to_be16	__cpu_to_be16
#define cpu_to_be32	__cpu_to_be32
#define cpu_to_be64	__cpu_to_be64

#endif
