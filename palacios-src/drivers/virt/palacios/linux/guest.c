// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: guests named by the "guest" parameter.
 *
 * palacios.guest=PATH[@SIZE][,PATH[@SIZE]...] on the kernel command line
 * (Palacios built in, read once the initramfs is populated) or guest=... as
 * a module parameter names guest images (Documentation/virt/palacios/
 * image.rst) to load and run, with their memory size from the image or
 * @SIZE (e.g. @2G).  Each guest is a VM of the kernel, named after its
 * file (with "-2", "-3"... when the name is taken): palacios list shows it
 * to the administrator, who can attach to its console or stop it.  Its COM1
 * output also goes to the kernel log.  A guest that stops is freed at once;
 * unloading the module stops and frees the others.
 *
 * A PATH may also be a Linux bzImage, booted with the initrd and command
 * line that the initrd= and cmdline= parameters name; passthrough= gives
 * host devices to guests (Documentation/virt/palacios/passthrough.rst).
 *
 * Locking: a guest is set up and started under its VM's lock, and freed
 * on pal_wq under it, so a guest that stops at once waits to be freed
 * until v3_vm_start() has returned.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kconfig.h>
#include <linux/kernel_read_file.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <palacios/bzimage.h>
#include <palacios/passthrough.h>
#include <palacios/vm.h>
#include <uapi/linux/palacios.h>

#include "glue.h"
#include "vms.h"

/* The largest image the parameter may name */
#define PAL_IMAGE_MAX	(64 << 20)

static char *guest;
module_param(guest, charp, 0444);
MODULE_PARM_DESC(guest, "guest images to run: PATH[@SIZE][,PATH[@SIZE]...]");

static struct workqueue_struct *pal_wq;

/* Free a guest that stopped, and take it off the list. */
static void pal_guest_end(struct work_struct *work)
{
	struct pal_vm *p = container_of(work, struct pal_vm, end_work);
	ktime_t t0 = ktime_get();
	bool freed;

	mutex_lock(&p->lock);
	freed = p->vm;
	pal_vm_free_guest(p);
	mutex_unlock(&p->lock);
	if (freed)
		pr_info("vm %s: freed in %lld ms; Palacios now holds %llu pages\n",
			p->name, ktime_ms_delta(ktime_get(), t0),
			pal_pages_in_use());
	pal_vm_unlist(p);
	pal_vm_put(p);		/* the work's */
}

/* The core calls this once, when the guest stops. */
static void pal_guest_stopped(struct v3_vm *vm, void *priv)
{
	struct pal_vm *p = priv;

	pal_console_end(p);
	pal_vm_get(p);		/* for the work, which drops it */
	queue_work(pal_wq, &p->end_work);
}

/*
 * The guest's name: the file name without directories and extension, with
 * '_' for what a VM's name cannot hold.
 */
static void pal_guest_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	char *c;

	strscpy(name, base ? base + 1 : path, len);
	c = strchr(name, '.');
	if (c && c != name)
		*c = '\0';
	for (c = name; *c; c++)
		if (!pal_vm_name_char(*c))
			*c = '_';
}

/* A VM of the kernel for the guest at @path; logs why there is none. */
static struct pal_vm *pal_guest_vm(const char *path)
{
	char base[PALACIOS_NAME_LEN - 4], name[PALACIOS_NAME_LEN];
	struct pal_vm *p = ERR_PTR(-EEXIST);
	unsigned int i;

	pal_guest_name(path, base, sizeof(base));
	for (i = 1; i <= PALACIOS_MAX_VMS && PTR_ERR(p) == -EEXIST; i++) {
		if (i == 1)
			strscpy(name, base, sizeof(name));
		else
			scnprintf(name, sizeof(name), "%s-%u", base, i);
		p = pal_vm_create(name, PALACIOS_VM_KERNEL |
					PALACIOS_VM_PERSISTENT);
	}
	if (IS_ERR(p)) {
		pr_err("guest %s: cannot create a VM: %pe\n", path, p);
		return p;
	}
	INIT_WORK(&p->end_work, pal_guest_end);
	return p;
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

/*
 * Give the VM of a boot-time guest its core VM, whose COM1 goes to its
 * console and to the log; logs why it could not.
 */
static int pal_guest_create(struct pal_vm *p, const char *path,
			    struct v3_vm_config *cfg)
{
	ktime_t t0 = ktime_get();
	int err;

	cfg->name = p->name;
	cfg->console = pal_console_out;
	cfg->log_console = true;
	cfg->on_stop = pal_guest_stopped;
	cfg->priv = p;
	err = v3_vm_create(cfg, &p->vm);
	if (err) {
		p->vm = NULL;
		pr_err("guest %s: cannot create a VM of %llu MiB: %pe\n", path,
		       cfg->mem_size >> 20, ERR_PTR(err));
		return err;
	}
	p->mem_size = cfg->mem_size;
	p->nr_vcpus = cfg->nr_vcpus;
	pr_info("vm %s: created with %llu MiB in %lld ms\n", p->name,
		cfg->mem_size >> 20, ktime_ms_delta(ktime_get(), t0));
	return 0;
}

/* Start a loaded boot-time guest. */
static int pal_guest_launch(struct pal_vm *p)
{
	int err = pal_guest_passthrough(p->vm);

	err = err ? err : pal_guest_affinity(p->vm);
	return err ? err : v3_vm_start(p->vm);
}

/*
 * Start the guest of @p, loaded unless @err, or free it; drop the lock
 * the caller took on @p before setting it up (so that a guest that stops
 * at once is freed by its end work only once v3_vm_start() returned) and
 * the caller's reference.
 */
static int pal_guest_finish(struct pal_vm *p, int err)
{
	if (!err)
		err = pal_guest_launch(p);
	if (err)
		pal_vm_free_guest(p);
	mutex_unlock(&p->lock);
	if (err)
		pal_vm_unlist(p);
	pal_vm_put(p);
	return err;
}

/* A bzImage named by the guest parameter, with the initrd and cmdline ones */
static int pal_linux_guest_start(const char *path, const void *kernel,
				 ssize_t ksize, u64 mem)
{
	struct v3_vm_config cfg = { .nr_vcpus = 1 };
	struct pal_vm *p;
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
	p = pal_guest_vm(path);
	err = PTR_ERR_OR_ZERO(p);
	if (!err) {
		mutex_lock(&p->lock);
		err = pal_guest_create(p, path, &cfg);
		if (!err)
			err = v3_vm_load_linux(p->vm, kernel, ksize, rd,
					       rd_size, cmdline && *cmdline ?
					       cmdline : "console=ttyS0");
		err = pal_guest_finish(p, err);
	}
	vfree(rd);
	return err;
}

/* A Palacios image named by the guest parameter */
static int pal_image_guest_start(const char *path, const void *image,
				 ssize_t size, u64 mem)
{
	struct v3_vm_config cfg = { };
	struct v3_image_info info;
	char name[V3_VM_NAME_LEN];
	struct pal_vm *p;
	int err;

	pal_guest_name(path, name, sizeof(name));
	err = v3_image_check(name, image, size, &info);
	if (err)
		return err;
	cfg.mem_size = mem ? mem : info.mem_size ? info.mem_size : 16 << 20;
	cfg.nr_vcpus = info.nr_vcpus;
	p = pal_guest_vm(path);
	if (IS_ERR(p))
		return PTR_ERR(p);
	mutex_lock(&p->lock);
	err = pal_guest_create(p, path, &cfg);
	if (!err)
		err = v3_vm_load(p->vm, image, size);
	return pal_guest_finish(p, err);
}

static int pal_guest_start(const char *path, u64 mem)
{
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
	if (pal_is_bzimage(image, size))
		err = pal_linux_guest_start(path, image, size, mem);
	else
		err = pal_image_guest_start(path, image, size, mem);
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
	/* /dev/palacios stopped them all (pal_vms_exit()): wait for their ends */
	destroy_workqueue(pal_wq);
}
