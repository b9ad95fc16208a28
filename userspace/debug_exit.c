// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "devices.h"

void debug_exit_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write)
{
	struct debug_exit *d = dev;
	uint32_t v = 0;

	(void)port;	/* one port */
	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&v, data, len > 4 ? 4 : len);	/* little endian: out %al gives the byte */
	d->exit(d->ctx, v);
}
