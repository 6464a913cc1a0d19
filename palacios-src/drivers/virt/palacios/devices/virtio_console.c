// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio console (virtio 1.x, section 5.3) with one port, without
 * VIRTIO_CONSOLE_F_MULTIPORT: a byte channel between the guest and its
 * host beside COM1, for agents and file transfers (Linux makes it
 * /dev/hvc0).  Queue 0 (receiveq) carries the host's bytes to the guest,
 * queue 1 (transmitq) the guest's to the host.
 *
 * The host's end is a struct v3_host_chan (<palacios/host.h>).  It may
 * take fewer of the guest's bytes than offered: the chain then goes back
 * to its queue (v3_virtq_unpop()) with what was taken remembered, and the
 * host calls back when it has room.  The host's bytes go into receive
 * buffers when both are there: the driver notifies when it adds buffers,
 * the host calls back when bytes arrive.  Nothing is buffered in the
 * device.
 */
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <uapi/linux/virtio_ids.h>

#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/virtio.h>

#define CON_RXQ	0
#define CON_TXQ	1

static struct v3_virtio_con *to_con(struct v3_virtio *dev)
{
	return dev->priv;
}

/*
 * Give the host the readable bytes of @ch from @c->tx_off on, at most
 * %V3_VIRTQ_WEIGHT_BYTES of them: one chain may cover the guest's whole
 * RAM, and a notification is a bounded amount of work.  Return: true when
 * all are taken (or lost to a host's end that is gone), false when the
 * host has no room for the rest or the weight is spent (then *@spent).
 */
static bool con_send(struct v3_virtio_con *c, const struct v3_virtq_chain *ch,
		     bool *spent)
{
	u32 budget = V3_VIRTQ_WEIGHT_BYTES;
	u64 skip = c->tx_off;
	unsigned int i;

	for (i = 0; i < ch->nr_out; i++) {
		const struct v3_virtq_buf *b = &ch->buf[i];
		u32 len;
		u8 *p;

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		p = (u8 *)b->hva + skip;
		len = b->len - skip;
		skip = 0;
		while (len) {
			u32 want = len < budget ? len : budget;
			int n;

			if (!want) {
				*spent = true;
				return false;
			}
			n = v3_host_chan_write(c->chan, p, want);
			if (!n)
				return false;
			if (n < 0) {
				c->tx_lost += ch->out_len - c->tx_off;
				return true;
			}
			if ((u32)n > want)
				n = want;
			c->tx_off += n;
			budget -= n;
			p += n;
			len -= n;
		}
	}
	return true;
}

static void con_tx(struct v3_virtio_con *c)
{
	struct v3_virtio *dev = &c->dev;
	struct v3_virtq_chain *ch = &c->chain;
	bool spent = false;

	while (v3_virtq_pop(dev, CON_TXQ, ch) > 0) {
		if (ch->in_len) {
			v3_virtio_fail(dev, "a buffer to send that the device would write");
			break;
		}
		/* (a driver that changed the chain since: from its start) */
		if (c->tx_off >= ch->out_len)
			c->tx_off = 0;
		if (!con_send(c, ch, &spent)) {
			v3_virtq_unpop(dev, CON_TXQ, ch);
			/* the rest of a long chain when it is replayed */
			if (spent)
				dev->replay = true;
			break;
		}
		c->tx_off = 0;
		v3_virtq_push(dev, CON_TXQ, ch->head, 0);
	}
	v3_virtio_notify(dev, CON_TXQ);
}

/* Fill @ch with what the host has; return the bytes written. */
static u32 con_recv(struct v3_virtio_con *c, const struct v3_virtq_chain *ch)
{
	unsigned int i;
	u32 got = 0;

	for (i = 0; i < ch->nr; i++) {
		int n = v3_host_chan_read(c->chan, ch->buf[i].hva,
					  ch->buf[i].len);

		if (n <= 0)
			break;
		if ((u32)n >= ch->buf[i].len) {
			got += ch->buf[i].len;
			continue;
		}
		got += n;
		break;
	}
	return got;
}

static void con_rx(struct v3_virtio_con *c)
{
	struct v3_virtio *dev = &c->dev;
	struct v3_virtq_chain *ch = &c->chain;
	u32 got;

	while (v3_virtq_pop(dev, CON_RXQ, ch) > 0) {
		if (ch->nr_out) {
			v3_virtio_fail(dev, "a receive buffer the device cannot write");
			break;
		}
		got = con_recv(c, ch);
		if (!got) {
			v3_virtq_unpop(dev, CON_RXQ, ch);
			break;
		}
		v3_virtq_push(dev, CON_RXQ, ch->head, got);
	}
	v3_virtio_notify(dev, CON_RXQ);
}

static void con_notify(struct v3_virtio *dev, unsigned int q)
{
	if (q == CON_RXQ)
		con_rx(to_con(dev));
	else
		con_tx(to_con(dev));
}

/*
 * The driver is ready: what the host has waits since it came (a Linux
 * driver gives its receive buffers before DRIVER_OK, and notifications
 * before DRIVER_OK are not served), so have the host serve both queues
 * now.
 */
static void con_driver_ok(struct v3_virtio *dev)
{
	v3_host_chan_wake(to_con(dev)->chan);
}

/* A half-sent chain is the driver's again after a reset. */
static void con_reset(struct v3_virtio *dev)
{
	to_con(dev)->tx_off = 0;
}

/* The host has bytes for the guest, or room for the guest's. */
static bool con_ready(void *priv, unsigned int what)
{
	struct v3_virtio_con *c = priv;
	bool again = false;

	if (what & V3_HOST_CHAN_IN)
		again |= v3_virtio_kick(&c->dev, CON_RXQ);
	if (what & V3_HOST_CHAN_OUT)
		again |= v3_virtio_kick(&c->dev, CON_TXQ);
	return again;
}

static const struct v3_virtio_ops con_ops = {
	.name = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.notify = con_notify,
	.driver_ok = con_driver_ok,
	.reset = con_reset,
};

int v3_virtio_con_init(struct v3_virtio_con *c, struct v3_vm *vm,
		       struct v3_host_chan *chan, u64 base, unsigned int irq)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = v3_virtio_init(&c->dev, vm, &con_ops, c, base, irq);
	if (err)
		return err;
	/* (the device's state complete before the host may call it) */
	c->chan = chan;
	err = v3_host_chan_attach(chan, con_ready, c);
	if (err) {
		c->chan = NULL;
		v3_virtio_free(&c->dev);
		return err;
	}
	c->attached = true;
	return 0;
}

void v3_virtio_con_stop(struct v3_virtio_con *c)
{
	if (c->attached)
		v3_host_chan_detach(c->chan);
	c->attached = false;
}

void v3_virtio_con_free(struct v3_virtio_con *c)
{
	v3_virtio_con_stop(c);
	if (c->tx_lost)
		v3_info("vm %s: virtio-console: %llu bytes of the guest lost (the host's end closed)\n",
			c->dev.vm->name, c->tx_lost);
	c->tx_lost = 0;
	v3_virtio_free(&c->dev);
	if (c->chan)
		v3_host_chan_put(c->chan);
	c->chan = NULL;
}
