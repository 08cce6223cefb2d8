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

int cvm_mapping_init(void);
void cvm_mapping_exit(void);
void cvm_mapping_open(struct file *file);
int cvm_mmap(struct file *file, struct vm_area_struct *vma);
void cvm_zap(u64 gpn, u64 npages);
int cvm_view_hold_unit(struct cvm_range *r, u64 gpn);
void cvm_view_release_unit(struct cvm_range *r, u64 gpn);

#endif /* CVM_VTLMEM_MAPPING_H */
