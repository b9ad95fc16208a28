// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and PIO (KVM_REGISTER_COALESCED_MMIO): guest writes into
 * a zone userspace named do not exit; they are appended to a ring in a page
 * that every vCPU fd maps at KVM_COALESCED_MMIO_PAGE_OFFSET, and userspace
 * replays them (before any other exit's I/O, as QEMU and kvmtool do). For
 * write-only device registers whose order matters but whose timing does
 * not (a framebuffer, a doorbell that is read back later).
 *
 * The ring's indices live in shared memory: userspace may write anything
 * there. The kernel writes only the entry at "last" and then "last", and
 * only when "last" is in bounds and the ring is not full; otherwise the
 * write exits as an ordinary one. Entries are visible before "last" moves.
 */
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "coalesced.h"

int hcvm_coalesced_init(struct hcvm_coalesced *c)
{
	spin_lock_init(&c->lock);
	c->ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return c->ring ? 0 : -ENOMEM;
}

/* The VM's end. A vCPU mapping still holding the page keeps it (its fault took a reference). */
void hcvm_coalesced_destroy(struct hcvm_coalesced *c)
{
	free_page((unsigned long)c->ring);
}

/* Does @z hold [@addr, @addr + @len)? */
static bool zone_holds(const struct kvm_coalesced_mmio_zone *z, u64 addr, u64 len)
{
	return addr >= z->addr && len <= z->size && addr - z->addr <= z->size - len;
}

/*
 * Register @z, or (add false) drop every zone of its kind that lies inside
 * it, as KVM does: an unregister need not name a zone exactly.
 */
long hcvm_coalesced_zone(struct hcvm_coalesced *c, const struct kvm_coalesced_mmio_zone *z,
			 bool add)
{
	unsigned int i, n;
	long ret = 0;

	if (z->pio > 1)
		return -EINVAL;
	spin_lock(&c->lock);
	if (add) {
		if (c->nr_zones == HCVM_MAX_COALESCED_ZONES)
			ret = -ENOSPC;
		else
			c->zones[c->nr_zones++] = *z;
	} else {
		for (i = 0, n = 0; i < c->nr_zones; i++) {
			const struct kvm_coalesced_mmio_zone *y = &c->zones[i];

			if (y->pio != z->pio || !zone_holds(z, y->addr, y->size))
				c->zones[n++] = *y;
		}
		c->nr_zones = n;
	}
	spin_unlock(&c->lock);
	return ret;
}

bool hcvm_coalesced_write(struct hcvm_coalesced *c, bool pio, u64 addr, unsigned int len,
			  const void *data)
{
	struct kvm_coalesced_mmio_ring *ring = c->ring;
	struct kvm_coalesced_mmio *e;
	bool taken = false;
	unsigned int i;
	u32 last;

	if (!READ_ONCE(c->nr_zones) || len > sizeof(ring->coalesced_mmio[0].data))
		return false;
	spin_lock(&c->lock);
	for (i = 0; i < c->nr_zones; i++)
		if (c->zones[i].pio == pio && zone_holds(&c->zones[i], addr, len))
			break;
	last = READ_ONCE(ring->last);
	if (i < c->nr_zones && last < KVM_COALESCED_MMIO_MAX &&
	    (last + 1) % KVM_COALESCED_MMIO_MAX != READ_ONCE(ring->first)) {
		e = &ring->coalesced_mmio[last];
		e->phys_addr = addr;
		e->len = len;
		e->pio = pio;
		memset(e->data, 0, sizeof(e->data));
		memcpy(e->data, data, len);
		smp_wmb();	/* the entry before the index that publishes it */
		WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
		taken = true;
	}
	spin_unlock(&c->lock);
	return taken;
}
