/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the simulated hypervisor: sim.c (the model and the transport)
 * and sim_debugfs.c (fault injection, counters, debugfs).
 */
#ifndef CVM_VTLMEM_SIM_INTERNAL_H
#define CVM_VTLMEM_SIM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>

#include "sim.h"

#define SIM_UNIT_SHIFT	9			/* 4K pages per 2M unit, log2 */
#define SIM_UNIT_PAGES	BIT(SIM_UNIT_SHIFT)
#define SIM_GIG_SHIFT	18			/* 4K pages per 1G, log2 */
#define SIM_MAX_FAILS	8			/* armed "fail" injections */

/* One-shot lies of the host: bit numbers in sim_inject.lies. */
enum sim_lie {
	SIM_LIE_NOPROGRESS,
	SIM_LIE_PHANTOM,
	SIM_LIE_BACKWARDS,
	SIM_LIE_OVERCOUNT,
	SIM_LIE_NR
};

/**
 * struct sim_fail - one armed "fail" injection
 * @seq: number of the operation that fails; 0 when matched by @gpn
 * @gpn: page whose processing fails (when @seq is 0)
 * @status: status to return
 * @after: reps a hypercall completes beyond its rep start first
 * @code: with @gpn: fire only in hypercalls of this call code (0: any)
 * @armed: slot in use
 */
struct sim_fail {
	u64 seq;
	u64 gpn;
	u64 status;
	u32 after;
	u16 code;
	bool armed;
};

/**
 * struct sim_inject - what the fault injector has armed
 * @lock: protects @fail and writes of @nr_fail
 * @fail: armed "fail" injections
 * @nr_fail: armed entries in @fail, read locklessly for the fast path
 * @seq: operations (hypercalls and instructions) issued so far
 * @timeout_reps: most reps per hypercall before TIME_OUT; 0 = off
 * @busy: TDCALLs left that answer OPERAND_BUSY
 * @lies: armed SIM_LIE_* bits
 */
struct sim_inject {
	spinlock_t lock;	/* @fail, @nr_fail */
	struct sim_fail fail[SIM_MAX_FAILS];
	unsigned int nr_fail;
	atomic64_t seq;
	unsigned int timeout_reps;
	atomic_t busy;
	unsigned long lies;
};

/**
 * struct sim_pcpu - one CPU's counters
 * @op: per operation kind
 * @calls: operations of any kind issued on this CPU
 * @input: this CPU's hypercall input page, the stand-in for the kernel's
 *	hyperv_pcpu_input_arg
 */
struct sim_pcpu {
	struct cvm_sim_count op[SIM_OP_NR];
	u64 calls;
	void *input;
};

/**
 * struct sim_hv - the simulated hypervisor
 * @base_gpn: first page of the simulated VTL0 RAM
 * @npages: its size in 4K pages; 0 = no RAM
 * @map: write-back mapping of that RAM, for content writes
 * @pages: SIM_PAGE_* state per page
 * @first_unit: absolute number of the first 2M unit (gpn >> 9)
 * @nr_units: 2M units touched by the RAM
 * @first_gig: absolute number of the first 1G unit (gpn >> 18)
 * @unit_lock: per 2M unit, taken inside the unit's @gig_lock held for read
 * @gig_lock: per 1G unit; held for write by 1G operations
 * @smashed: per 2M unit, SNP: the RMP holds it at 4K granularity
 * @mismatch: per 2M unit, injected: large-page attempts get SIZEMISMATCH
 * @busy: per 2M unit, contents being written outside the locks
 * @pcpu: counters
 * @inj: armed fault injections
 * @tdx_accept_1g: TDX: TDG.MEM.PAGE.ACCEPT takes 1 GiB pages (debugfs
 *	sim/tdx_accept_1g; off by default, as current TDX modules)
 * @dir: debugfs directory sim/
 */
struct sim_hv {
	u64 base_gpn;
	u64 npages;
	void *map;
	u16 *pages;
	u64 first_unit;
	unsigned long nr_units;
	u64 first_gig;
	spinlock_t *unit_lock;	/* per 2M unit: page state, @smashed */
	rwlock_t *gig_lock;
	unsigned long *smashed;
	unsigned long *mismatch;
	unsigned long *busy;
	struct sim_pcpu __percpu *pcpu;
	struct sim_inject inj;
	bool tdx_accept_1g;
	struct dentry *dir;
};

extern struct sim_hv sim_hv;

bool sim_span_ok(u64 gpn, u64 n);
void sim_remap(u64 gpn);
void sim_mismatch_clear(void);

bool sim_take_nth(struct sim_fail *out);
bool sim_take_gpn(u64 gpn, u64 n, u16 code, u64 *status);
void sim_inject_clear(void);
void sim_counters_reset(void);
void sim_debugfs_init(void);

#endif /* CVM_VTLMEM_SIM_INTERNAL_H */
