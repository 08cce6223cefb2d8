/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the simulated hypervisor (drivers/sim/): the model's state,
 * the operation every state change goes through, and what its files share.
 */
#ifndef CVM_VTLMEM_SIM_INTERNAL_H
#define CVM_VTLMEM_SIM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>

#include "hv_abi.h"
#include "sim.h"

struct dentry;
struct seq_file;

#define SIM_UNIT_SHIFT	9			/* 4K pages per 2M unit, log2 */
#define SIM_UNIT_PAGES	BIT(SIM_UNIT_SHIFT)
#define SIM_GIG_SHIFT	18			/* 4K pages per 1G, log2 */
#define SIM_MAX_FAILS	8			/* armed "fail" injections */

#define SIM_4K		0
#define SIM_2M		1
#define SIM_1G		2
#define SIM_RIGHTS(vtl)	(0xFU << (SIM_PAGE_VTL0_SHIFT + 4 * (vtl)))
#define SIM_ALL_RIGHTS	(SIM_RIGHTS(0) | SIM_RIGHTS(1))
/* sim_apply() internal results, never returned to a caller. */
#define SIM_NEED_BIG	(~0ULL)		/* retry under the 1G write lock */
#define SIM_BUSY	(~0ULL - 1)	/* contents being written, retry */

#define TDX_GPA_LEVEL		GENMASK_ULL(2, 0)
#define TDX_GPA_RESERVED	(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))

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

#define TDX_ATTR_FIELD_OK	(TDX_L2_ATTR_RIGHTS | TDX_L2_ATTR_SVE | TDX_L2_ATTR_VALID)

/**
 * struct sim_op - one state change on a naturally aligned span
 * @gpn: first page of the span
 * @level: span size, SIM_4K, SIM_2M or SIM_1G
 * @big: the 1G write lock is held instead of the 2M unit lock
 * @fn: checks and commits the change under the locks; returns the status
 * @arg: argument of @fn (new bits, visibility, validate)
 * @mask: second argument of @fn (bits to replace)
 * @no_update: PVALIDATE found the page already in the requested state
 * @fill: contents to write once the locks are dropped
 * @fill_xor: XOR the pages with @fill_byte rather than fill them with it
 * @fill_byte: what to write
 * @fill_mask: pages of the span to write (spans up to 2M; 1G writes all)
 */
struct sim_op {
	u64 gpn;
	unsigned int level;
	bool big;
	u64 (*fn)(struct sim_op *op);
	u64 arg;
	u16 mask;
	bool no_update;
	bool fill;
	bool fill_xor;
	u8 fill_byte;
	DECLARE_BITMAP(fill_mask, SIM_UNIT_PAGES);
};

static inline u64 sim_level_pages(unsigned int level)
{
	return 1ULL << (SIM_UNIT_SHIFT * level);
}

static inline u16 pg_get(u64 gpn)
{
	return READ_ONCE(sim_hv.pages[gpn - sim_hv.base_gpn]);
}

static inline void pg_set(u64 gpn, u16 state)
{
	WRITE_ONCE(sim_hv.pages[gpn - sim_hv.base_gpn], state);
}

static inline unsigned int pg_size(u16 s)
{
	return FIELD_GET(SIM_PAGE_SIZE_MASK, s);
}

static inline bool pg_shared(u16 s)
{
	return FIELD_GET(SIM_PAGE_VIS_MASK, s) != HV_VISIBILITY_PRIVATE;
}

/* Accepting resets the lower VTLs' rights and ends host control. */
static inline u16 pg_accept(u16 s, unsigned int size)
{
	s &= ~(SIM_PAGE_SIZE_MASK | SIM_PAGE_TAINTED | SIM_ALL_RIGHTS);
	return s | SIM_PAGE_ACCEPTED | FIELD_PREP(SIM_PAGE_SIZE_MASK, size);
}

static inline u16 pg_unaccept(u16 s)
{
	return s & ~(SIM_PAGE_ACCEPTED | SIM_PAGE_SIZE_MASK | SIM_ALL_RIGHTS);
}

static inline unsigned long sim_unit(u64 gpn)
{
	return (gpn >> SIM_UNIT_SHIFT) - sim_hv.first_unit;
}

static inline rwlock_t *sim_gig_lock(u64 gpn)
{
	return &sim_hv.gig_lock[(gpn >> SIM_GIG_SHIFT) - sim_hv.first_gig];
}

/* The VTL0 and VTL1 rights fields of a page, both @rights. */
static inline u16 sim_both(unsigned int rights)
{
	return rights << SIM_PAGE_VTL0_SHIFT | rights << SIM_PAGE_VTL1_SHIFT;
}

/**
 * struct sim_hc - one hypercall being decoded and run
 * @input: the input page
 * @desc: what the call code names
 * @count: rep count
 * @start: rep start index
 * @done: reps completed, as reported
 * @reps: reps actually processed by this call
 * @gpns: element list of list calls, else NULL
 * @gpn_base: first page of accept/unaccept
 * @arg: element argument decoded from the header
 * @mask: second element argument
 * @ns: simulated cost of the pages processed
 * @ram_first: a page of this kernel's System RAM found by this call
 * @ram_end: end of the System RAM extent from @ram_first (0: none yet)
 * @vtl2_gpn: first page of the run of VTL2 pages processed, not yet recorded
 * @vtl2_index: element index of @vtl2_gpn
 * @vtl2_n: pages in that run
 */
struct sim_hc {
	const void *input;
	const struct sim_hc_desc *desc;
	u32 count;
	u32 start;
	u32 done;
	u32 reps;
	const u64 *gpns;
	u64 gpn_base;
	u64 arg;
	u16 mask;
	u64 ns;
	u64 ram_first;
	u64 ram_end;
	u64 vtl2_gpn;
	u32 vtl2_index;
	u32 vtl2_n;
};

/**
 * struct sim_hc_desc - a hypercall the simulation implements
 * @code: call code
 * @op: counter row
 * @isolations: BIT() of each isolation type that allows it
 * @list: the input has a GPN list after a 16-byte header
 * @header: checks the header, fills the element arguments
 * @fn: the per-element model, run by sim_apply()
 */
struct sim_hc_desc {
	u16 code;
	enum cvm_sim_op op;
	u8 isolations;
	bool list;
	u16 (*header)(struct sim_hc *hc);
	u64 (*fn)(struct sim_op *op);
};

/* pages.c: the page model */
bool sim_span_ok(u64 gpn, u64 n);
u64 sim_apply(struct sim_op *op);
void sim_fill_later(struct sim_op *op, u64 gpn, u8 byte);
void sim_scramble_later(struct sim_op *op, u64 gpn);
u64 sim_split(struct sim_op *op, u64 gpn);
void sim_mismatch_clear(void);
void sim_pages_reset(void);

/* aliases.c: decrypted aliases of sim RAM */
bool sim_alias_decrypted(unsigned long addr, u64 len);
void sim_aliases_clear(void);

/* counters.c: the cost model and the counters */
void sim_account(enum cvm_sim_op op, u32 reps, bool failed, bool mismatch, u64 ns);
u64 sim_page_ns(unsigned int level);
void sim_counters_reset(void);

/* hypercalls.c, vtl2_rights.c: Hyper-V hypercalls */
u64 sim_hypercall(u64 control, void *input, void *output);
u16 sim_hc_outside(struct sim_hc *hc, u64 gpn);
u16 sim_vtl2_flush(struct sim_hc *hc);
int sim_vtl2_show(struct seq_file *m, void *unused);
void sim_vtl2_exit(void);

/* instructions.c: SNP and TDX instructions */
int sim_pvalidate(u64 gpa, void *va, bool huge, bool validate, bool *no_update);
int sim_rmpadjust(u64 gpa, void *va, bool huge, u64 attrs);
u64 sim_tdcall(u64 leaf, u64 rcx, u64 rdx, u64 r8);

/* host.c: what happens outside the paravisor */
void sim_remap(u64 gpn);

/* inject.c: fault injection */
bool sim_take_nth(struct sim_fail *out);
bool sim_take_gpn(u64 gpn, u64 n, u16 code, u64 *status);
void sim_inject_clear(void);

/* debugfs.c, oracle.c: debugfs sim/ and the test oracles */
void sim_debugfs_init(void);
void sim_oracle_init(void);
void sim_oracle_exit(void);

#endif /* CVM_VTLMEM_SIM_INTERNAL_H */
