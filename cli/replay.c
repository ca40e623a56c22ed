/* SPDX-License-Identifier: MIT */
/* pgtrace replay: per-pgd kernel-PMD divergence and costs of one policy. */
#include <argp.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/report.h"

struct replay_args {
	struct model_opts model;
	const char *trace;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct replay_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->model;
		state->child_inputs[1] = &a->model;
		return 0;
	case ARGP_KEY_ARG:
		if (a->trace)
			argp_error(state, "one TRACE only");
		a->trace = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->trace)
			argp_error(state, "a TRACE is needed ('-' for standard input)");
		if (a->model.npolicies > 1 || a->model.nsyncs > 1 ||
		    a->model.nkernels > 1)
			argp_error(state, "replay takes one policy, sync and kernel; 'pgtrace diff' compares two");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{&model_opts_argp, 0, NULL, 0},
	{&image_opts_argp, 0, NULL, 0},
	{0},
};

static const char doc[] =
	"Replay TRACE against the PAE page-table model and print, per pgd, how "
	"its kernel PMD differs from swapper_pg_dir's (missing, stale, "
	"different entries), the vmalloc faults and hazards, then what the "
	"policy cost." "\v" PGT_EXIT_DOC;

static const struct argp argp = {NULL, parse_opt, "TRACE", doc, children,
				 NULL, NULL};

int cmd_replay(int argc, char **argv)
{
	struct replay_args a = {0};
	model_opts_init(&a.model);
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	struct run r;
	struct pgt_error *err = run_trace(a.trace, &a.model, 1, &r);
	if (err)
		return pgt_fail(err);
	if (a.model.json) {
		struct json j;
		json_init(&j, stdout);
		err = report_json(&j, NULL, &r, 0, a.model.all);
		if (!err)
			json_finish(&j);
	} else {
		err = report_text(stdout, &r, 0, a.model.all);
	}
	run_deinit(&r);
	return err ? pgt_fail(err) : PGT_EXIT_OK;
}
