// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: the administrator's and the paravisor developer's view of
 * /dev/cvm_vtlmem, and the paravisor's memory start-up ("boot") run through
 * the module's ABI. Run "cvm-vtlmemctl --help" for the commands and the
 * layout file format.
 *
 * Exit status: 0 success, 1 an operation failed (the message names the
 * range, the page and the platform's status), 2 a usage error.
 *
 * One file, libc only, so that it builds static for the test VM with the
 * same command line as everything else; the sections below are: messages
 * and numbers, the device, platform statuses, long operations and their
 * progress, the simple commands, layouts, boot, main.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/cvm_vtlmem.h>

#define DEV		"/dev/cvm_vtlmem"
#define DEBUGFS		"/sys/kernel/debug/cvm_vtlmem"
#define STATS_FILE	DEBUGFS "/stats"
#define COUNTERS_FILE	DEBUGFS "/sim/counters"
#define BOOT_ACCEPT	DEBUGFS "/sim/boot_accept"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define KIB		1024ULL
#define MIB		(KIB * KIB)
#define GIB		(MIB * KIB)
#define TIB		(GIB * KIB)

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

typedef unsigned long long u64;

static const char *const isolation_names[] = { "none", "vbs", "snp", "tdx" };

/* ------------------------------------------------------------------------
 * Messages and numbers
 */

static void usage(FILE *f);

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("cvm-vtlmemctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n(cvm-vtlmemctl --help for usage)\n", stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* Print an error; returns EXIT_FAIL so that callers can "return error(...)". */
static int __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("cvm-vtlmemctl: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

/*
 * A number: decimal or 0x hex, with an optional K, M, G or T suffix (powers
 * of 1024; "KiB", "MB" and friends are accepted too). Returns 0 or -1.
 */
static int parse_u64(const char *s, u64 *out)
{
	char *end;
	u64 v, mul = 1;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = KIB;
		break;
	case 'M':
		mul = MIB;
		break;
	case 'G':
		mul = GIB;
		break;
	case 'T':
		mul = TIB;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (mul != 1) {
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "ib") ||
		    !strcmp(end, "b"))
			end += strlen(end);
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

static u64 arg_u64(const char *what, const char *s)
{
	u64 v;

	if (parse_u64(s, &v))
		usage_error("%s: '%s' is not a number (decimal or 0x hex, K/M/G/T suffixes)",
			    what, s ? s : "");
	return v;
}

/* "512 MiB", "1 GiB", "1.5 GiB", "12 KiB", "100 bytes". */
static const char *fmt_size(char *buf, size_t len, u64 bytes)
{
	static const struct { u64 unit; const char *name; } units[] = {
		{ TIB, "TiB" }, { GIB, "GiB" }, { MIB, "MiB" }, { KIB, "KiB" },
	};
	unsigned int i;

	if (!bytes) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (bytes < units[i].unit)
			continue;
		if (bytes % units[i].unit == 0)
			snprintf(buf, len, "%llu %s", bytes / units[i].unit, units[i].name);
		else
			snprintf(buf, len, "%.2f %s", (double)bytes / units[i].unit,
				 units[i].name);
		return buf;
	}
	snprintf(buf, len, "%llu bytes", bytes);
	return buf;
}

/* Several sizes in one printf: each call site gets its own buffer. */
#define SIZE_STR(b)	fmt_size((char[32]){ 0 }, 32, (b))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------
 * The device
 */

static int dev_fd = -1;
static struct cvm_vtlmem_info dev_info;

static int dev(void)
{
	if (dev_fd >= 0)
		return dev_fd;
	dev_fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		error("open %s: %s%s", DEV, strerror(errno),
		      errno == ENOENT ? " (is the cvm_vtlmem module loaded?)" :
		      errno == EPERM || errno == EACCES ? " (needs CAP_SYS_ADMIN)" : "");
		exit(EXIT_FAIL);
	}
	memset(&dev_info, 0, sizeof(dev_info));
	dev_info.size = sizeof(dev_info);
	if (ioctl(dev_fd, CVM_VTLMEM_IOC_GET_INFO, &dev_info)) {
		error("GET_INFO: %s", strerror(errno));
		exit(EXIT_FAIL);
	}
	return dev_fd;
}

/* ioctl() returning 0 or the errno. */
static int xioctl(unsigned long cmd, void *arg)
{
	return ioctl(dev(), cmd, arg) ? errno : 0;
}

static const char *isolation_name(void)
{
	return dev_info.isolation < ARRAY_SIZE(isolation_names) ?
	       isolation_names[dev_info.isolation] : "unknown";
}

static bool isolated(void)
{
	return dev_info.isolation != CVM_VTLMEM_ISOLATION_NONE;
}

static bool simulated(void)
{
	return dev_info.backend == CVM_VTLMEM_BACKEND_SIM;
}

/* The ioctls beyond GET_INFO, for "info" and for boot's up-front check. */
static const struct {
	unsigned long cmd;
	const char *name;
} ioctl_table[] = {
	{ CVM_VTLMEM_IOC_ADD_RANGE, "ADD_RANGE" },
	{ CVM_VTLMEM_IOC_REMOVE_RANGE, "REMOVE_RANGE" },
	{ CVM_VTLMEM_IOC_LIST_RANGES, "LIST_RANGES" },
	{ CVM_VTLMEM_IOC_QUERY, "QUERY" },
	{ CVM_VTLMEM_IOC_ACCEPT, "ACCEPT" },
	{ CVM_VTLMEM_IOC_SET_VISIBILITY, "SET_VISIBILITY" },
	{ CVM_VTLMEM_IOC_PROTECT, "PROTECT" },
	{ CVM_VTLMEM_IOC_PROTECT_VTL2, "PROTECT_VTL2" },
};

/*
 * Whether the module implements @cmd: a struct whose size is below every
 * first version is refused with EINVAL by an implemented ioctl before it
 * looks at anything else, and unknown commands are ENOTTY.
 */
static bool have_ioctl(unsigned long cmd)
{
	__u32 probe[16] = { 1 };

	return !(ioctl(dev(), cmd, probe) && errno == ENOTTY);
}

static const char *ioctl_name(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ioctl_table); i++)
		if (ioctl_table[i].cmd == cmd)
			return ioctl_table[i].name;
	return "?";
}

/* The text after "NAME: " for an ioctl error, ENOTTY spelled out. */
static const char *ioctl_err(int err)
{
	if (err == ENOTTY)
		return "unknown to this cvm_vtlmem module (ENOTTY)";
	return strerror(err);
}

static int list_ranges(struct cvm_vtlmem_range_info **out)
{
	struct cvm_vtlmem_list_ranges l = {
		.size = sizeof(l), .entry_size = sizeof(**out),
	};
	struct cvm_vtlmem_range_info *e = NULL;
	int err;

	for (;;) {
		err = xioctl(CVM_VTLMEM_IOC_LIST_RANGES, &l);
		if (err) {
			free(e);
			error("LIST_RANGES: %s", ioctl_err(err));
			return -1;
		}
		if (l.count <= l.capacity)
			break;
		/* Ranges may come and go between calls: ask again with room. */
		l.capacity = l.count + 8;
		free(e);
		e = calloc(l.capacity, sizeof(*e));
		if (!e) {
			error("out of memory");
			return -1;
		}
		l.entries = (uintptr_t)e;
	}
	*out = e;
	return l.count;
}

/* The registered range holding @gpa into *@out; false if none. */
static bool find_range(u64 gpa, struct cvm_vtlmem_range_info *out)
{
	struct cvm_vtlmem_range_info *e;
	int n, i;
	bool found = false;

	n = list_ranges(&e);
	for (i = 0; i < n && !found; i++) {
		if (gpa - e[i].gpa < e[i].length) {
			*out = e[i];
			found = true;
		}
	}
	free(e);
	return found;
}

/* First address of the range holding @gpa, for progress; @gpa if none. */
static u64 range_gpa_of(u64 gpa)
{
	struct cvm_vtlmem_range_info e;

	return find_range(gpa, &e) ? e.gpa : gpa;
}

/* ------------------------------------------------------------------------
 * Platform statuses
 */

enum op_kind { OP_ACCEPT, OP_PROTECT, OP_VISIBILITY };

static const char *hv_status_name(u64 s)
{
	switch (s) {
	case 0x2: return "HV_STATUS_INVALID_HYPERCALL_CODE";
	case 0x3: return "HV_STATUS_INVALID_HYPERCALL_INPUT";
	case 0x4: return "HV_STATUS_INVALID_ALIGNMENT";
	case 0x5: return "HV_STATUS_INVALID_PARAMETER";
	case 0x6: return "HV_STATUS_ACCESS_DENIED";
	case 0x7: return "HV_STATUS_INVALID_PARTITION_STATE";
	case 0x8: return "HV_STATUS_OPERATION_DENIED";
	case 0xB: return "HV_STATUS_INSUFFICIENT_MEMORY";
	case 0x78: return "HV_STATUS_TIME_OUT";
	}
	return NULL;
}

static const char *snp_status_name(u64 s, enum op_kind op)
{
	switch (s) {
	case 1: return op == OP_PROTECT ? "RMPADJUST FAIL_INPUT" : "FAIL_INPUT";
	case 2: return "RMPADJUST FAIL_PERMISSION";
	case 6: return "FAIL_SIZEMISMATCH";
	case 255: return "PVALIDATE no update (page already in that state)";
	}
	return NULL;
}

static const char *tdx_status_name(u64 s)
{
	switch (s >> 32) {
	case 0xC0000B0B: return "TDX_PAGE_SIZE_MISMATCH";
	case 0x00000B0A: return "TDX_PAGE_ALREADY_ACCEPTED";
	case 0x80000200: return "TDX_OPERAND_BUSY";
	case 0xC0000100: return "TDX_OPERAND_INVALID";
	}
	return NULL;
}

/*
 * A name for the platform's status where it is unambiguous: which
 * instruction or hypercall failed depends on the isolation type and on
 * the operation.
 */
static const char *status_name(u64 s, enum op_kind op)
{
	switch (dev_info.isolation) {
	case CVM_VTLMEM_ISOLATION_SNP:
		/* Visibility mixes PVALIDATE and the hypercall: no guess. */
		return op == OP_VISIBILITY ? NULL : snp_status_name(s, op);
	case CVM_VTLMEM_ISOLATION_TDX:
		return s >> 32 ? tdx_status_name(s) :
		       op == OP_VISIBILITY ? hv_status_name(s) : NULL;
	default:
		return hv_status_name(s);
	}
}

/* ", platform status 0x5 (HV_STATUS_INVALID_PARAMETER)" */
static const char *status_str(char *buf, size_t len, u64 s, enum op_kind op)
{
	const char *name = status_name(s, op);

	if (!s)
		snprintf(buf, len, ", no platform status (refused before any call)");
	else
		snprintf(buf, len, ", platform status %#llx%s%s%s", s, name ? " (" : "",
			 name ? name : "", name ? ")" : "");
	return buf;
}

#define STATUS_STR(s, op)	status_str((char[96]){ 0 }, 96, (s), (op))

/* ------------------------------------------------------------------------
 * Long operations: the ioctls run on threads while the main thread shows
 * progress, read from LIST_RANGES every 200 ms.
 */

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_NONE };
static enum progress_mode progress_mode = PROGRESS_AUTO;

/* What progress means for one range: pages accepted, or shared. */
enum progress_kind { PROG_NONE, PROG_ACCEPTED, PROG_SHARED, PROG_UNSHARED };

struct job {
	unsigned long cmd;
	void *arg;
	int err;			/* out: 0 or errno */
	/* progress of this job, read from its range */
	enum progress_kind kind;
	u64 range_gpa;
	u64 start;			/* counter when the job started */
	u64 total;			/* pages it should move */
};

struct job_set {
	struct job *jobs;
	unsigned int n;
	unsigned int finished;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

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
	double el = now_s() - t0;

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
static double run_jobs(struct job_set *set, const char *label)
{
	struct job_thread *t = calloc(set->n, sizeof(*t));
	pthread_t *tid = calloc(set->n, sizeof(*tid));
	pthread_condattr_t ca;
	double t0 = now_s();
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
		if (now_s() - t0 > 0.3 && progress_mode != PROGRESS_NONE) {
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
	return now_s() - t0;
}

/* One long ioctl with progress. Returns 0 or the errno. */
static int run_one(unsigned long cmd, void *arg, const char *label, enum progress_kind kind,
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

/* ------------------------------------------------------------------------
 * Operations shared by the commands and by boot. Each prints its own error
 * naming the span, the failing page and the platform status.
 */

/*
 * QUERY @npages pages from @gpa (inside one range) into @states, in calls
 * of at most CVM_VTLMEM_QUERY_MAX_PAGES. Returns 0 or the errno.
 */
static int query_pages(u64 gpa, u64 npages, __u16 *states)
{
	while (npages) {
		u64 n = npages < CVM_VTLMEM_QUERY_MAX_PAGES ? npages : CVM_VTLMEM_QUERY_MAX_PAGES;
		struct cvm_vtlmem_query q = {
			.size = sizeof(q), .gpa = gpa, .npages = n, .states = (uintptr_t)states,
		};
		int err = xioctl(CVM_VTLMEM_IOC_QUERY, &q);

		if (err)
			return err;
		gpa += n * SZ_4K;
		states += n;
		npages -= n;
	}
	return 0;
}

/* Pages of [@gpa, +@npages) in @state (CVM_VTLMEM_PAGE_*); 0 if unknown. */
static u64 pages_in(u64 gpa, u64 npages, unsigned int state)
{
	__u16 *s = calloc(npages, sizeof(*s));
	u64 i, n = 0;

	if (!s || query_pages(gpa, npages, s)) {
		free(s);
		return 0;
	}
	for (i = 0; i < npages; i++)
		n += (s[i] & CVM_VTLMEM_PAGE_STATE_MASK) == state;
	free(s);
	return n;
}

static u64 pages_not_in(u64 gpa, u64 npages, unsigned int state)
{
	return npages - pages_in(gpa, npages, state);
}

/* Say why ACCEPT of [@a->gpa, +@a->length) failed with @err. */
static int accept_error(const struct cvm_vtlmem_accept *a, int err, const char *what)
{
	u64 end = a->gpa + a->length - 1;

	if (err == EIO || err == EPROTO || err == ETIMEDOUT || err == EINTR)
		return error("accept %s %#llx-%#llx: failed at GPA %#llx%s: %s; this call "
			     "accepted %llu pages (%s)%s", what, (u64)a->gpa, end,
			     (u64)a->fail_gpa, STATUS_STR(a->fail_status, OP_ACCEPT),
			     strerror(err), (u64)a->accepted, SIZE_STR(a->accepted * SZ_4K),
			     err == EPROTO ? " (the hypervisor contradicted itself or the "
			     "paravisor's records)" : "");
	return error("accept %s %#llx-%#llx: ACCEPT %s%s", what, (u64)a->gpa, end,
		     ioctl_err(err),
		     err == ENOENT ? " (no single registered range holds the span)" :
		     err == EINVAL ? " (unaligned, bad flags, or not a private range)" : "");
}

static int do_accept(u64 gpa, u64 len, __u32 flags, const char *what, double *secs,
		     u64 *accepted)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = flags, .gpa = gpa, .length = len,
	};
	char label[64];
	int err;

	snprintf(label, sizeof(label), "accept %#llx %s", gpa, SIZE_STR(len));
	err = run_one(CVM_VTLMEM_IOC_ACCEPT, &a, label, PROG_ACCEPTED, range_gpa_of(gpa),
		      pages_in(gpa, len / SZ_4K, CVM_VTLMEM_PAGE_UNACCEPTED), secs);
	if (accepted)
		*accepted = a.accepted;
	return err ? accept_error(&a, err, what) : 0;
}

/*
 * SET_VISIBILITY on the span [@gpa, +@len) or, with @gpns, on @count
 * pages. Returns 0 or EXIT_FAIL after saying why.
 */
static int do_visibility(bool shared, u64 gpa, u64 len, const u64 *gpns, unsigned int count,
			 const char *what, double *secs, u64 *processed)
{
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v),
		.visibility = shared ? CVM_VTLMEM_VISIBILITY_SHARED : CVM_VTLMEM_VISIBILITY_PRIVATE,
	};
	const char *verb = shared ? "share" : "unshare";
	enum progress_kind kind = PROG_NONE;
	char label[96], span[64];
	u64 total = 0, bad;
	int err;

	if (gpns) {
		v.flags = CVM_VTLMEM_VISIBILITY_GPN_LIST;
		v.count = count;
		v.gpns = (uintptr_t)gpns;
		snprintf(span, sizeof(span), "%u pages from GPN list (first GPA %#llx)", count,
			 gpns[0] * SZ_4K);
	} else {
		v.gpa = gpa;
		v.length = len;
		kind = shared ? PROG_SHARED : PROG_UNSHARED;
		total = pages_not_in(gpa, len / SZ_4K, shared ? CVM_VTLMEM_PAGE_SHARED :
				     CVM_VTLMEM_PAGE_PRIVATE);
		snprintf(span, sizeof(span), "%#llx-%#llx", gpa, gpa + len - 1);
	}
	snprintf(label, sizeof(label), "%s %s", verb, gpns ? "GPN list" : span);
	err = run_one(CVM_VTLMEM_IOC_SET_VISIBILITY, &v, label, kind, gpns ? 0 : range_gpa_of(gpa),
		      total, secs);
	if (processed)
		*processed = v.processed;
	if (!err)
		return 0;
	/* Refused as a whole, before any page was looked at. */
	if (err == ENOTTY || err == EFAULT || err == E2BIG || err == EOPNOTSUPP ||
	    err == EINVAL || err == EOVERFLOW || err == ENOMEM)
		return error("%s %s %s: SET_VISIBILITY %s%s", verb, what, span, ioctl_err(err),
			     err == EOPNOTSUPP ? " (a non-isolated partition has no host "
			     "visibility)" : err == EINVAL ? " (alignment, length or flags)" : "");
	bad = gpns ? (v.fail_index < count ? gpns[v.fail_index] * SZ_4K : 0) :
	      gpa + v.fail_index * SZ_4K;
	return error("%s %s %s: failed at GPA %#llx%s: %s; %llu pages are %s%s", verb, what, span,
		     bad, STATUS_STR(v.fail_status, OP_VISIBILITY), strerror(err), v.processed,
		     shared ? "shared" : "private",
		     err == ENOENT ? " (a page outside every registered range)" :
		     err == EPERM && shared ? " (the page is not accepted, or quarantined; "
		     "nothing changed)" :
		     err == EPERM ? " (the page is quarantined; nothing changed)" : "");
}

static int do_protect(u64 gpa, u64 len, unsigned int vtl, unsigned int rights,
		      const char *what, double *secs)
{
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = gpa, .length = len, .target_vtl = vtl, .rights = rights,
	};
	char label[64];
	int err;

	snprintf(label, sizeof(label), "protect %#llx %s", gpa, SIZE_STR(len));
	err = run_one(CVM_VTLMEM_IOC_PROTECT, &p, label, PROG_NONE, 0, 0, secs);
	if (!err)
		return 0;
	if (err == ENOTTY || err == EFAULT || err == E2BIG || (err == EINVAL && !p.fail_gpa))
		return error("protect %s %#llx-%#llx (VTL%u): PROTECT %s%s", what, gpa,
			     gpa + len - 1, vtl, ioctl_err(err),
			     err == EINVAL ? " (target VTL, rights, alignment, or pages not "
			     "accepted)" : "");
	return error("protect %s %#llx-%#llx (VTL%u): failed at GPA %#llx%s: %s; this call "
		     "changed %llu pages", what, gpa, gpa + len - 1, vtl, p.fail_gpa,
		     STATUS_STR(p.fail_status, OP_PROTECT), strerror(err), p.done);
}

/* PROTECT_VTL2 on [@gpa, +@len), or (both 0) all of this kernel's RAM. */
static int do_protect_vtl2(u64 gpa, u64 len, double *secs, u64 *done)
{
	struct cvm_vtlmem_protect_vtl2 p = { .size = sizeof(p), .gpa = gpa, .length = len };
	char what[80];
	int err;

	if (len)
		snprintf(what, sizeof(what), "VTL2 RAM %#llx-%#llx", gpa, gpa + len - 1);
	else
		snprintf(what, sizeof(what), "VTL2 RAM (all System RAM)");
	err = run_one(CVM_VTLMEM_IOC_PROTECT_VTL2, &p, what, PROG_NONE, 0, 0, secs);
	if (done)
		*done = p.done;
	if (!err)
		return 0;
	if (err == EIO || err == EPROTO || err == ETIMEDOUT || err == EINTR)
		return error("protect %s: failed at GPA %#llx%s: %s; %llu pages are protected",
			     what, p.fail_gpa, STATUS_STR(p.fail_status, OP_PROTECT),
			     strerror(err), p.done);
	return error("protect %s: PROTECT_VTL2 %s%s", what, ioctl_err(err),
		     err == EOPNOTSUPP || err == EPERM ?
		     " (only on a non-isolated partition)" :
		     err == EINVAL ? " (not this kernel's RAM, or unaligned)" : "");
}

/* ------------------------------------------------------------------------
 * The simple commands
 */

/* Command-line options: "--name" or "--name=value" / "--name value". */
struct opt {
	const char *name;
	bool has_arg;
	bool seen;
	const char *val;
};

#define OPT(n)		{ .name = (n) }
#define OPT_ARG(n)	{ .name = (n), .has_arg = true }
#define OPT_END		{ .name = NULL }

/*
 * Split @argv into options (@opts) and positionals (returned, in order).
 * Unknown options are usage errors.
 */
static int parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, char **pos,
		      int max_pos)
{
	int i, npos = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		struct opt *o;
		size_t len;

		if (strncmp(a, "--", 2) || !a[2]) {
			if (npos == max_pos)
				usage_error("%s: unexpected argument '%s'", cmd, a);
			pos[npos++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, a + 2, len))
				break;
		if (!o || !o->name)
			usage_error("%s: unknown option '%s'", cmd, a);
		if (o->has_arg) {
			if (eq)
				o->val = eq + 1;
			else if (i + 1 < argc)
				o->val = argv[++i];
			else
				usage_error("%s: --%s needs a value", cmd, o->name);
		} else if (eq) {
			usage_error("%s: --%s takes no value", cmd, o->name);
		}
		o->seen = true;
	}
	return npos;
}

static void print_page_sizes(unsigned int mask)
{
	printf("page sizes:        %s%s%s\n", mask & (1u << 12) ? "4K " : "",
	       mask & (1u << 21) ? "2M " : "", mask & (1u << 30) ? "1G" : "");
}

static int cmd_info(int argc, char **argv)
{
	unsigned int i;

	parse_opts("info", argc, argv, NULL, NULL, 0);
	dev();
	printf("abi version:       %u\n", dev_info.abi_version);
	printf("isolation:         %s\n", isolation_name());
	printf("backend:           %s\n", simulated() ? "simulated hypervisor" : "Hyper-V");
	printf("GPNs per call:     %u\n", dev_info.max_gpns_per_call);
	printf("reps per call:     %u\n", dev_info.max_reps_per_call);
	print_page_sizes(dev_info.page_sizes);
	if (dev_info.size >= CVM_VTLMEM_INFO_SIZE_VER1) {
		printf("ranges:            %llu\n", (u64)dev_info.nr_ranges);
		printf("registered:        %s\n", SIZE_STR(dev_info.registered_bytes));
		printf("state memory:      %s\n", SIZE_STR(dev_info.state_bytes));
	}
	printf("ioctls:            GET_INFO");
	for (i = 0; i < ARRAY_SIZE(ioctl_table); i++)
		printf(" %s%s", ioctl_table[i].name,
		       have_ioctl(ioctl_table[i].cmd) ? "" : "(missing)");
	printf("\n");
	return 0;
}

static const char *range_flags_str(char *buf, size_t len, __u32 flags)
{
	snprintf(buf, len, "%s%s%s%s", flags & CVM_VTLMEM_RANGE_ACCEPTED ? "accepted " : "",
		 flags & CVM_VTLMEM_RANGE_LAZY ? "lazy " : "",
		 flags & CVM_VTLMEM_RANGE_STRUCT_PAGES ? "struct-pages " : "",
		 flags ? "" : "-");
	if (buf[0] && buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static int cmd_ranges(int argc, char **argv)
{
	struct cvm_vtlmem_range_info *e;
	char flags[48];
	int n, i;

	parse_opts("ranges", argc, argv, NULL, NULL, 0);
	n = list_ranges(&e);
	if (n < 0)
		return EXIT_FAIL;
	if (!n) {
		printf("no ranges registered\n");
		return 0;
	}
	printf("%-18s %-10s %-7s %-4s %-22s %-10s %-10s %s\n", "GPA", "SIZE", "KIND", "NODE",
	       "FLAGS", "ACCEPTED", "SHARED", "QUARANTINED");
	for (i = 0; i < n; i++) {
		char node[8];

		snprintf(node, sizeof(node), "%d", e[i].numa_node);
		printf("%#-18llx %-10s %-7s %-4s %-22s %-10s %-10s %llu%s\n", (u64)e[i].gpa,
		       SIZE_STR(e[i].length),
		       e[i].kind == CVM_VTLMEM_RANGE_SHARED_POOL ? "shared" : "vtl0",
		       e[i].numa_node == CVM_VTLMEM_NO_NODE ? "any" : node,
		       range_flags_str(flags, sizeof(flags), e[i].flags),
		       SIZE_STR(e[i].accepted_pages * SZ_4K), SIZE_STR(e[i].shared_pages * SZ_4K),
		       (u64)e[i].quarantined_pages, e[i].busy ? "  (busy)" : "");
		if (e[i].background_units)
			printf("%18s %llu unit%s of 2 MiB queued for background acceptance\n", "",
			       (u64)e[i].background_units, e[i].background_units == 1 ? "" : "s");
	}
	free(e);
	return 0;
}

static const char *rights_str(char *buf, unsigned int r)
{
	buf[0] = r & CVM_VTLMEM_RIGHT_READ ? 'r' : '-';
	buf[1] = r & CVM_VTLMEM_RIGHT_WRITE ? 'w' : '-';
	buf[2] = r & CVM_VTLMEM_RIGHT_KERNEL_EXEC ? 'x' : '-';
	buf[3] = r & CVM_VTLMEM_RIGHT_USER_EXEC ? 'X' : '-';
	buf[4] = '\0';
	return buf;
}

static const char *const page_state_names[] = {
	[CVM_VTLMEM_PAGE_UNACCEPTED] = "unaccepted",
	[CVM_VTLMEM_PAGE_PRIVATE] = "private",
	[CVM_VTLMEM_PAGE_SHARED] = "shared",
	[CVM_VTLMEM_PAGE_QUARANTINED] = "quarantined",
};

static void print_run(u64 gpa, u64 n, __u16 s)
{
	char r0[5], r1[5];

	printf("%#llx-%#llx  %8llu pages  %-11s  vtl0=%s vtl1=%s\n", gpa, gpa + n * SZ_4K - 1, n,
	       page_state_names[s & CVM_VTLMEM_PAGE_STATE_MASK],
	       rights_str(r0, (s >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF),
	       rights_str(r1, (s >> CVM_VTLMEM_PAGE_VTL1_SHIFT) & 0xF));
}

static int cmd_query(int argc, char **argv)
{
	char *pos[2] = { 0 };
	u64 gpa, len = SZ_4K, n, i, run = 0;
	__u16 *s;
	int err;

	if (parse_opts("query", argc, argv, NULL, pos, 2) < 1)
		usage_error("query: GPA missing");
	gpa = arg_u64("query GPA", pos[0]);
	if (pos[1])
		len = arg_u64("query LEN", pos[1]);
	if (gpa % SZ_4K || !len)
		usage_error("query: GPA must be 4 KiB aligned and LEN non-zero");
	n = (len + SZ_4K - 1) / SZ_4K;
	s = calloc(n, sizeof(*s));
	if (!s)
		return error("out of memory");
	err = query_pages(gpa, n, s);
	if (err) {
		free(s);
		return error("query %#llx-%#llx: QUERY %s%s", gpa, gpa + n * SZ_4K - 1,
			     ioctl_err(err),
			     err == ENOENT ? " (no single registered range holds the span)" : "");
	}
	/* One line per run of identical pages. */
	for (i = 1; i <= n; i++) {
		if (i < n && s[i] == s[run])
			continue;
		print_run(gpa + run * SZ_4K, i - run, s[run]);
		run = i;
	}
	free(s);
	return 0;
}

static const char *add_range_hint(int err)
{
	switch (err) {
	case EINVAL: return " (alignment: 4 KiB, 2 MiB with --struct-pages; flags; or "
			    "lazy with accepted or on a shared pool)";
	case EOVERFLOW: return " (the range wraps)";
	case ERANGE: return " (beyond the CPU's physical address width)";
	case ENODEV: return " (NUMA node not online)";
	case EBUSY: return " (intersects this kernel's own RAM)";
	case ENXIO: return " (outside the RAM the hypervisor describes for the partition)";
	case EEXIST: return " (overlaps a registered range)";
	}
	return "";
}

static int do_add(u64 gpa, u64 len, __u32 kind, __u32 flags, int node, const char *what)
{
	struct cvm_vtlmem_range r = {
		.size = sizeof(r), .flags = flags, .gpa = gpa, .length = len, .kind = kind,
		.numa_node = node,
	};
	int err = xioctl(CVM_VTLMEM_IOC_ADD_RANGE, &r);

	if (err)
		return error("register %s %#llx-%#llx (%s): ADD_RANGE %s%s", what, gpa,
			     gpa + len - 1, SIZE_STR(len), ioctl_err(err), add_range_hint(err));
	return 0;
}

static int parse_node(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < -1 || v > 1023)
		usage_error("node: '%s' is not a NUMA node (0..1023, -1 for any)", s);
	return (int)v;
}

static int cmd_add(int argc, char **argv)
{
	struct opt o[] = {
		OPT("shared-pool"), OPT("accepted"), OPT("lazy"), OPT("struct-pages"),
		OPT_ARG("node"), OPT_END,
	};
	char *pos[2] = { 0 };
	__u32 flags = 0;
	u64 gpa, len;

	if (parse_opts("add", argc, argv, o, pos, 2) < 2)
		usage_error("add: GPA and LEN needed");
	gpa = arg_u64("add GPA", pos[0]);
	len = arg_u64("add LEN", pos[1]);
	flags |= o[1].seen ? CVM_VTLMEM_RANGE_ACCEPTED : 0;
	flags |= o[2].seen ? CVM_VTLMEM_RANGE_LAZY : 0;
	flags |= o[3].seen ? CVM_VTLMEM_RANGE_STRUCT_PAGES : 0;
	if (do_add(gpa, len, o[0].seen ? CVM_VTLMEM_RANGE_SHARED_POOL : CVM_VTLMEM_RANGE_PRIVATE,
		   flags, o[4].seen ? parse_node(o[4].val) : CVM_VTLMEM_NO_NODE, "range"))
		return EXIT_FAIL;
	printf("registered %#llx-%#llx (%s)\n", gpa, gpa + len - 1, SIZE_STR(len));
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	struct cvm_vtlmem_remove_range r = { .size = sizeof(r) };
	char *pos[1] = { 0 };
	int err;

	if (parse_opts("remove", argc, argv, NULL, pos, 1) < 1)
		usage_error("remove: GPA missing");
	r.gpa = arg_u64("remove GPA", pos[0]);
	err = xioctl(CVM_VTLMEM_IOC_REMOVE_RANGE, &r);
	if (err)
		return error("remove %#llx: REMOVE_RANGE %s%s", (u64)r.gpa, ioctl_err(err),
			     err == ENOENT ? " (no range starts there)" :
			     err == EBUSY ? " (an operation runs on it or a mapping holds it)" : "");
	printf("removed the range at %#llx\n", (u64)r.gpa);
	return 0;
}

/* Queue a lazy range's units for the background worker. */
static int accept_background(u64 gpa, u64 len)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = CVM_VTLMEM_ACCEPT_BACKGROUND, .gpa = gpa, .length = len,
	};
	int err;

	dev();
	err = xioctl(CVM_VTLMEM_IOC_ACCEPT, &a);
	if (err)
		return error("accept --background %#llx-%#llx: ACCEPT %s%s", gpa, gpa + len - 1,
			     ioctl_err(err),
			     err == EINVAL ? " (background acceptance is for lazy ranges)" :
			     err == ENOENT ? " (no single registered range holds the span)" : "");
	printf("queued %#llx-%#llx for background acceptance; 'ranges' shows what is left\n",
	       gpa, gpa + len - 1);
	return 0;
}

static int cmd_accept(int argc, char **argv)
{
	struct opt o[] = { OPT("zero"), OPT("no-zero"), OPT("grant"), OPT("background"), OPT_END };
	char *pos[2] = { 0 };
	__u32 flags = 0;
	double secs;
	u64 gpa, len, accepted;

	if (parse_opts("accept", argc, argv, o, pos, 2) < 2)
		usage_error("accept: GPA and LEN needed");
	if (o[0].seen && o[1].seen)
		usage_error("accept: --zero and --no-zero exclude each other");
	if (o[3].seen && (o[0].seen || o[1].seen || o[2].seen))
		usage_error("accept: --background accepts as a first touch would; "
			    "it takes no other option");
	gpa = arg_u64("accept GPA", pos[0]);
	len = arg_u64("accept LEN", pos[1]);
	if (o[3].seen)
		return accept_background(gpa, len);
	flags |= o[0].seen ? CVM_VTLMEM_ACCEPT_ZERO : 0;
	flags |= o[1].seen ? CVM_VTLMEM_ACCEPT_NO_ZERO : 0;
	flags |= o[2].seen ? CVM_VTLMEM_ACCEPT_GRANT_VTL0 : 0;
	dev();
	if (do_accept(gpa, len, flags, "span", &secs, &accepted))
		return EXIT_FAIL;
	printf("accepted %llu pages (%s) of %#llx-%#llx in %.2f s%s\n", accepted,
	       SIZE_STR(accepted * SZ_4K), gpa, gpa + len - 1, secs,
	       accepted < len / SZ_4K ? " (the rest already was)" : "");
	return 0;
}

/* "a,b,c": GPNs (numbers, 0x hex allowed). */
static u64 *parse_gpns(const char *s, unsigned int *count)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int n = 1, i = 0;
	const char *p;
	u64 *g;

	for (p = s; *p; p++)
		n += *p == ',';
	g = calloc(n, sizeof(*g));
	if (!copy || !g)
		usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (parse_u64(tok, &g[i++]))
			usage_error("--gpns: '%s' is not a page number", tok);
	free(copy);
	if (!i)
		usage_error("--gpns: no page numbers");
	*count = i;
	return g;
}

static int cmd_visibility(bool shared, int argc, char **argv)
{
	const char *cmd = shared ? "share" : "unshare";
	struct opt o[] = { OPT_ARG("gpns"), OPT_END };
	char *pos[2] = { 0 };
	unsigned int count = 0;
	u64 gpa = 0, len = 0, *gpns = NULL, processed;
	double secs;
	int npos = parse_opts(cmd, argc, argv, o, pos, 2);

	if (o[0].seen == (npos != 0) || (!o[0].seen && npos != 2))
		usage_error("%s: GPA LEN, or --gpns a,b,c", cmd);
	if (o[0].seen) {
		gpns = parse_gpns(o[0].val, &count);
	} else {
		gpa = arg_u64("GPA", pos[0]);
		len = arg_u64("LEN", pos[1]);
	}
	dev();
	if (do_visibility(shared, gpa, len, gpns, count, "span", &secs, &processed)) {
		free(gpns);
		return EXIT_FAIL;
	}
	if (gpns)
		printf("%u listed pages %s (%llu processed) in %.2f s\n", count,
		       shared ? "shared" : "private", processed, secs);
	else
		printf("%#llx-%#llx (%s) %s in %.2f s\n", gpa, gpa + len - 1, SIZE_STR(len),
		       shared ? "shared" : "private", secs);
	free(gpns);
	return 0;
}

/* "rwxX" letters ('-' ignored), "none", "all" or a number up to 0xF. */
static unsigned int parse_rights(const char *s)
{
	unsigned int r = 0;
	const char *p;
	u64 v;

	if (!strcmp(s, "none"))
		return 0;
	if (!strcmp(s, "all"))
		return CVM_VTLMEM_RIGHTS_ALL;
	if (isdigit((unsigned char)*s)) {
		if (parse_u64(s, &v) || v > CVM_VTLMEM_RIGHTS_ALL)
			usage_error("--rights: '%s' is not a rights mask (0 to 0xF)", s);
		return (unsigned int)v;
	}
	for (p = s; *p; p++) {
		switch (*p) {
		case 'r': r |= CVM_VTLMEM_RIGHT_READ; break;
		case 'w': r |= CVM_VTLMEM_RIGHT_WRITE; break;
		case 'x': r |= CVM_VTLMEM_RIGHT_KERNEL_EXEC; break;
		case 'X': r |= CVM_VTLMEM_RIGHT_USER_EXEC; break;
		case '-': break;
		default:
			usage_error("--rights: '%c' in '%s': use r, w, x (kernel exec), "
				    "X (user exec), or none", *p, s);
		}
	}
	if (!*s)
		usage_error("--rights: empty");
	return r;
}

static int cmd_protect(int argc, char **argv)
{
	struct opt o[] = { OPT_ARG("vtl"), OPT_ARG("rights"), OPT_END };
	char *pos[2] = { 0 }, rs[5];
	unsigned int rights;
	u64 gpa, len, vtl;
	double secs;

	if (parse_opts("protect", argc, argv, o, pos, 2) < 2)
		usage_error("protect: GPA and LEN needed");
	if (!o[0].seen || !o[1].seen)
		usage_error("protect: --vtl N and --rights rwxX|none needed");
	gpa = arg_u64("protect GPA", pos[0]);
	len = arg_u64("protect LEN", pos[1]);
	vtl = arg_u64("--vtl", o[0].val);
	if (vtl > 1)
		usage_error("protect: --vtl must be 0 or 1 (a VTL lower than VTL2)");
	rights = parse_rights(o[1].val);
	dev();
	if (do_protect(gpa, len, (unsigned int)vtl, rights, "span", &secs))
		return EXIT_FAIL;
	printf("VTL%llu now has %s on %#llx-%#llx (%s), %.2f s\n", vtl, rights_str(rs, rights),
	       gpa, gpa + len - 1, SIZE_STR(len), secs);
	return 0;
}

/* ------------------------------------------------------------------------
 * Counters: debugfs stats ("key value") and sim/counters ("name calls=N
 * reps=N failures=N"), read whole so that boot can show what each step
 * cost.
 */

#define MAX_KV	96

struct kv {
	char name[48];
	u64 v[3];	/* stats: value; sim: calls, reps, failures */
};

struct counters {
	bool have_stats, have_sim;
	struct kv stats[MAX_KV];
	int nstats;
	struct kv sim[MAX_KV];
	int nsim;
};

static int read_kv(const char *path, struct kv *kv, bool sim)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < MAX_KV && fgets(line, sizeof(line), f)) {
		struct kv *e = &kv[n];

		memset(e, 0, sizeof(*e));
		if (sim ? sscanf(line, "%47s calls=%llu reps=%llu failures=%llu", e->name,
				 &e->v[0], &e->v[1], &e->v[2]) >= 2 :
			  sscanf(line, "%47s %llu", e->name, &e->v[0]) == 2)
			n++;
	}
	fclose(f);
	return n;
}

static void read_counters(struct counters *c)
{
	memset(c, 0, sizeof(*c));
	c->nstats = read_kv(STATS_FILE, c->stats, false);
	c->have_stats = c->nstats >= 0;
	c->nsim = read_kv(COUNTERS_FILE, c->sim, true);
	c->have_sim = c->nsim >= 0;
}

static u64 kv_get(const struct kv *kv, int n, const char *name, int idx)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return kv[i].v[idx];
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool is_cpu_row(const char *name)
{
	return !strncmp(name, "cpu", 3) && isdigit((unsigned char)name[3]);
}

/*
 * Hypercalls and instructions issued between @a and @b: the simulated
 * hypervisor's own count when there is one, else the module's.
 */
static u64 calls_between(const struct counters *a, const struct counters *b)
{
	u64 sum = 0;
	int i;

	if (b->have_sim) {
		for (i = 0; i < b->nsim; i++)
			if (!is_cpu_row(b->sim[i].name))
				sum += b->sim[i].v[0] - kv_get(a->sim, a->nsim, b->sim[i].name, 0);
	} else if (b->have_stats) {
		for (i = 0; i < b->nstats; i++)
			if (ends_with(b->stats[i].name, "_calls"))
				sum += b->stats[i].v[0] -
				       kv_get(a->stats, a->nstats, b->stats[i].name, 0);
	}
	return sum;
}

static bool have_counters(const struct counters *c)
{
	return c->have_sim || c->have_stats;
}

static const char *const stat_cols[] = { "ops", "calls", "pages_4k", "pages_2m", "pages_1g",
					 "fallbacks", "ns" };

/* Whether stats key @name is "OP_COL" for an operation OP that has "OP_ops". */
static bool stat_in_row(const struct counters *c, const char *name)
{
	char key[64];
	unsigned int k;
	size_t len;

	for (k = 0; k < ARRAY_SIZE(stat_cols); k++) {
		snprintf(key, sizeof(key), "_%s", stat_cols[k]);
		if (!ends_with(name, key))
			continue;
		len = strlen(name) - strlen(key);
		snprintf(key, sizeof(key), "%.*s_ops", (int)len, name);
		for (int i = 0; i < c->nstats; i++)
			if (!strcmp(c->stats[i].name, key))
				return true;
	}
	return false;
}

/* One row per operation the stats file knows (each "OP_ops" key). */
static void print_stats(const struct counters *c)
{
	u64 v[ARRAY_SIZE(stat_cols)];
	char key[64], op[48];
	unsigned int k;
	int i, extra = 0;

	printf("module statistics (%s)\n", STATS_FILE);
	printf("  %-12s %8s %8s %11s %11s %11s %9s %9s\n", "operation", "ops", "calls",
	       "at 4K", "at 2M", "at 1G", "fallback", "cpu time");
	for (i = 0; i < c->nstats; i++) {
		if (!ends_with(c->stats[i].name, "_ops"))
			continue;
		snprintf(op, sizeof(op), "%.*s", (int)(strlen(c->stats[i].name) - 4),
			 c->stats[i].name);
		for (k = 0; k < ARRAY_SIZE(stat_cols); k++) {
			snprintf(key, sizeof(key), "%s_%s", op, stat_cols[k]);
			v[k] = kv_get(c->stats, c->nstats, key, 0);
		}
		printf("  %-12s %8llu %8llu %11s %11s %11s %9llu %7.2f s\n", op, v[0], v[1],
		       SIZE_STR(v[2] * SZ_4K), SIZE_STR(v[3] * SZ_4K), SIZE_STR(v[4] * SZ_4K),
		       v[5], v[6] / 1e9);
	}
	/* The other counters (faults, chunks per CPU, ...) as they are. */
	for (i = 0; i < c->nstats; i++) {
		if (stat_in_row(c, c->stats[i].name))
			continue;
		printf("%s %s %llu", extra++ % 4 ? "," : extra > 1 ? "\n " : " ",
		       c->stats[i].name, c->stats[i].v[0]);
	}
	if (extra)
		printf("\n");
}

static void print_sim_counters(const struct counters *c)
{
	int i, shown = 0;

	printf("simulated hypervisor (%s)\n", COUNTERS_FILE);
	printf("  %-14s %10s %10s %9s\n", "call", "calls", "pages", "failures");
	for (i = 0; i < c->nsim; i++) {
		if (is_cpu_row(c->sim[i].name) || !c->sim[i].v[0])
			continue;
		printf("  %-14s %10llu %10llu %9llu\n", c->sim[i].name, c->sim[i].v[0],
		       c->sim[i].v[1], c->sim[i].v[2]);
		shown++;
	}
	if (!shown)
		printf("  (no calls)\n");
	printf("  per CPU:");
	for (i = 0; i < c->nsim; i++)
		if (is_cpu_row(c->sim[i].name))
			printf(" %s %llu", c->sim[i].name, c->sim[i].v[0]);
	printf("\n");
}

static int cmd_stats(int argc, char **argv)
{
	struct counters c;

	parse_opts("stats", argc, argv, NULL, NULL, 0);
	read_counters(&c);
	if (!c.have_stats)
		return error("cannot read %s: %s (is debugfs mounted, the module loaded, and "
			     "are you root?)", STATS_FILE, strerror(errno));
	print_stats(&c);
	if (c.have_sim)
		print_sim_counters(&c);
	return 0;
}

/* ------------------------------------------------------------------------
 * Layouts: what boot sets up. From a file, one range a line:
 *
 *	# kind   gpa          size   [options]
 *	vtl0     0x100000000  512M   node=0
 *	vtl0     0x120000000  256M   accepted
 *	vtl0     0x130000000  128M   lazy
 *	shared   0x138000000  64M
 *	vtl2     auto
 *
 * or from flags: --vtl0 GPA,SIZE[,OPTION...], --shared ..., --vtl2 auto.
 */

enum lkind { L_VTL0, L_SHARED, L_VTL2 };

struct lrange {
	enum lkind kind;
	u64 gpa, len;		/* vtl2 auto: both 0 */
	int node;
	bool accepted, lazy, struct_pages;
	char where[80];		/* "FILE:LINE" or "--vtl0 ..." for messages */
	bool existed;		/* registered before this boot */
};

#define MAX_LAYOUT	64

struct layout {
	struct lrange r[MAX_LAYOUT];
	int n;
};

static const char *const lkind_names[] = { "vtl0", "shared", "vtl2" };

static void __attribute__((noreturn, format(printf, 2, 3)))
layout_error(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cvm-vtlmemctl: %s: ", where);
	vfprintf(stderr, fmt, ap);
	fputs("\n(cvm-vtlmemctl --help describes the layout format)\n", stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* Parse one layout entry from its words; @where names it in messages. */
static void layout_add(struct layout *l, char **w, int nw, const char *where)
{
	struct lrange *r;
	int i;

	if (l->n == MAX_LAYOUT)
		layout_error(where, "more than %d ranges", MAX_LAYOUT);
	r = &l->r[l->n];
	memset(r, 0, sizeof(*r));
	r->node = CVM_VTLMEM_NO_NODE;
	snprintf(r->where, sizeof(r->where), "%s", where);
	for (i = 0; i < (int)ARRAY_SIZE(lkind_names); i++)
		if (!strcmp(w[0], lkind_names[i]))
			break;
	if (i == (int)ARRAY_SIZE(lkind_names))
		layout_error(where, "unknown kind '%s' (vtl0, shared or vtl2)", w[0]);
	r->kind = i;
	if (r->kind == L_VTL2 && nw == 2 && !strcmp(w[1], "auto")) {
		l->n++;
		return;
	}
	if (nw < 3)
		layout_error(where, "%s needs a GPA and a size%s", w[0],
			     r->kind == L_VTL2 ? " (or 'auto')" : "");
	if (parse_u64(w[1], &r->gpa))
		layout_error(where, "'%s' is not an address", w[1]);
	if (parse_u64(w[2], &r->len) || !r->len)
		layout_error(where, "'%s' is not a size", w[2]);
	if (r->gpa % SZ_4K || r->len % SZ_4K)
		layout_error(where, "the GPA and the size must be 4 KiB aligned");
	if (r->gpa + r->len < r->gpa)
		layout_error(where, "the range wraps");
	for (i = 3; i < nw; i++) {
		if (r->kind == L_VTL2)
			layout_error(where, "vtl2 takes no options ('%s')", w[i]);
		if (!strncmp(w[i], "node=", 5))
			r->node = parse_node(w[i] + 5);
		else if (!strcmp(w[i], "accepted"))
			r->accepted = true;
		else if (!strcmp(w[i], "lazy") && r->kind == L_VTL0)
			r->lazy = true;
		else if (!strcmp(w[i], "struct-pages"))
			r->struct_pages = true;
		else
			layout_error(where, "unknown option '%s' for %s (node=N, accepted%s, "
				     "struct-pages)", w[i], w[0],
				     r->kind == L_VTL0 ? ", lazy" : "");
	}
	if (r->lazy && r->accepted)
		layout_error(where, "a range is either accepted by the boot loader or lazy");
	for (i = 0; i < l->n; i++) {
		const struct lrange *o = &l->r[i];

		if (o->len && r->gpa < o->gpa + o->len && o->gpa < r->gpa + r->len)
			layout_error(where, "overlaps %s", o->where);
	}
	l->n++;
}

static void layout_read(struct layout *l, const char *path)
{
	char line[512], where[80];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "cvm-vtlmemctl: %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	while (fgets(line, sizeof(line), f)) {
		char *w[16], *save = NULL, *tok, *hash = strchr(line, '#');
		int nw = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			snprintf(where, sizeof(where), "%s:%d", path, lineno);
			if (nw == (int)ARRAY_SIZE(w))
				layout_error(where, "too many words");
			w[nw++] = tok;
		}
		if (nw)
			layout_add(l, w, nw, where);
	}
	fclose(f);
}

/* --vtl0 GPA,SIZE[,OPT...] and friends: the words of a layout line. */
static void layout_flag(struct layout *l, const char *kind, const char *val)
{
	char *copy = strdup(val), *w[16], *save = NULL, *tok, where[80];
	int nw = 1;

	snprintf(where, sizeof(where), "--%s %s", kind, val);
	w[0] = (char *)kind;
	for (tok = strtok_r(copy, ",", &save); tok && nw < 16; tok = strtok_r(NULL, ",", &save))
		w[nw++] = tok;
	layout_add(l, w, nw, where);
	/* The words live on in nothing but the parsed entry: free them. */
	free(copy);
}

/* ------------------------------------------------------------------------
 * boot: the paravisor's memory start-up, step by step.
 */

struct boot {
	struct layout l;
	bool simulate_bootloader;
	int step;
	double t0[6], secs[6];
	struct counters c0[6];
	u64 calls[6];
	bool skipped[6];
	double excluded[6];	/* seconds not the paravisor's (simulated boot loader) */
	struct counters start;
	u64 lazy_touched;	/* bytes accepted by first touches in step 4 */
};

/* Short names for the summary's table. */
static const char *const step_short[] = {
	NULL, "VTL2 self-protection", "register, grant, accept", "shared pool",
	"map and verify", "summary",
};

static const char *const step_titles[] = {
	NULL,
	"protect VTL2's RAM from lower VTLs",
	"register VTL0 RAM, grant and accept it",
	"make the shared pool shared",
	"map the private and shared views and verify them",
	"summary",
};

static void step_begin(struct boot *b, int step)
{
	b->step = step;
	printf("\nstep %d/5  %s\n", step, step_titles[step]);
	fflush(stdout);
	read_counters(&b->c0[step]);
	b->t0[step] = now_s();
}

static void step_end(struct boot *b)
{
	struct counters c;

	read_counters(&c);
	b->secs[b->step] = now_s() - b->t0[b->step] - b->excluded[b->step];
	b->calls[b->step] = calls_between(&b->c0[b->step], &c);
}

static void step_skip(struct boot *b, const char *why)
{
	printf("  skipped: %s\n", why);
	b->skipped[b->step] = true;
	step_end(b);
}

static int step_fail(struct boot *b)
{
	fprintf(stderr, "cvm-vtlmemctl: boot stopped in step %d (%s). What was done stays "
		"done; run boot again to continue from there.\n", b->step, step_titles[b->step]);
	return EXIT_FAIL;
}

static __u32 lrange_flags(const struct lrange *r)
{
	return (r->accepted ? CVM_VTLMEM_RANGE_ACCEPTED : 0) |
	       (r->lazy ? CVM_VTLMEM_RANGE_LAZY : 0) |
	       (r->struct_pages ? CVM_VTLMEM_RANGE_STRUCT_PAGES : 0);
}

static __u32 lrange_kind(const struct lrange *r)
{
	return r->kind == L_SHARED ? CVM_VTLMEM_RANGE_SHARED_POOL : CVM_VTLMEM_RANGE_PRIVATE;
}

static const char *lrange_str(char *buf, size_t len, const struct lrange *r)
{
	if (r->kind == L_VTL2 && !r->len)
		snprintf(buf, len, "vtl2    all of this kernel's System RAM");
	else
		snprintf(buf, len, "%-7s %#llx-%#llx %9s", lkind_names[r->kind], r->gpa,
			 r->gpa + r->len - 1, SIZE_STR(r->len));
	return buf;
}

#define LRANGE_STR(r)	lrange_str((char[96]){ 0 }, 96, (r))

static bool any(const struct boot *b, bool (*pred)(const struct lrange *))
{
	int i;

	for (i = 0; i < b->l.n; i++)
		if (pred(&b->l.r[i]))
			return true;
	return false;
}

static bool is_vtl2(const struct lrange *r) { return r->kind == L_VTL2; }
static bool is_pool(const struct lrange *r) { return r->kind == L_SHARED; }
static bool is_registered(const struct lrange *r) { return r->kind != L_VTL2; }
static bool is_boot_accepted_vtl0(const struct lrange *r)
{
	return r->kind == L_VTL0 && r->accepted;
}

static bool is_eager_vtl0(const struct lrange *r)
{
	return r->kind == L_VTL0 && !r->accepted && !r->lazy;
}

/*
 * Refuse to start when an ioctl a step needs is missing (ENOTTY): say
 * which step and which ioctl, before anything changes.
 */
static int boot_check_ioctls(struct boot *b)
{
	enum { ANY, ISOLATED, NON_ISOLATED };
	static const struct {
		int step;
		unsigned long cmd;
		int when;
		bool (*pred)(const struct lrange *);
	} needs[] = {
		{ 1, CVM_VTLMEM_IOC_PROTECT_VTL2, NON_ISOLATED, is_vtl2 },
		{ 2, CVM_VTLMEM_IOC_ADD_RANGE, ANY, is_registered },
		{ 2, CVM_VTLMEM_IOC_PROTECT, ISOLATED, is_boot_accepted_vtl0 },
		{ 2, CVM_VTLMEM_IOC_ACCEPT, ISOLATED, is_eager_vtl0 },
		{ 3, CVM_VTLMEM_IOC_SET_VISIBILITY, ISOLATED, is_pool },
		{ 4, CVM_VTLMEM_IOC_QUERY, ANY, is_registered },
	};
	unsigned int i;
	int missing = 0;

	for (i = 0; i < ARRAY_SIZE(needs); i++) {
		if ((needs[i].when == ISOLATED && !isolated()) ||
		    (needs[i].when == NON_ISOLATED && isolated()) ||
		    !any(b, needs[i].pred) || have_ioctl(needs[i].cmd))
			continue;
		error("step %d (%s) needs CVM_VTLMEM_IOC_%s, which this cvm_vtlmem module "
		      "does not implement (ENOTTY)", needs[i].step, step_titles[needs[i].step],
		      ioctl_name(needs[i].cmd));
		missing++;
	}
	if (missing)
		fprintf(stderr, "cvm-vtlmemctl: boot did not start; nothing was changed\n");
	return missing ? EXIT_FAIL : 0;
}

/* Step 1: non-isolated partitions take VTL2's RAM from the lower VTLs. */
static int boot_step1(struct boot *b)
{
	double secs;
	u64 done;
	int i;

	step_begin(b, 1);
	if (isolated()) {
		step_skip(b, "an isolated partition: the isolation hardware keeps lower VTLs "
			  "out of VTL2's memory");
		return 0;
	}
	if (!any(b, is_vtl2)) {
		step_skip(b, "the layout has no vtl2 entry; VTL2's RAM stays reachable from "
			  "lower VTLs");
		return 0;
	}
	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];

		if (r->kind != L_VTL2)
			continue;
		if (do_protect_vtl2(r->gpa, r->len, &secs, &done))
			return step_fail(b);
		printf("  %s: %s (%llu pages) now unreachable from VTL0 and VTL1, %.2f s\n",
		       r->len ? "VTL2 RAM" : "all System RAM", SIZE_STR(done * SZ_4K), done, secs);
	}
	step_end(b);
	return 0;
}

static int write_boot_accept(const struct lrange *r)
{
	char cmd[64];
	int fd = open(BOOT_ACCEPT, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	snprintf(cmd, sizeof(cmd), "%#llx %#llx", r->gpa, r->len);
	if (fd < 0)
		return error("simulated boot loader: open %s: %s", BOOT_ACCEPT, strerror(errno));
	n = write(fd, cmd, strlen(cmd));
	close(fd);
	if (n < 0)
		return error("simulated boot loader: %s on %s: %s", cmd, BOOT_ACCEPT,
			     strerror(errno));
	return 0;
}

/*
 * Register every range. One that is already registered exactly as the
 * layout says is kept (boot runs again after a failure or a paravisor
 * restart); one that differs is an error.
 */
static int boot_register(struct boot *b)
{
	struct cvm_vtlmem_range_info *e;
	int i, j, n, added = 0;
	u64 bytes = 0;

	n = list_ranges(&e);
	if (n < 0)
		return EXIT_FAIL;
	for (i = 0; i < b->l.n; i++) {
		struct lrange *r = &b->l.r[i];

		if (r->kind == L_VTL2)
			continue;
		for (j = 0; j < n; j++) {
			if (r->gpa >= e[j].gpa + e[j].length || e[j].gpa >= r->gpa + r->len)
				continue;
			if (e[j].gpa != r->gpa || e[j].length != r->len ||
			    e[j].kind != lrange_kind(r) || e[j].flags != lrange_flags(r)) {
				free(e);
				return error("%s: %s overlaps the registered range %#llx-%#llx "
					     "registered differently; remove it first",
					     r->where, LRANGE_STR(r), (u64)e[j].gpa,
					     (u64)(e[j].gpa + e[j].length - 1));
			}
			r->existed = true;
		}
	}
	free(e);
	for (i = 0; i < b->l.n; i++) {
		struct lrange *r = &b->l.r[i];

		if (r->kind == L_VTL2 || r->existed)
			continue;
		/* The boot loader ran before us: its acceptance comes first. */
		if (r->accepted && isolated() && b->simulate_bootloader) {
			double t = now_s();

			if (write_boot_accept(r))
				return EXIT_FAIL;
			t = now_s() - t;
			b->excluded[b->step] += t;
			printf("  simulated boot loader: accepted %#llx-%#llx (%s) through "
			       "sim/boot_accept, %.2f s (not counted)\n", r->gpa, r->gpa + r->len - 1,
			       SIZE_STR(r->len), t);
		}
		if (do_add(r->gpa, r->len, lrange_kind(r), lrange_flags(r), r->node,
			   lkind_names[r->kind]))
			return EXIT_FAIL;
		added++;
		bytes += r->len;
	}
	for (i = 0, n = 0; i < b->l.n; i++)
		n += b->l.r[i].existed;
	if (added)
		printf("  registered %d range%s (%s)%s", added, added == 1 ? "" : "s",
		       SIZE_STR(bytes), n ? "; " : "\n");
	if (n)
		printf("%s%d range%s already registered as the layout says\n", added ? "" : "  ",
		       n, n == 1 ? " was" : "s were");
	return 0;
}

/* Accept every eager VTL0 range, each on its own thread, VTL0 rights granted. */
static int boot_accept_eager(struct boot *b)
{
	struct cvm_vtlmem_accept a[MAX_LAYOUT];
	struct job jobs[MAX_LAYOUT];
	struct job_set set = { .jobs = jobs };
	u64 bytes = 0, accepted = 0;
	int i, failed = 0;
	double secs;
	char label[64];

	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];
		struct job *j = &jobs[set.n];

		if (!is_eager_vtl0(r))
			continue;
		a[set.n] = (struct cvm_vtlmem_accept){
			.size = sizeof(a[0]), .flags = CVM_VTLMEM_ACCEPT_GRANT_VTL0,
			.gpa = r->gpa, .length = r->len,
		};
		*j = (struct job){
			.cmd = CVM_VTLMEM_IOC_ACCEPT, .arg = &a[set.n], .kind = PROG_ACCEPTED,
			.range_gpa = r->gpa,
			.total = pages_in(r->gpa, r->len / SZ_4K, CVM_VTLMEM_PAGE_UNACCEPTED),
		};
		bytes += r->len;
		set.n++;
	}
	if (!set.n)
		return 0;
	snprintf(label, sizeof(label), "accept %s in %u range%s", SIZE_STR(bytes), set.n,
		 set.n == 1 ? "" : "s");
	secs = run_jobs(&set, label);
	for (i = 0; i < (int)set.n; i++) {
		accepted += a[i].accepted;
		if (jobs[i].err) {
			accept_error(&a[i], jobs[i].err, "vtl0 range");
			failed++;
		}
	}
	if (failed)
		return EXIT_FAIL;
	if (!accepted)
		printf("  nothing left to accept in %u range%s\n", set.n, set.n == 1 ? "" : "s");
	else
		printf("  accepted %s with VTL0 rwxX in %u range%s%s, %.2f s%s\n",
		       SIZE_STR(accepted * SZ_4K), set.n, set.n == 1 ? "" : "s",
		       set.n == 1 ? "" : " in parallel", secs,
		       accepted * SZ_4K < bytes ? "; the rest already was" : "");
	return 0;
}

/* Every page of @r private with VTL0 rwxX already (boot ran before). */
static bool all_granted(const struct lrange *r)
{
	u64 n = r->len / SZ_4K, i;
	__u16 *s = calloc(n, sizeof(*s));
	bool all = s && !query_pages(r->gpa, n, s);

	for (i = 0; all && i < n; i++)
		all = (s[i] & CVM_VTLMEM_PAGE_STATE_MASK) == CVM_VTLMEM_PAGE_PRIVATE &&
		      ((s[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF) == CVM_VTLMEM_RIGHTS_ALL;
	free(s);
	return all;
}

static int boot_step2(struct boot *b)
{
	double secs;
	int i;

	step_begin(b, 2);
	if (boot_register(b))
		return step_fail(b);
	if (!isolated()) {
		printf("  non-isolated: VTL0 RAM is usable as it is, with VTL0 rwxX; nothing "
		       "to accept\n");
		step_end(b);
		return 0;
	}
	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];

		if (!is_boot_accepted_vtl0(r))
			continue;
		if (all_granted(r)) {
			printf("  VTL0 already has rwxX on %#llx-%#llx (%s, accepted by the boot "
			       "loader)\n", r->gpa, r->gpa + r->len - 1, SIZE_STR(r->len));
			continue;
		}
		if (do_protect(r->gpa, r->len, 0, CVM_VTLMEM_RIGHTS_ALL,
			       "boot-loader-accepted range", &secs)) {
			if (simulated() && !b->simulate_bootloader && !r->existed)
				fprintf(stderr, "cvm-vtlmemctl: hint: on the simulated hypervisor "
					"nothing accepted %#llx before us; --simulate-bootloader "
					"plays the boot loader\n", r->gpa);
			return step_fail(b);
		}
		printf("  granted VTL0 rwxX on %#llx-%#llx (%s, accepted by the boot loader), "
		       "%.2f s\n", r->gpa, r->gpa + r->len - 1, SIZE_STR(r->len), secs);
	}
	if (boot_accept_eager(b))
		return step_fail(b);
	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];

		if (r->lazy)
			printf("  lazy: %#llx-%#llx (%s) is accepted on first touch, 2 MiB at a "
			       "time\n", r->gpa, r->gpa + r->len - 1, SIZE_STR(r->len));
	}
	step_end(b);
	return 0;
}

static int boot_step3(struct boot *b)
{
	bool refused;
	double secs;
	int i;

	step_begin(b, 3);
	if (!any(b, is_pool)) {
		step_skip(b, "the layout has no shared pool");
		return 0;
	}
	if (!isolated()) {
		step_skip(b, "non-isolated: there is no host visibility to change; the pool "
			  "is ordinary memory");
		return 0;
	}
	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];

		if (r->kind != L_SHARED)
			continue;
		/* An unaccepted page cannot go shared: accept the pool first. */
		refused = false;
		if (!r->accepted &&
		    pages_in(r->gpa, r->len / SZ_4K, CVM_VTLMEM_PAGE_UNACCEPTED)) {
			struct cvm_vtlmem_accept a = {
				.size = sizeof(a), .gpa = r->gpa, .length = r->len,
			};
			int err = run_one(CVM_VTLMEM_IOC_ACCEPT, &a, "accept the shared pool",
					  PROG_ACCEPTED, r->gpa, r->len / SZ_4K, &secs);

			/* EINVAL: this module takes ACCEPT on private ranges only. */
			if (err && err != EINVAL) {
				accept_error(&a, err, "shared pool");
				return step_fail(b);
			}
			refused = err == EINVAL;
			if (!err)
				printf("  accepted the pool %#llx-%#llx (%s) first, %.2f s\n",
				       r->gpa, r->gpa + r->len - 1, SIZE_STR(a.accepted * SZ_4K),
				       secs);
		}
		if (do_visibility(true, r->gpa, r->len, NULL, 0, "shared pool", &secs, NULL)) {
			if (refused)
				fprintf(stderr, "cvm-vtlmemctl: the pool %#llx is not accepted, this "
					"module refuses ACCEPT on a shared pool (EINVAL) and an "
					"unaccepted page cannot go shared; if the boot loader "
					"accepted the pool, mark it 'accepted' in the layout\n",
					r->gpa);
			return step_fail(b);
		}
		printf("  shared %#llx-%#llx (%s) with the host, %.2f s\n", r->gpa,
		       r->gpa + r->len - 1, SIZE_STR(r->len), secs);
	}
	step_end(b);
	return 0;
}

/*
 * Step 4 reads through the views; a page a view may not show raises
 * SIGBUS, which this handler turns into a return value.
 */
static sigjmp_buf bus_env;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_addr = si->si_addr;
	siglongjmp(bus_env, 1);
}

/* 0 if the byte at @p reads, 1 if it raised SIGBUS there, -1 if elsewhere. */
static int touch(volatile uint8_t *p)
{
	uint8_t v;

	bus_addr = NULL;
	if (sigsetjmp(bus_env, 1) == 0) {
		v = *p;
		(void)v;
		return 0;
	}
	return bus_addr == (void *)p ? 1 : -1;
}

struct views {
	uint8_t *priv, *shared;
	u64 len;
};

static int map_views(const struct lrange *r, struct views *v)
{
	v->len = r->len;
	v->priv = mmap(NULL, r->len, PROT_READ, MAP_SHARED, dev(), (off_t)r->gpa);
	if (v->priv == MAP_FAILED)
		return error("%s: mmap of the private view of %#llx: %s", r->where, r->gpa,
			     strerror(errno));
	v->shared = mmap(NULL, r->len, PROT_READ, MAP_SHARED, dev(),
			 (off_t)(r->gpa | CVM_VTLMEM_SHARED_VIEW));
	if (v->shared == MAP_FAILED) {
		munmap(v->priv, r->len);
		return error("%s: mmap of the shared view of %#llx: %s", r->where, r->gpa,
			     strerror(errno));
	}
	return 0;
}

/* Page @pg of @r must read through @right and fault through @wrong. */
static int check_page(const struct lrange *r, u64 pg, uint8_t *right, uint8_t *wrong,
		      const char *right_name, const char *wrong_name)
{
	u64 gpa = r->gpa + pg * SZ_4K;
	int t;

	t = touch(wrong + pg * SZ_4K);
	if (t == 0)
		return error("verify %s: GPA %#llx reads through the %s view, which must not "
			     "show it", lkind_names[r->kind], gpa, wrong_name);
	t = touch(right + pg * SZ_4K);
	if (t)
		return error("verify %s: GPA %#llx faults through the %s view", lkind_names[r->kind],
			     gpa, right_name);
	return 0;
}

/*
 * Every page of @r in the state the boot left it in: private with VTL0
 * rwxX, or shared; lazy ranges may still hold unaccepted pages.
 */
static int check_states(const struct lrange *r, bool want_shared, u64 *good)
{
	u64 n = r->len / SZ_4K, i, bad = 0, first = 0;
	__u16 *s = calloc(n, sizeof(*s));
	int err;

	if (!s)
		return error("out of memory");
	err = query_pages(r->gpa, n, s);
	if (err) {
		free(s);
		return error("verify %#llx: QUERY %s", r->gpa, ioctl_err(err));
	}
	*good = 0;
	for (i = 0; i < n; i++) {
		unsigned int st = s[i] & CVM_VTLMEM_PAGE_STATE_MASK;
		unsigned int vtl0 = (s[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF;
		bool ok = want_shared ? st == CVM_VTLMEM_PAGE_SHARED :
			  (st == CVM_VTLMEM_PAGE_PRIVATE && vtl0 == CVM_VTLMEM_RIGHTS_ALL) ||
			  (r->lazy && st == CVM_VTLMEM_PAGE_UNACCEPTED);

		*good += ok && st != CVM_VTLMEM_PAGE_UNACCEPTED;
		if (!ok && !bad++)
			first = i;
	}
	if (bad) {
		char rs[5];

		err = error("verify %s: %llu pages not as boot left them, the first at GPA %#llx: "
			    "%s, VTL0 %s (expected %s)", LRANGE_STR(r), bad,
			    r->gpa + first * SZ_4K,
			    page_state_names[s[first] & CVM_VTLMEM_PAGE_STATE_MASK],
			    rights_str(rs, (s[first] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF),
			    want_shared ? "shared" : "private, VTL0 rwxX");
	}
	free(s);
	return bad ? err : 0;
}

#define VERIFY_SAMPLES	9

static int verify_range(struct boot *b, const struct lrange *r)
{
	bool want_shared = r->kind == L_SHARED && isolated();
	const char *right_name = want_shared ? "shared" : "private";
	const char *wrong_name = want_shared ? "private" : "shared";
	u64 n = r->len / SZ_4K, pg, good = 0, samples = 0, i;
	struct views v = { 0 };
	uint8_t *right, *wrong;
	int ret = EXIT_FAIL;
	char extra[160] = "";

	if (map_views(r, &v))
		return EXIT_FAIL;
	right = want_shared ? v.shared : v.priv;
	wrong = want_shared ? v.priv : v.shared;
	if (r->lazy && isolated()) {
		/* The first unaccepted page: the wrong view must not accept it. */
		__u16 *s = calloc(n, sizeof(*s));

		if (!s || query_pages(r->gpa, n, s)) {
			free(s);
			error("verify %#llx: QUERY failed", r->gpa);
			goto out;
		}
		for (pg = 0; pg < n; pg++)
			if ((s[pg] & CVM_VTLMEM_PAGE_STATE_MASK) == CVM_VTLMEM_PAGE_UNACCEPTED)
				break;
		free(s);
		if (pg < n) {
			u64 gpa = r->gpa + pg * SZ_4K, before, after;

			if (touch(v.shared + pg * SZ_4K) != 1) {
				error("verify lazy: unaccepted GPA %#llx does not fault through the "
				      "shared view", gpa);
				goto out;
			}
			if (pages_in(gpa, 1, CVM_VTLMEM_PAGE_UNACCEPTED) != 1) {
				error("verify lazy: touching GPA %#llx through the shared view "
				      "changed its state", gpa);
				goto out;
			}
			before = pages_in(r->gpa, n, CVM_VTLMEM_PAGE_PRIVATE);
			if (touch(v.priv + pg * SZ_4K)) {
				error("verify lazy: the first touch of GPA %#llx through the "
				      "private view faults instead of accepting it", gpa);
				goto out;
			}
			after = pages_in(r->gpa, n, CVM_VTLMEM_PAGE_PRIVATE);
			b->lazy_touched += (after - before) * SZ_4K;
			snprintf(extra, sizeof(extra), "\n      lazy: the first touch of %#llx "
				 "through the private view accepted %s; the shared view did not",
				 gpa, SIZE_STR((after - before) * SZ_4K));
			samples++;
		}
	}
	/* Evenly spread samples; in a lazy range only pages already accepted. */
	for (i = 0; i < VERIFY_SAMPLES; i++) {
		pg = n > 1 ? i * (n - 1) / (VERIFY_SAMPLES - 1) : 0;
		if (i && pg == (n > 1 ? (i - 1) * (n - 1) / (VERIFY_SAMPLES - 1) : 0))
			continue;
		if (r->lazy && isolated() &&
		    !pages_in(r->gpa + pg * SZ_4K, 1, CVM_VTLMEM_PAGE_PRIVATE))
			continue;
		if (check_page(r, pg, right, wrong, right_name, wrong_name))
			goto out;
		samples++;
	}
	if (check_states(r, want_shared, &good))
		goto out;
	printf("  ok  %s  %s view reads, %s view faults (%llu sample%s); %s %s%s\n",
	       LRANGE_STR(r), right_name, wrong_name, samples, samples == 1 ? "" : "s",
	       SIZE_STR(good * SZ_4K), want_shared ? "shared" : "private, VTL0 rwxX", extra);
	ret = 0;
out:
	munmap(v.priv, v.len);
	munmap(v.shared, v.len);
	return ret;
}

static int boot_step4(struct boot *b)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	int i, ret = 0;

	step_begin(b, 4);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	for (i = 0; i < b->l.n && !ret; i++)
		if (b->l.r[i].kind != L_VTL2)
			ret = verify_range(b, &b->l.r[i]);
	sigaction(SIGBUS, &old, NULL);
	if (ret)
		return step_fail(b);
	step_end(b);
	return 0;
}

/* Step 5: what the boot did and what it cost. */
static void boot_summary(struct boot *b)
{
	struct counters end;
	u64 a4, a2, a1, total_calls = 0;
	double total_s = 0;
	int i;

	step_begin(b, 5);
	read_counters(&end);
	dev_info.size = sizeof(dev_info);
	ioctl(dev(), CVM_VTLMEM_IOC_GET_INFO, &dev_info);
	if (!isolated()) {
		printf("  accepted          nothing: a non-isolated partition has nothing to "
		       "accept\n");
	} else if (end.have_stats) {
		a4 = kv_get(end.stats, end.nstats, "accept_pages_4k", 0) -
		     kv_get(b->start.stats, b->start.nstats, "accept_pages_4k", 0);
		a2 = kv_get(end.stats, end.nstats, "accept_pages_2m", 0) -
		     kv_get(b->start.stats, b->start.nstats, "accept_pages_2m", 0);
		a1 = kv_get(end.stats, end.nstats, "accept_pages_1g", 0) -
		     kv_get(b->start.stats, b->start.nstats, "accept_pages_1g", 0);
		printf("  accepted          %.3f GiB at 1 GiB, %.3f GiB at 2 MiB, %.3f GiB at "
		       "4 KiB%s\n", a1 * SZ_4K / (double)GIB, a2 * SZ_4K / (double)GIB,
		       a4 * SZ_4K / (double)GIB,
		       b->lazy_touched ? " (lazy first touches included)" : "");
	} else {
		printf("  accepted          (no %s: debugfs not mounted?)\n", STATS_FILE);
	}
	if (have_counters(&end)) {
		printf("  %-17s", end.have_sim ? "calls issued" : "hypercalls");
		for (i = 0; i < end.nsim; i++) {
			u64 d = end.sim[i].v[0] -
				kv_get(b->start.sim, b->start.nsim, end.sim[i].name, 0);

			if (!is_cpu_row(end.sim[i].name) && d)
				printf(" %s %llu,", end.sim[i].name, d);
		}
		printf(" %llu in all%s\n", calls_between(&b->start, &end),
		       end.have_sim ? " (simulated hypervisor's count)" : " (module's count)");
	}
	printf("  VTL2 state        %s for %s of VTL0 memory in %llu ranges",
	       SIZE_STR(dev_info.state_bytes), SIZE_STR(dev_info.registered_bytes),
	       (u64)dev_info.nr_ranges);
	if (dev_info.registered_bytes)
		printf(" (%s per TiB)", SIZE_STR((u64)((double)dev_info.state_bytes * TIB /
						       dev_info.registered_bytes)));
	printf("\n  %-30s %9s %8s\n", "step", "time", "calls");
	for (i = 1; i <= 4; i++) {
		printf("  %d %-28s ", i, step_short[i]);
		if (b->skipped[i]) {
			printf("%9s %8s\n", "skipped", "-");
			continue;
		}
		printf("%7.2f s %8llu\n", b->secs[i], b->calls[i]);
		total_s += b->secs[i];
		total_calls += b->calls[i];
	}
	printf("  %-30s %7.2f s %8llu\n", "total", total_s, total_calls);
}

static int cmd_boot(int argc, char **argv)
{
	struct opt o[] = {
		OPT_ARG("vtl0"), OPT_ARG("shared"), OPT_ARG("vtl2"), OPT("lazy"),
		OPT("simulate-bootloader"), OPT_END,
	};
	struct boot *b = calloc(1, sizeof(*b));
	char *pos[1] = { 0 };
	int i, npos;

	if (!b)
		return error("out of memory");
	/* Flags may repeat: parse them in order, one at a time. */
	for (i = 0; i < argc; i++) {
		const char *kinds[] = { "vtl0", "shared", "vtl2" };
		bool done = false;

		for (unsigned int k = 0; k < ARRAY_SIZE(kinds) && !done; k++) {
			size_t len = strlen(kinds[k]);

			if (strncmp(argv[i], "--", 2) || strncmp(argv[i] + 2, kinds[k], len))
				continue;
			if (argv[i][2 + len] == '=') {
				layout_flag(&b->l, kinds[k], argv[i] + 3 + len);
				done = true;
			} else if (!argv[i][2 + len]) {
				if (i + 1 == argc)
					usage_error("boot: --%s needs GPA,SIZE[,OPTION...]", kinds[k]);
				layout_flag(&b->l, kinds[k], argv[++i]);
				done = true;
			}
		}
		if (done)
			continue;
		npos = parse_opts("boot", 1, &argv[i], o, pos, pos[0] ? 0 : 1);
		if (npos)
			layout_read(&b->l, pos[0]);
	}
	b->simulate_bootloader = o[4].seen;
	if (!b->l.n)
		usage_error("boot: a LAYOUT file or --vtl0/--shared/--vtl2 flags needed");
	if (o[3].seen)
		for (i = 0; i < b->l.n; i++)
			if (is_eager_vtl0(&b->l.r[i]))
				b->l.r[i].lazy = true;
	dev();
	printf("cvm-vtlmemctl boot: %s isolation, %s\n", isolation_name(),
	       simulated() ? "simulated hypervisor" : "Hyper-V");
	if (b->simulate_bootloader && !simulated())
		return error("--simulate-bootloader: the backend is the real hypervisor, whose "
			     "boot loader has done its work; refusing to play it");
	if (b->simulate_bootloader)
		printf("  --simulate-bootloader: the simulated hypervisor plays the boot loader "
		       "for 'accepted' ranges\n");
	printf("  layout%s%s\n", pos[0] ? " " : "", pos[0] ? pos[0] : " (from flags)");
	for (i = 0; i < b->l.n; i++) {
		const struct lrange *r = &b->l.r[i];
		char node[16] = "";

		if (r->node != CVM_VTLMEM_NO_NODE)
			snprintf(node, sizeof(node), "  node %d", r->node);
		printf("    %s%s%s%s%s\n", LRANGE_STR(r), node,
		       r->accepted ? "  accepted by the boot loader" : "",
		       r->lazy ? "  lazy" : "", r->struct_pages ? "  struct-pages" : "");
	}
	if (boot_check_ioctls(b))
		return EXIT_FAIL;
	read_counters(&b->start);
	if (boot_step1(b) || boot_step2(b) || boot_step3(b) || boot_step4(b))
		return EXIT_FAIL;
	boot_summary(b);
	free(b);
	return 0;
}

/* ------------------------------------------------------------------------
 * main
 */

static void usage(FILE *f)
{
	fprintf(f,
"usage: cvm-vtlmemctl [--progress=auto|bar|lines|none] COMMAND [ARGS]\n"
"\n"
"  info                            module identity, limits, accounting, ioctls\n"
"  ranges                          registered ranges and their page counts\n"
"  query GPA [LEN]                 page states and VTL rights, one line per run\n"
"  add GPA LEN [--shared-pool] [--accepted] [--lazy] [--struct-pages] [--node N]\n"
"                                  register a range of VTL0 RAM (or a shared pool)\n"
"  remove GPA                      unregister the range starting at GPA\n"
"  accept GPA LEN [--zero|--no-zero] [--grant] | --background\n"
"                                  accept pages (--grant: VTL0 gets rwxX);\n"
"                                  --background: queue a lazy range's 2 MiB\n"
"                                  units for a low-priority kernel thread\n"
"  share GPA LEN | --gpns a,b,c    make pages host-visible\n"
"  unshare GPA LEN | --gpns a,b,c  make pages private again\n"
"  protect GPA LEN --vtl N --rights rwxX|none\n"
"                                  set the rights VTL N (0 or 1) has; r read,\n"
"                                  w write, x kernel exec, X user exec\n"
"  stats                           the module's and the simulation's counters\n"
"  boot LAYOUT | --vtl0 ... [--shared ...] [--vtl2 auto] [--lazy]\n"
"       [--simulate-bootloader]\n"
"                                  the paravisor's memory start-up (below)\n"
"\n"
"Numbers are decimal or 0x hex; sizes take K, M, G, T suffixes (powers of 1024).\n"
"GPNs are page numbers (GPA / 4096). Exit status: 0 done, 1 an operation failed\n"
"(the message names the range, the failing GPA and the platform status), 2 usage.\n"
"Long steps draw a progress bar on a terminal and print plain lines otherwise.\n"
"\n"
"boot performs, through the module's ioctls:\n"
"  1. non-isolated partitions: take every lower VTL's rights on VTL2's RAM\n"
"  2. register every range; isolated partitions: grant VTL0 rwxX on what the boot\n"
"     loader accepted, accept the rest of VTL0 RAM in parallel with VTL0 rwxX\n"
"     (lazy ranges are accepted on first touch instead)\n"
"  3. isolated partitions: accept the shared pool if needed, then share it\n"
"  4. map the private and shared views of every range: sampled pages read through\n"
"     the right view and fault through the wrong one; every page's state is checked\n"
"  5. a summary: GiB accepted per page size, calls issued, time per step, VTL2\n"
"     memory spent on page state\n"
"It stops at the first failure; what was done stays done, and running boot again\n"
"continues from there. --simulate-bootloader (simulated hypervisor only) accepts\n"
"'accepted' ranges through debugfs sim/boot_accept first, as a boot loader would.\n"
"\n"
"Layout file: one range a line; '#' starts a comment.\n"
"  KIND  GPA  SIZE  [OPTION...]\n"
"  vtl0    VTL0 RAM; options: node=N, accepted (the boot loader accepted it),\n"
"          lazy (accept on first touch), struct-pages (GUP-able mappings)\n"
"  shared  the shared pool; options: node=N, accepted, struct-pages\n"
"  vtl2    VTL2's own RAM: 'vtl2 auto' (all System RAM) or 'vtl2 GPA SIZE';\n"
"          used on non-isolated partitions only\n"
"GPA and SIZE are 4 KiB aligned; ranges may not overlap.\n"
"Example:\n"
"  # kind   gpa          size   options\n"
"  vtl0     0x100000000  512M   node=0\n"
"  vtl0     0x120000000  256M   accepted\n"
"  vtl0     0x130000000  128M   lazy\n"
"  shared   0x138000000  64M    accepted\n"
"  vtl2     auto\n"
"Flags give the same lines: --vtl0 0x100000000,512M,node=0 --shared 0x138000000,64M\n"
"--vtl2 auto (repeatable; added to a LAYOUT file's lines if both are given);\n"
"--lazy makes every vtl0 range that is not 'accepted' lazy.\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "info", cmd_info }, { "ranges", cmd_ranges }, { "query", cmd_query },
		{ "add", cmd_add }, { "remove", cmd_remove }, { "accept", cmd_accept },
		{ "protect", cmd_protect }, { "stats", cmd_stats }, { "boot", cmd_boot },
	};
	unsigned int i;

	/* Output order matters when it goes to a log: no stdio buffering surprises. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (argc > 1 && !strncmp(argv[1], "--progress", 10)) {
		const char *m = argv[1][10] == '=' ? argv[1] + 11 : NULL;

		if (!m && argc > 2 && !argv[1][10]) {
			m = argv[2];
			argv++;
			argc--;
		}
		if (!m)
			usage_error("--progress=auto|bar|lines|none");
		if (!strcmp(m, "auto"))
			progress_mode = PROGRESS_AUTO;
		else if (!strcmp(m, "bar"))
			progress_mode = PROGRESS_BAR;
		else if (!strcmp(m, "lines"))
			progress_mode = PROGRESS_LINES;
		else if (!strcmp(m, "none"))
			progress_mode = PROGRESS_NONE;
		else
			usage_error("--progress: '%s' is not auto, bar, lines or none", m);
		argv++;
		argc--;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "share") || !strcmp(argv[1], "unshare"))
		return cmd_visibility(argv[1][0] == 's', argc - 2, argv + 2);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	usage_error("unknown command '%s'", argv[1]);
}
