// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: virtio console (virtio 1.x, 5.3), one port without features: the guest's hvc0. */
#include <string.h>
#include "virtio_devices.h"

enum { RECEIVEQ, TRANSMITQ };

static int put(void *ctx, uint8_t *p, size_t n)
{
	struct virtio_console *c = ctx;

	if (c->out)
		c->out(c->out_ctx, p, n);
	return 0;
}

/* Everything readable in the chain is output; nothing is written back. */
static int transmit(struct virtio_mmio *t, const struct vq_chain *ch, uint32_t *written)
{
	vq_for_each(ch, 0, 0, ch->rd_len, put, t->dev);
	*written = 0;
	return 0;
}

static const struct virtio_ops console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.handle = { [RECEIVEQ] = NULL, [TRANSMITQ] = transmit },
};

void virtio_console_init(struct virtio_console *c, const struct guest_ram *ram,
			 void (*irq)(void *), void *irq_ctx,
			 void (*out)(void *, const uint8_t *, size_t), void *out_ctx)
{
	uint32_t ports = 1;

	memset(c, 0, sizeof(*c));
	c->out = out;
	c->out_ctx = out_ctx;
	memcpy(c->config + 4, &ports, 4);	/* max_nr_ports; cols, rows, emerg_wr: 0 */
	virtio_mmio_init(&c->t, &console_ops, c, ram, irq, irq_ctx);
	c->t.config = c->config;
	c->t.config_len = sizeof(c->config);
}
