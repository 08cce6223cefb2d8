// SPDX-License-Identifier: GPL-2.0
/*
 * VBS isolation: the hypervisor is the isolation. Accept and unaccept are
 * rep hypercalls over contiguous runs (4095 pages a call), rights and
 * visibility are GPN-list hypercalls (510 a call). The hypervisor zeroes
 * what it accepts.
 */
#include <linux/bitfield.h>
#include <linux/sizes.h>

#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"

static int vbs_accept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	u32 attributes = FIELD_PREP(HV_ACCEPT_MEMORY_TYPE, HV_ACCEPT_MEMORY_RAM) |
			 FIELD_PREP(HV_ACCEPT_VISIBILITY, HV_VISIBILITY_PRIVATE);
	struct cvm_hv_result hv = { .stop = res->stop };
	int ret;

	ret = cvm_hv_accept(span->gpn, span->npages, attributes, &hv);
	res->done = hv.done;
	res->status = hv.status;
	res->calls += hv.calls;
	res->pages[CVM_PSIZE_4K] += hv.done;
	return ret;
}

static int vbs_unaccept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	struct cvm_hv_result hv = { .stop = res->stop };
	int ret;

	ret = cvm_hv_unaccept(span->gpn, span->npages, &hv);
	res->done = hv.done;
	res->status = hv.status;
	res->calls += hv.calls;
	return ret;
}

const struct cvm_platform_ops cvm_platform_vbs = {
	.isolation = CVM_VTLMEM_ISOLATION_VBS,
	.zeroes_on_accept = true,
	.page_sizes = SZ_4K,
	.rights_by_list = true,
	.accept = vbs_accept,
	.unaccept = vbs_unaccept,
	.set_rights = cvm_platform_hv_rights,
	.set_visibility = cvm_platform_hv_visibility,
};
