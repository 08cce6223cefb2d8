// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: the administrator's view of /dev/cvm_vtlmem.
 *
 *   cvm-vtlmemctl info      module identity, limits and accounting
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cvm_vtlmem.h>

#define DEV "/dev/cvm_vtlmem"

static const char *const isolation_names[] = { "none", "vbs", "snp", "tdx" };

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "cvm-vtlmemctl: open %s: %s%s\n", DEV, strerror(errno),
			errno == ENOENT ? " (is the cvm_vtlmem module loaded?)" : "");
		exit(1);
	}
	return fd;
}

static void print_page_sizes(unsigned int mask)
{
	const char *sep = "";

	printf("page sizes:        ");
	if (mask & (1u << 12))
		printf("%s4K", sep), sep = " ";
	if (mask & (1u << 21))
		printf("%s2M", sep), sep = " ";
	if (mask & (1u << 30))
		printf("%s1G", sep);
	printf("\n");
}

static int cmd_info(void)
{
	struct cvm_vtlmem_info info = { .size = sizeof(info) };
	int fd = open_dev();

	if (ioctl(fd, CVM_VTLMEM_IOC_GET_INFO, &info)) {
		fprintf(stderr, "cvm-vtlmemctl: GET_INFO: %s\n", strerror(errno));
		return 1;
	}
	printf("abi version:       %u\n", info.abi_version);
	printf("isolation:         %s\n", info.isolation < 4 ?
	       isolation_names[info.isolation] : "unknown");
	printf("backend:           %s\n",
	       info.backend == CVM_VTLMEM_BACKEND_SIM ? "simulated hypervisor" : "Hyper-V");
	printf("GPNs per call:     %u\n", info.max_gpns_per_call);
	printf("reps per call:     %u\n", info.max_reps_per_call);
	print_page_sizes(info.page_sizes);
	if (info.size >= CVM_VTLMEM_INFO_SIZE_VER1) {
		printf("ranges:            %llu\n", (unsigned long long)info.nr_ranges);
		printf("registered:        %llu bytes\n",
		       (unsigned long long)info.registered_bytes);
		printf("state memory:      %llu bytes\n",
		       (unsigned long long)info.state_bytes);
	}
	close(fd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cvm-vtlmemctl info\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
