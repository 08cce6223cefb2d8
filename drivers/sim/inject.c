// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection into the simulated hypervisor: the armed failures, time-
 * outs, busy answers and host lies, and the command language of sim/inject
 * and cvm_sim_inject() that arms them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "internal.h"

/* Keys of "key=value" arguments. */
enum sim_key { K_NTH, K_GPN, K_STATUS, K_AFTER, K_REPS, K_GPA, K_COUNT, K_CODE, K_NR };
static const char *const sim_key_names[] = {
	"nth", "gpn", "status", "after", "reps", "gpa", "count", "code",
};

static_assert(ARRAY_SIZE(sim_key_names) == K_NR);

struct sim_args {
	u64 val[K_NR];
	unsigned long seen;
};

/*
 * Claim the armed "fail" matching @seq, or (@seq 0) a page of [gpn, +n) in
 * a hypercall of call code @code (0: an instruction). A "fail gpn" armed
 * with code= only fires on that hypercall.
 */
static bool sim_take(u64 seq, u64 gpn, u64 n, u16 code, struct sim_fail *out)
{
	struct sim_inject *inj = &sim_hv.inj;
	struct sim_fail *f;
	bool found = false;

	spin_lock(&inj->lock);
	for (f = inj->fail; f < inj->fail + SIM_MAX_FAILS && !found; f++) {
		if (!f->armed || f->seq != seq || (!seq && f->gpn - gpn >= n) ||
		    (!seq && f->code && f->code != code))
			continue;
		*out = *f;
		f->armed = false;
		WRITE_ONCE(inj->nr_fail, inj->nr_fail - 1);
		found = true;
	}
	spin_unlock(&inj->lock);
	return found;
}

/**
 * sim_take_nth() - count one operation; claim a "fail nth" that hits it
 * @out: the claimed injection
 *
 * Called once at the start of every hypercall and instruction.
 *
 * Return: true if this operation must fail as *@out says.
 */
bool sim_take_nth(struct sim_fail *out)
{
	u64 seq = atomic64_inc_return(&sim_hv.inj.seq);

	return READ_ONCE(sim_hv.inj.nr_fail) && sim_take(seq, 0, 0, 0, out);
}

/**
 * sim_take_gpn() - claim a "fail gpn" for a page about to be processed
 * @gpn: first page the operation processes now
 * @n: number of pages
 * @code: call code of the hypercall processing them, 0 for an instruction
 * @status: the status to fail with
 *
 * Return: true if the operation fails here with *@status.
 */
bool sim_take_gpn(u64 gpn, u64 n, u16 code, u64 *status)
{
	struct sim_fail f;

	if (!READ_ONCE(sim_hv.inj.nr_fail) || !sim_take(0, gpn, n, code, &f))
		return false;
	*status = f.status;
	return true;
}

/**
 * sim_inject_clear() - disarm every injection
 */
void sim_inject_clear(void)
{
	struct sim_inject *inj = &sim_hv.inj;

	spin_lock(&inj->lock);
	memset(inj->fail, 0, sizeof(inj->fail));
	WRITE_ONCE(inj->nr_fail, 0);
	spin_unlock(&inj->lock);
	WRITE_ONCE(inj->timeout_reps, 0);
	atomic_set(&inj->busy, 0);
	WRITE_ONCE(inj->lies, 0);
	sim_mismatch_clear();
}

/* Parse "key=value ..." into @a, allowing only the keys in @allowed. */
static int sim_parse_args(char *p, unsigned long allowed, struct sim_args *a)
{
	char *word, *val;
	int k;

	while ((word = strsep(&p, " \t"))) {
		if (!*word)
			continue;
		val = strchr(word, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		k = match_string(sim_key_names, K_NR, word);
		if (k < 0 || !(allowed & BIT(k)) || (a->seen & BIT(k)) ||
		    kstrtou64(val, 0, &a->val[k]))
			return -EINVAL;
		a->seen |= BIT(k);
	}
	return 0;
}

static int sim_arm_fail(const struct sim_args *a)
{
	struct sim_inject *inj = &sim_hv.inj;
	bool by_nth = a->seen & BIT(K_NTH);
	struct sim_fail *f;
	int ret = -ENOSPC;

	if (by_nth == !!(a->seen & BIT(K_GPN)) || (by_nth && !a->val[K_NTH]) ||
	    (!by_nth && (a->seen & BIT(K_AFTER))) || a->val[K_AFTER] > HV_REP_MAX ||
	    (by_nth && (a->seen & BIT(K_CODE))) || a->val[K_CODE] > U16_MAX)
		return -EINVAL;
	spin_lock(&inj->lock);
	for (f = inj->fail; f < inj->fail + SIM_MAX_FAILS && ret; f++) {
		if (f->armed)
			continue;
		f->seq = by_nth ? atomic64_read(&inj->seq) + a->val[K_NTH] : 0;
		f->gpn = a->val[K_GPN];
		f->status = a->val[K_STATUS];
		f->after = a->val[K_AFTER];
		f->code = a->val[K_CODE];
		f->armed = true;
		WRITE_ONCE(inj->nr_fail, inj->nr_fail + 1);
		ret = 0;
	}
	spin_unlock(&inj->lock);
	return ret;
}

/* The commands; a verb's fixed-word forms come before its key=value form. */
enum sim_cmd {
	C_LIE,		/* C_LIE + enum sim_lie */
	C_FAIL = C_LIE + SIM_LIE_NR, C_TIMEOUT_OFF, C_TIMEOUT, C_SIZEMISMATCH,
	C_BUSY, C_REMAP, C_RESET, C_CLEAR, C_NR
};

static const struct {
	const char *verb;
	const char *word;	/* the only argument, or NULL for key=value */
	unsigned long keys;	/* keys allowed */
	unsigned long need;	/* keys required */
} sim_cmds[] = {
	[C_LIE + SIM_LIE_NOPROGRESS] = { "lie", "noprogress" },
	[C_LIE + SIM_LIE_PHANTOM] = { "lie", "phantom" },
	[C_LIE + SIM_LIE_BACKWARDS] = { "lie", "backwards" },
	[C_LIE + SIM_LIE_OVERCOUNT] = { "lie", "overcount" },
	[C_FAIL] = { "fail", NULL, BIT(K_NTH) | BIT(K_GPN) | BIT(K_STATUS) | BIT(K_AFTER) |
		     BIT(K_CODE), BIT(K_STATUS) },
	[C_TIMEOUT_OFF] = { "timeout", "off" },
	[C_TIMEOUT] = { "timeout", NULL, BIT(K_REPS), BIT(K_REPS) },
	[C_SIZEMISMATCH] = { "sizemismatch", NULL, BIT(K_GPA), BIT(K_GPA) },
	[C_BUSY] = { "busy", NULL, BIT(K_COUNT), BIT(K_COUNT) },
	[C_REMAP] = { "remap", NULL, BIT(K_GPN), BIT(K_GPN) },
	[C_RESET] = { "reset", "counters" },
	[C_CLEAR] = { "clear", "" },
};

static_assert(ARRAY_SIZE(sim_cmds) == C_NR);

static int sim_run_cmd(unsigned int cmd, const struct sim_args *a)
{
	const u64 *v = a->val;

	switch (cmd) {
	case C_FAIL:
		return sim_arm_fail(a);
	case C_TIMEOUT:
		if (!v[K_REPS] || v[K_REPS] > HV_REP_MAX)
			return -EINVAL;
		fallthrough;
	case C_TIMEOUT_OFF:
		WRITE_ONCE(sim_hv.inj.timeout_reps, v[K_REPS]);
		return 0;
	case C_SIZEMISMATCH:
		if (!cvm_sim_is_ram(v[K_GPA], 1))
			return -EINVAL;
		set_bit((v[K_GPA] >> (PAGE_SHIFT + SIM_UNIT_SHIFT)) - sim_hv.first_unit,
			sim_hv.mismatch);
		return 0;
	case C_BUSY:
		if (v[K_COUNT] > INT_MAX)
			return -EINVAL;
		atomic_set(&sim_hv.inj.busy, v[K_COUNT]);
		return 0;
	case C_REMAP:
		if (!sim_span_ok(v[K_GPN], 1))
			return -EINVAL;
		sim_remap(v[K_GPN]);
		return 0;
	case C_RESET:
		sim_counters_reset();
		return 0;
	case C_CLEAR:
		sim_inject_clear();
		return 0;
	default:
		set_bit(cmd - C_LIE, &sim_hv.inj.lies);
		return 0;
	}
}

/* Find the command @verb @rest names and run it. */
static int sim_dispatch(const char *verb, char *rest)
{
	struct sim_args a = {};
	unsigned int i;

	for (i = 0; i < C_NR; i++) {
		if (strcmp(verb, sim_cmds[i].verb))
			continue;
		if (sim_cmds[i].word && strcmp(rest, sim_cmds[i].word))
			continue;
		if (!sim_cmds[i].word &&
		    (sim_parse_args(rest, sim_cmds[i].keys, &a) ||
		     (a.seen & sim_cmds[i].need) != sim_cmds[i].need))
			return -EINVAL;
		return sim_run_cmd(i, &a);
	}
	return -EINVAL;
}

/**
 * cvm_sim_inject() - arm a fault injection or act as the host
 * @cmd: one command, as written to debugfs sim/inject:
 *	"fail nth=N status=S [after=K]", "fail gpn=X status=S [code=C]",
 *	"timeout reps=K", "timeout off", "sizemismatch gpa=G", "busy count=N",
 *	"lie noprogress|phantom|backwards|overcount", "remap gpn=X",
 *	"reset counters", "clear". Numbers are decimal or 0x-prefixed hex.
 *
 * Context: process context.
 * Return: 0, -EINVAL for a malformed command, -ENOSPC when
 * %SIM_MAX_FAILS "fail" injections are already armed, -ENOMEM.
 */
int cvm_sim_inject(const char *cmd)
{
	char *buf = kstrdup(cmd, GFP_KERNEL), *p, *verb;
	int ret;

	if (!buf)
		return -ENOMEM;
	p = strim(buf);
	verb = strsep(&p, " \t");
	ret = sim_dispatch(verb, p ? skip_spaces(p) : "");
	kfree(buf);
	return ret;
}
