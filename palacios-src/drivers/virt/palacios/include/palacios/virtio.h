/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio devices of the Palacios core: the virtio-mmio transport (virtio
 * 1.x, non-legacy, register layout of <uapi/linux/virtio_mmio.h>) and
 * split virtqueues (<uapi/linux/virtio_ring.h>).
 *
 * A device model fills a struct v3_virtio_ops and calls v3_virtio_init()
 * with a guest-physical window and an ISA line; the transport answers
 * the registers, negotiates features, keeps the queues and the interrupt
 * status, and calls the model when the driver notifies a queue.  The model
 * takes chains from the queue with v3_virtq_pop(), whose buffers are
 * checked host addresses of guest RAM, and gives them back with
 * v3_virtq_push(); v3_virtio_notify() then interrupts the driver if it
 * asked for it.
 *
 * Everything a driver puts in guest memory is checked: a descriptor index,
 * a chain longer than its queue or than %V3_VIRTQ_MAX_BUFS pieces, an
 * indirect table nested or of a bad size, a device-readable buffer after
 * a writable one, an address outside guest RAM.  A bad one puts the device
 * in the DEVICE_NEEDS_RESET state (one rate-limited line names the reason)
 * and it serves nothing until the driver resets it.
 *
 * A notification does a bounded amount of work (the device stops taking
 * chains once %V3_VIRTQ_WEIGHT_CHAINS chains or %V3_VIRTQ_WEIGHT_BYTES
 * bytes of them are spent): when chains remain past that,
 * the access to QueueNotify returns -EAGAIN, the vCPU goes back through
 * its run loop (a stop, a pause, the host's scheduler, interrupts for the
 * guest) without completing the instruction, and the guest writes
 * QueueNotify again.  So a driver that keeps its queue full, from another
 * vCPU, holds a vCPU thread in the device for one weight at a time.
 *
 * Locking: each device has a mutex, held by the transport around every
 * register access and so around the model's callbacks; models may sleep.
 */
#ifndef _PALACIOS_VIRTIO_H
#define _PALACIOS_VIRTIO_H

#include <linux/types.h>

struct v3_host_file;
struct v3_host_iov;
struct v3_host_net;
struct v3_host_chan;
struct v3_mutex;
struct v3_vm;
struct v3_virtio;

/* The window of one device: the registers, then its configuration space */
#define V3_VIRTIO_MMIO_SIZE	0x1000
/* Where the board puts its virtio devices, one window each */
#define V3_VIRTIO_MMIO_BASE	0xd0000000ULL
/* The most queues of one device, and their largest size */
#define V3_VIRTIO_MAX_QUEUES	4
#define V3_VIRTQ_MAX_SIZE	256
/* The most pieces of one chain (a buffer that spans extents is several) */
#define V3_VIRTQ_MAX_BUFS	(V3_VIRTQ_MAX_SIZE + 8)
/*
 * The work of one notification, as vhost weighs it: the device stops
 * taking chains once it took this many, or chains of this many bytes in
 * all (one chain may go past it); the rest waits for the notification to
 * be replayed (see v3_virtq_pop()).
 */
#define V3_VIRTQ_WEIGHT_CHAINS	V3_VIRTQ_MAX_SIZE
#define V3_VIRTQ_WEIGHT_BYTES	(512 * 1024)

/**
 * struct v3_virtq_buf - one piece of a chain, in guest RAM held by the host
 * @hva: its host address
 * @len: its length in bytes
 * @write: the device writes it (VRING_DESC_F_WRITE); else it reads it
 */
struct v3_virtq_buf {
	void *hva;
	u32 len;
	bool write;
};

/**
 * struct v3_virtq_chain - a chain taken from a queue
 * @head: its head index, to give back with v3_virtq_push()
 * @nr: pieces in @buf, the readable ones first
 * @nr_out: the readable pieces (the first @nr_out of @buf)
 * @out_len: their total length
 * @in_len: the total length of the writable pieces
 * @buf: the pieces
 */
struct v3_virtq_chain {
	u16 head;
	unsigned int nr;
	unsigned int nr_out;
	u64 out_len;
	u64 in_len;
	struct v3_virtq_buf buf[V3_VIRTQ_MAX_BUFS];
};

/**
 * struct v3_virtq - a split virtqueue
 * @num: its size (QueueNum), a power of 2
 * @ready: QueueReady
 * @desc: guest-physical address of the descriptor table
 * @avail: of the driver (available) ring
 * @used: of the device (used) ring
 * @last_avail: the next entry of the available ring to take
 * @used_idx: the next entry of the used ring to fill
 * @signalled: @used_idx when the driver was last interrupted
 */
struct v3_virtq {
	u16 num;
	bool ready;
	u64 desc;
	u64 avail;
	u64 used;
	u16 last_avail;
	u16 used_idx;
	u16 signalled;
};

/**
 * struct v3_virtio_ops - what a device model gives the transport
 * @name: for the log, e.g. "rng"
 * @device_id: the virtio device ID (<uapi/linux/virtio_ids.h>)
 * @features: the device's feature bits; the transport adds
 *            VIRTIO_F_VERSION_1 and the ring features it implements
 * @nr_queues: its queues, at most %V3_VIRTIO_MAX_QUEUES
 * @config_len: the bytes of its configuration space
 * @config: read or write @len bytes at @off of the configuration space
 *          (checked: within @config_len); NULL if it has none
 * @notify: the driver notified queue @q (the device is DRIVER_OK, the
 *          queue ready); take its chains
 * @reset: the driver reset the device; forget any state of the queues
 * @driver_ok: the driver set DRIVER_OK: the features it accepted are
 *             final (v3_virtio_feature()); NULL if nothing is to be done
 */
struct v3_virtio_ops {
	const char *name;
	u32 device_id;
	u64 features;
	unsigned int nr_queues;
	unsigned int config_len;
	void (*config)(struct v3_virtio *dev, unsigned int off, void *data,
		       unsigned int len, bool write);
	void (*notify)(struct v3_virtio *dev, unsigned int q);
	void (*reset)(struct v3_virtio *dev);
	void (*driver_ok)(struct v3_virtio *dev);
};

/**
 * struct v3_virtio - one virtio-mmio device
 * @vm: its VM
 * @ops: its model
 * @priv: the model's
 * @base: guest-physical address of its window
 * @irq: its ISA line
 * @lock: see the locking note above
 * @features: its feature bits: the model's, those of the transport, and
 *            any the model adds before the guest runs (a read-only disk)
 * @status: the device status register
 * @isr: the interrupt status (VIRTIO_MMIO_INT_*)
 * @dev_feat_sel: DeviceFeaturesSel
 * @drv_feat_sel: DriverFeaturesSel
 * @driver_features: what the driver wrote to DriverFeatures
 * @queue_sel: QueueSel
 * @config_gen: ConfigGeneration
 * @spent_chains: chains taken since the notification began
 * @spent_bytes: their bytes
 * @replay: the notification stopped with chains left (its weight spent),
 *          or with other work left that the model counts against it
 * @vq: the queues
 */
struct v3_virtio {
	struct v3_vm *vm;
	const struct v3_virtio_ops *ops;
	void *priv;
	u64 base;
	unsigned int irq;
	struct v3_mutex *lock;
	u64 features;
	u32 status;
	u32 isr;
	u32 dev_feat_sel;
	u32 drv_feat_sel;
	u64 driver_features;
	u32 queue_sel;
	u32 config_gen;
	unsigned int spent_chains;
	u64 spent_bytes;
	bool replay;
	struct v3_virtq vq[V3_VIRTIO_MAX_QUEUES];
};

/**
 * v3_virtio_init() - create a virtio-mmio device and hook its window
 * @dev: the state to initialise
 * @vm: the VM
 * @ops: the model
 * @priv: the model's, in @dev->priv
 * @base: guest-physical address of its %V3_VIRTIO_MMIO_SIZE window
 * @irq: its ISA line
 *
 * Return: 0, -EBUSY if the window overlaps a hooked range, or -ENOMEM;
 * nothing is left allocated or hooked on failure.
 */
int v3_virtio_init(struct v3_virtio *dev, struct v3_vm *vm,
		   const struct v3_virtio_ops *ops, void *priv, u64 base,
		   unsigned int irq);

/**
 * v3_virtio_free() - unhook the window and free the state
 * @dev: the device, or one whose init failed or was never made
 */
void v3_virtio_free(struct v3_virtio *dev);

/**
 * v3_virtio_access() - a guest access to the device's window
 * @dev: the device
 * @off: the offset in the window
 * @data: the bytes written, or the buffer of the bytes read
 * @len: 1, 2, 4 or 8
 * @write: a write
 *
 * Accesses the virtio-mmio specification does not define (a register not
 * read or written with 4 aligned bytes, a register that does not exist,
 * past the configuration space) read as 0 and are ignored.
 *
 * Return: 0, or -EAGAIN when a write to QueueNotify spent its weight with
 * chains left: the guest is to write it again (the instruction is not
 * completed).
 */
int v3_virtio_access(struct v3_virtio *dev, unsigned int off, void *data,
		     unsigned int len, bool write);

/**
 * v3_virtio_kick() - the host has work for a queue
 * @dev: the device
 * @q: the queue index
 *
 * Runs the model's @notify for @q as a driver's notification would (under
 * the device's lock, with the weight of one notification), if the device
 * is DRIVER_OK and @q ready; from a thread of the host, for work that
 * comes from the host's side (frames arriving for a guest).
 *
 * Return: true if its weight was spent with work left: the host calls
 * again (after a rescheduling point of its own).
 *
 * Context: process context; may sleep.
 */
bool v3_virtio_kick(struct v3_virtio *dev, unsigned int q);

/**
 * v3_virtio_feature() - whether the driver accepted a feature
 * @dev: the device
 * @bit: the feature bit
 *
 * Context: the device's lock held (any callback of the model).
 *
 * Return: true if the driver wrote @bit in its features.
 */
bool v3_virtio_feature(const struct v3_virtio *dev, unsigned int bit);

/**
 * v3_virtio_fail() - put the device in the DEVICE_NEEDS_RESET state
 * @dev: the device
 * @why: the reason, for one rate-limited line
 *
 * The device serves nothing until the driver resets it, and interrupts
 * the driver (a configuration change), as the specification says.
 *
 * Context: the device's lock held.
 */
void v3_virtio_fail(struct v3_virtio *dev, const char *why);

/**
 * v3_virtq_pop() - take the next chain the driver made available
 * @dev: the device
 * @q: the queue index
 * @chain: where to put it
 *
 * Each chain taken counts against the notification's weight; once it is
 * spent, the queue reads as empty and, if chains remain, the notification
 * is replayed (see the note on weights above).
 *
 * Return: 1 if @chain holds a chain, 0 if the queue is empty or the weight
 * spent, or a negative errno when the driver's rings or descriptors are
 * bad: the device has then been failed with v3_virtio_fail().
 *
 * Context: the device's lock held.
 */
int v3_virtq_pop(struct v3_virtio *dev, unsigned int q,
		 struct v3_virtq_chain *chain);

/**
 * v3_virtq_unpop() - give back the chain last taken, unused
 * @dev: the device
 * @q: the queue index
 * @chain: the chain v3_virtq_pop() last gave for @q
 *
 * The next v3_virtq_pop() takes the same entry again (as the driver has
 * it then), and the chain no longer counts against the weight: for a
 * device that took a chain before it knew whether it had work for it.
 *
 * Context: the device's lock held.
 */
void v3_virtq_unpop(struct v3_virtio *dev, unsigned int q,
		    const struct v3_virtq_chain *chain);

/**
 * v3_virtq_push() - give a chain back to the driver
 * @dev: the device
 * @q: the queue index
 * @head: the chain's head
 * @len: the bytes the device wrote into its writable pieces
 *
 * Context: the device's lock held.
 */
void v3_virtq_push(struct v3_virtio *dev, unsigned int q, u16 head, u32 len);

/**
 * v3_virtio_notify() - interrupt the driver for the used entries of a queue
 * @dev: the device
 * @q: the queue index
 *
 * Only if the driver wants it: its used event index (VIRTIO_F_EVENT_IDX)
 * or its VRING_AVAIL_F_NO_INTERRUPT flag says so.
 *
 * Context: the device's lock held.
 */
void v3_virtio_notify(struct v3_virtio *dev, unsigned int q);

/**
 * v3_virtq_chain_read() - copy bytes out of a chain's readable pieces
 * @c: the chain
 * @off: where to start, from the first readable byte
 * @buf: where to copy to
 * @len: how many; the caller checked that @c->out_len holds them
 */
void v3_virtq_chain_read(const struct v3_virtq_chain *c, u64 off, void *buf,
			 u64 len);

/**
 * v3_virtq_chain_fill() - copy bytes into a chain's writable pieces
 * @c: the chain
 * @buf: the bytes
 * @len: how many; the caller checked that @c->in_len holds them
 */
void v3_virtq_chain_fill(const struct v3_virtq_chain *c, const void *buf,
			 u64 len);

/**
 * v3_virtio_interrupt() - interrupt the driver for its used rings
 * @dev: the device
 *
 * Context: the device's lock held.
 */
void v3_virtio_interrupt(struct v3_virtio *dev);

/*
 * The virtio entropy device (virtio-rng): one queue whose writable buffers
 * it fills from the host's random numbers
 */
extern const struct v3_virtio_ops v3_virtio_rng_ops;

/**
 * struct v3_virtio_blk - a virtio block device
 * @dev: its transport
 * @file: the host's file or block device behind it
 * @sectors: its size in 512-byte sectors
 * @ro: read-only: writes fail, and the driver is told (VIRTIO_BLK_F_RO)
 * @id: its serial (VIRTIO_BLK_T_GET_ID), NUL-padded
 * @chain: the request being served
 */
struct v3_virtio_blk {
	struct v3_virtio dev;
	struct v3_host_file *file;
	u64 sectors;
	bool ro;
	char id[20];
	struct v3_virtq_chain chain;
};

/**
 * v3_virtio_blk_init() - create a virtio block device
 * @b: the state to initialise
 * @vm: the VM
 * @file: the host's file; the device owns it from a success on, and puts
 *        it with v3_host_file_put() when it is freed
 * @size: its size in bytes (a partial last sector is not used)
 * @ro: read-only
 * @id: its serial, at most 20 bytes of it are used
 * @base: guest-physical address of its window
 * @irq: its ISA line
 *
 * Return: 0, -EINVAL for a disk smaller than a sector, or an error of
 * v3_virtio_init().
 */
int v3_virtio_blk_init(struct v3_virtio_blk *b, struct v3_vm *vm,
		       struct v3_host_file *file, u64 size, bool ro,
		       const char *id, u64 base, unsigned int irq);

/**
 * v3_virtio_blk_free() - unhook the device and put its file
 * @b: the device, or one whose init failed
 */
void v3_virtio_blk_free(struct v3_virtio_blk *b);

/**
 * struct v3_virtio_net - a virtio network device
 * @dev: its transport
 * @net: the host's network backend behind it (a tap on Linux)
 * @mac: its MAC address
 * @attached: the host calls it when frames arrive
 * @tx_dropped: frames of the guest the host refused or that were too long
 * @rx_dropped: frames for the guest longer than its buffers, or with
 *              offloads the driver did not accept
 * @rx: the chain a received frame goes to
 * @tx: the chain of the frame being sent
 * @iov: the pieces of a chain's frame, as the host takes them
 * @hdr: the backend carries a virtio-net header with each frame: the
 *       device offers offloads
 * @offloads: the TUN_F_* offloads the host was last told it may use
 */
struct v3_virtio_net {
	struct v3_virtio dev;
	struct v3_host_net *net;
	u8 mac[6];
	bool attached;
	bool hdr;
	unsigned int offloads;
	u64 tx_dropped;
	u64 rx_dropped;
	struct v3_virtq_chain rx;
	struct v3_virtq_chain tx;
	struct v3_host_iov *iov;
};

/**
 * v3_virtio_net_init() - create a virtio network device
 * @n: the state to initialise
 * @vm: the VM
 * @net: the host's network backend; the device owns it from a success on,
 *       and puts it with v3_host_net_put() when it is freed
 * @mac: its MAC address, unicast
 * @base: guest-physical address of its window
 * @irq: its ISA line
 *
 * The device asks the host to call it as frames arrive
 * (v3_host_net_attach()) from then on until v3_virtio_net_stop().
 *
 * Return: 0, -EINVAL for a multicast @mac, -ENOMEM, or an error of
 * v3_virtio_init() or v3_host_net_attach().
 */
int v3_virtio_net_init(struct v3_virtio_net *n, struct v3_vm *vm,
		       struct v3_host_net *net, const u8 mac[6], u64 base,
		       unsigned int irq);

/**
 * v3_virtio_net_stop() - stop receiving frames for the guest
 * @n: the device, or one whose init failed
 *
 * Once it returns, the host no longer calls the device.
 */
void v3_virtio_net_stop(struct v3_virtio_net *n);

/**
 * v3_virtio_net_free() - stop the device, unhook it and put its backend
 * @n: the device, or one whose init failed
 *
 * The frames it dropped, if any, are logged in one line.
 */
void v3_virtio_net_free(struct v3_virtio_net *n);

/**
 * struct v3_virtio_con - a virtio console with one port (no multiport)
 * @dev: its transport
 * @chan: the host's byte channel behind it
 * @attached: the host calls it when bytes or room appear
 * @tx_off: the bytes of the chain being sent that the host took already
 *          (the chain went back to its queue when the host had no room)
 * @tx_lost: bytes of the guest lost to a host's end that was gone
 * @chain: the chain being served, of either queue
 */
struct v3_virtio_con {
	struct v3_virtio dev;
	struct v3_host_chan *chan;
	bool attached;
	u64 tx_off;
	u64 tx_lost;
	struct v3_virtq_chain chain;
};

/**
 * v3_virtio_con_init() - create a virtio console
 * @c: the state to initialise
 * @vm: the VM
 * @chan: the host's channel; the device owns it from a success on, and
 *        puts it with v3_host_chan_put() when it is freed
 * @base: guest-physical address of its window
 * @irq: its ISA line
 *
 * The device asks the host to call it as bytes and room appear
 * (v3_host_chan_attach()) from then on until v3_virtio_con_stop().
 *
 * Return: 0, or an error of v3_virtio_init() or v3_host_chan_attach().
 */
int v3_virtio_con_init(struct v3_virtio_con *c, struct v3_vm *vm,
		       struct v3_host_chan *chan, u64 base, unsigned int irq);

/**
 * v3_virtio_con_stop() - stop serving the host's side
 * @c: the device, or one whose init failed
 *
 * Once it returns, the host no longer calls the device.
 */
void v3_virtio_con_stop(struct v3_virtio_con *c);

/**
 * v3_virtio_con_free() - stop the device, unhook it and put its channel
 * @c: the device, or one whose init failed
 *
 * The guest's bytes it lost, if any, are logged in one line.
 */
void v3_virtio_con_free(struct v3_virtio_con *c);

#endif /* _PALACIOS_VIRTIO_H */
