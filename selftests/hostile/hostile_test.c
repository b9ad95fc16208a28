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
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <linux/capability.h>
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
 * The guest's XMM0 is its own across host context switches: a thread on
 * the vCPU's CPU keeps another value in its XMM0 while the guest checks its
 * own until told to stop (the flag at 0x180000). Before: the registers were
 * loaded once per KVM_RUN; after a switch inside it (cond_resched) the
 * guest ran with the other thread's (the guest segfaults of CI's linux
 * suite, and another task's registers readable by the guest).
 */
#define FPU_STOP	0x180000
GUEST_CODE(g_xmm_keep, ".code64",
	"movabs $0x5eed5eed5eed5eed, %rax\n movq %rax, %xmm0\n"
	"1: movq %xmm0, %rbx\n cmp %rax, %rbx\n jne 2f\n"
	"cmpl $0, 0x180000\n je 1b\n" UCALL(0x600d) "hlt\n"
	"2: mov %rbx, %rax\n out %eax, $0xf1\n hlt\n");

struct fpu_noise {
	volatile int stop;
	volatile unsigned long rounds;
	volatile uint32_t *guest_stop;
};

static void *fpu_noise(void *arg)
{
	struct fpu_noise *n = arg;

	while (!n->stop) {
		asm volatile("movq %0, %%xmm0" : : "r"(0x0badf00d0badf00dull) : "xmm0");
		n->rounds++;
	}
	return NULL;
}

static void *fpu_stop_later(void *arg)
{
	struct fpu_noise *n = arg;

	sleep(3);
	*n->guest_stop = 1;
	return NULL;
}

TEST_F(hostile, guest_fpu_survives_host_context_switches)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_xmm_keep_start, g_xmm_keep_end);
	struct fpu_noise n = { .guest_stop = gpa_to_hva(self->vm, FPU_STOP) };
	pthread_t noise, stopper;
	struct kvm_sregs sr;
	cpu_set_t one;
	uint32_t got;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &sr));
	sr.cr4 |= 1 << 9;	/* OSFXSR, for the guest's MOVQ */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &sr));
	/* The noise thread shares this thread's CPU (it inherits the mask). */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, pthread_create(&noise, NULL, fpu_noise, &n));
	ASSERT_EQ(0, pthread_create(&stopper, NULL, fpu_stop_later, &n));
	got = vcpu_ucall(vcpu);
	n.stop = 1;
	pthread_join(noise, NULL);
	pthread_join(stopper, NULL);
	EXPECT_EQ(0x600du, got) {
		TH_LOG("the guest's XMM0 became %#x (the other thread's is 0x0badf00d)", got);
	}
	/* Both ran on the one CPU: the test saw switches, or proves nothing. */
	EXPECT_LT(0ul, n.rounds);
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

/*
 * Register @reg (0: EAX .. 3: EDX) of @vcpu's CPUID leaf @fn (index 0), then
 * @clear cleared in it (before the vCPU's first run).
 */
static uint32_t guest_cpuid(struct vcpu *vcpu, uint32_t fn, int reg, uint32_t clear)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	uint32_t v = 0;

	c->nent = 256;
	if (ioctl(vcpu->fd, KVM_GET_CPUID2, c))
		return 0;
	for (unsigned int i = 0; i < c->nent; i++) {
		if (c->entries[i].function == fn && !c->entries[i].index) {
			uint32_t *r = &c->entries[i].eax + reg;

			v = *r;
			*r &= ~clear;
		}
	}
	if (clear && ioctl(vcpu->fd, KVM_SET_CPUID2, c))
		v = 0;
	free(c);
	return v;
}

#define cpuid7_edx(vcpu, clear)	guest_cpuid(vcpu, 7, 3, clear)

/*
 * PKRU is not guest state: hcvm does not switch it, so the guest may not
 * reach it. CR4.PKE is refused (above) and XCR0's PKRU bit too, so neither
 * WRPKRU nor XRSTOR can load the host's PKRU. Here: XSETBV of FP|SSE|PKRU
 * is #GP, while FP|SSE is taken. (XCR0 held PKRU back before too: this
 * test keeps it so; the CR4 half of the defect is the test above.)
 */
GUEST_CODE(g_xcr0_pkru, ".code64",
	"mov %cr4, %rax\n or $0x40000, %rax\n mov %rax, %cr4\n"
	"xor %ecx, %ecx\n xor %edx, %edx\n mov $3, %eax\n xsetbv\n" UCALL(0x600d)
	"mov $0x203, %eax\n xsetbv\n" UCALL(0xbad) "hlt\n");

TEST_F(hostile, pkru_is_out_of_the_guests_reach)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_xcr0_pkru_start, g_xcr0_pkru_end);

	if (!(guest_cpuid(vcpu, 1, 2, 0) & (1u << 26))) {	/* XSAVE (the test bed's noxsave) */
		vcpu_free(vcpu);
		SKIP(return, "no XSAVE for the guest here: XCR0 cannot be set");
	}
	ASSERT_EQ(0x600du, vcpu_ucall(vcpu));
	EXPECT_EQ(13, guest_exception(vcpu));
	vcpu_free(vcpu);
}

/*
 * The kvmclock MSRs are the guest's only where its CPUID's KVM leaf offers
 * them: without the feature bits, enabling the page (which hcvm would
 * then write into guest memory at each clock change) is #GP.
 */
GUEST_CODE(g_kvmclock_msr, ".code64",
	"mov $0x4b564d01, %ecx\n mov $0x100001, %eax\n xor %edx, %edx\n wrmsr\n"
	UCALL(0xbad) "hlt\n");

TEST_F(hostile, kvmclock_msrs_follow_the_guest_cpuid)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_kvmclock_msr_start, g_kvmclock_msr_end);

	ASSERT_NE(0u, guest_cpuid(vcpu, 0x40000001, 0, ~0u));
	EXPECT_EQ(13, guest_exception(vcpu));
	vcpu_free(vcpu);
}

/*
 * MSR accesses by the guest, one per run: RDMSR (ECX) reporting EAX then
 * EDX, WRMSR (ECX, EDX:EAX) reporting 0x600d. The registers are set from
 * @base each time, so the stack an exception used is reset too.
 */
GUEST_CODE(g_rdmsr, ".code64",
	"rdmsr\n out %eax, $0xf1\n mov %edx, %eax\n out %eax, $0xf1\n hlt\n");
GUEST_CODE(g_wrmsr, ".code64", "wrmsr\n" UCALL(0x600d) "hlt\n");

struct msr_guest {
	struct vcpu *vcpu;
	struct kvm_regs base;
	uint64_t rd, wr;	/* where g_rdmsr and g_wrmsr are */
};

static void msr_guest_init(struct msr_guest *g, struct vm *vm)
{
	g->vcpu = vm_long_guest(vm, g_rdmsr_start, g_rdmsr_end);
	g->rd = GPA_CODE;
	g->wr = vm_load_code(vm, g_wrmsr_start, g_wrmsr_end, 0x800);
	vcpu_get_regs(g->vcpu, &g->base);
}

/* 0 with the value read or the write done, else the exception's vector (or -1). */
static int msr_access(struct msr_guest *g, int write, uint32_t index, uint64_t *val)
{
	struct kvm_regs r = g->base;
	uint32_t lo;
	int v;

	r.rip = write ? g->wr : g->rd;
	r.rcx = index;
	r.rax = (uint32_t)*val;
	r.rdx = *val >> 32;
	vcpu_set_regs(g->vcpu, &r);
	v = vcpu_run(g->vcpu);
	if (v != KVM_EXIT_IO)
		return -1;
	lo = *(uint32_t *)vcpu_io_data(g->vcpu);
	v = g->vcpu->run->io.port;
	vcpu_complete_io(g->vcpu);
	if (v == EXC_PORT)
		return lo;
	if (write)
		return lo == 0x600d ? 0 : -1;
	if (vcpu_run(g->vcpu) != KVM_EXIT_IO)
		return -1;
	*val = lo | (uint64_t)*(uint32_t *)vcpu_io_data(g->vcpu) << 32;
	vcpu_complete_io(g->vcpu);
	return 0;
}

static int get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *val)
{
	struct { struct kvm_msrs m; struct kvm_msr_entry e; } a = {
		.m.nmsrs = 1, .e.index = index,
	};
	int n = ioctl(vcpu->fd, KVM_GET_MSRS, &a);

	*val = a.e.data;
	return n;
}

/*
 * The speculation-control MSRs follow the guest's CPUID: without IBRS/IBPB
 * (leaf 7 EDX bit 26) SPEC_CTRL and PRED_CMD are #GP; with it SPEC_CTRL
 * keeps what the guest wrote (loaded around its runs) and refuses bits the
 * CPU lacks. Before: not offered at all, every access #GP, so a guest could
 * not mitigate Spectre v2 or SSB for itself.
 */
#define CPUID7_IBRS	(1u << 26)
#define CPUID7_STIBP	(1u << 27)
#define CPUID7_SSBD	(1u << 31)
#define MSR_SPEC_CTRL	0x48
#define MSR_PRED_CMD	0x49

TEST_F(hostile, spec_ctrl_follows_the_guest_cpuid)
{
	struct vm *vm2 = vm_create();
	struct msr_guest g, none;
	uint64_t v = 0, want;
	uint32_t edx;

	msr_guest_init(&g, self->vm);
	msr_guest_init(&none, vm2);
	edx = cpuid7_edx(g.vcpu, 0);
	cpuid7_edx(none.vcpu, CPUID7_IBRS | CPUID7_STIBP | CPUID7_SSBD);
	ASSERT_EQ(0u, cpuid7_edx(none.vcpu, 0) & (CPUID7_IBRS | CPUID7_STIBP | CPUID7_SSBD));

	EXPECT_EQ(13, msr_access(&none, 0, MSR_SPEC_CTRL, &v));
	v = 0;
	EXPECT_EQ(13, msr_access(&none, 1, MSR_SPEC_CTRL, &v));
	v = 1;
	EXPECT_EQ(13, msr_access(&none, 1, MSR_PRED_CMD, &v));

	if (!(edx & CPUID7_IBRS)) {
		TH_LOG("this CPU has no IBRS/IBPB (leaf 7 EDX %#x): the offered half is not run", edx);
	} else {
		want = 1 | (edx & CPUID7_STIBP ? 2 : 0) | (edx & CPUID7_SSBD ? 4 : 0);
		v = want;
		EXPECT_EQ(0, msr_access(&g, 1, MSR_SPEC_CTRL, &v));
		v = 0;
		EXPECT_EQ(0, msr_access(&g, 0, MSR_SPEC_CTRL, &v));
		EXPECT_EQ(want, v);
		EXPECT_EQ(1, get_msr(g.vcpu, MSR_SPEC_CTRL, &v));
		EXPECT_EQ(want, v);
		v = 1;
		EXPECT_EQ(0, msr_access(&g, 1, MSR_PRED_CMD, &v));
		v = 1ull << 40;		/* no CPU has it */
		EXPECT_EQ(13, msr_access(&g, 1, MSR_SPEC_CTRL, &v));
	}
	vcpu_free(none.vcpu);
	vm_free(vm2);
	vcpu_free(g.vcpu);
}

/* First line of /sys/devices/system/cpu/vulnerabilities/@name says "Not affected". */
static int not_affected(const char *name)
{
	char path[128], line[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/vulnerabilities/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return !strncmp(line, "Not affected", 12);
}

/*
 * IA32_ARCH_CAPABILITIES is offered (leaf 7 EDX bit 29) and says what the
 * host kernel found: each "not affected" bit set exactly when the host's
 * sysfs says "Not affected". The guest, KVM_GET_MSRS and hcvm's debugfs
 * mitigations file agree on it. Before: not offered, so a guest on a CPU
 * that is not affected mitigated everything, and one that is had no hint.
 * And on a host with L1TF, entries flush the L1D unless the kernel's l1tf
 * mitigation is off, as KVM does (SKIP_VMENTRY_L1DFLUSH then tells a guest
 * hypervisor so). Before: not without FLUSH_CMD.
 */
TEST_F(hostile, mitigations_follow_the_host)
{
	static const struct { const char *vuln; int bit; } bits[] = {
		{ "meltdown", 0 }, { "spec_store_bypass", 4 }, { "mds", 5 },
		{ "tsx_async_abort", 8 }, { "gather_data_sampling", 26 },
		{ "reg_file_data_sampling", 27 },
	};
	struct msr_guest g;
	uint64_t guest = 0, user = 0, file = ~0ull;
	char line[256], l1d[128] = "";
	int off;
	FILE *f;

	msr_guest_init(&g, self->vm);
	ASSERT_NE(0u, cpuid7_edx(g.vcpu, 0) & (1u << 29));
	ASSERT_EQ(0, msr_access(&g, 0, 0x10a, &guest));
	ASSERT_EQ(1, get_msr(g.vcpu, 0x10a, &user));
	EXPECT_EQ(guest, user);
	for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		int na = not_affected(bits[i].vuln);

		if (na < 0)
			continue;	/* the host kernel does not know this one */
		EXPECT_EQ(na, (int)(guest >> bits[i].bit & 1)) {
			TH_LOG("%s: sysfs says %saffected, ARCH_CAPABILITIES %#llx", bits[i].vuln,
			       na ? "not " : "", (unsigned long long)guest);
		}
	}
	if (!strcmp(test_dev(), "/dev/hcvm")) {
		f = fopen("/sys/kernel/debug/hcvm/mitigations", "r");
		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f)) {
			TH_LOG("mitigations: %.*s", (int)strcspn(line, "\n"), line);
			sscanf(line, "guest_arch_capabilities: %llx", (unsigned long long *)&file);
			sscanf(line, "l1d_flush_on_entry: %127[^\n]", l1d);
		}
		fclose(f);
		EXPECT_EQ(guest, file);
		off = !strcmp(l1d, "no (the kernel's l1tf mitigation is off)");
		if (not_affected("l1tf") == 1) {
			EXPECT_STREQ("no (not affected)", l1d);
		} else {
			EXPECT_TRUE(strncmp(l1d, "no", 2) || off ||
				    !strcmp(l1d, "no (the hypervisor below flushes it)"));
		}
		/* SKIP_VMENTRY_L1DFLUSH: not affected, or flushed by hcvm or below it. */
		EXPECT_EQ(!off, (int)(guest >> 3 & 1)) {
			TH_LOG("l1d flush: '%s'", l1d);
		}
	}
	vcpu_free(g.vcpu);
}

/* VmPin of this process, in KiB (mm->pinned_vm). */
static long vm_pin_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmPin: %ld kB", &kib);
	if (f)
		fclose(f);
	return kib;
}

/*
 * Guest pages hcvm pins are charged to the process (VmPin) and given back
 * when the VM goes; without CAP_IPC_LOCK they stay within RLIMIT_MEMLOCK,
 * and a fault beyond it fails KVM_RUN with ENOMEM. Before: pinned pages
 * were charged to nothing, so any user could pin all of the host's memory.
 */
TEST_F(hostile, pinned_pages_are_charged)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	long before = vm_pin_kib(), during;
	struct vcpu *vcpu;
	int status;
	pid_t pid;

	if (strcmp(test_dev(), "/dev/hcvm"))
		SKIP(return, "kvm_intel does not pin guest memory");
	ASSERT_LE(0, before);
	vcpu = vm_long_guest(self->vm, g_report_start, g_report_end);
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	during = vm_pin_kib();
	EXPECT_LT(before, during);
	vcpu_free(vcpu);
	vm_free(self->vm);
	self->vm = vm_create();
	EXPECT_EQ(before, vm_pin_kib());

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 0, 0 };
		struct vm *vm;

		/* No CAP_IPC_LOCK, a lock limit of nothing. */
		if (syscall(SYS_capget, &h, d))
			_exit(3);
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
		d[0].permitted &= ~(1u << CAP_IPC_LOCK);
		if (syscall(SYS_capset, &h, d) || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(3);
		vm = vm_create();
		vcpu = vm_long_guest(vm, g_report_start, g_report_end);
		_exit(vcpu_run(vcpu) == -ENOMEM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("child status %#x: KVM_RUN beyond RLIMIT_MEMLOCK did not fail with ENOMEM",
		       status);
	}
}

/*
 * A VM takes at most 1000 ioeventfds (the exit path scans them): the next
 * assign fails with ENOSPC, and one deassigned makes room again. Before:
 * no bound, so each port-I/O exit could scan an unbounded list.
 */
TEST_F(hostile, ioeventfds_are_bounded)
{
	struct kvm_ioeventfd io = { .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO };
	int efd = eventfd(0, 0), n, err = 0;

	if (strcmp(test_dev(), "/dev/hcvm"))
		SKIP(return, "KVM bounds ioeventfds by the process's fds only");
	ASSERT_LE(0, efd);
	io.fd = efd;
	for (n = 0; n < 5000; n++) {
		io.addr = 0x1000 + n;
		if (ioctl(self->vm->fd, KVM_IOEVENTFD, &io)) {
			err = errno;
			break;
		}
	}
	EXPECT_EQ(1000, n);
	EXPECT_EQ(ENOSPC, err);
	io.addr = 0x1000;
	io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
	io.addr = 0x1000 + n;
	io.flags &= ~KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
	close(efd);
}

TEST_HARNESS_MAIN
