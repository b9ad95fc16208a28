// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the VMX capability decoder (vmx/caps.c) with synthetic
 * MSR values: what hcvm accepts, what it refuses, and the reason it names.
 */
#include <string.h>
#include "kselftest_harness.h"
#include "../../vmx/caps.h"

/* A Skylake-like CPU with everything hcvm needs. */
static struct hcvm_vmx_msrs good(void)
{
	struct hcvm_vmx_msrs m = {
		.basic = 4 | (0x1000ULL << 32) | ((u64)HCVM_MEMTYPE_WB << 50) |
			 (1ULL << 54) | HCVM_BASIC_TRUE_CTLS,
		.pin = 0x0000007f00000016ULL,
		.true_pin = 0x0000007f00000016ULL,
		.proc = 0xfff9fffe0401e172ULL,
		.true_proc = 0xfff9fffe04006172ULL,
		.exit = 0x01ffffff00036dffULL,
		.true_exit = 0x01ffffff00036dfbULL,
		.entry = 0x0003ffff000011ffULL,
		.true_entry = 0x0003ffff000011fbULL,
		.proc2 = (u64)(HCVM_PROC2_EPT | HCVM_PROC2_VPID | HCVM_PROC2_UNRESTRICTED |
			       HCVM_PROC2_APIC_ACCESS) << 32,
		.ept_vpid = HCVM_EPT_WALK_4 | HCVM_EPT_WB | HCVM_EPT_2M | HCVM_EPT_INVEPT |
			    HCVM_EPT_INVEPT_CONTEXT | HCVM_EPT_INVEPT_GLOBAL |
			    HCVM_VPID_INVVPID | HCVM_VPID_INVVPID_CONTEXT |
			    HCVM_VPID_INVVPID_GLOBAL,
		.cr0_fixed0 = 0x80000021,
		.cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000,
		.cr4_fixed1 = 0x3767ff,
	};
	return m;
}

TEST(decodes_a_capable_cpu)
{
	struct hcvm_vmx_msrs m = good();
	struct hcvm_vmx_caps c;
	const char *missing = "unset";

	ASSERT_EQ(0, hcvm_caps_decode(&c, &m, &missing));
	EXPECT_EQ(NULL, missing);
	EXPECT_EQ(4u, c.revision_id);
	EXPECT_EQ(4096u, c.vmcs_size);
	EXPECT_EQ((u32)HCVM_MEMTYPE_WB, c.vmcs_memtype);
	EXPECT_TRUE(c.true_ctls);
	EXPECT_FALSE(c.phys_addr_32bit);
	EXPECT_EQ(m.ept_vpid, c.ept_vpid);
	EXPECT_EQ(0x80000021ULL, c.cr0_fixed0);
}

TEST(true_controls_preferred_when_enumerated)
{
	struct hcvm_vmx_msrs m = good();
	struct hcvm_vmx_caps c;
	const char *missing;

	ASSERT_EQ(0, hcvm_caps_decode(&c, &m, &missing));
	EXPECT_EQ(0x04006172u, c.proc.must_be_one);
	EXPECT_EQ(0xfff9fffeu, c.proc.may_be_one);
	EXPECT_EQ(0x00036dfbu, c.exit.must_be_one);
	EXPECT_EQ(0x000011fbu, c.entry.must_be_one);
}

TEST(legacy_controls_without_true_msrs)
{
	struct hcvm_vmx_msrs m = good();
	struct hcvm_vmx_caps c;
	const char *missing;

	m.basic &= ~HCVM_BASIC_TRUE_CTLS;
	ASSERT_EQ(0, hcvm_caps_decode(&c, &m, &missing));
	EXPECT_FALSE(c.true_ctls);
	EXPECT_EQ(0x0401e172u, c.proc.must_be_one);
	EXPECT_EQ(0x00036dffu, c.exit.must_be_one);
}

/* Each way a CPU can fall short, and the reason hcvm must give. */
static void no_64bit_addrs(struct hcvm_vmx_msrs *m) { m->basic |= HCVM_BASIC_32BIT_PHYS_ONLY; }
static void uc_vmcs(struct hcvm_vmx_msrs *m) { m->basic &= ~(0xfULL << 50); }
static void big_vmcs(struct hcvm_vmx_msrs *m) { m->basic |= 0x1001ULL << 32; }
static void no_secondary(struct hcvm_vmx_msrs *m)
{
	m->proc &= ~((u64)HCVM_PROC_SECONDARY << 32);
	m->true_proc &= ~((u64)HCVM_PROC_SECONDARY << 32);
}
static void no_ept(struct hcvm_vmx_msrs *m) { m->proc2 &= ~((u64)HCVM_PROC2_EPT << 32); }
static void no_vpid(struct hcvm_vmx_msrs *m) { m->proc2 &= ~((u64)HCVM_PROC2_VPID << 32); }
static void no_ug(struct hcvm_vmx_msrs *m) { m->proc2 &= ~((u64)HCVM_PROC2_UNRESTRICTED << 32); }
static void no_walk4(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_EPT_WALK_4; }
static void no_ept_wb(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_EPT_WB; }
static void no_invept(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_EPT_INVEPT; }
static void no_invept_all(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_EPT_INVEPT_GLOBAL; }
static void no_invvpid(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_VPID_INVVPID; }
static void no_invvpid_all(struct hcvm_vmx_msrs *m) { m->ept_vpid &= ~HCVM_VPID_INVVPID_GLOBAL; }

TEST(refusals_name_the_missing_feature)
{
	static const struct {
		void (*spoil)(struct hcvm_vmx_msrs *m);
		const char *reason;
	} cases[] = {
		{ no_64bit_addrs, "64-bit VMCS addresses" },
		{ uc_vmcs, "write-back VMCS memory" },
		{ big_vmcs, "VMCS region within one page" },
		{ no_secondary, "secondary processor-based controls" },
		{ no_ept, "EPT" },
		{ no_vpid, "VPID" },
		{ no_ug, "unrestricted guest" },
		{ no_walk4, "4-level write-back EPT" },
		{ no_ept_wb, "4-level write-back EPT" },
		{ no_invept, "INVEPT all-context" },
		{ no_invept_all, "INVEPT all-context" },
		{ no_invvpid, "INVVPID all-context" },
		{ no_invvpid_all, "INVVPID all-context" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hcvm_vmx_msrs m = good();
		struct hcvm_vmx_caps c;
		const char *missing = NULL;

		cases[i].spoil(&m);
		EXPECT_EQ(-EOPNOTSUPP, hcvm_caps_decode(&c, &m, &missing));
		ASSERT_NE(NULL, missing);
		EXPECT_STREQ(cases[i].reason, missing);
	}
}

TEST(secondary_msrs_ignored_unless_enumerated)
{
	struct hcvm_vmx_msrs m = good();
	struct hcvm_vmx_caps c;
	const char *missing;

	no_secondary(&m);
	hcvm_caps_decode(&c, &m, &missing);
	EXPECT_EQ(0u, c.proc2.may_be_one);
	EXPECT_EQ(0ULL, c.ept_vpid);
}

TEST(control_fits)
{
	struct hcvm_ctl_caps ctl = { .must_be_one = 0x16, .may_be_one = 0x7f };

	EXPECT_TRUE(hcvm_ctl_fits(&ctl, 0x16));
	EXPECT_TRUE(hcvm_ctl_fits(&ctl, 0x7f));
	EXPECT_FALSE(hcvm_ctl_fits(&ctl, 0x80));
}

TEST(cr_fixed_bits)
{
	const u64 cr0_f0 = 0x80000021, cr0_f1 = 0xffffffff;
	const u64 cr4_f0 = 0x2000, cr4_f1 = 0x3767ff;

	EXPECT_TRUE(hcvm_cr_fixed_ok(0x80050033, cr0_f0, cr0_f1));
	EXPECT_FALSE(hcvm_cr_fixed_ok(0x80050013, cr0_f0, cr0_f1));	/* NE clear */
	EXPECT_FALSE(hcvm_cr_fixed_ok(0x1ffffffffULL, cr0_f0, cr0_f1));
	EXPECT_TRUE(hcvm_cr_fixed_ok(0x3626f0, cr4_f0, cr4_f1));
	EXPECT_FALSE(hcvm_cr_fixed_ok(0x3606f0, cr4_f0, cr4_f1));	/* VMXE clear */
	EXPECT_FALSE(hcvm_cr_fixed_ok(0x3626f0 | (1 << 12), cr4_f0, cr4_f1));
}

static int usable(bool cpuid_vmx, u64 feat_ctl)
{
	return hcvm_vmx_usable(cpuid_vmx, feat_ctl);
}

TEST(vmx_usable_from_cpuid_and_feature_control)
{
	const u64 locked = HCVM_FEAT_CTL_LOCKED, on = HCVM_FEAT_CTL_VMX_OUTSIDE_SMX;

	EXPECT_EQ(HCVM_VMX_ABSENT, usable(false, locked | on));
	EXPECT_EQ(HCVM_VMX_LOCKED_OFF, usable(true, locked));
	EXPECT_EQ(HCVM_VMX_LOCKED_OFF, usable(true, locked | (1 << 1)));
	EXPECT_EQ(HCVM_VMX_NEEDS_LOCK, usable(true, 0));
	EXPECT_EQ(HCVM_VMX_NEEDS_LOCK, usable(true, on));
	EXPECT_EQ(HCVM_VMX_USABLE, usable(true, locked | on));
}

TEST_HARNESS_MAIN
