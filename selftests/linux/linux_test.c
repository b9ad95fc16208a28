// SPDX-License-Identifier: GPL-2.0
/*
 * The linux suite: hcvm-run, the launcher, booting the small Linux guest of
 * selftests/guest (and two freestanding ELF guests) on $HCVM_DEV, default
 * /dev/hcvm, as a user would run it: each test spawns hcvm-run and judges
 * its console output, its exit status and the disk images it leaves. The
 * same tests run against /dev/kvm with HCVM_DEV=/dev/kvm (kvm_intel loaded).
 *
 * The files come from selftests/linux/stage, which the runner calls with the
 * suite's directory: they are looked for next to this program, or in
 * $HCVM_LINUX_DIR. Each test works on copies of the disks in a directory of
 * its own, /tmp/hcvm-linux-XXXXXX, removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"
#include "../lib/spawn.h"

/* Seconds per hcvm-run: one Linux boot under hcvm-run in Bochs takes about 13 s. */
#define BOOT_LIMIT	300
#define ELF_LIMIT	60
#define ERROR_LIMIT	60
#define GUEST_MEM	"128"

FIXTURE(hcvm_run) {
	char dir[PATH_MAX];	/* the staged files */
	char tmp[64];		/* this test's scratch directory */
	char *path[64];		/* file()'s results, freed at teardown */
	int nr_paths;
	struct spawn r;
};

/* The path of a staged file, or with @in_tmp of one of the test's scratch files. */
static const char *file(FIXTURE_DATA(hcvm_run) *self, bool in_tmp, const char *name)
{
	char *p;

	if (self->nr_paths == 64 ||
	    asprintf(&p, "%s/%s", in_tmp ? self->tmp : self->dir, name) < 0)
		abort();	/* a test asking for more is a bug */
	self->path[self->nr_paths++] = p;
	return p;
}

/*
 * Run hcvm-run --dev $HCVM_DEV with the NULL-terminated arguments, stdout and
 * stderr to files, stdin empty; stop it (SIGTERM, then SIGKILL, by PID) if it
 * is still running after @limit seconds. Fills self->r.
 */
static void hcvm_run(FIXTURE_DATA(hcvm_run) *self, int limit, ...)
{
	const char *argv[64] = { file(self, false, "hcvm-run"), "--dev", test_dev() };
	int argc = 3;
	va_list ap;

	va_start(ap, limit);
	while (argc < 63 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	/* hcvm-run ends its VMs on SIGTERM; SIGKILL if even that hangs. */
	spawn_run(&self->r, argv, file(self, true, "stdout"), file(self, true, "stderr"), limit,
		  SIGTERM);
}

/* The lines of stderr but usage hints: an error should be one of them. */
static int error_lines(const char *err)
{
	int n = 0;

	for (const char *l = err; *l;) {
		const char *nl = strchrnul(l, '\n');

		if (nl > l && strncmp(l, "Try 'hcvm-run --help'", 21))
			n++;
		l = *nl ? nl + 1 : nl;
	}
	return n;
}

static void dump(const struct spawn *r)
{
	spawn_dump("hcvm-run", r);
}

/* What the guest's /init prints on a good boot, each line after @prefix ("[a] " or ""). */
static void check_guest(struct __test_metadata *_metadata, const struct spawn *r,
			const char *prefix, int cpus)
{
	char nproc[32];
	int len = 0;
	const char *rng = find_line(r->out, prefix, "rng: ", &len);
	bool up = has_line(r->out, prefix, "HCVM-GUEST-UP");
	bool disk = has_line(r->out, prefix, "disk: ok");
	bool virtio_rng = rng && memmem(rng, len, "virtio", 6);
	/* The CPUID's KVM leaves offer kvmclock (devices/kvmclock.c): Linux prefers it. */
	bool kvmclock = has_line(r->out, prefix, "clocksource: kvm-clock");
	bool n;

	snprintf(nproc, sizeof(nproc), "nproc: %d", cpus);
	n = has_line(r->out, prefix, nproc);
	if (!up || !n || !disk || !virtio_rng || !kvmclock)
		dump(r);
	EXPECT_TRUE(up) TH_LOG("%sno HCVM-GUEST-UP", prefix);
	EXPECT_TRUE(n) TH_LOG("%sno \"%s\"", prefix, nproc);
	EXPECT_TRUE(disk) TH_LOG("%sno \"disk: ok\"", prefix);
	EXPECT_TRUE(virtio_rng) TH_LOG("%sno \"rng: \" line naming virtio", prefix);
	EXPECT_TRUE(kvmclock) TH_LOG("%sno \"clocksource: kvm-clock\"", prefix);
}

/*
 * Past FIXTURE_SETUP, failures are EXPECTs and the test returns: an ASSERT
 * longjmps, and the harness (linux-source 6.12, built at -O2) can then skip
 * FIXTURE_TEARDOWN ("child" clobbered by longjmp), leaving /tmp/hcvm-linux-*.
 */
static bool check_status(struct __test_metadata *_metadata, const struct spawn *r, int want)
{
	if (spawn_exit_status(r) != want || r->timed_out)
		dump(r);
	EXPECT_FALSE(r->timed_out) TH_LOG("hcvm-run still ran after its time limit");
	EXPECT_EQ(want, spawn_exit_status(r));
	return !r->timed_out && spawn_exit_status(r) == want;
}

/* A scratch copy of a staged disk image. */
static bool copy_disk(struct __test_metadata *_metadata, FIXTURE_DATA(hcvm_run) *self,
		      const char *name, const char *to)
{
	int ret = copy_file(file(self, false, name), to);

	EXPECT_EQ(0, ret) TH_LOG("copying %s to %s: %s", name, to, strerror(errno));
	return !ret;
}

FIXTURE_SETUP(hcvm_run)
{
	if (!strcmp(test_dev(), "/dev/hcvm") && !module_loaded("hcvm"))
		ASSERT_EQ(0, module_load("hcvm", NULL));
	ASSERT_EQ(0, staged_dir(self->dir, sizeof(self->dir), "HCVM_LINUX_DIR"));
	ASSERT_EQ(0, access(file(self, false, "hcvm-run"), X_OK))
		TH_LOG("no hcvm-run in %s: run selftests/linux/stage DIR, then set HCVM_LINUX_DIR=DIR",
		       self->dir);
	strcpy(self->tmp, "/tmp/hcvm-linux-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
}

FIXTURE_TEARDOWN(hcvm_run)
{
	spawn_free(&self->r);
	while (self->nr_paths)
		free(self->path[--self->nr_paths]);
	if (self->tmp[0] && remove_tree(self->tmp))
		TH_LOG("could not remove %s", self->tmp);
}

static void boot(struct __test_metadata *_metadata, FIXTURE_DATA(hcvm_run) *self, int cpus)
{
	const char *disk = file(self, true, "disk.img");
	char n[8];

	snprintf(n, sizeof(n), "%d", cpus);
	if (!copy_disk(_metadata, self, "disk-a.img", disk))
		return;
	hcvm_run(self, BOOT_LIMIT, "--vm", "a", "-m", GUEST_MEM, "-c", n,
		 "-k", file(self, false, "bzImage"), "-i", file(self, false, "initrd.cpio"),
		 "--disk", disk, NULL);
	if (check_status(_metadata, &self->r, 0))
		check_guest(_metadata, &self->r, "", cpus);
}

TEST_F_TIMEOUT(hcvm_run, boots_with_1_vcpu, BOOT_LIMIT + 60)
{
	boot(_metadata, self, 1);
}

TEST_F_TIMEOUT(hcvm_run, boots_with_2_vcpus, BOOT_LIMIT + 60)
{
	boot(_metadata, self, 2);
}

TEST_F_TIMEOUT(hcvm_run, boots_with_4_vcpus, BOOT_LIMIT + 60)
{
	boot(_metadata, self, 4);
}

/*
 * Two VMs in one hcvm-run, each with its own disk and host name: both
 * consoles come out line by line with their prefixes, and each disk ends up
 * with the hello line of its own VM only.
 */
TEST_F_TIMEOUT(hcvm_run, two_vms_side_by_side, BOOT_LIMIT + 60)
{
	const char *a = file(self, true, "a.img"), *b = file(self, true, "b.img");
	const char *bz = file(self, false, "bzImage"), *rd = file(self, false, "initrd.cpio");

	if (!copy_disk(_metadata, self, "disk-a.img", a) ||
	    !copy_disk(_metadata, self, "disk-b.img", b))
		return;
	hcvm_run(self, BOOT_LIMIT,
		 "--vm", "a", "-m", GUEST_MEM, "-c", "2", "-k", bz, "-i", rd, "--disk", a,
		 "-a", "hostname=vm-a",
		 "--vm", "b", "-m", GUEST_MEM, "-c", "1", "-k", bz, "-i", rd, "--disk", b,
		 "-a", "hostname=vm-b", NULL);
	if (!check_status(_metadata, &self->r, 0))
		return;
	check_guest(_metadata, &self->r, "[a] ", 2);
	check_guest(_metadata, &self->r, "[b] ", 1);
	EXPECT_TRUE(file_has(a, "hello from vm-a"));
	EXPECT_FALSE(file_has(a, "hello from vm-b"));
	EXPECT_TRUE(file_has(b, "hello from vm-b"));
	EXPECT_FALSE(file_has(b, "hello from vm-a"));
}

/* A refused run: non-zero, one line on stderr that names @about, nothing started. */
static void check_refused(struct __test_metadata *_metadata, const struct spawn *r,
			  const char *about)
{
	bool named = strstr(r->err, about);

	if (!spawn_exit_status(r) || r->timed_out || error_lines(r->err) != 1 || !named || *r->out)
		dump(r);
	EXPECT_FALSE(r->timed_out);
	EXPECT_NE(0, spawn_exit_status(r));
	EXPECT_EQ(1, error_lines(r->err));
	EXPECT_TRUE(named) TH_LOG("the error does not mention \"%s\"", about);
	/* A VM that ran would have printed, and had its end reported ("vm a: debug-exit 0"). */
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(NULL, strstr(r->err, "debug-exit"));
}

TEST_F_TIMEOUT(hcvm_run, bad_input, 5 * ERROR_LIMIT)
{
	const char *elf = file(self, false, "virtio_guest.elf");
	const char *missing = file(self, true, "no-such-bzImage");
	const char *text = file(self, true, "not-a-kernel.txt");
	const char *nodisk = file(self, true, "no-such-dir/disk.img");
	const char *big = file(self, true, "big.cpio");
	FILE *f = fopen(text, "we");

	EXPECT_NE(NULL, f);
	if (!f)
		return;
	fputs("this is not a kernel\n", f);
	fclose(f);
	/* An initramfs of 16 MiB (sparse), larger than the 8 MiB VM below. */
	f = fopen(big, "we");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, ftruncate(fileno(f), 16 << 20));
	fclose(f);

	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "-k", missing, NULL);
	check_refused(_metadata, &self->r, missing);
	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "-k", text, NULL);
	check_refused(_metadata, &self->r, text);
	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "-k", elf, "--disk", nodisk, NULL);
	check_refused(_metadata, &self->r, nodisk);
	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "--no-such-option", "-k", elf, NULL);
	check_refused(_metadata, &self->r, "no-such-option");
	/* Below the 2 MiB minimum, then too small for the initramfs (not the kernel). */
	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "-m", "1", "-k", file(self, false, "bzImage"),
		 "-i", file(self, false, "initrd.cpio"), NULL);
	check_refused(_metadata, &self->r, "--mem 1");
	hcvm_run(self, ERROR_LIMIT, "--vm", "a", "-m", "8", "-k", file(self, false, "bzImage"),
		 "-i", big, NULL);
	check_refused(_metadata, &self->r, big);
	/* No device: the message says what to do (load the module). */
	hcvm_run(self, ERROR_LIMIT, "--dev", "/nonexistent", "--vm", "a", "-k", elf, NULL);
	check_refused(_metadata, &self->r, "/nonexistent");
	EXPECT_NE(NULL, strstr(self->r.err, "modprobe"));
}

/*
 * The freestanding guests: virtio_guest.elf (64-bit entry) drives the
 * virtio devices with interrupts, with and without a disk; elf32_guest.elf
 * (32-bit entry) ends with its own status, 42.
 */
TEST_F_TIMEOUT(hcvm_run, elf_guests, 3 * ELF_LIMIT + 60)
{
	const char *elf = file(self, false, "virtio_guest.elf");
	const char *disk = file(self, true, "disk.img");
	const char *out;

	if (!copy_disk(_metadata, self, "disk-a.img", disk))
		return;
	hcvm_run(self, ELF_LIMIT, "--vm", "t", "-m", "64", "-k", elf, "--disk", disk, NULL);
	out = self->r.out;
	if (!check_status(_metadata, &self->r, 0))
		return;
	EXPECT_NE(NULL, find_line(out, "", "virtio-guest: rng 0x", NULL));
	EXPECT_TRUE(has_line(out, "", "virtio-guest: hello on the virtio console"));
	EXPECT_NE(NULL, find_line(out, "", "virtio-guest: blk ok", NULL));
	EXPECT_TRUE(has_line(out, "", "virtio-guest: ok"));
	/* The sector it wrote, seen from the host, and the ext2 superblock past it untouched. */
	EXPECT_TRUE(file_has(disk, "hcvm virtio_guest wrote sector 1"));
	EXPECT_TRUE(file_has(disk, "disk-a"));

	hcvm_run(self, ELF_LIMIT, "--vm", "t", "-m", "64", "-k", elf, NULL);
	out = self->r.out;
	if (!check_status(_metadata, &self->r, 0))
		return;
	EXPECT_TRUE(has_line(out, "", "virtio-guest: no disk"));
	EXPECT_TRUE(has_line(out, "", "virtio-guest: ok"));

	hcvm_run(self, ELF_LIMIT, "--vm", "t", "-m", "64",
		 "-k", file(self, false, "elf32_guest.elf"), NULL);
	if (!check_status(_metadata, &self->r, 42))
		return;
	EXPECT_TRUE(has_line(self->r.out, "",
			     "elf32-guest: hello from 32-bit protected mode, paging off"));
}

TEST_HARNESS_MAIN
