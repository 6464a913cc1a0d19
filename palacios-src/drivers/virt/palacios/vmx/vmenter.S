/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The world switch of the Palacios VMX backend.
 *
 * int __v3_vmx_run(u64 *gpr, bool launched)
 *
 * Called with interrupts disabled and preemption off, with the vCPU's VMCS
 * current on this CPU and its guest and host state written.  Runs the
 * guest until its next VM exit: 0 then, or 1 if VMLAUNCH (@launched false)
 * or VMRESUME failed, with the reason in the VMCS's VM-instruction error.
 *
 * @gpr holds the guest's general-purpose registers but RSP (which lives in
 * the VMCS), indexed as the instruction encoding numbers them.  The exit
 * loads the host's RIP (__v3_vmx_exit), RSP (written here, just before the
 * entry), control registers, segments, PAT, EFER and SYSENTER MSRs from the
 * VMCS; the callee-saved registers are kept on the stack, the pointer to
 * @gpr on top of it.  An external interrupt or an NMI makes the guest exit
 * (the VMCS's pin-based controls) and is taken by the caller.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define GPR_RAX		(0 * 8)
#define GPR_RCX		(1 * 8)
#define GPR_RDX		(2 * 8)
#define GPR_RBX		(3 * 8)
#define GPR_RBP		(5 * 8)
#define GPR_RSI		(6 * 8)
#define GPR_RDI		(7 * 8)
#define GPR_R8		(8 * 8)
#define GPR_R9		(9 * 8)
#define GPR_R10		(10 * 8)
#define GPR_R11		(11 * 8)
#define GPR_R12		(12 * 8)
#define GPR_R13		(13 * 8)
#define GPR_R14		(14 * 8)
#define GPR_R15		(15 * 8)

#define VMCS_HOST_RSP	0x6c14

	.text
SYM_FUNC_START(__v3_vmx_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi

	/* Where the exit finds the stack: @gpr on top */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail_host

	/* The guest's registers; ZF from the test survives the MOVs */
	mov	%rdi, %rax
	test	%sil, %sil
	mov	GPR_RCX(%rax), %rcx
	mov	GPR_RDX(%rax), %rdx
	mov	GPR_RBX(%rax), %rbx
	mov	GPR_RBP(%rax), %rbp
	mov	GPR_RSI(%rax), %rsi
	mov	GPR_RDI(%rax), %rdi
	mov	GPR_R8(%rax), %r8
	mov	GPR_R9(%rax), %r9
	mov	GPR_R10(%rax), %r10
	mov	GPR_R11(%rax), %r11
	mov	GPR_R12(%rax), %r12
	mov	GPR_R13(%rax), %r13
	mov	GPR_R14(%rax), %r14
	mov	GPR_R15(%rax), %r15
	mov	GPR_RAX(%rax), %rax
	jz	.Lvmlaunch

	/* A VM exit resumes at __v3_vmx_exit, with the stack as it is here */
	UNWIND_HINT_SAVE
	vmresume
	jmp	.Lfail
.Lvmlaunch:
	vmlaunch
	jmp	.Lfail

SYM_INNER_LABEL_ALIGN(__v3_vmx_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* The guest's RAX on the stack, @gpr in RAX */
	push	%rax
	mov	8(%rsp), %rax
	pop	GPR_RAX(%rax)
	mov	%rcx, GPR_RCX(%rax)
	mov	%rdx, GPR_RDX(%rax)
	mov	%rbx, GPR_RBX(%rax)
	mov	%rbp, GPR_RBP(%rax)
	mov	%rsi, GPR_RSI(%rax)
	mov	%rdi, GPR_RDI(%rax)
	mov	%r8, GPR_R8(%rax)
	mov	%r9, GPR_R9(%rax)
	mov	%r10, GPR_R10(%rax)
	mov	%r11, GPR_R11(%rax)
	mov	%r12, GPR_R12(%rax)
	mov	%r13, GPR_R13(%rax)
	mov	%r14, GPR_R14(%rax)
	mov	%r15, GPR_R15(%rax)
	xor	%ebx, %ebx

.Lout:
	/* Leave no guest value in a register the host does not restore */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	/* The guest may have filled the return stack buffer */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	mov	%rbx, %rax
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lfail:
	/* VMfail: the guest's values are in the registers, not the CPU's */
.Lfail_host:
	mov	$1, %ebx
	jmp	.Lout
SYM_FUNC_END(__v3_vmx_run)
