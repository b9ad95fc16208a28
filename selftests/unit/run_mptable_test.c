// SPDX-License-Identifier: GPL-2.0
/* hcvm-run's MP table: signatures, checksums, every vCPU, the IOAPIC and ISA IRQs. */
#include <string.h>
#include "kselftest_harness.h"
#include "mptable.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

TEST(four_cpus)
{
	static uint8_t buf[MPTABLE_MAX];
	long len = mptable_write(buf, MPTABLE_BASE, sizeof(buf), 4);
	uint8_t *mpc = buf + 16, *e;
	uint16_t mpc_len, count;
	uint32_t physptr, lapic;
	int cpus = 0, ioapics = 0, irqs = 0, lints = 0, bsp = 0;

	ASSERT_GT(len, 0);
	ASSERT_EQ(0, memcmp(buf, "_MP_", 4));
	ASSERT_EQ(0, sum(buf, 16));
	ASSERT_EQ(1, buf[8]);
	ASSERT_EQ(4, buf[9]);
	memcpy(&physptr, buf + 4, 4);
	ASSERT_EQ(MPTABLE_BASE + 16U, physptr);
	ASSERT_EQ(0, memcmp(mpc, "PCMP", 4));
	memcpy(&mpc_len, mpc + 4, 2);
	memcpy(&count, mpc + 34, 2);
	memcpy(&lapic, mpc + 36, 4);
	ASSERT_EQ(len - 16, (long)mpc_len);
	ASSERT_EQ(0, sum(mpc, mpc_len));
	ASSERT_EQ(0xfee00000U, lapic);
	e = mpc + 44;
	for (int i = 0; i < count; i++) {
		uint32_t addr;

		switch (e[0]) {
		case 0:
			ASSERT_EQ(cpus, e[1]);		/* APIC id = vCPU index */
			ASSERT_TRUE(e[3] & 1);
			bsp += !!(e[3] & 2);
			cpus++;
			e += 20;
			break;
		case 1:
			ASSERT_EQ(0, memcmp(e + 2, "ISA   ", 6));
			e += 8;
			break;
		case 2:
			memcpy(&addr, e + 4, 4);
			ASSERT_EQ(0xfec00000U, addr);
			ASSERT_EQ(4, e[1]);		/* clear of every APIC id */
			ioapics++;
			e += 8;
			break;
		case 3:
			ASSERT_EQ(e[5], e[7]);		/* ISA IRQ n on pin n */
			ASSERT_EQ(4, e[6]);
			irqs++;
			e += 8;
			break;
		case 4:
			ASSERT_EQ(0xff, e[6]);
			lints++;
			e += 8;
			break;
		default:
			ASSERT_TRUE(0);
		}
	}
	ASSERT_EQ(mpc + mpc_len, e);
	ASSERT_EQ(4, cpus);
	ASSERT_EQ(1, bsp);
	ASSERT_EQ(1, ioapics);
	ASSERT_EQ(15, irqs);
	ASSERT_EQ(2, lints);
}

TEST(limits)
{
	static uint8_t buf[MPTABLE_MAX];

	ASSERT_EQ(-1, mptable_write(buf, MPTABLE_BASE, sizeof(buf), 0));
	ASSERT_EQ(-1, mptable_write(buf, MPTABLE_BASE, 64, 1));
	ASSERT_GT(mptable_write(buf, MPTABLE_BASE, sizeof(buf), 64), 0);
}

TEST_HARNESS_MAIN
