/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the module. Each file owns
 * one concept; this header only names what crosses file boundaries.
 *
 * Lock ordering in cvm_vtlmem (outermost first; a lock may be taken while
 * holding those it is indented under, never the other way round):
 *
 * vtl2_lock                          (vtl2_protect.c: one PROTECT_VTL2)
 *   vtl2_done's tree lock            (taken by its engine workers)
 * registry_lock                      (registry.c)
 *   bg_lock                          (background.c: REMOVE_RANGE's quiesce)
 *   cvm_range.map_lock, read         (LIST_RANGES)
 * mm->mmap_lock or the VMA's lock    (a fault arrives holding it)
 *   unit claims                      (cvm_range.claimed; a first touch of a
 *                                     lazy range waits for its unit's)
 *     cvm_range.map_lock             (faults, QUERY: read; transitions: write)
 *       cvm_pmd_locks[]              (mapping.c: faults only)
 *         page table locks           (vmf_insert_*())
 *       cvm_range.claim_lock         (claimed and held bits)
 *       cvm_range.rights' tree lock  (registry.c)
 * cvm_file.jobs' xa_lock             (jobs.c)
 *   cvm_job.lock                     (engine.c)
 * bg_lock                            (alone, or under registry_lock)
 *
 * Below all of them, and taking none: the hypercall transport (interrupts
 * off while this CPU's input page is in use) and the simulator's locks.
 *
 * Unit claims are sleeping ownership of 2 MiB units, taken in ascending
 * GPN order within a range (page sets: across ranges too); lockdep does
 * not see them, so functions that need them say
 * lockdep_assert(cvm_range_claimed(...)). map_lock is never held across a
 * zap (unmap_mapping_pages() takes i_mmap_rwsem), across copy_to_user()
 * (the buffer may be a view of this very range) or across a platform call.
 */
#ifndef CVM_VTLMEM_H
#define CVM_VTLMEM_H

#include <linux/types.h>
#include <linux/cvm_vtlmem.h>

struct cvm_backend;
struct dentry;

/**
 * struct cvm_vtlmem - the module's single instance
 * @isolation: the partition's isolation type, fixed at load
 * @backend: the hypervisor below: the real one or the simulation (backend.h),
 *	fixed at load
 * @debugfs: the module's debugfs directory (may be an error pointer)
 *
 * Set once in module init before the device is registered and never
 * changed afterwards, so readers need no lock.
 */
struct cvm_vtlmem {
	enum cvm_vtlmem_isolation isolation;
	const struct cvm_backend *backend;
	struct dentry *debugfs;
};

extern struct cvm_vtlmem cvm;

const char *cvm_isolation_name(enum cvm_vtlmem_isolation isolation);
int cvm_isolation_parse(const char *name, enum cvm_vtlmem_isolation *isolation);
bool cvm_backend_is_lower_vtl_ram(u64 gpa, u64 len);

int cvm_device_init(void);
void cvm_device_exit(void);

int cvm_debugfs_init(void);
void cvm_debugfs_backend_init(void);
void cvm_debugfs_exit(void);

#endif /* CVM_VTLMEM_H */
