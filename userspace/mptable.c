// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "mptable.h"
#include "ram.h"

struct mpf {			/* floating pointer structure */
	char signature[4];	/* "_MP_" */
	uint32_t physptr;	/* the configuration table */
	uint8_t length;		/* in 16-byte units: 1 */
	uint8_t spec_rev;	/* 4: version 1.4 */
	uint8_t checksum;
	uint8_t feature[5];	/* 0: a table is present; IMCR absent (virtual wire mode) */
} __attribute__((packed));

struct mpc_header {
	char signature[4];	/* "PCMP" */
	uint16_t length;	/* header and entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_ptr;
	uint16_t oem_size;
	uint16_t count;		/* entries */
	uint32_t lapic;		/* local APIC address */
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;		/* 0 */
	uint8_t apic_id;
	uint8_t apic_ver;
	uint8_t flags;		/* 1 enabled, 2 bootstrap processor */
	uint32_t signature;	/* family 6 */
	uint32_t features;	/* CPUID.1:EDX FPU and APIC */
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;		/* 1 */
	uint8_t id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;		/* 2 */
	uint8_t id;
	uint8_t ver;
	uint8_t flags;		/* 1 usable */
	uint32_t addr;
} __attribute__((packed));

struct mpc_intsrc {		/* type 3: I/O interrupt; type 4: local interrupt */
	uint8_t type;
	uint8_t irqtype;	/* 0 INT, 1 NMI, 3 ExtINT */
	uint16_t flags;		/* 0: polarity and trigger conform to the bus (ISA: edge, high) */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_id;		/* IOAPIC id, or 0xff for every local APIC */
	uint8_t dst_pin;	/* IOAPIC pin or LINTn */
} __attribute__((packed));

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

long mptable_write(void *dst, uint32_t gpa, size_t room, int ncpus)
{
	uint8_t *p = dst;
	struct mpf *mpf = dst;
	struct mpc_header *mpc = (struct mpc_header *)(mpf + 1);
	uint8_t *e = (uint8_t *)(mpc + 1);
	uint8_t ioapic_id = ncpus;
	int count = 0;
	size_t need = sizeof(*mpf) + sizeof(*mpc) + ncpus * sizeof(struct mpc_cpu) +
		      sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
		      18 * sizeof(struct mpc_intsrc);

	if (ncpus < 1 || ncpus > 254 || need > room)
		return -1;
	memset(dst, 0, need);

	for (int i = 0; i < ncpus; i++, count++) {
		struct mpc_cpu *c = (struct mpc_cpu *)e;

		c->type = 0;
		c->apic_id = i;
		c->apic_ver = 0x14;
		c->flags = 1 | (i == 0 ? 2 : 0);
		c->signature = 0x600;
		c->features = 0x201;
		e += sizeof(*c);
	}
	struct mpc_bus *bus = (struct mpc_bus *)e;

	bus->type = 1;
	bus->id = 0;
	memcpy(bus->name, "ISA   ", 6);
	e += sizeof(*bus);
	count++;

	struct mpc_ioapic *io = (struct mpc_ioapic *)e;

	io->type = 2;
	io->id = ioapic_id;
	io->ver = 0x11;
	io->flags = 1;
	io->addr = IOAPIC_BASE;
	e += sizeof(*io);
	count++;

	/* ISA IRQs 0-15 to IOAPIC pins 0-15 (2, the PIC cascade, has no device). */
	for (int irq = 0; irq < 16; irq++) {
		struct mpc_intsrc *s = (struct mpc_intsrc *)e;

		if (irq == 2)
			continue;
		*s = (struct mpc_intsrc){ 3, 0, 0, 0, irq, ioapic_id, irq };
		e += sizeof(*s);
		count++;
	}
	/* Every local APIC: LINT0 takes the 8259's ExtINT (virtual wire), LINT1 is NMI. */
	*(struct mpc_intsrc *)e = (struct mpc_intsrc){ 4, 3, 0, 0, 0, 0xff, 0 };
	e += sizeof(struct mpc_intsrc);
	*(struct mpc_intsrc *)e = (struct mpc_intsrc){ 4, 1, 0, 0, 0, 0xff, 1 };
	e += sizeof(struct mpc_intsrc);
	count += 2;

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = e - (uint8_t *)mpc;
	mpc->spec_rev = 4;
	memcpy(mpc->oem, "HCVM    ", 8);
	memcpy(mpc->product, "HCVM-RUN    ", 12);
	mpc->count = count;
	mpc->lapic = LAPIC_BASE;
	mpc->checksum = checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = gpa + sizeof(*mpf);
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return e - p;
}
