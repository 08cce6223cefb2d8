/* SPDX-License-Identifier: GPL-2.0 */
/* Counters of what the module did, shown in debugfs (cvm_vtlmem/stats). */
#ifndef CVM_VTLMEM_STATS_H
#define CVM_VTLMEM_STATS_H

#include <linux/types.h>

struct cvm_plat_result;
struct seq_file;

enum cvm_stat_op {
	CVM_STAT_ACCEPT,
	CVM_STAT_UNACCEPT,
	CVM_STAT_VISIBILITY,
	CVM_STAT_RIGHTS,
	CVM_STAT_NR
};

void cvm_stats_chunk(void);
void cvm_stats_op(enum cvm_stat_op op, const struct cvm_plat_result *res, u64 ns);
void cvm_stats_fault(bool huge);
int cvm_stats_show(struct seq_file *m, void *unused);
void cvm_stats_reset(void);

#endif /* CVM_VTLMEM_STATS_H */
