/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8254 PIT (ports 0x40-0x43, 1.193182 MHz) and the port 0x61 bits that
 * gate channel 2 and read its output, as a pure state machine. Nothing ticks:
 * every entry point takes the caller's clock @now_ns and a counter's value
 * and output are computed from the time its count was loaded, so the kernel
 * glue only arms an hrtimer at hcvm_pit_irq0_next() and raises IRQ0 there.
 * struct kvm_pit_state2 is kept for KVM_GET/SET_PIT2, with count_load_time
 * on the same clock as @now_ns. Pure (no kernel calls) so host unit tests run it.
 *
 * Simplifications: a count takes effect on the write (no one-clock load
 * delay); in modes 2 and 3 a new count restarts the period at once instead
 * of at the end of the current one, and in modes 1 and 5 it ends a running
 * one-shot and waits for the next trigger; a gate trigger in mode 1 or 5
 * starts whatever count the register holds. Channels 0 and 1 have their gate
 * tied high, as on a PC, unless set_state says otherwise.
 *
 * No locking inside: the caller serializes every call on a VM's PIT (the
 * per-VM irqchip spinlock). There are no callbacks.
 */
#ifndef HCVM_DEVICES_PIT_H
#define HCVM_DEVICES_PIT_H

#include <linux/types.h>
#include <linux/kvm.h>

#define HCVM_PIT_HZ		1193182ULL
#define HCVM_PIT_PORT_BASE	0x40	/* 0x40-0x42 counters, 0x43 control word */
#define HCVM_PIT_PORT_CONTROL	0x43
#define HCVM_PIT_PORT_SPEAKER	0x61	/* NMI status and control (PIIX NMISC) */

/* Port 0x61 bits. */
#define HCVM_PIT_61_GATE2	0x01
#define HCVM_PIT_61_SPEAKER	0x02
#define HCVM_PIT_61_REFRESH	0x10	/* toggles every 15.085 us */
#define HCVM_PIT_61_OUT2	0x20

/* Read/write states, as struct kvm_pit_channel_state encodes them. */
#define HCVM_PIT_RW_LSB		1
#define HCVM_PIT_RW_MSB		2
#define HCVM_PIT_RW_WORD0	3	/* lohi, low byte next */
#define HCVM_PIT_RW_WORD1	4	/* lohi, high byte next */

/*
 * count_load_time of a channel whose count is not counting (control word
 * written but no count yet, or mode 1/5 not yet triggered): set_state takes
 * any time more than 2^62 ns ahead of @now_ns to mean the same.
 */
#define HCVM_PIT_NOT_LOADED	((__s64)(~0ULL >> 1))

struct hcvm_pit_channel {
	u32 count;		/* reload value in clocks: 1..0x10000 (10000 in BCD) */
	u16 latched_count;
	u8 count_latched;	/* 0, or the HCVM_PIT_RW_* state the latch is read in */
	u8 status_latched;
	u8 status;
	u8 read_state;		/* HCVM_PIT_RW_* */
	u8 write_state;
	u8 write_latch;		/* lohi: the low byte already written */
	u8 rw_mode;		/* 1 lobyte, 2 hibyte, 3 lohi */
	u8 mode;		/* 0..5 */
	u8 bcd;
	u8 gate;
	bool counting;		/* a count is loaded and (modes 1, 5: was triggered) */
	u64 load_time;		/* ns: counting started (moved on by a gate pause) */
	u64 gate_low_time;	/* ns: when the gate fell (modes 0, 2, 3, 4 pause) */
};

struct hcvm_pit {
	struct hcvm_pit_channel ch[3];
	u32 flags;		/* KVM_PIT_FLAGS_HPET_LEGACY: channel 0 raises no IRQ0 */
	u8 port61;		/* bits 3:0 as written: gate 2, speaker, NMI enables */
};

/* Power-on: every channel mode 0, lohi, binary, no count; gates 0/1 high, 2 low. */
void hcvm_pit_reset(struct hcvm_pit *pit, u64 now_ns);

/*
 * One-byte IN (!@write) or OUT at @port (0x40-0x43 or 0x61); false if the port
 * is not the PIT's. After a write the glue re-arms from hcvm_pit_irq0_next().
 */
bool hcvm_pit_io(struct hcvm_pit *pit, u16 port, bool write, u8 *val, u64 now_ns);

/*
 * The absolute time (ns) of the first rising edge of channel 0's output
 * strictly after @now_ns, or 0 if there is none to come (one-shot already
 * fired, no count, gate low, HPET legacy mode). A periodic timer's glue
 * should pass the expiry it armed, not a late "now", to get the next edge;
 * tiny periods (count 1 or 2) are the glue's to clamp.
 */
u64 hcvm_pit_irq0_next(const struct hcvm_pit *pit, u64 now_ns);

/* Channel 0's period in ns for modes 2 and 3, 0 for one-shot modes or no IRQ0. */
u64 hcvm_pit_irq0_period(const struct hcvm_pit *pit);

/* A channel's current counter value and output, as the hardware would show them. */
u16 hcvm_pit_read_count(const struct hcvm_pit *pit, unsigned int channel, u64 now_ns);
bool hcvm_pit_output(const struct hcvm_pit *pit, unsigned int channel, u64 now_ns);

/*
 * KVM_GET_PIT2 / KVM_SET_PIT2. flags carries KVM_PIT_FLAGS_HPET_LEGACY and
 * KVM_PIT_FLAGS_SPEAKER_DATA_ON (port 0x61 bit 1); channel 2's gate is port
 * 0x61 bit 0. A paused channel's count_load_time is reported as if it had
 * been loaded later by the pause so far. Set refuses (-EINVAL, nothing
 * changed) unknown flags, mode > 5, rw_mode outside 1..3, read/write states
 * outside 1..4 or not matching rw_mode, count_latched > 4, count outside
 * 1..0x10000 (1..10000 BCD), and bcd, gate or status_latched other than 0/1.
 */
void hcvm_pit_get_state(const struct hcvm_pit *pit, struct kvm_pit_state2 *s, u64 now_ns);
int hcvm_pit_set_state(struct hcvm_pit *pit, const struct kvm_pit_state2 *s, u64 now_ns);

#endif
