// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl table. Every command goes through one path: its number picks
 * the operation; the struct is copied in (at least the first published
 * version of it, unknown trailing bytes zero, uarg.c); a struct the
 * command writes back is first written back unchanged, so that a buffer
 * which cannot take the answer fails with EFAULT before anything is
 * checked or changed; the handler validates every field and works; its
 * answer is written back when it says there is one.
 */
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/stddef.h>

#include "cvm_vtlmem.h"
#include "ioctl.h"
#include "uarg.h"

/* The published sizes are those of the fields they name (uapi header). */
static_assert(offsetofend(struct cvm_vtlmem_info, page_sizes) == CVM_VTLMEM_INFO_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_info, registered_bytes) ==
	      CVM_VTLMEM_INFO_SIZE_VER1);
static_assert(offsetofend(struct cvm_vtlmem_range, numa_node) == CVM_VTLMEM_RANGE_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_remove_range, gpa) ==
	      CVM_VTLMEM_REMOVE_RANGE_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_list_ranges, entries) ==
	      CVM_VTLMEM_LIST_RANGES_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_query, states) == CVM_VTLMEM_QUERY_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_accept, fail_status) ==
	      CVM_VTLMEM_ACCEPT_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_accept, reserved) == CVM_VTLMEM_ACCEPT_SIZE_VER1);
static_assert(offsetofend(struct cvm_vtlmem_accept_status, fail_status) ==
	      CVM_VTLMEM_ACCEPT_STATUS_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_visibility, fail_status) ==
	      CVM_VTLMEM_VISIBILITY_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_protect, fail_status) ==
	      CVM_VTLMEM_PROTECT_SIZE_VER0);
static_assert(offsetofend(struct cvm_vtlmem_protect_vtl2, fail_status) ==
	      CVM_VTLMEM_PROTECT_VTL2_SIZE_VER0);

/* Room for the struct of any command. */
union cvm_ioctl_buffer {
	struct cvm_vtlmem_info info;
	struct cvm_vtlmem_range range;
	struct cvm_vtlmem_remove_range remove;
	struct cvm_vtlmem_list_ranges list;
	struct cvm_vtlmem_query query;
	struct cvm_vtlmem_accept accept;
	struct cvm_vtlmem_accept_status status;
	struct cvm_vtlmem_visibility visibility;
	struct cvm_vtlmem_protect protect;
	struct cvm_vtlmem_protect_vtl2 protect_vtl2;
};

/**
 * struct cvm_ioctl_op - one command of the table
 * @size: size of its struct as this module knows it
 * @min_size: size of the struct's first published version
 * @ioctl_num: the command, as the uapi header defines it
 * @execute: the handler
 * @delivered: called once the answer reached the caller, to finish what
 *	only its delivery may finish
 * @undeliverable: called when the answer could not be written back after
 *	all (the caller unmapped the buffer meanwhile), to undo what only the
 *	answer would have made reachable
 */
struct cvm_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct cvm_ucmd *ucmd);
	void (*delivered)(struct cvm_ucmd *ucmd);
	void (*undeliverable)(struct cvm_ucmd *ucmd);
};

/* Sized by its struct; the first version ends with its field @_last. */
#define CVM_IOCTL_OP(_ioctl, _fn, _struct, _last, _done, _undo)		\
	{									\
		.size = sizeof(_struct) +					\
			BUILD_BUG_ON_ZERO(sizeof(union cvm_ioctl_buffer) <	\
					  sizeof(_struct)),			\
		.min_size = offsetofend(_struct, _last),			\
		.ioctl_num = _ioctl,						\
		.execute = _fn,							\
		.delivered = _done,						\
		.undeliverable = _undo,						\
	}

static const struct cvm_ioctl_op cvm_ioctl_ops[] = {
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_GET_INFO, cvm_ioctl_get_info,
		     struct cvm_vtlmem_info, page_sizes, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_ADD_RANGE, cvm_ioctl_add_range,
		     struct cvm_vtlmem_range, numa_node, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_REMOVE_RANGE, cvm_ioctl_remove_range,
		     struct cvm_vtlmem_remove_range, gpa, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_LIST_RANGES, cvm_ioctl_list_ranges,
		     struct cvm_vtlmem_list_ranges, entries, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_QUERY, cvm_ioctl_query,
		     struct cvm_vtlmem_query, states, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_ACCEPT, cvm_ioctl_accept,
		     struct cvm_vtlmem_accept, fail_status, NULL, cvm_ioctl_accept_undeliverable),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_SET_VISIBILITY, cvm_ioctl_set_visibility,
		     struct cvm_vtlmem_visibility, fail_status, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_PROTECT, cvm_ioctl_protect,
		     struct cvm_vtlmem_protect, fail_status, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_PROTECT_VTL2, cvm_ioctl_protect_vtl2,
		     struct cvm_vtlmem_protect_vtl2, fail_status, NULL, NULL),
	CVM_IOCTL_OP(CVM_VTLMEM_IOC_ACCEPT_STATUS, cvm_ioctl_accept_status,
		     struct cvm_vtlmem_accept_status, fail_status,
		     cvm_ioctl_accept_status_delivered, cvm_ioctl_accept_status_undeliverable),
};

/* Matching ignores the size field of the command: the struct carries it. */
static bool cvm_ioctl_matches(unsigned int cmd, unsigned int ioctl_num)
{
	unsigned int mask = ~(_IOC_SIZEMASK << _IOC_SIZESHIFT);

	return (cmd & mask) == (ioctl_num & mask);
}

static const struct cvm_ioctl_op *cvm_ioctl_find(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cvm_ioctl_ops); i++)
		if (cvm_ioctl_matches(cmd, cvm_ioctl_ops[i].ioctl_num))
			return &cvm_ioctl_ops[i];
	return NULL;
}

/**
 * cvm_ioctl() - the device's unlocked_ioctl
 * @file: the open file
 * @cmd: the command
 * @arg: the user pointer to its struct
 *
 * Return: -ENOTTY for a command not in the table, an error of copying the
 * struct in or out (uarg.c), or what the handler returns.
 */
long cvm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct cvm_ioctl_op *op = cvm_ioctl_find(cmd);
	union cvm_ioctl_buffer buf;
	struct cvm_ucmd ucmd = {
		.file = file->private_data,
		.ubuf = (void __user *)arg,
		.cmd = &buf,
	};
	int ret, cret;

	if (!op)
		return -ENOTTY;
	ret = cvm_uarg_in(&buf, op->size, op->min_size, ucmd.ubuf, &ucmd.usize);
	if (ret)
		return ret;
	if (_IOC_DIR(op->ioctl_num) & _IOC_READ) {
		ret = cvm_uarg_writable(ucmd.ubuf, &buf, op->size, ucmd.usize);
		if (ret)
			return ret;
	}
	ret = op->execute(&ucmd);
	if (!ucmd.respond)
		return ret;
	cret = cvm_uarg_out(ucmd.ubuf, &buf, op->size, ucmd.usize);
	if (cret && op->undeliverable)
		op->undeliverable(&ucmd);
	else if (!cret && op->delivered)
		op->delivered(&ucmd);
	return ret ?: cret;
}
