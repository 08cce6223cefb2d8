// SPDX-License-Identifier: GPL-2.0
/*
 * GUP references on STRUCT_PAGES ranges. vmsplice() of a private-view
 * mapping into a pipe holds references on its pages until the pipe is
 * read, also after munmap(). While they are held, SET_VISIBILITY must not
 * take the pages from their view (EBUSY, page and hypervisor unchanged)
 * and REMOVE_RANGE must not free their struct pages (EBUSY, not a hang);
 * once the pipe is drained both work.
 */
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

FIXTURE(pins) {
	int fd;
	uint64_t gpa;
	uint8_t *p;
	int pipe[2];
};

FIXTURE_SETUP(pins)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->gpa = cvm_vtl0_base() + 8 * SZ_2M;
	self->pipe[0] = self->pipe[1] = -1;
	if (cvm_add_accepted(self->fd, self->gpa, SZ_2M, CVM_VTLMEM_RANGE_STRUCT_PAGES) ==
	    -EOPNOTSUPP)
		SKIP(return, "no ZONE_DEVICE struct pages in this kernel");
	self->p = cvm_map(self->fd, self->gpa, SZ_2M, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, self->p);
	memset(self->p + 5 * SZ_4K, 0x5c, SZ_4K);
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(pins)
{
	close(self->pipe[0]);
	close(self->pipe[1]);
	close(self->fd);
}

/* Reference page @i of the mapping from the pipe. */
static int pin_page(FIXTURE_DATA(pins) *self, unsigned int i)
{
	struct iovec iov = { self->p + i * SZ_4K, SZ_4K };

	return vmsplice(self->pipe[1], &iov, 1, 0) == (ssize_t)SZ_4K ? 0 : -errno;
}

/* Read the pipe empty: the references go. Returns the first byte read. */
static int drain(FIXTURE_DATA(pins) *self)
{
	static uint8_t buf[SZ_4K];

	return read(self->pipe[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? buf[0] : -1;
}

static int share(int fd, uint64_t gpa, uint64_t len, struct cvm_vtlmem_visibility *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->visibility = CVM_VTLMEM_VISIBILITY_SHARED;
	v->gpa = gpa;
	v->length = len;
	return cvm_ioctl(fd, CVM_VTLMEM_IOC_SET_VISIBILITY, v);
}

TEST_F(pins, remove_range_refuses_referenced_pages)
{
	ASSERT_EQ(0, pin_page(self, 5));
	ASSERT_EQ(0, munmap(self->p, SZ_2M));
	/* No mapping left, but the pipe still holds a page. */
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, self->gpa));
	EXPECT_EQ(0x5c, drain(self));
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->gpa));
}

TEST_F(pins, visibility_refuses_referenced_pages)
{
	struct cvm_vtlmem_visibility v;
	uint16_t s[8];

	if (!cvm_isolated())
		SKIP(return, "no host visibility without isolation");
	ASSERT_EQ(0, pin_page(self, 5));
	ASSERT_EQ(0, munmap(self->p, SZ_2M));
	EXPECT_EQ(-EBUSY, share(self->fd, self->gpa, 8 * SZ_4K, &v));
	EXPECT_EQ(5, v.fail_index);
	EXPECT_EQ(0, v.fail_status);
	EXPECT_EQ(0, v.processed);
	/* Nothing changed, in the records or in the hypervisor. */
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, self->gpa + 5 * SZ_4K));
	EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, self->gpa));
	ASSERT_EQ(0, cvm_sim_state(self->gpa, 8, s));
	EXPECT_TRUE(s[5] & SIM_PAGE_ACCEPTED);
	EXPECT_EQ(0, SIM_PAGE_VIS(s[5]));
	EXPECT_EQ(CVM_VTLMEM_RIGHTS_ALL, SIM_PAGE_VTL0(s[5]));
	/* The reference saw the page's own data, and goes with the read. */
	EXPECT_EQ(0x5c, drain(self));
	ASSERT_EQ(0, share(self->fd, self->gpa, 8 * SZ_4K, &v));
	EXPECT_EQ(8, v.processed);
	EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, self->gpa + 5 * SZ_4K));
}

/*
 * SNP re-validates a unit validated at 2 MiB to change part of it: a
 * referenced page elsewhere in the unit blocks that too. Elsewhere the
 * other pages are not touched, so the change goes ahead.
 */
TEST_F(pins, reference_elsewhere_in_the_unit)
{
	struct cvm_vtlmem_visibility v;
	int snp = cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_SNP;
	uint16_t s[8];

	if (!cvm_isolated())
		SKIP(return, "no host visibility without isolation");
	ASSERT_EQ(0, pin_page(self, 100));
	ASSERT_EQ(0, munmap(self->p, SZ_2M));
	EXPECT_EQ(snp ? -EBUSY : 0, share(self->fd, self->gpa, 8 * SZ_4K, &v));
	if (snp) {
		EXPECT_EQ(0, v.fail_index);
		EXPECT_EQ(0, v.processed);
		ASSERT_EQ(0, cvm_sim_state(self->gpa, 8, s));
		/* Still validated at 2 MiB: nothing was split. */
		EXPECT_EQ(1, SIM_PAGE_SIZE(s[0]));
		EXPECT_EQ(0, SIM_PAGE_VIS(s[0]));
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, self->gpa));
	} else {
		EXPECT_EQ(8, v.processed);
	}
	drain(self);
	if (snp) {
		ASSERT_EQ(0, share(self->fd, self->gpa, 8 * SZ_4K, &v));
		EXPECT_EQ(8, v.processed);
	}
	EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, self->gpa + 7 * SZ_4K));
}

TEST_HARNESS_MAIN

/*
 * The pipe's reference outlives the mapping and the file: the module must
 * not go while it does (its struct pages would be freed under the pipe).
 */
TEST_F(pins, unload_refused_while_pages_are_referenced)
{
	ASSERT_EQ(0, pin_page(self, 5));
	ASSERT_EQ(0, munmap(self->p, SZ_2M));
	close(self->fd);
	self->fd = -1;
	EXPECT_NE(0, system("rmmod cvm_vtlmem 2>/dev/null"));
	EXPECT_EQ(0x5c, drain(self));
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->gpa));
}
