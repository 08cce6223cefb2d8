/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the cvm_vtlmem selftests. */
#ifndef CVM_TEST_H
#define CVM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cvm_vtlmem.h>

#define CVM_DEV "/dev/cvm_vtlmem"

/* The isolation type the rig loaded the module with (CVM_ISOLATION=). */
static inline int cvm_expected_isolation(void)
{
	const char *s = getenv("CVM_ISOLATION");

	if (!s || !strcmp(s, "none"))
		return CVM_VTLMEM_ISOLATION_NONE;
	if (!strcmp(s, "vbs"))
		return CVM_VTLMEM_ISOLATION_VBS;
	if (!strcmp(s, "snp"))
		return CVM_VTLMEM_ISOLATION_SNP;
	if (!strcmp(s, "tdx"))
		return CVM_VTLMEM_ISOLATION_TDX;
	return -1;
}

/* ioctl() returning -errno instead of -1, so ASSERT_EQ shows the errno. */
static inline int cvm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

#endif /* CVM_TEST_H */
