// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the VMX capability MSRs into struct hcvm_vmx_caps, and the
 * decision whether hcvm can run on this CPU at all. Pure: no MSR access.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "caps.h"

enum hcvm_vmx_usable hcvm_vmx_usable(bool cpuid_vmx, u64 feat_ctl)
{
	if (!cpuid_vmx)
		return HCVM_VMX_ABSENT;
	if (!(feat_ctl & HCVM_FEAT_CTL_LOCKED))
		return HCVM_VMX_NEEDS_LOCK;
	if (!(feat_ctl & HCVM_FEAT_CTL_VMX_OUTSIDE_SMX))
		return HCVM_VMX_LOCKED_OFF;
	return HCVM_VMX_USABLE;
}

/* Low half: allowed-0 settings (1 = must be 1); high half: allowed-1. */
static struct hcvm_ctl_caps ctl_from_msr(u64 msr)
{
	struct hcvm_ctl_caps c = {
		.must_be_one = (u32)msr,
		.may_be_one = (u32)(msr >> 32),
	};
	return c;
}

bool hcvm_ctl_fits(const struct hcvm_ctl_caps *ctl, u32 want)
{
	return !(want & ~ctl->may_be_one);
}

/* Each requirement: a test on the decoded caps and the name logged when it fails. */
struct need {
	const char *name;
	bool (*met)(const struct hcvm_vmx_caps *c);
};

static bool has_64bit_vmcs_addrs(const struct hcvm_vmx_caps *c)
{
	return !c->phys_addr_32bit;
}

static bool has_wb_vmcs(const struct hcvm_vmx_caps *c)
{
	return c->vmcs_memtype == HCVM_MEMTYPE_WB;
}

static bool vmcs_fits_page(const struct hcvm_vmx_caps *c)
{
	return c->vmcs_size && c->vmcs_size <= 4096;
}

static bool has_secondary(const struct hcvm_vmx_caps *c)
{
	return c->proc.may_be_one & HCVM_PROC_SECONDARY;
}

static bool has_ept(const struct hcvm_vmx_caps *c)
{
	return c->proc2.may_be_one & HCVM_PROC2_EPT;
}

static bool has_vpid(const struct hcvm_vmx_caps *c)
{
	return c->proc2.may_be_one & HCVM_PROC2_VPID;
}

static bool has_unrestricted(const struct hcvm_vmx_caps *c)
{
	return c->proc2.may_be_one & HCVM_PROC2_UNRESTRICTED;
}

static bool has_ept_walk4_wb(const struct hcvm_vmx_caps *c)
{
	return (c->ept_vpid & (HCVM_EPT_WALK_4 | HCVM_EPT_WB)) ==
	       (HCVM_EPT_WALK_4 | HCVM_EPT_WB);
}

static bool has_invept_global(const struct hcvm_vmx_caps *c)
{
	return (c->ept_vpid & (HCVM_EPT_INVEPT | HCVM_EPT_INVEPT_GLOBAL)) ==
	       (HCVM_EPT_INVEPT | HCVM_EPT_INVEPT_GLOBAL);
}

static bool has_invvpid_global(const struct hcvm_vmx_caps *c)
{
	return (c->ept_vpid & (HCVM_VPID_INVVPID | HCVM_VPID_INVVPID_GLOBAL)) ==
	       (HCVM_VPID_INVVPID | HCVM_VPID_INVVPID_GLOBAL);
}

/* In the order they are checked: a later one may assume the earlier ones. */
static const struct need needs[] = {
	{ "64-bit VMCS addresses", has_64bit_vmcs_addrs },
	{ "write-back VMCS memory", has_wb_vmcs },
	{ "VMCS region within one page", vmcs_fits_page },
	{ "secondary processor-based controls", has_secondary },
	{ "EPT", has_ept },
	{ "VPID", has_vpid },
	{ "unrestricted guest", has_unrestricted },
	{ "4-level write-back EPT", has_ept_walk4_wb },
	{ "INVEPT all-context", has_invept_global },
	{ "INVVPID all-context", has_invvpid_global },
};

int hcvm_caps_decode(struct hcvm_vmx_caps *caps,
		     const struct hcvm_vmx_msrs *raw, const char **missing)
{
	bool true_ctls = raw->basic & HCVM_BASIC_TRUE_CTLS;
	unsigned int i;

	*caps = (struct hcvm_vmx_caps) {
		.revision_id = raw->basic & 0x7fffffff,
		.vmcs_size = (raw->basic >> 32) & 0x1fff,
		.vmcs_memtype = (raw->basic >> 50) & 0xf,
		.true_ctls = true_ctls,
		.phys_addr_32bit = raw->basic & HCVM_BASIC_32BIT_PHYS_ONLY,
		/* The TRUE MSRs report which default-1 controls may be 0. */
		.pin = ctl_from_msr(true_ctls ? raw->true_pin : raw->pin),
		.proc = ctl_from_msr(true_ctls ? raw->true_proc : raw->proc),
		.exit = ctl_from_msr(true_ctls ? raw->true_exit : raw->exit),
		.entry = ctl_from_msr(true_ctls ? raw->true_entry : raw->entry),
		.misc = raw->misc,
		.cr0_fixed0 = raw->cr0_fixed0,
		.cr0_fixed1 = raw->cr0_fixed1,
		.cr4_fixed0 = raw->cr4_fixed0,
		.cr4_fixed1 = raw->cr4_fixed1,
	};
	/* The secondary and EPT/VPID MSRs only mean something when enumerated. */
	if (caps->proc.may_be_one & HCVM_PROC_SECONDARY) {
		caps->proc2 = ctl_from_msr(raw->proc2);
		if (caps->proc2.may_be_one & (HCVM_PROC2_EPT | HCVM_PROC2_VPID))
			caps->ept_vpid = raw->ept_vpid;
	}

	for (i = 0; i < ARRAY_SIZE(needs); i++) {
		if (!needs[i].met(caps)) {
			*missing = needs[i].name;
			return -EOPNOTSUPP;
		}
	}
	*missing = NULL;
	return 0;
}
