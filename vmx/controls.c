// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS contents: which exits hcvm takes, the host state the CPU restores on
 * every exit, and a guest's reset state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/printk.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/traps.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include "../vcpu/regs.h"
#include "../vcpu/vcpu.h"
#include "apicv.h"
#include "controls.h"
#include "msr.h"
#include "probe.h"
#include "quirks.h"
#include "vmcs.h"

struct hcvm_controls hcvm_controls __ro_after_init;

/*
 * The CPU may run guests only with these... CR8 exiting: without a TPR
 * shadow, a guest's MOV to CR8 would set the host APIC's TPR.
 */
#define PIN_NEED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS)
#define PROC_NEED	(CPU_BASED_HLT_EXITING | CPU_BASED_MWAIT_EXITING | \
			 CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_RDPMC_EXITING | CPU_BASED_MOV_DR_EXITING | \
			 CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_USE_MSR_BITMAPS | \
			 CPU_BASED_MONITOR_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS | \
			 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING)
#define PROC2_NEED	(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID | \
			 SECONDARY_EXEC_UNRESTRICTED_GUEST)
/*
 * The debug controls are default-1 controls that the TRUE MSRs may let go:
 * without them the guest's DR7 and DEBUGCTL would never be loaded or saved.
 */
#define EXIT_NEED	(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT | \
			 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER | \
			 VM_EXIT_SAVE_DEBUG_CONTROLS)
#define ENTRY_NEED	(VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER | \
			 VM_ENTRY_LOAD_DEBUG_CONTROLS)
/*
 * ...and use these where the CPU has them: without, the instructions #UD
 * (RDTSCP, INVPCID) or a guest's WBINVD flushes every cache of the host CPU
 * (an exit makes it a no-op, as in KVM without assigned devices).
 */
#define PROC2_WANT	(SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID | \
			 SECONDARY_EXEC_WBINVD_EXITING)
/*
 * Exceptions that exit (exits.c handle_exception()): #AC and #DB, whose
 * delivery a guest can make fault again forever inside the CPU; #MC, which
 * the host's handler must see.
 */
#define EXCEPTIONS	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC))
/*
 * The VMX preemption timer bounds how long a guest runs without an exit,
 * where the emulator under the test bed needs it (quirks.c).
 */
#define PIN_WANT	(hcvm_guard_ms ? PIN_BASED_VMX_PREEMPTION_TIMER : 0)

static int fold(const char *name, const struct hcvm_ctl_caps *c, u32 need, u32 want, u32 *out)
{
	if (!hcvm_ctl_fits(c, need)) {
		pr_err("this CPU's VMX lacks %s controls %#x, which hcvm needs\n",
		       name, need & ~c->may_be_one);
		return -EOPNOTSUPP;
	}
	*out = (need | (want & c->may_be_one) | c->must_be_one) & c->may_be_one;
	return 0;
}

int hcvm_controls_init(void)
{
	const struct hcvm_vmx_caps *c = &hcvm_caps;
	struct hcvm_controls *h = &hcvm_controls;

	/*
	 * CR3 load/store exiting are default-1 controls: with the TRUE MSRs
	 * they may be 0, which EPT needs for speed; otherwise they stay on and
	 * the CR-access handler emulates the moves.
	 */
	return fold("pin-based", &c->pin, PIN_NEED, PIN_WANT, &h->pin) ?:
	       fold("processor-based", &c->proc, PROC_NEED, 0, &h->proc) ?:
	       fold("secondary", &c->proc2, PROC2_NEED, PROC2_WANT, &h->proc2) ?:
	       fold("VM-exit", &c->exit, EXIT_NEED, 0, &h->exit) ?:
	       fold("VM-entry", &c->entry, ENTRY_NEED, 0, &h->entry);
}

static void set_host_constant(void)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)hcvm_vmx_exit);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
}

void hcvm_vmcs_set_host_cpu(int cpu)
{
	vmcs_write(HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	vmcs_write(HOST_IA32_SYSENTER_ESP, (unsigned long)(cpu_entry_stack(cpu) + 1));
	vmcs_write(HOST_GS_BASE, cpu_kernelmode_gs_base(cpu));
}

static void set_segment(unsigned long sel, u16 selector, u64 base, u32 limit, u32 ar)
{
	/* The fields of one segment are laid out at fixed strides from ES's. */
	vmcs_write(sel, selector);
	vmcs_write(GUEST_ES_BASE + (sel - GUEST_ES_SELECTOR), base);
	vmcs_write(GUEST_ES_LIMIT + (sel - GUEST_ES_SELECTOR), limit);
	vmcs_write(GUEST_ES_AR_BYTES + (sel - GUEST_ES_SELECTOR), ar);
}

void hcvm_vmcs_reset_guest(struct hcvm_vcpu *vcpu)
{
	static const unsigned long data_segs[] = {
		GUEST_ES_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
		GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
	};
	unsigned int i;

	/* Real mode at F000:FFF0 with CS.base FFFF0000: the reset vector. */
	set_segment(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0xffff, 0x9b);
	for (i = 0; i < ARRAY_SIZE(data_segs); i++)
		set_segment(data_segs[i], 0, 0, 0xffff, 0x93);
	set_segment(GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x8b);
	set_segment(GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	/* CR0: CD, NW, ET as at reset; NE is forced on underneath (see hcvm_cr0_*). */
	vmcs_write(CR0_READ_SHADOW, X86_CR0_CD | X86_CR0_NW | X86_CR0_ET);
	vmcs_write(GUEST_CR0, (X86_CR0_CD | X86_CR0_NW | X86_CR0_ET | hcvm_caps.cr0_fixed0) &
		   ~(X86_CR0_PE | X86_CR0_PG));
	vmcs_write(CR4_READ_SHADOW, 0);
	vmcs_write(GUEST_CR4, hcvm_caps.cr4_fixed0);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);

	memset(vcpu->gprs, 0, sizeof(vcpu->gprs));
	vcpu->gprs[HCVM_RDX] = 0x600;	/* family 6: the CPU signature at reset */
	vcpu->cr2 = 0;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	memset(vcpu->dr, 0, sizeof(vcpu->dr));
	vcpu->dr7_active = false;
	vcpu->dr6 = 0xffff0ff0;
	vcpu->exception.pending = false;
}

void hcvm_vmcs_setup(struct hcvm_vcpu *vcpu, u64 eptp)
{
	const struct hcvm_controls *c = &hcvm_controls;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	vmcs_write(VM_EXIT_CONTROLS, c->exit);
	vmcs_write(VM_ENTRY_CONTROLS, c->entry);
	vmcs_write(EXCEPTION_BITMAP, EXCEPTIONS);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(TSC_OFFSET, 0);
	vmcs_write(MSR_BITMAP, hcvm_msr_bitmap_pa());
	vmcs_write(EPT_POINTER, eptp);
	vmcs_write(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	/*
	 * Without "save timer value" the field keeps this start value for
	 * every entry; the timer counts TSC >> IA32_VMX_MISC[4:0].
	 */
	if (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
			   min_t(u64, (u64)(tsc_khz ?: 1000000) * hcvm_guard_ms >>
				 (hcvm_caps.misc & 0x1f), U32_MAX));

	/* Bits the guest may not own: CR0.NE (and PE/PG fixed ones), CR4.VMXE. */
	vmcs_write(CR0_GUEST_HOST_MASK, hcvm_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG));
	/* All CR4 bits the host's until the guest's CPUID says which are its (regs.c). */
	vmcs_write(CR4_GUEST_HOST_MASK, ~0ULL);

	set_host_constant();
	hcvm_vmcs_reset_guest(vcpu);
	hcvm_update_cr4_mask(vcpu);
	hcvm_apicv_setup(vcpu);
}

/* A VMWRITE the CPU refused is an hcvm bug: make it loud once. */
void hcvm_vmwrite_error(unsigned long field, unsigned long value)
{
	WARN_ONCE(1, "hcvm: VMWRITE of %#lx to field %#lx failed: VM-instruction error %lu\n",
		  value, field, vmcs_read(VM_INSTRUCTION_ERROR));
}
