/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_EXITS_H
#define HCVM_VMX_EXITS_H

#include <linux/types.h>

struct hcvm_vcpu;

/*
 * Handle a VM exit (interrupts on, preemptible). 1: enter the guest again;
 * 0: return to userspace with vcpu->run filled; -errno: KVM_RUN fails.
 */
int hcvm_handle_exit(struct hcvm_vcpu *vcpu, u32 reason);
/* Before entry, interrupts off: put a queued exception in the VMCS. */
void hcvm_inject_pending(struct hcvm_vcpu *vcpu);
void hcvm_queue_exception(struct hcvm_vcpu *vcpu, u8 vector, bool has_error, u32 error);
void hcvm_skip_instruction(struct hcvm_vcpu *vcpu);
/* Fill run for KVM_EXIT_INTERNAL_ERROR; returns 0 (to userspace). */
int hcvm_internal_error(struct hcvm_vcpu *vcpu, u32 suberror, u64 data0);
/* Guest DR0-3, DR6 (4, 5: not aliases here) and DR7, as MOV DR reads and writes them. */
u64 hcvm_get_dr(struct hcvm_vcpu *vcpu, int dr);
void hcvm_set_dr(struct hcvm_vcpu *vcpu, int dr, u64 val);

#endif
