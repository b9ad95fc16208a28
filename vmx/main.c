// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm: a VMX hypervisor behind the KVM API.
 *
 * Load order: probe what the CPU can do (refuse early with a clear reason),
 * build the tables every VM shares (MSR bitmap, supported CPUID), turn VMX
 * on in every CPU, then publish /dev/hcvm and the debugfs view.
 * Unload undoes it in reverse. No lock is taken here: module load and unload
 * are serialised by the module loader, CPU hotplug by the hotplug core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/preempt.h>
#include "../devices/eventfd.h"
#include "../vcpu/switch.h"
#include "controls.h"
#include "cpuid.h"
#include "dev.h"
#include "msr.h"
#include "probe.h"
#include "quirks.h"
#include "apicv.h"
#include "state.h"
#include "vmxon.h"

static int __init hcvm_init(void)
{
	int ret;

	ret = hcvm_quirks_init() ?: hcvm_probe() ?: hcvm_controls_init();
	if (ret)
		return ret;
	hcvm_switch_init();
	ret = hcvm_eventfd_init();
	if (ret)
		goto out_switch;
	ret = hcvm_msr_init();
	if (ret)
		goto out_eventfd;
	ret = hcvm_apicv_init();
	if (ret)
		goto out_msr;
	ret = hcvm_cpuid_init();
	if (ret)
		goto out_apicv;
	ret = hcvm_vmxon_all();
	if (ret)
		goto out_cpuid;
	ret = hcvm_dev_init();
	if (ret)
		goto out_vmxoff;
	hcvm_state_init();
	/* vCPUs follow their thread across CPUs with preempt notifiers. */
	preempt_notifier_inc();
	pr_info("VMX enabled on %u CPUs, VMCS revision %#x, APIC %s\n",
		num_online_cpus(), hcvm_caps.revision_id,
		hcvm_apicv.vid ? "virtualized (virtual-interrupt delivery)" :
		hcvm_apicv.tpr_shadow ? "emulated with a TPR shadow" : "emulated");
	return 0;

out_vmxoff:
	hcvm_vmxoff_all();
out_cpuid:
	hcvm_cpuid_exit();
out_apicv:
	hcvm_apicv_exit();
out_msr:
	hcvm_msr_exit();
out_eventfd:
	hcvm_eventfd_exit();
out_switch:
	hcvm_switch_cleanup();
	return ret;
}

static void __exit hcvm_exit(void)
{
	preempt_notifier_dec();
	hcvm_state_exit();
	hcvm_dev_exit();
	hcvm_vmxoff_all();
	hcvm_cpuid_exit();
	hcvm_apicv_exit();
	hcvm_msr_exit();
	hcvm_eventfd_exit();
	hcvm_switch_cleanup();
	pr_info("VMX off, unloaded\n");
}

module_init(hcvm_init);
module_exit(hcvm_exit);
MODULE_DESCRIPTION("hcvm: VMX hypervisor with the KVM API");
MODULE_LICENSE("GPL");
