/* SPDX-License-Identifier: MIT */
/*
 * vmalloc and vfree of init_mm's kernel mappings: map_vm_area() /
 * vmap_range_noflush() with pte_alloc_kernel() (__pte_alloc_kernel +
 * pmd_populate_kernel), and unmap_kernel_range() / vunmap_range_noflush(),
 * which never free PTE pages.
 */
#include "internal.h"

/* The PTE page mapping @va in swapper, or 0. */
uint32_t swapper_pte_frame(const struct pgt_model *m, uint32_t va)
{
	uint32_t pf = m->swapper_kpmd[pgt_pgd_index(va)];
	if (!pf)
		return 0;
	uint64_t e = m->frames[pf].data[pgt_pmd_index(va)];
	if (!pgt_present(e) || pgt_large(e))
		return 0;
	uint64_t pfn = pgt_entry_addr(e) >> PGT_PAGE_SHIFT;
	return pfn < m->nframes ? (uint32_t)pfn : 0;
}

/*
 * The end of the PMD span (2 MiB) @va is in, or @end if sooner.  A mapping
 * is walked a span at a time, its PTE page found once a span, not once a
 * page: the model thread's instructions over 1 M events of a converted
 * recording went from 896 M to 778 M with 100 live pgds (callgrind,
 * replay --unshared --kernel=2.6.21).
 */
static inline uint64_t span_end(uint64_t va, uint64_t end)
{
	uint64_t next = (va | (PGT_PMD_SIZE - 1)) + 1;
	return next < end ? next : end;
}

struct pgt_error *op_vmalloc(struct pgt_model *m, const struct pgt_event *ev)
{
	uint64_t a = ev->addr, size = ev->size;
	if ((a | size) & (PGT_PAGE_SIZE - 1) || size == 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"vmalloc address and size must be non-zero multiples of 4K");
	uint32_t lo = m->TL.vmalloc_start < m->L.vmalloc_start ? m->TL.vmalloc_start
							       : m->L.vmalloc_start;
	uint32_t hi = m->TL.vmalloc_end > m->L.vmalloc_end ? m->TL.vmalloc_end
							   : m->L.vmalloc_end;
	if (a < lo || a + size > hi)
		return pgt_error_create(PGT_ERROR_INPUT,
					"vmalloc [0x%llx, 0x%llx) is outside the vmalloc area [0x%x, 0x%x)",
					(unsigned long long)a,
					(unsigned long long)(a + size), lo, hi);
	for (uint64_t va = a; va < a + size;) {
		uint64_t next = span_end(va, a + size);
		uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
		for (; pte && va < next; va += PGT_PAGE_SIZE)
			if (pgt_present(entry_at(m, pte, pgt_pte_index((uint32_t)va))))
				return pgt_error_create(PGT_ERROR_INPUT,
							"vmalloc [0x%llx, 0x%llx) overlaps a mapping at 0x%llx",
							(unsigned long long)a,
							(unsigned long long)(a + size),
							(unsigned long long)va);
		va = next;
	}
	struct pgt_error *err;
	bool pmd_modified = false;
	for (uint64_t va = a; va < a + size;) {
		uint32_t v = (uint32_t)va;
		uint64_t next = span_end(va, a + size);
		uint32_t pte = swapper_pte_frame(m, v);
		if (!pte) {
			/* pte_alloc_kernel(): __pte_alloc_kernel + pmd_populate_kernel */
			if ((err = frame_alloc(m, F_PTE, D_FULL, &pte)))
				return err;
			m->costs.pte_pages++;
			cost_update_bytes(m);
			if ((err = pmd_write(m, m->swapper_kpmd[pgt_pgd_index(v)],
					     pgt_pmd_index(v),
					     frame_pa(pte) | m->rules->pmd_table_flags)))
				return err;
			pmd_modified = true;
		}
		/* (data_alloc() leaves the frames where they are) */
		uint64_t *data = m->frames[pte].data;
		for (; va < next; va += PGT_PAGE_SIZE) {
			uint64_t pfn;
			if ((err = data_alloc(m, &pfn)))
				return err;
			data[pgt_pte_index((uint32_t)va)] =
				(pfn << PGT_PAGE_SHIFT) | m->page_kernel;
		}
		pte_line_mark(m, v, (uint32_t)((next - v) >> PGT_PAGE_SHIFT));
	}
	if ((err = idmap_put(&m->areas, a >> PGT_PAGE_SHIFT, (int64_t)size)))
		return err;
	/* 6.1 vmap_range_noflush(): PGTBL_PMD_MODIFIED & ARCH_PAGE_TABLE_SYNC_MASK */
	if (pmd_modified && !m->shared && m->rules->after_pmd_populate)
		return m->rules->after_pmd_populate(m, (uint32_t)a);
	return NULL;
}

struct pgt_error *op_vfree(struct pgt_model *m, const struct pgt_event *ev)
{
	int64_t size;
	bool known = !(ev->addr & (PGT_PAGE_SIZE - 1)) &&
		     idmap_get(&m->areas, ev->addr >> PGT_PAGE_SHIFT, &size);
	if (!known) {
		for (struct idmap_entry *a = idmap_first(&m->areas); a;
		     a = idmap_next(&m->areas, a)) {
			uint64_t start = a->key << PGT_PAGE_SHIFT;
			uint64_t end = start + (uint64_t)a->value;
			if (ev->addr > start && ev->addr < end)
				return pgt_error_create(PGT_ERROR_INPUT,
							"vfree of 0x%llx, inside the mapping [0x%llx, 0x%llx): vfree names a mapping's start",
							(unsigned long long)ev->addr,
							(unsigned long long)start,
							(unsigned long long)end);
		}
		if (m->cfg.adopt && !(ev->addr & (PGT_PAGE_SIZE - 1)) &&
		    ev->addr >= m->L.vmalloc_start && ev->addr < m->L.vmalloc_end) {
			/*
			 * A mapping made before the recording: unmap what is there,
			 * its size, or (a vfree that does not say) up to the guard
			 * page that ends every vmalloc mapping.
			 */
			m->costs.adopted_vfrees++;
			uint64_t end = ev->size ? ev->addr + ev->size : m->L.vmalloc_end;
			for (uint64_t va = ev->addr; va < end && va < m->L.vmalloc_end;
			     va += PGT_PAGE_SIZE) {
				uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
				uint64_t *e = pte ? &m->frames[pte].data[pgt_pte_index((uint32_t)va)]
						  : NULL;
				if (!ev->size && (!e || !pgt_present(*e)))
					break;
				if (e)
					*e = 0;
			}
			return NULL;
		}
		return pgt_error_create(PGT_ERROR_INPUT,
					"vfree of 0x%llx, which no vmalloc mapped",
					(unsigned long long)ev->addr);
	}
	if (ev->size && ev->size != (uint64_t)size)
		return pgt_error_create(PGT_ERROR_INPUT,
					"vfree size 0x%llx does not match the mapping's 0x%llx",
					(unsigned long long)ev->size, (unsigned long long)size);
	uint64_t a = ev->addr, end = a + (uint64_t)size;
	for (uint64_t va = a; va < end;) {
		uint64_t next = span_end(va, end);
		uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
		if (!pte) {
			va = next;
			continue;
		}
		/* (data_free() leaves the frames where they are) */
		uint64_t *data = m->frames[pte].data;
		pte_line_mark(m, (uint32_t)va, (uint32_t)((next - va) >> PGT_PAGE_SHIFT));
		for (; va < next; va += PGT_PAGE_SIZE) {
			uint64_t *e = &data[pgt_pte_index((uint32_t)va)];
			if (pgt_present(*e)) {
				struct pgt_error *err = data_free(m, pgt_entry_addr(*e) >> PGT_PAGE_SHIFT);
				if (err)
					return err;
			}
			*e = 0; /* PTE pages stay: vunmap never frees them */
		}
	}
	idmap_del(&m->areas, a >> PGT_PAGE_SHIFT);
	return NULL;
}
