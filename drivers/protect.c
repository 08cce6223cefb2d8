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
 *
 * PROTECT_VTL2 takes every lower-VTL right on this kernel's own RAM, on a
 * non-isolated partition (isolated ones keep VTL2 memory out of reach by
 * construction). It works in 2 GiB units on the engine, and remembers what
 * it protected so that asking again costs no hypercall.
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
#include "ioctls.h"
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

/* PROTECT_VTL2 works in 2 GiB units, each one engine chunk. */
#define VTL2_UNIT_PAGES		(SZ_2G >> PAGE_SHIFT)

#define RIGHTS_BITS		4

struct protect_ctx {
	u8 vtl;
	u32 rights;
	const bool *stop;
};

static void chunk_add_plat(struct cvm_chunk *out, const struct cvm_plat_result *res)
{
	int i;

	out->plat.calls += res->calls;
	out->plat.fallbacks += res->fallbacks;
	for (i = 0; i < CVM_PSIZE_NR; i++)
		out->plat.pages[i] += res->pages[i];
}

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
	chunk_add_plat(out, res);
	if (err && !out->err) {
		out->err = err;
		out->fail_gpn = gpn + res->done;
		out->status = res->status;
	}
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
	if (cvm_range_hold_faults(r, gpn)) {
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
	cvm_range_release_faults(r, gpn);
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
	struct cvm_range *r = job->r;
	u64 end = gpn + npages, run;
	bool mixed;

	down_read(&r->map_lock);
	mixed = r->count[CVM_PS_SHARED] != 0;
	up_read(&r->map_lock);
	if (!mixed) {
		protect_run(r, gpn, npages, job->ctx, out);
		return;
	}
	while (gpn < end && !out->err) {
		down_read(&r->map_lock);
		while (gpn < end && cvm_page_state(r, gpn) == CVM_PS_SHARED)
			gpn++;
		run = private_run(r, gpn, end);
		up_read(&r->map_lock);
		if (run)
			protect_run(r, gpn, run, job->ctx, out);
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
	struct protect_ctx ctx = { .vtl = req->target_vtl, .rights = req->rights };
	struct cvm_job job = {
		.r = r,
		.gpn = req->gpa >> PAGE_SHIFT,
		.npages = req->length >> PAGE_SHIFT,
		.run = protect_chunk,
		.ctx = &ctx,
	};
	u64 bad;
	int ret;

	ctx.stop = &job.stop;
	cvm_job_init(&job);
	protect_chunking(&job);
	/* Claimed first, so no transition changes a state we checked. */
	ret = cvm_range_claim(r, job.gpn, job.npages);
	if (ret)
		return ret;
	bad = first_unaccepted(r, job.gpn, job.npages);
	if (bad != U64_MAX) {
		req->fail_gpa = bad << PAGE_SHIFT;
		ret = -EPERM;
	} else {
		ret = cvm_engine_run(&job);
		req->done = job.done;
		if (ret)
			cvm_job_failure(&job, &req->fail_gpa, &req->fail_status);
	}
	cvm_range_release(r, job.gpn, job.npages);
	return ret;
}

/**
 * cvm_ioctl_protect() - CVM_VTLMEM_IOC_PROTECT
 * @uarg: struct cvm_vtlmem_protect
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
 * (QUERY may show stale rights just before fail_gpa); -EFAULT, before
 * anything changes, if the struct cannot be written back. Other chunks may
 * have finished past fail_gpa: done counts them.
 */
long cvm_ioctl_protect(void __user *uarg)
{
	struct cvm_vtlmem_protect req;
	struct cvm_range *r;
	u32 usize;
	int ret, cret;

	ret = cvm_uarg_in(&req, sizeof(req), CVM_VTLMEM_PROTECT_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	ret = protect_check(&req) ?: cvm_uarg_writable(uarg, &req, sizeof(req), usize);
	if (ret)
		return ret;
	/* One mask, VTL2's, binds VTL0 and VTL1: VTL1's own belongs to VTL1. */
	if (req.target_vtl == 1 && cvm_platform()->one_mask)
		return -EOPNOTSUPP;
	r = cvm_range_get(req.gpa >> PAGE_SHIFT, req.length >> PAGE_SHIFT);
	if (IS_ERR(r))
		return -ENOENT;
	req.done = 0;
	req.fail_gpa = 0;
	req.fail_status = 0;
	ret = protect_span(r, &req);
	cvm_range_put(r);
	cret = cvm_uarg_out(uarg, &req, sizeof(req), usize);
	return ret ? ret : cret;
}

/* ---- VTL2 self-protection ---- */

/* A page extent [first, end). */
struct vtl2_ext {
	u64 first;
	u64 end;
};

/* Sorted, disjoint extents. */
struct vtl2_exts {
	struct vtl2_ext *e;
	unsigned int n;
	unsigned int cap;
};

/*
 * The pages of this kernel's RAM already inaccessible to every lower VTL,
 * merged. A handful of extents in practice (one per "System RAM"
 * resource once all is protected). Workers add to it while the caller
 * holds vtl2_lock, so it has its own lock.
 */
static struct vtl2_exts vtl2_done;
static DEFINE_MUTEX(vtl2_done_lock);
/* One self-protection at a time: a second caller waits, then has no work. */
static DEFINE_MUTEX(vtl2_lock);

/*
 * The engine places chunks by their range's NUMA node and needs nothing
 * else from it; VTL2's RAM is no registered range and spans every node.
 */
static struct cvm_range vtl2_placement = { .node = NUMA_NO_NODE };

static int exts_grow(struct vtl2_exts *x)
{
	unsigned int cap = max(16U, 2 * x->cap);
	struct vtl2_ext *e;

	if (x->n < x->cap)
		return 0;
	e = krealloc_array(x->e, cap, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	x->e = e;
	x->cap = cap;
	return 0;
}

/* Append [first, end) after every extent of @x, merging when they touch. */
static int exts_append(struct vtl2_exts *x, u64 first, u64 end)
{
	if (x->n && x->e[x->n - 1].end == first) {
		x->e[x->n - 1].end = end;
		return 0;
	}
	if (exts_grow(x))
		return -ENOMEM;
	x->e[x->n++] = (struct vtl2_ext){ first, end };
	return 0;
}

/* Add [first, end) anywhere in @x, merging with what it touches. */
static int exts_insert(struct vtl2_exts *x, u64 first, u64 end)
{
	unsigned int i = 0, j;

	while (i < x->n && x->e[i].end < first)
		i++;
	for (j = i; j < x->n && x->e[j].first <= end; j++) {
		first = min(first, x->e[j].first);
		end = max(end, x->e[j].end);
	}
	if (i == j) {
		if (exts_grow(x))
			return -ENOMEM;
		memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof(*x->e));
		x->n++;
	} else {
		memmove(&x->e[i + 1], &x->e[j], (x->n - j) * sizeof(*x->e));
		x->n -= j - i - 1;
	}
	x->e[i] = (struct vtl2_ext){ first, end };
	return 0;
}

/* Whole pages of one "System RAM" resource, clipped to the request. */
static int ram_extent(struct resource *res, void *arg)
{
	u64 first = PFN_UP(res->start), end = PFN_DOWN(res->end + 1);

	if (first >= end)
		return 0;
	return exts_append(arg, first, end);
}

/* This kernel's RAM inside [gpa, last], in whole pages. */
static int ram_extents(u64 gpa, u64 last, struct vtl2_exts *ram)
{
	int ret = walk_iomem_res_desc(IORES_DESC_NONE,
				      IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				      gpa, last, ram, ram_extent);

	/* -ENODEV or -EINVAL: no RAM there, which the caller judges. */
	return ret == -ENOMEM ? ret : 0;
}

static u64 exts_pages(const struct vtl2_exts *x)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < x->n; i++)
		n += x->e[i].end - x->e[i].first;
	return n;
}

/* Queue [first, end) as work, one piece per 2 GiB unit it touches. */
static int plan_add(struct vtl2_exts *plan, u64 first, u64 end)
{
	u64 next;

	for (; first < end; first = next) {
		next = min(end, round_down(first + VTL2_UNIT_PAGES, VTL2_UNIT_PAGES));
		/* Pieces in different units must stay apart: no merging. */
		if (exts_grow(plan))
			return -ENOMEM;
		plan->e[plan->n++] = (struct vtl2_ext){ first, next };
	}
	return 0;
}

/*
 * The work: @ram minus what is already protected, split into 2 GiB units.
 * *@already: pages of @ram that need nothing.
 */
static int plan_work(const struct vtl2_exts *ram, struct vtl2_exts *plan, u64 *already)
{
	const struct vtl2_ext *done = vtl2_done.e;
	unsigned int i, d = 0;
	int ret = 0;

	*already = 0;
	mutex_lock(&vtl2_done_lock);
	for (i = 0; i < ram->n && !ret; i++) {
		u64 pos = ram->e[i].first, end = ram->e[i].end, skip_end;

		while (pos < end && !ret) {
			while (d < vtl2_done.n && done[d].end <= pos)
				d++;
			if (d == vtl2_done.n || done[d].first >= end) {
				ret = plan_add(plan, pos, end);
				break;
			}
			if (pos < done[d].first)
				ret = plan_add(plan, pos, done[d].first);
			skip_end = min(end, done[d].end);
			*already += skip_end - max(pos, done[d].first);
			pos = skip_end;
		}
	}
	mutex_unlock(&vtl2_done_lock);
	return ret;
}

static void vtl2_remember(u64 first, u64 end)
{
	mutex_lock(&vtl2_done_lock);
	/* Without memory we only forget: a later call redoes the work. */
	if (exts_insert(&vtl2_done, first, end))
		pr_warn_ratelimited("cannot record GPA %#llx as protected\n",
				    first << PAGE_SHIFT);
	mutex_unlock(&vtl2_done_lock);
}

/*
 * VTL2's own protection mask with no rights shuts VTL0 and VTL1 out of a
 * piece in one pass (HvCallModifyVtlProtectionMask naming the current VTL,
 * as OpenHCL's apply_vtl2_protections does). On failure the report names
 * the first page left accessible, with the status of the refusal.
 */
static void vtl2_piece(const struct vtl2_ext *p, const bool *stop, struct cvm_chunk *out)
{
	struct cvm_span span = { p->first, p->end - p->first, NULL };
	struct cvm_plat_result res = { .stop = stop };
	u64 start = ktime_get_ns();
	int err;

	err = cvm_platform_hv_rights(&span, 0, 0, &res);
	cvm_stats_op(CVM_STAT_RIGHTS, &res, ktime_get_ns() - start);
	if (res.done)
		vtl2_remember(p->first, p->first + res.done);
	out->done += res.done;
	chunk_add_plat(out, &res);
	if (err) {
		out->err = err;
		out->status = res.status;
		out->fail_gpn = p->first + res.done;
	}
}

static void vtl2_chunk(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	const struct vtl2_exts *plan = job->ctx;
	unsigned int i;

	/* Pieces never cross a unit, and a chunk is one unit. */
	for (i = 0; i < plan->n && !out->err; i++)
		if (plan->e[i].first >= gpn && plan->e[i].first < gpn + npages)
			vtl2_piece(&plan->e[i], &job->stop, out);
}

static int vtl2_run(struct vtl2_exts *plan, struct cvm_vtlmem_protect_vtl2 *req)
{
	struct cvm_job job = {
		.r = &vtl2_placement,
		.gpn = plan->e[0].first,
		.npages = plan->e[plan->n - 1].end - plan->e[0].first,
		.chunk_pages = VTL2_UNIT_PAGES,
		.aligned = true,
		.run = vtl2_chunk,
		.ctx = plan,
	};
	int ret;

	cvm_job_init(&job);
	ret = cvm_engine_run(&job);

	req->done += job.done;
	if (ret)
		cvm_job_failure(&job, &req->fail_gpa, &req->fail_status);
	return ret;
}

static int vtl2_protect(struct cvm_vtlmem_protect_vtl2 *req)
{
	struct vtl2_exts ram = {}, plan = {};
	u64 last = req->length ? req->gpa + req->length - 1 : U64_MAX;
	int ret;

	ret = ram_extents(req->gpa, last, &ram);
	if (ret)
		goto out;
	/* A caller-given span must be this kernel's RAM, every page of it. */
	if (req->length && exts_pages(&ram) != req->length >> PAGE_SHIFT) {
		ret = -ENXIO;
		goto out;
	}
	if (mutex_lock_killable(&vtl2_lock)) {
		ret = -EINTR;
		goto out;
	}
	ret = plan_work(&ram, &plan, &req->done);
	if (!ret && plan.n)
		ret = vtl2_run(&plan, req);
	mutex_unlock(&vtl2_lock);
out:
	kfree(ram.e);
	kfree(plan.e);
	return ret;
}

static int vtl2_check(const struct cvm_vtlmem_protect_vtl2 *req)
{
	u64 end;

	if (req->flags || !PAGE_ALIGNED(req->gpa) || !PAGE_ALIGNED(req->length) ||
	    (req->gpa && !req->length))
		return -EINVAL;
	if (check_add_overflow(req->gpa, req->length, &end))
		return -EOVERFLOW;
	return 0;
}

/**
 * cvm_ioctl_protect_vtl2() - CVM_VTLMEM_IOC_PROTECT_VTL2
 * @uarg: struct cvm_vtlmem_protect_vtl2
 *
 * Takes every right of VTL0 and VTL1 on this kernel's "System RAM" (whole
 * pages of it), or on the part the caller names, in 2 GiB units on the
 * engine. Pages a previous call protected are counted in done and cost
 * nothing, so a repeated call issues no hypercall.
 *
 * The struct is copied back once the work was planned, so done is exact
 * on failure too.
 *
 * Return: 0; -EOPNOTSUPP on an isolated partition; -EINVAL for non-zero
 * flags, an unaligned gpa or length, or a gpa without a length; -EOVERFLOW
 * if the span wraps; -ENXIO if a page of the span is not this kernel's RAM
 * (nothing changed); -EIO if the platform refused (fail_gpa is the first
 * page left accessible to a lower VTL, fail_status the refusal); -EPROTO;
 * -ETIMEDOUT; -EINTR on a fatal signal; -ENOMEM; -EFAULT, before anything
 * changes, if the struct cannot be written back.
 */
long cvm_ioctl_protect_vtl2(void __user *uarg)
{
	struct cvm_vtlmem_protect_vtl2 req;
	u32 usize;
	int ret, cret;

	ret = cvm_uarg_in(&req, sizeof(req), CVM_VTLMEM_PROTECT_VTL2_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (cvm.isolation != CVM_VTLMEM_ISOLATION_NONE)
		return -EOPNOTSUPP;
	ret = vtl2_check(&req) ?: cvm_uarg_writable(uarg, &req, sizeof(req), usize);
	if (ret)
		return ret;
	req.done = 0;
	req.fail_gpa = 0;
	req.fail_status = 0;
	ret = vtl2_protect(&req);
	if (ret == -ENXIO || ret == -ENOMEM)
		return ret;
	cret = cvm_uarg_out(uarg, &req, sizeof(req), usize);
	return ret ? ret : cret;
}

/**
 * cvm_protect_exit() - forget what PROTECT_VTL2 protected, at unload
 *
 * No ioctl can run: every open file holds a module reference.
 */
void cvm_protect_exit(void)
{
	kfree(vtl2_done.e);
	vtl2_done = (struct vtl2_exts){};
}
