/* SPDX-License-Identifier: MIT */
/*
 * Linux 6.1: arch/x86/mm/pgtable.c, fault.c, pat/set_memory.c and
 * mm/vmalloc.c.  SHARED_KERNEL_PMD is !PTI: unshared means page-table
 * isolation, with 8 KiB pgd pairs.
 */
#include "internal.h"

/* __change_page_attr() of 6.1 with set/clr masks: split, never revert. */
static struct pgt_error *change_page_attr_61(struct pgt_model *m, uint32_t va,
					     uint64_t set, uint64_t clr,
					     uint64_t npages, uint64_t *done)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t pf = m->swapper_kpmd[slot];
	*done = 1;
	if (!pf || !pgt_present(m->frames[pf].data[idx]))
		return NULL; /* not mapped here: nothing the model knows to change */
	uint64_t pmd = m->frames[pf].data[idx];
	struct pgt_error *err;
	if (pgt_large(pmd)) {
		uint32_t vbase = va & ~(uint32_t)(PGT_PMD_SIZE - 1);
		uint64_t newl = (pmd & ~clr) | set;
		/* should_split_large_page(): the whole large page changes alike */
		if (va == vbase && npages >= PGT_PTRS_PER_PTE) {
			*done = PGT_PTRS_PER_PTE;
			return set_pmd_pte(m, va, newl);
		}
		if (newl == pmd) {
			uint64_t left = (vbase + PGT_PMD_SIZE - va) >> PGT_PAGE_SHIFT;
			*done = left < npages ? left : npages;
			return NULL;
		}
		uint64_t ref = pmd & ~(PGT_PSE | PGT_LARGE_ADDR_MASK);
		uint32_t pte = 0;
		if ((err = split_large_page(m, va, pmd, ref, ref, &pte)))
			return err;
		if ((err = set_pmd_pte(m, va, frame_pa(pte) | m->rules->split_table_flags)))
			return err;
		pmd = m->frames[pf].data[idx];
	}
	uint32_t pte = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
	if (pte >= m->nframes)
		return NULL;
	uint64_t *e = &m->frames[pte].data[pgt_pte_index(va)];
	if (pgt_present(*e))
		*e = (*e & ~clr) | set;
	return NULL;
}

/* set_memory_*() (change_page_attr_set_clr) over a range. */
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
		uint64_t done;
		struct pgt_error *err = change_page_attr_61(m, (uint32_t)va, set, clr,
							   (end - va) >> PGT_PAGE_SHIFT,
							   &done);
		if (err)
			return err;
		va += done * PGT_PAGE_SIZE;
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
	/* pmd_populate_kernel(): _KERNPG_TABLE as the model has it so far. */
	.pmd_table_flags = PGT_KERNPG_TABLE,
	.split_table_flags = PGT_KERNPG_TABLE,
	.ctor_at_alloc = true,
	.dtor_at_free = true,
	.pti_when_unshared = true,
	.sync_both_ways = true,
	.fault_vmalloc_only = true,
	.nocache_bits = PGT_PCD | PGT_PWT,
	.cpa = cpa_61,
	.sync = sync_61,
	.after_pmd_populate = sync_range_61,
};
