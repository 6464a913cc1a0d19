// SPDX-License-Identifier: GPL-2.0-only
/*
 * dbtrap: the debug registers are the guest's own, and a storm of #DB
 * reaches it one by one.
 *
 * 1. DR0-DR3 read 0 after reset, whatever breakpoints the host has armed
 *    on this CPU; what is written to them reads back.
 * 2. An instruction breakpoint in DR0 fires (#DB, DR6.B0) at each call of
 *    the function it watches; RF in the handler's frame steps over it.
 * 3. Single-stepping (RFLAGS.TF) raises a #DB after every instruction,
 *    DB_STEPS of them, each with DR6.BS; the host intercepts every one.
 *
 * Built with -DDBTRAP_REGS_ONLY it is drregs, which does step 1 only: the
 * guest to run while the host has a breakpoint armed on its CPU, since
 * QEMU 7.2's emulated SVM corrupts its own breakpoint lists (and crashes)
 * when a guest enables a breakpoint in the slot of one of the host's:
 * VMRUN and #VMEXIT assign DR7 without moving TCG's breakpoints and
 * watchpoints, which share one array by slot.
 */
#include "lib.h"

#define DB_STEPS	20000
#define BP_CALLS	1000
#define RFLAGS_TF	0x100ULL
#define RFLAGS_RF	0x10000ULL
#define DR6_B0		0x1ULL
#define DR6_BS		0x4000ULL
#define DR7_L0		0x1ULL
#define DR7_FIXED	0x400ULL

#ifdef DBTRAP_REGS_ONLY
#define REGS_ONLY	1
GUEST_NAME("drregs");
#else
#define REGS_ONLY	0
GUEST_NAME("dbtrap");
#endif

/* Read after asm statements that clobber memory, or calls */
static unsigned long nr_steps, nr_bps, nr_other;
static u64 bad_dr6;

#define DR_ACCESS(n)							\
static u64 get_dr##n(void)						\
{									\
	u64 v;								\
	asm volatile("mov %%db" #n ", %0" : "=r"(v));			\
	return v;							\
}									\
static void set_dr##n(u64 v)						\
{									\
	asm volatile("mov %0, %%db" #n : : "r"(v));			\
}

DR_ACCESS(0)
DR_ACCESS(1)
DR_ACCESS(2)
DR_ACCESS(3)
DR_ACCESS(6)
DR_ACCESS(7)

static u64 (*const get_dr[4])(void) = { get_dr0, get_dr1, get_dr2, get_dr3 };
static void (*const set_dr[4])(u64) = { set_dr0, set_dr1, set_dr2, set_dr3 };

/*
 * The function the instruction breakpoint watches: one RET, called from
 * asm (it clobbers nothing), so that no compiler inlines it away.  It sits
 * 64 KiB into the image, where no other test guest has code: QEMU 7.2
 * keeps a guest's instruction breakpoints in force for every guest that
 * runs on that host CPU meanwhile (VMRUN loads DR7 without updating TCG's
 * breakpoint list, whose hits raise #DB without looking at DR7), so a
 * breakpoint at another guest's entry point would hit that guest.
 */
asm(".pushsection .data\n.balign 65536\nwatched:\n\tret\n.popsection");

static u64 watched_addr(void)
{
	u64 a;

	asm("lea watched(%%rip), %0" : "=r"(a));
	return a;
}

static void db_handler(struct trap_frame *frame)
{
	u64 dr6 = get_dr6();

	if (dr6 & DR6_BS) {
		if (++nr_steps >= DB_STEPS)
			frame->rflags &= ~RFLAGS_TF;
	} else if ((dr6 & DR6_B0) && frame->rip == watched_addr()) {
		nr_bps++;
		frame->rflags |= RFLAGS_RF;	/* execute it this time */
	} else {
		nr_other++;
		bad_dr6 = dr6;
	}
	set_dr6(0xffff0ff0);	/* the sticky bits: clear for the next */
}

static int check_regs(void)
{
	unsigned int i;
	u64 v;

	for (i = 0; i < 4; i++) {
		v = get_dr[i]();
		gprintf("%s: DR%u 0x%llx\n", guest_name, i, v);
		if (v) {
			gprintf("%s: FAIL DR%u reads 0x%llx after reset, not 0\n",
				guest_name, i, v);
			return 1;
		}
	}
	for (i = 0; i < 4; i++)
		set_dr[i](0x1000 * (i + 1) + 0xdead0000ULL);
	for (i = 0; i < 4; i++) {
		v = get_dr[i]();
		if (v != 0x1000 * (i + 1) + 0xdead0000ULL) {
			gprintf("%s: FAIL DR%u reads back 0x%llx\n",
				guest_name, i, v);
			return 1;
		}
	}
	gprintf("%s: DR0-DR3 read 0, then what was written\n", guest_name);
	return 0;
}

int guest_main(u64 mem_size)
{
	unsigned long i;
	u64 t0;

	idt_install();
	idt_set_handler(1, db_handler);
	if (check_regs())
		return 1;
	if (REGS_ONLY) {
		gprintf("%s: PASS\n", guest_name);
		return 0;
	}

	set_dr0(watched_addr());
	set_dr7(DR7_FIXED | DR7_L0);	/* execute, 1 byte */
	if (get_dr7() != (DR7_FIXED | DR7_L0)) {
		gprintf("%s: FAIL DR7 reads back 0x%llx\n", guest_name,
			get_dr7());
		return 1;
	}
	for (i = 0; i < BP_CALLS; i++)
		asm volatile("call watched" ::: "memory");
	set_dr7(DR7_FIXED);
	gprintf("%s: breakpoint hits %lu of %u calls\n", guest_name, nr_bps,
		BP_CALLS);
	if (nr_bps != BP_CALLS || nr_other) {
		gprintf("%s: FAIL breakpoint hits %lu, other #DB %lu (DR6 0x%llx)\n",
			guest_name, nr_bps, nr_other, bad_dr6);
		return 1;
	}

	t0 = rdtsc();
	asm volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_TF)
		     : "memory", "cc");
	while (nr_steps < DB_STEPS)
		asm volatile("nop" ::: "memory");
	gprintf("%s: %lu single-step #DB in %llu TSC cycles\n", guest_name,
		nr_steps, rdtsc() - t0);
	if (nr_other) {
		gprintf("%s: FAIL %lu #DB without BS (DR6 0x%llx)\n", guest_name,
			nr_other, bad_dr6);
		return 1;
	}
	gprintf("%s: PASS\n", guest_name);
	return 0;
}
