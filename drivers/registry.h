/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The range registry: which guest-physical ranges are VTL0 memory, and the
 * state of every page in them. The registry belongs to the module, not to
 * an open file: a paravisor that restarts finds everything as it was.
 */
#ifndef CVM_VTLMEM_REGISTRY_H
#define CVM_VTLMEM_REGISTRY_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/cvm_vtlmem.h>

#include "platform.h"

struct dev_pagemap;

#define CVM_UNIT_PAGES		512	/* 4 KiB pages per 2 MiB unit */
/* Largest range: 16 TiB, so that its page state (2 bits a page) fits one allocation. */
#define CVM_RANGE_MAX_PAGES	BIT_ULL(32)
#define CVM_UNIT_SHIFT		9

/* Page states; the values are the uapi's CVM_VTLMEM_PAGE_*. */
enum cvm_page_state {
	CVM_PS_UNACCEPTED = CVM_VTLMEM_PAGE_UNACCEPTED,
	CVM_PS_PRIVATE = CVM_VTLMEM_PAGE_PRIVATE,
	CVM_PS_SHARED = CVM_VTLMEM_PAGE_SHARED,
	CVM_PS_QUARANTINED = CVM_VTLMEM_PAGE_QUARANTINED,
};

/**
 * struct cvm_range - one registered range
 * @gpn: first guest page number
 * @npages: number of 4 KiB pages
 * @kind: &enum cvm_vtlmem_range_kind
 * @flags: CVM_VTLMEM_RANGE_* flags given at registration
 * @node: NUMA node for its work, NUMA_NO_NODE for any
 * @kva: write-back kernel mapping of the whole range (zeroing, SNP)
 * @pgmap: ZONE_DEVICE pages when registered with STRUCT_PAGES, else NULL
 * @map_lock: protects @state against faults. Readers (the fault handler,
 *	QUERY) hold it shared while they look at a page's state and install
 *	a PTE; a transition holds it exclusively while it changes states, then
 *	zaps user PTEs after dropping it, so no PTE outlives the state that
 *	allowed it.
 * @state: 2 bits per page (&enum cvm_page_state), under @map_lock
 * @count: pages in each state, under @map_lock
 * @rights: lower-VTL rights as extents: maple tree GPN -> xa_mk_value(VTL0
 *	rights | VTL1 rights << 4); RCU-safe for readers, its own lock for writers
 * @claim_lock: protects @claimed
 * @claimed: one bit per 2 MiB unit owned by a running operation; claims
 *	are taken in ascending order, so operations cannot deadlock
 * @held: one bit per 2 MiB unit whose faults must wait (the platform is
 *	re-validating it); set and cleared under @claim_lock by the unit's
 *	claim owner, read under @map_lock by faults
 * @claim_wq: operations waiting for a unit to be released, faults waiting
 *	for a held unit
 * @ops: operations holding claims (REMOVE_RANGE refuses while non-zero)
 * @mappings: VMAs that map part of the range (REMOVE_RANGE refuses)
 * @faults: faults served, by size: [0] 4 KiB, [1] 2 MiB (statistics)
 * @bg_units: lazy ranges: one bit per 2 MiB unit queued for background
 *	acceptance; under the background worker's lock (background.c)
 * @bg_queued: bits set in @bg_units, under the same lock
 * @bg_next: the unit to look at first next time, under the same lock
 * @bg_link: on the background worker's list while @bg_queued is non-zero,
 *	under the same lock
 */
struct cvm_range {
	u64 gpn;
	u64 npages;
	u32 kind;
	u32 flags;
	int node;
	void *kva;
	struct dev_pagemap *pgmap;
	struct rw_semaphore map_lock;
	unsigned long *state;
	u64 count[4];
	struct maple_tree rights;
	spinlock_t claim_lock;	/* @claimed */
	unsigned long *claimed;
	unsigned long *held;
	wait_queue_head_t claim_wq;
	atomic_t ops;
	atomic_t mappings;
	atomic64_t faults[2];
	unsigned long *bg_units;
	u64 bg_queued;
	u64 bg_next;
	struct list_head bg_link;
};

static inline u64 cvm_range_units(const struct cvm_range *r)
{
	return DIV_ROUND_UP(r->npages + (r->gpn & (CVM_UNIT_PAGES - 1)), CVM_UNIT_PAGES);
}

/* Index of the 2 MiB unit holding page @gpn, counted from the range's first unit. */
static inline u64 cvm_range_unit(const struct cvm_range *r, u64 gpn)
{
	return (gpn >> CVM_UNIT_SHIFT) - (r->gpn >> CVM_UNIT_SHIFT);
}

static inline void *cvm_range_kva(const struct cvm_range *r, u64 gpn)
{
	return r->kva + ((gpn - r->gpn) << PAGE_SHIFT);
}

u32 cvm_span_rights(void *range, u64 gpn);

/* A platform span over pages of @r, with their recorded rights. */
static inline struct cvm_span cvm_range_span(struct cvm_range *r, u64 first, u64 n)
{
	return (struct cvm_span){ first, n, cvm_range_kva(r, first), cvm_span_rights, r,
				  r->gpn, r->npages };
}

void cvm_registry_exit(void);

int cvm_range_add(const struct cvm_vtlmem_range *req);
int cvm_range_remove(u64 gpa, void (*quiesce)(struct cvm_range *r));
struct cvm_range *cvm_range_get(u64 gpn, u64 npages);
void cvm_range_put(struct cvm_range *r);
int cvm_range_list(u32 capacity, struct cvm_vtlmem_range_info **entries, u32 *count);
void cvm_registry_totals(u64 *nr_ranges, u64 *registered_bytes, u64 *state_bytes);

enum cvm_page_state cvm_page_state(const struct cvm_range *r, u64 gpn);
void cvm_set_page_state(struct cvm_range *r, u64 gpn, u64 npages,
			enum cvm_page_state state);
bool cvm_pages_in_state(const struct cvm_range *r, u64 gpn, u64 npages,
			enum cvm_page_state state);
u32 cvm_page_rights(struct cvm_range *r, u64 gpn);
int cvm_set_page_rights(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights);
bool cvm_rights_beyond(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights);
bool cvm_rights_are(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights);

int cvm_range_claim(struct cvm_range *r, u64 gpn, u64 npages);
int cvm_range_claim_stoppable(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop);
bool cvm_range_try_claim(struct cvm_range *r, u64 gpn, u64 npages);
bool cvm_range_claimed(struct cvm_range *r, u64 gpn, u64 npages);
void cvm_range_hold_unit(struct cvm_range *r, u64 gpn, bool held);
bool cvm_range_faults_held(struct cvm_range *r, u64 gpn, u64 npages);
void cvm_range_release(struct cvm_range *r, u64 gpn, u64 npages);
void cvm_range_mark_lost(struct cvm_range *r, u64 gpn, u64 npages);

#endif /* CVM_VTLMEM_REGISTRY_H */
