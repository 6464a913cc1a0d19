// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of SVM detection and enabling, on the model CPU.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <palacios/arch.h>
#include <palacios/host.h>
#include <palacios/vmm.h>

#include "test_host.h"
#include "tests.h"

#define SVM_NPT		BIT(0)
#define SVM_NRIPS	BIT(3)

/* A model AMD CPU with SVM, nested paging and VM_CR, SVM off. */
static void model_reset(unsigned int nr_cpus, u32 svm_edx)
{
	unsigned int cpu;

	memset(&test_host, 0, sizeof(test_host));
	memset(model_cpus, 0, sizeof(model_cpus));
	test_host.nr_cpus = nr_cpus;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		struct model_cpu *c = &model_cpus[cpu];

		c->cpuid[model_leaf(0x80000000)][0] = 0x8000001f;
		c->cpuid[model_leaf(0x80000001)][2] = 1U << 2;	/* SVM */
		c->cpuid[model_leaf(0x8000000a)][0] = 1;	/* revision */
		c->cpuid[model_leaf(0x8000000a)][1] = 16;	/* ASIDs */
		c->cpuid[model_leaf(0x8000000a)][3] = svm_edx;
		c->msrs[0] = (struct model_msr){ MSR_EFER, 0x500 };
		c->msrs[1] = (struct model_msr){ MSR_VM_CR, 0 };
		c->msrs[2] = (struct model_msr){ MSR_VM_HSAVE_PA, 0 };
	}
}

static u64 msr_of(int cpu, u32 msr)
{
	return model_msr(cpu, msr)->value;
}

static void test_no_extended_leaf(void)
{
	model_reset(1, SVM_NPT);
	model_cpus[0].cpuid[model_leaf(0x80000000)][0] = 0x80000008;
	CHECK(v3_init() == -ENODEV);
	CHECK(strstr(test_host.log, "no usable hardware virtualisation"));
	CHECK(test_host.errors == 1);
	CHECK(test_host.objects == 0);
}

static void test_no_svm(void)
{
	model_reset(1, SVM_NPT);
	model_cpus[0].cpuid[model_leaf(0x80000001)][2] = 0;
	CHECK(v3_init() == -ENODEV);
	CHECK(test_host.errors == 1);
	CHECK(!v3_backend_name());
}

static void test_disabled_by_firmware(void)
{
	model_reset(1, SVM_NPT);
	model_msr(0, MSR_VM_CR)->value = SVM_VM_CR_SVM_DIS_MASK;
	CHECK(v3_init() == -ENODEV);
	CHECK(strstr(test_host.log, "disabled by the firmware"));
	CHECK(test_host.errors == 1);		/* one line, not two */
}

static void test_no_npt(void)
{
	model_reset(1, SVM_NRIPS);
	CHECK(v3_init() == -ENODEV);
	CHECK(strstr(test_host.log, "nested paging"));
	CHECK(test_host.errors == 1);
}

static void test_no_vm_cr(void)
{
	/* Emulators may lack VM_CR: reading it faults, SVM still works. */
	model_reset(1, SVM_NPT);
	model_msr(0, MSR_VM_CR)->index = 0x1;
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == 0);
	test_cpu_down(0);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_enable_disable(void)
{
	int cpu;

	model_reset(3, SVM_NPT);
	CHECK(v3_init() == 0);
	CHECK(v3_backend_name() && !strcmp(v3_backend_name(), "svm"));
	for (cpu = 0; cpu < 3; cpu++) {
		CHECK(test_cpu_up(cpu) == 0);
		CHECK(msr_of(cpu, MSR_EFER) == (0x500 | EFER_SVME));
		CHECK(msr_of(cpu, MSR_VM_HSAVE_PA) != 0);
		CHECK((msr_of(cpu, MSR_VM_HSAVE_PA) & (V3_PAGE_SIZE - 1)) == 0);
		CHECK(v3_cpu_enabled(cpu));
	}
	CHECK(v3_nr_cpus_enabled() == 3);
	/* two pages per CPU: the host save area and the host state page */
	CHECK(test_host.pages == 6);
	/* every CPU has its own host save area */
	CHECK(msr_of(0, MSR_VM_HSAVE_PA) != msr_of(1, MSR_VM_HSAVE_PA));

	CHECK(test_cpu_up(1) == 0);			/* already up: no change */
	CHECK(test_host.pages == 6);

	test_cpu_down(1);
	CHECK(!v3_cpu_enabled(1));
	CHECK(msr_of(1, MSR_EFER) == 0x500);
	CHECK(msr_of(1, MSR_VM_HSAVE_PA) == 0);
	CHECK(v3_nr_cpus_enabled() == 2);
	test_cpu_down(1);				/* already down: no change */
	CHECK(test_host.pages == 4);

	test_cpu_down(0);
	test_cpu_down(2);
	v3_exit();
	CHECK(test_host.pages == 0);
	CHECK(test_host.objects == 0);
	CHECK(test_host.errors == 0);
}

static void test_busy(void)
{
	/* Another hypervisor has SVM on CPU1: leave its state alone. */
	model_reset(2, SVM_NPT);
	model_msr(1, MSR_EFER)->value = 0x500 | EFER_SVME;
	model_msr(1, MSR_VM_HSAVE_PA)->value = 0x12345000;
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == 0);
	CHECK(test_cpu_up(1) == -EBUSY);
	CHECK(msr_of(1, MSR_EFER) == (0x500 | EFER_SVME));
	CHECK(msr_of(1, MSR_VM_HSAVE_PA) == 0x12345000);
	CHECK(!v3_cpu_enabled(1));
	CHECK(test_host.pages == 2);
	test_cpu_down(1);				/* not ours: untouched */
	CHECK(msr_of(1, MSR_EFER) == (0x500 | EFER_SVME));
	test_cpu_down(0);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

static void test_out_of_memory(void)
{
	model_reset(1, SVM_NPT);
	test_host.fail_zalloc = true;
	CHECK(v3_init() == -ENOMEM);
	test_host.fail_zalloc = false;
	CHECK(v3_init() == 0);
	test_host.fail_pages = true;
	CHECK(test_cpu_up(0) == -ENOMEM);
	CHECK(msr_of(0, MSR_EFER) == 0x500);	/* SVM left off */
	CHECK(!v3_cpu_enabled(0));
	v3_exit();
	CHECK(test_host.objects == 0);
}

static void test_bad_cpu(void)
{
	model_reset(1, SVM_NPT);
	CHECK(v3_cpu_up(0) == -EINVAL);		/* before v3_init() */
	CHECK(v3_init() == 0);
	CHECK(v3_cpu_up(7) == -EINVAL);
	v3_cpu_down(7);
	CHECK(!v3_cpu_enabled(7));
	v3_exit();
}

static void test_describe(void)
{
	char buf[256];

	model_reset(1, SVM_NPT | SVM_NRIPS);
	CHECK(v3_init() == 0);
	v3_describe(buf, sizeof(buf));
	CHECK(strstr(buf, "AMD SVM revision 1, 16 ASIDs"));
	CHECK(strstr(buf, "has: npt nrips;"));
	CHECK(strstr(buf, "lacks: lbrv svm-lock tsc-scale"));
	CHECK(strstr(buf, "decode-assists"));
	v3_describe(buf, 8);			/* truncated, still a string */
	CHECK(strlen(buf) == 7);
	v3_exit();
}

static const struct test_case svm_cases[] = {
	{ "no_extended_leaf", test_no_extended_leaf },
	{ "no_svm", test_no_svm },
	{ "disabled_by_firmware", test_disabled_by_firmware },
	{ "no_npt", test_no_npt },
	{ "no_vm_cr", test_no_vm_cr },
	{ "enable_disable", test_enable_disable },
	{ "busy", test_busy },
	{ "out_of_memory", test_out_of_memory },
	{ "bad_cpu", test_bad_cpu },
	{ "describe", test_describe },
};

const struct test_suite svm_suite = {
	.name = "svm",
	.cases = svm_cases,
	.nr = ARRAY_SIZE(svm_cases),
};
