// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl boot: the paravisor's memory start-up, step by step, on a
 * layout (layout.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctl.h"
#include "subcommands.h"

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
	b->t0[step] = cvm_now();
}

static void step_end(struct boot *b)
{
	struct counters c;

	read_counters(&c);
	b->secs[b->step] = cvm_now() - b->t0[b->step] - b->excluded[b->step];
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
	int open_failed, err;

	snprintf(cmd, sizeof(cmd), "%#llx %#llx", r->gpa, r->len);
	err = cvm_write_file_at(BOOT_ACCEPT, cmd, &open_failed);
	if (err && open_failed)
		return error("simulated boot loader: open %s: %s", BOOT_ACCEPT, strerror(-err));
	if (err)
		return error("simulated boot loader: %s on %s: %s", cmd, BOOT_ACCEPT,
			     strerror(-err));
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
			double t = cvm_now();

			if (write_boot_accept(r))
				return EXIT_FAIL;
			t = cvm_now() - t;
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
 * SIGBUS. 0 if the byte at @p reads, 1 if it raised SIGBUS there, -1 if
 * elsewhere.
 */
static int touch(volatile uint8_t *p)
{
	uint8_t v;
	int ret = cvm_access(p, 0, &v);

	return !ret ? 0 : ret == -EFAULT ? 1 : -1;
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
	int i, ret = 0;

	step_begin(b, 4);
	for (i = 0; i < b->l.n && !ret; i++)
		if (b->l.r[i].kind != L_VTL2)
			ret = verify_range(b, &b->l.r[i]);
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
	cvm_get_info(dev(), &dev_info);
	if (!isolated()) {
		printf("  accepted          nothing: a non-isolated partition has nothing to "
		       "accept\n");
	} else if (end.have_stats) {
		a4 = cvm_kv_get(end.stats, end.nstats, "accept_pages_4k", 0) -
		     cvm_kv_get(b->start.stats, b->start.nstats, "accept_pages_4k", 0);
		a2 = cvm_kv_get(end.stats, end.nstats, "accept_pages_2m", 0) -
		     cvm_kv_get(b->start.stats, b->start.nstats, "accept_pages_2m", 0);
		a1 = cvm_kv_get(end.stats, end.nstats, "accept_pages_1g", 0) -
		     cvm_kv_get(b->start.stats, b->start.nstats, "accept_pages_1g", 0);
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
				cvm_kv_get(b->start.sim, b->start.nsim, end.sim[i].name, 0);

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

int boot_main(int argc, char **argv)
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
