/* SPDX-License-Identifier: GPL-2.0 */
/*
 * No-wait jobs: operations that go on after their ioctl returned, owned by
 * the open file that started them, followed with ACCEPT_STATUS and poll().
 */
#ifndef CVM_VTLMEM_JOBS_H
#define CVM_VTLMEM_JOBS_H

#include <linux/atomic.h>
#include <linux/compiler_types.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

struct cvm_async;
struct cvm_job;

/**
 * struct cvm_async_ops - what an operation supplies to run without waiting
 * @run: does the whole operation in a worker; returns its errno
 * @cancel: makes @run return soon; called under the file's xa_lock while
 *	the job has not finished, so it must not sleep
 * @finish: drops what only running needed (a range's busy mark), after
 *	@run returned and before anyone can see the job finished
 * @free: frees the job; called once, when its final report was read or
 *	its file closed
 */
struct cvm_async_ops {
	int (*run)(struct cvm_async *a);
	void (*cancel)(struct cvm_async *a);
	void (*finish)(struct cvm_async *a);
	void (*free)(struct cvm_async *a);
};

/*
 * Where a job is, under the owner's xa_lock. It moves forward only, but
 * for a final report that could not be delivered: REPORTING goes back to
 * DONE.
 */
enum cvm_async_state {
	CVM_ASYNC_RUNNING,	/* @run has not returned: may be cancelled */
	CVM_ASYNC_ENDING,	/* @run returned, @finish runs */
	CVM_ASYNC_DONE,		/* @err is the result; the report may be taken */
	CVM_ASYNC_REPORTING,	/* the final report is on its way to a caller */
};

/**
 * struct cvm_async - one no-wait job
 * @work: runs @ops->run on the jobs workqueue
 * @ops: the operation's callbacks
 * @job: the engine job whose progress and result are reported
 * @owner: the open file's jobs
 * @id: its id among them
 * @err: what @ops->run returned, once @state is %CVM_ASYNC_DONE
 * @state: &enum cvm_async_state, under @owner's xa_lock
 */
struct cvm_async {
	struct work_struct work;
	const struct cvm_async_ops *ops;
	struct cvm_job *job;
	struct cvm_file *owner;
	u32 id;
	int err;
	enum cvm_async_state state;
};

/**
 * struct cvm_file - what an open /dev/cvm_vtlmem holds of its own
 * @jobs: id -> &struct cvm_async; its xa_lock also protects each job's
 *	@state and @err
 * @next_id: the next id to try (ids are handed out cyclically)
 * @njobs: jobs held, at most %CVM_VTLMEM_MAX_JOBS
 * @finished: woken whenever one of its jobs finishes
 */
struct cvm_file {
	struct xarray jobs;
	u32 next_id;
	atomic_t njobs;
	wait_queue_head_t finished;
};

int cvm_jobs_init(void);
void cvm_jobs_exit(void);
struct cvm_file *cvm_file_alloc(void);
void cvm_file_release(struct cvm_file *f);
__poll_t cvm_file_poll(struct cvm_file *f, struct file *file, poll_table *pt);
int cvm_async_start(struct cvm_file *f, struct cvm_async *a, const struct cvm_async_ops *ops,
		    struct cvm_job *job, u32 *id);
int cvm_async_cancel(struct cvm_file *f, u32 id);
void cvm_async_discard(struct cvm_file *f, u32 id);

#endif /* CVM_VTLMEM_JOBS_H */
