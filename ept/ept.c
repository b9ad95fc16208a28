// SPDX-License-Identifier: GPL-2.0
/*
 * EPT page tables. Leaves point at host pages pinned when the leaf was made
 * (see mmu.c); a zapped leaf's pages are unpinned, and a zapped table freed,
 * only after every CPU has dropped its cached translations, so a guest can
 * never reach a page the host has reused.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
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

int hcvm_ept_init(struct hcvm_ept *ept, struct mm_struct *mm)
{
	ept->mm = mm;
	atomic64_set(&ept->pinned, 0);
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

void hcvm_ept_unpin(struct hcvm_ept *ept, struct page *page, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		unpin_user_page(nth_page(page, i));
	atomic64_sub(n, &ept->mm->pinned_vm);
	atomic64_sub(n, &ept->pinned);
}

/*
 * Zapping is two walks around one flush of every CPU's EPT translations.
 * The first makes the range's entries non-present by clearing RWX, keeping
 * the rest (the page frame, the size) and a mark (ZAPPED); a table whose
 * whole span is in the range is detached from its parent the same way. The
 * second, after the flush, unpins what the marked leaves pointed at and
 * frees the detached tables. The MMU lock is held throughout: nothing sees
 * the marked entries in between.
 */
#define EPT_ZAPPED		BIT_ULL(53)

static void mark(u64 *e)
{
	WRITE_ONCE(*e, (*e & ~HCVM_EPT_RWX) | EPT_ZAPPED);
}

static void mark_range(u64 *table, int level, u64 base, u64 start, u64 end)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 lo = base + i * span, *e = &table[i];

		if (lo >= end || lo + span <= start || !(*e & HCVM_EPT_RWX))
			continue;
		if (!is_leaf(*e, level)) {
			mark_range(entry_table(*e), level - 1, lo, start, end);
			if (lo >= start && lo + span <= end)
				mark(e);	/* detached: the CPU walks no more of it */
			continue;
		}
		mark(e);
	}
}

/* After the flush: release what marked entries (or detached tables, @all) hold. */
static void release_range(struct hcvm_ept *ept, u64 *table, int level, u64 base, u64 start,
			  u64 end, bool all)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 lo = base + i * span, *e = &table[i], v = *e;

		if (!all && (lo >= end || lo + span <= start))
			continue;
		if (!is_leaf(v, level) && (v & (HCVM_EPT_RWX | EPT_ZAPPED))) {
			release_range(ept, entry_table(v), level - 1, lo, start, end,
				      all || (v & EPT_ZAPPED));
			if (v & EPT_ZAPPED) {
				free_page((unsigned long)entry_table(v));
				WRITE_ONCE(*e, 0);
			}
			continue;
		}
		if (!(v & EPT_ZAPPED))
			continue;
		/* A page someone else owns (hcvm_mmu_map_fixed()) is theirs to free. */
		if (!(v & HCVM_EPT_NOPIN))
			hcvm_ept_unpin(ept, pfn_to_page((v & EPT_ADDR_MASK) >> PAGE_SHIFT),
				       level == 2 ? EPT_ENTRIES : 1);
		WRITE_ONCE(*e, 0);
	}
}

void hcvm_ept_zap(struct hcvm_ept *ept, u64 gpa, u64 size)
{
	mark_range(ept->root, EPT_LEVELS, 0, gpa, gpa + size);
	hcvm_ept_flush_all_cpus(ept);
	release_range(ept, ept->root, EPT_LEVELS, 0, gpa, gpa + size, false);
}

void hcvm_ept_free(struct hcvm_ept *ept)
{
	if (!ept->root)
		return;
	/* Flush even with nothing mapped: the tables themselves may be cached. */
	hcvm_ept_zap(ept, 0, 1ULL << (12 + 9 * EPT_LEVELS));
	free_page((unsigned long)ept->root);
	ept->root = NULL;
}

/* A table left empty by zaps of parts of its span. */
static bool table_empty(u64 *table)
{
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
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
	/*
	 * A 2 MiB leaf where an emptied table of 4 KiB leaves hangs: the table
	 * goes. Its entries were zapped and flushed: no CPU caches them.
	 */
	if (huge && (*e & HCVM_EPT_RWX) && !is_leaf(*e, leaf_level) &&
	    table_empty(entry_table(*e))) {
		free_page((unsigned long)entry_table(*e));
		WRITE_ONCE(*e, 0);
	}
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
