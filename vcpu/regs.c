// SPDX-License-Identifier: GPL-2.0
/*
 * Guest register state behind the KVM_GET/SET_* ioctls, and the rules for
 * writing control registers. Every value from userspace is checked here
 * before it reaches the VMCS; what only the CPU checks (segment consistency)
 * fails the next entry with KVM_EXIT_FAIL_ENTRY, never the host.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include "../vmx/cpuid.h"
#include "../vmx/exits.h"
#include "../vmx/msr.h"
#include "../vmx/probe.h"
#include "../vmx/vmcs.h"
#include "../devices/lapic.h"
#include "events.h"
#include "ioctl.h"
#include "regs.h"
#include "switch.h"
#include "vcpu.h"
#include "vm.h"

#define CR0_RESERVED	(~0ULL << 32 | ~(u64)(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | \
			 X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG))
/* CR4 bits a guest may set: those the CPU allows in VMX, minus VMXE and SMXE. */
#define CR4_GUEST_OK	(hcvm_caps.cr4_fixed1 & ~(X86_CR4_VMXE | X86_CR4_SMXE))

u64 hcvm_read_cr0(struct hcvm_vcpu *vcpu)
{
	u64 mask = vmcs_read(CR0_GUEST_HOST_MASK);

	return (vmcs_read(GUEST_CR0) & ~mask) | (vmcs_read(CR0_READ_SHADOW) & mask);
}

/*
 * CR4 bits the guest may not set exit on MOV to CR4 (the CPU's fixed ones,
 * those its CPUID does not offer); the others are the guest's. Called when
 * the CPUID changes; the read shadow keeps the guest's view.
 */
void hcvm_update_cr4_mask(struct hcvm_vcpu *vcpu)
{
	u64 cr4 = hcvm_read_cr4(vcpu);

	vmcs_write(CR4_GUEST_HOST_MASK, hcvm_caps.cr4_fixed0 |
		   ~(CR4_GUEST_OK & hcvm_guest_cr4_allowed(vcpu)));
	vmcs_write(CR4_READ_SHADOW, cr4);
}

u64 hcvm_read_cr4(struct hcvm_vcpu *vcpu)
{
	u64 mask = vmcs_read(CR4_GUEST_HOST_MASK);

	return (vmcs_read(GUEST_CR4) & ~mask) | (vmcs_read(CR4_READ_SHADOW) & mask);
}

static bool cr0_valid(u64 cr0, u64 cr4, u64 efer)
{
	if (cr0 & CR0_RESERVED)
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	/* Long mode needs PAE paging. */
	if ((cr0 & X86_CR0_PG) && (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return false;
	return true;
}

static bool cr4_valid(struct hcvm_vcpu *vcpu, u64 cr4, u64 efer)
{
	if (cr4 & ~(CR4_GUEST_OK & hcvm_guest_cr4_allowed(vcpu)))
		return false;
	if ((efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return false;
	return true;
}

/* The CPU's CR0 keeps the bits VMX forces (NE); the guest sees its own. */
static void set_guest_cr0(u64 val)
{
	u64 forced = hcvm_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, val | forced);
}

static void set_guest_cr4(u64 val)
{
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, val | hcvm_caps.cr4_fixed0);
}

/*
 * PAE paging with EPT: a VM entry takes the four PDPTEs from the VMCS, not
 * from memory. The guest's own MOV to CR0/CR3/CR4 loads them in hardware;
 * when the paging mode changes through us (an exit we emulate, SET_SREGS),
 * load them as that MOV would: -EINVAL (#GP for the guest) if one is bad.
 * Without @check (SET_SREGS, as KVM) they are loaded as found, and a bad one
 * fails the next entry (KVM_EXIT_FAIL_ENTRY): the CPU checks them there.
 */
/* PAE paging outside long mode: the CPU takes the PDPTEs from the VMCS. */
static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/* A present PDPTE with a reserved bit: the next entry would fail. */
static bool pdptes_valid(const u64 pdpte[4])
{
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) | 0x1e6;
	int i;

	for (i = 0; i < 4; i++)
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			return false;
	return true;
}

static void write_pdptes(const u64 pdpte[4])
{
	int i;

	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
}

static int load_pdptrs(struct hcvm_vcpu *vcpu, u64 cr0, u64 cr4, u64 efer, u64 cr3, bool check)
{
	u64 pdpte[4] = { 0 };

	if (!pae_paging(cr0, cr4, efer))
		return 0;
	if (hcvm_mmu_read(&vcpu->vm->mmu, cr3 & ~0x1fULL, pdpte, sizeof(pdpte)) && check)
		return -EINVAL;
	if (check && !pdptes_valid(pdpte))
		return -EINVAL;
	write_pdptes(pdpte);
	return 0;
}

int hcvm_set_cr0(struct hcvm_vcpu *vcpu, u64 val)
{
	u64 efer = vmcs_read(GUEST_IA32_EFER), old = hcvm_read_cr0(vcpu);

	if (!cr0_valid(val, hcvm_read_cr4(vcpu), efer))
		return -EINVAL;
	if ((val & ~old & X86_CR0_PG) &&
	    load_pdptrs(vcpu, val, hcvm_read_cr4(vcpu), efer, vmcs_read(GUEST_CR3), true))
		return -EINVAL;
	/* Paging switched with LME set: long mode starts or ends (LMA). */
	if ((old ^ val) & X86_CR0_PG && (efer & EFER_LME)) {
		efer = val & X86_CR0_PG ? efer | EFER_LMA : efer & ~EFER_LMA;
		hcvm_set_efer(vcpu, efer);
	}
	set_guest_cr0(val);
	return 0;
}

int hcvm_set_cr4(struct hcvm_vcpu *vcpu, u64 val)
{
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if (!cr4_valid(vcpu, val, efer))
		return -EINVAL;
	if (load_pdptrs(vcpu, hcvm_read_cr0(vcpu), val, efer, vmcs_read(GUEST_CR3), true))
		return -EINVAL;
	set_guest_cr4(val);
	return 0;
}

int hcvm_set_cr3(struct hcvm_vcpu *vcpu, u64 val)
{
	if (load_pdptrs(vcpu, hcvm_read_cr0(vcpu), hcvm_read_cr4(vcpu),
			vmcs_read(GUEST_IA32_EFER), val, true))
		return -EINVAL;
	vmcs_write(GUEST_CR3, val);
	return 0;
}

/* CR8: the in-kernel APIC's TPR, or a plain register with a userspace irqchip. */
u64 hcvm_get_cr8(struct hcvm_vcpu *vcpu)
{
	return vcpu->lapic ? hcvm_lapic_get_cr8(vcpu) : vcpu->cr8;
}

void hcvm_set_cr8(struct hcvm_vcpu *vcpu, u64 val)
{
	if (vcpu->lapic)
		hcvm_lapic_set_cr8(vcpu, val);
	else
		vcpu->cr8 = val;
}

int hcvm_set_xcr0(struct hcvm_vcpu *vcpu, u64 val)
{
	if (!(val & XFEATURE_MASK_FP) || (val & ~hcvm_guest_xcr0_allowed(vcpu)))
		return -EINVAL;
	if ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE))
		return -EINVAL;
	/* AVX-512 state comes all together, and only with AVX. */
	if ((val & XFEATURE_MASK_AVX512) &&
	    ((val & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 || !(val & XFEATURE_MASK_YMM)))
		return -EINVAL;
	vcpu->xcr0 = val;
	return 0;
}

/* --- Segments: struct kvm_segment <-> VMCS fields -------------------------- */

#define SEG_FIELD(seg, base)	((base) + ((seg) - GUEST_ES_SELECTOR))

static void get_segment(struct kvm_segment *s, unsigned long sel)
{
	u32 ar = vmcs_read(SEG_FIELD(sel, GUEST_ES_AR_BYTES));

	s->selector = vmcs_read(sel);
	s->base = vmcs_read(SEG_FIELD(sel, GUEST_ES_BASE));
	s->limit = vmcs_read(SEG_FIELD(sel, GUEST_ES_LIMIT));
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
	s->padding = 0;
}

static void set_segment(const struct kvm_segment *s, unsigned long sel)
{
	u32 ar = (s->type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 | (s->present & 1) << 7 |
		 (s->avl & 1) << 12 | (s->l & 1) << 13 | (s->db & 1) << 14 | (s->g & 1) << 15;

	/* KVM's convention: a not-present segment is unusable to VMX. */
	if (s->unusable || !s->present)
		ar = 1 << 16;
	vmcs_write(sel, s->selector);
	vmcs_write(SEG_FIELD(sel, GUEST_ES_BASE), s->base);
	vmcs_write(SEG_FIELD(sel, GUEST_ES_LIMIT), s->limit);
	vmcs_write(SEG_FIELD(sel, GUEST_ES_AR_BYTES), ar);
}

static const unsigned long seg_sel[] = {
	GUEST_CS_SELECTOR, GUEST_DS_SELECTOR, GUEST_ES_SELECTOR, GUEST_FS_SELECTOR,
	GUEST_GS_SELECTOR, GUEST_SS_SELECTOR, GUEST_TR_SELECTOR, GUEST_LDTR_SELECTOR,
};

static struct kvm_segment *sregs_seg(struct kvm_sregs *s, int i)
{
	struct kvm_segment *segs[] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
				       &s->tr, &s->ldt };
	return segs[i];
}

static int get_sregs(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_sregs *s = arg;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(seg_sel); i++)
		get_segment(sregs_seg(s, i), seg_sel[i]);
	s->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	s->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	s->idt.base = vmcs_read(GUEST_IDTR_BASE);
	s->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	s->cr0 = hcvm_read_cr0(vcpu);
	s->cr2 = vcpu->cr2;
	s->cr3 = vmcs_read(GUEST_CR3);
	s->cr4 = hcvm_read_cr4(vcpu);
	s->efer = vmcs_read(GUEST_IA32_EFER);
	hcvm_get_msr(vcpu, MSR_IA32_APICBASE, &s->apic_base, true);
	s->cr8 = hcvm_get_cr8(vcpu);
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
	if (vcpu->user_irq >= 0)
		s->interrupt_bitmap[vcpu->user_irq / 64] = 1ULL << (vcpu->user_irq % 64);
	return 0;
}

static int set_sregs(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_sregs *s = arg;
	int i;

	/* KVM's rules: LME with paging means LMA and PAE; LMA means exactly that. */
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return -EINVAL;
	} else if (s->efer & EFER_LMA) {
		return -EINVAL;
	}
	if (s->efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX) ||
	    !cr0_valid(s->cr0, s->cr4, s->efer) || !cr4_valid(vcpu, s->cr4, s->efer))
		return -EINVAL;
	if (s->gdt.limit > 0xffff || s->idt.limit > 0xffff || s->cr8 > 0xf)
		return -EINVAL;
	if (vcpu->lapic && hcvm_lapic_set_msr(vcpu, MSR_IA32_APICBASE, s->apic_base, true))
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(seg_sel); i++)
		set_segment(sregs_seg(s, i), seg_sel[i]);
	vmcs_write(GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, s->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, s->idt.limit);
	vcpu->cr2 = s->cr2;
	vmcs_write(GUEST_CR3, s->cr3);
	load_pdptrs(vcpu, s->cr0, s->cr4, s->efer, s->cr3, false);
	hcvm_set_cr8(vcpu, s->cr8);
	/* A userspace irqchip's pending interrupt: the lowest bit set, as KVM. */
	vcpu->user_irq = -1;
	for (i = 0; !vcpu->lapic && i < 256; i++) {
		if (s->interrupt_bitmap[i / 64] & (1ULL << (i % 64))) {
			vcpu->user_irq = i;
			break;
		}
	}
	hcvm_set_efer(vcpu, s->efer);
	set_guest_cr4(s->cr4);
	set_guest_cr0(s->cr0);
	return 0;
}

/*
 * KVM_GET/SET_SREGS2: KVM_GET/SET_SREGS's fields (the same layout up to
 * apic_base) without the interrupt bitmap, which it leaves alone, and with
 * the PDPTEs under PAE paging: saved as the CPU holds them (not reread from
 * guest memory, which may have changed since CR3 was loaded). Given PDPTEs
 * are checked as the CPU would check them at the next entry.
 */
static_assert(offsetof(struct kvm_sregs, interrupt_bitmap) == offsetof(struct kvm_sregs2, flags));

static int get_sregs2(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_sregs2 *s2 = arg;
	struct kvm_sregs s;
	int i;

	get_sregs(vcpu, &s);
	memset(s2, 0, sizeof(*s2));
	memcpy(s2, &s, offsetof(struct kvm_sregs, interrupt_bitmap));
	if (pae_paging(s.cr0, s.cr4, s.efer)) {
		s2->flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
		for (i = 0; i < 4; i++)
			s2->pdptrs[i] = vmcs_read(GUEST_PDPTR0 + 2 * i);
	}
	return 0;
}

static int set_sregs2(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_sregs2 *s2 = arg;
	bool pdptrs = s2->flags & KVM_SREGS2_FLAGS_PDPTRS_VALID;
	struct kvm_sregs s = { 0 };
	int ret;

	if (s2->flags & ~KVM_SREGS2_FLAGS_PDPTRS_VALID)
		return -EINVAL;
	if (pdptrs && (!pae_paging(s2->cr0, s2->cr4, s2->efer) || !pdptes_valid(s2->pdptrs)))
		return -EINVAL;
	memcpy(&s, s2, offsetof(struct kvm_sregs, interrupt_bitmap));
	/* set_sregs() takes the pending interrupt from the bitmap: give it the current one. */
	if (vcpu->user_irq >= 0)
		s.interrupt_bitmap[vcpu->user_irq / 64] = 1ULL << (vcpu->user_irq % 64);
	ret = set_sregs(vcpu, &s);
	if (!ret && pdptrs)
		write_pdptes(s2->pdptrs);
	return ret;
}

/* --- General-purpose registers ------------------------------------------ */

static int get_regs(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_regs *r = arg;
	const u64 *g = vcpu->gprs;

	*r = (struct kvm_regs) {
		.rax = g[HCVM_RAX], .rbx = g[HCVM_RBX], .rcx = g[HCVM_RCX], .rdx = g[HCVM_RDX],
		.rsi = g[HCVM_RSI], .rdi = g[HCVM_RDI], .rbp = g[HCVM_RBP],
		.r8 = g[HCVM_R8], .r9 = g[HCVM_R9], .r10 = g[HCVM_R10], .r11 = g[HCVM_R11],
		.r12 = g[HCVM_R12], .r13 = g[HCVM_R13], .r14 = g[HCVM_R14], .r15 = g[HCVM_R15],
		.rsp = vmcs_read(GUEST_RSP), .rip = vmcs_read(GUEST_RIP),
		.rflags = vmcs_read(GUEST_RFLAGS),
	};
	return 0;
}

static int set_regs(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_regs *r = arg;
	u64 *g = vcpu->gprs;

	g[HCVM_RAX] = r->rax;
	g[HCVM_RBX] = r->rbx;
	g[HCVM_RCX] = r->rcx;
	g[HCVM_RDX] = r->rdx;
	g[HCVM_RSI] = r->rsi;
	g[HCVM_RDI] = r->rdi;
	g[HCVM_RBP] = r->rbp;
	g[HCVM_R8] = r->r8;
	g[HCVM_R9] = r->r9;
	g[HCVM_R10] = r->r10;
	g[HCVM_R11] = r->r11;
	g[HCVM_R12] = r->r12;
	g[HCVM_R13] = r->r13;
	g[HCVM_R14] = r->r14;
	g[HCVM_R15] = r->r15;
	vmcs_write(GUEST_RSP, r->rsp);
	vmcs_write(GUEST_RIP, r->rip);
	vmcs_write(GUEST_RFLAGS, r->rflags | X86_EFLAGS_FIXED);
	/* New registers abandon an instruction waiting for userspace data. */
	vcpu->pending = HCVM_PENDING_NONE;
	return 0;
}

/* --- FPU, XCRs, MP state, events ----------------------------------------- */

static int get_fpu(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_fpu *f = arg;
	struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st_space, sizeof(f->fpr));
	f->fcw = fx->cwd;
	f->fsw = fx->swd;
	f->ftwx = fx->twd;
	f->last_opcode = fx->fop;
	f->last_ip = fx->rip;
	f->last_dp = fx->rdp;
	memcpy(f->xmm, fx->xmm_space, sizeof(f->xmm));
	f->mxcsr = fx->mxcsr;
	return 0;
}

static int set_fpu(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_fpu *f = arg;
	struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;

	/* A bit the CPU lacks would make the FPU restore before the next entry fault. */
	if (f->mxcsr & ~hcvm_host_mxcsr_mask)
		return -EINVAL;
	memcpy(fx->st_space, f->fpr, sizeof(f->fpr));
	fx->cwd = f->fcw;
	fx->swd = f->fsw;
	fx->twd = f->ftwx;
	fx->fop = f->last_opcode;
	fx->rip = f->last_ip;
	fx->rdp = f->last_dp;
	memcpy(fx->xmm_space, f->xmm, sizeof(f->xmm));
	fx->mxcsr = f->mxcsr;
	/*
	 * XRSTOR loads x87 and SSE state only if the header says it is there.
	 * Without XSAVE (noxsave) the state is the 512-byte FXSAVE area alone:
	 * no header follows it.
	 */
	if (cpu_feature_enabled(X86_FEATURE_XSAVE))
		vcpu->fpu.fpstate->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	return 0;
}

static int get_events(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_vcpu_events *e = arg;
	u32 intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	u32 entry = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);

	memset(e, 0, sizeof(*e));
	e->exception.injected = vcpu->exception.pending;
	e->exception.nr = vcpu->exception.vector;
	e->exception.has_error_code = vcpu->exception.has_error;
	e->exception.error_code = vcpu->exception.error;
	if ((entry & INTR_INFO_VALID_MASK) &&
	    (entry & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR) {
		e->interrupt.injected = 1;
		e->interrupt.nr = entry & INTR_INFO_VECTOR_MASK;
	}
	e->interrupt.shadow = intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	e->nmi.masked = !!(intr & GUEST_INTR_STATE_NMI);
	e->nmi.pending = atomic_read(&vcpu->nmi_queued);
	if ((entry & INTR_INFO_VALID_MASK) &&
	    (entry & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		e->nmi.injected = 1;
	e->sipi_vector = vcpu->sipi_vector;
	e->flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING |
		   KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	return 0;
}

static int set_events(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_vcpu_events *e = arg;
	u32 intr;

	if (e->flags & ~(KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SIPI_VECTOR))
		return -EINVAL;
	if (e->exception.injected && (e->exception.nr > 31 || e->exception.nr == 2))
		return -EINVAL;
	if (e->interrupt.injected && e->interrupt.nr < 32)
		return -EINVAL;

	vcpu->exception.pending = e->exception.injected;
	vcpu->exception.vector = e->exception.nr;
	vcpu->exception.has_error = e->exception.has_error_code;
	vcpu->exception.error = e->exception.error_code;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		atomic_set(&vcpu->nmi_queued, min_t(u8, e->nmi.pending, 2));
	if ((e->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR) && vcpu->lapic)
		WRITE_ONCE(vcpu->sipi_vector, e->sipi_vector);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, e->interrupt.injected ?
		   e->interrupt.nr | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK : 0);
	intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & ~GUEST_INTR_STATE_NMI;
	if (e->nmi.masked)
		intr |= GUEST_INTR_STATE_NMI;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		intr = (intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) |
		       (e->interrupt.shadow & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
	return 0;
}

static int get_mp_state(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_mp_state *mp = arg;

	hcvm_events_accept(vcpu);
	mp->mp_state = vcpu->mp_state;
	return 0;
}

static int set_mp_state(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_mp_state *mp = arg;

	switch (mp->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_HALTED:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		if (!vcpu->lapic)
			return -EINVAL;	/* INIT and SIPI come from an in-kernel APIC */
		break;
	case KVM_MP_STATE_SIPI_RECEIVED:
		/* Old userspace's way to start an AP: at the SIPI vector now. */
		if (!vcpu->lapic)
			return -EINVAL;
		vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		hcvm_vcpu_post_sipi(vcpu, vcpu->sipi_vector);
		return 0;
	default:
		return -EINVAL;
	}
	vcpu->mp_state = mp->mp_state;
	if (mp->mp_state == KVM_MP_STATE_HALTED)
		vcpu->halt_if = true;
	return 0;
}

static int get_xcrs(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_xcrs *x = arg;

	memset(x, 0, sizeof(*x));
	x->nr_xcrs = 1;
	x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	x->xcrs[0].value = vcpu->xcr0;
	return 0;
}

static int set_xcrs(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_xcrs *x = arg;
	u32 i;

	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags)
		return -EINVAL;
	for (i = 0; i < x->nr_xcrs; i++)
		if (x->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK ||
		    hcvm_set_xcr0(vcpu, x->xcrs[i].value))
			return -EINVAL;
	return 0;
}

/*
 * The XSAVE image of the guest's FPU, in the kernel's uABI format (legacy
 * area, header, then each feature), as KVM gives it: only features hcvm
 * offers (hcvm_supported_xcr0()), never PKRU (not guest state here). An
 * image for more than those, or with a bad header or MXCSR, is refused by
 * the kernel's own checks before anything is loaded.
 */
static u64 guest_xfeatures(void)
{
	return hcvm_supported_xcr0() | XFEATURE_MASK_FPSSE;
}

static long xsave_out(struct hcvm_vcpu *vcpu, void __user *argp, unsigned int size)
{
	void *buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	long ret = 0;

	if (!buf)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->fpu, buf, size, guest_xfeatures(), 0);
	if (copy_to_user(argp, buf, size))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

/* KVM_GET_XSAVE: the image in struct kvm_xsave, if it fits (else KVM_GET_XSAVE2). */
static long get_xsave(struct hcvm_vcpu *vcpu, void __user *argp)
{
	if (hcvm_xsave_uabi_size() > sizeof(struct kvm_xsave))
		return -EINVAL;
	return xsave_out(vcpu, argp, sizeof(struct kvm_xsave));
}

/* KVM_GET_XSAVE2: the whole image, its size as KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) gave. */
static long get_xsave2(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return xsave_out(vcpu, argp, hcvm_xsave_uabi_size());
}

/*
 * KVM_SET_XSAVE reads the whole image, whichever of the two calls wrote it;
 * the kernel reads no feature beyond it (those outside the XCR0 bits given
 * are refused).
 */
static long set_xsave(struct hcvm_vcpu *vcpu, void __user *argp)
{
	unsigned int size = hcvm_xsave_uabi_size();
	u32 pkru = 0;
	void *buf;
	long ret;

	buf = memdup_user(argp, size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = fpu_copy_uabi_to_guest_fpstate(&vcpu->fpu, buf, guest_xfeatures(), &pkru);
	kfree(buf);
	return ret;
}

static int get_lapic(struct hcvm_vcpu *vcpu, void *arg)
{
	return hcvm_lapic_get_state(vcpu, arg);
}

static int set_lapic(struct hcvm_vcpu *vcpu, void *arg)
{
	return hcvm_lapic_set_state(vcpu, arg);
}

static int interrupt(struct hcvm_vcpu *vcpu, void *arg)
{
	return hcvm_vcpu_interrupt(vcpu, ((struct kvm_interrupt *)arg)->irq);
}

static long get_msrs(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_msrs_ioctl(vcpu, argp, false);
}

static long set_msrs(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_msrs_ioctl(vcpu, argp, true);
}

static long get_cpuid2(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_get_cpuid2(vcpu, argp);
}

static long set_cpuid2(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_set_cpuid2(vcpu, argp);
}

static long nmi(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_vcpu_nmi(vcpu);
}

/* As KVM: no flags, DR6 and DR7 bits 63:32 clear (a MOV to them would #GP). */
static int get_debugregs(struct hcvm_vcpu *vcpu, void *arg)
{
	struct kvm_debugregs *d = arg;
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < 4; i++)
		d->db[i] = hcvm_get_dr(vcpu, i);
	d->dr6 = hcvm_get_dr(vcpu, 6);
	d->dr7 = hcvm_get_dr(vcpu, 7);
	return 0;
}

static int set_debugregs(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_debugregs *d = arg;
	int i;

	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		hcvm_set_dr(vcpu, i, d->db[i]);
	hcvm_set_dr(vcpu, 6, d->dr6);
	hcvm_set_dr(vcpu, 7, d->dr7);
	return 0;
}

/*
 * KVM's TPR-patching "VAPIC" page (KVM_CAP_VAPIC) is not offered; QEMU
 * still clears the address at every APIC reset, and that is what hcvm has.
 */
static int set_vapic_addr(struct hcvm_vcpu *vcpu, void *arg)
{
	const struct kvm_vapic_addr *v = arg;

	return v->vapic_addr ? -EINVAL : 0;
}

/*
 * Without TSC scaling (not offered: no KVM_CAP_TSC_CONTROL) only the host's
 * rate can be set: 0 or within 250 ppm of it, KVM's tolerance. KVM would
 * also take a higher rate by catching the guest's TSC up at each entry.
 */
static long set_tsc_khz(struct hcvm_vcpu *vcpu, void __user *argp)
{
	unsigned long khz = (unsigned long)argp, tol = tsc_khz / 4000;

	if (!tsc_khz)
		return -EIO;
	if (!khz || (khz + tol >= tsc_khz && khz <= tsc_khz + tol))
		return 0;
	return -EINVAL;
}

static long get_stats_fd(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return hcvm_vcpu_stats_fd(vcpu);
}

/* The guest's TSC runs at the host's (no scaling): what KVM_SET_TSC_KHZ would need. */
static long get_tsc_khz(struct hcvm_vcpu *vcpu, void __user *argp)
{
	return tsc_khz ? tsc_khz : -EIO;
}

/*
 * The vCPU ioctls besides KVM_RUN, with what each needs: a need not met
 * fails with KVM's errno before anything is read or touched. A fixed-size
 * argument is copied here by the size its number encodes (zeroed when it
 * is only written back), so a handler (.fn) sees kernel memory only;
 * variable-length ones (.raw) copy their entries themselves.
 */
struct vcpu_ioctl {
	unsigned int cmd;
	enum { ANY, LAPIC, NO_LAPIC } need;
	int err;			/* when the need is not met */
	int (*fn)(struct hcvm_vcpu *vcpu, void *arg);
	long (*raw)(struct hcvm_vcpu *vcpu, void __user *argp);
};

static const struct vcpu_ioctl vcpu_ioctls[] = {
	{ KVM_GET_REGS, .fn = get_regs },
	{ KVM_SET_REGS, .fn = set_regs },
	{ KVM_GET_SREGS, .fn = get_sregs },
	{ KVM_SET_SREGS, .fn = set_sregs },
	{ KVM_GET_SREGS2, .fn = get_sregs2 },
	{ KVM_SET_SREGS2, .fn = set_sregs2 },
	{ KVM_GET_FPU, .fn = get_fpu },
	{ KVM_SET_FPU, .fn = set_fpu },
	{ KVM_GET_XCRS, .fn = get_xcrs },
	{ KVM_SET_XCRS, .fn = set_xcrs },
	{ KVM_GET_XSAVE, .raw = get_xsave },
	{ KVM_GET_XSAVE2, .raw = get_xsave2 },
	{ KVM_SET_XSAVE, .raw = set_xsave },
	{ KVM_GET_MP_STATE, .fn = get_mp_state },
	{ KVM_SET_MP_STATE, .fn = set_mp_state },
	{ KVM_GET_VCPU_EVENTS, .fn = get_events },
	{ KVM_SET_VCPU_EVENTS, .fn = set_events },
	{ KVM_GET_LAPIC, LAPIC, -EINVAL, .fn = get_lapic },
	{ KVM_SET_LAPIC, LAPIC, -EINVAL, .fn = set_lapic },
	/* With the in-kernel irqchip, interrupts come from its devices only. */
	{ KVM_INTERRUPT, NO_LAPIC, -ENXIO, .fn = interrupt },
	{ KVM_NMI, .raw = nmi },
	{ KVM_GET_MSRS, .raw = get_msrs },
	{ KVM_SET_MSRS, .raw = set_msrs },
	{ KVM_GET_CPUID2, .raw = get_cpuid2 },
	{ KVM_SET_CPUID2, .raw = set_cpuid2 },
	{ KVM_GET_TSC_KHZ, .raw = get_tsc_khz },
	{ KVM_GET_STATS_FD, .raw = get_stats_fd },
	{ KVM_SET_TSC_KHZ, .raw = set_tsc_khz },
	{ KVM_GET_DEBUGREGS, .fn = get_debugregs },
	{ KVM_SET_DEBUGREGS, .fn = set_debugregs },
	{ KVM_SET_VAPIC_ADDR, LAPIC, -EINVAL, .fn = set_vapic_addr },
};

long hcvm_vcpu_state_ioctl(struct hcvm_vcpu *vcpu, unsigned int cmd, void __user *argp)
{
	const struct vcpu_ioctl *d;
	void *arg;

	for (d = vcpu_ioctls; d < vcpu_ioctls + ARRAY_SIZE(vcpu_ioctls); d++)
		if (d->cmd == cmd)
			break;
	if (d == vcpu_ioctls + ARRAY_SIZE(vcpu_ioctls))
		return -ENOTTY;
	if ((d->need == LAPIC && !vcpu->lapic) || (d->need == NO_LAPIC && vcpu->lapic))
		return d->err;
	if (d->raw)
		return d->raw(vcpu, argp);
	arg = hcvm_ioctl_arg_in(cmd, argp);
	if (IS_ERR(arg))
		return PTR_ERR(arg);
	return hcvm_ioctl_arg_out(cmd, argp, arg, d->fn(vcpu, arg));
}
