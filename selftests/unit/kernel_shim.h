/* SPDX-License-Identifier: GPL-2.0 */
/* The few kernel types the pure module code uses, for building it on the host. */
#ifndef HCVM_UNIT_KERNEL_SHIM_H
#define HCVM_UNIT_KERNEL_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
