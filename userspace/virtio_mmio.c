// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: virtio-mmio version 2 (virtio 1.x, 4.2.2). */
#include <string.h>
#include "virtio_mmio.h"

#define TRANSPORT_FEATURES	(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC)

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_ops *ops, void *dev,
		      const struct guest_ram *ram, void (*interrupt)(void *), void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->ram = ram;
	t->interrupt = interrupt;
	t->ctx = ctx;
	t->features = ops->features | TRANSPORT_FEATURES;
}

static void send_irq(struct virtio_mmio *t, uint32_t why)
{
	t->isr |= why;
	/* An edge each time, even if the bit was already set: the IOAPIC merges edges that
	 * come while one is pending, and a lost one would hang the driver. */
	if (t->interrupt)
		t->interrupt(t->ctx);
}

static void reset(struct virtio_mmio *t)
{
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vq_reset(&t->vq[q]);
	t->driver_features = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->status = t->isr = 0;
}

/* The driver broke the rules: stop using the queues, tell it (2.1.2: a config interrupt). */
static void needs_reset(struct virtio_mmio *t)
{
	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		send_irq(t, VIRTIO_INT_CONFIG);
}

/* Queues are served only between DRIVER_OK and a reset or a breach (3.1.1). */
static int live(const struct virtio_mmio *t)
{
	return (t->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
	       VIRTIO_STATUS_DRIVER_OK;
}

/* Serve up to one ring's worth of queue q; 1 if more is waiting. */
static int serve(struct virtio_mmio *t, unsigned int q)
{
	struct virtqueue *vq = &t->vq[q];
	virtio_handler fn = t->ops->handle[q];
	int pushed = 0;

	if (!live(t) || !vq->ready || !fn)
		return 0;
	/* The bound keeps a guest that refills as fast as we serve from holding us forever. */
	for (uint32_t n = 0; n < vq->num; n++) {
		uint32_t written = 0;
		int r = vq_pop(vq, &t->chain);

		if (r == 0)
			break;
		if (r < 0 || fn(t, &t->chain, &written)) {
			needs_reset(t);
			return 0;
		}
		vq_push(vq, t->chain.head, written);
		pushed = 1;
	}
	if (pushed && vq_wants_interrupt(vq))
		send_irq(t, VIRTIO_INT_USED);
	return vq_has_avail(vq);
}

int virtio_mmio_notify(struct virtio_mmio *t)
{
	int more = 0;

	for (unsigned int q = 0; q < t->ops->nr_queues; q++)
		more |= serve(t, q);
	return more && live(t);
}

/* FEATURES_OK only for a subset of what we offer that includes VERSION_1: modern only. */
static int features_ok(const struct virtio_mmio *t)
{
	return !(t->driver_features & ~t->features) &&
	       (t->driver_features & 1ULL << VIRTIO_F_VERSION_1);
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status;

	if (!v) {
		reset(t);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_ok(t))
		v &= ~VIRTIO_STATUS_FEATURES_OK;	/* the driver reads it back and gives up */
	/* NEEDS_RESET is ours: the driver cannot set or clear it but by a reset. */
	t->status = (v & 0xff & ~VIRTIO_STATUS_NEEDS_RESET) | (old & VIRTIO_STATUS_NEEDS_RESET);
	/* Notifications may have come before DRIVER_OK: serve what is already queued. */
	if (!(old & VIRTIO_STATUS_DRIVER_OK) && (t->status & VIRTIO_STATUS_DRIVER_OK))
		virtio_mmio_notify(t);
}

static uint32_t read_reg(struct virtio_mmio *t, uint32_t off)
{
	struct virtqueue *vq = t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC:
		return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2 ? t->features >> (32 * t->dev_features_sel) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VQ_MAX_SIZE : 0;	/* 0: no such queue */
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->isr;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;	/* the config space never changes */
	default:
		return 0;	/* write-only and reserved registers */
	}
}

static void set_half(uint64_t *v, int high, uint32_t x)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)x << 32 : (*v & ~0xffffffffULL) | x;
}

static void write_reg(struct virtio_mmio *t, uint32_t off, uint32_t v)
{
	struct virtqueue *vq = t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Fixed once FEATURES_OK is set (3.1.1). */
		if (t->drv_features_sel < 2 && !(t->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&t->driver_features, t->drv_features_sel, v);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* The ioeventfd normally takes these; any that get here are served inline. */
		virtio_mmio_notify(t);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->isr &= ~v;
		return;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		return;
	}
	/* Queue registers: only for an existing queue, and not while it is live (4.2.3.2). */
	if (!vq)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		if (!v)
			vq->ready = 0;
		else if (!vq->ready &&
			 vq_enable(vq, t->ram, !!(t->driver_features &
						  1ULL << VIRTIO_RING_F_INDIRECT_DESC)))
			needs_reset(t);
		return;
	}
	if (vq->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->num = v;
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		return;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		return;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		return;
	}
}

void virtio_mmio_io(void *dev, uint64_t addr, uint8_t *data, unsigned int len, int is_write)
{
	struct virtio_mmio *t = dev;
	uint32_t off = addr & (VIRTIO_MMIO_SIZE - 1), v;

	if (off >= VIRTIO_MMIO_CONFIG) {
		/* Config space: any width; past its end reads 0; writes are ignored since no
		 * field of our devices is writable. */
		off -= VIRTIO_MMIO_CONFIG;
		if (is_write)
			return;
		memset(data, 0, len);
		if (off < t->config_len)
			memcpy(data, t->config + off, len < t->config_len - off ?
						       len : t->config_len - off);
		return;
	}
	/* Control registers are 32-bit, aligned (4.2.2.2); other accesses do nothing. */
	if (len != 4 || off % 4) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		write_reg(t, off, v);
	} else {
		v = read_reg(t, off);
		memcpy(data, &v, 4);
	}
}
