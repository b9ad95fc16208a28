// SPDX-License-Identifier: GPL-2.0
/* Posting, injecting and waiting for vCPU events (see events.h). */
#include <linux/kernel.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <trace/events/ipi.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>
#include "../devices/irqchip.h"
#include "../devices/lapic.h"
#include "../vmx/apicv.h"
#include "../vmx/controls.h"
#include "../vmx/exits.h"
#include "../vmx/vmcs.h"
#include "events.h"
#include "regs.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"

#define WINDOWS		(CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING)
#define SHADOW		(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)
/* Two NMIs may wait: one being handled and one latched, as on hardware. */
#define MAX_NMI_QUEUED	2

void hcvm_vcpu_kick(struct hcvm_vcpu *vcpu)
{
	int cpu;

	/* The event is visible before mode is read: pairs with the entry's smp_mb(). */
	smp_mb();
	if (READ_ONCE(vcpu->mode) == HCVM_IN_GUEST) {
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu >= 0 && cpu != raw_smp_processor_id())
			smp_send_reschedule(cpu);
	}
	rcuwait_wake_up(&vcpu->wait);
}

void hcvm_vcpu_post_nmi(struct hcvm_vcpu *vcpu)
{
	atomic_add_unless(&vcpu->nmi_queued, 1, MAX_NMI_QUEUED);
	hcvm_vcpu_kick(vcpu);
}

void hcvm_vcpu_post_init(struct hcvm_vcpu *vcpu)
{
	set_bit(HCVM_EV_INIT, &vcpu->events);
	hcvm_vcpu_kick(vcpu);
}

void hcvm_vcpu_post_sipi(struct hcvm_vcpu *vcpu, u8 vector)
{
	WRITE_ONCE(vcpu->sipi_vector, vector);
	/* The vector is visible before the bit that says it is there. */
	smp_mb__before_atomic();
	set_bit(HCVM_EV_SIPI, &vcpu->events);
	hcvm_vcpu_kick(vcpu);
}

/*
 * Is an external interrupt waiting (maskable: the guest may not take it yet)?
 * @to_inject: only those hcvm injects, not those the CPU delivers itself.
 */
static bool irq_waiting(struct hcvm_vcpu *vcpu, bool to_inject)
{
	if (vcpu->user_irq >= 0)
		return true;
	if (!vcpu->lapic)
		return false;
	if (!(to_inject && hcvm_apicv_delivers(vcpu)) && hcvm_lapic_pending(vcpu->lapic) >= 0)
		return true;
	return !vcpu->id && hcvm_lapic_accepts_pic(vcpu->lapic) &&
	       hcvm_irqchip_pic_output(vcpu->vm);
}

/* The interrupt acknowledge cycle: the vector to deliver, or -1. */
static int irq_ack(struct hcvm_vcpu *vcpu)
{
	int vec = vcpu->user_irq;

	if (vec >= 0) {
		vcpu->user_irq = -1;
		return vec;
	}
	vec = hcvm_apicv_delivers(vcpu) ? -1 : hcvm_lapic_pending(vcpu->lapic);
	if (vec >= 0) {
		hcvm_lapic_ack(vcpu->lapic, vec);
		return vec;
	}
	if (!vcpu->id && hcvm_lapic_accepts_pic(vcpu->lapic))
		return hcvm_irqchip_pic_ack(vcpu->vm);
	return -1;
}

static bool can_wake(struct hcvm_vcpu *vcpu)
{
	if (test_bit(HCVM_EV_INIT, &vcpu->events))
		return true;
	switch (vcpu->mp_state) {
	case KVM_MP_STATE_INIT_RECEIVED:
		return test_bit(HCVM_EV_SIPI, &vcpu->events);
	case KVM_MP_STATE_HALTED:
		return atomic_read(&vcpu->nmi_queued) || (vcpu->halt_if && irq_waiting(vcpu, false));
	case KVM_MP_STATE_RUNNABLE:
		return true;
	default:
		return false;		/* UNINITIALIZED: only INIT */
	}
}

static void do_init(struct hcvm_vcpu *vcpu)
{
	hcvm_vmcs_reset_guest(vcpu);
	hcvm_lapic_reset(vcpu->lapic, true);
	vcpu->mp_state = vcpu->id ? KVM_MP_STATE_INIT_RECEIVED : KVM_MP_STATE_RUNNABLE;
}

/* Real mode at vector:0000, as the SIPI names it. */
static void do_sipi(struct hcvm_vcpu *vcpu)
{
	u8 vec = READ_ONCE(vcpu->sipi_vector);

	vmcs_write(GUEST_CS_SELECTOR, vec << 8);
	vmcs_write(GUEST_CS_BASE, vec << 12);
	vmcs_write(GUEST_RIP, 0);
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
}

void hcvm_events_accept(struct hcvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	if (test_and_clear_bit(HCVM_EV_INIT, &vcpu->events))
		do_init(vcpu);
	if (test_and_clear_bit(HCVM_EV_SIPI, &vcpu->events) &&
	    vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		do_sipi(vcpu);	/* a SIPI in any other state is dropped */
}

int hcvm_events_prepare(struct hcvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return 1;
	for (;;) {
		hcvm_events_accept(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_HALTED && can_wake(vcpu)) {
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
			vcpu->stats.halt_wakeups++;
		}
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			return 1;
		if (rcuwait_wait_event(&vcpu->wait, can_wake(vcpu), TASK_INTERRUPTIBLE))
			return -EINTR;
	}
}

void hcvm_events_inject(struct hcvm_vcpu *vcpu)
{
	bool nmi = atomic_read(&vcpu->nmi_queued), irq = irq_waiting(vcpu, true), busy;
	bool user_window = !vcpu->lapic && vcpu->run->request_interrupt_window;
	u32 ctrl = vcpu->exec_ctrl & ~WINDOWS, intr;

	if (!vcpu->exception.pending && !nmi && !irq && !user_window &&
	    !(vcpu->exec_ctrl & WINDOWS))
		return;
	busy = vcpu->exception.pending ||
	       (vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
	hcvm_inject_pending(vcpu);
	intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (nmi) {
		if (!busy && !(intr & (SHADOW | GUEST_INTR_STATE_NMI))) {
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
				   NMI_VECTOR | INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK);
			atomic_dec(&vcpu->nmi_queued);
			vcpu->stats.nmi_injections++;
			trace_hcvm_inj_irq(vcpu->id, NMI_VECTOR, true);
			busy = true;
		} else {
			ctrl |= CPU_BASED_NMI_WINDOW_EXITING;
		}
	}
	if (irq) {
		int vec = -1;

		if (!busy && (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) && !(intr & SHADOW))
			vec = irq_ack(vcpu);
		if (vec >= 0) {
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
				   vec | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
			vcpu->stats.irq_injections++;
			trace_hcvm_inj_irq(vcpu->id, vec, false);
		} else {
			ctrl |= CPU_BASED_INTR_WINDOW_EXITING;
		}
	} else if (user_window) {
		ctrl |= CPU_BASED_INTR_WINDOW_EXITING;
	}
	if (ctrl != vcpu->exec_ctrl) {
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, ctrl);
		vcpu->exec_ctrl = ctrl;
	}
}

void hcvm_events_to_user(struct hcvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	bool iflag = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	run->if_flag = iflag;
	run->ready_for_interrupt_injection = !vcpu->lapic && vcpu->user_irq < 0 && iflag &&
		!(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & SHADOW);
	run->cr8 = hcvm_get_cr8(vcpu);
	run->apic_base = vcpu->lapic ? vcpu->lapic->base_msr : 0;
}

int hcvm_handle_hlt(struct hcvm_vcpu *vcpu)
{
	hcvm_skip_instruction(vcpu);
	if (!vcpu->lapic) {
		/* A userspace irqchip decides what HLT means. */
		vcpu->run->exit_reason = KVM_EXIT_HLT;
		return 0;
	}
	vcpu->halt_if = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
	vcpu->mp_state = KVM_MP_STATE_HALTED;
	return 1;		/* hcvm_events_prepare() sleeps until an event */
}

int hcvm_handle_irq_window(struct hcvm_vcpu *vcpu)
{
	/* The next entry injects, or re-arms the window; userspace may be waiting for it. */
	if (!vcpu->lapic && vcpu->run->request_interrupt_window && vcpu->user_irq < 0) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

int hcvm_handle_nmi_window(struct hcvm_vcpu *vcpu)
{
	return 1;
}

int hcvm_vcpu_interrupt(struct hcvm_vcpu *vcpu, u32 irq)
{
	if (vcpu->lapic)
		return -ENXIO;		/* the in-kernel irqchip owns interrupts */
	if (irq > 255)
		return -EINVAL;
	if (vcpu->user_irq >= 0)
		return -EEXIST;
	vcpu->user_irq = irq;
	return 0;
}

int hcvm_vcpu_nmi(struct hcvm_vcpu *vcpu)
{
	hcvm_vcpu_post_nmi(vcpu);
	return 0;
}
