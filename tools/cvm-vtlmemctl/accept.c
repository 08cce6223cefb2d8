// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl accept: accept pages now, or queue a lazy range for
 * background acceptance.
 */
#include <errno.h>

#include "ctl.h"
#include "subcommands.h"

static int accept_background(u64 gpa, u64 len)
{
	int err = -cvm_accept(dev(), gpa, len, CVM_VTLMEM_ACCEPT_BACKGROUND, NULL);

	if (err)
		return error("accept --background %#llx-%#llx: ACCEPT %s%s", gpa, gpa + len - 1,
			     ioctl_err(err),
			     err == EINVAL ? " (background acceptance is for lazy ranges)" :
			     err == ENOENT ? " (no single registered range holds the span)" : "");
	printf("queued %#llx-%#llx for background acceptance; 'ranges' shows what is left\n",
	       gpa, gpa + len - 1);
	return 0;
}

int accept_main(int argc, char **argv)
{
	struct opt o[] = { OPT("zero"), OPT("no-zero"), OPT("grant"), OPT("background"), OPT_END };
	char *pos[2] = { 0 };
	__u32 flags = 0;
	double secs;
	u64 gpa, len, accepted;

	if (parse_opts("accept", argc, argv, o, pos, 2) < 2)
		usage_error("accept: GPA and LEN needed");
	if (o[0].seen && o[1].seen)
		usage_error("accept: --zero and --no-zero exclude each other");
	if (o[3].seen && (o[0].seen || o[1].seen || o[2].seen))
		usage_error("accept: --background accepts as a first touch would; "
			    "it takes no other option");
	gpa = arg_u64("accept GPA", pos[0]);
	len = arg_u64("accept LEN", pos[1]);
	if (o[3].seen)
		return accept_background(gpa, len);
	flags |= o[0].seen ? CVM_VTLMEM_ACCEPT_ZERO : 0;
	flags |= o[1].seen ? CVM_VTLMEM_ACCEPT_NO_ZERO : 0;
	flags |= o[2].seen ? CVM_VTLMEM_ACCEPT_GRANT_VTL0 : 0;
	dev();
	if (do_accept(gpa, len, flags, "span", &secs, &accepted))
		return EXIT_FAIL;
	printf("accepted %llu pages (%s) of %#llx-%#llx in %.2f s%s\n", accepted,
	       SIZE_STR(accepted * SZ_4K), gpa, gpa + len - 1, secs,
	       accepted < len / SZ_4K ? " (the rest already was)" : "");
	return 0;
}

