/* SPDX-License-Identifier: MIT */
/*
 * How the model keeps a page's entries (core/model/frames.c): a page that
 * holds one unshared pgd keeps its first SHORT_ENTRIES entries only
 * (V_SHORT), reads as the whole page with the rest zero, and becomes a
 * full page when anything writes beyond them.  The model's internals are
 * included: what is checked is the representation, directly and after a
 * kernel path that writes into such a page (test_stale_write).
 */
#include "core/model/internal.h"
#include "model_harness.h"

#include <stdio.h>

static bool t_make(struct T *t, enum pgt_kernel k, enum pgt_policy p)
{
	struct pgt_model_config cfg = {.policy = p, .sync = PGT_SYNC_SEED,
				       .kernel = k};
	pgt_machine_init(&cfg.machine);
	return t_open(t, &cfg);
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
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, "A"));
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
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_FREE, "A"));
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, "B"));
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
	CHECK_OK(pgd_op(&t, PGT_OP_PGD_ALLOC, "A"));
	uint64_t pa = pgt_model_find_pgd(t.m, id(&t, "A"))->pa;
	CHECK(t.m->frames[pa >> PGT_PAGE_SHIFT].virt == V_DATA);
	t_fini(&t);
}

/* A pgd_alloc or pgd_free of @pgd on @cpu at @t_ns. */
static struct pgt_error *on_cpu(struct T *t, enum pgt_op o, const char *pgd,
				int cpu, uint64_t t_ns)
{
	struct pgt_event e = ev(t, o);
	e.pgd = id(t, pgd);
	e.cpu = cpu;
	e.t_ns = t_ns;
	return pgt_model_apply(t->m, &e);
}

/* Entry @idx of the page at @pa, as the model's memory reads it. */
static uint64_t entry(struct T *t, uint64_t pa, int idx)
{
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	uint64_t v = 0;
	CHECK_OK(pgt_physmem_read_u64(&mem, pa + 8 * (uint64_t)idx, &v));
	return v;
}

/*
 * A stale write into a freed one-pgd page, through a kernel path: 2.6.21
 * unshared, one pgd_list walk of set_pmd_pte writing through a freed pgd
 * (the seed's use-after-free) into a page that was another pgd's since.
 * Z is freed on cpu 1 (its object stays in cpu 1's array, Z on pgd_list);
 * its pages go back, its kernel PMD copy last.  P, allocated on cpu 0 with
 * every slab full, gets a new slab: that page (LIFO).  Y1 and Y2 are freed
 * on cpu 1 after, over Z in its array; P and 160 others are freed on cpu
 * 0; cpu 1 allocates at t0 + 1 s and t0 + 3 s (taking Y2 and Y1: its array
 * is touched, so cache_reap leaves it); the reap at t0 + 4 s drains the
 * shared array, oldest first, P among them, and destroys P's slab:
 * pgd_dtor, then the page is free again.  A cpa split at 0xc1000000
 * (slot 3, entry 8) walks pgd_list and writes entry 8 of Z's kernel PMD,
 * that is of P's old page: a write beyond the eight entries kept, which
 * makes the page whole, the entry written and the rest as they were.
 */
static void test_stale_write(void)
{
	struct T t;
	if (!t_make(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED))
		return;
	uint64_t t0 = UINT64_C(1000000000), s = UINT64_C(1000000000);
	char name[16];
	for (int i = 1; i <= 160; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		CHECK_OK(on_cpu(&t, PGT_OP_PGD_ALLOC, name, 0, t0));
	}
	static const char *const zy[] = {"Z", "Y1", "Y2"};
	for (int i = 0; i < 3; i++)
		CHECK_OK(on_cpu(&t, PGT_OP_PGD_ALLOC, zy[i], 0, t0));
	uint64_t zpa = pgt_model_find_pgd(t.m, id(&t, "Z"))->pa;
	uint64_t zcopy = pgt_entry_addr(entry(&t, zpa, 3));
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_FREE, "Z", 1, t0));
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_ALLOC, "P", 0, t0));
	/* under Z in cpu 1's array: the allocations there take them */
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_FREE, "Y1", 1, t0));
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_FREE, "Y2", 1, t0));
	uint64_t ppa = pgt_model_find_pgd(t.m, id(&t, "P"))->pa;
	CHECK_EQ_U64(ppa, zcopy);
	uint64_t pgd_p[PGT_PTRS_PER_PGD];
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++)
		pgd_p[i] = entry(&t, ppa, i);
	CHECK(t.m->frames[ppa >> PGT_PAGE_SHIFT].virt == V_SHORT);
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_FREE, "P", 0, t0));
	for (int i = 1; i <= 160; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		CHECK_OK(on_cpu(&t, PGT_OP_PGD_FREE, name, 0, t0));
	}
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_ALLOC, "W1", 1, t0 + s));
	CHECK_OK(on_cpu(&t, PGT_OP_PGD_ALLOC, "W2", 1, t0 + 3 * s));
	struct pgt_event e = ev(&t, PGT_OP_FLUSH);
	e.cpu = 0;
	e.t_ns = t0 + 4 * s;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK(t.m->frames[ppa >> PGT_PAGE_SHIFT].kind == F_FREE);
	uint64_t uaf = pgt_model_costs(t.m)->uaf_writes;
	e = ev(&t, PGT_OP_CPA);
	e.addr = 0xc1000000u;
	e.pages = 1;
	e.prot = PGT_PROT_KERNEL_RO;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK(pgt_model_costs(t.m)->uaf_writes > uaf);
	/* swapper's new entry 8 of slot 3, written into the freed page too */
	uint64_t pde = entry(&t, frame_pa(t.m->swapper_kpmd[3]), 8);
	CHECK(pgt_present(pde) && !pgt_large(pde));
	CHECK(t.m->frames[ppa >> PGT_PAGE_SHIFT].virt == V_DATA);
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		uint64_t want = i < PGT_PTRS_PER_PGD ? pgd_p[i] : i == 8 ? pde : 0;
		if (entry(&t, ppa, i) != want) {
			CHECK_EQ_U64(entry(&t, ppa, i), want);
			break;
		}
	}
	t_fini(&t);
}

int main(void)
{
	test_short(PGT_KERNEL_2_6_21);
	test_short(PGT_KERNEL_6_1);
	test_shared(PGT_KERNEL_2_6_21);
	test_shared(PGT_KERNEL_6_1);
	test_stale_write();
	return test_summary();
}
