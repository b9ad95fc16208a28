/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: the virtio devices, one .c each, each a virtio-mmio transport (t) plus its state.
 * irq(irq_ctx) raises the device's interrupt. Callers serialise access (the VM's device lock).
 */
#ifndef HCVM_RUN_VIRTIO_DEVICES_H
#define HCVM_RUN_VIRTIO_DEVICES_H

#include <stddef.h>
#include <stdint.h>
#include "virtio_mmio.h"

/* Block (5.2): a raw image file opened read-write; capacity is its size in 512-byte sectors
 * (a partial last sector is not reachable). Requests: read, write, flush (fdatasync), get ID
 * (the file's base name). The file is flock()ed so two VMs cannot share it by mistake. */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_FLUSH	9
struct virtio_blk {
	struct virtio_mmio t;
	int fd;
	uint64_t sectors;
	char id[20];
	uint8_t config[24];	/* struct virtio_blk_config up to blk_size */
};
/* -1 with a message in err if the file cannot be opened read-write, locked or sized. */
int virtio_blk_init(struct virtio_blk *b, const char *path, const struct guest_ram *ram,
		    void (*irq)(void *), void *irq_ctx, char *err);
void virtio_blk_close(struct virtio_blk *b);

/* Console (5.3): one port, no features. What the guest writes to hvc0 (transmitq) goes to
 * out(); the receiveq's buffers are left alone: input goes to the UART only. */
struct virtio_console {
	struct virtio_mmio t;
	void (*out)(void *ctx, const uint8_t *buf, size_t len);
	void *out_ctx;
	uint8_t config[12];	/* cols, rows, max_nr_ports, emerg_wr */
};
void virtio_console_init(struct virtio_console *c, const struct guest_ram *ram,
			 void (*irq)(void *), void *irq_ctx,
			 void (*out)(void *, const uint8_t *, size_t), void *out_ctx);

/* Entropy source (5.4): each buffer is filled from getrandom(). */
struct virtio_rng {
	struct virtio_mmio t;
};
void virtio_rng_init(struct virtio_rng *r, const struct guest_ram *ram, void (*irq)(void *),
		     void *irq_ctx);

#endif
