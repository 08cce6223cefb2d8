// SPDX-License-Identifier: GPL-2.0
/*
 * cvm_user: user-space helpers shared by cvm-vtlmemctl, cvm-bench and the
 * selftests (cvm_user.h says what each does).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cvm_user.h"

int cvm_open(void)
{
	int fd = open(CVM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

const char *cvm_open_hint(int err)
{
	if (err == ENOENT)
		return " (is the cvm_vtlmem module loaded?)";
	if (err == EPERM || err == EACCES)
		return " (needs CAP_SYS_ADMIN)";
	return "";
}

int cvm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int cvm_get_info(int fd, struct cvm_vtlmem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return cvm_ioctl(fd, CVM_VTLMEM_IOC_GET_INFO, info);
}

int cvm_add_range_node(int fd, uint64_t gpa, uint64_t len, uint32_t kind, uint32_t flags,
		       int node)
{
	struct cvm_vtlmem_range r = {
		.size = sizeof(r), .flags = flags, .gpa = gpa, .length = len,
		.kind = kind, .numa_node = node,
	};

	return cvm_ioctl(fd, CVM_VTLMEM_IOC_ADD_RANGE, &r);
}

int cvm_add_range(int fd, uint64_t gpa, uint64_t len, uint32_t kind, uint32_t flags)
{
	return cvm_add_range_node(fd, gpa, len, kind, flags, CVM_VTLMEM_NO_NODE);
}

int cvm_remove_range(int fd, uint64_t gpa)
{
	struct cvm_vtlmem_remove_range r = { .size = sizeof(r), .gpa = gpa };

	return cvm_ioctl(fd, CVM_VTLMEM_IOC_REMOVE_RANGE, &r);
}

int cvm_query(int fd, uint64_t gpa, uint64_t n, uint16_t *states)
{
	struct cvm_vtlmem_query q = {
		.size = sizeof(q), .gpa = gpa, .npages = n,
		.states = (uintptr_t)states,
	};

	return cvm_ioctl(fd, CVM_VTLMEM_IOC_QUERY, &q);
}

int cvm_query_all(int fd, uint64_t gpa, uint64_t n, uint16_t *states)
{
	while (n) {
		uint64_t k = n < CVM_VTLMEM_QUERY_MAX_PAGES ? n : CVM_VTLMEM_QUERY_MAX_PAGES;
		int ret = cvm_query(fd, gpa, k, states);

		if (ret)
			return ret;
		gpa += k * SZ_4K;
		states += k;
		n -= k;
	}
	return 0;
}

int cvm_accept(int fd, uint64_t gpa, uint64_t len, uint32_t flags,
	       struct cvm_vtlmem_accept *out)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = flags, .gpa = gpa, .length = len,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_ACCEPT, &a);

	if (out)
		*out = a;
	return ret;
}

int cvm_protect(int fd, uint64_t gpa, uint64_t len, uint32_t vtl, uint32_t rights,
		struct cvm_vtlmem_protect *out)
{
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = gpa, .length = len,
		.target_vtl = vtl, .rights = rights,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_PROTECT, &p);

	if (out)
		*out = p;
	return ret;
}

int cvm_list(int fd, struct cvm_vtlmem_range_info *info, unsigned int cap)
{
	struct cvm_vtlmem_list_ranges l = {
		.size = sizeof(l), .capacity = cap, .entry_size = sizeof(*info),
		.entries = (uintptr_t)info,
	};
	int ret = cvm_ioctl(fd, CVM_VTLMEM_IOC_LIST_RANGES, &l);

	return ret ? ret : (int)l.count;
}

int cvm_list_alloc(int fd, struct cvm_vtlmem_range_info **out)
{
	struct cvm_vtlmem_range_info *e = NULL;
	unsigned int cap = 0;
	int n;

	for (;;) {
		n = cvm_list(fd, e, cap);
		if (n < 0 || (unsigned int)n <= cap)
			break;
		/* Ranges may come and go between calls: ask again with room. */
		cap = n + 8;
		free(e);
		e = calloc(cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	if (n < 0) {
		free(e);
		return n;
	}
	*out = e;
	return n;
}

int cvm_clean_slate(int fd)
{
	struct cvm_vtlmem_range_info info[64];
	int n = cvm_list(fd, info, ARRAY_SIZE(info)), i, ret;

	if (n < 0)
		return n;
	for (i = 0; i < n && i < (int)ARRAY_SIZE(info); i++) {
		ret = cvm_remove_range(fd, info[i].gpa);
		if (ret)
			return ret;
	}
	cvm_write_file(CVM_DEBUGFS "/stats", "0");
	return cvm_write_file(CVM_DEBUGFS "/sim/reset", "1");
}

int cvm_write_file_at(const char *path, const char *text, int *open_failed)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (open_failed)
		*open_failed = fd < 0;
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

int cvm_write_file(const char *path, const char *text)
{
	return cvm_write_file_at(path, text, NULL);
}

int cvm_read_kv(const char *path, struct cvm_kv *kv, int max)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct cvm_kv *e = &kv[n];

		memset(e, 0, sizeof(*e));
		if (sscanf(line, "%47s calls=%llu reps=%llu failures=%llu", e->name, &e->v[0],
			   &e->v[1], &e->v[2]) >= 2 ||
		    sscanf(line, "%47s %llu", e->name, &e->v[0]) == 2)
			n++;
	}
	fclose(f);
	return n;
}

unsigned long long cvm_kv_get(const struct cvm_kv *kv, int n, const char *name, int idx)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return kv[i].v[idx];
	return 0;
}

long long cvm_kv_file(const char *path, const char *name, int idx)
{
	struct cvm_kv kv[128];
	int n = cvm_read_kv(path, kv, ARRAY_SIZE(kv)), i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return kv[i].v[idx];
	return -1;
}

double cvm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A page a view may not show raises SIGBUS: jump back and report it. */
static sigjmp_buf sigbus_env;
static void *volatile sigbus_addr;

static void sigbus_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sigbus_addr = si->si_addr;
	siglongjmp(sigbus_env, 1);
}

int cvm_access(volatile uint8_t *p, int write, uint8_t *val)
{
	struct sigaction sa = { .sa_sigaction = sigbus_handler, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	int ret = 0;

	sigemptyset(&sa.sa_mask);
	sigbus_addr = NULL;
	if (sigaction(SIGBUS, &sa, &old))
		return -errno;
	if (sigsetjmp(sigbus_env, 1) == 0) {
		if (write)
			*p = *val;
		else
			*val = *p;
	} else {
		ret = sigbus_addr == (void *)p ? -EFAULT : -EIO;
	}
	sigaction(SIGBUS, &old, NULL);
	return ret;
}
