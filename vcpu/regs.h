/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VCPU_REGS_H
#define HCVM_VCPU_REGS_H

#include <linux/types.h>

struct hcvm_vcpu;

/* The vCPU ioctls other than KVM_RUN; the VMCS is loaded. */
long hcvm_vcpu_state_ioctl(struct hcvm_vcpu *vcpu, unsigned int cmd, void __user *argp);
/* The guest's view of CR0/CR4 (owned bits come from the read shadows). */
u64 hcvm_read_cr0(struct hcvm_vcpu *vcpu);
u64 hcvm_read_cr4(struct hcvm_vcpu *vcpu);
/* Architectural checks of a guest write; 0 or -EINVAL (#GP for the guest). */
int hcvm_set_cr0(struct hcvm_vcpu *vcpu, u64 val);
int hcvm_set_cr4(struct hcvm_vcpu *vcpu, u64 val);
void hcvm_update_cr4_mask(struct hcvm_vcpu *vcpu);
int hcvm_set_cr3(struct hcvm_vcpu *vcpu, u64 val);
int hcvm_set_xcr0(struct hcvm_vcpu *vcpu, u64 val);
u64 hcvm_get_cr8(struct hcvm_vcpu *vcpu);
void hcvm_set_cr8(struct hcvm_vcpu *vcpu, u64 val);

#endif
