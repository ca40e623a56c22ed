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
	bool swapper = strcmp(a->pgd, "swapper") == 0;
	uint32_t id = swapper ? 0 : pgt_strtab_find(r.tab, a->pgd, strlen(a->pgd));
	const struct pgt_pgd_stats *s = NULL;
	if (!swapper) {
		s = id ? pgt_model_find_pgd(m, id) : NULL;
		if (!s) {
			err = pgt_error_create(PGT_ERROR_INPUT,
				"%s: pgd '%s' is not live at the end of the replay%s",
				a->trace, a->pgd, a->model.at ? " (--at)" : "");
			run_deinit(&r);
			return pgt_fail(err);
		}
	}
	uint64_t cr3 = swapper ? pgt_model_swapper_cr3(m) : s->pa;
	uint64_t ref = swapper ? 0 : pgt_model_swapper_cr3(m);
	struct pgt_physmem mem = pgt_model_physmem(m);
	const struct pgt_layout *L = pgt_model_layout(m);
	uint64_t pdpt[PGT_PTRS_PER_PGD];
	err = pgt_read_pdpt(&mem, pgt_cr3_pdpt(cr3), pdpt);
	if (err) {
		run_deinit(&r);
		return pgt_fail(err);
	}
	struct json j;
	struct ptdump_printer p = {
		.f = stdout,
		.mark_differs = !swapper,
		.symbolize = r.syms ? dump_symbolize : NULL,
		.symbolize_arg = r.syms,
	};
	char desc[128];
	report_describe(m, desc, sizeof(desc));
	if (a->model.json) {
		json_init(&j, stdout);
		p.json = &j;
		json_begin_object(&j, NULL);
		json_string(&j, "pgd", swapper ? "swapper_pg_dir" : a->pgd);
		json_hex(&j, "pa", cr3);
		json_string(&j, "policy", pgt_policy_name(pgt_model_config(m)->policy));
		json_string(&j, "kernel", pgt_kernel_name(pgt_model_config(m)->kernel));
		json_uint(&j, "events", r.events);
		json_begin_array(&j, "entries");
		for (int i = 0; i < PGT_PTRS_PER_PGD; i++)
			json_hex(&j, NULL, pdpt[i]);
		json_end_array(&j);
		json_begin_array(&j, "kernel_slots");
		for (int i = L->user_pgds; i < PGT_PTRS_PER_PGD; i++) {
			json_begin_object(&j, NULL);
			json_uint(&j, "slot", (uint64_t)i);
			json_string(&j, "kernel_pmd",
				    swapper ? "swapper" : s->own_kernel_pmd ? "own" : "shared");
			json_end_object(&j);
		}
		json_end_array(&j);
		json_begin_array(&j, "ranges");
	} else {
		char task[64] = "";
		if (s)
			run_format_task(&r, s, task, sizeof(task));
		printf("pgd %s%s%s%s at physical 0x%" PRIx64 ", after %" PRIu64 " events\n",
		       swapper ? "swapper_pg_dir" : a->pgd, s ? " (" : "",
		       task, s ? ")" : "", cr3, r.events);
		printf("policy: %s\n", desc);
		for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
			const char *what = i < L->user_pgds ? "user"
					   : swapper ? "kernel PMD"
					   : s->own_kernel_pmd ? "kernel PMD (own copy)"
							       : "kernel PMD (swapper's)";
			printf("pgd[%d] = 0x%016" PRIx64 "  %s\n", i, pdpt[i], what);
		}
		if (s)
			printf("divergence: %u entries (%u missing, %u stale, %u different); max %u\n",
			       pgt_pgd_divergent(s), s->missing, s->stale,
			       s->different, s->max_divergent);
		printf("\n");
	}
	err = pgt_ranges(&mem, cr3, ref, L->page_offset, UINT64_C(1) << 32,
			 ptdump_print_range, &p);
	if (a->model.json) {
		json_end_array(&j);
		json_uint(&j, "differing_ranges", p.differing);
		json_end_object(&j);
		json_finish(&j);
	}
	run_deinit(&r);
	if (err)
		return pgt_fail(err);
	return PGT_EXIT_OK;
}
