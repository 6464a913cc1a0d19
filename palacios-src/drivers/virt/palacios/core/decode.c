// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the decoder of the few x86 instructions that cause the
 * exits the core handles.
 *
 * It is on the exit path: it allocates nothing, logs nothing and reads
 * each byte once.  Two sparse tables, one per opcode map, say what each
 * known opcode is and what follows it (ModRM, moffs, immediate).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include <palacios/alu.h>
#include <palacios/decode.h>

/* What follows an opcode, and how its operand size is found */
#define D_MODRM		BIT(0)	/* ModRM with a memory operand */
#define D_BYTE		BIT(1)	/* 8-bit operand */
#define D_IO		BIT(2)	/* 16- or 32-bit operand; REX.W ignored */
#define D_IMM8		BIT(3)	/* 8-bit immediate */
#define D_IMMZ		BIT(4)	/* immediate of operand size, at most 32 bits */
#define D_MOFFS		BIT(5)	/* memory offset of address size */
#define D_ACC		BIT(6)	/* the register operand is AL/AX/EAX/RAX */
#define D_REG		BIT(7)	/* ModRM.reg is the register operand */
#define D_REG0		BIT(8)	/* ModRM.reg must be 0 (c6 /0, c7 /0) */
#define D_SRC16		BIT(9)	/* MOVZX/MOVSX from r/m16, not r/m8 */
#define D_0F01		BIT(10)	/* 0f 01: only d9 (VMMCALL), c1 (VMCALL) */
#define D_CTL		BIT(11)	/* ModRM: reg a control or debug register, rm a GPR */
#define D_MEMSRC	BIT(12)	/* memory is the source, ModRM.reg the destination */
#define D_GRP1		BIT(13)	/* ModRM.reg is the ALU operation (80, 81, 83) */
#define D_GRP3		BIT(14)	/* f6, f7: /0 TEST imm, /2 NOT, /3 NEG */
#define D_GRP5		BIT(15)	/* fe, ff: /0 INC, /1 DEC */
#define D_GRP8		BIT(16)	/* 0f ba: /4-/7 BT, BTS, BTR, BTC imm8 */
#define D_SIMM8		BIT(17)	/* the 8-bit immediate is sign-extended (83) */
#define D_LOCKOK	BIT(18)	/* LOCK allowed if memory is written */

struct v3_opcode {
	u8 op;
	u8 sub;		/* the enum v3_alu_op of V3_OP_ALU */
	u32 flags;
};

#define OPC(o, f)	{ .op = V3_OP_##o, .flags = (f) }
#define ALU(a, f)	{ .op = V3_OP_ALU, .sub = V3_ALU_##a, .flags = (f) }

/* The four forms of ADD ... CMP: r/m8,r8; r/m,r; r8,r/m8; r,r/m */
#define ALU_EB(a)	ALU(a, D_MODRM | D_REG | D_BYTE | D_LOCKOK)
#define ALU_EV(a)	ALU(a, D_MODRM | D_REG | D_LOCKOK)
#define ALU_GB(a)	ALU(a, D_MODRM | D_REG | D_BYTE | D_MEMSRC)
#define ALU_GV(a)	ALU(a, D_MODRM | D_REG | D_MEMSRC)

static const struct v3_opcode v3_one_byte[256] = {
	[0x00] = ALU_EB(ADD), [0x01] = ALU_EV(ADD),
	[0x02] = ALU_GB(ADD), [0x03] = ALU_GV(ADD),
	[0x08] = ALU_EB(OR), [0x09] = ALU_EV(OR),
	[0x0a] = ALU_GB(OR), [0x0b] = ALU_GV(OR),
	[0x10] = ALU_EB(ADC), [0x11] = ALU_EV(ADC),
	[0x12] = ALU_GB(ADC), [0x13] = ALU_GV(ADC),
	[0x18] = ALU_EB(SBB), [0x19] = ALU_EV(SBB),
	[0x1a] = ALU_GB(SBB), [0x1b] = ALU_GV(SBB),
	[0x20] = ALU_EB(AND), [0x21] = ALU_EV(AND),
	[0x22] = ALU_GB(AND), [0x23] = ALU_GV(AND),
	[0x28] = ALU_EB(SUB), [0x29] = ALU_EV(SUB),
	[0x2a] = ALU_GB(SUB), [0x2b] = ALU_GV(SUB),
	[0x30] = ALU_EB(XOR), [0x31] = ALU_EV(XOR),
	[0x32] = ALU_GB(XOR), [0x33] = ALU_GV(XOR),
	[0x38] = ALU_EB(CMP), [0x39] = ALU_EV(CMP),
	[0x3a] = ALU_GB(CMP), [0x3b] = ALU_GV(CMP),
	[0x6c] = OPC(INS, D_BYTE),
	[0x6d] = OPC(INS, D_IO),
	[0x6e] = OPC(OUTS, D_BYTE),
	[0x6f] = OPC(OUTS, D_IO),
	[0x80] = ALU(ADD, D_MODRM | D_GRP1 | D_BYTE | D_IMM8 | D_LOCKOK),
	[0x81] = ALU(ADD, D_MODRM | D_GRP1 | D_IMMZ | D_LOCKOK),
	[0x83] = ALU(ADD, D_MODRM | D_GRP1 | D_IMM8 | D_SIMM8 | D_LOCKOK),
	[0x84] = ALU(TEST, D_MODRM | D_REG | D_BYTE),
	[0x85] = ALU(TEST, D_MODRM | D_REG),
	[0x86] = OPC(XCHG, D_MODRM | D_REG | D_BYTE | D_LOCKOK),
	[0x87] = OPC(XCHG, D_MODRM | D_REG | D_LOCKOK),
	[0x88] = OPC(MOV_STORE, D_MODRM | D_REG | D_BYTE),
	[0x89] = OPC(MOV_STORE, D_MODRM | D_REG),
	[0x8a] = OPC(MOV_LOAD, D_MODRM | D_REG | D_BYTE),
	[0x8b] = OPC(MOV_LOAD, D_MODRM | D_REG),
	[0xa0] = OPC(MOV_LOAD, D_MOFFS | D_ACC | D_BYTE),
	[0xa1] = OPC(MOV_LOAD, D_MOFFS | D_ACC),
	[0xa2] = OPC(MOV_STORE, D_MOFFS | D_ACC | D_BYTE),
	[0xa3] = OPC(MOV_STORE, D_MOFFS | D_ACC),
	[0xc6] = OPC(MOV_STORE_IMM, D_MODRM | D_REG0 | D_BYTE | D_IMM8),
	[0xc7] = OPC(MOV_STORE_IMM, D_MODRM | D_REG0 | D_IMMZ),
	[0xe4] = OPC(IN, D_ACC | D_BYTE | D_IMM8),
	[0xe5] = OPC(IN, D_ACC | D_IO | D_IMM8),
	[0xe6] = OPC(OUT, D_ACC | D_BYTE | D_IMM8),
	[0xe7] = OPC(OUT, D_ACC | D_IO | D_IMM8),
	[0xec] = OPC(IN, D_ACC | D_BYTE),
	[0xed] = OPC(IN, D_ACC | D_IO),
	[0xee] = OPC(OUT, D_ACC | D_BYTE),
	[0xef] = OPC(OUT, D_ACC | D_IO),
	[0xf4] = OPC(HLT, 0),
	[0xf6] = ALU(TEST, D_MODRM | D_GRP3 | D_BYTE | D_IMM8 | D_LOCKOK),
	[0xf7] = ALU(TEST, D_MODRM | D_GRP3 | D_IMMZ | D_LOCKOK),
	[0xfe] = ALU(INC, D_MODRM | D_GRP5 | D_BYTE | D_LOCKOK),
	[0xff] = ALU(INC, D_MODRM | D_GRP5 | D_LOCKOK),
};

static const struct v3_opcode v3_two_byte[256] = {
	[0x01] = OPC(VMMCALL, D_0F01),
	[0x08] = OPC(INVD, 0),
	[0x09] = OPC(WBINVD, 0),
	[0x21] = OPC(MOV_FROM_DR, D_CTL),
	[0x22] = OPC(MOV_TO_CR, D_CTL),
	[0x23] = OPC(MOV_TO_DR, D_CTL),
	[0x30] = OPC(WRMSR, 0),
	[0x32] = OPC(RDMSR, 0),
	[0x33] = OPC(RDPMC, 0),
	[0xa2] = OPC(CPUID, 0),
	[0xa3] = ALU(BT, D_MODRM | D_REG),
	[0xab] = ALU(BTS, D_MODRM | D_REG | D_LOCKOK),
	[0xb3] = ALU(BTR, D_MODRM | D_REG | D_LOCKOK),
	[0xb6] = OPC(MOVZX, D_MODRM | D_REG),
	[0xb7] = OPC(MOVZX, D_MODRM | D_REG | D_SRC16),
	[0xba] = ALU(BT, D_MODRM | D_GRP8 | D_IMM8 | D_LOCKOK),
	[0xbb] = ALU(BTC, D_MODRM | D_REG | D_LOCKOK),
	[0xbe] = OPC(MOVSX, D_MODRM | D_REG),
	[0xbf] = OPC(MOVSX, D_MODRM | D_REG | D_SRC16),
};

/*
 * The operation of a group opcode from ModRM.reg, and which immediate it
 * has; -EOPNOTSUPP for a member the core does not emulate (MUL, DIV, the
 * indirect CALL, JMP and PUSH of ff, ...).
 */
static int v3_group(const struct v3_opcode *opc, u8 modrm, u8 *sub,
		    u32 *flags)
{
	unsigned int r = (modrm >> 3) & 7;

	if (opc->flags & D_GRP1) {
		*sub = r;	/* ADD ... CMP, in opcode order */
	} else if (opc->flags & D_GRP3) {
		if (r == 2 || r == 3) {
			*sub = r == 2 ? V3_ALU_NOT : V3_ALU_NEG;
			*flags &= ~(D_IMM8 | D_IMMZ);
		} else if (r) {
			return -EOPNOTSUPP;
		}
	} else if (opc->flags & D_GRP5) {
		if (r > 1)
			return -EOPNOTSUPP;
		*sub = r ? V3_ALU_DEC : V3_ALU_INC;
	} else if (opc->flags & D_GRP8) {
		if (r < 4)
			return -EOPNOTSUPP;
		*sub = V3_ALU_BT + r - 4;
	}
	return 0;
}

/* Whether LOCK may prefix the instruction: only a write to memory */
static bool v3_lock_ok(const struct v3_opcode *opc, u8 sub, u32 flags)
{
	if (!(flags & D_LOCKOK) || (flags & D_MEMSRC))
		return false;
	return opc->op != V3_OP_ALU || v3_alu_writes(sub);
}

/* The error for an instruction that needs @end bytes but has only @avail */
static inline int v3_short(unsigned int end)
{
	return end > V3_INSN_MAX_LEN ? -EINVAL : -ENODATA;
}

/* Bytes of displacement (and SIB) after a ModRM of 32- or 64-bit address */
static int v3_modrm32(const u8 *bytes, unsigned int avail, unsigned int *pos,
		      u8 modrm)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	unsigned int disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	if (rm == 4) {
		if (*pos >= avail)
			return v3_short(*pos + 1);
		if (mod == 0 && (bytes[*pos] & 7) == 5)
			disp = 4;	/* no base: disp32 */
		(*pos)++;
	} else if (mod == 0 && rm == 5) {
		disp = 4;		/* disp32, or RIP-relative */
	}
	*pos += disp;
	return 0;
}

/* Bytes of displacement after a ModRM of 16-bit address */
static unsigned int v3_modrm16(u8 modrm)
{
	unsigned int mod = modrm >> 6;

	if (mod == 1)
		return 1;
	if (mod == 2 || (mod == 0 && (modrm & 7) == 6))
		return 2;
	return 0;
}

int v3_decode(const u8 *bytes, unsigned int avail, enum v3_cpu_mode mode,
	      struct v3_insn *insn)
{
	unsigned int pos = 0, immlen = 0, i, opsize, addrsize;
	u8 b, rex = 0, prefixes = 0, reg = V3_REG_NONE, ctl = 0, sub;
	const struct v3_opcode *opc;
	u32 flags;
	bool high_byte = false;
	s8 seg = -1;
	u64 imm = 0;
	int err;

	if (avail > V3_INSN_MAX_LEN)
		avail = V3_INSN_MAX_LEN;

	/* Legacy prefixes in any order; a REX only right before the opcode */
	for (;;) {
		if (pos >= avail)
			return v3_short(pos + 1);
		b = bytes[pos++];
		switch (b) {
		case 0x66:
			prefixes |= V3_PFX_OPSIZE;
			break;
		case 0x67:
			prefixes |= V3_PFX_ADDRSIZE;
			break;
		case 0xf0:
			prefixes |= V3_PFX_LOCK;
			break;
		case 0xf2:
			prefixes |= V3_PFX_REPNE;
			break;
		case 0xf3:
			prefixes |= V3_PFX_REP;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			prefixes |= V3_PFX_SEG;
			seg = (b >> 3) & 3;
			break;
		case 0x64: case 0x65:
			prefixes |= V3_PFX_SEG;
			seg = b - 0x60;
			break;
		default:
			if (mode == V3_MODE_64 && (b & 0xf0) == 0x40) {
				rex = b;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}

opcode:
	if (b == 0x0f) {
		if (pos >= avail)
			return v3_short(pos + 1);
		b = bytes[pos++];
		opc = &v3_two_byte[b];
	} else {
		opc = &v3_one_byte[b];
	}
	if (opc->op == V3_OP_NONE)
		return -EOPNOTSUPP;
	flags = opc->flags;
	sub = opc->sub;
	if (flags & D_0F01) {
		if (pos >= avail)
			return v3_short(pos + 1);
		/* VMMCALL (AMD) or VMCALL (Intel): the hypercall either way */
		if (bytes[pos] != 0xd9 && bytes[pos] != 0xc1)
			return -EOPNOTSUPP;
		pos++;
	}

	/* LOCK on what never writes memory is #UD; the rest is seen below */
	if ((prefixes & V3_PFX_LOCK) && !(flags & D_LOCKOK))
		return -EINVAL;

	if (mode == V3_MODE_64) {
		addrsize = prefixes & V3_PFX_ADDRSIZE ? 4 : 8;
		opsize = prefixes & V3_PFX_OPSIZE ? 2 : 4;
		if ((rex & 8) && !(flags & D_IO))
			opsize = 8;
	} else {
		addrsize = mode == V3_MODE_16 ? 2 : 4;
		opsize = addrsize;
		if (prefixes & V3_PFX_ADDRSIZE)
			addrsize ^= 6;	/* 2 <-> 4 */
		if (prefixes & V3_PFX_OPSIZE)
			opsize ^= 6;
	}
	if (flags & D_BYTE)
		opsize = 1;

	if (flags & D_CTL) {
		u8 modrm;

		/*
		 * MOV to or from CRn or DRn: ModRM.mod is ignored (always a
		 * register), the operand is 64 bits in 64-bit mode and 32
		 * otherwise, whatever the prefixes.
		 */
		if (pos >= avail)
			return v3_short(pos + 1);
		modrm = bytes[pos++];
		ctl = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
		reg = (modrm & 7) | (rex & 1 ? 8 : 0);
		opsize = mode == V3_MODE_64 ? 8 : 4;
	} else if (flags & D_MODRM) {
		u8 modrm;

		if (pos >= avail)
			return v3_short(pos + 1);
		modrm = bytes[pos++];
		/* The register forms never touch memory, so never exit */
		if ((modrm >> 6) == 3)
			return -EOPNOTSUPP;
		if ((flags & D_REG0) && (modrm & 0x38))
			return -EOPNOTSUPP;
		err = v3_group(opc, modrm, &sub, &flags);
		if (err)
			return err;
		if (flags & D_REG) {
			reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
			high_byte = (flags & D_BYTE) && !rex &&
				    reg >= 4;
		}
		if (addrsize == 2) {
			pos += v3_modrm16(modrm);
		} else {
			err = v3_modrm32(bytes, avail, &pos, modrm);
			if (err)
				return err;
		}
	} else if (flags & D_MOFFS) {
		pos += addrsize;
	}
	if (flags & D_ACC)
		reg = 0;
	/* LOCK on anything else is #UD */
	if ((prefixes & V3_PFX_LOCK) && !v3_lock_ok(opc, sub, flags))
		return -EINVAL;

	if (flags & D_IMM8)
		immlen = 1;
	else if (flags & D_IMMZ)
		immlen = opsize > 4 ? 4 : opsize;
	if (pos + immlen > avail)
		return v3_short(pos + immlen);
	for (i = 0; i < immlen; i++)
		imm |= (u64)bytes[pos + i] << (8 * i);
	if (opsize == 8 && immlen == 4)
		imm = (u64)(s64)(s32)imm;
	if ((flags & D_SIMM8) && (imm & 0x80))
		imm |= ~0ULL << (8 * immlen);	/* sign-extended ... */
	if (opsize < 8)
		imm &= (1ULL << (8 * opsize)) - 1;	/* ... to @opsize */
	pos += immlen;

	*insn = (struct v3_insn){
		.op = opc->op,
		.len = pos,
		.prefixes = prefixes,
		.seg = seg,
		.rex = rex,
		.opsize = opsize,
		.addrsize = addrsize,
		.srcsize = opc->op == V3_OP_MOVZX || opc->op == V3_OP_MOVSX ?
			   (flags & D_SRC16 ? 2 : 1) : 0,
		.alu = opc->op == V3_OP_ALU ? sub : 0,
		.mem_src = flags & D_MEMSRC,
		.reg = reg,
		.ctl = ctl,
		.high_byte = high_byte,
		.port_imm = immlen && (opc->op == V3_OP_IN ||
				       opc->op == V3_OP_OUT),
		.has_mem = flags & (D_MODRM | D_MOFFS),
		.imm = imm,
	};
	return 0;
}
