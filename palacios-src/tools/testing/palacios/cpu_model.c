// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model CPU of the user-space test build: CPUID and MSRs as the tests
 * set them up.  Reading an MSR the model CPU lacks faults, as it would on
 * hardware: v3_rdmsr_safe() reports it, the others fail the test run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <palacios/arch.h>
#include <palacios/host.h>

struct model_cpu model_cpus[MODEL_NR_CPUS];

static const u32 model_leaves[4] = {
	0x80000000, 0x80000001, 0x8000000a, 0,
};

int model_leaf(u32 leaf)
{
	int i;

	for (i = 0; model_leaves[i]; i++)
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
		regs[r] = i < 0 ? 0 : model_cpus[v3_host_cpu_id()].cpuid[i][r];
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

void v3_wrmsr(u32 msr, u64 val)
{
	struct model_msr *m = model_msr(v3_host_cpu_id(), msr);

	if (!m) {
		fprintf(stderr, "#GP: wrmsr %#x on CPU%d\n", msr, v3_host_cpu_id());
		abort();
	}
	m->value = val;
}
