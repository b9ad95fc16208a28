// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: virtio block device (virtio 1.x, 5.2) backed by a file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "util.h"
#include "virtio_devices.h"

#define SECTOR		512
#define SEG_MAX		128	/* data pieces per request: header and status fit besides */

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

struct req_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

struct io {
	int fd;
	uint64_t pos;
};

static int do_pread(void *ctx, uint8_t *p, size_t n)
{
	struct io *io = ctx;

	while (n) {
		ssize_t r = pread(io->fd, p, n, io->pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (!r) {		/* the file shrank under us: the rest reads as zeros */
			memset(p, 0, n);
			r = n;
		}
		p += r;
		n -= r;
		io->pos += r;
	}
	return 0;
}

static int do_pwrite(void *ctx, uint8_t *p, size_t n)
{
	struct io *io = ctx;

	while (n) {
		ssize_t r = pwrite(io->fd, p, n, io->pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
		io->pos += r;
	}
	return 0;
}

/* [sector, sector + len) whole sectors within the disk? */
static int in_range(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	return !(len % SECTOR) && sector <= b->sectors && len / SECTOR <= b->sectors - sector;
}

/* A request (5.2.6): header (readable), data, status byte (the last writable byte). Any
 * framing across descriptors is allowed, so the parts are found by offset, not by piece. */
static int blk_request(struct virtio_mmio *t, const struct vq_chain *c, uint32_t *written)
{
	struct virtio_blk *b = t->dev;
	struct req_hdr h;
	uint64_t in_len, out_len;
	struct io io;
	uint8_t status = S_OK;

	if (c->rd_len < sizeof(h) || c->wr_len < 1)
		return -1;		/* no header or nowhere to put the status */
	vq_read(c, 0, &h, sizeof(h));
	in_len = c->wr_len - 1;		/* room for data to the guest */
	out_len = c->rd_len - sizeof(h);	/* data from the guest */
	io = (struct io){ b->fd, h.sector * SECTOR };
	*written = 1;
	switch (h.type) {
	case T_IN:
		if (!in_range(b, h.sector, in_len) || vq_for_each(c, 1, 0, in_len, do_pread, &io))
			status = S_IOERR;
		else
			*written += in_len;
		break;
	case T_OUT:
		if (!in_range(b, h.sector, out_len) ||
		    vq_for_each(c, 0, sizeof(h), out_len, do_pwrite, &io))
			status = S_IOERR;
		break;
	case T_FLUSH:
		if (fdatasync(b->fd))
			status = S_IOERR;
		break;
	case T_GET_ID:
		/* 20 bytes, NUL-padded; a shorter buffer gets a prefix. */
		*written += vq_write(c, 0, b->id, in_len < sizeof(b->id) ? in_len : sizeof(b->id));
		break;
	default:
		status = S_UNSUPP;
		break;
	}
	vq_write(c, c->wr_len - 1, &status, 1);
	return 0;
}

static const struct virtio_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_FLUSH,
	.nr_queues = 1,
	.handle = { blk_request },
};

int virtio_blk_init(struct virtio_blk *b, const char *path, const struct guest_ram *ram,
		    void (*irq)(void *), void *irq_ctx, char *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint32_t seg_max = SEG_MAX;
	off_t size;

	memset(b, 0, sizeof(*b));
	b->fd = open(path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return errorf(err, "--disk %s: %s", path, strerror(errno));
	/* A kernel without file locking (ENOSYS) cannot guard the disk: go on unguarded. */
	if (flock(b->fd, LOCK_EX | LOCK_NB) && errno != ENOSYS) {
		errorf(err, "--disk %s: %s", path, errno == EWOULDBLOCK ?
		       "in use (locked by another VM or program)" : strerror(errno));
		goto fail;
	}
	size = lseek(b->fd, 0, SEEK_END);	/* files and block devices alike */
	if (size < 0) {
		errorf(err, "--disk %s: %s", path, strerror(errno));
		goto fail;
	}
	b->sectors = size / SECTOR;
	memcpy(b->id, base, strnlen(base, sizeof(b->id)));	/* NUL-padded; 20 need no NUL */
	memcpy(b->config, &b->sectors, 8);	/* capacity */
	memcpy(b->config + 12, &seg_max, 4);	/* seg_max; size_max (8), geometry (16): 0 */
	virtio_mmio_init(&b->t, &blk_ops, b, ram, irq, irq_ctx);
	b->t.config = b->config;
	b->t.config_len = sizeof(b->config);
	return 0;
fail:
	close(b->fd);
	b->fd = -1;
	return -1;
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
