// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-mmio transport, version 2 (virtio 1.x): the registers of a
 * device, feature negotiation, the status state machine, the queues'
 * addresses and the interrupt status (see <palacios/virtio.h>).
 *
 * Its line is an ISA line, edge-triggered at the PIC and the I/O APIC as
 * the MADT describes ISA lines: it is high while the interrupt status is
 * not 0, so that each new status after the driver's acknowledgment is a
 * new edge.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_mmio.h>
#include <uapi/linux/virtio_ring.h>

#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/mem.h>
#include <palacios/virtio.h>

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_VER		2
#define VIRTIO_VENDOR_PALACIOS	0x33565650	/* "PPV3" */

/* The features of the transport and of its split rings */
#define VIRTIO_TRANSPORT_FEATURES (BIT_ULL(VIRTIO_F_VERSION_1) |	\
				   BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | \
				   BIT_ULL(VIRTIO_RING_F_EVENT_IDX))

bool v3_virtio_feature(const struct v3_virtio *dev, unsigned int bit)
{
	return bit < 64 && (dev->driver_features & BIT_ULL(bit));
}

static void virtio_update_irq(struct v3_virtio *dev)
{
	v3_vm_set_irq(dev->vm, dev->irq, dev->isr != 0);
}

static void virtio_raise(struct v3_virtio *dev, u32 why)
{
	dev->isr |= why;
	virtio_update_irq(dev);
}

void v3_virtio_interrupt(struct v3_virtio *dev)
{
	virtio_raise(dev, VIRTIO_MMIO_INT_VRING);
}

void v3_virtio_fail(struct v3_virtio *dev, const char *why)
{
	if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	v3_err_ratelimited("vm %s: virtio-%s at 0x%llx: %s; the device needs a reset\n",
			   dev->vm->name, dev->ops->name, dev->base, why);
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_raise(dev, VIRTIO_MMIO_INT_CONFIG);
}

static void virtio_reset(struct v3_virtio *dev)
{
	dev->status = 0;
	dev->isr = 0;
	dev->dev_feat_sel = 0;
	dev->drv_feat_sel = 0;
	dev->driver_features = 0;
	dev->queue_sel = 0;
	memset(dev->vq, 0, sizeof(dev->vq));
	if (dev->ops->reset)
		dev->ops->reset(dev);
	virtio_update_irq(dev);
}

static struct v3_virtq *virtio_sel_queue(struct v3_virtio *dev)
{
	if (dev->queue_sel >= dev->ops->nr_queues)
		return NULL;
	return &dev->vq[dev->queue_sel];
}

/* The rings must be RAM, aligned as the specification says. */
static const char *virtio_queue_check(struct v3_virtio *dev,
				      const struct v3_virtq *q)
{
	const struct v3_mem_map *mem = &dev->vm->mem;
	u64 n = q->num;

	if (!n || n > V3_VIRTQ_MAX_SIZE || (n & (n - 1)))
		return "a queue size that is not a power of 2 up to the maximum";
	if ((q->desc & (VRING_DESC_ALIGN_SIZE - 1)) ||
	    (q->avail & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (q->used & (VRING_USED_ALIGN_SIZE - 1)))
		return "a misaligned ring";
	/* the rings and their event indexes */
	if (!v3_mem_is_ram(mem, q->desc, n * sizeof(struct vring_desc)) ||
	    !v3_mem_is_ram(mem, q->avail, 6 + 2 * n) ||
	    !v3_mem_is_ram(mem, q->used, 6 + 8 * n))
		return "a ring outside guest RAM";
	return NULL;
}

static void virtio_queue_ready(struct v3_virtio *dev, struct v3_virtq *q,
			       u32 val)
{
	const char *bad;

	if (!val) {
		q->ready = false;
		return;
	}
	bad = virtio_queue_check(dev, q);
	if (bad) {
		v3_virtio_fail(dev, bad);
		return;
	}
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled = 0;
	q->ready = true;
}

static void virtio_set_status(struct v3_virtio *dev, u32 val)
{
	if (!val) {
		virtio_reset(dev);
		return;
	}
	val &= 0xff;
	/* The driver may not clear bits but by a reset. */
	if ((dev->status & ~val) & ~VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(dev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		/* Only what the device offers, and never the legacy interface. */
		if ((dev->driver_features & ~dev->features) ||
		    !v3_virtio_feature(dev, VIRTIO_F_VERSION_1))
			val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if ((val & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(val & VIRTIO_CONFIG_S_FEATURES_OK))
		val &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	if ((val & ~dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    dev->ops->driver_ok)
		dev->ops->driver_ok(dev);
	dev->status = val | (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* Return: -EAGAIN if the notification is to be replayed, else 0. */
static int virtio_notify_queue(struct v3_virtio *dev, u32 idx)
{
	if (idx >= dev->ops->nr_queues || !dev->vq[idx].ready)
		return 0;
	if ((dev->status & (VIRTIO_CONFIG_S_DRIVER_OK |
			    VIRTIO_CONFIG_S_NEEDS_RESET)) !=
	    VIRTIO_CONFIG_S_DRIVER_OK)
		return 0;
	dev->spent_chains = 0;
	dev->spent_bytes = 0;
	dev->replay = false;
	dev->ops->notify(dev, idx);
	return dev->replay ? -EAGAIN : 0;
}

bool v3_virtio_kick(struct v3_virtio *dev, unsigned int q)
{
	bool again;

	v3_host_mutex_lock(dev->lock);
	again = virtio_notify_queue(dev, q) == -EAGAIN;
	v3_host_mutex_unlock(dev->lock);
	return again;
}

static u32 virtio_reg_read(struct v3_virtio *dev, unsigned int off)
{
	struct v3_virtq *q = virtio_sel_queue(dev);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VER;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_PALACIOS;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (dev->dev_feat_sel > 1)
			return 0;
		return (u32)(dev->features >> (32 * dev->dev_feat_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? V3_VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dev->isr;
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return dev->config_gen;
	/* no shared memory regions: their length reads as -1 */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return ~0U;
	}
	return 0;
}

static void virtio_set_half(u64 *reg, unsigned int high, u32 val)
{
	if (high)
		*reg = (*reg & 0xffffffffULL) | (u64)val << 32;
	else
		*reg = (*reg & ~0xffffffffULL) | val;
}

static int virtio_reg_write(struct v3_virtio *dev, unsigned int off, u32 val)
{
	struct v3_virtq *q = virtio_sel_queue(dev);
	bool setup = !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev->dev_feat_sel = val;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev->drv_feat_sel = val;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* fixed once the device accepted them */
		if (dev->drv_feat_sel > 1 ||
		    (dev->status & VIRTIO_CONFIG_S_FEATURES_OK))
			return 0;
		virtio_set_half(&dev->driver_features, dev->drv_feat_sel, val);
		return 0;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev->queue_sel = val;
		return 0;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return virtio_notify_queue(dev, val & 0xffff);
	case VIRTIO_MMIO_INTERRUPT_ACK:
		dev->isr &= ~val;
		virtio_update_irq(dev);
		return 0;
	case VIRTIO_MMIO_STATUS:
		virtio_set_status(dev, val);
		return 0;
	}
	/* The queue's registers, while it is not ready. */
	if (!q || !setup || q->ready) {
		if (q && off == VIRTIO_MMIO_QUEUE_READY && !val)
			q->ready = false;
		return 0;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = val <= V3_VIRTQ_MAX_SIZE ? val : 0;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		virtio_queue_ready(dev, q, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		virtio_set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		virtio_set_half(&q->avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
				val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		virtio_set_half(&q->used, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
		break;
	}
	return 0;
}

int v3_virtio_access(struct v3_virtio *dev, unsigned int off, void *data,
		     unsigned int len, bool write)
{
	u32 val = 0;
	int ret = 0;

	v3_host_mutex_lock(dev->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		if (dev->ops->config && off < dev->ops->config_len &&
		    len <= dev->ops->config_len - off) {
			if (!write)
				memset(data, 0, len);
			dev->ops->config(dev, off, data, len, write);
		} else if (!write) {
			memset(data, 0, len);
		}
	} else if (len != 4 || (off & 3)) {
		/* only aligned 32-bit accesses to the registers */
		if (!write)
			memset(data, 0, len);
	} else if (write) {
		memcpy(&val, data, 4);
		ret = virtio_reg_write(dev, off, val);
	} else {
		val = virtio_reg_read(dev, off);
		memcpy(data, &val, 4);
	}
	v3_host_mutex_unlock(dev->lock);
	return ret;
}

static int virtio_mmio_access(u64 gpa, void *data, unsigned int len,
			      bool write, void *priv)
{
	struct v3_virtio *dev = priv;

	return v3_virtio_access(dev, gpa - dev->base, data, len, write);
}

int v3_virtio_init(struct v3_virtio *dev, struct v3_vm *vm,
		   const struct v3_virtio_ops *ops, void *priv, u64 base,
		   unsigned int irq)
{
	int err;

	memset(dev, 0, sizeof(*dev));
	if (ops->nr_queues > V3_VIRTIO_MAX_QUEUES)
		return -EINVAL;
	dev->lock = v3_host_mutex_alloc();
	if (!dev->lock)
		return -ENOMEM;
	dev->vm = vm;
	dev->ops = ops;
	dev->features = ops->features | VIRTIO_TRANSPORT_FEATURES;
	dev->priv = priv;
	dev->base = base;
	dev->irq = irq;
	err = v3_range_hook(&vm->mmio, base, base + V3_VIRTIO_MMIO_SIZE - 1,
			    virtio_mmio_access, dev);
	if (err) {
		v3_host_mutex_free(dev->lock);
		dev->lock = NULL;
		return err;
	}
	return 0;
}

void v3_virtio_free(struct v3_virtio *dev)
{
	if (!dev->lock)
		return;
	v3_range_unhook(&dev->vm->mmio, dev->base);
	v3_host_mutex_free(dev->lock);
	dev->lock = NULL;
}
