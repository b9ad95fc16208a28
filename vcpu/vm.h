/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its memory (ept/mmu.h) and its vCPUs, behind a KVM-style VM fd.
 *
 * Lock order, outermost first:
 *   vcpu->mutex (one ioctl at a time on a vCPU fd)
 *   vm->lock (vCPU and irqchip creation, routing, irqfd/ioeventfd lists)
 *   vm->mmu.lock (memory slots, EPT)
 *   mmap_lock (taken inside pinning and guest-memory copies)
 *   eventfd wait-queue locks (an irqfd's wake-up injects from under one)
 *   vm->irqfd_lock (the irqfd list: linked and unlinked under a wait-queue lock)
 *   vm->coalesced.lock (coalesced zones and ring; takes nothing inside)
 *   vm->kvmclock.lock (the clock's base; takes nothing inside)
 *   the irqchip's raw spinlock (devices/irqchip.h), innermost
 * The run path takes only vcpu->mutex, vm->mmu.lock on EPT violations and
 * the irqchip lock for device accesses; deliveries to a vCPU are lock-free.
 */
#ifndef HCVM_VCPU_VM_H
#define HCVM_VCPU_VM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include "../devices/coalesced.h"
#include "../devices/kvmclock.h"
#include "../ept/mmu.h"

#define HCVM_MAX_VCPUS	64

struct hcvm_vcpu;
struct hcvm_irqchip;

struct hcvm_vm {
	refcount_t users;	/* the VM fd and each vCPU fd */
	struct mm_struct *mm;	/* the creator's: only it may use the VM */
	struct mutex lock;
	struct hcvm_mmu mmu;
	struct hcvm_vcpu *vcpus[HCVM_MAX_VCPUS];
	unsigned int nr_vcpus;
	u32 max_vcpu_id;		/* KVM_CAP_MAX_VCPU_ID, enabled once; 0: HCVM_MAX_VCPUS */
	struct hcvm_irqchip *irqchip;	/* NULL until KVM_CREATE_IRQCHIP */
	struct page *apic_access_page;	/* vmx/apicv.c; NULL until needed */
	spinlock_t irqfd_lock;		/* irqfds: see devices/eventfd.c */
	struct list_head irqfds;
	struct list_head ioeventfds;
	struct hcvm_coalesced coalesced;	/* devices/coalesced.c */
	struct hcvm_kvmclock kvmclock;		/* devices/kvmclock.c */
	pid_t pid;			/* the creator's, in stats ids and debugfs names */
	struct dentry *debugfs;		/* hcvm/vms/PID-N (stats.c) */
};

int hcvm_create_vm(unsigned long type);
void hcvm_vm_put(struct hcvm_vm *vm);
long hcvm_vm_check_extension(unsigned long cap);

#endif
