/* SPDX-License-Identifier: GPL-2.0 */
/* KVM_IRQFD and KVM_IOEVENTFD (see eventfd.c). */
#ifndef HCVM_DEVICES_EVENTFD_H
#define HCVM_DEVICES_EVENTFD_H

#include <linux/kvm.h>
#include <linux/types.h>

struct hcvm_vm;

long hcvm_irqfd(struct hcvm_vm *vm, const struct kvm_irqfd *a);
long hcvm_ioeventfd(struct hcvm_vm *vm, const struct kvm_ioeventfd *a);
/* A guest write of @len bytes at @addr: true if an ioeventfd took it. */
bool hcvm_ioeventfd_write(struct hcvm_vm *vm, bool pio, u64 addr, unsigned int len, u64 data);
/* Module load and unload: the irqfds' shutdown workqueue. */
int hcvm_eventfd_init(void);
void hcvm_eventfd_exit(void);
/*
 * The VM's end: every irqfd stopped (none delivers once this returns) and
 * freed, every ioeventfd freed. Before the vCPUs and the irqchip go.
 */
void hcvm_eventfds_destroy(struct hcvm_vm *vm);

#endif
