// SPDX-License-Identifier: GPL-2.0
/*
 * The platform table in use, and the hypercall-based pieces several
 * platforms share: host visibility (VBS, SNP, TDX) and VTL protection masks
 * (non-isolated, VBS).
 */
#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/sizes.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"

/**
 * cvm_platform() - the operations of the partition's isolation type
 *
 * Return: the table selected by cvm.isolation.
 */
const struct cvm_platform_ops *cvm_platform(void)
{
	switch (cvm.isolation) {
	case CVM_VTLMEM_ISOLATION_VBS:
		return &cvm_platform_vbs;
	case CVM_VTLMEM_ISOLATION_SNP:
		return &cvm_platform_snp;
	case CVM_VTLMEM_ISOLATION_TDX:
		return &cvm_platform_tdx;
	default:
		return &cvm_platform_none;
	}
}

/**
 * cvm_platform_page_sizes() - the page sizes worth trying now
 *
 * Return: cvm_platform_ops.page_sizes less those the platform refused.
 */
u32 cvm_platform_page_sizes(void)
{
	const struct cvm_platform_ops *ops = cvm_platform();

	return ops->page_sizes & ~(ops->sizes_refused ? READ_ONCE(*ops->sizes_refused) : 0);
}

/**
 * cvm_plat_result_add() - add what one platform operation did to a sum
 * @sum: calls, pages per size and fallbacks so far
 * @res: the operation's
 */
void cvm_plat_result_add(struct cvm_plat_result *sum, const struct cvm_plat_result *res)
{
	int i;

	sum->calls += res->calls;
	sum->fallbacks += res->fallbacks;
	for (i = 0; i < CVM_PSIZE_NR; i++)
		sum->pages[i] += res->pages[i];
}

/**
 * cvm_plat_result_take_hv() - a platform result from a hypercall layer one
 * @res: the platform's result; its progress and status are replaced, its
 *	counts added to
 * @hv: what the hypercalls did, 4 KiB pages each
 */
void cvm_plat_result_take_hv(struct cvm_plat_result *res, const struct cvm_hv_result *hv)
{
	res->done = hv->done;
	res->status = hv->status;
	res->calls += hv->calls;
	res->pages[CVM_PSIZE_4K] += hv->done;
}

/**
 * cvm_platform_hv_visibility() - host visibility through the hypercall
 * @list: pages to change
 * @shared: true for host-visible, false for private
 * @res: progress, indexed like @list
 *
 * Return: as the hypercall layer.
 */
int cvm_platform_hv_visibility(const struct cvm_gpn_list *list, bool shared,
			       struct cvm_plat_result *res)
{
	struct cvm_hv_result hv = { .stop = res->stop };
	int ret;

	ret = cvm_hv_set_visibility(list, shared ? HV_VISIBILITY_SHARED :
				    HV_VISIBILITY_PRIVATE, &hv);
	cvm_plat_result_take_hv(res, &hv);
	return ret;
}

/**
 * cvm_platform_hv_rights_list() - VTL2's protection mask over scattered
 *	pages, 510 per HvCallModifyVtlProtectionMask
 * @list: pages to change
 * @vtl: 0: the mask binds VTL0 and VTL1 alike; VTL1's own mask (which
 *	would bind VTL0 alone) is VTL1's to set, so 1 is -EOPNOTSUPP
 * @rights: HV_MAP_GPA_* rights
 * @res: progress, indexed like @list
 *
 * Return: as the hypercall layer, or -EOPNOTSUPP.
 */
int cvm_platform_hv_rights_list(const struct cvm_gpn_list *list, u8 vtl, u32 rights,
				struct cvm_plat_result *res)
{
	struct cvm_hv_result hv = { .stop = res->stop };
	int ret;

	if (vtl != 0)
		return -EOPNOTSUPP;
	ret = cvm_hv_protect(list, rights, &hv);
	cvm_plat_result_take_hv(res, &hv);
	return ret;
}

/**
 * cvm_platform_hv_rights() - VTL2's protection mask over a span
 * @span: pages to change
 * @vtl: as cvm_platform_hv_rights_list()
 * @rights: HV_MAP_GPA_* rights
 * @res: progress
 *
 * Return: as cvm_platform_hv_rights_list().
 */
int cvm_platform_hv_rights(const struct cvm_span *span, u8 vtl, u32 rights,
			   struct cvm_plat_result *res)
{
	struct cvm_gpn_list list = { .base = span->gpn, .count = span->npages };

	return cvm_platform_hv_rights_list(&list, vtl, rights, res);
}

/**
 * cvm_platform_no_unaccept() - unaccept where the guest has no step
 * @span: pages
 * @res: progress: all of them
 *
 * Return: 0.
 */
int cvm_platform_no_unaccept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	res->done = span->npages;
	return 0;
}

/*
 * Non-isolated: memory is usable as it is, and VTL0 holds every right
 * unless VTL2's mask takes some: a grant of fewer rights sets the mask.
 */
static int none_accept(const struct cvm_span *span, u32 grant, struct cvm_plat_result *res)
{
	int ret = 0;

	if (grant != HV_MAP_GPA_ALL)
		ret = cvm_platform_hv_rights(span, 0, grant, res);
	res->done = ret ? res->done : span->npages;
	res->granted = res->done;
	return ret;
}

const struct cvm_platform_ops cvm_platform_none = {
	.isolation = CVM_VTLMEM_ISOLATION_NONE,
	.zeroes_on_accept = false,
	.page_sizes = SZ_4K,
	.keeps_acceptance = true,
	.rights_by_list = true,
	.one_mask = true,
	.grants_with_accept = true,
	.shared_keeps_rights = true,
	.accept = none_accept,
	.unaccept = cvm_platform_no_unaccept,
	.set_rights = cvm_platform_hv_rights,
};
