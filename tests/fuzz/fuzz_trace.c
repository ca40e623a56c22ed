/* SPDX-License-Identifier: MIT */
/*
 * The native trace reader (pgtrace-trace(5)), and the replay of what it
 * reads under both policies through the model's public API (core/model.h).
 */
#include "core/model.h"
#include "formats/trace.h"
#include "fuzz_util.h"

/* Enough events to reach deep model states, few enough to stay fast. */
#define MAX_EVENTS 4096

static void replay(const struct pgt_machine *machine,
		   const struct pgt_event *evs, size_t n, enum pgt_policy policy,
		   enum pgt_sync sync)
{
	struct pgt_model_config cfg = {.policy = policy, .sync = sync};
	pgt_machine_init(&cfg.machine);
	pgt_machine_merge(&cfg.machine, machine);
	cfg.kernel = cfg.machine.kernel ? (enum pgt_kernel)cfg.machine.kernel
					: PGT_KERNEL_2_6_21;
	cfg.trace_kernel = cfg.kernel;
	struct pgt_model *m;
	struct pgt_error *err = pgt_model_create(&cfg, &m);
	if (err) {
		fuzz_error(err);
		return;
	}
	struct pgt_costs prev = *pgt_model_costs(m);
	for (size_t i = 0; i < n; i++) {
		if ((err = pgt_model_apply(m, &evs[i]))) {
			fuzz_error(err);
			break;
		}
		/* The incremental bookkeeping equals a recount. */
		if ((err = pgt_model_check(m))) {
			fprintf(stderr, "%s\n", err->message);
			abort();
		}
		/* Costs only grow, apart from what is allocated now. */
		const struct pgt_costs *c = pgt_model_costs(m);
#define GROWS(x) if (c->x < prev.x) { fprintf(stderr, "cost " #x " went down\n"); abort(); }
		GROWS(events); GROWS(pgd_list_walks); GROWS(pgd_list_visits);
		GROWS(sync_calls); GROWS(sync_entries_examined);
		GROWS(sync_entries_written); GROWS(broadcasts);
		GROWS(broadcast_entries_written); GROWS(pmd_copy_entries);
		GROWS(faults); GROWS(hazards); GROWS(oopses); GROWS(uaf_writes);
		GROWS(corrupting_writes); GROWS(bugs); GROWS(cpa_splits);
		GROWS(cpa_reverts); GROWS(deferred_frees); GROWS(pgd_bytes_peak);
		GROWS(pmd_pages_peak); GROWS(pgtable_bytes_peak);
#undef GROWS
		prev = *c;
	}
	/* What the reports read. */
	for (size_t i = 0; i < pgt_model_npgds(m); i++) {
		const struct pgt_pgd_stats *s = pgt_model_pgd(m, i);
		if (!s->live)
			abort(); /* the model keeps live records only */
		(void)pgt_model_pgd_cr3(m, s->id);
	}
	(void)pgt_model_costs(m);
	pgt_model_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgt_lineio *in;
	struct pgt_strtab *tab;
	struct pgt_trace_reader *r;
	struct pgt_error *err;
	if (!fuzz_lines(data, size, &in, &tab))
		return 0;
	if ((err = pgt_trace_reader_create(in, tab, &r))) {
		fuzz_error(err);
		pgt_lineio_close(in);
		pgt_strtab_destroy(tab);
		return 0;
	}
	static struct pgt_event evs[MAX_EVENTS];
	size_t n = 0;
	while (n < MAX_EVENTS) {
		bool eof;
		const struct pgt_event *ev;
		if ((err = pgt_trace_reader_next(r, &ev, &eof))) {
			fuzz_error(err);
			break;
		}
		if (eof)
			break;
		evs[n] = *ev;
		if (evs[n].op != PGT_OP_MACHINE)
			n++;
	}
	/* Replay whatever parsed, as the CLI would have up to its error. */
	struct pgt_machine machine = *pgt_trace_reader_machine(r);
	replay(&machine, evs, n, PGT_POLICY_SHARED, size & 1 ? PGT_SYNC_PMD : PGT_SYNC_SEED);
	replay(&machine, evs, n, PGT_POLICY_UNSHARED, size & 1 ? PGT_SYNC_PMD : PGT_SYNC_SEED);
	pgt_trace_reader_destroy(r);
	pgt_lineio_close(in);
	pgt_strtab_destroy(tab);
	return 0;
}
