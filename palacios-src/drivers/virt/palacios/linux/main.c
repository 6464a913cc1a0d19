// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: module entry points and the logging hook.
 *
 * Palacios is a virtual machine monitor whose core is independent of its
 * host.  The files in this directory are the Linux host of that core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/stdarg.h>

#include <palacios/host.h>

#include "glue.h"

void v3_host_log(enum v3_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case V3_LOG_ERR:
		pr_err("%pV", &vaf);
		break;
	case V3_LOG_WARN:
		pr_warn("%pV", &vaf);
		break;
	case V3_LOG_INFO:
		pr_info("%pV", &vaf);
		break;
	case V3_LOG_REFUSED:
		/* one rate limit for all of them: whoever asks, repeats */
		pr_err_ratelimited("%pV", &vaf);
		break;
	default:
		pr_debug("%pV", &vaf);
		break;
	}
	va_end(args);
}

static int __init palacios_init(void)
{
	int err = 0;

	pal_cpu_init();
	err = pal_vmm_init();
	if (err) {
		if (err != -ENODEV && err != -EBUSY)	/* those said why */
			pr_err("not loaded: %pe\n", ERR_PTR(err));
		return err;
	}
	err = pal_dev_init();
	if (err) {
		pr_err("cannot register /dev/palacios: %pe\n", ERR_PTR(err));
		pal_vmm_exit();
		return err;
	}
	err = pal_guests_init();
	if (err) {
		pal_dev_exit();
		pal_vmm_exit();
		return err;
	}
	return err;
}

static void __exit palacios_exit(void)
{
	pal_dev_exit();
	pal_guests_exit();
	pal_vmm_exit();
}

module_init(palacios_init);
module_exit(palacios_exit);

MODULE_DESCRIPTION("Palacios virtual machine monitor");
MODULE_LICENSE("GPL");
