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
 * A PATH may also be a Linux bzImage, booted with the initrd and command
 * line that the initrd= and cmdline= parameters name; passthrough= gives
 * host devices to guests (Documentation/virt/palacios/passthrough.rst).
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

#include <palacios/linux.h>
#include <palacios/passthrough.h>
#include <palacios/vm.h>
#include <uapi/linux/palacios.h>

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

/* Boot-time Linux guests and the host devices passed through to them */

/* The memory of a boot-time Linux guest without @SIZE */
#define PAL_LINUX_MEM	(256 << 20)

static char *initrd;
module_param(initrd, charp, 0444);
MODULE_PARM_DESC(initrd, "the initrd of the Linux guests named by guest=");

static char *cmdline;
module_param(cmdline, charp, 0444);
MODULE_PARM_DESC(cmdline, "their command line (default: console=ttyS0)");

static char *passthrough;
module_param(passthrough, charp, 0444);
MODULE_PARM_DESC(passthrough,
		 "host devices for guests: [NAME=]DEV[,...]; DEV: comN or FIRST[-LAST][@IRQ[:LINE]]");

static char *affinity;
module_param(affinity, charp, 0444);
MODULE_PARM_DESC(affinity, "host CPUs of the guests' vCPUs, a CPU list such as 1-3,6 (default: any)");

/* Apply the affinity parameter to a boot-time guest's VM; logs a refusal. */
static int pal_guest_affinity(struct v3_vm *vm)
{
	struct v3_cpuset set = {};
	cpumask_var_t mask;
	unsigned int cpu;
	int err;

	if (!affinity)
		return 0;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = cpulist_parse(affinity, mask);
	if (!err && (cpumask_empty(mask) || !cpumask_subset(mask, cpu_online_mask)))
		err = -EINVAL;
	if (!err) {
		for_each_cpu(cpu, mask)
			v3_cpuset_add(&set, cpu);
		err = v3_vm_set_affinity(vm, &set);
	}
	free_cpumask_var(mask);
	if (err)
		pr_err("vm %s: affinity=%s: not a list of online CPUs: %pe\n",
		       v3_vm_name(vm), affinity, ERR_PTR(err));
	return err;
}

/* A Linux bzImage: the setup header's "HdrS" (boot.rst) */
static bool pal_is_bzimage(const void *image, ssize_t size)
{
	return size > 0x206 && !memcmp(image + 0x202, "HdrS", 4);
}

/* One device of the passthrough parameter, as palacios run -d takes it */
static int pal_parse_device(char *s, struct v3_pt_spec *spec)
{
	static const u16 com_ports[] = PALACIOS_COM_PORTS;
	static const u8 com_irqs[] = PALACIOS_COM_IRQS;
	char *irq = strchr(s, '@'), *line = NULL, *last;
	unsigned int first = 0, end = 0, n = 0, l;

	*spec = (struct v3_pt_spec){ .irq = V3_PT_NO_IRQ };
	if (!strncmp(s, "com", 3) && s[3] >= '1' && s[3] <= '4' && !s[4]) {
		spec->port_first = com_ports[s[3] - '1'];
		spec->port_count = PALACIOS_COM_SIZE;
		spec->irq = com_irqs[s[3] - '1'];
		spec->line = spec->irq;
		return 0;
	}
	if (irq) {
		*irq++ = '\0';
		line = strchr(irq, ':');
		if (line)
			*line++ = '\0';
		if (kstrtouint(irq, 0, &n) || n > INT_MAX)
			return -EINVAL;
		l = n;
		if (line && kstrtouint(line, 0, &l))
			return -EINVAL;
		spec->irq = n;
		spec->line = l;
	}
	if (!*s)
		return irq ? 0 : -EINVAL;
	last = strchr(s, '-');
	if (last)
		*last++ = '\0';
	if (kstrtouint(s, 0, &first) || first > 0xffff)
		return -EINVAL;
	end = first;
	if (last && (kstrtouint(last, 0, &end) || end > 0xffff || end < first))
		return -EINVAL;
	spec->port_first = first;
	spec->port_count = end - first + 1;
	return 0;
}

/* The first guest the guest parameter names, which gets DEVs without NAME= */
static char pal_first_guest[V3_VM_NAME_LEN];

/* Give @vm the devices the passthrough parameter names for it. */
static int pal_guest_passthrough(struct v3_vm *vm)
{
	const char *name = v3_vm_name(vm);
	bool first = !strcmp(name, pal_first_guest);
	char *list, *p, *item;
	int err = 0;

	if (!passthrough || !*passthrough)
		return 0;
	list = kstrdup(passthrough, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	p = list;
	while (!err && (item = strsep(&p, ",")) != NULL) {
		char *eq = strchr(item, '=');
		const char *dev = item;
		struct v3_pt_spec spec;

		if (eq) {
			*eq = '\0';
			dev = eq + 1;
			if (strcmp(item, name))
				continue;
		} else if (!first) {
			continue;
		}
		if (pal_parse_device((char *)dev, &spec)) {
			pr_err("guest %s: passthrough: cannot parse device '%s': comN, or FIRST[-LAST][@IRQ[:LINE]]\n",
			       name, dev);
			err = -EINVAL;
			break;
		}
		/* the core logs a refusal */
		err = v3_vm_passthrough(vm, &spec);
	}
	kfree(list);
	return err;
}

/* Create the VM of a boot-time guest; logs why it could not. */
static int pal_guest_create(const char *path, struct v3_vm_config *cfg,
			    struct pal_guest **out)
{
	struct pal_guest *g;
	ktime_t t0;
	int err;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	INIT_WORK(&g->free_work, pal_guest_free);
	cfg->on_stop = pal_guest_stopped;
	cfg->priv = g;
	t0 = ktime_get();
	err = v3_vm_create(cfg, &g->vm);
	if (err) {
		pr_err("guest %s: cannot create a VM of %llu MiB: %pe\n", path,
		       cfg->mem_size >> 20, ERR_PTR(err));
		kfree(g);
		return err;
	}
	pr_info("vm %s: created with %llu MiB in %lld ms\n", cfg->name,
		cfg->mem_size >> 20, ktime_ms_delta(ktime_get(), t0));
	*out = g;
	return 0;
}

/* Free a boot-time guest that was not launched. */
static void pal_guest_drop(struct pal_guest *g)
{
	v3_vm_free(g->vm);
	kfree(g);
}

/* Start a loaded boot-time guest; on failure it is freed on pal_wq. */
static int pal_guest_launch(struct pal_guest *g)
{
	int err = pal_guest_passthrough(g->vm);

	if (!err)
		err = pal_guest_affinity(g->vm);
	if (err) {		/* not started: freed here */
		pal_guest_drop(g);
		return err;
	}
	mutex_lock(&pal_guests_lock);
	list_add_tail(&g->node, &pal_guests);
	mutex_unlock(&pal_guests_lock);
	return v3_vm_start(g->vm);
}

/* A bzImage named by the guest parameter, with the initrd and cmdline ones */
static int pal_linux_guest_start(const char *path, const char *name,
				 const void *kernel, ssize_t ksize, u64 mem)
{
	struct v3_vm_config cfg = { .name = name, .nr_vcpus = 1 };
	struct pal_guest *g;
	void *rd = NULL;
	ssize_t rd_size = 0;
	int err;

	if (initrd && *initrd) {
		rd_size = kernel_read_file_from_path(initrd, 0, &rd,
						     PALACIOS_INITRD_MAX, NULL,
						     READING_UNKNOWN);
		if (rd_size < 0) {
			pr_err("guest %s: cannot read the initrd %s: %pe\n",
			       path, initrd, ERR_PTR(rd_size));
			return rd_size;
		}
	}
	cfg.mem_size = mem ? mem : PAL_LINUX_MEM;
	err = pal_guest_create(path, &cfg, &g);
	if (err)
		goto out;
	err = v3_vm_load_linux(g->vm, kernel, ksize, rd, rd_size,
			       cmdline && *cmdline ? cmdline : "console=ttyS0");
	if (err) {
		pal_guest_drop(g);
		goto out;
	}
	err = pal_guest_launch(g);
out:
	vfree(rd);
	return err;
}

static int pal_guest_start(const char *path, u64 mem)
{
	struct v3_vm_config cfg = { };
	struct v3_image_info info;
	char name[V3_VM_NAME_LEN];
	struct pal_guest *g;
	void *image = NULL;
	ssize_t size;
	int err;

	size = kernel_read_file_from_path(path, 0, &image, PAL_IMAGE_MAX,
					  NULL, READING_UNKNOWN);
	if (size < 0) {
		pr_err("guest %s: cannot read the image: %pe\n", path,
		       ERR_PTR(size));
		return size;
	}
	pal_guest_name(path, name, sizeof(name));
	if (pal_is_bzimage(image, size)) {
		err = pal_linux_guest_start(path, name, image, size, mem);
		goto out;
	}
	err = v3_image_check(name, image, size, &info);
	if (err)
		goto out;

	cfg.name = name;
	cfg.mem_size = mem ? mem : info.mem_size ? info.mem_size : 16 << 20;
	cfg.nr_vcpus = info.nr_vcpus;
	err = pal_guest_create(path, &cfg, &g);
	if (err)
		goto out;
	err = v3_vm_load(g->vm, image, size);
	if (err) {
		pal_guest_drop(g);
		goto out;
	}
	err = pal_guest_launch(g);
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
		if (!pal_first_guest[0])
			pal_guest_name(item, pal_first_guest,
				       sizeof(pal_first_guest));
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
