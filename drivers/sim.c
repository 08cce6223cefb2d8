// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated hypervisor: a strict model of Hyper-V's memory hypercalls
 * and of the SNP and TDX page instructions for the RAM given by sim_ram=,
 * behind the same transport interface as the real trap.
 *
 * The rules, with their sources ("hvdef" is OpenVMM vm/hv1/hvdef/src/lib.rs,
 * "OpenHCL" openvmm's openhcl/, both at 1488a37b; "unverified" marks what no
 * public source settles, where the model chose the strict reading):
 *
 * HvCallModifyVtlProtectionMask (non-isolated and VBS). The HvInputVtl byte
 * names the VTL whose protection mask is set; a mask restricts every VTL
 * below it (OpenHCL underhill_mem apply_protections: "the permissions apply
 * to all lower VTLs"). Reserved bits 5-7: INVALID_PARAMETER (hvdef
 * HvInputVtl::target_vtl). "Use target" clear: the caller's own VTL, VTL2
 * (the VTL number is then ignored, as hvdef does). Target VTL0:
 * INVALID_PARAMETER (OpenVMM hv1_hypercall imp.rs: target "must not be
 * VTL0"). A target above the caller: ACCESS_DENIED (OpenHCL hardware_cvm
 * target_vtl_no_higher). Target VTL1: ACCESS_DENIED, unverified: VTL2 never
 * sets VTL1's own mask, and refusing it shows an attempt in the tests. VTL2's
 * mask is the only one modelled: VTL0's and VTL1's rights on a page are both
 * the map flags. Flags beyond R/W/KX/UX: INVALID_PARAMETER. VBS: a page not
 * accepted, or host-visible, is OPERATION_DENIED (OpenHCL hardware_cvm
 * change_vtl_protections refuses shared pages so).
 *
 * HvCallAcceptGpaPages (VBS). Attributes per hvdef AcceptPagesAttributes;
 * reserved bits, a memory type other than RAM, a visibility other than
 * private: INVALID_PARAMETER. VTL set bit N names VTL N, whose mask is
 * vtl_permission_set[N - 1] (hvdef VtlPermissionSet "starting from VTL 1").
 * VTL0 has no mask: INVALID_PARAMETER; VTL1: INVALID_PARAMETER, unverified
 * (never set by the module). VTL2: VTL0 and VTL1 get that mask (at most
 * R/W/KX/UX). An empty set gives the partition's default mask, all rights
 * (openhcl_boot memory.rs sets default_vtl_protection_mask = 0xF). A
 * permission for a VTL not in the set must be 0 (unverified, the strict
 * reading). More than 509 pages a call: INVALID_HYPERCALL_INPUT (the most
 * OpenHCL sends, hcl ioctl.rs accept_gpa_pages; the hv1 emulator types the
 * reps as GPNs on the input page). Accepted or host-visible pages:
 * OPERATION_DENIED. Accepted pages read as zero.
 *
 * HvCallUnacceptGpaPages (VBS; OpenHCL never issues it). Input per hvdef
 * UnacceptGpaPages: attributes are UnacceptPagesAttributes, a VTL set in
 * bits 0-2, the rest reserved (INVALID_PARAMETER); VTL0 in the set:
 * INVALID_PARAMETER. For each VTL N in the set the page's mask must equal
 * vtl_permission_set[N - 1] ("the set of VTL permissions to check
 * against"), else ACCESS_DENIED (unverified status). VTL1's mask is never
 * set here, so it is the default, all rights (unverified). Permissions of
 * VTLs not in the set must be 0, at most R/W/KX/UX (unverified). More than
 * 509 pages: INVALID_HYPERCALL_INPUT. The page ends unaccepted, no rights.
 *
 * HvCallModifySparseGpaPageHostVisibility. Shared on VBS: the page must be
 * accepted ("On VBS, we need to accept the pages first before we move them
 * to shared", underhill_mem init.rs), else OPERATION_DENIED; it stays
 * accepted with its rights and its contents, which the host reads. Shared
 * on SNP: the page must have been rescinded, else ACCESS_DENIED. Shared on
 * TDX: the platform drops acceptance itself (OpenHCL issues no TDCALL
 * before sharing without TDX Connect). On SNP and TDX the contents turn to
 * ciphertext (SIM_CIPHER_BYTE). Private: unaccepted, host-controlled.
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
 *
 * Locking: page state lives in a u16 per page. Operations of at most 2M
 * take their 1G unit's rwlock for read, then their 2M unit's spinlock; 1G
 * operations (and 4K ones that must split a 1G page) take the 1G rwlock
 * for write. Page contents are written after the locks are dropped, while
 * the unit is marked busy: other operations on that unit wait for the
 * write, so each page's state change and its contents stay one atomic step.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/io.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "sim_internal.h"
#include "transport.h"

struct sim_hv sim_hv;

static char *sim_ram;
module_param(sim_ram, charp, 0444);
MODULE_PARM_DESC(sim_ram, "simulated VTL0 RAM as SIZE@BASE, reserved with memmap=");

static ulong sim_call_ns, sim_page_4k_ns, sim_page_2m_ns, sim_page_1g_ns;
module_param(sim_call_ns, ulong, 0644);
MODULE_PARM_DESC(sim_call_ns, "simulated cost of a hypercall or instruction, ns");
module_param(sim_page_4k_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_4k_ns, "simulated cost per 4K page processed, ns");
module_param(sim_page_2m_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_2m_ns, "simulated cost per 2M page processed, ns");
module_param(sim_page_1g_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_1g_ns, "simulated cost per 1G page processed, ns");

#define SIM_4K		0
#define SIM_2M		1
#define SIM_1G		2
#define SIM_RIGHTS(vtl)	(0xFU << (SIM_PAGE_VTL0_SHIFT + 4 * (vtl)))
#define SIM_ALL_RIGHTS	(SIM_RIGHTS(0) | SIM_RIGHTS(1))
/* sim_apply() internal results, never returned to a caller. */
#define SIM_NEED_BIG	(~0ULL)		/* retry under the 1G write lock */
#define SIM_BUSY	(~0ULL - 1)	/* contents being written, retry */

#define TDX_GPA_LEVEL		GENMASK_ULL(2, 0)
#define TDX_GPA_RESERVED	(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))
#define SIM_TDX_OPERAND_ID_RAX	0x00
#define TDX_ATTR_FIELD_OK	(TDX_L2_ATTR_RIGHTS | TDX_L2_ATTR_SVE | TDX_L2_ATTR_VALID)

/**
 * struct sim_op - one state change on a naturally aligned span
 * @gpn: first page of the span
 * @level: span size, SIM_4K, SIM_2M or SIM_1G
 * @big: the 1G write lock is held instead of the 2M unit lock
 * @fn: checks and commits the change under the locks; returns the status
 * @arg: argument of @fn (new bits, visibility, validate)
 * @mask: second argument of @fn (bits to replace)
 * @no_update: PVALIDATE found the page already in the requested state
 * @fill: contents to write once the locks are dropped
 * @fill_xor: XOR the pages with @fill_byte rather than fill them with it
 * @fill_byte: what to write
 * @fill_mask: pages of the span to write (spans up to 2M; 1G writes all)
 */
struct sim_op {
	u64 gpn;
	unsigned int level;
	bool big;
	u64 (*fn)(struct sim_op *op);
	u64 arg;
	u16 mask;
	bool no_update;
	bool fill;
	bool fill_xor;
	u8 fill_byte;
	DECLARE_BITMAP(fill_mask, SIM_UNIT_PAGES);
};

static u64 sim_level_pages(unsigned int level)
{
	return 1ULL << (SIM_UNIT_SHIFT * level);
}

static u16 pg_get(u64 gpn)
{
	return READ_ONCE(sim_hv.pages[gpn - sim_hv.base_gpn]);
}

static void pg_set(u64 gpn, u16 state)
{
	WRITE_ONCE(sim_hv.pages[gpn - sim_hv.base_gpn], state);
}

static unsigned int pg_size(u16 s)
{
	return FIELD_GET(SIM_PAGE_SIZE_MASK, s);
}

static bool pg_shared(u16 s)
{
	return FIELD_GET(SIM_PAGE_VIS_MASK, s) != HV_VISIBILITY_PRIVATE;
}

/* Accepting resets the lower VTLs' rights and ends host control. */
static u16 pg_accept(u16 s, unsigned int size)
{
	s &= ~(SIM_PAGE_SIZE_MASK | SIM_PAGE_TAINTED | SIM_ALL_RIGHTS);
	return s | SIM_PAGE_ACCEPTED | FIELD_PREP(SIM_PAGE_SIZE_MASK, size);
}

static u16 pg_unaccept(u16 s)
{
	return s & ~(SIM_PAGE_ACCEPTED | SIM_PAGE_SIZE_MASK | SIM_ALL_RIGHTS);
}

static unsigned long sim_unit(u64 gpn)
{
	return (gpn >> SIM_UNIT_SHIFT) - sim_hv.first_unit;
}

static rwlock_t *sim_gig_lock(u64 gpn)
{
	return &sim_hv.gig_lock[(gpn >> SIM_GIG_SHIFT) - sim_hv.first_gig];
}

/**
 * sim_span_ok() - whether pages [@gpn, @gpn + @n) are all simulated RAM
 * @gpn: first page
 * @n: number of pages, at least 1
 *
 * Return: true if the whole span is inside sim RAM.
 */
bool sim_span_ok(u64 gpn, u64 n)
{
	return n && n <= sim_hv.npages && gpn >= sim_hv.base_gpn &&
	       gpn - sim_hv.base_gpn <= sim_hv.npages - n;
}

/* Units [first, last) whose busy bits cover @op's locked region. */
static void sim_busy_range(const struct sim_op *op, bool locked,
			   unsigned long *first, unsigned long *last)
{
	u64 n = sim_level_pages(op->level), start = op->gpn;

	if (locked && op->big) {
		n = sim_level_pages(SIM_1G);
		start = round_down(op->gpn, n);
	}
	*first = start < sim_hv.base_gpn ? 0 : sim_unit(start);
	*last = min_t(u64, sim_unit(start + n - 1) + 1, sim_hv.nr_units);
}

static bool sim_busy(const struct sim_op *op)
{
	unsigned long first, last;

	sim_busy_range(op, true, &first, &last);
	if (find_next_bit(sim_hv.busy, last, first) < last)
		return true;
	/* Pairs with clear_bit_unlock(): see the contents written. */
	smp_acquire__after_ctrl_dep();
	return false;
}

static void sim_busy_mark(const struct sim_op *op, bool on)
{
	unsigned long u, first, last;

	sim_busy_range(op, false, &first, &last);
	for (u = first; u < last; u++) {
		if (on)
			set_bit(u, sim_hv.busy);
		else
			clear_bit_unlock(u, sim_hv.busy);
	}
}

/* Under the locks: wait out content writes, run the model, claim the unit. */
static u64 sim_step(struct sim_op *op)
{
	u64 ret;

	if (sim_busy(op))
		return SIM_BUSY;
	op->fill = false;
	op->fill_xor = false;
	bitmap_zero(op->fill_mask, SIM_UNIT_PAGES);
	ret = op->fn(op);
	if (ret != SIM_NEED_BIG && op->fill) {
		/* A waiter spins on this CPU's write: never be preempted. */
		preempt_disable();
		sim_busy_mark(op, true);
	}
	return ret;
}

static u64 sim_step_small(struct sim_op *op)
{
	rwlock_t *gig = sim_gig_lock(op->gpn);
	spinlock_t *unit = &sim_hv.unit_lock[sim_unit(op->gpn)];
	u64 ret;

	read_lock(gig);
	spin_lock(unit);
	ret = sim_step(op);
	spin_unlock(unit);
	read_unlock(gig);
	return ret;
}

static u64 sim_step_big(struct sim_op *op)
{
	rwlock_t *gig = sim_gig_lock(op->gpn);
	u64 ret;

	write_lock(gig);
	ret = sim_step(op);
	write_unlock(gig);
	return ret;
}

/* Every byte of the page at @va XOR @byte. */
static void sim_xor_page(u8 *va, u8 byte)
{
	u64 *w = (u64 *)va, x = 0x0101010101010101ULL * byte;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] ^= x;
}

static void sim_fill(const struct sim_op *op)
{
	u64 i, n = sim_level_pages(op->level);
	u8 *va = sim_hv.map + ((op->gpn - sim_hv.base_gpn) << PAGE_SHIFT);

	for (i = 0; i < n; i++, va += PAGE_SIZE) {
		if (n <= SIM_UNIT_PAGES && !test_bit(i, op->fill_mask))
			continue;
		if (op->fill_xor)
			sim_xor_page(va, op->fill_byte);
		else
			memset(va, op->fill_byte, PAGE_SIZE);
	}
}

/* Run @op->fn atomically on its span; write the contents it asked for. */
static u64 sim_apply(struct sim_op *op)
{
	u64 ret;

	op->big = op->level == SIM_1G;
	for (;;) {
		ret = op->big ? sim_step_big(op) : sim_step_small(op);
		if (ret == SIM_NEED_BIG)
			op->big = true;
		else if (ret == SIM_BUSY)
			cpu_relax();
		else
			break;
	}
	if (op->fill) {
		sim_fill(op);
		sim_busy_mark(op, false);
		preempt_enable();
	}
	return ret;
}

/* Ask for page @gpn of @op's span to be filled with @byte. */
static void sim_fill_later(struct sim_op *op, u64 gpn, u8 byte)
{
	op->fill = true;
	op->fill_byte = byte;
	if (op->level < SIM_1G)
		__set_bit(gpn - op->gpn, op->fill_mask);
}

/*
 * SNP, TDX: page @gpn went shared; the host and the shared view see its
 * private contents as ciphertext (%SIM_CIPHER_BYTE). One kind of write per
 * operation: a visibility change is a 4K operation of its own.
 */
static void sim_scramble_later(struct sim_op *op, u64 gpn)
{
	sim_fill_later(op, gpn, SIM_CIPHER_BYTE);
	op->fill_xor = true;
}

/*
 * The host splits the large page holding @gpn so that this 4K page can
 * change alone; the rest of it stays accepted, now at 4K.
 */
static u64 sim_split(struct sim_op *op, u64 gpn)
{
	u16 s = pg_get(gpn);
	u64 i, n, first;

	if (!(s & SIM_PAGE_ACCEPTED) || pg_size(s) == SIM_4K)
		return 0;
	if (pg_size(s) == SIM_1G && !op->big)
		return SIM_NEED_BIG;
	n = sim_level_pages(pg_size(s));
	first = round_down(gpn, n);
	for (i = first; i < first + n; i++)
		pg_set(i, pg_get(i) & ~SIM_PAGE_SIZE_MASK);
	for (i = first; i < first + n; i += SIM_UNIT_PAGES)
		set_bit(sim_unit(i), sim_hv.smashed);
	return 0;
}

/*
 * Busy-wait the simulated cost on the clock: ndelay()'s calibration runs
 * about 40% short under QEMU TCG, where the test rig runs.
 */
static void sim_spend(u64 ns)
{
	u64 end;

	if (!ns)
		return;
	end = ktime_get_ns() + ns;
	while (ktime_get_ns() < end)
		cpu_relax();
}

/* Count one operation and spend its cost; no lock may be held. */
static void sim_account(enum cvm_sim_op op, u32 reps, bool failed, u64 ns)
{
	struct sim_pcpu __percpu *pc = sim_hv.pcpu;

	this_cpu_inc(pc->calls);
	this_cpu_inc(pc->op[op].calls);
	this_cpu_add(pc->op[op].reps, reps);
	if (failed)
		this_cpu_inc(pc->op[op].failures);
	sim_spend(ns + READ_ONCE(sim_call_ns));
}

static u64 sim_page_ns(unsigned int level)
{
	static ulong *const cost[] = { &sim_page_4k_ns, &sim_page_2m_ns, &sim_page_1g_ns };

	return READ_ONCE(*cost[level]);
}

/* ---- Hypercalls ---- */

/**
 * struct sim_hc - one hypercall being decoded and run
 * @input: the input page
 * @desc: what the call code names
 * @count: rep count
 * @start: rep start index
 * @done: reps completed, as reported
 * @reps: reps actually processed by this call
 * @gpns: element list of list calls, else NULL
 * @gpn_base: first page of accept/unaccept
 * @arg: element argument decoded from the header
 * @mask: second element argument
 * @ns: simulated cost of the pages processed
 * @ram_first: a page of this kernel's System RAM found by this call
 * @ram_end: end of the System RAM extent from @ram_first (0: none yet)
 * @vtl2_gpn: first page of the run of VTL2 pages processed, not yet recorded
 * @vtl2_index: element index of @vtl2_gpn
 * @vtl2_n: pages in that run
 */
struct sim_hc {
	const void *input;
	const struct sim_hc_desc *desc;
	u32 count;
	u32 start;
	u32 done;
	u32 reps;
	const u64 *gpns;
	u64 gpn_base;
	u64 arg;
	u16 mask;
	u64 ns;
	u64 ram_first;
	u64 ram_end;
	u64 vtl2_gpn;
	u32 vtl2_index;
	u32 vtl2_n;
};

/**
 * struct sim_hc_desc - a hypercall the simulation implements
 * @code: call code
 * @op: counter row
 * @isolations: BIT() of each isolation type that allows it
 * @list: the input has a GPN list after a 16-byte header
 * @header: checks the header, fills the element arguments
 * @fn: the per-element model, run by sim_apply()
 */
struct sim_hc_desc {
	u16 code;
	enum cvm_sim_op op;
	u8 isolations;
	bool list;
	u16 (*header)(struct sim_hc *hc);
	u64 (*fn)(struct sim_op *op);
};

static u16 hv_visibility_header(struct sim_hc *hc)
{
	const struct hv_modify_visibility_input *in = hc->input;

	if (in->partition_id != HV_PARTITION_ID_SELF || in->reserved ||
	    (in->visibility != HV_VISIBILITY_PRIVATE &&
	     in->visibility != HV_VISIBILITY_SHARED))
		return HV_STATUS_INVALID_PARAMETER;
	hc->arg = in->visibility;
	hc->gpns = hc->input + sizeof(*in);
	return HV_STATUS_SUCCESS;
}

/* The VTL0 and VTL1 rights fields of a page, both @rights. */
static u16 sim_both(unsigned int rights)
{
	return rights << SIM_PAGE_VTL0_SHIFT | rights << SIM_PAGE_VTL1_SHIFT;
}

static u64 hv_visibility_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);
	u64 ret;

	if (op->arg == HV_VISIBILITY_PRIVATE) {
		if (pg_shared(s))
			pg_set(op->gpn, SIM_PAGE_TAINTED);
		return HV_STATUS_SUCCESS;
	}
	if (pg_shared(s))
		return HV_STATUS_SUCCESS;
	switch (cvm.isolation) {
	case CVM_VTLMEM_ISOLATION_VBS:
		/* Accepted first; it stays so, rights and plaintext kept. */
		if (!(s & SIM_PAGE_ACCEPTED))
			return HV_STATUS_OPERATION_DENIED;
		pg_set(op->gpn, s | FIELD_PREP(SIM_PAGE_VIS_MASK, HV_VISIBILITY_SHARED) |
				SIM_PAGE_TAINTED);
		return HV_STATUS_SUCCESS;
	case CVM_VTLMEM_ISOLATION_SNP:
		/* Rescinded first, by the guest. */
		if (s & SIM_PAGE_ACCEPTED)
			return HV_STATUS_ACCESS_DENIED;
		break;
	default:
		/* TDX: the host's conversion drops the acceptance. */
		ret = sim_split(op, op->gpn);
		if (ret)
			return ret;
		break;
	}
	pg_set(op->gpn, FIELD_PREP(SIM_PAGE_VIS_MASK, HV_VISIBILITY_SHARED) |
			SIM_PAGE_TAINTED);
	sim_scramble_later(op, op->gpn);
	return HV_STATUS_SUCCESS;
}

/*
 * A VTL set and its vtl_permission_set (index VTL - 1): VTL0 has no mask,
 * a permission of a VTL outside the set must be 0, and a mask is at most
 * R/W/KX/UX.
 */
static bool hv_vtl_set_ok(unsigned int set, const u16 perm[2])
{
	unsigned int vtl;

	if (set & BIT(0))
		return false;
	for (vtl = 1; vtl <= 2; vtl++)
		if (perm[vtl - 1] & ~(set & BIT(vtl) ? HV_MAP_GPA_ALL : 0))
			return false;
	return true;
}

static u16 hv_accept_header(struct sim_hc *hc)
{
	const struct hv_accept_gpa_pages_input *in = hc->input;
	u32 attr = in->attributes;
	unsigned int set = FIELD_GET(HV_ACCEPT_VTL_SET, attr);

	if (in->partition_id != HV_PARTITION_ID_SELF ||
	    (attr & HV_ACCEPT_RESERVED) ||
	    FIELD_GET(HV_ACCEPT_MEMORY_TYPE, attr) != HV_ACCEPT_MEMORY_RAM ||
	    FIELD_GET(HV_ACCEPT_VISIBILITY, attr) != HV_VISIBILITY_PRIVATE ||
	    !hv_vtl_set_ok(set, in->vtl_permission_set))
		return HV_STATUS_INVALID_PARAMETER;
	/* VTL1's own mask: unverified, never set by the module. */
	if (set & BIT(1))
		return HV_STATUS_INVALID_PARAMETER;
	/* VTL2's mask, else the partition default (all rights). */
	hc->arg = sim_both(set & BIT(2) ? in->vtl_permission_set[1] : HV_MAP_GPA_ALL);
	hc->gpn_base = in->gpn_base;
	return HV_STATUS_SUCCESS;
}

static u64 hv_accept_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);

	if (pg_shared(s) || (s & SIM_PAGE_ACCEPTED))
		return HV_STATUS_OPERATION_DENIED;
	pg_set(op->gpn, pg_accept(s, SIM_4K) | op->arg);
	sim_fill_later(op, op->gpn, 0);
	return HV_STATUS_SUCCESS;
}

/* A check no page passes: @arg has a bit outside any page's rights. */
#define SIM_NEVER	BIT(16)

static u16 hv_unaccept_header(struct sim_hc *hc)
{
	const struct hv_accept_gpa_pages_input *in = hc->input;
	unsigned int set = FIELD_GET(HV_UNACCEPT_VTL_SET, in->attributes);

	if (in->partition_id != HV_PARTITION_ID_SELF ||
	    (in->attributes & HV_UNACCEPT_RESERVED) ||
	    !hv_vtl_set_ok(set, in->vtl_permission_set))
		return HV_STATUS_INVALID_PARAMETER;
	hc->mask = 0;
	hc->arg = 0;
	/* VTL2's mask is what VTL1 (and VTL0) may do. */
	if (set & BIT(2)) {
		hc->mask = SIM_RIGHTS(1);
		hc->arg = in->vtl_permission_set[1] << SIM_PAGE_VTL1_SHIFT;
	}
	/* VTL1's own mask is never set here: the default, all rights. */
	if ((set & BIT(1)) && in->vtl_permission_set[0] != HV_MAP_GPA_ALL)
		hc->arg = SIM_NEVER;
	hc->gpn_base = in->gpn_base;
	return HV_STATUS_SUCCESS;
}

static u64 hv_unaccept_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);

	if (pg_shared(s) || !(s & SIM_PAGE_ACCEPTED))
		return HV_STATUS_OPERATION_DENIED;
	if ((s & op->mask) != op->arg)
		return HV_STATUS_ACCESS_DENIED;
	pg_set(op->gpn, pg_unaccept(s));
	return HV_STATUS_SUCCESS;
}

/*
 * The caller is VTL2. Its own mask (current VTL, or target VTL2) is the
 * one this model keeps, and it binds VTL0 and VTL1 alike.
 */
static u16 hv_protect_header(struct sim_hc *hc)
{
	const struct hv_modify_protection_input *in = hc->input;
	unsigned int vtl = FIELD_GET(HV_INPUT_VTL_TARGET, in->target_vtl);

	if (in->partition_id != HV_PARTITION_ID_SELF ||
	    in->reserved[0] || in->reserved[1] || in->reserved[2] ||
	    (in->target_vtl & HV_INPUT_VTL_RESERVED) ||
	    (in->map_flags & ~HV_MAP_GPA_ALL))
		return HV_STATUS_INVALID_PARAMETER;
	if (in->target_vtl & HV_INPUT_VTL_USE_TARGET) {
		if (vtl == 0)
			return HV_STATUS_INVALID_PARAMETER;
		/* Above the caller; or VTL1's own mask (unverified). */
		if (vtl != 2)
			return HV_STATUS_ACCESS_DENIED;
	}
	hc->mask = SIM_ALL_RIGHTS;
	hc->arg = sim_both(in->map_flags);
	hc->gpns = hc->input + sizeof(*in);
	return HV_STATUS_SUCCESS;
}

static u64 hv_protect_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);

	if (cvm.isolation == CVM_VTLMEM_ISOLATION_VBS &&
	    (pg_shared(s) || !(s & SIM_PAGE_ACCEPTED)))
		return HV_STATUS_OPERATION_DENIED;
	pg_set(op->gpn, (s & ~op->mask) | op->arg);
	return HV_STATUS_SUCCESS;
}

#define ISO(x)	BIT(CVM_VTLMEM_ISOLATION_##x)

static const struct sim_hc_desc sim_hcs[] = {
	{ HVCALL_MODIFY_VTL_PROTECTION_MASK, SIM_OP_HV_PROTECT, ISO(NONE) | ISO(VBS),
	  true, hv_protect_header, hv_protect_fn },
	{ HVCALL_ACCEPT_GPA_PAGES, SIM_OP_HV_ACCEPT, ISO(VBS),
	  false, hv_accept_header, hv_accept_fn },
	{ HVCALL_UNACCEPT_GPA_PAGES, SIM_OP_HV_UNACCEPT, ISO(VBS),
	  false, hv_unaccept_header, hv_unaccept_fn },
	{ HVCALL_MODIFY_SPARSE_GPA_VISIBILITY, SIM_OP_HV_VISIBILITY,
	  ISO(VBS) | ISO(SNP) | ISO(TDX), true, hv_visibility_header,
	  hv_visibility_fn },
};

/*
 * VTL2's own RAM on a non-isolated partition: the running kernel's "System
 * RAM" (whole pages), which HvCallModifyVtlProtectionMask on VTL2's own
 * mask may protect from the lower VTLs. The mask is one for VTL0 and VTL1:
 * extents GPN -> xa_mk_value(rights), no entry meaning every right (the
 * partition's state at boot): 3 GiB is 786k pages, so one entry per page
 * would not do. A reset leaves them alone: like the running kernel, they
 * are not part of the VTL0 RAM the reset restores, and the module
 * remembers having protected them.
 */
static struct maple_tree sim_vtl2 = MTREE_INIT(sim_vtl2, 0);

/* Where a System RAM resource holding the page at @gpa ends. */
struct sim_ram_probe {
	u64 gpa;
	u64 end;
};

static int sim_ram_extent(struct resource *res, void *arg)
{
	struct sim_ram_probe *p = arg;

	/* The walk clips to the window: a resource holding @gpa starts there. */
	if (res->start == p->gpa)
		p->end = PFN_DOWN(res->end + 1);
	return 1;
}

/* Is page @gpn System RAM of this kernel? Remembers the extent for the next. */
static bool sim_vtl2_is_ram(struct sim_hc *hc, u64 gpn)
{
	struct sim_ram_probe p = { .gpa = gpn << PAGE_SHIFT };

	if (gpn >= hc->ram_first && gpn < hc->ram_end)
		return true;
	/* A 1 GiB window: a long extent is found once, not page by page. */
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    p.gpa, p.gpa + SZ_1G - 1, &p, sim_ram_extent);
	if (p.end <= gpn)
		return false;
	hc->ram_first = gpn;
	hc->ram_end = p.end;
	return true;
}

/* VTL2's mask leaves @rights on pages [@first, @last]; merge equal neighbours. */
static int sim_vtl2_store(u64 first, u64 last, unsigned int rights)
{
	MA_STATE(mas, &sim_vtl2, 0, 0);
	struct maple_tree *mt = &sim_vtl2;
	void *entry = rights == HV_MAP_GPA_ALL ? NULL : xa_mk_value((unsigned long)rights);
	int ret;

	mtree_lock(mt);
	if (first) {
		mas_set(&mas, first - 1);
		if (mas_walk(&mas) == entry)
			first = mas.index;
	}
	if (last != ULONG_MAX) {
		mas_set(&mas, last + 1);
		if (mas_walk(&mas) == entry)
			last = mas.last;
	}
	mas_set_range(&mas, first, last);
	/* In a hypercall: the per-CPU input page is held, no sleeping. */
	ret = mas_store_gfp(&mas, entry, GFP_ATOMIC);
	mtree_unlock(mt);
	return ret;
}

/*
 * Record the run of VTL2 pages this call processed. Without memory they
 * were not protected after all: the call fails at the run's first element.
 */
static u16 sim_vtl2_flush(struct sim_hc *hc)
{
	unsigned int rights = (hc->arg >> SIM_PAGE_VTL0_SHIFT) & HV_MAP_GPA_ALL;
	u32 n = hc->vtl2_n;

	if (!n)
		return HV_STATUS_SUCCESS;
	hc->vtl2_n = 0;
	if (!sim_vtl2_store(hc->vtl2_gpn, hc->vtl2_gpn + n - 1, rights))
		return HV_STATUS_SUCCESS;
	hc->done = hc->vtl2_index;
	hc->reps -= n;
	return HV_STATUS_INSUFFICIENT_MEMORY;
}

/*
 * A GPN outside the simulated VTL0 RAM: only VTL2 protecting its own RAM
 * from the lower VTLs on a non-isolated partition is allowed. Consecutive
 * pages are recorded together, by sim_vtl2_flush() once the run ends.
 */
static u16 sim_hc_outside(struct sim_hc *hc, u64 gpn)
{
	u16 st;

	if (hc->desc->op != SIM_OP_HV_PROTECT ||
	    cvm.isolation != CVM_VTLMEM_ISOLATION_NONE || !sim_vtl2_is_ram(hc, gpn))
		return HV_STATUS_INVALID_PARAMETER;
	if (hc->vtl2_n && gpn == hc->vtl2_gpn + hc->vtl2_n &&
	    hc->done == hc->vtl2_index + hc->vtl2_n) {
		hc->vtl2_n++;
		return HV_STATUS_SUCCESS;
	}
	st = sim_vtl2_flush(hc);
	if (st)
		return st;
	hc->vtl2_gpn = gpn;
	hc->vtl2_index = hc->done;
	hc->vtl2_n = 1;
	return HV_STATUS_SUCCESS;
}

/*
 * "VTL FIRST_GPA LAST_GPA RIGHTS" for every VTL2 extent not at full rights:
 * VTL0's lines, then VTL1's, both from VTL2's one mask.
 */
static int sim_vtl2_show(struct seq_file *m, void *unused)
{
	unsigned int vtl;
	void *entry;

	for (vtl = 0; vtl < 2; vtl++) {
		MA_STATE(mas, &sim_vtl2, 0, 0);

		mtree_lock(&sim_vtl2);
		mas_for_each(&mas, entry, ULONG_MAX)
			seq_printf(m, "%u 0x%llx 0x%llx 0x%lx\n", vtl,
				   (u64)mas.index << PAGE_SHIFT,
				   ((u64)mas.last << PAGE_SHIFT) | ~PAGE_MASK,
				   xa_to_value(entry));
		mtree_unlock(&sim_vtl2);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_vtl2);

/* Process elements [done, @stop) in order; stop at the first failure. */
static u16 sim_hc_elements(struct sim_hc *hc, u32 stop)
{
	struct sim_op op = { .fn = hc->desc->fn, .arg = hc->arg, .mask = hc->mask };
	u64 st;

	for (; hc->done < stop; hc->done++) {
		op.gpn = hc->gpns ? hc->gpns[hc->done] : hc->gpn_base + hc->done;
		if (sim_take_gpn(op.gpn, 1, hc->desc->code, &st))
			return st;
		if (sim_span_ok(op.gpn, 1))
			st = sim_apply(&op);
		else
			st = sim_hc_outside(hc, op.gpn);
		if (st)
			return st;
		hc->reps++;
		hc->ns += sim_page_ns(SIM_4K);
	}
	return HV_STATUS_SUCCESS;
}

/* An armed lie answers instead of the model; true if one did. */
static bool sim_hc_lie(struct sim_hc *hc, u16 *st)
{
	unsigned long *lies = &sim_hv.inj.lies;

	if (!READ_ONCE(*lies))
		return false;
	if (test_and_clear_bit(SIM_LIE_NOPROGRESS, lies)) {
		*st = HV_STATUS_SUCCESS;
	} else if (test_and_clear_bit(SIM_LIE_PHANTOM, lies)) {
		*st = HV_STATUS_SUCCESS;
		hc->done = hc->count;
	} else if (hc->start && test_and_clear_bit(SIM_LIE_BACKWARDS, lies)) {
		*st = HV_STATUS_TIME_OUT;
		hc->done = hc->start - 1;
	} else if (test_and_clear_bit(SIM_LIE_OVERCOUNT, lies)) {
		*st = HV_STATUS_INVALID_PARAMETER;
		hc->done = hc->count;
	} else {
		return false;
	}
	return true;
}

/* Everything after a valid control word: lies, header, elements. */
static u16 sim_hc_run(struct sim_hc *hc, const struct sim_fail *nth)
{
	u32 stop, limit = hc->count, to;
	u16 st;

	if (sim_hc_lie(hc, &st))
		return st;
	if (!(hc->desc->isolations & BIT(cvm.isolation)))
		return HV_STATUS_ACCESS_DENIED;
	/* The element list would run past the end of the input page. */
	if (hc->desc->list && hc->count > HV_GPNS_PER_PAGE)
		return HV_STATUS_INVALID_ALIGNMENT;
	st = hc->desc->header(hc);
	if (st)
		return st;
	if (nth)
		limit = min(hc->start + nth->after, hc->count - 1);
	stop = limit;
	to = READ_ONCE(sim_hv.inj.timeout_reps);
	if (to)
		stop = min(stop, hc->start + to);
	st = sim_hc_elements(hc, stop);
	st = sim_vtl2_flush(hc) ?: st;
	if (st || hc->done == hc->count)
		return st;
	return nth && hc->done == limit ? nth->status : HV_STATUS_TIME_OUT;
}

static u16 sim_hc_decode(struct sim_hc *hc, u64 control)
{
	u16 code = FIELD_GET(HV_CTL_CODE, control);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sim_hcs) && sim_hcs[i].code != code; i++)
		;
	if (i == ARRAY_SIZE(sim_hcs))
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	hc->desc = &sim_hcs[i];
	hc->count = FIELD_GET(HV_CTL_REP_COUNT, control);
	hc->start = FIELD_GET(HV_CTL_REP_START, control);
	if ((control & (HV_CTL_FAST | HV_CTL_VARHEAD | HV_CTL_RESERVED)) ||
	    !hc->count || hc->start >= hc->count)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* Accept, unaccept: no more pages than GPNs would fit the page. */
	if (!hc->desc->list && hc->count > HV_ACCEPT_REP_MAX)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	hc->done = hc->start;
	if (!hc->input || !IS_ALIGNED((unsigned long)hc->input, 8))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

/*
 * The result reports reps completed: 0 when the control word is rejected,
 * else cumulative from rep start (a failure at element i reports i).
 */
static u64 sim_hypercall(u64 control, void *input, void *output)
{
	struct sim_hc hc = { .input = input };
	struct sim_fail nth;
	bool fire = sim_take_nth(&nth);
	u16 st;

	st = sim_hc_decode(&hc, control);
	if (!st)
		st = sim_hc_run(&hc, fire ? &nth : NULL);
	sim_account(hc.desc ? hc.desc->op : SIM_OP_HV_OTHER, hc.reps,
		    st != HV_STATUS_SUCCESS && st != HV_STATUS_TIME_OUT, hc.ns);
	return FIELD_PREP(HV_RES_STATUS, st) | FIELD_PREP(HV_RES_REPS_DONE, hc.done);
}

/* ---- Instructions ---- */

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
 * Aliases of sim RAM that map it decrypted (shared). The test kernel has no
 * memory encryption (sme_me_mask is 0), so its page tables cannot say which
 * alias is which: whoever makes a decrypted alias registers it here. Few
 * and short-lived (KUnit), so an array under a spinlock.
 */
#define SIM_MAX_ALIASES	8

static DEFINE_SPINLOCK(sim_alias_lock);
static struct {
	unsigned long start;
	unsigned long end;	/* exclusive; 0 for a free slot */
} sim_aliases[SIM_MAX_ALIASES];
/* Slots in use; read without the lock: none is the common case. */
static unsigned int sim_nr_aliases;

/* Does [@addr, @addr + @len) touch a decrypted alias? */
static bool sim_alias_decrypted(unsigned long addr, u64 len)
{
	bool hit = false;
	unsigned int i;

	if (!READ_ONCE(sim_nr_aliases))
		return false;
	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES && !hit; i++)
		hit = sim_aliases[i].end && addr < sim_aliases[i].end &&
		      addr + len > sim_aliases[i].start;
	spin_unlock(&sim_alias_lock);
	return hit;
}

/**
 * cvm_sim_decrypted_alias() - declare a mapping of sim RAM decrypted
 * @va: its first byte, page-aligned
 * @len: its length in bytes, page-aligned
 *
 * PVALIDATE and RMPADJUST through a VA inside it then fail with
 * %SNP_RET_FAIL_INPUT, as an operation through a shared mapping must.
 * Undone by cvm_sim_decrypted_alias_remove() or cvm_sim_reset().
 *
 * Return: 0, -EINVAL for a bad range, -ENOSPC when %SIM_MAX_ALIASES are
 * registered.
 */
int cvm_sim_decrypted_alias(void *va, u64 len)
{
	unsigned long addr = (unsigned long)va;
	unsigned int i;
	int ret = -ENOSPC;

	if (!va || !len || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len) || addr + len < addr)
		return -EINVAL;
	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES && ret; i++) {
		if (sim_aliases[i].end)
			continue;
		sim_aliases[i].start = addr;
		sim_aliases[i].end = addr + len;
		WRITE_ONCE(sim_nr_aliases, sim_nr_aliases + 1);
		ret = 0;
	}
	spin_unlock(&sim_alias_lock);
	return ret;
}

/**
 * cvm_sim_decrypted_alias_remove() - forget a decrypted alias
 * @va: the address it was registered with
 *
 * Call before the mapping goes away. Unknown addresses are ignored.
 */
void cvm_sim_decrypted_alias_remove(void *va)
{
	unsigned int i;

	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES; i++) {
		if (!sim_aliases[i].end || sim_aliases[i].start != (unsigned long)va)
			continue;
		sim_aliases[i].end = 0;
		WRITE_ONCE(sim_nr_aliases, sim_nr_aliases - 1);
	}
	spin_unlock(&sim_alias_lock);
}

static void sim_aliases_clear(void)
{
	spin_lock(&sim_alias_lock);
	memset(sim_aliases, 0, sizeof(sim_aliases));
	WRITE_ONCE(sim_nr_aliases, 0);
	spin_unlock(&sim_alias_lock);
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

static int sim_pvalidate(u64 gpa, void *va, bool huge, bool validate, bool *no_update)
{
	struct sim_op op = { .gpn = gpa >> PAGE_SHIFT, .level = huge ? SIM_2M : SIM_4K,
			     .arg = validate, .fn = snp_pvalidate_fn };
	bool valid = offset_in_page(gpa) == 0 && snp_va_ok(va, gpa, huge);
	u64 st;

	if (!sim_instr_pre(&op, CVM_VTLMEM_ISOLATION_SNP, valid, SNP_RET_FAIL_INPUT, &st))
		st = sim_apply(&op);
	*no_update = op.no_update;
	sim_account(huge ? SIM_OP_PVALIDATE_2M : SIM_OP_PVALIDATE_4K, !st, st,
		    st ? 0 : sim_page_ns(op.level));
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

static int sim_rmpadjust(u64 gpa, void *va, bool huge, u64 attrs)
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
	sim_account(SIM_OP_RMPADJUST, !st, st, st ? 0 : sim_page_ns(op.level));
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

/*
 * Leaves other than ACCEPT and ATTR.WR, TDG.MEM.PAGE.RELEASE among them (TDX
 * Connect, which the module does not support), are not modelled: they get
 * OPERAND_INVALID naming RAX, the leaf (unverified operand id).
 */
static u64 sim_tdcall(u64 leaf, u64 rcx, u64 rdx, u64 r8)
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
	sim_account(kind, !st, st, st ? 0 : sim_page_ns(op.level));
	return st;
}

/* Interrupts are off: the page is this CPU's until they are on again. */
static void *sim_input_page(void)
{
	return this_cpu_ptr(sim_hv.pcpu)->input;
}

/* The simulated hypervisor's trap, chosen by backend=sim. */
const struct cvm_transport cvm_sim_transport = {
	.name = "sim",
	.input_page = sim_input_page,
	.hypercall = sim_hypercall,
	.pvalidate = sim_pvalidate,
	.rmpadjust = sim_rmpadjust,
	.tdcall = sim_tdcall,
};

/* ---- Host actions, reset, set-up ---- */

static u64 sim_remap_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);
	u64 ret = sim_split(op, op->gpn);

	if (ret)
		return ret;
	pg_set(op->gpn, (s & SIM_PAGE_VIS_MASK) | SIM_PAGE_TAINTED);
	sim_fill_later(op, op->gpn, SIM_GARBAGE_BYTE);
	return 0;
}

/**
 * sim_remap() - the host remaps a page behind the paravisor's back
 * @gpn: a page of sim RAM
 *
 * The page loses acceptance or validation and its rights, and its contents
 * become host garbage (%SIM_GARBAGE_BYTE). A large page holding it is split.
 */
void sim_remap(u64 gpn)
{
	struct sim_op op = { .gpn = gpn, .fn = sim_remap_fn };

	sim_apply(&op);
}

static u64 sim_boot_fn(struct sim_op *op)
{
	u64 ret = sim_split(op, op->gpn);

	if (ret)
		return ret;
	/*
	 * VBS: what the boot loader accepted carries the partition's default
	 * mask (all rights; OpenHCL gives such memory no protection call).
	 * SNP and TDX: accepted with VTL2-only permissions.
	 */
	pg_set(op->gpn, pg_accept(0, SIM_4K) |
			(cvm.isolation == CVM_VTLMEM_ISOLATION_VBS ? sim_both(HV_MAP_GPA_ALL) : 0));
	set_bit(sim_unit(op->gpn), sim_hv.smashed);
	sim_fill_later(op, op->gpn, 0);
	return 0;
}

/**
 * cvm_sim_boot_accept() - what a boot loader accepted before the module
 * @gpa: first byte
 * @len: length in bytes
 *
 * Every page of sim RAM touching [@gpa, @gpa + @len) becomes accepted at
 * 4K, private, untainted, zeroed, with no lower-VTL rights (VBS: all, the
 * partition's default mask).
 *
 * Context: process context.
 */
void cvm_sim_boot_accept(u64 gpa, u64 len)
{
	struct sim_op op = { .fn = sim_boot_fn };
	u64 end;

	if (!len || gpa + len < gpa)
		return;
	end = DIV_ROUND_UP(gpa + len, PAGE_SIZE);
	for (op.gpn = gpa >> PAGE_SHIFT; op.gpn < end; op.gpn++)
		if (sim_span_ok(op.gpn, 1))
			sim_apply(&op);
}

/**
 * cvm_sim_is_ram() - whether a byte range lies inside the simulated RAM
 * @gpa: first byte
 * @len: length in bytes
 *
 * Return: true if all of [@gpa, @gpa + @len) is sim RAM; false for @len 0.
 */
bool cvm_sim_is_ram(u64 gpa, u64 len)
{
	u64 base = sim_hv.base_gpn << PAGE_SHIFT, size = sim_hv.npages << PAGE_SHIFT;

	return len && len <= size && gpa >= base && gpa - base <= size - len;
}

/**
 * cvm_sim_ram() - where the simulated VTL0 RAM is
 * @gpa: out: its first address
 * @len: out: its size in bytes
 *
 * Return: false if the simulation has no RAM (no sim_ram= parameter).
 */
bool cvm_sim_ram(u64 *gpa, u64 *len)
{
	*gpa = sim_hv.base_gpn << PAGE_SHIFT;
	*len = sim_hv.npages << PAGE_SHIFT;
	return sim_hv.npages != 0;
}

/**
 * cvm_sim_page() - simulated state of one page
 * @gpn: guest page number
 *
 * Return: the SIM_PAGE_* bits, or %SIM_PAGE_OUTSIDE if @gpn is not sim RAM.
 */
u16 cvm_sim_page(u64 gpn)
{
	return sim_span_ok(gpn, 1) ? pg_get(gpn) : SIM_PAGE_OUTSIDE;
}

/**
 * sim_mismatch_clear() - drop every injected sizemismatch
 */
void sim_mismatch_clear(void)
{
	unsigned long u;

	for_each_set_bit(u, sim_hv.mismatch, sim_hv.nr_units)
		clear_bit(u, sim_hv.mismatch);
}

/* Non-isolated: all RAM is the lower VTLs', under the default mask (all). */
static u16 sim_initial_state(void)
{
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_NONE)
		return pg_accept(0, SIM_4K) | sim_both(HV_MAP_GPA_ALL);
	return SIM_PAGE_TAINTED;
}

/**
 * cvm_sim_tdx_accept_1g() - let TDG.MEM.PAGE.ACCEPT take 1 GiB pages
 * @allow: true to accept them, false (the default) to refuse them with
 *	PAGE_SIZE_MISMATCH as current TDX modules do
 *
 * The same switch as debugfs sim/tdx_accept_1g; a reset leaves it alone.
 *
 * Return: its previous value.
 */
bool cvm_sim_tdx_accept_1g(bool allow)
{
	bool old = READ_ONCE(sim_hv.tdx_accept_1g);

	WRITE_ONCE(sim_hv.tdx_accept_1g, allow);
	return old;
}

/**
 * cvm_sim_reset() - back to the state at load
 *
 * Every page returns to its initial state, every injection is disarmed,
 * the decrypted aliases are forgotten and the counters are zeroed. Page
 * contents are left as they are. Callers make sure no simulated operation
 * runs concurrently (KUnit between tests).
 */
void cvm_sim_reset(void)
{
	u16 init = sim_initial_state();
	unsigned long u;
	u64 gpn, i;
	rwlock_t *gig;

	sim_inject_clear();
	sim_counters_reset();
	sim_aliases_clear();
	for (u = 0; u < sim_hv.nr_units; u++) {
		gpn = (sim_hv.first_unit + u) << SIM_UNIT_SHIFT;
		gig = sim_gig_lock(gpn);
		read_lock(gig);
		spin_lock(&sim_hv.unit_lock[u]);
		for (i = gpn; i < gpn + SIM_UNIT_PAGES; i++)
			if (sim_span_ok(i, 1))
				pg_set(i, init);
		clear_bit(u, sim_hv.smashed);
		spin_unlock(&sim_hv.unit_lock[u]);
		read_unlock(gig);
	}
}

static int sim_parse_ram(void)
{
	char *p = sim_ram;
	u64 size, base;

	if (!p || !*p)
		return 0;
	size = memparse(p, &p);
	if (*p != '@')
		goto bad;
	base = memparse(p + 1, &p);
	if (*p || !size || !PAGE_ALIGNED(size) || !PAGE_ALIGNED(base) || base + size < base)
		goto bad;
	sim_hv.base_gpn = base >> PAGE_SHIFT;
	sim_hv.npages = size >> PAGE_SHIFT;
	return 0;
bad:
	pr_err("sim_ram=%s is not SIZE@BASE, both 4K-aligned\n", sim_ram);
	return -EINVAL;
}

static int sim_alloc_ram(void)
{
	u64 last = sim_hv.base_gpn + sim_hv.npages - 1;
	unsigned long i, gigs;

	sim_hv.first_unit = sim_hv.base_gpn >> SIM_UNIT_SHIFT;
	sim_hv.nr_units = (last >> SIM_UNIT_SHIFT) - sim_hv.first_unit + 1;
	sim_hv.first_gig = sim_hv.base_gpn >> SIM_GIG_SHIFT;
	gigs = (last >> SIM_GIG_SHIFT) - sim_hv.first_gig + 1;
	sim_hv.map = memremap(sim_hv.base_gpn << PAGE_SHIFT, sim_hv.npages << PAGE_SHIFT,
			      MEMREMAP_WB);
	sim_hv.pages = kvcalloc(sim_hv.npages, sizeof(u16), GFP_KERNEL);
	sim_hv.unit_lock = kvcalloc(sim_hv.nr_units, sizeof(spinlock_t), GFP_KERNEL);
	sim_hv.gig_lock = kvcalloc(gigs, sizeof(rwlock_t), GFP_KERNEL);
	sim_hv.smashed = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	sim_hv.mismatch = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	sim_hv.busy = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	if (!sim_hv.map) {
		pr_err("cannot map sim_ram=%s\n", sim_ram);
		return -ENOMEM;
	}
	if (!sim_hv.pages || !sim_hv.unit_lock || !sim_hv.gig_lock ||
	    !sim_hv.smashed || !sim_hv.mismatch || !sim_hv.busy)
		return -ENOMEM;
	for (i = 0; i < sim_hv.nr_units; i++)
		spin_lock_init(&sim_hv.unit_lock[i]);
	for (i = 0; i < gigs; i++)
		rwlock_init(&sim_hv.gig_lock[i]);
	return 0;
}

static int sim_alloc_input_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);

		if (!page)
			return -ENOMEM;
		per_cpu_ptr(sim_hv.pcpu, cpu)->input = page_address(page);
	}
	return 0;
}

static void sim_free(void)
{
	int cpu;

	if (sim_hv.pcpu)
		for_each_possible_cpu(cpu)
			free_page((unsigned long)per_cpu_ptr(sim_hv.pcpu, cpu)->input);
	if (sim_hv.map)
		memunmap(sim_hv.map);
	kvfree(sim_hv.pages);
	kvfree(sim_hv.unit_lock);
	kvfree(sim_hv.gig_lock);
	bitmap_free(sim_hv.smashed);
	bitmap_free(sim_hv.mismatch);
	bitmap_free(sim_hv.busy);
	free_percpu(sim_hv.pcpu);
	memset(&sim_hv, 0, sizeof(sim_hv));
}

/**
 * cvm_sim_init() - bring up the simulated hypervisor
 *
 * Parses sim_ram=, maps that RAM, sets every page to its initial state for
 * the isolation type and creates debugfs sim/.
 *
 * Return: 0, -EINVAL for a malformed sim_ram=, -ENOMEM.
 */
int cvm_sim_init(void)
{
	int ret;

	spin_lock_init(&sim_hv.inj.lock);
	ret = sim_parse_ram();
	if (ret)
		return ret;
	sim_hv.pcpu = alloc_percpu(struct sim_pcpu);
	ret = sim_hv.pcpu ? sim_alloc_input_pages() : -ENOMEM;
	if (!ret && sim_hv.npages)
		ret = sim_alloc_ram();
	if (ret) {
		sim_free();
		return ret;
	}
	cvm_sim_reset();
	sim_debugfs_init();
	debugfs_create_file("vtl2_rights", 0400, sim_hv.dir, NULL, &sim_vtl2_fops);
	if (sim_hv.npages)
		pr_info("%s isolation, RAM 0x%llx-0x%llx\n", cvm_isolation_name(cvm.isolation),
			sim_hv.base_gpn << PAGE_SHIFT,
			((sim_hv.base_gpn + sim_hv.npages) << PAGE_SHIFT) - 1);
	else
		pr_info("%s isolation, no RAM (sim_ram= not given)\n",
			cvm_isolation_name(cvm.isolation));
	return 0;
}

/**
 * cvm_sim_exit() - tear down the simulated hypervisor
 *
 * Removes debugfs sim/ (waiting for readers and writers in flight) before
 * freeing the model. Call before the module's debugfs directory goes.
 */
void cvm_sim_exit(void)
{
	debugfs_remove(sim_hv.dir);
	sim_free();
	mtree_destroy(&sim_vtl2);
}
