// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what hcvm can offer a guest (KVM_GET_SUPPORTED_CPUID, the host's
 * CPUID minus what hcvm does not virtualise) and what a guest sees (the
 * table userspace set with KVM_SET_CPUID2, exact lookups, zeros elsewhere).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>
#include <asm/vmx.h>
#include "../devices/kvmclock.h"
#include "../vcpu/regs.h"
#include "../vcpu/vcpu.h"
#include "controls.h"
#include "cpuid.h"
#include "vmcs.h"

#define MAX_ENTRIES	256	/* KVM's limit for a CPUID table */
#define MAX_BASIC	0xd
#define MAX_EXT		0x80000008

/* Bits kept, per register, of each leaf offered; leaves not listed are offered as 0. */
struct leaf_mask {
	u32 leaf;
	u32 mask[4];		/* EAX EBX ECX EDX */
};

static const struct leaf_mask offered[] = {
	{ 0x0, { ~0u, ~0u, ~0u, ~0u } },
	/*
	 * ECX: SSE3 PCLMUL SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE
	 * AVX F16C RDRAND. EDX: all but APIC, DS, ACPI, HTT, TM, PBE. The local
	 * APIC bits (APIC, x2APIC, TSC-deadline) are added below: the APIC is
	 * emulated (devices/lapic.c), whatever the host has.
	 */
	{ 0x1, { ~0u, ~0u, 0x76d83203, 0x0f8ffdff } },
	{ 0x2, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x4, { ~0u, ~0u, ~0u, ~0u } },
	/*
	 * FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS INVPCID RDSEED ADX SMAP CLFLUSHOPT CLWB SHA.
	 * EDX, what a guest needs to mitigate for itself (vmx/msr.c): MD_CLEAR
	 * (VERW clears buffers), IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES
	 * (emulated: offered below whatever the host has), SSBD.
	 */
	{ 0x7, { ~0u, 0x219c07a9, 0, BIT(10) | BIT(26) | BIT(27) | BIT(28) | BIT(31) } },
	{ 0xb, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000000, { ~0u, ~0u, ~0u, ~0u } },
	/* LAHF ABM PREFETCHW; SYSCALL NX PDPE1GB RDTSCP LM. */
	{ 0x80000001, { ~0u, 0, 0x00000121, 0x2c100800 } },
	{ 0x80000002, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000003, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000004, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000006, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000008, { 0xffff, 0, 0, 0 } },
};

static struct kvm_cpuid_entry2 *supported;
static unsigned int nr_supported;
static u64 supported_xcr0;

u64 hcvm_supported_xcr0(void)
{
	return supported_xcr0;
}

static const struct leaf_mask *find_mask(u32 leaf)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offered); i++)
		if (offered[i].leaf == leaf)
			return &offered[i];
	return NULL;
}

static void add(u32 leaf, u32 index, u32 flags)
{
	const struct leaf_mask *m = find_mask(leaf);
	struct kvm_cpuid_entry2 *e;
	u32 r[4];

	if (!m || nr_supported == MAX_ENTRIES)
		return;
	cpuid_count(leaf, index, &r[0], &r[1], &r[2], &r[3]);
	e = &supported[nr_supported++];
	*e = (struct kvm_cpuid_entry2) {
		.function = leaf, .index = index, .flags = flags,
		.eax = r[0] & m->mask[0], .ebx = r[1] & m->mask[1],
		.ecx = r[2] & m->mask[2], .edx = r[3] & m->mask[3],
	};

	switch (leaf) {
	case 0x0:
		e->eax = min_t(u32, e->eax, MAX_BASIC);
		break;
	case 0x1:
		/*
		 * What the kernel turned off (noxsave, and with it AVX/FMA/F16C;
		 * clearcpuid=) stays off for the guest: the raw bit would offer
		 * an XSAVE that CR4.OSXSAVE then refuses.
		 */
		e->ecx &= boot_cpu_data.x86_capability[CPUID_1_ECX];
		e->edx &= boot_cpu_data.x86_capability[CPUID_1_EDX];
		e->ecx |= BIT(31);	/* running under a hypervisor */
		e->ecx |= BIT(21) | BIT(24);	/* x2APIC, TSC-deadline timer */
		e->edx |= BIT(9);	/* APIC */
		break;
	case 0x7:
		if (!(hcvm_controls.proc2 & SECONDARY_EXEC_ENABLE_INVPCID))
			e->ebx &= ~BIT(10);
		if (index) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		} else {
			e->eax = 0;	/* only subleaf 0 is offered */
			e->ebx &= boot_cpu_data.x86_capability[CPUID_7_0_EBX];
			e->edx &= boot_cpu_data.x86_capability[CPUID_7_EDX];
			e->edx |= BIT(29);	/* ARCH_CAPABILITIES */
		}
		break;
	case 0xd:
		if (index == 0) {
			e->eax &= supported_xcr0;
			e->edx &= supported_xcr0 >> 32;
		} else if (index == 1) {
			e->eax &= 0x7;	/* XSAVEOPT XSAVEC XGETBV1; no XSAVES */
			e->ebx = e->ecx = e->edx = 0;
		} else if (!(supported_xcr0 & BIT_ULL(index))) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0x80000000:
		e->eax = min_t(u32, e->eax, MAX_EXT);
		break;
	case 0x80000001:
		e->ecx &= boot_cpu_data.x86_capability[CPUID_8000_0001_ECX];
		e->edx &= boot_cpu_data.x86_capability[CPUID_8000_0001_EDX];
		if (!(hcvm_controls.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP))
			e->edx &= ~BIT(27);
		break;
	case 0x80000008:
		/* Guest-physical addresses stop at the EPT's 48 bits. */
		e->eax = (e->eax & 0xff00) | min_t(u32, e->eax & 0xff, 48);
		break;
	}
}

int hcvm_cpuid_init(void)
{
	u32 max_basic = min_t(u32, cpuid_eax(0), MAX_BASIC);
	u32 max_ext = min_t(u32, cpuid_eax(0x80000000), MAX_EXT);
	u32 leaf, i, a, b, c, d;

	supported = kcalloc(MAX_ENTRIES, sizeof(*supported), GFP_KERNEL);
	if (!supported)
		return -ENOMEM;
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		supported_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK) &
				 (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512);

	for (leaf = 0; leaf <= max_basic; leaf++) {
		switch (leaf) {
		case 0x4:	/* cache parameters: subleaves until type 0 */
			for (i = 0; i < 8; i++) {
				cpuid_count(4, i, &a, &b, &c, &d);
				if (!(a & 0x1f))
					break;
				add(leaf, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			}
			break;
		case 0x7:
		case 0xb:
			for (i = 0; i < (leaf == 0x7 ? 1 : 2); i++)
				add(leaf, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			break;
		case 0xd:
			for (i = 0; i < 8; i++)
				add(leaf, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			break;
		default:
			add(leaf, 0, 0);
		}
	}
	for (leaf = 0x80000000; leaf <= max_ext; leaf++)
		add(leaf, 0, 0);
	/* The KVM leaves, for kvmclock (devices/kvmclock.c). */
	for (leaf = KVM_CPUID_SIGNATURE; leaf <= KVM_CPUID_FEATURES; leaf++) {
		if (nr_supported == MAX_ENTRIES)
			break;
		supported[nr_supported].function = leaf;
		hcvm_kvmclock_cpuid(leaf, &supported[nr_supported++].eax);
	}
	return 0;
}

void hcvm_cpuid_exit(void)
{
	kfree(supported);
}

long hcvm_get_supported_cpuid(struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < nr_supported)
		return -E2BIG;
	c.nent = nr_supported;
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, supported, nr_supported * sizeof(*supported)))
		return -EFAULT;
	return 0;
}

long hcvm_set_cpuid2(struct hcvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > MAX_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		e = memdup_array_user(uc->entries, c.nent, sizeof(*e));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/* As KVM since 5.16: once the vCPU ran, its CPUID may only be set again unchanged. */
	if (vcpu->ran && (c.nent != vcpu->nr_cpuid ||
			  (c.nent && memcmp(e, vcpu->cpuid, c.nent * sizeof(*e))))) {
		kfree(e);
		return -EBUSY;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->nr_cpuid = c.nent;
	hcvm_update_cr4_mask(vcpu);	/* the CR4 bits the guest may own follow it */
	return 0;
}

long hcvm_get_cpuid2(struct hcvm_vcpu *vcpu, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < vcpu->nr_cpuid)
		return -E2BIG;
	c.nent = vcpu->nr_cpuid;
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, vcpu->cpuid, c.nent * sizeof(*vcpu->cpuid)))
		return -EFAULT;
	return 0;
}

static const struct kvm_cpuid_entry2 *guest_entry(struct hcvm_vcpu *vcpu, u32 leaf, u32 index)
{
	unsigned int i;

	for (i = 0; i < vcpu->nr_cpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == leaf &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

bool hcvm_guest_has_xsave(struct hcvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = guest_entry(vcpu, 1, 0);

	return supported_xcr0 && e && (e->ecx & BIT(X86_FEATURE_XSAVE & 31));
}

/* Feature @bit of register @reg (0-3: EAX-EDX) of leaf (@leaf, 0): the guest's and hcvm's. */
static bool offers(struct hcvm_vcpu *vcpu, u32 leaf, int reg, int bit)
{
	const struct kvm_cpuid_entry2 *e = guest_entry(vcpu, leaf, 0);
	unsigned int i;

	if (!e || !((&e->eax)[reg] & BIT(bit)))
		return false;
	for (i = 0; i < nr_supported; i++)
		if (supported[i].function == leaf && !supported[i].index)
			return (&supported[i].eax)[reg] & BIT(bit);
	return false;
}

u64 hcvm_guest_cr4_allowed(struct hcvm_vcpu *vcpu)
{
	/* Features every x86-64 CPU has; the rest only with the guest's CPUID bit. */
	u64 ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
		 X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR |
		 X86_CR4_OSXMMEXCPT;

	if (offers(vcpu, 1, 2, 17))
		ok |= X86_CR4_PCIDE;
	if (hcvm_guest_has_xsave(vcpu))
		ok |= X86_CR4_OSXSAVE;
	if (offers(vcpu, 7, 1, 0))
		ok |= X86_CR4_FSGSBASE;
	if (offers(vcpu, 7, 1, 7))
		ok |= X86_CR4_SMEP;
	if (offers(vcpu, 7, 1, 20))
		ok |= X86_CR4_SMAP;
	if (offers(vcpu, 7, 2, 2))
		ok |= X86_CR4_UMIP;
	if (offers(vcpu, 7, 2, 3))
		ok |= X86_CR4_PKE;	/* never today: PKRU is not switched */
	if (offers(vcpu, 7, 2, 16))
		ok |= X86_CR4_LA57;
	return ok;
}

/*
 * IA32_SPEC_CTRL bits the guest may set: those its CPUID offers that the
 * host's SPEC_CTRL has (a bit the CPU lacks would fault the WRMSR at entry).
 * Userspace (@from_user) may set any the host has, as with KVM.
 */
u64 hcvm_guest_spec_ctrl_bits(struct hcvm_vcpu *vcpu, bool from_user)
{
	u64 ok = 0;

	if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		return 0;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL) && (from_user || offers(vcpu, 7, 3, 26)))
		ok |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_STIBP) && (from_user || offers(vcpu, 7, 3, 27)))
		ok |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD) && (from_user || offers(vcpu, 7, 3, 31)))
		ok |= SPEC_CTRL_SSBD;
	return ok;
}

bool hcvm_guest_has_ibpb(struct hcvm_vcpu *vcpu)
{
	return boot_cpu_has(X86_FEATURE_IBPB) && offers(vcpu, 7, 3, 26);
}

bool hcvm_guest_has_flush_l1d(struct hcvm_vcpu *vcpu)
{
	return boot_cpu_has(X86_FEATURE_FLUSH_L1D) && offers(vcpu, 7, 3, 28);
}

u64 hcvm_guest_xcr0_allowed(struct hcvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = guest_entry(vcpu, 0xd, 0);

	if (!e)
		return XFEATURE_MASK_FP;
	return ((e->eax | (u64)e->edx << 32) & supported_xcr0) | XFEATURE_MASK_FP;
}

/* Bytes of XSAVE area for the features in @xcr0 (CPUID.(0xd,0).EBX). */
static u32 xsave_size(u64 xcr0)
{
	u32 size = 512 + 64, i, a, b, c, d;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		size = max(size, a + b);
	}
	return size;
}

u32 hcvm_xsave_uabi_size(void)
{
	return max_t(u32, sizeof(struct kvm_xsave), xsave_size(supported_xcr0));
}

void hcvm_guest_cpuid(struct hcvm_vcpu *vcpu, u32 leaf, u32 index, u32 out[4])
{
	const struct kvm_cpuid_entry2 *e = guest_entry(vcpu, leaf, index);

	out[0] = out[1] = out[2] = out[3] = 0;
	if (!e)
		return;
	out[0] = e->eax;
	out[1] = e->ebx;
	out[2] = e->ecx;
	out[3] = e->edx;
	if (leaf == 0x1) {
		out[1] = (out[1] & 0x00ffffff) | vcpu->id << 24;	/* initial APIC ID */
		out[2] &= ~BIT(27);
		if (vmcs_read(CR4_READ_SHADOW) & X86_CR4_OSXSAVE)
			out[2] |= BIT(27);
	} else if (leaf == 0xd && index == 0) {
		out[1] = xsave_size(vcpu->xcr0);
	}
}
