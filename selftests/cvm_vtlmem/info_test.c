// SPDX-License-Identifier: GPL-2.0
/*
 * GET_INFO, the extensible-struct convention, command matching and the
 * device's access rules.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "cvm_test.h"

/* The first GET_INFO struct: the fields up to page_sizes. */
#define INFO_SIZE_VER0 CVM_VTLMEM_INFO_SIZE_VER0

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(CVM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CVM_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, get_info_reports_module)
{
	struct cvm_vtlmem_info info;

	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(CVM_VTLMEM_ABI_VERSION, info.abi_version);
	EXPECT_EQ(cvm_expected_isolation(), (int)info.isolation);
	EXPECT_EQ(CVM_VTLMEM_BACKEND_SIM, info.backend);
	EXPECT_EQ(510, info.max_gpns_per_call);
	/* Pages per accept call, as OpenHCL sends them. */
	EXPECT_EQ(509, info.max_reps_per_call);
	EXPECT_NE(0, info.page_sizes & 4096);
	EXPECT_EQ(0, info.page_sizes & ~(4096u | (2u << 20) | (1u << 30)));
	/* The output overwrote the 0xa5 fill completely. */
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ull, info.state_bytes);
}

TEST_F(dev, older_struct_gets_only_its_fields)
{
	unsigned char buf[sizeof(struct cvm_vtlmem_info)];
	struct cvm_vtlmem_info *info = (void *)buf;
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	info->size = INFO_SIZE_VER0;
	info->flags = 0;
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, info));
	EXPECT_EQ(INFO_SIZE_VER0, info->size);
	EXPECT_EQ(CVM_VTLMEM_ABI_VERSION, info->abi_version);
	for (i = INFO_SIZE_VER0; i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %zu written past the caller's size", i);
}

TEST_F(dev, newer_struct_with_zero_tail_accepted)
{
	unsigned char buf[sizeof(struct cvm_vtlmem_info) + 64];
	struct cvm_vtlmem_info *info = (void *)buf;
	size_t i;

	memset(buf, 0, sizeof(buf));
	info->size = sizeof(buf);
	ASSERT_EQ(0, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, info));
	/* The module says how much it wrote and leaves the rest alone. */
	EXPECT_EQ(sizeof(struct cvm_vtlmem_info), info->size);
	for (i = sizeof(struct cvm_vtlmem_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST_F(dev, newer_struct_with_unknown_bytes_is_e2big)
{
	unsigned char buf[sizeof(struct cvm_vtlmem_info) + 64];
	struct cvm_vtlmem_info *info = (void *)buf;

	memset(buf, 0, sizeof(buf));
	info->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-E2BIG, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, info));
	EXPECT_EQ(0, info->abi_version);
}

TEST_F(dev, bad_sizes_and_flags_rejected)
{
	struct cvm_vtlmem_info info = { .size = INFO_SIZE_VER0 - 4 };
	static unsigned char big[8192];

	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, &info));
	info.size = 0;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, &info));
	info.size = sizeof(info);
	info.flags = 1;
	EXPECT_EQ(-EINVAL, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, &info));
	EXPECT_EQ(0, info.abi_version);
	((struct cvm_vtlmem_info *)big)->size = sizeof(big);
	EXPECT_EQ(-E2BIG, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, big));
	EXPECT_EQ(-EFAULT, cvm_ioctl(self->fd, CVM_VTLMEM_IOC_GET_INFO, (void *)8));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, cvm_ioctl(self->fd, _IOWR(CVM_VTLMEM_IOC_MAGIC, 0x7f, buf), buf));
	EXPECT_EQ(-ENOTTY, cvm_ioctl(self->fd, _IOWR('x', 0x00, struct cvm_vtlmem_info), buf));
	/* Same number, wrong direction. */
	EXPECT_EQ(-ENOTTY, cvm_ioctl(self->fd, _IO(CVM_VTLMEM_IOC_MAGIC, 0x00), buf));
}

TEST(device_node_is_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(CVM_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data);
}

TEST(open_without_cap_sys_admin_is_eperm)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (drop_cap_sys_admin())
			_exit(10);
		fd = open(CVM_DEV, O_RDWR);
		_exit(fd < 0 && errno == EPERM ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

/* A module parameter that sizes an allocation has a bound. */
TEST(max_inflight_is_bounded)
{
	const char *p = "/sys/module/cvm_vtlmem/parameters/max_inflight";

	EXPECT_NE(0, cvm_write_file(p, "100000000"));
	EXPECT_NE(0, cvm_write_file(p, "1025"));
	EXPECT_EQ(0, cvm_write_file(p, "1024"));
	EXPECT_EQ(0, cvm_write_file(p, "0"));
}
