/* SPDX-License-Identifier: MIT */
/*
 * Options every replaying command shares (replay, diff, dump pgd, check):
 * the model (policy, sync, kernel), the machine (overriding the trace's
 * machine line), the input format and the stopping point --at.
 */
#ifndef PGTRACE_CLI_MODELOPTS_H
#define PGTRACE_CLI_MODELOPTS_H

#include <argp.h>
#include <stdbool.h>

#include "cli/progress.h"
#include "core/model.h"
#include "formats/source.h"

struct model_opts {
	int npolicies;             /* how many --shared/--unshared were given */
	enum pgt_policy policy[2]; /* in order given */
	int nsyncs;
	enum pgt_sync sync[2];
	int nkernels;
	enum pgt_kernel kernel[2];
	struct pgt_machine machine; /* overrides (machine.set says which) */
	enum pgt_format format;
	const char *at;             /* --at: event count or marker label */
	bool all;                   /* --all: every pgd, not only the interesting */
	uint64_t notes;             /* --notes: notes kept per kind (0: all) */
	bool json;
	enum progress_mode progress; /* --progress, --no-progress */
	const char *core;           /* --core IMAGE: a real starting state */
	const char *start_core;     /* --start-core IMAGE: the machine when recording began */
	int adopt;                  /* --adopt 1, --no-adopt 0, -1: by the input */
	const char *symbols;        /* --symbols FILE */
};

/* The argp child: groups "Model:", "Machine:" and "Input:". */
extern const struct argp model_opts_argp;

/*
 * The "Machine:" group alone (--page-offset, --lowmem, --pse, --highmem,
 * --nx, --etext); its input is a struct pgt_machine whose .set says what
 * was given.
 */
extern const struct argp machine_opts_argp;

/*
 * The argp child "Real starting state:" (--core, --symbols) for replay,
 * diff and check; its input is the same struct model_opts.
 */
extern const struct argp image_opts_argp;

/* Defaults: nothing given. */
void model_opts_init(struct model_opts *o);

/*
 * The model configuration for side @i (0 or 1) of the options, filling
 * what was not given from the trace's machine line and the defaults
 * (shared policy, seed sync, the trace's kernel or else 2.6.21).
 */
void model_opts_config(const struct model_opts *o, int i,
		       const struct pgt_machine *trace_machine,
		       struct pgt_model_config *ret);

#endif
