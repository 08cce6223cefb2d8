// SPDX-License-Identifier: GPL-2.0
/*
 * ZONE_DEVICE struct pages behind a range registered with
 * CVM_VTLMEM_RANGE_STRUCT_PAGES, so that GUP, O_DIRECT and
 * process_vm_readv() work on its private view; and the checks for pages
 * something outside the module still references.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "compat.h"
#include "registry.h"
#include "struct_pages.h"

/**
 * cvm_pages_create() - back a range with ZONE_DEVICE struct pages
 * @r: a range, 2 MiB aligned, not yet visible to mmap
 *
 * GUP, O_DIRECT and process_vm_readv() then work on its user mappings. The
 * memmap costs 64 bytes per 4 KiB page, allocated on @r->node. The range
 * holds a reference on the module until cvm_pages_destroy().
 *
 * Return: 0; -EOPNOTSUPP without CONFIG_ZONE_DEVICE; -ENOMEM; or the error
 * of memremap_pages().
 */
int cvm_pages_create(struct cvm_range *r)
{
	struct dev_pagemap *pgmap = kzalloc(sizeof(*pgmap), GFP_KERNEL);
	void *addr;

	if (!pgmap)
		return -ENOMEM;
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->range.start = PFN_PHYS(r->gpn);
	pgmap->range.end = PFN_PHYS(r->gpn + r->npages) - 1;
	pgmap->nr_range = 1;
	addr = cvm_memremap_pages(pgmap, r->node);
	if (IS_ERR(addr)) {
		if (PTR_ERR(addr) == -EOPNOTSUPP)
			pr_warn("struct pages need a kernel with CONFIG_ZONE_DEVICE\n");
		else
			pr_warn("struct pages for %#llx-%#llx: %pe\n",
				pgmap->range.start, pgmap->range.end, addr);
		kfree(pgmap);
		return PTR_ERR(addr);
	}
	r->pgmap = pgmap;
	/*
	 * Pages with struct pages can be referenced from outside the module
	 * (a pipe holding a vmsplice()d page outlives every mapping and file):
	 * the module stays loaded until REMOVE_RANGE, which refuses while they
	 * are referenced, has freed them.
	 */
	__module_get(THIS_MODULE);
	return 0;
}

/**
 * cvm_pages_destroy() - free a range's struct pages
 * @r: a range that no VMA maps and whose pages nobody pins
 *	(cvm_pages_first_pinned())
 */
void cvm_pages_destroy(struct cvm_range *r)
{
	if (!r->pgmap)
		return;
	cvm_memunmap_pages(r->pgmap);
	kfree(r->pgmap);
	r->pgmap = NULL;
	module_put(THIS_MODULE);
}

/*
 * Short-lived references (process_vm_readv(), an O_DIRECT read in flight)
 * are waited for this long before a transition gives up on a page.
 */
#define PIN_WAIT_MS	100

/**
 * cvm_pages_wait_unpinned() - wait briefly for a span's references to go
 * @r: the range
 * @gpn: first page, inside @r, no longer mapped by any user PTE
 * @npages: pages, inside @r
 *
 * Context: may sleep; gives up early on a fatal signal.
 *
 * Return: as cvm_pages_first_pinned(), after up to %PIN_WAIT_MS.
 */
u64 cvm_pages_wait_unpinned(const struct cvm_range *r, u64 gpn, u64 npages)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(PIN_WAIT_MS);
	u64 k;

	while ((k = cvm_pages_first_pinned(r, gpn, npages)) < npages) {
		if (time_after(jiffies, deadline) || fatal_signal_pending(current))
			break;
		usleep_range(500, 1000);
	}
	return k;
}

/**
 * cvm_pages_first_pinned() - the first page of a span something references
 * @r: the range
 * @gpn: first page, inside @r
 * @npages: pages, inside @r
 *
 * GUP (O_DIRECT, process_vm_readv(), vmsplice(), io_uring buffers) takes
 * references that outlive the zap of a PTE and even the VMA. Freeing the
 * struct pages, or taking a page away from the private or shared view,
 * under such a reference is unsafe: the kernel would go on using it.
 * Context: may sleep.
 *
 * Return: offset in the span of the first page with a reference beyond
 * the one memremap_pages() gives it; @npages if there is none (always for
 * a range without struct pages).
 */
u64 cvm_pages_first_pinned(const struct cvm_range *r, u64 gpn, u64 npages)
{
	u64 i;

	if (!r->pgmap)
		return npages;
	for (i = 0; i < npages; i++) {
		if (page_ref_count(pfn_to_page(gpn + i)) != 1)
			return i;
		if (!((i + 1) % CVM_UNIT_PAGES))
			cond_resched();
	}
	return npages;
}
