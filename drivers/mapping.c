// SPDX-License-Identifier: GPL-2.0
/*
 * The private and shared views of VTL0 memory, and the optional ZONE_DEVICE
 * struct pages behind them.
 *
 * Every open file uses one address_space, that of an inode on a private
 * pseudo filesystem, so one unmap_mapping_pages() per view reaches every
 * user mapping of a GPA. Before 6.17 the inode is S_DAX (compat.h), because
 * 6.1 offers ->huge_fault() to a file VMA only when vma_is_dax() (a
 * VM_PFNMAP or VM_MIXEDMAP VMA is otherwise VM_NO_KHUGEPAGED); on 6.12 it
 * makes PMD mappings independent of the THP sysfs setting.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "cvm_vtlmem.h"
#include "mapping.h"
#include "registry.h"
#include "sim/oracle.h"
#include "stats.h"

#define CVM_FS_MAGIC	0x63766d6d	/* "cvmm" */

/* CVM_VTLMEM_SHARED_VIEW as it appears in a page offset. */
#define CVM_VIEW_PGOFF	(CVM_VTLMEM_SHARED_VIEW >> PAGE_SHIFT)

int (*cvm_lazy_accept_hook)(struct cvm_range *r, u64 gpn);

static struct vfsmount *cvm_mnt;
static struct inode *cvm_inode;

static int cvm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, CVM_FS_MAGIC) ? 0 : -ENOMEM;
}

/* No .owner: the kernel mount would pin the module whose exit unmounts it. */
static struct file_system_type cvm_fs_type = {
	.name = "cvm_vtlmem",
	.init_fs_context = cvm_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static u64 cvm_pgoff_gpn(pgoff_t pgoff)
{
	return pgoff & ~CVM_VIEW_PGOFF;
}

static bool cvm_pgoff_shared(pgoff_t pgoff)
{
	return pgoff & CVM_VIEW_PGOFF;
}

/*
 * ZONE_DEVICE pages of the private view go in as devmap entries, which GUP
 * follows to the page. Pages of the shared view never do: the kernel would
 * reach them through its direct map, which maps VTL0 memory encrypted, and
 * read or write something other than what the host sees (SNP, TDX). They
 * go in as special entries, which GUP refuses (EFAULT).
 */
static bool cvm_gup_able(const struct cvm_range *r, bool shared)
{
	return r->pgmap && !shared;
}

/* One page into a view: its struct page, or a special entry. */
static vm_fault_t cvm_insert_page(struct vm_fault *vmf, struct cvm_range *r, u64 gpn,
				  bool shared)
{
	if (cvm_gup_able(r, shared))
		return cvm_vmf_insert_page(vmf, gpn, true);
	if (r->pgmap)	/* a VM_MIXEDMAP mapping */
		return cvm_vmf_insert_special(vmf, gpn);
	return cvm_vmf_insert_page(vmf, gpn, false);
}

/* Per range, and in the module's statistics (debugfs). */
static void cvm_count_fault(struct cvm_range *r, bool huge)
{
	atomic64_inc(&r->faults[huge]);
	cvm_stats_fault(huge);
}

/*
 * Take @r->map_lock for read with pages [@gpn, @gpn + @npages) in the state
 * the view needs and none of their units held (the platform re-validating
 * them). A lazy range accepts on the first touch of its private view: the
 * hook takes the unit's claim itself, so it runs unlocked, and everything
 * is checked again after it.
 *
 * Return: 0 with the lock held, else a VM_FAULT_* code without it.
 */
static vm_fault_t cvm_view_lock(struct cvm_range *r, u64 gpn, u64 npages,
				u64 touched, bool shared)
{
	enum cvm_page_state want = shared ? CVM_PS_SHARED : CVM_PS_PRIVATE;
	int (*accept)(struct cvm_range *r, u64 gpn);
	bool tried = false;
	int err;

	for (;;) {
		down_read(&r->map_lock);
		if (cvm_range_faults_held(r, gpn, npages)) {
			up_read(&r->map_lock);
			/* A fatal signal: SIGBUS (or EFAULT in the kernel), then death. */
			if (wait_event_killable(r->claim_wq,
						!cvm_range_faults_held(r, gpn, npages)))
				return VM_FAULT_SIGBUS;
			continue;
		}
		if (cvm_pages_in_state(r, gpn, npages, want)) {
			/* The simulation's check; nothing in production builds. */
			cvm_sim_oracle_map(gpn, npages, shared);
			return 0;
		}
		accept = READ_ONCE(cvm_lazy_accept_hook);
		if (tried || shared || !accept || !(r->flags & CVM_VTLMEM_RANGE_LAZY) ||
		    cvm_page_state(r, touched) != CVM_PS_UNACCEPTED) {
			up_read(&r->map_lock);
			return VM_FAULT_SIGBUS;
		}
		up_read(&r->map_lock);
		err = accept(r, touched);
		if (err)
			return vmf_error(err);
		tried = true;
	}
}

static vm_fault_t cvm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cvm_range *r = vma->vm_private_data;
	u64 gpn = cvm_pgoff_gpn(vmf->pgoff);
	vm_fault_t ret;

	ret = cvm_view_lock(r, gpn, 1, gpn, cvm_pgoff_shared(vmf->pgoff));
	if (ret)
		return ret;
	ret = cvm_insert_page(vmf, r, gpn, cvm_pgoff_shared(vmf->pgoff));
	up_read(&r->map_lock);

	if (ret == VM_FAULT_NOPAGE)
		cvm_count_fault(r, false);
	return ret;
}

/* Caller holds r->map_lock for read with the whole unit in the right state. */
static vm_fault_t cvm_insert_pmd(struct vm_fault *vmf, struct cvm_range *r, u64 gpn,
				 bool shared)
{
	pmd_t pmd = READ_ONCE(*vmf->pmd);
	vm_fault_t ret;

	/*
	 * A racing 4 KiB fault may have installed a page table since the core
	 * saw this PMD empty; vmf_insert_pfn_pmd() would warn on a write.
	 */
	if (!pmd_none(pmd) && !pmd_leaf(pmd))
		return VM_FAULT_FALLBACK;
	ret = cvm_vmf_insert_unit(vmf, gpn, cvm_gup_able(r, shared));
	if (ret == VM_FAULT_NOPAGE)
		cvm_count_fault(r, true);
	return ret;
}

/* Map the 2 MiB unit around the fault with one PMD, or let 4 KiB faults do it. */
static vm_fault_t cvm_pmd_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cvm_range *r = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	pgoff_t pgoff = linear_page_index(vma, addr);
	u64 gpn = cvm_pgoff_gpn(pgoff);
	vm_fault_t ret;

	/* The VMA lies inside the range (cvm_mmap()), so the unit does too. */
	if (!cvm_pmd_mappable(cvm_gup_able(r, cvm_pgoff_shared(pgoff))) || addr < vma->vm_start ||
	    addr + PMD_SIZE > vma->vm_end || !IS_ALIGNED(gpn, CVM_UNIT_PAGES))
		return VM_FAULT_FALLBACK;
	if (cvm_view_lock(r, gpn, CVM_UNIT_PAGES, cvm_pgoff_gpn(vmf->pgoff),
			  cvm_pgoff_shared(pgoff)))
		return VM_FAULT_FALLBACK;
	ret = cvm_insert_pmd(vmf, r, gpn, cvm_pgoff_shared(pgoff));
	up_read(&r->map_lock);
	return ret;
}

static vm_fault_t cvm_huge_fault(struct vm_fault *vmf, CVM_FAULT_SIZE size)
{
	if (size != CVM_FAULT_PMD)
		return VM_FAULT_FALLBACK;
	return cvm_pmd_fault(vmf);
}

/*
 * Each VMA, including those made by a split, fork or mremap (all of which
 * call ->open), holds the range against REMOVE_RANGE until ->close, which
 * runs after its PTEs are gone.
 */
static void cvm_vma_open(struct vm_area_struct *vma)
{
	struct cvm_range *r = vma->vm_private_data;

	atomic_inc(&r->mappings);
}

static void cvm_vma_close(struct vm_area_struct *vma)
{
	struct cvm_range *r = vma->vm_private_data;

	atomic_dec(&r->mappings);
}

static const struct vm_operations_struct cvm_vm_ops = {
	.open = cvm_vma_open,
	.close = cvm_vma_close,
	.fault = cvm_fault,
	.huge_fault = cvm_huge_fault,
};

/**
 * cvm_mmap() - map a view of one registered range
 * @file: an open /dev/cvm_vtlmem
 * @vma: the new VMA; its offset is the GPA, with CVM_VTLMEM_SHARED_VIEW set
 *	for the shared view
 *
 * Pages are mapped at fault time, each only while its state allows the
 * view. Ranges without struct pages are VM_PFNMAP | VM_IO, so GUP on them
 * fails with EFAULT; ranges with struct pages are VM_MIXEDMAP.
 *
 * Return: 0; -EINVAL for a private mapping or a span that is not inside one
 * registered range.
 */
int cvm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cvm_range *r;

	/* Copy-on-write would turn guest memory into anonymous pages. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	r = cvm_range_get(cvm_pgoff_gpn(vma->vm_pgoff), vma_pages(vma));
	if (IS_ERR(r))
		return PTR_ERR(r);

	/*
	 * VM_DONTEXPAND refuses mremap() growth beyond the range. VM_HUGEPAGE
	 * asks for PMDs where the THP setting is "madvise" and S_DAX is 0
	 * (no CONFIG_FS_DAX).
	 */
	cvm_vm_flags_set(vma, (r->pgmap ? VM_MIXEDMAP : VM_PFNMAP | VM_IO) |
			 VM_DONTEXPAND | VM_DONTDUMP | VM_HUGEPAGE);
	/*
	 * Host-visible pages are mapped without the C-bit (SNP) or with the
	 * shared bit (TDX). That bit is in _PAGE_CHG_MASK, so it survives
	 * vma_set_page_prot() after this and mprotect() later.
	 */
	if (cvm_pgoff_shared(vma->vm_pgoff))
		vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);
	vma->vm_ops = &cvm_vm_ops;
	vma->vm_private_data = r;
	atomic_inc(&r->mappings);
	cvm_range_put(r);
	return 0;
}

/**
 * cvm_zap() - unmap a GPA span from every user mapping, in both views
 * @gpn: first page
 * @npages: number of pages
 *
 * A PMD that covers part of the span goes whole. Context: process or
 * workqueue, may sleep (takes the address space's i_mmap lock, never
 * mmap_lock, so it may run with or without the range's map_lock).
 */
void cvm_zap(u64 gpn, u64 npages)
{
	struct address_space *mapping = cvm_inode->i_mapping;

	unmap_mapping_pages(mapping, gpn, npages, true);
	unmap_mapping_pages(mapping, gpn | CVM_VIEW_PGOFF, npages, true);
}

/**
 * cvm_mapping_open() - make a new file use the module's address space
 * @file: the file being opened
 */
void cvm_mapping_open(struct file *file)
{
	file->f_mapping = cvm_inode->i_mapping;
}

/**
 * cvm_mapping_init() - create the address space every open file shares
 *
 * Return: 0 or a negative errno.
 */
int cvm_mapping_init(void)
{
	struct inode *inode;

	cvm_mnt = kern_mount(&cvm_fs_type);
	if (IS_ERR(cvm_mnt))
		return PTR_ERR(cvm_mnt);
	inode = alloc_anon_inode(cvm_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		kern_unmount(cvm_mnt);
		return PTR_ERR(inode);
	}
	inode->i_flags |= CVM_VIEW_INODE_FLAGS;
	cvm_inode = inode;
	return 0;
}

/**
 * cvm_mapping_exit() - release the address space (no file may be open)
 */
void cvm_mapping_exit(void)
{
	iput(cvm_inode);
	kern_unmount(cvm_mnt);
}

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
