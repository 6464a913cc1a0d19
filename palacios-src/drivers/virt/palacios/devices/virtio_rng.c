// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio entropy device (virtio 1.x, section 5.4): one request queue
 * whose writable buffers the device fills with the host's random numbers
 * (see <palacios/virtio.h>).  A guest's hw_random driver feeds its pool
 * from it, so that it does not wait for entropy at boot.
 *
 * At most %VIRTIO_RNG_MAX_CHAIN bytes go into one chain, as a guest may
 * offer its whole memory as one buffer; the rest of such a chain is left
 * unwritten, which the used length tells the driver.
 */
#include <linux/types.h>
#include <uapi/linux/virtio_ids.h>

#include <palacios/host.h>
#include <palacios/virtio.h>

#define VIRTIO_RNG_MAX_CHAIN	4096

static void virtio_rng_notify(struct v3_virtio *dev, unsigned int q)
{
	struct v3_virtq_chain *c = dev->priv;
	unsigned int i;
	u32 done, n;

	while (v3_virtq_pop(dev, q, c) > 0) {
		done = 0;
		for (i = c->nr_out; i < c->nr && done < VIRTIO_RNG_MAX_CHAIN;
		     i++) {
			n = VIRTIO_RNG_MAX_CHAIN - done;
			if (n > c->buf[i].len)
				n = c->buf[i].len;
			v3_host_random_bytes(c->buf[i].hva, n);
			done += n;
		}
		v3_virtq_push(dev, q, c->head, done);
	}
	v3_virtio_notify(dev, q);
}

const struct v3_virtio_ops v3_virtio_rng_ops = {
	.name = "rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.notify = virtio_rng_notify,
};
