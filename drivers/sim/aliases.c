// SPDX-License-Identifier: GPL-2.0
/*
 * Decrypted aliases of sim RAM: mappings through which SNP's PVALIDATE and
 * RMPADJUST must fail, registered by whoever makes them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "internal.h"

/*
 * Aliases of sim RAM that map it decrypted (shared). The test kernel has no
 * memory encryption (sme_me_mask is 0), so its page tables cannot say which
 * alias is which: whoever makes a decrypted alias registers it here. Few
 * and short-lived (KUnit), so an array under a spinlock.
 */
#define SIM_MAX_ALIASES	8

static DEFINE_SPINLOCK(sim_alias_lock);
static struct {
	unsigned long start;
	unsigned long end;	/* exclusive; 0 for a free slot */
} sim_aliases[SIM_MAX_ALIASES];
/* Slots in use; read without the lock: none is the common case. */
static unsigned int sim_nr_aliases;

/**
 * sim_alias_decrypted() - does a span of kernel VAs touch a decrypted alias?
 * @addr: first VA
 * @len: bytes
 *
 * Return: true if [@addr, @addr + @len) overlaps a registered alias.
 */
bool sim_alias_decrypted(unsigned long addr, u64 len)
{
	bool hit = false;
	unsigned int i;

	if (!READ_ONCE(sim_nr_aliases))
		return false;
	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES && !hit; i++)
		hit = sim_aliases[i].end && addr < sim_aliases[i].end &&
		      addr + len > sim_aliases[i].start;
	spin_unlock(&sim_alias_lock);
	return hit;
}

/**
 * cvm_sim_decrypted_alias() - declare a mapping of sim RAM decrypted
 * @va: its first byte, page-aligned
 * @len: its length in bytes, page-aligned
 *
 * PVALIDATE and RMPADJUST through a VA inside it then fail with
 * %SNP_RET_FAIL_INPUT, as an operation through a shared mapping must.
 * Undone by cvm_sim_decrypted_alias_remove() or cvm_sim_reset().
 *
 * Return: 0, -EINVAL for a bad range, -ENOSPC when %SIM_MAX_ALIASES are
 * registered.
 */
int cvm_sim_decrypted_alias(void *va, u64 len)
{
	unsigned long addr = (unsigned long)va;
	unsigned int i;
	int ret = -ENOSPC;

	if (!va || !len || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len) || addr + len < addr)
		return -EINVAL;
	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES && ret; i++) {
		if (sim_aliases[i].end)
			continue;
		sim_aliases[i].start = addr;
		sim_aliases[i].end = addr + len;
		WRITE_ONCE(sim_nr_aliases, sim_nr_aliases + 1);
		ret = 0;
	}
	spin_unlock(&sim_alias_lock);
	return ret;
}

/**
 * cvm_sim_decrypted_alias_remove() - forget a decrypted alias
 * @va: the address it was registered with
 *
 * Call before the mapping goes away. Unknown addresses are ignored.
 */
void cvm_sim_decrypted_alias_remove(void *va)
{
	unsigned int i;

	spin_lock(&sim_alias_lock);
	for (i = 0; i < SIM_MAX_ALIASES; i++) {
		if (!sim_aliases[i].end || sim_aliases[i].start != (unsigned long)va)
			continue;
		sim_aliases[i].end = 0;
		WRITE_ONCE(sim_nr_aliases, sim_nr_aliases - 1);
	}
	spin_unlock(&sim_alias_lock);
}

/**
 * sim_aliases_clear() - forget every decrypted alias (reset)
 */
void sim_aliases_clear(void)
{
	spin_lock(&sim_alias_lock);
	memset(sim_aliases, 0, sizeof(sim_aliases));
	WRITE_ONCE(sim_nr_aliases, 0);
	spin_unlock(&sim_alias_lock);
}
