// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD and KVM_IOEVENTFD: eventfds that raise a GSI when signalled,
 * and guest writes to a port or MMIO address that signal an eventfd, both
 * without a return to userspace.
 *
 * An irqfd injects straight from the eventfd's wake-up (atomic context):
 * every delivery path here is atomic-safe (irqchip.h). An irqfd lives until
 * KVM_IRQFD with DEASSIGN, the close of its eventfd, or the VM's end.
 *
 * ioeventfds are looked up by the vCPU exit path under RCU and changed
 * under vm->lock.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "../vcpu/vm.h"
#include "eventfd.h"
#include "irqchip.h"

struct hcvm_irqfd {
	struct list_head link;		/* on vm->irqfds, under vm->irqfd_lock; empty once off */
	struct hcvm_vm *vm;
	struct eventfd_ctx *ctx;
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
	int ret;			/* of the linking in irqfd_ptable() */
};

/* Per VM, as KVM's NR_IOBUS_DEVS: each costs a lookup on every port or MMIO write. */
#define HCVM_MAX_IOEVENTFDS	1000

struct hcvm_ioeventfd {
	struct list_head link;		/* on vm->ioeventfds: RCU readers, vm->lock writers */
	struct rcu_head rcu;
	struct eventfd_ctx *ctx;
	u64 addr;
	u32 len;			/* 0: any length (MMIO only) */
	bool pio;
	bool datamatch;
	u64 data;
};

static void signal(struct eventfd_ctx *ctx)
{
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* --- irqfd ------------------------------------------------------------------ */

/*
 * Life of an irqfd (KVM's pattern): it is linked into vm->irqfds by the
 * poll-table callback, under the eventfd's wait-queue lock, at the moment
 * its wait entry is hooked, so nothing can find an irqfd that is not hooked
 * yet. It is unlinked ("deactivated") under the same locks by EPOLLHUP
 * (the eventfd's file went away), by KVM_IRQFD with DEASSIGN, or at the
 * VM's end, and then shut down from irqfd_wq: unhooked, which waits out a
 * wake-up in progress, and freed. Deassign and the VM's end flush irqfd_wq,
 * so once they return no irqfd of theirs delivers anything.
 * Lock order: the eventfd's wait-queue lock, then vm->irqfd_lock.
 */
static struct workqueue_struct *irqfd_wq;

/* Either lock held; true if this call took it off the list. */
static bool irqfd_deactivate(struct hcvm_irqfd *f)
{
	if (list_empty(&f->link))
		return false;
	list_del_init(&f->link);
	queue_work(irqfd_wq, &f->shutdown);
	return true;
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct hcvm_irqfd *f = container_of(work, struct hcvm_irqfd, shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(f->ctx, &f->wait, &cnt);
	eventfd_ctx_put(f->ctx);
	kfree(f);
}

/* Under the eventfd's wait-queue lock: consume its count, an edge on the GSI if it had one. */
static void irqfd_inject(struct hcvm_irqfd *f)
{
	u64 cnt;

	eventfd_ctx_do_read(f->ctx, &cnt);
	if (cnt) {
		hcvm_irqchip_set_gsi(f->vm, f->gsi, 1);
		hcvm_irqchip_set_gsi(f->vm, f->gsi, 0);
	}
}

/* Called with the eventfd's wait-queue lock held, interrupts off. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct hcvm_irqfd *f = container_of(wait, struct hcvm_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct hcvm_vm *vm = f->vm;

	if (flags & EPOLLIN)
		irqfd_inject(f);	/* consumed: the next signal wakes us again */
	if (flags & EPOLLHUP) {
		spin_lock(&vm->irqfd_lock);
		irqfd_deactivate(f);
		spin_unlock(&vm->irqfd_lock);
	}
	return 0;
}

/*
 * vfs_poll() of the eventfd: hook the wait entry and link the irqfd in one
 * step, and deliver a signal that came before us, all under the wait-queue
 * lock that wake-ups hold.
 */
static void irqfd_ptable(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct hcvm_irqfd *f = container_of(pt, struct hcvm_irqfd, pt), *other;
	struct hcvm_vm *vm = f->vm;

	spin_lock_irq(&wqh->lock);
	spin_lock(&vm->irqfd_lock);
	f->ret = 0;
	list_for_each_entry(other, &vm->irqfds, link)
		if (other->ctx == f->ctx)
			f->ret = -EBUSY;	/* one eventfd drives one GSI, as in KVM */
	if (!f->ret) {
		list_add_tail(&f->link, &vm->irqfds);
		f->wait.flags |= WQ_FLAG_EXCLUSIVE | WQ_FLAG_PRIORITY;
		__add_wait_queue(wqh, &f->wait);
		irqfd_inject(f);
	}
	spin_unlock(&vm->irqfd_lock);
	spin_unlock_irq(&wqh->lock);
}

static int irqfd_assign(struct hcvm_vm *vm, const struct kvm_irqfd *a)
{
	struct hcvm_irqfd *f;
	struct file *file;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->vm = vm;
	f->gsi = a->gsi;
	INIT_LIST_HEAD(&f->link);
	INIT_WORK(&f->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&f->wait, irqfd_wakeup);
	init_poll_funcptr(&f->pt, irqfd_ptable);
	file = fget(a->fd);
	ret = -EBADF;
	if (!file)
		goto fail;
	f->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(f->ctx)) {
		ret = PTR_ERR(f->ctx);
		goto fail_fd;
	}
	/* From here on a linked f belongs to the list: a deassign may free it at once. */
	vfs_poll(file, &f->pt);
	ret = f->ret;
	fput(file);
	if (!ret)
		return 0;
	eventfd_ctx_put(f->ctx);
	kfree(f);
	return ret;
fail_fd:
	fput(file);
fail:
	kfree(f);
	return ret;
}

static int irqfd_deassign(struct hcvm_vm *vm, const struct kvm_irqfd *a)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(a->fd);
	struct hcvm_irqfd *f, *tmp;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(f, tmp, &vm->irqfds, link)
		if (f->ctx == ctx && f->gsi == a->gsi)
			irqfd_deactivate(f);
	spin_unlock_irq(&vm->irqfd_lock);
	eventfd_ctx_put(ctx);
	/* None found is not an error, as in KVM; either way nothing delivers once we return. */
	flush_workqueue(irqfd_wq);
	return 0;
}

long hcvm_irqfd(struct hcvm_vm *vm, const struct kvm_irqfd *a)
{
	if (a->flags & ~KVM_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;		/* no resample: level-triggered irqfds are not supported */
	if (memchr_inv(a->pad, 0, sizeof(a->pad)))
		return -EINVAL;
	if (a->gsi >= HCVM_MAX_GSI)
		return -EINVAL;
	if (!READ_ONCE(vm->irqchip))
		return -EINVAL;		/* KVM's errno without an in-kernel irqchip */
	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, a);
	return irqfd_assign(vm, a);
}

int hcvm_eventfd_init(void)
{
	irqfd_wq = alloc_workqueue("hcvm-irqfd", 0, 0);
	return irqfd_wq ? 0 : -ENOMEM;
}

void hcvm_eventfd_exit(void)
{
	destroy_workqueue(irqfd_wq);
}

/* --- ioeventfd ----------------------------------------------------------------- */

static bool same_place(const struct hcvm_ioeventfd *p, const struct hcvm_ioeventfd *q)
{
	return p->pio == q->pio && p->addr == q->addr && p->len == q->len &&
	       p->datamatch == q->datamatch && (!p->datamatch || p->data == q->data);
}

static long ioeventfd_assign(struct hcvm_vm *vm, const struct kvm_ioeventfd *a)
{
	struct hcvm_ioeventfd *e, *other;
	unsigned int n = 0;
	int ret = 0;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(e->ctx)) {
		ret = PTR_ERR(e->ctx);
		kfree(e);
		return ret;
	}
	e->addr = a->addr;
	e->len = a->len;
	e->pio = a->flags & KVM_IOEVENTFD_FLAG_PIO;
	e->datamatch = a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH;
	e->data = a->datamatch;

	mutex_lock(&vm->lock);
	list_for_each_entry(other, &vm->ioeventfds, link) {
		if (same_place(other, e))
			ret = -EEXIST;
		if (++n >= HCVM_MAX_IOEVENTFDS && !ret)
			ret = -ENOSPC;	/* the exit path scans the list */
	}
	if (!ret)
		list_add_tail_rcu(&e->link, &vm->ioeventfds);
	mutex_unlock(&vm->lock);
	if (ret) {
		eventfd_ctx_put(e->ctx);
		kfree(e);
	}
	return ret;
}

static void ioeventfd_free_rcu(struct rcu_head *head)
{
	struct hcvm_ioeventfd *e = container_of(head, struct hcvm_ioeventfd, rcu);

	eventfd_ctx_put(e->ctx);
	kfree(e);
}

static long ioeventfd_deassign(struct hcvm_vm *vm, const struct kvm_ioeventfd *a)
{
	struct hcvm_ioeventfd key = {
		.addr = a->addr, .len = a->len, .pio = a->flags & KVM_IOEVENTFD_FLAG_PIO,
		.datamatch = a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH, .data = a->datamatch,
	};
	struct hcvm_ioeventfd *e, *found = NULL;
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(a->fd);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&vm->lock);
	list_for_each_entry(e, &vm->ioeventfds, link) {
		if (e->ctx == ctx && same_place(e, &key)) {
			list_del_rcu(&e->link);
			found = e;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	call_rcu(&found->rcu, ioeventfd_free_rcu);
	return 0;
}

long hcvm_ioeventfd(struct hcvm_vm *vm, const struct kvm_ioeventfd *a)
{
	bool pio = a->flags & KVM_IOEVENTFD_FLAG_PIO;

	if (a->flags & ~(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			 KVM_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	if (memchr_inv(a->pad, 0, sizeof(a->pad)))
		return -EINVAL;
	/* Lengths 1, 2, 4, 8; 0 means any, for MMIO without data match. */
	if (a->len > 8 || (a->len & (a->len - 1)) ||
	    (!a->len && (pio || (a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))))
		return -EINVAL;
	if (a->addr + a->len < a->addr || (pio && a->addr + a->len > 0x10000))
		return -EINVAL;
	if (a->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, a);
	return ioeventfd_assign(vm, a);
}

bool hcvm_ioeventfd_write(struct hcvm_vm *vm, bool pio, u64 addr, unsigned int len, u64 data)
{
	struct hcvm_ioeventfd *e;
	bool hit = false;

	if (list_empty(&vm->ioeventfds))
		return false;
	rcu_read_lock();
	list_for_each_entry_rcu(e, &vm->ioeventfds, link) {
		if (e->pio != pio || e->addr != addr || (e->len && e->len != len))
			continue;
		if (e->datamatch && e->data != data)
			continue;
		signal(e->ctx);
		hit = true;
		break;
	}
	rcu_read_unlock();
	return hit;
}

void hcvm_eventfds_destroy(struct hcvm_vm *vm)
{
	struct hcvm_irqfd *f, *fn;
	struct hcvm_ioeventfd *e, *en;

	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(f, fn, &vm->irqfds, link)
		irqfd_deactivate(f);
	spin_unlock_irq(&vm->irqfd_lock);
	/* Also the shutdowns EPOLLHUP queued: none may outlive the VM. */
	flush_workqueue(irqfd_wq);
	/* No vCPU runs any more: the exit path, their only reader, is gone. */
	list_for_each_entry_safe(e, en, &vm->ioeventfds, link) {
		list_del(&e->link);
		eventfd_ctx_put(e->ctx);
		kfree(e);
	}
}
