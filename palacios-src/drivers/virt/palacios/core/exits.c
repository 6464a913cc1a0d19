// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the exit handling every backend shares.
 *
 * A backend decodes its exit, then calls these with the guest's registers
 * in vcpu->gpr.  They return 0 to resume the guest, or a negative errno
 * once the VM was stopped with its reason.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>

#include <palacios/alu.h>
#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/devices.h>
#include <palacios/guest.h>
#include <palacios/image.h>
#include <palacios/log.h>

/* The CPUID policy: leaves and bits the VMM really provides. */

#define V3_CPUID_SIG_LEAF	0x40000000
#define V3_CPUID_EXT_MAX	0x80000008

/* Leaf 1 */
#define C1_ECX_KEEP	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
			 BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
			 BIT(30))		/* SSE3..SSE4.2, POPCNT, AES, ... */
#define C1_ECX_HYPERVISOR	BIT(31)
#define C1_EDX_KEEP	(BIT(0) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
			 BIT(8) | BIT(9) | BIT(11) | BIT(13) | BIT(15) | \
			 BIT(16) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | \
			 BIT(26))
			/* FPU PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT CLFSH MMX FXSR SSE SSE2 */
/* Leaf 7.0 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT */
#define C7_EBX_KEEP	(BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | \
			 BIT(19) | BIT(20) | BIT(23))
/*
 * Leaf 0x80000001: ECX LAHF, ABM, SSE4A, 3DNowPrefetch; EDX SYSCALL NX
 * 1GB-pages LM and the leaf-1 bits AMD repeats here
 */
#define CE1_ECX_KEEP	(BIT(0) | BIT(5) | BIT(6) | BIT(8))
#define CE1_EDX_KEEP	(C1_EDX_KEEP | BIT(11) | BIT(20) | BIT(26) | BIT(29))
/* Leaf 0x80000007 EDX: the invariant TSC (guest TSC = host TSC + offset) */
#define CE7_EDX_KEEP	BIT(8)

void v3_cpuid_policy(u32 leaf, u32 subleaf, u32 regs[4])
{
	u32 max;

	memset(regs, 0, 4 * sizeof(u32));
	if (leaf == V3_CPUID_SIG_LEAF) {
		regs[0] = V3_CPUID_SIG_LEAF;
		memcpy(&regs[1], "PalaciosVMM\0", 12);
		return;
	}
	if (leaf >= 0x80000000) {
		v3_cpuid(0x80000000, 0, regs);
		max = regs[0] < V3_CPUID_EXT_MAX ? regs[0] : V3_CPUID_EXT_MAX;
		memset(regs, 0, 4 * sizeof(u32));
		if (leaf > max || leaf == 0x8000000a)
			return;
		v3_cpuid(leaf, subleaf, regs);
		if (leaf == 0x80000000) {
			regs[0] = max;
		} else if (leaf == 0x80000001) {
			regs[0] = 0;
			regs[1] = 0;
			regs[2] &= CE1_ECX_KEEP;
			regs[3] &= CE1_EDX_KEEP;
		} else if (leaf == 0x80000007) {
			/* RAS and power management: only the invariant TSC */
			regs[0] = 0;
			regs[1] = 0;
			regs[2] = 0;
			regs[3] &= CE7_EDX_KEEP;
		} else if (leaf == 0x80000008) {
			/*
			 * Address sizes only: no speculation-control MSRs,
			 * and one core per package (ECX), whatever the host.
			 */
			regs[1] = 0;
			regs[2] = 0;
			regs[3] = 0;
		}
		return;
	}

	v3_cpuid(0, 0, regs);
	max = regs[0] < 7 ? regs[0] : 7;
	memset(regs, 0, 4 * sizeof(u32));
	if (leaf > max)
		return;
	switch (leaf) {
	case 0:
		v3_cpuid(0, 0, regs);
		regs[0] = max;
		return;
	case 1:
		v3_cpuid(1, 0, regs);
		regs[1] &= 0xffff;	/* APIC ID and CPU count: set per vCPU */
		regs[2] = (regs[2] & C1_ECX_KEEP) | C1_ECX_HYPERVISOR;
		regs[3] &= C1_EDX_KEEP;
		return;
	case 7:
		if (subleaf == 0) {
			v3_cpuid(7, 0, regs);
			regs[0] = 0;
			regs[1] &= C7_EBX_KEEP;
			regs[2] = 0;
			regs[3] = 0;
		}
		return;
	default:
		/* Thermal, cache topology, perfmon: nothing provided. */
		return;
	}
}

int v3_handle_cpuid(struct v3_vcpu *vcpu)
{
	u32 regs[4];

	v3_cpuid_policy((u32)vcpu->gpr[V3_RAX], (u32)vcpu->gpr[V3_RCX], regs);
	v3_pvclock_cpuid(&vcpu->vm->board->pvclock, (u32)vcpu->gpr[V3_RAX], regs);
	if ((u32)vcpu->gpr[V3_RAX] == 1)
		regs[1] |= (vcpu->id << 24) | (1 << 16);
	vcpu->gpr[V3_RAX] = regs[0];
	vcpu->gpr[V3_RBX] = regs[1];
	vcpu->gpr[V3_RCX] = regs[2];
	vcpu->gpr[V3_RDX] = regs[3];
	return 0;
}

int v3_handle_io(struct v3_vcpu *vcpu, u16 port, unsigned int len, bool in,
		 u32 *val)
{
	struct v3_vm *vm = vcpu->vm;
	int err;

	err = v3_range_dispatch(&vm->io, port, val, len, !in);
	if (!err)
		return 0;
	if (err != -ENOENT) {
		v3_vm_end(vm, V3_LOG_ERR, "device at port 0x%x failed (%d)",
			  port, err);
		return err;
	}
	if (!vm->warned_io) {
		vm->warned_io = true;
		v3_warn("vm %s: %s of unhooked port 0x%x ignored (logged once)\n",
			vm->name, in ? "read" : "write", port);
	}
	if (in)
		memset(val, 0xff, len);
	return 0;
}

/* Write @val to register @reg as an instruction of @size bytes would. */
static void v3_set_reg(struct v3_vcpu *vcpu, const struct v3_insn *insn,
		       unsigned int size, u64 val)
{
	u64 *r;

	if (insn->high_byte) {
		r = &vcpu->gpr[insn->reg - 4];
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	r = &vcpu->gpr[insn->reg];
	switch (size) {
	case 1:
		*r = (*r & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = val & 0xffffffffULL;	/* 32-bit writes zero-extend */
		break;
	default:
		*r = val;
		break;
	}
}

static u64 v3_get_reg(struct v3_vcpu *vcpu, const struct v3_insn *insn)
{
	if (insn->high_byte)
		return vcpu->gpr[insn->reg - 4] >> 8;
	return vcpu->gpr[insn->reg];
}

static u64 v3_sign_extend(u64 val, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(val << shift) >> shift);
}

/* Each vCPU has its own local APIC at the same address. */
static bool v3_gpa_is_lapic(u64 gpa)
{
	return gpa - V3_LAPIC_GPA < V3_PAGE_SIZE;
}

bool v3_mmio_backed(const struct v3_vm *vm, u64 gpa)
{
	return v3_gpa_is_lapic(gpa) || v3_range_find(&vm->mmio, gpa, 1);
}

/* One access to device memory, by the local APIC or a hooked range */
static int v3_mmio_access(struct v3_vcpu *vcpu, u64 gpa, u64 *val,
			  unsigned int size, bool write)
{
	struct v3_vm *vm = vcpu->vm;
	int err;

	if (v3_gpa_is_lapic(gpa))
		err = v3_lapic_access(&vcpu->lapic, gpa - V3_LAPIC_GPA, val,
				      size, write);
	else
		err = v3_range_dispatch(&vm->mmio, gpa, val, size, write);
	if (err == -EAGAIN && write)
		return err;	/* executed again; see v3_access_fn */
	if (err == -ENOENT) {
		v3_vm_end(vm, V3_LOG_ERR,
			  "access to unbacked guest-physical address 0x%llx",
			  gpa);
		return err;
	}
	if (err)
		v3_vm_end(vm, V3_LOG_ERR, "device at 0x%llx failed (%d)", gpa,
			  err);
	return err;
}

/*
 * ALU instructions and XCHG on device memory: read it, compute, write back
 * what the instruction writes.  A LOCK prefix changes nothing here: the
 * device sees a read and a write, as KVM's emulator gives it (a device
 * model has no atomic read-modify-write to offer).
 */
static int v3_mmio_rmw(struct v3_vcpu *vcpu, u64 gpa,
		       const struct v3_insn *insn)
{
	unsigned int size = insn->opsize;
	bool has_reg = insn->reg != V3_REG_NONE;
	u64 mem = 0, dst, src, res, rflags;
	int err;

	err = v3_mmio_access(vcpu, gpa, &mem, size, false);
	if (err)
		return err;
	if (insn->op == V3_OP_XCHG) {
		res = v3_get_reg(vcpu, insn);
		err = v3_mmio_access(vcpu, gpa, &res, size, true);
		if (!err)
			v3_set_reg(vcpu, insn, size, mem);
		return err;
	}
	src = has_reg ? v3_get_reg(vcpu, insn) : insn->imm;
	dst = mem;
	if (insn->mem_src) {
		dst = src;
		src = mem;
	}
	rflags = vcpu->be->get_sreg(vcpu, V3_SREG_RFLAGS);
	res = v3_alu(insn->alu, size, dst, src, &rflags);
	if (v3_alu_writes(insn->alu)) {
		if (insn->mem_src)
			v3_set_reg(vcpu, insn, size, res);
		else
			err = v3_mmio_access(vcpu, gpa, &res, size, true);
	}
	if (!err)
		vcpu->be->set_sreg(vcpu, V3_SREG_RFLAGS, rflags);
	return err;
}

/* Whether the instruction writes its memory operand */
static bool v3_mmio_writes(const struct v3_insn *insn)
{
	switch (insn->op) {
	case V3_OP_MOV_STORE:
	case V3_OP_MOV_STORE_IMM:
	case V3_OP_XCHG:
		return true;
	case V3_OP_ALU:
		return !insn->mem_src && v3_alu_writes(insn->alu);
	default:
		return false;
	}
}

/* Whether it reads it (a read-modify-write may fault on its read) */
static bool v3_mmio_reads(const struct v3_insn *insn)
{
	return insn->op != V3_OP_MOV_STORE && insn->op != V3_OP_MOV_STORE_IMM;
}

int v3_handle_mmio(struct v3_vcpu *vcpu, u64 gpa, unsigned int fault,
		   const struct v3_insn *insn)
{
	struct v3_vm *vm = vcpu->vm;
	bool write = fault & V3_MMIO_WRITE;
	unsigned int size;
	u64 val = 0;
	int err;

	if (fault & V3_MMIO_FETCH) {
		v3_vm_end(vm, V3_LOG_ERR,
			  "instruction fetch from device memory at guest-physical 0x%llx",
			  gpa);
		return -EFAULT;
	}
	switch (insn->op) {
	case V3_OP_MOV_STORE:
	case V3_OP_MOV_STORE_IMM:
	case V3_OP_MOV_LOAD:
	case V3_OP_MOVZX:
	case V3_OP_MOVSX:
	case V3_OP_ALU:
	case V3_OP_XCHG:
		break;
	default:
		v3_vm_end(vm, V3_LOG_ERR,
			  "access to guest-physical 0x%llx by an instruction the VMM does not emulate",
			  gpa);
		return -EOPNOTSUPP;
	}
	/* The fault must be one the instruction makes. */
	if ((write && !v3_mmio_writes(insn)) ||
	    (!write && !v3_mmio_reads(insn)) ||
	    (insn->reg != V3_REG_NONE && insn->reg >= V3_NR_GPRS) ||
	    (insn->reg == V3_REG_NONE && insn->op != V3_OP_MOV_STORE_IMM &&
	     insn->op != V3_OP_ALU)) {
		v3_vm_end(vm, V3_LOG_ERR,
			  "the instruction at RIP does not make the %s of guest-physical 0x%llx that faulted",
			  write ? "write" : "read", gpa);
		return -EFAULT;
	}
	if (insn->op == V3_OP_ALU || insn->op == V3_OP_XCHG)
		return v3_mmio_rmw(vcpu, gpa, insn);

	size = insn->op == V3_OP_MOVZX || insn->op == V3_OP_MOVSX ?
	       insn->srcsize : insn->opsize;
	if (insn->op == V3_OP_MOV_STORE)
		val = v3_get_reg(vcpu, insn);
	else if (insn->op == V3_OP_MOV_STORE_IMM)
		val = insn->imm;
	err = v3_mmio_access(vcpu, gpa, &val, size, write);
	if (err || write)
		return err;
	if (insn->op == V3_OP_MOVSX)
		val = v3_sign_extend(val, size);
	v3_set_reg(vcpu, insn, insn->opsize, val);
	return 0;
}

int v3_handle_hypercall(struct v3_vcpu *vcpu)
{
	u64 nr = vcpu->gpr[V3_RAX];

	switch (nr) {
	case V3_HCALL_EXIT:
		v3_vm_end(vcpu->vm, V3_LOG_INFO, "exited with code %llu",
			  vcpu->gpr[V3_RBX]);
		return -ECANCELED;
	case V3_HCALL_NOP:
		vcpu->gpr[V3_RAX] = 0;
		return 0;
	default:
		vcpu->gpr[V3_RAX] = (u64)-V3_HCALL_ENOSYS;
		return 0;
	}
}

/* IA32_MISC_ENABLE as guests see it: BTS and PEBS unavailable */
#define V3_MISC_ENABLE	(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
			 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

int v3_msr_core(struct v3_vcpu *vcpu, u32 msr, bool write, u64 *val)
{
	switch (msr) {
	case MSR_IA32_TSC:
		if (write)
			vcpu->tsc_offset = *val - v3_rdtsc();
		else
			*val = v3_rdtsc() + vcpu->tsc_offset;
		return 0;
	case V3_MSR_APIC_BASE:
		if (write)
			return v3_lapic_set_base(&vcpu->lapic, *val);
		*val = v3_lapic_get_base(&vcpu->lapic);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		/*
		 * Intel's: Linux reads it without a fixup before it has an
		 * IDT (verify_cpu clears XD-disable).  No BTS, no PEBS, as
		 * KVM reports; a write may only keep that value.
		 */
		if (write)
			return *val == V3_MISC_ENABLE ? 0 : -EINVAL;
		*val = V3_MISC_ENABLE;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* Intel's microcode revision: none loaded; a write starts a read */
		if (!write)
			*val = 0;
		return 0;
	}
	return v3_pvclock_msr(vcpu, msr, write, val);
}

void v3_msr_unknown(struct v3_vcpu *vcpu, u32 msr, bool write)
{
	struct v3_vm *vm = vcpu->vm;

	if (vm->warned_msr)
		return;
	vm->warned_msr = true;
	v3_warn("vm %s: %s of unknown MSR 0x%x: #GP to the guest (logged once)\n",
		vm->name, write ? "write" : "read", msr);
}

/* The vectors that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP */
#define V3_ERR_VECTORS	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | \
			 BIT(14) | BIT(17) | BIT(21))

void v3_queue_exception(struct v3_vcpu *vcpu, unsigned int vector, u32 err)
{
	bool has_err = vector < 32 && (V3_ERR_VECTORS & BIT(vector));

	vcpu->be->queue_exception(vcpu, vector, has_err, has_err ? err : 0);
}

int v3_handle_exception(struct v3_vcpu *vcpu, unsigned int vector, u32 err)
{
	vcpu->exits[V3_EXIT_EXCEPTION]++;
	switch (vector) {
	case V3_DB_VECTOR:
	case V3_AC_VECTOR:
		v3_queue_exception(vcpu, vector, err);
		return 0;
	case V3_UD_VECTOR:
		return v3_handle_ud(vcpu);
	case V3_MC_VECTOR:
		return 0;
	}
	v3_vm_end(vcpu->vm, V3_LOG_ERR, "unexpected exception %u intercepted",
		  vector);
	return -ECANCELED;
}

int v3_handle_wbinvd(struct v3_vcpu *vcpu)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	return 0;
}

int v3_handle_rdpmc(struct v3_vcpu *vcpu)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
	return V3_FAULTED;
}
