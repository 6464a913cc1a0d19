// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the virtio-mmio transport, the split virtqueues and the virtio
 * entropy device: a driver written here sets the device up through its
 * registers and puts rings and descriptors in guest memory, good ones and
 * hostile ones.
 */
#include <stdio.h>
#include <string.h>
#include <linux/array_size.h>
#include <linux/errno.h>
#include <uapi/linux/if_tun.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_mmio.h>
#include <uapi/linux/virtio_net.h>
#include <uapi/linux/virtio_ring.h>

#include <palacios/devices.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/mem.h>
#include <palacios/virtio.h>

#include "tests.h"
#include "test_host.h"

#define BASE	V3_VIRTIO_MMIO_BASE
#define IRQ	V3_VIRTIO_RNG_IRQ
#define NUM	8
#define DESC	0x10000ULL
#define AVAIL	0x11000ULL
#define USED	0x12000ULL
#define IND	0x13000ULL
#define BUF	0x20000ULL
#define MEM	(2 * MiB)

static struct v3_vm *vm;
static struct v3_virtio *dev;
static u64 base = BASE;		/* the window of @dev */
static unsigned int irq = IRQ;	/* and its line */
static struct v3_virtio other;
static u8 *ram;

static void pic_notify(void *priv)
{
}

static void ioapic_send(void *priv, const struct v3_apic_msg *msg)
{
}

static const struct v3_ioapic_ops ioapic_ops = { .send = ioapic_send };

static void setup(void)
{
	memset(&test_host, 0, sizeof(test_host));
	vm = v3_host_zalloc(sizeof(*vm));
	vm->board = v3_host_zalloc(sizeof(*vm->board));
	vm->board->vm = vm;
	snprintf(vm->name, sizeof(vm->name), "t");
	CHECK(v3_mem_map_init(&vm->mem, MEM) == 0);
	ram = v3_gpa_to_hva(&vm->mem, 0, 0x100000);
	CHECK(ram);
	v3_io_map_init(&vm->io);
	v3_mmio_map_init(&vm->mmio);
	CHECK(v3_pic_init(&vm->board->pic, &vm->io, pic_notify, vm) == 0);
	CHECK(v3_ioapic_init(&vm->board->ioapic, 0, &ioapic_ops, vm) == 0);
	vm->board->rng_chain = v3_host_zalloc(sizeof(struct v3_virtq_chain));
	dev = &vm->board->rng;
	CHECK(v3_virtio_init(dev, vm, &v3_virtio_rng_ops, vm->board->rng_chain,
			     BASE, IRQ) == 0);
	/* a window of its own */
	CHECK(v3_virtio_init(&other, vm, &v3_virtio_rng_ops, NULL,
			     BASE + 0x800, IRQ) == -EBUSY);
	CHECK(!other.lock);
}

static void teardown(void)
{
	v3_virtio_free(dev);
	v3_virtio_free(dev);	/* twice: harmless */
	v3_host_free(vm->board->rng_chain);
	v3_ioapic_free(&vm->board->ioapic);
	v3_pic_free(&vm->board->pic, &vm->io);
	v3_range_map_free(&vm->mmio);
	v3_range_map_free(&vm->io);
	v3_mem_map_free(&vm->mem);
	v3_host_free(vm->board);
	v3_host_free(vm);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static u32 rd(unsigned int off)
{
	u32 v = 0xdeadbeef;

	CHECK(v3_range_dispatch(&vm->mmio, base + off, &v, 4, false) == 0);
	return v;
}

static void wr(unsigned int off, u32 v)
{
	CHECK(v3_range_dispatch(&vm->mmio, base + off, &v, 4, true) == 0);
}

static bool line(void)
{
	/* lines 8 to 15 are the slave's */
	return vm->board->pic.chip[irq / 8].lines & BIT(irq % 8);
}

static void put16(u64 gpa, u16 v)
{
	memcpy(ram + gpa, &v, 2);
}

static u16 get16(u64 gpa)
{
	u16 v;

	memcpy(&v, ram + gpa, 2);
	return v;
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static void desc(u64 table, unsigned int i, u64 addr, u32 len, u16 flags,
		 u16 next)
{
	struct vring_desc d = {
		.addr = addr, .len = len, .flags = flags, .next = next,
	};

	memcpy(ram + table + sizeof(d) * i, &d, sizeof(d));
}

/* Make chain @head available as the driver's next entry. */
static void offer(u16 head)
{
	u16 idx = get16(AVAIL + 2);

	put16(AVAIL + 4 + 2 * (idx % NUM), head);
	put16(AVAIL + 2, idx + 1);
}

static u16 used_idx(void)
{
	return get16(USED + 2);
}

/* The rings of queue @q: queue 0's at DESC, AVAIL, USED; then each 16 KiB on */
#define QDESC(q)	(DESC + (q) * 0x4000ULL)
#define QAVAIL(q)	(AVAIL + (q) * 0x4000ULL)
#define QUSED(q)	(USED + (q) * 0x4000ULL)

/*
 * Reset, negotiate @features, set up queues 0 to @nq - 1 of NUM entries
 * each, DRIVER_OK.
 */
static void driver_up_queues(u64 features, unsigned int nq)
{
	unsigned int q;

	memset(ram + DESC, 0, 0x4000 * nq);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)features);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (q = 0; q < nq; q++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		wr(VIRTIO_MMIO_QUEUE_NUM, NUM);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)QDESC(q));
		wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
		wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)QAVAIL(q));
		wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, (u32)QUSED(q));
		wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
		CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 1);
	}
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	   VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void driver_up(u64 features)
{
	driver_up_queues(features, 1);
}

#define F_V1	BIT_ULL(VIRTIO_F_VERSION_1)
#define F_IND	BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVT	BIT_ULL(VIRTIO_RING_F_EVENT_IDX)

/* The bytes the test host's generator gives from seed @seed */
static bool random_at(u64 gpa, u32 len, unsigned long seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (ram[gpa + i] != (u8)(seed++ * 131 + 7))
			return false;
	return true;
}

static void test_registers(void)
{
	u8 b = 0xff;
	u64 q = ~0ULL;

	setup();
	CHECK(rd(VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976);
	CHECK(rd(VIRTIO_MMIO_VERSION) == 2);
	CHECK(rd(VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_RNG);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) ==
	      (BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_RING_F_EVENT_IDX)));
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 1);	/* VERSION_1 */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 0);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == V3_VIRTQ_MAX_SIZE);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);			/* one queue only */
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0);
	CHECK(rd(0x0f0) == 0);				/* no register */
	/* registers are read and written with 4 aligned bytes only */
	CHECK(v3_range_dispatch(&vm->mmio, BASE, &b, 1, false) == 0 && !b);
	CHECK(v3_range_dispatch(&vm->mmio, BASE, &q, 8, false) == 0 && !q);
	CHECK(v3_range_dispatch(&vm->mmio, BASE + VIRTIO_MMIO_STATUS + 1, &b,
				1, true) == 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0);
	/* no configuration space */
	q = ~0ULL;
	CHECK(v3_range_dispatch(&vm->mmio, BASE + VIRTIO_MMIO_CONFIG, &q, 8,
				false) == 0 && !q);
	teardown();
}

static void test_negotiation(void)
{
	const u32 drv = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	setup();
	wr(VIRTIO_MMIO_STATUS, drv);
	/* no VERSION_1: the legacy interface, which the device does not offer */
	wr(VIRTIO_MMIO_STATUS, drv | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == drv);
	/* a feature the device did not offer */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1 | 2);
	wr(VIRTIO_MMIO_STATUS, drv | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == drv);
	/* DRIVER_OK needs FEATURES_OK */
	wr(VIRTIO_MMIO_STATUS, drv | VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == drv);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(VIRTIO_MMIO_STATUS, drv | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (drv | VIRTIO_CONFIG_S_FEATURES_OK));
	/* features are fixed from then on */
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 3);
	CHECK(v3_virtio_feature(dev, VIRTIO_F_VERSION_1) &&
	      !v3_virtio_feature(dev, 33));
	/* bits are cleared by a reset only */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (drv | VIRTIO_CONFIG_S_FEATURES_OK));
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0);
	CHECK(!v3_virtio_feature(dev, VIRTIO_F_VERSION_1));
	teardown();
}

static void test_rng(void)
{
	setup();
	driver_up(F_V1);
	/* a chain of a readable and two writable buffers */
	desc(DESC, 0, BUF, 8, VRING_DESC_F_NEXT, 3);
	desc(DESC, 3, BUF + 0x100, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 5);
	desc(DESC, 5, BUF + 0x200, 32, VRING_DESC_F_WRITE, 0);
	offer(0);
	test_host.random_seed = 1000;
	CHECK(!line());
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 1);
	CHECK(get32(USED + 4) == 0 && get32(USED + 8) == 48);
	CHECK(random_at(BUF + 0x100, 16, 1000));
	CHECK(random_at(BUF + 0x200, 32, 1016));
	CHECK(ram[BUF] == 0);				/* readable: untouched */
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING);
	CHECK(line());
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK(!line() && rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0);

	/* two chains at once; NO_INTERRUPT is obeyed */
	desc(DESC, 1, BUF + 0x300, 4, VRING_DESC_F_WRITE, 0);
	desc(DESC, 2, BUF + 0x400, 4, VRING_DESC_F_WRITE, 0);
	offer(1);
	offer(2);
	put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 3);
	CHECK(get32(USED + 4 + 8) == 1 && get32(USED + 4 + 16) == 2);
	CHECK(!line());
	/* a buffer of a whole MiB gets a page of random bytes */
	put16(AVAIL, 0);
	desc(DESC, 4, 0x100000, 0x100000, VRING_DESC_F_WRITE, 0);
	offer(4);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 4 && get32(USED + 4 + 24 + 4) == 4096);
	CHECK(line());
	/* a queue that does not exist */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 3);
	CHECK(test_host.errors == 0);
	teardown();
}

/* Another vCPU that keeps the queue full: chain 1 again after each one */
static void offer_again(void)
{
	offer(1);
}

static int notify(void)
{
	u32 v = 0;

	return v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_QUEUE_NOTIFY, &v,
				 4, true);
}

/*
 * A notification does a bounded amount of work: past its weight, the
 * write to QueueNotify returns -EAGAIN (the guest writes it again) and the
 * rest of the queue waits for it.
 */
static void test_weight(void)
{
	unsigned int i;

	setup();
	driver_up(F_V1);
	/* a driver that never stops offering: one weight of chains at a time */
	desc(DESC, 1, BUF, 4, VRING_DESC_F_WRITE, 0);
	offer(1);
	test_host.on_random = offer_again;
	CHECK(notify() == -EAGAIN);
	CHECK(used_idx() == V3_VIRTQ_WEIGHT_CHAINS);
	CHECK(line());			/* what was done is signalled */
	CHECK(notify() == -EAGAIN);
	CHECK(used_idx() == 2 * V3_VIRTQ_WEIGHT_CHAINS);
	/* it stops offering: the replay takes what is left */
	test_host.on_random = NULL;
	CHECK(notify() == 0);
	CHECK(used_idx() == 2 * V3_VIRTQ_WEIGHT_CHAINS + 1);
	CHECK(notify() == 0);		/* nothing left: nothing replayed */
	CHECK(used_idx() == 2 * V3_VIRTQ_WEIGHT_CHAINS + 1);

	/* chains of 128 KiB: four make the weight in bytes */
	driver_up(F_V1);
	for (i = 0; i < NUM; i++) {
		desc(DESC, i, 0x100000 + i * 0x20000ULL, 0x20000,
		     VRING_DESC_F_WRITE, 0);
		offer(i);
	}
	CHECK(notify() == -EAGAIN);
	CHECK(used_idx() == V3_VIRTQ_WEIGHT_BYTES / 0x20000);
	CHECK(notify() == 0);
	CHECK(used_idx() == NUM);
	CHECK(test_host.errors == 0);
	teardown();
}

static void test_indirect(void)
{
	setup();
	driver_up(F_V1 | F_IND);
	desc(IND, 0, BUF, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(IND, 2, BUF + 0x100, 24, VRING_DESC_F_WRITE, 0);
	desc(DESC, 6, IND, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(6);
	test_host.random_seed = 7;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 1 && get32(USED + 4) == 6 && get32(USED + 8) == 32);
	CHECK(random_at(BUF, 8, 7) && random_at(BUF + 0x100, 24, 15));
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	teardown();
}

static void test_event_idx(void)
{
	setup();
	driver_up(F_V1 | F_EVT);
	desc(DESC, 0, BUF, 4, VRING_DESC_F_WRITE, 0);
	/* the driver wants an interrupt after the second used entry */
	put16(AVAIL + 4 + 2 * NUM, 1);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 1 && !line());
	/* the device asks for a notification at the next entry */
	CHECK(get16(USED + 4 + 8 * NUM) == 1);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 2 && line());
	CHECK(get16(USED + 4 + 8 * NUM) == 2);
	teardown();
}

/* Each way a driver can get its rings wrong: the device needs a reset. */
static void hostile(const char *why, void (*make)(void), u64 features)
{
	unsigned int before;

	setup();
	driver_up(features);
	make();
	before = used_idx();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET))
		printf("# %s: the device does not need a reset\n", why);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(used_idx() == before);
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	CHECK(line());
	if (test_host_log_lines(why) != 1)
		printf("# no line with \"%s\" in:\n%s", why,
		       test_host.log);
	CHECK(test_host_log_lines(why) == 1);
	CHECK(test_host_log_lines("vm t: virtio-rng at 0xd0000000") == 1);
	/* it serves nothing more, and logs nothing more */
	desc(DESC, 7, BUF, 4, VRING_DESC_F_WRITE, 0);
	offer(7);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == before);
	CHECK(test_host_log_lines("virtio-rng") == 1);
	/* until the driver resets it */
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0 && !line());
	driver_up(F_V1);
	desc(DESC, 0, BUF, 4, VRING_DESC_F_WRITE, 0);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 1);
	teardown();
}

static void make_loop(void)
{
	desc(DESC, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(DESC, 1, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	offer(0);
}

static void make_next_past(void)
{
	desc(DESC, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, NUM);
	offer(0);
}

static void make_head_past(void)
{
	offer(NUM + 3);
}

static void make_outside(void)
{
	desc(DESC, 0, MEM - 8, 16, VRING_DESC_F_WRITE, 0);
	offer(0);
}

static void make_huge(void)
{
	desc(DESC, 0, BUF, 0xffffffff, VRING_DESC_F_WRITE, 0);
	offer(0);
}

static void make_wrap(void)
{
	desc(DESC, 0, ~0ULL - 15, 64, VRING_DESC_F_WRITE, 0);
	offer(0);
}

static void make_too_many(void)
{
	put16(AVAIL + 2, NUM + 1);
}

static void make_read_after_write(void)
{
	desc(DESC, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(DESC, 1, BUF + 8, 4, 0, 0);
	offer(0);
}

static void make_indirect_unasked(void)
{
	desc(IND, 0, BUF, 4, VRING_DESC_F_WRITE, 0);
	desc(DESC, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void make_indirect_nested(void)
{
	desc(IND, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	desc(DESC, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void make_indirect_next(void)
{
	desc(IND, 0, BUF, 4, VRING_DESC_F_WRITE, 0);
	desc(DESC, 0, IND, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0);
}

static void make_indirect_size(void)
{
	desc(DESC, 0, IND, 20, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void make_indirect_loop(void)
{
	desc(IND, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(IND, 1, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	desc(DESC, 0, IND, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void make_indirect_index_past(void)
{
	desc(IND, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(DESC, 0, IND, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void make_table_outside(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	driver_up(F_V1);
	desc(DESC, 0, BUF, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	offer(0);
	/* a queue whose table the driver moved out of RAM under the device */
	dev->vq[0].desc = MEM + 0x1000;
}

static void make_indirect_outside(void)
{
	desc(DESC, 0, MEM + 0x1000, 64, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void test_hostile(void)
{
	hostile("a chain longer than its queue (a loop)", make_loop, F_V1);
	hostile("a descriptor index past the queue", make_next_past, F_V1);
	hostile("a head index past the queue", make_head_past, F_V1);
	hostile("a buffer outside guest RAM", make_outside, F_V1);
	hostile("a buffer outside guest RAM", make_huge, F_V1);
	hostile("a buffer that wraps around the address space", make_wrap,
		F_V1);
	hostile("more available entries than the queue holds", make_too_many,
		F_V1);
	hostile("a device-readable buffer after a writable one",
		make_read_after_write, F_V1);
	hostile("an indirect descriptor the driver did not negotiate",
		make_indirect_unasked, F_V1);
	hostile("a nested indirect table", make_indirect_nested, F_V1 | F_IND);
	hostile("an indirect descriptor with a next one", make_indirect_next,
		F_V1 | F_IND);
	hostile("an indirect table of a bad size", make_indirect_size,
		F_V1 | F_IND);
	hostile("a loop in an indirect table", make_indirect_loop,
		F_V1 | F_IND);
	hostile("an indirect table outside guest RAM", make_indirect_outside,
		F_V1 | F_IND);
	hostile("a descriptor index past its indirect table",
		make_indirect_index_past, F_V1 | F_IND);
	hostile("a descriptor table outside guest RAM", make_table_outside,
		F_V1);
}

/* Rings the device cannot use: it needs a reset before it serves any. */
static void test_bad_rings(void)
{
	static const struct {
		u64 desc, avail, used;
		u32 num;
		const char *why;
	} bad[] = {
		{ DESC, AVAIL, USED, 6, "a queue size that is not a power of 2" },
		{ DESC, AVAIL, USED, 0, "a queue size that is not a power of 2" },
		{ DESC + 8, AVAIL, USED, NUM, "a misaligned ring" },
		{ DESC, AVAIL + 1, USED, NUM, "a misaligned ring" },
		{ DESC, AVAIL, USED + 2, NUM, "a misaligned ring" },
		{ MEM - 64, AVAIL, USED, NUM, "a ring outside guest RAM" },
		{ DESC, AVAIL, MEM - 64, NUM, "a ring outside guest RAM" },
		{ DESC, 0xfec00000, USED, NUM, "a ring outside guest RAM" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		setup();
		wr(VIRTIO_MMIO_QUEUE_NUM, bad[i].num);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)bad[i].desc);
		wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)bad[i].avail);
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, (u32)bad[i].used);
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
		CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0);
		CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
		if (test_host_log_lines(bad[i].why) != 1)
			printf("# bad ring %u: no line with \"%s\"\n", i,
			       bad[i].why);
		CHECK(test_host_log_lines(bad[i].why) == 1);
		teardown();
	}
}

/* A reset between the driver's offer and its notification: no write. */
static void test_reset_mid_request(void)
{
	setup();
	driver_up(F_V1);
	desc(DESC, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	offer(0);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 0 && ram[BUF] == 0 && !line());
	CHECK(test_host.random_bytes == 0);
	/* queue registers are fixed while it is ready, and after DRIVER_OK */
	driver_up(F_V1);
	wr(VIRTIO_MMIO_QUEUE_NUM, 2);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000);
	CHECK(dev->vq[0].num == NUM && dev->vq[0].desc == DESC);
	/* the driver may take a queue back: it is then not ready */
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 0);
	CHECK(test_host.errors == 0);
	teardown();
}

/* The block device: a disk of 1 MiB in the test host's memory */
#define DISK		(1024 * 1024)
#define BLK_BASE	(BASE + V3_VIRTIO_MMIO_SIZE)
#define BLK_IRQ		13
#define HDR		0x30000ULL
#define DATA		0x31000ULL
#define STATUS		0x33000ULL

static struct v3_virtio_blk blk;
static struct v3_host_file disk;
static u8 disk_bytes[DISK];

static void blk_setup(bool ro)
{
	unsigned int i;

	setup();
	for (i = 0; i < DISK; i++)
		disk_bytes[i] = (u8)(i * 7 + i / 512);
	memset(&disk, 0, sizeof(disk));
	disk.data = disk_bytes;
	disk.size = DISK;
	CHECK(v3_virtio_blk_init(&blk, vm, &disk, DISK + 100, ro, "disk0",
				 BLK_BASE, BLK_IRQ) == 0);
	dev = &blk.dev;
	base = BLK_BASE;
	irq = BLK_IRQ;
}

static void blk_teardown(void)
{
	v3_virtio_blk_free(&blk);
	v3_virtio_blk_free(&blk);	/* twice: the file is put once */
	CHECK(disk.puts == 1);
	dev = &vm->board->rng;
	base = BASE;
	irq = IRQ;
	teardown();
}

static void hdr(u32 type, u64 sector)
{
	struct virtio_blk_outhdr h = {
		.type = type, .ioprio = 0, .sector = sector,
	};

	memcpy(ram + HDR, &h, sizeof(h));
}

/* One request: header, @n data buffers of @len each, status; its status */
static u8 request(u32 type, u64 sector, unsigned int n, u32 len, bool out)
{
	unsigned int i;
	u16 before = used_idx();

	hdr(type, sector);
	ram[STATUS] = 0xee;
	desc(DESC, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	for (i = 0; i < n; i++)
		desc(DESC, 1 + i, DATA + i * 0x800, len, VRING_DESC_F_NEXT |
		     (out ? 0 : VRING_DESC_F_WRITE), 2 + i);
	desc(DESC, 1 + n, STATUS, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == (u16)(before + 1));
	return ram[STATUS];
}

static u32 used_len(void)
{
	return get32(USED + 4 + 8 * ((used_idx() - 1) % NUM) + 4);
}

static u64 cfg64(unsigned int off)
{
	u64 v = ~0ULL;

	CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_CONFIG + off, &v,
				8, false) == 0);
	return v;
}

static void test_blk_config(void)
{
	struct v3_virtio_blk b2;

	blk_setup(false);
	CHECK(rd(VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) ==
	      (BIT(VIRTIO_BLK_F_SIZE_MAX) | BIT(VIRTIO_BLK_F_SEG_MAX) |
	       BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |
	       BIT(VIRTIO_RING_F_EVENT_IDX)));
	/* the partial last sector is not the guest's */
	CHECK(cfg64(0) == DISK / 512);
	CHECK((u32)cfg64(8) == 4096 && cfg64(8) >> 32 == 126);
	CHECK(cfg64(16) == 0);				/* past its config */
	CHECK(v3_virtio_blk_init(&b2, vm, &disk, 511, false, "x",
				 BLK_BASE + 0x1000, 14) == -EINVAL);
	blk_teardown();

	blk_setup(true);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) & BIT(VIRTIO_BLK_F_RO));
	blk_teardown();
}

static void test_blk_rw(void)
{
	u8 id[21];

	blk_setup(false);
	driver_up(F_V1);
	/* read 2 sectors from sector 3, into two buffers */
	CHECK(request(VIRTIO_BLK_T_IN, 3, 2, 512, false) == VIRTIO_BLK_S_OK);
	CHECK(used_len() == 1025);
	CHECK(!memcmp(ram + DATA, disk_bytes + 3 * 512, 512));
	CHECK(!memcmp(ram + DATA + 0x800, disk_bytes + 4 * 512, 512));
	CHECK(line());
	/* write 1 sector at sector 9 */
	memset(ram + DATA, 0x5a, 512);
	CHECK(request(VIRTIO_BLK_T_OUT, 9, 1, 512, true) == VIRTIO_BLK_S_OK);
	CHECK(used_len() == 1);
	CHECK(disk_bytes[9 * 512] == 0x5a && disk_bytes[10 * 512 - 1] == 0x5a);
	CHECK(disk_bytes[10 * 512] != 0x5a);
	/* the last sector, whole */
	CHECK(request(VIRTIO_BLK_T_IN, DISK / 512 - 1, 1, 512, false) ==
	      VIRTIO_BLK_S_OK);
	/* flush */
	CHECK(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false) == VIRTIO_BLK_S_OK);
	CHECK(disk.flushes == 1);
	/* the serial, NUL-padded */
	memset(ram + DATA, 0xff, 32);
	CHECK(request(VIRTIO_BLK_T_GET_ID, 0, 1, 20, false) == VIRTIO_BLK_S_OK);
	CHECK(used_len() == 21);
	memcpy(id, ram + DATA, 21);
	CHECK(!memcmp(id, "disk0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20) &&
	      id[20] == 0xff);
	CHECK(test_host.errors == 0 && disk.error == 0);
	blk_teardown();
}

static void test_blk_errors(void)
{
	unsigned long reads;

	blk_setup(false);
	driver_up(F_V1);
	reads = disk.reads;
	/* past the end, across it, a sector that overflows, not whole sectors */
	CHECK(request(VIRTIO_BLK_T_IN, DISK / 512, 1, 512, false) ==
	      VIRTIO_BLK_S_IOERR);
	CHECK(request(VIRTIO_BLK_T_IN, DISK / 512 - 1, 2, 512, false) ==
	      VIRTIO_BLK_S_IOERR);
	CHECK(request(VIRTIO_BLK_T_IN, ~0ULL, 1, 512, false) ==
	      VIRTIO_BLK_S_IOERR);
	CHECK(request(VIRTIO_BLK_T_OUT, ~0ULL / 512 + 1, 1, 512, true) ==
	      VIRTIO_BLK_S_IOERR);
	CHECK(request(VIRTIO_BLK_T_IN, 0, 1, 100, false) == VIRTIO_BLK_S_IOERR);
	CHECK(used_len() == 1);
	CHECK(disk.reads == reads && disk.writes == 0);
	/* more data than SEG_MAX segments of SIZE_MAX: refused, the disk untouched */
	hdr(VIRTIO_BLK_T_IN, 0);
	desc(DESC, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	desc(DESC, 1, 0x100000, 126 * 4096 + 512,
	     VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(DESC, 2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(ram[STATUS] == VIRTIO_BLK_S_IOERR && used_len() == 1);
	CHECK(disk.reads == reads);
	/* as much as they allow is served */
	desc(DESC, 1, 0x100000, 126 * 4096,
	     VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(ram[STATUS] == VIRTIO_BLK_S_OK && used_len() == 126 * 4096 + 1);
	CHECK(!memcmp(ram + 0x100000, disk_bytes, 126 * 4096));
	reads = disk.reads;
	/* a type it does not know */
	CHECK(request(99, 0, 0, 0, false) == VIRTIO_BLK_S_UNSUPP);
	/* the host's error */
	disk.error = -EIO;
	CHECK(request(VIRTIO_BLK_T_IN, 0, 1, 512, false) == VIRTIO_BLK_S_IOERR);
	CHECK(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false) ==
	      VIRTIO_BLK_S_IOERR);
	disk.error = 0;
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* not a request: no status byte */
	hdr(VIRTIO_BLK_T_IN, 0);
	desc(DESC, 0, HDR, 16, 0, 0);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(test_host_log_lines("a block request without its header or status") == 1);
	blk_teardown();

	/* a header shorter than 16 bytes */
	blk_setup(false);
	driver_up(F_V1);
	desc(DESC, 0, HDR, 8, VRING_DESC_F_NEXT, 1);
	desc(DESC, 1, STATUS, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	blk_teardown();

	/* read-only: writes fail, the disk is untouched; reads work */
	blk_setup(true);
	driver_up(F_V1);
	memset(ram + DATA, 0x5a, 512);
	CHECK(request(VIRTIO_BLK_T_OUT, 1, 1, 512, true) == VIRTIO_BLK_S_IOERR);
	CHECK(disk.writes == 0 && disk_bytes[512] != 0x5a);
	CHECK(request(VIRTIO_BLK_T_IN, 1, 1, 512, false) == VIRTIO_BLK_S_OK);
	CHECK(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false) == VIRTIO_BLK_S_OK);
	CHECK(disk.flushes == 0);
	blk_teardown();
}

/* A header and a sector split over pieces, in an indirect table */
static void test_blk_indirect(void)
{
	blk_setup(false);
	driver_up(F_V1 | F_IND);
	hdr(VIRTIO_BLK_T_IN, 6);
	desc(IND, 0, HDR, 10, VRING_DESC_F_NEXT, 1);
	desc(IND, 1, HDR + 10, 6, VRING_DESC_F_NEXT, 2);
	desc(IND, 2, DATA, 100, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	desc(IND, 3, DATA + 100, 412, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 4);
	desc(IND, 4, STATUS, 1, VRING_DESC_F_WRITE, 0);
	desc(DESC, 0, IND, 5 * 16, VRING_DESC_F_INDIRECT, 0);
	ram[STATUS] = 0xee;
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(used_idx() == 1 && ram[STATUS] == VIRTIO_BLK_S_OK);
	CHECK(!memcmp(ram + DATA, disk_bytes + 6 * 512, 512));
	blk_teardown();
}

/* The network device, on the test host's backend */
#define NET_BASE	V3_VIRTIO_NET_BASE
#define NET_IRQ		V3_VIRTIO_NET_IRQ
#define RXQ		0
#define TXQ		1
#define NHDR		sizeof(struct virtio_net_hdr_v1)
#define RXBUF		0x40000ULL	/* receive buffer i at RXBUF + i * 0x1000 */
#define TXBUF		0x50000ULL

static struct v3_virtio_net nic;
static struct v3_host_net tap;
static const u8 nic_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

static void net_setup(void)
{
	setup();
	memset(&tap, 0, sizeof(tap));
	CHECK(v3_virtio_net_init(&nic, vm, &tap, nic_mac, NET_BASE,
				 NET_IRQ) == 0);
	CHECK(tap.attaches == 1 && tap.ready);
	dev = &nic.dev;
	base = NET_BASE;
	irq = NET_IRQ;
}

static void net_teardown(void)
{
	v3_virtio_net_free(&nic);
	v3_virtio_net_free(&nic);	/* twice: the backend is put once */
	CHECK(tap.detaches == 1 && tap.puts == 1 && !tap.ready);
	dev = &vm->board->rng;
	base = BASE;
	irq = IRQ;
	teardown();
}

static void offer_q(unsigned int q, u16 head)
{
	u16 idx = get16(QAVAIL(q) + 2);

	put16(QAVAIL(q) + 4 + 2 * (idx % NUM), head);
	put16(QAVAIL(q) + 2, idx + 1);
}

/* The length of used entry @i of queue @q */
static u32 used_len_q(unsigned int q, unsigned int i)
{
	return get32(QUSED(q) + 4 + 8 * (i % NUM) + 4);
}

/* Offer receive buffer @i: a writable chain of @len bytes */
static void rx_offer(unsigned int i, u32 len)
{
	memset(ram + RXBUF + i * 0x1000, 0xee, 0x1000);
	desc(QDESC(RXQ), i, RXBUF + i * 0x1000, len, VRING_DESC_F_WRITE, 0);
	offer_q(RXQ, i);
}

static void frame(u8 *f, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (u8)(seed + i * 3);
}

/* Receive buffer @i holds a header and @f */
static bool rx_holds(unsigned int i, const u8 *f, size_t len)
{
	struct virtio_net_hdr_v1 h;
	const u8 *p = ram + RXBUF + i * 0x1000;

	memcpy(&h, p, sizeof(h));
	return h.num_buffers == 1 && !h.flags && !h.gso_type &&
	       !memcmp(p + NHDR, f, len);
}

static void test_net_config(void)
{
	static const u8 mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct v3_virtio_net n2;
	u8 mac[8];

	net_setup();
	CHECK(rd(VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_NET);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) ==
	      (BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |
	       BIT(VIRTIO_RING_F_EVENT_IDX)));
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == V3_VIRTQ_MAX_SIZE);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0);
	/* the MAC, byte by byte as Linux reads it; writes change nothing */
	memset(mac, 0xff, sizeof(mac));
	for (unsigned int i = 0; i < 6; i++)
		CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_CONFIG + i,
					&mac[i], 1, false) == 0);
	CHECK(!memcmp(mac, nic_mac, 6));
	mac[0] = 0;
	CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_CONFIG, mac, 1,
				true) == 0);
	CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_CONFIG, mac, 1,
				false) == 0 && mac[0] == 0x52);
	/* nothing past the MAC */
	CHECK(cfg64(0) == 0);
	/* a multicast MAC, a host that cannot attach: refused, nothing kept */
	CHECK(v3_virtio_net_init(&n2, vm, &tap, mcast, NET_BASE + 0x1000,
				 10) == -EINVAL);
	tap.attach_error = -EBADFD;
	CHECK(v3_virtio_net_init(&n2, vm, &tap, nic_mac, NET_BASE + 0x1000,
				 10) == -EBADFD);
	CHECK(!n2.iov && !n2.net && !n2.dev.lock);
	tap.attach_error = 0;
	net_teardown();
}

static void test_net_tx(void)
{
	u8 f[100];

	net_setup();
	driver_up_queues(F_V1, 2);
	/* a header and a frame of 100 bytes over two buffers */
	memset(ram + TXBUF, 0, NHDR);
	frame(f, sizeof(f), 9);
	memcpy(ram + TXBUF + NHDR, f, 40);
	memcpy(ram + TXBUF + 0x800, f + 40, 60);
	desc(QDESC(TXQ), 0, TXBUF, NHDR + 40, VRING_DESC_F_NEXT, 1);
	desc(QDESC(TXQ), 1, TXBUF + 0x800, 60, 0, 0);
	offer_q(TXQ, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(tap.nr_sent == 1 && tap.sent_len == 100 &&
	      !memcmp(tap.sent, f, 100));
	CHECK(get16(QUSED(TXQ) + 2) == 1 && used_len_q(TXQ, 0) == 0);
	CHECK(line());
	/* a frame the host refuses, one too long: dropped and given back */
	tap.error = -ENOBUFS;
	offer_q(TXQ, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	tap.error = 0;
	desc(QDESC(TXQ), 2, 0x100000, 0x10000 + NHDR, 0, 0);
	offer_q(TXQ, 2);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(tap.nr_sent == 1 && nic.tx_dropped == 2);
	CHECK(get16(QUSED(TXQ) + 2) == 3);
	/* 64 KiB less one is the longest frame */
	desc(QDESC(TXQ), 2, 0x100000, 0xffff + NHDR, 0, 0);
	offer_q(TXQ, 2);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(tap.nr_sent == 2 && tap.sent_len == 0xffff);
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* a chain shorter than the header is not a frame */
	desc(QDESC(TXQ), 3, TXBUF, NHDR - 1, 0, 0);
	offer_q(TXQ, 3);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(test_host_log_lines("a frame to send without its header") == 1);
	CHECK(tap.nr_sent == 2);
	net_teardown();
	/* the drops, counted, are logged once when the device goes */
	CHECK(test_host_log_lines("virtio-net: 2 frames of the guest dropped, 0 for it") == 1);
}

static void test_net_rx(void)
{
	u8 f1[60], f2[1514], f3[64], big[TEST_NET_FRAME];

	net_setup();
	frame(f1, sizeof(f1), 1);
	frame(f2, sizeof(f2), 2);
	frame(f3, sizeof(f3), 3);
	frame(big, sizeof(big), 4);
	/* a frame before the driver is ready waits in the host */
	CHECK(!test_net_arrive(&tap, f1, sizeof(f1)));
	CHECK(tap.nr_rx == 1);
	driver_up_queues(F_V1, 2);
	CHECK(tap.nr_rx == 1);
	/* buffers given: the waiting frame is delivered, with its header */
	rx_offer(0, NHDR + 1518);
	rx_offer(1, NHDR + 1518);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	CHECK(tap.nr_rx == 0 && get16(QUSED(RXQ) + 2) == 1);
	CHECK(used_len_q(RXQ, 0) == NHDR + sizeof(f1) && rx_holds(0, f1, sizeof(f1)));
	CHECK(line());
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* a frame arrives: the host's thread delivers it */
	CHECK(!test_net_arrive(&tap, f2, sizeof(f2)));
	CHECK(get16(QUSED(RXQ) + 2) == 2 && used_len_q(RXQ, 1) == NHDR + 1514);
	CHECK(rx_holds(1, f2, sizeof(f2)) && line());
	/* no buffer: it waits, until the driver gives one */
	CHECK(!test_net_arrive(&tap, f3, sizeof(f3)));
	CHECK(tap.nr_rx == 1 && get16(QUSED(RXQ) + 2) == 2);
	rx_offer(2, NHDR + 1518);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	CHECK(tap.nr_rx == 0 && rx_holds(2, f3, sizeof(f3)));
	/* too long for the buffer: dropped, the buffer kept for the next one */
	rx_offer(3, NHDR + 1518);
	CHECK(!test_net_arrive(&tap, big, sizeof(big)));
	CHECK(nic.rx_dropped == 1 && get16(QUSED(RXQ) + 2) == 3);
	CHECK(ram[RXBUF + 3 * 0x1000] == 0xee);
	CHECK(!test_net_arrive(&tap, f1, sizeof(f1)));
	CHECK(get16(QUSED(RXQ) + 2) == 4 && rx_holds(3, f1, sizeof(f1)));
	/* a buffer over two pieces, the header split */
	desc(QDESC(RXQ), 4, RXBUF + 4 * 0x1000, 5,
	     VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
	desc(QDESC(RXQ), 5, RXBUF + 4 * 0x1000 + 5, 2000, VRING_DESC_F_WRITE, 0);
	offer_q(RXQ, 4);
	CHECK(!test_net_arrive(&tap, f2, sizeof(f2)));
	CHECK(used_len_q(RXQ, 4) == NHDR + 1514 && rx_holds(4, f2, sizeof(f2)));
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* a readable receive buffer: the device needs a reset */
	desc(QDESC(RXQ), 6, RXBUF, 100, 0, 0);
	offer_q(RXQ, 6);
	CHECK(!test_net_arrive(&tap, f1, sizeof(f1)));
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(test_host_log_lines("a receive buffer that is not a header") == 1);
	CHECK(tap.nr_rx == 1);			/* the frame still waits */
	net_teardown();
}

/* A header with @flags and @gso, and the frame @f behind it, in @out */
static size_t hdr_frame(u8 *out, u8 flags, u8 gso, const u8 *f, size_t len)
{
	struct virtio_net_hdr_v1 h = { .flags = flags, .gso_type = gso,
				       .hdr_len = 54, .gso_size = 1448,
				       .csum_start = 34, .csum_offset = 16 };

	memcpy(out, &h, NHDR);
	memcpy(out + NHDR, f, len);
	return NHDR + len;
}

#define F_NET_OFFLOADS	(BIT_ULL(VIRTIO_NET_F_CSUM) |			\
			 BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) |		\
			 BIT_ULL(VIRTIO_NET_F_HOST_TSO4) |		\
			 BIT_ULL(VIRTIO_NET_F_GUEST_TSO4))

/* Send @len bytes at TXBUF (a header and a frame) as TX chain @i */
static void tx_send(unsigned int i, size_t len)
{
	desc(QDESC(TXQ), i, TXBUF, len, 0, 0);
	offer_q(TXQ, i);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
}

/*
 * Over a backend with headers: the offloads offered, the host told which
 * the driver accepts (none again after a reset), and each header passed
 * through both ways when it asks only for what the other side accepted;
 * else the frame is dropped and counted.
 */
static void test_net_offload(void)
{
	u8 f[1000], buf[NHDR + sizeof(f)];
	struct virtio_net_hdr_v1 h;
	size_t n;

	setup();
	memset(&tap, 0, sizeof(tap));
	tap.hdr_len = NHDR;
	tap.offloads = TUN_F_CSUM;		/* whatever the tap had */
	CHECK(v3_virtio_net_init(&nic, vm, &tap, nic_mac, NET_BASE,
				 NET_IRQ) == 0);
	dev = &nic.dev;
	base = NET_BASE;
	irq = NET_IRQ;
	CHECK(tap.offloads == 0 && tap.offload_calls == 1);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) ==
	      (BIT(VIRTIO_NET_F_MAC) | F_NET_OFFLOADS |
	       BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_RING_F_EVENT_IDX)));
	frame(f, sizeof(f), 5);
	/* a driver that takes every offload: the host may use them */
	driver_up_queues(F_V1 | F_NET_OFFLOADS, 2);
	CHECK(tap.offloads == (TUN_F_CSUM | TUN_F_TSO4));
	/* sent: the header as the guest wrote it (num_buffers 0), the frame */
	n = hdr_frame(ram + TXBUF, VIRTIO_NET_HDR_F_NEEDS_CSUM,
		      VIRTIO_NET_HDR_GSO_TCPV4, f, sizeof(f));
	tx_send(0, n);
	CHECK(tap.nr_sent == 1 && tap.sent_len == n);
	memcpy(&h, tap.sent, NHDR);
	CHECK(h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	      h.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && h.gso_size == 1448 &&
	      h.csum_start == 34 && h.csum_offset == 16 && !h.num_buffers);
	CHECK(!memcmp(tap.sent + NHDR, f, sizeof(f)));
	/* a segment offload the device does not know (UDP): dropped */
	tx_send(1, hdr_frame(ram + TXBUF, 0, VIRTIO_NET_HDR_GSO_UDP, f,
			     sizeof(f)));
	CHECK(tap.nr_sent == 1 && nic.tx_dropped == 1);
	/* received: the host's header, with num_buffers 1 */
	rx_offer(0, NHDR + 1518);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	n = hdr_frame(buf, VIRTIO_NET_HDR_F_NEEDS_CSUM,
		      VIRTIO_NET_HDR_GSO_TCPV4, f, sizeof(f));
	CHECK(!test_net_arrive(&tap, buf, n));
	CHECK(get16(QUSED(RXQ) + 2) == 1 && used_len_q(RXQ, 0) == n);
	memcpy(&h, ram + RXBUF, NHDR);
	CHECK(h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && h.num_buffers == 1 &&
	      h.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && h.gso_size == 1448);
	CHECK(!memcmp(ram + RXBUF + NHDR, f, sizeof(f)));
	/* a reset: the host is told none */
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(tap.offloads == 0);
	/* a driver that takes checksums only, not segments */
	driver_up_queues(F_V1 | BIT_ULL(VIRTIO_NET_F_CSUM) |
			 BIT_ULL(VIRTIO_NET_F_GUEST_CSUM), 2);
	CHECK(tap.offloads == TUN_F_CSUM);
	rx_offer(0, NHDR + 1518);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	/* a TCP segment for it, still in the host's queue: dropped, counted */
	CHECK(!test_net_arrive(&tap, buf, n));
	CHECK(get16(QUSED(RXQ) + 2) == 0 && nic.rx_dropped == 1);
	/* a partial checksum is delivered; so are its own segments refused */
	n = hdr_frame(buf, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, f, sizeof(f));
	CHECK(!test_net_arrive(&tap, buf, n));
	CHECK(get16(QUSED(RXQ) + 2) == 1 && used_len_q(RXQ, 0) == n);
	tx_send(0, hdr_frame(ram + TXBUF, VIRTIO_NET_HDR_F_NEEDS_CSUM,
			     VIRTIO_NET_HDR_GSO_TCPV4, f, sizeof(f)));
	CHECK(tap.nr_sent == 1 && nic.tx_dropped == 2);
	/* a driver that takes none: the host's "checksum valid" is dropped */
	driver_up_queues(F_V1, 2);
	CHECK(tap.offloads == 0);
	rx_offer(0, NHDR + 1518);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	n = hdr_frame(buf, VIRTIO_NET_HDR_F_DATA_VALID, 0, f, sizeof(f));
	CHECK(!test_net_arrive(&tap, buf, n));
	memcpy(&h, ram + RXBUF, NHDR);
	CHECK(get16(QUSED(RXQ) + 2) == 1 && !h.flags && h.num_buffers == 1);
	tx_send(0, hdr_frame(ram + TXBUF, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, f,
			     sizeof(f)));
	CHECK(tap.nr_sent == 1 && nic.tx_dropped == 3);
	tx_send(1, hdr_frame(ram + TXBUF, 0, 0, f, sizeof(f)));
	CHECK(tap.nr_sent == 2 && tap.sent_len == NHDR + sizeof(f));
	/* a host that refuses offloads: said once, frames come without */
	tap.offload_error = -EINVAL;
	driver_up_queues(F_V1 | F_NET_OFFLOADS, 2);
	CHECK(tap.offloads == 0 && nic.offloads == 0);
	CHECK(test_host_log_lines("the host refused offloads 0x3") == 1);
	tap.offload_error = 0;
	net_teardown();
	/* a backend without headers offers none (test_net_config) */
}

/*
 * A flood for the guest is a bounded amount of work each time: frames too
 * long for its buffers are dropped one weight at a time; frames that fit
 * stop at the weight, or when the buffers run out.
 */
static void test_net_flood(void)
{
	unsigned int i;

	net_setup();
	driver_up_queues(F_V1, 2);
	rx_offer(0, NHDR + 100);
	tap.flood = 200;
	CHECK(tap.ready(tap.priv));		/* again, please */
	CHECK(tap.floods == V3_VIRTQ_WEIGHT_CHAINS);
	CHECK(nic.rx_dropped == V3_VIRTQ_WEIGHT_CHAINS);
	CHECK(get16(QUSED(RXQ) + 2) == 0);
	/* the guest's notification too: replayed */
	CHECK(notify() == -EAGAIN);
	/* frames that fit: as many as there are buffers */
	tap.flood = 60;
	for (i = 1; i < NUM; i++)
		rx_offer(i, NHDR + 100);
	CHECK(!tap.ready(tap.priv));
	CHECK(get16(QUSED(RXQ) + 2) == NUM);
	CHECK(used_len_q(RXQ, NUM - 1) == NHDR + 60);
	tap.flood = 0;
	/* after a reset, nothing is delivered until the driver is ready */
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(!test_net_arrive(&tap, ram, 60) && tap.nr_rx == 1);
	net_teardown();
}

#define CON_BASE	V3_VIRTIO_CON_BASE
#define CON_IRQ		V3_VIRTIO_CON_IRQ

static struct v3_virtio_con con;
static struct v3_host_chan chan;

static void con_setup(void)
{
	setup();
	memset(&chan, 0, sizeof(chan));
	CHECK(v3_virtio_con_init(&con, vm, &chan, CON_BASE, CON_IRQ) == 0);
	CHECK(chan.attaches == 1 && chan.ready);
	dev = &con.dev;
	base = CON_BASE;
	irq = CON_IRQ;
}

static void con_teardown(void)
{
	v3_virtio_con_free(&con);
	v3_virtio_con_free(&con);	/* twice: the channel is put once */
	CHECK(chan.detaches == 1 && chan.puts == 1 && !chan.ready);
	dev = &vm->board->rng;
	base = BASE;
	irq = IRQ;
	teardown();
}

static void test_con_config(void)
{
	struct v3_virtio_con c2;

	con_setup();
	CHECK(rd(VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_CONSOLE);
	/* one port: neither multiport nor a size nor emergency writes */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) ==
	      (BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_RING_F_EVENT_IDX)));
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == V3_VIRTQ_MAX_SIZE);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0);
	/* a host that cannot attach: refused, nothing kept */
	chan.attach_error = -EBADFD;
	CHECK(v3_virtio_con_init(&c2, vm, &chan, CON_BASE + 0x1000, 9) ==
	      -EBADFD);
	CHECK(!c2.chan && !c2.dev.lock);
	chan.attach_error = 0;
	con_teardown();
}

/* Chain @i of the transmit queue: @len bytes of @f over two pieces */
static void con_tx_offer(unsigned int i, const u8 *f, u32 len)
{
	u32 first = len / 3;

	memcpy(ram + TXBUF + i * 0x1000, f, first);
	memcpy(ram + TXBUF + i * 0x1000 + 0x800, f + first, len - first);
	desc(QDESC(TXQ), 2 * i, TXBUF + i * 0x1000, first, VRING_DESC_F_NEXT,
	     2 * i + 1);
	desc(QDESC(TXQ), 2 * i + 1, TXBUF + i * 0x1000 + 0x800, len - first,
	     0, 0);
	offer_q(TXQ, 2 * i);
}

static void test_con_tx(void)
{
	u8 f[300];

	con_setup();
	driver_up_queues(F_V1, 2);
	frame(f, sizeof(f), 5);
	/* the guest's bytes go to the host, the chain back to the driver */
	con_tx_offer(0, f, 100);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(chan.out_len == 100 && !memcmp(chan.out, f, 100));
	CHECK(get16(QUSED(TXQ) + 2) == 1 && used_len_q(TXQ, 0) == 0);
	CHECK(line());
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* the host full after 150 of 300: the chain waits, then goes on */
	chan.out_room = 250;
	con_tx_offer(1, f, 300);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(chan.out_len == 250 && get16(QUSED(TXQ) + 2) == 1);
	CHECK(!line());
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN));
	CHECK(get16(QUSED(TXQ) + 2) == 1);	/* bytes in: not room */
	chan.out_room = 0;
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_OUT));
	CHECK(chan.out_len == 400 && !memcmp(chan.out + 100, f, 300));
	CHECK(get16(QUSED(TXQ) + 2) == 2 && line());
	/* the host's end gone: the bytes are lost, the chain given back */
	chan.out_error = -EPIPE;
	con_tx_offer(2, f, 77);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(get16(QUSED(TXQ) + 2) == 3 && con.tx_lost == 77);
	chan.out_error = 0;
	/* a reset forgets a half-sent chain */
	chan.out_room = 410;
	con_tx_offer(3, f, 20);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(chan.out_len == 410 && con.tx_off == 10);
	driver_up_queues(F_V1, 2);
	CHECK(con.tx_off == 0);
	chan.out_room = 0;
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* a buffer the device would write, in a chain to send */
	desc(QDESC(TXQ), 0, TXBUF, 10, VRING_DESC_F_WRITE, 0);
	offer_q(TXQ, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(test_host_log_lines("a buffer to send that the device would write") == 1);
	CHECK(chan.out_len == 410);
	con_teardown();
	CHECK(test_host_log_lines("virtio-console: 77 bytes of the guest lost") == 1);
}

/*
 * One chain can cover the guest's RAM, here four descriptors over the same
 * 256 KiB: a notification takes %V3_VIRTQ_WEIGHT_BYTES of it and is
 * replayed for the rest.
 */
static void test_con_tx_weight(void)
{
	const u32 piece = 256 * 1024;
	u32 v = TXQ;
	unsigned int i;

	con_setup();
	driver_up_queues(F_V1, 2);
	for (i = 0; i < piece; i++)
		ram[0x80000 + i] = i * 7;
	for (i = 0; i < 4; i++)
		desc(QDESC(TXQ), i, 0x80000, piece, i < 3 ? VRING_DESC_F_NEXT : 0,
		     i + 1);
	offer_q(TXQ, 0);
	CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_QUEUE_NOTIFY, &v,
				4, true) == -EAGAIN);
	CHECK(chan.out_len == V3_VIRTQ_WEIGHT_BYTES);
	CHECK(con.tx_off == V3_VIRTQ_WEIGHT_BYTES);
	CHECK(get16(QUSED(TXQ) + 2) == 0 && !line());
	CHECK(v3_range_dispatch(&vm->mmio, base + VIRTIO_MMIO_QUEUE_NOTIFY, &v,
				4, true) == 0);
	CHECK(chan.out_len == 4 * piece && con.tx_off == 0);
	CHECK(get16(QUSED(TXQ) + 2) == 1 && line());
	for (i = 0; i < 4; i++)
		CHECK(!memcmp(chan.out + i * piece, ram + 0x80000, piece));
	con_teardown();
}

/* Offer console receive buffer @i of @len bytes */
static void con_rx_offer(unsigned int i, u32 len)
{
	memset(ram + RXBUF + i * 0x1000, 0xee, 0x1000);
	desc(QDESC(RXQ), i, RXBUF + i * 0x1000, len, VRING_DESC_F_WRITE, 0);
	offer_q(RXQ, i);
}

static void test_con_rx(void)
{
	con_setup();
	frame(chan.in, sizeof(chan.in), 7);
	/* bytes before the driver is ready wait in the host */
	chan.in_len = 100;
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN));
	CHECK(chan.in_off == 0);
	driver_up_queues(F_V1, 2);
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN) && chan.in_off == 0);
	/* DRIVER_OK has the host serve the queues: what waits is not forgotten */
	CHECK(chan.wakes == 1);
	/* buffers given: filled with what waits, and no more */
	con_rx_offer(0, 64);
	con_rx_offer(1, 64);
	con_rx_offer(2, 64);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	CHECK(get16(QUSED(RXQ) + 2) == 2 && chan.in_off == 100);
	CHECK(used_len_q(RXQ, 0) == 64 && used_len_q(RXQ, 1) == 36);
	CHECK(!memcmp(ram + RXBUF, chan.in, 64) &&
	      !memcmp(ram + RXBUF + 0x1000, chan.in + 64, 36));
	CHECK(ram[RXBUF + 0x1000 + 36] == 0xee && line());
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* more bytes: the host's thread delivers them into the buffer left */
	chan.in_len = 130;
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN));
	CHECK(get16(QUSED(RXQ) + 2) == 3 && used_len_q(RXQ, 2) == 30);
	CHECK(!memcmp(ram + RXBUF + 0x2000, chan.in + 100, 30) && line());
	/* no buffer: they wait, until the driver gives one */
	chan.in_len = 140;
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN) && chan.in_off == 130);
	/* a buffer over two pieces */
	desc(QDESC(RXQ), 3, RXBUF + 0x3000, 4,
	     VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 4);
	desc(QDESC(RXQ), 4, RXBUF + 0x3100, 100, VRING_DESC_F_WRITE, 0);
	offer_q(RXQ, 3);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	CHECK(get16(QUSED(RXQ) + 2) == 4 && used_len_q(RXQ, 3) == 10);
	CHECK(!memcmp(ram + RXBUF + 0x3000, chan.in + 130, 4) &&
	      !memcmp(ram + RXBUF + 0x3100, chan.in + 134, 6));
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* a readable receive buffer: the device needs a reset */
	chan.in_len = 150;
	desc(QDESC(RXQ), 5, RXBUF, 100, 0, 0);
	offer_q(RXQ, 5);
	CHECK(!test_chan_ready(&chan, V3_HOST_CHAN_IN));
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(test_host_log_lines("a receive buffer the device cannot write") == 1);
	CHECK(chan.in_off == 140);		/* the bytes still wait */
	con_teardown();
}

static const struct test_case virtio_cases[] = {
	{ "registers", test_registers },
	{ "negotiation", test_negotiation },
	{ "rng", test_rng },
	{ "weight", test_weight },
	{ "indirect", test_indirect },
	{ "event_idx", test_event_idx },
	{ "hostile", test_hostile },
	{ "bad_rings", test_bad_rings },
	{ "reset_mid_request", test_reset_mid_request },
	{ "blk_config", test_blk_config },
	{ "blk_rw", test_blk_rw },
	{ "blk_errors", test_blk_errors },
	{ "blk_indirect", test_blk_indirect },
	{ "net_config", test_net_config },
	{ "net_tx", test_net_tx },
	{ "net_rx", test_net_rx },
	{ "net_offload", test_net_offload },
	{ "net_flood", test_net_flood },
	{ "con_config", test_con_config },
	{ "con_tx", test_con_tx },
	{ "con_tx_weight", test_con_tx_weight },
	{ "con_rx", test_con_rx },
};

const struct test_suite virtio_suite = {
	"virtio", virtio_cases, ARRAY_SIZE(virtio_cases)
};
