// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated hypervisor's debugfs directory, cvm_vtlmem/sim/: fault
 * injection commands, counters, and views of the simulated state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cvm_vtlmem.h"
#include "internal.h"

#define SIM_CMD_MAX	128

static const char *const sim_op_names[] = {
	[SIM_OP_HV_PROTECT] = "hv_protect",
	[SIM_OP_HV_ACCEPT] = "hv_accept",
	[SIM_OP_HV_UNACCEPT] = "hv_unaccept",
	[SIM_OP_HV_VISIBILITY] = "hv_visibility",
	[SIM_OP_HV_OTHER] = "other",
	[SIM_OP_PVALIDATE_4K] = "pvalidate_4k",
	[SIM_OP_PVALIDATE_2M] = "pvalidate_2m",
	[SIM_OP_RMPADJUST] = "rmpadjust",
	[SIM_OP_TDX_ACCEPT_4K] = "tdx_accept_4k",
	[SIM_OP_TDX_ACCEPT_2M] = "tdx_accept_2m",
	[SIM_OP_TDX_ACCEPT_1G] = "tdx_accept_1g",
	[SIM_OP_TDX_ATTR_WR] = "tdx_attr_wr",
};

static_assert(ARRAY_SIZE(sim_op_names) == SIM_OP_NR);

/* Copy a short command from user space, NUL-terminated. */
static char *sim_user_cmd(const char __user *ubuf, size_t count)
{
	if (!count || count > SIM_CMD_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user_nul(ubuf, count);
}

static ssize_t sim_inject_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char *cmd = sim_user_cmd(ubuf, count);
	int ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = cvm_sim_inject(cmd);
	kfree(cmd);
	return ret ?: count;
}

static const struct file_operations sim_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_inject_write,
	.llseek = noop_llseek,
};

static int sim_counters_show(struct seq_file *m, void *unused)
{
	struct cvm_sim_count c;
	int op, cpu;

	for (op = 0; op < SIM_OP_NR; op++) {
		cvm_sim_count(op, &c);
		seq_printf(m, "%s calls=%llu reps=%llu failures=%llu mismatches=%llu\n",
			   sim_op_names[op], c.calls, c.reps, c.failures, c.mismatches);
	}
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%d calls=%llu\n", cpu, per_cpu_ptr(sim_hv.pcpu, cpu)->calls);
	return 0;
}

static int sim_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, sim_counters_show, NULL);
}

/* Writing anything resets the counters. */
static ssize_t sim_counters_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	sim_counters_reset();
	return count;
}

static const struct file_operations sim_counters_fops = {
	.owner = THIS_MODULE,
	.open = sim_counters_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = sim_counters_write,
	.release = single_release,
};

/* __u16 per page; offset 2 * (gpn - first sim gpn). */
static ssize_t sim_state_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, sim_hv.pages,
				       sim_hv.npages * sizeof(u16));
}

static const struct file_operations sim_state_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = sim_state_read,
	.llseek = default_llseek,
};

static int sim_ram_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "0x%llx 0x%llx\n", sim_hv.base_gpn << PAGE_SHIFT,
		   sim_hv.npages << PAGE_SHIFT);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_ram);

/* "GPA LEN": both page-aligned, inside sim RAM. */
static ssize_t sim_boot_accept_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	char *cmd = sim_user_cmd(ubuf, count), *p, *gpa_s, *len_s;
	u64 gpa, len;
	int ret = -EINVAL;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	p = strim(cmd);
	gpa_s = strsep(&p, " \t");
	len_s = p ? skip_spaces(p) : "";
	if (!kstrtou64(gpa_s, 0, &gpa) && !kstrtou64(len_s, 0, &len) &&
	    PAGE_ALIGNED(gpa) && PAGE_ALIGNED(len) && cvm_sim_is_ram(gpa, len)) {
		cvm_sim_boot_accept(gpa, len);
		ret = 0;
	}
	kfree(cmd);
	return ret ?: count;
}

static const struct file_operations sim_boot_accept_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_boot_accept_write,
	.llseek = noop_llseek,
};

DEFINE_SHOW_ATTRIBUTE(sim_vtl2);

/**
 * sim_debugfs_init() - create debugfs cvm_vtlmem/sim/
 *
 * Files: inject (wo), counters (rw), state (ro, binary), ram (ro),
 * boot_accept (wo), tdx_accept_1g (rw, Y/N: TDX accepts 1 GiB pages),
 * vtl2_rights (ro). The module's own debugfs adds reset (wo), which needs
 * to know whether ranges are registered. A missing debugfs is not an error.
 */
void sim_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("sim", cvm.debugfs);

	sim_hv.dir = dir;
	debugfs_create_file("inject", 0200, dir, NULL, &sim_inject_fops);
	debugfs_create_file("counters", 0600, dir, NULL, &sim_counters_fops);
	debugfs_create_file_size("state", 0400, dir, NULL, &sim_state_fops,
				 sim_hv.npages * sizeof(u16));
	debugfs_create_file("ram", 0400, dir, NULL, &sim_ram_fops);
	debugfs_create_file("boot_accept", 0200, dir, NULL, &sim_boot_accept_fops);
	debugfs_create_bool("tdx_accept_1g", 0600, dir, &sim_hv.tdx_accept_1g);
	debugfs_create_file("vtl2_rights", 0400, dir, NULL, &sim_vtl2_fops);
}
