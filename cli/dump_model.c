/* SPDX-License-Identifier: MIT */
/* `dump pgd ID TRACE`: a replayed pgd's tables, ptdump-style. */
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "cli/ptdump.h"
#include "cli/report.h"
#include "core/walk.h"

int dump_model_pgd(const struct dump_args *a)
{
	if (!a->trace)
		return pgt_fail(pgt_error_create(PGT_ERROR_INVALID,
			"dump pgd %s: a TRACE (or --core IMAGE) is needed", a->pgd));
	struct run r;
	struct model_opts o = a->model;
	o.symbols = a->symbols; /* dump's --symbols names the ranges */
	struct pgt_error *err = run_trace(a->trace, &o, 1, &r);
	if (err)
		return pgt_fail(err);
	const struct pgt_model *m = r.models[0];
	const struct pgt_model_config *cfg = pgt_model_config(m);
	bool swapper = strcmp(a->pgd, "swapper") == 0;
	const struct pgt_pgd_stats *s = NULL;
	if (!swapper) {
		uint32_t id = report_find_pgd(&r, a->pgd);
		s = id ? pgt_model_find_pgd(m, id) : NULL;
		if (!s) {
			err = pgt_error_create(PGT_ERROR_INPUT,
				"%s: pgd '%s' is not live at the end of the replay%s",
				a->trace, a->pgd, a->model.at ? " (--at)" : "");
			goto out;
		}
	}
	if (a->user_half && !(cfg->kernel == PGT_KERNEL_6_1 &&
			      cfg->policy == PGT_POLICY_UNSHARED)) {
		err = pgt_error_create(PGT_ERROR_INVALID,
			"--user-half: pgds are PTI pairs only under --kernel=6.1 --unshared");
		goto out;
	}
	uint64_t half = a->user_half ? PGT_PAGE_SIZE : 0;
	struct pgt_physmem mem = pgt_model_physmem(m);
	const struct pgt_layout *L = pgt_model_layout(m);
	struct dump_view v = {
		.mem = &mem,
		.pa = pgt_cr3_pdpt(swapper ? pgt_model_swapper_cr3(m) : s->pa) + half,
		.ref_pa = pgt_cr3_pdpt(pgt_model_swapper_cr3(m)) + half,
		.has_ref = true,
		.swapper = swapper,
		.page_offset = L->page_offset,
		.layout = L,
		.syms = r.syms,
	};
	if ((err = dump_view_check(&v)))
		goto out;
	const char *name = swapper ? "swapper_pg_dir" : report_pgd_name(&r, s->id);
	if (a->model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "trace", r.path);
		json_string(&j, "pgd", name);
		json_hex(&j, "pa", v.pa);
		json_bool(&j, "user_half", a->user_half);
		json_string(&j, "policy", pgt_policy_name(cfg->policy));
		json_string(&j, "kernel", pgt_kernel_name(cfg->kernel));
		json_uint(&j, "events", r.events);
		if (s) {
			json_uint(&j, "divergent", pgt_pgd_divergent(s));
			json_uint(&j, "missing", s->missing);
			json_uint(&j, "stale", s->stale);
			json_uint(&j, "different", s->different);
			json_uint(&j, "max_divergent", s->max_divergent);
		}
		err = dump_view_print(&v, &j);
		json_end_object(&j);
		if (!err)
			json_finish(&j);
	} else {
		char task[64] = "", desc[128];
		if (s)
			run_format_task(&r, s, task, sizeof(task));
		report_describe(m, desc, sizeof(desc));
		printf("pgd %s%s%s%s at physical 0x%08" PRIx64 ", after %" PRIu64 " %s\n",
		       name, s ? " (" : "", task, s ? ")" : "", v.pa - half,
		       PL(r.events, "event", "events"));
		if (a->user_half)
			printf("user half (PTI): physical 0x%08" PRIx64
			       ", compared with swapper_pg_dir's user half\n", v.pa);
		printf("policy: %s\n", desc);
		if (s)
			printf("divergence: %u %s (%u missing, %u stale, %u different) of the kernel half; at most %u\n",
			       PL(pgt_pgd_divergent(s), "entry", "entries"), s->missing,
			       s->stale, s->different, s->max_divergent);
		printf("\n");
		err = dump_view_print(&v, NULL);
	}
out:
	run_deinit(&r);
	if (err)
		return pgt_fail(err);
	return PGT_EXIT_OK;
}
