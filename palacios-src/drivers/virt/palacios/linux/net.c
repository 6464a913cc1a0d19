// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: the tap devices behind the VMs'
 * network devices, which a process gives by descriptor: an open
 * /dev/net/tun attached to a tap device with IFF_TAP | IFF_NO_PI, and
 * either without IFF_VNET_HDR (bare frames) or with it and a header of
 * 12 bytes (frames behind a struct virtio_net_hdr_v1, which the tap
 * checks, and offloads).  Which of the two is the process's word, as it
 * is vhost-net's: a tap set up otherwise garbles the VM's own frames and
 * nothing else.
 *
 * As vhost-net does, the core sends and takes frames through the tap's
 * socket (tun_get_socket()), never waiting; an entry on the socket's wait
 * queue queues a work item when frames arrive, and the work item has the
 * core deliver them (v3_host_net_attach()).  A tap queue is the NIC of one
 * VM at a time: a second VM would take half of its frames.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/virtio_net.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <palacios/host.h>

#include "glue.h"

/* The core's pieces of a frame are kvecs, so that they go to the socket as they are. */
static_assert(sizeof(struct v3_host_iov) == sizeof(struct kvec));
static_assert(offsetof(struct v3_host_iov, base) ==
	      offsetof(struct kvec, iov_base));
static_assert(offsetof(struct v3_host_iov, len) ==
	      offsetof(struct kvec, iov_len));

/**
 * struct v3_host_net - a NIC's tap, as Linux holds it
 * @file: the descriptor's file
 * @sock: the tap queue's socket
 * @wqh: the socket's wait queue, while @wait is on it
 * @wait: the entry that queues @work when frames arrive
 * @table: how vfs_poll() gives the wait queue
 * @work: has the core deliver the frames
 * @ready: the core's, see v3_host_net_attach()
 * @priv: its argument
 * @node: in pal_nets
 * @hdr_len: the virtio-net header in front of each frame, or 0
 */
struct v3_host_net {
	struct file *file;
	struct socket *sock;
	unsigned int hdr_len;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	poll_table table;
	struct work_struct work;
	bool (*ready)(void *priv);
	void *priv;
	struct list_head node;
};

/* Every NIC's tap of every VM, under pal_nets_lock */
static LIST_HEAD(pal_nets);
static DEFINE_MUTEX(pal_nets_lock);

static size_t pal_iov_len(const struct v3_host_iov *iov, unsigned int nr)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		len += iov[i].len;
	return len;
}

unsigned int v3_host_net_hdr_len(struct v3_host_net *n)
{
	return n->hdr_len;
}

int v3_host_net_offload(struct v3_host_net *n, unsigned int offloads)
{
	/*
	 * What QEMU asks of a tap with TUNSETOFFLOAD, whose argument is the
	 * value itself: no user memory is involved.  (The file is a tap's:
	 * tun_get_socket() took it.)
	 */
	return n->file->f_op->unlocked_ioctl(n->file, TUNSETOFFLOAD, offloads);
}

int v3_host_net_send(struct v3_host_net *n, const struct v3_host_iov *iov,
		     unsigned int nr)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	size_t len = pal_iov_len(iov, nr);
	int ret;

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, (const struct kvec *)iov,
		      nr, len);
	ret = n->sock->ops->sendmsg(n->sock, &msg, len);
	return ret < 0 ? ret : 0;
}

int v3_host_net_recv(struct v3_host_net *n, const struct v3_host_iov *iov,
		     unsigned int nr)
{
	struct msghdr msg = { };
	size_t len = pal_iov_len(iov, nr);
	int peek, ret;

	/*
	 * The frame's length first, as vhost-net asks it: recvmsg() tells a
	 * frame longer than the buffers (MSG_TRUNC) only for a socket
	 * buffer, not for a frame an XDP program redirected to the tap.
	 */
	peek = n->sock->ops->peek_len(n->sock);
	if (!peek)
		return -EAGAIN;
	peek += n->hdr_len;
	iov_iter_kvec(&msg.msg_iter, ITER_DEST, (const struct kvec *)iov, nr,
		      len);
	/* a frame too long is taken all the same, and lost */
	ret = n->sock->ops->recvmsg(n->sock, &msg, len,
				    MSG_DONTWAIT | MSG_TRUNC);
	if (ret >= 0 && (peek > len || ret > len))
		return -EMSGSIZE;
	return ret;
}

static void pal_net_work(struct work_struct *work)
{
	struct v3_host_net *n = container_of(work, struct v3_host_net, work);

	if (n->ready(n->priv))
		queue_work(system_unbound_wq, &n->work);
}

/* The socket's wait queue woke: frames arrived (or it changed state). */
static int pal_net_wake(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct v3_host_net *n = container_of(wait, struct v3_host_net, wait);

	if (!key || (key_to_poll(key) & EPOLLIN))
		queue_work(system_unbound_wq, &n->work);
	return 0;
}

static void pal_net_queue(struct file *file, wait_queue_head_t *wqh,
			  poll_table *pt)
{
	struct v3_host_net *n = container_of(pt, struct v3_host_net, table);

	n->wqh = wqh;
	add_wait_queue(wqh, &n->wait);
}

int v3_host_net_attach(struct v3_host_net *n, bool (*ready)(void *priv),
		       void *priv)
{
	__poll_t mask;

	n->ready = ready;
	n->priv = priv;
	INIT_WORK(&n->work, pal_net_work);
	init_waitqueue_func_entry(&n->wait, pal_net_wake);
	init_poll_funcptr(&n->table, pal_net_queue);
	mask = vfs_poll(n->file, &n->table);
	if (!n->wqh)
		return -EBADFD;
	if (mask & EPOLLIN)
		queue_work(system_unbound_wq, &n->work);
	return 0;
}

void v3_host_net_detach(struct v3_host_net *n)
{
	if (n->wqh)
		remove_wait_queue(n->wqh, &n->wait);
	n->wqh = NULL;
	/* (a work item that queues itself again is cancelled too) */
	cancel_work_sync(&n->work);
}

int pal_host_net_get(int fd, bool vnet_hdr, struct v3_host_net **out,
		     const char **why)
{
	struct v3_host_net *n, *o;
	struct socket *sock;
	struct file *file;
	int err = 0;

	file = fget(fd);
	if (!file) {
		*why = "not an open descriptor";
		return -EBADF;
	}
	sock = tun_get_socket(file);
	if (IS_ERR(sock)) {
		*why = "not a tap device (an open /dev/net/tun)";
		fput(file);
		return -EINVAL;
	}
	/* (a queue without its device polls as an error) */
	if (vfs_poll(file, NULL) & EPOLLERR) {
		*why = "a /dev/net/tun without its device (no TUNSETIFF)";
		fput(file);
		return -EBADFD;
	}
	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n) {
		fput(file);
		return -ENOMEM;
	}
	n->file = file;
	n->sock = sock;
	n->hdr_len = vnet_hdr ? sizeof(struct virtio_net_hdr_v1) : 0;
	mutex_lock(&pal_nets_lock);
	list_for_each_entry(o, &pal_nets, node)
		if (o->sock == sock)
			err = -EBUSY;
	if (!err)
		list_add(&n->node, &pal_nets);
	mutex_unlock(&pal_nets_lock);
	if (err) {
		*why = "the tap queue of a VM already";
		kfree(n);
		fput(file);
		return err;
	}
	*out = n;
	return 0;
}

void v3_host_net_put(struct v3_host_net *n)
{
	mutex_lock(&pal_nets_lock);
	list_del(&n->node);
	mutex_unlock(&pal_nets_lock);
	fput(n->file);
	kfree(n);
}
