// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio block device (virtio 1.x, section 5.2), backed by a file or a
 * block device the host opened (see <palacios/virtio.h>).
 *
 * One request queue.  A request is a chain: a 16-byte header the device
 * reads (struct virtio_blk_outhdr), the data (read from the disk into
 * writable buffers, or written to it from readable ones), and a status
 * byte, the last writable byte of the chain.  Requests are served in the
 * thread of the vCPU that notified the queue, one after the other, through
 * the host's file interface (v3_host_file_io(), v3_host_file_flush()).
 *
 * A request the device can answer gets its status: VIRTIO_BLK_S_IOERR for
 * data outside the disk, not a whole number of sectors, a write to a
 * read-only disk or an error of the host; VIRTIO_BLK_S_UNSUPP for a type it
 * does not know.  A chain that is not a request (no header, no status
 * byte) puts the device in the DEVICE_NEEDS_RESET state.
 *
 * Each segment is at most a page (VIRTIO_BLK_F_SIZE_MAX), so that one spans
 * at most two extents of guest memory, and a request has at most
 * %VIRTIO_BLK_SEG_MAX of them (VIRTIO_BLK_F_SEG_MAX): its chain fits in
 * %V3_VIRTQ_MAX_BUFS pieces.  A request of more data than that allows
 * (%VIRTIO_BLK_DATA_MAX) fails with VIRTIO_BLK_S_IOERR, so that one
 * request is a bounded amount of the host's work.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_ids.h>

#include <palacios/host.h>
#include <palacios/virtio.h>

#define VIRTIO_BLK_SECTOR	512
#define VIRTIO_BLK_SEG_MAX	126
#define VIRTIO_BLK_SIZE_MAX	4096
/* The most data of one request a driver that keeps to both may send */
#define VIRTIO_BLK_DATA_MAX	(VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)

static struct v3_virtio_blk *to_blk(struct v3_virtio *dev)
{
	return dev->priv;
}

static void blk_config(struct v3_virtio *dev, unsigned int off, void *data,
		       unsigned int len, bool write)
{
	struct v3_virtio_blk *b = to_blk(dev);
	struct virtio_blk_config cfg = { 0 };

	/* the driver writes nothing here: no writeback toggle is offered */
	if (write)
		return;
	cfg.capacity = (__force __virtio64)cpu_to_le64(b->sectors);
	cfg.size_max = (__force __virtio32)cpu_to_le32(VIRTIO_BLK_SIZE_MAX);
	cfg.seg_max = (__force __virtio32)cpu_to_le32(VIRTIO_BLK_SEG_MAX);
	memcpy(data, (u8 *)&cfg + off, len);
}

/*
 * Move @len bytes at offset @skip of the chain's readable (or writable,
 * @in) pieces to or from the disk at @pos.
 */
static int blk_xfer(struct v3_virtio_blk *b, const struct v3_virtq_chain *c,
		    bool in, u64 skip, u64 len, u64 pos)
{
	unsigned int i = in ? c->nr_out : 0, end = in ? c->nr : c->nr_out;
	int err;

	for (; i < end && len; i++) {
		const struct v3_virtq_buf *p = &c->buf[i];
		u64 n;

		if (skip >= p->len) {
			skip -= p->len;
			continue;
		}
		n = p->len - skip;
		if (n > len)
			n = len;
		/* a read of the disk fills the guest's writable pieces */
		err = v3_host_file_io(b->file, pos, (u8 *)p->hva + skip, n, !in);
		if (err)
			return err;
		pos += n;
		len -= n;
		skip = 0;
	}
	return 0;
}

/* Whether [@sector, + @bytes) is whole sectors inside the disk */
static bool blk_range_ok(const struct v3_virtio_blk *b, u64 sector, u64 bytes)
{
	return !(bytes % VIRTIO_BLK_SECTOR) && bytes <= VIRTIO_BLK_DATA_MAX &&
	       sector <= b->sectors &&
	       bytes / VIRTIO_BLK_SECTOR <= b->sectors - sector;
}

/* Serve one request; return its status and the bytes written before it. */
static u8 blk_request(struct v3_virtio_blk *b, const struct v3_virtq_chain *c,
		      u32 *written)
{
	struct virtio_blk_outhdr hdr;
	u64 sector, data;
	u32 type;

	*written = 0;
	v3_virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	type = le32_to_cpu((__force __le32)hdr.type);
	sector = le64_to_cpu((__force __le64)hdr.sector);
	switch (type) {
	case VIRTIO_BLK_T_IN:
		data = c->in_len - 1;
		if (!blk_range_ok(b, sector, data) ||
		    blk_xfer(b, c, true, 0, data, sector * VIRTIO_BLK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
		*written = data;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		data = c->out_len - sizeof(hdr);
		if (b->ro || !blk_range_ok(b, sector, data) ||
		    blk_xfer(b, c, false, sizeof(hdr), data,
			     sector * VIRTIO_BLK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		if (!b->ro && v3_host_file_flush(b->file))
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		data = c->in_len - 1;
		if (data > VIRTIO_BLK_ID_BYTES)
			data = VIRTIO_BLK_ID_BYTES;
		v3_virtq_chain_fill(c, b->id, data);
		*written = data;
		return VIRTIO_BLK_S_OK;
	}
	return VIRTIO_BLK_S_UNSUPP;
}

static void blk_notify(struct v3_virtio *dev, unsigned int q)
{
	struct v3_virtio_blk *b = to_blk(dev);
	struct v3_virtq_chain *c = &b->chain;
	const struct v3_virtq_buf *last;
	u32 written;
	u8 status;

	while (v3_virtq_pop(dev, q, c) > 0) {
		if (c->out_len < sizeof(struct virtio_blk_outhdr) ||
		    !c->in_len) {
			v3_virtio_fail(dev, "a block request without its header or status");
			break;
		}
		status = blk_request(b, c, &written);
		last = &c->buf[c->nr - 1];
		((u8 *)last->hva)[last->len - 1] = status;
		v3_virtq_push(dev, q, c->head, written + 1);
	}
	v3_virtio_notify(dev, q);
}

static const struct v3_virtio_ops blk_ops = {
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) |
		    BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |
		    BIT_ULL(VIRTIO_BLK_F_FLUSH),
	.nr_queues = 1,
	.config_len = offsetof(struct virtio_blk_config, geometry),
	.config = blk_config,
	.notify = blk_notify,
};

int v3_virtio_blk_init(struct v3_virtio_blk *b, struct v3_vm *vm,
		       struct v3_host_file *file, u64 size, bool ro,
		       const char *id, u64 base, unsigned int irq)
{
	int err;

	if (size < VIRTIO_BLK_SECTOR)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->sectors = size / VIRTIO_BLK_SECTOR;
	b->ro = ro;
	/* the serial: NUL-padded, not terminated if it fills the 20 bytes */
	memcpy(b->id, id, strnlen(id, sizeof(b->id)));
	err = v3_virtio_init(&b->dev, vm, &blk_ops, b, base, irq);
	if (err)
		return err;
	if (ro)
		b->dev.features |= BIT_ULL(VIRTIO_BLK_F_RO);
	b->file = file;
	return 0;
}

void v3_virtio_blk_free(struct v3_virtio_blk *b)
{
	v3_virtio_free(&b->dev);
	if (b->file)
		v3_host_file_put(b->file);
	b->file = NULL;
}
