/* SPDX-License-Identifier: GPL-2.0-only */
/* User-space stand-in for <linux/sprintf.h>. */
#include <stdio.h>
