/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel attribute macros the freestanding test guests use.
 */
#ifndef _GUEST_LINUX_COMPILER_H
#define _GUEST_LINUX_COMPILER_H

#define __packed		__attribute__((packed))
#define __aligned(x)		__attribute__((aligned(x)))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __noreturn		__attribute__((noreturn))

#endif /* _GUEST_LINUX_COMPILER_H */
