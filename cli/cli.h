/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands share.  Each subcommand lives in its own file and is
 * listed in the command table of main.c.
 */
#ifndef PGTRACE_CLI_CLI_H
#define PGTRACE_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

/* Exit statuses (documented in pgtrace(1)). */
#define PGT_EXIT_OK 0
#define PGT_EXIT_DIFFER 1  /* diff: the sides differ; check: disagreement */
#define PGT_EXIT_TROUBLE 2 /* bad input, bad usage, I/O error */

/* Print "pgtrace: MESSAGE" on stderr, destroy @err, return PGT_EXIT_TROUBLE. */
int pgt_fail(struct pgt_error *err);

/*
 * The exit-status paragraph every command's --help ends with; it goes after
 * the doc's "\v" (argp prints what follows the first "\v" after the
 * options).
 */
#define PGT_EXIT_DOC                                                         \
	"\n\nExit status: 0 on success, 1 when the compared sides differ "     \
	"(diff, check), 2 on trouble (bad input, bad usage, an I/O error)."

/* Subcommands: int cmd_NAME(int argc, char **argv), argv[0] is the name. */
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_layout(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif
