// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtioblk: a virtio block driver of its own on the VM's first disk (the
 * window after the entropy device's): it negotiates, sets a queue up, reads
 * sector 0 (which the host filled with "PALACIOS-DISK"), writes sector 1
 * ("WRITTEN-BY-GUEST", unless the disk is read-only, which must refuse it),
 * flushes, reads sector 1 back, asks for the serial and reads past the end.
 * It polls the used ring: the device answers a notification before the
 * guest's write that made it completes.
 */
#include "lib.h"

GUEST_NAME("virtioblk");

#define DEV		0xd0001000ULL
#define NUM		8
#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8
#define F_RO		5

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct hdr {
	u32 type;
	u32 ioprio;
	u64 sector;
};

/*
 * The device writes the used ring, the data and the status during the
 * guest's write to QueueNotify, an asm with a "memory" clobber: the
 * compiler reads them again after it.
 */
static u8 pool[1024];
static struct desc *descs;	/* 16-byte aligned, in pool */
static u16 *avail;		/* 2-byte aligned */
static u32 *used;		/* 4-byte aligned */
static struct hdr req_hdr;
static u8 data[512];
static u8 status;
static int fails;

static int same(const u8 *a, const char *b, unsigned int n)
{
	while (n--)
		if (*a++ != (u8)*b++)
			return 0;
	return 1;
}

static u32 rd(u32 off)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(DEV + off) : "memory");
	return v;
}

static void wr(u32 off, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(DEV + off) : "memory");
}

static void check(int ok, const char *what)
{
	if (!ok) {
		gprintf("virtioblk: FAIL %s\n", what);
		fails++;
	}
}

/* One request of @type at @sector on @len bytes of data; its status */
static int request(u32 type, u64 sector, u32 len, int out)
{
	u16 idx = avail[1], before = (u16)(used[0] >> 16);
	int i;

	req_hdr.type = type;
	req_hdr.ioprio = 0;
	req_hdr.sector = sector;
	status = 0xee;
	descs[0] = (struct desc){ (u64)&req_hdr, 16, 1, 1 };
	descs[1] = (struct desc){ (u64)data, len, out ? 1 : 3, 2 };
	descs[2] = (struct desc){ (u64)&status, 1, 2, 0 };
	if (!len)
		descs[0].next = 2;
	avail[2 + idx % NUM] = 0;
	asm volatile("" : : : "memory");
	avail[1] = idx + 1;
	wr(0x050, 0);				/* QueueNotify */
	for (i = 0; i < 1000 && (u16)(used[0] >> 16) == before; i++)
		asm volatile("pause" : : : "memory");
	if ((u16)(used[0] >> 16) == (u16)(before + 1))
		return status;
	return -1;
}

int guest_main(u64 mem_size)
{
	u32 features;
	int ro;
	int st;

	descs = (struct desc *)(((u64)pool + 15) & ~15ULL);
	avail = (u16 *)(descs + NUM);
	used = (u32 *)((u8 *)descs + 256);
	if (rd(0x000) != 0x74726976 || rd(0x004) != 2 || rd(0x008) != 2) {
		gprintf("virtioblk: FAIL no virtio block device at 0x%llx\n",
			DEV);
		return 1;
	}
	wr(0x070, 0);
	wr(0x070, 1 | 2);
	wr(0x014, 0);
	features = rd(0x010);
	ro = !!(features & (1U << F_RO));
	wr(0x024, 0);
	wr(0x020, features & (1U << F_RO));
	wr(0x024, 1);
	wr(0x020, 1);				/* VERSION_1 */
	wr(0x070, 1 | 2 | 8);
	check(rd(0x070) & 8, "FEATURES_OK");
	wr(0x030, 0);
	check(rd(0x034) >= NUM, "queue size");
	wr(0x038, NUM);
	wr(0x080, (u32)(u64)descs);
	wr(0x084, 0);
	wr(0x090, (u32)(u64)avail);
	wr(0x094, 0);
	wr(0x0a0, (u32)(u64)used);
	wr(0x0a4, 0);
	wr(0x044, 1);
	wr(0x070, 1 | 2 | 8 | 4);
	check(rd(0x070) == (1 | 2 | 8 | 4), "DRIVER_OK");
	gprintf("virtioblk: %u sectors%s\n", rd(0x100), ro ? ", read-only" : "");

	st = request(T_IN, 0, 512, 0);
	check(st == 0, "read sector 0");
	check(same(data, "PALACIOS-DISK", 13), "sector 0's bytes");
	memset(data, 0, sizeof(data));
	memcpy(data, "WRITTEN-BY-GUEST", 16);
	st = request(T_OUT, 1, 512, 1);
	if (ro) {
		check(st == 1, "a write to a read-only disk fails");
	} else {
		check(st == 0, "write sector 1");
		check(request(T_FLUSH, 0, 0, 0) == 0, "flush");
	}
	memset(data, 0, sizeof(data));
	check(request(T_IN, 1, 512, 0) == 0, "read sector 1");
	check(ro != same(data, "WRITTEN-BY-GUEST", 16),
	      "sector 1 as written");
	memset(data, 0, sizeof(data));
	check(request(T_GET_ID, 0, 20, 0) == 0 &&
	      same(data, "palacios-0", 11), "serial");
	check(request(T_IN, rd(0x100), 512, 0) == 1, "read past the end");
	check(rd(0x070) == (1 | 2 | 8 | 4), "no reset needed");
	if (fails)
		return 1;
	gprintf("virtioblk: PASS\n");
	return 0;
}
