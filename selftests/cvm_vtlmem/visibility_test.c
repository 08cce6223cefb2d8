// SPDX-License-Identifier: GPL-2.0
/*
 * SET_VISIBILITY: round trips on scattered pages with the contents each
 * view must show, mappings held across transitions, concurrent readers and
 * writers never seeing a page through the wrong view, and a host that
 * refuses, stalls or lies.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define RANGE_LEN	(16ULL << 20)
#define NPAGES		(RANGE_LEN / SZ_4K)

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

/* Read one byte; returns -1 on SIGBUS. Single-threaded callers only. */
static int peek(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int v;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(fault_jmp, 1))
		v = -1;
	else
		v = *p;
	sigaction(SIGBUS, &old, NULL);
	return v;
}

static int set_vis(int fd, const uint64_t *gpns, uint32_t n, uint32_t vis,
		   struct cvm_vtlmem_visibility *out)
{
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .flags = CVM_VTLMEM_VISIBILITY_GPN_LIST,
		.visibility = vis, .count = n, .gpns = (uintptr_t)gpns,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);

	if (out)
		*out = v;
	return ret;
}

/* 1..200: never the host's 0xee, never zero. */
static uint8_t pattern(uint64_t page)
{
	return 1 + page % 200;
}

FIXTURE(vis) {
	int fd;
	uint64_t base;
	uint8_t *priv;
	uint8_t *shared;
};

FIXTURE_SETUP(vis)
{
	uint64_t i;

	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, RANGE_LEN, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, RANGE_LEN, CVM_VTLMEM_ACCEPT_GRANT_VTL0,
				NULL));
	self->priv = mmap(NULL, RANGE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
			  self->base);
	ASSERT_NE(MAP_FAILED, self->priv);
	self->shared = mmap(NULL, RANGE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
			    self->base | CVM_VTLMEM_SHARED_VIEW);
	ASSERT_NE(MAP_FAILED, self->shared);
	for (i = 0; i < NPAGES; i++)
		memset(self->priv + i * SZ_4K, pattern(i), SZ_4K);
}

FIXTURE_TEARDOWN(vis)
{
	if (self->priv)
		munmap(self->priv, RANGE_LEN);
	if (self->shared)
		munmap(self->shared, RANGE_LEN);
	cvm_sim_inject("clear");
	cvm_sim_slow(0);
	cvm_clean_slate(self->fd);
	close(self->fd);
}

static void need_isolation(struct __test_metadata *_metadata)
{
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		SKIP(return, "no host visibility without isolation");
}

/* Bytes of a page equal to @b. */
static unsigned int count_bytes(const volatile uint8_t *p, uint8_t b)
{
	unsigned int i, n = 0;

	for (i = 0; i < SZ_4K; i++)
		n += p[i] == b;
	return n;
}

/*
 * What the host sees of a page that goes shared: on VBS the plaintext, so
 * the module zeroes the page first unless the caller shares its contents on
 * purpose (KEEP_CONTENTS); on SNP and TDX only ciphertext.
 */
TEST_F(vis, host_reads_no_private_contents_unless_asked)
{
	uint64_t g[2] = { self->base / SZ_4K + 40, self->base / SZ_4K + 41 };
	struct cvm_vtlmem_visibility keep = {
		.size = sizeof(keep),
		.flags = CVM_VTLMEM_VISIBILITY_GPN_LIST | CVM_VTLMEM_VISIBILITY_KEEP_CONTENTS,
		.visibility = CVM_VTLMEM_VISIBILITY_SHARED, .count = 1, .gpns = (uintptr_t)&g[1],
	};
	const volatile uint8_t *p40 = self->shared + 40 * SZ_4K, *p41 = self->shared + 41 * SZ_4K;
	bool vbs = cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	ASSERT_EQ(0, set_vis(self->fd, g, 1, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &keep));
	if (vbs) {
		EXPECT_EQ(SZ_4K, count_bytes(p40, 0));
		EXPECT_EQ(SZ_4K, count_bytes(p41, pattern(41)));
	} else {
		EXPECT_EQ(0, count_bytes(p40, pattern(40)));
		EXPECT_EQ(0, count_bytes(p41, pattern(41)));
	}
	/* Keeping contents means something only on the way to the host. */
	keep.visibility = CVM_VTLMEM_VISIBILITY_PRIVATE;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &keep));
	EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, g[1] * SZ_4K));
}

/* SNP revokes lower-VTL rights before rescinding, but not rights nobody has. */
TEST_F(vis, pages_without_rights_go_shared_without_revoking)
{
	struct cvm_vtlmem_protect none = {
		.size = sizeof(none), .gpa = self->base + SZ_2M, .length = SZ_2M, .rights = 0,
	};
	uint64_t g[16], i, priv;

	if (cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_SNP)
		SKIP(return, "only SNP revokes rights before sharing");
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT, &none));
	for (i = 0; i < 16; i++)
		g[i] = (self->base + SZ_2M) / SZ_4K + 3 * i;
	ASSERT_EQ(0, cvm_write_file(CVM_DEBUGFS "/sim/counters", "0"));
	ASSERT_EQ(0, set_vis(self->fd, g, 16, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
	EXPECT_EQ(0, cvm_sim_calls("rmpadjust"));
	EXPECT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES, &priv));
}

TEST_F(vis, none_isolation_has_no_visibility)
{
	uint64_t g = self->base / SZ_4K;

	if (cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_NONE)
		SKIP(return, "isolated partition");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, 0));
	EXPECT_EQ(-EOPNOTSUPP, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
}

TEST_F(vis, scattered_round_trip_shows_what_each_view_promises)
{
	static const uint64_t rel[] = { 3, 700, 701, 702, 2000, 513, 3, 4095 };
	const unsigned int n = sizeof(rel) / sizeof(rel[0]);
	uint64_t gpns[8], i;
	struct cvm_vtlmem_visibility out;
	uint16_t s;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	for (i = 0; i < n; i++)
		gpns[i] = self->base / SZ_4K + rel[i];
	ASSERT_EQ(0, set_vis(self->fd, gpns, n, CVM_VTLMEM_VISIBILITY_SHARED, &out));
	EXPECT_EQ(n, out.processed);
	for (i = 0; i < n; i++) {
		uint64_t off = rel[i] * SZ_4K;

		ASSERT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, self->base + off));
		ASSERT_EQ(0, cvm_sim_state(self->base + off, 1, &s));
		EXPECT_EQ(3, SIM_PAGE_VIS(s));
		if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS) {
			/* VBS shares a page still accepted, with its rights. */
			EXPECT_NE(0, s & SIM_PAGE_ACCEPTED);
			EXPECT_EQ(0xf, SIM_PAGE_VTL0(s));
		} else {
			EXPECT_EQ(0, s & SIM_PAGE_ACCEPTED);
			EXPECT_EQ(0, SIM_PAGE_VTL0(s));
		}
		/* The private view is gone, the shared view works. */
		EXPECT_EQ(-1, peek(self->priv + off));
		EXPECT_NE(-1, peek(self->shared + off));
		/* The host writes into its shared page. */
		memset(self->shared + off, 0xee, SZ_4K);
	}
	/* Neighbours are untouched. */
	EXPECT_EQ(pattern(4), peek(self->priv + 4 * SZ_4K));
	EXPECT_EQ(pattern(699), peek(self->priv + 699 * SZ_4K));

	ASSERT_EQ(0, set_vis(self->fd, gpns, n, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(n, out.processed);
	for (i = 0; i < n; i++) {
		uint64_t off = rel[i] * SZ_4K, j;
		uint16_t q;

		ASSERT_EQ(0, cvm_query(self->fd, self->base + off, 1, &q));
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, q & CVM_VTLMEM_PAGE_STATE_MASK);
		EXPECT_EQ(0xf, (q >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf);
		ASSERT_EQ(0, cvm_sim_state(self->base + off, 1, &s));
		EXPECT_EQ(0, SIM_PAGE_VIS(s));
		EXPECT_NE(0, s & SIM_PAGE_ACCEPTED);
		EXPECT_EQ(-1, peek(self->shared + off));
		/* Back in private memory: zeroes, never the host's data. */
		for (j = 0; j < SZ_4K; j++)
			ASSERT_EQ(0, self->priv[off + j]);
	}
	EXPECT_EQ(pattern(702 + 1), peek(self->priv + 703 * SZ_4K));
}

TEST_F(vis, span_form_and_already_in_state_is_skipped)
{
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .visibility = CVM_VTLMEM_VISIBILITY_SHARED,
		.gpa = 0, .length = 8 * SZ_4K,
	};
	long long calls;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	v.gpa = self->base + SZ_2M;
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	EXPECT_EQ(8, v.processed);
	ASSERT_EQ(0, cvm_write_file(CVM_DEBUGFS "/sim/counters", "0"));
	v.size = sizeof(v);
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	EXPECT_EQ(8, v.processed);
	calls = cvm_counter(CVM_DEBUGFS "/stats", "visibility_ops");
	EXPECT_LE(1, calls);
	/* Nothing to do: no hypercall at all. */
	EXPECT_EQ(0, system("grep -q '^hv_visibility calls=0 ' " CVM_DEBUGFS "/sim/counters"));
}

TEST_F(vis, bad_entries_fail_before_anything_changes)
{
	uint64_t g[4];
	struct cvm_vtlmem_visibility out;
	struct cvm_vtlmem_visibility v = { .size = sizeof(v) };

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + RANGE_LEN, SZ_2M,
				   CVM_VTLMEM_RANGE_PRIVATE, 0));
	g[0] = self->base / SZ_4K + 10;
	g[1] = self->base / SZ_4K + 11;
	g[2] = (self->base + RANGE_LEN) / SZ_4K + 5;	/* unaccepted */
	g[3] = self->base / SZ_4K + 12;
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS) {
		/* VBS shares only accepted pages. */
		EXPECT_EQ(-EPERM, set_vis(self->fd, g, 4, CVM_VTLMEM_VISIBILITY_SHARED, &out));
		EXPECT_EQ(2, out.fail_index);
		EXPECT_EQ(0, out.processed);
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE,
			  cvm_page_state(self->fd, self->base + 10 * SZ_4K));
		EXPECT_EQ(pattern(10), peek(self->priv + 10 * SZ_4K));
	} else {
		/* Elsewhere an unaccepted page has nothing to give up: it goes. */
		EXPECT_EQ(0, set_vis(self->fd, g + 2, 1, CVM_VTLMEM_VISIBILITY_SHARED, &out));
		EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, g[2] * SZ_4K));
	}
	g[2] = (self->base + (600ULL << 20)) / SZ_4K;	/* in no range */
	EXPECT_EQ(-ENOENT, set_vis(self->fd, g, 4, CVM_VTLMEM_VISIBILITY_SHARED, &out));
	EXPECT_EQ(2, out.fail_index);
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, self->base + 11 * SZ_4K));
	EXPECT_EQ(-EINVAL, set_vis(self->fd, g, 0, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
	EXPECT_EQ(-EINVAL, set_vis(self->fd, g, 1, 2, NULL));
	v.flags = 1U << 5;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	v.flags = 0;
	v.gpa = self->base;
	v.length = SZ_4K;
	v.count = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	v.count = 0;
	v.gpa = self->base + 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	v.gpa = ~0ULL & ~0xfffULL;
	v.length = 2 * SZ_4K;
	EXPECT_EQ(-EOVERFLOW, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
}

static void check_matches_sim(struct __test_metadata *_metadata, int fd, uint64_t gpa,
			      uint64_t n)
{
	uint16_t q[512], s[512];
	uint64_t i;

	ASSERT_GE(512, n);
	ASSERT_EQ(0, cvm_query(fd, gpa, n, q));
	ASSERT_EQ(0, cvm_sim_state(gpa, n, s));
	for (i = 0; i < n; i++) {
		int st = q[i] & CVM_VTLMEM_PAGE_STATE_MASK;

		if (st == CVM_VTLMEM_PAGE_SHARED)
			ASSERT_EQ(3, SIM_PAGE_VIS(s[i])) TH_LOG("page %llu", (unsigned long long)i);
		if (st == CVM_VTLMEM_PAGE_PRIVATE) {
			ASSERT_EQ(0, SIM_PAGE_VIS(s[i])) TH_LOG("page %llu", (unsigned long long)i);
			ASSERT_NE(0, s[i] & SIM_PAGE_ACCEPTED) TH_LOG("page %llu",
								 (unsigned long long)i);
		}
	}
}

TEST_F(vis, host_refusing_to_share_quarantines_exactly)
{
	uint64_t g[300], i, bad = 137;
	struct cvm_vtlmem_visibility out;
	char cmd[96];
	uint16_t q[300];
	bool tdx;
	int kept;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	for (i = 0; i < 300; i++)
		g[i] = self->base / SZ_4K + 1024 + i;
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=6 code=0xdb",
		 (unsigned long long)g[bad]);
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, set_vis(self->fd, g, 300, CVM_VTLMEM_VISIBILITY_SHARED, &out));
	EXPECT_EQ(bad, out.fail_index);
	EXPECT_EQ(6, out.fail_status);
	EXPECT_EQ(bad, out.processed);
	/*
	 * TDX and VBS give nothing up before converting, so a refused page is
	 * still accepted and private; SNP rescinded it: the refused page is
	 * quarantined, and those the call never reached are what they are,
	 * private and unaccepted.
	 */
	tdx = cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_SNP;
	ASSERT_EQ(0, cvm_query(self->fd, g[0] * SZ_4K, 300, q));
	for (i = 0; i < 300; i++)
		ASSERT_EQ(i < bad ? CVM_VTLMEM_PAGE_SHARED : tdx ? CVM_VTLMEM_PAGE_PRIVATE :
			  i == bad ? CVM_VTLMEM_PAGE_QUARANTINED : CVM_VTLMEM_PAGE_UNACCEPTED,
			  q[i] & CVM_VTLMEM_PAGE_STATE_MASK);
	/*
	 * A quarantined page is in neither view; a kept one keeps its data, but
	 * on VBS it was zeroed before the host could read it.
	 */
	kept = cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS ? 0 : pattern(1024 + bad);
	EXPECT_EQ(tdx ? kept : -1, peek(self->priv + (1024 + bad) * SZ_4K));
	EXPECT_EQ(-1, peek(self->shared + (1024 + bad) * SZ_4K));
	check_matches_sim(_metadata, self->fd, g[0] * SZ_4K, 300);
	/* Going private re-accepts quarantined pages from scratch. */
	ASSERT_EQ(0, set_vis(self->fd, g, 300, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(300, out.processed);
	EXPECT_EQ(tdx ? kept : 0, peek(self->priv + (1024 + bad) * SZ_4K));
	check_matches_sim(_metadata, self->fd, g[0] * SZ_4K, 300);
}

/*
 * The host remaps a page the guest accepted (the simulator's "remap": its
 * acceptance and rights gone, its contents host garbage), then the page is
 * shared. SNP finds out when it takes the page's rights before giving it
 * up: RMPADJUST fails (EIO with its status) and the page, whose state is
 * now unknown, is quarantined, in neither view. TDX gives nothing up before
 * the host converts: the share succeeds and the page is shared. VBS has no
 * such host: the hypervisor is the isolation. Either way the records equal
 * the platform's state, and going private brings the page back zeroed.
 */
TEST_F(vis, host_remap_before_share)
{
	uint64_t g = self->base / SZ_4K + 2048;
	struct cvm_vtlmem_visibility out;
	bool snp = cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_SNP;
	char cmd[64];
	int ret;

	need_isolation(_metadata);
	if (cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_SNP &&
	    cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_TDX)
		SKIP(return, "no host that can remap a page here");
	snprintf(cmd, sizeof(cmd), "remap gpn=%#llx", (unsigned long long)g);
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	ret = set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_SHARED, &out);
	EXPECT_EQ(snp ? -EIO : 0, ret);
	EXPECT_EQ(snp ? CVM_VTLMEM_PAGE_QUARANTINED : CVM_VTLMEM_PAGE_SHARED,
		  cvm_page_state(self->fd, g * SZ_4K));
	EXPECT_EQ(-1, peek(self->priv + 2048 * SZ_4K));
	if (snp)
		EXPECT_EQ(-1, peek(self->shared + 2048 * SZ_4K));
	check_matches_sim(_metadata, self->fd, g * SZ_4K, 1);
	ASSERT_EQ(0, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(SZ_4K, count_bytes(self->priv + 2048 * SZ_4K, 0));
	check_matches_sim(_metadata, self->fd, g * SZ_4K, 1);
}

TEST_F(vis, host_refusing_to_unshare_leaves_the_tail_shared)
{
	uint64_t g[64], i, bad = 40;
	struct cvm_vtlmem_visibility out;
	char cmd[96];

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	for (i = 0; i < 64; i++)
		g[i] = self->base / SZ_4K + 3000 + i;
	ASSERT_EQ(0, set_vis(self->fd, g, 64, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
	memset(self->shared + 3000 * SZ_4K, 0x5c, 64 * SZ_4K);
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=5 code=0xdb",
		 (unsigned long long)g[bad]);
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, set_vis(self->fd, g, 64, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(bad, out.fail_index);
	EXPECT_EQ(bad, out.processed);
	for (i = 0; i < 64; i++) {
		int want = i < bad ? CVM_VTLMEM_PAGE_PRIVATE : CVM_VTLMEM_PAGE_SHARED;

		ASSERT_EQ(want, cvm_page_state(self->fd, g[i] * SZ_4K));
	}
	/* The tail is still shared and usable, with the host's data. */
	EXPECT_EQ(0x5c, peek(self->shared + (3000 + bad) * SZ_4K));
	EXPECT_EQ(0, peek(self->priv + 3000 * SZ_4K));
	check_matches_sim(_metadata, self->fd, g[0] * SZ_4K, 64);
}

TEST_F(vis, timeout_storm_completes)
{
	uint64_t g[1200], i;
	struct cvm_vtlmem_visibility out;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	for (i = 0; i < 1200; i++)
		g[i] = self->base / SZ_4K + 512 + i * 2;
	ASSERT_EQ(0, cvm_sim_inject("timeout reps=7"));
	ASSERT_EQ(0, set_vis(self->fd, g, 1200, CVM_VTLMEM_VISIBILITY_SHARED, &out));
	EXPECT_EQ(1200, out.processed);
	ASSERT_EQ(0, set_vis(self->fd, g, 1200, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(1200, out.processed);
	check_matches_sim(_metadata, self->fd, self->base + 512 * SZ_4K, 512);
}

TEST_F(vis, lying_host_is_detected)
{
	uint64_t g = self->base / SZ_4K + 77;
	struct cvm_vtlmem_visibility out;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	ASSERT_EQ(0, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
	/* Claims the page went private without doing it: accept must fail. */
	ASSERT_EQ(0, cvm_sim_inject("lie phantom"));
	EXPECT_NE(0, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_PRIVATE, &out));
	EXPECT_EQ(0, out.processed);
	EXPECT_EQ(CVM_VTLMEM_PAGE_QUARANTINED, cvm_page_state(self->fd, g * SZ_4K));
	EXPECT_EQ(-1, peek(self->priv + 77 * SZ_4K));
	/* No progress reported as success. */
	ASSERT_EQ(0, cvm_sim_inject("lie noprogress"));
	g++;
	EXPECT_EQ(-EPROTO, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_SHARED, &out));
}

/* Per-thread SIGBUS recovery for the readers below. */
static __thread sigjmp_buf thread_jmp;

static void on_thread_sigbus(int sig)
{
	siglongjmp(thread_jmp, 1);
}

struct hammer {
	uint8_t *priv;
	volatile int *stop;
	int id;
	uint64_t host_data_seen;
	uint64_t reads;
	uint64_t faults;
};

/* Read and write my 64 pages through the private view, forever. */
static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	unsigned int seed = h->id;

	while (!*h->stop) {
		uint64_t page = 64 * h->id + rand_r(&seed) % 64;
		volatile uint8_t *b = h->priv + page * SZ_4K + (rand_r(&seed) % SZ_4K);

		if (sigsetjmp(thread_jmp, 1)) {
			h->faults++;	/* not private right now: fine */
			continue;
		}
		if (*b == 0xee)
			h->host_data_seen++;
		*b = pattern(page);
		h->reads++;
	}
	return NULL;
}

/* Eight spinning threads on two emulated CPUs: give the flipper time. */
TEST_F_TIMEOUT(vis, concurrent_users_never_see_the_wrong_view, 180)
{
	struct sigaction sa = { .sa_handler = on_thread_sigbus }, old;
	struct hammer h[8];
	pthread_t th[8];
	volatile int stop = 0;
	uint64_t g[16], round, i, bad = 0, faults = 0;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	sigaction(SIGBUS, &sa, &old);
	for (i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .priv = self->priv, .stop = &stop, .id = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, hammer_fn, &h[i]));
	}
	for (round = 0; round < 16; round++) {
		/* Two pages of every thread flip each round. */
		for (i = 0; i < 16; i++)
			g[i] = self->base / SZ_4K + 64 * (i / 2) + (round * 5 + i * 11) % 64;
		ASSERT_EQ(0, set_vis(self->fd, g, 16, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
		for (i = 0; i < 16; i++)
			memset(self->shared + (g[i] - self->base / SZ_4K) * SZ_4K, 0xee, SZ_4K);
		ASSERT_EQ(0, set_vis(self->fd, g, 16, CVM_VTLMEM_VISIBILITY_PRIVATE, NULL));
	}
	stop = 1;
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		bad += h[i].host_data_seen;
		faults += h[i].faults;
	}
	sigaction(SIGBUS, &old, NULL);
	EXPECT_EQ(0, bad);
	TH_LOG("%llu SIGBUS while pages were shared", (unsigned long long)faults);
	check_matches_sim(_metadata, self->fd, self->base, 512);
}

struct unit_reader {
	const volatile uint8_t *unit;	/* a 2 MiB unit of the private view */
	uint64_t first;			/* its first page, for pattern() */
	uint64_t skip;			/* the page going shared: not read */
	volatile int *stop;
	uint64_t reads;
	uint64_t wrong;
};

/* Read every other page of the unit, over and over. */
static void *read_unit(void *arg)
{
	struct unit_reader *u = arg;
	uint64_t i;

	while (!*u->stop)
		for (i = 0; i < 512; i++) {
			if (i == u->skip)
				continue;
			if (u->unit[i * SZ_4K + 99] != pattern(u->first + i))
				u->wrong++;
			u->reads++;
		}
	return NULL;
}

/*
 * SNP turns part of a unit validated at 2 MiB shared by re-validating the
 * unit at 4 KiB. Meanwhile its other pages are not validated: no fault may
 * map them then (on hardware the access would fault). The simulation
 * counts such mappings (stats unusable_maps); a reader hammers the unit's
 * other pages while one page of it goes shared, for several units.
 */
TEST_F(vis, unit_being_revalidated_is_not_mapped)
{
	volatile int stop;
	long long before;
	uint64_t unit, g;
	pthread_t th;

	need_isolation(_metadata);
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE)
		return;
	/* A window of tens of milliseconds per split. */
	ASSERT_EQ(0, cvm_write_file(CVM_PARAMS "sim_page_4k_ns", "100000"));
	before = cvm_stat("unusable_maps");
	ASSERT_LE(0, before);
	for (unit = 1; unit < 7; unit++) {
		struct unit_reader u = {
			.unit = self->priv + unit * SZ_2M, .first = unit * 512,
			.skip = 7 + unit, .stop = &stop,
		};

		stop = 0;
		g = self->base / SZ_4K + u.first + u.skip;
		ASSERT_EQ(0, pthread_create(&th, NULL, read_unit, &u));
		while (!*(volatile uint64_t *)&u.reads)
			usleep(1000);
		ASSERT_EQ(0, set_vis(self->fd, &g, 1, CVM_VTLMEM_VISIBILITY_SHARED, NULL));
		stop = 1;
		pthread_join(th, NULL);
		EXPECT_EQ(0, u.wrong);
		EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, g * SZ_4K));
	}
	cvm_write_file(CVM_PARAMS "sim_page_4k_ns", "0");
	EXPECT_EQ(before, cvm_stat("unusable_maps"));
	for (unit = 0; unit < 8; unit++)
		check_matches_sim(_metadata, self->fd, self->base + unit * SZ_2M, 512);
}

TEST_HARNESS_MAIN
