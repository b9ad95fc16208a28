// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the MMIO instruction decoder (vcpu/decode.c): every
 * supported MOV form in each CPU mode with hand-assembled bytes (the Intel
 * syntax in each case; "hand:" marks encodings no assembler emits), the
 * refusals, and the register side of stores and loads.
 */
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "../../vcpu/decode.h"

#define R16	HCVM_MODE_REAL16
#define P16	HCVM_MODE_PROT16
#define P32	HCVM_MODE_PROT32
#define L64	HCVM_MODE_LONG64

/* One instruction and what the decoder must say about it. */
struct dcase {
	const char *text;
	enum hcvm_cpu_mode mode;
	u8 bytes[HCVM_INSN_MAX_LEN];
	u8 n;
	u8 len, size, reg, dst_size;
	bool write, imm, high, sext;
	u64 value;	/* the immediate */
};

#define B(...) .bytes = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })
#define ST(s, r) .write = true, .size = (s), .reg = (r)
#define STI(s, v) .write = true, .imm = true, .size = (s), .value = (v)
#define LD(s, r) .size = (s), .dst_size = (s), .reg = (r)
#define LDX(s, d, r, sx) .size = (s), .dst_size = (d), .reg = (r), .sext = (sx)

static const struct dcase good[] = {
	/* 64-bit mode: MOV r/m, r */
	{ "mov [rax], cl", L64, B(0x88, 0x08), .len = 2, ST(1, 1) },
	{ "mov [rax], ah", L64, B(0x88, 0x20), .len = 2, ST(1, 4), .high = true },
	{ "mov [rax], bh", L64, B(0x88, 0x38), .len = 2, ST(1, 7), .high = true },
	{ "mov [rax], spl", L64, B(0x40, 0x88, 0x20), .len = 3, ST(1, 4) },
	{ "mov [rbx], r9b", L64, B(0x44, 0x88, 0x0b), .len = 3, ST(1, 9) },
	{ "mov [rcx], edx", L64, B(0x89, 0x11), .len = 2, ST(4, 2) },
	{ "mov [rcx], dx", L64, B(0x66, 0x89, 0x11), .len = 3, ST(2, 2) },
	{ "mov [rcx], rdx", L64, B(0x48, 0x89, 0x11), .len = 3, ST(8, 2) },
	{ "mov [r8], r15", L64, B(0x4d, 0x89, 0x38), .len = 3, ST(8, 15) },
	{ "mov [r8], r15d", L64, B(0x45, 0x89, 0x38), .len = 3, ST(4, 15) },
	{ "mov [rax+r12*4], esi", L64, B(0x42, 0x89, 0x34, 0xa0), .len = 4, ST(4, 6) },
	{ "mov [r12], eax", L64, B(0x41, 0x89, 0x04, 0x24), .len = 4, ST(4, 0) },
	{ "mov [r13+0], eax", L64, B(0x41, 0x89, 0x45, 0x00), .len = 4, ST(4, 0) },
	{ "mov [rbp+rax*1+8], eax", L64, B(0x89, 0x44, 0x05, 0x08), .len = 4, ST(4, 0) },
	{ "mov [r13+rcx*2+0x100], eax", L64,
	  B(0x41, 0x89, 0x84, 0x4d, 0x00, 0x01, 0x00, 0x00), .len = 8, ST(4, 0) },
	{ "mov [rsp+8], eax", L64, B(0x89, 0x44, 0x24, 0x08), .len = 4, ST(4, 0) },
	{ "mov [rbp+0x100], eax", L64, B(0x89, 0x85, 0x00, 0x01, 0x00, 0x00),
	  .len = 6, ST(4, 0) },
	{ "mov [rax+rbx*8-0x10], r11", L64, B(0x4c, 0x89, 0x5c, 0xd8, 0xf0),
	  .len = 5, ST(8, 11) },
	{ "mov [rax*2+0x1000], eax", L64,
	  B(0x89, 0x04, 0x45, 0x00, 0x10, 0x00, 0x00), .len = 7, ST(4, 0) },
	{ "mov [0x12345678], eax", L64,
	  B(0x89, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), .len = 7, ST(4, 0) },
	/* SIB base 5 with mod 0 means no base, REX.B or not. */
	{ "hand: rex.B mov [0x12345678], eax", L64,
	  B(0x41, 0x89, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), .len = 8, ST(4, 0) },
	{ "mov [rip+0x12345678], eax", L64,
	  B(0x89, 0x05, 0x78, 0x56, 0x34, 0x12), .len = 6, ST(4, 0) },
	/* Mod 0 rm 5 is RIP-relative whatever REX.B says. */
	{ "hand: rex.B mov [rip+0x12345678], eax", L64,
	  B(0x41, 0x89, 0x05, 0x78, 0x56, 0x34, 0x12), .len = 7, ST(4, 0) },
	{ "mov [rip-0x10], r14b", L64,
	  B(0x44, 0x88, 0x35, 0xf0, 0xff, 0xff, 0xff), .len = 7, ST(1, 14) },
	/* 64-bit mode: MOV r, r/m */
	{ "mov eax, [rbx]", L64, B(0x8b, 0x03), .len = 2, LD(4, 0) },
	{ "mov ax, [rbx]", L64, B(0x66, 0x8b, 0x03), .len = 3, LD(2, 0) },
	{ "mov r10, [rbx]", L64, B(0x4c, 0x8b, 0x13), .len = 3, LD(8, 10) },
	{ "mov r10d, [r11+r12*2+0x7f]", L64, B(0x47, 0x8b, 0x54, 0x63, 0x7f),
	  .len = 5, LD(4, 10) },
	{ "mov bh, [rsi]", L64, B(0x8a, 0x3e), .len = 2, LD(1, 7), .high = true },
	{ "mov dil, [rsi]", L64, B(0x40, 0x8a, 0x3e), .len = 3, LD(1, 7) },
	{ "mov cl, [rip+0x1000]", L64, B(0x8a, 0x0d, 0x00, 0x10, 0x00, 0x00),
	  .len = 6, LD(1, 1) },
	/* 64-bit mode: MOV r/m, imm */
	{ "mov byte ptr [rdi], 0x80", L64, B(0xc6, 0x07, 0x80), .len = 3, STI(1, 0x80) },
	{ "mov word ptr [rdi], 0x8000", L64, B(0x66, 0xc7, 0x07, 0x00, 0x80),
	  .len = 5, STI(2, 0x8000) },
	{ "mov dword ptr [rdi], 0x80000000", L64,
	  B(0xc7, 0x07, 0x00, 0x00, 0x00, 0x80), .len = 6, STI(4, 0x80000000) },
	{ "mov qword ptr [rdi], -2", L64,
	  B(0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff), .len = 7,
	  STI(8, 0xfffffffffffffffeULL) },
	{ "mov qword ptr [rdi], 0x7fffffff", L64,
	  B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), .len = 7, STI(8, 0x7fffffff) },
	{ "mov qword ptr [rip+0x10], 1", L64,
	  B(0x48, 0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
	  .len = 11, STI(8, 1) },
	{ "mov byte ptr [rax+rbx*8+0x12345678], 1", L64,
	  B(0xc6, 0x84, 0xd8, 0x78, 0x56, 0x34, 0x12, 0x01), .len = 8, STI(1, 1) },
	{ "mov word ptr [r9+8], -1", L64,
	  B(0x66, 0x41, 0xc7, 0x41, 0x08, 0xff, 0xff), .len = 7, STI(2, 0xffff) },
	/* 64-bit mode: moffs, 8 bytes unless 0x67 */
	{ "movabs al, [0x1122334455667788]", L64,
	  B(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), .len = 9, LD(1, 0) },
	{ "movabs eax, [0x1122334455667788]", L64,
	  B(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), .len = 9, LD(4, 0) },
	{ "movabs rax, [0x1122334455667788]", L64,
	  B(0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .len = 10, LD(8, 0) },
	{ "movabs [0x1122334455667788], al", L64,
	  B(0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), .len = 9, ST(1, 0) },
	{ "movabs [0x1122334455667788], ax", L64,
	  B(0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .len = 10, ST(2, 0) },
	{ "addr32 mov eax, [0x12345678]", L64,
	  B(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), .len = 6, LD(4, 0) },
	/* REX.B does not pick another register for moffs. */
	{ "hand: rex.WB movabs [0x1122334455667788], rax", L64,
	  B(0x49, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .len = 10, ST(8, 0) },
	/* 64-bit mode: MOVZX, MOVSX, MOVSXD */
	{ "movzx eax, byte ptr [rbx]", L64, B(0x0f, 0xb6, 0x03), .len = 3,
	  LDX(1, 4, 0, false) },
	{ "movzx esp, byte ptr [rax]", L64, B(0x0f, 0xb6, 0x20), .len = 3,
	  LDX(1, 4, 4, false) },
	{ "movzx ax, byte ptr [rbx]", L64, B(0x66, 0x0f, 0xb6, 0x03), .len = 4,
	  LDX(1, 2, 0, false) },
	{ "movzx r11, word ptr [rbx]", L64, B(0x4c, 0x0f, 0xb7, 0x1b), .len = 4,
	  LDX(2, 8, 11, false) },
	{ "movzx edx, word ptr [rip+0x20]", L64,
	  B(0x0f, 0xb7, 0x15, 0x20, 0x00, 0x00, 0x00), .len = 7, LDX(2, 4, 2, false) },
	{ "movsx rcx, byte ptr [rbx]", L64, B(0x48, 0x0f, 0xbe, 0x0b), .len = 4,
	  LDX(1, 8, 1, true) },
	{ "movsx edx, word ptr [rbx]", L64, B(0x0f, 0xbf, 0x13), .len = 3,
	  LDX(2, 4, 2, true) },
	{ "movsx r8w, byte ptr [rbx]", L64, B(0x66, 0x44, 0x0f, 0xbe, 0x03), .len = 5,
	  LDX(1, 2, 8, true) },
	{ "movsxd rax, dword ptr [rbx]", L64, B(0x48, 0x63, 0x03), .len = 3,
	  LDX(4, 8, 0, true) },
	{ "movsxd r8, dword ptr [rip+0]", L64,
	  B(0x4c, 0x63, 0x05, 0x00, 0x00, 0x00, 0x00), .len = 7, LDX(4, 8, 8, true) },
	{ "movsxd eax, dword ptr [rbx]", L64, B(0x63, 0x03), .len = 2,
	  LDX(4, 4, 0, true) },
	/* 64-bit mode: prefixes */
	{ "mov [eax], ecx", L64, B(0x67, 0x89, 0x08), .len = 3, ST(4, 1) },
	{ "mov [eax+ebx*4+0x10], ecx", L64, B(0x67, 0x89, 0x4c, 0x98, 0x10),
	  .len = 5, ST(4, 1) },
	{ "mov fs:[rax], ecx", L64, B(0x64, 0x89, 0x08), .len = 3, ST(4, 1) },
	{ "mov gs:[0x10], rax", L64,
	  B(0x65, 0x48, 0x89, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00), .len = 9, ST(8, 0) },
	{ "mov ss:[rax], ecx", L64, B(0x36, 0x89, 0x08), .len = 3, ST(4, 1) },
	/* A legacy prefix after REX cancels it. */
	{ "hand: rex.W data16 mov [rax], cx", L64, B(0x48, 0x66, 0x89, 0x08),
	  .len = 4, ST(2, 1) },
	{ "hand: rex.R cs mov [rax], ah", L64, B(0x44, 0x2e, 0x88, 0x20),
	  .len = 4, ST(1, 4), .high = true },
	/* Only the last REX counts. */
	{ "hand: rex.R rex.W mov [rax], rcx", L64, B(0x44, 0x48, 0x89, 0x08),
	  .len = 4, ST(8, 1) },
	/* REX.W wins over 0x66. */
	{ "hand: data16 rex.W mov [rax], rcx", L64, B(0x66, 0x48, 0x89, 0x08),
	  .len = 4, ST(8, 1) },
	{ "hand: cs ds data16 addr32 mov [eax], cx", L64,
	  B(0x2e, 0x3e, 0x66, 0x67, 0x89, 0x08), .len = 6, ST(2, 1) },
	{ "xrelease mov [rax], ecx", L64, B(0xf3, 0x89, 0x08), .len = 3, ST(4, 1) },
	{ "hand: repne mov ecx, [rax]", L64, B(0xf2, 0x8b, 0x08), .len = 3, LD(4, 1) },

	/* 32-bit protected mode */
	{ "mov [eax], ecx", P32, B(0x89, 0x08), .len = 2, ST(4, 1) },
	{ "mov [eax], cx", P32, B(0x66, 0x89, 0x08), .len = 3, ST(2, 1) },
	{ "mov [ebx+esi*4+0x10], dl", P32, B(0x88, 0x54, 0xb3, 0x10), .len = 4, ST(1, 2) },
	{ "mov [0x12345678], ecx", P32, B(0x89, 0x0d, 0x78, 0x56, 0x34, 0x12),
	  .len = 6, ST(4, 1) },
	{ "mov [esp], edi", P32, B(0x89, 0x3c, 0x24), .len = 3, ST(4, 7) },
	{ "mov [esi*8+0x100], ebx", P32,
	  B(0x89, 0x1c, 0xf5, 0x00, 0x01, 0x00, 0x00), .len = 7, ST(4, 3) },
	{ "mov eax, [ebp+0x12345678]", P32, B(0x8b, 0x85, 0x78, 0x56, 0x34, 0x12),
	  .len = 6, LD(4, 0) },
	{ "mov dh, [ecx]", P32, B(0x8a, 0x31), .len = 2, LD(1, 6), .high = true },
	{ "mov dword ptr [eax], 0x12345678", P32,
	  B(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), .len = 6, STI(4, 0x12345678) },
	{ "mov word ptr [eax], 0x1234", P32, B(0x66, 0xc7, 0x00, 0x34, 0x12),
	  .len = 5, STI(2, 0x1234) },
	{ "mov byte ptr [ebp-4], 0xff", P32, B(0xc6, 0x45, 0xfc, 0xff), .len = 4,
	  STI(1, 0xff) },
	{ "mov al, [0x12345678]", P32, B(0xa0, 0x78, 0x56, 0x34, 0x12), .len = 5, LD(1, 0) },
	{ "mov ax, [0x12345678]", P32, B(0x66, 0xa1, 0x78, 0x56, 0x34, 0x12),
	  .len = 6, LD(2, 0) },
	{ "mov [0x12345678], eax", P32, B(0xa3, 0x78, 0x56, 0x34, 0x12), .len = 5, ST(4, 0) },
	{ "addr16 mov [0x1234], eax", P32, B(0x67, 0xa3, 0x34, 0x12), .len = 4, ST(4, 0) },
	/* 0x67 selects 16-bit addressing. */
	{ "mov [bx+si], eax", P32, B(0x67, 0x89, 0x00), .len = 3, ST(4, 0) },
	{ "mov [bp+di+0x1234], eax", P32, B(0x67, 0x89, 0x83, 0x34, 0x12),
	  .len = 5, ST(4, 0) },
	{ "hand: addr16 mov [0x1234], ecx", P32, B(0x67, 0x89, 0x0e, 0x34, 0x12),
	  .len = 5, ST(4, 1) },
	{ "movzx eax, byte ptr [ecx]", P32, B(0x0f, 0xb6, 0x01), .len = 3,
	  LDX(1, 4, 0, false) },
	{ "movzx ebx, word ptr [ecx]", P32, B(0x0f, 0xb7, 0x19), .len = 3,
	  LDX(2, 4, 3, false) },
	{ "movsx ax, byte ptr [ecx]", P32, B(0x66, 0x0f, 0xbe, 0x01), .len = 4,
	  LDX(1, 2, 0, true) },
	{ "movsx edi, word ptr [ecx+edx]", P32, B(0x0f, 0xbf, 0x3c, 0x11), .len = 4,
	  LDX(2, 4, 7, true) },
	{ "mov es:[eax], ecx", P32, B(0x26, 0x89, 0x08), .len = 3, ST(4, 1) },

	/* 16-bit protected and real mode */
	{ "mov [bx+si], al", P16, B(0x88, 0x00), .len = 2, ST(1, 0) },
	{ "mov [bx], ax", P16, B(0x89, 0x07), .len = 2, ST(2, 0) },
	{ "mov [bx+di+0x12], cx", P16, B(0x89, 0x49, 0x12), .len = 3, ST(2, 1) },
	{ "mov [bp+0x1234], dx", P16, B(0x89, 0x96, 0x34, 0x12), .len = 4, ST(2, 2) },
	{ "mov [0x1234], bx", P16, B(0x89, 0x1e, 0x34, 0x12), .len = 4, ST(2, 3) },
	{ "mov [bp+0], ax", P16, B(0x89, 0x46, 0x00), .len = 3, ST(2, 0) },
	{ "mov [si], eax", P16, B(0x66, 0x89, 0x04), .len = 3, ST(4, 0) },
	{ "mov [eax+ecx*2], ax", P16, B(0x67, 0x89, 0x04, 0x48), .len = 4, ST(2, 0) },
	{ "mov [ebp+0x12345678], ax", P16,
	  B(0x67, 0x89, 0x85, 0x78, 0x56, 0x34, 0x12), .len = 7, ST(2, 0) },
	{ "mov ch, [di]", P16, B(0x8a, 0x2d), .len = 2, LD(1, 5), .high = true },
	{ "mov word ptr [di], 0x1234", P16, B(0xc7, 0x05, 0x34, 0x12), .len = 4,
	  STI(2, 0x1234) },
	{ "mov dword ptr [di], 0x87654321", P16,
	  B(0x66, 0xc7, 0x05, 0x21, 0x43, 0x65, 0x87), .len = 7, STI(4, 0x87654321) },
	{ "mov byte ptr [0x1234], 7", P16, B(0xc6, 0x06, 0x34, 0x12, 0x07), .len = 5,
	  STI(1, 7) },
	{ "mov ax, [0x1234]", P16, B(0xa1, 0x34, 0x12), .len = 3, LD(2, 0) },
	{ "mov [0x1234], eax", P16, B(0x66, 0xa3, 0x34, 0x12), .len = 4, ST(4, 0) },
	{ "addr32 mov al, [0x12345678]", P16, B(0x67, 0xa0, 0x78, 0x56, 0x34, 0x12),
	  .len = 6, LD(1, 0) },
	{ "movzx ax, byte ptr [bx]", P16, B(0x0f, 0xb6, 0x07), .len = 3,
	  LDX(1, 2, 0, false) },
	{ "movzx eax, word ptr [bx]", P16, B(0x66, 0x0f, 0xb7, 0x07), .len = 4,
	  LDX(2, 4, 0, false) },
	{ "movsx dx, byte ptr [bp+si+4]", P16, B(0x0f, 0xbe, 0x52, 0x04), .len = 4,
	  LDX(1, 2, 2, true) },
	{ "mov [bx+si], al", R16, B(0x88, 0x00), .len = 2, ST(1, 0) },
	{ "mov [0x1234], bx", R16, B(0x89, 0x1e, 0x34, 0x12), .len = 4, ST(2, 3) },
	{ "mov eax, fs:[bx+0x10]", R16, B(0x64, 0x66, 0x8b, 0x47, 0x10), .len = 5,
	  LD(4, 0) },
	{ "mov dword ptr [bp+di+0x1234], 1", R16,
	  B(0x66, 0xc7, 0x83, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00), .len = 9, STI(4, 1) },
	{ "mov al, [0x1234]", R16, B(0xa0, 0x34, 0x12), .len = 3, LD(1, 0) },
};

static const char *mode_name(enum hcvm_cpu_mode mode)
{
	static const char * const names[] = { "real16", "prot16", "prot32", "long64" };

	return names[mode];
}

/* The bytes in a heap block of exactly @n bytes: ASan catches any over-read. */
static int decode_exact(const u8 *bytes, unsigned int n, enum hcvm_cpu_mode mode,
			struct hcvm_mmio_insn *insn)
{
	u8 *copy = malloc(n ? n : 1);
	int ret;

	memcpy(copy, bytes, n);
	ret = hcvm_decode_mmio(copy, n, mode, insn);
	free(copy);
	return ret;
}

TEST(every_form_decodes)
{
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct dcase *c = &good[i];
		struct hcvm_mmio_insn insn;

		memset(&insn, 0xa5, sizeof(insn));
		ASSERT_EQ(0, decode_exact(c->bytes, c->n, c->mode, &insn))
			TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->len, insn.len) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->n, insn.len) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->size, insn.size) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->write, insn.write) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->imm, insn.src_imm) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->high, insn.high_byte) TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->sext, insn.sign_extend)
			TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->dst_size, insn.dst_size)
			TH_LOG("%s: %s", mode_name(c->mode), c->text);
		if (c->imm) {
			EXPECT_EQ(c->value, insn.imm)
				TH_LOG("%s: %s", mode_name(c->mode), c->text);
		} else {
			EXPECT_EQ(c->reg, insn.reg)
				TH_LOG("%s: %s", mode_name(c->mode), c->text);
		}
	}
}

TEST(trailing_bytes_are_not_consumed)
{
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct dcase *c = &good[i];
		struct hcvm_mmio_insn insn;
		u8 buf[HCVM_INSN_MAX_LEN + 5];

		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->bytes, c->n);
		ASSERT_EQ(0, hcvm_decode_mmio(buf, sizeof(buf), c->mode, &insn))
			TH_LOG("%s: %s", mode_name(c->mode), c->text);
		EXPECT_EQ(c->len, insn.len) TH_LOG("%s: %s", mode_name(c->mode), c->text);
	}
}

TEST(truncated_input_asks_for_more)
{
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct dcase *c = &good[i];
		struct hcvm_mmio_insn insn;

		for (unsigned int n = 0; n < c->n; n++) {
			EXPECT_EQ(-EAGAIN, decode_exact(c->bytes, n, c->mode, &insn))
				TH_LOG("%s: %s, %u bytes", mode_name(c->mode), c->text, n);
		}
	}
}

/* Each of these must be refused in the given mode. */
static const struct dcase bad[] = {
	/* Register operands: not a memory access. */
	{ "mov eax, ecx", L64, B(0x89, 0xc8) },
	{ "{load} mov eax, ecx", P32, B(0x8b, 0xc1) },
	{ "mov ax, cx", P16, B(0x89, 0xc8) },
	{ "hand: mov al, 1 (C6 form)", L64, B(0xc6, 0xc0, 0x01) },
	{ "mov r8, 1", L64, B(0x49, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00) },
	{ "movzx eax, al", L64, B(0x0f, 0xb6, 0xc0) },
	{ "movsx eax, cx", P32, B(0x0f, 0xbf, 0xc1) },
	{ "movsxd rax, ecx", L64, B(0x48, 0x63, 0xc1) },
	{ "hand: xbegin .+6", L64, B(0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00) },
	/* Other instructions. */
	{ "add [rax], ecx", L64, B(0x01, 0x08) },
	{ "nop", L64, B(0x90) },
	{ "inc dword ptr [rax]", L64, B(0xff, 0x00) },
	{ "movsb", L64, B(0xa4) },
	{ "rep movsd", P32, B(0xf3, 0xa5) },
	{ "stosd", P32, B(0xab) },
	{ "mov [rax], ds", L64, B(0x8c, 0x18) },
	{ "mov ds, [rax]", L64, B(0x8e, 0x18) },
	{ "xchg [rax], ecx", L64, B(0x87, 0x08) },
	{ "movups xmm0, [rax]", L64, B(0x0f, 0x10, 0x00) },
	{ "movnti [rax], eax", L64, B(0x0f, 0xc3, 0x00) },
	{ "cmpxchg [rax], ecx", L64, B(0x0f, 0xb1, 0x08) },
	{ "hand: C6 /1", L64, B(0xc6, 0x08, 0x01) },
	{ "hand: C7 /7 with memory", P32, B(0xc7, 0x38, 0x01, 0x00, 0x00, 0x00) },
	{ "vmovdqu ymm0, [rax]", L64, B(0xc5, 0xfe, 0x6f, 0x00) },
	{ "les eax, [eax]", P32, B(0xc4, 0x00) },
	{ "ud2", L64, B(0x0f, 0x0b) },
	/* LOCK on a MOV is #UD. */
	{ "hand: lock mov [rax], ecx", L64, B(0xf0, 0x89, 0x08) },
	{ "hand: lock mov [eax], ecx", P32, B(0xf0, 0x89, 0x08) },
	/* F3/F2 select other instructions in the 0F map. */
	{ "hand: rep movzx eax, byte ptr [rax]", L64, B(0xf3, 0x0f, 0xb6, 0x00) },
	{ "popcnt eax, [rax]", L64, B(0xf3, 0x0f, 0xb8, 0x00) },
	/* 0x40-0x4f are INC/DEC outside 64-bit mode. */
	{ "dec eax; mov [eax], ecx", P32, B(0x48, 0x89, 0x08) },
	{ "inc eax; mov [eax], ah", P32, B(0x40, 0x88, 0x20) },
	{ "dec si; mov [bx], ax", P16, B(0x4e, 0x89, 0x07) },
	{ "inc ax; mov [bx], ax", R16, B(0x40, 0x89, 0x07) },
	/* 0x63 is ARPL outside 64-bit mode. */
	{ "arpl [eax], cx", P32, B(0x63, 0x08) },
	/* MOVSXD with a 16-bit operand: the read width is disputed. */
	{ "hand: movsxd ax, [rbx]", L64, B(0x66, 0x63, 0x03) },
	{ "arpl [bx], ax", R16, B(0x63, 0x07) },
	/* Longer than 15 bytes. */
	{ "hand: 5 x ds mov dword ptr [rax+rax*4+0x12345678], 1", L64,
	  B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0xc7, 0x84, 0x80, 0x78, 0x56, 0x34, 0x12,
	    0x01, 0x00, 0x00) },
	{ "hand: 15 x data16", P32,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66) },
	{ "hand: 14 x data16 mov", P32,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x89) },
};

TEST(refusals)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct dcase *c = &bad[i];
		struct hcvm_mmio_insn insn;

		EXPECT_EQ(-EINVAL, decode_exact(c->bytes, c->n, c->mode, &insn))
			TH_LOG("%s: %s", mode_name(c->mode), c->text);
	}
}

TEST(fifteen_bytes_is_the_limit)
{
	/* ds x4 mov dword ptr [rax+rax*4+0x12345678], 1: exactly 15 bytes. */
	static const u8 longest[] = {
		0x3e, 0x3e, 0x3e, 0x3e, 0xc7, 0x84, 0x80, 0x78, 0x56, 0x34, 0x12,
		0x01, 0x00, 0x00, 0x00,
	};
	struct hcvm_mmio_insn insn;
	u8 buf[32];

	ASSERT_EQ(0, decode_exact(longest, sizeof(longest), L64, &insn));
	EXPECT_EQ(15, insn.len);
	EXPECT_EQ(1ULL, insn.imm);

	/* One more prefix: refused even when more bytes are available. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x3e;
	memcpy(buf + 1, longest, sizeof(longest));
	EXPECT_EQ(-EINVAL, hcvm_decode_mmio(buf, sizeof(buf), L64, &insn));
	EXPECT_EQ(-EINVAL, hcvm_decode_mmio(buf, 15, L64, &insn));
	/* The ModRM and SIB already tell 16 bytes are needed. */
	EXPECT_EQ(-EINVAL, hcvm_decode_mmio(buf, 12, L64, &insn));
	/* Before them, more bytes are needed to tell. */
	EXPECT_EQ(-EAGAIN, hcvm_decode_mmio(buf, 7, L64, &insn));
}

/* Registers with a distinct byte in every position. */
static void fill_gprs(u64 *gprs)
{
	for (int i = 0; i < 16; i++)
		gprs[i] = 0x0101010101010101ULL * (u64)(0x10 + i) + 0x0706050403020100ULL;
}

static struct hcvm_mmio_insn decoded(struct __test_metadata *_metadata,
				     enum hcvm_cpu_mode mode, const u8 *bytes,
				     unsigned int n)
{
	struct hcvm_mmio_insn insn;

	memset(&insn, 0, sizeof(insn));
	EXPECT_EQ(0, hcvm_decode_mmio(bytes, n, mode, &insn));
	return insn;
}

#define DECODE(mode, ...) \
	decoded(_metadata, mode, (const u8[]){ __VA_ARGS__ }, \
		sizeof((u8[]){ __VA_ARGS__ }))

TEST(store_values)
{
	struct hcvm_mmio_insn insn;
	u64 gprs[16];

	fill_gprs(gprs);
	/* gprs[1] = rcx = 0x1817161514131211 */
	EXPECT_EQ(0x1817161514131211ULL, gprs[1]);

	insn = DECODE(L64, 0x88, 0x08);		/* mov [rax], cl */
	EXPECT_EQ(0x11ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x88, 0x28);		/* mov [rax], ch */
	EXPECT_EQ(0x12ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x88, 0x38);		/* mov [rax], bh */
	EXPECT_EQ(0x14ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x40, 0x88, 0x28);	/* mov [rax], bpl */
	EXPECT_EQ(0x15ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x44, 0x88, 0x08);	/* mov [rax], r9b */
	EXPECT_EQ(0x19ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x66, 0x89, 0x08);	/* mov [rax], cx */
	EXPECT_EQ(0x1211ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x89, 0x08);		/* mov [rax], ecx */
	EXPECT_EQ(0x14131211ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x4c, 0x89, 0x38);	/* mov [rax], r15 */
	EXPECT_EQ(0x262524232221201fULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(P16, 0x89, 0x1e, 0x34, 0x12);	/* mov [0x1234], bx */
	EXPECT_EQ(0x1413ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(P32, 0xa3, 0x78, 0x56, 0x34, 0x12);	/* mov [0x12345678], eax */
	EXPECT_EQ(0x13121110ULL, hcvm_mmio_store_value(&insn, gprs));

	/* Immediates, whatever the registers hold. */
	insn = DECODE(L64, 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80);	/* mov qword ptr [rax], -0x80000000 */
	EXPECT_EQ(0xffffffff80000000ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80);	/* mov dword ptr [rax], 0x80000000 */
	EXPECT_EQ(0x80000000ULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0x66, 0xc7, 0x00, 0xfe, 0xff);	/* mov word ptr [rax], 0xfffe */
	EXPECT_EQ(0xfffeULL, hcvm_mmio_store_value(&insn, gprs));
	insn = DECODE(L64, 0xc6, 0x00, 0x9c);	/* mov byte ptr [rax], 0x9c */
	EXPECT_EQ(0x9cULL, hcvm_mmio_store_value(&insn, gprs));
}

/* Load @data through the instruction in @bytes into registers from fill_gprs(). */
static u64 load(struct __test_metadata *_metadata, enum hcvm_cpu_mode mode,
		const u8 *bytes, unsigned int n, u64 data, unsigned int reg)
{
	struct hcvm_mmio_insn insn = decoded(_metadata, mode, bytes, n);
	u64 gprs[16], before[16];

	fill_gprs(gprs);
	memcpy(before, gprs, sizeof(gprs));
	EXPECT_FALSE(insn.write);
	hcvm_mmio_complete_load(&insn, gprs, data);
	/* Nothing but @reg changes. */
	for (unsigned int i = 0; i < 16; i++) {
		if (i != reg) {
			EXPECT_EQ(before[i], gprs[i]) TH_LOG("register %u", i);
		}
	}
	return gprs[reg];
}

#define LOAD(mode, data, reg, ...) \
	load(_metadata, mode, (const u8[]){ __VA_ARGS__ }, \
	     sizeof((u8[]){ __VA_ARGS__ }), data, reg)

TEST(load_completion)
{
	/* rax = 0x1716151413121110, rbx = 0x1a19181716151413, r9 = 0x201f1e1d1c1b1a19 */
	const u64 rax = 0x1716151413121110ULL, rbx = 0x1a19181716151413ULL;
	const u64 rsp = 0x1b1a191817161514ULL, r9 = 0x201f1e1d1c1b1a19ULL;

	/* mov al, [rsi]: the other 56 bits stay */
	EXPECT_EQ(0x17161514131211aaULL, LOAD(L64, 0xdeadbeefaa, 0, 0x8a, 0x06));
	EXPECT_EQ((rax & ~0xffULL) | 0xaa, LOAD(L64, 0xaa, 0, 0x8a, 0x06));
	/* mov ah, [rsi]: bits 15:8 of rax */
	EXPECT_EQ(0x171615141312aa10ULL, LOAD(L64, 0x55aa, 0, 0x8a, 0x26));
	/* mov bh, [rsi] in 32-bit mode */
	EXPECT_EQ((rbx & ~0xff00ULL) | 0x8000, LOAD(P32, 0x80, 3, 0x8a, 0x3e));
	/* mov spl, [rsi]: the low byte of rsp, not ah */
	EXPECT_EQ((rsp & ~0xffULL) | 0x42, LOAD(L64, 0x42, 4, 0x40, 0x8a, 0x26));
	/* mov r9b, [rsi] */
	EXPECT_EQ((r9 & ~0xffULL) | 0x99, LOAD(L64, 0x99, 9, 0x44, 0x8a, 0x0e));
	/* mov ax, [rsi]: the other 48 bits stay */
	EXPECT_EQ((rax & ~0xffffULL) | 0xbeef, LOAD(L64, 0xdeadbeef, 0, 0x66, 0x8b, 0x06));
	/* mov bx, [si] in real mode */
	EXPECT_EQ((rbx & ~0xffffULL) | 0x1234, LOAD(R16, 0x56781234, 3, 0x8b, 0x1c));
	/* mov eax, [rsi]: bits 63:32 cleared */
	EXPECT_EQ(0xdeadbeefULL, LOAD(L64, 0xfeedfacedeadbeefULL, 0, 0x8b, 0x06));
	/* mov rax, [rsi] */
	EXPECT_EQ(0xfeedfacedeadbeefULL, LOAD(L64, 0xfeedfacedeadbeefULL, 0, 0x48, 0x8b, 0x06));
	/* movabs eax, [moffs] */
	EXPECT_EQ(0x89abcdefULL, LOAD(L64, 0x0123456789abcdefULL, 0,
				      0xa1, 0, 0, 0, 0, 0, 0, 0, 0));
	/* movzx eax, byte ptr [rsi] */
	EXPECT_EQ(0xf0ULL, LOAD(L64, 0x12f0, 0, 0x0f, 0xb6, 0x06));
	/* movzx ax, byte ptr [rsi]: bits 63:16 stay */
	EXPECT_EQ((rax & ~0xffffULL) | 0xf0, LOAD(L64, 0x12f0, 0, 0x66, 0x0f, 0xb6, 0x06));
	/* movzx rbx, word ptr [rsi] */
	EXPECT_EQ(0x8001ULL, LOAD(L64, 0x77778001, 3, 0x48, 0x0f, 0xb7, 0x1e));
	/* movsx eax, byte ptr [rsi]: bits 63:32 cleared */
	EXPECT_EQ(0xffffff80ULL, LOAD(L64, 0x80, 0, 0x0f, 0xbe, 0x06));
	/* movsx eax, byte ptr [rsi], positive */
	EXPECT_EQ(0x7fULL, LOAD(L64, 0xff7f, 0, 0x0f, 0xbe, 0x06));
	/* movsx ax, byte ptr [rsi]: bits 63:16 stay */
	EXPECT_EQ((rax & ~0xffffULL) | 0xff80, LOAD(L64, 0x80, 0, 0x66, 0x0f, 0xbe, 0x06));
	/* movsx rax, word ptr [rsi] */
	EXPECT_EQ(0xffffffffffff8000ULL, LOAD(L64, 0x8000, 0, 0x48, 0x0f, 0xbf, 0x06));
	/* movsx r9, byte ptr [rsi] */
	EXPECT_EQ(0xfffffffffffffffeULL, LOAD(L64, 0xfe, 9, 0x4c, 0x0f, 0xbe, 0x0e));
	/* movsxd rax, dword ptr [rsi] */
	EXPECT_EQ(0xffffffff80000000ULL, LOAD(L64, 0x80000000, 0, 0x48, 0x63, 0x06));
	EXPECT_EQ(0x7fffffffULL, LOAD(L64, 0xffffffff7fffffffULL, 0, 0x48, 0x63, 0x06));
	/* movsx dx, byte ptr [bx] in 16-bit mode */
	EXPECT_EQ((0x1918171615141312ULL & ~0xffffULL) | 0xfff0,
		  LOAD(P16, 0xf0, 2, 0x0f, 0xbe, 0x17));
}

TEST_HARNESS_MAIN
