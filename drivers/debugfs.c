// SPDX-License-Identifier: GPL-2.0
/*
 * The module's debugfs directory. Knobs that only make sense for testing
 * (fault injection, forcing a kernel warning) exist only with the simulated
 * backend, so a production load on the real hypervisor has none of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "cvm_vtlmem.h"
#include "stats.h"

/*
 * Writing 1 raises a kernel WARNING on purpose: the test rig uses it to prove
 * that it notices warnings in the kernel log.
 */
static int selftest_warn_set(void *data, u64 val)
{
	if (val != 1)
		return -EINVAL;
	WARN(1, "deliberate warning requested through debugfs selftest_warn\n");
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(selftest_warn_fops, NULL, selftest_warn_set, "%llu\n");

static int stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, cvm_stats_show, NULL);
}

/* Any write zeroes the counters. */
static ssize_t stats_write(struct file *file, const char __user *buf, size_t len,
			   loff_t *ppos)
{
	cvm_stats_reset();
	return len;
}

static const struct file_operations stats_fops = {
	.owner = THIS_MODULE,
	.open = stats_open,
	.read = seq_read,
	.write = stats_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * cvm_debugfs_init() - create /sys/kernel/debug/cvm_vtlmem
 *
 * A missing debugfs is not an error: the module works without it.
 *
 * Return: 0.
 */
int cvm_debugfs_init(void)
{
	cvm.debugfs = debugfs_create_dir("cvm_vtlmem", NULL);
	debugfs_create_file("stats", 0600, cvm.debugfs, NULL, &stats_fops);
	if (cvm.backend == CVM_VTLMEM_BACKEND_SIM)
		debugfs_create_file_unsafe("selftest_warn", 0200, cvm.debugfs, NULL,
					   &selftest_warn_fops);
	return 0;
}

/**
 * cvm_debugfs_exit() - remove the module's debugfs directory
 */
void cvm_debugfs_exit(void)
{
	debugfs_remove(cvm.debugfs);
}
