// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of VMX detection and enabling, on the model CPU.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <palacios/arch.h>
#include <palacios/host.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "test_host.h"
#include "tests.h"

#define CR4_VMXE	BIT_ULL(13)
#define CR0_HOST	0x80050033ULL	/* PG WP NE ET MP PE, as Linux runs */
#define CR4_HOST	0x003706f0ULL
#define REVISION	0x12

/*
 * EPT, VPID, unrestricted guest; EPT: 4 levels, WB, 2 MiB, INVEPT (and of
 * one context), INVVPID (and of one context)
 */
#define PROC2_ALL	((BIT_ULL(1) | BIT_ULL(5) | BIT_ULL(6) | BIT_ULL(7)) << 32)
#define EPT_ALL		(BIT_ULL(6) | BIT_ULL(14) | BIT_ULL(16) | \
			 BIT_ULL(20) | BIT_ULL(25) | BIT_ULL(32) | BIT_ULL(41))

/* A model Intel CPU with VMX enabled by the firmware, VMX off. */
static void model_reset(unsigned int nr_cpus, u64 proc2, u64 ept)
{
	unsigned int cpu;

	memset(&test_host, 0, sizeof(test_host));
	memset(model_cpus, 0, sizeof(model_cpus));
	test_host.nr_cpus = nr_cpus;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		struct model_cpu *c = &model_cpus[cpu];
		struct model_msr *m = c->msrs;

		c->cpuid[model_leaf(1)][2] = BIT(5);		/* VMX */
		c->cr0 = CR0_HOST;
		c->cr4 = CR4_HOST;
		*m++ = (struct model_msr){ MSR_IA32_FEAT_CTL, 0x5 };
		/* revision, 4 KiB VMCS, write-back, TRUE controls */
		*m++ = (struct model_msr){ MSR_IA32_VMX_BASIC,
			REVISION | (0x1000ULL << 32) | (6ULL << 50) |
			BIT_ULL(55) };
		/* every control allowed either way */
		*m++ = (struct model_msr){ MSR_IA32_VMX_TRUE_PINBASED_CTLS,
			0xffffffffULL << 32 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			0xffffffffULL << 32 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_TRUE_EXIT_CTLS,
			0xffffffffULL << 32 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_TRUE_ENTRY_CTLS,
			0xffffffffULL << 32 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_PROCBASED_CTLS2, proc2 };
		/* the preemption timer counts every 32 TSC cycles */
		*m++ = (struct model_msr){ MSR_IA32_VMX_MISC, 5 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_EPT_VPID_CAP, ept };
		*m++ = (struct model_msr){ MSR_IA32_VMX_CR0_FIXED0, 0x80000021 };
		*m++ = (struct model_msr){ MSR_IA32_VMX_CR0_FIXED1, ~0U };
		*m++ = (struct model_msr){ MSR_IA32_VMX_CR4_FIXED0, CR4_VMXE };
		*m++ = (struct model_msr){ MSR_IA32_VMX_CR4_FIXED1, 0x3727ff };
	}
}

void vmx_model_reset(unsigned int nr_cpus)
{
	model_reset(nr_cpus, PROC2_ALL, EPT_ALL);
}

static void emergency_here(void *arg)
{
	v3_emergency_disable();
}

static void test_no_vmx(void)
{
	model_reset(1, PROC2_ALL, EPT_ALL);
	model_cpus[0].cpuid[model_leaf(1)][2] = 0;
	CHECK(v3_init() == -ENODEV);
	CHECK(strstr(test_host.log, "no usable hardware virtualisation"));
	CHECK(test_host.errors == 1);
}

static void test_disabled_by_firmware(void)
{
	static const u64 fc[] = { 0x1, 0x0, 0x4 };	/* locked off; unlocked */
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fc); i++) {
		model_reset(1, PROC2_ALL, EPT_ALL);
		model_msr(0, MSR_IA32_FEAT_CTL)->value = fc[i];
		CHECK(v3_init() == -ENODEV);
		CHECK(strstr(test_host.log, "disabled by the firmware"));
		CHECK(test_host.errors == 1);		/* one line, not two */
	}
}

static void test_required(void)
{
	static const struct {
		u64 proc2, ept;
		const char *what;
	} cpus[] = {
		{ 0, 0, "lacks ept," },				/* Penryn */
		{ PROC2_ALL & ~BIT_ULL(32 + 7), EPT_ALL,
		  "lacks unrestricted-guest," },
		{ PROC2_ALL, EPT_ALL & ~BIT_ULL(14), "lacks ept-wb," },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpus); i++) {
		model_reset(1, cpus[i].proc2, cpus[i].ept);
		CHECK(v3_init() == -ENODEV);
		CHECK(strstr(test_host.log, cpus[i].what));
		CHECK(test_host.errors == 1);
	}
	/* no secondary controls at all */
	model_reset(1, PROC2_ALL, EPT_ALL);
	model_msr(0, MSR_IA32_VMX_TRUE_PROCBASED_CTLS)->value = 0;
	CHECK(v3_init() == -ENODEV);
	CHECK(strstr(test_host.log, "lacks ept,"));
}

static void test_enable_disable(void)
{
	char buf[256];
	int cpu;

	model_reset(3, PROC2_ALL, EPT_ALL);
	CHECK(v3_init() == 0);
	CHECK(v3_backend_name() && !strcmp(v3_backend_name(), "vmx"));
	for (cpu = 0; cpu < 3; cpu++) {
		CHECK(test_cpu_up(cpu) == 0);
		CHECK(model_cpus[cpu].cr4 == (CR4_HOST | CR4_VMXE));
		CHECK(model_cpus[cpu].vmxon != 0);
		CHECK(v3_cpu_enabled(cpu));
	}
	/* a VMXON region of its own per CPU */
	CHECK(model_cpus[0].vmxon != model_cpus[1].vmxon);
	CHECK(test_host.pages == 3);
	v3_describe(buf, sizeof(buf));
	CHECK(strstr(buf, "Intel VMX revision 18, VMCS of 4096 bytes"));
	CHECK(strstr(buf, "has: ept unrestricted-guest ept-4-level ept-wb"));
	CHECK(strstr(buf, "invept vpid invvpid ept-2m; lacks: -"));

	CHECK(test_cpu_up(1) == 0);			/* already up: no change */
	test_cpu_down(1);
	CHECK(!v3_cpu_enabled(1));
	CHECK(model_cpus[1].cr4 == CR4_HOST && !model_cpus[1].vmxon);
	CHECK(test_host.pages == 2);
	test_cpu_down(0);
	test_cpu_down(2);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(test_host.errors == 0);
}

static void test_busy(void)
{
	/* Another hypervisor is in VMX operation on CPU1: leave it alone. */
	model_reset(2, PROC2_ALL, EPT_ALL);
	model_cpus[1].cr4 |= CR4_VMXE;
	model_cpus[1].vmxon = 0x12345000;
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == 0);
	CHECK(test_cpu_up(1) == -EBUSY);
	CHECK(model_cpus[1].vmxon == 0x12345000);
	CHECK(!v3_cpu_enabled(1));
	CHECK(test_host.pages == 1);
	test_cpu_down(1);				/* not ours: untouched */
	CHECK(model_cpus[1].vmxon == 0x12345000);
	CHECK(model_cpus[1].cr4 & CR4_VMXE);
	test_cpu_down(0);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(test_host.errors == 0);		/* -EBUSY is the caller's to say */
}

static void test_vmxon_fails(void)
{
	model_reset(1, PROC2_ALL, EPT_ALL);
	model_cpus[0].vmxon_fails = true;
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == -EIO);
	CHECK(model_cpus[0].cr4 == CR4_HOST);	/* VMXE back off */
	CHECK(strstr(test_host.log, "VMXON failed on CPU0"));
	CHECK(test_host.pages == 0);
	/* CR4 without a bit VMX needs fixed to 1 */
	model_cpus[0].vmxon_fails = false;
	model_msr(0, MSR_IA32_VMX_CR4_FIXED0)->value = CR4_VMXE | BIT(5);
	model_cpus[0].cr4 = CR4_HOST & ~BIT_ULL(5);
	CHECK(test_cpu_up(0) == -EIO);
	CHECK(!model_cpus[0].vmxon);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_emergency(void)
{
	model_reset(2, PROC2_ALL, EPT_ALL);
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == 0);
	v3_host_call_on_cpu(0, emergency_here, NULL);
	CHECK(!model_cpus[0].vmxon && !(model_cpus[0].cr4 & CR4_VMXE));
	/* a CPU VMX was never on: nothing done */
	v3_host_call_on_cpu(1, emergency_here, NULL);
	CHECK(model_cpus[1].cr4 == CR4_HOST);
	test_cpu_down(0);				/* VMXOFF faults, skipped */
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static const struct test_case vmx_cases[] = {
	{ "no_vmx", test_no_vmx },
	{ "disabled_by_firmware", test_disabled_by_firmware },
	{ "required", test_required },
	{ "enable_disable", test_enable_disable },
	{ "busy", test_busy },
	{ "vmxon_fails", test_vmxon_fails },
	{ "emergency", test_emergency },
};

const struct test_suite vmx_suite = {
	.name = "vmx",
	.cases = vmx_cases,
	.nr = ARRAY_SIZE(vmx_cases),
};
