/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small guest library for the nested selftests, so a test is a few lines of
 * intent: make a VM with memory, load guest code assembled into the test
 * (GUEST_CODE), put a vCPU in real, 32-bit protected or 64-bit long mode, run
 * it, and read what the guest reports through port I/O ("ucalls").
 * Works the same on /dev/hcvm and /dev/kvm: the device is $HCVM_DEV, default
 * /dev/hcvm. A setup step that fails ends the test process with a message.
 */
#ifndef HCVM_SELFTEST_KVM_UTIL_H
#define HCVM_SELFTEST_KVM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Guest OUT of a value to UCALL_PORT: a report to the test. */
#define UCALL_PORT	0xf1
/* The exception stubs of long-mode guests OUT their vector here, then HLT. */
#define EXC_PORT	0xf2

/* Guest-physical layout used by vm_setup_tables() and the vcpu_setup_*() helpers. */
#define GPA_PML4	0x1000
#define GPA_PDPT	0x2000
#define GPA_PD		0x3000		/* 2 MiB pages: the first GiB identity-mapped */
#define GPA_GDT		0x4000
#define GPA_IDT		0x5000
#define GPA_STUBS	0x6000		/* exception stubs, 8 bytes each */
#define GPA_IRQ_STUBS	0x6100		/* vectors 32-255: push vector, jump to the common handler */
#define GPA_IRQ_COMMON	0x6a00
#define GPA_PD_TOP	0x7000		/* 2 MiB pages: 3-4 GiB identity-mapped (APIC, IOAPIC) */
#define GPA_CODE	0x8000		/* where vcpu_load_code() puts guest code */
#define GPA_STACK	0x1f0000
/*
 * What the common interrupt handler records (vm_setup_tables()): a count per
 * vector, the last vector and the TSC at its entry; then it sends the EOI
 * that IRQ_EOI_MODE names and returns with IRETQ.
 */
#define GPA_IRQ_DATA	0x180000
#define IRQ_COUNT(v)	(GPA_IRQ_DATA + 4 * (v))	/* uint32_t */
#define IRQ_LAST	(GPA_IRQ_DATA + 0x400)		/* uint32_t */
#define IRQ_TSC		(GPA_IRQ_DATA + 0x408)		/* uint64_t */
#define IRQ_EOI_MODE	(GPA_IRQ_DATA + 0x410)		/* uint32_t: */
#define EOI_NONE	0
#define EOI_XAPIC	1	/* write 0 to the xAPIC EOI register */
#define EOI_X2APIC	2	/* WRMSR 0x80b */
#define EOI_PIC		3	/* non-specific EOI to the master PIC (and the slave for vector & 8) */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18

/*
 * Assemble guest code into the test binary: GUEST_CODE(name, ".code16", "hlt")
 * defines name_start[] and name_end[]. Keep it position independent (relative
 * jumps, RIP-relative data): it runs wherever it is loaded.
 */
#define GUEST_CODE(name, mode, body)						\
	asm(".pushsection .rodata." #name ", \"a\"\n"				\
	    ".global " #name "_start, " #name "_end\n"				\
	    #name "_start:\n" mode "\n" body "\n.code64\n"			\
	    #name "_end:\n.popsection\n");					\
	extern const uint8_t name##_start[], name##_end[]

/* Guest code snippets for GUEST_CODE bodies (64-bit). */
/*
 * x2APIC on, APIC software-enabled (spurious vector 0xff), LINT0 masked (the
 * PIC, uninitialised, would otherwise pass IRQs as vectors 0-15), EOI by WRMSR.
 */
#define X2APIC_ON							\
	"mov $0x1b, %ecx\n rdmsr\n or $0xc00, %eax\n wrmsr\n"		\
	"mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"	\
	"mov $0x835, %ecx\n mov $0x10000, %eax\n wrmsr\n"			\
	"movl $2, 0x180410\n"
#define WRMSR(msr, val)							\
	"mov $" #msr ", %ecx\n mov $" #val ", %eax\n xor %edx, %edx\n wrmsr\n"
#define RDTSC_TO(addr)							\
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, " #addr "\n"
/*
 * Sleep with interrupts on until the 32-bit counter at @addr reaches @n:
 * checked with IF=0 before each STI;HLT, so no interrupt slips in between.
 */
#define WAIT_COUNT(label, addr, n)					\
	label ": cmpl $" #n ", " #addr "\n jae " label "f\n"			\
	"sti\n hlt\n cli\n jmp " label "b\n" label ":\n"
#define UCALL(n)	"mov $" #n ", %eax\n out %eax, $0xf1\n"

/*
 * Two vCPUs in x2APIC mode: ping (APIC 0) sends vector 0x50 to APIC 1 and
 * waits, spinning with IF=1, for pong's 0x51, IPI_ROUNDS times; it stores
 * each round trip in TSC ticks at IPI_RTT (uint64_t[IPI_ROUNDS]) and
 * reports IPI_ROUNDS. Pong (APIC 1) answers each 0x50 from HLT. Start pong
 * first: ping waits for its APIC to be on.
 */
#define IPI_ROUNDS	100
#define IPI_RTT		0x182000
extern const uint8_t guest_ipi_ping_start[], guest_ipi_ping_end[];
extern const uint8_t guest_ipi_pong_start[], guest_ipi_pong_end[];

struct vm {
	int sys, fd, run_size;
	struct { void *hva; uint64_t gpa; size_t size; } slot[8];
};

struct vcpu {
	struct vm *vm;
	int fd, id;
	struct kvm_run *run;
};

const char *test_dev(void);
struct vm *vm_create(void);
void vm_free(struct vm *vm);
/* Anonymous memory at @gpa as slot @slot; returns its host address. */
void *vm_add_memory(struct vm *vm, int slot, uint64_t gpa, size_t size, uint32_t flags);
void *gpa_to_hva(struct vm *vm, uint64_t gpa);
/* Page tables, GDT and IDT with exception stubs in memory at 0 (needs 2 MiB there). */
void vm_setup_tables(struct vm *vm);

/*
 * 2 MiB at 0 with tables, an in-kernel irqchip (KVM_CREATE_IRQCHIP) and
 * vCPUs 0..@n-1 into @v; the APs made runnable (not waiting for INIT/SIPI)
 * if @aps_runnable.
 */
void vm_setup_irqchip(struct vm *vm, struct vcpu **v, int n, int aps_runnable);
/* 2 MiB at 0 with tables, and vCPU 0 in long mode at @start..@end loaded at GPA_CODE. */
struct vcpu *vm_long_guest(struct vm *vm, const uint8_t *start, const uint8_t *end);
/* A vCPU with the supported CPUID set, in its reset state. */
struct vcpu *vcpu_add(struct vm *vm, int id);
void vcpu_free(struct vcpu *vcpu);
/* Copy code to GPA_CODE (+ @offset) and return its guest-physical address. */
uint64_t vm_load_code(struct vm *vm, const uint8_t *start, const uint8_t *end, uint64_t offset);
void vcpu_setup_real(struct vcpu *vcpu, uint64_t rip);
void vcpu_setup_prot32(struct vcpu *vcpu, uint64_t rip);
void vcpu_setup_long(struct vcpu *vcpu, uint64_t rip);
/* KVM_RUN once: the exit reason, or -errno. */
int vcpu_run(struct vcpu *vcpu);
/* Run until the guest reports to UCALL_PORT; its value (32-bit OUT). Dies on any other exit. */
uint32_t vcpu_ucall(struct vcpu *vcpu);
/*
 * Finish the exit in progress (the I/O of a KVM_EXIT_IO) without running
 * guest code: KVM_RUN with immediate_exit, which returns EINTR. The KVM API
 * asks for this before state is saved: until then the I/O instruction may
 * not be complete (KVM leaves RIP on it), and a restored guest would run it
 * again.
 */
void vcpu_complete_io(struct vcpu *vcpu);
void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
/* The data of the current KVM_EXIT_IO. */
void *vcpu_io_data(struct vcpu *vcpu);
const char *exit_name(int reason);

#endif
