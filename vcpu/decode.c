// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the memory-moving instructions a guest uses for MMIO, and the
 * register side of completing them. Pure: bytes in, a description out.
 *
 * Layout of what is understood (Intel SDM Vol. 2, chapter 2):
 *   legacy prefixes*  REX?  opcode  ModRM  SIB?  displacement?  immediate?
 * or, for MOV AL/rAX <-> moffs (A0-A3), opcode followed by an address-sized
 * offset and no ModRM.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "decode.h"

#define REX_B	0x1
#define REX_X	0x2
#define REX_R	0x4
#define REX_W	0x8

/* The bytes being decoded and how far decoding has got. */
struct cursor {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
};

/*
 * Can @n more bytes be consumed? -EINVAL past the architectural limit (the
 * CPU would raise #GP), -EAGAIN past what the caller fetched.
 */
static int need(const struct cursor *c, unsigned int n)
{
	if (c->pos + n > HCVM_INSN_MAX_LEN)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -EAGAIN;
	return 0;
}

/* Take @n (1..8) little-endian bytes; need() must have allowed them. */
static u64 take(struct cursor *c, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = n; i; i--)
		v = (v << 8) | c->bytes[c->pos + i - 1];
	c->pos += n;
	return v;
}

static u64 size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* @v's low @bytes bytes, sign-extended to 64 bits. */
static u64 sign_extend(u64 v, unsigned int bytes)
{
	u64 sign = 1ULL << (8 * bytes - 1);

	return ((v & size_mask(bytes)) ^ sign) - sign;
}

/*
 * Consume the ModRM byte and the SIB byte and displacement it implies.
 * A register operand (mod = 3) is not a memory access: -EINVAL.
 */
static int take_modrm(struct cursor *c, unsigned int addr_size, u8 *modrm)
{
	unsigned int mod, rm, disp;
	int ret;

	ret = need(c, 1);
	if (ret)
		return ret;
	*modrm = take(c, 1);
	mod = *modrm >> 6;
	rm = *modrm & 7;
	if (mod == 3)
		return -EINVAL;

	if (addr_size == 2) {
		/* [bx+si] .. [bx]; no SIB; mod 0 rm 6 is a bare disp16. */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
		else
			disp = 0;
	} else {
		/*
		 * rm 4 means a SIB byte follows (whatever REX.B says), and a
		 * SIB base of 5 with mod 0 means no base but a disp32. Mod 0
		 * rm 5 is a bare disp32, RIP-relative in 64-bit mode: either
		 * way four bytes.
		 */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 5)
			disp = 4;
		else
			disp = 0;
		if (rm == 4) {
			ret = need(c, 1);
			if (ret)
				return ret;
			if ((take(c, 1) & 7) == 5 && mod == 0)
				disp = 4;
		}
	}
	ret = need(c, disp);
	if (ret)
		return ret;
	c->pos += disp;
	return 0;
}

/* Consume the legacy and REX prefixes; returns 0 with the cursor on the opcode. */
static int take_prefixes(struct cursor *c, bool long64, bool *opsize_pfx,
			 bool *addrsize_pfx, bool *rep, u8 *rex)
{
	int ret;
	u8 b;

	for (;;) {
		ret = need(c, 1);
		if (ret)
			return ret;
		b = c->bytes[c->pos];
		switch (b) {
		case 0x66:
			*opsize_pfx = true;
			break;
		case 0x67:
			*addrsize_pfx = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			/* Segment overrides: the fault address is already known. */
			break;
		case 0xf0:
			/* LOCK on a MOV raises #UD. */
			return -EINVAL;
		case 0xf2: case 0xf3:
			/* Ignored (or an XRELEASE hint) on a one-byte MOV. */
			*rep = true;
			break;
		default:
			/* 0x40-0x4f are INC/DEC outside 64-bit mode. */
			if (!long64 || (b & 0xf0) != 0x40)
				return 0;
			/* REX counts only right before the opcode. */
			*rex = b;
			c->pos++;
			continue;
		}
		*rex = 0;
		c->pos++;
	}
}

int hcvm_decode_mmio(const u8 *bytes, unsigned int avail,
		     enum hcvm_cpu_mode mode, struct hcvm_mmio_insn *insn)
{
	struct cursor c = {
		.bytes = bytes,
		.avail = avail < HCVM_INSN_MAX_LEN ? avail : HCVM_INSN_MAX_LEN,
	};
	bool long64 = mode == HCVM_MODE_LONG64;
	bool opsize_pfx = false, addrsize_pfx = false, rep = false;
	unsigned int op_size, addr_size, imm_size = 0;
	u8 rex = 0, op, modrm = 0;
	int ret;

	*insn = (struct hcvm_mmio_insn){ 0 };
	ret = take_prefixes(&c, long64, &opsize_pfx, &addrsize_pfx, &rep, &rex);
	if (ret)
		return ret;

	if (long64) {
		op_size = (rex & REX_W) ? 8 : opsize_pfx ? 2 : 4;
		addr_size = addrsize_pfx ? 4 : 8;
	} else {
		bool d = mode == HCVM_MODE_PROT32;

		op_size = d != opsize_pfx ? 4 : 2;
		addr_size = d != addrsize_pfx ? 4 : 2;
	}

	op = take(&c, 1);
	switch (op) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		insn->size = op & 1 ? op_size : 1;
		insn->write = !(op & 2);
		if (!insn->write)
			insn->dst_size = insn->size;
		ret = take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		insn->reg = ((modrm >> 3) & 7) | (rex & REX_R ? 8 : 0);
		insn->high_byte = insn->size == 1 && !rex && insn->reg >= 4;
		break;
	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm16/32 (imm32 sign-extended for 64) */
		insn->size = op & 1 ? op_size : 1;
		insn->write = true;
		insn->src_imm = true;
		imm_size = insn->size < 4 ? insn->size : 4;
		ret = take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		if (modrm & 0x38)
			return -EINVAL;
		break;
	case 0xa0:	/* MOV AL, moffs8 */
	case 0xa1:	/* MOV rAX, moffs */
	case 0xa2:	/* MOV moffs8, AL */
	case 0xa3:	/* MOV moffs, rAX */
		insn->size = op & 1 ? op_size : 1;
		insn->write = op & 2;
		if (!insn->write)
			insn->dst_size = insn->size;
		ret = need(&c, addr_size);
		if (ret)
			return ret;
		c.pos += addr_size;
		break;
	case 0x63:	/* MOVSXD r, r/m32 (ARPL outside 64-bit mode) */
		/*
		 * With a 16-bit operand Intel documents a 16-bit read, while
		 * disassemblers show 32: too unsure to emulate.
		 */
		if (!long64 || op_size == 2)
			return -EINVAL;
		insn->size = 4;
		insn->dst_size = op_size;
		insn->sign_extend = true;
		ret = take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		insn->reg = ((modrm >> 3) & 7) | (rex & REX_R ? 8 : 0);
		break;
	case 0x0f:
		/* F2/F3 select other instructions in the 0F map (POPCNT...). */
		if (rep)
			return -EINVAL;
		ret = need(&c, 1);
		if (ret)
			return ret;
		op = take(&c, 1);
		switch (op) {
		case 0xb6:	/* MOVZX r, r/m8 */
		case 0xb7:	/* MOVZX r, r/m16 */
		case 0xbe:	/* MOVSX r, r/m8 */
		case 0xbf:	/* MOVSX r, r/m16 */
			insn->size = op & 1 ? 2 : 1;
			insn->dst_size = op_size;
			insn->sign_extend = op & 8;
			break;
		default:
			return -EINVAL;
		}
		ret = take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		insn->reg = ((modrm >> 3) & 7) | (rex & REX_R ? 8 : 0);
		break;
	default:
		return -EINVAL;
	}

	if (imm_size) {
		ret = need(&c, imm_size);
		if (ret)
			return ret;
		insn->imm = sign_extend(take(&c, imm_size), imm_size) &
			    size_mask(insn->size);
	}
	insn->len = c.pos;
	return 0;
}

u64 hcvm_mmio_store_value(const struct hcvm_mmio_insn *insn, const u64 *gprs)
{
	if (insn->src_imm)
		return insn->imm & size_mask(insn->size);
	if (insn->high_byte)
		return (gprs[(insn->reg - 4) & 3] >> 8) & 0xff;
	return gprs[insn->reg & 15] & size_mask(insn->size);
}

void hcvm_mmio_complete_load(const struct hcvm_mmio_insn *insn, u64 *gprs,
			     u64 data)
{
	u64 val = data & size_mask(insn->size);
	u64 *r = &gprs[insn->reg & 15];

	if (insn->sign_extend)
		val = sign_extend(val, insn->size);

	switch (insn->dst_size) {
	case 1:
		if (insn->high_byte) {
			r = &gprs[(insn->reg - 4) & 3];
			*r = (*r & ~0xff00ULL) | (val & 0xff) << 8;
		} else {
			*r = (*r & ~0xffULL) | (val & 0xff);
		}
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = val & 0xffffffffULL;
		break;
	case 8:
		*r = val;
		break;
	}
}
