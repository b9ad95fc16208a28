/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host state around guest execution (switch.c): what the VMCS does not
 * restore on a VM exit, in one matched pair per vCPU load and one per run.
 */
#ifndef HCVM_VCPU_SWITCH_H
#define HCVM_VCPU_SWITCH_H

#include <linux/types.h>
#include "vcpu.h"

extern const u32 hcvm_switched_msr_index[HCVM_NR_SWITCHED_MSRS];

/* The MXCSR bits the CPU has (KVM_SET_FPU refuses others). */
extern u32 hcvm_host_mxcsr_mask;
/* IA32_ARCH_CAPABILITIES for a new vCPU: the host's mitigation state. */
extern u64 hcvm_guest_arch_caps;
/* Module load: what the host's state is for good (XCR0, MXCSR mask, ARCH_CAPABILITIES). */
void hcvm_switch_init(void);
void hcvm_switch_cleanup(void);
/* debugfs hcvm/mitigations: what the entry and exit do against speculation. */
struct seq_file;
void hcvm_switch_show_mitigations(struct seq_file *m);
/* The vCPU's thread is on this CPU (preemption off): save the host's, load the guest's. */
void hcvm_switch_to_guest(struct hcvm_vcpu *vcpu);
/* The thread leaves the vCPU (put, or scheduled out; preemption off): the host's back. */
void hcvm_switch_to_host(struct hcvm_vcpu *vcpu);
/* Right before and right after each VM entry, interrupts off. */
void hcvm_switch_enter(struct hcvm_vcpu *vcpu);
void hcvm_switch_exit(struct hcvm_vcpu *vcpu);

#endif
