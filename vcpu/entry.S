/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch: load the guest's general-purpose registers, VMLAUNCH or
 * VMRESUME, and on VM exit (HOST_RIP = hcvm_vmx_exit, HOST_RSP = the stack
 * this function built) store them back. Everything else (RIP, RSP, RFLAGS,
 * control and segment registers, EFER, PAT) is switched by the VMCS itself;
 * the rest in C around the call (switch.c). The speculation barriers that
 * must sit right at the transition are here, each patched in only where the
 * host kernel's mitigation state asks for it (its X86_FEATURE_* flags).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define HOST_RSP	0x6c14

#define R_AX	(0 * 8)
#define R_CX	(1 * 8)
#define R_DX	(2 * 8)
#define R_BX	(3 * 8)
#define R_BP	(5 * 8)
#define R_SI	(6 * 8)
#define R_DI	(7 * 8)
#define R_8	(8 * 8)
#define R_9	(9 * 8)
#define R_10	(10 * 8)
#define R_11	(11 * 8)
#define R_12	(12 * 8)
#define R_13	(13 * 8)
#define R_14	(14 * 8)
#define R_15	(15 * 8)

.section .text, "ax"

/*
 * int hcvm_vmx_enter(u64 *gprs, bool launched)
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed.
 */
SYM_FUNC_START(hcvm_vmx_enter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* The gprs pointer stays at the top of the stack for the exit path. */
	push %rdi

	mov $HOST_RSP, %rax
	vmwrite %rsp, %rax
	jna .Lfail

	mov %rdi, %rax
	/* CF = launched: the loads below (MOV) and VERW (ZF only) leave it. */
	bt $0, %esi

	mov R_CX(%rax), %rcx
	mov R_DX(%rax), %rdx
	mov R_BX(%rax), %rbx
	mov R_BP(%rax), %rbp
	mov R_SI(%rax), %rsi
	mov R_DI(%rax), %rdi
	mov R_8(%rax), %r8
	mov R_9(%rax), %r9
	mov R_10(%rax), %r10
	mov R_11(%rax), %r11
	mov R_12(%rax), %r12
	mov R_13(%rax), %r13
	mov R_14(%rax), %r14
	mov R_15(%rax), %r15
	mov R_AX(%rax), %rax

	/* MDS, TAA, MMIO stale data: VERW clears the CPU buffers if the host's mitigation says so. */
	VM_CLEAR_CPU_BUFFERS
	jnc .Llaunch
	/* A VM exit continues at hcvm_vmx_exit with the stack as it is here. */
	UNWIND_HINT_SAVE
.Lresume:
	vmresume
	jmp .Lfail
.Llaunch:
	vmlaunch
	/* Entry failed with guest values loaded: the pops below restore the host's. */
.Lfail:
	mov $1, %eax
	jmp .Lout
	_ASM_EXTABLE(.Lresume, .Lfail)
	_ASM_EXTABLE(.Llaunch, .Lfail)

SYM_INNER_LABEL(hcvm_vmx_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax
	mov 8(%rsp), %rax
	mov %rcx, R_CX(%rax)
	mov %rdx, R_DX(%rax)
	mov %rbx, R_BX(%rax)
	mov %rbp, R_BP(%rax)
	mov %rsi, R_SI(%rax)
	mov %rdi, R_DI(%rax)
	mov %r8, R_8(%rax)
	mov %r9, R_9(%rax)
	mov %r10, R_10(%rax)
	mov %r11, R_11(%rax)
	mov %r12, R_12(%rax)
	mov %r13, R_13(%rax)
	mov %r14, R_14(%rax)
	mov %r15, R_15(%rax)
	popq R_AX(%rax)

	/*
	 * Before the first RET: return predictions the guest left are replaced
	 * (retbleed, Spectre v2), and the branch history cleared where the
	 * host's mitigations ask for it (BHI). Both are patched in only then.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	/* Leave no guest value in a caller-saved register. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %eax, %eax
.Lout:
	pop %rdi
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(hcvm_vmx_enter)
