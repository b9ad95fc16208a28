/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's in-kernel interrupt controllers behind the KVM ioctls: the IOAPIC
 * and the two PICs (KVM_CREATE_IRQCHIP), the PIT (KVM_CREATE_PIT2), GSI
 * routing to them and to MSIs, and their guest-facing ports and MMIO.
 *
 * Locking: one raw spinlock per VM covers the IOAPIC, PICs and PIT; it is
 * taken from any context (vCPU threads, hrtimers, eventfd wake-ups) and is
 * innermost: under it only APIC deliveries (atomic bits, kicks) happen. The
 * routing table is read under RCU and replaced under vm->lock.
 */
#ifndef HCVM_DEVICES_IRQCHIP_H
#define HCVM_DEVICES_IRQCHIP_H

#include <linux/types.h>

struct hcvm_vm;
struct hcvm_vcpu;

/* GSIs a routing table may name (KVM's limit is 4096; hcvm keeps tables small). */
#define HCVM_MAX_GSI		1024
#define HCVM_MAX_ROUTES		1024

/* VM ioctls of the irqchip family; -ENOTTY for any other. */
long hcvm_irqchip_ioctl(struct hcvm_vm *vm, unsigned int cmd, void __user *argp);
/* The VM's end, before any vCPU goes: the PIT's timer stops. */
void hcvm_irqchip_stop(struct hcvm_vm *vm);
void hcvm_irqchip_destroy(struct hcvm_vm *vm);

/* Raise or lower a GSI through the routing table: KVM_IRQ_LINE_STATUS's status. */
int hcvm_irqchip_set_gsi(struct hcvm_vm *vm, u32 gsi, int level);
/* A level-triggered vector was EOIed by a local APIC. */
void hcvm_irqchip_eoi(struct hcvm_vm *vm, int vector);
/* Vectors IOAPIC entries send level-triggered, and a count that changes with them. */
unsigned int hcvm_irqchip_level_gen(struct hcvm_vm *vm);
void hcvm_irqchip_level_vectors(struct hcvm_vm *vm, u64 v[4]);
/* The PIC's INTR line to the BSP, and its acknowledge cycle (-1: none). */
bool hcvm_irqchip_pic_output(struct hcvm_vm *vm);
int hcvm_irqchip_pic_ack(struct hcvm_vm *vm);

/* Guest accesses the in-kernel devices take: true if done. */
bool hcvm_irqchip_pio(struct hcvm_vm *vm, u16 port, unsigned int len, bool write, u32 *data);
bool hcvm_irqchip_mmio(struct hcvm_vm *vm, u64 gpa, unsigned int len, bool write, u64 *data);

#endif
