// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded, deterministic fuzzer of the Palacios user-space interface
 * (include/uapi/linux/palacios.h, Documentation/virt/palacios/api.rst).
 *
 *	palacios_fuzz [-s SEED] [-n CALLS] [-r ROUNDS]
 *
 * makes CALLS (default 10000) calls, chosen by a xorshift generator seeded
 * with SEED (default 1): the Palacios ioctls with random or nearly valid
 * arguments on /dev/palacios, VM, console and bogus descriptors, ioctls of
 * random numbers of the Palacios type, console reads, writes and polls, and
 * closes and reopens.  Every pointer it passes is to a buffer of its own big
 * enough for the call, or is plainly invalid.
 *
 * Then ROUNDS (default 10) rounds of races: a running VM, persistent or
 * not, that RACE_THREADS threads pause, resume, stop, free, open by name,
 * list, read, write and poll the consoles of, and close, all at once, while
 * a child process that took the VM's descriptor from the fuzzer with
 * pidfd_getfd() uses and closes it.  Those calls are counted too; their interleaving is
 * the scheduler's, not the seed's.
 *
 * Then it frees every VM it made, and checks that no VM is left, that the
 * host got every page back, that a guest still runs and that the kernel
 * was not tainted.
 *
 * Needs root, the palacios module loaded and the test guests hello.img and
 * vmmcall-loop.img in $PALACIOS_GUESTS (default /guests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/palacios.h>

#include "kselftest.h"
#include "palacios_util.h"

#define PALACIOS_DEV	"/dev/palacios"
#define SZ_2M		0x200000ULL
#define SZ_16M		0x1000000ULL
#define SZ_60G		(60 * 0x40000000ULL)
#define KERNEL_ADDR	0xffff800000000000ULL
#define NR_SLOTS	8		/* VM and console descriptors kept */
#define MAX_NAMES	4096		/* names of the VMs made */
#define MAX_PERSISTENT	4		/* persistent VMs alive at once */
#define MAX_RUNNING	3		/* running VMs: the host has few CPUs */
#define MAX_VM_BYTES	(256 * 0x100000ULL)	/* guest memory, in all */
#define MAX_ERRNO	134
#define WAIT_MS		20000
#define GONE_MS		10000
#define CLOSED_FD	1000		/* kept closed */
#define HELLO_PASS	"hello: PASS"
#define RACE_THREADS	4
#define RACE_OPS	300		/* calls per thread and round */

struct image {
	unsigned char *data;
	size_t size;
};

struct slot {
	int fd;				/* -1: free */
	char name[PALACIOS_NAME_LEN];	/* its VM's */
};

static __thread __u64 rng_state;	/* per thread: each its own sequence */
static int dev = -1, devnull = -1;
static struct slot vms[NR_SLOTS], cons[NR_SLOTS];
static char names[MAX_NAMES][PALACIOS_NAME_LEN];
static bool persistent[MAX_NAMES];	/* made persistent, not yet freed */
static int nr_names, nr_made;
static struct image hello, loop, garbage, junk;
static int disk_fd = -1;	/* a scratch file of 64 sectors, for disks */
static void *bogus[5];
static unsigned char argbuf[16384];	/* for ioctls of random numbers */
static unsigned char iobuf[4096];
static char cmdbuf[PALACIOS_CMDLINE_MAX + 2];	/* for LOAD_CMDLINE */
static struct palacios_vm_info listbuf[PALACIOS_MAX_VMS];
/* What the calls answered, shared with the race phase's child processes */
static struct counts {
	unsigned long results[MAX_ERRNO + 2];	/* [0]: success */
	unsigned long undocumented;
	unsigned long calls;
} *cnt;
static __u64 base_pages;
static unsigned long seed = 1;

static const unsigned long known[] = {
	PALACIOS_GET_API_VERSION, PALACIOS_CREATE_VM, PALACIOS_OPEN_VM,
	PALACIOS_LIST_VMS, PALACIOS_GET_HOST_INFO, PALACIOS_VM_CONFIGURE,
	PALACIOS_VM_LOAD, PALACIOS_VM_LAUNCH, PALACIOS_VM_PAUSE,
	PALACIOS_VM_RESUME, PALACIOS_VM_STOP, PALACIOS_VM_FREE,
	PALACIOS_VM_GET_INFO, PALACIOS_VM_GET_STATS, PALACIOS_VM_GET_CONSOLE,
	PALACIOS_VM_SET_AFFINITY,
	PALACIOS_VM_PASSTHROUGH,
	PALACIOS_VM_ADD_DISK,
	PALACIOS_VM_ADD_NIC,
	PALACIOS_VM_ADD_CHANNEL,
};

/* xorshift64* */
static __u64 rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* 0 to n - 1 */
static __u32 rnd(__u32 n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

static void fill(void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = rnd64() >> 56;
}

static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} tab[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ ESRCH, "ESRCH" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
		{ EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { EIO, "EIO" },
		{ EOVERFLOW, "EOVERFLOW" }, { E2BIG, "E2BIG" }, { ENXIO, "ENXIO" },
	};
	static char other[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (tab[i].e == e)
			return tab[i].name;
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

/*
 * What the interface may answer: api.rst, and EBADF for a bad descriptor.
 * A LOAD of any kind: 0, EINVAL, EBUSY, EFAULT, ENOEXEC, ENOMEM, ENODEV.
 */
static bool documented(int e)
{
	switch (e) {
	case ENOTTY: case EFAULT: case EINVAL: case EBUSY: case ENODEV:
	case ENOMEM: case EEXIST: case ENOSPC: case ENOENT: case ENOEXEC:
	case EAGAIN: case EPIPE: case EBADF: case EPERM:
		return true;
	}
	return false;
}

/* Counts a call's result: @ret >= 0, or -errno */
static void account(int ret, const char *what, unsigned long req)
{
	int e = ret < 0 ? -ret : 0;

	__atomic_add_fetch(&cnt->calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cnt->results[e > MAX_ERRNO ? MAX_ERRNO + 1 : e], 1,
			   __ATOMIC_RELAXED);
	if (e && !documented(e) &&
	    __atomic_fetch_add(&cnt->undocumented, 1, __ATOMIC_RELAXED) < 10)
		ksft_print_msg("%s 0x%lx: %s\n", what, req, errno_name(e));
}

static int name_index(const char *name)
{
	int i;

	for (i = 0; i < nr_names; i++)
		if (!strncmp(names[i], name, PALACIOS_NAME_LEN))
			return i;
	return -1;
}

static int nr_persistent(void)
{
	int i, n = 0;

	for (i = 0; i < nr_names; i++)
		n += persistent[i];
	return n;
}

static int open_vm(const char *name)
{
	struct palacios_open_vm o;

	set_name(o.name, name);
	return pio(dev, PALACIOS_OPEN_VM, &o);
}

/* Bookkeeping, not counted: frees the VM of that name */
static void free_by_name(const char *name)
{
	int i = name_index(name), vm = open_vm(name);

	if (vm >= 0) {
		pio(vm, PALACIOS_VM_FREE, NULL);
		close(vm);
	}
	if (i >= 0)
		persistent[i] = false;
}

static int list_vms(void)
{
	struct palacios_vm_list l = {
		.nr = PALACIOS_MAX_VMS,
		.vms = (uintptr_t)listbuf,
	};
	int ret = pio(dev, PALACIOS_LIST_VMS, &l);

	if (ret)
		return ret;
	return l.nr < PALACIOS_MAX_VMS ? l.nr : PALACIOS_MAX_VMS;
}

static int host_info(struct palacios_host_info *hi)
{
	memset(hi, 0, sizeof(*hi));
	return pio(dev, PALACIOS_GET_HOST_INFO, hi);
}

/*
 * Bookkeeping, not counted: keeps the host usable by stopping VMs past
 * MAX_RUNNING and freeing the biggest past MAX_VM_BYTES of guest memory.
 */
static void govern(void)
{
	int i, n, vm, running = 0, big;
	__u64 bytes = 0;

	n = list_vms();
	for (i = 0; i < n; i++) {
		if (name_index(listbuf[i].name) < 0)
			continue;
		bytes += listbuf[i].mem_size;
		if (listbuf[i].state != PALACIOS_STATE_RUNNING &&
		    listbuf[i].state != PALACIOS_STATE_PAUSED)
			continue;
		if (++running <= MAX_RUNNING)
			continue;
		vm = open_vm(listbuf[i].name);
		if (vm >= 0) {
			pio(vm, PALACIOS_VM_STOP, NULL);
			close(vm);
		}
	}
	while (bytes > MAX_VM_BYTES) {
		big = -1;
		for (i = 0; i < n; i++)
			if (name_index(listbuf[i].name) >= 0 &&
			    (big < 0 || listbuf[i].mem_size > listbuf[big].mem_size))
				big = i;
		if (big < 0 || !listbuf[big].mem_size)
			break;
		bytes -= listbuf[big].mem_size;
		free_by_name(listbuf[big].name);
		listbuf[big].mem_size = 0;
	}
}

static void close_slot(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Keeps @fd in @tab, closing a random one if it is full */
static void keep(struct slot *tab, int fd, const char *name)
{
	int i;

	for (i = 0; i < NR_SLOTS && tab[i].fd >= 0; i++)
		;
	if (i == NR_SLOTS) {
		i = rnd(NR_SLOTS);
		close_slot(&tab[i]);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	tab[i].fd = fd;
	set_name(tab[i].name, name);
}

/* One of the descriptors kept in @tab, or NULL if there is none */
static struct slot *pick_slot(struct slot *tab)
{
	int i, n = 0, pick[NR_SLOTS];

	for (i = 0; i < NR_SLOTS; i++)
		if (tab[i].fd >= 0)
			pick[n++] = i;
	return n ? &tab[pick[rnd(n)]] : NULL;
}

/* A new VM descriptor: learns its name, keeps track of it */
static void new_vm_fd(int fd)
{
	struct palacios_vm_info info;
	int i;

	memset(&info, 0, sizeof(info));
	if (pio(fd, PALACIOS_VM_GET_INFO, &info)) {
		close(fd);
		return;
	}
	i = name_index(info.name);
	if (i < 0 && nr_names < MAX_NAMES) {
		i = nr_names++;
		set_name(names[i], info.name);
	}
	if (info.flags & PALACIOS_VM_PERSISTENT) {
		if (i < 0) {	/* no room to remember it */
			pio(fd, PALACIOS_VM_FREE, NULL);
			close(fd);
			return;
		}
		persistent[i] = true;
	}
	keep(vms, fd, info.name);
}

enum target { T_DEV, T_VM, T_CON, T_BOGUS };

/* A descriptor: of kind @natural mostly, else of any kind */
static int pick_fd(enum target natural, enum target *kind)
{
	static const int bad[] = { -1, CLOSED_FD, INT_MAX };
	struct slot *s = NULL;

	*kind = chance(85) ? natural : (enum target)rnd(4);
	if (*kind == T_VM)
		s = pick_slot(vms);
	else if (*kind == T_CON)
		s = pick_slot(cons);
	if (s)
		return s->fd;
	if (*kind == T_DEV || *kind == natural)
		*kind = T_DEV;	/* no such descriptor kept yet */
	else
		*kind = T_BOGUS;
	if (*kind == T_DEV)
		return dev;
	return chance(50) ? devnull : bad[rnd(ARRAY_SIZE(bad))];
}

/* A pointer nothing can be read or written at */
static void *bad_ptr(void)
{
	return bogus[rnd(ARRAY_SIZE(bogus))];
}

/* @buf, or now and then a bad pointer */
static const void *ptr(const void *buf)
{
	return chance(95) ? buf : bad_ptr();
}

/* A name the host takes: fresh, empty ("vmN"), or one seen (EEXIST) */
static void fuzz_name_valid(char *name)
{
	char tmp[48];

	memset(name, 0, PALACIOS_NAME_LEN);
	if (chance(15))
		return;
	if (chance(10) && nr_names) {
		set_name(name, names[rnd(nr_names)]);
		return;
	}
	snprintf(tmp, sizeof(tmp), "fz%lu-%d", seed % 100000, nr_made++);
	set_name(name, tmp);
}

/* Any name: mostly one the host refuses */
static void fuzz_name(char *name)
{
	static const char *const bad[] = {
		"a b", "x/y", "tab\t", "a:b", "\xff\xfe", "dots..ok?",
	};

	memset(name, 0, PALACIOS_NAME_LEN);
	switch (rnd(6)) {
	case 0:
		fill(name, PALACIOS_NAME_LEN);
		break;
	case 1:
		set_name(name, bad[rnd(ARRAY_SIZE(bad))]);
		break;
	case 2:
		memset(name, 'z', PALACIOS_NAME_LEN);	/* no NUL */
		break;
	case 3:
		fill(name, PALACIOS_NAME_LEN - 1);
		break;
	default:
		fuzz_name_valid(name);
		break;
	}
}

/* Arguments start valid; half of them then get one field spoilt */
static bool spoil(void)
{
	return chance(50);
}

static void fuzz_create(struct palacios_create_vm *c)
{
	c->flags = chance(80) ? 0 : PALACIOS_VM_PERSISTENT;
	if (c->flags && nr_persistent() >= MAX_PERSISTENT)
		c->flags = 0;
	if (chance(10)) {
		fuzz_name(c->name);	/* maybe a bad one */
		return;
	}
	fuzz_name_valid(c->name);
	if (!spoil())
		return;
	switch (rnd(3)) {
	case 0:
		fuzz_name(c->name);
		break;
	case 1:
		c->flags = chance(50) ? 1U << (1 + rnd(31)) : (__u32)rnd64() | 2;
		break;
	default:
		c->reserved = 1 + rnd(~0U);
		break;
	}
}

static void fuzz_config(struct palacios_vm_config *cfg)
{
	static const __u64 mem[] = {
		0, 1, SZ_2M, 2 * SZ_2M, SZ_16M, SZ_16M + 4096, SZ_60G, ~0ULL,
	};
	static const __u32 vcpus[] = { 0, 1, 2, 64, 65 };

	cfg->mem_size = chance(50) ? SZ_16M : SZ_2M * (1 + rnd(32));
	cfg->nr_vcpus = chance(80) ? 1 : 2;
	if (!spoil())
		return;
	switch (rnd(3)) {
	case 0:
		cfg->mem_size = mem[rnd(ARRAY_SIZE(mem))];
		break;
	case 1:
		cfg->nr_vcpus = chance(80) ? vcpus[rnd(ARRAY_SIZE(vcpus))] :
					     (__u32)rnd64();
		break;
	default:
		cfg->reserved = 1 + rnd(~0U);
		break;
	}
}

/* A short random command line in cmdbuf, with 'x' up to its end */
static void fuzz_cmdline(struct palacios_vm_load *ld)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789=,._- ";
	size_t i, n = 1 + rnd(64);

	memset(cmdbuf, 'x', sizeof(cmdbuf));
	for (i = 0; i < n; i++)
		cmdbuf[i] = chars[rnd(sizeof(chars) - 1)];
	ld->addr = (uintptr_t)cmdbuf;
	ld->size = n;
}

/*
 * A load of any kind: an image; random bytes (or an image) as a kernel,
 * which is never a bzImage, or as an initrd; a short command line.
 */
static void fuzz_load(struct palacios_vm_load *ld)
{
	const struct image *img = chance(50) ? &hello : &loop;
	__u64 max = PALACIOS_IMAGE_MAX;
	size_t room;			/* the bytes readable at addr */

	if (!img->data)
		img = &junk;
	ld->kind = chance(55) ? PALACIOS_LOAD_IMAGE : 1 + rnd(3);
	switch (ld->kind) {
	case PALACIOS_LOAD_CMDLINE:
		max = PALACIOS_CMDLINE_MAX;
		fuzz_cmdline(ld);
		room = sizeof(cmdbuf);
		break;
	case PALACIOS_LOAD_INITRD:
	case PALACIOS_LOAD_KERNEL:
		if (ld->kind == PALACIOS_LOAD_INITRD)
			max = PALACIOS_INITRD_MAX;
		if (chance(70))
			img = &junk;
		ld->addr = (uintptr_t)img->data;
		ld->size = chance(50) ? img->size : 1 + rnd(img->size);
		room = img->size;
		break;
	default:
		ld->addr = (uintptr_t)img->data;
		ld->size = img->size;
		room = img->size;
		break;
	}
	if (!spoil())
		return;
	switch (rnd(8)) {
	case 0:
		ld->kind = chance(50) ? PALACIOS_LOAD_CMDLINE + 1 + rnd(16) :
			   PALACIOS_LOAD_CMDLINE + 1 +
			   rnd(~0U - PALACIOS_LOAD_CMDLINE);
		break;
	case 1:
		ld->reserved = 1 + rnd(~0U);
		break;
	case 2:
		img = garbage.data && chance(30) ? &garbage : &junk;
		ld->addr = (uintptr_t)img->data;
		ld->size = 1 + rnd(img->size);
		break;
	case 3:
		ld->addr = (uintptr_t)bad_ptr();
		break;
	case 4:
		/* data of one kind loaded as another */
		ld->kind = rnd(4);
		break;
	case 5:
		/* a command line with a NUL in it */
		fuzz_cmdline(ld);
		ld->kind = PALACIOS_LOAD_CMDLINE;
		cmdbuf[rnd(ld->size)] = '\0';
		break;
	default:
		switch (rnd(6)) {
		case 0:
			ld->size = 0;
			break;
		case 1:
			ld->size = max + 1;
			break;
		case 2:
			ld->size = max;
			break;
		case 3:
			ld->size = chance(50) ? ~0ULL : 1ULL << 32;
			break;
		default:
			ld->size = 1 + rnd(room);	/* cut short */
			break;
		}
		break;
	}
	/* never more than 64 MiB at a buffer of ours */
	if (ld->size > PALACIOS_IMAGE_MAX)
		ld->addr = (uintptr_t)bad_ptr();
}

/* Host ports and an interrupt for a guest, nearly valid */
static void fuzz_passthrough(struct palacios_passthrough *pt)
{
	/*
	 * Ports no host driver of the test machine holds (COM2 to COM4
	 * have no device there) or any, lines of the PIC, interrupts free
	 * or the host's: the guests the fuzzer runs touch none of them.
	 */
	static const __u32 ports[] = { 0x2f8, 0x3e8, 0x2e8, 0x60, 0x40 };
	static const __u32 irqs[] = { 3, 5, 7, 10, 11, 4, 0, 1 };

	pt->port_first = chance(80) ? ports[rnd(ARRAY_SIZE(ports))] :
				      rnd(0x10001);
	pt->port_count = chance(70) ? 8 : chance(50) ? rnd(0x10002) : 0;
	if (chance(50)) {
		pt->flags = PALACIOS_PT_IRQ;
		pt->irq = chance(90) ? irqs[rnd(ARRAY_SIZE(irqs))] : rnd64();
		pt->line = chance(80) ? pt->irq : rnd(20);
	}
	if (chance(5))
		pt->flags |= 1U << (1 + rnd(31));
	if (chance(5))
		pt->reserved = 1 + rnd(~0U);
}

/* One of the known ioctls, on a descriptor mostly of the right kind */
static void fuzz_known(void)
{
	static const unsigned char weight[] = {
		1, 3, 2, 1, 1, 3, 3, 3, 2, 2, 2, 1, 2, 2, 2, 1,
		2,	/* PALACIOS_VM_PASSTHROUGH */
		1,	/* PALACIOS_VM_ADD_DISK */
		1,	/* PALACIOS_VM_ADD_NIC */
		1,	/* PALACIOS_VM_ADD_CHANNEL */
	};
	union {
		struct palacios_create_vm create;
		struct palacios_open_vm open;
		struct palacios_vm_list list;
		struct palacios_host_info host;
		struct palacios_vm_config cfg;
		struct palacios_vm_load load;
		struct palacios_vm_info info;
		struct palacios_vm_stats stats;
		struct palacios_vm_affinity aff;
		struct palacios_passthrough pt;
		struct palacios_disk disk;
		struct palacios_nic nic;
		struct palacios_channel chan;
	} a;
	static int chan_fds[2] = { -1, -1 };
	unsigned int i, w = 0, total = 0;
	const void *arg = NULL;
	unsigned long req;
	enum target kind;
	int fd, ret;

	for (i = 0; i < ARRAY_SIZE(weight); i++)
		total += weight[i];
	w = rnd(total);
	for (i = 0; w >= weight[i]; i++)
		w -= weight[i];
	req = known[i];
	fd = pick_fd(i < 5 ? T_DEV : T_VM, &kind);
	memset(&a, 0, sizeof(a));

	switch (req) {
	case PALACIOS_CREATE_VM:
		fuzz_create(&a.create);
		break;
	case PALACIOS_OPEN_VM:
		if (chance(70) && nr_names)
			set_name(a.open.name, names[rnd(nr_names)]);
		else
			fuzz_name(a.open.name);
		break;
	case PALACIOS_LIST_VMS:
		/* the kernel writes at most as many as there are VMs */
		a.list.nr = chance(90) ? rnd(PALACIOS_MAX_VMS + 2) : rnd64();
		a.list.reserved = chance(95) ? 0 : 1 + rnd(~0U);
		a.list.vms = (uintptr_t)ptr(listbuf);
		break;
	case PALACIOS_VM_CONFIGURE:
		fuzz_config(&a.cfg);
		break;
	case PALACIOS_VM_LOAD:
		fuzz_load(&a.load);
		break;
	case PALACIOS_VM_SET_AFFINITY:
		if (chance(80))
			a.aff.cpus[0] = 1 + rnd(15);	/* CPUs 0 to 3 */
		else
			fill(&a.aff, sizeof(a.aff));
		break;
	case PALACIOS_VM_PASSTHROUGH:
		fuzz_passthrough(&a.pt);
		break;
	case PALACIOS_VM_ADD_DISK:
		/* a scratch file, or any descriptor of this process */
		a.disk.fd = chance(70) ? disk_fd : (int)rnd(64) - 2;
		a.disk.flags = chance(90) ? rnd(2) : rnd64();
		break;
	case PALACIOS_VM_ADD_NIC:
		/* any descriptor of this process (no tap: none is made here) */
		a.nic.fd = (int)rnd(64) - 2;
		a.nic.flags = chance(90) ? rnd(2) : rnd64();
		fill(a.nic.mac, sizeof(a.nic.mac));
		break;
	case PALACIOS_VM_ADD_CHANNEL:
		/* the ends of a pipe, either way round, or any descriptor */
		if (chan_fds[0] < 0 && pipe(chan_fds)) {
			chan_fds[0] = -1;
			chan_fds[1] = -1;
		}
		a.chan.in_fd = chance(70) ? chan_fds[rnd(2)] : (int)rnd(64) - 2;
		a.chan.out_fd = chance(70) ? chan_fds[rnd(2)] : (int)rnd(64) - 2;
		a.chan.flags = chance(95) ? 0 : rnd64();
		a.chan.reserved = chance(95) ? 0 : rnd64();
		break;
	}
	if (_IOC_DIR(req) == _IOC_NONE) {
		arg = chance(90) ? NULL : bad_ptr();
	} else {
		if (chance(5)) {
			/* random bytes, but for the addresses in them */
			fill(&a, sizeof(a));
			if (req == PALACIOS_LIST_VMS)
				a.list.vms = (uintptr_t)ptr(listbuf);
			if (req == PALACIOS_VM_LOAD)
				a.load.addr = (uintptr_t)ptr(hello.data ?:
							     junk.data);
			if (req == PALACIOS_VM_LOAD &&
			    a.load.size > PALACIOS_IMAGE_MAX)
				a.load.addr = (uintptr_t)bad_ptr();
		}
		arg = ptr(&a);
	}

	ret = pio(fd, req, arg);
	account(ret, "ioctl", req);
	if (ret < 0)
		return;
	if (kind == T_DEV && (req == PALACIOS_CREATE_VM ||
			      req == PALACIOS_OPEN_VM)) {
		new_vm_fd(ret);
	} else if (kind == T_VM && req == PALACIOS_VM_GET_CONSOLE) {
		for (i = 0; i < NR_SLOTS && vms[i].fd != fd; i++)
			;
		keep(cons, ret, i < NR_SLOTS ? vms[i].name : "");
	} else if (kind == T_VM && req == PALACIOS_VM_FREE) {
		for (i = 0; i < NR_SLOTS && vms[i].fd != fd; i++)
			;
		if (i < NR_SLOTS && name_index(vms[i].name) >= 0)
			persistent[name_index(vms[i].name)] = false;
		/* keep some freed descriptors, for ENODEV */
		if (i < NR_SLOTS && chance(50))
			close_slot(&vms[i]);
	} else if (kind == T_VM && (req == PALACIOS_VM_CONFIGURE ||
				    req == PALACIOS_VM_LAUNCH ||
				    req == PALACIOS_VM_RESUME)) {
		govern();
	}
}

/* An ioctl of the Palacios type, of a random number none of the known */
static void fuzz_random_ioctl(void)
{
	static const unsigned int sizes[] = { 0, 4, 8, 16, 40, 184, 256 };
	enum target kind;
	unsigned long req;
	unsigned int i;
	const void *arg;
	int fd, ret;
	bool is_known;

	do {
		unsigned int size = chance(70) ? sizes[rnd(ARRAY_SIZE(sizes))] :
						 rnd(_IOC_SIZEMASK + 1);

		req = _IOC(rnd(4), PALACIOS_IOCTL_TYPE,
			   chance(70) ? rnd(0x20) : rnd(256), size);
		is_known = false;
		for (i = 0; i < ARRAY_SIZE(known); i++)
			is_known |= req == known[i];
	} while (is_known);
	fd = pick_fd((enum target)rnd(3), &kind);
	fill(argbuf, 256);
	arg = chance(85) ? (const void *)argbuf : bad_ptr();
	ret = pio(fd, req, arg);
	account(ret, "random ioctl", req);
}

static void fuzz_console(void)
{
	enum target kind;
	struct pollfd pfd;
	size_t len;
	ssize_t n;
	int fd;

	fd = pick_fd(T_CON, &kind);
	switch (rnd(3)) {
	case 0:
		len = 1 + rnd(sizeof(iobuf));
		n = read(fd, chance(90) ? iobuf : bad_ptr(), len);
		account(n < 0 ? -errno : 0, "read", len);
		break;
	case 1:
		len = 1 + rnd(64);
		fill(iobuf, len);
		n = write(fd, ptr(iobuf), len);
		account(n < 0 ? -errno : 0, "write", len);
		break;
	default:
		pfd.fd = fd;
		pfd.events = rnd(8) & (POLLIN | POLLPRI | POLLOUT);
		pfd.revents = 0;
		n = poll(&pfd, 1, 0);
		account(n < 0 ? -errno : 0, "poll", pfd.events);
		break;
	}
}

static void fuzz_close(void)
{
	struct slot *s;
	int ret;

	switch (rnd(8)) {
	case 0:
		close(dev);
		dev = open(PALACIOS_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		account(dev < 0 ? -errno : 0, "reopen", 0);
		if (dev < 0)
			ksft_exit_fail_msg("reopening %s: %s\n", PALACIOS_DEV,
					   strerror(errno));
		return;
	case 1: case 2: case 3:
		s = pick_slot(cons);
		break;
	default:
		s = pick_slot(vms);
		break;
	}
	ret = s ? close(s->fd) : close(CLOSED_FD);
	account(ret < 0 ? -errno : 0, "close", 0);
	if (s)
		s->fd = -1;
}

static void step(void)
{
	unsigned int r = rnd(100);

	if (r < 66)
		fuzz_known();
	else if (r < 76)
		fuzz_random_ioctl();
	else if (r < 94)
		fuzz_console();
	else
		fuzz_close();
}

/* The race phase: a running VM that threads and a child use at once */
static struct {
	char name[PALACIOS_NAME_LEN];
	int vm;		/* the creator's descriptor: each user has a dup */
	int con;	/* a console, non-blocking */
	unsigned int round;
} race;

static void race_call(int fd, unsigned long req, void *arg)
{
	account(pio(fd, req, arg), "race ioctl", req);
}

/* A console descriptor of @vm, non-blocking, read once; closed */
static void race_console(int vm)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = pio(vm, PALACIOS_VM_GET_CONSOLE, NULL);
	account(fd < 0 ? fd : 0, "race ioctl", PALACIOS_VM_GET_CONSOLE);
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	n = read(fd, buf, sizeof(buf));
	account(n < 0 ? -errno : 0, "race read", sizeof(buf));
	close(fd);
}

static void *race_thread(void *arg)
{
	struct palacios_vm_info *list = calloc(PALACIOS_MAX_VMS, sizeof(*list));
	struct palacios_vm_list l;
	struct palacios_vm_info info;
	struct palacios_vm_stats st;
	struct palacios_host_info hi;
	int vm = dup(race.vm), con = dup(race.con), i, fd;
	struct pollfd pfd;
	char buf[256];
	ssize_t n;

	rng_state = (seed * 0x9e3779b97f4a7c15ULL) ^
		    ((race.round + 1) * 0xbf58476d1ce4e5b9ULL) ^
		    ((uintptr_t)arg + 1) * 0x94d049bb133111ebULL;
	rng_state = rng_state ?: 1;
	for (i = 0; i < RACE_OPS; i++) {
		switch (rnd(15)) {
		case 0:
			race_call(vm, PALACIOS_VM_PAUSE, NULL);
			break;
		case 1:
			race_call(vm, PALACIOS_VM_RESUME, NULL);
			break;
		case 2:
			race_call(vm, chance(30) ? PALACIOS_VM_STOP :
				  PALACIOS_VM_PAUSE, NULL);
			break;
		case 3:
			race_call(vm, chance(10) ? PALACIOS_VM_FREE :
				  PALACIOS_VM_RESUME, NULL);
			break;
		case 4:
			race_call(vm, PALACIOS_VM_GET_INFO, &info);
			break;
		case 5:
			race_call(vm, PALACIOS_VM_GET_STATS, &st);
			break;
		case 6:
			race_console(vm);
			break;
		case 7:
			n = read(con, buf, 1 + rnd(sizeof(buf)));
			account(n < 0 ? -errno : 0, "race read", 0);
			break;
		case 8:
			fill(buf, 16);
			n = write(con, buf, 1 + rnd(16));
			account(n < 0 ? -errno : 0, "race write", 0);
			break;
		case 9:
			pfd = (struct pollfd){ .fd = con,
					       .events = POLLIN | POLLOUT };
			n = poll(&pfd, 1, 0);
			account(n < 0 ? -errno : 0, "race poll", 0);
			break;
		case 10:
			fd = open_vm(race.name);
			account(fd < 0 ? fd : 0, "race ioctl", PALACIOS_OPEN_VM);
			if (fd >= 0 && chance(50))
				race_call(fd, PALACIOS_VM_GET_INFO, &info);
			if (fd >= 0)
				close(fd);
			break;
		case 11:
			l = (struct palacios_vm_list){
				.nr = list ? PALACIOS_MAX_VMS : 0,
				.vms = (uintptr_t)list,
			};
			race_call(dev, PALACIOS_LIST_VMS, &l);
			break;
		case 12:
			/* the last descriptor may go, with the VM */
			close(vm);
			vm = open_vm(race.name);
			account(vm < 0 ? vm : 0, "race ioctl", PALACIOS_OPEN_VM);
			break;
		case 13:
			close(con);
			con = pio(vm, PALACIOS_VM_GET_CONSOLE, NULL);
			account(con < 0 ? con : 0, "race ioctl",
				PALACIOS_VM_GET_CONSOLE);
			if (con >= 0)
				fcntl(con, F_SETFL, O_NONBLOCK);
			break;
		default:
			race_call(dev, PALACIOS_GET_HOST_INFO, &hi);
			break;
		}
	}
	if (vm >= 0)
		close(vm);
	if (con >= 0)
		close(con);
	free(list);
	return NULL;
}

/*
 * The child: closes the descriptor it inherited, takes the parent's with
 * pidfd_getfd(), uses it and exits (which closes it); exits 0 if it came.
 */
static void __noreturn race_child(pid_t parent)
{
	struct palacios_vm_info info;
	int pidfd, vm = -1, i;

	close(race.vm);
	pidfd = syscall(SYS_pidfd_open, parent, 0);
	if (pidfd >= 0)
		vm = syscall(SYS_pidfd_getfd, pidfd, race.vm, 0);
	if (vm < 0)
		_exit(1);
	rng_state = (seed + race.round + 7) * 0x9e3779b97f4a7c15ULL ?: 1;
	for (i = 0; i < RACE_OPS / 2; i++) {
		switch (rnd(5)) {
		case 0:
			race_call(vm, PALACIOS_VM_GET_INFO, &info);
			break;
		case 1:
			race_call(vm, PALACIOS_VM_PAUSE, NULL);
			break;
		case 2:
			race_call(vm, PALACIOS_VM_RESUME, NULL);
			break;
		case 3:
			race_console(vm);
			break;
		default:
			race_call(vm, chance(20) ? PALACIOS_VM_STOP :
				  PALACIOS_VM_GET_INFO, &info);
			break;
		}
	}
	_exit(0);
}

/* One round of races: 0, or -1 with a message */
static int race_round(unsigned int round)
{
	struct palacios_create_vm c = { .flags = round % 2 ?
						 PALACIOS_VM_PERSISTENT : 0 };
	struct palacios_vm_config cfg = { .mem_size = SZ_16M, .nr_vcpus = 1 };
	struct palacios_vm_load ld = {
		.kind = PALACIOS_LOAD_IMAGE,
		.addr = (uintptr_t)loop.data,
		.size = loop.size,
	};
	pthread_t th[RACE_THREADS];
	pid_t pid = -1, self = getpid();
	int status, i, ret = -1;
	unsigned long t;

	race.round = round;
	snprintf(race.name, sizeof(race.name), "fz-race-%d-%u", getpid(),
		 round);
	set_name(c.name, race.name);
	race.con = -1;
	race.vm = pio(dev, PALACIOS_CREATE_VM, &c);
	if (race.vm < 0 || pio(race.vm, PALACIOS_VM_CONFIGURE, &cfg) ||
	    pio(race.vm, PALACIOS_VM_LOAD, &ld) ||
	    pio(race.vm, PALACIOS_VM_LAUNCH, NULL)) {
		ksft_print_msg("race %u: cannot start the VM: %s\n", round,
			       strerror(errno));
		goto out;
	}
	race.con = pio(race.vm, PALACIOS_VM_GET_CONSOLE, NULL);
	if (race.con < 0) {
		ksft_print_msg("race %u: no console: %s\n", round,
			       strerror(-race.con));
		goto out;
	}
	fcntl(race.con, F_SETFL, O_NONBLOCK);
	pid = fork();
	if (!pid)
		race_child(self);
	if (pid < 0) {
		ksft_print_msg("race %u: fork: %s\n", round, strerror(errno));
		goto out;
	}
	for (t = 0; t < RACE_THREADS; t++)
		if (pthread_create(&th[t], NULL, race_thread, (void *)t))
			break;
	for (i = 0; i < (int)t; i++)
		pthread_join(th[i], NULL);
	if (t < RACE_THREADS) {
		ksft_print_msg("race %u: only %lu threads\n", round, t);
		goto out;
	}
	ret = 0;
out:
	if (pid > 0 && (waitpid(pid, &status, 0) != pid ||
			!WIFEXITED(status) || WEXITSTATUS(status))) {
		ksft_print_msg("race %u: the child did not end well (0x%x)\n",
			       round, status);
		ret = -1;
	}
	if (race.con >= 0)
		close(race.con);
	if (race.vm >= 0) {
		close(race.vm);
		free_by_name(race.name);
	}
	return ret;
}

/* Reads a guest image into a mapping with an inaccessible page after it */
static int read_image(const char *file, struct image *img)
{
	const char *dir = getenv("PALACIOS_GUESTS");
	size_t pg = getpagesize(), span, done;
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/guests", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* with its guard page, at most 64 MiB */
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0 ||
	    st.st_size > PALACIOS_IMAGE_MAX - pg) {
		ksft_print_msg("%s: unusable, not loaded\n", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	span = (st.st_size + pg - 1) / pg * pg;
	img->data = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img->data == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	mprotect(img->data + span, pg, PROT_NONE);
	img->size = st.st_size;
	for (done = 0; done < img->size; done += n) {
		n = read(fd, img->data + done, img->size - done);
		if (n <= 0)
			ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	}
	close(fd);
	return 0;
}

static void setup(void)
{
	size_t pg = getpagesize();
	void *p;
	int i;

	cnt = mmap(NULL, sizeof(*cnt), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cnt == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	for (i = 0; i < NR_SLOTS; i++) {
		vms[i].fd = -1;
		cons[i].fd = -1;
	}
	read_image("hello.img", &hello);
	read_image("vmmcall-loop.img", &loop);
	read_image("garbage.img", &garbage);
	junk.data = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (junk.data == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	mprotect(junk.data + pg, pg, PROT_NONE);
	junk.size = pg;
	fill(junk.data, pg);
	disk_fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (disk_fd < 0 || ftruncate(disk_fd, 64 * 512))
		ksft_exit_fail_msg("a scratch file: %s\n", strerror(errno));

	/* plainly invalid pointers: nothing is mapped there, ever */
	bogus[0] = NULL;
	bogus[1] = (void *)1;
	bogus[2] = (void *)KERNEL_ADDR;
	bogus[3] = junk.data + pg;	/* PROT_NONE */
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	munmap(p, pg);			/* the fuzzer maps nothing later */
	bogus[4] = p;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	close(CLOSED_FD);
	signal(SIGPIPE, SIG_IGN);
}

/* Closes every descriptor but /dev/palacios', frees the persistent VMs */
static void cleanup(void)
{
	int i, fd;

	for (i = 0; i < NR_SLOTS; i++) {
		close_slot(&cons[i]);
		close_slot(&vms[i]);
	}
	for (fd = 3; fd < 1024; fd++)
		if (fd != dev)
			close(fd);
	devnull = -1;
	for (i = 0; i < nr_names; i++)
		if (persistent[i])
			free_by_name(names[i]);
}

/* Says which VMs of ours are left, and frees them */
static void free_leftovers(void)
{
	int i, n = list_vms();

	for (i = 0; i < n; i++) {
		if (name_index(listbuf[i].name) < 0)
			continue;
		ksft_print_msg("left: VM %s, state %u, flags 0x%x\n",
			       listbuf[i].name, listbuf[i].state,
			       listbuf[i].flags);
		free_by_name(listbuf[i].name);
	}
}

/* Waits for the host to have @nr_vms VMs and @pages pages */
static void wait_host(struct palacios_host_info *hi, __u32 nr_vms,
		      __u64 pages)
{
	long long end = now_ms() + GONE_MS;

	while ((host_info(hi) || hi->nr_vms != nr_vms || hi->pages != pages) &&
	       now_ms() < end)
		sleep_ms(50);
}

/* Runs hello to "hello: PASS": 0, or -1 with a message */
static int run_hello(void)
{
	struct palacios_create_vm c = { .name = "" };
	struct palacios_vm_config cfg = { .mem_size = SZ_16M, .nr_vcpus = 1 };
	struct palacios_vm_load ld = {
		.kind = PALACIOS_LOAD_IMAGE,
		.addr = (uintptr_t)hello.data,
		.size = hello.size,
	};
	long long end = now_ms() + WAIT_MS;
	static char out[65536];
	size_t len = 0;
	int vm, con, ret = -1;
	struct pollfd pfd;
	ssize_t n;

	snprintf(c.name, sizeof(c.name), "fz-hello-%d", getpid());
	vm = pio(dev, PALACIOS_CREATE_VM, &c);
	if (vm < 0 || pio(vm, PALACIOS_VM_CONFIGURE, &cfg) ||
	    pio(vm, PALACIOS_VM_LOAD, &ld) ||
	    pio(vm, PALACIOS_VM_LAUNCH, NULL)) {
		ksft_print_msg("hello: cannot start: %s\n", strerror(errno));
		goto out;
	}
	con = pio(vm, PALACIOS_VM_GET_CONSOLE, NULL);
	if (con < 0) {
		ksft_print_msg("hello: GET_CONSOLE: %s\n", strerror(-con));
		goto out;
	}
	out[0] = '\0';
	while (len < sizeof(out) - 1 && now_ms() < end) {
		pfd = (struct pollfd){ .fd = con, .events = POLLIN };
		if (poll(&pfd, 1, end - now_ms()) <= 0)
			continue;
		n = read(con, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		out[len] = '\0';
	}
	close(con);
	if (strstr(out, HELLO_PASS))
		ret = 0;
	else
		ksft_print_msg("hello: no \"%s\" in: %s\n", HELLO_PASS, out);
out:
	if (vm >= 0) {
		pio(vm, PALACIOS_VM_FREE, NULL);
		close(vm);
	}
	return ret;
}

static unsigned long read_taint(void)
{
	unsigned long t = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "re");

	if (f) {
		if (fscanf(f, "%lu", &t) != 1)
			t = 0;
		fclose(f);
	}
	return t;
}

static void __noreturn help(const char *prog)
{
	fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-r ROUNDS]\n", prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	struct palacios_host_info hi;
	unsigned long calls = 10000, rounds = 10, done, taint, r, raced = 0;
	unsigned long race_calls;
	char line[2048];
	__u32 base_vms;
	size_t len;
	int opt, e;

	while ((opt = getopt(argc, argv, "s:n:r:h")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			calls = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			break;
		default:
			help(argv[0]);
		}
	}

	ksft_print_header();
	dev = open(PALACIOS_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev < 0)
		ksft_exit_skip("%s: %s: is the palacios module loaded?\n",
			       PALACIOS_DEV, strerror(errno));
	ksft_set_plan(6);
	rng_state = seed * 0x9e3779b97f4a7c15ULL ?: 1;
	setup();
	if (host_info(&hi))
		ksft_exit_fail_msg("GET_HOST_INFO: %s\n", strerror(errno));
	base_pages = hi.pages;
	base_vms = hi.nr_vms;
	taint = read_taint();

	for (done = 0; done < calls; done++)
		step();
	cleanup();

	race_calls = cnt->calls;
	for (r = 0; r < rounds; r++)
		raced += !race_round(r);
	race_calls = cnt->calls - race_calls;

	len = snprintf(line, sizeof(line),
		       "calls=%lu (%lu in %lu race rounds) seed=%lu errnos:",
		       cnt->calls, race_calls, rounds, seed);
	for (e = 0; e <= MAX_ERRNO + 1 && len < sizeof(line); e++) {
		if (!cnt->results[e])
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s=%lu",
				!e ? "0" : e > MAX_ERRNO ? "other" :
				errno_name(e), cnt->results[e]);
	}
	ksft_print_msg("%s\n", line);
	ksft_test_result(done == calls && !cnt->undocumented,
			 "%lu calls ran, %lu with an undocumented errno\n",
			 cnt->calls, cnt->undocumented);
	ksft_test_result(raced == rounds,
			 "%lu of %lu race rounds: threads and a child at one VM\n",
			 raced, rounds);

	wait_host(&hi, base_vms, base_pages);
	ksft_test_result(hi.nr_vms == base_vms, "no VM left (%u, %u before)\n",
			 hi.nr_vms, base_vms);
	if (hi.nr_vms != base_vms) {
		free_leftovers();
		wait_host(&hi, base_vms, base_pages);
	}
	ksft_print_msg("pages_before=%llu pages_after=%llu\n",
		       (unsigned long long)base_pages,
		       (unsigned long long)hi.pages);
	ksft_test_result(hi.pages == base_pages, "pages returned\n");
	if (hello.data)
		ksft_test_result(!run_hello(), "a guest still runs\n");
	else
		ksft_test_result_skip("a guest still runs: no hello.img\n");
	ksft_test_result(read_taint() == taint,
			 "kernel not tainted (%lu, %lu before)\n",
			 read_taint(), taint);
	close(dev);
	ksft_finished();
}
