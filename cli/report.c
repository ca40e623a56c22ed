/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ptdump.h"
#include "cli/report.h"
#include "cli/rowfmt.h"

const char *report_pgd_name(const struct run *r, uint32_t id)
{
	const char *s = pgt_strtab_get(r->tab, id);
	return *s ? s : "-";
}

/* "0x..." in hex, else decimal; the whole string. */
static bool parse_id_number(const char *s, uint64_t *ret)
{
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	if (!((s[0] >= '0' && s[0] <= '9')))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (*end || errno || end == s)
		return false;
	*ret = v;
	return true;
}

uint32_t report_find_pgd(const struct run *r, const char *spec)
{
	const struct pgt_model *m = r->models[0];
	uint32_t id = pgt_strtab_find(r->tab, spec, strlen(spec));
	if (id && pgt_model_find_pgd(m, id))
		return id;
	uint64_t want, v;
	if (!parse_id_number(spec, &want))
		return id;
	for (size_t i = 0; i < pgt_model_npgds(m); i++) {
		const struct pgt_pgd_stats *s = pgt_model_pgd(m, i);
		if (parse_id_number(pgt_strtab_get(r->tab, s->id), &v) && v == want)
			return s->id;
	}
	return id;
}

void report_totals(const struct pgt_model *m, struct report_totals *ret)
{
	/* Faults of freed pgds too: the model counts every one as it comes. */
	const struct pgt_costs *c = pgt_model_costs(m);
	*ret = (struct report_totals){
		.faults = c->faults, .hazards = c->hazards, .oopses = c->oopses,
	};
	for (size_t i = 0; i < pgt_model_npgds(m); i++) {
		const struct pgt_pgd_stats *s = pgt_model_pgd(m, i);
		ret->live_pgds++;
		uint32_t d = pgt_pgd_divergent(s);
		ret->divergent_pgds += d != 0;
		ret->divergent_entries += d;
		ret->missing += s->missing;
		ret->stale += s->stale;
		ret->different += s->different;
	}
}

void report_describe(const struct pgt_model *m, char *buf, size_t len)
{
	const struct pgt_model_config *c = pgt_model_config(m);
	int n = snprintf(buf, len, "%s (SHARED_KERNEL_PMD=%d), kernel %s, sync %s",
			 pgt_policy_name(c->policy),
			 c->policy == PGT_POLICY_SHARED, pgt_kernel_name(c->kernel),
			 c->kernel == PGT_KERNEL_6_1 ? "arch_sync_kernel_mappings"
						     : pgt_sync_name(c->sync));
	/* the model's policies, when not the defaults */
	if (n > 0 && (size_t)n < len && (c->reap != PGT_REAP_SLAB || c->page_reuse != PGT_REUSE_LIFO))
		snprintf(buf + n, len - (size_t)n, ", reap %s, page reuse %s",
			 pgt_reap_name(c->reap), pgt_reuse_name(c->page_reuse));
}

void report_note_text(FILE *f, const struct run *r, const struct pgt_note *n)
{
	const char *pgd = n->pgd ? report_pgd_name(r, n->pgd) : NULL;
	switch (n->kind) {
	case PGT_NOTE_HAZARD:
		fprintf(f, "vmalloc fault in NMI context at 0x%08" PRIx64, n->addr);
		break;
	case PGT_NOTE_OOPS:
		fprintf(f, "kernel fault at 0x%08" PRIx64 " that vmalloc_fault cannot fix (oops)", n->addr);
		break;
	case PGT_NOTE_BUG:
		fprintf(f, "BUG_ON hit for 0x%08" PRIx64, n->addr);
		break;
	case PGT_NOTE_UAF:
		fprintf(f, "write into a freed kernel PMD page (physical 0x%" PRIx64 ")", n->addr);
		if (pgd) {
			fprintf(f, " through freed pgd %s still on pgd_list", pgd);
			pgd = NULL;
		}
		break;
	case PGT_NOTE_CORRUPT:
		fprintf(f, "write into a freed kernel PMD page since reused as %s", n->what ? n->what : "something else");
		if (n->victim)
			fprintf(f, " of pgd %s", report_pgd_name(r, n->victim));
		fprintf(f, " (physical 0x%" PRIx64 "): %s [depends on --page-reuse=lifo]", n->addr,
			n->applied ? "corrupts it" : "it would corrupt that page; not applied");
		if (pgd) {
			fprintf(f, "; through freed pgd %s still on pgd_list", pgd);
			pgd = NULL;
		}
		break;
	case PGT_NOTE_UNPREDICTED:
		fprintf(f, "observed fault at 0x%08" PRIx64 " the model did not predict", n->addr);
		break;
	case PGT_NOTE_PREDICTED:
		fprintf(f, "observed fault at 0x%08" PRIx64 " (predicted)", n->addr);
		break;
	case PGT_NOTE__COUNT:
		break;
	}
	if (pgd)
		fprintf(f, " in pgd %s", pgd);
	if (n->has_ip) {
		char sym[256];
		run_symbolize(r, n->ip, sym, sizeof(sym));
		fprintf(f, " ip=0x%08" PRIx64 "%s%s", n->ip, sym[0] ? " " : "", sym);
	}
}

static void row_text(FILE *f, const struct run *r, const struct pgt_pgd_stats *s)
{
	char task[64];
	run_format_task(r, s, task, sizeof(task));
	struct rowfmt w;
	rowfmt_init(&w, f);
	rowfmt_left(&w, report_pgd_name(r, s->id), 12);
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, task, 20);
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, s->live ? "yes" : "no", 4);
	rowfmt_char(&w, ' ');
	rowfmt_left(&w, s->own_kernel_pmd ? "own" : "shared", 6);
	const uint64_t cells[] = {pgt_pgd_divergent(s), s->missing, s->stale,
				  s->different, s->max_divergent};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		rowfmt_char(&w, ' ');
		rowfmt_u64(&w, cells[i], 5);
	}
	rowfmt_char(&w, ' ');
	rowfmt_u64(&w, s->faults, 6);
	rowfmt_char(&w, ' ');
	rowfmt_u64(&w, s->hazards, 4);
	rowfmt_char(&w, ' ');
	if (s->first_divergence_line)
		rowfmt_u64(&w, s->first_divergence_line, 0);
	else
		rowfmt_char(&w, '-');
	rowfmt_char(&w, '\n');
	rowfmt_end(&w);
}

static void row_text_cb(void *ctx, const struct run *r,
			const struct pgt_pgd_stats *s)
{
	row_text(ctx, r, s);
}

/*
 * Side @side's rows in allocation order, live and freed: @fn gets those a
 * report shows (every one with @all); *shown_ret counts them and
 * *hidden_ret the rest.
 */
static struct pgt_error *each_row(const struct run *r, int side, bool all,
				  void (*fn)(void *ctx, const struct run *r,
					     const struct pgt_pgd_stats *s),
				  void *ctx, uint64_t *shown_ret,
				  uint64_t *hidden_ret)
{
	struct rows *it;
	uint64_t shown = 0, hidden = all ? 0 : pgt_model_pgds_dropped(r->models[side]);
	struct pgt_error *err = rows_open(&r->spool[side], r->models[side], &it);
	if (err)
		return err;
	for (;;) {
		const struct pgt_pgd_stats *s;
		if ((err = rows_next(it, &s)) || !s)
			break;
		if (!all && !run_interesting(s)) {
			hidden++;
			continue;
		}
		fn(ctx, r, s);
		shown++;
	}
	rows_close(it);
	*shown_ret = shown;
	*hidden_ret = hidden;
	return err;
}

struct pgt_error *report_text(FILE *f, const struct run *r, int side, bool all)
{
	const struct pgt_model *m = r->models[side];
	const struct pgt_layout *L = pgt_model_layout(m);
	char desc[128], size[32];
	report_describe(m, desc, sizeof(desc));
	fprintf(f, "trace:   %s (%s), %" PRIu64 " %s", r->path,
		pgt_format_name(r->format), PL(r->events, "event", "events"));
	if (r->skipped)
		fprintf(f, ", %" PRIu64 " other %s skipped", PL(r->skipped, "line", "lines"));
	if (r->backwards)
		fprintf(f, ", %" PRIu64 " %s going backwards raised",
			PL(r->backwards, "timestamp", "timestamps"));
	if (r->from_line)
		fprintf(f, ", from the marker at line %" PRIu64 " (--from; %" PRIu64 " before it not applied)",
			r->from_line, r->before_from);
	if (r->stopped)
		fprintf(f, ", stopped at line %" PRIu64 " (--at)", r->stop_line);
	fputc('\n', f);
	if (r->pairs.orphan_returns)
		fprintf(f, "pairs:   %" PRIu64 " pgd_alloc %s (mm unknown), first at line %" PRIu64 "\n",
			PL(r->pairs.orphan_returns, "return without its entry",
			   "returns without their entry"),
			r->pairs.first_orphan_line);
	if (r->pairs.unmatched_entries)
		fprintf(f, "pairs:   %" PRIu64 " pgd_alloc %s never returned (nothing allocated), first at line %" PRIu64 "\n",
			PL(r->pairs.unmatched_entries, "entry", "entries"), r->pairs.first_unmatched_line);
	fprintf(f, "policy:  %s\n", desc);
	if (r->policy.source != INFER_FROM_OPTION)
		fprintf(f, "         policy from %s\n", r->policy.why);
	if (r->from_image)
		fprintf(f, "start:   %s\n", run_start_text(r));
	ptdump_format_size(L->lowmem, size, sizeof(size));
	fprintf(f, "layout:  PAGE_OFFSET 0x%08x, lowmem %s, vmalloc 0x%08x-0x%08x, kernel PMD slots %d\n\n",
		L->page_offset, size, L->vmalloc_start, L->vmalloc_end,
		L->kernel_pgds);

	fprintf(f, "%-12s %-20s %-4s %-6s %5s %5s %5s %5s %5s %6s %4s %s\n",
		"PGD", "TASK", "LIVE", "KPMD", "DIV", "MISS", "STALE", "DIFF",
		"MAX", "FAULTS", "HAZ", "FIRST-LINE");
	uint64_t shown, hidden;
	struct pgt_error *err = each_row(r, side, all, row_text_cb, f, &shown,
					 &hidden);
	if (err)
		return err;
	if (!shown)
		fprintf(f, "(no pgds)\n");
	if (hidden)
		fprintf(f, "(%" PRIu64 " freed %s that never diverged or faulted not shown; --all lists them)\n",
			PL(hidden, "pgd", "pgds"));

	struct report_totals t;
	report_totals(m, &t);
	fprintf(f, "\ntotals:  %" PRIu64 " live %s, %" PRIu64 " divergent, %" PRIu64
		   " divergent %s (%" PRIu64 " missing, %" PRIu64 " stale, %" PRIu64
		   " different); %" PRIu64 " vmalloc %s, %" PRIu64 " %s, %" PRIu64 " %s\n",
		PL(t.live_pgds, "pgd", "pgds"), t.divergent_pgds,
		PL(t.divergent_entries, "entry", "entries"), t.missing,
		t.stale, t.different, PL(t.faults, "fault", "faults"),
		PL(t.hazards, "hazard", "hazards"), PL(t.oopses, "oops", "oopses"));

	const struct pgt_costs *c = pgt_model_costs(m);
	fprintf(f, "\ncosts:\n");
	fprintf(f, "  page-table memory   %" PRIu64 " bytes now, %" PRIu64 " peak\n",
		c->pgtable_bytes, c->pgtable_bytes_peak);
	fprintf(f, "    pgds              %" PRIu64 " bytes now, %" PRIu64 " peak\n",
		c->pgd_bytes, c->pgd_bytes_peak);
	fprintf(f, "    PMD pages         %" PRIu64 " now, %" PRIu64 " peak (kernel PMD copies %" PRIu64 " now, %" PRIu64 " peak)\n",
		c->pmd_pages, c->pmd_pages_peak, c->kernel_pmd_copies,
		c->kernel_pmd_copies_peak);
	fprintf(f, "    kernel PTE pages  %" PRIu64 " now, %" PRIu64 " peak\n",
		c->pte_pages, c->pte_pages_peak);
	fprintf(f, "  pgd_alloc copies    %" PRIu64 " PMD %s\n",
		PL(c->pmd_copy_entries, "entry", "entries"));
	fprintf(f, "  pgd_list walks      %" PRIu64 " (%" PRIu64 " %s visited)\n",
		c->pgd_list_walks, PL(c->pgd_list_visits, "pgd", "pgds"));
	fprintf(f, "  syncs               %" PRIu64 " %s, %" PRIu64 " %s examined, %" PRIu64 " written\n",
		PL(c->sync_calls, "call", "calls"),
		PL(c->sync_entries_examined, "entry", "entries"),
		c->sync_entries_written);
	fprintf(f, "  set_pmd_pte         %" PRIu64 " %s, %" PRIu64 " %s written\n",
		PL(c->broadcasts, "broadcast", "broadcasts"),
		PL(c->broadcast_entries_written, "entry", "entries"));
	fprintf(f, "  cpa                 %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " deferred %s\n",
		PL(c->cpa_splits, "split", "splits"),
		PL(c->cpa_reverts, "revert", "reverts"),
		PL(c->deferred_frees, "free", "frees"));
	fprintf(f, "  vmalloc faults      %" PRIu64 " (%" PRIu64 " %s, %" PRIu64 " %s)\n",
		c->faults, PL(c->hazards, "hazard", "hazards"),
		PL(c->oopses, "oops", "oopses"));
	if (c->uaf_writes || c->bugs || c->corrupting_writes)
		fprintf(f, "  kernel bugs hit     %" PRIu64 " %s, %" PRIu64 " %s into freed page tables, %" PRIu64 " into reused ones\n",
			PL(c->bugs, "BUG_ON", "BUG_ONs"),
			PL(c->uaf_writes, "write", "writes"), c->corrupting_writes);
	if (c->observed_faults || c->user_faults)
		fprintf(f, "  observed faults     %" PRIu64 " on kernel addresses (%" PRIu64 " predicted by the model), %" PRIu64 " on user addresses (not modelled)\n",
			c->observed_faults, c->observed_predicted, c->user_faults);
	if (c->unresolved_faults)
		fprintf(f, "  unresolved faults   %" PRIu64 " observed in tasks whose pgd the recording does not name (not modelled)\n",
			c->unresolved_faults);
	if (c->adopted_pgds || c->adopted_vfrees)
		fprintf(f, "  adopted             %" PRIu64 " %s alive before the recording (their history before it unknown), %" PRIu64 " %s of mappings made before it\n",
			PL(c->adopted_pgds, "pgd", "pgds"), PL(c->adopted_vfrees, "vfree", "vfrees"));

	size_t nn = pgt_model_nnotes(m);
	if (nn) {
		fprintf(f, "\nnotes:\n");
		for (size_t i = 0; i < nn; i++) {
			const struct pgt_note *n = pgt_model_note(m, i);
			fprintf(f, "  %s:%" PRIu64 ": ", r->path, n->line);
			report_note_text(f, r, n);
			fputc('\n', f);
		}
		uint64_t limit = pgt_model_config(m)->notes_limit;
		for (int k = 0; k < PGT_NOTE__COUNT; k++) {
			uint64_t cnt = pgt_model_note_count(m, k);
			if (limit && cnt > limit)
				fprintf(f, "  (%" PRIu64 " more %s notes not kept; --notes=N keeps more)\n",
					cnt - limit, pgt_note_kind_name(k));
		}
	}
	return NULL;
}

static void row_json(struct json *j, const struct run *r,
		     const struct pgt_pgd_stats *s)
{
	json_begin_object(j, NULL);
	json_string(j, "pgd", report_pgd_name(r, s->id));
	if (s->mm)
		json_string(j, "mm", pgt_strtab_get(r->tab, s->mm));
	const char *comm = pgt_strtab_get(r->tab, s->comm);
	if (*comm)
		json_string(j, "comm", comm);
	else
		json_null(j, "comm");
	if (s->pid >= 0)
		json_int(j, "pid", s->pid);
	else
		json_null(j, "pid");
	json_bool(j, "live", s->live);
	json_bool(j, "adopted", s->adopted);
	json_string(j, "kernel_pmd_state", s->own_kernel_pmd ? "own" : "shared");
	json_hex(j, "pa", s->pa);
	json_uint(j, "divergent", pgt_pgd_divergent(s));
	json_uint(j, "missing", s->missing);
	json_uint(j, "stale", s->stale);
	json_uint(j, "different", s->different);
	json_uint(j, "max_divergent", s->max_divergent);
	json_uint(j, "max_line", s->max_line);
	json_uint(j, "first_divergence_line", s->first_divergence_line);
	json_uint(j, "faults", s->faults);
	json_uint(j, "hazards", s->hazards);
	json_uint(j, "oopses", s->oopses);
	json_uint(j, "alloc_line", s->alloc_line);
	json_uint(j, "free_line", s->free_line);
	json_end_object(j);
}

static void row_json_cb(void *ctx, const struct run *r,
			const struct pgt_pgd_stats *s)
{
	row_json(ctx, r, s);
}

struct pgt_error *report_json(struct json *j, const char *key,
			      const struct run *r, int side, bool all)
{
	const struct pgt_model *m = r->models[side];
	const struct pgt_model_config *cfg = pgt_model_config(m);
	const struct pgt_layout *L = pgt_model_layout(m);
	json_begin_object(j, key);
	json_string(j, "trace", r->path);
	json_string(j, "format", pgt_format_name(r->format));
	json_string(j, "policy", pgt_policy_name(cfg->policy));
	json_string(j, "policy_source", infer_source_name(r->policy.source));
	json_string(j, "policy_why", r->policy.why);
	if (r->policy.warning[0])
		json_string(j, "policy_warning", r->policy.warning);
	json_string(j, "sync", cfg->kernel == PGT_KERNEL_6_1
				       ? "arch_sync_kernel_mappings"
				       : pgt_sync_name(cfg->sync));
	json_string(j, "kernel", pgt_kernel_name(cfg->kernel));
	json_uint(j, "events", r->events);
	json_uint(j, "lines_skipped", r->skipped);
	json_uint(j, "timestamps_raised", r->backwards);
	if (r->pairs.orphan_returns) {
		json_uint(j, "alloc_returns_without_entry", r->pairs.orphan_returns);
		json_uint(j, "first_return_without_entry_line", r->pairs.first_orphan_line);
	}
	if (r->pairs.unmatched_entries) {
		json_uint(j, "alloc_entries_without_return", r->pairs.unmatched_entries);
		json_uint(j, "first_entry_without_return_line", r->pairs.first_unmatched_line);
	}
	if (r->from_line) {
		json_uint(j, "from_line", r->from_line);
		json_uint(j, "events_before_from", r->before_from);
	}
	json_bool(j, "stopped", r->stopped);
	json_string(j, "start", r->start_core ? "start-image" : r->from_image ? "image" : "synthetic");
	json_begin_object(j, "layout");
	json_hex(j, "page_offset", L->page_offset);
	json_uint(j, "lowmem", L->lowmem);
	json_hex(j, "vmalloc_start", L->vmalloc_start);
	json_hex(j, "vmalloc_end", L->vmalloc_end);
	json_end_object(j);
	json_begin_array(j, "pgds");
	uint64_t shown, hidden;
	struct pgt_error *err = each_row(r, side, all, row_json_cb, j, &shown,
					 &hidden);
	if (err)
		return err;
	json_end_array(j);
	json_uint(j, "pgds_not_shown", hidden);
	struct report_totals t;
	report_totals(m, &t);
	const struct pgt_costs *c = pgt_model_costs(m);
	json_begin_object(j, "totals");
	json_uint(j, "live_pgds", t.live_pgds);
	json_uint(j, "divergent_pgds", t.divergent_pgds);
	json_uint(j, "divergent_entries", t.divergent_entries);
	json_uint(j, "missing", t.missing);
	json_uint(j, "stale", t.stale);
	json_uint(j, "different", t.different);
	json_uint(j, "faults", t.faults);
	json_uint(j, "hazards", t.hazards);
	json_uint(j, "oopses", t.oopses);
	json_uint(j, "pgtable_bytes", c->pgtable_bytes);
	json_uint(j, "pgtable_bytes_peak", c->pgtable_bytes_peak);
	json_uint(j, "sync_entries_written", c->sync_entries_written);
	json_uint(j, "pgd_list_walks", c->pgd_list_walks);
	json_end_object(j);
	json_begin_object(j, "costs");
#define C(x) json_uint(j, #x, c->x)
	C(pgd_bytes); C(pgd_bytes_peak); C(pmd_pages); C(pmd_pages_peak);
	C(kernel_pmd_copies); C(kernel_pmd_copies_peak); C(pte_pages);
	C(pte_pages_peak); C(pgtable_bytes); C(pgtable_bytes_peak);
	C(pgd_list_walks); C(pgd_list_visits); C(sync_calls);
	C(sync_entries_examined); C(sync_entries_written); C(broadcasts);
	C(broadcast_entries_written); C(pmd_copy_entries); C(faults);
	C(hazards); C(oopses); C(uaf_writes); C(corrupting_writes); C(bugs); C(cpa_splits);
	C(cpa_reverts); C(deferred_frees); C(observed_faults);
	C(observed_predicted); C(user_faults); C(unresolved_faults);
	C(adopted_pgds); C(adopted_vfrees);
#undef C
	json_end_object(j);
	json_begin_array(j, "notes");
	for (size_t i = 0; i < pgt_model_nnotes(m); i++) {
		const struct pgt_note *n = pgt_model_note(m, i);
		json_begin_object(j, NULL);
		json_string(j, "kind", pgt_note_kind_name(n->kind));
		json_uint(j, "line", n->line);
		json_hex(j, "addr", n->addr);
		if (n->pgd)
			json_string(j, "pgd", report_pgd_name(r, n->pgd));
		if (n->has_ip) {
			char sym[256];
			json_hex(j, "ip", n->ip);
			run_symbolize(r, n->ip, sym, sizeof(sym));
			if (sym[0])
				json_string(j, "ip_symbol", sym);
		}
		if (n->what) {
			json_string(j, "reused_as", n->what);
			json_bool(j, "applied", n->applied);
		}
		if (n->victim)
			json_string(j, "victim", report_pgd_name(r, n->victim));
		json_end_object(j);
	}
	json_end_array(j);
	uint64_t unkept = 0, limit = cfg->notes_limit;
	for (int k = 0; k < PGT_NOTE__COUNT; k++) {
		uint64_t cnt = pgt_model_note_count(m, k);
		if (limit && cnt > limit)
			unkept += cnt - limit;
	}
	json_uint(j, "notes_not_kept", unkept);
	json_end_object(j);
	return NULL;
}
