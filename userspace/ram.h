/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: guest RAM and the physical memory map.
 *
 *   0           .. low          RAM (low = min(size, 3 GiB))
 *   3 GiB       .. 4 GiB        the 32-bit hole: virtio-mmio, IOAPIC (0xfec00000),
 *                               local APICs (0xfee00000); no RAM, as on a PC
 *   4 GiB       .. 4 GiB + size - low   the rest of RAM
 * One host mapping backs both RAM ranges, low part first.
 */
#ifndef HCVM_RUN_RAM_H
#define HCVM_RUN_RAM_H

#include <stdint.h>

#define RAM_HOLE_START	0xc0000000ULL
#define RAM_HIGH_START	0x100000000ULL
#define IOAPIC_BASE	0xfec00000U
#define LAPIC_BASE	0xfee00000U

struct guest_ram {
	uint8_t *hva;
	uint64_t size;	/* total bytes of RAM */
	uint64_t low;	/* of which below the hole */
};

/* Host pointer to [gpa, gpa + len) if it lies in one RAM range, else NULL. */
static inline void *ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
	if (gpa < ram->low)
		return len <= ram->low - gpa ? ram->hva + gpa : NULL;
	if (gpa >= RAM_HIGH_START && gpa - RAM_HIGH_START < ram->size - ram->low &&
	    len <= ram->size - ram->low - (gpa - RAM_HIGH_START))
		return ram->hva + ram->low + (gpa - RAM_HIGH_START);
	return (void *)0;
}

#endif
