// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated page model: the state of every page of sim RAM (sim_ram=),
 * its contents (zero, host garbage, ciphertext), and sim_apply(), the one
 * way a state change happens.
 *
 * Locking: page state lives in a u16 per page. Operations of at most 2M
 * take their 1G unit's rwlock for read, then their 2M unit's spinlock; 1G
 * operations (and 4K ones that must split a 1G page) take the 1G rwlock
 * for write. Page contents are written after the locks are dropped, while
 * the unit is marked busy: other operations on that unit wait for the
 * write, so each page's state change and its contents stay one atomic step.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/string.h>

#include "cvm_vtlmem.h"
#include "internal.h"

/**
 * sim_span_ok() - whether pages [@gpn, @gpn + @n) are all simulated RAM
 * @gpn: first page
 * @n: number of pages, at least 1
 *
 * Return: true if the whole span is inside sim RAM.
 */
bool sim_span_ok(u64 gpn, u64 n)
{
	return n && n <= sim_hv.npages && gpn >= sim_hv.base_gpn &&
	       gpn - sim_hv.base_gpn <= sim_hv.npages - n;
}

/* Units [first, last) whose busy bits cover @op's locked region. */
static void sim_busy_range(const struct sim_op *op, bool locked,
			   unsigned long *first, unsigned long *last)
{
	u64 n = sim_level_pages(op->level), start = op->gpn;

	if (locked && op->big) {
		n = sim_level_pages(SIM_1G);
		start = round_down(op->gpn, n);
	}
	*first = start < sim_hv.base_gpn ? 0 : sim_unit(start);
	*last = min_t(u64, sim_unit(start + n - 1) + 1, sim_hv.nr_units);
}

static bool sim_busy(const struct sim_op *op)
{
	unsigned long first, last;

	sim_busy_range(op, true, &first, &last);
	if (find_next_bit(sim_hv.busy, last, first) < last)
		return true;
	/* Pairs with clear_bit_unlock(): see the contents written. */
	smp_acquire__after_ctrl_dep();
	return false;
}

static void sim_busy_mark(const struct sim_op *op, bool on)
{
	unsigned long u, first, last;

	sim_busy_range(op, false, &first, &last);
	for (u = first; u < last; u++) {
		if (on)
			set_bit(u, sim_hv.busy);
		else
			clear_bit_unlock(u, sim_hv.busy);
	}
}

/* Under the locks: wait out content writes, run the model, claim the unit. */
static u64 sim_step(struct sim_op *op)
{
	u64 ret;

	if (sim_busy(op))
		return SIM_BUSY;
	op->fill = false;
	op->fill_xor = false;
	bitmap_zero(op->fill_mask, SIM_UNIT_PAGES);
	ret = op->fn(op);
	if (ret != SIM_NEED_BIG && op->fill) {
		/* A waiter spins on this CPU's write: never be preempted. */
		preempt_disable();
		sim_busy_mark(op, true);
	}
	return ret;
}

static u64 sim_step_small(struct sim_op *op)
{
	rwlock_t *gig = sim_gig_lock(op->gpn);
	spinlock_t *unit = &sim_hv.unit_lock[sim_unit(op->gpn)];
	u64 ret;

	read_lock(gig);
	spin_lock(unit);
	ret = sim_step(op);
	spin_unlock(unit);
	read_unlock(gig);
	return ret;
}

static u64 sim_step_big(struct sim_op *op)
{
	rwlock_t *gig = sim_gig_lock(op->gpn);
	u64 ret;

	write_lock(gig);
	ret = sim_step(op);
	write_unlock(gig);
	return ret;
}

/* Every byte of the page at @va XOR @byte. */
static void sim_xor_page(u8 *va, u8 byte)
{
	u64 *w = (u64 *)va, x = 0x0101010101010101ULL * byte;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] ^= x;
}

static void sim_fill(const struct sim_op *op)
{
	u64 i, n = sim_level_pages(op->level);
	u8 *va = sim_hv.map + ((op->gpn - sim_hv.base_gpn) << PAGE_SHIFT);

	for (i = 0; i < n; i++, va += PAGE_SIZE) {
		if (n <= SIM_UNIT_PAGES && !test_bit(i, op->fill_mask))
			continue;
		if (op->fill_xor)
			sim_xor_page(va, op->fill_byte);
		else
			memset(va, op->fill_byte, PAGE_SIZE);
	}
}

/**
 * sim_apply() - run one state change atomically on its span
 * @op: the change; @op->fn checks and commits it under the locks
 *
 * Takes the locks @op's span needs (retrying under the 1G write lock when
 * @op->fn asks), waits out content writes on the span, then writes the
 * contents @op->fn asked for.
 *
 * Return: what @op->fn returned.
 */
u64 sim_apply(struct sim_op *op)
{
	u64 ret;

	op->big = op->level == SIM_1G;
	for (;;) {
		ret = op->big ? sim_step_big(op) : sim_step_small(op);
		if (ret == SIM_NEED_BIG)
			op->big = true;
		else if (ret == SIM_BUSY)
			cpu_relax();
		else
			break;
	}
	if (op->fill) {
		sim_fill(op);
		sim_busy_mark(op, false);
		preempt_enable();
	}
	return ret;
}

/**
 * sim_fill_later() - have a page of the span filled once the locks are dropped
 * @op: the operation, inside its @fn
 * @gpn: a page of @op's span
 * @byte: what every byte of it becomes
 */
void sim_fill_later(struct sim_op *op, u64 gpn, u8 byte)
{
	op->fill = true;
	op->fill_byte = byte;
	if (op->level < SIM_1G)
		__set_bit(gpn - op->gpn, op->fill_mask);
}

/**
 * sim_scramble_later() - have a page turned to ciphertext once the locks drop
 * @op: the operation, inside its @fn
 * @gpn: a page of @op's span
 *
 * SNP, TDX: page @gpn went shared; the host and the shared view see its
 * private contents as ciphertext (%SIM_CIPHER_BYTE). One kind of write per
 * operation: a visibility change is a 4K operation of its own.
 */
void sim_scramble_later(struct sim_op *op, u64 gpn)
{
	sim_fill_later(op, gpn, SIM_CIPHER_BYTE);
	op->fill_xor = true;
}

/**
 * sim_split() - split the large page holding a page that changes alone
 * @op: the operation, inside its @fn
 * @gpn: the page
 *
 * The host splits the large page holding @gpn so that this 4K page can
 * change alone; the rest of it stays accepted, now at 4K.
 *
 * Return: 0, or %SIM_NEED_BIG if a 1G page must split and @op does not hold
 * the 1G write lock.
 */
u64 sim_split(struct sim_op *op, u64 gpn)
{
	u16 s = pg_get(gpn);
	u64 i, n, first;

	if (!(s & SIM_PAGE_ACCEPTED) || pg_size(s) == SIM_4K)
		return 0;
	if (pg_size(s) == SIM_1G && !op->big)
		return SIM_NEED_BIG;
	n = sim_level_pages(pg_size(s));
	first = round_down(gpn, n);
	for (i = first; i < first + n; i++)
		pg_set(i, pg_get(i) & ~SIM_PAGE_SIZE_MASK);
	for (i = first; i < first + n; i += SIM_UNIT_PAGES)
		set_bit(sim_unit(i), sim_hv.smashed);
	return 0;
}

/**
 * cvm_sim_is_ram() - whether a byte range lies inside the simulated RAM
 * @gpa: first byte
 * @len: length in bytes
 *
 * Return: true if all of [@gpa, @gpa + @len) is sim RAM; false for @len 0.
 */
bool cvm_sim_is_ram(u64 gpa, u64 len)
{
	u64 base = sim_hv.base_gpn << PAGE_SHIFT, size = sim_hv.npages << PAGE_SHIFT;

	return len && len <= size && gpa >= base && gpa - base <= size - len;
}

/**
 * cvm_sim_ram() - where the simulated VTL0 RAM is
 * @gpa: out: its first address
 * @len: out: its size in bytes
 *
 * Return: false if the simulation has no RAM (no sim_ram= parameter).
 */
bool cvm_sim_ram(u64 *gpa, u64 *len)
{
	*gpa = sim_hv.base_gpn << PAGE_SHIFT;
	*len = sim_hv.npages << PAGE_SHIFT;
	return sim_hv.npages != 0;
}

/**
 * cvm_sim_page() - simulated state of one page
 * @gpn: guest page number
 *
 * Return: the SIM_PAGE_* bits, or %SIM_PAGE_OUTSIDE if @gpn is not sim RAM.
 */
u16 cvm_sim_page(u64 gpn)
{
	return sim_span_ok(gpn, 1) ? pg_get(gpn) : SIM_PAGE_OUTSIDE;
}

/**
 * sim_mismatch_clear() - drop every injected sizemismatch
 */
void sim_mismatch_clear(void)
{
	unsigned long u;

	for_each_set_bit(u, sim_hv.mismatch, sim_hv.nr_units)
		clear_bit(u, sim_hv.mismatch);
}

/* Non-isolated: all RAM is the lower VTLs', under the default mask (all). */
static u16 sim_initial_state(void)
{
	if (cvm.isolation == CVM_VTLMEM_ISOLATION_NONE)
		return pg_accept(0, SIM_4K) | sim_both(HV_MAP_GPA_ALL);
	return SIM_PAGE_TAINTED;
}

/**
 * sim_pages_reset() - every page back to its initial state for the isolation
 *
 * Contents are left as they are; the units lose their 4K split (SNP).
 */
void sim_pages_reset(void)
{
	u16 init = sim_initial_state();
	unsigned long u;
	u64 gpn, i;
	rwlock_t *gig;

	for (u = 0; u < sim_hv.nr_units; u++) {
		gpn = (sim_hv.first_unit + u) << SIM_UNIT_SHIFT;
		gig = sim_gig_lock(gpn);
		read_lock(gig);
		spin_lock(&sim_hv.unit_lock[u]);
		for (i = gpn; i < gpn + SIM_UNIT_PAGES; i++)
			if (sim_span_ok(i, 1))
				pg_set(i, init);
		clear_bit(u, sim_hv.smashed);
		spin_unlock(&sim_hv.unit_lock[u]);
		read_unlock(gig);
	}
}
