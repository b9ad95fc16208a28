// SPDX-License-Identifier: GPL-2.0
/* hcvm-run's bzImage loader on synthetic images: header checks, placement, zero page, e820. */
#include <asm/bootparam.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "boot.h"
#include "util.h"

#define SETUP_SECTS	1
#define PM_SIZE		4096
#define IMG_SIZE	((SETUP_SECTS + 1) * 512 + PM_SIZE)

static void make_bzimage(uint8_t *img)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);

	memset(img, 0, IMG_SIZE);
	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	h->jump = 0x66eb;		/* the header ends at 0x202 + 0x66 */
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->pref_address = 0x1000000;
	h->init_size = 0x200000;
	h->cmdline_size = 2047;
	h->initrd_addr_max = 0x7fffffff;
	memset(img + (SETUP_SECTS + 1) * 512, 0x90, PM_SIZE);
}

FIXTURE(bz) {
	struct guest_ram ram;
	uint8_t img[IMG_SIZE];
	uint8_t initrd[8192];
	char err[ERR_LEN];
	struct boot_cpu cpu;
	struct linux_boot lb;
};

FIXTURE_SETUP(bz)
{
	self->ram.size = self->ram.low = 64 << 20;
	self->ram.hva = calloc(1, self->ram.size);
	ASSERT_NE(NULL, self->ram.hva);
	make_bzimage(self->img);
	memset(self->initrd, 0x5a, sizeof(self->initrd));
	self->lb = (struct linux_boot){ self->img, IMG_SIZE, self->initrd, sizeof(self->initrd),
					"console=ttyS0 quiet" };
}

FIXTURE_TEARDOWN(bz)
{
	free(self->ram.hva);
}

TEST_F(bz, load)
{
	struct boot_params *bp = (struct boot_params *)(self->ram.hva + BOOT_ZERO_PAGE);
	uint64_t initrd;

	ASSERT_TRUE(kernel_is_bzimage(self->img, IMG_SIZE));
	ASSERT_EQ(0, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_EQ(0x1000200ULL, self->cpu.rip);		/* startup_64 */
	ASSERT_EQ((uint64_t)BOOT_ZERO_PAGE, self->cpu.rsi);
	ASSERT_EQ(BOOT_MODE_64, (int)self->cpu.mode);
	ASSERT_EQ(0x90, self->ram.hva[0x1000000]);
	ASSERT_EQ(0x53726448U, bp->hdr.header);
	ASSERT_EQ(0xff, bp->hdr.type_of_loader);
	ASSERT_EQ((uint32_t)BOOT_CMDLINE, bp->hdr.cmd_line_ptr);
	ASSERT_STREQ("console=ttyS0 quiet", (char *)self->ram.hva + BOOT_CMDLINE);
	initrd = bp->hdr.ramdisk_image;
	ASSERT_EQ(sizeof(self->initrd), bp->hdr.ramdisk_size);
	ASSERT_EQ(0ULL, initrd & 0xfff);
	ASSERT_GE(initrd, 0x1200000ULL);			/* above the kernel's init_size */
	ASSERT_LE(initrd + sizeof(self->initrd), 64ULL << 20);
	ASSERT_EQ(0, memcmp(self->ram.hva + initrd, self->initrd, sizeof(self->initrd)));
	/* e820: low RAM, the reserved BIOS area, RAM from 1 MiB. */
	ASSERT_EQ(3, bp->e820_entries);
	ASSERT_EQ(0ULL, bp->e820_table[0].addr);
	ASSERT_EQ(1U, bp->e820_table[0].type);
	ASSERT_EQ(2U, bp->e820_table[1].type);
	ASSERT_EQ(0x100000ULL, bp->e820_table[2].addr);
	ASSERT_EQ((64ULL << 20) - 0x100000, bp->e820_table[2].size);
}

TEST_F(bz, high_ram)
{
	struct boot_params *bp;

	free(self->ram.hva);
	/* 4 GiB of RAM split around the hole, without touching it all: a sparse mapping. */
	self->ram.size = 4ULL << 30;
	self->ram.low = RAM_HOLE_START;
	self->ram.hva = calloc(1, self->ram.size);
	ASSERT_NE(NULL, self->ram.hva);
	ASSERT_EQ(0, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	bp = (struct boot_params *)(self->ram.hva + BOOT_ZERO_PAGE);
	ASSERT_EQ(4, bp->e820_entries);
	ASSERT_EQ(RAM_HIGH_START, bp->e820_table[3].addr);
	ASSERT_EQ(1ULL << 30, bp->e820_table[3].size);
	ASSERT_LT((uint64_t)bp->hdr.ramdisk_image, RAM_HOLE_START);
}

TEST_F(bz, refusals)
{
	struct setup_header *h = (struct setup_header *)(self->img + 0x1f1);

	self->ram.size = self->ram.low = 16 << 20;		/* below pref_address + init_size */
	ASSERT_EQ(-1, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "too little"));
	self->ram.size = self->ram.low = 64 << 20;
	h->version = 0x0204;
	ASSERT_EQ(-1, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "too old"));
	h->version = 0x020f;
	h->xloadflags = 0;
	ASSERT_EQ(-1, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "32-bit"));
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = 4;
	ASSERT_EQ(-1, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "command line"));
	h->cmdline_size = 2047;
	self->lb.kernel_size = 0x300;
	ASSERT_EQ(-1, linux_load(&self->ram, &self->lb, &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "truncated"));
	h->header = 0;
	ASSERT_FALSE(kernel_is_bzimage(self->img, IMG_SIZE));
}

TEST_HARNESS_MAIN
