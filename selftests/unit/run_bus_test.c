// SPDX-License-Identifier: GPL-2.0
/* hcvm-run's device bus: ranges, overlaps, lookups at the edges, unclaimed accesses. */
#include <string.h>
#include "kselftest_harness.h"
#include "bus.h"

static int hits;
static uint64_t last_addr;

static void dev_fn(void *dev, uint64_t addr, uint8_t *data, unsigned int len, int is_write)
{
	hits++;
	last_addr = addr;
	if (!is_write)
		memset(data, *(uint8_t *)dev, len);
}

TEST(add_and_find)
{
	struct bus bus = { 0 };
	uint8_t a = 0xa, b = 0xb, data[4];

	ASSERT_EQ(0, bus_add(&bus, 0x3f8, 8, dev_fn, &a));
	ASSERT_EQ(0, bus_add(&bus, 0x60, 1, dev_fn, &b));
	ASSERT_EQ(0, bus_add(&bus, 0x64, 1, dev_fn, &b));
	ASSERT_EQ(-1, bus_add(&bus, 0x3fc, 8, dev_fn, &a));	/* overlaps the end */
	ASSERT_EQ(-1, bus_add(&bus, 0x3f0, 9, dev_fn, &a));	/* overlaps the start */
	ASSERT_EQ(-1, bus_add(&bus, 0x100, 0, dev_fn, &a));	/* empty */
	ASSERT_EQ(-1, bus_add(&bus, ~0ULL, 2, dev_fn, &a));	/* wraps */
	ASSERT_EQ(0, bus_add(&bus, 0x3f0, 8, dev_fn, &a));	/* touching is fine */
	ASSERT_EQ(4, bus.n);
	for (int i = 1; i < bus.n; i++)
		ASSERT_LT(bus.r[i - 1].base, bus.r[i].base);

	ASSERT_EQ(&a, bus_find(&bus, 0x3f8, 1)->dev);
	ASSERT_EQ(&a, bus_find(&bus, 0x3ff, 1)->dev);
	ASSERT_EQ(NULL, bus_find(&bus, 0x3fe, 4));		/* runs past the range */
	ASSERT_EQ(NULL, bus_find(&bus, 0x400, 1));
	ASSERT_EQ(NULL, bus_find(&bus, 0x5f, 1));
	ASSERT_EQ(&b, bus_find(&bus, 0x64, 1)->dev);
	ASSERT_EQ(NULL, bus_find(&bus, 0x61, 1));

	ASSERT_EQ(1, bus_access(&bus, 0x3fa, data, 2, 0));
	ASSERT_EQ(0x0a, data[0]);
	ASSERT_EQ(0x3faULL, last_addr);
	ASSERT_EQ(0, bus_access(&bus, 0x80, data, 4, 0));	/* unclaimed: all ones */
	ASSERT_EQ(0xff, data[3]);
	ASSERT_EQ(0, bus_access(&bus, 0x80, data, 1, 1));
	ASSERT_EQ(1, hits);
}

TEST(full)
{
	struct bus bus = { 0 };
	uint8_t d = 0;

	for (int i = 0; i < BUS_MAX_RANGES; i++)
		ASSERT_EQ(0, bus_add(&bus, 0x1000 * (BUS_MAX_RANGES - i), 0x10, dev_fn, &d));
	ASSERT_EQ(-1, bus_add(&bus, 0, 1, dev_fn, &d));
	ASSERT_NE(NULL, bus_find(&bus, 0x1000, 1));
	ASSERT_NE(NULL, bus_find(&bus, 0x1000 * BUS_MAX_RANGES + 0xf, 1));
}

TEST_HARNESS_MAIN
