/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page sets: the distinct pages a request names, in any registered ranges,
 * sorted, each holding its range busy and (once claimed) its 2 MiB unit.
 * Operations walk them in runs: consecutive pages of one range in one
 * state.
 */
#ifndef CVM_VTLMEM_PAGE_SET_H
#define CVM_VTLMEM_PAGE_SET_H

#include <linux/compiler_types.h>
#include <linux/types.h>

#include "registry.h"

/**
 * struct cvm_set_page - one distinct page of a request
 * @gpn: the page
 * @index: the caller's first entry naming it
 * @weight: the caller's entries naming it
 * @was: its state when checked (&enum cvm_page_state)
 * @r: its range, held busy; NULL if it is in none
 */
struct cvm_set_page {
	u64 gpn;
	u32 index;
	u32 weight;
	u8 was;
	struct cvm_range *r;
};

/**
 * struct cvm_page_set - the distinct pages of a request, sorted
 * @p: the pages
 * @n: how many
 * @claimed: pages of @p whose units cvm_pset_claim() has claimed
 */
struct cvm_page_set {
	struct cvm_set_page *p;
	u64 n;
	u64 claimed;
};

int cvm_pset_read(struct cvm_page_set *set, u64 gpn, const u64 __user *ugpns, u64 count);
u32 cvm_pset_find_ranges(struct cvm_page_set *set);
int cvm_pset_claim(struct cvm_page_set *set);
void cvm_pset_destroy(struct cvm_page_set *set);

u64 cvm_pset_run_len(const struct cvm_set_page *p, u64 i, u64 n);
void cvm_pset_set_state(struct cvm_set_page *p, u64 n, enum cvm_page_state state);
void cvm_pset_restore(struct cvm_set_page *p, u64 n);
u64 cvm_pset_weight(const struct cvm_set_page *p, u64 n);
u64 *cvm_pset_gpns(const struct cvm_set_page *p, u64 n);
u64 cvm_pset_first_pinned(const struct cvm_set_page *p, u64 n);

#endif /* CVM_VTLMEM_PAGE_SET_H */
