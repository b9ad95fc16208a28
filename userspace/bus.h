/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: a device bus, one per address space (port I/O, MMIO). A range [base, base + len)
 * belongs to one device handler; ranges never overlap. Accesses reaching no device read as
 * all ones and their writes are dropped, like an unclaimed ISA/PCI cycle.
 */
#ifndef HCVM_RUN_BUS_H
#define HCVM_RUN_BUS_H

#include <stdint.h>

#define BUS_MAX_RANGES	32

/* addr is the absolute port or physical address; data holds len bytes (1, 2, 4 or 8). */
typedef void (*bus_fn)(void *dev, uint64_t addr, uint8_t *data, unsigned int len, int is_write);

struct bus_range {
	uint64_t base, len;
	bus_fn fn;
	void *dev;
};

struct bus {
	struct bus_range r[BUS_MAX_RANGES];	/* sorted by base */
	int n;
};

/* 0, or -1 if the range is empty, wraps, overlaps another, or the bus is full. */
int bus_add(struct bus *bus, uint64_t base, uint64_t len, bus_fn fn, void *dev);
/* The range holding all of [addr, addr + len), or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned int len);
/* Dispatch one access; 1 if a device took it, 0 if none (reads then give all ones). */
int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data, unsigned int len,
	       int is_write);

#endif
