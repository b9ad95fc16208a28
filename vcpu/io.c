// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O and MMIO exits to userspace, and their completion on the next
 * KVM_RUN. Guest memory named by a linear address (the instruction bytes of
 * an MMIO access, the buffer of INS/OUTS) is found by walking the guest's
 * page tables (walk.c); a guest page fault on the way is delivered to the
 * guest as #PF.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/traps.h>
#include <asm/vmx.h>
#include "../devices/eventfd.h"
#include "../devices/irqchip.h"
#include "../devices/lapic.h"
#include "../vmx/exits.h"
#include "../vmx/vmcs.h"
#include "io.h"
#include "regs.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"
#include "walk.h"

#define SEG_AR_L		BIT(13)
#define SEG_AR_DB		BIT(14)

static int read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return hcvm_mmu_copy_locked(ctx, gpa, buf, len, false);
}

static enum hcvm_cpu_mode cpu_mode(struct hcvm_vcpu *vcpu)
{
	u32 cs_ar = vmcs_read(GUEST_CS_AR_BYTES);

	if (!(hcvm_read_cr0(vcpu) & X86_CR0_PE))
		return HCVM_MODE_REAL16;
	if ((vmcs_read(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & SEG_AR_L))
		return HCVM_MODE_LONG64;
	return cs_ar & SEG_AR_DB ? HCVM_MODE_PROT32 : HCVM_MODE_PROT16;
}

/*
 * Copy between @buf and guest linear address @la. Returns 0; 1 if a guest
 * #PF was queued (re-enter to deliver it); -EFAULT if the memory is not RAM.
 */
static int copy_linear(struct hcvm_vcpu *vcpu, u64 la, void *buf, unsigned int len, bool write)
{
	struct hcvm_walk_regs r = {
		.cr0 = hcvm_read_cr0(vcpu), .cr3 = vmcs_read(GUEST_CR3),
		.cr4 = hcvm_read_cr4(vcpu), .efer = vmcs_read(GUEST_IA32_EFER),
	};
	unsigned int access = write ? HCVM_ACC_WRITE : 0;
	struct hcvm_mmu *mmu = &vcpu->vm->mmu;
	u32 pf_error;
	u64 gpa;
	int ret;

	if (((vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3) == 3)
		access |= HCVM_ACC_USER;
	/* One lock for the walks and copies: the slots cannot change in between. */
	mutex_lock(&mmu->lock);
	ret = 0;
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - (la & ~PAGE_MASK));

		ret = hcvm_gva_to_gpa(&r, la, access, read_gpa, mmu, &gpa, &pf_error);
		if (ret == -EFAULT) {
			vcpu->cr2 = la;
			hcvm_queue_exception(vcpu, X86_TRAP_PF, true, pf_error);
			ret = 1;
			break;
		}
		if (!ret)
			ret = hcvm_mmu_copy_locked(mmu, gpa, buf, chunk, write);
		if (ret)
			break;
		la += chunk;
		buf += chunk;
		len -= chunk;
	}
	mutex_unlock(&mmu->lock);
	return ret;
}

static u64 addr_mask(unsigned int addr_size_code)
{
	return addr_size_code == 0 ? 0xffff : addr_size_code == 1 ? 0xffffffff : ~0ULL;
}

/* Add @delta to @reg within the address size, leaving the bits above alone. */
static void reg_add(u64 *reg, s64 delta, u64 mask)
{
	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

/* Sync RSP, which the VMCS holds, into gprs for code that indexes registers. */
static void rsp_in(struct hcvm_vcpu *vcpu)
{
	vcpu->gprs[HCVM_RSP] = vmcs_read(GUEST_RSP);
}

static void rsp_out(struct hcvm_vcpu *vcpu)
{
	vmcs_write(GUEST_RSP, vcpu->gprs[HCVM_RSP]);
}

/* The in-kernel devices (APIC, IOAPIC, ioeventfds) take an access first. */
static bool kernel_mmio(struct hcvm_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *v)
{
	return hcvm_lapic_mmio(vcpu, gpa, len, write, v) ||
	       hcvm_irqchip_mmio(vcpu->vm, gpa, len, write, v) ||
	       (write && hcvm_ioeventfd_write(vcpu->vm, false, gpa, len, *v)) ||
	       (write && hcvm_coalesced_write(&vcpu->vm->coalesced, false, gpa, len, v));
}

/* IN AL/AX keeps the other bits of RAX; IN EAX clears bits 63:32. */
static void pio_in_to_rax(struct hcvm_vcpu *vcpu, u64 data, unsigned int size)
{
	if (size < 4)
		data |= vcpu->gprs[HCVM_RAX] & ~((1ULL << (8 * size)) - 1);
	vcpu->gprs[HCVM_RAX] = data;
}

int hcvm_emulate_mmio(struct hcvm_vcpu *vcpu, u64 gpa)
{
	struct kvm_run *run = vcpu->run;
	enum hcvm_cpu_mode mode = cpu_mode(vcpu);
	u64 rip = vmcs_read(GUEST_RIP), la, v = 0;
	u8 bytes[HCVM_INSN_MAX_LEN] = { 0 };
	unsigned int have;
	int ret;

	la = mode == HCVM_MODE_LONG64 ? rip : (u32)(vmcs_read(GUEST_CS_BASE) + rip);
	/* Fetch up to the end of the page first: the next one may not be mapped. */
	have = min_t(u64, HCVM_INSN_MAX_LEN, PAGE_SIZE - (la & ~PAGE_MASK));
	ret = copy_linear(vcpu, la, bytes, have, false);
	if (!ret) {
		ret = hcvm_decode_mmio(bytes, have, mode, &vcpu->mmio);
		if (ret == -EAGAIN) {
			ret = copy_linear(vcpu, la + have, bytes + have, HCVM_INSN_MAX_LEN - have,
					  false);
			if (!ret)
				ret = hcvm_decode_mmio(bytes, HCVM_INSN_MAX_LEN, mode, &vcpu->mmio);
		}
	}
	if (ret > 0)
		return ret;	/* #PF queued */
	if (ret) {
		memcpy(&v, bytes, sizeof(v));
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, v);
	}

	if (vcpu->mmio.write) {
		rsp_in(vcpu);
		v = hcvm_mmio_store_value(&vcpu->mmio, vcpu->gprs);
	}
	if (kernel_mmio(vcpu, gpa, vcpu->mmio.size, vcpu->mmio.write, &v)) {
		trace_hcvm_mmio(vcpu->mmio.write, vcpu->mmio.size, gpa, v, false);
		if (!vcpu->mmio.write) {
			rsp_in(vcpu);
			hcvm_mmio_complete_load(&vcpu->mmio, vcpu->gprs, v);
			rsp_out(vcpu);
		}
		vmcs_write(GUEST_RIP, rip + vcpu->mmio.len);
		return 1;
	}

	trace_hcvm_mmio(vcpu->mmio.write, vcpu->mmio.size, gpa, vcpu->mmio.write ? v : 0, true);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = vcpu->mmio.size;
	run->mmio.is_write = vcpu->mmio.write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (vcpu->mmio.write) {
		memcpy(run->mmio.data, &v, vcpu->mmio.size);
		vmcs_write(GUEST_RIP, rip + vcpu->mmio.len);
	} else {
		vcpu->pending = HCVM_PENDING_MMIO_READ;
		vcpu->next_rip = rip + vcpu->mmio.len;
	}
	return 0;
}

int hcvm_handle_io(struct hcvm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	struct kvm_run *run = vcpu->run;
	unsigned int size = (q & 7) + 1, info, i;
	bool in = q & BIT(3), string = q & BIT(4), rep = q & BIT(5);
	u64 *g = vcpu->gprs, mask, count = 1, base;
	int ret = 0;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = q >> 16;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	/* What completes the exit is kept here: the run page is userspace's to scribble on. */
	vcpu->pio.string = string;
	vcpu->pio.size = size;
	vcpu->next_rip = vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN);

	if (!string) {
		u32 mask = ~0U >> (32 - 8 * size), data = g[HCVM_RAX] & mask;

		if (hcvm_irqchip_pio(vcpu->vm, q >> 16, size, !in, &data) ||
		    (!in && hcvm_ioeventfd_write(vcpu->vm, true, q >> 16, size, data)) ||
		    (!in && hcvm_coalesced_write(&vcpu->vm->coalesced, true, q >> 16, size, &data))) {
			if (in)
				pio_in_to_rax(vcpu, data & mask, size);
			trace_hcvm_pio(!in, q >> 16, size, 1, false);
			hcvm_skip_instruction(vcpu);
			return 1;
		}
		trace_hcvm_pio(!in, q >> 16, size, 1, true);
		if (in) {
			vcpu->pending = HCVM_PENDING_PIO_IN;
		} else {
			memcpy(vcpu->pio_data, &g[HCVM_RAX], size);
			hcvm_skip_instruction(vcpu);
		}
		return 0;
	}

	info = vmcs_read(VMX_INSTRUCTION_INFO);
	mask = addr_mask((info >> 7) & 7);
	if (rep)
		count = g[HCVM_RCX] & mask;
	if (!count) {
		hcvm_skip_instruction(vcpu);
		return 1;
	}
	count = min_t(u64, count, PAGE_SIZE / size);
	vcpu->pio.rep = rep;
	vcpu->pio.step = (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF) ? -(int)size : size;
	vcpu->pio.mask = mask;
	trace_hcvm_pio(!in, q >> 16, size, count, true);

	if (in) {
		vcpu->pio.count = count;
		run->io.count = count;
		vcpu->pending = HCVM_PENDING_PIO_IN;
		return 0;
	}

	/* OUTS: DS:RSI by default, or the segment the instruction names. */
	base = cpu_mode(vcpu) == HCVM_MODE_LONG64 && ((info >> 15) & 7) < 4 ? 0 :
	       vmcs_read(GUEST_ES_BASE + 2 * ((info >> 15) & 7));
	for (i = 0; i < count; i++) {
		u64 la = base + ((g[HCVM_RSI] + (s64)i * vcpu->pio.step) & mask);

		ret = copy_linear(vcpu, la, vcpu->pio_data + i * size, size, false);
		if (ret)
			break;
	}
	if (ret < 0)
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, q);
	if (!i)
		return 1;	/* #PF on the first element */
	vcpu->pio.count = i;
	run->io.count = i;
	reg_add(&g[HCVM_RSI], (s64)i * vcpu->pio.step, mask);
	if (rep)
		reg_add(&g[HCVM_RCX], -(s64)i, mask);
	if (!rep || !(g[HCVM_RCX] & mask))
		hcvm_skip_instruction(vcpu);
	return 0;
}

/* INS: the data userspace supplied goes to ES:RDI. */
static int complete_ins(struct hcvm_vcpu *vcpu)
{
	u64 *g = vcpu->gprs, mask = vcpu->pio.mask;
	u64 base = cpu_mode(vcpu) == HCVM_MODE_LONG64 ? 0 : vmcs_read(GUEST_ES_BASE);
	unsigned int i, size = vcpu->pio.size;
	int ret = 0;

	for (i = 0; i < vcpu->pio.count; i++) {
		u64 la = base + ((g[HCVM_RDI] + (s64)i * vcpu->pio.step) & mask);

		ret = copy_linear(vcpu, la, vcpu->pio_data + i * size, size, true);
		if (ret)
			break;
	}
	if (ret < 0)
		return hcvm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, 0);
	reg_add(&g[HCVM_RDI], (s64)i * vcpu->pio.step, mask);
	if (vcpu->pio.rep)
		reg_add(&g[HCVM_RCX], -(s64)i, mask);
	if (!ret && (!vcpu->pio.rep || !(g[HCVM_RCX] & mask)))
		vmcs_write(GUEST_RIP, vcpu->next_rip);
	return 1;
}

int hcvm_complete_userspace_exit(struct hcvm_vcpu *vcpu)
{
	enum hcvm_pending p = vcpu->pending;
	u64 data = 0;

	vcpu->pending = HCVM_PENDING_NONE;
	switch (p) {
	case HCVM_PENDING_NONE:
		break;
	case HCVM_PENDING_PIO_IN:
		if (vcpu->pio.string)
			return complete_ins(vcpu);
		memcpy(&data, vcpu->pio_data, vcpu->pio.size);
		pio_in_to_rax(vcpu, data, vcpu->pio.size);
		vmcs_write(GUEST_RIP, vcpu->next_rip);
		break;
	case HCVM_PENDING_MMIO_READ:
		memcpy(&data, vcpu->run->mmio.data, vcpu->mmio.size);
		rsp_in(vcpu);
		hcvm_mmio_complete_load(&vcpu->mmio, vcpu->gprs, data);
		rsp_out(vcpu);
		vmcs_write(GUEST_RIP, vcpu->next_rip);
		break;
	}
	return 1;
}
