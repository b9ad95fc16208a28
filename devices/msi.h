/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of an x86 MSI (a PCI device's interrupt message, or KVM_SIGNAL_MSI
 * from userspace) into the interrupt message the local APICs take. Pure: no
 * state, so host unit tests can feed it addresses and data.
 */
#ifndef HCVM_DEVICES_MSI_H
#define HCVM_DEVICES_MSI_H

#include <linux/types.h>
#include "irq.h"

/* Address bits 31:20: the window every MSI write lands in. */
#define HCVM_MSI_ADDR_BASE	0xfee00000u
#define HCVM_MSI_ADDR_MASK	0xfff00000u

/*
 * Decode the message written to @addr with @data.
 * Address: bits 19:12 destination id, bit 3 redirection hint, bit 2 logical
 * destination; bits 63:40 are destination bits 31:8 for x2APIC ids above 255
 * (KVM_SIGNAL_MSI's address_hi in KVM's x2APIC format), bits 39:32 must be 0.
 * Data: bits 7:0 vector, 10:8 delivery mode, 15 level trigger; bit 14 (level
 * assert) is not kept: a message is always an assertion here.
 * The redirection hint asks for delivery to one of the destinations, so a
 * fixed-mode message with it set becomes lowest priority.
 * Returns false (and leaves @irq alone) if @addr is outside the window.
 */
bool hcvm_msi_decode(u64 addr, u32 data, struct hcvm_irq *irq);

#endif
