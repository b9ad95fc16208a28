/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: the Intel MultiProcessor Specification 1.4 table, how a guest without ACPI finds
 * its vCPUs (local APIC id = vCPU index, vCPU 0 the bootstrap processor) and the IOAPIC
 * (id = number of vCPUs, at IOAPIC_BASE) with ISA IRQ n on IOAPIC pin n, as KVM's default
 * GSI routing has it. Placed in the BIOS area at MPTABLE_BASE, where Linux scans for "_MP_".
 */
#ifndef HCVM_RUN_MPTABLE_H
#define HCVM_RUN_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MPTABLE_BASE	0xf0000
#define MPTABLE_MAX	0x10000

/* Write the floating pointer at dst (guest address gpa) and the table after it; bytes used,
 * or -1 if room is too small. */
long mptable_write(void *dst, uint32_t gpa, size_t room, int ncpus);

#endif
