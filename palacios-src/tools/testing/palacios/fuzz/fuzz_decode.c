// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the x86 instruction decoder: decodes the input in
 * all three modes and checks what must hold of any result.  Aborts on a
 * violation, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <palacios/alu.h>
#include <palacios/decode.h>

/* The Makefile names this LLVMFuzzerTestOneInput, libFuzzer's entry */
int fuzz_one_input(const u8 *data, size_t size);

static bool same_insn(const struct v3_insn *a, const struct v3_insn *b)
{
	return a->op == b->op && a->len == b->len &&
	       a->prefixes == b->prefixes && a->seg == b->seg &&
	       a->rex == b->rex && a->opsize == b->opsize &&
	       a->addrsize == b->addrsize && a->srcsize == b->srcsize &&
	       a->reg == b->reg && a->ctl == b->ctl &&
	       a->high_byte == b->high_byte &&
	       a->port_imm == b->port_imm && a->has_mem == b->has_mem &&
	       a->imm == b->imm && a->alu == b->alu &&
	       a->mem_src == b->mem_src;
}

/* Decode from an exact-size copy, so that ASan sees any overread */
static int decode_copy(const u8 *data, unsigned int n, enum v3_cpu_mode mode,
		       struct v3_insn *insn)
{
	u8 *copy = malloc(n ? n : 1);
	int err;

	if (!copy)
		abort();
	memcpy(copy, data, n);
	err = v3_decode(copy, n, mode, insn);
	free(copy);
	return err;
}

static void check_fields(const struct v3_insn *insn, enum v3_cpu_mode mode)
{
	u8 os = insn->opsize, as = insn->addrsize;
	bool has_seg = insn->seg >= 0, has_src = insn->srcsize;
	bool extends = insn->op == V3_OP_MOVZX || insn->op == V3_OP_MOVSX;
	bool ctl = insn->op == V3_OP_MOV_FROM_DR ||
		   insn->op == V3_OP_MOV_TO_DR || insn->op == V3_OP_MOV_TO_CR;

	bool alu = insn->op == V3_OP_ALU;

	if (insn->op == V3_OP_NONE || insn->op > V3_OP_XCHG)
		abort();
	/* the ALU forms and XCHG: memory, an operation, LOCK as the CPU has it */
	if ((alu || insn->op == V3_OP_XCHG) && !insn->has_mem)
		abort();
	if ((!alu && (insn->alu || insn->mem_src)) || insn->alu > V3_ALU_BTC)
		abort();
	if (alu && insn->alu >= V3_ALU_BT && os == 1)
		abort();
	if ((insn->prefixes & V3_PFX_LOCK) &&
	    (insn->mem_src || (alu ? !v3_alu_writes(insn->alu) :
			       insn->op != V3_OP_XCHG)))
		abort();
	/* MOV to or from CRn or DRn: a GPR, a register number, no memory */
	if (ctl && (insn->reg > 15 || insn->has_mem ||
		    os != (mode == V3_MODE_64 ? 8 : 4)))
		abort();
	if (insn->ctl > 15 || (!ctl && insn->ctl))
		abort();
	if (os != 1 && os != 2 && os != 4 && os != 8)
		abort();
	if (mode == V3_MODE_64 ? as != 8 && as != 4 : as != 2 && as != 4)
		abort();
	if (mode != V3_MODE_64 && (insn->rex || os == 8))
		abort();
	if (insn->rex && (insn->rex & 0xf0) != 0x40)
		abort();
	if (insn->reg != V3_REG_NONE && insn->reg > 15)
		abort();
	if (insn->high_byte && (insn->rex || os != 1 || insn->reg < 4 ||
				insn->reg > 7))
		abort();
	if (insn->seg < -1 || insn->seg > 5 ||
	    has_seg != !!(insn->prefixes & V3_PFX_SEG))
		abort();
	if (os < 8 && insn->imm >> (8 * os))
		abort();
	if (has_src != extends)
		abort();
	if (insn->srcsize > 2 || insn->srcsize > os)
		abort();
}

int fuzz_one_input(const u8 *data, size_t size)
{
	unsigned int avail = size > 64 ? 64 : size, mode, n;
	struct v3_insn insn, again;
	int err;

	for (mode = V3_MODE_16; mode <= V3_MODE_64; mode++) {
		err = v3_decode(data, avail, mode, &insn);
		if (err == -ENODATA && avail >= V3_INSN_MAX_LEN)
			abort();
		if (err && err != -ENODATA && err != -EOPNOTSUPP &&
		    err != -EINVAL)
			abort();
		if (err) {
			/* a refusal stands whatever the bytes after it */
			if (err != -ENODATA && avail < V3_INSN_MAX_LEN) {
				u8 buf[V3_INSN_MAX_LEN + 1];

				memset(buf, 0x90, sizeof(buf));
				memcpy(buf, data, avail);
				if (v3_decode(buf, sizeof(buf), mode,
					      &again) != err)
					abort();
			}
			continue;
		}
		if (insn.len < 1 || insn.len > V3_INSN_MAX_LEN ||
		    insn.len > avail)
			abort();
		check_fields(&insn, mode);
		if (decode_copy(data, insn.len, mode, &again) ||
		    !same_insn(&insn, &again))
			abort();
		for (n = 0; n < insn.len; n++)
			if (decode_copy(data, n, mode, &again) != -ENODATA)
				abort();
	}
	return 0;
}
