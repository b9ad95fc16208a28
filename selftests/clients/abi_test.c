// SPDX-License-Identifier: GPL-2.0
/*
 * The calls unmodified KVM clients ask for before they run anything
 * (kvmtool: coalesced MMIO and HLT; the KVM selftests library: memory
 * slots by KVM_SET_USER_MEMORY_REGION2, the TSC frequency), each with
 * KVM's semantics, so the same binary passes on /dev/kvm ($HCVM_DEV).
 * Then the clients themselves (issue 11).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/hcvm.h>		/* KVM's newer calls, for an older <linux/kvm.h> */
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE	4096		/* what KVM_COALESCED_MMIO_MAX is computed with (x86) */
#endif

GUEST_CODE(g_alive, ".code64", UCALL(1) "hlt\n");

#define ZONE		0xd0000000ULL	/* no memory there: MMIO (identity-mapped 3-4 GiB) */
#define PIO_ZONE	0x500

FIXTURE(abi) {
	struct vm *vm;
};

FIXTURE_SETUP(abi)
{
	if (!strcmp(test_dev(), "/dev/hcvm") && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	self->vm = vm_create();
}

FIXTURE_TEARDOWN(abi)
{
	vm_free(self->vm);
}

TEST_F(abi, caps_that_clients_require)
{
	int sys = self->vm->sys;

	/* kvmtool refuses to start without these two; the value is the ring's page. */
	EXPECT_EQ(KVM_COALESCED_MMIO_PAGE_OFFSET, ioctl(sys, KVM_CHECK_EXTENSION,
							KVM_CAP_COALESCED_MMIO));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_HLT));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ));
	/* QEMU sizes its routing table by it (1 made it assert). */
	EXPECT_LE(1024, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_LE((KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * getpagesize(), self->vm->run_size);
}

static struct kvm_coalesced_mmio_ring *ring_of(struct vcpu *vcpu)
{
	return (void *)((char *)vcpu->run + KVM_COALESCED_MMIO_PAGE_OFFSET * getpagesize());
}

static int zone(struct vm *vm, unsigned long cmd, uint64_t addr, uint32_t size, uint32_t pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return ioctl(vm->fd, cmd, &z) ? -errno : 0;
}

/*
 * Writes 0x11223344 (4 bytes) at ZONE, 0x5566778899aabbcc (8) at ZONE + 8,
 * 0xee (1) at ZONE + 0xfff, then 0x77 (4) at ZONE + 0x1000, just past the zone,
 * OUT 0xabcd (2) to PIO_ZONE, reports 1; IN from PIO_ZONE, reports 2.
 */
GUEST_CODE(g_zone_writes, ".code64",
	"mov $0xd0000000, %ebx\n"
	"movl $0x11223344, (%rbx)\n"
	"movabs $0x5566778899aabbcc, %rax\n mov %rax, 8(%rbx)\n"
	"movb $0xee, 0xfff(%rbx)\n"
	"movl $0x77, 0x1000(%rbx)\n"
	"mov $0xabcd, %ax\n mov $0x500, %dx\n out %ax, %dx\n"
	UCALL(1)
	"in %dx, %ax\n" UCALL(2) "hlt\n");

static void expect_entry(struct __test_metadata *_metadata, const struct kvm_coalesced_mmio *e,
			 uint64_t addr, uint32_t len, uint64_t data, uint32_t pio)
{
	uint64_t got = 0;

	memcpy(&got, e->data, sizeof(got));
	EXPECT_EQ(addr, e->phys_addr);
	EXPECT_EQ(len, e->len);
	EXPECT_EQ(pio, e->pio);
	EXPECT_EQ(data, got);
}

/*
 * Writes inside a zone go to the ring without an exit, in order, each with
 * its address, length and data; a write outside it exits as MMIO, the ring
 * already holding the writes before it. A PIO zone takes OUTs, not INs.
 */
TEST_F(abi, coalesced_writes_fill_the_ring_in_order)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_zone_writes_start, g_zone_writes_end);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 0x1000, 0));
	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, PIO_ZONE, 2, 1));
	EXPECT_EQ(-EINVAL, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 0x1000, 2));

	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	EXPECT_EQ(ZONE + 0x1000, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	ASSERT_EQ(3u, ring->last - ring->first);
	expect_entry(_metadata, &ring->coalesced_mmio[0], ZONE, 4, 0x11223344, 0);
	expect_entry(_metadata, &ring->coalesced_mmio[1], ZONE + 8, 8, 0x5566778899aabbccULL, 0);
	expect_entry(_metadata, &ring->coalesced_mmio[2], ZONE + 0xfff, 1, 0xee, 0);
	ring->first = ring->last;

	EXPECT_EQ(1u, vcpu_ucall(vcpu));
	ASSERT_EQ(1u, ring->last - ring->first);
	expect_entry(_metadata, &ring->coalesced_mmio[3], PIO_ZONE, 2, 0xabcd, 1);
	ring->first = ring->last;
	ASSERT_EQ(KVM_EXIT_IO, vcpu_run(vcpu));		/* the IN is not coalesced */
	EXPECT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	EXPECT_EQ(PIO_ZONE, run->io.port);
	EXPECT_EQ(2u, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

/* Writes RCX times at ZONE the values 0, 1, ...; then reports RCX. */
GUEST_CODE(g_zone_loop, ".code64",
	"mov $0xd0000000, %ebx\n xor %eax, %eax\n"
	"1: mov %eax, (%rbx)\n inc %eax\n cmp %ecx, %eax\n jb 1b\n"
	"out %eax, $0xf1\n hlt\n");

static struct vcpu *zone_loop(struct vm *vm, uint32_t n)
{
	struct vcpu *vcpu = vm_long_guest(vm, g_zone_loop_start, g_zone_loop_end);
	struct kvm_regs r;

	vcpu_get_regs(vcpu, &r);
	r.rcx = n;
	vcpu_set_regs(vcpu, &r);
	return vcpu;
}

/* The exit is the ordinary MMIO write of @val at ZONE. */
static void expect_write_exit(struct __test_metadata *_metadata, struct vcpu *vcpu, uint32_t val)
{
	uint32_t got;

	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	memcpy(&got, vcpu->run->mmio.data, sizeof(got));
	EXPECT_EQ(ZONE, vcpu->run->mmio.phys_addr);
	EXPECT_EQ(val, got);
}

/*
 * A full ring (one slot is always free: last + 1 == first) makes the next
 * write an ordinary exit; once userspace consumed the entries, writes go to
 * the ring again, from where it left off.
 */
TEST_F(abi, a_full_ring_exits)
{
	const uint32_t max = KVM_COALESCED_MMIO_MAX;
	struct vcpu *vcpu = zone_loop(self->vm, max + 5);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	uint32_t i, v;

	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 4, 0));
	expect_write_exit(_metadata, vcpu, max - 1);
	ASSERT_EQ(max - 1, ring->last);
	for (i = 0; i < max - 1; i++) {
		memcpy(&v, ring->coalesced_mmio[i].data, sizeof(v));
		ASSERT_EQ(i, v);
	}
	ring->first = ring->last;
	EXPECT_EQ(max + 5, vcpu_ucall(vcpu));
	EXPECT_EQ(4u, ring->last);		/* max .. max + 4 after max - 1, wrapped */
	memcpy(&v, ring->coalesced_mmio[3].data, sizeof(v));
	EXPECT_EQ(max + 4, v);
	vcpu_free(vcpu);
}

/*
 * The ring's indices are userspace's to scribble on: an index out of the
 * ring makes writes exit (nothing is written out of the page), indices in
 * it are used as they are.
 */
TEST_F(abi, scribbled_ring_indices_are_not_trusted)
{
	struct vcpu *vcpu = zone_loop(self->vm, 3);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	uint32_t v;

	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 4, 0));
	ring->last = 0xffffffff;
	ring->first = 12345;
	expect_write_exit(_metadata, vcpu, 0);
	EXPECT_EQ(0xffffffffu, ring->last);
	ring->last = KVM_COALESCED_MMIO_MAX;
	expect_write_exit(_metadata, vcpu, 1);
	ring->last = 7;
	ring->first = 5;
	EXPECT_EQ(3u, vcpu_ucall(vcpu));
	EXPECT_EQ(8u, ring->last);
	memcpy(&v, ring->coalesced_mmio[7].data, sizeof(v));
	EXPECT_EQ(2u, v);
	vcpu_free(vcpu);
}

/* Unregistering a range drops every zone of its kind inside it, as KVM does. */
TEST_F(abi, unregister_drops_the_zones_inside)
{
	struct vcpu *vcpu = zone_loop(self->vm, 2);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);

	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 4, 0));
	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE + 0x100, 4, 0));
	/* A PIO zone at the same number is another kind: it stays, and takes no MMIO. */
	ASSERT_EQ(0, zone(self->vm, KVM_REGISTER_COALESCED_MMIO, ZONE, 4, 1));
	ASSERT_EQ(0, zone(self->vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE, 0x1000, 0));
	expect_write_exit(_metadata, vcpu, 0);
	expect_write_exit(_metadata, vcpu, 1);
	EXPECT_EQ(2u, vcpu_ucall(vcpu));
	EXPECT_EQ(ring->first, ring->last);
	vcpu_free(vcpu);
}

/* Reads the quadword at 0x400000 and reports it, then again. */
GUEST_CODE(g_read_slot, ".code64",
	"mov 0x400000, %eax\n out %eax, $0xf1\n mov 0x400000, %eax\n out %eax, $0xf1\n hlt\n");

/*
 * KVM_SET_USER_MEMORY_REGION2 makes the same slots as the first version
 * (the KVM selftests library makes every slot with it); a guest_memfd slot
 * is refused where there is no guest_memfd (hcvm, and KVM's default VM
 * type); size 0 deletes.
 */
TEST_F(abi, memory_region2_adds_and_deletes_slots)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_read_slot_start, g_read_slot_end);
	size_t size = 1 << 20;
	uint32_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region2 r = {
		.slot = 1, .guest_phys_addr = 0x400000, .memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	ASSERT_NE(MAP_FAILED, mem);
	mem[0] = 0x5107;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION2, &r));
	EXPECT_EQ(0x5107u, vcpu_ucall(vcpu));
	r.memory_size = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION2, &r));
	ASSERT_EQ(KVM_EXIT_MMIO, vcpu_run(vcpu));
	EXPECT_EQ(0x400000ull, vcpu->run->mmio.phys_addr);
	r.slot = 2;
	r.memory_size = size;
	r.flags = 1 << 2;	/* KVM_MEM_GUEST_MEMFD */
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION2, &r));
	EXPECT_EQ(EINVAL, errno);
	vcpu_free(vcpu);
	munmap(mem, size);
}

/*
 * The TSC frequency, the same on the VM and the vCPU (the KVM selftests
 * assert it is there), and KVM_SET_TSC_KHZ without TSC scaling.
 */
TEST_F(abi, tsc_khz_is_reported)
{
	struct vcpu *vcpu = vcpu_add(self->vm, 0);
	int vm_khz = ioctl(self->vm->fd, KVM_GET_TSC_KHZ, 0);

	EXPECT_LT(0, vm_khz);
	EXPECT_EQ(vm_khz, ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0));
	/* Setting the rate it has (or 0, the host's) works; another needs TSC scaling. */
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, 0));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, vm_khz));
	if (ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) <= 0) {
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, vm_khz / 2));
		EXPECT_EQ(EINVAL, errno);
	}
	vcpu_free(vcpu);
}

/*
 * Feature MSRs on the system fd (QEMU and the KVM selftests pick CPU models
 * by them): the list, and KVM_GET_MSRS there, which stops at the first MSR
 * that is not one. ARCH_CAPABILITIES reads as a new vCPU's.
 */
TEST_F(abi, feature_msrs_on_the_system_fd)
{
	struct { struct kvm_msr_list l; uint32_t i[64]; } list = { .l.nmsrs = 64 };
	struct { struct kvm_msrs m; struct kvm_msr_entry e[2]; } msrs = {
		.m.nmsrs = 2, .e = { { .index = 0x10a }, { .index = 0x10 } },
	};
	struct { struct kvm_msrs m; struct kvm_msr_entry e; } vcpu_msr = {
		.m.nmsrs = 1, .e.index = 0x10a,
	};
	struct kvm_msr_list small = { .nmsrs = 0 };
	struct vcpu *vcpu;
	bool found = false;

	ASSERT_EQ(1, ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES));
	EXPECT_EQ(-1, ioctl(self->vm->sys, KVM_GET_MSR_FEATURE_INDEX_LIST, &small));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_LT(0u, small.nmsrs);
	ASSERT_EQ(0, ioctl(self->vm->sys, KVM_GET_MSR_FEATURE_INDEX_LIST, &list));
	for (unsigned int i = 0; i < list.l.nmsrs; i++)
		found |= list.l.indices[i] == 0x10a;
	EXPECT_TRUE(found);
	/* The TSC is no feature MSR: one done. */
	EXPECT_EQ(1, ioctl(self->vm->sys, KVM_GET_MSRS, &msrs));
	vcpu = vcpu_add(self->vm, 0);
	ASSERT_EQ(1, ioctl(vcpu->fd, KVM_GET_MSRS, &vcpu_msr));
	EXPECT_EQ(vcpu_msr.e.data, msrs.e[0].data);
	vcpu_free(vcpu);
}

/* Reads DR0 and DR7 and reports their low halves. */
GUEST_CODE(g_read_drs, ".code64",
	"mov %dr0, %rax\n out %eax, $0xf1\n mov %dr7, %rax\n out %eax, $0xf1\n hlt\n");

/*
 * KVM_GET/SET_DEBUGREGS: what is set is what the guest reads (MOV from
 * DR0, DR7) and what GET gives back; flags or DR6/DR7 bits 63:32 are EINVAL.
 */
TEST_F(abi, debugregs_round_trip)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_read_drs_start, g_read_drs_end);
	struct kvm_debugregs d = { .db = { 0x1000, 0x2000, 0x3000, 0x4000 },
				   .dr6 = 0xffff0ff0, .dr7 = 0x400 | 0x3 };	/* L0, G0 */
	struct kvm_debugregs got, bad;

	ASSERT_EQ(1, ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &got));
	EXPECT_EQ(0, memcmp(d.db, got.db, sizeof(d.db)));
	EXPECT_EQ(d.dr7, got.dr7);
	EXPECT_EQ(d.dr6, got.dr6);
	bad = d;
	bad.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = d;
	bad.dr7 |= 1ULL << 32;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0x1000u, vcpu_ucall(vcpu));
	EXPECT_EQ(0x403u, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

GUEST_CODE(g_read_xmm0, ".code64", "movd %xmm0, %eax\n out %eax, $0xf1\n hlt\n");

/* The XSAVE image's legacy area, as the SDM lays it out (FXSAVE format). */
#define XS_MXCSR	24
#define XS_XMM0		160
#define XS_XSTATE_BV	512		/* the header's first word */
#define XFEATURE_PKRU	(1ULL << 9)

/*
 * KVM_GET/SET_XSAVE (QEMU's FPU state where KVM_CAP_XSAVE is there, and
 * migration's everywhere): the image holds what KVM_SET_FPU set (XMM0,
 * MXCSR), and what is set through it is what the guest reads. PKRU (not
 * guest state on hcvm), a reserved header bit or an MXCSR bit the CPU
 * lacks is EINVAL. KVM_GET_XSAVE2 gives the size KVM_CAP_XSAVE2 says.
 * Without host XSAVE (the test bed's noxsave) the image is the FXSAVE area
 * and a header saying x87|SSE, and KVM_CAP_XSAVE is 0, as on KVM.
 */
TEST_F(abi, xsave_image_round_trip)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_read_xmm0_start, g_read_xmm0_end);
	int size = ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	struct kvm_sregs sr;
	struct kvm_fpu fpu;
	uint8_t *img, *bad;
	uint32_t v;
	uint64_t bv;

	/* SSE for the guest's MOVD: CR4.OSFXSR (vcpu_setup_long leaves it clear). */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &sr));
	sr.cr4 |= 1 << 9;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &sr));
	ASSERT_LE((int)sizeof(struct kvm_xsave), size);
	img = calloc(1, size);
	bad = calloc(1, size);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
	memset(fpu.xmm[0], 0, sizeof(fpu.xmm[0]));
	fpu.xmm[0][0] = 0x5e;
	fpu.xmm[0][1] = 0xed;
	fpu.mxcsr = 0x1fa0;	/* default, masks, PE */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_FPU, &fpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE2, img));
	memcpy(&v, img + XS_MXCSR, 4);
	EXPECT_EQ(0x1fa0u, v);
	memcpy(&v, img + XS_XMM0, 4);
	EXPECT_EQ(0xed5eu, v);
	memcpy(&bv, img + XS_XSTATE_BV, 8);
	EXPECT_EQ(0u, bv & XFEATURE_PKRU);
	if (size == (int)sizeof(struct kvm_xsave)) {
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, bad));
		EXPECT_EQ(0, memcmp(img, bad, size));
	}

	/* Through the image into the guest's XMM0; MXCSR read back by KVM_GET_FPU. */
	v = 0x600d;
	memcpy(img + XS_XMM0, &v, 4);
	bv |= 3;		/* x87 and SSE state are in the image */
	memcpy(img + XS_XSTATE_BV, &bv, 8);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XSAVE, img));
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
	EXPECT_EQ(0x1fa0u, fpu.mxcsr);

	memcpy(bad, img, size);
	bv |= XFEATURE_PKRU;
	memcpy(bad + XS_XSTATE_BV, &bv, 8);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno);
	/* The header is checked where it is used: with XSAVE (KVM too). */
	if (ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0) {
		memcpy(bad, img, size);
		bad[XS_XSTATE_BV + 16] = 1;	/* the header's reserved bytes */
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
		EXPECT_EQ(EINVAL, errno);
	}
	memcpy(bad, img, size);
	v = 0xffffffff;
	memcpy(bad + XS_MXCSR, &v, 4);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno);
	free(bad);
	free(img);
	vcpu_free(vcpu);
}

#define PVCLOCK_GPA	0x100000	/* struct pvclock_vcpu_time_info */
#define WALLCLOCK_GPA	0x100100	/* struct pvclock_wall_clock */

/*
 * A Linux guest's kvmclock read: enable the page (MSR_KVM_SYSTEM_TIME_NEW)
 * and the wall clock (MSR_KVM_WALL_CLOCK_NEW), then for each report read
 * the page as pvclock does (version even and unchanged around the reads;
 * ns = system_time + ((TSC - tsc_timestamp) << shift) * mul >> 32) and
 * report the time, low then high half, and the page's flags.
 */
GUEST_CODE(g_kvmclock, ".code64",
	"mov $0x4b564d01, %ecx\n mov $0x100001, %eax\n xor %edx, %edx\n wrmsr\n"
	"mov $0x4b564d00, %ecx\n mov $0x100100, %eax\n wrmsr\n"
	"1: mov 0x100000, %r8d\n test $1, %r8d\n jnz 1b\n"
	"rdtsc\n shl $32, %rdx\n or %rdx, %rax\n sub 0x100008, %rax\n"
	"movsbl 0x10001c, %ecx\n test %ecx, %ecx\n js 2f\n shl %cl, %rax\n jmp 3f\n"
	"2: neg %ecx\n shr %cl, %rax\n"
	"3: mov 0x100018, %r9d\n mul %r9\n shrd $32, %rdx, %rax\n add 0x100010, %rax\n"
	"cmp 0x100000, %r8d\n jne 1b\n"
	"mov %rax, %rbx\n out %eax, $0xf1\n shr $32, %rax\n out %eax, $0xf1\n"
	"movzbl 0x10001d, %eax\n out %eax, $0xf1\n jmp 1b\n");

static uint64_t guest_clock(struct vcpu *vcpu, uint32_t *flags)
{
	uint64_t lo = vcpu_ucall(vcpu);
	uint64_t hi = vcpu_ucall(vcpu);

	*flags = vcpu_ucall(vcpu);
	return hi << 32 | lo;
}

static struct kvm_clock_data get_clock(struct __test_metadata *_metadata, struct vm *vm)
{
	struct kvm_clock_data c;

	EXPECT_EQ(0, ioctl(vm->fd, KVM_GET_CLOCK, &c));
	return c;
}

/*
 * kvmclock, as a Linux guest and QEMU use it: the KVM CPUID leaves offer
 * it; the guest's time from its page lies between KVM_GET_CLOCK before and
 * after, and the page says TSC-stable; KVM_SET_CLOCK moves the guest's
 * clock with it; the wall clock plus the clock is the host's wall time.
 */
TEST_F(abi, kvmclock_follows_get_and_set_clock)
{
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = { .c.nent = 256 };
	struct vcpu *vcpu = vm_long_guest(self->vm, g_kvmclock_start, g_kvmclock_end);
	struct kvm_clock_data c0, c1, set;
	struct pvclock_wall { uint32_t version, sec, nsec; } wc;
	uint32_t flags, sig = 0, features = 0;
	uint64_t g, wall;
	unsigned int i;

	EXPECT_NE(0, ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK) &
		  KVM_CLOCK_TSC_STABLE);
	ASSERT_EQ(0, ioctl(self->vm->sys, KVM_GET_SUPPORTED_CPUID, &cpuid));
	for (i = 0; i < cpuid.c.nent; i++) {
		if (cpuid.e[i].function == 0x40000000)
			sig = cpuid.e[i].ebx;
		if (cpuid.e[i].function == 0x40000001)
			features = cpuid.e[i].eax;
	}
	EXPECT_EQ(0x4b4d564bu, sig);		/* "KVMK" */
	EXPECT_NE(0u, features & (1u << 3));	/* KVM_FEATURE_CLOCKSOURCE2 */

	c0 = get_clock(_metadata, self->vm);
	g = guest_clock(vcpu, &flags);
	c1 = get_clock(_metadata, self->vm);
	EXPECT_LE(c0.clock, g);
	EXPECT_GE(c1.clock, g);
	EXPECT_EQ(1u, flags & 1);		/* PVCLOCK_TSC_STABLE_BIT */
	EXPECT_NE(0u, c1.flags & KVM_CLOCK_TSC_STABLE);

	memcpy(&wc, gpa_to_hva(self->vm, WALLCLOCK_GPA), sizeof(wc));
	EXPECT_EQ(0u, wc.version & 1);
	EXPECT_NE(0u, wc.version);
	wall = wc.sec * 1000000000ULL + wc.nsec + c1.clock;
	if (c1.flags & KVM_CLOCK_REALTIME) {
		EXPECT_GT(1000000000ULL, wall > c1.realtime ? wall - c1.realtime : c1.realtime - wall);
	}

	/* 1000 s ahead: the guest's next read follows. */
	set = (struct kvm_clock_data){ .clock = c1.clock + 1000000000000ULL };
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_CLOCK, &set));
	g = guest_clock(vcpu, &flags);
	c1 = get_clock(_metadata, self->vm);
	EXPECT_LE(set.clock, g);
	EXPECT_GE(c1.clock, g);
	set.flags = 1 << 30;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_CLOCK, &set));
	EXPECT_EQ(EINVAL, errno);
	vcpu_free(vcpu);
}

GUEST_CODE(g_pae_alive, ".code32", UCALL(0x600d) "hlt\n");

#define JUNK_PDPT	0x100000	/* what CR3 points at: PDPTEs with reserved bits */

/*
 * KVM_GET/SET_SREGS2 (QEMU's where KVM_CAP_SREGS2 is: PAE guests keep the
 * PDPTEs the CPU loaded): in long mode the same registers as KVM_GET_SREGS
 * and no PDPTEs; under PAE paging the PDPTEs given are the ones used, not
 * the guest memory CR3 points at (junk here, which would fail the entry),
 * and they read back. PDPTEs outside PAE paging, a PDPTE with a reserved
 * bit, or an unknown flag are EINVAL.
 */
TEST_F(abi, sregs2_carries_the_pdptes)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_pae_alive_start, g_pae_alive_end);
	struct kvm_sregs2 s2, got;
	struct kvm_sregs s;
	uint64_t *junk = gpa_to_hva(self->vm, JUNK_PDPT);

	ASSERT_EQ(1, ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_SREGS2));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS2, &s2));
	EXPECT_EQ(0, memcmp(&s, &s2, offsetof(struct kvm_sregs, interrupt_bitmap)));
	EXPECT_EQ(0u, s2.flags);
	s2.flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;	/* long mode has none */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS2, &s2));
	EXPECT_EQ(EINVAL, errno);
	s2.flags = 2;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS2, &s2));
	EXPECT_EQ(EINVAL, errno);

	/* 32-bit PAE paging, the first GiB through the library's page directory: a fresh vCPU. */
	vcpu_free(vcpu);
	vcpu = vcpu_add(self->vm, 1);
	vcpu_setup_prot32(vcpu, GPA_CODE);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS2, &s2));
	for (int i = 0; i < 4; i++)
		junk[i] = 0x1e7 | (uint64_t)i << 12;	/* present, every reserved low bit */
	s2.cr0 |= 0x80000000;
	s2.cr4 |= 0x20;
	s2.cr3 = JUNK_PDPT;
	s2.flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	memset(s2.pdptrs, 0, sizeof(s2.pdptrs));
	s2.pdptrs[0] = GPA_PD | 0x3;			/* present, RW: reserved in a PDPTE */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS2, &s2));
	EXPECT_EQ(EINVAL, errno);
	s2.pdptrs[0] = GPA_PD | 1;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS2, &s2));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_SREGS2, &got));
	EXPECT_EQ((uint64_t)KVM_SREGS2_FLAGS_PDPTRS_VALID, got.flags);
	EXPECT_EQ(GPA_PD | 1u, got.pdptrs[0]);
	EXPECT_EQ(0u, got.pdptrs[1]);
	EXPECT_EQ(0x600du, vcpu_ucall(vcpu));
	vcpu_free(vcpu);
}

static int enable_cap(struct vm *vm, uint32_t cap, uint32_t flags, uint64_t arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c) ? -errno : 0;
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID), as the KVM selftest
 * max_vcpuid_cap_test uses it: not beyond what KVM_CHECK_EXTENSION says,
 * set once (the same value again is fine), and vCPU ids stay below it.
 * A cap that cannot be enabled, or flags, are EINVAL.
 */
TEST_F(abi, max_vcpu_id_can_be_lowered_once)
{
	int max = ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	struct vcpu *vcpu;

	ASSERT_LT(2, max);
	EXPECT_EQ(-EINVAL, enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 0, max + 1));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 1, 2));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm, 0x7fffffff, 0, 0));
	ASSERT_EQ(0, enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(0, enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 0, 3));
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, 2));
	EXPECT_EQ(EINVAL, errno);
	vcpu = vcpu_add(self->vm, 1);
	vcpu_free(vcpu);
}

/* A stats fd read as kvm_stat reads one: header, descriptors, then the data by name. */
struct stats {
	struct kvm_stats_header h;
	char *desc;
	size_t desc_size;
};

static void expect_sane_descriptors(struct __test_metadata *_metadata, struct stats *st);

/*
 * Read the header and descriptors and check them. The names the tests
 * then read are hcvm's: elsewhere (/dev/kvm) the fd is closed and false
 * returned.
 */
static bool stats_open(struct __test_metadata *_metadata, int fd, struct stats *st)
{
	char id[256] = "";

	ASSERT_EQ((ssize_t)sizeof(st->h), pread(fd, &st->h, sizeof(st->h), 0));
	ASSERT_EQ(0u, st->h.flags);
	ASSERT_LT(0u, st->h.name_size);
	ASSERT_GE(sizeof(id), st->h.name_size);
	ASSERT_EQ((ssize_t)st->h.name_size, pread(fd, id, st->h.name_size, st->h.id_offset));
	EXPECT_EQ(0, strncmp(id, "kvm", 3));
	EXPECT_GT(st->h.name_size, strlen(id));
	st->desc_size = sizeof(struct kvm_stats_desc) + st->h.name_size;
	EXPECT_LE(st->h.desc_offset + st->h.num_desc * st->desc_size, st->h.data_offset);
	st->desc = calloc(st->h.num_desc, st->desc_size);
	ASSERT_EQ((ssize_t)(st->h.num_desc * st->desc_size),
		  pread(fd, st->desc, st->h.num_desc * st->desc_size, st->h.desc_offset));
	expect_sane_descriptors(_metadata, st);
	if (!strcmp(test_dev(), "/dev/hcvm"))
		return true;
	free(st->desc);
	close(fd);
	return false;
}

static struct kvm_stats_desc *stat_desc(struct stats *st, unsigned int i)
{
	return (void *)(st->desc + i * st->desc_size);
}

/* Bucket @bucket of the stat named @name (-1 if there is none). */
static int64_t stat_read(int fd, struct stats *st, const char *name, unsigned int bucket)
{
	for (unsigned int i = 0; i < st->h.num_desc; i++) {
		struct kvm_stats_desc *d = stat_desc(st, i);
		uint64_t v;

		if (strcmp(d->name, name) || bucket >= d->size)
			continue;
		if (pread(fd, &v, sizeof(v), st->h.data_offset + d->offset + 8 * bucket) != 8)
			return -1;
		return v;
	}
	return -1;
}

/* Every descriptor as kvm_binary_stats_test wants it: known type, unit and base, sizes, names. */
static void expect_sane_descriptors(struct __test_metadata *_metadata, struct stats *st)
{
	for (unsigned int i = 0; i < st->h.num_desc; i++) {
		struct kvm_stats_desc *d = stat_desc(st, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

		EXPECT_LT(0u, strlen(d->name));
		EXPECT_GT(st->h.name_size, strlen(d->name));
		EXPECT_GE((uint32_t)KVM_STATS_TYPE_MAX, type);
		EXPECT_GE((uint32_t)KVM_STATS_UNIT_MAX, d->flags & KVM_STATS_UNIT_MASK);
		EXPECT_GE((uint32_t)KVM_STATS_BASE_MAX, d->flags & KVM_STATS_BASE_MASK);
		EXPECT_LT(0, d->size);
		EXPECT_EQ(type == KVM_STATS_TYPE_LINEAR_HIST, d->bucket_size != 0);
		for (unsigned int j = 0; j < i; j++)
			EXPECT_STRNE(stat_desc(st, j)->name, d->name);
	}
}

/* CPUID three times, WBINVD once, then a report. */
GUEST_CODE(g_exits, ".code64",
	"xor %eax, %eax\n cpuid\n xor %eax, %eax\n cpuid\n xor %eax, %eax\n cpuid\n"
	"wbinvd\n" UCALL(1) "hlt\n");

/*
 * KVM_GET_STATS_FD on the vCPU: exits counted by basic reason (CPUID 10,
 * I/O 30, WBINVD 54: WBINVD exiting is requested, so a guest cannot flush
 * the host's caches unseen), all exits, time in the guest in TSC ticks.
 */
TEST_F(abi, vcpu_stats_count_exits_by_reason)
{
	struct vcpu *vcpu = vm_long_guest(self->vm, g_exits_start, g_exits_end);
	int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, 0);
	int64_t cpuid, wbinvd, io, exits;
	struct stats st;

	ASSERT_EQ(1, ioctl(self->vm->sys, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	ASSERT_LE(0, fd);
	if (!stats_open(_metadata, fd, &st)) {
		vcpu_free(vcpu);
		SKIP(return, "the names checked below are hcvm's");
	}
	cpuid = stat_read(fd, &st, "exit_reason", 10);
	wbinvd = stat_read(fd, &st, "exit_reason", 54);
	io = stat_read(fd, &st, "exit_reason", 30);
	exits = stat_read(fd, &st, "exits", 0);
	ASSERT_LE(0, cpuid);
	ASSERT_LE(0, exits);
	EXPECT_EQ(1u, vcpu_ucall(vcpu));
	EXPECT_EQ(cpuid + 3, stat_read(fd, &st, "exit_reason", 10));
	EXPECT_EQ(wbinvd + 1, stat_read(fd, &st, "exit_reason", 54));
	EXPECT_EQ(io + 1, stat_read(fd, &st, "exit_reason", 30));
	EXPECT_LE(exits + 5, stat_read(fd, &st, "exits", 0));
	EXPECT_LT(0, stat_read(fd, &st, "guest_cycles", 0));
	vcpu_free(vcpu);
	/* The vCPU's fd is gone: its stats fd still reads (it holds the VM). */
	EXPECT_EQ(cpuid + 3, stat_read(fd, &st, "exit_reason", 10));
	free(st.desc);
	close(fd);
}

/* The VM's stats fd: sane, live (vCPUs, pinned pages), and readable after the VM fd is closed. */
TEST_F(abi, vm_stats_outlive_the_vm_fd)
{
	struct vm *vm = vm_create();
	int fd = ioctl(vm->fd, KVM_GET_STATS_FD, 0);
	struct vcpu *vcpu;
	struct stats st;
	int64_t pinned;

	ASSERT_LE(0, fd);
	if (!stats_open(_metadata, fd, &st)) {
		vm_free(vm);
		SKIP(return, "the names checked below are hcvm's");
	}
	EXPECT_EQ(0, stat_read(fd, &st, "vcpus", 0));
	vcpu = vm_long_guest(vm, g_alive_start, g_alive_end);
	EXPECT_EQ(1, stat_read(fd, &st, "vcpus", 0));
	EXPECT_EQ(1u, vcpu_ucall(vcpu));
	pinned = stat_read(fd, &st, "pages_pinned", 0);
	EXPECT_LT(0, pinned);
	vcpu_free(vcpu);
	vm_free(vm);
	EXPECT_EQ(pinned, stat_read(fd, &st, "pages_pinned", 0));
	free(st.desc);
	close(fd);
}

/* @text into tracefs file @name (truncating it: for "trace", that clears it). */
static bool tracefs_write(const char *dir, const char *name, const char *text)
{
	char path[256];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* CPUID once, then a report. */
GUEST_CODE(g_cpuid_out, ".code64", "xor %eax, %eax\n cpuid\n" UCALL(7) "hlt\n");

/*
 * The tracepoints in tracefs: with hcvm:hcvm_exit and hcvm:hcvm_pio on, a
 * CPUID exit (reason 10) and the report's OUT to port 0xf1, handed to
 * userspace, are in the trace.
 */
TEST_F(abi, tracepoints_show_exits_and_pio)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	const char *dir = NULL;
	char path[256], *buf;
	struct vcpu *vcpu;
	ssize_t n, got = 0;
	int fd;

	if (strcmp(test_dev(), "/dev/hcvm"))
		SKIP(return, "hcvm's tracepoints");
	for (unsigned int i = 0; i < 2 && !dir; i++) {
		snprintf(path, sizeof(path), "%s/events/hcvm/hcvm_exit/enable", dirs[i]);
		if (!access(path, W_OK))
			dir = dirs[i];
	}
	if (!dir)
		SKIP(return, "no tracefs with events/hcvm here");
	vcpu = vm_long_guest(self->vm, g_cpuid_out_start, g_cpuid_out_end);
	ASSERT_TRUE(tracefs_write(dir, "trace", ""));
	ASSERT_TRUE(tracefs_write(dir, "events/hcvm/hcvm_exit/enable", "1"));
	ASSERT_TRUE(tracefs_write(dir, "events/hcvm/hcvm_pio/enable", "1"));
	EXPECT_EQ(7u, vcpu_ucall(vcpu));
	tracefs_write(dir, "events/hcvm/hcvm_exit/enable", "0");
	tracefs_write(dir, "events/hcvm/hcvm_pio/enable", "0");
	vcpu_free(vcpu);

	buf = calloc(1, 1 << 20);
	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	while (got < (1 << 20) - 1 && (n = read(fd, buf + got, (1 << 20) - 1 - got)) > 0)
		got += n;
	close(fd);
	EXPECT_NE(NULL, strstr(buf, "hcvm_exit: vcpu 0 reason 10 rip")) {
		TH_LOG("trace: %.2000s", buf);
	}
	EXPECT_NE(NULL, strstr(buf, "hcvm_pio: out port 0xf1 size 4 count 1 (userspace)"));
	free(buf);
}

TEST_HARNESS_MAIN
