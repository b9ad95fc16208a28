// SPDX-License-Identifier: GPL-2.0
/*
 * The foundation suite, run in one boot of a machine with VMX: hcvm.ko turns
 * VMX on and off on every CPU, publishes /dev/hcvm, and refuses to load while
 * another hypervisor (kvm_intel) owns VMX.
 *
 * Witnesses of "VMX off": hcvm's own load refuses a CPU whose CR4.VMXE is set,
 * and kvm_intel (6.12) does VMXON on every CPU when it loads, so a successful
 * load of either after an unload proves every CPU left VMX operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "kselftest_harness.h"
#include "../lib/kvm_util.h"
#include "../lib/modules.h"

#define CPUS_FILE "/sys/kernel/debug/hcvm/cpus"
#define CAPS_FILE "/sys/kernel/debug/hcvm/caps"

static void unload_all(void)
{
	static const char *const mods[] = { "hcvm", "kvm_intel", "kvm", "irqbypass" };

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		module_unload(mods[i]);
}

/* Count CPUs in /sys/kernel/debug/hcvm/cpus whose line says online and vmx=STATE. */
static int count_cpus(const char *online, const char *vmx_state)
{
	char buf[8192], want_online[16], want_vmx[16], *line, *save;
	int n = 0;

	if (read_file(CPUS_FILE, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(want_online, sizeof(want_online), "online=%s ", online);
	snprintf(want_vmx, sizeof(want_vmx), "vmx=%s ", vmx_state);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += strstr(line, want_online) && strstr(line, want_vmx);
	return n;
}

static const char *cpu_line(int cpu)
{
	static char buf[8192];
	char key[16];
	char *line, *save;

	snprintf(key, sizeof(key), "cpu%d:", cpu);
	if (read_file(CPUS_FILE, buf, sizeof(buf)) < 0)
		return "";
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, strlen(key)))
			return line;
	return "";
}

/* A real-mode HLT guest on /dev/kvm: KVM_EXIT_HLT if kvm_intel's VMX works here. */
static int kvm_runs_a_guest(void)
{
	struct vcpu *vcpu;
	struct vm *vm;
	uint8_t *mem;
	int ret;

	setenv("HCVM_DEV", "/dev/kvm", 1);
	vm = vm_create();
	mem = vm_add_memory(vm, 0, 0, 0x10000, 0);
	mem[GPA_CODE] = 0xf4;	/* hlt */
	vcpu = vcpu_add(vm, 0);
	vcpu_setup_real(vcpu, GPA_CODE);
	ret = vcpu_run(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
	return ret;
}

static int online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

static int set_cpu_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return write_file(path, on ? "1" : "0");
}

FIXTURE(mod) {
	int kmsg;
};

FIXTURE_SETUP(mod)
{
	unload_all();
	ASSERT_FALSE(module_loaded("hcvm"));
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(mod)
{
	set_cpu_online(1, 1);
	unload_all();
	close(self->kmsg);
}

TEST_F(mod, load_turns_vmx_on_every_cpu)
{
	char caps[4096];

	ASSERT_EQ(0, module_load("hcvm", NULL));
	EXPECT_EQ(online_cpus(), count_cpus("1", "on"));
	EXPECT_EQ(0, count_cpus("1", "off"));
	EXPECT_TRUE(kmsg_find(self->kmsg, "hcvm: VMX enabled on"));
	ASSERT_LT(0, read_file(CAPS_FILE, caps, sizeof(caps)));
	EXPECT_NE(NULL, strstr(caps, "\nept: yes\n"));
	EXPECT_NE(NULL, strstr(caps, "\nunrestricted_guest: yes\n"));
	EXPECT_NE(NULL, strstr(caps, "\nvpid: yes\n"));
	EXPECT_EQ(NULL, strstr(caps, "revision_id: 0x0\n"));
	TH_LOG("%s", cpu_line(0));
	ASSERT_EQ(0, module_unload("hcvm"));
	EXPECT_EQ(-1, access(CPUS_FILE, F_OK));
}

TEST_F(mod, dev_hcvm_is_root_only_by_default)
{
	struct stat st;

	ASSERT_EQ(0, module_load("hcvm", NULL));
	ASSERT_EQ(0, stat("/dev/hcvm", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0u, st.st_gid);
}

TEST_F(mod, group_parameter_opens_dev_hcvm_to_a_group)
{
	struct stat st;

	ASSERT_EQ(0, module_load("hcvm", "group=1234"));
	ASSERT_EQ(0, stat("/dev/hcvm", &st));
	EXPECT_EQ(0660u, st.st_mode & 07777);
	EXPECT_EQ(1234u, st.st_gid);
	ASSERT_EQ(0, module_unload("hcvm"));
	EXPECT_EQ(-EINVAL, module_load("hcvm", "group=-7"));
	EXPECT_TRUE(kmsg_find(self->kmsg, "hcvm: group=-7 is not a valid group id"));
	EXPECT_FALSE(module_loaded("hcvm"));
	/* The refused load must not leave VMX on anywhere: a new load works. */
	EXPECT_EQ(0, module_load("hcvm", NULL));
}

TEST_F(mod, dev_hcvm_answers_the_kvm_api_version)
{
	int fd;

	ASSERT_EQ(0, module_load("hcvm", NULL));
	fd = open("/dev/hcvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(KVM_API_VERSION, ioctl(fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(12, ioctl(fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	/* What works is claimed; what does not, or does not exist, is 0. */
	EXPECT_EQ(1, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE));
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, 0xfffff));
	EXPECT_EQ(-1, ioctl(fd, KVM_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(0xAE, 0xff), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(mod, unload_refused_while_dev_hcvm_is_open)
{
	int fd;

	ASSERT_EQ(0, module_load("hcvm", NULL));
	fd = open("/dev/hcvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, module_unload("hcvm"));
	EXPECT_TRUE(module_loaded("hcvm"));
	EXPECT_EQ(12, ioctl(fd, KVM_GET_API_VERSION, 0));
	close(fd);
	EXPECT_EQ(0, module_unload("hcvm"));
}

TEST_F(mod, unload_turns_vmx_off_every_cpu)
{
	ASSERT_EQ(0, module_load("hcvm", NULL));
	ASSERT_EQ(0, module_unload("hcvm"));
	EXPECT_TRUE(kmsg_find(self->kmsg, "hcvm: VMX off, unloaded"));
	/* kvm_intel's VMXON on every CPU succeeds only if hcvm left them all. */
	ASSERT_EQ(0, module_probe("kvm"));
	EXPECT_EQ(0, module_load("kvm_intel", NULL));
}

TEST_F_TIMEOUT(mod, load_unload_20_times, 600)
{
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, module_load("hcvm", NULL)) TH_LOG("load %d", i);
		ASSERT_EQ(online_cpus(), count_cpus("1", "on")) TH_LOG("load %d", i);
		ASSERT_EQ(0, module_unload("hcvm")) TH_LOG("unload %d", i);
	}
}

TEST_F_TIMEOUT(mod, cpu_offline_and_online_follow_vmx, 300)
{
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs a second CPU that can go offline");

	ASSERT_EQ(0, module_load("hcvm", NULL));
	ASSERT_EQ(0, set_cpu_online(1, 0));
	EXPECT_NE(NULL, strstr(cpu_line(1), "online=0 vmx=off"));
	EXPECT_NE(NULL, strstr(cpu_line(0), "online=1 vmx=on"));
	/* A CPU in VMX operation blocks INIT: onlining works only if it left VMX. */
	ASSERT_EQ(0, set_cpu_online(1, 1));
	EXPECT_NE(NULL, strstr(cpu_line(1), "online=1 vmx=on"));
	ASSERT_EQ(0, module_unload("hcvm"));

	/* A CPU that comes online after the load gets VMX too. */
	ASSERT_EQ(0, set_cpu_online(1, 0));
	ASSERT_EQ(0, module_load("hcvm", NULL));
	EXPECT_EQ(1, count_cpus("1", "on"));
	ASSERT_EQ(0, set_cpu_online(1, 1));
	EXPECT_EQ(online_cpus(), count_cpus("1", "on"));
}

TEST_F_TIMEOUT(mod, refused_while_kvm_intel_owns_vmx, 300)
{
	cpu_set_t set;

	ASSERT_EQ(0, module_probe("kvm_intel"));
	EXPECT_EQ(-EBUSY, module_load("hcvm", NULL));
	EXPECT_TRUE(kmsg_find(self->kmsg, "VMX is already in use by another hypervisor"));
	EXPECT_FALSE(module_loaded("hcvm"));
	EXPECT_EQ(-1, access("/dev/hcvm", F_OK));

	/* The refused load left kvm_intel's VMX alone on every CPU. */
	for (int cpu = 0; cpu < online_cpus(); cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
		EXPECT_EQ(KVM_EXIT_HLT, kvm_runs_a_guest()) TH_LOG("CPU %d", cpu);
	}

	/* Recovery: once kvm_intel is gone, hcvm loads. */
	ASSERT_EQ(0, module_unload("kvm_intel"));
	EXPECT_EQ(0, module_load("hcvm", NULL));
	EXPECT_EQ(online_cpus(), count_cpus("1", "on"));
}

TEST_F_TIMEOUT(mod, kvm_intel_refused_while_hcvm_owns_vmx, 300)
{
	ASSERT_EQ(0, module_load("hcvm", NULL));
	ASSERT_EQ(0, module_probe("kvm"));
	/* kvm_intel (6.12) turns VMX on at load: it must fail, hcvm keep every CPU. */
	EXPECT_NE(0, module_load("kvm_intel", NULL));
	EXPECT_TRUE(kmsg_find(self->kmsg, "kvm: enabling virtualization on CPU"));
	EXPECT_FALSE(module_loaded("kvm_intel"));
	EXPECT_EQ(online_cpus(), count_cpus("1", "on"));
	ASSERT_EQ(0, module_unload("hcvm"));
	EXPECT_EQ(0, module_load("kvm_intel", NULL));
}

TEST_HARNESS_MAIN
