/* SPDX-License-Identifier: MIT */
/* pgtrace: page-table inspection and replay.  The command table. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli/escape.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"replay", cmd_replay, "replay a trace; per-pgd kernel-PMD divergence and costs"},
	{"diff", cmd_diff, "replay a trace under two policies side by side"},
	{"dump", cmd_dump, "dump a pgd's tables (replayed or from a memory image)"},
	{"layout", cmd_layout, "print the kernel virtual memory layout"},
	{"translate", cmd_translate, "walk an address through a memory image's tables"},
	{"check", cmd_check, "compare a replay's prediction with a memory image"},
	{"convert", cmd_convert, "write a trace in the native format"},
	{"probes", cmd_probes, "print the ftrace probes and recording recipe"},
	{"record", cmd_record, "record the probes' events on this running kernel"},
};

int pgt_fail(struct pgt_error *err)
{
	fprintf(stderr, "pgtrace: %s\n", err ? err->message : "unknown error");
	pgt_error_destroy(err);
	return PGT_EXIT_TROUBLE;
}

const char *argp_program_version = "pgtrace " PGTRACE_VERSION;
const char *argp_program_bug_address = NULL;

static char doc[] =
	"pgtrace -- x86-32 PAE page-table inspection and replay\v"
	"Commands:\n"
	"  replay     replay a trace; per-pgd kernel-PMD divergence and costs\n"
	"  diff       replay a trace under two policies side by side\n"
	"  dump       dump a pgd's tables (replayed or from a memory image)\n"
	"  layout     print the kernel virtual memory layout\n"
	"  translate  walk an address through a memory image's tables\n"
	"  check      compare a replay's prediction with a memory image\n"
	"  convert    write a trace in the native format\n"
	"  probes     print the ftrace probes and recording recipe\n"
	"  record     record the probes' events on this running kernel\n"
	"\n'pgtrace COMMAND --help' describes each command.\n\n"
	"Exit status: 0 on success, 1 when the compared sides differ (diff, "
	"check), 2 on trouble (bad input, bad usage, an I/O error).";

struct main_args {
	int cmd_index;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct main_args *a = state->input;
	switch (key) {
	case ARGP_KEY_ARG:
		a->cmd_index = state->next - 1;
		state->next = state->argc; /* the rest belongs to the command */
		return 0;
	case ARGP_KEY_NO_ARGS:
		argp_usage(state);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp argp = {NULL, parse_opt, "COMMAND [ARG...]", doc,
				 NULL, NULL, NULL};

/* A full disk or a closed pipe must not pass for success. */
static int close_stdout(int status)
{
	/* A command that failed said why: one error line, not two. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != PGT_EXIT_TROUBLE) {
		int e = errno;
		fprintf(stderr, "pgtrace: write error on standard output: %s\n",
			e ? strerror(e) : "I/O error");
		return PGT_EXIT_TROUBLE;
	}
	return status;
}

int main(int argc, char **argv)
{
	argp_err_exit_status = PGT_EXIT_TROUBLE;
	struct main_args a = {.cmd_index = -1};
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a);
	if (a.cmd_index < 0)
		return PGT_EXIT_TROUBLE;
	const char *name = argv[a.cmd_index];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			/* argp names the program after argv[0]. */
			char *full;
			if (asprintf(&full, "pgtrace %s", name) < 0)
				return pgt_fail(&pgt_error_nomem);
			argv[a.cmd_index] = full;
			/*
			 * Names from traces must not drive the terminal: text
			 * and messages go through the escapes of escape.h.
			 * convert's standard output may be the trace itself,
			 * whose names the writer already encodes.
			 */
			if (strcmp(name, "convert"))
				escape_stream(&stdout);
			escape_stream(&stderr);
			int status = commands[i].fn(argc - a.cmd_index,
						    argv + a.cmd_index);
			free(full);
			status = close_stdout(status);
			escape_streams_end();
			return status;
		}
	}
	fprintf(stderr,
		"pgtrace: '%s' is not a pgtrace command; see 'pgtrace --help'\n",
		name);
	return PGT_EXIT_TROUBLE;
}
