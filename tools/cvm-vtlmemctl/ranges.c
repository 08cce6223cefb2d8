// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl ranges, query, add, remove: the registered ranges and the
 * state of their pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "subcommands.h"

static const char *range_flags_str(char *buf, size_t len, __u32 flags)
{
	snprintf(buf, len, "%s%s%s%s", flags & CVM_VTLMEM_RANGE_ACCEPTED ? "accepted " : "",
		 flags & CVM_VTLMEM_RANGE_LAZY ? "lazy " : "",
		 flags & CVM_VTLMEM_RANGE_STRUCT_PAGES ? "struct-pages " : "",
		 flags ? "" : "-");
	if (buf[0] && buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

int ranges_main(int argc, char **argv)
{
	struct cvm_vtlmem_range_info *e;
	char flags[48];
	int n, i;

	parse_opts("ranges", argc, argv, NULL, NULL, 0);
	n = list_ranges(&e);
	if (n < 0)
		return EXIT_FAIL;
	if (!n) {
		printf("no ranges registered\n");
		return 0;
	}
	printf("%-18s %-10s %-7s %-4s %-22s %-10s %-10s %s\n", "GPA", "SIZE", "KIND", "NODE",
	       "FLAGS", "ACCEPTED", "SHARED", "QUARANTINED");
	for (i = 0; i < n; i++) {
		char node[8];

		snprintf(node, sizeof(node), "%d", e[i].numa_node);
		printf("%#-18llx %-10s %-7s %-4s %-22s %-10s %-10s %llu%s\n", (u64)e[i].gpa,
		       SIZE_STR(e[i].length),
		       e[i].kind == CVM_VTLMEM_RANGE_SHARED_POOL ? "shared" : "vtl0",
		       e[i].numa_node == CVM_VTLMEM_NO_NODE ? "any" : node,
		       range_flags_str(flags, sizeof(flags), e[i].flags),
		       SIZE_STR(e[i].accepted_pages * SZ_4K), SIZE_STR(e[i].shared_pages * SZ_4K),
		       (u64)e[i].quarantined_pages, e[i].busy ? "  (busy)" : "");
		if (e[i].background_units)
			printf("%18s %llu unit%s of 2 MiB queued for background acceptance\n", "",
			       (u64)e[i].background_units, e[i].background_units == 1 ? "" : "s");
	}
	free(e);
	return 0;
}

static void print_run(u64 gpa, u64 n, __u16 s)
{
	char r0[5], r1[5];

	printf("%#llx-%#llx  %8llu pages  %-11s  vtl0=%s vtl1=%s\n", gpa, gpa + n * SZ_4K - 1, n,
	       page_state_names[s & CVM_VTLMEM_PAGE_STATE_MASK],
	       rights_str(r0, (s >> CVM_VTLMEM_PAGE_VTL0_SHIFT) & 0xF),
	       rights_str(r1, (s >> CVM_VTLMEM_PAGE_VTL1_SHIFT) & 0xF));
}

int query_main(int argc, char **argv)
{
	char *pos[2] = { 0 };
	u64 gpa, len = SZ_4K, n, i, run = 0;
	__u16 *s;
	int err;

	if (parse_opts("query", argc, argv, NULL, pos, 2) < 1)
		usage_error("query: GPA missing");
	gpa = arg_u64("query GPA", pos[0]);
	if (pos[1])
		len = arg_u64("query LEN", pos[1]);
	if (gpa % SZ_4K || !len)
		usage_error("query: GPA must be 4 KiB aligned and LEN non-zero");
	n = (len + SZ_4K - 1) / SZ_4K;
	s = calloc(n, sizeof(*s));
	if (!s)
		return error("out of memory");
	err = query_pages(gpa, n, s);
	if (err) {
		free(s);
		return error("query %#llx-%#llx: QUERY %s%s", gpa, gpa + n * SZ_4K - 1,
			     ioctl_err(err),
			     err == ENOENT ? " (no single registered range holds the span)" : "");
	}
	/* One line per run of identical pages. */
	for (i = 1; i <= n; i++) {
		if (i < n && s[i] == s[run])
			continue;
		print_run(gpa + run * SZ_4K, i - run, s[run]);
		run = i;
	}
	free(s);
	return 0;
}

int add_main(int argc, char **argv)
{
	struct opt o[] = {
		OPT("shared-pool"), OPT("accepted"), OPT("lazy"), OPT("struct-pages"),
		OPT_ARG("node"), OPT_END,
	};
	char *pos[2] = { 0 };
	__u32 flags = 0;
	u64 gpa, len;

	if (parse_opts("add", argc, argv, o, pos, 2) < 2)
		usage_error("add: GPA and LEN needed");
	gpa = arg_u64("add GPA", pos[0]);
	len = arg_u64("add LEN", pos[1]);
	flags |= o[1].seen ? CVM_VTLMEM_RANGE_ACCEPTED : 0;
	flags |= o[2].seen ? CVM_VTLMEM_RANGE_LAZY : 0;
	flags |= o[3].seen ? CVM_VTLMEM_RANGE_STRUCT_PAGES : 0;
	if (do_add(gpa, len, o[0].seen ? CVM_VTLMEM_RANGE_SHARED_POOL : CVM_VTLMEM_RANGE_PRIVATE,
		   flags, o[4].seen ? parse_node(o[4].val) : CVM_VTLMEM_NO_NODE, "range"))
		return EXIT_FAIL;
	printf("registered %#llx-%#llx (%s)\n", gpa, gpa + len - 1, SIZE_STR(len));
	return 0;
}

int remove_main(int argc, char **argv)
{
	char *pos[1] = { 0 };
	u64 gpa;
	int err;

	if (parse_opts("remove", argc, argv, NULL, pos, 1) < 1)
		usage_error("remove: GPA missing");
	gpa = arg_u64("remove GPA", pos[0]);
	err = -cvm_remove_range(dev(), gpa);
	if (err)
		return error("remove %#llx: REMOVE_RANGE %s%s", gpa, ioctl_err(err),
			     err == ENOENT ? " (no range starts there)" :
			     err == EBUSY ? " (an operation runs on it or a mapping holds it)" : "");
	printf("removed the range at %#llx\n", gpa);
	return 0;
}

