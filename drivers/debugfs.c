// SPDX-License-Identifier: GPL-2.0
/*
 * The module's debugfs directory. Knobs that only make sense for testing
 * (fault injection, forcing a kernel warning) exist only with the simulated
 * backend, which only CVM_VTLMEM_SIM=y builds have: a production load on
 * the real hypervisor has none of them. The backend's own directory gets
 * "reset" here, where the registry is in view: a reset is refused while
 * ranges are registered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "backend.h"
#include "cvm_vtlmem.h"
#include "registry.h"
#include "stats.h"

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

/*
 * Writing anything starts a fresh partition (the backend's reset). Refused
 * while ranges are registered, whose recorded states would then disagree
 * with the backend.
 */
static ssize_t backend_reset_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	u64 nr_ranges, bytes, state;

	cvm_registry_totals(&nr_ranges, &bytes, &state);
	if (nr_ranges)
		return -EBUSY;
	cvm.backend->reset();
	return count;
}

static const struct file_operations backend_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = backend_reset_write,
	.llseek = noop_llseek,
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
	return 0;
}

/**
 * cvm_debugfs_backend_init() - the backend's "reset" file, if it can reset
 *
 * Called once the backend is up: debugfs cvm_vtlmem/sim/reset with the
 * simulation (removed with the backend's directory), nothing on Hyper-V.
 */
void cvm_debugfs_backend_init(void)
{
	const struct cvm_backend *b = cvm.backend;

	if (b->reset && b->debugfs_dir)
		debugfs_create_file("reset", 0200, b->debugfs_dir(), NULL, &backend_reset_fops);
}

/**
 * cvm_debugfs_exit() - remove the module's debugfs directory
 */
void cvm_debugfs_exit(void)
{
	debugfs_remove(cvm.debugfs);
}
