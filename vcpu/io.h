/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VCPU_IO_H
#define HCVM_VCPU_IO_H

#include <linux/types.h>

struct hcvm_vcpu;

/* Port I/O exit: KVM_EXIT_IO, string and REP forms included. */
int hcvm_handle_io(struct hcvm_vcpu *vcpu);
/* EPT violation at @gpa with no memory: decode the access, KVM_EXIT_MMIO. */
int hcvm_emulate_mmio(struct hcvm_vcpu *vcpu, u64 gpa);
/* At KVM_RUN: finish what the last exit to userspace left (IN data, MMIO reads). */
int hcvm_complete_userspace_exit(struct hcvm_vcpu *vcpu);

#endif
