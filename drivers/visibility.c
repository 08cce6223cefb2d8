// SPDX-License-Identifier: GPL-2.0
/*
 * SET_VISIBILITY: move pages between private and host-visible in the
 * orders that keep the threat model.
 *
 * private -> shared: unreachable through both views (state, then zap),
 * zeroed where the host would read them in plaintext (VBS) unless the
 * caller shares their contents on purpose, every lower VTL's rights taken
 * where re-validation keeps them (SNP), acceptance given up where the
 * guest has a step for it (SNP), then the visibility hypercall. Pages the
 * host refuses after they were given up are in no usable state and are
 * quarantined; where giving up was a no-op they stay private.
 *
 * shared -> private: unreachable through the shared view, the visibility
 * hypercall (split at the first refusal: the refused tail stays shared),
 * then accept, zero where the platform does not, default VTL0 rights, and
 * only then reachable through the private view. A page that cannot be
 * accepted after the host said it was private is quarantined: the host
 * may be lying.
 *
 * The caller's pages are a page set (page_set.c): sorted and deduplicated,
 * their 2 MiB units claimed in ascending order; they are checked, and run
 * on the work engine. An engine chunk
 * holds whole 2 MiB units (SNP may have to split a unit validated at 2 MiB,
 * which must not race with another chunk; faults on such a unit wait
 * meanwhile); its visibility hypercalls carry 510 pages each.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "accept.h"
#include "engine.h"
#include "hv_abi.h"
#include "hvcall.h"
#include "ioctl.h"
#include "mapping.h"
#include "page_set.h"
#include "platform.h"
#include "registry.h"
#include "stats.h"
#include "struct_pages.h"
#include "uarg.h"

struct vis_op {
	bool shared;
	bool keep_contents;	/* going shared: the host may read them as they are */
	struct cvm_page_set set;	/* distinct pages; own claims and refs */
	struct cvm_set_page *c;	/* the pages that must change, sorted */
	u64 nchange;
	u64 *chunk;		/* chunk i is c[chunk[i]..chunk[i + 1]) */
	u64 nchunks;
	u64 skipped;		/* caller entries already in the target state */
	bool *stop;
};

/*
 * Pages an engine chunk gathers before it may end at a unit boundary:
 * lcm(510, 512), so that dense spans cost the minimum of visibility calls.
 */
#define VIS_CHUNK_PAGES	(255 * 512)

/* No view may reach these pages from now on: record it, then zap. */
static void make_unreachable(struct cvm_set_page *p, u64 n)
{
	u64 i, len;

	cvm_pset_set_state(p, n, CVM_PS_UNACCEPTED);
	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		cvm_zap(p[i].gpn, len);
	}
}

/*
 * Record a failure at request position @base + @k. A batch's phases do not
 * go in request order (a refusal near the end, then an accept that fails
 * before it), so here the lowest failure wins.
 */
static void fail_at(struct cvm_chunk *out, u64 base, u64 k, int err, u64 status)
{
	if (out->err && out->fail_at > base + k)
		out->err = 0;
	cvm_chunk_fail(out, base + k, err, status);
}

/*
 * Take every right of lower VTL @vtl: one list call where rights are
 * hypercalls, one instruction walk per run elsewhere. Records what was
 * done; returns how many pages (a prefix) lost their rights.
 */
static u64 revoke_rights(struct cvm_set_page *p, u64 n, const u64 *gpns, u8 vtl,
			 struct cvm_plat_result *res, int *err)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	u64 i = 0, j, len;

	*err = 0;
	/* Pages the records show without rights need no call (a shared pool). */
	for (j = 0; j < n; j += len) {
		len = cvm_pset_run_len(p, j, n);
		if (cvm_rights_beyond(p[j].r, p[j].gpn, len, vtl, 0))
			break;
	}
	if (j >= n) {
		res->done = n;
		return n;
	}
	if (ops->rights_by_list) {
		struct cvm_gpn_list list = { .gpns = gpns, .count = n };

		*err = cvm_platform_hv_rights_list(&list, vtl, 0, res);
		i = res->done;
	}
	while (!ops->rights_by_list && i < n && !*err) {
		struct cvm_span s = cvm_range_span(p[i].r, p[i].gpn, cvm_pset_run_len(p, i, n));

		/* A page that was not accepted holds no rights. */
		if (p[i].was != CVM_PS_PRIVATE) {
			i += s.npages;
			continue;
		}
		res->done = 0;
		*err = ops->set_rights(&s, vtl, 0, res);
		i += res->done;
	}
	for (j = 0; j < i; j += len) {
		len = cvm_pset_run_len(p, j, i);
		if (cvm_set_page_rights(p[j].r, p[j].gpn, len, vtl, 0) && !*err)
			*err = -ENOMEM;
	}
	return i;
}

/* Give up acceptance, run by run; returns the prefix given up. */
static u64 unaccept(struct cvm_set_page *p, u64 n, const bool *stop,
		    struct cvm_plat_result *res, int *err)
{
	u64 i = 0;

	*err = 0;
	while (i < n && !*err) {
		struct cvm_span s = cvm_range_span(p[i].r, p[i].gpn, cvm_pset_run_len(p, i, n));

		/* Only what was accepted is given up. */
		if (p[i].was != CVM_PS_PRIVATE) {
			i += s.npages;
			continue;
		}
		res->done = 0;
		*err = cvm_platform()->unaccept(&s, res);
		i += res->done;
	}
	return i;
}

/*
 * The host can read what a page holds once it is shared, in plaintext where
 * the platform does not encrypt (VBS): zero it while it is still private.
 */
static void zero_for_host(struct cvm_set_page *p, u64 n)
{
	u64 i, len;

	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		if (p[i].was == CVM_PS_PRIVATE)
			memset(cvm_range_kva(p[i].r, p[i].gpn), 0, len << PAGE_SHIFT);
		cond_resched();
	}
}

/*
 * Pages whose transition failed at @p[0] with @err: the @nbad pages the
 * failing call covered are in a state the platform left unknown, unless
 * the operation was only stopped (-EINTR: nothing was refused). Those are
 * quarantined: no view may map them until a private transition accepts
 * them from scratch. Returns how many were.
 */
static u64 quarantine_refused(struct cvm_set_page *p, u64 n, u64 nbad, int err)
{
	if (err == -EINTR || !n)
		return 0;
	nbad = clamp_t(u64, nbad, 1, n);
	cvm_pset_set_state(p, nbad, CVM_PS_QUARANTINED);
	/* The refusal itself is logged once per call (cvm_log_platform_error()). */
	pr_warn_ratelimited("GPA %#llx: %llu pages quarantined, their state unknown (%d)\n",
			    p[0].gpn << PAGE_SHIFT, nbad, err);
	return nbad;
}

/*
 * The visibility call failed at @p[0]. Where giving up acceptance was a
 * no-op the pages are still accepted and private, with their rights, unless
 * the hypervisor contradicted itself about that page. Elsewhere they were
 * given up: the refused page is quarantined, the ones the call never
 * reached stay what they are, private and unaccepted.
 */
static void refused_to_share(struct cvm_set_page *p, u64 n, int err)
{
	u64 bad = 0;

	if (cvm_platform()->keeps_acceptance) {
		if (err == -EPROTO)
			bad = quarantine_refused(p, n, 1, err);
		cvm_pset_restore(p + bad, n - bad);
		return;
	}
	quarantine_refused(p, n, 1, err);
}

/* Record what a failed unit split on page @p's unit left behind. */
static void mark_lost(struct cvm_set_page *p, const struct cvm_plat_result *res)
{
	if (res->lost_pages)
		cvm_range_mark_lost(p->r, res->lost_gpn, res->lost_pages);
}

/* What the lower VTLs hold on pages that just went shared. */
static void record_shared(struct cvm_set_page *p, u64 n, struct cvm_chunk *out)
{
	u64 i, len;

	if (cvm_platform()->shared_keeps_rights)
		return;
	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		if ((cvm_set_page_rights(p[i].r, p[i].gpn, len, 0, 0) ||
		     cvm_set_page_rights(p[i].r, p[i].gpn, len, 1, 0)) && !out->err)
			out->err = -ENOMEM;
	}
}

/*
 * Every lower VTL's rights go before acceptance does where re-validation
 * would not reset them (SNP: VMPL2 and VMPL1). Returns the prefix of @p
 * that lost them all.
 */
static u64 revoke_all(struct cvm_set_page *p, u64 n, const u64 *gpns,
		      struct cvm_plat_result *res, int *err)
{
	u64 k0, k1;

	*err = 0;
	if (!cvm_platform()->revokes_before_unaccept)
		return n;
	k0 = revoke_rights(p, n, gpns, 0, res, err);
	if (*err)
		return k0;
	res->done = 0;
	k1 = revoke_rights(p, n, gpns, 1, res, err);
	return k1;
}

/* Private -> shared, with any unit that may be re-validated held. */
static void to_shared_held(struct vis_op *op, u64 base, struct cvm_set_page *p, u64 n,
			   const u64 *gpns, struct cvm_chunk *out)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	struct cvm_plat_result res = { .stop = op->stop };
	struct cvm_gpn_list list = { .gpns = gpns, .count = n };
	u64 k;
	int err;

	make_unreachable(p, n);
	k = cvm_pset_first_pinned(p, n);
	if (k < n) {
		cvm_pset_restore(p, n);
		return fail_at(out, base, k, -EBUSY, 0);
	}
	if (ops->zeroes_before_share && !op->keep_contents)
		zero_for_host(p, n);
	k = revoke_all(p, n, gpns, &res, &err);
	if (err) {
		/*
		 * Nothing was given up yet: every page is still accepted, but
		 * the one RMPADJUST failed on. No host refuses a guest's
		 * instruction: it fails where the RMP does not hold the page
		 * as the records say (a host remapped it), so its state is
		 * unknown: quarantined.
		 */
		cvm_pset_restore(p, n);
		if (k < n && err == -EIO)
			cvm_pset_set_state(p + k, 1, CVM_PS_QUARANTINED);
		mark_lost(p + k, &res);
		cvm_plat_result_add(&out->plat, &res);
		return fail_at(out, base, k, err, res.status);
	}
	k = unaccept(p, n, op->stop, &res, &err);
	if (err) {
		/*
		 * Given up: [0, k). A rescind that failed changed nothing; one
		 * answered "no update" found the page not validated (unaccepted,
		 * as recorded since make_unreachable()); a failed unit split is
		 * recorded by mark_lost().
		 */
		u64 gone = err == -EPROTO && !res.lost_pages ?
			   min_t(u64, max_t(u64, res.fail_pages, 1), n - k) : 0;

		cvm_pset_restore(p + k + gone, n - k - gone);
		mark_lost(p + k, &res);
		cvm_plat_result_add(&out->plat, &res);
		return fail_at(out, base, k, err, res.status);
	}
	res.done = 0;
	err = ops->set_visibility(&list, true, &res);
	k = res.done;
	cvm_pset_set_state(p, k, CVM_PS_SHARED);
	record_shared(p, k, out);
	out->done += cvm_pset_weight(p, k);
	cvm_plat_result_add(&out->plat, &res);
	if (err) {
		fail_at(out, base, k, err, res.status);
		refused_to_share(p + k, n - k, err);
	}
}

/*
 * Call @fn on each 2 MiB unit the runs of @p cover only in part: where the
 * platform re-validates a unit to change part of it, those are the units
 * whose other pages go briefly unusable. The chunk holds their claims.
 * Returns the index of the page whose unit @fn failed on, or @n.
 */
static u64 for_partial_units(struct cvm_set_page *p, u64 n,
			     int (*fn)(struct cvm_range *r, u64 gpn))
{
	u64 i, len, first, last, unit_first, unit_end;

	if (!cvm_platform()->revalidates_units)
		return n;
	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		first = p[i].gpn;
		last = first + len - 1;
		unit_first = max(p[i].r->gpn, round_down(first, CVM_UNIT_PAGES));
		unit_end = min(p[i].r->gpn + p[i].r->npages, round_up(first + 1, CVM_UNIT_PAGES));
		if ((first != unit_first || last + 1 < unit_end) && fn(p[i].r, first))
			return i;
		if (cvm_range_unit(p[i].r, last) == cvm_range_unit(p[i].r, first))
			continue;
		unit_first = round_down(last, CVM_UNIT_PAGES);
		unit_end = min(p[i].r->gpn + p[i].r->npages, unit_first + CVM_UNIT_PAGES);
		if (last + 1 < unit_end && fn(p[i].r, last))
			return i + len - 1;
	}
	return n;
}

/*
 * A unit could not be held for a reference to one of its pages: name that
 * page if the request has it, else page @k, the request's page in the unit.
 */
static u64 referenced(const struct cvm_set_page *p, u64 n, u64 k)
{
	u64 i;

	for (i = 0; i < n; i++)
		if (cvm_pages_first_pinned(p[i].r, p[i].gpn, 1) == 0)
			return i;
	return k;
}

static int release_unit(struct cvm_range *r, u64 gpn)
{
	cvm_view_release_unit(r, gpn);
	return 0;
}

static void to_shared(struct vis_op *op, u64 base, struct cvm_set_page *p, u64 n,
		      const u64 *gpns, struct cvm_chunk *out)
{
	u64 k = for_partial_units(p, n, cvm_view_hold_unit);

	if (k == n)
		to_shared_held(op, base, p, n, gpns, out);
	else
		fail_at(out, base, referenced(p, n, k), -EBUSY, 0);
	/* Units never held are not held by anyone else: the chunk claims them. */
	for_partial_units(p, n, release_unit);
}

static void to_private(struct vis_op *op, u64 base, struct cvm_set_page *p, u64 n,
		       const u64 *gpns, struct cvm_chunk *out)
{
	struct cvm_plat_result res = { .stop = op->stop };
	struct cvm_gpn_list list = { .gpns = gpns, .count = n };
	u64 k, i, len;
	int err;

	make_unreachable(p, n);
	k = cvm_pset_first_pinned(p, n);
	if (k < n) {
		cvm_pset_restore(p, n);
		return fail_at(out, base, k, -EBUSY, 0);
	}
	err = cvm_platform()->set_visibility(&list, false, &res);
	k = res.done;
	cvm_plat_result_add(&out->plat, &res);
	/* Split at the first refusal: the refused tail stays as it was (shared and usable). */
	cvm_pset_restore(p + k, n - k);
	if (err)
		fail_at(out, base, k, err, res.status);
	for (i = 0; i < k; i += len) {
		struct cvm_chunk c = {};
		u64 ok;

		len = cvm_pset_run_len(p, i, k);
		ok = cvm_accept_run(p[i].r, p[i].gpn, len, op->stop,
				    p[i].was == CVM_PS_QUARANTINED, &c);
		out->done += cvm_pset_weight(p + i, ok);
		out->plat.calls += c.plat.calls;
		if (c.err) {
			/*
			 * The host said private but the page will not accept: it
			 * may have lied about every page of its call, so they are
			 * all in an unknown state. A stop is no refusal: the
			 * pages not reached stay private and unaccepted.
			 */
			quarantine_refused(p + i + ok, k - i - ok, k - i - ok, c.err);
			return fail_at(out, base, i + ok, c.err, c.status);
		}
	}
}

/* Change pages c[start..start + n) of one chunk. */
static void vis_batch(struct vis_op *op, u64 start, u64 n, struct cvm_chunk *out)
{
	struct cvm_set_page *p = op->c + start;
	u64 *gpns = cvm_pset_gpns(p, n);

	if (!gpns) {
		fail_at(out, start, 0, -ENOMEM, 0);
		return;
	}
	if (op->shared)
		to_shared(op, start, p, n, gpns, out);
	else
		to_private(op, start, p, n, gpns, out);
	kvfree(gpns);
}

/*
 * One engine chunk (the engine counts chunks here, not pages): rights and
 * acceptance change over whole runs, at the platform's large page sizes;
 * the visibility hypercall goes 510 pages at a time.
 */
static void vis_chunk(struct cvm_job *job, u64 first, u64 nchunks, struct cvm_chunk *out)
{
	struct vis_op *op = job->ctx;
	u64 pos = op->chunk[first], end = op->chunk[first + nchunks];
	struct cvm_plat_result total = {};
	u64 t0 = ktime_get_ns();

	vis_batch(op, pos, end - pos, out);
	total.calls = out->plat.calls;
	cvm_stats_op(CVM_STAT_VISIBILITY, &total, ktime_get_ns() - t0);
}

/*
 * Chunks end between the largest pages the platform changes rights and
 * acceptance at: 2 MiB units, or 1 GiB where it has 1 GiB pages (TDX), so
 * that a dense GiB costs one call there.
 */
static bool same_block(const struct cvm_set_page *a, const struct cvm_set_page *b,
		       unsigned int shift)
{
	return a->r == b->r && a->gpn >> shift == b->gpn >> shift;
}

/* Cut c[] into chunks of at least VIS_CHUNK_PAGES that end between blocks. */
static int make_chunks(struct vis_op *op)
{
	unsigned int shift = cvm_platform_page_sizes() & SZ_1G ? 30 - PAGE_SHIFT :
								CVM_UNIT_SHIFT;
	u64 i, start = 0;

	op->chunk = kvcalloc(op->nchange / VIS_CHUNK_PAGES + 2, sizeof(*op->chunk), GFP_KERNEL);
	if (!op->chunk)
		return -ENOMEM;
	op->nchunks = 0;
	for (i = 1; i < op->nchange; i++) {
		if (i - start >= VIS_CHUNK_PAGES && !same_block(&op->c[i - 1], &op->c[i], shift)) {
			op->chunk[op->nchunks++] = start;
			start = i;
		}
	}
	op->chunk[op->nchunks++] = start;
	op->chunk[op->nchunks] = op->nchange;
	return 0;
}

/*
 * Going shared: a quarantined page is in no state to give the host; an
 * unaccepted one needs no giving up, except where only accepted pages may
 * be shared (VBS: accept it first). Going private is always possible.
 */
static bool cannot_move(enum cvm_page_state st, bool shared)
{
	if (!shared)
		return false;
	return st == CVM_PS_QUARANTINED ||
	       (st == CVM_PS_UNACCEPTED && cvm_platform()->shares_accepted_only);
}

/* Private means accepted: an unaccepted page going private is accepted. */
static bool in_target(enum cvm_page_state st, bool shared)
{
	return st == (shared ? CVM_PS_SHARED : CVM_PS_PRIVATE);
}

static enum cvm_page_state state_of(const struct cvm_set_page *p)
{
	enum cvm_page_state st;

	down_read(&p->r->map_lock);
	st = cvm_page_state(p->r, p->gpn);
	up_read(&p->r->map_lock);
	return st;
}

/*
 * With the units claimed no other operation changes these pages: check
 * them all before anything changes, then list those that must change.
 */
static int check_pages(struct vis_op *op, struct cvm_vtlmem_visibility *req)
{
	u32 bad = U32_MAX;
	u64 i, m = 0;

	for (i = 0; i < op->set.n; i++)
		if (cannot_move(state_of(&op->set.p[i]), op->shared))
			bad = min(bad, op->set.p[i].index);
	if (bad != U32_MAX) {
		req->fail_index = bad;
		return -EPERM;
	}
	op->c = kvcalloc(op->set.n, sizeof(*op->c), GFP_KERNEL);
	if (!op->c)
		return -ENOMEM;
	for (i = 0; i < op->set.n; i++) {
		op->set.p[i].was = state_of(&op->set.p[i]);
		if (in_target(op->set.p[i].was, op->shared))
			op->skipped += op->set.p[i].weight;
		else
			op->c[m++] = op->set.p[i];
	}
	op->nchange = m;
	return 0;
}

static int vis_check(const struct cvm_vtlmem_visibility *req)
{
	bool list = req->flags & CVM_VTLMEM_VISIBILITY_GPN_LIST;

	if (req->flags & ~CVM_VTLMEM_VISIBILITY_FLAGS)
		return -EINVAL;
	if (req->visibility != CVM_VTLMEM_VISIBILITY_PRIVATE &&
	    req->visibility != CVM_VTLMEM_VISIBILITY_SHARED)
		return -EINVAL;
	if ((req->flags & CVM_VTLMEM_VISIBILITY_KEEP_CONTENTS) &&
	    req->visibility != CVM_VTLMEM_VISIBILITY_SHARED)
		return -EINVAL;
	if (list)
		return req->gpa || req->length || !req->count ||
		       req->count > CVM_VTLMEM_VISIBILITY_MAX_GPNS ? -EINVAL : 0;
	if (req->count || req->gpns || req->length >> PAGE_SHIFT > CVM_VTLMEM_VISIBILITY_MAX_GPNS)
		return -EINVAL;
	return cvm_uarg_span(req->gpa, req->length);
}

/* Run the checked request; the units are claimed. */
static int vis_run(struct vis_op *op, struct cvm_vtlmem_visibility *req)
{
	struct cvm_job job = {
		.node = op->c[0].r->node,
		.first = 0,
		.count = op->nchunks,
		.chunk_pages = 1,
		.run = vis_chunk,
		.ctx = op,
		.kind = CVM_STAT_VISIBILITY,
	};
	int ret;

	op->stop = &job.stop;
	cvm_job_init(&job);
	ret = cvm_engine_run(&job);
	req->processed = op->skipped + job.done;
	if (ret && job.fail_at < op->nchange) {
		req->fail_index = op->c[job.fail_at].index;
		cvm_log_platform_error(ret, op->c[job.fail_at].gpn << PAGE_SHIFT, job.status);
		req->fail_status = job.status;
	}
	return ret;
}

static int vis_do(struct vis_op *op, struct cvm_vtlmem_visibility *req)
{
	bool list = req->flags & CVM_VTLMEM_VISIBILITY_GPN_LIST;
	u32 bad;
	int ret;

	ret = cvm_pset_read(&op->set, req->gpa >> PAGE_SHIFT,
			    list ? u64_to_user_ptr(req->gpns) : NULL,
			    list ? req->count : req->length >> PAGE_SHIFT);
	if (ret)
		return ret;
	bad = cvm_pset_find_ranges(&op->set);
	if (bad != U32_MAX) {
		req->fail_index = bad;
		return -ENOENT;
	}
	ret = cvm_pset_claim(&op->set);
	if (!ret)
		ret = check_pages(op, req);
	if (!ret && op->nchange)
		ret = make_chunks(op);
	if (!ret && op->nchange)
		ret = vis_run(op, req);
	else if (!ret)
		req->processed = op->skipped;
	return ret;
}

/**
 * cvm_ioctl_set_visibility() - CVM_VTLMEM_IOC_SET_VISIBILITY
 * @ucmd: struct cvm_vtlmem_visibility
 *
 * The struct is copied back whenever the request was understood, so the
 * caller learns what was processed and which entry failed.
 *
 * Return: 0; -EINVAL for bad flags, visibility, sizes or alignment;
 * -EOVERFLOW; -EOPNOTSUPP without isolation; -ENOENT if an entry is in no
 * registered range; -EPERM if an entry cannot make the transition (nothing
 * changed in either case); -EBUSY if a page of a struct-pages range stayed
 * referenced through GUP (fail_index; its batch unchanged); -EIO if the
 * platform refused (fail_index, fail_status); -EPROTO if the hypervisor
 * contradicted itself; -ETIMEDOUT; -EINTR on a fatal signal; -EFAULT;
 * -ENOMEM.
 */
int cvm_ioctl_set_visibility(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_visibility *req = ucmd->cmd;
	struct vis_op op = {};
	int ret;

	ret = vis_check(req);
	if (ret)
		return ret;
	if (!cvm_platform()->set_visibility)
		return -EOPNOTSUPP;
	op.shared = req->visibility == CVM_VTLMEM_VISIBILITY_SHARED;
	op.keep_contents = req->flags & CVM_VTLMEM_VISIBILITY_KEEP_CONTENTS;
	req->processed = 0;
	req->fail_index = 0;
	req->fail_status = 0;
	ret = vis_do(&op, req);
	cvm_pset_destroy(&op.set);
	kvfree(op.chunk);
	kvfree(op.c);
	ucmd->respond = true;
	return ret;
}
