// SPDX-License-Identifier: GPL-2.0
/*
 * Accepting VTL0 memory: the ACCEPT ioctl (eager, on the work engine) and
 * accept-on-fault for lazy ranges (one 2 MiB unit, in the faulting
 * thread). Both go through accept_pages(), which keeps the order the threat
 * model needs: accept, zero where the platform does not, grant VTL0 its
 * rights, and only then record the pages as private, which is what lets a
 * view map them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "accept.h"
#include "background.h"
#include "cvm_vtlmem.h"
#include "engine.h"
#include "hv_abi.h"
#include "jobs.h"
#include "ioctl.h"
#include "mapping.h"
#include "platform.h"
#include "registry.h"
#include "stats.h"
#include "uarg.h"

/*
 * Chunk sizes. Large pages: 16 MiB of 2 MiB units, or 1 GiB where the
 * platform accepts 1 GiB pages. Hypercall platforms: 16320 pages, a
 * multiple of the 510 GPNs one rights call carries that fills four accept
 * calls (4095 pages each) almost exactly: 1 GiB still costs the minimum of
 * 65 accept and 515 rights calls, over 16 chunks.
 */
#define ACCEPT_CHUNK_2M		(SZ_16M >> PAGE_SHIFT)
#define ACCEPT_CHUNK_1G		(SZ_1G >> PAGE_SHIFT)
#define ACCEPT_CHUNK_HV		(32 * HV_ACCEPT_REP_MAX)

/*
 * @stop: the job's stop flag (NULL for lazy faults, which finish their
 * unit so the faulting thread can be served)
 * @complete_grants: ACCEPT with GRANT_VTL0: also grant accepted pages of the
 * span where VTL0 has no right (grant_missing()); a fault never does
 * (it must not undo a PROTECT on the rest of its unit)
 */
struct accept_ctx {
	struct cvm_range *r;
	bool zero;
	bool grant;
	const bool *stop;
	bool complete_grants;
};

/* Zero what the platform left readable as garbage: one large memset. */
static void zero_pages(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 off;

	for (off = 0; off < npages; off += CVM_UNIT_PAGES) {
		memset(cvm_range_kva(r, gpn + off), 0,
		       min_t(u64, npages - off, CVM_UNIT_PAGES) << PAGE_SHIFT);
		cond_resched();
	}
}

/*
 * Record the rights the platform left on @done freshly accepted pages: VTL0
 * has @grant on the first @granted, nothing on the rest; VTL1 has nothing
 * (where one mask binds both, the VTL0 record is VTL1's too).
 */
static int record_rights(struct cvm_range *r, u64 gpn, u64 done, u64 granted, u32 grant)
{
	int ret = 0;

	if (granted)
		ret = cvm_set_page_rights(r, gpn, granted, 0, grant);
	if (!ret && done > granted)
		ret = cvm_set_page_rights(r, gpn + granted, done - granted, 0, 0);
	if (!ret && done && !cvm_platform()->one_mask)
		ret = cvm_set_page_rights(r, gpn, done, 1, 0);
	return ret;
}

/*
 * Accept one run of unaccepted pages, in platform order, and record exactly
 * what happened. Returns the number of pages now private.
 */
static u64 accept_run(struct cvm_range *r, u64 gpn, u64 npages,
		      const struct accept_ctx *ctx, struct cvm_chunk *out)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	struct cvm_span span = cvm_range_span(r, gpn, npages);
	u32 grant = ctx->grant ? HV_MAP_GPA_ALL : 0;
	/*
	 * The grant is not stoppable: pages this run accepted must not stay
	 * private without the rights the caller asked for.
	 */
	struct cvm_plat_result res = { .stop = ctx->stop }, gres = {};
	u64 start = ktime_get_ns(), done, fail, status, granted;
	int err, rec;

	err = ops->accept(&span, grant, &res);
	done = res.done;
	fail = gpn + done;
	status = res.status;
	if (err)
		out->plat.fail_pages = res.fail_pages;
	granted = ops->grants_with_accept ? res.granted : 0;
	if (done && ctx->zero)
		zero_pages(r, gpn, done);
	if (done && grant && !ops->grants_with_accept) {
		struct cvm_span ok = cvm_range_span(r, gpn, done);
		int gerr = ops->set_rights(&ok, 0, grant, &gres);

		granted = gres.done;
		if (gerr && !err) {
			err = gerr;
			fail = gpn + gres.done;
			status = gres.status;
		}
	}
	if (!grant)
		granted = done;
	rec = record_rights(r, gpn, done, granted, grant);
	if (rec && !err) {
		err = rec;
		fail = gpn;
		status = 0;
	}
	down_write(&r->map_lock);
	cvm_set_page_state(r, gpn, done, CVM_PS_PRIVATE);
	up_write(&r->map_lock);
	cvm_stats_op(CVM_STAT_ACCEPT, &res, ktime_get_ns() - start);
	cvm_stats_op(CVM_STAT_RIGHTS, &gres, 0);

	out->done += done;
	cvm_plat_result_add(&out->plat, &res);
	out->plat.calls += gres.calls;
	if (err) {
		out->err = err;
		out->fail_at = fail;
		out->status = status;
	}
	return done;
}

/**
 * cvm_accept_run() - accept a run of pages that just became private again
 * @r: their range
 * @gpn: first page
 * @npages: pages, all private and unaccepted, their units claimed
 * @stop: stop flag of the calling job, or NULL
 * @out: progress, folded into the caller's chunk
 *
 * Accepts, zeroes where the platform does not, grants VTL0 its default
 * rights, then records the pages private: the order every transition into
 * the private view keeps.
 *
 * Return: pages now private, a prefix of the run.
 */
u64 cvm_accept_run(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop,
		   struct cvm_chunk *out)
{
	struct accept_ctx ctx = {
		.r = r, .zero = !cvm_platform()->zeroes_on_accept, .grant = true, .stop = stop,
	};

	return accept_run(r, gpn, npages, &ctx, out);
}

/* Accept every unaccepted page of [gpn, gpn + npages); the units are claimed. */
/*
 * An accepted page VTL0 has no right on, where a grant was asked for: an
 * earlier grant that did not complete (or rights taken since).
 */
static bool ungranted(struct cvm_range *r, u64 gpn)
{
	return cvm_page_state(r, gpn) == CVM_PS_PRIVATE && !cvm_rights_beyond(r, gpn, 1, 0, 0);
}

/*
 * GRANT_VTL0 completes what an earlier grant left undone: accepted pages
 * of the span where VTL0 has no right get them all (the rights only).
 */
static void grant_missing(struct cvm_range *r, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	u64 end = gpn + npages;

	while (gpn < end && !out->err) {
		struct cvm_plat_result res = {};
		struct cvm_span span;
		u64 run;
		int err;

		down_read(&r->map_lock);
		while (gpn < end && !ungranted(r, gpn))
			gpn++;
		for (run = 0; gpn + run < end && ungranted(r, gpn + run); run++)
			;
		up_read(&r->map_lock);
		if (!run)
			break;
		span = cvm_range_span(r, gpn, run);
		err = cvm_platform()->set_rights(&span, 0, HV_MAP_GPA_ALL, &res);
		if (res.done && cvm_set_page_rights(r, gpn, res.done, 0, HV_MAP_GPA_ALL) && !err)
			err = -ENOMEM;
		cvm_stats_op(CVM_STAT_RIGHTS, &res, 0);
		out->plat.calls += res.calls;
		if (err) {
			out->err = err;
			out->fail_at = gpn + res.done;
			out->status = res.status;
		}
		gpn += run;
	}
}

static void accept_pages(struct cvm_range *r, u64 gpn, u64 npages,
			 const struct accept_ctx *ctx, struct cvm_chunk *out)
{
	u64 first = gpn, end = gpn + npages;

	while (gpn < end && !out->err) {
		u64 run;

		/* Skip what is already accepted (or shared, or quarantined). */
		down_read(&r->map_lock);
		while (gpn < end && cvm_page_state(r, gpn) != CVM_PS_UNACCEPTED)
			gpn++;
		for (run = 0; gpn + run < end &&
		     cvm_page_state(r, gpn + run) == CVM_PS_UNACCEPTED; run++)
			;
		up_read(&r->map_lock);
		if (run)
			accept_run(r, gpn, run, ctx, out);
		gpn += run;
	}
	if (ctx->complete_grants && !out->err)
		grant_missing(r, first, npages, out);
}

static void accept_chunk(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	struct accept_ctx *ctx = job->ctx;

	accept_pages(ctx->r, gpn, npages, ctx, out);
}

/**
 * cvm_accept_unit() - accept the 2 MiB unit holding a page, as a first touch
 * @r: the range
 * @gpn: a page of the unit
 * @wait: wait for the unit if an operation holds it; else give up
 * @stop: stop between calls once this reads true (NULL: never)
 *
 * Accepts the unit's unaccepted pages (clipped to the range) once, however
 * many threads ask at the same time: zeroed where the platform does not
 * zero, VTL0 granted every right.
 *
 * Return: 0; -EBUSY if the unit was held and @wait false; -EINTR if a fatal
 * signal came while waiting or @stop was set; the platform's errno
 * (already logged).
 */
int cvm_accept_unit(struct cvm_range *r, u64 gpn, bool wait, const bool *stop)
{
	u64 first = max(r->gpn, round_down(gpn, CVM_UNIT_PAGES));
	u64 end = min(r->gpn + r->npages, round_up(gpn + 1, CVM_UNIT_PAGES));
	struct accept_ctx ctx = {
		.r = r, .zero = !cvm_platform()->zeroes_on_accept, .grant = true, .stop = stop,
	};
	struct cvm_chunk out = {};

	if (!wait && !cvm_range_try_claim(r, first, end - first))
		return -EBUSY;
	if (wait && cvm_range_claim(r, first, end - first))
		return -EINTR;
	accept_pages(r, first, end - first, &ctx, &out);
	cvm_range_release(r, first, end - first);
	if (out.err && out.err != -EINTR)
		pr_warn_ratelimited("accept of GPA %#llx failed: %d, status %#llx\n",
				    out.fail_at << PAGE_SHIFT, out.err, out.status);
	return out.err;
}

/* The lazy-range fault hook: the faulting thread waits for the unit. */
static int lazy_accept(struct cvm_range *r, u64 gpn)
{
	return cvm_accept_unit(r, gpn, true, NULL);
}

static int accept_check(const struct cvm_vtlmem_accept *req, u32 usize)
{
	u32 flags = req->flags;

	if ((flags & ~CVM_VTLMEM_ACCEPT_FLAGS) || req->reserved)
		return -EINVAL;
	if ((flags & CVM_VTLMEM_ACCEPT_ZERO) && (flags & CVM_VTLMEM_ACCEPT_NO_ZERO))
		return -EINVAL;
	/* Background work is done as a touch would do it, nothing else. */
	if ((flags & CVM_VTLMEM_ACCEPT_BACKGROUND) && flags != CVM_VTLMEM_ACCEPT_BACKGROUND)
		return -EINVAL;
	/* A caller that cannot receive the job id could never follow it. */
	if ((flags & CVM_VTLMEM_ACCEPT_NOWAIT) && usize < CVM_VTLMEM_ACCEPT_SIZE_VER1)
		return -EINVAL;
	return cvm_uarg_span(req->gpa, req->length);
}

/* Nothing to accept, and with @grant, nothing to grant either. */
static bool all_accepted(struct cvm_range *r, u64 gpn, u64 npages, bool grant)
{
	bool none_left;
	u64 i;

	down_read(&r->map_lock);
	for (i = 0; i < npages; i++)
		if (cvm_page_state(r, gpn + i) == CVM_PS_UNACCEPTED ||
		    (grant && ungranted(r, gpn + i)))
			break;
	none_left = i == npages;
	up_read(&r->map_lock);
	return none_left;
}

/* One ACCEPT: its engine job and what the job's chunks do. */
struct accept_op {
	struct cvm_job job;
	struct accept_ctx ctx;
};

static void accept_op_init(struct accept_op *op, struct cvm_range *r,
			   const struct cvm_vtlmem_accept *req)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	u32 sizes = cvm_platform_page_sizes();

	op->ctx.zero = ops->zeroes_on_accept ? !!(req->flags & CVM_VTLMEM_ACCEPT_ZERO) :
					       !(req->flags & CVM_VTLMEM_ACCEPT_NO_ZERO);
	op->ctx.grant = !!(req->flags & CVM_VTLMEM_ACCEPT_GRANT_VTL0);
	op->ctx.complete_grants = op->ctx.grant;
	op->ctx.stop = &op->job.stop;
	op->ctx.r = r;
	op->job = (struct cvm_job){
		.node = r->node,
		.first = req->gpa >> PAGE_SHIFT,
		.count = req->length >> PAGE_SHIFT,
		.aligned = sizes & SZ_2M,
		.chunk_pages = sizes & SZ_1G ? ACCEPT_CHUNK_1G :
			       sizes & SZ_2M ? ACCEPT_CHUNK_2M : ACCEPT_CHUNK_HV,
		.run = accept_chunk,
		.ctx = &op->ctx,
		.kind = CVM_STAT_ACCEPT,
	};
	cvm_job_init(&op->job);
}

/* Run an ACCEPT to its end; returns its errno, progress is in op->job. */
static int accept_op_run(struct accept_op *op)
{
	struct cvm_job *job = &op->job;
	struct cvm_range *r = op->ctx.r;
	int ret;

	if (all_accepted(r, job->first, job->count, op->ctx.complete_grants)) {
		spin_lock(&job->lock);
		job->examined = job->count;
		spin_unlock(&job->lock);
		return 0;
	}
	/* The whole span is ours until done: overlapping operations wait. */
	ret = cvm_range_claim_stoppable(r, job->first, job->count, &job->stop);
	if (ret)
		return ret;
	ret = cvm_engine_run(job);
	cvm_range_release(r, job->first, job->count);
	return ret;
}

static int accept_wait(struct cvm_range *r, struct cvm_vtlmem_accept *req)
{
	struct accept_op op;
	int ret;

	accept_op_init(&op, r, req);
	ret = accept_op_run(&op);
	req->accepted = op.job.done;
	if (ret)
		cvm_job_failure(&op.job, &req->fail_gpa, &req->fail_status);
	return ret;
}

/* An ACCEPT with CVM_VTLMEM_ACCEPT_NOWAIT: it keeps its range busy while running. */
struct accept_async {
	struct cvm_async a;
	struct accept_op op;
};

static int async_run(struct cvm_async *a)
{
	return accept_op_run(&container_of(a, struct accept_async, a)->op);
}

static void async_cancel(struct cvm_async *a)
{
	struct accept_op *op = &container_of(a, struct accept_async, a)->op;

	cvm_job_cancel(&op->job);
	/* It may be waiting for its claims. */
	wake_up_all(&op->ctx.r->claim_wq);
}

static void async_finish(struct cvm_async *a)
{
	cvm_range_put(container_of(a, struct accept_async, a)->op.ctx.r);
}

static void async_free(struct cvm_async *a)
{
	kfree(container_of(a, struct accept_async, a));
}

static const struct cvm_async_ops accept_async_ops = {
	.run = async_run,
	.cancel = async_cancel,
	.finish = async_finish,
	.free = async_free,
};

/* Takes over the busy mark on @r (dropped when the job finishes). */
static int accept_nowait(struct cvm_file *f, struct cvm_range *r,
			 struct cvm_vtlmem_accept *req)
{
	struct accept_async *aa = kzalloc(sizeof(*aa), GFP_KERNEL);
	int ret;

	if (!aa) {
		cvm_range_put(r);
		return -ENOMEM;
	}
	accept_op_init(&aa->op, r, req);
	ret = cvm_async_start(f, &aa->a, &accept_async_ops, &aa->op.job, &req->job);
	if (ret) {
		cvm_range_put(r);
		kfree(aa);
	}
	return ret;
}

static int accept_background(struct cvm_range *r, struct cvm_vtlmem_accept *req)
{
	if (!(r->flags & CVM_VTLMEM_RANGE_LAZY))
		return -EINVAL;
	cvm_background_queue(r, req->gpa >> PAGE_SHIFT, req->length >> PAGE_SHIFT);
	return 0;
}

/**
 * cvm_ioctl_accept() - CVM_VTLMEM_IOC_ACCEPT
 * @ucmd: struct cvm_vtlmem_accept; the open file owns no-wait jobs
 *
 * The struct is copied back on success and on failure after work started,
 * so the caller always learns exactly how many pages were accepted.
 *
 * Shared pools are accepted like private ranges: their pages must be
 * accepted before they can go shared.
 *
 * Return: 0; -EINVAL for bad flags or flag combinations, non-zero reserved
 * bytes, NOWAIT with a VER0 struct, BACKGROUND on a range that is not lazy,
 * alignment or zero length; -EOVERFLOW; -ENOENT if no single registered
 * range holds the span; -EAGAIN if the file already holds
 * %CVM_VTLMEM_MAX_JOBS no-wait jobs; -EIO if the platform refused a page
 * (fail_gpa, fail_status); -EPROTO if the hypervisor contradicted itself;
 * -ETIMEDOUT; -EINTR on a fatal signal; -ENOMEM.
 */
int cvm_ioctl_accept(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_accept *req = ucmd->cmd;
	struct cvm_range *r;
	int ret;

	ret = accept_check(req, ucmd->usize);
	if (ret)
		return ret;
	r = cvm_range_get(req->gpa >> PAGE_SHIFT, req->length >> PAGE_SHIFT);
	if (IS_ERR(r))
		return -ENOENT;
	req->accepted = 0;
	req->fail_gpa = 0;
	req->fail_status = 0;
	req->job = 0;
	if (req->flags & CVM_VTLMEM_ACCEPT_NOWAIT) {
		ret = accept_nowait(ucmd->file, r, req);
	} else {
		if (req->flags & CVM_VTLMEM_ACCEPT_BACKGROUND)
			ret = accept_background(r, req);
		else
			ret = accept_wait(r, req);
		cvm_range_put(r);
	}
	ucmd->respond = !ret ||
			!(req->flags & (CVM_VTLMEM_ACCEPT_NOWAIT | CVM_VTLMEM_ACCEPT_BACKGROUND));
	return ret;
}

/**
 * cvm_ioctl_accept_undeliverable() - the answer of ACCEPT could not be
 *	written back
 * @ucmd: the call
 *
 * A no-wait job whose id the caller cannot learn is stopped and forgotten.
 */
void cvm_ioctl_accept_undeliverable(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_accept *req = ucmd->cmd;

	if (req->job)
		cvm_async_discard(ucmd->file, req->job);
}

/**
 * cvm_accept_init() - install accept-on-fault for lazy ranges
 */
void cvm_accept_init(void)
{
	cvm_lazy_accept_hook = lazy_accept;
}

/**
 * cvm_accept_exit() - remove the accept-on-fault hook
 */
void cvm_accept_exit(void)
{
	cvm_lazy_accept_hook = NULL;
}
