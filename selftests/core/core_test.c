// SPDX-License-Identifier: GPL-2.0
/*
 * The core suite: VMs, vCPUs and memory behind the KVM API, running guest
 * code in every CPU mode. Guests that run for long do so with IF=1: Bochs
 * takes no VM exit for host interrupts while a guest has IF=0. Each test loads hcvm (fixture) and talks to it
 * with the guest library; the same tests run against /dev/kvm with
 * HCVM_DEV=/dev/kvm and kvm_intel loaded instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

/* Real mode: report 0x1234, read port 0x11 and report what came in, halt. */
GUEST_CODE(g_real_io, ".code16",
	"mov $0x1234, %eax\n out %eax, $0xf1\n"
	"in $0x11, %al\n movzbl %al, %eax\n out %eax, $0xf1\n"
	"hlt\n");

/* 32-bit protected mode: write memory, report it back, halt. */
GUEST_CODE(g_prot32, ".code32",
	"movl $0xcafe0032, 0x10000\n mov 0x10000, %eax\n out %eax, $0xf1\n hlt\n");

/* Long mode: report CR0.PG and EFER.LMA through CR0/RDMSR, then a memory value. */
GUEST_CODE(g_long, ".code64",
	"mov %cr0, %rax\n shr $31, %eax\n out %eax, $0xf1\n"
	"mov $0xc0000080, %ecx\n rdmsr\n out %eax, $0xf1\n"
	"movabs $0x1122334455667788, %rax\n mov %rax, 0x10000\n"
	"mov 0x10004, %eax\n out %eax, $0xf1\n hlt\n");

/* MMIO at 1 GiB - 4 KiB (no slot): stores of each size, then loads, each reported. */
GUEST_CODE(g_mmio, ".code64",
	"mov $0x3ffff000, %rbx\n"
	"movb $0x11, (%rbx)\n movw $0x2222, (%rbx)\n movl $0x33333333, (%rbx)\n"
	"movabs $0x4444444444444444, %rax\n mov %rax, (%rbx)\n"
	"movzbl (%rbx), %eax\n out %eax, $0xf1\n"
	"movzwl (%rbx), %eax\n out %eax, $0xf1\n"
	"mov (%rbx), %eax\n out %eax, $0xf1\n"
	"mov (%rbx), %rax\n shr $32, %rax\n out %eax, $0xf1\n hlt\n");

/* String I/O: REP OUTSB of 16 bytes at 0x10000, REP INSW of 4 words to 0x10100. */
GUEST_CODE(g_string_io, ".code64",
	"mov $0x10000, %esi\n mov $16, %ecx\n mov $0x20, %dx\n rep outsb\n"
	"mov $0x10100, %edi\n mov $4, %ecx\n mov $0x22, %dx\n rep insw\n"
	"mov 0x10100, %eax\n out %eax, $0xf1\n mov 0x10104, %eax\n out %eax, $0xf1\n"
	"mov %ecx, %eax\n out %eax, $0xf1\n hlt\n");

/* CPUID leaves 0 and 1 and an unknown one, reported register by register. */
GUEST_CODE(g_cpuid, ".code64",
	"xor %eax, %eax\n cpuid\n mov %ebx, %eax\n out %eax, $0xf1\n"
	"mov $1, %eax\n cpuid\n mov %ecx, %eax\n out %eax, $0xf1\n mov %ebx, %eax\n out %eax, $0xf1\n"
	"mov $0x4fffffff, %eax\n cpuid\n or %ebx, %eax\n or %ecx, %eax\n or %edx, %eax\n"
	"out %eax, $0xf1\n hlt\n");

/* MSRs: LSTAR round trip, then an MSR hcvm does not know (#GP expected). */
GUEST_CODE(g_msr, ".code64",
	"mov $0xc0000082, %ecx\n mov $0xffff8000, %eax\n mov $0xffffffff, %edx\n wrmsr\n"
	"xor %eax, %eax\n xor %edx, %edx\n rdmsr\n out %eax, $0xf1\n"
	"mov $0x12345, %ecx\n rdmsr\n out %eax, $0xf1\n hlt\n");

/* A VMX instruction in the guest: #UD expected. */
GUEST_CODE(g_vmxon, ".code64", "vmxoff\n hlt\n");

/* Count forever, reporting every 64 iterations. */
GUEST_CODE(g_count, ".code64",
	"sti\n xor %eax, %eax\n 1: inc %eax\n test $0x3f, %al\n jnz 1b\n out %eax, $0xf1\n jmp 1b\n");

/* Spin with interrupts enabled and no exits of its own. */
GUEST_CODE(g_spin, ".code64", "sti\n 1: pause\n jmp 1b\n");

/* Sum 512 KiB at 1 MiB and report it: each VM must see only its own memory. */
GUEST_CODE(g_sum, ".code64",
	"sti\n mov $0x100000, %rsi\n xor %eax, %eax\n mov $0x20000, %ecx\n"
	"1: add (%rsi), %eax\n add $4, %rsi\n dec %ecx\n jnz 1b\n out %eax, $0xf1\n hlt\n");

/* Read-only slot at 768 MiB: a read works, a write exits as MMIO. */
GUEST_CODE(g_readonly, ".code64",
	"mov $0x30000000, %rbx\n mov (%rbx), %eax\n out %eax, $0xf1\n"
	"movl $0x77, (%rbx)\n mov (%rbx), %eax\n out %eax, $0xf1\n hlt\n");

/* Triple fault: no IDT in 32-bit mode, then an exception. */
GUEST_CODE(g_ud2, ".code32", "ud2\n");

FIXTURE(core) {
	struct vm *vm;
};

FIXTURE_SETUP(core)
{
	if (!strcmp(test_dev(), "/dev/hcvm") && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	self->vm = vm_create();
}

FIXTURE_TEARDOWN(core)
{
	vm_free(self->vm);
}

/* A VM with 2 MiB at 0, tables set up, and one vCPU. */
static struct vcpu *simple_vcpu(struct vm *vm)
{
	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	return vcpu_add(vm, 0);
}

TEST_F(core, capabilities_and_system_ioctls)
{
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = { .c.nent = 256 };
	struct { struct kvm_msr_list l; uint32_t idx[64]; } msrs = { .l.nmsrs = 1 };
	int sys = self->vm->sys;
	unsigned int i;

	EXPECT_EQ(12, ioctl(sys, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT));
	EXPECT_LE(4, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	/* Not built yet, so not claimed. */
	EXPECT_EQ(0, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE));
	EXPECT_EQ(0, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP));
	EXPECT_LE(2 * 4096, ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0));

	ASSERT_EQ(0, ioctl(sys, KVM_GET_SUPPORTED_CPUID, &cpuid));
	ASSERT_LT(2u, cpuid.c.nent);
	for (i = 0; i < cpuid.c.nent; i++)
		if (cpuid.e[i].function == 1)
			EXPECT_EQ(0u, cpuid.e[i].ecx & (1 << 5));	/* no VMX for guests */

	EXPECT_EQ(-1, ioctl(sys, KVM_GET_MSR_INDEX_LIST, &msrs));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_LT(1u, msrs.l.nmsrs);
	ASSERT_GE(64u, msrs.l.nmsrs);
	EXPECT_EQ(0, ioctl(sys, KVM_GET_MSR_INDEX_LIST, &msrs));
}

/* Whether the host kernel's /proc/cpuinfo lists @flag for the boot CPU. */
static bool host_has_flag(const char *flag)
{
	char line[4096], word[64];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	snprintf(word, sizeof(word), " %s ", flag);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		line[strcspn(line, "\n")] = ' ';
		found = strstr(line, word);
		break;
	}
	fclose(f);
	return found;
}

/*
 * A feature the host kernel turned off (the test bed boots with noxsave,
 * which takes AVX, FMA and F16C with it) is not offered either: a guest
 * shown XSAVE would set CR4.OSXSAVE and get #GP.
 */
TEST_F(core, supported_cpuid_follows_the_host_kernel)
{
	static const struct { int bit; const char *flag; } leaf1_ecx[] = {
		{ 0, "pni" }, { 1, "pclmulqdq" }, { 9, "ssse3" }, { 12, "fma" },
		{ 13, "cx16" }, { 19, "sse4_1" }, { 20, "sse4_2" }, { 22, "movbe" },
		{ 23, "popcnt" }, { 25, "aes" }, { 26, "xsave" }, { 28, "avx" },
		{ 29, "f16c" }, { 30, "rdrand" },
	};
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = { .c.nent = 256 };
	uint32_t ecx = 0, ebx7 = 0;
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->vm->sys, KVM_GET_SUPPORTED_CPUID, &cpuid));
	for (i = 0; i < cpuid.c.nent; i++) {
		if (cpuid.e[i].function == 1)
			ecx = cpuid.e[i].ecx;
		if (cpuid.e[i].function == 7 && !cpuid.e[i].index)
			ebx7 = cpuid.e[i].ebx;
	}
	for (i = 0; i < sizeof(leaf1_ecx) / sizeof(leaf1_ecx[0]); i++) {
		if (!(ecx & (1u << leaf1_ecx[i].bit)))
			continue;
		EXPECT_TRUE(host_has_flag(leaf1_ecx[i].flag)) {
			TH_LOG("CPUID.1:ECX bit %d offered, host kernel has no %s",
			       leaf1_ecx[i].bit, leaf1_ecx[i].flag);
		}
	}
	if (ebx7 & (1u << 5))
		EXPECT_TRUE(host_has_flag("avx2"));
	if (!host_has_flag("xsave"))
		TH_LOG("host without XSAVE: CPUID.1:ECX %#x", ecx);
}

TEST_F(core, real_mode_from_reset_state)
{
	struct kvm_regs regs;
	struct vcpu *vcpu;
	uint8_t *top;

	/* The reset vector: 0xfffffff0, in the last page below 4 GiB. */
	top = vm_add_memory(self->vm, 0, 0xfffff000, 4096, 0);
	top[0xff0] = 0xf4;	/* hlt */
	vcpu = vcpu_add(self->vm, 0);
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0xfff0u, regs.rip);
	EXPECT_EQ(0x600u, regs.rdx);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu_run(vcpu));
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0xfff1u, regs.rip);
	vcpu_free(vcpu);
}

TEST_F(core, real_mode_port_io)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_real(vcpu, vm_load_code(self->vm, g_real_io_start, g_real_io_end, 0));
	EXPECT_EQ(0x1234u, vcpu_ucall(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
	EXPECT_EQ(KVM_EXIT_IO_IN, vcpu->run->io.direction);
	EXPECT_EQ(0x11, vcpu->run->io.port);
	EXPECT_EQ(1, vcpu->run->io.size);
	*(uint8_t *)vcpu_io_data(vcpu) = 0xab;
	EXPECT_EQ(0xabu, vcpu_ucall(vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, vcpu_run(vcpu));
	vcpu_free(vcpu);
}

TEST_F(core, protected_mode_32bit)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_prot32(vcpu, vm_load_code(self->vm, g_prot32_start, g_prot32_end, 0));
	EXPECT_EQ(0xcafe0032u, vcpu_ucall(vcpu));
	EXPECT_EQ(0xcafe0032u, *(uint32_t *)gpa_to_hva(self->vm, 0x10000));
	EXPECT_EQ(KVM_EXIT_HLT, vcpu_run(vcpu));
	vcpu_free(vcpu);
}

/*
 * 32-bit PAE paging set up by KVM_SET_SREGS: the entry takes the PDPTEs from
 * the VMCS, so the hypervisor must load them from the guest's CR3 first. A
 * PDPTE with a reserved bit set stops the guest before its first
 * instruction (hcvm: the CPU's entry check, FAIL_ENTRY; KVM: SHUTDOWN).
 * The PAE PDPT sits at 0xf000 (the long-mode one has bits PAE reserves).
 */
static int run_pae(struct vm *vm, int id)
{
	struct vcpu *vcpu = vcpu_add(vm, id);
	struct kvm_sregs s;
	int ret;

	vcpu_setup_prot32(vcpu, GPA_CODE);
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s))
		return -errno;
	s.cr3 = 0xf000;
	s.cr4 |= 0x20;			/* PAE */
	s.cr0 |= 0x80000000;		/* PG */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s))
		return -errno;
	ret = vcpu_run(vcpu);
	if (ret == KVM_EXIT_IO)
		ret = *(uint32_t *)vcpu_io_data(vcpu);
	vcpu_free(vcpu);
	return ret;
}

TEST_F(core, pae_paging_from_set_sregs)
{
	uint64_t *pdpt;
	int ret;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(self->vm);
	vm_load_code(self->vm, g_prot32_start, g_prot32_end, 0);
	pdpt = gpa_to_hva(self->vm, 0xf000);
	pdpt[0] = GPA_PD | 1;
	EXPECT_EQ((int)0xcafe0032, run_pae(self->vm, 0));
	pdpt[0] = GPA_PD | 1 << 5 | 1;	/* reserved bit 5 */
	ret = run_pae(self->vm, 1);
	EXPECT_TRUE(ret == KVM_EXIT_FAIL_ENTRY || ret == KVM_EXIT_SHUTDOWN) {
		TH_LOG("exit %d", ret);
	}
}

TEST_F(core, long_mode_with_paging)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_long_start, g_long_end, 0));
	EXPECT_EQ(1u, vcpu_ucall(vcpu));		/* CR0.PG */
	EXPECT_EQ(0x500u, vcpu_ucall(vcpu) & 0x500);	/* EFER.LME|LMA */
	EXPECT_EQ(0x11223344u, vcpu_ucall(vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, vcpu_run(vcpu));
	vcpu_free(vcpu);
}

TEST_F(core, mmio_of_every_size)
{
	static const uint64_t stores[] = { 0x11, 0x2222, 0x33333333, 0x4444444444444444ULL };
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct kvm_run *run = vcpu->run;
	uint64_t v;
	int i;

	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_mmio_start, g_mmio_end, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
		EXPECT_EQ(0x3ffff000u, run->mmio.phys_addr);
		EXPECT_EQ(1u << i, run->mmio.len);
		EXPECT_EQ(1, run->mmio.is_write);
		v = 0;
		memcpy(&v, run->mmio.data, run->mmio.len);
		EXPECT_EQ(stores[i], v);
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
		EXPECT_EQ(0, run->mmio.is_write);
		EXPECT_EQ(i == 3 ? 8u : 1u << i, run->mmio.len);
		v = 0x8877665544332211ULL;
		memcpy(run->mmio.data, &v, run->mmio.len);
		EXPECT_EQ(i == 0 ? 0x11u : i == 1 ? 0x2211u : i == 2 ? 0x44332211u : 0x88776655u,
			  vcpu_ucall(vcpu));
	}
	EXPECT_EQ(KVM_EXIT_HLT, vcpu_run(vcpu));
	vcpu_free(vcpu);
}

TEST_F(core, string_and_rep_port_io)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct kvm_run *run = vcpu->run;
	uint8_t *src = gpa_to_hva(self->vm, 0x10000);
	uint16_t words[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	unsigned int done = 0;

	for (int i = 0; i < 16; i++)
		src[i] = 0xa0 + i;
	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_string_io_start, g_string_io_end, 0));
	/* REP OUTSB: all 16 bytes, possibly over several exits. */
	while (done < 16) {
		ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
		ASSERT_EQ(0x20, run->io.port);
		ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
		ASSERT_EQ(1, run->io.size);
		ASSERT_LE(done + run->io.count, 16u);
		EXPECT_EQ(0, memcmp(vcpu_io_data(vcpu), src + done, run->io.count));
		done += run->io.count;
	}
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
	ASSERT_EQ(0x22, run->io.port);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(2, run->io.size);
	ASSERT_EQ(4u, run->io.count);
	memcpy(vcpu_io_data(vcpu), words, sizeof(words));
	EXPECT_EQ(0x22221111u, vcpu_ucall(vcpu));
	EXPECT_EQ(0x44443333u, vcpu_ucall(vcpu));
	EXPECT_EQ(0u, vcpu_ucall(vcpu));		/* RCX counted down */
	vcpu_free(vcpu);
}

/* KVM_SET_USER_MEMORY_REGION: 0 or the errno. */
static int set_region(int fd, struct kvm_userspace_memory_region *r)
{
	return ioctl(fd, KVM_SET_USER_MEMORY_REGION, r) ? errno : 0;
}

TEST_F(core, memory_slot_rules)
{
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0x100000,
						 .memory_size = 0x10000 };
	void *mem = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = self->vm->fd;

	ASSERT_NE(MAP_FAILED, mem);
	r.userspace_addr = (uintptr_t)mem;
	ASSERT_EQ(0, set_region(fd, &r));
	/* Overlap with another slot. */
	r.slot = 1;
	r.guest_phys_addr = 0x108000;
	EXPECT_EQ(EEXIST, set_region(fd, &r));
	/* Unaligned address, size, or host address; unknown flags; too big; bad slot. */
	r.guest_phys_addr = 0x200800;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.guest_phys_addr = 0x200000;
	r.memory_size = 0x1800;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.memory_size = 0x10000;
	r.userspace_addr += 12;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.userspace_addr -= 12;
	r.flags = 0x80;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.flags = 0;
	r.memory_size = 1ULL << 50;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.memory_size = 0x10000;
	r.guest_phys_addr = 1ULL << 52;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.guest_phys_addr = 0x200000;
	r.slot = 4096;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	/* A slot keeps its size; deleting an empty slot is an error. */
	r.slot = 0;
	r.guest_phys_addr = 0x100000;
	r.memory_size = 0x20000;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	r.slot = 5;
	r.memory_size = 0;
	EXPECT_EQ(EINVAL, set_region(fd, &r));
	/* Move, then delete. */
	r.slot = 0;
	r.memory_size = 0x10000;
	r.guest_phys_addr = 0x300000;
	EXPECT_EQ(0, set_region(fd, &r));
	r.memory_size = 0;
	EXPECT_EQ(0, set_region(fd, &r));
	munmap(mem, 0x20000);
}

TEST_F(core, slot_delete_and_move_seen_by_guest)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct kvm_userspace_memory_region r = { .slot = 1, .memory_size = 4096 };
	uint32_t *data = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	/* The read-only-slot guest reads 768 MiB and writes it: reuse it to probe memory. */
	ASSERT_NE(MAP_FAILED, data);
	data[0] = 0x5a5a5a5a;
	r.userspace_addr = (uintptr_t)data;
	r.guest_phys_addr = 0x30000000;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_readonly_start, g_readonly_end, 0));
	EXPECT_EQ(0x5a5a5a5au, vcpu_ucall(vcpu));
	/* Writable: the store lands in memory, and the guest reads it back. */
	EXPECT_EQ(0x77u, vcpu_ucall(vcpu));
	EXPECT_EQ(0x77u, data[0]);

	/* Moved away: the same guest code now reads MMIO. */
	r.guest_phys_addr = 0x30001000;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	vcpu_setup_long(vcpu, GPA_CODE);
	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	EXPECT_EQ(0x30000000u, vcpu->run->mmio.phys_addr);
	/* Deleted: still MMIO. */
	r.memory_size = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	vcpu_setup_long(vcpu, GPA_CODE);
	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	vcpu_free(vcpu);
	munmap(data, 4096);
}

TEST_F(core, readonly_slot_writes_become_mmio)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	uint32_t *ro = vm_add_memory(self->vm, 1, 0x30000000, 4096, KVM_MEM_READONLY);
	struct kvm_run *run = vcpu->run;
	uint32_t v;

	ro[0] = 0x600d;
	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_readonly_start, g_readonly_end, 0));
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x30000000u, run->mmio.phys_addr);
	EXPECT_EQ(4u, run->mmio.len);
	memcpy(&v, run->mmio.data, 4);
	EXPECT_EQ(0x77u, v);
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));	/* memory unchanged */
	vcpu_free(vcpu);
}

TEST_F(core, cpuid_follows_the_table_userspace_set)
{
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[2]; } cpuid = {
		.c.nent = 2,
		.e = {
			{ .function = 0, .eax = 1, .ebx = 0x68637668 },
			{ .function = 1, .eax = 0x806e9, .ecx = 0x20 | 0x1, .ebx = 0x0800 },
		},
	};
	struct vm *vm = self->vm;
	struct vcpu *vcpu;

	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	vcpu = vcpu_add(vm, 3);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &cpuid));
	vcpu_setup_long(vcpu, vm_load_code(vm, g_cpuid_start, g_cpuid_end, 0));
	EXPECT_EQ(0x68637668u, vcpu_ucall(vcpu));
	/* The table's ECX, VMX (bit 5) included as userspace asked. */
	EXPECT_EQ(0x21u, vcpu_ucall(vcpu));
	/* Initial APIC ID in EBX[31:24] is the vCPU id. */
	EXPECT_EQ(0x03000800u, vcpu_ucall(vcpu));
	EXPECT_EQ(0u, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

TEST_F(core, msr_policy)
{
	struct { struct kvm_msrs m; struct kvm_msr_entry e[2]; } msrs = {
		.m.nmsrs = 2, .e = { { .index = 0xc0000082 }, { .index = 0x12345 } },
	};
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_msr_start, g_msr_end, 0));
	EXPECT_EQ(0xffff8000u, vcpu_ucall(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
	EXPECT_EQ(EXC_PORT, vcpu->run->io.port);
	EXPECT_EQ(13u, *(uint32_t *)vcpu_io_data(vcpu));	/* #GP */
	/* KVM_GET_MSRS stops at the first MSR it refuses. */
	EXPECT_EQ(1, ioctl(vcpu->fd, KVM_GET_MSRS, &msrs));
	EXPECT_EQ(0xffffffffffff8000ULL, msrs.e[0].data);
	vcpu_free(vcpu);
}

TEST_F(core, vmx_instructions_are_undefined_in_guests)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_vmxon_start, g_vmxon_end, 0));
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));
	EXPECT_EQ(EXC_PORT, vcpu->run->io.port);
	EXPECT_EQ(6u, *(uint32_t *)vcpu_io_data(vcpu));	/* #UD */
	vcpu_free(vcpu);
}

TEST_F(core, triple_fault_is_shutdown)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);

	vcpu_setup_prot32(vcpu, vm_load_code(self->vm, g_ud2_start, g_ud2_end, 0));
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vcpu_run(vcpu));
	vcpu_free(vcpu);
}

TEST_F(core, bad_sregs_refused)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct kvm_sregs good, s;
	struct kvm_regs regs;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &good));
	s = good;
	s.cr0 |= 0x80000000;		/* PG without PE */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.efer = 0x400;			/* LMA without LME and paging */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.cr4 = 0x2000;			/* VMXE */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.efer = 1ULL << 40;		/* reserved */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.cr0 = 1ULL << 40;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);

	/* What only the CPU checks fails the entry, not the host. */
	vcpu_setup_long(vcpu, GPA_CODE);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	s.cs.l = 1;
	s.cs.db = 1;			/* L and D together are invalid */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	EXPECT_EQ(KVM_EXIT_FAIL_ENTRY, vcpu_run(vcpu));
	EXPECT_EQ(0x80000021ULL, vcpu->run->fail_entry.hardware_entry_failure_reason);
	vcpu_get_regs(vcpu, &regs);
	vcpu_free(vcpu);
}

static void on_alarm(int sig)
{
}

TEST_F(core, immediate_exit_and_signals)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct sigaction sa = { .sa_handler = on_alarm };

	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_spin_start, g_spin_end, 0));
	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vcpu_run(vcpu));
	EXPECT_EQ((__u32)KVM_EXIT_INTR, vcpu->run->exit_reason);
	vcpu->run->immediate_exit = 0;

	/* A signal stops a guest that never exits by itself. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-EINTR, vcpu_run(vcpu));
	EXPECT_EQ((__u32)KVM_EXIT_INTR, vcpu->run->exit_reason);
	vcpu_free(vcpu);
}

struct mover {
	pthread_t vcpu_thread;
	volatile int stop;
};

static void *move_around(void *arg)
{
	struct mover *m = arg;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i = 0;
	cpu_set_t set;

	while (!m->stop) {
		CPU_ZERO(&set);
		CPU_SET(i++ % ncpu, &set);
		pthread_setaffinity_np(m->vcpu_thread, sizeof(set), &set);
		usleep(2000);
	}
	return NULL;
}

TEST_F_TIMEOUT(core, vcpu_thread_moved_across_cpus, 300)
{
	struct vcpu *vcpu = simple_vcpu(self->vm);
	struct mover m = { .vcpu_thread = pthread_self() };
	pthread_t t;
	uint32_t last = 0, v;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	vcpu_setup_long(vcpu, vm_load_code(self->vm, g_count_start, g_count_end, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, move_around, &m));
	for (int i = 0; i < 300; i++) {
		v = vcpu_ucall(vcpu);
		EXPECT_EQ(last + 64, v);
		last = v;
	}
	m.stop = 1;
	pthread_join(t, NULL);
	vcpu_free(vcpu);
}

struct sum_job {
	struct vcpu *vcpu;
	uint32_t result;
};

static void *run_sum(void *arg)
{
	struct sum_job *j = arg;

	j->result = vcpu_ucall(j->vcpu);
	return NULL;
}

TEST_F_TIMEOUT(core, two_vms_of_four_vcpus_at_once, 600)
{
	struct vm *vms[2] = { self->vm, vm_create() };
	struct sum_job jobs[8];
	pthread_t threads[8];
	uint32_t expect[2] = { 0, 0 };

	for (int v = 0; v < 2; v++) {
		uint32_t *mem;

		vm_add_memory(vms[v], 0, 0, 2 << 20, 0);
		vm_setup_tables(vms[v]);
		vm_load_code(vms[v], g_sum_start, g_sum_end, 0);
		mem = gpa_to_hva(vms[v], 0x100000);
		for (int i = 0; i < 0x20000; i++) {
			mem[i] = (v + 1) * 0x01010101u + i;
			expect[v] += mem[i];
		}
		for (int c = 0; c < 4; c++) {
			jobs[v * 4 + c].vcpu = vcpu_add(vms[v], c);
			vcpu_setup_long(jobs[v * 4 + c].vcpu, GPA_CODE);
		}
	}
	ASSERT_NE(expect[0], expect[1]);
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, run_sum, &jobs[i]));
	for (int i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		EXPECT_EQ(expect[i / 4], jobs[i].result) TH_LOG("VM %d vCPU %d", i / 4, i % 4);
		vcpu_free(jobs[i].vcpu);
	}
	vm_free(vms[1]);
}

static void *run_until_signalled(void *arg)
{
	struct vcpu *vcpu = arg;

	while (vcpu_run(vcpu) != -EINTR)
		;
	return NULL;
}

TEST_F_TIMEOUT(core, closing_fds_while_vcpus_run, 300)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	pthread_t t[2];

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (int order = 0; order < 2; order++) {
		struct vm *vm = vm_create();
		struct vcpu *vcpu[2];

		vm_add_memory(vm, 0, 0, 2 << 20, 0);
		vm_setup_tables(vm);
		vm_load_code(vm, g_spin_start, g_spin_end, 0);
		for (int i = 0; i < 2; i++) {
			vcpu[i] = vcpu_add(vm, i);
			vcpu_setup_long(vcpu[i], GPA_CODE);
			ASSERT_EQ(0, pthread_create(&t[i], NULL, run_until_signalled, vcpu[i]));
		}
		usleep(200000);
		/* Drop the VM fd (and, in the second round, the system fd) first. */
		close(vm->fd);
		if (order)
			close(vm->sys);
		for (int i = 0; i < 2; i++) {
			pthread_kill(t[i], SIGUSR1);
			pthread_join(t[i], NULL);
			vcpu_free(vcpu[i]);
		}
		if (!order)
			close(vm->sys);
		for (int s = 0; s < 8; s++)
			if (vm->slot[s].hva)
				munmap(vm->slot[s].hva, vm->slot[s].size);
		free(vm);
	}
}

TEST_F_TIMEOUT(core, create_destroy_10000_times, 1200)
{
	for (int i = 0; i < 10000; i++) {
		struct vm *vm = vm_create();
		struct vcpu *vcpu = vcpu_add(vm, 0);

		if (i % 2000 == 0)
			TH_LOG("cycle %d", i);
		if (i % 100 == 0) {
			vm_add_memory(vm, 0, 0, 2 << 20, 0);
			vm_setup_tables(vm);
			vcpu_setup_long(vcpu, vm_load_code(vm, g_vmxon_start, g_vmxon_end, 0));
			ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu)) TH_LOG("cycle %d", i);
		}
		vcpu_free(vcpu);
		vm_free(vm);
	}
}

TEST_HARNESS_MAIN
