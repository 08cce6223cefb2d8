/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cvm_user: the user-space helpers cvm-vtlmemctl, cvm-bench and the
 * selftests share: the device, the ioctls with errno handling, debugfs
 * files, and a read or write that may raise SIGBUS. libc only.
 *
 * Every function that can fail returns 0 (or a count) on success and
 * -errno on failure, unless its comment says otherwise.
 */
#ifndef CVM_USER_H
#define CVM_USER_H

#include <stdint.h>

#include <linux/cvm_vtlmem.h>

#define CVM_DEV		"/dev/cvm_vtlmem"
#define CVM_DEBUGFS	"/sys/kernel/debug/cvm_vtlmem"
#define CVM_PARAMS	"/sys/module/cvm_vtlmem/parameters/"

#ifndef SZ_4K
#define SZ_4K		0x1000ULL
#endif
#ifndef SZ_2M
#define SZ_2M		0x200000ULL
#endif
#ifndef SZ_1G
#define SZ_1G		0x40000000ULL
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The device */

/* Open /dev/cvm_vtlmem read-write (close-on-exec): the fd or -errno. */
int cvm_open(void);
/* Why opening the device failed with @err (> 0), as " (...)", or "". */
const char *cvm_open_hint(int err);
/* ioctl() returning 0 or -errno instead of -1. */
int cvm_ioctl(int fd, unsigned long cmd, void *arg);
/* GET_INFO into @info (zeroed, size set). */
int cvm_get_info(int fd, struct cvm_vtlmem_info *info);
/* ADD_RANGE of @kind (CVM_VTLMEM_RANGE_*) on any NUMA node. */
int cvm_add_range(int fd, uint64_t gpa, uint64_t len, uint32_t kind, uint32_t flags);
/* ADD_RANGE with its NUMA node (CVM_VTLMEM_NO_NODE for any). */
int cvm_add_range_node(int fd, uint64_t gpa, uint64_t len, uint32_t kind, uint32_t flags,
		       int node);
int cvm_remove_range(int fd, uint64_t gpa);
/* One QUERY of @n pages from @gpa into @states. */
int cvm_query(int fd, uint64_t gpa, uint64_t n, uint16_t *states);
/* QUERY of any number of pages, in calls of CVM_VTLMEM_QUERY_MAX_PAGES. */
int cvm_query_all(int fd, uint64_t gpa, uint64_t n, uint16_t *states);
/* ACCEPT; the ioctl's struct (what it accepted, where it failed) into @out. */
int cvm_accept(int fd, uint64_t gpa, uint64_t len, uint32_t flags,
	       struct cvm_vtlmem_accept *out);
/* PROTECT: lower VTL @vtl gets @rights; the ioctl's struct into @out. */
int cvm_protect(int fd, uint64_t gpa, uint64_t len, uint32_t vtl, uint32_t rights,
		struct cvm_vtlmem_protect *out);
/* LIST_RANGES into @info (room for @cap entries): the count, or -errno. */
int cvm_list(int fd, struct cvm_vtlmem_range_info *info, unsigned int cap);
/*
 * LIST_RANGES into a buffer it allocates (*@out, free() it; NULL when
 * there is no range), asking again while ranges come and go.
 */
int cvm_list_alloc(int fd, struct cvm_vtlmem_range_info **out);
/*
 * Remove every registered range, zero the statistics and reset the
 * simulated hypervisor: a fresh partition.
 */
int cvm_clean_slate(int fd);

/* Files: debugfs, module parameters */

/* Write @text to @path. */
int cvm_write_file(const char *path, const char *text);
/* The same; *@open_failed says whether open() or write() failed. */
int cvm_write_file_at(const char *path, const char *text, int *open_failed);

/*
 * A counter file: "name value" lines (stats) or "name calls=N reps=N
 * failures=N mismatches=N" lines (sim/counters; all but calls may be
 * missing; mismatches is not read).
 */
struct cvm_kv {
	char name[48];
	unsigned long long v[3];	/* value; or calls, reps, failures */
};

/* Read up to @max lines of @path into @kv: how many, or -errno. */
int cvm_read_kv(const char *path, struct cvm_kv *kv, int max);
/* Field @idx of the line @name in @kv; 0 if there is none. */
unsigned long long cvm_kv_get(const struct cvm_kv *kv, int n, const char *name, int idx);
/* Field @idx of the line @name of @path; -1 if unreadable or not there. */
long long cvm_kv_file(const char *path, const char *name, int idx);

/* Time, access */

/* CLOCK_MONOTONIC in seconds. */
double cvm_now(void);
/*
 * Read (@write 0, into *@val) or write (*@val) the byte at @p with a
 * SIGBUS handler in place: 0 if the access worked, -EFAULT if it raised
 * SIGBUS for @p itself, -EIO if SIGBUS named another address.
 */
int cvm_access(volatile uint8_t *p, int write, uint8_t *val);

#endif /* CVM_USER_H */
