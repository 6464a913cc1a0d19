// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: the console descriptors of VMs, on their COM1.
 * See Documentation/virt/palacios/api.rst.
 *
 * What the guest transmits is kept in a ring per VM (the oldest bytes go
 * when it is full) until a console reads it.  What a console writes goes
 * straight into the UART's receive FIFO; while that is full, a blocking
 * write waits for the guest to read it, checking every few milliseconds.
 *
 * Locking: con_lock guards the ring (taken with interrupts disabled); writes
 * take the VM's lock to reach the UART.
 */
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <palacios/vm.h>

#include "vms.h"

/* How long a blocking write waits between looks at a full FIFO */
#define PAL_CON_WRITE_WAIT_MS	5

/**
 * pal_console_out() - the sink of a VM's COM1: keep what the guest wrote
 * @priv: the struct pal_vm
 * @buf: the bytes
 * @len: their number
 *
 * Context: the UART's transmit path, under its transmit mutex (not its
 * spinlock); a vCPU thread, or whoever writes to the UART.
 */
void pal_console_out(void *priv, const u8 *buf, unsigned int len)
{
	struct pal_vm *p = priv;
	unsigned int tail, n;
	unsigned long flags;

	spin_lock_irqsave(&p->con_lock, flags);
	if (len > PAL_CON_SIZE) {
		p->con_dropped += len - PAL_CON_SIZE;
		buf += len - PAL_CON_SIZE;
		len = PAL_CON_SIZE;
	}
	if (p->con_len + len > PAL_CON_SIZE) {
		n = p->con_len + len - PAL_CON_SIZE;
		p->con_head = (p->con_head + n) % PAL_CON_SIZE;
		p->con_len -= n;
		p->con_dropped += n;
	}
	tail = (p->con_head + p->con_len) % PAL_CON_SIZE;
	n = min(len, PAL_CON_SIZE - tail);
	memcpy(p->con_buf + tail, buf, n);
	memcpy(p->con_buf, buf + n, len - n);
	p->con_len += len;
	spin_unlock_irqrestore(&p->con_lock, flags);
	wake_up_interruptible_poll(&p->con_wq, EPOLLIN | EPOLLRDNORM);
}

/* Take up to @len bytes of output into @buf. */
static unsigned int pal_console_take(struct pal_vm *p, u8 *buf,
				     unsigned int len)
{
	unsigned int n, first;

	spin_lock_irq(&p->con_lock);
	n = min(len, p->con_len);
	first = min(n, PAL_CON_SIZE - p->con_head);
	memcpy(buf, p->con_buf + p->con_head, first);
	memcpy(buf + first, p->con_buf, n - first);
	p->con_head = (p->con_head + n) % PAL_CON_SIZE;
	p->con_len -= n;
	spin_unlock_irq(&p->con_lock);
	return n;
}

static bool pal_console_readable(struct pal_vm *p)
{
	return READ_ONCE(p->con_len) || READ_ONCE(p->ended);
}

static ssize_t pal_console_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct pal_vm *p = file->private_data;
	unsigned int n;
	ssize_t ret;
	u8 *buf;

	if (!count)
		return 0;
	count = min_t(size_t, count, PAGE_SIZE);
	buf = kmalloc(count, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		bool ended = READ_ONCE(p->ended);

		n = pal_console_take(p, buf, count);
		if (n || ended) {
			ret = n;
			break;
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(p->con_wq,
					     pal_console_readable(p))) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (ret > 0 && copy_to_user(ubuf, buf, ret))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

/*
 * Send bytes to the guest's COM1.  Return: how many the UART took,
 * -EPIPE once the guest has stopped, or -EBUSY before the VM has a UART.
 */
static int pal_console_input(struct pal_vm *p, const u8 *buf,
			     unsigned int len)
{
	int ret;

	if (mutex_lock_killable(&p->lock))
		return -EINTR;
	if (p->freed || (p->vm && v3_vm_state(p->vm) == V3_VM_STOPPED))
		ret = -EPIPE;
	else if (!p->vm)
		ret = -EBUSY;
	else
		ret = v3_vm_console_input(p->vm, buf, len);
	mutex_unlock(&p->lock);
	return ret;
}

static ssize_t pal_console_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct pal_vm *p = file->private_data;
	size_t done = 0;
	u8 buf[64];

	while (done < count) {
		unsigned int len = min(count - done, sizeof(buf));
		unsigned int off = 0;

		if (copy_from_user(buf, ubuf + done, len))
			return done ? done : -EFAULT;
		while (off < len) {
			int n = pal_console_input(p, buf + off, len - off);

			if (n < 0)
				return done + off ? done + off : n;
			off += n;
			if (n)
				continue;
			if (file->f_flags & O_NONBLOCK)
				return done + off ? done + off : -EAGAIN;
			if (msleep_interruptible(PAL_CON_WRITE_WAIT_MS) ||
			    signal_pending(current))
				return done + off ? done + off : -ERESTARTSYS;
		}
		done += len;
	}
	return done;
}

static __poll_t pal_console_poll(struct file *file, poll_table *wait)
{
	struct pal_vm *p = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &p->con_wq, wait);
	if (READ_ONCE(p->con_len))
		mask |= EPOLLIN | EPOLLRDNORM;
	else if (READ_ONCE(p->ended))
		mask |= EPOLLHUP;
	mutex_lock(&p->lock);
	if (p->vm && !p->freed && v3_vm_state(p->vm) != V3_VM_STOPPED &&
	    v3_vm_console_room(p->vm))
		mask |= EPOLLOUT | EPOLLWRNORM;
	mutex_unlock(&p->lock);
	return mask;
}

static int pal_console_release(struct inode *inode, struct file *file)
{
	pal_vm_put(file->private_data);
	return 0;
}

static const struct file_operations pal_console_fops = {
	.owner = THIS_MODULE,
	.read = pal_console_read,
	.write = pal_console_write,
	.poll = pal_console_poll,
	.release = pal_console_release,
	.llseek = noop_llseek,
};

/**
 * pal_console_fd() - a new console descriptor of a VM
 * @p: the VM; the descriptor takes over a reference the caller holds
 *
 * Return: the descriptor, or a negative errno (the reference is then
 * still the caller's).
 */
int pal_console_fd(struct pal_vm *p)
{
	return anon_inode_getfd("palacios-console", &pal_console_fops, p,
				O_RDWR | O_CLOEXEC);
}
