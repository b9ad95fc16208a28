/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_VMXON_H
#define HCVM_VMX_VMXON_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/types.h>

/* hcvm's state on one host CPU. Written only on that CPU with interrupts off. */
struct hcvm_pcpu {
	struct page *vmxon_region;
	u64 feat_ctl;		/* IA32_FEATURE_CONTROL as VMXON found it */
	bool vmx_on;
	struct list_head loaded_vmcss;	/* vCPUs whose VMCS is active here */
	void *current_vmcs;		/* the one VMPTRLD made current */
};

DECLARE_PER_CPU(struct hcvm_pcpu, hcvm_pcpu);

int hcvm_vmxon_all(void);
void hcvm_vmxoff_all(void);

#endif
