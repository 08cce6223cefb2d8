/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall layer: TLFS input encoding on per-CPU input pages, batching
 * to the ABI limits, and one rep loop that continues partial progress and
 * refuses to believe a hypervisor that contradicts itself.
 */
#ifndef CVM_VTLMEM_HVCALL_H
#define CVM_VTLMEM_HVCALL_H

#include <linux/types.h>

struct cvm_transport;

/**
 * struct cvm_gpn_list - the pages a list hypercall covers
 * @gpns: explicit GPNs, or NULL for the contiguous run @base..@base+@count-1
 * @base: first GPN when @gpns is NULL
 * @count: number of pages
 */
struct cvm_gpn_list {
	const u64 *gpns;
	u64 base;
	u64 count;
};

/**
 * struct cvm_hv_result - what a request achieved
 * @done: elements completed, counted from the start of the request; on
 *	failure the element at @done is the one that failed
 * @status: HV_STATUS_* of the failing call, 0 on success
 * @calls: hypercalls issued, continuations included
 * @stop: in: if set and it reads true, no further call is issued and the
 *	request ends with -EINTR (progress stays exact)
 */
struct cvm_hv_result {
	u64 done;
	u16 status;
	u64 calls;
	const bool *stop;
};

void cvm_hv_init(const struct cvm_transport *transport);
void cvm_hv_exit(void);
const struct cvm_transport *cvm_hv_transport(void);

int cvm_hv_accept(u64 gpn, u64 npages, int vtl2_mask, struct cvm_hv_result *res);
int cvm_hv_set_visibility(const struct cvm_gpn_list *list, u32 visibility,
			  struct cvm_hv_result *res);
int cvm_hv_protect(const struct cvm_gpn_list *list, u32 rights, struct cvm_hv_result *res);

#endif /* CVM_VTLMEM_HVCALL_H */
