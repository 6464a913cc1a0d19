// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: /dev/palacios, through which user space creates VMs,
 * and the host's list of them.  See Documentation/virt/palacios/api.rst.
 *
 * Locking: pal_vms_lock guards the list, the count and the ids.  A VM's
 * last reference is dropped with kref_put_mutex() on it, so a VM found in
 * the list under the lock always has a reference left to take.  It nests
 * inside a VM's own lock (PALACIOS_VM_FREE unlists the VM), never the
 * other way round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "glue.h"
#include "vm_dev.h"

static LIST_HEAD(pal_vms);
static DEFINE_MUTEX(pal_vms_lock);
static unsigned int pal_nr_vms;
static u32 pal_next_id = 1;

/* Called with pal_vms_lock held by kref_put_mutex(); drops it. */
static void pal_vm_release(struct kref *ref)
{
	struct pal_vm *p = container_of(ref, struct pal_vm, ref);

	if (p->listed) {
		list_del(&p->node);
		p->listed = false;
		pal_nr_vms--;
	}
	mutex_unlock(&pal_vms_lock);
	v3_vm_free(p->vm);
	pal_vm_drop_boot_files(p);
	kvfree(p->con_buf);
	mutex_destroy(&p->lock);
	kfree(p);
}

/**
 * pal_vm_put() - drop a reference to a VM, freeing it with the last
 * @p: the VM
 *
 * Context: process context; may sleep (freeing stops the guest).
 */
void pal_vm_put(struct pal_vm *p)
{
	kref_put_mutex(&p->ref, pal_vm_release, &pal_vms_lock);
}

/**
 * pal_vm_unlist() - take a VM off the host's list
 * @p: the VM; the caller holds a reference
 *
 * Its name can then be used again, and a persistent VM loses the
 * reference the list held.
 */
void pal_vm_unlist(struct pal_vm *p)
{
	bool drop = false;

	mutex_lock(&pal_vms_lock);
	if (p->listed) {
		list_del(&p->node);
		p->listed = false;
		pal_nr_vms--;
		drop = p->flags & PALACIOS_VM_PERSISTENT;
	}
	mutex_unlock(&pal_vms_lock);
	if (drop)
		pal_vm_put(p);
}

/* The VM of that name, or NULL; under pal_vms_lock. */
static struct pal_vm *pal_vm_lookup(const char *name)
{
	struct pal_vm *p;

	lockdep_assert_held(&pal_vms_lock);
	list_for_each_entry(p, &pal_vms, node)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* NUL-terminated within @len, of ASCII letters, digits, '-', '_', '.' */
static bool pal_name_valid(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("-_.", name[i])))
			return false;
	return i < len;
}

static long pal_create_vm(struct palacios_create_vm __user *arg)
{
	struct palacios_create_vm c;
	struct pal_vm *p;
	int fd;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~PALACIOS_VM_PERSISTENT) || c.reserved ||
	    !pal_name_valid(c.name, sizeof(c.name)))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->con_buf = kvmalloc(PAL_CON_SIZE, GFP_KERNEL_ACCOUNT);
	if (!p->con_buf) {
		kfree(p);
		return -ENOMEM;
	}
	kref_init(&p->ref);
	mutex_init(&p->lock);
	spin_lock_init(&p->con_lock);
	init_waitqueue_head(&p->con_wq);
	p->flags = c.flags;

	mutex_lock(&pal_vms_lock);
	if (pal_nr_vms >= PALACIOS_MAX_VMS) {
		mutex_unlock(&pal_vms_lock);
		fd = -ENOSPC;
		goto fail;
	}
	p->id = pal_next_id++;
	if (c.name[0])
		strscpy(p->name, c.name, sizeof(p->name));
	else
		snprintf(p->name, sizeof(p->name), "vm%u", p->id);
	if (pal_vm_lookup(p->name)) {
		mutex_unlock(&pal_vms_lock);
		fd = -EEXIST;
		goto fail;
	}
	list_add_tail(&p->node, &pal_vms);
	p->listed = true;
	pal_nr_vms++;
	if (p->flags & PALACIOS_VM_PERSISTENT)
		kref_get(&p->ref);
	mutex_unlock(&pal_vms_lock);

	fd = pal_vm_fd(p);
	if (fd < 0) {
		pal_vm_unlist(p);
		pal_vm_put(p);
	}
	return fd;
fail:
	kvfree(p->con_buf);
	mutex_destroy(&p->lock);
	kfree(p);
	return fd;
}

static long pal_open_vm(struct palacios_open_vm __user *arg)
{
	struct palacios_open_vm o;
	struct pal_vm *p;
	int fd;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	if (!pal_name_valid(o.name, sizeof(o.name)))
		return -EINVAL;
	mutex_lock(&pal_vms_lock);
	p = pal_vm_lookup(o.name);
	if (p)
		kref_get(&p->ref);
	mutex_unlock(&pal_vms_lock);
	if (!p)
		return -ENOENT;
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
	unsigned int n = 0, total, i;
	struct pal_vm *p;
	long err = 0;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.reserved)
		return -EINVAL;
	out = u64_to_user_ptr(l.vms);

	mutex_lock(&pal_vms_lock);
	total = pal_nr_vms;
	list_for_each_entry(p, &pal_vms, node) {
		if (n == min_t(u32, l.nr, ARRAY_SIZE(vms)))
			break;
		kref_get(&p->ref);
		vms[n++] = p;
	}
	mutex_unlock(&pal_vms_lock);

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
	};

	mutex_lock(&pal_vms_lock);
	h.nr_vms = pal_nr_vms;
	mutex_unlock(&pal_vms_lock);
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
	struct pal_vm *p;

	misc_deregister(&pal_dev);
	/*
	 * Every descriptor pins the module, so only persistent VMs are
	 * left, each held by the list alone.
	 */
	for (;;) {
		mutex_lock(&pal_vms_lock);
		p = list_first_entry_or_null(&pal_vms, struct pal_vm, node);
		if (p)
			kref_get(&p->ref);
		mutex_unlock(&pal_vms_lock);
		if (!p)
			break;
		pal_vm_unlist(p);
		pal_vm_put(p);
	}
}
