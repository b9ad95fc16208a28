// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only view of what hcvm did, in debugfs:
 *   hcvm/cpus  one line per present CPU: online, VMX on/off, VMCS revision
 *   hcvm/caps  the capability description the probe made
 * Lines are "key: value" so a test and a person read the same text.
 */
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "apicv.h"
#include "probe.h"
#include "vmxon.h"
#include "../vcpu/stats.h"
#include "../vcpu/switch.h"
#include "state.h"

static struct dentry *hcvm_debugfs;

static int cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_present_cpu(cpu) {
		struct hcvm_pcpu *p = per_cpu_ptr(&hcvm_pcpu, cpu);

		seq_printf(m, "cpu%u: online=%d vmx=%s revision=%#x feature_control=%#llx\n",
			   cpu, cpu_online(cpu), READ_ONCE(p->vmx_on) ? "on" : "off",
			   hcvm_caps.revision_id, p->feat_ctl);
	}
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

static void show_ctl(struct seq_file *m, const char *name, const struct hcvm_ctl_caps *c)
{
	seq_printf(m, "%s: must_be_one=%#010x may_be_one=%#010x\n",
		   name, c->must_be_one, c->may_be_one);
}

static void show_bit(struct seq_file *m, const char *name, bool set)
{
	seq_printf(m, "%s: %s\n", name, set ? "yes" : "no");
}

static int caps_show(struct seq_file *m, void *unused)
{
	const struct hcvm_vmx_caps *c = &hcvm_caps;

	seq_printf(m, "revision_id: %#x\n", c->revision_id);
	seq_printf(m, "vmcs_size: %u\n", c->vmcs_size);
	show_bit(m, "true_controls", c->true_ctls);
	show_ctl(m, "pin_based", &c->pin);
	show_ctl(m, "proc_based", &c->proc);
	show_ctl(m, "proc_based2", &c->proc2);
	show_ctl(m, "exit", &c->exit);
	show_ctl(m, "entry", &c->entry);
	seq_printf(m, "ept_vpid_cap: %#018llx\n", c->ept_vpid);
	seq_printf(m, "misc: %#018llx\n", c->misc);
	seq_printf(m, "cr0_fixed0: %#llx\ncr0_fixed1: %#llx\n", c->cr0_fixed0, c->cr0_fixed1);
	seq_printf(m, "cr4_fixed0: %#llx\ncr4_fixed1: %#llx\n", c->cr4_fixed0, c->cr4_fixed1);
	show_bit(m, "ept", c->proc2.may_be_one & HCVM_PROC2_EPT);
	show_bit(m, "vpid", c->proc2.may_be_one & HCVM_PROC2_VPID);
	show_bit(m, "unrestricted_guest", c->proc2.may_be_one & HCVM_PROC2_UNRESTRICTED);
	show_bit(m, "ept_2m_pages", c->ept_vpid & HCVM_EPT_2M);
	show_bit(m, "ept_1g_pages", c->ept_vpid & HCVM_EPT_1G);
	show_bit(m, "ept_accessed_dirty", c->ept_vpid & HCVM_EPT_AD);
	show_bit(m, "msr_bitmap", c->proc.may_be_one & HCVM_PROC_MSR_BITMAP);
	show_bit(m, "tpr_shadow", c->proc.may_be_one & HCVM_PROC_TPR_SHADOW);
	show_bit(m, "apic_access", c->proc2.may_be_one & HCVM_PROC2_APIC_ACCESS);
	show_bit(m, "x2apic_mode", c->proc2.may_be_one & HCVM_PROC2_X2APIC);
	show_bit(m, "apic_register_virt", c->proc2.may_be_one & HCVM_PROC2_APIC_REG_VIRT);
	show_bit(m, "virtual_intr_delivery", c->proc2.may_be_one & HCVM_PROC2_VINTR_DELIVERY);
	show_bit(m, "posted_interrupts", c->pin.may_be_one & HCVM_PIN_POSTED_INTR);
	show_bit(m, "preemption_timer", c->pin.may_be_one & HCVM_PIN_PREEMPT_TIMER);
	show_bit(m, "pml", c->proc2.may_be_one & HCVM_PROC2_PML);
	/* What hcvm uses of them (apicv.h). */
	show_bit(m, "using_tpr_shadow", hcvm_apicv.tpr_shadow);
	show_bit(m, "using_virtual_intr_delivery", hcvm_apicv.vid);
	show_bit(m, "using_x2apic_virt", hcvm_apicv.x2apic);
	show_bit(m, "using_apic_register_virt", hcvm_apicv.reg_virt);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caps);

static int mitigations_show(struct seq_file *m, void *unused)
{
	hcvm_switch_show_mitigations(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mitigations);

/* debugfs failures are not fatal: the view is for people and tests only. */
void hcvm_state_init(void)
{
	hcvm_debugfs = debugfs_create_dir("hcvm", NULL);
	debugfs_create_file("cpus", 0444, hcvm_debugfs, NULL, &cpus_fops);
	debugfs_create_file("caps", 0444, hcvm_debugfs, NULL, &caps_fops);
	debugfs_create_file("mitigations", 0444, hcvm_debugfs, NULL, &mitigations_fops);
	hcvm_stats_debugfs_init(hcvm_debugfs);
}

void hcvm_state_exit(void)
{
	debugfs_remove_recursive(hcvm_debugfs);
}
