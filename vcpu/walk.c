// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walk: one loop over the levels of whichever paging
 * mode CR0, CR4 and EFER select, checking present and reserved bits on the
 * way down and the combined U/S, R/W and XD rights at the end.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "walk.h"

#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PS		(1ULL << 7)
#define PTE_XD		(1ULL << 63)

/* Bits @hi..@lo set; empty when @lo > @hi. */
static u64 bits(unsigned int hi, unsigned int lo)
{
	if (lo > hi)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/* One paging mode's shape and rules. */
struct walk {
	unsigned int levels;		/* below the PDPTEs, for PAE */
	unsigned int entry_size;	/* 4 or 8 */
	unsigned int index_bits;	/* 10 or 9 */
	u64 addr_mask;			/* next table or 4 KiB frame in an entry */
	u64 rsvd;			/* reserved in every entry */
	unsigned int max_large;		/* highest level that may map a page (PS) */
	bool ps_ignored;		/* 32-bit paging without CR4.PSE */
	unsigned int maxphyaddr;
	bool nx;			/* XD bits count */
};

static int read_entry(hcvm_read_gpa_fn read, void *ctx, u64 gpa,
		      unsigned int size, u64 *entry)
{
	u8 buf[8];
	unsigned int i;
	int ret;

	ret = read(ctx, gpa, buf, size);
	if (ret)
		return ret;
	*entry = 0;
	for (i = size; i; i--)
		*entry = (*entry << 8) | buf[i - 1];
	return 0;
}

/* Reserved bits of a page-mapping (PS) entry at @level: alignment, PSE-36 room. */
static u64 large_rsvd(const struct walk *w, unsigned int level)
{
	unsigned int m = w->maxphyaddr;

	if (w->entry_size == 4) {
		/* Bits (M-20):13 hold address bits (M-1):32, M at most 40. */
		if (m > 40)
			m = 40;
		if (m < 32)
			m = 32;
		return bits(21, m - 19);
	}
	/* Bit 12 is PAT; the rest up to the page size must be zero. */
	return bits(12 + w->index_bits * (level - 1) - 1, 13);
}

/* Frame of a page-mapping (PS) entry at @level. */
static u64 large_frame(const struct walk *w, u64 e, unsigned int level)
{
	if (w->entry_size == 4)
		return (e & bits(31, 22)) | ((e >> 13) & 0xff) << 32;
	return e & w->addr_mask & ~bits(12 + w->index_bits * (level - 1) - 1, 0);
}

static bool canonical(u64 la, unsigned int va_bits)
{
	u64 high = la >> (va_bits - 1);

	return !high || high == (~0ULL >> (va_bits - 1));
}

int hcvm_gva_to_gpa(const struct hcvm_walk_regs *r, u64 la, unsigned int access,
		    hcvm_read_gpa_fn read, void *ctx, u64 *gpa, u32 *pf_error)
{
	bool user = access & HCVM_ACC_USER, write = access & HCVM_ACC_WRITE;
	bool fetch = access & HCVM_ACC_FETCH;
	bool allow_user = true, allow_write = true, allow_exec = true;
	struct walk w = {
		.maxphyaddr = r->maxphyaddr && r->maxphyaddr < 52 ? r->maxphyaddr : 52,
	};
	u64 table, e = 0, frame = 0;
	unsigned int level, shift = 12;
	bool large;
	int ret;

	*pf_error = access & (HCVM_PF_WRITE | HCVM_PF_USER);
	/* I/D is reported only where fetches can be refused. */
	if (fetch && ((r->cr4 & CR4_SMEP) ||
		      ((r->cr4 & CR4_PAE) && (r->efer & EFER_NXE))))
		*pf_error |= HCVM_PF_FETCH;

	if (!(r->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffULL;
		return 0;
	}

	w.addr_mask = bits(w.maxphyaddr - 1, 12);
	if (r->efer & EFER_LMA) {
		w.levels = r->cr4 & CR4_LA57 ? 5 : 4;
		if (!canonical(la, 12 + 9 * w.levels))
			return -EINVAL;
		w.entry_size = 8;
		w.index_bits = 9;
		w.nx = r->efer & EFER_NXE;
		w.rsvd = bits(51, w.maxphyaddr) | (w.nx ? 0 : PTE_XD);
		w.max_large = 3;
		table = r->cr3 & w.addr_mask;
	} else if (r->cr4 & CR4_PAE) {
		u64 pdpte, pdpte_rsvd = bits(63, w.maxphyaddr) | bits(8, 5) | bits(2, 1);
		unsigned int i = (la >> 30) & 3;

		if (r->pdptrs) {
			pdpte = r->pdptrs[i];
		} else {
			ret = read_entry(read, ctx, (r->cr3 & bits(31, 5)) + 8 * i,
					 8, &pdpte);
			if (ret)
				return ret;
		}
		if (!(pdpte & PTE_P))
			return -EFAULT;
		if (pdpte & pdpte_rsvd) {
			*pf_error |= HCVM_PF_PRESENT | HCVM_PF_RSVD;
			return -EFAULT;
		}
		w.levels = 2;
		w.entry_size = 8;
		w.index_bits = 9;
		w.nx = r->efer & EFER_NXE;
		w.rsvd = bits(62, w.maxphyaddr) | (w.nx ? 0 : PTE_XD);
		w.max_large = 2;
		table = pdpte & w.addr_mask;
	} else {
		w.levels = 2;
		w.entry_size = 4;
		w.index_bits = 10;
		w.addr_mask = bits(31, 12);
		w.max_large = 2;
		w.ps_ignored = !(r->cr4 & CR4_PSE);
		table = r->cr3 & w.addr_mask;
	}

	for (level = w.levels; level; level--) {
		shift = 12 + w.index_bits * (level - 1);
		ret = read_entry(read, ctx,
				 table + w.entry_size * ((la >> shift) & bits(w.index_bits - 1, 0)),
				 w.entry_size, &e);
		if (ret)
			return ret;
		if (!(e & PTE_P))
			return -EFAULT;

		large = level > 1 && (e & PTE_PS) && !w.ps_ignored;
		if (e & w.rsvd)
			goto rsvd;
		if (large && (level > w.max_large || (e & large_rsvd(&w, level))))
			goto rsvd;

		allow_user &= !!(e & PTE_US);
		allow_write &= !!(e & PTE_RW);
		if (w.nx && (e & PTE_XD))
			allow_exec = false;

		if (large) {
			frame = large_frame(&w, e, level);
			break;
		}
		if (level == 1)
			frame = e & w.addr_mask;
		else
			table = e & w.addr_mask;
	}

	*pf_error |= HCVM_PF_PRESENT;
	if (user) {
		if (!allow_user || (write && !allow_write) || (fetch && !allow_exec))
			return -EFAULT;
	} else if (fetch) {
		if (!allow_exec || (allow_user && (r->cr4 & CR4_SMEP)))
			return -EFAULT;
	} else {
		if (write && !allow_write && (r->cr0 & CR0_WP))
			return -EFAULT;
		if (allow_user && (r->cr4 & CR4_SMAP) && !(access & HCVM_ACC_SMAP_AC))
			return -EFAULT;
	}
	*gpa = frame | (la & bits(shift - 1, 0));
	*pf_error = 0;
	return 0;

rsvd:
	*pf_error |= HCVM_PF_PRESENT | HCVM_PF_RSVD;
	return -EFAULT;
}
