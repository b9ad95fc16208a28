/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated local APIC of a vCPU: xAPIC registers behind MMIO at the APIC
 * base, x2APIC registers behind MSRs 0x800-0x8ff, the timer (one-shot,
 * periodic, TSC-deadline) on a host hrtimer, IPIs, EOI, TPR/PPR.
 *
 * Who writes what: IRR and TMR bits are set by any CPU (IPIs, the timer,
 * the IOAPIC, MSIs) with atomic bit operations; everything else belongs to
 * the vCPU's own thread (under vcpu->mutex). A delivery then kicks the vCPU
 * (vcpu/events.c) so it notices the new bit.
 */
#ifndef HCVM_DEVICES_LAPIC_H
#define HCVM_DEVICES_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include "irq.h"

struct hcvm_vcpu;
struct hcvm_vm;

#define HCVM_APIC_BASE_DEFAULT	0xfee00000ULL

struct hcvm_lapic {
	struct hcvm_vcpu *vcpu;
	/*
	 * The APIC page: a whole page, so that it can be the CPU's virtual-APIC
	 * page (vmx/apicv.c); its first 1 KiB is what KVM_GET/SET_LAPIC carry.
	 */
	u32 *regs;
	bool tmr_changed;		/* a TMR bit was set: EOI exits to recompute */
	/*
	 * LVT timer and SVR as hcvm last took them: with APIC-write exits the
	 * CPU has already put the new value in the page when hcvm sees it.
	 */
	u32 lvtt, spiv;
	u64 base_msr;			/* IA32_APIC_BASE */
	struct hrtimer timer;
	u64 timer_start;		/* ktime (ns) the count started from */
	u64 period;			/* ns per full count; 0: not counting */
	u64 tsc_deadline;		/* guest TSC; 0: disarmed */
};

int hcvm_lapic_create(struct hcvm_vcpu *vcpu);
/* The VM's end, before any vCPU goes: the timer stops (waits out a running expiry). */
void hcvm_lapic_stop(struct hcvm_vcpu *vcpu);
void hcvm_lapic_destroy(struct hcvm_vcpu *vcpu);
/* Power-on or INIT state (INIT keeps the APIC base and ID). */
void hcvm_lapic_reset(struct hcvm_lapic *apic, bool init);

/*
 * An APIC-write exit (APIC-register virtualization): the guest's value is in
 * the page at @off already; act on it as on a write.
 */
void hcvm_lapic_apic_write(struct hcvm_lapic *apic, unsigned int off);
/* Where the xAPIC registers are (enabled, not x2APIC), or 0. */
u64 hcvm_lapic_xapic_base(const struct hcvm_lapic *apic);
/* xAPIC MMIO: true if @gpa is this vCPU's APIC page and the access was done. */
bool hcvm_lapic_mmio(struct hcvm_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *data);
/* x2APIC, APIC base and TSC-deadline MSRs: 0, -EINVAL (#GP) or -ENOENT (not an APIC MSR). */
int hcvm_lapic_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data);
int hcvm_lapic_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user);
/* CR8 is TPR[7:4]. */
u64 hcvm_lapic_get_cr8(struct hcvm_vcpu *vcpu);
void hcvm_lapic_set_cr8(struct hcvm_vcpu *vcpu, u64 cr8);

/* Deliver @irq to every APIC of @vm it names; how many took it. Any context. */
int hcvm_lapic_deliver(struct hcvm_vm *vm, const struct hcvm_irq *irq);

/* The highest vector set in IRR or ISR, or -1. */
int hcvm_lapic_highest_irr(struct hcvm_lapic *apic);
int hcvm_lapic_highest_isr(struct hcvm_lapic *apic);
/* TMR word @i (vectors 32i..32i+31). */
u32 hcvm_lapic_tmr(struct hcvm_lapic *apic, int i);
bool hcvm_lapic_x2apic(const struct hcvm_lapic *apic);
/* The CPU did the EOI of @vector (virtual-interrupt delivery): tell the IOAPIC if level. */
void hcvm_lapic_eoi_done(struct hcvm_lapic *apic, int vector);

/* The highest vector the guest may take now (above PPR), or -1. */
int hcvm_lapic_pending(struct hcvm_lapic *apic);
/* The guest takes @vector: IRR to ISR. */
void hcvm_lapic_ack(struct hcvm_lapic *apic, int vector);
/* LINT0 lets the PIC's INTR through (ExtINT, or the APIC hardware-disabled). */
bool hcvm_lapic_accepts_pic(struct hcvm_lapic *apic);

int hcvm_lapic_get_state(struct hcvm_vcpu *vcpu, struct kvm_lapic_state *s);
int hcvm_lapic_set_state(struct hcvm_vcpu *vcpu, const struct kvm_lapic_state *s);

#endif
