// SPDX-License-Identifier: GPL-2.0
/*
 * The registry's ioctls: ADD_RANGE, REMOVE_RANGE, LIST_RANGES, QUERY. Each
 * validates every field before anything changes.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "background.h"
#include "ioctl.h"
#include "registry.h"

/* Entries QUERY builds under the lock before copying them out. */
#define QUERY_BATCH	1024

/**
 * cvm_ioctl_add_range() - CVM_VTLMEM_IOC_ADD_RANGE
 * @ucmd: struct cvm_vtlmem_range
 *
 * Return: 0 or the errno of cvm_range_add().
 */
int cvm_ioctl_add_range(struct cvm_ucmd *ucmd)
{
	return cvm_range_add(ucmd->cmd);
}

/**
 * cvm_ioctl_remove_range() - CVM_VTLMEM_IOC_REMOVE_RANGE
 * @ucmd: struct cvm_vtlmem_remove_range
 *
 * Return: 0, -EINVAL for non-zero flags, or the errno of cvm_range_remove().
 */
int cvm_ioctl_remove_range(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_remove_range *req = ucmd->cmd;

	if (req->flags)
		return -EINVAL;
	/* Background acceptance does not keep a range busy: it stops. */
	return cvm_range_remove(req->gpa, cvm_background_forget);
}

static int copy_entries(u64 uptr, u32 entry_size,
			const struct cvm_vtlmem_range_info *entries, u32 n)
{
	u32 known = min_t(u32, entry_size, sizeof(*entries)), i;
	void __user *dst = u64_to_user_ptr(uptr);

	for (i = 0; i < n; i++, dst += entry_size) {
		if (copy_to_user(dst, &entries[i], known))
			return -EFAULT;
		/* Fields this module does not know read as zero. */
		if (entry_size > known && clear_user(dst + known, entry_size - known))
			return -EFAULT;
	}
	return 0;
}

/**
 * cvm_ioctl_list_ranges() - CVM_VTLMEM_IOC_LIST_RANGES
 * @ucmd: struct cvm_vtlmem_list_ranges
 *
 * Return: 0; -EINVAL for non-zero flags or reserved field, or an entry size
 * outside [8, PAGE_SIZE] or not a multiple of 8; -EFAULT; -ENOMEM.
 */
int cvm_ioctl_list_ranges(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_list_ranges *req = ucmd->cmd;
	struct cvm_vtlmem_range_info *entries;
	u32 count;
	int ret;

	if (req->flags || req->reserved)
		return -EINVAL;
	if (req->capacity && (req->entry_size < 8 || req->entry_size > PAGE_SIZE ||
			      req->entry_size % 8))
		return -EINVAL;
	ret = cvm_range_list(req->capacity, &entries, &count);
	if (ret)
		return ret;
	ret = copy_entries(req->entries, req->entry_size, entries, min(count, req->capacity));
	kvfree(entries);
	if (ret)
		return ret;
	req->count = count;
	ucmd->respond = true;
	return 0;
}

static u16 page_word(struct cvm_range *r, u64 gpn)
{
	u32 rights = cvm_page_rights(r, gpn);

	return cvm_page_state(r, gpn) |
	       (rights & 0xf) << CVM_VTLMEM_PAGE_VTL0_SHIFT |
	       (rights >> 4 & 0xf) << CVM_VTLMEM_PAGE_VTL1_SHIFT;
}

static int query_range(struct cvm_range *r, u64 gpn, u64 npages, u16 __user *out)
{
	u16 *buf = kmalloc_array(QUERY_BATCH, sizeof(*buf), GFP_KERNEL);
	u64 done = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (done < npages && !ret) {
		u32 n = min_t(u64, npages - done, QUERY_BATCH), i;

		/* Fill under the lock, copy without it: @out may be our own mapping. */
		down_read(&r->map_lock);
		for (i = 0; i < n; i++)
			buf[i] = page_word(r, gpn + done + i);
		up_read(&r->map_lock);
		if (copy_to_user(out + done, buf, n * sizeof(*buf)))
			ret = -EFAULT;
		done += n;
		cond_resched();
	}
	kfree(buf);
	return ret;
}

/**
 * cvm_ioctl_query() - CVM_VTLMEM_IOC_QUERY
 * @ucmd: struct cvm_vtlmem_query
 *
 * Return: 0; -EINVAL for non-zero flags, an unaligned GPA, zero or too
 * many pages; -ENOENT if no single registered range holds the span;
 * -EFAULT; -ENOMEM.
 */
int cvm_ioctl_query(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_query *req = ucmd->cmd;
	struct cvm_range *r;
	int ret;

	if (req->flags || !PAGE_ALIGNED(req->gpa) || !req->npages ||
	    req->npages > CVM_VTLMEM_QUERY_MAX_PAGES)
		return -EINVAL;
	r = cvm_range_get(req->gpa >> PAGE_SHIFT, req->npages);
	if (IS_ERR(r))
		return -ENOENT;
	ret = query_range(r, req->gpa >> PAGE_SHIFT, req->npages, u64_to_user_ptr(req->states));
	cvm_range_put(r);
	return ret;
}
