/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the cvm_vtlmem selftests; the device, the ioctls and the
 * debugfs files are tools/lib/cvm_user.h's, linked into every test.
 */
#ifndef CVM_TEST_H
#define CVM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cvm_user.h"

/* Simulated page state (drivers/sim/sim.h), as read from sim/state. */
#define SIM_PAGE_ACCEPTED	0x0001
#define SIM_PAGE_SIZE(s)	(((s) >> 1) & 3)	/* 0 4K, 1 2M, 2 1G */
#define SIM_PAGE_VIS(s)		(((s) >> 3) & 3)
#define SIM_PAGE_VTL0(s)	(((s) >> 8) & 0xf)
#define SIM_PAGE_VTL1(s)	(((s) >> 12) & 0xf)

/* The isolation type the rig loaded the module with (CVM_ISOLATION=). */
static inline int cvm_expected_isolation(void)
{
	const char *s = getenv("CVM_ISOLATION");

	if (!s || !strcmp(s, "none"))
		return CVM_VTLMEM_ISOLATION_NONE;
	if (!strcmp(s, "vbs"))
		return CVM_VTLMEM_ISOLATION_VBS;
	if (!strcmp(s, "snp"))
		return CVM_VTLMEM_ISOLATION_SNP;
	if (!strcmp(s, "tdx"))
		return CVM_VTLMEM_ISOLATION_TDX;
	return -1;
}

/* The memory hidden from the test kernel that stands in for VTL0 RAM. */
static inline uint64_t cvm_vtl0_base(void)
{
	const char *s = getenv("CVM_VTL0_BASE");

	return s ? strtoull(s, NULL, 0) : 0x100000000ULL;
}

static inline uint64_t cvm_vtl0_size(void)
{
	const char *s = getenv("CVM_VTL0_SIZE");

	return s ? strtoull(s, NULL, 0) : SZ_1G;
}

/* State bits (CVM_VTLMEM_PAGE_*) of one page, or -errno. */
static inline int cvm_page_state(int fd, uint64_t gpa)
{
	uint16_t s;
	int ret = cvm_query(fd, gpa, 1, &s);

	return ret ? ret : (s & CVM_VTLMEM_PAGE_STATE_MASK);
}

/* Arm a simulated-hypervisor fault (see Documentation/testing.rst). */
static inline int cvm_sim_inject(const char *cmd)
{
	return cvm_write_file(CVM_DEBUGFS "/sim/inject", cmd);
}

/* Simulated state of @n pages from @gpa (SIM_PAGE_*); 0 or -errno. */
static inline int cvm_sim_state(uint64_t gpa, uint64_t n, uint16_t *out)
{
	int fd = open(CVM_DEBUGFS "/sim/state", O_RDONLY);
	off_t off = (gpa - cvm_vtl0_base()) / SZ_4K * 2;
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, out, n * 2, off);
	close(fd);
	return got == (ssize_t)(n * 2) ? 0 : -EIO;
}

/*
 * Register a private range and make every page of it accepted and private
 * with VTL0 rights, whatever the isolation type. 0 or -errno.
 */
static inline int cvm_add_accepted(int fd, uint64_t gpa, uint64_t len, uint32_t flags)
{
	int ret = cvm_add_range(fd, gpa, len, CVM_VTLMEM_RANGE_PRIVATE, flags);

	if (ret)
		return ret;
	return cvm_accept(fd, gpa, len, CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL);
}

/* Reset the module's statistics (fault counters included). */
static inline int cvm_stats_reset(void)
{
	return cvm_write_file(CVM_DEBUGFS "/stats", "0");
}

/* A counter from a "key value" debugfs file (stats, sim/counters), or -1. */
static inline long long cvm_counter(const char *file, const char *key)
{
	return cvm_kv_file(file, key, 0);
}

static inline long long cvm_stat(const char *key)
{
	return cvm_counter(CVM_DEBUGFS "/stats", key);
}

/* "name calls=N ..." lines of sim/counters: calls of @op, or -1. */
static inline long long cvm_sim_calls(const char *op)
{
	return cvm_kv_file(CVM_DEBUGFS "/sim/counters", op, 0);
}

/*
 * Calls the simulated platform refused since the last reset, of every
 * kind, or -1 if unreadable; the kinds that failed are printed. Those
 * that were a page-size mismatch, which a module answers by retrying at
 * the smaller size, are counted in *@mismatches too (if not NULL).
 */
static inline long long cvm_sim_failures(long long *mismatches)
{
	char line[256], name[64];
	long long calls, reps, fails, mism, sum = -1;
	FILE *f = fopen(CVM_DEBUGFS "/sim/counters", "r");

	if (mismatches)
		*mismatches = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s calls=%lld reps=%lld failures=%lld mismatches=%lld",
			   name, &calls, &reps, &fails, &mism) != 5)
			continue;	/* the per-CPU lines */
		sum = (sum < 0 ? 0 : sum) + fails;
		if (mismatches)
			*mismatches += mism;
		if (fails)
			fprintf(stderr, "# sim: %s refused %lld of %lld calls (%lld size mismatches)\n",
				name, fails, calls, mism);
	}
	fclose(f);
	return sum;
}


/* The isolation type is not "none": there is something to accept. */
static inline int cvm_isolated(void)
{
	return cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

/*
 * The simulated hypervisor's cost model: slow makes one call take a good
 * fraction of a second (4095 pages, one 2 MiB or one 1 GiB page) so that
 * accepting 128 MiB takes seconds; fast is the default, free.
 */
static inline int cvm_sim_slow(int slow)
{
	return cvm_write_file(CVM_PARAMS "sim_page_4k_ns", slow ? "200000" : "0") ?:
	       cvm_write_file(CVM_PARAMS "sim_page_2m_ns", slow ? "100000000" : "0") ?:
	       cvm_write_file(CVM_PARAMS "sim_page_1g_ns", slow ? "1000000000" : "0");
}

/*
 * Does QUERY's record @q of a page say what the (simulated) platform holds
 * in @s? A private page is accepted and not host-visible; a shared page is
 * host-visible, and accepted only where the platform shares pages still
 * accepted (VBS); an unaccepted page is neither. For private and shared
 * pages the lower VTLs' rights must match too. A quarantined page is in no
 * state the module vouches for.
 */
static inline int cvm_record_matches(uint16_t q, uint16_t s)
{
	unsigned int st = q & CVM_VTLMEM_PAGE_STATE_MASK;
	int accepted = !!(s & SIM_PAGE_ACCEPTED), shared = SIM_PAGE_VIS(s) != 0;
	int rights = ((q >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf) == SIM_PAGE_VTL0(s) &&
		     ((q >> CVM_VTLMEM_PAGE_VTL1_SHIFT) & 0xf) == SIM_PAGE_VTL1(s);

	switch (st) {
	case CVM_VTLMEM_PAGE_PRIVATE:
		return accepted && !shared && rights;
	case CVM_VTLMEM_PAGE_SHARED:
		return shared && rights &&
		       accepted == (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS);
	case CVM_VTLMEM_PAGE_UNACCEPTED:
		return !accepted && !shared;
	default:
		return 1;
	}
}

/*
 * Every page of the span: QUERY and the simulation agree (acceptance,
 * visibility, VTL0 and VTL1 rights; cvm_record_matches()). Returns the
 * number of pages that disagree (-1 if unreadable) and counts the private
 * ones in *@private_pages.
 */
static inline int cvm_check_consistent(int fd, uint64_t gpa, uint64_t n,
				       uint64_t *private_pages)
{
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);
	uint64_t i, priv = 0;
	int bad = -1;

	if (!q || !s || cvm_query(fd, gpa, n, q) || cvm_sim_state(gpa, n, s))
		goto out;
	bad = 0;
	for (i = 0; i < n; i++) {
		priv += (q[i] & CVM_VTLMEM_PAGE_STATE_MASK) == CVM_VTLMEM_PAGE_PRIVATE;
		if (!cvm_record_matches(q[i], s[i])) {
			if (bad < 8)
				fprintf(stderr, "# page %#llx: recorded %#x, simulated %#x\n",
					(unsigned long long)(gpa + i * SZ_4K), q[i], s[i]);
			bad++;
		}
	}
	*private_pages = priv;
out:
	free(q);
	free(s);
	return bad;
}

/* One range's LIST_RANGES entry, by its first address; 0 or -errno. */
static inline int cvm_range_info(int fd, uint64_t gpa, struct cvm_vtlmem_range_info *out)
{
	struct cvm_vtlmem_range_info info[64];
	int n = cvm_list(fd, info, 64), i;

	for (i = 0; i < n && i < 64; i++)
		if (info[i].gpa == gpa) {
			*out = info[i];
			return 0;
		}
	return n < 0 ? n : -ENOENT;
}

/*
 * mmap @len bytes of the device at file offset @off (a GPA, possibly with
 * CVM_VTLMEM_SHARED_VIEW) at a 2 MiB-aligned address, so that a 2 MiB unit
 * of the range can be mapped with one PMD. @flags is MAP_SHARED or
 * MAP_PRIVATE. Returns MAP_FAILED with errno set like mmap().
 */
static inline void *cvm_map(int fd, uint64_t off, size_t len, int flags)
{
	size_t span = len + SZ_2M;
	uint8_t *res = mmap(NULL, span, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *at;
	void *p;
	int err;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	at = (uint8_t *)(((uintptr_t)res + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, off);
	err = errno;
	if (p == MAP_FAILED) {
		munmap(res, span);
	} else {
		/* Keep only the device mapping of the reservation. */
		if (at > res)
			munmap(res, at - res);
		if (res + span > at + len)
			munmap(at + len, res + span - (at + len));
	}
	errno = err;
	return p;
}

static inline int cvm_try_read(const volatile void *p, uint8_t *val)
{
	return cvm_access((volatile uint8_t *)p, 0, val);
}

static inline int cvm_try_write(volatile void *p, uint8_t val)
{
	return cvm_access((volatile uint8_t *)p, 1, &val);
}

#endif /* CVM_TEST_H */
