/* SPDX-License-Identifier: MIT */
/*
 * Linux 6.1: arch/x86/mm/pgtable.c, fault.c, pat/set_memory.c and
 * mm/vmalloc.c.  SHARED_KERNEL_PMD is !PTI: unshared means page-table
 * isolation, with 8 KiB pgd pairs.
 */
#include "internal.h"

/* _PAGE_PAT_LARGE: the PAT bit of a 2 MiB entry (bit 7 is PSE there). */
#define PAT_LARGE (UINT64_C(1) << 12)
/* _PAGE_PAT: the PAT bit of a 4 KiB entry. */
#define PAT_4K PGT_PSE

/* pgprot_large_2_4k(): PAT from bit 12 to bit 7, which drops PSE. */
static uint64_t pgprot_large_2_4k(uint64_t prot)
{
	return (prot & ~(PAT_4K | PAT_LARGE)) | ((prot & PAT_LARGE) ? PAT_4K : 0);
}

/* pgprot_4k_2_large(): PAT from bit 7 to bit 12. */
static uint64_t pgprot_4k_2_large(uint64_t prot)
{
	return (prot & ~(PAT_4K | PAT_LARGE)) | ((prot & PAT_4K) ? PAT_LARGE : 0);
}

/*
 * pgprot_clear_protnone_bits(): a page going non-present loses G, which
 * would read as _PAGE_PROTNONE.
 */
static uint64_t pgprot_clear_protnone_bits(uint64_t prot)
{
	return (prot & PGT_P) ? prot : prot & ~PGT_G;
}

/* overlaps() of set_memory.c, on inclusive ranges. */
static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 <= e2 && e1 >= s2;
}

/*
 * static_protections() of 32-bit 6.1: kernel text (_text .. _etext) may not
 * become NX.  protect_kernel_text_ro() is 64-bit only; protect_pci_bios()
 * needs pcibios_enabled (not on the machines the model knows: the real
 * captures use configuration type 1); protect_rodata() forbids RW on
 * .rodata once mark_rodata_ro() ran, which no recorded cpa asks for: both
 * are left out.  Nothing is forbidden on a request to make pages absent.
 */
static uint64_t static_protections(const struct pgt_model *m, uint64_t prot,
			    uint64_t start, uint64_t npages)
{
	if (!(prot & PGT_P))
		return prot;
	uint64_t end = start + npages * PGT_PAGE_SIZE - 1;
	if (overlaps(start, end, m->L.text_start, (uint64_t)m->L.etext - 1))
		prot &= ~PGT_NX;
	return prot;
}

/* pmd_flags() and pmd_pfn() of a 2 MiB-level entry, present or not. */
static uint64_t pmd_addr_mask(uint64_t pmd)
{
	return (pmd & PGT_PSE) ? PGT_LARGE_ADDR_MASK : PGT_ADDR_MASK;
}

/* pmd_present(): P, PROTNONE (G) or PSE. */
static bool pmd_present_61(uint64_t pmd)
{
	return pmd & (PGT_P | PGT_G | PGT_PSE);
}

/*
 * __should_split_large_page() for the 2 MiB entry @pmd mapping @va, with
 * *numpages the pages the request has left.  *split_ret: split first;
 * else the request is done for *numpages pages (updated to what fits in
 * this large page).  *force_static: the mapping already conflicts with
 * static_protections(), so the split enforces them page by page.
 */
static struct pgt_error *should_split_large_page_61(struct pgt_model *m,
						    uint32_t va, uint64_t pmd,
						    uint64_t set, uint64_t clr,
						    uint64_t *numpages,
						    bool *force_static,
						    bool *split_ret)
{
	uint64_t amask = pmd_addr_mask(pmd);
	uint64_t old_prot = pmd & ~amask, old_pa = pmd & amask;
	uint64_t lpaddr = va & ~(PGT_PMD_SIZE - 1);
	uint64_t fit = (lpaddr + PGT_PMD_SIZE - va) >> PGT_PAGE_SHIFT;
	if (fit < *numpages)
		*numpages = fit;
	uint64_t req = (pgprot_large_2_4k(old_prot) & ~clr) | set;
	req = pgprot_clear_protnone_bits(pgprot_4k_2_large(req));
	if (req & PGT_P)
		req |= PGT_PSE;
	*split_ret = true;
	if (static_protections(m, old_prot, lpaddr, PGT_PTRS_PER_PTE) != old_prot) {
		*force_static = true;
		return NULL;
	}
	/* cpa_inc_lp_sameprot(): nothing changes, whatever the coverage */
	if (req == old_prot) {
		*split_ret = false;
		return NULL;
	}
	if (va != lpaddr || *numpages != PGT_PTRS_PER_PTE)
		return NULL;
	uint64_t newp = static_protections(m, req, lpaddr, PGT_PTRS_PER_PTE);
	if (newp != req)
		return NULL;
	*split_ret = false;
	pte_line_mark(m, (uint32_t)lpaddr, PGT_PTRS_PER_PTE);
	return set_pmd_pte(m, va, old_pa | newp);
}

/*
 * __split_large_page() of 6.1: every PTE gets the large page's protections
 * in 4 KiB form (pgprot_large_2_4k, pgprot_clear_protnone_bits), with
 * static_protections() page by page when they were found violated; the
 * PDE becomes _KERNPG_TABLE (split_table_flags).
 */
static struct pgt_error *split_large_page_61(struct pgt_model *m, uint32_t va,
					     uint64_t pmd, bool force_static)
{
	uint64_t amask = pmd_addr_mask(pmd);
	uint64_t ref = pgprot_clear_protnone_bits(pgprot_large_2_4k(pmd & ~amask));
	uint64_t large = (pmd & amask) | PGT_PSE;
	uint32_t pte = 0;
	struct pgt_error *err = split_large_page(m, va, large, ref, ref, &pte);
	if (err)
		return err;
	uint32_t lpaddr = va & ~(uint32_t)(PGT_PMD_SIZE - 1);
	if (force_static)
		for (int i = 0; i < PGT_PTRS_PER_PTE; i++) {
			uint64_t *e = &m->frames[pte].data[i];
			uint32_t pva = lpaddr + ((uint32_t)i << PGT_PAGE_SHIFT);
			*e = pgt_entry_addr(*e) |
			     static_protections(m, ref, pva, 1);
		}
	/* a split copies protections: each page keeps the line that set them */
	return set_pmd_pte(m, va, frame_pa(pte) | m->rules->split_table_flags);
}

/*
 * __change_page_attr() of 6.1 for the page at @va, *numpages pages left;
 * *numpages: how many this call took.  lookup_address() gives the PDE
 * when it is large or not present (but not none), else the PTE; a none
 * entry is __cpa_process_fault()'s hole (one page, nothing done).  A
 * non-present PTE that is not none is changed like any other: that is
 * how set_direct_map_default_noflush() restores a page.
 */
static struct pgt_error *change_page_attr_61(struct pgt_model *m, uint32_t va,
					     uint64_t set, uint64_t clr,
					     uint64_t *numpages)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t pf = m->swapper_kpmd[slot];
	struct pgt_error *err;
	bool force_static = false;
	for (;;) { /* the kernel's "goto repeat" after a split */
		uint64_t pmd = pf ? m->frames[pf].data[idx] : 0;
		if (pmd == 0) {
			*numpages = 1;
			return NULL;
		}
		if (!pgt_large(pmd) && pmd_present_61(pmd) && !(pmd & PGT_PSE))
			break; /* a PTE page */
		bool split;
		if ((err = should_split_large_page_61(m, va, pmd, set, clr, numpages,
						      &force_static, &split)))
			return err;
		if (!split)
			return NULL;
		if ((err = split_large_page_61(m, va, pmd, force_static)))
			return err;
	}
	*numpages = 1;
	uint32_t pte = swapper_pte_frame(m, va);
	if (!pte || !m->frames[pte].data)
		return NULL;
	uint64_t *e = &m->frames[pte].data[pgt_pte_index(va)];
	if (*e == 0)
		return NULL; /* pte_none(): __cpa_process_fault() */
	uint64_t prot = (*e & PGT_FLAGS_MASK & ~clr) | set;
	prot = static_protections(m, prot, va, 1);
	prot = pgprot_clear_protnone_bits(prot);
	uint64_t val = pgt_entry_addr(*e) | (prot & PGT_FLAGS_MASK);
	if (val != *e) {
		*e = val;
		pte_line_mark(m, va, 1);
	}
	return NULL;
}

/* change_page_attr_set_clr() / __change_page_attr_set_clr() over a range. */
static struct pgt_error *cpa_61(struct pgt_model *m, const struct pgt_event *ev)
{
	uint64_t end = ev->addr + ev->pages * PGT_PAGE_SIZE;
	uint64_t set = ev->set, clr = ev->clr;
	/* set_memory_*() act on the direct map and on vmalloc'ed memory. */
	if (ev->addr < m->L.page_offset || end > m->L.vmalloc_end)
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa [0x%llx, 0x%llx) is outside the direct map and the vmalloc area [0x%x, 0x%x)",
					(unsigned long long)ev->addr,
					(unsigned long long)end, m->L.page_offset,
					m->L.vmalloc_end);
	if (ev->prot != PGT_PROT_SETCLR) {
		set = cpa_prot(m, ev);
		clr = PGT_FLAGS_MASK & ~(PGT_P | PGT_PSE);
	}
	for (uint64_t va = ev->addr; va < end && va <= UINT32_MAX;) {
		uint64_t n = (end - va) >> PGT_PAGE_SHIFT;
		struct pgt_error *err = change_page_attr_61(m, (uint32_t)va, set, clr, &n);
		if (err)
			return err;
		va += n * PGT_PAGE_SIZE;
	}
	return NULL;
}

/*
 * arch_sync_kernel_mappings() of 6.1: from start & PMD_MASK to VMALLOC_END,
 * every pgd on pgd_list, presence synced both ways.  The end argument is
 * not used by the kernel either.
 */
static struct pgt_error *sync_range_61(struct pgt_model *m, uint32_t start)
{
	m->costs.sync_calls++;
	for (uint64_t va = start & ~(PGT_PMD_SIZE - 1);
	     va >= m->L.page_offset && va < m->L.vmalloc_end;
	     va += PGT_PMD_SIZE) {
		bool all;
		struct pgt_error *err = sync_pgd_list(m, (uint32_t)va, true, false, &all);
		if (err)
			return err;
	}
	return NULL;
}

/* vmalloc_sync_mappings(): nothing to do with a shared PMD. */
static struct pgt_error *sync_61(struct pgt_model *m)
{
	if (m->shared) {
		m->costs.sync_calls++;
		return NULL;
	}
	return sync_range_61(m, m->L.vmalloc_start);
}

const struct pgt_kernel_rules pgt_kernel_rules_61 = {
	.kernel = PGT_KERNEL_6_1,
	.boot_reserved_mib = 48,
	.text_from_text_start = true,
	/* pmd_populate_kernel() and one_page_table_init(): _PAGE_TABLE (with USER). */
	/* __split_large_page(): _KERNPG_TABLE. */
	.pmd_table_flags = PGT_PAGE_TABLE,
	.split_table_flags = PGT_KERNPG_TABLE,
	.direct_map_4k_edges = true,
	.slab_pgd_cache = false,
	.idt_ro_at_boot = true,
	.early_table_flags = PGT_KERNPG_TABLE, /* PDE_IDENT_ATTR 0x063 */
	.ctor_at_alloc = true,
	.dtor_at_free = true,
	.pti_when_unshared = true,
	.sync_both_ways = true,
	.fault_vmalloc_only = true,
	/* __PAGE_KERNEL_NOCACHE: _PAGE_NOCACHE, UC = PCD|PWT in the PAT */
	.nocache_bits = PGT_PCD | PGT_PWT,
	.cpa = cpa_61,
	.sync = sync_61,
	.after_pmd_populate = sync_range_61,
};
