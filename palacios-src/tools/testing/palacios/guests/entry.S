/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The image header and entry code of the LONG64 test guests.
 *
 * The header is laid out as struct v3_image_header in
 * <palacios/image.h>; guest_mode and guest_mem_size come from the
 * Makefile (ld --defsym), the addresses from guest.lds.
 */

	.section .header, "a"
	.ascii	"PALACIOS"		/* magic */
	.long	1			/* version */
	.long	64			/* header_size */
	.long	guest_mode		/* mode: V3_IMAGE_LONG64 */
	.long	1			/* nr_vcpus */
	.quad	guest_mem_size		/* mem_size */
	.quad	__image_start		/* load_gpa */
	.quad	_start			/* entry */
	.quad	__stack_top		/* stack */
	.long	0			/* flags */
	.long	0			/* reserved */

	.text
	.code64
	.globl	_start
_start:
	/* RDI is the memory size; the stack (in the BSS) is still unused. */
	mov	%rdi, %r12
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	cld
	rep stosb
	lea	__stack_top(%rip), %rsp
	mov	%r12, %rdi
	call	guest_start
1:	cli
	hlt
	jmp	1b

/*
 * One 16-byte stub per vector, exceptions and interrupts 32 to 63: push a
 * 0 error code for the vectors that have none, push the vector, go to
 * trap_common.
 */
	.align	16
	.globl	trap_stubs
trap_stubs:
	vec = 0
	.rept	64
	.align	16
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX */
	.if	vec >= 32 || !(vec == 8 || (vec >= 10 && vec <= 14) || \
			       vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	vec = vec + 1
	.endr

/*
 * The CPU aligned RSP to 16 bytes before pushing its 5 words; with the
 * error code, the vector and 15 registers, RSP is aligned again here.
 */
trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* the vector and the error code */
	iretq

/* The stack, at the end of the BSS */
	.section .stack, "aw", @nobits
	.align	16
	.skip	16384
	.globl	__stack_top
__stack_top:

	.section .note.GNU-stack, "", @progbits
