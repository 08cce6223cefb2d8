// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per-CPU so that counting never becomes the bottleneck of the
 * parallel engine; summed when read.
 */
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "platform.h"
#include "sim/oracle.h"
#include "stats.h"

struct op_counts {
	u64 ops;
	u64 calls;
	u64 pages[CVM_PSIZE_NR];
	u64 fallbacks;
	u64 ns;
};

struct cpu_stats {
	struct op_counts op[CVM_STAT_NR];
	u64 chunks;
	u64 faults[2];
};

static DEFINE_PER_CPU(struct cpu_stats, cpu_stats);

static const char *const op_names[CVM_STAT_NR] = {
	[CVM_STAT_ACCEPT] = "accept",
	[CVM_STAT_UNACCEPT] = "unaccept",
	[CVM_STAT_VISIBILITY] = "visibility",
	[CVM_STAT_RIGHTS] = "rights",
};

/**
 * cvm_stats_chunk() - count a chunk run by the engine on this CPU
 */
void cvm_stats_chunk(void)
{
	this_cpu_inc(cpu_stats.chunks);
}

/**
 * cvm_stats_op() - count one platform operation
 * @op: which kind
 * @res: its calls, pages per size and fallbacks
 * @ns: time it took
 */
void cvm_stats_op(enum cvm_stat_op op, const struct cvm_plat_result *res, u64 ns)
{
	struct op_counts *c = &get_cpu_ptr(&cpu_stats)->op[op];
	int i;

	c->ops++;
	c->calls += res->calls;
	c->fallbacks += res->fallbacks;
	c->ns += ns;
	for (i = 0; i < CVM_PSIZE_NR; i++)
		c->pages[i] += res->pages[i];
	put_cpu_ptr(&cpu_stats);
}

/**
 * cvm_stats_fault() - count a fault served through a view
 * @huge: served with one PMD entry
 */
void cvm_stats_fault(bool huge)
{
	this_cpu_inc(cpu_stats.faults[huge]);
}

/**
 * cvm_stats_reset() - zero every counter (debugfs write); the simulation's
 *	unusable_maps is not one of them
 */
void cvm_stats_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&cpu_stats, cpu), 0, sizeof(struct cpu_stats));
}

/**
 * cvm_stats_show() - print the counters, one "key value" pair a line
 * @m: the seq_file
 * @unused: unused
 *
 * Return: 0.
 */
int cvm_stats_show(struct seq_file *m, void *unused)
{
	struct cpu_stats sum = {};
	int cpu, op, i;

	for_each_possible_cpu(cpu) {
		struct cpu_stats *s = per_cpu_ptr(&cpu_stats, cpu);

		for (op = 0; op < CVM_STAT_NR; op++) {
			sum.op[op].ops += s->op[op].ops;
			sum.op[op].calls += s->op[op].calls;
			sum.op[op].fallbacks += s->op[op].fallbacks;
			sum.op[op].ns += s->op[op].ns;
			for (i = 0; i < CVM_PSIZE_NR; i++)
				sum.op[op].pages[i] += s->op[op].pages[i];
		}
		sum.faults[0] += s->faults[0];
		sum.faults[1] += s->faults[1];
		if (s->chunks)
			seq_printf(m, "chunks_cpu%d %llu\n", cpu, s->chunks);
	}
	for (op = 0; op < CVM_STAT_NR; op++) {
		const struct op_counts *c = &sum.op[op];

		seq_printf(m, "%s_ops %llu\n%s_calls %llu\n%s_pages_4k %llu\n"
			   "%s_pages_2m %llu\n%s_pages_1g %llu\n%s_fallbacks %llu\n%s_ns %llu\n",
			   op_names[op], c->ops, op_names[op], c->calls,
			   op_names[op], c->pages[CVM_PSIZE_4K],
			   op_names[op], c->pages[CVM_PSIZE_2M],
			   op_names[op], c->pages[CVM_PSIZE_1G],
			   op_names[op], c->fallbacks, op_names[op], c->ns);
	}
	seq_printf(m, "faults_4k %llu\nfaults_2m %llu\n", sum.faults[0], sum.faults[1]);
	/* CVM_VTLMEM_SIM=y: "unusable_maps N", the test oracle's count. */
	cvm_sim_oracle_stats(m);
	return 0;
}
