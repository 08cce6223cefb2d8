// SPDX-License-Identifier: GPL-2.0
/*
 * VTL2's own RAM on a non-isolated partition, as the simulated
 * HvCallModifyVtlProtectionMask protects it from the lower VTLs (debugfs
 * sim/vtl2_rights).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/ioport.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "internal.h"

/*
 * VTL2's own RAM on a non-isolated partition: the running kernel's "System
 * RAM" (whole pages), which HvCallModifyVtlProtectionMask on VTL2's own
 * mask may protect from the lower VTLs. The mask is one for VTL0 and VTL1:
 * extents GPN -> xa_mk_value(rights), no entry meaning every right (the
 * partition's state at boot): 3 GiB is 786k pages, so one entry per page
 * would not do. A reset leaves them alone: like the running kernel, they
 * are not part of the VTL0 RAM the reset restores, and the module
 * remembers having protected them.
 */
static struct maple_tree sim_vtl2 = MTREE_INIT(sim_vtl2, 0);

/* Where a System RAM resource holding the page at @gpa ends. */
struct sim_ram_probe {
	u64 gpa;
	u64 end;
};

static int sim_ram_extent(struct resource *res, void *arg)
{
	struct sim_ram_probe *p = arg;

	/* The walk clips to the window: a resource holding @gpa starts there. */
	if (res->start == p->gpa)
		p->end = PFN_DOWN(res->end + 1);
	return 1;
}

/* Is page @gpn System RAM of this kernel? Remembers the extent for the next. */
static bool sim_vtl2_is_ram(struct sim_hc *hc, u64 gpn)
{
	struct sim_ram_probe p = { .gpa = gpn << PAGE_SHIFT };

	if (gpn >= hc->ram_first && gpn < hc->ram_end)
		return true;
	/* A 1 GiB window: a long extent is found once, not page by page. */
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    p.gpa, p.gpa + SZ_1G - 1, &p, sim_ram_extent);
	if (p.end <= gpn)
		return false;
	hc->ram_first = gpn;
	hc->ram_end = p.end;
	return true;
}

/* VTL2's mask leaves @rights on pages [@first, @last]; merge equal neighbours. */
static int sim_vtl2_store(u64 first, u64 last, unsigned int rights)
{
	MA_STATE(mas, &sim_vtl2, 0, 0);
	struct maple_tree *mt = &sim_vtl2;
	void *entry = rights == HV_MAP_GPA_ALL ? NULL : xa_mk_value((unsigned long)rights);
	int ret;

	mtree_lock(mt);
	if (first) {
		mas_set(&mas, first - 1);
		if (mas_walk(&mas) == entry)
			first = mas.index;
	}
	if (last != ULONG_MAX) {
		mas_set(&mas, last + 1);
		if (mas_walk(&mas) == entry)
			last = mas.last;
	}
	mas_set_range(&mas, first, last);
	/* In a hypercall: the per-CPU input page is held, no sleeping. */
	ret = mas_store_gfp(&mas, entry, GFP_ATOMIC);
	mtree_unlock(mt);
	return ret;
}

/**
 * sim_vtl2_flush() - record the run of VTL2 pages a call processed
 * @hc: the call
 *
 * Without memory they were not protected after all: the call fails at the
 * run's first element.
 *
 * Return: a hypercall status.
 */
u16 sim_vtl2_flush(struct sim_hc *hc)
{
	unsigned int rights = (hc->arg >> SIM_PAGE_VTL0_SHIFT) & HV_MAP_GPA_ALL;
	u32 n = hc->vtl2_n;

	if (!n)
		return HV_STATUS_SUCCESS;
	hc->vtl2_n = 0;
	if (!sim_vtl2_store(hc->vtl2_gpn, hc->vtl2_gpn + n - 1, rights))
		return HV_STATUS_SUCCESS;
	hc->done = hc->vtl2_index;
	hc->reps -= n;
	return HV_STATUS_INSUFFICIENT_MEMORY;
}

/**
 * sim_hc_outside() - one element of a hypercall outside the simulated RAM
 * @hc: the call
 * @gpn: the element's page
 *
 * Only VTL2 protecting its own RAM from the lower VTLs on a non-isolated
 * partition is allowed. Consecutive pages are recorded together, by
 * sim_vtl2_flush() once the run ends.
 *
 * Return: a hypercall status.
 */
u16 sim_hc_outside(struct sim_hc *hc, u64 gpn)
{
	u16 st;

	if (hc->desc->op != SIM_OP_HV_PROTECT ||
	    cvm.isolation != CVM_VTLMEM_ISOLATION_NONE || !sim_vtl2_is_ram(hc, gpn))
		return HV_STATUS_INVALID_PARAMETER;
	if (hc->vtl2_n && gpn == hc->vtl2_gpn + hc->vtl2_n &&
	    hc->done == hc->vtl2_index + hc->vtl2_n) {
		hc->vtl2_n++;
		return HV_STATUS_SUCCESS;
	}
	st = sim_vtl2_flush(hc);
	if (st)
		return st;
	hc->vtl2_gpn = gpn;
	hc->vtl2_index = hc->done;
	hc->vtl2_n = 1;
	return HV_STATUS_SUCCESS;
}

/**
 * sim_vtl2_show() - debugfs sim/vtl2_rights
 * @m: the seq_file
 * @unused: unused
 *
 * "VTL FIRST_GPA LAST_GPA RIGHTS" for every VTL2 extent not at full rights:
 * VTL0's lines, then VTL1's, both from VTL2's one mask.
 *
 * Return: 0.
 */
int sim_vtl2_show(struct seq_file *m, void *unused)
{
	unsigned int vtl;
	void *entry;

	for (vtl = 0; vtl < 2; vtl++) {
		MA_STATE(mas, &sim_vtl2, 0, 0);

		mtree_lock(&sim_vtl2);
		mas_for_each(&mas, entry, ULONG_MAX)
			seq_printf(m, "%u 0x%llx 0x%llx 0x%lx\n", vtl,
				   (u64)mas.index << PAGE_SHIFT,
				   ((u64)mas.last << PAGE_SHIFT) | ~PAGE_MASK,
				   xa_to_value(entry));
		mtree_unlock(&sim_vtl2);
	}
	return 0;
}

/**
 * sim_vtl2_exit() - forget VTL2's protections (module unload)
 */
void sim_vtl2_exit(void)
{
	mtree_destroy(&sim_vtl2);
}
