/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An interrupt message: what an IOAPIC redirection entry, an MSI or a local
 * APIC's ICR names, handed to the VM's local APICs for delivery. The
 * interrupt sources (ioapic.c, pic.c via the LINT0 ExtINT path, msi.c) know
 * nothing of vCPUs; lapic.c does the destination matching.
 */
#ifndef HCVM_DEVICES_IRQ_H
#define HCVM_DEVICES_IRQ_H

#include <linux/types.h>

/* Delivery modes, as ICR, LVT and redirection-entry bits 10:8 encode them. */
#define HCVM_DM_FIXED		0
#define HCVM_DM_LOWEST		1
#define HCVM_DM_SMI		2
#define HCVM_DM_NMI		4
#define HCVM_DM_INIT		5
#define HCVM_DM_SIPI		6
#define HCVM_DM_EXTINT		7

struct hcvm_irq {
	u32 dest;		/* APIC id (physical) or logical bitmap; all ones: broadcast */
	u8 vector;
	u8 delivery;		/* HCVM_DM_* */
	bool logical;		/* destination mode */
	bool level;		/* trigger mode: level (needs an EOI broadcast back) */
};

/*
 * Deliver @irq to the local APICs it names. Returns how many accepted it
 * (0: none). Called with the source's lock held: must not sleep.
 */
typedef int (*hcvm_irq_deliver_fn)(void *ctx, const struct hcvm_irq *irq);

#endif
