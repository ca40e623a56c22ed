/* SPDX-License-Identifier: MIT */
/*
 * pgtrace check: replay a recording and compare the model's prediction with
 * the memory image taken at the end of the same run, for every pgd alive at
 * the end of the trace.
 *
 * What is compared is what the model claims: whether a pgd's kernel slots
 * share swapper's PMD page or hold a private copy, and for every kernel PMD
 * entry its relation to swapper's entry (equal, missing, stale, different);
 * "equal" is a claim about presence and target at once.  The model's own
 * physical addresses are synthetic, so raw entry values are never compared
 * with the image's.  Swapper's entries that an event of the recording
 * wrote are also compared for presence.
 */
#include <argp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_tables.h"
#include "cli/cli.h"
#include "cli/dump.h"
#include "cli/json.h"
#include "cli/report.h"
#include "core/grow.h"
#include "core/walk.h"

struct check_args {
	struct model_opts model;
	const char *trace;
	const char *image;
	const char *symbols;
	int max_listed;
};

enum { OPT_IMAGE = 0x300, OPT_SYMS, OPT_LIST };

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Memory image:", 5},
	{"core", OPT_IMAGE, "IMAGE", 0,
	 "the ELF memory image taken at the end of the recorded run (required)", 0},
	{"symbols", OPT_SYMS, "FILE", 0,
	 "System.map or vmlinux of that kernel (required: swapper_pg_dir, high_memory)", 0},
	{"list", OPT_LIST, "N", 0, "list at most N disagreeing entries (default 50)", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->model;
		return 0;
	case OPT_IMAGE:
		a->image = arg;
		return 0;
	case OPT_SYMS:
		a->symbols = arg;
		return 0;
	case OPT_LIST: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 0 || n > 1000000)
			argp_error(state, "--list needs a count, not '%s'", arg);
		a->max_listed = (int)n;
		return 0;
	}
	case ARGP_KEY_ARG:
		if (a->trace)
			argp_error(state, "one TRACE only");
		a->trace = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->trace)
			argp_error(state, "a TRACE is needed");
		if (!a->image || !a->symbols)
			argp_error(state, "check needs --core IMAGE and --symbols FILE");
		if (a->model.npolicies != 1)
			argp_error(state, "give the policy the recorded kernel ran with: --shared (nopti) or --unshared (pti=on)");
		if (a->model.nsyncs > 1 || a->model.nkernels > 1)
			argp_error(state, "check takes one --sync and one --kernel");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{&model_opts_argp, 0, NULL, 0},
	{0},
};

static const char doc[] =
	"Replay TRACE (a recording of a real kernel) and compare, for every pgd "
	"alive at its end, the model's prediction with the memory IMAGE taken "
	"at the end of the same run: whether the pgd's kernel slots share "
	"swapper_pg_dir's PMD page or hold their own copy, and for each kernel "
	"PMD entry its relation to swapper's (equal, missing, stale, different). "
	"Prints the agreements and each disagreement with the events that led "
	"to it, and how much evidence the verdict rests on.  With --at N, pgds "
	"freed or whose address is reused after event N are not compared.  "
	"Exit status 0 on full agreement, 1 on any disagreement, and 1 when "
	"nothing could be compared or the image does not look like one of the "
	"recorded run (result: nothing comparable, undetermined)."
	"\v" PGT_EXIT_DOC;

static const struct argp argp = {options, parse_opt, "TRACE", doc, children,
				 NULL, NULL};

struct pgd_result {
	const struct pgt_pgd_stats *s;
	enum { R_CHECKED, R_GONE, R_UNREADABLE, R_NOT_ADDRESS, R_FREED_LATER,
	       R_REUSED } state;
	uint64_t later_line; /* R_FREED_LATER: its free; R_REUSED: the new alloc */
	uint32_t full_id;    /* R_FREED_LATER: its ID in the whole run's strtab */
	bool predicted_own, actual_own, sharing_agrees;
	uint32_t agree, disagree, excluded, from_trace, before_trace;
	uint64_t pa;
};

struct disagreement {
	size_t pgd;  /* index into results */
	int slot, idx;
	enum pgt_div predicted, actual;
	uint64_t image_pgd, image_swapper;
};

static int compare_freed(const void *a, const void *b)
{
	const struct pgd_result *x = *(const struct pgd_result *const *)a,
				*y = *(const struct pgd_result *const *)b;
	if (x->full_id != y->full_id)
		return x->full_id < y->full_id ? -1 : 1;
	return x->s->alloc_line < y->s->alloc_line ? -1 : x->s->alloc_line > y->s->alloc_line;
}

static void match_freed(struct pgd_result **freed, size_t nfreed,
			const struct pgt_pgd_stats *x)
{
	struct pgd_result key_res = {.full_id = x->id};
	struct pgt_pgd_stats key_s = {.alloc_line = x->alloc_line};
	key_res.s = &key_s;
	const struct pgd_result *key = &key_res;
	struct pgd_result **hit = bsearch(&key, freed, nfreed, sizeof(*freed),
					  compare_freed);
	if (hit)
		(*hit)->later_line = x->free_line;
}

/*
 * The free line, in the whole run, of each pgd alive at --at and freed
 * later: from the rows of the whole run (made with --all, so every freed
 * pgd has one).
 */
static struct pgt_error *find_free_lines(struct run *full, struct pgd_result *res,
					 size_t nres)
{
	size_t nfreed = 0;
	struct pgd_result **freed = malloc((nres ? nres : 1) * sizeof(*freed));
	if (!freed)
		return &pgt_error_nomem;
	for (size_t k = 0; k < nres; k++)
		if (res[k].state == R_FREED_LATER)
			freed[nfreed++] = &res[k];
	qsort(freed, nfreed, sizeof(*freed), compare_freed);
	struct rows *it;
	struct pgt_error *err = NULL;
	if (nfreed && !(err = rows_open(&full->spool[0], full->models[0], &it))) {
		const struct pgt_pgd_stats *x;
		while (!(err = rows_next(it, &x)) && x)
			match_freed(freed, nfreed, x);
		rows_close(it);
	}
	free(freed);
	return err;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = {.max_listed = 50};
	model_opts_init(&a.model);
	argp_parse(&argp, argc, argv, 0, NULL, &a);

	struct dump_image img;
	bool has_po = a.model.machine.set & PGT_MACHINE_PAGE_OFFSET;
	struct pgt_error *err = dump_image_open(a.image, a.symbols, has_po,
						a.model.machine.page_offset, &img);
	if (err)
		return pgt_fail(err);
	/* What the single exit below releases, as far as it was made. */
	struct run r, full;
	bool have_run = false, have_whole = false, have_ct = false;
	struct pgd_result *res = NULL;
	struct disagreement *dis = NULL;
	struct check_tables ct;
	int status = PGT_EXIT_TROUBLE;
	if (!img.has_swapper) {
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: no swapper_pg_dir in the symbols", a.symbols);
		goto out;
	}
	/* The image says how much lowmem there is: the kernel's high_memory. */
	uint64_t lowmem;
	if (!(a.model.machine.set & PGT_MACHINE_LOWMEM) &&
	    dump_image_lowmem(&img, &lowmem)) {
		a.model.machine.lowmem = lowmem;
		a.model.machine.set |= PGT_MACHINE_LOWMEM;
	}
	a.model.machine.page_offset = img.page_offset;
	a.model.machine.set |= PGT_MACHINE_PAGE_OFFSET;
	check_tables_machine(img.syms, &a.model.machine);

	if (a.model.start_core && !a.model.symbols)
		a.model.symbols = a.symbols; /* the same kernel's */
	if ((err = run_trace(a.trace, &a.model, 1, &r)))
		goto out;
	have_run = true;
	const struct pgt_model *m = r.models[0];
	const struct pgt_layout *L = pgt_model_layout(m);
	/*
	 * --at: the image is of the end of the run, not of event N.  A pgd
	 * freed after N, or whose address a later pgd_alloc took, has no
	 * tables of its own in the image: the whole recording says which.
	 */
	if (r.stopped) {
		struct model_opts o = a.model;
		o.at = NULL;
		o.all = true; /* keep the records of freed pgds: their free lines */
		if ((err = run_trace(a.trace, &o, 1, &full)))
			goto out;
		have_whole = true;
	}

	/* Swapper in the image. */
	uint64_t spdpt[PGT_PTRS_PER_PGD] = {0};
	static uint64_t sw_pmd[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	err = pgt_read_pdpt(&img.mem, img.swapper_pa, spdpt);
	for (int sl = L->user_pgds; sl < PGT_PTRS_PER_PGD && !err; sl++) {
		if (!pgt_present(spdpt[sl])) {
			err = pgt_error_create(PGT_ERROR_INPUT,
				"%s: swapper_pg_dir's kernel slot %d is not present", a.image, sl);
			break;
		}
		err = pgt_read_table(&img.mem, pgt_entry_addr(spdpt[sl]), sw_pmd[sl]);
	}
	if (err) {
		err = pgt_error_prefix(err, "%s", a.image);
		goto out;
	}

	size_t n = pgt_model_npgds(m), nres = 0, ndis = 0, dis_cap = 0;
	uint64_t swapper_checked = 0, swapper_disagree = 0;
	if (!(res = calloc(n ? n : 1, sizeof(*res)))) {
		err = &pgt_error_nomem;
		goto out;
	}
	/* Swapper's entries the recording wrote: presence. */
	for (int sl = L->user_pgds; sl < PGT_PTRS_PER_PGD; sl++)
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			if (!pgt_model_swapper_line(m, sl, i))
				continue;
			swapper_checked++;
			bool p = pgt_present(pgt_model_kernel_pmd_entry(m, 0, sl, i));
			if (p != pgt_present(sw_pmd[sl][i]))
				swapper_disagree++;
		}

	static uint64_t pmd[PGT_PTRS_PER_PMD];
	for (size_t k = 0; k < n; k++) {
		const struct pgt_pgd_stats *s = pgt_model_pgd(m, k); /* live */
		struct pgd_result *pr = &res[nres++];
		pr->s = s;
		const char *name = pgt_strtab_get(r.tab, s->id);
		if (have_whole) {
			uint32_t id = pgt_strtab_find(full.tab, name, strlen(name));
			const struct pgt_pgd_stats *later =
				id ? pgt_model_find_pgd(full.models[0], id) : NULL;
			if (!later || later->alloc_line != s->alloc_line) {
				/* find_free_lines() fills in when it went. */
				pr->state = R_FREED_LATER;
				pr->full_id = id;
				if (later) {
					pr->state = R_REUSED;
					pr->later_line = later->alloc_line;
				}
				continue;
			}
		}
		uint64_t va;
		if (!dump_parse_u64(name, UINT32_MAX, &va) || va < img.page_offset) {
			pr->state = R_NOT_ADDRESS;
			continue;
		}
		pr->pa = va - img.page_offset;
		uint64_t pdpt[PGT_PTRS_PER_PGD];
		struct pgt_error *e2 = pgt_read_pdpt(&img.mem, pr->pa, pdpt);
		if (e2) {
			pgt_error_destroy(e2);
			pr->state = R_UNREADABLE;
			continue;
		}
		/* PAE pgd_alloc fills all four slots: a pgd with a hole is gone. */
		bool whole = true;
		for (int i = 0; i < PGT_PTRS_PER_PGD; i++)
			whole = whole && pgt_present(pdpt[i]);
		if (!whole) {
			pr->state = R_GONE;
			continue;
		}
		pr->state = R_CHECKED;
		pr->predicted_own = s->own_kernel_pmd;
		pr->actual_own = false;
		for (int sl = L->user_pgds; sl < PGT_PTRS_PER_PGD; sl++)
			if (pgt_entry_addr(pdpt[sl]) != pgt_entry_addr(spdpt[sl]))
				pr->actual_own = true;
		pr->sharing_agrees = pr->predicted_own == pr->actual_own;
		for (int sl = L->user_pgds; sl < PGT_PTRS_PER_PGD; sl++) {
			if ((e2 = pgt_read_table(&img.mem, pgt_entry_addr(pdpt[sl]), pmd))) {
				pgt_error_destroy(e2);
				pr->state = R_UNREADABLE;
				break;
			}
			for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
				if (pgt_model_excluded_entry(m, sl, i)) {
					pr->excluded++;
					continue;
				}
				enum pgt_div pc = pgt_div_of(pgt_model_kernel_pmd_entry(m, s->id, sl, i),
						    pgt_model_kernel_pmd_entry(m, 0, sl, i));
				enum pgt_div ac = pgt_div_of(pmd[i], sw_pmd[sl][i]);
				if (pgt_model_swapper_line(m, sl, i))
					pr->from_trace++;
				else
					pr->before_trace++;
				if (pc == ac) {
					pr->agree++;
					continue;
				}
				pr->disagree++;
				if ((err = PGT_GROW(dis, dis_cap, ndis + 1, 64)))
					goto out;
				dis[ndis++] = (struct disagreement){
					.pgd = nres - 1, .slot = sl, .idx = i,
					.predicted = pc, .actual = ac,
					.image_pgd = pmd[i], .image_swapper = sw_pmd[sl][i],
				};
			}
		}
	}

	if (have_whole && (err = find_free_lines(&full, res, nres)))
		goto out;

	/* CR3s of the image that the recording does not know. */
	size_t ncpus = pgt_elfcore_ncpus(img.core);
	uint64_t unknown_cr3[64];
	size_t nunknown = 0;
	for (size_t c = 0; c < ncpus && nunknown < 64; c++) {
		uint64_t cr3;
		struct pgt_error *e2 = pgt_elfcore_cr3(img.core, c, &cr3);
		if (e2) {
			pgt_error_destroy(e2);
			continue;
		}
		uint64_t pa = pgt_cr3_pdpt(cr3);
		if (pa == img.swapper_pa)
			continue;
		bool known = false;
		for (size_t k = 0; k < nres; k++)
			known = known || res[k].pa == pa;
		if (!known)
			unknown_cr3[nunknown++] = pa;
	}

	size_t checked = 0, agreeing = 0, gone = 0, other = 0, later = 0;
	uint64_t entries_agree = 0, entries_dis = 0, entries_excl = 0,
		 entries_trace = 0, entries_before = 0;
	for (size_t k = 0; k < nres; k++) {
		struct pgd_result *pr = &res[k];
		if (pr->state == R_GONE) {
			gone++;
			continue;
		}
		if (pr->state == R_FREED_LATER || pr->state == R_REUSED) {
			later++;
			continue;
		}
		if (pr->state != R_CHECKED) {
			other++;
			continue;
		}
		checked++;
		agreeing += pr->sharing_agrees && !pr->disagree;
		entries_agree += pr->agree;
		entries_dis += pr->disagree;
		entries_excl += pr->excluded;
		entries_trace += pr->from_trace;
		entries_before += pr->before_trace;
	}
	/* swapper's tables in the image are the end's: the whole replay's */
	if ((err = check_tables_run(have_whole ? full.models[0] : m, &img.mem,
				    img.swapper_pa, &ct))) {
		err = pgt_error_prefix(err, "%s", a.image);
		goto out;
	}
	have_ct = true;
	/*
	 * No verdict without evidence: a check that compared no pgd, or
	 * where most pgds are missing from the image while its CR3s are
	 * unknown to the recording (an image of another run), concludes
	 * nothing.
	 */
	enum { V_AGREE, V_DISAGREE, V_NOTHING, V_UNDETERMINED } verdict;
	char reason[256] = "";
	size_t missing = nres - checked - later; /* freed after --at are not missing */
	if (!checked) {
		verdict = V_NOTHING;
		if (!nres)
			snprintf(reason, sizeof(reason),
				 "no pgd is alive at the %s", r.stopped ? "--at point" : "end of the recording");
		else
			snprintf(reason, sizeof(reason),
				 "none of the %zu pgds alive at the %s could be compared with the image",
				 nres, r.stopped ? "--at point" : "end of the recording");
	} else if (nunknown && missing > checked) {
		verdict = V_UNDETERMINED;
		snprintf(reason, sizeof(reason),
			 "%zu of %zu pgds are not in the image and its CR3%s %s unknown to the recording: is the image of this run?",
			 missing, nres, nunknown > 1 ? "s" : "", nunknown > 1 ? "are" : "is");
	} else if (agreeing == checked && !swapper_disagree && ct.agree) {
		verdict = V_AGREE;
	} else {
		verdict = V_DISAGREE;
	}
	static const char *const verdict_name[] = {"agreement", "DISAGREEMENT",
		"nothing comparable", "undetermined"};
	bool all_agree = verdict == V_AGREE;

	if (a.model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "trace", r.path);
		json_string(&j, "image", a.image);
		json_string(&j, "policy", pgt_policy_name(pgt_model_config(m)->policy));
		json_string(&j, "kernel", pgt_kernel_name(pgt_model_config(m)->kernel));
		json_uint(&j, "events", r.events);
		json_hex(&j, "swapper_pa", img.swapper_pa);
		json_begin_array(&j, "pgds");
		for (size_t k = 0; k < nres; k++) {
			struct pgd_result *pr = &res[k];
			static const char *const st[] = {"checked", "gone", "unreadable",
				"not-an-address", "freed-after-at", "reused-after-at"};
			json_begin_object(&j, NULL);
			json_string(&j, "pgd", report_pgd_name(&r, pr->s->id));
			const char *comm = pgt_strtab_get(r.tab, pr->s->comm);
			if (*comm)
				json_string(&j, "comm", comm);
			if (pr->s->pid >= 0)
				json_int(&j, "pid", pr->s->pid);
			json_string(&j, "state", st[pr->state]);
			if (pr->later_line)
				json_uint(&j, pr->state == R_REUSED ? "reused_at_line" : "freed_at_line",
					  pr->later_line);
			if (pr->state == R_CHECKED) {
				json_string(&j, "predicted_kernel_pmd_state", pr->predicted_own ? "own" : "shared");
				json_string(&j, "image_kernel_pmd_state", pr->actual_own ? "own" : "shared");
				json_uint(&j, "entries_agree", pr->agree);
				json_uint(&j, "entries_disagree", pr->disagree);
				json_uint(&j, "entries_excluded", pr->excluded);
				json_uint(&j, "entries_written_by_trace", pr->from_trace);
				json_uint(&j, "entries_from_before_trace", pr->before_trace);
				json_bool(&j, "agrees", pr->sharing_agrees && !pr->disagree);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_begin_array(&j, "disagreements");
		for (size_t d = 0; d < ndis && (int)d < a.max_listed; d++) {
			json_begin_object(&j, NULL);
			json_string(&j, "pgd", report_pgd_name(&r, res[dis[d].pgd].s->id));
			json_uint(&j, "slot", (uint64_t)dis[d].slot);
			json_uint(&j, "pmd_index", (uint64_t)dis[d].idx);
			json_string(&j, "predicted_divergence", pgt_div_name(dis[d].predicted));
			json_string(&j, "image_divergence", pgt_div_name(dis[d].actual));
			json_hex(&j, "image_entry", dis[d].image_pgd);
			json_hex(&j, "image_swapper_entry", dis[d].image_swapper);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_begin_array(&j, "unknown_cr3");
		for (size_t u = 0; u < nunknown; u++)
			json_hex(&j, NULL, unknown_cr3[u]);
		json_end_array(&j);
		json_begin_object(&j, "totals");
		json_uint(&j, "live_pgds", nres);
		json_uint(&j, "pgds_checked", checked);
		json_uint(&j, "pgds_agreeing", agreeing);
		json_uint(&j, "pgds_gone", gone);
		json_uint(&j, "pgds_not_checkable", other);
		json_uint(&j, "pgds_freed_or_reused_after_at", later);
		json_uint(&j, "entries_agree", entries_agree);
		json_uint(&j, "entries_disagree", entries_dis);
		json_uint(&j, "entries_excluded", entries_excl);
		json_uint(&j, "swapper_entries_written_by_trace", swapper_checked);
		json_uint(&j, "swapper_entries_disagree", swapper_disagree);
		json_bool(&j, "agree", all_agree);
		json_end_object(&j);
		check_tables_json(&ct, a.max_listed, &j);
		json_string(&j, "result", verdict == V_DISAGREE ? "disagreement" : verdict_name[verdict]);
		if (*reason)
			json_string(&j, "reason", reason);
		json_end_object(&j);
		json_finish(&j);
	} else {
		char desc[128];
		report_describe(m, desc, sizeof(desc));
		printf("trace:   %s (%s), %" PRIu64 " events\n", r.path,
		       pgt_format_name(r.format), r.events);
		printf("image:   %s, swapper_pg_dir at physical 0x%" PRIx64 "\n",
		       a.image, img.swapper_pa);
		printf("policy:  %s\n\n", desc);
		printf("%-12s %-16s %-22s %7s %8s %8s  %s\n", "PGD", "TASK",
		       "KERNEL PMD (model/img)", "AGREE", "DISAGREE", "EXCLUDED",
		       "RESULT");
		for (size_t k = 0; k < nres; k++) {
			struct pgd_result *pr = &res[k];
			char task[64], sharing[40];
			run_format_task(&r, pr->s, task, sizeof(task));
			const char *name = report_pgd_name(&r, pr->s->id);
			switch (pr->state) {
			case R_GONE:
				printf("%-12s %-16s %-22s %7s %8s %8s  %s\n", name, task,
				       "-", "-", "-", "-",
				       "not a live pgd in the image (freed after the recording ended?)");
				continue;
			case R_UNREADABLE:
				printf("%-12s %-16s %-22s %7s %8s %8s  %s\n", name, task,
				       "-", "-", "-", "-", "not readable in the image");
				continue;
			case R_NOT_ADDRESS:
				printf("%-12s %-16s %-22s %7s %8s %8s  %s\n", name, task,
				       "-", "-", "-", "-",
				       "its ID is not an address: cannot be found in the image");
				continue;
			case R_FREED_LATER:
			case R_REUSED: {
				char why[160];
				snprintf(why, sizeof(why), pr->state == R_REUSED
					 ? "freed after --at; at the end its address is the pgd of line %" PRIu64 ": not compared"
					 : "freed after --at (line %" PRIu64 "): not compared",
					 pr->later_line);
				printf("%-12s %-16s %-22s %7s %8s %8s  %s\n", name, task,
				       "-", "-", "-", "-", why);
				continue;
			}
			case R_CHECKED:
				break;
			}
			snprintf(sharing, sizeof(sharing), "%s/%s%s",
				 pr->predicted_own ? "own" : "shared",
				 pr->actual_own ? "own" : "shared",
				 pr->sharing_agrees ? "" : " (!)");
			printf("%-12s %-16s %-22s %7u %8u %8u  %s\n", name, task,
			       sharing, pr->agree, pr->disagree, pr->excluded,
			       pr->sharing_agrees && !pr->disagree ? "agrees" : "DISAGREES");
		}
		if (ndis) {
			printf("\ndisagreeing entries:\n");
			for (size_t d = 0; d < ndis && (int)d < a.max_listed; d++) {
				const struct disagreement *x = &dis[d];
				const struct pgt_pgd_stats *s = res[x->pgd].s;
				uint64_t va = ((uint64_t)x->slot << PGT_PGDIR_SHIFT) |
					      ((uint64_t)x->idx << PGT_PMD_SHIFT);
				uint64_t sl = pgt_model_swapper_line(m, x->slot, x->idx);
				printf("  pgd %s pmd[%d] (0x%08" PRIx64 "): model %s, image %s (pgd 0x%" PRIx64
				       ", swapper 0x%" PRIx64 "); pgd allocated at %s:%" PRIu64,
				       report_pgd_name(&r, s->id), x->idx, va,
				       pgt_div_name(x->predicted), pgt_div_name(x->actual),
				       x->image_pgd, x->image_swapper, r.path, s->alloc_line);
				if (sl)
					printf(", swapper's entry last written at line %" PRIu64, sl);
				else
					printf(", swapper's entry not written by the recording");
				putchar('\n');
			}
			if ((int)ndis > a.max_listed)
				printf("  (%zu more; --list N shows more)\n", ndis - (size_t)a.max_listed);
		}
		for (size_t u = 0; u < nunknown; u++)
			printf("\nCR3 0x%" PRIx64 " in the image is no pgd of the recording: undetermined (allocated before the recording began?)\n",
			       unknown_cr3[u]);
		if (r.stopped)
			printf("\nsummary: %zu pgds alive at event %" PRIu64 " (--at); %zu checked, %zu agree",
			       nres, r.events, checked, agreeing);
		else
			printf("\nsummary: %zu pgds alive at the end of the trace; %zu checked, %zu agree",
			       nres, checked, agreeing);
		if (gone)
			printf(", %zu gone from the image", gone);
		if (other)
			printf(", %zu not checkable", other);
		if (later)
			printf(", %zu freed or reused after --at", later);
		printf("\n         kernel PMD entries: %" PRIu64 " agree, %" PRIu64
		       " disagree, %" PRIu64 " excluded (LDT); of those compared, %" PRIu64
		       " were written by the recording's events, %" PRIu64
		       " are as they were before it (copied at pgd_alloc)\n",
		       entries_agree, entries_dis, entries_excl, entries_trace,
		       entries_before);
		printf("         swapper entries written by the recording: %" PRIu64
		       ", %" PRIu64 " of them disagree with the image on presence\n",
		       swapper_checked, swapper_disagree);
		check_tables_print(&ct, r.path, a.max_listed, stdout);
		printf("evidence: %zu pgd%s and %" PRIu64 " kernel PMD entries compared, %" PRIu64
		       " swapper entries\n", checked, checked == 1 ? "" : "s",
		       entries_agree + entries_dis, swapper_checked);
		printf("result:  %s", verdict_name[verdict]);
		if (*reason)
			printf(" (%s)", reason);
		putchar('\n');
	}
	status = all_agree ? PGT_EXIT_OK : PGT_EXIT_DIFFER;
out:
	/* said before the image goes: its temporary name is still known */
	if (err)
		status = pgt_fail(err);
	if (have_ct)
		check_tables_deinit(&ct);
	free(dis);
	free(res);
	if (have_whole)
		run_deinit(&full);
	if (have_run)
		run_deinit(&r);
	dump_image_close(&img);
	return status;
}
