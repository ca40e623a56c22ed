/* SPDX-License-Identifier: MIT */
/*
 * What change_page_attr() of both kernels shares: set_pmd_pte() (2.6.21) /
 * __set_pmd_pte() (6.1), split_large_page(), lookup_address() and
 * global_flush_tlb()'s release of df_list.  The kernels' own
 * __change_page_attr() are in kernel_2621.c and kernel_61.c.
 */
#include "internal.h"

bool in_direct_map(const struct pgt_model *m, uint64_t va)
{
	return va >= m->L.page_offset && va < m->L.high_memory;
}

void pte_line_mark(struct pgt_model *m, uint32_t va, uint32_t n)
{
	if (va < m->L.page_offset)
		return;
	uint64_t first = (uint64_t)(va - m->L.page_offset) >> PGT_PAGE_SHIFT;
	uint64_t total = ((UINT64_C(1) << 32) - m->L.page_offset) >> PGT_PAGE_SHIFT;
	uint32_t line = m->line > UINT32_MAX ? UINT32_MAX : (uint32_t)m->line;
	for (uint64_t i = first; i < first + n && i < total; i++)
		m->pte_line[i] = line;
}

/* set_pmd_pte() (2.6.21) / __set_pmd_pte() (6.1): init_mm, then pgd_list. */
struct pgt_error *set_pmd_pte(struct pgt_model *m, uint32_t va, uint64_t val)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	if (m->shared)
		return pmd_write(m, m->swapper_kpmd[slot], idx, val);
	return broadcast_pgd_list(m, slot, idx, val);
}

uint64_t cpa_prot(const struct pgt_model *m, const struct pgt_event *ev)
{
	switch (ev->prot) {
	case PGT_PROT_KERNEL:
		return m->page_kernel;
	case PGT_PROT_KERNEL_RO:
		return m->page_kernel & ~PGT_RW;
	case PGT_PROT_KERNEL_EXEC:
		return m->page_kernel_exec;
	case PGT_PROT_KERNEL_RX:
		return m->page_kernel_exec & ~PGT_RW;
	case PGT_PROT_KERNEL_NOCACHE:
		return m->page_kernel | m->rules->nocache_bits;
	default:
		return ev->prot_raw;
	}
}

/* split_large_page(): a PTE page for the 2 MiB around @va. */
struct pgt_error *split_large_page(struct pgt_model *m, uint32_t va,
				   uint64_t large, uint64_t prot_of_va,
				   uint64_t ref_prot, uint32_t *ret)
{
	uint32_t pte = 0;
	struct pgt_error *err = frame_alloc(m, F_PTE, D_FULL, &pte);
	if (err)
		return err;
	m->costs.pte_pages++;
	m->costs.cpa_splits++;
	cost_update_bytes(m);
	uint64_t base = pgt_large_addr(large);
	uint32_t vbase = va & ~(uint32_t)(PGT_PMD_SIZE - 1);
	for (int i = 0; i < PGT_PTRS_PER_PTE; i++) {
		uint32_t pva = vbase + ((uint32_t)i << PGT_PAGE_SHIFT);
		m->frames[pte].data[i] = (base + ((uint64_t)i << PGT_PAGE_SHIFT)) |
					 (pva == va ? prot_of_va : ref_prot);
	}
	*ret = pte;
	return NULL;
}

/* The protection bits of the direct-map page at @va (lookup_address()). */
bool current_prot(const struct pgt_model *m, uint32_t va, uint64_t *ret)
{
	uint32_t pf = m->swapper_kpmd[pgt_pgd_index(va)];
	uint64_t pmd = pf ? m->frames[pf].data[pgt_pmd_index(va)] : 0;
	if (!pgt_present(pmd))
		return false;
	if (pgt_large(pmd)) {
		*ret = pmd & PGT_FLAGS_MASK & ~PGT_PSE;
		return true;
	}
	uint64_t pfn = pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT;
	if (pfn >= m->nframes || !m->frames[pfn].data)
		return false;
	*ret = m->frames[pfn].data[pgt_pte_index(va)] & PGT_FLAGS_MASK;
	return true;
}

/* global_flush_tlb(): free the PTE pages revert_page() left on df_list. */
struct pgt_error *op_flush(struct pgt_model *m)
{
	for (size_t i = 0; i < m->ndeferred; i++) {
		struct pgt_error *err = frame_free(m, m->deferred[i]);
		if (err)
			return err;
		m->costs.pte_pages--;
		m->costs.deferred_frees++;
	}
	m->ndeferred = 0;
	cost_update_bytes(m);
	return NULL;
}
