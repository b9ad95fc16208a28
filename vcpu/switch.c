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
#include <asm/hardirq.h>
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
u64 hcvm_guest_arch_caps __ro_after_init;
static u64 host_xcr0 __ro_after_init;

/*
 * L1TF: the L1D cache is flushed before an entry that follows host work
 * which may have pulled secrets into it (KVM's vmentry_l1d_flush=cond):
 * the vCPU's load, an exit handled by emulation or the MMU, a host
 * interrupt. By FLUSH_CMD where the CPU has it, else by reading a buffer
 * twice the L1D's size; always, if the kernel cannot say which entries
 * follow interrupts.
 */
static enum { L1D_NONE, L1D_CMD, L1D_SOFTWARE } l1d_flush __ro_after_init;
#define L1D_BUF_ORDER	4	/* 64 KiB */
static u8 *l1d_buf __ro_after_init;
static const char *l1d_none_why __ro_after_init = "not affected";

static void flush_l1d(void)
{
	unsigned int i;

	if (l1d_flush == L1D_CMD) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/* Touch each page first so that the line reads below miss no TLB entry. */
	for (i = 0; i < PAGE_SIZE << L1D_BUF_ORDER; i += PAGE_SIZE)
		READ_ONCE(l1d_buf[i]);
	for (i = 0; i < PAGE_SIZE << L1D_BUF_ORDER; i += L1_CACHE_BYTES)
		READ_ONCE(l1d_buf[i]);
}

static bool l1d_flush_due(struct hcvm_vcpu *vcpu)
{
	bool due = vcpu->l1d_flush_due;

	vcpu->l1d_flush_due = false;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	/* The kernel's interrupt entry marks each CPU for KVM; it serves here the same. */
	due |= kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#else
	due = true;
#endif
	return due;
}

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

/*
 * What the guest reads in IA32_ARCH_CAPABILITIES (KVM's
 * kvm_get_arch_capabilities is the reference): the host's "not affected" and
 * "this CPU clears it" bits, and the ones the host kernel found true
 * without them (no X86_BUG_* flag). PSCHANGE_MC_NO only from the host: hcvm
 * does not split executable huge pages as KVM's nx_huge_pages does.
 */
#define GUEST_ARCH_CAPS (ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_RSBA |	\
	ARCH_CAP_SKIP_VMENTRY_L1DFLUSH | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO |		\
	ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | ARCH_CAP_SBDR_SSDP_NO |		\
	ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | ARCH_CAP_FB_CLEAR | ARCH_CAP_RRSBA |	\
	ARCH_CAP_PBRSB_NO | ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR |	\
	ARCH_CAP_BHI_NO)

static u64 __init guest_arch_caps(u64 host)
{
	u64 v = host & GUEST_ARCH_CAPS;

	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		v |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		v |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		v |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_TAA))
		v |= ARCH_CAP_TAA_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		v |= ARCH_CAP_GDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		v |= ARCH_CAP_RFDS_NO;
	/* A guest hypervisor need not flush L1D: not affected, or flushed on entry here. */
	if (!boot_cpu_has_bug(X86_BUG_L1TF) || l1d_flush != L1D_NONE)
		v |= ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	return v;
}

/* l1tf=off, mitigations=off or a kernel built without it: KVM's "never". */
static bool __init l1tf_off(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	return l1tf_mitigation == L1TF_MITIGATION_OFF;
#else
	return false;	/* exported only for kvm_intel: flush */
#endif
}

void hcvm_switch_cleanup(void)
{
	if (l1d_buf)
		free_pages((unsigned long)l1d_buf, L1D_BUF_ORDER);
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
	if (boot_cpu_has_bug(X86_BUG_L1TF) && (arch_caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)) {
		l1d_none_why = "the hypervisor below flushes it";
	} else if (boot_cpu_has_bug(X86_BUG_L1TF) && l1tf_off()) {
		l1d_none_why = "the kernel's l1tf mitigation is off";
	} else if (boot_cpu_has_bug(X86_BUG_L1TF)) {
		if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
			l1d_flush = L1D_CMD;
		} else {
			l1d_buf = (u8 *)__get_free_pages(GFP_KERNEL, L1D_BUF_ORDER);
			/* Non-zero, so that no page is ever shared with another. */
			if (l1d_buf) {
				memset(l1d_buf, 0x90, PAGE_SIZE << L1D_BUF_ORDER);
				l1d_flush = L1D_SOFTWARE;
			} else {
				l1d_none_why = "affected, but no memory for the flush buffer";
			}
		}
	}
	hcvm_guest_arch_caps = guest_arch_caps(arch_caps);
}

void hcvm_switch_show_mitigations(struct seq_file *m)
{
	/* What the host kernel chose, and so what every entry and exit does. */
	static const char *const l1d[] = {
		[L1D_NONE] = "no", [L1D_CMD] = "FLUSH_CMD", [L1D_SOFTWARE] = "software",
	};

	if (l1d_flush == L1D_NONE)
		seq_printf(m, "l1d_flush_on_entry: no (%s)\n", l1d_none_why);
	else
		seq_printf(m, "l1d_flush_on_entry: %s, %s\n", l1d[l1d_flush],
			   IS_ENABLED(CONFIG_KVM_INTEL) ? "conditional" : "always");
	seq_printf(m, "verw_on_entry: %s\n", boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM) ? "yes" : "no");
	seq_printf(m, "rsb_fill_on_exit: %s\n", boot_cpu_has(X86_FEATURE_RSB_VMEXIT) ? "yes" :
		   boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE) ? "lite" : "no");
	seq_printf(m, "bhb_clear_on_exit: %s\n",
		   boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) ? "yes" : "no");
	seq_printf(m, "ibpb_on_vcpu_switch: %s\n", boot_cpu_has(X86_FEATURE_USE_IBPB) ? "yes" : "no");
	seq_printf(m, "spec_ctrl_rewrite_on_exit: %s\n",
		   boot_cpu_has(X86_FEATURE_KERNEL_IBRS) ? "yes" : "no");
	seq_printf(m, "guest_spec_ctrl: %s\n", boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL) ?
		   "offered (written around entries where it differs from the host's)" :
		   "no (the CPU has no SPEC_CTRL)");
	seq_printf(m, "guest_arch_capabilities: %#llx\n", hcvm_guest_arch_caps);
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

	/* The host ran other tasks, or the ioctl's own work, since the last entry. */
	vcpu->l1d_flush_due = true;
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
	/* The guest's SPEC_CTRL (its writes exit: vcpu->spec_ctrl is its value). */
	if (cpu_feature_enabled(X86_FEATURE_MSR_SPEC_CTRL) &&
	    vcpu->spec_ctrl != this_cpu_read(x86_spec_ctrl_current))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, vcpu->spec_ctrl);
	if (l1d_flush != L1D_NONE && l1d_flush_due(vcpu))
		flush_l1d();
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
	 * return predictions were refilled). The host's value is back too when
	 * the guest ran with its own.
	 */
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS) ||
	    (cpu_feature_enabled(X86_FEATURE_MSR_SPEC_CTRL) &&
	     vcpu->spec_ctrl != this_cpu_read(x86_spec_ctrl_current)))
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
