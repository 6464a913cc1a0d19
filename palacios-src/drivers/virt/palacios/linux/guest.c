// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: guests named by the "guest" parameter.
 *
 * palacios.guest=PATH[@SIZE][,PATH[@SIZE]...] on the kernel command line
 * (Palacios built in, read once the initramfs is populated) or guest=... as
 * a module parameter names guest images (Documentation/virt/palacios/
 * image.rst) to load and run, with their memory size from the image or
 * @SIZE (e.g. @2G).  A guest's COM1 output goes to the kernel log.  A guest
 * that stops is freed at once; unloading the module stops and frees the
 * others.
 *
 * Locking: pal_guests_lock protects the list; VMs are freed on pal_wq,
 * outside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kconfig.h>
#include <linux/kernel_read_file.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <palacios/vm.h>

#include "glue.h"

/* The largest image the parameter may name */
#define PAL_IMAGE_MAX	(64 << 20)

static char *guest;
module_param(guest, charp, 0444);
MODULE_PARM_DESC(guest, "guest images to run: PATH[@SIZE][,PATH[@SIZE]...]");

struct pal_guest {
	struct list_head node;
	struct v3_vm *vm;
	struct work_struct free_work;
};

static LIST_HEAD(pal_guests);
static DEFINE_MUTEX(pal_guests_lock);
static struct workqueue_struct *pal_wq;

static void pal_guest_free(struct work_struct *work)
{
	struct pal_guest *g = container_of(work, struct pal_guest, free_work);
	char name[V3_VM_NAME_LEN];
	ktime_t t0;

	mutex_lock(&pal_guests_lock);
	list_del(&g->node);
	mutex_unlock(&pal_guests_lock);
	strscpy(name, v3_vm_name(g->vm), sizeof(name));
	t0 = ktime_get();
	v3_vm_free(g->vm);
	kfree(g);
	pr_info("vm %s: freed in %lld ms; Palacios now holds %llu pages\n",
		name, ktime_ms_delta(ktime_get(), t0), pal_pages_in_use());
}

static void pal_guest_stopped(struct v3_vm *vm, void *priv)
{
	struct pal_guest *g = priv;

	queue_work(pal_wq, &g->free_work);
}

/* The guest's name: the file name without directories and extension. */
static void pal_guest_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	char *dot;

	strscpy(name, base ? base + 1 : path, len);
	dot = strchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
}

static int pal_guest_start(const char *path, u64 mem)
{
	struct v3_vm_config cfg = { .on_stop = pal_guest_stopped };
	struct v3_image_info info;
	char name[V3_VM_NAME_LEN];
	struct pal_guest *g;
	void *image = NULL;
	ssize_t size;
	ktime_t t0;
	int err;

	size = kernel_read_file_from_path(path, 0, &image, PAL_IMAGE_MAX,
					  NULL, READING_UNKNOWN);
	if (size < 0) {
		pr_err("guest %s: cannot read the image: %pe\n", path,
		       ERR_PTR(size));
		return size;
	}
	pal_guest_name(path, name, sizeof(name));
	err = v3_image_check(name, image, size, &info);
	if (err)
		goto out;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		err = -ENOMEM;
		goto out;
	}
	INIT_WORK(&g->free_work, pal_guest_free);
	cfg.name = name;
	cfg.mem_size = mem ? mem : info.mem_size ? info.mem_size : 16 << 20;
	cfg.nr_vcpus = info.nr_vcpus;
	cfg.priv = g;
	t0 = ktime_get();
	err = v3_vm_create(&cfg, &g->vm);
	if (err) {
		pr_err("guest %s: cannot create a VM of %llu MiB: %pe\n", path,
		       cfg.mem_size >> 20, ERR_PTR(err));
		kfree(g);
		goto out;
	}
	pr_info("vm %s: created with %llu MiB in %lld ms\n", name,
		cfg.mem_size >> 20, ktime_ms_delta(ktime_get(), t0));
	err = v3_vm_load(g->vm, image, size);
	if (err) {
		v3_vm_free(g->vm);
		kfree(g);
		goto out;
	}
	mutex_lock(&pal_guests_lock);
	list_add_tail(&g->node, &pal_guests);
	mutex_unlock(&pal_guests_lock);
	/* On failure the VM is stopped, and freed on pal_wq. */
	err = v3_vm_start(g->vm);
out:
	vfree(image);
	return err;
}

void pal_guests_start(void)
{
	char *list, *p, *item;

	if (!guest || !*guest)
		return;
	list = kstrdup(guest, GFP_KERNEL);
	if (!list)
		return;
	p = list;
	while ((item = strsep(&p, ",")) != NULL) {
		char *at = strchr(item, '@');
		u64 mem = 0;

		if (!*item)
			continue;
		if (at) {
			*at = '\0';
			mem = memparse(at + 1, NULL);
		}
		pal_guest_start(item, mem);
	}
	kfree(list);
}

int pal_guests_init(void)
{
	pal_wq = alloc_workqueue("palacios", WQ_UNBOUND, 0);
	if (!pal_wq)
		return -ENOMEM;
	/* Built in, the boot hook starts them, once the initramfs is there. */
	if (!IS_BUILTIN(CONFIG_PALACIOS))
		pal_guests_start();
	return 0;
}

void pal_guests_exit(void)
{
	struct pal_guest *g;

	/* Stopping a VM queues its freeing. */
	mutex_lock(&pal_guests_lock);
	list_for_each_entry(g, &pal_guests, node)
		v3_vm_stop(g->vm);
	mutex_unlock(&pal_guests_lock);
	destroy_workqueue(pal_wq);
}
