/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtual CPU: its VMCS, the guest state the VMCS does not hold, and what
 * an exit to userspace left to finish on the next KVM_RUN.
 *
 * The VMCS is loaded lazily, as KVM does: it stays current on the last CPU
 * that ran the vCPU (kept on that CPU's list of loaded VMCSs) and is cleared
 * there by IPI only when the vCPU moves, or by the CPU-offline callback.
 */
#ifndef HCVM_VCPU_VCPU_H
#define HCVM_VCPU_VCPU_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include "../devices/kvmclock.h"
#include "decode.h"
#include "stats.h"

struct hcvm_vm;
struct hcvm_lapic;

/* Guest general-purpose registers, in the x86 encoding order. */
enum hcvm_gpr {
	HCVM_RAX, HCVM_RCX, HCVM_RDX, HCVM_RBX, HCVM_RSP, HCVM_RBP, HCVM_RSI, HCVM_RDI,
	HCVM_R8, HCVM_R9, HCVM_R10, HCVM_R11, HCVM_R12, HCVM_R13, HCVM_R14, HCVM_R15,
	HCVM_NR_GPRS
};

/* MSRs the guest can set that the CPU does not switch for us: loaded around a run. */
enum hcvm_switched_msr {
	HCVM_MSR_KERNEL_GS_BASE, HCVM_MSR_STAR, HCVM_MSR_LSTAR, HCVM_MSR_CSTAR,
	HCVM_MSR_SFMASK, HCVM_MSR_TSC_AUX,
	HCVM_NR_SWITCHED_MSRS
};

/* Work an exit to userspace leaves for the next KVM_RUN. */
enum hcvm_pending {
	HCVM_PENDING_NONE,
	HCVM_PENDING_PIO_IN,	/* copy run->io data into RAX or guest memory */
	HCVM_PENDING_MMIO_READ,	/* copy run->mmio.data into the destination register */
};

struct hcvm_vcpu {
	struct hcvm_vm *vm;
	unsigned int id;
	struct hcvm_vcpu_stats stats;	/* KVM_GET_STATS_FD (stats.c) */
	struct mutex mutex;
	struct kvm_run *run;		/* page 0 of the vCPU mmap */
	u8 *pio_data;			/* page 1: data of KVM_EXIT_IO */

	void *vmcs;
	int cpu;			/* the CPU where the VMCS is loaded, or -1 */
	struct list_head loaded_link;	/* on hcvm_pcpu.loaded_vmcss of that CPU */
	bool launched;
	bool ran;			/* KVM_RUN was called: the CPUID is fixed */
	u16 vpid;
	struct preempt_notifier pn;
	unsigned long host_cr3, host_cr4;	/* as last written to the VMCS */
	/* The host's state while the guest's is loaded (switch.c). */
	u64 host_msrs[HCVM_NR_SWITCHED_MSRS];
	struct hcvm_host_state {
		u16 ds, es, fs, gs, ldt;
		u64 debugctl;
	} host;
	bool msrs_loaded;		/* the guest's state is loaded */

	u64 gprs[HCVM_NR_GPRS];	/* RSP is unused: it lives in the VMCS */
	unsigned long cr2;
	u64 xcr0;
	u64 dr[4], dr6;
	bool dr7_active;		/* the guest's DR7 enables a breakpoint: load DR0-3 */
	bool l1d_flush_due;		/* host work since the last entry (switch.c) */
	u64 msr[HCVM_NR_SWITCHED_MSRS];
	/*
	 * Bit per switched MSR to load around runs: KERNEL_GS_BASE (SWAPGS
	 * reaches it without an exit) and TSC_AUX (RDTSCP reads it) always,
	 * the SYSCALL MSRs once the guest sets them.
	 */
	u32 msr_used;
	u64 misc_enable, mtrr_def_type;
	struct hcvm_vcpu_kvmclock kvmclock;	/* devices/kvmclock.c */
	u64 spec_ctrl;			/* IA32_SPEC_CTRL while the guest runs */
	u64 arch_caps;			/* IA32_ARCH_CAPABILITIES as the guest reads it */
	struct fpu_guest fpu;
	struct kvm_cpuid_entry2 *cpuid;
	unsigned int nr_cpuid;
	u32 mp_state;
	u64 cr8;			/* TPR without an in-kernel APIC */

	/* Interrupts and SMP (events.h). */
	struct hcvm_lapic *lapic;	/* with an in-kernel irqchip */
	int mode;			/* HCVM_IN_GUEST / HCVM_OUTSIDE_GUEST */
	unsigned long events;		/* HCVM_EV_* posted by other CPUs */
	u8 sipi_vector;
	atomic_t nmi_queued;
	struct rcuwait wait;		/* a halted or waiting vCPU sleeps here */
	bool halt_if;			/* EFLAGS.IF at the HLT */
	int user_irq;			/* KVM_INTERRUPT vector to inject, or -1 */
	u32 exec_ctrl;			/* CPU_BASED_VM_EXEC_CONTROL as written */
	u32 exec_ctrl2;			/* SECONDARY_VM_EXEC_CONTROL as written */
	/* The CPU's APIC virtualization (vmx/apicv.c), as last set up. */
	int apicv_mode;			/* enum hcvm_apicv_mode */
	u32 tpr_threshold;
	unsigned int level_gen;		/* the irqchip's level vectors the EOI exits follow */
	u32 entry_intr_info;		/* VM_ENTRY_INTR_INFO_FIELD at the last entry */
	u32 entry_svi;			/* SVI at the last entry */
	u32 exit_vectoring;		/* the event the last exit cut short, or 0 */

	/* An exception to inject at the next entry. */
	struct {
		bool pending;
		u8 vector;
		bool has_error;
		u32 error;
	} exception;

	enum hcvm_pending pending;
	struct hcvm_mmio_insn mmio;
	struct {
		u8 size;
		u32 count;
		bool string;
		bool rep;
		u64 mask;		/* address-size mask for RSI/RDI/RCX */
		int step;		/* +size or -size per element (EFLAGS.DF) */
	} pio;
	u64 next_rip;			/* RIP after the instruction in progress */
};

/* entry.S: run the guest until a VM exit (0) or a failed entry (1). */
int hcvm_vmx_enter(u64 *gprs, bool launched);
/* entry.S: where a VM exit lands (HOST_RIP). */
void hcvm_vmx_exit(void);

int hcvm_create_vcpu(struct hcvm_vm *vm, unsigned long id);
void hcvm_vcpu_destroy(struct hcvm_vcpu *vcpu);

/* Make the vCPU's VMCS current on this CPU (and keep it so across preemption). */
void hcvm_vcpu_load(struct hcvm_vcpu *vcpu);
void hcvm_vcpu_put(struct hcvm_vcpu *vcpu);
/* CPU offline: clear every VMCS still loaded there. */
void hcvm_vcpu_clear_cpu(unsigned int cpu);

#endif
