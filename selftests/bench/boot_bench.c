// SPDX-License-Identifier: GPL-2.0
/*
 * Linux boot benchmark, hcvm side by side with kvm_intel in one boot of the
 * test bed (make bench runs it after bench): hcvm-run boots the small Linux
 * guest of selftests/guest with 1 and with 4 vCPUs, 128 MiB and a disk, on
 * /dev/hcvm, then on /dev/kvm. Its files (hcvm-run, bzImage, initrd.cpio,
 * disk-a.img) are in the current directory: selftests/bench/stage puts them
 * there. Argument: runs per configuration (default 1); medians are shown.
 *
 * Boot time: from just before hcvm-run is started to the guest's init
 * printing HCVM-GUEST-UP on hcvm-run's stdout. It is the test machine's
 * clock, emulated time under Bochs: comparable side by side, not silicon.
 *
 * Host memory per VM beyond guest RAM: the host's memory in use with the VM
 * at HCVM-GUEST-UP minus the same just before hcvm-run started, minus the
 * resident part of the guest RAM mapping (/proc/PID/smaps). hcvm-run is
 * stopped (SIGSTOP) while this is sampled, so that it cannot finish or touch
 * more memory in between. What remains is what running the VM costs beyond
 * the RAM the guest touched: the hypervisor's kernel memory (VMCS, EPT and
 * process page tables, vCPU and irqchip state, kvm_run pages, whether or not
 * the allocator files them under a meminfo category) and hcvm-run's own
 * (thread stacks, heap, virtio buffers). "In use" is MemTotal - MemFree -
 * the per-CPU free lists (see used_kib()): within a few pages in a quiet
 * machine, where MemAvailable moves in steps of the per-CPU lists. No page
 * cache is involved: the files live in the initramfs, already in memory.
 * Nothing else runs in the test machine, but a few pages of noise (slab
 * caches, kernel threads) remain.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../lib/modules.h"

#define GUEST_MIB	128
#define LIMIT_MS	300000	/* per boot; about 13 s for 1 vCPU under Bochs */
#define MAX_RUNS	9

struct sample {
	double boot_ms;
	long overhead_kib, ram_kib;	/* -1: not sampled */
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * Host memory in use, KiB, or -1: MemTotal - MemFree - the free pages the
 * CPUs keep on their own lists (/proc/zoneinfo's pagesets "count"), which
 * MemFree leaves out and which a VM's first allocations come from. The
 * kernel adds up its per-CPU counters now and then: stat_refresh does it now.
 */
static long used_kib(void)
{
	char line[256];
	long total = -1, mem_free = -1, pcp = 0, n;
	FILE *f;

	write_file("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "MemTotal: %ld kB", &total);
		sscanf(line, "MemFree: %ld kB", &mem_free);
	}
	fclose(f);
	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	fclose(f);
	return total < 0 || mem_free < 0 ? -1 : total - mem_free - pcp * (getpagesize() / 1024);
}

/* Rss in KiB of @pid's mapping of exactly @bytes (the guest RAM), or -1. */
static long ram_rss_kib(pid_t pid, unsigned long bytes)
{
	char path[64], line[256];
	unsigned long start, end;
	long rss = -1;
	int in_ram = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)	/* a mapping's first line */
			in_ram = end - start == bytes;
		else if (in_ram && sscanf(line, "Rss: %ld kB", &rss) == 1)
			break;
	}
	fclose(f);
	return rss;
}

/*
 * Stop @pid and wait until it is: 1 once stopped; 0 if it ended instead
 * (reaped, *status set); -1 if neither within 10 s (then it is let go on).
 */
static int stop(pid_t pid, int *status)
{
	kill(pid, SIGSTOP);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, status, WUNTRACED | WNOHANG) == pid)
			return WIFSTOPPED(*status) ? 1 : 0;
		usleep(10000);
	}
	kill(pid, SIGCONT);
	return -1;
}

/* Whether the guest's init has printed its marker line. */
static int guest_up(const char *console)
{
	const char *m = strstr(console, "HCVM-GUEST-UP");

	return m && (m[13] == '\r' || m[13] == '\n');
}

/* One boot; 0 if the guest came up and hcvm-run ended with status 0. */
static int boot_once(const char *dev, int cpus, struct sample *s)
{
	char tail[4096] = "", buf[512], ncpus[8], mem[8];
	size_t tlen = 0;
	int pfd[2], status = -1, exited = 0, up = 0;
	long before;
	double t0;
	pid_t pid;

	s->boot_ms = -1;
	s->overhead_kib = s->ram_kib = -1;
	snprintf(ncpus, sizeof(ncpus), "%d", cpus);
	snprintf(mem, sizeof(mem), "%d", GUEST_MIB);
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	sleep(1);	/* let the previous VM's memory go back */
	before = used_kib();
	fflush(NULL);
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(126);
		execl("./hcvm-run", "hcvm-run", "--dev", dev, "--vm", "a", "-m", mem, "-c", ncpus,
		      "-k", "bzImage", "-i", "initrd.cpio", "--disk", "disk-a.img", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		int left = LIMIT_MS - (int)(now_ms() - t0);
		ssize_t n;

		if (left <= 0) {
			fprintf(stderr, "boot_bench: no end after %d s: killing hcvm-run\n",
				LIMIT_MS / 1000);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		/* Keep the last 4 KiB of console: the marker, and what to show on a failure. */
		if (tlen + n > sizeof(tail) - 1) {
			size_t drop = tlen + n - (sizeof(tail) - 1);

			memmove(tail, tail + drop, tlen - drop);
			tlen -= drop;
		}
		memcpy(tail + tlen, buf, n);
		tlen += n;
		tail[tlen] = '\0';
		if (!up && guest_up(tail)) {
			int r;

			up = 1;
			s->boot_ms = now_ms() - t0;
			r = stop(pid, &status);
			if (r == 1) {
				long used = used_kib();

				s->ram_kib = ram_rss_kib(pid, (unsigned long)GUEST_MIB << 20);
				if (before >= 0 && used >= 0 && s->ram_kib >= 0)
					s->overhead_kib = used - before - s->ram_kib;
				kill(pid, SIGCONT);
			}
			exited = r == 0;
		}
	}
	close(pfd[0]);
	if (!exited)
		waitpid(pid, &status, 0);
	if (!up || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "boot_bench: %s, vCPUs %d: %s, wait status %#x; console's end:\n%s\n",
			dev, cpus, up ? "guest up" : "guest never up", status, tail);
		return -1;
	}
	fprintf(stderr, "boot_bench: %s, vCPUs %d: init after %.0f ms, guest RAM resident %ld KiB, "
		"host memory beyond it %ld KiB\n", dev, cpus, s->boot_ms, s->ram_kib,
		s->overhead_kib);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define FIGURES 6
static const char *const names[FIGURES] = {
	"boot to init, 1 vCPU (ms)", "boot to init, 4 vCPUs (ms)",
	"memory beyond guest RAM, 1 vCPU (KiB)", "memory beyond guest RAM, 4 vCPUs (KiB)",
	"guest RAM resident, 1 vCPU (KiB)", "guest RAM resident, 4 vCPUs (KiB)",
};

/* Medians over @runs boots per vCPU count into out[]; -1 where a boot failed. */
static int measure(const char *dev, int runs, double out[FIGURES])
{
	static const int cpus[2] = { 1, 4 };
	int ret = 0;

	for (int c = 0; c < 2; c++) {
		double v[3][MAX_RUNS];
		int ok = 1;

		for (int r = 0; r < runs; r++) {
			struct sample s;

			if (boot_once(dev, cpus[c], &s)) {
				ok = 0;
				break;
			}
			v[0][r] = s.boot_ms;
			v[1][r] = s.overhead_kib;
			v[2][r] = s.ram_kib;
		}
		for (int f = 0; f < 3; f++)
			out[2 * f + c] = ok ? median(v[f], runs) : -1;
		ret |= !ok;
	}
	return ret;
}

int main(int argc, char **argv)
{
	double hcvm[FIGURES], kvm[FIGURES];
	int runs = argc > 1 ? atoi(argv[1]) : 1, ret;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: boot_bench [RUNS]  (1 to %d boots per figure)\n", MAX_RUNS);
		return 2;
	}
	module_unload("hcvm");
	module_unload("kvm_intel");
	ret = module_load("hcvm", NULL);
	if (ret) {
		fprintf(stderr, "boot_bench: loading hcvm: %s\n", strerror(-ret));
		return 1;
	}
	ret = measure("/dev/hcvm", runs, hcvm);
	module_unload("hcvm");
	if (module_probe("kvm_intel")) {
		fprintf(stderr, "boot_bench: modprobe kvm_intel failed\n");
		return 1;
	}
	ret |= measure("/dev/kvm", runs, kvm);
	module_unload("kvm_intel");

	printf("%-40s %10s %10s %8s\n", "Linux guest under hcvm-run, median", "hcvm",
	       "kvm_intel", "ratio");
	for (int i = 0; i < FIGURES; i++)
		printf("%-40s %10.0f %10.0f %8.2f\n", names[i], hcvm[i], kvm[i],
		       kvm[i] > 0 ? hcvm[i] / kvm[i] : 0);
	return ret ? 1 : 0;
}
