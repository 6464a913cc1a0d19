// SPDX-License-Identifier: GPL-2.0-only
/*
 * wbinvd: instructions a guest must not turn against the host's caches or
 * counters.  A loop of WBINVD completes (the host makes it a no-op instead
 * of flushing its caches each time); RDPMC raises #GP, as on a CPU that
 * offers the guest no performance counters; RDPRU, which CPUID does not
 * offer, raises #UD.
 */
#include "lib.h"

#define WBINVD_LOOPS	10000
#define CPUID_RDPRU	0x10	/* 0x80000008 EBX bit 4 */

GUEST_NAME("wbinvd");

/* Read after asm statements that clobber memory */
static unsigned int nr_gp, nr_ud;

/* Each faulting instruction here is 2 (RDPMC) or 3 (RDPRU) bytes long */
static void gp_handler(struct trap_frame *frame)
{
	const u8 *insn = (const u8 *)frame->rip;

	if (insn[0] != 0x0f || insn[1] != 0x33) {
		gprintf("wbinvd: FAIL #GP at rip 0x%llx, not at rdpmc\n",
			frame->rip);
		guest_exit(1);
	}
	nr_gp++;
	frame->rip += 2;
}

static void ud_handler(struct trap_frame *frame)
{
	const u8 *insn = (const u8 *)frame->rip;

	if (insn[0] != 0x0f || insn[1] != 0x01 || insn[2] != 0xfd) {
		gprintf("wbinvd: FAIL #UD at rip 0x%llx, not at rdpru\n",
			frame->rip);
		guest_exit(1);
	}
	nr_ud++;
	frame->rip += 3;
}

int guest_main(u64 mem_size)
{
	u32 a, b, c, d, max;
	unsigned long i;
	u64 t0;

	idt_install();
	idt_set_handler(13, gp_handler);
	idt_set_handler(6, ud_handler);

	t0 = rdtsc();
	for (i = 0; i < WBINVD_LOOPS; i++)
		asm volatile("wbinvd" ::: "memory");
	gprintf("wbinvd: %u WBINVD in %llu TSC cycles\n", WBINVD_LOOPS,
		rdtsc() - t0);

	a = 0;
	c = 0;
	d = 0;
	asm volatile("rdpmc" : "+a"(a), "+c"(c), "+d"(d) : : "memory");
	if (nr_gp != 1) {
		gprintf("wbinvd: FAIL rdpmc read 0x%x%08x without #GP\n", d, a);
		return 1;
	}
	gprintf("wbinvd: rdpmc raised #GP\n");

	cpuid(0x80000000, 0, &max, &b, &c, &d);
	b = 0;
	if (max >= 0x80000008)
		cpuid(0x80000008, 0, &a, &b, &c, &d);
	if (b & CPUID_RDPRU) {
		gprintf("wbinvd: FAIL CPUID offers RDPRU\n");
		return 1;
	}
	c = 0;
	asm volatile(".byte 0x0f, 0x01, 0xfd" : "=a"(a), "=d"(d) : "c"(c)
		     : "memory");
	if (nr_ud != 1) {
		gprintf("wbinvd: FAIL rdpru read 0x%x%08x without #UD\n", d, a);
		return 1;
	}
	gprintf("wbinvd: rdpru raised #UD\n");
	gprintf("wbinvd: PASS\n");
	return 0;
}
