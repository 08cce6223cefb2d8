// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated hypervisor's controls: fault injection (the command
 * language of sim/inject and cvm_sim_inject()), counters, and debugfs
 * views of the simulated state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cvm_vtlmem.h"
#include "hv_abi.h"
#include "registry.h"
#include "sim_internal.h"

#define SIM_CMD_MAX	128

static const char *const sim_op_names[] = {
	[SIM_OP_HV_PROTECT] = "hv_protect",
	[SIM_OP_HV_ACCEPT] = "hv_accept",
	[SIM_OP_HV_UNACCEPT] = "hv_unaccept",
	[SIM_OP_HV_VISIBILITY] = "hv_visibility",
	[SIM_OP_HV_OTHER] = "other",
	[SIM_OP_PVALIDATE_4K] = "pvalidate_4k",
	[SIM_OP_PVALIDATE_2M] = "pvalidate_2m",
	[SIM_OP_RMPADJUST] = "rmpadjust",
	[SIM_OP_TDX_ACCEPT_4K] = "tdx_accept_4k",
	[SIM_OP_TDX_ACCEPT_2M] = "tdx_accept_2m",
	[SIM_OP_TDX_ACCEPT_1G] = "tdx_accept_1g",
	[SIM_OP_TDX_ATTR_WR] = "tdx_attr_wr",
};

static_assert(ARRAY_SIZE(sim_op_names) == SIM_OP_NR);

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

/**
 * sim_counters_reset() - zero every CPU's counters
 */
void sim_counters_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sim_pcpu *p = per_cpu_ptr(sim_hv.pcpu, cpu);

		/* The counters only: the input page stays. */
		memset(p->op, 0, sizeof(p->op));
		p->calls = 0;
	}
}

/**
 * cvm_sim_count() - totals of one operation kind over all CPUs
 * @op: the operation kind
 * @out: where to store calls, reps and failures
 */
void cvm_sim_count(enum cvm_sim_op op, struct cvm_sim_count *out)
{
	const struct cvm_sim_count *c;
	int cpu;

	memset(out, 0, sizeof(*out));
	if ((unsigned int)op >= SIM_OP_NR || !sim_hv.pcpu)
		return;
	for_each_possible_cpu(cpu) {
		c = &per_cpu_ptr(sim_hv.pcpu, cpu)->op[op];
		out->calls += c->calls;
		out->reps += c->reps;
		out->failures += c->failures;
	}
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

/* Copy a short command from user space, NUL-terminated. */
static char *sim_user_cmd(const char __user *ubuf, size_t count)
{
	if (!count || count > SIM_CMD_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user_nul(ubuf, count);
}

static ssize_t sim_inject_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char *cmd = sim_user_cmd(ubuf, count);
	int ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = cvm_sim_inject(cmd);
	kfree(cmd);
	return ret ?: count;
}

static const struct file_operations sim_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_inject_write,
	.llseek = noop_llseek,
};

static int sim_counters_show(struct seq_file *m, void *unused)
{
	struct cvm_sim_count c;
	int op, cpu;

	for (op = 0; op < SIM_OP_NR; op++) {
		cvm_sim_count(op, &c);
		seq_printf(m, "%s calls=%llu reps=%llu failures=%llu\n",
			   sim_op_names[op], c.calls, c.reps, c.failures);
	}
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%d calls=%llu\n", cpu, per_cpu_ptr(sim_hv.pcpu, cpu)->calls);
	return 0;
}

static int sim_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, sim_counters_show, NULL);
}

/* Writing anything resets the counters. */
static ssize_t sim_counters_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	sim_counters_reset();
	return count;
}

static const struct file_operations sim_counters_fops = {
	.owner = THIS_MODULE,
	.open = sim_counters_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = sim_counters_write,
	.release = single_release,
};

/* __u16 per page; offset 2 * (gpn - first sim gpn). */
static ssize_t sim_state_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, sim_hv.pages,
				       sim_hv.npages * sizeof(u16));
}

static const struct file_operations sim_state_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = sim_state_read,
	.llseek = default_llseek,
};

static int sim_ram_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "0x%llx 0x%llx\n", sim_hv.base_gpn << PAGE_SHIFT,
		   sim_hv.npages << PAGE_SHIFT);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_ram);

/* "GPA LEN": both page-aligned, inside sim RAM. */
static ssize_t sim_boot_accept_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	char *cmd = sim_user_cmd(ubuf, count), *p, *gpa_s, *len_s;
	u64 gpa, len;
	int ret = -EINVAL;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	p = strim(cmd);
	gpa_s = strsep(&p, " \t");
	len_s = p ? skip_spaces(p) : "";
	if (!kstrtou64(gpa_s, 0, &gpa) && !kstrtou64(len_s, 0, &len) &&
	    PAGE_ALIGNED(gpa) && PAGE_ALIGNED(len) && cvm_sim_is_ram(gpa, len)) {
		cvm_sim_boot_accept(gpa, len);
		ret = 0;
	}
	kfree(cmd);
	return ret ?: count;
}

static const struct file_operations sim_boot_accept_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_boot_accept_write,
	.llseek = noop_llseek,
};

/*
 * Writing anything starts a fresh partition: every page back to its state
 * at load, injections and counters cleared. Refused while ranges are
 * registered, whose recorded states would then disagree with the model.
 */
static ssize_t sim_reset_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	u64 nr_ranges, bytes, state;

	cvm_registry_totals(&nr_ranges, &bytes, &state);
	if (nr_ranges)
		return -EBUSY;
	cvm_sim_reset();
	return count;
}

static const struct file_operations sim_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_reset_write,
	.llseek = noop_llseek,
};

/**
 * sim_debugfs_init() - create debugfs cvm_vtlmem/sim/
 *
 * Files: inject (wo), counters (rw), state (ro, binary), ram (ro),
 * boot_accept (wo), reset (wo), tdx_accept_1g (rw, Y/N: TDX accepts 1 GiB
 * pages). A missing debugfs is not an error.
 */
void sim_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("sim", cvm.debugfs);

	sim_hv.dir = dir;
	debugfs_create_file("inject", 0200, dir, NULL, &sim_inject_fops);
	debugfs_create_file("counters", 0600, dir, NULL, &sim_counters_fops);
	debugfs_create_file_size("state", 0400, dir, NULL, &sim_state_fops,
				 sim_hv.npages * sizeof(u16));
	debugfs_create_file("ram", 0400, dir, NULL, &sim_ram_fops);
	debugfs_create_file("boot_accept", 0200, dir, NULL, &sim_boot_accept_fops);
	debugfs_create_file("reset", 0200, dir, NULL, &sim_reset_fops);
	debugfs_create_bool("tdx_accept_1g", 0600, dir, &sim_hv.tdx_accept_1g);
}
