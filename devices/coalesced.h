/* SPDX-License-Identifier: GPL-2.0 */
/* Coalesced MMIO and PIO (see coalesced.c). */
#ifndef HCVM_DEVICES_COALESCED_H
#define HCVM_DEVICES_COALESCED_H

#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* KVM bounds zones by its I/O bus (1000 devices); hcvm by this. */
#define HCVM_MAX_COALESCED_ZONES	100

struct hcvm_coalesced {
	spinlock_t lock;	/* zones[] and the ring's insertion; never from IRQ context */
	struct kvm_coalesced_mmio_ring *ring;	/* a page userspace maps and consumes */
	unsigned int nr_zones;
	struct kvm_coalesced_mmio_zone zones[HCVM_MAX_COALESCED_ZONES];
};

int hcvm_coalesced_init(struct hcvm_coalesced *c);
void hcvm_coalesced_destroy(struct hcvm_coalesced *c);
long hcvm_coalesced_zone(struct hcvm_coalesced *c, const struct kvm_coalesced_mmio_zone *z,
			 bool add);
/* A guest write of @len bytes at @addr: true if it went into the ring instead of an exit. */
bool hcvm_coalesced_write(struct hcvm_coalesced *c, bool pio, u64 addr, unsigned int len,
			  const void *data);

#endif
