/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hcvm's own userspace ABI. Every call that KVM also has uses <linux/kvm.h>
 * unchanged (numbers, structs, semantics); only what KVM has no call for is
 * defined here. So far there is none. Below that, for builds against a
 * <linux/kvm.h> older than the calls hcvm implements (Linux 6.1's), KVM's
 * own definitions of them, unchanged.
 */
#ifndef _UAPI_LINUX_HCVM_H
#define _UAPI_LINUX_HCVM_H

#include <linux/kvm.h>

#define HCVM_DEVICE "/dev/hcvm"

#ifndef KVM_SET_USER_MEMORY_REGION2	/* Linux 6.8 */
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

#define KVM_CAP_USER_MEMORY2 231
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

#endif
