// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios Intel VMX backend: detection, per-CPU enabling, and the
 * controls every guest runs with.
 *
 * See the Intel SDM, volume 3C: chapter 24 ("Introduction to Virtual
 * Machine Extensions") for VMXON and VMXOFF, appendix A ("VMX Capability
 * Reporting Facility") for the capability MSRs read here.  The backend
 * enables VMX on every CPU, keeps out of the way of another hypervisor,
 * and leaves VMX operation on unload, CPU hot-unplug and the host's
 * emergency paths.
 * VMs and vCPUs are in vmx/vcpu.c.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/host.h>
#include <palacios/log.h>

#include "vmcs.h"
#include "vmx.h"

#define CPUID_1_ECX_VMX		BIT(5)
#define VMX_CR4_VMXE		BIT_ULL(13)

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION	0x7fffffffULL
#define VMX_BASIC_SIZE(b)	(((b) >> 32) & 0x1fff)
#define VMX_BASIC_MEMTYPE(b)	(((b) >> 50) & 0xf)
#define VMX_BASIC_TRUE_CTLS	BIT_ULL(55)
#define VMX_MEMTYPE_WB		6

/* Allowed-1 settings: the high half of a control capability MSR */
#define VMX_PROC_SECONDARY	BIT_ULL(32 + 31)
#define VMX_PROC2_EPT		BIT_ULL(32 + 1)
#define VMX_PROC2_VPID		BIT_ULL(32 + 5)
#define VMX_PROC2_UNRESTRICTED	BIT_ULL(32 + 7)

/* The longest stay in guest mode, with the VMX-preemption timer */
#define VMX_TIMESLICE_US	4000

/* IA32_VMX_EPT_VPID_CAP */
#define VMX_EPT_WALK4		BIT_ULL(6)
#define VMX_EPT_WB		BIT_ULL(14)
#define VMX_EPT_2M		BIT_ULL(16)
#define VMX_EPT_INVEPT		BIT_ULL(20)
#define VMX_EPT_INVEPT_SINGLE	BIT_ULL(25)
#define VMX_EPT_INVVPID		BIT_ULL(32)
#define VMX_EPT_INVVPID_SINGLE	BIT_ULL(41)

struct vmx_caps vmx_caps;
static u32 vmx_vmcs_size;
static u64 vmx_proc2;		/* allowed-1 secondary processor controls */
static u64 vmx_ept_cap;

/* What the log names, and whether the backend needs it */
static const struct {
	const char *name;
	bool required;
} vmx_features[] = {
	{ "ept", true },
	{ "unrestricted-guest", true },
	{ "ept-4-level", true },
	{ "ept-wb", true },
	{ "invept", true },
	{ "vpid", false },
	{ "invvpid", false },
	{ "ept-2m", false },
};

static bool vmx_feature(unsigned int i)
{
	switch (i) {
	case 0:
		return vmx_proc2 & VMX_PROC2_EPT;
	case 1:
		return vmx_proc2 & VMX_PROC2_UNRESTRICTED;
	case 2:
		return vmx_ept_cap & VMX_EPT_WALK4;
	case 3:
		return vmx_ept_cap & VMX_EPT_WB;
	case 4:
		return vmx_ept_cap & VMX_EPT_INVEPT;
	case 5:
		return vmx_proc2 & VMX_PROC2_VPID;
	case 6:
		return vmx_ept_cap & VMX_EPT_INVVPID;
	default:
		return vmx_ept_cap & VMX_EPT_2M;
	}
}

/* Name the features the CPU has (@present) or lacks (!@present). */
static void vmx_feature_list(char *buf, size_t len, bool present)
{
	size_t pos = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(vmx_features); i++) {
		size_t n = strlen(vmx_features[i].name);

		if (vmx_feature(i) != present || pos + n + 2 > len)
			continue;
		if (pos)
			buf[pos++] = ' ';
		memcpy(buf + pos, vmx_features[i].name, n + 1);
		pos += n;
	}
}

/*
 * A control field's setting: the bits @want (which the CPU must allow), the
 * bits @opt where it allows them, and the bits it requires.
 */
static int vmx_control(const char *name, u32 msr, u32 want, u32 opt,
		       u32 *val)
{
	u64 cap = v3_rdmsr(msr);
	u32 must = cap, may = cap >> 32;

	if (want & ~may) {
		v3_err("vmx: Intel VMX lacks %s controls 0x%x, which are required\n",
		       name, want & ~may);
		return -EOPNOTSUPP;
	}
	*val = (want | (opt & may) | must) & may;
	return 0;
}

/*
 * The controls every guest runs with, from the capability MSRs (the TRUE
 * ones where the CPU has them, which allow more controls to be 0).
 */
static int vmx_probe_controls(bool true_ctls)
{
	struct vmx_caps *c = &vmx_caps;
	int err;

	err = vmx_control("pin-based", true_ctls ?
			  MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS,
			  VMX_PIN_EXT_INTR | VMX_PIN_NMI | VMX_PIN_VIRTUAL_NMIS,
			  VMX_PIN_PREEMPTION_TIMER, &c->pin);
	err = err ?: vmx_control("processor-based", true_ctls ?
				 MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				 MSR_IA32_VMX_PROCBASED_CTLS,
				 VMX_PROC_TSC_OFFSET | VMX_PROC_HLT |
				 VMX_PROC_MWAIT | VMX_PROC_RDPMC |
				 VMX_PROC_CR8_LOAD | VMX_PROC_CR8_STORE |
				 VMX_PROC_MOV_DR | VMX_PROC_IO_BITMAPS |
				 VMX_PROC_MSR_BITMAPS | VMX_PROC_MONITOR |
				 VMX_PROC_2ND, 0, &c->proc);
	err = err ?: vmx_control("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
				 VMX_PROC2_EPT_ON | VMX_PROC2_UNRESTRICTED_ON |
				 VMX_PROC2_WBINVD, VMX_PROC2_VPID_ON,
				 &c->proc2);
	err = err ?: vmx_control("VM-exit", true_ctls ?
				 MSR_IA32_VMX_TRUE_EXIT_CTLS :
				 MSR_IA32_VMX_EXIT_CTLS,
				 VMX_EXIT_HOST_64 | VMX_EXIT_SAVE_PAT |
				 VMX_EXIT_LOAD_PAT | VMX_EXIT_SAVE_EFER |
				 VMX_EXIT_LOAD_EFER, VMX_EXIT_SAVE_DEBUG,
				 &c->exit);
	err = err ?: vmx_control("VM-entry", true_ctls ?
				 MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				 MSR_IA32_VMX_ENTRY_CTLS,
				 VMX_ENTRY_LOAD_PAT | VMX_ENTRY_LOAD_EFER,
				 VMX_ENTRY_LOAD_DEBUG, &c->entry);
	if (err)
		return err;
	/* IA-32e mode guest is set per vCPU, with its EFER.LMA */
	c->entry &= ~VMX_ENTRY_IA32E;
	/* the windows are asked for per vCPU */
	c->proc &= ~(VMX_PROC_INTR_WINDOW | VMX_PROC_NMI_WINDOW);
	c->vpid = (c->proc2 & VMX_PROC2_VPID_ON) &&
		  (vmx_ept_cap & VMX_EPT_INVVPID) &&
		  (vmx_ept_cap & VMX_EPT_INVVPID_SINGLE);
	if (!c->vpid)
		c->proc2 &= ~VMX_PROC2_VPID_ON;
	c->invept_single = vmx_ept_cap & VMX_EPT_INVEPT_SINGLE;
	/*
	 * A bound on one stay in guest mode, VMX_TIMESLICE_US: host
	 * interrupts make the guest exit first but for one rig's defect
	 * (see vmx/vcpu.c, vmx_exit_timeslice()).
	 */
	c->timer = 0;
	if (c->pin & VMX_PIN_PREEMPTION_TIMER) {
		u64 t = (u64)v3_host_cpu_khz() * VMX_TIMESLICE_US / 1000;

		t >>= v3_rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_TIMER_RATE;
		c->timer = t > 0xffffffff ? 0xffffffff : t ? t : 1;
	}
	/* unrestricted guest: PE and PG are the guest's */
	c->cr0_fixed0 = v3_rdmsr(MSR_IA32_VMX_CR0_FIXED0) &
			~(VMX_CR0_PE | VMX_CR0_PG);
	c->cr0_fixed1 = v3_rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = v3_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	/*
	 * The host owns CR0's fixed bits and CD and NW; PG too, so that the
	 * core enters and leaves long mode with paging (v3_handle_cr_write()).
	 */
	c->cr0_mask = c->cr0_fixed0 | (~c->cr0_fixed1 & 0xffffffff) |
		      VMX_CR0_CD | VMX_CR0_NW | VMX_CR0_PG;
	return 0;
}

static int vmx_probe(void)
{
	u64 fc, basic, proc;
	unsigned int i;
	u32 regs[4];

	v3_cpuid(1, 0, regs);
	if (!(regs[2] & CPUID_1_ECX_VMX))
		return -ENODEV;

	/*
	 * The host kernel locks IA32_FEATURE_CONTROL at boot, with VMX
	 * enabled outside SMX when a hypervisor is built; locked without it,
	 * VMXON would fault.
	 */
	if (v3_rdmsr_safe(MSR_IA32_FEAT_CTL, &fc) || !(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		v3_err("vmx: Intel VMX is disabled by the firmware\n");
		return -EOPNOTSUPP;
	}

	basic = v3_rdmsr(MSR_IA32_VMX_BASIC);
	vmx_caps.revision = basic & VMX_BASIC_REVISION;
	vmx_vmcs_size = VMX_BASIC_SIZE(basic);
	if (!vmx_vmcs_size || vmx_vmcs_size > V3_PAGE_SIZE ||
	    VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
		v3_err("vmx: unusable VMCS layout (IA32_VMX_BASIC 0x%llx)\n",
		       basic);
		return -EOPNOTSUPP;
	}
	proc = v3_rdmsr(basic & VMX_BASIC_TRUE_CTLS ?
			MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			MSR_IA32_VMX_PROCBASED_CTLS);
	vmx_proc2 = 0;
	vmx_ept_cap = 0;
	if (proc & VMX_PROC_SECONDARY)
		vmx_proc2 = v3_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (vmx_proc2 & VMX_PROC2_EPT)
		vmx_ept_cap = v3_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	for (i = 0; i < ARRAY_SIZE(vmx_features); i++) {
		if (vmx_features[i].required && !vmx_feature(i)) {
			v3_err("vmx: Intel VMX lacks %s, which is required\n",
			       vmx_features[i].name);
			return -EOPNOTSUPP;
		}
	}
	return vmx_probe_controls(basic & VMX_BASIC_TRUE_CTLS);
}

static void vmx_describe(char *buf, size_t len)
{
	char has[160], lacks[160];

	vmx_feature_list(has, sizeof(has), true);
	vmx_feature_list(lacks, sizeof(lacks), false);
	snprintf(buf, len,
		 "Intel VMX revision %u, VMCS of %u bytes; has: %s; lacks: %s",
		 vmx_caps.revision, vmx_vmcs_size, has[0] ? has : "-",
		 lacks[0] ? lacks : "-");
}

/* CR0 and CR4 must have the bits IA32_VMX_CR*_FIXED0/1 fix. */
static bool vmx_fixed_ok(u64 val, u32 fixed0, u32 fixed1)
{
	u64 f0 = v3_rdmsr(fixed0), f1 = v3_rdmsr(fixed1);

	return (val & f0) == f0 && !(val & ~f1);
}

static int vmx_cpu_enable(struct v3_cpu *c)
{
	struct vmx_cpu *cpu = container_of(c, struct vmx_cpu, cpu);
	u64 pa;
	int err;

	err = v3_host_alloc_pages(0, &pa);
	if (err)
		return err;
	*(u32 *)v3_host_pa_to_va(pa) = vmx_caps.revision;

	/*
	 * CR4.VMXE set means another hypervisor (kvm_intel, say) runs in VMX
	 * operation on this CPU: leave it alone.  Interrupts stay off from
	 * the check to VMXON, so that no cross-CPU call of another
	 * hypervisor comes between.
	 */
	v3_irq_disable();
	if (v3_cr4_read() & VMX_CR4_VMXE) {
		err = -EBUSY;
	} else if (!vmx_fixed_ok(v3_cr0_read(), MSR_IA32_VMX_CR0_FIXED0,
				 MSR_IA32_VMX_CR0_FIXED1) ||
		   !vmx_fixed_ok(v3_cr4_read() | VMX_CR4_VMXE,
				 MSR_IA32_VMX_CR4_FIXED0,
				 MSR_IA32_VMX_CR4_FIXED1)) {
		err = -EIO;
	} else {
		v3_cr4_set_bits(VMX_CR4_VMXE);
		err = v3_vmxon(pa);
		if (err)
			v3_cr4_clear_bits(VMX_CR4_VMXE);
	}
	v3_irq_enable();
	if (err) {
		if (err == -EIO)
			v3_err("vmx: VMXON failed on CPU%d\n", c->id);
		v3_host_free_pages(pa, 0);
		return err;
	}
	cpu->vmxon_hpa = pa;
	cpu->current_vmcs = NULL;
	INIT_LIST_HEAD(&cpu->loaded);
	c->last_vm = NULL;
	return 0;
}

static void vmx_cpu_disable(struct v3_cpu *c)
{
	struct vmx_cpu *cpu = container_of(c, struct vmx_cpu, cpu);

	/* no VMCS may stay active: VMXOFF would not write it back */
	v3_irq_disable();
	vmx_clear_loaded(cpu);
	v3_irq_enable();
	v3_vmxoff();
	v3_cr4_clear_bits(VMX_CR4_VMXE);
	v3_host_free_pages(cpu->vmxon_hpa, 0);
	cpu->vmxon_hpa = 0;
	c->last_vm = NULL;
}

/*
 * As KVM does: out of VMX operation, so that INIT is not blocked for the
 * next kernel or the firmware.  VMXOFF faults harmlessly on a CPU that
 * is not in VMX operation.
 */
static void vmx_emergency_disable(void)
{
	if (!(v3_cr4_read() & VMX_CR4_VMXE))
		return;
	v3_vmxoff();
	v3_cr4_clear_bits(VMX_CR4_VMXE);
}

const struct v3_backend v3_vmx_backend = {
	.name = "vmx",
	.cpu_size = sizeof(struct vmx_cpu),
	.vm_size = sizeof(struct vmx_vm),
	.vcpu_size = sizeof(struct vmx_vcpu),
	.probe = vmx_probe,
	.describe = vmx_describe,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.emergency_disable = vmx_emergency_disable,
	.vm_init = vmx_vm_init,
	.vm_free = vmx_vm_free,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_reset = vmx_vcpu_reset,
	.get_sreg = vmx_get_sreg,
	.set_sreg = vmx_set_sreg,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.get_next_rip = vmx_get_next_rip,
	.set_interrupt_shadow = vmx_set_interrupt_shadow,
	.interrupt_allowed = vmx_interrupt_allowed,
	.nmi_allowed = vmx_nmi_allowed,
	.inject_irq = vmx_inject_irq,
	.inject_nmi = vmx_inject_nmi,
	.enable_irq_window = vmx_enable_irq_window,
	.queue_exception = vmx_queue_exception,
	.complete_events = vmx_complete_events,
	.flush_tlb = vmx_flush_tlb,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.enter = vmx_enter,
	.handle_exit = vmx_handle_exit,
};
