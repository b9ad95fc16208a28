/* SPDX-License-Identifier: GPL-2.0 */
/* hcvm-run: the small legacy devices, one .c each. Callers serialise access. */
#ifndef HCVM_RUN_DEVICES_H
#define HCVM_RUN_DEVICES_H

#include <stdint.h>

/* i8042 keyboard controller (ports 0x60, 0x64), just enough for its reset line: command 0xfe
 * (or 0xd1 with bit 0 clear) resets the machine, which ends the VM as "reboot". */
#define I8042_DATA	0x60
#define I8042_CMD	0x64
struct i8042 {
	uint8_t cmd_byte, out, next_write;
	int out_full;
	void (*reset)(void *ctx);
	void *ctx;
};
void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx);
void i8042_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write);

/* MC146818 CMOS RTC (index 0x70, data 0x71): the host's UTC time, BCD and 24-hour unless the
 * guest sets status B otherwise; time writes are ignored; the rest is 128 bytes of CMOS. */
#define RTC_INDEX	0x70
#define RTC_DATA	0x71
struct rtc {
	uint8_t index;
	uint8_t cmos[128];
};
void rtc_init(struct rtc *r);
void rtc_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write);

/* Debug exit (port 0x501): writing v ends the VM with exit status v (tests' way out). */
#define DEBUG_EXIT_PORT	0x501
struct debug_exit {
	void (*exit)(void *ctx, uint32_t value);
	void *ctx;
};
void debug_exit_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write);

#endif
