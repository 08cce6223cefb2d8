// SPDX-License-Identifier: GPL-2.0
/*
 * Background acceptance of lazy ranges. ACCEPT with
 * CVM_VTLMEM_ACCEPT_BACKGROUND queues 2 MiB units of a lazy range; one
 * kernel thread at the lowest priority takes them round-robin across
 * ranges, one unit at a time, through the path a first touch takes
 * (cvm_accept_unit()), so a unit accepted here is indistinguishable from
 * one a fault accepted, and the two never accept the same unit twice.
 *
 * The thread never waits for a unit somebody else holds: it puts the unit
 * back and comes later, so a long ACCEPT holding claims cannot park it.
 * REMOVE_RANGE forgets a range's queue and waits for the unit in progress,
 * which stops before its next call; unloading stops the thread after the
 * unit in progress.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "accept.h"
#include "background.h"
#include "registry.h"

/* How long the thread backs off when every unit it could take is held. */
#define BG_RETRY_MS		10

/*
 * bg_lock protects bg_ranges, bg_current, bg_current_gone and the bg_*
 * fields of every range.
 */
static DEFINE_SPINLOCK(bg_lock);
static LIST_HEAD(bg_ranges);
/* The range whose unit the thread is accepting, outside bg_lock. */
static struct cvm_range *bg_current;
/*
 * bg_current was forgotten meanwhile: stop accepting it, do not queue its
 * unit again. Read without bg_lock by the accept in progress.
 */
static bool bg_current_gone;
/* The thread sleeps here while nothing is queued. */
static DECLARE_WAIT_QUEUE_HEAD(bg_work);
/* cvm_background_forget() sleeps here until the thread leaves its range. */
static DECLARE_WAIT_QUEUE_HEAD(bg_left);
static struct task_struct *bg_thread;

/* Mark units [@first, @first + @n) queued; bg_lock held. */
static void queue_units(struct cvm_range *r, u64 first, u64 n)
{
	lockdep_assert_held(&bg_lock);
	bitmap_set(r->bg_units, first, n);
	r->bg_queued = bitmap_weight(r->bg_units, cvm_range_units(r));
	if (r->bg_queued && list_empty(&r->bg_link))
		list_add_tail(&r->bg_link, &bg_ranges);
}

/*
 * The next queued unit, ranges taken in turn; bg_lock held. Within a
 * range, units go in ascending order from where the last one was taken.
 */
static struct cvm_range *take_unit(u64 *unit)
{
	struct cvm_range *r = list_first_entry_or_null(&bg_ranges, struct cvm_range, bg_link);
	u64 units, u;

	lockdep_assert_held(&bg_lock);
	if (!r)
		return NULL;
	units = cvm_range_units(r);
	u = find_next_bit(r->bg_units, units, r->bg_next);
	if (u >= units)
		u = find_first_bit(r->bg_units, units);
	__clear_bit(u, r->bg_units);
	r->bg_next = u + 1;
	if (!--r->bg_queued)
		list_del_init(&r->bg_link);
	else
		list_rotate_left(&bg_ranges);
	*unit = u;
	return r;
}

/* First page of unit @u of @r, clipped to the range. */
static u64 unit_gpn(const struct cvm_range *r, u64 u)
{
	return max(r->gpn, ((r->gpn >> CVM_UNIT_SHIFT) + u) << CVM_UNIT_SHIFT);
}

static bool work_queued(void)
{
	bool queued;

	spin_lock(&bg_lock);
	queued = !list_empty(&bg_ranges);
	spin_unlock(&bg_lock);
	return queued;
}

/* Accept one queued unit; false if there was none. */
static bool accept_one(void)
{
	struct cvm_range *r;
	u64 unit;
	int ret;

	spin_lock(&bg_lock);
	r = take_unit(&unit);
	bg_current = r;
	WRITE_ONCE(bg_current_gone, false);
	spin_unlock(&bg_lock);
	if (!r)
		return false;

	/* REMOVE_RANGE sets bg_current_gone: stop at the next call. */
	ret = cvm_accept_unit(r, unit_gpn(r, unit), false, &bg_current_gone);

	spin_lock(&bg_lock);
	if (ret == -EBUSY && !bg_current_gone)
		queue_units(r, unit, 1);
	bg_current = NULL;
	spin_unlock(&bg_lock);
	wake_up_all(&bg_left);
	/* Held by an operation: let it run rather than spin on it. */
	if (ret == -EBUSY)
		schedule_timeout_idle(msecs_to_jiffies(BG_RETRY_MS));
	return true;
}

static int bg_main(void *unused)
{
	/* Acceptance that nobody waits for yields to everything else. */
	set_user_nice(current, MAX_NICE);
	while (!kthread_should_stop()) {
		if (!accept_one())
			wait_event_interruptible(bg_work, kthread_should_stop() || work_queued());
		cond_resched();
	}
	return 0;
}

/**
 * cvm_background_queue() - queue units of a lazy range for background
 *	acceptance
 * @r: the range, kept busy by the caller (so it cannot be removed now)
 * @gpn: first page of the span
 * @npages: pages; every unit the span touches is queued
 */
void cvm_background_queue(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 first = cvm_range_unit(r, gpn);

	spin_lock(&bg_lock);
	queue_units(r, first, cvm_range_unit(r, gpn + npages - 1) - first + 1);
	spin_unlock(&bg_lock);
	wake_up(&bg_work);
}

/**
 * cvm_background_forget() - drop a range's queue before it is freed
 * @r: the range, already out of the registry
 *
 * Returns once the thread is no longer working on @r.
 */
void cvm_background_forget(struct cvm_range *r)
{
	spin_lock(&bg_lock);
	list_del_init(&r->bg_link);
	if (r->bg_units)
		bitmap_zero(r->bg_units, cvm_range_units(r));
	r->bg_queued = 0;
	if (bg_current == r)
		WRITE_ONCE(bg_current_gone, true);
	spin_unlock(&bg_lock);
	wait_event(bg_left, READ_ONCE(bg_current) != r);
}

/**
 * cvm_background_init() - start the background thread
 *
 * Return: 0 or the error of kthread_run().
 */
int cvm_background_init(void)
{
	bg_thread = kthread_run(bg_main, NULL, "cvm_vtlmem_bg");
	return PTR_ERR_OR_ZERO(bg_thread);
}

/**
 * cvm_background_exit() - stop the thread after the unit in progress
 */
void cvm_background_exit(void)
{
	kthread_stop(bg_thread);
}
