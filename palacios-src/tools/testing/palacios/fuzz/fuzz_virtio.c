// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the virtio-mmio transport and its split queues: a
 * hostile driver.  The input is a program of register accesses, writes of
 * guest memory (where the rings and descriptors are) and notifications,
 * run against the entropy device.  The sanitizers catch any access of the
 * host outside what it owns; the harness checks that the interrupt line
 * follows the interrupt status, that used entries name heads inside the
 * queue and that a device that needs a reset serves nothing.
 *
 * A program whose first byte is odd drives the network device instead,
 * for which frames also arrive from the host, one or a flood at a time;
 * over a backend with virtio-net headers (offloads) if its bit 1 is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_mmio.h>
#include <uapi/linux/virtio_net.h>

#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/mem.h>
#include <palacios/virtio.h>

#include "../test_host.h"

/* The Makefile names this LLVMFuzzerTestOneInput, libFuzzer's entry */
int fuzz_one_input(const u8 *data, size_t size);

#define MEM		(2ULL << 20)
#define AREA		0x10000ULL	/* where the program writes memory */
#define AREA_SIZE	0x10000ULL

static bool line;

/* The board's routing, as the device sees it: the level of its line. */
void v3_vm_set_irq(struct v3_vm *vm, unsigned int irq, bool level)
{
	line = level;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_virtio: %s\n", what);
		abort();
	}
}

static u32 take(const u8 **p, const u8 *end, unsigned int n)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < n && *p < end; i++, (*p)++)
		v |= (u32)**p << (8 * i);
	return v;
}

/* The network device, on the test host's backend */
static struct v3_virtio_net nic;
static struct v3_host_net tap;

static struct v3_virtio *nic_up(struct v3_vm *vm, bool hdr)
{
	static const u8 mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };

	memset(&tap, 0, sizeof(tap));
	tap.hdr_len = hdr ? sizeof(struct virtio_net_hdr_v1) : 0;
	if (v3_virtio_net_init(&nic, vm, &tap, mac, V3_VIRTIO_MMIO_BASE, 12))
		abort();
	return &nic.dev;
}

/* Frames arrive for the guest: one of @len bytes, or a flood of them */
static void nic_arrive(u32 len, bool flood)
{
	static u8 frame[TEST_NET_FRAME];

	memset(frame, (u8)len, sizeof(frame));
	tap.flood = flood ? len % 2048 + 1 : 0;
	test_net_arrive(&tap, frame, len % sizeof(frame) + 1);
	tap.flood = 0;
}

static void nic_down(void)
{
	v3_virtio_net_free(&nic);
	check(tap.puts == 1 && tap.detaches == 1,
	      "the network backend was not given back once");
}

int fuzz_one_input(const u8 *data, size_t size)
{
	static struct v3_vm *vm;
	static struct v3_virtio rng;
	static struct v3_virtq_chain chain;
	const u8 *p = data, *end = data + size;
	struct v3_virtio *dev = &rng;
	bool net = size && (data[0] & 1);
	u8 *ram;

	if (!vm) {
		vm = calloc(1, sizeof(*vm));
		snprintf(vm->name, sizeof(vm->name), "fuzz");
		if (v3_mem_map_init(&vm->mem, MEM))
			abort();
		v3_mmio_map_init(&vm->mmio);
	}
	ram = v3_gpa_to_hva(&vm->mem, AREA, AREA_SIZE);
	check(ram, "no guest RAM");
	memset(ram, 0, AREA_SIZE);
	line = false;
	if (net)
		dev = nic_up(vm, data[0] & 2);
	else if (v3_virtio_init(dev, vm, &v3_virtio_rng_ops, &chain,
				V3_VIRTIO_MMIO_BASE, 12))
		abort();

	while (p < end) {
		u8 op = take(&p, end, 1);
		u32 off, val;
		int ret;

		switch (op % 5) {
		case 0:		/* a register write */
		case 1:
			off = take(&p, end, 1) * 4;
			val = take(&p, end, 4);
			/* addresses mostly inside the area, where the rings are */
			if ((off >= VIRTIO_MMIO_QUEUE_DESC_LOW &&
			     off <= VIRTIO_MMIO_QUEUE_USED_HIGH) && !(op & 0x80))
				val = (off & 4) ? 0 : AREA + (val % AREA_SIZE);
			ret = v3_range_dispatch(&vm->mmio,
						V3_VIRTIO_MMIO_BASE + off, &val,
						4, true);
			check(!ret || (ret == -EAGAIN &&
				       off == VIRTIO_MMIO_QUEUE_NOTIFY),
			      "a write failed, or asked to be replayed but by a notification");
			break;
		case 2:		/* a write of guest memory */
			off = take(&p, end, 2) % AREA_SIZE;
			val = take(&p, end, 1) % 16 + 1;
			while (val-- && off < AREA_SIZE && p < end)
				ram[off++] = take(&p, end, 1);
			break;
		case 3:		/* a read: the status, the line */
			off = take(&p, end, 1) * 4;
			v3_range_dispatch(&vm->mmio, V3_VIRTIO_MMIO_BASE + off,
					  &val, 4, false);
			break;
		case 4:		/* frames arrive */
			val = take(&p, end, 2);
			if (net)
				nic_arrive(val, op & 0x80);
			break;
		}
		check(line == (dev->isr != 0),
		      "the line does not follow the interrupt status");
		if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
			check(v3_virtq_pop(dev, 0, &chain) == 0,
			      "a device that needs a reset served a chain");
	}
	v3_virtio_free(dev);
	if (net)
		nic_down();
	return 0;
}
