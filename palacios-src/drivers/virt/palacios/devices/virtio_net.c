// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio network device (virtio 1.x, section 5.1), backed by a network
 * backend of the host: a tap device on Linux (see <palacios/host.h>).
 *
 * Two queues: the receive queue, whose writable chains the device fills
 * with the frames that arrive for the guest, each behind a struct
 * virtio_net_hdr_v1; and the transmit queue, whose chains are a header
 * and a frame to send.  No offload is offered, so the headers say nothing
 * but the number of buffers (one), and a frame is at most
 * %VIRTIO_NET_FRAME_MAX bytes.
 *
 * Frames are sent in the thread of the vCPU that notified the transmit
 * queue.  Frames for the guest are delivered by the host's thread that saw
 * them arrive (v3_host_net_attach(), then v3_virtio_kick()), or by the vCPU
 * that gave the device new receive buffers; each time with the weight of
 * one notification.  A frame waits in the host's queue while the guest has
 * no buffer for it (the host drops what overflows that queue, as a full
 * NIC does); one longer than the guest's buffer is dropped and counted.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/virtio.h>

#define VIRTIO_NET_RXQ		0
#define VIRTIO_NET_TXQ		1
#define VIRTIO_NET_HDR		sizeof(struct virtio_net_hdr_v1)
/* The longest frame without segmentation offloads: what a tap takes */
#define VIRTIO_NET_FRAME_MAX	65535

static struct v3_virtio_net *to_net(struct v3_virtio *dev)
{
	return dev->priv;
}

static void net_config(struct v3_virtio *dev, unsigned int off, void *data,
		       unsigned int len, bool write)
{
	struct virtio_net_config cfg = { 0 };

	/* the MAC is the device's (no VIRTIO_NET_F_CTRL_MAC_ADDR) */
	if (write)
		return;
	memcpy(cfg.mac, to_net(dev)->mac, sizeof(cfg.mac));
	memcpy(data, (u8 *)&cfg + off, len);
}

/*
 * Put the pieces @i to @end of @c, less their first @skip bytes, in the
 * device's iov; return how many.
 */
static unsigned int net_iov(struct v3_virtio_net *n,
			    const struct v3_virtq_chain *c, unsigned int i,
			    unsigned int end, u64 skip)
{
	unsigned int nr = 0;

	for (; i < end; i++) {
		const struct v3_virtq_buf *p = &c->buf[i];

		if (skip >= p->len) {
			skip -= p->len;
			continue;
		}
		n->iov[nr].base = (u8 *)p->hva + skip;
		n->iov[nr].len = p->len - skip;
		nr++;
		skip = 0;
	}
	return nr;
}

static void net_tx(struct v3_virtio_net *n)
{
	struct v3_virtio *dev = &n->dev;
	struct v3_virtq_chain *c = &n->tx;
	unsigned int nr;

	while (v3_virtq_pop(dev, VIRTIO_NET_TXQ, c) > 0) {
		if (c->out_len < VIRTIO_NET_HDR) {
			v3_virtio_fail(dev, "a frame to send without its header");
			break;
		}
		if (c->out_len - VIRTIO_NET_HDR > VIRTIO_NET_FRAME_MAX) {
			n->tx_dropped++;
		} else {
			nr = net_iov(n, c, 0, c->nr_out, VIRTIO_NET_HDR);
			if (v3_host_net_send(n->net, n->iov, nr))
				n->tx_dropped++;
		}
		v3_virtq_push(dev, VIRTIO_NET_TXQ, c->head, 0);
	}
	v3_virtio_notify(dev, VIRTIO_NET_TXQ);
}

/*
 * Deliver the frames waiting in the host, while the guest has buffers.  A
 * chain taken for a frame that is not there, or that was too long for it,
 * goes back to the queue for the next frame; the frames dropped so have a
 * weight of their own (as many as the chains of a notification).
 */
static void net_rx(struct v3_virtio_net *n)
{
	struct virtio_net_hdr_v1 hdr = {
		.num_buffers = (__force __virtio16)cpu_to_le16(1),
	};
	struct v3_virtio *dev = &n->dev;
	struct v3_virtq_chain *c = &n->rx;
	unsigned int nr, dropped = 0;
	int len;

	while (v3_virtq_pop(dev, VIRTIO_NET_RXQ, c) > 0) {
		if (c->nr_out || c->in_len <= VIRTIO_NET_HDR) {
			v3_virtio_fail(dev,
				       "a receive buffer that is not a header and room for a frame, all writable");
			break;
		}
		nr = net_iov(n, c, 0, c->nr, VIRTIO_NET_HDR);
		len = v3_host_net_recv(n->net, n->iov, nr);
		if (len < 0) {
			v3_virtq_unpop(dev, VIRTIO_NET_RXQ, c);
			if (len != -EMSGSIZE)
				break;
			n->rx_dropped++;
			if (++dropped >= V3_VIRTQ_WEIGHT_CHAINS) {
				dev->replay = true;
				break;
			}
			continue;
		}
		v3_virtq_chain_fill(c, &hdr, sizeof(hdr));
		v3_virtq_push(dev, VIRTIO_NET_RXQ, c->head,
			      VIRTIO_NET_HDR + len);
	}
	v3_virtio_notify(dev, VIRTIO_NET_RXQ);
}

static void net_notify(struct v3_virtio *dev, unsigned int q)
{
	if (q == VIRTIO_NET_RXQ)
		net_rx(to_net(dev));
	else
		net_tx(to_net(dev));
}

/* Frames arrived: the host's thread delivers them. */
static bool net_ready(void *priv)
{
	struct v3_virtio_net *n = priv;

	return v3_virtio_kick(&n->dev, VIRTIO_NET_RXQ);
}

static const struct v3_virtio_ops net_ops = {
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.features = BIT_ULL(VIRTIO_NET_F_MAC),
	.nr_queues = 2,
	.config_len = offsetof(struct virtio_net_config, status),
	.config = net_config,
	.notify = net_notify,
};

int v3_virtio_net_init(struct v3_virtio_net *n, struct v3_vm *vm,
		       struct v3_host_net *net, const u8 mac[6], u64 base,
		       unsigned int irq)
{
	int err;

	if (mac[0] & 1)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, mac, sizeof(n->mac));
	n->iov = v3_host_zalloc(V3_VIRTQ_MAX_BUFS * sizeof(*n->iov));
	if (!n->iov)
		return -ENOMEM;
	err = v3_virtio_init(&n->dev, vm, &net_ops, n, base, irq);
	if (err)
		goto free;
	/* (the device's state complete before the host may call it) */
	n->net = net;
	err = v3_host_net_attach(net, net_ready, n);
	if (err) {
		n->net = NULL;
		v3_virtio_free(&n->dev);
		goto free;
	}
	n->attached = true;
	return 0;
free:
	v3_host_free(n->iov);
	n->iov = NULL;
	return err;
}

void v3_virtio_net_stop(struct v3_virtio_net *n)
{
	if (n->attached)
		v3_host_net_detach(n->net);
	n->attached = false;
}

void v3_virtio_net_free(struct v3_virtio_net *n)
{
	v3_virtio_net_stop(n);
	if (n->tx_dropped || n->rx_dropped)
		v3_info("vm %s: virtio-net: %llu frames of the guest dropped, %llu for it\n",
			n->dev.vm->name, n->tx_dropped, n->rx_dropped);
	n->tx_dropped = 0;
	n->rx_dropped = 0;
	v3_virtio_free(&n->dev);
	if (n->net)
		v3_host_net_put(n->net);
	n->net = NULL;
	v3_host_free(n->iov);
	n->iov = NULL;
}
