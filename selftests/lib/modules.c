// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "modules.h"

const char *module_path(const char *name)
{
	static const char *const where[][2] = {
		{ "hcvm", "extra/hcvm.ko" },
		{ "irqbypass", "kernel/virt/lib/irqbypass.ko" },
		{ "kvm", "kernel/arch/x86/kvm/kvm.ko" },
		{ "kvm_intel", "kernel/arch/x86/kvm/kvm-intel.ko" },
	};
	static char path[256];
	struct utsname u;

	uname(&u);
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		if (!strcmp(name, where[i][0])) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, where[i][1]);
			return path;
		}
	}
	return NULL;
}

/*
 * As modprobe does: NAME.PARAM=VALUE words of the kernel command line become
 * module options (the test bed names its emulator there), before @params.
 */
static void cmdline_options(const char *name, char *out, size_t size)
{
	char cmdline[4096], *word, *save;
	size_t n = strlen(name), len = 0;

	out[0] = 0;
	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return;
	for (word = strtok_r(cmdline, " \n", &save); word; word = strtok_r(NULL, " \n", &save))
		if (!strncmp(word, name, n) && word[n] == '.' && len + strlen(word) < size)
			len += snprintf(out + len, size - len, "%s ", word + n + 1);
}

int module_load(const char *name, const char *params)
{
	const char *path = module_path(name);
	char options[1024];
	int fd, ret;

	if (!path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	cmdline_options(name, options, sizeof(options));
	strncat(options, params ? params : "", sizeof(options) - strlen(options) - 1);
	ret = syscall(SYS_finit_module, fd, options, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

int module_probe(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "modprobe %s", name);
	return system(cmd);
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

bool kmsg_find(int fd, const char *needle)
{
	char rec[1024];
	ssize_t n;

	/* One record per read; EAGAIN at the end, EPIPE if records were overwritten. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return true;
	}
	return false;
}

int read_file(const char *path, char *buf, int size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), len = 0, n;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
