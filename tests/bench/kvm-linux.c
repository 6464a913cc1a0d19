// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-linux: boot a Linux bzImage directly under KVM, laid out as Palacios
 * lays out a Linux guest (palacios/core/linux.c), to compare the boot times
 * of the two VMMs on the same host.
 *
 *	kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE]
 *		  [-w STRING] [-t TIMEOUT_S]
 *
 * The bzImage is checked and started as a boot loader would, at its 64-bit
 * entry (Documentation/arch/x86/boot.rst) with RSI pointing to the zero page:
 *
 *   0x1000   GDT: __BOOT_CS (0x10, 64-bit code), __BOOT_DS (0x18)
 *   0x2000   identity page tables of the first 4 GiB, 2 MiB pages
 *   0x8000   the zero page (struct boot_params)
 *   0x20000  the command line; the initial stack grows down from here
 *   load     the protected-mode kernel: pref_address, else 16 MiB
 *   top      the initrd, as high as initrd_addr_max and memory allow
 *
 * e820: [0, 0x9f000) RAM, [0x9f000, 1 MiB) reserved, [1 MiB, end) RAM, with
 * end = MEM_MIB (default 128, at most 3072) in one memory slot.
 *
 * Devices: the in-kernel PIC, I/O APIC and local APIC (KVM_CREATE_IRQCHIP)
 * and PIT (KVM_CREATE_PIT2); port 0x80 writes as an ioeventfd; COM1 (0x3f8,
 * IRQ 4) as a 16550A in user space, its output to stdout, its input from
 * stdin once STRING has appeared (so that input piped in is not lost while
 * the kernel probes the port).  Other ports and unbacked memory read as all
 * ones and ignore writes, as in Palacios.  Unlike Palacios, no ACPI tables:
 * KVM's in-kernel devices do not include the ACPI PM block, so the kernel
 * runs without ACPI, which is fine for boot timing.  CPUID is what
 * KVM_GET_SUPPORTED_CPUID offers.
 *
 * On stderr: 'kvm-linux: boot to "STRING" in N ms (setup M ms)' once the
 * output contains STRING within a line (default "GUEST: shell ready"), N
 * from just before the first KVM_RUN, M from process start to then; at the
 * end why, and 'kvm-linux: exits io=.. mmio=.. hlt=.. other=..' (exits to
 * user space; KVM_RUN returns for the runner's own signals not counted).
 *
 * The VM ends when the guest resets (triple fault), halts ("reboot: Power
 * down" or "System halted" on the console, or HLT with interrupts off), has
 * printed nothing for 10 s after the end of stdin, or after TIMEOUT_S
 * seconds (default 120).  Exit status: 0 if the guest ended, 1 on an error,
 * 3 on timeout.  Build it with gcc -O2 -static -Wall (no other dependencies).
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL
#define IDLE_NS		(10 * NSEC_PER_SEC)
#define MIB		(1ULL << 20)
#define MAX_MEM_MIB	3072

/* Guest-physical layout, as in palacios/core/linux.c */
#define GDT_GPA		0x1000
#define PML4_GPA	0x2000
#define PDPT_GPA	0x3000
#define PD_GPA		0x4000
#define ZERO_PAGE	0x8000
#define CMDLINE_GPA	0x20000
#define STACK_TOP	0x20000
#define LOW_RAM_END	0x9f000
#define HIGH_RAM	0x100000
#define LOAD_ADDR	0x1000000
#define INITRD_MAX	0x37ffffff	/* if the header has no initrd_addr_max */
#define ENTRY64		0x200
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define PTE_P_RW	0x003
#define PTE_PS		0x080
#define IDENT_MAP_GPA	0xfeffc000UL	/* pages KVM needs on Intel */
#define TSS_GPA		0xfeffd000UL

/* The setup header, at the same offsets in the bzImage and zero page */
#define HDR_START	0x1f1
#define HDR_JUMP	0x200	/* its second byte: the header's length */
#define HDR_END_MIN	0x264	/* protocol 2.12 reaches init_size */
#define HDRS_MAGIC	0x53726448	/* "HdrS" */
#define PROTOCOL_MIN	0x020c
#define E820_RAM	1
#define E820_RESERVED	2

#define COM1_BASE	0x3f8
#define COM1_IRQ	4
#define PORT_POST	0x80
#define RX_FIFO_SIZE	16
#define IIR_FIFO	0xc0	/* FIFOs enabled, as a 16550A reports it */

enum { RUNNING, END_RESET, END_HALT, END_IDLE, END_TIMEOUT };

static int vm_fd;
static struct kvm_run *run;
static volatile sig_atomic_t sig_alarm, sig_io;
static int stdin_flags = -1;
static u64 t_start, t_run, t_boot, deadline, last_out;
static unsigned long timeout_s = 120;
static const char *wait_str = "GUEST: shell ready";
static size_t wait_len;
static int booted, boot_reported, in_enabled, in_eof, ended;
static unsigned long n_io, n_mmio, n_hlt, n_other;
static char line[1024];
static size_t line_len;

static struct {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	int thr_pending;	/* THR-empty interrupt pending */
	int irq_level;		/* what IRQ 4 was last set to */
	u8 rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
} uart;

static void print_exits(void)
{
	fprintf(stderr, "kvm-linux: exits io=%lu mmio=%lu hlt=%lu other=%lu\n",
		n_io, n_mmio, n_hlt, n_other);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "kvm-linux: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (t_run)
		print_exits();
	exit(1);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fail("%s: %s", what, strerror(errno));
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		sig_alarm = 1;
	else
		sig_io = 1;
	if (run)
		run->immediate_exit = 1;
}

static void restore_stdin(void)
{
	fcntl(0, F_SETFL, stdin_flags);
}

static u8 *read_file(const char *path, size_t *len)
{
	struct stat st;
	u8 *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size + 1);
	if (!buf)
		die("malloc");
	if (read(fd, buf, st.st_size) != st.st_size)
		fail("%s: short read", path);
	close(fd);
	*len = st.st_size;
	return buf;
}

static void e820_add(struct boot_params *bp, u64 addr, u64 size, u32 type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

/*
 * Check the bzImage as a boot loader does; put kernel, initrd, command
 * line, zero page, GDT and page tables into guest memory (x86 and the
 * boot protocol are little-endian, so the structures are written as they
 * are).  Return: the 64-bit entry point.
 */
static u64 load_linux(u8 *mem, u64 mem_size, const char *kpath,
		      const char *ipath, const char *cmdline)
{
	struct boot_params *bp = (struct boot_params *)(mem + ZERO_PAGE);
	struct setup_header *h = &bp->hdr;
	u64 setup, init_size, load, align, initrd = 0, top, max, *p;
	size_t ksize, isize = 0, cmdlen = strlen(cmdline);
	unsigned int hdr_end, i;
	u8 *k, *ibuf;

	k = read_file(kpath, &ksize);
	if (ksize < HDR_END_MIN)
		fail("%s: not a bzImage (too short)", kpath);
	hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
	setup = ((u64)(k[HDR_START] ? : 4) + 1) * 512;
	memset(bp, 0, sizeof(*bp));
	memcpy((u8 *)bp + HDR_START, k + HDR_START,
	       (hdr_end < ksize ? hdr_end : ksize) - HDR_START);
	if (h->boot_flag != 0xaa55 || h->header != HDRS_MAGIC)
		fail("%s: not a bzImage (no boot flag 0xaa55 or no HdrS)",
		     kpath);
	if (h->version < PROTOCOL_MIN)
		fail("%s: boot protocol %u.%02u, older than 2.12", kpath,
		     h->version >> 8, h->version & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		fail("%s: not a bzImage (not LOADED_HIGH)", kpath);
	if (!(h->xloadflags & XLF_KERNEL_64))
		fail("%s: no 64-bit entry point (no XLF_KERNEL_64)", kpath);
	if (hdr_end < HDR_END_MIN || hdr_end > setup || setup >= ksize)
		fail("%s: bad setup header size", kpath);
	init_size = h->init_size;
	if (init_size < ksize - setup)
		init_size = ksize - setup;

	/* Its preferred address, else 16 MiB if it is relocatable */
	load = h->pref_address;
	if (load < HIGH_RAM || load + init_size > mem_size) {
		if (!h->relocatable_kernel)
			fail("%s: not relocatable, and 0x%llx does not fit",
			     kpath, (unsigned long long)load);
		align = h->kernel_alignment;
		if (!align || align & (align - 1))
			align = 2 * MIB;
		load = (LOAD_ADDR + align - 1) & ~(align - 1);
	}
	if (load + init_size > mem_size)
		fail("%s: the kernel (%llu KiB at 0x%llx) does not fit in guest memory",
		     kpath, (unsigned long long)init_size >> 10,
		     (unsigned long long)load);
	if (cmdlen > h->cmdline_size || CMDLINE_GPA + cmdlen >= LOW_RAM_END)
		fail("command line too long for this kernel (%zu bytes, at most %u)",
		     cmdlen, h->cmdline_size);
	if (ipath) {
		ibuf = read_file(ipath, &isize);
		max = h->initrd_addr_max ? : INITRD_MAX;
		top = max + 1 < mem_size ? max + 1 : mem_size;
		if (h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
			top = mem_size;
		initrd = (top - isize) & ~0xfffULL;
		if (isize > top || initrd < load + init_size)
			fail("%s: the initrd (%zu KiB) does not fit in guest memory",
			     ipath, isize >> 10);
		memcpy(mem + initrd, ibuf, isize);
		free(ibuf);
	}

	/* The zero page: the image's setup header, and what a loader says */
	h->type_of_loader = 0xff;
	h->cmd_line_ptr = CMDLINE_GPA;
	h->ramdisk_image = (u32)initrd;
	bp->ext_ramdisk_image = initrd >> 32;
	h->ramdisk_size = (u32)isize;
	bp->ext_ramdisk_size = (u64)isize >> 32;
	e820_add(bp, 0, LOW_RAM_END, E820_RAM);
	e820_add(bp, LOW_RAM_END, HIGH_RAM - LOW_RAM_END, E820_RESERVED);
	e820_add(bp, HIGH_RAM, mem_size - HIGH_RAM, E820_RAM);
	memcpy(mem + CMDLINE_GPA, cmdline, cmdlen + 1);
	memcpy(mem + load, k + setup, ksize - setup);

	/* GDT: null, null, __BOOT_CS, __BOOT_DS; identity page tables */
	p = (u64 *)(mem + GDT_GPA);
	p[2] = 0x00af9b000000ffffULL;	/* 64-bit code, execute/read */
	p[3] = 0x00cf93000000ffffULL;	/* flat data, read/write */
	*(u64 *)(mem + PML4_GPA) = PDPT_GPA | PTE_P_RW;
	p = (u64 *)(mem + PDPT_GPA);
	for (i = 0; i < 4; i++)
		p[i] = (PD_GPA + i * 0x1000) | PTE_P_RW;
	p = (u64 *)(mem + PD_GPA);
	for (i = 0; i < 4 * 512; i++)
		p[i] = ((u64)i << 21) | PTE_P_RW | PTE_PS;

	fprintf(stderr, "kvm-linux: boot protocol %u.%02u, kernel at 0x%llx (%zu of %llu KiB), initrd of %zu KiB at 0x%llx, %llu MiB\n",
		h->version >> 8, h->version & 0xff, (unsigned long long)load,
		(size_t)(ksize - setup) >> 10,
		(unsigned long long)init_size >> 10, isize >> 10,
		(unsigned long long)initrd, (unsigned long long)mem_size >> 20);
	free(k);
	return load + ENTRY64;
}

static void set_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *cpuid;
	int n = 64;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("calloc");
		cpuid->nent = n;
		if (!ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
			break;
		if (errno != E2BIG || n >= 4096)
			die("KVM_GET_SUPPORTED_CPUID");
		free(cpuid);
		n *= 2;
	}
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);
}

static void flat_segment(struct kvm_segment *s, u16 sel, u8 type, int code)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

/* The state of the 64-bit boot protocol entry */
static void set_long_mode(int vcpu, u64 entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	flat_segment(&sregs.cs, BOOT_CS, 0xb, 1);	/* code, read, accessed */
	flat_segment(&sregs.ds, BOOT_DS, 0x3, 0);	/* data, write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr0 = 0x80000011;		/* PG, ET, PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA, LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsi = ZERO_PAGE;
	regs.rsp = STACK_TOP;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/*
 * SIGALRM every 50 ms from a thread of its own, to check the timeout and
 * silence (the host kernel may have no POSIX interval timers).
 */
static pthread_t main_thread;

static void *ticker(void *arg __attribute__((unused)))
{
	const struct timespec tick = { 0, 50 * NSEC_PER_MSEC };

	for (;;) {
		nanosleep(&tick, NULL);
		pthread_kill(main_thread, SIGALRM);
	}
	return NULL;
}

static void arm_timer(void)
{
	static bool started;
	pthread_t t;
	sigset_t all, old;

	if (started)
		return;
	started = true;
	main_thread = pthread_self();
	/* Only the main thread takes the signals */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, ticker, NULL))
		die("pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The interrupt the UART reports: received data first, then THR empty */
static u8 uart_iir(void)
{
	u8 fifo = uart.fcr & UART_FCR_ENABLE_FIFO ? IIR_FIFO : 0;

	if ((uart.ier & UART_IER_RDI) && uart.rx_count)
		return fifo | UART_IIR_RDI;
	if ((uart.ier & UART_IER_THRI) && uart.thr_pending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

/* IRQ 4 is the UART's interrupt output: high while one is pending */
static void uart_update(void)
{
	struct kvm_irq_level irq = { .irq = COM1_IRQ };
	int level = !(uart_iir() & UART_IIR_NO_INT);

	if (level == uart.irq_level)
		return;
	uart.irq_level = irq.level = level;
	if (ioctl(vm_fd, KVM_IRQ_LINE, &irq) < 0)
		die("KVM_IRQ_LINE");
}

static void uart_rx_push(u8 c)
{
	if (uart.rx_count < RX_FIFO_SIZE)
		uart.rx[(uart.rx_head + uart.rx_count++) % RX_FIFO_SIZE] = c;
}

/* Move what stdin has, without blocking, into the receive FIFO */
static void input_fill(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	unsigned int room = RX_FIFO_SIZE - uart.rx_count;
	u8 buf[RX_FIFO_SIZE];
	ssize_t n, i;

	if (!in_enabled || in_eof || !room || (uart.mcr & UART_MCR_LOOP) ||
	    poll(&pfd, 1, 0) <= 0)
		return;
	n = pfd.revents & POLLNVAL ? 0 : read(0, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {		/* the end of input, or an error */
		in_eof = 1;
		last_out = now_ns();
		arm_timer();
		return;
	}
	for (i = 0; i < n; i++)
		uart_rx_push(buf[i]);
	uart_update();
}

static void report_boot(void)
{
	if (!booted || boot_reported)
		return;
	boot_reported = 1;
	fprintf(stderr, "kvm-linux: boot to \"%s\" in %llu ms (setup %llu ms)\n",
		wait_str, (unsigned long long)(t_boot - t_run) / NSEC_PER_MSEC,
		(unsigned long long)(t_run - t_start) / NSEC_PER_MSEC);
}

/* A byte the guest sent: to stdout, and watched for STRING and halts */
static void guest_out(u8 c)
{
	putchar(c);
	if (in_eof)
		last_out = now_ns();
	if (c == '\n') {
		fflush(stdout);
		report_boot();		/* after the line, not inside it */
		line[line_len] = '\0';
		if (strstr(line, "reboot: Power down") ||
		    strstr(line, "System halted"))
			ended = END_HALT;
		line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (line_len == sizeof(line) - 1)
		line_len = 0;	/* no kernel line is that long */
	line[line_len++] = c;
	if (!booted && line_len >= wait_len &&
	    !memcmp(line + line_len - wait_len, wait_str, wait_len)) {
		t_boot = now_ns();
		booted = in_enabled = 1;
		input_fill();
	}
}

static u8 uart_read(unsigned int reg)
{
	u8 v;

	switch (reg) {
	case UART_RX:
		if (uart.lcr & UART_LCR_DLAB)
			return uart.dll;
		v = 0;
		if (uart.rx_count) {
			v = uart.rx[uart.rx_head];
			uart.rx_head = (uart.rx_head + 1) % RX_FIFO_SIZE;
			uart.rx_count--;
		}
		if (!uart.rx_count)
			input_fill();
		uart_update();
		return v;
	case UART_IER:
		return uart.lcr & UART_LCR_DLAB ? uart.dlm : uart.ier;
	case UART_IIR:
		v = uart_iir();
		if ((v & UART_IIR_ID) == UART_IIR_THRI) {
			uart.thr_pending = 0;	/* reading it clears it */
			uart_update();
		}
		return v;
	case UART_LCR:
		return uart.lcr;
	case UART_MCR:
		return uart.mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT |
		       (uart.rx_count ? UART_LSR_DR : 0);
	case UART_MSR:
		if (!(uart.mcr & UART_MCR_LOOP))
			return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
		/* Loopback: the modem outputs, read back as inputs */
		return (uart.mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) |
		       (uart.mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
		       (uart.mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
		       (uart.mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
	default:
		return uart.scr;
	}
}

static void uart_write(unsigned int reg, u8 v)
{
	u8 changed;

	switch (reg) {
	case UART_TX:
		if (uart.lcr & UART_LCR_DLAB) {
			uart.dll = v;
			break;
		}
		if (uart.mcr & UART_MCR_LOOP)
			uart_rx_push(v);
		else
			guest_out(v);
		/* Sent at once: the THR is empty again, and says so */
		uart.thr_pending = 1;
		uart_update();
		break;
	case UART_IER:
		if (uart.lcr & UART_LCR_DLAB) {
			uart.dlm = v;
			break;
		}
		changed = (uart.ier ^ v) & UART_IER_THRI;
		uart.ier = v & 0x0f;
		/* Enabling THRI while the THR is empty raises it anew */
		if (changed)
			uart.thr_pending = !!(uart.ier & UART_IER_THRI);
		if (changed && !uart.thr_pending)
			fflush(stdout);		/* the end of a burst */
		uart_update();
		break;
	case UART_FCR:
		if ((v ^ uart.fcr) & UART_FCR_ENABLE_FIFO ||
		    v & UART_FCR_CLEAR_RCVR)
			uart.rx_count = 0;
		uart.fcr = v & UART_FCR_ENABLE_FIFO;
		uart_update();
		input_fill();
		break;
	case UART_LCR:
		uart.lcr = v;
		break;
	case UART_MCR:
		uart.mcr = v & 0x1f;
		input_fill();
		break;
	case UART_SCR:
		uart.scr = v;
		break;
	}
}

static void handle_io(void)
{
	u8 *data = (u8 *)run + run->io.data_offset;
	int out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int i, port = run->io.port;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (port >= COM1_BASE && port < COM1_BASE + 8 &&
		    run->io.size == 1) {
			if (out)
				uart_write(port - COM1_BASE, *data);
			else
				*data = uart_read(port - COM1_BASE);
		} else if (!out) {
			memset(data, 0xff, run->io.size);
		}
	}
}

/* Run until the VM ends; return one of END_* */
static int run_vm(int vcpu)
{
	struct kvm_regs regs;
	int ret, reason;
	u64 now;

	deadline = now_ns() + timeout_s * NSEC_PER_SEC;
	arm_timer();
	t_run = now_ns();
	while (!ended) {
		ret = ioctl(vcpu, KVM_RUN, 0);
		if (ret < 0 && errno != EINTR && errno != EAGAIN)
			die("KVM_RUN");
		reason = ret < 0 ? KVM_EXIT_INTR : (int)run->exit_reason;
		/* Cleared before the flags are read, so no signal is lost */
		run->immediate_exit = 0;
		if (sig_io) {
			sig_io = 0;
			input_fill();
		}
		if (sig_alarm) {
			sig_alarm = 0;
			now = now_ns();
			if (now >= deadline)
				return END_TIMEOUT;
			if (in_eof && now >= last_out + IDLE_NS)
				return END_IDLE;
			arm_timer();
		}
		switch (reason) {
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_IO:
			n_io++;
			handle_io();
			break;
		case KVM_EXIT_MMIO:
			n_mmio++;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_HLT:
			n_hlt++;
			if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
				die("KVM_GET_REGS");
			if (!(regs.rflags & 0x200))	/* IF clear */
				return END_HALT;
			break;
		case KVM_EXIT_SHUTDOWN:
			n_other++;
			return END_RESET;
		case KVM_EXIT_FAIL_ENTRY:
			n_other++;
			fail("VM entry failed, hardware reason 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			n_other++;
			regs.rip = 0;
			ioctl(vcpu, KVM_GET_REGS, &regs);
			fail("KVM internal error, suberror %u, at rip 0x%llx",
			     run->internal.suberror,
			     (unsigned long long)regs.rip);
		default:
			n_other++;
			fail("unexpected exit reason %d", reason);
		}
	}
	return ended;
}

static unsigned long parse_num(const char *s, const char *what,
			       unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max)
		fail("bad %s \"%s\" (%lu to %lu)", what, s, min, max);
	return v;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE] [-w STRING] [-t TIMEOUT_S]\n");
	exit(1);
}

static int setup_vm(u8 *mem, u64 mem_size, u64 entry)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_userspace_memory_region region = {
		.memory_size = mem_size,
		.userspace_addr = (unsigned long)mem,
	};
	struct kvm_ioeventfd ioevent = {
		.addr = PORT_POST,
		.len = 1,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	u64 ident = IDENT_MAP_GPA;
	int kvm, vcpu;
	long run_size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		fail("unsupported KVM API version");
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		die("KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		die("KVM_CREATE_PIT2");
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	ioevent.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ioevent.fd < 0)
		die("eventfd");
	if (ioctl(vm_fd, KVM_IOEVENTFD, &ioevent) < 0)
		die("KVM_IOEVENTFD");

	vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(kvm, vcpu);
	set_long_mode(vcpu, entry);
	return vcpu;
}

int main(int argc, char **argv)
{
	static const char * const ends[] = {
		[END_RESET] = "guest reset",
		[END_HALT] = "guest halted",
		[END_IDLE] = "guest silent for 10 s after the end of input",
	};
	const char *kpath = NULL, *ipath = NULL, *cmdline = "console=ttyS0";
	u64 mem_size = 128 * MIB, entry;
	struct sigaction sa;
	int vcpu, opt, why;
	u8 *mem;

	t_start = now_ns();
	while ((opt = getopt(argc, argv, "k:i:m:p:w:t:")) != -1) {
		switch (opt) {
		case 'k':
			kpath = optarg;
			break;
		case 'i':
			ipath = optarg;
			break;
		case 'm':
			mem_size = parse_num(optarg, "memory size in MiB", 32,
					     MAX_MEM_MIB) * MIB;
			break;
		case 'p':
			cmdline = optarg;
			break;
		case 'w':
			wait_str = optarg;
			break;
		case 't':
			timeout_s = parse_num(optarg, "timeout in seconds", 1,
					      86400);
			break;
		default:
			usage();
		}
	}
	if (!kpath || optind != argc)
		usage();
	wait_len = strlen(wait_str);
	if (!wait_len || wait_len >= sizeof(line) / 2)
		fail("the -w string must have 1 to %zu characters",
		     sizeof(line) / 2 - 1);

	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	entry = load_linux(mem, mem_size, kpath, ipath, cmdline);
	vcpu = setup_vm(mem, mem_size, entry);

	/* SIGALRM for the timers, SIGIO (O_ASYNC) when stdin has input */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigaction(SIGIO, &sa, NULL) < 0)
		die("sigaction");
	stdin_flags = fcntl(0, F_GETFL);
	if (stdin_flags >= 0 && fcntl(0, F_SETOWN, getpid()) == 0 &&
	    fcntl(0, F_SETFL, stdin_flags | O_ASYNC) == 0)
		atexit(restore_stdin);
	setvbuf(stdout, NULL, _IOLBF, 1 << 16);	/* a line as soon as it ends */

	why = run_vm(vcpu);
	fflush(stdout);
	if (booted)
		report_boot();
	else
		fprintf(stderr, "kvm-linux: \"%s\" did not appear\n", wait_str);
	if (why == END_TIMEOUT)
		fprintf(stderr, "kvm-linux: timeout after %lu s\n", timeout_s);
	else
		fprintf(stderr, "kvm-linux: %s\n", ends[why]);
	print_exits();
	return why == END_TIMEOUT ? 3 : 0;
}
