// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the hypercall layer and the platform operations against
 * the simulated hypervisor, for the parts no ioctl reaches directly: the
 * encoding and batching, continuation, lying hosts, large-page fallbacks.
 * Built only when the kernel has KUnit (the rig's debug kernel); the
 * suites run when the module loads, for the isolation it was loaded with.
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "hvcall.h"
#include "platform.h"
#include "sim.h"

struct hv_test {
	u64 gpn;	/* first page of the simulated RAM */
	u64 npages;
	void *kva;
};

static int hv_test_init(struct kunit *test)
{
	struct hv_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u64 gpa, len;

	KUNIT_ASSERT_NOT_NULL(test, t);
	if (cvm.backend != CVM_VTLMEM_BACKEND_SIM || !cvm_sim_ram(&gpa, &len))
		kunit_skip(test, "needs the simulated hypervisor with sim_ram=");
	t->gpn = gpa >> PAGE_SHIFT;
	t->npages = len >> PAGE_SHIFT;
	t->kva = memremap(gpa, len, MEMREMAP_WB);
	KUNIT_ASSERT_NOT_NULL(test, t->kva);
	cvm_sim_reset();
	test->priv = t;
	return 0;
}

static void hv_test_exit(struct kunit *test)
{
	struct hv_test *t = test->priv;

	if (t && t->kva)
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

/* N pages in a list call: ceil(N / 510) calls, every page changed. */
static void visibility_batches_510(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn + 3, .count = 1021 };
	struct cvm_hv_result res;
	u64 i;

	need_visibility(test);
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
	u64 i, shared = 0;

	need_visibility(test);
	KUNIT_ASSERT_EQ(test, 0, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.calls);
	for (i = 0; i < 1024; i++)
		shared += !!(cvm_sim_page(t->gpn + i) & SIM_PAGE_VIS_MASK);
	KUNIT_EXPECT_EQ(test, 4ULL, shared);
}

/* Accept: 4095 pages a call, no element list. */
static void accept_batches_4095(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 5000, t->kva };
	struct cvm_plat_result res = {};
	u64 i;

	need(test, CVM_VTLMEM_ISOLATION_VBS);
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, 5000ULL, res.done);
	KUNIT_EXPECT_EQ(test, 2ULL, res.calls);
	KUNIT_EXPECT_EQ(test, 2ULL, sim_calls(SIM_OP_HV_ACCEPT));
	for (i = 0; i < 5001; i++)
		KUNIT_ASSERT_EQ(test, i < 5000, !!(cvm_sim_page(t->gpn + i) & SIM_PAGE_ACCEPTED));
}

/* TIME_OUT after every 100 reps: continued to the end, one call per 100. */
static void timeout_continues(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn, .count = 1000 };
	struct cvm_hv_result res;

	need_visibility(test);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject("timeout reps=100"));
	KUNIT_ASSERT_EQ(test, 0, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 1000ULL, res.done);
	/* 510 reps: 6 calls; 490 reps: 5 calls. */
	KUNIT_EXPECT_EQ(test, 11ULL, res.calls);
	KUNIT_EXPECT_NE(test, 0, cvm_sim_page(t->gpn + 999) & SIM_PAGE_VIS_MASK);
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
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=6", t->gpn + 700);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(cmd));
	KUNIT_EXPECT_EQ(test, -EIO, cvm_hv_set_visibility(&list, HV_VISIBILITY_SHARED, &res));
	KUNIT_EXPECT_EQ(test, 700ULL, res.done);
	KUNIT_EXPECT_EQ(test, HV_STATUS_ACCESS_DENIED, res.status);
	for (i = 0; i < 800; i++)
		KUNIT_ASSERT_EQ(test, i < 700, !!(cvm_sim_page(t->gpn + i) & SIM_PAGE_VIS_MASK));
}

static void expect_lie(struct kunit *test, const char *lie, bool with_timeout)
{
	struct hv_test *t = test->priv;
	struct cvm_gpn_list list = { .base = t->gpn, .count = 300 };
	struct cvm_hv_result res;

	need_visibility(test);
	cvm_sim_reset();
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

/* SNP: a unit the RMP holds at 4K is validated page by page, alone. */
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
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.fallbacks);
	KUNIT_EXPECT_EQ(test, 3ULL * 512, res.pages[CVM_PSIZE_2M]);
	KUNIT_EXPECT_EQ(test, 512ULL, res.pages[CVM_PSIZE_4K]);
	KUNIT_EXPECT_EQ(test, 4ULL, sim_calls(SIM_OP_PVALIDATE_2M));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_PVALIDATE_4K));
	for (i = 0; i < 4 * 512; i++) {
		u16 size = (cvm_sim_page(t->gpn + i) & SIM_PAGE_SIZE_MASK) >> SIM_PAGE_SIZE_SHIFT;

		KUNIT_ASSERT_EQ(test, i / 512 == 2 ? 0 : 1, size);
	}
}

/* SNP: validating a page the host remapped as already valid is an error. */
static void snp_no_update_is_error(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, 1, t->kva };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_SNP);
	cvm_sim_boot_accept(t->gpn << PAGE_SHIFT, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, -EPROTO, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, 0ULL, res.done);
	KUNIT_EXPECT_EQ(test, (u64)SNP_RET_NO_UPDATE, res.status);
}

/* TDX: 1 GiB first, 2 MiB on mismatch, 4 KiB on mismatch. */
static void tdx_1g_2m_4k_fallback(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, SZ_1G >> PAGE_SHIFT, t->kva };
	struct cvm_plat_result res = {};
	char cmd[64];

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	if (!IS_ALIGNED(t->gpn, span.npages) || t->npages < span.npages)
		kunit_skip(test, "needs a 1 GiB-aligned GiB of simulated RAM");
	snprintf(cmd, sizeof(cmd), "sizemismatch gpa=%#llx", (t->gpn + 7 * 512) << PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, 0, cvm_sim_inject(cmd));
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, span.npages, res.done);
	KUNIT_EXPECT_EQ(test, 2ULL, res.fallbacks);
	KUNIT_EXPECT_EQ(test, 511ULL * 512, res.pages[CVM_PSIZE_2M]);
	KUNIT_EXPECT_EQ(test, 512ULL, res.pages[CVM_PSIZE_4K]);
	KUNIT_EXPECT_EQ(test, 1ULL, sim_calls(SIM_OP_TDX_ACCEPT_1G));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_TDX_ACCEPT_2M));
	KUNIT_EXPECT_EQ(test, 512ULL, sim_calls(SIM_OP_TDX_ACCEPT_4K));
}

/* TDX: a whole aligned GiB is one instruction. */
static void tdx_1g_in_one_call(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn, SZ_1G >> PAGE_SHIFT, t->kva };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	if (!IS_ALIGNED(t->gpn, span.npages) || t->npages < span.npages)
		kunit_skip(test, "needs a 1 GiB-aligned GiB of simulated RAM");
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, 1ULL, res.calls);
	KUNIT_EXPECT_EQ(test, span.npages, res.pages[CVM_PSIZE_1G]);
}

/* TDX: accepting an accepted page is an error, not a no-op. */
static void tdx_already_accepted_is_error(struct kunit *test)
{
	struct hv_test *t = test->priv;
	struct cvm_span span = { t->gpn + 1, 1, t->kva + PAGE_SIZE };
	struct cvm_plat_result res = {};

	need(test, CVM_VTLMEM_ISOLATION_TDX);
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	memset(&res, 0, sizeof(res));
	KUNIT_EXPECT_EQ(test, -EIO, cvm_platform()->accept(&span, &res));
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
	KUNIT_ASSERT_EQ(test, 0, cvm_platform()->accept(&span, &res));
	KUNIT_EXPECT_EQ(test, 4ULL, res.calls);
	KUNIT_EXPECT_NE(test, 0, cvm_sim_page(t->gpn) & SIM_PAGE_ACCEPTED);
}

static struct kunit_case hv_cases[] = {
	KUNIT_CASE(visibility_batches_510),
	KUNIT_CASE(visibility_sparse_list),
	KUNIT_CASE(accept_batches_4095),
	KUNIT_CASE(timeout_continues),
	KUNIT_CASE(failure_reports_element_and_status),
	KUNIT_CASE(lying_host_detected),
	KUNIT_CASE(snp_sizemismatch_fallback),
	KUNIT_CASE(snp_no_update_is_error),
	KUNIT_CASE(tdx_1g_2m_4k_fallback),
	KUNIT_CASE(tdx_1g_in_one_call),
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
