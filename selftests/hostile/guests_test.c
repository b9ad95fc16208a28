// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests: guest code that tries to wedge or confuse the hypervisor
 * with what a guest may do alone (debug registers, MSRs, broken IDTs,
 * stacks where no memory or read-only memory is, interrupts off forever).
 * Each test asserts the exit KVM gives, so the same binary runs against
 * /dev/kvm (HCVM_DEV) for comparison; and a guard timer everywhere, so that
 * a guest that wedges the vCPU fails its test instead of stalling the suite.
 * The host surviving is the first check of all: kernel splats are failures
 * too (the runner reads dmesg).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

/* What the guests below report when they got where they should. */
#define ALIVE		0xa11e
/* Where g_alive is loaded (offset from GPA_CODE) in the tests that share a VM layout. */
#define ALIVE_AT	0xc00

/* The smallest guest: proof that a vCPU (or a VM) still runs after the hostile one. */
GUEST_CODE(g_alive, ".code64", UCALL(0xa11e) "hlt\n");

/*
 * A store of EAX = 0x5eed to a non-canonical address: #GP, raised by an
 * instruction that moves memory. An exit in the #GP's delivery must not be
 * taken for an MMIO access of this store (its operand is not where the
 * delivery failed).
 */
GUEST_CODE(g_bad_store, ".code64",
	"mov $0x5eed, %eax\n movabs $0x8000000000000000, %rbx\n mov %eax, (%rbx)\n"
	UCALL(0xbad) "hlt\n");

FIXTURE(guests) {
	struct vm *vm;
	/* kvm_intel under Bochs: a guest spinning with IF=0 freezes the host CPU (fuzz_test.c). */
	bool kvm_on_bochs;
};

FIXTURE_SETUP(guests)
{
	char cmdline[4096] = "";
	bool hcvm = !strcmp(test_dev(), "/dev/hcvm");

	read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	self->kvm_on_bochs = !hcvm && strstr(cmdline, "hcvm.emulator=bochs");
	if (hcvm && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	self->vm = vm_create();
}

FIXTURE_TEARDOWN(guests)
{
	vm_free(self->vm);
}

/* 2 MiB at 0 with the library's tables, g_alive at ALIVE_AT; its address. */
static uint64_t vm_base(struct vm *vm)
{
	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	return vm_load_code(vm, g_alive_start, g_alive_end, ALIVE_AT);
}

static struct vcpu *long_vcpu(struct vm *vm, int id, uint64_t rip)
{
	struct vcpu *vcpu = vcpu_add(vm, id);

	vcpu_setup_long(vcpu, rip);
	return vcpu;
}

/* Gate @vector of the library's IDT: a 64-bit interrupt gate to @handler on IST @ist. */
static void set_gate(struct vm *vm, int vector, uint64_t handler, int ist)
{
	uint64_t *gate = (uint64_t *)gpa_to_hva(vm, GPA_IDT) + 2 * vector;

	gate[0] = (handler & 0xffff) | (uint64_t)SEL_CODE64 << 16 | (uint64_t)ist << 32 |
		  0x8eULL << 40 | (handler >> 16 & 0xffff) << 48;
	gate[1] = handler >> 32;
}

static void on_signal(int sig)
{
}

/* SIGALRM only interrupts (KVM_RUN returns EINTR; other calls restart). */
static void catch_sigalrm(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigaction(SIGALRM, &sa, NULL);
}

/*
 * KVM_RUN under a guard: SIGALRM after @ms, then every 100 ms (so that one
 * landing just before KVM_RUN is not the only one). A guest that never
 * exits makes it return -EINTR instead of hanging the test.
 */
static int run_guarded(struct vcpu *vcpu, long ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
		.it_interval = { .tv_usec = 100000 },
	};
	struct itimerval off = { 0 };
	int r;

	catch_sigalrm();
	setitimer(ITIMER_REAL, &it, NULL);
	r = vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

/* Run (guarded, 5 s) to the guest's next report: its value, or -1 with the exit logged. */
static int64_t guest_report(struct __test_metadata *_metadata, struct vcpu *vcpu)
{
	int r = run_guarded(vcpu, 5000);

	if (r == KVM_EXIT_IO && vcpu->run->io.port == UCALL_PORT)
		return *(uint32_t *)vcpu_io_data(vcpu);
	TH_LOG("expected a report, got exit %d (%s) port %#x value %#x", r, exit_name(r),
	       r == KVM_EXIT_IO ? vcpu->run->io.port : 0,
	       r == KVM_EXIT_IO ? *(uint32_t *)vcpu_io_data(vcpu) : 0);
	return -1;
}

/*
 * vCPUs on threads of their own, each in one KVM_RUN that only a signal
 * should end: after 300 ms each one still in it gets SIGALRM, again every
 * 100 ms (a signal that lands before its KVM_RUN starts is lost), for 10 s.
 */
struct spinner {
	struct vcpu *vcpu;
	pthread_t thread;
	int ret;
	int done;
};

static void *spinner_run(void *arg)
{
	struct spinner *s = arg;

	s->ret = vcpu_run(s->vcpu);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* How many of the @n were still in KVM_RUN after 10 s of signals (0: all returned). */
static int run_and_kick(struct spinner *s, int n)
{
	struct timespec t0;
	int i, left;

	catch_sigalrm();
	for (i = 0; i < n; i++) {
		s[i].done = 0;
		if (pthread_create(&s[i].thread, NULL, spinner_run, &s[i]))
			return n;
	}
	usleep(300000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (__atomic_load_n(&s[i].done, __ATOMIC_ACQUIRE))
				continue;
			left++;
			pthread_kill(s[i].thread, SIGALRM);
		}
		if (!left || seconds_since(&t0) > 10)
			break;
		usleep(100000);
	}
	/* A thread still in KVM_RUN is left to the process's exit (and the harness's timeout). */
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&s[i].done, __ATOMIC_ACQUIRE))
			pthread_join(s[i].thread, NULL);
	return left;
}

/*
 * #DB delivery that raises #DB again, forever (CVE-2015-8104, the #DB twin
 * of the #AC loop in hostile_test.c): the #DB gate takes an IST stack, so
 * each delivery starts from the same stack pointer, and either
 *  - an instruction breakpoint (DR0) sits on the handler's first
 *    instruction: each delivery faults on fetching it; or
 *  - a data breakpoint (DR1) covers the IST slot where the delivery pushes
 *    SS: each delivery's own push traps.
 * Not intercepted, the second loops inside the CPU with no instruction
 * boundary a host interrupt could use. KVM intercepts #DB (so does hcvm,
 * vmx/exits.c): each delivery is an exit, and the loop goes on as the guest
 * asked, but KVM_RUN returns on a signal (EINTR). The handler only reports:
 * reaching it means no #DB came (a failure, but for a CPU that does not
 * break on the delivery's own pushes: then the data loop is not run).
 * Probes first: a single breakpoint of each kind, with the library's stub
 * (reports vector 1) as the handler. Where the CPU raises none (an emulator
 * without debug-register breakpoints), that half is skipped.
 */
GUEST_CODE(g_db_arm, ".code64",
	"mov %rax, %dr0\n mov %rbx, %dr1\n mov %rcx, %dr7\n"
	"movq $0, (%rsi)\n jmp *%rdx\n");
GUEST_CODE(g_db_handler, ".code64", UCALL(0xdb) "hlt\n");

#define DB_TSS		0xa000		/* TR base: IST1 is at +0x24 */
#define DB_IST		0x1e0000	/* IST1, the loop's #DB stack */
#define DB_SCRATCH	0x10000		/* a store nobody watches, or the probe's watched one */
#define DR7_L0_EXEC	0x1ULL
#define DR7_L1_WRITE8	(0x4ULL | 1ULL << 20 | 2ULL << 22)	/* L1, RW1 = write, LEN1 = 8 */

/* A vCPU at g_db_arm: DR0, DR1 and DR7 to load, the address it stores to, where it jumps. */
static struct vcpu *db_vcpu(struct __test_metadata *_metadata, struct vm *vm, int id,
			    uint64_t dr0, uint64_t dr1, uint64_t dr7, uint64_t store, uint64_t jump)
{
	struct vcpu *vcpu = long_vcpu(vm, id, GPA_CODE);
	struct kvm_sregs s;
	struct kvm_regs r;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	s.tr.base = DB_TSS;
	s.tr.limit = 0x67;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	vcpu_get_regs(vcpu, &r);
	r.rax = dr0;
	r.rbx = dr1;
	r.rcx = dr7;
	r.rsi = store;
	r.rdx = jump;
	vcpu_set_regs(vcpu, &r);
	return vcpu;
}

/* A probe: 1 if the breakpoint raised #DB, 0 if the guest went past it, -1 otherwise. */
static int db_probe(struct __test_metadata *_metadata, struct vcpu *vcpu, const char *what)
{
	int r = run_guarded(vcpu, 5000);
	uint32_t v = r == KVM_EXIT_IO ? *(uint32_t *)vcpu_io_data(vcpu) : 0;

	if (r == KVM_EXIT_IO && vcpu->run->io.port == EXC_PORT && v == 1)
		return 1;
	if (r == KVM_EXIT_IO && vcpu->run->io.port == UCALL_PORT && v == ALIVE)
		return 0;
	TH_LOG("%s probe: exit %d (%s), value %#x", what, r, exit_name(r), v);
	return -1;
}

TEST_F_TIMEOUT(guests, db_delivery_loop_stays_interruptible, 90)
{
	uint64_t alive = vm_base(self->vm), handler;
	int probe[2], i, ran = 0;
	struct vcpu *vcpu;

	vm_load_code(self->vm, g_db_arm_start, g_db_arm_end, 0);
	handler = vm_load_code(self->vm, g_db_handler_start, g_db_handler_end, 0x100);
	*(uint64_t *)gpa_to_hva(self->vm, DB_TSS + 0x24) = DB_IST;

	vcpu = db_vcpu(_metadata, self->vm, 0, alive, 0, DR7_L0_EXEC, DB_SCRATCH, alive);
	probe[0] = db_probe(_metadata, vcpu, "instruction breakpoint");
	vcpu_free(vcpu);
	vcpu = db_vcpu(_metadata, self->vm, 1, 0, DB_SCRATCH, DR7_L1_WRITE8, DB_SCRATCH, alive);
	probe[1] = db_probe(_metadata, vcpu, "data breakpoint");
	vcpu_free(vcpu);
	ASSERT_NE(-1, probe[0]);
	ASSERT_NE(-1, probe[1]);

	set_gate(self->vm, 1, handler, 1);
	for (i = 0; i < 2; i++) {
		struct spinner s = { 0 };
		struct kvm_regs regs;

		if (!probe[i]) {
			TH_LOG("no #DB from a %s breakpoint here: that loop is not run",
			       i ? "data" : "instruction");
			continue;
		}
		if (i)
			s.vcpu = db_vcpu(_metadata, self->vm, 3, 0, DB_IST - 8, DR7_L1_WRITE8,
					 DB_IST - 8, handler);
		else
			s.vcpu = db_vcpu(_metadata, self->vm, 2, handler, 0, DR7_L0_EXEC,
					 DB_SCRATCH, handler);
		ASSERT_EQ(0, run_and_kick(&s, 1)) {
			TH_LOG("%s loop: KVM_RUN still running 10 s after the first signal",
			       i ? "data" : "instruction");
		}
		/*
		 * The data loop needs the CPU to match its own delivery's pushes
		 * (silicon does: the CVE); one that does not runs the handler once.
		 */
		if (i && s.ret == KVM_EXIT_IO && s.vcpu->run->io.port == UCALL_PORT &&
		    *(uint32_t *)vcpu_io_data(s.vcpu) == 0xdb) {
			TH_LOG("data loop: no #DB for the delivery's own push here: not run");
			vcpu_free(s.vcpu);
			continue;
		}
		EXPECT_EQ(-EINTR, s.ret) {
			TH_LOG("%s loop: exit %d (%s)%s", i ? "data" : "instruction", s.ret,
			       exit_name(s.ret), s.ret == KVM_EXIT_IO ? ": the handler ran" : "");
		}
		EXPECT_EQ(KVM_EXIT_INTR, (int)s.vcpu->run->exit_reason);
		/* Stopped between two deliveries: at the handler, the next #DB on its way. */
		vcpu_get_regs(s.vcpu, &regs);
		EXPECT_EQ(handler, regs.rip) {
			TH_LOG("rip %#llx rsp %#llx", regs.rip, regs.rsp);
		}
		vcpu_free(s.vcpu);
		ran++;
	}
	if (!ran)
		SKIP(return, "the CPU raises no #DB for debug-register breakpoints");
}

/*
 * RDMSR then WRMSR of a random value, of every index in the ranges where
 * MSRs live (0-0x1fff, 0xc0000000-0xc0001fff, 0x40000000-0x400000ff: the
 * hypervisor ranges), of the ones with side effects again with 0, 1, ~0 and
 * a random value, then of random indices. A #GP handler marks the entry
 * (bit 0: the read faulted, bit 1: the write) and skips the instruction;
 * any other exception, or a #GP anywhere else, ends the guest with a report.
 * The host must survive it, the guest must end with its final report, and
 * the vCPU must run a guest afterwards.
 *
 * No index is left out: the guest's own loop depends on no MSR it can
 * break. Paging needs EFER.LME, which cannot be cleared while paging is on
 * (#GP); LMA is the CPU's; NXE is unused (no XD bit in the tables); SCE,
 * FS/GS bases, SYSENTER/SYSCALL targets, PAT and MTRR memory types are
 * unused or only slow the guest. The MSRs that make the hypervisor write
 * guest memory at an address they name (KVM's kvmclock and wall clock at
 * 0x11/0x12, Hyper-V's pages at 0x400000xx) only get random 64-bit values:
 * addresses far above the 2 MiB of guest memory (and page 0, what a small
 * value would name, holds nothing). So a triple fault, or any exit but the
 * reports, fails the test: it would be the hypervisor's doing.
 */
#define MSR_TABLE	0x100000	/* struct msr_probe[MSR_COUNT] */
#define MSR_COUNT	0x190000	/* uint32_t */
#define MSR_FAULTS	0x190004	/* uint32_t: #GPs taken */
#define MSR_DONE	0x80000000u	/* the final report: MSR_DONE | entries done */
#define MSR_SEED	0x9e3779b97f4a7c15ULL

struct msr_probe {
	uint32_t index;
	uint32_t faulted;	/* bit 0: RDMSR #GP, bit 1: WRMSR #GP */
	uint64_t value;		/* what WRMSR writes */
};

/* The loop: the entry in RSI, what a #GP would mean in R8 (1: read, 2: write). */
GUEST_CODE(g_msr_sweep, ".code64",
	"mov $0x100000, %rsi\n xor %r9d, %r9d\n"
	"1: cmp 0x190000, %r9d\n jae 2f\n"
	"mov (%rsi), %ecx\n mov $1, %r8d\n rdmsr\n"
	"mov (%rsi), %ecx\n mov 8(%rsi), %eax\n mov 12(%rsi), %edx\n mov $2, %r8d\n wrmsr\n"
	"add $16, %rsi\n inc %r9d\n test $0x3ff, %r9d\n jnz 1b\n"
	"mov %r9d, %eax\n out %eax, $0xf1\n jmp 1b\n"
	"2: mov %r9d, %eax\n or $0x80000000, %eax\n out %eax, $0xf1\n hlt\n");

/* #GP: on RDMSR (0f 32) or WRMSR (0f 30) mark the entry and skip it; else report 0xbad6d. */
GUEST_CODE(g_msr_gp, ".code64",
	"push %rax\n mov 16(%rsp), %rax\n"
	"cmpw $0x320f, (%rax)\n je 1f\n cmpw $0x300f, (%rax)\n je 1f\n"
	UCALL(0xbad6d) "hlt\n"
	"1: addq $2, 16(%rsp)\n or %r8d, 4(%rsi)\n lock incl 0x190004\n"
	"pop %rax\n add $8, %rsp\n iretq\n");

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fill the table; the number of entries. */
static uint32_t msr_table(struct msr_probe *p, uint64_t seed)
{
	static const struct { uint32_t first, n; } ranges[] = {
		{ 0, 0x2000 }, { 0xc0000000, 0x2000 }, { 0x40000000, 0x100 },
	};
	/* TSC, MISC_ENABLE, FEATURE_CONTROL, SPEC_CTRL, PRED_CMD, ARCH_CAPABILITIES,
	 * TSC_DEADLINE, APIC_BASE, EFER, VMX_BASIC, VMX_VMFUNC (the last VMX one).
	 */
	static const uint32_t special[] = {
		0x10, 0x1a0, 0x3a, 0x48, 0x49, 0x10a, 0x6e0, 0x1b, 0xc0000080, 0x480, 0x491,
	};
	uint32_t n = 0, i, j;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		for (j = 0; j < ranges[i].n; j++)
			p[n++] = (struct msr_probe){ ranges[i].first + j, 0, xorshift(&seed) };
	for (i = 0; i < ARRAY_SIZE(special); i++) {
		p[n++] = (struct msr_probe){ special[i], 0, 0 };
		p[n++] = (struct msr_probe){ special[i], 0, 1 };
		p[n++] = (struct msr_probe){ special[i], 0, ~0ULL };
		p[n++] = (struct msr_probe){ special[i], 0, xorshift(&seed) };
	}
	for (i = 0; i < 1024; i++) {
		uint64_t index = xorshift(&seed);

		p[n++] = (struct msr_probe){ (uint32_t)index, 0, xorshift(&seed) };
	}
	return n;
}

TEST_F_TIMEOUT(guests, random_msrs_never_hurt_the_host, 600)
{
	uint64_t alive = vm_base(self->vm), code, gp;
	struct msr_probe *table = gpa_to_hva(self->vm, MSR_TABLE);
	uint32_t n, done = 0, faults, reads = 0, writes = 0, i;
	struct vcpu *vcpu;
	int64_t v;

	code = vm_load_code(self->vm, g_msr_sweep_start, g_msr_sweep_end, 0);
	gp = vm_load_code(self->vm, g_msr_gp_start, g_msr_gp_end, 0x200);
	set_gate(self->vm, 13, gp, 0);
	n = msr_table(table, MSR_SEED);
	*(uint32_t *)gpa_to_hva(self->vm, MSR_COUNT) = n;
	TH_LOG("%u MSR probes, seed %#llx", n, MSR_SEED);
	vcpu = long_vcpu(self->vm, 0, code);

	/* A report every 1024 entries: the guard is per chunk (about 2k exits). */
	for (;;) {
		int r = run_guarded(vcpu, 60000);

		ASSERT_EQ(KVM_EXIT_IO, r) {
			TH_LOG("after %u entries: exit %d (%s)", done, r, exit_name(r));
		}
		v = *(uint32_t *)vcpu_io_data(vcpu);
		ASSERT_EQ(UCALL_PORT, vcpu->run->io.port) {
			TH_LOG("after %u entries: guest exception %lld", done, (long long)v);
		}
		ASSERT_NE(0xbad6d, v) {
			TH_LOG("a #GP elsewhere than at RDMSR/WRMSR, after %u entries", done);
		}
		if (v & MSR_DONE)
			break;
		ASSERT_EQ(done + 1024, v);
		done = v;
	}
	EXPECT_EQ(n, v & ~MSR_DONE);
	faults = *(uint32_t *)gpa_to_hva(self->vm, MSR_FAULTS);
	for (i = 0; i < n; i++) {
		reads += !(table[i].faulted & 1);
		writes += !(table[i].faulted & 2);
	}
	TH_LOG("%u #GPs; %u reads and %u writes taken", faults, reads, writes);
	EXPECT_EQ(2 * n - reads - writes, faults);
	EXPECT_EQ(0u, table[0x10].faulted);		/* the TSC reads and writes */
	EXPECT_EQ(1u, table[0x3fff].faulted & 1);	/* 0xc0001fff: no such MSR */
	EXPECT_LT(0u, faults);

	/* The vCPU, MSRs as the guest left them, still runs a guest. */
	vcpu_complete_io(vcpu);
	vcpu_setup_long(vcpu, alive);
	EXPECT_EQ(ALIVE, guest_report(_metadata, vcpu));
	vcpu_free(vcpu);
}

/*
 * A triple fault in every CPU mode but the one core_test.c covers (32-bit
 * protected without paging): real mode (INT3 with an IVT limit of 0),
 * 16-bit protected (UD2, IDT limit 0), 32-bit with 4 MiB pages (a #PF on an
 * unmapped page, IDT limit 0), 64-bit (the guest loads a null IDT itself,
 * then INT 0x80). KVM: KVM_EXIT_SHUTDOWN each time, and the vCPU runs again
 * once userspace resets it as a VMM would (events cleared, registers set).
 */
GUEST_CODE(g_tf_real, ".code16", "int3\n");
GUEST_CODE(g_tf_prot16, ".code16", "ud2\n");
GUEST_CODE(g_tf_paged32, ".code32", "mov 0x40000000, %eax\n hlt\n");
GUEST_CODE(g_tf_long, ".code64", "lidt 1f(%rip)\n int $0x80\n hlt\n 1: .word 0\n .quad 0\n");

#define PD32		0xb000		/* 32-bit page directory: 0-4 MiB, one PSE page */

/* A VMM's reset of a vCPU's events: nothing left to deliver. Logs what was. */
static void clear_events(struct __test_metadata *_metadata, struct vcpu *vcpu)
{
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &e));
	if (e.exception.injected || e.exception.pending || e.interrupt.injected || e.nmi.injected)
		TH_LOG("left over: exception %u (injected %u, pending %u), interrupt %u, nmi %u",
		       e.exception.nr, e.exception.injected, e.exception.pending,
		       e.interrupt.injected, e.nmi.injected);
	memset(&e, 0, sizeof(e));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &e));
}

TEST_F(guests, triple_fault_in_every_mode)
{
	static const char *const mode[] = {
		"real mode", "16-bit protected", "32-bit paged", "64-bit",
	};
	uint64_t alive = vm_base(self->vm), rip[4];
	struct kvm_sregs s;
	int i, r;

	rip[0] = vm_load_code(self->vm, g_tf_real_start, g_tf_real_end, 0);
	rip[1] = vm_load_code(self->vm, g_tf_prot16_start, g_tf_prot16_end, 0x100);
	rip[2] = vm_load_code(self->vm, g_tf_paged32_start, g_tf_paged32_end, 0x200);
	rip[3] = vm_load_code(self->vm, g_tf_long_start, g_tf_long_end, 0x300);
	*(uint32_t *)gpa_to_hva(self->vm, PD32) = 0x83;	/* present, writable, 4 MiB */

	for (i = 0; i < 4; i++) {
		struct vcpu *vcpu = vcpu_add(self->vm, i);

		if (i == 0)
			vcpu_setup_real(vcpu, rip[i]);
		else if (i < 3)
			vcpu_setup_prot32(vcpu, rip[i]);	/* IDT limit 0 */
		else
			vcpu_setup_long(vcpu, rip[i]);
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
		if (i == 0) {
			s.idt.limit = 0;
		} else if (i == 1) {
			s.cs.db = 0;
			s.cs.g = 0;
			s.cs.limit = 0xffff;
		} else if (i == 2) {
			s.cr3 = PD32;
			s.cr4 |= 0x10;			/* PSE */
			s.cr0 |= 0x80000000;		/* PG */
		}
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));

		r = run_guarded(vcpu, 5000);
		EXPECT_EQ(KVM_EXIT_SHUTDOWN, r) {
			TH_LOG("%s: exit %d (%s)", mode[i], r, exit_name(r));
		}
		clear_events(_metadata, vcpu);
		vcpu_setup_long(vcpu, alive);
		EXPECT_EQ(ALIVE, guest_report(_metadata, vcpu)) {
			TH_LOG("%s: the vCPU does not run again after its shutdown", mode[i]);
		}
		vcpu_free(vcpu);
	}
}

/*
 * The IDT where no memory is (guest-mapped, no slot), then an exception:
 * the CPU's delivery reads the gate and takes an EPT violation. KVM has
 * nothing to emulate there (the access is the delivery's, not the
 * instruction's): KVM_EXIT_INTERNAL_ERROR (suberror DELIVERY_EV), after at
 * most one emulation attempt of the instruction at RIP. Accepted, as
 * KVM-like: an internal error, a shutdown, or an MMIO exit that is the
 * gate's read (a load inside the IDT); not a hang, a failed entry, or an
 * MMIO exit made up from the faulting instruction (g_bad_store's store).
 */
#define IDT_HOLE	0x3fffe000	/* identity-mapped by the library's tables, no slot */

/* One run of the hostile guest: fails on anything but one of the KVM-like outcomes. */
static void expect_kvm_like(struct __test_metadata *_metadata, struct vcpu *vcpu, int r,
			    const char *what, uint64_t lo, uint64_t hi, int write)
{
	struct kvm_run *run = vcpu->run;
	uint64_t data = 0;

	switch (r) {
	case KVM_EXIT_INTERNAL_ERROR:
		TH_LOG("%s: internal error, suberror %u, data %#llx %#llx", what,
		       run->internal.suberror, run->internal.ndata ? run->internal.data[0] : 0,
		       run->internal.ndata > 1 ? run->internal.data[1] : 0);
		return;
	case KVM_EXIT_SHUTDOWN:
		TH_LOG("%s: shutdown", what);
		return;
	case KVM_EXIT_MMIO:
		memcpy(&data, run->mmio.data, sizeof(data));
		TH_LOG("%s: MMIO %s of %u bytes at %#llx, data %#llx", what,
		       run->mmio.is_write ? "write" : "read", run->mmio.len, run->mmio.phys_addr,
		       (unsigned long long)data);
		EXPECT_EQ(write, run->mmio.is_write);
		EXPECT_TRUE(run->mmio.phys_addr >= lo && run->mmio.phys_addr < hi);
		if (run->mmio.is_write)
			EXPECT_NE(0x5eedull, data & 0xffffffff);	/* g_bad_store's store */
		return;
	}
	EXPECT_NE(-EINTR, r) {
		TH_LOG("%s: no exit in 5 s: the delivery loops in the hypervisor", what);
	}
	EXPECT_NE(KVM_EXIT_FAIL_ENTRY, r) {
		TH_LOG("%s: failed entry, reason %#llx", what,
		       run->fail_entry.hardware_entry_failure_reason);
	}
	TH_LOG("%s: exit %d (%s), not a KVM-like outcome", what, r, exit_name(r));
	EXPECT_TRUE(0);
}

GUEST_CODE(g_ud2, ".code64", "ud2\n" UCALL(0xbad) "hlt\n");

TEST_F(guests, idt_in_mmio_space)
{
	static const char *const what[] = { "UD2", "#GP of a store" };
	uint64_t alive = vm_base(self->vm), rip[2];
	struct kvm_sregs s;
	struct vcpu *vcpu;
	int i;

	rip[0] = vm_load_code(self->vm, g_ud2_start, g_ud2_end, 0);
	rip[1] = vm_load_code(self->vm, g_bad_store_start, g_bad_store_end, 0x100);
	for (i = 0; i < 2; i++) {
		vcpu = long_vcpu(self->vm, i, rip[i]);
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
		s.idt.base = IDT_HOLE;
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
		expect_kvm_like(_metadata, vcpu, run_guarded(vcpu, 5000), what[i], IDT_HOLE,
				IDT_HOLE + 256 * 16, 0);
		vcpu_free(vcpu);
	}
	/* The VM, and the host, still run guests. */
	vcpu = long_vcpu(self->vm, 2, alive);
	EXPECT_EQ(ALIVE, guest_report(_metadata, vcpu));
	vcpu_free(vcpu);
}

/*
 * The stack in a KVM_MEM_READONLY slot. KVM emulates the instruction that
 * writes it and posts the write to userspace: PUSH and CALL each give a
 * KVM_EXIT_MMIO write of 8 bytes at the slot (the pushed value, the return
 * address), memory stays as it was (the POP after each reads it back), and
 * the guest goes on after the exit, RSP and RIP as the instruction left
 * them. Then an exception delivered onto that stack (a #GP from
 * g_bad_store): no instruction writes there, so the outcomes are KVM's for
 * a delivery it cannot emulate: an internal error (DELIVERY_EV), a
 * shutdown (older KVM, emulating the instruction at RIP, double-faults), an
 * endless re-execution that a signal ends (older KVM again), or an MMIO
 * write inside the frame that is not g_bad_store's store.
 */
#define RO_STACK	0x30000000	/* one read-only page; RSP starts at its end */
#define RO_PATTERN	0xa5a5a5a5c3c3c3c3ULL

GUEST_CODE(g_ro_push, ".code64",
	"mov $0x30001000, %rsp\n movabs $0x1122334455667788, %rbx\n"
	"push %rbx\n pop %rax\n out %eax, $0xf1\n"
	"call 1f\n"
	".global g_ro_push_ret\n g_ro_push_ret:\n"
	"1: pop %rax\n out %eax, $0xf1\n mov %rsp, %rax\n out %eax, $0xf1\n hlt\n");
extern const uint8_t g_ro_push_ret[];

/* The next exit is the stack's 8-byte MMIO write of @val; false if it is no MMIO exit. */
static bool expect_stack_write(struct __test_metadata *_metadata, struct vcpu *vcpu,
			       uint64_t val, const char *what)
{
	struct kvm_run *run = vcpu->run;
	int r = run_guarded(vcpu, 5000);
	uint64_t data;

	EXPECT_EQ(KVM_EXIT_MMIO, r) {
		TH_LOG("%s: exit %d (%s)", what, r, exit_name(r));
		if (r == KVM_EXIT_INTERNAL_ERROR)
			TH_LOG("suberror %u", run->internal.suberror);
	}
	if (r != KVM_EXIT_MMIO)
		return false;
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(RO_STACK + 0xff8ull, run->mmio.phys_addr);
	EXPECT_EQ(8u, run->mmio.len);
	memcpy(&data, run->mmio.data, sizeof(data));
	EXPECT_EQ(val, data) {
		TH_LOG("%s wrote %#llx", what, (unsigned long long)data);
	}
	return true;
}

TEST_F(guests, stack_in_a_readonly_slot)
{
	uint64_t *ro, code;
	struct kvm_regs regs;
	struct vcpu *vcpu;

	vm_base(self->vm);
	ro = vm_add_memory(self->vm, 1, RO_STACK, 4096, KVM_MEM_READONLY);
	ro[511] = RO_PATTERN;
	code = vm_load_code(self->vm, g_ro_push_start, g_ro_push_end, 0);
	vcpu = long_vcpu(self->vm, 0, code);

	if (!strcmp(test_dev(), "/dev/hcvm")) {
		/*
		 * hcvm emulates only the MOV family on MMIO (vcpu/decode.c): a PUSH
		 * there is an emulation failure with the instruction's bytes,
		 * memory untouched. Missing, and said so in the README.
		 */
		int r = run_guarded(vcpu, 5000);

		EXPECT_EQ(KVM_EXIT_INTERNAL_ERROR, r) {
			TH_LOG("PUSH: exit %d (%s)", r, exit_name(r));
		}
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, (int)vcpu->run->internal.suberror);
		EXPECT_EQ(0x53u, vcpu->run->internal.data[0] & 0xff);	/* push %rbx */
	} else if (expect_stack_write(_metadata, vcpu, 0x1122334455667788ULL, "PUSH") &&
		   guest_report(_metadata, vcpu) == (uint32_t)RO_PATTERN &&
		   expect_stack_write(_metadata, vcpu, code + (g_ro_push_ret - g_ro_push_start),
				      "CALL")) {
		EXPECT_EQ((uint32_t)RO_PATTERN, guest_report(_metadata, vcpu));
		EXPECT_EQ(RO_STACK + 0x1000, guest_report(_metadata, vcpu));
		EXPECT_EQ(KVM_EXIT_HLT, run_guarded(vcpu, 5000));
	} else {
		EXPECT_TRUE(0) {
			TH_LOG("PUSH, POP or CALL on the read-only stack: not as on KVM (above)");
		}
	}
	EXPECT_EQ(RO_PATTERN, ro[511]);
	vcpu_free(vcpu);

	/* An exception's frame onto the read-only stack. */
	code = vm_load_code(self->vm, g_bad_store_start, g_bad_store_end, 0x100);
	vcpu = long_vcpu(self->vm, 1, code);
	vcpu_get_regs(vcpu, &regs);
	regs.rsp = RO_STACK + 0x1000;
	vcpu_set_regs(vcpu, &regs);
	{
		int r = run_guarded(vcpu, 5000);

		if (r == -EINTR)
			TH_LOG("#GP frame: no exit of its own in 5 s, ended by the signal");
		else
			expect_kvm_like(_metadata, vcpu, r, "#GP frame", RO_STACK + 0xfd0,
					RO_STACK + 0x1000, 1);
	}
	EXPECT_EQ(RO_PATTERN, ro[511]);
	vcpu_free(vcpu);
}

/*
 * A guest that spins with interrupts off and never exits by itself. Host
 * interrupts still end each run (external-interrupt exiting does not care
 * about the guest's IF; hcvm's guard on Bochs, vmx/quirks.c, where they do
 * not): SIGALRM makes KVM_RUN return EINTR, with the vCPU still in its
 * loop. Then two such vCPUs on two threads, each stopped by its own signal.
 * A vCPU still in KVM_RUN 10 s after the first signal fails the test.
 * Skipped for kvm_intel on Bochs: there it freezes the host CPU (no guard).
 */
GUEST_CODE(g_cli_spin, ".code64", "cli\n 1: jmp 1b\n");

static void expect_spun_and_stopped(struct __test_metadata *_metadata, struct spinner *s,
				    uint64_t code)
{
	struct kvm_regs regs;

	EXPECT_EQ(-EINTR, s->ret) {
		TH_LOG("vCPU %d: exit %d (%s)", s->vcpu->id, s->ret, exit_name(s->ret));
	}
	EXPECT_EQ(KVM_EXIT_INTR, (int)s->vcpu->run->exit_reason);
	vcpu_get_regs(s->vcpu, &regs);
	EXPECT_EQ(code + 1, regs.rip);		/* at the JMP, after the CLI */
	EXPECT_EQ(0ull, regs.rflags & 0x200);
}

TEST_F_TIMEOUT(guests, if0_spin_is_preemptible, 60)
{
	struct spinner s = { 0 };

	if (self->kvm_on_bochs)
		SKIP(return, "kvm_intel on Bochs: an IF=0 guest freezes the host CPU");
	s.vcpu = vm_long_guest(self->vm, g_cli_spin_start, g_cli_spin_end);
	ASSERT_EQ(0, run_and_kick(&s, 1)) {
		TH_LOG("KVM_RUN still running 10 s after the first signal");
	}
	expect_spun_and_stopped(_metadata, &s, GPA_CODE);
	/* And again: the stopped vCPU resumes its spin, and stops again. */
	ASSERT_EQ(0, run_and_kick(&s, 1));
	expect_spun_and_stopped(_metadata, &s, GPA_CODE);
	vcpu_free(s.vcpu);
}

TEST_F_TIMEOUT(guests, if0_spin_on_two_vcpus_is_preemptible, 60)
{
	struct spinner s[2] = { { 0 } };
	int i;

	if (self->kvm_on_bochs)
		SKIP(return, "kvm_intel on Bochs: an IF=0 guest freezes the host CPU");
	s[0].vcpu = vm_long_guest(self->vm, g_cli_spin_start, g_cli_spin_end);
	s[1].vcpu = long_vcpu(self->vm, 1, GPA_CODE);
	ASSERT_EQ(0, run_and_kick(s, 2)) {
		TH_LOG("a vCPU still in KVM_RUN 10 s after the first signal");
	}
	for (i = 0; i < 2; i++) {
		expect_spun_and_stopped(_metadata, &s[i], GPA_CODE);
		vcpu_free(s[i].vcpu);
	}
}

TEST_HARNESS_MAIN
