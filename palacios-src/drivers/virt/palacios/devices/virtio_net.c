// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio network device (virtio 1.x, section 5.1), backed by a network
 * backend of the host: a tap device on Linux (see <palacios/host.h>).
 *
 * Two queues: the receive queue, whose writable chains the device fills
 * with the frames that arrive for the guest, each behind a struct
 * virtio_net_hdr_v1; and the transmit queue, whose chains are a header
 * and a frame to send.  Without mergeable buffers: one buffer per frame.
 *
 * Offloads, when the host's backend carries a virtio-net header with each
 * frame (v3_host_net_hdr_len(); a tap with IFF_VNET_HDR): partial
 * checksums and TCP segmentation over IPv4, both ways.  The headers then
 * pass between the guest and the host, each checked first against what
 * the driver negotiated: a frame whose header asks for an offload the
 * other side did not accept is dropped and counted.  The host is told
 * which offloads the driver accepts when it sets DRIVER_OK, and none
 * after a reset.  Without such a backend no offload is offered, the
 * headers say nothing but the number of buffers, and a frame is at most
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
#include <uapi/linux/if_tun.h>
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
/* With them: an IPv4 packet of 64 KiB behind Ethernet and VLAN headers */
#define VIRTIO_NET_GSO_MAX	(65536 + 14 + 4)
/* What the device offers over a backend with headers */
#define VIRTIO_NET_OFFLOADS	(BIT_ULL(VIRTIO_NET_F_CSUM) |		\
				 BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) |	\
				 BIT_ULL(VIRTIO_NET_F_HOST_TSO4) |	\
				 BIT_ULL(VIRTIO_NET_F_GUEST_TSO4))

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
 * device's iov from its piece @nr on; return how many pieces it then has.
 */
static unsigned int net_iov(struct v3_virtio_net *n,
			    const struct v3_virtq_chain *c, unsigned int i,
			    unsigned int end, u64 skip, unsigned int nr)
{
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

/*
 * Whether a header asks only for offloads the receiving side accepted
 * (@csum: partial checksums; @tso4: TCP segmentation over IPv4), for a
 * frame of @len bytes.
 */
static bool net_hdr_ok(const struct virtio_net_hdr_v1 *hdr, bool csum,
		       bool tso4, u64 len)
{
	if (hdr->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
			   VIRTIO_NET_HDR_F_DATA_VALID))
		return false;
	if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !csum)
		return false;
	switch (hdr->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return len <= VIRTIO_NET_FRAME_MAX;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return tso4 && csum && len <= VIRTIO_NET_GSO_MAX;
	default:
		return false;
	}
}

/* Send one frame of the guest, with its header if the host takes one. */
static int net_send(struct v3_virtio_net *n, const struct v3_virtq_chain *c)
{
	struct virtio_net_hdr_v1 hdr;
	u64 len = c->out_len - VIRTIO_NET_HDR;
	unsigned int nr;

	if (!n->hdr) {
		if (len > VIRTIO_NET_FRAME_MAX)
			return -EMSGSIZE;
		nr = net_iov(n, c, 0, c->nr_out, VIRTIO_NET_HDR, 0);
		return v3_host_net_send(n->net, n->iov, nr);
	}
	/* the host gets the header as checked, whatever the guest does next */
	v3_virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	if (!net_hdr_ok(&hdr, v3_virtio_feature(&n->dev, VIRTIO_NET_F_CSUM),
			v3_virtio_feature(&n->dev, VIRTIO_NET_F_HOST_TSO4),
			len))
		return -EINVAL;
	hdr.num_buffers = 0;
	n->iov[0].base = &hdr;
	n->iov[0].len = sizeof(hdr);
	nr = net_iov(n, c, 0, c->nr_out, VIRTIO_NET_HDR, 1);
	return v3_host_net_send(n->net, n->iov, nr);
}

static void net_tx(struct v3_virtio_net *n)
{
	struct v3_virtio *dev = &n->dev;
	struct v3_virtq_chain *c = &n->tx;

	while (v3_virtq_pop(dev, VIRTIO_NET_TXQ, c) > 0) {
		if (c->out_len < VIRTIO_NET_HDR) {
			v3_virtio_fail(dev, "a frame to send without its header");
			break;
		}
		if (net_send(n, c))
			n->tx_dropped++;
		v3_virtq_push(dev, VIRTIO_NET_TXQ, c->head, 0);
	}
	v3_virtio_notify(dev, VIRTIO_NET_TXQ);
}

/*
 * Take the next frame for the guest into @c, its header into @hdr: the
 * frame's length with its header, or a negative errno (-EMSGSIZE: it was
 * dropped, too long for @c or with offloads the driver did not accept).
 */
static int net_recv(struct v3_virtio_net *n, const struct v3_virtq_chain *c,
		    struct virtio_net_hdr_v1 *hdr)
{
	unsigned int nr;
	int len;

	if (!n->hdr) {
		nr = net_iov(n, c, 0, c->nr, VIRTIO_NET_HDR, 0);
		len = v3_host_net_recv(n->net, n->iov, nr);
		return len < 0 ? len : len + (int)VIRTIO_NET_HDR;
	}
	n->iov[0].base = hdr;
	n->iov[0].len = sizeof(*hdr);
	nr = net_iov(n, c, 0, c->nr, VIRTIO_NET_HDR, 1);
	len = v3_host_net_recv(n->net, n->iov, nr);
	if (len < 0)
		return len;
	/* (advice the driver did not ask for: dropped, not the frame) */
	if (!(n->offloads & TUN_F_CSUM))
		hdr->flags &= ~VIRTIO_NET_HDR_F_DATA_VALID;
	if (len < (int)VIRTIO_NET_HDR ||
	    !net_hdr_ok(hdr, n->offloads & TUN_F_CSUM,
			n->offloads & TUN_F_TSO4, len - VIRTIO_NET_HDR))
		return -EMSGSIZE;
	return len;
}

/*
 * Deliver the frames waiting in the host, while the guest has buffers.  A
 * chain taken for a frame that is not there, or that was too long for it,
 * goes back to the queue for the next frame; the frames dropped so have a
 * weight of their own (as many as the chains of a notification).
 */
static void net_rx(struct v3_virtio_net *n)
{
	struct virtio_net_hdr_v1 hdr;
	struct v3_virtio *dev = &n->dev;
	struct v3_virtq_chain *c = &n->rx;
	unsigned int dropped = 0;
	int len;

	while (v3_virtq_pop(dev, VIRTIO_NET_RXQ, c) > 0) {
		if (c->nr_out || c->in_len <= VIRTIO_NET_HDR) {
			v3_virtio_fail(dev,
				       "a receive buffer that is not a header and room for a frame, all writable");
			break;
		}
		memset(&hdr, 0, sizeof(hdr));
		len = net_recv(n, c, &hdr);
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
		hdr.num_buffers = (__force __virtio16)cpu_to_le16(1);
		v3_virtq_chain_fill(c, &hdr, sizeof(hdr));
		v3_virtq_push(dev, VIRTIO_NET_RXQ, c->head, len);
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

/*
 * Tell the host which offloads it may use in the frames for the guest:
 * those the driver accepts, or none.
 */
static void net_offload(struct v3_virtio_net *n, unsigned int offloads)
{
	if (!n->hdr || offloads == n->offloads)
		return;
	if (v3_host_net_offload(n->net, offloads)) {
		v3_err_ratelimited("vm %s: virtio-net: the host refused offloads 0x%x; frames come without\n",
				   n->dev.vm->name, offloads);
		return;
	}
	n->offloads = offloads;
}

static void net_driver_ok(struct v3_virtio *dev)
{
	unsigned int offloads = 0;

	if (v3_virtio_feature(dev, VIRTIO_NET_F_GUEST_CSUM)) {
		offloads |= TUN_F_CSUM;
		if (v3_virtio_feature(dev, VIRTIO_NET_F_GUEST_TSO4))
			offloads |= TUN_F_TSO4;
	}
	net_offload(to_net(dev), offloads);
}

static void net_reset(struct v3_virtio *dev)
{
	net_offload(to_net(dev), 0);
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
	.driver_ok = net_driver_ok,
	.reset = net_reset,
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
	/* (a chain's pieces, and a header of the device's) */
	n->iov = v3_host_zalloc((V3_VIRTQ_MAX_BUFS + 1) * sizeof(*n->iov));
	if (!n->iov)
		return -ENOMEM;
	err = v3_virtio_init(&n->dev, vm, &net_ops, n, base, irq);
	if (err)
		goto free;
	n->hdr = v3_host_net_hdr_len(net) == VIRTIO_NET_HDR;
	if (n->hdr) {
		/* from no offload on, whatever the backend had */
		err = v3_host_net_offload(net, 0);
		if (err) {
			v3_virtio_free(&n->dev);
			goto free;
		}
		n->dev.features |= VIRTIO_NET_OFFLOADS;
	}
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
