// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated hypervisor's cost model (module parameters sim_*_ns) and
 * its counters: calls, reps and failures per operation kind and per CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "internal.h"

static ulong sim_call_ns, sim_page_4k_ns, sim_page_2m_ns, sim_page_1g_ns;
module_param(sim_call_ns, ulong, 0644);
MODULE_PARM_DESC(sim_call_ns, "simulated cost of a hypercall or instruction, ns");
module_param(sim_page_4k_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_4k_ns, "simulated cost per 4K page processed, ns");
module_param(sim_page_2m_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_2m_ns, "simulated cost per 2M page processed, ns");
module_param(sim_page_1g_ns, ulong, 0644);
MODULE_PARM_DESC(sim_page_1g_ns, "simulated cost per 1G page processed, ns");

/*
 * Busy-wait the simulated cost on the clock: ndelay()'s calibration runs
 * about 40% short under QEMU TCG, where the test rig runs.
 */
static void sim_spend(u64 ns)
{
	u64 end;

	if (!ns)
		return;
	end = ktime_get_ns() + ns;
	while (ktime_get_ns() < end)
		cpu_relax();
}

/**
 * sim_account() - count one operation and spend its simulated cost
 * @op: its kind
 * @reps: rep elements (pages) it completed
 * @failed: it returned a failure status
 * @mismatch: that status was a page-size mismatch
 * @ns: cost of the pages it processed, on top of sim_call_ns
 *
 * Context: no lock held (the cost is busy-waited).
 */
void sim_account(enum cvm_sim_op op, u32 reps, bool failed, bool mismatch, u64 ns)
{
	struct sim_pcpu __percpu *pc = sim_hv.pcpu;

	this_cpu_inc(pc->calls);
	this_cpu_inc(pc->op[op].calls);
	this_cpu_add(pc->op[op].reps, reps);
	if (failed)
		this_cpu_inc(pc->op[op].failures);
	if (mismatch)
		this_cpu_inc(pc->op[op].mismatches);
	sim_spend(ns + READ_ONCE(sim_call_ns));
}

/**
 * sim_page_ns() - simulated cost of processing one page
 * @level: its size, %SIM_4K, %SIM_2M or %SIM_1G
 *
 * Return: nanoseconds, from the sim_page_*_ns parameters.
 */
u64 sim_page_ns(unsigned int level)
{
	static ulong *const cost[] = { &sim_page_4k_ns, &sim_page_2m_ns, &sim_page_1g_ns };

	return READ_ONCE(*cost[level]);
}

/**
 * sim_counters_reset() - zero every CPU's counters
 */
void sim_counters_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sim_pcpu *p = per_cpu_ptr(sim_hv.pcpu, cpu);

		/* The counters only: the input page stays. */
		memset(p->op, 0, sizeof(p->op));
		p->calls = 0;
	}
}

/**
 * cvm_sim_count() - totals of one operation kind over all CPUs
 * @op: the operation kind
 * @out: where to store calls, reps, failures and mismatches
 */
void cvm_sim_count(enum cvm_sim_op op, struct cvm_sim_count *out)
{
	const struct cvm_sim_count *c;
	int cpu;

	memset(out, 0, sizeof(*out));
	if ((unsigned int)op >= SIM_OP_NR || !sim_hv.pcpu)
		return;
	for_each_possible_cpu(cpu) {
		c = &per_cpu_ptr(sim_hv.pcpu, cpu)->op[op];
		out->calls += c->calls;
		out->reps += c->reps;
		out->failures += c->failures;
		out->mismatches += c->mismatches;
	}
}
