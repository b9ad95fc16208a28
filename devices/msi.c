// SPDX-License-Identifier: GPL-2.0
/* MSI address/data to interrupt message, per the Intel SDM's MSI format. */
#include "msi.h"

#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_REDIR_HINT	(1u << 3)
#define MSI_ADDR_DEST_LOGICAL	(1u << 2)
#define MSI_DATA_LEVEL		(1u << 15)

bool hcvm_msi_decode(u64 addr, u32 data, struct hcvm_irq *irq)
{
	u32 lo = (u32)addr, hi = (u32)(addr >> 32);

	if ((lo & HCVM_MSI_ADDR_MASK) != HCVM_MSI_ADDR_BASE)
		return false;
	/* The x2APIC format leaves the low byte of the high half reserved. */
	if (hi & 0xff)
		return false;

	irq->dest = ((lo >> MSI_ADDR_DEST_SHIFT) & 0xff) | (hi & 0xffffff00);
	irq->logical = lo & MSI_ADDR_DEST_LOGICAL;
	irq->vector = data & 0xff;
	irq->delivery = (data >> 8) & 7;
	irq->level = data & MSI_DATA_LEVEL;
	if ((lo & MSI_ADDR_REDIR_HINT) && irq->delivery == HCVM_DM_FIXED)
		irq->delivery = HCVM_DM_LOWEST;
	return true;
}
