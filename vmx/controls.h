/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_CONTROLS_H
#define HCVM_VMX_CONTROLS_H

#include <linux/types.h>

struct hcvm_vcpu;

/* The VM-execution, exit and entry controls every vCPU starts with. */
struct hcvm_controls {
	u32 pin, proc, proc2, exit, entry;
};

extern struct hcvm_controls hcvm_controls;

/* At load: fold the wanted controls into what the CPU allows, or refuse. */
int hcvm_controls_init(void);
/* Fill the current VMCS for a new vCPU: controls, host state, reset state. */
void hcvm_vmcs_setup(struct hcvm_vcpu *vcpu, u64 eptp);
/* The host fields that differ per CPU, after the VMCS moved to @cpu. */
void hcvm_vmcs_set_host_cpu(int cpu);
/* Guest state at power-on/INIT (Intel SDM "Processor state after reset"). */
void hcvm_vmcs_reset_guest(struct hcvm_vcpu *vcpu);

#endif
