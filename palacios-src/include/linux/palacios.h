/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Palacios virtual machine monitor: the hook in the kernel's boot sequence.
 */
#ifndef _LINUX_PALACIOS_H
#define _LINUX_PALACIOS_H

#include <linux/init.h>

#if IS_BUILTIN(CONFIG_PALACIOS)
/**
 * palacios_boot() - run Palacios' boot-time work
 *
 * Called once by kernel_init_freeable(), after the initcalls have run (so
 * Palacios has enabled virtualisation on the CPUs) and the initramfs has been
 * populated, before user space starts.  A no-op stub when Palacios is a
 * module or disabled.
 */
void __init palacios_boot(void);
#else
static inline void palacios_boot(void)
{
}
#endif

#endif /* _LINUX_PALACIOS_H */
