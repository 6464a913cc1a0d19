// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-linux: boot a Linux bzImage directly under KVM, laid out as Palacios
 * lays out a Linux guest (palacios/core/bzimage.c), to compare the boot times
 * of the two VMMs on the same host.
 *
 *	kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE]
 *		  [-w STRING] [-t TIMEOUT_S] [-c NCPUS] [-a CPULIST]
 *
 * The bzImage is checked and started as a boot loader would, at its 64-bit
 * entry (Documentation/arch/x86/boot.rst) with RSI pointing to the zero page:
 *
 *   0x1000   GDT: __BOOT_CS (0x10, 64-bit code), __BOOT_DS (0x18)
 *   0x2000   identity page tables of the first 4 GiB, 2 MiB pages
 *   0x8000   the zero page (struct boot_params)
 *   0x20000  the command line; the initial stack grows down from here
 *   0xe0000  the ACPI tables, with more than one vCPU only (below)
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
 * ones and ignore writes, as in Palacios.  CPUID is what
 * KVM_GET_SUPPORTED_CPUID offers.
 *
 * vCPUs: -c NCPUS (1 to 4, default 1), each run by a thread of its own
 * pinned to one host CPU: vCPU i to the i-th entry of -a CPULIST (e.g.
 * "0,1"; a shorter list is repeated), by default to host CPU i modulo the
 * number of online host CPUs.  vCPU 0 is the BSP and starts at the kernel's
 * entry; the others are APs that KVM's local APIC holds (mp_state
 * UNINITIALIZED, then INIT_RECEIVED) until the guest sends them INIT and
 * SIPI, so their threads just call KVM_RUN and no register of theirs is set.
 * The main thread only watches stdin, the timeout and the end.
 *
 * With one vCPU the guest gets no ACPI tables (and no MP table): the kernel
 * finds no SMP configuration and runs on the PIC and its local APIC, which
 * is fine for boot timing and is what this program always did.  With more,
 * it needs a MADT to find the others, so there are ACPI tables at 0xe0000
 * (the RSDP there, where the kernel scans, and in boot_params.acpi_rsdp_addr
 * too): RSDT and XSDT, a MADT (a local APIC per vCPU, ids 0..NCPUS-1, all
 * enabled; the I/O APIC, id NCPUS, at 0xfec00000; ISA IRQ 0 -> GSI 2 and the
 * SCI, IRQ 9, level/high; LINT1 as NMI), a FADT with the PM1a event (0x600,
 * 4 bytes) and control (0x604, 2 bytes) blocks and no PM timer, a FACS, and
 * a DSDT holding only \_S5 = {5, 5, 0, 0}, without which Linux does not
 * power off through ACPI.  The PM1 registers are emulated here: SCI_EN reads
 * as set (the guest is in ACPI mode from the start; there is no SMI_CMD),
 * and a write of SLP_EN with SLP_TYP 5 powers the VM off.  KVM routes the
 * PIT's GSI 0 to I/O APIC pin 0 by default; to make the IRQ 0 -> GSI 2
 * override true, as on PC hardware (and QEMU), the GSI routing is set so
 * that GSI 0 drives PIC pin 0 and I/O APIC pin 2.  The vCPUs' CPUID gets
 * their initial APIC id (leaf 1 EBX[31:24], leaf 0xb EDX) to match the
 * local APIC's, where it otherwise carries the host CPU's.
 *
 * On stderr: 'kvm-linux: boot to "STRING" in N ms (setup M ms)' once the
 * output contains STRING within a line (default "GUEST: shell ready"), N
 * from just before the first KVM_RUN, M from process start to then; at the
 * end why, 'kvm-linux: exits io=.. mmio=.. hlt=.. other=..' (exits to user
 * space of all vCPUs; KVM_RUN returns for the runner's own signals not
 * counted) and 'kvm-linux: vcpus=N host_cpus=A,B,..' (where the vCPU
 * threads were pinned); after a timeout, each vCPU's rip, rflags and
 * mp_state, and with several vCPUs, which one shut down on a reset.
 *
 * The VM ends when a vCPU resets (triple fault), the guest halts ("System
 * halted" on the console, or HLT with interrupts off), powers off ("reboot:
 * Power down" on the console, or with ACPI the S5 write that follows it,
 * for which the console line leaves the guest 1 s), has printed nothing for
 * 10 s after the end of stdin, or after TIMEOUT_S seconds (default 120).
 * Then every vCPU thread is stopped (a signal, and immediate_exit for the
 * case it is not in KVM_RUN yet) and joined.  Exit status: 0 if the guest
 * ended, 1 on an error, 3 on timeout.  Build it with gcc -O2 -static -Wall
 * (no other dependencies).
 */
#define _GNU_SOURCE		/* CPU_SET, pthread_attr_setaffinity_np */
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
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

/* Guest-physical layout, as in palacios/core/bzimage.c */
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

#define MAX_VCPUS	4
#define TICK_MS		50	/* how often the main thread checks the time */
#define POWEROFF_GRACE_NS NSEC_PER_SEC
#define SIG_STOP	SIGUSR1	/* tells a vCPU thread to leave KVM_RUN */

/* ACPI (more than one vCPU only): where the tables and registers are */
#define ACPI_GPA	0xe0000	/* in the BIOS area the kernel scans */
#define OFF_RSDP	0x000	/* 16-byte aligned */
#define OFF_RSDT	0x040
#define OFF_XSDT	0x080
#define OFF_FADT	0x100
#define OFF_FACS	0x200	/* 64-byte aligned */
#define OFF_DSDT	0x240
#define OFF_MADT	0x280
#define ACPI_HDR_LEN	36	/* the header of the SDTs */
#define RSDP_V1_LEN	20	/* what the first checksum covers */
#define RSDP_LEN	36
#define FADT_LEN	244	/* ACPI 2.0 and later */
#define FACS_LEN	64
#define LAPIC_GPA	0xfee00000U
#define IOAPIC_GPA	0xfec00000U
#define SCI_IRQ		9
#define PM_BASE		0x600	/* PM1a_EVT: status, enable; then PM1a_CNT */
#define PM1_EVT_LEN	4
#define PM1_CNT		(PM_BASE + PM1_EVT_LEN)
#define PM1_CNT_LEN	2
#define PM_LEN		(PM1_EVT_LEN + PM1_CNT_LEN)
#define PM1_CNT_SCI_EN	0x0001
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_CNT_SLP_EN	0x2000	/* write-only: reads as 0 */
#define SLP_TYP_S5	5	/* what \_S5 in the DSDT says */

enum { RUNNING, END_RESET, END_HALT, END_POWEROFF, END_IDLE, END_TIMEOUT };

struct vcpu {
	int fd;
	int host_cpu;
	struct kvm_run *run;
	pthread_t thread;
};

static int vm_fd;
static struct vcpu vcpus[MAX_VCPUS];
static unsigned int nr_vcpus = 1;
static bool acpi;		/* ACPI tables and PM1 registers: nr_vcpus > 1 */
/* The vCPU thread's own kvm_run, for the signal handler; NULL elsewhere */
static __thread struct kvm_run *self_run;
static int wake_fd;		/* eventfd: wakes the main thread's poll() */
static int ended;		/* END_*, set once, by __atomic */

/*
 * io_lock serializes all device emulation (the UART and its stdin, the PM1
 * registers), console output and the boot/idle bookkeeping below, which
 * the vCPU threads and the main thread share.
 */
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 t_start, t_run, t_boot, deadline, last_out, t_power_down;
static unsigned long timeout_s = 120;
static const char *wait_str = "GUEST: shell ready";
static size_t wait_len;
static int booted, boot_reported, in_enabled, in_eof;
static bool main_polls_stdin;	/* the main thread has stdin in its poll */
static unsigned long n_io, n_mmio, n_hlt, n_other;	/* by __atomic */
static char line[1024];
static size_t line_len;
static u16 pm1_en, pm1_cnt;

static struct {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	int thr_pending;	/* THR-empty interrupt pending */
	int irq_level;		/* what IRQ 4 was last set to */
	u8 rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
} uart;

#define COUNT(n)	__atomic_fetch_add(&(n), 1, __ATOMIC_RELAXED)
#define LOAD(n)		__atomic_load_n(&(n), __ATOMIC_RELAXED)

static void print_exits(void)
{
	fprintf(stderr, "kvm-linux: exits io=%lu mmio=%lu hlt=%lu other=%lu\n",
		LOAD(n_io), LOAD(n_mmio), LOAD(n_hlt), LOAD(n_other));
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

static int vm_ended(void)
{
	return __atomic_load_n(&ended, __ATOMIC_SEQ_CST);
}

static void wake_main(void)
{
	u64 one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		die("eventfd write");
}

/* The first end wins; the main thread then stops the vCPUs */
static void end_vm(int why)
{
	int running = RUNNING;

	if (__atomic_compare_exchange_n(&ended, &running, why, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		wake_main();
}

/*
 * SIG_STOP, sent to a vCPU thread once the VM has ended: the signal makes
 * KVM_RUN return -EINTR, and immediate_exit makes the next KVM_RUN return
 * at once if the signal came just before it.
 */
static void on_stop(int sig __attribute__((unused)))
{
	if (self_run)
		self_run->immediate_exit = 1;
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

static struct kvm_cpuid2 *get_cpuid(int kvm)
{
	struct kvm_cpuid2 *cpuid;
	int n = 64;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("calloc");
		cpuid->nent = n;
		if (!ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
			return cpuid;
		if (errno != E2BIG || n >= 4096)
			die("KVM_GET_SUPPORTED_CPUID");
		free(cpuid);
		n *= 2;
	}
}

/*
 * KVM passes the host CPU's initial APIC id through in leaf 1 EBX[31:24]
 * (and leaf 0xb EDX); with several vCPUs the guest compares it with its
 * local APIC's id (vCPU id), so give each vCPU its own.  With one, the
 * CPUID stays exactly what it always was.
 */
static void set_cpuid(int vcpu, struct kvm_cpuid2 *cpuid, unsigned int id)
{
	struct kvm_cpuid_entry2 *e;
	unsigned int i;

	for (i = 0; nr_vcpus > 1 && i < cpuid->nent; i++) {
		e = &cpuid->entries[i];
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | id << 24;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
	}
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
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

/* Whether input from stdin can go to the receive FIFO now */
static bool input_wanted(void)
{
	return in_enabled && !in_eof && uart.rx_count < RX_FIFO_SIZE &&
	       !(uart.mcr & UART_MCR_LOOP);
}

/*
 * Move what stdin has, without blocking, into the receive FIFO; called
 * with io_lock held by the vCPU threads as the guest makes room, and by the
 * main thread when stdin has input.
 */
static void input_fill(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	unsigned int room = RX_FIFO_SIZE - uart.rx_count;
	u8 buf[RX_FIFO_SIZE];
	ssize_t n, i;

	if (!input_wanted() || poll(&pfd, 1, 0) <= 0)
		goto out;
	n = pfd.revents & POLLNVAL ? 0 : read(0, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		goto out;
	if (n <= 0) {		/* the end of input, or an error */
		in_eof = 1;
		last_out = now_ns();
		return;
	}
	for (i = 0; i < n; i++)
		uart_rx_push(buf[i]);
	uart_update();
out:
	/*
	 * On a vCPU thread with nothing to read yet: have the main thread
	 * wait for stdin, if it does not already.
	 */
	if (self_run && !main_polls_stdin && input_wanted())
		wake_main();
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
		/*
		 * With ACPI the kernel goes on to write S5 to PM1a_CNT:
		 * let it, so that this path is used, but not forever.
		 */
		if (strstr(line, "reboot: Power down") && acpi)
			t_power_down = now_ns();
		else if (strstr(line, "reboot: Power down") ||
			 strstr(line, "System halted"))
			end_vm(END_HALT);
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

/*
 * The PM1a registers, as bytes: status (always 0: no fixed event is ever
 * raised), enable, control.  SCI_EN reads as set, SLP_EN as clear; a write
 * that sets SLP_EN with SLP_TYP 5 is the guest's power-off.
 */
static u8 pm_read(unsigned int off)
{
	u16 cnt = (pm1_cnt & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;

	switch (off) {
	case 2:
	case 3:
		return pm1_en >> (off - 2) * 8;
	case 4:
	case 5:
		return cnt >> (off - 4) * 8;
	default:
		return 0;
	}
}

static void pm_write(unsigned int off, u8 v)
{
	unsigned int shift = off % 2 * 8;

	if (off == 2 || off == 3)
		pm1_en = (pm1_en & ~(0xff << shift)) | v << shift;
	else if (off == 4 || off == 5)
		pm1_cnt = (pm1_cnt & ~(0xff << shift)) | v << shift;
}

static void pm_access(unsigned int port, u8 *data, unsigned int size,
		      int out)
{
	unsigned int i, off;

	for (i = 0; i < size; i++) {
		off = port + i - PM_BASE;
		if (off >= PM_LEN)
			data[i] = out ? data[i] : 0xff;
		else if (out)
			pm_write(off, data[i]);
		else
			data[i] = pm_read(off);
	}
	if (out && (pm1_cnt & PM1_CNT_SLP_EN)) {
		if (PM1_CNT_SLP_TYP(pm1_cnt) == SLP_TYP_S5)
			end_vm(END_POWEROFF);
		pm1_cnt &= ~PM1_CNT_SLP_EN;	/* other states: ignored */
	}
}

static void handle_io(struct kvm_run *run)
{
	u8 *data = (u8 *)run + run->io.data_offset;
	int out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int i, port = run->io.port;

	pthread_mutex_lock(&io_lock);
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (port >= COM1_BASE && port < COM1_BASE + 8 &&
		    run->io.size == 1) {
			if (out)
				uart_write(port - COM1_BASE, *data);
			else
				*data = uart_read(port - COM1_BASE);
		} else if (acpi && port + run->io.size > PM_BASE &&
			   port < PM_BASE + PM_LEN) {
			pm_access(port, data, run->io.size, out);
		} else if (!out) {
			memset(data, 0xff, run->io.size);
		}
	}
	pthread_mutex_unlock(&io_lock);
}

/* A vCPU's thread: run it until the VM ends */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;
	struct kvm_regs regs;
	sigset_t stop;
	int ret, reason;

	/* Created with SIG_STOP blocked: take it only once self_run is set */
	self_run = run;
	sigemptyset(&stop);
	sigaddset(&stop, SIG_STOP);
	pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
	while (!vm_ended()) {
		ret = ioctl(v->fd, KVM_RUN, 0);
		if (ret < 0 && errno != EINTR && errno != EAGAIN)
			die("KVM_RUN");
		reason = ret < 0 ? KVM_EXIT_INTR : (int)run->exit_reason;
		/*
		 * Cleared before the loop reads ended, which is set before
		 * SIG_STOP is sent: so no stop is lost.
		 */
		run->immediate_exit = 0;
		switch (reason) {
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_IO:
			COUNT(n_io);
			handle_io(run);
			break;
		case KVM_EXIT_MMIO:
			COUNT(n_mmio);
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_HLT:
			COUNT(n_hlt);
			if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
				die("KVM_GET_REGS");
			if (!(regs.rflags & 0x200))	/* IF clear */
				end_vm(END_HALT);
			break;
		case KVM_EXIT_SHUTDOWN:
			COUNT(n_other);
			/* Which one, if there are several */
			if (nr_vcpus > 1)
				fprintf(stderr, "kvm-linux: vCPU %d: shutdown\n",
					(int)(v - vcpus));
			end_vm(END_RESET);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			COUNT(n_other);
			fail("vCPU %d: VM entry failed, hardware reason 0x%llx",
			     (int)(v - vcpus),
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			COUNT(n_other);
			regs.rip = 0;
			ioctl(v->fd, KVM_GET_REGS, &regs);
			fail("vCPU %d: KVM internal error, suberror %u, at rip 0x%llx",
			     (int)(v - vcpus), run->internal.suberror,
			     (unsigned long long)regs.rip);
		default:
			COUNT(n_other);
			fail("vCPU %d: unexpected exit reason %d",
			     (int)(v - vcpus), reason);
		}
	}
	return NULL;
}

/*
 * The main thread, once the vCPUs run: feed stdin to the UART when the
 * guest can take it, watch the clock, and when the VM has ended stop and
 * join the vCPU threads.  Return one of END_*.
 */
static int run_vm(void)
{
	struct pollfd pfd[2] = {
		{ .fd = -1, .events = POLLIN },
		{ .fd = 0, .events = POLLIN },
	};
	unsigned int i;
	sigset_t stop;
	u64 now, n;

	pfd[0].fd = wake_fd;
	deadline = now_ns() + timeout_s * NSEC_PER_SEC;
	/* The vCPU threads inherit this mask, and unblock SIG_STOP */
	sigemptyset(&stop);
	sigaddset(&stop, SIG_STOP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	t_run = now_ns();
	for (i = 0; i < nr_vcpus; i++) {
		pthread_attr_t attr;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(vcpus[i].host_cpu, &set);
		if (pthread_attr_init(&attr) ||
		    pthread_attr_setaffinity_np(&attr, sizeof(set), &set))
			fail("pthread_attr_setaffinity_np failed");
		errno = pthread_create(&vcpus[i].thread, &attr, vcpu_thread,
				       &vcpus[i]);
		if (errno)
			fail("vCPU %u on host CPU %d: pthread_create: %s", i,
			     vcpus[i].host_cpu, strerror(errno));
		pthread_attr_destroy(&attr);
	}

	while (!vm_ended()) {
		pthread_mutex_lock(&io_lock);
		main_polls_stdin = input_wanted();
		pthread_mutex_unlock(&io_lock);
		if (poll(pfd, main_polls_stdin ? 2 : 1, TICK_MS) < 0 &&
		    errno != EINTR)
			die("poll");
		if (pfd[0].revents & POLLIN &&
		    read(wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			die("eventfd read");

		pthread_mutex_lock(&io_lock);
		if (main_polls_stdin && pfd[1].revents)
			input_fill();
		now = now_ns();
		if (now >= deadline)
			end_vm(END_TIMEOUT);
		else if (in_eof && now >= last_out + IDLE_NS)
			end_vm(END_IDLE);
		else if (t_power_down && now >= t_power_down + POWEROFF_GRACE_NS)
			end_vm(END_HALT);
		pthread_mutex_unlock(&io_lock);
	}

	for (i = 0; i < nr_vcpus; i++)
		pthread_kill(vcpus[i].thread, SIG_STOP);
	for (i = 0; i < nr_vcpus; i++)
		pthread_join(vcpus[i].thread, NULL);
	return vm_ended();
}

/* Where the (stopped) vCPUs were, for a guest that hung */
static void print_vcpus(void)
{
	struct kvm_mp_state mp = { 0 };
	struct kvm_regs regs = { 0 };
	unsigned int i;

	for (i = 0; i < nr_vcpus; i++) {
		ioctl(vcpus[i].fd, KVM_GET_REGS, &regs);
		ioctl(vcpus[i].fd, KVM_GET_MP_STATE, &mp);
		fprintf(stderr, "kvm-linux: vCPU %u: rip 0x%llx rflags 0x%llx mp_state %u\n",
			i, (unsigned long long)regs.rip,
			(unsigned long long)regs.rflags, mp.mp_state);
	}
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

/* -a: host CPUs, comma-separated; Return: how many */
static unsigned int parse_cpus(char *s, int *cpus)
{
	unsigned int n = 0;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_VCPUS)
			fail("-a: more than %d host CPUs", MAX_VCPUS);
		cpus[n++] = parse_num(tok, "host CPU", 0, CPU_SETSIZE - 1);
	}
	if (!n)
		fail("-a: no host CPU");
	return n;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: kvm-linux -k BZIMAGE [-i INITRD] [-m MEM_MIB] [-p CMDLINE] [-w STRING] [-t TIMEOUT_S] [-c NCPUS] [-a CPULIST]\n");
	exit(1);
}

/* ACPI tables: integers are little-endian, at any alignment */
static void put_le(u8 *p, u64 v, unsigned int bytes)
{
	while (bytes--) {
		*p++ = v;
		v >>= 8;
	}
}

/* The value that makes the bytes sum to 0 */
static u8 acpi_sum(const u8 *p, unsigned int len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* Fill in the standard header of a table whose body is already there */
static void acpi_sdt(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put_le(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, "KVMLNX", 6);		/* OEM id */
	memcpy(t + 16, "KVMLINUX", 8);		/* OEM table id */
	put_le(t + 24, 1, 4);			/* OEM revision */
	memcpy(t + 28, "KVML", 4);		/* creator id */
	put_le(t + 32, 1, 4);			/* creator revision */
	t[9] = 0;
	t[9] = acpi_sum(t, len);
}

/* A MADT interrupt source override of ISA @irq */
static u8 *madt_iso(u8 *e, u8 irq, u32 gsi, u16 flags)
{
	e[0] = 2;
	e[1] = 10;
	e[2] = 0;				/* bus: ISA */
	e[3] = irq;
	put_le(e + 4, gsi, 4);
	put_le(e + 8, flags, 2);
	return e + 10;
}

static u32 acpi_madt(u8 *t)
{
	u8 *e = t + ACPI_HDR_LEN;
	unsigned int i;

	put_le(e, LAPIC_GPA, 4);
	put_le(e + 4, 1, 4);			/* PCAT_COMPAT: there are PICs */
	e += 8;
	for (i = 0; i < nr_vcpus; i++, e += 8) {
		e[0] = 0;			/* processor local APIC */
		e[1] = 8;
		e[2] = i;			/* ACPI processor UID */
		e[3] = i;			/* APIC id: KVM's vcpu id */
		put_le(e + 4, 1, 4);		/* enabled */
	}
	e[0] = 1;				/* I/O APIC */
	e[1] = 12;
	e[2] = nr_vcpus;			/* its id, after the CPUs' */
	e[3] = 0;
	put_le(e + 4, IOAPIC_GPA, 4);
	put_le(e + 8, 0, 4);			/* its first GSI */
	e += 12;
	/* The PIT on pin 2 (see set_gsi_routing); the SCI level, active high */
	e = madt_iso(e, 0, 2, 0);
	e = madt_iso(e, SCI_IRQ, SCI_IRQ, 0x1 | 0x3 << 2);
	e[0] = 4;				/* local APIC NMI */
	e[1] = 6;
	e[2] = 0xff;				/* on all processors */
	put_le(e + 3, 0, 2);			/* flags: as the bus says */
	e[5] = 1;				/* on LINT1 */
	e += 6;
	acpi_sdt(t, "APIC", e - t, 3);
	return e - t;
}

static void acpi_fadt(u8 *t)
{
	put_le(t + 36, ACPI_GPA + OFF_FACS, 4);	/* FIRMWARE_CTRL */
	put_le(t + 40, ACPI_GPA + OFF_DSDT, 4);	/* DSDT */
	put_le(t + 46, SCI_IRQ, 2);		/* SCI_INT; no SMI_CMD */
	put_le(t + 56, PM_BASE, 4);		/* PM1a_EVT_BLK */
	put_le(t + 64, PM1_CNT, 4);		/* PM1a_CNT_BLK */
	t[88] = PM1_EVT_LEN;			/* PM1_EVT_LEN */
	t[89] = PM1_CNT_LEN;			/* PM1_CNT_LEN */
	put_le(t + 96, 101, 2);			/* P_LVL2_LAT: no C2 */
	put_le(t + 98, 1001, 2);		/* P_LVL3_LAT: no C3 */
	/* IAPC_BOOT_ARCH: LEGACY_DEVICES, no VGA, no MSI (no 8042 either) */
	put_le(t + 109, 0x1 | 0x4 | 0x8, 2);
	/* Flags: WBINVD, C1 on all CPUs, no fixed power/sleep buttons */
	put_le(t + 112, 0x1 | 0x4 | 0x10 | 0x20, 4);
	acpi_sdt(t, "FACP", FADT_LEN, 3);
}

/*
 * The DSDT's AML: Name (_S5, Package (4) { 5, 5, 0, 0 }), the SLP_TYP of
 * S5 for PM1a_CNT (and the absent PM1b_CNT).
 */
static const u8 dsdt_s5[] = {
	0x08, '_', 'S', '5', '_',		/* NameOp "_S5_" */
	0x12, 0x08, 4,				/* PackageOp, 8 bytes, 4 items */
	0x0a, SLP_TYP_S5, 0x0a, SLP_TYP_S5,	/* BytePrefix 5, twice */
	0x00, 0x00,				/* ZeroOp, twice */
};

/*
 * Put the ACPI tables at ACPI_GPA (see the header comment); Return: the
 * RSDP's address.
 */
static u64 build_acpi(u8 *mem)
{
	u8 *t = mem + ACPI_GPA, *r = t + OFF_RSDP;
	u32 madt_len;

	madt_len = acpi_madt(t + OFF_MADT);
	acpi_fadt(t + OFF_FADT);
	memcpy(t + OFF_DSDT + ACPI_HDR_LEN, dsdt_s5, sizeof(dsdt_s5));
	acpi_sdt(t + OFF_DSDT, "DSDT", ACPI_HDR_LEN + sizeof(dsdt_s5), 2);
	memcpy(t + OFF_FACS, "FACS", 4);	/* no checksum */
	put_le(t + OFF_FACS + 4, FACS_LEN, 4);
	t[OFF_FACS + 32] = 2;			/* version */
	put_le(t + OFF_RSDT + ACPI_HDR_LEN, ACPI_GPA + OFF_FADT, 4);
	put_le(t + OFF_RSDT + ACPI_HDR_LEN + 4, ACPI_GPA + OFF_MADT, 4);
	acpi_sdt(t + OFF_RSDT, "RSDT", ACPI_HDR_LEN + 2 * 4, 1);
	put_le(t + OFF_XSDT + ACPI_HDR_LEN, ACPI_GPA + OFF_FADT, 8);
	put_le(t + OFF_XSDT + ACPI_HDR_LEN + 8, ACPI_GPA + OFF_MADT, 8);
	acpi_sdt(t + OFF_XSDT, "XSDT", ACPI_HDR_LEN + 2 * 8, 1);

	/* RSDP (ACPI 2.0): a checksum of its first 20 bytes, one of all */
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KVMLNX", 6);
	r[15] = 2;				/* revision */
	put_le(r + 16, ACPI_GPA + OFF_RSDT, 4);
	put_le(r + 20, RSDP_LEN, 4);
	put_le(r + 24, ACPI_GPA + OFF_XSDT, 8);
	r[8] = acpi_sum(r, RSDP_V1_LEN);
	r[32] = acpi_sum(r, RSDP_LEN);
	if (OFF_MADT + madt_len > HIGH_RAM - ACPI_GPA)
		fail("ACPI tables too large");
	return ACPI_GPA + OFF_RSDP;
}

/*
 * KVM's default GSI routing sends GSI 0, which the in-kernel PIT raises,
 * to PIC pin 0 and I/O APIC pin 0; the MADT says IRQ 0 is GSI 2, as on a
 * PC, so route GSI 0 to I/O APIC pin 2 instead (as QEMU does).  GSI 2 is
 * the PICs' cascade and gets no route.  Everything else stays as it was:
 * GSI 0-15 to the PICs and GSI 0-23 to the I/O APIC pin of that number.
 * The PIT's interrupt-acknowledge tracking maps the pin back to GSI 0.
 */
static void set_gsi_routing(void)
{
	struct kvm_irq_routing *r;
	struct kvm_irq_routing_entry *e;
	unsigned int gsi;

	r = calloc(1, sizeof(*r) + 48 * sizeof(*e));
	if (!r)
		die("calloc");
	e = r->entries;
	for (gsi = 0; gsi < 24; gsi++) {
		if (gsi < 16 && gsi != 2) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							 KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi % 8;
			e++;
		}
		if (gsi != 2) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
			e->u.irqchip.pin = gsi ? gsi : 2;
			e++;
		}
	}
	r->nr = e - r->entries;
	if (ioctl(vm_fd, KVM_SET_GSI_ROUTING, r) < 0)
		die("KVM_SET_GSI_ROUTING");
	free(r);
}

static void setup_vm(u8 *mem, u64 mem_size, u64 entry)
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
	struct kvm_cpuid2 *cpuid;
	unsigned int i;
	int kvm, fd;
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
	/* Before the vCPUs: with it, KVM makes all but vCPU 0 wait for SIPI */
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		die("KVM_CREATE_PIT2");
	if (acpi)
		set_gsi_routing();
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	ioevent.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ioevent.fd < 0)
		die("eventfd");
	if (ioctl(vm_fd, KVM_IOEVENTFD, &ioevent) < 0)
		die("KVM_IOEVENTFD");
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0)
		die("eventfd");

	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	cpuid = get_cpuid(kvm);
	for (i = 0; i < nr_vcpus; i++) {
		fd = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (fd < 0)
			die("KVM_CREATE_VCPU");
		vcpus[i].fd = fd;
		vcpus[i].run = mmap(NULL, run_size, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
		if (vcpus[i].run == MAP_FAILED)
			die("mmap kvm_run");
		set_cpuid(fd, cpuid, i);
	}
	free(cpuid);
	/* The BSP only: the APs start where the guest's SIPI says */
	set_long_mode(vcpus[0].fd, entry);
}

int main(int argc, char **argv)
{
	static const char * const ends[] = {
		[END_RESET] = "guest reset",
		[END_HALT] = "guest halted",
		[END_POWEROFF] = "guest powered off (ACPI S5)",
		[END_IDLE] = "guest silent for 10 s after the end of input",
	};
	const char *kpath = NULL, *ipath = NULL, *cmdline = "console=ttyS0";
	u64 mem_size = 128 * MIB, entry;
	int host_cpus[MAX_VCPUS];
	unsigned int i, nr_host_cpus = 0;
	struct sigaction sa;
	long online;
	int opt, why;
	u8 *mem;

	t_start = now_ns();
	while ((opt = getopt(argc, argv, "k:i:m:p:w:t:c:a:")) != -1) {
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
		case 'c':
			nr_vcpus = parse_num(optarg, "number of vCPUs", 1,
					     MAX_VCPUS);
			break;
		case 'a':
			nr_host_cpus = parse_cpus(optarg, host_cpus);
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
	acpi = nr_vcpus > 1;
	online = sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 0; i < nr_vcpus; i++)
		vcpus[i].host_cpu = nr_host_cpus ? host_cpus[i % nr_host_cpus] :
				    (int)(i % (online > 0 ? online : 1));

	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	entry = load_linux(mem, mem_size, kpath, ipath, cmdline);
	if (acpi)
		((struct boot_params *)(mem + ZERO_PAGE))->acpi_rsdp_addr =
			build_acpi(mem);
	setup_vm(mem, mem_size, entry);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	if (sigaction(SIG_STOP, &sa, NULL) < 0)
		die("sigaction");
	setvbuf(stdout, NULL, _IOLBF, 1 << 16);	/* a line as soon as it ends */

	why = run_vm();
	fflush(stdout);
	if (booted)
		report_boot();
	else
		fprintf(stderr, "kvm-linux: \"%s\" did not appear\n", wait_str);
	if (why == END_TIMEOUT) {
		fprintf(stderr, "kvm-linux: timeout after %lu s\n", timeout_s);
		print_vcpus();
	} else {
		fprintf(stderr, "kvm-linux: %s\n", ends[why]);
	}
	print_exits();
	fprintf(stderr, "kvm-linux: vcpus=%u host_cpus=", nr_vcpus);
	for (i = 0; i < nr_vcpus; i++)
		fprintf(stderr, "%s%d", i ? "," : "", vcpus[i].host_cpu);
	fputc('\n', stderr);
	return why == END_TIMEOUT ? 3 : 0;
}
