/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The work engine: splits an operation on a span of one range into chunks
 * on 2 MiB boundaries and runs them on the module's per-CPU workqueue, on
 * the range's NUMA node, a bounded number at a time.
 */
#ifndef CVM_VTLMEM_ENGINE_H
#define CVM_VTLMEM_ENGINE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "platform.h"

struct cvm_range;
struct cvm_job;

/**
 * struct cvm_chunk - the outcome of one chunk
 * @done: pages the chunk completed (all of them on success)
 * @fail_gpn: the page that failed, when @err is set
 * @status: the platform's status for @fail_gpn
 * @err: 0 or a negative errno
 * @plat: calls, pages per size and fallbacks, summed over the chunk
 */
struct cvm_chunk {
	u64 done;
	u64 fail_gpn;
	u64 status;
	int err;
	struct cvm_plat_result plat;
};

/**
 * struct cvm_job - one operation on a span of one range
 * @r: the range (kept busy by the caller)
 * @gpn: first page of the span
 * @npages: pages in the span
 * @chunk_pages: chunk size in pages
 * @aligned: chunks end on multiples of @chunk_pages (large pages: a power
 *	of two times 2 MiB); otherwise every @chunk_pages from @gpn (so a
 *	chunk is a whole number of maximal hypercalls)
 * @run: does one chunk; may sleep; must leave the pages' recorded state
 *	equal to what the platform did
 * @ctx: the operation's own data, for @run
 * @kind: what the job does (&enum cvm_stat_op), for the per-chunk tracepoint
 * @lock: protects the fields below while chunks finish
 * @done: pages completed by all chunks
 * @examined: pages of the span covered by finished chunks (progress)
 * @fail_gpn: lowest failing page over all chunks, U64_MAX if none
 * @status: platform status for @fail_gpn
 * @err: errno of the chunk that failed at @fail_gpn, -EINTR (fatal signal)
 *	or -ECANCELED (cvm_job_cancel())
 * @plat: totals over all chunks
 * @stop: set once the job fails, is cancelled or its caller gets a fatal
 *	signal; running chunks stop before their next call (pass it as
 *	cvm_plat_result.stop)
 *
 * Set the description fields, then cvm_job_init() before anyone can see it.
 */
struct cvm_job {
	struct cvm_range *r;
	u64 gpn;
	u64 npages;
	u64 chunk_pages;
	bool aligned;
	void (*run)(struct cvm_job *job, u64 gpn, u64 npages, struct cvm_chunk *out);
	void *ctx;
	unsigned int kind;
	spinlock_t lock;	/* the result fields below */
	u64 done;
	u64 examined;
	u64 fail_gpn;
	u64 status;
	int err;
	struct cvm_plat_result plat;
	bool stop;
};

int cvm_engine_init(void);
void cvm_engine_exit(void);
void cvm_job_init(struct cvm_job *job);
int cvm_engine_run(struct cvm_job *job);
void cvm_job_add(struct cvm_job *job, const struct cvm_chunk *c);
void cvm_job_cancel(struct cvm_job *job);
void cvm_job_failure(const struct cvm_job *job, u64 *gpa, u64 *status);
void cvm_log_platform_error(int err, u64 gpa, u64 status);

#endif /* CVM_VTLMEM_ENGINE_H */
