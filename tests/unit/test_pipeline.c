/* SPDX-License-Identifier: MIT */
/*
 * The pipeline that feeds the model threads (cli/pipeline.c, compiled in
 * here: the unit tests link the libraries, not the CLI).  A model fed
 * through it ends exactly as one fed event by event: batches of heads and
 * whole events, the look-ahead ring and a batch's last events included;
 * and a model's error names the event it failed at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/pipeline.c"
#include "model_harness.h"

/* Three batches and a part: pgds come and go, vmalloc, faults, cpa. */
#define NEVENTS (3 * BATCH + 777)

/* The name of pgd @j of @live. */
static void pgd_name(char *buf, size_t len, unsigned j, unsigned live)
{
	snprintf(buf, len, "0x%08x", 0xc4000000u + (j % live) * 0x1000u);
}

static size_t make_events(struct T *t, struct pgt_event *out, unsigned live)
{
	char name[32];
	size_t n = 0;
	for (unsigned j = 0; n + 8 <= NEVENTS; j++) {
		struct pgt_event e;
		pgd_name(name, sizeof(name), j, live);
		if (j >= live) {
			e = ev(t, PGT_OP_PGD_FREE);
			e.pgd = id(t, name);
			out[n++] = e;
		}
		e = ev(t, PGT_OP_PGD_ALLOC);
		e.pgd = id(t, name);
		out[n++] = e;
		uint64_t va = 0xf8800000u + (uint64_t)(j % 512) * 0x2000;
		e = ev(t, PGT_OP_VMALLOC);
		e.addr = va;
		e.size = 4096;
		out[n++] = e;
		/* a fault in NMI context: its ip makes the tail not zero */
		e = ev(t, PGT_OP_ACCESS);
		e.addr = va + 8;
		e.pgd = id(t, name);
		e.ctx = j % 3 ? PGT_CTX_TASK : PGT_CTX_NMI;
		if (e.ctx == PGT_CTX_NMI) {
			e.has_ip = true;
			e.ip = 0xc0123456;
		}
		out[n++] = e;
		if (j % 7 == 0) {
			e = ev(t, PGT_OP_CPA);
			e.addr = 0xc1000000u + (uint64_t)(j % 64) * 0x1000;
			e.pages = 1;
			e.prot = j % 2 ? PGT_PROT_KERNEL_RO : PGT_PROT_KERNEL;
			out[n++] = e;
		}
		e = ev(t, PGT_OP_VFREE);
		e.addr = va;
		out[n++] = e;
	}
	return n;
}

static bool same_stats(const struct pgt_pgd_stats *a,
		       const struct pgt_pgd_stats *b)
{
	return a->serial == b->serial && a->missing == b->missing &&
	       a->stale == b->stale && a->different == b->different &&
	       a->max_divergent == b->max_divergent && a->faults == b->faults &&
	       a->hazards == b->hazards && a->oopses == b->oopses &&
	       a->first_divergence_line == b->first_divergence_line;
}

/*
 * The pipeline's models against models fed directly, for both policies:
 * with @live pgds, few (no look-ahead) or many (pgt_model_prefetch_pays()).
 */
static void test_same_as_direct(unsigned live)
{
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	struct pgt_model_config cfg[2] = {
		{.policy = PGT_POLICY_SHARED, .kernel = PGT_KERNEL_2_6_21, .machine = mach},
		{.policy = PGT_POLICY_UNSHARED, .kernel = PGT_KERNEL_2_6_21, .machine = mach},
	};
	struct T direct[2], piped[2];
	if (!t_open(&direct[0], &cfg[0]) || !t_open(&direct[1], &cfg[1]) ||
	    !t_open(&piped[0], &cfg[0]) || !t_open(&piped[1], &cfg[1]))
		abort();
	struct pgt_event *evs = calloc(NEVENTS, sizeof(*evs));
	if (!evs)
		abort();
	/* one string table names the pgds for all four */
	size_t n = make_events(&direct[0], evs, live);
	CHECK(n > 3 * BATCH);
	size_t tails = 0;
	for (size_t i = 0; i < n; i++)
		tails += !pgt_event_tail_zero(&evs[i]);
	CHECK(tails > 100 && tails < n / 4);

	int direct_errors = 0;
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++) {
			struct pgt_error *err = pgt_model_apply(direct[s].m, &evs[i]);
			direct_errors += err != NULL;
			pgt_error_destroy(err);
		}
	CHECK(direct_errors == 0);

	struct pgt_model *models[2] = {piped[0].m, piped[1].m};
	struct pipeline *p;
	if (!CHECK_OK(pipeline_create(models, 2, &p)))
		abort();
	uint64_t line = 0;
	int push_errors = 0;
	for (size_t i = 0; i < n; i++) {
		struct pgt_error *err = pipeline_push(p, &evs[i], &line);
		push_errors += err != NULL;
		pgt_error_destroy(err);
	}
	CHECK(push_errors == 0);
	CHECK_OK(pipeline_finish(p, &line));
	pipeline_destroy(p);

	for (int s = 0; s < 2; s++) {
		CHECK(memcmp(pgt_model_costs(direct[s].m), pgt_model_costs(piped[s].m),
			     sizeof(struct pgt_costs)) == 0);
		size_t nnotes = pgt_model_nnotes(direct[s].m);
		CHECK(nnotes == pgt_model_nnotes(piped[s].m));
		int notes_differ = 0;
		for (size_t k = 0; k < nnotes && k < pgt_model_nnotes(piped[s].m); k++) {
			const struct pgt_note *a = pgt_model_note(direct[s].m, k),
					      *b = pgt_model_note(piped[s].m, k);
			notes_differ += a->kind != b->kind || a->line != b->line ||
					a->pgd != b->pgd || a->addr != b->addr ||
					a->has_ip != b->has_ip || a->ip != b->ip;
		}
		CHECK(notes_differ == 0);
		if (s == 1)
			CHECK(nnotes > 0); /* the hazards of NMI faults, with their ip */
		int differ = 0;
		for (unsigned j = 0; j < live; j++) {
			char name[32];
			pgd_name(name, sizeof(name), j, live);
			uint32_t pgd = id(&direct[0], name);
			const struct pgt_pgd_stats *a = pgt_model_find_pgd(direct[s].m, pgd),
						   *b = pgt_model_find_pgd(piped[s].m, pgd);
			differ += !a || !b || !same_stats(a, b);
		}
		CHECK(differ == 0);
	}
	CHECK(pgt_model_prefetch_pays(piped[1].m) == (live > 2048));
	/* the unshared side took faults, the NMI ones hazards */
	CHECK(pgt_model_costs(piped[1].m)->faults > 0 &&
	      pgt_model_costs(piped[1].m)->hazards > 0);
	free(evs);
	for (int s = 0; s < 2; s++) {
		t_fini(&direct[s]);
		t_fini(&piped[s]);
	}
}

/* An event the model refuses, deep in a batch: the error names its line. */
static void test_error_line(void)
{
	struct pgt_model_config cfg = {.policy = PGT_POLICY_UNSHARED,
				       .kernel = PGT_KERNEL_2_6_21};
	pgt_machine_init(&cfg.machine);
	struct T t;
	if (!t_open(&t, &cfg))
		abort();
	struct pipeline *p;
	struct pgt_model *m = t.m;
	if (!CHECK_OK(pipeline_create(&m, 1, &p)))
		abort();
	uint64_t line = 0, bad_line = 0;
	struct pgt_error *err = NULL;
	for (int i = 0; i < BATCH + 100 && !err; i++) {
		struct pgt_event e = ev(&t, i == 5000 ? PGT_OP_PGD_FREE : PGT_OP_FLUSH);
		if (i == 5000) {
			e.pgd = id(&t, "0xc7000000"); /* never allocated */
			bad_line = e.line;
		}
		err = pipeline_push(p, &e, &line);
	}
	if (!err)
		err = pipeline_finish(p, &line);
	CHECK(err != NULL && line == bad_line);
	pgt_error_destroy(err);
	pipeline_destroy(p);
	pgt_model_destroy(t.m);
	pgt_strtab_destroy(t.tab);
}

int main(void)
{
	test_same_as_direct(64);
	test_same_as_direct(2100);
	test_error_line();
	return test_summary();
}
