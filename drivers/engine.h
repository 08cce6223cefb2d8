/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The work engine: splits an operation over an index space (the pages of
 * a span, or the entries of a list) into chunks and runs them on the
 * module's per-CPU workqueue, on one NUMA node, a bounded number at a time.
 * It knows nothing of ranges: what an index means is the operation's.
 */
#ifndef CVM_VTLMEM_ENGINE_H
#define CVM_VTLMEM_ENGINE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "platform.h"

struct cvm_job;

/**
 * struct cvm_chunk - the outcome of one chunk
 * @done: indices the chunk completed (all of them on success)
 * @fail_at: the index that failed, when @err is set
 * @status: the platform's status for @fail_at
 * @err: 0 or a negative errno
 * @plat: calls, pages per size and fallbacks, summed over the chunk
 */
struct cvm_chunk {
	u64 done;
	u64 fail_at;
	u64 status;
	int err;
	struct cvm_plat_result plat;
};

/**
 * struct cvm_job - one operation over the index space [@first, @first + @count)
 * @node: NUMA node whose CPUs run the chunks (%NUMA_NO_NODE: any)
 * @first: first index (a GPN, or 0 for a list)
 * @count: indices in the space
 * @chunk_pages: chunk size in indices
 * @aligned: chunks end on multiples of @chunk_pages (large pages: a power
 *	of two times 2 MiB); otherwise every @chunk_pages from @first (so a
 *	chunk is a whole number of maximal hypercalls)
 * @run: does one chunk; may sleep; must leave the pages' recorded state
 *	equal to what the platform did
 * @ctx: the operation's own data, for @run
 * @kind: what the job does (&enum cvm_stat_op), for the per-chunk tracepoint
 * @lock: protects the fields below while chunks finish
 * @done: indices completed by all chunks
 * @examined: indices covered by finished chunks (progress)
 * @fail_at: lowest failing index over all chunks, U64_MAX if none
 * @status: platform status for @fail_at
 * @err: errno of the chunk that failed at @fail_at, -EINTR (fatal signal)
 *	or -ECANCELED (cvm_job_cancel())
 * @plat: totals over all chunks
 * @stop: set once the job fails, is cancelled or its caller gets a fatal
 *	signal; running chunks stop before their next call (pass it as
 *	cvm_plat_result.stop)
 *
 * Set the description fields, then cvm_job_init() before anyone can see it.
 */
struct cvm_job {
	int node;
	u64 first;
	u64 count;
	u64 chunk_pages;
	bool aligned;
	void (*run)(struct cvm_job *job, u64 first, u64 count, struct cvm_chunk *out);
	void *ctx;
	unsigned int kind;
	spinlock_t lock;	/* the result fields below */
	u64 done;
	u64 examined;
	u64 fail_at;
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
void cvm_chunk_fail(struct cvm_chunk *out, u64 at, int err, u64 status);
void cvm_job_cancel(struct cvm_job *job);
void cvm_job_failure(const struct cvm_job *job, u64 *gpa, u64 *status);
void cvm_log_platform_error(int err, u64 gpa, u64 status);

#endif /* CVM_VTLMEM_ENGINE_H */
