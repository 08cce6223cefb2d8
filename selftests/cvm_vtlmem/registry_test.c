// SPDX-License-Identifier: GPL-2.0
/*
 * The VTL0 range registry: ADD_RANGE, REMOVE_RANGE, LIST_RANGES, QUERY and
 * the registry totals of GET_INFO. Every rejection is checked for its exact
 * errno and for leaving the registry (LIST, QUERY and the totals) exactly
 * as it was; the registry belongs to the module, so it outlives the file
 * and is the same for every process.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define MAX_RANGES	16
#define SNAP_PAGES	64	/* pages of each range a snapshot records */
#define SZ_MB		0x100000ULL

/* Everything the registry shows to user space, to compare around a call. */
struct snapshot {
	struct cvm_vtlmem_info info;
	int count;
	struct cvm_vtlmem_range_info ranges[MAX_RANGES];
	uint16_t states[MAX_RANGES][SNAP_PAGES];
};

static int take_snapshot(int fd, struct snapshot *s)
{
	int i, ret;

	memset(s, 0, sizeof(*s));
	ret = cvm_get_info(fd, &s->info);
	if (ret)
		return ret;
	s->count = cvm_list(fd, s->ranges, MAX_RANGES);
	if (s->count < 0)
		return s->count;
	for (i = 0; i < s->count && i < MAX_RANGES; i++) {
		uint64_t n = s->ranges[i].length / SZ_4K;

		ret = cvm_query(fd, s->ranges[i].gpa, n < SNAP_PAGES ? n : SNAP_PAGES,
				s->states[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* @call must fail with @err and leave LIST, QUERY and GET_INFO unchanged. */
#define EXPECT_REJECTED(err, call) do {					\
	struct snapshot __before, __after;				\
	ASSERT_EQ(0, take_snapshot(self->fd, &__before));		\
	EXPECT_EQ(-(err), (call)) TH_LOG("%s", #call);			\
	ASSERT_EQ(0, take_snapshot(self->fd, &__after));		\
	EXPECT_EQ(0, memcmp(&__before, &__after, sizeof(__before)))	\
		TH_LOG("%s changed the registry", #call);		\
} while (0)

static int add_full(int fd, uint64_t gpa, uint64_t len, uint32_t kind, uint32_t flags,
		    int node)
{
	struct cvm_vtlmem_range r = {
		.size = sizeof(r), .flags = flags, .gpa = gpa, .length = len,
		.kind = kind, .numa_node = node,
	};

	return cvm_ioctl(fd, CVM_VTLMEM_IOC_ADD_RANGE, &r);
}

static int add_private(int fd, uint64_t gpa, uint64_t len)
{
	return cvm_add_range(fd, gpa, len, CVM_VTLMEM_RANGE_PRIVATE, 0);
}

static int list_raw(int fd, struct cvm_vtlmem_list_ranges *l)
{
	return cvm_ioctl(fd, CVM_VTLMEM_IOC_LIST_RANGES, l);
}

/* The CPU's physical address width, as the kernel reports it. */
static int phys_bits(void)
{
	char line[256];
	int bits = -1;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "address sizes : %d bits physical", &bits) == 1)
			break;
	fclose(f);
	return bits;
}

/*
 * End (exclusive) of the highest top-level "System RAM" resource below
 * 4 GiB: a range straddling it is partly the kernel's own RAM.
 */
static uint64_t low_ram_end(void)
{
	unsigned long long start, end, best = 0;
	char line[256], name[128];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ')
			continue;
		if (sscanf(line, "%llx-%llx : %127[^\n]", &start, &end, name) == 3 &&
		    !strcmp(name, "System RAM") && end < 0x100000000ULL && end + 1 > best)
			best = end + 1;
	}
	fclose(f);
	return best;
}

FIXTURE(reg) {
	int fd;
	uint64_t base;		/* the test VTL0 RAM */
	uint64_t size;
	uint64_t anchor;	/* a range every rejection must leave alone */
	int isolated;		/* pages start unaccepted */
};

FIXTURE_SETUP(reg)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CVM_DEV, strerror(errno));
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
	self->size = cvm_vtl0_size();
	self->anchor = self->base + self->size - 4 * SZ_2M;
	self->isolated = cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

FIXTURE_TEARDOWN(reg)
{
	cvm_clean_slate(self->fd);
	close(self->fd);
}

/*
 * Register the anchor range and give it non-uniform page state, so that a
 * snapshot would see a rejected call that touched an existing range.
 */
static int add_anchor(FIXTURE_DATA(reg) *self)
{
	int ret = add_private(self->fd, self->anchor, 2 * SZ_2M);

	if (ret || !self->isolated)
		return ret;
	return cvm_accept(self->fd, self->anchor + 3 * SZ_4K, 5 * SZ_4K,
			  CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL);
}

/* ---- ADD_RANGE ---- */

TEST_F(reg, add_zero_length_is_einval)
{
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, add_private(self->fd, self->base, 0));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, 0,
					      CVM_VTLMEM_RANGE_SHARED_POOL, 0));
}

TEST_F(reg, add_unaligned_gpa_or_length_is_einval)
{
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, add_private(self->fd, self->base + 0x800, SZ_2M));
	EXPECT_REJECTED(EINVAL, add_private(self->fd, self->base + 1, SZ_4K));
	EXPECT_REJECTED(EINVAL, add_private(self->fd, self->base, SZ_4K + 0x800));
	EXPECT_REJECTED(EINVAL, add_private(self->fd, self->base, 1));
	/* The same range, aligned, is fine: the rejections were about alignment. */
	EXPECT_EQ(0, add_private(self->fd, self->base, SZ_4K));
}

TEST_F(reg, add_struct_pages_needs_2m_alignment)
{
	ASSERT_EQ(0, add_anchor(self));
	/* 4K-aligned is enough for a PFN range, not for ZONE_DEVICE pages. */
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base + SZ_4K, SZ_2M,
					      CVM_VTLMEM_RANGE_PRIVATE,
					      CVM_VTLMEM_RANGE_STRUCT_PAGES));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M + SZ_4K,
					      CVM_VTLMEM_RANGE_PRIVATE,
					      CVM_VTLMEM_RANGE_STRUCT_PAGES));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_4K,
					      CVM_VTLMEM_RANGE_PRIVATE,
					      CVM_VTLMEM_RANGE_STRUCT_PAGES));
	EXPECT_EQ(0, cvm_add_range(self->fd, self->base + SZ_4K, SZ_2M,
				   CVM_VTLMEM_RANGE_PRIVATE, 0));
	EXPECT_EQ(0, cvm_add_range(self->fd, self->base + 2 * SZ_2M, SZ_2M,
				   CVM_VTLMEM_RANGE_PRIVATE, CVM_VTLMEM_RANGE_STRUCT_PAGES));
}

TEST_F(reg, add_wrapping_range_is_eoverflow)
{
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EOVERFLOW, add_private(self->fd, self->base, ~0ULL & ~(SZ_4K - 1)));
	EXPECT_REJECTED(EOVERFLOW, add_private(self->fd, ~0ULL & ~(SZ_2M - 1), 2 * SZ_2M));
	/* Ends exactly at 2^64: the end does not fit in 64 bits either. */
	EXPECT_REJECTED(EOVERFLOW, add_private(self->fd, 1ULL << 63, 1ULL << 63));
}

TEST_F(reg, add_beyond_phys_width_is_erange)
{
	int bits = phys_bits();
	uint64_t limit;

	ASSERT_LT(0, bits);
	ASSERT_GT(64, bits);
	limit = 1ULL << bits;
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(ERANGE, add_private(self->fd, limit, SZ_2M));
	/* Starts below the limit, ends above it. */
	EXPECT_REJECTED(ERANGE, add_private(self->fd, limit - SZ_2M, 2 * SZ_2M));
	EXPECT_REJECTED(ERANGE, add_private(self->fd, 1ULL << 62, SZ_4K));
	/* Just below the limit is addressable, merely not RAM. */
	EXPECT_REJECTED(ENXIO, add_private(self->fd, limit - SZ_2M, SZ_2M));
}

TEST_F(reg, add_overlap_is_eexist)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES];
	uint64_t r = self->base + 4 * SZ_2M, len = 2 * SZ_2M;	/* [8M, 12M) */

	ASSERT_EQ(0, add_private(self->fd, r, len));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r, len));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r - SZ_2M, 2 * SZ_2M));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r + SZ_2M, 2 * SZ_2M));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, self->base, 16 * SZ_2M));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r + SZ_4K, SZ_4K));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r + len - SZ_4K, SZ_4K));
	EXPECT_REJECTED(EEXIST, add_private(self->fd, r - SZ_4K, 2 * SZ_4K));
	/* The kind does not matter: the GPAs are taken. */
	EXPECT_REJECTED(EEXIST, cvm_add_range(self->fd, r, SZ_4K,
					      CVM_VTLMEM_RANGE_SHARED_POOL, 0));
	/* Touching is not overlapping. */
	EXPECT_EQ(0, add_private(self->fd, r - SZ_4K, SZ_4K));
	EXPECT_EQ(0, add_private(self->fd, r + len, SZ_4K));
	EXPECT_EQ(3, cvm_list(self->fd, info, MAX_RANGES));
}

TEST_F(reg, add_kernel_ram_is_ebusy)
{
	uint64_t end = low_ram_end();

	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EBUSY, add_private(self->fd, 0x1000000, SZ_2M));
	EXPECT_REJECTED(EBUSY, cvm_add_range(self->fd, 0x1000000, SZ_4K,
					     CVM_VTLMEM_RANGE_SHARED_POOL, 0));
	/* Partly the kernel's RAM, partly not: still refused. */
	ASSERT_NE(0, end) TH_LOG("no System RAM below 4 GiB in /proc/iomem");
	ASSERT_EQ(0, end % SZ_4K);
	EXPECT_REJECTED(EBUSY, add_private(self->fd, end - SZ_4K, 2 * SZ_4K));
}

TEST_F(reg, add_outside_sim_ram_is_enxio)
{
	uint64_t top = self->base + self->size;

	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(ENXIO, add_private(self->fd, top, SZ_2M));
	EXPECT_REJECTED(ENXIO, add_private(self->fd, top - SZ_4K, 2 * SZ_4K));
	EXPECT_REJECTED(ENXIO, add_private(self->fd, self->base - SZ_4K, 2 * SZ_4K));
	/* The last page of the RAM is fine. */
	EXPECT_EQ(0, add_private(self->fd, top - SZ_4K, SZ_4K));
}

TEST_F(reg, add_unknown_flags_or_kind_is_einval)
{
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M,
					      CVM_VTLMEM_RANGE_PRIVATE, 1U << 3));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M,
					      CVM_VTLMEM_RANGE_PRIVATE, 1U << 31));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M, 2, 0));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M, ~0U, 0));
}

TEST_F(reg, add_lazy_needs_unaccepted_private_ram)
{
	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M,
					      CVM_VTLMEM_RANGE_SHARED_POOL,
					      CVM_VTLMEM_RANGE_LAZY));
	EXPECT_REJECTED(EINVAL, cvm_add_range(self->fd, self->base, SZ_2M,
					      CVM_VTLMEM_RANGE_PRIVATE,
					      CVM_VTLMEM_RANGE_LAZY | CVM_VTLMEM_RANGE_ACCEPTED));
	EXPECT_EQ(0, cvm_add_range(self->fd, self->base, SZ_2M,
				   CVM_VTLMEM_RANGE_PRIVATE, CVM_VTLMEM_RANGE_LAZY));
}

TEST_F(reg, add_missing_numa_node_is_enodev)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES];

	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(ENODEV, add_full(self->fd, self->base, SZ_2M,
					 CVM_VTLMEM_RANGE_PRIVATE, 0, 1000));
	EXPECT_REJECTED(ENODEV, add_full(self->fd, self->base, SZ_2M,
					 CVM_VTLMEM_RANGE_PRIVATE, 0, 1 << 20));
	/* Negative values other than "no node" are not nodes either. */
	EXPECT_REJECTED(ENODEV, add_full(self->fd, self->base, SZ_2M,
					 CVM_VTLMEM_RANGE_PRIVATE, 0, -2));
	/* Node 0 always exists, and LIST reports it. */
	ASSERT_EQ(0, add_full(self->fd, self->base, SZ_2M, CVM_VTLMEM_RANGE_PRIVATE, 0, 0));
	ASSERT_EQ(2, cvm_list(self->fd, info, MAX_RANGES));
	EXPECT_EQ(self->base, info[0].gpa);
	EXPECT_EQ(0, info[0].numa_node);
	EXPECT_EQ(CVM_VTLMEM_NO_NODE, info[1].numa_node);
}

TEST_F(reg, add_unknown_trailing_bytes_is_e2big)
{
	struct {
		struct cvm_vtlmem_range r;
		uint64_t future[2];
	} big = {
		.r = { .size = sizeof(big), .gpa = self->base, .length = SZ_2M,
		       .kind = CVM_VTLMEM_RANGE_PRIVATE, .numa_node = CVM_VTLMEM_NO_NODE },
	};
	struct cvm_vtlmem_range small = big.r;

	ASSERT_EQ(0, add_anchor(self));
	big.future[1] = 1;
	EXPECT_REJECTED(E2BIG, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ADD_RANGE, &big));
	small.size = CVM_VTLMEM_RANGE_SIZE_VER0 - 4;
	EXPECT_REJECTED(EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ADD_RANGE, &small));
	/* A newer caller whose extra fields are zero is understood. */
	big.future[1] = 0;
	EXPECT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ADD_RANGE, &big));
}

/* ---- REMOVE_RANGE ---- */

TEST_F(reg, remove_unknown_or_inner_gpa_is_enoent)
{
	uint64_t r = self->base + 2 * SZ_2M;
	uint16_t st;

	ASSERT_EQ(0, add_anchor(self));
	ASSERT_EQ(0, add_private(self->fd, r, 2 * SZ_2M));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, self->base));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r + SZ_4K));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r + SZ_2M));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r + 2 * SZ_2M - SZ_4K));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r + 2 * SZ_2M));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r + 1));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, ~0ULL));
	EXPECT_EQ(0, cvm_remove_range(self->fd, r));
	EXPECT_REJECTED(ENOENT, cvm_remove_range(self->fd, r));
	EXPECT_EQ(-ENOENT, cvm_query(self->fd, r, 1, &st));
}

TEST_F(reg, remove_with_flags_is_einval)
{
	struct cvm_vtlmem_remove_range rm = {
		.size = sizeof(rm), .flags = 1, .gpa = self->anchor,
	};

	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_REMOVE_RANGE, &rm));
	rm.flags = 1U << 31;
	EXPECT_REJECTED(EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_REMOVE_RANGE, &rm));
	rm.flags = 0;
	EXPECT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_REMOVE_RANGE, &rm));
}

TEST_F(reg, remove_while_mapped_is_ebusy_and_list_shows_busy)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES];
	void *p;

	ASSERT_EQ(0, add_anchor(self));
	ASSERT_EQ(0, cvm_add_accepted(self->fd, self->base, SZ_2M, 0));
	ASSERT_EQ(2, cvm_list(self->fd, info, MAX_RANGES));
	EXPECT_EQ(0, info[0].busy);

	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, self->base);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(2, cvm_list(self->fd, info, MAX_RANGES));
	EXPECT_NE(0, info[0].busy);
	/* Only the mapped range is busy. */
	EXPECT_EQ(0, info[1].busy);
	EXPECT_REJECTED(EBUSY, cvm_remove_range(self->fd, self->base));
	/* An idle range can still go while another one is mapped. */
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->anchor));

	ASSERT_EQ(0, munmap(p, SZ_4K));
	ASSERT_EQ(1, cvm_list(self->fd, info, MAX_RANGES));
	EXPECT_EQ(0, info[0].busy);
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->base));
	EXPECT_EQ(0, cvm_list(self->fd, info, MAX_RANGES));
}

/* ---- LIST_RANGES ---- */

/* Three ranges, registered out of GPA order. */
static void add_three(struct __test_metadata *_metadata, FIXTURE_DATA(reg) *self)
{
	ASSERT_EQ(0, add_private(self->fd, self->base + 8 * SZ_2M, SZ_2M));
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, 2 * SZ_2M,
				   CVM_VTLMEM_RANGE_SHARED_POOL, 0));
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + 4 * SZ_2M, 16 * SZ_4K,
				   CVM_VTLMEM_RANGE_PRIVATE, CVM_VTLMEM_RANGE_ACCEPTED));
}

TEST_F(reg, list_reports_ranges_in_gpa_order)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES];
	/* Non-isolated: every page starts accepted. */
	uint64_t unaccepted_private = self->isolated ? 0 : 1;

	add_three(_metadata, self);
	memset(info, 0xa5, sizeof(info));
	ASSERT_EQ(3, cvm_list(self->fd, info, MAX_RANGES));

	EXPECT_EQ(self->base, info[0].gpa);
	EXPECT_EQ(2 * SZ_2M, info[0].length);
	EXPECT_EQ(CVM_VTLMEM_RANGE_SHARED_POOL, info[0].kind);
	EXPECT_EQ(0, info[0].flags);
	EXPECT_EQ(unaccepted_private * 1024, info[0].accepted_pages);

	EXPECT_EQ(self->base + 4 * SZ_2M, info[1].gpa);
	EXPECT_EQ(16 * SZ_4K, info[1].length);
	EXPECT_EQ(CVM_VTLMEM_RANGE_PRIVATE, info[1].kind);
	EXPECT_EQ(CVM_VTLMEM_RANGE_ACCEPTED, info[1].flags);
	EXPECT_EQ(16, info[1].accepted_pages);

	EXPECT_EQ(self->base + 8 * SZ_2M, info[2].gpa);
	EXPECT_EQ(SZ_2M, info[2].length);
	EXPECT_EQ(CVM_VTLMEM_RANGE_PRIVATE, info[2].kind);
	EXPECT_EQ(0, info[2].flags);
	EXPECT_EQ(unaccepted_private * 512, info[2].accepted_pages);

	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(CVM_VTLMEM_NO_NODE, info[i].numa_node);
		EXPECT_EQ(0, info[i].busy);
		EXPECT_EQ(0, info[i].shared_pages);
		EXPECT_EQ(0, info[i].quarantined_pages);
	}
	/* Nothing past the three entries was written. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, info[3].gpa);
}

TEST_F(reg, list_counts_with_capacity_zero_and_short_capacity)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES], fill;
	struct cvm_vtlmem_list_ranges l = {
		.size = sizeof(l), .capacity = 0, .entry_size = sizeof(info[0]),
		.entries = (uintptr_t)info, .count = 77,
	};

	add_three(_metadata, self);
	memset(info, 0xa5, sizeof(info));
	memset(&fill, 0xa5, sizeof(fill));
	ASSERT_EQ(0, list_raw(self->fd, &l));
	EXPECT_EQ(3, l.count);
	EXPECT_EQ(0, memcmp(&info[0], &fill, sizeof(fill)));

	/* Capacity 0 needs no array at all. */
	l.entries = 0;
	l.entry_size = 0;
	l.count = 77;
	ASSERT_EQ(0, list_raw(self->fd, &l));
	EXPECT_EQ(3, l.count);

	/* Two of three: the first two in GPA order, the count still three. */
	l.entries = (uintptr_t)info;
	l.entry_size = sizeof(info[0]);
	l.capacity = 2;
	ASSERT_EQ(0, list_raw(self->fd, &l));
	EXPECT_EQ(3, l.count);
	EXPECT_EQ(self->base, info[0].gpa);
	EXPECT_EQ(self->base + 4 * SZ_2M, info[1].gpa);
	EXPECT_EQ(0, memcmp(&info[2], &fill, sizeof(fill)));
}

TEST_F(reg, list_writes_entries_at_callers_entry_size)
{
	uint8_t buf[3 * 64 + 64];
	struct cvm_vtlmem_list_ranges l = {
		.size = sizeof(l), .capacity = 3, .entry_size = 16,
		.entries = (uintptr_t)buf,
	};
	uint64_t v[2];
	size_t i;

	add_three(_metadata, self);

	/* An old caller knowing only gpa and length: 16-byte stride. */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, list_raw(self->fd, &l));
	EXPECT_EQ(3, l.count);
	memcpy(v, buf + 16, sizeof(v));
	EXPECT_EQ(self->base + 4 * SZ_2M, v[0]);
	EXPECT_EQ(16 * SZ_4K, v[1]);
	memcpy(v, buf + 32, sizeof(v));
	EXPECT_EQ(self->base + 8 * SZ_2M, v[0]);
	for (i = 48; i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %zu written past 3 short entries", i);

	/* A newer caller: fields the module does not know read as zero. */
	memset(buf, 0xa5, sizeof(buf));
	l.entry_size = 64;
	ASSERT_EQ(0, list_raw(self->fd, &l));
	memcpy(v, buf + 64, sizeof(v));
	EXPECT_EQ(self->base + 4 * SZ_2M, v[0]);
	for (i = 0; i < 3; i++) {
		size_t b;

		for (b = sizeof(struct cvm_vtlmem_range_info); b < 64; b++)
			ASSERT_EQ(0, buf[i * 64 + b]) TH_LOG("entry %zu byte %zu", i, b);
	}
	for (i = 3 * 64; i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]);
}

TEST_F(reg, list_bad_arguments_are_einval)
{
	struct cvm_vtlmem_range_info info[MAX_RANGES];
	struct cvm_vtlmem_list_ranges l;

	add_three(_metadata, self);
#define LIST_WITH(field, value) ({					\
	l = (struct cvm_vtlmem_list_ranges){ .size = sizeof(l),		\
		.capacity = MAX_RANGES, .entry_size = sizeof(info[0]),	\
		.entries = (uintptr_t)info, .count = 77 };		\
	l.field = (value);						\
	list_raw(self->fd, &l); })
	EXPECT_REJECTED(EINVAL, LIST_WITH(flags, 1));
	EXPECT_EQ(77, l.count);
	EXPECT_REJECTED(EINVAL, LIST_WITH(reserved, 1));
	EXPECT_REJECTED(EINVAL, LIST_WITH(entry_size, 0));
	EXPECT_REJECTED(EINVAL, LIST_WITH(entry_size, 12));
	EXPECT_REJECTED(EINVAL, LIST_WITH(entry_size, 2 * 4096));
	EXPECT_REJECTED(EINVAL, LIST_WITH(size, CVM_VTLMEM_LIST_RANGES_SIZE_VER0 - 8));
	EXPECT_EQ(0, LIST_WITH(flags, 0));
	EXPECT_EQ(3, l.count);
#undef LIST_WITH
}

/* ---- QUERY ---- */

TEST_F(reg, query_reports_initial_states_per_isolation)
{
	uint16_t st[17];
	int i;

	ASSERT_EQ(0, add_private(self->fd, self->base, 16 * SZ_4K));
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + SZ_2M, 16 * SZ_4K,
				   CVM_VTLMEM_RANGE_PRIVATE, CVM_VTLMEM_RANGE_ACCEPTED));

	memset(st, 0xff, sizeof(st));
	ASSERT_EQ(0, cvm_query(self->fd, self->base, 16, st));
	for (i = 0; i < 16; i++) {
		if (self->isolated) {
			/* Nothing accepted yet, and VTL0 has no rights. */
			EXPECT_EQ(CVM_VTLMEM_PAGE_UNACCEPTED, st[i]) TH_LOG("page %d", i);
		} else {
			EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, st[i] & CVM_VTLMEM_PAGE_STATE_MASK);
			EXPECT_EQ(CVM_VTLMEM_RIGHTS_ALL,
				  (st[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf);
		}
	}
	/* Exactly npages states were written. */
	EXPECT_EQ(0xffff, st[16]);

	ASSERT_EQ(0, cvm_query(self->fd, self->base + SZ_2M, 16, st));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, st[i] & CVM_VTLMEM_PAGE_STATE_MASK);
}

TEST_F(reg, query_follows_accept_page_by_page)
{
	uint16_t st[16];
	int i;

	if (!self->isolated)
		SKIP(return, "pages start accepted without isolation");
	ASSERT_EQ(0, add_private(self->fd, self->base, 16 * SZ_4K));
	ASSERT_EQ(0, cvm_accept(self->fd, self->base + 5 * SZ_4K, 3 * SZ_4K,
				CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
	ASSERT_EQ(0, cvm_query(self->fd, self->base, 16, st));
	for (i = 0; i < 16; i++) {
		int in = i >= 5 && i < 8;

		EXPECT_EQ(in ? CVM_VTLMEM_PAGE_PRIVATE : CVM_VTLMEM_PAGE_UNACCEPTED,
			  st[i] & CVM_VTLMEM_PAGE_STATE_MASK) TH_LOG("page %d", i);
		EXPECT_EQ(in ? CVM_VTLMEM_RIGHTS_ALL : 0,
			  (st[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf) TH_LOG("page %d", i);
	}
}

TEST_F(reg, query_outside_one_range_is_enoent)
{
	uint64_t r = self->base + 2 * SZ_2M;
	uint16_t st[4];

	ASSERT_EQ(0, add_anchor(self));
	ASSERT_EQ(0, add_private(self->fd, r, 2 * SZ_2M));
	ASSERT_EQ(0, add_private(self->fd, r + 2 * SZ_2M, SZ_2M));	/* adjacent */
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, self->base, 1, st));
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, r - SZ_4K, 2, st));
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, r + 3 * SZ_2M, 1, st));
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, 0x1000000, 1, st));
	/* Crossing the end, even into an adjacent range: one range per call. */
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, r + 2 * SZ_2M - SZ_4K, 2, st));
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, r + 3 * SZ_2M - 2 * SZ_4K, 4, st));
	/* Far longer than the range. */
	EXPECT_REJECTED(ENOENT, cvm_query(self->fd, r, CVM_VTLMEM_QUERY_MAX_PAGES, st));
	/* The last page alone is inside. */
	EXPECT_EQ(0, cvm_query(self->fd, r + 2 * SZ_2M - SZ_4K, 1, st));
}

TEST_F(reg, query_bad_arguments_are_einval)
{
	uint16_t st[1];
	struct cvm_vtlmem_query q = {
		.size = sizeof(q), .flags = 1, .gpa = self->anchor, .npages = 1,
		.states = (uintptr_t)st,
	};

	ASSERT_EQ(0, add_anchor(self));
	EXPECT_REJECTED(EINVAL, cvm_query(self->fd, self->anchor, 0, st));
	EXPECT_REJECTED(EINVAL, cvm_query(self->fd, self->anchor,
					  CVM_VTLMEM_QUERY_MAX_PAGES + 1, st));
	EXPECT_REJECTED(EINVAL, cvm_query(self->fd, self->anchor, ~0ULL, st));
	EXPECT_REJECTED(EINVAL, cvm_query(self->fd, self->anchor + 2, 1, st));
	EXPECT_REJECTED(EINVAL, cvm_query(self->fd, self->anchor + 0x800, 1, st));
	EXPECT_REJECTED(EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_QUERY, &q));
	/* A bad buffer is a fault, not a crash. */
	EXPECT_REJECTED(EFAULT, cvm_query(self->fd, self->anchor, 1, (uint16_t *)8));
}

/* ---- GET_INFO totals ---- */

TEST_F(reg, info_totals_follow_add_and_remove)
{
	struct cvm_vtlmem_info i0, i1, i2, i3;

	ASSERT_EQ(0, cvm_get_info(self->fd, &i0));
	EXPECT_EQ(0, i0.nr_ranges);
	EXPECT_EQ(0, i0.registered_bytes);
	EXPECT_EQ(0, i0.state_bytes);

	ASSERT_EQ(0, add_private(self->fd, self->base, 4 * SZ_2M));
	ASSERT_EQ(0, cvm_get_info(self->fd, &i1));
	EXPECT_EQ(1, i1.nr_ranges);
	EXPECT_EQ(4 * SZ_2M, i1.registered_bytes);
	EXPECT_LT(0, i1.state_bytes);

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base + 8 * SZ_2M, 3 * SZ_4K,
				   CVM_VTLMEM_RANGE_SHARED_POOL, 0));
	ASSERT_EQ(0, cvm_get_info(self->fd, &i2));
	EXPECT_EQ(2, i2.nr_ranges);
	EXPECT_EQ(4 * SZ_2M + 3 * SZ_4K, i2.registered_bytes);
	EXPECT_LT(i1.state_bytes, i2.state_bytes);

	/* Removing the first leaves exactly the second's share. */
	ASSERT_EQ(0, cvm_remove_range(self->fd, self->base));
	ASSERT_EQ(0, cvm_get_info(self->fd, &i3));
	EXPECT_EQ(1, i3.nr_ranges);
	EXPECT_EQ(3 * SZ_4K, i3.registered_bytes);
	EXPECT_EQ(i2.state_bytes - i1.state_bytes, i3.state_bytes);

	ASSERT_EQ(0, cvm_remove_range(self->fd, self->base + 8 * SZ_2M));
	ASSERT_EQ(0, cvm_get_info(self->fd, &i3));
	EXPECT_EQ(0, i3.nr_ranges);
	EXPECT_EQ(0, i3.registered_bytes);
	EXPECT_EQ(0, i3.state_bytes);
}

TEST_F(reg, info_state_bytes_are_a_few_bits_per_page)
{
	uint64_t len = 512 * SZ_MB, npages = len / SZ_4K;
	struct cvm_vtlmem_info info;

	ASSERT_LE(len, self->size);
	ASSERT_EQ(0, add_private(self->fd, self->base, len));
	ASSERT_EQ(0, cvm_get_info(self->fd, &info));
	EXPECT_EQ(len, info.registered_bytes);
	EXPECT_LT(0, info.state_bytes);
	/* Less than one byte per 4K page: no struct page, no per-page struct. */
	EXPECT_GT(npages, info.state_bytes);
	TH_LOG("%llu bytes of state for %llu pages: %.2f bits per page",
	       (unsigned long long)info.state_bytes, (unsigned long long)npages,
	       info.state_bytes * 8.0 / npages);
}

/* ---- Persistence ---- */

/* Ranges with some page state worth losing. */
static void add_stateful(struct __test_metadata *_metadata, FIXTURE_DATA(reg) *self)
{
	add_three(_metadata, self);
	ASSERT_EQ(0, add_anchor(self));
	if (self->isolated)
		ASSERT_EQ(0, cvm_accept(self->fd, self->base + 8 * SZ_2M + 7 * SZ_4K,
					9 * SZ_4K, 0, NULL));
}

TEST_F(reg, registry_survives_close_and_reopen)
{
	struct snapshot before, after;

	add_stateful(_metadata, self);
	ASSERT_EQ(0, take_snapshot(self->fd, &before));
	ASSERT_EQ(4, before.count);
	ASSERT_EQ(0, close(self->fd));

	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, take_snapshot(self->fd, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("closing the file changed the registry");
}

TEST_F(reg, other_process_sees_and_changes_the_same_registry)
{
	static struct snapshot before;
	struct cvm_vtlmem_range_info info[MAX_RANGES];
	int status;
	pid_t pid;

	add_stateful(_metadata, self);
	ASSERT_EQ(0, take_snapshot(self->fd, &before));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static struct snapshot mine;
		int fd = open(CVM_DEV, O_RDWR);

		if (fd < 0 || take_snapshot(fd, &mine))
			_exit(10);
		if (memcmp(&before, &mine, sizeof(mine)))
			_exit(11);
		/* Registered by a process that then exits without cleaning up. */
		_exit(add_private(fd, self->base + 12 * SZ_2M, SZ_2M) ? 12 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("10 open, 11 differs, 12 add failed");

	/* In GPA order the child's range comes just before the anchor. */
	ASSERT_EQ(5, cvm_list(self->fd, info, MAX_RANGES));
	EXPECT_EQ(self->base + 12 * SZ_2M, info[3].gpa);
	EXPECT_EQ(self->anchor, info[4].gpa);
}

TEST_F(reg, readd_after_remove_starts_fresh)
{
	uint16_t st[8];
	int i;

	ASSERT_EQ(0, add_private(self->fd, self->base, SZ_2M));
	if (self->isolated)
		ASSERT_EQ(0, cvm_accept(self->fd, self->base, 8 * SZ_4K, 0, NULL));
	ASSERT_EQ(0, cvm_remove_range(self->fd, self->base));

	/* The old range's state went with it. */
	ASSERT_EQ(0, add_private(self->fd, self->base, SZ_2M));
	ASSERT_EQ(0, cvm_query(self->fd, self->base, 8, st));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(self->isolated ? CVM_VTLMEM_PAGE_UNACCEPTED : CVM_VTLMEM_PAGE_PRIVATE,
			  st[i] & CVM_VTLMEM_PAGE_STATE_MASK);
}

/*
 * A range whose rights records are split into some 230 extents: the shape
 * (a full maple tree root right above its leaves) in which the kernel's
 * own lib/maple_tree.c, destroying a tree in RCU mode, overwrites the
 * root's last slot and its RCU callback then frees a node it does not own.
 * The debug kernel reported that as "KASAN: double-free in mt_free_walk"
 * until the module destroyed the records out of RCU mode. The sweep of
 * sizes covers where that shape appears (about 114 to 120 single-page
 * PROTECTs in a row), each in a 2 MiB of its own: a removed range's pages
 * stay accepted on the platform. The first page is left out of the accept,
 * so the others are accepted one by one: TDX changes rights only at the
 * size a page was accepted at.
 */
TEST_F(reg, remove_after_fragmented_rights)
{
	uint16_t st[2 * 140 + 1];
	uint64_t k, i, gpa;

	for (k = 104; k <= 140; k += 2) {
		gpa = self->base + (k - 104) / 2 * SZ_2M;
		ASSERT_EQ(0, add_private(self->fd, gpa, SZ_2M));
		if (self->isolated)
			ASSERT_EQ(0, cvm_accept(self->fd, gpa + SZ_4K, SZ_2M - SZ_4K,
						CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL));
		for (i = 0; i < k; i++)
			ASSERT_EQ(0, cvm_protect(self->fd, gpa + (2 * i + 1) * SZ_4K, SZ_4K, 0, 1,
						 NULL))
				TH_LOG("%llu pages in: page %llu", (unsigned long long)k,
				       (unsigned long long)i);
		/* Every other page read-only, the rest with every right. */
		ASSERT_EQ(0, cvm_query(self->fd, gpa, 2 * k + 1, st));
		for (i = 1; i <= 2 * k; i++)
			ASSERT_EQ(i & 1 ? 1 : CVM_VTLMEM_RIGHTS_ALL,
				  (st[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xf)
				TH_LOG("page %llu", (unsigned long long)i);
		ASSERT_EQ(0, cvm_remove_range(self->fd, gpa));
	}
}

TEST_HARNESS_MAIN
