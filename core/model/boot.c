/* SPDX-License-Identifier: MIT */
/*
 * Boot: pagetable_init() and kernel_physical_mapping_init() (2.6.21
 * arch/i386/mm/init.c, 6.1 arch/x86/mm/init_32.c), or the kernel's tables
 * as a memory image shows them.
 */
#include "internal.h"

static uint32_t swapper_pmd_frame(const struct pgt_model *m, uint32_t va)
{
	return m->swapper_kpmd[pgt_pgd_index(va)];
}

/*
 * is_kernel_text() (2.6.21) / is_x86_32_kernel_text() (6.1) of
 * kernel_physical_mapping_init(): PAGE_OFFSET (2.6.21) or _text (6.1) <=
 * addr <= __init_end.  cpa and revert_page() test _etext instead.
 */
static bool is_text(const struct pgt_model *m, uint64_t va)
{
	uint64_t start = m->rules->text_from_text_start ? m->L.text_start
							: m->L.page_offset;
	return va >= start && va <= m->L.init_end;
}

/* page_table_range_init(): a PTE page for every PMD entry of the range. */
static struct pgt_error *page_table_range_init(struct pgt_model *m,
					       uint32_t start, uint64_t end)
{
	for (uint64_t va = start & ~(PGT_PMD_SIZE - 1); va < end;
	     va += PGT_PMD_SIZE) {
		uint32_t pf = swapper_pmd_frame(m, (uint32_t)va);
		if (!pf)
			continue;
		int idx = pgt_pmd_index((uint32_t)va);
		if (pgt_present(m->frames[pf].data[idx]))
			continue;
		uint32_t pte = 0;
		struct pgt_error *err = frame_alloc(m, F_PTE, D_FULL, &pte);
		if (err)
			return err;
		m->frames[pte].reserved = true;
		m->costs.pte_pages++;
		m->frames[pf].data[idx] = frame_pa(pte) | m->rules->pmd_table_flags;
	}
	return NULL;
}

struct pgt_error *import_page(struct pgt_model *m, uint64_t pa,
				     enum frame_kind kind, uint32_t *ret)
{
	uint64_t pfn = pa >> PGT_PAGE_SHIFT;
	if (pfn >= m->nframes)
		return pgt_error_create(PGT_ERROR_INPUT,
					"image: page table at physical 0x%llx is beyond lowmem (0x%llx bytes)",
					(unsigned long long)pa,
					(unsigned long long)m->L.lowmem);
	struct frame *fr = &m->frames[pfn];
	if (fr->kind != F_FREE && fr->kind != F_BOOT) {
		*ret = (uint32_t)pfn; /* already imported (a page named twice) */
		return NULL;
	}
	uint8_t buf[PGT_PAGE_SIZE];
	struct pgt_error *err = pgt_physmem_read(m->cfg.image, pfn << PGT_PAGE_SHIFT,
						 buf, sizeof(buf));
	if (err)
		return pgt_error_prefix(err, "image");
	if (!fr->data && (err = page_data_new(m, true, &fr->data)))
		return err;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		uint64_t v = 0;
		for (int b = 7; b >= 0; b--)
			v = (v << 8) | buf[8 * i + b];
		fr->data[i] = v;
	}
	fr->kind = kind;
	frame_set_owner(fr, -1);
	fr->reserved = kind == F_PTE;
	*ret = (uint32_t)pfn;
	return NULL;
}

/* swapper_pg_dir and the kernel's tables as a memory image has them. */
static struct pgt_error *boot_from_image(struct pgt_model *m)
{
	struct pgt_error *err;
	uint64_t spa = m->cfg.image_swapper_pa & ~(PGT_PAGE_SIZE - 1);
	if ((err = import_page(m, spa, F_SWAPPER_PGD, &m->swapper)))
		return err;
	uint64_t *pgd = m->frames[m->swapper].data +
			((m->cfg.image_swapper_pa & (PGT_PAGE_SIZE - 1)) / 8);
	if (pgd != m->frames[m->swapper].data) {
		memmove(m->frames[m->swapper].data, pgd, 4 * sizeof(uint64_t));
		pgd = m->frames[m->swapper].data;
	}
	for (int i = 4; i < PGT_PTRS_PER_PMD; i++)
		pgd[i] = 0;
	for (int slot = 0; slot < m->L.user_pgds; slot++)
		pgd[slot] = 0;
	m->costs.pgd_bytes = 32;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		if (!pgt_present(pgd[slot]))
			return pgt_error_create(PGT_ERROR_INPUT,
						"image: swapper_pg_dir's kernel slot %d is not present",
						slot);
		uint32_t pf;
		if ((err = import_page(m, pgt_entry_addr(pgd[slot]), F_KPMD_SWAPPER, &pf)))
			return err;
		m->frames[pf].slot = (uint8_t)slot;
		m->swapper_kpmd[slot] = pf;
		m->costs.pmd_pages++;
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			uint64_t e = m->frames[pf].data[i];
			if (!pgt_present(e) || pgt_large(e))
				continue;
			uint32_t pte;
			if ((err = import_page(m, pgt_entry_addr(e), F_PTE, &pte)))
				return err;
			m->costs.pte_pages++;
			/*
			 * The image shows the end of a run: which PTE pages
			 * exist is kept, but what the vmalloc area maps is the
			 * trace's to say.
			 */
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)i << PGT_PMD_SHIFT);
			if (!m->cfg.image_keep_vmalloc &&
			    va + PGT_PMD_SIZE > m->L.vmalloc_start &&
			    va < m->L.vmalloc_end)
				for (int t = 0; t < PGT_PTRS_PER_PTE; t++) {
					uint64_t pva = va + ((uint64_t)t << PGT_PAGE_SHIFT);
					if (pva >= m->L.vmalloc_start &&
					    pva < m->L.vmalloc_end)
						m->frames[pte].data[t] = 0;
				}
		}
	}
	cost_update_bytes(m);
	return NULL;
}

/*
 * 6.1 with PTI: the user half of swapper_pg_dir, whose kernel PMD
 * pti_clone_user_shared() fills at the PMD level with the cpu_entry_area
 * only (the entry text is cloned at PTE level in 32-bit; not modelled).
 * Every pgd's user half copies it (pgd_prepopulate_user_pmd).
 */
static struct pgt_error *boot_pti_user_half(struct pgt_model *m)
{
	/*
	 * pti_clone_entry_text() -> pti_clone_pgtable(): a large PDE it clones
	 * gets _PAGE_GLOBAL in swapper too.  __entry_text_start is not in the
	 * machine description; it lies in .text's last 2 MiB (the entry text
	 * is linked at the end of .text), the PDE holding _etext - 1.
	 */
	bool pge = m->cfg.machine.pge && !m->cfg.image; /* an image has them */
	uint32_t entry = m->L.etext - 1;
	uint32_t epf = m->swapper_kpmd[pgt_pgd_index(entry)];
	uint64_t *epmd = epf ? &m->frames[epf].data[pgt_pmd_index(entry)] : NULL;
	if (epmd && pgt_large(*epmd) && pge)
		*epmd |= PGT_G;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		uint32_t f;
		struct pgt_error *err = frame_alloc(m, F_UHALF_KPMD, D_FULL, &f);
		if (err)
			return err;
		m->frames[f].slot = (uint8_t)slot;
		m->swapper_uhalf_kpmd[slot] = f;
		m->costs.pmd_pages++;
		/* kernel_to_user_pgdp(swapper_pg_dir) points at it */
		if (!m->cfg.image)
			m->frames[m->swapper + 1].data[slot] = frame_pa(f) | m->pdpte_flags;
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)i << PGT_PMD_SHIFT);
			if (va + PGT_PMD_SIZE <= m->L.cpu_entry_area_base ||
			    va >= m->L.cpu_entry_area_end)
				continue;
			/* pti_clone_user_shared(): PTI_CLONE_PMD sets G too */
			uint64_t *e = &m->frames[m->swapper_kpmd[slot]].data[i];
			if (pgt_present(*e) && pge)
				*e |= PGT_G;
			m->frames[f].data[i] = *e;
		}
	}
	cost_update_bytes(m);
	return NULL;
}

static struct pgt_error *boot_synthetic(struct pgt_model *m)
{
	struct pgt_error *err;
	/* With PTI swapper_pg_dir is a pair too: its user half follows it. */
	if ((err = m->pti ? pair_alloc(m, &m->swapper)
			  : frame_alloc(m, F_SWAPPER_PGD, D_FULL, &m->swapper)))
		return err;
	m->frames[m->swapper].kind = F_SWAPPER_PGD;
	if (m->pti)
		m->frames[m->swapper + 1].kind = F_SWAPPER_PGD;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		uint32_t pf;
		if ((err = frame_alloc(m, F_KPMD_SWAPPER, D_FULL, &pf)))
			return err;
		m->frames[pf].slot = (uint8_t)slot;
		m->swapper_kpmd[slot] = pf;
		m->frames[m->swapper].data[slot] = frame_pa(pf) | m->pdpte_flags;
	}
	/* swapper's own pages count as page-table memory too. */
	m->costs.pgd_bytes = 32;
	m->costs.pmd_pages = (uint64_t)m->L.kernel_pgds;

	/* The direct map: kernel_physical_mapping_init(). */
	for (uint64_t off = 0; off < m->L.lowmem; off += PGT_PMD_SIZE) {
		uint32_t va = (uint32_t)(m->L.page_offset + off);
		uint32_t pf = swapper_pmd_frame(m, va);
		int idx = pgt_pmd_index(va);
		/* the large page is executable when either end is text */
		bool exec = is_text(m, va) || is_text(m, va + PGT_PMD_SIZE - 1);
		bool edge = m->rules->direct_map_4k_edges &&
			    (off == 0 || off + PGT_PMD_SIZE > m->L.lowmem);
		if (m->cfg.machine.pse && !edge) {
			m->frames[pf].data[idx] =
				off | (exec ? m->page_kernel_large_exec
					    : m->page_kernel_large);
			continue;
		}
		uint32_t pte = 0;
		if ((err = frame_alloc(m, F_PTE, D_FULL, &pte)))
			return err;
		m->frames[pte].reserved = true;
		m->costs.pte_pages++;
		m->frames[pf].data[idx] = frame_pa(pte) |
					  (edge && off == 0 ? m->rules->early_table_flags
							    : m->rules->pmd_table_flags);
		for (int i = 0; i < PGT_PTRS_PER_PTE; i++) {
			uint64_t pa = off + ((uint64_t)i << PGT_PAGE_SHIFT);
			if (pa >= m->L.lowmem)
				break;
			uint32_t pva = (uint32_t)(m->L.page_offset + pa);
			m->frames[pte].data[i] =
				pa | (is_text(m, pva) ? m->page_kernel_exec
						      : m->page_kernel);
		}
	}
	/* permanent_kmaps_init() and the fixmap's page_table_range_init(). */
	if (m->L.pkmap_base &&
	    (err = page_table_range_init(m, m->L.pkmap_base, m->L.pkmap_end)))
		return err;
	if (m->L.cpu_entry_area_base &&
	    (err = page_table_range_init(m, m->L.cpu_entry_area_base,
					 m->L.cpu_entry_area_end)))
		return err;
	/*
	 * early_ioremap_page_table_range_init() (6.1) / pagetable_init()
	 * (2.6.21): from the lowest fixmap slot, __end_of_fixed_addresses - 1,
	 * boot-time slots included (FIXADDR_TOT_START / FIXADDR_BOOT_START).
	 */
	if ((err = page_table_range_init(m, m->L.fixaddr_boot_start,
					 (uint64_t)m->L.fixaddr_top + PGT_PAGE_SIZE)))
		return err;
	cost_update_bytes(m);
	return NULL;
}

/*
 * idt_setup_apic_and_irq_gates() (6.1): set_memory_ro(&idt_table, 1), after
 * the kernel's tables are up (and the model's pgd_list with them).
 * Boot's work is not the recording's: it leaves no costs but its PTE page.
 */
static struct pgt_error *boot_idt_ro(struct pgt_model *m)
{
	if (!m->rules->idt_ro_at_boot || !m->L.idt_table || m->cfg.image)
		return NULL;
	struct pgt_event ro = {
		.op = PGT_OP_CPA, .addr = m->L.idt_table & ~(PGT_PAGE_SIZE - 1),
		.pages = 1, .prot = PGT_PROT_SETCLR, .clr = PGT_RW,
	};
	struct pgt_costs before = m->costs;
	struct pgt_error *err = m->rules->cpa(m, &ro);
	uint64_t pte = m->costs.pte_pages;
	m->costs = before;
	m->costs.pte_pages = pte;
	cost_update_bytes(m);
	return err;
}

struct pgt_error *model_boot(struct pgt_model *m)
{
	/* The kernel image and bootmem: frames below the first free one. */
	uint32_t first_free = m->rules->boot_reserved_mib << (20 - PGT_PAGE_SHIFT);
	if (first_free + 64 >= m->nframes)
		return pgt_error_create(PGT_ERROR_INVALID,
					"lowmem of %llu bytes is too small to boot the model",
					(unsigned long long)m->L.lowmem);
	for (uint32_t f = 0; f < first_free; f++)
		m->frames[f].kind = F_BOOT;
	m->bump = first_free;
	struct pgt_error *err = m->cfg.image ? boot_from_image(m) : boot_synthetic(m);
	if (!err && m->pti)
		err = boot_pti_user_half(m);
	if (!err)
		err = div_init(m);
	if (!err)
		err = boot_idt_ro(m);
	if (!err && m->cfg.image && m->cfg.nimage_pgds)
		err = adopt_image_pgds(m);
	return err;
}
