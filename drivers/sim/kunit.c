// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the hypercall layer and the platform operations against
 * the simulated hypervisor, for the parts no ioctl reaches directly: the
 * encoding and batching, continuation, lying hosts, large-page fallbacks;
 * and of the simulated hypervisor's own rules, each shown by a deliberately
 * wrong call issued straight through the transport (the rules and their
 * sources are listed at the top of hypercalls.c and instructions.c).
 * Built only with the simulator (CVM_VTLMEM_SIM=y) on a kernel with KUnit
 * (the rig's debug kernel); the suites run when the module loads, for the
 * isolation it was loaded with.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "backend.h"
#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"
#include "sim.h"
#include "transport.h"

struct hv_test {
	u64 gpn;	/* first page of the simulated RAM */
	u64 npages;
	void *kva;
	bool accept_1g;	/* sim/tdx_accept_1g before the test */
	void *alias;	/* a second mapping the test made, or NULL */
};

static int hv_test_init(struct kunit *test)
{
	struct hv_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u64 gpa, len;

	KUNIT_ASSERT_NOT_NULL(test, t);
	if (cvm.backend->id != CVM_VTLMEM_BACKEND_SIM || !cvm_sim_ram(&gpa, &len))
		kunit_skip(test, "needs the simulated hypervisor with sim_ram=");
	t->gpn = gpa >> PAGE_SHIFT;
	t->npages = len >> PAGE_SHIFT;
	t->kva = memremap(gpa, len, MEMREMAP_WB);
	KUNIT_ASSERT_NOT_NULL(test, t->kva);
	cvm_sim_reset();
	t->accept_1g = cvm_sim_tdx_accept_1g(false);
	test->priv = t;
	return 0;
}

static void hv_test_exit(struct kunit *test)
{
	struct hv_test *t = test->priv;

	if (!t)
		return;
	cvm_sim_tdx_accept_1g(t->accept_1g);
	if (t->alias) {
		cvm_sim_decrypted_alias_remove(t->alias);
		memunmap(t->alias);
	}
	if (t->kva)
		memunmap(t->kva);
	cvm_sim_reset();
}

static u64 sim_calls(enum cvm_sim_op op)
{
	struct cvm_sim_count c;

	cvm_sim_count(op, &c);
	return c.calls;
}

static void need(struct kunit *test, enum cvm_vtlmem_isolation isolation)
{
	if (cvm.isolation != isolation)
		kunit_skip(test, "for isolation %s", cvm_isolation_name(isolation));
}

static void need_visibility(struct kunit *test)
{
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_NONE)
		kunit_skip(test, "no host visibility without isolation");
}

/* Pages that may go shared: VBS wants them accepted first. */
static void shareable(u64 gpn, u64 n)
{
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_VBS)
		cvm_sim_boot_accept(gpn << PAGE_SHIFT, n << PAGE_SHIFT);
}

/* ---- Calls straight through the transport ---- */

/*
 * One hypercall as the hypervisor sees it: @head (@head_len bytes) on this
 * CPU's input page, then, for a list call, the @n GPNs @gpn, @gpn + 1, ...
 */
static u64 raw_hc(u16 code, u32 count, const void *head, size_t head_len, u64 gpn, u32 n)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	u64 control = FIELD_PREP(HV_CTL_CODE, code) | FIELD_PREP(HV_CTL_REP_COUNT, count);
	unsigned long flags;
	u64 *gpns, ret;
	void *in;
	u32 i;

	local_irq_save(flags);
	in = tr->input_page();
	memcpy(in, head, head_len);
	gpns = in + head_len;
	for (i = 0; i < n; i++)
		gpns[i] = gpn + i;
	ret = tr->hypercall(control, in, NULL);
	local_irq_restore(flags);
	return ret;
}

static u64 raw_protect(u8 target_vtl, u32 map_flags, u64 gpn, u32 n)
{
	struct hv_modify_protection_input in = {
		.partition_id = HV_PARTITION_ID_SELF,
		.map_flags = map_flags,
		.target_vtl = target_vtl,
	};

	return raw_hc(HVCALL_MODIFY_VTL_PROTECTION_MASK, n, &in, sizeof(in), gpn, n);
}

/* HvCallAcceptGpaPages or HvCallUnacceptGpaPages (@code) of @n pages. */
static u64 raw_accept(u16 code, u32 attributes, u16 vtl1, u16 vtl2, u64 gpn, u32 n)
{
	struct hv_accept_gpa_pages_input in = {
		.partition_id = HV_PARTITION_ID_SELF,
		.attributes = attributes,
		.vtl_permission_set = { vtl1, vtl2 },
		.gpn_base = gpn,
	};

	return raw_hc(code, n, &in, sizeof(in), 0, 0);
}

static u64 raw_visibility(u32 visibility, u64 gpn, u32 n)
{
	struct hv_modify_visibility_input in = {
		.partition_id = HV_PARTITION_ID_SELF,
		.visibility = visibility,
	};

	return raw_hc(HVCALL_MODIFY_SPARSE_GPA_VISIBILITY, n, &in, sizeof(in), gpn, n);
}

/* Accept attributes, spelled out (FIELD_PREP is no constant expression). */
#define A_RAM		HV_ACCEPT_MEMORY_RAM
#define A_SHARED	(HV_VISIBILITY_SHARED << 6)
#define A_VTLS(set)	((set) << 8)
#define A_DEFAULT	0xFFFF	/* no VTL set: the partition's default mask */

/* VBS: accept @n pages at @gpn, VTL2's mask @mask or A_DEFAULT. */
static u64 vbs_accept(u64 gpn, u32 n, u32 mask)
{
	if (mask == A_DEFAULT)
		return raw_accept(HVCALL_ACCEPT_GPA_PAGES, A_RAM, 0, 0, gpn, n);
	return raw_accept(HVCALL_ACCEPT_GPA_PAGES, A_RAM | A_VTLS(BIT(2)), 0, mask, gpn, n);
}

static void expect_hv(struct kunit *test, u64 result, u16 status, u32 done, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, (u64)status, FIELD_GET(HV_RES_STATUS, result), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, (u64)done, FIELD_GET(HV_RES_REPS_DONE, result), "%s", what);
}

static bool accepted(u64 gpn)
{
	return cvm_sim_page(gpn) & SIM_PAGE_ACCEPTED;
}

static bool shared(u64 gpn)
{
	return cvm_sim_page(gpn) & SIM_PAGE_VIS_MASK;
}

static unsigned int rights(u64 gpn, unsigned int vtl)
{
	return (cvm_sim_page(gpn) >> (SIM_PAGE_VTL0_SHIFT + 4 * vtl)) & HV_MAP_GPA_ALL;
}

/* The size a page was accepted at, as sim/state's field has it. */
enum { SIZE_4K, SIZE_2M, SIZE_1G };

static unsigned int accept_level(u64 gpn)
{
	return FIELD_GET(SIM_PAGE_SIZE_MASK, cvm_sim_page(gpn));
}

/* VTL0's and VTL1's rights on @gpn are both @r. */
static void expect_rights(struct kunit *test, u64 gpn, unsigned int r)
{
	KUNIT_EXPECT_EQ_MSG(test, r, rights(gpn, 0), "VTL0 on page %#llx", gpn);
	KUNIT_EXPECT_EQ_MSG(test, r, rights(gpn, 1), "VTL1 on page %#llx", gpn);
}

/* ---- The hypercall layer ---- */

/* N pages in a list call: ceil(N / 510) calls, every page changed. */
static void visibility_batches_510(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn + 3, .count = 1021 };
	struct cvm_hv_result res;
	u64 i;

	need_visibility(test);
	shareable(t->gpn, 1024);
	KUNIT_ASSERT_EQ(test, 0, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 1021ULL, res.done);
	KUNIT_EXPECT_EQ(test, 3ULL, res.calls);
	KUNIT_EXPECT_EQ(test, 3ULL, sim_calls(SIM_OP_HV_VISIBILITY));
	for (i = 0; i < 1021; i++)
		KUNIT_ASSERT_EQ(test, 3, (cvm_sim_page(t->gpn + 3 + i) & SIM_PAGE_VIS_MASK) >>
				SIM_PAGE_VIS_SHIFT);
	KUNIT_EXPECT_EQ(test, 0, cvm_sim_page(t->gpn + 2) & SIM_PAGE_VIS_MASK);
	KUNIT_EXPECT_EQ(test, 0, cvm_sim_page(t->gpn + 3 + 1021) & SIM_PAGE_VIS_MASK);
}

/* A sparse, unsorted list reaches exactly the pages named. */
static void visibility_sparse_list(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpns[] = { t->gpn + 900, t->gpn + 7, t->gpn + 513, t->gpn + 8 };
	struct cvm_gpn_list list = { .gpns = gpns, .count = ARRAY_SIZE(gpns) };
	struct cvm_hv_result res;
	u64 i, nshared = 0;

	need_visibility(test);
	shareable(t->gpn, 1024);
	KUNIT_ASSERT_EQ(test, 0, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.calls);
	for (i = 0; i < 1024; i++)
		nshared += shared(t->gpn + i);
	KUNIT_EXPECT_EQ(test, 4ULL, nshared);
}

/* Accept: 509 pages a call (as OpenHCL sends), no element list. */
static void accept_batches_509(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 5000, t->kva };
	struct cvm_plat_result res = {};
	u64 i;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, HV_MAP_GPA_ALL, &res));
	KUNIT_EXPECT_EQ(test, 5000ULL, res.done);
	KUNIT_EXPECT_EQ(test, (u64)DIV_ROUND_UP(5000, HV_ACCEPT_REP_MAX), res.calls);
	KUNIT_EXPECT_EQ(test, (u64)DIV_ROUND_UP(5000, HV_ACCEPT_REP_MAX),
			sim_calls(SIM_OP_HV_ACCEPT));
	for (i = 0; i < 5001; i++)
		KUNIT_ASSERT_EQ(test, i < 5000, accepted(t->gpn + i));
}

/* TIME_OUT after every 100 reps: continued to the end, one call per 100. */
static void timeout_continues(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn, .count = 1000 };
	struct cvm_hv_result res;

	need_visibility(test);
	shareable(t->gpn, 1000);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject("timeout reps=100"));
	KUNIT_ASSERT_EQ(test, 0, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 1000ULL, res.done);
	/* 510 reps: 6 calls; 490 reps: 5 calls. */
	KUNIT_EXPECT_EQ(test, 11ULL, res.calls);
	KUNIT_EXPECT_TRUE(test, shared(t->gpn + 999));
}

/* A refusal stops at the element that failed, with its status. */
static void failure_reports_element_and_status(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn, .count = 800 };
	struct cvm_hv_result res;
	char cmd[64];
	u64 i;

	need_visibility(test);
	shareable(t->gpn, 800);
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=6", t->gpn + 700);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(cmd));
	KUNIT_EXPECT_EQ(test, -EIO, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 700ULL, res.done);
	KUNIT_EXPECT_EQ(test, HV_STATUS_ACCESS_DENIED, res.status);
	for (i = 0; i < 800; i++)
		KUNIT_ASSERT_EQ(test, i < 700, shared(t->gpn + i));
}

static void expect_lie(struct kunit *test, const char *lie, bool with_timeout)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn, .count = 300 };
	struct cvm_hv_result res;

	need_visibility(test);
	cvm_sim_reset();
	shareable(t->gpn, 300);
	if (with_timeout)
		KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject("timeout reps=50"));
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(lie));
	KUNIT_EXPECT_EQ_MSG(test, -EPROTO,
			    cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res),
			    "%s was believed", lie);
	KUNIT_EXPECT_LT(test, res.done, 300ULL);
}

/* Contradictions are -EPROTO, never success. */
static void lying_host_detected(struct kunit *test)
{
	expect_lie(test, "lie noprogress", false);
	expect_lie(test, "lie overcount", false);
	expect_lie(test, "lie backwards", true);
}

/* ---- Rule 1: HvCallModifyVtlProtectionMask ---- */

/* The call exists without isolation and on VBS, which wants pages accepted. */
static void need_protect(struct kunit *test, u64 gpn, u32 n)
{
	if (cvm.isolation != CVM_VTLMEM_ISOLATION_NONE &&
	    cvm.isolation != CVM_VTLMEM_ISOLATION_VBS)
		kunit_skip(test, "HvCallModifyVtlProtectionMask: no isolation or VBS");
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_VBS)
		expect_hv(test, vbs_accept(gpn, n, A_DEFAULT), HV_STATUS_SUCCESS, n, "accept");
}

#define VTL_TARGET(vtl)	(HV_INPUT_VTL_USE_TARGET | (vtl))

/*
 * The HvInputVtl byte and the map flags: only VTL2's own mask, named as
 * the current VTL or as target VTL2, with R/W/KX/UX flags.
 */
static void protect_input_rejected(struct kunit *test)
{
	static const struct {
		u8 vtl;
		u32 flags;
		u16 status;
		const char *what;
	} bad[] = {
		{ VTL_TARGET(2) | BIT(5), HV_MAP_GPA_READ, HV_STATUS_INVALID_PARAMETER,
		  "reserved bit 5" },
		{ HV_INPUT_VTL_CURRENT | BIT(7), HV_MAP_GPA_READ, HV_STATUS_INVALID_PARAMETER,
		  "reserved bit 7" },
		{ VTL_TARGET(0), HV_MAP_GPA_READ, HV_STATUS_INVALID_PARAMETER,
		  "target VTL0 has no mask" },
		{ VTL_TARGET(1), HV_MAP_GPA_READ, HV_STATUS_ACCESS_DENIED,
		  "VTL1's own mask (unverified)" },
		{ VTL_TARGET(3), HV_MAP_GPA_READ, HV_STATUS_ACCESS_DENIED,
		  "target above the caller" },
		{ VTL_TARGET(15), HV_MAP_GPA_READ, HV_STATUS_ACCESS_DENIED,
		  "target VTL15" },
		{ HV_INPUT_VTL_CURRENT, 0x10, HV_STATUS_INVALID_PARAMETER,
		  "map flag beyond R/W/KX/UX" },
		{ VTL_TARGET(2), BIT(15), HV_STATUS_INVALID_PARAMETER,
		  "map flag 'adjustable'" },
	};
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 5;
	unsigned int i;

	need_protect(test, gpn, 2);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_hv(test, raw_protect(bad[i].vtl, bad[i].flags, gpn, 2), bad[i].status, 0,
			  bad[i].what);
		expect_rights(test, gpn, HV_MAP_GPA_ALL);
		expect_rights(test, gpn + 1, HV_MAP_GPA_ALL);
	}
}

/* VBS: a page must be accepted and private to be protected. */
static void protect_vbs_needs_accepted_private(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 10;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, 0, gpn, 1),
		  HV_STATUS_OPERATION_DENIED, 0, "unaccepted");
	/* Two accepted pages, then an unaccepted one: stops at the third. */
	expect_hv(test, vbs_accept(gpn + 1, 2, A_DEFAULT), HV_STATUS_SUCCESS, 2, "accept");
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, HV_MAP_GPA_READ, gpn + 1, 3),
		  HV_STATUS_OPERATION_DENIED, 2, "third unaccepted");
	expect_rights(test, gpn + 1, HV_MAP_GPA_READ);
	expect_rights(test, gpn + 2, HV_MAP_GPA_READ);
	/* Accepted, then host-visible. */
	expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn + 1, 1), HV_STATUS_SUCCESS, 1,
		  "share");
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, 0, gpn + 1, 1),
		  HV_STATUS_OPERATION_DENIED, 0, "host-visible");
	expect_rights(test, gpn + 1, HV_MAP_GPA_READ);
}

/* VTL2's mask, by either name, restricts VTL0 and VTL1 alike. */
static void protect_vtl2_mask_accepted(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 20;

	need_protect(test, gpn, 4);
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, HV_MAP_GPA_READ, gpn, 4),
		  HV_STATUS_SUCCESS, 4, "current VTL");
	expect_rights(test, gpn, HV_MAP_GPA_READ);
	expect_rights(test, gpn + 3, HV_MAP_GPA_READ);
	expect_hv(test, raw_protect(VTL_TARGET(2), HV_MAP_GPA_READ | HV_MAP_GPA_WRITE, gpn + 1, 2),
		  HV_STATUS_SUCCESS, 2, "target VTL2");
	expect_rights(test, gpn, HV_MAP_GPA_READ);
	expect_rights(test, gpn + 1, HV_MAP_GPA_READ | HV_MAP_GPA_WRITE);
	expect_rights(test, gpn + 2, HV_MAP_GPA_READ | HV_MAP_GPA_WRITE);
	expect_rights(test, gpn + 3, HV_MAP_GPA_READ);
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, 0, gpn, 1), HV_STATUS_SUCCESS, 1,
		  "no rights");
	expect_rights(test, gpn, 0);
	/* A page outside the call keeps the default mask (or none, unaccepted). */
	expect_rights(test, gpn + 4, cvm.isolation == CVM_VTLMEM_ISOLATION_NONE ?
			  HV_MAP_GPA_ALL : 0);
}

/* ---- Rule 2: HvCallAcceptGpaPages ---- */

/* An accept or unaccept input the simulator must refuse, and how. */
struct accept_case {
	u32 attributes;
	u16 vtl1;
	u16 vtl2;
	u32 count;
	u16 status;
	const char *what;
};

static void accept_input_rejected(struct kunit *test)
{
	static const struct accept_case bad[] = {
		{ A_RAM | BIT(11), 0, 0, 1, HV_STATUS_INVALID_PARAMETER, "reserved bit 11" },
		{ A_RAM | BIT(31), 0, 0, 1, HV_STATUS_INVALID_PARAMETER, "reserved bit 31" },
		{ 0, 0, 0, 1, HV_STATUS_INVALID_PARAMETER, "memory type ANY" },
		{ 2, 0, 0, 1, HV_STATUS_INVALID_PARAMETER, "memory type 2" },
		{ A_RAM | A_SHARED, 0, 0, 1, HV_STATUS_INVALID_PARAMETER, "host-visible" },
		{ A_RAM | A_VTLS(BIT(0)), 0, 0, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL0 in the set" },
		{ A_RAM | A_VTLS(BIT(1)), HV_MAP_GPA_ALL, 0, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL1 in the set (unverified)" },
		{ A_RAM | A_VTLS(BIT(2)), 0, 0x10, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL2 mask beyond R/W/KX/UX" },
		{ A_RAM | A_VTLS(BIT(2)), HV_MAP_GPA_READ, 0, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL1 permission, VTL1 not in the set" },
		{ A_RAM, 0, HV_MAP_GPA_READ, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL2 permission, empty set" },
		{ A_RAM, HV_MAP_GPA_READ, 0, 1, HV_STATUS_INVALID_PARAMETER,
		  "VTL1 permission, empty set" },
		{ A_RAM, 0, 0, HV_ACCEPT_REP_MAX + 1, HV_STATUS_INVALID_HYPERCALL_INPUT,
		  "510 pages" },
		{ A_RAM, 0, 0, HV_REP_MAX, HV_STATUS_INVALID_HYPERCALL_INPUT, "4095 pages" },
	};
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn;
	unsigned int i;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_hv(test, raw_accept(HVCALL_ACCEPT_GPA_PAGES, bad[i].attributes, bad[i].vtl1,
					   bad[i].vtl2, gpn, bad[i].count),
			  bad[i].status, 0, bad[i].what);
		KUNIT_EXPECT_FALSE_MSG(test, accepted(gpn), "%s", bad[i].what);
		KUNIT_EXPECT_FALSE_MSG(test, accepted(gpn + bad[i].count - 1), "%s", bad[i].what);
	}
	/* Already accepted; host-visible: the second page of the call. */
	expect_hv(test, vbs_accept(gpn + 1, 1, A_DEFAULT), HV_STATUS_SUCCESS, 1, "accept");
	expect_hv(test, vbs_accept(gpn, 3, A_DEFAULT), HV_STATUS_OPERATION_DENIED, 1,
		  "already accepted");
	expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn + 1, 1), HV_STATUS_SUCCESS, 1,
		  "share");
	expect_hv(test, vbs_accept(gpn + 1, 1, A_DEFAULT), HV_STATUS_OPERATION_DENIED, 0,
		  "host-visible");
}

/* Default mask (empty set) or VTL2's, 509 pages a call, zeroed. */
static void accept_sets_vtl2_mask(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u8 *last = t->kva + (HV_ACCEPT_REP_MAX - 1) * PAGE_SIZE;
	u64 gpn = t->gpn;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	memset(t->kva, 0x5A, PAGE_SIZE);
	memset(last, 0x5A, PAGE_SIZE);
	expect_hv(test, vbs_accept(gpn, HV_ACCEPT_REP_MAX, A_DEFAULT), HV_STATUS_SUCCESS,
		  HV_ACCEPT_REP_MAX, "509 pages, default mask");
	KUNIT_EXPECT_TRUE(test, accepted(gpn + HV_ACCEPT_REP_MAX - 1));
	KUNIT_EXPECT_FALSE(test, accepted(gpn + HV_ACCEPT_REP_MAX));
	expect_rights(test, gpn, HV_MAP_GPA_ALL);
	expect_rights(test, gpn + HV_ACCEPT_REP_MAX - 1, HV_MAP_GPA_ALL);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(t->kva, 0, PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(last, 0, PAGE_SIZE));

	gpn += 600;
	expect_hv(test, vbs_accept(gpn, 2, HV_MAP_GPA_READ | HV_MAP_GPA_WRITE), HV_STATUS_SUCCESS,
		  2, "VTL2 mask RW");
	expect_rights(test, gpn, HV_MAP_GPA_READ | HV_MAP_GPA_WRITE);
	expect_rights(test, gpn + 1, HV_MAP_GPA_READ | HV_MAP_GPA_WRITE);
	expect_hv(test, vbs_accept(gpn + 2, 1, 0), HV_STATUS_SUCCESS, 1, "VTL2 mask none");
	expect_rights(test, gpn + 2, 0);
	KUNIT_EXPECT_TRUE(test, accepted(gpn + 2));
}

/* ---- Rule 3: HvCallUnacceptGpaPages ---- */

/* The accept attributes word (memory type RAM: bit 0, "VTL0") is refused. */
static void unaccept_old_encoding_rejected(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 40;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	expect_hv(test, vbs_accept(gpn, 1, A_DEFAULT), HV_STATUS_SUCCESS, 1, "accept");
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES,
				   FIELD_PREP(HV_ACCEPT_MEMORY_TYPE, HV_ACCEPT_MEMORY_RAM) |
				   FIELD_PREP(HV_ACCEPT_VISIBILITY, HV_VISIBILITY_PRIVATE),
				   0, 0, gpn, 1),
		  HV_STATUS_INVALID_PARAMETER, 0, "accept attributes");
	KUNIT_EXPECT_TRUE(test, accepted(gpn));
	expect_rights(test, gpn, HV_MAP_GPA_ALL);
}

static void unaccept_input_rejected(struct kunit *test)
{
	static const struct accept_case bad[] = {
		{ BIT(3) | BIT(2), 0, 5, 4, HV_STATUS_INVALID_PARAMETER, "reserved bit 3" },
		{ BIT(31), 0, 0, 4, HV_STATUS_INVALID_PARAMETER, "reserved bit 31" },
		{ BIT(0), 0, 0, 4, HV_STATUS_INVALID_PARAMETER, "VTL0 in the set" },
		{ BIT(2), 0, 0x15, 4, HV_STATUS_INVALID_PARAMETER, "mask beyond R/W/KX/UX" },
		{ 0, 0, 5, 4, HV_STATUS_INVALID_PARAMETER, "VTL2 permission, empty set" },
		{ BIT(2), 0, HV_MAP_GPA_ALL, 4, HV_STATUS_ACCESS_DENIED, "VTL2 mask differs" },
		{ BIT(1), 5, 0, 4, HV_STATUS_ACCESS_DENIED, "VTL1 mask (all) differs" },
		{ BIT(2), 0, 5, HV_ACCEPT_REP_MAX + 1, HV_STATUS_INVALID_HYPERCALL_INPUT,
		  "510 pages" },
	};
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 50;
	unsigned int i;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	expect_hv(test, vbs_accept(gpn, 4, 5), HV_STATUS_SUCCESS, 4, "accept");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, bad[i].attributes,
					   bad[i].vtl1, bad[i].vtl2, gpn, bad[i].count),
			  bad[i].status, 0, bad[i].what);
		KUNIT_EXPECT_TRUE_MSG(test, accepted(gpn), "%s", bad[i].what);
		KUNIT_EXPECT_TRUE_MSG(test, accepted(gpn + 3), "%s", bad[i].what);
	}
	expect_rights(test, gpn, 5);
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, 0, 0, 0, gpn + 4, 1),
		  HV_STATUS_OPERATION_DENIED, 0, "unaccepted page");
}

/* The masks named are checked page by page; the pages end unaccepted. */
static void unaccept_checks_masks(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 60;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	expect_hv(test, vbs_accept(gpn, 8, 5), HV_STATUS_SUCCESS, 8, "accept");
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, BIT(2), 0, 5, gpn, 2),
		  HV_STATUS_SUCCESS, 2, "VTL2 mask");
	KUNIT_EXPECT_FALSE(test, accepted(gpn));
	KUNIT_EXPECT_FALSE(test, accepted(gpn + 1));
	expect_rights(test, gpn, 0);
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, BIT(1) | BIT(2), HV_MAP_GPA_ALL, 5,
				   gpn + 2, 1),
		  HV_STATUS_SUCCESS, 1, "VTL1 and VTL2 masks");
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, 0, 0, 0, gpn + 3, 1),
		  HV_STATUS_SUCCESS, 1, "nothing checked");
	/* The third of four pages has another mask: stops there. */
	expect_hv(test, raw_protect(HV_INPUT_VTL_CURRENT, HV_MAP_GPA_READ, gpn + 6, 1),
		  HV_STATUS_SUCCESS, 1, "protect");
	expect_hv(test, raw_accept(HVCALL_UNACCEPT_GPA_PAGES, BIT(2), 0, 5, gpn + 4, 4),
		  HV_STATUS_ACCESS_DENIED, 2, "third mask differs");
	KUNIT_EXPECT_FALSE(test, accepted(gpn + 5));
	KUNIT_EXPECT_TRUE(test, accepted(gpn + 6));
	KUNIT_EXPECT_TRUE(test, accepted(gpn + 7));
}

/* ---- Rule 4: HvCallModifySparseGpaPageHostVisibility ---- */

static u8 pattern(unsigned int i)
{
	return i * 13 + 7;
}

/*
 * Private contents going shared: VBS has no memory encryption, the host
 * reads them as they were; on SNP and TDX it sees ciphertext.
 */
static void visibility_shared_contents(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 70, gpa = gpn << PAGE_SHIFT;
	u8 *va = t->kva + 70 * PAGE_SIZE, key;
	bool vbs = cvm.isolation == CVM_VTLMEM_ISOLATION_VBS;
	unsigned int i, wrong = 0;
	bool no_update;

	need_visibility(test);
	switch (cvm.isolation) {
	case CVM_VTLMEM_ISOLATION_VBS:
		expect_hv(test, vbs_accept(gpn, 1, A_DEFAULT), HV_STATUS_SUCCESS, 1, "accept");
		break;
	case CVM_VTLMEM_ISOLATION_SNP:
		KUNIT_ASSERT_EQ(test, SNP_RET_SUCCESS,
				tr->pvalidate(gpa, va, false, true, &no_update));
		break;
	default:
		KUNIT_ASSERT_EQ(test, TDX_STATUS_SUCCESS,
				tr->tdcall(TDG_MEM_PAGE_ACCEPT, gpa | TDX_LEVEL_4K, 0, 0));
		break;
	}
	for (i = 0; i < PAGE_SIZE; i++)
		va[i] = pattern(i);
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_SNP) {
		/* Validated: the host may not have it yet. */
		expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn, 1),
			  HV_STATUS_ACCESS_DENIED, 0, "validated");
		KUNIT_ASSERT_EQ(test, SNP_RET_SUCCESS,
				tr->pvalidate(gpa, va, false, false, &no_update));
	}
	expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn, 1), HV_STATUS_SUCCESS, 1,
		  "share");
	KUNIT_EXPECT_TRUE(test, shared(gpn));
	KUNIT_EXPECT_EQ(test, vbs, accepted(gpn));
	if (vbs)
		expect_rights(test, gpn, HV_MAP_GPA_ALL);
	key = vbs ? 0 : SIM_CIPHER_BYTE;
	for (i = 0; i < PAGE_SIZE; i++)
		wrong += va[i] != (u8)(pattern(i) ^ key);
	KUNIT_EXPECT_EQ_MSG(test, 0U, wrong, "%s: byte 0 reads %#x, written %#x",
			    cvm_isolation_name(cvm.isolation), va[0], pattern(0));
}

/* VBS: only an accepted page goes shared. */
static void visibility_vbs_needs_accepted(struct kunit *test)
{
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 80;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn, 1),
		  HV_STATUS_OPERATION_DENIED, 0, "unaccepted");
	KUNIT_EXPECT_FALSE(test, shared(gpn));
	expect_hv(test, vbs_accept(gpn + 1, 2, A_DEFAULT), HV_STATUS_SUCCESS, 2, "accept");
	expect_hv(test, raw_visibility(HV_VISIBILITY_SHARED, gpn + 1, 3),
		  HV_STATUS_OPERATION_DENIED, 2, "third unaccepted");
	KUNIT_EXPECT_TRUE(test, shared(gpn + 2));
	KUNIT_EXPECT_FALSE(test, shared(gpn + 3));
	/* Back to private: unaccepted, to be accepted (and zeroed) again. */
	expect_hv(test, raw_visibility(HV_VISIBILITY_PRIVATE, gpn + 1, 1), HV_STATUS_SUCCESS, 1,
		  "unshare");
	KUNIT_EXPECT_FALSE(test, accepted(gpn + 1));
	KUNIT_EXPECT_FALSE(test, shared(gpn + 1));
}

/* ---- Rule 5: PVALIDATE and RMPADJUST ---- */

#define RMP_VTL0_READ	(SNP_VMPL_OF_VTL(0) | SNP_RMPADJUST_READ)

/* Through a decrypted alias: FAIL_INPUT; through the encrypted one: done. */
static void snp_decrypted_alias_rejected(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 gpn = t->gpn + 90, gpa = gpn << PAGE_SHIFT;
	void *va = t->kva + 90 * PAGE_SIZE, *alias;
	bool no_update = false;

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	alias = memremap(gpa, PAGE_SIZE, MEMREMAP_WB);
	KUNIT_ASSERT_NOT_NULL(test, alias);
	t->alias = alias;
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_decrypted_alias(alias, PAGE_SIZE));

	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_INPUT,
			tr->pvalidate(gpa, alias, false, true, &no_update));
	KUNIT_EXPECT_FALSE(test, accepted(gpn));
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->pvalidate(gpa, va, false, true, &no_update));
	KUNIT_EXPECT_FALSE(test, no_update);
	KUNIT_EXPECT_TRUE(test, accepted(gpn));
	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_INPUT, tr->rmpadjust(gpa, alias, false, RMP_VTL0_READ));
	KUNIT_EXPECT_EQ(test, 0U, rights(gpn, 0));
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->rmpadjust(gpa, va, false, RMP_VTL0_READ));
	KUNIT_EXPECT_EQ(test, (unsigned int)HV_MAP_GPA_READ, rights(gpn, 0));
	/* The same mapping, once no longer declared decrypted, is fine. */
	cvm_sim_decrypted_alias_remove(alias);
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->pvalidate(gpa, alias, false, false, &no_update));
	KUNIT_EXPECT_FALSE(test, accepted(gpn));
}

/* A 2 MiB operation through a VA 4 KiB past a 2 MiB boundary: FAIL_INPUT. */
static void snp_2m_misaligned_va_rejected(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 unit = ALIGN(t->gpn + 1, 512), gpa = unit << PAGE_SHIFT;
	u64 unit2 = unit + 512, gpa2 = unit2 << PAGE_SHIFT;
	void *va2 = t->kva + (unit2 - t->gpn) * PAGE_SIZE;
	bool no_update = false;
	u8 *alias, *va;

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	if (unit2 + 512 > t->gpn + t->npages)
		kunit_skip(test, "needs two 2 MiB units of simulated RAM");
	/* A mapping from one page below the unit: the unit sits 4 KiB in. */
	alias = memremap(gpa - PAGE_SIZE, SZ_2M + PAGE_SIZE, MEMREMAP_WB);
	KUNIT_ASSERT_NOT_NULL(test, alias);
	t->alias = alias;
	va = alias + PAGE_SIZE;
	if (IS_ALIGNED((unsigned long)va, SZ_2M))
		kunit_skip(test, "the alias came out 2 MiB-aligned");

	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_INPUT, tr->pvalidate(gpa, va, true, true, &no_update));
	KUNIT_EXPECT_FALSE(test, accepted(unit));
	/* The VA does map the GPA: at 4 KiB it works. */
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->pvalidate(gpa, va, false, true, &no_update));
	KUNIT_EXPECT_TRUE(test, accepted(unit));
	/* Alignment is checked first: not the SIZEMISMATCH of a 4K entry. */
	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_INPUT, tr->rmpadjust(gpa, va, true, RMP_VTL0_READ));

	if (!IS_ALIGNED((unsigned long)va2, SZ_2M))
		kunit_skip(test, "the simulated RAM's mapping is not 2 MiB-aligned");
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->pvalidate(gpa2, va2, true, true, &no_update));
	KUNIT_EXPECT_EQ(test, (unsigned int)SIZE_2M, accept_level(unit2 + 511));
	KUNIT_EXPECT_EQ(test, SNP_RET_SUCCESS, tr->rmpadjust(gpa2, va2, true, RMP_VTL0_READ));
	KUNIT_EXPECT_EQ(test, (unsigned int)HV_MAP_GPA_READ, rights(unit2 + 511, 0));
}

/*
 * A 4 KiB operation inside a unit validated at 2 MiB: SIZEMISMATCH, the
 * model's stand-in for the nested page fault and host split of hardware
 * (see snp_pvalidate_fn() in instructions.c; unverified).
 */
static void snp_4k_inside_2m_sizemismatch(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 unit = ALIGN(t->gpn, 512), gpa = unit << PAGE_SHIFT;
	u8 *va = t->kva + (unit - t->gpn) * PAGE_SIZE;
	bool no_update = false;

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	if (!IS_ALIGNED((unsigned long)va, SZ_2M))
		kunit_skip(test, "the simulated RAM's mapping is not 2 MiB-aligned");
	KUNIT_ASSERT_EQ(test, SNP_RET_SUCCESS, tr->pvalidate(gpa, va, true, true, &no_update));
	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_SIZEMISMATCH,
			tr->pvalidate(gpa + 3 * PAGE_SIZE, va + 3 * PAGE_SIZE, false, false,
				      &no_update));
	KUNIT_EXPECT_EQ(test, SNP_RET_FAIL_SIZEMISMATCH,
			tr->rmpadjust(gpa + 3 * PAGE_SIZE, va + 3 * PAGE_SIZE, false,
				      RMP_VTL0_READ));
	KUNIT_EXPECT_TRUE(test, accepted(unit + 3));
	KUNIT_EXPECT_EQ(test, (unsigned int)SIZE_2M, accept_level(unit + 3));
}

/* The platform: a unit the RMP holds at 4K is validated page by page, alone. */
static void snp_sizemismatch_fallback(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 4 * 512, t->kva };
	struct cvm_plat_result res = {};
	char cmd[64];
	u64 i;

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	snprintf(cmd, sizeof(cmd), "sizemismatch gpa=%#llx",
		 (t->gpn + 2 * 512) << PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(cmd));
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.fallbacks);
	KUNIT_EXPECT_EQ(test, 3ULL * 512, res.pages[CVM_PSIZE_2M]);
	KUNIT_EXPECT_EQ(test, 512ULL, res.pages[CVM_PSIZE_4K]);
	KUNIT_EXPECT_EQ(test, 4ULL, sim_calls(SIM_OP_PVALIDATE_2M));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_PVALIDATE_4K));
	for (i = 0; i < 4 * 512; i++)
		KUNIT_ASSERT_EQ(test, i / 512 == 2 ? (unsigned int)SIZE_4K : SIZE_2M,
				accept_level(t->gpn + i));
}

/* SNP: validating a page the host remapped as already valid is an error. */
static void snp_no_update_is_error(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 1, t->kva };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	cvm_sim_boot_accept(t->gpn << PAGE_SHIFT, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, -EPROTO, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, 0ULL, res.done);
	KUNIT_EXPECT_EQ(test, (u64)SNP_RET_NO_UPDATE, res.status);
}

/* ---- Rule 6: TDG.MEM.PAGE.ACCEPT, ATTR.WR, RELEASE ---- */

static void need_tdx_gig(struct kunit *test)
{
	struct hv_test *t = test->priv;

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	if (!IS_ALIGNED(t->gpn, SZ_1G >> PAGE_SHIFT) || t->npages < (SZ_1G >> PAGE_SHIFT))
		kunit_skip(test, "needs a 1 GiB-aligned GiB of simulated RAM");
}

/* ATTR.WR of VTL0 (L2 VM 1): R and W at @level. */
static u64 tdx_attr_rw(u64 gpn, unsigned int level)
{
	u64 rdx = (u64)(TDX_L2_ATTR_R | TDX_L2_ATTR_W | TDX_L2_ATTR_VALID) <<
		  TDX_L2_VM_SHIFT(TDX_L2_VM_OF_VTL(0));
	u64 r8 = (u64)TDX_L2_ATTR_RIGHTS << TDX_L2_VM_SHIFT(TDX_L2_VM_OF_VTL(0));

	return cvm_hv_transport()->tdcall(TDG_MEM_PAGE_ATTR_WR, (gpn << PAGE_SHIFT) | level,
					  rdx, r8);
}

/*
 * 1 GiB accepts are refused unless sim/tdx_accept_1g; ATTR.WR inside a page
 * accepted at 1 GiB must name that page whole.
 */
static void tdx_accept_1g_refused_by_default(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 gpa = t->gpn << PAGE_SHIFT, last = t->gpn + (SZ_1G >> PAGE_SHIFT) - 1;

	need_tdx_gig(test);
	KUNIT_EXPECT_EQ(test, TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_1G,
			tr->tdcall(TDG_MEM_PAGE_ACCEPT, gpa | TDX_LEVEL_1G, 0, 0));
	KUNIT_EXPECT_FALSE(test, accepted(t->gpn));
	KUNIT_EXPECT_FALSE(test, accepted(last));
	cvm_sim_tdx_accept_1g(true);
	KUNIT_ASSERT_EQ(test, TDX_STATUS_SUCCESS,
			tr->tdcall(TDG_MEM_PAGE_ACCEPT, gpa | TDX_LEVEL_1G, 0, 0));
	KUNIT_EXPECT_EQ(test, (unsigned int)SIZE_1G, accept_level(last));
	KUNIT_EXPECT_EQ(test, TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_2M,
			tdx_attr_rw(t->gpn + 512, TDX_LEVEL_2M));
	KUNIT_EXPECT_EQ(test, TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_4K,
			tdx_attr_rw(t->gpn + 3, TDX_LEVEL_4K));
	KUNIT_EXPECT_EQ(test, 0U, rights(t->gpn + 3, 0));
	KUNIT_EXPECT_EQ(test, TDX_STATUS_SUCCESS, tdx_attr_rw(t->gpn, TDX_LEVEL_1G));
	KUNIT_EXPECT_EQ(test, (unsigned int)(HV_MAP_GPA_READ | HV_MAP_GPA_WRITE), rights(last, 0));
}

/* ATTR.WR at the level the pages were accepted at, both directions. */
static void tdx_attr_wr_at_accept_level(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 small = ALIGN(t->gpn, 512), big = small + 512;
	unsigned int rw = HV_MAP_GPA_READ | HV_MAP_GPA_WRITE;

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	if (big + 512 > t->gpn + t->npages)
		kunit_skip(test, "needs two 2 MiB units of simulated RAM");
	/* A unit accepted page by page: no 2 MiB page to write. */
	cvm_sim_boot_accept(small << PAGE_SHIFT, SZ_2M);
	KUNIT_EXPECT_EQ(test, TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_2M,
			tdx_attr_rw(small, TDX_LEVEL_2M));
	KUNIT_EXPECT_EQ(test, 0U, rights(small, 0));
	KUNIT_EXPECT_EQ(test, TDX_STATUS_SUCCESS, tdx_attr_rw(small + 3, TDX_LEVEL_4K));
	KUNIT_EXPECT_EQ(test, rw, rights(small + 3, 0));
	/* A unit accepted whole: no 4 KiB page inside it to write. */
	KUNIT_ASSERT_EQ(test, TDX_STATUS_SUCCESS,
			tr->tdcall(TDG_MEM_PAGE_ACCEPT, (big << PAGE_SHIFT) | TDX_LEVEL_2M, 0, 0));
	KUNIT_EXPECT_EQ(test, TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_4K,
			tdx_attr_rw(big + 5, TDX_LEVEL_4K));
	KUNIT_EXPECT_EQ(test, 0U, rights(big + 5, 0));
	KUNIT_EXPECT_EQ(test, TDX_STATUS_SUCCESS, tdx_attr_rw(big, TDX_LEVEL_2M));
	KUNIT_EXPECT_EQ(test, rw, rights(big + 5, 0));
	KUNIT_EXPECT_EQ(test, rw, rights(big + 511, 0));
}

/* TDG.MEM.PAGE.RELEASE (TDX Connect) is not modelled: OPERAND_INVALID. */
static void tdx_release_not_modelled(struct kunit *test)
{
	const struct cvm_transport *tr = cvm_hv_transport();
	struct hv_test *t = test->priv;
	u64 gpa = (t->gpn + 7) << PAGE_SHIFT;

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	KUNIT_ASSERT_EQ(test, TDX_STATUS_SUCCESS,
			tr->tdcall(TDG_MEM_PAGE_ACCEPT, gpa | TDX_LEVEL_4K, 0, 0));
	KUNIT_EXPECT_EQ(test, TDX_OPERAND_INVALID,
			tr->tdcall(TDG_MEM_PAGE_RELEASE, gpa | TDX_LEVEL_4K, 0, 0) &
			TDX_STATUS_MASK);
	KUNIT_EXPECT_TRUE(test, accepted(t->gpn + 7));
}

/*
 * The platform: a whole aligned GiB is one instruction where the TDX module
 * takes 1 GiB pages. Runs before any 1 GiB refusal: the platform stops
 * trying 1 GiB after the first one.
 */
static void tdx_1g_in_one_call(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, SZ_1G >> PAGE_SHIFT, t->kva };
	struct cvm_plat_result res = {};

	need_tdx_gig(test);
	cvm_sim_tdx_accept_1g(true);
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.calls);
	KUNIT_EXPECT_EQ(test, span.npages, res.pages[CVM_PSIZE_1G]);
}

/*
 * The platform: 1 GiB first (refused, as by default), 2 MiB, and 4 KiB on
 * the unit with an injected mismatch.
 */
static void tdx_1g_2m_4k_fallback(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, SZ_1G >> PAGE_SHIFT, t->kva };
	struct cvm_plat_result res = {};
	char cmd[64];

	need_tdx_gig(test);
	snprintf(cmd, sizeof(cmd), "sizemismatch gpa=%#llx", (t->gpn + 7 * 512) << PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(cmd));
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, span.npages, res.done);
	KUNIT_EXPECT_EQ(test, 2ULL, res.fallbacks);
	KUNIT_EXPECT_EQ(test, 511ULL * 512, res.pages[CVM_PSIZE_2M]);
	KUNIT_EXPECT_EQ(test, 512ULL, res.pages[CVM_PSIZE_4K]);
	KUNIT_EXPECT_EQ(test, 1ULL, sim_calls(SIM_OP_TDX_ACCEPT_1G));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_TDX_ACCEPT_2M));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_TDX_ACCEPT_4K));
}

/* TDX: accepting an accepted page is an error, not a no-op. */
static void tdx_already_accepted_is_error(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn + 1, 1, t->kva + PAGE_SIZE };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, 0, &res));
	memset(&res, 0, sizeof(res));
	/* The module accepts only what it records unaccepted: a contradiction. */
	KUNIT_EXPECT_EQ(test, -EPROTO, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, TDX_PAGE_ALREADY_ACCEPTED, res.status);
}

/* TDX: OPERAND_BUSY is retried, invisibly to the caller. */
static void tdx_busy_retried(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 1, t->kva };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject("busy count=3"));
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, 0, &res));
	KUNIT_EXPECT_EQ(test, 4ULL, res.calls);
	KUNIT_EXPECT_TRUE(test, accepted(t->gpn));
}

static struct kunit_case hv_cases[] = {
	KUNIT_CASE(visibility_batches_510),
	KUNIT_CASE(visibility_sparse_list),
	KUNIT_CASE(accept_batches_509),
	KUNIT_CASE(timeout_continues),
	KUNIT_CASE(failure_reports_element_and_status),
	KUNIT_CASE(lying_host_detected),
	KUNIT_CASE(protect_input_rejected),
	KUNIT_CASE(protect_vbs_needs_accepted_private),
	KUNIT_CASE(protect_vtl2_mask_accepted),
	KUNIT_CASE(accept_input_rejected),
	KUNIT_CASE(accept_sets_vtl2_mask),
	KUNIT_CASE(unaccept_old_encoding_rejected),
	KUNIT_CASE(unaccept_input_rejected),
	KUNIT_CASE(unaccept_checks_masks),
	KUNIT_CASE(visibility_shared_contents),
	KUNIT_CASE(visibility_vbs_needs_accepted),
	KUNIT_CASE(snp_decrypted_alias_rejected),
	KUNIT_CASE(snp_2m_misaligned_va_rejected),
	KUNIT_CASE(snp_4k_inside_2m_sizemismatch),
	KUNIT_CASE(snp_sizemismatch_fallback),
	KUNIT_CASE(snp_no_update_is_error),
	/* Before any 1 GiB refusal reaches the platform: see the case. */
	KUNIT_CASE(tdx_1g_in_one_call),
	KUNIT_CASE(tdx_1g_2m_4k_fallback),
	KUNIT_CASE(tdx_accept_1g_refused_by_default),
	KUNIT_CASE(tdx_attr_wr_at_accept_level),
	KUNIT_CASE(tdx_release_not_modelled),
	KUNIT_CASE(tdx_already_accepted_is_error),
	KUNIT_CASE(tdx_busy_retried),
	{}
};

static struct kunit_suite hv_suite = {
	.name = "cvm_vtlmem_hv",
	.init = hv_test_init,
	.exit = hv_test_exit,
	.test_cases = hv_cases,
};

kunit_test_suite(hv_suite);
