// SPDX-License-Identifier: GPL-2.0
/* The 82093AA I/O APIC: redirection table, pin levels, remote IRR and EOI. */
#include <linux/errno.h>
#include "ioapic.h"

void hcvm_ioapic_reset(struct hcvm_ioapic *io)
{
	unsigned int i;

	io->base = HCVM_IOAPIC_DEFAULT_BASE;
	io->id = 0;
	io->ioregsel = 0;
	io->irr = 0;
	io->line = 0;
	for (i = 0; i < HCVM_IOAPIC_PINS; i++)
		io->redir[i] = HCVM_IOAPIC_MASKED;
}

/* Send @pin's message; a level one accepted by an APIC waits for its EOI. */
static int ioapic_send(struct hcvm_ioapic *io, unsigned int pin)
{
	u64 e = io->redir[pin];
	struct hcvm_irq irq = {
		.dest = e >> HCVM_IOAPIC_DEST_SHIFT,
		.vector = e & 0xff,
		.delivery = (e >> 8) & 7,
		.logical = e & HCVM_IOAPIC_DEST_LOGICAL,
		.level = e & HCVM_IOAPIC_LEVEL,
	};
	int ret = io->deliver(io->ctx, &irq);

	if (!(e & HCVM_IOAPIC_LEVEL))
		io->irr &= ~(1u << pin);
	else if (ret > 0)
		io->redir[pin] |= HCVM_IOAPIC_REMOTE_IRR;
	return ret;
}

/* A level entry asserted, unmasked and not waiting for an EOI is sent (again). */
static int ioapic_service_level(struct hcvm_ioapic *io, unsigned int pin)
{
	u64 e = io->redir[pin];

	if (!(e & HCVM_IOAPIC_LEVEL) || !(io->irr & (1u << pin)))
		return 0;
	if (e & HCVM_IOAPIC_MASKED)
		return -1;
	if (e & HCVM_IOAPIC_REMOTE_IRR)
		return 0;
	return ioapic_send(io, pin);
}

int hcvm_ioapic_set_irq(struct hcvm_ioapic *io, unsigned int pin, int level)
{
	bool was_up;
	u32 bit;
	u64 e;

	if (pin >= HCVM_IOAPIC_PINS)
		return -EINVAL;
	bit = 1u << pin;
	e = io->redir[pin];
	was_up = io->line & bit;

	if (!level) {
		io->line &= ~bit;
		if (e & HCVM_IOAPIC_LEVEL)
			io->irr &= ~bit;
		return 1;
	}
	io->line |= bit;
	if (e & HCVM_IOAPIC_LEVEL) {
		io->irr |= bit;
		return ioapic_service_level(io, pin);
	}
	/* Edge: the datasheet drops an edge on a masked pin rather than hold it. */
	if (e & HCVM_IOAPIC_MASKED)
		return -1;
	if (was_up)
		return 0;
	io->irr |= bit;
	return ioapic_send(io, pin);
}

void hcvm_ioapic_eoi(struct hcvm_ioapic *io, u8 vector)
{
	unsigned int i;

	for (i = 0; i < HCVM_IOAPIC_PINS; i++) {
		u64 e = io->redir[i];

		if ((e & 0xff) != vector || !(e & HCVM_IOAPIC_LEVEL))
			continue;
		io->redir[i] &= ~HCVM_IOAPIC_REMOTE_IRR;
		ioapic_service_level(io, i);
	}
}

static u32 ioapic_read_reg(const struct hcvm_ioapic *io)
{
	u32 reg = io->ioregsel;

	switch (reg) {
	case HCVM_IOAPIC_REG_ID:
		return io->id << 24;
	case HCVM_IOAPIC_REG_VER:
		return HCVM_IOAPIC_VERSION;
	case HCVM_IOAPIC_REG_ARB:
		/* The arbitration id is loaded from the APIC id. */
		return io->id << 24;
	}
	if (reg >= HCVM_IOAPIC_REG_REDIR && reg < HCVM_IOAPIC_REG_REDIR + 2 * HCVM_IOAPIC_PINS) {
		u64 e = io->redir[(reg - HCVM_IOAPIC_REG_REDIR) / 2];

		return reg & 1 ? (u32)(e >> 32) : (u32)e;
	}
	return 0;
}

static void ioapic_write_reg(struct hcvm_ioapic *io, u32 val)
{
	u32 reg = io->ioregsel;
	unsigned int pin;
	u64 e, old;

	if (reg == HCVM_IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < HCVM_IOAPIC_REG_REDIR || reg >= HCVM_IOAPIC_REG_REDIR + 2 * HCVM_IOAPIC_PINS)
		return;		/* VER and ARB are read-only */

	pin = (reg - HCVM_IOAPIC_REG_REDIR) / 2;
	old = io->redir[pin];
	if (reg & 1)
		e = (old & 0xffffffffULL) | (u64)val << 32;
	else
		e = (old & ~0xffffffffULL) | val;
	e = (e & HCVM_IOAPIC_WRITABLE) | (old & HCVM_IOAPIC_REMOTE_IRR);
	/* Remote IRR means nothing for an edge entry: a switch to edge drops it. */
	if (!(e & HCVM_IOAPIC_LEVEL))
		e &= ~HCVM_IOAPIC_REMOTE_IRR;
	io->redir[pin] = e;

	/* Switching to level (or unmasking one) while the line is up is a request. */
	if (e & HCVM_IOAPIC_LEVEL) {
		if (io->line & (1u << pin))
			io->irr |= 1u << pin;
		ioapic_service_level(io, pin);
	} else {
		io->irr &= ~(1u << pin);
	}
}

u32 hcvm_ioapic_mmio_read(struct hcvm_ioapic *io, u32 offset)
{
	if (offset == HCVM_IOAPIC_IOREGSEL)
		return io->ioregsel;
	if (offset == HCVM_IOAPIC_IOWIN)
		return ioapic_read_reg(io);
	return 0;
}

void hcvm_ioapic_mmio_write(struct hcvm_ioapic *io, u32 offset, u32 val)
{
	if (offset == HCVM_IOAPIC_IOREGSEL)
		io->ioregsel = val & 0xff;
	else if (offset == HCVM_IOAPIC_IOWIN)
		ioapic_write_reg(io, val);
}

void hcvm_ioapic_get_state(const struct hcvm_ioapic *io, struct kvm_ioapic_state *s)
{
	unsigned int i;

	s->base_address = io->base;
	s->ioregsel = io->ioregsel;
	s->id = io->id;
	s->irr = io->irr;
	s->pad = 0;
	for (i = 0; i < HCVM_IOAPIC_PINS; i++)
		s->redirtbl[i].bits = io->redir[i];
}

int hcvm_ioapic_set_state(struct hcvm_ioapic *io, const struct kvm_ioapic_state *s)
{
	const u64 known = HCVM_IOAPIC_WRITABLE | HCVM_IOAPIC_REMOTE_IRR |
			  HCVM_IOAPIC_DELIVERY_STATUS;
	unsigned int i;

	if (s->id > 0xf || s->ioregsel > 0xff || s->irr >> HCVM_IOAPIC_PINS ||
	    s->base_address & 0xff)
		return -EINVAL;
	for (i = 0; i < HCVM_IOAPIC_PINS; i++)
		if (s->redirtbl[i].bits & ~known)
			return -EINVAL;

	io->base = s->base_address;
	io->ioregsel = s->ioregsel;
	io->id = s->id;
	io->irr = 0;
	io->line = 0;
	for (i = 0; i < HCVM_IOAPIC_PINS; i++) {
		u64 e = s->redirtbl[i].bits & ~HCVM_IOAPIC_DELIVERY_STATUS;

		if (!(e & HCVM_IOAPIC_LEVEL))
			e &= ~HCVM_IOAPIC_REMOTE_IRR;
		io->redir[i] = e;
	}
	/*
	 * The state has no line levels: a level pin's request bit is its
	 * asserted line; an edge pin's is a latched edge still to send.
	 */
	for (i = 0; i < HCVM_IOAPIC_PINS; i++) {
		u32 bit = 1u << i;

		if (!(s->irr & bit))
			continue;
		io->irr |= bit;
		if (io->redir[i] & HCVM_IOAPIC_LEVEL) {
			io->line |= bit;
			ioapic_service_level(io, i);
		} else if (!(io->redir[i] & HCVM_IOAPIC_MASKED)) {
			ioapic_send(io, i);
		} else {
			io->irr &= ~bit;
		}
	}
	return 0;
}
