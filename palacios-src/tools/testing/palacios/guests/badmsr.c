// SPDX-License-Identifier: GPL-2.0-only
/*
 * badmsr: rdmsr and wrmsr of an MSR no CPU has must each raise #GP in the
 * guest; the handler counts the faults and skips the instruction.
 */
#include "lib.h"

#define BAD_MSR		0xdeadbeef

GUEST_NAME("badmsr");

/* Read after rdmsr()/wrmsr(), whose asm clobbers memory */
static unsigned int nr_gp;

static void gp_handler(struct trap_frame *frame)
{
	const u8 *insn = (const u8 *)frame->rip;

	if (insn[0] != 0x0f || (insn[1] != 0x32 && insn[1] != 0x30)) {
		gprintf("badmsr: FAIL #GP at rip 0x%llx, not at rdmsr/wrmsr\n",
			frame->rip);
		guest_exit(1);
	}
	gprintf("badmsr: #GP on %s, error 0x%llx\n",
		insn[1] == 0x32 ? "rdmsr" : "wrmsr", frame->error);
	nr_gp++;
	frame->rip += 2;
}

int guest_main(u64 mem_size)
{
	u64 val;

	idt_install();
	idt_set_handler(13, gp_handler);

	gprintf("badmsr: rdmsr 0x%x\n", BAD_MSR);
	val = rdmsr(BAD_MSR);
	if (nr_gp != 1) {
		gprintf("badmsr: FAIL rdmsr gave 0x%llx without #GP\n", val);
		return 1;
	}
	gprintf("badmsr: wrmsr 0x%x\n", BAD_MSR);
	wrmsr(BAD_MSR, 0x1234);
	if (nr_gp != 2) {
		gprintf("badmsr: FAIL wrmsr without #GP\n");
		return 1;
	}
	gprintf("badmsr: PASS got #GP x2\n");
	return 0;
}
