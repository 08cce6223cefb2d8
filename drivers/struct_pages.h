/* SPDX-License-Identifier: GPL-2.0 */
/* ZONE_DEVICE struct pages behind a range (struct_pages.c). */
#ifndef CVM_VTLMEM_STRUCT_PAGES_H
#define CVM_VTLMEM_STRUCT_PAGES_H

#include <linux/types.h>

struct cvm_range;

int cvm_pages_create(struct cvm_range *r);
void cvm_pages_destroy(struct cvm_range *r);
u64 cvm_pages_first_pinned(const struct cvm_range *r, u64 gpn, u64 npages);
u64 cvm_pages_wait_unpinned(const struct cvm_range *r, u64 gpn, u64 npages);

#endif /* CVM_VTLMEM_STRUCT_PAGES_H */
