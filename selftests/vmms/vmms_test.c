// SPDX-License-Identifier: GPL-2.0
/*
 * The vmms suite: unmodified KVM clients, Debian's QEMU and kvmtool's lkvm
 * (built from its own sources), boot the test guest of selftests/guest on
 * hcvm and, in the same boot, on the test kernel's kvm_intel. A boot is
 * judged by what the guest's /init prints: it is up, sees its vCPUs, wrote
 * and read its virtio disk, got a DHCP lease over virtio-net from the VMM's
 * user network, and names its clock source; then it reboots, which ends
 * the VMM (QEMU -no-reboot, lkvm on its own).
 *
 * QEMU opens /dev/kvm: for hcvm the test makes /dev/kvm a node with hcvm's
 * device number, as the README tells a user to. kvmtool takes --dev.
 *
 * The files come from selftests/vmms/stage, next to this program or in
 * $HCVM_VMMS_DIR. HCVM_VMMS_ACCEL=tcg runs the QEMU variants under QEMU's
 * own emulation instead (no hcvm, no kvm_intel): a check of the guest and
 * of the command lines on a machine without VMX (Debian's QEMU then wants
 * QEMU_MODULE_DIR=/usr/lib/x86_64-linux-gnu/qemu for its TCG module); the
 * lkvm ones skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../lib/modules.h"
#include "../lib/spawn.h"

/* Seconds per boot. */
#define BOOT_LIMIT	600
#define GUEST_MEM	"128"

FIXTURE(vmm) {
	char dir[1024];		/* the staged files */
	char tmp[64];		/* this test's scratch directory */
	char path[8][PATH_MAX];
	struct spawn r;
};

FIXTURE_VARIANT(vmm) {
	const char *vmm;	/* "qemu" or "lkvm" */
	const char *machine;	/* QEMU's -M */
	int cpus;
	bool kvm_intel;		/* on kvm_intel instead of hcvm */
};

#define QEMU(name, m, n, kvm)							\
	FIXTURE_VARIANT_ADD(vmm, name) { .vmm = "qemu", .machine = m, .cpus = n, .kvm_intel = kvm }
#define LKVM(name, n, kvm)							\
	FIXTURE_VARIANT_ADD(vmm, name) { .vmm = "lkvm", .cpus = n, .kvm_intel = kvm }

QEMU(qemu_pc_1_hcvm, "pc", 1, false);
QEMU(qemu_pc_2_hcvm, "pc", 2, false);
QEMU(qemu_pc_4_hcvm, "pc", 4, false);
QEMU(qemu_q35_2_hcvm, "q35", 2, false);
QEMU(qemu_microvm_2_hcvm, "microvm", 2, false);
LKVM(lkvm_1_hcvm, 1, false);
LKVM(lkvm_2_hcvm, 2, false);
QEMU(qemu_pc_1_kvm_intel, "pc", 1, true);
QEMU(qemu_q35_2_kvm_intel, "q35", 2, true);
QEMU(qemu_microvm_2_kvm_intel, "microvm", 2, true);
LKVM(lkvm_1_kvm_intel, 1, true);

static bool tcg(void)
{
	const char *a = getenv("HCVM_VMMS_ACCEL");

	return a && !strcmp(a, "tcg");
}

static const char *staged(FIXTURE_DATA(vmm) *self, int slot, const char *name)
{
	snprintf(self->path[slot], sizeof(self->path[slot]), "%s/%s", self->dir, name);
	return self->path[slot];
}

static const char *scratch(FIXTURE_DATA(vmm) *self, int slot, const char *name)
{
	snprintf(self->path[slot], sizeof(self->path[slot]), "%s/%s", self->tmp, name);
	return self->path[slot];
}

/* /dev/kvm as hcvm's node (the README's recipe), or kvm_intel's own. */
static int use_hcvm(void)
{
	char dev[32];
	unsigned int maj, min;
	int ret;

	module_unload("kvm_intel");
	if (!module_loaded("hcvm")) {
		ret = module_load("hcvm", NULL);
		if (ret)
			return ret;
	}
	if (read_file("/sys/class/misc/hcvm/dev", dev, sizeof(dev)) < 0 ||
	    sscanf(dev, "%u:%u", &maj, &min) != 2)
		return -ENODEV;
	unlink("/dev/kvm");
	return mknod("/dev/kvm", S_IFCHR | 0666, makedev(maj, min)) ? -errno : 0;
}

static int use_kvm_intel(void)
{
	unlink("/dev/kvm");	/* hcvm's, if it was: devtmpfs makes kvm's */
	module_unload("hcvm");
	if (!module_loaded("kvm_intel") && module_probe("kvm_intel"))
		return -ENODEV;
	return access("/dev/kvm", R_OK | W_OK) ? -errno : 0;
}

FIXTURE_SETUP(vmm)
{
	ASSERT_EQ(0, staged_dir(self->dir, sizeof(self->dir), "HCVM_VMMS_DIR"));
	ASSERT_EQ(0, access(staged(self, 0, "bzImage"), R_OK))
		TH_LOG("no bzImage in %s: run selftests/vmms/stage DIR, then set HCVM_VMMS_DIR=DIR",
		       self->dir);
	strcpy(self->tmp, "/tmp/hcvm-vmms-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	if (tcg()) {
		if (!strcmp(variant->vmm, "lkvm"))
			SKIP(return, "kvmtool has no emulator of its own (HCVM_VMMS_ACCEL=tcg)");
		return;
	}
	ASSERT_EQ(0, variant->kvm_intel ? use_kvm_intel() : use_hcvm());
}

FIXTURE_TEARDOWN(vmm)
{
	spawn_free(&self->r);
	if (self->tmp[0] && remove_tree(self->tmp))
		TH_LOG("could not remove %s", self->tmp);
}

/* QEMU with the firmware staged next to it (-L): the test bed has no /usr/share/qemu. */
static void run_qemu(FIXTURE_DATA(vmm) *self, const FIXTURE_VARIANT(vmm) *variant,
		     const char *disk)
{
	bool mmio = !strcmp(variant->machine, "microvm");
	char smp[8], drive[PATH_MAX + 64], share[PATH_MAX];
	const char *argv[64];
	int argc = 0;

	snprintf(smp, sizeof(smp), "%d", variant->cpus);
	snprintf(drive, sizeof(drive), "if=none,id=d,format=raw,file=%s", disk);
	snprintf(share, sizeof(share), "%s/qemu/share", self->dir);
#define ARG(...)	do { const char *a_[] = { __VA_ARGS__ }; \
			     for (size_t i_ = 0; i_ < sizeof(a_) / sizeof(a_[0]); i_++) \
				argv[argc++] = a_[i_]; } while (0)
	ARG(staged(self, 0, "qemu/qemu-system-x86_64"), "-L", share);
	if (tcg())
		ARG("-accel", "tcg", "-cpu", "max");
	else
		ARG("-accel", "kvm", "-cpu", "host");
	ARG("-M", variant->machine, "-smp", smp, "-m", GUEST_MEM, "-nodefaults", "-nographic",
	    "-no-reboot", "-serial", "stdio", "-kernel", staged(self, 1, "bzImage"),
	    "-initrd", staged(self, 2, "initrd.cpio"), "-append", "console=ttyS0 panic=-1",
	    "-drive", drive, "-netdev", "user,id=n");
	if (mmio)
		ARG("-device", "virtio-blk-device,drive=d", "-device", "virtio-net-device,netdev=n",
		    "-device", "virtio-rng-device");
	else
		ARG("-device", "virtio-blk-pci,drive=d", "-device",
		    "virtio-net-pci,netdev=n,romfile=", "-device", "virtio-rng-pci");
#undef ARG
	argv[argc] = NULL;
	spawn_run(&self->r, argv, scratch(self, 3, "stdout"), scratch(self, 4, "stderr"),
		  BOOT_LIMIT, SIGTERM);
}

static void run_lkvm(FIXTURE_DATA(vmm) *self, const FIXTURE_VARIANT(vmm) *variant,
		     const char *disk)
{
	char cpus[8];
	const char *argv[] = {
		staged(self, 1, "lkvm"), "run", "--dev", variant->kvm_intel ? "/dev/kvm" : "/dev/hcvm",
		"-k", staged(self, 2, "bzImage"), "-i", staged(self, 5, "initrd.cpio"),
		"-m", GUEST_MEM, "-c", cpus, "--console", "serial", "-p", "panic=-1",
		"-d", disk, "-n", "mode=user", "--rng", NULL,
	};

	snprintf(cpus, sizeof(cpus), "%d", variant->cpus);
	spawn_run(&self->r, argv, scratch(self, 3, "stdout"), scratch(self, 4, "stderr"),
		  BOOT_LIMIT, SIGKILL);
}

TEST_F_TIMEOUT(vmm, boots_the_guest, BOOT_LIMIT + 60)
{
	const char *disk = scratch(self, 6, "disk.img");
	const char *out, *clock = "clocksource: kvm-clock";
	bool up, disk_ok, net, clk, cpus_ok;
	char nproc[32];

	ASSERT_EQ(0, copy_file(staged(self, 7, "disk.img"), disk));
	if (!strcmp(variant->vmm, "qemu"))
		run_qemu(self, variant, disk);
	else
		run_lkvm(self, variant, disk);
	out = self->r.out;
	snprintf(nproc, sizeof(nproc), "nproc: %d", variant->cpus);
	up = has_line(out, "", "HCVM-GUEST-UP");
	cpus_ok = has_line(out, "", nproc);
	disk_ok = has_line(out, "", "disk: ok");
	net = has_line(out, "", "net: ok");
	/* QEMU's own emulation has no kvmclock. */
	clk = tcg() || has_line(out, "", clock);
	if (!up || !cpus_ok || !disk_ok || !net || !clk || self->r.timed_out)
		spawn_dump(variant->vmm, &self->r);
	EXPECT_FALSE(self->r.timed_out);
	EXPECT_TRUE(up);
	EXPECT_TRUE(cpus_ok) TH_LOG("no \"%s\"", nproc);
	EXPECT_TRUE(disk_ok);
	EXPECT_TRUE(net);
	EXPECT_TRUE(clk) TH_LOG("no \"%s\"", clock);
	EXPECT_TRUE(file_has(disk, "hello from"));
	/* The figure the closing notes compare: wall time of the whole boot, VMM start to exit. */
	TH_LOG("%s %s%s%d vCPU(s) on %s: %.1f s", variant->vmm, variant->machine ?: "",
	       variant->machine ? ", " : "", variant->cpus,
	       tcg() ? "tcg" : variant->kvm_intel ? "kvm_intel" : "hcvm", self->r.seconds);
}

TEST_HARNESS_MAIN
