/* SPDX-License-Identifier: GPL-2.0-only */
/* User-space stand-in for <linux/container_of.h>: tools' own definition. */
#ifndef _PAL_TEST_LINUX_CONTAINER_OF_H
#define _PAL_TEST_LINUX_CONTAINER_OF_H

#include <linux/kernel.h>

#endif
