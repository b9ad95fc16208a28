// SPDX-License-Identifier: GPL-2.0
/*
 * A freestanding 64-bit ELF guest for hcvm-run that drives its virtio-mmio
 * devices the way a driver does, without Linux in the way: each device is
 * reset, negotiated (VIRTIO_F_VERSION_1 only) and given one small split
 * queue, and the entropy and block completions are awaited in HLT until the
 * device's interrupt (IOAPIC pin -> local APIC -> IDT) says they are done,
 * so the whole path, irqfd included, is exercised. The console is polled,
 * as Linux's hvc driver does for output.
 *
 * Prints progress on the UART and ends with "virtio-guest: ok" and status
 * 0 through the debug-exit port; any failure prints "virtio-guest: FAIL ..."
 * and ends with status 1. With --disk, sector 1 ends up holding SECTOR1_TEXT
 * (inside an ext2 image's unused boot block), which the host can check.
 *
 * Built with -mno-red-zone (interrupts push onto the interrupted stack) and
 * -mgeneral-regs-only (the interrupt stub saves no SSE state).
 */
#include <stdint.h>

#define VIRTIO_BASE(slot)	(0xd0000000UL + (slot) * 0x200)
#define VIRTIO_IRQ(slot)	(5 + (slot))	/* ISA IRQ = IOAPIC pin */
#define IOAPIC_BASE		0xfec00000UL
#define LAPIC_BASE		0xfee00000UL
#define VECTOR(slot)		(0x30 + (slot))
#define SEL_CODE64		0x10		/* hcvm-run's GDT */
#define SECTOR1_TEXT		"hcvm virtio_guest wrote sector 1\n"

/* virtio-mmio registers (virtio 1.x, version 2) */
#define MAGIC		0x000
#define VERSION		0x004
#define DEVICE_ID	0x008
#define DEV_FEATURES	0x010
#define DEV_FEAT_SEL	0x014
#define DRV_FEATURES	0x020
#define DRV_FEAT_SEL	0x024
#define QUEUE_SEL	0x030
#define QUEUE_NUM_MAX	0x034
#define QUEUE_NUM	0x038
#define QUEUE_READY	0x044
#define QUEUE_NOTIFY	0x050
#define IRQ_STATUS	0x060
#define IRQ_ACK		0x064
#define STATUS		0x070
#define QUEUE_DESC	0x080
#define QUEUE_AVAIL	0x090
#define QUEUE_USED	0x0a0
#define CONFIG		0x100

#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8

enum { BLK, CONSOLE, RNG, NR_SLOTS };	/* hcvm-run's fixed slots */
enum { ID_BLK = 2, ID_CONSOLE = 3, ID_RNG = 4 };

#define QSIZE		8
#define D_NEXT		1
#define D_WRITE		2	/* the device writes the buffer */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/*
 * One page per queue: descriptors at 0, the available ring at 0x100, the
 * used ring at 0x200. Each device uses its queue 0 but the console, which
 * sends on its queue 1 (transmitq): two pages per device cover both.
 */
static uint8_t queue_page[NR_SLOTS][2][4096] __attribute__((aligned(4096)));
static uint16_t avail_idx[NR_SLOTS][2];
static uint8_t buf[4][512] __attribute__((aligned(16)));
static volatile int irq_count[NR_SLOTS];
static int initialized[NR_SLOTS];	/* an empty slot reads as all ones */
uint8_t boot_stack[16384] __attribute__((aligned(16)));

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));
static struct idt_gate idt[256] __attribute__((aligned(16)));

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t rd(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void wr(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static void uart_puts(const char *s)
{
	while (*s)
		outb(0x3f8, *s++);
}

static void puthex(uint64_t v)
{
	uart_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		outb(0x3f8, "0123456789abcdef"[(v >> i) & 15]);
}

static void __attribute__((noreturn)) finish(int status)
{
	outb(0x501, status);
	for (;;)	/* not reached under hcvm-run */
		asm volatile("cli; hlt");
}

static void __attribute__((noreturn)) fail(const char *what, uint64_t v)
{
	uart_puts("virtio-guest: FAIL ");
	uart_puts(what);
	uart_puts(" ");
	puthex(v);
	uart_puts("\n");
	finish(1);
}

/* Edge-triggered device interrupts: acknowledge whatever each device reports, then EOI. */
void irq_handler(void)
{
	for (int i = 0; i < NR_SLOTS; i++) {
		uint32_t s = initialized[i] ? rd(VIRTIO_BASE(i) + IRQ_STATUS) : 0;

		if (s) {
			wr(VIRTIO_BASE(i) + IRQ_ACK, s);
			irq_count[i]++;
		}
	}
	wr(LAPIC_BASE + 0xb0, 0);
}

/* The entry point and an interrupt stub that saves what the C ABI lets a callee clobber. */
asm(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	lea boot_stack+16384(%rip), %rsp\n"
	"	call main\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"irq_stub:\n"
	"	push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"
	"	push %r8; push %r9; push %r10; push %r11\n"
	"	cld\n"
	"	call irq_handler\n"
	"	pop %r11; pop %r10; pop %r9; pop %r8\n"
	"	pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
	"	iretq\n"
);
extern const char irq_stub[];

static void setup_irqs(void)
{
	uint64_t h = (uint64_t)irq_stub;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int i = 0; i < NR_SLOTS; i++)
		idt[VECTOR(i)] = (struct idt_gate){ h, SEL_CODE64, 0, 0x8e, h >> 16, h >> 32, 0 };
	asm volatile("lidt %0" : : "m"(idtr));
	/* The 8259s would deliver the same ISA IRQs through LINT0: mask them, IOAPIC only. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	wr(LAPIC_BASE + 0xf0, 0x1ff);	/* software enable, spurious vector 0xff */
	for (int i = 0; i < NR_SLOTS; i++) {
		/* Redirection entry: fixed, physical destination APIC 0, edge, unmasked. */
		wr(IOAPIC_BASE, 0x10 + 2 * VIRTIO_IRQ(i) + 1);
		wr(IOAPIC_BASE + 0x10, 0);
		wr(IOAPIC_BASE, 0x10 + 2 * VIRTIO_IRQ(i));
		wr(IOAPIC_BASE + 0x10, VECTOR(i));
	}
}

/* Reset, negotiate VERSION_1 and nothing else, set up queues 0..nq-1; 0 or a step number. */
static int device_init(int slot, uint32_t id, int nq)
{
	uint64_t b = VIRTIO_BASE(slot);

	if (rd(b + MAGIC) != 0x74726976 || rd(b + VERSION) != 2 || rd(b + DEVICE_ID) != id)
		return 1;
	wr(b + STATUS, 0);
	wr(b + STATUS, S_ACK);
	wr(b + STATUS, S_ACK | S_DRIVER);
	wr(b + DEV_FEAT_SEL, 1);
	if (!(rd(b + DEV_FEATURES) & 1))	/* VIRTIO_F_VERSION_1 is bit 32 */
		return 2;
	wr(b + DRV_FEAT_SEL, 0);
	wr(b + DRV_FEATURES, 0);
	wr(b + DRV_FEAT_SEL, 1);
	wr(b + DRV_FEATURES, 1);
	wr(b + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(b + STATUS) & S_FEATURES_OK))
		return 3;
	for (int q = 0; q < nq; q++) {
		uint64_t p = (uint64_t)queue_page[slot][q];

		wr(b + QUEUE_SEL, q);
		if (rd(b + QUEUE_READY) || rd(b + QUEUE_NUM_MAX) < QSIZE)
			return 4;
		wr(b + QUEUE_NUM, QSIZE);
		wr(b + QUEUE_DESC, p);
		wr(b + QUEUE_DESC + 4, p >> 32);
		wr(b + QUEUE_AVAIL, p + 0x100);
		wr(b + QUEUE_AVAIL + 4, (p + 0x100) >> 32);
		wr(b + QUEUE_USED, p + 0x200);
		wr(b + QUEUE_USED + 4, (p + 0x200) >> 32);
		wr(b + QUEUE_READY, 1);
	}
	initialized[slot] = 1;
	wr(b + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return rd(b + STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK) ? 0 : 5;
}

static volatile struct desc *descs(int slot, int q)
{
	return (volatile struct desc *)queue_page[slot][q];
}

static uint16_t used_idx(int slot, int q)
{
	return *(volatile uint16_t *)(queue_page[slot][q] + 0x202);
}

static uint32_t used_len(int slot, int q, int n)
{
	return *(volatile uint32_t *)(queue_page[slot][q] + 0x204 + 8 * (n % QSIZE) + 4);
}

/* Offer the chain at descriptor 0 and notify; the barriers order ring before index before kick. */
static void submit(int slot, int q)
{
	volatile uint16_t *avail = (volatile uint16_t *)(queue_page[slot][q] + 0x100);

	avail[2 + avail_idx[slot][q] % QSIZE] = 0;
	asm volatile("" : : : "memory");
	avail[1] = ++avail_idx[slot][q];
	asm volatile("mfence" : : : "memory");
	wr(VIRTIO_BASE(slot) + QUEUE_NOTIFY, q);
}

/*
 * Sleep until the device has used @count buffers and said so by interrupt.
 * IF=0 while checking, then STI;HLT: an interrupt cannot slip in between.
 */
static void wait_irq(int slot, int q, int count)
{
	asm volatile("cli");
	while (used_idx(slot, q) != count || irq_count[slot] < count)
		asm volatile("sti; hlt; cli" : : : "memory");
	asm volatile("sti");
}

static void blk_request(uint32_t type, uint64_t sector, void *data, uint32_t len, int n)
{
	volatile struct desc *d = descs(BLK, 0);
	uint32_t *hdr = (uint32_t *)buf[3];
	uint8_t *status = buf[3] + 64;

	hdr[0] = type;
	hdr[1] = 0;
	hdr[2] = sector;
	hdr[3] = sector >> 32;
	*status = 0xee;
	d[0] = (struct desc){ (uint64_t)hdr, 16, D_NEXT, len ? 1 : 2 };
	d[1] = (struct desc){ (uint64_t)data, len, D_NEXT | (type == 0 ? D_WRITE : 0), 2 };
	d[2] = (struct desc){ (uint64_t)status, 1, D_WRITE, 0 };
	submit(BLK, 0);
	wait_irq(BLK, 0, n);
	if (*status != 0)
		fail("blk request status", *status);
}

/* SECTOR1_TEXT, then a pattern that shows misplaced bytes. */
static uint8_t sector1_byte(int i)
{
	static const char text[] = SECTOR1_TEXT;

	return i < (int)sizeof(text) - 1 ? (uint8_t)text[i] : (uint8_t)(i ^ 0x5a);
}

/* Write sector 1, flush, read it back; a virtio-blk request is header, data, status. */
static void test_blk(void)
{
	int r = device_init(BLK, ID_BLK, 1);

	if (r)
		fail("blk init step", r);
	for (int i = 0; i < 512; i++)
		buf[2][i] = sector1_byte(i);
	blk_request(1, 1, buf[2], 512, 1);	/* VIRTIO_BLK_T_OUT */
	blk_request(4, 0, 0, 0, 2);		/* VIRTIO_BLK_T_FLUSH */
	for (int i = 0; i < 512; i++)
		buf[2][i] = 0;
	blk_request(0, 1, buf[2], 512, 3);	/* VIRTIO_BLK_T_IN */
	for (int i = 0; i < 512; i++)
		if (buf[2][i] != sector1_byte(i))
			fail("blk read back, byte", i);
	uart_puts("virtio-guest: blk ok, capacity ");
	puthex(rd(VIRTIO_BASE(BLK) + CONFIG));
	uart_puts(" sectors\n");
}

int main(void)
{
	static const char msg[] = "virtio-guest: hello on the virtio console\n";
	int r;

	uart_puts("virtio-guest: start\n");
	setup_irqs();

	r = device_init(RNG, ID_RNG, 1);
	if (r)
		fail("rng init step", r);
	descs(RNG, 0)[0] = (struct desc){ (uint64_t)buf[0], 64, D_WRITE, 0 };
	submit(RNG, 0);
	wait_irq(RNG, 0, 1);
	if (used_len(RNG, 0, 0) != 64)
		fail("rng length", used_len(RNG, 0, 0));
	uart_puts("virtio-guest: rng ");
	puthex(*(uint64_t *)buf[0]);
	uart_puts("\n");

	r = device_init(CONSOLE, ID_CONSOLE, 2);
	if (r)
		fail("console init step", r);
	for (int i = 0; msg[i]; i++)
		buf[1][i] = msg[i];
	descs(CONSOLE, 1)[0] = (struct desc){ (uint64_t)buf[1], sizeof(msg) - 1, 0, 0 };
	submit(CONSOLE, 1);	/* queue 1: transmitq */
	while (used_idx(CONSOLE, 1) != 1)
		asm volatile("pause");

	/* Slot 0 holds a block device only with --disk. */
	if (rd(VIRTIO_BASE(BLK) + DEVICE_ID) == ID_BLK)
		test_blk();
	else
		uart_puts("virtio-guest: no disk\n");

	uart_puts("virtio-guest: interrupts blk ");
	puthex(irq_count[BLK]);
	uart_puts(" rng ");
	puthex(irq_count[RNG]);
	uart_puts("\nvirtio-guest: ok\n");
	finish(0);
}
