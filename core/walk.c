/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "walk.h"

struct pgt_error *pgt_physmem_read_u64(const struct pgt_physmem *mem,
				       uint64_t pa, uint64_t *ret)
{
	uint8_t b[8];
	struct pgt_error *err = pgt_physmem_read(mem, pa, b, sizeof(b));
	if (err)
		return err;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	*ret = v;
	return NULL;
}

const char *pgt_level_name(enum pgt_level level)
{
	switch (level) {
	case PGT_LEVEL_PTE:
		return "pte";
	case PGT_LEVEL_PMD:
		return "pmd";
	case PGT_LEVEL_PGD:
		return "pgd";
	}
	return "?";
}

static struct pgt_error *read_entry(const struct pgt_physmem *mem,
				    const char *what, uint64_t pa,
				    uint64_t *ret)
{
	struct pgt_error *err = pgt_physmem_read_u64(mem, pa, ret);
	if (err)
		return pgt_error_prefix(err, "%s at physical 0x%llx", what,
					(unsigned long long)pa);
	return NULL;
}

struct pgt_error *pgt_walk(const struct pgt_physmem *mem, uint64_t cr3,
			   uint32_t va, struct pgt_walk *ret)
{
	memset(ret, 0, sizeof(*ret));
	/* Loading CR3 loads all four PDPTEs: one with reserved bits is a #GP. */
	uint64_t pdpt[PGT_PTRS_PER_PGD];
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		struct pgt_error *err = read_entry(mem, "PDPTE",
			pgt_cr3_pdpt(cr3) + 8 * (uint64_t)i, &pdpt[i]);
		if (err)
			return err;
		if (!ret->rsvd && pgt_pdpte_rsvd(pdpt[i])) {
			ret->rsvd = pgt_pdpte_rsvd(pdpt[i]);
			ret->rsvd_level = PGT_LEVEL_PGD;
			ret->rsvd_slot = i;
		}
	}
	uint64_t pa = pgt_cr3_pdpt(cr3) + 8 * pgt_pgd_index(va);
	uint64_t e = pdpt[pgt_pgd_index(va)];
	struct pgt_error *err;
	ret->step[ret->nsteps++] = (struct pgt_walk_step){PGT_LEVEL_PGD, pa, e};
	ret->level = PGT_LEVEL_PGD;
	if (!pgt_present(e) || ret->rsvd)
		return NULL;

	pa = pgt_entry_addr(e) + 8 * pgt_pmd_index(va);
	if ((err = read_entry(mem, "PDE", pa, &e)))
		return err;
	ret->step[ret->nsteps++] = (struct pgt_walk_step){PGT_LEVEL_PMD, pa, e};
	ret->level = PGT_LEVEL_PMD;
	if (!pgt_present(e))
		return NULL;
	if (pgt_pde_rsvd(e)) {
		ret->rsvd = pgt_pde_rsvd(e);
		ret->rsvd_level = PGT_LEVEL_PMD;
		return NULL;
	}
	bool user = e & PGT_US, writable = e & PGT_RW, nx = e & PGT_NX;
	if (pgt_large(e)) {
		ret->present = true;
		ret->page_size = PGT_PMD_SIZE;
		ret->pa = pgt_large_addr(e) | (va & (PGT_PMD_SIZE - 1));
		ret->leaf = e;
	} else {
		pa = pgt_entry_addr(e) + 8 * pgt_pte_index(va);
		if ((err = read_entry(mem, "PTE", pa, &e)))
			return err;
		ret->step[ret->nsteps++] =
			(struct pgt_walk_step){PGT_LEVEL_PTE, pa, e};
		ret->level = PGT_LEVEL_PTE;
		if (!pgt_present(e))
			return NULL;
		if (pgt_pte_rsvd(e)) {
			ret->rsvd = pgt_pte_rsvd(e);
			ret->rsvd_level = PGT_LEVEL_PTE;
			return NULL;
		}
		user = user && (e & PGT_US);
		writable = writable && (e & PGT_RW);
		nx = nx || (e & PGT_NX);
		ret->present = true;
		ret->page_size = PGT_PAGE_SIZE;
		ret->pa = pgt_entry_addr(e) | (va & (PGT_PAGE_SIZE - 1));
		ret->leaf = e;
	}
	ret->user = user;
	ret->writable = writable;
	ret->nx = nx;
	return NULL;
}

/* The note_page() of the kernel's ptdump: merges units into ranges. */
struct range_state {
	struct pgt_range cur;
	bool have;
	pgt_range_fn fn;
	void *arg;
};

static bool same_range(const struct pgt_range *a, const struct pgt_range *b)
{
	return a->present == b->present && a->level == b->level &&
	       a->flags == b->flags && a->user == b->user &&
	       a->writable == b->writable && a->nx == b->nx &&
	       a->differs == b->differs && a->rsvd == b->rsvd;
}

static struct pgt_error *note_unit(struct range_state *st,
				   const struct pgt_range *unit)
{
	if (st->have && st->cur.end == unit->start &&
	    same_range(&st->cur, unit)) {
		st->cur.end = unit->end;
		return NULL;
	}
	if (st->have) {
		struct pgt_error *err = st->fn(&st->cur, st->arg);
		if (err)
			return err;
	}
	st->cur = *unit;
	st->have = true;
	return NULL;
}

struct pgt_error *pgt_read_pdpt(const struct pgt_physmem *mem, uint64_t pa,
				uint64_t ret[PGT_PTRS_PER_PGD])
{
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		struct pgt_error *err =
			pgt_physmem_read_u64(mem, pa + 8 * (uint64_t)i, &ret[i]);
		if (err)
			return pgt_error_prefix(err, "pgd at physical 0x%llx",
						(unsigned long long)pa);
	}
	return NULL;
}

struct pgt_error *pgt_read_table(const struct pgt_physmem *mem, uint64_t pa,
				 uint64_t ret[PGT_PTRS_PER_PMD])
{
	uint8_t buf[PGT_PAGE_SIZE];
	struct pgt_error *err = pgt_physmem_read(mem, pa, buf, sizeof(buf));
	if (err)
		return err;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		uint64_t v = 0;
		for (int j = 7; j >= 0; j--)
			v = (v << 8) | buf[8 * i + j];
		ret[i] = v;
	}
	return NULL;
}

static struct pgt_error *read_table(const struct pgt_physmem *mem,
				    const char *what, uint64_t pa,
				    uint64_t table[PGT_PTRS_PER_PMD])
{
	struct pgt_error *err = pgt_read_table(mem, pa, table);
	if (err)
		return pgt_error_prefix(err, "%s page at physical 0x%llx", what,
					(unsigned long long)pa);
	return NULL;
}

#define LEAF_FLAGS(e) ((e) & PGT_FLAGS_MASK & ~(PGT_A | PGT_D))

struct pgt_error *pgt_ranges(const struct pgt_physmem *mem, uint64_t cr3,
			     uint64_t ref_cr3, uint64_t start, uint64_t end,
			     pgt_range_fn fn, void *arg)
{
	struct range_state st = {.fn = fn, .arg = arg};
	struct pgt_error *err;
	uint64_t pdpt[PGT_PTRS_PER_PGD], ref_pdpt[PGT_PTRS_PER_PGD] = {0};
	uint64_t gp = 0; /* reserved bits of the first PDPTE that has some */
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		uint64_t pa = pgt_cr3_pdpt(cr3) + 8 * i;
		if ((err = read_entry(mem, "PDPTE", pa, &pdpt[i])))
			return err;
		if (!gp)
			gp = pgt_pdpte_rsvd(pdpt[i]);
		if (ref_cr3 &&
		    (err = read_entry(mem, "PDPTE", pgt_cr3_pdpt(ref_cr3) + 8 * i,
				      &ref_pdpt[i])))
			return err;
	}
	static uint64_t zero[PGT_PTRS_PER_PMD];
	uint64_t pmd[PGT_PTRS_PER_PMD], ref_pmd[PGT_PTRS_PER_PMD];
	uint64_t pte[PGT_PTRS_PER_PTE];
	start &= ~(PGT_PAGE_SIZE - 1);
	for (int gi = (int)(start >> PGT_PGDIR_SHIFT);
	     gi < PGT_PTRS_PER_PGD && ((uint64_t)gi << PGT_PGDIR_SHIFT) < end;
	     gi++) {
		uint64_t gbase = (uint64_t)gi << PGT_PGDIR_SHIFT;
		const uint64_t *ref = zero;
		if (ref_cr3 && pgt_present(ref_pdpt[gi])) {
			if ((err = read_table(mem, "reference PMD",
					      pgt_entry_addr(ref_pdpt[gi]),
					      ref_pmd)))
				return err;
			ref = ref_pmd;
		}
		if (!pgt_present(pdpt[gi]) || gp) {
			/* Split only where the reference has PDEs, so that
			 * "differs" stays exact.  With a PDPTE's reserved
			 * bits set, CR3 cannot be loaded: nothing is mapped. */
			for (int mi = 0; mi < PGT_PTRS_PER_PMD; mi++) {
				uint64_t a = gbase + ((uint64_t)mi << PGT_PMD_SHIFT);
				if (a + PGT_PMD_SIZE <= start || a >= end)
					continue;
				struct pgt_range u = {
					.start = a < start ? start : a,
					.end = a + PGT_PMD_SIZE > end ? end : a + PGT_PMD_SIZE,
					.level = PGT_LEVEL_PGD,
					.differs = ref_cr3 && ref[mi] != 0,
					.rsvd = gp,
				};
				if ((err = note_unit(&st, &u)))
					return err;
			}
			continue;
		}
		if ((err = read_table(mem, "PMD", pgt_entry_addr(pdpt[gi]), pmd)))
			return err;
		for (int mi = 0; mi < PGT_PTRS_PER_PMD; mi++) {
			uint64_t a = gbase + ((uint64_t)mi << PGT_PMD_SHIFT);
			if (a + PGT_PMD_SIZE <= start || a >= end)
				continue;
			uint64_t e = pmd[mi];
			bool differs = ref_cr3 && e != ref[mi];
			if (!pgt_present(e) || pgt_large(e)) {
				struct pgt_range u = {
					.start = a < start ? start : a,
					.end = a + PGT_PMD_SIZE > end ? end : a + PGT_PMD_SIZE,
					.level = PGT_LEVEL_PMD,
					.present = pgt_present(e),
					.differs = differs,
				};
				if (u.present && pgt_pde_rsvd(e)) {
					u.present = false;
					u.rsvd = pgt_pde_rsvd(e);
				} else if (u.present) {
					u.flags = LEAF_FLAGS(e);
					u.user = e & PGT_US;
					u.writable = e & PGT_RW;
					u.nx = e & PGT_NX;
				}
				if ((err = note_unit(&st, &u)))
					return err;
				continue;
			}
			if (pgt_pde_rsvd(e)) {
				struct pgt_range u = {
					.start = a < start ? start : a,
					.end = a + PGT_PMD_SIZE > end ? end : a + PGT_PMD_SIZE,
					.level = PGT_LEVEL_PMD,
					.differs = differs,
					.rsvd = pgt_pde_rsvd(e),
				};
				if ((err = note_unit(&st, &u)))
					return err;
				continue;
			}
			if ((err = read_table(mem, "PTE", pgt_entry_addr(e), pte)))
				return err;
			for (int ti = 0; ti < PGT_PTRS_PER_PTE; ti++) {
				uint64_t va = a + ((uint64_t)ti << PGT_PAGE_SHIFT);
				if (va < start || va >= end)
					continue;
				uint64_t t = pte[ti];
				struct pgt_range u = {
					.start = va,
					.end = va + PGT_PAGE_SIZE,
					.level = PGT_LEVEL_PTE,
					.present = pgt_present(t),
					.differs = differs,
				};
				if (u.present && pgt_pte_rsvd(t)) {
					u.present = false;
					u.rsvd = pgt_pte_rsvd(t);
				} else if (u.present) {
					u.flags = LEAF_FLAGS(t);
					u.user = (e & PGT_US) && (t & PGT_US);
					u.writable = (e & PGT_RW) && (t & PGT_RW);
					u.nx = (e & PGT_NX) || (t & PGT_NX);
				}
				if ((err = note_unit(&st, &u)))
					return err;
			}
		}
	}
	if (st.have)
		return fn(&st.cur, arg);
	return NULL;
}
