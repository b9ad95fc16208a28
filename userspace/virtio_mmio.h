/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: the virtio-mmio transport, virtio 1.x (version 2 register layout, spec 4.2.2).
 * A device is a 0x200-byte register window on the MMIO bus plus an edge on its own GSI. The
 * transport does the registers, feature negotiation, queue setup, status and reset, and pops
 * chains off the queues for the device's handlers; a driver that breaks the ring rules gets
 * DEVICE_NEEDS_RESET and the device stops touching its queues until it is reset.
 * Callers serialise access (the VM's device lock).
 */
#ifndef HCVM_RUN_VIRTIO_MMIO_H
#define HCVM_RUN_VIRTIO_MMIO_H

#include <stdint.h>
#include "virtqueue.h"

#define VIRTIO_MMIO_SIZE	0x200	/* windows are placed 0x200-aligned */
#define VIRTIO_MAX_QUEUES	2

/* Registers (4.2.2); below 0x100 they are 32 bits wide. */
#define VIRTIO_MMIO_MAGIC		0x000	/* "virt" */
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050	/* where the ioeventfd sits */
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC_VALUE	0x74726976
#define VIRTIO_MMIO_VENDOR	0x4d564348	/* "HCVM" */

/* Device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* InterruptStatus bits */
#define VIRTIO_INT_USED		0x1
#define VIRTIO_INT_CONFIG	0x2

/* Transport feature bits every device here offers. */
#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_F_VERSION_1		32

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

struct virtio_mmio;

/* Serve one chain of queue q; *written: bytes written into it. -1 if the request is
 * malformed beyond a status reply (the device then needs reset). */
typedef int (*virtio_handler)(struct virtio_mmio *t, const struct vq_chain *c,
			      uint32_t *written);

struct virtio_ops {
	uint32_t device_id;
	uint64_t features;		/* device-specific; the transport adds its own */
	unsigned int nr_queues;
	/* Per queue; NULL leaves the driver's buffers where they are (an unused receive queue). */
	virtio_handler handle[VIRTIO_MAX_QUEUES];
};

struct virtio_mmio {
	const struct virtio_ops *ops;
	void *dev;			/* the device's state, for its handlers */
	const struct guest_ram *ram;
	const uint8_t *config;		/* device config space, read-only to the driver */
	uint32_t config_len;
	void (*interrupt)(void *ctx);	/* an edge on the device's GSI */
	void *ctx;

	uint64_t features, driver_features;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint32_t status, isr;
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	struct vq_chain chain;		/* scratch for the chain being served */
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_ops *ops, void *dev,
		      const struct guest_ram *ram, void (*interrupt)(void *), void *ctx);
/* bus_fn for the device's window */
void virtio_mmio_io(void *dev, uint64_t addr, uint8_t *data, unsigned int len, int is_write);
/* The driver notified (QueueNotify or its ioeventfd): serve every queue, at most one ring's
 * worth each. 1 if buffers are still waiting, so the caller comes back after other work. */
int virtio_mmio_notify(struct virtio_mmio *t);

#endif
