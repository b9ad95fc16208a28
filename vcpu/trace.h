/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm's tracepoints (tracefs events/hcvm/, perf trace -e 'hcvm:*'): each
 * entry and exit of a vCPU, the interrupts it injects, and the MMIO and
 * port I/O it hands to the kernel's devices or to userspace. Their fields
 * are read only while the event is enabled.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hcvm

#if !defined(HCVM_VCPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define HCVM_VCPU_TRACE_H

#include <linux/tracepoint.h>
#include <asm/vmx.h>
#include "../vmx/vmcs.h"

TRACE_EVENT(hcvm_entry,
	TP_PROTO(unsigned int vcpu_id),
	TP_ARGS(vcpu_id),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(u64, rip)
	),
	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->rip = vmcs_read(GUEST_RIP);
	),
	TP_printk("vcpu %u rip %#llx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(hcvm_exit,
	TP_PROTO(unsigned int vcpu_id, u32 reason),
	TP_ARGS(vcpu_id, reason),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(u32, reason)
		__field(u64, rip)
		__field(u64, qual)
	),
	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->rip = vmcs_read(GUEST_RIP);
		__entry->qual = vmcs_read(EXIT_QUALIFICATION);
	),
	TP_printk("vcpu %u reason %u rip %#llx qual %#llx", __entry->vcpu_id,
		  __entry->reason, __entry->rip, __entry->qual)
);

TRACE_EVENT(hcvm_inj_irq,
	TP_PROTO(unsigned int vcpu_id, unsigned int vector, bool nmi),
	TP_ARGS(vcpu_id, vector, nmi),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(unsigned int, vector)
		__field(bool, nmi)
	),
	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
		__entry->nmi = nmi;
	),
	TP_printk("vcpu %u %s %#x", __entry->vcpu_id, __entry->nmi ? "nmi" : "irq",
		  __entry->vector)
);

/* @user: handed to userspace (an exit), else taken by a device in the kernel. */
TRACE_EVENT(hcvm_mmio,
	TP_PROTO(bool write, unsigned int len, u64 gpa, u64 val, bool user),
	TP_ARGS(write, len, gpa, val, user),
	TP_STRUCT__entry(
		__field(bool, write)
		__field(unsigned int, len)
		__field(u64, gpa)
		__field(u64, val)
		__field(bool, user)
	),
	TP_fast_assign(
		__entry->write = write;
		__entry->len = len;
		__entry->gpa = gpa;
		__entry->val = val;
		__entry->user = user;
	),
	TP_printk("%s len %u gpa %#llx val %#llx%s", __entry->write ? "write" : "read",
		  __entry->len, __entry->gpa, __entry->val, __entry->user ? " (userspace)" : "")
);

TRACE_EVENT(hcvm_pio,
	TP_PROTO(bool write, u16 port, unsigned int size, unsigned int count, bool user),
	TP_ARGS(write, port, size, count, user),
	TP_STRUCT__entry(
		__field(bool, write)
		__field(u16, port)
		__field(unsigned int, size)
		__field(unsigned int, count)
		__field(bool, user)
	),
	TP_fast_assign(
		__entry->write = write;
		__entry->port = port;
		__entry->size = size;
		__entry->count = count;
		__entry->user = user;
	),
	TP_printk("%s port %#x size %u count %u%s", __entry->write ? "out" : "in",
		  __entry->port, __entry->size, __entry->count,
		  __entry->user ? " (userspace)" : "")
);

#endif

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
