/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this CPU's VMX can do, read once at load from the capability MSRs and
 * read-only afterwards. Decoding is pure (no MSR access) so host-side unit
 * tests can feed it synthetic MSR values; the bit positions are the SDM's
 * (Vol. 3D, appendix A) and kept here because the decoder must build outside
 * the kernel too.
 */
#ifndef HCVM_VMX_CAPS_H
#define HCVM_VMX_CAPS_H

#include <linux/types.h>

/* IA32_FEATURE_CONTROL (MSR 0x3a) */
#define HCVM_FEAT_CTL_LOCKED		(1ULL << 0)
#define HCVM_FEAT_CTL_VMX_OUTSIDE_SMX	(1ULL << 2)

/* IA32_VMX_BASIC */
#define HCVM_BASIC_32BIT_PHYS_ONLY	(1ULL << 48)
#define HCVM_BASIC_TRUE_CTLS		(1ULL << 55)
#define HCVM_MEMTYPE_WB			6

/* Pin-based controls */
#define HCVM_PIN_PREEMPT_TIMER		(1U << 6)
#define HCVM_PIN_POSTED_INTR		(1U << 7)
/* Primary processor-based controls */
#define HCVM_PROC_TPR_SHADOW		(1U << 21)
#define HCVM_PROC_MSR_BITMAP		(1U << 28)
#define HCVM_PROC_SECONDARY		(1U << 31)
/* Secondary processor-based controls */
#define HCVM_PROC2_APIC_ACCESS		(1U << 0)
#define HCVM_PROC2_EPT			(1U << 1)
#define HCVM_PROC2_X2APIC		(1U << 4)
#define HCVM_PROC2_VPID			(1U << 5)
#define HCVM_PROC2_UNRESTRICTED		(1U << 7)
#define HCVM_PROC2_APIC_REG_VIRT	(1U << 8)
#define HCVM_PROC2_VINTR_DELIVERY	(1U << 9)
#define HCVM_PROC2_PML			(1U << 17)

/* IA32_VMX_EPT_VPID_CAP */
#define HCVM_EPT_WALK_4			(1ULL << 6)
#define HCVM_EPT_WB			(1ULL << 14)
#define HCVM_EPT_2M			(1ULL << 16)
#define HCVM_EPT_1G			(1ULL << 17)
#define HCVM_EPT_INVEPT			(1ULL << 20)
#define HCVM_EPT_AD			(1ULL << 21)
#define HCVM_EPT_INVEPT_CONTEXT		(1ULL << 25)
#define HCVM_EPT_INVEPT_GLOBAL		(1ULL << 26)
#define HCVM_VPID_INVVPID		(1ULL << 32)
#define HCVM_VPID_INVVPID_CONTEXT	(1ULL << 41)
#define HCVM_VPID_INVVPID_GLOBAL	(1ULL << 42)

/* The raw capability MSRs, as read; zero for the ones the CPU lacks. */
struct hcvm_vmx_msrs {
	u64 basic;
	u64 pin, proc, exit, entry;
	u64 true_pin, true_proc, true_exit, true_entry;
	u64 proc2;
	u64 ept_vpid;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/*
 * One VM-execution control field: bits the CPU forces to 1 (allowed-0
 * settings are 1) and bits it lets be 1 (allowed-1 settings).
 */
struct hcvm_ctl_caps {
	u32 must_be_one;
	u32 may_be_one;
};

struct hcvm_vmx_caps {
	u32 revision_id;
	u32 vmcs_size;
	u32 vmcs_memtype;
	bool true_ctls;
	bool phys_addr_32bit;	/* VMX structures must sit below 4 GiB */
	struct hcvm_ctl_caps pin, proc, proc2, exit, entry;
	u64 ept_vpid;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* Why VMX cannot be used on a CPU, decided from CPUID and FEATURE_CONTROL. */
enum hcvm_vmx_usable {
	HCVM_VMX_USABLE,		/* locked with VMX enabled outside SMX */
	HCVM_VMX_NEEDS_LOCK,		/* unlocked: we may enable and lock it */
	HCVM_VMX_ABSENT,		/* CPUID.1:ECX.VMX = 0 */
	HCVM_VMX_LOCKED_OFF,		/* firmware locked it disabled */
};

enum hcvm_vmx_usable hcvm_vmx_usable(bool cpuid_vmx, u64 feat_ctl);

/*
 * Fill @caps from @raw. Returns 0, or -EOPNOTSUPP with *@missing naming the
 * first feature hcvm needs and the CPU lacks.
 */
int hcvm_caps_decode(struct hcvm_vmx_caps *caps,
		     const struct hcvm_vmx_msrs *raw, const char **missing);

/* Can a control field hold every bit of @want on this CPU? */
bool hcvm_ctl_fits(const struct hcvm_ctl_caps *ctl, u32 want);

/* Does @cr satisfy the VMX fixed-0/fixed-1 rules for CR0 or CR4? */
static inline bool hcvm_cr_fixed_ok(u64 cr, u64 fixed0, u64 fixed1)
{
	return (cr & fixed0) == fixed0 && !(cr & ~fixed1);
}

#endif
