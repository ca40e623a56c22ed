/* SPDX-License-Identifier: MIT */
/*
 * Linux 2.6.21/2.6.22 with the seed patch ("i386: PARAVIRT: Allow paravirt
 * backend to choose kernel PMD sharing"): arch/i386/mm/pgtable.c,
 * pageattr.c and fault.c.  Also the --sync=pmd variant, vmalloc_sync_all()
 * as Linux 2.6.35 has it.
 */
#include "internal.h"

/* __change_page_attr() of 2.6.21 for the page at @va. */
static struct pgt_error *change_page_attr_2621(struct pgt_model *m,
					       uint32_t va, uint64_t prot)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t pf = m->swapper_kpmd[slot];
	uint64_t pmd = m->frames[pf].data[idx];
	if (!pgt_present(pmd))
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa of 0x%x: not mapped (lookup_address fails)", va);
	uint64_t pa = (uint64_t)(va - m->L.page_offset);
	uint32_t kpte_page = 0;
	struct pgt_error *err;
	/* ref_prot: by the large page's base, as the kernel tests it */
	bool text = (va & ~(uint32_t)(PGT_PMD_SIZE - 1)) < m->L.etext;
	if (prot != m->page_kernel) {
		if (!pgt_large(pmd)) {
			kpte_page = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
			m->frames[kpte_page].data[pgt_pte_index(va)] = pa | prot;
			pte_line_mark(m, va, 1);
		} else {
			uint64_t ref = text ? m->page_kernel_exec : m->page_kernel;
			if ((err = split_large_page(m, va, pmd, prot, ref, &kpte_page)))
				return err;
			/* the other pages' protections are copied, not set */
			pte_line_mark(m, va, 1);
			if ((err = set_pmd_pte(m, va, frame_pa(kpte_page) | ref)))
				return err;
		}
		m->frames[kpte_page].private_count++;
	} else if (!pgt_large(pmd)) {
		kpte_page = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
		m->frames[kpte_page].data[pgt_pte_index(va)] = pa | m->page_kernel;
		pte_line_mark(m, va, 1);
		if (m->frames[kpte_page].private_count == 0) {
			m->costs.bugs++; /* BUG_ON(page_private(kpte_page) == 0) */
			return model_note(m, PGT_NOTE_BUG, 0, va, false, 0, NULL);
		}
		m->frames[kpte_page].private_count--;
	} else {
		m->costs.bugs++; /* BUG(): PAGE_KERNEL on a large page */
		return model_note(m, PGT_NOTE_BUG, 0, va, false, 0, NULL);
	}
	if (!m->frames[kpte_page].reserved && m->cfg.machine.pse &&
	    m->frames[kpte_page].private_count == 0) {
		/* revert_page(); the PTE page goes on df_list */
		if ((err = GROW(m->deferred, m->deferred_cap, m->ndeferred + 1)))
			return err;
		m->deferred[m->ndeferred++] = kpte_page;
		m->costs.cpa_reverts++;
		uint64_t large = (pa & ~(PGT_PMD_SIZE - 1)) |
				 ((va & ~(uint32_t)(PGT_PMD_SIZE - 1)) < m->L.etext
					  ? m->page_kernel_large_exec
					  : m->page_kernel_large);
		pte_line_mark(m, va & ~(uint32_t)(PGT_PMD_SIZE - 1), PGT_PTRS_PER_PTE);
		return set_pmd_pte(m, va, large);
	}
	return NULL;
}

/* change_page_attr(page, numpages, prot) on the direct map. */
static struct pgt_error *cpa_2621(struct pgt_model *m, const struct pgt_event *ev)
{
	uint64_t end = ev->addr + ev->pages * PGT_PAGE_SIZE;
	struct pgt_error *err;
	if (ev->prot == PGT_PROT_SETCLR && !in_direct_map(m, ev->addr)) {
		/*
		 * A 6.1 recording's set_memory_*() on vmalloc'ed module text:
		 * 2.6.21's change_page_attr could not name these pages.  Their
		 * PTEs change in place; no PMD entry does.
		 */
		for (uint64_t va = ev->addr; va < end && va <= UINT32_MAX;
		     va += PGT_PAGE_SIZE) {
			uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
			uint64_t *e = pte ? &m->frames[pte].data[pgt_pte_index((uint32_t)va)]
					  : NULL;
			if (e && pgt_present(*e)) {
				*e = (*e & ~ev->clr) | ev->set;
				pte_line_mark(m, (uint32_t)va, 1);
			}
		}
		return NULL;
	}
	if (!in_direct_map(m, ev->addr) || end > m->L.high_memory)
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa [0x%llx, 0x%llx) is outside the direct map [0x%x, 0x%x)",
					(unsigned long long)ev->addr,
					(unsigned long long)end, m->L.page_offset,
					m->L.high_memory);
	uint64_t prot = cpa_prot(m, ev);
	for (uint64_t va = ev->addr; va < end; va += PGT_PAGE_SIZE) {
		if (ev->prot == PGT_PROT_SETCLR) {
			/*
			 * A 6.1 recording's set=/clr= become the protection
			 * they give the page now; a change that changes
			 * nothing is no call at all (6.1's cpa leaves such a
			 * page alone, 2.6.21's would BUG on a large page).
			 */
			uint64_t cur;
			if (!current_prot(m, (uint32_t)va, &cur))
				continue;
			prot = (cur & ~ev->clr) | ev->set;
			if (prot == cur)
				continue;
		}
		if ((err = change_page_attr_2621(m, (uint32_t)va, prot)))
			return err;
	}
	/*
	 * A 6.1 recording's set_memory_*() flushed by itself (cpa_flush); the
	 * recording has no global_flush_tlb() to release what revert_page()
	 * left on df_list, so it is done here, as 2.6.21's callers did.
	 */
	if (ev->prot == PGT_PROT_SETCLR)
		return op_flush(m);
	return NULL;
}

/* vmalloc_sync_all() as the seed has it: PGDIR_SIZE stride, sticky insync. */
static struct pgt_error *sync_seed(struct pgt_model *m)
{
	/* unsigned long arithmetic: the stride wraps to 0 past 4 GiB. */
	for (uint32_t va = m->sync_start; va >= m->L.page_offset;
	     va += (uint32_t)PGT_PGDIR_SIZE) {
		int gi = (int)pgt_pgd_index(va);
		if (!m->insync[gi]) {
			bool all;
			struct pgt_error *err = sync_pgd_list(m, va, false, true, &all);
			if (err)
				return err;
			if (all)
				m->insync[gi] = true;
		}
		if (va == m->sync_start && m->insync[gi])
			m->sync_start = va + (uint32_t)PGT_PGDIR_SIZE;
	}
	return NULL;
}

/* vmalloc_sync_all() of Linux 2.6.35: PMD_SIZE stride over the vmalloc area. */
static struct pgt_error *sync_pmd(struct pgt_model *m)
{
	for (uint64_t va = m->L.vmalloc_start & ~(PGT_PMD_SIZE - 1);
	     va >= m->L.page_offset && va < m->L.fixaddr_top;
	     va += PGT_PMD_SIZE) {
		bool all;
		struct pgt_error *err = sync_pgd_list(m, (uint32_t)va, false, true, &all);
		if (err)
			return err;
	}
	return NULL;
}

/* vmalloc_sync_all(): returns at once when the kernel PMD is shared. */
static struct pgt_error *sync_2621(struct pgt_model *m)
{
	m->costs.sync_calls++;
	if (m->shared)
		return NULL;
	return m->cfg.sync == PGT_SYNC_SEED ? sync_seed(m) : sync_pmd(m);
}

const struct pgt_kernel_rules pgt_kernel_rules_2621 = {
	.kernel = PGT_KERNEL_2_6_21,
	.boot_reserved_mib = 8,
	.text_from_text_start = false,
	.pmd_table_flags = PGT_PAGE_TABLE,
	.split_table_flags = 0, /* ref_prot, see change_page_attr_2621 */
	.direct_map_4k_edges = false,
	.slab_pgd_cache = true,
	.idt_ro_at_boot = false,
	.ctor_at_alloc = false,
	.dtor_at_free = false,
	.pti_when_unshared = false,
	.sync_both_ways = false,
	.fault_vmalloc_only = false,
	/* __PAGE_KERNEL_NOCACHE = __PAGE_KERNEL | _PAGE_PCD */
	.nocache_bits = PGT_PCD,
	.cpa = cpa_2621,
	.sync = sync_2621,
	.after_pmd_populate = NULL,
};
