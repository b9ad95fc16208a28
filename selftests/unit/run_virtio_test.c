// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-run's virtio-mmio transport, split virtqueues and the block, console and entropy
 * devices, driven as a guest driver would: through the registers, with rings and buffers in
 * a fake guest RAM (a heap buffer of exactly RAM_SIZE: ASan catches any access past it).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "util.h"
#include "virtio_devices.h"

#define BASE		0xd0000000ULL
#define RAM_SIZE	(1 << 20)
#define QSZ		8U
#define DESC(q)		(0x1000 + (q) * 0x4000)		/* queue q's rings */
#define AVAIL(q)	(DESC(q) + 0x1000)
#define USED(q)		(DESC(q) + 0x2000)
#define BUF		0x40000				/* request buffers */
#define IND		0x80000				/* indirect tables */

/* Unsigned, as the registers are: the harness compares like with like. */
#define S_ACK		(uint32_t)VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRV		(uint32_t)VIRTIO_STATUS_DRIVER
#define S_FOK		(uint32_t)VIRTIO_STATUS_FEATURES_OK
#define S_DOK		(uint32_t)VIRTIO_STATUS_DRIVER_OK
#define S_RESET		(uint32_t)VIRTIO_STATUS_NEEDS_RESET
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_IND		(1ULL << VIRTIO_RING_F_INDIRECT_DESC)

static uint8_t *ram;
static struct guest_ram gram;
static int irqs;
static uint16_t avail_idx[VIRTIO_MAX_QUEUES];
static uint32_t qnum[VIRTIO_MAX_QUEUES];

static void irq(void *ctx) { irqs++; }

static void ram_new(void)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	gram = (struct guest_ram){ ram, RAM_SIZE, RAM_SIZE };
	irqs = 0;
}

static uint32_t rd(struct virtio_mmio *t, uint32_t off)
{
	uint32_t v;

	virtio_mmio_io(t, BASE + off, (uint8_t *)&v, 4, 0);
	return v;
}

static void wr(struct virtio_mmio *t, uint32_t off, uint32_t v)
{
	virtio_mmio_io(t, BASE + off, (uint8_t *)&v, 4, 1);
}

static void set_queue(struct virtio_mmio *t, unsigned int q, uint32_t num, uint64_t desc,
		      uint64_t avail, uint64_t used)
{
	wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
	wr(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail);
	wr(t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, avail >> 32);
	wr(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, used);
	wr(t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, used >> 32);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* The driver's side of device initialisation (3.1.1); the status it ends with. */
static uint32_t bring_up(struct virtio_mmio *t, uint64_t features, uint32_t num)
{
	wr(t, VIRTIO_MMIO_STATUS, 0);
	wr(t, VIRTIO_MMIO_STATUS, S_ACK);
	wr(t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	wr(t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	if (!(rd(t, VIRTIO_MMIO_STATUS) & S_FOK))
		return rd(t, VIRTIO_MMIO_STATUS);
	for (unsigned int q = 0; q < t->ops->nr_queues; q++) {
		memset(ram + DESC(q), 0, 0x3000);
		avail_idx[q] = 0;
		qnum[q] = num;
		wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
		if (rd(t, VIRTIO_MMIO_QUEUE_READY) || rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX) < num)
			return 0;
		set_queue(t, q, num, DESC(q), AVAIL(q), USED(q));
	}
	wr(t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	return rd(t, VIRTIO_MMIO_STATUS);
}

static void desc_at(uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	uint8_t *d = ram + table + i * 16;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(unsigned int q, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(DESC(q), i, addr, len, flags, next);
}

static void set_avail_idx(unsigned int q, uint16_t idx)
{
	memcpy(ram + AVAIL(q) + 2, &idx, 2);
}

/* Make chain `head` available (no notification yet). */
static void post(unsigned int q, uint16_t head)
{
	memcpy(ram + AVAIL(q) + 4 + 2 * (avail_idx[q] % qnum[q]), &head, 2);
	set_avail_idx(q, ++avail_idx[q]);
}

static void kick(struct virtio_mmio *t, unsigned int q)
{
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static uint16_t used_idx(unsigned int q)
{
	uint16_t v;

	memcpy(&v, ram + USED(q) + 2, 2);
	return v;
}

/* Used ring entry n: the head it returns, and the length written. */
static uint32_t used_len(unsigned int q, uint16_t n, uint32_t *id)
{
	uint32_t e[2];

	memcpy(e, ram + USED(q) + 4 + 8 * (n % qnum[q]), 8);
	if (id)
		*id = e[0];
	return e[1];
}

/* --- transport -------------------------------------------------------------------- */

TEST(registers_and_features)
{
	struct virtio_rng r;
	uint8_t b = 0xaa;
	uint64_t d = ~0ULL;

	ram_new();
	virtio_rng_init(&r, &gram, irq, NULL);
	ASSERT_EQ(0x74726976U, rd(&r.t, VIRTIO_MMIO_MAGIC));
	ASSERT_EQ(2U, rd(&r.t, VIRTIO_MMIO_VERSION));
	ASSERT_EQ(4U, rd(&r.t, VIRTIO_MMIO_DEVICE_ID));
	ASSERT_EQ((uint32_t)VIRTIO_MMIO_VENDOR, rd(&r.t, VIRTIO_MMIO_VENDOR_ID));
	wr(&r.t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ASSERT_EQ(1U << VIRTIO_RING_F_INDIRECT_DESC, rd(&r.t, VIRTIO_MMIO_DEVICE_FEATURES));
	wr(&r.t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ASSERT_EQ(1U, rd(&r.t, VIRTIO_MMIO_DEVICE_FEATURES));		/* VERSION_1 */
	wr(&r.t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_DEVICE_FEATURES));
	wr(&r.t, VIRTIO_MMIO_QUEUE_SEL, 0);
	ASSERT_EQ((uint32_t)VQ_MAX_SIZE, rd(&r.t, VIRTIO_MMIO_QUEUE_NUM_MAX));
	wr(&r.t, VIRTIO_MMIO_QUEUE_SEL, 1);
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_QUEUE_NUM_MAX));		/* no such queue */
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_CONFIG_GENERATION));
	/* Narrow or misaligned control register accesses do nothing. */
	virtio_mmio_io(&r.t, BASE + VIRTIO_MMIO_MAGIC, &b, 1, 0);
	ASSERT_EQ(0, b);
	virtio_mmio_io(&r.t, BASE + VIRTIO_MMIO_MAGIC + 2, (uint8_t *)&d, 4, 0);
	ASSERT_EQ(0xffffffff00000000ULL, d);

	/* Refused: a feature not offered, or no VERSION_1 (legacy drivers). */
	ASSERT_EQ(0U, bring_up(&r.t, F_V1 | 1ULL << 5, QSZ) & S_FOK);
	ASSERT_EQ(0U, bring_up(&r.t, F_IND, QSZ) & S_FOK);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&r.t, F_V1 | F_IND, QSZ));
	ASSERT_EQ(F_V1 | F_IND, r.t.driver_features);
	wr(&r.t, VIRTIO_MMIO_QUEUE_SEL, 0);
	ASSERT_EQ(1U, rd(&r.t, VIRTIO_MMIO_QUEUE_READY));
	/* Queue registers are frozen while the queue is live. */
	wr(&r.t, VIRTIO_MMIO_QUEUE_NUM, 3);
	wr(&r.t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x123);
	ASSERT_EQ(QSZ, r.t.vq[0].num);
	ASSERT_EQ((uint64_t)DESC(0), r.t.vq[0].desc_gpa);
	/* Features are fixed after FEATURES_OK. */
	wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ASSERT_EQ(F_V1 | F_IND, r.t.driver_features);
	/* Reset: everything back to zero. */
	wr(&r.t, VIRTIO_MMIO_STATUS, 0);
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_STATUS));
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_QUEUE_READY));
	ASSERT_EQ(0U, r.t.vq[0].num);
	ASSERT_EQ(0ULL, r.t.driver_features);
	free(ram);
}

TEST(queue_setup_is_checked)
{
	static const struct { uint32_t num; uint64_t desc, avail, used; } bad[] = {
		{ 0, DESC(0), AVAIL(0), USED(0) },		/* no size */
		{ 6, DESC(0), AVAIL(0), USED(0) },		/* not a power of two */
		{ 512, DESC(0), AVAIL(0), USED(0) },		/* above QueueNumMax */
		{ QSZ, DESC(0) + 8, AVAIL(0), USED(0) },	/* misaligned table */
		{ QSZ, DESC(0), AVAIL(0) + 1, USED(0) },
		{ QSZ, DESC(0), AVAIL(0), USED(0) + 2 },
		{ QSZ, RAM_SIZE, AVAIL(0), USED(0) },		/* outside RAM */
		{ QSZ, DESC(0), RAM_SIZE - 8, USED(0) },	/* runs past the end */
		{ QSZ, DESC(0), AVAIL(0), 0xfffffffffffffff0ULL },
	};
	struct virtio_rng r;

	ram_new();
	virtio_rng_init(&r, &gram, irq, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wr(&r.t, VIRTIO_MMIO_STATUS, 0);
		wr(&r.t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
		wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
		wr(&r.t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
		set_queue(&r.t, 0, bad[i].num, bad[i].desc, bad[i].avail, bad[i].used);
		ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_QUEUE_READY));
		ASSERT_TRUE(!!(rd(&r.t, VIRTIO_MMIO_STATUS) & S_RESET)) TH_LOG("case %zu", i);
	}
	/* A reset clears NEEDS_RESET; good values work. */
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&r.t, F_V1, QSZ));
	free(ram);
}

/* --- block -------------------------------------------------------------------------- */

#define HDR	BUF
#define DATA	(BUF + 0x1000)
#define STAT	(BUF + 0x3000)

static char disk_path[64];

static int make_disk(size_t size)
{
	int fd;

	strcpy(disk_path, "/tmp/hcvm-virtio-XXXXXX");
	fd = mkstemp(disk_path);
	if (fd < 0 || ftruncate(fd, size))
		return -1;
	close(fd);
	return 0;
}

/* A request in three pieces (header, data, status) in descriptors 0-2, or through an
 * indirect table; the status byte the device wrote, or -1 if none came back. */
static int blk_req(struct virtio_mmio *t, uint32_t type, uint64_t sector, uint32_t len,
		   int indirect, uint32_t *written)
{
	uint32_t h[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint16_t dflag = type == 0 || type == 8 ? VRING_DESC_F_WRITE : 0;
	uint64_t table = indirect ? IND : DESC(0);
	uint16_t before = used_idx(0);

	memcpy(ram + HDR, h, sizeof(h));
	ram[STAT] = 0xee;
	desc_at(table, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	desc_at(table, 1, DATA, len, dflag | VRING_DESC_F_NEXT, 2);
	desc_at(table, 2, STAT, 1, VRING_DESC_F_WRITE, 0);
	if (indirect)
		desc(0, 0, IND, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	post(0, 0);
	kick(t, 0);
	if (used_idx(0) != (uint16_t)(before + 1))
		return -1;
	*written = used_len(0, before, NULL);
	return ram[STAT];
}

TEST(blk_round_trip)
{
	struct virtio_blk b;
	char err[ERR_LEN];
	uint64_t cap = 0;
	uint32_t lo, hi, w, seg_max;
	uint8_t file[4096];
	FILE *f;

	ram_new();
	ASSERT_EQ(0, make_disk(64 * 1024 + 100));	/* a partial last sector is unreachable */
	ASSERT_EQ(0, virtio_blk_init(&b, disk_path, &gram, irq, NULL, err)) TH_LOG("%s", err);
	ASSERT_EQ(2U, rd(&b.t, VIRTIO_MMIO_DEVICE_ID));
	wr(&b.t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ASSERT_EQ(1U << 9 | 1U << 2 | 1U << 28, rd(&b.t, VIRTIO_MMIO_DEVICE_FEATURES));
	/* Capacity as Linux reads it (two 32-bit halves) and as one 64-bit read. */
	lo = rd(&b.t, VIRTIO_MMIO_CONFIG);
	hi = rd(&b.t, VIRTIO_MMIO_CONFIG + 4);
	ASSERT_EQ(128ULL, (uint64_t)hi << 32 | lo);
	virtio_mmio_io(&b.t, BASE + VIRTIO_MMIO_CONFIG, (uint8_t *)&cap, 8, 0);
	ASSERT_EQ(128ULL, cap);
	seg_max = rd(&b.t, VIRTIO_MMIO_CONFIG + 12);
	ASSERT_EQ(128U, seg_max);
	ASSERT_EQ(0U, rd(&b.t, VIRTIO_MMIO_CONFIG + 0xfc));		/* past the config */
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK,
		  bring_up(&b.t, F_V1 | F_IND | 1ULL << 9 | 1ULL << 2, QSZ));

	/* Write two sectors at sector 3, read them back elsewhere. */
	for (int i = 0; i < 1024; i++)
		ram[DATA + i] = i * 7 + 1;
	ASSERT_EQ(0, blk_req(&b.t, 1, 3, 1024, 0, &w));
	ASSERT_EQ(1U, w);
	ASSERT_EQ(1, irqs);
	ASSERT_EQ((uint32_t)VIRTIO_INT_USED, rd(&b.t, VIRTIO_MMIO_INTERRUPT_STATUS));
	wr(&b.t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	ASSERT_EQ(0U, rd(&b.t, VIRTIO_MMIO_INTERRUPT_STATUS));
	f = fopen(disk_path, "rb");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(sizeof(file), fread(file, 1, sizeof(file), f));
	fclose(f);
	ASSERT_EQ(0, memcmp(file + 3 * 512, ram + DATA, 1024));
	memset(ram + DATA, 0, 1024);
	ASSERT_EQ(0, blk_req(&b.t, 0, 3, 1024, 1, &w));		/* through an indirect table */
	ASSERT_EQ(1025U, w);
	ASSERT_EQ(0, memcmp(file + 3 * 512, ram + DATA, 1024));
	ASSERT_EQ(0, blk_req(&b.t, 4, 0, 0, 0, &w));			/* flush */
	ASSERT_EQ(0, blk_req(&b.t, 8, 0, 20, 0, &w));			/* get ID */
	ASSERT_EQ(21U, w);
	ASSERT_EQ(0, memcmp(ram + DATA, disk_path + 5, 17));		/* "hcvm-virtio-XXXXXX" */

	/* Errors are request statuses, not a broken device. */
	ASSERT_EQ(1, blk_req(&b.t, 0, 127, 1024, 0, &w));		/* past the end */
	ASSERT_EQ(1, blk_req(&b.t, 1, ~0ULL, 512, 0, &w));		/* sector overflow */
	ASSERT_EQ(1, blk_req(&b.t, 0, 0, 100, 0, &w));			/* not whole sectors */
	ASSERT_EQ(2, blk_req(&b.t, 99, 0, 512, 0, &w));			/* unknown type */
	ASSERT_EQ(0, blk_req(&b.t, 0, 127, 512, 0, &w));		/* the last sector */
	ASSERT_EQ(0U, rd(&b.t, VIRTIO_MMIO_STATUS) & S_RESET);

	/* Any framing: the header split over two descriptors, data and status in one. */
	memcpy(ram + HDR, (uint32_t[4]){ 0, 0, 3, 0 }, 16);
	desc(0, 4, HDR, 5, VRING_DESC_F_NEXT, 5);
	desc(0, 5, HDR + 5, 11, VRING_DESC_F_NEXT, 6);
	desc(0, 6, DATA, 513, VRING_DESC_F_WRITE, 0);
	post(0, 4);
	kick(&b.t, 0);
	ASSERT_EQ(513U, used_len(0, avail_idx[0] - 1, &w));
	ASSERT_EQ(4U, w);
	ASSERT_EQ(0, ram[DATA + 512]);
	ASSERT_EQ(0, memcmp(file + 3 * 512, ram + DATA, 512));

	virtio_blk_close(&b);
	unlink(disk_path);
	free(ram);
}

TEST(blk_open_errors)
{
	struct virtio_blk b, b2;
	char err[ERR_LEN];

	ram_new();
	ASSERT_EQ(-1, virtio_blk_init(&b, "/tmp/hcvm-virtio-none/x", &gram, irq, NULL, err));
	ASSERT_STREQ("--disk /tmp/hcvm-virtio-none/x: No such file or directory", err);
	ASSERT_EQ(0, make_disk(4096));
	ASSERT_EQ(0, virtio_blk_init(&b, disk_path, &gram, irq, NULL, err));
	ASSERT_EQ(-1, virtio_blk_init(&b2, disk_path, &gram, irq, NULL, err));	/* locked */
	ASSERT_TRUE(strstr(err, "in use") != NULL);
	virtio_blk_close(&b);
	unlink(disk_path);
	free(ram);
}

/* --- entropy, console --------------------------------------------------------------- */

TEST(rng_fill)
{
	struct virtio_rng r;
	uint8_t zero[200] = { 0 };
	uint32_t id;

	ram_new();
	virtio_rng_init(&r, &gram, irq, NULL);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&r.t, F_V1, QSZ));
	desc(0, 3, BUF, 100, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(0, 1, BUF + 100, 100, VRING_DESC_F_WRITE, 0);
	post(0, 3);
	kick(&r.t, 0);
	ASSERT_EQ(1, used_idx(0));
	ASSERT_EQ(200U, used_len(0, 0, &id));
	ASSERT_EQ(3U, id);
	ASSERT_NE(0, memcmp(ram + BUF, zero, 100));
	ASSERT_NE(0, memcmp(ram + BUF + 100, zero, 100));
	ASSERT_EQ(0, ram[BUF + 200]);				/* not a byte more */
	ASSERT_EQ(1, irqs);
	free(ram);
}

static char out[256];
static size_t nout;

static void con_out(void *ctx, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++, nout++)
		if (nout < sizeof(out))
			out[nout] = buf[i];
}

TEST(console_output)
{
	struct virtio_console c;

	ram_new();
	nout = 0;
	virtio_console_init(&c, &gram, irq, NULL, con_out, NULL);
	ASSERT_EQ(3U, rd(&c.t, VIRTIO_MMIO_DEVICE_ID));
	ASSERT_EQ(1U, rd(&c.t, VIRTIO_MMIO_CONFIG + 4));		/* max_nr_ports */
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&c.t, F_V1, QSZ));
	/* A receive buffer stays the driver's: there is no input. */
	desc(0, 0, BUF + 0x800, 64, VRING_DESC_F_WRITE, 0);
	post(0, 0);
	kick(&c.t, 0);
	memcpy(ram + BUF, "hello, hvc0\n", 12);
	desc(1, 0, BUF, 7, VRING_DESC_F_NEXT, 1);
	desc(1, 1, BUF + 7, 5, 0, 0);
	post(1, 0);
	kick(&c.t, 1);
	ASSERT_EQ(12U, nout);
	ASSERT_EQ(0, memcmp(out, "hello, hvc0\n", 12));
	ASSERT_EQ(0, used_idx(0));
	ASSERT_EQ(1, used_idx(1));
	ASSERT_EQ(0U, used_len(1, 0, NULL));
	free(ram);
}

/* The 16-bit ring indices wrap: well over 65536 chains, posted in batches of 1 to 4 (the
 * ring's size), every one served once and in order. */
TEST(index_wraparound)
{
	struct virtio_console c;
	uint32_t total = 0, id;

	ram_new();
	nout = 0;
	virtio_console_init(&c, &gram, irq, NULL, con_out, NULL);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&c.t, F_V1, 4));
	for (int i = 0; i < 4; i++) {
		ram[BUF + i] = 'a' + i;
		desc(1, i, BUF + i, 1, 0, 0);
	}
	while (total < 70000) {
		uint32_t batch = total % 4 + 1;
		uint16_t before = used_idx(1);

		for (uint32_t k = 0; k < batch; k++)
			post(1, (total + k) % 4);
		kick(&c.t, 1);
		ASSERT_EQ((uint16_t)(before + batch), used_idx(1));
		for (uint32_t k = 0; k < batch; k++) {
			used_len(1, before + k, &id);
			ASSERT_EQ((total + k) % 4, id);
		}
		total += batch;
	}
	ASSERT_EQ(total, nout);
	ASSERT_EQ(0U, rd(&c.t, VIRTIO_MMIO_STATUS) & S_RESET);
	free(ram);
}

TEST(no_interrupt_flag)
{
	struct virtio_rng r;
	uint16_t flags = VRING_AVAIL_F_NO_INTERRUPT;

	ram_new();
	virtio_rng_init(&r, &gram, irq, NULL);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(&r.t, F_V1, QSZ));
	memcpy(ram + AVAIL(0), &flags, 2);
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	post(0, 0);
	kick(&r.t, 0);
	ASSERT_EQ(1, used_idx(0));
	ASSERT_EQ(0, irqs);
	ASSERT_EQ(0U, rd(&r.t, VIRTIO_MMIO_INTERRUPT_STATUS));
	free(ram);
}

/* Nothing is served before DRIVER_OK; what was queued is served when it comes. */
TEST(served_from_driver_ok)
{
	struct virtio_rng r;

	ram_new();
	virtio_rng_init(&r, &gram, irq, NULL);
	wr(&r.t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(&r.t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(&r.t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	qnum[0] = QSZ;
	set_queue(&r.t, 0, QSZ, DESC(0), AVAIL(0), USED(0));
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	post(0, 0);
	kick(&r.t, 0);
	ASSERT_EQ(0, used_idx(0));
	wr(&r.t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	ASSERT_EQ(1, used_idx(0));
	free(ram);
}

/* --- a driver breaking the rules: NEEDS_RESET, never a crash or a stray access ------- */

FIXTURE(bad) {
	struct virtio_rng r;
	struct virtio_blk b;
	struct virtio_mmio *t;
};

FIXTURE_VARIANT(bad) {
	int blk;		/* on the block device (else the entropy device) */
	uint64_t features;
	void (*build)(void);	/* descriptors and avail ring of queue 0 */
};

FIXTURE_SETUP(bad)
{
	char err[ERR_LEN];

	ram_new();
	if (variant->blk) {
		ASSERT_EQ(0, make_disk(4096));
		ASSERT_EQ(0, virtio_blk_init(&self->b, disk_path, &gram, irq, NULL, err));
		self->t = &self->b.t;
	} else {
		virtio_rng_init(&self->r, &gram, irq, NULL);
		self->t = &self->r.t;
	}
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(self->t, variant->features, QSZ));
}

FIXTURE_TEARDOWN(bad)
{
	if (variant->blk) {
		virtio_blk_close(&self->b);
		unlink(disk_path);
	}
	free(ram);
}

static void one(uint64_t addr, uint32_t len)
{
	desc(0, 0, addr, len, VRING_DESC_F_WRITE, 0);
	post(0, 0);
}

static void outside_ram(void) { one(RAM_SIZE, 16); }
static void past_the_end(void) { one(RAM_SIZE - 8, 16); }
static void addr_wraps(void) { one(0xfffffffffffffff8ULL, 16); }
static void len_overflow(void) { one(BUF, 0xffffffff); }
static void next_out_of_table(void)
{
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, QSZ);
	post(0, 0);
}
static void loop_in_chain(void)
{
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(0, 1, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	post(0, 0);
}
static void self_loop(void)
{
	desc(0, 3, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	post(0, 3);
}
static void head_out_of_table(void)
{
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	post(0, QSZ + 1);
}
static void avail_idx_jump(void)
{
	one(BUF, 16);
	avail_idx[0] = QSZ + 1;		/* claims more new entries than the ring holds */
	set_avail_idx(0, avail_idx[0]);
}
static void read_after_write(void)
{
	desc(0, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(0, 1, BUF, 16, 0, 0);
	post(0, 0);
}
static void indirect(uint64_t addr, uint32_t len, uint16_t flags)
{
	desc(0, 0, addr, len, VRING_DESC_F_INDIRECT | flags, 1);
	desc(0, 1, BUF, 16, VRING_DESC_F_WRITE, 0);
	post(0, 0);
}
static void indirect_too_long(void)
{
	for (int i = 0; i <= VQ_MAX_SEGS; i++)
		desc_at(IND, i, BUF, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, i + 1);
	indirect(IND, (VQ_MAX_SEGS + 1) * 16, 0);
}
static void indirect_len_odd(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	indirect(IND, 24, 0);
}
static void indirect_empty(void) { indirect(IND, 0, 0); }
static void indirect_outside_ram(void) { indirect(RAM_SIZE - 32, 64, 0); }
static void indirect_loop(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc_at(IND, 1, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	indirect(IND, 32, 0);
}
static void indirect_next_out(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	indirect(IND, 32, 0);
}
static void indirect_nested(void)
{
	desc_at(IND, 0, IND + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	desc_at(IND + 0x100, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	indirect(IND, 16, 0);
}
static void indirect_and_next(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	indirect(IND, 16, VRING_DESC_F_NEXT);
}
static void indirect_bad_buffer(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc_at(IND, 1, RAM_SIZE - 4, 16, VRING_DESC_F_WRITE, 0);
	indirect(IND, 32, 0);
}
/* A direct descriptor, then a full indirect table: one segment over the limit. */
static void chain_too_many_segs(void)
{
	for (int i = 0; i < VQ_MAX_SEGS; i++)
		desc_at(IND, i, BUF, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, i + 1);
	desc_at(IND, VQ_MAX_SEGS - 1, BUF, 1, VRING_DESC_F_WRITE, 0);
	desc(0, 0, BUF, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(0, 1, IND, VQ_MAX_SEGS * 16, VRING_DESC_F_INDIRECT, 0);
	post(0, 0);
}
static void no_indirect_negotiated(void)
{
	desc_at(IND, 0, BUF, 16, VRING_DESC_F_WRITE, 0);
	indirect(IND, 16, 0);
}
static void blk_short_header(void)
{
	desc(0, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	desc(0, 1, BUF + 64, 1, VRING_DESC_F_WRITE, 0);
	post(0, 0);
}
static void blk_no_status(void)
{
	memset(ram + BUF, 0, 16);
	desc(0, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
	desc(0, 1, BUF + 64, 512, 0, 0);
	post(0, 0);
}

#define BAD(name, blk_, feat) \
	FIXTURE_VARIANT_ADD(bad, name) { .blk = blk_, .features = feat, .build = name }
BAD(outside_ram, 0, F_V1 | F_IND);
BAD(past_the_end, 0, F_V1 | F_IND);
BAD(addr_wraps, 0, F_V1 | F_IND);
BAD(len_overflow, 0, F_V1 | F_IND);
BAD(next_out_of_table, 0, F_V1 | F_IND);
BAD(loop_in_chain, 0, F_V1 | F_IND);
BAD(self_loop, 0, F_V1 | F_IND);
BAD(head_out_of_table, 0, F_V1 | F_IND);
BAD(avail_idx_jump, 0, F_V1 | F_IND);
BAD(read_after_write, 0, F_V1 | F_IND);
BAD(indirect_too_long, 0, F_V1 | F_IND);
BAD(indirect_len_odd, 0, F_V1 | F_IND);
BAD(indirect_empty, 0, F_V1 | F_IND);
BAD(indirect_outside_ram, 0, F_V1 | F_IND);
BAD(indirect_loop, 0, F_V1 | F_IND);
BAD(indirect_next_out, 0, F_V1 | F_IND);
BAD(indirect_nested, 0, F_V1 | F_IND);
BAD(indirect_and_next, 0, F_V1 | F_IND);
BAD(indirect_bad_buffer, 0, F_V1 | F_IND);
BAD(chain_too_many_segs, 0, F_V1 | F_IND);
BAD(no_indirect_negotiated, 0, F_V1);
BAD(blk_short_header, 1, F_V1 | F_IND);
BAD(blk_no_status, 1, F_V1 | F_IND);

TEST_F(bad, needs_reset)
{
	struct virtio_mmio *t = self->t;

	memset(ram + BUF, 0, 512);
	variant->build();
	kick(t, 0);
	ASSERT_EQ(S_RESET, rd(t, VIRTIO_MMIO_STATUS) & S_RESET);
	ASSERT_EQ(0, used_idx(0));
	ASSERT_EQ((uint32_t)VIRTIO_INT_CONFIG, rd(t, VIRTIO_MMIO_INTERRUPT_STATUS));
	ASSERT_EQ(1, irqs);
	for (int i = 0; i < 512; i++)
		ASSERT_EQ(0, ram[BUF + i]);		/* nothing was served */
	/* The driver cannot clear it by writing status; the queues stay untouched. */
	wr(t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	ASSERT_EQ(S_RESET, rd(t, VIRTIO_MMIO_STATUS) & S_RESET);
	one(BUF + 0x100, 16);
	kick(t, 0);
	ASSERT_EQ(0, used_idx(0));
	/* A reset brings the device back. */
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, bring_up(t, variant->features, QSZ));
	memset(ram + BUF, 0, 32);
	ram[BUF + 16] = 0xee;
	if (variant->blk) {
		desc(0, 0, BUF, 16, VRING_DESC_F_NEXT, 1);	/* read sector 0, no data */
		desc(0, 1, BUF + 16, 1, VRING_DESC_F_WRITE, 0);
		post(0, 0);
	} else {
		one(BUF, 16);
	}
	kick(t, 0);
	ASSERT_EQ(1, used_idx(0));
	ASSERT_EQ(0U, rd(t, VIRTIO_MMIO_STATUS) & S_RESET);
	if (variant->blk)
		ASSERT_EQ(0, ram[BUF + 16]);
}

TEST_HARNESS_MAIN
