// SPDX-License-Identifier: GPL-2.0
/* Running a VMM from a test (see spawn.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "spawn.h"

static double since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

void spawn_run(struct spawn *r, const char *const *argv, const char *out, const char *err,
	       int limit, int stop)
{
	struct timespec start;
	int status = 0;
	pid_t pid;

	spawn_free(r);
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid == 0) {
		int i = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (i < 0 || o < 0 || e < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(argv[0], (char **)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (int stops = 0; pid > 0;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (since(&start) >= limit + 10 * stops) {
			kill(pid, stops ? SIGKILL : stop);
			r->timed_out = true;
			stops++;
		}
		usleep(50000);
	}
	r->seconds = since(&start);
	r->status = pid > 0 ? status : -1;
	r->out = slurp(out, NULL);
	r->err = slurp(err, NULL);
}

int spawn_exit_status(const struct spawn *r)
{
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

/*
 * Guest kernel timestamps "[ 1.234]" are printed as "( 1.234)": the runner
 * would take the guest's messages for the test machine's own kernel's.
 */
static void dump_text(const char *text)
{
	for (const char *l = text; l && *l;) {
		const char *nl = strchrnul(l, '\n');

		fputs("#  | ", stderr);
		for (const char *c = l; c < nl; c++) {
			size_t d = strspn(c + 1, " "), t;

			t = d + strspn(c + 1 + d, "0123456789");
			if (*c == '[' && t > d && c[1 + t] == '.') {
				t += 1 + strspn(c + 2 + t, "0123456789");
				if (c[1 + t] == ']') {
					fprintf(stderr, "(%.*s)", (int)t, c + 1);
					c += 1 + t;
					continue;
				}
			}
			if (*c != '\r' && *c != '\033')
				fputc(*c, stderr);
		}
		fputc('\n', stderr);
		l = *nl ? nl + 1 : nl;
	}
}

void spawn_dump(const char *name, const struct spawn *r)
{
	fprintf(stderr, "# %s: exit status %d%s; stdout, then stderr:\n", name,
		spawn_exit_status(r), r->timed_out ? " (stopped: time limit)" : "");
	dump_text(r->out);
	dump_text(r->err);
}

void spawn_free(struct spawn *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

int staged_dir(char *buf, size_t size, const char *env)
{
	const char *dir = getenv(env);
	char exe[PATH_MAX];
	ssize_t n;

	if (!dir || !*dir) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		dir = dirname(exe);
	}
	return snprintf(buf, size, "%s", dir) < (int)size ? 0 : -1;
}

int remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t size = 0, n = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		for (;;) {
			if (n + 4097 > size) {
				size = 2 * size + 8192;
				buf = realloc(buf, size);
				if (!buf)
					break;
			}
			size_t got = fread(buf + n, 1, size - n - 1, f);

			if (!got)
				break;
			n += got;
		}
		fclose(f);
	}
	if (!buf)
		buf = calloc(1, 1);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto out;
	ret = out >= 0 && n == 0 ? 0 : -1;
out:
	close(in);
	if (out >= 0)
		close(out);
	return ret;
}

bool file_has(const char *path, const char *text)
{
	size_t len;
	char *buf = slurp(path, &len);
	bool found = buf && memmem(buf, len, text, strlen(text));

	free(buf);
	return found;
}

const char *find_line(const char *text, const char *prefix, const char *start, int *len)
{
	size_t pl = strlen(prefix), sl = strlen(start);

	for (const char *l = text; *l;) {
		const char *nl = strchrnul(l, '\n');
		int n = nl - l;

		if (n && l[n - 1] == '\r')
			n--;
		if ((size_t)n >= pl + sl && !strncmp(l, prefix, pl) && !strncmp(l + pl, start, sl)) {
			if (len)
				*len = n;
			return l;
		}
		l = *nl ? nl + 1 : nl;
	}
	return NULL;
}

bool has_line(const char *text, const char *prefix, const char *line)
{
	int len;
	const char *l = find_line(text, prefix, line, &len);

	return l && (size_t)len == strlen(prefix) + strlen(line);
}
