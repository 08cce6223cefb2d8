/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVM_VTLMEM_ACCEPT_H
#define CVM_VTLMEM_ACCEPT_H

#include <linux/types.h>

struct cvm_chunk;
struct cvm_range;

void cvm_accept_init(void);
int cvm_accept_unit(struct cvm_range *r, u64 gpn, bool wait, const bool *stop);
u64 cvm_accept_run(struct cvm_range *r, u64 gpn, u64 npages, const bool *stop,
		   struct cvm_chunk *out);
void cvm_accept_exit(void);

#endif /* CVM_VTLMEM_ACCEPT_H */
