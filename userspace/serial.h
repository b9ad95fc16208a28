/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: a 16550A UART (COM1: ports 0x3f8-0x3ff, ISA IRQ 4). Transmission is instant:
 * THR is always empty again by the time the guest looks. Received bytes queue in a 16-byte
 * FIFO like the real one; the input thread waits for room. No modem lines but loopback mode,
 * which Linux's probe uses. Callers serialise access (the VM's device lock).
 */
#ifndef HCVM_RUN_SERIAL_H
#define HCVM_RUN_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_COM1	0x3f8
#define SERIAL_IRQ	4
#define SERIAL_FIFO	16

struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int thre_pending;	/* THR empty interrupt not yet acknowledged by reading IIR */
	uint8_t rx[SERIAL_FIFO];
	unsigned int rx_head, rx_count;
	int irq_level;
	void (*tx)(void *ctx, uint8_t byte);
	void (*set_irq)(void *ctx, int level);
	void *ctx;
};

void serial_init(struct serial *s, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		 void *ctx);
/* bus_fn for ports base..base+7 */
void serial_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write);
/* Queue received bytes; returns how many fit. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

#endif
