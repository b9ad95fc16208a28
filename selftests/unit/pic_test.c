// SPDX-License-Identifier: GPL-2.0
/* Host-side tests of the 8259A pair and ELCR model (devices/pic.c). */
#include <errno.h>
#include "kselftest_harness.h"
#include "../../devices/pic.h"

struct intr {
	int calls;
	bool level;
};

static void intr_output(void *ctx, bool level)
{
	struct intr *o = ctx;

	o->calls++;
	o->level = level;
}

static void out(struct hcvm_pic *pic, u16 port, u8 val)
{
	hcvm_pic_io(pic, port, true, &val);
}

static u8 in(struct hcvm_pic *pic, u16 port)
{
	u8 val = 0x5a;

	hcvm_pic_io(pic, port, false, &val);
	return val;
}

/* What a PC BIOS writes: vectors 0x08 and 0x70, cascade on IRQ2, 8086 mode. */
static void bios_init(struct hcvm_pic *pic, u8 icw4_master, u8 icw4_slave)
{
	out(pic, 0x20, 0x11);
	out(pic, 0x21, 0x08);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, icw4_master);
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x70);
	out(pic, 0xa1, 0x02);
	out(pic, 0xa1, icw4_slave);
}

static void setup(struct hcvm_pic *pic, struct intr *o)
{
	*o = (struct intr){ 0 };
	*pic = (struct hcvm_pic){ .output = intr_output, .ctx = o };
	hcvm_pic_reset(pic);
	bios_init(pic, 0x01, 0x01);
}

/* OCW3 read-register selection. */
static u8 read_irr(struct hcvm_pic *pic, u16 cmd)
{
	out(pic, cmd, 0x0a);
	return in(pic, cmd);
}

static u8 read_isr(struct hcvm_pic *pic, u16 cmd)
{
	out(pic, cmd, 0x0b);
	return in(pic, cmd);
}

TEST(init_sequence)
{
	struct hcvm_pic pic;
	struct kvm_pic_state st;
	struct intr o;

	setup(&pic, &o);
	out(&pic, 0x21, 0xff);
	EXPECT_EQ(0xff, in(&pic, 0x21));
	/* ICW1 with IC4: ICW2, ICW3, ICW4 follow; the IMR is cleared. */
	out(&pic, 0x20, 0x11);
	EXPECT_EQ(0, in(&pic, 0x21));
	ASSERT_EQ(0, hcvm_pic_get_state(&pic, KVM_IRQCHIP_PIC_MASTER, &st));
	EXPECT_EQ(1, st.init_state);
	EXPECT_EQ(1, st.init4);
	out(&pic, 0x21, 0x20 | 0x05);	/* ICW2: bits 2:0 are not the base's */
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(2, st.init_state);
	EXPECT_EQ(0x20, st.irq_base);
	out(&pic, 0x21, 0x04);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(3, st.init_state);
	out(&pic, 0x21, 0x03);		/* ICW4: auto-EOI */
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.init_state);
	EXPECT_EQ(1, st.auto_eoi);
	/* Now the data port is the IMR again. */
	out(&pic, 0x21, 0x5a);
	EXPECT_EQ(0x5a, in(&pic, 0x21));

	/* Without IC4: ICW2, ICW3, done, and ICW4's modes cleared. */
	out(&pic, 0x20, 0x10);
	out(&pic, 0x21, 0x40);
	out(&pic, 0x21, 0x04);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.init_state);
	EXPECT_EQ(0, st.auto_eoi);
	EXPECT_EQ(0x40, st.irq_base);
	out(&pic, 0x21, 0x33);
	EXPECT_EQ(0x33, in(&pic, 0x21));

	/* Single mode (SNGL): no ICW3. */
	out(&pic, 0x20, 0x13);
	out(&pic, 0x21, 0x08);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(3, st.init_state);
	out(&pic, 0x21, 0x01);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.init_state);
	EXPECT_EQ(0x08, st.irq_base);
}

TEST(edge_request_ack_eoi)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 0, 1));
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(1, o.calls);
	EXPECT_TRUE(o.level);
	EXPECT_EQ(0x01, read_irr(&pic, 0x20));
	EXPECT_EQ(0x08, hcvm_pic_ack(&pic));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(2, o.calls);
	EXPECT_FALSE(o.level);
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));
	EXPECT_EQ(0x01, read_isr(&pic, 0x20));
	/* A new edge while in service waits for the EOI (same level). */
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 0, 0));
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 0, 1));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);		/* non-specific EOI */
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x08, hcvm_pic_ack(&pic));
	/* The output callback only runs on changes. */
	EXPECT_EQ(4, o.calls);
}

TEST(edge_coalescing_and_pulse)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 1, 1));
	/* Still high: no edge. */
	EXPECT_EQ(0, hcvm_pic_set_irq(&pic, 1, 1));
	/* A new edge while the first is still in IRR: coalesced. */
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 1, 0));
	EXPECT_EQ(0, hcvm_pic_set_irq(&pic, 1, 1));
	/* The pulse is remembered after the line drops. */
	hcvm_pic_set_irq(&pic, 1, 0);
	EXPECT_EQ(0x02, read_irr(&pic, 0x20));
	EXPECT_EQ(0x09, hcvm_pic_ack(&pic));
	/* A line held high across the INTA gives no second request. */
	out(&pic, 0x20, 0x20);
	hcvm_pic_set_irq(&pic, 1, 1);
	EXPECT_EQ(0x09, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
}

TEST(level_lines_via_elcr)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	/* IRQ 0, 1, 2, 8 and 13 cannot be level. */
	out(&pic, 0x4d0, 0xff);
	EXPECT_EQ(0xf8, in(&pic, 0x4d0));
	out(&pic, 0x4d1, 0xff);
	EXPECT_EQ(0xde, in(&pic, 0x4d1));
	out(&pic, 0x4d0, 0x08);
	EXPECT_EQ(0x08, in(&pic, 0x4d0));

	/* A level request follows its line. */
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 3, 1));
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0, hcvm_pic_set_irq(&pic, 3, 1));	/* already requested */
	hcvm_pic_set_irq(&pic, 3, 0);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));

	/* Acked while high: IRR stays, and it comes back after the EOI. */
	hcvm_pic_set_irq(&pic, 3, 1);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x08, read_irr(&pic, 0x20));
	EXPECT_EQ(0x08, read_isr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 3, 0);
	out(&pic, 0x20, 0x20);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));

	/* Switching a high line to level makes it a request. */
	out(&pic, 0x4d0, 0x00);
	hcvm_pic_set_irq(&pic, 5, 1);
	EXPECT_EQ(0x0d, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x4d0, 0x20);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
}

TEST(imr_masks_but_irr_latches)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	out(&pic, 0x21, 0x10);
	EXPECT_EQ(-1, hcvm_pic_set_irq(&pic, 4, 1));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x10, read_irr(&pic, 0x20));
	EXPECT_EQ(0, o.calls);
	out(&pic, 0x21, 0x00);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	/* Masking while pending withdraws the request from the CPU. */
	out(&pic, 0x21, 0x10);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_FALSE(o.level);
	/* The INTA then finds nothing: spurious IRQ7, no ISR bit. */
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	EXPECT_EQ(0x10, read_irr(&pic, 0x20));
}

TEST(spurious_irq7_when_nothing_pending)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	/* A real IRQ7 does set ISR. */
	hcvm_pic_set_irq(&pic, 7, 1);
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x80, read_isr(&pic, 0x20));
}

TEST(fixed_priority_and_nesting)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	hcvm_pic_set_irq(&pic, 5, 1);
	hcvm_pic_set_irq(&pic, 3, 1);
	EXPECT_EQ(0x28, read_irr(&pic, 0x20));
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	/* IRQ5 is lower than IRQ3 in service: held. */
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	/* IRQ1 is higher: nests. */
	hcvm_pic_set_irq(&pic, 1, 1);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x09, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x0a, read_isr(&pic, 0x20));
	/* Non-specific EOI ends the highest in service: IRQ1. */
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x08, read_isr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	EXPECT_EQ(0x0d, hcvm_pic_ack(&pic));
}

TEST(specific_eoi)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	hcvm_pic_set_irq(&pic, 6, 1);
	EXPECT_EQ(0x0e, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 4, 1);
	EXPECT_EQ(0x0c, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x50, read_isr(&pic, 0x20));
	out(&pic, 0x20, 0x60 | 6);	/* specific EOI of the lower one */
	EXPECT_EQ(0x10, read_isr(&pic, 0x20));
	out(&pic, 0x20, 0x40);		/* OCW2 no-op */
	EXPECT_EQ(0x10, read_isr(&pic, 0x20));
}

TEST(rotation)
{
	struct hcvm_pic pic;
	struct kvm_pic_state st;
	struct intr o;

	setup(&pic, &o);
	/* Rotate on non-specific EOI: the serviced level becomes lowest. */
	hcvm_pic_set_irq(&pic, 3, 1);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0xa0);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(4, st.priority_add);
	hcvm_pic_set_irq(&pic, 3, 0);
	hcvm_pic_set_irq(&pic, 3, 1);
	hcvm_pic_set_irq(&pic, 5, 1);
	hcvm_pic_set_irq(&pic, 0, 1);
	/* Order now 4 5 6 7 0 1 2 3. */
	EXPECT_EQ(0x0d, hcvm_pic_ack(&pic));
	/* IRQ0 is below IRQ5 now: held while 5 is in service. */
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x08, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);

	/* Set priority: IRQ 6 lowest, so 7 is highest. */
	out(&pic, 0x20, 0xc0 | 6);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(7, st.priority_add);
	hcvm_pic_set_irq(&pic, 6, 1);
	hcvm_pic_set_irq(&pic, 7, 1);
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x80, read_isr(&pic, 0x20));
	/* Rotate on specific EOI: ends level 7 and makes it the lowest. */
	out(&pic, 0x20, 0xe0 | 7);
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.priority_add);
	EXPECT_EQ(0x0e, hcvm_pic_ack(&pic));
	/* A specific rotate naming a level not in service only rotates. */
	out(&pic, 0x20, 0xe0 | 2);
	EXPECT_EQ(0x40, read_isr(&pic, 0x20));
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(3, st.priority_add);
}

TEST(auto_eoi_and_rotate)
{
	struct hcvm_pic pic;
	struct kvm_pic_state st;
	struct intr o;

	setup(&pic, &o);
	bios_init(&pic, 0x03, 0x01);
	hcvm_pic_set_irq(&pic, 4, 1);
	hcvm_pic_set_irq(&pic, 6, 1);
	EXPECT_EQ(0x0c, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x00, read_isr(&pic, 0x20));
	/* No ISR bit: the lower IRQ6 goes right away, no EOI needed. */
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x0e, hcvm_pic_ack(&pic));
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.priority_add);

	/* Rotate in auto-EOI mode: the acked level becomes lowest. */
	out(&pic, 0x20, 0x80);
	hcvm_pic_set_irq(&pic, 5, 1);
	EXPECT_EQ(0x0d, hcvm_pic_ack(&pic));
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(1, st.rotate_on_auto_eoi);
	EXPECT_EQ(6, st.priority_add);
	out(&pic, 0x20, 0x00);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.rotate_on_auto_eoi);
}

TEST(poll_mode)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	/* Nothing: bit 7 clear. */
	out(&pic, 0x20, 0x0c);
	EXPECT_EQ(0x00, in(&pic, 0x20));
	hcvm_pic_set_irq(&pic, 6, 1);
	hcvm_pic_set_irq(&pic, 4, 1);
	out(&pic, 0x20, 0x0c);
	/* The data port is still the IMR during a poll. */
	EXPECT_EQ(0x00, in(&pic, 0x21));
	EXPECT_EQ(0x84, in(&pic, 0x20));
	/* The poll read acknowledged IRQ4. */
	EXPECT_EQ(0x10, read_isr(&pic, 0x20));
	EXPECT_EQ(0x40, read_irr(&pic, 0x20));
	/* One read only: the next reads IRR again (RR was set). */
	EXPECT_EQ(0x40, in(&pic, 0x20));
	/* Poll on the slave. */
	hcvm_pic_set_irq(&pic, 11, 1);
	out(&pic, 0xa0, 0x0c);
	EXPECT_EQ(0x83, in(&pic, 0xa0));
	EXPECT_EQ(0x08, read_isr(&pic, 0xa0));
	/* The slave's request is gone, so is the master's IRQ2. */
	EXPECT_EQ(0x40, read_irr(&pic, 0x20));
}

TEST(special_mask_mode)
{
	struct hcvm_pic pic;
	struct kvm_pic_state st;
	struct intr o;

	setup(&pic, &o);
	hcvm_pic_set_irq(&pic, 3, 1);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 5, 1);
	out(&pic, 0x21, 0x08);		/* mask the level in service */
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x68);		/* OCW3: set special mask */
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(1, st.special_mask);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x0d, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x28, read_isr(&pic, 0x20));
	out(&pic, 0x20, 0x60 | 5);
	/* OCW3 without ESMM leaves the mode alone; with ESMM and !SMM resets it. */
	out(&pic, 0x20, 0x28);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(1, st.special_mask);
	out(&pic, 0x20, 0x48);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0, st.special_mask);
	hcvm_pic_set_irq(&pic, 5, 0);
	hcvm_pic_set_irq(&pic, 5, 1);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
}

TEST(cascade_through_irq2)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 10, 1));
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x04, read_irr(&pic, 0x20));
	EXPECT_EQ(0x04, read_irr(&pic, 0xa0));
	EXPECT_EQ(0x72, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x04, read_isr(&pic, 0x20));
	EXPECT_EQ(0x04, read_isr(&pic, 0xa0));
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));

	/* A lower slave line waits for the slave's EOI, then for the master's. */
	hcvm_pic_set_irq(&pic, 14, 1);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0xa0, 0x20);
	EXPECT_EQ(0x04, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x76, hcvm_pic_ack(&pic));
	out(&pic, 0xa0, 0x20);
	out(&pic, 0x20, 0x20);

	/* Master IRQ0 and IRQ1 come before the slave; IRQ3 after. */
	hcvm_pic_set_irq(&pic, 3, 1);
	hcvm_pic_set_irq(&pic, 9, 1);
	hcvm_pic_set_irq(&pic, 1, 1);
	EXPECT_EQ(0x09, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x71, hcvm_pic_ack(&pic));
	out(&pic, 0xa0, 0x20);
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
}

TEST(cascade_masking)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	/* Masked in the slave: -1 and no IRQ2. */
	out(&pic, 0xa1, 0x01);
	EXPECT_EQ(-1, hcvm_pic_set_irq(&pic, 8, 1));
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	/* Masked at the master's IRQ2: -1 too; IRR2 is latched but masked. */
	out(&pic, 0xa1, 0x00);
	EXPECT_EQ(0x04, read_irr(&pic, 0x20));
	out(&pic, 0x21, 0x04);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(-1, hcvm_pic_set_irq(&pic, 12, 1));
	EXPECT_EQ(-1, hcvm_pic_set_irq(&pic, 8, 1));
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 7, 1));
	hcvm_pic_set_irq(&pic, 7, 0);
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	out(&pic, 0x21, 0x00);
	EXPECT_EQ(0x70, hcvm_pic_ack(&pic));
	/* Withdrawn by the slave's IMR before the INTA: master spurious IRQ7. */
	out(&pic, 0xa1, 0x10);
	out(&pic, 0xa0, 0x20);
	out(&pic, 0x20, 0x20);
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x0f, hcvm_pic_ack(&pic));
}

TEST(slave_auto_eoi_keeps_cascade_requests)
{
	struct hcvm_pic pic;
	struct intr o;

	setup(&pic, &o);
	bios_init(&pic, 0x01, 0x03);
	hcvm_pic_set_irq(&pic, 9, 1);
	hcvm_pic_set_irq(&pic, 10, 1);
	EXPECT_EQ(0x71, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x00, read_isr(&pic, 0xa0));
	/* The slave still requests IRQ10: a new edge on IRQ2, held by ISR2. */
	EXPECT_EQ(0x04, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x72, hcvm_pic_ack(&pic));
	out(&pic, 0x20, 0x20);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
}

TEST(special_fully_nested)
{
	struct hcvm_pic pic;
	struct intr o;

	/* Fully nested (default): a higher slave line waits while IRQ2 is in service. */
	setup(&pic, &o);
	hcvm_pic_set_irq(&pic, 12, 1);
	EXPECT_EQ(0x74, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 9, 1);
	EXPECT_EQ(0x02, read_irr(&pic, 0xa0));
	EXPECT_EQ(0x04, read_irr(&pic, 0x20));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));

	/* Special fully nested on the master: it goes through. */
	setup(&pic, &o);
	bios_init(&pic, 0x11, 0x01);
	hcvm_pic_set_irq(&pic, 12, 1);
	EXPECT_EQ(0x74, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 9, 1);
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x71, hcvm_pic_ack(&pic));
	EXPECT_EQ(0x12, read_isr(&pic, 0xa0));
	/* Still nested: a lower master line stays held by ISR2. */
	hcvm_pic_set_irq(&pic, 5, 1);
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
}

TEST(icw1_resets_edge_sense)
{
	struct hcvm_pic pic;
	struct kvm_pic_state st;
	struct intr o;

	setup(&pic, &o);
	out(&pic, 0x4d0, 0x10);		/* IRQ4 level */
	hcvm_pic_set_irq(&pic, 3, 1);
	hcvm_pic_set_irq(&pic, 4, 1);
	EXPECT_EQ(0x0b, hcvm_pic_ack(&pic));
	hcvm_pic_set_irq(&pic, 6, 1);	/* an edge request left in IRR */
	out(&pic, 0x20, 0x0b);		/* RR: ISR */
	out(&pic, 0x20, 0x68);		/* special mask mode */
	out(&pic, 0x20, 0x0c);		/* poll pending */
	out(&pic, 0x21, 0x81);
	bios_init(&pic, 0x01, 0x01);
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(0x00, st.isr);
	EXPECT_EQ(0x00, st.imr);
	EXPECT_EQ(0, st.special_mask);
	EXPECT_EQ(0, st.poll);
	EXPECT_EQ(0x10, st.irr);	/* the level line still requests */
	EXPECT_EQ(0, st.read_reg_select);
	/* The edge line, high all along, must fall and rise again. */
	EXPECT_EQ(0, hcvm_pic_set_irq(&pic, 3, 1));
	hcvm_pic_set_irq(&pic, 3, 0);
	EXPECT_EQ(1, hcvm_pic_set_irq(&pic, 3, 1));
}

TEST(ports_and_bad_lines)
{
	struct hcvm_pic pic;
	struct intr o;
	u8 v = 0;

	setup(&pic, &o);
	EXPECT_FALSE(hcvm_pic_io(&pic, 0x22, false, &v));
	EXPECT_FALSE(hcvm_pic_io(&pic, 0x4d2, true, &v));
	EXPECT_FALSE(hcvm_pic_io(&pic, 0x40, false, &v));
	EXPECT_TRUE(hcvm_pic_io(&pic, 0xa1, false, &v));
	EXPECT_EQ(-EINVAL, hcvm_pic_set_irq(&pic, 16, 1));
	EXPECT_EQ(-1, hcvm_pic_set_irq(&pic, 2, 1));
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(0x00, read_irr(&pic, 0x20));
}

TEST(state_round_trip)
{
	struct hcvm_pic pic, pic2;
	struct kvm_pic_state m, s, m2, s2;
	struct intr o, o2;

	setup(&pic, &o);
	out(&pic, 0x4d1, 0x0c);
	out(&pic, 0x21, 0x80);
	hcvm_pic_set_irq(&pic, 11, 1);
	hcvm_pic_set_irq(&pic, 5, 1);
	EXPECT_EQ(0x73, hcvm_pic_ack(&pic));
	out(&pic, 0xa0, 0x0b);
	ASSERT_EQ(0, hcvm_pic_get_state(&pic, KVM_IRQCHIP_PIC_MASTER, &m));
	ASSERT_EQ(0, hcvm_pic_get_state(&pic, KVM_IRQCHIP_PIC_SLAVE, &s));
	EXPECT_EQ(0x08, m.irq_base);
	EXPECT_EQ(0x70, s.irq_base);
	EXPECT_EQ(0x80, m.imr);
	EXPECT_EQ(0x04, m.isr);
	EXPECT_EQ(0x20, m.irr);
	EXPECT_EQ(0x08, s.isr);
	EXPECT_EQ(0x08, s.irr);		/* level line 11 still high */
	EXPECT_EQ(0x0c, s.elcr);
	EXPECT_EQ(0xde, s.elcr_mask);
	EXPECT_EQ(0xf8, m.elcr_mask);
	EXPECT_EQ(1, s.read_reg_select);

	o2 = (struct intr){ 0 };
	pic2 = (struct hcvm_pic){ .output = intr_output, .ctx = &o2 };
	hcvm_pic_reset(&pic2);
	ASSERT_EQ(0, hcvm_pic_set_state(&pic2, KVM_IRQCHIP_PIC_MASTER, &m));
	ASSERT_EQ(0, hcvm_pic_set_state(&pic2, KVM_IRQCHIP_PIC_SLAVE, &s));
	hcvm_pic_get_state(&pic2, 0, &m2);
	hcvm_pic_get_state(&pic2, 1, &s2);
	EXPECT_EQ(0, memcmp(&m, &m2, sizeof(m)));
	EXPECT_EQ(0, memcmp(&s, &s2, sizeof(s)));
	/* Behaves the same: IRQ5 waits behind IRQ2 in service. */
	EXPECT_FALSE(hcvm_pic_has_interrupt(&pic2));
	out(&pic2, 0xa0, 0x20);
	out(&pic2, 0x20, 0x20);
	/* Level IRQ11 is still high: it comes back before IRQ5. */
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic2));
	EXPECT_EQ(0x73, hcvm_pic_ack(&pic2));
}

TEST(state_restore_raises_output)
{
	struct hcvm_pic pic;
	struct kvm_pic_state m;
	struct intr o;

	setup(&pic, &o);
	hcvm_pic_get_state(&pic, 0, &m);
	m.irr = 0x40;
	m.last_irr = 0x40;
	ASSERT_EQ(0, hcvm_pic_set_state(&pic, 0, &m));
	EXPECT_TRUE(hcvm_pic_has_interrupt(&pic));
	EXPECT_EQ(1, o.calls);
	EXPECT_TRUE(o.level);
	EXPECT_EQ(0x0e, hcvm_pic_ack(&pic));
}

TEST(bad_state_refused)
{
	struct hcvm_pic pic;
	struct kvm_pic_state good, st;
	struct intr o;

	setup(&pic, &o);
	hcvm_pic_get_state(&pic, 1, &good);
	EXPECT_EQ(-EINVAL, hcvm_pic_get_state(&pic, 2, &st));
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 2, &good));
	st = good;
	st.irq_base = 0x71;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.priority_add = 8;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.init_state = 4;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.init_state = 3;
	st.init4 = 0;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.poll = 2;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.auto_eoi = 0xff;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.elcr_mask = 0xff;
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	st = good;
	st.elcr = 0x01;			/* IRQ8 cannot be level */
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	/* The master's mask is not the slave's. */
	hcvm_pic_get_state(&pic, 0, &st);
	EXPECT_EQ(-EINVAL, hcvm_pic_set_state(&pic, 1, &st));
	/* Nothing changed. */
	hcvm_pic_get_state(&pic, 1, &st);
	EXPECT_EQ(0, memcmp(&good, &st, sizeof(st)));
}

TEST_HARNESS_MAIN
