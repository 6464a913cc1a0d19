// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: /dev/palacios, through which user space creates,
 * finds and lists VMs.  See Documentation/virt/palacios/api.rst; the VMs
 * themselves and their owners are vms.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <palacios/vmm.h>

#include "glue.h"
#include "vms.h"

static long pal_create_vm(struct palacios_create_vm __user *arg)
{
	struct palacios_create_vm c;
	struct pal_vm *p;
	int fd;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~PALACIOS_VM_PERSISTENT) || c.reserved ||
	    !pal_vm_name_valid(c.name, sizeof(c.name)))
		return -EINVAL;
	p = pal_vm_create(c.name, c.flags);
	if (IS_ERR(p))
		return PTR_ERR(p);
	fd = pal_vm_fd(p);
	if (fd < 0) {
		pal_vm_unlist(p);
		pal_vm_put(p);
	}
	return fd;
}

static long pal_open_vm(struct palacios_open_vm __user *arg)
{
	struct palacios_open_vm o;
	struct pal_vm *p;
	int fd;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	if (!pal_vm_name_valid(o.name, sizeof(o.name)))
		return -EINVAL;
	p = pal_vm_open(o.name);
	if (IS_ERR(p))
		return PTR_ERR(p);
	fd = pal_vm_fd(p);
	if (fd < 0)
		pal_vm_put(p);
	return fd;
}

static long pal_list_vms(struct palacios_vm_list __user *arg)
{
	struct pal_vm *vms[PALACIOS_MAX_VMS];
	struct palacios_vm_info *info;
	struct palacios_vm_list l;
	struct palacios_vm_info __user *out;
	unsigned int n, total, i;
	long err = 0;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.reserved)
		return -EINVAL;
	out = u64_to_user_ptr(l.vms);
	n = pal_vm_list(vms, min_t(u32, l.nr, ARRAY_SIZE(vms)), &total);

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		err = -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!err) {
			pal_vm_fill_info(vms[i], info);
			if (copy_to_user(&out[i], info, sizeof(*info)))
				err = -EFAULT;
		}
		pal_vm_put(vms[i]);
	}
	kfree(info);
	if (!err && put_user(total, &arg->nr))
		err = -EFAULT;
	return err;
}

static long pal_host_info(struct palacios_host_info __user *arg)
{
	struct palacios_host_info h = {
		.api_version = PALACIOS_API_VERSION,
		.pages = pal_pages_in_use(),
		.nr_cpus = v3_nr_cpus_enabled(),
		.nr_vms = pal_vm_count(),
	};

	strscpy(h.backend, v3_backend_name(), sizeof(h.backend));
	return copy_to_user(arg, &h, sizeof(h)) ? -EFAULT : 0;
}

static long pal_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PALACIOS_GET_API_VERSION:
		return PALACIOS_API_VERSION;
	case PALACIOS_CREATE_VM:
		return pal_create_vm(argp);
	case PALACIOS_OPEN_VM:
		return pal_open_vm(argp);
	case PALACIOS_LIST_VMS:
		return pal_list_vms(argp);
	case PALACIOS_GET_HOST_INFO:
		return pal_host_info(argp);
	}
	return -ENOTTY;
}

static const struct file_operations pal_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = pal_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice pal_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "palacios",
	.fops = &pal_dev_fops,
	.mode = 0600,
};

int pal_dev_init(void)
{
	return misc_register(&pal_dev);
}

void pal_dev_exit(void)
{
	misc_deregister(&pal_dev);
	pal_vms_exit();
}
