/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory slots: which guest-physical ranges are backed by which userspace
 * range. The checks on a KVM_SET_USER_MEMORY_REGION request are pure so
 * host unit tests can run them.
 */
#ifndef HCVM_EPT_MEMSLOT_H
#define HCVM_EPT_MEMSLOT_H

#include <linux/types.h>
#include <linux/kvm.h>

#define HCVM_MAX_MEMSLOTS	32
#define HCVM_PAGE_SHIFT		12
#define HCVM_PAGE_SIZE		(1ULL << HCVM_PAGE_SHIFT)
/* 4-level EPT maps 48 bits of guest-physical address space. */
#define HCVM_GPA_BITS		48

struct hcvm_memslot {
	u64 base_gfn;
	u64 npages;		/* 0: the slot is empty */
	u64 hva;
	u32 flags;
};

struct hcvm_memslots {
	struct hcvm_memslot slot[HCVM_MAX_MEMSLOTS];
};

enum hcvm_slot_change {
	HCVM_SLOT_CREATE,
	HCVM_SLOT_DELETE,
	HCVM_SLOT_MOVE,
	HCVM_SLOT_FLAGS,	/* same place, same memory: nothing to do */
};

/*
 * Check a request against the current slots. Returns 0 and the kind of
 * change, or -EINVAL (malformed, or changing what a slot cannot change) or
 * -EEXIST (overlaps another slot).
 */
int hcvm_memslot_check(const struct hcvm_memslots *slots,
		       const struct kvm_userspace_memory_region *req,
		       enum hcvm_slot_change *change);

/* The slot holding guest frame @gfn, or NULL. */
const struct hcvm_memslot *hcvm_memslot_find(const struct hcvm_memslots *slots, u64 gfn);

#endif
