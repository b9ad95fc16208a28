/* SPDX-License-Identifier: GPL-2.0 */
/* KVM's binary statistics (KVM_GET_STATS_FD) of VMs and vCPUs (see stats.c). */
#ifndef HCVM_VCPU_STATS_H
#define HCVM_VCPU_STATS_H

#include <linux/types.h>

struct hcvm_vm;
struct hcvm_vcpu;

/* Basic exit reasons counted one by one (the SDM's, up to TDCALL, 77). */
#define HCVM_STATS_EXIT_REASONS	78

/*
 * Counted by the vCPU's own thread only; read by stats fds at any time
 * (each u64 whole on x86-64, so a reader sees an old or a new value).
 */
struct hcvm_vcpu_stats {
	u64 exits;
	u64 halt_wakeups;	/* HLT ended by an interrupt or NMI */
	u64 irq_injections;	/* injected by VM entry; the CPU's own delivery is not seen */
	u64 nmi_injections;
	u64 guest_cycles;	/* TSC ticks between entry and exit */
	u64 exit_reason[HCVM_STATS_EXIT_REASONS];	/* a linear histogram, bucket 1 */
};

static inline void hcvm_stats_count_exit(struct hcvm_vcpu_stats *s, u16 basic)
{
	s->exits++;
	if (basic < HCVM_STATS_EXIT_REASONS)
		s->exit_reason[basic]++;
}

/*
 * debugfs hcvm/vms/: a directory per VM and vCPU with their stats files
 * (the stats fd's format). Failures are not fatal: debugfs is for tools.
 * A VM's directory goes first thing at its end (hcvm_stats_vm_removed).
 */
struct dentry;
void hcvm_stats_debugfs_init(struct dentry *parent);
void hcvm_stats_vm_added(struct hcvm_vm *vm);
void hcvm_stats_vcpu_added(struct hcvm_vcpu *vcpu);
void hcvm_stats_vm_removed(struct hcvm_vm *vm);

/* KVM_GET_STATS_FD on a VM or a vCPU: a new read-only fd, or -errno. */
int hcvm_vm_stats_fd(struct hcvm_vm *vm);
int hcvm_vcpu_stats_fd(struct hcvm_vcpu *vcpu);

#endif
