// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl info: the module's identity, limits, accounting and the
 * ioctls it implements.
 */

#include "ctl.h"
#include "subcommands.h"

static void print_page_sizes(unsigned int mask)
{
	printf("page sizes:        %s%s%s\n", mask & (1u << 12) ? "4K " : "",
	       mask & (1u << 21) ? "2M " : "", mask & (1u << 30) ? "1G" : "");
}

int info_main(int argc, char **argv)
{
	unsigned int i;

	parse_opts("info", argc, argv, NULL, NULL, 0);
	dev();
	printf("abi version:       %u\n", dev_info.abi_version);
	printf("isolation:         %s\n", isolation_name());
	printf("backend:           %s\n", simulated() ? "simulated hypervisor" : "Hyper-V");
	printf("GPNs per call:     %u\n", dev_info.max_gpns_per_call);
	printf("reps per call:     %u\n", dev_info.max_reps_per_call);
	print_page_sizes(dev_info.page_sizes);
	if (dev_info.size >= CVM_VTLMEM_INFO_SIZE_VER1) {
		printf("ranges:            %llu\n", (u64)dev_info.nr_ranges);
		printf("registered:        %s\n", SIZE_STR(dev_info.registered_bytes));
		printf("state memory:      %s\n", SIZE_STR(dev_info.state_bytes));
	}
	printf("ioctls:            GET_INFO");
	for (i = 0; i < ioctl_table_len; i++)
		printf(" %s%s", ioctl_table[i].name,
		       have_ioctl(ioctl_table[i].cmd) ? "" : "(missing)");
	printf("\n");
	return 0;
}
