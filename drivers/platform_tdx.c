// SPDX-License-Identifier: GPL-2.0
/*
 * Intel TDX with TD partitioning: the paravisor is the L1 TD and VTL0 an L2
 * VM. Acceptance is TDG.MEM.PAGE.ACCEPT at 1 GiB, 2 MiB or 4 KiB, each
 * falling back to the next size on PAGE_SIZE_MISMATCH; rights are
 * TDG.MEM.PAGE.ATTR.WR on the L2 VM that runs the VTL. The TDX module zeroes
 * what it accepts. ALREADY_ACCEPTED is an error; OPERAND_BUSY is retried.
 */
#include <linux/mm.h>
#include <linux/processor.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"
#include "transport.h"

/* Contention on the secure EPT is brief; a stuck page is an error. */
#define TDX_BUSY_RETRIES	1000

struct tdx_op {
	u64 leaf;
	u64 rdx;
	u64 r8;
};

static u64 tdx_level_pages(int level)
{
	return 1ULL << (9 * level);
}

static u64 tdx_call(const struct tdx_op *op, u64 gpn, int level,
		    struct cvm_plat_result *res)
{
	unsigned int tries = 0;
	u64 st;

	do {
		res->calls++;
		st = cvm_hv_transport()->tdcall(op->leaf, (gpn << PAGE_SHIFT) | level,
						op->rdx, op->r8);
		if ((st & TDX_STATUS_MASK) != TDX_OPERAND_BUSY)
			return st & TDX_STATUS_MASK;
		cpu_relax();
	} while (++tries < TDX_BUSY_RETRIES);
	return TDX_OPERAND_BUSY;
}

/* One naturally aligned region of @level, smaller levels on mismatch. */
static int tdx_region(const struct cvm_span *span, const struct tdx_op *op,
		      u64 i, int level, struct cvm_plat_result *res)
{
	u64 n = tdx_level_pages(level), j, st;
	int ret;

	st = tdx_call(op, span->gpn + i, level, res);
	if (st == TDX_STATUS_SUCCESS) {
		res->pages[level] += n;
		res->done = i + n;
		return 0;
	}
	if (st == TDX_PAGE_SIZE_MISMATCH && level > TDX_LEVEL_4K) {
		res->fallbacks++;
		for (j = 0; j < n; j += n / 512) {
			if (cvm_plat_stopped(res))
				return -EINTR;
			ret = tdx_region(span, op, i + j, level - 1, res);
			if (ret)
				return ret;
		}
		return 0;
	}
	res->status = st;
	return -EIO;
}

static int tdx_walk(const struct cvm_span *span, const struct tdx_op *op,
		    struct cvm_plat_result *res)
{
	u64 i = 0;

	while (i < span->npages) {
		int level = TDX_LEVEL_1G;
		int ret;

		if (cvm_plat_stopped(res))
			return -EINTR;
		cond_resched();
		while (level > TDX_LEVEL_4K &&
		       (!IS_ALIGNED(span->gpn + i, tdx_level_pages(level)) ||
			span->npages - i < tdx_level_pages(level)))
			level--;
		ret = tdx_region(span, op, i, level, res);
		if (ret)
			return ret;
		i += tdx_level_pages(level);
	}
	return 0;
}

static int tdx_accept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	static const struct tdx_op accept = { .leaf = TDG_MEM_PAGE_ACCEPT };

	return tdx_walk(span, &accept, res);
}

/* The host takes a page away by converting it; the guest has no step. */
static int tdx_unaccept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	res->done = span->npages;
	return 0;
}

static int tdx_set_rights(const struct cvm_span *span, u8 vtl, u32 rights,
			  struct cvm_plat_result *res)
{
	unsigned int shift = TDX_L2_VM_SHIFT(TDX_L2_VM_OF_VTL(vtl));
	struct tdx_op attr_wr = {
		.leaf = TDG_MEM_PAGE_ATTR_WR,
		.rdx = (u64)((rights & TDX_L2_ATTR_RIGHTS) | TDX_L2_ATTR_VALID) << shift,
		.r8 = (u64)TDX_L2_ATTR_RIGHTS << shift,
	};

	return tdx_walk(span, &attr_wr, res);
}

const struct cvm_platform_ops cvm_platform_tdx = {
	.isolation = CVM_VTLMEM_ISOLATION_TDX,
	.zeroes_on_accept = true,
	.page_sizes = SZ_4K | SZ_2M | SZ_1G,
	.keeps_acceptance = true,
	.accept = tdx_accept,
	.unaccept = tdx_unaccept,
	.set_rights = tdx_set_rights,
	.set_visibility = cvm_platform_hv_visibility,
};
