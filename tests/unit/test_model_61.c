/* SPDX-License-Identifier: MIT */
/*
 * The 6.1 rules below the kernel PMD, each against the kernel function it
 * mirrors (arch/x86/mm/pat/set_memory.c, init_32.c, init.c, pti.c of Linux
 * 6.1), in cases small enough to check by hand.
 *
 * Machine: 3G/1G, lowmem 262016 KiB (0x0ffe0000, as the real captures in
 * ../shared/real), _text 0xc1000000, _etext 0xc1933f00, __init_end
 * 0xc1e8c000 (Debian's 6.1 686-pae).  PMD entry of a direct-map address:
 * (va >> 21) & 511, e.g. 0xc4e00000 -> 39, 0xc8000000 -> 64.
 *
 * Protections (nopti, PGE): PAGE_KERNEL_LARGE = P|RW|A|D|PSE|G|NX =
 * 0x80000000000001e3; in 4 KiB form (pgprot_large_2_4k drops bit 7, PSE,
 * and moves bit 12 to bit 7) 0x8000000000000163.  With PTI
 * (__default_kernel_pte_mask without _PAGE_GLOBAL) 0x...0e3 and 0x...063.
 */
#include "core/walk.h"
#include "model_harness.h"

#define NX UINT64_C(0x8000000000000000)
#define PAT_LARGE UINT64_C(0x1000)

static bool t_init(struct T *t, enum pgt_policy p, uint32_t idt)
{
	struct pgt_model_config cfg = {.policy = p, .sync = PGT_SYNC_SEED,
				       .kernel = PGT_KERNEL_6_1};
	pgt_machine_init(&cfg.machine);
	cfg.machine.lowmem = 0x0ffe0000;
	cfg.machine.etext = 0xc1933f00;
	cfg.machine.init_end = 0xc1e8c000;
	cfg.machine.idt_table = idt;
	return t_open(t, &cfg);
}

static struct pgt_error *pgd_alloc(struct T *t, const char *pgd)
{
	struct pgt_event e = ev(t, PGT_OP_PGD_ALLOC);
	e.pgd = id(t, pgd);
	return pgt_model_apply(t->m, &e);
}

/* A recorded __change_page_attr_set_clr(): set/clr masks. */
static struct pgt_error *cpa(struct T *t, uint64_t addr, uint64_t pages,
			     uint64_t set, uint64_t clr)
{
	struct pgt_event e = ev(t, PGT_OP_CPA);
	e.addr = addr;
	e.pages = pages;
	e.prot = PGT_PROT_SETCLR;
	e.set = set;
	e.clr = clr;
	return pgt_model_apply(t->m, &e);
}

static uint64_t kpmd(struct T *t, uint32_t va)
{
	return pgt_model_kernel_pmd_entry(t->m, 0, 3, (int)pgt_pmd_index(va));
}

/* Swapper's PTE for @va (0 when the PDE is not a PTE page). */
static uint64_t kpte(struct T *t, uint32_t va)
{
	uint64_t pmd = kpmd(t, va);
	if (!pgt_present(pmd) || pgt_large(pmd))
		return 0;
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	uint64_t v = 0;
	CHECK_OK(pgt_physmem_read_u64(&mem, pgt_entry_addr(pmd) + 8 * pgt_pte_index(va), &v));
	return v;
}

static struct pgt_walk walk(struct T *t, uint32_t va)
{
	struct pgt_physmem mem = pgt_model_physmem(t->m);
	struct pgt_walk w;
	CHECK_OK(pgt_walk(&mem, pgt_model_swapper_cr3(t->m), va, &w));
	return w;
}

/*
 * Item 1.  __change_page_attr() skips only pte_none() entries.
 * set_direct_map_invalid_noflush() (clr P|RW = 0x3) on 0xc4e31000, inside
 * the large page 0xc4e00000 (PDE 39): __should_split_large_page computes
 * req = large_2_4k(0x..1e3) & ~3 = 0x..160, which is not present, so
 * pgprot_clear_protnone_bits drops G: 0x8000000000000060, unlike the old
 * 0x80000000000001e3, and the request covers one page: split.  The split
 * PTEs are pfn | 0x8000000000000163 (G kept: present), PDE table | 0x63.
 * The 4 KiB path then makes PTE 0x31: 0x..163 & ~3 = 0x..160, not present,
 * G dropped: 0x8000000004e31060.  set_direct_map_default_noflush() (set
 * 0x3) finds that non-zero PTE and sets P|RW: 0x8000000004e31063, present
 * and writable again, without G; its neighbour keeps 0x8000000004e32163.
 */
static void test_cpa_not_present_restored(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, 0))
		return;
	CHECK_EQ_U64(pgt_pmd_index(0xc4e00000u), 39);
	CHECK_EQ_U64(kpmd(&t, 0xc4e00000u), NX | 0x04e001e3);
	CHECK_OK(cpa(&t, 0xc4e31000u, 1, 0, 0x3));
	CHECK_EQ_U64(kpmd(&t, 0xc4e00000u) & 0xfff, 0x063);
	CHECK_EQ_U64(kpte(&t, 0xc4e31000u), NX | 0x04e31060);
	CHECK_EQ_U64(kpte(&t, 0xc4e32000u), NX | 0x04e32163);
	CHECK(!walk(&t, 0xc4e31000u).present);
	CHECK_EQ_U64(pgt_model_pte_line(t.m, 0xc4e31000u), t.line);
	CHECK_OK(cpa(&t, 0xc4e31000u, 1, 0x3, 0));
	CHECK_EQ_U64(kpte(&t, 0xc4e31000u), NX | 0x04e31063);
	struct pgt_walk w = walk(&t, 0xc4e31000u);
	CHECK(w.present);
	CHECK(w.writable);
	CHECK_EQ_U64(w.pa, 0x04e31000);
	/* A zero PTE (none) is a hole: skipped, still zero. */
	CHECK_EQ_U64(pgt_model_costs(t.m)->cpa_splits, 1);
	t_fini(&t);
}

/*
 * Item 2.  __should_split_large_page converts with pgprot_large_2_4k,
 * applies set/clr, converts back with pgprot_4k_2_large and sets PSE again.
 * _set_memory_wb's clr = _PAGE_CACHE_MASK (PWT|PCD|PAT = 0x98) over the
 * whole large page 0xc8000000 (PDE 64): 4 KiB form 0x..163 has none of
 * those bits, so the request equals the old 0x80000000080001e3: nothing is
 * written (bit 7, PSE, survives).  set PCD (0x10) over it: 0x..173, back
 * to large 0x..1f3, covered whole: __set_pmd_pte 0x80000000080001f3.  set
 * the 4 KiB PAT bit (0x80): 0x..1f3 in 4 KiB form is 0x..173, | 0x80 =
 * 0x..1f3, to large: bit 7 -> bit 12, PSE again: 0x80000000080011f3.
 */
static void test_cpa_large_pat(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_UNSHARED, 0))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_EQ_U64(pgt_pmd_index(0xc8000000u), 64);
	CHECK_EQ_U64(kpmd(&t, 0xc8000000u), NX | 0x080000e3);
	CHECK_OK(cpa(&t, 0xc8000000u, 512, 0, 0x98));
	CHECK_EQ_U64(kpmd(&t, 0xc8000000u), NX | 0x080000e3);
	CHECK_EQ_U64(pgt_model_costs(t.m)->broadcasts, 0);
	CHECK(walk(&t, 0xc8000000u).present);
	CHECK_OK(cpa(&t, 0xc8000000u, 512, 0x10, 0));
	CHECK_EQ_U64(kpmd(&t, 0xc8000000u), NX | 0x080000f3);
	CHECK_EQ_U64(pgt_model_costs(t.m)->broadcasts, 1);
	CHECK_EQ_U64(pgt_model_kernel_pmd_entry(t.m, id(&t, "A"), 3, 64),
		     NX | 0x080000f3);
	CHECK_OK(cpa(&t, 0xc8000000u, 512, 0x80, 0));
	CHECK_EQ_U64(kpmd(&t, 0xc8000000u), NX | PAT_LARGE | 0x080000f3);
	CHECK_EQ_U64(pgt_model_costs(t.m)->cpa_splits, 0);
	/*
	 * A split carries the PAT bit down: PTEs get bit 7 (4 KiB PAT), not
	 * bit 12, which would be an address bit there.
	 */
	CHECK_OK(cpa(&t, 0xc8001000u, 1, 0, 0x2));
	CHECK_EQ_U64(kpte(&t, 0xc8000000u), NX | 0x080000f3);
	CHECK_EQ_U64(kpte(&t, 0xc8001000u), NX | 0x080010f1);
	t_fini(&t);
}

/*
 * Item 3.  The same-protection test comes before the coverage test
 * (cpa_inc_lp_sameprot): clearing RW on one page of a large page that is
 * already read-only neither splits nor writes a PDE.  static_protections:
 * text (_text .. _etext - 1) never becomes NX.  set NX on 0xc1800000..
 * 0xc1a00000 whole: the range overlaps the text, static_protections takes
 * NX away from the request, so it differs: split; then page by page
 * 0xc1933000 (text) stays executable, 0xc1934000 becomes NX.
 */
static void test_cpa_sameprot_static(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_UNSHARED, 0))
		return;
	CHECK_OK(pgd_alloc(&t, "A"));
	CHECK_OK(cpa(&t, 0xc8000000u, 512, 0, 0x2));
	CHECK_EQ_U64(kpmd(&t, 0xc8000000u), NX | 0x080000e1);
	CHECK_EQ_U64(pgt_model_costs(t.m)->broadcasts, 1);
	CHECK_OK(cpa(&t, 0xc8001000u, 1, 0, 0x2));
	CHECK_EQ_U64(pgt_model_costs(t.m)->broadcasts, 1);
	CHECK_EQ_U64(pgt_model_costs(t.m)->cpa_splits, 0);
	CHECK(pgt_large(kpmd(&t, 0xc8001000u)));
	/* the text's large page is executable from boot (is_kernel_text) */
	CHECK_EQ_U64(kpmd(&t, 0xc1800000u), 0x018001e3);
	CHECK_OK(cpa(&t, 0xc1800000u, 512, NX, 0));
	CHECK_EQ_U64(pgt_model_costs(t.m)->cpa_splits, 1);
	CHECK_EQ_U64(kpmd(&t, 0xc1800000u) & 0xfff, 0x063);
	CHECK(!walk(&t, 0xc1800000u).nx);
	CHECK(!walk(&t, 0xc1933000u).nx);
	CHECK(walk(&t, 0xc1934000u).nx);
	CHECK_EQ_U64(kpte(&t, 0xc1934000u), NX | 0x01934163);
	/* one text page alone: split, but NX is refused */
	CHECK_OK(cpa(&t, 0xc1000000u, 1, NX, 0));
	CHECK_EQ_U64(pgt_model_costs(t.m)->cpa_splits, 2);
	CHECK_EQ_U64(kpte(&t, 0xc1000000u), 0x01000063);
	t_fini(&t);
}

/*
 * Items 4 and 5.  pmd_populate_kernel() and one_page_table_init() write
 * _PAGE_TABLE (0x67, with USER) in 6.1; only __split_large_page writes
 * _KERNPG_TABLE (0x63).  early_ioremap_page_table_range_init() starts at
 * __fix_to_virt(__end_of_fixed_addresses - 1), FIXADDR_TOT_START, whose
 * PDE is 508 (just above the cpu_entry_area, which ends at 0xff961000),
 * so PDEs 508 to 511 get PTE pages: 509 (0xffa00000) too, which a range
 * from FIXADDR_START (0xffdb8000, PDE 510) would miss.
 */
static void test_table_flags_fixmap(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, 0))
		return;
	const struct pgt_layout *L = pgt_model_layout(t.m);
	CHECK_EQ_U64(L->fixaddr_start, 0xffdb8000u);
	CHECK_EQ_U64(pgt_pmd_index(L->fixaddr_boot_start), 508);
	CHECK_EQ_U64(kpmd(&t, 0xffa00000u) & 0xfff, 0x067);
	CHECK_EQ_U64(kpmd(&t, 0xffc00000u) & 0xfff, 0x067);
	CHECK_EQ_U64(kpmd(&t, L->pkmap_base) & 0xfff, 0x067);
	struct pgt_event e = ev(&t, PGT_OP_VMALLOC);
	e.addr = 0xd0800000u;
	e.size = 4096;
	CHECK_OK(pgt_model_apply(t.m, &e));
	CHECK_EQ_U64(kpmd(&t, 0xd0800000u) & 0xfff, 0x067);
	t_fini(&t);
}

/*
 * Items 6 and 7, and kernel_physical_mapping_init().  is_x86_32_kernel_text
 * is _text <= addr <= __init_end: the large pages 0xc1000000 .. 0xc1e00000
 * are executable (0xc1e8c000 lies in the last), 0xc2000000 is not.  With
 * PTI, __default_kernel_pte_mask has no _PAGE_GLOBAL: 0x...0e3; only
 * pti_clone_pgtable() sets G, on the cloned cpu_entry_area PDEs
 * (0xff400000: 0x167) and on the large page of the entry text
 * (0xc1800000: 0x1e3).  split_mem_range(): the first 2 MiB in 4 KiB pages
 * under the early page table (0x63); lowmem's last piece, 0xcfe00000 ..
 * 0xcffe0000, in 4 KiB pages under a new PTE page (0x67), nothing past it.
 */
static void test_boot_61(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_UNSHARED, 0))
		return;
	CHECK_EQ_U64(kpmd(&t, 0xc1000000u), 0x010000e3);
	CHECK_EQ_U64(kpmd(&t, 0xc1800000u), 0x018001e3);
	CHECK_EQ_U64(kpmd(&t, 0xc1e00000u), 0x01e000e3);
	CHECK_EQ_U64(kpmd(&t, 0xc2000000u), NX | 0x020000e3);
	CHECK_EQ_U64(kpmd(&t, 0xff400000u) & 0xfff, 0x167);
	CHECK_EQ_U64(kpmd(&t, 0xc0000000u) & 0xfff, 0x063);
	CHECK_EQ_U64(kpte(&t, 0xc0000000u), NX | 0x063);
	CHECK_EQ_U64(kpmd(&t, 0xcfe00000u) & 0xfff, 0x067);
	CHECK_EQ_U64(kpte(&t, 0xcffdf000u), NX | 0x0ffdf063);
	CHECK_EQ_U64(kpte(&t, 0xcffe0000u), 0);
	t_fini(&t);
	/* nopti: global everywhere */
	if (!t_init(&t, PGT_POLICY_SHARED, 0))
		return;
	CHECK_EQ_U64(kpmd(&t, 0xc2000000u), NX | 0x020001e3);
	CHECK_EQ_U64(kpte(&t, 0xc0000000u), NX | 0x163);
	CHECK_EQ_U64(kpmd(&t, 0xff400000u) & 0xfff, 0x067);
	t_fini(&t);
}

/*
 * idt_setup_apic_and_irq_gates(): set_memory_ro(&idt_table, 1) at boot.
 * idt_table 0xc1e9b000 lies in the large page 0xc1e00000: split (PDE
 * 0x63), that page read-only, the rest as the large page was (executable,
 * __init_end).  No event wrote it: its line is 0.
 */
static void test_idt_ro(void)
{
	struct T t;
	if (!t_init(&t, PGT_POLICY_SHARED, 0xc1e9b000u))
		return;
	CHECK_EQ_U64(kpmd(&t, 0xc1e00000u) & 0xfff, 0x063);
	CHECK_EQ_U64(kpte(&t, 0xc1e9b000u), 0x01e9b161);
	CHECK_EQ_U64(kpte(&t, 0xc1e9c000u), 0x01e9c163);
	CHECK_EQ_U64(pgt_model_pte_line(t.m, 0xc1e9b000u), 0);
	t_fini(&t);
}

int main(void)
{
	test_cpa_not_present_restored();
	test_cpa_large_pat();
	test_cpa_sameprot_static();
	test_table_flags_fixmap();
	test_boot_61();
	test_idt_ro();
	return test_summary();
}
