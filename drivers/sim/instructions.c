// SPDX-License-Identifier: GPL-2.0
/*
 * The isolation instructions as the simulated hardware runs them: SNP's
 * PVALIDATE and RMPADJUST, TDX's TDG.MEM.PAGE.ACCEPT and ATTR.WR.
 *
 * Sources: "hvdef" is OpenVMM vm/hv1/hvdef/src/lib.rs, "OpenHCL" openvmm's
 * openhcl/, both at 1488a37b; "unverified" marks what no public source
 * settles, where the model chose the strict reading.
 *
 * PVALIDATE and RMPADJUST (SNP): the VA must map the GPA through an
 * encrypted alias: one registered with cvm_sim_decrypted_alias() is
 * FAIL_INPUT (unverified status; the test kernel has no memory encryption,
 * so the page tables cannot tell). A 2 MiB operation needs a 2 MiB-aligned
 * VA, else FAIL_INPUT (AMD APM; OpenHCL openhcl_boot snp.rs pvalidate
 * asserts it). FAIL_SIZEMISMATCH: see snp_pvalidate_fn().
 *
 * TDG.MEM.PAGE.ACCEPT (TDX): 1 GiB is refused with PAGE_SIZE_MISMATCH
 * unless sim/tdx_accept_1g is set (unverified status). OpenHCL never tries
 * 1 GiB and EDK2's TdxLib accepts at 4 KiB and 2 MiB only; Linux's
 * tdx_accept_memory() tries 1 GiB first and falls back on any error.
 * TDG.MEM.PAGE.ATTR.WR: the level must be the one every page of the span
 * was accepted at, as one page, else PAGE_SIZE_MISMATCH (OpenHCL pairs
 * ATTR.WR with each accept at its level, tdcall accept_pages).
 * TDG.MEM.PAGE.RELEASE (TDX Connect) is not modelled: like any unknown
 * leaf, OPERAND_INVALID.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/bitfield.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "internal.h"

#define TDX_GPA_LEVEL		GENMASK_ULL(2, 0)
#define TDX_GPA_RESERVED	(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))
#define SIM_TDX_OPERAND_ID_RAX	0x00
#define TDX_ATTR_FIELD_OK	(TDX_L2_ATTR_RIGHTS | TDX_L2_ATTR_SVE | TDX_L2_ATTR_VALID)

/*
 * Checks every instruction makes before the model runs: the "fail nth"
 * injection, the isolation, the operands (@valid), "busy", the span, the
 * "fail gpn" injection. Returns true with *@st set if the instruction ends.
 */
static bool sim_instr_pre(const struct sim_op *op, enum cvm_vtlmem_isolation iso,
			  bool valid, u64 invalid, u64 *st)
{
	u64 n = sim_level_pages(op->level);
	struct sim_fail f;

	if (sim_take_nth(&f)) {
		*st = f.status;
		return true;
	}
	*st = invalid;
	if (cvm.isolation != iso)
		return true;
	if (iso == CVM_VTLMEM_ISOLATION_TDX &&
	    atomic_dec_if_positive(&sim_hv.inj.busy) >= 0) {
		*st = TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT;
		return true;
	}
	if (!valid || !IS_ALIGNED(op->gpn, n) || !sim_span_ok(op->gpn, n))
		return true;
	return sim_take_gpn(op->gpn, n, 0, st);
}

/*
 * PVALIDATE and RMPADJUST act on whatever @va maps. A caller whose @va does
 * not map @gpa would change the wrong page, so the model insists they agree,
 * and that the mapping is an encrypted one: through a decrypted alias the
 * instruction would act on a shared mapping (FAIL_INPUT, unverified).
 * @size: bytes the operation covers from @va.
 */
static bool sim_va_maps(const void *va, u64 gpa, u64 size)
{
	unsigned long addr = (unsigned long)va;
	unsigned int level;
	phys_addr_t pa;
	pte_t *pte;

	if (!va || offset_in_page(addr) || sim_alias_decrypted(addr, size))
		return false;
	pte = lookup_address(addr, &level);
	if (!pte || !pte_present(*pte))
		return false;
	if (level == PG_LEVEL_1G)
		pa = ((phys_addr_t)pud_pfn(*(pud_t *)pte) << PAGE_SHIFT) | (addr & ~PUD_MASK);
	else if (level == PG_LEVEL_2M)
		pa = ((phys_addr_t)pmd_pfn(*(pmd_t *)pte) << PAGE_SHIFT) | (addr & ~PMD_MASK);
	else
		pa = (phys_addr_t)pte_pfn(*pte) << PAGE_SHIFT;
	return pa == gpa;
}

/*
 * The VA operand of PVALIDATE and RMPADJUST: a 2M operation needs a 2M-
 * aligned VA (AMD APM; OpenHCL's boot shim asserts it), checked before the
 * mapping, so any misaligned VA fails; then it must map @gpa, encrypted.
 */
static bool snp_va_ok(const void *va, u64 gpa, bool huge)
{
	if (huge && !IS_ALIGNED((unsigned long)va, SZ_2M))
		return false;
	return sim_va_maps(va, gpa, huge ? SZ_2M : PAGE_SIZE);
}

/* SNP: the unit holding @gpn is validated as one 2M RMP entry. */
static bool snp_unit_at_2m(u64 gpn)
{
	u64 first = round_down(gpn, SIM_UNIT_PAGES);
	u16 s;

	if (!sim_span_ok(first, SIM_UNIT_PAGES))
		return false;
	s = pg_get(first);
	return (s & SIM_PAGE_ACCEPTED) && pg_size(s) == SIM_2M;
}

static u64 snp_pvalidate_2m(struct sim_op *op)
{
	unsigned long unit = sim_unit(op->gpn);
	bool at_2m = snp_unit_at_2m(op->gpn);
	u64 gpn;
	u16 s;

	for (gpn = op->gpn; gpn < op->gpn + SIM_UNIT_PAGES; gpn++)
		if (pg_shared(pg_get(gpn)))
			return SNP_RET_FAIL_INPUT;
	if (test_bit(unit, sim_hv.smashed) ||
	    (!at_2m && test_bit(unit, sim_hv.mismatch)))
		return SNP_RET_FAIL_SIZEMISMATCH;
	if (at_2m == !!op->arg) {
		op->no_update = true;
		return SNP_RET_SUCCESS;
	}
	for (gpn = op->gpn; gpn < op->gpn + SIM_UNIT_PAGES; gpn++) {
		s = pg_get(gpn);
		pg_set(gpn, op->arg ? pg_accept(s, SIM_2M) : pg_unaccept(s));
		if (op->arg && (s & SIM_PAGE_TAINTED))
			sim_fill_later(op, gpn, SIM_GARBAGE_BYTE);
	}
	return SNP_RET_SUCCESS;
}

/*
 * FAIL_SIZEMISMATCH for a 4K PVALIDATE or RMPADJUST inside a unit the RMP
 * holds as one 2M entry is what this model returns; hardware does not
 * (unverified end to end): the CPU takes a nested page fault with the SIZEM
 * bit, the host PSMASHes the entry into 512 4K entries that keep their
 * validated state and VMPL permissions, and the guest's instruction is
 * restarted and succeeds (KVM sev_handle_rmp_fault()). A status is modelled
 * rather than that silent split because the module answers it by splitting
 * the unit itself (platform_snp.c snp_split_unit(): rescind at 2M,
 * re-validate at 4K, restore the rights), which ends in the same state as
 * the host's split, and works whether or not a host splits: with a host
 * that does, the module never sees the status. A 2M operation on a unit
 * the RMP holds at 4K gets FAIL_SIZEMISMATCH on hardware as here.
 */
static u64 snp_pvalidate_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);

	if (op->level == SIM_2M)
		return snp_pvalidate_2m(op);
	if (pg_shared(s))
		return SNP_RET_FAIL_INPUT;
	if (snp_unit_at_2m(op->gpn))
		return SNP_RET_FAIL_SIZEMISMATCH;
	if (!!(s & SIM_PAGE_ACCEPTED) == !!op->arg) {
		op->no_update = true;
		return SNP_RET_SUCCESS;
	}
	if (!op->arg) {
		pg_set(op->gpn, pg_unaccept(s));
		return SNP_RET_SUCCESS;
	}
	set_bit(sim_unit(op->gpn), sim_hv.smashed);
	pg_set(op->gpn, pg_accept(s, SIM_4K));
	/* SNP does not zero: what the host left reads as garbage. */
	if (s & SIM_PAGE_TAINTED)
		sim_fill_later(op, op->gpn, SIM_GARBAGE_BYTE);
	return SNP_RET_SUCCESS;
}

/**
 * sim_pvalidate() - the simulated SNP PVALIDATE
 * @gpa: the page
 * @va: where the caller maps it
 * @huge: 2 MiB rather than 4 KiB
 * @validate: 1 validates, 0 rescinds
 * @no_update: out: the carry flag, the page was already so
 *
 * Return: the EAX code.
 */
int sim_pvalidate(u64 gpa, void *va, bool huge, bool validate, bool *no_update)
{
	struct sim_op op = { .gpn = gpa >> PAGE_SHIFT, .level = huge ? SIM_2M : SIM_4K,
			     .arg = validate, .fn = snp_pvalidate_fn };
	bool valid = offset_in_page(gpa) == 0 && snp_va_ok(va, gpa, huge);
	u64 st;

	if (!sim_instr_pre(&op, CVM_VTLMEM_ISOLATION_SNP, valid, SNP_RET_FAIL_INPUT, &st))
		st = sim_apply(&op);
	*no_update = op.no_update;
	sim_account(huge ? SIM_OP_PVALIDATE_2M : SIM_OP_PVALIDATE_4K, !st, st,
		    st == SNP_RET_FAIL_SIZEMISMATCH, st ? 0 : sim_page_ns(op.level));
	return st;
}

static u64 snp_rmpadjust_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);
	u64 gpn;

	if (!(s & SIM_PAGE_ACCEPTED))
		return SNP_RET_FAIL_INPUT;
	if (pg_size(s) != op->level)
		return SNP_RET_FAIL_SIZEMISMATCH;
	for (gpn = op->gpn; gpn < op->gpn + sim_level_pages(op->level); gpn++)
		pg_set(gpn, (pg_get(gpn) & ~op->mask) | op->arg);
	return SNP_RET_SUCCESS;
}

/* RMPADJUST rights of VMPL 2 - @vtl, as SIM_PAGE bits of @vtl. */
static u16 snp_rights(u64 attrs, unsigned int vtl)
{
	u16 r = 0;

	if (attrs & SNP_RMPADJUST_READ)
		r |= HV_MAP_GPA_READ;
	if (attrs & SNP_RMPADJUST_WRITE)
		r |= HV_MAP_GPA_WRITE;
	if (attrs & SNP_RMPADJUST_EXEC_SUPER)
		r |= HV_MAP_GPA_KERNEL_EXEC;
	if (attrs & SNP_RMPADJUST_EXEC_USER)
		r |= HV_MAP_GPA_USER_EXEC;
	return r << (SIM_PAGE_VTL0_SHIFT + 4 * vtl);
}

/**
 * sim_rmpadjust() - the simulated SNP RMPADJUST
 * @gpa: the page
 * @va: where the caller maps it
 * @huge: 2 MiB rather than 4 KiB
 * @attrs: target VMPL and rights
 *
 * Return: the EAX code.
 */
int sim_rmpadjust(u64 gpa, void *va, bool huge, u64 attrs)
{
	struct sim_op op = { .gpn = gpa >> PAGE_SHIFT, .level = huge ? SIM_2M : SIM_4K,
			     .fn = snp_rmpadjust_fn };
	u64 vmpl = FIELD_GET(SNP_RMPADJUST_VMPL, attrs);
	bool valid = offset_in_page(gpa) == 0 && !(attrs & SNP_RMPADJUST_RESERVED) &&
		     snp_va_ok(va, gpa, huge);
	u64 st;

	if (!sim_instr_pre(&op, CVM_VTLMEM_ISOLATION_SNP, valid, SNP_RET_FAIL_INPUT, &st)) {
		if (vmpl != SNP_VMPL_OF_VTL(0) && vmpl != SNP_VMPL_OF_VTL(1)) {
			st = SNP_RET_FAIL_PERMISSION;
		} else {
			op.mask = SIM_RIGHTS(2 - vmpl);
			op.arg = snp_rights(attrs, 2 - vmpl);
			st = sim_apply(&op);
		}
	}
	sim_account(SIM_OP_RMPADJUST, !st, st, st == SNP_RET_FAIL_SIZEMISMATCH,
		    st ? 0 : sim_page_ns(op.level));
	return st;
}

/* Does an injected sizemismatch cover @op's 2M or 1G span? */
static bool tdx_mismatch(const struct sim_op *op)
{
	unsigned long first = sim_unit(op->gpn);
	unsigned long last = sim_unit(op->gpn + sim_level_pages(op->level) - 1) + 1;

	return op->level > SIM_4K && find_next_bit(sim_hv.mismatch, last, first) < last;
}

static u64 tdx_accept_fn(struct sim_op *op)
{
	u64 gpn, n = sim_level_pages(op->level), accepted = 0;
	bool smaller = false;
	u16 s;

	for (gpn = op->gpn; gpn < op->gpn + n; gpn++) {
		s = pg_get(gpn);
		if (pg_shared(s))
			return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		if (s & SIM_PAGE_ACCEPTED) {
			accepted++;
			smaller |= pg_size(s) < op->level;
		}
	}
	if (tdx_mismatch(op) || (accepted && (accepted < n || smaller)))
		return TDX_PAGE_SIZE_MISMATCH | op->level;
	if (accepted)
		return TDX_PAGE_ALREADY_ACCEPTED | op->level;
	for (gpn = op->gpn; gpn < op->gpn + n; gpn++) {
		pg_set(gpn, pg_accept(pg_get(gpn), op->level));
		sim_fill_later(op, gpn, 0);
	}
	return TDX_STATUS_SUCCESS;
}

/*
 * ATTR.WR works on one page of the secure EPT at the level given: every
 * page of the span must have been accepted at that level (the span being
 * naturally aligned, they are then one page). A 2M write over pages
 * accepted at 4K, or a 4K one inside a page accepted at 2M or 1G, is a
 * size mismatch.
 */
static u64 tdx_attr_fn(struct sim_op *op)
{
	u64 gpn, end = op->gpn + sim_level_pages(op->level);
	bool mismatch = false;
	u16 s;

	for (gpn = op->gpn; gpn < end; gpn++) {
		s = pg_get(gpn);
		if (!(s & SIM_PAGE_ACCEPTED))
			return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		mismatch |= pg_size(s) != op->level;
	}
	if (mismatch)
		return TDX_PAGE_SIZE_MISMATCH | op->level;
	for (gpn = op->gpn; gpn < end; gpn++)
		pg_set(gpn, (pg_get(gpn) & ~op->mask) | op->arg);
	return TDX_STATUS_SUCCESS;
}

/* ATTR.WR operands: L2 VM1 is VTL0, VM2 is VTL1, VM3 is checked only. */
static bool tdx_attr_decode(struct sim_op *op, u64 rdx, u64 r8)
{
	unsigned int vm, shift;
	u64 attr, mask;

	if ((rdx | r8) & GENMASK_ULL(15, 0))
		return false;
	op->arg = 0;
	op->mask = 0;
	for (vm = 1; vm <= 3; vm++) {
		attr = (rdx >> TDX_L2_VM_SHIFT(vm)) & 0xFFFF;
		mask = (r8 >> TDX_L2_VM_SHIFT(vm)) & 0xFFFF;
		if ((attr | mask) & ~TDX_ATTR_FIELD_OK)
			return false;
		if (vm > TDX_L2_VM_OF_VTL(1))
			continue;
		shift = SIM_PAGE_VTL0_SHIFT + 4 * (vm - TDX_L2_VM_OF_VTL(0));
		op->mask |= (mask & TDX_L2_ATTR_RIGHTS) << shift;
		op->arg |= (attr & mask & TDX_L2_ATTR_RIGHTS) << shift;
	}
	return true;
}

static enum cvm_sim_op tdx_op_kind(u64 leaf, unsigned int level)
{
	if (leaf == TDG_MEM_PAGE_ATTR_WR)
		return SIM_OP_TDX_ATTR_WR;
	if (leaf == TDG_MEM_PAGE_ACCEPT && level <= SIM_1G)
		return SIM_OP_TDX_ACCEPT_4K + level;
	return SIM_OP_HV_OTHER;
}

/**
 * sim_tdcall() - the simulated TDX TDCALL
 * @leaf: RAX
 * @rcx: RCX
 * @rdx: RDX
 * @r8: R8
 *
 * Leaves other than ACCEPT and ATTR.WR, TDG.MEM.PAGE.RELEASE among them (TDX
 * Connect, which the module does not support), are not modelled: they get
 * OPERAND_INVALID naming RAX, the leaf (unverified operand id).
 *
 * Return: the status in RAX.
 */
u64 sim_tdcall(u64 leaf, u64 rcx, u64 rdx, u64 r8)
{
	struct sim_op op = { .gpn = rcx >> PAGE_SHIFT, .level = FIELD_GET(TDX_GPA_LEVEL, rcx) };
	enum cvm_sim_op kind = tdx_op_kind(leaf, op.level);
	bool valid = kind != SIM_OP_HV_OTHER && op.level <= SIM_1G &&
		     !(rcx & TDX_GPA_RESERVED);
	u64 invalid = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	u64 st;

	if (leaf == TDG_MEM_PAGE_ATTR_WR) {
		op.fn = tdx_attr_fn;
		valid &= tdx_attr_decode(&op, rdx, r8);
	} else if (leaf == TDG_MEM_PAGE_ACCEPT) {
		op.fn = tdx_accept_fn;
	} else {
		invalid = TDX_OPERAND_INVALID | SIM_TDX_OPERAND_ID_RAX;
	}
	if (!sim_instr_pre(&op, CVM_VTLMEM_ISOLATION_TDX, valid, invalid, &st)) {
		/* Only 4K and 2M are accepted dynamically (unverified status). */
		if (leaf == TDG_MEM_PAGE_ACCEPT && op.level == SIM_1G &&
		    !READ_ONCE(sim_hv.tdx_accept_1g))
			st = TDX_PAGE_SIZE_MISMATCH | op.level;
		else
			st = sim_apply(&op);
	}
	sim_account(kind, !st, st, (st & TDX_STATUS_MASK) == TDX_PAGE_SIZE_MISMATCH,
		    st ? 0 : sim_page_ns(op.level));
	return st;
}
