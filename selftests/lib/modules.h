/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel-module and kernel-log helpers for the nested selftests. */
#ifndef HCVM_SELFTEST_MODULES_H
#define HCVM_SELFTEST_MODULES_H

#include <stdbool.h>

/* Path of module NAME.ko under /lib/modules/$(uname -r); "hcvm" is in extra/. */
const char *module_path(const char *name);
/* finit_module(); 0 or -errno. */
int module_load(const char *name, const char *params);
/* delete_module(O_NONBLOCK); 0 or -errno. */
int module_unload(const char *name);
bool module_loaded(const char *name);
/* Load a module and its dependencies with modprobe; its exit status. */
int module_probe(const char *name);

/* The kernel log from now on: kmsg_open() marks the point, kmsg_find() reads past it. */
int kmsg_open(void);
bool kmsg_find(int fd, const char *needle);

/* Read a whole small file into buf (NUL-terminated); length or -errno. */
int read_file(const char *path, char *buf, int size);
int write_file(const char *path, const char *text);

#endif
