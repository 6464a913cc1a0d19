// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues (virtio 1.x, section 2.7) for the devices of the
 * Palacios core, with indirect descriptors and event indexes (see
 * <palacios/virtio.h>).
 *
 * The rings live in guest memory that the guest's other vCPUs may change
 * at any moment: each field is read once, into the host's own copy, and
 * checked there.  The device's accesses to the rings go through
 * v3_mem_read() and v3_mem_write(), which accept a ring that spans host
 * chunks; the buffers become host addresses, one piece per extent.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ring.h>

#include <palacios/guest.h>
#include <palacios/mem.h>
#include <palacios/virtio.h>

/* The entries of an indirect table: a page of descriptors */
#define VIRTQ_INDIRECT_MAX	256

/* guest-physical address of ring entry @i of the available ring */
static u64 avail_entry(const struct v3_virtq *q, unsigned int i)
{
	return q->avail + offsetof(struct vring_avail, ring) + 2 * i;
}

static u64 used_entry(const struct v3_virtq *q, unsigned int i)
{
	return q->used + offsetof(struct vring_used, ring) +
	       sizeof(struct vring_used_elem) * i;
}

static int vq_read16(struct v3_virtio *dev, u64 gpa, u16 *val)
{
	__le16 v;

	if (v3_mem_read(&dev->vm->mem, gpa, &v, sizeof(v)))
		return -EFAULT;
	*val = le16_to_cpu(v);
	return 0;
}

static void vq_write16(struct v3_virtio *dev, u64 gpa, u16 val)
{
	__le16 v = cpu_to_le16(val);

	/* checked RAM when the queue became ready */
	v3_mem_write(&dev->vm->mem, gpa, &v, sizeof(v));
}

/* One descriptor, from the queue's table or an indirect one. */
struct vq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

static int vq_read_desc(struct v3_virtio *dev, u64 table, unsigned int i,
			struct vq_desc *d)
{
	struct vring_desc raw;

	if (v3_mem_read(&dev->vm->mem, table + sizeof(raw) * i, &raw,
			sizeof(raw)))
		return -EFAULT;
	d->addr = le64_to_cpu((__force __le64)raw.addr);
	d->len = le32_to_cpu((__force __le32)raw.len);
	d->flags = le16_to_cpu((__force __le16)raw.flags);
	d->next = le16_to_cpu((__force __le16)raw.next);
	return 0;
}

/* Add [addr, addr + len) to @c, one piece per extent of guest RAM. */
static const char *vq_add_buf(struct v3_virtio *dev,
			      struct v3_virtq_chain *c, const struct vq_desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	u64 gpa = d->addr, left = d->len;

	if (!write && c->nr > c->nr_out)
		return "a device-readable buffer after a writable one";
	if (gpa + left < gpa)
		return "a buffer that wraps around the address space";
	while (left) {
		const struct v3_mem_extent *e = v3_mem_find(&dev->vm->mem, gpa);
		u64 n;

		if (!e)
			return "a buffer outside guest RAM";
		if (c->nr >= V3_VIRTQ_MAX_BUFS)
			return "a chain of too many buffers";
		n = e->gpa + e->size - gpa;
		if (n > left)
			n = left;
		c->buf[c->nr].hva = v3_gpa_to_hva(&dev->vm->mem, gpa, n);
		c->buf[c->nr].len = n;
		c->buf[c->nr].write = write;
		c->nr++;
		if (write)
			c->in_len += n;
		else
			c->out_len += n;
		gpa += n;
		left -= n;
	}
	if (!write)
		c->nr_out = c->nr;
	return NULL;
}

static const char *vq_walk_indirect(struct v3_virtio *dev,
				    struct v3_virtq_chain *c,
				    const struct vq_desc *ind);

/*
 * Follow a chain from descriptor @i of a table of @n: the queue's, or an
 * indirect one (@indirect), in which no chain nests another table.
 */
static const char *vq_walk_table(struct v3_virtio *dev,
				 struct v3_virtq_chain *c, u64 table,
				 unsigned int n, unsigned int i, bool indirect)
{
	unsigned int seen;
	struct vq_desc d;
	const char *bad;

	for (seen = 0; ; seen++) {
		if (seen >= n)
			return indirect ? "a loop in an indirect table" :
					  "a chain longer than its queue (a loop)";
		if (vq_read_desc(dev, table, i, &d))
			return indirect ? "an indirect table outside guest RAM" :
					  "a descriptor table outside guest RAM";
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect)
				return "a nested indirect table";
			/* the last descriptor of its chain */
			return vq_walk_indirect(dev, c, &d);
		}
		bad = vq_add_buf(dev, c, &d);
		if (bad)
			return bad;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return NULL;
		i = d.next;
		if (i >= n)
			return indirect ? "a descriptor index past its indirect table" :
					  "a descriptor index past the queue";
	}
}

static const char *vq_walk_indirect(struct v3_virtio *dev,
				    struct v3_virtq_chain *c,
				    const struct vq_desc *ind)
{
	unsigned int n = ind->len / sizeof(struct vring_desc);

	if (!v3_virtio_feature(dev, VIRTIO_RING_F_INDIRECT_DESC))
		return "an indirect descriptor the driver did not negotiate";
	if (ind->flags & VRING_DESC_F_NEXT)
		return "an indirect descriptor with a next one";
	if (!n || ind->len % sizeof(struct vring_desc) ||
	    n > VIRTQ_INDIRECT_MAX)
		return "an indirect table of a bad size";
	return vq_walk_table(dev, c, ind->addr, n, 0, true);
}

static const char *vq_walk(struct v3_virtio *dev, struct v3_virtq *q,
			   struct v3_virtq_chain *c, u16 head)
{
	c->head = head;
	c->nr = 0;
	c->nr_out = 0;
	c->out_len = 0;
	c->in_len = 0;
	if (head >= q->num)
		return "a head index past the queue";
	return vq_walk_table(dev, c, q->desc, q->num, head, false);
}

int v3_virtq_pop(struct v3_virtio *dev, unsigned int qi,
		 struct v3_virtq_chain *chain)
{
	struct v3_virtq *q = &dev->vq[qi];
	bool event_idx = v3_virtio_feature(dev, VIRTIO_RING_F_EVENT_IDX);
	u16 avail_idx, head;
	const char *bad;

	if (!q->ready || (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return 0;
	if (vq_read16(dev, q->avail + offsetof(struct vring_avail, idx),
		      &avail_idx))
		goto fault;
	if (avail_idx == q->last_avail) {
		if (!event_idx)
			return 0;
		/*
		 * Tell the driver to notify at its next entry, then look
		 * again: an entry it made available before it read the event
		 * index would otherwise wait for the next notification.
		 */
		vq_write16(dev, used_entry(q, q->num), q->last_avail);
		/* the event index written before the index is read again */
		smp_mb();
		if (vq_read16(dev, q->avail + offsetof(struct vring_avail, idx),
			      &avail_idx))
			goto fault;
		if (avail_idx == q->last_avail)
			return 0;
	}
	if ((u16)(avail_idx - q->last_avail) > q->num) {
		v3_virtio_fail(dev, "more available entries than the queue holds");
		return -EINVAL;
	}
	if (dev->spent_chains >= V3_VIRTQ_WEIGHT_CHAINS ||
	    dev->spent_bytes >= V3_VIRTQ_WEIGHT_BYTES) {
		/*
		 * The rest when the driver's notification is replayed.  The
		 * avail event index stays where it was, as while a device is
		 * busy: chains added meanwhile need no notification of their
		 * own, the replayed one takes them (after the guest's own
		 * interrupts and scheduling, which may delay it).
		 */
		dev->replay = true;
		return 0;
	}
	/* The entry and its descriptors, after the index that made them ours */
	smp_rmb();
	if (vq_read16(dev, avail_entry(q, q->last_avail & (q->num - 1)),
		      &head))
		goto fault;
	bad = vq_walk(dev, q, chain, head);
	if (bad) {
		v3_virtio_fail(dev, bad);
		return -EINVAL;
	}
	q->last_avail++;
	dev->spent_chains++;
	dev->spent_bytes += chain->out_len + chain->in_len;
	return 1;
fault:
	v3_virtio_fail(dev, "a ring outside guest RAM");
	return -EFAULT;
}

void v3_virtq_unpop(struct v3_virtio *dev, unsigned int qi,
		    const struct v3_virtq_chain *chain)
{
	dev->vq[qi].last_avail--;
	dev->spent_chains--;
	dev->spent_bytes -= chain->out_len + chain->in_len;
}

void v3_virtq_push(struct v3_virtio *dev, unsigned int qi, u16 head, u32 len)
{
	struct v3_virtq *q = &dev->vq[qi];
	struct vring_used_elem e = {
		.id = (__force __virtio32)cpu_to_le32(head),
		.len = (__force __virtio32)cpu_to_le32(len),
	};

	v3_mem_write(&dev->vm->mem, used_entry(q, q->used_idx & (q->num - 1)),
		     &e, sizeof(e));
	/* The entry before the index that gives it to the driver */
	smp_wmb();
	q->used_idx++;
	vq_write16(dev, q->used + offsetof(struct vring_used, idx), q->used_idx);
}

void v3_virtio_notify(struct v3_virtio *dev, unsigned int qi)
{
	struct v3_virtq *q = &dev->vq[qi];
	u16 old = q->signalled, event, flags;

	if (q->used_idx == old)
		return;
	q->signalled = q->used_idx;
	/* The used index is written before the driver's wish is read. */
	smp_mb();
	if (v3_virtio_feature(dev, VIRTIO_RING_F_EVENT_IDX)) {
		/* the used entries since the last look: did one cross it? */
		if (vq_read16(dev, avail_entry(q, q->num), &event) ||
		    !vring_need_event(event, q->used_idx, old))
			return;
	} else if (vq_read16(dev, q->avail, &flags) ||
		   (flags & VRING_AVAIL_F_NO_INTERRUPT)) {
		return;
	}
	v3_virtio_interrupt(dev);
}

void v3_virtq_chain_read(const struct v3_virtq_chain *c, u64 off, void *buf,
			 u64 len)
{
	unsigned int i;
	u8 *out = buf;

	for (i = 0; i < c->nr_out && len; i++) {
		u64 n;

		if (off >= c->buf[i].len) {
			off -= c->buf[i].len;
			continue;
		}
		n = c->buf[i].len - off;
		if (n > len)
			n = len;
		memcpy(out, (u8 *)c->buf[i].hva + off, n);
		out += n;
		len -= n;
		off = 0;
	}
}

void v3_virtq_chain_fill(const struct v3_virtq_chain *c, const void *buf,
			 u64 len)
{
	const u8 *in = buf;
	unsigned int i;

	for (i = c->nr_out; i < c->nr && len; i++) {
		u64 n = c->buf[i].len < len ? c->buf[i].len : len;

		memcpy(c->buf[i].hva, in, n);
		in += n;
		len -= n;
	}
}
