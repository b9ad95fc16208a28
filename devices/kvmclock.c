// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: the paravirtual clock Linux guests prefer where the CPUID's
 * KVM leaves offer it, and the VM clock QEMU saves and restores with
 * KVM_GET/SET_CLOCK.
 *
 * The clock counts nanoseconds at the host's TSC rate from a base: base_ns
 * at host TSC tsc0. The TSC is constant and the same on every host CPU
 * (hcvm needs that: no scaling, no catch-up), so one (tsc0, base_ns) pair
 * serves every vCPU of the VM and each vCPU's page is written only when
 * that pair or its guest's TSC offset changes, never periodically. That
 * is what lets the page claim PVCLOCK_TSC_STABLE_BIT: all vCPUs compute the
 * same time from the same host TSC, so the guest's clock never goes back
 * between vCPUs. The host's clock is not followed (NTP slews it, the TSC
 * does not): like KVM's master clock between updates, the guest's clock
 * runs at the TSC's nominal rate.
 */
#include <linux/ktime.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include "../ept/mmu.h"
#include "../vcpu/events.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/vm.h"
#include "../vmx/cpuid.h"
#include "../vmx/vmcs.h"
#include "kvmclock.h"

#define CLOCK_FLAGS	HCVM_KVMCLOCK_FLAGS
/* KVM_CPUID_FEATURES: both MSR pairs, and the stable bit the page may carry. */
#define FEATURES	(BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_CLOCKSOURCE2) | \
			 BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/*
 * pvclock's scale for @khz: ns = ((cycles << shift, or >> -shift) * mul) >> 32,
 * with mul in [2^31, 2^32) so the product keeps 31 bits of precision.
 */
static void time_scale(u32 khz, u32 *mul, s8 *shift)
{
	u64 num = NSEC_PER_MSEC, den = khz;	/* ns per cycle = num / den */
	s8 s = 0;

	while (num >= den) {
		den <<= 1;
		s++;
	}
	while (2 * num < den) {
		num <<= 1;
		s--;
	}
	*mul = div64_u64(num << 32, den);
	*shift = s;
}

void hcvm_kvmclock_init(struct hcvm_kvmclock *c)
{
	spin_lock_init(&c->lock);
	c->tsc0 = rdtsc();
	c->base_ns = 0;
	time_scale(tsc_khz ?: 1000000, &c->mul, &c->shift);
}

/* The clock at host TSC @tsc, computed exactly as the guest computes it. */
static u64 clock_at(struct hcvm_kvmclock *c, u64 tsc)
{
	struct pvclock_vcpu_time_info t = {
		.tsc_timestamp = c->tsc0, .system_time = c->base_ns,
		.tsc_to_system_mul = c->mul, .tsc_shift = c->shift,
	};

	return __pvclock_read_cycles(&t, tsc);
}

static void kick_vcpus(struct hcvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < HCVM_MAX_VCPUS; i++) {
		struct hcvm_vcpu *v = READ_ONCE(vm->vcpus[i]);

		if (v)
			hcvm_vcpu_kick(v);
	}
}

static long get_clock(struct hcvm_kvmclock *c, struct kvm_clock_data __user *argp)
{
	struct kvm_clock_data d = { .flags = CLOCK_FLAGS };
	unsigned long flags;

	/* One instant for the three readings: no interrupt between them. */
	spin_lock_irqsave(&c->lock, flags);
	d.realtime = ktime_get_real_ns();
	d.host_tsc = rdtsc();
	d.clock = clock_at(c, d.host_tsc);
	spin_unlock_irqrestore(&c->lock, flags);
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

/*
 * As KVM: the flags KVM_GET_CLOCK gave may be passed back; with REALTIME
 * the clock is moved on by the wall time since @realtime (never back).
 */
static long set_clock(struct hcvm_vm *vm, struct kvm_clock_data __user *argp)
{
	struct hcvm_kvmclock *c = &vm->kvmclock;
	struct kvm_clock_data d;
	unsigned long flags;
	u64 now;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags & ~CLOCK_FLAGS)
		return -EINVAL;
	spin_lock_irqsave(&c->lock, flags);
	if (d.flags & KVM_CLOCK_REALTIME) {
		now = ktime_get_real_ns();
		if (now > d.realtime)
			d.clock += now - d.realtime;
	}
	/* Rebase at this instant: the clock reads d.clock now. */
	c->tsc0 = rdtsc();
	c->base_ns = d.clock;
	WRITE_ONCE(c->gen, c->gen + 1);
	spin_unlock_irqrestore(&c->lock, flags);
	/* A vCPU in the guest exits and writes its page before it goes back. */
	kick_vcpus(vm);
	return 0;
}

long hcvm_kvmclock_ioctl(struct hcvm_vm *vm, unsigned int cmd, void __user *argp)
{
	if (cmd == KVM_GET_CLOCK)
		return get_clock(&vm->kvmclock, argp);
	return set_clock(vm, argp);
}

/* KVM_CPUID_SIGNATURE's EBX, ECX, EDX: what guests look for. */
static const char kvm_sig[12] = "KVMKVMKVM\0\0\0";

void hcvm_kvmclock_cpuid(u32 leaf, u32 out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf == KVM_CPUID_SIGNATURE) {
		out[0] = KVM_CPUID_FEATURES;
		memcpy(&out[1], kvm_sig, sizeof(kvm_sig));
	} else if (leaf == KVM_CPUID_FEATURES && boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
		   !check_tsc_unstable()) {
		/* One TSC for all CPUs, at one rate: what the single pair above needs. */
		out[0] = FEATURES;
	}
}

/* The guest may use the MSR pair its CPUID's KVM leaf offers; KVM_SET_MSRS any. */
static bool guest_has(struct hcvm_vcpu *vcpu, int feature)
{
	u32 sig[4], f[4];

	hcvm_guest_cpuid(vcpu, KVM_CPUID_SIGNATURE, 0, sig);
	if (memcmp(&sig[1], kvm_sig, sizeof(kvm_sig)))
		return false;
	hcvm_guest_cpuid(vcpu, KVM_CPUID_FEATURES, 0, f);
	return f[0] & BIT(feature);
}

static int feature_of(u32 index)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_SYSTEM_TIME:
		return KVM_FEATURE_CLOCKSOURCE;
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return KVM_FEATURE_CLOCKSOURCE2;
	}
	return -ENOENT;
}

int hcvm_kvmclock_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data)
{
	if (feature_of(index) < 0)
		return -ENOENT;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW)
		*data = vcpu->kvmclock.wall_clock;
	else
		*data = vcpu->kvmclock.system_time;
	return 0;
}

/*
 * The wall time at which the clock read 0, in the guest's page at @gpa,
 * with pvclock's version protocol (odd while it changes). A page outside
 * guest memory is ignored, as KVM does.
 */
static void write_wall_clock(struct hcvm_vcpu *vcpu, u64 gpa)
{
	struct hcvm_kvmclock *c = &vcpu->vm->kvmclock;
	struct hcvm_mmu *mmu = &vcpu->vm->mmu;
	struct pvclock_wall_clock wc;
	unsigned long flags;
	u32 version;
	u64 ns;

	if (hcvm_mmu_read(mmu, gpa, &version, sizeof(version)))
		return;
	version = (version + 1) | 1;	/* odd */
	if (hcvm_mmu_write(mmu, gpa, &version, sizeof(version)))
		return;
	spin_lock_irqsave(&c->lock, flags);
	ns = ktime_get_real_ns() - clock_at(c, rdtsc());
	spin_unlock_irqrestore(&c->lock, flags);
	wc.version = version;
	wc.nsec = do_div(ns, NSEC_PER_SEC);
	wc.sec = (u32)ns;
	smp_wmb();	/* the odd version before the data (a reader retries) */
	hcvm_mmu_write(mmu, gpa, &wc, sizeof(wc));
	version++;
	smp_wmb();	/* the data before the even version */
	hcvm_mmu_write(mmu, gpa, &version, sizeof(version));
}

int hcvm_kvmclock_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user)
{
	int feature = feature_of(index);

	if (feature < 0)
		return -ENOENT;
	if (!from_user && !guest_has(vcpu, feature))
		return -EINVAL;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW) {
		vcpu->kvmclock.wall_clock = data;
		/* A restored value is only kept: the guest asked for the write when it set it. */
		if (!from_user)
			write_wall_clock(vcpu, data);
		return 0;
	}
	vcpu->kvmclock.system_time = data;
	vcpu->kvmclock.stale = true;
	return 0;
}

void hcvm_kvmclock_tsc_changed(struct hcvm_vcpu *vcpu)
{
	vcpu->kvmclock.stale = true;
}

/*
 * The vCPU's page: the VM's pair, with tsc_timestamp in the guest's TSC
 * (tsc0 plus this vCPU's offset), so the guest's (TSC - tsc_timestamp) is
 * the host's (TSC - tsc0). Written between entries, with the vCPU loaded.
 */
void hcvm_kvmclock_update(struct hcvm_vcpu *vcpu)
{
	struct hcvm_kvmclock *c = &vcpu->vm->kvmclock;
	struct hcvm_vcpu_kvmclock *k = &vcpu->kvmclock;
	struct hcvm_mmu *mmu = &vcpu->vm->mmu;
	struct pvclock_vcpu_time_info t = { 0 };
	u64 gpa = k->system_time & ~1ULL;
	unsigned long flags;

	k->stale = false;
	if (!(k->system_time & 1)) {
		k->gen = READ_ONCE(c->gen);
		return;
	}
	spin_lock_irqsave(&c->lock, flags);
	k->gen = c->gen;
	t.tsc_timestamp = c->tsc0 + vmcs_read(TSC_OFFSET);
	t.system_time = c->base_ns;
	t.tsc_to_system_mul = c->mul;
	t.tsc_shift = c->shift;
	spin_unlock_irqrestore(&c->lock, flags);
	t.flags = PVCLOCK_TSC_STABLE_BIT;
	/* Odd while the page changes: a guest reading it then retries. */
	t.version = k->version = (k->version + 1) | 1;
	if (hcvm_mmu_write(mmu, gpa, &t.version, sizeof(t.version)))
		return;
	smp_wmb();	/* the odd version before the data (a reader retries) */
	hcvm_mmu_write(mmu, gpa, &t, sizeof(t));
	smp_wmb();	/* the data before the even version */
	t.version = ++k->version;
	hcvm_mmu_write(mmu, gpa, &t.version, sizeof(t.version));
}
