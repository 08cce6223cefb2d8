/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Background acceptance of lazy ranges: a low-priority kernel thread that
 * accepts queued 2 MiB units one at a time, as first touches would.
 */
#ifndef CVM_VTLMEM_BACKGROUND_H
#define CVM_VTLMEM_BACKGROUND_H

#include <linux/types.h>

struct cvm_range;

int cvm_background_init(void);
void cvm_background_exit(void);
void cvm_background_queue(struct cvm_range *r, u64 gpn, u64 npages);
void cvm_background_forget(struct cvm_range *r);

#endif /* CVM_VTLMEM_BACKGROUND_H */
