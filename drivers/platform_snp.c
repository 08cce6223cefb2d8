// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SEV-SNP: acceptance is PVALIDATE, lower-VTL rights are RMPADJUST on
 * the VMPL that runs that VTL. Both work on 2 MiB units where the RMP holds
 * them at 2 MiB and fall back to 4 KiB on SIZEMISMATCH. SNP does not zero:
 * the caller must (platform zeroes_on_accept is false).
 *
 * A PVALIDATE that reports "no update" is an error: the page was already in
 * the state we were moving it to, which is what a hypervisor remapping a
 * validated page behind our back looks like.
 *
 * A 2 MiB PVALIDATE or RMPADJUST takes a 2 MiB-aligned virtual address as
 * well as a 2 MiB-aligned GPA (OpenHCL's boot shim asserts it); where the
 * kernel alias is not so aligned the unit is done at 4 KiB. The alias must
 * map the pages encrypted (the caller's).
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"
#include "transport.h"

#define UNIT_PAGES	(SZ_2M / PAGE_SIZE)
/* Internal: the operation must be retried at 4 KiB. */
#define SNP_RETRY_SMALLER	1

/* One instruction on one page; returns 0, SNP_RETRY_SMALLER or -errno. */
typedef int (*snp_op_fn)(u64 gpn, void *va, bool huge, u64 arg,
			 struct cvm_plat_result *res);

static int snp_check(int rc, bool no_update, struct cvm_plat_result *res)
{
	res->calls++;
	if (rc == SNP_RET_SUCCESS && !no_update)
		return 0;
	if (rc == SNP_RET_FAIL_SIZEMISMATCH)
		return SNP_RETRY_SMALLER;
	res->status = rc == SNP_RET_SUCCESS ? SNP_RET_NO_UPDATE : rc;
	return rc == SNP_RET_SUCCESS ? -EPROTO : -EIO;
}

static int snp_pvalidate(u64 gpn, void *va, bool huge, u64 validate,
			 struct cvm_plat_result *res)
{
	bool no_update = false;
	int rc = cvm_hv_transport()->pvalidate(gpn << PAGE_SHIFT, va, huge,
					       validate, &no_update);

	return snp_check(rc, no_update, res);
}

static int snp_rmpadjust(u64 gpn, void *va, bool huge, u64 attrs,
			 struct cvm_plat_result *res)
{
	int rc = cvm_hv_transport()->rmpadjust(gpn << PAGE_SHIFT, va, huge, attrs);

	return snp_check(rc, false, res);
}

/*
 * The RMP holds this page's unit at 2 MiB but we must work on 4 KiB: rescind
 * the unit and validate its pages one by one. Contents survive: the page
 * never left the guest's key.
 */
static u64 snp_rmp_rights(u32 rights)
{
	return (rights & HV_MAP_GPA_READ ? SNP_RMPADJUST_READ : 0) |
	       (rights & HV_MAP_GPA_WRITE ? SNP_RMPADJUST_WRITE : 0) |
	       (rights & HV_MAP_GPA_KERNEL_EXEC ? SNP_RMPADJUST_EXEC_SUPER : 0) |
	       (rights & HV_MAP_GPA_USER_EXEC ? SNP_RMPADJUST_EXEC_USER : 0);
}

/* Give a re-validated page back the rights the paravisor recorded for it. */
static int snp_restore_rights(const struct cvm_span *span, u64 gpn, void *va,
			      struct cvm_plat_result *res)
{
	u32 rights = span->rights ? span->rights(span->owner, gpn) : 0;
	u8 vtl;
	int ret;

	for (vtl = 0; vtl < 2; vtl++) {
		u32 r = (rights >> (4 * vtl)) & HV_MAP_GPA_ALL;

		if (!r)
			continue;
		ret = snp_rmpadjust(gpn, va, false, SNP_VMPL_OF_VTL(vtl) | snp_rmp_rights(r), res);
		if (ret)
			return ret > 0 ? -EPROTO : ret;
	}
	return 0;
}

/*
 * Splitting re-validates the whole unit through the span's mapping, so the
 * unit must lie inside what the operation owns and maps: a unit that
 * straddles two ranges (say, a boot-accepted head) is not split.
 */
static bool snp_unit_owned(const struct cvm_span *span, u64 unit)
{
	u64 first = span->own_npages ? span->own_gpn : span->gpn;
	u64 n = span->own_npages ?: span->npages;

	return unit >= first && unit + UNIT_PAGES <= first + n;
}

static int snp_split_unit(const struct cvm_span *span, u64 gpn, void *va,
			  struct cvm_plat_result *res)
{
	u64 unit = ALIGN_DOWN(gpn, UNIT_PAGES);
	void *uva = va - (gpn - unit) * PAGE_SIZE;
	u64 i;
	int ret;

	if (!snp_unit_owned(span, unit) || !IS_ALIGNED((unsigned long)uva, SZ_2M))
		return SNP_RETRY_SMALLER;
	ret = snp_pvalidate(unit, uva, true, false, res);
	if (ret)
		return ret > 0 ? -EPROTO : ret;
	/* From here the unit is re-validated: the caller restores what it held. */
	res->fallbacks++;
	for (i = 0; i < UNIT_PAGES; i++) {
		ret = snp_pvalidate(unit + i, uva + i * PAGE_SIZE, false, true, res);
		if (!ret)
			ret = snp_restore_rights(span, unit + i, uva + i * PAGE_SIZE, res);
		if (ret) {
			res->lost_gpn = unit + i;
			res->lost_pages = UNIT_PAGES - i;
			return ret > 0 ? -EPROTO : ret;
		}
	}
	return 0;
}

/* 4 KiB step: a 2 MiB RMP entry in the way is split once (not for accept). */
static int snp_small(const struct cvm_span *span, snp_op_fn op, u64 gpn, void *va,
		     u64 arg, bool may_split, struct cvm_plat_result *res)
{
	int ret = op(gpn, va, false, arg, res);

	if (ret == SNP_RETRY_SMALLER && may_split) {
		ret = snp_split_unit(span, gpn, va, res);
		if (!ret)
			ret = op(gpn, va, false, arg, res);
	}
	if (ret > 0) {
		res->status = SNP_RET_FAIL_SIZEMISMATCH;
		ret = -EIO;
	}
	return ret;
}

/*
 * Walk @span in order: whole aligned 2 MiB units at 2 MiB, falling back to
 * 4 KiB for a unit that answers SIZEMISMATCH; the edges at 4 KiB.
 */
static int snp_walk(const struct cvm_span *span, snp_op_fn op, u64 arg,
		    bool may_split, struct cvm_plat_result *res)
{
	u64 i = 0, end;
	int ret;

	while (i < span->npages) {
		u64 gpn = span->gpn + i;
		void *va = span->kva + i * PAGE_SIZE;

		if (cvm_plat_stopped(res))
			return -EINTR;
		cond_resched();
		if (IS_ALIGNED(gpn, UNIT_PAGES) && span->npages - i >= UNIT_PAGES &&
		    IS_ALIGNED((unsigned long)va, SZ_2M)) {
			ret = op(gpn, va, true, arg, res);
			if (!ret) {
				res->pages[CVM_PSIZE_2M] += UNIT_PAGES;
				i += UNIT_PAGES;
				res->done = i;
				continue;
			}
			if (ret < 0) {
				res->fail_pages = UNIT_PAGES;
				return ret;
			}
			res->fallbacks++;
			end = i + UNIT_PAGES;
		} else {
			end = min(span->npages, ALIGN(gpn + 1, UNIT_PAGES) - span->gpn);
		}
		for (; i < end; i++, res->done = i) {
			ret = snp_small(span, op, span->gpn + i, span->kva + i * PAGE_SIZE,
					arg, may_split, res);
			if (ret)
				return ret;
			res->pages[CVM_PSIZE_4K]++;
		}
	}
	return 0;
}

static int snp_accept(const struct cvm_span *span, u32 grant, struct cvm_plat_result *res)
{
	return snp_walk(span, snp_pvalidate, true, false, res);
}

static int snp_unaccept(const struct cvm_span *span, struct cvm_plat_result *res)
{
	return snp_walk(span, snp_pvalidate, false, true, res);
}

static int snp_set_rights(const struct cvm_span *span, u8 vtl, u32 rights,
			  struct cvm_plat_result *res)
{
	u64 attrs = SNP_VMPL_OF_VTL(vtl) | snp_rmp_rights(rights);

	return snp_walk(span, snp_rmpadjust, attrs, true, res);
}

const struct cvm_platform_ops cvm_platform_snp = {
	.isolation = CVM_VTLMEM_ISOLATION_SNP,
	.zeroes_on_accept = false,
	.revokes_before_unaccept = true,
	.revalidates_units = true,
	.page_sizes = SZ_4K | SZ_2M,
	.accept = snp_accept,
	.unaccept = snp_unaccept,
	.set_rights = snp_set_rights,
	.set_visibility = cvm_platform_hv_visibility,
};
