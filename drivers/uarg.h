/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVM_VTLMEM_UARG_H
#define CVM_VTLMEM_UARG_H

#include <linux/compiler_types.h>
#include <linux/types.h>

int cvm_uarg_in(void *karg, size_t ksize, size_t min_size,
		const void __user *uarg, u32 *usize);
int cvm_uarg_writable(void __user *uarg, const void *karg, size_t ksize, u32 usize);
int cvm_uarg_out(void __user *uarg, void *karg, size_t ksize, u32 usize);
int cvm_uarg_span(u64 gpa, u64 length);

#endif /* CVM_VTLMEM_UARG_H */
