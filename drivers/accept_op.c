// SPDX-License-Identifier: GPL-2.0
/*
 * The ACCEPT operation: eager on the work engine (the caller waits), no-wait
 * (a job of the open file, jobs.c) or queued for background acceptance of a
 * lazy range. The pages go through the accept primitive (accept.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "accept.h"
#include "background.h"
#include "cvm_vtlmem.h"
#include "engine.h"
#include "hv_abi.h"
#include "ioctl.h"
#include "jobs.h"
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

/* What each chunk of one ACCEPT needs. */
struct accept_ctx {
	struct cvm_range *r;
	struct cvm_accept_how how;
};

static void accept_chunk(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out)
{
	struct accept_ctx *ctx = job->ctx;

	cvm_accept_pages(ctx->r, gpn, npages, &ctx->how, out);
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

	op->ctx.how.zero = ops->zeroes_on_accept ? !!(req->flags & CVM_VTLMEM_ACCEPT_ZERO) :
					       !(req->flags & CVM_VTLMEM_ACCEPT_NO_ZERO);
	op->ctx.how.grant = !!(req->flags & CVM_VTLMEM_ACCEPT_GRANT_VTL0);
	op->ctx.how.complete_grants = op->ctx.how.grant;
	op->ctx.how.stop = &op->job.stop;
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

	if (cvm_accept_done(r, job->first, job->count, op->ctx.how.complete_grants)) {
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
