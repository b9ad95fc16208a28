/* SPDX-License-Identifier: GPL-2.0 */
/* kvmclock, KVM's paravirtual clock (see kvmclock.c). */
#ifndef HCVM_DEVICES_KVMCLOCK_H
#define HCVM_DEVICES_KVMCLOCK_H

#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct hcvm_vm;
struct hcvm_vcpu;

/* What KVM_GET_CLOCK reports and KVM_SET_CLOCK accepts (KVM_CAP_ADJUST_CLOCK). */
#define HCVM_KVMCLOCK_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)

/* A VM's clock: base_ns at host TSC tsc0, counting at the host's TSC rate. */
struct hcvm_kvmclock {
	spinlock_t lock;	/* base_ns against readers; takes nothing inside */
	u64 tsc0;
	u64 base_ns;		/* moved by KVM_SET_CLOCK */
	u32 mul;		/* TSC cycles to ns, in pvclock's terms */
	s8 shift;
	u32 gen;		/* bumped when base_ns moves: every vCPU rewrites its page */
};

/* A vCPU's side: the MSR its guest (or KVM_SET_MSRS) wrote, and what it last wrote for it. */
struct hcvm_vcpu_kvmclock {
	u64 system_time;	/* MSR_KVM_SYSTEM_TIME(_NEW): GPA | enable */
	u64 wall_clock;		/* MSR_KVM_WALL_CLOCK(_NEW): GPA */
	u32 gen;		/* the VM's gen its page holds */
	bool stale;		/* the MSR or the guest's TSC changed since */
	u32 version;		/* the pvclock page's version field */
};

void hcvm_kvmclock_init(struct hcvm_kvmclock *c);
long hcvm_kvmclock_ioctl(struct hcvm_vm *vm, unsigned int cmd, void __user *argp);
/* The paravirtual CPUID leaves that announce it (KVM_GET_SUPPORTED_CPUID). */
void hcvm_kvmclock_cpuid(u32 leaf, u32 out[4]);
/* Its MSRs: 0 done, -ENOENT not one of them, -EINVAL refused (#GP). */
int hcvm_kvmclock_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data);
int hcvm_kvmclock_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user);
/* The guest's TSC moved: its page must be written again. */
void hcvm_kvmclock_tsc_changed(struct hcvm_vcpu *vcpu);
/* Before an entry, sleepable, when hcvm_kvmclock_stale(): write the vCPU's page. */
void hcvm_kvmclock_update(struct hcvm_vcpu *vcpu);

static inline bool hcvm_kvmclock_stale(struct hcvm_vcpu_kvmclock *k, struct hcvm_kvmclock *c)
{
	return unlikely(k->stale || k->gen != READ_ONCE(c->gen));
}

#endif
