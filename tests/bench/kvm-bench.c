// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-bench: run a Palacios guest image under KVM, to compare exit costs
 * with Palacios' on the same host.
 *
 *	kvm-bench IMAGE
 *
 * IMAGE is a REAL16 image in the format of <palacios/image.h>, normally
 * bench.img from tools/testing/palacios/guests.  The VM gets the header's
 * mem_size (at least 2 MiB).  OUTs to port 0x80 are handled in the kernel
 * by an ioeventfd, as Palacios handles them with its in-kernel POST port
 * device; COM1 output goes to stdout; reads of other ports return all ones
 * and writes to them are ignored, as in Palacios.  The VM runs until it
 * halts, stops otherwise, or 60 seconds have passed.
 *
 * Exit status: 0 if the guest printed a "BENCH done" line, 1 otherwise.
 * Build it with gcc -O2 -static -Wall (no other dependencies).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define TIMEOUT_S	60
#define MIN_MEM		(2UL << 20)
#define COM1_BASE	0x3f8
#define UART_LCR_DLAB	0x80
#define UART_LSR_IDLE	0x60	/* THR and transmitter empty */
#define PORT_POST	0x80
#define DONE_LINE	"BENCH done"

/* struct v3_image_header of <palacios/image.h>, all little-endian */
struct image_header {
	char magic[8];
	u32 version;
	u32 header_size;
	u32 mode;
	u32 nr_vcpus;
	u64 mem_size;
	u64 load_gpa;
	u64 entry;
	u64 stack;
	u32 flags;
	u32 reserved;
};

static const char * const mode_names[] = { "REAL16", "PROT32", "LONG64" };

static struct kvm_run *run;
static int timed_out;		/* set by on_alarm(), accessed atomically */

static struct {
	u8 lcr;
	char line[128];
	size_t line_len;
	int done;
	unsigned long io_exits, post_exits;
} state;

static void die(const char *what)
{
	fprintf(stderr, "kvm-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvm-bench: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_store_n(&timed_out, 1, __ATOMIC_SEQ_CST);
	if (run)
		run->immediate_exit = 1;
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		die("malloc");
	if (read(fd, buf, st.st_size) != st.st_size)
		fail("%s: short read", path);
	close(fd);
	*len = st.st_size;
	return buf;
}

static void serial_out(u8 c)
{
	if (c == '\r')
		return;
	putchar(c);
	if (c != '\n') {
		if (state.line_len < sizeof(state.line) - 1)
			state.line[state.line_len++] = c;
		return;
	}
	fflush(stdout);
	state.line[state.line_len] = '\0';
	if (!strcmp(state.line, DONE_LINE))
		state.done = 1;
	state.line_len = 0;
}

/* One byte/word/dword of a KVM_EXIT_IO */
static void port_io(u16 port, int out, u8 *data, unsigned int size)
{
	unsigned int reg = port - COM1_BASE;

	if (port == PORT_POST)
		state.post_exits++;
	if (port < COM1_BASE || port >= COM1_BASE + 8 || size != 1) {
		if (!out)
			memset(data, 0xff, size);
		return;
	}
	if (out) {
		if (reg == 0 && !(state.lcr & UART_LCR_DLAB))
			serial_out(*data);
		else if (reg == 3)
			state.lcr = *data;
		return;
	}
	switch (reg) {
	case 3:
		*data = state.lcr;
		break;
	case 5:
		*data = UART_LSR_IDLE;
		break;
	default:
		*data = 0;
		break;
	}
}

static int load_image(const char *path, u8 **mem, u64 *mem_size,
		      struct image_header *hdr)
{
	size_t len, payload;
	u8 *buf;

	buf = read_file(path, &len);
	if (len < sizeof(*hdr) || memcmp(buf, "PALACIOS", 8))
		fail("%s: not a Palacios image", path);
	memcpy(hdr, buf, sizeof(*hdr));
	hdr->version = le32toh(hdr->version);
	hdr->header_size = le32toh(hdr->header_size);
	hdr->mode = le32toh(hdr->mode);
	hdr->mem_size = le64toh(hdr->mem_size);
	hdr->load_gpa = le64toh(hdr->load_gpa);
	hdr->entry = le64toh(hdr->entry);
	hdr->stack = le64toh(hdr->stack);
	if (hdr->version != 1 || hdr->header_size < sizeof(*hdr) ||
	    hdr->header_size > len)
		fail("%s: unsupported image version or header size", path);
	if (hdr->mode != 0) {
		fprintf(stderr,
			"kvm-bench: %s: mode %s is not supported, only REAL16\n",
			path, hdr->mode < 3 ? mode_names[hdr->mode] : "unknown");
		exit(1);
	}
	payload = len - hdr->header_size;

	*mem_size = hdr->mem_size < MIN_MEM ? MIN_MEM : hdr->mem_size;
	*mem_size = (*mem_size + 0xfff) & ~0xfffULL;
	if (hdr->entry > 0xffff || hdr->stack > 0x10000 ||
	    hdr->load_gpa > *mem_size || payload > *mem_size - hdr->load_gpa)
		fail("%s: payload, entry or stack out of range", path);

	*mem = mmap(NULL, *mem_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(*mem + hdr->load_gpa, buf + hdr->header_size, payload);
	free(buf);
	return 0;
}

static void set_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *cpuid;
	int n = 256;

	cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
	if (!cpuid)
		die("calloc");
	cpuid->nent = n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);
}

static void set_real_mode(int vcpu, const struct image_header *hdr,
			  u64 mem_size)
{
	struct kvm_segment *segs[6];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int i;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	segs[0] = &sregs.cs;
	segs[1] = &sregs.ds;
	segs[2] = &sregs.es;
	segs[3] = &sregs.fs;
	segs[4] = &sregs.gs;
	segs[5] = &sregs.ss;
	for (i = 0; i < 6; i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
		segs[i]->limit = 0xffff;
	}
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = hdr->entry;
	regs.rsp = hdr->stack;
	regs.rdi = (u32)mem_size;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/* Return: a description of why the VM stopped */
static const char *run_vm(int vcpu)
{
	static char why[128];
	unsigned int i, j;
	u8 *data;

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			die("KVM_RUN");
		if (__atomic_load_n(&timed_out, __ATOMIC_SEQ_CST))
			return "timeout";
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			return "halted";
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_IO:
			state.io_exits++;
			data = (u8 *)run + run->io.data_offset;
			for (i = 0; i < run->io.count; i++) {
				for (j = 0; j < run->io.size; j++)
					port_io(run->io.port + j,
						run->io.direction ==
						KVM_EXIT_IO_OUT,
						data + j, 1);
				data += run->io.size;
			}
			break;
		case KVM_EXIT_MMIO:
			snprintf(why, sizeof(why),
				 "access to unbacked memory at 0x%llx",
				 (unsigned long long)run->mmio.phys_addr);
			return why;
		case KVM_EXIT_SHUTDOWN:
			return "shutdown (triple fault)";
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, sizeof(why),
				 "entry failed, reason 0x%llx",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return why;
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, sizeof(why), "KVM internal error %u",
				 run->internal.suberror);
			return why;
		default:
			snprintf(why, sizeof(why), "unexpected exit reason %u",
				 run->exit_reason);
			return why;
		}
	}
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_ioeventfd ioevent;
	struct image_header hdr;
	struct sigaction sa;
	int kvm, vm, vcpu, efd;
	u64 mem_size;
	const char *why;
	long run_size;
	u8 *mem;

	if (argc != 2) {
		fprintf(stderr, "usage: kvm-bench IMAGE\n");
		return 1;
	}
	load_image(argv[1], &mem, &mem_size, &hdr);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		fail("%s", "unsupported KVM API version");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	/* Needed on Intel for real mode; harmless elsewhere */
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (unsigned long)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		die("eventfd");
	ioevent = (struct kvm_ioeventfd){
		.addr = PORT_POST,
		.len = 1,
		.fd = efd,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	if (ioctl(vm, KVM_IOEVENTFD, &ioevent) < 0)
		die("KVM_IOEVENTFD");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(kvm, vcpu);
	set_real_mode(vcpu, &hdr, mem_size);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		die("sigaction");
	alarm(TIMEOUT_S);

	why = run_vm(vcpu);
	fflush(stdout);
	fprintf(stderr,
		"kvm-bench: guest stopped: %s; %lu port exits to user space, %lu of them to port 0x80\n",
		why, state.io_exits, state.post_exits);
	if (!state.done) {
		fprintf(stderr, "kvm-bench: FAIL no \"%s\" line\n", DONE_LINE);
		return 1;
	}
	return 0;
}
