/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user views of VTL0 memory: mmap of /dev/cvm_vtlmem at file offset =
 * GPA, the shared view with CVM_VTLMEM_SHARED_VIEW set in the offset. A
 * fault maps a page only while its state allows the view, so a transition
 * changes the state under the range's map_lock and then calls cvm_zap().
 */
#ifndef CVM_VTLMEM_MAPPING_H
#define CVM_VTLMEM_MAPPING_H

#include <linux/types.h>

struct cvm_range;
struct file;
struct vm_area_struct;

/*
 * Accept-on-fault for lazy ranges, set by the accept code (NULL: a fault on
 * an unaccepted page of a lazy range gets SIGBUS). Called from the fault
 * path without the range's map_lock; returns 0 once the page's state may
 * have changed, or a negative errno.
 */
extern int (*cvm_lazy_accept_hook)(struct cvm_range *r, u64 gpn);

int cvm_mapping_init(void);
void cvm_mapping_exit(void);
void cvm_mapping_open(struct file *file);
int cvm_mmap(struct file *file, struct vm_area_struct *vma);
void cvm_zap(u64 gpn, u64 npages);

int cvm_pages_create(struct cvm_range *r);
void cvm_pages_destroy(struct cvm_range *r);
u64 cvm_pages_first_pinned(const struct cvm_range *r, u64 gpn, u64 npages);
u64 cvm_pages_wait_unpinned(const struct cvm_range *r, u64 gpn, u64 npages);

#endif /* CVM_VTLMEM_MAPPING_H */
