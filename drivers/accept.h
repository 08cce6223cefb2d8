/* SPDX-License-Identifier: GPL-2.0 */
/* The accept primitive (accept.c), under ACCEPT, first touches and background acceptance. */
#ifndef CVM_VTLMEM_ACCEPT_H
#define CVM_VTLMEM_ACCEPT_H

#include <linux/types.h>

struct cvm_chunk;
struct cvm_range;

/**
 * struct cvm_accept_how - how pages are accepted
 * @zero: zero them (where the platform does not)
 * @grant: grant VTL0 every right on them
 * @complete_grants: also grant every right on accepted pages of the span
 *	where VTL0 has none (ACCEPT with GRANT_VTL0 completing an earlier
 *	grant); a first touch never does, since it must not undo a PROTECT on
 *	the rest of its unit
 * @stop: stop between calls once this reads true (NULL: never; a first
 *	touch finishes its unit so the faulting thread can be served)
 */
struct cvm_accept_how {
	bool zero;
	bool grant;
	bool complete_grants;
	const bool *stop;
};

void cvm_accept_pages(struct cvm_range *r, u64 gpn, u64 npages,
		      const struct cvm_accept_how *how, struct cvm_chunk *out);
bool cvm_accept_done(struct cvm_range *r, u64 gpn, u64 npages, bool grant);
int cvm_accept_unit(struct cvm_range *r, u64 gpn, bool wait, const bool *stop);
u64 cvm_accept_run(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop,
		   bool unknown, struct cvm_chunk *out);

#endif /* CVM_VTLMEM_ACCEPT_H */
