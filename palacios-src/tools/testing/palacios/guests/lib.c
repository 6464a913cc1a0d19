// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared library of the freestanding Palacios test guests.
 */
#include "lib.h"

#define TRAP_STUB_SIZE	16	/* entry.S aligns each stub to 16 bytes */

/* Two qwords per 64-bit gate */
static u64 idt[2 * NR_VECTORS];
static void (*trap_handlers[NR_VECTORS])(struct trap_frame *frame);

void *memset(void *s, int c, unsigned long n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *dst, const void *src, unsigned long n)
{
	const unsigned char *s = src;
	unsigned char *d = dst;

	while (n--)
		*d++ = *s++;
	return dst;
}

void serial_init(void)
{
	port_out8(0x00, COM1_BASE + 1);	/* IER: no interrupts */
	port_out8(0x80, COM1_BASE + 3);	/* LCR: DLAB */
	port_out8(0x01, COM1_BASE + 0);	/* DLL: 115200 baud */
	port_out8(0x00, COM1_BASE + 1);	/* DLM */
	port_out8(0x03, COM1_BASE + 3);	/* LCR: 8N1 */
	port_out8(0x07, COM1_BASE + 2);	/* FCR: enable and clear the FIFOs */
	port_out8(0x03, COM1_BASE + 4);	/* MCR: DTR, RTS */
}

void serial_putc(char c)
{
	while (!(port_in8(COM1_BASE + 5) & UART_LSR_THRE))
		;
	port_out8(c, COM1_BASE);
}

void serial_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

static void put_num(u64 val, unsigned int base)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[val % base];
		val /= base;
	} while (val);
	while (i--)
		serial_putc(buf[i]);
}

void gprintf(const char *fmt, ...)
{
	__builtin_va_list ap;
	unsigned int lng;
	s64 sval;
	u64 val;

	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			if (*fmt == '\n')
				serial_putc('\r');
			serial_putc(*fmt);
			continue;
		}
		lng = 0;
		while (*++fmt == 'l')
			lng++;
		switch (*fmt) {
		case 's':
			serial_puts(__builtin_va_arg(ap, const char *));
			break;
		case 'c':
			serial_putc(__builtin_va_arg(ap, int));
			break;
		case 'd':
			sval = lng ? __builtin_va_arg(ap, s64) :
				     __builtin_va_arg(ap, int);
			if (sval < 0) {
				serial_putc('-');
				val = -(u64)sval;
			} else {
				val = sval;
			}
			put_num(val, 10);
			break;
		case 'u':
		case 'x':
			val = lng ? __builtin_va_arg(ap, u64) :
				    __builtin_va_arg(ap, unsigned int);
			put_num(val, *fmt == 'u' ? 10 : 16);
			break;
		case '%':
			serial_putc('%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			serial_putc('?');
			break;
		}
	}
	__builtin_va_end(ap);
}

void guest_halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void guest_exit(u64 code)
{
	hypercall(V3_HCALL_EXIT, code, 0, 0);
	gprintf("%s: still running after EXIT(%llu), halting\n", guest_name,
		code);
	guest_halt();
}

void idt_set_handler(unsigned int vector, void (*fn)(struct trap_frame *frame))
{
	if (vector < NR_VECTORS)
		trap_handlers[vector] = fn;
}

void idt_install(void)
{
	u64 addr, idtr[2];
	unsigned int i;

	for (i = 0; i < NR_VECTORS; i++) {
		addr = (u64)trap_stubs + i * TRAP_STUB_SIZE;
		/* offset 15:0, selector, IST 0, present DPL 0 interrupt gate */
		idt[2 * i] = (addr & 0xffff) | (u64)V3_IMAGE_CS64 << 16 |
			     0x8eULL << 40 | (addr & 0xffff0000) << 32;
		idt[2 * i + 1] = addr >> 32;
	}
	/* The 10-byte IDTR operand: limit, then base */
	idtr[0] = (sizeof(idt) - 1) | (u64)idt << 16;
	idtr[1] = (u64)idt >> 48;
	asm volatile("lidt %0" : : "m"(idtr));
}

/* Called by entry.S with interrupts disabled */
void trap_dispatch(struct trap_frame *frame);
void trap_dispatch(struct trap_frame *frame)
{
	if (frame->vector < NR_VECTORS && trap_handlers[frame->vector]) {
		trap_handlers[frame->vector](frame);
		return;
	}
	gprintf("%s: FAIL unexpected vector %llu at rip 0x%llx, error 0x%llx\n",
		guest_name, frame->vector, frame->rip, frame->error);
	guest_exit(2);
}

/* Called by entry.S */
void guest_start(u64 mem_size);
void guest_start(u64 mem_size)
{
	serial_init();
	guest_exit(guest_main(mem_size));
}
