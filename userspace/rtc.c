// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>
#include "devices.h"

enum {
	SEC = 0x00, MIN = 0x02, HOUR = 0x04, WDAY = 0x06, MDAY = 0x07, MON = 0x08, YEAR = 0x09,
	STATUS_A = 0x0a, STATUS_B = 0x0b, STATUS_C = 0x0c, STATUS_D = 0x0d, CENTURY = 0x32,
};
#define B_24H		0x02
#define B_BINARY	0x04

void rtc_init(struct rtc *r)
{
	memset(r, 0, sizeof(*r));
	r->cmos[STATUS_A] = 0x26;	/* 32.768 kHz time base, 1024 Hz rate; never updating */
	r->cmos[STATUS_B] = B_24H;	/* BCD, 24-hour */
	r->cmos[STATUS_D] = 0x80;	/* valid RAM and time: the battery is fine */
}

static uint8_t encode(const struct rtc *r, int v)
{
	return r->cmos[STATUS_B] & B_BINARY ? v : (v / 10) << 4 | v % 10;
}

static uint8_t read_reg(struct rtc *r, unsigned int reg)
{
	time_t now = time(NULL);
	struct tm tm;
	int hour;

	gmtime_r(&now, &tm);
	switch (reg) {
	case SEC: return encode(r, tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case MIN: return encode(r, tm.tm_min);
	case HOUR:
		if (r->cmos[STATUS_B] & B_24H)
			return encode(r, tm.tm_hour);
		hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return encode(r, hour) | (tm.tm_hour >= 12 ? 0x80 : 0);
	case WDAY: return encode(r, tm.tm_wday + 1);
	case MDAY: return encode(r, tm.tm_mday);
	case MON: return encode(r, tm.tm_mon + 1);
	case YEAR: return encode(r, tm.tm_year % 100);
	case CENTURY: return encode(r, (tm.tm_year + 1900) / 100);
	case STATUS_C: {
		uint8_t v = r->cmos[STATUS_C];

		r->cmos[STATUS_C] = 0;	/* interrupt flags clear on read (none are raised) */
		return v;
	}
	default: return r->cmos[reg];
	}
}

void rtc_io(void *dev, uint64_t port, uint8_t *data, unsigned int len, int is_write)
{
	struct rtc *r = dev;
	unsigned int reg = r->index;

	if (port == RTC_INDEX) {
		if (is_write)
			r->index = data[0] & 0x7f;	/* bit 7 masks NMI: nothing to mask */
		else
			memset(data, 0xff, len);
		return;
	}
	if (!is_write) {
		memset(data, 0, len);
		data[0] = read_reg(r, reg);
		return;
	}
	switch (reg) {
	case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MON: case YEAR: case CENTURY:
	case STATUS_C: case STATUS_D:
		break;		/* the host's clock is the time; C and D are read-only */
	case STATUS_A:
		r->cmos[reg] = data[0] & 0x7f;	/* UIP is read-only */
		break;
	default:
		r->cmos[reg] = data[0];
	}
}
