/* SPDX-License-Identifier: MIT */
/*
 * How the model keeps a page's entries (core/model/frames.c): a page that
 * holds one unshared pgd keeps its first SHORT_ENTRIES entries only
 * (V_SHORT), reads as the whole page with the rest zero, and becomes a
 * full page when anything writes beyond them.  The model's internals are
 * included: what is checked is the representation, not a kernel path.
 */
#include "core/model/internal.h"
#include "model_harness.h"

static bool t_make(struct T *t, enum pgt_kernel k, enum pgt_policy p)
{
	struct pgt_model_config cfg = {.policy = p, .sync = PGT_SYNC_SEED,
				       .kernel = k};
	pgt_machine_init(&cfg.machine);
	return t_open(t, &cfg);
}

static struct pgt_error *alloc_free(struct T *t, enum pgt_op o, const char *pgd)
{
	struct pgt_event e = ev(t, o);
	e.pgd = id(t, pgd);
	return pgt_model_apply(t->m, &e);
}

/* The page at @pa as the model's memory reads it: 512 entries. */
static bool read_page(struct T *t, uint64_t pa, uint64_t *e)
{
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	return CHECK_OK(pgt_physmem_read(&mem, pa, e, PGT_PAGE_SIZE));
}

/* Entries 0..3 of the page at @pa are present, all others zero. */
static bool pgd_page_ok(struct T *t, uint64_t pa)
{
	uint64_t e[PGT_PTRS_PER_PMD];
	if (!read_page(t, pa, e))
		return false;
	bool ok = true;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++)
		ok &= i < PGT_PTRS_PER_PGD ? pgt_present(e[i]) : e[i] == 0;
	return ok;
}

static void test_short(enum pgt_kernel k)
{
	struct T t;
	if (!t_make(&t, k, PGT_POLICY_UNSHARED))
		return;
	bool pti = k == PGT_KERNEL_6_1;
	CHECK_OK(alloc_free(&t, PGT_OP_PGD_ALLOC, "A"));
	uint64_t pa = pgt_model_find_pgd(t.m, id(&t, "A"))->pa;
	uint32_t f = (uint32_t)(pa >> PGT_PAGE_SHIFT);
	struct pgt_model *m = t.m;
	/* one pgd to a page: its entries only */
	CHECK_EQ_U64(pa & (PGT_PAGE_SIZE - 1), 0);
	CHECK(m->frames[f].kind == F_PGD && m->frames[f].virt == V_SHORT);
	CHECK(pgd_page_ok(&t, pa));
	if (pti) { /* the user half too */
		CHECK(m->frames[f + 1].virt == V_SHORT);
		CHECK(pgd_page_ok(&t, pa + PGT_PAGE_SIZE));
	}
	uint64_t before[PGT_PTRS_PER_PMD];
	read_page(&t, pa, before);

	/* a write beyond the kept entries makes it a full page */
	uint64_t v = 0x1234000 | PGT_P | PGT_RW;
	CHECK_OK(pmd_write(m, f, 300, v));
	CHECK(m->frames[f].virt == V_DATA);
	uint64_t after[PGT_PTRS_PER_PMD];
	read_page(&t, pa, after);
	before[300] = v;
	CHECK(!memcmp(before, after, sizeof(after)));

	/* a write within them keeps it short */
	if (pti) {
		CHECK_OK(pmd_write(m, f + 1, 7, v));
		CHECK(m->frames[f + 1].virt == V_SHORT);
		CHECK_EQ_U64(entry_at(m, f + 1, 7), v);
		CHECK_EQ_U64(entry_at(m, f + 1, 8), 0);
	}

	/*
	 * Freed and taken again by the next pgd: both kernels keep the
	 * object with its page (2.6.21's slab, 6.1's cache of pairs), now
	 * full; pgd_alloc writes its entries over the old ones.
	 */
	CHECK_OK(alloc_free(&t, PGT_OP_PGD_FREE, "A"));
	CHECK_OK(alloc_free(&t, PGT_OP_PGD_ALLOC, "B"));
	CHECK_EQ_U64(pgt_model_find_pgd(t.m, id(&t, "B"))->pa, pa);
	CHECK(m->frames[f].virt == V_DATA);
	uint64_t e[PGT_PTRS_PER_PMD];
	read_page(&t, pa, e);
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++)
		CHECK(pgt_present(e[i]));
	t_fini(&t);
}

/* Shared: 128 pgds to a slab page, all 512 entries kept. */
static void test_shared(enum pgt_kernel k)
{
	struct T t;
	if (!t_make(&t, k, PGT_POLICY_SHARED))
		return;
	CHECK_OK(alloc_free(&t, PGT_OP_PGD_ALLOC, "A"));
	uint64_t pa = pgt_model_find_pgd(t.m, id(&t, "A"))->pa;
	CHECK(t.m->frames[pa >> PGT_PAGE_SHIFT].virt == V_DATA);
	t_fini(&t);
}

int main(void)
{
	test_short(PGT_KERNEL_2_6_21);
	test_short(PGT_KERNEL_6_1);
	test_shared(PGT_KERNEL_2_6_21);
	test_shared(PGT_KERNEL_6_1);
	return test_summary();
}
