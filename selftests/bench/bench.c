// SPDX-License-Identifier: GPL-2.0
/*
 * Exit-cost benchmark, hcvm side by side with the test kernel's kvm_intel in
 * one boot: each hypervisor is loaded in turn and the same guests run on it.
 * Figures are TSC ticks (guest time in an emulator: comparable side by side,
 * not silicon cycles). Prints one line per figure and the ratio hcvm/KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
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

/*
 * Latency samples, each stored at SAMPLES_AT (uint64_t[NSAMPLES]) in TSC
 * ticks by the guest itself.
 * Timer: TSC-deadline 1 ms ahead (at 50 MHz), handler entry minus deadline;
 * the guest waits in HLT, as an idle vCPU does (spinning, kvm_intel's
 * deadline never fires under Bochs: its VMX-preemption-timer path).
 */
#define NSAMPLES	IPI_ROUNDS
#define SAMPLES_AT	IPI_RTT
#define WARMUP		5	/* samples not counted (see percentiles()) */
GUEST_CODE(b_timer, ".code64",
	X2APIC_ON
	WRMSR(0x832, 0x40042)
	"sti\n xor %ebx, %ebx\n"
	"1: inc %ebx\n rdtsc\n shl $32, %rdx\n or %rdx, %rax\n add $50000, %rax\n"
	"mov %rax, %r13\n mov %rax, %rdx\n shr $32, %rdx\n mov $0x6e0, %ecx\n wrmsr\n"
	"2: cli\n cmp %ebx, 0x180108\n jae 3f\n sti\n hlt\n jmp 2b\n 3: sti\n"
	"mov 0x180408, %rax\n sub %r13, %rax\n mov %rax, 0x182000 - 8(,%rbx,8)\n"
	"cmp $100, %ebx\n jb 1b\n"
	"cli\n mov %ebx, %eax\n out %eax, $0xf1\n hlt\n");
/*
 * irqfd (the guest spins with IF=1, as a busy vCPU): a write to port 0x700 signals an eventfd (ioeventfd) that is also
 * an irqfd for an MSI to vector 0x64; from the OUT to handler entry.
 */
GUEST_CODE(b_irqfd, ".code64",
	X2APIC_ON
	"sti\n xor %ebx, %ebx\n"
	"1: inc %ebx\n rdtsc\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, %r13\n"
	"mov $0x700, %dx\n out %al, %dx\n"
	"2: pause\n cmp %ebx, 0x180190\n jb 2b\n"
	"mov 0x180408, %rax\n sub %r13, %rax\n mov %rax, 0x182000 - 8(,%rbx,8)\n"
	"cmp $100, %ebx\n jb 1b\n"
	"cli\n mov %ebx, %eax\n out %eax, $0xf1\n hlt\n");

static double exit_to_user(const uint8_t *start, const uint8_t *end, int want)
{
	struct vm *vm = vm_create();
	struct vcpu *vcpu = vm_long_guest(vm, start, end);
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
	struct vcpu *vcpu = vm_long_guest(vm, b_cpuid_start, b_cpuid_end);
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median and 99th percentile of the guest's samples; -1 if the run failed. */
static void percentiles(struct vm *vm, struct vcpu *vcpu, double *median, double *p99)
{
	uint64_t s[NSAMPLES];

	*median = *p99 = -1;
	if (vcpu_ucall(vcpu) != NSAMPLES)
		return;
	memcpy(s, gpa_to_hva(vm, SAMPLES_AT), sizeof(s));
	/*
	 * The first rounds are warm-up, on both hypervisors: they take the
	 * guest's first touches of its pages (EPT violations, host page
	 * allocation), a one-time cost the latency figures are not about.
	 */
	qsort(s + WARMUP, NSAMPLES - WARMUP, sizeof(s[0]), cmp_u64);
	*median = s[WARMUP + (NSAMPLES - WARMUP) / 2];
	*p99 = s[WARMUP + (NSAMPLES - WARMUP) * 99 / 100];
}

static void timer_latency(double *median, double *p99)
{
	struct vm *vm = vm_create();
	struct vcpu *v;

	vm_setup_irqchip(vm, &v, 1, 0);
	vcpu_setup_long(v, vm_load_code(vm, b_timer_start, b_timer_end, 0));
	percentiles(vm, v, median, p99);
	vcpu_free(v);
	vm_free(vm);
}

static void irqfd_latency(double *median, double *p99)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + sizeof(r->entries[0]));
	int efd = eventfd(0, EFD_NONBLOCK);
	struct kvm_ioeventfd io = { .addr = 0x700, .len = 1, .fd = efd,
				    .flags = KVM_IOEVENTFD_FLAG_PIO };
	struct vm *vm = vm_create();
	struct vcpu *v;

	*median = *p99 = -1;
	vm_setup_irqchip(vm, &v, 1, 0);
	if (!r || efd < 0)
		goto out;
	r->nr = 1;
	r->entries[0] = (struct kvm_irq_routing_entry){ .gsi = 40, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000, .data = 0x64 } };
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, r) ||
	    ioctl(vm->fd, KVM_IRQFD, &(struct kvm_irqfd){ .fd = efd, .gsi = 40 }) ||
	    ioctl(vm->fd, KVM_IOEVENTFD, &io))
		goto out;
	vcpu_setup_long(v, vm_load_code(vm, b_irqfd_start, b_irqfd_end, 0));
	percentiles(vm, v, median, p99);
out:
	vcpu_free(v);
	vm_free(vm);
	if (efd >= 0)
		close(efd);
	free(r);
}

static void *run_pong(void *arg)
{
	return (void *)(intptr_t)vcpu_run(arg);
}

static void on_signal(int sig)
{
}

static void ipi_round_trip(double *median, double *p99)
{
	struct vm *vm = vm_create();
	struct vcpu *v[2];
	pthread_t t;

	*median = *p99 = -1;
	vm_setup_irqchip(vm, v, 2, 1);
	signal(SIGUSR1, on_signal);
	vcpu_setup_long(v[0], vm_load_code(vm, guest_ipi_ping_start, guest_ipi_ping_end, 0));
	vcpu_setup_long(v[1], vm_load_code(vm, guest_ipi_pong_start, guest_ipi_pong_end, 0x800));
	if (!pthread_create(&t, NULL, run_pong, v[1])) {
		percentiles(vm, v[0], median, p99);
		pthread_kill(t, SIGUSR1);	/* pong's KVM_RUN returns -EINTR */
		pthread_join(t, NULL);
	}
	vcpu_free(v[0]);
	vcpu_free(v[1]);
	vm_free(vm);
}

#define FIGURES 10
static const char *const names[FIGURES] = {
	"CPUID exit handled in kernel", "port I/O exit to userspace", "MMIO exit to userspace",
	"VM + vCPU create and destroy",
	"IPI round trip, median", "IPI round trip, 99th pct",
	"ioeventfd->irqfd to handler, median", "ioeventfd->irqfd to handler, 99th",
	"timer deadline to handler, median", "timer deadline to handler, 99th",
};

static int measure(const char *dev, double out[FIGURES])
{
	setenv("HCVM_DEV", dev, 1);
	fprintf(stderr, "bench: %s: exits\n", dev);
	out[0] = cpuid_in_kernel();
	out[1] = exit_to_user(b_pio_start, b_pio_end, KVM_EXIT_IO);
	out[2] = exit_to_user(b_mmio_start, b_mmio_end, KVM_EXIT_MMIO);
	out[3] = create_destroy();
	fprintf(stderr, "bench: %s: IPI\n", dev);
	ipi_round_trip(&out[4], &out[5]);
	fprintf(stderr, "bench: %s: irqfd\n", dev);
	irqfd_latency(&out[6], &out[7]);
	fprintf(stderr, "bench: %s: timer\n", dev);
	timer_latency(&out[8], &out[9]);
	return 0;
}

int main(void)
{
	double hcvm[FIGURES], kvm[FIGURES];
	int ret;

	module_unload("hcvm");
	module_unload("kvm_intel");
	/* HCVM_PARAMS: module parameters, e.g. apicv=0 for the emulated APIC. */
	ret = module_load("hcvm", getenv("HCVM_PARAMS"));
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

	printf("%-36s %12s %12s %8s\n", "TSC ticks per operation", "hcvm", "kvm_intel", "ratio");
	for (int i = 0; i < FIGURES; i++)
		printf("%-36s %12.0f %12.0f %8.2f\n", names[i], hcvm[i], kvm[i], hcvm[i] / kvm[i]);
	return 0;
}
