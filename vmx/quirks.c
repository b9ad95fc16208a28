// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed workarounds, off on silicon. hcvm's tests run on Bochs, which
 * differs from the architecture in two ways hcvm has to care about:
 *  - it takes no VM exit for a host interrupt while the guest runs with
 *    IF=0, so a guest spinning there (on a spinlock whose holder is a
 *    descheduled vCPU of the same host CPU) would keep the host from ever
 *    running the holder: the VMX preemption timer bounds every run instead
 *    (the "guard", controls.c);
 *  - it reports stale IDT-vectoring information after a virtual-interrupt
 *    delivery cut short by an exit (apicv.c hcvm_apicv_vectoring()).
 * A machine cannot tell hcvm reliably that it is Bochs (its CPUID is a
 * real Intel model's), so the test bed says so on the kernel command line:
 * hcvm.emulator=bochs. Elsewhere the architectural path is taken and no run
 * is cut short: on silicon a host interrupt always exits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>
#include "quirks.h"

static char *emulator = "none";
module_param(emulator, charp, 0444);
MODULE_PARM_DESC(emulator, "the emulator hcvm runs on, for its workarounds: none (silicon, or nested KVM) or bochs");

int hcvm_guard_ms = -1;
module_param_named(guard_ms, hcvm_guard_ms, int, 0444);
MODULE_PARM_DESC(guard_ms, "bound in ms on a guest run without an exit (preemption timer); -1: 4 on bochs, else none");

bool hcvm_on_bochs __ro_after_init;

int hcvm_quirks_init(void)
{
	if (!strcmp(emulator, "bochs")) {
		hcvm_on_bochs = true;
	} else if (strcmp(emulator, "none")) {
		pr_err("emulator=%s: not one of none, bochs\n", emulator);
		return -EINVAL;
	}
	if (hcvm_guard_ms < 0)
		hcvm_guard_ms = hcvm_on_bochs ? 4 : 0;
	if (hcvm_guard_ms > 1000) {
		pr_err("guard_ms=%d: at most 1000\n", hcvm_guard_ms);
		return -EINVAL;
	}
	if (hcvm_on_bochs)
		pr_info("Bochs workarounds on (guard %d ms)\n", hcvm_guard_ms);
	return 0;
}
