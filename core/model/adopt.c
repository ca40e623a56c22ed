/* SPDX-License-Identifier: MIT */
/*
 * Recordings that start on a running machine: pgds alive before the first
 * event.  Either the recording names one before any pgd_alloc (it is
 * adopted, its kernel PMD taken to be in step with swapper's), or a memory
 * image taken when the recording began has it (it is taken with its own
 * tables: the pgd, and with PTI its user half, and its kernel PMD copies as
 * they are).  Either way its history before the recording is unknown, and
 * its record says so.
 */
#include "internal.h"

struct pgt_error *pgd_adopt(struct pgt_model *m, uint32_t id, int32_t *ret)
{
	*ret = -1;
	if (!m->cfg.adopt || !id)
		return NULL;
	if (id < m->by_id_cap && m->by_id[id].rec != ID_NEVER)
		return NULL; /* freed earlier in the recording: not before it */
	struct pgt_event ev = {
		.op = PGT_OP_PGD_ALLOC, .pgd = id, .pid = -1, .cpu = -1,
		.t_ns = PGT_NO_TIME,
	};
	/* Its copies were made before the recording: no copy is counted. */
	uint64_t copied = m->costs.pmd_copy_entries;
	int32_t r;
	struct pgt_error *err = pgd_alloc_rec(m, &ev, &r);
	if (err)
		return err;
	m->costs.pmd_copy_entries = copied;
	m->recs[r].adopted = true;
	m->costs.adopted_pgds++;
	*ret = r;
	return NULL;
}

/* Take a user PMD page of an imported pgd (its content is not modelled). */
static uint32_t take_user_pmd(struct pgt_model *m, uint64_t pgde)
{
	uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
	if (!pgt_present(pgde) || pfn >= m->nframes)
		return 0;
	if (m->frames[pfn].kind == F_FREE)
		m->frames[pfn].kind = F_UPMD;
	m->costs.pmd_pages++;
	return (uint32_t)pfn;
}

/* A kernel PMD copy as the image has it, kept the model's way. */
static struct pgt_error *take_kernel_pmd(struct pgt_model *m, int32_t r,
					 int slot, uint64_t pgde, uint32_t *ret)
{
	uint32_t f;
	struct pgt_error *err = import_page(m, pgt_entry_addr(pgde), F_KPMD_COPY, &f);
	if (err)
		return err;
	if (m->frames[f].virt != V_DATA || frame_owner(&m->frames[f]) >= 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"image: two pgds share the kernel PMD page at 0x%llx",
					(unsigned long long)frame_pa(f));
	uint64_t v[PGT_PTRS_PER_PMD];
	memcpy(v, m->frames[f].data, sizeof(v));
	page_data_free(m, m->frames[f].data);
	m->frames[f].data = NULL;
	m->frames[f].kind = F_KPMD_COPY;
	if ((err = copy_init(m, f, slot, r)))
		return err;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++)
		if ((err = pmd_write(m, f, i, v[i])))
			return err;
	m->costs.pmd_pages++;
	m->costs.kernel_pmd_copies++;
	*ret = f;
	return NULL;
}

static struct pgt_error *adopt_one(struct pgt_model *m,
				   const struct pgt_image_pgd *ip)
{
	if (live_rec(m, ip->id) >= 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"image: pgd at 0x%llx named twice",
					(unsigned long long)ip->pa);
	uint64_t align = m->shared ? 32 : m->pti ? 2 * PGT_PAGE_SIZE : PGT_PAGE_SIZE;
	if (ip->pa & (align - 1))
		return pgt_error_create(PGT_ERROR_INPUT,
					"image: pgd at physical 0x%llx is not %llu-byte aligned as %s pgds are",
					(unsigned long long)ip->pa,
					(unsigned long long)align,
					m->shared ? "shared" : "unshared");
	uint32_t pf;
	struct pgt_error *err = import_page(m, ip->pa & ~(PGT_PAGE_SIZE - 1), F_PGD, &pf);
	if (err)
		return err;
	int32_t r, o;
	if ((err = rec_new(m, &r)))
		return err;
	if ((err = new_obj(m, pf, (uint16_t)((ip->pa & (PGT_PAGE_SIZE - 1)) / 8), &o)))
		return err;
	struct rec *rec = &m->recs[r];
	rec->id = ip->id;
	rec->serial = ++m->serial;
	rec->pid = -1;
	rec->live = true;
	rec->adopted = true;
	rec->pa = ip->pa;
	rec->obj = o;
	m->objs[o].allocated = true;
	m->objs[o].constructed = true;
	m->objs[o].rec = r;
	m->objs[o].last_id = ip->id;
	uint64_t pgd[PGT_PTRS_PER_PGD];
	memcpy(pgd, obj_entries(m, o), sizeof(pgd));
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		if (i < m->L.user_pgds) {
			m->recs[r].upmd[i] = take_user_pmd(m, pgd[i]);
			continue;
		}
		if (!pgt_present(pgd[i]))
			return pgt_error_create(PGT_ERROR_INPUT,
						"image: pgd at 0x%llx has no kernel slot %d",
						(unsigned long long)ip->pa, i);
		if (m->shared)
			continue; /* swapper's kernel PMD, as imported */
		uint32_t f;
		if ((err = take_kernel_pmd(m, r, i, pgd[i], &f)))
			return err;
		m->recs[r].kpmd[i] = f;
	}
	if (m->pti) {
		/* The user half: its own kernel PMD (pgd_prepopulate_user_pmd). */
		uint32_t uh;
		if ((err = import_page(m, frame_pa(pf + 1), F_PGD, &uh)))
			return err;
		m->recs[r].uhalf = uh;
		for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++) {
			uint64_t e = m->frames[uh].data[i];
			if (!pgt_present(e))
				continue;
			uint32_t f;
			if ((err = import_page(m, pgt_entry_addr(e), F_UHALF_KPMD, &f)))
				return err;
			m->frames[f].slot = (uint8_t)i;
			m->recs[r].uhalf_kpmd[i] = f;
			m->costs.pmd_pages++;
			m->costs.kernel_pmd_copies++;
		}
	}
	if (!m->shared) {
		list_add(m, o);
		if ((err = own_live_add(m, r)))
			return err;
	}
	m->costs.pgd_bytes += align;
	cost_update_bytes(m);
	m->costs.adopted_pgds++;
	return id_set_live(m, ip->id, r);
}

struct pgt_error *adopt_image_pgds(struct pgt_model *m)
{
	for (size_t i = 0; i < m->cfg.nimage_pgds; i++) {
		struct pgt_error *err = adopt_one(m, &m->cfg.image_pgds[i]);
		if (err)
			return err;
	}
	rec_settle_dirty(m);
	return NULL;
}
