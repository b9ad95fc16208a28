/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hcvm's own userspace ABI. Every call that KVM also has uses <linux/kvm.h>
 * unchanged (numbers, structs, semantics); only what KVM has no call for is
 * defined here. So far there is none.
 */
#ifndef _UAPI_LINUX_HCVM_H
#define _UAPI_LINUX_HCVM_H

#define HCVM_DEVICE "/dev/hcvm"

#endif
