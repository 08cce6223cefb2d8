// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V's memory hypercalls as the simulated hypervisor decodes and runs
 * them: the control word, the input page, rep start and reps completed, and
 * the per-page model of each call.
 *
 * Sources: "hvdef" is OpenVMM vm/hv1/hvdef/src/lib.rs, "OpenHCL" openvmm's
 * openhcl/, both at 1488a37b; "unverified" marks what no public source
 * settles, where the model chose the strict reading.
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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/bitfield.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "internal.h"

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

/**
 * sim_hypercall() - the simulated hypervisor's slow hypercall
 * @control: the control word
 * @input: the input page
 * @output: the output page (unused: no modelled call has output)
 *
 * Return: the result word. It reports reps completed: 0 when the control
 * word is rejected, else cumulative from rep start (a failure at element i
 * reports i).
 */
u64 sim_hypercall(u64 control, void *input, void *output)
{
	struct sim_hc hc = { .input = input };
	struct sim_fail nth;
	bool fire = sim_take_nth(&nth);
	u16 st;

	st = sim_hc_decode(&hc, control);
	if (!st)
		st = sim_hc_run(&hc, fire ? &nth : NULL);
	sim_account(hc.desc ? hc.desc->op : SIM_OP_HV_OTHER, hc.reps,
		    st != HV_STATUS_SUCCESS && st != HV_STATUS_TIME_OUT, false, hc.ns);
	return FIELD_PREP(HV_RES_STATUS, st) | FIELD_PREP(HV_RES_REPS_DONE, hc.done);
}
