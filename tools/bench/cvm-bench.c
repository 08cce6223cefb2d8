// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-bench: what "fast" means for cvm_vtlmem (Documentation/design-brief.md section 8),
 * measured side by side in one run on the simulated hypervisor's cost model
 * and printed as ratios. Not a test: no number passes or fails.
 *
 *   cvm-bench [call_ns=N] [page_4k_ns=N] [page_2m_ns=N] [page_1g_ns=N]
 *             [base=GPA] [size=BYTES] [reps=N]
 *
 * Needs the module loaded with backend=sim and debugfs mounted. Every
 * measurement starts from a clean slate (no range, simulation reset); each
 * time is the best of reps runs, interleaved, so that a noisy host hurts
 * every variant alike.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cvm_user.h"

#define DEBUGFS		CVM_DEBUGFS "/"
#define PARAMS		CVM_PARAMS
#define COUNTERS	DEBUGFS "sim/counters"
#define STATS		DEBUGFS "stats"
#define NCOST		4
/*
 * Pages a HvCallAcceptGpaPages carries, as OpenHCL sends (the module's
 * HV_ACCEPT_REP_MAX, which GET_INFO reports as max_reps_per_call).
 */
#define ACCEPT_REPS	509ULL

/* Arguments: the cost model (ns busy-waited per call and per page), the span. */
static const char *const keys[] = {
	"call_ns", "page_4k_ns", "page_2m_ns", "page_1g_ns", "base", "size", "reps"
};

static uint64_t cost[NCOST] = { 2000, 200, 20000, 1000000 };
static uint64_t base = 0x100000000ULL, size = SZ_1G, reps = 5;
static uint64_t *const vals[] = { &cost[0], &cost[1], &cost[2], &cost[3], &base, &size, &reps };

/* sim/counters rows by what they do. */
static const char *const accept_ops[] = {
	"hv_accept", "pvalidate_2m", "pvalidate_4k",
	"tdx_accept_1g", "tdx_accept_2m", "tdx_accept_4k", NULL
};

static const char *const rights_ops[] = { "hv_protect", "rmpadjust", "tdx_attr_wr", NULL };

static int dev;
static struct cvm_vtlmem_info info;
static char note[512];		/* printed under the next row */
static bool tdx_1g;		/* TDX: the simulated TDX module accepts 1 GiB */
static long long refused_1g;	/* TDX: 1 GiB accepts refused so far this run */
static double accepted_gib;	/* GiB accepted (or accepted, then shared) so far */

static void die(const char *what)
{
	fprintf(stderr, "cvm-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	return cvm_now() * 1e3;
}

/* die() with what an -errno return says. */
static void check(int ret, const char *what)
{
	if (ret < 0) {
		errno = -ret;
		die(what);
	}
}

static void put(const char *path, const char *text)
{
	check(cvm_write_file(path, text), path);
}

/* A debugfs bool: Y or N. */
static bool read_bool(const char *path)
{
	FILE *f = fopen(path, "r");
	int c;

	if (!f)
		die(path);
	c = fgetc(f);
	fclose(f);
	return c == 'Y';
}

/* Read a module parameter and, unless @val is negative, set it. */
static long param(const char *name, long val)
{
	char path[128], text[32];
	long old = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &old) != 1)
		die(path);
	fclose(f);
	snprintf(text, sizeof(text), "%ld", val);
	if (val >= 0)
		put(path, text);
	return old;
}

/*
 * Sum of the "name value" or "name calls=value" lines of @path whose name
 * is in @names (NULL: all but cpuN), or starts with names[0] if @prefix;
 * each adds "name=value" (less the prefix) to note[].
 */
static long long sum(const char *path, const char *const *names, bool prefix)
{
	size_t len = prefix ? strlen(names[0]) : 0;
	struct cvm_kv kv[128];
	const char *const *n;
	long long v, total = 0;
	int nkv = cvm_read_kv(path, kv, ARRAY_SIZE(kv)), i;

	check(nkv, path);
	for (i = 0; i < nkv; i++) {
		const char *name = kv[i].name;

		v = kv[i].v[0];
		for (n = names; n && *n && strncmp(*n, name, prefix ? len : sizeof(kv[i].name)); n++)
			;
		if (!v || (names ? !*n : !strncmp(name, "cpu", 3)))
			continue;
		total += v;
		snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s=%lld ",
			 name + len, v);
	}
	return total;
}

static void get_info(void)
{
	check(cvm_get_info(dev, &info), "GET_INFO");
}

/* The failures of sim/counters row @op. */
static long long failures(const char *op)
{
	struct cvm_kv kv[128];
	int n = cvm_read_kv(COUNTERS, kv, ARRAY_SIZE(kv));

	check(n, COUNTERS);
	return cvm_kv_get(kv, n, op, 2);
}

/*
 * Remove every range, zero the statistics, reset the simulation; the
 * 1 GiB accepts refused since the last reset are added to refused_1g.
 */
static void clean_slate(void)
{
	struct cvm_vtlmem_range_info ri[64];
	int n = cvm_list(dev, ri, ARRAY_SIZE(ri)), i;

	check(n, "LIST_RANGES");
	for (i = 0; i < n && i < (int)ARRAY_SIZE(ri); i++)
		accepted_gib += (ri[i].accepted_pages + ri[i].shared_pages) *
				(double)SZ_4K / SZ_1G;
	refused_1g += failures("tdx_accept_1g");
	check(cvm_clean_slate(dev), "clean slate");
}

/* Register the span as private RAM; @clean first starts from a clean slate. */
static void add_range(uint32_t flags, bool clean)
{
	if (clean)
		clean_slate();
	check(cvm_add_range(dev, base, size, CVM_VTLMEM_RANGE_PRIVATE, flags), "ADD_RANGE");
}

static void accept(uint64_t gpa, uint64_t len)
{
	struct cvm_vtlmem_accept a;
	int ret = cvm_accept(dev, gpa, len, CVM_VTLMEM_ACCEPT_GRANT_VTL0, &a);

	if (ret) {
		fprintf(stderr, "cvm-bench: ACCEPT failed at %#llx, status %#llx\n",
			(unsigned long long)a.fail_gpa, (unsigned long long)a.fail_status);
		check(ret, "ACCEPT");
	}
}

/* Map the private view and write a byte every @step bytes from @from. */
static void touch(uint64_t from, uint64_t step)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, base);

	if (p == MAP_FAILED)
		die("mmap");
	for (; from < size; from += step)
		p[from] = 1;
	munmap(p, size);	/* the stores cannot move past it */
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Fewest naturally aligned pages of at most @max bytes covering the span. */
static uint64_t min_large(uint64_t max)
{
	uint64_t gpa = base, left = size, n = 0, sz;

	for (; left; gpa += sz, left -= sz, n++)
		for (sz = max; sz > SZ_4K && (gpa % sz || left < sz);)
			sz = sz == SZ_1G ? SZ_2M : SZ_4K;
	return n;
}

/*
 * The largest page TDG.MEM.PAGE.ACCEPT takes in practice: current TDX
 * modules (and the simulator unless sim/tdx_accept_1g says Y) refuse 1 GiB,
 * so the minimum is counted at 2 MiB; the refused 1 GiB attempt is measured
 * once per load (tdx_1g_row()).
 */
static uint64_t tdx_page(void)
{
	return tdx_1g ? SZ_1G : SZ_2M;
}

/*
 * The ABI minimum of an ACCEPT of the span: HvCallAcceptGpaPages of 509
 * pages on VBS, PVALIDATE at 2M on SNP, TDG.MEM.PAGE.ACCEPT at the largest
 * size accepted on TDX, nothing without isolation.
 */
static uint64_t min_accept(void)
{
	switch (info.isolation) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return min_large(SZ_2M);
	case CVM_VTLMEM_ISOLATION_TDX:
		return min_large(tdx_page());
	case CVM_VTLMEM_ISOLATION_VBS:
		return div_up(size / SZ_4K, ACCEPT_REPS);
	}
	return 0;
}

/*
 * VTL0's rights given with ACCEPT's GRANT_VTL0: RMPADJUST (VMPL2) at 2M on
 * SNP, ATTR.WR at the accept's size on TDX; the accept itself on VBS, and
 * all rights are the default without isolation.
 */
static uint64_t min_grant(void)
{
	switch (info.isolation) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return min_large(SZ_2M);
	case CVM_VTLMEM_ISOLATION_TDX:
		return min_large(tdx_page());
	}
	return 0;
}

/*
 * PROTECT of VTL0 to other rights than it holds: as the grant on SNP and
 * TDX; elsewhere one HvCallModifyVtlProtectionMask per 510 GPNs (VTL2's
 * own mask, which binds VTL0 and VTL1 together).
 */
static uint64_t min_protect(void)
{
	switch (info.isolation) {
	case CVM_VTLMEM_ISOLATION_SNP:
	case CVM_VTLMEM_ISOLATION_TDX:
		return min_grant();
	}
	return div_up(size / SZ_4K, info.max_gpns_per_call);
}

/*
 * Private to shared, in the module's order: on SNP take the rights of each
 * lower VTL that holds any (VTL0 here; ACCEPT gives VTL1 none), then give
 * up acceptance (PVALIDATE at 2M); VBS zeroes and TDX gives nothing up
 * first. Then one visibility list call per 510 GPNs.
 */
static uint64_t min_visibility(void)
{
	uint64_t lists = div_up(size / SZ_4K, info.max_gpns_per_call);

	if (info.isolation == CVM_VTLMEM_ISOLATION_SNP)
		return min_large(SZ_2M) + min_large(SZ_2M) + lists;
	return lists;
}

static void row(const char *id, const char *what, const char *measured,
		const char *reference, double ratio)
{
	size_t len = strlen(note);
	char r[32] = "-";

	if (len && note[len - 1] == ' ')
		note[len - 1] = 0;
	if (ratio >= 0)
		snprintf(r, sizeof(r), ratio < 10 ? "%.2f" : "%.0f", ratio);
	printf("%-2s %-38s %-18s %-25s %6s\n", id, what, measured, reference, r);
	if (note[0])
		printf("     %s\n", note);
	note[0] = 0;
}

static void row_calls(const char *what, long long calls, uint64_t min)
{
	char m[32], ref[32];
	double per_gib = (double)SZ_1G / size;

	snprintf(m, sizeof(m), "%.0f", calls * per_gib);
	snprintf(ref, sizeof(ref), "%.0f (ABI minimum)", min * per_gib);
	/* Calls where none are needed: infinitely many times too many. */
	row("1", what, m, ref, min ? (double)calls / min : calls ? INFINITY : 1);
}

/* Speedup of @t over @ref (ms). */
static void row_times(const char *id, const char *what, double t, double ref,
		      const char *ref_what)
{
	char m[32], r[32];

	snprintf(m, sizeof(m), t < 10 ? "%.2f ms" : "%.0f ms", t);
	snprintf(r, sizeof(r), ref < 10 ? "%.2f ms %s" : "%.0f ms %s", ref, ref_what);
	row(id, what, m, r, ref / t);
}

/* PROTECT or SET_VISIBILITY of the whole span, where the module has it. */
static void row_other(const char *what, unsigned long cmd, void *arg,
		      const __u64 *status, uint64_t min)
{
	int ret;

	put(COUNTERS, "0");
	ret = cvm_ioctl(dev, cmd, arg);
	if (!ret) {
		row_calls(what, sum(COUNTERS, NULL, false), min);
		return;
	}
	if (*status)
		snprintf(note, sizeof(note), "status %#llx", (unsigned long long)*status);
	row("1", what, strerror(-ret), "", -1);
}

/*
 * TDX: 1 GiB accepts refused in this run (every ACCEPT and lazy fault of
 * every measurement, @size each) against one per module load; none where
 * the simulated TDX module takes 1 GiB pages.
 */
static void tdx_1g_row(void)
{
	char m[32], ref[32];

	clean_slate();		/* adds the last measurement's refusals */
	snprintf(m, sizeof(m), "%lld", refused_1g);
	snprintf(ref, sizeof(ref), "%d (once per load)", !tdx_1g);
	snprintf(note, sizeof(note), "%.0f GiB accepted this run; sim/tdx_accept_1g=%c",
		 accepted_gib, tdx_1g ? 'Y' : 'N');
	row("1", "accept: 1G refused, per load", m, ref,
	    tdx_1g ? (refused_1g ? INFINITY : 1) : (double)refused_1g);
}

static double min_of(double a, double b)
{
	return a < b ? a : b;
}

/* ACCEPT of the whole span with at most @inflight chunks (0: default). */
static double run_accept(long inflight)
{
	double t;
	long old;

	add_range(0, true);
	old = param("max_inflight", inflight);
	t = now_ms();
	accept(base, size);
	t = now_ms() - t;
	param("max_inflight", old);
	return t;
}

/* What paravisors do today: one ACCEPT ioctl per @unit bytes, in order. */
static double run_units(uint64_t unit)
{
	uint64_t off;
	double t;

	add_range(0, true);
	t = now_ms();
	for (off = 0; off < size; off += unit)
		accept(base + off, size - off < unit ? size - off : unit);
	return now_ms() - t;
}

/* Register, accept unless @lazy, map, write a byte; then one per 2M. */
static void run_first(bool lazy, double *first, double *units)
{
	double t0;

	clean_slate();
	t0 = now_ms();
	add_range(lazy ? CVM_VTLMEM_RANGE_LAZY : 0, false);
	if (!lazy)
		accept(base, size);
	touch(0, size);
	*first = min_of(*first, now_ms() - t0);
	touch(SZ_2M, SZ_2M);
	*units = min_of(*units, now_ms() - t0);
}

/* Accepted pages of the range at @base, from LIST_RANGES. */
static uint64_t accepted_pages(void)
{
	struct cvm_vtlmem_range_info ri[64];
	int n = cvm_list(dev, ri, ARRAY_SIZE(ri)), i;

	check(n, "LIST_RANGES");
	for (i = 0; i < n && i < (int)ARRAY_SIZE(ri); i++)
		if (ri[i].gpa == base)
			return ri[i].accepted_pages;
	return 0;
}

/*
 * Lazy with background acceptance: register, queue every unit, write the
 * first byte (served by a fault while the worker runs), then wait until
 * the worker has accepted everything.
 */
static void run_background(double *first, double *all)
{
	double t0;

	clean_slate();
	t0 = now_ms();
	add_range(CVM_VTLMEM_RANGE_LAZY, false);
	check(cvm_accept(dev, base, size, CVM_VTLMEM_ACCEPT_BACKGROUND, NULL),
	      "ACCEPT BACKGROUND");
	touch(0, size);
	*first = min_of(*first, now_ms() - t0);
	while (accepted_pages() < size / SZ_4K)
		usleep(1000);
	*all = min_of(*all, now_ms() - t0);
}

/* The VM's own ceiling: 256 MiB cleared in each of @n processes at once. */
static double run_memset(unsigned int n)
{
	double t = now_ms();
	unsigned int i, k;
	uint64_t *buf;
	size_t j;

	for (i = 0; i < n; i++) {
		if (fork())
			continue;
		buf = malloc(SZ_2M * 8);
		for (k = 0; buf && k < 16; k++) {
			for (j = 0; j < SZ_2M; j++)
				buf[j] = k;
			asm volatile("" : : "r"(buf) : "memory");
		}
		_exit(!buf);
	}
	while (wait(NULL) > 0)
		;
	return now_ms() - t;
}

int main(int argc, char **argv)
{
	static const char *const iso[] = { "no", "VBS", "SNP", "TDX" };
	double t_one = 1e12, t_all = 1e12, t_units = 1e12, t_mem1 = 1e12, t_memn = 1e12;
	double e_first = 1e12, e_units = 1e12, l_first = 1e12, l_units = 1e12, f;
	double b_first = 1e12, b_all = 1e12;
	struct cvm_vtlmem_protect pr = { .size = sizeof(pr), .rights = CVM_VTLMEM_RIGHT_READ };
	struct cvm_vtlmem_visibility vis = {
		.size = sizeof(vis), .visibility = CVM_VTLMEM_VISIBILITY_SHARED,
	};
	unsigned int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, k;
	char a[64], b[64], chunks[sizeof(note)];
	long long f4k, f2m, saved[NCOST];
	uint64_t unit;

	for (i = 1; i < (unsigned int)argc; i++)
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strncmp(argv[i], keys[k], strlen(keys[k])) &&
			    argv[i][strlen(keys[k])] == '=')
				*vals[k] = strtoull(argv[i] + strlen(keys[k]) + 1, NULL, 0);
	dev = cvm_open();
	check(dev, CVM_DEV);
	get_info();
	if (info.backend != CVM_VTLMEM_BACKEND_SIM) {
		fprintf(stderr, "cvm-bench: needs the simulated hypervisor (backend=sim)\n");
		return 1;
	}
	tdx_1g = read_bool(DEBUGFS "sim/tdx_accept_1g");
	printf("cvm-bench: %s isolation, %u CPUs, %llu MiB at %#llx, best of %llu\ncost model:",
	       iso[info.isolation & 3], cpus, (unsigned long long)size >> 20,
	       (unsigned long long)base, (unsigned long long)reps);
	for (k = 0; k < NCOST; k++) {
		snprintf(a, sizeof(a), "sim_%s", keys[k]);
		saved[k] = param(a, cost[k]);
		printf(" %s=%llu", a, (unsigned long long)cost[k]);
	}
	printf("\n\n%-2s %-38s %-18s %-25s %6s\n", "#", "measurement", "measured",
	       "reference", "ratio");

	/* Counts: one eager ACCEPT on every CPU, a byte in every page, the rest. */
	run_accept(0);			/* warm-up: the host faults guest RAM in */
	add_range(0, true);
	accept(base, size);
	row_calls("accept: calls per GiB", sum(COUNTERS, accept_ops, false), min_accept());
	row_calls("accept: VTL0 rights calls per GiB", sum(COUNTERS, rights_ops, false),
		  min_grant());
	snprintf(note, sizeof(note), "chunks by CPU: ");
	sum(STATS, (const char *[]){ "chunks_", NULL }, true);
	memcpy(chunks, note, sizeof(note));
	note[0] = 0;
	touch(0, SZ_4K);
	f4k = sum(STATS, (const char *[]){ "faults_4k", NULL }, false);
	f2m = sum(STATS, (const char *[]){ "faults_2m", NULL }, false);
	note[0] = 0;
	get_info();
	pr.gpa = base;
	vis.gpa = base;
	pr.length = size;
	vis.length = size;
	row_other("protect: VTL0 rights calls per GiB", CVM_VTLMEM_IOC_PROTECT, &pr,
		  &pr.fail_status, min_protect());
	row_other("protect: same rights again, per GiB", CVM_VTLMEM_IOC_PROTECT, &pr,
		  &pr.fail_status, 0);
	row_other("visibility: shared, calls per GiB", CVM_VTLMEM_IOC_SET_VISIBILITY, &vis,
		  &vis.fail_status, min_visibility());

	/* Times. */
	unit = info.isolation == CVM_VTLMEM_ISOLATION_VBS ? ACCEPT_REPS * SZ_4K : SZ_2M;
	for (i = 0; i < reps; i++) {
		t_one = min_of(t_one, run_accept(1));
		t_all = min_of(t_all, run_accept(0));
		t_units = min_of(t_units, run_units(unit));
		run_first(false, &e_first, &e_units);
		run_first(true, &l_first, &l_units);
		if (info.isolation != CVM_VTLMEM_ISOLATION_NONE)
			run_background(&b_first, &b_all);
		t_mem1 = min_of(t_mem1, run_memset(1));
		t_memn = min_of(t_memn, run_memset(cpus));
	}
	if (info.isolation == CVM_VTLMEM_ISOLATION_TDX)
		tdx_1g_row();
	memcpy(note, chunks, sizeof(note));
	row_times("2", "accept: all CPUs vs 1 worker", t_all, t_one, "1 worker");
	snprintf(note, sizeof(note), "256 MiB cleared in each of %u processes vs in 1", cpus);
	snprintf(a, sizeof(a), "%.0f ms", t_memn);
	snprintf(b, sizeof(b), "%.0f ms 1 CPU", t_mem1);
	row("2", "VM ceiling: memset, all CPUs vs 1", a, b, cpus * t_mem1 / t_memn);
	snprintf(note, sizeof(note), "%llu ioctls of %llu KiB, serially",
		 (unsigned long long)div_up(size, unit), (unsigned long long)unit >> 10);
	row_times("3", "accept: batched vs 1 ioctl per unit", t_all, t_units, "per unit");
	row_times("3", "accept: batched, 1 worker vs per unit", t_one, t_units, "per unit");
	row_times("4", "first byte usable: lazy vs eager", l_first, e_first, "eager");
	row_times("4", "a byte in every 2M: lazy vs eager", l_units, e_units, "eager");
	if (info.isolation != CVM_VTLMEM_ISOLATION_NONE) {
		row_times("4", "first byte: lazy+background vs eager", b_first, e_first, "eager");
		snprintf(note, sizeof(note), "one nice-19 thread, a 2 MiB unit at a time");
		row_times("4", "all accepted: background vs eager", b_all, e_first, "eager");
	}

	f = (f2m + f4k) * (double)SZ_1G / size;
	snprintf(note, sizeof(note), "faults_2m=%lld faults_4k=%lld; 4K mappings: 262144",
		 f2m, f4k);
	snprintf(a, sizeof(a), "%.0f", f);
	row("5", "faults per GiB touched (private view)", a, "512 (a PMD per 2M)", f / 512);
	f = info.state_bytes * (1024.0 * SZ_1G / info.registered_bytes);
	snprintf(note, sizeof(note), "state_bytes=%llu for %llu MiB",
		 (unsigned long long)info.state_bytes,
		 (unsigned long long)info.registered_bytes >> 20);
	snprintf(a, sizeof(a), "%.1f MiB", f / (1 << 20));
	row("6", "VTL2 memory per TiB registered", a, "16384 MiB (struct page)",
	    f / (16.0 * SZ_1G));

	printf("\nratio: 1 measured/minimum (1 is best; inf: calls where none are needed);\n"
	       "2-4 reference/measured, a speedup"
	       " (higher is better); 5 measured/512 (1 is best); 6 measured/struct page\n");
	clean_slate();
	for (k = 0; k < NCOST; k++) {
		snprintf(a, sizeof(a), "sim_%s", keys[k]);
		param(a, saved[k]);
	}
	return 0;
}
