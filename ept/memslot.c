// SPDX-License-Identifier: GPL-2.0
/* Memory-slot bookkeeping and the rules of KVM_SET_USER_MEMORY_REGION. */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "memslot.h"

int hcvm_memslot_check(const struct hcvm_memslots *slots,
		       const struct kvm_userspace_memory_region *req,
		       enum hcvm_slot_change *change)
{
	const u64 mask = HCVM_PAGE_SIZE - 1;
	const struct hcvm_memslot *old;
	u64 gfn, npages;
	unsigned int i;

	/* Address space 0 only (the slot's high 16 bits would select another). */
	if (req->slot >= HCVM_MAX_MEMSLOTS)
		return -EINVAL;
	if (req->flags & ~KVM_MEM_READONLY)
		return -EINVAL;
	if ((req->memory_size | req->guest_phys_addr | req->userspace_addr) & mask)
		return -EINVAL;
	if (req->guest_phys_addr >> HCVM_GPA_BITS ||
	    req->memory_size > (1ULL << HCVM_GPA_BITS) - req->guest_phys_addr)
		return -EINVAL;
	/* A userspace address is canonical and in the lower half. */
	if (req->userspace_addr >> 47 || req->memory_size > (1ULL << 47) - req->userspace_addr)
		return -EINVAL;

	old = &slots->slot[req->slot];
	gfn = req->guest_phys_addr >> HCVM_PAGE_SHIFT;
	npages = req->memory_size >> HCVM_PAGE_SHIFT;

	if (!npages) {
		if (!old->npages)
			return -EINVAL;
		*change = HCVM_SLOT_DELETE;
		return 0;
	}
	if (old->npages) {
		/* An existing slot keeps its size, memory and read-only flag. */
		if (npages != old->npages || req->userspace_addr != old->hva ||
		    (req->flags ^ old->flags) & KVM_MEM_READONLY)
			return -EINVAL;
		*change = gfn == old->base_gfn ? HCVM_SLOT_FLAGS : HCVM_SLOT_MOVE;
		if (*change == HCVM_SLOT_FLAGS)
			return 0;
	} else {
		*change = HCVM_SLOT_CREATE;
	}

	for (i = 0; i < HCVM_MAX_MEMSLOTS; i++) {
		const struct hcvm_memslot *s = &slots->slot[i];

		if (i == req->slot || !s->npages)
			continue;
		if (gfn < s->base_gfn + s->npages && s->base_gfn < gfn + npages)
			return -EEXIST;
	}
	return 0;
}

const struct hcvm_memslot *hcvm_memslot_find(const struct hcvm_memslots *slots, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < HCVM_MAX_MEMSLOTS; i++) {
		const struct hcvm_memslot *s = &slots->slot[i];

		if (gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}
