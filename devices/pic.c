// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair behind the PIIX: initialization words, OCW1-3, priority
 * resolution with rotation, special mask and special fully nested modes,
 * auto-EOI, poll, and the ELCR. The slave's INT output is the master's IRQ2
 * input, a level wire whose request the master drops when the wire falls,
 * as a real 8259A drops a request withdrawn before INTA.
 */
#include <linux/errno.h>
#include "pic.h"

#define MASTER	KVM_IRQCHIP_PIC_MASTER
#define SLAVE	KVM_IRQCHIP_PIC_SLAVE

/* OCW2 commands (bits 7:5). */
#define OCW2_CLEAR_ROTATE_AEOI	0
#define OCW2_EOI		1
#define OCW2_NOP		2
#define OCW2_SPECIFIC_EOI	3
#define OCW2_SET_ROTATE_AEOI	4
#define OCW2_ROTATE_EOI		5
#define OCW2_SET_PRIORITY	6
#define OCW2_ROTATE_SPECIFIC	7

static const u8 elcr_mask[2] = { HCVM_PIC_ELCR_MASK_MASTER, HCVM_PIC_ELCR_MASK_SLAVE };

/* Priority rank of the best line in @mask: 0 highest ... 7 lowest, 8 none. */
static unsigned int chip_rank(const struct hcvm_pic_chip *c, u8 mask)
{
	unsigned int r;

	for (r = 0; r < 8; r++)
		if (mask & (1u << ((r + c->priority_add) & 7)))
			return r;
	return 8;
}

/* The line this chip would signal on INT, or -1: requested, unmasked, above every ISR level. */
static int chip_irq(const struct hcvm_pic_chip *c, bool master)
{
	u8 in_service = c->isr;
	unsigned int req, svc;
	int irq;

	/* Special mask mode: a masked level in service no longer holds lower ones off. */
	if (c->special_mask)
		in_service &= ~c->imr;
	req = chip_rank(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	svc = chip_rank(c, in_service);
	irq = (req + c->priority_add) & 7;
	if (req < svc)
		return irq;
	/* Special fully nested: the slave may interrupt its own in-service cascade level. */
	if (master && c->special_fully_nested_mode && req == svc && irq == HCVM_PIC_CASCADE_IRQ)
		return irq;
	return -1;
}

/*
 * A new level on one input. Edge lines latch on a rising edge; level lines
 * (and @follow, the cascade wire) drop their request with the line.
 */
static void chip_set_line(struct hcvm_pic_chip *c, unsigned int line, bool level, bool follow)
{
	u8 bit = 1u << line;
	bool is_level = c->elcr & bit;

	if (level) {
		if (is_level || !(c->last_irr & bit))
			c->irr |= bit;
		c->last_irr |= bit;
	} else {
		c->last_irr &= ~bit;
		if (is_level || follow)
			c->irr &= ~bit;
	}
}

/* Acknowledge @irq on one chip, for an INTA or a poll read. */
static void chip_ack(struct hcvm_pic_chip *c, int irq)
{
	u8 bit = 1u << irq;

	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_on_auto_eoi)
		c->priority_add = (irq + 1) & 7;
	/* A level line keeps requesting while it is high. */
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

/* Propagate the slave's INT to master IRQ2 and the master's INT to the CPU. */
static void pic_update(struct hcvm_pic *pic)
{
	bool slave = chip_irq(&pic->chip[SLAVE], false) >= 0;
	bool out;

	chip_set_line(&pic->chip[MASTER], HCVM_PIC_CASCADE_IRQ, slave, true);
	out = chip_irq(&pic->chip[MASTER], true) >= 0;
	if (out != pic->out) {
		pic->out = out;
		if (pic->output)
			pic->output(pic->ctx, out);
	}
}

void hcvm_pic_reset(struct hcvm_pic *pic)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		pic->chip[i] = (struct hcvm_pic_chip){ .elcr_mask = elcr_mask[i] };
	pic_update(pic);
}

int hcvm_pic_set_irq(struct hcvm_pic *pic, unsigned int irq, int level)
{
	struct hcvm_pic_chip *c;
	u8 bit, before;
	int ret;

	if (irq >= 16)
		return -EINVAL;
	/* No ISA device drives IRQ2: the slave's INT does. Like a masked line. */
	if (irq == HCVM_PIC_CASCADE_IRQ)
		return -1;
	c = &pic->chip[irq >> 3];
	bit = 1u << (irq & 7);
	before = c->irr;
	chip_set_line(c, irq & 7, level, false);
	ret = !(before & bit) && (c->irr & bit);
	if (level && ((c->imr & bit) ||
		      (irq >= 8 && pic->chip[MASTER].imr & (1u << HCVM_PIC_CASCADE_IRQ))))
		ret = -1;
	else if (!level)
		ret = 1;
	pic_update(pic);
	return ret;
}

bool hcvm_pic_has_interrupt(const struct hcvm_pic *pic)
{
	return pic->out;
}

int hcvm_pic_ack(struct hcvm_pic *pic)
{
	struct hcvm_pic_chip *m = &pic->chip[MASTER], *s = &pic->chip[SLAVE];
	int irq = chip_irq(m, true), sirq, vector;

	if (irq < 0) {
		vector = m->irq_base + 7;	/* spurious: no ISR bit */
	} else if (irq != HCVM_PIC_CASCADE_IRQ) {
		chip_ack(m, irq);
		vector = m->irq_base + irq;
	} else {
		chip_ack(m, irq);
		sirq = chip_irq(s, false);
		if (sirq < 0) {
			vector = s->irq_base + 7;
		} else {
			chip_ack(s, sirq);
			vector = s->irq_base + sirq;
		}
		/* The slave's INT drops during INTA: a request still there is a new edge. */
		m->last_irr &= ~(1u << HCVM_PIC_CASCADE_IRQ);
	}
	pic_update(pic);
	return vector;
}

static void pic_write_cmd(struct hcvm_pic *pic, struct hcvm_pic_chip *c, u8 val)
{
	unsigned int level = val & 7;
	int irq;

	if (val & 0x10) {
		/* ICW1: starts initialization and resets what the datasheet lists. */
		c->init4 = val & 1;
		c->single = (val >> 1) & 1;
		c->init_state = 1;
		c->imr = 0;
		c->isr = 0;
		c->priority_add = 0;
		c->special_mask = 0;
		c->read_reg_select = 0;
		c->poll = 0;
		c->rotate_on_auto_eoi = 0;
		/* The edge sense is reset: a line already high must fall and rise again. */
		c->irr &= c->elcr;
		if (!c->init4) {
			c->auto_eoi = 0;
			c->special_fully_nested_mode = 0;
		}
	} else if (val & 0x08) {
		/* OCW3 */
		if (val & 0x04)
			c->poll = 1;
		if (val & 0x02)
			c->read_reg_select = val & 1;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
	} else {
		/* OCW2 */
		switch (val >> 5) {
		case OCW2_CLEAR_ROTATE_AEOI:
			c->rotate_on_auto_eoi = 0;
			break;
		case OCW2_SET_ROTATE_AEOI:
			c->rotate_on_auto_eoi = 1;
			break;
		case OCW2_EOI:
		case OCW2_ROTATE_EOI:
			if (chip_rank(c, c->isr) == 8)
				break;
			irq = (chip_rank(c, c->isr) + c->priority_add) & 7;
			c->isr &= ~(1u << irq);
			if (val >> 5 == OCW2_ROTATE_EOI)
				c->priority_add = (irq + 1) & 7;
			break;
		case OCW2_SPECIFIC_EOI:
		case OCW2_ROTATE_SPECIFIC:
			c->isr &= ~(1u << level);
			if (val >> 5 == OCW2_ROTATE_SPECIFIC)
				c->priority_add = (level + 1) & 7;
			break;
		case OCW2_SET_PRIORITY:
			/* @level becomes the lowest priority. */
			c->priority_add = (level + 1) & 7;
			break;
		case OCW2_NOP:
			break;
		}
	}
	pic_update(pic);
}

static void pic_write_data(struct hcvm_pic *pic, struct hcvm_pic_chip *c, u8 val)
{
	switch (c->init_state) {
	case 0:
		c->imr = val;	/* OCW1 */
		break;
	case 1:
		c->irq_base = val & 0xf8;
		if (!c->single)
			c->init_state = 2;
		else
			c->init_state = c->init4 ? 3 : 0;
		break;
	case 2:
		/* ICW3: the cascade is wired on IRQ2 whatever the guest says. */
		c->init_state = c->init4 ? 3 : 0;
		break;
	default:
		/* ICW4: bit 0 (8086 mode) and buffering mean nothing here. */
		c->auto_eoi = (val >> 1) & 1;
		c->special_fully_nested_mode = (val >> 4) & 1;
		c->init_state = 0;
		break;
	}
	pic_update(pic);
}

/* A command-port read in poll mode: an INTA whose answer is the poll word. */
static u8 pic_poll(struct hcvm_pic *pic, unsigned int idx)
{
	struct hcvm_pic_chip *c = &pic->chip[idx];
	int irq = chip_irq(c, idx == MASTER);

	c->poll = 0;
	if (irq < 0)
		return 0;
	chip_ack(c, irq);
	pic_update(pic);
	return 0x80 | irq;
}

static void pic_write_elcr(struct hcvm_pic *pic, struct hcvm_pic_chip *c, u8 val)
{
	c->elcr = val & c->elcr_mask;
	/* A level line's request is its current level. */
	c->irr = (c->irr & ~c->elcr) | (c->last_irr & c->elcr);
	pic_update(pic);
}

bool hcvm_pic_io(struct hcvm_pic *pic, u16 port, bool write, u8 *val)
{
	unsigned int idx;
	struct hcvm_pic_chip *c;

	switch (port) {
	case HCVM_PIC_MASTER_CMD:
	case HCVM_PIC_MASTER_DATA:
		idx = MASTER;
		break;
	case HCVM_PIC_SLAVE_CMD:
	case HCVM_PIC_SLAVE_DATA:
		idx = SLAVE;
		break;
	case HCVM_PIC_ELCR_MASTER:
	case HCVM_PIC_ELCR_SLAVE:
		c = &pic->chip[port & 1];
		if (write)
			pic_write_elcr(pic, c, *val);
		else
			*val = c->elcr;
		return true;
	default:
		return false;
	}
	c = &pic->chip[idx];
	if (write) {
		if (port & 1)
			pic_write_data(pic, c, *val);
		else
			pic_write_cmd(pic, c, *val);
	} else if (port & 1) {
		*val = c->imr;
	} else if (c->poll) {
		*val = pic_poll(pic, idx);
	} else {
		*val = c->read_reg_select ? c->isr : c->irr;
	}
	return true;
}

int hcvm_pic_get_state(const struct hcvm_pic *pic, unsigned int chip, struct kvm_pic_state *s)
{
	const struct hcvm_pic_chip *c;

	if (chip > SLAVE)
		return -EINVAL;
	c = &pic->chip[chip];
	s->last_irr = c->last_irr;
	s->irr = c->irr;
	s->imr = c->imr;
	s->isr = c->isr;
	s->priority_add = c->priority_add;
	s->irq_base = c->irq_base;
	s->read_reg_select = c->read_reg_select;
	s->poll = c->poll;
	s->special_mask = c->special_mask;
	s->init_state = c->init_state;
	s->auto_eoi = c->auto_eoi;
	s->rotate_on_auto_eoi = c->rotate_on_auto_eoi;
	s->special_fully_nested_mode = c->special_fully_nested_mode;
	s->init4 = c->init4;
	s->elcr = c->elcr;
	s->elcr_mask = c->elcr_mask;
	return 0;
}

int hcvm_pic_set_state(struct hcvm_pic *pic, unsigned int chip, const struct kvm_pic_state *s)
{
	struct hcvm_pic_chip *c;

	if (chip > SLAVE)
		return -EINVAL;
	if (s->irq_base & 7 || s->priority_add > 7 || s->init_state > 3 ||
	    (s->init_state == 3 && !s->init4) ||
	    (s->read_reg_select | s->poll | s->special_mask | s->auto_eoi |
	     s->rotate_on_auto_eoi | s->special_fully_nested_mode | s->init4) > 1 ||
	    s->elcr_mask != elcr_mask[chip] || s->elcr & ~s->elcr_mask)
		return -EINVAL;
	c = &pic->chip[chip];
	c->last_irr = s->last_irr;
	c->irr = s->irr;
	c->imr = s->imr;
	c->isr = s->isr;
	c->priority_add = s->priority_add;
	c->irq_base = s->irq_base;
	c->read_reg_select = s->read_reg_select;
	c->poll = s->poll;
	c->special_mask = s->special_mask;
	c->init_state = s->init_state;
	c->auto_eoi = s->auto_eoi;
	c->rotate_on_auto_eoi = s->rotate_on_auto_eoi;
	c->special_fully_nested_mode = s->special_fully_nested_mode;
	c->init4 = s->init4;
	c->elcr = s->elcr;
	c->elcr_mask = s->elcr_mask;
	c->single = 0;
	pic_update(pic);
	return 0;
}
