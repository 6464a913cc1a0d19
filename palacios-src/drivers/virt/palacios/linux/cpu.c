// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: CPU frequency, CPU numbers, calls
 * across CPUs, the FPU, and random numbers.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/mce.h>
#include <asm/mmu.h>
#include <asm/nospec-branch.h>
#include <asm/tsc.h>

#include <palacios/host.h>

#include "glue.h"

/*
 * One kick per target CPU is enough: a CPU with a kick pending will leave
 * guest mode anyway.  The pending bit serialises the users of the CSD, as
 * smp_call_function_single_async() requires; it is cleared by the target
 * before it counts the kick, after the CSD has been released.
 */
static DEFINE_PER_CPU(call_single_data_t, pal_kick_csd);
static DEFINE_PER_CPU(unsigned long, pal_kick_pending);
static DEFINE_PER_CPU(unsigned long, pal_kicks);

static void pal_kick(void *info)
{
	clear_bit(0, this_cpu_ptr(&pal_kick_pending));
	this_cpu_inc(pal_kicks);
}

void pal_cpu_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(&pal_kick_csd, cpu), pal_kick, NULL);
}

/* Kicks @cpu has taken since the module was loaded. */
unsigned long pal_ipis_received(int cpu)
{
	return READ_ONCE(per_cpu(pal_kicks, cpu));
}

static bool pal_cpu_valid(int cpu)
{
	return cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu);
}

unsigned long v3_host_cpu_khz(void)
{
	/* The kernel's calibrated TSC rate; cpu_khz where it knows no TSC. */
	return tsc_khz ? tsc_khz : cpu_khz;
}

int v3_host_cpu_id(void)
{
	return raw_smp_processor_id();
}

unsigned int v3_host_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

int v3_host_interrupt_cpu(int cpu)
{
	int err;

	if (!pal_cpu_valid(cpu))
		return -EINVAL;
	if (test_and_set_bit(0, per_cpu_ptr(&pal_kick_pending, cpu)))
		return 0;
	err = smp_call_function_single_async(cpu, per_cpu_ptr(&pal_kick_csd, cpu));
	if (err) {
		clear_bit(0, per_cpu_ptr(&pal_kick_pending, cpu));
		return -EINVAL;
	}
	return 0;
}

int v3_host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	if (!pal_cpu_valid(cpu))
		return -EINVAL;
	/* -ENXIO means @cpu went offline since the check above. */
	return smp_call_function_single(cpu, fn, arg, 1) ? -EINVAL : 0;
}

void v3_host_fpu_get(void)
{
	kernel_fpu_begin();
}

void v3_host_fpu_put(void)
{
	kernel_fpu_end();
}

void v3_host_leave_user_mm(void)
{
	/* A kernel thread borrows the last user mm lazily: drop it. */
	if (!current->mm)
		leave_mm();
}

void v3_host_branch_barrier(void)
{
	indirect_branch_prediction_barrier();
}

void v3_host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	/* As from user mode: the guest's context is not the kernel's (KVM). */
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

void v3_host_nmi(void)
{
	apic->send_IPI(smp_processor_id(), NMI_VECTOR);
}

/*
 * As KVM does when it returns to the host: the TSS limit is fixed lazily
 * (before a task with an I/O bitmap runs), the GDT's here.
 */
void v3_host_descriptors_restore(void)
{
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
}

void v3_host_debugregs_restore(void)
{
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}

void v3_host_random_bytes(void *buf, size_t len)
{
	get_random_bytes(buf, len);
}
