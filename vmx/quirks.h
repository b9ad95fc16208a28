/* SPDX-License-Identifier: GPL-2.0 */
/* Workarounds for emulators the test bed runs on (see quirks.c). */
#ifndef HCVM_VMX_QUIRKS_H
#define HCVM_VMX_QUIRKS_H

#include <linux/types.h>

/* Running on Bochs (hcvm.emulator=bochs): its known deviations are worked around. */
extern bool hcvm_on_bochs;
/* How long a guest may run without an exit, in ms (the preemption-timer guard); 0: no bound. */
extern int hcvm_guard_ms;

int hcvm_quirks_init(void);

#endif
