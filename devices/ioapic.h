/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 82093AA I/O APIC, 24 pins, as a pure state machine: pin levels and
 * register accesses in, interrupt messages out through @deliver. KVM's
 * KVM_IRQ_LINE return values and struct kvm_ioapic_state are kept so KVM
 * clients work unchanged. Pure (no kernel calls) so host unit tests run it.
 *
 * No locking inside: the caller serializes every call on a VM's IOAPIC (the
 * per-VM irqchip spinlock), and @deliver is invoked with that lock held, so
 * it must not sleep and must not call back into the IOAPIC.
 */
#ifndef HCVM_DEVICES_IOAPIC_H
#define HCVM_DEVICES_IOAPIC_H

#include <linux/types.h>
#include <linux/kvm.h>
#include "irq.h"

#define HCVM_IOAPIC_PINS		24
#define HCVM_IOAPIC_DEFAULT_BASE	0xfec00000ULL
/* The MMIO window: IOREGSEL at +0x00, IOWIN at +0x10. */
#define HCVM_IOAPIC_MMIO_SIZE		0x20
#define HCVM_IOAPIC_IOREGSEL		0x00
#define HCVM_IOAPIC_IOWIN		0x10

/* Registers selected through IOREGSEL. */
#define HCVM_IOAPIC_REG_ID		0x00
#define HCVM_IOAPIC_REG_VER		0x01
#define HCVM_IOAPIC_REG_ARB		0x02
#define HCVM_IOAPIC_REG_REDIR		0x10	/* 0x10 + 2 * pin: low dword, +1: high */
#define HCVM_IOAPIC_VERSION		0x00170011	/* max redirection entry 23, version 0x11 */

/* Redirection entry bits. */
#define HCVM_IOAPIC_DEST_LOGICAL	(1ULL << 11)
#define HCVM_IOAPIC_DELIVERY_STATUS	(1ULL << 12)
#define HCVM_IOAPIC_POLARITY_LOW	(1ULL << 13)
#define HCVM_IOAPIC_REMOTE_IRR		(1ULL << 14)
#define HCVM_IOAPIC_LEVEL		(1ULL << 15)
#define HCVM_IOAPIC_MASKED		(1ULL << 16)
#define HCVM_IOAPIC_DEST_SHIFT		56
/* What software can write: vector, delivery, dest mode, polarity, trigger, mask, dest. */
#define HCVM_IOAPIC_WRITABLE		(0xff000000000000ffULL | 0x7ULL << 8 | \
					 HCVM_IOAPIC_DEST_LOGICAL | HCVM_IOAPIC_POLARITY_LOW | \
					 HCVM_IOAPIC_LEVEL | HCVM_IOAPIC_MASKED)

struct hcvm_ioapic {
	u64 base;		/* guest-physical address of the MMIO window */
	u32 id;			/* APIC id, 4 bits (ID register bits 27:24) */
	u32 ioregsel;		/* 8 bits */
	/*
	 * Requests not yet answered: a level pin's bit follows its asserted
	 * line; an edge pin's bit is set by a rising edge only until its
	 * message is sent, so it is clear between calls.
	 */
	u32 irr;
	u32 line;		/* current input level per pin (1: asserted) */
	u64 redir[HCVM_IOAPIC_PINS];
	hcvm_irq_deliver_fn deliver;
	void *ctx;
};

/* Power-on state: every entry masked, id 0, base 0xfec00000. Keeps @deliver and @ctx. */
void hcvm_ioapic_reset(struct hcvm_ioapic *io);

/*
 * Drive @pin to @level (nonzero: asserted; polarity is the router's business,
 * as in KVM). Returns as KVM_IRQ_LINE_STATUS does: >0 the message was
 * accepted by that many local APICs, 0 coalesced (no rising edge, remote IRR
 * still set, or no APIC took it), -1 the entry is masked, -EINVAL for a bad
 * pin. Lowering a line returns 1, as KVM does.
 */
int hcvm_ioapic_set_irq(struct hcvm_ioapic *io, unsigned int pin, int level);

/*
 * A local APIC's EOI broadcast for @vector: each level-triggered entry with
 * that vector gets its remote IRR cleared and is sent again if its line is
 * still asserted and it is not masked.
 */
void hcvm_ioapic_eoi(struct hcvm_ioapic *io, u8 vector);

/*
 * 32-bit accesses at @offset from @io->base. Other offsets read 0 and ignore
 * writes. A write may deliver (an unmasked level entry whose line is up).
 */
u32 hcvm_ioapic_mmio_read(struct hcvm_ioapic *io, u32 offset);
void hcvm_ioapic_mmio_write(struct hcvm_ioapic *io, u32 offset, u32 val);

/*
 * KVM_GET_IRQCHIP / KVM_SET_IRQCHIP (KVM_IRQCHIP_IOAPIC). Set refuses
 * (-EINVAL, nothing changed) an id above 15, an ioregsel above 0xff, irr bits
 * above pin 23, a base not 256-byte aligned and reserved entry bits; it drops
 * delivery status and then sends every pending unmasked request.
 */
void hcvm_ioapic_get_state(const struct hcvm_ioapic *io, struct kvm_ioapic_state *s);
int hcvm_ioapic_set_state(struct hcvm_ioapic *io, const struct kvm_ioapic_state *s);

#endif
