// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: the VM descriptors of /dev/palacios and their ioctls.
 * See Documentation/virt/palacios/api.rst.
 *
 * Locking: a VM's lock serialises its ioctls, and guards the core's VM
 * pointer against PALACIOS_VM_FREE.  The core calls back (console output,
 * stop) without it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <palacios/board.h>
#include <palacios/bzimage.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/passthrough.h>
#include <palacios/vm.h>

#include "glue.h"
#include "vms.h"

/* The core's exit classes are the uapi's exit reasons. */
static_assert((int)V3_NR_EXIT_CLASSES == (int)PALACIOS_NR_EXIT_REASONS);
static_assert(PALACIOS_NR_EXIT_REASONS <=
	      ARRAY_SIZE(((struct palacios_vm_stats *)0)->exits));
static_assert(V3_VM_NAME_LEN == PALACIOS_NAME_LEN);
static_assert(V3_STOP_REASON_LEN == PALACIOS_REASON_LEN);
static_assert(V3_MEM_MAX == PALACIOS_MEM_MAX);
static_assert(V3_MAX_VCPUS == PALACIOS_MAX_VCPUS);
static_assert(PALACIOS_CPUSET_WORDS * 64 == V3_CPUSET_BITS);
static_assert(PALACIOS_MAX_DISKS == V3_BOARD_MAX_DISKS);

#define PAL_MAGIC_LEN	(sizeof(V3_IMAGE_MAGIC) - 1)

static void pal_vm_stopped(struct v3_vm *vm, void *priv)
{
	pal_console_end(priv);
}

static long pal_vm_configure(struct pal_vm *p,
			     struct palacios_vm_config __user *arg)
{
	struct v3_vm_config cfg = {
		.name = p->name,
		.console = pal_console_out,
		.on_stop = pal_vm_stopped,
		.priv = p,
	};
	struct palacios_vm_config c;
	int err;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.reserved || !c.mem_size || c.mem_size % PALACIOS_MEM_ALIGN ||
	    c.mem_size > PALACIOS_MEM_MAX || !c.nr_vcpus ||
	    c.nr_vcpus > PALACIOS_MAX_VCPUS)
		return -EINVAL;
	if (p->vm)
		return -EBUSY;
	cfg.mem_size = c.mem_size;
	cfg.nr_vcpus = c.nr_vcpus;
	err = v3_vm_create(&cfg, &p->vm);
	if (err) {
		p->vm = NULL;
		return err;
	}
	p->mem_size = c.mem_size;
	p->nr_vcpus = c.nr_vcpus;
	return 0;
}

/*
 * A copy of @len bytes of user memory, NUL-terminated, charged to the
 * caller's memory cgroup: the process makes the kernel hold it.
 */
static void *pal_memdup_user(const void __user *src, u64 len)
{
	char *buf = kvmalloc(len + 1, GFP_KERNEL_ACCOUNT);

	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(buf, src, len)) {
		kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	buf[len] = '\0';
	return buf;
}

static u64 pal_load_max(u32 kind)
{
	switch (kind) {
	case PALACIOS_LOAD_IMAGE:
	case PALACIOS_LOAD_KERNEL:
		return PALACIOS_IMAGE_MAX;
	case PALACIOS_LOAD_INITRD:
		return PALACIOS_INITRD_MAX;
	case PALACIOS_LOAD_CMDLINE:
		return PALACIOS_CMDLINE_MAX;
	}
	return 0;
}

static long pal_vm_load(struct pal_vm *p, struct palacios_vm_load __user *arg)
{
	struct palacios_vm_load l;
	void *data;
	int err;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.reserved || !l.size || l.size > pal_load_max(l.kind))
		return -EINVAL;
	if (!p->vm || v3_vm_state(p->vm) != V3_VM_CREATED)
		return -EBUSY;
	data = pal_memdup_user(u64_to_user_ptr(l.addr), l.size);
	if (IS_ERR(data))
		return PTR_ERR(data);
	if (l.kind == PALACIOS_LOAD_CMDLINE) {
		if (strlen(data) != l.size) {	/* a NUL inside */
			kvfree(data);
			return -EINVAL;
		}
		kvfree(p->cmdline);
		p->cmdline = data;
		return 0;
	}
	switch (l.kind) {
	case PALACIOS_LOAD_INITRD:
		kvfree(p->initrd);
		p->initrd = data;
		p->initrd_size = l.size;
		return 0;
	case PALACIOS_LOAD_KERNEL:
		err = v3_vm_load_linux(p->vm, data, l.size, p->initrd,
				       p->initrd_size, p->cmdline);
		if (!err)
			pal_vm_drop_boot_files(p);
		break;
	default:
		/* The core logs why an image is bad; say once what is not one. */
		if (l.size < PAL_MAGIC_LEN ||
		    memcmp(data, V3_IMAGE_MAGIC, PAL_MAGIC_LEN)) {
			pr_info_ratelimited("vm %s: load: not a Palacios image\n",
					    p->name);
			err = -ENOEXEC;
		} else {
			err = v3_vm_load(p->vm, data, l.size);
		}
		break;
	}
	kvfree(data);
	return err;
}

/* Host ports and an interrupt for a VM that has not started. */
static long pal_vm_passthrough(struct pal_vm *p,
			       struct palacios_passthrough __user *arg)
{
	struct palacios_passthrough pt;
	struct v3_pt_spec spec = { .irq = V3_PT_NO_IRQ };

	/* the guest drives host hardware directly */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (copy_from_user(&pt, arg, sizeof(pt)))
		return -EFAULT;
	if (pt.reserved || pt.flags & ~PALACIOS_PT_IRQ ||
	    pt.port_first > 0xffff || pt.port_count > 0x10000 ||
	    ((pt.flags & PALACIOS_PT_IRQ) &&
	     (pt.irq > INT_MAX || pt.line >= V3_PT_NR_LINES)))
		return -EINVAL;
	if (!p->vm)
		return -EBUSY;
	spec.port_first = pt.port_first;
	spec.port_count = pt.port_count;
	if (pt.flags & PALACIOS_PT_IRQ) {
		spec.irq = pt.irq;
		spec.line = pt.line;
	}
	return v3_vm_passthrough(p->vm, &spec);
}

static long pal_vm_add_disk(struct pal_vm *p, struct palacios_disk __user *arg)
{
	struct v3_host_file *file;
	struct palacios_disk d;
	const char *why;
	u64 size;
	bool ro;
	int err;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.flags & ~PALACIOS_DISK_RO)
		return -EINVAL;
	if (!p->vm)
		return -EBUSY;
	ro = d.flags & PALACIOS_DISK_RO;
	err = pal_host_file_get(d.fd, ro, &file, &size, &why);
	if (err) {
		if (err != -ENOMEM)
			pr_info_ratelimited("vm %s: disk refused: descriptor %d is %s\n",
					    p->name, d.fd, why);
		return err;
	}
	err = v3_vm_add_disk(p->vm, file, size, ro);
	if (err)
		v3_host_file_put(file);
	return err;
}

static long pal_vm_add_nic(struct pal_vm *p, struct palacios_nic __user *arg)
{
	struct v3_host_net *net;
	struct palacios_nic d;
	const char *why;
	int err;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if ((d.flags & ~(PALACIOS_NIC_MAC | PALACIOS_NIC_VNET_HDR)) ||
	    d.pad[0] || d.pad[1])
		return -EINVAL;
	if (!p->vm)
		return -EBUSY;
	err = pal_host_net_get(d.fd, d.flags & PALACIOS_NIC_VNET_HDR, &net,
			       &why);
	if (err) {
		if (err != -ENOMEM)
			pr_info_ratelimited("vm %s: network device refused: descriptor %d is %s\n",
					    p->name, d.fd, why);
		return err;
	}
	err = v3_vm_add_nic(p->vm, net,
			    d.flags & PALACIOS_NIC_MAC ? d.mac : NULL);
	if (err)
		v3_host_net_put(net);
	return err;
}

static long pal_vm_add_channel(struct pal_vm *p,
			       struct palacios_channel __user *arg)
{
	struct v3_host_chan *chan;
	struct palacios_channel d;
	const char *why;
	int err;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.flags || d.reserved)
		return -EINVAL;
	if (!p->vm)
		return -EBUSY;
	err = pal_host_chan_get(d.in_fd, d.out_fd, &chan, &why);
	if (err) {
		if (err != -ENOMEM)
			pr_info_ratelimited("vm %s: console refused: descriptor %d or %d is %s\n",
					    p->name, d.in_fd, d.out_fd, why);
		return err;
	}
	err = v3_vm_add_channel(p->vm, chan);
	if (err)
		v3_host_chan_put(chan);
	return err;
}

static long pal_vm_stop(struct pal_vm *p)
{
	u32 state = pal_vm_state(p);

	if (state != PALACIOS_STATE_RUNNING && state != PALACIOS_STATE_PAUSED)
		return -EBUSY;
	v3_vm_stop(p->vm);
	return 0;
}

static long pal_vm_get_stats(struct pal_vm *p,
			     struct palacios_vm_stats __user *arg)
{
	struct palacios_vm_stats s = { 0 };
	unsigned long khz = v3_host_cpu_khz();
	struct v3_vm_stats st;
	unsigned int i;

	if (p->vm && khz) {
		v3_vm_get_stats(p->vm, &st);
		for (i = 0; i < V3_NR_EXIT_CLASSES; i++)
			s.exits[i] = st.exits[i];
		s.guest_ns = mul_u64_u32_div(st.guest_tsc, USEC_PER_SEC, khz);
		s.vmm_ns = mul_u64_u32_div(st.vmm_tsc, USEC_PER_SEC, khz);
		s.halted_ns = mul_u64_u32_div(st.halted_tsc, USEC_PER_SEC,
					      khz);
	}
	return copy_to_user(arg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long pal_vm_get_info(struct pal_vm *p,
			    struct palacios_vm_info __user *arg)
{
	struct palacios_vm_info *info;
	long err = 0;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	pal_vm_fill_info(p, info);
	if (copy_to_user(arg, info, sizeof(*info)))
		err = -EFAULT;
	kfree(info);
	return err;
}

static long pal_vm_set_affinity(struct pal_vm *p,
				struct palacios_vm_affinity __user *arg)
{
	struct palacios_vm_affinity a;
	unsigned int cpu, n = 0;

	if (p->vm && v3_vm_state(p->vm) != V3_VM_CREATED &&
	    v3_vm_state(p->vm) != V3_VM_LOADED)
		return -EBUSY;
	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	for (cpu = 0; cpu < V3_CPUSET_BITS; cpu++) {
		if (!(a.cpus[cpu / 64] >> (cpu % 64) & 1))
			continue;
		if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
			pr_info_ratelimited("vm %s: affinity names CPU %u, which is not online\n",
					    p->name, cpu);
			return -EINVAL;
		}
		n++;
	}
	if (!n)
		return -EINVAL;
	memcpy(p->affinity.bits, a.cpus, sizeof(p->affinity.bits));
	p->has_affinity = true;
	return 0;
}

/*
 * The vCPUs run where the VM's affinity allows and where the launching
 * process may run: its cpuset's CPUs and its own affinity hold for them.
 */
static long pal_vm_launch(struct pal_vm *p)
{
	struct v3_cpuset set = {};
	unsigned int cpu;
	int err;

	if (!p->vm)
		return -EBUSY;
	for_each_cpu(cpu, current->cpus_ptr)
		if (!p->has_affinity || v3_cpuset_has(&p->affinity, cpu))
			v3_cpuset_add(&set, cpu);
	err = v3_vm_set_affinity(p->vm, &set);
	if (err == -EINVAL) {
		pr_info_ratelimited("vm %s: none of its CPUs is allowed to the process that launches it\n",
				    p->name);
		return err;
	}
	return err ? err : v3_vm_start(p->vm);
}

static long pal_vm_get_console(struct pal_vm *p)
{
	int fd;

	pal_vm_get(p);
	fd = pal_console_fd(p);
	if (fd < 0)
		pal_vm_put(p);
	return fd;
}

static long pal_vm_ioctl_locked(struct pal_vm *p, unsigned int cmd,
				void __user *argp)
{
	if (p->freed)
		return -ENODEV;
	switch (cmd) {
	case PALACIOS_VM_CONFIGURE:
		return pal_vm_configure(p, argp);
	case PALACIOS_VM_LOAD:
		return pal_vm_load(p, argp);
	case PALACIOS_VM_LAUNCH:
		return pal_vm_launch(p);
	case PALACIOS_VM_PAUSE:
		return p->vm ? v3_vm_pause(p->vm) : -EBUSY;
	case PALACIOS_VM_RESUME:
		return p->vm ? v3_vm_resume(p->vm) : -EBUSY;
	case PALACIOS_VM_STOP:
		return pal_vm_stop(p);
	case PALACIOS_VM_FREE:
		pal_vm_free_guest(p);
		return 0;
	case PALACIOS_VM_GET_STATS:
		return pal_vm_get_stats(p, argp);
	case PALACIOS_VM_GET_CONSOLE:
		return pal_vm_get_console(p);
	case PALACIOS_VM_PASSTHROUGH:
		return pal_vm_passthrough(p, argp);
	case PALACIOS_VM_SET_AFFINITY:
		return pal_vm_set_affinity(p, argp);
	case PALACIOS_VM_ADD_DISK:
		return pal_vm_add_disk(p, argp);
	case PALACIOS_VM_ADD_NIC:
		return pal_vm_add_nic(p, argp);
	case PALACIOS_VM_ADD_CHANNEL:
		return pal_vm_add_channel(p, argp);
	}
	return -ENOTTY;
}

static long pal_vm_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct pal_vm *p = file->private_data;
	void __user *argp = (void __user *)arg;
	long err;

	switch (cmd) {
	case PALACIOS_VM_GET_INFO:
		return pal_vm_get_info(p, argp);
	case PALACIOS_VM_CONFIGURE:
	case PALACIOS_VM_LOAD:
	case PALACIOS_VM_LAUNCH:
	case PALACIOS_VM_PAUSE:
	case PALACIOS_VM_RESUME:
	case PALACIOS_VM_STOP:
	case PALACIOS_VM_FREE:
	case PALACIOS_VM_GET_STATS:
	case PALACIOS_VM_GET_CONSOLE:
	case PALACIOS_VM_PASSTHROUGH:
	case PALACIOS_VM_SET_AFFINITY:
	case PALACIOS_VM_ADD_DISK:
	case PALACIOS_VM_ADD_NIC:
	case PALACIOS_VM_ADD_CHANNEL:
		break;
	default:
		return -ENOTTY;
	}
	if (mutex_lock_killable(&p->lock))
		return -EINTR;
	err = pal_vm_ioctl_locked(p, cmd, argp);
	mutex_unlock(&p->lock);
	if (cmd == PALACIOS_VM_FREE && !err)
		pal_vm_unlist(p);
	return err;
}

static int pal_vm_release_fd(struct inode *inode, struct file *file)
{
	pal_vm_put(file->private_data);
	return 0;
}

static const struct file_operations pal_vm_fops = {
	.owner = THIS_MODULE,
	.release = pal_vm_release_fd,
	.unlocked_ioctl = pal_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * pal_vm_fd() - a new descriptor of a VM
 * @p: the VM; the descriptor takes over a reference the caller holds
 *
 * Return: the descriptor, or a negative errno (the reference is then
 * still the caller's).
 */
int pal_vm_fd(struct pal_vm *p)
{
	return anon_inode_getfd("palacios-vm", &pal_vm_fops, p,
				O_RDWR | O_CLOEXEC);
}
