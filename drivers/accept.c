// SPDX-License-Identifier: GPL-2.0
/*
 * The accept primitive: a span of a range, or the 2 MiB unit around a page
 * (a first touch of a lazy range, or background acceptance). It keeps the
 * order the threat model needs: accept, zero where the platform does not,
 * grant VTL0 its rights, and only then record the pages as private, which
 * is what lets a view map them. The ACCEPT operation is accept_op.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "accept.h"
#include "cvm_vtlmem.h"
#include "engine.h"
#include "hv_abi.h"
#include "platform.h"
#include "registry.h"
#include "stats.h"

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
		      const struct cvm_accept_how *how, struct cvm_chunk *out, bool *already)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	struct cvm_span span = cvm_range_span(r, gpn, npages);
	u32 grant = how->grant ? HV_MAP_GPA_ALL : 0;
	/*
	 * The grant is not stoppable: pages this run accepted must not stay
	 * private without the rights the caller asked for.
	 */
	struct cvm_plat_result res = { .stop = how->stop }, gres = {};
	u64 start = ktime_get_ns(), done, fail, status, granted;
	int err, rec;

	err = ops->accept(&span, grant, &res);
	done = res.done;
	granted = ops->grants_with_accept ? res.granted : 0;
	/* A grant paired with an accept failed: its page is the failure. */
	fail = gpn + (err && grant && ops->grants_with_accept && granted < done ? granted : done);
	status = res.status;
	if (err)
		out->plat.fail_pages = res.fail_pages;
	if (done && how->zero)
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
	if (err)
		cvm_chunk_fail(out, fail, err, status);
	/* Only a clean "already accepted": nothing else went wrong. */
	if (already)
		*already = err == -EPROTO && res.already && fail == gpn + done && !rec;
	return done;
}

/*
 * A page the records hold in an unknown state (quarantined) that the
 * isolation hardware itself reports already accepted (TDX: the TDX
 * module's word, not the host's) is private and the guest's: it is taken
 * as it is. Its contents and rights are unknown, so it is zeroed and given
 * exactly the rights a fresh accept would give. On failure it stays
 * quarantined.
 */
static int adopt_accepted(struct cvm_range *r, u64 gpn, const struct cvm_accept_how *how,
			  struct cvm_chunk *out)
{
	const struct cvm_platform_ops *ops = cvm_platform();
	struct cvm_span span = cvm_range_span(r, gpn, 1);
	u32 grant = how->grant ? HV_MAP_GPA_ALL : 0;
	struct cvm_plat_result res = {};
	int err = 0;

	/* Nothing but the guest may write it while it is zeroed: no rights first. */
	if (!ops->one_mask)
		err = ops->set_rights(&span, 1, 0, &res);
	if (!err)
		err = ops->set_rights(&span, 0, 0, &res);
	if (!err)
		zero_pages(r, gpn, 1);
	if (!err && grant)
		err = ops->set_rights(&span, 0, grant, &res);
	cvm_stats_op(CVM_STAT_RIGHTS, &res, 0);
	out->plat.calls += res.calls;
	if (!err)
		err = record_rights(r, gpn, 1, 1, grant);
	if (err) {
		cvm_chunk_fail(out, gpn, err, res.status);
		return err;
	}
	down_write(&r->map_lock);
	cvm_set_page_state(r, gpn, 1, CVM_PS_PRIVATE);
	up_write(&r->map_lock);
	out->done++;
	return 0;
}

/**
 * cvm_accept_run() - accept a run of pages that just became private again
 * @r: their range
 * @gpn: first page
 * @npages: pages, all private and unaccepted, their units claimed
 * @stop: stop flag of the calling job, or NULL
 * @unknown: the pages were quarantined: the platform left their state
 *	unknown, and one it reports already accepted is taken as it is
 *	(adopt_accepted())
 * @out: progress, folded into the caller's chunk
 *
 * Accepts, zeroes where the platform does not, grants VTL0 its default
 * rights, then records the pages private: the order every transition into
 * the private view keeps.
 *
 * Return: pages now private, a prefix of the run.
 */
u64 cvm_accept_run(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop,
		   bool unknown, struct cvm_chunk *out)
{
	struct cvm_accept_how how = {
		.zero = !cvm_platform()->zeroes_on_accept, .grant = true, .stop = stop,
	};
	bool already = false;
	u64 done = 0;

	lockdep_assert(cvm_range_claimed(r, gpn, npages));
	for (;;) {
		done += accept_run(r, gpn + done, npages - done, &how, out,
				   unknown ? &already : NULL);
		if (!already)
			return done;
		out->err = 0;
		if (adopt_accepted(r, gpn + done, &how, out))
			return done;
		if (++done == npages)
			return done;
	}
}

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
		if (err)
			cvm_chunk_fail(out, gpn + res.done, err, res.status);
		gpn += run;
	}
}

/**
 * cvm_accept_pages() - accept every unaccepted page of a span
 * @r: the range
 * @gpn: first page
 * @npages: pages
 * @how: zeroing, grants and when to stop
 * @out: progress, calls and the failure, if any, added to
 *
 * Context: the caller has claimed the span's units.
 */
void cvm_accept_pages(struct cvm_range *r, u64 gpn, u64 npages,
		      const struct cvm_accept_how *how, struct cvm_chunk *out)
{
	u64 first = gpn, end = gpn + npages;

	lockdep_assert(cvm_range_claimed(r, gpn, npages));
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
			accept_run(r, gpn, run, how, out, NULL);
		gpn += run;
	}
	if (how->complete_grants && !out->err)
		grant_missing(r, first, npages, out);
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
	struct cvm_accept_how how = {
		.zero = !cvm_platform()->zeroes_on_accept, .grant = true, .stop = stop,
	};
	struct cvm_chunk out = {};

	if (!wait && !cvm_range_try_claim(r, first, end - first))
		return -EBUSY;
	if (wait && cvm_range_claim(r, first, end - first))
		return -EINTR;
	cvm_accept_pages(r, first, end - first, &how, &out);
	cvm_range_release(r, first, end - first);
	if (out.err && out.err != -EINTR)
		pr_warn_ratelimited("accept of GPA %#llx failed: %d, status %#llx\n",
				    out.fail_at << PAGE_SHIFT, out.err, out.status);
	return out.err;
}

/**
 * cvm_accept_done() - is there nothing to accept in a span?
 * @r: the range
 * @gpn: first page
 * @npages: pages
 * @grant: and nothing to grant either (an accepted page without VTL0 rights)
 *
 * Return: whether an accept of the span would have no work.
 */
bool cvm_accept_done(struct cvm_range *r, u64 gpn, u64 npages, bool grant)
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
