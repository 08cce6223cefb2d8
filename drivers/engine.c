// SPDX-License-Identifier: GPL-2.0
/*
 * The work engine. The caller's thread hands out chunks, at most
 * max_inflight at a time, to per-CPU workers on the range's node, and
 * sleeps killably in between. On a fatal signal or a failure no new chunk
 * starts; chunks already running finish, so on return the recorded page
 * states equal what the platform did, page for page.
 *
 * CPU hotplug: a chunk queued on a CPU that goes away is run by the
 * workqueue elsewhere, exactly once; the engine only needs some online CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "engine.h"
#include "stats.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* More chunks in flight than this only cost memory: refused. */
#define ENGINE_MAX_INFLIGHT	1024

static unsigned int max_inflight;

static int max_inflight_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (n > ENGINE_MAX_INFLIGHT)
		return -EINVAL;
	WRITE_ONCE(max_inflight, n);
	return 0;
}

static const struct kernel_param_ops max_inflight_ops = {
	.set = max_inflight_set,
	.get = param_get_uint,
};

module_param_cb(max_inflight, &max_inflight_ops, &max_inflight, 0644);
MODULE_PARM_DESC(max_inflight,
		 "chunks in flight per operation, up to 1024 (0: two per online CPU of the node)");

static struct workqueue_struct *engine_wq;

/* One chunk in flight: a work item and what it covers. */
struct engine_slot {
	struct work_struct work;
	struct engine_run *run;
	unsigned int index;
	u64 first;
	u64 count;
};

/*
 * One cvm_engine_run() call. A worker clears its slot's bit in @busy, then
 * drops @inflight, then wakes the caller sleeping on @wq; so when the caller
 * sees @inflight below @nslots, a free slot exists.
 */
struct engine_run {
	struct cvm_job *job;
	atomic_t inflight;
	wait_queue_head_t wq;
	struct engine_slot *slots;
	unsigned long *busy;
	unsigned int nslots;
};

/**
 * cvm_job_init() - reset a job's results before it becomes visible
 * @job: the job, its description fields set
 */
void cvm_job_init(struct cvm_job *job)
{
	spin_lock_init(&job->lock);
	job->done = 0;
	job->examined = 0;
	job->fail_at = U64_MAX;
	job->status = 0;
	job->err = 0;
	job->stop = false;
	memset(&job->plat, 0, sizeof(job->plat));
}

/**
 * cvm_job_cancel() - stop a job from another thread
 * @job: the job
 *
 * No new chunk starts and running ones stop before their next call; the
 * job then ends with -ECANCELED unless it had already failed. Safe to call
 * at any time after cvm_job_init(), also after the job finished.
 */
void cvm_job_cancel(struct cvm_job *job)
{
	spin_lock(&job->lock);
	if (!job->err)
		job->err = -ECANCELED;
	WRITE_ONCE(job->stop, true);
	spin_unlock(&job->lock);
}

/**
 * cvm_job_failure() - where a failed job stopped, as the uapi reports it
 * @job: a finished job
 * @gpa: out: address of the first page that failed, 0 if none did (the
 *	job was stopped, or failed before any page)
 * @status: out: the platform's status for it, 0 if none
 */
void cvm_job_failure(const struct cvm_job *job, u64 *gpa, u64 *status)
{
	*gpa = job->fail_at == U64_MAX ? 0 : job->fail_at << PAGE_SHIFT;
	*status = job->status;
	cvm_log_platform_error(job->err, *gpa, *status);
}

/**
 * cvm_log_platform_error() - one rate-limited line for a refusing or lying host
 * @err: the operation's errno
 * @gpa: the page it failed at
 * @status: the platform's status for that page
 *
 * Only what the platform did is logged: -EIO (refused), -EPROTO
 * (contradicted itself or the records), -ETIMEDOUT (made no progress).
 */
void cvm_log_platform_error(int err, u64 gpa, u64 status)
{
	const char *what = err == -EIO ? "refused" :
			   err == -EPROTO ? "contradicted itself or the records" :
			   err == -ETIMEDOUT ? "made no progress" : NULL;

	if (what)
		pr_warn_ratelimited("GPA %#llx: the platform %s (status %#llx)\n", gpa, what,
				    status);
}

/**
 * cvm_chunk_fail() - record where a chunk failed, unless it already has
 * @out: the chunk
 * @at: the index the platform did not do (a GPN, or a list position)
 * @err: a negative errno
 * @status: the platform's status, 0 if it gave none
 *
 * A chunk works in ascending order and stops at its first failure, which
 * is the one its operation reports; a later failure (putting back what
 * the first one disturbed) only keeps the chunk failed.
 */
void cvm_chunk_fail(struct cvm_chunk *out, u64 at, int err, u64 status)
{
	if (out->err)
		return;
	out->err = err;
	out->fail_at = at;
	out->status = status;
}

/**
 * cvm_job_add() - fold one chunk's outcome into the job
 * @job: the job
 * @c: the chunk's outcome
 */
void cvm_job_add(struct cvm_job *job, const struct cvm_chunk *c)
{
	spin_lock(&job->lock);
	job->done += c->done;
	cvm_plat_result_add(&job->plat, &c->plat);
	/*
	 * Report the lowest real failure; a chunk that only stopped because
	 * the job was stopping (-EINTR) reports nothing new.
	 */
	if (c->err && c->err != -EINTR &&
	    (job->err == -EINTR || job->err == -ECANCELED || !job->err ||
	     c->fail_at < job->fail_at)) {
		job->fail_at = c->fail_at;
		job->status = c->status;
		job->err = c->err;
	} else if (c->err && !job->err) {
		job->err = c->err;
	}
	if (job->err)
		WRITE_ONCE(job->stop, true);
	spin_unlock(&job->lock);
}

static void engine_work(struct work_struct *work)
{
	struct engine_slot *slot = container_of(work, struct engine_slot, work);
	struct engine_run *run = slot->run;
	struct cvm_chunk c = { .fail_at = U64_MAX };
	u64 t0 = ktime_get_ns();

	run->job->run(run->job, slot->first, slot->count, &c);
	trace_cvm_chunk(run->job->kind, slot->first, slot->count, c.done, c.plat.calls,
			c.err, ktime_get_ns() - t0);
	cvm_job_add(run->job, &c);
	spin_lock(&run->job->lock);
	run->job->examined += slot->count;
	spin_unlock(&run->job->lock);
	cvm_stats_chunk();
	clear_bit(slot->index, run->busy);
	/* The slot must read free before the caller sees room for one. */
	smp_mb__after_atomic();
	atomic_dec(&run->inflight);
	/* The caller flushes every slot before freeing @run. */
	wake_up(&run->wq);
}

static const struct cpumask *node_mask(int node)
{
	return node == NUMA_NO_NODE ? cpu_online_mask : cpumask_of_node(node);
}

static unsigned int node_online_cpus(int node)
{
	unsigned int cpu, n = 0;

	for_each_cpu_and(cpu, node_mask(node), cpu_online_mask)
		n++;
	return n;
}

/* The @n-th chunk goes round-robin to the node's online CPUs, or any. */
static int pick_cpu(int node, u64 n)
{
	unsigned int cpu, weight = node_online_cpus(node), k;

	if (!weight)
		return cpumask_first(cpu_online_mask);
	k = n % weight;
	for_each_cpu_and(cpu, node_mask(node), cpu_online_mask)
		if (!k--)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

static bool job_stopped(struct cvm_job *job)
{
	bool stop;

	spin_lock(&job->lock);
	stop = job->err != 0;
	spin_unlock(&job->lock);
	return stop;
}

static void queue_chunk(struct engine_run *run, u64 first, u64 count, u64 n)
{
	unsigned int i = find_first_zero_bit(run->busy, run->nslots);
	struct engine_slot *slot = &run->slots[i];

	set_bit(i, run->busy);
	slot->first = first;
	slot->count = count;
	atomic_inc(&run->inflight);
	cpus_read_lock();
	queue_work_on(pick_cpu(run->job->node, n), engine_wq, &slot->work);
	cpus_read_unlock();
}

static int engine_alloc(struct engine_run *run, struct cvm_job *job)
{
	unsigned int cpus = max(1U, node_online_cpus(job->node));
	unsigned int i;

	run->job = job;
	run->nslots = READ_ONCE(max_inflight) ?: 2 * cpus;
	atomic_set(&run->inflight, 0);
	init_waitqueue_head(&run->wq);
	run->slots = kcalloc(run->nslots, sizeof(*run->slots), GFP_KERNEL);
	run->busy = bitmap_zalloc(run->nslots, GFP_KERNEL);
	if (!run->slots || !run->busy) {
		kfree(run->slots);
		bitmap_free(run->busy);
		return -ENOMEM;
	}
	for (i = 0; i < run->nslots; i++) {
		INIT_WORK(&run->slots[i].work, engine_work);
		run->slots[i].run = run;
		run->slots[i].index = i;
	}
	return 0;
}

/**
 * cvm_engine_run() - run a job to completion, failure, cancellation or a
 *	fatal signal
 * @job: the job, cvm_job_init() done
 *
 * With @job->aligned, chunks end on multiples of @job->chunk_pages, so every
 * chunk but the edges is made of whole aligned large pages; otherwise they
 * are @job->chunk_pages long from @job->first. The caller owns the span's
 * claims; chunks do not claim.
 *
 * Return: 0; the first failing chunk's errno (see @job->fail_at); -EINTR
 * if a fatal signal stopped it, -ECANCELED if cvm_job_cancel() did
 * (progress in @job->done is still exact either way); -ENOMEM.
 */
int cvm_engine_run(struct cvm_job *job)
{
	struct engine_run run;
	u64 pos = job->first, end = job->first + job->count, n = 0;
	int ret;

	ret = engine_alloc(&run, job);
	if (ret)
		return ret;

	while (pos < end && !job_stopped(job)) {
		u64 next = job->aligned ? round_down(pos + job->chunk_pages, job->chunk_pages) :
					  pos + job->chunk_pages;

		next = min(end, next);

		if (wait_event_killable(run.wq, atomic_read(&run.inflight) < run.nslots))
			break;
		queue_chunk(&run, pos, next - pos, n++);
		pos = next;
	}
	/* The last chunks may run long: a fatal signal still stops them early. */
	wait_event_killable(run.wq, !atomic_read(&run.inflight));
	if (fatal_signal_pending(current)) {
		spin_lock(&job->lock);
		if (!job->err)
			job->err = -EINTR;
		WRITE_ONCE(job->stop, true);
		spin_unlock(&job->lock);
	}
	/*
	 * Running chunks stop at their next call and record what they did;
	 * a fatal signal arriving now does not cut that short.
	 */
	wait_event(run.wq, !atomic_read(&run.inflight));
	for (n = 0; n < run.nslots; n++)
		flush_work(&run.slots[n].work);
	kfree(run.slots);
	bitmap_free(run.busy);
	return job->err;
}

/**
 * cvm_engine_init() - create the module's per-CPU workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int cvm_engine_init(void)
{
	/* Normal priority: the caller must still get the CPU to see signals. */
	engine_wq = alloc_workqueue("cvm_vtlmem", CVM_WQ_PERCPU, 0);
	return engine_wq ? 0 : -ENOMEM;
}

/**
 * cvm_engine_exit() - destroy the workqueue (no job can be running)
 */
void cvm_engine_exit(void)
{
	destroy_workqueue(engine_wq);
}
