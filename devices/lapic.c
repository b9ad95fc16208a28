// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated local APIC (see lapic.h). Registers live in the layout of the
 * APIC page, so KVM_GET/SET_LAPIC copy them as they are. The timer counts
 * in 1 ns bus cycles, as KVM's does, so a guest calibrates the same way on
 * both.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include "../vmx/vmcs.h"
#include "../vcpu/events.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/vm.h"
#include "irqchip.h"
#include "lapic.h"

#define APIC_VERSION		0x14	/* integrated APIC */
#define APIC_LVT_COUNT		7	/* CMCI, timer, thermal, PMC, LINT0, LINT1, error */
#define LVT_MASKED		BIT(16)
#define LVT_LEVEL		BIT(15)
#define LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define TIMER_ONESHOT		0
#define TIMER_PERIODIC		1
#define TIMER_TSCDEADLINE	2
#define BASE_BSP		BIT_ULL(8)
#define BASE_EXTD		BIT_ULL(10)
#define BASE_ENABLE		BIT_ULL(11)
#define X2APIC_MSR_FIRST	0x800
#define X2APIC_MSR_LAST		0x8ff
#define ICR_SHORTHAND(v)	(((v) >> 18) & 3)
#define ICR_LEVEL_ASSERT	BIT(14)
#define BROADCAST_X		0xffu
#define BROADCAST_X2		0xffffffffu

static u32 reg(const struct hcvm_lapic *apic, unsigned int off)
{
	return READ_ONCE(apic->regs[off >> 2]);
}

static void set_reg(struct hcvm_lapic *apic, unsigned int off, u32 v)
{
	WRITE_ONCE(apic->regs[off >> 2], v);
}

/* IRR, ISR, TMR: 8 registers of 32 bits at a 16-byte stride. */
static unsigned long *vec_word(struct hcvm_lapic *apic, unsigned int base, int vec)
{
	return (unsigned long *)&apic->regs[(base >> 2) + (vec >> 5) * 4];
}

static bool vec_test(struct hcvm_lapic *apic, unsigned int base, int vec)
{
	return test_bit(vec & 31, vec_word(apic, base, vec));
}

/* The highest vector set in IRR/ISR/TMR, or -1. */
static int vec_highest(struct hcvm_lapic *apic, unsigned int base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 v = reg(apic, base + i * 0x10);

		if (v)
			return i * 32 + __fls(v);
	}
	return -1;
}

static bool x2apic(const struct hcvm_lapic *apic)
{
	return apic->base_msr & BASE_EXTD;
}

static bool hw_enabled(const struct hcvm_lapic *apic)
{
	return apic->base_msr & BASE_ENABLE;
}

static bool sw_enabled(const struct hcvm_lapic *apic)
{
	return reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

/* x2APIC's logical ID, derived from the APIC ID: cluster in 31:16, one bit in 15:0. */
static u32 x2apic_ldr(u32 id)
{
	return (id >> 4) << 16 | BIT(id & 0xf);
}

static u32 apic_id(const struct hcvm_lapic *apic)
{
	return x2apic(apic) ? reg(apic, APIC_ID) : reg(apic, APIC_ID) >> 24;
}

static void update_ppr(struct hcvm_lapic *apic)
{
	u32 tpr = reg(apic, APIC_TASKPRI) & 0xff;
	int isr = vec_highest(apic, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	set_reg(apic, APIC_PROCPRI, (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0);
}

int hcvm_lapic_highest_irr(struct hcvm_lapic *apic)
{
	return vec_highest(apic, APIC_IRR);
}

int hcvm_lapic_highest_isr(struct hcvm_lapic *apic)
{
	return vec_highest(apic, APIC_ISR);
}

u32 hcvm_lapic_tmr(struct hcvm_lapic *apic, int i)
{
	return reg(apic, APIC_TMR + i * 0x10);
}

bool hcvm_lapic_x2apic(const struct hcvm_lapic *apic)
{
	return x2apic(apic);
}

int hcvm_lapic_pending(struct hcvm_lapic *apic)
{
	int irr;

	if (!hw_enabled(apic))
		return -1;
	/* With a TPR shadow the guest writes TPR without an exit. */
	update_ppr(apic);
	irr = vec_highest(apic, APIC_IRR);
	if (irr < 0 || (irr & 0xf0) <= (reg(apic, APIC_PROCPRI) & 0xf0))
		return -1;
	return irr;
}

void hcvm_lapic_ack(struct hcvm_lapic *apic, int vector)
{
	clear_bit(vector & 31, vec_word(apic, APIC_IRR, vector));
	set_bit(vector & 31, vec_word(apic, APIC_ISR, vector));
	update_ppr(apic);
}

bool hcvm_lapic_accepts_pic(struct hcvm_lapic *apic)
{
	u32 lvt0 = reg(apic, APIC_LVT0);

	if (!hw_enabled(apic))
		return true;
	return !(lvt0 & LVT_MASKED) && GET_APIC_DELIVERY_MODE(lvt0) == HCVM_DM_EXTINT;
}

/* --- Accepting an interrupt message --------------------------------------- */

/* Called from any CPU: only atomic IRR/TMR updates and posted vCPU events. */
static int accept(struct hcvm_lapic *apic, const struct hcvm_irq *irq)
{
	struct hcvm_vcpu *vcpu = apic->vcpu;

	switch (irq->delivery) {
	case HCVM_DM_FIXED:
	case HCVM_DM_LOWEST:
		if (!sw_enabled(apic) || irq->vector < 16)
			return 0;
		if (irq->level) {
			if (!test_and_set_bit(irq->vector & 31,
					      vec_word(apic, APIC_TMR, irq->vector)))
				WRITE_ONCE(apic->tmr_changed, true);
		} else {
			clear_bit(irq->vector & 31, vec_word(apic, APIC_TMR, irq->vector));
		}
		set_bit(irq->vector & 31, vec_word(apic, APIC_IRR, irq->vector));
		hcvm_vcpu_kick(vcpu);
		return 1;
	case HCVM_DM_NMI:
		hcvm_vcpu_post_nmi(vcpu);
		return 1;
	case HCVM_DM_INIT:
		hcvm_vcpu_post_init(vcpu);
		return 1;
	case HCVM_DM_SIPI:
		hcvm_vcpu_post_sipi(vcpu, irq->vector);
		return 1;
	case HCVM_DM_EXTINT:
		hcvm_vcpu_kick(vcpu);	/* the vCPU asks the PIC for the vector */
		return 1;
	default:
		return 0;		/* SMI: no SMM */
	}
}

/* A vCPU's APIC as other CPUs see it: pairs with the release in hcvm_lapic_create(). */
static struct hcvm_lapic *lapic_of(struct hcvm_vm *vm, int i)
{
	struct hcvm_vcpu *v = READ_ONCE(vm->vcpus[i]);

	/* Acquire: a published APIC is seen initialised. */
	return v ? smp_load_acquire(&v->lapic) : NULL;
}

static bool match_logical(struct hcvm_lapic *apic, u32 dest)
{
	u32 ldr = reg(apic, APIC_LDR);

	if (x2apic(apic))	/* cluster in 31:16, a bit per APIC in 15:0 */
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	dest &= 0xff;
	ldr >>= 24;
	if ((reg(apic, APIC_DFR) >> 28) == 0xf)	/* flat */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);	/* cluster */
}

static bool match(struct hcvm_lapic *apic, const struct hcvm_irq *irq)
{
	u32 bcast = x2apic(apic) ? BROADCAST_X2 : BROADCAST_X;

	if (!hw_enabled(apic))
		return false;
	if (irq->logical)
		return (irq->dest & bcast) == bcast || match_logical(apic, irq->dest);
	return (irq->dest & bcast) == bcast || irq->dest == apic_id(apic);
}

/*
 * Deliver to every APIC @irq names but @skip. Lowest priority goes to one of
 * them chosen by the vector (the vector modulo the number that match), as
 * KVM's default "vector hashing" does: the choice is fixed per vector, so a
 * device's interrupts stay on one vCPU while different devices spread out,
 * and it needs no look at other vCPUs' TPRs, which change under us.
 */
static int deliver(struct hcvm_vm *vm, const struct hcvm_irq *irq, struct hcvm_lapic *skip)
{
	struct hcvm_lapic *first = NULL;
	int i, n = 0, pick = -1;

	if (irq->delivery == HCVM_DM_LOWEST) {
		for (i = 0; i < HCVM_MAX_VCPUS; i++) {
			struct hcvm_lapic *apic = lapic_of(vm, i);

			n += apic && apic != skip && match(apic, irq);
		}
		if (!n)
			return 0;
		pick = irq->vector % n;
		n = 0;
	}
	for (i = 0; i < HCVM_MAX_VCPUS; i++) {
		struct hcvm_lapic *apic = lapic_of(vm, i);

		if (!apic || apic == skip || !match(apic, irq))
			continue;
		if (pick > 0) {
			first = first ?: apic;
			pick--;
			continue;
		}
		n += accept(apic, irq);
		if (!pick)
			break;
	}
	/* An APIC stopped matching between the passes: do not lose the message. */
	if (pick > 0 && first)
		n = accept(first, irq);
	return n;
}

int hcvm_lapic_deliver(struct hcvm_vm *vm, const struct hcvm_irq *irq)
{
	return deliver(vm, irq, NULL);
}

/* --- Timer ---------------------------------------------------------------- */

static u32 timer_divide(const struct hcvm_lapic *apic)
{
	u32 d = reg(apic, APIC_TDCR);

	return 1u << ((((d & 3) | ((d & 8) >> 1)) + 1) & 7);
}

static void timer_fire(struct hcvm_lapic *apic)
{
	u32 lvt = reg(apic, APIC_LVTT);
	struct hcvm_irq irq = { .vector = lvt & 0xff, .delivery = HCVM_DM_FIXED };

	if (!(lvt & LVT_MASKED))
		accept(apic, &irq);
}

static enum hrtimer_restart timer_expired(struct hrtimer *t)
{
	struct hcvm_lapic *apic = container_of(t, struct hcvm_lapic, timer);

	timer_fire(apic);
	if (LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_PERIODIC && apic->period) {
		/*
		 * Periods the host was too busy to fire on are merged into
		 * this one: a host slower than the period must not spend all
		 * its time in this callback (an interrupt storm a guest asked for).
		 */
		apic->timer_start += apic->period *
				     hrtimer_forward_now(t, ns_to_ktime(apic->period));
		return HRTIMER_RESTART;
	}
	if (LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_TSCDEADLINE)
		apic->tsc_deadline = 0;
	else
		apic->period = 0;
	return HRTIMER_NORESTART;
}

/* Guests with many timer interrupts set short periods: bound them as KVM does. */
#define MIN_PERIOD_NS	200000

/*
 * Count down from TMICT, or from @cur (0: a full count) when restoring a
 * saved state: the first expiry comes after the remaining count, the next
 * periods are whole.
 */
static void timer_start_count(struct hcvm_lapic *apic, u32 cur)
{
	u64 count = reg(apic, APIC_TMICT), left;

	hrtimer_cancel(&apic->timer);
	apic->period = 0;
	if (!count || LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_TSCDEADLINE)
		return;
	apic->period = count * timer_divide(apic);
	if (LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_PERIODIC)
		apic->period = max_t(u64, apic->period, MIN_PERIOD_NS);
	left = cur && cur <= count ? (u64)cur * timer_divide(apic) : apic->period;
	left = min(left, apic->period);
	apic->timer_start = ktime_get_ns() - (apic->period - left);
	hrtimer_start(&apic->timer, ns_to_ktime(apic->timer_start + apic->period),
		      HRTIMER_MODE_ABS_HARD);
}

static u32 timer_current_count(struct hcvm_lapic *apic)
{
	u64 now = ktime_get_ns(), elapsed;

	if (!apic->period || LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_TSCDEADLINE)
		return 0;
	elapsed = now - apic->timer_start;
	if (elapsed >= apic->period)
		return 0;
	return div_u64(apic->period - elapsed, timer_divide(apic));
}

static u64 guest_tsc(void)
{
	return rdtsc() + vmcs_read(TSC_OFFSET);
}

static void timer_set_deadline(struct hcvm_lapic *apic, u64 deadline)
{
	u64 now, delta_ns = 0;

	/* Outside TSC-deadline mode the MSR is ignored (SDM; KVM too). */
	if (LVT_TIMER_MODE(reg(apic, APIC_LVTT)) != TIMER_TSCDEADLINE)
		return;
	hrtimer_cancel(&apic->timer);
	apic->tsc_deadline = deadline;
	if (!deadline)
		return;
	now = guest_tsc();
	if (deadline > now && tsc_khz)
		delta_ns = mul_u64_u32_div(deadline - now, NSEC_PER_MSEC, tsc_khz);
	if (!delta_ns) {
		apic->tsc_deadline = 0;
		timer_fire(apic);
		return;
	}
	hrtimer_start(&apic->timer, ktime_add_ns(ktime_get(), delta_ns), HRTIMER_MODE_ABS_HARD);
}

/* --- Registers ------------------------------------------------------------ */

void hcvm_lapic_eoi_done(struct hcvm_lapic *apic, int vector)
{
	if (vec_test(apic, APIC_TMR, vector))
		hcvm_irqchip_eoi(apic->vcpu->vm, vector);
}

static void eoi(struct hcvm_lapic *apic)
{
	int vec = vec_highest(apic, APIC_ISR);

	if (vec < 0)
		return;
	clear_bit(vec & 31, vec_word(apic, APIC_ISR, vec));
	update_ppr(apic);
	hcvm_lapic_eoi_done(apic, vec);
}

static void send_ipi(struct hcvm_lapic *apic, u32 low, u32 dest)
{
	struct hcvm_irq irq = {
		.dest = dest, .vector = low & 0xff, .delivery = GET_APIC_DELIVERY_MODE(low),
		.logical = low & APIC_DEST_LOGICAL, .level = low & APIC_INT_LEVELTRIG,
	};
	struct hcvm_vm *vm = apic->vcpu->vm;

	/* INIT level de-assert: a no-op on every APIC since the Pentium 4. */
	if (irq.delivery == HCVM_DM_INIT && irq.level && !(low & ICR_LEVEL_ASSERT))
		return;
	switch (ICR_SHORTHAND(low)) {
	case 0:
		deliver(vm, &irq, NULL);
		return;
	case 1:		/* self */
		accept(apic, &irq);
		return;
	default:	/* all including self (2) or all excluding self (3) */
		irq.dest = BROADCAST_X2;
		irq.logical = false;
		if (irq.delivery == HCVM_DM_LOWEST)
			irq.delivery = HCVM_DM_FIXED;	/* a shorthand takes every APIC */
		deliver(vm, &irq, ICR_SHORTHAND(low) == 3 ? apic : NULL);
	}
}

static void set_lvt(struct hcvm_lapic *apic, unsigned int off, u32 v)
{
	static const u32 writable = 0x1f7ff;	/* vector, mode, polarity, trigger, mask */
	u32 mask = writable;

	if (off == APIC_LVTT)
		mask = 0x700ff | (3 << 17);	/* vector, mask, timer mode */
	else if (off == APIC_LVTERR)
		mask = 0x100ff;
	if (!sw_enabled(apic))
		v |= LVT_MASKED;
	set_reg(apic, off, v & mask);
}

static bool is_lvt(unsigned int off)
{
	return off == APIC_LVTCMCI || (off >= APIC_LVTT && off <= APIC_LVTERR);
}

/* A register write; -EINVAL for a reserved register or value (x2APIC: #GP). */
static int write_reg(struct hcvm_lapic *apic, unsigned int off, u32 v)
{
	u32 old;
	int i;

	switch (off) {
	case APIC_ID:
		if (x2apic(apic))
			return -EINVAL;
		set_reg(apic, APIC_ID, v & 0xff000000);
		break;
	case APIC_TASKPRI:
		set_reg(apic, APIC_TASKPRI, v & 0xff);
		update_ppr(apic);
		break;
	case APIC_EOI:
		eoi(apic);
		break;
	case APIC_LDR:
		if (x2apic(apic))
			return -EINVAL;
		set_reg(apic, APIC_LDR, v & 0xff000000);
		break;
	case APIC_DFR:
		if (x2apic(apic))
			return -EINVAL;
		set_reg(apic, APIC_DFR, v | 0x0fffffff);
		break;
	case APIC_SPIV:
		old = apic->spiv;
		set_reg(apic, APIC_SPIV, v & 0x13ff);
		apic->spiv = v & 0x13ff;
		if ((old & APIC_SPIV_APIC_ENABLED) && !(v & APIC_SPIV_APIC_ENABLED))
			for (i = APIC_LVTT; i <= APIC_LVTERR; i += 0x10)
				set_reg(apic, i, reg(apic, i) | LVT_MASKED);
		break;
	case APIC_ESR:
		set_reg(apic, APIC_ESR, 0);
		break;
	case APIC_ICR:
		set_reg(apic, APIC_ICR, v & ~APIC_ICR_BUSY);
		send_ipi(apic, v, x2apic(apic) ? reg(apic, APIC_ICR2) :
			 reg(apic, APIC_ICR2) >> 24);
		break;
	case APIC_ICR2:
		if (x2apic(apic))
			return -EINVAL;
		set_reg(apic, APIC_ICR2, v & 0xff000000);
		break;
	case APIC_LVTT:
		old = apic->lvtt;
		set_lvt(apic, off, v);
		apic->lvtt = reg(apic, APIC_LVTT);
		if (LVT_TIMER_MODE(old) != LVT_TIMER_MODE(v)) {
			hrtimer_cancel(&apic->timer);
			apic->period = 0;
			apic->tsc_deadline = 0;
			set_reg(apic, APIC_TMICT, 0);
		}
		break;
	case APIC_TMICT:
		if (LVT_TIMER_MODE(reg(apic, APIC_LVTT)) == TIMER_TSCDEADLINE) {
			set_reg(apic, APIC_TMICT, 0);	/* ignored (an APIC-write left it there) */
			break;
		}
		set_reg(apic, APIC_TMICT, v);
		timer_start_count(apic, 0);
		break;
	case APIC_TDCR:
		set_reg(apic, APIC_TDCR, v & 0xb);
		break;
	case APIC_SELF_IPI:
		if (!x2apic(apic))
			return -EINVAL;
		write_reg(apic, APIC_ICR, APIC_DEST_SELF | (v & 0xff));
		break;
	default:
		if (is_lvt(off)) {
			set_lvt(apic, off, v);
			break;
		}
		return -EINVAL;	/* read-only or reserved */
	}
	return 0;
}

/* A register read; -EINVAL for a reserved or write-only register. */
static int read_reg(struct hcvm_lapic *apic, unsigned int off, u32 *v)
{
	switch (off) {
	case APIC_TMCCT:
		*v = timer_current_count(apic);
		return 0;
	case APIC_EOI:
	case APIC_SELF_IPI:
		return -EINVAL;
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_TMICT: case APIC_TDCR:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		break;
	case APIC_DFR: case APIC_ICR2:
		if (x2apic(apic))
			return -EINVAL;
		break;
	default:
		if (!is_lvt(off))
			return -EINVAL;
	}
	*v = reg(apic, off);
	return 0;
}

void hcvm_lapic_apic_write(struct hcvm_lapic *apic, unsigned int off)
{
	off &= 0xff0;
	if (off < KVM_APIC_REG_SIZE)
		write_reg(apic, off, reg(apic, off));
}

u64 hcvm_lapic_xapic_base(const struct hcvm_lapic *apic)
{
	return hw_enabled(apic) && !x2apic(apic) ? apic->base_msr & PAGE_MASK : 0;
}

bool hcvm_lapic_mmio(struct hcvm_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *data)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	unsigned int off;
	u32 v = 0;

	if (!apic || !hw_enabled(apic) || x2apic(apic) ||
	    (gpa & PAGE_MASK) != (apic->base_msr & PAGE_MASK))
		return false;
	off = gpa & ~PAGE_MASK;
	/* Registers are 32 bits at 16-byte strides; other accesses read 0, write nothing. */
	if (len != 4 || (off & 0xf) || off >= KVM_APIC_REG_SIZE) {
		if (!write)
			*data = 0;
		return true;
	}
	if (write)
		write_reg(apic, off, *data);
	else
		*data = read_reg(apic, off, &v) ? 0 : v;
	return true;
}

static int set_base(struct hcvm_lapic *apic, u64 v, bool from_user)
{
	u64 old = apic->base_msr;
	u64 rsvd = ~(GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 12) | BASE_BSP |
		     BASE_EXTD | BASE_ENABLE);

	if (v & rsvd)
		return -EINVAL;
	/* x2APIC needs the APIC on; x2APIC to xAPIC only through disabled. */
	if ((v & (BASE_EXTD | BASE_ENABLE)) == BASE_EXTD)
		return -EINVAL;
	if (!from_user && (old & BASE_EXTD) && (v & BASE_ENABLE) && !(v & BASE_EXTD))
		return -EINVAL;
	if (!from_user)
		v = (v & ~BASE_BSP) | (old & BASE_BSP);
	apic->base_msr = v;
	if ((v ^ old) & BASE_EXTD && (v & BASE_EXTD)) {
		u32 id = apic->vcpu->id;

		set_reg(apic, APIC_ID, id);
		set_reg(apic, APIC_LDR, x2apic_ldr(id));
	} else if ((v ^ old) & BASE_ENABLE && !(v & BASE_ENABLE)) {
		hcvm_lapic_reset(apic, true);
		apic->base_msr = v & ~BASE_EXTD;
	}
	return 0;
}

int hcvm_lapic_get_msr(struct hcvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	u32 v, hi = 0;

	if (!apic)
		return -ENOENT;
	if (index == MSR_IA32_APICBASE) {
		*data = apic->base_msr;
		return 0;
	}
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = apic->tsc_deadline;
		return 0;
	}
	if (index < X2APIC_MSR_FIRST || index > X2APIC_MSR_LAST)
		return -ENOENT;
	if (!x2apic(apic) || read_reg(apic, (index - X2APIC_MSR_FIRST) << 4, &v))
		return -EINVAL;
	if (index == X2APIC_MSR_FIRST + (APIC_ICR >> 4))
		hi = reg(apic, APIC_ICR2);
	*data = (u64)hi << 32 | v;
	return 0;
}

int hcvm_lapic_set_msr(struct hcvm_vcpu *vcpu, u32 index, u64 data, bool from_user)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	unsigned int off = (index - X2APIC_MSR_FIRST) << 4;

	if (!apic)
		return -ENOENT;
	if (index == MSR_IA32_APICBASE)
		return set_base(apic, data, from_user);
	if (index == MSR_IA32_TSC_DEADLINE) {
		timer_set_deadline(apic, data);
		return 0;
	}
	if (index < X2APIC_MSR_FIRST || index > X2APIC_MSR_LAST)
		return -ENOENT;
	if (!x2apic(apic))
		return -EINVAL;
	/* Only ICR is 64 bits wide; the others have reserved upper halves. */
	if (off == APIC_ICR)
		set_reg(apic, APIC_ICR2, data >> 32);
	else if (data >> 32)
		return -EINVAL;
	if (off == APIC_EOI && data)
		return -EINVAL;
	return write_reg(apic, off, data);
}

u64 hcvm_lapic_get_cr8(struct hcvm_vcpu *vcpu)
{
	return (reg(vcpu->lapic, APIC_TASKPRI) >> 4) & 0xf;
}

void hcvm_lapic_set_cr8(struct hcvm_vcpu *vcpu, u64 cr8)
{
	write_reg(vcpu->lapic, APIC_TASKPRI, (cr8 & 0xf) << 4);
}

/* --- Life cycle and state -------------------------------------------------- */

void hcvm_lapic_reset(struct hcvm_lapic *apic, bool init)
{
	struct hcvm_vcpu *vcpu = apic->vcpu;
	u32 id = init ? reg(apic, APIC_ID) : vcpu->id << 24;
	int i;

	hrtimer_cancel(&apic->timer);
	apic->period = 0;
	apic->tsc_deadline = 0;
	memset(apic->regs, 0, KVM_APIC_REG_SIZE);
	WRITE_ONCE(apic->tmr_changed, true);
	if (!init)
		apic->base_msr = HCVM_APIC_BASE_DEFAULT | BASE_ENABLE | (vcpu->id ? 0 : BASE_BSP);
	set_reg(apic, APIC_ID, x2apic(apic) ? vcpu->id : id);
	if (x2apic(apic))
		set_reg(apic, APIC_LDR, x2apic_ldr(vcpu->id));
	set_reg(apic, APIC_LVR, APIC_VERSION | (APIC_LVT_COUNT - 1) << 16);
	set_reg(apic, APIC_DFR, 0xffffffff);
	set_reg(apic, APIC_SPIV, 0xff);
	for (i = APIC_LVTT; i <= APIC_LVTERR; i += 0x10)
		set_reg(apic, i, LVT_MASKED);
	set_reg(apic, APIC_LVTCMCI, LVT_MASKED);
	/* The BSP's LINT0 passes the PIC through, so legacy guests get interrupts. */
	if (!vcpu->id)
		set_reg(apic, APIC_LVT0, SET_APIC_DELIVERY_MODE(0, HCVM_DM_EXTINT));
	apic->lvtt = reg(apic, APIC_LVTT);
	apic->spiv = reg(apic, APIC_SPIV);
}

int hcvm_lapic_create(struct hcvm_vcpu *vcpu)
{
	struct hcvm_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	apic->regs = (u32 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!apic->regs) {
		kfree(apic);
		return -ENOMEM;
	}
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = timer_expired;
	hcvm_lapic_reset(apic, false);
	/* Release: deliveries from other CPUs find the APIC only once it is whole. */
	smp_store_release(&vcpu->lapic, apic);
	return 0;
}

void hcvm_lapic_stop(struct hcvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		hrtimer_cancel(&vcpu->lapic->timer);
}

void hcvm_lapic_destroy(struct hcvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	hrtimer_cancel(&vcpu->lapic->timer);
	free_page((unsigned long)vcpu->lapic->regs);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}

int hcvm_lapic_get_state(struct hcvm_vcpu *vcpu, struct kvm_lapic_state *s)
{
	struct hcvm_lapic *apic = vcpu->lapic;

	if (!apic)
		return -ENXIO;
	memcpy(s->regs, apic->regs, KVM_APIC_REG_SIZE);
	/* The current count is computed, not stored. */
	((u32 *)s->regs)[APIC_TMCCT >> 2] = timer_current_count(apic);
	return 0;
}

int hcvm_lapic_set_state(struct hcvm_vcpu *vcpu, const struct kvm_lapic_state *s)
{
	struct hcvm_lapic *apic = vcpu->lapic;
	const u32 *r = (const u32 *)s->regs;
	u32 id = x2apic(apic) ? vcpu->id : vcpu->id << 24;

	if (!apic)
		return -ENXIO;
	/* The ID is the vCPU's (KVM allows changing it; hcvm routes by vCPU id). */
	if (r[APIC_ID >> 2] != id)
		return -EINVAL;
	hrtimer_cancel(&apic->timer);
	memcpy(apic->regs, s->regs, KVM_APIC_REG_SIZE);
	set_reg(apic, APIC_TMCCT, 0);	/* computed on read, never stored */
	apic->lvtt = reg(apic, APIC_LVTT);
	apic->spiv = reg(apic, APIC_SPIV);
	set_reg(apic, APIC_LVR, APIC_VERSION | (APIC_LVT_COUNT - 1) << 16);
	update_ppr(apic);
	WRITE_ONCE(apic->tmr_changed, true);
	apic->tsc_deadline = 0;
	/* As KVM does: the saved current count is what is left of this period. */
	timer_start_count(apic, r[APIC_TMCCT >> 2]);
	return 0;
}
