/* SPDX-License-Identifier: MIT */
/* pgtrace diff: one trace, two policy settings, side by side. */
#include <argp.h>
#include <inttypes.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/report.h"

struct diff_args {
	struct model_opts model;
	const char *trace;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct diff_args *a = state->input;
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
		if (a->model.npolicies < 2 && a->model.nsyncs < 2 &&
		    a->model.nkernels < 2)
			argp_error(state, "give two sides: --shared --unshared, --sync=seed --sync=pmd, or --kernel twice");
		/* Two sides alike compare nothing: say so rather than print "0 differ". */
		if ((a->model.npolicies < 2 || a->model.policy[0] == a->model.policy[1]) &&
		    (a->model.nsyncs < 2 || a->model.sync[0] == a->model.sync[1]) &&
		    (a->model.nkernels < 2 || a->model.kernel[0] == a->model.kernel[1]))
			argp_error(state, "both sides are the same (%s twice): nothing to compare",
				   a->model.npolicies == 2 ? (a->model.policy[0] == PGT_POLICY_SHARED ? "--shared" : "--unshared")
				   : a->model.nsyncs == 2 ? "--sync" : "--kernel");
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
	"Replay TRACE once into two models (side A: the first --shared/--unshared, "
	"--sync or --kernel given; side B: the second) and print both per pgd and "
	"in total, marking with '*' every pgd whose divergence, faults, hazards "
	"or oopses differ.  Exit status 0 when the sides agree on every pgd, 1 "
	"when they differ." "\v" PGT_EXIT_DOC;

static const struct argp argp = {NULL, parse_opt, "TRACE", doc, children,
				 NULL, NULL};

static bool pgd_differs(const struct pgt_pgd_stats *x,
			const struct pgt_pgd_stats *y)
{
	return x->missing != y->missing || x->stale != y->stale ||
	       x->different != y->different ||
	       x->max_divergent != y->max_divergent || x->faults != y->faults ||
	       x->hazards != y->hazards || x->oopses != y->oopses;
}

static void cost_row(FILE *f, const char *name, uint64_t a, uint64_t b)
{
	fprintf(f, "%c %-26s %14" PRIu64 " %14" PRIu64 "\n", a != b ? '*' : ' ',
		name, a, b);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = {0};
	model_opts_init(&a.model);
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	struct run r;
	struct pgt_error *err = run_trace(a.trace, &a.model, 2, &r);
	if (err)
		return pgt_fail(err);
	const struct pgt_model *ma = r.models[0], *mb = r.models[1];
	const struct pgt_model_config *ca = pgt_model_config(ma),
				      *cb = pgt_model_config(mb);
	/*
	 * 6.1 has no vmalloc_sync_all(): its arch_sync_kernel_mappings()
	 * ignores --sync, so a --sync pair with nothing else differing
	 * compares a model with itself.
	 */
	if (a.model.nsyncs == 2 && ca->kernel == PGT_KERNEL_6_1 &&
	    cb->kernel == PGT_KERNEL_6_1 && ca->policy == cb->policy) {
		run_deinit(&r);
		return pgt_fail(pgt_error_create(PGT_ERROR_INVALID,
			"%s: a --sync pair compares nothing under kernel 6.1 rules "
			"(6.1 syncs with arch_sync_kernel_mappings(), whatever --sync "
			"says); add --kernel=2.6.21 to compare the seed's and 2.6.35's "
			"vmalloc_sync_all()", a.trace));
	}
	size_t n = pgt_model_npgds(ma);
	size_t ndiff = 0;
	bool *differs = calloc(n ? 2 * n : 1, sizeof(*differs));
	if (!differs) {
		run_deinit(&r);
		return pgt_fail(&pgt_error_nomem);
	}
	for (size_t i = 0; i < n; i++) {
		differs[i] = pgd_differs(pgt_model_pgd(ma, i), pgt_model_pgd(mb, i));
		ndiff += differs[i];
	}

	if (a.model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		/* Both sides list the same pgds, those the text shows. */
		bool *shown = differs + n;
		for (size_t i = 0; i < n; i++)
			shown[i] = differs[i] || run_interesting(pgt_model_pgd(ma, i)) ||
				   run_interesting(pgt_model_pgd(mb, i));
		report_json(&j, "a", &r, 0, a.model.all, shown, differs);
		report_json(&j, "b", &r, 1, a.model.all, shown, differs);
		json_uint(&j, "differing_pgds", ndiff);
		json_bool(&j, "differ", ndiff != 0);
		json_end_object(&j);
		json_finish(&j);
	} else {
		FILE *f = stdout;
		char da[128], db[128];
		report_describe(ma, da, sizeof(da));
		report_describe(mb, db, sizeof(db));
		fprintf(f, "trace:   %s (%s), %" PRIu64 " %s", r.path,
			pgt_format_name(r.format), PL(r.events, "event", "events"));
		if (r.skipped)
			fprintf(f, ", %" PRIu64 " other %s skipped",
				PL(r.skipped, "line", "lines"));
		if (r.stopped)
			fprintf(f, ", stopped at line %" PRIu64 " (--at)", r.stop_line);
		fputc('\n', f);
		if (r.from_image)
			fprintf(f, "start:   kernel page tables of a memory image (--core)\n");
		fprintf(f, "A:       %s\nB:       %s\n", da, db);
		fprintf(f, "(* marks a pgd whose divergence, max, faults, hazards or oopses differ)\n\n");
		fprintf(f, "  %-12s %-20s %-4s | %-6s %4s %4s %6s %4s | %-6s %4s %4s %6s %4s\n",
			"PGD", "TASK", "LIVE", "A:KPMD", "DIV", "MAX", "FAULTS",
			"HAZ", "B:KPMD", "DIV", "MAX", "FAULTS", "HAZ");
		size_t hidden = 0;
		for (size_t i = 0; i < n; i++) {
			const struct pgt_pgd_stats *x = pgt_model_pgd(ma, i);
			const struct pgt_pgd_stats *y = pgt_model_pgd(mb, i);
			bool d = pgd_differs(x, y);
			if (!a.model.all && !d && !run_interesting(x) &&
			    !run_interesting(y)) {
				hidden++;
				continue;
			}
			char task[64];
			run_format_task(&r, x, task, sizeof(task));
			fprintf(f, "%c %-12s %-20s %-4s | %-6s %4u %4u %6" PRIu64 " %4" PRIu64
				   " | %-6s %4u %4u %6" PRIu64 " %4" PRIu64 "\n",
				d ? '*' : ' ', report_pgd_name(&r, x->id), task,
				x->live ? "yes" : "no",
				x->own_kernel_pmd ? "own" : "shared",
				pgt_pgd_divergent(x), x->max_divergent, x->faults,
				x->hazards, y->own_kernel_pmd ? "own" : "shared",
				pgt_pgd_divergent(y), y->max_divergent, y->faults,
				y->hazards);
		}
		if (hidden)
			fprintf(f, "  (%zu freed %s alike on both sides not shown; --all lists them)\n",
				PL(hidden, "pgd", "pgds"));
		struct report_totals ta, tb;
		report_totals(ma, &ta);
		report_totals(mb, &tb);
		const struct pgt_costs *ca = pgt_model_costs(ma);
		const struct pgt_costs *cb = pgt_model_costs(mb);
		fprintf(f, "\n  %-26s %14s %14s\n", "TOTALS AND COSTS", "A", "B");
		cost_row(f, "live pgds", ta.live_pgds, tb.live_pgds);
		cost_row(f, "divergent pgds", ta.divergent_pgds, tb.divergent_pgds);
		cost_row(f, "divergent entries", ta.divergent_entries, tb.divergent_entries);
		cost_row(f, "vmalloc faults", ta.faults, tb.faults);
		cost_row(f, "hazards", ta.hazards, tb.hazards);
		cost_row(f, "oopses", ta.oopses, tb.oopses);
		cost_row(f, "page-table bytes", ca->pgtable_bytes, cb->pgtable_bytes);
		cost_row(f, "page-table bytes (peak)", ca->pgtable_bytes_peak, cb->pgtable_bytes_peak);
		cost_row(f, "kernel PMD copies (peak)", ca->kernel_pmd_copies_peak, cb->kernel_pmd_copies_peak);
		cost_row(f, "pgd_alloc entries copied", ca->pmd_copy_entries, cb->pmd_copy_entries);
		cost_row(f, "pgd_list walks", ca->pgd_list_walks, cb->pgd_list_walks);
		cost_row(f, "pgds visited", ca->pgd_list_visits, cb->pgd_list_visits);
		cost_row(f, "sync entries examined", ca->sync_entries_examined, cb->sync_entries_examined);
		cost_row(f, "sync entries written", ca->sync_entries_written, cb->sync_entries_written);
		cost_row(f, "broadcast entries written", ca->broadcast_entries_written, cb->broadcast_entries_written);
		cost_row(f, "BUG_ONs", ca->bugs, cb->bugs);
		cost_row(f, "writes to freed tables", ca->uaf_writes, cb->uaf_writes);
		cost_row(f, "writes to reused tables", ca->corrupting_writes, cb->corrupting_writes);
		fprintf(f, "\n%zu of %zu %s %s\n", ndiff, PL(n, "pgd", "pgds"),
			ndiff == 1 ? "differs" : "differ");
	}
	free(differs);
	run_deinit(&r);
	return ndiff ? PGT_EXIT_DIFFER : PGT_EXIT_OK;
}
