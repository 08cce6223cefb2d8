// SPDX-License-Identifier: GPL-2.0
/*
 * Intel TDX with TD partitioning: the paravisor is the L1 TD and VTL0 an L2
 * VM. Acceptance is TDG.MEM.PAGE.ACCEPT as Linux's tdx_accept_memory()
 * does it: 1 GiB only where aligned, then 2 MiB, then 4 KiB, falling back
 * on any error. Current TDX modules accept only 4 KiB and 2 MiB pages
 * dynamically, so a refused 1 GiB accept is remembered for the module's
 * lifetime (one wasted call, not one per GiB). VTL0's rights are
 * TDG.MEM.PAGE.ATTR.WR on L2 VM 1 at the level the page was accepted at,
 * paired with each accept as OpenHCL does (tdcall accept_pages); VTL1's
 * are L2 VM 2. The TDX module zeroes what it accepts. ALREADY_ACCEPTED is
 * an error; the OPERAND_BUSY family is retried.
 *
 * Giving a page up needs no guest step: the host converts it. A TD with
 * TDX Connect would need TDG.MEM.PAGE.RELEASE first; the real backend
 * refuses to load there (transport_hyperv.c).
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
/* The OPERAND_BUSY family: 0x8000_02xx (x86defs TdCallResultCode). */
#define TDX_BUSY_MASK		0xFFFFFF0000000000ULL

/* SZ_1G once a 1 GiB accept of unaccepted memory failed: never tried again. */
static u32 tdx_refused;

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
		if ((st & TDX_BUSY_MASK) != TDX_OPERAND_BUSY)
			return st & TDX_STATUS_MASK;
		cpu_relax();
	} while (++tries < TDX_BUSY_RETRIES);
	return TDX_OPERAND_BUSY;
}

static struct tdx_op tdx_attr_wr(u8 vtl, u32 rights)
{
	unsigned int shift = TDX_L2_VM_SHIFT(TDX_L2_VM_OF_VTL(vtl));

	return (struct tdx_op){
		.leaf = TDG_MEM_PAGE_ATTR_WR,
		.rdx = (u64)((rights & TDX_L2_ATTR_RIGHTS) | TDX_L2_ATTR_VALID) << shift,
		.r8 = (u64)TDX_L2_ATTR_RIGHTS << shift,
	};
}

/*
 * One naturally aligned region of @level; @pair, if set, follows each
 * success at the same level (ATTR.WR after ACCEPT). @fallback: which
 * failures of a large level are retried a level smaller (accept: any, as
 * Linux does; ATTR.WR: PAGE_SIZE_MISMATCH, the page's level differs).
 */
static int tdx_region(const struct cvm_span *span, const struct tdx_op *op,
		      const struct tdx_op *pair, bool any_fallback, u64 i, int level,
		      struct cvm_plat_result *res)
{
	u64 n = tdx_level_pages(level), j, st;
	int ret;

	st = tdx_call(op, span->gpn + i, level, res);
	if (st == TDX_STATUS_SUCCESS) {
		res->pages[level] += n;
		res->done = i + n;
		if (!pair)
			return 0;
		st = tdx_call(pair, span->gpn + i, level, res);
		if (st != TDX_STATUS_SUCCESS) {
			res->status = st;
			return -EIO;	/* accepted, not granted: @granted says so */
		}
		res->granted = i + n;
		return 0;
	}
	if (level > TDX_LEVEL_4K && (any_fallback || st == TDX_PAGE_SIZE_MISMATCH)) {
		/* Only unaccepted memory is accepted: a refusal is the size's. */
		if (level == TDX_LEVEL_1G && op->leaf == TDG_MEM_PAGE_ACCEPT)
			WRITE_ONCE(tdx_refused, SZ_1G);
		res->fallbacks++;
		for (j = 0; j < n; j += n / 512) {
			if (cvm_plat_stopped(res))
				return -EINTR;
			ret = tdx_region(span, op, pair, any_fallback, i + j, level - 1, res);
			if (ret)
				return ret;
		}
		return 0;
	}
	res->status = st;
	/* Only unaccepted memory is accepted: "already" is the host's doing. */
	if (op->leaf == TDG_MEM_PAGE_ACCEPT && st == TDX_PAGE_ALREADY_ACCEPTED) {
		res->already = true;
		return -EPROTO;
	}
	return -EIO;
}

static int tdx_walk(const struct cvm_span *span, const struct tdx_op *op,
		    const struct tdx_op *pair, bool any_fallback, struct cvm_plat_result *res)
{
	u64 i = 0;

	while (i < span->npages) {
		int level = READ_ONCE(tdx_refused) & SZ_1G ? TDX_LEVEL_2M : TDX_LEVEL_1G;
		int ret;

		if (cvm_plat_stopped(res))
			return -EINTR;
		cond_resched();
		while (level > TDX_LEVEL_4K &&
		       (!IS_ALIGNED(span->gpn + i, tdx_level_pages(level)) ||
			span->npages - i < tdx_level_pages(level)))
			level--;
		ret = tdx_region(span, op, pair, any_fallback, i, level, res);
		if (ret)
			return ret;
		i += tdx_level_pages(level);
	}
	return 0;
}

static int tdx_accept(const struct cvm_span *span, u32 grant, struct cvm_plat_result *res)
{
	static const struct tdx_op accept = { .leaf = TDG_MEM_PAGE_ACCEPT };
	struct tdx_op attr_wr = tdx_attr_wr(0, grant);

	return tdx_walk(span, &accept, grant ? &attr_wr : NULL, true, res);
}

static int tdx_set_rights(const struct cvm_span *span, u8 vtl, u32 rights,
			  struct cvm_plat_result *res)
{
	struct tdx_op attr_wr = tdx_attr_wr(vtl, rights);

	return tdx_walk(span, &attr_wr, NULL, false, res);
}

const struct cvm_platform_ops cvm_platform_tdx = {
	.isolation = CVM_VTLMEM_ISOLATION_TDX,
	.zeroes_on_accept = true,
	.page_sizes = SZ_4K | SZ_2M | SZ_1G,
	.sizes_refused = &tdx_refused,
	.keeps_acceptance = true,
	.grants_with_accept = true,
	.accept = tdx_accept,
	.unaccept = cvm_platform_no_unaccept,
	.set_rights = tdx_set_rights,
	.set_visibility = cvm_platform_hv_visibility,
};
