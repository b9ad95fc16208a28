/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the guest instruction behind an MMIO exit. An EPT violation on
 * a guest-physical address with no memory behind it gives the address but not
 * the access size or the register: both come from the instruction bytes at
 * the guest's RIP. Only the plain memory-moving instructions are understood
 * (MOV, MOVZX, MOVSX, MOVSXD); anything else is refused. Pure: no guest
 * access, so host-side unit tests can feed it bytes.
 */
#ifndef HCVM_VCPU_DECODE_H
#define HCVM_VCPU_DECODE_H

#include <linux/types.h>

/* The longest x86 instruction, prefixes included. */
#define HCVM_INSN_MAX_LEN	15

/*
 * Default operand and address size of the code segment: 16 for REAL16 and
 * PROT16 (CS.D = 0), 32 for PROT32 (CS.D = 1), 64-bit mode for LONG64
 * (CS.L = 1 in IA-32e mode; compatibility mode is PROT16 or PROT32).
 */
enum hcvm_cpu_mode {
	HCVM_MODE_REAL16,
	HCVM_MODE_PROT16,
	HCVM_MODE_PROT32,
	HCVM_MODE_LONG64,
};

struct hcvm_mmio_insn {
	u8 len;		/* instruction length in bytes */
	u8 size;	/* memory access size: 1, 2, 4 or 8 */
	bool write;	/* store to memory; else a load from memory */
	bool src_imm;	/* store of @imm rather than of a register */
	/*
	 * Register operand, 0..15: rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
	 * With @high_byte it is the encoding 4..7 of AH CH DH BH, which are
	 * bits 15:8 of register @reg - 4.
	 */
	u8 reg;
	bool high_byte;
	u8 dst_size;	/* loads: bytes of the register written (MOVZX/MOVSX widen) */
	bool sign_extend; /* loads: MOVSX, MOVSXD */
	u64 imm;	/* stores of an immediate: the value, sign-extended to @size */
};

/*
 * Decode the instruction in @bytes (@avail of them valid) as executed in
 * @mode. Returns 0 and fills @insn; -EINVAL when the bytes are not a
 * supported memory-moving instruction (including a register operand, a LOCK
 * prefix, or more than HCVM_INSN_MAX_LEN bytes); -EAGAIN when the instruction
 * runs past @avail and @avail < HCVM_INSN_MAX_LEN: fetch more and retry.
 */
int hcvm_decode_mmio(const u8 *bytes, unsigned int avail,
		     enum hcvm_cpu_mode mode, struct hcvm_mmio_insn *insn);

/* The value a store writes, @insn->size bytes of it, taken from @gprs[16]. */
u64 hcvm_mmio_store_value(const struct hcvm_mmio_insn *insn, const u64 *gprs);

/*
 * Complete a load of @data (its low @insn->size bytes count) into @gprs[16]:
 * 8- and 16-bit writes keep the other bits, 32-bit writes clear bits 63:32
 * (the architectural result in 64-bit mode; those bits are undefined outside
 * it), MOVZX/MOVSX/MOVSXD widen to @insn->dst_size.
 */
void hcvm_mmio_complete_load(const struct hcvm_mmio_insn *insn, u64 *gprs,
			     u64 data);

#endif
