// SPDX-License-Identifier: GPL-2.0
/*
 * EPT page tables. Leaves point at host pages pinned when the leaf was made
 * (see mmu.c); a zapped leaf's pages are unpinned only after every CPU has
 * dropped its cached translations, so a guest can never reach a page the
 * host has reused.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>
#include "../vmx/insn.h"
#include "ept.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_MEMTYPE_WB		(6ULL << 3)
#define EPT_IGNORE_PAT		BIT_ULL(6)
#define EPT_LARGE		BIT_ULL(7)
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)
#define EPTP_WB			6ULL
#define EPTP_WALK_4		(3ULL << 3)

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *entry_table(u64 e)
{
	return phys_to_virt(e & EPT_ADDR_MASK);
}

static bool is_leaf(u64 e, int level)
{
	return level == 1 || (e & EPT_LARGE);
}

int hcvm_ept_init(struct hcvm_ept *ept)
{
	ept->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ept->root)
		return -ENOMEM;
	ept->eptp = virt_to_phys(ept->root) | EPTP_WALK_4 | EPTP_WB;
	return 0;
}

static void flush_this_cpu(void *info)
{
	struct hcvm_ept *ept = info;

	hcvm_invept(HCVM_INV_SINGLE_CONTEXT, ept->eptp);
}

void hcvm_ept_flush_all_cpus(struct hcvm_ept *ept)
{
	on_each_cpu(flush_this_cpu, ept, 1);
}

/* Leaves cleared but not yet unpinned: unpinned after the next flush. */
struct zap_batch {
	unsigned int n;
	struct { u64 pfn; unsigned int npages; } leaf[32];
};

static void unpin_batch(struct hcvm_ept *ept, struct zap_batch *b)
{
	unsigned int i, j;

	if (!b->n)
		return;
	hcvm_ept_flush_all_cpus(ept);
	for (i = 0; i < b->n; i++)
		for (j = 0; j < b->leaf[i].npages; j++)
			unpin_user_page(pfn_to_page(b->leaf[i].pfn + j));
	b->n = 0;
}

static void zap_leaf(struct hcvm_ept *ept, u64 *e, int level, struct zap_batch *b)
{
	if (*e & HCVM_EPT_NOPIN) {
		WRITE_ONCE(*e, 0);	/* its owner frees it after the flush */
		return;
	}
	if (b->n == ARRAY_SIZE(b->leaf))
		unpin_batch(ept, b);
	b->leaf[b->n].pfn = (*e & EPT_ADDR_MASK) >> PAGE_SHIFT;
	b->leaf[b->n].npages = level == 2 ? EPT_ENTRIES : 1;
	b->n++;
	WRITE_ONCE(*e, 0);
}

/* Zap leaves in [start, end) below @table at @level; free subtables if @free. */
static void zap_range(struct hcvm_ept *ept, u64 *table, int level, u64 base,
		      u64 start, u64 end, bool free, struct zap_batch *b)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 lo = base + i * span, *e = &table[i];

		if (lo >= end || lo + span <= start || !(*e & HCVM_EPT_RWX))
			continue;
		if (is_leaf(*e, level)) {
			zap_leaf(ept, e, level, b);
			continue;
		}
		zap_range(ept, entry_table(*e), level - 1, lo, start, end, free, b);
		if (free) {
			free_page((unsigned long)entry_table(*e));
			WRITE_ONCE(*e, 0);
		}
	}
}

void hcvm_ept_zap(struct hcvm_ept *ept, u64 gpa, u64 size)
{
	struct zap_batch b = { .n = 0 };

	zap_range(ept, ept->root, EPT_LEVELS, 0, gpa, gpa + size, false, &b);
	unpin_batch(ept, &b);
}

void hcvm_ept_free(struct hcvm_ept *ept)
{
	struct zap_batch b = { .n = 0 };

	if (!ept->root)
		return;
	zap_range(ept, ept->root, EPT_LEVELS, 0, 0, ~0ULL, true, &b);
	/* Flush even with nothing pinned: the tables themselves may be cached. */
	hcvm_ept_flush_all_cpus(ept);
	unpin_batch(ept, &b);
	free_page((unsigned long)ept->root);
	ept->root = NULL;
}

int hcvm_ept_map(struct hcvm_ept *ept, u64 gpa, u64 hpa, u64 prot, bool huge)
{
	int leaf_level = huge ? 2 : 1, level;
	u64 *table = ept->root, *e;

	for (level = EPT_LEVELS; level > leaf_level; level--) {
		e = &table[ept_index(gpa, level)];
		if (!(*e & HCVM_EPT_RWX)) {
			u64 *next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

			if (!next)
				return -ENOMEM;
			WRITE_ONCE(*e, virt_to_phys(next) | HCVM_EPT_RWX);
		} else if (is_leaf(*e, level)) {
			return -EEXIST;	/* a 2 MiB leaf covers it already */
		}
		table = entry_table(*e);
	}
	e = &table[ept_index(gpa, leaf_level)];
	if (*e & HCVM_EPT_RWX)
		return -EEXIST;
	WRITE_ONCE(*e, hpa | prot | EPT_MEMTYPE_WB | EPT_IGNORE_PAT | (huge ? EPT_LARGE : 0));
	return 0;
}

u64 hcvm_ept_lookup(struct hcvm_ept *ept, u64 gpa)
{
	u64 *table = ept->root, e = 0;
	int level;

	for (level = EPT_LEVELS; level >= 1; level--) {
		e = table[ept_index(gpa, level)];
		if (!(e & HCVM_EPT_RWX) || is_leaf(e, level))
			return e;
		table = entry_table(e);
	}
	return e;
}
