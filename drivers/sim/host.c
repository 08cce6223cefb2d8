// SPDX-License-Identifier: GPL-2.0
/*
 * What happens to sim RAM outside the paravisor: the host remapping a page
 * behind its back, and what a boot loader accepted before the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "internal.h"

static u64 sim_remap_fn(struct sim_op *op)
{
	u16 s = pg_get(op->gpn);
	u64 ret = sim_split(op, op->gpn);

	if (ret)
		return ret;
	pg_set(op->gpn, (s & SIM_PAGE_VIS_MASK) | SIM_PAGE_TAINTED);
	sim_fill_later(op, op->gpn, SIM_GARBAGE_BYTE);
	return 0;
}

/**
 * sim_remap() - the host remaps a page behind the paravisor's back
 * @gpn: a page of sim RAM
 *
 * The page loses acceptance or validation and its rights, and its contents
 * become host garbage (%SIM_GARBAGE_BYTE). A large page holding it is split.
 */
void sim_remap(u64 gpn)
{
	struct sim_op op = { .gpn = gpn, .fn = sim_remap_fn };

	sim_apply(&op);
}

static u64 sim_boot_fn(struct sim_op *op)
{
	u64 ret = sim_split(op, op->gpn);

	if (ret)
		return ret;
	/*
	 * VBS: what the boot loader accepted carries the partition's default
	 * mask (all rights; OpenHCL gives such memory no protection call).
	 * SNP and TDX: accepted with VTL2-only permissions.
	 */
	pg_set(op->gpn, pg_accept(0, SIM_4K) |
			(cvm.isolation == CVM_VTLMEM_ISOLATION_VBS ? sim_both(HV_MAP_GPA_ALL) : 0));
	set_bit(sim_unit(op->gpn), sim_hv.smashed);
	sim_fill_later(op, op->gpn, 0);
	return 0;
}

/**
 * cvm_sim_boot_accept() - what a boot loader accepted before the module
 * @gpa: first byte
 * @len: length in bytes
 *
 * Every page of sim RAM touching [@gpa, @gpa + @len) becomes accepted at
 * 4K, private, untainted, zeroed, with no lower-VTL rights (VBS: all, the
 * partition's default mask).
 *
 * Context: process context.
 */
void cvm_sim_boot_accept(u64 gpa, u64 len)
{
	struct sim_op op = { .fn = sim_boot_fn };
	u64 end;

	if (!len || gpa + len < gpa)
		return;
	end = DIV_ROUND_UP(gpa + len, PAGE_SIZE);
	for (op.gpn = gpa >> PAGE_SHIFT; op.gpn < end; op.gpn++)
		if (sim_span_ok(op.gpn, 1))
			sim_apply(&op);
}
