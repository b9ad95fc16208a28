/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_MSR_H
#define HCVM_VMX_MSR_H

#include <linux/kvm.h>
#include <linux/types.h>

struct hcvm_vcpu;

int hcvm_msr_init(void);
void hcvm_msr_exit(void);
u64 hcvm_msr_bitmap_pa(void);
/* KVM_GET_MSR_INDEX_LIST, or (@features) KVM_GET_MSR_FEATURE_INDEX_LIST. */
long hcvm_get_msr_index_list(struct kvm_msr_list __user *ul, bool features);
/*
 * 0, or -EINVAL for an MSR the guest may not touch (a guest access gets #GP).
 * @from_user: KVM_GET/SET_MSRS, which may reach MSRs the guest's CPUID hides.
 */
int hcvm_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data, bool from_user);
int hcvm_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user);
/* Guest EFER and the IA-32e-mode entry control, which must agree. */
void hcvm_set_efer(struct hcvm_vcpu *vcpu, u64 efer);
/* KVM_GET/SET_MSRS; @vcpu NULL: the feature MSRs (get only, on /dev/hcvm). */
long hcvm_msrs_ioctl(struct hcvm_vcpu *vcpu, struct kvm_msrs __user *um, bool set);

#endif
