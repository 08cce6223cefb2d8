// SPDX-License-Identifier: GPL-2.0
/*
 * Lower-VTL protections.
 *
 * PROTECT sets the rights VTL0 or VTL1 has on a span of registered VTL0
 * memory, in chunks on the work engine, and records exactly what the
 * platform did. The views are VTL2's own mappings, which no lower-VTL right
 * governs; still, every removed right zaps the user mappings of the pages
 * that lost it, so that whatever maps them next is served after the change.
 * It costs one unmap per run and keeps the rule "a transition that makes
 * a page less reachable zaps it" free of exceptions. Only the rights the
 * request names change, even where the platform must re-validate a large
 * page to change part of it (SNP).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "cvm_vtlmem.h"
#include "engine.h"
#include "hv_abi.h"
#include "ioctl.h"
#include "mapping.h"
#include "platform.h"
#include "registry.h"
#include "stats.h"
#include "uarg.h"

/*
 * PROTECT chunks. Hypercall platforms: whole 510-GPN calls from the start
 * of the span, so that chunking never costs a call. Large-page platforms:
 * aligned like ACCEPT's, so the edges are the only 4 KiB work.
 */
#define PROTECT_CHUNK_HV	(HV_GPNS_PER_PAGE * 64)
#define PROTECT_CHUNK_2M	(SZ_16M >> PAGE_SHIFT)
#define PROTECT_CHUNK_1G	(SZ_1G >> PAGE_SHIFT)

#define RIGHTS_BITS		4

struct protect_ctx {
	struct cvm_range *r;
	u8 vtl;
	u32 rights;
	const bool *stop;
};

/*
 * Pages [@gpn, +@npages) get @vtl's @rights: platform first, then the
 * record of exactly what it did, then the zap if a right went. @res says
 * how it went; @ctx->stop may cut it short.
 */
static int set_rights(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights,
		      const struct protect_ctx *ctx, struct cvm_plat_result *res)
{
	/*
	 * No rights callback: a re-validated unit's rights are given back by
	 * give_back(), with the unit zapped and faults held off meanwhile.
	 */
	struct cvm_span span = { gpn, npages, cvm_range_kva(r, gpn), NULL, NULL,
				 r->gpn, r->npages };
	bool lost = cvm_rights_beyond(r, gpn, npages, vtl, rights);
	u64 start = ktime_get_ns();
	int err, rec = 0;

	*res = (struct cvm_plat_result){ .stop = ctx->stop };
	/* The records equal the platform: what they show done costs nothing. */
	if (cvm_rights_are(r, gpn, npages, vtl, rights)) {
		res->done = npages;
		return 0;
	}
	err = cvm_platform()->set_rights(&span, vtl, rights, res);
	if (res->done)
		rec = cvm_set_page_rights(r, gpn, res->done, vtl, rights);
	if (lost && res->done)
		cvm_zap(gpn, res->done);
	cvm_stats_op(CVM_STAT_RIGHTS, res, ktime_get_ns() - start);
	/* Without memory for the record, QUERY may show stale rights. */
	return err ?: rec;
}

/* Fold one platform call into the chunk's outcome; @count: its pages are the request's. */
static void chunk_take(struct cvm_chunk *out, u64 gpn, const struct cvm_plat_result *res,
		       int err, bool count)
{
	if (count)
		out->done += res->done;
	cvm_plat_result_add(&out->plat, res);
	if (err)
		cvm_chunk_fail(out, gpn + res->done, err, res->status);
}

/*
 * SNP changes part of a 2 MiB unit the RMP holds as one page by
 * re-validating the unit at 4 KiB (snp_split_unit()), which it reports as
 * a fallback. Meanwhile the unit is not validated, and afterwards no lower
 * VTL has any right on it: the caller zaps the unit and holds off faults
 * first, and gives the other pages and the other VTL their rights back.
 */
static bool revalidates_units(void)
{
	return cvm_platform()->revalidates_units;
}

/**
 * struct unit_snap - a 2 MiB unit around a partial change, for give_back()
 * @first: first page of the unit inside the range
 * @end: end of the unit inside the range
 * @gpn: first page of the change
 * @done: pages of the change the platform made
 * @old: rights of every page before, VTL0 | VTL1 << 4
 */
struct unit_snap {
	u64 first;
	u64 end;
	u64 gpn;
	u64 done;
	u8 old[CVM_UNIT_PAGES];
};

/* What @vtl must get back on page @i; -1 for a page this call just set. */
static int owed(const struct unit_snap *u, const struct protect_ctx *ctx, u8 vtl, u64 i)
{
	if (vtl == ctx->vtl && i >= u->gpn && i < u->gpn + u->done)
		return -1;
	return (u->old[i - u->first] >> (vtl * RIGHTS_BITS)) & CVM_VTLMEM_RIGHTS_ALL;
}

/*
 * The unit was re-validated: record that, then restore what was there. A
 * stop does not cut this short: it is bounded, and the lower VTLs would
 * otherwise lose rights to memory the request never named.
 */
static void give_back(struct cvm_range *r, const struct unit_snap *u,
		      const struct protect_ctx *ctx, struct cvm_chunk *out)
{
	const struct protect_ctx no_stop = { .vtl = ctx->vtl, .rights = ctx->rights };
	struct cvm_plat_result res;
	u64 i, next;
	int want, err;
	u8 vtl;

	cvm_set_page_rights(r, u->first, u->end - u->first, 0, 0);
	cvm_set_page_rights(r, u->first, u->end - u->first, 1, 0);
	if (u->done)
		cvm_set_page_rights(r, u->gpn, u->done, ctx->vtl, ctx->rights);
	for (vtl = 0; vtl < 2; vtl++) {
		for (i = u->first; i < u->end; i = next) {
			want = owed(u, ctx, vtl, i);
			for (next = i + 1; next < u->end && owed(u, ctx, vtl, next) == want; next++)
				;
			if (want <= 0)
				continue;
			err = set_rights(r, i, next - i, vtl, want, &no_stop, &res);
			chunk_take(out, i, &res, err, false);
		}
	}
}

/* A change to part of a 2 MiB unit, on a platform that may re-validate it. */
static void protect_partial_unit(struct cvm_range *r, u64 gpn, u64 npages,
				 const struct protect_ctx *ctx, struct cvm_chunk *out)
{
	struct unit_snap u = {
		.first = max(r->gpn, round_down(gpn, CVM_UNIT_PAGES)),
		.end = min(r->gpn + r->npages, round_up(gpn + 1, CVM_UNIT_PAGES)),
		.gpn = gpn,
	};
	struct cvm_plat_result res;
	u64 i;
	int err;

	for (i = u.first; i < u.end; i++)
		u.old[i - u.first] = cvm_page_rights(r, i);
	if (cvm_view_hold_unit(r, gpn)) {
		res = (struct cvm_plat_result){};
		return chunk_take(out, gpn, &res, -EBUSY, true);
	}
	err = set_rights(r, gpn, npages, ctx->vtl, ctx->rights, ctx, &res);
	chunk_take(out, gpn, &res, err, true);
	u.done = res.done;
	/* A re-validation that failed part way: record what it left. */
	if (res.lost_pages) {
		cvm_range_mark_lost(r, res.lost_gpn, res.lost_pages);
		u.end = clamp(res.lost_gpn, u.first, u.end);
	}
	if (res.fallbacks)
		give_back(r, &u, ctx, out);
	cvm_view_release_unit(r, gpn);
}

/* Where the piece of [@gpn, @end) from @gpn ends; *@partial: part of a unit. */
static u64 piece_end(u64 gpn, u64 end, bool *partial)
{
	u64 unit_end = round_up(gpn + 1, CVM_UNIT_PAGES);

	*partial = false;
	if (!revalidates_units())
		return end;
	*partial = !IS_ALIGNED(gpn, CVM_UNIT_PAGES) || end < unit_end;
	return *partial ? min(end, unit_end) : round_down(end, CVM_UNIT_PAGES);
}

/* One run of private pages; parts of units alone where they may be re-validated. */
static void protect_run(struct cvm_range *r, u64 gpn, u64 npages,
			const struct protect_ctx *ctx, struct cvm_chunk *out)
{
	struct cvm_plat_result res;
	u64 end = gpn + npages, next;
	bool partial;
	int err;

	for (; gpn < end && !out->err; gpn = next) {
		next = piece_end(gpn, end, &partial);
		if (partial) {
			protect_partial_unit(r, gpn, next - gpn, ctx, out);
			continue;
		}
		err = set_rights(r, gpn, next - gpn, ctx->vtl, ctx->rights, ctx, &res);
		chunk_take(out, gpn, &res, err, true);
	}
}

/* Length of the run of private pages at @gpn, below @end. */
static u64 private_run(struct cvm_range *r, u64 gpn, u64 end)
{
	u64 n = 0;

	while (gpn + n < end && cvm_page_state(r, gpn + n) == CVM_PS_PRIVATE)
		n++;
	return n;
}

/*
 * Shared pages are skipped: a host-visible page is outside the isolation
 * boundary and no platform keeps lower-VTL rights on it. The span is
 * claimed, so the states read here cannot change under us.
 */
static void protect_chunk(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	struct protect_ctx *ctx = job->ctx;
	struct cvm_range *r = ctx->r;
	u64 end = gpn + npages, run;
	bool mixed;

	lockdep_assert(cvm_range_claimed(r, gpn, npages));
	down_read(&r->map_lock);
	mixed = r->count[CVM_PS_SHARED] != 0;
	up_read(&r->map_lock);
	if (!mixed) {
		protect_run(r, gpn, npages, ctx, out);
		return;
	}
	while (gpn < end && !out->err) {
		down_read(&r->map_lock);
		while (gpn < end && cvm_page_state(r, gpn) == CVM_PS_SHARED)
			gpn++;
		run = private_run(r, gpn, end);
		up_read(&r->map_lock);
		if (run)
			protect_run(r, gpn, run, ctx, out);
		gpn += run;
	}
}

static void protect_chunking(struct cvm_job *job)
{
	u32 sizes = cvm_platform_page_sizes();

	job->aligned = sizes & SZ_2M;
	job->chunk_pages = sizes & SZ_1G ? PROTECT_CHUNK_1G :
			   sizes & SZ_2M ? PROTECT_CHUNK_2M : PROTECT_CHUNK_HV;
}

/* First page of the span that is neither private nor shared, or U64_MAX. */
static u64 first_unaccepted(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 end = gpn + npages, bad = U64_MAX;
	enum cvm_page_state s;

	down_read(&r->map_lock);
	if (r->count[CVM_PS_UNACCEPTED] || r->count[CVM_PS_QUARANTINED]) {
		for (; gpn < end; gpn++) {
			s = cvm_page_state(r, gpn);
			if (s != CVM_PS_PRIVATE && s != CVM_PS_SHARED) {
				bad = gpn;
				break;
			}
		}
	}
	up_read(&r->map_lock);
	return bad;
}

static int protect_check(const struct cvm_vtlmem_protect *req)
{
	int ret = req->flags ? -EINVAL : cvm_uarg_span(req->gpa, req->length);

	if (ret)
		return ret;
	/* Only a lower VTL, and only rights the TLFS defines. */
	if (req->target_vtl > 1 || (req->rights & ~CVM_VTLMEM_RIGHTS_ALL))
		return -EINVAL;
	return 0;
}

static int protect_span(struct cvm_range *r, struct cvm_vtlmem_protect *req)
{
	struct protect_ctx ctx = { .r = r, .vtl = req->target_vtl, .rights = req->rights };
	struct cvm_job job = {
		.node = r->node,
		.first = req->gpa >> PAGE_SHIFT,
		.count = req->length >> PAGE_SHIFT,
		.run = protect_chunk,
		.ctx = &ctx,
	};
	u64 bad;
	int ret;

	ctx.stop = &job.stop;
	cvm_job_init(&job);
	protect_chunking(&job);
	/* Claimed first, so no transition changes a state we checked. */
	ret = cvm_range_claim(r, job.first, job.count);
	if (ret)
		return ret;
	bad = first_unaccepted(r, job.first, job.count);
	if (bad != U64_MAX) {
		req->fail_gpa = bad << PAGE_SHIFT;
		ret = -EPERM;
	} else {
		ret = cvm_engine_run(&job);
		req->done = job.done;
		if (ret)
			cvm_job_failure(&job, &req->fail_gpa, &req->fail_status);
	}
	cvm_range_release(r, job.first, job.count);
	return ret;
}

/**
 * cvm_ioctl_protect() - CVM_VTLMEM_IOC_PROTECT
 * @ucmd: struct cvm_vtlmem_protect
 *
 * Sets the rights of the target VTL on every private page of the span;
 * shared pages are skipped (no platform keeps lower-VTL rights on a
 * host-visible page) and not counted in done. A right removed zaps the
 * user mappings of the pages that lost it. No other page or VTL changes,
 * also on SNP when a 2 MiB unit must be re-validated around an edge of
 * the span: its other rights are given back.
 *
 * The struct is copied back whenever the span was looked at (from -EPERM
 * on), so the caller learns exactly what changed.
 *
 * Where the lower VTLs' rights are one mask, VTL2's (non-isolated, VBS),
 * target VTL 0 sets that mask, and VTL1's rights change with VTL0's.
 *
 * Return: 0; -EINVAL for non-zero flags, an unaligned or empty span, a
 * target VTL other than 0 or 1, or rights outside %CVM_VTLMEM_RIGHTS_ALL;
 * -EOPNOTSUPP for target VTL 1 where one mask binds both;
 * -EOVERFLOW if the span wraps; -ENOENT if no single registered range
 * holds it; -EPERM if a page of it is unaccepted or quarantined (fail_gpa
 * names the first, done is 0, nothing changed); -EBUSY if a page of a
 * 2 MiB unit SNP must re-validate stayed referenced through GUP (fail_gpa,
 * that unit unchanged); -EIO if the platform
 * refused fail_gpa (fail_status; after a re-validation that may be a
 * neighbour whose rights could not be given back, as QUERY shows);
 * -EPROTO if the hypervisor contradicted itself; -ETIMEDOUT; -EINTR on a
 * fatal signal; -ENOMEM if rights the platform set could not be recorded
 * (QUERY may show stale rights just before fail_gpa). Other chunks may
 * have finished past fail_gpa: done counts them.
 */
int cvm_ioctl_protect(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_protect *req = ucmd->cmd;
	struct cvm_range *r;
	int ret;

	ret = protect_check(req);
	if (ret)
		return ret;
	/* One mask, VTL2's, binds VTL0 and VTL1: VTL1's own belongs to VTL1. */
	if (req->target_vtl == 1 && cvm_platform()->one_mask)
		return -EOPNOTSUPP;
	r = cvm_range_get(req->gpa >> PAGE_SHIFT, req->length >> PAGE_SHIFT);
	if (IS_ERR(r))
		return -ENOENT;
	req->done = 0;
	req->fail_gpa = 0;
	req->fail_status = 0;
	ret = protect_span(r, req);
	cvm_range_put(r);
	ucmd->respond = true;
	return ret;
}
