/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU's own APIC virtualization, for vCPUs with an in-kernel APIC, used
 * where the CPU has it unless the module parameter apicv=0 asks for the
 * purely emulated path (devices/lapic.c alone). The emulated APIC's register
 * page is the virtual-APIC page, so both paths share one state:
 *
 * - TPR shadow: MOV to/from CR8 reads and writes the page's TPR without an
 *   exit. Without virtual-interrupt delivery a TPR threshold makes the guest
 *   exit when it lowers TPR below a pending interrupt, which is then injected.
 * - Virtual-interrupt delivery: on entry RVI/SVI are set from IRR/ISR and the
 *   CPU delivers APIC interrupts itself, when the guest can take them (no
 *   interrupt-window exits), and does EOIs itself; EOIs of vectors that an
 *   IOAPIC pin sends level-triggered exit so the IOAPIC sees them.
 * - x2APIC virtualization with APIC-register virtualization: in x2APIC mode
 *   RDMSR of the APIC registers reads the page, and WRMSR of TPR, EOI and
 *   SELF IPI is done by the CPU; ICR and the timer still exit.
 * - Virtualized APIC accesses with APIC-register virtualization: in xAPIC
 *   mode at the default base, a per-VM APIC-access page is mapped there in
 *   the EPT; reads come from the page, TPR/EOI writes are done by the CPU,
 *   other writes exit after the fact (APIC-write) and the rest (the current
 *   count) exits before (APIC-access) to the MMIO emulator.
 *
 * Not used: posted interrupts (an interrupt for a running vCPU kicks it out
 * instead: the test bed's CPU has no posted interrupts to test them on).
 */
#ifndef HCVM_VMX_APICV_H
#define HCVM_VMX_APICV_H

#include <linux/types.h>

struct hcvm_vcpu;
struct hcvm_vm;

/* The APIC registers the CPU virtualizes for a vCPU now. */
enum hcvm_apicv_mode {
	APICV_NONE,
	APICV_XAPIC,		/* the xAPIC page, through the VM's APIC-access page */
	APICV_X2APIC,		/* the x2APIC MSRs */
};

/* What is in use; all false: the emulated path. Fixed at load. */
struct hcvm_apicv {
	bool tpr_shadow;
	bool vid;		/* virtual-interrupt delivery */
	bool x2apic;		/* virtualize x2APIC mode */
	bool apic_access;	/* virtualize APIC accesses (xAPIC MMIO) */
	bool reg_virt;		/* APIC-register virtualization */
};

extern struct hcvm_apicv hcvm_apicv;

/* At load, after the capabilities are known: decide, and build the x2APIC MSR bitmap. */
int hcvm_apicv_init(void);
void hcvm_apicv_exit(void);
/* The VM's APIC-access page, with its first in-kernel APIC (vm->lock held). */
int hcvm_apicv_vm_init(struct hcvm_vm *vm);
void hcvm_apicv_vm_destroy(struct hcvm_vm *vm);
/* An EPT violation on the xAPIC page: map the APIC-access page there (true) or not. */
bool hcvm_apicv_map_access_page(struct hcvm_vcpu *vcpu, u64 gpa);
/* A new vCPU's VMCS (current): the controls and fields for its APIC. */
void hcvm_apicv_setup(struct hcvm_vcpu *vcpu);
/* Just before an entry, interrupts off: RVI/SVI, EOI exits, TPR threshold, x2APIC mode. */
void hcvm_apicv_enter(struct hcvm_vcpu *vcpu);
/* Does the CPU deliver this vCPU's APIC interrupts (no injection by hcvm)? */
bool hcvm_apicv_delivers(struct hcvm_vcpu *vcpu);

/*
 * The event an exit interrupted (IDT-vectoring information), corrected for a
 * virtual interrupt whose delivery the exit cut short; 0: none.
 */
u32 hcvm_apicv_vectoring(struct hcvm_vcpu *vcpu, u32 info);

int hcvm_handle_tpr_below_threshold(struct hcvm_vcpu *vcpu);
int hcvm_handle_eoi_induced(struct hcvm_vcpu *vcpu);
int hcvm_handle_apic_access(struct hcvm_vcpu *vcpu);
int hcvm_handle_apic_write(struct hcvm_vcpu *vcpu);

#endif
