// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "devices.h"

#define STATUS_OBF	0x01	/* output buffer full: a byte waits at 0x60 */
#define STATUS_SYS	0x04	/* system flag: self test passed */
#define STATUS_UNLOCK	0x10

void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx)
{
	memset(k, 0, sizeof(*k));
	k->cmd_byte = 0x45;	/* keyboard interrupt on, translation on, as a BIOS leaves it */
	k->reset = reset;
	k->ctx = ctx;
}

static void reply(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->out_full = 1;
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:		/* read the command byte */
		reply(k, k->cmd_byte);
		break;
	case 0x60:		/* write the command byte: next byte at 0x60 */
	case 0xd1:		/* write the output port: next byte at 0x60 */
		k->next_write = cmd;
		break;
	case 0xaa:		/* controller self test */
		reply(k, 0x55);
		break;
	case 0xab:		/* keyboard interface test */
		reply(k, 0x00);
		break;
	default:
		/* 0xf0-0xff pulse output lines for 6 us; bit 0 clear pulses the CPU reset line. */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & 1) && k->reset)
			k->reset(k->ctx);
		break;
	}
}

void i8042_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write)
{
	struct i8042 *k = dev;

	if (!is_write) {
		memset(data, 0, len);
		if (port == I8042_CMD) {
			data[0] = STATUS_SYS | STATUS_UNLOCK | (k->out_full ? STATUS_OBF : 0);
		} else {
			data[0] = k->out;
			k->out_full = 0;
		}
		return;
	}
	if (port == I8042_CMD) {
		command(k, data[0]);
		return;
	}
	if (k->next_write == 0x60)
		k->cmd_byte = data[0];
	else if (k->next_write == 0xd1 && !(data[0] & 1) && k->reset)
		k->reset(k->ctx);	/* output port bit 0 is the reset line, active low */
	k->next_write = 0;
}
