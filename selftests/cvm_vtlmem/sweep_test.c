// SPDX-License-Identifier: GPL-2.0
/*
 * Failure sweep, the way syzkaller uses fail_nth: every operation is run
 * once to count N, the hypervisor calls and instructions it issues; then,
 * from a fresh partition each time, call k (k = 1..N, at most SWEEP_MAX_K
 * values evenly spread, 1, 2, N-1 and N always among them) is refused.
 * After each injected run:
 *
 *   (a) the errno is one the ABI documents for the operation (or 0 where
 *       the module tolerates that call's failure, e.g. a TDX fallback);
 *   (b) QUERY and the simulated platform agree on every page of the range
 *       (cvm_check_consistent());
 *   (c) no view maps a page its state forbids: through the private view a
 *       read works iff QUERY says private, through the shared view iff it
 *       says shared (sampled pages, always the failing page, its
 *       neighbours and every page where the state changes); the views
 *       were mapped and populated before the operation, so this also
 *       checks that the transitions zapped them;
 *   (d) the operation, repeated without injection, returns 0 and leaves
 *       the state it promises (after a private->shared failure on SNP,
 *       quarantined pages are first brought back with a private
 *       transition: the ABI says only that brings them back);
 *   (e) the repeat never makes a call the platform refuses: an accept of
 *       an accepted page (or any other call the module should have known
 *       better than to make) shows in the simulator's failure counters.
 *
 * The same runs follow with the simulated host lying once (phantom,
 * backwards, overcount, noprogress) and with a TIME_OUT storm.
 * PROTECT_VTL2 (non-isolated partitions) is swept on disjoint pieces of
 * this kernel's RAM, since VTL2 protection cannot be undone.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define COUNTERS	CVM_DEBUGFS "/sim/counters"
#define VTL2_RIGHTS	CVM_DEBUGFS "/sim/vtl2_rights"
#define RANGE_LEN	(4ULL << 20)
#define RANGE_PAGES	(RANGE_LEN / SZ_4K)
#define SWEEP_MAX_K	64
#define ST(q)		((q) & CVM_VTLMEM_PAGE_STATE_MASK)
#define VTL0_FIELD	(0xfU << CVM_VTLMEM_PAGE_VTL0_SHIFT)
#define VTL1_FIELD	(0xfU << CVM_VTLMEM_PAGE_VTL1_SHIFT)

static int isolation(void)
{
	return cvm_expected_isolation();
}

static bool isolated(void)
{
	return isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

/* Without isolation and on VBS one mask, VTL2's, binds VTL0 and VTL1. */
static bool one_mask(void)
{
	return isolation() == CVM_VTLMEM_ISOLATION_NONE ||
	       isolation() == CVM_VTLMEM_ISOLATION_VBS;
}

/*
 * A refusal for whatever call "fail nth" hits. On SNP PVALIDATE and
 * RMPADJUST FAIL_INPUT (a hypercall reads it as an unknown failure
 * status); on TDX TDX_OPERAND_INVALID, whose low 16 bits (what a
 * hypercall returns) are HV_STATUS_INVALID_PARAMETER; else
 * HV_STATUS_INVALID_PARAMETER.
 */
static const char *fail_status(void)
{
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return "1";
	case CVM_VTLMEM_ISOLATION_TDX:
		return "0xC000010000000005";
	default:
		return "5";
	}
}

/* Totals of sim/counters: calls, failures, hypercalls (hv_*). */
struct sim_tot {
	long long calls, failures, hcalls;
	long long accept_failures;	/* refused accepts: hv_accept, pvalidate, tdx_accept */
	char failed[192];	/* "op=failures ..." of the ops that failed */
};

static int sim_totals(struct sim_tot *t)
{
	char line[256], name[64];
	long long calls, reps, fails;
	FILE *f = fopen(COUNTERS, "r");
	size_t used = 0;

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s calls=%lld reps=%lld failures=%lld", name, &calls, &reps,
			   &fails) != 4)
			continue;	/* the per-CPU lines */
		t->calls += calls;
		t->failures += fails;
		if (!strncmp(name, "hv_", 3))
			t->hcalls += calls;
		if (!strcmp(name, "hv_accept") || !strncmp(name, "pvalidate", 9) ||
		    !strncmp(name, "tdx_accept", 10))
			t->accept_failures += fails;
		if (fails && used < sizeof(t->failed) - 1)
			used += snprintf(t->failed + used, sizeof(t->failed) - used, "%s=%lld ",
					 name, fails);
	}
	fclose(f);
	return 0;
}

static int counters_reset(void)
{
	return cvm_write_file(COUNTERS, "0");
}

struct sweep;

/*
 * One operation. setup() starts from a clean slate and builds the state
 * the operation starts from, marking the pages it changes in s->target;
 * run() does it once (0 or -errno, s->fail_gpa set when known);
 * recover() (optional) makes what the ABI says must precede a repeat;
 * want() is the QUERY value (under *mask) a target page must end with.
 */
struct op {
	const char *name;
	bool (*supported)(void);
	int (*setup)(struct sweep *s);
	int (*run)(struct sweep *s);
	int (*recover)(struct sweep *s);
	uint16_t (*want)(struct sweep *s, uint64_t i, uint16_t *mask);
	const int *errnos;	/* allowed besides 0, terminated by 0 */
	bool lazy;		/* reading the private view accepts */
	bool phantom_detected;	/* the ABI promises to catch a phantom success */
};

struct sweep {
	int fd;
	uint64_t base;
	const struct op *op;
	uint8_t target[RANGE_PAGES];
	uint16_t before[RANGE_PAGES];	/* QUERY after setup */
	uint64_t span_first, span_n;	/* pages, relative to base */
	uint64_t gpns[RANGE_PAGES + 64];
	uint32_t ngpns;
	bool use_list;
	uint64_t fail_gpa;
	uint8_t *priv, *shared;
	uint32_t quarantined;	/* pages recover_lost() found quarantined */
	uint64_t recover_status;	/* fail_status of its private transition */
};

/* The page is held at another size: x86defs TdCallResultCode, AMD APM. */
#define TDX_PAGE_SIZE_MISMATCH	0xC0000B0B00000000ULL
#define SNP_FAIL_SIZEMISMATCH	6

static const int accept_errnos[] = { EIO, EPROTO, ETIMEDOUT, 0 };
static const int lazy_errnos[] = { EFAULT, 0 };	/* SIGBUS on the read */

/* ---- operations ---- */

static bool op_isolated(void)
{
	return isolated();
}

static bool op_always(void)
{
	return true;
}

static bool op_vtl1(void)
{
	return !one_mask();
}

static void mark_span(struct sweep *s, uint64_t first, uint64_t n)
{
	memset(s->target, 0, sizeof(s->target));
	memset(s->target + first, 1, n);
	s->span_first = first;
	s->span_n = n;
}

/* Unaligned at both ends: 4 KiB edges around a 2 MiB middle. */
static int setup_accept(struct sweep *s)
{
	mark_span(s, 3, RANGE_PAGES - 3 - 5);
	return cvm_add_range(s->fd, s->base, RANGE_LEN, CVM_VTLMEM_RANGE_PRIVATE, 0);
}

static int run_accept(struct sweep *s)
{
	struct cvm_vtlmem_accept out;
	int ret = cvm_accept(s->fd, s->base + s->span_first * SZ_4K, s->span_n * SZ_4K,
			     CVM_VTLMEM_ACCEPT_GRANT_VTL0, &out);

	s->fail_gpa = ret ? out.fail_gpa : ~0ULL;
	return ret;
}

static uint16_t want_accepted(struct sweep *s, uint64_t i, uint16_t *mask)
{
	*mask = CVM_VTLMEM_PAGE_STATE_MASK | VTL0_FIELD;
	return CVM_VTLMEM_PAGE_PRIVATE | VTL0_FIELD;
}

static int run_accept_nowait(struct sweep *s)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .gpa = s->base + s->span_first * SZ_4K,
		.length = s->span_n * SZ_4K,
		.flags = CVM_VTLMEM_ACCEPT_GRANT_VTL0 | CVM_VTLMEM_ACCEPT_NOWAIT,
	};
	struct cvm_vtlmem_accept_status st = { .size = sizeof(st) };
	int ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_ACCEPT, &a);

	s->fail_gpa = ~0ULL;
	if (ret)
		return ret;
	st.job = a.job;
	st.flags = CVM_VTLMEM_STATUS_WAIT;
	ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, &st);
	if (ret)
		return ret == -EPROTO ? -EBADMSG : ret;	/* not the job's own errno */
	if (st.state != CVM_VTLMEM_JOB_DONE)
		return -EBADMSG;
	if (st.error)
		s->fail_gpa = st.fail_gpa;
	return -st.error;
}

/* The second 2 MiB unit of a lazy range, touched through the private view. */
static int setup_lazy(struct sweep *s)
{
	mark_span(s, 512, 512);
	return cvm_add_range(s->fd, s->base, RANGE_LEN, CVM_VTLMEM_RANGE_PRIVATE,
			     CVM_VTLMEM_RANGE_LAZY);
}

static int run_lazy(struct sweep *s)
{
	uint8_t v;

	int ret;

	s->fail_gpa = s->base + (512 + 17) * SZ_4K;
	ret = cvm_try_read(s->priv + (512 + 17) * SZ_4K, &v);
	return ret == -EIO ? -EBADMSG : ret;	/* SIGBUS naming another address */
}

/* The repeat of a touch: every page of the unit not yet accepted. */
static int recover_lazy(struct sweep *s)
{
	uint16_t q[512];
	uint64_t i;
	uint8_t v;
	int ret = cvm_query(s->fd, s->base + 512 * SZ_4K, 512, q);

	for (i = 0; i < 512 && !ret; i++)
		if (ST(q[i]) == CVM_VTLMEM_PAGE_UNACCEPTED)
			ret = cvm_try_read(s->priv + (512 + i) * SZ_4K, &v);
	/* A grant a touch could not complete: ACCEPT with GRANT_VTL0 does. */
	return ret ?: cvm_accept(s->fd, s->base + 512 * SZ_4K, SZ_2M,
				 CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL);
}

/* Pages going shared: a span crossing the unit boundary, or a scattered list. */
static void pick_shared(struct sweep *s, bool list)
{
	uint32_t i;

	memset(s->target, 0, sizeof(s->target));
	s->use_list = list;
	if (!list) {
		mark_span(s, 300, 500);
		return;
	}
	s->ngpns = 0;
	for (i = 5; i < RANGE_PAGES; i += 3) {
		s->gpns[s->ngpns++] = s->base / SZ_4K + i;
		s->target[i] = 1;
	}
	/* Descending tail and duplicates: the module sorts and dedups. */
	for (i = 0; i < 40; i++)
		s->gpns[s->ngpns++] = s->base / SZ_4K + RANGE_PAGES - 1 - 3 * i -
				      (RANGE_PAGES - 1 - 5) % 3;
}

static int set_vis(struct sweep *s, uint32_t vis)
{
	struct cvm_vtlmem_visibility v = { .size = sizeof(v), .visibility = vis };
	int ret;

	if (s->use_list) {
		v.flags = CVM_VTLMEM_VISIBILITY_GPN_LIST;
		v.count = s->ngpns;
		v.gpns = (uintptr_t)s->gpns;
	} else {
		v.gpa = s->base + s->span_first * SZ_4K;
		v.length = s->span_n * SZ_4K;
	}
	ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);
	s->fail_gpa = ~0ULL;
	if (ret && v.fail_index < (s->use_list ? s->ngpns : s->span_n))
		s->fail_gpa = s->use_list ? s->gpns[v.fail_index] * SZ_4K :
			      s->base + (s->span_first + v.fail_index) * SZ_4K;
	return ret;
}

static int setup_to_shared(struct sweep *s, bool list)
{
	int ret = cvm_add_accepted(s->fd, s->base, RANGE_LEN, 0);

	pick_shared(s, list);
	return ret;
}

static int setup_to_shared_span(struct sweep *s)
{
	return setup_to_shared(s, false);
}

static int setup_to_shared_list(struct sweep *s)
{
	return setup_to_shared(s, true);
}

static int run_to_shared(struct sweep *s)
{
	return set_vis(s, CVM_VTLMEM_VISIBILITY_SHARED);
}

static uint16_t want_shared(struct sweep *s, uint64_t i, uint16_t *mask)
{
	*mask = CVM_VTLMEM_PAGE_STATE_MASK;
	return CVM_VTLMEM_PAGE_SHARED;
}

static int setup_to_private(struct sweep *s, bool list)
{
	int ret = setup_to_shared(s, list);

	return ret ?: set_vis(s, CVM_VTLMEM_VISIBILITY_SHARED);
}

static int setup_to_private_span(struct sweep *s)
{
	return setup_to_private(s, false);
}

static int setup_to_private_list(struct sweep *s)
{
	return setup_to_private(s, true);
}

static int run_to_private(struct sweep *s)
{
	return set_vis(s, CVM_VTLMEM_VISIBILITY_PRIVATE);
}

static uint16_t want_private(struct sweep *s, uint64_t i, uint16_t *mask)
{
	*mask = CVM_VTLMEM_PAGE_STATE_MASK;
	return CVM_VTLMEM_PAGE_PRIVATE;
}

/* PROTECT: unaligned span (4 KiB edges inside 2 MiB pages) but on TDX. */
static int setup_protect(struct sweep *s)
{
	int ret = isolated() ? cvm_add_accepted(s->fd, s->base, RANGE_LEN, 0) :
		  cvm_add_range(s->fd, s->base, RANGE_LEN, CVM_VTLMEM_RANGE_PRIVATE, 0);

	/* TDX changes rights only at the level a page was accepted at. */
	if (isolation() == CVM_VTLMEM_ISOLATION_TDX)
		mark_span(s, 0, RANGE_PAGES);
	else
		mark_span(s, 7, RANGE_PAGES - 7 - 9);
	return ret;
}

#define PROT_RIGHTS	(CVM_VTLMEM_RIGHT_READ | CVM_VTLMEM_RIGHT_USER_EXEC)

static int run_protect_vtl(struct sweep *s, uint32_t vtl)
{
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = s->base + s->span_first * SZ_4K,
		.length = s->span_n * SZ_4K, .target_vtl = vtl, .rights = PROT_RIGHTS,
	};
	int ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_PROTECT, &p);

	s->fail_gpa = ret ? p.fail_gpa : ~0ULL;
	return ret;
}

static int run_protect0(struct sweep *s)
{
	return run_protect_vtl(s, 0);
}

static int run_protect1(struct sweep *s)
{
	return run_protect_vtl(s, 1);
}

static uint16_t want_protect0(struct sweep *s, uint64_t i, uint16_t *mask)
{
	*mask = CVM_VTLMEM_PAGE_STATE_MASK | VTL0_FIELD;
	if (one_mask())
		*mask |= VTL1_FIELD;
	return CVM_VTLMEM_PAGE_PRIVATE | PROT_RIGHTS << CVM_VTLMEM_PAGE_VTL0_SHIFT |
	       (one_mask() ? PROT_RIGHTS << CVM_VTLMEM_PAGE_VTL1_SHIFT : 0);
}

static uint16_t want_protect1(struct sweep *s, uint64_t i, uint16_t *mask)
{
	*mask = CVM_VTLMEM_PAGE_STATE_MASK | VTL1_FIELD;
	return CVM_VTLMEM_PAGE_PRIVATE | PROT_RIGHTS << CVM_VTLMEM_PAGE_VTL1_SHIFT;
}

static const struct op ops[] = {
	{ "accept", op_isolated, setup_accept, run_accept, NULL, want_accepted,
	  accept_errnos },
	{ "accept_nowait", op_isolated, setup_accept, run_accept_nowait, NULL, want_accepted,
	  accept_errnos },
	{ "lazy_touch", op_isolated, setup_lazy, run_lazy, recover_lazy, want_accepted,
	  lazy_errnos, true },
	{ "to_shared_span", op_isolated, setup_to_shared_span, run_to_shared,
	  NULL, want_shared, accept_errnos },
	{ "to_shared_list", op_isolated, setup_to_shared_list, run_to_shared,
	  NULL, want_shared, accept_errnos },
	{ "to_private_span", op_isolated, setup_to_private_span, run_to_private, NULL,
	  want_private, accept_errnos, false, true },
	{ "to_private_list", op_isolated, setup_to_private_list, run_to_private, NULL,
	  want_private, accept_errnos, false, true },
	{ "protect_vtl0", op_always, setup_protect, run_protect0, NULL, want_protect0,
	  accept_errnos },
	{ "protect_vtl1", op_vtl1, setup_protect, run_protect1, NULL, want_protect1,
	  accept_errnos },
};

/* ---- the fixture and the checks ---- */

FIXTURE(sweep) {
	struct sweep *s;
	size_t map_len;
};

static void unmap_views(struct sweep *s)
{
	if (s->priv && s->priv != MAP_FAILED)
		munmap(s->priv, RANGE_LEN);
	if (s->shared && s->shared != MAP_FAILED)
		munmap(s->shared, RANGE_LEN);
	s->priv = s->shared = NULL;
}

FIXTURE_SETUP(sweep)
{
	self->s = calloc(1, sizeof(*self->s));
	ASSERT_NE(NULL, self->s);
	self->s->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->s->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->s->fd));
	self->s->base = cvm_vtl0_base();
}

FIXTURE_TEARDOWN(sweep)
{
	cvm_sim_inject("clear");
	unmap_views(self->s);
	cvm_clean_slate(self->s->fd);
	close(self->s->fd);
	free(self->s);
}

static bool errno_allowed(const struct op *op, int ret)
{
	const int *e;

	if (!ret)
		return true;
	for (e = op->errnos; *e; e++)
		if (ret == -*e)
			return true;
	return false;
}

/* Should page @i be read through the views? */
static bool sampled(const uint16_t *q, uint64_t i, uint64_t fail)
{
	if (i % 16 == 0 || i < 4 || i + 4 >= RANGE_PAGES)
		return true;
	if (fail != ~0ULL && i + 2 >= fail && i <= fail + 2)
		return true;
	return ST(q[i]) != ST(q[i - 1]) || (i + 1 < RANGE_PAGES && ST(q[i]) != ST(q[i + 1]));
}

/*
 * A fresh state for @op: clean slate, set-up, both views mapped and
 * populated where readable (the private view of a lazy range left alone).
 */
static void fresh(struct __test_metadata *_metadata, struct sweep *s, const char *what)
{
	uint16_t q[RANGE_PAGES];
	uint64_t i;
	uint8_t v;

	unmap_views(s);
	ASSERT_EQ(0, cvm_sim_inject("clear"));
	ASSERT_EQ(0, cvm_clean_slate(s->fd));
	ASSERT_EQ(0, s->op->setup(s)) TH_LOG("%s %s: set-up", s->op->name, what);
	ASSERT_EQ(0, cvm_query(s->fd, s->base, RANGE_PAGES, s->before));
	s->priv = cvm_map(s->fd, s->base, RANGE_LEN, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, s->priv);
	s->shared = cvm_map(s->fd, s->base | CVM_VTLMEM_SHARED_VIEW, RANGE_LEN, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, s->shared);
	memcpy(q, s->before, sizeof(q));
	for (i = 0; i < RANGE_PAGES; i++) {
		if (!sampled(q, i, ~0ULL))
			continue;
		if (!s->op->lazy && ST(q[i]) == CVM_VTLMEM_PAGE_PRIVATE)
			ASSERT_EQ(0, cvm_try_read(s->priv + i * SZ_4K, &v));
		if (ST(q[i]) == CVM_VTLMEM_PAGE_SHARED)
			ASSERT_EQ(0, cvm_try_read(s->shared + i * SZ_4K, &v));
	}
}

/*
 * The checks below fail the test (EXPECT) and return false at their first
 * disagreement, so that the sweep goes on with the next k and the output
 * names every k that broke something.
 */
#define CHECK(cond, ...) do {							\
	if (!(cond)) {								\
		EXPECT_TRUE(cond) TH_LOG(__VA_ARGS__);				\
		return false;							\
	}									\
} while (0)

/* (b) and (c): records agree with the platform, views with the records. */
static bool check_state(struct __test_metadata *_metadata, struct sweep *s, const char *what,
			bool records)
{
	uint64_t priv, i, fail = ~0ULL;
	uint16_t q[RANGE_PAGES];
	int r;
	uint8_t v;

	if (records) {
		r = cvm_check_consistent(s->fd, s->base, RANGE_PAGES, &priv);
		CHECK(r == 0, "%s %s: QUERY and the platform disagree on %d pages (fail_gpa %#llx)",
		      s->op->name, what, r, (unsigned long long)s->fail_gpa);
	}
	CHECK(cvm_query(s->fd, s->base, RANGE_PAGES, q) == 0, "query");
	if (s->fail_gpa >= s->base && s->fail_gpa < s->base + RANGE_LEN)
		fail = (s->fail_gpa - s->base) / SZ_4K;
	for (i = 0; i < RANGE_PAGES; i++) {
		if (!sampled(q, i, fail))
			continue;
		/* Reading an unaccepted page of a lazy range would accept it. */
		if (!(s->op->lazy && ST(q[i]) == CVM_VTLMEM_PAGE_UNACCEPTED)) {
			r = cvm_try_read(s->priv + i * SZ_4K, &v);
			CHECK(r == (ST(q[i]) == CVM_VTLMEM_PAGE_PRIVATE ? 0 : -EFAULT),
			      "%s %s: page %llu (state %#x) read %d through the private view",
			      s->op->name, what, (unsigned long long)i, q[i], r);
		}
		r = cvm_try_read(s->shared + i * SZ_4K, &v);
		CHECK(r == (ST(q[i]) == CVM_VTLMEM_PAGE_SHARED ? 0 : -EFAULT),
		      "%s %s: page %llu (state %#x) read %d through the shared view",
		      s->op->name, what, (unsigned long long)i, q[i], r);
	}
	return true;
}

/*
 * SNP re-validates a 2 MiB unit to change part of it and then gives the
 * other pages their rights back; if that fails (a failure injected late in
 * the sweep), a neighbour stays private with fewer rights. PROTECT
 * documents it (EIO; QUERY shows it), and the records still match the
 * platform (checked separately).
 */
static bool snp_neighbour_lost_rights(struct sweep *s, uint64_t i, uint16_t now)
{
	uint64_t unit = i / 512, j;

	if (cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_SNP ||
	    ST(now) != CVM_VTLMEM_PAGE_PRIVATE || ST(s->before[i]) != CVM_VTLMEM_PAGE_PRIVATE)
		return false;
	for (j = unit * 512; j < (unit + 1) * 512 && j < RANGE_PAGES; j++)
		if (s->target[j])
			return true;
	return false;
}

/* (d): target pages as the operation promises, the others as they were. */
static bool check_end(struct __test_metadata *_metadata, struct sweep *s, const char *what)
{
	uint16_t q[RANGE_PAGES], mask, want;
	uint64_t i;

	CHECK(cvm_query(s->fd, s->base, RANGE_PAGES, q) == 0, "query");
	for (i = 0; i < RANGE_PAGES; i++) {
		if (s->target[i]) {
			want = s->op->want(s, i, &mask);
			CHECK(want == (q[i] & mask),
			      "%s %s: page %llu ends %#x, want %#x under mask %#x",
			      s->op->name, what, (unsigned long long)i, q[i], want, mask);
		} else if (s->before[i] != q[i] && snp_neighbour_lost_rights(s, i, q[i])) {
			TH_LOG("%s %s: page %llu beside the span lost rights %#x -> %#x (documented: SNP could not give them back)",
			       s->op->name, what, (unsigned long long)i, s->before[i], q[i]);
		} else {
			CHECK(s->before[i] == q[i], "%s %s: untouched page %llu went %#x -> %#x",
			      s->op->name, what, (unsigned long long)i, s->before[i], q[i]);
		}
	}
	return true;
}

/*
 * The documented recovery of what a failed operation left behind: a
 * quarantined page (state unknown) comes back through a private
 * transition, which accepts it from scratch; a page that was private and
 * is now unaccepted (SNP gave it up, or a unit split could not re-validate
 * it) is accepted again with GRANT_VTL0.
 */
static int recover_lost(struct sweep *s)
{
	static uint64_t g[RANGE_PAGES];
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .flags = CVM_VTLMEM_VISIBILITY_GPN_LIST,
		.visibility = CVM_VTLMEM_VISIBILITY_PRIVATE, .gpns = (uintptr_t)g,
	};
	uint16_t q[RANGE_PAGES];
	uint64_t i, n;
	int ret = cvm_query(s->fd, s->base, RANGE_PAGES, q);

	for (i = 0; i < RANGE_PAGES && !ret; i++)
		if (ST(q[i]) == CVM_VTLMEM_PAGE_QUARANTINED)
			g[v.count++] = s->base / SZ_4K + i;
	s->quarantined = v.count;
	if (!ret && v.count)
		ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);
	s->recover_status = v.fail_status;
	if (!ret)
		ret = cvm_query(s->fd, s->base, RANGE_PAGES, q);
	for (i = 0; i < RANGE_PAGES && !ret; i += n) {
		for (n = 0; i + n < RANGE_PAGES && ST(q[i + n]) == CVM_VTLMEM_PAGE_UNACCEPTED &&
		     ST(s->before[i + n]) == CVM_VTLMEM_PAGE_PRIVATE; n++)
			;
		if (n)
			ret = cvm_accept(s->fd, s->base + i * SZ_4K, n * SZ_4K,
					 CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL);
		else
			n = 1;
	}
	return ret;
}

/* (d) and (e): the repeat completes, accepting no page twice. */
static bool repeat(struct __test_metadata *_metadata, struct sweep *s, const char *what)
{
	struct sim_tot t;
	int ret;

	CHECK(cvm_sim_inject("clear") == 0 && counters_reset() == 0, "sim");
	ret = recover_lost(s);
	/*
	 * By design, a page the platform left in a state it cannot report
	 * stays quarantined. SNP: a page quarantined while still validated
	 * (its rights could not be taken, or given back after a unit split);
	 * validating it again answers "no update", which Linux terminates the
	 * guest on (EPROTO), or FAIL_SIZEMISMATCH inside a unit still
	 * validated at 2 MiB (EIO). TDX: a page the host kept inside a larger
	 * accepted page answers a 4 KiB accept with PAGE_SIZE_MISMATCH (EIO).
	 */
	if ((ret == -EPROTO && cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_SNP) ||
	    (ret == -EIO && cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_SNP &&
	     s->recover_status == SNP_FAIL_SIZEMISMATCH) ||
	    (ret == -EIO && cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX &&
	     s->recover_status == TDX_PAGE_SIZE_MISMATCH)) {
		uint16_t q[RANGE_PAGES];
		unsigned int i, quarantined = 0;

		CHECK(cvm_query(s->fd, s->base, RANGE_PAGES, q) == 0, "query");
		for (i = 0; i < RANGE_PAGES; i++)
			quarantined += ST(q[i]) == CVM_VTLMEM_PAGE_QUARANTINED;
		CHECK(quarantined > 0, "%s %s: recovery failed (%d), yet no page stayed quarantined",
		      s->op->name, what, ret);
		TH_LOG("%s %s: %u pages stay quarantined, their state unknown (%d)",
		       s->op->name, what, quarantined, ret);
		return true;
	}
	CHECK(ret == 0, "%s %s: recovering what the failure left returned %d", s->op->name,
	      what, ret);
	if (s->op->recover) {
		ret = s->op->recover(s);
		CHECK(ret == 0, "%s %s: recovery before the repeat returned %d", s->op->name,
		      what, ret);
	}
	ret = s->op->run(s);
	CHECK(ret == 0, "%s %s: the repeat returned %d (fail_gpa %#llx)", s->op->name, what,
	      ret, (unsigned long long)s->fail_gpa);
	CHECK(sim_totals(&t) == 0, "counters");
	/*
	 * No page is accepted twice. On TDX a quarantined page may be one the
	 * TDX module answers "already accepted" for: a refused accept that
	 * brings it back, one per such page at most.
	 */
	CHECK(t.accept_failures == 0 ||
	      (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX &&
	       t.accept_failures <= s->quarantined),
	      "%s %s: the repeat made refused accepts: %s",
	      s->op->name, what, t.failed);
	return check_state(_metadata, s, what, true) && check_end(_metadata, s, what);
}

/* A clean run: N calls, hypercalls among them; the end state as promised. */
static bool count_calls(struct __test_metadata *_metadata, struct sweep *s,
			struct sim_tot *t)
{
	fresh(_metadata, s, "clean");
	CHECK(counters_reset() == 0, "counters");
	CHECK(s->op->run(s) == 0, "%s: the clean run failed", s->op->name);
	CHECK(sim_totals(t) == 0, "counters");
	CHECK(t->accept_failures == 0, "%s: clean run refused accepts: %s", s->op->name,
	      t->failed);
	return check_state(_metadata, s, "clean", true) && check_end(_metadata, s, "clean");
}

/*
 * How many values of k: SWEEP_MAX_K, or a quarter of that on the debug
 * kernel (KASAN and lockdep make every run several times slower; the
 * sweep's spread still reaches 1, 2, N-1 and N).
 */
static unsigned int max_k(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) ? SWEEP_MAX_K : SWEEP_MAX_K / 4;
}

/* k values: all of 1..N, or max_k() spread evenly with 1, 2, N-1, N. */
static unsigned int pick_k(long long n, long long *k)
{
	unsigned int i, m = 0, most = max_k();

	if (n <= most) {
		for (i = 1; i <= n; i++)
			k[m++] = i;
		return m;
	}
	k[m++] = 1;
	k[m++] = 2;
	for (i = 1; i <= most - 4; i++)
		k[m++] = 2 + (long long)i * (n - 4) / (most - 3);
	k[m++] = n - 1;
	k[m++] = n;
	return m;
}

/*
 * One injected run: arm @inject (after @inject2), run, check, repeat.
 * *@ret gets what the run returned. A phantom success the ABI does not
 * promise to catch (the platform has no way to read back what the host
 * claims it did) is only logged: records and platform then disagree by
 * construction and no repeat can know.
 */
static bool injected(struct __test_metadata *_metadata, struct sweep *s, const char *what,
		     const char *inject, const char *inject2, bool must_fire, int *ret)
{
	bool phantom = !strcmp(inject, "lie phantom");
	struct sim_tot t;
	uint64_t priv;
	int bad;

	fresh(_metadata, s, what);
	CHECK(counters_reset() == 0, "counters");
	if (inject2)
		CHECK(cvm_sim_inject(inject2) == 0, "%s", inject2);
	CHECK(cvm_sim_inject(inject) == 0, "%s", inject);
	*ret = s->op->run(s);
	CHECK(cvm_sim_inject("clear") == 0 && sim_totals(&t) == 0, "sim");
	CHECK(errno_allowed(s->op, *ret), "%s %s: returned %d (%s)", s->op->name, what, *ret,
	      strerror(-*ret));
	if (must_fire)
		CHECK(t.failures >= 1, "%s %s: the injection never fired", s->op->name, what);
	if (phantom && !s->op->phantom_detected) {
		bad = cvm_check_consistent(s->fd, s->base, RANGE_PAGES, &priv);
		TH_LOG("%s %s: returned %d; %d pages recorded as the host claimed, not as it did "
		       "(not detectable: the ABI promises to catch no progress, overcount, "
		       "backwards)", s->op->name, what, *ret, bad);
		/*
		 * Nor are the views read: the module maps what its records
		 * allow, and the rig counts pages mapped that the platform
		 * does not back (unusable_maps) against the whole suite.
		 */
		return true;
	}
	return check_state(_metadata, s, what, true) && repeat(_metadata, s, what);
}

static void sweep_op(struct __test_metadata *_metadata, struct sweep *s, const struct op *op)
{
	static const char *const lies[] = { "phantom", "backwards", "overcount", "noprogress" };
	long long k[SWEEP_MAX_K];
	unsigned int m, i, errs = 0, broken = 0;
	struct sim_tot t;
	char what[64], cmd[96];
	double start = cvm_now();
	int ret;

	s->op = op;
	if (!count_calls(_metadata, s, &t))
		return;
	m = pick_k(t.calls, k);
	for (i = 0; i < m && broken < 4; i++) {
		snprintf(what, sizeof(what), "k=%lld/%lld", k[i], t.calls);
		snprintf(cmd, sizeof(cmd), "fail nth=%lld status=%s", k[i], fail_status());
		if (!injected(_metadata, s, what, cmd, NULL, true, &ret))
			broken++;
		errs += ret != 0;
	}
	if (broken >= 4)
		TH_LOG("%s: stopped after 4 broken values of k", op->name);
	for (i = 0; t.hcalls && i < 4; i++) {
		/*
		 * VBS shares pages while still accepted, and a hypervisor
		 * contradicting itself on going shared leaves them quarantined:
		 * the private transition that would bring one back cannot tell
		 * "already accepted" from "still host-visible" (both are
		 * OPERATION_DENIED), so the page stays quarantined, as it must.
		 * TDX names "already accepted" itself: such a page comes back.
		 */
		/*
		 * A touch maps what the host claims: a phantom accept cannot be
		 * caught (the ABI promises no such thing) and would be mapped.
		 */
		if (!i && op->lazy) {
			TH_LOG("%s lie phantom: skipped, the touch would map what the host claimed",
			       op->name);
			continue;
		}
		if (i && !strncmp(op->name, "to_shared", 9) &&
		    cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS) {
			TH_LOG("%s lie %s: skipped, VBS cannot tell an accepted page from a host-visible one",
			       op->name, lies[i]);
			continue;
		}
		snprintf(what, sizeof(what), "lie %s", lies[i]);
		snprintf(cmd, sizeof(cmd), "lie %s", lies[i]);
		/* A host goes backwards only on a continuation: TIME_OUTs make some. */
		if (!injected(_metadata, s, what, cmd, i == 1 ? "timeout reps=50" : NULL, false,
			      &ret))
			broken++;
	}
	if (t.hcalls) {
		if (!injected(_metadata, s, "timeout storm", "timeout reps=1", NULL, false, &ret))
			broken++;
		EXPECT_EQ(0, ret) TH_LOG("%s: a TIME_OUT storm that progresses must complete",
					 op->name);
	}
	TH_LOG("%s: N=%lld calls (%lld hypercalls), %u values of k, %u returned an error, "
	       "%u runs broke an invariant, %.1f s", op->name, t.calls, t.hcalls, m, errs, broken,
	       cvm_now() - start);
}

#define SWEEP(tname, idx)						\
TEST_F_TIMEOUT(sweep, tname, 240)					\
{									\
	if (!ops[idx].supported())					\
		SKIP(return, "%s: not on this platform", ops[idx].name);	\
	sweep_op(_metadata, self->s, &ops[idx]);			\
}

SWEEP(accept, 0)
SWEEP(accept_nowait, 1)
SWEEP(lazy_touch, 2)
SWEEP(to_shared_span, 3)
SWEEP(to_shared_list, 4)
SWEEP(to_private_span, 5)
SWEEP(to_private_list, 6)
SWEEP(protect_vtl0, 7)
SWEEP(protect_vtl1, 8)

/* Where one mask binds both VTLs, VTL1's own is not VTL2's to set. */
TEST_F(sweep, protect_vtl1_unsupported)
{
	struct sweep *s = self->s;
	struct sim_tot t;

	if (!one_mask())
		SKIP(return, "VTL1 has its own rights here");
	s->op = &ops[8];
	fresh(_metadata, s, "vtl1");
	ASSERT_EQ(0, counters_reset());
	EXPECT_EQ(-EOPNOTSUPP, run_protect1(s));
	ASSERT_EQ(0, sim_totals(&t));
	EXPECT_EQ(0, t.calls);
	check_state(_metadata, s, "vtl1", true);
}

/* Without isolation nothing is accepted and nothing goes shared. */
TEST_F(sweep, none_issues_nothing)
{
	struct sweep *s = self->s;
	struct sim_tot t;

	if (isolated())
		SKIP(return, "isolated partition");
	s->op = &ops[0];
	fresh(_metadata, s, "none");
	ASSERT_EQ(0, counters_reset());
	EXPECT_EQ(0, run_accept(s));
	s->op = &ops[3];
	fresh(_metadata, s, "none");
	EXPECT_EQ(-EOPNOTSUPP, run_to_shared(s));
	ASSERT_EQ(0, sim_totals(&t));
	EXPECT_EQ(0, t.calls);
}

/* ---- PROTECT_VTL2, on pieces of this kernel's RAM ---- */

#define PIECE		(8ULL << 20)
#define PIECE_PAGES	(PIECE / SZ_4K)

/* The largest "System RAM" extent of /proc/iomem, whole pages [first, end). */
static int largest_ram(uint64_t *first, uint64_t *end)
{
	unsigned long long start, last;
	char line[256], name[128];
	FILE *f = fopen("/proc/iomem", "r");

	*first = *end = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t a, b;

		if (sscanf(line, "%llx-%llx : %127[^\n]", &start, &last, name) != 3 ||
		    strcmp(name, "System RAM"))
			continue;
		a = (start + SZ_4K - 1) / SZ_4K;
		b = (last + 1) / SZ_4K;
		if (b > a && b - a > *end - *first) {
			*first = a;
			*end = b;
		}
	}
	fclose(f);
	return 0;
}

/*
 * Pages of [@first, @end) at no rights for VTL @vtl in sim/vtl2_rights;
 * -1 if any line is not readable. @any counts every extent line.
 */
static long long vtl2_none(uint64_t first, uint64_t end, int *bits, long long *any)
{
	unsigned long long a, b;
	unsigned int vtl, r;
	long long pages = 0;
	FILE *f = fopen(VTL2_RIGHTS, "r");
	uint64_t i, lo, hi;

	if (!f)
		return -1;
	*any = 0;
	memset(bits, 0, PIECE_PAGES * sizeof(int));
	while (fscanf(f, "%u %llx %llx %x", &vtl, &a, &b, &r) == 4) {
		(*any)++;
		if (r)
			continue;
		lo = a / SZ_4K > first ? a / SZ_4K : first;
		hi = (b + 1) / SZ_4K < end ? (b + 1) / SZ_4K : end;
		for (i = lo; i < hi; i++)
			bits[i - first] |= 1 << vtl;
	}
	fclose(f);
	for (i = 0; i < end - first; i++)
		pages += bits[i] == 3;
	return pages;
}

static int protect_vtl2(int fd, uint64_t first, struct cvm_vtlmem_protect_vtl2 *out)
{
	*out = (struct cvm_vtlmem_protect_vtl2){
		.size = sizeof(*out), .gpa = first * SZ_4K, .length = PIECE,
	};
	return cvm_ioctl(fd, CVM_VTLMEM_IOC_PROTECT_VTL2, out);
}

/* One piece: inject, run, check that done is exact, repeat, check all. */
static void vtl2_piece(struct __test_metadata *_metadata, int fd, uint64_t first,
		       const char *inject, const char *inject2, const char *what, bool fire)
{
	static int bits[PIECE_PAGES];
	struct cvm_vtlmem_protect_vtl2 out;
	struct sim_tot t;
	long long any, none;
	int ret;

	ASSERT_EQ(0, counters_reset());
	if (inject2)
		ASSERT_EQ(0, cvm_sim_inject(inject2));
	if (inject)
		ASSERT_EQ(0, cvm_sim_inject(inject));
	ret = protect_vtl2(fd, first, &out);
	ASSERT_EQ(0, cvm_sim_inject("clear"));
	ASSERT_EQ(0, sim_totals(&t));
	ASSERT_TRUE(ret == 0 || ret == -EIO || ret == -EPROTO || ret == -ETIMEDOUT)
		TH_LOG("protect_vtl2 %s: returned %d", what, ret);
	if (fire)
		ASSERT_LE(1, t.failures) TH_LOG("protect_vtl2 %s: never fired", what);
	none = vtl2_none(first, first + PIECE_PAGES, bits, &any);
	ASSERT_LE(0, none);
	if (inject && !strcmp(inject, "lie phantom")) {
		/* Not detectable (see injected()); the piece stays as the host left it. */
		TH_LOG("protect_vtl2 %s: returned %d, done %llu, %lld pages protected",
		       what, ret, (unsigned long long)out.done, none);
		return;
	}
	/* done: exactly the pages both lower VTLs lost. */
	ASSERT_EQ(none, (long long)out.done) TH_LOG("protect_vtl2 %s: returned %d", what, ret);
	if (ret)
		ASSERT_GT(PIECE_PAGES, out.done);
	ASSERT_EQ(0, counters_reset());
	ASSERT_EQ(0, protect_vtl2(fd, first, &out)) TH_LOG("protect_vtl2 %s: repeat", what);
	ASSERT_EQ(PIECE_PAGES, out.done);
	ASSERT_EQ(0, sim_totals(&t));
	ASSERT_EQ(0, t.failures) TH_LOG("protect_vtl2 %s: repeat refused: %s", what, t.failed);
	ASSERT_EQ(PIECE_PAGES, vtl2_none(first, first + PIECE_PAGES, bits, &any));
}

TEST_F_TIMEOUT(sweep, protect_vtl2, 240)
{
	static const char *const lies[] = { "phantom", "backwards", "overcount", "noprogress" };
	static int bits[PIECE_PAGES];
	uint64_t first, end, next;
	long long k[SWEEP_MAX_K], any, n;
	struct cvm_vtlmem_protect_vtl2 out;
	struct sim_tot t;
	char cmd[96], what[64];
	unsigned int m, i;

	if (isolated())
		SKIP(return, "self-protection is for non-isolated partitions");
	ASSERT_EQ(0, largest_ram(&first, &end));
	ASSERT_LE(0, vtl2_none(first, first, bits, &any));
	if (any)
		SKIP(return, "an earlier suite already protected VTL2 RAM (run this suite alone)");
	/* Pieces from the middle of the largest extent, one per run. */
	next = (first + (end - first) / 4 + PIECE_PAGES - 1) / PIECE_PAGES * PIECE_PAGES;
	ASSERT_LT(next + (SWEEP_MAX_K + 8) * PIECE_PAGES, end);
	ASSERT_EQ(0, counters_reset());
	ASSERT_EQ(0, protect_vtl2(self->s->fd, next, &out));
	ASSERT_EQ(PIECE_PAGES, out.done);
	ASSERT_EQ(0, sim_totals(&t));
	n = t.calls;
	ASSERT_LT(0, n);
	next += PIECE_PAGES;
	m = pick_k(n, k);
	for (i = 0; i < m; i++, next += PIECE_PAGES) {
		snprintf(what, sizeof(what), "k=%lld/%lld", k[i], n);
		snprintf(cmd, sizeof(cmd), "fail nth=%lld status=5", k[i]);
		vtl2_piece(_metadata, self->s->fd, next, cmd, NULL, what, true);
	}
	for (i = 0; i < 4; i++, next += PIECE_PAGES) {
		snprintf(cmd, sizeof(cmd), "lie %s", lies[i]);
		vtl2_piece(_metadata, self->s->fd, next, cmd, i == 1 ? "timeout reps=50" : NULL,
			   cmd, false);
	}
	vtl2_piece(_metadata, self->s->fd, next, "timeout reps=1", NULL, "timeout storm", false);
	TH_LOG("protect_vtl2: N=%lld calls per piece, %u values of k", n, m);
}

TEST_HARNESS_MAIN
