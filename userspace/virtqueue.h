/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: the device side of a virtio 1.x split virtqueue (descriptor table, available and
 * used rings) in guest RAM. Everything the guest wrote is distrusted: ring addresses, indices,
 * descriptor addresses and lengths, chain links and indirect tables are checked against guest
 * RAM and the queue size; a breach makes vq_pop fail, and the transport then stops the device
 * (DEVICE_NEEDS_RESET). Only the host pointers ram_ptr() vouched for are ever dereferenced.
 * x86 hosts only: guest and host are both little-endian, as virtio 1.x is.
 */
#ifndef HCVM_RUN_VIRTQUEUE_H
#define HCVM_RUN_VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "ram.h"

#define VQ_MAX_SIZE	256	/* every queue's QueueNumMax */
#define VQ_MAX_SEGS	256	/* descriptors in one chain, indirect ones included */

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT	1

struct virtqueue {
	/* What the driver wrote through the transport's queue registers. */
	uint32_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int ready;
	/* Set by vq_enable. */
	int indirect;			/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	const struct guest_ram *ram;
	uint8_t *desc, *avail, *used;	/* host views of the three areas */
	uint16_t last_avail;		/* next available entry to take */
	uint16_t used_idx;		/* next used entry to fill */
};

/* One buffer: host pointers to its pieces, device-readable ones first. */
struct vq_seg {
	uint8_t *p;
	uint32_t len;
};

struct vq_chain {
	uint16_t head;			/* what goes back in the used ring */
	unsigned int nr, nr_rd;		/* seg[0, nr_rd) readable, seg[nr_rd, nr) writable */
	uint64_t rd_len, wr_len;	/* bytes in each part, each at most UINT32_MAX */
	struct vq_seg seg[VQ_MAX_SEGS];
};

/* Check the driver's size and ring addresses and start from index 0; -1 if they are bad. */
int vq_enable(struct virtqueue *vq, const struct guest_ram *ram, int indirect);
/* Back to the state after device reset: not ready, nothing configured. */
void vq_reset(struct virtqueue *vq);
/* Take the next available chain: 1 if one is in *c, 0 if none, -1 if the driver broke it. */
int vq_pop(struct virtqueue *vq, struct vq_chain *c);
/* Whether buffers are still waiting (the ring's index is ahead of us). */
int vq_has_avail(const struct virtqueue *vq);
/* Return a chain to the driver, with the number of bytes written into it. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t written);
/* After pushing: does the driver want an interrupt (it did not set NO_INTERRUPT)? */
int vq_wants_interrupt(const struct virtqueue *vq);

/* Run fn over the host pieces of bytes [off, off + len) of the chain's readable (writable = 0)
 * or writable part, clipped to that part; stop at and return the first nonzero fn result. */
typedef int (*vq_fn)(void *ctx, uint8_t *p, size_t n);
int vq_for_each(const struct vq_chain *c, int writable, uint64_t off, uint64_t len,
		vq_fn fn, void *ctx);
/* Copy out of the readable part / into the writable part; bytes copied. */
size_t vq_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len);
size_t vq_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len);

#endif
