/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space stand-in for <linux/string.h>: the tools header, with the
 * kernel's strscpy() in place of its two-argument strcpy() alias.
 */
#ifndef _PAL_TEST_LINUX_STRING_H
#define _PAL_TEST_LINUX_STRING_H

#include_next <linux/string.h>

#include <errno.h>
#include <sys/types.h>

#undef strscpy

/* Copy a string into @dest, truncating it to @size - 1 bytes; see lib/. */
static inline ssize_t strscpy(char *dest, const char *src, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		dest[i] = src[i];
		if (!src[i])
			return i;
	}
	if (size)
		dest[size - 1] = '\0';
	return -E2BIG;
}

#endif
