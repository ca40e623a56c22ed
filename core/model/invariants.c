/* SPDX-License-Identifier: MIT */
/*
 * The model's invariants, recounted from its tables the slow way: what the
 * incremental bookkeeping must always equal.  For tests and fuzzing; the
 * cost is O(live pgds x 512) per call.
 */
#include <inttypes.h>

#include "internal.h"

#define FAIL(...) pgt_error_create(PGT_ERROR_INVALID, "model invariant: " __VA_ARGS__)

static struct pgt_error *check_rec(const struct pgt_model *m, int32_t r)
{
	const struct rec *rec = &m->recs[r];
	const struct pgt_pgd_stats *s = rec_cold_peek(m, rec);
	if (rec->id >= m->by_id_cap || m->by_id[rec->id].rec != r)
		return FAIL("live pgd %" PRIu32 " is not found by its id", rec->id);
	const struct id_slot *is = &m->by_id[rec->id];
	if (is->cgen != rec->cgen || is->wsum != rec_wsum(m, rec))
		return FAIL("live pgd %" PRIu32 "'s id slot does not summarize its record",
			    rec->id);
	const struct pgd_obj *ob = &m->objs[rec->obj];
	if (!ob->allocated || ob->rec != r)
		return FAIL("live pgd %" PRIu32 "'s object is not allocated to it", rec->id);
	/* pgd_list: unshared pgds from pgd_ctor on, shared ones never */
	if (ob->on_list != !m->shared)
		return FAIL("live pgd %" PRIu32 " is %son pgd_list with the PMD %s",
			    rec->id, ob->on_list ? "" : "not ",
			    m->shared ? "shared" : "unshared");
	if (rec->own != !m->shared)
		return FAIL("live pgd %" PRIu32 " with%s a private copy is%s among own_bits",
			    rec->id, m->shared ? "out" : "", rec->own ? "" : " not");
	uint32_t missing = 0, stale = 0, different = 0;
	const uint64_t *pgd = m->frames[ob->frame].data + ob->index;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		uint32_t want = m->shared ? m->swapper_kpmd[slot] : rec->kpmd[slot];
		if (!pgt_present(pgd[slot]) ||
		    pgt_entry_addr(pgd[slot]) >> PGT_PAGE_SHIFT != want)
			return FAIL("pgd %" PRIu32 "'s kernel slot %d does not point at its kernel PMD",
				    rec->id, slot);
		if (m->shared) {
			/* walk_mapped reads no record when shared */
			if (rec->kpmd[slot])
				return FAIL("shared pgd %" PRIu32 " has a kernel PMD copy", rec->id);
			continue;
		}
		const struct frame *fr = &m->frames[want];
		if (fr->kind != F_KPMD_COPY || fr->virt != V_COPY ||
		    frame_owner(fr) != r)
			return FAIL("pgd %" PRIu32 "'s kernel PMD copy is not owned by it", rec->id);
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			bool x = fr->x && fr->x->n && bit_test(fr->x->bits, i);
			if (x != (rec->xsum[slot] >> (i >> 3) & 1) && x)
				return FAIL("pgd %" PRIu32 "'s summary misses explicit entry %d",
					    rec->id, i);
			if (excluded_entry(m, slot, i))
				continue;
			switch (pgt_div_of(entry_at(m, want, i),
					   m->frames[m->swapper_kpmd[slot]].data[i])) {
			case PGT_DIV_MISSING:
				missing++;
				break;
			case PGT_DIV_STALE:
				stale++;
				break;
			case PGT_DIV_DIFFERENT:
				different++;
				break;
			default:
				break;
			}
		}
	}
	if (missing != s->missing || stale != s->stale || different != s->different)
		return FAIL("pgd %" PRIu32 " counts %u/%u/%u missing/stale/different, its tables %u/%u/%u",
			    rec->id, s->missing, s->stale, s->different, missing,
			    stale, different);
	if (pgt_pgd_divergent(s) > s->max_divergent)
		return FAIL("pgd %" PRIu32 " diverges more than its max", rec->id);
	return NULL;
}

struct pgt_error *pgt_model_check(const struct pgt_model *m)
{
	size_t live = 0, own = 0;
	for (size_t r = 0; r < m->nrecs; r++) {
		const struct rec *rec = &m->recs[r];
		if (rec->own && !(rec->used && rec->live))
			return FAIL("record %zu is among own_bits, not a live pgd", r);
		own += rec->own;
		if (!rec->used || !rec->live)
			continue;
		live++;
		struct pgt_error *err = check_rec(m, (int32_t)r);
		if (err)
			return err;
	}
	if (own != m->nown_live)
		return FAIL("%zu live private copies, nown_live says %zu", own,
			    m->nown_live);
	/* for_each_own_live visits exactly the records marked own, in order */
	size_t seen = 0;
	int32_t prev = -1;
	for_each_own_live(m, rec) {
		int32_t r = (int32_t)(rec - m->recs);
		if (r <= prev || !rec->own)
			return FAIL("record %" PRId32 " is in own_bits, not marked own", r);
		prev = r;
		seen++;
	}
	if (seen != m->nown_live)
		return FAIL("own_bits holds %zu records, nown_live says %zu", seen,
			    m->nown_live);
	/* pgd_list holds the live unshared pgds and the freed objects whose
	 * destructor has not run */
	uint64_t on_list = 0, zombies = 0;
	for (size_t o = 0; o < m->nobjs; o++) {
		const struct pgd_obj *ob = &m->objs[o];
		on_list += ob->on_list;
		zombies += ob->on_list && !ob->allocated;
		if (ob->on_list && !ob->allocated && !ob->zombie)
			return FAIL("freed object %zu on pgd_list is not known as such", o);
	}
	/* the sorted prefix in list order, holes and all; then the rest */
	size_t kept = 0;
	if (m->zsorted > m->zslots || m->zslots > m->zombies_cap)
		return FAIL("freed pgds on pgd_list: %zu sorted of %zu slots", m->zsorted,
			    m->zslots);
	for (size_t i = 0; i < m->zslots; i++) {
		const struct list_member *z = &m->zombies[i];
		if (i && i < m->zsorted && m->zombies[i - 1].seq <= z->seq)
			return FAIL("freed pgds on pgd_list out of list order at %zu", i);
		if (z->obj < 0 && i < m->zsorted)
			continue;
		if (z->obj < 0 || (size_t)z->obj >= m->nobjs ||
		    m->objs[z->obj].list_seq != z->seq || !m->objs[z->obj].zombie)
			return FAIL("freed pgd on pgd_list at %zu is not one", i);
		kept++;
	}
	if (kept != m->nzombies)
		return FAIL("%zu freed pgds on pgd_list kept, %zu counted", kept, m->nzombies);
	if (on_list != m->list_len || zombies != m->nzombies)
		return FAIL("pgd_list: %" PRIu64 " on it and %" PRIu64 " freed, counted %" PRIu64 " and %zu",
			    on_list, zombies, m->list_len, m->nzombies);
	if (m->rules->dtor_at_free && zombies)
		return FAIL("%" PRIu64 " freed pgds on pgd_list though pgd_dtor runs at pgd_free",
			    zombies);
	/* explicit-entry counts per entry */
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++)
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			uint32_t n = 0;
			for_each_own_live(m, rec) {
				const struct frame *fr = &m->frames[rec->kpmd[slot]];
				n += fr->x && fr->x->n && bit_test(fr->x->bits, i);
			}
			if (n != m->nexplicit[slot][i])
				return FAIL("entry %d of slot %d: %u copies hold their own value, counted %u",
					    i, slot, n, m->nexplicit[slot][i]);
		}
	return NULL;
}
