// SPDX-License-Identifier: GPL-2.0
/*
 * Copying extensible ioctl structs. Each struct starts with a __u32 size
 * that the caller sets to the size it was compiled with. Older callers send
 * less (the missing tail reads as zero), newer callers send more (accepted
 * only if the part this module does not know is zero).
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "uarg.h"

/**
 * cvm_uarg_in() - copy an extensible struct from user space
 * @karg: kernel copy, @ksize bytes
 * @ksize: size of the struct this module knows
 * @min_size: size of the first published version of the struct
 * @uarg: user pointer
 * @usize: out: the size the caller declared
 *
 * Return: 0; -EFAULT on a bad pointer; -EINVAL if the declared size is below
 * @min_size; -E2BIG if it exceeds PAGE_SIZE or unknown trailing bytes are
 * not zero.
 */
int cvm_uarg_in(void *karg, size_t ksize, size_t min_size,
		const void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < min_size)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

/**
 * cvm_uarg_out() - copy an extensible struct back to user space
 * @uarg: user pointer
 * @karg: kernel copy; its leading __u32 size is set to the bytes written
 * @ksize: size of the struct this module knows
 * @usize: the size the caller declared
 *
 * Writes min(@ksize, @usize) bytes so that neither side's memory is
 * overrun.
 *
 * Return: 0 or -EFAULT.
 */
int cvm_uarg_out(void __user *uarg, void *karg, size_t ksize, u32 usize)
{
	u32 n = min_t(size_t, ksize, usize);

	*(u32 *)karg = n;
	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

/**
 * cvm_uarg_writable() - make sure the answer can be written back, before
 *	any work
 * @uarg: user pointer the struct came from
 * @karg: the kernel copy, as cvm_uarg_in() read it
 * @ksize: size of the struct this module knows
 * @usize: the size the caller declared
 *
 * Writes back the bytes that were read, unchanged, so that an operation
 * whose progress report could not be delivered (a read-only buffer) is
 * refused before it changes anything.
 *
 * Return: 0 or -EFAULT.
 */
int cvm_uarg_writable(void __user *uarg, const void *karg, size_t ksize, u32 usize)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, usize)) ? -EFAULT : 0;
}

/**
 * cvm_uarg_span() - check a GPA span given by user space
 * @gpa: first address
 * @length: bytes
 *
 * Return: 0; -EINVAL if @length is 0 or either is not 4 KiB aligned;
 * -EOVERFLOW if the span wraps.
 */
int cvm_uarg_span(u64 gpa, u64 length)
{
	u64 end;

	if (!length || !PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(length))
		return -EINVAL;
	return check_add_overflow(gpa, length, &end) ? -EOVERFLOW : 0;
}
