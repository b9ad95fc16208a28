/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: where a VM's serial output goes: stdout ("-") or a file. When several VMs share
 * stdout each line is prefixed with "[NAME] " and written whole, so lines never interleave
 * mid-way; a partial line (a shell prompt) then shows when its newline comes or at the end.
 * Without a prefix every byte is written as it comes.
 */
#ifndef HCVM_RUN_CONSOLE_H
#define HCVM_RUN_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct console {
	int fd;
	int own_fd;		/* a file we opened and close */
	char prefix[80];	/* "[NAME] " or "" */
	char line[512];
	size_t len;
};

/* path NULL or "-": stdout. */
int console_open(struct console *c, const char *path, const char *name, int prefix, char *err);
void console_putc(struct console *c, uint8_t byte);
void console_close(struct console *c);

#endif
