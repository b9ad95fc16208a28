// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: split virtqueues (virtio 1.x, 2.6), device side. */
#include <string.h>
#include "virtqueue.h"

/* Layout in guest RAM (2.6): desc[num] of 16 bytes; avail: flags, idx, ring[num], used_event;
 * used: flags, idx, ring[num] of {id, len}, avail_event. All little-endian. */
#define DESC_SIZE	16
#define AVAIL_SIZE(n)	(6 + 2 * (uint64_t)(n))
#define USED_SIZE(n)	(6 + 8 * (uint64_t)(n))

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* The guest changes its rings under us at any time: each field is read exactly once, into a
 * local, so what was checked is what gets used. The compiler barrier keeps it from re-reading. */
static void read_desc(const uint8_t *table, uint32_t i, struct desc *d)
{
	memcpy(d, table + (uint64_t)i * DESC_SIZE, sizeof(*d));
	__asm__ volatile("" ::: "memory");
}

/* Ring indices are written by the other side on another CPU: atomic loads and stores, with
 * acquire/release ordering against the ring entries they publish. */
static uint16_t load16(const uint8_t *p, int order)
{
	return __atomic_load_n((const uint16_t *)p, order);
}

void vq_reset(struct virtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
}

int vq_enable(struct virtqueue *vq, const struct guest_ram *ram, int indirect)
{
	uint32_t n = vq->num;

	/* Split rings have a power-of-two size, which keeps idx % num right across the 16-bit
	 * wraparound of the indices. */
	if (!n || n > VQ_MAX_SIZE || (n & (n - 1)))
		return -1;
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return -1;
	vq->desc = ram_ptr(ram, vq->desc_gpa, n * DESC_SIZE);
	vq->avail = ram_ptr(ram, vq->avail_gpa, AVAIL_SIZE(n));
	vq->used = ram_ptr(ram, vq->used_gpa, USED_SIZE(n));
	if (!vq->desc || !vq->avail || !vq->used)
		return -1;
	vq->ram = ram;
	vq->indirect = indirect;
	vq->last_avail = vq->used_idx = 0;
	vq->ready = 1;
	return 0;
}

/* Record one direct descriptor's buffer; -1 if it is not all in RAM or breaks the rules. */
static int add_seg(struct virtqueue *vq, struct vq_chain *c, const struct desc *d)
{
	uint8_t *p = ram_ptr(vq->ram, d->addr, d->len);

	if (!p || c->nr == VQ_MAX_SEGS)
		return -1;
	if (d->flags & VRING_DESC_F_WRITE) {
		c->wr_len += d->len;
	} else {
		if (c->nr > c->nr_rd)
			return -1;	/* readable after writable: 2.6.4.2 forbids it */
		c->nr_rd++;
		c->rd_len += d->len;
	}
	/* used.len is 32 bits: a chain holding more could not be accounted for. */
	if (c->rd_len > UINT32_MAX || c->wr_len > UINT32_MAX)
		return -1;
	c->seg[c->nr++] = (struct vq_seg){ p, d->len };
	return 0;
}

int vq_has_avail(const struct virtqueue *vq)
{
	return vq->ready && load16(vq->avail + 2, __ATOMIC_ACQUIRE) != vq->last_avail;
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	const uint8_t *table = vq->desc;
	uint32_t size = vq->num, steps = 0;
	uint16_t idx, i;
	int in_indirect = 0;

	if (!vq->ready)
		return 0;
	idx = load16(vq->avail + 2, __ATOMIC_ACQUIRE);
	if (idx == vq->last_avail)
		return 0;
	/* More new entries than the ring holds: the index is garbage. */
	if ((uint16_t)(idx - vq->last_avail) > vq->num)
		return -1;
	i = load16(vq->avail + 4 + 2 * (vq->last_avail % vq->num), __ATOMIC_RELAXED);
	vq->last_avail++;
	c->head = i;
	c->nr = c->nr_rd = 0;
	c->rd_len = c->wr_len = 0;

	for (;;) {
		struct desc d;

		/* A chain visits each entry of its table at most once: more steps is a loop. */
		if (i >= size || ++steps > size)
			return -1;
		read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* One indirect table, last in the chain, not nested (2.6.5.3.1). */
			if (!vq->indirect || in_indirect || (d.flags & VRING_DESC_F_NEXT) ||
			    !d.len || d.len % DESC_SIZE || d.len / DESC_SIZE > VQ_MAX_SEGS)
				return -1;
			table = ram_ptr(vq->ram, d.addr, d.len);
			if (!table)
				return -1;
			size = d.len / DESC_SIZE;
			steps = 0;
			i = 0;
			in_indirect = 1;
			continue;
		}
		if (add_seg(vq, c, &d))
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 1;
		i = d.next;
	}
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t written)
{
	uint8_t *e = vq->used + 4 + 8 * (vq->used_idx % vq->num);

	__atomic_store_n((uint32_t *)e, (uint32_t)head, __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(e + 4), written, __ATOMIC_RELAXED);
	/* Release: the driver that sees the new index sees the entry and the data before it. */
	vq->used_idx++;
	__atomic_store_n((uint16_t *)(vq->used + 2), vq->used_idx, __ATOMIC_RELEASE);
}

int vq_wants_interrupt(const struct virtqueue *vq)
{
	/* Full barrier: our used index store must be visible before we read the driver's flag,
	 * or we could miss the driver re-enabling interrupts after its last look (2.6.7). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(load16(vq->avail, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}

int vq_for_each(const struct vq_chain *c, int writable, uint64_t off, uint64_t len,
		vq_fn fn, void *ctx)
{
	unsigned int i = writable ? c->nr_rd : 0, end = writable ? c->nr : c->nr_rd;

	for (; i < end && len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t n;
		int r;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off < len ? s->len - off : len;
		r = fn(ctx, s->p + off, n);
		if (r)
			return r;
		len -= n;
		off = 0;
	}
	return 0;
}

struct copy {
	uint8_t *buf;
	int to_guest;
};

static int copy_piece(void *ctx, uint8_t *p, size_t n)
{
	struct copy *cp = ctx;

	if (cp->to_guest)
		memcpy(p, cp->buf, n);
	else
		memcpy(cp->buf, p, n);
	cp->buf += n;
	return 0;
}

size_t vq_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len)
{
	struct copy cp = { buf, 0 };

	vq_for_each(c, 0, off, len, copy_piece, &cp);
	__asm__ volatile("" ::: "memory");	/* one copy, then only the copy is used */
	return cp.buf - (uint8_t *)buf;
}

size_t vq_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len)
{
	struct copy cp = { (uint8_t *)buf, 1 };

	vq_for_each(c, 1, off, len, copy_piece, &cp);
	return cp.buf - (const uint8_t *)buf;
}
