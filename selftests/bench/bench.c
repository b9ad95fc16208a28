// SPDX-License-Identifier: GPL-2.0
/*
 * Exit-cost benchmark, hcvm side by side with the test kernel's kvm_intel in
 * one boot: each hypervisor is loaded in turn and the same guests run on it.
 * Figures are TSC ticks (guest time in an emulator: comparable side by side,
 * not silicon cycles). Prints one line per figure and the ratio hcvm/KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

#define LOOPS	2000

/* CPUID handled in the kernel: the guest times LOOPS of them itself. */
GUEST_CODE(b_cpuid, ".code64",
	"mov $2000, %r8d\n rdtsc\n shl $32, %rdx\n or %rax, %rdx\n mov %rdx, %r9\n"
	"1: xor %eax, %eax\n cpuid\n dec %r8d\n jnz 1b\n"
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n sub %r9, %rax\n"
	"mov $2000, %ecx\n xor %edx, %edx\n div %rcx\n out %eax, $0xf1\n hlt\n");
/* Port I/O and MMIO exits to userspace: timed by the VMM around KVM_RUN. */
GUEST_CODE(b_pio, ".code64", "1: out %al, $0xf3\n jmp 1b\n");
GUEST_CODE(b_mmio, ".code64", "mov $0x3ffff000, %rbx\n 1: movl $1, (%rbx)\n jmp 1b\n");

static struct vcpu *guest(struct vm *vm, const uint8_t *start, const uint8_t *end)
{
	struct vcpu *vcpu;

	vm_add_memory(vm, 0, 0, 2 << 20, 0);
	vm_setup_tables(vm);
	vcpu = vcpu_add(vm, 0);
	vcpu_setup_long(vcpu, vm_load_code(vm, start, end, 0));
	return vcpu;
}

static double exit_to_user(const uint8_t *start, const uint8_t *end, int want)
{
	struct vm *vm = vm_create();
	struct vcpu *vcpu = guest(vm, start, end);
	unsigned long long t0;

	if (vcpu_run(vcpu) != want)	/* warm up: first touch maps memory */
		return -1;
	t0 = __rdtsc();
	for (int i = 0; i < LOOPS; i++)
		if (vcpu_run(vcpu) != want)
			return -1;
	t0 = __rdtsc() - t0;
	vcpu_free(vcpu);
	vm_free(vm);
	return (double)t0 / LOOPS;
}

static double cpuid_in_kernel(void)
{
	struct vm *vm = vm_create();
	struct vcpu *vcpu = guest(vm, b_cpuid_start, b_cpuid_end);
	double r = vcpu_ucall(vcpu);

	vcpu_free(vcpu);
	vm_free(vm);
	return r;
}

static double create_destroy(void)
{
	unsigned long long t0 = __rdtsc();

	for (int i = 0; i < 200; i++) {
		struct vm *vm = vm_create();
		struct vcpu *vcpu = vcpu_add(vm, 0);

		vcpu_free(vcpu);
		vm_free(vm);
	}
	return (double)(__rdtsc() - t0) / 200;
}

#define FIGURES 4
static const char *const names[FIGURES] = {
	"CPUID exit handled in kernel", "port I/O exit to userspace", "MMIO exit to userspace",
	"VM + vCPU create and destroy",
};

static int measure(const char *dev, double out[FIGURES])
{
	setenv("HCVM_DEV", dev, 1);
	out[0] = cpuid_in_kernel();
	out[1] = exit_to_user(b_pio_start, b_pio_end, KVM_EXIT_IO);
	out[2] = exit_to_user(b_mmio_start, b_mmio_end, KVM_EXIT_MMIO);
	out[3] = create_destroy();
	return 0;
}

int main(void)
{
	double hcvm[FIGURES], kvm[FIGURES];
	int ret;

	module_unload("hcvm");
	module_unload("kvm_intel");
	ret = module_load("hcvm", NULL);
	if (ret) {
		fprintf(stderr, "bench: loading hcvm: %s\n", strerror(-ret));
		return 1;
	}
	measure("/dev/hcvm", hcvm);
	module_unload("hcvm");
	if (module_probe("kvm_intel")) {
		fprintf(stderr, "bench: modprobe kvm_intel failed\n");
		return 1;
	}
	measure("/dev/kvm", kvm);
	module_unload("kvm_intel");

	printf("%-32s %14s %14s %8s\n", "ticks per operation", "hcvm", "kvm_intel", "ratio");
	for (int i = 0; i < FIGURES; i++)
		printf("%-32s %14.0f %14.0f %8.2f\n", names[i], hcvm[i], kvm[i], hcvm[i] / kvm[i]);
	return 0;
}
