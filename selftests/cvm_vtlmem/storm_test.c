// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency storm. Forked paravisors register a range each (plain, with
 * struct pages, lazy, or both), map both views and storm them: threads
 * fault through the views while others flip visibility and VTL0 rights,
 * query and list, try to remove the range, and accept (waiting, not
 * waiting, cancelling, in the background). Each child then ends one of
 * three ways: exiting with every thread still inside an ioctl or a fault;
 * unmapping under the faulting threads, removing the range and exiting; or
 * stopping its threads, checking its records and removing its range.
 * Nothing is injected, so:
 *
 *   - no call fails with an errno that means the platform refused or the
 *     module lost track (EIO, EPROTO, ETIMEDOUT, EFAULT, ENOMEM, ...);
 *   - a child that stops in order finds QUERY equal to the platform's
 *     state on every page (rights too) and no page quarantined;
 *   - once a child is gone its range can be removed: nothing it left
 *     (jobs, background units, mappings) keeps the range busy;
 *   - the platform refused no call of the whole storm but page-size
 *     mismatches, and the module logged no refusal, contradiction, failed
 *     first-touch accept or quarantine;
 *   - and the kernel reports nothing (the rig: KASAN, lockdep, kmemleak).
 *
 * Every child gets VTL0 memory no earlier child used (the platform keeps
 * a removed range's pages as they were); when it runs out, the storm
 * waits for its children and starts over on a fresh partition.
 *
 * It found issue 13's item 9 (a maple tree freed twice after
 * REMOVE_RANGE) within 20 seconds on the debug kernel.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define STORM_LEN	(8ULL << 20)
#define STORM_PAGES	(STORM_LEN / SZ_4K)
#define STORM_CHILDREN	2	/* at once */
#define STORM_SECONDS	10	/* per test */

/*
 * A fault a view refuses (SIGBUS), or one after the views are gone
 * (SIGSEGV), in a faulting thread: back to its loop. Anywhere else it is
 * a real crash.
 */
static __thread sigjmp_buf fault_env;
static __thread int fault_armed;
static void fault_jump(int sig)
{
	if (fault_armed)
		siglongjmp(fault_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

struct storm {
	int fd;
	uint64_t base;
	uint32_t flags;		/* of the range */
	uint8_t *priv, *shared;
	atomic_int stop;
	atomic_int unmapped;	/* the views are gone: REMOVE_RANGE may work */
	atomic_int bad;		/* the first thing that went wrong */
	atomic_int calls;
};

struct worker {
	struct storm *s;
	unsigned int seed;
};

/* An errno no call may return here: nothing was injected. */
static int forbidden(int err)
{
	switch (err) {
	case 0:
	case EBUSY:	/* a page referenced, a unit held */
	case EINTR:	/* the process is exiting */
	case ECANCELED:	/* a job cancelled */
	case ENOENT:	/* the range (or a job's report) is gone */
	case EPERM:	/* an unaccepted page: PROTECT; on VBS, going shared */
		return 0;
	}
	return 1;
}

/* Remember the first thing that went wrong, and say what it was. */
static void fail(struct storm *s, const char *what, int ret)
{
	int none = 0;

	if (atomic_compare_exchange_strong(&s->bad, &none, ret ? -ret : -1))
		fprintf(stderr, "# %s, range %#llx: %d (%s)\n", what,
			(unsigned long long)s->base, ret, strerror(ret < 0 ? -ret : ret));
}

static void check(struct storm *s, const char *what, int ret)
{
	atomic_fetch_add(&s->calls, 1);
	if (ret < 0 && forbidden(-ret))
		fail(s, what, ret);
}

static uint64_t rnd(struct worker *w, uint64_t n)
{
	return rand_r(&w->seed) % n;
}

static void *faulter(void *arg)
{
	struct worker *w = arg;
	struct storm *s = w->s;

	fault_armed = 1;
	while (!atomic_load(&s->stop)) {
		uint8_t *view = s->shared && rnd(w, 2) ? s->shared : s->priv;
		volatile uint8_t *b = view + rnd(w, STORM_PAGES) * SZ_4K + rnd(w, SZ_4K);

		if (sigsetjmp(fault_env, 1))
			continue;
		if (rnd(w, 2))
			*b = (uint8_t)w->seed;
		else
			(void)*b;
	}
	return NULL;
}

static void *flipper(void *arg)
{
	struct worker *w = arg;
	struct storm *s = w->s;
	uint64_t gpns[64];
	uint32_t i;

	while (!atomic_load(&s->stop)) {
		uint64_t unit = rnd(w, STORM_PAGES / 512) * 512;
		struct cvm_vtlmem_visibility v = {
			.size = sizeof(v), .flags = CVM_VTLMEM_VISIBILITY_GPN_LIST,
			.count = 1 + rnd(w, 64), .gpns = (uintptr_t)gpns,
		};
		struct cvm_vtlmem_protect p = {
			.size = sizeof(p), .gpa = s->base + unit * SZ_4K + rnd(w, 512) * SZ_4K,
			.length = SZ_4K * (1 + rnd(w, 64)), .rights = rnd(w, 16),
		};

		/* Mostly within one unit, now and then across two. */
		for (i = 0; i < v.count; i++)
			gpns[i] = s->base / SZ_4K + (unit + rnd(w, 1024)) % STORM_PAGES;
		if (p.gpa + p.length > s->base + STORM_LEN)
			p.length = s->base + STORM_LEN - p.gpa;
		/* TDX sets rights at the size a page was accepted at: whole units. */
		if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX) {
			p.gpa = s->base + unit * SZ_4K;
			p.length = SZ_2M;
		}
		/* Without isolation there is no host visibility (EOPNOTSUPP). */
		v.visibility = CVM_VTLMEM_VISIBILITY_SHARED;
		if (cvm_isolated())
			check(s, "SET_VISIBILITY shared",
			      cvm_ioctl(s->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
		check(s, "PROTECT", cvm_ioctl(s->fd, CVM_VTLMEM_IOC_PROTECT, &p));
		v.visibility = CVM_VTLMEM_VISIBILITY_PRIVATE;
		if (cvm_isolated())
			check(s, "SET_VISIBILITY private",
			      cvm_ioctl(s->fd, CVM_VTLMEM_IOC_SET_VISIBILITY, &v));
	}
	return NULL;
}

static void *querier(void *arg)
{
	static __thread uint16_t states[STORM_PAGES];
	struct cvm_vtlmem_range_info info[8];
	struct worker *w = arg;
	struct storm *s = w->s;
	int ret;

	while (!atomic_load(&s->stop)) {
		uint64_t first = rnd(w, STORM_PAGES);

		check(s, "QUERY", cvm_query(s->fd, s->base + first * SZ_4K, STORM_PAGES - first,
					    states));
		ret = cvm_list(s->fd, info, 8);
		check(s, "LIST_RANGES", ret < 0 ? ret : 0);
		/* Mapped: EBUSY, never removed under the storm. */
		if (!rnd(w, 32)) {
			ret = cvm_remove_range(s->fd, s->base);
			if (ret != -EBUSY && !atomic_load(&s->unmapped))
				fail(s, "REMOVE_RANGE while mapped", ret);
		}
	}
	return NULL;
}

/* Wait for a no-wait job (cancelling it, or not) and check its report. */
static void reap_job(struct worker *w, uint32_t job)
{
	struct cvm_vtlmem_accept_status st = {
		.size = sizeof(st), .job = job,
		.flags = CVM_VTLMEM_STATUS_WAIT | (rnd(w, 2) ? CVM_VTLMEM_STATUS_CANCEL : 0),
	};

	check(w->s, "ACCEPT_STATUS", cvm_ioctl(w->s->fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, &st));
	if (st.state == CVM_VTLMEM_JOB_DONE)
		check(w->s, "the job", -st.error);
}

static void *acceptor(void *arg)
{
	struct worker *w = arg;
	struct storm *s = w->s;
	/* Jobs left for close() to cancel, fewer than the file may have. */
	uint32_t left[16];
	unsigned int nleft = 0;

	while (!atomic_load(&s->stop)) {
		struct cvm_vtlmem_accept a = {
			.size = sizeof(a), .gpa = s->base + rnd(w, STORM_LEN / SZ_2M) * SZ_2M,
			.length = SZ_2M, .flags = CVM_VTLMEM_ACCEPT_GRANT_VTL0,
		};
		int ret;

		/* BACKGROUND takes no other flag. */
		if ((s->flags & CVM_VTLMEM_RANGE_LAZY) && rnd(w, 2))
			a.flags = CVM_VTLMEM_ACCEPT_BACKGROUND;
		else if (rnd(w, 2))
			a.flags |= CVM_VTLMEM_ACCEPT_NOWAIT;
		ret = cvm_ioctl(s->fd, CVM_VTLMEM_IOC_ACCEPT, &a);
		check(s, "ACCEPT", ret);
		if (!ret && (a.flags & CVM_VTLMEM_ACCEPT_NOWAIT)) {
			if (nleft == sizeof(left) / sizeof(left[0]))
				reap_job(w, left[--nleft]);
			if (rnd(w, 4))
				reap_job(w, a.job);
			else
				left[nleft++] = a.job;
		}
		usleep(rnd(w, 2000));
	}
	return NULL;
}

static void *(*const roles[])(void *) = {
	faulter, faulter, faulter, flipper, flipper, querier, acceptor,
};
#define NR_ROLES	(sizeof(roles) / sizeof(roles[0]))

/* Records equal the platform's, nothing quarantined: retried while background acceptance settles. */
static int records_settle(struct storm *s)
{
	struct cvm_vtlmem_range_info info;
	uint64_t priv;
	int tries, bad = -1;

	for (tries = 0; tries < 100; tries++) {
		bad = cvm_check_consistent(s->fd, s->base, STORM_PAGES, &priv);
		if (!bad && !cvm_range_info(s->fd, s->base, &info) && !info.quarantined_pages &&
		    !info.background_units)
			return 0;
		usleep(20000);
	}
	if (!cvm_range_info(s->fd, s->base, &info))
		fprintf(stderr, "# range %#llx: %d pages disagree, %llu quarantined\n",
			(unsigned long long)s->base, bad,
			(unsigned long long)info.quarantined_pages);
	return -1;
}

/*
 * Take the views away under the faulting threads: inaccessible anonymous
 * memory replaces them, so a late fault gets SIGSEGV rather than landing
 * in whatever else the address would be reused for.
 */
static void unmap_views(struct storm *s)
{
	mmap(s->priv, STORM_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (s->shared)
		mmap(s->shared, STORM_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
}

/* Stop the threads, close the file (its jobs are cancelled), check, remove. */
static int end_in_order(struct storm *s, pthread_t *threads)
{
	unsigned int i;
	int ret;

	atomic_store(&s->stop, 1);
	for (i = 0; i < NR_ROLES; i++)
		pthread_join(threads[i], NULL);
	atomic_store(&s->unmapped, 1);
	unmap_views(s);
	close(s->fd);
	s->fd = open(CVM_DEV, O_RDWR);
	if (s->fd < 0)
		return 10;
	if (records_settle(s))
		return 11;
	ret = cvm_remove_range(s->fd, s->base);
	if (ret) {
		fail(s, "REMOVE_RANGE after the storm", ret);
		return 12;
	}
	return atomic_load(&s->bad) ? 13 : 0;
}

static int paravisor(uint64_t base, unsigned int seed)
{
	static const uint32_t kinds[] = {
		0, CVM_VTLMEM_RANGE_STRUCT_PAGES, CVM_VTLMEM_RANGE_LAZY,
		CVM_VTLMEM_RANGE_LAZY | CVM_VTLMEM_RANGE_STRUCT_PAGES,
	};
	struct sigaction sa = { .sa_handler = fault_jump };
	struct worker workers[NR_ROLES];
	pthread_t threads[NR_ROLES];
	struct storm s = { .base = base, .flags = kinds[seed % 4] };
	unsigned int i;
	int ret;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	s.fd = open(CVM_DEV, O_RDWR);
	if (s.fd < 0)
		return 2;
	ret = cvm_add_range(s.fd, base, STORM_LEN, CVM_VTLMEM_RANGE_PRIVATE, s.flags);
	if (ret) {
		fail(&s, "ADD_RANGE", ret);
		return 3;
	}
	if (cvm_isolated() && !(s.flags & CVM_VTLMEM_RANGE_LAZY)) {
		ret = cvm_accept(s.fd, base, STORM_LEN / 2, CVM_VTLMEM_ACCEPT_GRANT_VTL0, NULL);
		if (ret) {
			fail(&s, "ACCEPT", ret);
			return 4;
		}
	}
	s.priv = cvm_map(s.fd, base, STORM_LEN, MAP_SHARED);
	if (s.priv == MAP_FAILED)
		return 5;
	if (seed & 4) {
		s.shared = cvm_map(s.fd, base | CVM_VTLMEM_SHARED_VIEW, STORM_LEN, MAP_SHARED);
		if (s.shared == MAP_FAILED)
			return 6;
	}
	for (i = 0; i < NR_ROLES; i++) {
		workers[i] = (struct worker){ .s = &s, .seed = seed * 31 + i };
		if (pthread_create(&threads[i], NULL, roles[i], &workers[i]))
			_exit(7);
	}
	usleep(100000 + rand_r(&seed) % 400000);
	switch (rand_r(&seed) % 4) {
	case 0:		/* every thread still inside an ioctl or a fault */
		_exit(atomic_load(&s.bad) ? 13 : 0);
	case 1:		/* unmap under the faulting threads, remove, exit */
		atomic_store(&s.unmapped, 1);
		unmap_views(&s);
		usleep(rand_r(&seed) % 20000);
		ret = cvm_remove_range(s.fd, base);
		/* Busy while a thread is inside an ioctl; gone if the querier removed it. */
		if (ret && ret != -EBUSY && ret != -ENOENT)
			fail(&s, "REMOVE_RANGE after munmap", ret);
		_exit(atomic_load(&s.bad) ? 13 : 0);
	default:
		return end_in_order(&s, threads);
	}
}

/* Remove what a child left; nothing it left may keep its range busy for long. */
static int remove_left(int fd, uint64_t base)
{
	int tries, ret = 0;

	for (tries = 0; tries < 200; tries++) {
		ret = cvm_remove_range(fd, base);
		if (ret != -EBUSY)
			break;
		usleep(5000);
	}
	return ret == -ENOENT ? 0 : ret;
}

struct kid {
	pid_t pid;
	uint64_t base;
};

static int kids_running(const struct kid *kids)
{
	unsigned int k;

	for (k = 0; k < STORM_CHILDREN; k++)
		if (kids[k].pid)
			return 1;
	return 0;
}

/* A child that exited: it must have found nothing wrong, and left its range removable. */
static void reap(struct __test_metadata *_metadata, int fd, struct kid *kid, int status)
{
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("paravisor of %#llx: status %#x", (unsigned long long)kid->base, status);
	EXPECT_EQ(0, remove_left(fd, kid->base))
		TH_LOG("range %#llx", (unsigned long long)kid->base);
	kid->pid = 0;
}

/*
 * The platform refused nothing but page-size mismatches (which the module
 * falls back on, or reports and logs: module_complaints() tells).
 */
static void expect_no_refusal(struct __test_metadata *_metadata)
{
	long long mismatches, failures = cvm_sim_failures(&mismatches);

	EXPECT_LE(0, failures);
	EXPECT_EQ(mismatches, failures);
}

/*
 * The module's own word since @kmsg was opened: it logs every refusal or
 * contradiction the platform gave it, a failed first-touch accept (which
 * a faulting thread sees only as SIGBUS) and every quarantine. Returns
 * how many such lines it wrote, printing them.
 */
static int module_complaints(int kmsg)
{
	static const char *const words[] = {
		"refused", "contradicted", "made no progress", "failed", "quarantined",
	};
	char rec[1024];
	unsigned int i;
	ssize_t n;
	int count = 0;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;	/* records overwritten before we read them */
		rec[n] = 0;
		if (!strstr(rec, "cvm_vtlmem: "))
			continue;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strstr(rec, words[i])) {
				fprintf(stderr, "# kernel: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				count++;
				break;
			}
	}
	return count;
}

static void storm(struct __test_metadata *_metadata, unsigned int seed)
{
	uint64_t slots = cvm_vtl0_size() / STORM_LEN, next = 0;
	struct kid kids[STORM_CHILDREN] = {};
	time_t end = time(NULL) + STORM_SECONDS;
	int fd = open(CVM_DEV, O_RDWR), status, children = 0;
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	unsigned int k;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cvm_clean_slate(fd));
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	while (time(NULL) < end || kids_running(kids)) {
		for (k = 0; k < STORM_CHILDREN; k++) {
			if (kids[k].pid && waitpid(kids[k].pid, &status, WNOHANG) == kids[k].pid)
				reap(_metadata, fd, &kids[k], status);
			if (kids[k].pid || time(NULL) >= end)
				continue;
			/* Fresh memory for every child; a fresh partition when it runs out. */
			if (next == slots) {
				if (kids_running(kids))
					continue;
				expect_no_refusal(_metadata);
				EXPECT_EQ(0, cvm_clean_slate(fd));
				next = 0;
			}
			kids[k].base = cvm_vtl0_base() + next++ * STORM_LEN;
			kids[k].pid = fork();
			if (!kids[k].pid)
				_exit(paravisor(kids[k].base, seed + children));
			/* No fork: stop starting children, reap those that run. */
			EXPECT_LT(0, kids[k].pid);
			if (kids[k].pid < 0) {
				kids[k].pid = 0;
				end = 0;
			}
			children++;
		}
		usleep(10000);
	}
	expect_no_refusal(_metadata);
	EXPECT_EQ(0, module_complaints(kmsg));
	TH_LOG("%d paravisors", children);
	EXPECT_EQ(0, cvm_clean_slate(fd));
	close(kmsg);
	close(fd);
}

TEST(storm_1) { storm(_metadata, 1); }
TEST(storm_2) { storm(_metadata, 1000); }

TEST_HARNESS_MAIN
