// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios AMD SVM backend: detection and per-CPU enabling.
 *
 * See the AMD64 Architecture Programmer's Manual, volume 2, chapter 15
 * ("Secure Virtual Machine"), for the CPUID bits and MSRs used here.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/host.h>
#include <palacios/log.h>

#include "svm.h"

#define CPUID_EXT_MAX		0x80000000
#define CPUID_EXT_FEATURES	0x80000001
#define CPUID_EXT_ECX_SVM	BIT(2)
#define CPUID_SVM		0x8000000a

/* CPUID 0x8000000a EDX: the SVM features, and how the log names them */
static const struct {
	unsigned int bit;
	const char *name;
} svm_features[] = {
	{ 0, "npt" },
	{ 1, "lbrv" },
	{ 2, "svm-lock" },
	{ 3, "nrips" },
	{ 4, "tsc-scale" },
	{ 5, "vmcb-clean" },
	{ 6, "flush-by-asid" },
	{ 7, "decode-assists" },
	{ 10, "pause-filter" },
	{ 12, "pause-filter-threshold" },
	{ 13, "avic" },
	{ 15, "v-vmsave-vmload" },
	{ 16, "vgif" },
};

#define SVM_FEATURE_NPT		BIT(0)

static u32 svm_feature_edx;
static u32 svm_revision;
static u32 svm_nr_asids;

/* Name the features that @edx has (@present) or lacks (!@present). */
static void svm_feature_list(char *buf, size_t len, u32 edx, bool present)
{
	size_t pos = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(svm_features); i++) {
		bool has = edx & BIT(svm_features[i].bit);
		const char *name = svm_features[i].name;
		size_t n = strlen(name);

		if (has != present || pos + n + 2 > len)
			continue;
		if (pos)
			buf[pos++] = ' ';
		memcpy(buf + pos, name, n + 1);
		pos += n;
	}
}

static int svm_probe(void)
{
	u32 regs[4];
	u64 vm_cr;

	v3_cpuid(CPUID_EXT_MAX, 0, regs);
	if (regs[0] < CPUID_SVM)
		return -ENODEV;
	v3_cpuid(CPUID_EXT_FEATURES, 0, regs);
	if (!(regs[2] & CPUID_EXT_ECX_SVM))
		return -ENODEV;

	/* An emulated CPU may lack VM_CR: then nothing can have locked SVM. */
	if (!v3_rdmsr_safe(MSR_VM_CR, &vm_cr) &&
	    (vm_cr & SVM_VM_CR_SVM_DIS_MASK)) {
		v3_err("svm: AMD SVM is disabled by the firmware\n");
		return -EOPNOTSUPP;
	}

	v3_cpuid(CPUID_SVM, 0, regs);
	svm_revision = regs[0] & 0xff;
	svm_nr_asids = regs[1];
	svm_feature_edx = regs[3];
	if (!(svm_feature_edx & SVM_FEATURE_NPT)) {
		v3_err("svm: AMD SVM lacks nested paging (NPT), which is required\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

bool svm_has_feature(u32 feature)
{
	return svm_feature_edx & feature;
}

u32 svm_asids(void)
{
	return svm_nr_asids;
}

static void svm_describe(char *buf, size_t len)
{
	char has[160], lacks[160];

	svm_feature_list(has, sizeof(has), svm_feature_edx, true);
	svm_feature_list(lacks, sizeof(lacks), svm_feature_edx, false);
	snprintf(buf, len, "AMD SVM revision %u, %u ASIDs; has: %s; lacks: %s",
		 svm_revision, svm_nr_asids, has[0] ? has : "-",
		 lacks[0] ? lacks : "-");
}

static int svm_cpu_enable(struct v3_cpu *c)
{
	struct svm_cpu *cpu = to_svm_cpu(c);
	u64 efer = v3_rdmsr(MSR_EFER);
	int err;

	/*
	 * EFER.SVME set means another hypervisor (kvm_amd, say) runs on this
	 * CPU.  Leave it alone: its host save area is in use.
	 */
	if (efer & EFER_SVME)
		return -EBUSY;

	err = v3_host_alloc_pages(0, &cpu->host_save_hpa);
	if (err)
		return err;
	err = v3_host_alloc_pages(0, &cpu->host_state_hpa);
	if (err) {
		v3_host_free_pages(cpu->host_save_hpa, 0);
		cpu->host_save_hpa = 0;
		return err;
	}
	/*
	 * The first entry starts a new generation of ASIDs, with a flush of
	 * all of them: another hypervisor may have left entries behind.
	 */
	cpu->next_asid = svm_nr_asids;
	c->last_vm = NULL;
	v3_wrmsr(MSR_EFER, efer | EFER_SVME);
	v3_wrmsr(MSR_VM_HSAVE_PA, cpu->host_save_hpa);
	return 0;
}

static void svm_cpu_disable(struct v3_cpu *c)
{
	struct svm_cpu *cpu = to_svm_cpu(c);

	v3_wrmsr(MSR_VM_HSAVE_PA, 0);
	v3_wrmsr(MSR_EFER, v3_rdmsr(MSR_EFER) & ~(u64)EFER_SVME);
	v3_host_free_pages(cpu->host_save_hpa, 0);
	v3_host_free_pages(cpu->host_state_hpa, 0);
	cpu->host_save_hpa = 0;
	cpu->host_state_hpa = 0;
	c->last_vm = NULL;
}

/*
 * As KVM does: GIF set first, in case the emergency came between CLGI and
 * STGI (SVM would then keep INIT and NMIs blocked), then SVM off.
 */
static void svm_emergency_disable(void)
{
	u64 efer;

	v3_wrmsr(MSR_VM_HSAVE_PA, 0);
	efer = v3_rdmsr(MSR_EFER);
	if (efer & EFER_SVME) {
		asm volatile("stgi" ::: "memory");
		v3_wrmsr(MSR_EFER, efer & ~(u64)EFER_SVME);
	}
}

const struct v3_backend v3_svm_backend = {
	.name = "svm",
	.cpu_size = sizeof(struct svm_cpu),
	.vm_size = sizeof(struct svm_vm),
	.vcpu_size = sizeof(struct svm_vcpu),
	.probe = svm_probe,
	.describe = svm_describe,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.emergency_disable = svm_emergency_disable,
	.vm_init = svm_vm_init,
	.vm_free = svm_vm_free,
	.vcpu_init = svm_vcpu_init,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.get_sreg = svm_get_sreg,
	.set_sreg = svm_set_sreg,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.get_next_rip = svm_get_next_rip,
	.set_interrupt_shadow = svm_set_interrupt_shadow,
	.interrupt_allowed = svm_interrupt_allowed,
	.nmi_allowed = svm_nmi_allowed,
	.inject_irq = svm_inject_irq,
	.inject_nmi = svm_inject_nmi,
	.enable_irq_window = svm_enable_irq_window,
	.queue_exception = svm_queue_exception,
	.complete_events = svm_complete_events,
	.flush_tlb = svm_flush_tlb,
	.vcpu_load = svm_vcpu_load,
	.vcpu_put = svm_vcpu_put,
	.enter = svm_enter,
	.handle_exit = svm_handle_exit,
};
