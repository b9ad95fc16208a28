// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit dispatch and the exits handled in the kernel: CPUID, MSRs, XSETBV,
 * control- and debug-register moves, HLT, VMX instructions, triple fault, EPT
 * violations. Port I/O and MMIO are in vcpu/io.c.
 */
#include <linux/kernel.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/vmx.h>
#include "../vcpu/events.h"
#include "../vcpu/io.h"
#include "../vcpu/regs.h"
#include "../vcpu/trace.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/vm.h"
#include "apicv.h"
#include "cpuid.h"
#include "exits.h"
#include "msr.h"
#include "vmcs.h"

void hcvm_queue_exception(struct hcvm_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu->exception.pending = true;
	vcpu->exception.vector = vector;
	vcpu->exception.has_error = has_error;
	vcpu->exception.error = error;
}

void hcvm_inject_pending(struct hcvm_vcpu *vcpu)
{
	u32 info;

	if (!vcpu->exception.pending)
		return;
	info = vcpu->exception.vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;
	/* Real mode delivers no error code; asking for one fails the entry. */
	if (vcpu->exception.has_error && (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		/*
		 * KVM's ABI takes 32 bits (AMD makes such codes); VMX takes 16 and
		 * fails the entry otherwise: drop the upper half, as KVM does.
		 */
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, (u16)vcpu->exception.error);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	vcpu->exception.pending = false;
}

void hcvm_skip_instruction(struct hcvm_vcpu *vcpu)
{
	u32 shadow = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	/* The instruction completed: STI and MOV SS shadows end with it. */
	if (shadow & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   shadow & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

int hcvm_internal_error(struct hcvm_vcpu *vcpu, u32 suberror, u64 data0)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 2;
	run->internal.data[0] = data0;
	run->internal.data[1] = vmcs_read(GUEST_RIP);
	return 0;
}

static int gp(struct hcvm_vcpu *vcpu)
{
	hcvm_queue_exception(vcpu, X86_TRAP_GP, true, 0);
	return 1;
}

static int ud(struct hcvm_vcpu *vcpu)
{
	hcvm_queue_exception(vcpu, X86_TRAP_UD, false, 0);
	return 1;
}

/* The instruction is emulated (or a no-op): step over it. */
static int done(struct hcvm_vcpu *vcpu)
{
	hcvm_skip_instruction(vcpu);
	return 1;
}

static int handle_nothing(struct hcvm_vcpu *vcpu)
{
	return 1;	/* external interrupt or NMI: the host took it already */
}

/*
 * Intercepted exceptions (EXCEPTION_BITMAP, controls.c). #AC and #DB are
 * intercepted so that a guest cannot make their delivery fault again
 * forever inside the CPU, where no host interrupt ends it (CVE-2015-5307,
 * CVE-2015-8104): each delivery is an exit here, and the run loop sees
 * signals and rescheduling between them. Both are given back to the guest.
 * #MC was handled by the host's handler before interrupts came back on
 * (vcpu.c); an NMI belongs to the host and was raised again there.
 */
#define DR6_BD		BIT(13)	/* a debug-register access with DR7.GD set */

static int handle_exception(struct hcvm_vcpu *vcpu)
{
	u32 info = vmcs_read(VM_EXIT_INTR_INFO), vectoring;
	u8 vector = info & INTR_INFO_VECTOR_MASK;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	unsigned long q;
	u64 dr7;
	int i;

	if (!(info & INTR_INFO_VALID_MASK) || type == INTR_TYPE_NMI_INTR || vector == X86_TRAP_MC)
		return 1;
	/*
	 * Raised while an interrupt or NMI was being delivered: that event is
	 * re-injected (requeue_vectoring()) and raises this one again if it
	 * still must. Over another exception, a benign #AC or #DB replaces it.
	 */
	vectoring = vmcs_read(IDT_VECTORING_INFO_FIELD);
	if ((vectoring & VECTORING_INFO_VALID_MASK) &&
	    (vectoring & VECTORING_INFO_TYPE_MASK) != INTR_TYPE_HARD_EXCEPTION)
		return 1;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);

	switch (vector) {
	case X86_TRAP_AC:
		/* An alignment check the guest asked for; else the host's split-lock detection. */
		if ((hcvm_read_cr0(vcpu) & X86_CR0_AM) &&
		    (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC) &&
		    ((vmcs_read(GUEST_CS_AR_BYTES) >> 5) & 3) == 3) {
			hcvm_queue_exception(vcpu, X86_TRAP_AC, true, 0);
			return 1;
		}
		if (handle_guest_split_lock(vmcs_read(GUEST_RIP)))
			return 1;
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, info);
	case X86_TRAP_DB:
		/* The CPU leaves DR6 alone: its new bits are in the qualification. */
		q = vmcs_read(EXIT_QUALIFICATION);
		vcpu->dr6 = (vcpu->dr6 & ~(u64)(DR_TRAP_BITS | DR_STEP)) |
			    (q & (DR_TRAP_BITS | DR_STEP | DR6_BD));
		/* ICEBP (INT1) traps: the guest's handler returns after it. */
		if (type == INTR_TYPE_PRIV_SW_EXCEPTION)
			hcvm_skip_instruction(vcpu);
		/* An instruction breakpoint is a fault: RF lets the instruction run on return. */
		dr7 = vmcs_read(GUEST_DR7);
		for (i = 0; i < 4; i++)
			if ((q & BIT(i)) && !((dr7 >> (16 + 4 * i)) & 3))
				vmcs_set_bits(GUEST_RFLAGS, X86_EFLAGS_RF);
		hcvm_queue_exception(vcpu, X86_TRAP_DB, false, 0);
		return 1;
	default:
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, info);
	}
}

static int handle_triple_fault(struct hcvm_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

static int handle_cpuid(struct hcvm_vcpu *vcpu)
{
	u32 out[4];

	hcvm_guest_cpuid(vcpu, vcpu->gprs[HCVM_RAX], vcpu->gprs[HCVM_RCX], out);
	vcpu->gprs[HCVM_RAX] = out[0];
	vcpu->gprs[HCVM_RBX] = out[1];
	vcpu->gprs[HCVM_RCX] = out[2];
	vcpu->gprs[HCVM_RDX] = out[3];
	return done(vcpu);
}

static int handle_rdmsr(struct hcvm_vcpu *vcpu)
{
	u64 data;

	if (hcvm_get_msr(vcpu, vcpu->gprs[HCVM_RCX], &data, false))
		return gp(vcpu);
	vcpu->gprs[HCVM_RAX] = (u32)data;
	vcpu->gprs[HCVM_RDX] = data >> 32;
	return done(vcpu);
}

static int handle_wrmsr(struct hcvm_vcpu *vcpu)
{
	u64 data = (u32)vcpu->gprs[HCVM_RAX] | vcpu->gprs[HCVM_RDX] << 32;

	if (hcvm_set_msr(vcpu, vcpu->gprs[HCVM_RCX], data, false))
		return gp(vcpu);
	return done(vcpu);
}

static int handle_xsetbv(struct hcvm_vcpu *vcpu)
{
	u64 v = (u32)vcpu->gprs[HCVM_RAX] | vcpu->gprs[HCVM_RDX] << 32;

	if ((u32)vcpu->gprs[HCVM_RCX] != XCR_XFEATURE_ENABLED_MASK || hcvm_set_xcr0(vcpu, v))
		return gp(vcpu);
	return done(vcpu);
}

/* General-purpose register @reg of a MOV CR/DR: RSP lives in the VMCS. */
static u64 gpr_get(struct hcvm_vcpu *vcpu, int reg)
{
	return reg == HCVM_RSP ? vmcs_read(GUEST_RSP) : vcpu->gprs[reg];
}

static void gpr_set(struct hcvm_vcpu *vcpu, int reg, u64 val)
{
	if (reg == HCVM_RSP)
		vmcs_write(GUEST_RSP, val);
	else
		vcpu->gprs[reg] = val;
}

/* CR8 is the APIC's TPR: never the host's, so every move exits. */
static int cr8_access(struct hcvm_vcpu *vcpu, bool read, int reg)
{
	u64 val;

	if (read) {
		gpr_set(vcpu, reg, hcvm_get_cr8(vcpu));
		return done(vcpu);
	}
	val = gpr_get(vcpu, reg);
	if (val & ~0xfULL)
		return gp(vcpu);
	hcvm_set_cr8(vcpu, val);
	return done(vcpu);
}

/* Control-register moves the guest may not do alone (owned bits, CR3 if forced). */
static int handle_cr(struct hcvm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val = gpr_get(vcpu, reg);
	u64 cr0 = hcvm_read_cr0(vcpu);

	if (cr == 8 && type < 2)
		return cr8_access(vcpu, type == 1, reg);
	switch (type) {
	case 0:		/* MOV to CR */
		if (cr != 0 && cr != 3 && cr != 4)
			return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, q);
		if ((cr == 0 && hcvm_set_cr0(vcpu, val)) || (cr == 3 && hcvm_set_cr3(vcpu, val)) ||
		    (cr == 4 && hcvm_set_cr4(vcpu, val)))
			return gp(vcpu);
		break;
	case 1:		/* MOV from CR: CR3 only */
		if (cr != 3)
			return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, q);
		gpr_set(vcpu, reg, vmcs_read(GUEST_CR3));
		break;
	case 2:		/* CLTS */
		if (hcvm_set_cr0(vcpu, cr0 & ~X86_CR0_TS))
			return gp(vcpu);
		break;
	case 3:		/* LMSW: loads PE, MP, EM, TS; cannot clear PE */
		val = (cr0 & ~0xeULL) | ((q >> 16) & 0xf) | (cr0 & X86_CR0_PE);
		if (hcvm_set_cr0(vcpu, val))
			return gp(vcpu);
		break;
	}
	return done(vcpu);
}

/*
 * Debug registers: kept per vCPU so a guest reads back what it wrote; DR7
 * lives in the VMCS (loaded and saved by the CPU). DR0-3 are loaded around
 * runs while DR7 enables a breakpoint (vcpu/switch.c); DR6 is the vCPU's,
 * updated from #DB exits.
 */
u64 hcvm_get_dr(struct hcvm_vcpu *vcpu, int dr)
{
	return dr < 4 ? vcpu->dr[dr] : dr == 6 ? vcpu->dr6 : vmcs_read(GUEST_DR7);
}

void hcvm_set_dr(struct hcvm_vcpu *vcpu, int dr, u64 val)
{
	if (dr < 4) {
		vcpu->dr[dr] = val;
	} else if (dr == 6) {
		vcpu->dr6 = (val & 0xf00f) | 0xffff0ff0;
	} else {
		vmcs_write(GUEST_DR7, (val & 0xffff2bff) | 0x400);
		vcpu->dr7_active = val & 0xff;
	}
}

static int handle_dr(struct hcvm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	int dr = q & 7, reg = (q >> 8) & 15;
	bool from = q & BIT(4);
	u64 val = 0;

	if (dr == 4 || dr == 5) {
		if (vmcs_read(GUEST_CR4) & X86_CR4_DE)
			return ud(vcpu);
		dr += 2;
	}
	if (from) {
		gpr_set(vcpu, reg, hcvm_get_dr(vcpu, dr));
	} else {
		val = gpr_get(vcpu, reg);
		if (dr >= 6 && val >> 32)
			return gp(vcpu);
		hcvm_set_dr(vcpu, dr, val);
	}
	return done(vcpu);
}

static int handle_ept_violation(struct hcvm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int ret;

	/* The faulting access undid an IRET's NMI unblocking: redo it. */
	if ((q & BIT(12)) && !(vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		vmcs_set_bits(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);

	ret = hcvm_mmu_fault(&vcpu->vm->mmu, gpa, q & EPT_VIOLATION_ACC_WRITE);
	if (ret == HCVM_MMU_MMIO && hcvm_apicv_map_access_page(vcpu, gpa))
		return 1;	/* the access, again, now virtualized */
	if (ret == HCVM_MMU_MMIO) {
		/*
		 * The access was the delivery's (a gate, a stack frame), not the
		 * instruction's at RIP: nothing to emulate (KVM says the same).
		 */
		if (vcpu->exit_vectoring)
			return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV, gpa);
		if (q & EPT_VIOLATION_ACC_INSTR)
			return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, gpa);
		return hcvm_emulate_mmio(vcpu, gpa);
	}
	return ret ? ret : 1;
}

typedef int (*exit_handler)(struct hcvm_vcpu *vcpu);

static const exit_handler handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_nothing,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL] = handle_nothing,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = hcvm_handle_hlt,
	[EXIT_REASON_INTERRUPT_WINDOW] = hcvm_handle_irq_window,
	[EXIT_REASON_NMI_WINDOW] = hcvm_handle_nmi_window,
	[EXIT_REASON_INVD] = done,
	[EXIT_REASON_RDPMC] = gp,
	[EXIT_REASON_VMCALL] = ud,
	[EXIT_REASON_VMCLEAR] = ud,
	[EXIT_REASON_VMLAUNCH] = ud,
	[EXIT_REASON_VMPTRLD] = ud,
	[EXIT_REASON_VMPTRST] = ud,
	[EXIT_REASON_VMREAD] = ud,
	[EXIT_REASON_VMRESUME] = ud,
	[EXIT_REASON_VMWRITE] = ud,
	[EXIT_REASON_VMOFF] = ud,
	[EXIT_REASON_VMON] = ud,
	[EXIT_REASON_CR_ACCESS] = handle_cr,
	[EXIT_REASON_DR_ACCESS] = handle_dr,
	[EXIT_REASON_IO_INSTRUCTION] = hcvm_handle_io,
	[EXIT_REASON_MSR_READ] = handle_rdmsr,
	[EXIT_REASON_MSR_WRITE] = handle_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION] = ud,
	[EXIT_REASON_MONITOR_INSTRUCTION] = ud,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = hcvm_handle_tpr_below_threshold,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_nothing,	/* the guard (controls.c) */
	[EXIT_REASON_EOI_INDUCED] = hcvm_handle_eoi_induced,
	[EXIT_REASON_APIC_ACCESS] = hcvm_handle_apic_access,
	[EXIT_REASON_APIC_WRITE] = hcvm_handle_apic_write,
	[EXIT_REASON_INVEPT] = ud,
	[EXIT_REASON_INVVPID] = ud,
	[EXIT_REASON_WBINVD] = done,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_VMFUNC] = ud,
};

/* An event whose delivery the exit interrupted is delivered again. */
static void requeue_vectoring(struct hcvm_vcpu *vcpu)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);

	vcpu->exit_vectoring = 0;
	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	info = hcvm_apicv_vectoring(vcpu, info);
	if (!info)
		return;
	vcpu->exit_vectoring = info;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESVD_BITS_MASK);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read(IDT_VECTORING_ERROR_CODE));
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

int hcvm_handle_exit(struct hcvm_vcpu *vcpu, u32 reason)
{
	u16 basic = reason;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
		vcpu->run->fail_entry.cpu = vcpu->cpu;
		return 0;
	}
	hcvm_stats_count_exit(&vcpu->stats, basic);
	trace_hcvm_exit(vcpu->id, reason);
	requeue_vectoring(vcpu);
	/* Handled by the MMU or by emulation: host memory at large was read (switch.c). */
	if (basic == EXIT_REASON_EPT_VIOLATION || basic == EXIT_REASON_EPT_MISCONFIG ||
	    basic == EXIT_REASON_APIC_ACCESS || basic == EXIT_REASON_IO_INSTRUCTION)
		vcpu->l1d_flush_due = true;
	if (basic < ARRAY_SIZE(handlers) && handlers[basic])
		return handlers[basic](vcpu);
	return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, reason);
}
