// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kvm_util.h"

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "# kvm_util: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno));
	va_end(ap);
	abort();
}

const char *test_dev(void)
{
	const char *dev = getenv("HCVM_DEV");

	return dev && *dev ? dev : "/dev/hcvm";
}

struct vm *vm_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		die("out of memory");
	vm->sys = open(test_dev(), O_RDWR | O_CLOEXEC);
	if (vm->sys < 0)
		die("open %s", test_dev());
	vm->fd = ioctl(vm->sys, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM");
	vm->run_size = ioctl(vm->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	return vm;
}

void vm_free(struct vm *vm)
{
	for (int i = 0; i < 8; i++)
		if (vm->slot[i].hva)
			munmap(vm->slot[i].hva, vm->slot[i].size);
	close(vm->fd);
	close(vm->sys);
	free(vm);
}

void *vm_add_memory(struct vm *vm, int slot, uint64_t gpa, size_t size, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
	};
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (hva == MAP_FAILED)
		die("mmap %zu", size);
	r.userspace_addr = (uintptr_t)hva;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION slot %d", slot);
	vm->slot[slot].hva = hva;
	vm->slot[slot].gpa = gpa;
	vm->slot[slot].size = size;
	return hva;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa)
{
	for (int i = 0; i < 8; i++)
		if (vm->slot[i].hva && gpa - vm->slot[i].gpa < vm->slot[i].size)
			return (char *)vm->slot[i].hva + (gpa - vm->slot[i].gpa);
	die("no memory at gpa %#llx", (unsigned long long)gpa);
	return NULL;
}

/* Exception stubs: "mov $vector, %eax; out %eax, $EXC_PORT; hlt", 8 bytes each. */
static void write_stubs(uint8_t *p)
{
	for (int v = 0; v < 32; v++, p += 8) {
		p[0] = 0xb8;
		memcpy(p + 1, &v, 4);
		p[5] = 0xe7;
		p[6] = EXC_PORT;
		p[7] = 0xf4;
	}
}

/*
 * The common interrupt handler: the stub pushed the vector. Records it,
 * sends the EOI IRQ_EOI_MODE asks for, returns to the interrupted code.
 */
GUEST_CODE(g_irq_common, ".code64",
	"push %rax\n push %rcx\n push %rdx\n"
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, 0x180408\n"
	"mov 24(%rsp), %ecx\n lock incl 0x180000(,%rcx,4)\n mov %ecx, 0x180400\n"
	"mov 0x180410, %eax\n"
	"cmp $1, %eax\n jne 2f\n mov $0xfee000b0, %eax\n movl $0, (%rax)\n jmp 9f\n"
	"2: cmp $2, %eax\n jne 3f\n mov $0x80b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n"
	"wrmsr\n jmp 9f\n"
	"3: cmp $3, %eax\n jne 9f\n mov $0x20, %al\n test $8, %cl\n jz 4f\n out %al, $0xa0\n"
	"4: out %al, $0x20\n"
	"9: pop %rdx\n pop %rcx\n pop %rax\n add $8, %rsp\n iretq\n");

/* IPI ping-pong (kvm_util.h); 100 = IPI_ROUNDS, 0x182000 = IPI_RTT. */
GUEST_CODE(guest_ipi_ping, ".code64",
	X2APIC_ON
	"sti\n 0: pause\n cmpl $0, 0x181200\n je 0b\n"	/* pong's APIC is on */
	"xor %ebx, %ebx\n"
	"1: rdtsc\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, %r13\n"
	"inc %ebx\n mov $0x830, %ecx\n mov $0x50, %eax\n mov $1, %edx\n wrmsr\n"
	"2: pause\n cmp %ebx, 0x180144\n jb 2b\n"
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n sub %r13, %rax\n"
	"mov %rax, 0x182000 - 8(,%rbx,8)\n"
	"cmp $100, %ebx\n jb 1b\n"
	"cli\n mov %ebx, %eax\n out %eax, $0xf1\n"
	"3: hlt\n jmp 3b\n");

GUEST_CODE(guest_ipi_pong, ".code64",
	X2APIC_ON
	"movl $1, 0x181200\n xor %ebx, %ebx\n"
	"1: sti\n hlt\n cli\n mov 0x180140, %eax\n cmp %ebx, %eax\n je 1b\n"
	"mov %eax, %ebx\n mov $0x830, %ecx\n mov $0x51, %eax\n xor %edx, %edx\n wrmsr\n"
	"jmp 1b\n");

/* Stubs for vectors 32-255: "push $vector; jmp common", 10 bytes each. */
static void write_irq_stubs(struct vm *vm)
{
	uint8_t *p = gpa_to_hva(vm, GPA_IRQ_STUBS);

	for (int v = 32; v < 256; v++, p += 10) {
		int32_t rel = GPA_IRQ_COMMON - (GPA_IRQ_STUBS + (v - 32) * 10 + 10);

		p[0] = 0x68;
		memcpy(p + 1, &v, 4);
		p[5] = 0xe9;
		memcpy(p + 6, &rel, 4);
	}
	memcpy(gpa_to_hva(vm, GPA_IRQ_COMMON), g_irq_common_start,
	       g_irq_common_end - g_irq_common_start);
}

void vm_setup_tables(struct vm *vm)
{
	uint64_t *pml4 = gpa_to_hva(vm, GPA_PML4), *pdpt = gpa_to_hva(vm, GPA_PDPT);
	uint64_t *pd = gpa_to_hva(vm, GPA_PD), *gdt = gpa_to_hva(vm, GPA_GDT);
	uint64_t *idt = gpa_to_hva(vm, GPA_IDT);

	uint64_t *pd_top = gpa_to_hva(vm, GPA_PD_TOP);

	pml4[0] = GPA_PDPT | 3;
	pdpt[0] = GPA_PD | 3;
	pdpt[3] = GPA_PD_TOP | 3;
	for (int i = 0; i < 512; i++) {
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* present, writable, 2 MiB */
		pd_top[i] = (3ULL << 30) + ((uint64_t)i << 21) + 0x9b;	/* uncached (PCD, PWT) */
	}
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;	/* flat data */
	gdt[3] = 0x00cf9b000000ffffULL;	/* flat 32-bit code */
	write_stubs(gpa_to_hva(vm, GPA_STUBS));
	write_irq_stubs(vm);
	for (int v = 0; v < 256; v++) {
		uint64_t h = v < 32 ? GPA_STUBS + 8 * v : GPA_IRQ_STUBS + 10 * (v - 32);

		/* 64-bit interrupt gate, present, DPL 0, selector SEL_CODE64. */
		idt[2 * v] = (h & 0xffff) | (uint64_t)SEL_CODE64 << 16 | 0x8e00ULL << 32 |
			     (h >> 16 & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
}

/*
 * Give the vCPU every CPUID feature the hypervisor offers (KVM checks EFER.LME
 * against it), and, as QEMU does, the TSC-deadline timer when the capability
 * says so: KVM emulates it but leaves it out of its supported CPUID, and
 * ignores the deadline MSR for a guest whose CPUID lacks it.
 */
static void set_supported_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	int deadline = ioctl(vcpu->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;

	if (!c)
		die("out of memory");
	c->nent = 256;
	if (ioctl(vcpu->vm->sys, KVM_GET_SUPPORTED_CPUID, c))
		die("KVM_GET_SUPPORTED_CPUID");
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1 && deadline)
			c->entries[i].ecx |= 1u << 24;
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2");
	free(c);
}

struct vcpu *vcpu_add(struct vm *vm, int id)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));

	if (!vcpu)
		die("out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		die("KVM_CREATE_VCPU %d", id);
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		die("mmap kvm_run");
	set_supported_cpuid(vcpu);
	return vcpu;
}

void vm_setup_irqchip(struct vm *vm, struct vcpu **v, int n, int aps_runnable)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	for (int i = 0; i < n; i++) {
		v[i] = vcpu_add(vm, i);
		if (i && aps_runnable && ioctl(v[i]->fd, KVM_SET_MP_STATE, &mp))
			die("KVM_SET_MP_STATE");
	}
}

void vcpu_free(struct vcpu *vcpu)
{
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}

uint64_t vm_load_code(struct vm *vm, const uint8_t *start, const uint8_t *end, uint64_t offset)
{
	memcpy(gpa_to_hva(vm, GPA_CODE + offset), start, end - start);
	return GPA_CODE + offset;
}

static void get_sregs(struct vcpu *vcpu, struct kvm_sregs *s)
{
	if (ioctl(vcpu->fd, KVM_GET_SREGS, s))
		die("KVM_GET_SREGS");
}

static void set_sregs(struct vcpu *vcpu, struct kvm_sregs *s)
{
	if (ioctl(vcpu->fd, KVM_SET_SREGS, s))
		die("KVM_SET_SREGS");
}

static void set_rip(struct vcpu *vcpu, uint64_t rip, uint64_t rsp)
{
	struct kvm_regs r = { .rip = rip, .rsp = rsp, .rflags = 2 };

	vcpu_set_regs(vcpu, &r);
}

void vcpu_setup_real(struct vcpu *vcpu, uint64_t rip)
{
	struct kvm_sregs s;

	get_sregs(vcpu, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	set_sregs(vcpu, &s);
	set_rip(vcpu, rip, 0x7000);
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, int l, int db)
{
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = db, .s = 1, .l = l, .g = 1,
	};
	return seg;
}

static void setup_protected(struct vcpu *vcpu, struct kvm_sregs *s, int long_mode)
{
	get_sregs(vcpu, s);
	s->cs = long_mode ? flat(SEL_CODE64, 0xb, 1, 0) : flat(SEL_CODE32, 0xb, 0, 1);
	s->ds = s->es = s->fs = s->gs = s->ss = flat(SEL_DATA, 0x3, 0, 1);
	s->gdt.base = GPA_GDT;
	s->gdt.limit = 4 * 8 - 1;
	s->idt.base = GPA_IDT;
	s->idt.limit = 256 * 16 - 1;
	s->cr0 = 0x11 | (long_mode ? 0x80000000 : 0);	/* PE, ET (+PG) */
}

void vcpu_setup_prot32(struct vcpu *vcpu, uint64_t rip)
{
	struct kvm_sregs s;

	setup_protected(vcpu, &s, 0);
	s.idt.limit = 0;	/* no 32-bit IDT: an exception triple-faults */
	set_sregs(vcpu, &s);
	set_rip(vcpu, rip, GPA_STACK);
}

void vcpu_setup_long(struct vcpu *vcpu, uint64_t rip)
{
	struct kvm_sregs s;

	setup_protected(vcpu, &s, 1);
	s.cr3 = GPA_PML4;
	s.cr4 = 0x20;			/* PAE */
	s.efer = 0x500;			/* LME, LMA */
	set_sregs(vcpu, &s);
	set_rip(vcpu, rip, GPA_STACK);
}

struct vcpu *vm_long_guest(struct vm *vm, const uint8_t *start, const uint8_t *end)
{
	struct vcpu *vcpu;

	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	vcpu = vcpu_add(vm, 0);
	vcpu_setup_long(vcpu, vm_load_code(vm, start, end, 0));
	return vcpu;
}

int vcpu_run(struct vcpu *vcpu)
{
	if (ioctl(vcpu->fd, KVM_RUN, 0))
		return -errno;
	return vcpu->run->exit_reason;
}

void *vcpu_io_data(struct vcpu *vcpu)
{
	return (char *)vcpu->run + vcpu->run->io.data_offset;
}

uint32_t vcpu_ucall(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t v = 0;
	int r = vcpu_run(vcpu);

	if (r != KVM_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT) {
		struct kvm_regs regs;

		vcpu_get_regs(vcpu, &regs);
		if (r == KVM_EXIT_IO && run->io.port == EXC_PORT)
			die("guest exception %u at rip %#llx", *(uint32_t *)vcpu_io_data(vcpu),
			    regs.rip);
		die("expected a ucall, got exit %d (%s) port %#x at rip %#llx", r, exit_name(r),
		    r == KVM_EXIT_IO ? run->io.port : 0, regs.rip);
	}
	memcpy(&v, vcpu_io_data(vcpu), run->io.size);
	return v;
}

void vcpu_complete_io(struct vcpu *vcpu)
{
	int r;

	vcpu->run->immediate_exit = 1;
	r = vcpu_run(vcpu);
	vcpu->run->immediate_exit = 0;
	if (r != -EINTR)
		die("KVM_RUN with immediate_exit returned %d (%s), not EINTR", r, exit_name(r));
}

void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_GET_REGS, regs))
		die("KVM_GET_REGS");
}

void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_SET_REGS, regs))
		die("KVM_SET_REGS");
}

const char *exit_name(int reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_IO] = "IO", [KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};

	if (reason < 0)
		return strerror(-reason);
	if ((size_t)reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}
