// SPDX-License-Identifier: GPL-2.0
/*
 * VBS isolation: the hypervisor is the isolation. Accepting is a rep
 * hypercall over a contiguous run (509 pages a call, as OpenHCL sends);
 * the pages come out zeroed with the partition's default protection mask
 * (OpenHCL accepts VTL0 memory with an empty VTL set), and VTL2's own mask,
 * which binds VTL0 and VTL1 alike, is the only lower-VTL right it sets
 * (with the accept, or HvCallModifyVtlProtectionMask naming the current
 * VTL, 510 GPNs a call).
 *
 * A page goes shared while still accepted ("On VBS, we need to accept the
 * pages first before we move them to shared", underhill_mem init.rs):
 * there is no unaccept step, and the host reads the page's old contents,
 * so the caller zeroes it first. OpenHCL never issues
 * HvCallUnacceptGpaPages; neither does this module.
 */
#include <linux/bitfield.h>
#include <linux/sizes.h>

#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"

/*
 * All rights: the partition's default mask, which OpenHCL's boot loader
 * configures to all rights (openhcl_boot, VsmPartitionConfig
 * default_vtl_protection_mask), with an empty VTL set as OpenHCL accepts
 * VTL0 memory. Fewer: VTL2's initial mask in the same call (VTL set bit 2,
 * hvdef AcceptPagesAttributes), so no page is ever accepted with more.
 */
static int vbs_accept(const struct cvm_span *span, u32 grant, struct cvm_plat_result *res)
{
	struct cvm_hv_result hv = { .stop = res->stop };
	int ret;

	ret = cvm_hv_accept(span->gpn, span->npages, grant == HV_MAP_GPA_ALL ? -1 : grant, &hv);
	cvm_plat_result_take_hv(res, &hv);
	res->granted = hv.done;
	return ret;
}

const struct cvm_platform_ops cvm_platform_vbs = {
	.isolation = CVM_VTLMEM_ISOLATION_VBS,
	.zeroes_on_accept = true,
	.page_sizes = SZ_4K,
	.keeps_acceptance = true,
	.rights_by_list = true,
	.one_mask = true,
	.grants_with_accept = true,
	.zeroes_before_share = true,
	.shares_accepted_only = true,
	.shared_keeps_rights = true,
	.accept = vbs_accept,
	.unaccept = cvm_platform_no_unaccept,
	.set_rights = cvm_platform_hv_rights,
	.set_visibility = cvm_platform_hv_visibility,
};
