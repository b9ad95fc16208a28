// SPDX-License-Identifier: GPL-2.0
/* The tracepoints of trace.h, defined once here. */
#include <linux/types.h>
#include <asm/vmx.h>
#include "../vmx/vmcs.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
