/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arithmetic of the x86 instructions the core emulates on device
 * memory: their results and the status flags they leave, as the Intel SDM
 * (volume 2) and the AMD64 APM (volume 3) define them.
 */
#ifndef _PALACIOS_ALU_H
#define _PALACIOS_ALU_H

#include <linux/bits.h>
#include <linux/types.h>

/* The status flags of RFLAGS */
#define V3_FLAG_CF	BIT_ULL(0)
#define V3_FLAG_PF	BIT_ULL(2)
#define V3_FLAG_AF	BIT_ULL(4)
#define V3_FLAG_ZF	BIT_ULL(6)
#define V3_FLAG_SF	BIT_ULL(7)
#define V3_FLAG_OF	BIT_ULL(11)
#define V3_FLAGS_STATUS	(V3_FLAG_CF | V3_FLAG_PF | V3_FLAG_AF | V3_FLAG_ZF | \
			 V3_FLAG_SF | V3_FLAG_OF)

/**
 * enum v3_alu_op - an operation of v3_alu()
 * @V3_ALU_ADD: ADD; the first eight in the order of their opcodes'
 *              bits 5:3 (00, 08, ... 38 and ModRM.reg of 80, 81, 83)
 * @V3_ALU_OR: OR
 * @V3_ALU_ADC: ADC: adds CF
 * @V3_ALU_SBB: SBB: subtracts CF
 * @V3_ALU_AND: AND
 * @V3_ALU_SUB: SUB
 * @V3_ALU_XOR: XOR
 * @V3_ALU_CMP: CMP: SUB for the flags only
 * @V3_ALU_TEST: TEST: AND for the flags only
 * @V3_ALU_INC: INC: ADD 1, CF unchanged
 * @V3_ALU_DEC: DEC: SUB 1, CF unchanged
 * @V3_ALU_NOT: NOT: no flag changes
 * @V3_ALU_NEG: NEG: 0 - destination
 * @V3_ALU_BT: BT: the bit the source numbers (modulo the operand's width)
 *             into CF
 * @V3_ALU_BTS: BTS: BT, then set it
 * @V3_ALU_BTR: BTR: BT, then clear it
 * @V3_ALU_BTC: BTC: BT, then flip it
 */
enum v3_alu_op {
	V3_ALU_ADD,
	V3_ALU_OR,
	V3_ALU_ADC,
	V3_ALU_SBB,
	V3_ALU_AND,
	V3_ALU_SUB,
	V3_ALU_XOR,
	V3_ALU_CMP,
	V3_ALU_TEST,
	V3_ALU_INC,
	V3_ALU_DEC,
	V3_ALU_NOT,
	V3_ALU_NEG,
	V3_ALU_BT,
	V3_ALU_BTS,
	V3_ALU_BTR,
	V3_ALU_BTC,
};

/**
 * v3_alu_writes() - whether an operation writes its destination back
 * @op: the operation
 *
 * Return: false for CMP, TEST and BT, which only set flags.
 */
static inline bool v3_alu_writes(enum v3_alu_op op)
{
	return op != V3_ALU_CMP && op != V3_ALU_TEST && op != V3_ALU_BT;
}

/**
 * v3_alu() - compute an operation as the CPU does
 * @op: the operation
 * @size: the operand size in bytes: 1, 2, 4 or 8
 * @dst: the destination operand (only its low @size bytes count)
 * @src: the source operand, or the bit number of BT*; unused by INC, DEC,
 *       NOT and NEG
 * @rflags: in, the guest's RFLAGS (ADC and SBB use its CF); out, the same
 *          with the status flags the operation defines set as it sets
 *          them.  The flags the manuals leave undefined are left as they
 *          were (the AF of AND, OR, XOR and TEST is cleared, as processors
 *          do).
 *
 * Return: the result, in the low @size bytes, the others zero.
 */
u64 v3_alu(enum v3_alu_op op, unsigned int size, u64 dst, u64 src,
	   u64 *rflags);

#endif /* _PALACIOS_ALU_H */
