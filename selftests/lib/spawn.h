/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a VMM (hcvm-run, QEMU, kvmtool) the way a user would, from a
 * test: its output to files, a time limit, and the console lines judged
 * afterwards.
 */
#ifndef HCVM_SELFTESTS_SPAWN_H
#define HCVM_SELFTESTS_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct spawn {
	int status;		/* from waitpid(), -1 if it never started */
	bool timed_out;
	double seconds;		/* from start to exit */
	char *out, *err;	/* what it wrote to stdout and stderr */
};

/*
 * Run the NULL-terminated @argv with stdin empty, stdout and stderr into
 * the files @out and @err; past @limit seconds send @stop (by PID), then
 * SIGKILL 10 s later. Fills @r (its earlier out and err are freed).
 */
void spawn_run(struct spawn *r, const char *const *argv, const char *out, const char *err,
	       int limit, int stop);
/* Its exit status, or 128 + the signal that ended it. */
int spawn_exit_status(const struct spawn *r);
/* What it printed, each line after "#  | ", guest kernel timestamps as "( 1.234)". */
void spawn_dump(const char *name, const struct spawn *r);
void spawn_free(struct spawn *r);

/*
 * Where a suite's staged files are: $@env if set, else the directory of the
 * running program (the runner puts them next to it). 0, or -1.
 */
int staged_dir(char *buf, size_t size, const char *env);
/* rm -rf @dir (a test's scratch directory); 0 on success. */
int remove_tree(const char *dir);

/* The file's contents, NUL-terminated (empty if it cannot be read); *len its size. */
char *slurp(const char *path, size_t *len);
int copy_file(const char *from, const char *to);
/* Whether the file holds @text anywhere, as bytes (a disk image). */
bool file_has(const char *path, const char *text);
/* The line of @text that starts with @prefix then @start, or NULL; *len: its length without \r. */
const char *find_line(const char *text, const char *prefix, const char *start, int *len);
/* A line that is exactly @prefix @line. */
bool has_line(const char *text, const char *prefix, const char *line);

#endif
