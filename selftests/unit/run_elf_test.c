// SPDX-License-Identifier: GPL-2.0
/* hcvm-run's ELF loader on ELF images built here: segments, bss, modes, and refusals. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "boot.h"
#include "util.h"

/* "mov $0x3f8,%dx; mov $'H',%al; out; mov $0x501,%dx; mov $7,%al; out; hlt": same in both modes */
static const uint8_t code[] = { 0x66, 0xba, 0xf8, 0x03, 0xb0, 0x48, 0xee, 0x66, 0xba, 0x01, 0x05,
				0xb0, 0x07, 0xee, 0xf4 };

/* One PT_LOAD segment of code at paddr, memsz filesz + bss. */
static size_t make_elf(uint8_t *buf, int class, uint64_t paddr, uint64_t bss)
{
	size_t off;

	memset(buf, 0, 4096);
	if (class == ELFCLASS64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
		Elf64_Phdr *ph = (Elf64_Phdr *)(eh + 1);

		off = sizeof(*eh) + sizeof(*ph);
		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS64;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_EXEC;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_entry = paddr;
		eh->e_phoff = sizeof(*eh);
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = 1;
		*ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off, .p_vaddr = paddr,
				    .p_paddr = paddr, .p_filesz = sizeof(code),
				    .p_memsz = sizeof(code) + bss, .p_flags = PF_R | PF_X };
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)buf;
		Elf32_Phdr *ph = (Elf32_Phdr *)(eh + 1);

		off = sizeof(*eh) + sizeof(*ph);
		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS32;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_EXEC;
		eh->e_machine = EM_386;
		eh->e_version = EV_CURRENT;
		eh->e_entry = paddr;
		eh->e_phoff = sizeof(*eh);
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = 1;
		*ph = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = off, .p_vaddr = paddr,
				    .p_paddr = paddr, .p_filesz = sizeof(code),
				    .p_memsz = sizeof(code) + bss, .p_flags = PF_R | PF_X };
	}
	memcpy(buf + off, code, sizeof(code));
	return off + sizeof(code);
}

FIXTURE(elf) {
	struct guest_ram ram;
	uint8_t img[4096];
	char err[ERR_LEN];
	struct boot_cpu cpu;
};

FIXTURE_SETUP(elf)
{
	self->ram.size = self->ram.low = 4 << 20;
	self->ram.hva = calloc(1, self->ram.size);
	ASSERT_NE(NULL, self->ram.hva);
	/* Dirty RAM: the loader must zero the bss itself. */
	memset(self->ram.hva, 0xcc, self->ram.size);
}

FIXTURE_TEARDOWN(elf)
{
	free(self->ram.hva);
}

TEST_F(elf, load64)
{
	size_t n = make_elf(self->img, ELFCLASS64, 0x100000, 32);

	ASSERT_TRUE(kernel_is_elf(self->img, n));
	ASSERT_EQ(0, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_EQ(0, memcmp(self->ram.hva + 0x100000, code, sizeof(code)));
	for (int i = 0; i < 32; i++)
		ASSERT_EQ(0, self->ram.hva[0x100000 + sizeof(code) + i]);
	ASSERT_EQ(0xcc, self->ram.hva[0x100000 + sizeof(code) + 32]);
	ASSERT_EQ(BOOT_MODE_64, (int)self->cpu.mode);
	ASSERT_EQ(0x100000ULL, self->cpu.rip);
	ASSERT_EQ((uint64_t)BOOT_PML4, self->cpu.cr3);
	/* Identity map: PML4[0] -> PDPT, PD entry 1 maps 2 MiB with PS. */
	ASSERT_EQ((uint64_t)(BOOT_PML4 + 0x1000) | 3, *(uint64_t *)(self->ram.hva + BOOT_PML4));
	ASSERT_EQ((2ULL << 20) | 0x83, *(uint64_t *)(self->ram.hva + BOOT_PML4 + 0x2000 + 8));
}

TEST_F(elf, load32)
{
	size_t n = make_elf(self->img, ELFCLASS32, 0x200000, 0);

	ASSERT_EQ(0, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_EQ(BOOT_MODE_32, (int)self->cpu.mode);
	ASSERT_EQ(0x200000ULL, self->cpu.rip);
	ASSERT_EQ(0ULL, self->cpu.cr3);
	ASSERT_EQ(0, memcmp(self->ram.hva + 0x200000, code, sizeof(code)));
}

TEST_F(elf, refusals)
{
	size_t n = make_elf(self->img, ELFCLASS64, 0x3ffffa, 0);

	ASSERT_EQ(-1, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "outside guest RAM"));
	n = make_elf(self->img, ELFCLASS64, 0x1000, 0);
	ASSERT_EQ(-1, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "boot area"));
	n = make_elf(self->img, ELFCLASS64, 0x100000, 0);
	((Elf64_Phdr *)(self->img + sizeof(Elf64_Ehdr)))->p_offset = 1 << 20;
	ASSERT_EQ(-1, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "outside the file"));
	n = make_elf(self->img, ELFCLASS64, 0x100000, 0);
	((Elf64_Ehdr *)self->img)->e_machine = EM_AARCH64;
	ASSERT_EQ(-1, elf_load(&self->ram, self->img, n, "t", &self->cpu, self->err));
	ASSERT_NE(NULL, strstr(self->err, "not x86-64"));
	ASSERT_FALSE(kernel_is_elf((const uint8_t *)"MZ\0\0", 4));
}

TEST_HARNESS_MAIN
