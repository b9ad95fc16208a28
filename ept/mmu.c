// SPDX-License-Identifier: GPL-2.0
/* Memory slots to EPT: slot changes, EPT-violation handling, guest memory copies. */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <linux/uaccess.h>
#include "mmu.h"

#define HUGE_PAGES	512	/* 4 KiB pages in a 2 MiB leaf */

int hcvm_mmu_init(struct hcvm_mmu *mmu, bool huge_pages, struct mm_struct *mm)
{
	mutex_init(&mmu->lock);
	memset(&mmu->slots, 0, sizeof(mmu->slots));
	mmu->huge_pages = huge_pages;
	return hcvm_ept_init(&mmu->ept, mm);
}

/*
 * Pin guest memory for EPT leaves, charged to the VM's mm as VFIO and RDMA
 * do: pinned pages count in mm->pinned_vm (VmPin in /proc/PID/status) and,
 * without CAP_IPC_LOCK, stay within RLIMIT_MEMLOCK. Pages beyond it are
 * not pinned: the fault fails with -ENOMEM. Returns the pages pinned.
 */
static int pin(struct hcvm_mmu *mmu, unsigned long hva, int n, unsigned int gup,
	       struct page **pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	int got = pin_user_pages_fast(hva, n, gup, pages);

	if (got <= 0)
		return got;
	if (atomic64_add_return(got, &mmu->ept.mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		unpin_user_pages(pages, got);
		atomic64_sub(got, &mmu->ept.mm->pinned_vm);
		return -ENOMEM;
	}
	atomic64_add(got, &mmu->ept.pinned);
	return got;
}

void hcvm_mmu_destroy(struct hcvm_mmu *mmu)
{
	hcvm_ept_free(&mmu->ept);
	mutex_destroy(&mmu->lock);
}

int hcvm_mmu_set_region(struct hcvm_mmu *mmu, const struct kvm_userspace_memory_region *req)
{
	enum hcvm_slot_change change;
	struct hcvm_memslot *slot;
	int ret;

	if (!access_ok((void __user *)(unsigned long)req->userspace_addr, req->memory_size))
		return -EINVAL;
	mutex_lock(&mmu->lock);
	ret = hcvm_memslot_check(&mmu->slots, req, &change);
	if (ret || change == HCVM_SLOT_FLAGS)
		goto out;
	slot = &mmu->slots.slot[req->slot];
	if (change == HCVM_SLOT_DELETE || change == HCVM_SLOT_MOVE)
		hcvm_ept_zap(&mmu->ept, slot->base_gfn << PAGE_SHIFT, slot->npages << PAGE_SHIFT);
	/* RAM now where the fixed page was mapped: the RAM wins. */
	if (change != HCVM_SLOT_DELETE && mmu->fixed_gpa &&
	    mmu->fixed_gpa - req->guest_phys_addr < req->memory_size) {
		hcvm_ept_zap(&mmu->ept, mmu->fixed_gpa, PAGE_SIZE);
		mmu->fixed_gpa = 0;
	}
	slot->base_gfn = req->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = req->memory_size >> PAGE_SHIFT;
	slot->hva = req->userspace_addr;
	slot->flags = req->flags;
out:
	mutex_unlock(&mmu->lock);
	return ret;
}

/*
 * Can the 2 MiB block around @gfn be one leaf? Only if the slot covers it
 * whole, guest and host addresses agree modulo 2 MiB, and the host backs it
 * with one large folio (transparent or hugetlb huge page).
 */
static bool huge_fits(struct hcvm_mmu *mmu, const struct hcvm_memslot *s, u64 gfn,
		      struct page *page)
{
	u64 first = gfn & ~(u64)(HUGE_PAGES - 1);

	return mmu->huge_pages && first >= s->base_gfn &&
	       first + HUGE_PAGES <= s->base_gfn + s->npages &&
	       !((s->hva - (s->base_gfn << PAGE_SHIFT)) & (HUGE_PAGES * PAGE_SIZE - 1)) &&
	       folio_order(page_folio(page)) >= 9;
}

/* Pin the 512 pages of a 2 MiB block; true if they are one aligned run. */
static bool pin_huge(struct hcvm_mmu *mmu, unsigned long hva, unsigned int gup,
		     struct page **pages)
{
	unsigned long pfn;
	int n, i;

	n = pin(mmu, hva, HUGE_PAGES, gup, pages);
	if (n <= 0)
		return false;
	pfn = page_to_pfn(pages[0]);
	for (i = 0; i < n; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			break;
	if (n == HUGE_PAGES && i == n && !(pfn & (HUGE_PAGES - 1)))
		return true;
	unpin_user_pages(pages, n);
	atomic64_sub(n, &mmu->ept.mm->pinned_vm);
	atomic64_sub(n, &mmu->ept.pinned);
	return false;
}

/*
 * A 4 KiB fault maps the rest of its 64 KiB block in the slot too: guests
 * touch neighbouring pages soon (page tables, descriptor tables and stacks
 * lie together), each fault is an exit, and the CPU delivering an interrupt
 * through a page not mapped yet exits in the middle of the delivery, which
 * some emulated CPUs report wrongly (see vmx/apicv.c). KVM prefetches
 * neighbours for the same reasons.
 */
#define AROUND_PAGES	16

static void fault_around(struct hcvm_mmu *mmu, const struct hcvm_memslot *s, u64 gfn,
			 unsigned int gup, u64 prot)
{
	u64 first = max(gfn & ~(u64)(AROUND_PAGES - 1), s->base_gfn);
	u64 end = min((gfn | (AROUND_PAGES - 1)) + 1, s->base_gfn + s->npages);
	struct page *pages[AROUND_PAGES];
	int n, i;

	n = pin(mmu, s->hva + ((first - s->base_gfn) << PAGE_SHIFT), end - first, gup, pages);
	for (i = 0; i < n; i++) {
		u64 g = (first + i) << PAGE_SHIFT;

		if (first + i == gfn || (hcvm_ept_lookup(&mmu->ept, g) & HCVM_EPT_RWX) ||
		    hcvm_ept_map(&mmu->ept, g, page_to_phys(pages[i]), prot, false))
			hcvm_ept_unpin(&mmu->ept, pages[i], 1);
	}
}

int hcvm_mmu_fault(struct hcvm_mmu *mmu, u64 gpa, bool write)
{
	const struct hcvm_memslot *s;
	unsigned int gup = FOLL_LONGTERM;
	struct page *page, **pages;
	u64 gfn = gpa >> PAGE_SHIFT, prot, leaf;
	unsigned long hva;
	int ret = 0;

	mutex_lock(&mmu->lock);
	s = hcvm_memslot_find(&mmu->slots, gfn);
	if (!s || (write && (s->flags & KVM_MEM_READONLY))) {
		ret = HCVM_MMU_MMIO;
		goto out;
	}
	/* Another vCPU may have mapped it while this one waited for the lock. */
	leaf = hcvm_ept_lookup(&mmu->ept, gpa);
	if (leaf & HCVM_EPT_RWX)
		goto out;

	prot = HCVM_EPT_R | HCVM_EPT_X;
	if (!(s->flags & KVM_MEM_READONLY)) {
		gup |= FOLL_WRITE;
		prot |= HCVM_EPT_W;
	}
	hva = s->hva + ((gfn - s->base_gfn) << PAGE_SHIFT);
	ret = pin(mmu, hva, 1, gup, &page);
	if (ret != 1) {
		ret = ret ?: -EFAULT;
		goto out;
	}
	ret = 0;
	if (huge_fits(mmu, s, gfn, page)) {
		pages = kmalloc_array(HUGE_PAGES, sizeof(*pages), GFP_KERNEL);
		if (pages && pin_huge(mmu, hva & ~(HUGE_PAGES * PAGE_SIZE - 1), gup, pages)) {
			ret = hcvm_ept_map(&mmu->ept, gpa & ~(HUGE_PAGES * PAGE_SIZE - 1),
					   page_to_phys(pages[0]), prot, true);
			if (!ret) {
				hcvm_ept_unpin(&mmu->ept, page, 1);	/* the block holds it */
				kfree(pages);
				goto out;
			}
			/* 4 KiB leaves already in the block: it stays one of 4 KiB pages. */
			hcvm_ept_unpin(&mmu->ept, pages[0], HUGE_PAGES);
		}
		kfree(pages);
		if (ret && ret != -EEXIST) {
			hcvm_ept_unpin(&mmu->ept, page, 1);
			goto out;
		}
	}
	ret = hcvm_ept_map(&mmu->ept, gpa & PAGE_MASK, page_to_phys(page), prot, false);
	if (ret)
		hcvm_ept_unpin(&mmu->ept, page, 1);
	else
		fault_around(mmu, s, gfn, gup, prot);
out:
	mutex_unlock(&mmu->lock);
	return ret;
}

int hcvm_mmu_map_fixed(struct hcvm_mmu *mmu, u64 gpa, phys_addr_t hpa)
{
	int ret = -EEXIST;

	mutex_lock(&mmu->lock);
	if (!hcvm_memslot_find(&mmu->slots, gpa >> PAGE_SHIFT)) {
		ret = 0;
		if (!(hcvm_ept_lookup(&mmu->ept, gpa) & HCVM_EPT_RWX))
			ret = hcvm_ept_map(&mmu->ept, gpa & PAGE_MASK, hpa,
					   HCVM_EPT_RWX | HCVM_EPT_NOPIN, false);
		if (!ret)
			mmu->fixed_gpa = gpa & PAGE_MASK;
	}
	mutex_unlock(&mmu->lock);
	return ret;
}

/*
 * Copy within one slot at a time; @write copies to the guest. The guest's
 * page tables and code are pinned and mapped in the VMM almost always, so
 * try the copy without faulting first: that skips might_fault()'s checks.
 */
int hcvm_mmu_copy_locked(struct hcvm_mmu *mmu, u64 gpa, void *buf, unsigned int len, bool write)
{
	lockdep_assert_held(&mmu->lock);
	while (len) {
		const struct hcvm_memslot *s = hcvm_memslot_find(&mmu->slots, gpa >> PAGE_SHIFT);
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		void __user *hva;

		if (!s || (write && (s->flags & KVM_MEM_READONLY)))
			return -EFAULT;
		hva = (void __user *)(unsigned long)(s->hva + gpa - (s->base_gfn << PAGE_SHIFT));
		if (write ? copy_to_user_nofault(hva, buf, chunk) && copy_to_user(hva, buf, chunk) :
			    copy_from_user_nofault(buf, hva, chunk) &&
			    copy_from_user(buf, hva, chunk))
			return -EFAULT;
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int hcvm_mmu_read(struct hcvm_mmu *mmu, u64 gpa, void *buf, unsigned int len)
{
	int ret;

	mutex_lock(&mmu->lock);
	ret = hcvm_mmu_copy_locked(mmu, gpa, buf, len, false);
	mutex_unlock(&mmu->lock);
	return ret;
}

int hcvm_mmu_write(struct hcvm_mmu *mmu, u64 gpa, const void *buf, unsigned int len)
{
	int ret;

	mutex_lock(&mmu->lock);
	ret = hcvm_mmu_copy_locked(mmu, gpa, (void *)buf, len, true);
	mutex_unlock(&mmu->lock);
	return ret;
}
