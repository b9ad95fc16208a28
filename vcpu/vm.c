// SPDX-License-Identifier: GPL-2.0
/* VM objects and the VM fd: memory regions and vCPU creation. */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/hcvm.h>
#include <asm/tsc.h>
#include "../devices/eventfd.h"
#include "../devices/irqchip.h"
#include "../devices/lapic.h"
#include "../vmx/cpuid.h"
#include "../vmx/apicv.h"
#include "../vmx/probe.h"
#include "vcpu.h"
#include "vm.h"

long hcvm_vm_check_extension(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_HLT:		/* HLT stays in the kernel with its APIC */
	case KVM_CAP_COALESCED_PIO:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_SREGS2:
		return 1;
	case KVM_CAP_COALESCED_MMIO:	/* where the ring is in the vCPU mapping */
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_XCRS:		/* as KVM: only where the host has XSAVE */
	case KVM_CAP_XSAVE:		/* (KVM_GET/SET_XSAVE work without it, as KVM's) */
		return hcvm_supported_xcr0() != 0;
	case KVM_CAP_XSAVE2:		/* the image's size */
		return hcvm_xsave_uabi_size();
	case KVM_CAP_ADJUST_CLOCK:	/* the flags KVM_GET_CLOCK gives */
		return HCVM_KVMCLOCK_FLAGS;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return HCVM_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return HCVM_MAX_MEMSLOTS;
	case KVM_CAP_IRQ_ROUTING:	/* as KVM: how many routes KVM_SET_GSI_ROUTING takes */
		return HCVM_MAX_ROUTES;
	default:
		return 0;
	}
}

/*
 * The last fd is gone: no ioctl and no vCPU runs. What still delivers to
 * the vCPUs (irqfds, the PIT's and the APICs' timers, which kick vCPUs
 * from interrupt context) is stopped first, each synchronously (a wake-up
 * or timer callback in progress is waited for); only then do the vCPUs go,
 * each leaving vm->vcpus[] before it is freed.
 */
static void vm_destroy(struct hcvm_vm *vm)
{
	struct hcvm_vcpu *vcpu;
	unsigned int i;

	hcvm_stats_vm_removed(vm);	/* waits for debugfs reads of the vCPUs */
	hcvm_eventfds_destroy(vm);
	hcvm_irqchip_stop(vm);
	for (i = 0; i < HCVM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			hcvm_lapic_stop(vm->vcpus[i]);
	for (i = 0; i < HCVM_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		WRITE_ONCE(vm->vcpus[i], NULL);
		if (vcpu)
			hcvm_vcpu_destroy(vcpu);
	}
	hcvm_irqchip_destroy(vm);
	hcvm_coalesced_destroy(&vm->coalesced);
	hcvm_mmu_destroy(&vm->mmu);
	hcvm_apicv_vm_destroy(vm);
	mmdrop(vm->mm);
	kfree(vm);
}

void hcvm_vm_put(struct hcvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		vm_destroy(vm);
}

/*
 * KVM_ENABLE_CAP on the VM. As KVM: flags must be 0; a cap hcvm does not
 * let userspace enable is EINVAL; KVM_CAP_MAX_VCPU_ID may be set once
 * (again only to the same value), and later vCPU ids must stay below it.
 */
static long vm_enable_cap(struct hcvm_vm *vm, const struct kvm_enable_cap *c)
{
	long ret = -EINVAL;

	if (c->flags || c->cap != KVM_CAP_MAX_VCPU_ID || !c->args[0] ||
	    c->args[0] > HCVM_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (!vm->max_vcpu_id || vm->max_vcpu_id == c->args[0]) {
		vm->max_vcpu_id = c->args[0];
		ret = 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static long vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hcvm_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	struct kvm_userspace_memory_region region;
	struct kvm_userspace_memory_region2 region2;
	struct kvm_coalesced_mmio_zone zone;
	struct kvm_enable_cap cap;
	struct kvm_ioeventfd ioeventfd;
	struct kvm_irqfd irqfd;
	u64 addr;

	if (vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case KVM_SET_USER_MEMORY_REGION:
		if (copy_from_user(&region, argp, sizeof(region)))
			return -EFAULT;
		return hcvm_mmu_set_region(&vm->mmu, &region);
	case KVM_SET_USER_MEMORY_REGION2:
		/* The same slot; a guest_memfd flag is refused there as unknown (EINVAL). */
		if (copy_from_user(&region2, argp, sizeof(region2)))
			return -EFAULT;
		region = (struct kvm_userspace_memory_region){
			.slot = region2.slot, .flags = region2.flags,
			.guest_phys_addr = region2.guest_phys_addr,
			.memory_size = region2.memory_size, .userspace_addr = region2.userspace_addr,
		};
		return hcvm_mmu_set_region(&vm->mmu, &region);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		if (copy_from_user(&zone, argp, sizeof(zone)))
			return -EFAULT;
		return hcvm_coalesced_zone(&vm->coalesced, &zone,
					   cmd == KVM_REGISTER_COALESCED_MMIO);
	case KVM_GET_STATS_FD:
		return hcvm_vm_stats_fd(vm);
	case KVM_ENABLE_CAP:
		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return vm_enable_cap(vm, &cap);
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
		return hcvm_kvmclock_ioctl(vm, cmd, argp);
	case KVM_GET_TSC_KHZ:
		/* The guest's TSC runs at the host's: hcvm does not scale it. */
		return tsc_khz ? tsc_khz : -EIO;
	case KVM_CREATE_VCPU:
		return hcvm_create_vcpu(vm, arg);
	case KVM_SET_TSS_ADDR:
		/* Only real mode without unrestricted guest needs the TSS: accepted. */
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		if (copy_from_user(&addr, argp, sizeof(addr)))
			return -EFAULT;
		return 0;
	case KVM_CHECK_EXTENSION:
		return hcvm_vm_check_extension(arg);
	case KVM_IRQFD:
		if (copy_from_user(&irqfd, argp, sizeof(irqfd)))
			return -EFAULT;
		return hcvm_irqfd(vm, &irqfd);
	case KVM_IOEVENTFD:
		if (copy_from_user(&ioeventfd, argp, sizeof(ioeventfd)))
			return -EFAULT;
		return hcvm_ioeventfd(vm, &ioeventfd);
	default:
		return hcvm_irqchip_ioctl(vm, cmd, argp);
	}
}

static int vm_release(struct inode *inode, struct file *file)
{
	hcvm_vm_put(file->private_data);
	return 0;
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vm_release,
	.llseek = noop_llseek,
};

int hcvm_create_vm(unsigned long type)
{
	struct hcvm_vm *vm;
	int ret;

	if (type)
		return -EINVAL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	spin_lock_init(&vm->irqfd_lock);
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->ioeventfds);
	hcvm_kvmclock_init(&vm->kvmclock);
	ret = hcvm_coalesced_init(&vm->coalesced);
	if (ret) {
		kfree(vm);
		return ret;
	}
	ret = hcvm_mmu_init(&vm->mmu, hcvm_caps.ept_vpid & HCVM_EPT_2M, current->mm);
	if (ret) {
		hcvm_coalesced_destroy(&vm->coalesced);
		kfree(vm);
		return ret;
	}
	mmgrab(current->mm);
	vm->mm = current->mm;
	vm->pid = task_pid_nr(current);
	hcvm_stats_vm_added(vm);
	ret = anon_inode_getfd("hcvm-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		vm_destroy(vm);
	return ret;
}
