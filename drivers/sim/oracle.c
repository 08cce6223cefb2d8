// SPDX-License-Identifier: GPL-2.0
/*
 * Test oracles of the simulated hypervisor: whether a page the module maps
 * into a view is really usable there (the unusable_maps count in debugfs
 * stats, which the test rig expects to stay 0), and selftest_warn, which
 * lets the rig prove that it notices a kernel warning.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "backend.h"
#include "cvm_vtlmem.h"
#include "internal.h"
#include "oracle.h"

/*
 * Pages mapped while the simulated platform did not hold them usable
 * through the view. Not zeroed by a reset: the rig reads it once per
 * suite and expects 0.
 */
static atomic64_t unusable_maps;

/* debugfs cvm_vtlmem/selftest_warn */
static struct dentry *selftest_warn;

/**
 * cvm_sim_oracle_map() - check pages about to be mapped into a view
 * @gpn: first page
 * @npages: pages
 * @shared: the shared view, else the private one
 *
 * The simulated platform can say what real hardware cannot: whether a page
 * about to be mapped is really usable through the view. A page recorded
 * private that the platform does not hold validated and private (or
 * recorded shared that it does not hold shared) is counted in the
 * statistics; the suites expect none. The page is mapped anyway: on
 * hardware the access would fault, and the count is what tests see.
 */
void cvm_sim_oracle_map(u64 gpn, u64 npages, bool shared)
{
	u64 i;
	u16 s;

	if (cvm.backend != &cvm_sim_backend || cvm.isolation == CVM_VTLMEM_ISOLATION_NONE)
		return;
	for (i = 0; i < npages; i++) {
		s = cvm_sim_page(gpn + i);
		if (s == SIM_PAGE_OUTSIDE)
			continue;
		if (shared ? !(s & SIM_PAGE_VIS_MASK) :
			     !(s & SIM_PAGE_ACCEPTED) || (s & SIM_PAGE_VIS_MASK)) {
			atomic64_inc(&unusable_maps);
			break;
		}
	}
}

/**
 * cvm_sim_oracle_stats() - the oracle's line of debugfs stats
 * @m: the seq_file
 *
 * "unusable_maps N", never zeroed.
 */
void cvm_sim_oracle_stats(struct seq_file *m)
{
	seq_printf(m, "unusable_maps %lld\n", (long long)atomic64_read(&unusable_maps));
}

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

/**
 * sim_oracle_init() - create debugfs cvm_vtlmem/selftest_warn
 */
void sim_oracle_init(void)
{
	selftest_warn = debugfs_create_file_unsafe("selftest_warn", 0200, cvm.debugfs, NULL,
						   &selftest_warn_fops);
}

/**
 * sim_oracle_exit() - remove debugfs cvm_vtlmem/selftest_warn
 */
void sim_oracle_exit(void)
{
	debugfs_remove(selftest_warn);
	selftest_warn = NULL;
}
