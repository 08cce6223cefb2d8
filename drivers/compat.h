/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels the module builds for (Debian's 6.1 and
 * 6.12, and the newest stable kernel, 7.3 today) and between kernel
 * configurations, each behind one small helper so that no other file tests
 * a version or a config option.
 */
#ifndef CVM_VTLMEM_COMPAT_H
#define CVM_VTLMEM_COMPAT_H

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/version.h>

/* The module's one kernel version test: the helpers below use only this. */
#define CVM_KERNEL_SINCE(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

#if !CVM_KERNEL_SINCE(6, 17)
#include <linux/pfn_t.h>
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void cvm_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
#if CVM_KERNEL_SINCE(6, 3)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * ->huge_fault() took an enum page_entry_size until 6.6 and a page order
 * since: the type of its second argument, and the value meaning a PMD.
 */
#if CVM_KERNEL_SINCE(6, 6)
#define CVM_FAULT_SIZE	unsigned int
#define CVM_FAULT_PMD	(PMD_SHIFT - PAGE_SHIFT)
#else
#define CVM_FAULT_SIZE	enum page_entry_size
#define CVM_FAULT_PMD	PE_SIZE_PMD
#endif

/*
 * Whether one PMD may map a 2 MiB unit. ZONE_DEVICE pages go in as devmap
 * entries, which GUP-fast follows to their pgmap. Memory without struct
 * pages needs pmd_special() (huge PFN maps, 6.12): before it, GUP-fast
 * takes any huge PMD for a THP and dereferences struct pages that do not
 * exist (why TTM dropped its huge PFN mappings in 5.16).
 */
static inline bool cvm_pmd_mappable(bool struct_pages)
{
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return false;
	if (struct_pages)
		return IS_ENABLED(CONFIG_ARCH_HAS_PTE_DEVMAP);
	return IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
}

/*
 * Inserting VTL0 memory into a user mapping, one page or one 2 MiB unit,
 * either as its struct page (@page: a ZONE_DEVICE page GUP can follow) or
 * as a special entry GUP refuses. Until 6.17 a pfn_t said which: PFN_DEV |
 * PFN_MAP made a devmap entry, PFN_DEV alone a special one. 6.17 removed
 * pfn_t and devmap entries: a page goes in as a normal page, the mapping
 * holding a reference to it until it is zapped, and a 2 MiB unit of
 * order-0 ZONE_DEVICE pages cannot be one PMD (cvm_pmd_mappable(true) is
 * false there: CONFIG_ARCH_HAS_PTE_DEVMAP is gone).
 */
#if CVM_KERNEL_SINCE(6, 17)
static inline vm_fault_t cvm_vmf_insert_page(struct vm_fault *vmf, unsigned long pfn,
					     bool page)
{
	if (page)
		return vmf_insert_page_mkwrite(vmf, pfn_to_page(pfn),
					       vmf->flags & FAULT_FLAG_WRITE);
	return vmf_insert_pfn(vmf->vma, vmf->address, pfn);
}

static inline vm_fault_t cvm_vmf_insert_unit(struct vm_fault *vmf, unsigned long pfn,
					     bool page)
{
	if (page)
		return VM_FAULT_FALLBACK;
	return vmf_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
}

/* A special entry in a VM_MIXEDMAP mapping (whose pages have struct pages). */
static inline vm_fault_t cvm_vmf_insert_special(struct vm_fault *vmf, unsigned long pfn)
{
	return vmf_insert_mixed(vmf->vma, vmf->address, pfn);
}
#else
static inline pfn_t cvm_pfn_t(unsigned long pfn, bool page)
{
	return __pfn_to_pfn_t(pfn, page ? PFN_DEV | PFN_MAP : PFN_DEV);
}

static inline vm_fault_t cvm_vmf_insert_page(struct vm_fault *vmf, unsigned long pfn,
					     bool page)
{
	if (page)
		return vmf_insert_mixed(vmf->vma, vmf->address, cvm_pfn_t(pfn, true));
	return vmf_insert_pfn(vmf->vma, vmf->address, pfn);
}

static inline vm_fault_t cvm_vmf_insert_unit(struct vm_fault *vmf, unsigned long pfn,
					     bool page)
{
	return vmf_insert_pfn_pmd(vmf, cvm_pfn_t(pfn, page), vmf->flags & FAULT_FLAG_WRITE);
}

static inline vm_fault_t cvm_vmf_insert_special(struct vm_fault *vmf, unsigned long pfn)
{
	return vmf_insert_mixed(vmf->vma, vmf->address, cvm_pfn_t(pfn, false));
}
#endif

/*
 * A workqueue bound to CPUs says so with WQ_PERCPU on newer kernels (7.3
 * warns at alloc_workqueue() about one that says neither WQ_PERCPU nor
 * WQ_UNBOUND); 6.1 has no such flag, and without it the default is per-CPU.
 */
#if CVM_KERNEL_SINCE(7, 0)
#define CVM_WQ_PERCPU	WQ_PERCPU
#else
#define CVM_WQ_PERCPU	0
#endif

/*
 * The views' inode is S_DAX so that 6.1 offers ->huge_fault() to their
 * VMAs. Since fsdax went over to folios (with devmap's removal, 6.17), a
 * DAX VMA is no longer "special huge": splitting one of our PMDs would take
 * the PFN map for a folio (7.3: split_huge_pmd on memory without struct
 * pages). There a VM_PFNMAP or VM_MIXEDMAP VMA gets ->huge_fault() alone.
 * (The boundary is unverified between 6.12 and 7.3; both ends are tested.)
 */
#if CVM_KERNEL_SINCE(6, 17)
#define CVM_VIEW_INODE_FLAGS	0
#else
#define CVM_VIEW_INODE_FLAGS	S_DAX
#endif

/* memremap_pages() exists only with CONFIG_ZONE_DEVICE. */
#ifdef CONFIG_ZONE_DEVICE
static inline void *cvm_memremap_pages(struct dev_pagemap *pgmap, int nid)
{
	return memremap_pages(pgmap, nid);
}

static inline void cvm_memunmap_pages(struct dev_pagemap *pgmap)
{
	memunmap_pages(pgmap);
}
#else
static inline void *cvm_memremap_pages(struct dev_pagemap *pgmap, int nid)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void cvm_memunmap_pages(struct dev_pagemap *pgmap)
{
}
#endif

/*
 * The kernel alias of VTL0 memory that PVALIDATE, RMPADJUST and zeroing go
 * through must map it encrypted (private). memremap(MEMREMAP_WB) of memory
 * that is not System RAM maps it decrypted on CoCo guests before 6.15
 * (commit 81256a50aa0f) and ignores MEMREMAP_ENC there; ioremap_encrypted()
 * maps write-back and encrypted on every supported kernel.
 */
static inline void *cvm_map_encrypted(u64 gpa, u64 len)
{
	return (__force void *)ioremap_encrypted(gpa, len);
}

static inline void cvm_unmap_encrypted(void *va)
{
	iounmap((__force void __iomem *)va);
}

/*
 * For transport_hyperv.c, the one file that includes <asm/mshyperv.h>
 * (its HV_STATUS_* names clash with hv_abi.h's), hence macros.
 *
 * cvm_hv_kernel_vtl(): the VTL this kernel runs in, as it found out at boot
 * (ms_hyperv.vtl, read from HvRegisterVsmVpStatus by kernels built with
 * CONFIG_HYPERV_VTL_MODE, 0 elsewhere), or -1 where the kernel keeps no
 * such record.
 *
 * CVM_HV_ISOLATED_HYPERCALLS: hv_do_hypercall() reaches the hypervisor from
 * a hardware-isolated VTL2, where the hypercall page cannot be used:
 * VMMCALL on SNP, TDG.VP.VMCALL on TDX, when no paravisor runs below the
 * kernel (present in 6.12 and 7.3, absent in 6.1; 6.6 unverified).
 */
#if CVM_KERNEL_SINCE(6, 6)
#define cvm_hv_kernel_vtl()		((int)ms_hyperv.vtl)
#define CVM_HV_ISOLATED_HYPERCALLS	true
#else
#define cvm_hv_kernel_vtl()		(-1)
#define CVM_HV_ISOLATED_HYPERCALLS	false
#endif

#endif /* CVM_VTLMEM_COMPAT_H */
