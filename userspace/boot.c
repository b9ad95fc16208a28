// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: the GDT and page tables both loaders start their guests with. */
#include <string.h>
#include "boot.h"
#include "util.h"

int boot_write_tables(struct guest_ram *ram, enum boot_mode mode, struct boot_cpu *cpu,
		      char *err)
{
	uint64_t *gdt = ram_ptr(ram, BOOT_GDT, 5 * 8);
	uint64_t *pml4 = ram_ptr(ram, BOOT_PML4, 6 * 4096);

	if (!gdt || !pml4)
		return errorf(err, "guest RAM does not cover the boot area");
	memset(gdt, 0, 5 * 8);
	gdt[SEL_CODE64 / 8] = 0x00af9b000000ffffULL;	/* 64-bit code, execute/read */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL;	/* 4 GiB flat data, read/write */
	gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffULL;	/* 4 GiB flat 32-bit code */
	cpu->mode = mode;
	cpu->cr3 = 0;
	if (mode == BOOT_MODE_64) {
		uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;

		memset(pml4, 0, 6 * 4096);
		pml4[0] = (BOOT_PML4 + 0x1000) | 3;	/* present, writable */
		for (int i = 0; i < 4; i++)
			pdpt[i] = (BOOT_PML4 + 0x2000 + 0x1000 * i) | 3;
		/* 4 x 512 2 MiB pages: all of the low 4 GiB, hole included, identity-mapped. */
		for (uint64_t i = 0; i < 4 * 512; i++)
			pd[i] = (i << 21) | 0x83;	/* present, writable, page size */
		cpu->cr3 = BOOT_PML4;
	}
	return 0;
}
