/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for a vCPU, and how they reach the guest: NMIs, external
 * interrupts (from the in-kernel APIC and PIC, or KVM_INTERRUPT from a
 * userspace irqchip), INIT and SIPI; the VMX injection rules (windows,
 * blocking, re-injection); halting and waking; kicking a running vCPU.
 *
 * Posting is lock-free from any context (another vCPU, an hrtimer, an
 * irqfd): set the event, then kick. The kick wakes a halted vCPU, and sends
 * an IPI to the host CPU of a vCPU in guest mode so that it exits and sees
 * the event. A vCPU enters guest mode only after publishing that it does
 * (vcpu->mode) and re-checking its events, so no kick is lost.
 */
#ifndef HCVM_VCPU_EVENTS_H
#define HCVM_VCPU_EVENTS_H

#include <linux/types.h>

struct hcvm_vcpu;

/* vcpu->mode */
#define HCVM_OUTSIDE_GUEST	0
#define HCVM_IN_GUEST		1

/* Bits of vcpu->events. */
#define HCVM_EV_INIT		0
#define HCVM_EV_SIPI		1

void hcvm_vcpu_kick(struct hcvm_vcpu *vcpu);
void hcvm_vcpu_post_nmi(struct hcvm_vcpu *vcpu);
void hcvm_vcpu_post_init(struct hcvm_vcpu *vcpu);
void hcvm_vcpu_post_sipi(struct hcvm_vcpu *vcpu, u8 vector);

/*
 * Before entering: handle INIT/SIPI, and sleep while halted or waiting for
 * SIPI. 1: enter the guest; -EINTR: a signal (exit to userspace).
 */
int hcvm_events_prepare(struct hcvm_vcpu *vcpu);
/* Take a posted INIT or SIPI now (VMCS loaded): KVM_GET_MP_STATE reports its effect. */
void hcvm_events_accept(struct hcvm_vcpu *vcpu);
/* With interrupts off, just before VM entry: inject what may be injected now. */
void hcvm_events_inject(struct hcvm_vcpu *vcpu);
/* After an exit to userspace: fill kvm_run's interrupt fields. */
void hcvm_events_to_user(struct hcvm_vcpu *vcpu);

/* Exit handlers. */
int hcvm_handle_hlt(struct hcvm_vcpu *vcpu);
int hcvm_handle_irq_window(struct hcvm_vcpu *vcpu);
int hcvm_handle_nmi_window(struct hcvm_vcpu *vcpu);

/* vCPU ioctls: KVM_INTERRUPT and KVM_NMI. */
int hcvm_vcpu_interrupt(struct hcvm_vcpu *vcpu, u32 irq);
int hcvm_vcpu_nmi(struct hcvm_vcpu *vcpu);

#endif
