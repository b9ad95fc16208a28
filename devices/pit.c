// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 PIT, computed from time rather than ticked: a counter's value and
 * OUT follow from the clocks elapsed since its count was loaded, per mode.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "pit.h"

#define PIT_NS_PER_SEC		1000000000ULL
#define PIT_REFRESH_NS		15085	/* port 0x61 bit 4 half period (DRAM refresh) */
#define PIT_NOT_LOADED_AHEAD	(1ULL << 62)

/* Whole PIT clocks in @ns: floor(ns * HZ / 1e9) without overflowing. */
static u64 ns_to_ticks(u64 ns)
{
	return ns / PIT_NS_PER_SEC * HCVM_PIT_HZ + ns % PIT_NS_PER_SEC * HCVM_PIT_HZ / PIT_NS_PER_SEC;
}

/* The first ns at which ns_to_ticks() reaches @ticks. */
static u64 ticks_to_ns(u64 ticks)
{
	return ticks / HCVM_PIT_HZ * PIT_NS_PER_SEC +
	       (ticks % HCVM_PIT_HZ * PIT_NS_PER_SEC + HCVM_PIT_HZ - 1) / HCVM_PIT_HZ;
}

static u32 ch_modulus(const struct hcvm_pit_channel *c)
{
	return c->bcd ? 10000 : 0x10000;
}

/* Modes 0, 2, 3 and 4 stop counting while the gate is low; 1 and 5 do not. */
static bool ch_paused(const struct hcvm_pit_channel *c)
{
	return !c->gate && c->mode != 1 && c->mode != 5;
}

static u64 ch_elapsed(const struct hcvm_pit_channel *c, u64 now)
{
	u64 t = ch_paused(c) ? c->gate_low_time : now;
	__s64 diff = (__s64)(t - c->load_time);

	return diff > 0 ? ns_to_ticks(diff) : 0;
}

/* The counting element, 1..modulus (the modulus reads as 0). */
static u32 ch_value(const struct hcvm_pit_channel *c, u64 now)
{
	u32 n = c->count, m = ch_modulus(c), half = (n + 1) / 2, ph;
	u64 d;

	if (!c->counting)
		return n;
	d = ch_elapsed(c, now);
	switch (c->mode) {
	case 2:
		return n - d % n;
	case 3:
		/* Twice a clock; an odd count spends one extra clock high. */
		ph = d % n;
		if (ph < half)
			return !ph ? n : (n & 1 ? n + 1 : n) - 2 * ph;
		ph -= half;
		return !ph ? n : (n & 1 ? n - 1 : n) - 2 * ph;
	default:
		/* Modes 0, 1, 4, 5 count down and wrap past terminal count. */
		return (n + m - d % m) % m;
	}
}

static bool ch_out(const struct hcvm_pit_channel *c, u64 now)
{
	u32 n = c->count;
	u64 d;

	if (!c->counting)
		return c->mode != 0;
	d = ch_elapsed(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return !c->gate || d % n != n - 1;
	case 3:
		return !c->gate || d % n < (n + 1) / 2;
	default:
		/* Modes 4, 5: one clock low at terminal count. */
		return d != n;
	}
}

static u16 to_bcd(u32 v)
{
	return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
}

static u32 from_bcd(u32 v)
{
	return ((v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 + (v & 0xf))
	       % 10000;
}

/* What a read of the counter shows: 16 bits, or 4 BCD digits. */
static u16 ch_read_count(const struct hcvm_pit_channel *c, u64 now)
{
	u32 v = ch_value(c, now) % ch_modulus(c);

	return c->bcd ? to_bcd(v) : v;
}

static void ch_load(struct hcvm_pit_channel *c, u32 v, u64 now)
{
	if (c->bcd)
		v = from_bcd(v);
	if (!v)
		v = ch_modulus(c);
	c->count = v;
	c->load_time = now;
	c->gate_low_time = now;		/* a pause, if the gate is low, starts now */
	/* Modes 1 and 5 wait for a rising gate. */
	c->counting = c->mode != 1 && c->mode != 5;
}

static void ch_write(struct hcvm_pit_channel *c, u8 val, u64 now)
{
	switch (c->write_state) {
	case HCVM_PIT_RW_LSB:
		ch_load(c, val, now);
		break;
	case HCVM_PIT_RW_MSB:
		ch_load(c, (u32)val << 8, now);
		break;
	case HCVM_PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = HCVM_PIT_RW_WORD1;
		/* Mode 0: the first byte stops the count and drops OUT. */
		if (c->mode == 0)
			c->counting = false;
		break;
	default:
		ch_load(c, c->write_latch | (u32)val << 8, now);
		c->write_state = HCVM_PIT_RW_WORD0;
		break;
	}
}

static u8 ch_read(struct hcvm_pit_channel *c, u64 now)
{
	u16 v;

	/* A latched status is read before a latched count. */
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case HCVM_PIT_RW_LSB:
			c->count_latched = 0;
			return v & 0xff;
		case HCVM_PIT_RW_MSB:
			c->count_latched = 0;
			return v >> 8;
		case HCVM_PIT_RW_WORD0:
			c->count_latched = HCVM_PIT_RW_WORD1;
			return v & 0xff;
		default:
			c->count_latched = 0;
			return v >> 8;
		}
	}
	v = ch_read_count(c, now);
	switch (c->read_state) {
	case HCVM_PIT_RW_LSB:
		return v & 0xff;
	case HCVM_PIT_RW_MSB:
		return v >> 8;
	case HCVM_PIT_RW_WORD0:
		c->read_state = HCVM_PIT_RW_WORD1;
		return v & 0xff;
	default:
		c->read_state = HCVM_PIT_RW_WORD0;
		return v >> 8;
	}
}

/* A second latch before the first is read is ignored. */
static void ch_latch_count(struct hcvm_pit_channel *c, u64 now)
{
	if (c->count_latched)
		return;
	c->latched_count = ch_read_count(c, now);
	c->count_latched = c->rw_mode;
}

static void ch_latch_status(struct hcvm_pit_channel *c, u64 now)
{
	/* Null count: the count register holds a value not yet counting. */
	bool null = !c->counting || c->write_state == HCVM_PIT_RW_WORD1;

	if (c->status_latched)
		return;
	c->status = ch_out(c, now) << 7 | null << 6 | c->rw_mode << 4 | c->mode << 1 | c->bcd;
	c->status_latched = 1;
}

static void pit_control(struct hcvm_pit *pit, u8 val, u64 now)
{
	struct hcvm_pit_channel *c;
	unsigned int i, rw, mode;

	if (val >> 6 == 3) {
		/* Read-back: bit 5 clear latches counts, bit 4 clear statuses. */
		for (i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x20))
				ch_latch_count(&pit->ch[i], now);
			if (!(val & 0x10))
				ch_latch_status(&pit->ch[i], now);
		}
		return;
	}
	c = &pit->ch[val >> 6];
	rw = (val >> 4) & 3;
	if (!rw) {
		ch_latch_count(c, now);
		return;
	}
	mode = (val >> 1) & 7;
	if (mode > 5)
		mode -= 4;	/* 6 and 7 are 2 and 3 */
	/* A control word resets the channel's logic: it waits for a count. */
	c->rw_mode = rw;
	c->read_state = rw;
	c->write_state = rw;
	c->mode = mode;
	c->bcd = val & 1;
	c->counting = false;
	c->count_latched = 0;
	c->status_latched = 0;
}

static void ch_set_gate(struct hcvm_pit_channel *c, bool gate, u64 now)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		c->gate_low_time = now;
		return;
	}
	switch (c->mode) {
	case 0:
	case 4:
		/* Resume where the count stopped. */
		if (c->counting)
			c->load_time += now - c->gate_low_time;
		break;
	case 2:
	case 3:
		/* Reload: the period restarts. */
		if (c->counting)
			c->load_time = now;
		break;
	default:
		/* Modes 1, 5: the trigger (re)starts the count. */
		c->counting = true;
		c->load_time = now;
		break;
	}
}

void hcvm_pit_reset(struct hcvm_pit *pit, u64 now_ns)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		pit->ch[i] = (struct hcvm_pit_channel){
			.count = 0x10000,
			.rw_mode = 3,
			.read_state = HCVM_PIT_RW_WORD0,
			.write_state = HCVM_PIT_RW_WORD0,
			.gate = i != 2,
			.load_time = now_ns,
			.gate_low_time = now_ns,
		};
	}
	pit->flags = 0;
	pit->port61 = 0;
}

bool hcvm_pit_io(struct hcvm_pit *pit, u16 port, bool write, u8 *val, u64 now_ns)
{
	struct hcvm_pit_channel *c2 = &pit->ch[2];

	if (port == HCVM_PIT_PORT_SPEAKER) {
		if (write) {
			pit->port61 = *val & 0x0f;
			ch_set_gate(c2, *val & HCVM_PIT_61_GATE2, now_ns);
		} else {
			*val = (pit->port61 & 0x0f) |
			       (now_ns / PIT_REFRESH_NS & 1 ? HCVM_PIT_61_REFRESH : 0) |
			       (ch_out(c2, now_ns) ? HCVM_PIT_61_OUT2 : 0);
		}
		return true;
	}
	if (port < HCVM_PIT_PORT_BASE || port > HCVM_PIT_PORT_CONTROL)
		return false;
	if (port == HCVM_PIT_PORT_CONTROL) {
		if (write)
			pit_control(pit, *val, now_ns);
		else
			*val = 0xff;	/* the control word register is write-only */
		return true;
	}
	if (write)
		ch_write(&pit->ch[port - HCVM_PIT_PORT_BASE], *val, now_ns);
	else
		*val = ch_read(&pit->ch[port - HCVM_PIT_PORT_BASE], now_ns);
	return true;
}

u64 hcvm_pit_irq0_next(const struct hcvm_pit *pit, u64 now_ns)
{
	const struct hcvm_pit_channel *c = &pit->ch[0];
	u64 n = c->count, edge, k;

	if (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY || !c->counting || ch_paused(c))
		return 0;
	switch (c->mode) {
	case 2:
	case 3:
		/* OUT rises when the count reloads, every @n clocks. */
		if (n < 2)
			return 0;
		k = ch_elapsed(c, now_ns) / n + 1;
		return c->load_time + ticks_to_ns(k * n);
	case 0:
	case 1:
		edge = c->load_time + ticks_to_ns(n);
		break;
	default:
		/* Modes 4, 5: OUT rises after its one low clock. */
		edge = c->load_time + ticks_to_ns(n + 1);
		break;
	}
	return (__s64)(edge - now_ns) > 0 ? edge : 0;
}

u64 hcvm_pit_irq0_period(const struct hcvm_pit *pit)
{
	const struct hcvm_pit_channel *c = &pit->ch[0];

	if (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY || !c->counting || c->count < 2 ||
	    (c->mode != 2 && c->mode != 3))
		return 0;
	return (c->count * PIT_NS_PER_SEC + HCVM_PIT_HZ / 2) / HCVM_PIT_HZ;
}

u16 hcvm_pit_read_count(const struct hcvm_pit *pit, unsigned int channel, u64 now_ns)
{
	return channel < 3 ? ch_read_count(&pit->ch[channel], now_ns) : 0;
}

bool hcvm_pit_output(const struct hcvm_pit *pit, unsigned int channel, u64 now_ns)
{
	return channel < 3 && ch_out(&pit->ch[channel], now_ns);
}

void hcvm_pit_get_state(const struct hcvm_pit *pit, struct kvm_pit_state2 *s, u64 now_ns)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const struct hcvm_pit_channel *c = &pit->ch[i];
		struct kvm_pit_channel_state *k = &s->channels[i];
		u64 load = c->load_time;

		if (c->counting && ch_paused(c))
			load += now_ns - c->gate_low_time;
		*k = (struct kvm_pit_channel_state){
			.count = c->count,
			.latched_count = c->latched_count,
			.count_latched = c->count_latched,
			.status_latched = c->status_latched,
			.status = c->status,
			.read_state = c->read_state,
			.write_state = c->write_state,
			.write_latch = c->write_latch,
			.rw_mode = c->rw_mode,
			.mode = c->mode,
			.bcd = c->bcd,
			.gate = c->gate,
			.count_load_time = c->counting ? (__s64)load : HCVM_PIT_NOT_LOADED,
		};
	}
	s->flags = (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY) |
		   (pit->port61 & HCVM_PIT_61_SPEAKER ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0);
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		s->reserved[i] = 0;
}

static bool rw_state_ok(u8 rw_mode, u8 state)
{
	return rw_mode == 3 ? state == HCVM_PIT_RW_WORD0 || state == HCVM_PIT_RW_WORD1 :
			      state == rw_mode;
}

int hcvm_pit_set_state(struct hcvm_pit *pit, const struct kvm_pit_state2 *s, u64 now_ns)
{
	unsigned int i;

	if (s->flags & ~(KVM_PIT_FLAGS_HPET_LEGACY | KVM_PIT_FLAGS_SPEAKER_DATA_ON))
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *k = &s->channels[i];

		if (k->mode > 5 || k->rw_mode < 1 || k->rw_mode > 3 ||
		    !rw_state_ok(k->rw_mode, k->read_state) ||
		    !rw_state_ok(k->rw_mode, k->write_state) || k->count_latched > 4 ||
		    k->count < 1 || k->count > (k->bcd ? 10000 : 0x10000) ||
		    k->bcd > 1 || k->gate > 1 || k->status_latched > 1)
			return -EINVAL;
	}
	for (i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *k = &s->channels[i];
		struct hcvm_pit_channel *c = &pit->ch[i];
		u64 load = k->count_load_time;

		*c = (struct hcvm_pit_channel){
			.count = k->count,
			.latched_count = k->latched_count,
			.count_latched = k->count_latched,
			.status_latched = k->status_latched,
			.status = k->status,
			.read_state = k->read_state,
			.write_state = k->write_state,
			.write_latch = k->write_latch,
			.rw_mode = k->rw_mode,
			.mode = k->mode,
			.bcd = k->bcd,
			.gate = k->gate,
			/* Centuries ahead: HCVM_PIT_NOT_LOADED, whatever offset was applied. */
			.counting = (__s64)(load - now_ns) <= (__s64)PIT_NOT_LOADED_AHEAD,
			.load_time = load,
			.gate_low_time = now_ns,
		};
	}
	pit->flags = s->flags & KVM_PIT_FLAGS_HPET_LEGACY;
	pit->port61 = (pit->port61 & 0x0c) | (pit->ch[2].gate ? HCVM_PIT_61_GATE2 : 0) |
		      (s->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON ? HCVM_PIT_61_SPEAKER : 0);
	return 0;
}
