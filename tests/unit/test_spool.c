/* SPDX-License-Identifier: MIT */
/*
 * A report's rows (cli/spool.c): the model keeps live records only, freed
 * ones are retired to a spool sorted in bounded runs, and a pass gives
 * every row back in allocation order whatever the order of the frees and
 * however many runs went to the temporary file.
 */
#include <stdlib.h>

#include "cli/spool.c"
#include "cli/tempfile.c"
#include "model_harness.h"

static bool open_model(struct T *t, struct spool *s, bool adopt)
{
	struct pgt_model_config cfg = {.policy = PGT_POLICY_UNSHARED,
				       .kernel = PGT_KERNEL_6_1, .adopt = adopt,
				       .retire = spool_retire, .retire_ctx = s,
				       .retire_all = s->all};
	pgt_machine_init(&cfg.machine);
	return t_open(t, &cfg);
}

/* Every row of a pass: their serials into @ret (up to @cap); how many. */
static size_t pass(const struct spool *s, const struct pgt_model *m,
		   uint64_t *ret, size_t cap, unsigned *live_ret)
{
	struct rows *it;
	size_t n = 0;
	*live_ret = 0;
	if (!CHECK_OK(rows_open(s, m, &it)))
		return 0;
	for (;;) {
		const struct pgt_pgd_stats *x;
		if (!CHECK_OK(rows_next(it, &x)) || !x)
			break;
		if (n < cap)
			ret[n] = x->serial;
		*live_ret += x->live;
		n++;
	}
	rows_close(it);
	return n;
}

/*
 * 30 pgds allocated in order, 28 freed from both ends inwards (30, 1, 29,
 * 2, ...), two left alive; runs of 3 rows: 10 runs, 9 of them in the file.
 * --all: every pgd has a row, in allocation order.
 */
static void test_all_in_allocation_order(void)
{
	struct spool s;
	struct T t;
	spool_init(&s, true, 3);
	if (!open_model(&t, &s, false))
		return;
	char name[16];
	for (int i = 1; i <= 30; i++) {
		snprintf(name, sizeof(name), "P%d", i);
		CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, name));
	}
	for (int lo = 1, hi = 30; lo <= hi;) {
		int k = (hi - lo) % 2 ? hi-- : lo++;
		if (k == 5 || k == 17)
			continue;
		snprintf(name, sizeof(name), "P%d", k);
		CHECK_OK(pgd_op(&t, PGT_OP_PGD_FREE, name));
	}
	CHECK_OK(spool_finish(&s));
	CHECK_EQ_U64(pgt_model_npgds(t.m), 2); /* only the live ones kept */
	CHECK_EQ_U64(pgt_model_pgds_dropped(t.m), 28); /* no findings */
	CHECK_EQ_U64(s.rows, 28);                       /* --all keeps them */
	CHECK_EQ_U64(s.nruns, 9);
	CHECK_EQ_U64(s.n, 1);
	uint64_t serial[40];
	unsigned live;
	CHECK_EQ_U64(pass(&s, t.m, serial, 40, &live), 30);
	CHECK_EQ_U64(live, 2);
	for (int i = 0; i < 30; i++)
		CHECK_EQ_U64(serial[i], (uint64_t)i + 1);
	/* a second pass, while the first is still open, sees the same */
	struct rows *a, *b;
	if (CHECK_OK(rows_open(&s, t.m, &a)) && CHECK_OK(rows_open(&s, t.m, &b))) {
		const struct pgt_pgd_stats *x, *y;
		CHECK_OK(rows_next(a, &x));
		CHECK_OK(rows_next(a, &x));
		CHECK_OK(rows_next(b, &y));
		CHECK_EQ_U64(x->serial, 2);
		CHECK_EQ_U64(y->serial, 1);
		rows_close(a);
		rows_close(b);
	}
	t_fini(&t);
	spool_deinit(&s);
}

/*
 * Without --all only rows with findings are kept: an adopted pgd freed (its
 * history unknown) is one; plain freed pgds are only counted.
 */
static void test_findings_only(void)
{
	struct spool s;
	struct T t;
	spool_init(&s, false, 2);
	if (!open_model(&t, &s, true))
		return;
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, "A"));
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, "B"));
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_FREE, "OLD")); /* adopted, then freed */
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_FREE, "A"));
	CHECK_OK(spool_finish(&s));
	CHECK_EQ_U64(pgt_model_pgds_dropped(t.m), 1); /* A */
	CHECK_EQ_U64(s.rows, 1);                      /* OLD */
	uint64_t serial[4];
	unsigned live;
	CHECK_EQ_U64(pass(&s, t.m, serial, 4, &live), 2); /* B, OLD */
	CHECK_EQ_U64(live, 1);
	CHECK(serial[0] < serial[1]);
	t_fini(&t);
	spool_deinit(&s);
}

/* Many rows retired in a random order, runs of 7: the merge sorts them all. */
static void test_random_order(void)
{
	enum { N = 2000 };
	struct spool s;
	struct T t;
	spool_init(&s, true, 7);
	if (!open_model(&t, &s, false))
		return;
	static uint64_t perm[N], got[N];
	for (int i = 0; i < N; i++)
		perm[i] = (uint64_t)i + 1;
	srand(7);
	for (int i = N - 1; i > 0; i--) {
		int k = rand() % (i + 1);
		uint64_t x = perm[i];
		perm[i] = perm[k];
		perm[k] = x;
	}
	for (int i = 0; i < N; i++)
		spool_retire(&s, &(struct pgt_pgd_stats){.serial = perm[i]});
	CHECK_OK(spool_finish(&s));
	CHECK_EQ_U64(s.nruns, N / 7);
	unsigned live;
	CHECK_EQ_U64(pass(&s, t.m, got, N, &live), N);
	bool sorted = true;
	for (int i = 0; i < N; i++)
		sorted &= got[i] == (uint64_t)i + 1;
	CHECK(sorted);
	t_fini(&t);
	spool_deinit(&s);
}

int main(void)
{
	test_all_in_allocation_order();
	test_findings_only();
	test_random_order();
	return test_summary();
}
