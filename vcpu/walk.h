/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-virtual to guest-physical translation through the guest's own page
 * tables, as the CPU would do it (Intel SDM Vol. 3A, chapter 4): to fetch the
 * instruction behind an exit, or to reach a guest buffer. Pure: guest memory
 * is read through a callback, so host-side unit tests can hand it a byte
 * array. Accessed and dirty bits are not set; protection keys are ignored.
 */
#ifndef HCVM_VCPU_WALK_H
#define HCVM_VCPU_WALK_H

#include <linux/types.h>

/* Page-fault error code bits, as the CPU pushes them. */
#define HCVM_PF_PRESENT		(1U << 0)	/* 0: not present; 1: protection or reserved bit */
#define HCVM_PF_WRITE		(1U << 1)
#define HCVM_PF_USER		(1U << 2)
#define HCVM_PF_RSVD		(1U << 3)
#define HCVM_PF_FETCH		(1U << 4)

/* What the access is, for hcvm_gva_to_gpa()'s @access; none set: supervisor read. */
#define HCVM_ACC_WRITE		HCVM_PF_WRITE
#define HCVM_ACC_USER		HCVM_PF_USER	/* CPL 3 */
#define HCVM_ACC_FETCH		HCVM_PF_FETCH
/* Explicit supervisor data access with RFLAGS.AC = 1: SMAP lets it reach user pages. */
#define HCVM_ACC_SMAP_AC	(1U << 16)

/* The guest state that selects and controls the paging mode. */
struct hcvm_walk_regs {
	u64 cr0, cr3, cr4, efer;
	/*
	 * PAE paging: the four PDPTEs the CPU loaded at the last MOV to CR3
	 * (with EPT, the VMCS guest PDPTR fields), or NULL to read them from
	 * memory at CR3.
	 */
	const u64 *pdptrs;
	unsigned int maxphyaddr;	/* guest MAXPHYADDR; 0 (or above 52) means 52 */
};

/*
 * Read @len bytes of guest-physical memory at @gpa into @buf; 0 or -errno.
 * Called for page-table entries only, 4 or 8 bytes, naturally aligned.
 */
typedef int (*hcvm_read_gpa_fn)(void *ctx, u64 gpa, void *buf, unsigned int len);

/*
 * Translate linear address @la for an @access (HCVM_ACC_*) in the paging mode
 * @r selects: none (CR0.PG = 0), 32-bit, PAE, 4-level or 5-level (CR4.LA57).
 * Returns 0 with *@gpa; -EFAULT when the access must raise #PF, with the error
 * code (HCVM_PF_*) in *@pf_error and CR2 = @la; -EINVAL for an address not
 * canonical in IA-32e mode (#GP or #SS, not #PF); or @read's error.
 * The translation holds within the 4 KiB page of @la.
 */
int hcvm_gva_to_gpa(const struct hcvm_walk_regs *r, u64 la, unsigned int access,
		    hcvm_read_gpa_fn read, void *ctx, u64 *gpa, u32 *pf_error);

#endif
