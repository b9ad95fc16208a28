/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: what the loaders leave in guest RAM and for the boot vCPU.
 *
 * Both loaders use the low 64 KiB as hcvm-run's boot area (never guest image):
 *   0x0500  GDT: 0x10 64-bit code, 0x18 flat data, 0x20 flat 32-bit code (Linux's
 *           __BOOT_CS/__BOOT_DS are 0x10/0x18)
 *   0x7000  Linux's boot_params (the zero page)
 *   0x8000  top of the initial stack of ELF guests (grows down)
 *   0x9000  PML4, 0xa000 PDPT, 0xb000-0xe000 four page directories: 2 MiB pages
 *           identity-mapping the first 4 GiB, for 64-bit entry
 *   0x10000 Linux's command line (up to 64 KiB)
 */
#ifndef HCVM_RUN_BOOT_H
#define HCVM_RUN_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include "ram.h"

#define BOOT_GDT	0x0500
#define BOOT_ZERO_PAGE	0x7000
#define BOOT_STACK	0x8000
#define BOOT_PML4	0x9000
#define BOOT_CMDLINE	0x10000
#define BOOT_AREA_END	0x20000

#define SEL_CODE64	0x10
#define SEL_DATA	0x18
#define SEL_CODE32	0x20

enum boot_mode { BOOT_MODE_32, BOOT_MODE_64 };

/* The boot vCPU's entry state, applied by vm.c with KVM_SET_SREGS/KVM_SET_REGS. */
struct boot_cpu {
	enum boot_mode mode;
	uint64_t rip, rsp, rsi;
	uint64_t cr3;	/* BOOT_PML4 in 64-bit mode */
};

/* Write the GDT, and for 64-bit mode the identity-mapping page tables; fill cpu's mode/cr3. */
int boot_write_tables(struct guest_ram *ram, enum boot_mode mode, struct boot_cpu *cpu,
		      char *err);

/* Loaders: detect by magic, check, copy into RAM, describe the boot vCPU. */
int kernel_is_elf(const uint8_t *img, size_t size);
int kernel_is_bzimage(const uint8_t *img, size_t size);

struct linux_boot {
	const uint8_t *kernel;
	size_t kernel_size;
	const uint8_t *initrd;	/* may be NULL */
	size_t initrd_size;
	const char *cmdline;
};
int linux_load(struct guest_ram *ram, const struct linux_boot *lb, struct boot_cpu *cpu,
	       char *err);

/* ELF loading reads the file itself (libelf): path only for messages. */
int elf_load(struct guest_ram *ram, const uint8_t *img, size_t size, const char *path,
	     struct boot_cpu *cpu, char *err);

#endif
