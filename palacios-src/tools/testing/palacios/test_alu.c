// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the core's ALU (core/alu.c) against the CPU these tests run on:
 * every operation at every size, on edge values and random ones, with
 * each carry in, must give the result and the defined flags the CPU's own
 * instruction gives.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include <palacios/alu.h>

#include "tests.h"

/*
 * The CPU's instruction @insn on *@d (and @s), from the flags in *@f; the
 * stack pointer steps over the red zone around the pushes.  @dc and @sc
 * are the constraints of the operands ("q" for bytes).
 */
#define NATIVE2(name, insn, type, dc, sc)				\
static void name(u64 *d, u64 s, u64 *f)					\
{									\
	type dd = *d, ss = s;						\
	asm("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"		\
	    insn " %[s], %[d]\n\tpushf\n\tpop %[f]\n\t"			\
	    "lea 128(%%rsp), %%rsp"					\
	    : [d] dc(dd), [f] "+r"(*f) : [s] sc(ss)			\
	    : "cc", "memory");						\
	*d = dd;							\
}

#define NATIVE1(name, insn, type, dc)					\
static void name(u64 *d, u64 s, u64 *f)					\
{									\
	type dd = *d;							\
	asm("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"		\
	    insn " %[d]\n\tpushf\n\tpop %[f]\n\t"			\
	    "lea 128(%%rsp), %%rsp"					\
	    : [d] dc(dd), [f] "+r"(*f) : : "cc", "memory");		\
	*d = dd;							\
}

NATIVE2(add_b, "addb", u8, "+q", "q")
NATIVE2(add_w, "addw", u16, "+r", "r")
NATIVE2(add_l, "addl", u32, "+r", "r")
NATIVE2(add_q, "addq", u64, "+r", "r")
NATIVE2(or_b, "orb", u8, "+q", "q")
NATIVE2(or_w, "orw", u16, "+r", "r")
NATIVE2(or_l, "orl", u32, "+r", "r")
NATIVE2(or_q, "orq", u64, "+r", "r")
NATIVE2(adc_b, "adcb", u8, "+q", "q")
NATIVE2(adc_w, "adcw", u16, "+r", "r")
NATIVE2(adc_l, "adcl", u32, "+r", "r")
NATIVE2(adc_q, "adcq", u64, "+r", "r")
NATIVE2(sbb_b, "sbbb", u8, "+q", "q")
NATIVE2(sbb_w, "sbbw", u16, "+r", "r")
NATIVE2(sbb_l, "sbbl", u32, "+r", "r")
NATIVE2(sbb_q, "sbbq", u64, "+r", "r")
NATIVE2(and_b, "andb", u8, "+q", "q")
NATIVE2(and_w, "andw", u16, "+r", "r")
NATIVE2(and_l, "andl", u32, "+r", "r")
NATIVE2(and_q, "andq", u64, "+r", "r")
NATIVE2(sub_b, "subb", u8, "+q", "q")
NATIVE2(sub_w, "subw", u16, "+r", "r")
NATIVE2(sub_l, "subl", u32, "+r", "r")
NATIVE2(sub_q, "subq", u64, "+r", "r")
NATIVE2(xor_b, "xorb", u8, "+q", "q")
NATIVE2(xor_w, "xorw", u16, "+r", "r")
NATIVE2(xor_l, "xorl", u32, "+r", "r")
NATIVE2(xor_q, "xorq", u64, "+r", "r")
NATIVE2(cmp_b, "cmpb", u8, "+q", "q")
NATIVE2(cmp_w, "cmpw", u16, "+r", "r")
NATIVE2(cmp_l, "cmpl", u32, "+r", "r")
NATIVE2(cmp_q, "cmpq", u64, "+r", "r")
NATIVE2(test_b, "testb", u8, "+q", "q")
NATIVE2(test_w, "testw", u16, "+r", "r")
NATIVE2(test_l, "testl", u32, "+r", "r")
NATIVE2(test_q, "testq", u64, "+r", "r")
NATIVE1(inc_b, "incb", u8, "+q")
NATIVE1(inc_w, "incw", u16, "+r")
NATIVE1(inc_l, "incl", u32, "+r")
NATIVE1(inc_q, "incq", u64, "+r")
NATIVE1(dec_b, "decb", u8, "+q")
NATIVE1(dec_w, "decw", u16, "+r")
NATIVE1(dec_l, "decl", u32, "+r")
NATIVE1(dec_q, "decq", u64, "+r")
NATIVE1(not_b, "notb", u8, "+q")
NATIVE1(not_w, "notw", u16, "+r")
NATIVE1(not_l, "notl", u32, "+r")
NATIVE1(not_q, "notq", u64, "+r")
NATIVE1(neg_b, "negb", u8, "+q")
NATIVE1(neg_w, "negw", u16, "+r")
NATIVE1(neg_l, "negl", u32, "+r")
NATIVE1(neg_q, "negq", u64, "+r")
/* BT* have no byte form */
NATIVE2(bt_w, "btw", u16, "+r", "r")
NATIVE2(bt_l, "btl", u32, "+r", "r")
NATIVE2(bt_q, "btq", u64, "+r", "r")
NATIVE2(bts_w, "btsw", u16, "+r", "r")
NATIVE2(bts_l, "btsl", u32, "+r", "r")
NATIVE2(bts_q, "btsq", u64, "+r", "r")
NATIVE2(btr_w, "btrw", u16, "+r", "r")
NATIVE2(btr_l, "btrl", u32, "+r", "r")
NATIVE2(btr_q, "btrq", u64, "+r", "r")
NATIVE2(btc_w, "btcw", u16, "+r", "r")
NATIVE2(btc_l, "btcl", u32, "+r", "r")
NATIVE2(btc_q, "btcq", u64, "+r", "r")

typedef void (*native_fn)(u64 *d, u64 s, u64 *f);

static const struct {
	const char *name;
	native_fn fn[4];	/* by size: 1, 2, 4, 8 */
} natives[] = {
	[V3_ALU_ADD] = { "add", { add_b, add_w, add_l, add_q } },
	[V3_ALU_OR] = { "or", { or_b, or_w, or_l, or_q } },
	[V3_ALU_ADC] = { "adc", { adc_b, adc_w, adc_l, adc_q } },
	[V3_ALU_SBB] = { "sbb", { sbb_b, sbb_w, sbb_l, sbb_q } },
	[V3_ALU_AND] = { "and", { and_b, and_w, and_l, and_q } },
	[V3_ALU_SUB] = { "sub", { sub_b, sub_w, sub_l, sub_q } },
	[V3_ALU_XOR] = { "xor", { xor_b, xor_w, xor_l, xor_q } },
	[V3_ALU_CMP] = { "cmp", { cmp_b, cmp_w, cmp_l, cmp_q } },
	[V3_ALU_TEST] = { "test", { test_b, test_w, test_l, test_q } },
	[V3_ALU_INC] = { "inc", { inc_b, inc_w, inc_l, inc_q } },
	[V3_ALU_DEC] = { "dec", { dec_b, dec_w, dec_l, dec_q } },
	[V3_ALU_NOT] = { "not", { not_b, not_w, not_l, not_q } },
	[V3_ALU_NEG] = { "neg", { neg_b, neg_w, neg_l, neg_q } },
	[V3_ALU_BT] = { "bt", { NULL, bt_w, bt_l, bt_q } },
	[V3_ALU_BTS] = { "bts", { NULL, bts_w, bts_l, bts_q } },
	[V3_ALU_BTR] = { "btr", { NULL, btr_w, btr_l, btr_q } },
	[V3_ALU_BTC] = { "btc", { NULL, btc_w, btc_l, btc_q } },
};

/* The flags the manuals leave undefined after @op: not compared */
static u64 undefined_flags(enum v3_alu_op op)
{
	switch (op) {
	case V3_ALU_BT:
	case V3_ALU_BTS:
	case V3_ALU_BTR:
	case V3_ALU_BTC:
		return V3_FLAG_OF | V3_FLAG_SF | V3_FLAG_AF | V3_FLAG_PF;
	default:
		return 0;
	}
}

static u64 rand64(void)
{
	return ((u64)rand() << 62) ^ ((u64)rand() << 31) ^ (u64)rand();
}

/* One case; false (and a line saying what differed) if they differ */
static bool one(enum v3_alu_op op, unsigned int si, u64 d, u64 s, u64 fin)
{
	unsigned int size = 1U << si;
	u64 m = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	u64 fn = fin, fa = fin, rn, ra, mask;

	rn = d;
	natives[op].fn[si](&rn, s, &fn);
	rn &= m;
	ra = v3_alu(op, size, d, s, &fa);
	mask = V3_FLAGS_STATUS & ~undefined_flags(op);
	/* the result of CMP, TEST and BT is not written back */
	if (!v3_alu_writes(op)) {
		rn = 0;
		ra = 0;
	}
	/* the flags the core leaves alone must be untouched */
	if ((fa & ~mask) != (fin & ~mask) || rn != ra ||
	    (fn & mask) != (fa & mask)) {
		printf("# %s%u d=%#llx s=%#llx flags=%#llx:", natives[op].name,
		       8 * size, (unsigned long long)d, (unsigned long long)s,
		       (unsigned long long)fin);
		printf(" CPU %#llx flags %#llx, core %#llx flags %#llx\n",
		       (unsigned long long)rn, (unsigned long long)fn,
		       (unsigned long long)ra, (unsigned long long)fa);
		return false;
	}
	return true;
}

static void test_against_cpu(void)
{
	static const u64 edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, 0x0f, 0x10, 0x3f, 0x40,
	};
	unsigned int op, si, i, j, bad = 0, n = 0;

	srand(20261207);
	for (op = 0; op < ARRAY_SIZE(natives); op++) {
		for (si = 0; si < 4; si++) {
			if (!natives[op].fn[si])
				continue;
			for (i = 0; i < ARRAY_SIZE(edges); i++)
				for (j = 0; j < ARRAY_SIZE(edges); j++) {
					bad += !one(op, si, edges[i], edges[j], 2);
					bad += !one(op, si, edges[i], edges[j],
						    2 | V3_FLAGS_STATUS);
					n += 2;
				}
			for (i = 0; i < 3000; i++) {
				u64 fin = 2 | (rand64() & V3_FLAGS_STATUS);

				bad += !one(op, si, rand64(), rand64(), fin);
				n++;
			}
			if (bad > 20)
				break;
		}
	}
	CHECK(bad == 0);
	CHECK(n > 100000);
}

static const struct test_case alu_cases[] = {
	{ "against_cpu", test_against_cpu },
};

const struct test_suite alu_suite = {
	.name = "alu",
	.cases = alu_cases,
	.nr = ARRAY_SIZE(alu_cases),
};
