// SPDX-License-Identifier: GPL-2.0
/*
 * The range registry: registered VTL0 ranges in a maple tree keyed by GPN,
 * each with 2 bits of state per page, lower-VTL rights as extents, and the
 * claims that keep operations on the same 2 MiB unit apart.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "cvm_vtlmem.h"
#include "struct_pages.h"
#include "registry.h"

/*
 * registry_lock serialises adding, removing and looking up ranges: a lookup
 * takes a busy reference (cvm_range.ops) under it, and removal refuses busy
 * ranges under it, so a range never goes away under a user.
 */
static DEFINE_MUTEX(registry_lock);
static struct maple_tree ranges = MTREE_INIT(ranges, 0);

#define STATE_BITS		2
#define STATES_PER_LONG		(BITS_PER_LONG / STATE_BITS)

/**
 * cvm_page_state() - state of one page
 * @r: its range
 * @gpn: the page
 *
 * Caller holds @r->map_lock or a claim on the page's unit.
 *
 * Return: the page's &enum cvm_page_state.
 */
enum cvm_page_state cvm_page_state(const struct cvm_range *r, u64 gpn)
{
	u64 i = gpn - r->gpn;

	return (r->state[i / STATES_PER_LONG] >> (i % STATES_PER_LONG * STATE_BITS)) & 3;
}

#define LOW_BITS	(~0UL / 3)	/* 0x5555...: bit 0 of every 2-bit field */

/* Add the states held in one word of @state to @count, with sign @sign. */
static void count_word(u64 *count, unsigned long word, int sign)
{
	unsigned long lo = word & LOW_BITS, hi = (word >> 1) & LOW_BITS;
	long n3 = hweight_long(lo & hi), n1 = hweight_long(lo & ~hi);
	long n2 = hweight_long(hi & ~lo);

	count[0] += sign * (STATES_PER_LONG - n1 - n2 - n3);
	count[1] += sign * n1;
	count[2] += sign * n2;
	count[3] += sign * n3;
}

static void set_one(struct cvm_range *r, u64 i, enum cvm_page_state state)
{
	unsigned long *word = &r->state[i / STATES_PER_LONG];
	unsigned int shift = i % STATES_PER_LONG * STATE_BITS;

	r->count[(*word >> shift) & 3]--;
	r->count[state]++;
	*word = (*word & ~(3UL << shift)) | ((unsigned long)state << shift);
}

/**
 * cvm_set_page_state() - set the state of a run of pages
 * @r: their range
 * @gpn: first page
 * @npages: pages
 * @state: new state
 *
 * Caller holds @r->map_lock for writing, and zaps user mappings after
 * dropping it when the new state is less reachable than the old one.
 * Whole words are written at once so a 1 TiB range costs no more than a
 * memset.
 */
void cvm_set_page_state(struct cvm_range *r, u64 gpn, u64 npages,
			enum cvm_page_state state)
{
	u64 i = gpn - r->gpn, end = i + npages;
	unsigned long fill = LOW_BITS * state;

	lockdep_assert_held_write(&r->map_lock);
	for (; i < end && i % STATES_PER_LONG; i++)
		set_one(r, i, state);
	for (; i + STATES_PER_LONG <= end; i += STATES_PER_LONG) {
		count_word(r->count, r->state[i / STATES_PER_LONG], -1);
		count_word(r->count, fill, 1);
		r->state[i / STATES_PER_LONG] = fill;
	}
	for (; i < end; i++)
		set_one(r, i, state);
}

/**
 * cvm_pages_in_state() - are all pages of a run in one state?
 * @r: their range
 * @gpn: first page
 * @npages: pages
 * @state: the state asked about
 *
 * Return: true if every page is in @state.
 */
bool cvm_pages_in_state(const struct cvm_range *r, u64 gpn, u64 npages,
			enum cvm_page_state state)
{
	u64 end = gpn + npages;

	for (; gpn < end; gpn++)
		if (cvm_page_state(r, gpn) != state)
			return false;
	return true;
}

/**
 * cvm_page_rights() - lower-VTL rights of one page
 * @r: its range
 * @gpn: the page
 *
 * Return: VTL0 rights in bits 0-3, VTL1 rights in bits 4-7.
 */
u32 cvm_page_rights(struct cvm_range *r, u64 gpn)
{
	void *entry = mtree_load(&r->rights, gpn);

	return entry ? xa_to_value(entry) : 0;
}

/**
 * cvm_span_rights() - cvm_span.rights for spans of a range
 * @range: the struct cvm_range
 * @gpn: the page
 *
 * Return: as cvm_page_rights().
 */
u32 cvm_span_rights(void *range, u64 gpn)
{
	return cvm_page_rights(range, gpn);
}

/**
 * cvm_set_page_rights() - record the rights a lower VTL now has
 * @r: the range
 * @gpn: first page
 * @npages: pages
 * @vtl: 0 or 1
 * @rights: HV_MAP_GPA_* rights
 *
 * Extents that only partly change are split; the other VTL's rights are
 * kept, except where one mask binds both (cvm_platform_ops.one_mask): there
 * VTL0's record is VTL1's too. May sleep.
 *
 * Return: 0 or -ENOMEM.
 */
int cvm_set_page_rights(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights)
{
	u32 mask = 0xfU << (vtl * 4), bits = rights << (vtl * 4);
	u64 end = gpn + npages;

	if (cvm_platform()->one_mask) {
		mask = 0xffU;
		bits = rights | rights << 4;
	}
	while (gpn < end) {
		MA_STATE(mas, &r->rights, gpn, gpn);
		u64 last;
		u32 old;
		int ret;

		/*
		 * The extent holding gpn, read and split under the tree's lock:
		 * chunks of one operation update neighbouring extents at once.
		 * Never a store across extents: in RCU mode that frees the
		 * subtrees it replaces through the walk design.rst describes
		 * under "Kernel defects worked around".
		 */
		mas_lock(&mas);
		old = xa_to_value(mas_walk(&mas));
		last = min_t(u64, mas.last, end - 1);
		mas_set_range(&mas, gpn, last);
		ret = mas_store_gfp(&mas, xa_mk_value((unsigned long)((old & ~mask) | bits)),
				    GFP_KERNEL);
		mas_unlock(&mas);
		if (ret)
			return ret;
		gpn = last + 1;
	}
	return 0;
}

/**
 * cvm_rights_beyond() - does a page of a run hold a right of a VTL outside a set?
 * @r: the range
 * @gpn: first page
 * @npages: pages, at least one
 * @vtl: 0 or 1
 * @rights: HV_MAP_GPA_* rights
 *
 * Return: true if some page's recorded rights for @vtl are not within @rights.
 */
bool cvm_rights_beyond(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights)
{
	unsigned long index = gpn;
	void *entry;

	mt_for_each(&r->rights, entry, index, gpn + npages - 1)
		if ((xa_to_value(entry) >> (vtl * 4)) & ~rights & CVM_VTLMEM_RIGHTS_ALL)
			return true;
	return false;
}

/**
 * cvm_rights_are() - do the records prove a run already has exactly these rights?
 * @r: the range
 * @gpn: first page
 * @npages: pages, at least one
 * @vtl: 0 or 1
 * @rights: HV_MAP_GPA_* rights
 *
 * The records equal what the platform holds, so an operation that would
 * set these rights can skip the platform.
 *
 * Return: true if every page's recorded rights for @vtl are @rights.
 */
bool cvm_rights_are(struct cvm_range *r, u64 gpn, u64 npages, u8 vtl, u32 rights)
{
	unsigned long index = gpn;
	void *entry;

	mt_for_each(&r->rights, entry, index, gpn + npages - 1)
		if (((xa_to_value(entry) >> (vtl * 4)) & CVM_VTLMEM_RIGHTS_ALL) != rights)
			return false;
	return true;
}

/**
 * cvm_range_mark_lost() - record what a failed re-validation left behind
 * @r: the range
 * @gpn: the page whose re-validation failed, in an unknown state:
 *	quarantined
 * @npages: it and the pages after it that were never re-validated: private
 *	and unaccepted, with no lower-VTL rights
 *
 * The caller holds the unit's claim, and faults on it are held off.
 */
void cvm_range_mark_lost(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 end = min(gpn + npages, r->gpn + r->npages);

	if (gpn < r->gpn || gpn >= end)
		return;
	lockdep_assert(cvm_range_claimed(r, gpn, end - gpn));
	down_write(&r->map_lock);
	cvm_set_page_state(r, gpn, 1, CVM_PS_QUARANTINED);
	cvm_set_page_state(r, gpn + 1, end - gpn - 1, CVM_PS_UNACCEPTED);
	up_write(&r->map_lock);
	/* Without memory for the record, the quarantine still holds. */
	cvm_set_page_rights(r, gpn, end - gpn, 0, 0);
	cvm_set_page_rights(r, gpn, end - gpn, 1, 0);
	pr_warn_ratelimited("re-validating GPA %#llx failed: quarantined; %llu pages after it left unaccepted\n",
			    gpn << PAGE_SHIFT, end - gpn - 1);
}

static bool units_free(struct cvm_range *r, u64 first, u64 n)
{
	bool free;

	spin_lock(&r->claim_lock);
	free = find_next_bit(r->claimed, first + n, first) >= first + n;
	if (free)
		bitmap_set(r->claimed, first, n);
	spin_unlock(&r->claim_lock);
	return free;
}

/**
 * cvm_range_claimed() - are the units of a span claimed? (lock assertions)
 * @r: the range
 * @gpn: first page
 * @npages: pages, clipped to the range
 *
 * Claims are not lockdep's to track; functions that rely on their caller's
 * claim say so with lockdep_assert(cvm_range_claimed(...)), which only a
 * kernel with lockdep evaluates.
 *
 * Return: whether every unit the span touches is claimed (by someone).
 */
bool cvm_range_claimed(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 first = max(gpn, r->gpn), end = min(gpn + npages, r->gpn + r->npages);
	u64 u, n;
	bool all;

	if (first >= end)
		return true;
	u = cvm_range_unit(r, first);
	n = cvm_range_unit(r, end - 1) - u + 1;
	spin_lock(&r->claim_lock);
	all = find_next_zero_bit(r->claimed, u + n, u) >= u + n;
	spin_unlock(&r->claim_lock);
	return all;
}

/* The wait condition of a stoppable claim: @got says which one ended it. */
static bool claimed_or_stopped(struct cvm_range *r, u64 first, u64 n,
			       const bool *stop, bool *got)
{
	if (stop && READ_ONCE(*stop))
		return true;
	*got = units_free(r, first, n);
	return *got;
}

/**
 * cvm_range_claim_stoppable() - own the 2 MiB units a run of pages touches
 * @r: the range
 * @gpn: first page
 * @npages: pages
 * @stop: give up once this reads true (NULL: never); whoever sets it
 *	wakes @r->claim_wq
 *
 * Operations on the same unit serialise here; operations on other units
 * run in parallel. An operation claiming several runs claims them in
 * ascending order. Sleeps until the units are free.
 *
 * Return: 0; -EINTR if a fatal signal arrived while waiting; -ECANCELED if
 * @stop was set first. Nothing is claimed on failure.
 */
int cvm_range_claim_stoppable(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop)
{
	u64 first = cvm_range_unit(r, gpn);
	u64 n = cvm_range_unit(r, gpn + npages - 1) - first + 1;
	bool got = false;

	if (wait_event_killable(r->claim_wq, claimed_or_stopped(r, first, n, stop, &got)))
		return -EINTR;
	return got ? 0 : -ECANCELED;
}

/**
 * cvm_range_claim() - cvm_range_claim_stoppable() that only a fatal signal
 *	stops
 * @r: the range
 * @gpn: first page
 * @npages: pages
 *
 * Return: 0, or -EINTR if a fatal signal arrived while waiting.
 */
int cvm_range_claim(struct cvm_range *r, u64 gpn, u64 npages)
{
	return cvm_range_claim_stoppable(r, gpn, npages, NULL);
}

/**
 * cvm_range_try_claim() - claim units only if nobody holds them now
 * @r: the range
 * @gpn: first page
 * @npages: pages
 *
 * Return: true if the units are now the caller's.
 */
bool cvm_range_try_claim(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 first = cvm_range_unit(r, gpn);

	return units_free(r, first, cvm_range_unit(r, gpn + npages - 1) - first + 1);
}

/**
 * cvm_range_release() - give back units taken by cvm_range_claim()
 * @r: the range
 * @gpn: first page, as claimed
 * @npages: pages, as claimed
 */
void cvm_range_release(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 first = cvm_range_unit(r, gpn);
	u64 n = cvm_range_unit(r, gpn + npages - 1) - first + 1;

	spin_lock(&r->claim_lock);
	bitmap_clear(r->claimed, first, n);
	spin_unlock(&r->claim_lock);
	wake_up_all(&r->claim_wq);
}

/**
 * cvm_range_hold_unit() - mark a claimed unit held for faults, or not
 * @r: the range
 * @gpn: a page of the unit
 * @held: whether faults on it must wait (cvm_range_faults_held())
 */
void cvm_range_hold_unit(struct cvm_range *r, u64 gpn, bool held)
{
	lockdep_assert(cvm_range_claimed(r, gpn, 1));
	spin_lock(&r->claim_lock);
	__assign_bit(cvm_range_unit(r, gpn), r->held, held);
	spin_unlock(&r->claim_lock);
	if (!held)
		wake_up_all(&r->claim_wq);
}

/**
 * cvm_range_faults_held() - must a fault on these pages wait?
 * @r: the range
 * @gpn: first page
 * @npages: pages
 *
 * Context: any. Under @r->map_lock (read) a false answer holds until the
 * lock is dropped, since a hold takes it for write before it unmaps; the
 * fault path also asks without it, as the condition it waits on.
 *
 * Return: true if one of their units is held.
 */
bool cvm_range_faults_held(struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 first = cvm_range_unit(r, gpn), end = cvm_range_unit(r, gpn + npages - 1) + 1;
	bool held;

	spin_lock(&r->claim_lock);
	held = find_next_bit(r->held, end, first) < end;
	spin_unlock(&r->claim_lock);
	return held;
}

static size_t state_bytes(u64 npages)
{
	return BITS_TO_LONGS(npages * STATE_BITS) * sizeof(long);
}

static void range_free(struct cvm_range *r)
{
	if (r->pgmap)
		cvm_pages_destroy(r);
	if (r->kva)
		cvm_unmap_encrypted(r->kva);
	/*
	 * Out of RCU mode first, as exit_mmap() does with a VMA tree: nothing
	 * reads an idle range's records. Destroyed in RCU mode, a tree whose
	 * root is a full node right above its leaves has the root's last slot
	 * overwritten (lib/maple_tree.c, 6.12 to 7.3: mt_destroy_walk()
	 * clears the root's metadata after mte_dead_leaves() has untyped that
	 * slot), and the RCU callback frees a node it does not own.
	 */
	mt_clear_in_rcu(&r->rights);
	mtree_destroy(&r->rights);
	kvfree(r->claimed);
	kvfree(r->held);
	bitmap_free(r->bg_units);
	kvfree(r->state);
	kfree(r);
}

/*
 * Pages the boot loader accepted, or every page when nothing needs it, and
 * the rights the lower VTLs have on them: where VTL2's one mask is the
 * right (non-isolated, VBS), the partition's default, all rights, until
 * VTL2 sets it (OpenHCL gives pre-accepted VBS memory no protection call);
 * on SNP and TDX the boot loader accepted with VTL2-only permissions.
 */
static int range_init_state(struct cvm_range *r)
{
	bool accepted = (r->flags & CVM_VTLMEM_RANGE_ACCEPTED) ||
			cvm.isolation == CVM_VTLMEM_ISOLATION_NONE;
	unsigned long rights = accepted && cvm_platform()->one_mask ?
			       CVM_VTLMEM_RIGHTS_ALL | CVM_VTLMEM_RIGHTS_ALL << 4 : 0;

	down_write(&r->map_lock);
	cvm_set_page_state(r, r->gpn, r->npages,
			   accepted ? CVM_PS_PRIVATE : CVM_PS_UNACCEPTED);
	up_write(&r->map_lock);
	return mtree_store_range(&r->rights, r->gpn, r->gpn + r->npages - 1,
				 xa_mk_value(rights), GFP_KERNEL);
}

static struct cvm_range *range_alloc(const struct cvm_vtlmem_range *req)
{
	struct cvm_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->gpn = req->gpa >> PAGE_SHIFT;
	r->npages = req->length >> PAGE_SHIFT;
	r->kind = req->kind;
	r->flags = req->flags;
	r->node = req->numa_node == CVM_VTLMEM_NO_NODE ? NUMA_NO_NODE : req->numa_node;
	init_rwsem(&r->map_lock);
	/* Readers (QUERY, mapping) look extents up under RCU only. */
	mt_init_flags(&r->rights, MT_FLAGS_USE_RCU);
	spin_lock_init(&r->claim_lock);
	init_waitqueue_head(&r->claim_wq);
	r->state = kvzalloc(state_bytes(r->npages), GFP_KERNEL);
	r->count[CVM_PS_UNACCEPTED] = r->npages;	/* all-zero bits */
	r->claimed = kvcalloc(BITS_TO_LONGS(cvm_range_units(r)), sizeof(long), GFP_KERNEL);
	r->held = kvcalloc(BITS_TO_LONGS(cvm_range_units(r)), sizeof(long), GFP_KERNEL);
	INIT_LIST_HEAD(&r->bg_link);
	if (r->flags & CVM_VTLMEM_RANGE_LAZY)
		r->bg_units = bitmap_zalloc(cvm_range_units(r), GFP_KERNEL);
	r->kva = cvm_map_encrypted(req->gpa, req->length);
	if (!r->state || !r->claimed || !r->held || !r->kva ||
	    ((r->flags & CVM_VTLMEM_RANGE_LAZY) && !r->bg_units)) {
		range_free(r);
		return NULL;
	}
	return r;
}

/* Field checks that need no lock; each answer has its own errno. */
static int range_check(const struct cvm_vtlmem_range *req)
{
	u64 align = req->flags & CVM_VTLMEM_RANGE_STRUCT_PAGES ? SZ_2M : PAGE_SIZE;
	u64 end;

	if (req->flags & ~CVM_VTLMEM_RANGE_FLAGS)
		return -EINVAL;
	if (req->kind != CVM_VTLMEM_RANGE_PRIVATE && req->kind != CVM_VTLMEM_RANGE_SHARED_POOL)
		return -EINVAL;
	/* Lazy acceptance is for private RAM the boot loader did not accept. */
	if ((req->flags & CVM_VTLMEM_RANGE_LAZY) &&
	    (req->kind != CVM_VTLMEM_RANGE_PRIVATE || (req->flags & CVM_VTLMEM_RANGE_ACCEPTED)))
		return -EINVAL;
	if (!req->length || !IS_ALIGNED(req->gpa, align) || !IS_ALIGNED(req->length, align))
		return -EINVAL;
	if (check_add_overflow(req->gpa, req->length, &end))
		return -EOVERFLOW;
	if (end - 1 > GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0))
		return -ERANGE;
	if (req->numa_node != CVM_VTLMEM_NO_NODE &&
	    (req->numa_node < 0 || req->numa_node >= MAX_NUMNODES || !node_online(req->numa_node)))
		return -ENODEV;
	/* Never the memory this kernel runs on. */
	if (region_intersects(req->gpa, req->length, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return -EBUSY;
	/* Page state must fit one allocation (2 bits a page). */
	if (req->length >> PAGE_SHIFT > CVM_RANGE_MAX_PAGES)
		return -E2BIG;
	/* Only memory the hypervisor describes as the lower VTLs' RAM. */
	if (!cvm_backend_is_lower_vtl_ram(req->gpa, req->length))
		return -ENXIO;
	return 0;
}

/**
 * cvm_range_add() - register a range
 * @req: the validated-by-size request from user space
 *
 * Return: 0; -EINVAL for bad flags, kind, size or alignment; -EOVERFLOW if
 * the range wraps; -ERANGE beyond the physical address width; -ENODEV for
 * a NUMA node that is not online; -EBUSY if it intersects this kernel's
 * RAM; -E2BIG over %CVM_RANGE_MAX_PAGES pages; -ENXIO outside the lower
 * VTLs' RAM (MMIO, the shared alias above vTOM, or, simulated, outside
 * sim_ram=); -EEXIST if it overlaps a
 * registered range; -ENOMEM. Nothing changes on failure.
 */
int cvm_range_add(const struct cvm_vtlmem_range *req)
{
	struct cvm_range *r;
	int ret = range_check(req);

	if (ret)
		return ret;
	mutex_lock(&registry_lock);
	if (mt_find(&ranges, &(unsigned long){ req->gpa >> PAGE_SHIFT },
		    (req->gpa + req->length - 1) >> PAGE_SHIFT)) {
		ret = -EEXIST;
		goto out;
	}
	ret = -ENOMEM;
	r = range_alloc(req);
	if (!r)
		goto out;
	ret = range_init_state(r);
	if (!ret && (r->flags & CVM_VTLMEM_RANGE_STRUCT_PAGES))
		ret = cvm_pages_create(r);
	if (ret) {
		range_free(r);
		goto out;
	}
	ret = mtree_store_range(&ranges, r->gpn, r->gpn + r->npages - 1, r, GFP_KERNEL);
	if (ret)
		range_free(r);
out:
	mutex_unlock(&registry_lock);
	return ret;
}

/**
 * cvm_range_remove() - unregister an idle range
 * @gpa: its first address
 * @quiesce: called with the range out of the registry, before it is freed,
 *	while no range can yet be registered over its pages: whatever works
 *	on the range without keeping it busy (background acceptance) stops
 *	there
 *
 * Return: 0; -ENOENT if no range starts at @gpa; -EBUSY while an operation
 * runs on it, a user mapping holds it or (struct pages) something still
 * references one of its pages.
 */
int cvm_range_remove(u64 gpa, void (*quiesce)(struct cvm_range *r))
{
	struct cvm_range *r;
	int ret = 0;

	mutex_lock(&registry_lock);
	r = mtree_load(&ranges, gpa >> PAGE_SHIFT);
	if (!r || r->gpn << PAGE_SHIFT != gpa || !PAGE_ALIGNED(gpa))
		ret = -ENOENT;
	else if (atomic_read(&r->ops) || atomic_read(&r->mappings) ||
		 cvm_pages_first_pinned(r, r->gpn, r->npages) < r->npages)
		ret = -EBUSY;
	else
		mtree_erase(&ranges, r->gpn);
	if (!ret)
		quiesce(r);
	mutex_unlock(&registry_lock);
	if (!ret)
		range_free(r);
	return ret;
}

/**
 * cvm_range_get() - find the range holding a whole span and mark it busy
 * @gpn: first page
 * @npages: pages, at least one
 *
 * Return: the range, to be released with cvm_range_put(), or
 * ERR_PTR(-EINVAL) if no single range holds the span.
 */
struct cvm_range *cvm_range_get(u64 gpn, u64 npages)
{
	struct cvm_range *r;

	if (!npages || gpn + npages < gpn)
		return ERR_PTR(-EINVAL);
	mutex_lock(&registry_lock);
	r = mtree_load(&ranges, gpn);
	if (r && gpn + npages <= r->gpn + r->npages)
		atomic_inc(&r->ops);
	else
		r = ERR_PTR(-EINVAL);
	mutex_unlock(&registry_lock);
	return r;
}

/**
 * cvm_range_put() - drop the busy mark taken by cvm_range_get()
 * @r: the range
 */
void cvm_range_put(struct cvm_range *r)
{
	atomic_dec(&r->ops);
}

static void range_info(struct cvm_range *r, struct cvm_vtlmem_range_info *info)
{
	memset(info, 0, sizeof(*info));
	info->gpa = r->gpn << PAGE_SHIFT;
	info->length = r->npages << PAGE_SHIFT;
	info->kind = r->kind;
	info->flags = r->flags;
	info->numa_node = r->node == NUMA_NO_NODE ? CVM_VTLMEM_NO_NODE : r->node;
	info->busy = atomic_read(&r->ops) || atomic_read(&r->mappings);
	down_read(&r->map_lock);
	info->accepted_pages = r->count[CVM_PS_PRIVATE];
	info->shared_pages = r->count[CVM_PS_SHARED];
	info->quarantined_pages = r->count[CVM_PS_QUARANTINED];
	up_read(&r->map_lock);
	/* Written under the background worker's lock: a snapshot. */
	info->background_units = READ_ONCE(r->bg_queued);
}

/**
 * cvm_range_list() - describe the registered ranges in GPA order
 * @capacity: entries the caller wants at most
 * @entries: out: kvcalloc'ed array of min(@capacity, *@count) entries, or
 *	NULL when that is 0; the caller kvfree()s it
 * @count: out: number of registered ranges
 *
 * Return: 0 or -ENOMEM.
 */
int cvm_range_list(u32 capacity, struct cvm_vtlmem_range_info **entries, u32 *count)
{
	unsigned long index = 0;
	struct cvm_range *r;
	u32 n = 0;

	*entries = NULL;
	mutex_lock(&registry_lock);
	mt_for_each(&ranges, r, index, ULONG_MAX)
		n++;
	capacity = min(capacity, n);
	if (capacity) {
		*entries = kvcalloc(capacity, sizeof(**entries), GFP_KERNEL);
		if (!*entries) {
			mutex_unlock(&registry_lock);
			return -ENOMEM;
		}
	}
	n = 0;
	index = 0;
	mt_for_each(&ranges, r, index, ULONG_MAX) {
		if (n < capacity)
			range_info(r, &(*entries)[n]);
		n++;
	}
	mutex_unlock(&registry_lock);
	*count = n;
	return 0;
}

/**
 * cvm_registry_totals() - accounting for GET_INFO
 * @nr_ranges: out: registered ranges
 * @registered_bytes: out: bytes of VTL0 memory they cover
 * @state_bytes_out: out: VTL2 memory spent on their page state
 */
void cvm_registry_totals(u64 *nr_ranges, u64 *registered_bytes, u64 *state_bytes_out)
{
	unsigned long index = 0;
	struct cvm_range *r;

	*nr_ranges = *registered_bytes = *state_bytes_out = 0;
	mutex_lock(&registry_lock);
	mt_for_each(&ranges, r, index, ULONG_MAX) {
		(*nr_ranges)++;
		*registered_bytes += r->npages << PAGE_SHIFT;
		*state_bytes_out += sizeof(*r) + state_bytes(r->npages) +
				    BITS_TO_LONGS(cvm_range_units(r)) * sizeof(long);
	}
	mutex_unlock(&registry_lock);
}

/**
 * cvm_registry_exit() - tear down every range at unload
 *
 * No file is open at unload (each holds a module reference), so no mapping
 * or operation can still use a range, and the background worker has
 * already stopped (cvm_background_exit()).
 */
void cvm_registry_exit(void)
{
	unsigned long index = 0;
	struct cvm_range *r;

	mt_for_each(&ranges, r, index, ULONG_MAX)
		range_free(r);
	mtree_destroy(&ranges);
}
