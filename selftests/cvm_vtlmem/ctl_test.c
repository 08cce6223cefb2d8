// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl, run as the administrator runs it (fork + exec of
 * /bin/cvm-vtlmemctl, or $CVM_CTL): "boot" end to end checked page for
 * page against QUERY and the simulated hypervisor's state, a second boot
 * that has nothing left to do, the exit status and message of a boot that
 * meets an injected failure, usage errors, and the single-operation
 * commands.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

#define COUNTERS	CVM_DEBUGFS "/sim/counters"
#define LAYOUT		"/tmp/ctl_test.layout"
#define M(x)		((uint64_t)(x) << 20)
#define NPAGES(len)	((len) / SZ_4K)

static const char *ctl_path(void)
{
	const char *p = getenv("CVM_CTL");

	return p ? p : "/bin/cvm-vtlmemctl";
}

static bool isolated(void)
{
	return cvm_expected_isolation() != CVM_VTLMEM_ISOLATION_NONE;
}

/* What one run of the tool did. */
struct run {
	int status;		/* exit status, or -1 if it died of a signal */
	char out[1 << 16];
	char err[1 << 14];
};

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/*
 * Run the tool with @argv (NULL-terminated, without the program name),
 * output captured. Returns its exit status, -1 if it was killed.
 */
static int ctl(struct run *r, const char *const *argv)
{
	char out_name[] = "/tmp/ctl_out.XXXXXX", err_name[] = "/tmp/ctl_err.XXXXXX";
	const char *args[32] = { ctl_path(), "--progress=none" };
	int out = mkstemp(out_name), err = mkstemp(err_name), i, st;
	pid_t pid;

	for (i = 0; argv[i] && i < 29; i++)
		args[i + 2] = argv[i];
	unlink(out_name);
	unlink(err_name);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	return r->status;
}

#define CTL(r, ...)	ctl((r), (const char *const[]){ __VA_ARGS__, NULL })

/* Show what the tool said, as TAP comments, when a check fails. */
static void show(const struct run *r)
{
	const char *p;

	fprintf(stderr, "# cvm-vtlmemctl exit status %d; stdout:\n", r->status);
	for (p = r->out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		fprintf(stderr, "#   %.*s\n", (int)strcspn(p, "\n"), p);
	fprintf(stderr, "# stderr:\n");
	for (p = r->err; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		fprintf(stderr, "#   %.*s\n", (int)strcspn(p, "\n"), p);
}

/* The ioctls boot needs: a probe below every first struct version. */
static bool have_ioctl(int fd, unsigned long cmd)
{
	uint32_t probe[16] = { 1 };

	return !(ioctl(fd, cmd, probe) && errno == ENOTTY);
}

static const char *missing_for_boot(int fd)
{
	if (!have_ioctl(fd, CVM_VTLMEM_IOC_PROTECT))
		return "PROTECT";
	if (!have_ioctl(fd, CVM_VTLMEM_IOC_PROTECT_VTL2))
		return "PROTECT_VTL2";
	if (!have_ioctl(fd, CVM_VTLMEM_IOC_SET_VISIBILITY))
		return "SET_VISIBILITY";
	return NULL;
}

/* Total calls the simulated hypervisor saw ("name calls=N ..." rows). */
static long long sim_calls(const char *only)
{
	char line[256], name[64];
	long long calls, sum = 0;
	FILE *f = fopen(COUNTERS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s calls=%lld", name, &calls) == 2 &&
		    strncmp(name, "cpu", 3) && (!only || !strcmp(name, only)))
			sum += calls;
	fclose(f);
	return sum;
}

static int write_layout(const char *text)
{
	FILE *f = fopen(LAYOUT, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

/* What a range of the layout should look like after boot. */
enum expect { EX_PRIVATE, EX_LAZY, EX_SHARED };

/*
 * Every page of [@gpa, +@len) as boot must leave it, in the module's
 * records (QUERY) and in the simulated hypervisor, which must agree.
 * Returns the number of wrong pages (the first few are printed); *@priv
 * gets the pages that are private.
 */
static int check_span(int fd, uint64_t gpa, uint64_t len, enum expect ex, uint64_t *priv)
{
	uint64_t n = NPAGES(len), i;
	uint16_t *q = calloc(n, 2), *s = calloc(n, 2);
	int bad = 0;

	*priv = 0;
	if (!q || !s || cvm_query(fd, gpa, n, q) || cvm_sim_state(gpa, n, s)) {
		free(q);
		free(s);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned int st = q[i] & CVM_VTLMEM_PAGE_STATE_MASK;
		unsigned int qv0 = (q[i] >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF;
		bool ok, is_priv = st == CVM_VTLMEM_PAGE_PRIVATE;

		*priv += is_priv;
		if (is_priv || (ex != EX_SHARED && !isolated()))
			/* Private: accepted, not host-visible, VTL0 rwxX, both views. */
			ok = is_priv && qv0 == CVM_VTLMEM_RIGHTS_ALL &&
			     (s[i] & SIM_PAGE_ACCEPTED) && SIM_PAGE_VIS(s[i]) == 0 &&
			     SIM_PAGE_VTL0(s[i]) == CVM_VTLMEM_RIGHTS_ALL;
		else if (ex == EX_SHARED)
			/* VBS shares a page still accepted, with its rights. */
			ok = st == CVM_VTLMEM_PAGE_SHARED && SIM_PAGE_VIS(s[i]) == 3 &&
			     qv0 == SIM_PAGE_VTL0(s[i]) &&
			     (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS || !qv0);
		else
			/* A lazy page nobody touched: unaccepted on both sides. */
			ok = ex == EX_LAZY && st == CVM_VTLMEM_PAGE_UNACCEPTED &&
			     !(s[i] & SIM_PAGE_ACCEPTED);
		if (!ok && bad++ < 4)
			fprintf(stderr, "# page %#llx: QUERY %#x, simulated %#x\n",
				(unsigned long long)(gpa + i * SZ_4K), q[i], s[i]);
	}
	free(q);
	free(s);
	return bad;
}

FIXTURE(ctl) {
	int fd;
	uint64_t base;
	char layout[1024];
};

FIXTURE_SETUP(ctl)
{
	uint64_t b;

	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cvm_clean_slate(self->fd));
	ASSERT_EQ(0, access(ctl_path(), X_OK));
	b = self->base = cvm_vtl0_base();
	/* Every kind of range, inside the rig's VTL0 RAM. */
	snprintf(self->layout, sizeof(self->layout),
		 "# kind  gpa    size  options\n"
		 "vtl0    %#llx  64M   node=0\n"
		 "vtl0    %#llx  32M   accepted   # the boot loader accepted it\n"
		 "vtl0    %#llx  32M   lazy\n"
		 "shared  %#llx  16M   accepted\n"
		 "vtl2    auto\n",
		 (unsigned long long)b, (unsigned long long)(b + M(64)),
		 (unsigned long long)(b + M(96)), (unsigned long long)(b + M(128)));
}

FIXTURE_TEARDOWN(ctl)
{
	cvm_sim_inject("clear");
	cvm_clean_slate(self->fd);
	close(self->fd);
	unlink(LAYOUT);
}

/* The layout of FIXTURE_SETUP, page for page. */
static void check_layout(struct __test_metadata *_metadata, int fd, uint64_t b)
{
	uint64_t priv;

	ASSERT_EQ(0, check_span(fd, b, M(64), EX_PRIVATE, &priv));
	EXPECT_EQ(NPAGES(M(64)), priv);
	ASSERT_EQ(0, check_span(fd, b + M(64), M(32), EX_PRIVATE, &priv));
	EXPECT_EQ(NPAGES(M(32)), priv);
	/* Lazy: boot's check touched the first page, which accepted its 2 MiB. */
	ASSERT_EQ(0, check_span(fd, b + M(96), M(32), EX_LAZY, &priv));
	EXPECT_EQ(isolated() ? NPAGES(SZ_2M) : NPAGES(M(32)), priv);
	if (isolated())
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(fd, b + M(96) + SZ_2M - SZ_4K));
	/* The pool: shared where there is host visibility, else plain memory. */
	ASSERT_EQ(0, check_span(fd, b + M(128), M(16), isolated() ? EX_SHARED : EX_PRIVATE,
				&priv));
	EXPECT_EQ(isolated() ? 0 : NPAGES(M(16)), priv);
}

/* Whole pages of this kernel's "System RAM" resources (/proc/iomem). */
static long long system_ram_pages(void)
{
	char line[256];
	unsigned long long start, end, first, last;
	FILE *f = fopen("/proc/iomem", "r");
	long long pages = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' || !strstr(line, ": System RAM") ||
		    sscanf(line, "%llx-%llx", &start, &end) != 2)
			continue;
		first = (start + SZ_4K - 1) / SZ_4K;
		last = (end + 1) / SZ_4K;
		pages += last > first ? last - first : 0;
	}
	fclose(f);
	return pages;
}

/* N from boot's "... (N pages) now unreachable from VTL0 and VTL1" line. */
static long long protected_pages(const char *out)
{
	const char *p = strstr(out, " pages) now unreachable from VTL0 and VTL1");

	while (p && p > out && p[-1] != '(')
		p--;
	return p && p > out ? strtoll(p, NULL, 10) : -1;
}

/* A status the platform's failing call can carry without meaning more. */
static const char *fail_status(void)
{
	switch (cvm_expected_isolation()) {
	case CVM_VTLMEM_ISOLATION_SNP:
		return "0x1";			/* PVALIDATE FAIL_INPUT */
	case CVM_VTLMEM_ISOLATION_TDX:
		return "0xc000010000000000";	/* TDX_OPERAND_INVALID */
	default:
		return "0x5";			/* HV_STATUS_INVALID_PARAMETER */
	}
}

/* A page of this kernel's RAM, 16 pages into its first range above 1 MiB. */
static uint64_t vtl2_page(void)
{
	char line[256];
	unsigned long long start, end;
	FILE *f = fopen("/proc/iomem", "r");
	uint64_t gpa = 0;

	while (f && !gpa && fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%llx-%llx", &start, &end) == 2 && start >= 0x100000 &&
		    end - start > 64 * SZ_4K)
			gpa = start + 16 * SZ_4K;
	if (f)
		fclose(f);
	return gpa;
}

TEST_F(ctl, injected_failure_names_the_gpa)
{
	struct run *r = calloc(1, sizeof(*r));
	const char *missing = missing_for_boot(self->fd);
	/* 2 MiB aligned: on SNP and TDX the failing call covers its 2 MiB unit. */
	uint64_t bad = isolated() ? self->base + M(36) : vtl2_page();
	char cmd[128], want[64];

	if (missing)
		SKIP(return, "the module has no %s yet", missing);
	ASSERT_NE(0, bad);
	ASSERT_EQ(0, write_layout(self->layout));
	snprintf(cmd, sizeof(cmd), "fail gpn=%#llx status=%s",
		 (unsigned long long)(bad / SZ_4K), fail_status());
	ASSERT_EQ(0, cvm_sim_inject(cmd));
	/* TDX retries a failed 2 MiB accept at 4 KiB (as Linux does): fail it too. */
	if (cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_TDX)
		ASSERT_EQ(0, cvm_sim_inject(cmd));
	CTL(r, "boot", LAYOUT, "--simulate-bootloader");
	/*
	 * The module remembers what PROTECT_VTL2 protected, across sim/reset:
	 * if an earlier test of this load protected VTL2's RAM, step 1 issues
	 * no call that could fail. This test runs first to avoid that.
	 */
	if (!isolated() && r->status == 0 && sim_calls("hv_protect") == 0)
		SKIP(free(r); return, "VTL2's RAM was protected before this test: no call to fail");
	EXPECT_EQ(1, r->status);
	snprintf(want, sizeof(want), "failed at GPA %#llx", (unsigned long long)bad);
	EXPECT_NE(NULL, strstr(r->err, want));
	snprintf(want, sizeof(want), "platform status %s", fail_status());
	EXPECT_NE(NULL, strstr(r->err, want));
	EXPECT_NE(NULL, strstr(r->err, isolated() ? "boot stopped in step 2" :
				      "boot stopped in step 1"));
	EXPECT_EQ(NULL, strstr(r->out, "step 5/5"));
	if (r->status != 1 || !strstr(r->err, "failed at GPA"))
		show(r);

	/* The host recovers: boot again finishes the job from where it stopped. */
	ASSERT_EQ(0, cvm_sim_inject("clear"));
	CTL(r, "boot", LAYOUT, "--simulate-bootloader");
	if (r->status)
		show(r);
	ASSERT_EQ(0, r->status);
	check_layout(_metadata, self->fd, self->base);
	free(r);
}

TEST_F(ctl, boot_layout_file_page_for_page)
{
	struct run *r = calloc(1, sizeof(*r));
	const char *missing = missing_for_boot(self->fd);

	if (missing)
		SKIP(return, "the module has no %s yet", missing);
	ASSERT_EQ(0, write_layout(self->layout));
	CTL(r, "boot", LAYOUT, "--simulate-bootloader");
	if (r->status)
		show(r);
	ASSERT_EQ(0, r->status);
	check_layout(_metadata, self->fd, self->base);
	EXPECT_NE(NULL, strstr(r->out, "step 5/5"));
	if (isolated()) {
		EXPECT_NE(NULL, strstr(r->out, "simulated boot loader: accepted"));
	} else {
		/* Step 1 took every lower VTL's rights on all of this kernel's RAM. */
		EXPECT_EQ(system_ram_pages(), protected_pages(r->out));
	}
	free(r);
}

TEST_F(ctl, boot_again_has_nothing_to_do)
{
	struct run *r = calloc(1, sizeof(*r));
	const char *missing = missing_for_boot(self->fd);
	uint64_t n = NPAGES(M(144)), b = self->base;
	uint16_t *q0 = calloc(n, 2), *s0 = calloc(n, 2), *q1 = calloc(n, 2), *s1 = calloc(n, 2);
	char layout[512];
	long long calls, protect_calls;

	if (missing)
		SKIP(return, "the module has no %s yet", missing);
	/* No lazy range: its check would accept one more unit each time. */
	snprintf(layout, sizeof(layout),
		 "vtl0 %#llx 96M\nvtl0 %#llx 32M accepted\nshared %#llx 16M accepted\n"
		 "vtl2 auto\n", (unsigned long long)b, (unsigned long long)(b + M(96)),
		 (unsigned long long)(b + M(128)));
	ASSERT_EQ(0, write_layout(layout));
	ASSERT_EQ(0, CTL(r, "boot", LAYOUT, "--simulate-bootloader")) show(r);
	ASSERT_EQ(0, cvm_query(self->fd, b, NPAGES(M(96)), q0));
	ASSERT_EQ(0, cvm_query(self->fd, b + M(96), NPAGES(M(48)) - NPAGES(M(16)),
			       q0 + NPAGES(M(96))));
	ASSERT_EQ(0, cvm_query(self->fd, b + M(128), NPAGES(M(16)), q0 + NPAGES(M(128))));
	ASSERT_EQ(0, cvm_sim_state(b, n, s0));
	calls = sim_calls(NULL);
	protect_calls = sim_calls("hv_protect");

	/* A restarted paravisor runs boot again: everything is in place. */
	ASSERT_EQ(0, CTL(r, "boot", LAYOUT, "--simulate-bootloader")) show(r);
	EXPECT_NE(NULL, strstr(r->out, "already registered as the layout says"));
	EXPECT_EQ(NULL, strstr(r->out, "simulated boot loader: accepted"));
	ASSERT_EQ(0, cvm_query(self->fd, b, NPAGES(M(96)), q1));
	ASSERT_EQ(0, cvm_query(self->fd, b + M(96), NPAGES(M(32)), q1 + NPAGES(M(96))));
	ASSERT_EQ(0, cvm_query(self->fd, b + M(128), NPAGES(M(16)), q1 + NPAGES(M(128))));
	ASSERT_EQ(0, cvm_sim_state(b, n, s1));
	EXPECT_EQ(0, memcmp(q0, q1, n * 2));
	EXPECT_EQ(0, memcmp(s0, s1, n * 2));
	/* Nothing to accept, grant or share: no call but step 1's, if any. */
	EXPECT_EQ(calls, sim_calls(NULL) - sim_calls("hv_protect") + protect_calls);
	free(q0);
	free(s0);
	free(q1);
	free(s1);
	free(r);
}

TEST_F(ctl, boot_from_flags_lazy)
{
	struct run *r = calloc(1, sizeof(*r));
	const char *missing = missing_for_boot(self->fd);
	uint64_t b = self->base, priv;
	char v0[64], v1[64], sh[64];

	if (missing)
		SKIP(return, "the module has no %s yet", missing);
	snprintf(v0, sizeof(v0), "%#llx,32M", (unsigned long long)b);
	snprintf(v1, sizeof(v1), "%#llx,32M,node=0", (unsigned long long)(b + M(32)));
	snprintf(sh, sizeof(sh), "%#llx,8M,accepted", (unsigned long long)(b + M(64)));
	CTL(r, "boot", "--vtl0", v0, "--vtl0", v1, "--shared", sh, "--lazy",
	    "--simulate-bootloader");
	if (r->status)
		show(r);
	ASSERT_EQ(0, r->status);
	/* --lazy: nothing accepted but the unit each check touched. */
	ASSERT_EQ(0, check_span(self->fd, b, M(32), EX_LAZY, &priv));
	EXPECT_EQ(isolated() ? NPAGES(SZ_2M) : NPAGES(M(32)), priv);
	ASSERT_EQ(0, check_span(self->fd, b + M(32), M(32), EX_LAZY, &priv));
	EXPECT_EQ(isolated() ? NPAGES(SZ_2M) : NPAGES(M(32)), priv);
	ASSERT_EQ(0, check_span(self->fd, b + M(64), M(8), isolated() ? EX_SHARED : EX_PRIVATE,
				&priv));
	free(r);
}

TEST_F(ctl, usage_errors_exit_2)
{
	struct run *r = calloc(1, sizeof(*r));

	EXPECT_EQ(2, CTL(r, "frobnicate"));
	EXPECT_NE(NULL, strstr(r->err, "unknown command"));
	EXPECT_EQ(2, CTL(r, "boot"));
	EXPECT_EQ(2, CTL(r, "add", "0x100000000"));
	EXPECT_EQ(2, CTL(r, "add", "0x100000000", "12Q"));
	EXPECT_EQ(2, CTL(r, "accept", "0x100000000", "2M", "--zero", "--no-zero"));
	EXPECT_EQ(2, CTL(r, "protect", "0x100000000", "4K", "--vtl", "2", "--rights", "r"));
	EXPECT_EQ(2, CTL(r, "protect", "0x100000000", "4K", "--vtl", "0", "--rights", "rq"));
	EXPECT_EQ(2, CTL(r, "share", "0x100000000"));
	ASSERT_EQ(0, write_layout("vtl0 0x100000000 64M\nvtl0 0x110000000 32M lazy accepted\n"));
	EXPECT_EQ(2, CTL(r, "boot", LAYOUT));
	EXPECT_NE(NULL, strstr(r->err, LAYOUT ":2:"));
	ASSERT_EQ(0, write_layout("vtl0 0x100000000 64M\nvtl0 0x101000000 32M\n"));
	EXPECT_EQ(2, CTL(r, "boot", LAYOUT));
	EXPECT_NE(NULL, strstr(r->err, "overlaps"));
	EXPECT_EQ(0, CTL(r, "--help"));
	EXPECT_NE(NULL, strstr(r->out, "Layout file"));
	/* Usage errors change nothing. */
	EXPECT_EQ(0, cvm_list(self->fd, NULL, 0));
	free(r);
}

TEST_F(ctl, commands_change_what_they_say)
{
	struct run *r = calloc(1, sizeof(*r));
	uint64_t b = self->base, n = NPAGES(M(16)), priv;
	uint16_t s[2];
	char gpa[32], gpa2[32], gpns[64];

	snprintf(gpa, sizeof(gpa), "%#llx", (unsigned long long)b);
	snprintf(gpa2, sizeof(gpa2), "%#llx", (unsigned long long)(b + SZ_2M));
	ASSERT_EQ(0, CTL(r, "add", gpa, "16M", "--node", "0")) show(r);
	EXPECT_EQ(1, CTL(r, "add", gpa, "16M"));
	EXPECT_NE(NULL, strstr(r->err, "overlaps a registered range"));
	ASSERT_EQ(0, CTL(r, "accept", gpa, "16M", "--grant")) show(r);
	EXPECT_EQ(0, CTL(r, "ranges"));
	EXPECT_NE(NULL, strstr(r->out, "16 MiB"));
	ASSERT_EQ(0, check_span(self->fd, b, M(16), EX_PRIVATE, &priv));
	EXPECT_EQ(n, priv);
	EXPECT_EQ(0, CTL(r, "query", gpa, "8K"));
	/* One mask, VTL2's, binds VTL0 and VTL1 without isolation and on VBS. */
	EXPECT_NE(NULL, strstr(r->out, cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_NONE ||
				       cvm_expected_isolation() == CVM_VTLMEM_ISOLATION_VBS ?
				       "2 pages  private      vtl0=rwxX vtl1=rwxX" :
				       "2 pages  private      vtl0=rwxX vtl1=----"));

	if (!have_ioctl(self->fd, CVM_VTLMEM_IOC_SET_VISIBILITY)) {
		TH_LOG("no SET_VISIBILITY yet: share/unshare not checked");
	} else if (isolated()) {
		ASSERT_EQ(0, CTL(r, "share", gpa2, "2M")) show(r);
		ASSERT_EQ(0, check_span(self->fd, b + SZ_2M, SZ_2M, EX_SHARED, &priv));
		ASSERT_EQ(0, CTL(r, "unshare", gpa2, "2M")) show(r);
		snprintf(gpns, sizeof(gpns), "%#llx,%#llx", (unsigned long long)(b / SZ_4K + 7),
			 (unsigned long long)(b / SZ_4K + 3000));
		ASSERT_EQ(0, CTL(r, "share", "--gpns", gpns)) show(r);
		EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, b + 7 * SZ_4K));
		EXPECT_EQ(CVM_VTLMEM_PAGE_SHARED, cvm_page_state(self->fd, b + 3000 * SZ_4K));
		EXPECT_EQ(CVM_VTLMEM_PAGE_PRIVATE, cvm_page_state(self->fd, b + 8 * SZ_4K));
		ASSERT_EQ(0, CTL(r, "unshare", "--gpns", gpns)) show(r);
		ASSERT_EQ(0, check_span(self->fd, b, M(16), EX_PRIVATE, &priv));
		EXPECT_EQ(n, priv);
	} else {
		/* No host visibility without isolation: a clear failure. */
		EXPECT_EQ(1, CTL(r, "share", gpa2, "2M"));
		EXPECT_NE(NULL, strstr(r->err, "share span"));
	}

	if (!have_ioctl(self->fd, CVM_VTLMEM_IOC_PROTECT)) {
		EXPECT_EQ(1, CTL(r, "protect", gpa, "8K", "--vtl", "0", "--rights", "r"));
		EXPECT_NE(NULL, strstr(r->err, "ENOTTY"));
	} else {
		ASSERT_EQ(0, CTL(r, "protect", gpa, "8K", "--vtl", "0", "--rights", "r-x-")) show(r);
		ASSERT_EQ(0, cvm_sim_state(b, 2, s));
		EXPECT_EQ(CVM_VTLMEM_RIGHT_READ | CVM_VTLMEM_RIGHT_KERNEL_EXEC, SIM_PAGE_VTL0(s[0]));
		EXPECT_EQ(CVM_VTLMEM_RIGHT_READ | CVM_VTLMEM_RIGHT_KERNEL_EXEC, SIM_PAGE_VTL0(s[1]));
		EXPECT_EQ(0, CTL(r, "query", gpa, "12K"));
		EXPECT_NE(NULL, strstr(r->out, "2 pages  private      vtl0=r-x-"));
		EXPECT_NE(NULL, strstr(r->out, "1 pages  private      vtl0=rwxX"));
	}
	EXPECT_EQ(1, CTL(r, "remove", gpa2));
	EXPECT_NE(NULL, strstr(r->err, "no range starts there"));
	EXPECT_EQ(0, CTL(r, "remove", gpa)) show(r);
	EXPECT_EQ(0, cvm_list(self->fd, NULL, 0));
	free(r);
}

TEST_F(ctl, accept_background_queues_a_lazy_range)
{
	struct run *r = calloc(1, sizeof(*r));
	uint64_t b = self->base, n = NPAGES(M(32)), priv;
	struct cvm_vtlmem_range_info info;
	char gpa[32], gpa2[32];
	double end;

	if (!isolated())
		SKIP(free(r); return, "lazy ranges need something to accept");
	snprintf(gpa, sizeof(gpa), "%#llx", (unsigned long long)b);
	snprintf(gpa2, sizeof(gpa2), "%#llx", (unsigned long long)(b + M(32)));
	ASSERT_EQ(0, CTL(r, "add", gpa, "32M", "--lazy")) show(r);
	ASSERT_EQ(0, CTL(r, "add", gpa2, "2M")) show(r);
	EXPECT_EQ(1, CTL(r, "accept", gpa2, "2M", "--background"));
	EXPECT_NE(NULL, strstr(r->err, "background acceptance is for lazy ranges"));
	EXPECT_EQ(2, CTL(r, "accept", gpa, "32M", "--background", "--grant"));
	ASSERT_EQ(0, CTL(r, "accept", gpa, "32M", "--background")) show(r);
	EXPECT_NE(NULL, strstr(r->out, "queued"));
	end = cvm_now() + 60;
	do {
		ASSERT_EQ(0, cvm_range_info(self->fd, b, &info));
		usleep(20 * 1000);
	} while (info.accepted_pages < n && cvm_now() < end);
	EXPECT_EQ(0, info.background_units);
	ASSERT_EQ(0, check_span(self->fd, b, M(32), EX_PRIVATE, &priv));
	EXPECT_EQ(n, priv);
	free(r);
}

TEST_HARNESS_MAIN
