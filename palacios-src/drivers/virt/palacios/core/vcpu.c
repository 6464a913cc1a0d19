// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: one x86 vCPU for every backend.
 *
 * The body of the run loop (the FPU switch, event injection, the world
 * switch's surroundings and its accounting), the boot and INIT states,
 * instruction fetch, decode and skip, and the handlers of the exits a
 * backend decodes.  A backend's exit handlers only read its hardware's
 * fields and call v3_handle_*() or v3_emulate_*() here; everything the
 * guest can see is decided here, through the accessors of struct
 * v3_backend.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/decode.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#define V3_CR0_PE	BIT_ULL(0)
#define V3_CR0_ET	BIT_ULL(4)
#define V3_CR0_NE	BIT_ULL(5)
#define V3_CR0_WP	BIT_ULL(16)
#define V3_CR0_NW	BIT_ULL(29)
#define V3_CR0_CD	BIT_ULL(30)
#define V3_CR0_PG	BIT_ULL(31)
/* CR0 bits whose change flushes the TLB */
#define V3_CR0_PAGING	(V3_CR0_PE | V3_CR0_WP | V3_CR0_PG)
#define V3_CR4_DE	BIT_ULL(3)
/* DR6 and DR7: the bits that read as 1, and those that must be 0 */
#define V3_DR6_FIXED	0xffff0ff0ULL
#define V3_DR6_ZERO	BIT_ULL(12)
#define V3_DR7_FIXED	BIT_ULL(10)
#define V3_DR7_ZERO	(BIT_ULL(11) | BIT_ULL(12) | BIT_ULL(14) | BIT_ULL(15))
/* CR4 bits whose change flushes the TLB, or changes what it may hold */
#define V3_CR4_PAGING	(V3_CR4_PSE | V3_CR4_PAE | V3_CR4_PGE | \
			 V3_CR4_PCIDE | V3_CR4_SMEP | V3_CR4_SMAP)
#define V3_RFLAGS_FIXED	BIT_ULL(1)

/* The power-on value of PAT */
#define V3_PAT_DEFAULT	0x0007040600070406ULL

/* AMD: interrupt pending and C1E; kernels read it on CPUs with erratum 400 */
#define V3_MSR_INT_PENDING	0xc0010055

/* Segment attributes: type | S | P, plus D/B, G, L where set */
#define V3_ATTR_CODE16	(0x0b | V3_SEG_S | V3_SEG_P)
#define V3_ATTR_DATA16	(0x03 | V3_SEG_S | V3_SEG_P)
#define V3_ATTR_CODE32	(V3_ATTR_CODE16 | V3_SEG_DB | V3_SEG_G)
#define V3_ATTR_DATA32	(V3_ATTR_DATA16 | V3_SEG_DB | V3_SEG_G)
#define V3_ATTR_CODE64	(V3_ATTR_CODE16 | V3_SEG_L | V3_SEG_G)
#define V3_ATTR_TSS	(0x0b | V3_SEG_P)	/* busy 32-bit TSS */
#define V3_ATTR_LDT	(0x02 | V3_SEG_P)

static u64 v3_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg)
{
	return vcpu->be->get_sreg(vcpu, reg);
}

static void v3_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val)
{
	vcpu->be->set_sreg(vcpu, reg, val);
}

static void v3_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg, u16 sel,
		       u16 attrib, u32 limit, u64 base)
{
	struct v3_segment s = {
		.selector = sel, .attrib = attrib, .limit = limit, .base = base,
	};

	vcpu->be->set_seg(vcpu, seg, &s);
}

/* Boot and INIT */

void v3_vcpu_reset(struct v3_vcpu *vcpu)
{
	static const enum v3_seg data[] = {
		V3_SEG_DS, V3_SEG_ES, V3_SEG_SS, V3_SEG_FS, V3_SEG_GS,
	};
	unsigned int i;

	/* the backend's reset takes back any interrupt window */
	vcpu->be->vcpu_reset(vcpu);
	vcpu->irq_window = false;
	v3_set_sreg(vcpu, V3_SREG_RIP, 0);
	v3_set_sreg(vcpu, V3_SREG_RFLAGS, V3_RFLAGS_FIXED);
	v3_set_sreg(vcpu, V3_SREG_CR0, V3_CR0_ET);
	v3_set_sreg(vcpu, V3_SREG_CR3, 0);
	v3_set_sreg(vcpu, V3_SREG_CR4, 0);
	v3_set_sreg(vcpu, V3_SREG_EFER, 0);
	v3_set_sreg(vcpu, V3_SREG_PAT, V3_PAT_DEFAULT);
	v3_set_sreg(vcpu, V3_SREG_DR6, V3_DR6_FIXED);
	v3_set_sreg(vcpu, V3_SREG_DR7, V3_DR7_FIXED);
	v3_set_seg(vcpu, V3_SEG_CS, 0, V3_ATTR_CODE16, 0xffff, 0);
	for (i = 0; i < ARRAY_SIZE(data); i++)
		v3_set_seg(vcpu, data[i], 0, V3_ATTR_DATA16, 0xffff, 0);
	v3_set_seg(vcpu, V3_SEG_GDTR, 0, 0, 0xffff, 0);
	v3_set_seg(vcpu, V3_SEG_IDTR, 0, 0, 0xffff, 0);
	v3_set_seg(vcpu, V3_SEG_TR, 0, V3_ATTR_TSS, 0xffff, 0);
	v3_set_seg(vcpu, V3_SEG_LDTR, 0, V3_ATTR_LDT, 0xffff, 0);
}

void v3_vcpu_boot(struct v3_vcpu *vcpu, const struct v3_boot_state *bs)
{
	static const enum v3_seg data[] = {
		V3_SEG_DS, V3_SEG_ES, V3_SEG_SS, V3_SEG_FS, V3_SEG_GS,
	};
	unsigned int i;

	memset(vcpu->gpr, 0, sizeof(vcpu->gpr));
	vcpu->gpr[V3_RDI] = bs->rdi;
	vcpu->gpr[V3_RSI] = bs->rsi;
	vcpu->gpr[V3_RSP] = bs->rsp;
	v3_set_sreg(vcpu, V3_SREG_RIP, bs->rip);

	switch (bs->mode) {
	case V3_IMAGE_REAL16:
		/* The INIT state, with CS:IP to start at */
		vcpu->gpr[V3_RDI] &= 0xffffffff;
		v3_set_seg(vcpu, V3_SEG_CS, bs->cs, V3_ATTR_CODE16, 0xffff,
			   (u64)bs->cs << 4);
		return;
	case V3_IMAGE_PROT32:
		vcpu->gpr[V3_RDI] &= 0xffffffff;
		v3_set_sreg(vcpu, V3_SREG_CR0, V3_CR0_PE | V3_CR0_ET | V3_CR0_NE);
		v3_set_seg(vcpu, V3_SEG_CS, bs->cs, V3_ATTR_CODE32, 0xffffffff,
			   0);
		break;
	default:
		v3_set_sreg(vcpu, V3_SREG_CR0,
			    V3_CR0_PE | V3_CR0_ET | V3_CR0_NE | V3_CR0_PG);
		v3_set_sreg(vcpu, V3_SREG_CR3, bs->cr3);
		v3_set_sreg(vcpu, V3_SREG_CR4, V3_CR4_PAE);
		v3_set_sreg(vcpu, V3_SREG_EFER, EFER_LME | EFER_LMA);
		v3_set_seg(vcpu, V3_SEG_CS, bs->cs, V3_ATTR_CODE64, 0xffffffff,
			   0);
		break;
	}
	for (i = 0; i < ARRAY_SIZE(data); i++)
		v3_set_seg(vcpu, data[i], bs->ds, V3_ATTR_DATA32, 0xffffffff,
			   0);
	v3_set_seg(vcpu, V3_SEG_GDTR, 0, 0, 4 * 8 - 1, V3_IMAGE_GDT_GPA);
	v3_set_seg(vcpu, V3_SEG_TR, 0, V3_ATTR_TSS, 0x67, 0);
}

/* Instructions */

/*
 * The state an instruction fetch needs, read once: where the instruction
 * is, how the guest pages, and the code size it runs at.
 */
struct v3_insn_ctx {
	u64 rip;
	struct v3_paging pg;
	struct v3_segment cs;
	enum v3_cpu_mode mode;
};

static enum v3_cpu_mode v3_mode_of(u64 cr0, u64 efer,
				   const struct v3_segment *cs)
{
	if ((efer & EFER_LMA) && (cs->attrib & V3_SEG_L))
		return V3_MODE_64;
	if ((cr0 & V3_CR0_PE) && (cs->attrib & V3_SEG_DB))
		return V3_MODE_32;
	return V3_MODE_16;
}

static enum v3_cpu_mode v3_vcpu_mode(struct v3_vcpu *vcpu)
{
	struct v3_segment cs;

	vcpu->be->get_seg(vcpu, V3_SEG_CS, &cs);
	return v3_mode_of(v3_sreg(vcpu, V3_SREG_CR0),
			  v3_sreg(vcpu, V3_SREG_EFER), &cs);
}

static void v3_insn_ctx(struct v3_vcpu *vcpu, struct v3_insn_ctx *c)
{
	c->rip = v3_sreg(vcpu, V3_SREG_RIP);
	c->pg.cr0 = v3_sreg(vcpu, V3_SREG_CR0);
	c->pg.cr3 = v3_sreg(vcpu, V3_SREG_CR3);
	c->pg.cr4 = v3_sreg(vcpu, V3_SREG_CR4);
	c->pg.efer = v3_sreg(vcpu, V3_SREG_EFER);
	vcpu->be->get_seg(vcpu, V3_SEG_CS, &c->cs);
	c->mode = v3_mode_of(c->pg.cr0, c->pg.efer, &c->cs);
}

/* Read up to @max bytes at the guest's CS:RIP. */
static unsigned int v3_fetch(struct v3_vcpu *vcpu, const struct v3_insn_ctx *c,
			     u8 *buf, unsigned int max)
{
	u64 lin = c->cs.base + c->rip;
	unsigned int n = 0;

	if (c->mode != V3_MODE_64)
		lin &= 0xffffffff;
	while (n < max) {
		u64 gpa, chunk = V3_PAGE_SIZE - ((lin + n) & (V3_PAGE_SIZE - 1));

		if (chunk > max - n)
			chunk = max - n;
		if (v3_gva_to_gpa(&vcpu->vm->mem, &c->pg, lin + n, &gpa) ||
		    v3_mem_read(&vcpu->vm->mem, gpa, buf + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

/*
 * Decode the instruction at RIP, which must be @op (or any, for NONE);
 * @what says why, for the stop reason if it cannot be.  @next is where RIP
 * goes after it.
 */
static int v3_decode_rip(struct v3_vcpu *vcpu, enum v3_insn_op op,
			 struct v3_insn *insn, const char *what, u64 *next)
{
	struct v3_insn_ctx c;
	u8 buf[V3_INSN_MAX_LEN];
	unsigned int n;

	v3_insn_ctx(vcpu, &c);
	n = v3_fetch(vcpu, &c, buf, V3_INSN_MAX_LEN);
	if (v3_decode(buf, n, c.mode, insn) ||
	    (op != V3_OP_NONE && insn->op != op)) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "cannot decode the instruction at RIP 0x%llx (%s)",
			  c.rip, what);
		return -EIO;
	}
	*next = c.rip + insn->len;
	if (c.mode != V3_MODE_64)
		*next &= 0xffffffff;
	return 0;
}

/* RIP moves to @rip; the instruction's interrupt shadow ends. */
static void v3_set_rip(struct v3_vcpu *vcpu, u64 rip)
{
	v3_set_sreg(vcpu, V3_SREG_RIP, rip);
	vcpu->be->set_interrupt_shadow(vcpu, false);
}

/*
 * The instructions whose exits v3_skip_insn() completes, as guests write
 * them: without a prefix (the length, then the bytes).  Where the CPU does
 * not report the next RIP, the bytes at RIP are compared with these first,
 * and only an instruction written otherwise goes to the decoder.
 */
static const u8 v3_bare_insns[][4] = {
	[V3_OP_CPUID]	= { 2, 0x0f, 0xa2 },
	[V3_OP_RDMSR]	= { 2, 0x0f, 0x32 },
	[V3_OP_WRMSR]	= { 2, 0x0f, 0x30 },
	[V3_OP_HLT]	= { 1, 0xf4 },
	[V3_OP_VMMCALL]	= { 3, 0x0f, 0x01, 0xd9 },
	[V3_OP_INVD]	= { 2, 0x0f, 0x08 },
	[V3_OP_WBINVD]	= { 2, 0x0f, 0x09 },
	[V3_OP_RDPMC]	= { 2, 0x0f, 0x33 },
};

/* Whether @op is at RIP without a prefix; @next is where RIP goes then */
static bool v3_bare_at_rip(struct v3_vcpu *vcpu, enum v3_insn_op op,
			   u64 *next)
{
	const u8 *bare;
	struct v3_insn_ctx c;
	u8 buf[4];

	if (op >= ARRAY_SIZE(v3_bare_insns) || !v3_bare_insns[op][0])
		return false;
	bare = v3_bare_insns[op];
	v3_insn_ctx(vcpu, &c);
	if (v3_fetch(vcpu, &c, buf, bare[0]) != bare[0] ||
	    memcmp(buf, bare + 1, bare[0]))
		return false;
	*next = c.rip + bare[0];
	if (c.mode != V3_MODE_64)
		*next &= 0xffffffff;
	return true;
}

int v3_skip_insn(struct v3_vcpu *vcpu, enum v3_insn_op op)
{
	struct v3_insn insn;
	u64 rip;
	int err;

	if (!vcpu->be->get_next_rip(vcpu, &rip) &&
	    !v3_bare_at_rip(vcpu, op, &rip)) {
		err = v3_decode_rip(vcpu, op, &insn, "to complete it", &rip);
		if (err)
			return err;
	}
	v3_set_rip(vcpu, rip);
	return 0;
}

/* Complete instruction @op as a handler said (see V3_FAULTED). */
static int v3_complete(struct v3_vcpu *vcpu, int ret, enum v3_insn_op op)
{
	if (ret == V3_FAULTED)
		return 0;
	if (ret)
		return ret;
	return v3_skip_insn(vcpu, op);
}

/* Exits */

int v3_emulate_cpuid(struct v3_vcpu *vcpu)
{
	vcpu->exits[V3_EXIT_CPUID]++;
	v3_handle_cpuid(vcpu);
	return v3_skip_insn(vcpu, V3_OP_CPUID);
}

int v3_emulate_hlt(struct v3_vcpu *vcpu)
{
	int err;

	vcpu->exits[V3_EXIT_HLT]++;
	err = v3_skip_insn(vcpu, V3_OP_HLT);
	if (err)
		return err;
	return v3_handle_hlt(vcpu, v3_sreg(vcpu, V3_SREG_RFLAGS) & V3_RFLAGS_IF);
}

int v3_emulate_hypercall(struct v3_vcpu *vcpu)
{
	int err;

	vcpu->exits[V3_EXIT_VMMCALL]++;
	err = v3_skip_insn(vcpu, V3_OP_VMMCALL);
	if (err)
		return err;
	return v3_handle_hypercall(vcpu);
}

/*
 * An intercepted #UD (VMX): the other vendor's hypercall instruction is
 * this one's, as KVM makes it; any other instruction gets its #UD.
 */
int v3_handle_ud(struct v3_vcpu *vcpu)
{
	struct v3_insn_ctx c;
	u8 buf[V3_INSN_MAX_LEN];
	struct v3_insn insn;
	unsigned int n;

	v3_insn_ctx(vcpu, &c);
	n = v3_fetch(vcpu, &c, buf, V3_INSN_MAX_LEN);
	if (!v3_decode(buf, n, c.mode, &insn) && insn.op == V3_OP_VMMCALL)
		return v3_emulate_hypercall(vcpu);
	v3_queue_exception(vcpu, V3_UD_VECTOR, 0);
	return 0;
}

int v3_emulate_invd(struct v3_vcpu *vcpu)
{
	/* Caches are the host's: the guest's INVD does nothing. */
	vcpu->exits[V3_EXIT_OTHER]++;
	return v3_skip_insn(vcpu, V3_OP_INVD);
}

int v3_emulate_wbinvd(struct v3_vcpu *vcpu)
{
	return v3_complete(vcpu, v3_handle_wbinvd(vcpu), V3_OP_WBINVD);
}

int v3_emulate_rdpmc(struct v3_vcpu *vcpu)
{
	return v3_complete(vcpu, v3_handle_rdpmc(vcpu), V3_OP_RDPMC);
}

int v3_emulate_ud(struct v3_vcpu *vcpu)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	v3_queue_exception(vcpu, V3_UD_VECTOR, 0);
	return 0;
}

static bool v3_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/* The MSRs whose value lives in the backend's guest state */
static int v3_msr_state(struct v3_vcpu *vcpu, u32 msr, bool write, u64 *val)
{
	const u64 efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;

	switch (msr) {
	case MSR_EFER:
		if (!write) {
			*val = v3_sreg(vcpu, V3_SREG_EFER);
			return 0;
		}
		if (*val & ~efer_ok)
			return -EINVAL;
		/* LMA is the CPU's to set */
		v3_set_sreg(vcpu, V3_SREG_EFER,
			    (*val & ~(u64)EFER_LMA) |
			    (v3_sreg(vcpu, V3_SREG_EFER) & EFER_LMA));
		return 0;
	case MSR_IA32_CR_PAT:
		if (!write) {
			*val = v3_sreg(vcpu, V3_SREG_PAT);
			return 0;
		}
		if (!v3_pat_valid(*val))
			return -EINVAL;
		v3_set_sreg(vcpu, V3_SREG_PAT, *val);
		return 0;
	case V3_MSR_INT_PENDING:
		/* No C1E; a write is an unknown MSR's */
		if (write)
			break;
		*val = 0;
		return 0;
	}
	return v3_msr_core(vcpu, msr, write, val);
}

static int v3_emulate_msr(struct v3_vcpu *vcpu, bool write)
{
	u32 msr = (u32)vcpu->gpr[V3_RCX];
	u64 val = 0;
	int err;

	vcpu->exits[V3_EXIT_MSR]++;
	if (write)
		val = (vcpu->gpr[V3_RDX] << 32) | (u32)vcpu->gpr[V3_RAX];
	err = v3_msr_state(vcpu, msr, write, &val);
	if (err) {
		if (err == -ENOENT)
			v3_msr_unknown(vcpu, msr, write);
		v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
		return 0;
	}
	if (!write) {
		vcpu->gpr[V3_RAX] = (u32)val;
		vcpu->gpr[V3_RDX] = val >> 32;
	}
	return v3_skip_insn(vcpu, write ? V3_OP_WRMSR : V3_OP_RDMSR);
}

int v3_emulate_rdmsr(struct v3_vcpu *vcpu)
{
	return v3_emulate_msr(vcpu, false);
}

int v3_emulate_wrmsr(struct v3_vcpu *vcpu)
{
	return v3_emulate_msr(vcpu, true);
}

int v3_handle_io_exit(struct v3_vcpu *vcpu, u16 port, unsigned int len,
		      bool in, bool string)
{
	u64 *rax = &vcpu->gpr[V3_RAX];
	u32 val = 0;
	int err;

	vcpu->exits[V3_EXIT_IO]++;
	if (string) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "string I/O on port 0x%x is not emulated", port);
		return -EOPNOTSUPP;
	}
	if (len != 1 && len != 2 && len != 4) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "I/O of %u bytes on port 0x%x", len, port);
		return -EIO;
	}
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
	return v3_skip_insn(vcpu, in ? V3_OP_IN : V3_OP_OUT);
}

int v3_handle_npf(struct v3_vcpu *vcpu, u64 gpa, unsigned int fault)
{
	struct v3_insn insn;
	u64 next;
	int err;

	vcpu->exits[V3_EXIT_NPF]++;
	if (!v3_mmio_backed(vcpu->vm, gpa)) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "access to unbacked guest-physical address 0x%llx at RIP 0x%llx",
			  gpa, v3_sreg(vcpu, V3_SREG_RIP));
		return -EFAULT;
	}
	vcpu->exits[V3_EXIT_MMIO]++;
	if (fault & V3_MMIO_FETCH)
		return v3_handle_mmio(vcpu, gpa, fault, NULL);
	err = v3_decode_rip(vcpu, V3_OP_NONE, &insn, "an MMIO access", &next);
	if (err)
		return err;
	err = v3_handle_mmio(vcpu, gpa, fault, &insn);
	/* the device asked for the instruction again, after the run loop */
	if (err == -EAGAIN)
		return 0;
	if (err)
		return err;
	v3_set_rip(vcpu, next);
	return 0;
}

/*
 * The general-purpose register of a MOV to or from control or debug
 * register @ctl: @gpr when the hardware decoded it, else from the
 * instruction, which must be @op on @ctl.  Return: the register, or a
 * negative errno after the VM was stopped.
 */
static int v3_mov_gpr(struct v3_vcpu *vcpu, enum v3_insn_op op,
		      unsigned int ctl, int gpr)
{
	struct v3_insn insn;
	u64 next;
	int err;

	if (gpr >= V3_NR_GPRS) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "exit for %cR%u names register %d",
			  op == V3_OP_MOV_TO_CR ? 'C' : 'D', ctl, gpr);
		return -EIO;
	}
	if (gpr >= 0)
		return gpr;
	err = v3_decode_rip(vcpu, op, &insn, "a control or debug register access",
			    &next);
	if (err)
		return err;
	if (insn.ctl != ctl || insn.reg >= V3_NR_GPRS) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "exit for %cR%u at RIP 0x%llx, whose instruction accesses %cR%u",
			  op == V3_OP_MOV_TO_CR ? 'C' : 'D', ctl,
			  v3_sreg(vcpu, V3_SREG_RIP),
			  op == V3_OP_MOV_TO_CR ? 'C' : 'D', insn.ctl);
		return -EIO;
	}
	return insn.reg;
}

/* CR4 bits of the features the CPUID policy offers, and the base ones */
#define V3_CR4_BASE	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(7) | BIT(8) | BIT(9) | BIT(10))
			/* VME PVI TSD DE PSE PAE PGE PCE OSFXSR OSXMMEXCPT */

static u64 v3_cr4_allowed(void)
{
	u32 l1[4], l7[4];
	u64 ok = V3_CR4_BASE;

	v3_cpuid_policy(1, 0, l1);
	v3_cpuid_policy(7, 0, l7);
	if (l1[3] & BIT(7))
		ok |= V3_CR4_MCE;
	if (l1[2] & BIT(17))
		ok |= V3_CR4_PCIDE;
	if (l1[2] & BIT(26))
		ok |= V3_CR4_OSXSAVE;
	if (l7[1] & BIT(0))
		ok |= V3_CR4_FSGSBASE;
	if (l7[1] & BIT(7))
		ok |= V3_CR4_SMEP;
	if (l7[1] & BIT(20))
		ok |= V3_CR4_SMAP;
	if (l7[2] & BIT(2))
		ok |= V3_CR4_UMIP;
	return ok;
}

/*
 * A write of CR0 that the backend intercepts (VMX: the bits it keeps set
 * or clear under the guest's, and paging on or off): the architecture's
 * checks, and long mode entered or left with paging, as the CPU would.
 */
static int v3_cr0_write(struct v3_vcpu *vcpu, u64 val)
{
	u64 old = v3_sreg(vcpu, V3_SREG_CR0);
	u64 efer = v3_sreg(vcpu, V3_SREG_EFER), new_efer = efer;

	if ((val >> 32) || ((val & V3_CR0_PG) && !(val & V3_CR0_PE)) ||
	    ((val & V3_CR0_NW) && !(val & V3_CR0_CD)))
		goto gp;
	if (!(old & V3_CR0_PG) && (val & V3_CR0_PG) && (efer & EFER_LME)) {
		if (!(v3_sreg(vcpu, V3_SREG_CR4) & V3_CR4_PAE))
			goto gp;
		new_efer |= EFER_LMA;
	} else if ((old & V3_CR0_PG) && !(val & V3_CR0_PG)) {
		if (v3_vcpu_mode(vcpu) == V3_MODE_64)
			goto gp;
		new_efer &= ~(u64)EFER_LMA;
	}
	v3_set_sreg(vcpu, V3_SREG_CR0, val | V3_CR0_ET);
	if (new_efer != efer)
		v3_set_sreg(vcpu, V3_SREG_EFER, new_efer);
	if ((old ^ val) & V3_CR0_PAGING)
		vcpu->be->flush_tlb(vcpu);
	return v3_skip_insn(vcpu, V3_OP_MOV_TO_CR);
gp:
	v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
	return 0;
}

/*
 * The CPU checks CR4 against its own features, not against the guest's
 * CPUID: the core refuses (#GP, as a CPU without them would) every bit of
 * a feature the CPUID policy does not offer, such as OSXSAVE, which would
 * let a guest run XSAVES with the host's IA32_XSS, and the bits the
 * architecture forbids to change here (PAE in long mode).
 */
int v3_handle_cr_write(struct v3_vcpu *vcpu, unsigned int cr, int gpr)
{
	u64 old, val;
	int reg;

	vcpu->exits[V3_EXIT_OTHER]++;
	if (cr != 0 && cr != 4) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "unexpected write of CR%u intercepted", cr);
		return -ECANCELED;
	}
	reg = v3_mov_gpr(vcpu, V3_OP_MOV_TO_CR, cr, gpr);
	if (reg < 0)
		return reg;
	val = vcpu->gpr[reg];
	if (v3_vcpu_mode(vcpu) != V3_MODE_64)
		val &= 0xffffffff;
	if (cr == 0)
		return v3_cr0_write(vcpu, val);
	old = v3_sreg(vcpu, V3_SREG_CR4);
	if ((val & ~v3_cr4_allowed()) ||
	    ((v3_sreg(vcpu, V3_SREG_EFER) & EFER_LMA) &&
	     !(val & V3_CR4_PAE))) {
		v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
		return 0;
	}
	v3_set_sreg(vcpu, V3_SREG_CR4, val);
	/* no translation of the old paging mode may be used again */
	if ((old ^ val) & V3_CR4_PAGING)
		vcpu->be->flush_tlb(vcpu);
	return v3_skip_insn(vcpu, V3_OP_MOV_TO_CR);
}

/*
 * DR6 and DR7 (and DR4 and DR5, their aliases without CR4.DE), for
 * backends that intercept every debug-register access (VMX): the values
 * are the backend's, their fixed bits the architecture's.
 */
static int v3_dr67(struct v3_vcpu *vcpu, unsigned int dr, bool write,
		   int reg, u64 mask)
{
	enum v3_insn_op op = write ? V3_OP_MOV_TO_DR : V3_OP_MOV_FROM_DR;
	enum v3_sreg sreg;
	u64 val;

	if (dr < 6) {
		if (v3_sreg(vcpu, V3_SREG_CR4) & V3_CR4_DE) {
			v3_queue_exception(vcpu, V3_UD_VECTOR, 0);
			return 0;
		}
		dr += 2;
	}
	sreg = dr == 6 ? V3_SREG_DR6 : V3_SREG_DR7;
	if (!write) {
		vcpu->gpr[reg] = v3_sreg(vcpu, sreg) & mask;
		return v3_skip_insn(vcpu, op);
	}
	val = vcpu->gpr[reg] & mask;
	if (val >> 32) {
		v3_queue_exception(vcpu, V3_GP_VECTOR, 0);
		return 0;
	}
	if (dr == 6)
		val = (val | V3_DR6_FIXED) & ~V3_DR6_ZERO;
	else
		val = (val | V3_DR7_FIXED) & ~V3_DR7_ZERO;
	v3_set_sreg(vcpu, sreg, val);
	return v3_skip_insn(vcpu, op);
}

/*
 * The guest's DR0-DR3 live in @vcpu->db: it never reads the host's (which
 * may hold the host's breakpoint addresses), and its writes reach the
 * hardware only while it runs (v3_load_db()).
 */
int v3_handle_dr(struct v3_vcpu *vcpu, unsigned int dr, bool write, int gpr)
{
	enum v3_insn_op op = write ? V3_OP_MOV_TO_DR : V3_OP_MOV_FROM_DR;
	u64 mask;
	int reg;

	vcpu->exits[V3_EXIT_OTHER]++;
	if (dr > 7) {
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "unexpected access to DR%u intercepted", dr);
		return -ECANCELED;
	}
	reg = v3_mov_gpr(vcpu, op, dr, gpr);
	if (reg < 0)
		return reg;
	mask = v3_vcpu_mode(vcpu) == V3_MODE_64 ? ~0ULL : 0xffffffffULL;
	if (dr >= 4)
		return v3_dr67(vcpu, dr, write, reg, mask);
	if (write) {
		vcpu->db[dr] = vcpu->gpr[reg] & mask;
		vcpu->db_active = vcpu->db[0] | vcpu->db[1] | vcpu->db[2] |
				  vcpu->db[3];
	} else {
		vcpu->gpr[reg] = vcpu->db[dr] & mask;
	}
	return v3_skip_insn(vcpu, op);
}

int v3_handle_intr(struct v3_vcpu *vcpu, bool nmi)
{
	/* Taken by the host when the run loop enables interrupts. */
	vcpu->exits[nmi ? V3_EXIT_NMI : V3_EXIT_INTR]++;
	return 0;
}

int v3_handle_irq_window(struct v3_vcpu *vcpu)
{
	/* The guest can take an interrupt now: the next entry injects it. */
	vcpu->exits[V3_EXIT_INTR]++;
	return 0;
}

/*
 * The guest is about to execute an IRET: once RIP has moved on (seen
 * before the next entry), the IRET has completed and NMIs are unmasked.
 */
int v3_handle_iret(struct v3_vcpu *vcpu)
{
	vcpu->exits[V3_EXIT_OTHER]++;
	if (vcpu->nmi_masked) {
		vcpu->nmi_iret = true;
		vcpu->nmi_iret_rip = v3_sreg(vcpu, V3_SREG_RIP);
	}
	return 0;
}

int v3_handle_triple_fault(struct v3_vcpu *vcpu)
{
	v3_vm_end(vcpu->vm, V3_LOG_ERR, "triple fault (shutdown) at RIP 0x%llx",
		  v3_sreg(vcpu, V3_SREG_RIP));
	return -ECANCELED;
}

/* The run loop */

/* Whether the guest takes an NMI now; it is masked for NMIs from then on. */
static bool v3_take_nmi(struct v3_vcpu *vcpu)
{
	if (vcpu->nmi_iret &&
	    v3_sreg(vcpu, V3_SREG_RIP) != vcpu->nmi_iret_rip) {
		vcpu->nmi_iret = false;
		vcpu->nmi_masked = false;
	}
	/* The lock-free look first: this runs before every entry. */
	if (vcpu->nmi_masked || !READ_ONCE(vcpu->lapic.nmi_pending) ||
	    !vcpu->be->nmi_allowed(vcpu) || !v3_lapic_take_nmi(&vcpu->lapic))
		return false;
	vcpu->nmi_masked = true;
	return true;
}

/* The interrupt window as asked for, with no call when it is as it was */
static void v3_irq_window(struct v3_vcpu *vcpu, bool on)
{
	if (vcpu->irq_window == on)
		return;
	vcpu->irq_window = on;
	vcpu->be->enable_irq_window(vcpu, on);
}

/*
 * An NMI, when the local APIC has one and no event is being delivered
 * again.  External interrupts: with the guest able to take one, inject it;
 * else ask for an exit as soon as it can.
 */
static void v3_inject_events(struct v3_vcpu *vcpu)
{
	const struct v3_backend *b = vcpu->be;

	if (v3_take_nmi(vcpu))
		b->inject_nmi(vcpu);
	if (!v3_intr_pending(vcpu)) {
		v3_irq_window(vcpu, false);
		return;
	}
	if (b->interrupt_allowed(vcpu)) {
		v3_irq_window(vcpu, false);
		b->inject_irq(vcpu, v3_intr_ack(vcpu));
		vcpu->injected++;
		return;
	}
	v3_irq_window(vcpu, true);
}

/*
 * What this CPU must do before it runs @vcpu, with interrupts disabled;
 * false if another CPU still holds the vCPU's state (see struct
 * v3_backend.vcpu_load).
 */
static bool v3_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	if (!vcpu->be->vcpu_load(cpu, vcpu))
		return false;
	v3_host_leave_user_mm();
	if (cpu->last_vm != vcpu->vm) {
		v3_host_branch_barrier();
		cpu->last_vm = vcpu->vm;
	}
	return true;
}

/*
 * The guest's DR0-DR3 into the hardware when it has set one or its DR7
 * (which the entry loads) enables a breakpoint; else the hardware's stay,
 * unused and unreadable by the guest (its accesses to them exit).
 */
static void v3_load_db(struct v3_vcpu *vcpu)
{
	unsigned int i;

	if (!vcpu->db_active && !(v3_sreg(vcpu, V3_SREG_DR7) & 0xff))
		return;
	for (i = 0; i < 4; i++)
		v3_set_db(i, vcpu->db[i]);
}

int v3_vcpu_run(struct v3_vcpu *vcpu)
{
	const struct v3_backend *b = vcpu->be;
	u64 t_entry = 0, t_exit = 0, halted;
	bool entered = false, held = false, ready;
	struct v3_cpu *cpu;
	int err;

	v3_host_fpu_get();
	v3_fpu_restore(vcpu->fpu);
	v3_irq_disable();
	cpu = v3_get_cpu(v3_host_cpu_id());
	ready = cpu && cpu->enabled;
	if (ready && !v3_vcpu_load(cpu, vcpu)) {
		held = true;
	} else if (ready && v3_vcpu_enter(vcpu)) {
		v3_inject_events(vcpu);
		v3_load_db(vcpu);
		t_entry = v3_rdtsc();
		b->enter(cpu, vcpu);
		t_exit = v3_rdtsc();
		v3_host_debugregs_restore();
		v3_vcpu_exited(vcpu);
		entered = true;
	}
	v3_irq_enable();
	v3_fpu_save(vcpu->fpu);
	v3_host_fpu_put();

	if (!entered) {
		/*
		 * Another CPU held the vCPU: it lets go, and the loop goes on;
		 * one that does not let go ends the VM rather than the loop
		 * spinning.
		 */
		if (held) {
			if (b->vcpu_put(vcpu))
				return 0;
			v3_vm_end(vcpu->vm, V3_LOG_ERR,
				  "vCPU %u: another host CPU holds its state and does not let go",
				  vcpu->id);
			return -EIO;
		}
		/* A kick, a pause or a stop: the run loop looks at it. */
		if (ready)
			return 0;
		if (v3_vm_state(vcpu->vm) != V3_VM_RUNNING)
			return 0;
		v3_vm_end(vcpu->vm, V3_LOG_ERR,
			  "host CPU %d of vCPU %u has %s disabled",
			  v3_host_cpu_id(), vcpu->id, b->name);
		return -EIO;
	}
	b->complete_events(vcpu);
	WRITE_ONCE(vcpu->guest_tsc, vcpu->guest_tsc + t_exit - t_entry);
	halted = vcpu->halted_tsc;
	err = b->handle_exit(vcpu);
	/* Time asleep in HLT is counted in halted_tsc only. */
	WRITE_ONCE(vcpu->vmm_tsc, vcpu->vmm_tsc + v3_rdtsc() - t_exit -
		   (vcpu->halted_tsc - halted));
	return err;
}
