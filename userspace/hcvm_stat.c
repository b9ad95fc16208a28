// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-stat: exits per second by reason of the running VMs, as kvm_stat
 * shows KVM's. It reads hcvm's debugfs (hcvm/vms/PID-N/vcpu-ID/stats, the
 * KVM_GET_STATS_FD format: a header, descriptors, then u64 data), sums the
 * vCPUs of each VM, and prints the rates over an interval.
 *
 *   hcvm-stat [--once] [-i SECONDS] [-d DEBUGFS]
 *
 * --once: one interval, one report, then exit (for scripts); otherwise the
 * screen is refreshed every interval until interrupted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MAX_VMS		64
#define NR_REASONS	78

/* The SDM's basic exit reasons (Vol. 3C, appendix C), by number. */
static const char *const reason_name[NR_REASONS] = {
	[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL", [4] = "SIPI", [7] = "INTERRUPT_WINDOW", [8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH", [10] = "CPUID", [12] = "HLT", [13] = "INVD", [14] = "INVLPG",
	[15] = "RDPMC", [16] = "RDTSC", [18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH",
	[21] = "VMPTRLD", [22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMOFF", [27] = "VMON", [28] = "CR_ACCESS",
	[29] = "DR_ACCESS", [30] = "IO_INSTRUCTION", [31] = "MSR_READ", [32] = "MSR_WRITE",
	[33] = "INVALID_STATE", [34] = "MSR_LOAD_FAIL", [36] = "MWAIT",
	[37] = "MONITOR_TRAP_FLAG", [39] = "MONITOR", [40] = "PAUSE",
	[41] = "MCE_DURING_VMENTRY", [43] = "TPR_BELOW_THRESHOLD", [44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED", [46] = "GDTR_IDTR", [47] = "LDTR_TR", [48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG", [50] = "INVEPT", [51] = "RDTSCP", [52] = "PREEMPTION_TIMER",
	[53] = "INVVPID", [54] = "WBINVD", [55] = "XSETBV", [56] = "APIC_WRITE",
	[57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC", [61] = "RDSEED",
	[62] = "PML_FULL", [63] = "XSAVES", [64] = "XRSTORS", [74] = "BUS_LOCK",
	[75] = "NOTIFY",
};

/* One VM's counters, summed over its vCPUs. */
struct vm_sample {
	char name[256];
	unsigned int vcpus;
	uint64_t exits, halt_wakeups, irq_injections, guest_cycles;
	uint64_t reason[NR_REASONS];
};

struct sample {
	struct vm_sample vm[MAX_VMS];
	unsigned int n;
	double t;		/* CLOCK_MONOTONIC seconds */
};

/* The whole stats file; its length in *len, NULL if unreadable or malformed. */
static char *read_stats(const char *path, size_t *len)
{
	size_t cap = 1 << 16, got = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (got < cap && (r = read(fd, buf + got, cap - got)) > 0)
		got += r;
	close(fd);
	if (got < sizeof(struct kvm_stats_header)) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

/*
 * Add stat @name of the file in @buf to @out[0..@n): a counter adds one
 * value, a histogram its buckets (up to @n). Bounds are checked against the
 * file: a tool must not trust what it reads either.
 */
static void add_stat(const char *buf, size_t len, const char *name, uint64_t *out, unsigned int n)
{
	const struct kvm_stats_header *h = (const void *)buf;
	size_t dsize = sizeof(struct kvm_stats_desc) + h->name_size;

	for (uint32_t i = 0; i < h->num_desc; i++) {
		size_t at = h->desc_offset + (size_t)i * dsize;
		const struct kvm_stats_desc *d = (const void *)(buf + at);
		uint64_t v;

		if (at + dsize > len)
			return;
		if (strncmp(d->name, name, h->name_size))
			continue;
		for (unsigned int b = 0; b < d->size && b < n; b++) {
			size_t off = h->data_offset + d->offset + 8 * (size_t)b;

			if (off + 8 > len)
				return;
			memcpy(&v, buf + off, 8);
			out[b] += v;
		}
		return;
	}
}

static void add_vcpu(struct vm_sample *vm, const char *path)
{
	size_t len;
	char *buf = read_stats(path, &len);

	if (!buf)
		return;
	vm->vcpus++;
	add_stat(buf, len, "exits", &vm->exits, 1);
	add_stat(buf, len, "halt_wakeups", &vm->halt_wakeups, 1);
	add_stat(buf, len, "irq_injections", &vm->irq_injections, 1);
	add_stat(buf, len, "guest_cycles", &vm->guest_cycles, 1);
	add_stat(buf, len, "exit_reason", vm->reason, NR_REASONS);
	free(buf);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int take_sample(const char *vms_dir, struct sample *s)
{
	DIR *d = opendir(vms_dir), *vd;
	struct dirent *e, *ve;
	char path[1024];

	memset(s, 0, sizeof(*s));
	if (!d)
		return -errno;
	while ((e = readdir(d)) && s->n < MAX_VMS) {
		struct vm_sample *vm = &s->vm[s->n];

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", vms_dir, e->d_name) >= sizeof(path))
			continue;
		vd = opendir(path);
		if (!vd)
			continue;
		snprintf(vm->name, sizeof(vm->name), "%s", e->d_name);
		while ((ve = readdir(vd))) {
			if (strncmp(ve->d_name, "vcpu-", 5))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s/stats", vms_dir,
					     e->d_name, ve->d_name) < sizeof(path))
				add_vcpu(vm, path);
		}
		closedir(vd);
		s->n++;
	}
	closedir(d);
	s->t = now();
	return 0;
}

static const struct vm_sample *find_vm(const struct sample *s, const char *name)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!strcmp(s->vm[i].name, name))
			return &s->vm[i];
	return NULL;
}

/* Rates between @a and @b (VMs that exist in both), busiest reasons first. */
static void report(const struct sample *a, const struct sample *b)
{
	double dt = b->t - a->t;

	printf("%-24s %12s %10s\n", "VM (pid-serial) / reason", "total", "per second");
	for (unsigned int i = 0; i < b->n; i++) {
		const struct vm_sample *vb = &b->vm[i], *va = find_vm(a, vb->name);
		unsigned int order[NR_REASONS], n = 0;

		if (!va)
			continue;
		printf("%s: %u vCPUs, %.0f exits/s, %.0f halt wakeups/s, %.0f injections/s, "
		       "%.0f guest TSC ticks/s\n", vb->name, vb->vcpus,
		       (vb->exits - va->exits) / dt, (vb->halt_wakeups - va->halt_wakeups) / dt,
		       (vb->irq_injections - va->irq_injections) / dt,
		       (vb->guest_cycles - va->guest_cycles) / dt);
		for (unsigned int r = 0; r < NR_REASONS; r++)
			if (vb->reason[r])
				order[n++] = r;
		/* Insertion sort by this interval's count: a few dozen entries at most. */
		for (unsigned int x = 1; x < n; x++)
			for (unsigned int y = x; y && vb->reason[order[y]] - va->reason[order[y]] >
					      vb->reason[order[y - 1]] - va->reason[order[y - 1]]; y--) {
				unsigned int t = order[y];

				order[y] = order[y - 1];
				order[y - 1] = t;
			}
		for (unsigned int x = 0; x < n; x++) {
			unsigned int r = order[x];
			char num[16];
			const char *nm = reason_name[r];

			if (!nm) {
				snprintf(num, sizeof(num), "reason %u", r);
				nm = num;
			}
			printf("  %-22s %12llu %10.0f\n", nm, (unsigned long long)vb->reason[r],
			       (vb->reason[r] - va->reason[r]) / dt);
		}
	}
	if (!b->n)
		printf("(no VMs)\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: hcvm-stat [--once] [-i SECONDS] [-d DEBUGFS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "debugfs", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *debugfs = "/sys/kernel/debug";
	static struct sample s[2];
	double interval = 1;
	bool once = false;
	char dir[256];
	int c, cur = 0;

	while ((c = getopt_long(argc, argv, "oi:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			once = true;
			break;
		case 'i':
			interval = strtod(optarg, NULL);
			if (!(interval > 0 && interval < 3600))
				usage();
			break;
		case 'd':
			debugfs = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	snprintf(dir, sizeof(dir), "%s/hcvm/vms", debugfs);
	if (take_sample(dir, &s[cur])) {
		fprintf(stderr, "hcvm-stat: %s: %s (hcvm loaded? debugfs mounted?)\n", dir,
			strerror(errno));
		return 1;
	}
	for (;;) {
		usleep(interval * 1e6);
		take_sample(dir, &s[!cur]);
		if (!once)
			printf("\033[H\033[J");
		report(&s[cur], &s[!cur]);
		fflush(stdout);
		if (once)
			return 0;
		cur = !cur;
	}
}
