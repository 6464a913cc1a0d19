/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel types <palacios/image.h> needs, for the freestanding test
 * guests, which have neither a libc nor the kernel's headers.
 */
#ifndef _GUEST_LINUX_TYPES_H
#define _GUEST_LINUX_TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed long long s64;
typedef signed char s8;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;

#define NULL ((void *)0)

#endif /* _GUEST_LINUX_TYPES_H */
