// SPDX-License-Identifier: GPL-2.0
/* Host-side tests of the 82093AA I/O APIC model (devices/ioapic.c). */
#include <errno.h>
#include "kselftest_harness.h"
#include "../../devices/ioapic.h"

/* Records each message; answers with @accept local APICs. */
struct sink {
	int n;
	struct hcvm_irq last;
	int accept;
};

static int sink_deliver(void *ctx, const struct hcvm_irq *irq)
{
	struct sink *s = ctx;

	s->n++;
	s->last = *irq;
	return s->accept;
}

static void setup(struct hcvm_ioapic *io, struct sink *s)
{
	*s = (struct sink){ .accept = 1 };
	*io = (struct hcvm_ioapic){ .deliver = sink_deliver, .ctx = s };
	hcvm_ioapic_reset(io);
}

static u32 rd(struct hcvm_ioapic *io, u32 reg)
{
	hcvm_ioapic_mmio_write(io, HCVM_IOAPIC_IOREGSEL, reg);
	return hcvm_ioapic_mmio_read(io, HCVM_IOAPIC_IOWIN);
}

static void wr(struct hcvm_ioapic *io, u32 reg, u32 val)
{
	hcvm_ioapic_mmio_write(io, HCVM_IOAPIC_IOREGSEL, reg);
	hcvm_ioapic_mmio_write(io, HCVM_IOAPIC_IOWIN, val);
}

static void program(struct hcvm_ioapic *io, unsigned int pin, u32 lo, u32 hi)
{
	wr(io, 0x11 + 2 * pin, hi);
	wr(io, 0x10 + 2 * pin, lo);
}

TEST(reset_state_and_id_ver_arb)
{
	struct hcvm_ioapic io;
	struct sink s;
	unsigned int i;

	setup(&io, &s);
	EXPECT_EQ(0xfec00000ULL, io.base);
	for (i = 0; i < HCVM_IOAPIC_PINS; i++) {
		EXPECT_EQ(0x10000u, rd(&io, 0x10 + 2 * i));
		EXPECT_EQ(0u, rd(&io, 0x11 + 2 * i));
	}
	EXPECT_EQ(0x00170011u, rd(&io, 1));
	EXPECT_EQ(0u, rd(&io, 0));
	wr(&io, 0, 0xff000000);		/* only bits 27:24 exist */
	EXPECT_EQ(0x0f000000u, rd(&io, 0));
	EXPECT_EQ(0x0f000000u, rd(&io, 2));
	wr(&io, 1, 0);			/* VER and ARB are read-only */
	wr(&io, 2, 0);
	EXPECT_EQ(0x00170011u, rd(&io, 1));
	EXPECT_EQ(0x0f000000u, rd(&io, 2));
	/* IOREGSEL reads back, 8 bits; unknown registers and offsets read 0. */
	hcvm_ioapic_mmio_write(&io, HCVM_IOAPIC_IOREGSEL, 0x1234);
	EXPECT_EQ(0x34u, hcvm_ioapic_mmio_read(&io, HCVM_IOAPIC_IOREGSEL));
	EXPECT_EQ(0u, rd(&io, 0x40));
	EXPECT_EQ(0u, hcvm_ioapic_mmio_read(&io, 0x04));
	EXPECT_EQ(0, s.n);
}

TEST(redirection_entry_bits)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	/* Everything writable, plus the read-only delivery status and remote IRR. */
	wr(&io, 0x10 + 2 * 5, 0xffffffff);
	EXPECT_EQ(0x1afffu, rd(&io, 0x10 + 2 * 5));
	wr(&io, 0x11 + 2 * 5, 0xffffffff);
	EXPECT_EQ(0xff000000u, rd(&io, 0x11 + 2 * 5));
	wr(&io, 0x11 + 2 * 23, 0x12000000);
	EXPECT_EQ(0x12000000u, rd(&io, 0x11 + 2 * 23));
	EXPECT_EQ(0x12000000000000ULL << 8 | 0x10000, io.redir[23]);
	/* Past pin 23 there is nothing. */
	wr(&io, 0x40, 0x30);
	EXPECT_EQ(0u, rd(&io, 0x40));
}

TEST(edge_delivers_on_rising_edge_only)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 4, 0x0934, 0x03000000);	/* lowest priority, logical, vector 0x34 */
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 4, 1));
	ASSERT_EQ(1, s.n);
	EXPECT_EQ(0x34, s.last.vector);
	EXPECT_EQ(3u, s.last.dest);
	EXPECT_EQ(HCVM_DM_LOWEST, s.last.delivery);
	EXPECT_TRUE(s.last.logical);
	EXPECT_FALSE(s.last.level);
	EXPECT_EQ(0u, io.irr);
	/* Still high: no edge, coalesced. */
	EXPECT_EQ(0, hcvm_ioapic_set_irq(&io, 4, 1));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 4, 0));
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 4, 1));
	EXPECT_EQ(2, s.n);
	/* Edge entries never get remote IRR. */
	EXPECT_EQ(0u, rd(&io, 0x10 + 2 * 4) & (1u << 14));
	/* The count of accepting APICs is passed through. */
	s.accept = 3;
	hcvm_ioapic_set_irq(&io, 4, 0);
	EXPECT_EQ(3, hcvm_ioapic_set_irq(&io, 4, 1));
	s.accept = 0;
	hcvm_ioapic_set_irq(&io, 4, 0);
	EXPECT_EQ(0, hcvm_ioapic_set_irq(&io, 4, 1));
	EXPECT_EQ(4, s.n);
}

TEST(edge_masked_is_dropped)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 1, 0x10041, 0);	/* masked */
	EXPECT_EQ(-1, hcvm_ioapic_set_irq(&io, 1, 1));
	EXPECT_EQ(0, s.n);
	/* Unmasking does not bring a dropped edge back. */
	wr(&io, 0x10 + 2, 0x41);
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(0u, io.irr);
	hcvm_ioapic_set_irq(&io, 1, 0);
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 1, 1));
	EXPECT_EQ(1, s.n);
}

TEST(level_remote_irr_and_eoi)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 10, 0xa051, 0x01000000);	/* level, polarity low, vector 0x51 */
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 10, 1));
	ASSERT_EQ(1, s.n);
	EXPECT_TRUE(s.last.level);
	EXPECT_EQ(0x51, s.last.vector);
	EXPECT_EQ(1u, s.last.dest);
	EXPECT_EQ(0xe051u, rd(&io, 0x10 + 20));		/* remote IRR set */
	EXPECT_EQ(1u << 10, io.irr);
	/* Remote IRR set: coalesced. */
	EXPECT_EQ(0, hcvm_ioapic_set_irq(&io, 10, 1));
	EXPECT_EQ(1, s.n);
	/* Guest writes cannot clear remote IRR. */
	wr(&io, 0x10 + 20, 0xa051);
	EXPECT_EQ(0xe051u, rd(&io, 0x10 + 20));
	EXPECT_EQ(1, s.n);
	/* EOI of another vector does nothing. */
	hcvm_ioapic_eoi(&io, 0x52);
	EXPECT_EQ(0xe051u, rd(&io, 0x10 + 20));
	/* EOI while still asserted: cleared, then sent again. */
	hcvm_ioapic_eoi(&io, 0x51);
	EXPECT_EQ(2, s.n);
	EXPECT_EQ(0xe051u, rd(&io, 0x10 + 20));
	/* Deassert, EOI: cleared and quiet. */
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 10, 0));
	EXPECT_EQ(0u, io.irr);
	hcvm_ioapic_eoi(&io, 0x51);
	EXPECT_EQ(2, s.n);
	EXPECT_EQ(0xa051u, rd(&io, 0x10 + 20));
}

TEST(level_not_accepted_leaves_remote_irr_clear)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	s.accept = 0;
	program(&io, 3, 0x8060, 0);
	EXPECT_EQ(0, hcvm_ioapic_set_irq(&io, 3, 1));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0u, rd(&io, 0x16) & (1u << 14));
	/* Asserted again (still up): tried again. */
	s.accept = 1;
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 3, 1));
	EXPECT_EQ(2, s.n);
	EXPECT_NE(0u, rd(&io, 0x16) & (1u << 14));
}

TEST(eoi_matches_all_level_entries_with_vector)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 16, 0x8070, 0);
	program(&io, 17, 0x8070, 0);
	program(&io, 18, 0x0070, 0);	/* edge, same vector */
	hcvm_ioapic_set_irq(&io, 16, 1);
	hcvm_ioapic_set_irq(&io, 17, 1);
	hcvm_ioapic_set_irq(&io, 18, 1);
	EXPECT_EQ(3, s.n);
	hcvm_ioapic_set_irq(&io, 16, 0);
	hcvm_ioapic_eoi(&io, 0x70);
	/* 17 is still asserted: sent again; 16 is not; 18 is edge. */
	EXPECT_EQ(4, s.n);
	EXPECT_EQ(0u, rd(&io, 0x10 + 32) & (1u << 14));
	EXPECT_NE(0u, rd(&io, 0x10 + 34) & (1u << 14));
}

TEST(level_masked_then_unmasked_delivers)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 9, 0x18039, 0);	/* level, masked */
	EXPECT_EQ(-1, hcvm_ioapic_set_irq(&io, 9, 1));
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(1u << 9, io.irr);
	wr(&io, 0x10 + 18, 0x8039);	/* unmask */
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0x39, s.last.vector);
	EXPECT_NE(0u, rd(&io, 0x10 + 18) & (1u << 14));
	/* Masking while remote IRR is set, EOI: no delivery while masked. */
	wr(&io, 0x10 + 18, 0x18039);
	hcvm_ioapic_eoi(&io, 0x39);
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0u, rd(&io, 0x10 + 18) & (1u << 14));
	wr(&io, 0x10 + 18, 0x8039);
	EXPECT_EQ(2, s.n);
	/* Unmasking a level entry whose line dropped meanwhile sends nothing. */
	wr(&io, 0x10 + 18, 0x18039);
	hcvm_ioapic_eoi(&io, 0x39);
	hcvm_ioapic_set_irq(&io, 9, 0);
	wr(&io, 0x10 + 18, 0x8039);
	EXPECT_EQ(2, s.n);
}

TEST(trigger_mode_switch)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 7, 0x8047, 0);
	hcvm_ioapic_set_irq(&io, 7, 1);
	EXPECT_EQ(1, s.n);
	/* To edge: remote IRR goes, no delivery (no edge). */
	wr(&io, 0x10 + 14, 0x0047);
	EXPECT_EQ(0x47u, rd(&io, 0x10 + 14));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0u, io.irr);
	/* Back to level with the line still up: a request, delivered. */
	wr(&io, 0x10 + 14, 0x8047);
	EXPECT_EQ(2, s.n);
	EXPECT_TRUE(s.last.level);
}

TEST(bad_pin)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_irq(&io, 24, 1));
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_irq(&io, 1000, 1));
}

TEST(state_round_trip)
{
	struct hcvm_ioapic io, io2;
	struct kvm_ioapic_state st, st2;
	struct sink s, s2;

	setup(&io, &s);
	wr(&io, 0, 0x05000000);
	program(&io, 2, 0x0930, 0x0f000000);
	program(&io, 11, 0x8062, 0x02000000);
	hcvm_ioapic_set_irq(&io, 11, 1);	/* remote IRR now set, irr bit 11 */
	hcvm_ioapic_mmio_write(&io, HCVM_IOAPIC_IOREGSEL, 0x15);
	hcvm_ioapic_get_state(&io, &st);
	EXPECT_EQ(0xfec00000ULL, st.base_address);
	EXPECT_EQ(0x15u, st.ioregsel);
	EXPECT_EQ(5u, st.id);
	EXPECT_EQ(1u << 11, st.irr);
	EXPECT_EQ(0x0930, st.redirtbl[2].fields.vector | (int)st.redirtbl[2].fields.delivery_mode << 8 |
		  (int)st.redirtbl[2].fields.dest_mode << 11);
	EXPECT_EQ(0x0f, st.redirtbl[2].fields.dest_id);
	EXPECT_EQ(1, (int)st.redirtbl[11].fields.remote_irr);
	EXPECT_EQ(1, (int)st.redirtbl[11].fields.trig_mode);
	EXPECT_EQ(1, (int)st.redirtbl[0].fields.mask);

	setup(&io2, &s2);
	ASSERT_EQ(0, hcvm_ioapic_set_state(&io2, &st));
	/* Remote IRR set: nothing sent on restore; the EOI resends. */
	EXPECT_EQ(0, s2.n);
	hcvm_ioapic_get_state(&io2, &st2);
	EXPECT_EQ(0, memcmp(&st, &st2, sizeof(st)));
	hcvm_ioapic_eoi(&io2, 0x62);
	EXPECT_EQ(1, s2.n);
	EXPECT_EQ(2u, s2.last.dest);
	EXPECT_EQ(0x15u, hcvm_ioapic_mmio_read(&io2, HCVM_IOAPIC_IOREGSEL));
	EXPECT_EQ(0x0f000000u, hcvm_ioapic_mmio_read(&io2, HCVM_IOAPIC_IOWIN));
}

TEST(state_restore_sends_pending_level)
{
	struct hcvm_ioapic io;
	struct kvm_ioapic_state st;
	struct sink s;

	setup(&io, &s);
	hcvm_ioapic_get_state(&io, &st);
	st.redirtbl[6].bits = 0x8066;
	st.irr = 1u << 6;
	ASSERT_EQ(0, hcvm_ioapic_set_state(&io, &st));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0x66, s.last.vector);
	EXPECT_NE(0ULL, io.redir[6] & HCVM_IOAPIC_REMOTE_IRR);
	/* The line is up: lowering it is seen. */
	hcvm_ioapic_set_irq(&io, 6, 0);
	EXPECT_EQ(0u, io.irr);
}

TEST(bad_state_refused)
{
	struct hcvm_ioapic io;
	struct kvm_ioapic_state st, good;
	struct sink s;

	setup(&io, &s);
	program(&io, 0, 0x30, 0);
	hcvm_ioapic_get_state(&io, &good);

	st = good;
	st.ioregsel = 0x100;
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	st = good;
	st.id = 16;
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	st = good;
	st.irr = 1u << 24;
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	st = good;
	st.base_address = 0xfec00010;
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	st = good;
	st.redirtbl[3].bits |= 1ULL << 17;	/* reserved */
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	st = good;
	st.redirtbl[3].bits |= 1ULL << 40;	/* reserved */
	EXPECT_EQ(-EINVAL, hcvm_ioapic_set_state(&io, &st));
	/* Nothing changed by the refusals. */
	EXPECT_EQ(0x30ULL, io.redir[0]);
	EXPECT_EQ(0x10000ULL, io.redir[3]);
	/* Delivery status is accepted but not kept; a relocated base is fine. */
	st = good;
	st.redirtbl[3].bits |= HCVM_IOAPIC_DELIVERY_STATUS;
	st.base_address = 0xfec01000;
	EXPECT_EQ(0, hcvm_ioapic_set_state(&io, &st));
	EXPECT_EQ(0x10000ULL, io.redir[3]);
	EXPECT_EQ(0xfec01000ULL, io.base);
}

TEST(reset_keeps_callback)
{
	struct hcvm_ioapic io;
	struct sink s;

	setup(&io, &s);
	program(&io, 0, 0x8030, 0);
	hcvm_ioapic_set_irq(&io, 0, 1);
	hcvm_ioapic_reset(&io);
	EXPECT_EQ(0u, io.irr);
	EXPECT_EQ(0u, io.line);
	EXPECT_EQ(0x10000ULL, io.redir[0]);
	program(&io, 0, 0x31, 0);
	EXPECT_EQ(1, hcvm_ioapic_set_irq(&io, 0, 1));
	EXPECT_EQ(2, s.n);
}

TEST_HARNESS_MAIN
