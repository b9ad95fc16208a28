// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-run: boot Linux bzImages and ELF images on /dev/hcvm (or any KVM device), several VMs
 * at once. The command line, the VM groups, signals and the exit status; see README, hcvm-run.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#include "vm.h"

#define VERSION		"0.1"
#define MAX_VMS		16
#define EXIT_SETUP	125	/* hcvm-run itself failed: bad options, a VM could not be built */

static const char usage[] =
"usage: hcvm-run [--dev PATH] --vm NAME [VM OPTIONS] [--vm NAME [VM OPTIONS]]...\n"
"Boot one or more VMs (Linux bzImage or ELF kernels) on /dev/hcvm through the KVM API.\n"
"\n"
"Global options:\n"
"  --dev PATH          the KVM device (default: $HCVM_DEV, else /dev/hcvm)\n"
"  -h, --help          this help\n"
"  -V, --version       the version\n"
"VM options (after --vm NAME, for that VM):\n"
"  -m, --mem SIZE      guest RAM: 256M, 1G, 65536K; no suffix means MiB (default 256M)\n"
"  -c, --cpus N        vCPUs, 1-64 (default 1)\n"
"  -k, --kernel FILE   Linux bzImage or ELF image (required)\n"
"  -i, --initrd FILE   initrd for a bzImage\n"
"  -a, --append TEXT   kernel command line, after \"console=ttyS0 reboot=k panic=-1\"\n"
"                      and the virtio_mmio.device= entries\n"
"      --disk FILE     virtio block disk: a raw image, opened read-write (Linux: /dev/vda)\n"
"      --console FILE  serial and virtio console output to FILE instead of stdout (\"-\")\n"
"\n"
"Every VM also has a virtio console (Linux: hvc0) and a virtio entropy source (virtio-mmio).\n"
"Several VMs on stdout get \"[NAME] \" before each line. stdin feeds the first VM's serial.\n"
"Ctrl-C stops every VM. Exit status: 0 if every VM ended with debug-exit 0 or a guest\n"
"reboot; else the first non-zero of: a debug-exit value (the guest wrote it to port 0x501),\n"
"124 triple fault, 125 error, 128+N stopped by signal N. One line per VM on stderr says how.\n";

static struct vm_config cfgs[MAX_VMS];
static struct vm *vms[MAX_VMS];
static int nr_vms;
static struct termios saved_tty;
static int tty_changed;

static void kick_handler(int sig)
{
	(void)sig;	/* its only job: make KVM_RUN return -EINTR */
}

/* Keys straight to the guest (no echo, no line editing), but Ctrl-C still stops hcvm-run. */
static void tty_setup(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(ICANON | ECHO | ECHONL | IEXTEN);
	t.c_iflag &= ~(ICRNL | INLCR | IXON);	/* Enter is \r, as a serial terminal sends it */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		tty_changed = 1;
}

static void tty_restore(void)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_changed = 0;
}

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "hcvm-run: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	return -1;
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.-", *s))
			return 0;
	return 1;
}

static int parse_cpus(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > VM_MAX_CPUS)
		return -1;
	*out = v;
	return 0;
}

/* 0 to run, 1 for --help/--version (done), -1 on a bad command line. */
static int parse_args(int argc, char **argv, const char **dev)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "disk", required_argument, NULL, 'd' },
		{ "console", required_argument, NULL, 'C' },
		{ "dev", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct vm_config *c = NULL;
	int opt;

	/* "+": options in order, no permutation, so each VM option belongs to the --vm before it. */
	while ((opt = getopt_long(argc, argv, "+m:c:k:i:a:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("hcvm-run %s\n", VERSION);
			return 1;
		case 'D':
			*dev = optarg;
			continue;
		case 'v':
			if (nr_vms == MAX_VMS)
				return fail("at most %d VMs%s", "16", "");
			if (!valid_name(optarg))
				return fail("--vm %s: a name is 1-32 of A-Z a-z 0-9 _ . -%s", optarg, "");
			for (int i = 0; i < nr_vms; i++)
				if (!strcmp(cfgs[i].name, optarg))
					return fail("--vm %s: two VMs with one name%s", optarg, "");
			c = &cfgs[nr_vms++];
			*c = (struct vm_config){ .name = optarg, .mem = 256ULL << 20, .cpus = 1,
						 .input_fd = -1 };
			continue;
		case '?':
			fprintf(stderr, "Try 'hcvm-run --help'.\n");
			return -1;
		}
		if (!c)
			return fail("option %s must follow --vm NAME%s", argv[optind - 1], "");
		switch (opt) {
		case 'm':
			if (parse_size(optarg, &c->mem) || c->mem < (2ULL << 20) ||
			    c->mem > (1ULL << 40) || c->mem & 0xfffff)
				return fail("--mem %s: bad size (whole MiB, 2M to 1T, e.g. 256M or "
					    "2G)%s", optarg, "");
			break;
		case 'c':
			if (parse_cpus(optarg, &c->cpus))
				return fail("--cpus %s: bad count (1 to 64)%s", optarg, "");
			break;
		case 'k': c->kernel = optarg; break;
		case 'i': c->initrd = optarg; break;
		case 'a': c->append = optarg; break;
		case 'd': c->disk = optarg; break;
		case 'C': c->console = optarg; break;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (options only; see --help)%s", argv[optind], "");
	if (!nr_vms)
		return fail("no VM: give --vm NAME -k KERNEL (see --help)%s%s", "", "");
	for (int i = 0; i < nr_vms; i++) {
		if (!cfgs[i].kernel)
			return fail("--vm %s: no kernel (-k FILE)%s", cfgs[i].name, "");
	}
	return 0;
}

/* Several VMs on stdout get line prefixes; the first VM reads stdin. */
static void assign_consoles(void)
{
	int on_stdout = 0;

	for (int i = 0; i < nr_vms; i++)
		on_stdout += !cfgs[i].console || !strcmp(cfgs[i].console, "-");
	for (int i = 0; i < nr_vms; i++)
		cfgs[i].prefix = on_stdout > 1 &&
				 (!cfgs[i].console || !strcmp(cfgs[i].console, "-"));
	cfgs[0].input_fd = STDIN_FILENO;
}

/* Wait until every VM ended; SIGINT/SIGTERM end them all. */
static void wait_vms(int sfd, int notify)
{
	for (;;) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { notify, POLLIN, 0 } };
		int running = 0;

		for (int i = 0; i < nr_vms; i++)
			running += !atomic_load(&vms[i]->ending);
		if (!running)
			return;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				for (int i = 0; i < nr_vms; i++)
					vm_end(vms[i], VM_SIGNAL, si.ssi_signo, "stopped by %s",
					       si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		}
		if (p[1].revents) {
			uint64_t v;

			if (read(notify, &v, sizeof(v)) < 0)
				continue;
		}
	}
}

int main(int argc, char **argv)
{
	const char *dev = getenv("HCVM_DEV");
	struct sigaction kick = { .sa_handler = kick_handler };	/* no SA_RESTART */
	char err[ERR_LEN];
	sigset_t stop;
	int sfd = -1, notify = -1, status = 0, r, created = 0, started = 0;

	if (!dev || !*dev)
		dev = "/dev/hcvm";
	r = parse_args(argc, argv, &dev);
	if (r)
		return r > 0 ? 0 : EXIT_SETUP;
	assign_consoles();

	/* Every thread inherits SIGINT/SIGTERM blocked: only the signalfd below sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &kick, NULL);
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	notify = eventfd(0, EFD_CLOEXEC);
	if (sfd < 0 || notify < 0) {
		fprintf(stderr, "hcvm-run: signalfd/eventfd: %s\n", strerror(errno));
		status = EXIT_SETUP;
		goto out;
	}

	/* Build every VM before starting any: a bad one stops the run with nothing started. */
	for (; created < nr_vms; created++) {
		vms[created] = vm_create(&cfgs[created], dev, notify, err);
		if (!vms[created]) {
			fprintf(stderr, "hcvm-run: vm %s: %s\n", cfgs[created].name, err);
			status = EXIT_SETUP;
			goto out;
		}
	}
	tty_setup();
	started = 1;
	for (int i = 0; i < nr_vms; i++) {
		if (vm_start(vms[i], err)) {
			fprintf(stderr, "hcvm-run: vm %s: %s\n", cfgs[i].name, err);
			for (int j = 0; j < nr_vms; j++)
				vm_end(vms[j], VM_ERROR, 0, "stopped: vm %s failed to start",
				       cfgs[i].name);
			break;
		}
	}
	wait_vms(sfd, notify);
out:
	for (int i = 0; i < created; i++) {
		char how[ERR_LEN] = "not started: another VM failed to build";
		int s = started ? vm_result(vms[i], how, sizeof(how)) : EXIT_SETUP;

		if (!status)
			status = s;
		vm_destroy(vms[i]);	/* joins its threads: they all return once it ended */
		fprintf(stderr, "vm %s: %s\n", cfgs[i].name, how);
	}
	tty_restore();
	if (sfd >= 0)
		close(sfd);
	if (notify >= 0)
		close(notify);
	return status;
}
