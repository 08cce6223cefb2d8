// SPDX-License-Identifier: GPL-2.0
/*
 * The private and shared views: mmap of /dev/cvm_vtlmem at file offset =
 * GPA. A view shows a page only while the page's state allows it (else
 * SIGBUS), whole 2 MiB units map with one PMD, ZONE_DEVICE-backed ranges
 * support GUP, and a mapping keeps its range from being removed.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define SHARED_VIEW	CVM_VTLMEM_SHARED_VIEW
#define PAGES(n)	((n) * SZ_4K)

/* A pattern that tells every 8-byte word of VTL0 apart. */
static void fill_pattern(void *p, size_t len, uint64_t gpa, uint64_t seed)
{
	volatile uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = (gpa + i * 8) ^ seed;
}

/* Byte offset of the first word that differs from the pattern, or -1. */
static long check_pattern(const void *p, size_t len, uint64_t gpa, uint64_t seed)
{
	const volatile uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != ((gpa + i * 8) ^ seed))
			return i * 8;
	return -1;
}

static int all_zero(const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Wait for a child and return its exit status, or -1 if it did not exit. */
static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int range_busy(int fd, uint64_t gpa)
{
	struct cvm_vtlmem_range_info info[16];
	int i, n = cvm_list(fd, info, 16);

	for (i = 0; i < n && i < 16; i++)
		if (info[i].gpa == gpa)
			return info[i].busy != 0;
	return -1;
}

FIXTURE(view) {
	int fd;
	uint64_t base;
	int isolated;		/* pages start unaccepted */
};

FIXTURE_SETUP(view)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CVM_DEV, strerror(errno));
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
	self->isolated = cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

FIXTURE_TEARDOWN(view)
{
	cvm_clean_slate(self->fd);
	close(self->fd);
}

TEST_F(view, private_view_is_one_memory_for_all_mappings_and_processes)
{
	uint64_t gpa = self->base, seed = 0x5eed0001;
	uint8_t *a, *b;
	pid_t pid;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	a = cvm_map(self->fd, gpa, PAGES(16), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a) TH_LOG("mmap: %s", strerror(errno));
	fill_pattern(a, PAGES(16), gpa, seed);

	/* A second mapping, starting one page in: offset = GPA. */
	b = mmap(NULL, PAGES(15), PROT_READ, MAP_SHARED, self->fd, gpa + SZ_4K);
	ASSERT_NE(MAP_FAILED, b) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, check_pattern(b, PAGES(15), gpa + SZ_4K, seed));

	/* Another process, with its own file and mapping, sees and writes it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(CVM_DEV, O_RDWR);
		uint8_t *c;

		if (fd < 0)
			_exit(10);
		c = mmap(NULL, PAGES(16), PROT_READ | PROT_WRITE, MAP_SHARED, fd, gpa);
		if (c == MAP_FAILED)
			_exit(11);
		if (check_pattern(c, PAGES(16), gpa, seed) != -1)
			_exit(12);
		fill_pattern(c + PAGES(8), PAGES(1), gpa + PAGES(8), ~seed);
		_exit(0);
	}
	ASSERT_EQ(0, child_status(pid)) TH_LOG("10 open, 11 mmap, 12 pattern");
	EXPECT_EQ(-1, check_pattern(a + PAGES(8), PAGES(1), gpa + PAGES(8), ~seed));
	EXPECT_EQ(-1, check_pattern(b + PAGES(7), PAGES(1), gpa + PAGES(8), ~seed));
	EXPECT_EQ(-1, check_pattern(a, PAGES(8), gpa, seed));
}

TEST_F(view, shared_view_of_private_page_is_sigbus)
{
	uint64_t gpa = self->base + SZ_2M, seed = 0x5eed0002;
	uint8_t *priv, *shr, v = 0;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, PAGES(4), 0));
	priv = cvm_map(self->fd, gpa, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, priv);
	fill_pattern(priv, PAGES(4), gpa, seed);

	/* Mapping the shared view is allowed; touching a private page is not. */
	shr = cvm_map(self->fd, gpa | SHARED_VIEW, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, shr) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-EFAULT, cvm_try_read(shr, &v));
	EXPECT_EQ(-EFAULT, cvm_try_read(shr + PAGES(3) + 100, &v));
	EXPECT_EQ(-EFAULT, cvm_try_write(shr + PAGES(1) + 8, 0x77));

	/* The private view still works and nothing leaked through. */
	EXPECT_EQ(0, cvm_try_read(priv + PAGES(3), &v));
	EXPECT_EQ(-1, check_pattern(priv, PAGES(4), gpa, seed));
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, gpa + PAGES(1)));
}

TEST_F(view, unaccepted_page_is_sigbus_until_accepted_then_reads_zero)
{
	uint64_t gpa = self->base + 2 * SZ_2M, seed = 0x5eed0003;
	struct cvm_vtlmem_accept acc;
	uint8_t *priv, *shr, v = 0;
	int i;

	if (!self->isolated)
		SKIP(return, "pages start accepted without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, gpa, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, 0));
	priv = cvm_map(self->fd, gpa, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, priv);
	shr = cvm_map(self->fd, gpa | SHARED_VIEW, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, shr);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(-EFAULT, cvm_try_read(priv + PAGES(i), &v)) TH_LOG("page %d", i);
		EXPECT_EQ(-EFAULT, cvm_try_write(priv + PAGES(i) + 64, 0x66));
		EXPECT_EQ(-EFAULT, cvm_try_read(shr + PAGES(i), &v));
	}

	ASSERT_EQ(0, cvm_accept(self->fd, gpa + PAGES(1), PAGES(1),
				CVM_VTLMEM_ACCEPT_GRANT_VTL0, &acc));
	EXPECT_EQ(1, acc.accepted);
	/* Same mapping, no remap: fresh memory, zeroed whatever the platform. */
	EXPECT_EQ(0, cvm_try_read(priv + PAGES(1), &v));
	EXPECT_TRUE(all_zero(priv + PAGES(1), PAGES(1)));
	fill_pattern(priv + PAGES(1), PAGES(1), gpa + PAGES(1), seed);
	EXPECT_EQ(-1, check_pattern(priv + PAGES(1), PAGES(1), gpa + PAGES(1), seed));

	/* Its neighbours are still unaccepted, and private is not shared. */
	EXPECT_EQ(-EFAULT, cvm_try_read(priv, &v));
	EXPECT_EQ(-EFAULT, cvm_try_read(priv + PAGES(2), &v));
	EXPECT_EQ(-EFAULT, cvm_try_read(shr + PAGES(1), &v));
}

TEST_F(view, map_private_is_einval)
{
	uint64_t gpa = self->base;
	void *p;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, gpa);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* Copy-on-write of VTL0 memory makes no sense read-only either. */
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE, self->fd, gpa);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE, self->fd, gpa | SHARED_VIEW);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* A refused mmap holds nothing. */
	EXPECT_EQ(0, range_busy(self->fd, gpa));
	EXPECT_EQ(0, cvm_remove_range(self->fd, gpa));
}

/* mmap that must fail with EINVAL. */
#define EXPECT_MMAP_EINVAL(len, off) do {					\
	void *__p = mmap(NULL, (len), PROT_READ | PROT_WRITE, MAP_SHARED,	\
			 self->fd, (off));					\
	EXPECT_EQ(MAP_FAILED, __p) TH_LOG("mmap %#llx @ %#llx",			\
					  (unsigned long long)(len),		\
					  (unsigned long long)(off));		\
	if (__p != MAP_FAILED)							\
		munmap(__p, (len));						\
	else									\
		EXPECT_EQ(EINVAL, errno);					\
} while (0)

TEST_F(view, span_not_inside_one_range_is_einval)
{
	uint64_t a = self->base, b = a + SZ_2M, alone = a + 4 * SZ_2M;
	void *p;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, a, SZ_2M, 0));
	ASSERT_EQ(0, cvm_add_accepted(self->fd, b, SZ_2M, 0));		/* adjacent */
	ASSERT_EQ(0, cvm_add_accepted(self->fd, alone, SZ_2M, 0));

	EXPECT_MMAP_EINVAL(PAGES(2), alone + SZ_2M - SZ_4K);	/* past the end */
	EXPECT_MMAP_EINVAL(PAGES(2), alone - SZ_4K);		/* before the start */
	EXPECT_MMAP_EINVAL(PAGES(1), alone + SZ_2M);		/* in a gap */
	EXPECT_MMAP_EINVAL(PAGES(1), alone - SZ_2M);
	EXPECT_MMAP_EINVAL(SZ_2M + SZ_4K, a);			/* two ranges */
	EXPECT_MMAP_EINVAL(PAGES(2), b - SZ_4K);
	EXPECT_MMAP_EINVAL(PAGES(2), (alone + SZ_2M - SZ_4K) | SHARED_VIEW);
	EXPECT_MMAP_EINVAL(PAGES(1), (a + SZ_1G) | SHARED_VIEW);
	/* Another high bit is not a view: no range there. */
	EXPECT_MMAP_EINVAL(PAGES(1), a | (1ULL << 61));
	EXPECT_MMAP_EINVAL(PAGES(1), 0x1000000);

	/* Exactly one whole range maps, in both views. */
	p = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, self->fd, b);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, munmap(p, SZ_2M));
	p = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, self->fd, b | SHARED_VIEW);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, munmap(p, SZ_2M));

	/* None of the refused mmaps left a hold on a range. */
	EXPECT_EQ(0, cvm_remove_range(self->fd, a));
	EXPECT_EQ(0, cvm_remove_range(self->fd, b));
	EXPECT_EQ(0, cvm_remove_range(self->fd, alone));
}

/*
 * Write one byte to each page of an accepted, 2 MiB-aligned unit mapped at
 * a 2 MiB-aligned address: one PMD fault, or 512 PTE faults where the
 * kernel cannot map this kind of memory with a PMD.
 */
/*
 * Whether this kernel maps a 2 MiB unit with one PMD: PFN memory needs
 * huge PFN maps (pmd_special(), 6.12); ZONE_DEVICE pages need devmap PMDs,
 * which 6.17 removed. A regression to 4 KiB mappings must fail.
 */
static bool pmd_expected(uint32_t flags)
{
	struct utsname u;
	unsigned int major = 0, minor = 0, v;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	v = major * 100 + minor;
	return flags & CVM_VTLMEM_RANGE_STRUCT_PAGES ? v < 617 : v >= 612;
}

static void one_unit_one_fault(struct __test_metadata *_metadata,
			       FIXTURE_DATA(view) *self, uint64_t gpa, uint32_t flags)
{
	long long f2, f4;
	uint8_t *m, *check;
	int i;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, flags));
	m = cvm_map(self->fd, gpa, SZ_2M, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, (uintptr_t)m % SZ_2M);
	ASSERT_EQ(0, cvm_stats_reset());
	for (i = 0; i < 512; i++)
		((volatile uint8_t *)m)[PAGES(i) + i % 64] = (uint8_t)(i + 1);
	f2 = cvm_stat("faults_2m");
	f4 = cvm_stat("faults_4k");
	TH_LOG("%s memory: %lld 2M faults, %lld 4K faults",
	       flags & CVM_VTLMEM_RANGE_STRUCT_PAGES ? "ZONE_DEVICE" : "PFN", f2, f4);
	if (pmd_expected(flags)) {
		EXPECT_EQ(1, f2);
		EXPECT_EQ(0, f4);
	} else {
		EXPECT_EQ(0, f2);
		EXPECT_EQ(512, f4);
	}

	/* The huge mapping maps the right memory. */
	check = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, self->fd, gpa);
	ASSERT_NE(MAP_FAILED, check);
	for (i = 0; i < 512; i++)
		ASSERT_EQ((uint8_t)(i + 1), check[PAGES(i) + i % 64]) TH_LOG("page %d", i);
}

TEST_F(view, accepted_unit_maps_with_one_fault)
{
	one_unit_one_fault(_metadata, self, self->base + 4 * SZ_2M, 0);
}

TEST_F(view, accepted_struct_pages_unit_maps_with_one_fault)
{
	one_unit_one_fault(_metadata, self, self->base + 6 * SZ_2M,
			   CVM_VTLMEM_RANGE_STRUCT_PAGES);
}

TEST_F(view, plain_mmap_of_a_unit_gets_a_pmd_aligned_address)
{
	uint64_t gpa = self->base + 22 * SZ_2M;
	long long f2;
	uint8_t *p;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, 2 * SZ_2M, 0));
	/* Without help from the caller, the device picks an address a PMD can map. */
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, gpa);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, (uintptr_t)p % SZ_2M);
	ASSERT_EQ(0, cvm_stats_reset());
	p[SZ_2M + 5] = 1;
	f2 = cvm_stat("faults_2m");
	EXPECT_EQ(pmd_expected(0) ? 1 : 0, f2);
	EXPECT_EQ(0, munmap(p, 2 * SZ_2M));
	p = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, self->fd, (gpa + SZ_2M) | SHARED_VIEW);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, (uintptr_t)p % SZ_2M);
	EXPECT_EQ(0, munmap(p, SZ_2M));
}

/*
 * A unit with one unaccepted page: every other page maps, with 4K
 * entries, and only that page raises SIGBUS.
 */
static void hole_falls_back_to_4k(struct __test_metadata *_metadata,
				  FIXTURE_DATA(view) *self, uint64_t gpa, uint32_t flags)
{
	const int hole = 137;
	long long f2, f4;
	uint8_t *m, v;
	int i;

	ASSERT_EQ(0, cvm_add_range(self->fd, gpa, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, flags));
	ASSERT_EQ(0, cvm_accept(self->fd, gpa, PAGES(hole), CVM_VTLMEM_ACCEPT_GRANT_VTL0,
				NULL));
	ASSERT_EQ(0, cvm_accept(self->fd, gpa + PAGES(hole + 1), SZ_2M - PAGES(hole + 1),
				CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
	m = cvm_map(self->fd, gpa, SZ_2M, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, cvm_stats_reset());
	for (i = 0; i < 512; i++) {
		v = 0xee;
		if (i == hole) {
			EXPECT_EQ(-EFAULT, cvm_try_read(m + PAGES(i) + 8, &v));
		} else {
			ASSERT_EQ(0, cvm_try_read(m + PAGES(i) + 8, &v)) TH_LOG("page %d", i);
			EXPECT_EQ(0, v) TH_LOG("page %d of fresh memory is not zero", i);
		}
	}
	f2 = cvm_stat("faults_2m");
	f4 = cvm_stat("faults_4k");
	TH_LOG("unit with a hole: %lld 2M faults, %lld 4K faults", f2, f4);
	EXPECT_EQ(0, f2);
	EXPECT_LE(1, f4);
	EXPECT_GE(511, f4);
	/* Writes to the accepted pages work; the hole still refuses. */
	EXPECT_EQ(0, cvm_try_write(m + PAGES(hole - 1), 1));
	EXPECT_EQ(0, cvm_try_write(m + PAGES(hole + 1), 1));
	EXPECT_EQ(-EFAULT, cvm_try_write(m + PAGES(hole), 1));

	/* Accepting the hole completes the unit. */
	ASSERT_EQ(0, cvm_accept(self->fd, gpa + PAGES(hole), PAGES(1),
				CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
	EXPECT_EQ(0, cvm_try_read(m + PAGES(hole), &v));
	EXPECT_TRUE(all_zero(m + PAGES(hole), PAGES(1)));
}

TEST_F(view, unit_with_one_unaccepted_page_falls_back_to_4k)
{
	if (!self->isolated)
		SKIP(return, "pages start accepted without isolation");
	hole_falls_back_to_4k(_metadata, self, self->base + 8 * SZ_2M, 0);
}

TEST_F(view, struct_pages_unit_with_one_unaccepted_page_falls_back_to_4k)
{
	if (!self->isolated)
		SKIP(return, "pages start accepted without isolation");
	hole_falls_back_to_4k(_metadata, self, self->base + 10 * SZ_2M,
			      CVM_VTLMEM_RANGE_STRUCT_PAGES);
}

/*
 * A child reads its parent's private-view mapping with process_vm_readv()
 * (GUP on the parent's page tables). Exit status: 0 if it got the pattern,
 * the errno if the call failed, 200 short read, 201 wrong data.
 */
static int peer_read(uint8_t *remote, size_t len, uint64_t gpa, uint64_t seed)
{
	static uint8_t buf[PAGES(2)];
	struct iovec local = { buf, len }, rem = { remote, len };
	pid_t pid = fork();
	ssize_t n;

	if (pid)
		return pid < 0 ? -1 : child_status(pid);
	n = process_vm_readv(getppid(), &local, 1, &rem, 1, 0);
	if (n < 0)
		_exit(errno);
	if ((size_t)n != len)
		_exit(200);
	_exit(check_pattern(buf, len, gpa, seed) == -1 ? 0 : 201);
}

TEST_F(view, struct_pages_mapping_works_with_process_vm_readv)
{
	uint64_t gpa = self->base + 12 * SZ_2M, seed = 0x5eed0004;
	uint8_t *m;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, CVM_VTLMEM_RANGE_STRUCT_PAGES));
	m = cvm_map(self->fd, gpa + PAGES(5), PAGES(2), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, PAGES(2), gpa + PAGES(5), seed);
	EXPECT_EQ(0, peer_read(m, PAGES(2), gpa + PAGES(5), seed))
		TH_LOG("errno, or 200 short read, 201 wrong data");
}

/*
 * Pages 5 and 6 of the 2 MiB range at @gpa, mapped at @view (0 or
 * SHARED_VIEW) and filled: process_vm_readv() of them fails with a clean
 * EFAULT, not a crash, and leaves the mapping unharmed.
 */
static void expect_peer_efault(struct __test_metadata *_metadata, int fd, uint64_t gpa,
			       uint64_t view, uint64_t seed)
{
	uint8_t *m = cvm_map(fd, (gpa + PAGES(5)) | view, PAGES(2), MAP_SHARED);

	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, PAGES(2), gpa + PAGES(5), seed);
	EXPECT_EQ(EFAULT, peer_read(m, PAGES(2), gpa + PAGES(5), seed));
	EXPECT_EQ(-1, check_pattern(m, PAGES(2), gpa + PAGES(5), seed));
	EXPECT_EQ(0, munmap(m, PAGES(2)));
	EXPECT_EQ(0, cvm_remove_range(fd, gpa));
}

/* No struct pages: nothing to pin. */
TEST_F(view, pfn_mapping_refuses_process_vm_readv_with_efault)
{
	uint64_t gpa = self->base + 14 * SZ_2M;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	expect_peer_efault(_metadata, self->fd, gpa, 0, 0x5eed0005);
}

/*
 * The kernel reaches a struct page through its direct map, which maps VTL0
 * memory encrypted: a shared page read or written that way is not what the
 * host sees (SNP, TDX). So the shared view gives GUP nothing to hold.
 */
TEST_F(view, struct_pages_shared_view_refuses_process_vm_readv)
{
	uint64_t gpa = self->base + 18 * SZ_2M;
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .visibility = CVM_VTLMEM_VISIBILITY_SHARED,
		.gpa = gpa + PAGES(5), .length = PAGES(2),
	};

	if (!self->isolated)
		SKIP(return, "no shared pages without isolation");
	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, CVM_VTLMEM_RANGE_STRUCT_PAGES));
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	expect_peer_efault(_metadata, self->fd, gpa, SHARED_VIEW, 0x5eed0007);
}

TEST_F(view, remove_while_mapped_is_ebusy_even_after_close)
{
	uint64_t gpa = self->base + 16 * SZ_2M, seed = 0x5eed0006;
	uint8_t *m;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	m = cvm_map(self->fd, gpa, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, PAGES(4), gpa, seed);
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, gpa));
	EXPECT_EQ(1, range_busy(self->fd, gpa));

	/* The mapping, not the file, holds the range. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, check_pattern(m, PAGES(4), gpa, seed));
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, gpa));
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, gpa));

	ASSERT_EQ(0, munmap(m, PAGES(4)));
	EXPECT_EQ(0, range_busy(self->fd, gpa));
	EXPECT_EQ(0, cvm_remove_range(self->fd, gpa));
}

TEST_F(view, inherited_mapping_holds_the_range)
{
	uint64_t gpa = self->base + 18 * SZ_2M, seed = 0x5eed0007;
	int go[2];
	uint8_t *m;
	pid_t pid;
	char c;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	m = cvm_map(self->fd, gpa, PAGES(4), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, PAGES(4), gpa, seed);
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		/* The parent unmapped its copy; this one must still work. */
		_exit(check_pattern(m, PAGES(4), gpa, seed) == -1 ? 0 : 11);
	}
	close(go[0]);
	ASSERT_EQ(0, munmap(m, PAGES(4)));
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, gpa));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	EXPECT_EQ(0, child_status(pid));
	/* The child's exit dropped the last mapping. */
	EXPECT_EQ(0, cvm_remove_range(self->fd, gpa));
}

TEST_F(view, split_mapping_releases_the_range_when_all_pieces_go)
{
	uint64_t gpa = self->base + 20 * SZ_2M, seed = 0x5eed0008;
	uint8_t *m;

	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	m = cvm_map(self->fd, gpa, PAGES(3), MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, PAGES(3), gpa, seed);

	/* Punch out the middle: two mappings remain, each still a hold. */
	ASSERT_EQ(0, munmap(m + PAGES(1), PAGES(1)));
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, gpa));
	EXPECT_EQ(-1, check_pattern(m + PAGES(2), PAGES(1), gpa + PAGES(2), seed));
	ASSERT_EQ(0, munmap(m, PAGES(1)));
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, gpa));
	EXPECT_EQ(-1, check_pattern(m + PAGES(2), PAGES(1), gpa + PAGES(2), seed));
	ASSERT_EQ(0, munmap(m + PAGES(2), PAGES(1)));
	EXPECT_EQ(0, cvm_remove_range(self->fd, gpa));
}

/*
 * A 2 MiB fault and a 4 KiB fault of one unit at once. The unit's last
 * page flaps between private and shared, so a fault finds the unit whole
 * (one PMD) or not (4 KiB entries), and the 4 KiB fault may install a page
 * table under a PMD the 2 MiB fault saw empty: the module must notice
 * rather than let vmf_insert_pfn_pmd() WARN (the rig fails on any WARNING).
 * Every access reads what was written.
 */
struct flap {
	int fd;
	uint64_t gpn;
	volatile int stop;
	int err;
};

static void *flap_last_page(void *arg)
{
	struct flap *f = arg;
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .flags = CVM_VTLMEM_VISIBILITY_GPN_LIST,
		.count = 1, .gpns = (uintptr_t)&f->gpn,
	};

	while (!f->stop && !f->err) {
		v.visibility = v.visibility == CVM_VTLMEM_VISIBILITY_SHARED ?
			       CVM_VTLMEM_VISIBILITY_PRIVATE : CVM_VTLMEM_VISIBILITY_SHARED;
		f->err = cvm_ioctl(f->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);
	}
	return NULL;
}

struct toucher {
	pthread_barrier_t *go;
	volatile uint8_t *volatile page;
	uint8_t value;
	volatile int stop;
};

static void *touch_page(void *arg)
{
	struct toucher *t = arg;

	for (;;) {
		pthread_barrier_wait(t->go);
		if (t->stop)
			return NULL;
		*t->page = t->value;
		pthread_barrier_wait(t->go);
	}
}

TEST_F(view, racing_2m_and_4k_faults_of_one_unit)
{
	uint64_t gpa = self->base + 26 * SZ_2M;
	struct flap flap = { .fd = self->fd, .gpn = (gpa >> 12) + 511 };
	struct toucher t[2] = { 0 };
	pthread_barrier_t go;
	pthread_t flapper, touchers[2];
	double end = cvm_now() + 3;
	long long f2 = 0, f4 = 0;
	uint8_t *m;
	int i, iter;

	if (!self->isolated)
		SKIP(return, "no host visibility to flap without isolation");
	ASSERT_EQ(0, cvm_add_accepted(self->fd, gpa, SZ_2M, 0));
	m = cvm_map(self->fd, gpa, SZ_2M, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 3));
	for (i = 0; i < 2; i++) {
		t[i].go = &go;
		ASSERT_EQ(0, pthread_create(&touchers[i], NULL, touch_page, &t[i]));
	}
	ASSERT_EQ(0, pthread_create(&flapper, NULL, flap_last_page, &flap));
	ASSERT_EQ(0, cvm_stats_reset());
	for (iter = 0; cvm_now() < end && !flap.err; iter++) {
		/* A fresh mapping at the same address: the PMD is empty again. */
		ASSERT_EQ(m, mmap(m, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				  self->fd, gpa));
		for (i = 0; i < 2; i++) {
			t[i].page = m + PAGES(i * 255);
			t[i].value = (uint8_t)(iter * 2 + i + 1);
		}
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&go);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(t[i].value, m[PAGES(i * 255)]) TH_LOG("iteration %d", iter);
	}
	f2 = cvm_stat("faults_2m");
	f4 = cvm_stat("faults_4k");
	flap.stop = 1;
	t[0].stop = t[1].stop = 1;
	pthread_barrier_wait(&go);
	pthread_join(flapper, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(touchers[i], NULL);
	TH_LOG("%d rounds: %lld 2M faults, %lld 4K faults", iter, f2, f4);
	ASSERT_EQ(0, flap.err) TH_LOG("SET_VISIBILITY: %s", strerror(-flap.err));
	EXPECT_LT(0, f4);
	if (pmd_expected(0))
		EXPECT_LT(0, f2);
}

TEST_HARNESS_MAIN
