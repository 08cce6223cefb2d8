/* SPDX-License-Identifier: GPL-2.0 */
/* The ioctl handlers device.c dispatches to, one file per concept. */
#ifndef CVM_VTLMEM_IOCTLS_H
#define CVM_VTLMEM_IOCTLS_H

#include <linux/compiler_types.h>

struct cvm_file;

long cvm_ioctl_add_range(void __user *uarg);
long cvm_ioctl_remove_range(void __user *uarg);
long cvm_ioctl_list_ranges(void __user *uarg);
long cvm_ioctl_query(void __user *uarg);
long cvm_ioctl_accept(struct cvm_file *f, void __user *uarg);
long cvm_ioctl_set_visibility(void __user *uarg);
long cvm_ioctl_protect(void __user *uarg);
long cvm_ioctl_protect_vtl2(void __user *uarg);
/* What PROTECT_VTL2 remembers outlives the calls: freed at unload. */
void cvm_protect_exit(void);

#endif /* CVM_VTLMEM_IOCTLS_H */
