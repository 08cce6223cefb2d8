// SPDX-License-Identifier: GPL-2.0
/*
 * ACCEPT with CVM_VTLMEM_ACCEPT_BACKGROUND: the worker accepts the queued
 * units of a lazy range and only those, as a first touch would (zeroed,
 * VTL0 rights), never twice when faults race it, stops when the range is
 * removed, and does not hold up unloading the module.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define NPAGES(len)	((len) / SZ_4K)

static int accept_background(int fd, uint64_t gpa, uint64_t len, uint32_t extra_flags)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = CVM_VTLMEM_ACCEPT_BACKGROUND | extra_flags,
		.gpa = gpa, .length = len,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_ACCEPT, &a);

	if (!ret && (a.accepted || a.job))
		return -EPROTO;	/* returns before doing anything */
	return ret;
}

/* Wait up to @secs for the worker to drain the range's queue; its info. */
static int drained(int fd, uint64_t gpa, double secs, struct cvm_vtlmem_range_info *info)
{
	double end = cvm_now() + secs;
	int ret;

	do {
		ret = cvm_range_info(fd, gpa, info);
		if (ret)
			return ret;
		if (!info->background_units)
			return 0;
		usleep(20 * 1000);
	} while (cvm_now() < end);
	return -ETIMEDOUT;
}

/* The worker took the last unit; wait until no accept is in flight. */
static int settled(int fd, uint64_t gpa, uint64_t expect_private, double secs)
{
	struct cvm_vtlmem_range_info info;
	double end = cvm_now() + secs;

	do {
		if (cvm_range_info(fd, gpa, &info))
			return -ENOENT;
		if (info.accepted_pages == expect_private)
			return 0;
		usleep(20 * 1000);
	} while (cvm_now() < end);
	return -ETIMEDOUT;
}

FIXTURE(background) {
	int fd;
	uint64_t base;
};

FIXTURE_SETUP(background)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
	if (!cvm_isolated())
		SKIP(return, "lazy ranges need something to accept");
}

FIXTURE_TEARDOWN(background)
{
	cvm_sim_slow(0);
	close(self->fd);
}

TEST_F(background, bad_requests_queue_nothing)
{
	uint64_t len = 16 << 20;
	struct cvm_vtlmem_range_info info;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + len, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	/* Eager ranges are accepted with ACCEPT itself. */
	EXPECT_EQ(-EINVAL, accept_background(self->fd, self->base, len, 0));
	/* Done as a touch does it: no other flag. */
	EXPECT_EQ(-EINVAL, accept_background(self->fd, self->base + len, len,
					     CVM_VTLMEM_ACCEPT_GRANT_VTL0));
	EXPECT_EQ(-EINVAL, accept_background(self->fd, self->base + len, len,
					     CVM_VTLMEM_ACCEPT_NOWAIT));
	EXPECT_EQ(-EINVAL, accept_background(self->fd, self->base + len, len,
					     CVM_VTLMEM_ACCEPT_NO_ZERO));
	EXPECT_EQ(-ENOENT, accept_background(self->fd, self->base + len, 2 * len, 0));
	EXPECT_EQ(-EINVAL, accept_background(self->fd, self->base + len + 1, len - SZ_4K, 0));
	usleep(100 * 1000);
	ASSERT_EQ(0, cvm_range_info(self->fd, self->base + len, &info));
	EXPECT_EQ(0, info.background_units);
	EXPECT_EQ(0, info.accepted_pages);
	ASSERT_EQ(0, cvm_range_info(self->fd, self->base, &info));
	EXPECT_EQ(0, info.accepted_pages);
}

TEST_F(background, accepts_a_lazy_range_as_touches_would)
{
	/* Not 2 MiB aligned at the end: the last unit is clipped. */
	uint64_t len = (64 << 20) + 3 * SZ_4K, n = NPAGES(len), priv, i;
	struct cvm_vtlmem_range_info info;
	uint16_t *s = calloc(n, 2);
	uint8_t *p;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	ASSERT_EQ(0, accept_background(self->fd, self->base, len, 0));
	ASSERT_EQ(0, drained(self->fd, self->base, 120, &info));
	ASSERT_EQ(0, settled(self->fd, self->base, n, 30));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++)
		if (SIM_PAGE_VTL0(s[i]) != CVM_VTLMEM_RIGHTS_ALL)
			break;
	EXPECT_EQ(n, i);
	p = cvm_map(self->fd, self->base, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < len; i += 5 * SZ_4K + 64)
		if (p[i])
			break;
	EXPECT_GE(i, len);
	munmap(p, len);
	free(s);
}

TEST_F(background, only_the_units_asked_for)
{
	uint64_t len = 16 << 20, n = NPAGES(len), i;
	uint16_t q[NPAGES(16 << 20)];

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	/* Two pages in unit 2 and one in unit 5. */
	ASSERT_EQ(0, accept_background(self->fd, self->base + (4 << 20) + SZ_4K, 2 * SZ_4K, 0));
	ASSERT_EQ(0, accept_background(self->fd, self->base + (11 << 20), SZ_4K, 0));
	ASSERT_EQ(0, settled(self->fd, self->base, 2 * 512, 60));
	ASSERT_EQ(0, cvm_query(self->fd, self->base, n, q));
	for (i = 0; i < n; i++) {
		uint64_t unit = i / 512;
		int want = unit == 2 || unit == 5 ? CVM_VTLMEM_PAGE_PRIVATE :
						    CVM_VTLMEM_PAGE_UNACCEPTED;

		if ((q[i] & CVM_VTLMEM_PAGE_STATE_MASK) != want)
			break;
	}
	EXPECT_EQ(n, i);
}

struct toucher {
	uint8_t *p;
	uint64_t len;
};

/* Write a mark into every unit, as VTL0 would while the worker runs. */
static void *touch_units(void *arg)
{
	struct toucher *t = arg;
	uint64_t off;

	for (off = 0; off < t->len; off += SZ_2M)
		t->p[off + 100] = (uint8_t)(off / SZ_2M) | 1;
	return NULL;
}

TEST_F(background, races_faults_without_accepting_twice)
{
	uint64_t len = 128 << 20, n = NPAGES(len), priv, off;
	struct cvm_vtlmem_range_info info;
	struct toucher t = { .len = len };
	long long failures;
	pthread_t th;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	t.p = cvm_map(self->fd, self->base, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, t.p);
	ASSERT_EQ(0, accept_background(self->fd, self->base, len, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, touch_units, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, drained(self->fd, self->base, 120, &info));
	ASSERT_EQ(0, settled(self->fd, self->base, n, 30));
	/* A second accept of a unit would have zeroed (or failed) it. */
	for (off = 0; off < len; off += SZ_2M)
		if (t.p[off + 100] != ((uint8_t)(off / SZ_2M) | 1))
			break;
	EXPECT_EQ(len, off);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	/* And the hypervisor refused nothing. */
	failures = cvm_sim_failures(NULL);
	EXPECT_EQ(0, failures);
	munmap(t.p, len);
}

/* Accept calls of every kind the platforms use, from sim/counters. */
static long long accept_calls(void)
{
	static const char *const ops[] = {
		"hv_accept", "pvalidate_2m", "pvalidate_4k", "tdx_accept_2m",
		"tdx_accept_4k", "tdx_accept_1g",
	};
	long long sum = 0, v;
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		v = cvm_sim_calls(ops[i]);
		if (v > 0)
			sum += v;
	}
	return sum;
}

TEST_F(background, remove_range_stops_it)
{
	uint64_t len = 128 << 20;
	struct cvm_vtlmem_range_info info;
	long long before, after;
	double t0;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	ASSERT_EQ(0, cvm_sim_slow(1));
	ASSERT_EQ(0, accept_background(self->fd, self->base, len, 0));
	usleep(300 * 1000);
	/* Background work does not make the range busy. */
	ASSERT_EQ(0, cvm_range_info(self->fd, self->base, &info));
	EXPECT_EQ(0, info.busy);
	EXPECT_LT(0, info.background_units);
	t0 = cvm_now();
	ASSERT_EQ(0, cvm_remove_range(self->fd, self->base));
	/* It waits for the unit in progress only. */
	EXPECT_GT(2.0, cvm_now() - t0);
	before = accept_calls();
	usleep(500 * 1000);
	after = accept_calls();
	EXPECT_EQ(before, after);
	TH_LOG("%lld accept calls before the removal", before);
}

/* Unloading with units queued: the worker stops, nothing leaks. */
TEST_F(background, unload_stops_it)
{
	char iso[16] = "", ram[64] = "", cmd[256];
	uint64_t len = 128 << 20;
	FILE *f;
	double t0;
	int ret;

	f = fopen(CVM_PARAMS "isolation", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%15s", iso));
	fclose(f);
	f = fopen(CVM_PARAMS "sim_ram", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%63s", ram));
	fclose(f);
	if (access("/cvm_vtlmem.ko", R_OK))
		SKIP(return, "not in the test VM (no /cvm_vtlmem.ko)");

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE,
				   CVM_VTLMEM_RANGE_LAZY));
	ASSERT_EQ(0, cvm_sim_slow(1));
	ASSERT_EQ(0, accept_background(self->fd, self->base, len, 0));
	usleep(200 * 1000);
	close(self->fd);
	self->fd = -1;
	t0 = cvm_now();
	ret = system("rmmod cvm_vtlmem");
	EXPECT_EQ(0, ret);
	EXPECT_GT(2.0, cvm_now() - t0);
	snprintf(cmd, sizeof(cmd), "insmod /cvm_vtlmem.ko backend=sim isolation=%s sim_ram=%s",
		 iso, ram);
	ASSERT_EQ(0, system(cmd));
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_list(self->fd, NULL, 0));
}

TEST_HARNESS_MAIN
