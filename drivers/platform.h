/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Platform operations: one table per isolation type turns "accept these
 * pages", "give VTL0 these rights", "make these pages host-visible" into
 * the hypercalls and instructions that platform needs, large pages first.
 */
#ifndef CVM_VTLMEM_PLATFORM_H
#define CVM_VTLMEM_PLATFORM_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/cvm_vtlmem.h>

struct cvm_gpn_list;

/**
 * struct cvm_span - a contiguous run of pages and its kernel mapping
 * @gpn: first guest page number
 * @npages: number of 4 KiB pages
 * @kva: kernel address of @gpn (write-back, private); SNP instructions take
 *	virtual addresses
 * @rights: if set, the lower-VTL rights recorded for a page (VTL0 in bits
 *	0-3, VTL1 in bits 4-7); SNP re-applies them to the pages of a 2 MiB
 *	unit it has to split, whose re-validation drops them
 * @owner: argument of @rights
 * @own_gpn: first page of what @kva's mapping covers and the operation
 *	owns (its range, whose units it claimed); with @own_npages 0, the
 *	span itself. A 2 MiB unit is split only inside it.
 * @own_npages: pages from @own_gpn
 */
struct cvm_span {
	u64 gpn;
	u64 npages;
	void *kva;
	u32 (*rights)(void *owner, u64 gpn);
	void *owner;
	u64 own_gpn;
	u64 own_npages;
};

/* Page sizes, as indexes into cvm_plat_result.pages. */
enum cvm_psize { CVM_PSIZE_4K, CVM_PSIZE_2M, CVM_PSIZE_1G, CVM_PSIZE_NR };

/**
 * struct cvm_plat_result - what a platform operation achieved
 * @done: pages completed, in order from the start of the request; on
 *	failure the page at @done failed
 * @status: the platform's status for that page (HV_STATUS_*, PVALIDATE or
 *	RMPADJUST code, TDX completion code), 0 if none
 * @calls: hypercalls and instructions issued
 * @pages: pages completed per page size (in 4 KiB pages)
 * @fallbacks: large units retried at a smaller size
 * @fail_pages: on failure, the pages from @done that the failing call or
 *	instruction covered, whose state the platform left unknown (0: one;
 *	SNP: a whole 2 MiB unit)
 * @lost_gpn: with @lost_pages, the first page a failed re-validation left
 *	in an unknown state (SNP unit split); it may lie outside the span
 * @lost_pages: pages from @lost_gpn that re-validation did not reach: the
 *	first is in an unknown state, the rest are not validated. The caller
 *	records them (cvm_range_mark_lost()).
 * @granted: with cvm_platform_ops.grants_with_accept, the pages from the
 *	start that also got the grant (at most @done; the rest of @done are
 *	accepted with no lower-VTL rights)
 * @already: an accept failed with -EPROTO because the page at @done was
 *	already accepted, as the isolation hardware itself (not the host)
 *	reports it: TDX's TDX_PAGE_ALREADY_ACCEPTED
 * @stop: in: if set and it reads true, the operation stops before its next
 *	call or instruction with -EINTR, progress exact
 */
struct cvm_plat_result {
	u64 done;
	u64 status;
	u64 calls;
	u64 pages[CVM_PSIZE_NR];
	u64 fallbacks;
	u64 fail_pages;
	u64 lost_gpn;
	u64 lost_pages;
	u64 granted;
	bool already;
	const bool *stop;
};

static inline bool cvm_plat_stopped(const struct cvm_plat_result *res)
{
	return res->stop && READ_ONCE(*res->stop);
}

/**
 * struct cvm_platform_ops - what one isolation type does
 * @isolation: the isolation type
 * @zeroes_on_accept: accepted pages read as zero without our help
 * @page_sizes: bit mask of the sizes it accepts at (SZ_4K | ...)
 * @sizes_refused: if set, the sizes the platform has refused so far (TDX: a
 *	1 GiB accept), which cvm_platform_page_sizes() leaves out
 * @keeps_acceptance: unaccept is a no-op (the host takes pages away by
 *	converting them, or, on VBS, a page is shared while still accepted),
 *	so a page the host refused to convert is still accepted and private
 * @rights_by_list: rights are a GPN-list hypercall (cvm_platform_hv_rights_list()
 *	covers scattered pages in one call) rather than per-page instructions
 * @one_mask: lower-VTL rights are one protection mask, VTL2's, that binds
 *	VTL0 and VTL1 alike (HvCallModifyVtlProtectionMask: non-isolated and
 *	VBS); @set_rights takes VTL0 and sets both
 * @grants_with_accept: @accept gives VTL0 its rights itself (VBS: with the
 *	accept hypercall; TDX: ATTR.WR paired with each accept, at its level);
 *	elsewhere the caller zeroes, then grants with @set_rights
 * @zeroes_before_share: the host reads a shared page's old contents in
 *	plaintext (VBS): zero it before it goes shared
 * @revokes_before_unaccept: every lower VTL's rights must go before
 *	acceptance is given up, since re-validation does not reset them (SNP)
 * @shares_accepted_only: only an accepted page may be made shared (VBS:
 *	"we need to accept the pages first before we move them to shared")
 * @shared_keeps_rights: a shared page keeps its acceptance and the lower
 *	VTLs' rights (VBS); elsewhere it has neither
 * @revalidates_units: changing part of a 2 MiB unit accepted at 2 MiB
 *	re-validates the whole unit at 4 KiB, leaving its other pages
 *	unusable meanwhile (SNP): faults on the unit must wait
 * @accept: accept @span (every page unaccepted and private) for VTL0; with
 *	@grants_with_accept, VTL0 gets @grant (HV_MAP_GPA_* rights) with it
 * @unaccept: give up acceptance of @span (before it goes host-visible)
 * @set_rights: set the rights lower VTL @vtl has on the accepted @span
 * @set_visibility: change host visibility; NULL where the platform has no
 *	such concept
 *
 * Each returns 0 or a negative errno, with @res saying exactly how far it
 * got: -EIO for a refusal, -EPROTO for a hypervisor that contradicted
 * itself or the paravisor's records, -ETIMEDOUT for one that made no
 * progress, -EOPNOTSUPP for what the platform cannot do. May sleep.
 */
struct cvm_platform_ops {
	enum cvm_vtlmem_isolation isolation;
	bool zeroes_on_accept;
	u32 page_sizes;
	const u32 *sizes_refused;
	bool keeps_acceptance;
	bool rights_by_list;
	bool one_mask;
	bool grants_with_accept;
	bool zeroes_before_share;
	bool revokes_before_unaccept;
	bool shares_accepted_only;
	bool shared_keeps_rights;
	bool revalidates_units;
	int (*accept)(const struct cvm_span *span, u32 grant, struct cvm_plat_result *res);
	int (*unaccept)(const struct cvm_span *span, struct cvm_plat_result *res);
	int (*set_rights)(const struct cvm_span *span, u8 vtl, u32 rights,
			  struct cvm_plat_result *res);
	int (*set_visibility)(const struct cvm_gpn_list *list, bool shared,
			      struct cvm_plat_result *res);
};

extern const struct cvm_platform_ops cvm_platform_none;
extern const struct cvm_platform_ops cvm_platform_vbs;
extern const struct cvm_platform_ops cvm_platform_snp;
extern const struct cvm_platform_ops cvm_platform_tdx;

struct cvm_hv_result;

const struct cvm_platform_ops *cvm_platform(void);
u32 cvm_platform_page_sizes(void);
void cvm_plat_result_add(struct cvm_plat_result *sum, const struct cvm_plat_result *res);
void cvm_plat_result_take_hv(struct cvm_plat_result *res, const struct cvm_hv_result *hv);
int cvm_platform_hv_visibility(const struct cvm_gpn_list *list, bool shared,
			       struct cvm_plat_result *res);
int cvm_platform_hv_rights(const struct cvm_span *span, u8 vtl, u32 rights,
			   struct cvm_plat_result *res);
int cvm_platform_hv_rights_list(const struct cvm_gpn_list *list, u8 vtl, u32 rights,
				struct cvm_plat_result *res);
int cvm_platform_no_unaccept(const struct cvm_span *span, struct cvm_plat_result *res);

#endif /* CVM_VTLMEM_PLATFORM_H */
