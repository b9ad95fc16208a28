// SPDX-License-Identifier: GPL-2.0
/* Host-side tests of MSI address/data decoding (devices/msi.c). */
#include "kselftest_harness.h"
#include "../../devices/msi.h"

TEST(physical_fixed_edge)
{
	struct hcvm_irq irq = { 0 };

	ASSERT_TRUE(hcvm_msi_decode(0xfee05000, 0x0031, &irq));
	EXPECT_EQ(5u, irq.dest);
	EXPECT_EQ(0x31, irq.vector);
	EXPECT_EQ(HCVM_DM_FIXED, irq.delivery);
	EXPECT_FALSE(irq.logical);
	EXPECT_FALSE(irq.level);
}

TEST(logical_lowest_level)
{
	struct hcvm_irq irq = { 0 };

	/* dest 0x0f, logical (bit 2), lowest priority, level trigger asserted. */
	ASSERT_TRUE(hcvm_msi_decode(0xfee0f004, 0xc1a2, &irq));
	EXPECT_EQ(0x0fu, irq.dest);
	EXPECT_TRUE(irq.logical);
	EXPECT_EQ(0xa2, irq.vector);
	EXPECT_EQ(HCVM_DM_LOWEST, irq.delivery);
	EXPECT_TRUE(irq.level);
}

TEST(delivery_modes_kept)
{
	struct hcvm_irq irq = { 0 };

	ASSERT_TRUE(hcvm_msi_decode(0xfeeff000, 0x0400, &irq));
	EXPECT_EQ(HCVM_DM_NMI, irq.delivery);
	EXPECT_EQ(0xffu, irq.dest);
	ASSERT_TRUE(hcvm_msi_decode(0xfee00000, 0x0500, &irq));
	EXPECT_EQ(HCVM_DM_INIT, irq.delivery);
	ASSERT_TRUE(hcvm_msi_decode(0xfee00000, 0x0700, &irq));
	EXPECT_EQ(HCVM_DM_EXTINT, irq.delivery);
	ASSERT_TRUE(hcvm_msi_decode(0xfee00000, 0x0200, &irq));
	EXPECT_EQ(HCVM_DM_SMI, irq.delivery);
}

TEST(redirection_hint_makes_fixed_lowest)
{
	struct hcvm_irq irq = { 0 };

	ASSERT_TRUE(hcvm_msi_decode(0xfee01008, 0x0040, &irq));
	EXPECT_EQ(HCVM_DM_LOWEST, irq.delivery);
	EXPECT_EQ(1u, irq.dest);
	/* Only fixed is turned into lowest priority: an NMI stays an NMI. */
	ASSERT_TRUE(hcvm_msi_decode(0xfee01008, 0x0440, &irq));
	EXPECT_EQ(HCVM_DM_NMI, irq.delivery);
}

TEST(x2apic_high_destination)
{
	struct hcvm_irq irq = { 0 };

	/* Destination bits 31:8 from address bits 63:40. */
	ASSERT_TRUE(hcvm_msi_decode(0x0012340000000000ULL | 0xfee56000, 0x30, &irq));
	EXPECT_EQ(0x123456u, irq.dest);
	/* Address bits 39:32 are reserved in that format. */
	EXPECT_FALSE(hcvm_msi_decode(0x0000000100000000ULL | 0xfee00000, 0x30, &irq));
}

TEST(outside_window_refused)
{
	struct hcvm_irq irq = { .vector = 0x77 };

	EXPECT_FALSE(hcvm_msi_decode(0xfed00000, 0x30, &irq));
	EXPECT_FALSE(hcvm_msi_decode(0xfef00000, 0x30, &irq));
	EXPECT_FALSE(hcvm_msi_decode(0, 0x30, &irq));
	EXPECT_EQ(0x77, irq.vector);	/* untouched */
	EXPECT_TRUE(hcvm_msi_decode(0xfeefffff & ~0xfu, 0x30, &irq));
}

TEST_HARNESS_MAIN
