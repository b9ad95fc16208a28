// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects and their fd: creation, the KVM_RUN loop, VMCS residency
 * across CPUs, and the host state switched around guest execution.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include "../devices/lapic.h"
#include "../vmx/apicv.h"
#include "../vmx/controls.h"
#include "../vmx/exits.h"
#include "../vmx/insn.h"
#include "../vmx/probe.h"
#include "../vmx/vmcs.h"
#include "../vmx/vmxon.h"
#include "events.h"
#include "io.h"
#include "regs.h"
#include "switch.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"

static DEFINE_IDA(vpid_ida);

/* --- VMCS residency ------------------------------------------------------ */

/* On the CPU holding the VMCS, interrupts off: VMCLEAR it there. */
static void vmcs_clear_here(void *arg)
{
	struct hcvm_vcpu *vcpu = arg;
	struct hcvm_pcpu *p = this_cpu_ptr(&hcvm_pcpu);

	if (vcpu->cpu != smp_processor_id())
		return;		/* cleared already, by CPU offline */
	hcvm_vmclear(__pa(vcpu->vmcs));
	list_del(&vcpu->loaded_link);
	if (p->current_vmcs == vcpu->vmcs)
		p->current_vmcs = NULL;
	vcpu->launched = false;
	/* The next loader reads cpu; it must see the clear done before. */
	smp_store_release(&vcpu->cpu, -1);
}

void hcvm_vcpu_clear_cpu(unsigned int cpu)
{
	struct hcvm_pcpu *p = per_cpu_ptr(&hcvm_pcpu, cpu);
	struct hcvm_vcpu *vcpu, *tmp;

	list_for_each_entry_safe(vcpu, tmp, &p->loaded_vmcss, loaded_link)
		vmcs_clear_here(vcpu);
}

static void vmcs_clear(struct hcvm_vcpu *vcpu)
{
	/* Pairs with the release in vmcs_clear_here(). */
	int cpu = smp_load_acquire(&vcpu->cpu);

	/* -ENXIO (CPU gone) is fine: going offline cleared it. */
	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_here, vcpu, 1);
}

/* Preemption disabled. */
static void vcpu_load_here(struct hcvm_vcpu *vcpu)
{
	struct hcvm_pcpu *p = this_cpu_ptr(&hcvm_pcpu);
	int cpu = smp_processor_id(), old;
	bool moved;

	/*
	 * A CPU going offline turns VMX off before the scheduler has moved every
	 * task away: load nothing here; vcpu_enter_exit() waits to be moved.
	 */
	if (unlikely(!p->vmx_on))
		return;
	/* Pairs with the release in vmcs_clear_here(). */
	old = smp_load_acquire(&vcpu->cpu);
	moved = old != cpu;

	if (moved) {
		if (old >= 0)
			smp_call_function_single(old, vmcs_clear_here, vcpu, 1);
		local_irq_disable();
		list_add(&vcpu->loaded_link, &p->loaded_vmcss);
		vcpu->cpu = cpu;
		local_irq_enable();
	}
	if (p->current_vmcs != vcpu->vmcs) {
		hcvm_vmptrld(__pa(vcpu->vmcs));
		p->current_vmcs = vcpu->vmcs;
		/* Another vCPU (of this VM or another) ran here: its branch predictions go. */
		indirect_branch_prediction_barrier();
	}
	if (moved) {
		hcvm_vmcs_set_host_cpu(cpu);
		/* This CPU may hold translations from an earlier visit. */
		hcvm_invvpid(HCVM_INV_SINGLE_CONTEXT, vcpu->vpid, 0);
		hcvm_invept(HCVM_INV_SINGLE_CONTEXT, vcpu->vm->mmu.ept.eptp);
	}
	hcvm_switch_to_guest(vcpu);
}

static void vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	vcpu_load_here(container_of(pn, struct hcvm_vcpu, pn));
}

static void vcpu_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	hcvm_switch_to_host(container_of(pn, struct hcvm_vcpu, pn));
}

static struct preempt_ops vcpu_preempt_ops = {
	.sched_in = vcpu_sched_in,
	.sched_out = vcpu_sched_out,
};

void hcvm_vcpu_load(struct hcvm_vcpu *vcpu)
{
	preempt_disable();
	vcpu_load_here(vcpu);
	preempt_notifier_register(&vcpu->pn);
	preempt_enable();
}

void hcvm_vcpu_put(struct hcvm_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_unregister(&vcpu->pn);
	hcvm_switch_to_host(vcpu);
	preempt_enable();
}

/* --- The run loop -------------------------------------------------------- */

/* Linux 6.11 renamed the field for kernel code (userspace writes it at any time). */
#ifdef HINT_UNSAFE_IN_KVM
#define run_immediate_exit(run)	READ_ONCE((run)->immediate_exit__unsafe)
#else
#define run_immediate_exit(run)	READ_ONCE((run)->immediate_exit)
#endif

/*
 * A machine check in the guest exits instead of reaching the host's #MC
 * handler: run it now, interrupts still off, as if it had hit the VMM's user
 * mode (the process, not the kernel, is what the guest's memory belongs to).
 */
static void machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = __USER_CS, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

/*
 * One entry and exit, interrupts off in between. Returns 1 to enter again,
 * 0 to return to userspace, -errno on error.
 */
static int vcpu_enter_exit(struct hcvm_vcpu *vcpu)
{
	unsigned long cr3, cr4;
	u32 reason;
	u64 tsc;
	int fail;

	local_irq_disable();
	if (need_resched() || signal_pending(current)) {
		local_irq_enable();
		return 1;
	}
	if (unlikely(vcpu->cpu != smp_processor_id())) {
		/* This CPU is going offline (see vcpu_load_here()): let it move us. */
		local_irq_enable();
		schedule_timeout_uninterruptible(1);
		return 1;
	}
	/* Publish guest mode before reading events: a later kick then sends an IPI. */
	WRITE_ONCE(vcpu->mode, HCVM_IN_GUEST);
	/* Pairs with hcvm_vcpu_kick(): either it sees IN_GUEST or we see its event. */
	smp_mb();
	if (unlikely(READ_ONCE(vcpu->events))) {
		/* INIT or SIPI since hcvm_events_prepare(): its kick sent no IPI. */
		WRITE_ONCE(vcpu->mode, HCVM_OUTSIDE_GUEST);
		local_irq_enable();
		return 1;
	}
	hcvm_events_inject(vcpu);
	hcvm_apicv_enter(vcpu);
	/*
	 * A context switch since fpu_swap_kvm_fpstate() (cond_resched(), HLT), or
	 * kernel_fpu_begin() in a softirq after the last exit, saved the guest's
	 * FPU registers and left the CPU's for the kernel to reload on return to
	 * user mode: reload them now, with interrupts off (as KVM), or the guest
	 * runs with another task's registers.
	 */
	fpregs_assert_state_consistent();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cr3 = __get_current_cr3_fast();
	if (cr3 != vcpu->host_cr3) {
		vmcs_write(HOST_CR3, cr3);
		vcpu->host_cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (cr4 != vcpu->host_cr4) {
		vmcs_write(HOST_CR4, cr4);
		vcpu->host_cr4 = cr4;
	}
	trace_hcvm_entry(vcpu->id);
	hcvm_switch_enter(vcpu);

	tsc = rdtsc();
	fail = hcvm_vmx_enter(vcpu->gprs, vcpu->launched);
	vcpu->stats.guest_cycles += rdtsc() - tsc;
	WRITE_ONCE(vcpu->mode, HCVM_OUTSIDE_GUEST);

	hcvm_switch_exit(vcpu);
	reason = fail ? 0 : vmcs_read(VM_EXIT_REASON);
	/* An entry that failed its checks (VMfail or a failed-entry exit) launched nothing. */
	if (!fail && !(reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vcpu->launched = true;
	/* An NMI that made the exit belongs to the host: raise it again here. */
	if (!fail && (u16)reason == EXIT_REASON_EXCEPTION_NMI) {
		u32 info = vmcs_read(VM_EXIT_INTR_INFO) &
			   (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK);

		if ((info & ~INTR_INFO_VECTOR_MASK) == (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
			apic->send_IPI_self(NMI_VECTOR);
		else if (info == (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC))
			machine_check();
	}
	/* So does a machine check during the entry (then a failed entry for userspace). */
	if (!fail && (u16)reason == EXIT_REASON_MCE_DURING_VMENTRY)
		machine_check();
	local_irq_enable();	/* host interrupts that made the exit are taken here */

	if (fail) {
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = vmcs_read(VM_INSTRUCTION_ERROR);
		vcpu->run->fail_entry.cpu = vcpu->cpu;
		return 0;
	}
	return hcvm_handle_exit(vcpu, reason);
}

static int vcpu_run(struct hcvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int ret;

	vcpu->ran = true;
	ret = hcvm_complete_userspace_exit(vcpu);
	if (ret <= 0)
		return ret;
	if (run_immediate_exit(run)) {
		run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}

	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	do {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		cond_resched();
		if (hcvm_kvmclock_stale(&vcpu->kvmclock, &vcpu->vm->kvmclock))
			hcvm_kvmclock_update(vcpu);
		ret = hcvm_events_prepare(vcpu);
		if (ret < 0) {
			run->exit_reason = KVM_EXIT_INTR;
			break;
		}
		ret = vcpu_enter_exit(vcpu);
	} while (ret > 0);
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	hcvm_events_to_user(vcpu);
	return ret;
}

/* --- The vCPU fd --------------------------------------------------------- */

static long vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hcvm_vcpu *vcpu = file->private_data;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	hcvm_vcpu_load(vcpu);
	if (cmd == KVM_RUN)
		ret = arg ? -EINVAL : vcpu_run(vcpu);
	else
		ret = hcvm_vcpu_state_ioctl(vcpu, cmd, (void __user *)arg);
	hcvm_vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	return ret;
}

static vm_fault_t vcpu_fault(struct vm_fault *vmf)
{
	struct hcvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->vm->coalesced.ring);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.fault = vcpu_fault,
};

static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &vcpu_vm_ops;
	return 0;
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	struct hcvm_vcpu *vcpu = file->private_data;

	hcvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vcpu_mmap,
	.release = vcpu_release,
	.llseek = noop_llseek,
};

void hcvm_vcpu_destroy(struct hcvm_vcpu *vcpu)
{
	vmcs_clear(vcpu);
	hcvm_lapic_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	kfree(vcpu->cpuid);
	free_page((unsigned long)vcpu->vmcs);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	ida_free(&vpid_ida, vcpu->vpid);
	kfree(vcpu);
}

static struct hcvm_vcpu *vcpu_alloc(struct hcvm_vm *vm, unsigned int id)
{
	struct hcvm_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	int vpid;

	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->arch_caps = hcvm_guest_arch_caps;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->pn, &vcpu_preempt_ops);
	vpid = ida_alloc_range(&vpid_ida, 1, 0xffff, GFP_KERNEL);
	if (vpid < 0) {
		kfree(vcpu);
		return NULL;
	}
	vcpu->vpid = vpid;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data || !vcpu->vmcs ||
	    !fpu_alloc_guest_fpstate(&vcpu->fpu)) {
		free_page((unsigned long)vcpu->vmcs);
		free_page((unsigned long)vcpu->pio_data);
		free_page((unsigned long)vcpu->run);
		ida_free(&vpid_ida, vcpu->vpid);
		kfree(vcpu);
		return NULL;
	}
	*(u32 *)vcpu->vmcs = hcvm_caps.revision_id;
	/* With the in-kernel APIC, APs wait for INIT and SIPI, as on hardware. */
	vcpu->mp_state = vm->irqchip && id ? KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
	vcpu->user_irq = -1;
	rcuwait_init(&vcpu->wait);
	vcpu->msr_used = BIT(HCVM_MSR_KERNEL_GS_BASE) | BIT(HCVM_MSR_TSC_AUX);
	vcpu->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
	return vcpu;
}

int hcvm_create_vcpu(struct hcvm_vm *vm, unsigned long id)
{
	struct hcvm_vcpu *vcpu;
	int fd;

	if (id >= HCVM_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	fd = -EINVAL;
	if (vm->max_vcpu_id && id >= vm->max_vcpu_id)
		goto out;
	fd = -EEXIST;
	if (vm->vcpus[id])
		goto out;
	fd = -ENOMEM;
	vcpu = vcpu_alloc(vm, id);
	if (!vcpu)
		goto out;
	if (vm->irqchip && (hcvm_lapic_create(vcpu) || hcvm_apicv_vm_init(vm))) {
		hcvm_vcpu_destroy(vcpu);
		goto out;
	}

	/* A new VMCS is VMCLEARed (launch state clear) before its first VMPTRLD. */
	preempt_disable();
	hcvm_vmclear(__pa(vcpu->vmcs));
	vcpu_load_here(vcpu);
	hcvm_vmcs_setup(vcpu, vm->mmu.ept.eptp);
	vcpu->exec_ctrl = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	hcvm_switch_to_host(vcpu);
	preempt_enable();

	refcount_inc(&vm->users);
	fd = anon_inode_getfd("hcvm-vcpu", &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->users);
		hcvm_vcpu_destroy(vcpu);
		goto out;
	}
	/* Deliveries from other CPUs read vm->vcpus[] without the lock. */
	smp_store_release(&vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	hcvm_stats_vcpu_added(vcpu);
out:
	mutex_unlock(&vm->lock);
	return fd;
}
