/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instructions as C functions. A VMfail (CF or ZF set) and a fault (the
 * CPU not in the state the instruction needs) both come back as -EIO, so a
 * caller never takes an unhandled #UD or #GP.
 */
#ifndef HCVM_VMX_INSN_H
#define HCVM_VMX_INSN_H

#include <linux/types.h>
#include <linux/errno.h>
#include <asm/asm.h>

/* INVEPT/INVVPID types */
#define HCVM_INV_SINGLE_CONTEXT	1	/* one EPTP or one VPID */
#define HCVM_INV_ALL_CONTEXT	2	/* every context */

/*
 * The text of one VMX instruction for asm goto: continue at the label "fail"
 * on VMfail (CF or ZF set) or on a fault (exception-table fixup).
 */
#define HCVM_VMX_INSN(insn)	"1: " insn "\n\tjna %l[fail]\n\t" _ASM_EXTABLE(1b, %l[fail])

static inline int hcvm_vmxon(u64 phys)
{
	asm goto(HCVM_VMX_INSN("vmxon %[pa]")
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int hcvm_vmxoff(void)
{
	asm goto(HCVM_VMX_INSN("vmxoff") : : : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int hcvm_vmclear(u64 phys)
{
	asm goto(HCVM_VMX_INSN("vmclear %[pa]")
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int hcvm_vmptrld(u64 phys)
{
	asm goto(HCVM_VMX_INSN("vmptrld %[pa]")
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int hcvm_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm goto(HCVM_VMX_INSN("invept %[desc], %[type]")
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int hcvm_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct { u64 vpid, gva; } desc = { vpid, gva };

	asm goto(HCVM_VMX_INSN("invvpid %[desc], %[type]")
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

#endif
