// SPDX-License-Identifier: GPL-2.0
/*
 * PROTECT and PROTECT_VTL2: rights recorded exactly (QUERY and the
 * simulated hypervisor agree page for page), call counts at the ABI
 * minimum, rejections that change nothing, zapping on a removed right,
 * injected failures; VTL2 self-protection covering exactly this kernel's
 * RAM, refusing anything else, and costing nothing the second time.
 */
#include "kselftest_harness.h"
#include "cvm_test.h"

#define COUNTERS	CVM_DEBUGFS "/sim/counters"
#define VTL2_RIGHTS	CVM_DEBUGFS "/sim/vtl2_rights"
#define NPAGES(len)	((len) / SZ_4K)
#define UNIT_2G		(0x80000000ULL / SZ_4K)	/* pages per PROTECT_VTL2 unit */
#define MAX_EXTS	256

static int isolation(void)
{
	return cvm_expected_isolation();
}

static bool isolated(void)
{
	return isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

static bool large_pages(void)
{
	return isolation() == CVM_VTLMEM_ISOLATION_SNP || isolation() == CVM_VTLMEM_ISOLATION_TDX;
}

/* The instruction or hypercall that sets rights on this platform. */
static const char *rights_op(void)
{
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return "rmpadjust";
	case CVM_VTLMEM_ISOLATION_TDX:
		return "tdx_attr_wr";
	default:
		return "hv_protect";
	}
}

static int protect_vtl2(int fd, uint64_t gpa, uint64_t len, struct cvm_vtlmem_protect_vtl2 *out)
{
	struct cvm_vtlmem_protect_vtl2 p = { .size = sizeof(p), .gpa = gpa, .length = len };
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_PROTECT_VTL2, &p);

	if (out)
		*out = p;
	return ret;
}

/* A private range, every page accepted with all VTL0 rights. */
static int add_ready(int fd, uint64_t gpa, uint64_t len)
{
	if (!isolated())
		return cvm_add_range(fd, gpa, len, CVM_VTLMEM_RANGE_PRIVATE, 0);
	return cvm_add_accepted(fd, gpa, len, 0);
}

static unsigned int q_rights(uint16_t q, unsigned int vtl)
{
	return (q >> (vtl ? CVM_VTLMEM_PAGE_VTL1_SHIFT : CVM_VTLMEM_PAGE_VTL0_SHIFT)) & 0xf;
}

static unsigned int s_rights(uint16_t s, unsigned int vtl)
{
	return vtl ? SIM_PAGE_VTL1(s) : SIM_PAGE_VTL0(s);
}

/* Rights a VTL should have: @inside on pages [@from, @to) of the span, else @outside. */
struct expect {
	uint64_t from, to;
	unsigned int inside, outside;
};

static unsigned int wanted(const struct expect *e, uint64_t i)
{
	return i >= e->from && i < e->to ? e->inside : e->outside;
}

/* VTL1 as a fresh range has it: no rights. */
static const struct expect vtl1_none = { 0, 0, 0, 0 };

/* Without isolation and on VBS one mask, VTL2's, binds VTL0 and VTL1. */
static bool one_mask(void)
{
	return isolation() == CVM_VTLMEM_ISOLATION_NONE ||
	       isolation() == CVM_VTLMEM_ISOLATION_VBS;
}

/*
 * TDX changes a page's rights only at the level it was accepted at
 * (ATTR.WR, as OpenHCL pairs it with the accept): a 4 KiB change inside a
 * page accepted at 2 MiB is refused.
 */
static bool whole_pages_only(void)
{
	return isolation() == CVM_VTLMEM_ISOLATION_TDX;
}

/*
 * Both VTLs' rights on every page of [@gpa, +@n pages): QUERY and the
 * simulation agree with each other and with @e0 (VTL0) and @e1 (VTL1).
 * Returns the number of pages that disagree, -1 on error.
 */
static int check_rights(int fd, uint64_t gpa, uint64_t n, const struct expect *e0,
			const struct expect *e1)
{
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);
	uint64_t i;
	int bad = -1;

	if (one_mask())
		e1 = e0;
	if (!q || !s || cvm_query(fd, gpa, n, q) || cvm_sim_state(gpa, n, s))
		goto out;
	bad = 0;
	for (i = 0; i < n; i++) {
		unsigned int w0 = wanted(e0, i), w1 = wanted(e1, i);

		if (q_rights(q[i], 0) == w0 && s_rights(s[i], 0) == w0 &&
		    q_rights(q[i], 1) == w1 && s_rights(s[i], 1) == w1 &&
		    (q[i] & CVM_VTLMEM_PAGE_STATE_MASK) == CVM_VTLMEM_PAGE_PRIVATE)
			continue;
		if (bad++ < 4)
			fprintf(stderr, "# page %#llx: query %#x sim %#x, want VTL0 %#x VTL1 %#x\n",
				(unsigned long long)(gpa + i * SZ_4K), q[i], s[i], w0, w1);
	}
out:
	free(q);
	free(s);
	return bad;
}

/* QUERY and sim state of @n pages, for before/after comparisons. */
static int snapshot(int fd, uint64_t gpa, uint64_t n, uint16_t *buf)
{
	return cvm_query(fd, gpa, n, buf) ?: cvm_sim_state(gpa, n, buf + n);
}

FIXTURE(protect) {
	int fd;
	uint64_t base;
};

FIXTURE_SETUP(protect)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
}

FIXTURE_TEARDOWN(protect)
{
	cvm_sim_inject("clear");
	cvm_clean_slate(self->fd);
	close(self->fd);
}

TEST_F(protect, rights_recorded_page_for_page)
{
	uint64_t len = 8 << 20, n = NPAGES(len);
	const struct expect vtl0 = { NPAGES(SZ_2M), NPAGES(6 << 20), 0x1, 0xf };
	const struct expect vtl1 = { NPAGES(4 << 20), NPAGES(6 << 20), 0x3, 0x0 };
	struct cvm_vtlmem_protect out;

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + SZ_2M, 4 << 20, 0,
				 CVM_VTLMEM_RIGHT_READ, &out));
	EXPECT_EQ(NPAGES(4 << 20), out.done);
	EXPECT_EQ(0, out.fail_gpa);
	EXPECT_EQ(0, out.fail_status);
	EXPECT_EQ(0, check_rights(self->fd, self->base, n, &vtl0, &vtl1_none));
	if (one_mask()) {
		/* VTL1's own mask is VTL1's: VTL2 sets only its own. */
		EXPECT_EQ(-EOPNOTSUPP, cvm_protect(self->fd, self->base, SZ_2M, 1, 0, &out));
		EXPECT_EQ(0, check_rights(self->fd, self->base, n, &vtl0, &vtl1_none));
		return;
	}
	/* VTL1 changes alone; VTL0 keeps what it has. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + (4 << 20), SZ_2M, 1,
				 CVM_VTLMEM_RIGHT_READ | CVM_VTLMEM_RIGHT_WRITE, &out));
	EXPECT_EQ(NPAGES(SZ_2M), out.done);
	EXPECT_EQ(0, check_rights(self->fd, self->base, n, &vtl0, &vtl1));
}

TEST_F(protect, calls_at_abi_minimum)
{
	uint64_t len = 64 << 20, n = NPAGES(len), odd = 1021;
	struct expect e = { 0, n, CVM_VTLMEM_RIGHT_READ | CVM_VTLMEM_RIGHT_USER_EXEC, 0xf };
	struct cvm_vtlmem_protect out;

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, cvm_stats_reset());
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, e.inside, &out));
	EXPECT_EQ(n, out.done);
	EXPECT_EQ(0, check_rights(self->fd, self->base, n, &e, &vtl1_none));
	/* 510 GPNs a hypercall; one instruction per 2 MiB unit elsewhere. */
	EXPECT_EQ(large_pages() ? n / 512 : (n + 509) / 510, cvm_sim_calls(rights_op()));
	EXPECT_EQ(cvm_sim_calls(rights_op()), cvm_stat("rights_calls"));
	if (large_pages())
		return;
	/* Hypercall platforms: any span, however aligned, at ceil(n / 510). */
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + 3 * SZ_4K, odd * SZ_4K, 0, 0, &out));
	EXPECT_EQ(odd, out.done);
	EXPECT_EQ((odd + 509) / 510, cvm_sim_calls("hv_protect"));
}

/* The records equal the platform: rights a span already has cost no call. */
TEST_F(protect, rights_already_held_cost_no_call)
{
	uint64_t len = 8 << 20, n = NPAGES(len);
	struct cvm_vtlmem_protect out;
	uint16_t q;
	unsigned int have;

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_query(self->fd, self->base, 1, &q));
	have = q_rights(q, 0);
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, have, &out));
	EXPECT_EQ(n, out.done);
	EXPECT_EQ(0, cvm_sim_calls(rights_op()));
	/* A change still costs what it costs. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, have ^ CVM_VTLMEM_RIGHT_WRITE,
				 &out));
	EXPECT_EQ(n, out.done);
	EXPECT_LT(0, cvm_sim_calls(rights_op()));
}

TEST_F(protect, unaligned_edges_at_4k)
{
	uint64_t len = 8 << 20, n = NPAGES(len);
	uint64_t from = 3, to = NPAGES(2 * SZ_2M) + 5;
	struct expect e = { from, to, CVM_VTLMEM_RIGHT_WRITE, 0xf };
	struct cvm_vtlmem_protect out;

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	if (whole_pages_only()) {
		/* The head's first page lies inside a page accepted at 2 MiB. */
		EXPECT_EQ(-EIO, cvm_protect(self->fd, self->base + from * SZ_4K,
					    (to - from) * SZ_4K, 0, e.inside, &out));
		EXPECT_EQ(self->base + from * SZ_4K, out.fail_gpa);
		EXPECT_EQ(0xC0000B0B00000000ULL, out.fail_status);	/* PAGE_SIZE_MISMATCH */
		return;
	}
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + from * SZ_4K, (to - from) * SZ_4K, 0,
				 e.inside, &out));
	EXPECT_EQ(to - from, out.done);
	/* Only the span changed, on every platform. */
	EXPECT_EQ(0, check_rights(self->fd, self->base, n, &e, &vtl1_none));
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_TDX:
		/* 509 head pages and 5 tail pages at 4 KiB, one unit at 2 MiB. */
		EXPECT_EQ(509 + 1 + 5, cvm_sim_calls("tdx_attr_wr"));
		break;
	case CVM_VTLMEM_ISOLATION_SNP:
		/*
		 * The edge units are single 2 MiB RMP entries: the first 4 KiB
		 * RMPADJUST in each answers SIZEMISMATCH, the unit is
		 * re-validated at 4 KiB (losing every lower-VTL right), and
		 * VTL0 gets its rights back on the 3 + 507 pages outside.
		 */
		EXPECT_EQ(509 + 1 + 5 + 2 + 3 + 507, cvm_sim_calls("rmpadjust"));
		EXPECT_EQ(2, cvm_sim_calls("pvalidate_2m"));
		EXPECT_EQ(2 * 512, cvm_sim_calls("pvalidate_4k"));
		break;
	default:
		EXPECT_EQ((to - from + 509) / 510, cvm_sim_calls("hv_protect"));
	}
}

TEST_F(protect, one_page_of_a_large_page)
{
	uint64_t len = 4 << 20, n = NPAGES(len), page = NPAGES(SZ_2M) + 77, i;
	const struct expect e0 = { page, page + 1, CVM_VTLMEM_RIGHT_READ, 0xf };
	const struct expect e1 = { NPAGES(SZ_2M), n, CVM_VTLMEM_RIGHT_WRITE, 0 };
	struct cvm_vtlmem_protect out;
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	if (one_mask()) {
		EXPECT_EQ(-EOPNOTSUPP, cvm_protect(self->fd, self->base + SZ_2M, SZ_2M, 1, 0,
						   &out));
		free(q);
		free(s);
		return;
	}
	if (whole_pages_only()) {
		EXPECT_EQ(-EIO, cvm_protect(self->fd, self->base + page * SZ_4K, SZ_4K, 0, 0,
					    &out));
		EXPECT_EQ(0, out.done);
		free(q);
		free(s);
		return;
	}
	/* Both VTLs have rights on the second unit: both must survive. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + SZ_2M, SZ_2M, 1, e1.inside, &out));
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + page * SZ_4K, SZ_4K, 0, e0.inside, &out));
	EXPECT_EQ(1, out.done);
	EXPECT_EQ(0, check_rights(self->fd, self->base, n, &e0, &e1));
	/* VTL1 loses the page; everything else stays. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + page * SZ_4K, SZ_4K, 1, 0, &out));
	EXPECT_EQ(1, out.done);
	ASSERT_EQ(0, cvm_query(self->fd, self->base, n, q));
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++) {
		unsigned int w1 = i == page ? 0 : wanted(&e1, i);

		ASSERT_EQ(wanted(&e0, i), q_rights(q[i], 0));
		ASSERT_EQ(wanted(&e0, i), s_rights(s[i], 0));
		ASSERT_EQ(w1, q_rights(q[i], 1));
		ASSERT_EQ(w1, s_rights(s[i], 1));
	}
	free(q);
	free(s);
}

/*
 * SNP: a change to one page of a unit validated at 2 MiB re-validates the
 * unit at 4 KiB. When that fails part way, the page whose re-validation
 * failed is in an unknown state (quarantined) and the ones after it are not
 * validated (unaccepted): the records say so, and no view maps them.
 */
TEST_F(protect, failed_unit_split_is_recorded_exactly)
{
	uint64_t unit = self->base + SZ_2M, page = NPAGES(SZ_2M) + 77, bad = 100, priv;
	struct cvm_vtlmem_protect out;
	uint8_t *m, v;
	char cmd[64];

	if (isolation() != CVM_VTLMEM_ISOLATION_SNP)
		SKIP(return, "only SNP re-validates units");
	ASSERT_EQ(0, add_ready(self->fd, self->base, 4 << 20));
	m = cvm_map(self->fd, self->base, 4 << 20, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	/* Calls: RMPADJUST 4K (SIZEMISMATCH), rescind 2M, then one PVALIDATE a page. */
	snprintf(cmd, sizeof(cmd), "fail nth=%llu status=1", (unsigned long long)(3 + bad));
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, cvm_protect(self->fd, self->base + page * SZ_4K, SZ_4K, 0,
				    CVM_VTLMEM_RIGHT_READ, &out));
	EXPECT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(4 << 20), &priv));
	EXPECT_EQ(NPAGES(4 << 20) - (512 - bad), priv);
	EXPECT_EQ(CVM_VTLMEM_PAGE_QUARANTINED, cvm_page_state(self->fd, unit + bad * SZ_4K));
	EXPECT_EQ(CVM_VTLMEM_PAGE_UNACCEPTED, cvm_page_state(self->fd, unit + (bad + 1) * SZ_4K));
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, unit + (bad - 1) * SZ_4K));
	/* Neither the unknown page nor the unvalidated ones map. */
	EXPECT_NE(0, cvm_try_read(m + SZ_2M + bad * SZ_4K, &v));
	EXPECT_NE(0, cvm_try_read(m + SZ_2M + (bad + 50) * SZ_4K, &v));
	EXPECT_EQ(0, cvm_try_read(m + SZ_2M + (bad - 1) * SZ_4K, &v));
	/* ACCEPT takes the unaccepted ones back. */
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, 4 << 20, CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
	EXPECT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(4 << 20), &priv));
	EXPECT_EQ(NPAGES(4 << 20) - 1, priv);
	munmap(m, 4 << 20);
}

TEST_F(protect, bad_requests_change_nothing)
{
	uint64_t len = 4 << 20, n = NPAGES(len);
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = self->base, .length = SZ_2M, .rights = 0,
	};
	uint16_t *before = calloc(2 * n, 2), *after = calloc(2 * n, 2);
	struct {
		struct cvm_vtlmem_protect p;
		uint64_t extra;
	} big = { .p = p, .extra = 1 };

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, snapshot(self->fd, self->base, n, before));
	p.flags = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT, &p));
	p.flags = 0;
	p.size = CVM_VTLMEM_PROTECT_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT, &p));
	big.p.size = sizeof(big);
	EXPECT_EQ(-E2BIG, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT, &big));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base + 1, SZ_4K, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, SZ_4K + 1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, 0, 0, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, cvm_protect(self->fd, ~0ULL & ~0xfffULL, 2 * SZ_4K, 0, 0, NULL));
	EXPECT_EQ(-ENOENT, cvm_protect(self->fd, self->base + len, SZ_4K, 0, 0, NULL));
	EXPECT_EQ(-ENOENT, cvm_protect(self->fd, self->base, len + SZ_4K, 0, 0, NULL));
	/* Only a VTL lower than VTL2, only rights the TLFS defines. */
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, SZ_4K, 2, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, SZ_4K, 0x100, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, SZ_4K, 0, 0x10, NULL));
	EXPECT_EQ(-EINVAL, cvm_protect(self->fd, self->base, SZ_4K, 0, ~0U, NULL));
	ASSERT_EQ(0, snapshot(self->fd, self->base, n, after));
	EXPECT_EQ(0, memcmp(before, after, 4 * n));
	EXPECT_EQ(0, cvm_sim_calls(rights_op()));
	free(before);
	free(after);
}

TEST_F(protect, unaccepted_page_refused_exactly)
{
	uint64_t len = 4 << 20, n = NPAGES(len);
	uint16_t *before = calloc(2 * n, 2), *after = calloc(2 * n, 2);
	struct cvm_vtlmem_protect out;

	if (!isolated())
		SKIP(return, "every page is accepted without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, SZ_2M + 7 * SZ_4K,
				CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, snapshot(self->fd, self->base, n, before));
	EXPECT_EQ(-EPERM, cvm_protect(self->fd, self->base, len, 0, 0, &out));
	EXPECT_EQ(0, out.done);
	EXPECT_EQ(self->base + SZ_2M + 7 * SZ_4K, out.fail_gpa);
	EXPECT_EQ(0, out.fail_status);
	ASSERT_EQ(0, snapshot(self->fd, self->base, n, after));
	EXPECT_EQ(0, memcmp(before, after, 4 * n));
	EXPECT_EQ(0, cvm_sim_calls(rights_op()));
	/* The accepted part alone is fine. */
	EXPECT_EQ(0, cvm_protect(self->fd, self->base, SZ_2M + 7 * SZ_4K, 0, 0, &out));
	EXPECT_EQ(512 + 7, out.done);
	free(before);
	free(after);
}

TEST_F(protect, shared_pages_are_skipped)
{
	uint64_t len = 4 << 20, n = NPAGES(len), i;
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .visibility = CVM_VTLMEM_VISIBILITY_SHARED,
		.gpa = self->base + SZ_2M, .length = 16 * SZ_4K,
	};
	struct cvm_vtlmem_protect out;
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);
	int ret;

	if (!isolated())
		SKIP(return, "no host visibility without isolation");
	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	ret = cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);
	if (ret == -ENOTTY)
		SKIP(return, "SET_VISIBILITY not in this module");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, CVM_VTLMEM_RIGHT_READ, &out));
	EXPECT_EQ(n - 16, out.done);
	ASSERT_EQ(0, cvm_query(self->fd, self->base, n, q));
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++) {
		bool shared = i >= NPAGES(SZ_2M) && i < NPAGES(SZ_2M) + 16;

		ASSERT_EQ(shared ? CVM_VTLMEM_PAGE_SHARED : CVM_VTLMEM_PAGE_PRIVATE,
			  q[i] & CVM_VTLMEM_PAGE_STATE_MASK);
		/* VBS shares pages still accepted, and their rights stay. */
		ASSERT_EQ(shared ? (isolation() == CVM_VTLMEM_ISOLATION_VBS ? 0xf : 0) :
			  CVM_VTLMEM_RIGHT_READ, q_rights(q[i], 0));
		ASSERT_EQ(q_rights(q[i], 0), s_rights(s[i], 0));
	}
	free(q);
	free(s);
}

static long long faults(void)
{
	return cvm_stat("faults_4k") + cvm_stat("faults_2m");
}

/* Read one byte of each 2 MiB unit; 0 if every read worked. */
static int touch(const volatile uint8_t *p, uint64_t len)
{
	uint64_t off;
	uint8_t v;

	for (off = 0; off < len; off += SZ_2M)
		if (cvm_try_read(p + off + 5 * SZ_4K, &v))
			return -1;
	return 0;
}

TEST_F(protect, removed_right_zaps_mappings)
{
	uint64_t len = 4 << 20;
	long long before;
	uint8_t *p, v;

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	p = cvm_map(self->fd, self->base, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cvm_stats_reset());
	ASSERT_EQ(0, touch(p, len));
	before = faults();
	EXPECT_LT(0, before);
	/* Mapped now: touching again costs nothing. */
	ASSERT_EQ(0, touch(p, len));
	EXPECT_EQ(before, faults());
	/* Adding rights takes nothing away: the mappings stay. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, one_mask() ? 0 : 1,
				 one_mask() ? 0xf : CVM_VTLMEM_RIGHT_READ, NULL));
	ASSERT_EQ(0, touch(p, len));
	EXPECT_EQ(before, faults());
	/* VTL0 loses its rights: the pages fault again, and VTL2 still reads them. */
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, 0, NULL));
	ASSERT_EQ(0, touch(p, len));
	EXPECT_LT(before, faults());
	before = faults();
	/*
	 * One page loses a right: it faults again (on SNP its whole unit may,
	 * being re-validated around it); the other unit does not.
	 */
	if (whole_pages_only() || one_mask()) {
		/* Only whole pages (TDX); VTL1 is VTL0's mask (none, VBS). */
		EXPECT_NE(0, cvm_protect(self->fd, self->base + SZ_2M + 9 * SZ_4K, SZ_4K, 1, 0,
					 NULL));
		munmap(p, len);
		return;
	}
	ASSERT_EQ(0, cvm_protect(self->fd, self->base + SZ_2M + 9 * SZ_4K, SZ_4K, 1, 0, NULL));
	ASSERT_EQ(0, cvm_try_read(p + SZ_2M + 9 * SZ_4K, &v));
	EXPECT_EQ(before + 1, faults());
	ASSERT_EQ(0, touch(p, SZ_2M));
	EXPECT_EQ(before + 1, faults());
	munmap(p, len);
}

static const char *fail_status(void)
{
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return "1";			/* RMPADJUST FAIL_INPUT */
	case CVM_VTLMEM_ISOLATION_TDX:
		return "0xC000010000000000";	/* TDX_OPERAND_INVALID */
	default:
		return "5";			/* HV_STATUS_INVALID_PARAMETER */
	}
}

TEST_F(protect, injected_failure_reported_exactly)
{
	uint64_t len = 64 << 20, n = NPAGES(len), i, changed = 0;
	uint64_t bad = self->base + (37 << 20) + 5 * SZ_4K;
	struct cvm_vtlmem_protect out;
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);
	char cmd[128];

	ASSERT_EQ(0, add_ready(self->fd, self->base, len));
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=%s",
		 (unsigned long long)(bad / SZ_4K), fail_status());
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, cvm_protect(self->fd, self->base, len, 0, CVM_VTLMEM_RIGHT_READ, &out));
	/* Large pages: the instruction that failed covered the whole unit. */
	EXPECT_EQ(large_pages() ? bad & ~(SZ_2M - 1) : bad, out.fail_gpa);
	EXPECT_EQ(strtoull(fail_status(), NULL, 0), out.fail_status);
	/* done is exact: what QUERY shows is what the hypervisor did. */
	ASSERT_EQ(0, cvm_query(self->fd, self->base, n, q));
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(q_rights(q[i], 0), s_rights(s[i], 0));
		changed += q_rights(q[i], 0) == CVM_VTLMEM_RIGHT_READ;
	}
	EXPECT_EQ(changed, out.done);
	EXPECT_GT(n, out.done);
	EXPECT_EQ(0xf, q_rights(q[(out.fail_gpa - self->base) / SZ_4K], 0));
	/* Again without the fault: everything. */
	ASSERT_EQ(0, cvm_sim_inject("clear"));
	ASSERT_EQ(0, cvm_protect(self->fd, self->base, len, 0, CVM_VTLMEM_RIGHT_READ, &out));
	EXPECT_EQ(n, out.done);
	free(q);
	free(s);
}

/* ---- VTL2 self-protection ---- */

/* Page extents [first, end). */
struct ext {
	uint64_t first, end;
};

static int add_ext(struct ext *x, int n, uint64_t first, uint64_t end)
{
	if (first >= end)
		return n;
	if (n && x[n - 1].end == first) {
		x[n - 1].end = end;
		return n;
	}
	if (n == MAX_EXTS)
		return -1;
	x[n].first = first;
	x[n].end = end;
	return n + 1;
}

/*
 * Whole pages of this kernel's "System RAM" in /proc/iomem, merged where
 * they touch; a System RAM line nested in another adds nothing.
 */
static int system_ram(struct ext *x)
{
	unsigned long long start, end, last_end = 0;
	char line[256], name[128];
	FILE *f = fopen("/proc/iomem", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n >= 0) {
		if (sscanf(line, " %llx-%llx : %127[^\n]", &start, &end, name) != 3 ||
		    strcmp(name, "System RAM") || end < last_end)
			continue;
		last_end = end;
		n = add_ext(x, n, (start + SZ_4K - 1) / SZ_4K, (end + 1) / SZ_4K);
	}
	fclose(f);
	return n;
}

/* Extents of sim/vtl2_rights where VTL @vtl has @rights, merged. */
static int vtl2_extents(unsigned int vtl, unsigned int rights, struct ext *x)
{
	unsigned long long first, last;
	unsigned int v, r;
	FILE *f = fopen(VTL2_RIGHTS, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n >= 0 && fscanf(f, "%u %llx %llx %x", &v, &first, &last, &r) == 4)
		if (v == vtl && r == rights)
			n = add_ext(x, n, first / SZ_4K, (last + 1) / SZ_4K);
	fclose(f);
	return n;
}

static uint64_t ext_pages(const struct ext *x, int n)
{
	uint64_t pages = 0;
	int i;

	for (i = 0; i < n; i++)
		pages += x[i].end - x[i].first;
	return pages;
}

/* Pages in both extent lists. */
static uint64_t overlap(const struct ext *a, int na, const struct ext *b, int nb)
{
	uint64_t pages = 0, lo, hi;
	int i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++) {
			lo = a[i].first > b[j].first ? a[i].first : b[j].first;
			hi = a[i].end < b[j].end ? a[i].end : b[j].end;
			if (lo < hi)
				pages += hi - lo;
		}
	return pages;
}

/* Hypercalls to protect @x from scratch: each 2 GiB unit alone, both VTLs. */
static long long calls_from_scratch(const struct ext *x, int n)
{
	long long calls = 0;
	uint64_t pos, next;
	int i;

	for (i = 0; i < n; i++)
		for (pos = x[i].first; pos < x[i].end; pos = next) {
			next = (pos / UNIT_2G + 1) * UNIT_2G;
			if (next > x[i].end)
				next = x[i].end;
			calls += 2 * ((next - pos + 509) / 510);
		}
	return calls;
}

FIXTURE(vtl2) {
	int fd;
	struct ext ram[MAX_EXTS];
	int nram;
	uint64_t pages;
};

FIXTURE_SETUP(vtl2)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->nram = system_ram(self->ram);
	ASSERT_LT(0, self->nram);
	self->pages = ext_pages(self->ram, self->nram);
}

FIXTURE_TEARDOWN(vtl2)
{
	cvm_sim_inject("clear");
	cvm_clean_slate(self->fd);
	close(self->fd);
}

TEST_F(vtl2, only_without_isolation)
{
	struct cvm_vtlmem_protect_vtl2 out;

	if (!isolated())
		SKIP(return, "self-protection is for non-isolated partitions");
	EXPECT_EQ(-EOPNOTSUPP, protect_vtl2(self->fd, 0, 0, &out));
	EXPECT_EQ(-EOPNOTSUPP, protect_vtl2(self->fd, self->ram[0].first * SZ_4K, SZ_4K, &out));
}

/* Runs first on a fresh partition: once protected, nothing can fail. */
TEST_F(vtl2, injected_failure_reported_exactly)
{
	struct ext v0[MAX_EXTS], v1[MAX_EXTS], *big = &self->ram[0];
	struct cvm_vtlmem_protect_vtl2 out;
	uint64_t bad;
	char cmd[96];
	int i, n0, n1;

	if (isolated())
		SKIP(return, "self-protection is for non-isolated partitions");
	n0 = vtl2_extents(0, 0, v0);
	n1 = vtl2_extents(1, 0, v1);
	ASSERT_LE(0, n0);
	ASSERT_LE(0, n1);
	if (n0 || n1)
		SKIP(return, "an earlier suite already protected VTL2 RAM");
	for (i = 1; i < self->nram; i++)
		if (self->ram[i].end - self->ram[i].first > big->end - big->first)
			big = &self->ram[i];
	bad = (big->first + big->end) / 2;
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=5", (unsigned long long)bad);
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, protect_vtl2(self->fd, 0, 0, &out));
	EXPECT_EQ(bad * SZ_4K, out.fail_gpa);
	EXPECT_EQ(5, out.fail_status);
	/* done: exactly the pages both lower VTLs lost. */
	n0 = vtl2_extents(0, 0, v0);
	n1 = vtl2_extents(1, 0, v1);
	ASSERT_LE(0, n0);
	ASSERT_LE(0, n1);
	EXPECT_EQ(overlap(v0, n0, v1, n1), out.done);
	EXPECT_GT(self->pages, out.done);
	EXPECT_EQ(0, overlap(v0, n0, &(struct ext){ bad, bad + 1 }, 1));
}

TEST_F(vtl2, covers_exactly_the_kernel_ram)
{
	struct ext v[MAX_EXTS];
	struct cvm_vtlmem_protect_vtl2 out;
	long long calls;
	unsigned int vtl;
	int i, n;

	if (isolated())
		SKIP(return, "self-protection is for non-isolated partitions");
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, protect_vtl2(self->fd, 0, 0, &out));
	EXPECT_EQ(self->pages, out.done);
	/* From scratch, or the rest of an earlier run: never beyond the minimum. */
	calls = cvm_sim_calls("hv_protect");
	EXPECT_GE(calls_from_scratch(self->ram, self->nram), calls);
	TH_LOG("%llu pages of System RAM, %lld hypercalls",
	       (unsigned long long)self->pages, calls);
	for (vtl = 0; vtl < 2; vtl++) {
		n = vtl2_extents(vtl, 0, v);
		ASSERT_EQ(self->nram, n);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(self->ram[i].first, v[i].first);
			EXPECT_EQ(self->ram[i].end, v[i].end);
		}
	}
	/* Idempotent: the second time, no hypercall and every page counted. */
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, protect_vtl2(self->fd, 0, 0, &out));
	EXPECT_EQ(self->pages, out.done);
	EXPECT_EQ(0, cvm_sim_calls("hv_protect"));
	/* A part of it: also nothing to do, and counted. */
	ASSERT_EQ(0, protect_vtl2(self->fd, self->ram[self->nram - 1].first * SZ_4K,
				  2 * SZ_4K, &out));
	EXPECT_EQ(2, out.done);
	EXPECT_EQ(0, cvm_sim_calls("hv_protect"));
}

TEST_F(vtl2, refuses_what_is_not_kernel_ram)
{
	struct ext *last = &self->ram[self->nram - 1];
	struct cvm_vtlmem_protect_vtl2 p = { .size = sizeof(p) };
	uint64_t vtl0 = cvm_vtl0_base();
	char before[4096] = "", after[4096] = "";
	int fd;

	if (isolated())
		SKIP(return, "self-protection is for non-isolated partitions");
	fd = open(VTL2_RIGHTS, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, read(fd, before, sizeof(before) - 1));
	close(fd);
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	/* The VTL0 memory, registered or not, is not this kernel's. */
	EXPECT_EQ(-ENXIO, protect_vtl2(self->fd, vtl0, SZ_2M, NULL));
	ASSERT_EQ(0, cvm_add_range(self->fd, vtl0, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, 0));
	EXPECT_EQ(-ENXIO, protect_vtl2(self->fd, vtl0, SZ_2M, NULL));
	/* Nor is a span that runs past its RAM, or starts before it. */
	EXPECT_EQ(-ENXIO, protect_vtl2(self->fd, (last->end - 1) * SZ_4K, 2 * SZ_4K, NULL));
	if (self->ram[0].first)
		EXPECT_EQ(-ENXIO, protect_vtl2(self->fd, (self->ram[0].first - 1) * SZ_4K,
					       2 * SZ_4K, NULL));
	p.flags = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT_VTL2, &p));
	EXPECT_EQ(-EINVAL, protect_vtl2(self->fd, last->first * SZ_4K + 1, SZ_4K, NULL));
	EXPECT_EQ(-EINVAL, protect_vtl2(self->fd, last->first * SZ_4K, SZ_4K + 1, NULL));
	EXPECT_EQ(-EINVAL, protect_vtl2(self->fd, last->first * SZ_4K, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, protect_vtl2(self->fd, ~0ULL & ~0xfffULL, 2 * SZ_4K, NULL));
	EXPECT_EQ(0, cvm_sim_calls("hv_protect"));
	fd = open(VTL2_RIGHTS, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, read(fd, after, sizeof(after) - 1));
	close(fd);
	EXPECT_STREQ(before, after);
}

TEST_HARNESS_MAIN
