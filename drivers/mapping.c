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
#include <linux/hash.h>
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

#include "accept.h"
#include "compat.h"
#include "cvm_vtlmem.h"
#include "mapping.h"
#include "registry.h"
#include "sim/oracle.h"
#include "stats.h"
#include "struct_pages.h"

#define CVM_FS_MAGIC	0x63766d6d	/* "cvmm" */

/* CVM_VTLMEM_SHARED_VIEW as it appears in a page offset. */
#define CVM_VIEW_PGOFF	(CVM_VTLMEM_SHARED_VIEW >> PAGE_SHIFT)

static struct vfsmount *cvm_mnt;
static struct inode *cvm_inode;

/*
 * One page table entry at a time per PMD slot of a user mapping: a 2 MiB
 * fault checks the PMD and fills it with nothing else filling it, since a
 * 4 KiB fault may install a page table under a PMD the core saw empty, and
 * vmf_insert_pfn_pmd() WARNs on a write fault that meets one. 4 KiB faults
 * take their slot's lock shared, a 2 MiB fault exclusive; the slots are
 * hashed by the PMD's address. Nests inside cvm_range.map_lock (read).
 */
#define CVM_PMD_LOCK_BITS	6
static struct rw_semaphore cvm_pmd_locks[1 << CVM_PMD_LOCK_BITS];

static struct rw_semaphore *cvm_pmd_slot(struct vm_fault *vmf)
{
	return &cvm_pmd_locks[hash_ptr(vmf->pmd, CVM_PMD_LOCK_BITS)];
}

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
	lockdep_assert_held_read(&r->map_lock);
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
 * accept primitive takes the unit's claim itself, so it runs unlocked, and
 * everything is checked again after it.
 *
 * Return: 0 with the lock held, else a VM_FAULT_* code without it.
 */
static vm_fault_t cvm_view_lock(struct cvm_range *r, u64 gpn, u64 npages,
				u64 touched, bool shared)
{
	enum cvm_page_state want = shared ? CVM_PS_SHARED : CVM_PS_PRIVATE;
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
		if (tried || shared || !(r->flags & CVM_VTLMEM_RANGE_LAZY) ||
		    cvm_page_state(r, touched) != CVM_PS_UNACCEPTED) {
			up_read(&r->map_lock);
			return VM_FAULT_SIGBUS;
		}
		up_read(&r->map_lock);
		/* The faulting thread waits for the unit. */
		err = cvm_accept_unit(r, touched, true, NULL);
		if (err)
			return vmf_error(err);
		tried = true;
	}
}

static vm_fault_t cvm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cvm_range *r = vma->vm_private_data;
	struct rw_semaphore *slot = cvm_pmd_slot(vmf);
	u64 gpn = cvm_pgoff_gpn(vmf->pgoff);
	vm_fault_t ret;

	ret = cvm_view_lock(r, gpn, 1, gpn, cvm_pgoff_shared(vmf->pgoff));
	if (ret)
		return ret;
	down_read(slot);
	/* A racing 2 MiB fault mapped the unit already: retry the access. */
	if (pmd_leaf(READ_ONCE(*vmf->pmd)))
		ret = VM_FAULT_NOPAGE;
	else
		ret = cvm_insert_page(vmf, r, gpn, cvm_pgoff_shared(vmf->pgoff));
	up_read(slot);
	up_read(&r->map_lock);

	if (ret == VM_FAULT_NOPAGE)
		cvm_count_fault(r, false);
	return ret;
}

/* Caller holds r->map_lock for read with the whole unit in the right state. */
static vm_fault_t cvm_insert_pmd(struct vm_fault *vmf, struct cvm_range *r, u64 gpn,
				 bool shared)
{
	struct rw_semaphore *slot = cvm_pmd_slot(vmf);
	vm_fault_t ret = VM_FAULT_FALLBACK;
	pmd_t pmd;

	lockdep_assert_held_read(&r->map_lock);
	/* A racing 4 KiB fault may have installed a page table: use it. */
	down_write(slot);
	pmd = READ_ONCE(*vmf->pmd);
	if (pmd_none(pmd) || pmd_leaf(pmd))
		ret = cvm_vmf_insert_unit(vmf, gpn, cvm_gup_able(r, shared));
	up_write(slot);
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
	int i;

	for (i = 0; i < ARRAY_SIZE(cvm_pmd_locks); i++)
		init_rwsem(&cvm_pmd_locks[i]);
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
 * cvm_view_hold_unit() - make faults on a claimed unit wait, and unmap it
 * @r: the range
 * @gpn: a page of the unit, which the caller has claimed
 *
 * For a platform change that leaves the unit's other pages briefly
 * unusable (SNP re-validating a 2 MiB page at 4 KiB): once this returns 0,
 * no user PTE maps the unit, no fault will map it and nothing references
 * its pages through GUP until cvm_view_release_unit().
 *
 * Return: 0; -EBUSY if a GUP reference to a page of the unit stayed (the
 * unit is released again).
 */
int cvm_view_hold_unit(struct cvm_range *r, u64 gpn)
{
	u64 first = max(r->gpn, round_down(gpn, CVM_UNIT_PAGES));
	u64 end = min(r->gpn + r->npages, round_up(gpn + 1, CVM_UNIT_PAGES));

	cvm_range_hold_unit(r, gpn, true);
	/* A fault that looked before the bit was set has finished mapping ... */
	down_write(&r->map_lock);
	up_write(&r->map_lock);
	/* ... so this unmaps all there is, and later faults see the bit. */
	cvm_zap(first, end - first);
	if (cvm_pages_wait_unpinned(r, first, end - first) < end - first) {
		cvm_view_release_unit(r, gpn);
		return -EBUSY;
	}
	return 0;
}

/**
 * cvm_view_release_unit() - let faults on a unit go on
 * @r: the range
 * @gpn: a page of the unit held by cvm_view_hold_unit()
 */
void cvm_view_release_unit(struct cvm_range *r, u64 gpn)
{
	cvm_range_hold_unit(r, gpn, false);
}
