/* SPDX-License-Identifier: GPL-2.0 */
/* hcvm-run: error strings, file reading, sizes. */
#ifndef HCVM_RUN_UTIL_H
#define HCVM_RUN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Every fallible step writes one line into a caller's buffer of this size and returns -1. */
#define ERR_LEN 320

int errorf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole regular file of at most max bytes into a malloc'd buffer. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *size, char *err);

/* "256M", "1G", "65536K", "512" (MiB when there is no suffix, as in QEMU and kvmtool). */
int parse_size(const char *s, uint64_t *out);

#endif
