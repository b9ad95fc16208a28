// SPDX-License-Identifier: GPL-2.0
/* hcvm-run's 16550A: what Linux's 8250 driver probes and relies on. */
#include <string.h>
#include "kselftest_harness.h"
#include "serial.h"

static char out[64];
static int nout, irq, irq_changes;

static void tx(void *ctx, uint8_t b) { out[nout++] = b; }
static void set_irq(void *ctx, int level) { irq = level; irq_changes++; }

static uint8_t rd(struct serial *s, int reg)
{
	uint8_t v;

	serial_io(s, SERIAL_COM1 + reg, &v, 1, 0);
	return v;
}

static void wr(struct serial *s, int reg, uint8_t v)
{
	serial_io(s, SERIAL_COM1 + reg, &v, 1, 1);
}

TEST(probe)
{
	struct serial s;

	serial_init(&s, tx, set_irq, NULL);
	wr(&s, 7, 0xa5);
	ASSERT_EQ(0xa5, rd(&s, 7));			/* scratch */
	wr(&s, 1, 0);
	ASSERT_EQ(0, rd(&s, 1) & 0x0f);
	wr(&s, 1, 0xff);
	ASSERT_EQ(0x0f, rd(&s, 1));			/* only 4 IER bits */
	wr(&s, 1, 0);
	wr(&s, 2, 0x01);				/* FIFO on: IIR says 16550A */
	ASSERT_EQ(0xc1, rd(&s, 2));
	wr(&s, 4, 0x10 | 0x0a);				/* loopback, RTS, OUT2 */
	ASSERT_EQ(0x90, rd(&s, 6) & 0xf0);
	wr(&s, 4, 0);
	ASSERT_EQ(0xb0, rd(&s, 6));
	ASSERT_EQ(0x60, rd(&s, 5));			/* THR empty, idle */
	ASSERT_EQ(0, irq);				/* IER 0: nothing may interrupt */
}

TEST(divisor_latch)
{
	struct serial s;

	serial_init(&s, tx, set_irq, NULL);
	wr(&s, 3, 0x83);
	wr(&s, 0, 0x01);
	wr(&s, 1, 0x00);
	ASSERT_EQ(0x01, rd(&s, 0));
	wr(&s, 3, 0x03);
	ASSERT_EQ(0, rd(&s, 1));			/* IER untouched by DLM */
	ASSERT_EQ(0x03, rd(&s, 3));
}

TEST(transmit_and_thre)
{
	struct serial s;

	nout = 0;
	serial_init(&s, tx, set_irq, NULL);
	wr(&s, 0, 'h');
	wr(&s, 0, 'i');
	ASSERT_EQ(2, nout);
	ASSERT_EQ(0, memcmp(out, "hi", 2));
	ASSERT_EQ(0, irq);				/* THRI not enabled */
	wr(&s, 1, 0x02);				/* enabling THRI while empty raises it */
	ASSERT_EQ(1, irq);
	ASSERT_EQ(0x02, rd(&s, 2) & 0x0f);
	ASSERT_EQ(0, irq);				/* reading IIR acknowledged it */
	ASSERT_EQ(0x01, rd(&s, 2) & 0x0f);
	wr(&s, 1, 0);
	wr(&s, 1, 0x02);				/* and again (Linux's THRE test) */
	ASSERT_EQ(0x02, rd(&s, 2) & 0x0f);
	wr(&s, 0, 'x');
	ASSERT_EQ(1, irq);
}

TEST(receive)
{
	uint8_t in[20] = "0123456789abcdefghi";
	struct serial s;

	serial_init(&s, tx, set_irq, NULL);
	ASSERT_EQ((size_t)SERIAL_FIFO, serial_receive(&s, in, sizeof(in)));	/* FIFO full */
	ASSERT_EQ(0, irq);
	ASSERT_EQ(0x61, rd(&s, 5));			/* data ready */
	wr(&s, 1, 0x01);
	ASSERT_EQ(1, irq);
	ASSERT_EQ(0x04, rd(&s, 2) & 0x0f);
	for (int i = 0; i < SERIAL_FIFO; i++)
		ASSERT_EQ(in[i], rd(&s, 0));
	ASSERT_EQ(0, irq);
	ASSERT_EQ(0x60, rd(&s, 5));
	ASSERT_EQ(1U, serial_receive(&s, in, 1));
	ASSERT_EQ(1, irq);
	wr(&s, 2, 0x03);				/* clear RX FIFO */
	ASSERT_EQ(0, irq);
	wr(&s, 4, 0x10);				/* loopback: THR comes back in RBR */
	wr(&s, 0, 'L');
	ASSERT_EQ('L', rd(&s, 0));
}

TEST_HARNESS_MAIN
