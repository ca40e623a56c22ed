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

/* ---- base values ---- */

uint64_t base_slow(const struct pgt_model *m, int slot, int idx, uint32_t cgen)
{
	const struct ehist *h = &m->hist[slot][idx];
	uint32_t lo = 0, hi = h->n; /* the last entry with gen <= cgen */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->gen[mid] <= cgen)
			lo = mid;
		else
			hi = mid;
	}
	return h->val[lo];
}

static struct pgt_error *hist_reset(struct pgt_model *m, int slot, int idx,
				    uint64_t val)
{
	struct ehist *h = &m->hist[slot][idx];
	if (!h->cap) {
		h->gen = malloc(sizeof(*h->gen));
		h->val = malloc(sizeof(*h->val));
		if (!h->gen || !h->val)
			return &pgt_error_nomem;
		h->cap = 1;
	}
	h->n = 1;
	h->gen[0] = 0;
	h->val[0] = val;
	m->last_gen[slot][idx] = 0;
	m->last_val[slot][idx] = val;
	return NULL;
}

static struct pgt_error *hist_push(struct pgt_model *m, int slot, int idx,
				   uint32_t gen, uint64_t val)
{
	struct ehist *h = &m->hist[slot][idx];
	if (h->n == h->cap) {
		uint32_t cap = 2 * h->cap;
		uint32_t *g = realloc(h->gen, cap * sizeof(*g));
		if (!g)
			return &pgt_error_nomem;
		h->gen = g;
		uint64_t *v = realloc(h->val, cap * sizeof(*v));
		if (!v)
			return &pgt_error_nomem;
		h->val = v;
		h->cap = cap;
	}
	h->gen[h->n] = gen;
	h->val[h->n++] = val;
	m->last_gen[slot][idx] = gen;
	m->last_val[slot][idx] = val;
	return NULL;
}

bool base_common(const struct pgt_model *m, int slot, int idx, uint64_t *ret)
{
	const struct ehist *h = &m->hist[slot][idx];
	*ret = h->val[0];
	return h->n == 1;
}

void hist_deinit(struct pgt_model *m)
{
	for (int s = 0; s < PGT_PTRS_PER_PGD; s++)
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			free(m->hist[s][i].gen);
			free(m->hist[s][i].val);
		}
}

struct pgt_error *div_init(struct pgt_model *m)
{
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			struct pgt_error *err = hist_reset(m, slot, i,
							   swapper_entry(m, slot, i));
			if (err)
				return err;
			/* 6.1: the per-process LDT mapping lives in each pgd's
			 * own kernel PMD and is no divergence. */
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)i << PGT_PMD_SHIFT);
			if (m->L.ldt_end && va >= m->L.ldt_base && va < m->L.ldt_end)
				bit_set(m->excluded[slot], i);
		}
	}
	return NULL;
}

/* ---- per-record counts ---- */

static void rec_count(struct pgt_model *m, struct rec *r, enum pgt_div c,
		      int delta)
{
	switch (c) {
	case PGT_DIV_MISSING:
		rec_cold(m, r)->missing += delta;
		break;
	case PGT_DIV_STALE:
		rec_cold(m, r)->stale += delta;
		break;
	case PGT_DIV_DIFFERENT:
		rec_cold(m, r)->different += delta;
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
void rec_settle(struct pgt_model *m, struct rec *r)
{
	if (!r->cold)
		return; /* never diverged */
	struct pgt_pgd_stats *s = rec_cold(m, r);
	uint32_t d = pgt_pgd_divergent(s);
	if (d > s->max_divergent) {
		s->max_divergent = d;
		s->max_line = m->line;
	}
	if (d && !s->first_divergence_line)
		s->first_divergence_line = m->line;
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

void rec_settle_dirty_all(struct pgt_model *m)
{
	for (size_t i = 0; i < m->ndirty; i++) {
		struct rec *r = &m->recs[m->dirty[i]];
		r->dirty = false;
		/* (on own_bits: live, without reading the record's last line) */
		if (r->used && (r->own || r->live))
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
	rec_count(m, r, a, -1);
	rec_count(m, r, b, +1);
	rec_mark(m, r);
}

/* ---- explicit entries ---- */

static bool is_live_copy(const struct pgt_model *m, uint32_t f)
{
	const struct frame *fr = &m->frames[f];
	return fr->kind == F_KPMD_COPY && fr->virt == V_COPY &&
	       frame_owner(fr) >= 0;
}

static bool has_explicit(const struct xmap *x, int idx)
{
	return x && x->n && bit_test(x->bits, idx);
}

/* has_explicit() of @r's copy for @slot, its xmap read only when xsum says */
static bool rec_has_explicit(const struct pgt_model *m, const struct rec *r,
			     int slot, int idx)
{
	return (r->xsum[slot] >> (idx >> 3) & 1) &&
	       has_explicit(m->frames[r->kpmd[slot]].x, idx);
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
		    !has_explicit(fr->x, idx) || fr->x->stamp == stamp)
			continue;
		fr->x->stamp = stamp;
		v->v[n++] = f;
	}
	v->n = n;
}

/* Keep the owner record's summary of where its copy has explicit entries. */
static void xsum_update(struct pgt_model *m, const struct frame *fr, int idx)
{
	if (frame_owner(fr) < 0 || fr->virt != V_COPY)
		return;
	struct rec *r = &m->recs[frame_owner(fr)];
	uint64_t *sum = &r->xsum[fr->slot];
	int g = idx >> 3;
	if ((fr->x->bits[g >> 3] >> ((g & 7) * 8)) & 0xff)
		*sum |= UINT64_C(1) << g;
	else
		*sum &= ~(UINT64_C(1) << g);
	/* (a pgd being made, not yet found by its id, gets it at id_set_live) */
	uint32_t id = r->id;
	if (id < m->by_id_cap && m->by_id[id].rec == frame_owner(fr))
		id_walk_update(m, r);
}

/* Drop set entry @idx of @x, its value with it. */
static void xmap_remove(struct xmap *x, int idx)
{
	uint32_t r = xmap_rank(x, idx);
	memmove(&x->v[r], &x->v[r + 1], (x->n - r - 1) * sizeof(x->v[0]));
	bit_clear(x->bits, idx);
	x->n--;
}

static struct pgt_error *x_set(struct pgt_model *m, uint32_t f, int idx,
			       uint64_t val)
{
	struct frame *fr = &m->frames[f];
	struct pgt_error *err;
	if (!fr->x || (!bit_test(fr->x->bits, idx) && fr->x->n == fr->x->cap)) {
		err = fr->x ? xmap_grow(m, fr->x, &fr->x) : xmap_new(m, &fr->x);
		if (err)
			return err;
	}
	struct xmap *x = fr->x;
	uint32_t r = xmap_rank(x, idx);
	if (bit_test(x->bits, idx)) {
		x->v[r] = val;
		return NULL;
	}
	memmove(&x->v[r + 1], &x->v[r], (x->n - r) * sizeof(x->v[0]));
	x->v[r] = val;
	bit_set(x->bits, idx);
	x->n++;
	xsum_update(m, fr, idx);
	if (!is_live_copy(m, f))
		return NULL;
	int slot = fr->slot;
	m->nexplicit[slot][idx]++;
	struct u32vec *v = &m->explicit_at[slot][idx];
	if (v->n > 2 * m->nexplicit[slot][idx] + 16)
		explicit_compact(m, slot, idx);
	return VEC_PUSH(v, f);
}

static void x_clear(struct pgt_model *m, uint32_t f, int idx)
{
	struct frame *fr = &m->frames[f];
	if (!has_explicit(fr->x, idx))
		return;
	xmap_remove(fr->x, idx);
	xsum_update(m, fr, idx);
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

/* Clear every live copy's explicit value at the entry, counting each. */
static void explicit_drop_all(struct pgt_model *m, int slot, int idx,
			      uint64_t val, uint64_t old_ref, uint64_t new_ref)
{
	struct u32vec v;
	copies_explicit_at(m, slot, idx, &v);
	for (uint32_t i = 0; i < v.n; i++) {
		struct frame *fr = &m->frames[v.v[i]];
		rec_change(m, &m->recs[frame_owner(fr)], slot, idx, xmap_value(fr->x, idx),
			   val, old_ref, new_ref);
		xmap_remove(fr->x, idx);
		xsum_update(m, fr, idx);
	}
	m->explicit_at[slot][idx].n = 0;
	m->nexplicit[slot][idx] = 0;
}

/*
 * Before an entry's history is reset: freed copies still reachable through
 * pgd_list keep the value they had.
 */
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
		if (fr->slot == slot && !has_explicit(fr->x, idx)) {
			struct pgt_error *err =
				x_set(m, f, idx, base_value(m, slot, idx, fr->cgen));
			if (err)
				return err;
		}
	}
	v->n = n;
	return NULL;
}

/* Does some copy's base value compare with @a otherwise than with @b? */
static bool bases_compare_apart(const struct pgt_model *m, int slot, int idx,
				uint64_t a, uint64_t b)
{
	const struct ehist *h = &m->hist[slot][idx];
	for (uint32_t i = 0; i < h->n; i++)
		if (pgt_div_of(h->val[i], a) != pgt_div_of(h->val[i], b))
			return true;
	return false;
}

/* The entry's history says nothing old: no copy (nor freed one) needs it. */
static bool hist_unused(const struct pgt_model *m)
{
	return !m->nown_live && !m->freed_copies.n;
}

struct pgt_error *copy_init(struct pgt_model *m, uint32_t f, int slot, int32_t r)
{
	pending_flush_all(m);
	struct frame *fr = &m->frames[f];
	fr->slot = (uint8_t)slot;
	fr->virt = V_COPY;
	frame_set_owner(fr, r);
	/* pmd_cache_alloc() copies swapper's entries as they are now. */
	fr->cgen = m->gen;
	if (fr->x) {
		memset(fr->x->bits, 0, sizeof(fr->x->bits));
		fr->x->n = 0;
	}
	m->recs[r].xsum[slot] = 0;
	m->recs[r].cgen = m->gen;
	return NULL;
}

struct pgt_error *copy_release(struct pgt_model *m, uint32_t f, bool keep)
{
	pending_flush_all(m);
	struct frame *fr = &m->frames[f];
	int slot = fr->slot;
	if (fr->x && fr->x->n)
		for (int w = 0; w < PGT_PTRS_PER_PMD / 64; w++)
			for (uint64_t bits = fr->x->bits[w]; bits; bits &= bits - 1)
				m->nexplicit[slot][w * 64 + __builtin_ctzll(bits)]--;
	frame_set_owner(fr, -1);
	if (!keep) {
		fr->virt = V_DATA;
		xmap_free(m, fr->x);
		fr->x = NULL;
		page_data_free(m, fr->data);
		fr->data = NULL;
		return NULL;
	}
	/* Its entries stay base-relative until a history reset pins them. */
	if (fr->pending)
		return NULL;
	fr->pending = true;
	return VEC_PUSH(&m->freed_copies, f);
}

/* ---- writes ---- */

/*
 * The count changes of swapper's entry going from p->old to p->val, every
 * copy holding what it held then: every copy as if it held its base
 * value, then the few with a value of their own put right.  The counts
 * are sums, settled once the event is over, and asking each copy whether
 * it has a value of its own read its explicit map, a cache miss per pgd
 * at 10,000 pgds.  (Run after the write: the copies' base values are
 * those of generations before p->gen, which the write's own does not
 * change.)
 */
static void pending_count(struct pgt_model *m, const struct sw_pending *p)
{
	int slot = p->slot, idx = p->idx;
	if (p->apart)
		for_each_own_live(m, r) {
			uint64_t b = base_value(m, slot, idx, r->cgen);
			rec_change(m, r, slot, idx, b, b, p->old, p->val);
		}
	struct u32vec v;
	copies_explicit_at(m, slot, idx, &v);
	for (uint32_t i = 0; i < v.n; i++) {
		const struct frame *fr = &m->frames[v.v[i]];
		struct rec *r = &m->recs[frame_owner(fr)];
		uint64_t mine = xmap_value(fr->x, idx);
		if (p->apart) {
			uint64_t b = base_value(m, slot, idx, fr->cgen);
			rec_change(m, r, slot, idx, b, b, p->val, p->old);
		}
		rec_change(m, r, slot, idx, mine, mine, p->old, p->val);
	}
}

static struct sw_pending *pending_find(struct pgt_model *m, int slot, int idx)
{
	for (size_t i = 0; i < m->npending; i++)
		if (m->pending[i].slot == slot && m->pending[i].idx == idx)
			return &m->pending[i];
	return NULL;
}

static void pending_drop(struct pgt_model *m, struct sw_pending *p)
{
	*p = m->pending[--m->npending];
}

/* Make @p's count changes now, and forget it. */
static void pending_make(struct pgt_model *m, struct sw_pending *p)
{
	pending_count(m, p);
	pending_drop(m, p);
}

/* Make the entry's pending count changes, if any: its copies change next. */
static void pending_flush(struct pgt_model *m, int slot, int idx)
{
	struct sw_pending *p = m->npending ? pending_find(m, slot, idx) : NULL;
	if (p)
		pending_make(m, p);
}

/*
 * Does every copy that can be live compare with p->old as equal (the
 * history's values from before the write)?
 */
static bool pending_flat(const struct pgt_model *m, const struct sw_pending *p)
{
	const struct ehist *h = &m->hist[p->slot][p->idx];
	for (uint32_t i = 0; i < h->n && h->gen[i] < p->gen; i++)
		if (pgt_div_of(h->val[i], p->old) != PGT_DIV_EQUAL)
			return false;
	return true;
}

void pending_flush_all(struct pgt_model *m)
{
	for (size_t i = 0; i < m->npending; i++)
		pending_count(m, &m->pending[i]);
	m->npending = 0;
}

/*
 * A write to swapper's kernel PMD alone: every copy now compares with
 * @val.  Its changes to the copies' counts wait (m->pending): in 6.1 the
 * same event puts every copy right (pmd_populate_kernel(), then
 * arch_sync_kernel_mappings()), and copies_sync_uniform() then makes
 * only the net change, for the copies whose divergence it changes.  Made
 * here, they touched every live pgd's record twice, for nothing.
 */
static struct pgt_error *swapper_write(struct pgt_model *m, int slot, int idx,
				       uint64_t val)
{
	uint64_t *sw = &m->frames[m->swapper_kpmd[slot]].data[idx];
	uint64_t old = *sw;
	if (old == val)
		return NULL;
	pending_flush(m, slot, idx);
	m->swapper_line[slot][idx] = m->line;
	if (!excluded_entry(m, slot, idx) && m->nown_live)
		m->pending[m->npending++] = (struct sw_pending){
			.old = old,
			.val = val,
			.gen = m->gen + 1,
			.idx = (uint16_t)idx,
			.slot = (uint8_t)slot,
			.apart = bases_compare_apart(m, slot, idx, old, val),
		};
	*sw = val;
	/* Copies made from now on hold @val. */
	if (hist_unused(m))
		return hist_reset(m, slot, idx, val);
	return hist_push(m, slot, idx, ++m->gen, val);
}

static struct pgt_error *copy_write(struct pgt_model *m, uint32_t f, int idx,
				    uint64_t val)
{
	struct frame *fr = &m->frames[f];
	int slot = fr->slot;
	uint64_t old = entry_at(m, f, idx);
	if (old == val)
		return NULL;
	pending_flush(m, slot, idx);
	if (frame_owner(fr) >= 0) {
		uint64_t ref = swapper_entry(m, slot, idx);
		rec_change(m, &m->recs[frame_owner(fr)], slot, idx, old, val, ref, ref);
		if (val == base_value(m, slot, idx, fr->cgen)) {
			x_clear(m, f, idx);
			return NULL;
		}
	}
	return x_set(m, f, idx, val);
}

struct pgt_error *pmd_write(struct pgt_model *m, uint32_t f, int idx, uint64_t val)
{
	struct frame *fr = &m->frames[f];
	if (fr->kind == F_KPMD_SWAPPER)
		return swapper_write(m, fr->slot, idx, val);
	if (fr->virt == V_COPY)
		return copy_write(m, f, idx, val);
	if (fr->virt == V_SHORT && idx < SHORT_ENTRIES) {
		fr->data[idx] = val;
		return NULL;
	}
	struct pgt_error *err = frame_ensure_data(m, f);
	if (err)
		return err;
	fr->data[idx] = val;
	return NULL;
}

struct pgt_error *copies_write_default(struct pgt_model *m, int slot, int idx,
				       uint64_t val)
{
	pending_flush(m, slot, idx);
	uint64_t d;
	if (!base_common(m, slot, idx, &d))
		return pgt_error_create(PGT_ERROR_INVALID,
					"internal: copies of one entry hold several base values");
	if (d == val)
		return NULL;
	uint64_t ref = swapper_entry(m, slot, idx);
	if (!excluded_entry(m, slot, idx) &&
	    pgt_div_of(d, ref) != pgt_div_of(val, ref))
		for_each_own_live(m, r) {
			if (!rec_has_explicit(m, r, slot, idx))
				rec_change(m, r, slot, idx, d, val, ref, ref);
		}
	struct pgt_error *err = freed_copies_pin(m, slot, idx);
	if (err)
		return err;
	return hist_reset(m, slot, idx, val);
}

struct pgt_error *broadcast_write(struct pgt_model *m, int slot, int idx,
				  uint64_t val)
{
	pending_flush(m, slot, idx);
	uint64_t *sw = &m->frames[m->swapper_kpmd[slot]].data[idx];
	uint64_t old = *sw, d;
	bool common = base_common(m, slot, idx, &d);
	if (!excluded_entry(m, slot, idx) &&
	    (!common || pgt_div_of(d, old) != PGT_DIV_EQUAL))
		for_each_own_live(m, r) {
			if (rec_has_explicit(m, r, slot, idx))
				continue;
			uint64_t b = base_value(m, slot, idx, r->cgen);
			rec_change(m, r, slot, idx, b, val, old, val);
		}
	explicit_drop_all(m, slot, idx, val, old, val);
	if (!common || d != val) {
		struct pgt_error *err = freed_copies_pin(m, slot, idx);
		if (err)
			return err;
	}
	if (old != val)
		m->swapper_line[slot][idx] = m->line;
	*sw = val;
	return hist_reset(m, slot, idx, val);
}

struct pgt_error *copy_make_explicit(struct pgt_model *m, uint32_t f, int idx)
{
	struct frame *fr = &m->frames[f];
	if (fr->virt != V_COPY || has_explicit(fr->x, idx))
		return NULL;
	pending_flush(m, fr->slot, idx);
	return x_set(m, f, idx, base_value(m, fr->slot, idx, fr->cgen));
}

/* What vmalloc_sync_one() leaves in a PMD entry holding @v. */
static uint64_t sync_outcome(uint64_t v, uint64_t pmd_k, bool both, bool *wrote)
{
	*wrote = false;
	if (both && pgt_present(v) != pgt_present(pmd_k)) {
		*wrote = true;
		return pmd_k;
	}
	if (pgt_present(pmd_k) && !pgt_present(v)) {
		*wrote = true;
		return pmd_k;
	}
	return v;
}

struct pgt_error *copies_sync_uniform(struct pgt_model *m, int slot, int idx,
				      uint64_t pmd_k, bool both, bool *done_ret,
				      uint64_t *written_ret)
{
	*done_ret = false;
	*written_ret = 0;
	bool wrote;
	const struct ehist *h = &m->hist[slot][idx];
	for (uint32_t i = 0; i < h->n; i++)
		if (sync_outcome(h->val[i], pmd_k, both, &wrote) != pmd_k)
			return NULL;
	struct u32vec v;
	copies_explicit_at(m, slot, idx, &v);
	for (uint32_t i = 0; i < v.n; i++)
		if (sync_outcome(xmap_value(m->frames[v.v[i]].x, idx), pmd_k, both,
				 &wrote) != pmd_k)
			return NULL;
	/* Every copy ends holding pmd_k: count the writes, then collapse. */
	uint64_t ref = swapper_entry(m, slot, idx), written = 0;
	struct sw_pending *p = m->npending ? pending_find(m, slot, idx) : NULL;
	if (p && !pending_flat(m, p)) {
		pending_make(m, p);
		p = NULL;
	}
	if (p) {
		/*
		 * swapper's write, not counted yet, and this sync: each copy
		 * goes from how it compared with p->old to equal, which a copy
		 * holding its base value already was.  So only the copies
		 * with a value of their own change; the writes are counted
		 * arithmetically (a base value writes as p->old does: they
		 * are present alike).
		 */
		sync_outcome(p->old, pmd_k, both, &wrote);
		if (wrote)
			written = m->nown_live - m->nexplicit[slot][idx];
		for (uint32_t i = 0; i < v.n; i++) {
			sync_outcome(xmap_value(m->frames[v.v[i]].x, idx), pmd_k,
				     both, &wrote);
			written += wrote;
		}
		explicit_drop_all(m, slot, idx, pmd_k, p->old, pmd_k);
		pending_drop(m, p);
	} else {
		for_each_own_live(m, r) {
			uint64_t cur = rec_copy_entry(m, r, slot, idx);
			sync_outcome(cur, pmd_k, both, &wrote);
			written += wrote;
			rec_change(m, r, slot, idx, cur, pmd_k, ref, ref);
		}
		explicit_drop_all(m, slot, idx, pmd_k, ref, ref);
	}
	struct pgt_error *err = freed_copies_pin(m, slot, idx);
	if (!err)
		err = hist_reset(m, slot, idx, pmd_k);
	*done_ret = !err;
	*written_ret = written;
	return err;
}
