/* SPDX-License-Identifier: MIT */
/* pgtrace diff: one trace, two policy settings, side by side. */
#include <argp.h>
#include <inttypes.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/report.h"
#include "cli/rowfmt.h"

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
	"when they differ or when the trace has no pgd to compare." "\v" PGT_EXIT_DOC;

static const struct argp argp = {NULL, parse_opt, "TRACE", doc, children,
				 NULL, NULL};

#define NOTHING_COMPARED "the trace allocates no pgd; only costs were compared"

static bool pgd_differs(const struct pgt_pgd_stats *x,
			const struct pgt_pgd_stats *y)
{
	return x->missing != y->missing || x->stale != y->stale ||
	       x->different != y->different ||
	       x->max_divergent != y->max_divergent || x->faults != y->faults ||
	       x->hazards != y->hazards || x->oopses != y->oopses;
}

static void make_plain(const struct pgt_pgd_stats *from,
		       const struct pgt_model *m, struct pgt_pgd_stats *ret)
{
	*ret = (struct pgt_pgd_stats){
		.id = from->id, .serial = from->serial, .mm = from->mm,
		.pid = from->pid, .comm = from->comm, .live = false,
		.own_kernel_pmd = pgt_model_config(m)->policy == PGT_POLICY_UNSHARED,
		.alloc_line = from->alloc_line, .free_line = from->free_line,
	};
}

struct pair_counts {
	uint64_t pairs;   /* pairs made */
	uint64_t only_b;  /* pairs whose A side was made (A dropped its row) */
	uint64_t differ;  /* pairs that differ */
	uint64_t hidden;  /* pairs not handed out */
	uint64_t plain_both; /* freed, dropped on both sides (never paired) */
	uint64_t compared;   /* pgds compared: the pairs and plain_both */
};

/*
 * The pgds of the two sides paired by their pgd_alloc's rank, the rows of
 * both streamed in allocation order (cli/spool.h).  Without --all a side
 * keeps only the freed rows with findings; a row one side dropped is the
 * plain row of a freed pgd that never diverged or faulted, made again here
 * from the other side's.  @fn gets the pairs a report shows (every one
 * with @all).
 */
static struct pgt_error *each_pair(const struct run *r, bool all,
				   void (*fn)(void *ctx, const struct run *r,
					      const struct pgt_pgd_stats *x,
					      const struct pgt_pgd_stats *y, bool d),
				   void *ctx, struct pair_counts *ret)
{
	const struct pgt_model *ma = r->models[0], *mb = r->models[1];
	struct rows *ia, *ib = NULL;
	struct pgt_error *err = rows_open(&r->spool[0], ma, &ia);
	if (err || (err = rows_open(&r->spool[1], mb, &ib))) {
		rows_close(ia);
		return err;
	}
	*ret = (struct pair_counts){0};
	const struct pgt_pgd_stats *x = NULL, *y = NULL;
	bool need_x = true, need_y = true;
	for (;;) {
		if ((need_x && (err = rows_next(ia, &x))) ||
		    (need_y && (err = rows_next(ib, &y))))
			break;
		need_x = need_y = false;
		if (!x && !y)
			break;
		const struct pgt_pgd_stats *px, *py;
		struct pgt_pgd_stats made;
		if (x && y && x->serial == y->serial) {
			px = x, py = y, need_x = need_y = true;
		} else if (x && (!y || x->serial < y->serial)) {
			make_plain(x, mb, &made);
			px = x, py = &made, need_x = true;
		} else {
			make_plain(y, ma, &made);
			px = &made, py = y, need_y = true;
			ret->only_b++;
		}
		ret->pairs++;
		bool d = pgd_differs(px, py);
		ret->differ += d;
		if (!all && !d && !run_interesting(px) && !run_interesting(py)) {
			ret->hidden++;
			continue;
		}
		fn(ctx, r, px, py, d);
	}
	rows_close(ia);
	rows_close(ib);
	if (!all)
		ret->plain_both = pgt_model_pgds_dropped(ma) - ret->only_b;
	ret->compared = ret->pairs + ret->plain_both;
	return err;
}

/* one side's cells of a pair's row: " | KPMD DIV MAX FAULTS HAZ" */
static void side_cells(struct rowfmt *w, const struct pgt_pgd_stats *s)
{
	rowfmt_left(w, " |", 0);
	rowfmt_char(w, ' ');
	rowfmt_left(w, s->own_kernel_pmd ? "own" : "shared", 6);
	rowfmt_char(w, ' ');
	rowfmt_u64(w, pgt_pgd_divergent(s), 4);
	rowfmt_char(w, ' ');
	rowfmt_u64(w, s->max_divergent, 4);
	rowfmt_char(w, ' ');
	rowfmt_u64(w, s->faults, 6);
	rowfmt_char(w, ' ');
	rowfmt_u64(w, s->hazards, 4);
}

static void pair_row(void *ctx, const struct run *r,
		     const struct pgt_pgd_stats *x,
		     const struct pgt_pgd_stats *y, bool d)
{
	char task[64];
	run_format_task(r, x, task, sizeof(task));
	struct rowfmt w;
	rowfmt_init(&w, ctx);
	rowfmt_char(&w, d ? '*' : ' ');
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, report_pgd_name(r, x->id), 12);
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, task, 20);
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, x->live ? "yes" : "no", 4);
	side_cells(&w, x);
	side_cells(&w, y);
	rowfmt_char(&w, '\n');
	rowfmt_end(&w);
}

static void pair_json(void *ctx, const struct run *r,
		      const struct pgt_pgd_stats *x,
		      const struct pgt_pgd_stats *y, bool d)
{
	struct json *j = ctx;
	(void)y;
	json_begin_object(j, NULL);
	json_string(j, "pgd", report_pgd_name(r, x->id));
	json_uint(j, "alloc_line", x->alloc_line);
	json_bool(j, "differs", d);
	json_end_object(j);
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
	const struct pgt_model_config *cfa = pgt_model_config(ma),
				      *cfb = pgt_model_config(mb);
	/*
	 * 6.1 has no vmalloc_sync_all(): its arch_sync_kernel_mappings()
	 * ignores --sync, so a --sync pair with nothing else differing
	 * compares a model with itself.
	 */
	if (a.model.nsyncs == 2 && cfa->kernel == PGT_KERNEL_6_1 &&
	    cfb->kernel == PGT_KERNEL_6_1 && cfa->policy == cfb->policy) {
		run_deinit(&r);
		return pgt_fail(pgt_error_create(PGT_ERROR_INVALID,
			"%s: a --sync pair compares nothing under kernel 6.1 rules "
			"(6.1 syncs with arch_sync_kernel_mappings(), whatever --sync "
			"says); add --kernel=2.6.21 to compare the seed's and 2.6.35's "
			"vmalloc_sync_all()", a.trace));
	}
	struct pair_counts pc = {0};

	if (a.model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		if ((err = report_json(&j, "a", &r, 0, a.model.all)) ||
		    (err = report_json(&j, "b", &r, 1, a.model.all)))
			goto fail;
		/* The pgds the text shows, paired, each saying whether the sides differ. */
		json_begin_array(&j, "pgds");
		if ((err = each_pair(&r, a.model.all, pair_json, &j, &pc)))
			goto fail;
		json_end_array(&j);
		json_uint(&j, "differing_pgds", pc.differ);
		json_bool(&j, "differ", pc.differ != 0);
		json_uint(&j, "compared_pgds", pc.compared);
		json_string(&j, "result", !pc.compared ? "nothing comparable"
				 : pc.differ ? "difference" : "agreement");
		if (!pc.compared)
			json_string(&j, "reason", NOTHING_COMPARED);
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
		if (r.from_line)
			fprintf(f, ", from the marker at line %" PRIu64 " (--from)", r.from_line);
		fputc('\n', f);
		if (r.from_image)
			fprintf(f, "start:   %s\n", run_start_text(&r));
		fprintf(f, "A:       %s\nB:       %s\n", da, db);
		fprintf(f, "(* marks a pgd whose divergence, max, faults, hazards or oopses differ)\n\n");
		fprintf(f, "  %-12s %-20s %-4s | %-6s %4s %4s %6s %4s | %-6s %4s %4s %6s %4s\n",
			"PGD", "TASK", "LIVE", "A:KPMD", "DIV", "MAX", "FAULTS",
			"HAZ", "B:KPMD", "DIV", "MAX", "FAULTS", "HAZ");
		if ((err = each_pair(&r, a.model.all, pair_row, f, &pc)))
			goto fail;
		uint64_t hidden = pc.hidden + pc.plain_both;
		if (hidden)
			fprintf(f, "  (%" PRIu64 " freed %s alike on both sides not shown; --all lists them)\n",
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
		fprintf(f, "\n%" PRIu64 " of %" PRIu64 " %s %s\n", pc.differ,
			PL(pc.compared, "pgd", "pgds"), pc.differ == 1 ? "differs" : "differ");
		fprintf(f, "evidence: %" PRIu64 " %s compared over %" PRIu64 " %s\n",
			PL(pc.compared, "pgd", "pgds"), PL(r.events, "event", "events"));
		if (!pc.compared)
			fprintf(f, "result:  nothing comparable: %s\n", NOTHING_COMPARED);
	}
	run_deinit(&r);
	/* a comparison of no pgd is no agreement */
	return pc.differ || !pc.compared ? PGT_EXIT_DIFFER : PGT_EXIT_OK;
fail:
	run_deinit(&r);
	return pgt_fail(err);
}
