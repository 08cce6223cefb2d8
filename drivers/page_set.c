// SPDX-License-Identifier: GPL-2.0
/*
 * Page sets (page_set.h): read from the caller, sorted and deduplicated,
 * matched to their ranges, their units claimed in ascending order so that
 * overlapping requests serialise and disjoint ones run in parallel.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "page_set.h"
#include "struct_pages.h"

/**
 * cvm_pset_run_len() - length of the run that starts at a page
 * @p: pages
 * @i: the run's first
 * @n: pages in @p
 *
 * Return: how many pages from @p[@i] are consecutive GPNs of one range,
 * in one checked state.
 */
u64 cvm_pset_run_len(const struct cvm_set_page *p, u64 i, u64 n)
{
	u64 len = 1;

	while (i + len < n && p[i + len].r == p[i].r && p[i + len].gpn == p[i].gpn + len &&
	       p[i + len].was == p[i].was)
		len++;
	return len;
}

/**
 * cvm_pset_set_state() - record pages in a state
 * @p: pages
 * @n: how many
 * @state: their new state
 */
void cvm_pset_set_state(struct cvm_set_page *p, u64 n, enum cvm_page_state state)
{
	u64 i, len;

	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		down_write(&p[i].r->map_lock);
		cvm_set_page_state(p[i].r, p[i].gpn, len, state);
		up_write(&p[i].r->map_lock);
	}
}

/**
 * cvm_pset_restore() - record pages in the states they had when checked
 * @p: pages nothing was done to
 * @n: how many
 */
void cvm_pset_restore(struct cvm_set_page *p, u64 n)
{
	u64 i, len;

	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		cvm_pset_set_state(p + i, len, p[i].was);
	}
}

/**
 * cvm_pset_first_pinned() - the first page still referenced through GUP
 * @p: pages no view reaches any more
 * @n: how many
 *
 * Pages leave a view only when nothing references them: a GUP reference
 * (O_DIRECT, vmsplice(), ...) would let the kernel go on using a page the
 * platform no longer backs the same way.
 *
 * Return: the index of the first page still referenced after a short
 * wait, or @n.
 */
u64 cvm_pset_first_pinned(const struct cvm_set_page *p, u64 n)
{
	u64 i, len, k;

	for (i = 0; i < n; i += len) {
		len = cvm_pset_run_len(p, i, n);
		k = cvm_pages_wait_unpinned(p[i].r, p[i].gpn, len);
		if (k < len)
			return i + k;
	}
	return n;
}

/**
 * cvm_pset_gpns() - the pages' GPNs as an array, for a list hypercall
 * @p: pages
 * @n: how many
 *
 * Return: a kvmalloc'ed array, or NULL.
 */
u64 *cvm_pset_gpns(const struct cvm_set_page *p, u64 n)
{
	u64 *g = kvmalloc_array(n, sizeof(*g), GFP_KERNEL);
	u64 i;

	if (g)
		for (i = 0; i < n; i++)
			g[i] = p[i].gpn;
	return g;
}

/**
 * cvm_pset_weight() - the caller's entries that name some pages
 * @p: pages
 * @n: how many
 *
 * Return: the sum of their weights.
 */
u64 cvm_pset_weight(const struct cvm_set_page *p, u64 n)
{
	u64 w = 0, i;

	for (i = 0; i < n; i++)
		w += p[i].weight;
	return w;
}

static int cmp_page(const void *a, const void *b)
{
	const struct cvm_set_page *x = a, *y = b;

	if (x->gpn != y->gpn)
		return x->gpn < y->gpn ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort, then fold duplicates into the first entry that names the page. */
static u64 sort_dedup(struct cvm_set_page *p, u64 n)
{
	u64 i, m = 0;

	sort(p, n, sizeof(*p), cmp_page, NULL);
	for (i = 0; i < n; i++) {
		if (m && p[m - 1].gpn == p[i].gpn) {
			p[m - 1].weight++;
			continue;
		}
		p[m++] = p[i];
	}
	return m;
}

/**
 * cvm_pset_read() - read the pages a caller names
 * @set: an empty set
 * @gpn: with @ugpns NULL, the first of @count consecutive pages
 * @ugpns: the caller's list of @count GPNs, or NULL
 * @count: entries
 *
 * Return: 0; -ENOMEM; -EFAULT. Free the set with cvm_pset_destroy() either
 * way.
 */
int cvm_pset_read(struct cvm_page_set *set, u64 gpn, const u64 __user *ugpns, u64 count)
{
	u64 i;

	set->p = kvcalloc(count, sizeof(*set->p), GFP_KERNEL);
	if (!set->p)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		set->p[i].index = i;
		set->p[i].weight = 1;
		if (!ugpns)
			set->p[i].gpn = gpn + i;
		else if (get_user(set->p[i].gpn, ugpns + i))
			return -EFAULT;
		if (!(i % 4096))
			cond_resched();
	}
	set->n = sort_dedup(set->p, count);
	return 0;
}

/**
 * cvm_pset_find_ranges() - look up each page's range and hold it busy
 * @set: the pages
 *
 * Return: the lowest caller index of a page in no registered range, or
 * U32_MAX if every page is in one.
 */
u32 cvm_pset_find_ranges(struct cvm_page_set *set)
{
	struct cvm_range *r = NULL;
	u32 idx = U32_MAX;
	u64 i;

	for (i = 0; i < set->n; i++) {
		u64 gpn = set->p[i].gpn;

		if (!r || gpn < r->gpn || gpn >= r->gpn + r->npages) {
			r = cvm_range_get(gpn, 1);
			if (IS_ERR(r)) {
				r = NULL;
				idx = min(idx, set->p[i].index);
				continue;
			}
		} else {
			atomic_inc(&r->ops);
		}
		set->p[i].r = r;
	}
	return idx;
}

static bool same_unit_as_previous(const struct cvm_set_page *p, u64 i)
{
	return i && p[-1].r == p->r &&
	       cvm_range_unit(p->r, p[-1].gpn) == cvm_range_unit(p->r, p->gpn);
}

/**
 * cvm_pset_claim() - claim each page's 2 MiB unit once, in ascending order
 * @set: pages, each in a range
 *
 * Return: 0; -EINTR on a fatal signal (what was claimed stays so until
 * cvm_pset_destroy()).
 */
int cvm_pset_claim(struct cvm_page_set *set)
{
	for (; set->claimed < set->n; set->claimed++) {
		struct cvm_set_page *p = &set->p[set->claimed];

		if (same_unit_as_previous(p, set->claimed))
			continue;
		if (cvm_range_claim(p->r, p->gpn, 1))
			return -EINTR;
	}
	return 0;
}

/**
 * cvm_pset_destroy() - release the units, the ranges and the set's memory
 * @set: a set, read or not
 */
void cvm_pset_destroy(struct cvm_page_set *set)
{
	u64 i;

	for (i = 0; i < set->claimed; i++)
		if (!same_unit_as_previous(&set->p[i], i))
			cvm_range_release(set->p[i].r, set->p[i].gpn, 1);
	for (i = 0; i < set->n; i++)
		if (set->p[i].r)
			cvm_range_put(set->p[i].r);
	kvfree(set->p);
	*set = (struct cvm_page_set){};
}
