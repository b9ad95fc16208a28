// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt suite: the in-kernel irqchip (local APICs, IOAPIC, PICs,
 * PIT) behind KVM's ioctls, seen from guest code. Guests enable the x2APIC
 * with WRMSR (no MMIO decode in the way) unless the test is about MMIO, and
 * count interrupts in the guest library's common handler (IRQ_COUNT). The
 * same tests run against /dev/kvm with HCVM_DEV=/dev/kvm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

/* Parameters the test writes for the guest. */
#define P_ONESHOT_NS	0x181100	/* uint32_t */
#define P_PERIOD_NS	0x181104	/* uint32_t */
#define P_DEADLINE	0x181108	/* uint64_t: TSC ticks from now */
/* What the guest measured. */
#define M_ARM1		0x181000
#define M_ARM2		0x181008
#define M_TICK10	0x181010
#define M_ARM3		0x181018
#define M_FIRE1		0x181020

/* The APIC timer in its three modes, vectors 0x40 (one-shot), 0x41, 0x42. */
GUEST_CODE(g_timer, ".code64",
	X2APIC_ON
	WRMSR(0x83e, 0xb)					/* divide by 1 */
	WRMSR(0x832, 0x40)					/* one-shot */
	RDTSC_TO(0x181000)
	"mov $0x838, %ecx\n mov 0x181100, %eax\n xor %edx, %edx\n wrmsr\n"
	WAIT_COUNT("1", 0x180100, 1)
	"mov 0x180408, %rax\n mov %rax, 0x181020\n"
	UCALL(1)
	WRMSR(0x832, 0x20041)					/* periodic */
	RDTSC_TO(0x181008)
	"mov $0x838, %ecx\n mov 0x181104, %eax\n xor %edx, %edx\n wrmsr\n"
	WAIT_COUNT("2", 0x180104, 10)
	"mov 0x180408, %rax\n mov %rax, 0x181010\n"
	WRMSR(0x838, 0)
	UCALL(2)
	WRMSR(0x832, 0x40042)					/* TSC deadline */
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, 0x181018\n"
	"add 0x181108, %rax\n mov %rax, %rdx\n shr $32, %rdx\n mov $0x6e0, %ecx\n wrmsr\n"
	WAIT_COUNT("3", 0x180108, 1)
	UCALL(3)
	"4: hlt\n jmp 4b\n");

/* The BSP: INIT and SIPI (vector 9: 0x9000) to all others, twice as Linux does. */
GUEST_CODE(g_bsp, ".code64",
	X2APIC_ON
	WRMSR(0x830, 0xc4500)
	WRMSR(0x830, 0xc4609)
	WRMSR(0x830, 0xc4609)
	UCALL(1)
	"1: hlt\n jmp 1b\n");

/* An AP from its SIPI, in real mode: x2APIC on, report the APIC id. */
GUEST_CODE(g_ap, ".code16",
	"mov $0x1b, %ecx\n rdmsr\n or $0xc00, %eax\n wrmsr\n"
	"mov $0x802, %ecx\n rdmsr\n out %eax, $0xf1\n"
	"1: hlt\n jmp 1b\n");

/* An MSI (vector 0x60) and an irqfd (0x64) from the test, then writes that ioeventfds take. */
GUEST_CODE(g_msi, ".code64",
	X2APIC_ON
	UCALL(1)
	WAIT_COUNT("1", 0x180180, 1)
	WAIT_COUNT("3", 0x180190, 1)
	UCALL(2)
	"mov $0x1234, %eax\n mov $0x600, %dx\n out %ax, %dx\n"
	"mov $0x5555, %eax\n out %ax, %dx\n"
	"mov $7, %eax\n mov $0x602, %dx\n out %ax, %dx\n"
	"mov $0x3fffe000, %rbx\n movl $9, (%rbx)\n"
	UCALL(3)
	"2: hlt\n jmp 2b\n");

/* Interrupts masked: an MSI waits, then arrives once at STI. */
GUEST_CODE(g_masked, ".code64",
	X2APIC_ON
	UCALL(1)
	"mov $100000, %ecx\n 1: pause\n loop 1b\n"
	"mov 0x180184, %eax\n out %eax, $0xf1\n"
	"sti\n nop\n nop\n cli\n"
	"mov $100000, %ecx\n 2: pause\n loop 2b\n"
	"mov 0x180184, %eax\n out %eax, $0xf1\n"
	"3: hlt\n jmp 3b\n");

/*
 * IOAPIC by MMIO at 0xfec00000: pin 5 edge to vector 0x62, pin 6 level to
 * 0x63, both to APIC 0. Waits for one edge. Then, with the handler sending
 * no EOI (a level line stays up until the device is served, and the test
 * is the device), waits for the level interrupt, reports, sends one EOI by
 * hand with the line still up, and waits for the re-delivery it causes.
 */
GUEST_CODE(g_ioapic, ".code64",
	X2APIC_ON
	"mov $0xfec00000, %ebx\n"
	"movl $0x1a, (%rbx)\n movl $0x62, 0x10(%rbx)\n"
	"movl $0x1b, (%rbx)\n movl $0, 0x10(%rbx)\n"
	"movl $0x1c, (%rbx)\n movl $0x8063, 0x10(%rbx)\n"
	"movl $0x1d, (%rbx)\n movl $0, 0x10(%rbx)\n"
	"movl $0x1c, (%rbx)\n mov 0x10(%rbx), %eax\n out %eax, $0xf1\n"
	WAIT_COUNT("1", 0x180188, 1)
	"movl $0, 0x180410\n"
	UCALL(2)
	WAIT_COUNT("2", 0x18018c, 1)
	UCALL(3)
	WRMSR(0x80b, 0)
	WAIT_COUNT("3", 0x18018c, 2)
	UCALL(4)
	"4: hlt\n jmp 4b\n");

/* PIC at vectors 0x20/0x28, only IRQ0 open; PIT channel 0 at 100 Hz. */
GUEST_CODE(g_pic_pit, ".code64",
	"movl $3, 0x180410\n"
	"mov $0x11, %al\n out %al, $0x20\n mov $0x20, %al\n out %al, $0x21\n"
	"mov $4, %al\n out %al, $0x21\n mov $1, %al\n out %al, $0x21\n"
	"mov $0x11, %al\n out %al, $0xa0\n mov $0x28, %al\n out %al, $0xa1\n"
	"mov $2, %al\n out %al, $0xa1\n mov $1, %al\n out %al, $0xa1\n"
	"mov $0xfe, %al\n out %al, $0x21\n mov $0xff, %al\n out %al, $0xa1\n"
	"mov $0x34, %al\n out %al, $0x43\n mov $0x9c, %al\n out %al, $0x40\n"
	"mov $0x2e, %al\n out %al, $0x40\n"
	RDTSC_TO(0x181000)
	WAIT_COUNT("1", 0x180080, 5)
	RDTSC_TO(0x181008)
	UCALL(1)
	"2: hlt\n jmp 2b\n");

FIXTURE(irq) {
	struct vm *vm;
};

FIXTURE_SETUP(irq)
{
	if (!strcmp(test_dev(), "/dev/hcvm") && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	self->vm = vm_create();
}

FIXTURE_TEARDOWN(irq)
{
	vm_free(self->vm);
}

static void *guest_mem(struct vm *vm, uint64_t gpa)
{
	return gpa_to_hva(vm, gpa);
}

#define U32(vm, gpa)	(*(volatile uint32_t *)guest_mem(vm, gpa))
#define U64(vm, gpa)	(*(volatile uint64_t *)guest_mem(vm, gpa))

/* TSC ticks per nanosecond, measured against CLOCK_MONOTONIC. */
static double tsc_per_ns(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = __rdtsc();
	return (t1 - t0) / ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec));
}

TEST_F(irq, bad_input_refused)
{
	struct kvm_irq_level line = { .irq = 4, .level = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30 };
	struct kvm_irq_routing *r;
	struct kvm_irqfd irqfd = { .fd = -1, .gsi = 1 };
	struct vcpu *vcpu;

	vm_add_memory(self->vm, 0, 0, 2 << 20, 0);
	/* No irqchip yet. */
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQ_LINE, &line));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_GT(0, ioctl(self->vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP));
	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));

	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IRQ_LINE, &line));
	/* KVM ignores a GSI nothing can route; hcvm refuses it. */
	line.irq = 100000;
	if (!strcmp(test_dev(), "/dev/hcvm")) {
		EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQ_LINE, &line));
		EXPECT_EQ(EINVAL, errno);
	}

	r = calloc(1, sizeof(*r) + 2 * sizeof(r->entries[0]));
	ASSERT_NE(NULL, r);
	r->nr = 1 << 20;		/* far too large */
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, r));
	EXPECT_EQ(EINVAL, errno);
	r->nr = 1;
	r->entries[0].gsi = 3;
	r->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	r->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	r->entries[0].u.irqchip.pin = 24;	/* the IOAPIC has 0-23 */
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, r));
	EXPECT_EQ(EINVAL, errno);
	r->entries[0].u.irqchip.pin = 3;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, r));
	free(r);

	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));	/* not an eventfd */
	vcpu = vcpu_add(self->vm, 0);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &(struct kvm_interrupt){ .irq = 0x30 }));
	vcpu_free(vcpu);
}

TEST_F_TIMEOUT(irq, apic_timer_modes, 300)
{
	const uint32_t oneshot = 20000000, period = 10000000;	/* ns */
	double tpn = tsc_per_ns();
	struct vcpu *v;
	double ns;

	vm_setup_irqchip(self->vm, &v, 1, false);
	U32(self->vm, P_ONESHOT_NS) = oneshot;
	U32(self->vm, P_PERIOD_NS) = period;
	U64(self->vm, P_DEADLINE) = 20e6 * tpn;
	vcpu_setup_long(v, vm_load_code(self->vm, g_timer_start, g_timer_end, 0));

	ASSERT_EQ(1u, vcpu_ucall(v));
	ns = (U64(self->vm, M_FIRE1) - U64(self->vm, M_ARM1)) / tpn;
	TH_LOG("one-shot %u ns fired after %.0f ns", oneshot, ns);
	EXPECT_LE(oneshot * 0.99, ns);
	EXPECT_GE(oneshot + 30e6, ns);

	ASSERT_EQ(2u, vcpu_ucall(v));
	ns = (U64(self->vm, M_TICK10) - U64(self->vm, M_ARM2)) / tpn;
	TH_LOG("periodic %u ns: 10th tick after %.0f ns", period, ns);
	EXPECT_LE(10 * period * 0.99, ns);
	EXPECT_GE(10 * period + 30e6, ns);

	ASSERT_EQ(3u, vcpu_ucall(v));
	ns = (U64(self->vm, IRQ_TSC) - U64(self->vm, M_ARM3)) / tpn;
	TH_LOG("TSC deadline 20 ms ahead fired after %.0f ns", ns);
	EXPECT_LE(20e6 * 0.99, ns);
	EXPECT_GE(20e6 + 30e6, ns);
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x40)));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x42)));
	vcpu_free(v);
}

/* KVM returns EAGAIN once an AP leaves wait-for-INIT; run it again. */
static void *run_ap(void *arg)
{
	struct vcpu *v = arg;
	int ret;

	do
		ret = vcpu_run(v);
	while (ret == -EAGAIN);
	if (ret != KVM_EXIT_IO || v->run->io.port != UCALL_PORT)
		return (void *)(intptr_t)-1;
	return (void *)(uintptr_t)*(uint32_t *)vcpu_io_data(v);
}

TEST_F_TIMEOUT(irq, init_sipi_starts_4_vcpus, 300)
{
	struct kvm_mp_state mp;
	struct vcpu *v[4];
	pthread_t t[4];
	void *id;

	vm_setup_irqchip(self->vm, v, 4, false);
	memcpy(guest_mem(self->vm, 0x9000), g_ap_start, g_ap_end - g_ap_start);
	ASSERT_EQ(0, ioctl(v[1]->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	for (int i = 1; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run_ap, v[i]));
	vcpu_setup_long(v[0], vm_load_code(self->vm, g_bsp_start, g_bsp_end, 0));
	EXPECT_EQ(1u, vcpu_ucall(v[0]));
	for (int i = 1; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &id));
		EXPECT_EQ((uintptr_t)i, (uintptr_t)id);
	}
	for (int i = 0; i < 4; i++)
		vcpu_free(v[i]);
}

static void *run_pong(void *arg)
{
	struct vcpu *v = arg;

	/* Runs until the test kicks it with a signal. */
	return (void *)(intptr_t)vcpu_run(v);
}

static void on_signal(int sig)
{
}

TEST_F_TIMEOUT(irq, ipi_ping_pong, 300)
{
	struct vcpu *v[2];
	pthread_t t;
	void *ret;

	signal(SIGUSR1, on_signal);
	vm_setup_irqchip(self->vm, v, 2, true);
	vcpu_setup_long(v[0], vm_load_code(self->vm, guest_ipi_ping_start, guest_ipi_ping_end, 0));
	vcpu_setup_long(v[1], vm_load_code(self->vm, guest_ipi_pong_start, guest_ipi_pong_end, 0x800));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_pong, v[1]));
	EXPECT_EQ((unsigned int)IPI_ROUNDS, vcpu_ucall(v[0]));
	EXPECT_EQ((unsigned int)IPI_ROUNDS, U32(self->vm, IRQ_COUNT(0x50)));
	EXPECT_EQ((unsigned int)IPI_ROUNDS, U32(self->vm, IRQ_COUNT(0x51)));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ret);
	EXPECT_EQ(-EINTR, (intptr_t)ret);
	vcpu_free(v[0]);
	vcpu_free(v[1]);
}

static uint64_t efd_count(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

TEST_F(irq, msi_irqfd_and_ioeventfd)
{
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x60 };
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + sizeof(r->entries[0]));
	int efd = eventfd(0, EFD_NONBLOCK), e_match = eventfd(0, EFD_NONBLOCK);
	int e_any = eventfd(0, EFD_NONBLOCK), e_mmio = eventfd(0, EFD_NONBLOCK);
	struct kvm_ioeventfd io = { .addr = 0x600, .len = 2, .fd = e_match, .datamatch = 0x1234,
				    .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH };
	struct vcpu *v;

	ASSERT_NE(NULL, r);
	vm_setup_irqchip(self->vm, &v, 1, false);
	vcpu_setup_long(v, vm_load_code(self->vm, g_msi_start, g_msi_end, 0));
	ASSERT_EQ(1u, vcpu_ucall(v));

	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_SIGNAL_MSI, &msi));
	r->nr = 1;
	r->entries[0].gsi = 40;
	r->entries[0].type = KVM_IRQ_ROUTING_MSI;
	r->entries[0].u.msi.address_lo = 0xfee00000;
	r->entries[0].u.msi.data = 0x64;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, r));
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &(struct kvm_irqfd){ .fd = efd, .gsi = 40 }));
	ASSERT_EQ(8, write(efd, &(uint64_t){ 1 }, 8));
	EXPECT_EQ(2u, vcpu_ucall(v));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x60)));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x64)));

	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));	/* the same twice */
	EXPECT_EQ(EEXIST, errno);
	io = (struct kvm_ioeventfd){ .addr = 0x602, .len = 2, .fd = e_any,
				     .flags = KVM_IOEVENTFD_FLAG_PIO };
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
	io = (struct kvm_ioeventfd){ .addr = 0x3fffe000, .len = 4, .fd = e_mmio };
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
	/* 0x1234 to port 0x600 matches; 0x5555 does not and comes to us. */
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(v));
	EXPECT_EQ(0x600, v->run->io.port);
	EXPECT_EQ(0x5555, *(uint16_t *)vcpu_io_data(v));
	EXPECT_EQ(3u, vcpu_ucall(v));
	EXPECT_EQ(1u, efd_count(e_match));
	EXPECT_EQ(1u, efd_count(e_any));
	EXPECT_EQ(1u, efd_count(e_mmio));

	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD,
			   &(struct kvm_irqfd){ .fd = efd, .gsi = 40,
						.flags = KVM_IRQFD_FLAG_DEASSIGN }));
	/* Deassigning again is a no-op, as in KVM. */
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD,
			   &(struct kvm_irqfd){ .fd = efd, .gsi = 40,
						.flags = KVM_IRQFD_FLAG_DEASSIGN }));
	close(efd);
	close(e_match);
	close(e_any);
	close(e_mmio);
	free(r);
	vcpu_free(v);
}

TEST_F(irq, masked_interrupt_delivered_once_at_sti)
{
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x61 };
	struct vcpu *v;

	vm_setup_irqchip(self->vm, &v, 1, false);
	vcpu_setup_long(v, vm_load_code(self->vm, g_masked_start, g_masked_end, 0));
	ASSERT_EQ(1u, vcpu_ucall(v));
	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(0u, vcpu_ucall(v));		/* still masked */
	EXPECT_EQ(1u, vcpu_ucall(v));		/* once, after STI */
	vcpu_free(v);
}

TEST_F(irq, nmi_is_delivered)
{
	struct vcpu *v;

	vm_setup_irqchip(self->vm, &v, 1, false);
	vcpu_setup_long(v, vm_load_code(self->vm, g_masked_start, g_masked_end, 0));
	ASSERT_EQ(1u, vcpu_ucall(v));
	ASSERT_EQ(0, ioctl(v->fd, KVM_NMI));
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(v));	/* the NMI stub reports vector 2 */
	EXPECT_EQ(EXC_PORT, v->run->io.port);
	EXPECT_EQ(2u, *(uint32_t *)vcpu_io_data(v));
	vcpu_free(v);
}

TEST_F(irq, ioapic_edge_and_level)
{
	struct kvm_irq_level line = { .irq = 5, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct vcpu *v;

	vm_setup_irqchip(self->vm, &v, 1, false);
	vcpu_setup_long(v, vm_load_code(self->vm, g_ioapic_start, g_ioapic_end, 0));
	EXPECT_EQ(0x8063u, vcpu_ucall(v));	/* pin 6 read back */

	/* GSI 5 reaches IOAPIC pin 5 and PIC line 5: the status sums both. */
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_LE(1, line.status);
	line.level = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(2u, vcpu_ucall(v));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x62)));

	line = (struct kvm_irq_level){ .irq = 6, .level = 1 };
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_LE(1, line.status);
	EXPECT_EQ(3u, vcpu_ucall(v));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x63)));
	/* Not EOIed yet: Remote IRR holds the pin. */
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1, (int)chip.chip.ioapic.redirtbl[6].fields.remote_irr);
	EXPECT_EQ(0x63, chip.chip.ioapic.redirtbl[6].fields.vector);
	EXPECT_EQ(1, (int)chip.chip.ioapic.redirtbl[6].fields.trig_mode);
	/* The EOI with the line still up delivers it again. */
	EXPECT_EQ(4u, vcpu_ucall(v));
	EXPECT_EQ(2u, U32(self->vm, IRQ_COUNT(0x63)));
	EXPECT_EQ(1u, U32(self->vm, IRQ_COUNT(0x62)));	/* the edge stayed one */
	line.level = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQ_LINE_STATUS, &line));
	vcpu_free(v);
}

TEST_F_TIMEOUT(irq, pic_and_pit_channel_0, 300)
{
	struct kvm_pit_config pit = { 0 };
	struct kvm_pit_state2 ps;
	double tpn = tsc_per_ns(), ns;
	struct vcpu *v;

	vm_setup_irqchip(self->vm, &v, 1, false);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_PIT2, &pit));
	vcpu_setup_long(v, vm_load_code(self->vm, g_pic_pit_start, g_pic_pit_end, 0));
	EXPECT_EQ(1u, vcpu_ucall(v));
	EXPECT_LE(5u, U32(self->vm, IRQ_COUNT(0x20)));
	ns = (U64(self->vm, 0x181008) - U64(self->vm, 0x181000)) / tpn;
	TH_LOG("5 PIT ticks of 10 ms in %.0f ns", ns);
	EXPECT_LE(40e6, ns);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_PIT2, &ps));
	EXPECT_EQ(2, ps.channels[0].mode);
	EXPECT_EQ(11932u, ps.channels[0].count);
	vcpu_free(v);
}

TEST_HARNESS_MAIN
