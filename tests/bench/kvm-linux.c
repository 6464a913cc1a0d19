// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-linux: boot a Linux bzImage directly under KVM, laid out as Palacios
 * lays out a Linux guest (palacios/core/linux.c), to compare boot times of
 * the two VMMs on the same host.
 *
 *	kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE]
 *		  [-w STRING] [-t TIMEOUT_S]
 *
 * The kernel is started at its 64-bit entry point (Documentation/arch/x86/
 * boot.rst), as a boot loader would start it:
 *
 *   0x1000   GDT: __BOOT_CS (0x10, 64-bit code), __BOOT_DS (0x18)
 *   0x2000   identity page tables of the first 4 GiB, 2 MiB pages
 *            (PML4 0x2000, PDPT 0x3000, four PDs 0x4000-0x7fff)
 *   0x8000   the zero page (struct boot_params); RSI points to it
 *   0x20000  the command line; the initial stack grows down from here
 *   load     the protected-mode kernel: pref_address, else 16 MiB
 *   top      the initrd, as high as initrd_addr_max and memory allow
 *
 * e820: [0, 0x9f000) RAM, [0x9f000, 1 MiB) reserved, [1 MiB, end) RAM.
 * MEM_MIB (default 128, at most 3072) is one memory slot at address 0.
 *
 * Devices: the in-kernel PIC, I/O APIC, local APIC (KVM_CREATE_IRQCHIP) and
 * PIT (KVM_CREATE_PIT2), port 0x80 writes as an ioeventfd, and COM1
 * (0x3f8, IRQ 4) as a 16550A in user space.  Its output goes to stdout;
 * stdin feeds its receive FIFO, but only once the -w STRING has appeared,
 * so that input piped in is not lost while the kernel probes the port.
 * Reads of other ports and of unbacked memory return all ones; writes to
 * them are ignored, as in Palacios.  There are no ACPI tables (unlike
 * Palacios): KVM's in-kernel devices have no ACPI PM block, so the kernel
 * runs without ACPI, which is fine for boot timing.  The guest gets the
 * CPUID of KVM_GET_SUPPORTED_CPUID.
 *
 * On stderr: 'kvm-linux: boot to "STRING" in N ms (setup M ms)' when the
 * guest's output first contains STRING within one line (default "GUEST:
 * shell ready"), N counted from just before the first KVM_RUN, M the time
 * from process start to then; at the end, the reason and
 * 'kvm-linux: exits io=.. mmio=.. hlt=.. other=..', the exits to user space
 * (KVM_RUN returns caused by the runner's own signals are not counted).
 *
 * The VM ends when the guest resets (triple fault), halts ("reboot: Power
 * down" or "System halted" on the console, or HLT with interrupts off),
 * when stdin has reached its end and the guest has then printed nothing
 * for 10 s, or after TIMEOUT_S seconds (default 120).
 *
 * Exit status: 0 if the guest ended as above, 1 on an error, 3 on timeout.
 * Build it with gcc -O2 -static -Wall (no other dependencies).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#define DEF_MEM_MIB	128
#define MAX_MEM_MIB	3072
#define DEF_TIMEOUT_S	120
#define DEF_CMDLINE	"console=ttyS0"
#define DEF_WAIT	"GUEST: shell ready"

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
#define INITRD_MAX	0x37ffffff
#define ENTRY64		0x200
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define GDT_CODE64	0x00af9b000000ffffULL
#define GDT_DATA	0x00cf93000000ffffULL
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PS		0x080
#define IDENT_MAP_GPA	0xfeffc000UL	/* KVM's own pages, on Intel */
#define TSS_GPA		0xfeffd000UL

/* struct boot_params and its setup header */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_SIZE			0x1000
#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MIN		0x264
#define BOOT_FLAG		0xaa55
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define PROTOCOL_MIN		0x020c		/* 2.12 */
#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x01
#define XLF_ABOVE_4G		0x02
#define E820_RAM		1
#define E820_RESERVED		2

/* COM1 as a 16550A (register offsets and bits of <linux/serial_reg.h>) */
#define COM1_BASE	0x3f8
#define COM1_IRQ	4
#define PORT_POST	0x80
#define RX_FIFO_SIZE	16
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_MASK	0x0f
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_ID		0x0f
#define IIR_FIFO	0xc0	/* FIFOs enabled, as a 16550A reports it */
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

enum { RUNNING, END_RESET, END_HALT, END_IDLE, END_TIMEOUT };

static int vm_fd;
static struct kvm_run *run;
static volatile sig_atomic_t sig_alarm, sig_io;
static int stdin_flags = -1;
static u64 t_start, t_run, t_boot, deadline, last_out;
static unsigned long timeout_s = DEF_TIMEOUT_S;
static const char *wait_str = DEF_WAIT;
static size_t wait_len;
static int booted, boot_reported, in_enabled, in_eof, ended;
static unsigned long n_io, n_mmio, n_hlt, n_other;
static char line[1024];
static size_t line_len;

static struct {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	int thr_pending;	/* THRE interrupt pending */
	int irq_level;
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
	if (stdin_flags >= 0)
		fcntl(0, F_SETFL, stdin_flags);
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	u8 *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		die("malloc");
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(path);
		if (n == 0)
			fail("%s: short read", path);
		done += n;
	}
	close(fd);
	*len = done;
	return buf;
}

static u8 get8(const u8 *p, unsigned int off)
{
	return p[off];
}

static u16 get16(const u8 *p, unsigned int off)
{
	u16 v;

	memcpy(&v, p + off, sizeof(v));
	return le16toh(v);
}

static u32 get32(const u8 *p, unsigned int off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return le32toh(v);
}

static u64 get64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return le64toh(v);
}

static void put32(u8 *p, unsigned int off, u32 val)
{
	val = htole32(val);
	memcpy(p + off, &val, sizeof(val));
}

static void put64(u8 *p, unsigned int off, u64 val)
{
	val = htole64(val);
	memcpy(p + off, &val, sizeof(val));
}

static void e820_add(u8 *bp, u64 addr, u64 size, u32 type)
{
	unsigned int n = bp[BP_E820_ENTRIES];
	unsigned int off = BP_E820_TABLE + n * 20;

	put64(bp, off, addr);
	put64(bp, off + 8, size);
	put32(bp, off + 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
}

/*
 * Check the bzImage as a boot loader does, copy kernel, initrd and command
 * line into guest memory, and build the zero page, GDT and page tables.
 * Return: the 64-bit entry point.
 */
static u64 load_linux(u8 *mem, u64 mem_size, const char *kpath,
		      const char *ipath, const char *cmdline)
{
	u64 setup, init_size, load, pref, align, initrd = 0, top, max;
	size_t ksize, isize = 0, cmdlen = strlen(cmdline);
	u8 *k, *bp, *ibuf = NULL;
	unsigned int hdr_end, i;
	u64 *gdt, *pml4, *pdpt, *pd;

	k = read_file(kpath, &ksize);
	if (ksize < HDR_END_MIN || get16(k, HDR_BOOT_FLAG) != BOOT_FLAG ||
	    get32(k, HDR_MAGIC) != HDRS_MAGIC)
		fail("%s: not a bzImage (no boot flag 0xaa55 or no HdrS)",
		     kpath);
	if (get16(k, HDR_VERSION) < PROTOCOL_MIN)
		fail("%s: boot protocol %u.%02u, older than 2.12", kpath,
		     get16(k, HDR_VERSION) >> 8, get16(k, HDR_VERSION) & 0xff);
	if (!(get8(k, HDR_LOADFLAGS) & LOADED_HIGH))
		fail("%s: not a bzImage (not LOADED_HIGH)", kpath);
	if (!(get16(k, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		fail("%s: no 64-bit entry point (no XLF_KERNEL_64)", kpath);
	hdr_end = HDR_JUMP + 2 + get8(k, HDR_JUMP + 1);
	setup = ((u64)(get8(k, HDR_SETUP_SECTS) ? : 4) + 1) * 512;
	if (hdr_end < HDR_END_MIN || hdr_end > setup || hdr_end > BP_SIZE ||
	    setup >= ksize)
		fail("%s: bad setup header size", kpath);
	init_size = get32(k, HDR_INIT_SIZE);
	if (init_size < ksize - setup)
		init_size = ksize - setup;

	/* Its preferred address, else 16 MiB if it is relocatable */
	pref = get64(k, HDR_PREF_ADDRESS);
	if (pref >= HIGH_RAM && pref + init_size <= mem_size) {
		load = pref;
	} else {
		if (!get8(k, HDR_RELOCATABLE))
			fail("%s: not relocatable, and its preferred address 0x%llx does not fit",
			     kpath, (unsigned long long)pref);
		align = get32(k, HDR_KERNEL_ALIGNMENT);
		if (!align || align & (align - 1))
			align = 2 * MIB;
		load = (LOAD_ADDR + align - 1) & ~(align - 1);
	}
	if (load + init_size > mem_size)
		fail("%s: the kernel (%llu KiB at 0x%llx) does not fit in %llu MiB",
		     kpath, (unsigned long long)init_size >> 10,
		     (unsigned long long)load,
		     (unsigned long long)mem_size >> 20);
	if (cmdlen > get32(k, HDR_CMDLINE_SIZE) ||
	    CMDLINE_GPA + cmdlen >= LOW_RAM_END)
		fail("command line too long for this kernel (%zu bytes, at most %u)",
		     cmdlen, get32(k, HDR_CMDLINE_SIZE));

	if (ipath) {
		ibuf = read_file(ipath, &isize);
		max = get32(k, HDR_INITRD_ADDR_MAX) ? : INITRD_MAX;
		top = max + 1 < mem_size ? max + 1 : mem_size;
		if (get16(k, HDR_XLOADFLAGS) & XLF_ABOVE_4G)
			top = mem_size;
		initrd = (top - isize) & ~0xfffULL;
		if (isize > top || initrd < load + init_size)
			fail("%s: the initrd (%zu KiB) does not fit in guest memory",
			     ipath, isize >> 10);
		memcpy(mem + initrd, ibuf, isize);
		free(ibuf);
	}

	/* The zero page: the image's setup header, and what a loader says */
	bp = mem + ZERO_PAGE;
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, k + HDR_START, hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = 0xff;
	put32(bp, HDR_CMD_LINE_PTR, CMDLINE_GPA);
	put32(bp, BP_EXT_CMD_LINE_PTR, 0);
	put32(bp, HDR_RAMDISK_IMAGE, (u32)initrd);
	put32(bp, BP_EXT_RAMDISK_IMAGE, initrd >> 32);
	put32(bp, HDR_RAMDISK_SIZE, (u32)isize);
	put32(bp, BP_EXT_RAMDISK_SIZE, (u64)isize >> 32);
	e820_add(bp, 0, LOW_RAM_END, E820_RAM);
	e820_add(bp, LOW_RAM_END, HIGH_RAM - LOW_RAM_END, E820_RESERVED);
	e820_add(bp, HIGH_RAM, mem_size - HIGH_RAM, E820_RAM);
	memcpy(mem + CMDLINE_GPA, cmdline, cmdlen + 1);
	memcpy(mem + load, k + setup, ksize - setup);

	/* GDT and identity page tables (x86 is little-endian, as is KVM) */
	gdt = (u64 *)(mem + GDT_GPA);
	gdt[0] = gdt[1] = 0;
	gdt[2] = GDT_CODE64;
	gdt[3] = GDT_DATA;
	pml4 = (u64 *)(mem + PML4_GPA);
	pdpt = (u64 *)(mem + PDPT_GPA);
	pd = (u64 *)(mem + PD_GPA);
	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (PD_GPA + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i << 21) | PTE_P | PTE_RW | PTE_PS;

	fprintf(stderr, "kvm-linux: boot protocol %u.%02u, kernel at 0x%llx (%zu of %llu KiB), initrd of %zu KiB at 0x%llx, %llu MiB\n",
		get16(k, HDR_VERSION) >> 8, get16(k, HDR_VERSION) & 0xff,
		(unsigned long long)load, (size_t)(ksize - setup) >> 10,
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
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
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

static void arm_timer(void)
{
	struct itimerval it = { 0 };
	u64 now = now_ns(), next = deadline;

	if (in_eof && last_out + IDLE_NS < next)
		next = last_out + IDLE_NS;
	next = next > now + NSEC_PER_MSEC ? next - now : NSEC_PER_MSEC;
	it.it_value.tv_sec = next / NSEC_PER_SEC;
	it.it_value.tv_usec = next % NSEC_PER_SEC / 1000;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer");
}

/* The interrupt the UART reports: priority RX data, then THR empty */
static u8 uart_iir(void)
{
	u8 fifo = uart.fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if ((uart.ier & IER_RDI) && uart.rx_count)
		return fifo | IIR_RDI;
	if ((uart.ier & IER_THRI) && uart.thr_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* Drive IRQ 4 as the UART's interrupt output: high while one is pending */
static void uart_update(void)
{
	struct kvm_irq_level irq = { .irq = COM1_IRQ };
	int level = !(uart_iir() & IIR_NO_INT);

	if (level == uart.irq_level)
		return;
	uart.irq_level = level;
	irq.level = level;
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

	if (!in_enabled || in_eof || !room || (uart.mcr & MCR_LOOP))
		return;
	if (poll(&pfd, 1, 0) <= 0)
		return;
	n = pfd.revents & POLLNVAL ? 0 : read(0, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
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

/* A byte the guest sent: to stdout, and watched for -w and for halts */
static void guest_out(u8 c)
{
	putchar(c);
	if (in_eof)
		last_out = now_ns();
	if (c == '\n') {
		fflush(stdout);
		report_boot();
		line[line_len] = '\0';
		if (strstr(line, "reboot: Power down") ||
		    strstr(line, "System halted"))
			ended = END_HALT;
		line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (line_len == sizeof(line) - 1) {
		memmove(line, line + sizeof(line) / 2,
			line_len - sizeof(line) / 2);
		line_len -= sizeof(line) / 2;
	}
	line[line_len++] = c;
	if (!booted && line_len >= wait_len &&
	    !memcmp(line + line_len - wait_len, wait_str, wait_len)) {
		t_boot = now_ns();
		booted = 1;
		in_enabled = 1;
		input_fill();
	}
}

static u8 uart_read(unsigned int reg)
{
	u8 v;

	switch (reg) {
	case 0:
		if (uart.lcr & LCR_DLAB)
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
	case 1:
		return uart.lcr & LCR_DLAB ? uart.dlm : uart.ier;
	case 2:
		v = uart_iir();
		if ((v & IIR_ID) == IIR_THRI) {
			uart.thr_pending = 0;
			uart_update();
		}
		return v;
	case 3:
		return uart.lcr;
	case 4:
		return uart.mcr;
	case 5:
		return LSR_THRE | LSR_TEMT | (uart.rx_count ? LSR_DR : 0);
	case 6:
		if (!(uart.mcr & MCR_LOOP))
			return MSR_DCD | MSR_DSR | MSR_CTS;
		return (uart.mcr & MCR_RTS ? MSR_CTS : 0) |
		       (uart.mcr & MCR_DTR ? MSR_DSR : 0) |
		       (uart.mcr & MCR_OUT1 ? MSR_RI : 0) |
		       (uart.mcr & MCR_OUT2 ? MSR_DCD : 0);
	default:
		return uart.scr;
	}
}

static void uart_write(unsigned int reg, u8 v)
{
	u8 changed;

	switch (reg) {
	case 0:
		if (uart.lcr & LCR_DLAB) {
			uart.dll = v;
			break;
		}
		if (uart.mcr & MCR_LOOP)
			uart_rx_push(v);
		else
			guest_out(v);
		/* Sent at once: the THR is empty again */
		uart.thr_pending = 1;
		uart_update();
		break;
	case 1:
		if (uart.lcr & LCR_DLAB) {
			uart.dlm = v;
			break;
		}
		changed = (uart.ier ^ v) & IER_THRI;
		uart.ier = v & IER_MASK;
		/* Enabling THRI with the THR empty raises it anew */
		if (changed)
			uart.thr_pending = !!(uart.ier & IER_THRI);
		if (changed && !(uart.ier & IER_THRI))
			fflush(stdout);		/* the end of a burst */
		uart_update();
		break;
	case 2:
		if ((v ^ uart.fcr) & FCR_ENABLE || v & FCR_CLEAR_RX)
			uart.rx_count = 0;
		uart.fcr = v & FCR_ENABLE;
		uart_update();
		input_fill();
		break;
	case 3:
		uart.lcr = v;
		break;
	case 4:
		uart.mcr = v & MCR_MASK;
		input_fill();
		break;
	case 7:
		uart.scr = v;
		break;
	}
}

static void handle_io(void)
{
	u8 *data = (u8 *)run + run->io.data_offset;
	int out = run->io.direction == KVM_EXIT_IO_OUT;
	u16 port = run->io.port;
	unsigned int i;

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
	u64 now;
	int ret, reason;

	t_run = now_ns();
	deadline = t_run + timeout_s * NSEC_PER_SEC;
	arm_timer();
	while (!ended) {
		ret = ioctl(vcpu, KVM_RUN, 0);
		if (ret < 0 && errno != EINTR && errno != EAGAIN)
			die("KVM_RUN");
		reason = ret < 0 ? KVM_EXIT_INTR : (int)run->exit_reason;
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
			if (!(regs.rflags & 0x200))
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
			fail("KVM internal error, suberror %u",
			     run->internal.suberror);
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

static void usage(void)
{
	fprintf(stderr, "usage: kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE] [-w STRING] [-t TIMEOUT_S]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *kpath = NULL, *ipath = NULL, *cmdline = DEF_CMDLINE;
	struct kvm_userspace_memory_region region;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_ioeventfd ioevent;
	u64 mem_size = DEF_MEM_MIB * MIB, entry;
	struct sigaction sa;
	int kvm, vcpu, efd, opt, why;
	long run_size;
	u8 *mem;

	t_start = now_ns();
	while ((opt = getopt(argc, argv, "k:i:m:p:w:t:h")) != -1) {
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

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		fail("unsupported KVM API version");
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	/* Pages KVM needs for itself on Intel; harmless elsewhere */
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		u64 ident = IDENT_MAP_GPA;

		if (ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
			die("KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		die("KVM_CREATE_PIT2");

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (unsigned long)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
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

	/* SIGALRM for the timers, SIGIO when stdin has input */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigaction(SIGIO, &sa, NULL) < 0)
		die("sigaction");
	stdin_flags = fcntl(0, F_GETFL);
	if (stdin_flags >= 0) {
		atexit(restore_stdin);
		if (fcntl(0, F_SETOWN, getpid()) == 0)
			fcntl(0, F_SETFL, stdin_flags | O_ASYNC);
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	why = run_vm(vcpu);
	fflush(stdout);
	if (booted)
		report_boot();
	else
		fprintf(stderr, "kvm-linux: \"%s\" did not appear\n", wait_str);
	switch (why) {
	case END_RESET:
		fprintf(stderr, "kvm-linux: guest reset\n");
		break;
	case END_HALT:
		fprintf(stderr, "kvm-linux: guest halted\n");
		break;
	case END_IDLE:
		fprintf(stderr, "kvm-linux: guest silent for %llu s after the end of input\n",
			IDLE_NS / NSEC_PER_SEC);
		break;
	case END_TIMEOUT:
		fprintf(stderr, "kvm-linux: timeout after %lu s\n", timeout_s);
		break;
	}
	print_exits();
	return why == END_TIMEOUT ? 3 : 0;
}
