/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cvm_vtlmem: VTL0 memory management for a Hyper-V paravisor running in VTL2.
 *
 * The user-space ABI of /dev/cvm_vtlmem. Every ioctl argument is an
 * extensible struct whose first member is its own size in bytes: the kernel
 * accepts any size from the first published version of the struct up to
 * PAGE_SIZE, treats missing trailing fields as zero, and rejects non-zero
 * bytes it does not know with E2BIG. The size encoded in the ioctl number is
 * that of the current struct and is ignored when matching the command.
 */
#ifndef _UAPI_LINUX_CVM_VTLMEM_H
#define _UAPI_LINUX_CVM_VTLMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped only for incompatible changes; growth of a struct does not. */
#define CVM_VTLMEM_ABI_VERSION		1

#define CVM_VTLMEM_IOC_MAGIC		0xC7

/**
 * enum cvm_vtlmem_isolation - the isolation architecture of the partition
 * @CVM_VTLMEM_ISOLATION_NONE: no hardware isolation; only VTL protections
 * @CVM_VTLMEM_ISOLATION_VBS: software (VBS) isolation; hypercalls only
 * @CVM_VTLMEM_ISOLATION_SNP: AMD SEV-SNP; PVALIDATE and RMPADJUST
 * @CVM_VTLMEM_ISOLATION_TDX: Intel TDX partitioning; TDG.MEM.PAGE.* TDCALLs
 */
enum cvm_vtlmem_isolation {
	CVM_VTLMEM_ISOLATION_NONE = 0,
	CVM_VTLMEM_ISOLATION_VBS = 1,
	CVM_VTLMEM_ISOLATION_SNP = 2,
	CVM_VTLMEM_ISOLATION_TDX = 3,
};

/**
 * enum cvm_vtlmem_backend - what executes the module's hypercalls
 * @CVM_VTLMEM_BACKEND_HYPERV: the real hypervisor and isolation hardware
 * @CVM_VTLMEM_BACKEND_SIM: the simulated hypervisor built into the module
 */
enum cvm_vtlmem_backend {
	CVM_VTLMEM_BACKEND_HYPERV = 0,
	CVM_VTLMEM_BACKEND_SIM = 1,
};

/**
 * struct cvm_vtlmem_info - argument of %CVM_VTLMEM_IOC_GET_INFO
 * @size: in: sizeof(struct cvm_vtlmem_info) as the caller knows it (at
 *	least %CVM_VTLMEM_INFO_SIZE_VER0); out: the number of bytes written
 * @flags: in: must be zero
 * @abi_version: out: %CVM_VTLMEM_ABI_VERSION of the running module
 * @isolation: out: an &enum cvm_vtlmem_isolation value
 * @backend: out: an &enum cvm_vtlmem_backend value
 * @max_gpns_per_call: out: GPNs one list hypercall carries (visibility,
 *	protections); requests are batched to this limit
 * @max_reps_per_call: out: pages one accept hypercall covers at most
 * @page_sizes: out: bit mask of the page sizes the platform accepts at,
 *	bit n set meaning 2^n bytes (4 KiB, 2 MiB, 1 GiB)
 * @nr_ranges: out: number of registered VTL0 ranges (since VER1)
 * @state_bytes: out: bytes of VTL2 memory spent on per-page state (VER1)
 * @registered_bytes: out: bytes of VTL0 memory in registered ranges (VER1)
 *
 * Output fields are ignored on input.
 */
struct cvm_vtlmem_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 isolation;
	__u32 backend;
	__u32 max_gpns_per_call;
	__u32 max_reps_per_call;
	__u32 page_sizes;
	__u64 nr_ranges;
	__u64 state_bytes;
	__u64 registered_bytes;
};

#define CVM_VTLMEM_INFO_SIZE_VER0	32	/* up to @page_sizes */
#define CVM_VTLMEM_INFO_SIZE_VER1	56	/* up to @registered_bytes */

/* Read the module's identity and limits. */
#define CVM_VTLMEM_IOC_GET_INFO \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x00, struct cvm_vtlmem_info)

#endif /* _UAPI_LINUX_CVM_VTLMEM_H */
