// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs. Every RDMSR and WRMSR exits (the bitmap is all ones); the
 * handful below are emulated, every other index is #GP for the guest and
 * refused for KVM_GET/SET_MSRS. The list is KVM_GET_MSR_INDEX_LIST's.
 */
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/io.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/vmx.h>
#include "../devices/kvmclock.h"
#include "../devices/lapic.h"
#include "../vcpu/switch.h"
#include "../vcpu/vcpu.h"
#include "cpuid.h"
#include "msr.h"
#include "vmcs.h"

static const u32 emulated[] = {
	MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_FEAT_CTL, MSR_IA32_MISC_ENABLE,
	MSR_IA32_CR_PAT, MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_MTRRcap, MSR_MTRRdefType, MSR_IA32_UCODE_REV,
	MSR_IA32_SPEC_CTRL, MSR_IA32_ARCH_CAPABILITIES,
	MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
};

#define EFER_VALID	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define MAX_IO_MSRS	256

static unsigned long msr_bitmap;

int hcvm_msr_init(void)
{
	msr_bitmap = __get_free_page(GFP_KERNEL);
	if (!msr_bitmap)
		return -ENOMEM;
	memset((void *)msr_bitmap, 0xff, PAGE_SIZE);
	return 0;
}

void hcvm_msr_exit(void)
{
	free_page(msr_bitmap);
}

u64 hcvm_msr_bitmap_pa(void)
{
	return __pa(msr_bitmap);
}

/*
 * Feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS on /dev/hcvm):
 * what a VMM may read before it creates a vCPU, to choose its guests' CPU
 * model. The values are those a new vCPU starts with.
 */
static const u32 feature_msrs[] = { MSR_IA32_ARCH_CAPABILITIES };

static int get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = hcvm_guest_arch_caps;
		return 0;
	default:
		return 1;
	}
}

static long msr_list(struct kvm_msr_list __user *ul, const u32 *idx, u32 n)
{
	struct kvm_msr_list l;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	if (put_user(n, &ul->nmsrs))
		return -EFAULT;
	if (l.nmsrs < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, idx, n * sizeof(*idx)))
		return -EFAULT;
	return 0;
}

long hcvm_get_msr_index_list(struct kvm_msr_list __user *ul, bool features)
{
	if (features)
		return msr_list(ul, feature_msrs, ARRAY_SIZE(feature_msrs));
	return msr_list(ul, emulated, ARRAY_SIZE(emulated));
}

static int switched(u32 index)
{
	switch (index) {
	case MSR_KERNEL_GS_BASE:
		return HCVM_MSR_KERNEL_GS_BASE;
	case MSR_STAR:
		return HCVM_MSR_STAR;
	case MSR_LSTAR:
		return HCVM_MSR_LSTAR;
	case MSR_CSTAR:
		return HCVM_MSR_CSTAR;
	case MSR_SYSCALL_MASK:
		return HCVM_MSR_SFMASK;
	case MSR_TSC_AUX:
		return HCVM_MSR_TSC_AUX;
	default:
		return -1;
	}
}

/*
 * Switch MSR @sw around runs from now on. Until the guest can use an MSR,
 * its (the host's) value may stay: loads and puts stay cheap for guests
 * that never touch it. Preemption off: loaded or not must not change.
 */
static void switch_on(struct hcvm_vcpu *vcpu, int sw)
{
	if (vcpu->msr_used & BIT(sw))
		return;
	if (vcpu->msrs_loaded) {
		rdmsrl(hcvm_switched_msr_index[sw], vcpu->host_msrs[sw]);
		wrmsrl(hcvm_switched_msr_index[sw], vcpu->msr[sw]);
	}
	vcpu->msr_used |= BIT(sw);
}

void hcvm_set_efer(struct hcvm_vcpu *vcpu, u64 efer)
{
	/*
	 * SYSCALL jumps to LSTAR (or CSTAR) without an exit: from EFER.SCE on,
	 * the guest's values must be in the CPU, 0 too, or it would run at the
	 * host's entry point and learn where the host kernel is.
	 */
	if (efer & EFER_SCE) {
		preempt_disable();
		switch_on(vcpu, HCVM_MSR_STAR);
		switch_on(vcpu, HCVM_MSR_LSTAR);
		switch_on(vcpu, HCVM_MSR_CSTAR);
		switch_on(vcpu, HCVM_MSR_SFMASK);
		preempt_enable();
	}
	vmcs_write(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

int hcvm_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data, bool from_user)
{
	int sw = switched(index), ret;

	ret = hcvm_lapic_get_msr(vcpu, index, data);
	if (ret == -ENOENT)
		ret = hcvm_kvmclock_get_msr(vcpu, index, data);
	if (ret != -ENOENT)
		return ret;

	if (sw >= 0) {
		/* SWAPGS changes KERNEL_GS_BASE without an exit: read the live one. */
		preempt_disable();
		if (vcpu->msrs_loaded && (vcpu->msr_used & BIT(sw)))
			rdmsrl(index, vcpu->msr[sw]);
		*data = vcpu->msr[sw];
		preempt_enable();
		return 0;
	}
	switch (index) {
	case MSR_IA32_TSC:
		*data = rdtsc() + vmcs_read(TSC_OFFSET);
		break;
	case MSR_IA32_APICBASE:
		/* The architectural default: xAPIC enabled at 0xfee00000. */
		*data = 0xfee00000 | BIT(11) | (vcpu->id == 0 ? BIT(8) : 0);
		break;
	case MSR_IA32_FEAT_CTL:
		*data = FEAT_CTL_LOCKED;	/* locked, no VMX for the guest */
		break;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		break;
	case MSR_IA32_CR_PAT:
		*data = vmcs_read(GUEST_IA32_PAT);
		break;
	case MSR_EFER:
		*data = vmcs_read(GUEST_IA32_EFER);
		break;
	case MSR_FS_BASE:
		*data = vmcs_read(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		*data = vmcs_read(GUEST_GS_BASE);
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = vmcs_read(GUEST_SYSENTER_CS);
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmcs_read(GUEST_SYSENTER_ESP);
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmcs_read(GUEST_SYSENTER_EIP);
		break;
	case MSR_MTRRcap:
		*data = 0;		/* no variable or fixed MTRRs */
		break;
	case MSR_MTRRdefType:
		*data = vcpu->mtrr_def_type;
		break;
	case MSR_IA32_UCODE_REV:
		*data = 0;
		break;
	case MSR_IA32_SPEC_CTRL:
		if (!from_user && !hcvm_guest_spec_ctrl_bits(vcpu, false))
			return -EINVAL;
		*data = vcpu->spec_ctrl;
		break;
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = vcpu->arch_caps;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static bool is_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

/* Is each byte of @pat a valid memory type (0, 1, 4, 5, 6, 7)? */
static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

int hcvm_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user)
{
	int sw = switched(index), ret;

	ret = hcvm_lapic_set_msr(vcpu, index, data, from_user);
	if (ret == -ENOENT)
		ret = hcvm_kvmclock_set_msr(vcpu, index, data, from_user);
	if (ret != -ENOENT)
		return ret;

	if (sw >= 0) {
		if (index != MSR_STAR && index != MSR_SYSCALL_MASK && index != MSR_TSC_AUX &&
		    !is_canonical(data))
			return -EINVAL;
		/* Bits the CPU reserves would fault the WRMSR that loads them. */
		if ((index == MSR_TSC_AUX || index == MSR_SYSCALL_MASK) && data >> 32)
			return -EINVAL;
		/* Loaded or not must not change under us (see vcpu_sched_out). */
		preempt_disable();
		vcpu->msr[sw] = data;
		if (vcpu->msr_used & BIT(sw)) {
			if (vcpu->msrs_loaded)
				wrmsrl(index, data);
		} else {
			switch_on(vcpu, sw);
		}
		preempt_enable();
		return 0;
	}
	switch (index) {
	case MSR_IA32_TSC:
		vmcs_write(TSC_OFFSET, data - rdtsc());
		hcvm_kvmclock_tsc_changed(vcpu);
		break;
	case MSR_IA32_APICBASE:
	case MSR_IA32_UCODE_REV:
		break;			/* accepted, no effect */
	case MSR_IA32_FEAT_CTL:
		if (!from_user)
			return -EINVAL;	/* locked */
		break;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return -EINVAL;
		vmcs_write(GUEST_IA32_PAT, data);
		break;
	case MSR_EFER: {
		u64 old = vmcs_read(GUEST_IA32_EFER);
		bool paging = vmcs_read(GUEST_CR0) & X86_CR0_PG;

		if (data & ~EFER_VALID)
			return -EINVAL;
		/* LME cannot change under paging; LMA is the CPU's to set. */
		if (!from_user) {
			if (paging && ((data ^ old) & EFER_LME))
				return -EINVAL;
			data = (data & ~EFER_LMA) | (old & EFER_LMA);
		}
		hcvm_set_efer(vcpu, data);
		break;
	}
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!is_canonical(data))
			return -EINVAL;
		vmcs_write(index == MSR_FS_BASE ? GUEST_FS_BASE :
			   index == MSR_GS_BASE ? GUEST_GS_BASE :
			   index == MSR_IA32_SYSENTER_ESP ? GUEST_SYSENTER_ESP :
			   GUEST_SYSENTER_EIP, data);
		break;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write(GUEST_SYSENTER_CS, data & 0xffff);
		break;
	case MSR_MTRRdefType:
		if (data & ~0xcffULL)
			return -EINVAL;
		vcpu->mtrr_def_type = data;
		break;
	case MSR_IA32_SPEC_CTRL:
		/* Loaded at each entry (switch.c): only bits the CPU has. */
		if ((!from_user && !hcvm_guest_spec_ctrl_bits(vcpu, false)) ||
		    (data & ~hcvm_guest_spec_ctrl_bits(vcpu, from_user)))
			return -EINVAL;
		vcpu->spec_ctrl = data;
		break;
	case MSR_IA32_PRED_CMD:
		/* Write-only, and only for the guest: it is a command to this CPU. */
		if (from_user || !hcvm_guest_has_ibpb(vcpu) || (data & ~PRED_CMD_IBPB))
			return -EINVAL;
		if (data)
			native_wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
		break;
	case MSR_IA32_FLUSH_CMD:
		if (from_user || !hcvm_guest_has_flush_l1d(vcpu) || (data & ~L1D_FLUSH))
			return -EINVAL;
		if (data)
			native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		break;
	case MSR_IA32_ARCH_CAPABILITIES:
		/* Read-only for the guest; userspace may offer less (as with KVM). */
		if (!from_user || (data & ~hcvm_guest_arch_caps))
			return -EINVAL;
		vcpu->arch_caps = data;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

long hcvm_msrs_ioctl(struct hcvm_vcpu *vcpu, struct kvm_msrs __user *um, bool set)
{
	struct kvm_msr_entry __user *ue = um->entries;
	struct kvm_msr_entry e;
	struct kvm_msrs m;
	u32 i;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs > MAX_IO_MSRS)
		return -E2BIG;
	/* Like KVM: the count done, stopping at the first MSR refused. */
	for (i = 0; i < m.nmsrs; i++) {
		if (copy_from_user(&e, &ue[i], sizeof(e)))
			return -EFAULT;
		if (set) {
			if (hcvm_set_msr(vcpu, e.index, e.data, true))
				break;
		} else {
			if (vcpu ? hcvm_get_msr(vcpu, e.index, &e.data, true) :
				   get_feature_msr(e.index, &e.data))
				break;
			if (copy_to_user(&ue[i].data, &e.data, sizeof(e.data)))
				return -EFAULT;
		}
	}
	return i;
}
