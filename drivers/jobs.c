// SPDX-License-Identifier: GPL-2.0
/*
 * No-wait jobs. ACCEPT with CVM_VTLMEM_ACCEPT_NOWAIT hands its operation
 * to a worker here and returns an id; ACCEPT_STATUS reports progress, waits
 * or cancels, and delivers the final report once, which frees the id.
 *
 * A job belongs to the open file that started it, so it cannot outlive the
 * process that wants its result: closing the file cancels what still runs
 * and waits for it (chunks stop before their next call, so that is quick).
 * Nothing is lost by that: page states are exact, and a new ACCEPT skips
 * what was accepted. Since an open file pins the module, unloading never
 * meets a job.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/cvm_vtlmem.h>

#include "engine.h"
#include "jobs.h"
#include "ioctl.h"

/* Unbound: a job's thread mostly sleeps while its chunks run per CPU. */
static struct workqueue_struct *jobs_wq;

static void async_work(struct work_struct *work)
{
	struct cvm_async *a = container_of(work, struct cvm_async, work);
	struct cvm_file *f = a->owner;
	int err = a->ops->run(a);

	/* Not cancellable any more, so what running needed can go ... */
	xa_lock(&f->jobs);
	a->state = CVM_ASYNC_ENDING;
	xa_unlock(&f->jobs);
	a->ops->finish(a);
	/*
	 * ... before anyone learns it is done. From the unlock on, a reader
	 * may free @a and, once it has, close the file and free @f: the
	 * wake-up must happen under the lock.
	 */
	xa_lock(&f->jobs);
	a->err = err;
	a->state = CVM_ASYNC_DONE;
	wake_up_all(&f->finished);
	xa_unlock(&f->jobs);
}

/**
 * cvm_async_start() - start a job and give it an id
 * @f: the open file that will own it
 * @a: the job; from success on, finished and freed through @ops
 * @ops: the operation's callbacks
 * @job: its engine job, cvm_job_init() done
 * @id: out: the job's id, never 0
 *
 * Return: 0; -EAGAIN if @f holds %CVM_VTLMEM_MAX_JOBS jobs; -ENOMEM.
 */
int cvm_async_start(struct cvm_file *f, struct cvm_async *a, const struct cvm_async_ops *ops,
		    struct cvm_job *job, u32 *id)
{
	int ret;

	INIT_WORK(&a->work, async_work);
	a->ops = ops;
	a->job = job;
	a->owner = f;
	a->err = 0;
	a->state = CVM_ASYNC_RUNNING;
	if (atomic_inc_return(&f->njobs) > CVM_VTLMEM_MAX_JOBS) {
		ret = -EAGAIN;
		goto fail;
	}
	ret = xa_alloc_cyclic(&f->jobs, &a->id, a, XA_LIMIT(1, U32_MAX), &f->next_id,
			      GFP_KERNEL);
	if (ret < 0)
		goto fail;
	*id = a->id;
	queue_work(jobs_wq, &a->work);
	return 0;

fail:
	atomic_dec(&f->njobs);
	return ret;
}

/* The report of @a as it stands; @f's xa_lock held. */
static void report(const struct cvm_async *a, struct cvm_vtlmem_accept_status *st)
{
	struct cvm_job *job = a->job;
	bool done = a->state == CVM_ASYNC_DONE;

	st->state = done ? CVM_VTLMEM_JOB_DONE : CVM_VTLMEM_JOB_RUNNING;
	st->npages = job->count;
	spin_lock(&job->lock);
	st->examined = job->examined;
	st->accepted = job->done;
	spin_unlock(&job->lock);
	st->error = done ? -a->err : 0;
	st->fail_gpa = 0;
	st->fail_status = 0;
	if (st->error)
		cvm_job_failure(job, &st->fail_gpa, &st->fail_status);
}

/* Free a job whose final report was taken, and its slot. */
static void reap(struct cvm_file *f, struct cvm_async *a)
{
	atomic_dec(&f->njobs);
	a->ops->free(a);
}

static bool job_finished(struct cvm_file *f, u32 id)
{
	struct cvm_async *a;
	bool fin;

	xa_lock(&f->jobs);
	a = xa_load(&f->jobs, id);
	fin = !a || a->state >= CVM_ASYNC_DONE;
	xa_unlock(&f->jobs);
	return fin;
}

/*
 * Fill in the report of job @id. A finished job's final report is taken
 * once: the job is marked REPORTING and returned, and leaves @f when the
 * report is delivered (forget()) or goes back to DONE when it cannot be.
 * ERR_PTR(-ENOENT) if @id is not (or no longer) @f's, or its final report
 * is being delivered to another caller.
 */
static struct cvm_async *take_report(struct cvm_file *f, u32 id,
				     struct cvm_vtlmem_accept_status *st)
{
	struct cvm_async *a;

	xa_lock(&f->jobs);
	a = xa_load(&f->jobs, id);
	if (a && a->state == CVM_ASYNC_REPORTING)
		a = NULL;
	if (a) {
		report(a, st);
		if (a->state == CVM_ASYNC_DONE)
			a->state = CVM_ASYNC_REPORTING;
	}
	xa_unlock(&f->jobs);
	if (!a)
		return ERR_PTR(-ENOENT);
	return st->state == CVM_VTLMEM_JOB_DONE ? a : NULL;
}

/* The final report of job @id was delivered: it leaves @f and is freed. */
static void forget(struct cvm_file *f, u32 id)
{
	struct cvm_async *a;

	xa_lock(&f->jobs);
	a = xa_load(&f->jobs, id);
	if (a && a->state == CVM_ASYNC_REPORTING)
		__xa_erase(&f->jobs, id);
	else
		a = NULL;
	xa_unlock(&f->jobs);
	if (a)
		reap(f, a);
}

/**
 * cvm_async_cancel() - cancel a job of a file by id
 * @f: the file
 * @id: the job's id
 *
 * Return: 0, or -ENOENT if @f holds no job @id.
 */
int cvm_async_cancel(struct cvm_file *f, u32 id)
{
	struct cvm_async *a;

	xa_lock(&f->jobs);
	a = xa_load(&f->jobs, id);
	if (a && a->state == CVM_ASYNC_RUNNING)
		a->ops->cancel(a);
	xa_unlock(&f->jobs);
	return a ? 0 : -ENOENT;
}

/**
 * cvm_async_discard() - cancel a job nobody will ask about, and free it
 * @f: the file
 * @id: the job's id
 *
 * For a job whose id could not reach its caller: waits until its running
 * chunks have stopped (before their next call), then frees it and its id.
 */
void cvm_async_discard(struct cvm_file *f, u32 id)
{
	struct cvm_vtlmem_accept_status st;
	struct cvm_async *fin;

	if (cvm_async_cancel(f, id))
		return;
	wait_event(f->finished, job_finished(f, id));
	fin = take_report(f, id, &st);
	if (!IS_ERR_OR_NULL(fin))
		forget(f, id);
}

/**
 * cvm_ioctl_accept_status() - CVM_VTLMEM_IOC_ACCEPT_STATUS
 * @ucmd: struct cvm_vtlmem_accept_status; the open file asking
 *
 * Return: 0 with the report; -EINVAL for unknown flags or non-zero
 * reserved bytes; -ENOENT if @job is not a job of this file (or its final
 * report was read); -EINTR if a signal ended the wait (the job goes on).
 */
int cvm_ioctl_accept_status(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_accept_status *st = ucmd->cmd;
	struct cvm_file *f = ucmd->file;
	struct cvm_async *fin;
	int ret;

	if ((st->flags & ~CVM_VTLMEM_STATUS_FLAGS) || st->reserved)
		return -EINVAL;
	if (st->flags & CVM_VTLMEM_STATUS_CANCEL) {
		ret = cvm_async_cancel(f, st->job);
		if (ret)
			return ret;
	}
	if ((st->flags & CVM_VTLMEM_STATUS_WAIT) &&
	    wait_event_interruptible(f->finished, job_finished(f, st->job)))
		return -EINTR;

	fin = take_report(f, st->job, st);
	if (IS_ERR(fin))
		return PTR_ERR(fin);
	ucmd->respond = true;
	return 0;
}

/**
 * cvm_ioctl_accept_status_delivered() - ACCEPT_STATUS's answer reached the
 *	caller
 * @ucmd: the call
 *
 * A final report is given once: the finished job and its id are freed.
 */
void cvm_ioctl_accept_status_delivered(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_accept_status *st = ucmd->cmd;

	if (st->state == CVM_VTLMEM_JOB_DONE)
		forget(ucmd->file, st->job);
}

/**
 * cvm_ioctl_accept_status_undeliverable() - ACCEPT_STATUS's answer could
 *	not be written back
 * @ucmd: the call
 *
 * A final report that did not reach the caller is kept for the next call.
 */
void cvm_ioctl_accept_status_undeliverable(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_accept_status *st = ucmd->cmd;
	struct cvm_file *f = ucmd->file;
	struct cvm_async *a;

	if (st->state != CVM_VTLMEM_JOB_DONE)
		return;
	xa_lock(&f->jobs);
	a = xa_load(&f->jobs, st->job);
	if (a && a->state == CVM_ASYNC_REPORTING)
		a->state = CVM_ASYNC_DONE;
	wake_up_all(&f->finished);
	xa_unlock(&f->jobs);
}

/**
 * cvm_file_poll() - poll() on an open file
 * @f: its jobs
 * @file: the file
 * @pt: the poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM while a finished job awaits its report.
 */
__poll_t cvm_file_poll(struct cvm_file *f, struct file *file, poll_table *pt)
{
	struct cvm_async *a;
	unsigned long id;
	__poll_t mask = 0;

	poll_wait(file, &f->finished, pt);
	xa_lock(&f->jobs);
	xa_for_each(&f->jobs, id, a)
		if (a->state == CVM_ASYNC_DONE) {
			mask = EPOLLIN | EPOLLRDNORM;
			break;
		}
	xa_unlock(&f->jobs);
	return mask;
}

/**
 * cvm_file_alloc() - the per-file state of a new open
 *
 * Return: the state, or NULL.
 */
struct cvm_file *cvm_file_alloc(void)
{
	struct cvm_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	xa_init_flags(&f->jobs, XA_FLAGS_ALLOC1);
	f->next_id = 1;
	init_waitqueue_head(&f->finished);
	return f;
}

/**
 * cvm_file_release() - cancel and free a closing file's jobs
 * @f: its state; freed
 */
void cvm_file_release(struct cvm_file *f)
{
	struct cvm_async *a;
	unsigned long id;

	xa_lock(&f->jobs);
	xa_for_each(&f->jobs, id, a)
		if (a->state == CVM_ASYNC_RUNNING)
			a->ops->cancel(a);
	xa_unlock(&f->jobs);
	/* Nobody else can reach @f now: no ioctl runs on a closing file. */
	xa_for_each(&f->jobs, id, a) {
		flush_work(&a->work);
		a->ops->free(a);
	}
	xa_destroy(&f->jobs);
	kfree(f);
}

/**
 * cvm_jobs_init() - create the workqueue that runs no-wait jobs
 *
 * Return: 0 or -ENOMEM.
 */
int cvm_jobs_init(void)
{
	jobs_wq = alloc_workqueue("cvm_vtlmem_jobs", WQ_UNBOUND, 0);
	return jobs_wq ? 0 : -ENOMEM;
}

/**
 * cvm_jobs_exit() - destroy it (no file is open, so no job exists)
 */
void cvm_jobs_exit(void)
{
	destroy_workqueue(jobs_wq);
}
