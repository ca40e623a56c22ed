/* SPDX-License-Identifier: MIT */
/*
 * The replay model (core/model.h) against the kernel paths it mirrors, each
 * in a case small enough to check by hand.  Events are built by hand and
 * applied through the public API; the state is read back through the
 * queries and the page-table walker (core/walk.h).
 *
 * Kernels: "2.6.21" is arch/i386/mm/{pgtable,fault,pageattr,init}.c with
 * the seed patch ("i386: PARAVIRT: Allow paravirt backend to choose kernel
 * PMD sharing", /work/shared/seeds/000_*); "6.1" is arch/x86/mm/{pgtable,
 * fault}.c, pat/set_memory.c and mm/vmalloc.c of Linux 6.1.
 *
 * Numbers used throughout (3G/1G, 896 MiB lowmem, 2.6.21):
 *   direct map 0xc0000000..0xf8000000: slot 3, PMD entries 0..447;
 *   VMALLOC_START 0xf8800000 = PMD entry 452 (0xf8800000 >> 21 = 1988,
 *   1988 & 511 = 452), VMALLOC_END 0xffbfe000; pkmap 0xffc00000 (entry
 *   510) and the fixmap (entry 511) have PTE pages from boot.
 * 6.1 (3G/1G, 880 MiB): VMALLOC_START 0xf77fe000, VMALLOC_END 0xfeffe000;
 *   0xf7800000 is PMD entry 444.
 *
 * Comments marked "Regression" name a place where the model once differed
 * from the kernel (fixed in 541ff7a); the checks there keep it so.
 */
#include "core/walk.h"
#include "model_harness.h"

/* Kernel protections with NX and PGE (the defaults of pgt_machine_init). */
#define PAGE_KERNEL UINT64_C(0x8000000000000163)       /* P|RW|A|D|G|NX */
#define PAGE_KERNEL_RO UINT64_C(0x8000000000000161)
#define PAGE_KERNEL_EXEC UINT64_C(0x163)
#define PAGE_KERNEL_LARGE UINT64_C(0x80000000000001e3) /* + PSE */
#define PAGE_KERNEL_LARGE_EXEC UINT64_C(0x1e3)
#define MiB (UINT64_C(1) << 20)

static bool t_init_machine(struct T *t, enum pgt_kernel k, enum pgt_policy p,
			   enum pgt_sync s, const struct pgt_machine *mach)
{
	struct pgt_model_config cfg = {.policy = p, .sync = s, .kernel = k};
	cfg.machine = *mach;
	return t_open(t, &cfg);
}

static bool t_init(struct T *t, enum pgt_kernel k, enum pgt_policy p,
		   enum pgt_sync s, uint32_t page_offset)
{
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	mach.page_offset = page_offset;
	return t_init_machine(t, k, p, s, &mach);
}

/* t_init() on a machine with @lowmem bytes of direct-mapped memory. */
static bool t_init_lowmem(struct T *t, enum pgt_kernel k, enum pgt_policy p,
			  enum pgt_sync s, uint32_t page_offset, uint64_t lowmem)
{
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	mach.page_offset = page_offset;
	mach.lowmem = lowmem;
	return t_init_machine(t, k, p, s, &mach);
}

static struct pgt_error *apply(struct T *t, const struct pgt_event *e)
{
	return pgt_model_apply(t->m, e);
}

static struct pgt_error *op(struct T *t, enum pgt_op o)
{
	struct pgt_event e = ev(t, o);
	return apply(t, &e);
}

static struct pgt_error *pgd_alloc(struct T *t, const char *pgd)
{
	struct pgt_event e = ev(t, PGT_OP_PGD_ALLOC);
	e.pgd = id(t, pgd);
	return apply(t, &e);
}

static struct pgt_error *pgd_free(struct T *t, const char *pgd)
{
	struct pgt_event e = ev(t, PGT_OP_PGD_FREE);
	e.pgd = id(t, pgd);
	return apply(t, &e);
}

static struct pgt_error *vmalloc(struct T *t, uint64_t addr, uint64_t size)
{
	struct pgt_event e = ev(t, PGT_OP_VMALLOC);
	e.addr = addr;
	e.size = size;
	return apply(t, &e);
}

static struct pgt_error *vfree(struct T *t, uint64_t addr, uint64_t size)
{
	struct pgt_event e = ev(t, PGT_OP_VFREE);
	e.addr = addr;
	e.size = size;
	return apply(t, &e);
}

static struct pgt_error *cpa(struct T *t, uint64_t addr, uint64_t pages,
			     enum pgt_prot prot)
{
	struct pgt_event e = ev(t, PGT_OP_CPA);
	e.addr = addr;
	e.pages = pages;
	e.prot = prot;
	return apply(t, &e);
}

static struct pgt_error *access_ctx(struct T *t, uint64_t addr,
				    const char *pgd, enum pgt_ctx ctx)
{
	struct pgt_event e = ev(t, PGT_OP_ACCESS);
	e.addr = addr;
	e.pgd = id(t, pgd);
	e.ctx = ctx;
	if (ctx == PGT_CTX_NMI) {
		e.has_ip = true;
		e.ip = 0xc0123456;
	}
	return apply(t, &e);
}

static struct pgt_error *acc(struct T *t, uint64_t addr, const char *pgd)
{
	return access_ctx(t, addr, pgd, PGT_CTX_TASK);
}

static const struct pgt_pgd_stats *st(struct T *t, const char *pgd)
{
	static const struct pgt_pgd_stats none;
	const struct pgt_pgd_stats *s = pgt_model_find_pgd(t->m, id(t, pgd));
	if (!s) {
		printf("(pgd %s is not live)\n", pgd);
		return &none;
	}
	return s;
}

static const struct pgt_costs *costs(struct T *t)
{
	return pgt_model_costs(t->m);
}

/* Kernel PMD entry @idx of slot @slot of pgd @pgd (NULL: swapper). */
static uint64_t kpmd(struct T *t, const char *pgd, int slot, int idx)
{
	return pgt_model_kernel_pmd_entry(t->m, pgd ? id(t, pgd) : 0, slot, idx);
}

static uint64_t cr3(struct T *t, const char *pgd)
{
	return pgd ? pgt_model_pgd_cr3(t->m, id(t, pgd))
		   : pgt_model_swapper_cr3(t->m);
}

/* PDPTE @slot of the pgd at @cr3. */
static uint64_t pdpte(struct T *t, uint64_t cr3v, int slot)
{
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	uint64_t v = 0;
	CHECK_OK(pgt_physmem_read_u64(&mem, pgt_cr3_pdpt(cr3v) + 8 * (uint64_t)slot, &v));
	return v;
}

static struct pgt_walk walk_cr3(struct T *t, uint64_t cr3v, uint32_t va)
{
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	struct pgt_walk w;
	CHECK_OK(pgt_walk(&mem, cr3v, va, &w));
	return w;
}

static struct pgt_walk walk(struct T *t, const char *pgd, uint32_t va)
{
	return walk_cr3(t, cr3(t, pgd), va);
}

/*
 * The index of the first note of @kind through @pgd at @addr (UINT64_MAX:
 * any) and @line (0: any), or SIZE_MAX.
 */
static size_t note_index(struct T *t, enum pgt_note_kind kind, const char *pgd,
			 uint64_t addr, uint64_t line)
{
	for (size_t i = 0; i < pgt_model_nnotes(t->m); i++) {
		const struct pgt_note *n = pgt_model_note(t->m, i);
		if (n->kind == kind && n->pgd == id(t, pgd) &&
		    (addr == UINT64_MAX || n->addr == addr) &&
		    (!line || n->line == line))
			return i;
	}
	return SIZE_MAX;
}

static bool has_note(struct T *t, enum pgt_note_kind kind, const char *pgd,
		     uint64_t addr, uint64_t line)
{
	return note_index(t, kind, pgd, addr, line) != SIZE_MAX;
}

/* ------------------------------------------------------------------ */

/*
 * pgd_alloc() of 2.6.21 with the seed patch.
 *
 * Shared (SHARED_KERNEL_PMD=1): pgd_cache objects are PTRS_PER_PGD *
 * sizeof(pgd_t) = 32 bytes, 128 to a slab page; pgd_ctor clones the kernel
 * pgd slots from swapper_pg_dir (so they point at swapper's kernel PMD
 * pages) and pgd_alloc allocates USER_PTRS_PER_PGD PMDs from pmd_cache.
 *
 * Unshared: pgtable_cache_init makes the pgd object PAGE_SIZE (pgd_list is
 * threaded through struct page), and pgd_alloc loops to
 * UNSHARED_PTRS_PER_PGD = PTRS_PER_PGD: pmd_cache_alloc(idx) for a kernel
 * slot is __get_free_page + memcpy of swapper's PMD, 512 entries each.
 * pgd_free gives every PMD back (pmd_cache_free: free_page for kernel
 * slots).
 */
static void test_pgd_alloc_2621(void)
{
	struct T t;
	/* 3G/1G shared: +32 bytes, 3 user PMDs, no copies. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 2 * 32);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 2 * 3);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 0);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 0);
	CHECK(!st(&t, "A")->own_kernel_pmd);
	CHECK_EQ_U64(st(&t, "A")->pa & 31, 0);
	/* Two 32-byte objects of one slab page. */
	CHECK_EQ_U64(st(&t, "A")->pa >> 12, st(&t, "B")->pa >> 12);
	CHECK(st(&t, "A")->pa != st(&t, "B")->pa);
	/* clone_pgd_range: slot 3 is swapper's own PDPTE. */
	CHECK_EQ_U64(pdpte(&t, cr3(&t, "A"), 3), pdpte(&t, cr3(&t, NULL), 3));
	CHECK(pdpte(&t, cr3(&t, "A"), 0) != 0);
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 32);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 3);
	CHECK_EQ_U64(costs(&t)->pgd_bytes_peak - t.boot.pgd_bytes, 64);
	t_fini(&t);

	/* 3G/1G unshared: +4096 bytes, 3 user PMDs + 1 copied kernel PMD. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 4096);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 4);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 1);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 512);
	CHECK(st(&t, "A")->own_kernel_pmd);
	CHECK_EQ_U64(st(&t, "A")->pa & 4095, 0);
	/* Its own kernel PMD page, with swapper's contents. */
	CHECK(pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 3)) !=
	      pgt_entry_addr(pdpte(&t, cr3(&t, NULL), 3)));
	CHECK_EQ_U64(kpmd(&t, "A", 3, 0), kpmd(&t, NULL, 3, 0));
	CHECK_EQ_U64(kpmd(&t, "A", 3, 447), kpmd(&t, NULL, 3, 447));
	CHECK_EQ_U64(kpmd(&t, "A", 3, 511), kpmd(&t, NULL, 3, 511));
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 0);
	/* 512 entries per unshared pgd_alloc. */
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 1024);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 2);
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 1);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies_peak, 2);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 4);
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 4096);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 1024); /* a running total */
	t_fini(&t);
}

/*
 * 2G/2G: KERNEL_PGD_PTRS = 2, the kernel PMDs are slots 2 and 3.  Shared:
 * 2 user PMDs.  Unshared: 2 user PMDs + 2 copies, 1024 entries.  The
 * direct map starts at 0x80000000 = slot 2 entry 0, physical 0, and holds
 * _text (0x80100000): PAGE_KERNEL_LARGE_EXEC = 0x1e3; 0xc0000000 is slot 3
 * entry 0, physical 0x40000000, not text: PAGE_KERNEL_LARGE.
 */
static void test_pgd_alloc_2g(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 2);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 0);
	CHECK_EQ_U64(pdpte(&t, cr3(&t, "A"), 2), pdpte(&t, cr3(&t, NULL), 2));
	CHECK_EQ_U64(pdpte(&t, cr3(&t, "A"), 3), pdpte(&t, cr3(&t, NULL), 3));
	t_fini(&t);

	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0x80000000u))
		return;
	CHECK_EQ_U64(kpmd(&t, NULL, 2, 0), PAGE_KERNEL_LARGE_EXEC);
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 0), 0x40000000 | PAGE_KERNEL_LARGE);
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 4);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 2);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 1024);
	CHECK_EQ_U64(kpmd(&t, "A", 2, 0), PAGE_KERNEL_LARGE_EXEC);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 0), 0x40000000 | PAGE_KERNEL_LARGE);
	CHECK(pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 2)) !=
	      pgt_entry_addr(pdpte(&t, cr3(&t, NULL), 2)));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 0);
	CHECK_EQ_U64(costs(&t)->pmd_pages, t.boot.pmd_pages);
	t_fini(&t);
}

/*
 * vmalloc (2.6.21 map_vm_area -> vmap_pte_range -> pte_alloc_kernel ->
 * __pte_alloc_kernel -> pmd_populate_kernel) writes a new PTE page into
 * init_mm's PMD only, as _PAGE_TABLE (0x67) | page.  With the kernel PMD
 * shared every pgd sees it at once; unshared, a pgd allocated before
 * misses the entry, one allocated after copies it.
 *
 * By hand (unshared): line 1 pgd_alloc A; line 2 vmalloc 0xf8800000
 * (entry 452): A has 1 missing entry, first at line 2; line 3 pgd_alloc
 * B: 0 missing; line 4 vmalloc 0xf8801000 (same PMD entry: no new PTE
 * page, no PMD write); line 5 vmalloc 0xf8a00000 (entry 453): A 2
 * missing (max 2 at line 5), B 1 missing (first at line 5).
 */
static void test_vmalloc_writes_swapper_only(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 452), 0);
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	uint64_t e = kpmd(&t, NULL, 3, 452);
	CHECK(pgt_present(e) && !pgt_large(e));
	CHECK_EQ_U64(e & PGT_FLAGS_MASK, PGT_PAGE_TABLE);
	CHECK_EQ_U64(costs(&t)->pte_pages - t.boot.pte_pages, 1);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 452), 0);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	CHECK_EQ_U64(st(&t, "A")->stale, 0);
	CHECK_EQ_U64(st(&t, "A")->different, 0);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 1);
	CHECK_EQ_U64(st(&t, "A")->max_line, 2);
	CHECK_EQ_U64(st(&t, "A")->first_divergence_line, 2);
	/* The MMU through A: stops at the missing PDE.  Through swapper: a
	 * 4K PAGE_KERNEL page (writable, NX). */
	struct pgt_walk w = walk(&t, "A", 0xf8800000u);
	CHECK(!w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PMD);
	w = walk(&t, NULL, 0xf8800000u);
	CHECK(w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_EQ_U64(w.leaf & PGT_FLAGS_MASK, PAGE_KERNEL);
	CHECK(w.writable && w.nx && !w.user);

	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "B")), 0);
	CHECK_EQ_U64(kpmd(&t, "B", 3, 452), e);
	CHECK_OK(vmalloc(&t, 0xf8801000u, 4096));
	CHECK_EQ_U64(costs(&t)->pte_pages - t.boot.pte_pages, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	CHECK_OK(vmalloc(&t, 0xf8a00000u, 4096));
	CHECK_EQ_U64(costs(&t)->pte_pages - t.boot.pte_pages, 2);
	CHECK_EQ_U64(st(&t, "A")->missing, 2);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 2);
	CHECK_EQ_U64(st(&t, "A")->max_line, 5);
	CHECK_EQ_U64(st(&t, "A")->first_divergence_line, 2);
	CHECK_EQ_U64(st(&t, "B")->missing, 1);
	CHECK_EQ_U64(st(&t, "B")->first_divergence_line, 5);
	/* Nothing here walks pgd_list. */
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 0);
	t_fini(&t);

	/* Shared: A's slot 3 is swapper's PMD page; nothing is missing. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK(pgt_present(kpmd(&t, "A", 3, 452)));
	CHECK_EQ_U64(kpmd(&t, "A", 3, 452), kpmd(&t, NULL, 3, 452));
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	CHECK(walk(&t, "A", 0xf8800000u).present);
	t_fini(&t);
}

/*
 * vfree -> unmap_kernel_range (2.6.21) / vunmap_range (6.1) clears the
 * PTEs and never frees a PTE page nor touches the PMD: the entry stays in
 * swapper, a later vmalloc in the same 2 MiB reuses the page (and on 6.1
 * modifies no PMD, so arch_sync_kernel_mappings is not called).
 */
static void test_vfree_keeps_pte_pages(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(vmalloc(&t, 0xf8800000u, 8192));
	uint64_t e = kpmd(&t, NULL, 3, 452);
	uint64_t pte_pages = costs(&t)->pte_pages;
	CHECK_OK(vfree(&t, 0xf8800000u, 0));
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages);
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 452), e);
	struct pgt_walk w = walk(&t, NULL, 0xf8801000u);
	CHECK(!w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages);
	CHECK(walk(&t, NULL, 0xf8800000u).present);
	/* vfree with the mapping's own size is fine, another size is not. */
	CHECK_ERR(vfree(&t, 0xf8800000u, 8192), PGT_ERROR_INPUT,
		  "vfree size 0x2000 does not match the mapping's 0x1000");
	CHECK_OK(vfree(&t, 0xf8800000u, 4096));
	t_fini(&t);

	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf7800000u, 4096));
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_OK(vfree(&t, 0xf7800000u, 0));
	CHECK_OK(vmalloc(&t, 0xf7800000u, 4096));
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	t_fini(&t);
}

/*
 * A mapping across a 2 MiB boundary (map_vm_area's loop over PMDs): the
 * pages 0xf89fe000-0xf89ff000 are under PMD entry 452 of slot 3, the pages
 * 0xf8a00000-0xf8a01000 under entry 453, so pte_alloc_kernel() makes two
 * PTE pages and A, a copy made before, misses both entries; vfree clears
 * all four PTEs and keeps both pages.  A later vmalloc that runs into a
 * page mapped under entry 453 is refused at that page, with nothing of its
 * first 2 MiB mapped.
 */
static void test_vmalloc_across_pmd(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	uint64_t pte_pages = costs(&t)->pte_pages;
	CHECK_OK(vmalloc(&t, 0xf89fe000u, 0x4000));
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages + 2);
	CHECK(pgt_present(kpmd(&t, NULL, 3, 452)));
	CHECK(pgt_present(kpmd(&t, NULL, 3, 453)));
	CHECK(kpmd(&t, NULL, 3, 452) != kpmd(&t, NULL, 3, 453));
	CHECK_EQ_U64(st(&t, "A")->missing, 2);
	for (uint32_t va = 0xf89fe000u; va < 0xf8a02000u; va += 0x1000)
		CHECK(walk(&t, NULL, va).present);
	CHECK(!walk(&t, NULL, 0xf89fd000u).present);
	CHECK(!walk(&t, NULL, 0xf8a02000u).present);

	CHECK_OK(vfree(&t, 0xf89fe000u, 0));
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages + 2);
	for (uint32_t va = 0xf89fe000u; va < 0xf8a02000u; va += 0x1000) {
		struct pgt_walk w = walk(&t, NULL, va);
		CHECK(!w.present);
		CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	}

	CHECK_OK(vmalloc(&t, 0xf8a01000u, 0x1000));
	CHECK_ERR(vmalloc(&t, 0xf89ff000u, 0x3000), PGT_ERROR_INPUT,
		  "vmalloc [0xf89ff000, 0xf8a02000) overlaps a mapping at 0xf8a01000");
	CHECK(!walk(&t, NULL, 0xf89ff000u).present);
	CHECK(!walk(&t, NULL, 0xf8a00000u).present);
	CHECK(walk(&t, NULL, 0xf8a01000u).present);
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages + 2);
	t_fini(&t);
}

/*
 * vmalloc_sync_all() of the seed (fault.c):
 *
 *	static unsigned long start = TASK_SIZE;
 *	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
 *		if (!test_bit(pgd_index(address), insync)) {
 *			for each page on pgd_list:
 *				if (!vmalloc_sync_one(page_address(page), address))
 *					break;
 *			if (!page) set_bit(pgd_index(address), insync);
 *		}
 *		if (address == start && test_bit(pgd_index(address), insync))
 *			start = address + PGDIR_SIZE;
 *	}
 *
 * With PAE the stride is PGDIR_SIZE (1 GiB): on 3G/1G the first call looks
 * at address 0xc0000000 only -- PMD entry 0 of the kernel PMD, the direct
 * map, present everywhere, so nothing is written -- sets insync[3] and
 * start = 0xc0000000 + 0x40000000, which wraps to 0 in unsigned long; the
 * next address wraps to 0 too and the loop ends.  Every later call starts
 * at 0 < TASK_SIZE and does nothing.  A vmalloc'd entry (452) is never
 * synced.  Shared: returns at once (the seed's early return).
 */
static void test_sync_seed_3g(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 1);
	CHECK_EQ_U64(costs(&t)->sync_entries_examined, 1);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 0);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 452), 0);
	/* Never again. */
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_OK(vmalloc(&t, 0xf8a00000u, 4096));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->sync_calls, 3);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 2);
	CHECK_EQ_U64(st(&t, "B")->missing, 1);
	t_fini(&t);

	/* An empty pgd_list on the first call: insync[3] is set all the same. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 0);
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 1);
	t_fini(&t);

	/* Shared: if (SHARED_KERNEL_PMD) return; */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 0);
	CHECK_EQ_U64(costs(&t)->sync_entries_examined, 0);
	t_fini(&t);
}

/*
 * The seed's vmalloc_sync_all on 2G/2G: addresses 0x80000000 (slot 2,
 * entry 0) and 0xc0000000 (slot 3, entry 0), then the wrap: two walks in
 * the first call, none after.  With one pgd: 2 visits, nothing written.
 */
static void test_sync_seed_2g(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 2);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 2);
	CHECK_EQ_U64(costs(&t)->sync_entries_examined, 2);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 0);
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 2);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	t_fini(&t);
}

/*
 * vmalloc_sync_all() of Linux 2.6.35 (PMD_SIZE stride):
 *
 *	for (address = VMALLOC_START & PMD_MASK;
 *	     address >= TASK_SIZE && address < FIXADDR_TOP;
 *	     address += PMD_SIZE)
 *		list_for_each_entry(page, &pgd_list, lru)
 *			if (!vmalloc_sync_one(page_address(page), address))
 *				break;
 *
 * 3G/1G: 0xf8800000 .. 0xffe00000 is entries 452..511, 60 addresses, one
 * pgd_list walk each.  vmalloc_sync_one returns NULL when swapper has no
 * PMD entry, so the walk breaks after the first pgd.  By hand with A and B
 * allocated before a vmalloc at 0xf8800000: swapper has entries 452
 * (vmalloc), 510 (pkmap), 511 (fixmap): 3 x 2 visits; the other 57
 * addresses: 1 visit each.  60 walks, 63 visits (= entries examined), 2
 * written (entry 452 into A and B).
 */
static void test_sync_pmd(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_PMD,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 60);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 63);
	CHECK_EQ_U64(costs(&t)->sync_entries_examined, 63);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 2);
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	CHECK_EQ_U64(st(&t, "B")->missing, 0);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 452), kpmd(&t, NULL, 3, 452));
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 1);
	/* No insync bitmap: the second call does it all again. */
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 120);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 126);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 2);
	t_fini(&t);

	/* Shared: returns at once. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_PMD,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 0);
	t_fini(&t);

	/* 2G/2G: the vmalloc area is still slot 3, entries 452..511. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_PMD,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 60);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 60);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	t_fini(&t);
}

/*
 * vmalloc_fault() (2.6.21 do_page_fault, any address >= TASK_SIZE):
 * vmalloc_sync_one(__va(read_cr3()), address) copies swapper's PMD entry
 * into the faulting pgd when it is absent there -- one entry -- then the
 * fault is fixed if swapper's PTE is present; otherwise it returns -1 and
 * the kernel oopses (no_context), with the PMD entry already copied.  A
 * vmalloc fault taken in NMI context is the hazard (the fault's iret
 * re-enables NMIs).
 *
 * By hand: A and B allocated, then vmalloc 0xf8800000 (8K): A misses entry
 * 452.  An access from A faults once and copies it (A: 0 missing); the
 * next page of the same 2 MiB is then mapped without a fault.  An access
 * from B in NMI context: fault + hazard.  0xf9000000 was never mapped:
 * oops.
 */
static void test_vmalloc_fault(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A")); /* 1 */
	CHECK_OK(pgd_alloc(&t, "B")); /* 2 */
	CHECK_OK(pgd_alloc(&t, "C")); /* 3 */
	CHECK_OK(vmalloc(&t, 0xf8800000u, 8192)); /* 4 */
	CHECK_OK(acc(&t, 0xf8800000u, "A")); /* 5 */
	CHECK_EQ_U64(costs(&t)->faults, 1);
	CHECK_EQ_U64(st(&t, "A")->faults, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 452), kpmd(&t, NULL, 3, 452));
	CHECK_EQ_U64(st(&t, "A")->hazards, 0);
	CHECK_OK(acc(&t, 0xf8801000u, "A")); /* 6 */
	CHECK_EQ_U64(costs(&t)->faults, 1);
	/* B in NMI context. */
	CHECK_OK(access_ctx(&t, 0xf8801000u, "B", PGT_CTX_NMI)); /* 7 */
	CHECK_EQ_U64(costs(&t)->faults, 2);
	CHECK_EQ_U64(costs(&t)->hazards, 1);
	CHECK_EQ_U64(st(&t, "B")->faults, 1);
	CHECK_EQ_U64(st(&t, "B")->hazards, 1);
	CHECK_EQ_U64(st(&t, "B")->first_hazard_line, 7);
	CHECK(has_note(&t, PGT_NOTE_HAZARD, "B", 0xf8801000u, 7));
	for (size_t i = 0; i < pgt_model_nnotes(t.m); i++)
		if (pgt_model_note(t.m, i)->kind == PGT_NOTE_HAZARD) {
			CHECK(pgt_model_note(t.m, i)->has_ip);
			CHECK_EQ_U64(pgt_model_note(t.m, i)->ip, 0xc0123456);
		}
	/* Never mapped: vmalloc_sync_one finds no PMD in swapper; oops. */
	CHECK_OK(acc(&t, 0xf9000000u, "A")); /* 8 */
	CHECK_EQ_U64(st(&t, "A")->oopses, 1);
	CHECK_EQ_U64(costs(&t)->oopses, 1);
	CHECK(has_note(&t, PGT_NOTE_OOPS, "A", 0xf9000000u, 8));
	/* Through the pgd loaded on a cpu (switch). */
	struct pgt_event e = ev(&t, PGT_OP_SWITCH); /* 9 */
	e.pgd = id(&t, "C");
	e.cpu = 1;
	CHECK_OK(apply(&t, &e));
	e = ev(&t, PGT_OP_ACCESS); /* 10 */
	e.addr = 0xf8800000u;
	e.cpu = 1;
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(st(&t, "C")->faults, 1);
	CHECK_EQ_U64(st(&t, "C")->missing, 0);
	/* A direct-map address is mapped everywhere: no fault. */
	CHECK_OK(acc(&t, 0xc0000000u, "A"));
	CHECK_EQ_U64(costs(&t)->faults, 3);
	t_fini(&t);

	/*
	 * After vfree the PMD entry is still in swapper but the PTE is gone:
	 * vmalloc_fault copies the PMD entry, finds no PTE and the kernel
	 * oopses -- with the entry copied (D: 1 missing -> 0).
	 */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "D"));
	CHECK_OK(vmalloc(&t, 0xf8c00000u, 4096));
	CHECK_OK(vfree(&t, 0xf8c00000u, 0));
	CHECK_EQ_U64(st(&t, "D")->missing, 1);
	CHECK_OK(acc(&t, 0xf8c00000u, "D"));
	CHECK_EQ_U64(st(&t, "D")->oopses, 1);
	CHECK_EQ_U64(st(&t, "D")->faults, 0);
	CHECK_EQ_U64(st(&t, "D")->missing, 0);
	t_fini(&t);

	/* Shared: swapper's PMD is every pgd's; a vmalloc'd page never faults. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(access_ctx(&t, 0xf8800000u, "A", PGT_CTX_NMI));
	CHECK_EQ_U64(costs(&t)->faults, 0);
	CHECK_EQ_U64(costs(&t)->hazards, 0);
	t_fini(&t);
}

/*
 * One pgd faults in 120 kernel PMD entries that swapper alone populated
 * (2.6.21: vmalloc writes init_mm only): its copy holds each as a value
 * of its own, 120 of them, past the first two sizes the copy keeps them
 * in.  By hand (3G/1G, 512 MiB of lowmem: the vmalloc area starts at
 * 0xe0800000, kernel PMD entry 260 of slot 3): 1 pgd_alloc A; 2-121
 * vmalloc a page at the start of each 2 MiB from there (entries 260-379):
 * A misses 120; 122-241 A reads each page in reverse order, one vmalloc
 * fault each, and misses one fewer each time; 242 pgd_alloc B copies
 * swapper as it is now: nothing missing; 243 sync: vmalloc_sync_all finds
 * every pgd with every entry and writes none.
 */
static void test_many_faults(void)
{
	struct T t;
	if (!t_init_lowmem(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED,
			   PGT_SYNC_SEED, 0xc0000000u, 512 * MiB))
		return;
	const uint32_t base = 0xe0800000u;
	CHECK_OK(pgd_alloc(&t, "A"));
	for (uint32_t k = 0; k < 120; k++)
		CHECK_OK(vmalloc(&t, base + k * 0x200000u, 4096));
	CHECK_EQ_U64(st(&t, "A")->missing, 120);
	int bad = 0;
	for (uint32_t k = 120; k-- > 0;) {
		CHECK_OK(acc(&t, base + k * 0x200000u, "A"));
		bad += st(&t, "A")->missing != k;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(st(&t, "A")->faults, 120);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 120);
	CHECK_EQ_U64(st(&t, "A")->max_line, 121);
	bad = 0;
	for (int k = 0; k < 120; k++)
		bad += kpmd(&t, "A", 3, 260 + k) != kpmd(&t, NULL, 3, 260 + k) ||
		       !pgt_present(kpmd(&t, "A", 3, 260 + k)) ||
		       !walk(&t, "A", base + (uint32_t)k * 0x200000u).present;
	CHECK_EQ_U64(bad, 0);
	CHECK_OK(pgd_alloc(&t, "B")); /* 242 */
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "B")), 0);
	uint64_t written = costs(&t)->sync_entries_written;
	CHECK_OK(op(&t, PGT_OP_SYNC)); /* 243 */
	CHECK_EQ_U64(costs(&t)->sync_entries_written, written);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 337), kpmd(&t, NULL, 3, 337));
	t_fini(&t);
}

/*
 * 2.6.21, unshared, slabs destroyed only at a recorded reap: a freed pgd
 * stays on pgd_list (pgd_dtor has not run) until its object is allocated
 * again.  300 pgds; 250 of them freed in a scrambled order; 100 pgd_allocs,
 * whose objects are freed ones taken back: pgd_list holds 300 throughout.
 * A sync (2.6.35's, test_sync_pmd) walks it for each of the 60 addresses
 * of 0xf8800000..0xffe00000: every pgd on it, live or freed, where swapper
 * has an entry (510, pkmap, and 511, fixmap: a freed pgd's page still has
 * them), the first pgd only elsewhere: 2 x 300 + 58 = 658 visits a sync.
 * The model's list of freed pgds, put in list order only when a walk
 * needs it, stays consistent after every event (pgt_model_check).
 */
static void test_many_zombies(void)
{
	struct T t;
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	struct pgt_model_config cfg = {
		.policy = PGT_POLICY_UNSHARED, .sync = PGT_SYNC_PMD,
		.kernel = PGT_KERNEL_2_6_21, .machine = mach,
		.reap = PGT_REAP_RECORD,
	};
	if (!t_open(&t, &cfg))
		return;
	char name[16];
	int bad = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		CHECK_OK(pgd_alloc(&t, name));
	}
	CHECK_OK(op(&t, PGT_OP_SYNC));
	uint64_t visits = costs(&t)->pgd_list_visits;
	CHECK_EQ_U64(visits, 658);
	/* freed in the order 7i mod 251 (251 is prime): no order at all */
	for (int i = 1; i <= 250; i++) {
		snprintf(name, sizeof(name), "p%d", (7 * i) % 251);
		CHECK_OK(pgd_op(&t, PGT_OP_PGD_FREE, name));
		bad += pgt_model_check(t.m) != NULL;
		if (i == 120) {
			CHECK_OK(op(&t, PGT_OP_SYNC));
			CHECK_EQ_U64(costs(&t)->pgd_list_visits - visits, 658);
			visits = costs(&t)->pgd_list_visits;
		}
	}
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		CHECK_OK(pgd_alloc(&t, name));
		bad += pgt_model_check(t.m) != NULL;
	}
	/* 50 live before, 100 new live, 150 freed objects still on it */
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_visits - visits, 658);
	CHECK_EQ_U64(bad, 0);
	t_fini(&t);
}

/*
 * 2G/2G, 256 MiB of lowmem: two kernel PMD slots, and the vmalloc area
 * (from 0x90800000) in both: slot 2 from entry 132, slot 3 whole.  By
 * hand (2.6.21, unshared): 1 pgd_alloc A (both copies made now); 2
 * vmalloc 0x90800000 (slot 2 entry 132), 3 vmalloc 0xd0800000 (slot 3,
 * the same entry 132): init_mm alone gets each PTE page, A misses 2;
 * 4 A reads 0x90800000: a vmalloc fault copies slot 2 entry 132, the
 * other stays missing; 5 A reads 0xd0800000: the walk finds slot 3's
 * entry absent (slot 2's copy says nothing of it), a second fault.  Each
 * copy keeps its own explicit entry, and pgt_model_check (t_fini) holds
 * the record's summary of them (xsum) to both slots.
 */
static void test_faults_two_kernel_slots(void)
{
	struct T t;
	if (!t_init_lowmem(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED,
			   PGT_SYNC_SEED, 0x80000000u, 256 * MiB))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0x90800000u, 4096));
	CHECK_OK(vmalloc(&t, 0xd0800000u, 4096));
	CHECK_EQ_U64(st(&t, "A")->missing, 2);
	CHECK(pgt_present(kpmd(&t, NULL, 2, 132)));
	CHECK(pgt_present(kpmd(&t, NULL, 3, 132)));
	CHECK_OK(acc(&t, 0x90800000u, "A"));
	CHECK_EQ_U64(st(&t, "A")->faults, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	CHECK_EQ_U64(kpmd(&t, "A", 2, 132), kpmd(&t, NULL, 2, 132));
	CHECK(!pgt_present(kpmd(&t, "A", 3, 132)));
	CHECK(!walk(&t, "A", 0xd0800000u).present);
	CHECK_OK(acc(&t, 0xd0800000u, "A"));
	CHECK_EQ_U64(st(&t, "A")->faults, 2);
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 132), kpmd(&t, NULL, 3, 132));
	CHECK(walk(&t, "A", 0x90800000u).present);
	CHECK(walk(&t, "A", 0xd0800000u).present);
	t_fini(&t);
}

/*
 * Observed faults (fault records): the model "predicts" one where its MMU
 * walk through that pgd fails.  A fault at an address the pgd maps is
 * unpredicted.
 */
static void test_observed_faults(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	struct pgt_event e = ev(&t, PGT_OP_FAULT); /* 3 */
	e.addr = 0xf8800000u;
	e.pgd = id(&t, "A");
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(costs(&t)->observed_faults, 1);
	CHECK_EQ_U64(costs(&t)->observed_predicted, 1);
	CHECK(has_note(&t, PGT_NOTE_PREDICTED, "A", 0xf8800000u, 3));
	CHECK_EQ_U64(st(&t, "A")->missing, 0); /* the fault copied the entry */
	e = ev(&t, PGT_OP_FAULT); /* 4 */
	e.addr = 0xf8800000u;
	e.pgd = id(&t, "A");
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(costs(&t)->observed_faults, 2);
	CHECK_EQ_U64(costs(&t)->observed_predicted, 1);
	CHECK(has_note(&t, PGT_NOTE_UNPREDICTED, "A", 0xf8800000u, 4));
	t_fini(&t);
}

/*
 * change_page_attr() of 2.6.21 on a 2 MiB direct-map page:
 * __change_page_attr with prot != PAGE_KERNEL splits it
 * (split_large_page: a PTE page, the target page gets prot, the rest
 * ref_prot) and set_pmd_pte() writes init_mm's PMD entry, then -- unshared
 * only -- the same entry in every pgd on pgd_list.  Back to PAGE_KERNEL:
 * page_private (the count of non-default PTEs) drops to 0 and, with PSE,
 * revert_page() puts a large entry back through set_pmd_pte (another
 * broadcast) and the PTE page waits on df_list until global_flush_tlb().
 *
 * By hand: 0xc0800000 is entry 4, physical 0x800000, not text.  With A and
 * B: one broadcast, 2 visits, 2 entries written; A and B never differ
 * from swapper between events (max_divergent stays 0).  After the revert
 * the entry is 0x800000 | PAGE_KERNEL_LARGE.
 */
static void test_cpa_broadcast(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 4), 0x800000 | PAGE_KERNEL_LARGE);
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->cpa_splits, 1);
	CHECK_EQ_U64(costs(&t)->broadcasts, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 2);
	CHECK_EQ_U64(costs(&t)->broadcast_entries_written, 2);
	CHECK_EQ_U64(costs(&t)->pte_pages - t.boot.pte_pages, 1);
	uint64_t e = kpmd(&t, NULL, 3, 4);
	CHECK(pgt_present(e) && !pgt_large(e));
	/* set_pmd_pte(kpte, address, mk_pte(split, ref_prot)) */
	CHECK_EQ_U64(e & PGT_FLAGS_MASK, PAGE_KERNEL);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 4), e);
	CHECK_EQ_U64(kpmd(&t, "B", 3, 4), e);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 0);
	CHECK_EQ_U64(st(&t, "A")->first_divergence_line, 0);
	CHECK_EQ_U64(st(&t, "B")->max_divergent, 0);
	struct pgt_walk w = walk(&t, "A", 0xc0800000u);
	CHECK(w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_EQ_U64(w.pa, 0x800000);
	CHECK(!w.writable && w.nx);
	CHECK_EQ_U64(w.leaf, 0x800000 | PAGE_KERNEL_RO);
	w = walk(&t, "B", 0xc0801000u);
	CHECK_EQ_U64(w.leaf, 0x801000 | PAGE_KERNEL);
	CHECK(w.writable);

	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 1);
	CHECK_EQ_U64(costs(&t)->broadcasts, 2);
	CHECK_EQ_U64(costs(&t)->broadcast_entries_written, 4);
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 4), 0x800000 | PAGE_KERNEL_LARGE);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 4), 0x800000 | PAGE_KERNEL_LARGE);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 0);
	/* The PTE page is freed by global_flush_tlb, not before. */
	CHECK_EQ_U64(costs(&t)->pte_pages - t.boot.pte_pages, 1);
	CHECK_EQ_U64(costs(&t)->deferred_frees, 0);
	CHECK_OK(op(&t, PGT_OP_FLUSH));
	CHECK_EQ_U64(costs(&t)->deferred_frees, 1);
	CHECK_EQ_U64(costs(&t)->pte_pages, t.boot.pte_pages);

	/*
	 * page_private counts calls, not pages: two kernel_ro on the same
	 * page, one kernel -> count 1, no revert; a second kernel reverts.
	 */
	CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->cpa_splits, 2);
	CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 1);
	CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 2);
	CHECK_EQ_U64(kpmd(&t, "B", 3, 5), 0xa00000 | PAGE_KERNEL_LARGE);
	/* PAGE_KERNEL on a page that is still large: BUG(). */
	CHECK_EQ_U64(costs(&t)->bugs, 0);
	CHECK_OK(cpa(&t, 0xc0c00000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->bugs, 1);
	CHECK(has_note(&t, PGT_NOTE_BUG, NULL, 0xc0c00000u, 0));
	t_fini(&t);

	/* Shared: set_pmd_pte returns after init_mm; A sees it through it. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->broadcasts, 0);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 0);
	CHECK_EQ_U64(costs(&t)->cpa_splits, 1);
	CHECK(!walk(&t, "A", 0xc0800000u).writable);
	t_fini(&t);
}

/*
 * Regression (change_page_attr_2621, split ref_prot): 2.6.21
 * __change_page_attr picks the split's ref_prot by the large page's base,
 *
 *	ref_prot = ((address & LARGE_PAGE_MASK) < (unsigned long)&_etext)
 *		? PAGE_KERNEL_EXEC : PAGE_KERNEL;
 *
 * (revert_page uses the same test).  With _etext = 0xc0380000 (not 2 MiB
 * aligned), a cpa of 0xc03c0000 -- above _etext but in the large page
 * 0xc0200000..0xc0400000 that holds text -- splits with PAGE_KERNEL_EXEC:
 * the PDE becomes split | 0x163 and 0xc0200000 stays executable.
 */
static void test_cpa_text_ref_prot(void)
{
	struct T t;
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	mach.etext = 0xc0380000u;
	if (!t_init_machine(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED,
			    PGT_SYNC_SEED, &mach))
		return;
	CHECK(!walk(&t, NULL, 0xc0200000u).nx); /* boot: text, executable */
	CHECK_OK(cpa(&t, 0xc03c0000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 1) & PGT_FLAGS_MASK, PAGE_KERNEL_EXEC);
	struct pgt_walk w = walk(&t, NULL, 0xc0200000u);
	CHECK(w.present);
	CHECK(!w.nx);
	CHECK_EQ_U64(w.leaf & PGT_FLAGS_MASK, PAGE_KERNEL_EXEC);
	/* The target page itself gets the requested prot. */
	w = walk(&t, NULL, 0xc03c0000u);
	CHECK_EQ_U64(w.leaf & PGT_FLAGS_MASK, PAGE_KERNEL_RO);
	t_fini(&t);
}

/*
 * The use-after-free of the seed's slab timing (2.6.21, unshared): pgd_dtor
 * (pgd_list_del) runs only when the slab frees the object's page, not at
 * kmem_cache_free; pgd_free gives the kernel PMD page back with free_page
 * but the freed pgd stays constructed on pgd_list with its slot still
 * pointing there.  A later set_pmd_pte walks pgd_list and writes through
 * it into the freed page.  Reaping the cache (pgd_dtor) ends it.  6.1's
 * pgd_free calls pgd_dtor at once: no such write.
 *
 * By hand: 1 pgd_alloc A; 2 cpa 0xc0800000 kernel_ro (split while A is
 * live: 1 visit); 3 pgd_free A; 4 cpa 0xc0800000 kernel (revert_page ->
 * set_pmd_pte: allocates nothing, so A's old PMD page is still free; the
 * broadcast visits A and writes into it: 1 use-after-free write); 5 reap;
 * 6 cpa 0xc0a00000 kernel_ro: pgd_list is empty, no visit.
 */
static void test_uaf_broadcast(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A")); /* 1 */
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO)); /* 2 */
	CHECK_OK(pgd_free(&t, "A")); /* 3 */
	CHECK_EQ_U64(costs(&t)->uaf_writes, 0);
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL)); /* 4 */
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 2);
	CHECK_EQ_U64(costs(&t)->broadcast_entries_written, 2);
	CHECK_EQ_U64(costs(&t)->uaf_writes, 1);
	CHECK_EQ_U64(costs(&t)->corrupting_writes, 0);
	CHECK(has_note(&t, PGT_NOTE_UAF, "A", UINT64_MAX, 4));
	/* reap: kmem_cache_shrink -> pgd_dtor -> pgd_list_del. */
	CHECK_OK(op(&t, PGT_OP_REAP)); /* 5 */
	CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL_RO)); /* 6 */
	CHECK_EQ_U64(costs(&t)->broadcasts, 3);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 2);
	CHECK_EQ_U64(costs(&t)->uaf_writes, 1);
	t_fini(&t);

	/*
	 * The freed page reused: 1 pgd_alloc A, 2 pgd_free A, 3 cpa
	 * 0xc0800000 kernel_ro.  split_large_page's alloc_pages gets A's
	 * freed PMD page back at once (a hot page; the model's allocator is
	 * LIFO too), and the broadcast through A writes the new PDE into
	 * entry 4 of that PTE page: in the kernel 0xc0804000 would then map
	 * the PTE page itself.  The model counts it as a corrupting write
	 * and, by design (pmd_write_via), does not apply it.
	 */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	uint64_t old_kpmd = pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 3));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO)); /* 3 */
	CHECK_EQ_U64(pgt_entry_addr(kpmd(&t, NULL, 3, 4)), old_kpmd);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 1);
	CHECK_EQ_U64(costs(&t)->corrupting_writes, 1);
	CHECK_EQ_U64(costs(&t)->uaf_writes, 0);
	CHECK(has_note(&t, PGT_NOTE_CORRUPT, "A", old_kpmd + 8 * 4, 3));
	CHECK_EQ_U64(walk(&t, NULL, 0xc0804000u).pa, 0x804000); /* not applied */
	t_fini(&t);

	/* The same under 2.6.35's sync: vmalloc_sync_one writes through it. */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_PMD,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_OK(op(&t, PGT_OP_SYNC));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 60);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 60);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 1);
	CHECK_EQ_U64(costs(&t)->uaf_writes, 1);
	t_fini(&t);

	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->broadcasts, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 0);
	CHECK_EQ_U64(costs(&t)->uaf_writes + costs(&t)->corrupting_writes, 0);
	t_fini(&t);
}

/*
 * What makes "different" and "stale" reachable.  In the kernels modelled,
 * every write to swapper's kernel PMD either adds an entry (vmalloc:
 * "missing" in older pgds until synced or faulted in) or goes through
 * set_pmd_pte, which writes every pgd on pgd_list -- so a live pgd's copy
 * never holds a present entry that swapper lacks or has changed, except
 * through the use-after-free above: a freed pgd on pgd_list whose PMD page
 * was reused as another live pgd's kernel PMD.  On 2G/2G (two kernel
 * PMDs) a broadcast for slot 2 through the freed pgd writes slot 2's entry
 * into what is now a live pgd's slot 3 PMD.
 *
 * By hand (2G/2G, unshared; pgd_free frees slots 0..3 in order and the
 * allocator hands back the last page freed first):
 *  1 pgd_alloc A   2 pgd_alloc X
 *  3 pgd_free A    (A's slot 2 PMD page K is free; A stays on pgd_list)
 *  4 vmalloc 0xf8800000 (entry 452; its PTE page is A's slot 3 page)
 *  5 pgd_free X    6 vmalloc 0xf8c00000 (entry 454; X's slot 3 page)
 *  7 pgd_alloc C   (X's object; its slot 3 copy is page K)
 *  8 cpa 0xb8800000 (slot 2 entry 452): through A, K[452] = the split's
 *    PDE; swapper's slot 3 entry 452 is the vmalloc PTE page: C has one
 *    "different" entry, and C's 0xf8800000 now maps physical 0x38800000
 *    (0xb8800000 - 0x80000000) instead of the vmalloc'd page.
 *  9 cpa 0xb8a00000 (slot 2 entry 453): K[453] present, swapper's slot 3
 *    entry 453 absent: one "stale" entry.
 * Both writes went through a freed pgd into a page it no longer owns:
 * 2 use-after-free writes.
 */
static void test_stale_different(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "X"));
	uint64_t k = pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 2));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(pgd_free(&t, "X"));
	CHECK_OK(vmalloc(&t, 0xf8c00000u, 4096));
	CHECK_OK(pgd_alloc(&t, "C")); /* 7 */
	/* Precondition: C's slot 3 copy is A's old slot 2 page. */
	CHECK_EQ_U64(pgt_entry_addr(pdpte(&t, cr3(&t, "C"), 3)), k);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "C")), 0);
	uint64_t uaf0 = costs(&t)->uaf_writes + costs(&t)->corrupting_writes;

	CHECK_OK(cpa(&t, 0xb8800000u, 1, PGT_PROT_KERNEL_RO)); /* 8 */
	CHECK_EQ_U64(kpmd(&t, "C", 2, 452), kpmd(&t, NULL, 2, 452));
	CHECK_EQ_U64(kpmd(&t, "C", 3, 452), kpmd(&t, NULL, 2, 452));
	CHECK_EQ_U64(st(&t, "C")->different, 1);
	CHECK_EQ_U64(st(&t, "C")->stale, 0);
	CHECK_EQ_U64(st(&t, "C")->missing, 0);
	CHECK_EQ_U64(st(&t, "C")->first_divergence_line, 8);
	struct pgt_walk w = walk(&t, "C", 0xf8800000u);
	CHECK(w.present);
	CHECK_EQ_U64(w.pa, 0x38800000);

	CHECK_OK(cpa(&t, 0xb8a00000u, 1, PGT_PROT_KERNEL_RO)); /* 9 */
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 453), 0);
	CHECK(pgt_present(kpmd(&t, "C", 3, 453)));
	CHECK_EQ_U64(st(&t, "C")->stale, 1);
	CHECK_EQ_U64(st(&t, "C")->different, 1);
	CHECK_EQ_U64(st(&t, "C")->max_divergent, 2);
	CHECK_EQ_U64(st(&t, "C")->max_line, 9);
	/*
	 * Regression (set_pmd_pte, pmd_write_via): a page reached through a
	 * freed pgd that is now a live pgd's kernel PMD copy was once taken
	 * for that pgd's own copy of the broadcast slot: the write went
	 * uncounted and was accounted against the wrong slot (C's "different"
	 * underflowed to 0xffffffff).  The kernel wrote through a freed pgd
	 * twice, and the counts can never exceed the entries there are.
	 */
	CHECK(st(&t, "C")->different <= 2 * PGT_PTRS_PER_PMD);
	CHECK_EQ_U64(costs(&t)->uaf_writes + costs(&t)->corrupting_writes - uaf0, 2);

	/*
	 * vmalloc then maps that entry in swapper alone (pmd_populate_kernel,
	 * no broadcast in 2.6.21): C's stray entry, a value of C's own, now
	 * points elsewhere than swapper's (stale -> different), and C misses
	 * nothing there, unlike D, whose copy holds swapper's old entry.
	 */
	CHECK_OK(pgd_alloc(&t, "D")); /* 10 */
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "D")), 0);
	CHECK_OK(vmalloc(&t, 0xf8a00000u, 4096)); /* 11 */
	CHECK_EQ_U64(st(&t, "D")->missing, 1);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "D")), 1);
	CHECK_EQ_U64(st(&t, "D")->first_divergence_line, 11);
	CHECK(pgt_present(kpmd(&t, NULL, 3, 453)));
	CHECK(pgt_entry_addr(kpmd(&t, "C", 3, 453)) !=
	      pgt_entry_addr(kpmd(&t, NULL, 3, 453)));
	CHECK_EQ_U64(st(&t, "C")->stale, 0);
	CHECK_EQ_U64(st(&t, "C")->different, 2);
	CHECK_EQ_U64(st(&t, "C")->missing, 0);
	CHECK_EQ_U64(st(&t, "C")->max_divergent, 2);
	CHECK_EQ_U64(st(&t, "C")->max_line, 9);
	t_fini(&t);

	/*
	 * The same slot (3G/1G): freed A's slot 3 page reused as live C's
	 * slot 3 copy.  A broadcast reaches that page twice, through C and
	 * through A, writing the same value: C does not diverge, and the
	 * counts must not move twice.  By hand: 1-2 pgd_alloc A, X; 3-5 cpa
	 * kernel_ro at 0xc0800000, 0xc0a00000, 0xc0c00000 (3 split PTE pages);
	 * 6 pgd_free A; 7-9 cpa kernel on the three (revert_page: 3 writes
	 * through A into its still free page); 10 flush (the 3 PTE pages go
	 * back, last freed on top); 11 pgd_free X; 12-15 vmalloc in 4 new PMD
	 * entries (X's 4 pages); 16 pgd_alloc C: X's object, its 3 user PMDs
	 * are the PTE pages, its slot 3 copy is A's old page; 17 cpa kernel_ro
	 * 0xc1000000: 1 more write through A, into C's copy.
	 */
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "X"));
	k = pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 3));
	for (uint32_t a = 0xc0800000u; a <= 0xc0c00000u; a += 0x200000u)
		CHECK_OK(cpa(&t, a, 1, PGT_PROT_KERNEL_RO));
	CHECK_OK(pgd_free(&t, "A"));
	for (uint32_t a = 0xc0800000u; a <= 0xc0c00000u; a += 0x200000u)
		CHECK_OK(cpa(&t, a, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->uaf_writes, 3);
	CHECK_OK(op(&t, PGT_OP_FLUSH));
	CHECK_OK(pgd_free(&t, "X"));
	for (uint32_t a = 0xf8800000u; a <= 0xf8e00000u; a += 0x200000u)
		CHECK_OK(vmalloc(&t, a, 4096));
	CHECK_OK(pgd_alloc(&t, "C")); /* 16 */
	CHECK_EQ_U64(pgt_entry_addr(pdpte(&t, cr3(&t, "C"), 3)), k);
	CHECK_EQ_U64(st(&t, "C")->missing, 0);
	CHECK_OK(cpa(&t, 0xc1000000u, 1, PGT_PROT_KERNEL_RO)); /* 17 */
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "C")), 0);
	CHECK_EQ_U64(st(&t, "C")->max_divergent, 0);
	CHECK_EQ_U64(kpmd(&t, "C", 3, 8), kpmd(&t, NULL, 3, 8));
	CHECK_EQ_U64(costs(&t)->uaf_writes, 3);
	CHECK_EQ_U64(costs(&t)->corrupting_writes, 1);
	CHECK(has_note(&t, PGT_NOTE_CORRUPT, "A", k + 8 * 8, 17));
	t_fini(&t);
}

/*
 * vmalloc_sync_all() visits pgd_list from its head, the pgd added last
 * first: a live pgd with a value of its own and a freed one are visited in
 * that order, not as the model keeps them.  test_stale_different's steps
 * 1-9 (2G/2G, unshared, with 2.6.35's vmalloc_sync_one for every PMD
 * entry): C (X's object, constructed second) is nearer the head than
 * freed A.  10 sync: at 0xf8800000 (slot 3, entry 452) swapper
 * has the vmalloc PTE page; through C, page K holds the split's PDE there
 * (BUG_ON(pmd_page(*pmd) != pmd_page(*pmd_k)), noted at the address);
 * then through A, whose slot 3 page is now that very PTE page, entry 452
 * is empty: the sync writes the PDE into it (a corrupting write).  The
 * BUG_ON comes first.
 */
static void test_sync_list_order(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_PMD,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "X"));
	uint64_t a3 = pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 3));
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	CHECK_OK(pgd_free(&t, "X"));
	CHECK_OK(vmalloc(&t, 0xf8c00000u, 4096));
	CHECK_OK(pgd_alloc(&t, "C"));
	CHECK_OK(cpa(&t, 0xb8800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_OK(cpa(&t, 0xb8a00000u, 1, PGT_PROT_KERNEL_RO)); /* 9 */
	/* Precondition: A's old slot 3 page maps 0xf8800000 now. */
	CHECK_EQ_U64(pgt_entry_addr(kpmd(&t, NULL, 3, 452)), a3);
	CHECK_OK(op(&t, PGT_OP_SYNC)); /* 10 */
	size_t bug_c = note_index(&t, PGT_NOTE_BUG, "C", 0xf8800000u, 0);
	size_t corrupt_a = note_index(&t, PGT_NOTE_CORRUPT, "A", a3 + 8 * 452, 0);
	CHECK(bug_c != SIZE_MAX);
	CHECK(corrupt_a != SIZE_MAX);
	CHECK(bug_c < corrupt_a);
	t_fini(&t);
}

static struct pgt_error *pgd_alloc_pid(struct T *t, const char *pgd,
				       int32_t pid, const char *comm)
{
	struct pgt_event e = ev(t, PGT_OP_PGD_ALLOC);
	e.pgd = id(t, pgd);
	e.pid = pid;
	e.comm = id(t, comm);
	return apply(t, &e);
}

static struct pgt_error *task(struct T *t, int32_t pid, const char *comm)
{
	struct pgt_event e = ev(t, PGT_OP_TASK);
	e.pid = pid;
	e.comm = id(t, comm);
	return apply(t, &e);
}

/*
 * A task event (exec) renames the newest live pgd its pid allocated; when
 * that one is freed, the pid's older live pgd is the one renamed.  The
 * same for a pid the model keeps in its array and one past it (2^20).
 */
static void test_pid_records(void)
{
	static const int32_t pids[] = {7, (1 << 20) + 7};
	for (size_t k = 0; k < sizeof(pids) / sizeof(pids[0]); k++) {
		struct T t;
		if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
			    0xc0000000u))
			return;
		int32_t pid = pids[k];
		CHECK_OK(pgd_alloc_pid(&t, "A", pid, "sh"));
		CHECK_OK(task(&t, pid, "ls"));
		CHECK_EQ_U64(st(&t, "A")->comm, id(&t, "ls"));
		CHECK_OK(pgd_alloc_pid(&t, "B", pid, "ls"));
		CHECK_OK(task(&t, pid, "cat"));
		CHECK_EQ_U64(st(&t, "B")->comm, id(&t, "cat"));
		CHECK_EQ_U64(st(&t, "A")->comm, id(&t, "ls"));
		CHECK_OK(task(&t, pid + 1, "vi")); /* another pid: no change */
		CHECK_EQ_U64(st(&t, "B")->comm, id(&t, "cat"));
		CHECK_OK(pgd_free(&t, "B"));
		CHECK_OK(task(&t, pid, "vi"));
		CHECK_EQ_U64(st(&t, "A")->comm, id(&t, "vi"));
		CHECK_OK(pgd_free(&t, "A"));
		CHECK_OK(task(&t, pid, "x"));
		CHECK_OK(pgd_alloc_pid(&t, "C", pid, "y"));
		CHECK_EQ_U64(st(&t, "C")->comm, id(&t, "y"));
		t_fini(&t);
	}
}

/*
 * 6.1 pgd_alloc: _pgd_alloc is a 32-byte kmem_cache object when
 * SHARED_KERNEL_PMD (!PTI), else __get_free_pages(PGD_ALLOCATION_ORDER=1):
 * an 8 KiB, 8 KiB-aligned pair, the user half at +4096
 * (kernel_to_user_pgdp).  preallocate_pmds: UNSHARED_PTRS_PER_PGD PMDs,
 * plus PREALLOCATED_USER_PMDS = KERNEL_PGD_PTRS for the user half with
 * PTI; pgd_prepopulate_pmd memcpy's swapper's kernel PMD, 
 * pgd_prepopulate_user_pmd memcpy's the user half of swapper_pg_dir.
 * 3G/1G PTI: 5 PMD pages, 2 copied (1024 entries).
 */
static void test_61_pgd_alloc(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 32);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 3);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 0);
	CHECK_EQ_U64(pdpte(&t, cr3(&t, "A"), 3), pdpte(&t, cr3(&t, NULL), 3));
	t_fini(&t);

	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pgd_bytes - t.boot.pgd_bytes, 8192);
	CHECK_EQ_U64(st(&t, "A")->pa & 8191, 0);
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 5);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 2);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 1024);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 0), kpmd(&t, NULL, 3, 0));
	/* The user half shares the user PMDs (pti_set_user_pgtbl). */
	uint64_t user_cr3 = cr3(&t, "A") + 4096;
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(pdpte(&t, user_cr3, i), pdpte(&t, cr3(&t, "A"), i));
	CHECK(pgt_present(pdpte(&t, user_cr3, 3)));
	CHECK(pdpte(&t, user_cr3, 3) != pdpte(&t, cr3(&t, "A"), 3));
	/*
	 * Regression (op_pgd_alloc, 6.1 PTI user half): the user half's kernel
	 * PMD is copied from kernel_to_user_pgdp(swapper_pg_dir), which
	 * pti_clone_user_shared() filled at the PMD level with the
	 * cpu_entry_area only ("Cloning that would map the whole address
	 * space into the user page-tables, making PTI useless"), plus the
	 * entry text.  The direct map is not in the user half: 0xd0000000
	 * must not be mapped there (the model once copied swapper's kernel
	 * PMD).
	 */
	CHECK(!walk_cr3(&t, user_cr3, 0xd0000000u).present);
	CHECK(walk(&t, "A", 0xd0000000u).present);
	/*
	 * free_pages() leaves a page's contents as they were: the user half's
	 * kernel PMD page reads the same once pgd_free gave it back (the
	 * model keeps it as a view of swapper's user half instead of copying
	 * it at free).
	 */
	struct pgt_physmem mem = pgt_model_physmem(t.m);
	uint64_t uh_pmd = pgt_entry_addr(pdpte(&t, user_cr3, 3));
	uint64_t before[PGT_PTRS_PER_PMD], after[PGT_PTRS_PER_PMD];
	int present = 0;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		CHECK_OK(pgt_physmem_read_u64(&mem, uh_pmd + 8 * (uint64_t)i, &before[i]));
		present += pgt_present(before[i]);
	}
	CHECK(present > 0);
	CHECK_OK(pgd_free(&t, "A"));
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		CHECK_OK(pgt_physmem_read_u64(&mem, uh_pmd + 8 * (uint64_t)i, &after[i]));
		CHECK_EQ_U64(after[i], before[i]);
	}
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 0);
	CHECK_EQ_U64(costs(&t)->pmd_pages, t.boot.pmd_pages);
	CHECK_EQ_U64(costs(&t)->pgd_bytes, t.boot.pgd_bytes);
	t_fini(&t);

	/*
	 * Regression (op_pgd_alloc/op_pgd_free, 6.1 PTI with two kernel
	 * slots): 2G/2G has KERNEL_PGD_PTRS = 2 user-half PMDs; pgd_free
	 * (pgd_mop_up_pmds + the user half's) gives both back.  The model
	 * once kept only the last, leaking a page and a kernel_pmd_copies.
	 */
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0x80000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(costs(&t)->pmd_pages - t.boot.pmd_pages, 6);
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 4);
	CHECK_EQ_U64(costs(&t)->pmd_copy_entries, 2048);
	CHECK_OK(pgd_free(&t, "A"));
	CHECK_EQ_U64(costs(&t)->kernel_pmd_copies, 0);
	CHECK_EQ_U64(costs(&t)->pmd_pages, t.boot.pmd_pages);
	t_fini(&t);
}

/*
 * 6.1 vmalloc: vmap_pages_range_noflush sets PGTBL_PMD_MODIFIED when
 * pte_alloc_kernel populated a PMD entry, and ARCH_PAGE_TABLE_SYNC_MASK
 * (PGTBL_PMD_MODIFIED when !SHARED_KERNEL_PMD) makes it call
 * arch_sync_kernel_mappings(start, end):
 *
 *	for (addr = start & PMD_MASK;
 *	     addr >= TASK_SIZE_MAX && addr < VMALLOC_END; addr += PMD_SIZE)
 *		list_for_each_entry(page, &pgd_list, lru)
 *			vmalloc_sync_one(page_address(page), addr);
 *
 * no break, every pgd on the list, presence synced both ways.  By hand
 * (3G/1G): from 0xf7800000 to 0xfee00000 is (0xfee00000 - 0xf7800000) /
 * 2 MiB + 1 = 60 addresses; with A and B, 120 visits, 2 written (entry 444
 * into each), and at the end of the event nothing diverges: max_divergent
 * stays 0.  A second vmalloc in the same PMD entry modifies no PMD: no
 * sync.  One at 0xf7a00000 (entry 445): 59 more walks.
 */
static void test_61_arch_sync(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_EQ_U64(pgt_pmd_index(0xf7800000u), 444);
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(pgd_alloc(&t, "B"));
	CHECK_OK(vmalloc(&t, 0xf7800000u, 4096));
	/* 6.1's pmd_populate_kernel(): _PAGE_TABLE, USER included */
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 444) & PGT_FLAGS_MASK, PGT_PAGE_TABLE);
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 60);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 120);
	CHECK_EQ_U64(costs(&t)->sync_entries_examined, 120);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 2);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 444), kpmd(&t, NULL, 3, 444));
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 0);
	CHECK_EQ_U64(st(&t, "A")->first_divergence_line, 0);
	CHECK_EQ_U64(st(&t, "B")->max_divergent, 0);
	CHECK_OK(vmalloc(&t, 0xf7801000u, 4096));
	CHECK_EQ_U64(costs(&t)->sync_calls, 1);
	CHECK_OK(vmalloc(&t, 0xf7a00000u, 4096));
	CHECK_EQ_U64(costs(&t)->sync_calls, 2);
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 119);
	CHECK_EQ_U64(costs(&t)->sync_entries_written, 4);
	/* pgd_dtor at pgd_free: B leaves pgd_list at once. */
	CHECK_OK(pgd_free(&t, "B"));
	CHECK_OK(vmalloc(&t, 0xf7c00000u, 4096));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 119 + 58);
	CHECK_EQ_U64(costs(&t)->pgd_list_visits, 120 + 118 + 58);
	/* An unmapped vmalloc address: vmalloc_fault finds nothing, oops. */
	CHECK_OK(acc(&t, 0xf8000000u, "A"));
	CHECK_EQ_U64(st(&t, "A")->oopses, 1);
	CHECK_EQ_U64(st(&t, "A")->faults, 0);
	t_fini(&t);

	/* Shared: the mask is 0; nothing is synced, nothing is missing. */
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf7800000u, 4096));
	CHECK_EQ_U64(costs(&t)->pgd_list_walks, 0);
	CHECK(walk(&t, "A", 0xf7800000u).present);
	t_fini(&t);
}

/*
 * 6.1 change_page_attr: __split_large_page installs the PTE page with
 * __set_pmd_pte(kpte, address, mk_pte(base, __pgprot(_KERNPG_TABLE))),
 * broadcast over pgd_list when !SHARED_KERNEL_PMD; there is no revert.  A
 * request covering a whole aligned 2 MiB keeps it large
 * (should_split_large_page) and changes the PDE in place.  6.1
 * set_memory_* works on any kernel address (module text in the vmalloc
 * area), not only the direct map.
 */
static void test_61_cpa(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->cpa_splits, 1);
	CHECK_EQ_U64(costs(&t)->broadcasts, 1);
	CHECK_EQ_U64(costs(&t)->broadcast_entries_written, 1);
	CHECK_EQ_U64(kpmd(&t, NULL, 3, 4) & PGT_FLAGS_MASK, PGT_KERNPG_TABLE);
	CHECK_EQ_U64(kpmd(&t, "A", 3, 4), kpmd(&t, NULL, 3, 4));
	CHECK(!walk(&t, "A", 0xc0800000u).writable);
	CHECK(walk(&t, "A", 0xc0801000u).writable);
	CHECK_EQ_U64(st(&t, "A")->max_divergent, 0);
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 0);
	CHECK(walk(&t, "A", 0xc0800000u).writable);
	CHECK_EQ_U64(walk(&t, "A", 0xc0800000u).level, PGT_LEVEL_PTE);
	/* A whole aligned large page: no split, the PDE changes, broadcast. */
	CHECK_OK(cpa(&t, 0xc0a00000u, 512, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->cpa_splits, 1);
	CHECK_EQ_U64(costs(&t)->broadcasts, 2);
	CHECK(pgt_large(kpmd(&t, "A", 3, 5)));
	CHECK(!walk(&t, "A", 0xc0a00000u).writable);
	/* A vmalloc'd page (outside the direct map) is no error on 6.1. */
	CHECK_OK(vmalloc(&t, 0xf7800000u, 4096));
	CHECK_OK(cpa(&t, 0xf7800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK(!walk(&t, NULL, 0xf7800000u).writable);
	t_fini(&t);
}

/*
 * PSE off: kernel_physical_mapping_init maps lowmem through PTE pages
 * (one_page_table_init), PageReserved.  3G/1G, 896 MiB: 448 PTE pages,
 * plus pkmap's and the fixmap's: 450.  cpa changes a PTE in place: no
 * split, no set_pmd_pte, no broadcast; back to PAGE_KERNEL never reverts
 * (!cpu_has_pse, and the page is reserved).
 */
static void test_pse_off(void)
{
	struct T t;
	struct pgt_machine mach;
	pgt_machine_init(&mach);
	mach.pse = false;
	if (!t_init_machine(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED,
			    PGT_SYNC_SEED, &mach))
		return;
	CHECK_EQ_U64(t.boot.pte_pages, 450);
	struct pgt_walk w = walk(&t, NULL, 0xc0000000u);
	CHECK(w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_EQ_U64(w.page_size, 4096);
	w = walk(&t, NULL, 0xf7fff123u);
	CHECK(w.present);
	CHECK_EQ_U64(w.pa, 0x37fff123);
	CHECK(!walk(&t, NULL, 0xf8000000u).present);
	/*
	 * 2.6.21's is_kernel_text() is PAGE_OFFSET <= addr <= __init_end (the
	 * machine's init_end, 4 MiB past _text by default: 0xc0500000): the
	 * first MiB below _text is executable too, and so is the page at
	 * 0xc0500000 itself (<=); the next one is NX.  _etext (0xc0400000)
	 * plays no part here.
	 */
	CHECK(!walk(&t, NULL, 0xc0000000u).nx);
	CHECK(!walk(&t, NULL, 0xc0100000u).nx);
	CHECK(!walk(&t, NULL, 0xc0401000u).nx);
	CHECK(!walk(&t, NULL, 0xc0500000u).nx);
	CHECK(walk(&t, NULL, 0xc0501000u).nx);
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(kpmd(&t, "A", 3, 4), kpmd(&t, NULL, 3, 4));
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
	CHECK_EQ_U64(costs(&t)->cpa_splits, 0);
	CHECK_EQ_U64(costs(&t)->broadcasts, 0);
	CHECK(!walk(&t, "A", 0xc0800000u).writable);
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL));
	CHECK_EQ_U64(costs(&t)->cpa_reverts, 0);
	CHECK(walk(&t, "A", 0xc0800000u).writable);
	CHECK_EQ_U64(costs(&t)->pte_pages, 450);
	CHECK_EQ_U64(pgt_pgd_divergent(st(&t, "A")), 0);
	t_fini(&t);
}


/*
 * Item 11 of issue 9.  do_page_fault() of 2.6.21: "if (!(error_code &
 * 0x0000000d) && vmalloc_fault(address) >= 0) return;" -- a fault with
 * PROT (1), USER (4) or RSVD (8) set never reaches vmalloc_fault(); 6.1
 * tests X86_PF_RSVD | X86_PF_USER | X86_PF_PROT, the same 0xd.  A write
 * (W = 2) or an instruction fetch (I = 0x10) still does.  And 2.6.35's
 * vmalloc_fault() (the kernel of --sync=pmd) returns -1 outside
 * [VMALLOC_START, VMALLOC_END): a fault on the pkmap area (0xffc00000,
 * PDE 510, populated at boot) is not fixed there, while 2.6.21's takes any
 * address >= TASK_SIZE.
 */
static void test_fault_error_code(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(vmalloc(&t, 0xf8800000u, 4096));
	struct pgt_event e = ev(&t, PGT_OP_FAULT);
	e.addr = 0xf8800000u;
	e.pgd = id(&t, "A");
	e.has_error = true;
	e.error = 0x1; /* PROT */
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(st(&t, "A")->oopses, 1);
	CHECK_EQ_U64(st(&t, "A")->faults, 0);
	CHECK_EQ_U64(st(&t, "A")->missing, 1);
	e = ev(&t, PGT_OP_FAULT);
	e.addr = 0xf8800000u;
	e.pgd = id(&t, "A");
	e.has_error = true;
	e.error = 0x8; /* RSVD */
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(st(&t, "A")->oopses, 2);
	e = ev(&t, PGT_OP_FAULT);
	e.addr = 0xf8800000u;
	e.pgd = id(&t, "A");
	e.has_error = true;
	e.error = 0x12; /* W | I: no bit of 0xd */
	CHECK_OK(apply(&t, &e));
	CHECK_EQ_U64(st(&t, "A")->faults, 1);
	CHECK_EQ_U64(st(&t, "A")->missing, 0);
	t_fini(&t);

	/*
	 * A 6.1 recording replayed under 2.6.21 rules, lowmem 0x36ffe000
	 * (high_memory 0xf6ffe000): 6.1's VMALLOC_START is 0xf77fe000, in
	 * 2.6.21's hole ((0xf6ffe000 + 16 MiB - 1) & ~(8 MiB - 1) =
	 * 0xf7800000).  A vmalloc there writes swapper's PDE 443; A faults on
	 * it: 2.6.21's vmalloc_fault copies it (a fault), 2.6.35's refuses an
	 * address below VMALLOC_START (an oops).
	 */
	for (int k = 0; k < 2; k++) {
		struct pgt_machine mach;
		pgt_machine_init(&mach);
		mach.lowmem = 0x36ffe000;
		memset(&t, 0, sizeof(t));
		struct pgt_model_config cfg = {
			.policy = PGT_POLICY_UNSHARED,
			.sync = k ? PGT_SYNC_PMD : PGT_SYNC_SEED,
			.kernel = PGT_KERNEL_2_6_21, .trace_kernel = PGT_KERNEL_6_1,
			.machine = mach,
		};
		if (!CHECK_OK(pgt_strtab_create(&t.tab)))
			return;
		if (!CHECK_OK(pgt_model_create(&cfg, &t.m))) {
			pgt_strtab_destroy(t.tab);
			return;
		}
		CHECK_OK(pgd_alloc(&t, "A"));
		CHECK_OK(vmalloc(&t, 0xf77fe000u, 4096));
		CHECK_EQ_U64(pgt_pmd_index(0xf77fe000u), 443);
		CHECK_EQ_U64(st(&t, "A")->missing, 1);
		CHECK_OK(acc(&t, 0xf77fe000u, "A"));
		CHECK_EQ_U64(st(&t, "A")->faults, k ? 0 : 1);
		CHECK_EQ_U64(st(&t, "A")->oopses, k ? 1 : 0);
		t_fini(&t);
	}
}

/*
 * Item 10 of issue 9.  2.6.21's __PAGE_KERNEL_NOCACHE is __PAGE_KERNEL |
 * _PAGE_PCD: 0x8000000000000173 (P|RW|PCD|A|D|G|NX); 6.1's adds PWT (UC in
 * the PAT): 0x800000000000017b.  cpa prot=kernel_nocache on 0xc0800000.
 */
static void test_nocache(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_NOCACHE));
	CHECK_EQ_U64(walk(&t, NULL, 0xc0800000u).leaf, 0x800000 | PAGE_KERNEL | 0x10);
	t_fini(&t);
	if (!t_init(&t, PGT_KERNEL_6_1, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_OK(cpa(&t, 0xc8000000u, 1, PGT_PROT_KERNEL_NOCACHE));
	CHECK_EQ_U64(walk(&t, NULL, 0xc8000000u).leaf, 0x8000000 | PAGE_KERNEL | 0x18);
	t_fini(&t);
}


/*
 * Item 8 of issue 9: 2.6.21's pgd cache as mm/slab.c runs it.  Unshared:
 * PAGE_SIZE objects, one per slab; enable_cpucache(): limit 24, batchcount
 * 12, shared array 8 * 12 = 96 (SMP); one CPU online (every event on cpu
 * 0): free_limit = (1 + 1) * 12 + 1 = 25.  160 pgds allocated, then freed
 * in that order.  Frees 1..24 fill the CPU's array; from the 25th on, each
 * 12th free (25, 37, ... 109) moves the oldest 12 to the shared array,
 * which is full (96: objects 1..96) after the 109th.  The 121st finds it
 * full: free_block(97..108) (free_objects 1..12, kept); the 133rd
 * free_block(109..120) (13..24, kept); the 145th free_block(121..132):
 * 121 makes 25, kept (25 > 25 is false), 122..132 make 26 > 25 and are
 * destroyed; the 157th: 133..144 destroyed.  pgd_dtor took 23 pgds off
 * pgd_list: 137 stay, and a cpa split's broadcast visits them.  With
 * --reap=record nothing is destroyed: 160.
 *
 * cache_reap, from the first timed event t0.  t0 + 2 s: the array was
 * touched (by the allocations): the flag is cleared.  t0 + 4 s: the array
 * gives back (24 + 4) / 5 = 5 objects (destroyed: free_objects is 25), and
 * the node part runs: the shared array (never touched) gives back
 * (96 + 4) / 5 = 20 (destroyed); free_touched (set by every refill that
 * found no partial slab) is cleared instead of draining the free list.
 * 112 stay.  t0 + 6 s and t0 + 8 s: 5 more each from the array, at 8 s 20
 * more from the shared array and drain_freelist() of
 * (25 + 5 * 1 - 1) / (5 * 1) = 5 free slabs: 77 stay.  A reap record
 * (kmem_cache_shrink) destroys every free object: 0.
 */
static void test_slab_free_limit(void)
{
	for (int k = 0; k < 2; k++) {
		struct T t;
		struct pgt_machine mach;
		pgt_machine_init(&mach);
		memset(&t, 0, sizeof(t));
		struct pgt_model_config cfg = {
			.policy = PGT_POLICY_UNSHARED, .sync = PGT_SYNC_SEED,
			.kernel = PGT_KERNEL_2_6_21, .machine = mach,
			.reap = k ? PGT_REAP_RECORD : PGT_REAP_SLAB,
		};
		if (!CHECK_OK(pgt_strtab_create(&t.tab)))
			return;
		if (!CHECK_OK(pgt_model_create(&cfg, &t.m))) {
			pgt_strtab_destroy(t.tab);
			return;
		}
		char name[16];
		uint64_t t0 = UINT64_C(1000000000);
		for (int i = 1; i <= 160; i++) {
			snprintf(name, sizeof(name), "p%d", i);
			struct pgt_event e = ev(&t, PGT_OP_PGD_ALLOC);
			e.pgd = id(&t, name);
			e.cpu = 0;
			e.t_ns = t0;
			CHECK_OK(apply(&t, &e));
		}
		for (int i = 1; i <= 160; i++) {
			snprintf(name, sizeof(name), "p%d", i);
			struct pgt_event e = ev(&t, PGT_OP_PGD_FREE);
			e.pgd = id(&t, name);
			e.cpu = 0;
			e.t_ns = t0;
			CHECK_OK(apply(&t, &e));
		}
		CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
		CHECK_EQ_U64(costs(&t)->pgd_list_visits, k ? 160 : 137);
		struct pgt_event e = ev(&t, PGT_OP_FLUSH);
		e.cpu = 0;
		e.t_ns = t0 + UINT64_C(4000000000);
		CHECK_OK(apply(&t, &e));
		CHECK_OK(cpa(&t, 0xc0a00000u, 1, PGT_PROT_KERNEL_RO));
		CHECK_EQ_U64(costs(&t)->pgd_list_visits, k ? 320 : 137 + 112);
		e = ev(&t, PGT_OP_FLUSH);
		e.cpu = 0;
		e.t_ns = t0 + UINT64_C(8000000000);
		CHECK_OK(apply(&t, &e));
		CHECK_OK(cpa(&t, 0xc0c00000u, 1, PGT_PROT_KERNEL_RO));
		CHECK_EQ_U64(costs(&t)->pgd_list_visits, k ? 480 : 137 + 112 + 77);
		/* kmem_cache_shrink (a reap record): every free object goes */
		CHECK_OK(op(&t, PGT_OP_REAP));
		CHECK_OK(cpa(&t, 0xc0e00000u, 1, PGT_PROT_KERNEL_RO));
		CHECK_EQ_U64(costs(&t)->pgd_list_visits, k ? 480 : 137 + 112 + 77);
		CHECK_EQ_U64(costs(&t)->broadcasts, 4);
		t_fini(&t);
	}
}

/*
 * Items 8 and 10: shared 2.6.21 pgds are 32-byte objects aligned to 32,
 * with the slab management on the slab: cache_estimate() fits
 * (4096 - 28) / (32 + 4) = 113, and the objects start after
 * 28 + 4 * 113 = 480 bytes (0x1e0).  limit 120, batchcount 60.  The first
 * kmem_cache_alloc finds an array never touched: cache_alloc_refill takes
 * BATCHREFILL_LIMIT = 16 objects (0..15) and hands out the last (LIFO):
 * 0x1e0 + 15 * 32 = 0x3c0 into the page; the second 0x3a0.  From then on
 * the array is touched: the refill at pgd 17 takes 60 (16..75), pgd 17 is
 * object 75 (0xb40); at pgd 77 the slab's last 37 (76..112): pgd 77 is
 * object 112 (0xfe0), pgd 113 object 76 (0xb60); pgd 114 needs a new
 * slab, refilled with 60: object 59 (0x940) of another page.
 */
static void test_slab_shared_objects(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_SHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	char name[16];
	for (int i = 1; i <= 114; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		CHECK_OK(pgd_alloc(&t, name));
	}
	uint64_t page = st(&t, "p1")->pa & ~UINT64_C(0xfff);
	CHECK_EQ_U64(st(&t, "p1")->pa, page + 0x3c0);
	CHECK_EQ_U64(st(&t, "p2")->pa, page + 0x3a0);
	CHECK_EQ_U64(st(&t, "p17")->pa, page + 0xb40);
	CHECK_EQ_U64(st(&t, "p77")->pa, page + 0xfe0);
	CHECK_EQ_U64(st(&t, "p113")->pa, page + 0xb60);
	CHECK(st(&t, "p114")->pa >> 12 != page >> 12);
	CHECK_EQ_U64(st(&t, "p114")->pa & 0xfff, 0x940);
	t_fini(&t);
}

/*
 * Item 9 of issue 9: which freed page a page table gets.  Unshared
 * 2.6.21: A is allocated on cpu 0 and freed on cpu 1: its object waits in
 * cpu 1's array cache, still on pgd_list; its pages go back in the order
 * pmd_cache_free() frees them, user slots 0..2, then the kernel PMD copy
 * of slot 3, last.  B is allocated on cpu 0: an empty array, no free slab:
 * cache_grow() takes a page for a new slab.  With --page-reuse=lifo that
 * page is the last freed, A's slot-3 copy: a broadcast through A (cpa's
 * set_pmd_pte) writes into B's pgd page (a write into a reused page
 * table).  With none it is a never-used page, and the write lands in a
 * freed page.
 */
static void test_page_reuse(void)
{
	for (int k = 0; k < 2; k++) {
		struct T t;
		struct pgt_machine mach;
		pgt_machine_init(&mach);
		memset(&t, 0, sizeof(t));
		struct pgt_model_config cfg = {
			.policy = PGT_POLICY_UNSHARED, .sync = PGT_SYNC_SEED,
			.kernel = PGT_KERNEL_2_6_21, .machine = mach,
			.page_reuse = k ? PGT_REUSE_NONE : PGT_REUSE_LIFO,
		};
		if (!CHECK_OK(pgt_strtab_create(&t.tab)))
			return;
		if (!CHECK_OK(pgt_model_create(&cfg, &t.m))) {
			pgt_strtab_destroy(t.tab);
			return;
		}
		CHECK_OK(pgd_alloc(&t, "A"));
		uint64_t a3 = pgt_entry_addr(pdpte(&t, cr3(&t, "A"), 3));
		struct pgt_event e = ev(&t, PGT_OP_PGD_FREE);
		e.pgd = id(&t, "A");
		e.cpu = 1;
		CHECK_OK(apply(&t, &e));
		CHECK_OK(pgd_alloc(&t, "B"));
		uint64_t b = st(&t, "B")->pa & ~UINT64_C(0xfff);
		if (k)
			CHECK(b != a3);
		else
			CHECK_EQ_U64(b, a3);
		CHECK_OK(cpa(&t, 0xc0800000u, 1, PGT_PROT_KERNEL_RO));
		CHECK_EQ_U64(costs(&t)->corrupting_writes, k ? 0 : 1);
		CHECK_EQ_U64(costs(&t)->uaf_writes, k ? 1 : 0);
		t_fini(&t);
	}
}

/* Events the model cannot take: PGT_ERROR_INPUT saying what is wrong. */
static void test_errors(void)
{
	struct T t;
	if (!t_init(&t, PGT_KERNEL_2_6_21, PGT_POLICY_UNSHARED, PGT_SYNC_SEED,
		    0xc0000000u))
		return;
	CHECK_ERR(acc(&t, 0xf8800000u, "Z"), PGT_ERROR_INPUT,
		  "access through a pgd no pgd_alloc named");
	CHECK_ERR(pgd_free(&t, "Z"), PGT_ERROR_INPUT,
		  "pgd_free of a pgd no pgd_alloc named");
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_ERR(pgd_alloc(&t, "A"), PGT_ERROR_INPUT,
		  "pgd is already allocated (no pgd_free since its pgd_alloc)");
	CHECK_OK(pgd_free(&t, "A"));
	/* The model remembers where a pgd was freed and says so. */
	CHECK_ERR(pgd_free(&t, "A"), PGT_ERROR_INPUT,
		  "pgd_free of a pgd that was freed at line 5 (no pgd_alloc since)");
	CHECK_ERR(acc(&t, 0xc0000000u, "A"), PGT_ERROR_INPUT,
		  "access through a pgd that was freed at line 5 (no pgd_alloc since)");
	struct pgt_event e = ev(&t, PGT_OP_SWITCH);
	e.pgd = id(&t, "A");
	CHECK_ERR(apply(&t, &e), PGT_ERROR_INPUT,
		  "switch to a pgd that was freed at line 5 (no pgd_alloc since)");
	CHECK_ERR(acc(&t, 0xc0000000u, NULL), PGT_ERROR_INPUT,
		  "no pgd= given and none loaded on cpu 0 (see switch)");
	/* An ID may be reused after pgd_free: a new record.  The freed one
	 * never diverged or faulted: it is counted and dropped, not kept. */
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(pgt_model_npgds(t.m), 1);
	CHECK_EQ_U64(pgt_model_pgds_dropped(t.m), 1);
	CHECK_EQ_U64(pgt_model_pgd(t.m, 0)->serial, 2);
	CHECK_ERR(acc(&t, 0x1000, "A"), PGT_ERROR_INPUT,
		  "0x1000 is a user address; pgtrace models kernel addresses");

	CHECK_ERR(vmalloc(&t, 0xf8000000u, 4096), PGT_ERROR_INPUT,
		  "vmalloc [0xf8000000, 0xf8001000) is outside the vmalloc area [0xf8800000, 0xffbfe000)");
	CHECK_ERR(vmalloc(&t, 0xffbfd000u, 8192), PGT_ERROR_INPUT,
		  "vmalloc [0xffbfd000, 0xffbff000) is outside the vmalloc area [0xf8800000, 0xffbfe000)");
	CHECK_ERR(vmalloc(&t, 0xf8800800u, 4096), PGT_ERROR_INPUT,
		  "vmalloc address and size must be non-zero multiples of 4K");
	CHECK_ERR(vmalloc(&t, 0xf8800000u, 0), PGT_ERROR_INPUT,
		  "vmalloc address and size must be non-zero multiples of 4K");
	CHECK_OK(vmalloc(&t, 0xf8800000u, 8192));
	uint64_t pte_pages = costs(&t)->pte_pages;
	CHECK_ERR(vmalloc(&t, 0xf8801000u, 8192), PGT_ERROR_INPUT,
		  "vmalloc [0xf8801000, 0xf8803000) overlaps a mapping at 0xf8801000");
	CHECK_EQ_U64(costs(&t)->pte_pages, pte_pages);
	CHECK(!walk(&t, NULL, 0xf8802000u).present); /* nothing half-done */
	CHECK_ERR(vfree(&t, 0xf9000000u, 0), PGT_ERROR_INPUT,
		  "vfree of 0xf9000000, which no vmalloc mapped");
	/*
	 * vunmap wants the start of a mapping, not an address inside it.
	 * (The message is not checked: "which no vmalloc mapped" is wrong
	 * for an address inside a mapping; see traces/bad/vfree-inside.trace.)
	 */
	CHECK_ERR(vfree(&t, 0xf8801000u, 0), PGT_ERROR_INPUT, NULL);
	/* 2.6.21's change_page_attr takes struct page: lowmem only. */
	CHECK_ERR(cpa(&t, 0xf8800000u, 1, PGT_PROT_KERNEL_RO), PGT_ERROR_INPUT,
		  "cpa [0xf8800000, 0xf8801000) is outside the direct map [0xc0000000, 0xf8000000)");
	CHECK_ERR(cpa(&t, 0xf7fff000u, 2, PGT_PROT_KERNEL_RO), PGT_ERROR_INPUT,
		  "cpa [0xf7fff000, 0xf8001000) is outside the direct map [0xc0000000, 0xf8000000)");
	/* Information-only events are taken and ignored. */
	CHECK_OK(op(&t, PGT_OP_LABEL));
	CHECK_OK(op(&t, PGT_OP_PURGE));
	t_fini(&t);
}

int main(void)
{
	test_pgd_alloc_2621();
	test_pgd_alloc_2g();
	test_vmalloc_writes_swapper_only();
	test_vfree_keeps_pte_pages();
	test_vmalloc_across_pmd();
	test_sync_seed_3g();
	test_sync_seed_2g();
	test_sync_pmd();
	test_vmalloc_fault();
	test_many_faults();
	test_faults_two_kernel_slots();
	test_many_zombies();
	test_observed_faults();
	test_cpa_broadcast();
	test_cpa_text_ref_prot();
	test_uaf_broadcast();
	test_stale_different();
	test_sync_list_order();
	test_61_pgd_alloc();
	test_pid_records();
	test_61_arch_sync();
	test_61_cpa();
	test_pse_off();
	test_fault_error_code();
	test_nocache();
	test_slab_free_limit();
	test_slab_shared_objects();
	test_page_reuse();
	test_errors();
	return test_summary();
}
