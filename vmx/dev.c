// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hcvm, the system file of the KVM API: same ioctl numbers and
 * semantics as /dev/kvm for every call both have.
 *
 * It is a character device of its own class rather than a misc device so
 * that devtmpfs can give it a group (module parameter "group"): mode 0600
 * root:root by default, 0660 root:GROUP when a group is given, like the
 * "kvm" group distributions use for /dev/kvm.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/version.h>
#include "../vcpu/vm.h"
#include "cpuid.h"
#include "dev.h"
#include "msr.h"

static int group = -1;
module_param(group, int, 0444);
MODULE_PARM_DESC(group, "group id owning /dev/hcvm, mode 0660 (default -1: root only, mode 0600)");

static kgid_t hcvm_gid;
static dev_t hcvm_devt;
static struct cdev hcvm_cdev;
static struct device *hcvm_device;

static long hcvm_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return hcvm_vm_check_extension(arg);
	case KVM_CREATE_VM:
		return hcvm_create_vm(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* struct kvm_run, the data page of KVM_EXIT_IO, the coalesced MMIO ring. */
		return (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return hcvm_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return hcvm_get_msr_index_list((void __user *)arg,
					       cmd == KVM_GET_MSR_FEATURE_INDEX_LIST);
	case KVM_GET_MSRS:
		return hcvm_msrs_ioctl(NULL, (void __user *)arg, false);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hcvm_dev_fops = {
	.owner = THIS_MODULE,	/* an open file pins the module */
	.unlocked_ioctl = hcvm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* Linux 6.2 made the device const in devnode(). */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
static char *hcvm_devnode(const struct device *dev, umode_t *mode, kuid_t *uid, kgid_t *gid)
#else
static char *hcvm_devnode(struct device *dev, umode_t *mode, kuid_t *uid, kgid_t *gid)
#endif
{
	if (mode)
		*mode = group >= 0 ? 0660 : 0600;
	if (gid && group >= 0)
		*gid = hcvm_gid;
	return NULL;
}

static const struct device_type hcvm_dev_type = {
	.devnode = hcvm_devnode,
};

static struct class hcvm_class = {
	.name = "hcvm",
};

static void hcvm_dev_release(struct device *dev)
{
	kfree(dev);
}

int hcvm_dev_init(void)
{
	struct device *dev;
	int ret;

	if (group < -1 || (group >= 0 && !gid_valid(make_kgid(&init_user_ns, group)))) {
		pr_err("group=%d is not a valid group id\n", group);
		return -EINVAL;
	}
	hcvm_gid = make_kgid(&init_user_ns, group);

	ret = alloc_chrdev_region(&hcvm_devt, 0, 1, "hcvm");
	if (ret)
		return ret;
	ret = class_register(&hcvm_class);
	if (ret)
		goto out_region;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto out_class;
	}
	device_initialize(dev);
	dev->devt = hcvm_devt;
	dev->class = &hcvm_class;
	dev->type = &hcvm_dev_type;
	dev->release = hcvm_dev_release;
	ret = dev_set_name(dev, "hcvm");
	if (ret)
		goto out_put;

	cdev_init(&hcvm_cdev, &hcvm_dev_fops);
	hcvm_cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&hcvm_cdev, dev);
	if (ret)
		goto out_put;
	hcvm_device = dev;
	return 0;

out_put:
	put_device(dev);
out_class:
	class_unregister(&hcvm_class);
out_region:
	unregister_chrdev_region(hcvm_devt, 1);
	return ret;
}

void hcvm_dev_exit(void)
{
	cdev_device_del(&hcvm_cdev, hcvm_device);
	put_device(hcvm_device);
	class_unregister(&hcvm_class);
	unregister_chrdev_region(hcvm_devt, 1);
}
