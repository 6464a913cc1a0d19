// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model CPU of the user-space test build: CPUID and MSRs as the tests
 * set them up.  Reading an MSR the model CPU lacks faults, as it would on
 * hardware: v3_rdmsr_safe() reports it, the others fail the test run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bits.h>

#include <palacios/arch.h>
#include <palacios/host.h>
#include <palacios/vmm.h>

#include "test_host.h"

struct model_cpu model_cpus[MODEL_NR_CPUS];

static const u32 model_leaves[MODEL_NR_LEAVES] = {
	0x80000000, 0x80000001, 0x8000000a, 0, 1, 7, 0x80000008, 0xd,
	0x80000007,
};

int model_leaf(u32 leaf)
{
	int i;

	for (i = 0; i < MODEL_NR_LEAVES; i++)
		if (model_leaves[i] == leaf)
			return i;
	return -1;
}

struct model_msr *model_msr(int cpu, u32 msr)
{
	struct model_msr *m = model_cpus[cpu].msrs;
	int i;

	for (i = 0; i < MODEL_NR_MSRS && m[i].index; i++)
		if (m[i].index == msr)
			return &m[i];
	return NULL;
}

void v3_cpuid(u32 leaf, u32 subleaf, u32 regs[4])
{
	int i = model_leaf(leaf);
	int r;

	for (r = 0; r < 4; r++)
		regs[r] = i < 0 || subleaf ? 0 :
			  model_cpus[v3_host_cpu_id()].cpuid[i][r];
}

int v3_rdmsr_safe(u32 msr, u64 *val)
{
	struct model_msr *m = model_msr(v3_host_cpu_id(), msr);

	if (!m)
		return -EIO;
	*val = m->value;
	return 0;
}

u64 v3_rdmsr(u32 msr)
{
	u64 val;

	if (v3_rdmsr_safe(msr, &val)) {
		fprintf(stderr, "#GP: rdmsr %#x on CPU%d\n", msr, v3_host_cpu_id());
		abort();
	}
	return val;
}

u64 v3_cr0_read(void)
{
	return model_cpus[v3_host_cpu_id()].cr0;
}

u64 v3_cr4_read(void)
{
	return model_cpus[v3_host_cpu_id()].cr4;
}

void v3_cr4_set_bits(u64 mask)
{
	model_cpus[v3_host_cpu_id()].cr4 |= mask;
}

void v3_cr4_clear_bits(u64 mask)
{
	model_cpus[v3_host_cpu_id()].cr4 &= ~mask;
}

#define MODEL_CR4_VMXE	BIT_ULL(13)

int v3_vmxon(u64 pa)
{
	struct model_cpu *c = &model_cpus[v3_host_cpu_id()];
	struct model_msr *basic = model_msr(v3_host_cpu_id(), MSR_IA32_VMX_BASIC);

	if (!(c->cr4 & MODEL_CR4_VMXE) || c->vmxon || c->vmxon_fails || !basic ||
	    *(u32 *)v3_host_pa_to_va(pa) != (u32)(basic->value & 0x7fffffff))
		return -EIO;
	c->vmxon = pa;
	return 0;
}

/* A CPU not in VMX operation faults, which v3_vmxoff() skips. */
void v3_vmxoff(void)
{
	model_cpus[v3_host_cpu_id()].vmxon = 0;
}

void v3_wrmsr(u32 msr, u64 val)
{
	struct model_msr *m = model_msr(v3_host_cpu_id(), msr);

	if (!m) {
		fprintf(stderr, "#GP: wrmsr %#x on CPU%d\n", msr, v3_host_cpu_id());
		abort();
	}
	m->value = val;
}

static __thread bool model_irqs_off;

bool model_irqs_disabled(void)
{
	return model_irqs_off;
}

bool v3_irqs_disabled(void)
{
	return model_irqs_off;
}

void v3_irq_disable(void)
{
	model_irqs_off = true;
}

void v3_irq_enable(void)
{
	model_irqs_off = false;
}

u64 model_tsc;
u64 model_tsc_step;

u64 v3_rdtsc(void)
{
	return __atomic_add_fetch(&model_tsc,
				  __atomic_load_n(&model_tsc_step,
						  __ATOMIC_RELAXED),
				  __ATOMIC_RELAXED);
}

static __thread u64 model_dbs[4];

u64 *model_db(void)
{
	return model_dbs;
}

void v3_set_db(unsigned int n, u64 val)
{
	if (n > 3) {
		fprintf(stderr, "#UD: mov to DR%u\n", n);
		abort();
	}
	model_dbs[n] = val;
}

static __thread u8 model_fpu[MODEL_FPU_SIZE] __aligned(V3_FPU_ALIGN);

u8 *model_fpu_regs(void)
{
	return model_fpu;
}

unsigned int v3_fpu_area_size(void)
{
	return MODEL_FPU_SIZE;
}

void v3_fpu_init(void *area)
{
	*(u16 *)area = 0x37f;			/* FCW */
	*(u32 *)((u8 *)area + 24) = 0x1f80;	/* MXCSR */
}

static void model_fpu_check(const void *area)
{
	if ((unsigned long)area % V3_FPU_ALIGN) {
		fprintf(stderr, "#GP: FXSAVE area %p misaligned\n", area);
		abort();
	}
}

void v3_fpu_save(void *area)
{
	model_fpu_check(area);
	memcpy(area, model_fpu, MODEL_FPU_SIZE);
}

void v3_fpu_restore(const void *area)
{
	model_fpu_check(area);
	memcpy(model_fpu, area, MODEL_FPU_SIZE);
}

static void test_up_here(void *arg)
{
	*(int *)arg = v3_cpu_up(v3_host_cpu_id());
}

static void test_down_here(void *arg)
{
	v3_cpu_down(v3_host_cpu_id());
}

int test_cpu_up(int cpu)
{
	int ret = -1;

	v3_host_call_on_cpu(cpu, test_up_here, &ret);
	return ret;
}

void test_cpu_down(int cpu)
{
	v3_host_call_on_cpu(cpu, test_down_here, NULL);
}
