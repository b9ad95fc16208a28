/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_CPUID_H
#define HCVM_VMX_CPUID_H

#include <linux/kvm.h>

struct hcvm_vcpu;

/* XCR0 bits a guest may enable: host-enabled FP, SSE, AVX and AVX-512 state. */
u64 hcvm_supported_xcr0(void);
int hcvm_cpuid_init(void);
void hcvm_cpuid_exit(void);
long hcvm_get_supported_cpuid(struct kvm_cpuid2 __user *uc);
long hcvm_set_cpuid2(struct hcvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc);
long hcvm_get_cpuid2(struct hcvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc);
/* The guest's CPUID: its table entry, with the bits that follow its state. */
void hcvm_guest_cpuid(struct hcvm_vcpu *vcpu, u32 leaf, u32 index, u32 out[4]);
/* CR4.OSXSAVE is allowed: the guest's CPUID has XSAVE, and so has the host. */
bool hcvm_guest_has_xsave(struct hcvm_vcpu *vcpu);
/* XCR0 values this guest's CPUID allows. */
u64 hcvm_guest_xcr0_allowed(struct hcvm_vcpu *vcpu);
/*
 * Bytes of the guest's XSAVE image in KVM_GET_XSAVE2 and KVM_SET_XSAVE (and
 * of KVM_CAP_XSAVE2): struct kvm_xsave, or the area of the XCR0 bits offered.
 */
u32 hcvm_xsave_uabi_size(void);
/*
 * CR4 bits this guest may set: those of features its CPUID offers (and hcvm
 * supports). PKE, LA57, UMIP, CET, PKS stay off unless offered.
 */
u64 hcvm_guest_cr4_allowed(struct hcvm_vcpu *vcpu);
/* Speculation-control MSRs the guest's CPUID offers and the host has (vmx/msr.c). */
u64 hcvm_guest_spec_ctrl_bits(struct hcvm_vcpu *vcpu, bool from_user);
bool hcvm_guest_has_ibpb(struct hcvm_vcpu *vcpu);
bool hcvm_guest_has_flush_l1d(struct hcvm_vcpu *vcpu);

#endif
