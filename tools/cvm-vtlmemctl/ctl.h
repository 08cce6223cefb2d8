/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cvm-vtlmemctl's internals shared by its files: messages and numbers
 * (util.c), the device (device.c), long operations and their progress
 * (jobs.c), the operations the commands and boot share (ops.c), the
 * counters (stats.c) and layouts (layout.c). The commands themselves are
 * declared in subcommands.h.
 *
 * Exit status: 0 success, 1 an operation failed (the message names the
 * range, the page and the platform's status), 2 a usage error.
 */
#ifndef CVM_VTLMEMCTL_H
#define CVM_VTLMEMCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/cvm_vtlmem.h>

#include "cvm_user.h"

#define DEV		CVM_DEV
#define DEBUGFS		CVM_DEBUGFS
#define STATS_FILE	DEBUGFS "/stats"
#define COUNTERS_FILE	DEBUGFS "/sim/counters"
#define BOOT_ACCEPT	DEBUGFS "/sim/boot_accept"

#define KIB		1024ULL
#define MIB		(KIB * KIB)
#define GIB		(MIB * KIB)
#define TIB		(GIB * KIB)

#define EXIT_FAIL	1
#define EXIT_USAGE	2

typedef unsigned long long u64;

/* util.c: messages and numbers, options */

void usage(FILE *f);
void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...);
/* Print an error; returns EXIT_FAIL so that callers can "return error(...)". */
int __attribute__((format(printf, 1, 2))) error(const char *fmt, ...);
int parse_u64(const char *s, u64 *out);
u64 arg_u64(const char *what, const char *s);
int parse_node(const char *s);
const char *fmt_size(char *buf, size_t len, u64 bytes);
/* Several sizes in one printf: each call site gets its own buffer. */
#define SIZE_STR(b)	fmt_size((char[32]){ 0 }, 32, (b))

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

int parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, char **pos,
	       int max_pos);

/* device.c: the device */

extern struct cvm_vtlmem_info dev_info;

int dev(void);
int xioctl(unsigned long cmd, void *arg);
const char *isolation_name(void);
bool isolated(void);
bool simulated(void);

struct ioctl_entry {
	unsigned long cmd;
	const char *name;
};

extern const struct ioctl_entry ioctl_table[];
extern const unsigned int ioctl_table_len;

bool have_ioctl(unsigned long cmd);
const char *ioctl_name(unsigned long cmd);
const char *ioctl_err(int err);
int list_ranges(struct cvm_vtlmem_range_info **out);
u64 range_gpa_of(u64 gpa);

/* jobs.c: long operations, run on threads while progress shows */

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_NONE };
extern enum progress_mode progress_mode;

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

double run_jobs(struct job_set *set, const char *label);
int run_one(unsigned long cmd, void *arg, const char *label, enum progress_kind kind,
	    u64 range_gpa, u64 total, double *secs);

/* ops.c: platform statuses and the operations commands and boot share */

enum op_kind { OP_ACCEPT, OP_PROTECT, OP_VISIBILITY };

const char *status_str(char *buf, size_t len, u64 s, enum op_kind op);
#define STATUS_STR(s, op)	status_str((char[96]){ 0 }, 96, (s), (op))

extern const char *const page_state_names[];
const char *rights_str(char *buf, unsigned int r);
int query_pages(u64 gpa, u64 npages, __u16 *states);
u64 pages_in(u64 gpa, u64 npages, unsigned int state);
u64 pages_not_in(u64 gpa, u64 npages, unsigned int state);
int accept_error(const struct cvm_vtlmem_accept *a, int err, const char *what);
int do_accept(u64 gpa, u64 len, __u32 flags, const char *what, double *secs, u64 *accepted);
int do_visibility(bool shared, u64 gpa, u64 len, const u64 *gpns, unsigned int count,
		  const char *what, double *secs, u64 *processed);
int do_protect(u64 gpa, u64 len, unsigned int vtl, unsigned int rights, const char *what,
	       double *secs);
int do_protect_vtl2(u64 gpa, u64 len, double *secs, u64 *done);
int do_add(u64 gpa, u64 len, __u32 kind, __u32 flags, int node, const char *what);

/*
 * stats.c: debugfs stats ("key value") and sim/counters ("name calls=N
 * reps=N failures=N mismatches=N"), read whole so that boot can show what
 * each step cost.
 */

#define MAX_KV	96

struct counters {
	bool have_stats, have_sim;
	struct cvm_kv stats[MAX_KV];
	int nstats;
	struct cvm_kv sim[MAX_KV];
	int nsim;
};

void read_counters(struct counters *c);
bool is_cpu_row(const char *name);
u64 calls_between(const struct counters *a, const struct counters *b);
bool have_counters(const struct counters *c);

/* layout.c: what boot sets up */

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

extern const char *const lkind_names[];

void layout_read(struct layout *l, const char *path);
void layout_flag(struct layout *l, const char *kind, const char *val);

#endif /* CVM_VTLMEMCTL_H */
