/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands of cvm-vtlmemctl, one group a file; main.c looks them up
 * by name. Each takes the arguments after its name and returns the exit
 * status.
 */
#ifndef CVM_VTLMEMCTL_SUBCOMMANDS_H
#define CVM_VTLMEMCTL_SUBCOMMANDS_H

int info_main(int argc, char **argv);		/* info.c */
int ranges_main(int argc, char **argv);		/* ranges.c */
int query_main(int argc, char **argv);		/* ranges.c */
int add_main(int argc, char **argv);		/* ranges.c */
int remove_main(int argc, char **argv);		/* ranges.c */
int accept_main(int argc, char **argv);		/* accept.c */
int share_main(int argc, char **argv);		/* visibility.c */
int unshare_main(int argc, char **argv);	/* visibility.c */
int protect_main(int argc, char **argv);	/* protect.c */
int stats_main(int argc, char **argv);		/* stats.c */
int boot_main(int argc, char **argv);		/* boot.c */

#endif /* CVM_VTLMEMCTL_SUBCOMMANDS_H */
