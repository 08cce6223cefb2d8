// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cvm_vtlmem: open, release, poll, mmap and the GET_INFO ioctl. The state
 * behind the device belongs to the module, not to an open file, so a
 * paravisor that restarts finds everything as it left it; only no-wait
 * jobs belong to the file that started them (jobs.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "backend.h"
#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "ioctl.h"
#include "jobs.h"
#include "mapping.h"
#include "platform.h"
#include "registry.h"

/* TLFS: a 4 KiB input page holds a 16-byte header and 510 GPNs. */
#define CVM_GPNS_PER_CALL	510

/**
 * cvm_ioctl_get_info() - CVM_VTLMEM_IOC_GET_INFO
 * @ucmd: struct cvm_vtlmem_info
 *
 * Return: 0; -EINVAL for non-zero flags.
 */
int cvm_ioctl_get_info(struct cvm_ucmd *ucmd)
{
	struct cvm_vtlmem_info *info = ucmd->cmd;

	if (info->flags)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->abi_version = CVM_VTLMEM_ABI_VERSION;
	info->isolation = cvm.isolation;
	info->backend = cvm.backend->id;
	info->max_gpns_per_call = CVM_GPNS_PER_CALL;
	info->max_reps_per_call = HV_ACCEPT_REP_MAX;
	info->page_sizes = cvm_platform_page_sizes();
	cvm_registry_totals(&info->nr_ranges, &info->registered_bytes, &info->state_bytes);
	ucmd->respond = true;
	return 0;
}

static int cvm_open(struct inode *inode, struct file *file)
{
	/* The device reaches raw guest memory and the hypervisor. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* No-wait jobs belong to the open file. */
	file->private_data = cvm_file_alloc();
	if (!file->private_data)
		return -ENOMEM;
	/* One address space for every open file: transitions zap them all. */
	cvm_mapping_open(file);
	return 0;
}

static int cvm_release(struct inode *inode, struct file *file)
{
	cvm_file_release(file->private_data);
	return 0;
}

static __poll_t cvm_poll(struct file *file, poll_table *pt)
{
	return cvm_file_poll(file->private_data, file, pt);
}

static const struct file_operations cvm_fops = {
	.owner = THIS_MODULE,
	.open = cvm_open,
	.release = cvm_release,
	.poll = cvm_poll,
	.unlocked_ioctl = cvm_ioctl,
	.mmap = cvm_mmap,
	/* Place mappings so that 2 MiB-aligned GPAs can use PMD entries. */
	.get_unmapped_area = thp_get_unmapped_area,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice cvm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cvm_vtlmem",
	.fops = &cvm_fops,
	.mode = 0600,
};

/**
 * cvm_device_init() - register /dev/cvm_vtlmem
 *
 * Return: 0 or the error of misc_register().
 */
int cvm_device_init(void)
{
	return misc_register(&cvm_miscdev);
}

/**
 * cvm_device_exit() - unregister /dev/cvm_vtlmem
 */
void cvm_device_exit(void)
{
	misc_deregister(&cvm_miscdev);
}
