// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD and KVM_IOEVENTFD: eventfds that raise a GSI when signalled,
 * and guest writes to a port or MMIO address that signal an eventfd, both
 * without a return to userspace.
 *
 * An irqfd injects straight from the eventfd's wake-up (atomic context):
 * every delivery path here is atomic-safe (irqchip.h). An irqfd lives until
 * KVM_IRQFD with DEASSIGN or the VM's end; closing its eventfd only stops
 * its signals (its context stays referenced until then).
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
#include "../vcpu/vm.h"
#include "eventfd.h"
#include "irqchip.h"

struct hcvm_irqfd {
	struct list_head link;		/* on vm->irqfds, under vm->lock */
	struct hcvm_vm *vm;
	struct eventfd_ctx *ctx;
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	wait_queue_head_t *wqh;
};

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

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct hcvm_irqfd *f = container_of(wait, struct hcvm_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		/* Consume the count so the next signal wakes us again; an edge on the GSI. */
		eventfd_ctx_do_read(f->ctx, &cnt);
		hcvm_irqchip_set_gsi(f->vm, f->gsi, 1);
		hcvm_irqchip_set_gsi(f->vm, f->gsi, 0);
	}
	return 0;
}

static void irqfd_ptable(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct hcvm_irqfd *f = container_of(pt, struct hcvm_irqfd, pt);

	f->wqh = wqh;
	add_wait_queue_priority(wqh, &f->wait);
}

static void irqfd_free(struct hcvm_irqfd *f)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(f->ctx, &f->wait, &cnt);
	eventfd_ctx_put(f->ctx);
	kfree(f);
}

static int irqfd_assign(struct hcvm_vm *vm, const struct kvm_irqfd *a)
{
	struct hcvm_irqfd *f, *other;
	struct file *file;
	__poll_t events;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->vm = vm;
	f->gsi = a->gsi;
	file = fget(a->fd);
	ret = -EBADF;
	if (!file)
		goto fail;
	f->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(f->ctx)) {
		ret = PTR_ERR(f->ctx);
		goto fail_fd;
	}
	init_waitqueue_func_entry(&f->wait, irqfd_wakeup);
	init_poll_funcptr(&f->pt, irqfd_ptable);

	mutex_lock(&vm->lock);
	list_for_each_entry(other, &vm->irqfds, link) {
		if (other->ctx == f->ctx) {
			mutex_unlock(&vm->lock);
			ret = -EBUSY;	/* one eventfd drives one GSI, as in KVM */
			goto fail_ctx;
		}
	}
	list_add_tail(&f->link, &vm->irqfds);
	mutex_unlock(&vm->lock);

	/* Hook into the eventfd; a signal that came before us is delivered now. */
	events = vfs_poll(file, &f->pt);
	if (events & EPOLLIN)
		irqfd_wakeup(&f->wait, 0, 0, poll_to_key(EPOLLIN));
	fput(file);
	return 0;
fail_ctx:
	eventfd_ctx_put(f->ctx);
fail_fd:
	fput(file);
fail:
	kfree(f);
	return ret;
}

static int irqfd_deassign(struct hcvm_vm *vm, const struct kvm_irqfd *a)
{
	struct hcvm_irqfd *f, *found = NULL;
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(a->fd);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&vm->lock);
	list_for_each_entry(f, &vm->irqfds, link) {
		if (f->ctx == ctx && f->gsi == a->gsi) {
			list_del(&f->link);
			found = f;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	eventfd_ctx_put(ctx);
	if (found)	/* none: nothing to do, as KVM */
		irqfd_free(found);
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
		return -ENXIO;
	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, a);
	return irqfd_assign(vm, a);
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
	list_for_each_entry(other, &vm->ioeventfds, link)
		if (same_place(other, e))
			ret = -EEXIST;
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

	list_for_each_entry_safe(f, fn, &vm->irqfds, link) {
		list_del(&f->link);
		irqfd_free(f);
	}
	list_for_each_entry_safe(e, en, &vm->ioeventfds, link) {
		list_del(&e->link);
		eventfd_ctx_put(e->ctx);
		kfree(e);
	}
}
