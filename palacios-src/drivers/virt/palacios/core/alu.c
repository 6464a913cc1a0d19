// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the arithmetic of the instructions emulated on device
 * memory (see include/palacios/alu.h).
 */
#include <linux/types.h>

#include <palacios/alu.h>

static u64 v3_alu_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* SF, ZF and PF of a result (PF: even parity of its low byte) */
static u64 v3_alu_szp(u64 r, unsigned int size)
{
	u64 flags = 0;
	u8 p = r;

	if (!r)
		flags |= V3_FLAG_ZF;
	if ((r >> (8 * size - 1)) & 1)
		flags |= V3_FLAG_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		flags |= V3_FLAG_PF;
	return flags;
}

/* @d + @s + @c, and the flags of ADD and ADC */
static u64 v3_alu_add(u64 d, u64 s, u64 c, unsigned int size, u64 *flags)
{
	u64 m = v3_alu_mask(size), r = (d + s + c) & m;
	unsigned int top = 8 * size - 1;

	*flags = v3_alu_szp(r, size) | ((d ^ s ^ r) & V3_FLAG_AF);
	if (r < d || (c && r == d))
		*flags |= V3_FLAG_CF;
	if ((((d ^ r) & (s ^ r)) >> top) & 1)
		*flags |= V3_FLAG_OF;
	return r;
}

/* @d - @s - @c, and the flags of SUB, SBB, CMP and NEG */
static u64 v3_alu_sub(u64 d, u64 s, u64 c, unsigned int size, u64 *flags)
{
	u64 m = v3_alu_mask(size), r = (d - s - c) & m;
	unsigned int top = 8 * size - 1;

	*flags = v3_alu_szp(r, size) | ((d ^ s ^ r) & V3_FLAG_AF);
	if (d < s || (c && d == s))
		*flags |= V3_FLAG_CF;
	if ((((d ^ s) & (d ^ r)) >> top) & 1)
		*flags |= V3_FLAG_OF;
	return r;
}

u64 v3_alu(enum v3_alu_op op, unsigned int size, u64 dst, u64 src,
	   u64 *rflags)
{
	u64 m = v3_alu_mask(size), cf = *rflags & V3_FLAG_CF, flags, r, bit;
	u64 defined = V3_FLAGS_STATUS;

	dst &= m;
	src &= m;
	switch (op) {
	case V3_ALU_ADD:
		r = v3_alu_add(dst, src, 0, size, &flags);
		break;
	case V3_ALU_ADC:
		r = v3_alu_add(dst, src, !!cf, size, &flags);
		break;
	case V3_ALU_SUB:
	case V3_ALU_CMP:
		r = v3_alu_sub(dst, src, 0, size, &flags);
		break;
	case V3_ALU_SBB:
		r = v3_alu_sub(dst, src, !!cf, size, &flags);
		break;
	case V3_ALU_INC:
		r = v3_alu_add(dst, 1, 0, size, &flags);
		defined &= ~V3_FLAG_CF;
		break;
	case V3_ALU_DEC:
		r = v3_alu_sub(dst, 1, 0, size, &flags);
		defined &= ~V3_FLAG_CF;
		break;
	case V3_ALU_NEG:
		r = v3_alu_sub(0, dst, 0, size, &flags);
		break;
	case V3_ALU_AND:
	case V3_ALU_TEST:
		r = dst & src;
		flags = v3_alu_szp(r, size);
		break;
	case V3_ALU_OR:
		r = dst | src;
		flags = v3_alu_szp(r, size);
		break;
	case V3_ALU_XOR:
		r = dst ^ src;
		flags = v3_alu_szp(r, size);
		break;
	case V3_ALU_NOT:
		return ~dst & m;
	case V3_ALU_BT:
	case V3_ALU_BTS:
	case V3_ALU_BTR:
	case V3_ALU_BTC:
		bit = 1ULL << (src & (8 * size - 1));
		flags = dst & bit ? V3_FLAG_CF : 0;
		defined = V3_FLAG_CF;
		r = op == V3_ALU_BTS ? dst | bit :
		    op == V3_ALU_BTR ? dst & ~bit :
		    op == V3_ALU_BTC ? dst ^ bit : dst;
		break;
	default:
		return dst;
	}
	*rflags = (*rflags & ~defined) | (flags & defined);
	return r;
}
