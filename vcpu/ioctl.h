/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-size ioctl arguments, copied by the size the ioctl number encodes:
 * in for _IOW/_IOWR, zeroed for _IOR (nothing of the kernel's leaks through
 * padding), out again for _IOR/_IOWR when the handler succeeded.
 */
#ifndef HCVM_VCPU_IOCTL_H
#define HCVM_VCPU_IOCTL_H

#include <linux/err.h>
#include <linux/ioctl.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static inline void *hcvm_ioctl_arg_in(unsigned int cmd, void __user *argp)
{
	void *arg;

	if (_IOC_DIR(cmd) & _IOC_WRITE)
		return memdup_user(argp, _IOC_SIZE(cmd));
	arg = kzalloc(_IOC_SIZE(cmd), GFP_KERNEL_ACCOUNT);
	return arg ?: ERR_PTR(-ENOMEM);
}

/* Copy @arg back if @ret is 0 and the ioctl returns data; free it; the result. */
static inline long hcvm_ioctl_arg_out(unsigned int cmd, void __user *argp, void *arg, long ret)
{
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(argp, arg, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	kfree(arg);
	return ret;
}

#endif
