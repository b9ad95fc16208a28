// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-run: boot a Linux bzImage with the x86 boot protocol's 64-bit entry
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): no real-mode setup code runs.
 * The protected-mode kernel goes to its pref_address, the zero page (boot_params) holds the
 * setup header, e820 map, command line and initrd, and the boot vCPU starts at
 * load address + 0x200 (startup_64) in long mode with %rsi = the zero page, CS = __BOOT_CS,
 * DS = ES = SS = __BOOT_DS, interrupts off, the first 4 GiB identity-mapped.
 */
#include <asm/bootparam.h>
#include <stddef.h>
#include <string.h>
#include "boot.h"
#include "util.h"

#define HDR_MAGIC	0x53726448	/* "HdrS" */
#define MIN_VERSION	0x020c		/* 2.12: xloadflags, the 64-bit entry's flag */
#define E820_RAM	1
#define E820_RESERVED	2
#define EBDA_START	0x9fc00		/* 639 KiB: EBDA, VGA and BIOS area up to 1 MiB reserved */

int kernel_is_bzimage(const uint8_t *img, size_t size)
{
	uint32_t magic;

	if (size < 0x206)
		return 0;
	memcpy(&magic, img + 0x202, 4);
	return magic == HDR_MAGIC;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

/* RAM as the memory map of ram.h describes it, the BIOS area below 1 MiB reserved. */
static void build_e820(struct boot_params *bp, const struct guest_ram *ram)
{
	bp->e820_entries = 0;
	e820_add(bp, 0, EBDA_START, E820_RAM);
	e820_add(bp, EBDA_START, 0x100000 - EBDA_START, E820_RESERVED);
	e820_add(bp, 0x100000, ram->low - 0x100000, E820_RAM);
	if (ram->size > ram->low)
		e820_add(bp, RAM_HIGH_START, ram->size - ram->low, E820_RAM);
}

/* Copy and check the setup header; fill the zero page but for what depends on placement. */
static int check_header(const struct linux_boot *lb, struct setup_header *hdr, char *err)
{
	const uint8_t *img = lb->kernel;
	size_t hdr_end, setup_size;

	if (!kernel_is_bzimage(img, lb->kernel_size))
		return errorf(err, "not a Linux bzImage (no \"HdrS\" boot header at 0x202)");
	/* The header runs from 0x1f1 to 0x202 + the byte at 0x201 (the jump's offset). */
	hdr_end = 0x202 + img[0x201];
	if (hdr_end > 0x1f1 + sizeof(*hdr))
		hdr_end = 0x1f1 + sizeof(*hdr);	/* a newer header than we know: its prefix */
	if (hdr_end > lb->kernel_size)
		hdr_end = lb->kernel_size;
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, img + 0x1f1, hdr_end - 0x1f1);
	if (hdr->boot_flag != 0xaa55)
		return errorf(err, "not a Linux bzImage (boot flag %#x, not 0xaa55)", hdr->boot_flag);
	if (hdr->version < MIN_VERSION)
		return errorf(err, "boot protocol %u.%02u is too old: hcvm-run needs 2.12 or later "
			      "(Linux 3.8+)", hdr->version >> 8, hdr->version & 0xff);
	if (!(hdr->loadflags & LOADED_HIGH))
		return errorf(err, "a zImage (loaded low), not a bzImage");
	if (!(hdr->xloadflags & XLF_KERNEL_64))
		return errorf(err, "a 32-bit kernel: hcvm-run boots 64-bit kernels (no 64-bit entry)");
	setup_size = ((size_t)(hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	if (setup_size >= lb->kernel_size)
		return errorf(err, "truncated bzImage: %zu bytes, setup code alone is %zu",
			      lb->kernel_size, setup_size);
	if (hdr->init_size < lb->kernel_size - setup_size)
		return errorf(err, "malformed bzImage: init_size %u below the kernel's %zu bytes",
			      hdr->init_size, lb->kernel_size - setup_size);
	return 0;
}

int linux_load(struct guest_ram *ram, const struct linux_boot *lb, struct boot_cpu *cpu,
	       char *err)
{
	struct setup_header hdr;
	struct boot_params *bp;
	size_t setup_size, pm_size, cmdlen = strlen(lb->cmdline);
	uint64_t load, kernel_end, initrd_top, initrd = 0;
	uint8_t *dst;

	if (check_header(lb, &hdr, err))
		return -1;
	setup_size = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	pm_size = lb->kernel_size - setup_size;
	/* pref_address is where a relocatable kernel runs best and a fixed one must run. */
	load = hdr.pref_address ? hdr.pref_address : 0x100000;
	kernel_end = load + hdr.init_size;
	if (load < BOOT_AREA_END || kernel_end > ram->low)
		return errorf(err, "%llu MiB of RAM is too little: this kernel needs %llu MiB "
			      "below 3 GiB (loaded at %#llx, init_size %u)",
			      (unsigned long long)(ram->size >> 20),
			      (unsigned long long)((kernel_end + (1 << 20) - 1) >> 20),
			      (unsigned long long)load, hdr.init_size);
	if (cmdlen >= hdr.cmdline_size || cmdlen >= BOOT_AREA_END - BOOT_CMDLINE)
		return errorf(err, "command line of %zu bytes is longer than this kernel's %u",
			      cmdlen, hdr.cmdline_size);

	if (lb->initrd_size) {
		/* As high as allowed, so the kernel's own early allocations stay clear of it. */
		initrd_top = ram->low;
		if (initrd_top > (uint64_t)hdr.initrd_addr_max + 1)
			initrd_top = (uint64_t)hdr.initrd_addr_max + 1;
		if (lb->initrd_size > initrd_top ||
		    ((initrd_top - lb->initrd_size) & ~0xfffULL) < kernel_end)
			return errorf(err, "%llu MiB of RAM is too little for the kernel (%llu MiB) "
				      "and the %zu KiB initrd below %#llx",
				      (unsigned long long)(ram->size >> 20),
				      (unsigned long long)((kernel_end + (1 << 20) - 1) >> 20),
				      lb->initrd_size >> 10, (unsigned long long)initrd_top);
		initrd = (initrd_top - lb->initrd_size) & ~0xfffULL;
		memcpy(ram_ptr(ram, initrd, lb->initrd_size), lb->initrd, lb->initrd_size);
	}

	dst = ram_ptr(ram, load, hdr.init_size);
	memcpy(dst, lb->kernel + setup_size, pm_size);
	memset(dst + pm_size, 0, hdr.init_size - pm_size);

	bp = ram_ptr(ram, BOOT_ZERO_PAGE, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	bp->hdr = hdr;
	bp->hdr.type_of_loader = 0xff;		/* undefined loader */
	bp->hdr.code32_start = load;
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE;
	bp->hdr.ramdisk_image = initrd;
	bp->hdr.ramdisk_size = lb->initrd_size;
	memcpy(ram_ptr(ram, BOOT_CMDLINE, cmdlen + 1), lb->cmdline, cmdlen + 1);
	build_e820(bp, ram);

	if (boot_write_tables(ram, BOOT_MODE_64, cpu, err))
		return -1;
	cpu->rip = load + 0x200;	/* startup_64 */
	cpu->rsi = BOOT_ZERO_PAGE;
	cpu->rsp = 0;			/* the kernel sets up its own stack */
	return 0;
}
