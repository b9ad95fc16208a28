// SPDX-License-Identifier: GPL-2.0
/* Host-side tests of the 8254 PIT model (devices/pit.c), at chosen times. */
#include <errno.h>
#include "kselftest_harness.h"
#include "../../devices/pit.h"

#define T0	1000000000ULL	/* 1 s: when the tests load their counts */

/* The first ns at which @ticks PIT clocks have elapsed: ceil(ticks * 1e9 / HZ). */
static u64 ns(u64 ticks)
{
	return (u64)(((__uint128_t)ticks * 1000000000 + 1193181) / 1193182);
}

static void out(struct hcvm_pit *pit, u16 port, u8 val, u64 now)
{
	hcvm_pit_io(pit, port, true, &val, now);
}

static u8 in(struct hcvm_pit *pit, u16 port, u64 now)
{
	u8 val = 0x5a;

	hcvm_pit_io(pit, port, false, &val, now);
	return val;
}

/* Counter latch command, then the two bytes (lohi access). */
static u16 latch16(struct hcvm_pit *pit, unsigned int ch, u64 now)
{
	u8 lo;

	out(pit, 0x43, ch << 6, now);
	lo = in(pit, 0x40 + ch, now);
	return lo | in(pit, 0x40 + ch, now) << 8;
}

/* Read-back of one channel's status byte. */
static u8 status(struct hcvm_pit *pit, unsigned int ch, u64 now)
{
	out(pit, 0x43, 0xe0 | 2 << ch, now);
	return in(pit, 0x40 + ch, now);
}

static bool out_pin(struct hcvm_pit *pit, unsigned int ch, u64 now)
{
	return status(pit, ch, now) >> 7;
}

/* Program @ch in @mode, lohi binary, with @count, at @now. */
static void program(struct hcvm_pit *pit, unsigned int ch, unsigned int mode, u16 count, u64 now)
{
	out(pit, 0x43, ch << 6 | 0x30 | mode << 1, now);
	out(pit, 0x40 + ch, count & 0xff, now);
	out(pit, 0x40 + ch, count >> 8, now);
}

TEST(reset_state)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, T0);
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_period(&pit));
	EXPECT_EQ(1, pit.ch[0].gate);
	EXPECT_EQ(1, pit.ch[1].gate);
	EXPECT_EQ(0, pit.ch[2].gate);
	/* Mode 0, lohi, binary, null count, OUT low. */
	EXPECT_EQ(0x70, status(&pit, 0, T0));
	EXPECT_EQ(0x00, in(&pit, 0x61, 0) & 0x2f);
}

TEST(mode0_interrupt_on_terminal_count)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x43, 0x30, T0);
	EXPECT_FALSE(out_pin(&pit, 0, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0));
	/* The first byte of a count does not start it. */
	out(&pit, 0x40, 0x00, T0);
	EXPECT_EQ(0x70, status(&pit, 0, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0));
	out(&pit, 0x40, 0x10, T0);	/* 0x1000 = 4096 */
	/* Loaded: null count clear, still low. */
	EXPECT_EQ(0x30, status(&pit, 0, T0));
	EXPECT_EQ(4096, latch16(&pit, 0, T0));
	EXPECT_EQ(3996, latch16(&pit, 0, T0 + ns(100)));
	EXPECT_EQ(3996, latch16(&pit, 0, T0 + ns(101) - 1));
	EXPECT_EQ(1, latch16(&pit, 0, T0 + ns(4095)));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(4096) - 1));
	EXPECT_EQ(T0 + ns(4096), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(T0 + ns(4096), hcvm_pit_irq0_next(&pit, T0 + ns(4096) - 1));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_period(&pit));
	/* Terminal count: OUT high and stays; the counter wraps on. */
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(4096)));
	EXPECT_EQ(0, latch16(&pit, 0, T0 + ns(4096)));
	EXPECT_EQ(0xffff - 9, latch16(&pit, 0, T0 + ns(4106)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(70000)));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0 + ns(4096)));
	/* A new count re-arms it: OUT low again. */
	out(&pit, 0x40, 10, T0 + ns(5000));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(5000)));
	out(&pit, 0x40, 0, T0 + ns(5000));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(5000)));
	EXPECT_EQ(T0 + ns(5000) + ns(10), hcvm_pit_irq0_next(&pit, T0 + ns(5000)));
}

TEST(mode2_rate_generator)
{
	struct hcvm_pit pit;
	u64 late = T0 + 36000ULL * 1000000000;	/* ten hours on */
	u64 d, next;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	EXPECT_EQ(1000, latch16(&pit, 0, T0));
	EXPECT_EQ(2, latch16(&pit, 0, T0 + ns(998)));
	EXPECT_EQ(1, latch16(&pit, 0, T0 + ns(999)));
	EXPECT_EQ(1000, latch16(&pit, 0, T0 + ns(1000)));
	EXPECT_EQ(500, latch16(&pit, 0, T0 + ns(2500)));
	/* OUT low for the one clock at count 1. */
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(998)));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(999)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(1000)));
	/* Rising edges every 1000 clocks from the load. */
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, 0));
	EXPECT_EQ(T0 + ns(2000), hcvm_pit_irq0_next(&pit, T0 + ns(1000)));
	EXPECT_EQ(T0 + ns(2000), hcvm_pit_irq0_next(&pit, T0 + ns(1500)));
	EXPECT_EQ(838095ULL, hcvm_pit_irq0_period(&pit));	/* 1000 / 1.193182 MHz */
	/* Far on: still on the grid, no drift, just after @late. */
	next = hcvm_pit_irq0_next(&pit, late);
	d = (u64)(((__uint128_t)(next - T0) * 1193182) / 1000000000);
	EXPECT_EQ(0ULL, d % 1000);
	EXPECT_EQ(next - T0, ns(d));
	EXPECT_GT(next, late);
	EXPECT_LE(next, late + ns(1000) + 1);
	EXPECT_EQ(next, hcvm_pit_irq0_next(&pit, next - 1));
}

TEST(mode3_square_wave)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 3, 1000, T0);
	EXPECT_EQ(1000, latch16(&pit, 0, T0));
	EXPECT_EQ(998, latch16(&pit, 0, T0 + ns(1)));
	EXPECT_EQ(2, latch16(&pit, 0, T0 + ns(499)));
	EXPECT_EQ(1000, latch16(&pit, 0, T0 + ns(500)));
	EXPECT_EQ(998, latch16(&pit, 0, T0 + ns(501)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(499)));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(500)));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(999)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(1000)));
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, T0 + ns(500)));
	EXPECT_EQ(T0 + ns(3000), hcvm_pit_irq0_next(&pit, T0 + ns(2000)));
	EXPECT_EQ(838095ULL, hcvm_pit_irq0_period(&pit));

	/* Odd count 5 on channel 1: high 3 clocks (5 4 2), low 2 (5 2). */
	program(&pit, 1, 3, 5, T0);
	EXPECT_EQ(5, latch16(&pit, 1, T0));
	EXPECT_EQ(4, latch16(&pit, 1, T0 + ns(1)));
	EXPECT_EQ(2, latch16(&pit, 1, T0 + ns(2)));
	EXPECT_EQ(5, latch16(&pit, 1, T0 + ns(3)));
	EXPECT_EQ(2, latch16(&pit, 1, T0 + ns(4)));
	EXPECT_EQ(5, latch16(&pit, 1, T0 + ns(5)));
	EXPECT_TRUE(out_pin(&pit, 1, T0 + ns(2)));
	EXPECT_FALSE(out_pin(&pit, 1, T0 + ns(3)));
	EXPECT_FALSE(out_pin(&pit, 1, T0 + ns(4)));
	EXPECT_TRUE(out_pin(&pit, 1, T0 + ns(5)));
	/* Mode 3 on channel 1 is not IRQ0's business. */
	EXPECT_EQ(T0 + ns(3000), hcvm_pit_irq0_next(&pit, T0 + ns(2000)));
}

TEST(mode4_software_strobe)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 4, 100, T0);
	EXPECT_TRUE(out_pin(&pit, 0, T0));
	EXPECT_EQ(50, latch16(&pit, 0, T0 + ns(50)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(99)));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + ns(100)));
	EXPECT_TRUE(out_pin(&pit, 0, T0 + ns(101)));
	/* OUT rises after its low clock, once. */
	EXPECT_EQ(T0 + ns(101), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0 + ns(101)));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_period(&pit));
	EXPECT_EQ(0xffff, latch16(&pit, 0, T0 + ns(101)));
}

TEST(mode1_and_mode5_gate_triggered)
{
	struct hcvm_pit pit;
	u64 t1 = T0 + 5000000, t2 = T0 + 9000000;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x43, 0xb2, T0);	/* channel 2, lohi, mode 1 */
	out(&pit, 0x42, 50, T0);
	out(&pit, 0x42, 0, T0);
	/* Armed, waiting for the gate: OUT high, null count. */
	EXPECT_EQ(0xf2, status(&pit, 2, T0 + ns(100)));
	out(&pit, 0x61, 0x01, t1);
	EXPECT_FALSE(out_pin(&pit, 2, t1));
	EXPECT_EQ(0, in(&pit, 0x61, t1) & 0x20);
	EXPECT_EQ(40, latch16(&pit, 2, t1 + ns(10)));
	EXPECT_FALSE(out_pin(&pit, 2, t1 + ns(49)));
	EXPECT_TRUE(out_pin(&pit, 2, t1 + ns(50)));
	EXPECT_EQ(0x20, in(&pit, 0x61, t1 + ns(50)) & 0x20);
	/* The gate falling does not stop mode 1; rising again retriggers. */
	out(&pit, 0x61, 0x00, t1 + ns(60));
	EXPECT_TRUE(out_pin(&pit, 2, t1 + ns(70)));
	out(&pit, 0x61, 0x01, t2);
	EXPECT_FALSE(out_pin(&pit, 2, t2));
	EXPECT_EQ(50, latch16(&pit, 2, t2));

	/* Mode 5: triggered, one low clock at terminal count. */
	out(&pit, 0x61, 0x00, T0);
	out(&pit, 0x43, 0xba, T0);
	out(&pit, 0x42, 20, T0);
	out(&pit, 0x42, 0, T0);
	EXPECT_TRUE(out_pin(&pit, 2, T0 + ns(20)));
	out(&pit, 0x61, 0x01, t1);
	EXPECT_TRUE(out_pin(&pit, 2, t1 + ns(19)));
	EXPECT_FALSE(out_pin(&pit, 2, t1 + ns(20)));
	EXPECT_TRUE(out_pin(&pit, 2, t1 + ns(21)));
}

TEST(gate_pauses_modes_0_and_2)
{
	struct hcvm_pit pit;
	u64 t1 = T0 + ns(100), t2 = T0 + ns(100) + 777777;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x61, 0x01, 0);
	program(&pit, 2, 0, 1000, T0);
	out(&pit, 0x61, 0x00, t1);	/* pause at 900 */
	EXPECT_EQ(900, latch16(&pit, 2, t2));
	out(&pit, 0x61, 0x01, t2);	/* resume */
	EXPECT_EQ(900, latch16(&pit, 2, t2));
	EXPECT_EQ(800, latch16(&pit, 2, t2 + ns(100)));
	EXPECT_FALSE(out_pin(&pit, 2, t2 + ns(899)));
	EXPECT_TRUE(out_pin(&pit, 2, t2 + ns(900)));

	/* Loaded while the gate is low: counting starts when it rises. */
	out(&pit, 0x61, 0x00, T0);
	program(&pit, 2, 0, 1000, T0 + 3000000);
	EXPECT_EQ(1000, latch16(&pit, 2, T0 + 4000000));
	out(&pit, 0x61, 0x01, T0 + 5000000);
	EXPECT_EQ(1000, latch16(&pit, 2, T0 + 5000000));
	EXPECT_EQ(990, latch16(&pit, 2, T0 + 5000000 + ns(10)));

	/* Mode 2: gate low holds OUT high and stops; high again reloads. */
	program(&pit, 2, 2, 10, T0);
	out(&pit, 0x61, 0x00, T0 + ns(9));
	EXPECT_TRUE(out_pin(&pit, 2, T0 + ns(9)));
	EXPECT_EQ(1, latch16(&pit, 2, T0 + ns(50)));
	out(&pit, 0x61, 0x01, T0 + 60000);
	EXPECT_EQ(10, latch16(&pit, 2, T0 + 60000));
	EXPECT_EQ(7, latch16(&pit, 2, T0 + 60000 + ns(3)));
	EXPECT_FALSE(out_pin(&pit, 2, T0 + 60000 + ns(9)));

	/* Channel 0's gate low (only via set_state): no IRQ0 while paused. */
	program(&pit, 0, 2, 100, T0);
	pit.ch[0].gate = 0;
	pit.ch[0].gate_low_time = T0 + ns(10);
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0 + ns(20)));
}

TEST(port61_bits)
{
	struct hcvm_pit pit;
	u8 a, b;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x61, 0xff, 0);
	EXPECT_EQ(0x0f, in(&pit, 0x61, 0) & 0xcf);
	EXPECT_EQ(1, pit.ch[2].gate);
	out(&pit, 0x61, 0x02, 0);
	EXPECT_EQ(0x02, in(&pit, 0x61, 0) & 0xcf);
	EXPECT_EQ(0, pit.ch[2].gate);
	/* Refresh toggles every 15.085 us. */
	a = in(&pit, 0x61, 100000) & 0x10;
	b = in(&pit, 0x61, 100000 + 15085) & 0x10;
	EXPECT_NE(a, b);
	EXPECT_EQ(a, in(&pit, 0x61, 100000 + 2 * 15085) & 0x10);
	/* Bit 5 is channel 2's OUT: mode 2 with gate low is high. */
	program(&pit, 2, 2, 100, T0);
	EXPECT_EQ(0x20, in(&pit, 0x61, T0) & 0x20);
	/* The usual TSC calibration: gate on, mode 0, poll bit 5. */
	out(&pit, 0x61, 0x01, T0);
	program(&pit, 2, 0, 0x2e9c, T0);
	EXPECT_EQ(0x00, in(&pit, 0x61, T0 + ns(0x2e9c) - 1) & 0x20);
	EXPECT_EQ(0x20, in(&pit, 0x61, T0 + ns(0x2e9c)) & 0x20);
}

TEST(counter_latch)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 5000, T0);
	out(&pit, 0x43, 0x00, T0 + ns(1000));
	/* A second latch before reading is ignored. */
	out(&pit, 0x43, 0x00, T0 + ns(2000));
	EXPECT_EQ(4000 & 0xff, in(&pit, 0x40, T0 + ns(3000)));
	EXPECT_EQ(4000 >> 8, in(&pit, 0x40, T0 + ns(3000)));
	/* Unlatched reads show the live count. */
	EXPECT_EQ(3000 & 0xff, in(&pit, 0x40, T0 + ns(2000)));
	EXPECT_EQ(3000 >> 8, in(&pit, 0x40, T0 + ns(2000)));

	/* Lobyte-only and hibyte-only access. */
	out(&pit, 0x43, 0x54, T0);	/* channel 1, lobyte, mode 2 */
	out(&pit, 0x41, 200, T0);
	EXPECT_EQ(150, in(&pit, 0x41, T0 + ns(50)));
	EXPECT_EQ(150, in(&pit, 0x41, T0 + ns(50)));
	out(&pit, 0x43, 0x40, T0 + ns(60));
	EXPECT_EQ(140, in(&pit, 0x41, T0 + ns(99)));
	EXPECT_EQ(101, in(&pit, 0x41, T0 + ns(99)));
	out(&pit, 0x43, 0x64, T0);	/* channel 1, hibyte, mode 2 */
	out(&pit, 0x41, 0x10, T0);	/* count 0x1000 */
	EXPECT_EQ(0x0f, in(&pit, 0x41, T0 + ns(1)));
	EXPECT_EQ(0x10, in(&pit, 0x41, T0));
	EXPECT_EQ(T0 + ns(5000), hcvm_pit_irq0_next(&pit, T0));
}

TEST(lohi_write_and_read_sequencing)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x43, 0x74, T0);	/* channel 1, lohi, mode 2 */
	out(&pit, 0x41, 0x34, T0);
	/* Half-written: null count. */
	EXPECT_EQ(0x40, status(&pit, 1, T0) & 0x40);
	out(&pit, 0x41, 0x12, T0);
	EXPECT_EQ(0x00, status(&pit, 1, T0) & 0x40);
	EXPECT_EQ(0x34, in(&pit, 0x41, T0));
	EXPECT_EQ(0x12, in(&pit, 0x41, T0));
	/* A lone low byte read leaves the next read on the high byte. */
	EXPECT_EQ(0x34 - 4, in(&pit, 0x41, T0 + ns(4)));
	/* A latch is read first, in its own two bytes; then the live read goes on. */
	out(&pit, 0x43, 0x40, T0 + ns(0x200));
	EXPECT_EQ(0x34, in(&pit, 0x41, T0 + ns(0x300)));
	EXPECT_EQ(0x10, in(&pit, 0x41, T0 + ns(0x300)));
	EXPECT_EQ(0x0f, in(&pit, 0x41, T0 + ns(0x300)));	/* live 0x0f34: high byte */
	EXPECT_EQ(0x34, in(&pit, 0x41, T0 + ns(0x300)));
}

TEST(read_back_command)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	program(&pit, 1, 3, 600, T0);
	out(&pit, 0x43, 0xb7, T0);	/* channel 2: lohi, mode 3, BCD, no count */
	/* Count and status of channels 0 and 1. */
	out(&pit, 0x43, 0xc6, T0 + ns(400));
	/* Status first: OUT high, loaded, lohi, mode 2, binary. */
	EXPECT_EQ(0xb4, in(&pit, 0x40, T0 + ns(900)));
	EXPECT_EQ(600 & 0xff, in(&pit, 0x40, T0 + ns(900)));
	EXPECT_EQ(600 >> 8, in(&pit, 0x40, T0 + ns(900)));
	/* Channel 1 at 400 clocks in: second half, OUT low, mode 3. */
	EXPECT_EQ(0x36, in(&pit, 0x41, T0 + ns(900)));
	EXPECT_EQ(400 & 0xff, in(&pit, 0x41, T0 + ns(900)));
	EXPECT_EQ(400 >> 8, in(&pit, 0x41, T0 + ns(900)));
	/* Status only: channel 2 is high, null count, lohi, mode 3, BCD. */
	out(&pit, 0x43, 0xe8, T0);
	EXPECT_EQ(0xf7, in(&pit, 0x42, T0));
	/* Count only, of channel 0: no status comes first. */
	out(&pit, 0x43, 0xd2, T0 + ns(10));
	EXPECT_EQ(990 & 0xff, in(&pit, 0x40, T0 + ns(500)));
	EXPECT_EQ(990 >> 8, in(&pit, 0x40, T0 + ns(500)));
	/* A status latched twice before reading is kept from the first. */
	out(&pit, 0x43, 0xe2, T0 + ns(998));
	out(&pit, 0x43, 0xe2, T0 + ns(999));
	EXPECT_EQ(0xb4, in(&pit, 0x40, T0 + ns(999)));
	EXPECT_EQ(0x34, status(&pit, 0, T0 + ns(999)));
}

TEST(bcd_counting)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x43, 0x31, T0);	/* channel 0, lohi, mode 0, BCD */
	out(&pit, 0x40, 0x00, T0);
	out(&pit, 0x40, 0x10, T0);	/* 1000 decimal */
	EXPECT_EQ(0x1000, latch16(&pit, 0, T0));
	EXPECT_EQ(0x0999, latch16(&pit, 0, T0 + ns(1)));
	EXPECT_EQ(0x0001, latch16(&pit, 0, T0 + ns(999)));
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, T0));
	/* Past terminal count it wraps to 9999. */
	EXPECT_EQ(0x9999, latch16(&pit, 0, T0 + ns(1001)));
	/* 0 is 10000 in BCD. */
	out(&pit, 0x43, 0x35, T0);	/* mode 2, BCD */
	out(&pit, 0x40, 0x00, T0);
	out(&pit, 0x40, 0x00, T0);
	EXPECT_EQ(T0 + ns(10000), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(0x9990, latch16(&pit, 0, T0 + ns(10)));
}

TEST(count_zero_is_65536_and_mode_aliases)
{
	struct hcvm_pit pit;

	hcvm_pit_reset(&pit, 0);
	out(&pit, 0x43, 0x3c, T0);	/* mode 6 is mode 2 */
	out(&pit, 0x40, 0, T0);
	out(&pit, 0x40, 0, T0);
	EXPECT_EQ(0x34, status(&pit, 0, T0) & 0x3f);
	EXPECT_EQ(0, latch16(&pit, 0, T0));
	EXPECT_EQ(0xffff, latch16(&pit, 0, T0 + ns(1)));
	EXPECT_EQ(T0 + ns(65536), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(54925401ULL, hcvm_pit_irq0_period(&pit));
	out(&pit, 0x43, 0x3e, T0);	/* mode 7 is mode 3 */
	EXPECT_EQ(0x36, status(&pit, 0, T0) & 0x3f);
	/* The control word alone stops channel 0's interrupts. */
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_period(&pit));
}

TEST(hpet_legacy_silences_irq0)
{
	struct hcvm_pit pit;
	struct kvm_pit_state2 st;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	hcvm_pit_get_state(&pit, &st, T0);
	st.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &st, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_period(&pit));
	/* The counter still counts. */
	EXPECT_EQ(900, latch16(&pit, 0, T0 + ns(100)));
	st.flags = 0;
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &st, T0));
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, T0));
}

TEST(ports)
{
	struct hcvm_pit pit;
	u8 v = 0;

	hcvm_pit_reset(&pit, 0);
	EXPECT_FALSE(hcvm_pit_io(&pit, 0x44, false, &v, 0));
	EXPECT_FALSE(hcvm_pit_io(&pit, 0x3f, true, &v, 0));
	EXPECT_FALSE(hcvm_pit_io(&pit, 0x60, false, &v, 0));
	EXPECT_TRUE(hcvm_pit_io(&pit, 0x43, false, &v, 0));
	EXPECT_EQ(0xff, v);
}

TEST(state_round_trip)
{
	struct hcvm_pit pit, pit2;
	struct kvm_pit_state2 st, st2;
	u64 t = T0 + ns(250);

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	out(&pit, 0x43, 0x40, t);		/* channel 1 count latched... */
	out(&pit, 0x61, 0x03, T0);		/* gate 2 high, speaker on */
	program(&pit, 2, 0, 3000, T0);
	out(&pit, 0x61, 0x02, t);		/* ...channel 2 paused at 2750 */
	hcvm_pit_get_state(&pit, &st, t + 5000000);
	EXPECT_EQ(1000u, st.channels[0].count);
	EXPECT_EQ(2, st.channels[0].mode);
	EXPECT_EQ(3, st.channels[0].rw_mode);
	EXPECT_EQ((__s64)T0, st.channels[0].count_load_time);
	EXPECT_EQ(HCVM_PIT_NOT_LOADED, st.channels[1].count_load_time);
	EXPECT_EQ(3, st.channels[1].count_latched);
	/* The pause so far moves the load time on. */
	EXPECT_EQ((__s64)(T0 + 5000000), st.channels[2].count_load_time);
	EXPECT_EQ(0, st.channels[2].gate);
	EXPECT_EQ((u32)KVM_PIT_FLAGS_SPEAKER_DATA_ON, st.flags);

	hcvm_pit_reset(&pit2, 0);
	ASSERT_EQ(0, hcvm_pit_set_state(&pit2, &st, t + 5000000));
	hcvm_pit_get_state(&pit2, &st2, t + 5000000);
	EXPECT_EQ(0, memcmp(&st, &st2, sizeof(st)));
	EXPECT_EQ(0x02, in(&pit2, 0x61, 0) & 0x03);
	EXPECT_EQ(hcvm_pit_irq0_next(&pit, t), hcvm_pit_irq0_next(&pit2, t));
	EXPECT_EQ(latch16(&pit, 0, t + ns(77)), latch16(&pit2, 0, t + ns(77)));
	/* Channel 2 stays paused at 2750 and resumes from there. */
	EXPECT_EQ(2750, latch16(&pit2, 2, t + 9000000));
	out(&pit2, 0x61, 0x01, t + 9000000);
	EXPECT_EQ(2740, latch16(&pit2, 2, t + 9000000 + ns(10)));
	/* Channel 1 was never loaded: its latch reads back, it has no count. */
	EXPECT_EQ(0x40, status(&pit2, 1, t) & 0x40);
}

TEST(not_loaded_channel_round_trip)
{
	struct hcvm_pit pit;
	struct kvm_pit_state2 st;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	out(&pit, 0x43, 0x30, T0 + 5);	/* Linux's PIT shutdown: mode 0, no count */
	hcvm_pit_get_state(&pit, &st, T0 + 10);
	EXPECT_EQ(HCVM_PIT_NOT_LOADED, st.channels[0].count_load_time);
	/* As a client that shifted the clock would hand it back. */
	st.channels[0].count_load_time -= 123456789;
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &st, T0 + 10));
	EXPECT_EQ(0ULL, hcvm_pit_irq0_next(&pit, T0 + 10));
	EXPECT_FALSE(out_pin(&pit, 0, T0 + 10));
	/* A time in the past or near future is a loaded count. */
	st.channels[0].count_load_time = T0 + 1000;
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &st, T0));
	EXPECT_EQ(T0 + 1000 + ns(1000), hcvm_pit_irq0_next(&pit, T0));
}

TEST(bad_state_refused)
{
	struct hcvm_pit pit;
	struct kvm_pit_state2 good, st;

	hcvm_pit_reset(&pit, 0);
	program(&pit, 0, 2, 1000, T0);
	hcvm_pit_get_state(&pit, &good, T0);
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &good, T0));
#define REFUSED(field, value) do {					\
		st = good;						\
		st.field = value;					\
		EXPECT_EQ(-EINVAL, hcvm_pit_set_state(&pit, &st, T0));	\
	} while (0)
	REFUSED(flags, 4);
	REFUSED(channels[0].mode, 6);
	REFUSED(channels[1].rw_mode, 0);
	REFUSED(channels[1].rw_mode, 4);
	REFUSED(channels[2].read_state, 5);
	REFUSED(channels[2].read_state, 0);
	REFUSED(channels[2].write_state, 1);	/* rw_mode is lohi */
	REFUSED(channels[0].count_latched, 5);
	REFUSED(channels[0].count, 0);
	REFUSED(channels[0].count, 0x10001);
	REFUSED(channels[0].bcd, 2);
	REFUSED(channels[0].gate, 2);
	REFUSED(channels[0].status_latched, 2);
	st = good;
	st.channels[0].bcd = 1;
	st.channels[0].count = 10001;
	EXPECT_EQ(-EINVAL, hcvm_pit_set_state(&pit, &st, T0));
	st.channels[0].count = 10000;
	EXPECT_EQ(0, hcvm_pit_set_state(&pit, &st, T0));
	/* Refusals changed nothing. */
	ASSERT_EQ(0, hcvm_pit_set_state(&pit, &good, T0));
	st = good;
	st.channels[0].mode = 7;
	EXPECT_EQ(-EINVAL, hcvm_pit_set_state(&pit, &st, T0));
	EXPECT_EQ(T0 + ns(1000), hcvm_pit_irq0_next(&pit, T0));
	EXPECT_EQ(2, pit.ch[0].mode);
}

TEST_HARNESS_MAIN
