// SPDX-License-Identifier: GPL-2.0
/* The CPU's APIC virtualization (see apicv.h). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/io.h>
#include <asm/vmx.h>
#include "../devices/irqchip.h"
#include "../devices/lapic.h"
#include "../vcpu/io.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/vm.h"
#include "apicv.h"
#include "caps.h"
#include "controls.h"
#include "exits.h"
#include "msr.h"
#include "probe.h"
#include "quirks.h"
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
	a->apic_access = a->tpr_shadow &&
			 (c->proc2.may_be_one & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	a->reg_virt = (a->x2apic || a->apic_access) &&
		      (c->proc2.may_be_one & SECONDARY_EXEC_APIC_REGISTER_VIRT);
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

int hcvm_apicv_vm_init(struct hcvm_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	if (!hcvm_apicv.apic_access || vm->apic_access_page)
		return 0;
	/* Per VM: a guest that writes it (x2APIC mode maps it plain) reaches only itself. */
	vm->apic_access_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	return vm->apic_access_page ? 0 : -ENOMEM;
}

void hcvm_apicv_vm_destroy(struct hcvm_vm *vm)
{
	/* After the EPT is gone and flushed: no CPU can reach the page any more. */
	if (vm->apic_access_page)
		__free_page(vm->apic_access_page);
}

void hcvm_apicv_setup(struct hcvm_vcpu *vcpu)
{
	u32 proc = hcvm_controls.proc, proc2 = hcvm_controls.proc2;

	vcpu->exec_ctrl2 = proc2;
	vcpu->apicv_mode = APICV_NONE;
	if (!hcvm_apicv.tpr_shadow || !vcpu->lapic)
		return;
	if (vcpu->vm->apic_access_page)
		vmcs_write(APIC_ACCESS_ADDR, page_to_phys(vcpu->vm->apic_access_page));
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

/*
 * Which register interface the CPU virtualizes follows the guest's APIC mode,
 * which the CPU does not know: x2APIC MSRs, or the xAPIC page at the default
 * base (a relocated or disabled xAPIC is left to the MMIO emulator).
 */
static void sync_mode(struct hcvm_vcpu *vcpu)
{
	const u32 modes = SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |
			  SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	struct hcvm_lapic *apic = vcpu->lapic;
	enum hcvm_apicv_mode mode = APICV_NONE;
	u32 ctrl2 = vcpu->exec_ctrl2 & ~modes;

	if (hcvm_lapic_x2apic(apic) && hcvm_apicv.x2apic)
		mode = APICV_X2APIC;
	else if (hcvm_lapic_xapic_base(apic) == APIC_DEFAULT_PHYS_BASE && vcpu->vm->apic_access_page)
		mode = APICV_XAPIC;
	if (mode == vcpu->apicv_mode)
		return;
	if (mode == APICV_X2APIC)
		ctrl2 |= SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	else if (mode == APICV_XAPIC)
		ctrl2 |= SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctrl2);
	if ((mode == APICV_X2APIC) != (vcpu->apicv_mode == APICV_X2APIC))
		vmcs_write(MSR_BITMAP, mode == APICV_X2APIC ? __pa(x2apic_bitmap) :
			   hcvm_msr_bitmap_pa());
	vcpu->exec_ctrl2 = ctrl2;
	vcpu->apicv_mode = mode;
}

bool hcvm_apicv_map_access_page(struct hcvm_vcpu *vcpu, u64 gpa)
{
	return vcpu->apicv_mode == APICV_XAPIC &&
	       (gpa & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE &&
	       !hcvm_mmu_map_fixed(&vcpu->vm->mmu, gpa,
				   page_to_phys(vcpu->vm->apic_access_page));
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
	sync_mode(vcpu);
	irr = hcvm_lapic_highest_irr(apic);
	if (hcvm_apicv.vid) {
		/* The page is the truth: RVI and SVI follow from it. */
		isr = hcvm_lapic_highest_isr(apic);
		vcpu->entry_svi = isr > 0 ? isr : 0;
		vmcs_write(GUEST_INTR_STATUS, vcpu->entry_svi << 8 | (irr > 0 ? irr : 0));
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
 * already moved it from IRR to ISR, so its vector is SVI, and SVI differs
 * from what the entry set. Real hardware reports that vector as an external
 * interrupt in the vectoring information; Bochs reports a stale event there
 * (the last one it recorded, even another VM's: vector 0, an NMI, a #UD), so
 * once SVI moved in this run the information is rebuilt from SVI unless it
 * names a software interrupt or exception (INT n, INT3, INTO). The price on
 * silicon, where the information is right: a hardware exception raised by
 * the handler of a virtual interrupt and cut short by an exit in the same
 * run (an IST stack not mapped yet) is dropped (a fault recurs when its
 * instruction runs again) and the interrupt delivered twice. Without a move
 * of SVI, external interrupts and NMIs are kept when hcvm injected them at
 * this entry and dropped otherwise: hcvm is their only source. All of this
 * only on Bochs (quirks.c): elsewhere the information is used as it is.
 */
u32 hcvm_apicv_vectoring(struct hcvm_vcpu *vcpu, u32 info)
{
	const u32 type_vec = INTR_INFO_INTR_TYPE_MASK | VECTORING_INFO_VECTOR_MASK;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK, svi;

	if (!hcvm_on_bochs || !hcvm_apicv_delivers(vcpu))
		return info;	/* silicon's information is right */
	svi = vmcs_read(GUEST_INTR_STATUS) >> 8;
	/* A delivery sets SVI to its vector (>= 16); an EOI may have lowered it to 0. */
	if (svi != vcpu->entry_svi && svi >= 16 &&
	    (type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI_INTR ||
	     type == INTR_TYPE_HARD_EXCEPTION))
		return (info & ~(type_vec | INTR_INFO_DELIVER_CODE_MASK)) | INTR_TYPE_EXT_INTR | svi;
	if (type != INTR_TYPE_EXT_INTR && type != INTR_TYPE_NMI_INTR)
		return info;
	if ((vcpu->entry_intr_info & INTR_INFO_VALID_MASK) &&
	    (vcpu->entry_intr_info & type_vec) == (info & type_vec))
		return info;
	return 0;
}

int hcvm_handle_tpr_below_threshold(struct hcvm_vcpu *vcpu)
{
	return 1;	/* the next entry injects what TPR held back */
}

/* Fault-like: an access the CPU does not virtualize (a timer count read, say). */
int hcvm_handle_apic_access(struct hcvm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	u32 type = (q >> 12) & 0xf;

	/* Linear reads and writes by an instruction; not fetches or event delivery. */
	if (type > 1)
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, q);
	return hcvm_emulate_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + (q & 0xfff));
}

/* Trap-like: the write is in the page; the APIC acts on it. */
int hcvm_handle_apic_write(struct hcvm_vcpu *vcpu)
{
	hcvm_lapic_apic_write(vcpu->lapic, vmcs_read(EXIT_QUALIFICATION) & 0xfff);
	return 1;
}

int hcvm_handle_eoi_induced(struct hcvm_vcpu *vcpu)
{
	/* Trap-like: the CPU already took the vector out of ISR. */
	hcvm_lapic_eoi_done(vcpu->lapic, vmcs_read(EXIT_QUALIFICATION) & 0xff);
	return 1;
}
