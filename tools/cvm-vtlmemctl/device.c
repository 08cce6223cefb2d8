// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: the device, its identity and the ioctls it implements,
 * the registered ranges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const isolation_names[] = { "none", "vbs", "snp", "tdx" };

static int dev_fd = -1;
struct cvm_vtlmem_info dev_info;

int dev(void)
{
	if (dev_fd >= 0)
		return dev_fd;
	int fd = cvm_open(), err;

	if (fd < 0) {
		error("open %s: %s%s", DEV, strerror(-fd), cvm_open_hint(-fd));
		exit(EXIT_FAIL);
	}
	err = cvm_get_info(fd, &dev_info);
	if (err) {
		error("GET_INFO: %s", strerror(-err));
		exit(EXIT_FAIL);
	}
	dev_fd = fd;
	return dev_fd;
}

/* ioctl() returning 0 or the errno. */
int xioctl(unsigned long cmd, void *arg)
{
	return -cvm_ioctl(dev(), cmd, arg);
}

const char *isolation_name(void)
{
	return dev_info.isolation < ARRAY_SIZE(isolation_names) ?
	       isolation_names[dev_info.isolation] : "unknown";
}

bool isolated(void)
{
	return dev_info.isolation != CVM_VTLMEM_ISOLATION_NONE;
}

bool simulated(void)
{
	return dev_info.backend == CVM_VTLMEM_BACKEND_SIM;
}

/* The ioctls beyond GET_INFO, for "info" and for boot's up-front check. */
const struct ioctl_entry ioctl_table[] = {
	{ CVM_VTLMEM_IOC_ADD_RANGE, "ADD_RANGE" },
	{ CVM_VTLMEM_IOC_REMOVE_RANGE, "REMOVE_RANGE" },
	{ CVM_VTLMEM_IOC_LIST_RANGES, "LIST_RANGES" },
	{ CVM_VTLMEM_IOC_QUERY, "QUERY" },
	{ CVM_VTLMEM_IOC_ACCEPT, "ACCEPT" },
	{ CVM_VTLMEM_IOC_SET_VISIBILITY, "SET_VISIBILITY" },
	{ CVM_VTLMEM_IOC_PROTECT, "PROTECT" },
	{ CVM_VTLMEM_IOC_PROTECT_VTL2, "PROTECT_VTL2" },
};

const unsigned int ioctl_table_len = ARRAY_SIZE(ioctl_table);

/*
 * Whether the module implements @cmd: a struct whose size is below every
 * first version is refused with EINVAL by an implemented ioctl before it
 * looks at anything else, and unknown commands are ENOTTY.
 */
bool have_ioctl(unsigned long cmd)
{
	__u32 probe[16] = { 1 };

	return cvm_ioctl(dev(), cmd, probe) != -ENOTTY;
}

const char *ioctl_name(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ioctl_table); i++)
		if (ioctl_table[i].cmd == cmd)
			return ioctl_table[i].name;
	return "?";
}

/* The text after "NAME: " for an ioctl error, ENOTTY spelled out. */
const char *ioctl_err(int err)
{
	if (err == ENOTTY)
		return "unknown to this cvm_vtlmem module (ENOTTY)";
	return strerror(err);
}

/* LIST_RANGES into *@out (free() it): the count, or -1 after saying why. */
int list_ranges(struct cvm_vtlmem_range_info **out)
{
	int n = cvm_list_alloc(dev(), out);

	if (n >= 0)
		return n;
	*out = NULL;
	if (n == -ENOMEM)
		error("out of memory");
	else
		error("LIST_RANGES: %s", ioctl_err(-n));
	return -1;
}

/* The registered range holding @gpa into *@out; false if none. */
static bool find_range(u64 gpa, struct cvm_vtlmem_range_info *out)
{
	struct cvm_vtlmem_range_info *e;
	int n, i;
	bool found = false;

	n = list_ranges(&e);
	for (i = 0; i < n && !found; i++) {
		if (gpa - e[i].gpa < e[i].length) {
			*out = e[i];
			found = true;
		}
	}
	free(e);
	return found;
}

/* First address of the range holding @gpa, for progress; @gpa if none. */
u64 range_gpa_of(u64 gpa)
{
	struct cvm_vtlmem_range_info e;

	return find_range(gpa, &e) ? e.gpa : gpa;
}
