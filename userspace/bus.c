// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "bus.h"

int bus_add(struct bus *bus, uint64_t base, uint64_t len, bus_fn fn, void *dev)
{
	int i;

	if (!len || base + len - 1 < base || bus->n == BUS_MAX_RANGES)
		return -1;
	for (i = 0; i < bus->n && bus->r[i].base < base; i++)
		;
	/* Sorted and disjoint: only the neighbours can overlap. */
	if (i > 0 && bus->r[i - 1].base + bus->r[i - 1].len > base)
		return -1;
	if (i < bus->n && base + len > bus->r[i].base)
		return -1;
	memmove(&bus->r[i + 1], &bus->r[i], (bus->n - i) * sizeof(bus->r[0]));
	bus->r[i] = (struct bus_range){ base, len, fn, dev };
	bus->n++;
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned int len)
{
	int lo = 0, hi = bus->n;

	/* Binary search for the last range starting at or below addr. */
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;

		if (bus->r[mid].base <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (bus->n && addr >= bus->r[lo].base && addr - bus->r[lo].base < bus->r[lo].len &&
	    len <= bus->r[lo].len - (addr - bus->r[lo].base))
		return &bus->r[lo];
	return NULL;
}

int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data, unsigned int len,
	       int is_write)
{
	const struct bus_range *r = bus_find(bus, addr, len);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	r->fn(r->dev, addr, data, len, is_write);
	return 1;
}
