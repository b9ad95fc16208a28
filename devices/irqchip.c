// SPDX-License-Identifier: GPL-2.0
/* The VM's IOAPIC, PICs and PIT behind KVM's irqchip ioctls (see irqchip.h). */
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include "../vcpu/events.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/vm.h"
#include "ioapic.h"
#include "irqchip.h"
#include "lapic.h"
#include "msi.h"
#include "pic.h"
#include "pit.h"

/* The IOAPIC claims this much MMIO, as KVM's does. */
#define IOAPIC_MMIO_WINDOW	0x100
/* IRQ0 faster than this is clamped: a guest cannot make the host spin on hrtimers. */
#define PIT_MIN_PERIOD_NS	100000

struct hcvm_route {
	u32 gsi;
	u32 type;		/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	u32 chip, pin;
	u64 msi_addr;
	u32 msi_data;
};

struct hcvm_routes {
	struct rcu_head rcu;
	u32 nr;
	struct hcvm_route r[];	/* sorted by GSI */
};

struct hcvm_irqchip {
	raw_spinlock_t lock;	/* ioapic, pic, pit, pit_armed */
	struct hcvm_vm *vm;
	struct hcvm_ioapic ioapic;
	struct hcvm_pic pic;
	struct hcvm_routes __rcu *routes;
	bool has_pit;
	struct hcvm_pit pit;
	struct hrtimer pit_timer;
	u64 pit_next;		/* ns of the armed IRQ0 edge; 0: none */
	/* Vectors some IOAPIC entry sends level-triggered, and a count of their changes. */
	u64 level_vec[4];
	atomic_t level_gen;
};

static struct hcvm_irqchip *chip_of(struct hcvm_vm *vm)
{
	/* Pairs with the release in create_irqchip(): a chip seen is whole. */
	return smp_load_acquire(&vm->irqchip);
}

/* --- Delivery ------------------------------------------------------------- */

static int ioapic_deliver(void *ctx, const struct hcvm_irq *irq)
{
	return hcvm_lapic_deliver(ctx, irq);
}

static void pic_output(void *ctx, bool level)
{
	struct hcvm_vm *vm = ctx;
	struct hcvm_vcpu *bsp = READ_ONCE(vm->vcpus[0]);

	if (level && bsp)
		hcvm_vcpu_kick(bsp);
}

/* Sum of acceptances, -1 only if every route was masked (KVM's convention). */
static int merge(int acc, int r)
{
	if (acc < 0)
		return r;
	return r < 0 ? acc : acc + r;
}

static int route_set(struct hcvm_irqchip *c, const struct hcvm_route *r, int level)
{
	struct hcvm_irq irq;
	unsigned long flags;
	int ret;

	if (r->type == KVM_IRQ_ROUTING_MSI) {
		if (!level)
			return 0;
		if (!hcvm_msi_decode(r->msi_addr, r->msi_data, &irq))
			return -1;
		return hcvm_lapic_deliver(c->vm, &irq);
	}
	raw_spin_lock_irqsave(&c->lock, flags);
	if (r->chip == KVM_IRQCHIP_IOAPIC)
		ret = hcvm_ioapic_set_irq(&c->ioapic, r->pin, level);
	else
		ret = hcvm_pic_set_irq(&c->pic, r->pin + 8 * r->chip, level);
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return ret;
}

static const struct hcvm_route *first_route(const struct hcvm_routes *t, u32 gsi)
{
	unsigned int lo = 0, hi = t->nr;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (t->r[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nr && t->r[lo].gsi == gsi ? &t->r[lo] : NULL;
}

int hcvm_irqchip_set_gsi(struct hcvm_vm *vm, u32 gsi, int level)
{
	struct hcvm_irqchip *c = chip_of(vm);
	const struct hcvm_routes *t;
	const struct hcvm_route *r;
	int ret = -1;

	if (!c)
		return -ENXIO;
	rcu_read_lock();
	t = rcu_dereference(c->routes);
	r = first_route(t, gsi);
	if (!r)
		ret = -EINVAL;
	for (; r && r < t->r + t->nr && r->gsi == gsi; r++)
		ret = merge(ret, route_set(c, r, level));
	rcu_read_unlock();
	return ret;
}

void hcvm_irqchip_eoi(struct hcvm_vm *vm, int vector)
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned long flags;

	if (!c)
		return;
	raw_spin_lock_irqsave(&c->lock, flags);
	hcvm_ioapic_eoi(&c->ioapic, vector);
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

bool hcvm_irqchip_pic_output(struct hcvm_vm *vm)
{
	struct hcvm_irqchip *c = chip_of(vm);

	return c && READ_ONCE(c->pic.out);
}

int hcvm_irqchip_pic_ack(struct hcvm_vm *vm)
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned long flags;
	int vec = -1;

	if (!c)
		return -1;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (c->pic.out)
		vec = hcvm_pic_ack(&c->pic);
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return vec;
}

/* --- PIT ------------------------------------------------------------------ */

/* Arm the hrtimer for the next IRQ0 edge after @now; lock held. */
static void pit_arm(struct hcvm_irqchip *c, u64 now)
{
	u64 next = hcvm_pit_irq0_next(&c->pit, now);

	if (next && next < now + PIT_MIN_PERIOD_NS && hcvm_pit_irq0_period(&c->pit))
		next = now + PIT_MIN_PERIOD_NS;
	c->pit_next = next;
	if (next)
		hrtimer_start(&c->pit_timer, ns_to_ktime(next), HRTIMER_MODE_ABS_HARD);
	else
		hrtimer_try_to_cancel(&c->pit_timer);
}

static enum hrtimer_restart pit_expired(struct hrtimer *t)
{
	struct hcvm_irqchip *c = container_of(t, struct hcvm_irqchip, pit_timer);
	unsigned long flags;
	u64 next;

	/* An edge on GSI 0: the default routes take it to PIC IRQ0 and IOAPIC pin 0. */
	hcvm_irqchip_set_gsi(c->vm, 0, 1);
	hcvm_irqchip_set_gsi(c->vm, 0, 0);
	raw_spin_lock_irqsave(&c->lock, flags);
	/* Edges the host was too busy to raise are merged into this one (see lapic.c). */
	next = c->pit_next ? hcvm_pit_irq0_next(&c->pit, max(c->pit_next, ktime_get_ns())) : 0;
	if (next && next < c->pit_next + PIT_MIN_PERIOD_NS)
		next = c->pit_next + PIT_MIN_PERIOD_NS;
	/* A port write may have re-armed the timer meanwhile: that arming wins. */
	if (hrtimer_is_queued(t)) {
		next = 0;
	} else {
		c->pit_next = next;
		if (next)
			hrtimer_set_expires(t, ns_to_ktime(next));
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return next ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static int create_pit(struct hcvm_vm *vm, struct kvm_pit_config __user *argp)
{
	struct hcvm_irqchip *c = chip_of(vm);
	struct kvm_pit_config cfg;
	unsigned long flags;
	int ret = 0;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	mutex_lock(&vm->lock);
	raw_spin_lock_irqsave(&c->lock, flags);
	if (c->has_pit) {
		ret = -EEXIST;
	} else {
		hcvm_pit_reset(&c->pit, ktime_get_ns());
		c->has_pit = true;
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	mutex_unlock(&vm->lock);
	return ret;
}

static long pit_state(struct hcvm_vm *vm, void __user *argp, bool set)
{
	struct hcvm_irqchip *c = chip_of(vm);
	struct kvm_pit_state2 s;
	unsigned long flags;
	int ret = 0;

	if (set && copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (set) {
		ret = hcvm_pit_set_state(&c->pit, &s, ktime_get_ns());
		if (!ret)
			pit_arm(c, ktime_get_ns());
	} else {
		hcvm_pit_get_state(&c->pit, &s, ktime_get_ns());
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (!ret && !set && copy_to_user(argp, &s, sizeof(s)))
		return -EFAULT;
	return ret;
}

/* --- Guest accesses --------------------------------------------------------- */

static bool is_pic_port(u16 port)
{
	return port == HCVM_PIC_MASTER_CMD || port == HCVM_PIC_MASTER_DATA ||
	       port == HCVM_PIC_SLAVE_CMD || port == HCVM_PIC_SLAVE_DATA ||
	       port == HCVM_PIC_ELCR_MASTER || port == HCVM_PIC_ELCR_SLAVE;
}

static bool is_pit_port(u16 port)
{
	return (port >= HCVM_PIT_PORT_BASE && port <= HCVM_PIT_PORT_CONTROL) ||
	       port == HCVM_PIT_PORT_SPEAKER;
}

bool hcvm_irqchip_pio(struct hcvm_vm *vm, u16 port, unsigned int len, bool write, u32 *data)
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned long flags;
	bool pit, done = false;
	u8 v = *data;

	if (!c || len != 1)
		return false;
	pit = is_pit_port(port);
	if (!is_pic_port(port) && !(pit && READ_ONCE(c->has_pit)))
		return false;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (pit) {
		u64 now = ktime_get_ns();

		done = hcvm_pit_io(&c->pit, port, write, &v, now);
		if (done && write)
			pit_arm(c, now);
	} else {
		done = hcvm_pic_io(&c->pic, port, write, &v);
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (done && !write)
		*data = v;
	return done;
}

/*
 * Recompute the level-triggered vectors after the redirection table changed;
 * lock held. True if they changed: the caller then kicks every vCPU, so those
 * whose CPU does EOIs itself (vmx/apicv.c) reload their EOI exits before they
 * take a vector the new entries send.
 */
static bool level_vectors_update(struct hcvm_irqchip *c)
{
	u64 v[4] = {};
	int i;

	for (i = 0; i < HCVM_IOAPIC_PINS; i++)
		if (c->ioapic.redir[i] & HCVM_IOAPIC_LEVEL)
			__set_bit(c->ioapic.redir[i] & 0xff, (unsigned long *)v);
	if (!memcmp(v, c->level_vec, sizeof(v)))
		return false;
	memcpy(c->level_vec, v, sizeof(v));
	atomic_inc(&c->level_gen);
	return true;
}

static void kick_all(struct hcvm_vm *vm)
{
	int i;

	for (i = 0; i < HCVM_MAX_VCPUS; i++) {
		struct hcvm_vcpu *v = READ_ONCE(vm->vcpus[i]);

		if (v)
			hcvm_vcpu_kick(v);
	}
}

unsigned int hcvm_irqchip_level_gen(struct hcvm_vm *vm)
{
	struct hcvm_irqchip *c = chip_of(vm);

	return c ? atomic_read(&c->level_gen) : 0;
}

void hcvm_irqchip_level_vectors(struct hcvm_vm *vm, u64 v[4])
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned long flags;

	memset(v, 0, 4 * sizeof(u64));
	if (!c)
		return;
	raw_spin_lock_irqsave(&c->lock, flags);
	memcpy(v, c->level_vec, sizeof(c->level_vec));
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

bool hcvm_irqchip_mmio(struct hcvm_vm *vm, u64 gpa, unsigned int len, bool write, u64 *data)
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned long flags;
	bool changed = false;
	u64 off;

	if (!c || gpa < c->ioapic.base || gpa >= c->ioapic.base + IOAPIC_MMIO_WINDOW)
		return false;
	off = gpa - c->ioapic.base;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (len != 4 || (off != HCVM_IOAPIC_IOREGSEL && off != HCVM_IOAPIC_IOWIN)) {
		if (!write)
			*data = 0;	/* not a register: reads 0, writes nothing */
	} else if (write) {
		hcvm_ioapic_mmio_write(&c->ioapic, off, *data);
		changed = off == HCVM_IOAPIC_IOWIN && level_vectors_update(c);
	} else {
		*data = hcvm_ioapic_mmio_read(&c->ioapic, off);
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (changed)
		kick_all(vm);
	return true;
}

/* --- Routing -------------------------------------------------------------- */

static int route_cmp(const void *a, const void *b)
{
	const struct hcvm_route *x = a, *y = b;

	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

static int route_from_user(struct hcvm_route *r, const struct kvm_irq_routing_entry *e)
{
	if (e->gsi >= HCVM_MAX_GSI || e->flags)
		return -EINVAL;
	r->gsi = e->gsi;
	r->type = e->type;
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		r->chip = e->u.irqchip.irqchip;
		r->pin = e->u.irqchip.pin;
		if (r->chip > KVM_IRQCHIP_IOAPIC ||
		    r->pin >= (r->chip == KVM_IRQCHIP_IOAPIC ? HCVM_IOAPIC_PINS : 8))
			return -EINVAL;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		r->msi_addr = (u64)e->u.msi.address_hi << 32 | e->u.msi.address_lo;
		r->msi_data = e->u.msi.data;
		return 0;
	default:
		return -EINVAL;
	}
}

static struct hcvm_routes *routes_alloc(u32 nr)
{
	struct hcvm_routes *t = kvzalloc(struct_size(t, r, nr), GFP_KERNEL_ACCOUNT);

	if (t)
		t->nr = nr;
	return t;
}

/* GSI n to IOAPIC pin n (n < 24) and, for n < 16, PIC line n: KVM's default. */
static struct hcvm_routes *default_routes(void)
{
	struct hcvm_routes *t = routes_alloc(HCVM_IOAPIC_PINS + 16);
	unsigned int gsi, n = 0;

	if (!t)
		return NULL;
	for (gsi = 0; gsi < HCVM_IOAPIC_PINS; gsi++) {
		if (gsi < 16)
			t->r[n++] = (struct hcvm_route){ .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.chip = gsi / 8, .pin = gsi % 8 };
		t->r[n++] = (struct hcvm_route){ .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.chip = KVM_IRQCHIP_IOAPIC, .pin = gsi };
	}
	return t;
}

static long set_routing(struct hcvm_vm *vm, struct kvm_irq_routing __user *argp)
{
	struct hcvm_irqchip *c = chip_of(vm);
	struct kvm_irq_routing head;
	struct kvm_irq_routing_entry e;
	struct hcvm_routes *t, *old;
	u32 i;
	int ret;

	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.flags || head.nr > HCVM_MAX_ROUTES)
		return -EINVAL;
	t = routes_alloc(head.nr);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < head.nr; i++) {
		ret = -EFAULT;
		if (copy_from_user(&e, &argp->entries[i], sizeof(e)))
			goto fail;
		ret = route_from_user(&t->r[i], &e);
		if (ret)
			goto fail;
	}
	sort(t->r, t->nr, sizeof(t->r[0]), route_cmp, NULL);
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(c->routes, t, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	kvfree_rcu_mightsleep(old);
	return 0;
fail:
	kvfree(t);
	return ret;
}

/* --- State ------------------------------------------------------------------ */

static long irqchip_state(struct hcvm_vm *vm, struct kvm_irqchip __user *argp, bool set)
{
	struct hcvm_irqchip *c = chip_of(vm);
	struct kvm_irqchip *s;
	unsigned long flags;
	bool changed = false;
	int ret = 0;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(s, argp, sizeof(*s)))
		goto out;
	ret = -EINVAL;
	if (s->chip_id > KVM_IRQCHIP_IOAPIC)
		goto out;
	ret = 0;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (s->chip_id != KVM_IRQCHIP_IOAPIC) {
		ret = set ? hcvm_pic_set_state(&c->pic, s->chip_id, &s->chip.pic) :
			    hcvm_pic_get_state(&c->pic, s->chip_id, &s->chip.pic);
	} else if (set) {
		ret = hcvm_ioapic_set_state(&c->ioapic, &s->chip.ioapic);
		changed = !ret && level_vectors_update(c);
	} else {
		hcvm_ioapic_get_state(&c->ioapic, &s->chip.ioapic);
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (changed)
		kick_all(vm);
	if (!ret && !set && copy_to_user(argp, s, sizeof(*s)))
		ret = -EFAULT;
out:
	kfree(s);
	return ret;
}

/* --- Life cycle --------------------------------------------------------------- */

static int create_irqchip(struct hcvm_vm *vm)
{
	struct hcvm_irqchip *c;
	struct hcvm_routes *t;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	t = default_routes();
	ret = -ENOMEM;
	if (!c || !t)
		goto fail;
	raw_spin_lock_init(&c->lock);
	c->vm = vm;
	c->ioapic.deliver = ioapic_deliver;
	c->ioapic.ctx = vm;
	hcvm_ioapic_reset(&c->ioapic);
	c->pic.output = pic_output;
	c->pic.ctx = vm;
	hcvm_pic_reset(&c->pic);
	hrtimer_init(&c->pit_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	c->pit_timer.function = pit_expired;
	RCU_INIT_POINTER(c->routes, t);

	mutex_lock(&vm->lock);
	/* As KVM: before any vCPU, so every vCPU gets its APIC at creation. */
	ret = vm->irqchip ? -EEXIST : vm->nr_vcpus ? -EINVAL : 0;
	if (!ret)	/* published whole: see chip_of() */
		smp_store_release(&vm->irqchip, c);
	mutex_unlock(&vm->lock);
	if (!ret)
		return 0;
fail:
	kvfree(t);
	kfree(c);
	return ret;
}

void hcvm_irqchip_stop(struct hcvm_vm *vm)
{
	if (vm->irqchip)
		hrtimer_cancel(&vm->irqchip->pit_timer);
}

void hcvm_irqchip_destroy(struct hcvm_vm *vm)
{
	struct hcvm_irqchip *c = vm->irqchip;

	if (!c)
		return;
	hrtimer_cancel(&c->pit_timer);
	kvfree(rcu_dereference_protected(c->routes, 1));
	kfree(c);
	vm->irqchip = NULL;
}

static long irq_line(struct hcvm_vm *vm, struct kvm_irq_level __user *argp, bool status)
{
	struct kvm_irq_level l;
	int ret;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.irq >= HCVM_MAX_GSI)
		return -EINVAL;
	ret = hcvm_irqchip_set_gsi(vm, l.irq, !!l.level);
	if (ret < -1)
		return ret;
	if (status) {
		l.status = ret;
		if (copy_to_user(argp, &l, sizeof(l)))
			return -EFAULT;
	}
	return 0;
}

static long signal_msi(struct hcvm_vm *vm, struct kvm_msi __user *argp)
{
	struct hcvm_irq irq;
	struct kvm_msi m;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if (m.flags || memchr_inv(m.pad, 0, sizeof(m.pad)))
		return -EINVAL;
	if (!hcvm_msi_decode((u64)m.address_hi << 32 | m.address_lo, m.data, &irq))
		return -EINVAL;
	return hcvm_lapic_deliver(vm, &irq);
}

/*
 * What each irqchip ioctl needs, checked before its argument is read, with
 * the errno KVM gives when it is missing: the handlers below rely on it.
 */
static const struct {
	unsigned int cmd;
	bool chip, pit;
	int err;
} needs[] = {
	{ KVM_IRQ_LINE, true, false, -ENXIO },
	{ KVM_IRQ_LINE_STATUS, true, false, -ENXIO },
	{ KVM_SIGNAL_MSI, true, false, -EINVAL },
	{ KVM_SET_GSI_ROUTING, true, false, -EINVAL },
	{ KVM_GET_IRQCHIP, true, false, -ENXIO },
	{ KVM_SET_IRQCHIP, true, false, -ENXIO },
	{ KVM_CREATE_PIT2, true, false, -ENOENT },
	{ KVM_GET_PIT2, true, true, -ENXIO },
	{ KVM_SET_PIT2, true, true, -ENXIO },
};

long hcvm_irqchip_ioctl(struct hcvm_vm *vm, unsigned int cmd, void __user *argp)
{
	struct hcvm_irqchip *c = chip_of(vm);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(needs); i++)
		if (needs[i].cmd == cmd &&
		    ((needs[i].chip && !c) || (needs[i].pit && !READ_ONCE(c->has_pit))))
			return needs[i].err;
	switch (cmd) {
	case KVM_CREATE_IRQCHIP:
		return create_irqchip(vm);
	case KVM_IRQ_LINE:
		return irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return irq_line(vm, argp, true);
	case KVM_SIGNAL_MSI:
		return signal_msi(vm, argp);
	case KVM_SET_GSI_ROUTING:
		return set_routing(vm, argp);
	case KVM_GET_IRQCHIP:
		return irqchip_state(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return irqchip_state(vm, argp, true);
	case KVM_CREATE_PIT2:
		return create_pit(vm, argp);
	case KVM_GET_PIT2:
		return pit_state(vm, argp, false);
	case KVM_SET_PIT2:
		return pit_state(vm, argp, true);
	default:
		return -ENOTTY;
	}
}
