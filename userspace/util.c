// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

int errorf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

int read_file(const char *path, size_t max, uint8_t **buf, size_t *size, char *err)
{
	struct stat st;
	uint8_t *p = NULL;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errorf(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		errorf(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errorf(err, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		errorf(err, "%s: %lld bytes, larger than the %zu MiB of guest RAM", path,
		       (long long)st.st_size, max >> 20);
		goto fail;
	}
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p) {
		errorf(err, "%s: out of memory", path);
		goto fail;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errorf(err, "%s: %s", path, n ? strerror(errno) : "file shrank while read");
			goto fail;
		}
		done += n;
	}
	close(fd);
	*buf = p;
	*size = done;
	return 0;
fail:
	free(p);
	close(fd);
	return -1;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 20;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')	/* tolerate "MiB" and "MB" */
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}
