// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl stats: the module's and the simulated hypervisor's counters
 * (debugfs stats and sim/counters), read whole so that boot can show what
 * each step cost.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "ctl.h"
#include "subcommands.h"

void read_counters(struct counters *c)
{
	memset(c, 0, sizeof(*c));
	c->nstats = cvm_read_kv(STATS_FILE, c->stats, MAX_KV);
	c->have_stats = c->nstats >= 0;
	c->nsim = cvm_read_kv(COUNTERS_FILE, c->sim, MAX_KV);
	c->have_sim = c->nsim >= 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

bool is_cpu_row(const char *name)
{
	return !strncmp(name, "cpu", 3) && isdigit((unsigned char)name[3]);
}

/*
 * Hypercalls and instructions issued between @a and @b: the simulated
 * hypervisor's own count when there is one, else the module's.
 */
u64 calls_between(const struct counters *a, const struct counters *b)
{
	u64 sum = 0;
	int i;

	if (b->have_sim) {
		for (i = 0; i < b->nsim; i++)
			if (!is_cpu_row(b->sim[i].name))
				sum += b->sim[i].v[0] - cvm_kv_get(a->sim, a->nsim, b->sim[i].name, 0);
	} else if (b->have_stats) {
		for (i = 0; i < b->nstats; i++)
			if (ends_with(b->stats[i].name, "_calls"))
				sum += b->stats[i].v[0] -
				       cvm_kv_get(a->stats, a->nstats, b->stats[i].name, 0);
	}
	return sum;
}

bool have_counters(const struct counters *c)
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
			v[k] = cvm_kv_get(c->stats, c->nstats, key, 0);
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

int stats_main(int argc, char **argv)
{
	struct counters c;

	parse_opts("stats", argc, argv, NULL, NULL, 0);
	read_counters(&c);
	if (!c.have_stats)
		return error("cannot read %s: %s (is debugfs mounted, the module loaded, and "
			     "are you root?)", STATS_FILE, strerror(-c.nstats));
	print_stats(&c);
	if (c.have_sim)
		print_sim_counters(&c);
	return 0;
}
