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
 *	(only in builds with CVM_VTLMEM_SIM=y, for testing)
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
 * @max_reps_per_call: out: pages one accept hypercall covers at most (509,
 *	as OpenHCL sends them)
 * @page_sizes: out: bit mask of the page sizes the platform accepts at,
 *	bit n set meaning 2^n bytes (4 KiB, 2 MiB, 1 GiB), less those it has
 *	refused since the module was loaded (TDX: 1 GiB)
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

/*
 * mmap: the file offset is the guest-physical address. Offsets with
 * CVM_VTLMEM_SHARED_VIEW set map the shared (host-visible) view of the same
 * GPA; without it, the private (encrypted, accepted) view. A page is
 * reachable through a view only while its state allows it; any other access
 * raises SIGBUS. Only MAP_SHARED mappings are allowed.
 */
#define CVM_VTLMEM_SHARED_VIEW		(1ULL << 62)

/**
 * enum cvm_vtlmem_range_kind - what a registered range is
 * @CVM_VTLMEM_RANGE_PRIVATE: VTL0 RAM: private, accepted before use
 * @CVM_VTLMEM_RANGE_SHARED_POOL: a pool of pages meant to be host-visible
 */
enum cvm_vtlmem_range_kind {
	CVM_VTLMEM_RANGE_PRIVATE = 0,
	CVM_VTLMEM_RANGE_SHARED_POOL = 1,
};

/* ADD_RANGE flags */
/* The boot loader already accepted every page of the range. */
#define CVM_VTLMEM_RANGE_ACCEPTED	(1U << 0)
/* Accept on first touch through the private view, one 2 MiB unit at a time. */
#define CVM_VTLMEM_RANGE_LAZY		(1U << 1)
/* Back the range with ZONE_DEVICE struct pages so that GUP works on it. */
#define CVM_VTLMEM_RANGE_STRUCT_PAGES	(1U << 2)
#define CVM_VTLMEM_RANGE_FLAGS		(CVM_VTLMEM_RANGE_ACCEPTED | \
					 CVM_VTLMEM_RANGE_LAZY | \
					 CVM_VTLMEM_RANGE_STRUCT_PAGES)

/* NUMA node value meaning "no preference". */
#define CVM_VTLMEM_NO_NODE		(-1)

/**
 * struct cvm_vtlmem_range - argument of %CVM_VTLMEM_IOC_ADD_RANGE
 * @size: sizeof(struct cvm_vtlmem_range), at least
 *	%CVM_VTLMEM_RANGE_SIZE_VER0
 * @flags: CVM_VTLMEM_RANGE_* flags
 * @gpa: first guest-physical address, 4 KiB aligned (2 MiB with
 *	%CVM_VTLMEM_RANGE_STRUCT_PAGES)
 * @length: bytes, non-zero, aligned like @gpa
 * @kind: an &enum cvm_vtlmem_range_kind value
 * @numa_node: node whose CPUs do the range's work, or %CVM_VTLMEM_NO_NODE
 */
struct cvm_vtlmem_range {
	__u32 size;
	__u32 flags;
	__u64 gpa;
	__u64 length;
	__u32 kind;
	__s32 numa_node;
};

#define CVM_VTLMEM_RANGE_SIZE_VER0	32

/**
 * struct cvm_vtlmem_range_info - one entry of %CVM_VTLMEM_IOC_LIST_RANGES
 * @gpa: first guest-physical address
 * @length: bytes
 * @kind: an &enum cvm_vtlmem_range_kind value
 * @flags: the CVM_VTLMEM_RANGE_* flags it was registered with
 * @numa_node: its NUMA node or %CVM_VTLMEM_NO_NODE
 * @busy: non-zero while an operation runs on it or a mapping holds it
 * @accepted_pages: pages accepted and private
 * @shared_pages: pages host-visible
 * @quarantined_pages: pages lost to a failed transition (see QUERY)
 * @background_units: 2 MiB units queued for background acceptance and not
 *	yet taken by the worker (see %CVM_VTLMEM_ACCEPT_BACKGROUND)
 */
struct cvm_vtlmem_range_info {
	__u64 gpa;
	__u64 length;
	__u32 kind;
	__u32 flags;
	__s32 numa_node;
	__u32 busy;
	__u64 accepted_pages;
	__u64 shared_pages;
	__u64 quarantined_pages;
	__u64 background_units;
};

/**
 * struct cvm_vtlmem_list_ranges - argument of %CVM_VTLMEM_IOC_LIST_RANGES
 * @size: sizeof(struct cvm_vtlmem_list_ranges)
 * @flags: must be zero
 * @capacity: in: entries the array at @entries can hold (may be 0)
 * @count: out: entries the module has; min(@count, @capacity) written
 * @entry_size: in: sizeof(struct cvm_vtlmem_range_info) as the caller
 *	knows it; each entry is written truncated to this size
 * @reserved: must be zero
 * @entries: user pointer to the array, in ascending GPA order
 */
struct cvm_vtlmem_list_ranges {
	__u32 size;
	__u32 flags;
	__u32 capacity;
	__u32 count;
	__u32 entry_size;
	__u32 reserved;
	__u64 entries;
};

#define CVM_VTLMEM_LIST_RANGES_SIZE_VER0	32

/**
 * struct cvm_vtlmem_remove_range - argument of %CVM_VTLMEM_IOC_REMOVE_RANGE
 * @size: sizeof(struct cvm_vtlmem_remove_range)
 * @flags: must be zero
 * @gpa: first address of a registered range (the whole range goes)
 */
struct cvm_vtlmem_remove_range {
	__u32 size;
	__u32 flags;
	__u64 gpa;
};

#define CVM_VTLMEM_REMOVE_RANGE_SIZE_VER0	16

/* QUERY: one __u16 per 4 KiB page. */
#define CVM_VTLMEM_PAGE_STATE_MASK	0x3	/* bits 0-1: one of: */
#define CVM_VTLMEM_PAGE_UNACCEPTED	0x0	/* private, not accepted yet */
#define CVM_VTLMEM_PAGE_PRIVATE		0x1	/* accepted, private */
#define CVM_VTLMEM_PAGE_SHARED		0x2	/* host-visible */
#define CVM_VTLMEM_PAGE_QUARANTINED	0x3	/* failed transition: no view */
#define CVM_VTLMEM_PAGE_VTL0_SHIFT	4	/* bits 4-7: VTL0 rights */
#define CVM_VTLMEM_PAGE_VTL1_SHIFT	8	/* bits 8-11: VTL1 rights */

/* Lower-VTL rights, as HV_MAP_GPA_* in the TLFS. */
#define CVM_VTLMEM_RIGHT_READ		0x1
#define CVM_VTLMEM_RIGHT_WRITE		0x2
#define CVM_VTLMEM_RIGHT_KERNEL_EXEC	0x4
#define CVM_VTLMEM_RIGHT_USER_EXEC	0x8
#define CVM_VTLMEM_RIGHTS_ALL		0xF

/**
 * struct cvm_vtlmem_query - argument of %CVM_VTLMEM_IOC_QUERY
 * @size: sizeof(struct cvm_vtlmem_query)
 * @flags: must be zero
 * @gpa: first address, 4 KiB aligned, inside one registered range
 * @npages: pages to report, non-zero, all inside that range, at most
 *	%CVM_VTLMEM_QUERY_MAX_PAGES
 * @states: user pointer to @npages __u16 page states (CVM_VTLMEM_PAGE_*)
 */
struct cvm_vtlmem_query {
	__u32 size;
	__u32 flags;
	__u64 gpa;
	__u64 npages;
	__u64 states;
};

#define CVM_VTLMEM_QUERY_SIZE_VER0	32
#define CVM_VTLMEM_QUERY_MAX_PAGES	(1U << 20)

#define CVM_VTLMEM_IOC_ADD_RANGE \
	_IOW(CVM_VTLMEM_IOC_MAGIC, 0x01, struct cvm_vtlmem_range)
#define CVM_VTLMEM_IOC_REMOVE_RANGE \
	_IOW(CVM_VTLMEM_IOC_MAGIC, 0x02, struct cvm_vtlmem_remove_range)
#define CVM_VTLMEM_IOC_LIST_RANGES \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x03, struct cvm_vtlmem_list_ranges)
#define CVM_VTLMEM_IOC_QUERY \
	_IOW(CVM_VTLMEM_IOC_MAGIC, 0x04, struct cvm_vtlmem_query)

/* ACCEPT flags */
/* Zero the pages even where the platform zeroes them itself. */
#define CVM_VTLMEM_ACCEPT_ZERO		(1U << 0)
/* Do not zero, even where the platform does not (the caller vouches). */
#define CVM_VTLMEM_ACCEPT_NO_ZERO	(1U << 1)
/* Grant VTL0 its initial rights (%CVM_VTLMEM_RIGHTS_ALL) once accepted. */
#define CVM_VTLMEM_ACCEPT_GRANT_VTL0	(1U << 2)
/*
 * Return at once with a job id in @job; the work goes on and is followed
 * with %CVM_VTLMEM_IOC_ACCEPT_STATUS on the same open file. Needs a struct
 * of at least %CVM_VTLMEM_ACCEPT_SIZE_VER1.
 */
#define CVM_VTLMEM_ACCEPT_NOWAIT	(1U << 3)
/*
 * Lazy ranges only: queue the 2 MiB units the span touches for acceptance
 * by a low-priority background worker and return at once. Each unit is
 * accepted exactly as a first touch would accept it (zeroed where the
 * platform does not zero, VTL0 granted %CVM_VTLMEM_RIGHTS_ALL), so no
 * other flag may be given. The work outlives the open file; it stops when
 * the range is removed or the module unloaded. LIST_RANGES reports the
 * units still queued.
 */
#define CVM_VTLMEM_ACCEPT_BACKGROUND	(1U << 4)
#define CVM_VTLMEM_ACCEPT_FLAGS		(CVM_VTLMEM_ACCEPT_ZERO | \
					 CVM_VTLMEM_ACCEPT_NO_ZERO | \
					 CVM_VTLMEM_ACCEPT_GRANT_VTL0 | \
					 CVM_VTLMEM_ACCEPT_NOWAIT | \
					 CVM_VTLMEM_ACCEPT_BACKGROUND)

/* Most %CVM_VTLMEM_ACCEPT_NOWAIT jobs an open file may hold at once. */
#define CVM_VTLMEM_MAX_JOBS		64

/**
 * struct cvm_vtlmem_accept - argument of %CVM_VTLMEM_IOC_ACCEPT
 * @size: sizeof(struct cvm_vtlmem_accept)
 * @flags: CVM_VTLMEM_ACCEPT_* flags (ZERO and NO_ZERO are exclusive)
 * @gpa: first address, 4 KiB aligned, inside one registered private range
 * @length: bytes, 4 KiB aligned, non-zero, inside the same range
 * @accepted: out: pages this call accepted (already accepted pages are
 *	skipped and not counted); exact on success and on failure
 * @fail_gpa: out: on failure, the first page that was not accepted
 * @fail_status: out: on failure, the platform's status for @fail_gpa
 *	(HV_STATUS, PVALIDATE or TDX completion code), 0 if none
 * @job: out: with %CVM_VTLMEM_ACCEPT_NOWAIT, the job's id (never 0); else
 *	0 (since VER1)
 * @reserved: must be zero (since VER1)
 *
 * With %CVM_VTLMEM_ACCEPT_NOWAIT or %CVM_VTLMEM_ACCEPT_BACKGROUND the call
 * returns before any page is accepted: @accepted, @fail_gpa and
 * @fail_status read 0, and the outcome is learnt later.
 */
struct cvm_vtlmem_accept {
	__u32 size;
	__u32 flags;
	__u64 gpa;
	__u64 length;
	__u64 accepted;
	__u64 fail_gpa;
	__u64 fail_status;
	__u32 job;
	__u32 reserved;
};

#define CVM_VTLMEM_ACCEPT_SIZE_VER0	48	/* up to @fail_status */
#define CVM_VTLMEM_ACCEPT_SIZE_VER1	56	/* up to @reserved */

#define CVM_VTLMEM_IOC_ACCEPT \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x05, struct cvm_vtlmem_accept)

/* ACCEPT_STATUS flags */
/* Sleep until the job has finished (interruptible: EINTR, job unharmed). */
#define CVM_VTLMEM_STATUS_WAIT		(1U << 0)
/*
 * Stop the job: no new chunk starts and running chunks stop before their
 * next call. It then finishes with error ECANCELED, its progress exact.
 */
#define CVM_VTLMEM_STATUS_CANCEL	(1U << 1)
#define CVM_VTLMEM_STATUS_FLAGS		(CVM_VTLMEM_STATUS_WAIT | \
					 CVM_VTLMEM_STATUS_CANCEL)

/* Job states */
#define CVM_VTLMEM_JOB_RUNNING		0
#define CVM_VTLMEM_JOB_DONE		1

/**
 * struct cvm_vtlmem_accept_status - argument of %CVM_VTLMEM_IOC_ACCEPT_STATUS
 * @size: sizeof(struct cvm_vtlmem_accept_status)
 * @flags: CVM_VTLMEM_STATUS_* flags
 * @job: a job id that ACCEPT with %CVM_VTLMEM_ACCEPT_NOWAIT returned on
 *	this open file
 * @state: out: %CVM_VTLMEM_JOB_RUNNING or %CVM_VTLMEM_JOB_DONE
 * @error: out: once done, 0 or the (positive) errno the ACCEPT would have
 *	returned without %CVM_VTLMEM_ACCEPT_NOWAIT; ECANCELED if cancelled
 * @reserved: must be zero
 * @npages: out: pages in the job's span
 * @examined: out: pages of the span the job is finished with, accepted by
 *	it or not; equals @npages once done without error
 * @accepted: out: pages the job accepted so far (exact once done)
 * @fail_gpa: out: once done with an error, as &struct cvm_vtlmem_accept
 * @fail_status: out: likewise
 *
 * The report of a finished job is given once: after it, the id is free and
 * asking again fails with ENOENT. Closing the file cancels its running
 * jobs and waits for their chunks to stop; every page keeps the state the
 * platform gave it, so a new ACCEPT picks up where they stopped. poll() on
 * the file reports POLLIN while a finished job awaits its report.
 */
struct cvm_vtlmem_accept_status {
	__u32 size;
	__u32 flags;
	__u32 job;
	__u32 state;
	__s32 error;
	__u32 reserved;
	__u64 npages;
	__u64 examined;
	__u64 accepted;
	__u64 fail_gpa;
	__u64 fail_status;
};

#define CVM_VTLMEM_ACCEPT_STATUS_SIZE_VER0	64

#define CVM_VTLMEM_IOC_ACCEPT_STATUS \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x09, struct cvm_vtlmem_accept_status)

/* Host visibility targets of SET_VISIBILITY. */
#define CVM_VTLMEM_VISIBILITY_PRIVATE	0
#define CVM_VTLMEM_VISIBILITY_SHARED	1

/* SET_VISIBILITY flags */
/* The pages are the @count GPNs at @gpns, not the span @gpa/@length. */
#define CVM_VTLMEM_VISIBILITY_GPN_LIST	(1U << 0)
/*
 * Going shared on a platform where the host reads a shared page's old
 * contents in plaintext (VBS): do not zero the pages first, the caller
 * shares their contents on purpose. Only with %CVM_VTLMEM_VISIBILITY_SHARED.
 */
#define CVM_VTLMEM_VISIBILITY_KEEP_CONTENTS	(1U << 1)
#define CVM_VTLMEM_VISIBILITY_FLAGS	(CVM_VTLMEM_VISIBILITY_GPN_LIST | \
					 CVM_VTLMEM_VISIBILITY_KEEP_CONTENTS)

/* Most GPNs one SET_VISIBILITY call takes. */
#define CVM_VTLMEM_VISIBILITY_MAX_GPNS	(1U << 20)

/**
 * struct cvm_vtlmem_visibility - argument of %CVM_VTLMEM_IOC_SET_VISIBILITY
 * @size: sizeof(struct cvm_vtlmem_visibility)
 * @flags: CVM_VTLMEM_VISIBILITY_* flags
 * @visibility: %CVM_VTLMEM_VISIBILITY_PRIVATE or %CVM_VTLMEM_VISIBILITY_SHARED
 * @count: with %CVM_VTLMEM_VISIBILITY_GPN_LIST, entries at @gpns (1 to
 *	%CVM_VTLMEM_VISIBILITY_MAX_GPNS; any order, duplicates allowed); else 0
 * @gpa: without the flag, first address of the span, 4 KiB aligned; else 0
 * @length: without the flag, bytes, 4 KiB aligned, non-zero; else 0
 * @gpns: with the flag, user pointer to @count __u64 guest page numbers
 * @processed: out: entries (or pages of the span) now in the target state,
 *	those that already were included
 * @fail_index: out: on failure, index of the first entry (or page of the
 *	span) whose page failed or could not make the transition
 * @fail_status: out: on failure, the platform's status for that page, 0 if
 *	it failed the checks made before anything changed
 *
 * Every page must lie in a registered range. Pages already in the target
 * state (shared; private and accepted) are skipped; an unaccepted page
 * going private is accepted. Pages that cannot make the transition (a
 * quarantined page going shared; on VBS an unaccepted one) fail the whole
 * request before anything changes.
 */
struct cvm_vtlmem_visibility {
	__u32 size;
	__u32 flags;
	__u32 visibility;
	__u32 count;
	__u64 gpa;
	__u64 length;
	__u64 gpns;
	__u64 processed;
	__u64 fail_index;
	__u64 fail_status;
};

#define CVM_VTLMEM_VISIBILITY_SIZE_VER0	64

#define CVM_VTLMEM_IOC_SET_VISIBILITY \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x06, struct cvm_vtlmem_visibility)

/**
 * struct cvm_vtlmem_protect - argument of %CVM_VTLMEM_IOC_PROTECT
 * @size: sizeof(struct cvm_vtlmem_protect)
 * @flags: must be zero
 * @gpa: first address, 4 KiB aligned, inside one registered range
 * @length: bytes, 4 KiB aligned, non-zero, inside the same range
 * @target_vtl: the lower VTL whose rights change: 0 or 1
 * @rights: CVM_VTLMEM_RIGHT_* bits that VTL gets (0 takes every right)
 * @done: out: pages whose rights changed, exact also on failure
 * @fail_gpa: out: on failure, the first page whose rights did not change
 * @fail_status: out: on failure, the platform's status for @fail_gpa
 *
 * Every page must be accepted (private or shared, never quarantined).
 */
struct cvm_vtlmem_protect {
	__u32 size;
	__u32 flags;
	__u64 gpa;
	__u64 length;
	__u32 target_vtl;
	__u32 rights;
	__u64 done;
	__u64 fail_gpa;
	__u64 fail_status;
};

#define CVM_VTLMEM_PROTECT_SIZE_VER0	56

#define CVM_VTLMEM_IOC_PROTECT \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x07, struct cvm_vtlmem_protect)

/**
 * struct cvm_vtlmem_protect_vtl2 - argument of %CVM_VTLMEM_IOC_PROTECT_VTL2
 * @size: sizeof(struct cvm_vtlmem_protect_vtl2)
 * @flags: must be zero
 * @gpa: first address of a part of this kernel's own RAM, 4 KiB aligned;
 *	0 with @length 0 for all of it
 * @length: bytes, 4 KiB aligned
 * @done: out: pages now inaccessible to every lower VTL (pages that
 *	already were are counted)
 * @fail_gpa: out: on failure, the first page left accessible
 * @fail_status: out: on failure, the platform's status for @fail_gpa
 *
 * Non-isolated partitions only: takes every right of every lower VTL on
 * the running kernel's "System RAM", in 2 GiB units spread across CPUs.
 * Idempotent.
 */
struct cvm_vtlmem_protect_vtl2 {
	__u32 size;
	__u32 flags;
	__u64 gpa;
	__u64 length;
	__u64 done;
	__u64 fail_gpa;
	__u64 fail_status;
};

#define CVM_VTLMEM_PROTECT_VTL2_SIZE_VER0	48

#define CVM_VTLMEM_IOC_PROTECT_VTL2 \
	_IOWR(CVM_VTLMEM_IOC_MAGIC, 0x08, struct cvm_vtlmem_protect_vtl2)

#endif /* _UAPI_LINUX_CVM_VTLMEM_H */
