/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM's extended page tables: 4 levels, 4 KiB and 2 MiB leaves pointing at
 * pinned host pages. The caller serialises all changes (struct hcvm_mmu's lock).
 */
#ifndef HCVM_EPT_EPT_H
#define HCVM_EPT_EPT_H

#include <linux/atomic.h>
#include <linux/types.h>

#define HCVM_EPT_R	BIT_ULL(0)
#define HCVM_EPT_W	BIT_ULL(1)
#define HCVM_EPT_X	BIT_ULL(2)
#define HCVM_EPT_RWX	(HCVM_EPT_R | HCVM_EPT_W | HCVM_EPT_X)
/* Ignored by the CPU: a page hcvm owns (not a pinned guest page), never unpinned. */
#define HCVM_EPT_NOPIN	BIT_ULL(52)

struct mm_struct;
struct page;

struct hcvm_ept {
	u64 *root;		/* the PML4 table */
	u64 eptp;
	struct mm_struct *mm;	/* charged for the pinned pages (mm->pinned_vm) */
	atomic64_t pinned;	/* pages pinned for this EPT: its part of that charge */
};

int hcvm_ept_init(struct hcvm_ept *ept, struct mm_struct *mm);
/* Unpin @n pages from @page on (one run) and take them off the mm's charge. */
void hcvm_ept_unpin(struct hcvm_ept *ept, struct page *page, unsigned int n);
/* Unmap everything (unpinning the pages), flush every CPU, free the tables. */
void hcvm_ept_free(struct hcvm_ept *ept);
/* Map one page (2 MiB if @huge) of host-physical @hpa at @gpa with @prot. */
int hcvm_ept_map(struct hcvm_ept *ept, u64 gpa, u64 hpa, u64 prot, bool huge);
/* The leaf entry mapping @gpa, or 0. */
u64 hcvm_ept_lookup(struct hcvm_ept *ept, u64 gpa);
/* Unmap [@gpa, @gpa + @size), flush every CPU, then unpin the pages. */
void hcvm_ept_zap(struct hcvm_ept *ept, u64 gpa, u64 size);
/* Forget cached translations of this EPT on every CPU. */
void hcvm_ept_flush_all_cpus(struct hcvm_ept *ept);

#endif
