// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: the byte channels behind the VMs'
 * virtio consoles, which a process gives by descriptor: one it reads the
 * guest's bytes from and one it writes the guest's input to, the ends of
 * pipes or FIFOs, or one stream socket for both.
 *
 * The core reads and writes them without ever waiting (IOCB_NOWAIT, which
 * pipes and sockets honour), from a vCPU thread or a work item; entries
 * on the files' wait queues queue a work item when bytes or room appear,
 * and the work item has the core move them
 * (v3_host_chan_attach()).  A write to a pipe or socket whose reader is
 * gone fails with -EPIPE (the bytes are lost) and raises SIGPIPE in the
 * writer, a kernel thread, which ignores it.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <palacios/host.h>

#include "glue.h"

/* A file polls on at most two wait queues (a pipe open both ways). */
#define PAL_CHAN_WAITS	2

/**
 * struct pal_chan_poll - the wait-queue entries of one file
 * @chan: the channel
 * @events: the events it waits for (EPOLLIN or EPOLLOUT)
 * @what: what it tells the core (V3_HOST_CHAN_IN or _OUT)
 * @table: to collect the file's wait queues
 * @wqh: the file's wait queues, the first @nr
 * @wait: an entry on each
 * @nr: their number
 */
struct pal_chan_poll {
	struct v3_host_chan *chan;
	__poll_t events;
	unsigned int what;
	poll_table table;
	wait_queue_head_t *wqh[PAL_CHAN_WAITS];
	wait_queue_entry_t wait[PAL_CHAN_WAITS];
	unsigned int nr;
};

/**
 * struct v3_host_chan - a channel: where the guest's bytes go, where the
 * bytes for it come from
 * @in: the file the bytes for the guest are read from
 * @out: the file the guest's bytes are written to (may be @in)
 * @pin: the entries that wait for bytes on @in
 * @pout: those that wait for room on @out
 * @work: calls the core's @ready
 * @pending: V3_HOST_CHAN_* seen since @work last ran
 * @ready: the core's
 * @priv: its argument
 */
struct v3_host_chan {
	struct file *in;
	struct file *out;
	struct pal_chan_poll pin;
	struct pal_chan_poll pout;
	struct work_struct work;
	atomic_t pending;
	bool (*ready)(void *priv, unsigned int what);
	void *priv;
};

/* Read (ITER_DEST) or write (ITER_SOURCE) @len bytes without waiting */
static int pal_chan_io(struct file *file, void *buf, u32 len, unsigned int dir)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_flags |= IOCB_NOWAIT;
	iov_iter_kvec(&iter, dir, &kv, 1, len);
	if (dir == ITER_DEST)
		ret = vfs_iocb_iter_read(file, &kiocb, &iter);
	else
		ret = vfs_iocb_iter_write(file, &kiocb, &iter);
	return ret == -EAGAIN ? 0 : ret;
}

int v3_host_chan_read(struct v3_host_chan *ch, void *buf, u32 len)
{
	return pal_chan_io(ch->in, buf, len, ITER_DEST);
}

int v3_host_chan_write(struct v3_host_chan *ch, const void *buf, u32 len)
{
	return pal_chan_io(ch->out, (void *)buf, len, ITER_SOURCE);
}

static void pal_chan_note(struct v3_host_chan *ch, unsigned int what)
{
	atomic_or(what, &ch->pending);
	queue_work(system_unbound_wq, &ch->work);
}

static void pal_chan_work(struct work_struct *work)
{
	struct v3_host_chan *ch = container_of(work, struct v3_host_chan,
					       work);
	unsigned int what = atomic_xchg(&ch->pending, 0);

	/* (stopped with work left: the same again) */
	if (what && ch->ready(ch->priv, what))
		pal_chan_note(ch, what);
}

static int pal_chan_wake(wait_queue_entry_t *wait, unsigned int mode,
			 int sync, void *key)
{
	struct pal_chan_poll *p = wait->private;

	if (!key || (key_to_poll(key) & (p->events | EPOLLHUP | EPOLLERR)))
		pal_chan_note(p->chan, p->what);
	return 0;
}

static void pal_chan_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct pal_chan_poll *p = container_of(pt, struct pal_chan_poll,
					       table);

	if (p->nr == PAL_CHAN_WAITS)
		return;
	init_waitqueue_func_entry(&p->wait[p->nr], pal_chan_wake);
	p->wait[p->nr].private = p;
	p->wqh[p->nr] = wqh;
	add_wait_queue(wqh, &p->wait[p->nr]);
	p->nr++;
}

/* Wait for @events on @file; return what it has now. */
static __poll_t pal_chan_poll_start(struct pal_chan_poll *p,
				    struct v3_host_chan *ch, struct file *file,
				    __poll_t events, unsigned int what)
{
	p->chan = ch;
	p->events = events;
	p->what = what;
	p->nr = 0;
	init_poll_funcptr(&p->table, pal_chan_queue);
	return vfs_poll(file, &p->table);
}

static void pal_chan_poll_stop(struct pal_chan_poll *p)
{
	while (p->nr) {
		p->nr--;
		remove_wait_queue(p->wqh[p->nr], &p->wait[p->nr]);
	}
}

int v3_host_chan_attach(struct v3_host_chan *ch,
			bool (*ready)(void *priv, unsigned int what),
			void *priv)
{
	__poll_t in, out;

	ch->ready = ready;
	ch->priv = priv;
	atomic_set(&ch->pending, 0);
	INIT_WORK(&ch->work, pal_chan_work);
	in = pal_chan_poll_start(&ch->pin, ch, ch->in, EPOLLIN,
				 V3_HOST_CHAN_IN);
	out = pal_chan_poll_start(&ch->pout, ch, ch->out, EPOLLOUT,
				  V3_HOST_CHAN_OUT);
	if (!ch->pin.nr || !ch->pout.nr) {
		pal_chan_poll_stop(&ch->pin);
		pal_chan_poll_stop(&ch->pout);
		return -EBADFD;
	}
	if (in & EPOLLIN)
		pal_chan_note(ch, V3_HOST_CHAN_IN);
	if (out & EPOLLOUT)
		pal_chan_note(ch, V3_HOST_CHAN_OUT);
	return 0;
}

void v3_host_chan_wake(struct v3_host_chan *ch)
{
	pal_chan_note(ch, V3_HOST_CHAN_IN | V3_HOST_CHAN_OUT);
}

void v3_host_chan_detach(struct v3_host_chan *ch)
{
	pal_chan_poll_stop(&ch->pin);
	pal_chan_poll_stop(&ch->pout);
	/* (a work item that queues itself again is cancelled too) */
	cancel_work_sync(&ch->work);
}

/* A pipe, a FIFO or a socket open for @mode (FMODE_READ or FMODE_WRITE) */
static struct file *pal_chan_file(int fd, fmode_t mode, const char **why)
{
	struct file *file = fget(fd);
	umode_t type;

	if (!file) {
		*why = "not an open descriptor";
		return ERR_PTR(-EBADF);
	}
	type = file_inode(file)->i_mode & S_IFMT;
	if (type != S_IFIFO && type != S_IFSOCK) {
		*why = "not a pipe, a FIFO or a socket";
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	/* (a datagram would be cut to the guest's buffer) */
	if (type == S_IFSOCK && sock_from_file(file)->type != SOCK_STREAM) {
		*why = "a socket, but not a stream socket";
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	if (!(file->f_mode & mode)) {
		*why = mode == FMODE_READ ? "not open for reading" :
					    "not open for writing";
		fput(file);
		return ERR_PTR(-EBADF);
	}
	return file;
}

int pal_host_chan_get(int in_fd, int out_fd, struct v3_host_chan **out,
		      const char **why)
{
	struct v3_host_chan *ch;
	struct file *fin, *fout;

	fin = pal_chan_file(in_fd, FMODE_READ, why);
	if (IS_ERR(fin))
		return PTR_ERR(fin);
	fout = pal_chan_file(out_fd, FMODE_WRITE, why);
	if (IS_ERR(fout)) {
		fput(fin);
		return PTR_ERR(fout);
	}
	ch = kzalloc(sizeof(*ch), GFP_KERNEL_ACCOUNT);
	if (!ch) {
		fput(fout);
		fput(fin);
		return -ENOMEM;
	}
	ch->in = fin;
	ch->out = fout;
	*out = ch;
	return 0;
}

void v3_host_chan_put(struct v3_host_chan *ch)
{
	fput(ch->out);
	fput(ch->in);
	kfree(ch);
}
