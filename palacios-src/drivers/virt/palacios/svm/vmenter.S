/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The world switch of the Palacios SVM backend.
 *
 * void __v3_svm_run(u64 vmcb_pa, u64 *gpr, u64 host_state_pa)
 *
 * Called with interrupts disabled and preemption off, on a CPU with SVM
 * enabled.  Runs the guest of @vmcb_pa until its next #VMEXIT.
 *
 * VMRUN itself saves and restores the host's RIP, RSP, RAX, RFLAGS, CR0,
 * CR3, CR4, EFER, GDTR, IDTR and segment selectors in the per-CPU host save
 * area (MSR_VM_HSAVE_PA).  Everything else the host relies on is kept here:
 * the callee-saved registers on the stack, and FS, GS (with the kernel's
 * per-CPU base), TR, LDTR, KernelGSBase, STAR, LSTAR, CSTAR, SFMASK and the
 * SYSENTER MSRs by VMSAVE to @host_state_pa before the guest runs and
 * VMLOAD from it after.  The guest's copy of those is loaded from and
 * saved to its VMCB the same way.  @gpr holds the guest's other
 * general-purpose registers (RAX and RSP live in the VMCB), indexed as the
 * instruction encoding numbers them.
 *
 * GIF stays clear from before VMRUN until the host's state is back, so no
 * interrupt or NMI can run with the guest's GS base.  RFLAGS.IF is set for
 * VMRUN so that a host interrupt makes the guest exit (the INTR intercept);
 * the interrupt stays pending and is taken when the caller enables
 * interrupts again.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

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

/* Where the arguments are kept while the guest's registers are loaded */
#define ARG_VMCB	0
#define ARG_GPR		8
#define ARG_HOST	16

	.text
SYM_FUNC_START(__v3_svm_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx
	push	%rsi
	push	%rdi

	/* The host's state that VMRUN does not keep */
	mov	%rdx, %rax
	vmsave	%rax

	/* The guest's registers */
	mov	%rsi, %rax
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

	mov	ARG_VMCB(%rsp), %rax
	clgi
	sti
	vmload	%rax
	vmrun	%rax
	/* #VMEXIT: RSP, RAX and the rest of VMRUN's host state are back */
	mov	ARG_VMCB(%rsp), %rax
	vmsave	%rax

	mov	ARG_GPR(%rsp), %rax
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

	/* Leave no guest value in a register the host does not restore */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	ARG_HOST(%rsp), %rax
	vmload	%rax

	/* The guest may have filled the return stack buffer */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/*
	 * ... and trained the return predictor: the host's Retbleed and SRSO
	 * mitigations (untraining, or an IBPB on every exit where the host
	 * chose that) before the first RET and before interrupts can run.
	 * Clobbers RAX, RCX and RDX.
	 */
	UNTRAIN_RET_VM

	cli
	stgi

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	xor	%eax, %eax
	RET
SYM_FUNC_END(__v3_svm_run)
