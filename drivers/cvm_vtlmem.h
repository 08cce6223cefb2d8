/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the module. Each file owns
 * one concept; this header only names what crosses file boundaries.
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
