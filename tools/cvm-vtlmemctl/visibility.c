// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl share, unshare: pages to and from the host.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "subcommands.h"

static u64 *parse_gpns(const char *s, unsigned int *count)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int n = 1, i = 0;
	const char *p;
	u64 *g;

	for (p = s; *p; p++)
		n += *p == ',';
	g = calloc(n, sizeof(*g));
	if (!copy || !g)
		usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (parse_u64(tok, &g[i++]))
			usage_error("--gpns: '%s' is not a page number", tok);
	free(copy);
	if (!i)
		usage_error("--gpns: no page numbers");
	*count = i;
	return g;
}

static int visibility(bool shared, int argc, char **argv)
{
	const char *cmd = shared ? "share" : "unshare";
	struct opt o[] = { OPT_ARG("gpns"), OPT_END };
	char *pos[2] = { 0 };
	unsigned int count = 0;
	u64 gpa = 0, len = 0, *gpns = NULL, processed;
	double secs;
	int npos = parse_opts(cmd, argc, argv, o, pos, 2);

	if (o[0].seen == (npos != 0) || (!o[0].seen && npos != 2))
		usage_error("%s: GPA LEN, or --gpns a,b,c", cmd);
	if (o[0].seen) {
		gpns = parse_gpns(o[0].val, &count);
	} else {
		gpa = arg_u64("GPA", pos[0]);
		len = arg_u64("LEN", pos[1]);
	}
	dev();
	if (do_visibility(shared, gpa, len, gpns, count, "span", &secs, &processed)) {
		free(gpns);
		return EXIT_FAIL;
	}
	if (gpns)
		printf("%u listed pages %s (%llu processed) in %.2f s\n", count,
		       shared ? "shared" : "private", processed, secs);
	else
		printf("%#llx-%#llx (%s) %s in %.2f s\n", gpa, gpa + len - 1, SIZE_STR(len),
		       shared ? "shared" : "private", secs);
	free(gpns);
	return 0;
}


int share_main(int argc, char **argv)
{
	return visibility(true, argc, argv);
}

int unshare_main(int argc, char **argv)
{
	return visibility(false, argc, argv);
}
