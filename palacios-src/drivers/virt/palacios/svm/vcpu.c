// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios SVM backend: VMs, vCPUs, the run loop and the exit handlers.
 *
 * Each exit code maps to a small handler (svm_exit_handlers[]).  QEMU's
 * emulated SVM and older CPUs have neither next-RIP save nor decode
 * assists, so unless CPUID says the CPU has next-RIP save, a handler that
 * completes an instruction decodes it at the guest's RIP to learn its
 * length.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <uapi/asm/svm.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/decode.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#include "svm.h"
#include "vmcb.h"

#define V3_CR0_PE	BIT_ULL(0)
#define V3_CR0_ET	BIT_ULL(4)
#define V3_CR0_NE	BIT_ULL(5)
#define V3_CR0_PG	BIT_ULL(31)
/* CR4 bits whose change flushes the TLB, or changes what it may hold */
#define V3_CR4_PAGING	(V3_CR4_PSE | V3_CR4_PAE | V3_CR4_PGE | \
			 V3_CR4_PCIDE | V3_CR4_SMEP | V3_CR4_SMAP)
#define V3_EFER_SCE	BIT_ULL(0)
#define V3_EFER_LME	BIT_ULL(8)
#define V3_EFER_LMA	BIT_ULL(10)
#define V3_EFER_NXE	BIT_ULL(11)
#define V3_EFER_SVME	BIT_ULL(12)
#define V3_RFLAGS_IF	BIT_ULL(9)
#define V3_RFLAGS_FIXED	BIT_ULL(1)

#define MSR_PAT		0x00000277
#define MSR_EFER_NR	0xc0000080
#define MSR_INT_PENDING	0xc0010055	/* AMD: interrupt pending, C1E */

/* The power-on value of PAT */
#define PAT_DEFAULT	0x0007040600070406ULL

/* Segment attributes: type | S | P, plus D/B, G, L where set */
#define ATTR_CODE16	0x009b
#define ATTR_DATA16	0x0093
#define ATTR_CODE32	0x0c9b
#define ATTR_DATA32	0x0c93
#define ATTR_CODE64	0x0a9b
#define ATTR_TSS	0x008b
#define ATTR_LDT	0x0082

static inline struct vmcb *svm_vmcb(struct v3_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct svm_vm *svm_vm(struct v3_vm *vm)
{
	return vm->arch;
}

/* VM */

/* MSRs whose guest copy VMLOAD and VMSAVE switch: the guest owns them. */
static const u32 svm_msrs_passthrough[] = {
	0x00000174, 0x00000175, 0x00000176,	/* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083,	/* STAR, LSTAR, CSTAR */
	0xc0000084,				/* SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,	/* FS, GS, KernelGS base */
};

static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base, off;

	if (msr < 0x2000) {
		base = 0;
	} else if (msr >= 0xc0000000 && msr < 0xc0002000) {
		base = 0x800;
		msr -= 0xc0000000;
	} else {
		return;
	}
	off = base * 8 + msr * 2;	/* in bits: read, then write */
	msrpm[off / 8] &= ~(3 << (off % 8));
}

int svm_vm_init(struct v3_vm *vm)
{
	struct svm_vm *s;
	unsigned int i;
	u8 *msrpm;
	int err;

	s = v3_host_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = v3_host_alloc_pages(SVM_IOPM_ORDER, &s->iopm_pa);
	if (err)
		goto fail;
	err = v3_host_alloc_pages(SVM_MSRPM_ORDER, &s->msrpm_pa);
	if (err)
		goto fail;
	memset(v3_host_pa_to_va(s->iopm_pa), 0xff,
	       V3_PAGE_SIZE << SVM_IOPM_ORDER);
	msrpm = v3_host_pa_to_va(s->msrpm_pa);
	memset(msrpm, 0xff, V3_PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_msrs_passthrough); i++)
		svm_msrpm_allow(msrpm, svm_msrs_passthrough[i]);
	err = v3_npt_build(&s->npt, &vm->mem);
	if (err)
		goto fail;
	vm->arch = s;
	return 0;
fail:
	if (s->msrpm_pa)
		v3_host_free_pages(s->msrpm_pa, SVM_MSRPM_ORDER);
	if (s->iopm_pa)
		v3_host_free_pages(s->iopm_pa, SVM_IOPM_ORDER);
	v3_host_free(s);
	return err;
}

void svm_vm_free(struct v3_vm *vm)
{
	struct svm_vm *s = svm_vm(vm);
	unsigned int i;

	/*
	 * A VM allocated later at this address must not pass for this one
	 * and skip the branch predictor barrier (svm_vcpu_load()).
	 */
	for (i = 0; i < v3_host_nr_cpu_ids(); i++) {
		struct v3_cpu *cpu = v3_get_cpu(i);

		if (cpu && READ_ONCE(cpu->last_vm) == vm)
			WRITE_ONCE(cpu->last_vm, NULL);
	}

	v3_npt_free(&s->npt);
	v3_host_free_pages(s->msrpm_pa, SVM_MSRPM_ORDER);
	v3_host_free_pages(s->iopm_pa, SVM_IOPM_ORDER);
	v3_host_free(s);
	vm->arch = NULL;
}

/* vCPU */

static void svm_seg(struct vmcb_seg *seg, u16 sel, u16 attrib, u32 limit)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = limit;
	seg->base = 0;
}

int svm_vcpu_init(struct v3_vcpu *vcpu)
{
	struct svm_vm *s = svm_vm(vcpu->vm);
	struct vmcb *vmcb;
	u64 pa;
	int err;

	err = v3_host_alloc_pages(0, &pa);
	if (err)
		return err;
	vmcb = v3_host_pa_to_va(pa);

	/*
	 * #DB and #AC: a guest can make the CPU raise them in a loop that
	 * never leaves microcode; intercepted, each goes through the host
	 * (v3_handle_exception()).  #MC: the host's.
	 */
	vmcb->control.intercept_exceptions = BIT(V3_DB_VECTOR) |
					     BIT(V3_AC_VECTOR) |
					     BIT(V3_MC_VECTOR);
	/* CR4: its bits are checked against the CPUID policy */
	vmcb->control.intercept_cr = SVM_CR_WRITE(4);
	/* DR0-DR3: the guest's are in vcpu->db; DR6 and DR7 in the VMCB */
	vmcb->control.intercept_dr = SVM_DR_READ(0) | SVM_DR_READ(1) |
				     SVM_DR_READ(2) | SVM_DR_READ(3) |
				     SVM_DR_WRITE(0) | SVM_DR_WRITE(1) |
				     SVM_DR_WRITE(2) | SVM_DR_WRITE(3);
	vmcb->control.intercept3 = SVM_I3_INTR | SVM_I3_NMI | SVM_I3_SMI |
				   SVM_I3_INIT | SVM_I3_RDPMC | SVM_I3_CPUID |
				   SVM_I3_INVD | SVM_I3_HLT | SVM_I3_INVLPGA |
				   SVM_I3_IOIO | SVM_I3_MSR | SVM_I3_SHUTDOWN;
	vmcb->control.intercept4 = SVM_I4_VMRUN | SVM_I4_VMMCALL |
				   SVM_I4_VMLOAD | SVM_I4_VMSAVE |
				   SVM_I4_STGI | SVM_I4_CLGI | SVM_I4_SKINIT |
				   SVM_I4_RDTSCP | SVM_I4_ICEBP |
				   SVM_I4_WBINVD | SVM_I4_MONITOR |
				   SVM_I4_MWAIT | SVM_I4_MWAIT_ARMED |
				   SVM_I4_XSETBV | SVM_I4_RDPRU;
	vmcb->control.iopm_base_pa = s->iopm_pa;
	vmcb->control.msrpm_base_pa = s->msrpm_pa;
	vmcb->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	vmcb->control.nested_ctl = SVM_NESTED_NP_ENABLE;
	vmcb->control.nested_cr3 = s->npt.root;
	vcpu->arch = vmcb;
	svm_vcpu_reset(vcpu);
	return 0;
}

/* The state of a CPU after INIT (AMD64 APM vol. 2, 14.1.3), no event pending */
void svm_vcpu_reset(struct v3_vcpu *vcpu)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);

	memset(&vmcb->save, 0, sizeof(vmcb->save));
	vmcb->control.event_inj = 0;
	vmcb->control.int_state = 0;
	vmcb->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	vmcb->control.intercept3 &= ~(SVM_I3_VINTR | SVM_I3_IRET);
	vmcb->save.cr0 = V3_CR0_ET;
	vmcb->save.efer = V3_EFER_SVME;
	vmcb->save.rflags = V3_RFLAGS_FIXED;
	vmcb->save.dr6 = 0xffff0ff0;
	vmcb->save.dr7 = 0x400;
	vmcb->save.g_pat = PAT_DEFAULT;
	svm_seg(&vmcb->save.cs, 0, ATTR_CODE16, 0xffff);
	svm_seg(&vmcb->save.ds, 0, ATTR_DATA16, 0xffff);
	vmcb->save.es = vmcb->save.ds;
	vmcb->save.ss = vmcb->save.ds;
	vmcb->save.fs = vmcb->save.ds;
	vmcb->save.gs = vmcb->save.ds;
	svm_seg(&vmcb->save.gdtr, 0, 0, 0xffff);
	vmcb->save.idtr = vmcb->save.gdtr;
	svm_seg(&vmcb->save.tr, 0, ATTR_TSS, 0xffff);
	svm_seg(&vmcb->save.ldtr, 0, ATTR_LDT, 0xffff);
}

void svm_vcpu_free(struct v3_vcpu *vcpu)
{
	v3_host_free_pages(v3_host_va_to_pa(vcpu->arch), 0);
	vcpu->arch = NULL;
}

void svm_vcpu_boot(struct v3_vcpu *vcpu, const struct v3_boot_state *bs)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);
	struct vmcb_save *save = &vmcb->save;

	memset(vcpu->gpr, 0, sizeof(vcpu->gpr));
	vcpu->gpr[V3_RDI] = bs->rdi;
	vcpu->gpr[V3_RSI] = bs->rsi;
	vcpu->gpr[V3_RSP] = bs->rsp;
	save->rip = bs->rip;
	save->rsp = bs->rsp;

	switch (bs->mode) {
	case V3_IMAGE_REAL16:
		/* The INIT state from svm_vcpu_init(), with CS:IP to start at */
		vcpu->gpr[V3_RDI] &= 0xffffffff;
		svm_seg(&save->cs, bs->cs, ATTR_CODE16, 0xffff);
		save->cs.base = (u64)bs->cs << 4;
		return;
	case V3_IMAGE_PROT32:
		vcpu->gpr[V3_RDI] &= 0xffffffff;
		save->cr0 = V3_CR0_PE | V3_CR0_ET | V3_CR0_NE;
		svm_seg(&save->cs, bs->cs, ATTR_CODE32, 0xffffffff);
		break;
	default:
		save->cr0 = V3_CR0_PE | V3_CR0_ET | V3_CR0_NE | V3_CR0_PG;
		save->cr3 = bs->cr3;
		save->cr4 = V3_CR4_PAE;
		save->efer = V3_EFER_LME | V3_EFER_LMA | V3_EFER_SVME;
		svm_seg(&save->cs, bs->cs, ATTR_CODE64, 0xffffffff);
		break;
	}
	svm_seg(&save->ds, bs->ds, ATTR_DATA32, 0xffffffff);
	save->es = save->ds;
	save->ss = save->ds;
	save->fs = save->ds;
	save->gs = save->ds;
	save->gdtr.base = V3_IMAGE_GDT_GPA;
	save->gdtr.limit = 4 * 8 - 1;
	save->tr.limit = 0x67;
}

/* Instructions and events */

void svm_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
			 bool has_err, u32 err)
{
	svm_vmcb(vcpu)->control.event_inj = vector | SVM_EVTINJ_EXCEPTION |
					    SVM_EVTINJ_VALID |
					    (has_err ? SVM_EVTINJ_ERR_VALID : 0) |
					    ((u64)err << 32);
}

static enum v3_cpu_mode svm_mode(const struct vmcb *vmcb)
{
	if ((vmcb->save.efer & V3_EFER_LMA) &&
	    (vmcb->save.cs.attrib & SVM_SEG_L))
		return V3_MODE_64;
	if ((vmcb->save.cr0 & V3_CR0_PE) &&
	    (vmcb->save.cs.attrib & SVM_SEG_DB))
		return V3_MODE_32;
	return V3_MODE_16;
}

/* Read up to V3_INSN_MAX_LEN bytes at the guest's CS:RIP. */
static unsigned int svm_fetch(struct v3_vcpu *vcpu, u8 *buf)
{
	const struct vmcb_save *save = &svm_vmcb(vcpu)->save;
	struct v3_paging pg = {
		.cr0 = save->cr0, .cr3 = save->cr3,
		.cr4 = save->cr4, .efer = save->efer,
	};
	u64 lin = save->cs.base + save->rip;
	unsigned int n = 0;

	if (svm_mode(svm_vmcb(vcpu)) != V3_MODE_64)
		lin &= 0xffffffff;
	while (n < V3_INSN_MAX_LEN) {
		u64 gpa, chunk = V3_PAGE_SIZE - ((lin + n) & (V3_PAGE_SIZE - 1));

		if (chunk > V3_INSN_MAX_LEN - n)
			chunk = V3_INSN_MAX_LEN - n;
		if (v3_gva_to_gpa(&vcpu->vm->mem, &pg, lin + n, &gpa) ||
		    v3_mem_read(&vcpu->vm->mem, gpa, buf + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

/* Decode the instruction at RIP, which must be @op (or any, for NONE). */
static int svm_decode(struct v3_vcpu *vcpu, enum v3_insn_op op,
		      struct v3_insn *insn)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);
	u8 buf[V3_INSN_MAX_LEN];
	unsigned int n = svm_fetch(vcpu, buf);

	if (v3_decode(buf, n, svm_mode(vmcb), insn) ||
	    (op != V3_OP_NONE && insn->op != op)) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "cannot decode the instruction at RIP 0x%llx (exit 0x%llx)",
			  vmcb->save.rip, vmcb->control.exit_code);
		return -EIO;
	}
	return 0;
}

/* Move RIP past the instruction that exited, which is @op. */
static int svm_skip(struct v3_vcpu *vcpu, enum v3_insn_op op)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);
	struct v3_insn insn;
	int err;

	if (svm_has_feature(SVM_FEATURE_NRIPS)) {
		vmcb->save.rip = vmcb->control.next_rip;
	} else {
		err = svm_decode(vcpu, op, &insn);
		if (err)
			return err;
		vmcb->save.rip += insn.len;
		if (svm_mode(vmcb) != V3_MODE_64)
			vmcb->save.rip &= 0xffffffff;
	}
	vmcb->control.int_state &= ~SVM_INT_STATE_SHADOW;
	return 0;
}

/* Complete instruction @op as the core's handler said (see V3_FAULTED). */
static int svm_complete(struct v3_vcpu *vcpu, int ret, enum v3_insn_op op)
{
	if (ret == V3_FAULTED)
		return 0;
	if (ret)
		return ret;
	return svm_skip(vcpu, op);
}

/* Exit handlers */

static int svm_exit_intr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	/* Taken by the host when the run loop enables interrupts. */
	vcpu->exits[vmcb->control.exit_code == SVM_EXIT_NMI ?
		    V3_EXIT_NMI : V3_EXIT_INTR]++;
	return 0;
}

/* The guest can take an interrupt now: the next entry injects it. */
static int svm_exit_vintr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	vcpu->exits[V3_EXIT_INTR]++;
	return 0;
}

static int svm_exit_cpuid(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	vcpu->exits[V3_EXIT_CPUID]++;
	v3_handle_cpuid(vcpu);
	return svm_skip(vcpu, V3_OP_CPUID);
}

static int svm_exit_hlt(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	int err;

	vcpu->exits[V3_EXIT_HLT]++;
	err = svm_skip(vcpu, V3_OP_HLT);
	if (err)
		return err;
	return v3_handle_hlt(vcpu, vmcb->save.rflags & V3_RFLAGS_IF);
}

static int svm_exit_vmmcall(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	int err;

	vcpu->exits[V3_EXIT_VMMCALL]++;
	err = svm_skip(vcpu, V3_OP_VMMCALL);
	if (err)
		return err;
	return v3_handle_hypercall(vcpu);
}

static int svm_exit_ioio(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exit_info_1;
	u16 port = info >> SVM_IOIO_PORT_SHIFT;
	unsigned int len = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	bool in = info & SVM_IOIO_IN;
	u64 *rax = &vcpu->gpr[V3_RAX];
	u32 val = 0;
	int err;

	vcpu->exits[V3_EXIT_IO]++;
	if (info & SVM_IOIO_STR) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "string I/O on port 0x%x is not emulated", port);
		return -EOPNOTSUPP;
	}
	len = len == 4 ? 4 : len == 2 ? 2 : 1;	/* SZ32, SZ16, SZ8 bits */
	if (!in)
		val = (u32)*rax;
	err = v3_handle_io(vcpu, port, len, in, &val);
	if (err)
		return err;
	if (in) {
		if (len == 4)
			*rax = val;	/* a 32-bit write zero-extends */
		else if (len == 2)
			*rax = (*rax & ~0xffffULL) | (val & 0xffff);
		else
			*rax = (*rax & ~0xffULL) | (val & 0xff);
	}
	/* EXITINFO2 holds the next RIP for IOIO exits, with or without NRIPS */
	vmcb->save.rip = vmcb->control.exit_info_2;
	vmcb->control.int_state &= ~SVM_INT_STATE_SHADOW;
	return 0;
}

static int svm_msr_read(struct v3_vcpu *vcpu, struct vmcb *vmcb, u32 msr,
			u64 *val)
{
	switch (msr) {
	case MSR_EFER_NR:
		*val = vmcb->save.efer & ~V3_EFER_SVME;
		return 0;
	case MSR_PAT:
		*val = vmcb->save.g_pat;
		return 0;
	case MSR_INT_PENDING:
		/* No C1E: kernels read it on CPUs with AMD erratum 400 */
		*val = 0;
		return 0;
	}
	return -ENOENT;
}

static bool svm_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int svm_msr_write(struct v3_vcpu *vcpu, struct vmcb *vmcb, u32 msr,
			 u64 val)
{
	const u64 efer_ok = V3_EFER_SCE | V3_EFER_LME | V3_EFER_LMA |
			    V3_EFER_NXE;

	switch (msr) {
	case MSR_EFER_NR:
		if (val & ~efer_ok)
			return -EINVAL;
		/* LMA is the CPU's to set; SVME must stay set. */
		vmcb->save.efer = (val & ~V3_EFER_LMA) |
				  (vmcb->save.efer & V3_EFER_LMA) |
				  V3_EFER_SVME;
		return 0;
	case MSR_PAT:
		if (!svm_pat_valid(val))
			return -EINVAL;
		vmcb->save.g_pat = val;
		return 0;
	}
	return -ENOENT;
}

static int svm_exit_msr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	bool write = vmcb->control.exit_info_1 & 1;
	u32 msr = (u32)vcpu->gpr[V3_RCX];
	u64 val;
	int err;

	vcpu->exits[V3_EXIT_MSR]++;
	if (write) {
		val = (vcpu->gpr[V3_RDX] << 32) | (u32)vcpu->gpr[V3_RAX];
		err = svm_msr_write(vcpu, vmcb, msr, val);
		if (err == -ENOENT)
			err = v3_msr_core(vcpu, msr, true, &val);
	} else {
		err = svm_msr_read(vcpu, vmcb, msr, &val);
		if (err == -ENOENT)
			err = v3_msr_core(vcpu, msr, false, &val);
		if (!err) {
			vcpu->gpr[V3_RAX] = (u32)val;
			vcpu->gpr[V3_RDX] = val >> 32;
		}
	}
	if (err) {
		if (err == -ENOENT)
			v3_msr_unknown(vcpu, msr, write);
		v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
		return 0;
	}
	return svm_skip(vcpu, write ? V3_OP_WRMSR : V3_OP_RDMSR);
}

static int svm_exit_npf(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 gpa = vmcb->control.exit_info_2;
	u64 info = vmcb->control.exit_info_1;
	struct v3_insn insn;
	int err;

	vcpu->exits[V3_EXIT_NPF]++;
	if (!v3_mmio_backed(vcpu->vm, gpa)) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "access to unbacked guest-physical address 0x%llx at RIP 0x%llx",
			  gpa, vmcb->save.rip);
		return -EFAULT;
	}
	vcpu->exits[V3_EXIT_MMIO]++;
	if (info & SVM_NPF_FETCH)
		return v3_handle_mmio(vcpu, gpa, V3_MMIO_FETCH, NULL);
	err = svm_decode(vcpu, V3_OP_NONE, &insn);
	if (err)
		return err;
	err = v3_handle_mmio(vcpu, gpa,
			     info & SVM_NPF_WRITE ? V3_MMIO_WRITE : 0, &insn);
	if (err)
		return err;
	vmcb->save.rip += insn.len;
	vmcb->control.int_state &= ~SVM_INT_STATE_SHADOW;
	return 0;
}

static int svm_exit_shutdown(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	v3_vm_end(vcpu->vm, V3_LOG_ERR, "triple fault (shutdown) at RIP 0x%llx",
		  vmcb->save.rip);
	return -ECANCELED;
}

/* SVM instructions and others the guest does not have: #UD, as without SVM */
static int svm_exit_ud(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	v3_queue_exception(vcpu, V3_UD_VECTOR, 0);
	return 0;
}

static int svm_exit_invd(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	/* Caches are the host's: the guest's INVD does nothing. */
	vcpu->exits[V3_EXIT_OTHER]++;
	return svm_skip(vcpu, V3_OP_INVD);
}

static int svm_exit_wbinvd(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	return svm_complete(vcpu, v3_handle_wbinvd(vcpu), V3_OP_WBINVD);
}

static int svm_exit_rdpmc(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	return svm_complete(vcpu, v3_handle_rdpmc(vcpu), V3_OP_RDPMC);
}

/* #DB, #AC, #MC: EXITINFO1 holds the error code of those that have one */
static int svm_exit_excp(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	return v3_handle_exception(vcpu, vmcb->control.exit_code -
				   SVM_EXIT_EXCP_BASE,
				   (u32)vmcb->control.exit_info_1);
}

/* MOV to CR4 */
static int svm_exit_cr4(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exit_info_1, old = vmcb->save.cr4, val;
	bool lma = vmcb->save.efer & V3_EFER_LMA;
	struct v3_insn insn;
	unsigned int gpr;
	int err;

	if (svm_has_feature(SVM_FEATURE_DECODE) &&
	    (info & SVM_EXITINFO1_MOV_CR)) {
		gpr = info & SVM_EXITINFO1_GPR;
	} else {
		err = svm_decode(vcpu, V3_OP_MOV_TO_CR, &insn);
		if (err)
			return err;
		if (insn.ctl != 4) {
			v3_vm_end(vcpu->vm, V3_LOG_ERR,
				  "CR4 exit for a write of CR%u at RIP 0x%llx",
				  insn.ctl, vmcb->save.rip);
			return -EIO;
		}
		gpr = insn.reg;
	}
	val = vcpu->gpr[gpr];
	if (svm_mode(vmcb) != V3_MODE_64)
		val &= 0xffffffff;
	err = v3_handle_cr4_write(vcpu, &val, lma);
	if (!err) {
		vmcb->save.cr4 = val;
		/* a fresh ASID: no translation of the old paging mode left */
		if ((old ^ val) & V3_CR4_PAGING)
			vcpu->asid_cpu = -1;
	}
	return svm_complete(vcpu, err, V3_OP_MOV_TO_CR);
}

/* MOV to or from DR0-DR3 */
static int svm_exit_dr(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 code = vmcb->control.exit_code;
	bool write = code >= SVM_EXIT_WRITE_DR0;
	unsigned int dr = code - (write ? SVM_EXIT_WRITE_DR0 : SVM_EXIT_READ_DR0);
	enum v3_insn_op op = write ? V3_OP_MOV_TO_DR : V3_OP_MOV_FROM_DR;
	unsigned int gpr, opsize = svm_mode(vmcb) == V3_MODE_64 ? 8 : 4;
	struct v3_insn insn;
	int err;

	if (svm_has_feature(SVM_FEATURE_DECODE)) {
		gpr = vmcb->control.exit_info_1 & SVM_EXITINFO1_GPR;
	} else {
		err = svm_decode(vcpu, op, &insn);
		if (err)
			return err;
		if (insn.ctl != dr) {
			v3_vm_end(vcpu->vm, V3_LOG_ERR,
				  "DR%u exit for an access to DR%u at RIP 0x%llx",
				  dr, insn.ctl, vmcb->save.rip);
			return -EIO;
		}
		gpr = insn.reg;
	}
	return svm_complete(vcpu, v3_handle_dr(vcpu, dr, gpr, write, opsize),
			    op);
}

/* The guest's IRET, intercepted while it runs its NMI handler */
static int svm_exit_iret(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	vmcb->control.intercept3 &= ~SVM_I3_IRET;
	v3_vcpu_nmi_iret(vcpu, vmcb->save.rip);
	return 0;
}

typedef int (*svm_exit_fn)(struct v3_vcpu *vcpu, struct vmcb *vmcb);

static const svm_exit_fn svm_exit_handlers[] = {
	[SVM_EXIT_WRITE_CR4]	= svm_exit_cr4,
	[SVM_EXIT_READ_DR0]	= svm_exit_dr,
	[SVM_EXIT_READ_DR1]	= svm_exit_dr,
	[SVM_EXIT_READ_DR2]	= svm_exit_dr,
	[SVM_EXIT_READ_DR3]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR0]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR1]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR2]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR3]	= svm_exit_dr,
	[SVM_EXIT_EXCP_BASE + V3_DB_VECTOR] = svm_exit_excp,
	[SVM_EXIT_EXCP_BASE + V3_AC_VECTOR] = svm_exit_excp,
	[SVM_EXIT_EXCP_BASE + V3_MC_VECTOR] = svm_exit_excp,
	[SVM_EXIT_INTR]		= svm_exit_intr,
	[SVM_EXIT_VINTR]	= svm_exit_vintr,
	[SVM_EXIT_NMI]		= svm_exit_intr,
	[SVM_EXIT_SMI]		= svm_exit_intr,
	[SVM_EXIT_RDPMC]	= svm_exit_rdpmc,
	[SVM_EXIT_CPUID]	= svm_exit_cpuid,
	[SVM_EXIT_IRET]		= svm_exit_iret,
	[SVM_EXIT_HLT]		= svm_exit_hlt,
	[SVM_EXIT_INVD]		= svm_exit_invd,
	[SVM_EXIT_IOIO]		= svm_exit_ioio,
	[SVM_EXIT_MSR]		= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]	= svm_exit_shutdown,
	[SVM_EXIT_VMRUN]	= svm_exit_ud,
	[SVM_EXIT_VMMCALL]	= svm_exit_vmmcall,
	[SVM_EXIT_VMLOAD]	= svm_exit_ud,
	[SVM_EXIT_VMSAVE]	= svm_exit_ud,
	[SVM_EXIT_STGI]		= svm_exit_ud,
	[SVM_EXIT_CLGI]		= svm_exit_ud,
	[SVM_EXIT_SKINIT]	= svm_exit_ud,
	[SVM_EXIT_RDTSCP]	= svm_exit_ud,
	[SVM_EXIT_ICEBP]	= svm_exit_ud,
	[SVM_EXIT_WBINVD]	= svm_exit_wbinvd,
	[SVM_EXIT_INVLPGA]	= svm_exit_ud,
	[SVM_EXIT_MONITOR]	= svm_exit_ud,
	[SVM_EXIT_MWAIT]	= svm_exit_ud,
	[SVM_EXIT_MWAIT_COND]	= svm_exit_ud,
	[SVM_EXIT_XSETBV]	= svm_exit_ud,
	[SVM_EXIT_RDPRU]	= svm_exit_ud,
	[SVM_EXIT_NPF]		= svm_exit_npf,
};

/*
 * An NMI, when the core has one for the guest and no event is being
 * delivered again: injected, with the IRET intercept on to learn when the
 * guest's handler returns (the CPU does not track the guest's NMI masking
 * without vNMI).  External interrupts: with the guest able to take one (IF
 * set, no interrupt shadow, no event being delivered again), inject it;
 * else ask for an exit as soon as it can, with a virtual interrupt request
 * and the VINTR intercept.
 */
static void svm_inject_events(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;

	if (!(c->event_inj & SVM_EVTINJ_VALID) &&
	    v3_vcpu_take_nmi(vcpu, vmcb->save.rip)) {
		c->event_inj = V3_NMI_VECTOR | SVM_EVTINJ_NMI |
			       SVM_EVTINJ_VALID;
		c->intercept3 |= SVM_I3_IRET;
	}
	c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO |
			SVM_INT_CTL_V_IGN_TPR);
	c->intercept3 &= ~SVM_I3_VINTR;
	if (!v3_intr_pending(vcpu))
		return;
	if (!(c->event_inj & SVM_EVTINJ_VALID) &&
	    (vmcb->save.rflags & V3_RFLAGS_IF) &&
	    !(c->int_state & SVM_INT_STATE_SHADOW)) {
		c->event_inj = v3_intr_ack(vcpu) | SVM_EVTINJ_INTR |
			       SVM_EVTINJ_VALID;
		vcpu->injected++;
		return;
	}
	c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO |
		      SVM_INT_CTL_V_IGN_TPR;
	c->intercept3 |= SVM_I3_VINTR;
}

static int svm_handle_exit(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 code = vmcb->control.exit_code;

	if (code < ARRAY_SIZE(svm_exit_handlers) && svm_exit_handlers[code])
		return svm_exit_handlers[code](vcpu, vmcb);

	vcpu->exits[V3_EXIT_OTHER]++;
	if (code == (u64)SVM_EXIT_ERR)
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "VMRUN refused the guest state (invalid VMCB)");
	else
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "unhandled exit 0x%llx (info 0x%llx 0x%llx) at RIP 0x%llx",
			  code, vmcb->control.exit_info_1,
			  vmcb->control.exit_info_2, vmcb->save.rip);
	return -EOPNOTSUPP;
}

/*
 * The vCPU's address-space ID on this CPU.  A vCPU that last ran on
 * another CPU, or whose ID is of an older generation, takes the next free
 * one; when they run out, a new generation starts with a flush of every
 * ASID's TLB entries, the one flush that CPUs without flush-by-ASID have.
 * So no two vCPUs share an ID on a CPU, and the TLB is flushed only when
 * the IDs run out (as KVM's new_asid() does).
 */
static void svm_asid(struct v3_cpu *cpu, struct v3_vcpu *vcpu,
		     struct vmcb *vmcb)
{
	vmcb->control.tlb_control = 0;
	if (vcpu->asid_cpu == cpu->id && vcpu->asid_gen == cpu->asid_gen)
		return;
	if (cpu->next_asid >= svm_asids()) {
		cpu->asid_gen++;
		cpu->next_asid = 1;
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	}
	vmcb->control.asid = cpu->next_asid++;
	vcpu->asid_gen = cpu->asid_gen;
	vcpu->asid_cpu = cpu->id;
}

/* What this CPU must do before it runs @vcpu, with interrupts disabled */
static void svm_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu,
			  struct vmcb *vmcb)
{
	v3_host_leave_user_mm();
	if (cpu->last_vm != vcpu->vm) {
		v3_host_branch_barrier();
		cpu->last_vm = vcpu->vm;
	}
	svm_asid(cpu, vcpu, vmcb);
}

/*
 * The guest's DR0-DR3 into the hardware when it has set one or its DR7
 * (which VMRUN loads) enables a breakpoint; else the hardware's stay,
 * unused and unreadable by the guest (its accesses to them exit).
 */
static void svm_load_db(struct v3_vcpu *vcpu, const struct vmcb *vmcb)
{
	unsigned int i;

	if (!vcpu->db_active && !(vmcb->save.dr7 & 0xff))
		return;
	for (i = 0; i < 4; i++)
		v3_set_db(i, vcpu->db[i]);
}

int svm_vcpu_run(struct v3_vcpu *vcpu)
{
	struct vmcb *vmcb = svm_vmcb(vcpu);
	u64 t_entry = 0, t_exit = 0, halted;
	bool entered = false, ready;
	struct v3_cpu *cpu;
	int err;

	vmcb->save.rax = vcpu->gpr[V3_RAX];
	vmcb->save.rsp = vcpu->gpr[V3_RSP];

	v3_host_fpu_get();
	v3_fpu_restore(vcpu->fpu);
	v3_irq_disable();
	cpu = v3_get_cpu(v3_host_cpu_id());
	ready = cpu && cpu->enabled;
	if (ready && v3_vcpu_enter(vcpu)) {
		svm_vcpu_load(cpu, vcpu, vmcb);
		svm_inject_events(vcpu, vmcb);
		vmcb->control.tsc_offset = vcpu->tsc_offset;
		svm_load_db(vcpu, vmcb);
		t_entry = v3_rdtsc();
		__v3_svm_run(v3_host_va_to_pa(vmcb), vcpu->gpr,
			     cpu->host_state_hpa);
		t_exit = v3_rdtsc();
		if (vmcb->control.exit_code ==
		    SVM_EXIT_EXCP_BASE + V3_MC_VECTOR)
			v3_host_machine_check();
		v3_host_debugregs_restore();
		v3_vcpu_exited(vcpu);
		entered = true;
	}
	v3_irq_enable();
	v3_fpu_save(vcpu->fpu);
	v3_host_fpu_put();

	if (!entered) {
		/* A kick, a pause or a stop: the run loop looks at it. */
		if (ready)
			return 0;
		if (v3_vm_state(vcpu->vm) != V3_VM_RUNNING)
			return 0;
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "host CPU %d of vCPU %u has SVM disabled",
			  v3_host_cpu_id(), vcpu->id);
		return -EIO;
	}
	vcpu->gpr[V3_RAX] = vmcb->save.rax;
	vcpu->gpr[V3_RSP] = vmcb->save.rsp;
	/* An event whose delivery the exit interrupted is delivered again. */
	vmcb->control.event_inj = 0;
	if (vmcb->control.exit_int_info & SVM_EVTINJ_VALID)
		vmcb->control.event_inj = vmcb->control.exit_int_info;
	WRITE_ONCE(vcpu->guest_tsc, vcpu->guest_tsc + t_exit - t_entry);
	halted = vcpu->halted_tsc;
	err = svm_handle_exit(vcpu, vmcb);
	/* Time asleep in HLT is counted in halted_tsc only. */
	WRITE_ONCE(vcpu->vmm_tsc, vcpu->vmm_tsc + v3_rdtsc() - t_exit -
		   (vcpu->halted_tsc - halted));
	return err;
}
