// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the x86 instruction decoder: hand-written vectors of every
 * instruction in every mode, prefixes, registers, truncation, the 15-byte
 * limit and refusals, and a cross-check of lengths against binutils.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <linux/array_size.h>
#include <linux/compiler.h>

#include <palacios/alu.h>
#include <palacios/decode.h>

#include "tests.h"

#define N	V3_REG_NONE

/* struct vec.flags */
#define H	BIT(0)	/* high_byte */
#define P	BIT(1)	/* port_imm */
#define M	BIT(2)	/* has_mem */
#define S1	BIT(3)	/* srcsize 1 */
#define S2	BIT(4)	/* srcsize 2 */

struct vec {
	enum v3_cpu_mode mode;
	enum v3_insn_op op;
	u8 len;
	u8 opsize;
	u8 addrsize;
	u8 reg;
	u8 flags;
	u64 imm;
	u8 bytes[V3_INSN_MAX_LEN];
};

#define V(m, o, l, os, as, r, im, fl, ...) {				\
	.mode = V3_MODE_##m, .op = V3_OP_##o, .len = l, .opsize = os,	\
	.addrsize = as, .reg = r, .imm = im, .flags = fl,		\
	.bytes = { __VA_ARGS__ },					\
}

static const struct vec vecs[] = {
	/* 16-bit mode */
	V(16, CPUID, 2, 2, 2, N, 0, 0, 0x0f, 0xa2),
	V(16, RDMSR, 2, 2, 2, N, 0, 0, 0x0f, 0x32),
	V(16, WRMSR, 2, 2, 2, N, 0, 0, 0x0f, 0x30),
	V(16, HLT, 1, 2, 2, N, 0, 0, 0xf4),
	V(16, INVD, 2, 2, 2, N, 0, 0, 0x0f, 0x08),
	V(16, WBINVD, 2, 2, 2, N, 0, 0, 0x0f, 0x09),
	V(16, RDPMC, 2, 2, 2, N, 0, 0, 0x0f, 0x33),
	V(16, MOV_TO_DR, 3, 4, 2, 3, 0, 0, 0x0f, 0x23, 0xcb),
	V(32, MOV_FROM_DR, 3, 4, 4, 0, 0, 0, 0x0f, 0x21, 0xf8),
	V(32, MOV_FROM_DR, 4, 4, 4, 0, 0, 0, 0x66, 0x0f, 0x21, 0x00),
	V(16, VMMCALL, 3, 2, 2, N, 0, 0, 0x0f, 0x01, 0xd9),
	V(16, VMMCALL, 3, 2, 2, N, 0, 0, 0x0f, 0x01, 0xc1),
	V(16, IN, 2, 1, 2, 0, 0x80, P, 0xe4, 0x80),
	V(16, IN, 2, 2, 2, 0, 0x80, P, 0xe5, 0x80),
	V(16, IN, 3, 4, 2, 0, 0xff, P, 0x66, 0xe5, 0xff),
	V(16, IN, 1, 1, 2, 0, 0, 0, 0xec),
	V(16, IN, 1, 2, 2, 0, 0, 0, 0xed),
	V(16, IN, 2, 4, 2, 0, 0, 0, 0x66, 0xed),
	V(16, OUT, 2, 1, 2, 0, 0x12, P, 0xe6, 0x12),
	V(16, OUT, 2, 2, 2, 0, 0xff, P, 0xe7, 0xff),
	V(16, OUT, 1, 1, 2, 0, 0, 0, 0xee),
	V(16, OUT, 1, 2, 2, 0, 0, 0, 0xef),
	V(16, OUT, 2, 4, 2, 0, 0, 0, 0x66, 0xef),
	V(16, INS, 1, 1, 2, N, 0, 0, 0x6c),
	V(16, INS, 1, 2, 2, N, 0, 0, 0x6d),
	V(16, INS, 2, 4, 2, N, 0, 0, 0x66, 0x6d),
	V(16, INS, 2, 2, 2, N, 0, 0, 0xf3, 0x6d),
	V(16, OUTS, 1, 1, 2, N, 0, 0, 0x6e),
	V(16, OUTS, 1, 2, 2, N, 0, 0, 0x6f),
	V(16, OUTS, 2, 2, 4, N, 0, 0, 0x67, 0x6f),
	V(16, MOV_STORE, 2, 1, 2, 0, 0, M, 0x88, 0x07),
	V(16, MOV_STORE, 2, 1, 2, 4, 0, M | H, 0x88, 0x27),
	V(16, MOV_STORE, 2, 2, 2, 0, 0, M, 0x89, 0x07),
	V(16, MOV_STORE, 3, 4, 2, 0, 0, M, 0x66, 0x89, 0x07),
	V(16, MOV_LOAD, 4, 2, 2, 0, 0, M, 0x8b, 0x06, 0x34, 0x12),
	V(16, MOV_LOAD, 3, 2, 2, 0, 0, M, 0x8b, 0x46, 0x12),
	V(16, MOV_LOAD, 4, 2, 2, 0, 0, M, 0x8b, 0x86, 0x34, 0x12),
	V(16, MOV_LOAD, 2, 2, 2, 0, 0, M, 0x8b, 0x00),
	V(16, MOV_LOAD, 4, 1, 2, 7, 0, M | H, 0x8a, 0x3e, 0x00, 0x00),
	V(16, MOV_LOAD, 3, 1, 2, 3, 0, M, 0x8a, 0x5a, 0xfe),
	V(16, MOV_LOAD, 4, 2, 4, 0, 0, M, 0x67, 0x8b, 0x04, 0x24),
	V(16, MOV_LOAD, 7, 2, 4, 0, 0, M,
	  0x67, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
	V(16, MOV_LOAD, 5, 2, 4, 0, 0, M, 0x67, 0x8b, 0x44, 0x24, 0x10),
	V(16, MOV_LOAD, 8, 2, 4, 0, 0, M,
	  0x67, 0x8b, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12),
	V(16, MOV_LOAD, 8, 2, 4, 0, 0, M,
	  0x67, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
	V(16, MOV_LOAD, 3, 1, 2, 0, 0, M, 0xa0, 0x34, 0x12),
	V(16, MOV_LOAD, 3, 2, 2, 0, 0, M, 0xa1, 0x34, 0x12),
	V(16, MOV_LOAD, 6, 2, 4, 0, 0, M, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12),
	V(16, MOV_STORE, 3, 1, 2, 0, 0, M, 0xa2, 0x34, 0x12),
	V(16, MOV_STORE, 4, 4, 2, 0, 0, M, 0x66, 0xa3, 0x34, 0x12),
	V(16, MOV_STORE_IMM, 3, 1, 2, N, 0x12, M, 0xc6, 0x07, 0x12),
	V(16, MOV_STORE_IMM, 4, 2, 2, N, 0x1234, M, 0xc7, 0x07, 0x34, 0x12),
	V(16, MOV_STORE_IMM, 7, 4, 2, N, 0x12345678, M,
	  0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
	V(16, MOV_STORE_IMM, 5, 2, 2, N, 0xffff, M,
	  0xc7, 0x46, 0x10, 0xff, 0xff),
	V(16, MOV_STORE_IMM, 6, 2, 2, N, 0x8001, M,
	  0xc7, 0x06, 0x00, 0x10, 0x01, 0x80),
	V(16, MOVZX, 3, 2, 2, 0, 0, M | S1, 0x0f, 0xb6, 0x07),
	V(16, MOVZX, 4, 4, 2, 1, 0, M | S2, 0x66, 0x0f, 0xb7, 0x0f),
	V(16, MOVSX, 5, 2, 2, 3, 0, M | S1, 0x0f, 0xbe, 0x1e, 0x34, 0x12),
	V(16, MOVSX, 4, 2, 2, 0, 0, M | S2, 0x0f, 0xbf, 0x47, 0x02),

	/* 32-bit mode */
	V(32, CPUID, 2, 4, 4, N, 0, 0, 0x0f, 0xa2),
	V(32, RDMSR, 2, 4, 4, N, 0, 0, 0x0f, 0x32),
	V(32, WRMSR, 2, 4, 4, N, 0, 0, 0x0f, 0x30),
	V(32, HLT, 1, 4, 4, N, 0, 0, 0xf4),
	V(32, VMMCALL, 3, 4, 4, N, 0, 0, 0x0f, 0x01, 0xd9),
	V(32, VMMCALL, 3, 4, 4, N, 0, 0, 0x0f, 0x01, 0xc1),
	V(32, IN, 2, 1, 4, 0, 0x60, P, 0xe4, 0x60),
	V(32, IN, 2, 4, 4, 0, 0x60, P, 0xe5, 0x60),
	V(32, IN, 3, 2, 4, 0, 0x60, P, 0x66, 0xe5, 0x60),
	V(32, IN, 1, 4, 4, 0, 0, 0, 0xed),
	V(32, IN, 2, 2, 4, 0, 0, 0, 0x66, 0xed),
	V(32, OUT, 2, 1, 4, 0, 0x70, P, 0xe6, 0x70),
	V(32, OUT, 2, 4, 4, 0, 0x71, P, 0xe7, 0x71),
	V(32, OUT, 1, 1, 4, 0, 0, 0, 0xee),
	V(32, OUT, 2, 2, 4, 0, 0, 0, 0x66, 0xef),
	V(32, INS, 2, 1, 4, N, 0, 0, 0xf3, 0x6c),
	V(32, INS, 1, 4, 4, N, 0, 0, 0x6d),
	V(32, OUTS, 2, 2, 4, N, 0, 0, 0x66, 0x6f),
	V(32, OUTS, 2, 1, 2, N, 0, 0, 0x67, 0x6e),
	V(32, MOV_LOAD, 2, 4, 4, 0, 0, M, 0x8b, 0x00),
	V(32, MOV_LOAD, 3, 4, 4, 0, 0, M, 0x8b, 0x04, 0x24),
	V(32, MOV_LOAD, 6, 4, 4, 0, 0, M, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_LOAD, 7, 4, 4, 0, 0, M,
	  0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_LOAD, 7, 4, 4, 1, 0, M,
	  0x8b, 0x0c, 0x8d, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_LOAD, 4, 4, 4, 0, 0, M, 0x8b, 0x44, 0x24, 0x08),
	V(32, MOV_LOAD, 3, 4, 4, 0, 0, M, 0x8b, 0x45, 0x00),
	V(32, MOV_LOAD, 7, 4, 4, 0, 0, M,
	  0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	V(32, MOV_LOAD, 6, 4, 4, 0, 0, M, 0x8b, 0x80, 0x00, 0x01, 0x00, 0x00),
	V(32, MOV_LOAD, 3, 2, 4, 0, 0, M, 0x66, 0x8b, 0x00),
	V(32, MOV_LOAD, 5, 4, 2, 0, 0, M, 0x67, 0x8b, 0x06, 0x34, 0x12),
	V(32, MOV_LOAD, 3, 4, 2, 0, 0, M, 0x67, 0x8b, 0x04),
	V(32, MOV_LOAD, 6, 1, 4, 4, 0, M | H,
	  0x8a, 0x25, 0x00, 0x00, 0x00, 0x00),
	V(32, MOV_LOAD, 5, 4, 4, 0, 0, M, 0xa1, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_LOAD, 6, 2, 4, 0, 0, M, 0x66, 0xa1, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_LOAD, 4, 4, 2, 0, 0, M, 0x67, 0xa1, 0x34, 0x12),
	V(32, MOV_STORE, 5, 1, 4, 0, 0, M, 0xa2, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_STORE, 5, 4, 4, 0, 0, M, 0xa3, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_STORE, 2, 4, 4, 7, 0, M, 0x89, 0x38),
	V(32, MOV_STORE, 2, 1, 4, 7, 0, M | H, 0x88, 0x38),
	V(32, MOV_STORE_IMM, 6, 4, 4, N, 0x12345678, M,
	  0xc7, 0x00, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_STORE_IMM, 6, 4, 4, N, 0xfffffffe, M,
	  0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff),
	V(32, MOV_STORE_IMM, 5, 2, 4, N, 0x1234, M,
	  0x66, 0xc7, 0x00, 0x34, 0x12),
	V(32, MOV_STORE_IMM, 4, 1, 4, N, 0xff, M, 0xc6, 0x40, 0x01, 0xff),
	V(32, MOV_STORE_IMM, 10, 4, 4, N, 0x12345678, M,
	  0xc7, 0x80, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_STORE_IMM, 11, 4, 4, N, 0x12345678, M,
	  0xc7, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	V(32, MOV_STORE_IMM, 6, 2, 2, N, 0x1234, M,
	  0x66, 0x67, 0xc7, 0x07, 0x34, 0x12),
	V(32, MOVZX, 3, 4, 4, 0, 0, M | S1, 0x0f, 0xb6, 0x00),
	V(32, MOVZX, 4, 2, 4, 0, 0, M | S1, 0x66, 0x0f, 0xb6, 0x00),
	V(32, MOVZX, 3, 4, 4, 2, 0, M | S2, 0x0f, 0xb7, 0x10),
	V(32, MOVSX, 4, 4, 4, 0, 0, M | S2, 0x0f, 0xbf, 0x45, 0xfc),
	V(32, MOVSX, 3, 4, 4, 7, 0, M | S1, 0x0f, 0xbe, 0x38),

	/* 64-bit mode */
	V(64, CPUID, 2, 4, 8, N, 0, 0, 0x0f, 0xa2),
	V(64, RDMSR, 3, 8, 8, N, 0, 0, 0x48, 0x0f, 0x32),
	V(64, WRMSR, 2, 4, 8, N, 0, 0, 0x0f, 0x30),
	V(64, HLT, 1, 4, 8, N, 0, 0, 0xf4),
	V(64, VMMCALL, 3, 4, 8, N, 0, 0, 0x0f, 0x01, 0xd9),
	V(64, VMMCALL, 3, 4, 8, N, 0, 0, 0x0f, 0x01, 0xc1),
	V(64, IN, 2, 1, 8, 0, 0x80, P, 0xe4, 0x80),
	V(64, IN, 2, 4, 8, 0, 0x80, P, 0xe5, 0x80),
	V(64, IN, 3, 4, 8, 0, 0x80, P, 0x48, 0xe5, 0x80),
	V(64, IN, 3, 2, 8, 0, 0x80, P, 0x66, 0xe5, 0x80),
	V(64, IN, 2, 4, 8, 0, 0, 0, 0x48, 0xed),
	V(64, OUT, 2, 1, 8, 0, 0xe9, P, 0xe6, 0xe9),
	V(64, OUT, 1, 4, 8, 0, 0, 0, 0xef),
	V(64, OUT, 3, 2, 8, 0, 0, 0, 0x66, 0x48, 0xef),
	V(64, INS, 2, 4, 8, N, 0, 0, 0x48, 0x6d),
	V(64, INS, 3, 4, 4, N, 0, 0, 0x67, 0xf3, 0x6d),
	V(64, OUTS, 3, 2, 8, N, 0, 0, 0x66, 0x48, 0x6f),
	V(64, OUTS, 2, 1, 8, N, 0, 0, 0xf3, 0x6e),
	V(64, MOV_LOAD, 6, 4, 8, 0, 0, M, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V(64, MOV_LOAD, 7, 8, 8, 0, 0, M,
	  0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V(64, MOV_LOAD, 7, 2, 8, 0, 0, M,
	  0x66, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V(64, MOV_LOAD, 8, 8, 8, 0, 0, M,
	  0x66, 0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V(64, MOV_LOAD, 4, 2, 8, 0, 0, M, 0x48, 0x66, 0x8b, 0x00),
	V(64, MOV_LOAD, 3, 4, 8, 8, 0, M, 0x44, 0x8b, 0x00),
	V(64, MOV_LOAD, 3, 8, 8, 15, 0, M, 0x4c, 0x8b, 0x38),
	V(64, MOV_LOAD, 4, 4, 8, 0, 0, M, 0x41, 0x8b, 0x04, 0x24),
	V(64, MOV_LOAD, 4, 4, 8, 0, 0, M, 0x41, 0x8b, 0x45, 0x00),
	V(64, MOV_LOAD, 3, 4, 8, 0, 0, M, 0x41, 0x8b, 0x00),
	V(64, MOV_LOAD, 7, 4, 8, 0, 0, M,
	  0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
	V(64, MOV_LOAD, 8, 4, 8, 0, 0, M,
	  0x42, 0x8b, 0x04, 0xed, 0x00, 0x10, 0x00, 0x00),
	V(64, MOV_LOAD, 3, 4, 4, 0, 0, M, 0x67, 0x8b, 0x00),
	V(64, MOV_LOAD, 7, 4, 4, 0, 0, M,
	  0x67, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V(64, MOV_STORE, 2, 1, 8, 4, 0, M | H, 0x88, 0x20),
	V(64, MOV_STORE, 3, 1, 8, 4, 0, M, 0x40, 0x88, 0x20),
	V(64, MOV_STORE, 3, 1, 8, 7, 0, M, 0x40, 0x88, 0x38),
	V(64, MOV_STORE, 3, 1, 8, 12, 0, M, 0x44, 0x88, 0x20),
	V(64, MOV_STORE, 3, 1, 8, 5, 0, M, 0x41, 0x88, 0x28),
	V(64, MOV_LOAD, 9, 1, 8, 0, 0, M,
	  0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V(64, MOV_LOAD, 10, 8, 8, 0, 0, M,
	  0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V(64, MOV_LOAD, 6, 4, 4, 0, 0, M, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12),
	V(64, MOV_STORE, 10, 2, 8, 0, 0, M,
	  0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V(64, MOV_STORE, 9, 1, 8, 0, 0, M,
	  0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V(64, MOV_STORE_IMM, 6, 4, 8, N, 0xfffffffb, M,
	  0xc7, 0x00, 0xfb, 0xff, 0xff, 0xff),
	V(64, MOV_STORE_IMM, 7, 8, 8, N, 0xfffffffffffffffbULL, M,
	  0x48, 0xc7, 0x00, 0xfb, 0xff, 0xff, 0xff),
	V(64, MOV_STORE_IMM, 7, 8, 8, N, 0x12345678, M,
	  0x48, 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12),
	V(64, MOV_STORE_IMM, 5, 2, 8, N, 0x8234, M,
	  0x66, 0xc7, 0x00, 0x34, 0x82),
	V(64, MOV_STORE_IMM, 3, 1, 8, N, 0x80, M, 0xc6, 0x00, 0x80),
	V(64, MOV_STORE_IMM, 4, 1, 8, N, 0x80, M, 0x41, 0xc6, 0x00, 0x80),
	V(64, MOV_STORE_IMM, 9, 8, 8, N, 1, M,
	  0x49, 0xc7, 0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x00),
	V(64, MOV_STORE_IMM, 9, 4, 8, N, 0x80000000, M,
	  0x41, 0xc7, 0x44, 0x24, 0x08, 0x00, 0x00, 0x00, 0x80),
	V(64, MOV_STORE_IMM, 11, 8, 8, N, 0x7fffffff, M,
	  0x48, 0xc7, 0x05, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f),
	V(64, MOV_TO_DR, 4, 8, 8, 9, 0, 0, 0x41, 0x0f, 0x23, 0xc9),
	V(64, MOV_FROM_DR, 3, 8, 8, 3, 0, 0, 0x0f, 0x21, 0xdb),
	V(64, MOV_TO_CR, 3, 8, 8, 0, 0, 0, 0x0f, 0x22, 0xe0),
	V(32, MOV_TO_CR, 3, 4, 4, 2, 0, 0, 0x0f, 0x22, 0xe2),
	V(64, MOV_FROM_DR, 4, 8, 8, 15, 0, 0, 0x41, 0x0f, 0x21, 0x07),
	V(64, MOVZX, 4, 8, 8, 0, 0, M | S1, 0x48, 0x0f, 0xb6, 0x00),
	V(64, MOVZX, 4, 8, 8, 9, 0, M | S2, 0x4c, 0x0f, 0xb7, 0x08),
	V(64, MOVZX, 4, 2, 8, 0, 0, M | S1, 0x66, 0x0f, 0xb6, 0x00),
	V(64, MOVSX, 4, 2, 8, 0, 0, M | S1, 0x66, 0x0f, 0xbe, 0x00),
	V(64, MOVSX, 3, 4, 8, 0, 0, M | S2, 0x0f, 0xbf, 0x00),
	V(64, MOVSX, 8, 4, 8, 15, 0, M | S1,
	  0x44, 0x0f, 0xbe, 0x3d, 0x00, 0x00, 0x00, 0x00),
};

static bool insn_matches(const struct vec *v, const struct v3_insn *insn)
{
	u8 src = v->flags & S1 ? 1 : v->flags & S2 ? 2 : 0;

	return insn->op == v->op && insn->len == v->len &&
	       insn->opsize == v->opsize && insn->addrsize == v->addrsize &&
	       insn->reg == v->reg && insn->imm == v->imm &&
	       insn->srcsize == src &&
	       insn->high_byte == !!(v->flags & H) &&
	       insn->port_imm == !!(v->flags & P) &&
	       insn->has_mem == !!(v->flags & M);
}

static void print_bytes(const char *what, const u8 *bytes, unsigned int n)
{
	unsigned int i;

	printf("# %s:", what);
	for (i = 0; i < n; i++)
		printf(" %02x", bytes[i]);
	printf("\n");
}

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

/* Each vector decodes as expected, and again with trailing bytes */
static void test_vectors(void)
{
	struct v3_insn insn, again;
	u8 buf[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		const struct vec *v = &vecs[i];
		int err;

		memset(&insn, 0xa5, sizeof(insn));
		err = v3_decode(v->bytes, v->len, v->mode, &insn);
		if (err || !insn_matches(v, &insn)) {
			print_bytes("vector", v->bytes, v->len);
			printf("# err %d op %d len %u opsize %u addrsize %u",
			       err, insn.op, insn.len, insn.opsize,
			       insn.addrsize);
			printf(" reg %u imm %#llx src %u h%d p%d m%d\n",
			       insn.reg, (unsigned long long)insn.imm,
			       insn.srcsize, insn.high_byte, insn.port_imm,
			       insn.has_mem);
			CHECK(0);
			continue;
		}
		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, v->bytes, v->len);
		CHECK(v3_decode(buf, sizeof(buf), v->mode, &again) == 0);
		CHECK(same_insn(&insn, &again));
		memset(buf + v->len, 0x0f, sizeof(buf) - v->len);
		CHECK(v3_decode(buf, v->len + 1, v->mode, &again) == 0);
		CHECK(same_insn(&insn, &again));
	}
}

/* MOV to and from a control or debug register: its number and the GPR's */
static void test_debug_regs(void)
{
	static const u8 to_dr1_r9[] = { 0x41, 0x0f, 0x23, 0xc9 };
	static const u8 from_dr3_rbx[] = { 0x0f, 0x21, 0xdb };
	static const u8 from_dr8[] = { 0x44, 0x0f, 0x21, 0xc0 };
	static const u8 locked[] = { 0xf0, 0x0f, 0x23, 0xc0 };
	static const u8 to_cr4_r10[] = { 0x41, 0x0f, 0x22, 0xe2 };
	struct v3_insn insn;

	CHECK(v3_decode(to_dr1_r9, 4, V3_MODE_64, &insn) == 0);
	CHECK(insn.op == V3_OP_MOV_TO_DR && insn.ctl == 1 && insn.reg == 9);
	CHECK(v3_decode(from_dr3_rbx, 3, V3_MODE_32, &insn) == 0);
	CHECK(insn.op == V3_OP_MOV_FROM_DR && insn.ctl == 3 && insn.reg == 3);
	CHECK(insn.opsize == 4 && !insn.has_mem);
	/* REX.R names DR8, which raises #UD: the exit handler refuses it */
	CHECK(v3_decode(from_dr8, 4, V3_MODE_64, &insn) == 0);
	CHECK(insn.ctl == 8 && insn.reg == 0);
	CHECK(v3_decode(to_cr4_r10, 4, V3_MODE_64, &insn) == 0);
	CHECK(insn.op == V3_OP_MOV_TO_CR && insn.ctl == 4 && insn.reg == 10);
	CHECK(v3_decode(locked, 4, V3_MODE_64, &insn) == -EINVAL);
}

/* Every vector cut short at every byte count wants more bytes */
static void test_truncation(void)
{
	struct v3_insn insn;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		const struct vec *v = &vecs[i];

		for (n = 0; n < v->len; n++) {
			u8 *copy = malloc(n + 1);	/* ASan sees overreads */

			memcpy(copy, v->bytes, n);
			if (v3_decode(copy, n, v->mode, &insn) != -ENODATA) {
				print_bytes("truncated", v->bytes, n);
				CHECK(0);
			}
			free(copy);
		}
	}
	CHECK(v3_decode(NULL, 0, V3_MODE_64, &insn) == -ENODATA);
}

static const u8 opsize_of[3] = { 2, 4, 4 }, addrsize_of[3] = { 2, 4, 8 };

/*
 * Every subset of six prefixes, in two orders and doubled, before a store
 * whose length is the same with either address size (89 07).
 */
static void test_prefixes(void)
{
	static const u8 pfx[6] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x65 };
	static const u8 bit[6] = {
		V3_PFX_OPSIZE, V3_PFX_ADDRSIZE, V3_PFX_REPNE, V3_PFX_REP,
		V3_PFX_SEG, V3_PFX_SEG,
	};
	unsigned int mode, mask, order, i;
	struct v3_insn insn;

	for (mode = V3_MODE_16; mode <= V3_MODE_64; mode++) {
		for (mask = 0; mask < 64; mask++) {
			for (order = 0; order < 3; order++) {
				u8 buf[16], want = 0, os, as;
				unsigned int n = 0;
				s8 seg = -1;

				for (i = 0; i < 6; i++) {
					unsigned int k = order == 1 ? 5 - i : i;

					if (!(mask & BIT(k)))
						continue;
					buf[n++] = pfx[k];
					if (order == 2)
						buf[n++] = pfx[k];
					want |= bit[k];
					if (k >= 4)
						seg = k == 4 ? 1 : 5;
				}
				buf[n++] = 0x89;
				buf[n++] = 0x07;
				os = opsize_of[mode];
				as = addrsize_of[mode];
				if (want & V3_PFX_OPSIZE)
					os = os == 2 ? 4 : 2;
				if ((want & V3_PFX_ADDRSIZE) && as == 4)
					as = mode == V3_MODE_32 ? 2 : 4;
				else if (want & V3_PFX_ADDRSIZE)
					as = 4;
				if (v3_decode(buf, n, mode, &insn) ||
				    insn.op != V3_OP_MOV_STORE ||
				    insn.len != n || insn.prefixes != want ||
				    insn.seg != seg || insn.opsize != os ||
				    insn.addrsize != as || insn.rex) {
					print_bytes("prefixes", buf, n);
					CHECK(0);
				}
			}
		}
	}
}

static void test_segments(void)
{
	static const u8 seg[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	struct v3_insn insn;
	unsigned int mode, i, j;

	for (mode = V3_MODE_16; mode <= V3_MODE_64; mode++) {
		for (i = 0; i < 6; i++) {
			for (j = 0; j < 6; j++) {
				u8 buf[] = { seg[i], seg[j], 0x6e };

				CHECK(v3_decode(buf, 3, mode, &insn) == 0);
				CHECK(insn.op == V3_OP_OUTS && insn.len == 3);
				CHECK(insn.seg == (s8)j);
				CHECK(insn.prefixes == V3_PFX_SEG);
			}
		}
		CHECK(v3_decode((const u8 *)"\x6e", 1, mode, &insn) == 0);
		CHECK(insn.seg == -1 && insn.prefixes == 0);
	}
}

static void test_rex(void)
{
	struct v3_insn insn;
	unsigned int r;

	/* the last REX counts, if nothing comes between it and the opcode */
	CHECK(v3_decode((const u8 *)"\x48\x41\x89\x07", 4, V3_MODE_64,
			&insn) == 0);
	CHECK(insn.rex == 0x41 && insn.opsize == 4 && insn.len == 4);
	CHECK(v3_decode((const u8 *)"\x4c\x2e\x89\x07", 4, V3_MODE_64,
			&insn) == 0);
	CHECK(insn.rex == 0 && insn.opsize == 4 && insn.reg == 0);
	CHECK(insn.seg == 1);
	CHECK(v3_decode((const u8 *)"\x66\x4c\x89\x07", 4, V3_MODE_64,
			&insn) == 0);
	CHECK(insn.rex == 0x4c && insn.opsize == 8 && insn.reg == 8);
	/* REX.X and REX.B do not change the length */
	CHECK(v3_decode((const u8 *)"\x43\x89\x04\x24", 4, V3_MODE_64,
			&insn) == 0);
	CHECK(insn.len == 4 && insn.reg == 0);
	/* 40-4f are INC and DEC outside 64-bit mode */
	for (r = 0x40; r < 0x50; r++) {
		u8 buf[] = { r, 0x89, 0x07 };

		CHECK(v3_decode(buf, 3, V3_MODE_32, &insn) == -EOPNOTSUPP);
		CHECK(v3_decode(buf, 3, V3_MODE_16, &insn) == -EOPNOTSUPP);
		CHECK(v3_decode(buf, 3, V3_MODE_64, &insn) == 0);
		CHECK(insn.rex == r && insn.len == 3);
		CHECK(insn.opsize == (r & 8 ? 8 : 4));
		CHECK(insn.reg == (r & 4 ? 8 : 0));
	}
}

/* Register operands: all 16 with REX.R, and AH-BH against SPL-DIL */
static void test_registers(void)
{
	struct v3_insn insn;
	unsigned int mode, r;

	for (r = 0; r < 16; r++) {
		u8 buf[] = { 0x40 | (r >> 1 & 4), 0x8b, (r & 7) << 3 };
		u8 zx[] = { 0x48 | (r >> 1 & 4), 0x0f, 0xb6, (r & 7) << 3 };

		CHECK(v3_decode(buf, 3, V3_MODE_64, &insn) == 0);
		CHECK(insn.reg == r && !insn.high_byte);
		CHECK(v3_decode(zx, 4, V3_MODE_64, &insn) == 0);
		CHECK(insn.reg == r && insn.opsize == 8 && insn.srcsize == 1);
		buf[1] = 0x8a;
		CHECK(v3_decode(buf, 3, V3_MODE_64, &insn) == 0);
		CHECK(insn.reg == r && !insn.high_byte && insn.opsize == 1);
	}
	for (mode = V3_MODE_16; mode <= V3_MODE_64; mode++) {
		for (r = 0; r < 8; r++) {
			u8 buf[] = { 0x8a, r << 3 | 7 };
			u8 wide[] = { 0x89, r << 3 | 7 };

			CHECK(v3_decode(buf, 2, mode, &insn) == 0);
			CHECK(insn.reg == r && insn.high_byte == (r >= 4));
			CHECK(v3_decode(wide, 2, mode, &insn) == 0);
			CHECK(insn.reg == r && !insn.high_byte);
		}
	}
}

/* The 15-byte limit */
static void test_max_length(void)
{
	u8 buf[32];
	struct v3_insn insn;
	unsigned int mode;

	for (mode = V3_MODE_16; mode <= V3_MODE_64; mode++) {
		memset(buf, 0x66, sizeof(buf));
		buf[14] = 0xf4;
		CHECK(v3_decode(buf, sizeof(buf), mode, &insn) == 0);
		CHECK(insn.op == V3_OP_HLT && insn.len == 15);
		buf[14] = 0x66;
		buf[15] = 0xf4;
		CHECK(v3_decode(buf, sizeof(buf), mode, &insn) == -EINVAL);
		CHECK(v3_decode(buf, 15, mode, &insn) == -EINVAL);
		CHECK(v3_decode(buf, 14, mode, &insn) == -ENODATA);
		/* a prefixed opcode whose ModRM is byte 16 */
		buf[13] = 0x0f;
		buf[14] = 0xb6;
		buf[15] = 0x00;
		CHECK(v3_decode(buf, sizeof(buf), mode, &insn) == -EINVAL);
	}
	/* 3 prefixes, REX, opcode, ModRM, SIB, disp32, imm32: 15 bytes */
	memcpy(buf, "\x2e\x66\x67\x48\xc7\x84\x24\x00\x01\x00\x00"
	       "\x78\x56\x34\x12\x00", 16);
	CHECK(v3_decode(buf, sizeof(buf), V3_MODE_64, &insn) == 0);
	CHECK(insn.len == 15 && insn.opsize == 8 && insn.addrsize == 4);
	CHECK(insn.imm == 0x12345678);
	/*
	 * One prefix more: the immediate would end at byte 16, which is
	 * certain once the SIB is there.
	 */
	memmove(buf + 1, buf, 15);
	CHECK(v3_decode(buf, sizeof(buf), V3_MODE_64, &insn) == -EINVAL);
	CHECK(v3_decode(buf, 15, V3_MODE_64, &insn) == -EINVAL);
	CHECK(v3_decode(buf, 8, V3_MODE_64, &insn) == -EINVAL);
	CHECK(v3_decode(buf, 7, V3_MODE_64, &insn) == -ENODATA);
	/* six prefixes, REX.W a1 and an 8-byte moffs: 16 bytes */
	memcpy(buf, "\x66\x66\x66\x66\x66\x66\x48\xa1", 8);
	CHECK(v3_decode(buf, sizeof(buf), V3_MODE_64, &insn) == -EINVAL);
	CHECK(v3_decode(buf + 1, sizeof(buf) - 1, V3_MODE_64, &insn) == 0);
	CHECK(insn.len == 15);
}

/*
 * Refused byte strings, and how many bytes of each make the refusal
 * certain: fewer want more bytes, more change nothing.
 */
struct refusal {
	enum v3_cpu_mode mode;
	int err;
	u8 at;
	u8 len;
	u8 bytes[12];
};

#define R(m, e, a, ...) {						\
	.mode = V3_MODE_##m, .err = e, .at = a,				\
	.len = sizeof((u8[]){ __VA_ARGS__ }), .bytes = { __VA_ARGS__ },	\
}

static const struct refusal refusals[] = {
	/* register forms of the MOVs */
	R(16, -EOPNOTSUPP, 2, 0x89, 0xc0),
	R(32, -EOPNOTSUPP, 2, 0x8b, 0xc0),
	R(64, -EOPNOTSUPP, 3, 0x48, 0x88, 0xff),
	R(64, -EOPNOTSUPP, 2, 0x8a, 0xc4),
	R(32, -EOPNOTSUPP, 2, 0xc6, 0xc0, 0x12),
	R(64, -EOPNOTSUPP, 2, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00),
	R(32, -EOPNOTSUPP, 3, 0x0f, 0xb6, 0xc0),
	R(64, -EOPNOTSUPP, 3, 0x0f, 0xb7, 0xc0),
	R(16, -EOPNOTSUPP, 3, 0x0f, 0xbe, 0xc0),
	R(64, -EOPNOTSUPP, 4, 0x48, 0x0f, 0xbf, 0xc0),
	/* c6 and c7 other than /0: XABORT, XBEGIN, invalid */
	R(32, -EOPNOTSUPP, 2, 0xc6, 0x08, 0x12),
	R(64, -EOPNOTSUPP, 2, 0xc6, 0xf8, 0x01),
	R(64, -EOPNOTSUPP, 2, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
	R(16, -EOPNOTSUPP, 2, 0xc7, 0x38, 0x00, 0x00),
	/* VEX and EVEX in 64-bit mode, LES/LDS/BOUND elsewhere */
	R(64, -EOPNOTSUPP, 1, 0xc5, 0xf8, 0x77),
	R(64, -EOPNOTSUPP, 1, 0xc4, 0xe1, 0x79, 0x6e, 0xc0),
	R(64, -EOPNOTSUPP, 1, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x00),
	R(32, -EOPNOTSUPP, 1, 0xc5, 0x00),
	R(32, -EOPNOTSUPP, 1, 0xc4, 0x00),
	R(16, -EOPNOTSUPP, 1, 0x62, 0x00),
	/* other instructions */
	R(64, -EOPNOTSUPP, 1, 0x90),
	R(64, -EOPNOTSUPP, 1, 0xcc),
	R(64, -EOPNOTSUPP, 2, 0x0f, 0x05),
	R(32, -EOPNOTSUPP, 2, 0x0f, 0x0b),
	R(32, -EOPNOTSUPP, 3, 0x0f, 0x01, 0xd8),
	R(64, -EOPNOTSUPP, 3, 0x0f, 0x01, 0xc2),
	R(16, -EOPNOTSUPP, 3, 0x0f, 0x01, 0x00, 0x00),
	R(64, -EOPNOTSUPP, 2, 0x0f, 0x31),
	R(32, -EOPNOTSUPP, 2, 0x0f, 0x0f, 0x00, 0xbf),
	R(64, -EOPNOTSUPP, 3, 0x66, 0x0f, 0x38, 0x00, 0x00),
	R(64, -EOPNOTSUPP, 1, 0x69, 0x00, 0x01, 0x00, 0x00, 0x00),
	R(64, -EOPNOTSUPP, 2, 0x48, 0x8d, 0x00),
	R(16, -EOPNOTSUPP, 1, 0x40, 0xf4),
	R(32, -EOPNOTSUPP, 2, 0x66, 0x48, 0x89, 0x00),
	/* LOCK on the known instructions */
	R(64, -EINVAL, 2, 0xf0, 0x89, 0x00),
	R(32, -EINVAL, 3, 0xf0, 0x0f, 0xa2),
	R(16, -EINVAL, 2, 0xf0, 0xf4),
	R(64, -EINVAL, 4, 0x66, 0xf0, 0x48, 0xc7, 0x00, 0, 0, 0, 0),
	R(32, -EINVAL, 4, 0xf0, 0x0f, 0x01, 0xd9),
	R(64, -EINVAL, 4, 0xf0, 0x0f, 0x01, 0xc1),
	R(64, -EINVAL, 2, 0xf0, 0xe4, 0x80),
	/* LOCK where memory is not written: CMP, TEST, BT, memory sources */
	R(64, -EINVAL, 3, 0xf0, 0x39, 0x00),
	R(32, -EINVAL, 3, 0xf0, 0x80, 0x38, 0x01),
	R(64, -EINVAL, 2, 0xf0, 0x03, 0x00),
	R(16, -EINVAL, 2, 0xf0, 0x85, 0x00),
	R(64, -EINVAL, 3, 0xf0, 0xf6, 0x00, 0x12),
	R(32, -EINVAL, 3, 0xf0, 0x0f, 0xa3, 0x00),
	R(64, -EINVAL, 4, 0xf0, 0x0f, 0xba, 0x20, 0x01),
	/* LOCK on others */
	R(64, -EOPNOTSUPP, 3, 0xf0, 0x0f, 0xaf, 0x00),
	R(32, -EOPNOTSUPP, 4, 0xf0, 0x0f, 0x01, 0xc2),
	/* register forms of the ALU instructions never exit */
	R(64, -EOPNOTSUPP, 2, 0x01, 0xc0),
	R(32, -EOPNOTSUPP, 2, 0x80, 0xc0, 0x01),
	R(64, -EOPNOTSUPP, 3, 0x0f, 0xba, 0xe0, 0x01),
	/* group members the core does not emulate: MUL, DIV, CALL, PUSH */
	R(64, -EOPNOTSUPP, 2, 0xf6, 0x20),
	R(32, -EOPNOTSUPP, 2, 0xf7, 0x30),
	R(64, -EOPNOTSUPP, 2, 0xff, 0x10),
	R(16, -EOPNOTSUPP, 2, 0xff, 0x30),
	R(64, -EOPNOTSUPP, 2, 0xfe, 0x10),
	R(64, -EOPNOTSUPP, 3, 0x0f, 0xba, 0x00, 0x01),
	R(32, -EOPNOTSUPP, 2, 0xf6, 0x08, 0x01),
};

/* Refusals come as soon as they are certain, and do not change after */
static void test_refusals(void)
{
	struct v3_insn insn;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *r = &refusals[i];
		u8 buf[32];

		memset(buf, 0, sizeof(buf));
		memcpy(buf, r->bytes, r->len);
		for (n = 0; n <= sizeof(buf); n++) {
			int want = n < r->at ? -ENODATA : r->err;

			if (v3_decode(buf, n, r->mode, &insn) != want) {
				print_bytes("refusal", buf, n);
				CHECK(0);
			}
		}
	}
}

/*
 * Cross-check against binutils: assemble a generated set of instructions
 * of each mode with as, take each instruction's bytes from objdump -d, and
 * decode them.
 */

#define XC_MAX	12288

struct xcheck {
	FILE *f;
	unsigned int n;
	u8 ops[XC_MAX];
};

static __printf(3, 4)
void emit(struct xcheck *x, enum v3_insn_op op, const char *fmt, ...)
{
	va_list args;

	if (x->n >= XC_MAX)
		return;
	va_start(args, fmt);
	vfprintf(x->f, fmt, args);
	va_end(args);
	fputc('\n', x->f);
	x->ops[x->n++] = op;
}

static const char * const regs64[4][16] = {
	{ "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	  "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	  "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	  "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" },
	{ "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" },
};

static const char * const regs_legacy[3][8] = {
	{ "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" },
};

/* Memory operands that need no REX come first */
static const char * const mem64[] = {
	"(%rax)", "(%rsp)", "(%rbp)", "0x12(%rbx)", "-0x80(%rbp)",
	"0x12345678(%rcx)", "(%rax,%rbx,4)", "0x10(%rsp,%rcx,8)",
	"0x1234(,%rdx,2)", "0x1234", "0x0(%rip)", "-0x1000(%rip)",
	"(%eax)", "0x12(%esp)", "0x12345(%ebp,%esi,2)", "%fs:0x10(%rax)",
	"%gs:(%rdi)", "%es:0x7f(%rsi)",
	"(%r12)", "(%r13)", "0x7f(%r13,%r14,1)", "-0x81(%r8,%r12,8)",
	"(%r9d,%r10d)", "0x100(,%r15,4)",
};

#define MEM64_LEGACY	18

static const char * const mem32[] = {
	"(%eax)", "(%esp)", "(%ebp)", "0x12(%ebx)", "-0x80(%ebp)",
	"0x12345678(%ecx)", "(%eax,%ebx,4)", "0x10(%esp,%ecx,8)",
	"0x1234(,%edx,2)", "0x1234", "%fs:0x10(%eax)", "%es:(%edi)",
	"%ss:(%esi,%edi)", "(%bx,%si)", "0x12(%bp)", "0x1234(%bx,%di)",
	"(%bp)",
};

static const char * const mem16[] = {
	"(%bx,%si)", "(%bp,%di)", "(%si)", "(%bx)", "0x1234", "0x12(%bp)",
	"-0x2(%bp,%si)", "0x1234(%bx,%di)", "(%bp)", "%es:(%bx)",
	"(%eax)", "0x12(%esp)", "0x12345678(%ebp,%ecx,4)",
	"%gs:0x10(%eax,%eax,2)", "(%ebp)", "0x1234",
};

static const char * const sfx = "bwlq";

static void gen_common(struct xcheck *x, enum v3_cpu_mode mode)
{
	const char *si = mode == V3_MODE_64 ? "rsi" :
			 mode == V3_MODE_32 ? "esi" : "si";
	const char *a32 = mode == V3_MODE_32 ? "addr16" : "addr32";
	unsigned int s;

	emit(x, V3_OP_CPUID, "cpuid");
	emit(x, V3_OP_RDMSR, "rdmsr");
	emit(x, V3_OP_WRMSR, "wrmsr");
	emit(x, V3_OP_HLT, "hlt");
	emit(x, V3_OP_VMMCALL, "vmmcall");
	emit(x, V3_OP_INVD, "invd");
	emit(x, V3_OP_WBINVD, "wbinvd");
	emit(x, V3_OP_RDPMC, "rdpmc");
	emit(x, V3_OP_MOV_TO_CR, "mov %%%s, %%cr4",
	     mode == V3_MODE_64 ? "rdx" : "edx");
	for (s = 0; s < 4; s++) {
		const char *r = mode == V3_MODE_64 ? regs64[3][s] :
				regs_legacy[2][s];

		emit(x, V3_OP_MOV_FROM_DR, "mov %%db%u, %%%s", s, r);
		emit(x, V3_OP_MOV_TO_DR, "mov %%%s, %%db%u", r, 7 - s);
	}
	if (mode == V3_MODE_64) {
		emit(x, V3_OP_MOV_TO_DR, "mov %%r13, %%db2");
		emit(x, V3_OP_MOV_FROM_DR, "mov %%db6, %%r8");
	}
	for (s = 0; s < 3; s++) {
		const char *acc = regs_legacy[s][0];

		emit(x, V3_OP_IN, "in%c $0x80, %%%s", sfx[s], acc);
		emit(x, V3_OP_IN, "in%c (%%dx), %%%s", sfx[s], acc);
		emit(x, V3_OP_OUT, "out%c %%%s, $0xe9", sfx[s], acc);
		emit(x, V3_OP_OUT, "out%c %%%s, (%%dx)", sfx[s], acc);
		emit(x, V3_OP_INS, "ins%c", sfx[s]);
		emit(x, V3_OP_INS, "rep ins%c", sfx[s]);
		emit(x, V3_OP_OUTS, "outs%c", sfx[s]);
		emit(x, V3_OP_OUTS, "rep outs%c", sfx[s]);
		emit(x, V3_OP_OUTS, "%s rep outs%c", a32, sfx[s]);
		emit(x, V3_OP_INS, "%s ins%c", a32, sfx[s]);
		emit(x, V3_OP_OUTS, "outs%c %%fs:(%%%s), (%%dx)", sfx[s], si);
	}
}

/* The ALU instructions and XCHG on memory operand @m, one register each */
static void gen_alu(struct xcheck *x, const char *m, unsigned int j,
		    unsigned int nsizes, unsigned int nregs,
		    const char * const *regs, unsigned int stride)
{
	static const char * const alu2[] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
	};
	static const char * const alu1[] = { "inc", "dec", "not", "neg" };
	static const char * const bt[] = { "bt", "bts", "btr", "btc" };
	unsigned int s, o, r = (j * 5 + 3) % nregs;

	for (s = 0; s < nsizes; s++) {
		const char *reg = regs[s * stride + r];

		for (o = 0; o < ARRAY_SIZE(alu2); o++) {
			emit(x, V3_OP_ALU, "%s%c %%%s, %s", alu2[o], sfx[s],
			     reg, m);
			emit(x, V3_OP_ALU, "%s%c %s, %%%s", alu2[o], sfx[s], m,
			     reg);
			emit(x, V3_OP_ALU, "%s%c $0x12, %s", alu2[o], sfx[s],
			     m);
			if (s)
				emit(x, V3_OP_ALU, "%s%c $0x1234, %s", alu2[o],
				     sfx[s], m);
		}
		emit(x, V3_OP_ALU, "test%c %%%s, %s", sfx[s], reg, m);
		emit(x, V3_OP_ALU, "test%c $0x5a, %s", sfx[s], m);
		for (o = 0; o < ARRAY_SIZE(alu1); o++)
			emit(x, V3_OP_ALU, "%s%c %s", alu1[o], sfx[s], m);
		emit(x, V3_OP_XCHG, "xchg%c %%%s, %s", sfx[s], reg, m);
		emit(x, V3_OP_ALU, "lock add%c %%%s, %s", sfx[s], reg, m);
		emit(x, V3_OP_ALU, "lock dec%c %s", sfx[s], m);
		if (!s)
			continue;
		for (o = 0; o < ARRAY_SIZE(bt); o++) {
			emit(x, V3_OP_ALU, "%s%c %%%s, %s", bt[o], sfx[s], reg,
			     m);
			emit(x, V3_OP_ALU, "%s%c $%u, %s", bt[o], sfx[s], o * 9,
			     m);
		}
		emit(x, V3_OP_ALU, "lock btc%c $3, %s", sfx[s], m);
	}
}

static void gen_mem(struct xcheck *x, const char *m, unsigned int j,
		    unsigned int nsizes, unsigned int nregs,
		    const char * const *regs, unsigned int stride)
{
	unsigned int s, r;

	for (s = 0; s < nsizes; s++) {
		for (r = 0; r < nregs; r++) {
			const char *reg = regs[s * stride + r];

			emit(x, V3_OP_MOV_STORE, "mov %%%s, %s", reg, m);
			emit(x, V3_OP_MOV_LOAD, "mov %s, %%%s", m, reg);
		}
	}
	gen_alu(x, m, j, nsizes, nregs, regs, stride);
	emit(x, V3_OP_MOV_STORE_IMM, "movb $0x7f, %s", m);
	emit(x, V3_OP_MOV_STORE_IMM, "movw $0x1234, %s", m);
	emit(x, V3_OP_MOV_STORE_IMM, "movl $0x12345678, %s", m);
	r = j % nregs;
	emit(x, V3_OP_MOVZX, "movzbw %s, %%%s", m, regs[1 * stride + r]);
	emit(x, V3_OP_MOVZX, "movzbl %s, %%%s", m, regs[2 * stride + r]);
	emit(x, V3_OP_MOVZX, "movzwl %s, %%%s", m, regs[2 * stride + r]);
	emit(x, V3_OP_MOVSX, "movsbw %s, %%%s", m, regs[1 * stride + r]);
	emit(x, V3_OP_MOVSX, "movsbl %s, %%%s", m, regs[2 * stride + r]);
	emit(x, V3_OP_MOVSX, "movswl %s, %%%s", m, regs[2 * stride + r]);
	if (nsizes == 4) {
		emit(x, V3_OP_MOV_STORE_IMM, "movq $-2, %s", m);
		emit(x, V3_OP_MOV_STORE_IMM, "movq $0x7fffffff, %s", m);
		emit(x, V3_OP_MOVZX, "movzbq %s, %%%s", m,
		     regs[3 * stride + r]);
		emit(x, V3_OP_MOVZX, "movzwq %s, %%%s", m,
		     regs[3 * stride + r]);
		emit(x, V3_OP_MOVSX, "movsbq %s, %%%s", m,
		     regs[3 * stride + r]);
		emit(x, V3_OP_MOVSX, "movswq %s, %%%s", m,
		     regs[3 * stride + r]);
	}
}

static void gen64(struct xcheck *x)
{
	unsigned int j, r;

	gen_common(x, V3_MODE_64);
	for (j = 0; j < ARRAY_SIZE(mem64); j++)
		gen_mem(x, mem64[j], j, 4, 16, &regs64[0][0], 16);
	for (j = 0; j < MEM64_LEGACY; j++)
		for (r = 4; r < 8; r++) {
			emit(x, V3_OP_MOV_STORE, "mov %%%s, %s",
			     regs_legacy[0][r], mem64[j]);
			emit(x, V3_OP_MOV_LOAD, "mov %s, %%%s", mem64[j],
			     regs_legacy[0][r]);
		}
	for (r = 0; r < 4; r++) {
		emit(x, V3_OP_MOV_LOAD, "movabs 0x1122334455667788, %%%s",
		     regs64[r][0]);
		emit(x, V3_OP_MOV_STORE, "movabs %%%s, 0x1122334455667788",
		     regs64[r][0]);
		emit(x, V3_OP_MOV_LOAD, "addr32 movabs 0x11223344, %%%s",
		     regs64[r][0]);
	}
}

static void gen_legacy(struct xcheck *x, enum v3_cpu_mode mode,
		       const char * const *mems, unsigned int nmems)
{
	const char *moffs = mode == V3_MODE_16 ? "0x1234" : "0x12345678";
	unsigned int j, s;

	gen_common(x, mode);
	for (j = 0; j < nmems; j++)
		gen_mem(x, mems[j], j, 3, 8, &regs_legacy[0][0], 8);
	for (s = 0; s < 3; s++) {
		emit(x, V3_OP_MOV_LOAD, "mov %s, %%%s", moffs,
		     regs_legacy[s][0]);
		emit(x, V3_OP_MOV_STORE, "mov %%%s, %s", regs_legacy[s][0],
		     moffs);
		emit(x, V3_OP_MOV_STORE, "mov %%%s, %%fs:%s",
		     regs_legacy[s][0], moffs);
	}
}

static int run(const char *cmd, char *out, size_t size)
{
	size_t len = 0;
	FILE *p;
	int status;

	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len + 1 < size && fgets(out + len, size - len, p))
		len += strlen(out + len);
	out[len] = '\0';
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static unsigned int hex(char c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static void xcheck_mode(enum v3_cpu_mode mode)
{
	static const char * const as_flags[] = { "--32", "--32", "--64" };
	static const char * const dirs[] = { ".code16", ".code32", ".code64" };
	static const char * const machine[] = {
		"-m i8086", "-m i386", "-m i386:x86-64",
	};
	static struct xcheck x;
	static char out[1 << 20];
	char dir[] = "/tmp/palacios-decode-XXXXXX", src[64], obj[64];
	char cmd[512];
	unsigned int line = 0, bad = 0;
	char *p, *next;
	int status;

	if (!mkdtemp(dir)) {
		printf("# cross-check: mkdtemp: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	snprintf(src, sizeof(src), "%s/x.s", dir);
	snprintf(obj, sizeof(obj), "%s/x.o", dir);
	x.f = fopen(src, "w");
	x.n = 0;
	CHECK(x.f);
	if (!x.f)
		goto out;
	fprintf(x.f, "%s\n", dirs[mode]);
	if (mode == V3_MODE_64)
		gen64(&x);
	else if (mode == V3_MODE_32)
		gen_legacy(&x, mode, mem32, ARRAY_SIZE(mem32));
	else
		gen_legacy(&x, mode, mem16, ARRAY_SIZE(mem16));
	fclose(x.f);

	snprintf(cmd, sizeof(cmd), "as %s -o %s %s 2>&1", as_flags[mode],
		 obj, src);
	status = run(cmd, out, sizeof(out));
	if (status) {
		printf("# cross-check: `%s` failed (exit %d)\n", cmd, status);
		printf("# binutils' as is needed for this test\n");
		printf("# %.1000s\n", out);
		CHECK(0);
		goto out;
	}
	snprintf(cmd, sizeof(cmd),
		 "objdump -d -z --insn-width=15 %s %s 2>&1", machine[mode],
		 obj);
	status = run(cmd, out, sizeof(out));
	if (status) {
		printf("# cross-check: `%s` failed (exit %d)\n", cmd, status);
		printf("# binutils' objdump is needed for this test\n");
		CHECK(0);
		goto out;
	}

	for (p = out; *p; p = next) {
		u8 bytes[V3_INSN_MAX_LEN];
		unsigned int n = 0;
		struct v3_insn insn;
		char *tab;
		int err;

		next = strchr(p, '\n');
		next = next ? next + 1 : p + strlen(p);
		tab = strchr(p, '\t');
		if (!tab || tab > next || tab == p || tab[-1] != ':')
			continue;
		/* "addr:\tbytes\tmnemonic": the bytes are "xx " each */
		for (tab++; n < V3_INSN_MAX_LEN && isxdigit(tab[0]) &&
		     isxdigit(tab[1]) && tab[2] == ' '; tab += 3)
			bytes[n++] = hex(tab[0]) << 4 | hex(tab[1]);
		err = v3_decode(bytes, n, mode, &insn);
		if (line >= x.n || err || insn.len != n ||
		    insn.op != x.ops[line]) {
			if (bad++ < 10) {
				printf("# cross-check mode %u line %u: err %d",
				       mode, line, err);
				printf(" len %u op %d want %d\n",
				       err ? 0 : insn.len, err ? 0 : insn.op,
				       line < x.n ? x.ops[line] : -1);
				printf("# %.*s", (int)(next - p), p);
			}
		}
		line++;
	}
	if (line != x.n)
		printf("# cross-check mode %u: objdump shows %u instructions, %u assembled\n",
		       mode, line, x.n);
	printf("# cross-check mode %u: %u instructions from as\n", mode, x.n);
	CHECK(line == x.n && x.n > 100);
	CHECK(bad == 0);
out:
	unlink(src);
	unlink(obj);
	rmdir(dir);
}

static void test_binutils(void)
{
	xcheck_mode(V3_MODE_16);
	xcheck_mode(V3_MODE_32);
	xcheck_mode(V3_MODE_64);
}

/*
 * The ALU forms and XCHG: the operation, which operand is memory, the
 * source register or immediate (sign-extended as the CPU does), LOCK
 */
struct alu_vec {
	enum v3_cpu_mode mode;
	enum v3_insn_op op;
	enum v3_alu_op alu;
	bool mem_src;
	u8 len;
	u8 opsize;
	u8 reg;
	bool high_byte;
	bool lock;
	u64 imm;
	u8 bytes[V3_INSN_MAX_LEN];
};

#define A(m, o, a, ms, l, os, r, hb, lk, im, ...) {			\
	.mode = V3_MODE_##m, .op = V3_OP_##o, .alu = V3_ALU_##a,	\
	.mem_src = ms, .len = l, .opsize = os, .reg = r,		\
	.high_byte = hb, .lock = lk, .imm = im,				\
	.bytes = { __VA_ARGS__ },					\
}

static const struct alu_vec alu_vecs[] = {
	A(64, ALU, ADD, 0, 2, 4, 3, 0, 0, 0, 0x01, 0x18),
	A(64, ALU, SUB, 1, 3, 8, 1, 0, 0, 0, 0x48, 0x2b, 0x08),
	A(32, ALU, CMP, 0, 3, 4, N, 0, 0, 0xffffffff, 0x83, 0x38, 0xff),
	A(64, ALU, SUB, 0, 4, 8, N, 0, 0, ~0ULL, 0x48, 0x83, 0x28, 0xff),
	A(16, ALU, ADD, 0, 3, 2, N, 0, 0, 0xff80, 0x83, 0x07, 0x80),
	A(64, ALU, AND, 0, 7, 8, N, 0, 0, 0xffffffff80000000ULL,
	  0x48, 0x81, 0x20, 0x00, 0x00, 0x00, 0x80),
	A(16, ALU, OR, 0, 4, 2, N, 0, 0, 0x1234, 0x81, 0x0f, 0x34, 0x12),
	A(32, ALU, ADC, 1, 2, 1, 4, 1, 0, 0, 0x12, 0x20),
	A(64, ALU, SBB, 0, 3, 1, 4, 0, 0, 0, 0x40, 0x18, 0x20),
	A(64, ALU, XOR, 0, 3, 1, N, 0, 0, 0x80, 0x80, 0x30, 0x80),
	A(64, ALU, TEST, 0, 4, 1, N, 0, 0, 0x5a, 0xf6, 0x40, 0x10, 0x5a),
	A(32, ALU, TEST, 0, 2, 4, 2, 0, 0, 0, 0x85, 0x10),
	A(64, ALU, NEG, 0, 2, 4, N, 0, 0, 0, 0xf7, 0x18),
	A(64, ALU, NOT, 0, 3, 2, N, 0, 0, 0, 0x66, 0xf7, 0x10),
	A(64, ALU, DEC, 0, 2, 1, N, 0, 0, 0, 0xfe, 0x08),
	A(64, ALU, INC, 0, 3, 8, N, 0, 0, 0, 0x48, 0xff, 0x00),
	A(64, ALU, BTS, 0, 5, 2, N, 0, 0, 7, 0x66, 0x0f, 0xba, 0x28, 0x07),
	A(32, ALU, BT, 0, 4, 4, N, 0, 0, 31, 0x0f, 0xba, 0x20, 0x1f),
	A(64, ALU, BTC, 0, 3, 4, 2, 0, 0, 0, 0x0f, 0xbb, 0x10),
	A(64, ALU, BTR, 0, 4, 8, 9, 0, 0, 0, 0x4c, 0x0f, 0xb3, 0x08),
	A(32, XCHG, ADD, 0, 2, 1, 4, 1, 0, 0, 0x86, 0x20),
	A(64, XCHG, ADD, 0, 3, 8, 10, 0, 0, 0, 0x4c, 0x87, 0x10),
	A(64, ALU, OR, 0, 4, 8, 2, 0, 1, 0, 0xf0, 0x48, 0x09, 0x10),
	A(64, ALU, BTS, 0, 5, 4, N, 0, 1, 3, 0xf0, 0x0f, 0xba, 0x28, 0x03),
};

static void test_alu_forms(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alu_vecs); i++) {
		const struct alu_vec *v = &alu_vecs[i];
		struct v3_insn insn;
		int err;

		memset(&insn, 0xa5, sizeof(insn));
		err = v3_decode(v->bytes, v->len, v->mode, &insn);
		if (err || insn.op != v->op || insn.len != v->len ||
		    (v->op == V3_OP_ALU && insn.alu != v->alu) ||
		    insn.mem_src != v->mem_src || insn.opsize != v->opsize ||
		    insn.reg != v->reg || insn.high_byte != v->high_byte ||
		    !!(insn.prefixes & V3_PFX_LOCK) != v->lock ||
		    insn.imm != v->imm || !insn.has_mem) {
			print_bytes("alu form", v->bytes, v->len);
			printf("# err %d op %d alu %u mem_src %d len %u",
			       err, insn.op, insn.alu, insn.mem_src, insn.len);
			printf(" opsize %u reg %u h%d imm %#llx\n",
			       insn.opsize, insn.reg, insn.high_byte,
			       (unsigned long long)insn.imm);
			CHECK(0);
		}
	}
}

static const struct test_case decode_cases[] = {
	{ "vectors", test_vectors },
	{ "debug_regs", test_debug_regs },
	{ "truncation", test_truncation },
	{ "prefixes", test_prefixes },
	{ "segments", test_segments },
	{ "rex", test_rex },
	{ "registers", test_registers },
	{ "max_length", test_max_length },
	{ "refusals", test_refusals },
	{ "alu_forms", test_alu_forms },
	{ "binutils", test_binutils },
};

const struct test_suite decode_suite = {
	.name = "decode",
	.cases = decode_cases,
	.nr = ARRAY_SIZE(decode_cases),
};
