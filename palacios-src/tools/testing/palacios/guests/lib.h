/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared library of the freestanding Palacios test guests: serial
 * output on COM1, hypercalls, CPU instruction wrappers and a minimal IDT.
 *
 * A guest defines guest_name[] and guest_main(); entry.S zeroes the BSS,
 * and guest_start() initialises COM1, calls guest_main() and passes its
 * return value to the EXIT hypercall.
 */
#ifndef _GUEST_LIB_H
#define _GUEST_LIB_H

#include <linux/types.h>
#include <palacios/image.h>

#define SZ_1M		0x100000ULL
#define SZ_1G		0x40000000ULL

#define COM1_BASE	0x3f8
#define UART_LSR_THRE	0x20

/* Symbols of the linker script (guest.lds) */
extern char __image_start[], __image_end[];

/* Vectors with an entry stub: the 32 exceptions, and interrupts 32 to 63 */
#define NR_VECTORS	64

/* The NR_VECTORS entry stubs of entry.S, 16 bytes apart */
extern char trap_stubs[];

/**
 * GUEST_NAME() - define the guest's name, the prefix of the library's messages
 * @name: a string literal
 */
#define GUEST_NAME(name)	const char guest_name[] = name

extern const char guest_name[];

/**
 * guest_main() - the guest's test
 * @mem_size: the guest's memory size in bytes (RDI at entry)
 *
 * Return: the exit code passed to the EXIT hypercall.
 */
int guest_main(u64 mem_size);

/**
 * struct trap_frame - the state saved by the exception entry stubs
 * @r15: general-purpose registers, in the reverse order of their pushes
 * @r14: see @r15
 * @r13: see @r15
 * @r12: see @r15
 * @r11: see @r15
 * @r10: see @r15
 * @r9: see @r15
 * @r8: see @r15
 * @rbp: see @r15
 * @rdi: see @r15
 * @rsi: see @r15
 * @rdx: see @r15
 * @rcx: see @r15
 * @rbx: see @r15
 * @rax: see @r15
 * @vector: the exception vector
 * @error: the error code, 0 for exceptions without one
 * @rip: where the guest resumes; a handler may change it
 * @cs: the interrupted code segment
 * @rflags: the interrupted flags
 * @rsp: the interrupted stack pointer
 * @ss: the interrupted stack segment
 */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/**
 * idt_install() - load an IDT with entry stubs for vectors 0 to 63
 *
 * An exception or interrupt without a handler prints its vector, RIP and
 * error code and stops the guest with exit code 2.
 */
void idt_install(void);

/**
 * idt_set_handler() - handle a vector
 * @vector: 0 to %NR_VECTORS - 1
 * @fn: called with the saved state, interrupts disabled; returns to the
 *      guest at @frame->rip (an interrupt handler sends its own EOI)
 */
void idt_set_handler(unsigned int vector, void (*fn)(struct trap_frame *frame));

void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);

/**
 * gprintf() - print on COM1
 * @fmt: a format with %s, %c, %d, %u, %x (add l or ll for 64 bits), %%
 *
 * A '\n' is sent as "\r\n".  No format checking: keep the arguments
 * to what the format says.
 */
void gprintf(const char *fmt, ...);

void *memset(void *s, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);

/**
 * guest_halt() - stop the vCPU for good: cli; hlt forever
 */
void guest_halt(void);

/**
 * guest_exit() - the EXIT hypercall, then guest_halt()
 * @code: the exit code (RBX)
 */
void guest_exit(u64 code);

static inline void port_out8(u8 val, u16 port)
{
	asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline void port_out16(u16 val, u16 port)
{
	asm volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline void port_out32(u32 val, u16 port)
{
	asm volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

static inline u8 port_in8(u16 port)
{
	u8 val;

	asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline u16 port_in16(u16 port)
{
	u16 val;

	asm volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline u32 port_in32(u16 port)
{
	u32 val;

	asm volatile("inl %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

/* Memory accesses the compiler can neither drop, merge nor reorder */
static inline u64 mem_read64(u64 addr)
{
	u64 val;

	asm volatile("movq (%1), %0" : "=r"(val) : "r"(addr) : "memory");
	return val;
}

static inline void mem_write64(u64 addr, u64 val)
{
	asm volatile("movq %1, (%0)" : : "r"(addr), "r"(val) : "memory");
}

/**
 * hypercall() - VMMCALL
 * @nr: the hypercall number (RAX)
 * @a0: first argument (RBX)
 * @a1: second argument (RCX)
 * @a2: third argument (RDX)
 *
 * Return: RAX after the call.
 */
static inline s64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	s64 ret;

	asm volatile("vmmcall"
		     : "=a"(ret)
		     : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
		     : "memory");
	return ret;
}

static inline void cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c,
			 u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Both are two bytes long (0f 32, 0f 30), so a #GP handler can skip them */
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr"
		     : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
}

#endif /* _GUEST_LIB_H */
