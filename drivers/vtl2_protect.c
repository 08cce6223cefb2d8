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
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "cvm_vtlmem.h"
#include "engine.h"
#include "ioctl.h"
#include "platform.h"
#include "stats.h"
#include "vtl2_protect.h"

/* PROTECT_VTL2 works in 2 GiB units, each one engine chunk. */
#define VTL2_UNIT_PAGES		(SZ_2G >> PAGE_SHIFT)

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
	cvm_plat_result_add(&out->plat, &res);
	if (err) {
		out->err = err;
		out->status = res.status;
		out->fail_at = p->first + res.done;
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
		/* VTL2's RAM spans every node. */
		.node = NUMA_NO_NODE,
		.first = plan->e[0].first,
		.count = plan->e[plan->n - 1].end - plan->e[0].first,
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
	kfree(vtl2_done.e);
	vtl2_done = (struct vtl2_exts){};
}
