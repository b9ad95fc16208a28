// SPDX-License-Identifier: GPL-2.0
/*
 * Host state the CPU does not restore on a VM exit, switched here and only
 * here (KVM's vmx_prepare_switch_to_guest/host and vcpu_enter_guest are the
 * reference for what it takes).
 *
 * A VM exit loads the host's CR0/3/4, RSP, RIP, CS/SS/TR, FS/GS bases, IDTR
 * and GDTR bases, SYSENTER, EFER and PAT from the VMCS; it leaves LDTR null,
 * the GDTR and IDTR limits at 0xffff, DS/ES/FS/GS selectors as the VMCS has
 * them (0), IA32_DEBUGCTL clear and DR7 at 0x400, and everything it does not
 * know about (SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, XCR0, CR2, DR0-3) as
 * the guest left it. The kernel needs none of that while it runs here, so
 * most of it is put back only when the thread leaves the vCPU (put, or
 * scheduled out), as KVM does; DEBUGCTL, DR7 (when the host has breakpoints
 * on), XCR0 and CR2 are put back after every exit.
 */
#include <linux/cache.h>
#include <linux/init.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#include <asm/gsseg.h>		/* load_gs_index(); in special_insns.h before */
#endif
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>
#include "../vmx/vmcs.h"
#include "switch.h"
#include "vcpu.h"

const u32 hcvm_switched_msr_index[HCVM_NR_SWITCHED_MSRS] = {
	[HCVM_MSR_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[HCVM_MSR_STAR] = MSR_STAR,
	[HCVM_MSR_LSTAR] = MSR_LSTAR,
	[HCVM_MSR_CSTAR] = MSR_CSTAR,
	[HCVM_MSR_SFMASK] = MSR_SYSCALL_MASK,
	[HCVM_MSR_TSC_AUX] = MSR_TSC_AUX,
};

u32 hcvm_host_mxcsr_mask __ro_after_init = 0xffbf;	/* the default: no DAZ */
static u64 host_xcr0 __ro_after_init;
/* L1TF: the L1D cache is flushed before every entry (KVM's vmentry_l1d_flush=always). */
static bool l1d_flush __ro_after_init;

/* The MXCSR bits this CPU has: FXSAVE stores them (0 there means the default). */
static void __init read_mxcsr_mask(void)
{
	struct fxregs_state *fx = kzalloc(sizeof(*fx), GFP_KERNEL);

	if (!fx)
		return;		/* the default is a subset of every CPU's */
	kernel_fpu_begin();
	asm volatile("fxsaveq %0" : "=m"(*fx));
	kernel_fpu_end();
	if (fx->mxcsr_mask)
		hcvm_host_mxcsr_mask = fx->mxcsr_mask;
	kfree(fx);
}

void __init hcvm_switch_init(void)
{
	u64 arch_caps = 0;

	read_mxcsr_mask();
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &arch_caps);
	/* A hypervisor under us may say the flush is its job (SKIP_VMENTRY_L1DFLUSH). */
	l1d_flush = boot_cpu_has_bug(X86_BUG_L1TF) && boot_cpu_has(X86_FEATURE_FLUSH_L1D) &&
		    !(arch_caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

void hcvm_switch_show_mitigations(struct seq_file *m)
{
	/* What the host kernel chose, and so what every entry and exit does. */
	seq_printf(m, "l1d_flush_on_entry: %s\n", l1d_flush ? "yes" :
		   boot_cpu_has_bug(X86_BUG_L1TF) ? "no (the CPU has no FLUSH_CMD; not done in software)" :
		   "no (not affected)");
	seq_printf(m, "verw_on_entry: %s\n", boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM) ? "yes" : "no");
	seq_printf(m, "rsb_fill_on_exit: %s\n", boot_cpu_has(X86_FEATURE_RSB_VMEXIT) ? "yes" :
		   boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE) ? "lite" : "no");
	seq_printf(m, "bhb_clear_on_exit: %s\n",
		   boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) ? "yes" : "no");
	seq_printf(m, "ibpb_on_vcpu_switch: %s\n", boot_cpu_has(X86_FEATURE_USE_IBPB) ? "yes" : "no");
	seq_printf(m, "spec_ctrl_rewrite_on_exit: %s\n",
		   boot_cpu_has(X86_FEATURE_KERNEL_IBRS) ? "yes" : "no");
	seq_puts(m, "guest_spec_ctrl: not offered (the guest runs with the host's SPEC_CTRL)\n");
}

/* A VMCS host selector must have RPL and TI clear: others are reloaded by hand. */
static u16 vmcs_selector(u16 sel)
{
	return sel & (SEGMENT_RPL_MASK | SEGMENT_TI_MASK) ? 0 : sel;
}

void hcvm_switch_to_guest(struct hcvm_vcpu *vcpu)
{
	struct hcvm_host_state *h = &vcpu->host;
	unsigned long used = vcpu->msr_used;
	u64 fs_base;
	int i;

	if (vcpu->msrs_loaded)
		return;
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g"(h->ldt));
	vmcs_write(HOST_FS_SELECTOR, vmcs_selector(h->fs));
	vmcs_write(HOST_GS_SELECTOR, vmcs_selector(h->gs));
	rdmsrl(MSR_FS_BASE, fs_base);
	vmcs_write(HOST_FS_BASE, fs_base);
	/* Not every CPU has DEBUGCTL (Bochs has none): then there is none to keep. */
	if (rdmsrl_safe(MSR_IA32_DEBUGCTLMSR, &h->debugctl))
		h->debugctl = 0;

	for_each_set_bit(i, &used, HCVM_NR_SWITCHED_MSRS) {
		rdmsrl(hcvm_switched_msr_index[i], vcpu->host_msrs[i]);
		wrmsrl(hcvm_switched_msr_index[i], vcpu->msr[i]);
	}
	vcpu->msrs_loaded = true;
}

void hcvm_switch_to_host(struct hcvm_vcpu *vcpu)
{
	struct hcvm_host_state *h = &vcpu->host;
	unsigned long used = vcpu->msr_used;
	int i;

	if (!vcpu->msrs_loaded)
		return;
	/* Segments first: loading GS's selector changes KERNEL_GS_BASE, restored below. */
	if (h->ldt || vmcs_selector(h->gs) != h->gs) {
		asm volatile("lldt %0" : : "rm"(h->ldt));
		load_gs_index(h->gs);
	}
	if (vmcs_selector(h->fs) != h->fs)
		loadsegment(fs, h->fs);
	if (h->ds | h->es) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	for_each_set_bit(i, &used, HCVM_NR_SWITCHED_MSRS) {
		rdmsrl(hcvm_switched_msr_index[i], vcpu->msr[i]);
		wrmsrl(hcvm_switched_msr_index[i], vcpu->host_msrs[i]);
	}
	/* The exit left the GDT limit at 0xffff: segment loads past the table would not fault. */
	load_fixmap_gdt(raw_smp_processor_id());
	vcpu->msrs_loaded = false;
}

void hcvm_switch_enter(struct hcvm_vcpu *vcpu)
{
	if (l1d_flush)
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	/* host_xcr0 is 0 without XSAVE: then neither side has an XCR0. */
	if (host_xcr0 && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (vcpu->cr2 != read_cr2())
		native_write_cr2(vcpu->cr2);
	/*
	 * The guest's breakpoints, while its DR7 (loaded by the entry) enables
	 * one; DR7 off first so that no host breakpoint fires on a guest address.
	 */
	if (vcpu->dr7_active) {
		set_debugreg(0, 7);
		set_debugreg(vcpu->dr[0], 0);
		set_debugreg(vcpu->dr[1], 1);
		set_debugreg(vcpu->dr[2], 2);
		set_debugreg(vcpu->dr[3], 3);
	}
}

void hcvm_switch_exit(struct hcvm_vcpu *vcpu)
{
	/*
	 * Legacy IBRS must be written again after a less privileged predictor
	 * mode ran, before an indirect branch (KVM does it in its entry asm;
	 * here nothing but the RET back from it ran since the exit, and the
	 * return predictions were refilled). The guest cannot change SPEC_CTRL
	 * (it is not offered), so this is the only case.
	 */
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, this_cpu_read(x86_spec_ctrl_current));
	vcpu->cr2 = read_cr2();
	if (host_xcr0 && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	/* The exit cleared DEBUGCTL (BTF, LBR) and set DR7 to 0x400. */
	if (vcpu->host.debugctl)
		update_debugctlmsr(vcpu->host.debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	/* A VM exit leaves TR's limit at 0x67: the I/O bitmap must be reloaded. */
	invalidate_tss_limit();
}
