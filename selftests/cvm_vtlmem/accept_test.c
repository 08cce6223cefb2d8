// SPDX-License-Identifier: GPL-2.0
/*
 * ACCEPT: exact page states (QUERY and the simulated hypervisor agree page
 * for page), the call counts the ABI allows, large pages first, zeroing,
 * injected failures, fatal signals and lazy ranges.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define COUNTERS	CVM_DEBUGFS "/sim/counters"
#define PARAMS		"/sys/module/cvm_vtlmem/parameters/"
#define NPAGES(len)	((len) / SZ_4K)

static int isolation(void)
{
	return cvm_expected_isolation();
}

static bool isolated(void)
{
	return isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

FIXTURE(accept) {
	int fd;
	uint64_t base;
};

FIXTURE_SETUP(accept)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
}

FIXTURE_TEARDOWN(accept)
{
	cvm_write_file(PARAMS "sim_page_4k_ns", "0");
	cvm_write_file(PARAMS "sim_page_2m_ns", "0");
	cvm_sim_inject("clear");
	cvm_clean_slate(self->fd);
	close(self->fd);
}

TEST_F(accept, whole_range_at_abi_minimum)
{
	uint64_t len = 64 << 20, n = NPAGES(len), priv, i;
	struct cvm_vtlmem_accept out;
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, CVM_VTLMEM_ACCEPT_GRANT_VTL0, &out));
	EXPECT_EQ(isolated() ? n : 0, out.accepted);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	ASSERT_EQ(0, cvm_query(self->fd, self->base, n, q));
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0xf, (q[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf);
		ASSERT_EQ(0xf, SIM_PAGE_VTL0(s[i]));
		/* Large pages first: 2 MiB wherever the platform has them. */
		ASSERT_EQ(isolation() == CVM_VTLMEM_ISOLATION_SNP ||
			  isolation() == CVM_VTLMEM_ISOLATION_TDX ? 1 : 0, SIM_PAGE_SIZE(s[i]));
	}
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_VBS:
		/* 509 pages a call; the rights come with the accept. */
		EXPECT_EQ((n + 508) / 509, cvm_sim_calls("hv_accept"));
		EXPECT_EQ(0, cvm_sim_calls("hv_protect"));
		break;
	case CVM_VTLMEM_ISOLATION_SNP:
		EXPECT_EQ(n / 512, cvm_sim_calls("pvalidate_2m"));
		EXPECT_EQ(0, cvm_sim_calls("pvalidate_4k"));
		EXPECT_EQ(n / 512, cvm_sim_calls("rmpadjust"));
		break;
	case CVM_VTLMEM_ISOLATION_TDX:
		EXPECT_EQ(n / 512, cvm_sim_calls("tdx_accept_2m"));
		EXPECT_EQ(0, cvm_sim_calls("tdx_accept_4k"));
		EXPECT_EQ(n / 512, cvm_sim_calls("tdx_attr_wr"));
		break;
	default:
		EXPECT_EQ(0, cvm_sim_calls("hv_accept"));
	}
	free(q);
	free(s);
}

/*
 * TDX accepts 1 GiB only where a 1 GiB page fits, and current TDX modules
 * refuse it: the first refusal is remembered, so it costs one call per
 * module load, not one per GiB; every 2 MiB page is then accepted at 2 MiB.
 */
TEST_F(accept, tdx_refused_1g_is_tried_once_per_load)
{
	uint64_t len = cvm_vtl0_size(), priv;
	int round;

	if (isolation() != CVM_VTLMEM_ISOLATION_TDX)
		SKIP(return, "TDX only");
	if (len < SZ_1G || self->base % SZ_1G)
		SKIP(return, "needs an aligned GiB of VTL0 RAM");
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, cvm_clean_slate(self->fd));
		ASSERT_EQ(0, cvm_add_range(self->fd, self->base, SZ_1G, CVM_VTLMEM_RANGE_PRIVATE,
					   0));
		ASSERT_EQ(0, cvm_accept(self->fd, self->base, SZ_1G, 0, NULL));
		ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(SZ_1G), &priv));
		EXPECT_EQ(NPAGES(SZ_1G), priv);
		/* At most once in this load (an earlier test may have paid it). */
		EXPECT_GE(round ? 0 : 1, cvm_sim_calls("tdx_accept_1g"));
		EXPECT_EQ(NPAGES(SZ_1G) / 512, cvm_sim_calls("tdx_accept_2m"));
		EXPECT_EQ(0, cvm_sim_calls("tdx_accept_4k"));
	}
}

/*
 * An answer that could not be delivered would leave the caller knowing
 * neither what was done nor how far it got: a read-only argument is
 * refused with EFAULT before anything changes.
 */
TEST_F(accept, read_only_argument_changes_nothing)
{
	struct cvm_vtlmem_accept *a;
	uint64_t priv;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, SZ_2M * 2, CVM_VTLMEM_RANGE_PRIVATE, 0));
	a = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	*a = (struct cvm_vtlmem_accept){
		.size = sizeof(*a), .gpa = self->base, .length = SZ_2M * 2,
		.flags = CVM_VTLMEM_ACCEPT_GRANT_VTL0,
	};
	ASSERT_EQ(0, mprotect(a, SZ_4K, PROT_READ));
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	EXPECT_EQ(-EFAULT, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, a));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(SZ_2M * 2), &priv));
	EXPECT_EQ(0, priv);
	EXPECT_EQ(0, cvm_sim_calls("pvalidate_2m") + cvm_sim_calls("pvalidate_4k") +
		     cvm_sim_calls("tdx_accept_2m") + cvm_sim_calls("tdx_accept_4k") +
		     cvm_sim_calls("hv_accept"));
	munmap(a, SZ_4K);
}

TEST_F(accept, unaligned_edges_at_4k)
{
	uint64_t gpa = self->base + 3 * SZ_4K, len = SZ_2M * 2 + 5 * SZ_4K - 3 * SZ_4K;
	uint64_t n = NPAGES(len), priv;
	struct cvm_vtlmem_accept out;
	uint16_t s[2];

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, 8 << 20, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, gpa, len, 0, &out));
	EXPECT_EQ(isolated() ? n : 0, out.accepted);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(8 << 20), &priv));
	EXPECT_EQ(isolated() ? n : NPAGES(8 << 20), priv);
	/* Pages before and after the span stay as they were. */
	EXPECT_EQ(isolated() ? CVM_VTLMEM_PAGE_UNACCEPTED : CVM_VTLMEM_PAGE_PRIVATE,
		  cvm_page_state(self->fd, gpa - SZ_4K));
	EXPECT_EQ(isolated() ? CVM_VTLMEM_PAGE_UNACCEPTED : CVM_VTLMEM_PAGE_PRIVATE,
		  cvm_page_state(self->fd, gpa + len));
	if (isolation() == CVM_VTLMEM_ISOLATION_SNP) {
		/* 509 head pages at 4K, one 2 MiB unit, 5 tail pages at 4K. */
		EXPECT_EQ(1, cvm_sim_calls("pvalidate_2m"));
		EXPECT_EQ(509 + 5, cvm_sim_calls("pvalidate_4k"));
		ASSERT_EQ(0, cvm_sim_state(gpa, 1, s));
		ASSERT_EQ(0, cvm_sim_state(self->base + SZ_2M, 1, s + 1));
		EXPECT_EQ(0, SIM_PAGE_SIZE(s[0]));
		EXPECT_EQ(1, SIM_PAGE_SIZE(s[1]));
	}
	if (isolation() == CVM_VTLMEM_ISOLATION_VBS)
		EXPECT_EQ((n + 508) / 509, cvm_sim_calls("hv_accept"));
}

TEST_F(accept, accepted_pages_are_skipped)
{
	uint64_t len = 8 << 20, n = NPAGES(len), priv;
	struct cvm_vtlmem_accept out;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base + SZ_2M, SZ_2M + 7 * SZ_4K, 0, &out));
	EXPECT_EQ(512 + 7, out.accepted);
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, &out));
	EXPECT_EQ(n - 512 - 7, out.accepted);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	/* A span already accepted returns at once, issuing nothing. */
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, &out));
	EXPECT_EQ(0, out.accepted);
	EXPECT_EQ(0, cvm_sim_calls("hv_accept") + cvm_sim_calls("pvalidate_2m") +
		  cvm_sim_calls("pvalidate_4k") + cvm_sim_calls("tdx_accept_2m") +
		  cvm_sim_calls("tdx_accept_4k"));
}

TEST_F(accept, bad_requests_change_nothing)
{
	struct cvm_vtlmem_accept a = { .size = sizeof(a), .gpa = self->base, .length = SZ_2M };
	uint64_t priv;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, 4 << 20, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + (8 << 20), SZ_2M,
				   CVM_VTLMEM_RANGE_SHARED_POOL, 0));
	a.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, &a));
	a.flags = CVM_VTLMEM_ACCEPT_ZERO | CVM_VTLMEM_ACCEPT_NO_ZERO;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, &a));
	EXPECT_EQ(-EINVAL, cvm_accept(self->fd, self->base + 1, SZ_4K, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_accept(self->fd, self->base, SZ_4K + 1, 0, NULL));
	EXPECT_EQ(-EINVAL, cvm_accept(self->fd, self->base, 0, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, cvm_accept(self->fd, ~0ULL & ~0xfffULL, 2 * SZ_4K, 0, NULL));
	EXPECT_EQ(-ENOENT, cvm_accept(self->fd, self->base + (4 << 20), SZ_4K, 0, NULL));
	EXPECT_EQ(-ENOENT, cvm_accept(self->fd, self->base, 5 << 20, 0, NULL));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(4 << 20), &priv));
	EXPECT_EQ(isolated() ? 0 : NPAGES(4 << 20), priv);
}

static const char *fail_status(void)
{
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return "1";			/* PVALIDATE FAIL_INPUT */
	case CVM_VTLMEM_ISOLATION_TDX:
		return "0xC000010000000000";	/* TDX_OPERAND_INVALID */
	default:
		return "5";			/* HV_STATUS_INVALID_PARAMETER */
	}
}

TEST_F(accept, injected_failure_reported_exactly)
{
	uint64_t len = 64 << 20, n = NPAGES(len), bad = self->base + (37 << 20) + 5 * SZ_4K;
	struct cvm_vtlmem_accept out;
	char cmd[128];
	uint64_t priv;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=%s",
		 (unsigned long long)(bad / SZ_4K), fail_status());
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	/* TDX falls back to 4 KiB on any error (as Linux does): fail that too. */
	if (isolation() == CVM_VTLMEM_ISOLATION_TDX)
		ASSERT_EQ(0, cvm_sim_inject(cmd));
	EXPECT_EQ(-EIO, cvm_accept(self->fd, self->base, len, 0, &out));
	/* SNP: the instruction that failed covered the whole unit. */
	if (isolation() != CVM_VTLMEM_ISOLATION_SNP) {
		EXPECT_EQ(bad, out.fail_gpa);
	} else {
		EXPECT_EQ(bad & ~(SZ_2M - 1), out.fail_gpa);
	}
	EXPECT_EQ(strtoull(fail_status(), NULL, 0), out.fail_status);
	EXPECT_EQ(CVM_VTLMEM_PAGE_UNACCEPTED, cvm_page_state(self->fd, bad));
	/* The report is exact: what QUERY shows is what the hypervisor did. */
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(priv, out.accepted);
	EXPECT_GT(n, out.accepted);
	/* Retrying finishes the job without accepting anything twice. */
	ASSERT_EQ(0, cvm_sim_inject("clear"));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, &out));
	EXPECT_EQ(n - priv, out.accepted);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
}

/*
 * TDX pairs each accept with the ATTR.WR that grants VTL0 its rights, at
 * the same level. When the grant of a 2 MiB page fails, that page is the
 * failure: fail_gpa names it, not the page after it (which, for a span of
 * one 2 MiB page, lies outside the span).
 */
TEST_F(accept, tdx_failed_grant_names_its_page)
{
	struct cvm_vtlmem_accept out;
	uint64_t gpa = self->base + 4 * SZ_2M;
	uint16_t q;

	if (isolation() != CVM_VTLMEM_ISOLATION_TDX)
		SKIP(return, "TDX pairs grants with accepts");
	ASSERT_EQ(0, cvm_add_range(self->fd, gpa, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, 0));
	/* Call 1 accepts the 2 MiB page, call 2 is its ATTR.WR. */
	ASSERT_EQ(0, cvm_sim_inject("fail nth=2 status=0xC000010000000005"));
	EXPECT_EQ(-EIO, cvm_accept(self->fd, gpa, SZ_2M, CVM_VTLMEM_ACCEPT_GRANT_VTL0, &out));
	EXPECT_EQ(gpa, out.fail_gpa);
	/* The completion code's class: the operand details are masked off. */
	EXPECT_EQ(0xC000010000000000ULL, out.fail_status);
	/* Accepted, without the grant: QUERY says so, as the platform holds it. */
	EXPECT_EQ(SZ_2M / SZ_4K, out.accepted);
	ASSERT_EQ(0, cvm_query(self->fd, gpa, 1, &q));
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, q & CVM_VTLMEM_PAGE_STATE_MASK);
	EXPECT_EQ(0, (q >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf);
}

TEST_F(accept, sizemismatch_falls_back_for_that_unit_only)
{
	uint64_t len = 16 << 20, n = NPAGES(len), unit = self->base + 5 * SZ_2M, priv, i;
	uint16_t *s = calloc(n, 2);
	char cmd[96];

	if (isolation() != CVM_VTLMEM_ISOLATION_SNP && isolation() != CVM_VTLMEM_ISOLATION_TDX)
		SKIP(return, "no large pages on this platform");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	snprintf(cmd, sizeof(cmd), "sizemismatch gpa=%#llx", (unsigned long long)unit);
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, NULL));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i / 512 == 5 ? 0 : 1, SIM_PAGE_SIZE(s[i]));
	EXPECT_EQ(1, cvm_counter(CVM_DEBUGFS "/stats", "accept_fallbacks"));
	EXPECT_EQ(512, cvm_counter(CVM_DEBUGFS "/stats", "accept_pages_4k"));
	free(s);
}

/* Map @len bytes of the private view at @gpa. */
static void *map_private(int fd, uint64_t gpa, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, gpa);

	return p == MAP_FAILED ? NULL : p;
}

static bool all_zero(const void *p, size_t len)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (q[i])
			return false;
	return true;
}

TEST_F(accept, accepted_memory_reads_zero)
{
	uint64_t len = 4 << 20;
	void *p;

	if (!isolated())
		SKIP(return, "nothing is accepted without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, SZ_2M, 0, NULL));
	/* NO_ZERO: the caller vouches; on SNP the simulated garbage shows. */
	ASSERT_EQ(0, cvm_accept(self->fd, self->base + SZ_2M, SZ_2M, CVM_VTLMEM_ACCEPT_NO_ZERO,
				NULL));
	p = map_private(self->fd, self->base, len);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(all_zero(p, SZ_2M));
	if (isolation() == CVM_VTLMEM_ISOLATION_SNP) {
		EXPECT_FALSE(all_zero((char *)p + SZ_2M, SZ_2M));
	} else {
		EXPECT_TRUE(all_zero((char *)p + SZ_2M, SZ_2M));
	}
	munmap(p, len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_F(accept, fatal_signal_stops_promptly_and_exactly)
{
	uint64_t len = 128 << 20, n = NPAGES(len), priv;
	double start;
	int status;
	pid_t pid;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	/*
	 * Slow enough that the whole accept would take several seconds, while
	 * one call (4095 pages, or one 2 MiB unit) takes under a second.
	 */
	ASSERT_EQ(0, cvm_write_file(PARAMS "sim_page_4k_ns", "200000"));
	ASSERT_EQ(0, cvm_write_file(PARAMS "sim_page_2m_ns", "100000000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		cvm_accept(self->fd, self->base, len, 0, NULL);
		_exit(0);
	}
	usleep(500 * 1000);
	start = now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/* Running chunks finish their current call: well under two seconds. */
	EXPECT_GT(2.0, now() - start);
	cvm_write_file(PARAMS "sim_page_4k_ns", "0");
	cvm_write_file(PARAMS "sim_page_2m_ns", "0");
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_GT(n, priv);
	TH_LOG("%llu of %llu pages accepted before the signal",
	       (unsigned long long)priv, (unsigned long long)n);
}

/* Chunks the engine ran, over all CPUs (debugfs stats chunks_cpuN). */
static long long chunks_run(void)
{
	char line[256];
	long long n = 0, v;
	int cpu;
	FILE *f = fopen(CVM_DEBUGFS "/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "chunks_cpu%d %lld", &cpu, &v) == 2)
			n += v;
	fclose(f);
	return n;
}

/*
 * The chunking that keeps calls at the ABI minimum. (Each chunk also fires
 * the cvm_vtlmem:cvm_chunk tracepoint; enabling it patches kernel text,
 * which QEMU TCG has been seen to fumble, so the suite counts chunks here.)
 */
TEST_F(accept, chunks_as_designed)
{
	struct cvm_vtlmem_info info;
	uint64_t len = 64 << 20;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_get_info(self->fd, &info));
	ASSERT_EQ(0, cvm_write_file(CVM_DEBUGFS "/stats", "0"));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, NULL));
	/*
	 * 16 MiB chunks on SNP, 32 accept calls of 509 pages on VBS; on TDX
	 * 1 GiB-aligned while 1 GiB pages are worth trying, then as on SNP.
	 */
	EXPECT_EQ(isolation() == CVM_VTLMEM_ISOLATION_VBS ? 2 :
		  isolation() == CVM_VTLMEM_ISOLATION_TDX && (info.page_sizes & (1u << 30)) ? 1 :
		  4, chunks_run());
}

struct toucher {
	volatile char *addr;
	pthread_barrier_t *go;
};

static void *touch(void *arg)
{
	struct toucher *t = arg;

	pthread_barrier_wait(t->go);
	(void)*t->addr;
	return NULL;
}

TEST_F(accept, lazy_range_accepts_one_unit_once)
{
	uint64_t len = 8 << 20, n = NPAGES(len), priv;
	pthread_barrier_t go;
	struct toucher t[8];
	pthread_t th[8];
	char *p;
	int i;

	if (!isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	p = map_private(self->fd, self->base, len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, cvm_write_file(COUNTERS, "0"));
	pthread_barrier_init(&go, NULL, 8);
	for (i = 0; i < 8; i++) {
		/* Eight threads, eight different pages of the same 2 MiB unit. */
		t[i].addr = p + 3 * SZ_2M + i * 64 * SZ_4K + 17;
		t[i].go = &go;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, touch, &t[i]));
	}
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(512, priv);
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, self->base + 3 * SZ_2M));
	EXPECT_EQ(CVM_VTLMEM_PAGE_UNACCEPTED, cvm_page_state(self->fd, self->base + 2 * SZ_2M));
	switch (isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		EXPECT_EQ(1, cvm_sim_calls("pvalidate_2m"));
		break;
	case CVM_VTLMEM_ISOLATION_TDX:
		EXPECT_EQ(1, cvm_sim_calls("tdx_accept_2m"));
		break;
	default:
		/* One unit, 509 pages a call. */
		EXPECT_EQ(2, cvm_sim_calls("hv_accept"));
	}
	/* Fresh memory reads as zero. */
	EXPECT_TRUE(all_zero(p + 3 * SZ_2M, SZ_2M));
	munmap(p, len);
}

TEST_HARNESS_MAIN
