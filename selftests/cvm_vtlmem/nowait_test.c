// SPDX-License-Identifier: GPL-2.0
/*
 * ACCEPT with CVM_VTLMEM_ACCEPT_NOWAIT and ACCEPT_STATUS: the job does what
 * the blocking call would (page states, zeroing, rights, failures), its
 * progress is exact when cancelled, its final report comes once, poll()
 * sees it finish, and closing the file stops it without losing a page.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define NPAGES(len)	((len) / SZ_4K)
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

static int accept_nowait(int fd, uint64_t gpa, uint64_t len, uint32_t flags, uint32_t *job)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = flags | CVM_VTLMEM_ACCEPT_NOWAIT,
		.gpa = gpa, .length = len,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_ACCEPT, &a);

	if (!ret && (a.accepted || a.fail_gpa || a.fail_status))
		return -EPROTO;	/* nothing can have been done yet */
	*job = a.job;
	return ret;
}

static int job_status(int fd, uint32_t job, uint32_t flags, struct cvm_vtlmem_accept_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->flags = flags;
	st->job = job;
	return cvm_ioctl(fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, st);
}

FIXTURE(nowait) {
	int fd;
	uint64_t base;
};

FIXTURE_SETUP(nowait)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	self->base = cvm_vtl0_base();
}

FIXTURE_TEARDOWN(nowait)
{
	cvm_sim_slow(0);
	cvm_sim_inject("clear");
	if (!access(CPU1_ONLINE, W_OK))
		cvm_write_file(CPU1_ONLINE, "1");
	close(self->fd);
}

TEST_F(nowait, bad_requests_change_nothing)
{
	uint64_t len = 4 << 20, priv;
	struct cvm_vtlmem_accept a = {
		.size = CVM_VTLMEM_ACCEPT_SIZE_VER0, .flags = CVM_VTLMEM_ACCEPT_NOWAIT,
		.gpa = self->base, .length = len,
	};
	struct cvm_vtlmem_accept_status st;
	uint32_t job;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	/* A VER0 caller has nowhere to receive the job id. */
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, &a));
	a.size = sizeof(a);
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, &a));
	EXPECT_EQ(-EINVAL, accept_nowait(self->fd, self->base, len,
					 CVM_VTLMEM_ACCEPT_BACKGROUND, &job));
	EXPECT_EQ(-EINVAL, accept_nowait(self->fd, self->base, len,
					 CVM_VTLMEM_ACCEPT_ZERO | CVM_VTLMEM_ACCEPT_NO_ZERO, &job));
	EXPECT_EQ(-ENOENT, accept_nowait(self->fd, self->base + len, SZ_4K, 0, &job));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, NPAGES(len), &priv));
	EXPECT_EQ(cvm_isolated() ? 0 : NPAGES(len), priv);

	EXPECT_EQ(-ENOENT, job_status(self->fd, 0, 0, &st));
	EXPECT_EQ(-ENOENT, job_status(self->fd, 12345, CVM_VTLMEM_STATUS_CANCEL, &st));
	EXPECT_EQ(-EINVAL, job_status(self->fd, 1, 1U << 2, &st));
	st.reserved = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, &st));
	st.reserved = 0;
	st.size = 8;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, &st));
}

/* The id cannot be written back: EFAULT, and the job is stopped and freed. */
TEST_F(nowait, unwritable_struct_cancels_the_job)
{
	uint64_t len = 128 << 20;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct cvm_vtlmem_accept_status st;
	struct cvm_vtlmem_range_info info;
	struct cvm_vtlmem_accept *a;
	uint32_t first;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_sim_slow(1));
	a = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	*a = (struct cvm_vtlmem_accept){
		.size = sizeof(*a), .flags = CVM_VTLMEM_ACCEPT_NOWAIT,
		.gpa = self->base, .length = len,
	};
	ASSERT_EQ(0, mprotect(a, SZ_4K, PROT_READ));
	EXPECT_EQ(-EFAULT, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT, a));
	munmap(a, SZ_4K);
	/* Ids start at 1 in a new file: the lost job was 1, and is gone. */
	first = 1;
	EXPECT_EQ(-ENOENT, job_status(self->fd, first, 0, &st));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* It stopped: the range is not busy, and the work is not finished. */
	ASSERT_EQ(0, cvm_range_info(self->fd, self->base, &info));
	EXPECT_EQ(0, info.busy);
	EXPECT_GT(len / SZ_4K, info.accepted_pages);
}

TEST_F(nowait, does_what_accept_does_and_reports_once)
{
	uint64_t len = 64 << 20, n = NPAGES(len), priv, i;
	struct cvm_vtlmem_accept_status st;
	uint16_t *s = calloc(n, 2);
	uint32_t job;
	uint8_t *p;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, CVM_VTLMEM_ACCEPT_GRANT_VTL0, &job));
	ASSERT_NE(0, job);
	ASSERT_EQ(0, job_status(self->fd, job, CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, st.state);
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(n, st.npages);
	EXPECT_EQ(n, st.examined);
	EXPECT_EQ(cvm_isolated() ? n : 0, st.accepted);
	EXPECT_EQ(0, st.fail_gpa);
	/* The final report is given once. */
	EXPECT_EQ(-ENOENT, job_status(self->fd, job, 0, &st));

	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
	ASSERT_EQ(0, cvm_sim_state(self->base, n, s));
	for (i = 0; i < n; i++)
		if (SIM_PAGE_VTL0(s[i]) != CVM_VTLMEM_RIGHTS_ALL)
			break;
	EXPECT_EQ(n, i);
	/*
	 * Zeroed where the platform leaves garbage (SNP writes 0xA5). Without
	 * isolation the pages were never unaccepted: they keep their contents.
	 */
	p = cvm_map(self->fd, self->base, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < len && cvm_isolated(); i += SZ_4K * 7)
		if (p[i] || p[i + SZ_4K - 1])
			break;
	if (cvm_isolated())
		EXPECT_GE(i, len);
	munmap(p, len);
	free(s);
}

TEST_F(nowait, cancel_stops_with_exact_progress)
{
	uint64_t len = 128 << 20, n = NPAGES(len), priv;
	struct cvm_vtlmem_accept_status st;
	struct cvm_vtlmem_accept a;
	uint32_t job;
	double t0;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_sim_slow(1));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job));
	/* Returned long before the work could be done (it takes seconds). */
	ASSERT_EQ(0, job_status(self->fd, job, 0, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_RUNNING, st.state);
	EXPECT_EQ(n, st.npages);
	EXPECT_GT(n, st.examined);
	usleep(300 * 1000);
	/* Still there after a report of a running job. */
	ASSERT_EQ(0, job_status(self->fd, job, 0, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_RUNNING, st.state);

	t0 = cvm_now();
	ASSERT_EQ(0, job_status(self->fd, job,
				CVM_VTLMEM_STATUS_CANCEL | CVM_VTLMEM_STATUS_WAIT, &st));
	/* Chunks stop before their next call: at most one slow call each. */
	EXPECT_GT(2.0, cvm_now() - t0);
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, st.state);
	EXPECT_EQ(ECANCELED, st.error);
	EXPECT_GT(n, st.accepted);
	EXPECT_EQ(0, st.fail_gpa);
	ASSERT_EQ(0, cvm_sim_slow(0));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(st.accepted, priv);
	TH_LOG("%llu of %llu pages accepted before the cancel",
	       (unsigned long long)priv, (unsigned long long)n);

	/* Nothing lost: a new ACCEPT does exactly the rest. */
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, &a));
	EXPECT_EQ(n - priv, a.accepted);
}

TEST_F(nowait, failure_reported_like_accept)
{
	uint64_t len = 32 << 20, n = NPAGES(len), bad = self->base + (12 << 20) + 5 * SZ_4K;
	struct cvm_vtlmem_accept_status st;
	uint64_t priv;
	uint32_t job;
	char cmd[96];

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	/* A status each platform can return for a refused page. */
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=%s", (unsigned long long)(bad / SZ_4K),
		 cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_SNP ? "1" :
		 cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX ? "0xC000010000000000" : "5");
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	/* TDX falls back to 4 KiB on any error (as Linux does): fail that too. */
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX)
		ASSERT_EQ(0, cvm_sim_inject(cmd));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job));
	ASSERT_EQ(0, job_status(self->fd, job, CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, st.state);
	EXPECT_EQ(EIO, st.error);
	/* SNP fails as a whole unit; TDX (after its 4 KiB retry) and VBS at the page. */
	EXPECT_EQ(cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_SNP ? bad : bad & ~(SZ_2M - 1),
		  st.fail_gpa);
	EXPECT_NE(0, st.fail_status);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(st.accepted, priv);
	EXPECT_GT(n, priv);
}

TEST_F(nowait, poll_sees_a_finished_job)
{
	uint64_t len = 8 << 20;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct cvm_vtlmem_accept_status st;
	uint32_t job;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job));
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(0, job_status(self->fd, job, 0, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, st.state);
	EXPECT_EQ(0, st.error);
	/* Reported: nothing awaits a report any more. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

TEST_F(nowait, finished_job_does_not_keep_range_busy)
{
	uint64_t len = 8 << 20;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct cvm_vtlmem_accept_status st;
	uint32_t job;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job));
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->base));
	/* The report outlives the range. */
	ASSERT_EQ(0, job_status(self->fd, job, 0, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, st.state);
	EXPECT_EQ(cvm_isolated() ? NPAGES(len) : 0, st.accepted);
}

TEST_F(nowait, running_job_keeps_range_busy)
{
	uint64_t len = 128 << 20;
	struct cvm_vtlmem_accept_status st;
	uint32_t job;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_sim_slow(1));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job));
	EXPECT_EQ(-EBUSY, cvm_remove_range(self->fd, self->base));
	ASSERT_EQ(0, job_status(self->fd, job,
				CVM_VTLMEM_STATUS_CANCEL | CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(0, cvm_remove_range(self->fd, self->base));
}

TEST_F(nowait, jobs_per_file_are_bounded)
{
	uint64_t len = 4 << 20;
	struct cvm_vtlmem_accept_status st;
	uint32_t job[CVM_VTLMEM_MAX_JOBS], extra;
	int i, fd2;

	/* Already accepted: each job finishes at once and waits for its report. */
	ASSERT_EQ(0, cvm_add_accepted(self->fd, self->base, len, 0));
	for (i = 0; i < CVM_VTLMEM_MAX_JOBS; i++) {
		ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &job[i]));
		if (i)
			EXPECT_NE(job[i - 1], job[i]);
	}
	EXPECT_EQ(-EAGAIN, accept_nowait(self->fd, self->base, len, 0, &extra));
	/* The bound is per open file. */
	fd2 = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, accept_nowait(fd2, self->base, len, 0, &extra));
	/* Ids belong to their file: fd2 has only its first. */
	EXPECT_EQ(-ENOENT, job_status(fd2, job[CVM_VTLMEM_MAX_JOBS - 1], 0, &st));
	close(fd2);
	ASSERT_EQ(0, job_status(self->fd, job[3], CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(0, st.accepted);
	EXPECT_EQ(len / SZ_4K, st.examined);
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, 0, &extra));
	/* Ids are not handed out again soon. */
	EXPECT_NE(job[3], extra);
}

TEST_F(nowait, close_cancels_and_loses_nothing)
{
	uint64_t len = 128 << 20, n = NPAGES(len), priv;
	struct cvm_vtlmem_range_info info;
	struct cvm_vtlmem_accept a;
	uint32_t job;
	double t0;
	int fd2;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, cvm_sim_slow(1));
	fd2 = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, accept_nowait(fd2, self->base, len, 0, &job));
	usleep(200 * 1000);
	t0 = cvm_now();
	close(fd2);
	EXPECT_GT(2.0, cvm_now() - t0);
	ASSERT_EQ(0, cvm_range_info(self->fd, self->base, &info));
	EXPECT_EQ(0, info.busy);
	ASSERT_EQ(0, cvm_sim_slow(0));
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(info.accepted_pages, priv);
	EXPECT_GT(n, priv);
	ASSERT_EQ(0, cvm_accept(self->fd, self->base, len, 0, &a));
	EXPECT_EQ(n - priv, a.accepted);
}

static void on_alarm(int sig)
{
}

struct sleeper {
	pthread_t thread;
	pid_t tid;
};

/*
 * Register [@gpa, @gpa + @len) and start a no-wait ACCEPT of it that the
 * simulation slows down: 80 us a 4 KiB page, 40 ms a 2 MiB one (the
 * fixture's teardown restores the cost model).
 */
static int start_slow_job(int fd, uint64_t gpa, uint64_t len, uint32_t *job)
{
	int ret = cvm_add_range(fd, gpa, len, CVM_VTLMEM_RANGE_PRIVATE, 0);

	if (!ret)
		ret = cvm_write_file(CVM_PARAMS "sim_page_4k_ns", "80000");
	if (!ret)
		ret = cvm_write_file(CVM_PARAMS "sim_page_2m_ns", "40000000");
	return ret ? ret : accept_nowait(fd, gpa, len, 0, job);
}

/*
 * Return once the thread @tid sleeps in an ioctl (its /proc/.../syscall
 * starts with the ioctl number), however long the busy VM kept it from
 * getting there (a minute at most).
 */
static void wait_until_in_ioctl(pid_t tid)
{
	char path[64], buf[64];
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	for (i = 0; i < 6000; i++) {
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (strtol(buf, NULL, 10) == SYS_ioctl)
				return;
		}
		usleep(10 * 1000);
	}
}

/* Send SIGALRM to the thread once it sleeps in an ioctl. */
static void *signal_when_asleep(void *arg)
{
	struct sleeper *s = arg;

	wait_until_in_ioctl(s->tid);
	pthread_kill(s->thread, SIGALRM);
	return NULL;
}

TEST_F(nowait, signal_ends_the_wait_not_the_job)
{
	/* Not 1 GiB aligned, so that no single call takes long (TDX). */
	uint64_t gpa = self->base + SZ_2M, len = SZ_1G - 2 * SZ_2M;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct sleeper me = { .thread = pthread_self(), .tid = gettid() };
	struct cvm_vtlmem_accept_status st;
	pthread_t helper;
	uint32_t job;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	/* Tens of seconds in all, a fraction of a second per call. */
	ASSERT_EQ(0, start_slow_job(self->fd, gpa, len, &job));
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&helper, NULL, signal_when_asleep, &me));
	EXPECT_EQ(-EINTR, job_status(self->fd, job, CVM_VTLMEM_STATUS_WAIT, &st));
	pthread_join(helper, NULL);
	ASSERT_EQ(0, job_status(self->fd, job, 0, &st));
	EXPECT_EQ(CVM_VTLMEM_JOB_RUNNING, st.state);
	ASSERT_EQ(0, job_status(self->fd, job,
				CVM_VTLMEM_STATUS_CANCEL | CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(ECANCELED, st.error);
}

struct protector {
	struct sleeper s;
	void *page;
};

/* Make the waiting thread's status struct read-only once it sleeps in WAIT. */
static void *protect_when_asleep(void *arg)
{
	struct protector *p = arg;

	wait_until_in_ioctl(p->s.tid);
	mprotect(p->page, SZ_4K, PROT_READ);
	return NULL;
}

/*
 * A job's final report is delivered once. One that cannot reach the caller
 * (its buffer went read-only while the call waited: EFAULT) is kept for
 * the next ACCEPT_STATUS, not lost with the job's id.
 */
TEST_F(nowait, undelivered_final_report_is_kept)
{
	uint64_t gpa = self->base + SZ_2M, len = 32 << 20;
	struct protector p = { .s = { .thread = pthread_self(), .tid = gettid() } };
	struct cvm_vtlmem_accept_status *st, again;
	pthread_t helper;
	uint32_t job;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	/* About a second in all: the helper finds this thread asleep first. */
	ASSERT_EQ(0, start_slow_job(self->fd, gpa, len, &job));
	p.page = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p.page);
	st = p.page;
	*st = (struct cvm_vtlmem_accept_status){
		.size = sizeof(*st), .flags = CVM_VTLMEM_STATUS_WAIT, .job = job,
	};
	ASSERT_EQ(0, pthread_create(&helper, NULL, protect_when_asleep, &p));
	EXPECT_EQ(-EFAULT, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_ACCEPT_STATUS, st));
	pthread_join(helper, NULL);
	/* The report is still there, whole, and then given once. */
	ASSERT_EQ(0, job_status(self->fd, job, 0, &again));
	EXPECT_EQ(CVM_VTLMEM_JOB_DONE, again.state);
	EXPECT_EQ(0, again.error);
	EXPECT_EQ(len / SZ_4K, again.accepted);
	EXPECT_EQ(-ENOENT, job_status(self->fd, job, 0, &again));
	munmap(p.page, SZ_4K);
}

TEST_F(nowait, overlapping_jobs_accept_each_page_once)
{
	uint64_t len = 64 << 20, n = NPAGES(len), priv;
	struct cvm_vtlmem_accept_status st1, st2;
	uint32_t j1, j2;

	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, 40 << 20, 0, &j1));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base + (24 << 20), 40 << 20, 0, &j2));
	ASSERT_EQ(0, job_status(self->fd, j2, CVM_VTLMEM_STATUS_WAIT, &st2));
	ASSERT_EQ(0, job_status(self->fd, j1, CVM_VTLMEM_STATUS_WAIT, &st1));
	EXPECT_EQ(0, st1.error);
	EXPECT_EQ(0, st2.error);
	EXPECT_EQ(cvm_isolated() ? n : 0, st1.accepted + st2.accepted);
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
}

/* CPU hotplug while chunks are queued and running: none lost or run twice. */
TEST_F(nowait, cpu_hotplug_loses_no_chunk)
{
	uint64_t len = 128 << 20, n = NPAGES(len), priv;
	struct cvm_vtlmem_accept_status st;
	uint32_t job;
	int i;

	if (!cvm_isolated())
		SKIP(return, "nothing to accept without isolation");
	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 cannot go offline here");
	ASSERT_EQ(0, cvm_add_range(self->fd, self->base, len, CVM_VTLMEM_RANGE_PRIVATE, 0));
	/* Slow enough that the job spans several hotplug cycles. */
	ASSERT_EQ(0, cvm_write_file(CVM_PARAMS "sim_page_4k_ns", "20000"));
	ASSERT_EQ(0, cvm_write_file(CVM_PARAMS "sim_page_2m_ns", "10000000"));
	ASSERT_EQ(0, cvm_write_file(CVM_PARAMS "sim_page_1g_ns", "500000000"));
	ASSERT_EQ(0, accept_nowait(self->fd, self->base, len, CVM_VTLMEM_ACCEPT_GRANT_VTL0, &job));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, cvm_write_file(CPU1_ONLINE, "0"));
		usleep(100 * 1000);
		ASSERT_EQ(0, cvm_write_file(CPU1_ONLINE, "1"));
		usleep(100 * 1000);
	}
	ASSERT_EQ(0, job_status(self->fd, job, CVM_VTLMEM_STATUS_WAIT, &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(n, st.examined);
	EXPECT_EQ(n, st.accepted);
	/* A chunk run twice would have failed: re-accepting is an error. */
	ASSERT_EQ(0, cvm_check_consistent(self->fd, self->base, n, &priv));
	EXPECT_EQ(n, priv);
}

TEST_HARNESS_MAIN
