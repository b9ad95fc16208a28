/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 32-bit ELF guest for hcvm-run's ELFCLASS32 entry: protected mode, paging
 * off, flat segments. It checks that this is the mode it was started in
 * (CR0.PE set, CR0.PG clear), says so on the UART and ends through the
 * debug-exit port with ELF32_STATUS, a value no other path yields, so that
 * the exit status alone shows the guest ran to its end. Anything else ends
 * with status 1.
 */
#define ELF32_STATUS	42
#define UART		0x3f8
#define DEBUG_EXIT	0x501

	.code32
	.text
	.globl _start
_start:
	mov	%cr0, %eax
	and	$0x80000001, %eax
	cmp	$1, %eax
	jne	1f
	mov	$hello, %esi
	call	uart_puts
	mov	$ELF32_STATUS, %al
	jmp	2f
1:	mov	$wrong_mode, %esi
	call	uart_puts
	mov	$1, %al
2:	mov	$DEBUG_EXIT, %dx
	outb	%al, %dx
3:	cli		/* not reached under hcvm-run */
	hlt
	jmp	3b

/* %esi: a NUL-terminated string. Clobbers %eax, %edx, %esi. */
uart_puts:
	mov	$UART, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	ret

	.section .rodata
hello:
	.asciz	"elf32-guest: hello from 32-bit protected mode, paging off\n"
wrong_mode:
	.asciz	"elf32-guest: FAIL not in 32-bit protected mode without paging\n"

	.section .note.GNU-stack, "", @progbits
