// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl protect: the rights VTL0 or VTL1 has on pages.
 */
#include <ctype.h>
#include <string.h>

#include "ctl.h"
#include "subcommands.h"

static unsigned int parse_rights(const char *s)
{
	unsigned int r = 0;
	const char *p;
	u64 v;

	if (!strcmp(s, "none"))
		return 0;
	if (!strcmp(s, "all"))
		return CVM_VTLMEM_RIGHTS_ALL;
	if (isdigit((unsigned char)*s)) {
		if (parse_u64(s, &v) || v > CVM_VTLMEM_RIGHTS_ALL)
			usage_error("--rights: '%s' is not a rights mask (0 to 0xF)", s);
		return (unsigned int)v;
	}
	for (p = s; *p; p++) {
		switch (*p) {
		case 'r': r |= CVM_VTLMEM_RIGHT_READ; break;
		case 'w': r |= CVM_VTLMEM_RIGHT_WRITE; break;
		case 'x': r |= CVM_VTLMEM_RIGHT_KERNEL_EXEC; break;
		case 'X': r |= CVM_VTLMEM_RIGHT_USER_EXEC; break;
		case '-': break;
		default:
			usage_error("--rights: '%c' in '%s': use r, w, x (kernel exec), "
				    "X (user exec), or none", *p, s);
		}
	}
	if (!*s)
		usage_error("--rights: empty");
	return r;
}

int protect_main(int argc, char **argv)
{
	struct opt o[] = { OPT_ARG("vtl"), OPT_ARG("rights"), OPT_END };
	char *pos[2] = { 0 }, rs[5];
	unsigned int rights;
	u64 gpa, len, vtl;
	double secs;

	if (parse_opts("protect", argc, argv, o, pos, 2) < 2)
		usage_error("protect: GPA and LEN needed");
	if (!o[0].seen || !o[1].seen)
		usage_error("protect: --vtl N and --rights rwxX|none needed");
	gpa = arg_u64("protect GPA", pos[0]);
	len = arg_u64("protect LEN", pos[1]);
	vtl = arg_u64("--vtl", o[0].val);
	if (vtl > 1)
		usage_error("protect: --vtl must be 0 or 1 (a VTL lower than VTL2)");
	rights = parse_rights(o[1].val);
	dev();
	if (do_protect(gpa, len, (unsigned int)vtl, rights, "span", &secs))
		return EXIT_FAIL;
	printf("VTL%llu now has %s on %#llx-%#llx (%s), %.2f s\n", vtl, rights_str(rs, rights),
	       gpa, gpa + len - 1, SIZE_STR(len), secs);
	return 0;
}
