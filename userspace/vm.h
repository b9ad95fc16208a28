/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcvm-run: one VM: its fds, RAM, devices, one thread per vCPU and one I/O thread (console
 * input, virtio queues). A VM ends once: the first of debug-exit, guest reset, triple fault,
 * an error or a stop request wins; then every thread of the VM is kicked out of KVM_RUN and
 * returns.
 */
#ifndef HCVM_RUN_VM_H
#define HCVM_RUN_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "bus.h"
#include "console.h"
#include "devices.h"
#include "ram.h"
#include "serial.h"
#include "util.h"
#include "virtio_devices.h"

#define VM_MAX_CPUS	64

/* virtio-mmio slots: window VIRTIO_BASE + slot * VIRTIO_MMIO_SIZE, GSI VIRTIO_GSI + slot. The
 * hole below the IOAPIC is no RAM (ram.h); GSIs 5-7 are ISA IRQs the MP table routes to IOAPIC
 * pins 5-7 (edge, high) that no other device here uses (UART 4, PIT 0). */
#define VIRTIO_BASE	0xd0000000ULL
#define VIRTIO_GSI	5
enum { VIO_BLK, VIO_CONSOLE, VIO_RNG, VIO_SLOTS };

struct vm_virtio {
	struct virtio_mmio *t;	/* NULL: the slot is empty (no --disk) */
	int notify_fd;		/* ioeventfd on QueueNotify: the I/O thread serves the queues */
	int irq_fd;		/* irqfd on the GSI: an edge per write */
};

struct vm_config {
	const char *name;
	uint64_t mem;
	int cpus;
	const char *kernel, *initrd, *append, *disk, *console;
	int prefix;		/* prefix console lines with "[name] " */
	int input_fd;		/* console input (stdin for the first VM), or -1 */
};

enum vm_end {
	VM_RUNNING,
	VM_DEBUG_EXIT,		/* value: what the guest wrote */
	VM_REBOOT,		/* the guest reset the machine (i8042): its reboot or poweroff */
	VM_TRIPLE_FAULT,
	VM_SIGNAL,		/* value: the signal that stopped hcvm-run */
	VM_ERROR,		/* message says what */
};

struct vm;

struct vcpu {
	struct vm *vm;
	int id, fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;
};

struct vm {
	const struct vm_config *cfg;
	int sys_fd, fd, run_size;
	struct guest_ram ram;
	struct bus pio, mmio;

	pthread_mutex_t dev_lock;	/* every device below, from any thread */
	struct serial serial;
	struct i8042 kbd;
	struct rtc rtc;
	struct debug_exit dbg;
	struct console con;
	struct virtio_blk blk;
	struct virtio_console vcon;
	struct virtio_rng rng;
	struct vm_virtio vio[VIO_SLOTS];

	struct vcpu vcpus[VM_MAX_CPUS];
	int nr_vcpus;
	pthread_t io_thread;
	int io_started;
	int stop_fd;			/* eventfd: wakes the I/O thread to return */
	int notify_fd;			/* main's eventfd, written when this VM ends */

	pthread_mutex_t end_lock;
	atomic_int ending;
	enum vm_end end;
	uint32_t end_value;
	char end_msg[ERR_LEN];
};

/* Build the VM completely (nothing runs yet) or fail leaving nothing behind. */
struct vm *vm_create(const struct vm_config *cfg, const char *dev, int notify_fd, char *err);
/* Start the threads; on failure the VM is ended (VM_ERROR) and what started is stopped. */
int vm_start(struct vm *vm, char *err);
/* End the VM (the first call wins) and kick its threads; any thread may call it. */
void vm_end(struct vm *vm, enum vm_end how, uint32_t value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Join the VM's threads (it must have ended), then free everything. */
void vm_destroy(struct vm *vm);
/* One line on how the VM ended, and the exit status it stands for. */
int vm_result(const struct vm *vm, char *buf, size_t len);

#endif
