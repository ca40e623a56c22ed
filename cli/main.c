/* SPDX-License-Identifier: MIT */
/* pgtrace: page-table inspection and replay.  The command table. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli/escape.h"
#include "cli/gunzip.h"

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
	{"timeline", cmd_timeline, "plot divergence and costs over a replay (CSV, JSON, SVG)"},
	{"record", cmd_record, "record the probes' events on this running kernel"},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int pgt_fail(struct pgt_error *err)
{
	/* A decompressed image's temporary file goes by the image's name. */
	char *shown = err ? gunzip_unalias(err->message) : NULL;
	fprintf(stderr, "pgtrace: %s\n",
		shown ? shown : err ? err->message : "unknown error");
	free(shown);
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
	"  timeline   plot divergence and costs over a replay (CSV, JSON, SVG)\n"
	"\n'pgtrace COMMAND --help' (or -h, or 'pgtrace help COMMAND') "
	"describes each command; options go after the command.\n\n"
	"Exit status: 0 on success, 1 when the compared sides differ (diff, "
	"check), 2 on trouble (bad input, bad usage, an I/O error).";

struct main_args {
	int cmd_index;
};

static const struct argp_option options[] = {
	{"help", 'h', NULL, OPTION_HIDDEN, "give this help list", -1},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct main_args *a = state->input;
	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return 0;
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

static const struct argp argp = {options, parse_opt, "COMMAND [ARG...]", doc,
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

/*
 * "pgtrace --unshared replay T": argp would only say "unrecognized
 * option"; the user meant the command's option.  Returns the index of the
 * first option given before the command that is not one of pgtrace's own,
 * or 0.
 */
static int option_before_command(int argc, char **argv)
{
	static const char *const own[] = {"--help", "-h", "-?", "--usage",
					  "--version", "-V", NULL};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-' || !argv[i][1])
			return 0;
		bool is_own = false;
		for (int k = 0; own[k]; k++)
			is_own |= strcmp(argv[i], own[k]) == 0;
		if (!is_own)
			return i;
	}
	return 0;
}

int main(int argc, char **argv)
{
	argp_err_exit_status = PGT_EXIT_TROUBLE;
	int opt = option_before_command(argc, argv);
	if (opt) {
		int c = opt + 1;
		while (c < argc && argv[c][0] == '-')
			c++;
		if (c < argc && find_command(argv[c]))
			fprintf(stderr,
				"pgtrace: options go after the command: 'pgtrace %s %s ...'\n",
				argv[c], argv[opt]);
		else
			fprintf(stderr,
				"pgtrace: '%s': options go after the command "
				"('pgtrace COMMAND %s ...'); see 'pgtrace --help'\n",
				argv[opt], argv[opt]);
		return PGT_EXIT_TROUBLE;
	}
	struct main_args a = {.cmd_index = -1};
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a);
	if (a.cmd_index < 0)
		return PGT_EXIT_TROUBLE;
	int cargc = argc - a.cmd_index;
	char **cargv = argv + a.cmd_index;
	char help_opt[] = "--help";
	char *help_argv[3] = {NULL, help_opt, NULL};
	if (strcmp(cargv[0], "help") == 0) {
		/* "pgtrace help" is "pgtrace --help"; "pgtrace help CMD" is "CMD --help". */
		if (cargc > 2) {
			fprintf(stderr, "pgtrace: help takes one COMMAND\n");
			return PGT_EXIT_TROUBLE;
		}
		if (cargc == 1) {
			char prog[] = "pgtrace";
			char *hargv[] = {prog, help_opt, NULL};
			struct main_args h = {.cmd_index = -1};
			argp_parse(&argp, 2, hargv, ARGP_IN_ORDER, NULL, &h); /* exits */
			return PGT_EXIT_TROUBLE;
		}
		help_argv[0] = cargv[1];
		cargv = help_argv;
		cargc = 2;
	}
	const char *name = cargv[0];
	const struct command *cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr,
			"pgtrace: '%s' is not a pgtrace command; see 'pgtrace --help'\n",
			name);
		return PGT_EXIT_TROUBLE;
	}
	/* -h is --help for every command (none uses -h otherwise). */
	for (int i = 1; i < cargc && strcmp(cargv[i], "--") != 0; i++)
		if (strcmp(cargv[i], "-h") == 0)
			cargv[i] = help_opt;
	/* argp names the program after argv[0]. */
	char *full;
	if (asprintf(&full, "pgtrace %s", name) < 0)
		return pgt_fail(&pgt_error_nomem);
	cargv[0] = full;
	/*
	 * Names from traces must not drive the terminal: text and messages
	 * go through the escapes of escape.h.  convert's standard output may
	 * be the trace itself, whose names the writer already encodes.
	 */
	if (strcmp(name, "convert"))
		escape_stream(&stdout);
	escape_stream(&stderr);
	int status = cmd->fn(cargc, cargv);
	free(full);
	status = close_stdout(status);
	escape_streams_end();
	return status;
}
