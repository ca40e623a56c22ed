/* SPDX-License-Identifier: MIT */
/*
 * Kernel-PMD divergence: how each pgd's private copy of the kernel PMD
 * relates to swapper_pg_dir's, kept entry by entry as writes happen, and
 * the copies themselves (see internal.h for how they are stored).  Every
 * write to a kernel PMD page goes through pmd_write() (the kernel's
 * set_pmd()) or copies_write_all() (a write to every pgd on pgd_list).
 */
#include "internal.h"

const char *pgt_div_name(enum pgt_div d)
{
	static const char *const names[] = {"equal", "missing", "stale",
					    "different"};
	return (unsigned)d < 4 ? names[d] : "?";
}

enum pgt_div pgt_div_of(uint64_t mine, uint64_t ref)
{
	if (mine == ref)
		return PGT_DIV_EQUAL;
	bool p = pgt_present(mine), q = pgt_present(ref);
	if (!p && !q)
		return PGT_DIV_EQUAL; /* both absent: no mapping either way */
	if (!p)
		return PGT_DIV_MISSING;
	if (!q)
		return PGT_DIV_STALE;
	return PGT_DIV_DIFFERENT;
}

static uint64_t swapper_entry(const struct pgt_model *m, int slot, int idx)
{
	return m->frames[m->swapper_kpmd[slot]].data[idx];
}

static void lag_update(struct pgt_model *m, int slot, int idx)
{
	if (m->dflt[slot][idx] != swapper_entry(m, slot, idx))
		bit_set(m->lagging[slot], idx);
	else
		bit_clear(m->lagging[slot], idx);
}

void div_init(struct pgt_model *m)
{
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		memcpy(m->dflt[slot], m->frames[m->swapper_kpmd[slot]].data,
		       sizeof(m->dflt[slot]));
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			/* 6.1: the per-process LDT mapping lives in each pgd's
			 * own kernel PMD and is no divergence. */
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)i << PGT_PMD_SHIFT);
			if (m->L.ldt_end && va >= m->L.ldt_base && va < m->L.ldt_end)
				bit_set(m->excluded[slot], i);
		}
	}
}

/* ---- per-record counts ---- */

static void rec_count(struct rec *r, enum pgt_div c, int delta)
{
	switch (c) {
	case PGT_DIV_MISSING:
		r->s.missing += delta;
		break;
	case PGT_DIV_STALE:
		r->s.stale += delta;
		break;
	case PGT_DIV_DIFFERENT:
		r->s.different += delta;
		break;
	default:
		break;
	}
}

/*
 * Max and first divergence are taken between events: the kernel's own
 * window between writing init_mm and broadcasting is not a divergence a
 * process can be caught in at an event boundary.
 */
void rec_settle(const struct pgt_model *m, struct rec *r)
{
	uint32_t d = pgt_pgd_divergent(&r->s);
	if (d > r->s.max_divergent) {
		r->s.max_divergent = d;
		r->s.max_line = m->line;
	}
	if (d && !r->s.first_divergence_line)
		r->s.first_divergence_line = m->line;
}

static void rec_mark(struct pgt_model *m, struct rec *r)
{
	if (r->dirty)
		return;
	if (GROW(m->dirty, m->dirty_cap, m->ndirty + 1)) {
		rec_settle(m, r); /* no memory for the list: settle now */
		return;
	}
	r->dirty = true;
	m->dirty[m->ndirty++] = (int32_t)(r - m->recs);
}

void rec_settle_dirty(struct pgt_model *m)
{
	for (size_t i = 0; i < m->ndirty; i++) {
		struct rec *r = &m->recs[m->dirty[i]];
		r->dirty = false;
		if (r->used && r->s.live)
			rec_settle(m, r);
	}
	m->ndirty = 0;
}

static void rec_change(struct pgt_model *m, struct rec *r, int slot, int idx,
		       uint64_t old_mine, uint64_t new_mine, uint64_t old_ref,
		       uint64_t new_ref)
{
	if (excluded_entry(m, slot, idx))
		return;
	enum pgt_div a = pgt_div_of(old_mine, old_ref);
	enum pgt_div b = pgt_div_of(new_mine, new_ref);
	if (a == b)
		return;
	rec_count(r, a, -1);
	rec_count(r, b, +1);
	rec_mark(m, r);
}

/* ---- explicit entries ---- */

static bool is_live_copy(const struct pgt_model *m, uint32_t f)
{
	const struct frame *fr = &m->frames[f];
	return fr->kind == F_KPMD_COPY && fr->virt == V_COPY && fr->owner >= 0;
}

static bool has_explicit(const struct frame *fr, int idx)
{
	return fr->x && bit_test(fr->x->bits, idx);
}

/* Keep only live copies with an explicit value at the entry, once each. */
static void explicit_compact(struct pgt_model *m, int slot, int idx)
{
	struct u32vec *v = &m->explicit_at[slot][idx];
	uint32_t stamp = ++m->stamp, n = 0;
	for (uint32_t i = 0; i < v->n; i++) {
		uint32_t f = v->v[i];
		struct frame *fr = &m->frames[f];
		if (!is_live_copy(m, f) || fr->slot != slot ||
		    !has_explicit(fr, idx) || fr->stamp == stamp)
			continue;
		fr->stamp = stamp;
		v->v[n++] = f;
	}
	v->n = n;
}

static struct pgt_error *x_set(struct pgt_model *m, uint32_t f, int idx,
			       uint64_t val)
{
	struct frame *fr = &m->frames[f];
	if (!fr->x) {
		if (!(fr->x = malloc(sizeof(*fr->x))))
			return &pgt_error_nomem;
		memset(fr->x->bits, 0, sizeof(fr->x->bits));
	}
	fr->x->v[idx] = val;
	if (bit_test(fr->x->bits, idx))
		return NULL;
	bit_set(fr->x->bits, idx);
	if (!is_live_copy(m, f))
		return NULL;
	int slot = fr->slot;
	m->nexplicit[slot][idx]++;
	struct u32vec *v = &m->explicit_at[slot][idx];
	if (v->n > 2 * m->nexplicit[slot][idx] + 16)
		explicit_compact(m, slot, idx);
	return u32vec_push(v, f);
}

static void x_clear(struct pgt_model *m, uint32_t f, int idx)
{
	struct frame *fr = &m->frames[f];
	if (!has_explicit(fr, idx))
		return;
	bit_clear(fr->x->bits, idx);
	if (is_live_copy(m, f))
		m->nexplicit[fr->slot][idx]--;
}

struct pgt_error *copies_explicit_at(struct pgt_model *m, int slot, int idx,
				     struct u32vec *ret)
{
	explicit_compact(m, slot, idx);
	*ret = m->explicit_at[slot][idx];
	return NULL;
}

/* Entries of a freed copy still reachable through pgd_list keep their value. */
static struct pgt_error *freed_copies_pin(struct pgt_model *m, int slot, int idx)
{
	struct u32vec *v = &m->freed_copies;
	uint32_t n = 0;
	for (uint32_t i = 0; i < v->n; i++) {
		uint32_t f = v->v[i];
		struct frame *fr = &m->frames[f];
		if (fr->kind != F_FREE || fr->virt != V_COPY) {
			fr->pending = false;
			continue;
		}
		v->v[n++] = f;
		if (fr->slot == slot && !has_explicit(fr, idx)) {
			struct pgt_error *err = x_set(m, f, idx, m->dflt[slot][idx]);
			if (err)
				return err;
		}
	}
	v->n = n;
	return NULL;
}

struct pgt_error *copy_init(struct pgt_model *m, uint32_t f, int slot, int32_t r)
{
	struct frame *fr = &m->frames[f];
	fr->slot = (uint8_t)slot;
	fr->virt = V_COPY;
	fr->owner = r;
	if (fr->x)
		memset(fr->x->bits, 0, sizeof(fr->x->bits));
	/* pmd_cache_alloc() copies swapper's entries as they are now. */
	for (int w = 0; w < PGT_PTRS_PER_PMD / 64; w++)
		for (uint64_t bits = m->lagging[slot][w]; bits; bits &= bits - 1) {
			int idx = w * 64 + __builtin_ctzll(bits);
			struct pgt_error *err = x_set(m, f, idx,
						      swapper_entry(m, slot, idx));
			if (err)
				return err;
		}
	return NULL;
}

struct pgt_error *copy_release(struct pgt_model *m, uint32_t f, bool keep)
{
	struct frame *fr = &m->frames[f];
	int slot = fr->slot;
	if (fr->x)
		for (int w = 0; w < PGT_PTRS_PER_PMD / 64; w++)
			for (uint64_t bits = fr->x->bits[w]; bits; bits &= bits - 1)
				m->nexplicit[slot][w * 64 + __builtin_ctzll(bits)]--;
	fr->owner = -1;
	if (!keep) {
		fr->virt = V_DATA;
		if (fr->data) {
			free(fr->data);
			fr->data = NULL;
		}
		return NULL;
	}
	/* Its entries stay dflt-relative until dflt changes (freed_copies_pin). */
	if (fr->pending)
		return NULL;
	fr->pending = true;
	return u32vec_push(&m->freed_copies, f);
}

/* ---- writes ---- */

/* A write to swapper's kernel PMD alone: every copy now compares with @val. */
static void swapper_write(struct pgt_model *m, int slot, int idx, uint64_t val)
{
	uint64_t *sw = &m->frames[m->swapper_kpmd[slot]].data[idx];
	uint64_t old = *sw;
	if (old == val)
		return;
	m->swapper_line[slot][idx] = m->line;
	uint64_t d = m->dflt[slot][idx];
	if (!excluded_entry(m, slot, idx)) {
		if (pgt_div_of(d, old) != pgt_div_of(d, val))
			for (size_t i = 0; i < m->nown_live; i++) {
				struct rec *r = &m->recs[m->own_live[i]];
				const struct frame *fr = &m->frames[r->kpmd[slot]];
				if (!has_explicit(fr, idx))
					rec_change(m, r, slot, idx, d, d, old, val);
			}
		struct u32vec v;
		copies_explicit_at(m, slot, idx, &v);
		for (uint32_t i = 0; i < v.n; i++) {
			const struct frame *fr = &m->frames[v.v[i]];
			uint64_t mine = fr->x->v[idx];
			rec_change(m, &m->recs[fr->owner], slot, idx, mine, mine, old, val);
		}
	}
	*sw = val;
	lag_update(m, slot, idx);
}

static struct pgt_error *copy_write(struct pgt_model *m, uint32_t f, int idx,
				    uint64_t val)
{
	struct frame *fr = &m->frames[f];
	int slot = fr->slot;
	uint64_t old = entry_at(m, f, idx);
	if (old == val)
		return NULL;
	if (fr->owner >= 0) {
		uint64_t ref = swapper_entry(m, slot, idx);
		rec_change(m, &m->recs[fr->owner], slot, idx, old, val, ref, ref);
	}
	if (val == m->dflt[slot][idx] && fr->owner >= 0) {
		x_clear(m, f, idx);
		return NULL;
	}
	return x_set(m, f, idx, val);
}

struct pgt_error *pmd_write(struct pgt_model *m, uint32_t f, int idx, uint64_t val)
{
	struct frame *fr = &m->frames[f];
	if (fr->kind == F_KPMD_SWAPPER) {
		swapper_write(m, fr->slot, idx, val);
		return NULL;
	}
	if (fr->virt == V_COPY)
		return copy_write(m, f, idx, val);
	struct pgt_error *err = frame_ensure_data(m, f);
	if (err)
		return err;
	fr->data[idx] = val;
	return NULL;
}

struct pgt_error *copies_write_all(struct pgt_model *m, int slot, int idx,
				   uint64_t val)
{
	uint64_t d = m->dflt[slot][idx];
	uint64_t ref = swapper_entry(m, slot, idx);
	if (!excluded_entry(m, slot, idx) &&
	    pgt_div_of(d, ref) != pgt_div_of(val, ref))
		for (size_t i = 0; i < m->nown_live; i++) {
			struct rec *r = &m->recs[m->own_live[i]];
			if (!has_explicit(&m->frames[r->kpmd[slot]], idx))
				rec_change(m, r, slot, idx, d, val, ref, ref);
		}
	struct u32vec v;
	copies_explicit_at(m, slot, idx, &v);
	for (uint32_t i = 0; i < v.n; i++) {
		struct frame *fr = &m->frames[v.v[i]];
		rec_change(m, &m->recs[fr->owner], slot, idx, fr->x->v[idx], val,
			   ref, ref);
		bit_clear(fr->x->bits, idx);
	}
	m->explicit_at[slot][idx].n = 0;
	m->nexplicit[slot][idx] = 0;
	if (d != val) {
		struct pgt_error *err = freed_copies_pin(m, slot, idx);
		if (err)
			return err;
		m->dflt[slot][idx] = val;
		lag_update(m, slot, idx);
	}
	return NULL;
}

struct pgt_error *copies_write_default(struct pgt_model *m, int slot, int idx,
				       uint64_t val)
{
	uint64_t d = m->dflt[slot][idx];
	if (d == val)
		return NULL;
	uint64_t ref = swapper_entry(m, slot, idx);
	if (!excluded_entry(m, slot, idx) &&
	    pgt_div_of(d, ref) != pgt_div_of(val, ref))
		for (size_t i = 0; i < m->nown_live; i++) {
			struct rec *r = &m->recs[m->own_live[i]];
			if (!has_explicit(&m->frames[r->kpmd[slot]], idx))
				rec_change(m, r, slot, idx, d, val, ref, ref);
		}
	struct pgt_error *err = freed_copies_pin(m, slot, idx);
	if (err)
		return err;
	m->dflt[slot][idx] = val;
	lag_update(m, slot, idx);
	return NULL;
}

struct pgt_error *broadcast_write(struct pgt_model *m, int slot, int idx,
				  uint64_t val)
{
	uint64_t *sw = &m->frames[m->swapper_kpmd[slot]].data[idx];
	uint64_t old = *sw, d = m->dflt[slot][idx];
	if (!excluded_entry(m, slot, idx) &&
	    pgt_div_of(d, old) != PGT_DIV_EQUAL)
		for (size_t i = 0; i < m->nown_live; i++) {
			struct rec *r = &m->recs[m->own_live[i]];
			if (!has_explicit(&m->frames[r->kpmd[slot]], idx))
				rec_change(m, r, slot, idx, d, val, old, val);
		}
	struct u32vec v;
	copies_explicit_at(m, slot, idx, &v);
	for (uint32_t i = 0; i < v.n; i++) {
		struct frame *fr = &m->frames[v.v[i]];
		rec_change(m, &m->recs[fr->owner], slot, idx, fr->x->v[idx], val,
			   old, val);
		bit_clear(fr->x->bits, idx);
	}
	m->explicit_at[slot][idx].n = 0;
	m->nexplicit[slot][idx] = 0;
	if (d != val) {
		struct pgt_error *err = freed_copies_pin(m, slot, idx);
		if (err)
			return err;
		m->dflt[slot][idx] = val;
	}
	if (old != val)
		m->swapper_line[slot][idx] = m->line;
	*sw = val;
	lag_update(m, slot, idx);
	return NULL;
}

struct pgt_error *copy_make_explicit(struct pgt_model *m, uint32_t f, int idx)
{
	struct frame *fr = &m->frames[f];
	if (fr->virt != V_COPY || has_explicit(fr, idx))
		return NULL;
	return x_set(m, f, idx, m->dflt[fr->slot][idx]);
}
