/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acloop: the #AC loop of CVE-2015-5307, for real hardware.
 *
 * A 32-bit protected-mode guest with CR0.AM and EFLAGS.AC set drops to
 * CPL 3 on a misaligned stack and makes a misaligned access.  Its #AC
 * handler is in a conforming code segment, so the CPU delivers the #AC at
 * CPL 3, without a stack switch: pushing the frame on the misaligned stack
 * raises #AC again, and again, in microcode.  On a CPU that does not
 * intercept #AC that loop locks it, NMIs included.  Palacios intercepts
 * #AC, so each one is an exit: the guest loops for ever, the host goes on,
 * and the VM can be stopped ("palacios stats" counts the exceptions).
 *
 * A CPU that does not check alignment (QEMU's TCG) raises no #AC at all:
 * the guest says so and exits with code 2.  Should the handler ever run
 * (the CPU delivered the #AC once), it says so and exits with code 1.
 */

#define COM1		0x3f8
#define CR0_AM		(1 << 18)
#define EFL_AC		(1 << 18)
#define EFL_IOPL3	(3 << 12)
#define SEL_CODE0	0x08
#define SEL_DATA0	0x10
#define SEL_CODE3	(0x18 | 3)
#define SEL_DATA3	(0x20 | 3)
#define SEL_CONFORM	0x28
#define HCALL_EXIT	0

	.section .header, "a"
	.ascii	"PALACIOS"		/* magic */
	.long	1			/* version */
	.long	64			/* header_size */
	.long	guest_mode		/* mode: V3_IMAGE_PROT32 */
	.long	1			/* nr_vcpus */
	.quad	guest_mem_size		/* mem_size */
	.quad	__image_start		/* load_gpa */
	.quad	_start			/* entry */
	.quad	__stack_top		/* stack */
	.long	0			/* flags */
	.long	0			/* reserved */

	.text
	.code32
	.globl	_start
_start:
	lgdt	gdt_desc
	ljmp	$SEL_CODE0, $1f
1:	mov	$SEL_DATA0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$__stack_top, %esp
	mov	$ac_handler, %eax	/* the #AC gate's offset */
	mov	%ax, idt + 17 * 8
	shr	$16, %eax
	mov	%ax, idt + 17 * 8 + 6
	lidt	idt_desc
	mov	$msg_begin, %esi
	call	puts
	mov	%cr0, %eax
	or	$CR0_AM, %eax
	mov	%eax, %cr0
	/* to CPL 3, on a stack 2 bytes off alignment, AC and IOPL 3 set */
	push	$SEL_DATA3
	push	$(ring3_stack_top - 2)
	push	$(EFL_AC | EFL_IOPL3 | 2)
	push	$SEL_CODE3
	push	$ring3
	iret

ring3:
	mov	$SEL_DATA3, %ax
	mov	%ax, %ds
	mov	%ax, %es
	/* a misaligned load: #AC, whose delivery raises #AC... */
	mov	(misaligned), %eax
	mov	$msg_no_ac, %esi
	call	puts
	mov	$2, %ebx
	jmp	exit

/* The #AC handler, in the conforming segment: it runs at CPL 3 */
ac_handler:
	mov	$msg_once, %esi
	call	puts
	mov	$1, %ebx
exit:
	mov	$HCALL_EXIT, %eax
	vmmcall
1:	jmp	1b

/* Print the NUL-terminated string at ESI on COM1 (IOPL 3 allows it). */
puts:
	mov	$COM1, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:	ret

	.section .rodata
msg_begin:
	.asciz	"acloop: the loop begins\n"
msg_no_ac:
	.asciz	"acloop: no #AC: this CPU does not check alignment\n"
msg_once:
	.asciz	"acloop: FAIL the #AC was delivered once, without a loop\n"

	.align	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: code, DPL 0 */
	.quad	0x00cf93000000ffff	/* 0x10: data, DPL 0 */
	.quad	0x00cffb000000ffff	/* 0x18: code, DPL 3 */
	.quad	0x00cff3000000ffff	/* 0x20: data, DPL 3 */
	.quad	0x00cf9f000000ffff	/* 0x28: conforming code, DPL 0 */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.data
	.align	8
/* 18 gates; #AC (17) to the conforming segment, a 32-bit trap gate, DPL 3 */
idt:
	.fill	17 * 2, 4, 0
	.word	0			/* offset 15:0, written by _start */
	.word	SEL_CONFORM
	.word	0xef00			/* P, DPL 3, 32-bit trap gate */
	.word	0			/* offset 31:16, written by _start */
idt_end:
idt_desc:
	.word	idt_end - idt - 1
	.long	idt
	.long	0x12345678, 0x9abcdef0
misaligned = idt_desc + 4 + 1

	.bss
	.align	16
	.space	4096
ring3_stack_top:
	.section .stack, "aw", @nobits
	.space	4096
	.globl	__stack_top
__stack_top:
