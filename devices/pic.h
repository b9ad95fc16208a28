/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's two 8259A PICs, master (ports 0x20/0x21, IRQs 0-7) and slave
 * (0xa0/0xa1, IRQs 8-15) cascaded on master IRQ2, with the PIIX ELCR
 * registers at 0x4d0/0x4d1 selecting edge or level per line. A pure state
 * machine (no kernel calls, host unit tests run it) keeping KVM's
 * KVM_IRQ_LINE return values and struct kvm_pic_state.
 *
 * No locking inside: the caller serializes every call on a VM's PICs (the
 * per-VM irqchip spinlock), and @output is invoked with that lock held, so
 * it must not sleep and must not call back into the PIC.
 */
#ifndef HCVM_DEVICES_PIC_H
#define HCVM_DEVICES_PIC_H

#include <linux/types.h>
#include <linux/kvm.h>

#define HCVM_PIC_MASTER_CMD	0x20
#define HCVM_PIC_MASTER_DATA	0x21
#define HCVM_PIC_SLAVE_CMD	0xa0
#define HCVM_PIC_SLAVE_DATA	0xa1
#define HCVM_PIC_ELCR_MASTER	0x4d0
#define HCVM_PIC_ELCR_SLAVE	0x4d1
#define HCVM_PIC_CASCADE_IRQ	2
/* Lines the PIIX wires edge-only: IRQ 0, 1, 2 (master) and 8, 13 (slave). */
#define HCVM_PIC_ELCR_MASK_MASTER	0xf8
#define HCVM_PIC_ELCR_MASK_SLAVE	0xde

/* One 8259A; the fields are struct kvm_pic_state's, and mean the same. */
struct hcvm_pic_chip {
	u8 last_irr;		/* input line levels (the edge detector's memory) */
	u8 irr;
	u8 imr;
	u8 isr;
	u8 priority_add;	/* the line with the highest priority (rotation) */
	u8 irq_base;		/* ICW2: vector of line 0 */
	u8 read_reg_select;	/* OCW3: the command port reads 0 IRR, 1 ISR */
	u8 poll;		/* OCW3 poll: the next command port read is an INTA */
	u8 special_mask;
	u8 init_state;		/* 0 ready, else the ICW expected next: 1 ICW2, 2 ICW3, 3 ICW4 */
	u8 auto_eoi;
	u8 rotate_on_auto_eoi;
	u8 special_fully_nested_mode;
	u8 init4;		/* ICW1 said an ICW4 follows */
	u8 elcr;		/* 1: level-triggered line */
	u8 elcr_mask;		/* the ELCR bits that can be set */
	u8 single;		/* ICW1 SNGL: no ICW3 in this init sequence */
};

struct hcvm_pic {
	struct hcvm_pic_chip chip[2];	/* KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE */
	bool out;			/* the master's INT line to the CPU */
	void (*output)(void *ctx, bool level);	/* called when @out changes */
	void *ctx;
};

/* Power-on state: uninitialised chips, ELCR all edge, INT low. Keeps @output and @ctx. */
void hcvm_pic_reset(struct hcvm_pic *pic);

/*
 * Drive ISA line @irq (0-15) to @level. An edge line latches a request on a
 * rising edge and keeps it until the INTA even if the line drops again (so a
 * device's pulse is not lost); a level line's request follows the line.
 * Returns as KVM_IRQ_LINE_STATUS does: 1 a new request, 0 coalesced with one
 * already in IRR (or no rising edge), -1 masked (in the IMR of the line's
 * chip or, for 8-15, master IRQ2), -EINVAL for @irq above 15. Lowering
 * returns 1. IRQ2 is the slave's INT, not an input: it is ignored with -1,
 * so a route of GSI 2 to the PIC (KVM's default routing has one) is harmless.
 */
int hcvm_pic_set_irq(struct hcvm_pic *pic, unsigned int irq, int level);

/* The master's INT output: an interrupt would be taken by hcvm_pic_ack(). */
bool hcvm_pic_has_interrupt(const struct hcvm_pic *pic);

/*
 * The INTA cycle: the vector the CPU gets. Sets the ISR bit (unless auto-EOI)
 * and clears an edge line's IRR bit, through the slave for IRQ2. With no
 * request the chips answer, as hardware does, with their IRQ7 vector (the
 * master's, or the slave's if the master chose IRQ2) without setting ISR.
 */
int hcvm_pic_ack(struct hcvm_pic *pic);

/* An IN (!@write) or OUT of one byte at @port; false if the port is not the PICs'. */
bool hcvm_pic_io(struct hcvm_pic *pic, u16 port, bool write, u8 *val);

/*
 * KVM_GET_IRQCHIP / KVM_SET_IRQCHIP for KVM_IRQCHIP_PIC_MASTER or _SLAVE
 * (-EINVAL for another @chip). Set refuses (-EINVAL, nothing changed) an
 * irq_base with bits 2:0 set, a priority_add above 7, an init_state above 3
 * (or 3 without init4), a flag other than 0 or 1, an elcr_mask other than
 * the chip's and ELCR bits outside it.
 */
int hcvm_pic_get_state(const struct hcvm_pic *pic, unsigned int chip, struct kvm_pic_state *s);
int hcvm_pic_set_state(struct hcvm_pic *pic, unsigned int chip, const struct kvm_pic_state *s);

#endif
