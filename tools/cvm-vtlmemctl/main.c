// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: the administrator's and the paravisor developer's view of
 * /dev/cvm_vtlmem, and the paravisor's memory start-up ("boot") run through
 * the module's ABI. Run "cvm-vtlmemctl --help" for the commands and the
 * layout file format; cvm-vtlmemctl.8 is the manual.
 *
 * This file is the global options and the table of commands: each command
 * group lives in its own file (subcommands.h), what they share in ctl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "subcommands.h"

/* The commands, in the order --help lists them, with their help lines. */
static const struct {
	const char *subcommand;
	int (*function)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "info", info_main,
"  info                            module identity, limits, accounting, ioctls\n" },
	{ "ranges", ranges_main,
"  ranges                          registered ranges and their page counts\n" },
	{ "query", query_main,
"  query GPA [LEN]                 page states and VTL rights, one line per run\n" },
	{ "add", add_main,
"  add GPA LEN [--shared-pool] [--accepted] [--lazy] [--struct-pages] [--node N]\n"
"                                  register a range of VTL0 RAM (or a shared pool)\n" },
	{ "remove", remove_main,
"  remove GPA                      unregister the range starting at GPA\n" },
	{ "accept", accept_main,
"  accept GPA LEN [--zero|--no-zero] [--grant] | --background\n"
"                                  accept pages (--grant: VTL0 gets rwxX);\n"
"                                  --background: queue a lazy range's 2 MiB\n"
"                                  units for a low-priority kernel thread\n" },
	{ "share", share_main,
"  share GPA LEN | --gpns a,b,c    make pages host-visible\n" },
	{ "unshare", unshare_main,
"  unshare GPA LEN | --gpns a,b,c  make pages private again\n" },
	{ "protect", protect_main,
"  protect GPA LEN --vtl N --rights rwxX|none\n"
"                                  set the rights VTL N (0 or 1) has; r read,\n"
"                                  w write, x kernel exec, X user exec\n" },
	{ "stats", stats_main,
"  stats                           the module's and the simulation's counters\n" },
	{ "boot", boot_main,
"  boot LAYOUT | --vtl0 ... [--shared ...] [--vtl2 auto] [--lazy]\n"
"       [--simulate-bootloader]\n"
"                                  the paravisor's memory start-up (below)\n" },
};

void usage(FILE *f)
{
	unsigned int i;

	fputs("usage: cvm-vtlmemctl [--progress=auto|bar|lines|none] COMMAND [ARGS]\n\n", f);
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fputs(subcommands[i].description, f);
	fputs(
"\n"
"Numbers are decimal or 0x hex; sizes take K, M, G, T suffixes (powers of 1024).\n"
"GPNs are page numbers (GPA / 4096). Exit status: 0 done, 1 an operation failed\n"
"(the message names the range, the failing GPA and the platform status), 2 usage.\n"
"Long steps draw a progress bar on a terminal and print plain lines otherwise.\n"
"\n"
"boot performs, through the module's ioctls:\n"
"  1. non-isolated partitions: take every lower VTL's rights on VTL2's RAM\n"
"  2. register every range; isolated partitions: grant VTL0 rwxX on what the boot\n"
"     loader accepted, accept the rest of VTL0 RAM in parallel with VTL0 rwxX\n"
"     (lazy ranges are accepted on first touch instead)\n"
"  3. isolated partitions: accept the shared pool if needed, then share it\n"
"  4. map the private and shared views of every range: sampled pages read through\n"
"     the right view and fault through the wrong one; every page's state is checked\n"
"  5. a summary: GiB accepted per page size, calls issued, time per step, VTL2\n"
"     memory spent on page state\n"
"It stops at the first failure; what was done stays done, and running boot again\n"
"continues from there. --simulate-bootloader (simulated hypervisor only) accepts\n"
"'accepted' ranges through debugfs sim/boot_accept first, as a boot loader would.\n"
"\n"
"Layout file: one range a line; '#' starts a comment.\n"
"  KIND  GPA  SIZE  [OPTION...]\n"
"  vtl0    VTL0 RAM; options: node=N, accepted (the boot loader accepted it),\n"
"          lazy (accept on first touch), struct-pages (GUP-able mappings)\n"
"  shared  the shared pool; options: node=N, accepted, struct-pages\n"
"  vtl2    VTL2's own RAM: 'vtl2 auto' (all System RAM) or 'vtl2 GPA SIZE';\n"
"          used on non-isolated partitions only\n"
"GPA and SIZE are 4 KiB aligned; ranges may not overlap.\n"
"Example:\n"
"  # kind   gpa          size   options\n"
"  vtl0     0x100000000  512M   node=0\n"
"  vtl0     0x120000000  256M   accepted\n"
"  vtl0     0x130000000  128M   lazy\n"
"  shared   0x138000000  64M    accepted\n"
"  vtl2     auto\n"
"Flags give the same lines: --vtl0 0x100000000,512M,node=0 --shared 0x138000000,64M\n"
"--vtl2 auto (repeatable; added to a LAYOUT file's lines if both are given);\n"
"--lazy makes every vtl0 range that is not 'accepted' lazy.\n", f);
}

/* --progress=MODE or --progress MODE before the command: how many words it took. */
static int parse_progress(int argc, char **argv)
{
	const char *m = argv[1][10] == '=' ? argv[1] + 11 : NULL;
	int used = 1;

	if (!m && argc > 2 && !argv[1][10]) {
		m = argv[2];
		used = 2;
	}
	if (!m)
		usage_error("--progress=auto|bar|lines|none");
	if (!strcmp(m, "auto"))
		progress_mode = PROGRESS_AUTO;
	else if (!strcmp(m, "bar"))
		progress_mode = PROGRESS_BAR;
	else if (!strcmp(m, "lines"))
		progress_mode = PROGRESS_LINES;
	else if (!strcmp(m, "none"))
		progress_mode = PROGRESS_NONE;
	else
		usage_error("--progress: '%s' is not auto, bar, lines or none", m);
	return used;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int used;

	/* Output order matters when it goes to a log: no stdio buffering surprises. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (argc > 1 && !strncmp(argv[1], "--progress", 10)) {
		used = parse_progress(argc, argv);
		argv += used;
		argc -= used;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].subcommand))
			return subcommands[i].function(argc - 2, argv + 2);
	usage_error("unknown command '%s'", argv[1]);
}
