// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "console.h"
#include "util.h"

/* VMs share stdout: one writer at a time keeps a prefixed line whole. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

int console_open(struct console *c, const char *path, const char *name, int prefix, char *err)
{
	memset(c, 0, sizeof(*c));
	c->fd = STDOUT_FILENO;
	if (path && strcmp(path, "-")) {
		c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->fd < 0)
			return errorf(err, "--console %s: %s", path, strerror(errno));
		c->own_fd = 1;
	}
	if (prefix)
		snprintf(c->prefix, sizeof(c->prefix), "[%s] ", name);
	return 0;
}

static void write_all(int fd, struct iovec *iov, int n)
{
	while (n) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* a closed pipe or full disk: the guest runs on, unheard */
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
}

static void flush_line(struct console *c)
{
	struct iovec iov[2] = {
		{ c->prefix, strlen(c->prefix) }, { c->line, c->len },
	};

	if (!c->len)
		return;
	pthread_mutex_lock(&out_lock);
	write_all(c->fd, iov, 2);
	pthread_mutex_unlock(&out_lock);
	c->len = 0;
}

void console_putc(struct console *c, uint8_t byte)
{
	if (!c->prefix[0]) {
		struct iovec iov = { &byte, 1 };

		write_all(c->fd, &iov, 1);
		return;
	}
	if (byte == '\r')
		return;		/* the line is written whole: no carriage return needed */
	c->line[c->len++] = byte;
	if (byte == '\n' || c->len == sizeof(c->line) - 1) {
		if (byte != '\n')
			c->line[c->len++] = '\n';
		flush_line(c);
	}
}

void console_close(struct console *c)
{
	if (c->len) {
		c->line[c->len++] = '\n';
		flush_line(c);
	}
	if (c->own_fd)
		close(c->fd);
	c->own_fd = 0;
}
