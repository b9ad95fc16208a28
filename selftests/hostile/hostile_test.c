// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile suite: a VMM process and guests that try to hurt the host.
 * Each test names the defect it guards against (issue 10); each failed on
 * the code before its fix (how, in the comment). Kernel splats (lockdep,
 * KASAN, UBSAN, a WARN) are failures too: the runner reads dmesg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/ldt.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

FIXTURE(hostile) {
	struct vm *vm;
};

FIXTURE_SETUP(hostile)
{
	if (!strcmp(test_dev(), "/dev/hcvm") && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	self->vm = vm_create();
}

FIXTURE_TEARDOWN(hostile)
{
	vm_free(self->vm);
}

/* The vector an exception stub reported, or -1 for any other exit. */
static int guest_exception(struct vcpu *vcpu)
{
	int r = vcpu_run(vcpu);

	if (r != KVM_EXIT_IO || vcpu->run->io.port != EXC_PORT)
		return -1;
	return *(uint32_t *)vcpu_io_data(vcpu);
}

/*
 * IN EAX completes with 4 bytes, whatever userspace wrote into the run
 * page's io.size meanwhile. Before: the size was read back from the run
 * page (8 here: RAX got the page's upper 4 bytes; 255 overflowed the stack).
 */
GUEST_CODE(g_in32, ".code64",
	"movabs $0xdeadbeefdeadbeef, %rax\n in $0x11, %eax\n"
	"mov %rax, %rbx\n out %eax, $0xf1\n mov %rbx, %rax\n shr $32, %rax\n out %eax, $0xf1\n"
	"hlt\n");

TEST_F(hostile, pio_size_is_not_read_back_from_the_run_page)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_in32_start, g_in32_end);
	uint8_t *data;

	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
	ASSERT_EQ(4, vcpu->run->io.size);
	data = vcpu_io_data(vcpu);
	memcpy(data, "\x44\x33\x22\x11\x88\x77\x66\x55", 8);
	vcpu->run->io.size = 8;
	vcpu->run->io.count = 100;
	vcpu->run->io.direction = KVM_EXIT_IO_OUT;
	EXPECT_EQ(0x11223344u, vcpu_ucall(vcpu));
	EXPECT_EQ(0u, vcpu_ucall(vcpu));	/* IN EAX zero-extends */
	vcpu_free(vcpu);
}

/* An MMIO load of 4 bytes takes 4 bytes, whatever mmio.len says on re-entry. */
GUEST_CODE(g_mmio32, ".code64",
	"mov $0x3ffff000, %rbx\n movabs $0xdeadbeefdeadbeef, %rax\n mov (%rbx), %eax\n"
	"mov %rax, %rbx\n out %eax, $0xf1\n mov %rbx, %rax\n shr $32, %rax\n out %eax, $0xf1\n"
	"hlt\n");

TEST_F(hostile, mmio_size_is_not_read_back_from_the_run_page)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_mmio32_start, g_mmio32_end);

	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	ASSERT_EQ(4u, vcpu->run->mmio.len);
	memcpy(vcpu->run->mmio.data, "\x44\x33\x22\x11\x88\x77\x66\x55", 8);
	vcpu->run->mmio.len = 8;
	vcpu->run->mmio.is_write = 1;
	EXPECT_EQ(0x11223344u, vcpu_ucall(vcpu));
	EXPECT_EQ(0u, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

/*
 * irqchip ioctls without KVM_CREATE_IRQCHIP fail with KVM's errno. Before:
 * KVM_SET_LAPIC dereferenced the missing APIC (host oops), KVM_GET_LAPIC
 * said ENXIO, KVM_CREATE_PIT2 ENXIO, KVM_SIGNAL_MSI and KVM_IRQFD ENXIO.
 */
TEST_F(hostile, irqchip_ioctls_need_the_irqchip)
{
	struct kvm_lapic_state *lapic = calloc(1, sizeof(*lapic));
	struct kvm_pit_config pit = { 0 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30 };
	struct { struct kvm_irq_routing r; struct kvm_irq_routing_entry e[1]; } routing = { 0 };
	struct kvm_irqfd irqfd = { .fd = eventfd(0, 0), .gsi = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_pit_state2 ps;
	struct vcpu *vcpu;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	vcpu = vcpu_add(self->vm, 0);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_LAPIC, lapic));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_LAPIC, lapic));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_PIT2, &pit));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, &routing));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_GET_PIT2, &ps));
	EXPECT_EQ(ENXIO, errno);
	vcpu_free(vcpu);
	close(irqfd.fd);
	free(lapic);
}

/*
 * An eventfd signalled before KVM_IRQFD: the count is consumed under the
 * eventfd's wait-queue lock. Before: read without it (lockdep's
 * "lockdep_assert_held" WARN in eventfd_ctx_do_read).
 */
TEST_F(hostile, irqfd_signalled_before_assign)
{
	struct kvm_irqfd irqfd = { .gsi = 4 };
	uint64_t one = 1, cnt;
	int i;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < 20; i++) {
		irqfd.fd = eventfd(0, EFD_NONBLOCK);
		irqfd.flags = 0;
		ASSERT_EQ(8, write(irqfd.fd, &one, 8));
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
		EXPECT_EQ(-1, read(irqfd.fd, &cnt, 8));	/* consumed by the irqfd */
		EXPECT_EQ(EAGAIN, errno);
		/* The same eventfd twice is refused; closing it ends the irqfd (EPOLLHUP). */
		EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
		EXPECT_EQ(EBUSY, errno);
		if (i & 1) {
			irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
			EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
		}
		close(irqfd.fd);
	}
}

/* Threads assigning, deassigning, signalling and closing the same eventfds. */
struct irqfd_race {
	int vm_fd, fds[4];
	volatile int stop;
};

static void *irqfd_churn(void *arg)
{
	struct irqfd_race *r = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed;
	uint64_t one = 1;

	while (!r->stop) {
		int i = rand_r(&seed) % 4, op = rand_r(&seed) % 3;
		struct kvm_irqfd f = { .fd = r->fds[i], .gsi = i + 1 };

		if (op == 2) {
			if (write(f.fd, &one, 8) < 0)
				break;
			continue;
		}
		f.flags = op ? KVM_IRQFD_FLAG_DEASSIGN : 0;
		ioctl(r->vm_fd, KVM_IRQFD, &f);
	}
	return NULL;
}

TEST_F(hostile, irqfd_assign_deassign_race)
{
	struct irqfd_race r = { .vm_fd = self->vm->fd };
	pthread_t t[2];
	int i;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < 4; i++)
		r.fds[i] = eventfd(0, EFD_NONBLOCK);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, irqfd_churn, &r));
	usleep(1500000);
	r.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++)
		close(r.fds[i]);
}

/*
 * VMs torn down while the PIT and the APIC timers fire fast. Before: the
 * vCPUs were freed while the PIT's timer could still kick vCPU 0.
 */
GUEST_CODE(g_timers, ".code64",
	X2APIC_ON
	/* APIC timer periodic, vector 0x40, initial count 1000, divide by 1. */
	WRMSR(0x83e, 0xb) WRMSR(0x832, 0x20040) WRMSR(0x838, 1000)
	/* PIT channel 0, mode 2, count 100. */
	"mov $0x34, %al\n out %al, $0x43\n mov $100, %al\n out %al, $0x40\n xor %al, %al\n"
	"out %al, $0x40\n"
	UCALL(1)
	"sti\n 1: hlt\n jmp 1b\n");

TEST_F(hostile, teardown_with_timers_firing)
{
	struct kvm_pit_config pit = { 0 };
	struct vcpu *v[2];
	int round, i;

	for (round = 0; round < 4; round++) {
		struct vm *vm = round ? vm_create() : self->vm;

		vm_setup_irqchip(vm, v, 2, 1);
		ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &pit));
		for (i = 0; i < 2; i++) {
			vcpu_setup_long(v[i], vm_load_code(vm, g_timers_start, g_timers_end, 0));
			EXPECT_EQ(1u, vcpu_ucall(v[i]));
		}
		/* Let the timers run a while, then close the VM fd first, the vCPUs after. */
		usleep(20000);
		if (round) {
			close(vm->fd);
			vm->fd = -1;
		}
		for (i = 0; i < 2; i++)
			vcpu_free(v[i]);
		if (round)
			vm_free(vm);
	}
}

/*
 * A VM entry that fails its checks launches nothing: fixing the state lets
 * the vCPU run. Before: the VMCS was marked launched, and the next entry
 * (VMRESUME of a clear VMCS) failed again for good.
 */
GUEST_CODE(g_report, ".code64", UCALL(0x600d) "hlt\n");

TEST_F(hostile, failed_entry_then_fixed_state_runs)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_report_start, g_report_end);
	struct kvm_sregs s;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	s.cs.db = 1;			/* L and D together are invalid */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(KVM_EXIT_FAIL_ENTRY, vcpu_run(vcpu));
	s.cs.db = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

/*
 * KVM_SET_VCPU_EVENTS takes 32-bit error codes; VMX only 16 bits: the upper
 * half is dropped, as KVM does. Before: the entry failed (FAIL_ENTRY).
 */
TEST_F(hostile, injected_error_code_is_16_bits)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_report_start, g_report_end);
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &e));
	e.exception.injected = 1;
	e.exception.nr = 13;
	e.exception.has_error_code = 1;
	e.exception.error_code = 0x10008;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &e));
	EXPECT_EQ(13, guest_exception(vcpu));
	vcpu_free(vcpu);
}

/*
 * MXCSR bits the CPU lacks are refused. Before: checked against the guest
 * FPU image's own mask (0 before its first save), so accepted, and the FPU
 * restore before the next entry faulted in the host ("Bad FPU state").
 */
TEST_F(hostile, fpu_mxcsr_checked_against_the_cpu)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_report_start, g_report_end);
	struct kvm_fpu f;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &f));
	f.mxcsr = 0xffffffff;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_FPU, &f));
	EXPECT_EQ(EINVAL, errno);
	f.mxcsr = 0x1f80;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_FPU, &f));
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

/*
 * SYSCALL with EFER.SCE set and LSTAR never written goes to the guest's
 * LSTAR (0), not the host's. Before: the SYSCALL MSRs were switched only
 * once written, so the guest jumped to the host's entry point (a #PF at a
 * host kernel address: a KASLR leak).
 */
GUEST_CODE(g_syscall, ".code64",
	"mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n syscall\n hlt\n");

TEST_F(hostile, syscall_without_lstar_stays_in_the_guest)
{
	static const uint8_t at_zero[] = { 0xb8, 0x5c, 0, 0, 0, 0xe7, 0xf1, 0xf4 };
	struct vcpu *vcpu = vm_long_guest(self->vm, g_syscall_start, g_syscall_end);
	struct kvm_regs regs;

	memcpy(gpa_to_hva(self->vm, 0), at_zero, sizeof(at_zero));	/* mov $0x5c,%eax; out; hlt */
	EXPECT_EQ(0x5cu, vcpu_ucall(vcpu));
	vcpu_get_regs(vcpu, &regs);
	EXPECT_GT(0x100ull, regs.rip);
	vcpu_free(vcpu);
}

/*
 * CR4 bits of features the guest's CPUID lacks are refused, from
 * KVM_SET_SREGS and from the guest's MOV to CR4 (#GP). Before: any bit the
 * CPU allows in VMX was allowed, and most were the guest's to set without
 * an exit (PKE: the guest's WRPKRU would set the host's PKRU).
 */
GUEST_CODE(g_cr4_fsgsbase, ".code64",
	"mov %cr4, %rax\n or $0x10000, %rax\n mov %rax, %cr4\n" UCALL(0xbad) "hlt\n");

TEST_F(hostile, cr4_follows_the_guest_cpuid)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_cr4_fsgsbase_start, g_cr4_fsgsbase_end);
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[2]; } cpuid = { .c.nent = 2 };
	struct kvm_sregs s, bad;

	/* Only leaves 0 and 1 (no leaf 7: no FSGSBASE, SMEP, SMAP, PKU, LA57, UMIP). */
	cpuid.e[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 1 };
	cpuid.e[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x50654 };
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &cpuid));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	for (int bit = 11; bit <= 22; bit++) {	/* UMIP LA57 FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE */
		if (bit == 13 || bit == 14 || bit == 15 || bit == 19)
			continue;
		bad = s;
		bad.cr4 |= 1ULL << bit;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &bad)) {
			TH_LOG("CR4 bit %d accepted", bit);
		}
	}
	EXPECT_EQ(13, guest_exception(vcpu));
	vcpu_free(vcpu);
}

/*
 * A guest looping in #AC delivery (CVE-2015-5307): a ring-3 push on a
 * misaligned stack with CR0.AM and EFLAGS.AC, whose #AC handler is in ring
 * 3 on the same stack. On silicon the CPU loops in microcode; Bochs gives
 * up (shutdown). With #AC intercepted, each delivery is an exit: the guest
 * loops forever as it asked, and KVM_RUN still returns on a signal.
 * Before: KVM_EXIT_SHUTDOWN here, a hung host CPU on silicon.
 */
GUEST_CODE(g_ac_loop, ".code32",
	"push $0x2b\n push $0x1ff001\n push $0x40202\n push $0x23\n"
	"call 1f\n 1: pop %eax\n add $(2f - 1b), %eax\n push %eax\n iret\n"
	"2: push %eax\n jmp 2b\n");

static void on_alarm(int sig)
{
}

TEST_F(hostile, ac_delivery_loop_stays_interruptible)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value.tv_usec = 300000 };
	uint64_t *gdt, *idt, code;
	struct kvm_sregs s;
	struct vcpu *vcpu;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(self->vm);
	vcpu = vcpu_add(self->vm, 0);
	code = vm_load_code(self->vm, g_ac_loop_start, g_ac_loop_end, 0);
	vcpu_setup_prot32(vcpu, code);
	gdt = gpa_to_hva(self->vm, GPA_GDT);
	gdt[4] = 0x00cffa000000ffffULL;	/* 0x20: 32-bit code, DPL 3 */
	gdt[5] = 0x00cff2000000ffffULL;	/* 0x28: data, DPL 3 */
	/* A 32-bit IDT at 0x9000 whose #AC gate (DPL 3) goes to ring-3 code at the same level. */
	idt = gpa_to_hva(self->vm, 0x9000);
	memset(idt, 0, 256 * 8);
	idt[17] = (code & 0xffff) | 0x23ULL << 16 | 0xee00ULL << 32 | (code >> 16) << 48;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	s.gdt.limit = 6 * 8 - 1;
	s.idt.base = 0x9000;
	s.idt.limit = 256 * 8 - 1;
	s.cr0 |= 1 << 18;		/* AM */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, vcpu_run(vcpu));
	EXPECT_EQ(KVM_EXIT_INTR, (int)vcpu->run->exit_reason);
	vcpu_free(vcpu);
}

/*
 * The host's LDT, GDT limit and data selectors are the same after KVM_RUN.
 * Before: a VM exit leaves LDTR null, the GDT limit at 0xffff and DS/ES 0,
 * and nothing put them back.
 */
static uint16_t get_es(void)
{
	uint16_t v;

	asm volatile("mov %%es, %0" : "=r"(v));
	return v;
}

static int lar_ok(uint16_t sel)
{
	uint32_t ar = 0;
	uint8_t ok;

	asm volatile("lar %2, %1\n setz %0" : "=q"(ok), "+r"(ar) : "r"((uint32_t)sel));
	return ok;
}

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

TEST_F(hostile, host_segments_survive_a_run)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
		.contents = 0, .limit_in_pages = 1, .useable = 1,
	};
	struct vcpu *vcpu = vm_long_guest(self->vm, g_report_start, g_report_end);
	const uint16_t ldt_sel = 0 << 3 | 4 | 3, user_ds = 0x2b;
	struct dtr before, after;
	/* Kernels without CONFIG_MODIFY_LDT_SYSCALL (the test bed's): GDT selectors only. */
	int ldt = !syscall(SYS_modify_ldt, 1, &d, sizeof(d));
	uint16_t sel = ldt ? ldt_sel : user_ds;

	if (!ldt)
		TH_LOG("no modify_ldt (%s): checking ES = %#x and the GDT limit only",
		       strerror(errno), user_ds);
	asm volatile("mov %0, %%es" : : "r"(sel));
	asm volatile("sgdt %0" : "=m"(before));
	ASSERT_EQ(sel, get_es());
	ASSERT_TRUE(lar_ok(sel));

	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	asm volatile("sgdt %0" : "=m"(after));
	EXPECT_EQ(sel, get_es());
	EXPECT_TRUE(lar_ok(sel));
	EXPECT_EQ(before.limit, after.limit);
	asm volatile("mov %0, %%es" : : "r"((uint16_t)0));
	vcpu_free(vcpu);
}

/*
 * A debugger's hardware watchpoint on the VMM survives KVM_RUN. Before: the
 * exit left DR7 at 0x400 and nothing restored it: the watched write went
 * unseen.
 */
static volatile uint32_t watched;

TEST_F(hostile, host_watchpoint_survives_a_run)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct vcpu *vcpu;

		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		/* A VM belongs to the process that made it: the child makes its own. */
		vcpu = vm_long_guest(vm_create(), g_report_start, g_report_end);
		if (vcpu_ucall(vcpu) != 0x600d)
			_exit(2);
		watched = 1;		/* should stop here with SIGTRAP */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, ptrace(PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[0]),
			    (void *)&watched));
	/* L0, write, 4 bytes. */
	ASSERT_EQ(0, ptrace(PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]),
			    (void *)0xd0001UL));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP) {
		TH_LOG("child status %#x: the watchpoint did not fire", status);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

TEST_HARNESS_MAIN
