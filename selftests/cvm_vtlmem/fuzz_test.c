// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl fuzzing: FUZZ_CALLS random calls from a fixed seed (printed;
 * CVM_FUZZ_SEED= overrides), deterministic. Command numbers are the
 * module's with random direction and size bits, random type bytes and
 * unknown numbers; arguments are the commands' structs with random sizes,
 * flags, reserved fields and trailing bytes, unaligned, wrapping and
 * unregistered GPAs, and bad pointers (NULL, unmapped, read-only, kernel,
 * misaligned, a struct straddling into a read-only or an unmapped page),
 * for the argument itself and for the arrays it points to.
 *
 * State is fingerprinted (LIST_RANGES and QUERY of every registered page)
 * before the loop. The ABI says which errors are refusals before anything
 * changes: EINVAL, E2BIG, EFAULT, ENOTTY, EOPNOTSUPP, ENOENT, EPERM,
 * ERANGE, EOVERFLOW, EEXIST, ENXIO, ENODEV, EAGAIN, and EBUSY where it means
 * "busy" (ADD_RANGE on this kernel's RAM, REMOVE_RANGE of a busy range).
 * After each of those the fingerprint must be unchanged. A success, or an
 * error of work that may have partly happened (EIO, EPROTO, ETIMEDOUT,
 * EINTR, ENOMEM; EBUSY from SET_VISIBILITY and PROTECT), re-takes it. Any
 * other errno fails the test.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

/*
 * 10^5 calls per isolation; on the debug kernel (KASAN, lockdep, kmemleak:
 * about 3 ms a call under TCG) 25000 per isolation, 10^5 over the four.
 * CVM_FUZZ_CALLS= overrides.
 */
#define FUZZ_CALLS	100000
#define FUZZ_CALLS_DEBUG	25000
#define NR_CMDS		10
#define MAX_RANGES	16
#define MAX_FP_PAGES	4096
#define BIG		(64 * 1024)	/* the arrays' buffer, a guard page after it */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* The module's commands by number, with their struct sizes. */
static const unsigned int cmd_size[NR_CMDS] = {
	[0] = sizeof(struct cvm_vtlmem_info),
	[1] = sizeof(struct cvm_vtlmem_range),
	[2] = sizeof(struct cvm_vtlmem_remove_range),
	[3] = sizeof(struct cvm_vtlmem_list_ranges),
	[4] = sizeof(struct cvm_vtlmem_query),
	[5] = sizeof(struct cvm_vtlmem_accept),
	[6] = sizeof(struct cvm_vtlmem_visibility),
	[7] = sizeof(struct cvm_vtlmem_protect),
	[8] = sizeof(struct cvm_vtlmem_protect_vtl2),
	[9] = sizeof(struct cvm_vtlmem_accept_status),
};

static const unsigned int cmd_ver0[NR_CMDS] = {
	[0] = 40, [1] = CVM_VTLMEM_RANGE_SIZE_VER0, [2] = CVM_VTLMEM_REMOVE_RANGE_SIZE_VER0,
	[3] = CVM_VTLMEM_LIST_RANGES_SIZE_VER0, [4] = CVM_VTLMEM_QUERY_SIZE_VER0,
	[5] = CVM_VTLMEM_ACCEPT_SIZE_VER0, [6] = CVM_VTLMEM_VISIBILITY_SIZE_VER0,
	[7] = CVM_VTLMEM_PROTECT_SIZE_VER0, [8] = CVM_VTLMEM_PROTECT_VTL2_SIZE_VER0,
	[9] = CVM_VTLMEM_ACCEPT_STATUS_SIZE_VER0,
};

struct fp {
	int nranges;
	struct cvm_vtlmem_range_info r[MAX_RANGES];
	uint64_t npages;
	uint16_t q[MAX_FP_PAGES];
};

/* LIST_RANGES and QUERY of every registered page; 0, or -1 if too big. */
static int fingerprint(int fd, struct fp *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->nranges = cvm_list(fd, f->r, MAX_RANGES);
	if (f->nranges < 0 || f->nranges > MAX_RANGES)
		return -1;
	for (i = 0; i < f->nranges; i++) {
		uint64_t n = f->r[i].length / SZ_4K;

		if (f->npages + n > MAX_FP_PAGES ||
		    cvm_query(fd, f->r[i].gpa, n, f->q + f->npages))
			return -1;
		f->npages += n;
	}
	return 0;
}

static bool fp_equal(const struct fp *a, const struct fp *b)
{
	return a->nranges == b->nranges && a->npages == b->npages &&
	       !memcmp(a->r, b->r, sizeof(a->r[0]) * a->nranges) &&
	       !memcmp(a->q, b->q, a->npages * 2);
}

/* Three small ranges: accepted, shared, protected, unaccepted pages. */
#define R_A		(cvm_vtl0_base() + (2 << 20))			/* 64 pages */
#define R_B		(cvm_vtl0_base() + (6 << 20) + 0x10000)	/* 64 pages */
#define R_C		(cvm_vtl0_base() + (10 << 20))			/* 32 pages */
#define R_A_LEN		(64 * SZ_4K)
#define R_B_LEN		(64 * SZ_4K)
#define R_C_LEN		(32 * SZ_4K)

static int set_vis_span(int fd, uint64_t gpa, uint64_t len, uint32_t vis)
{
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v), .visibility = vis, .gpa = gpa, .length = len,
	};

	return cvm_ioctl(fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v);
}

static int setup_state(int fd)
{
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = R_A + 40 * SZ_4K, .length = 8 * SZ_4K,
		.rights = CVM_VTLMEM_RIGHT_READ,
	};
	int ret;

	ret = cvm_clean_slate(fd) ?:
	      cvm_add_accepted(fd, R_A, R_A_LEN, 0) ?:
	      cvm_add_range(fd, R_B, R_B_LEN, CVM_VTLMEM_RANGE_PRIVATE, 0) ?:
	      cvm_add_range(fd, R_C, R_C_LEN, CVM_VTLMEM_RANGE_SHARED_POOL, 0);
	if (ret)
		return ret;
	/* Half of B accepted; some of A protected. */
	ret = cvm_accept(fd, R_B, R_B_LEN / 2, CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL) ?:
	      cvm_ioctl(fd, CVM_VTLMEM_IOC_PROTECT, &p);
	if (ret || !cvm_isolated())
		return ret;
	/* Some of A and all of C shared. */
	return cvm_accept(fd, R_C, R_C_LEN, 0, NULL) ?:
	       set_vis_span(fd, R_A + 8 * SZ_4K, 4 * SZ_4K, CVM_VTLMEM_VISIBILITY_SHARED) ?:
	       set_vis_span(fd, R_C, R_C_LEN, CVM_VTLMEM_VISIBILITY_SHARED);
}

/*
 * Memory for arguments. X: page 0 RW, 1 RO, 2 none, 3 RW, 4 none, all of
 * one memfd whose W mapping writes them; G: BIG bytes RW then a guard.
 */
struct mem {
	uint8_t *x, *w, *g;
	int memfd;
};

static uint64_t pick_gpa(void)
{
	uint64_t starts[3] = { R_A, R_B, R_C }, base = cvm_vtl0_base();

	switch (below(12)) {
	case 0:
	case 1:
	case 2:
		return starts[below(3)];
	case 3:
	case 4:
		return starts[below(3)] + below(80) * SZ_4K;
	case 5:
		return starts[below(3)] + below(SZ_4K * 4);	/* mostly unaligned */
	case 6:
		return base + below(cvm_vtl0_size() / SZ_4K + 16) * SZ_4K;
	case 7:
		return ~0ULL - below(4) * SZ_4K - (chance(50) ? 0xfff : 0);
	case 8:
		return 0;
	case 9:
		return 1ULL << (30 + below(34));
	case 10:
		return base - SZ_4K * below(4);
	default:
		return rnd();
	}
}

static uint64_t pick_len(void)
{
	switch (below(10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (1 + below(70)) * SZ_4K;
	case 4:
		return 0;
	case 5:
		return below(SZ_4K * 8);
	case 6:
		return ~0ULL & ~0xfffULL;
	case 7:
		return (1ULL << (20 + below(30)));
	case 8:
		return R_A_LEN;
	default:
		return rnd();
	}
}

static uint32_t pick_flags(uint32_t known)
{
	switch (below(6)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		return rnd() & known;
	case 4:
		return 1U << below(32);
	default:
		return rnd();
	}
}

static uint32_t pick_u32_small(uint32_t n)
{
	return chance(80) ? below(n) : (uint32_t)rnd();
}

/* A pointer for an array the struct points to. */
static uint64_t pick_array(struct mem *m, size_t want)
{
	switch (below(10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (uintptr_t)m->g;
	case 4:
		return (uintptr_t)(m->g + BIG - (want < BIG ? want / 2 : 8));	/* into the guard */
	case 5:
		return 0;
	case 6:
		return (uintptr_t)(m->x + SZ_4K);	/* read-only */
	case 7:
		return 0xffff888000000000ULL + below(1 << 20) * 8;	/* kernel */
	case 8:
		return (uintptr_t)(m->x + 2 * SZ_4K + below(SZ_4K));	/* unmapped */
	default:
		return rnd();
	}
}

/* Fill G with GPNs, mostly of registered pages. */
static void fill_gpns(struct mem *m, uint32_t count)
{
	uint64_t *g = (uint64_t *)m->g, starts[3] = { R_A, R_B, R_C };
	uint32_t i, n = count < BIG / 8 ? count : BIG / 8;

	for (i = 0; i < n; i++)
		g[i] = chance(95) ? starts[below(3)] / SZ_4K + below(64) : pick_gpa() / SZ_4K;
}

/* Build command @nr's struct in @buf (at most 4 KiB + 64 bytes). */
static uint32_t build(struct mem *m, unsigned int nr, uint8_t *buf)
{
	uint32_t size;

	switch (below(10)) {
	case 0:
		size = cmd_ver0[nr];
		break;
	case 1:
		size = below(cmd_size[nr] + 16);
		break;
	case 2:
		size = cmd_size[nr] + 8 * (1 + below(8));
		break;
	case 3:
		size = chance(50) ? SZ_4K : SZ_4K + 1 + below(64);
		break;
	case 4:
		size = (uint32_t)rnd();
		break;
	default:
		size = cmd_size[nr];
	}
	memset(buf, 0, SZ_4K + 64);
	/* Trailing bytes past the known struct: mostly zero. */
	if (size > cmd_size[nr] && chance(30))
		buf[cmd_size[nr] + below((size < SZ_4K + 64 ? size : SZ_4K + 64) -
					 cmd_size[nr])] = 1 + below(255);
	switch (nr) {
	case 0: {
		struct cvm_vtlmem_info *a = (void *)buf;

		a->flags = pick_flags(0);
		break;
	}
	case 1: {
		struct cvm_vtlmem_range *a = (void *)buf;

		a->flags = pick_flags(CVM_VTLMEM_RANGE_FLAGS);
		a->gpa = pick_gpa();
		a->length = pick_len();
		a->kind = pick_u32_small(3);
		a->numa_node = chance(70) ? CVM_VTLMEM_NO_NODE : (int32_t)pick_u32_small(4);
		break;
	}
	case 2: {
		struct cvm_vtlmem_remove_range *a = (void *)buf;

		a->flags = pick_flags(0);
		a->gpa = pick_gpa();
		break;
	}
	case 3: {
		struct cvm_vtlmem_list_ranges *a = (void *)buf;
		static const uint32_t es[] = { 8, 16, sizeof(struct cvm_vtlmem_range_info), 72,
					       4096, 4104, 7, 0 };

		a->flags = pick_flags(0);
		a->capacity = pick_u32_small(20);
		a->entry_size = chance(85) ? es[below(8)] : (uint32_t)rnd();
		a->reserved = chance(85) ? 0 : (uint32_t)rnd();
		a->entries = pick_array(m, (size_t)a->capacity * a->entry_size);
		break;
	}
	case 4: {
		struct cvm_vtlmem_query *a = (void *)buf;

		a->flags = pick_flags(0);
		a->gpa = pick_gpa();
		a->npages = chance(70) ? below(100) : chance(50) ? CVM_VTLMEM_QUERY_MAX_PAGES +
			    below(2) : rnd();
		a->states = pick_array(m, a->npages * 2);
		break;
	}
	case 5: {
		struct cvm_vtlmem_accept *a = (void *)buf;

		a->flags = pick_flags(CVM_VTLMEM_ACCEPT_FLAGS);
		a->gpa = pick_gpa();
		a->length = pick_len();
		a->accepted = chance(90) ? 0 : rnd();
		a->job = chance(90) ? 0 : (uint32_t)rnd();
		a->reserved = chance(85) ? 0 : (uint32_t)rnd();
		break;
	}
	case 6: {
		struct cvm_vtlmem_visibility *a = (void *)buf;

		a->flags = pick_flags(CVM_VTLMEM_VISIBILITY_FLAGS);
		a->visibility = pick_u32_small(3);
		if (a->flags & CVM_VTLMEM_VISIBILITY_GPN_LIST && chance(85)) {
			a->count = chance(80) ? 1 + below(100) :
				   chance(50) ? CVM_VTLMEM_VISIBILITY_MAX_GPNS + below(2) :
				   (uint32_t)rnd();
			a->gpns = pick_array(m, (size_t)a->count * 8);
			fill_gpns(m, a->count);
			if (chance(10))
				a->gpa = pick_gpa();
		} else {
			a->gpa = pick_gpa();
			a->length = pick_len();
			if (chance(10))
				a->count = (uint32_t)rnd();
			if (chance(10))
				a->gpns = pick_array(m, 8);
		}
		a->processed = chance(90) ? 0 : rnd();
		break;
	}
	case 7: {
		struct cvm_vtlmem_protect *a = (void *)buf;

		a->flags = pick_flags(0);
		a->gpa = pick_gpa();
		a->length = pick_len();
		a->target_vtl = pick_u32_small(3);
		a->rights = pick_u32_small(17);
		break;
	}
	case 8: {
		struct cvm_vtlmem_protect_vtl2 *a = (void *)buf;

		/*
		 * Never a part of this kernel's RAM: protecting it cannot be
		 * undone, and the protect suite wants it fresh.
		 */
		a->flags = pick_flags(0);
		a->gpa = pick_gpa();
		a->length = pick_len();
		if (a->gpa < cvm_vtl0_base() && a->gpa + a->length > a->gpa)
			a->gpa += chance(50) ? 1 : cvm_vtl0_base();
		if (!a->gpa && !a->length)
			a->length = 1;
		break;
	}
	default: {
		struct cvm_vtlmem_accept_status *a = (void *)buf;

		a->flags = pick_flags(CVM_VTLMEM_STATUS_FLAGS);
		a->job = chance(80) ? below(70) : (uint32_t)rnd();
		a->reserved = chance(85) ? 0 : (uint32_t)rnd();
		break;
	}
	}
	((uint32_t *)buf)[0] = size;
	return size;
}

static unsigned int ioc_size_bits(void)
{
	return chance(70) ? 0 : below(1 << 14);
}

/* Where the argument lies; writes it through W. Returns the pointer. */
static uint64_t place(struct mem *m, const uint8_t *buf, uint32_t size, unsigned int *kind)
{
	uint32_t len = size < SZ_4K ? size : SZ_4K;
	uint32_t d;

	if (len < 8)
		len = 8;
	*kind = chance(60) ? 0 : 1 + below(8);
	switch (*kind) {
	case 0:		/* good, page 0 */
		memcpy(m->w, buf, SZ_4K);
		memcpy(m->w + SZ_4K, buf + SZ_4K, 64);
		return (uintptr_t)m->x;
	case 1:
		return 0;
	case 2:		/* unmapped */
		return (uintptr_t)(m->x + 2 * SZ_4K);
	case 3:		/* read-only */
		memcpy(m->w + SZ_4K, buf, SZ_4K);
		return (uintptr_t)(m->x + SZ_4K);
	case 4:		/* RW page then read-only page */
		d = 1 + below(len - 1);
		memcpy(m->w + SZ_4K - d, buf, len);
		return (uintptr_t)(m->x + SZ_4K - d);
	case 5:		/* read-only page then nothing */
		d = 1 + below(len - 1);
		memcpy(m->w + 2 * SZ_4K - d, buf, d);
		return (uintptr_t)(m->x + 2 * SZ_4K - d);
	case 6:		/* RW page then nothing */
		d = 1 + below(len - 1);
		memcpy(m->w + 4 * SZ_4K - d, buf, d);
		return (uintptr_t)(m->x + 4 * SZ_4K - d);
	case 7:		/* misaligned */
		d = 1 + below(7);
		memcpy(m->w + d, buf, SZ_4K - d);
		return (uintptr_t)(m->x + d);
	default:
		return chance(50) ? 0xffff888000000000ULL + below(1 << 20) * 8 : rnd();
	}
}

static bool refused_before_work(unsigned int nr, bool known, int err)
{
	switch (err) {
	case EINVAL: case E2BIG: case EFAULT: case ENOTTY: case EOPNOTSUPP: case ENOENT:
	case EPERM: case ERANGE: case EOVERFLOW: case EEXIST: case ENXIO: case ENODEV:
	case EAGAIN:
		return true;
	case EBUSY:
		return !known || (nr != 5 && nr != 6 && nr != 7 && nr != 8);
	default:
		return false;
	}
}

static bool work_errno(int err)
{
	return err == EIO || err == EPROTO || err == ETIMEDOUT || err == EINTR ||
	       err == ENOMEM || err == EBUSY;
}

FIXTURE(fuzz) {
	int fd;
	struct mem m;
};

FIXTURE_SETUP(fuzz)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, setup_state(self->fd));
	self->m.memfd = memfd_create("fuzz", 0);
	ASSERT_LE(0, self->m.memfd);
	ASSERT_EQ(0, ftruncate(self->m.memfd, 5 * SZ_4K));
	self->m.w = mmap(NULL, 5 * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, self->m.memfd, 0);
	ASSERT_NE(MAP_FAILED, self->m.w);
	self->m.x = mmap(NULL, 5 * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, self->m.memfd, 0);
	ASSERT_NE(MAP_FAILED, self->m.x);
	ASSERT_EQ(0, mprotect(self->m.x + SZ_4K, SZ_4K, PROT_READ));
	ASSERT_EQ(0, mprotect(self->m.x + 2 * SZ_4K, SZ_4K, PROT_NONE));
	ASSERT_EQ(0, mprotect(self->m.x + 4 * SZ_4K, SZ_4K, PROT_NONE));
	self->m.g = mmap(NULL, BIG + SZ_4K, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->m.g);
	ASSERT_EQ(0, mprotect(self->m.g + BIG, SZ_4K, PROT_NONE));
}

FIXTURE_TEARDOWN(fuzz)
{
	cvm_clean_slate(self->fd);
	close(self->fd);
}

/* Work that a success leaves running: wait for it. */
static int settle(struct __test_metadata *_metadata, int *fd, unsigned int nr, uint64_t arg,
		  const uint8_t *sent, unsigned int kind)
{
	const struct cvm_vtlmem_accept *a = (const void *)sent;
	struct cvm_vtlmem_accept_status st = { .size = sizeof(st),
					       .flags = CVM_VTLMEM_STATUS_WAIT };
	struct cvm_vtlmem_range_info r[MAX_RANGES];
	int n, i, tries;
	bool queued;

	if (nr != 5)
		return 0;
	if (a->flags & CVM_VTLMEM_ACCEPT_NOWAIT) {
		/* The job id came back in the struct, if it was ours to read. */
		st.job = kind == 0 ? ((const struct cvm_vtlmem_accept *)arg)->job : 0;
		if (!st.job || cvm_ioctl(*fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, &st)) {
			/* Closing the file cancels its jobs and waits for them. */
			close(*fd);
			*fd = open(CVM_DEV, O_RDWR);
			return *fd < 0 ? -1 : 0;
		}
	}
	if (a->flags & CVM_VTLMEM_ACCEPT_BACKGROUND) {
		for (tries = 0; tries < 500; tries++) {
			n = cvm_list(*fd, r, MAX_RANGES);
			queued = false;
			for (i = 0; i < n && i < MAX_RANGES; i++)
				queued |= r[i].background_units != 0;
			if (!queued)
				break;
			usleep(10000);
		}
		usleep(50000);	/* the unit in progress */
	}
	return 0;
}

TEST_F_TIMEOUT(fuzz, random_ioctls_refused_change_nothing, 600)
{
	static uint8_t buf[SZ_4K + 64];
	const char *env = getenv("CVM_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0xC7F022ULL;
	unsigned long counts[NR_CMDS + 1] = {}, errs[NR_CMDS + 1] = {};
	unsigned long ok = 0, refused = 0, work = 0, restores = 0, it;
	const char *env_calls = getenv("CVM_FUZZ_CALLS");
	unsigned long calls = env_calls ? strtoul(env_calls, NULL, 0) :
			      access("/sys/kernel/debug/kmemleak", F_OK) ? FUZZ_CALLS :
			      FUZZ_CALLS_DEBUG;
	struct fp before, after;
	double start = cvm_now();
	unsigned int nr, kind, dir, type;
	unsigned long cmd;
	uint64_t arg, priv;
	uint32_t size;
	bool known;
	int ret, err;

	rng = seed ? seed : 1;
	TH_LOG("seed %#llx (CVM_FUZZ_SEED= to change), %lu calls", (unsigned long long)seed,
	       calls);
	ASSERT_EQ(0, fingerprint(self->fd, &before));
	for (it = 0; it < calls; it++) {
		nr = chance(85) ? below(NR_CMDS) : below(256);
		known = nr < NR_CMDS;
		type = chance(95) ? CVM_VTLMEM_IOC_MAGIC : below(256);
		known &= type == CVM_VTLMEM_IOC_MAGIC;
		dir = below(4);
		if (chance(70) && nr < NR_CMDS) {
			size = build(&self->m, nr, buf);
		} else {
			for (size = 0; size < sizeof(buf); size += 8)
				*(uint64_t *)(buf + size) = chance(50) ? 0 : rnd();
			size = *(uint32_t *)buf;
		}
		arg = place(&self->m, buf, size, &kind);
		cmd = _IOC(dir, type, nr, chance(30) && nr < NR_CMDS ? cmd_size[nr] :
		      ioc_size_bits());
		counts[known ? nr : NR_CMDS]++;
		ret = ioctl(self->fd, cmd, (unsigned long)arg);
		err = ret ? errno : 0;
		if (ret)
			errs[known ? nr : NR_CMDS]++;
		if (ret && refused_before_work(nr, known, err)) {
			refused++;
			ASSERT_EQ(0, fingerprint(self->fd, &after));
			ASSERT_TRUE(fp_equal(&before, &after))
				TH_LOG("call %lu: ioctl %#lx (nr %u) failed with %s but changed state",
				       it, cmd, nr, strerror(err));
			continue;
		}
		ASSERT_TRUE(!ret || work_errno(err))
			TH_LOG("call %lu: ioctl %#lx (nr %u, arg kind %u): unexpected %s",
			       it, cmd, nr, kind, strerror(err));
		ok += !ret;
		work += !!ret;
		ASSERT_EQ(0, settle(_metadata, &self->fd, nr, arg, buf, kind));
		/* Grown or shrunk beyond the set-up: back to it. */
		if (fingerprint(self->fd, &after) || after.nranges != 3 ||
		    after.npages != (R_A_LEN + R_B_LEN + R_C_LEN) / SZ_4K) {
			ASSERT_EQ(0, setup_state(self->fd));
			ASSERT_EQ(0, fingerprint(self->fd, &after));
			restores++;
		}
		before = after;
		/* The records still say what the platform holds. */
		ASSERT_EQ(0, cvm_check_consistent(self->fd, R_A, R_A_LEN / SZ_4K, &priv));
		ASSERT_EQ(0, cvm_check_consistent(self->fd, R_B, R_B_LEN / SZ_4K, &priv));
		ASSERT_EQ(0, cvm_check_consistent(self->fd, R_C, R_C_LEN / SZ_4K, &priv));
	}
	for (nr = 0; nr <= NR_CMDS; nr++)
		TH_LOG("nr %-2u%s: %lu calls, %lu errors", nr, nr == NR_CMDS ? " (unknown)" : "",
		       counts[nr], errs[nr]);
	TH_LOG("%lu calls in %.1f s: %lu succeeded, %lu refused with state unchanged, "
	       "%lu failed in work, %lu restores of the set-up", calls,
	       cvm_now() - start, ok, refused, work, restores);
	EXPECT_LT(calls / 2, refused);
}

TEST_HARNESS_MAIN
