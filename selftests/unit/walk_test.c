// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the guest page-table walker (vcpu/walk.c): page tables
 * built in a byte array standing for guest memory, for each paging mode, and
 * the translations, faults and error codes the CPU would give.
 */
#include <string.h>
#include "kselftest_harness.h"
#include "../../vcpu/walk.h"

#define CR0_PE		(1ULL << 0)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)

#define P		(1ULL << 0)
#define RW		(1ULL << 1)
#define US		(1ULL << 2)
#define PS		(1ULL << 7)
#define XD		(1ULL << 63)
#define ALL		(P | RW | US)

#define E_P		HCVM_PF_PRESENT
#define E_W		HCVM_PF_WRITE
#define E_U		HCVM_PF_USER
#define E_RSVD		HCVM_PF_RSVD
#define E_I		HCVM_PF_FETCH

#define RD		0
#define WR		HCVM_ACC_WRITE
#define USR		HCVM_ACC_USER
#define FETCH		HCVM_ACC_FETCH

/* Guest memory: 1 MiB, enough for every table here. */
static u8 mem[1 << 20];
static unsigned int reads;
static unsigned int misuse;	/* reads of the wrong size, alignment or place */
static u64 fail_gpa = ~0ULL;

static int read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	reads++;
	if (ctx != mem || (len != 4 && len != 8) || gpa % len ||
	    gpa + len > sizeof(mem)) {
		misuse++;
		return -ERANGE;
	}
	if (gpa == fail_gpa)
		return -EIO;
	memcpy(buf, mem + gpa, len);
	return 0;
}

/* Little-endian stores, whatever the host. */
static void put(u64 gpa, u64 v, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		mem[gpa + i] = v >> (8 * i);
}

static void put32(u64 gpa, u64 v)
{
	put(gpa, v, 4);
}

static void put64(u64 gpa, u64 v)
{
	put(gpa, v, 8);
}

/* Index of @la in a 9-bit-per-level table at @level (1: PT .. 5: PML5). */
static u64 idx(u64 la, unsigned int level)
{
	return (la >> (12 + 9 * (level - 1))) & 511;
}

static int xlate(const struct hcvm_walk_regs *r, u64 la, unsigned int access,
		 u64 *gpa, u32 *err)
{
	*gpa = 0xdeadbeef;
	*err = 0xdeadbeef;
	reads = 0;
	return hcvm_gva_to_gpa(r, la, access, read_gpa, mem, gpa, err);
}

/* Expect a translation of @la to @want. */
#define OK(r, la, access, want) do { \
	u64 _gpa; u32 _err; \
	EXPECT_EQ(0, xlate(r, la, access, &_gpa, &_err)); \
	EXPECT_EQ((u64)(want), _gpa); \
	EXPECT_EQ(0U, misuse); \
} while (0)

/* Expect a #PF with error code @code. */
#define PF(r, la, access, code) do { \
	u64 _gpa; u32 _err; \
	EXPECT_EQ(-EFAULT, xlate(r, la, access, &_gpa, &_err)); \
	EXPECT_EQ((u32)(code), _err); \
	EXPECT_EQ(0U, misuse); \
} while (0)

TEST(paging_off_is_identity)
{
	struct hcvm_walk_regs r = { .cr0 = CR0_PE };

	OK(&r, 0x12345678, RD, 0x12345678);
	EXPECT_EQ(0U, reads);
	OK(&r, 0xfffff000, WR | USR | FETCH, 0xfffff000);
	/* Linear addresses are 32 bits wide outside IA-32e mode. */
	OK(&r, 0x100001000ULL, RD, 0x1000);
	r.cr0 = 0;
	OK(&r, 0xb8000, WR, 0xb8000);
}

/* 32-bit paging: CR3 0x1000, a page table at 0x2000. */
static struct hcvm_walk_regs setup32(void)
{
	struct hcvm_walk_regs r = { .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x1000 };

	memset(mem, 0, sizeof(mem));
	/* 0x00403abc: PDE 1, PTE 3 */
	put32(0x1000 + 4 * 1, 0x2000 | ALL);
	put32(0x2000 + 4 * 3, 0x12345000 | ALL);
	/* 0x00c12345: PDE 3, a 4 MiB page with CR4.PSE */
	put32(0x1000 + 4 * 3, 0x80000000 | PS | ALL);
	return r;
}

TEST(paging32_4k)
{
	struct hcvm_walk_regs r = setup32();

	OK(&r, 0x00403abc, RD, 0x12345abc);
	EXPECT_EQ(2U, reads);
	OK(&r, 0x00403000, WR | USR, 0x12345000);
	/* Bits 63:32 of the address are not part of it. */
	OK(&r, 0xabcd00403abcULL, RD, 0x12345abc);
	/* The low 12 bits of CR3 are flags, not address. */
	r.cr3 |= 0x18;
	OK(&r, 0x00403fff, RD, 0x12345fff);
	/* Next PTE: not present. No I/D bit without NX or SMEP. */
	PF(&r, 0x00404000, RD, 0);
	PF(&r, 0x00404000, FETCH, 0);
	PF(&r, 0x00404000, WR | USR, E_W | E_U);
	/* PDE 0: not present */
	PF(&r, 0x00001000, RD, 0);
	EXPECT_EQ(1U, reads);
	/* EFER.NXE means nothing to 32-bit paging: still no I/D. */
	r.efer = EFER_NXE;
	PF(&r, 0x00404000, FETCH, 0);
}

TEST(paging32_4m_with_pse)
{
	struct hcvm_walk_regs r = setup32();

	r.cr4 = CR4_PSE;
	OK(&r, 0x00c12345, RD, 0x80012345);
	EXPECT_EQ(1U, reads);
	OK(&r, 0x00ffffff, WR | USR, 0x803fffff);

	/* PSE-36: bits 20:13 are address bits 39:32. */
	put32(0x1000 + 4 * 3, 0x80000000 | (0xfULL << 13) | PS | ALL);
	OK(&r, 0x00c12345, RD, 0xf80012345ULL);
	r.maxphyaddr = 36;
	OK(&r, 0x00c12345, RD, 0xf80012345ULL);
	/* Address bit 36 with MAXPHYADDR 36: reserved. */
	put32(0x1000 + 4 * 3, 0x80000000 | (0x1fULL << 13) | PS | ALL);
	PF(&r, 0x00c12345, RD, E_P | E_RSVD);
	r.maxphyaddr = 40;
	OK(&r, 0x00c12345, RD, 0x1f80012345ULL);
	/* Bit 21 is always reserved. */
	put32(0x1000 + 4 * 3, 0x80000000 | (1ULL << 21) | PS | ALL);
	r.maxphyaddr = 0;
	PF(&r, 0x00c12345, WR, E_P | E_RSVD | E_W);
	/* Bit 12 is PAT, not address. */
	put32(0x1000 + 4 * 3, 0x80000000 | (1ULL << 12) | PS | ALL);
	OK(&r, 0x00c12345, RD, 0x80012345);
}

TEST(paging32_ps_ignored_without_pse)
{
	struct hcvm_walk_regs r = setup32();

	/* Without CR4.PSE the PS bit of a PDE means nothing. */
	put32(0x1000 + 4 * 1, 0x2000 | PS | ALL);
	OK(&r, 0x00403abc, RD, 0x12345abc);
	EXPECT_EQ(2U, reads);
	/* PDE 3 names "0x80000000" as a page table: outside guest memory. */
	EXPECT_EQ(-ERANGE, hcvm_gva_to_gpa(&r, 0x00c12345, RD, read_gpa, mem,
					   &(u64){ 0 }, &(u32){ 0 }));
	misuse = 0;
}

TEST(paging32_permissions)
{
	struct hcvm_walk_regs r = setup32();

	r.cr4 = CR4_PSE;
	/* Read-only PTE: supervisor writes need CR0.WP = 0, user writes fail. */
	put32(0x2000 + 4 * 3, 0x12345000 | P | US);
	PF(&r, 0x00403abc, WR, E_P | E_W);
	PF(&r, 0x00403abc, WR | USR, E_P | E_W | E_U);
	OK(&r, 0x00403abc, USR, 0x12345abc);
	r.cr0 &= ~CR0_WP;
	OK(&r, 0x00403abc, WR, 0x12345abc);
	PF(&r, 0x00403abc, WR | USR, E_P | E_W | E_U);
	/* Supervisor 4 MiB page. */
	put32(0x1000 + 4 * 3, 0x80000000 | PS | P | RW);
	PF(&r, 0x00c12345, USR, E_P | E_U);
	OK(&r, 0x00c12345, WR, 0x80012345);
	/* U/S clear in the PDE only. */
	put32(0x1000 + 4 * 1, 0x2000 | P | RW);
	PF(&r, 0x00403abc, USR, E_P | E_U);
	OK(&r, 0x00403abc, FETCH, 0x12345abc);
}

/* PAE paging: PDPT at 0x3020 (32-byte aligned), PD at 0x4000, PT at 0x5000. */
static struct hcvm_walk_regs setup_pae(void)
{
	struct hcvm_walk_regs r = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x3020, .cr4 = CR4_PAE,
	};

	memset(mem, 0, sizeof(mem));
	/* 0x40203abc: PDPTE 1, PDE 1, PTE 3 */
	put64(0x3020 + 8 * 1, 0x4000 | P);
	put64(0x4000 + 8 * 1, 0x5000 | ALL);
	put64(0x5000 + 8 * 3, 0x123456000ULL | ALL);
	/* 0x40412345: PDPTE 1, PDE 2, a 2 MiB page */
	put64(0x4000 + 8 * 2, 0x7fe00000 | PS | ALL);
	return r;
}

TEST(pae_4k_and_2m)
{
	struct hcvm_walk_regs r = setup_pae();

	/* Above 4 GiB: PAE maps 36+ bit physical addresses. */
	OK(&r, 0x40203abc, RD, 0x123456abcULL);
	EXPECT_EQ(3U, reads);
	OK(&r, 0x40412345, WR | USR, 0x7fe12345);
	EXPECT_EQ(2U, reads);
	/* PDPTE 0 not present */
	PF(&r, 0x00203abc, WR, E_W);
	EXPECT_EQ(1U, reads);
	/* PDE 3 not present */
	PF(&r, 0x40603abc, USR, E_U);
	/* Bit 12 of a 2 MiB PDE is PAT; bits 20:13 are reserved. */
	put64(0x4000 + 8 * 2, 0x7fe00000 | (1ULL << 12) | PS | ALL);
	OK(&r, 0x40412345, RD, 0x7fe12345);
	put64(0x4000 + 8 * 2, 0x7fe00000 | (1ULL << 13) | PS | ALL);
	PF(&r, 0x40412345, RD, E_P | E_RSVD);
	put64(0x4000 + 8 * 2, 0x7fe00000 | (1ULL << 20) | PS | ALL);
	PF(&r, 0x40412345, RD, E_P | E_RSVD);
}

TEST(pae_pdptes)
{
	struct hcvm_walk_regs r = setup_pae();
	u64 pdptrs[4] = { 0, 0x4000 | P, 0, 0 };

	/* R/W, U/S and bits 8:5 of a PDPTE are reserved. */
	put64(0x3020 + 8 * 1, 0x4000 | P | RW);
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	put64(0x3020 + 8 * 1, 0x4000 | P | (1ULL << 5));
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	put64(0x3020 + 8 * 1, 0x4000 | P | (1ULL << 52));
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	/* PDPTEs the caller supplies win over memory. */
	r.pdptrs = pdptrs;
	OK(&r, 0x40203abc, RD, 0x123456abcULL);
	EXPECT_EQ(2U, reads);
	pdptrs[1] = 0x4000;
	put64(0x3020 + 8 * 1, 0x4000 | P);
	PF(&r, 0x40203abc, RD, 0);
	EXPECT_EQ(0U, reads);
	pdptrs[1] = 0x4000 | P | (1ULL << 1);
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
}

TEST(pae_reserved_and_nx)
{
	struct hcvm_walk_regs r = setup_pae();

	/* Bits 62:MAXPHYADDR are reserved in PAE entries. */
	put64(0x5000 + 8 * 3, 0x123456000ULL | (1ULL << 62) | ALL);
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	put64(0x5000 + 8 * 3, 0x123456000ULL | (1ULL << 40) | ALL);
	OK(&r, 0x40203abc, RD, 0x10123456abcULL);
	r.maxphyaddr = 40;
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	r.maxphyaddr = 0;

	/* XD is reserved without EFER.NXE ... */
	put64(0x5000 + 8 * 3, 0x123456000ULL | XD | ALL);
	PF(&r, 0x40203abc, RD, E_P | E_RSVD);
	PF(&r, 0x40203abc, FETCH, E_P | E_RSVD);
	/* ... and forbids fetches with it; I/D is then reported. */
	r.efer = EFER_NXE;
	OK(&r, 0x40203abc, WR, 0x123456abcULL);
	PF(&r, 0x40203abc, FETCH, E_P | E_I);
	PF(&r, 0x40203abc, FETCH | USR, E_P | E_I | E_U);
	PF(&r, 0x00203abc, FETCH, E_I);
	/* XD in the PDE of a 2 MiB page. */
	put64(0x4000 + 8 * 2, 0x7fe00000 | XD | PS | ALL);
	PF(&r, 0x40412345, FETCH, E_P | E_I);
	OK(&r, 0x40412345, RD, 0x7fe12345);
}

/* 4-level paging: PML4 at 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000. */
#define LA4	0x00007f1234567abcULL

static struct hcvm_walk_regs setup4(void)
{
	struct hcvm_walk_regs r = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x10000,
		.cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA | EFER_NXE,
	};

	memset(mem, 0, sizeof(mem));
	put64(0x10000 + 8 * idx(LA4, 4), 0x11000 | ALL);
	put64(0x11000 + 8 * idx(LA4, 3), 0x12000 | ALL);
	put64(0x12000 + 8 * idx(LA4, 2), 0x13000 | ALL);
	put64(0x13000 + 8 * idx(LA4, 1), 0xabcdef000ULL | ALL);
	return r;
}

TEST(level4_4k_2m_1g)
{
	struct hcvm_walk_regs r = setup4();

	OK(&r, LA4, RD, 0xabcdefabcULL);
	EXPECT_EQ(4U, reads);
	OK(&r, LA4 | 0xfff, FETCH | WR | USR, 0xabcdeffffULL);
	/* CR3's low bits (PCID, PWT, PCD) and LAM bits are not address. */
	r.cr3 |= 0x123 | (3ULL << 61);
	OK(&r, LA4, RD, 0xabcdefabcULL);

	/* 2 MiB: PAT (bit 12) ignored, bits 20:13 reserved. */
	put64(0x12000 + 8 * idx(LA4, 2), 0x40000000 | PS | ALL);
	OK(&r, LA4, RD, 0x40000000 | (LA4 & 0x1fffff));
	EXPECT_EQ(3U, reads);
	put64(0x12000 + 8 * idx(LA4, 2), 0x40000000 | (1ULL << 12) | PS | ALL);
	OK(&r, LA4, RD, 0x40000000 | (LA4 & 0x1fffff));
	put64(0x12000 + 8 * idx(LA4, 2), 0x40000000 | (1ULL << 20) | PS | ALL);
	PF(&r, LA4, RD, E_P | E_RSVD);
	put64(0x12000 + 8 * idx(LA4, 2), 0x40000000 | (1ULL << 13) | PS | ALL);
	PF(&r, LA4, WR | USR, E_P | E_RSVD | E_W | E_U);

	/* 1 GiB: bits 29:13 reserved. */
	put64(0x11000 + 8 * idx(LA4, 3), 0x1c0000000ULL | PS | ALL);
	OK(&r, LA4, RD, 0x1c0000000ULL | (LA4 & 0x3fffffff));
	EXPECT_EQ(2U, reads);
	put64(0x11000 + 8 * idx(LA4, 3), 0x1c0000000ULL | (1ULL << 29) | PS | ALL);
	PF(&r, LA4, RD, E_P | E_RSVD);
	put64(0x11000 + 8 * idx(LA4, 3), 0x1c0000000ULL | (1ULL << 21) | PS | ALL);
	PF(&r, LA4, RD, E_P | E_RSVD);

	/* PS is reserved in a PML4E (no 512 GiB pages). */
	put64(0x10000 + 8 * idx(LA4, 4), PS | ALL);
	PF(&r, LA4, RD, E_P | E_RSVD);
	EXPECT_EQ(1U, reads);
}

TEST(level4_reserved_bits)
{
	struct hcvm_walk_regs r = setup4();
	const u64 pte = 0x13000 + 8 * idx(LA4, 1);

	/* Bits 51:MAXPHYADDR reserved; 62:52 ignored (available, keys). */
	put64(pte, (1ULL << 40) | 0xabcdef000ULL | ALL);
	OK(&r, LA4, RD, (1ULL << 40) | 0xabcdefabcULL);
	r.maxphyaddr = 40;
	PF(&r, LA4, RD, E_P | E_RSVD);
	r.maxphyaddr = 46;
	OK(&r, LA4, RD, (1ULL << 40) | 0xabcdefabcULL);
	put64(pte, (0x7ffULL << 52) | 0xabcdef000ULL | ALL);
	OK(&r, LA4, RD, 0xabcdefabcULL);
	/* A reserved bit in a table entry, while the PTE is not present. */
	put64(pte, 0);
	PF(&r, LA4, RD, 0);
	put64(0x11000 + 8 * idx(LA4, 3), (1ULL << 46) | 0x12000 | ALL);
	PF(&r, LA4, RD, E_P | E_RSVD);
	EXPECT_EQ(2U, reads);
	/* XD without EFER.NXE. */
	put64(0x11000 + 8 * idx(LA4, 3), 0x12000 | ALL);
	put64(pte, XD | 0xabcdef000ULL | ALL);
	OK(&r, LA4, RD, 0xabcdefabcULL);
	r.efer &= ~EFER_NXE;
	PF(&r, LA4, RD, E_P | E_RSVD);
	PF(&r, LA4, FETCH, E_P | E_RSVD);
}

TEST(level4_canonical_addresses)
{
	struct hcvm_walk_regs r = setup4();
	const u64 high = 0xffff800000123000ULL;
	u64 gpa;
	u32 err;

	EXPECT_EQ(-EINVAL, xlate(&r, 0x0000800000000000ULL, RD, &gpa, &err));
	EXPECT_EQ(-EINVAL, xlate(&r, 0xfff0000000000000ULL, RD, &gpa, &err));
	EXPECT_EQ(0U, reads);
	/* The kernel half: PML4 entry 256 onwards. */
	put64(0x10000 + 8 * 256, 0x11000 | P | RW);
	put64(0x11000 + 8 * idx(high, 3), 0x80000000 | PS | P | RW);
	EXPECT_EQ(256U, idx(high, 4));
	OK(&r, high | 0x456, WR, 0x80123456);
	PF(&r, high, USR, E_P | E_U);
}

TEST(level5)
{
	struct hcvm_walk_regs r = setup4();
	const u64 la = 0x00abcdef12345abcULL;

	r.cr4 |= CR4_LA57;
	r.cr3 = 0x20000;
	put64(0x20000 + 8 * idx(la, 5), 0x21000 | ALL);
	put64(0x21000 + 8 * idx(la, 4), 0x22000 | ALL);
	put64(0x22000 + 8 * idx(la, 3), 0x23000 | ALL);
	put64(0x23000 + 8 * idx(la, 2), 0x24000 | ALL);
	put64(0x24000 + 8 * idx(la, 1), 0x777000 | ALL);
	EXPECT_EQ(0xabU, idx(la, 5));
	OK(&r, la, RD, 0x777abc);
	EXPECT_EQ(5U, reads);
	/* 1 GiB page under 5 levels. */
	put64(0x22000 + 8 * idx(la, 3), 0x40000000 | PS | ALL);
	OK(&r, la, RD, 0x40000000 | (la & 0x3fffffff));
	/* PS is reserved in a PML5E. */
	put64(0x20000 + 8 * idx(la, 5), PS | ALL);
	PF(&r, la, RD, E_P | E_RSVD);
	/* Canonical means 57 bits now. */
	EXPECT_EQ(-EINVAL, xlate(&r, 0x0100000000000000ULL, RD, &(u64){ 0 }, &(u32){ 0 }));
	/* And @la is not canonical with 4 levels. */
	r.cr4 &= ~CR4_LA57;
	EXPECT_EQ(-EINVAL, xlate(&r, la, RD, &(u64){ 0 }, &(u32){ 0 }));
}

TEST(level4_write_protect)
{
	struct hcvm_walk_regs r = setup4();

	/* R/W clear in the PDPTE only: the rights combine. */
	put64(0x11000 + 8 * idx(LA4, 3), 0x12000 | P | US);
	OK(&r, LA4, RD, 0xabcdefabcULL);
	OK(&r, LA4, USR, 0xabcdefabcULL);
	PF(&r, LA4, WR, E_P | E_W);
	PF(&r, LA4, WR | USR, E_P | E_W | E_U);
	r.cr0 &= ~CR0_WP;
	OK(&r, LA4, WR, 0xabcdefabcULL);
	PF(&r, LA4, WR | USR, E_P | E_W | E_U);
}

TEST(level4_user_supervisor)
{
	struct hcvm_walk_regs r = setup4();

	/* U/S clear in the PML4E only. */
	put64(0x10000 + 8 * idx(LA4, 4), 0x11000 | P | RW);
	OK(&r, LA4, WR, 0xabcdefabcULL);
	OK(&r, LA4, FETCH, 0xabcdefabcULL);
	PF(&r, LA4, USR, E_P | E_U);
	PF(&r, LA4, USR | WR, E_P | E_U | E_W);
	PF(&r, LA4, USR | FETCH, E_P | E_U | E_I);
	/* Not present beats permission: nothing below is checked. */
	put64(0x13000 + 8 * idx(LA4, 1), 0);
	PF(&r, LA4, USR, E_U);
}

TEST(level4_nx)
{
	struct hcvm_walk_regs r = setup4();

	put64(0x13000 + 8 * idx(LA4, 1), XD | 0xabcdef000ULL | ALL);
	OK(&r, LA4, RD, 0xabcdefabcULL);
	OK(&r, LA4, WR | USR, 0xabcdefabcULL);
	PF(&r, LA4, FETCH, E_P | E_I);
	PF(&r, LA4, FETCH | USR, E_P | E_I | E_U);
	/* XD in the PML4E covers everything below. */
	put64(0x13000 + 8 * idx(LA4, 1), 0xabcdef000ULL | ALL);
	OK(&r, LA4, FETCH, 0xabcdefabcULL);
	put64(0x10000 + 8 * idx(LA4, 4), XD | 0x11000 | ALL);
	PF(&r, LA4, FETCH, E_P | E_I);
	/* A not-present fetch reports I/D with NXE. */
	PF(&r, 0x1000, FETCH, E_I);
}

TEST(level4_smep_smap)
{
	struct hcvm_walk_regs r = setup4();

	/* SMEP: no supervisor fetch from a user page; I/D reported even without NXE. */
	r.cr4 |= CR4_SMEP;
	r.efer &= ~EFER_NXE;
	PF(&r, LA4, FETCH, E_P | E_I);
	OK(&r, LA4, FETCH | USR, 0xabcdefabcULL);
	OK(&r, LA4, RD, 0xabcdefabcULL);
	PF(&r, 0x1000, FETCH, E_I);
	put64(0x12000 + 8 * idx(LA4, 2), 0x13000 | P | RW);
	OK(&r, LA4, FETCH, 0xabcdefabcULL);

	/* SMAP: no supervisor data access to a user page unless RFLAGS.AC. */
	r = setup4();
	r.cr4 |= CR4_SMAP;
	PF(&r, LA4, RD, E_P);
	PF(&r, LA4, WR, E_P | E_W);
	OK(&r, LA4, RD | HCVM_ACC_SMAP_AC, 0xabcdefabcULL);
	OK(&r, LA4, WR | HCVM_ACC_SMAP_AC, 0xabcdefabcULL);
	OK(&r, LA4, FETCH, 0xabcdefabcULL);
	OK(&r, LA4, RD | USR, 0xabcdefabcULL);
	put64(0x12000 + 8 * idx(LA4, 2), 0x13000 | P | RW);
	OK(&r, LA4, RD, 0xabcdefabcULL);
}

TEST(read_errors_pass_through)
{
	struct hcvm_walk_regs r = setup4();
	u64 gpa;
	u32 err;

	fail_gpa = 0x12000 + 8 * idx(LA4, 2);
	EXPECT_EQ(-EIO, xlate(&r, LA4, RD, &gpa, &err));
	EXPECT_EQ(3U, reads);
	r = setup_pae();
	fail_gpa = 0x3020 + 8;
	EXPECT_EQ(-EIO, xlate(&r, 0x40203abc, RD, &gpa, &err));
	EXPECT_EQ(1U, reads);
	r = setup32();
	fail_gpa = 0x2000 + 4 * 3;
	EXPECT_EQ(-EIO, xlate(&r, 0x00403abc, RD, &gpa, &err));
	EXPECT_EQ(0U, misuse);
}

TEST_HARNESS_MAIN
