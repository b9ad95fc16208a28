/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS access for the VMCS loaded on this CPU. Field encodings are the
 * kernel's (<asm/vmx.h>). A failing VMWRITE is a bug in hcvm (an unsupported
 * field or value that validation should have caught): it warns once.
 */
#ifndef HCVM_VMX_VMCS_H
#define HCVM_VMX_VMCS_H

#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>
#include "insn.h"

void hcvm_vmwrite_error(unsigned long field, unsigned long value);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value = 0;

	/* Only fails with no current VMCS or an unknown field: both hcvm bugs. */
	asm volatile("1: vmread %[field], %[value]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "+r" (value) : [field] "r" (field) : "cc");
	return value;
}

static __always_inline void vmcs_write(unsigned long field, unsigned long value)
{
	asm goto(HCVM_VMX_INSN("vmwrite %[value], %[field]")
		 : : [field] "r" (field), [value] "rm" (value) : "cc" : fail);
	return;
fail:
	hcvm_vmwrite_error(field, value);
}

static __always_inline void vmcs_set_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

static __always_inline void vmcs_clear_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

#endif
