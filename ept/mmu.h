/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's guest-physical memory: the memory slots and the EPT made from them.
 *
 * Coherence with the host's memory management is by pinning: a page is
 * pinned (FOLL_LONGTERM) when the guest first touches it and stays pinned
 * until its slot is deleted or moved or the VM is destroyed. Cost: memory
 * the guest has touched cannot be swapped, migrated or freed by the host
 * (munmap or MADV_DONTNEED in the VMM does not take it from the guest) until
 * then. What it buys: no MMU-notifier races, no host page can be reused
 * while a guest still maps it.
 */
#ifndef HCVM_EPT_MMU_H
#define HCVM_EPT_MMU_H

#include <linux/mutex.h>
#include "ept.h"
#include "memslot.h"

struct hcvm_mmu {
	struct mutex lock;	/* slots and EPT */
	struct hcvm_memslots slots;
	struct hcvm_ept ept;
	bool huge_pages;	/* the CPU's EPT has 2 MiB leaves */
	u64 fixed_gpa;		/* where hcvm_mmu_map_fixed() mapped a page; 0: none */
};

/* hcvm_mmu_fault() result for an address with no memory: emulate as MMIO. */
#define HCVM_MMU_MMIO	1

int hcvm_mmu_init(struct hcvm_mmu *mmu, bool huge_pages, struct mm_struct *mm);
void hcvm_mmu_destroy(struct hcvm_mmu *mmu);
int hcvm_mmu_set_region(struct hcvm_mmu *mmu, const struct kvm_userspace_memory_region *req);
/* Resolve an EPT violation: 0 (mapped), HCVM_MMU_MMIO or -errno. */
int hcvm_mmu_fault(struct hcvm_mmu *mmu, u64 gpa, bool write);
/*
 * Map a page hcvm owns (the APIC-access page) at @gpa, where no slot is; a
 * slot created over it later replaces it. 0, or -EEXIST if a slot is there.
 */
int hcvm_mmu_map_fixed(struct hcvm_mmu *mmu, u64 gpa, phys_addr_t hpa);
/* Copy to or from guest-physical memory through the slots; -EFAULT outside RAM. */
int hcvm_mmu_read(struct hcvm_mmu *mmu, u64 gpa, void *buf, unsigned int len);
int hcvm_mmu_write(struct hcvm_mmu *mmu, u64 gpa, const void *buf, unsigned int len);
/* The same with mmu->lock held, for a batch of accesses (a page walk and its copy). */
int hcvm_mmu_copy_locked(struct hcvm_mmu *mmu, u64 gpa, void *buf, unsigned int len, bool write);

#endif
