// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-run: boot an ELF image (a test guest, a multiboot-less kernel): each PT_LOAD segment is
 * copied to its physical address (p_paddr) in guest RAM, its bss zeroed, and the boot vCPU
 * starts at e_entry, in 64-bit mode (the first 4 GiB identity-mapped) for ELFCLASS64 and in
 * 32-bit protected mode without paging for ELFCLASS32; flat 4 GiB segments either way,
 * %rsp = BOOT_STACK, interrupts off.
 */
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include "boot.h"
#include "util.h"

int kernel_is_elf(const uint8_t *img, size_t size)
{
	return size >= 4 && !memcmp(img, ELFMAG, SELFMAG);
}

static int load_segments(Elf *elf, struct guest_ram *ram, const uint8_t *img, size_t size,
			 const char *path, char *err)
{
	size_t n, loaded = 0;

	if (elf_getphdrnum(elf, &n))
		return errorf(err, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		uint8_t *dst;

		if (!gelf_getphdr(elf, i, &ph))
			return errorf(err, "%s: malformed ELF: %s", path, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > size ||
		    ph.p_filesz > size - ph.p_offset)
			return errorf(err, "%s: malformed ELF: segment %zu lies outside the file",
				      path, i);
		if (ph.p_paddr < BOOT_AREA_END)
			return errorf(err, "%s: segment %zu at %#llx overlaps hcvm-run's boot area "
				      "(below %#x)", path, i, (unsigned long long)ph.p_paddr,
				      BOOT_AREA_END);
		dst = ram_ptr(ram, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return errorf(err, "%s: segment %zu at %#llx-%#llx is outside guest RAM "
				      "(%llu MiB)", path, i, (unsigned long long)ph.p_paddr,
				      (unsigned long long)(ph.p_paddr + ph.p_memsz - 1),
				      (unsigned long long)(ram->size >> 20));
		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		loaded++;
	}
	if (!loaded)
		return errorf(err, "%s: ELF image without a loadable segment", path);
	return 0;
}

int elf_load(struct guest_ram *ram, const uint8_t *img, size_t size, const char *path,
	     struct boot_cpu *cpu, char *err)
{
	GElf_Ehdr eh;
	Elf *elf;
	int class, ret = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return errorf(err, "libelf: %s", elf_errmsg(-1));
	/* libelf only reads the buffer; its prototype lacks the const. */
	elf = elf_memory((char *)img, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		errorf(err, "%s: malformed ELF: %s", path, elf_errmsg(-1));
		goto out;
	}
	class = gelf_getclass(elf);
	if (eh.e_type != ET_EXEC) {
		errorf(err, "%s: ELF type %u, not an executable (ET_EXEC)", path, eh.e_type);
		goto out;
	}
	if (!(class == ELFCLASS64 && eh.e_machine == EM_X86_64) &&
	    !(class == ELFCLASS32 && eh.e_machine == EM_386)) {
		errorf(err, "%s: ELF for machine %u class %d, not x86-64 or i386", path,
		       eh.e_machine, class);
		goto out;
	}
	if (class == ELFCLASS32 && eh.e_entry > 0xffffffffULL) {
		errorf(err, "%s: 32-bit entry point above 4 GiB", path);
		goto out;
	}
	if (load_segments(elf, ram, img, size, path, err))
		goto out;
	if (!ram_ptr(ram, eh.e_entry, 1)) {
		errorf(err, "%s: entry point %#llx is not in guest RAM", path,
		       (unsigned long long)eh.e_entry);
		goto out;
	}
	if (boot_write_tables(ram, class == ELFCLASS64 ? BOOT_MODE_64 : BOOT_MODE_32, cpu, err))
		goto out;
	cpu->rip = eh.e_entry;
	cpu->rsp = BOOT_STACK;
	cpu->rsi = 0;
	ret = 0;
out:
	if (elf)
		elf_end(elf);
	return ret;
}
