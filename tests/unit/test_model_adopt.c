/* SPDX-License-Identifier: MIT */
/*
 * Recordings that begin on a running machine (core/model/adopt.c): pgds
 * named before any pgd_alloc are adopted, in step with swapper when first
 * named; a pgd freed earlier in the recording is not; recorded faults find
 * their pgd through their task; a vfree of a mapping made before the
 * recording unmaps it.  6.1, 3G/1G, 880 MiB: VMALLOC_START 0xf77fe000 (PMD
 * entry 443 of slot 3, 0xf7600000..0xf7800000, holds its first 2 pages),
 * 0xf7800000 is entry 444.
 */
#include "core/walk.h"
#include "model_harness.h"

/* The last record the model retired (config.retire), and how many. */
static struct pgt_pgd_stats retired;
static unsigned nretired;

static void retire(void *ctx, const struct pgt_pgd_stats *s)
{
	(void)ctx;
	retired = *s;
	nretired++;
}

static bool t_init(struct T *t, enum pgt_policy p, bool adopt)
{
	struct pgt_model_config cfg = {.policy = p, .kernel = PGT_KERNEL_6_1,
				       .adopt = adopt, .retire = retire};
	nretired = 0;
	pgt_machine_init(&cfg.machine);
	return t_open(t, &cfg);
}

/* An event of @op naming pgd @pgd (NULL: none). */
static struct pgt_event ev_pgd(struct T *t, enum pgt_op op, const char *pgd)
{
	struct pgt_event e = ev(t, op);
	e.pgd = id(t, pgd);
	return e;
}

static const struct pgt_pgd_stats *find(struct T *t, const char *pgd)
{
	return pgt_model_find_pgd(t->m, pgt_strtab_find(t->tab, pgd, strlen(pgd)));
}

/* The first pgd_free names a pgd the recording never saw born. */
static void test_adopt_on_free(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_UNSHARED, true))
		return;
	struct pgt_event e = ev_pgd(&t, PGT_OP_PGD_FREE, "0xc4f9e000");
	CHECK_OK(pgt_model_apply(t.m, &e));
	const struct pgt_costs *c = pgt_model_costs(t.m);
	CHECK_EQ_U64(c->adopted_pgds, 1);
	/* the kernel copied its kernel PMD before the recording: not counted */
	CHECK_EQ_U64(c->pmd_copy_entries, 0);
	/* retired with findings: adopted, never allocated in it, freed at
	 * line 1; the model keeps only live records */
	CHECK_EQ_U64(pgt_model_npgds(t.m), 0);
	CHECK_EQ_U64(nretired, 1);
	CHECK_EQ_U64(pgt_model_pgds_dropped(t.m), 0);
	const struct pgt_pgd_stats *s = &retired;
	CHECK(pgt_pgd_has_findings(s));
	CHECK(s->adopted);
	CHECK(!s->live);
	CHECK_EQ_U64(s->alloc_line, 0);
	CHECK_EQ_U64(s->free_line, 1);
	/* freed in the recording: naming it again is no adoption */
	e = ev_pgd(&t, PGT_OP_PGD_FREE, "0xc4f9e000");
	CHECK_ERR(pgt_model_apply(t.m, &e), PGT_ERROR_INPUT,
		  "pgd_free of a pgd that was freed at line 1 (no pgd_alloc since)");
	CHECK_EQ_U64(c->adopted_pgds, 1);
	t_fini(&t);
}

/*
 * A freed pgd without findings goes to config.retire only with
 * retire_all (--all), and is counted as dropped either way; with
 * retire_all it comes whole: its lines, its pid and comm, its address.
 */
static void test_retire_all(void)
{
	for (int all = 0; all < 2; all++) {
		struct pgt_model_config cfg = {.policy = PGT_POLICY_UNSHARED,
					       .kernel = PGT_KERNEL_6_1,
					       .retire = retire,
					       .retire_all = all};
		pgt_machine_init(&cfg.machine);
		nretired = 0;
		struct T t;
		if (!t_open(&t, &cfg))
			return;
		struct pgt_event e = ev_pgd(&t, PGT_OP_PGD_ALLOC, "A");
		e.pid = 42;
		e.comm = id(&t, "sh");
		CHECK_OK(pgt_model_apply(t.m, &e));
		const struct pgt_pgd_stats *live = find(&t, "A");
		CHECK(live && live->live && live->pa);
		uint64_t pa = live ? live->pa : 0;
		e = ev_pgd(&t, PGT_OP_PGD_FREE, "A");
		CHECK_OK(pgt_model_apply(t.m, &e));
		CHECK_EQ_U64(pgt_model_pgds_dropped(t.m), 1);
		CHECK_EQ_U64(nretired, (unsigned)all);
		if (all) {
			CHECK(!pgt_pgd_has_findings(&retired));
			CHECK(!retired.live);
			CHECK_EQ_U64(retired.id, id(&t, "A"));
			CHECK_EQ_U64(retired.serial, 1);
			CHECK_EQ_U64(retired.alloc_line, 1);
			CHECK_EQ_U64(retired.free_line, 2);
			CHECK_EQ_U64(retired.pid, 42);
			CHECK_EQ_U64(retired.comm, id(&t, "sh"));
			CHECK_EQ_U64(retired.pa, pa);
			CHECK(retired.own_kernel_pmd);
			CHECK_EQ_U64(pgt_pgd_divergent(&retired), 0);
		}
		t_fini(&t);
	}
}

/*
 * Adopted in step with swapper when first named: after a vmalloc at
 * 0xf7800000 populated PMD entry 444 (and arch_sync_kernel_mappings gave it
 * to every pgd on pgd_list, none yet), a pgd first named by an access there
 * has the entry: no fault, no divergence.
 */
static void test_adopt_in_step(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_UNSHARED, true))
		return;
	struct pgt_event e = ev_pgd(&t, PGT_OP_VMALLOC, NULL);
	e.addr = 0xf7800000;
	e.size = 0x1000;
	CHECK_OK(pgt_model_apply(t.m, &e));
	e = ev_pgd(&t, PGT_OP_ACCESS, "0xc5000000");
	e.addr = 0xf7800000;
	CHECK_OK(pgt_model_apply(t.m, &e));
	const struct pgt_pgd_stats *s = find(&t, "0xc5000000");
	CHECK(s && s->adopted && s->live);
	CHECK_EQ_U64(s ? s->faults : 1, 0);
	CHECK_EQ_U64(s ? pgt_pgd_divergent(s) : 1, 0);
	/* on pgd_list: the next sync visits it */
	uint64_t visits = pgt_model_costs(t.m)->pgd_list_visits;
	e = ev_pgd(&t, PGT_OP_SYNC, NULL);
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK(pgt_model_costs(t.m)->pgd_list_visits > visits);
	t_fini(&t);
}

static void test_no_adopt(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, false))
		return;
	struct pgt_event e = ev_pgd(&t, PGT_OP_PGD_FREE, "0xc4f9e000");
	CHECK_ERR(pgt_model_apply(t.m, &e), PGT_ERROR_INPUT,
		  "pgd_free of a pgd no pgd_alloc named");
	CHECK_EQ_U64(pgt_model_costs(t.m)->adopted_pgds, 0);
	t_fini(&t);
}

/*
 * A recorded kernel fault names a CPU and a task, not a pgd.  No switch
 * loaded one on CPU 0: the pgd the task allocated for itself (exec) is
 * used; a task that allocated none is counted, not an error.
 */
static void test_fault_by_task(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, true))
		return;
	struct pgt_event e = ev_pgd(&t, PGT_OP_FAULT, NULL);
	e.addr = 0xf7800000;
	e.pid = 42;
	e.cpu = 0;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK_EQ_U64(pgt_model_costs(t.m)->unresolved_faults, 1);
	CHECK_EQ_U64(pgt_model_costs(t.m)->observed_faults, 0);
	e = ev_pgd(&t, PGT_OP_PGD_ALLOC, "0xc5000000");
	e.pid = 42;
	CHECK_OK(pgt_model_apply(t.m, &e));
	e = ev_pgd(&t, PGT_OP_FAULT, NULL);
	e.addr = 0xf7800000;
	e.pid = 42;
	e.cpu = 0;
	CHECK_OK(pgt_model_apply(t.m, &e));
	/* unmapped in swapper too: predicted, and an oops in that pgd */
	CHECK_EQ_U64(pgt_model_costs(t.m)->observed_faults, 1);
	CHECK_EQ_U64(pgt_model_costs(t.m)->observed_predicted, 1);
	CHECK_EQ_U64(find(&t, "0xc5000000")->oopses, 1);
	/* a user address is counted before any pgd is needed */
	e = ev_pgd(&t, PGT_OP_FAULT, NULL);
	e.addr = 0x0804a000;
	e.pid = 7;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK_EQ_U64(pgt_model_costs(t.m)->user_faults, 1);
	t_fini(&t);
}

/*
 * A vfree of a mapping made before the recording: nothing the model
 * knows; with adoption its PTEs are cleared up to the guard page.
 */
static void test_adopt_vfree(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, true))
		return;
	/* two mappings the model knows, a guard page apart */
	struct pgt_event e = ev_pgd(&t, PGT_OP_VMALLOC, NULL);
	e.addr = 0xf7800000;
	e.size = 0x2000;
	CHECK_OK(pgt_model_apply(t.m, &e));
	e = ev_pgd(&t, PGT_OP_VMALLOC, NULL);
	e.addr = 0xf7803000;
	e.size = 0x2000;
	CHECK_OK(pgt_model_apply(t.m, &e));
	/* a vfree inside a known mapping names no mapping's start: an error */
	e = ev_pgd(&t, PGT_OP_VFREE, NULL);
	e.addr = 0xf7801000;
	CHECK_ERR(pgt_model_apply(t.m, &e), PGT_ERROR_INPUT,
		  "vfree of 0xf7801000, inside the mapping [0xf7800000, 0xf7802000): vfree names a mapping's start");
	CHECK_EQ_U64(pgt_model_costs(t.m)->adopted_vfrees, 0);
	struct pgt_physmem mem = pgt_model_physmem(t.m);
	struct pgt_walk w;
	/* a vfree of 0xf7806000, which nothing the model knows maps, with no
	 * size: adopted, stops at once at the unmapped page */
	e = ev_pgd(&t, PGT_OP_VFREE, NULL);
	e.addr = 0xf7806000;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK_EQ_U64(pgt_model_costs(t.m)->adopted_vfrees, 1);
	CHECK_OK(pgt_walk(&mem, pgt_model_swapper_cr3(t.m), 0xf7803000, &w));
	CHECK(w.present);
	CHECK_OK(pgt_walk(&mem, pgt_model_swapper_cr3(t.m), 0xf7800000, &w));
	CHECK(w.present);
	t_fini(&t);
}

int main(void)
{
	test_adopt_on_free();
	test_retire_all();
	test_adopt_in_step();
	test_no_adopt();
	test_fault_by_task();
	test_adopt_vfree();
	return test_summary();
}
