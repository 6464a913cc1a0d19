// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of VMs on Intel VMX, on the model CPU and the model VMCS
 * (model_vmx.c): what each VMCS holds, and where it is current.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <palacios/arch.h>
#include <palacios/host.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "../../../drivers/virt/palacios/vmx/vmcs.h"
#include "../../../drivers/virt/palacios/vmx/vmx.h"
#include "model_vmx.h"
#include "test_host.h"
#include "tests.h"

#define CR4_VMXE	BIT_ULL(13)

/* A field of the VMCS at @pa, current or not */
static u64 vmcs(u64 pa, u32 field)
{
	return model_vmcs_field(pa, field);
}

/* Two model CPUs with VMX (2 GHz TSC) and a 4 MiB VM of @nr_vcpus on them */
static struct v3_vm *vmx_vm_up(unsigned int nr_vcpus)
{
	struct v3_vm_config cfg = { .name = "x", .mem_size = 4 << 20,
				    .nr_vcpus = nr_vcpus };
	struct v3_vm *vm = NULL;

	vmx_model_reset(2);
	test_host.cpu_khz = 2000000;
	memset(&model_vmx, 0, sizeof(model_vmx));
	CHECK(v3_init() == 0);
	CHECK(test_cpu_up(0) == 0 && test_cpu_up(1) == 0);
	CHECK(v3_vm_create(&cfg, &vm) == 0 && vm);
	return vm;
}

/* ... and down again: nothing left, @errors lines logged as errors */
static void vmx_vm_down(int errors)
{
	test_cpu_down(0);
	test_cpu_down(1);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(test_host.errors == errors);
}

/*
 * A VM on VMX: each vCPU's VMCS set up from the controls the CPU allows,
 * its guest state the INIT state, the host's CR0 and CR4 bits kept under
 * the guest's, and everything returned when the VM is freed.
 */
static void test_vmcs(void)
{
	struct v3_vm *vm = vmx_vm_up(2);
	struct vmx_vcpu *vv;
	u64 pa;

	if (!vm)
		goto out;
	vv = to_vmx_vcpu(vm->vcpus[1]);
	pa = vv->vmcs_pa;
	CHECK(vmcs(pa, VMCS_LINK_POINTER) == ~0ULL);
	CHECK(vmcs(pa, VMCS_PIN_CTLS) == (VMX_PIN_EXT_INTR | VMX_PIN_NMI |
					  VMX_PIN_VIRTUAL_NMIS |
					  VMX_PIN_PREEMPTION_TIMER));
	/* 4 ms of the host's TSC, in units of 32 cycles */
	CHECK(vmcs(pa, VMCS_PREEMPTION_TIMER) == 2000000 * 4 / 32);
	CHECK(vmcs(pa, VMCS_PROC_CTLS) & VMX_PROC_HLT);
	CHECK(vmcs(pa, VMCS_PROC_CTLS) & VMX_PROC_CR8_LOAD);
	CHECK(!(vmcs(pa, VMCS_PROC_CTLS) & VMX_PROC_INTR_WINDOW));
	CHECK(vmcs(pa, VMCS_PROC_CTLS2) == (VMX_PROC2_EPT_ON |
					    VMX_PROC2_VPID_ON |
					    VMX_PROC2_WBINVD |
					    VMX_PROC2_UNRESTRICTED_ON));
	CHECK(vmcs(pa, VMCS_EXCEPTION_BITMAP) ==
	      (BIT(1) | BIT(6) | BIT(17) | BIT(18)));
	CHECK(vmcs(pa, VMCS_EPT_POINTER) ==
	      (to_vmx_vm(vm)->npt.root | VMX_EPTP_WB | VMX_EPTP_WALK4));
	CHECK(vmcs(pa, VMCS_VPID) == 2);
	CHECK(vmcs(pa, VMCS_HOST_RIP) == (u64)__v3_vmx_exit);
	CHECK(vmcs(pa, VMCS_EXIT_MSR_LOAD_COUNT) == VMX_NR_AUTO_MSRS);
	/* INIT: real mode; NE and VMXE set under the guest's view */
	CHECK(vmcs(pa, VMCS_CR0_SHADOW) == BIT(4));
	CHECK(vmcs(pa, VMCS_GUEST_CR0) == (BIT(4) | BIT(5)));
	CHECK(vmcs(pa, VMCS_CR4_SHADOW) == 0);
	CHECK(vmcs(pa, VMCS_GUEST_CR4) == CR4_VMXE);
	CHECK(vmcs(pa, VMCS_CR0_MASK) & (BIT(5) | BIT(29) | BIT(30) |
					 BIT_ULL(31)));
	CHECK(!(vmcs(pa, VMCS_ENTRY_CTLS) & VMX_ENTRY_IA32E));
	CHECK(vmx_get_sreg(&vv->vcpu, V3_SREG_CR0) == BIT(4));
	/* CS 0x9b (accessed code) in VMX's access rights; TR busy, usable */
	CHECK(vmcs(pa, VMCS_GUEST_AR(V3_SEG_CS)) == 0x9b);
	CHECK(vmcs(pa, VMCS_GUEST_AR(V3_SEG_TR)) == 0x8b);
	/* EFER with LMA: IA-32e mode guest */
	vmx_set_sreg(&vv->vcpu, V3_SREG_EFER, EFER_LME | EFER_LMA);
	CHECK(vmcs(pa, VMCS_ENTRY_CTLS) & VMX_ENTRY_IA32E);
	CHECK(model_vmx.bad_accesses == 0 && model_vmx.double_loads == 0);
	v3_vm_free(vm);
	/* no VMCS stays current or active */
	CHECK(!model_cpus[0].vmcs && !model_cpus[1].vmcs);
out:
	vmx_vm_down(0);
}

static struct vmx_vcpu *held_vv;

static void held_access(void *arg)
{
	*(u64 *)arg = vmx_get_sreg(&held_vv->vcpu, V3_SREG_CR3);
}

/*
 * A VMCS active on a CPU that never gives it back: the access is skipped
 * (it reads 0), said once, vcpu_put reports it, and the VM ends at its
 * next exit rather than any of it looping.  Once the CPU answers, the VM
 * is freed with nothing left current.
 */
static void test_vmcs_held(void)
{
	struct v3_vm *vm = vmx_vm_up(1);
	u64 cr3 = ~0ULL;

	if (!vm)
		goto out;
	held_vv = to_vmx_vcpu(vm->vcpus[0]);
	vmx_set_sreg(&held_vv->vcpu, V3_SREG_CR3, 0x5000);
	/* an access on CPU 1 takes the VMCS from CPU 0 */
	v3_host_call_on_cpu(1, held_access, &cr3);
	CHECK(cr3 == 0x5000);
	CHECK(held_vv->cpu == 1 && model_cpus[1].vmcs && !model_cpus[0].vmcs);
	test_host.fail_calls = true;
	cr3 = vmx_get_sreg(&held_vv->vcpu, V3_SREG_CR3);
	CHECK(cr3 == 0);
	CHECK(held_vv->lost);
	CHECK(!vmx_vcpu_put(&held_vv->vcpu));
	CHECK(test_host_log_lines("its VMCS stays active on another CPU") == 1);
	CHECK(vmx_handle_exit(&held_vv->vcpu) == -EIO);
	CHECK(model_vmx.bad_accesses == 0 && model_vmx.double_loads == 0);
	test_host.fail_calls = false;
	v3_vm_free(vm);
	CHECK(!model_cpus[0].vmcs && !model_cpus[1].vmcs);
out:
	test_host.fail_calls = false;
	/* the one line of the lost VMCS */
	vmx_vm_down(1);
}

/*
 * A VMCS that a CPU still holds when its VM is freed: the vCPU stays
 * allocated (it is on that CPU's list of loaded VMCSes), said in the log,
 * and the CPU going offline later clears it through that list.
 */
static void test_vmcs_held_at_free(void)
{
	struct v3_vm *vm = vmx_vm_up(1);
	struct vmx_vcpu *vv;
	u64 cr3 = ~0ULL;

	if (!vm) {
		vmx_vm_down(0);
		return;
	}
	vv = to_vmx_vcpu(vm->vcpus[0]);
	held_vv = vv;
	v3_host_call_on_cpu(1, held_access, &cr3);
	CHECK(vv->cpu == 1 && model_cpus[1].vmcs == vv->vmcs_pa);
	test_host.fail_calls = true;
	v3_vm_free(vm);
	test_host.fail_calls = false;
	CHECK(test_host_log_lines("vCPU 0 stays allocated") == 1);
	/* the vCPU and its two pages: all the VM left behind */
	CHECK(model_cpus[1].vmcs == vv->vmcs_pa);
	test_cpu_down(0);
	test_cpu_down(1);
	CHECK(!model_cpus[1].vmcs && vv->cpu == -1);
	CHECK(model_vmx.bad_accesses == 0);
	v3_host_free_pages(vv->msr_pa, 0);
	v3_host_free_pages(vv->vmcs_pa, 0);
	v3_host_free(vv);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(test_host.errors == 3);
}

static const struct test_case vmx_vm_cases[] = {
	{ "vmcs", test_vmcs },
	{ "vmcs_held", test_vmcs_held },
	{ "vmcs_held_at_free", test_vmcs_held_at_free },
};

const struct test_suite vmx_vm_suite = {
	.name = "vmx_vm",
	.cases = vmx_vm_cases,
	.nr = ARRAY_SIZE(vmx_vm_cases),
};
