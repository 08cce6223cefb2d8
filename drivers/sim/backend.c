// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated hypervisor as a backend of the module (backend=sim): its
 * RAM (sim_ram=), its trap, reset, set-up and tear-down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "backend.h"
#include "cvm_vtlmem.h"
#include "internal.h"
#include "transport.h"

struct sim_hv sim_hv;

static char *sim_ram;
module_param(sim_ram, charp, 0444);
MODULE_PARM_DESC(sim_ram, "simulated VTL0 RAM as SIZE@BASE, reserved with memmap=");

/* Interrupts are off: the page is this CPU's until they are on again. */
static void *sim_input_page(void)
{
	return this_cpu_ptr(sim_hv.pcpu)->input;
}

/* The simulated hypervisor's trap. */
static const struct cvm_transport sim_transport = {
	.name = "sim",
	.input_page = sim_input_page,
	.hypercall = sim_hypercall,
	.pvalidate = sim_pvalidate,
	.rmpadjust = sim_rmpadjust,
	.tdcall = sim_tdcall,
};

/**
 * cvm_sim_tdx_accept_1g() - let TDG.MEM.PAGE.ACCEPT take 1 GiB pages
 * @allow: true to accept them, false (the default) to refuse them with
 *	PAGE_SIZE_MISMATCH as current TDX modules do
 *
 * The same switch as debugfs sim/tdx_accept_1g; a reset leaves it alone.
 *
 * Return: its previous value.
 */
bool cvm_sim_tdx_accept_1g(bool allow)
{
	bool old = READ_ONCE(sim_hv.tdx_accept_1g);

	WRITE_ONCE(sim_hv.tdx_accept_1g, allow);
	return old;
}

/**
 * cvm_sim_reset() - back to the state at load
 *
 * Every page returns to its initial state, every injection is disarmed,
 * the decrypted aliases are forgotten and the counters are zeroed. Page
 * contents are left as they are. Callers make sure no simulated operation
 * runs concurrently (KUnit between tests).
 */
void cvm_sim_reset(void)
{
	sim_inject_clear();
	sim_counters_reset();
	sim_aliases_clear();
	sim_pages_reset();
}

static int sim_parse_ram(void)
{
	char *p = sim_ram;
	u64 size, base;

	if (!p || !*p)
		return 0;
	size = memparse(p, &p);
	if (*p != '@')
		goto bad;
	base = memparse(p + 1, &p);
	if (*p || !size || !PAGE_ALIGNED(size) || !PAGE_ALIGNED(base) || base + size < base)
		goto bad;
	sim_hv.base_gpn = base >> PAGE_SHIFT;
	sim_hv.npages = size >> PAGE_SHIFT;
	return 0;
bad:
	pr_err("sim_ram=%s is not SIZE@BASE, both 4K-aligned\n", sim_ram);
	return -EINVAL;
}

static int sim_alloc_ram(void)
{
	u64 last = sim_hv.base_gpn + sim_hv.npages - 1;
	unsigned long i, gigs;

	sim_hv.first_unit = sim_hv.base_gpn >> SIM_UNIT_SHIFT;
	sim_hv.nr_units = (last >> SIM_UNIT_SHIFT) - sim_hv.first_unit + 1;
	sim_hv.first_gig = sim_hv.base_gpn >> SIM_GIG_SHIFT;
	gigs = (last >> SIM_GIG_SHIFT) - sim_hv.first_gig + 1;
	sim_hv.map = memremap(sim_hv.base_gpn << PAGE_SHIFT, sim_hv.npages << PAGE_SHIFT,
			      MEMREMAP_WB);
	sim_hv.pages = kvcalloc(sim_hv.npages, sizeof(u16), GFP_KERNEL);
	sim_hv.unit_lock = kvcalloc(sim_hv.nr_units, sizeof(spinlock_t), GFP_KERNEL);
	sim_hv.gig_lock = kvcalloc(gigs, sizeof(rwlock_t), GFP_KERNEL);
	sim_hv.smashed = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	sim_hv.mismatch = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	sim_hv.busy = bitmap_zalloc(sim_hv.nr_units, GFP_KERNEL);
	if (!sim_hv.map) {
		pr_err("cannot map sim_ram=%s\n", sim_ram);
		return -ENOMEM;
	}
	if (!sim_hv.pages || !sim_hv.unit_lock || !sim_hv.gig_lock ||
	    !sim_hv.smashed || !sim_hv.mismatch || !sim_hv.busy)
		return -ENOMEM;
	for (i = 0; i < sim_hv.nr_units; i++)
		spin_lock_init(&sim_hv.unit_lock[i]);
	for (i = 0; i < gigs; i++)
		rwlock_init(&sim_hv.gig_lock[i]);
	return 0;
}

static int sim_alloc_input_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);

		if (!page)
			return -ENOMEM;
		per_cpu_ptr(sim_hv.pcpu, cpu)->input = page_address(page);
	}
	return 0;
}

static void sim_free(void)
{
	int cpu;

	if (sim_hv.pcpu)
		for_each_possible_cpu(cpu)
			free_page((unsigned long)per_cpu_ptr(sim_hv.pcpu, cpu)->input);
	if (sim_hv.map)
		memunmap(sim_hv.map);
	kvfree(sim_hv.pages);
	kvfree(sim_hv.unit_lock);
	kvfree(sim_hv.gig_lock);
	bitmap_free(sim_hv.smashed);
	bitmap_free(sim_hv.mismatch);
	bitmap_free(sim_hv.busy);
	free_percpu(sim_hv.pcpu);
	memset(&sim_hv, 0, sizeof(sim_hv));
}

/**
 * cvm_sim_init() - bring up the simulated hypervisor
 *
 * Parses sim_ram=, maps that RAM, sets every page to its initial state for
 * the isolation type and creates debugfs sim/ and selftest_warn.
 *
 * Return: 0, -EINVAL for a malformed sim_ram=, -ENOMEM.
 */
static int cvm_sim_init(void)
{
	int ret;

	spin_lock_init(&sim_hv.inj.lock);
	ret = sim_parse_ram();
	if (ret)
		return ret;
	sim_hv.pcpu = alloc_percpu(struct sim_pcpu);
	ret = sim_hv.pcpu ? sim_alloc_input_pages() : -ENOMEM;
	if (!ret && sim_hv.npages)
		ret = sim_alloc_ram();
	if (ret) {
		sim_free();
		return ret;
	}
	cvm_sim_reset();
	sim_debugfs_init();
	sim_oracle_init();
	if (sim_hv.npages)
		pr_info("%s isolation, RAM 0x%llx-0x%llx\n", cvm_isolation_name(cvm.isolation),
			sim_hv.base_gpn << PAGE_SHIFT,
			((sim_hv.base_gpn + sim_hv.npages) << PAGE_SHIFT) - 1);
	else
		pr_info("%s isolation, no RAM (sim_ram= not given)\n",
			cvm_isolation_name(cvm.isolation));
	return 0;
}

/**
 * cvm_sim_exit() - tear down the simulated hypervisor
 *
 * Removes debugfs sim/ and selftest_warn (waiting for readers and writers
 * in flight) before freeing the model. Call before the module's debugfs
 * directory goes.
 */
static void cvm_sim_exit(void)
{
	sim_oracle_exit();
	debugfs_remove(sim_hv.dir);
	sim_free();
	sim_vtl2_exit();
}

/* backend=sim: the isolation type is the one isolation= names. */
static int sim_probe(const char *isolation, enum cvm_vtlmem_isolation *type,
		     const struct cvm_transport **transport)
{
	*transport = &sim_transport;
	return cvm_isolation_parse(isolation, type);
}

static struct dentry *sim_debugfs_dir(void)
{
	return sim_hv.dir;
}

/* Selected by backend=sim; exists only in CVM_VTLMEM_SIM=y builds. */
const struct cvm_backend cvm_sim_backend = {
	.name = "sim",
	.id = CVM_VTLMEM_BACKEND_SIM,
	.probe = sim_probe,
	.init = cvm_sim_init,
	.exit = cvm_sim_exit,
	.is_lower_vtl_ram = cvm_sim_is_ram,
	.debugfs_dir = sim_debugfs_dir,
	.reset = cvm_sim_reset,
};
