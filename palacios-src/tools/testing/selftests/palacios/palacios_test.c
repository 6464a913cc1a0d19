// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the Palacios user-space interface: include/uapi/linux/palacios.h,
 * as Documentation/virt/palacios/api.rst describes it.
 *
 * Run as root with the palacios module loaded and the test guests hello.img,
 * vmmcall-loop.img and garbage.img in $PALACIOS_GUESTS (default /guests).
 * Without /dev/palacios every test is skipped; linux_boot is skipped unless
 * $PALACIOS_KERNEL names a bzImage.
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
#include <unistd.h>
#include <grp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/palacios.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "palacios_util.h"

#define PALACIOS_DEV	"/dev/palacios"
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define VM_MEM		(16 * SZ_1M)
#define WAIT_MS		20000		/* the longest any test waits */
#define GONE_MS		10000		/* for a closed VM to go */
#define CON_BUF		65536
#define HELLO_PASS	"hello: PASS"
#define LOOP_LINE	"vmmcall-loop: spinning"
#define MAX_TRACKED	8
#define KERNEL_ADDR	0xffff800000000000ULL

struct image {
	unsigned char *data;
	size_t size;
};

FIXTURE(palacios) {
	int dev;
	struct image hello;
	struct image loop;
	struct image garbage;
};

/*
 * The persistent VMs a test made, which the teardown frees if the test could
 * not: each test runs in a process of its own.
 */
static char tracked[MAX_TRACKED][PALACIOS_NAME_LEN];

/* A name of this test process: "kst-PID-TAG" */
static const char *vm_name(char *buf, const char *tag)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "kst-%d-%s", getpid(), tag);
	set_name(buf, tmp);
	return buf;
}

static int create_vm(int dev, const char *name, __u32 flags)
{
	struct palacios_create_vm c = { .flags = flags };

	set_name(c.name, name);
	return pio(dev, PALACIOS_CREATE_VM, &c);
}

static int open_vm(int dev, const char *name)
{
	struct palacios_open_vm o;

	set_name(o.name, name);
	return pio(dev, PALACIOS_OPEN_VM, &o);
}

static int configure(int vm, __u64 mem_size, __u32 nr_vcpus)
{
	struct palacios_vm_config cfg = {
		.mem_size = mem_size,
		.nr_vcpus = nr_vcpus,
	};

	return pio(vm, PALACIOS_VM_CONFIGURE, &cfg);
}

static int load(int vm, const void *data, __u64 size)
{
	struct palacios_vm_load ld = {
		.kind = PALACIOS_LOAD_IMAGE,
		.addr = (uintptr_t)data,
		.size = size,
	};

	return pio(vm, PALACIOS_VM_LOAD, &ld);
}

static int load_kind(int vm, __u32 kind, const void *data, __u64 size)
{
	struct palacios_vm_load ld = {
		.kind = kind,
		.addr = (uintptr_t)data,
		.size = size,
	};

	return pio(vm, PALACIOS_VM_LOAD, &ld);
}

static int vm_info(int vm, struct palacios_vm_info *info)
{
	memset(info, 0, sizeof(*info));
	return pio(vm, PALACIOS_VM_GET_INFO, info);
}

/* The VM's state, or -errno */
static int vm_state(int vm)
{
	struct palacios_vm_info info;
	int ret = vm_info(vm, &info);

	return ret ? ret : (int)info.state;
}

/* Exits of one reason, or ~0 if GET_STATS fails */
static __u64 vm_exits(int vm, unsigned int reason)
{
	struct palacios_vm_stats st;

	if (pio(vm, PALACIOS_VM_GET_STATS, &st))
		return ~0ULL;
	return st.exits[reason];
}

static int host_info(int dev, struct palacios_host_info *hi)
{
	memset(hi, 0, sizeof(*hi));
	return pio(dev, PALACIOS_GET_HOST_INFO, hi);
}

/* Pages Palacios holds, or ~0 if GET_HOST_INFO fails */
static __u64 host_pages(int dev)
{
	struct palacios_host_info hi;

	return host_info(dev, &hi) ? ~0ULL : hi.pages;
}

static __u32 host_nr_vms(int dev)
{
	struct palacios_host_info hi;

	return host_info(dev, &hi) ? ~0U : hi.nr_vms;
}

/* LIST_VMS into @vms with room for @room: the number of VMs, or -errno */
static int list_vms(int dev, struct palacios_vm_info *vms, __u32 room)
{
	struct palacios_vm_list l = { .nr = room, .vms = (uintptr_t)vms };
	int ret = pio(dev, PALACIOS_LIST_VMS, &l);

	return ret ? ret : (int)l.nr;
}

/* 1 if a VM of that name is listed, 0 if not, -errno */
static int listed(int dev, const char *name)
{
	struct palacios_vm_info vms[PALACIOS_MAX_VMS];
	int i, n = list_vms(dev, vms, PALACIOS_MAX_VMS);

	if (n < 0)
		return n;
	for (i = 0; i < n && i < PALACIOS_MAX_VMS; i++)
		if (!strncmp(vms[i].name, name, PALACIOS_NAME_LEN))
			return 1;
	return 0;
}

static bool wait_state(int vm, int state, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (vm_state(vm) != state) {
		if (now_ms() > end)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* Waits for the exits of @reason to pass @above: the last count, 0 if none */
static __u64 wait_exits(int vm, unsigned int reason, __u64 above,
			int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	__u64 n;

	while ((n = vm_exits(vm, reason)) <= above || n == ~0ULL) {
		if (now_ms() > end)
			return n == ~0ULL ? 0 : n;
		sleep_ms(10);
	}
	return n;
}

/* Waits for @name to be unlisted and the host's pages to be @pages */
static bool wait_gone(int dev, const char *name, __u64 pages, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (listed(dev, name) || host_pages(dev) != pages) {
		if (now_ms() > end)
			return false;
		sleep_ms(20);
	}
	return true;
}

/*
 * Reads console @con until EOF (the VM stopped and its output was read), for
 * at most @timeout_ms.  Keeps the first @size - 1 bytes, NUL-terminated, in
 * @buf and ORs the poll events seen into *@events.  Returns the number of
 * bytes read, -ETIMEDOUT or -errno.
 */
static ssize_t read_console(int con, char *buf, size_t size, int timeout_ms,
			    short *events)
{
	struct pollfd pfd = { .fd = con, .events = POLLIN };
	long long end = now_ms() + timeout_ms;
	size_t len = 0, total = 0;
	char scratch[256];
	ssize_t n;

	buf[0] = '\0';
	for (;;) {
		long long left = end - now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		*events |= pfd.revents;
		if (pfd.revents & (POLLERR | POLLNVAL))
			return -EIO;
		if (len < size - 1)
			n = read(con, buf + len, size - 1 - len);
		else
			n = read(con, scratch, sizeof(scratch));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return total;
		if (len < size - 1) {
			len += n;
			buf[len] = '\0';
		}
		total += n;
	}
}

static void read_image(struct __test_metadata *_metadata, const char *file,
		       struct image *img)
{
	const char *dir = getenv("PALACIOS_GUESTS");
	char path[PATH_MAX];
	struct stat st;
	size_t done;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/guests", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) {
		TH_LOG("%s: %s (set PALACIOS_GUESTS)", path, strerror(errno));
	}
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_LT(0, st.st_size);
	ASSERT_GE(PALACIOS_IMAGE_MAX, st.st_size);
	img->size = st.st_size;
	img->data = malloc(img->size);
	ASSERT_NE(NULL, img->data);
	for (done = 0; done < img->size; done += n) {
		n = read(fd, img->data + done, img->size - done);
		ASSERT_LT(0, n);
	}
	close(fd);
}

static void track(const char *name)
{
	int i;

	for (i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i][0]) {
			set_name(tracked[i], name);
			return;
		}
	}
}

static void untrack(const char *name)
{
	int i;

	for (i = 0; i < MAX_TRACKED; i++)
		if (!strncmp(tracked[i], name, PALACIOS_NAME_LEN))
			tracked[i][0] = '\0';
}

/* Creates a VM, configures it with 16 MiB and one vCPU, and loads @img */
static int new_vm(struct __test_metadata *_metadata, int dev,
		  const char *name, __u32 flags, const struct image *img)
{
	int vm = create_vm(dev, name, flags);

	ASSERT_LE(0, vm) {
		TH_LOG("CREATE_VM %s: %s", name, strerror(-vm));
	}
	if (flags & PALACIOS_VM_PERSISTENT)
		track(name);
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	if (img) {
		ASSERT_EQ(0, load(vm, img->data, img->size));
		ASSERT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	}
	return vm;
}

/* Frees the VM of @vm and closes it */
static void free_vm(struct __test_metadata *_metadata, int vm)
{
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	EXPECT_EQ(PALACIOS_STATE_FREED, vm_state(vm));
	close(vm);
}

static int get_console(int vm)
{
	return pio(vm, PALACIOS_VM_GET_CONSOLE, NULL);
}

static bool cloexec(int fd)
{
	return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

/* An address with nothing mapped at it */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, getpagesize(), PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, getpagesize());
	return p;
}

FIXTURE_SETUP(palacios)
{
	self->dev = open(PALACIOS_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "%s missing: is the palacios module loaded?",
		     PALACIOS_DEV);
	ASSERT_LE(0, self->dev) {
		TH_LOG("%s: %s", PALACIOS_DEV, strerror(errno));
	}
	signal(SIGPIPE, SIG_IGN);
	read_image(_metadata, "hello.img", &self->hello);
	read_image(_metadata, "vmmcall-loop.img", &self->loop);
	read_image(_metadata, "garbage.img", &self->garbage);
}

FIXTURE_TEARDOWN(palacios)
{
	int i, vm;

	for (i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i][0])
			continue;
		vm = open_vm(self->dev, tracked[i]);
		if (vm >= 0) {
			pio(vm, PALACIOS_VM_FREE, NULL);
			close(vm);
		}
	}
	free(self->hello.data);
	free(self->loop.data);
	free(self->garbage.data);
	close(self->dev);
}

TEST_F(palacios, api_version)
{
	struct palacios_host_info hi;
	struct stat st;

	ASSERT_EQ(PALACIOS_API_VERSION,
		  pio(self->dev, PALACIOS_GET_API_VERSION, NULL));
	ASSERT_EQ(0, host_info(self->dev, &hi));
	EXPECT_EQ(PALACIOS_API_VERSION, hi.api_version);
	ASSERT_NE(NULL, memchr(hi.backend, '\0', sizeof(hi.backend)));
	EXPECT_STREQ("svm", hi.backend);
	EXPECT_LT(0, hi.nr_cpus);
	EXPECT_GE(get_nprocs_conf(), hi.nr_cpus);
	EXPECT_GE(PALACIOS_MAX_VMS, hi.nr_vms);
	EXPECT_LT(0, hi.pages);
	EXPECT_EQ(0, hi.reserved);
	TH_LOG("backend=%s nr_cpus=%u nr_vms=%u pages=%llu", hi.backend,
	       hi.nr_cpus, hi.nr_vms, (unsigned long long)hi.pages);

	/* a misc device, 0600, owned by root */
	ASSERT_EQ(0, stat(PALACIOS_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST_F(palacios, new_vm_info)
{
	struct palacios_vm_info info, info2;
	char name[PALACIOS_NAME_LEN];
	int vm, vm2;

	vm = create_vm(self->dev, vm_name(name, "info"), 0);
	ASSERT_LE(0, vm);
	EXPECT_TRUE(cloexec(vm));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_STREQ(name, info.name);
	EXPECT_EQ(PALACIOS_STATE_NEW, info.state);
	EXPECT_EQ(0, info.mem_size);
	EXPECT_EQ(0, info.nr_vcpus);
	EXPECT_EQ(0, info.flags);
	EXPECT_STREQ("", info.stop_reason);
	EXPECT_EQ(1, listed(self->dev, name));

	/* OPEN_VM gives another descriptor of the same VM */
	vm2 = open_vm(self->dev, name);
	ASSERT_LE(0, vm2);
	EXPECT_TRUE(cloexec(vm2));
	ASSERT_EQ(0, vm_info(vm2, &info2));
	EXPECT_EQ(info.id, info2.id);
	EXPECT_STREQ(name, info2.name);

	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	ASSERT_EQ(0, vm_info(vm2, &info2));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, info2.state);
	EXPECT_EQ(VM_MEM, info2.mem_size);
	EXPECT_EQ(1, info2.nr_vcpus);
	close(vm2);
	free_vm(_metadata, vm);
	EXPECT_EQ(0, listed(self->dev, name));
}

TEST_F(palacios, unknown_ioctls)
{
	const unsigned long dev_bad[] = {
		_IO(PALACIOS_IOCTL_TYPE, 0x05),
		_IO(PALACIOS_IOCTL_TYPE, 0x0f),
		_IO(PALACIOS_IOCTL_TYPE, 0xff),
		_IOR(PALACIOS_IOCTL_TYPE - 1, 0x04, struct palacios_host_info),
		/* a VM's ioctls are not /dev/palacios' */
		PALACIOS_VM_CONFIGURE, PALACIOS_VM_LAUNCH, PALACIOS_VM_STOP,
		PALACIOS_VM_FREE, PALACIOS_VM_GET_INFO, PALACIOS_VM_GET_CONSOLE,
		/* known numbers with another size */
		_IOC(_IOC_NONE, PALACIOS_IOCTL_TYPE, 0x00, 4),
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x01,
		     sizeof(struct palacios_create_vm) - 4),
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x01,
		     sizeof(struct palacios_create_vm) + 8),
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x02,
		     sizeof(struct palacios_open_vm) + 1),
		_IOC(_IOC_READ | _IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x03, 8),
		_IOC(_IOC_READ, PALACIOS_IOCTL_TYPE, 0x04,
		     sizeof(struct palacios_host_info) + 8),
		/* and with another direction */
		_IOR(PALACIOS_IOCTL_TYPE, 0x01, struct palacios_create_vm),
		_IOW(PALACIOS_IOCTL_TYPE, 0x04, struct palacios_host_info),
	};
	const unsigned long vm_bad[] = {
		_IO(PALACIOS_IOCTL_TYPE, 0x1a),
		_IO(PALACIOS_IOCTL_TYPE, 0x1f),
		_IO(PALACIOS_IOCTL_TYPE, 0x7f),
		_IOW(PALACIOS_IOCTL_TYPE + 1, 0x10, struct palacios_vm_config),
		/* /dev/palacios' ioctls are not a VM's */
		PALACIOS_GET_API_VERSION, PALACIOS_CREATE_VM, PALACIOS_OPEN_VM,
		PALACIOS_LIST_VMS, PALACIOS_GET_HOST_INFO,
		/* known numbers with another size */
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x10, 8),
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x10,
		     sizeof(struct palacios_vm_config) + 8),
		_IOC(_IOC_WRITE, PALACIOS_IOCTL_TYPE, 0x11,
		     sizeof(struct palacios_vm_load) - 8),
		_IOC(_IOC_NONE, PALACIOS_IOCTL_TYPE, 0x12, 4),
		_IOC(_IOC_NONE, PALACIOS_IOCTL_TYPE, 0x16, 8),
		_IOC(_IOC_READ, PALACIOS_IOCTL_TYPE, 0x17,
		     sizeof(struct palacios_vm_info) - 8),
		_IOC(_IOC_READ, PALACIOS_IOCTL_TYPE, 0x18, 8),
		_IOC(_IOC_NONE, PALACIOS_IOCTL_TYPE, 0x19, 4),
		/* and with another direction */
		_IOR(PALACIOS_IOCTL_TYPE, 0x10, struct palacios_vm_config),
		_IOW(PALACIOS_IOCTL_TYPE, 0x17, struct palacios_vm_info),
	};
	const unsigned long con_bad[] = {
		PALACIOS_VM_LAUNCH, PALACIOS_VM_FREE, PALACIOS_VM_GET_INFO,
		PALACIOS_VM_GET_CONSOLE, PALACIOS_GET_API_VERSION,
		PALACIOS_CREATE_VM, _IO(PALACIOS_IOCTL_TYPE, 0x7f),
	};
	char name[PALACIOS_NAME_LEN];
	__u64 arg[512];	/* room for any size above, all zero */
	unsigned int i;
	__u32 nr_vms;
	int vm, con;

	vm = create_vm(self->dev, vm_name(name, "unknown"), 0);
	ASSERT_LE(0, vm);
	con = get_console(vm);
	ASSERT_LE(0, con);
	nr_vms = host_nr_vms(self->dev);

	for (i = 0; i < ARRAY_SIZE(dev_bad); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-ENOTTY, pio(self->dev, dev_bad[i], arg)) {
			TH_LOG("/dev/palacios ioctl 0x%lx", dev_bad[i]);
		}
	}
	for (i = 0; i < ARRAY_SIZE(vm_bad); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-ENOTTY, pio(vm, vm_bad[i], arg)) {
			TH_LOG("VM ioctl 0x%lx", vm_bad[i]);
		}
	}
	for (i = 0; i < ARRAY_SIZE(con_bad); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-ENOTTY, pio(con, con_bad[i], arg)) {
			TH_LOG("console ioctl 0x%lx", con_bad[i]);
		}
	}
	/* none of them did anything */
	EXPECT_EQ(nr_vms, host_nr_vms(self->dev));
	EXPECT_EQ(PALACIOS_STATE_NEW, vm_state(vm));
	close(con);
	free_vm(_metadata, vm);
}

TEST_F(palacios, create_vm_einval)
{
	static const char * const bad_names[] = {
		"a b", "a/b", "a:b", "a*", "x\n", "tab\t", "a\\b", "$x",
		"\xc3\xa9t\xc3\xa9", "quote\"", "a,b", "a@b", "\x7f",
	};
	const __u32 bad_flags[] = {
		PALACIOS_VM_KERNEL, PALACIOS_VM_KERNEL | PALACIOS_VM_PERSISTENT,
		1U << 31, PALACIOS_VM_PERSISTENT | (1U << 2), ~0U,
	};
	struct palacios_create_vm c;
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	char full[64];
	__u32 nr_vms = host_nr_vms(self->dev);
	unsigned int i;
	int vm;

	vm_name(name, "einval");
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		memset(&c, 0, sizeof(c));
		set_name(c.name, name);
		c.flags = bad_flags[i];
		EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c)) {
			TH_LOG("flags 0x%x", bad_flags[i]);
		}
	}
	memset(&c, 0, sizeof(c));
	set_name(c.name, name);
	c.reserved = 1;
	EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c));
	c.reserved = 1U << 31;
	EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c));

	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		memset(&c, 0, sizeof(c));
		set_name(c.name, bad_names[i]);
		EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c)) {
			TH_LOG("name \"%s\"", bad_names[i]);
		}
	}
	/* 32 bytes without a NUL */
	memset(&c, 0, sizeof(c));
	memset(c.name, 'a', sizeof(c.name));
	EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c));
	EXPECT_EQ(nr_vms, host_nr_vms(self->dev));

	/* 31 bytes of every allowed kind of character is fine */
	snprintf(full, sizeof(full), "kst-%d-Az09_.-xxxxxxxxxxxxxxxxxxxxxxxx",
		 getpid());
	full[PALACIOS_NAME_LEN - 1] = '\0';
	vm = create_vm(self->dev, full, 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_STREQ(full, info.name);
	free_vm(_metadata, vm);

	/* an empty name picks "vmN" */
	vm = create_vm(self->dev, "", 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(0, strncmp(info.name, "vm", 2));
	EXPECT_LT(2, strlen(info.name));
	EXPECT_EQ(strlen(info.name), 2 + strspn(info.name + 2, "0123456789"));
	EXPECT_EQ(1, listed(self->dev, info.name));
	free_vm(_metadata, vm);
	EXPECT_EQ(nr_vms, host_nr_vms(self->dev));
}

TEST_F(palacios, create_vm_eexist)
{
	char name[PALACIOS_NAME_LEN];
	int vm, vm2;

	vm = create_vm(self->dev, vm_name(name, "dup"), 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-EEXIST, create_vm(self->dev, name, 0));
	EXPECT_EQ(-EEXIST, create_vm(self->dev, name, PALACIOS_VM_PERSISTENT));
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	EXPECT_EQ(-EEXIST, create_vm(self->dev, name, 0));
	free_vm(_metadata, vm);

	/* a freed VM's name can be used again */
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
	vm2 = create_vm(self->dev, name, 0);
	ASSERT_LE(0, vm2);
	free_vm(_metadata, vm2);
}

TEST_F(palacios, create_vm_enospc)
{
	struct palacios_vm_info info;
	char names[PALACIOS_MAX_VMS][PALACIOS_NAME_LEN];
	int fds[PALACIOS_MAX_VMS];
	char name[PALACIOS_NAME_LEN];
	__u32 nr_vms = host_nr_vms(self->dev);
	__u64 pages = host_pages(self->dev);
	int i, j, n;

	ASSERT_GE(PALACIOS_MAX_VMS, nr_vms);
	n = PALACIOS_MAX_VMS - nr_vms;
	for (i = 0; i < n; i++) {
		fds[i] = create_vm(self->dev, "", 0);
		ASSERT_LE(0, fds[i]) {
			TH_LOG("VM %d of %d: %s", i, n, strerror(-fds[i]));
		}
		ASSERT_EQ(0, vm_info(fds[i], &info));
		memcpy(names[i], info.name, PALACIOS_NAME_LEN);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(names[j], names[i]);
	}
	EXPECT_EQ(PALACIOS_MAX_VMS, host_nr_vms(self->dev));
	EXPECT_EQ(-ENOSPC, create_vm(self->dev, "", 0));
	EXPECT_EQ(-ENOSPC, create_vm(self->dev, vm_name(name, "full"), 0));
	EXPECT_EQ(-ENOSPC, create_vm(self->dev, name, PALACIOS_VM_PERSISTENT));
	EXPECT_EQ(0, listed(self->dev, name));
	for (i = 0; i < n; i++)
		free_vm(_metadata, fds[i]);
	EXPECT_EQ(nr_vms, host_nr_vms(self->dev));
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F(palacios, open_vm_errors)
{
	struct palacios_open_vm o;
	char name[PALACIOS_NAME_LEN];
	int vm;

	EXPECT_EQ(-ENOENT, open_vm(self->dev, vm_name(name, "nosuchvm")));
	vm = create_vm(self->dev, vm_name(name, "open"), 0);
	ASSERT_LE(0, vm);
	/* a prefix, or the name and more, is another name */
	name[strlen(name) - 1] = '\0';
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
	vm_name(name, "openx");
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
	/* 32 bytes without a NUL */
	memset(o.name, 'a', sizeof(o.name));
	EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_OPEN_VM, &o));
	free_vm(_metadata, vm);
	EXPECT_EQ(-ENOENT, open_vm(self->dev, vm_name(name, "open")));
}

TEST_F(palacios, configure_einval)
{
	const struct palacios_vm_config bad[] = {
		{ .mem_size = 0, .nr_vcpus = 1 },
		{ .mem_size = 4096, .nr_vcpus = 1 },
		{ .mem_size = SZ_1M, .nr_vcpus = 1 },
		{ .mem_size = VM_MEM + 4096, .nr_vcpus = 1 },
		{ .mem_size = VM_MEM + SZ_1M, .nr_vcpus = 1 },
		{ .mem_size = VM_MEM - 1, .nr_vcpus = 1 },
		{ .mem_size = PALACIOS_MEM_MAX + SZ_2M, .nr_vcpus = 1 },
		{ .mem_size = 2 * PALACIOS_MEM_MAX, .nr_vcpus = 1 },
		{ .mem_size = ~(SZ_2M - 1), .nr_vcpus = 1 },
		{ .mem_size = ~0ULL, .nr_vcpus = 1 },
		{ .mem_size = VM_MEM, .nr_vcpus = 0 },
		{ .mem_size = VM_MEM, .nr_vcpus = PALACIOS_MAX_VCPUS + 1 },
		{ .mem_size = VM_MEM, .nr_vcpus = 1024 },
		{ .mem_size = VM_MEM, .nr_vcpus = ~0U },
		{ .mem_size = VM_MEM, .nr_vcpus = 1, .reserved = 1 },
		{ .mem_size = VM_MEM, .nr_vcpus = 1, .reserved = 1U << 31 },
	};
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	__u64 pages = host_pages(self->dev);
	unsigned int i;
	int vm, vm2;

	vm = create_vm(self->dev, vm_name(name, "cfg"), 0);
	ASSERT_LE(0, vm);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_CONFIGURE, &bad[i])) {
			TH_LOG("mem_size 0x%llx nr_vcpus %u reserved 0x%x",
			       (unsigned long long)bad[i].mem_size,
			       bad[i].nr_vcpus, bad[i].reserved);
		}
	}
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_NEW, info.state);
	EXPECT_EQ(0, info.mem_size);
	EXPECT_EQ(0, info.nr_vcpus);

	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, info.state);
	EXPECT_EQ(VM_MEM, info.mem_size);
	EXPECT_EQ(1, info.nr_vcpus);
	/* configure twice */
	EXPECT_EQ(-EBUSY, configure(vm, VM_MEM, 1));
	EXPECT_EQ(-EBUSY, configure(vm, 2 * VM_MEM, 2));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(VM_MEM, info.mem_size);
	EXPECT_EQ(1, info.nr_vcpus);

	/* the limits themselves are in range: 2 MiB, 64 vCPUs */
	vm2 = create_vm(self->dev, vm_name(name, "cfg2"), 0);
	ASSERT_LE(0, vm2);
	EXPECT_EQ(0, configure(vm2, SZ_2M, PALACIOS_MAX_VCPUS));
	ASSERT_EQ(0, vm_info(vm2, &info));
	EXPECT_EQ(SZ_2M, info.mem_size);
	EXPECT_EQ(PALACIOS_MAX_VCPUS, info.nr_vcpus);
	free_vm(_metadata, vm2);
	free_vm(_metadata, vm);
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F(palacios, configure_enomem)
{
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	__u64 pages0, pages, mem = 60 * SZ_1G, ram;
	struct sysinfo si;
	int vm;

	ASSERT_EQ(0, sysinfo(&si));
	ram = (__u64)si.totalram * si.mem_unit;
	if (ram + ram / 2 >= mem)
		mem = PALACIOS_MEM_MAX;
	if (ram + ram / 2 >= mem)
		SKIP(return, "the host has %llu MiB: cannot ask for too much",
		     (unsigned long long)(ram / SZ_1M));

	pages0 = host_pages(self->dev);
	vm = create_vm(self->dev, vm_name(name, "enomem"), 0);
	ASSERT_LE(0, vm);
	pages = host_pages(self->dev);
	EXPECT_EQ(-ENOMEM, configure(vm, mem, 1));
	EXPECT_EQ(pages, host_pages(self->dev));
	EXPECT_EQ(-ENOMEM, configure(vm, mem, PALACIOS_MAX_VCPUS));
	EXPECT_EQ(pages, host_pages(self->dev));
	ksft_print_msg("mem=%lluM ram=%lluM pages_before=%llu pages_after=%llu\n",
		       (unsigned long long)(mem / SZ_1M),
		       (unsigned long long)(ram / SZ_1M),
		       (unsigned long long)pages,
		       (unsigned long long)host_pages(self->dev));
	fflush(stdout);

	/* nothing was left: the VM is still NEW and can be configured */
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_NEW, info.state);
	EXPECT_EQ(0, info.mem_size);
	EXPECT_EQ(0, info.nr_vcpus);
	EXPECT_EQ(0, configure(vm, VM_MEM, 1));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));
	free_vm(_metadata, vm);
	EXPECT_EQ(pages0, host_pages(self->dev));
}

/* @img with the 64-bit header field at @off set to @val */
static void *patched(const struct image *img, size_t off, __u64 val,
		     size_t width)
{
	unsigned char *p = malloc(img->size);
	size_t i;

	if (p) {
		memcpy(p, img->data, img->size);
		for (i = 0; i < width; i++)
			p[off + i] = val >> (8 * i);	/* little-endian */
	}
	return p;
}

TEST_F(palacios, load_errors)
{
	const struct image *h = &self->hello;
	struct palacios_vm_load ld;
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	size_t pg = getpagesize(), span;
	unsigned char *part, *bad;
	void *hole = unmapped_page();
	int vm;

	ASSERT_NE(MAP_FAILED, hole);
	vm = create_vm(self->dev, vm_name(name, "load"), 0);
	ASSERT_LE(0, vm);
	/* LOAD before CONFIGURE */
	EXPECT_EQ(-EBUSY, load(vm, h->data, h->size));
	EXPECT_EQ(PALACIOS_STATE_NEW, vm_state(vm));
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));

	/* EINVAL: kind, reserved, size */
	memset(&ld, 0, sizeof(ld));
	ld.addr = (uintptr_t)h->data;
	ld.size = h->size;
	ld.kind = PALACIOS_LOAD_CMDLINE + 1;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.kind = ~0U;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.kind = PALACIOS_LOAD_IMAGE;
	ld.reserved = 1;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.reserved = 0;
	ld.size = 0;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.size = PALACIOS_IMAGE_MAX + 1ULL;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.size = 1ULL << 32;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));
	ld.size = ~0ULL;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_LOAD, &ld));

	/* EFAULT: NULL, unmapped, kernel, partly unmapped */
	EXPECT_EQ(-EFAULT, load(vm, NULL, h->size));
	EXPECT_EQ(-EFAULT, load(vm, (void *)1, h->size));
	EXPECT_EQ(-EFAULT, load(vm, hole, pg));
	EXPECT_EQ(-EFAULT, load(vm, (void *)KERNEL_ADDR, h->size));
	span = (h->size + pg - 1) / pg * pg;
	part = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, part);
	memcpy(part, h->data, h->size);
	ASSERT_EQ(0, munmap(part + span, pg));
	EXPECT_EQ(-EFAULT, load(vm, part, span + 1));
	munmap(part, span);

	/* ENOEXEC: not images, or images that do not fit */
	EXPECT_EQ(-ENOEXEC, load(vm, self->garbage.data, self->garbage.size));
	EXPECT_EQ(-ENOEXEC, load(vm, h->data, 63));
	bad = patched(h, 0, 'X', 1);		/* magic */
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-ENOEXEC, load(vm, bad, h->size));
	free(bad);
	bad = patched(h, 8, 2, 4);		/* version */
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-ENOEXEC, load(vm, bad, h->size));
	free(bad);
	bad = patched(h, 32, VM_MEM, 8);	/* load_gpa past the RAM */
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-ENOEXEC, load(vm, bad, h->size));
	free(bad);

	/* the refusals changed nothing */
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, info.state);
	EXPECT_EQ(VM_MEM, info.mem_size);

	ASSERT_EQ(0, load(vm, h->data, h->size));
	EXPECT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	/* LOAD twice */
	EXPECT_EQ(-EBUSY, load(vm, h->data, h->size));
	EXPECT_EQ(-EBUSY, configure(vm, VM_MEM, 1));
	free_vm(_metadata, vm);
}

TEST_F(palacios, load_linux_errors)
{
	static const char nul_cmdline[] = "console=ttyS0\0quiet";
	static const char cmdline[] = "console=ttyS0";
	const struct image *h = &self->hello;
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	char *big, *initrd, *zeros;
	int vm;

	big = malloc(PALACIOS_CMDLINE_MAX + 1);
	initrd = malloc(4096);
	zeros = calloc(1, 65536);
	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, initrd);
	ASSERT_NE(NULL, zeros);
	memset(big, 'a', PALACIOS_CMDLINE_MAX + 1);
	memset(initrd, 0x5a, 4096);
	vm = new_vm(_metadata, self->dev, vm_name(name, "linux"), 0, NULL);

	/* CMDLINE: 1 to PALACIOS_CMDLINE_MAX bytes, no NUL in them */
	EXPECT_EQ(-EINVAL, load_kind(vm, PALACIOS_LOAD_CMDLINE, cmdline, 0));
	EXPECT_EQ(-EINVAL, load_kind(vm, PALACIOS_LOAD_CMDLINE, big,
				     PALACIOS_CMDLINE_MAX + 1));
	EXPECT_EQ(-EINVAL, load_kind(vm, PALACIOS_LOAD_CMDLINE, nul_cmdline,
				     sizeof(nul_cmdline) - 1));
	EXPECT_EQ(0, load_kind(vm, PALACIOS_LOAD_CMDLINE, cmdline,
			       strlen(cmdline)));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));
	/* a second one replaces the first */
	EXPECT_EQ(0, load_kind(vm, PALACIOS_LOAD_CMDLINE, big,
			       PALACIOS_CMDLINE_MAX));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));

	/* INITRD: 1 to PALACIOS_INITRD_MAX bytes, the size checked first */
	EXPECT_EQ(-EINVAL, load_kind(vm, PALACIOS_LOAD_INITRD, initrd, 0));
	EXPECT_EQ(-EINVAL, load_kind(vm, PALACIOS_LOAD_INITRD, NULL,
				     PALACIOS_INITRD_MAX + 1ULL));
	EXPECT_EQ(0, load_kind(vm, PALACIOS_LOAD_INITRD, initrd, 4096));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));

	/* KERNEL: not a bzImage */
	EXPECT_EQ(-ENOEXEC, load_kind(vm, PALACIOS_LOAD_KERNEL, h->data,
				      h->size));
	EXPECT_EQ(-ENOEXEC, load_kind(vm, PALACIOS_LOAD_KERNEL, zeros, 65536));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, info.state);
	EXPECT_EQ(VM_MEM, info.mem_size);

	/* LOADED: no more loads of any kind */
	ASSERT_EQ(0, load(vm, h->data, h->size));
	EXPECT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	EXPECT_EQ(-EBUSY, load_kind(vm, PALACIOS_LOAD_CMDLINE, cmdline,
				    strlen(cmdline)));
	EXPECT_EQ(-EBUSY, load_kind(vm, PALACIOS_LOAD_INITRD, initrd, 4096));
	EXPECT_EQ(-EBUSY, load_kind(vm, PALACIOS_LOAD_KERNEL, zeros, 65536));
	EXPECT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	free_vm(_metadata, vm);
	free(big);
	free(initrd);
	free(zeros);
}

/* Boots the bzImage $PALACIOS_KERNEL names, if it does, to "Linux version" */
TEST_F_TIMEOUT(palacios, linux_boot, 120)
{
	static const char cmdline[] =
		"console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1";
	const char *path = getenv("PALACIOS_KERNEL");
	struct pollfd pfd = { .events = POLLIN };
	char name[PALACIOS_NAME_LEN];
	long long end, left;
	size_t len = 0, done;
	struct stat st;
	unsigned char *kernel;
	char *buf;
	ssize_t n;
	int fd, vm, con, ret;

	if (!path || stat(path, &st) || !S_ISREG(st.st_mode))
		SKIP(return, "set PALACIOS_KERNEL to a bzImage to boot Linux");
	ASSERT_LT(0, st.st_size);
	ASSERT_GE(PALACIOS_IMAGE_MAX, st.st_size);
	kernel = malloc(st.st_size);
	buf = malloc(CON_BUF);
	ASSERT_NE(NULL, kernel);
	ASSERT_NE(NULL, buf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) {
		TH_LOG("%s: %s", path, strerror(errno));
	}
	for (done = 0; done < (size_t)st.st_size; done += n) {
		n = read(fd, kernel + done, st.st_size - done);
		ASSERT_LT(0, n);
	}
	close(fd);

	vm = create_vm(self->dev, vm_name(name, "linux-boot"), 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, configure(vm, 128 * SZ_1M, 1));
	ASSERT_EQ(0, load_kind(vm, PALACIOS_LOAD_CMDLINE, cmdline,
			       strlen(cmdline)));
	ASSERT_EQ(0, load_kind(vm, PALACIOS_LOAD_KERNEL, kernel, st.st_size)) {
		TH_LOG("%s: see the kernel log", path);
	}
	free(kernel);
	EXPECT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	con = get_console(vm);
	ASSERT_LE(0, con);

	/* the console until "Linux version", for at most 60 s */
	buf[0] = '\0';
	pfd.fd = con;
	end = now_ms() + 60000;
	while (!strstr(buf, "Linux version") && len < CON_BUF - 1) {
		left = end - now_ms();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(con, buf + len, CON_BUF - 1 - len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;		/* the guest stopped */
		len += n;
		buf[len] = '\0';
	}
	TH_LOG("console: %.300s", buf);
	EXPECT_NE(NULL, strstr(buf, "Linux version"));

	/* EBUSY: it stopped by itself (panic=-1) */
	ret = pio(vm, PALACIOS_VM_STOP, NULL);
	EXPECT_TRUE(!ret || ret == -EBUSY) {
		TH_LOG("STOP: %s", strerror(-ret));
	}
	EXPECT_EQ(PALACIOS_STATE_STOPPED, vm_state(vm));
	close(con);
	free_vm(_metadata, vm);
	free(buf);
}

TEST_F(palacios, state_errors)
{
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	const struct image *l = &self->loop;
	int vm;

	vm = create_vm(self->dev, vm_name(name, "states"), 0);
	ASSERT_LE(0, vm);
	/* NEW */
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_EQ(PALACIOS_STATE_NEW, vm_state(vm));
	/* CONFIGURED: LAUNCH before LOAD */
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));
	/* LOADED */
	ASSERT_EQ(0, load(vm, l->data, l->size));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_EQ(PALACIOS_STATE_LOADED, vm_state(vm));
	/* RUNNING: double LAUNCH, LOAD after LAUNCH */
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(vm));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, load(vm, l->data, l->size));
	EXPECT_EQ(-EBUSY, configure(vm, VM_MEM, 1));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(vm));
	/* PAUSED */
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(PALACIOS_STATE_PAUSED, vm_state(vm));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, load(vm, l->data, l->size));
	EXPECT_EQ(PALACIOS_STATE_PAUSED, vm_state(vm));
	/* STOPPED, from PAUSED */
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_STOP, NULL));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_STOPPED, info.state);
	EXPECT_STREQ("stopped by the host", info.stop_reason);
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_EQ(-EBUSY, load(vm, l->data, l->size));
	EXPECT_EQ(-EBUSY, configure(vm, VM_MEM, 1));
	EXPECT_EQ(PALACIOS_STATE_STOPPED, vm_state(vm));
	free_vm(_metadata, vm);
}

static void expect_enodev(struct __test_metadata *_metadata, int vm,
			  const struct image *img)
{
	const unsigned long noarg[] = {
		PALACIOS_VM_LAUNCH, PALACIOS_VM_PAUSE, PALACIOS_VM_RESUME,
		PALACIOS_VM_STOP, PALACIOS_VM_FREE, PALACIOS_VM_GET_CONSOLE,
	};
	struct palacios_vm_info info;
	struct palacios_vm_stats st;
	unsigned int i;

	EXPECT_EQ(-ENODEV, configure(vm, VM_MEM, 1));
	EXPECT_EQ(-ENODEV, load(vm, img->data, img->size));
	for (i = 0; i < ARRAY_SIZE(noarg); i++) {
		EXPECT_EQ(-ENODEV, pio(vm, noarg[i], NULL)) {
			TH_LOG("ioctl 0x%lx", noarg[i]);
		}
	}
	EXPECT_EQ(-ENODEV, pio(vm, PALACIOS_VM_GET_STATS, &st));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_FREED, info.state);
}

TEST_F(palacios, freed_enodev)
{
	char name[PALACIOS_NAME_LEN], name2[PALACIOS_NAME_LEN];
	__u64 pages = host_pages(self->dev);
	int vm, vm2, vm3, con;

	/* a running VM, with a second descriptor and a console */
	vm = new_vm(_metadata, self->dev, vm_name(name, "freed"), 0, &self->loop);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	con = get_console(vm);
	ASSERT_LE(0, con);
	vm2 = open_vm(self->dev, name);
	ASSERT_LE(0, vm2);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	expect_enodev(_metadata, vm, &self->loop);
	expect_enodev(_metadata, vm2, &self->loop);
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
	EXPECT_EQ(0, listed(self->dev, name));
	EXPECT_EQ(pages, host_pages(self->dev));
	/* its name can be used again */
	vm3 = create_vm(self->dev, name, 0);
	EXPECT_LE(0, vm3);
	if (vm3 >= 0)
		free_vm(_metadata, vm3);
	close(con);
	close(vm2);
	close(vm);

	/* and a NEW one */
	vm = create_vm(self->dev, vm_name(name2, "freed-new"), 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	expect_enodev(_metadata, vm, &self->hello);
	close(vm);
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F(palacios, efault)
{
	void *bogus[] = {
		NULL, (void *)1, unmapped_page(), (void *)KERNEL_ADDR,
	};
	struct palacios_vm_list l;
	char name[PALACIOS_NAME_LEN];
	__u32 nr_vms;
	unsigned int i;
	int vm;

	ASSERT_NE(MAP_FAILED, bogus[2]);
	vm = create_vm(self->dev, vm_name(name, "efault"), 0);
	ASSERT_LE(0, vm);
	nr_vms = host_nr_vms(self->dev);
	for (i = 0; i < ARRAY_SIZE(bogus); i++) {
		EXPECT_EQ(-EFAULT, pio(vm, PALACIOS_VM_GET_INFO, bogus[i])) {
			TH_LOG("pointer %p", bogus[i]);
		}
		EXPECT_EQ(-EFAULT, pio(vm, PALACIOS_VM_GET_STATS, bogus[i]));
		EXPECT_EQ(-EFAULT, pio(vm, PALACIOS_VM_CONFIGURE, bogus[i]));
		EXPECT_EQ(-EFAULT,
			  pio(self->dev, PALACIOS_GET_HOST_INFO, bogus[i]));
		EXPECT_EQ(-EFAULT, pio(self->dev, PALACIOS_LIST_VMS, bogus[i]));
		EXPECT_EQ(-EFAULT, pio(self->dev, PALACIOS_CREATE_VM, bogus[i]));
		EXPECT_EQ(-EFAULT, pio(self->dev, PALACIOS_OPEN_VM, bogus[i]));
		/* a good list whose array is bad */
		l = (struct palacios_vm_list){
			.nr = 4, .vms = (uintptr_t)bogus[i],
		};
		EXPECT_EQ(-EFAULT, pio(self->dev, PALACIOS_LIST_VMS, &l));
	}
	EXPECT_EQ(nr_vms, host_nr_vms(self->dev));
	EXPECT_EQ(PALACIOS_STATE_NEW, vm_state(vm));

	/* no room: nothing is written, nr is the number of VMs */
	l = (struct palacios_vm_list){ .nr = 0, .vms = 0 };
	EXPECT_EQ(0, pio(self->dev, PALACIOS_LIST_VMS, &l));
	EXPECT_EQ(nr_vms, l.nr);
	l = (struct palacios_vm_list){ .nr = 0, .reserved = 1 };
	EXPECT_EQ(-EINVAL, pio(self->dev, PALACIOS_LIST_VMS, &l));

	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	for (i = 0; i < ARRAY_SIZE(bogus); i++)
		EXPECT_EQ(-EFAULT, pio(vm, PALACIOS_VM_LOAD, bogus[i]));
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vm_state(vm));
	free_vm(_metadata, vm);
}

static int find_vm(const struct palacios_vm_info *vms, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strncmp(vms[i].name, name, PALACIOS_NAME_LEN))
			return i;
	return -1;
}

TEST_F(palacios, list_vms)
{
	struct palacios_vm_info vms[PALACIOS_MAX_VMS], ia, ib, sentinel;
	char a[PALACIOS_NAME_LEN], b[PALACIOS_NAME_LEN];
	int va, vb, n, ka, kb;

	va = create_vm(self->dev, vm_name(a, "list-a"), 0);
	ASSERT_LE(0, va);
	vb = new_vm(_metadata, self->dev, vm_name(b, "list-b"),
		    PALACIOS_VM_PERSISTENT, NULL);
	ASSERT_EQ(0, vm_info(va, &ia));
	ASSERT_EQ(0, vm_info(vb, &ib));
	EXPECT_NE(ia.id, ib.id);

	n = list_vms(self->dev, vms, PALACIOS_MAX_VMS);
	ASSERT_LE(2, n);
	EXPECT_EQ(host_nr_vms(self->dev), n);
	ka = find_vm(vms, n, a);
	kb = find_vm(vms, n, b);
	ASSERT_LE(0, ka);
	ASSERT_LE(0, kb);
	EXPECT_LT(ka, kb);	/* creation order */
	EXPECT_EQ(0, memcmp(&ia, &vms[ka], sizeof(ia)));
	EXPECT_EQ(0, memcmp(&ib, &vms[kb], sizeof(ib)));
	EXPECT_EQ(PALACIOS_STATE_NEW, vms[ka].state);
	EXPECT_EQ(0, vms[ka].flags);
	EXPECT_EQ(getuid(), vms[ka].owner);
	EXPECT_EQ(0, vms[ka].reserved);
	EXPECT_EQ(PALACIOS_STATE_CONFIGURED, vms[kb].state);
	EXPECT_EQ(PALACIOS_VM_PERSISTENT, vms[kb].flags);
	EXPECT_EQ(VM_MEM, vms[kb].mem_size);
	EXPECT_EQ(1, vms[kb].nr_vcpus);

	/* room for one: one written, nr says how many there are */
	memset(vms, 0xa5, sizeof(vms));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	EXPECT_EQ(n, list_vms(self->dev, vms, 1));
	EXPECT_NE(0, memcmp(&vms[0], &sentinel, sizeof(sentinel)));
	EXPECT_EQ(0, memcmp(&vms[1], &sentinel, sizeof(sentinel)));

	free_vm(_metadata, va);
	free_vm(_metadata, vb);
	untrack(b);
	EXPECT_EQ(n - 2, list_vms(self->dev, vms, PALACIOS_MAX_VMS));
	EXPECT_EQ(0, listed(self->dev, a));
	EXPECT_EQ(0, listed(self->dev, b));
}

/* The user the owners test becomes, and its overflow ID in a namespace */
#define OTHER_UID	1000
#define OVERFLOW_UID	65534

/*
 * What a child that became OTHER_UID (every capability gone) can do with
 * the VM @theirs of root and a VM @mine it creates; 0 if all is as
 * api.rst says, else the number of the first step that was not.
 */
static int other_user(int dev, const char *theirs, const char *mine,
		      const char *kernels)
{
	struct palacios_vm_info vms[PALACIOS_MAX_VMS], info;
	int vm, n, i;

	if (setgroups(0, NULL) || setresgid(OTHER_UID, OTHER_UID, OTHER_UID) ||
	    setresuid(OTHER_UID, OTHER_UID, OTHER_UID))
		return 1;
	/* root's VM: neither listed nor opened */
	n = list_vms(dev, vms, PALACIOS_MAX_VMS);
	if (n < 0 || find_vm(vms, n, theirs) >= 0)
		return 2;
	if (open_vm(dev, theirs) != -EACCES)
		return 3;
	/* nor a VM of the kernel, if there is one */
	if (kernels[0] && (find_vm(vms, n, kernels) >= 0 ||
			   open_vm(dev, kernels) != -EACCES))
		return 12;
	/* its own: owned, listed, opened again */
	vm = create_vm(dev, mine, PALACIOS_VM_PERSISTENT);
	if (vm < 0 || vm_info(vm, &info) || info.owner != OTHER_UID ||
	    info.flags != PALACIOS_VM_PERSISTENT)
		return 4;
	n = list_vms(dev, vms, PALACIOS_MAX_VMS);
	if (n < 1 || find_vm(vms, n, mine) < 0)
		return 5;
	for (i = 0; i < n; i++)
		if (vms[i].owner != OTHER_UID)
			return 6;
	vm = open_vm(dev, mine);
	if (vm < 0)
		return 7;
	close(vm);
	/*
	 * In a user namespace of its own it has CAP_SYS_ADMIN, but only
	 * there: root's VM stays out of reach; its own VM is still its, and
	 * its owner has no ID in the namespace, which maps no one.
	 */
	if (unshare(CLONE_NEWUSER))
		return 8;
	if (open_vm(dev, theirs) != -EACCES)
		return 9;
	n = list_vms(dev, vms, PALACIOS_MAX_VMS);
	if (n < 0 || find_vm(vms, n, theirs) >= 0)
		return 10;
	vm = open_vm(dev, mine);
	if (vm < 0 || vm_info(vm, &info) || info.owner != OVERFLOW_UID)
		return 11;
	close(vm);
	return 0;
}

TEST_F_TIMEOUT(palacios, owners, 60)
{
	static const char *const steps[] = {
		"all as expected",
		"could not become uid 1000",
		"root's VM listed to uid 1000",
		"root's VM opened by uid 1000, or not -EACCES",
		"uid 1000 could not create a VM it owns",
		"uid 1000's VM not listed to it",
		"uid 1000 was listed a VM it does not own",
		"uid 1000 could not open its VM",
		"unshare(CLONE_NEWUSER) failed",
		"root's VM opened from a user namespace, or not -EACCES",
		"root's VM listed in a user namespace",
		"uid 1000's VM not opened in its namespace, or owner not 65534",
		"a VM of the kernel listed to uid 1000, or opened not -EACCES",
	};
	struct palacios_vm_info vms[PALACIOS_MAX_VMS], info;
	char theirs[PALACIOS_NAME_LEN], mine[PALACIOS_NAME_LEN];
	char kernels[PALACIOS_NAME_LEN] = "";
	int vm, other, status, n, i;
	pid_t pid;

	/* a VM of the kernel (a guest named at boot), if there is one */
	n = list_vms(self->dev, vms, PALACIOS_MAX_VMS);
	ASSERT_LE(0, n);
	for (i = 0; i < n && i < PALACIOS_MAX_VMS && !kernels[0]; i++) {
		if (!(vms[i].flags & PALACIOS_VM_KERNEL))
			continue;
		EXPECT_EQ(PALACIOS_OWNER_KERNEL, vms[i].owner);
		EXPECT_TRUE(vms[i].flags & PALACIOS_VM_PERSISTENT);
		memcpy(kernels, vms[i].name, sizeof(kernels));
		kernels[PALACIOS_NAME_LEN - 1] = '\0';
	}
	TH_LOG("a VM of the kernel to check: %s", kernels[0] ? kernels : "none");

	vm = create_vm(self->dev, vm_name(theirs, "own-root"), 0);
	ASSERT_LE(0, vm);
	vm_name(mine, "own-user");
	track(mine);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(other_user(self->dev, theirs, mine, kernels));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("expected uid 1000 to reach only its own VMs; saw: %s",
		       WEXITSTATUS(status) < ARRAY_SIZE(steps) ?
		       steps[WEXITSTATUS(status)] : "an unknown step");
	}

	/* root (CAP_SYS_ADMIN) lists and opens the other user's VM */
	EXPECT_EQ(1, listed(self->dev, mine));
	other = open_vm(self->dev, mine);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, vm_info(other, &info));
	EXPECT_EQ(OTHER_UID, info.owner);
	free_vm(_metadata, other);
	untrack(mine);
	close(vm);
}

TEST_F_TIMEOUT(palacios, console_hello, 60)
{
	struct palacios_vm_info info;
	struct palacios_vm_stats st;
	char name[PALACIOS_NAME_LEN];
	struct pollfd pfd;
	short events = 0;
	unsigned int i;
	char *buf;
	ssize_t n;
	int vm, con;

	buf = malloc(CON_BUF);
	ASSERT_NE(NULL, buf);
	vm = new_vm(_metadata, self->dev, vm_name(name, "hello"), 0, &self->hello);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	con = get_console(vm);
	ASSERT_LE(0, con);
	EXPECT_TRUE(cloexec(con));

	n = read_console(con, buf, CON_BUF, WAIT_MS, &events);
	ASSERT_LT(0, n) {
		TH_LOG("console: %s; read so far: %s", strerror(-n), buf);
	}
	EXPECT_NE(NULL, strstr(buf, HELLO_PASS)) {
		TH_LOG("console: %s", buf);
	}
	EXPECT_TRUE(events & POLLIN);
	/* EOF, again, and POLLHUP */
	EXPECT_EQ(0, read(con, buf, CON_BUF));
	pfd = (struct pollfd){ .fd = con, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);

	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_STOPPED, info.state);
	EXPECT_STREQ("exited with code 0", info.stop_reason);
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_STOP, NULL));
	/* input to a stopped VM */
	EXPECT_EQ(-1, write(con, "x", 1));
	EXPECT_EQ(EPIPE, errno);

	ASSERT_EQ(0, pio(vm, PALACIOS_VM_GET_STATS, &st));
	TH_LOG("exits: cpuid=%llu io=%llu vmmcall=%llu guest_ns=%llu",
	       (unsigned long long)st.exits[PALACIOS_EXIT_CPUID],
	       (unsigned long long)st.exits[PALACIOS_EXIT_IO],
	       (unsigned long long)st.exits[PALACIOS_EXIT_VMMCALL],
	       (unsigned long long)st.guest_ns);
	EXPECT_LT(0, st.exits[PALACIOS_EXIT_CPUID]);
	EXPECT_LT(0, st.exits[PALACIOS_EXIT_IO]);
	EXPECT_LE(1, st.exits[PALACIOS_EXIT_VMMCALL]);
	for (i = PALACIOS_NR_EXIT_REASONS; i < ARRAY_SIZE(st.exits); i++)
		EXPECT_EQ(0, st.exits[i]);
	EXPECT_LT(0, st.guest_ns);
	close(con);
	free_vm(_metadata, vm);
	free(buf);
}

TEST_F_TIMEOUT(palacios, console_late, 60)
{
	char name[PALACIOS_NAME_LEN];
	short events = 0;
	char *buf;
	ssize_t n;
	int vm, con;

	buf = malloc(CON_BUF);
	ASSERT_NE(NULL, buf);
	vm = new_vm(_metadata, self->dev, vm_name(name, "late"), 0, &self->hello);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	/* no console until it has stopped: the output waits in the buffer */
	ASSERT_TRUE(wait_state(vm, PALACIOS_STATE_STOPPED, WAIT_MS));
	con = get_console(vm);
	ASSERT_LE(0, con);
	n = read_console(con, buf, CON_BUF, WAIT_MS, &events);
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(buf, "hello: hello from a Palacios guest"));
	EXPECT_NE(NULL, strstr(buf, HELLO_PASS)) {
		TH_LOG("console: %s", buf);
	}
	close(con);
	free_vm(_metadata, vm);
	free(buf);
}

TEST_F_TIMEOUT(palacios, console_write, 60)
{
	char name[PALACIOS_NAME_LEN], buf[256] = "";
	struct pollfd pfd;
	size_t len = 0;
	int vm, con, i;
	ssize_t n;

	vm = new_vm(_metadata, self->dev, vm_name(name, "write"), 0, &self->loop);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	con = get_console(vm);
	ASSERT_LE(0, con);
	ASSERT_EQ(0, fcntl(con, F_SETFL, O_NONBLOCK));

	/* the guest's one line, to its end, then nothing: EAGAIN */
	while ((!strstr(buf, LOOP_LINE) || buf[len - 1] != '\n') &&
	       len < sizeof(buf) - 1) {
		pfd = (struct pollfd){ .fd = con, .events = POLLIN };
		ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
		ASSERT_TRUE(pfd.revents & POLLIN);
		n = read(con, buf + len, sizeof(buf) - 1 - len);
		ASSERT_LT(0, n);
		len += n;
		buf[len] = '\0';
	}
	EXPECT_NE(NULL, strstr(buf, LOOP_LINE));
	EXPECT_EQ(-1, read(con, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	/* input: the UART takes some, then its FIFO is full */
	pfd = (struct pollfd){ .fd = con, .events = POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	for (i = 0; i < 65536; i++)
		if (write(con, "x", 1) != 1)
			break;
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, i);
	EXPECT_GT(65536, i);
	TH_LOG("the guest's receive FIFO took %d bytes", i);
	pfd = (struct pollfd){ .fd = con, .events = POLLOUT };
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	ASSERT_EQ(0, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_EQ(-1, write(con, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, read(con, buf, sizeof(buf)));
	pfd = (struct pollfd){ .fd = con, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	close(con);
	free_vm(_metadata, vm);
}

TEST_F_TIMEOUT(palacios, pause_resume, 60)
{
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	__u64 c0, c1, c2, c3;
	int vm;

	vm = new_vm(_metadata, self->dev, vm_name(name, "pause"), 0, &self->loop);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	c0 = wait_exits(vm, PALACIOS_EXIT_VMMCALL, 0, WAIT_MS);
	ASSERT_LT(0, c0);

	ASSERT_EQ(0, pio(vm, PALACIOS_VM_PAUSE, NULL));
	EXPECT_EQ(PALACIOS_STATE_PAUSED, vm_state(vm));
	c1 = vm_exits(vm, PALACIOS_EXIT_VMMCALL);
	ASSERT_NE(~0ULL, c1);
	sleep_ms(200);
	c2 = vm_exits(vm, PALACIOS_EXIT_VMMCALL);
	EXPECT_EQ(c1, c2);
	EXPECT_EQ(PALACIOS_STATE_PAUSED, vm_state(vm));

	ASSERT_EQ(0, pio(vm, PALACIOS_VM_RESUME, NULL));
	EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(vm));
	c3 = wait_exits(vm, PALACIOS_EXIT_VMMCALL, c2, WAIT_MS);
	EXPECT_LT(c2, c3);
	TH_LOG("vmmcalls: running %llu, paused %llu -> %llu, resumed %llu",
	       (unsigned long long)c0, (unsigned long long)c1,
	       (unsigned long long)c2, (unsigned long long)c3);

	ASSERT_EQ(0, pio(vm, PALACIOS_VM_STOP, NULL));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_STATE_STOPPED, info.state);
	EXPECT_STREQ("stopped by the host", info.stop_reason);
	free_vm(_metadata, vm);
}

TEST_F_TIMEOUT(palacios, persistent, 60)
{
	struct palacios_vm_info info;
	char name[PALACIOS_NAME_LEN];
	__u64 pages = host_pages(self->dev);
	__u32 id;
	int vm;

	vm = new_vm(_metadata, self->dev, vm_name(name, "persist"),
		    PALACIOS_VM_PERSISTENT, &self->loop);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(PALACIOS_VM_PERSISTENT, info.flags);
	id = info.id;
	close(vm);

	/* it lives on, running, without a descriptor */
	sleep_ms(100);
	EXPECT_EQ(1, listed(self->dev, name));
	vm = open_vm(self->dev, name);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vm_info(vm, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(PALACIOS_STATE_RUNNING, info.state);
	EXPECT_EQ(PALACIOS_VM_PERSISTENT, info.flags);

	free_vm(_metadata, vm);
	untrack(name);
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
	EXPECT_EQ(0, listed(self->dev, name));
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F_TIMEOUT(palacios, last_close_frees, 60)
{
	char name[PALACIOS_NAME_LEN];
	__u64 pages = host_pages(self->dev);
	int vm, vm2, con;

	/* a NEW VM */
	vm = create_vm(self->dev, vm_name(name, "close-new"), 0);
	ASSERT_LE(0, vm);
	close(vm);
	EXPECT_TRUE(wait_gone(self->dev, name, pages, GONE_MS));

	/* a running one, with two VM descriptors and a console */
	vm = new_vm(_metadata, self->dev, vm_name(name, "close"), 0, &self->loop);
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	con = get_console(vm);
	ASSERT_LE(0, con);
	vm2 = open_vm(self->dev, name);
	ASSERT_LE(0, vm2);
	close(vm);
	EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(vm2));
	close(vm2);
	sleep_ms(100);
	EXPECT_EQ(1, listed(self->dev, name));	/* the console holds it */
	close(con);
	EXPECT_TRUE(wait_gone(self->dev, name, pages, GONE_MS));
	EXPECT_EQ(-ENOENT, open_vm(self->dev, name));
}

/* A child runs a VM, says "ready" and exits (or is killed) */
static void dies_with_vm(struct __test_metadata *_metadata, int dev,
			 const struct image *img, bool killed)
{
	struct palacios_vm_config cfg = { .mem_size = VM_MEM, .nr_vcpus = 1 };
	char name[PALACIOS_NAME_LEN], msg[8] = "";
	__u64 pages = host_pages(dev);
	struct pollfd pfd;
	int p[2], status, vm;
	pid_t pid;
	bool ok;

	vm_name(name, killed ? "killed" : "exits");
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		vm = create_vm(dev, name, 0);
		if (vm < 0 || pio(vm, PALACIOS_VM_CONFIGURE, &cfg) ||
		    load(vm, img->data, img->size) ||
		    pio(vm, PALACIOS_VM_LAUNCH, NULL))
			_exit(1);
		if (write(p[1], "ready", 5) != 5)
			_exit(1);
		if (!killed)
			_exit(0);
		for (;;)
			pause();
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, WAIT_MS));
	EXPECT_EQ(5, read(p[0], msg, 5));
	EXPECT_STREQ("ready", msg);
	close(p[0]);
	if (killed)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (killed)
		ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	else
		ok = WIFEXITED(status) && !WEXITSTATUS(status);
	EXPECT_TRUE(ok) {
		TH_LOG("child status 0x%x", status);
	}

	EXPECT_TRUE(wait_gone(dev, name, pages, GONE_MS)) {
		TH_LOG("listed %d, pages %llu, before %llu",
		       listed(dev, name),
		       (unsigned long long)host_pages(dev),
		       (unsigned long long)pages);
	}
}

TEST_F_TIMEOUT(palacios, process_exits, 60)
{
	dies_with_vm(_metadata, self->dev, &self->loop, false);
}

TEST_F_TIMEOUT(palacios, process_killed, 60)
{
	dies_with_vm(_metadata, self->dev, &self->loop, true);
}

TEST_F_TIMEOUT(palacios, two_vms, 120)
{
	char name[PALACIOS_NAME_LEN];
	struct palacios_vm_info info;
	__u64 pages = host_pages(self->dev), c[2];
	int loops[2], hellos[2], cons[2], i;
	short events = 0;
	char *buf;
	ssize_t n;

	buf = malloc(CON_BUF);
	ASSERT_NE(NULL, buf);
	loops[0] = new_vm(_metadata, self->dev, vm_name(name, "loop0"), 0,
			  &self->loop);
	loops[1] = new_vm(_metadata, self->dev, vm_name(name, "loop1"), 0,
			  &self->loop);
	hellos[0] = new_vm(_metadata, self->dev, vm_name(name, "hello0"), 0,
			   &self->hello);
	hellos[1] = new_vm(_metadata, self->dev, vm_name(name, "hello1"), 0,
			   &self->hello);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pio(loops[i], PALACIOS_VM_LAUNCH, NULL));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pio(hellos[i], PALACIOS_VM_LAUNCH, NULL));
		cons[i] = get_console(hellos[i]);
		ASSERT_LE(0, cons[i]);
	}
	for (i = 0; i < 2; i++) {
		n = read_console(cons[i], buf, CON_BUF, WAIT_MS, &events);
		EXPECT_LT(0, n);
		EXPECT_NE(NULL, strstr(buf, HELLO_PASS)) {
			TH_LOG("hello%d: %s", i, buf);
		}
		ASSERT_EQ(0, vm_info(hellos[i], &info));
		EXPECT_EQ(PALACIOS_STATE_STOPPED, info.state);
		EXPECT_STREQ("exited with code 0", info.stop_reason);
	}
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(loops[i]));
		c[i] = vm_exits(loops[i], PALACIOS_EXIT_VMMCALL);
		ASSERT_NE(~0ULL, c[i]);
	}
	for (i = 0; i < 2; i++) {
		EXPECT_LT(c[i], wait_exits(loops[i], PALACIOS_EXIT_VMMCALL,
					   c[i], WAIT_MS));
		EXPECT_EQ(PALACIOS_STATE_RUNNING, vm_state(loops[i]));
	}
	for (i = 0; i < 2; i++) {
		close(cons[i]);
		free_vm(_metadata, hellos[i]);
		free_vm(_metadata, loops[i]);
	}
	EXPECT_EQ(pages, host_pages(self->dev));
	free(buf);
}

TEST_F_TIMEOUT(palacios, cycles, 300)
{
	const int cycles = 100;
	char name[PALACIOS_NAME_LEN];
	__u64 before, after;
	int i, vm, ret;

	vm_name(name, "cycle");
	before = host_pages(self->dev);
	for (i = 0; i < cycles; i++) {
		const struct image *img = i & 1 ? &self->loop : &self->hello;

		vm = new_vm(_metadata, self->dev, name, 0, img);
		ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
		/* hello may have stopped by itself already */
		ret = pio(vm, PALACIOS_VM_STOP, NULL);
		ASSERT_TRUE(!ret || (ret == -EBUSY && img == &self->hello)) {
			TH_LOG("cycle %d: STOP: %s", i, strerror(-ret));
		}
		ASSERT_EQ(PALACIOS_STATE_STOPPED, vm_state(vm));
		ASSERT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
		close(vm);
	}
	after = host_pages(self->dev);
	ksft_print_msg("cycles=%d pages_before=%llu pages_after=%llu\n",
		       cycles, (unsigned long long)before,
		       (unsigned long long)after);
	fflush(stdout);
	EXPECT_EQ(before, after);
}

static int passthrough(int vm, __u32 first, __u32 count, __u32 irq,
		       __u32 line, __u32 flags)
{
	struct palacios_passthrough pt = {
		.port_first = first, .port_count = count, .irq = irq,
		.line = line, .flags = flags,
	};

	return pio(vm, PALACIOS_VM_PASSTHROUGH, &pt);
}

/* Whether /proc/ioports shows @owner holding a range */
static bool ioports_have(const char *owner)
{
	FILE *f = fopen("/proc/ioports", "r");
	char line[256];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *name = strstr(line, " : ");

		found = name && !strncmp(name + 3, owner, strlen(owner)) &&
			name[3 + strlen(owner)] == '\n';
	}
	if (f)
		fclose(f);
	return found;
}

/* A scratch file of @size bytes, already unlinked; *@ro is opened read-only */
static int scratch_file(off_t size, int *ro)
{
	char path[] = "/tmp/palacios-disk-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (ro)
		*ro = open(path, O_RDONLY);
	if (ftruncate(fd, size) || (ro && *ro < 0)) {
		close(fd);
		fd = -1;
	}
	unlink(path);
	return fd;
}

TEST_F(palacios, disks)
{
	char name[PALACIOS_NAME_LEN], name2[PALACIOS_NAME_LEN];
	const struct image *l = &self->loop;
	__u64 pages = host_pages(self->dev);
	struct palacios_disk d = { 0 };
	int vm, vm2, fd, fd2, rofd, tiny;

	fd = scratch_file(64 * 512, &rofd);
	fd2 = scratch_file(64 * 512, NULL);
	tiny = scratch_file(100, NULL);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_LE(0, tiny);
	vm = create_vm(self->dev, vm_name(name, "disks"), 0);
	ASSERT_LE(0, vm);
	d.fd = fd;
	/* not configured: no VM to give it to yet */
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	ASSERT_EQ(0, configure(vm, 16ULL << 20, 1));
	d.flags = 0x2;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	d.flags = 0;
	d.fd = -1;
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	d.fd = self->dev;		/* a character device */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	d.fd = tiny;			/* less than a sector */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	d.fd = rofd;			/* read-only, for a disk to write */
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	/* disks that only read may share a file */
	d.flags = PALACIOS_DISK_RO;
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	/* one that writes may not, whichever descriptor names the file */
	d.fd = fd;
	d.flags = 0;
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	d.fd = fd2;
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	/* nor read a file another disk writes, in this VM or another */
	vm2 = create_vm(self->dev, vm_name(name2, "disks2"), 0);
	ASSERT_LE(0, vm2);
	ASSERT_EQ(0, configure(vm2, 16ULL << 20, 1));
	EXPECT_EQ(-EBUSY, pio(vm2, PALACIOS_VM_ADD_DISK, &d));
	d.flags = PALACIOS_DISK_RO;
	EXPECT_EQ(-EBUSY, pio(vm2, PALACIOS_VM_ADD_DISK, &d));
	/* three at most */
	d.fd = rofd;
	EXPECT_EQ(-ENOSPC, pio(vm, PALACIOS_VM_ADD_DISK, &d));
	/* the VM holds its files: the descriptors may go */
	close(rofd);
	/* once the VM that wrote it is freed, the file is free */
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	d.fd = fd2;
	d.flags = 0;
	EXPECT_EQ(0, pio(vm2, PALACIOS_VM_ADD_DISK, &d));
	/* once a guest is loaded, too late */
	ASSERT_EQ(0, load(vm2, l->data, l->size));
	d.fd = fd;
	EXPECT_EQ(-EBUSY, pio(vm2, PALACIOS_VM_ADD_DISK, &d));
	EXPECT_EQ(0, pio(vm2, PALACIOS_VM_FREE, NULL));
	close(vm2);
	close(vm);
	close(tiny);
	close(fd2);
	close(fd);
	EXPECT_EQ(pages, host_pages(self->dev));
}

/* A queue of tap device @name (made if need be) with @flags, or -1 */
static int tap_open(const char *name, short flags)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0 || !name)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(palacios, nics)
{
	char name[PALACIOS_NAME_LEN], name2[PALACIOS_NAME_LEN];
	const struct image *l = &self->loop;
	__u64 pages = host_pages(self->dev);
	struct palacios_nic n = { .flags = PALACIOS_NIC_MAC,
				  .mac = { 0x52, 0x54, 0, 0, 0, 1 } };
	int hdr = sizeof(struct virtio_net_hdr_v1);
	int vm, vm2, tap, tap2, bare;

	/* with virtio-net headers, as the tool attaches */
	tap = tap_open("paltest0", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	if (tap < 0)
		SKIP(return, "no tap device (CONFIG_TUN?): %s", strerror(errno));
	ASSERT_EQ(0, ioctl(tap, TUNSETVNETHDRSZ, &hdr));
	tap2 = tap_open("paltest1", IFF_TAP | IFF_NO_PI);
	ASSERT_LE(0, tap2);
	bare = tap_open(NULL, 0);
	ASSERT_LE(0, bare);
	vm = create_vm(self->dev, vm_name(name, "nics"), 0);
	ASSERT_LE(0, vm);
	n.fd = tap;
	/* not configured: no VM to give it to yet */
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	ASSERT_EQ(0, configure(vm, 16ULL << 20, 1));
	n.flags = 0x4;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.flags = PALACIOS_NIC_MAC;
	n.pad[1] = 1;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.pad[1] = 0;
	n.fd = -1;
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.fd = self->dev;		/* not a tap */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.fd = bare;			/* a tun descriptor without its device */
	EXPECT_EQ(-EBADFD, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.fd = tap;
	n.mac[0] = 0x01;		/* multicast */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.mac[0] = 0x52;
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	/* one NIC a VM */
	n.fd = tap2;
	EXPECT_EQ(-EEXIST, pio(vm, PALACIOS_VM_ADD_NIC, &n));
	n.fd = tap;
	/* a tap queue is one VM's */
	vm2 = create_vm(self->dev, vm_name(name2, "nics2"), 0);
	ASSERT_LE(0, vm2);
	ASSERT_EQ(0, configure(vm2, 16ULL << 20, 1));
	EXPECT_EQ(-EBUSY, pio(vm2, PALACIOS_VM_ADD_NIC, &n));
	/*
	 * the VM holds the tap: the descriptor may go; freed, it is free
	 * (for a NIC with offloads now: the device sets the tap's)
	 */
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	n.flags |= PALACIOS_NIC_VNET_HDR;
	EXPECT_EQ(0, pio(vm2, PALACIOS_VM_ADD_NIC, &n));
	/* once a guest is loaded, too late */
	ASSERT_EQ(0, load(vm2, l->data, l->size));
	EXPECT_EQ(-EBUSY, pio(vm2, PALACIOS_VM_ADD_NIC, &n));
	close(tap);
	EXPECT_EQ(0, pio(vm2, PALACIOS_VM_FREE, NULL));
	close(vm2);
	close(vm);
	close(bare);
	close(tap2);
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F(palacios, channels)
{
	char name[PALACIOS_NAME_LEN];
	const struct image *l = &self->loop;
	__u64 pages = host_pages(self->dev);
	struct palacios_channel c = { 0 };
	int vm, in[2], out[2], dg[2];

	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(0, pipe(out));
	vm = create_vm(self->dev, vm_name(name, "chans"), 0);
	ASSERT_LE(0, vm);
	c.in_fd = in[0];
	c.out_fd = out[1];
	/* not configured: no VM to give it to yet */
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	ASSERT_EQ(0, configure(vm, 16ULL << 20, 1));
	c.flags = 1;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	c.flags = 0;
	c.reserved = 1;
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	c.reserved = 0;
	c.in_fd = -1;
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	c.in_fd = self->dev;		/* not a pipe, a FIFO or a socket */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	c.in_fd = in[1];		/* a pipe's end for writing, to read */
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	c.in_fd = in[0];
	c.out_fd = out[0];		/* and the other way round */
	EXPECT_EQ(-EBADF, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	/* a datagram socket (where the kernel has UNIX sockets) */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0) {
		c.out_fd = dg[0];
		EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
		close(dg[0]);
		close(dg[1]);
	}
	c.out_fd = out[1];
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	/* one a VM */
	EXPECT_EQ(-EEXIST, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	/* once a guest is loaded, too late */
	ASSERT_EQ(0, load(vm, l->data, l->size));
	EXPECT_EQ(-EBUSY, pio(vm, PALACIOS_VM_ADD_CHANNEL, &c));
	/* the VM holds its ends: the descriptors may go */
	close(in[0]);
	close(out[1]);
	ASSERT_EQ(0, fcntl(out[0], F_SETFL, O_NONBLOCK));
	EXPECT_EQ(1, write(in[1], name, 1));
	EXPECT_EQ(-1, read(out[0], name, 1));
	EXPECT_EQ(EAGAIN, errno);
	/* freed, it closed them: the other ends see it */
	EXPECT_EQ(0, pio(vm, PALACIOS_VM_FREE, NULL));
	EXPECT_EQ(0, read(out[0], name, 1));
	EXPECT_EQ(-1, write(in[1], name, 1));
	EXPECT_EQ(EPIPE, errno);
	close(vm);
	close(in[1]);
	close(out[0]);
	EXPECT_EQ(pages, host_pages(self->dev));
}

TEST_F_TIMEOUT(palacios, passthrough, 60)
{
	const struct palacios_passthrough reserved = {
		.port_first = 0x2e8, .port_count = 8, .reserved = 1,
	};
	char name[PALACIOS_NAME_LEN], name2[PALACIOS_NAME_LEN];
	char owner[PALACIOS_NAME_LEN + 16];
	const struct image *l = &self->loop;
	__u64 pages = host_pages(self->dev);
	int vm, vm2, err;

	vm = create_vm(self->dev, vm_name(name, "pt"), 0);
	ASSERT_LE(0, vm);
	/* not configured: no VM to give it to yet */
	EXPECT_EQ(-EBUSY, passthrough(vm, 0x2e8, 8, 0, 0, 0));
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	/* malformed */
	EXPECT_EQ(-EINVAL, pio(vm, PALACIOS_VM_PASSTHROUGH, &reserved));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0x2e8, 8, 0, 0, 0x2));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0x10000, 1, 0, 0, 0));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0xfff8, 9, 0, 0, 0));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0, 0x10001, 0, 0, 0));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0, 0, 5, 16, PALACIOS_PT_IRQ));
	EXPECT_EQ(-EFAULT, pio(vm, PALACIOS_VM_PASSTHROUGH, unmapped_page()));
	/* the VM's own COM1, its line, a host IRQ that does not exist */
	EXPECT_EQ(-EEXIST, passthrough(vm, 0x3f8, 8, 0, 0, 0));
	EXPECT_EQ(-EEXIST, passthrough(vm, 0, 0, 5, 4, PALACIOS_PT_IRQ));
	EXPECT_EQ(-ENXIO, passthrough(vm, 0, 0, 100000, 5, PALACIOS_PT_IRQ));
	/* the host's timer keeps its IRQ 0 */
	EXPECT_EQ(-EBUSY, passthrough(vm, 0, 0, 0, 5, PALACIOS_PT_IRQ));

	err = passthrough(vm, 0x2e8, 8, 5, 5, PALACIOS_PT_IRQ);
	if (err == -EBUSY) {
		free_vm(_metadata, vm);
		SKIP(return, "the host uses COM4's ports (0x2e8) or IRQ 5");
	}
	ASSERT_EQ(0, err);
	snprintf(owner, sizeof(owner), "palacios:%s", name);
	EXPECT_TRUE(ioports_have(owner));
	/* overlapping what it has, and another VM asking for the same */
	EXPECT_EQ(-EINVAL, passthrough(vm, 0x2ec, 8, 0, 0, 0));
	EXPECT_EQ(-EINVAL, passthrough(vm, 0, 0, 6, 5, PALACIOS_PT_IRQ));
	vm2 = new_vm(_metadata, self->dev, vm_name(name2, "pt2"), 0, NULL);
	EXPECT_EQ(-EBUSY, passthrough(vm2, 0x2e8, 8, 0, 0, 0));
	EXPECT_EQ(-EBUSY, passthrough(vm2, 0x2ec, 1, 0, 0, 0));
	EXPECT_EQ(-EBUSY, passthrough(vm2, 0, 0, 5, 7, PALACIOS_PT_IRQ));
	free_vm(_metadata, vm2);

	/* only before the launch; given back when the VM stops */
	ASSERT_EQ(0, load(vm, l->data, l->size));
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	EXPECT_EQ(-EBUSY, passthrough(vm, 0x2a0, 1, 0, 0, 0));
	EXPECT_TRUE(ioports_have(owner));
	ASSERT_EQ(0, pio(vm, PALACIOS_VM_STOP, NULL));
	EXPECT_FALSE(ioports_have(owner));
	free_vm(_metadata, vm);
	EXPECT_TRUE(wait_gone(self->dev, name, pages, GONE_MS));
}

TEST_F(palacios, refusals_ratelimited)
{
	struct palacios_create_vm c = { .name = "a b" };
	char name[PALACIOS_NAME_LEN], rec[8192];
	int vm, kmsg, i, lines = 0;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0)
		SKIP(return, "/dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	vm = create_vm(self->dev, vm_name(name, "quiet"), 0);
	ASSERT_LE(0, vm);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(-EINVAL, configure(vm, 0, 1));
		ASSERT_EQ(-EINVAL, pio(self->dev, PALACIOS_CREATE_VM, &c));
		ASSERT_EQ(-ENOTTY, pio(vm, _IO(PALACIOS_IOCTL_TYPE, 0x7f), NULL));
		ASSERT_EQ(-EBUSY, pio(vm, PALACIOS_VM_LAUNCH, NULL));
	}
	/* the reason a load is refused is logged: at least once */
	ASSERT_EQ(0, configure(vm, VM_MEM, 1));
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(-ENOEXEC, load(vm, self->garbage.data,
					 self->garbage.size));
	free_vm(_metadata, vm);
	/* one record per read(); EPIPE if some were overwritten */
	while (read(kmsg, rec, sizeof(rec)) > 0 || errno == EPIPE)
		lines++;
	close(kmsg);
	TH_LOG("5000 refusals, %d lines in the kernel log", lines);
	EXPECT_LE(1, lines);
	EXPECT_GT(100, lines);
}

int main(int argc, char **argv)
{
	/* Say once, not per test, that there is nothing to test */
	if (argc == 1 && access(PALACIOS_DEV, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s: %s: is the palacios module loaded?\n",
			       PALACIOS_DEV, strerror(errno));
	}
	return test_harness_run(argc, argv);
}
