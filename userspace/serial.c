// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "serial.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI		0x01	/* received data */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* line status */
#define IER_MSI		0x08	/* modem status */
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0	/* FIFOs enabled: a 16550A, not the 16550 with broken FIFOs */
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

void serial_init(struct serial *s, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		 void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->tx = tx;
	s->set_irq = set_irq;
	s->ctx = ctx;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. No line errors ever happen. */
static uint8_t pending(const struct serial *s)
{
	if ((s->ier & IER_RDI) && s->rx_count)
		return IIR_RDI;
	if ((s->ier & IER_THRI) && s->thre_pending)
		return IIR_THRI;
	return IIR_NONE;
}

/* The IRQ line follows "an interrupt is pending" (an ISA edge when it rises). */
static void update_irq(struct serial *s)
{
	int level = pending(s) != IIR_NONE;

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->set_irq)
			s->set_irq(s->ctx, level);
	}
}

static void push_rx(struct serial *s, uint8_t byte)
{
	if (s->rx_count == SERIAL_FIFO)
		return;		/* overrun: the byte is lost, as on hardware */
	s->rx[(s->rx_head + s->rx_count++) % SERIAL_FIFO] = byte;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && s->rx_count < SERIAL_FIFO)
		push_rx(s, buf[n++]);
	update_irq(s);
	return n;
}

static uint8_t msr(const struct serial *s)
{
	if (!(s->mcr & MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a terminal is always there */
	/* Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	return (s->mcr & 0x02) << 3 | (s->mcr & 0x01) << 5 | (s->mcr & 0x04) << 4 |
	       (s->mcr & 0x08) << 4;
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	uint8_t v = 0;

	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_FIFO;
			s->rx_count--;
		}
		break;
	case IER:
		return s->lcr & LCR_DLAB ? s->dlm : s->ier;
	case IIR_FCR:
		v = pending(s);
		if (v == IIR_THRI)
			s->thre_pending = 0;	/* reading IIR acknowledges THRE */
		if (s->fcr & FCR_ENABLE)
			v |= IIR_FIFO;
		break;
	case LCR:
		return s->lcr;
	case MCR:
		return s->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case MSR:
		return msr(s);
	case SCR:
		return s->scr;
	}
	update_irq(s);
	return v;
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			return;
		}
		if (s->mcr & MCR_LOOP)
			push_rx(s, v);
		else if (s->tx)
			s->tx(s->ctx, v);
		s->thre_pending = 1;	/* sent at once: THR is empty again */
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			return;
		}
		/* Enabling THRE while THR is empty raises it (Linux's startup tests for this). */
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thre_pending = 1;
		s->ier = v & (IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
		break;
	case IIR_FCR:
		if (v & FCR_CLEAR_RX)
			s->rx_count = 0;
		s->fcr = v & 0xc9;	/* clear bits self-clear */
		break;
	case LCR:
		s->lcr = v;
		return;
	case MCR:
		s->mcr = v & 0x1f;
		return;
	case SCR:
		s->scr = v;
		return;
	default:		/* LSR, MSR: read-only */
		return;
	}
	update_irq(s);
}

void serial_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write)
{
	struct serial *s = dev;
	unsigned int reg = port & 7;

	/* The registers are bytes: a wider access touches the first one. */
	if (is_write) {
		serial_write(s, reg, data[0]);
	} else {
		memset(data, 0, len);
		data[0] = serial_read(s, reg);
	}
}
