/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 instruction decoder of the Palacios core.
 *
 * Hardware without next-RIP save and decode assists (QEMU's emulated SVM,
 * older AMD CPUs) tells the VMM why a guest exited but not how long the
 * instruction was or what its operands were.  The core then decodes the
 * instruction at the guest's RIP itself.  It needs only the few
 * instructions that cause exits it handles: this decoder knows exactly
 * those, and refuses everything else.
 *
 * The decoder is a pure function of the bytes it is given; it never reads
 * guest memory itself.
 */
#ifndef _PALACIOS_DECODE_H
#define _PALACIOS_DECODE_H

#include <linux/bits.h>
#include <linux/types.h>

/* The longest x86 instruction */
#define V3_INSN_MAX_LEN	15

/**
 * enum v3_cpu_mode - the code size the guest executes in
 * @V3_MODE_16: real mode, or a 16-bit code segment
 * @V3_MODE_32: a 32-bit code segment (CS.D=1)
 * @V3_MODE_64: 64-bit mode (EFER.LMA=1 and CS.L=1)
 */
enum v3_cpu_mode {
	V3_MODE_16,
	V3_MODE_32,
	V3_MODE_64,
};

/**
 * enum v3_insn_op - the instructions the decoder knows
 * @V3_OP_NONE: not an instruction the decoder knows
 * @V3_OP_CPUID: CPUID (0f a2)
 * @V3_OP_RDMSR: RDMSR (0f 32)
 * @V3_OP_WRMSR: WRMSR (0f 30)
 * @V3_OP_HLT: HLT (f4)
 * @V3_OP_VMMCALL: the hypercall: VMMCALL (0f 01 d9) or VMCALL (0f 01 c1)
 * @V3_OP_IN: IN from an immediate port (e4, e5) or from DX (ec, ed)
 * @V3_OP_OUT: OUT to an immediate port (e6, e7) or to DX (ee, ef)
 * @V3_OP_INS: INS (6c, 6d)
 * @V3_OP_OUTS: OUTS (6e, 6f)
 * @V3_OP_MOV_LOAD: MOV reg, r/m (8a, 8b) or MOV AL/eAX, moffs (a0, a1)
 * @V3_OP_MOV_STORE: MOV r/m, reg (88, 89) or MOV moffs, AL/eAX (a2, a3)
 * @V3_OP_MOV_STORE_IMM: MOV r/m, imm (c6 /0, c7 /0)
 * @V3_OP_MOVZX: MOVZX reg, r/m8 or r/m16 (0f b6, 0f b7)
 * @V3_OP_MOVSX: MOVSX reg, r/m8 or r/m16 (0f be, 0f bf)
 * @V3_OP_INVD: INVD (0f 08)
 * @V3_OP_WBINVD: WBINVD (0f 09)
 * @V3_OP_RDPMC: RDPMC (0f 33)
 * @V3_OP_MOV_FROM_DR: MOV r64/r32, DRn (0f 21)
 * @V3_OP_MOV_TO_DR: MOV DRn, r64/r32 (0f 23)
 * @V3_OP_MOV_TO_CR: MOV CRn, r64/r32 (0f 22)
 * @V3_OP_ALU: an arithmetic or logic instruction with a memory operand
 *             (struct v3_insn.alu says which): ADD, OR, ADC, SBB, AND,
 *             SUB, XOR, CMP (00-3b, 80, 81, 83), TEST (84, 85, f6 /0,
 *             f7 /0), NOT and NEG (f6, f7 /2 /3), INC and DEC (fe, ff /0
 *             /1), BT, BTS, BTR, BTC (0f a3, ab, b3, bb, 0f ba /4-/7)
 * @V3_OP_XCHG: XCHG r/m, reg (86, 87)
 */
enum v3_insn_op {
	V3_OP_NONE,
	V3_OP_CPUID,
	V3_OP_RDMSR,
	V3_OP_WRMSR,
	V3_OP_HLT,
	V3_OP_VMMCALL,
	V3_OP_IN,
	V3_OP_OUT,
	V3_OP_INS,
	V3_OP_OUTS,
	V3_OP_MOV_LOAD,
	V3_OP_MOV_STORE,
	V3_OP_MOV_STORE_IMM,
	V3_OP_MOVZX,
	V3_OP_MOVSX,
	V3_OP_INVD,
	V3_OP_WBINVD,
	V3_OP_RDPMC,
	V3_OP_MOV_FROM_DR,
	V3_OP_MOV_TO_DR,
	V3_OP_MOV_TO_CR,
	V3_OP_ALU,
	V3_OP_XCHG,
};

/* Prefixes the decoder reports in struct v3_insn.prefixes */
#define V3_PFX_OPSIZE	BIT(0)	/* 66 */
#define V3_PFX_ADDRSIZE	BIT(1)	/* 67 */
#define V3_PFX_REP	BIT(2)	/* f3 */
#define V3_PFX_REPNE	BIT(3)	/* f2 */
#define V3_PFX_LOCK	BIT(4)	/* f0 */
#define V3_PFX_SEG	BIT(5)	/* 26 2e 36 3e 64 65 */

/* struct v3_insn.reg when the instruction has no register operand */
#define V3_REG_NONE	0xff

/**
 * struct v3_insn - a decoded instruction
 * @op: what the instruction is
 * @len: its length in bytes, prefixes included
 * @prefixes: the V3_PFX_* prefixes present
 * @seg: the segment override (0-5 for ES, CS, SS, DS, FS, GS), or -1; the
 *       last one if there are several; reported as encoded, although in
 *       64-bit mode only FS and GS have an effect
 * @rex: the REX prefix byte (64-bit mode only), or 0
 * @opsize: the operand size in bytes (1, 2, 4 or 8)
 * @addrsize: the address size in bytes (2, 4 or 8)
 * @srcsize: for MOVZX and MOVSX, the size of the memory operand (1 or 2);
 *           0 for the other instructions
 * @alu: for %V3_OP_ALU, the operation (enum v3_alu_op); its source is @reg,
 *       or @imm when @reg is %V3_REG_NONE (INC, DEC, NOT and NEG have none)
 * @mem_src: for %V3_OP_ALU, the memory operand is the source and @reg the
 *           destination (02, 03, 0a, ...); else memory is the destination
 * @reg: the register operand, as its number 0-15 in the order RAX, RCX,
 *       RDX, RBX, RSP, RBP, RSI, RDI, R8-R15, or %V3_REG_NONE; for a byte
 *       operand without REX, 4-7 mean AH, CH, DH, BH (see @high_byte);
 *       0 for the accumulator of IN, OUT and the moffs forms of MOV;
 *       the general-purpose register of MOV to or from a control or
 *       debug register
 * @ctl: the control or debug register of MOV to or from one (0-15, as
 *       encoded: those the CPU does not have raise #UD), else 0
 * @high_byte: @reg names AH, CH, DH or BH
 * @port_imm: IN/OUT take their port from @imm rather than DX
 * @has_mem: the instruction has a memory operand (ModRM with mod != 3, or
 *           a moffs); false for the string operands of INS and OUTS
 * @imm: the immediate (port number, stored value, sign-extended to
 *       @opsize), if any
 *
 * Memory operands are not resolved to an address: the exits that need one
 * (nested page faults) give the guest-physical address already.
 */
struct v3_insn {
	enum v3_insn_op op;
	u8 len;
	u8 prefixes;
	s8 seg;
	u8 rex;
	u8 opsize;
	u8 addrsize;
	u8 srcsize;
	u8 alu;
	bool mem_src;
	u8 reg;
	u8 ctl;
	bool high_byte;
	bool port_imm;
	bool has_mem;
	u64 imm;
};

/**
 * v3_decode() - decode one instruction
 * @bytes: the instruction's bytes, from its first prefix on
 * @avail: how many bytes @bytes holds (at most V3_INSN_MAX_LEN are read)
 * @mode: the code size the guest executes in
 * @insn: the decoded instruction, on success
 *
 * Return: 0; -ENODATA if the instruction runs past @avail bytes;
 * -EOPNOTSUPP if it is not one of enum v3_insn_op (or uses a form of it
 * the decoder does not know, such as a memory operand where the exit
 * implies a register); -EINVAL for an encoding that is invalid in @mode
 * (e.g. longer than 15 bytes, or LOCK on an instruction that forbids it).
 */
int v3_decode(const u8 *bytes, unsigned int avail, enum v3_cpu_mode mode,
	      struct v3_insn *insn);

#endif /* _PALACIOS_DECODE_H */
