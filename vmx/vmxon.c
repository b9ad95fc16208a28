// SPDX-License-Identifier: GPL-2.0
/*
 * VMX on and off on every host CPU. A CPU-hotplug state runs VMXON on each
 * online CPU at load and on each CPU that comes online later, and VMXOFF on a
 * CPU going offline and on all of them at unload. If any CPU fails, the
 * hotplug core rolls back the ones already done, so a failed load leaves
 * every CPU as it was (except that an unlocked IA32_FEATURE_CONTROL stays
 * locked with VMX enabled, as KVM leaves it: the lock holds until reset).
 *
 * Leaving VMX on the way down: an orderly reboot or kexec runs the reboot
 * notifier; a crash or an emergency reboot cannot, so the kernel calls one
 * registered callback on every CPU instead (from NMI context). That hook has
 * room for one hypervisor: kvm_intel registers its own when it loads and
 * WARNs if the slot is taken, so hcvm gives the slot up while a KVM vendor
 * module is coming or loaded (kvm_intel then fails to turn VMX on, finds
 * VMX on here and its own callback would do the VMXOFF anyway).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include "insn.h"
#include "probe.h"
#include "vmxon.h"
#include "../vcpu/vcpu.h"

DEFINE_PER_CPU(struct hcvm_pcpu, hcvm_pcpu);

static enum cpuhp_state hcvm_hp_state;

/* FEATURE_CONTROL must allow VMX outside SMX; lock it so if firmware did not. */
static int feature_control_allow_vmx(struct hcvm_pcpu *p)
{
	u64 v;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &v))
		v = 0;
	switch (hcvm_vmx_usable(hcvm_cpu_has_vmx(), v)) {
	case HCVM_VMX_ABSENT:
		return -EOPNOTSUPP;
	case HCVM_VMX_LOCKED_OFF:
		return -EPERM;
	case HCVM_VMX_NEEDS_LOCK:
		v |= HCVM_FEAT_CTL_LOCKED | HCVM_FEAT_CTL_VMX_OUTSIDE_SMX;
		if (wrmsrl_safe(MSR_IA32_FEAT_CTL, v))
			return -EIO;
		break;
	case HCVM_VMX_USABLE:
		break;
	}
	p->feat_ctl = v;
	return 0;
}

/* Runs on the CPU itself with interrupts off. */
static int vmx_on_this_cpu(struct hcvm_pcpu *p, struct page *region)
{
	unsigned int cpu = smp_processor_id();
	unsigned long cr4;
	int ret;

	ret = feature_control_allow_vmx(p);
	if (ret) {
		pr_err("CPU %u: VMX is not available (%d)\n", cpu, ret);
		return ret;
	}
	/* CR4.VMXE set means someone else, e.g. kvm_intel, did VMXON here. */
	cr4 = cr4_read_shadow();
	if (cr4 & X86_CR4_VMXE) {
		pr_err("CPU %u: VMX is already in use by another hypervisor (is kvm_intel loaded?)\n",
		       cpu);
		return -EBUSY;
	}
	if (!hcvm_cpu_caps_match()) {
		pr_err("CPU %u: VMX capabilities differ from the boot CPU's\n", cpu);
		return -EIO;
	}
	if (!hcvm_cr_fixed_ok(read_cr0(), hcvm_caps.cr0_fixed0, hcvm_caps.cr0_fixed1) ||
	    !hcvm_cr_fixed_ok(cr4 | X86_CR4_VMXE, hcvm_caps.cr4_fixed0, hcvm_caps.cr4_fixed1)) {
		pr_err("CPU %u: host CR0/CR4 do not meet the VMX fixed bits\n", cpu);
		return -EIO;
	}

	*(u32 *)page_address(region) = hcvm_caps.revision_id;
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (hcvm_vmxon(page_to_phys(region))) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		pr_err("CPU %u: VMXON failed\n", cpu);
		return -EIO;
	}
	/* Drop any translation a previous VMX user left tagged in the TLBs. */
	hcvm_invept(HCVM_INV_ALL_CONTEXT, 0);
	hcvm_invvpid(HCVM_INV_ALL_CONTEXT, 0, 0);
	p->vmxon_region = region;
	INIT_LIST_HEAD(&p->loaded_vmcss);
	p->current_vmcs = NULL;
	WRITE_ONCE(p->vmx_on, true);
	return 0;
}

/* Runs on the CPU itself with interrupts off; a no-op if VMX is already off. */
static void vmx_off_this_cpu(void *unused)
{
	struct hcvm_pcpu *p = this_cpu_ptr(&hcvm_pcpu);

	if (!p->vmx_on)
		return;
	/* VMXOFF leaves active VMCSs in an undefined state: clear them first. */
	hcvm_vcpu_clear_cpu(smp_processor_id());
	if (hcvm_vmxoff())
		pr_err("CPU %u: VMXOFF failed\n", smp_processor_id());
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	WRITE_ONCE(p->vmx_on, false);
}

/* Hotplug callbacks: called in process context on the CPU concerned. */
static int hcvm_cpu_online(unsigned int cpu)
{
	struct hcvm_pcpu *p = per_cpu_ptr(&hcvm_pcpu, cpu);
	unsigned long flags;
	struct page *region;
	int ret;

	region = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!region)
		return -ENOMEM;
	local_irq_save(flags);
	ret = vmx_on_this_cpu(p, region);
	local_irq_restore(flags);
	if (ret)
		__free_page(region);
	return ret;
}

static int hcvm_cpu_offline(unsigned int cpu)
{
	struct hcvm_pcpu *p = per_cpu_ptr(&hcvm_pcpu, cpu);
	unsigned long flags;

	local_irq_save(flags);
	vmx_off_this_cpu(NULL);
	local_irq_restore(flags);
	if (p->vmxon_region) {
		__free_page(p->vmxon_region);
		p->vmxon_region = NULL;
	}
	return 0;
}

/*
 * VMX root operation blocks INIT, which a reboot may use to restart the other
 * CPUs: leave VMX everywhere first. The regions are freed later, at offline.
 */
static int hcvm_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	on_each_cpu(vmx_off_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hcvm_reboot_nb = {
	.notifier_call = hcvm_reboot,
};

/*
 * The crash and emergency-reboot callback: on each CPU, interrupts off,
 * maybe in NMI context with this CPU's state half-updated. Nothing to lock;
 * VMCLEAR and VMXOFF faults are caught (insn.h), as when VMX was off already.
 */
static void hcvm_emergency_vmxoff(void)
{
	struct hcvm_pcpu *p = this_cpu_ptr(&hcvm_pcpu);

	if (!READ_ONCE(p->vmx_on) || !(__read_cr4() & X86_CR4_VMXE))
		return;
	hcvm_vcpu_clear_cpu(smp_processor_id());
	hcvm_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	WRITE_ONCE(p->vmx_on, false);
}

/* Lock order: emergency_lock is taken alone (under the module notifier chain's rwsem). */
static DEFINE_MUTEX(emergency_lock);
static bool emergency_registered;
static int kvm_vendors;		/* KVM vendor modules coming or loaded */

/*
 * Register the callback while hcvm has VMX on (@active) and no KVM vendor
 * module is around. A vendor module loaded before hcvm (with
 * kvm.enable_virt_at_load=0, so hcvm could turn VMX on) is not seen here:
 * its first VM would then hit the kernel's WARN about the taken slot.
 */
static void emergency_update(int kvm_delta, bool active)
{
	bool want;

	mutex_lock(&emergency_lock);
	kvm_vendors = max(kvm_vendors + kvm_delta, 0);
	want = active && !kvm_vendors;
	if (want && !emergency_registered)
		cpu_emergency_register_virt_callback(hcvm_emergency_vmxoff);
	else if (!want && emergency_registered)
		cpu_emergency_unregister_virt_callback(hcvm_emergency_vmxoff);
	emergency_registered = want;
	mutex_unlock(&emergency_lock);
}

static int hcvm_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "kvm_intel") && strcmp(mod->name, "kvm_amd"))
		return NOTIFY_DONE;
	if (state == MODULE_STATE_COMING)
		emergency_update(1, true);
	else if (state == MODULE_STATE_GOING)
		emergency_update(-1, true);
	return NOTIFY_OK;
}

static struct notifier_block hcvm_module_nb = {
	.notifier_call = hcvm_module_event,
};

int hcvm_vmxon_all(void)
{
	int ret;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hcvm:online",
				hcvm_cpu_online, hcvm_cpu_offline);
	if (ret < 0)
		return ret;
	hcvm_hp_state = ret;
	register_reboot_notifier(&hcvm_reboot_nb);
	register_module_notifier(&hcvm_module_nb);
	emergency_update(0, true);
	return 0;
}

void hcvm_vmxoff_all(void)
{
	unregister_module_notifier(&hcvm_module_nb);
	emergency_update(0, false);	/* waits out a callback running */
	unregister_reboot_notifier(&hcvm_reboot_nb);
	cpuhp_remove_state(hcvm_hp_state);
}
