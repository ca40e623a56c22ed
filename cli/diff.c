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

/*
 * The pgds of the two sides paired by their pgd_alloc's rank.  A model
 * keeps only the records with something to show; a record one side dropped
 * is the plain record of a freed pgd that never diverged or faulted, made
 * again here from the other side's.
 */
struct pair {
	const struct pgt_pgd_stats *x, *y;
	struct pgt_pgd_stats made;
};

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

static struct pgt_error *pair_up(const struct pgt_model *ma,
				 const struct pgt_model *mb, struct pair **ret,
				 size_t *nret)
{
	size_t na = pgt_model_npgds(ma), nb = pgt_model_npgds(mb);
	struct pair *v = calloc(na + nb + 1, sizeof(*v));
	if (!v)
		return &pgt_error_nomem;
	size_t i = 0, k = 0, n = 0;
	while (i < na || k < nb) {
		const struct pgt_pgd_stats *x = i < na ? pgt_model_pgd(ma, i) : NULL;
		const struct pgt_pgd_stats *y = k < nb ? pgt_model_pgd(mb, k) : NULL;
		struct pair *p = &v[n++];
		if (x && y && x->serial == y->serial) {
			p->x = x, p->y = y, i++, k++;
		} else if (x && (!y || x->serial < y->serial)) {
			make_plain(x, mb, &p->made);
			p->x = x, p->y = &p->made, i++;
		} else {
			make_plain(y, ma, &p->made);
			p->x = &p->made, p->y = y, k++;
		}
	}
	*ret = v;
	*nret = n;
	return NULL;
}

/* Is serial @serial among side @m's kept records (sorted by serial)? */
static bool kept(const struct pgt_model *m, uint64_t serial)
{
	size_t lo = 0, hi = pgt_model_npgds(m);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t s = pgt_model_pgd(m, mid)->serial;
		if (s == serial)
			return true;
		if (s < serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void pair_row(FILE *f, const struct run *r, const struct pgt_pgd_stats *x,
		     const struct pgt_pgd_stats *y, bool d)
{
	char task[64];
	run_format_task(r, x, task, sizeof(task));
	fprintf(f, "%c %-12s %-20s %-4s | %-6s %4u %4u %6" PRIu64 " %4" PRIu64
		   " | %-6s %4u %4u %6" PRIu64 " %4" PRIu64 "\n",
		d ? '*' : ' ', report_pgd_name(r, x->id), task,
		x->live ? "yes" : "no",
		x->own_kernel_pmd ? "own" : "shared",
		pgt_pgd_divergent(x), x->max_divergent, x->faults,
		x->hazards, y->own_kernel_pmd ? "own" : "shared",
		pgt_pgd_divergent(y), y->max_divergent, y->faults,
		y->hazards);
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
	struct pair *pairs;
	size_t npairs, ndiff = 0, only_b = 0;
	if ((err = pair_up(ma, mb, &pairs, &npairs))) {
		run_deinit(&r);
		return pgt_fail(err);
	}
	for (size_t i = 0; i < npairs; i++) {
		ndiff += pgd_differs(pairs[i].x, pairs[i].y);
		only_b += pairs[i].x == &pairs[i].made;
	}
	/* Dropped on both sides: freed, never diverged or faulted on either. */
	uint64_t plain_both = pgt_model_pgds_dropped(ma) - only_b;
	uint64_t n = npairs + plain_both;

	if (a.model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		report_json(&j, "a", &r, 0, a.model.all);
		report_json(&j, "b", &r, 1, a.model.all);
		/* The pgds the text shows, paired, each saying whether the sides differ. */
		json_begin_array(&j, "pgds");
		for (size_t i = 0; i < npairs; i++) {
			const struct pgt_pgd_stats *x = pairs[i].x, *y = pairs[i].y;
			bool d = pgd_differs(x, y);
			if (!a.model.all && !d && !run_interesting(x) &&
			    !run_interesting(y))
				continue;
			json_begin_object(&j, NULL);
			json_string(&j, "pgd", report_pgd_name(&r, x->id));
			json_uint(&j, "alloc_line", x->alloc_line);
			json_bool(&j, "differs", d);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_uint(&j, "differing_pgds", ndiff);
		json_bool(&j, "differ", ndiff != 0);
		json_uint(&j, "compared_pgds", n);
		json_string(&j, "result", !n ? "nothing comparable"
				 : ndiff ? "difference" : "agreement");
		if (!n)
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
		uint64_t hidden = 0;
		for (size_t i = 0; i < npairs; i++) {
			const struct pgt_pgd_stats *x = pairs[i].x, *y = pairs[i].y;
			bool d = pgd_differs(x, y);
			if (!a.model.all && !d && !run_interesting(x) &&
			    !run_interesting(y)) {
				hidden++;
				continue;
			}
			pair_row(f, &r, x, y, d);
		}
		if (a.model.all && r.spool[0].f) {
			/* Freed and plain on both sides, in the order freed. */
			struct pgt_pgd_stats x, y;
			bool got = true;
			rewind(r.spool[0].f);
			while (got) {
				if ((err = spool_next(&r.spool[0], &x, &got))) {
					free(pairs);
					run_deinit(&r);
					return pgt_fail(err);
				}
				if (!got || kept(mb, x.serial))
					continue;
				make_plain(&x, mb, &y);
				pair_row(f, &r, &x, &y, false);
			}
		} else {
			hidden += plain_both;
		}
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
		fprintf(f, "\n%zu of %" PRIu64 " %s %s\n", ndiff, PL(n, "pgd", "pgds"),
			ndiff == 1 ? "differs" : "differ");
		fprintf(f, "evidence: %" PRIu64 " %s compared over %" PRIu64 " %s\n",
			PL(n, "pgd", "pgds"), PL(r.events, "event", "events"));
		if (!n)
			fprintf(f, "result:  nothing comparable: %s\n", NOTHING_COMPARED);
	}
	free(pairs);
	run_deinit(&r);
	/* a comparison of no pgd is no agreement */
	return ndiff || !n ? PGT_EXIT_DIFFER : PGT_EXIT_OK;
}
