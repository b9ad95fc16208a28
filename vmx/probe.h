/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_PROBE_H
#define HCVM_VMX_PROBE_H

#include "caps.h"

/* What every CPU's VMX can do; set once by hcvm_probe(), read-only after. */
extern struct hcvm_vmx_caps hcvm_caps;

int hcvm_probe(void);
bool hcvm_cpu_has_vmx(void);
bool hcvm_cpu_caps_match(void);

#endif
