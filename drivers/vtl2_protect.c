// SPDX-License-Identifier: GPL-2.0
/*
 * PROTECT_VTL2: every lower-VTL right taken from this kernel's own RAM, on
 * a non-isolated partition (isolated ones keep VTL2 memory out of reach by
 * construction). It works in 2 GiB units on the engine, and remembers what
 * it protected so that asking again costs no hypercall.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/sizes.h>
#include <linux/xarray.h>

#include "cvm_vtlmem.h"
#include "engine.h"
#include "ioctl.h"
#include "platform.h"
#include "stats.h"
#include "vtl2_protect.h"

/* PROTECT_VTL2 works in 2 GiB units, each one engine chunk. */
#define VTL2_UNIT_PAGES		(SZ_2G >> PAGE_SHIFT)

/*
 * The pages of this kernel's RAM already inaccessible to every lower VTL:
 * ranges [first, last] whose entry is xa_mk_value(first). A handful in
 * practice (a few per "System RAM" resource once all is protected). The
 * engine's workers add to it while the caller holds vtl2_lock; the tree
 * has its own lock.
 */
static DEFINE_MTREE(vtl2_done);
/* One self-protection at a time: a second caller waits, then has no work. */
static DEFINE_MUTEX(vtl2_lock);

/**
 * struct vtl2_plan - the work of one PROTECT_VTL2
 * @pieces: ranges [first, last] of pages to protect, entry
 *	xa_mk_value(first), none crossing a 2 GiB unit
 * @first: first page of the first piece
 * @end: page after the last piece
 * @ram: pages of RAM in the request
 * @already: pages of them already protected
 */
struct vtl2_plan {
	struct maple_tree pieces;
	u64 first;
	u64 end;
	u64 ram;
	u64 already;
};

/* Store [first, end) in @mt as one entry naming its first page. */
static int extent_store(struct maple_tree *mt, u64 first, u64 end)
{
	return mtree_store_range(mt, first, end - 1, xa_mk_value(first), GFP_KERNEL);
}

/*
 * The next extent of @mt at or after *@pos and before @end, clipped to
 * them; returns false if there is none. Moves *@pos past it.
 */
static bool extent_next(struct maple_tree *mt, u64 *pos, u64 end, u64 *first, u64 *last_end)
{
	unsigned long next = *pos;
	void *entry = mt_find(mt, &next, end - 1);

	if (!entry)
		return false;
	*first = max(*pos, xa_to_value(entry));
	*last_end = min_t(u64, end, next);
	*pos = *last_end;
	return true;
}

/* Queue [first, end) as work, one piece per 2 GiB unit it touches. */
static int plan_add(struct vtl2_plan *plan, u64 first, u64 end)
{
	u64 next;
	int ret;

	if (!plan->end)
		plan->first = first;
	for (; first < end; first = next) {
		next = min(end, round_down(first + VTL2_UNIT_PAGES, VTL2_UNIT_PAGES));
		ret = extent_store(&plan->pieces, first, next);
		if (ret)
			return ret;
		plan->end = next;
	}
	return 0;
}

/* Whole pages of one "System RAM" resource (clipped to the request) not yet protected. */
static int plan_ram(struct resource *res, void *arg)
{
	u64 pos = PFN_UP(res->start), end = PFN_DOWN(res->end + 1), first, done_end;
	struct vtl2_plan *plan = arg;
	int ret = 0;

	if (pos >= end)
		return 0;
	plan->ram += end - pos;
	while (pos < end && !ret) {
		u64 from = pos;

		if (!extent_next(&vtl2_done, &pos, end, &first, &done_end))
			return plan_add(plan, from, end);
		ret = plan_add(plan, from, first);
		plan->already += done_end - first;
	}
	return ret;
}

/* The work: this kernel's RAM inside [gpa, last], minus what is protected. */
static int plan_work(u64 gpa, u64 last, struct vtl2_plan *plan)
{
	int ret;

	/* What is done cannot change under the plan. */
	lockdep_assert_held(&vtl2_lock);
	ret = walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  gpa, last, plan, plan_ram);

	/* -ENODEV or -EINVAL: no RAM there, which the caller judges. */
	return ret == -ENOMEM ? ret : 0;
}

static void vtl2_remember(u64 first, u64 end)
{
	/* Without memory we only forget: a later call redoes the work. */
	if (extent_store(&vtl2_done, first, end))
		pr_warn_ratelimited("cannot record GPA %#llx as protected\n",
				    first << PAGE_SHIFT);
}

/*
 * VTL2's own protection mask with no rights shuts VTL0 and VTL1 out of a
 * piece in one pass (HvCallModifyVtlProtectionMask naming the current VTL,
 * as OpenHCL's apply_vtl2_protections does). On failure the report names
 * the first page left accessible, with the status of the refusal.
 */
static void vtl2_piece(u64 first, u64 end, const bool *stop, struct cvm_chunk *out)
{
	struct cvm_span span = { first, end - first, NULL };
	struct cvm_plat_result res = { .stop = stop };
	u64 start = ktime_get_ns();
	int err;

	err = cvm_platform_hv_rights(&span, 0, 0, &res);
	cvm_stats_op(CVM_STAT_RIGHTS, &res, ktime_get_ns() - start);
	if (res.done)
		vtl2_remember(first, first + res.done);
	out->done += res.done;
	cvm_plat_result_add(&out->plat, &res);
	if (err)
		cvm_chunk_fail(out, first + res.done, err, res.status);
}

static void vtl2_chunk(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	struct vtl2_plan *plan = job->ctx;
	u64 pos = gpn, first, end;

	/* Pieces never cross a unit, and a chunk is one unit. */
	while (!out->err && extent_next(&plan->pieces, &pos, gpn + npages, &first, &end))
		vtl2_piece(first, end, &job->stop, out);
}

static int vtl2_run(struct vtl2_plan *plan, struct cvm_vtlmem_protect_vtl2 *req)
{
	struct cvm_job job = {
		/* VTL2's RAM spans every node. */
		.node = NUMA_NO_NODE,
		.first = plan->first,
		.count = plan->end - plan->first,
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
	u64 last = req->length ? req->gpa + req->length - 1 : U64_MAX;
	struct vtl2_plan plan = {};
	int ret;

	/* On the stack: its lock needs mt_init()'s lockdep key. */
	mt_init(&plan.pieces);
	if (mutex_lock_killable(&vtl2_lock))
		return -EINTR;
	ret = plan_work(req->gpa, last, &plan);
	/* A caller-given span must be this kernel's RAM, every page of it. */
	if (!ret && req->length && plan.ram != req->length >> PAGE_SHIFT)
		ret = -ENXIO;
	if (!ret) {
		req->done = plan.already;
		if (plan.end)
			ret = vtl2_run(&plan, req);
	}
	mutex_unlock(&vtl2_lock);
	mtree_destroy(&plan.pieces);
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
 * @ucmd: struct cvm_vtlmem_protect_vtl2
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
 * -ETIMEDOUT; -EINTR on a fatal signal; -ENOMEM.
 */
int cvm_ioctl_protect_vtl2(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_protect_vtl2 *req = ucmd->cmd;
	int ret;

	if (cvm.isolation != CVM_VTLMEM_ISOLATION_NONE)
		return -EOPNOTSUPP;
	ret = vtl2_check(req);
	if (ret)
		return ret;
	req->done = 0;
	req->fail_gpa = 0;
	req->fail_status = 0;
	ret = vtl2_protect(req);
	ucmd->respond = ret != -ENXIO && ret != -ENOMEM;
	return ret;
}

/**
 * cvm_vtl2_protect_exit() - forget what PROTECT_VTL2 protected, at unload
 *
 * No ioctl can run: every open file holds a module reference.
 */
void cvm_vtl2_protect_exit(void)
{
	mtree_destroy(&vtl2_done);
}
