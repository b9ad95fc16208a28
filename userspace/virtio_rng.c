// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: virtio entropy device (virtio 1.x, 5.4), fed by the host's getrandom(). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include "virtio_devices.h"

static int fill(void *ctx, uint8_t *p, size_t n)
{
	uint32_t *done = ctx;

	while (n) {
		/* Never blocks once the host's pool is initialised, long before any VM runs. */
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;	/* the guest gets what was filled so far */
		p += r;
		n -= r;
		*done += r;
	}
	return 0;
}

static int request(struct virtio_mmio *t, const struct vq_chain *c, uint32_t *written)
{
	(void)t;
	*written = 0;
	vq_for_each(c, 1, 0, c->wr_len, fill, written);
	return 0;
}

static const struct virtio_ops rng_ops = {
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.handle = { request },
};

void virtio_rng_init(struct virtio_rng *r, const struct guest_ram *ram, void (*irq)(void *),
		     void *irq_ctx)
{
	virtio_mmio_init(&r->t, &rng_ops, r, ram, irq, irq_ctx);
}
