// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios Intel VMX backend: detection and per-CPU enabling.
 *
 * See the Intel SDM, volume 3C: chapter 24 ("Introduction to Virtual
 * Machine Extensions") for VMXON and VMXOFF, appendix A ("VMX Capability
 * Reporting Facility") for the capability MSRs read here.  The backend
 * runs no guest yet: it enables VMX on every CPU, keeps out of the way of
 * another hypervisor, and leaves VMX operation on unload, CPU hot-unplug
 * and the host's emergency paths.  VM creation is refused with
 * -EOPNOTSUPP until the VMCS, EPT and the world switch follow.
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

/* IA32_VMX_EPT_VPID_CAP */
#define VMX_EPT_WALK4		BIT_ULL(6)
#define VMX_EPT_WB		BIT_ULL(14)
#define VMX_EPT_2M		BIT_ULL(16)
#define VMX_EPT_INVEPT		BIT_ULL(20)
#define VMX_EPT_INVVPID		BIT_ULL(32)

/**
 * struct vmx_cpu - the VMX state of a host CPU
 * @cpu: the core's
 * @vmxon_hpa: host physical address of its VMXON region
 */
struct vmx_cpu {
	struct v3_cpu cpu;
	u64 vmxon_hpa;
};

static u32 vmx_revision;
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
	vmx_revision = basic & VMX_BASIC_REVISION;
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
	return 0;
}

static void vmx_describe(char *buf, size_t len)
{
	char has[160], lacks[160];

	vmx_feature_list(has, sizeof(has), true);
	vmx_feature_list(lacks, sizeof(lacks), false);
	snprintf(buf, len,
		 "Intel VMX revision %u, VMCS of %u bytes; has: %s; lacks: %s; runs no guest yet",
		 vmx_revision, vmx_vmcs_size, has[0] ? has : "-",
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
	*(u32 *)v3_host_pa_to_va(pa) = vmx_revision;

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
	c->last_vm = NULL;
	return 0;
}

static void vmx_cpu_disable(struct v3_cpu *c)
{
	struct vmx_cpu *cpu = container_of(c, struct vmx_cpu, cpu);

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
	.probe = vmx_probe,
	.describe = vmx_describe,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.emergency_disable = vmx_emergency_disable,
};
