/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench: the exit-cost benchmark, a REAL16 guest.  For BENCH_N iterations
 * each, it times with rdtsc a loop of CPUID (EAX = 0), a loop of OUT to
 * port 0x80 and a loop of NOP hypercalls, and prints on COM1 one line per
 * loop, "BENCH <name> <iterations> <TSC cycles>" (decimal), then
 * "BENCH done", then makes the EXIT(0) hypercall.  The hypercall is the
 * CPU's own: VMCALL ("vmcall") on an Intel CPU, else VMMCALL ("vmmcall");
 * the other vendor's instruction raises #UD, which a VMM emulates at a
 * cost of its own.
 */

	.equ	INTEL_EBX, 0x756e6547	/* "Genu" of "GenuineIntel" */

	.equ	BENCH_N, 10000
	.equ	COM1, 0x3f8
	.equ	HCALL_EXIT, 0		/* V3_HCALL_EXIT */
	.equ	HCALL_NOP, 1		/* V3_HCALL_NOP */
	.equ	PORT_POST, 0x80		/* V3_PORT_POST */

	/* struct v3_image_header; guest_mode etc. come from the Makefile */
	.section .header, "a"
	.ascii	"PALACIOS"		/* magic */
	.long	1			/* version */
	.long	64			/* header_size */
	.long	guest_mode		/* mode: V3_IMAGE_REAL16 */
	.long	1			/* nr_vcpus */
	.quad	guest_mem_size		/* mem_size */
	.quad	__image_start		/* load_gpa */
	.quad	_start			/* entry */
	.quad	__image_start		/* stack: grows down below the code */
	.long	0			/* flags */
	.long	0			/* reserved */

	.text
	.code16
	.globl	_start
_start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	call	serial_init

	/* Point the 32 exception vectors of the IVT at fault */
	xor	%di, %di
	mov	$32, %cx
1:	movw	$fault, %ax
	stosw
	xor	%ax, %ax
	stosw
	loop	1b

	/* CPUID, leaf 0 */
	call	tsc_start
	mov	$BENCH_N, %esi
1:	xor	%eax, %eax
	cpuid
	dec	%esi
	jnz	1b
	call	tsc_stop
	mov	$name_cpuid, %si
	call	report

	/* OUT to the POST port */
	call	tsc_start
	mov	$BENCH_N, %esi
	xor	%al, %al
1:	out	%al, $PORT_POST
	dec	%esi
	jnz	1b
	call	tsc_stop
	mov	$name_pio, %si
	call	report

	/* NOP hypercall, with the vendor's instruction */
	xor	%eax, %eax
	cpuid
	cmp	$INTEL_EBX, %ebx
	je	intel
	call	tsc_start
	mov	$BENCH_N, %esi
1:	mov	$HCALL_NOP, %eax
	vmmcall
	dec	%esi
	jnz	1b
	call	tsc_stop
	mov	$name_vmmcall, %si
	call	report
	mov	$msg_done, %si
	call	puts
	mov	$HCALL_EXIT, %eax
	xor	%ebx, %ebx
	vmmcall
	jmp	halt

intel:
	call	tsc_start
	mov	$BENCH_N, %esi
1:	mov	$HCALL_NOP, %eax
	vmcall
	dec	%esi
	jnz	1b
	call	tsc_stop
	mov	$name_vmcall, %si
	call	report
	mov	$msg_done, %si
	call	puts
	mov	$HCALL_EXIT, %eax
	xor	%ebx, %ebx
	vmcall
halt:	cli
	hlt
	jmp	halt

/* An exception: print where (the IP the CPU pushed) and stop */
fault:
	mov	%sp, %bp
	mov	$msg_fault, %si
	call	puts
	mov	(%bp), %ax
	call	print_hex16
	mov	$msg_crlf, %si
	call	puts
	jmp	halt

/* t0 = TSC */
tsc_start:
	rdtsc
	mov	%eax, t0
	mov	%edx, t0 + 4
	ret

/* num = TSC - t0, all 64 bits */
tsc_stop:
	rdtsc
	sub	t0, %eax
	sbb	t0 + 4, %edx
	mov	%eax, num
	mov	%edx, num + 4
	ret

/* Print "BENCH <name at %si> BENCH_N <num>\r\n"; clobbers num */
report:
	push	%si
	mov	$msg_bench, %si
	call	puts
	pop	%si
	call	puts
	mov	$' ', %al
	call	putc
	pushl	num
	pushl	num + 4
	movl	$BENCH_N, num
	movl	$0, num + 4
	call	print_num
	popl	num + 4
	popl	num
	mov	$' ', %al
	call	putc
	call	print_num
	mov	$msg_crlf, %si
	jmp	puts

/* Print the 64-bit number num in decimal; clobbers num */
print_num:
	mov	$digits_end, %di
	mov	$10, %ecx
1:	xor	%edx, %edx
	mov	num + 4, %eax
	div	%ecx
	mov	%eax, num + 4
	mov	num, %eax
	div	%ecx			/* EDX < 10: the quotient fits */
	mov	%eax, num
	add	$'0', %dl
	dec	%di
	mov	%dl, (%di)
	or	num + 4, %eax
	jnz	1b
	mov	%di, %si
	jmp	puts

/* Print %ax as four hex digits */
print_hex16:
	mov	$4, %cx
1:	rol	$4, %ax
	push	%ax
	and	$0xf, %al
	add	$'0', %al
	cmp	$'9', %al
	jbe	2f
	add	$'a' - '9' - 1, %al
2:	call	putc
	pop	%ax
	loop	1b
	ret

/* Print the NUL-terminated string at %si */
puts:
	lodsb
	test	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

/* Send %al on COM1 once the transmitter holding register is empty */
putc:
	push	%dx
	push	%ax
	mov	$COM1 + 5, %dx
1:	in	%dx, %al
	test	$0x20, %al
	jz	1b
	pop	%ax
	mov	$COM1, %dx
	out	%al, %dx
	pop	%dx
	ret

/* 115200 8N1, no interrupts, FIFOs on */
serial_init:
	mov	$serial_regs, %si
1:	lodsw
	test	%ax, %ax
	jz	2f
	mov	$COM1, %dx
	add	%al, %dl
	mov	%ah, %al
	out	%al, %dx
	jmp	1b
2:	ret

	.section .rodata
	/* pairs of (register offset, value), ended by 0, 0 */
serial_regs:
	.byte	1, 0x00			/* IER */
	.byte	3, 0x80			/* LCR: DLAB */
	.byte	0, 0x01			/* DLL */
	.byte	1, 0x00			/* DLM */
	.byte	3, 0x03			/* LCR: 8N1 */
	.byte	2, 0x07			/* FCR */
	.byte	4, 0x03			/* MCR: DTR, RTS */
	.byte	0, 0
msg_bench:
	.asciz	"BENCH "
name_cpuid:
	.asciz	"cpuid"
name_pio:
	.asciz	"pio"
name_vmmcall:
	.asciz	"vmmcall"
name_vmcall:
	.asciz	"vmcall"
msg_done:
	.asciz	"BENCH done\r\n"
msg_fault:
	.asciz	"BENCH FAIL exception at ip 0x"
msg_crlf:
	.asciz	"\r\n"

	.data
	.align	8
t0:
	.quad	0
num:
	.quad	0
digits:
	.skip	20
digits_end:
	.byte	0

	.section .note.GNU-stack, "", @progbits
