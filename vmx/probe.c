// SPDX-License-Identifier: GPL-2.0
/*
 * Probe of the VMX capability MSRs at load: decide whether hcvm can run on
 * this machine at all and say why not in one line, so the load fails with an
 * errno a user can act on rather than later, inside a VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include "probe.h"

struct hcvm_vmx_caps hcvm_caps __ro_after_init;
/* The boot CPU's raw MSRs, to check that every other CPU is the same. */
static struct hcvm_vmx_msrs boot_msrs __ro_after_init;

/* CPUID.1:ECX.VMX[bit 5], read raw: the kernel clears its own flag when firmware locks VMX off. */
bool hcvm_cpu_has_vmx(void)
{
	return cpuid_ecx(1) & (1U << 5);
}

static u64 msr_or_zero(u32 msr)
{
	u64 v;

	return rdmsrl_safe(msr, &v) ? 0 : v;
}

/* Read this CPU's capability MSRs; the ones it does not enumerate read as 0. */
static void read_vmx_msrs(struct hcvm_vmx_msrs *m)
{
	memset(m, 0, sizeof(*m));
	m->basic = msr_or_zero(MSR_IA32_VMX_BASIC);
	m->pin = msr_or_zero(MSR_IA32_VMX_PINBASED_CTLS);
	m->proc = msr_or_zero(MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = msr_or_zero(MSR_IA32_VMX_EXIT_CTLS);
	m->entry = msr_or_zero(MSR_IA32_VMX_ENTRY_CTLS);
	m->misc = msr_or_zero(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = msr_or_zero(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = msr_or_zero(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = msr_or_zero(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = msr_or_zero(MSR_IA32_VMX_CR4_FIXED1);
	if (m->basic & HCVM_BASIC_TRUE_CTLS) {
		m->true_pin = msr_or_zero(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		m->true_proc = msr_or_zero(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		m->true_exit = msr_or_zero(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		m->true_entry = msr_or_zero(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	if ((m->proc >> 32) & HCVM_PROC_SECONDARY)
		m->proc2 = msr_or_zero(MSR_IA32_VMX_PROCBASED_CTLS2);
	if ((m->proc2 >> 32) & (HCVM_PROC2_EPT | HCVM_PROC2_VPID))
		m->ept_vpid = msr_or_zero(MSR_IA32_VMX_EPT_VPID_CAP);
}

int hcvm_probe(void)
{
	const char *missing;
	u64 feat_ctl;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl))
		feat_ctl = 0;
	switch (hcvm_vmx_usable(hcvm_cpu_has_vmx(), feat_ctl)) {
	case HCVM_VMX_ABSENT:
		pr_err("this CPU has no VMX (CPUID.1:ECX.VMX is 0); hcvm needs Intel VT-x\n");
		return -EOPNOTSUPP;
	case HCVM_VMX_LOCKED_OFF:
		pr_err("VMX is disabled and locked by firmware (IA32_FEATURE_CONTROL=%#llx); enable VT-x in the firmware setup\n",
		       feat_ctl);
		return -EPERM;
	case HCVM_VMX_NEEDS_LOCK:	/* each CPU enables and locks it at VMXON */
	case HCVM_VMX_USABLE:
		break;
	}

	read_vmx_msrs(&boot_msrs);
	if (hcvm_caps_decode(&hcvm_caps, &boot_msrs, &missing)) {
		pr_err("this CPU's VMX lacks %s, which hcvm needs\n", missing);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Does the CPU we run on report the same VMX as the boot CPU? */
bool hcvm_cpu_caps_match(void)
{
	struct hcvm_vmx_msrs here;

	read_vmx_msrs(&here);
	return !memcmp(&here, &boot_msrs, sizeof(here));
}
