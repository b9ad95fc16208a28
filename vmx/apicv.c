// SPDX-License-Identifier: GPL-2.0
/* The CPU's APIC virtualization (see apicv.h). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/io.h>
#include <asm/vmx.h>
#include "../devices/irqchip.h"
#include "../devices/lapic.h"
#include "../vcpu/vcpu.h"
#include "apicv.h"
#include "caps.h"
#include "controls.h"
#include "msr.h"
#include "probe.h"
#include "vmcs.h"

static bool apicv = true;
module_param(apicv, bool, 0444);
MODULE_PARM_DESC(apicv, "Use the CPU's APIC virtualization where it has it (reads back what is used)");

struct hcvm_apicv hcvm_apicv __ro_after_init;

/* The MSR bitmap of a vCPU in x2APIC mode: the APIC MSRs below pass through. */
static unsigned long x2apic_bitmap;

#define X2APIC_MSR(off)		(0x800 + ((off) >> 4))
#define MSR_BITMAP_WRITE	0x800	/* write bitmap for MSRs 0-0x1fff */

/*
 * RDMSR that the CPU answers from the page with APIC-register virtualization:
 * every readable register but the current count, which is computed.
 */
static bool x2apic_read_passes(u32 msr)
{
	switch (msr) {
	case X2APIC_MSR(APIC_ID): case X2APIC_MSR(APIC_LVR): case X2APIC_MSR(APIC_TASKPRI):
	case X2APIC_MSR(APIC_PROCPRI): case X2APIC_MSR(APIC_LDR): case X2APIC_MSR(APIC_SPIV):
	case X2APIC_MSR(APIC_ISR) ... X2APIC_MSR(APIC_IRR) + 7:
	case X2APIC_MSR(APIC_ESR): case X2APIC_MSR(APIC_LVTCMCI): case X2APIC_MSR(APIC_ICR):
	case X2APIC_MSR(APIC_LVTT) ... X2APIC_MSR(APIC_LVTERR):
	case X2APIC_MSR(APIC_TMICT): case X2APIC_MSR(APIC_TDCR):
		return true;
	}
	return false;
}

static void pass(u32 msr, bool write)
{
	__clear_bit(msr, (unsigned long *)(x2apic_bitmap + (write ? MSR_BITMAP_WRITE : 0)));
}

int hcvm_apicv_init(void)
{
	const struct hcvm_vmx_caps *c = &hcvm_caps;
	struct hcvm_apicv *a = &hcvm_apicv;
	u32 msr;

	a->tpr_shadow = apicv && (c->proc.may_be_one & CPU_BASED_TPR_SHADOW);
	a->vid = a->tpr_shadow && (c->proc2.may_be_one & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	a->x2apic = a->tpr_shadow && (c->proc2.may_be_one & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
	a->reg_virt = a->x2apic && (c->proc2.may_be_one & SECONDARY_EXEC_APIC_REGISTER_VIRT);
	apicv = a->tpr_shadow;
	if (!a->x2apic)
		return 0;

	x2apic_bitmap = __get_free_page(GFP_KERNEL);
	if (!x2apic_bitmap)
		return -ENOMEM;
	memcpy((void *)x2apic_bitmap, __va(hcvm_msr_bitmap_pa()), PAGE_SIZE);
	/* Without register virtualization only TPR reads come from the page. */
	for (msr = 0x800; msr <= 0x8ff; msr++)
		if (a->reg_virt ? x2apic_read_passes(msr) : msr == X2APIC_MSR(APIC_TASKPRI))
			pass(msr, false);
	pass(X2APIC_MSR(APIC_TASKPRI), true);
	if (a->vid) {
		pass(X2APIC_MSR(APIC_EOI), true);
		pass(X2APIC_MSR(APIC_SELF_IPI), true);
	}
	return 0;
}

void hcvm_apicv_exit(void)
{
	free_page(x2apic_bitmap);
}

bool hcvm_apicv_delivers(struct hcvm_vcpu *vcpu)
{
	return hcvm_apicv.vid && vcpu->lapic;
}

void hcvm_apicv_setup(struct hcvm_vcpu *vcpu)
{
	u32 proc = hcvm_controls.proc, proc2 = hcvm_controls.proc2;

	vcpu->exec_ctrl2 = proc2;
	vcpu->apicv_x2apic = false;
	if (!hcvm_apicv.tpr_shadow || !vcpu->lapic)
		return;
	/* CR8 is the page's TPR now: its exits go. */
	proc = (proc | CPU_BASED_TPR_SHADOW) &
	       ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, __pa(vcpu->lapic->regs));
	vmcs_write(TPR_THRESHOLD, 0);
	vcpu->tpr_threshold = 0;
	if (hcvm_apicv.vid) {
		proc2 |= SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
		vmcs_write(GUEST_INTR_STATUS, 0);
		/* Loaded at the first entry: the level vectors' count never matches ~0. */
		vcpu->level_gen = ~0U;
	}
	if (hcvm_apicv.reg_virt)
		proc2 |= SECONDARY_EXEC_APIC_REGISTER_VIRT;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vcpu->exec_ctrl2 = proc2;
}

/* x2APIC virtualization follows the guest's APIC mode, which the CPU does not know. */
static void sync_x2apic_mode(struct hcvm_vcpu *vcpu)
{
	bool x2 = hcvm_lapic_x2apic(vcpu->lapic);
	u32 ctrl2 = vcpu->exec_ctrl2;

	if (x2 == vcpu->apicv_x2apic)
		return;
	if (x2)
		ctrl2 |= SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	else
		ctrl2 &= ~SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctrl2);
	vmcs_write(MSR_BITMAP, x2 ? __pa(x2apic_bitmap) : hcvm_msr_bitmap_pa());
	vcpu->exec_ctrl2 = ctrl2;
	vcpu->apicv_x2apic = x2;
}

/*
 * The EOIs that must exit: vectors IOAPIC entries send level-triggered, and
 * any other vector accepted level-triggered (its TMR bit), so the IOAPIC
 * sees the EOI. Reloaded when either changed.
 */
static void sync_eoi_exits(struct hcvm_vcpu *vcpu)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	unsigned int gen = hcvm_irqchip_level_gen(vcpu->vm);
	u64 v[4];
	int i;

	if (gen == vcpu->level_gen && !READ_ONCE(apic->tmr_changed))
		return;
	WRITE_ONCE(apic->tmr_changed, false);
	vcpu->level_gen = gen;
	hcvm_irqchip_level_vectors(vcpu->vm, v);
	for (i = 0; i < 4; i++) {
		v[i] |= hcvm_lapic_tmr(apic, 2 * i) | (u64)hcvm_lapic_tmr(apic, 2 * i + 1) << 32;
		vmcs_write(EOI_EXIT_BITMAP0 + 2 * i, v[i]);
	}
}

void hcvm_apicv_enter(struct hcvm_vcpu *vcpu)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	int irr, isr;
	u32 thr = 0;

	if (!hcvm_apicv.tpr_shadow || !apic)
		return;
	if (hcvm_apicv.x2apic)
		sync_x2apic_mode(vcpu);
	irr = hcvm_lapic_highest_irr(apic);
	if (hcvm_apicv.vid) {
		/* The page is the truth: RVI and SVI follow from it. */
		isr = hcvm_lapic_highest_isr(apic);
		vmcs_write(GUEST_INTR_STATUS, (isr > 0 ? isr : 0) << 8 | (irr > 0 ? irr : 0));
		sync_eoi_exits(vcpu);
		/* What hcvm injects itself, told apart from what the CPU delivers. */
		vcpu->entry_intr_info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
		return;
	}
	/*
	 * An interrupt TPR holds back: exit when the guest lowers TPR below its
	 * class. The threshold may not exceed TPR's class (an entry check).
	 */
	if (irr >= 0 && (irr & 0xf0) <= (apic->regs[APIC_TASKPRI >> 2] & 0xf0))
		thr = irr >> 4;
	if (thr != vcpu->tpr_threshold) {
		vmcs_write(TPR_THRESHOLD, thr);
		vcpu->tpr_threshold = thr;
	}
}

/*
 * A virtual interrupt's delivery cut short by an exit (say an EPT violation
 * on the guest's IDT or stack) is delivered again by injection; the CPU has
 * already moved it from IRR to ISR, so its vector is SVI. Real hardware
 * reports that vector in the vectoring information too; Bochs reports a
 * stale one (often 0), so SVI is used unless hcvm injected the interrupt.
 */
u32 hcvm_apicv_vectoring(struct hcvm_vcpu *vcpu, u32 info)
{
	u32 injected = vcpu->entry_intr_info;

	if (!hcvm_apicv_delivers(vcpu) ||
	    (info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_EXT_INTR ||
	    ((injected & INTR_INFO_VALID_MASK) &&
	     (injected & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR))
		return info;
	return (info & ~VECTORING_INFO_VECTOR_MASK) | (vmcs_read(GUEST_INTR_STATUS) >> 8);
}

int hcvm_handle_tpr_below_threshold(struct hcvm_vcpu *vcpu)
{
	return 1;	/* the next entry injects what TPR held back */
}

int hcvm_handle_eoi_induced(struct hcvm_vcpu *vcpu)
{
	/* Trap-like: the CPU already took the vector out of ISR. */
	hcvm_lapic_eoi_done(vcpu->lapic, vmcs_read(EXIT_QUALIFICATION) & 0xff);
	return 1;
}
