// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: the boot hook called from init/main.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/palacios.h>
#include <linux/printk.h>

#include <palacios/vmm.h>

#include "glue.h"

void __init palacios_boot(void)
{
	if (!pal_vmm_active()) {
		pr_info("boot: the VMM is not running; no boot-time guest\n");
		return;
	}
	pr_info("boot: VMM ready (%s on %u CPUs)\n", v3_backend_name(),
		v3_nr_cpus_enabled());
	pal_guests_start();
}
