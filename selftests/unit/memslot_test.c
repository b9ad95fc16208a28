// SPDX-License-Identifier: GPL-2.0
/* Host-side tests of the KVM_SET_USER_MEMORY_REGION rules (ept/memslot.c). */
#include <errno.h>
#include "kselftest_harness.h"
#include "../../ept/memslot.h"

static struct kvm_userspace_memory_region req(u32 slot, u64 gpa, u64 size, u64 hva, u32 flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};
	return r;
}

/* Apply a checked request the way mmu.c does. */
static int apply(struct hcvm_memslots *s, struct kvm_userspace_memory_region r)
{
	enum hcvm_slot_change c;
	int ret = hcvm_memslot_check(s, &r, &c);

	if (!ret) {
		s->slot[r.slot].base_gfn = r.guest_phys_addr >> 12;
		s->slot[r.slot].npages = r.memory_size >> 12;
		s->slot[r.slot].hva = r.userspace_addr;
		s->slot[r.slot].flags = r.flags;
	}
	return ret;
}

TEST(create_find_move_delete)
{
	struct hcvm_memslots s = { 0 };
	enum hcvm_slot_change c;
	struct kvm_userspace_memory_region r = req(2, 0x100000, 0x10000, 0x7f0000000000, 0);

	ASSERT_EQ(0, hcvm_memslot_check(&s, &r, &c));
	EXPECT_EQ((int)HCVM_SLOT_CREATE, (int)c);
	ASSERT_EQ(0, apply(&s, r));
	EXPECT_EQ(&s.slot[2], hcvm_memslot_find(&s, 0x100));
	EXPECT_EQ(&s.slot[2], hcvm_memslot_find(&s, 0x10f));
	EXPECT_EQ(NULL, hcvm_memslot_find(&s, 0x110));
	EXPECT_EQ(NULL, hcvm_memslot_find(&s, 0xff));

	r.guest_phys_addr = 0x200000;
	ASSERT_EQ(0, hcvm_memslot_check(&s, &r, &c));
	EXPECT_EQ((int)HCVM_SLOT_MOVE, (int)c);
	r.guest_phys_addr = 0x100000;
	ASSERT_EQ(0, hcvm_memslot_check(&s, &r, &c));
	EXPECT_EQ((int)HCVM_SLOT_FLAGS, (int)c);
	r.memory_size = 0;
	ASSERT_EQ(0, hcvm_memslot_check(&s, &r, &c));
	EXPECT_EQ((int)HCVM_SLOT_DELETE, (int)c);
}

TEST(overlaps_refused_touching_allowed)
{
	struct hcvm_memslots s = { 0 };

	ASSERT_EQ(0, apply(&s, req(0, 0x100000, 0x10000, 0x10000000, 0)));
	EXPECT_EQ(-EEXIST, apply(&s, req(1, 0x10f000, 0x2000, 0x20000000, 0)));
	EXPECT_EQ(-EEXIST, apply(&s, req(1, 0x0ff000, 0x2000, 0x20000000, 0)));
	EXPECT_EQ(-EEXIST, apply(&s, req(1, 0x000000, 0x200000, 0x20000000, 0)));
	EXPECT_EQ(0, apply(&s, req(1, 0x110000, 0x1000, 0x20000000, 0)));
	EXPECT_EQ(0, apply(&s, req(3, 0x0ff000, 0x1000, 0x30000000, 0)));
	/* Moving onto another slot is an overlap too. */
	EXPECT_EQ(-EEXIST, apply(&s, req(1, 0x100000, 0x1000, 0x20000000, 0)));
}

TEST(malformed_requests_refused)
{
	struct hcvm_memslots s = { 0 };

	EXPECT_EQ(-EINVAL, apply(&s, req(HCVM_MAX_MEMSLOTS, 0, 0x1000, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(1 << 16, 0, 0x1000, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0x800, 0x1000, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0x1800, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0x1000, 0x1008, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0x1000, 0x1000, KVM_MEM_LOG_DIRTY_PAGES)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 1ULL << 48, 0x1000, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, (1ULL << 48) - 0x1000, 0x2000, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0x1000, 1ULL << 47, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0x2000, (1ULL << 47) - 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0xfffffffffffff000ULL, 0x1000, 0)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0, 0, 0x1000, 0)));	/* delete of nothing */
}

TEST(existing_slot_keeps_size_memory_and_readonly)
{
	struct hcvm_memslots s = { 0 };

	ASSERT_EQ(0, apply(&s, req(0, 0x100000, 0x10000, 0x10000000, KVM_MEM_READONLY)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0x100000, 0x20000, 0x10000000, KVM_MEM_READONLY)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0x100000, 0x10000, 0x20000000, KVM_MEM_READONLY)));
	EXPECT_EQ(-EINVAL, apply(&s, req(0, 0x100000, 0x10000, 0x10000000, 0)));
	EXPECT_EQ(0, apply(&s, req(0, 0x300000, 0x10000, 0x10000000, KVM_MEM_READONLY)));
}

TEST_HARNESS_MAIN
