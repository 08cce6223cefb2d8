// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: long operations. The ioctls run on threads while the main
 * thread shows progress, read from LIST_RANGES every 200 ms.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

enum progress_mode progress_mode = PROGRESS_AUTO;

struct job_thread {
	struct job_set *set;
	struct job *job;
};

static void *job_main(void *p)
{
	struct job_thread *t = p;
	int err = xioctl(t->job->cmd, t->job->arg);

	pthread_mutex_lock(&t->set->lock);
	t->job->err = err;
	t->set->finished++;
	pthread_cond_signal(&t->set->cond);
	pthread_mutex_unlock(&t->set->lock);
	return NULL;
}

static u64 range_counter(const struct cvm_vtlmem_range_info *e, int n, u64 gpa,
			 enum progress_kind kind)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].gpa == gpa)
			return kind == PROG_ACCEPTED ? e[i].accepted_pages : e[i].shared_pages;
	return 0;
}

static void job_set_start_counters(struct job_set *set)
{
	struct cvm_vtlmem_range_info *e = NULL;
	unsigned int i;
	int n;

	n = list_ranges(&e);
	for (i = 0; i < set->n; i++)
		if (set->jobs[i].kind != PROG_NONE)
			set->jobs[i].start = range_counter(e, n, set->jobs[i].range_gpa,
							   set->jobs[i].kind);
	free(e);
}

/* Pages moved so far and pages to move; false when progress is unknown. */
static bool job_set_progress(struct job_set *set, u64 *done, u64 *total)
{
	struct cvm_vtlmem_range_info *e = NULL;
	unsigned int i;
	u64 now;
	int n;

	*done = *total = 0;
	for (i = 0; i < set->n; i++)
		*total += set->jobs[i].total;
	if (!*total)
		return false;
	n = list_ranges(&e);
	if (n < 0)
		return false;
	for (i = 0; i < set->n; i++) {
		struct job *j = &set->jobs[i];

		if (j->kind == PROG_NONE)
			continue;
		now = range_counter(e, n, j->range_gpa, j->kind);
		if (j->kind == PROG_UNSHARED)
			now = j->start > now ? j->start - now : 0;
		else
			now = now > j->start ? now - j->start : 0;
		*done += now < j->total ? now : j->total;
	}
	free(e);
	return true;
}

static bool use_bar(void)
{
	return progress_mode == PROGRESS_BAR ||
	       (progress_mode == PROGRESS_AUTO && isatty(STDOUT_FILENO));
}

static void draw_progress(const char *label, bool known, u64 done, u64 total, double t0,
			  int *last_quarter)
{
	double el = cvm_now() - t0;

	if (use_bar()) {
		static const char spin[] = "|/-\\";
		char bar[33];
		int i, fill = known ? (int)(done * 32 / total) : 0;

		if (!known) {
			printf("\r  %-36.36s %c  %5.1f s\033[K", label, spin[(int)(el * 5) & 3], el);
		} else {
			for (i = 0; i < 32; i++)
				bar[i] = i < fill ? '#' : '.';
			bar[32] = '\0';
			printf("\r  %-36.36s [%s] %3d%%  %5.1f s\033[K", label, bar,
			       (int)(done * 100 / total), el);
		}
		fflush(stdout);
		return;
	}
	if (progress_mode == PROGRESS_NONE)
		return;
	/* Plain lines: one per quarter reached, only for steps that take a while. */
	if (known && el >= 0.5) {
		int q = (int)(done * 4 / total);

		if (q > *last_quarter && q < 4) {
			*last_quarter = q;
			printf("    ... %3d%%  %s of %s, %.1f s\n", q * 25,
			       SIZE_STR(done * SZ_4K), SIZE_STR(total * SZ_4K), el);
			fflush(stdout);
		}
	}
}

/*
 * Run every job of @set on its own thread (the module parallelises each
 * one further on its work engine) and show progress until all are done.
 * Each job's err says how it went. Returns the seconds it took.
 */
double run_jobs(struct job_set *set, const char *label)
{
	struct job_thread *t = calloc(set->n, sizeof(*t));
	pthread_t *tid = calloc(set->n, sizeof(*tid));
	pthread_condattr_t ca;
	double t0 = cvm_now();
	int last_quarter = 0;
	bool drew = false;
	unsigned int i;
	u64 done, total;

	if (!t || !tid) {
		error("out of memory");
		exit(EXIT_FAIL);
	}
	set->finished = 0;
	pthread_mutex_init(&set->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&set->cond, &ca);
	job_set_start_counters(set);
	for (i = 0; i < set->n; i++) {
		t[i].set = set;
		t[i].job = &set->jobs[i];
		if (pthread_create(&tid[i], NULL, job_main, &t[i])) {
			/* No thread: run it here, progress shows after. */
			job_main(&t[i]);
			tid[i] = 0;
		}
	}
	pthread_mutex_lock(&set->lock);
	while (set->finished < set->n) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&set->cond, &set->lock, &ts) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&set->lock);
		/* Nothing to show for the first fraction of a second. */
		if (cvm_now() - t0 > 0.3 && progress_mode != PROGRESS_NONE) {
			bool known = job_set_progress(set, &done, &total);

			draw_progress(label, known, done, total, t0, &last_quarter);
			drew = true;
		}
		pthread_mutex_lock(&set->lock);
	}
	pthread_mutex_unlock(&set->lock);
	for (i = 0; i < set->n; i++)
		if (tid[i])
			pthread_join(tid[i], NULL);
	if (drew && use_bar()) {
		printf("\r\033[K");
		fflush(stdout);
	}
	pthread_cond_destroy(&set->cond);
	pthread_mutex_destroy(&set->lock);
	pthread_condattr_destroy(&ca);
	free(t);
	free(tid);
	return cvm_now() - t0;
}

/* One long ioctl with progress. Returns 0 or the errno. */
int run_one(unsigned long cmd, void *arg, const char *label, enum progress_kind kind,
	    u64 range_gpa, u64 total, double *secs)
{
	struct job j = {
		.cmd = cmd, .arg = arg, .kind = kind, .range_gpa = range_gpa,
		.total = kind == PROG_NONE ? 0 : total,
	};
	struct job_set set = { .jobs = &j, .n = 1 };
	double s = run_jobs(&set, label);

	if (secs)
		*secs = s;
	return j.err;
}
