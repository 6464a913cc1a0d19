// SPDX-License-Identifier: GPL-2.0-only
/*
 * timers: a guest that asks for interrupts as fast as the hardware lets
 * it, for ATTACK_NS of its paravirtual clock, spinning meanwhile.  Built
 * three times:
 *
 *   pittimer	ATTACK 1: the PIT's channel 0 in mode 2 at count 1 (1.19 MHz
 *		asked for), IRQ 0 through the PIC
 *   lapictimer	ATTACK 2: the local APIC timer, periodic, divide by 1,
 *		initial count 1
 *   selfipi	ATTACK 3: self-IPIs through the ICR, one after the other
 *
 * It prints when the attack begins and how many interrupts it took in how
 * long, and exits with code 0 if it took any.  Palacios holds its timers
 * to a period of at least 200 us (KVM's min_timer_period_us), so the
 * timer attacks get at most 5,000 interrupts a second; the host measures
 * its own timer interrupts and its responsiveness meanwhile
 * (tests/scenarios/hostile.sh).
 */
#include "lib.h"
#include "clock.h"

#define ATTACK_NS	(4ULL * 1000 * 1000 * 1000)
#define PIT_VECTOR	0x20		/* IRQ 0, the PIC's base */
#define TIMER_VECTOR	0x30
#define IPI_VECTOR	0x31
#define APIC_BASE	0xfee00000ULL
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ICR_LO	0x300
#define APIC_LVT_TIMER	0x320
#define APIC_TIMER_INIT	0x380
#define APIC_TIMER_DIV	0x3e0
#define APIC_SELF	0x40000		/* ICR destination shorthand */
#define LVT_MASKED	0x10000
#define LVT_PERIODIC	0x20000

#if ATTACK == 1
GUEST_NAME("pittimer");
#elif ATTACK == 2
GUEST_NAME("lapictimer");
#else
GUEST_NAME("selfipi");
#endif

static unsigned long nr_irqs;	/* written by the handlers */

static void apic_write(u32 reg, u32 val)
{
	asm volatile("movl %1, (%0)" : : "r"(APIC_BASE + reg), "r"(val)
		     : "memory");
}

static void pit_irq(struct trap_frame *frame)
{
	nr_irqs++;
	port_out8(0x20, 0x20);		/* non-specific EOI */
}

static void apic_irq(struct trap_frame *frame)
{
	nr_irqs++;
	apic_write(APIC_EOI, 0);
}

/* The PICs at vectors 0x20 and 0x28, with @mask on the master's lines */
static void pic_init(u8 mask)
{
	port_out8(0x11, 0x20);
	port_out8(0x11, 0xa0);
	port_out8(0x20, 0x21);
	port_out8(0x28, 0xa1);
	port_out8(0x04, 0x21);
	port_out8(0x02, 0xa1);
	port_out8(0x01, 0x21);
	port_out8(0x01, 0xa1);
	port_out8(mask, 0x21);
	port_out8(0xff, 0xa1);
}

static void attack_start(void)
{
	if (ATTACK == 1) {
		idt_set_handler(PIT_VECTOR, pit_irq);
		pic_init(0xfe);
		port_out8(0x34, 0x43);	/* channel 0, lo/hi byte, mode 2 */
		port_out8(1, 0x40);
		port_out8(0, 0x40);
		return;
	}
	pic_init(0xff);
	idt_set_handler(ATTACK == 2 ? TIMER_VECTOR : IPI_VECTOR, apic_irq);
	apic_write(APIC_SVR, 0x1ff);	/* enabled, spurious vector 0xff */
	if (ATTACK == 2) {
		apic_write(APIC_TIMER_DIV, 0xb);	/* divide by 1 */
		apic_write(APIC_LVT_TIMER, TIMER_VECTOR | LVT_PERIODIC);
		apic_write(APIC_TIMER_INIT, 1);
	}
}

static void attack_stop(void)
{
	if (ATTACK == 1) {
		port_out8(0x30, 0x43);	/* mode 0: one count, no more */
		port_out8(0xff, 0x40);
		port_out8(0xff, 0x40);
		port_out8(0xff, 0x21);
	} else if (ATTACK == 2) {
		apic_write(APIC_LVT_TIMER, TIMER_VECTOR | LVT_MASKED);
		apic_write(APIC_TIMER_INIT, 0);
	}
}

int guest_main(u64 mem_size)
{
	unsigned long sent = 0, irqs;
	u64 t0, t;

	idt_install();
	if (clock_init()) {
		gprintf("%s: FAIL no paravirtual clock\n", guest_name);
		return 1;
	}
	attack_start();
	gprintf("%s: attack begins\n", guest_name);
	t0 = clock_ns();
	asm volatile("sti" ::: "memory");
	do {
		if (ATTACK == 3) {
			apic_write(APIC_ICR_LO, APIC_SELF | IPI_VECTOR);
			sent++;
		} else {
			asm volatile("pause" ::: "memory");
		}
		t = clock_ns();
	} while (t - t0 < ATTACK_NS);
	asm volatile("cli" ::: "memory");
	attack_stop();
	irqs = nr_irqs;
	gprintf("%s: %lu interrupts in %llu ms, %llu a second",
		guest_name, irqs, (t - t0) / 1000000,
		irqs * 1000000000ULL / (t - t0));
	if (ATTACK == 3)
		gprintf(", of %lu sent", sent);
	gprintf("\n");
	if (!irqs) {
		gprintf("%s: FAIL no interrupt\n", guest_name);
		return 1;
	}
	gprintf("%s: PASS\n", guest_name);
	return 0;
}
