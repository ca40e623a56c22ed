/* SPDX-License-Identifier: MIT */
/*
 * pgd_alloc(), pgd_free() and pgd_list: 2.6.21 arch/i386/mm/pgtable.c with
 * the seed patch (the pgd slab cache, pgd_ctor/pgd_dtor as slab constructor
 * and destructor, pmd_cache_alloc), 6.1 arch/x86/mm/pgtable.c (pgd_alloc,
 * pgd_ctor/pgd_dtor under pgd_lock, preallocate_pmds).  And the records the
 * reports show: one per pgd_alloc, kept while live and after pgd_free only
 * when there is something to show.
 */
#include "internal.h"

/* ---- pgd_list: pgd_list_add() / pgd_list_del() ---- */

/*
 * m->zombies, freed objects still on pgd_list: a prefix of zsorted slots in
 * list order (head first: the larger seq first), some of them holes (obj
 * -1) where a zombie left, then the zombies added since, in no order.  A
 * walk of pgd_list wants them in order (zombies_settle); a pgd_alloc or a
 * pgd_free, one each, adds or removes one at a place at random, and
 * keeping the whole array in order was a memmove of about 2 KiB each time
 * (some 130 zombies on bench/gen.py's converted traces, whose model
 * thread ran 896 instructions an event without it, 921 with).
 */
#define ZOMBIES_PENDING 64

static bool member_before(const struct list_member *a,
			  const struct list_member *b)
{
	return a->seq > b->seq;
}

void zombies_settle(struct pgt_model *m)
{
	if (m->zsorted == m->zslots && m->zslots == m->nzombies)
		return;
	/* the pending ones in order (at most ZOMBIES_PENDING: by insertion) */
	struct list_member p[ZOMBIES_PENDING];
	size_t np = m->zslots - m->zsorted;
	for (size_t i = 0; i < np; i++) {
		struct list_member x = m->zombies[m->zsorted + i];
		size_t j = i;
		for (; j > 0 && member_before(&x, &p[j - 1]); j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
	/* the sorted prefix without its holes */
	size_t ns = 0;
	for (size_t i = 0; i < m->zsorted; i++)
		if (m->zombies[i].obj >= 0)
			m->zombies[ns++] = m->zombies[i];
	/* merged from the back, into the room the pending ones left */
	size_t k = ns + np;
	while (np) {
		if (ns && member_before(&p[np - 1], &m->zombies[ns - 1]))
			m->zombies[--k] = m->zombies[--ns];
		else
			m->zombies[--k] = p[--np];
	}
	m->zslots = m->zsorted = m->nzombies;
}

static struct pgt_error *zombie_add(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	if (ob->zombie)
		return NULL;
	if (m->zslots - m->zsorted == ZOMBIES_PENDING)
		zombies_settle(m);
	struct pgt_error *err = GROW(m->zombies, m->zombies_cap, m->zslots + 1);
	if (err)
		return err;
	m->zombies[m->zslots++] = (struct list_member){ob->list_seq, o};
	m->nzombies++;
	ob->zombie = true;
	return NULL;
}

static void zombie_del(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	if (!ob->zombie)
		return;
	ob->zombie = false;
	m->nzombies--;
	/* among the pending ones, most likely: the slab hands back the last freed */
	for (size_t i = m->zslots; i-- > m->zsorted;) {
		if (m->zombies[i].obj == o) {
			m->zombies[i] = m->zombies[--m->zslots];
			return;
		}
	}
	/* else a hole in the sorted prefix (holes keep their seq: still sorted) */
	size_t lo = 0, hi = m->zsorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->zombies[mid].seq > ob->list_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->zsorted && m->zombies[lo].obj == o)
		m->zombies[lo].obj = -1; /* (else pgt_model_check says so) */
	/*
	 * Holes past half the prefix: squeezed out.  (Every slot not holding
	 * a zombie is a hole in the prefix: a pending one leaves no hole.)
	 */
	if (m->zslots - m->nzombies > m->zsorted / 2 + 8)
		zombies_settle(m);
}

void list_add(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	ob->on_list = true;
	ob->list_seq = ++m->list_seq;
	m->list_len++;
}

static void list_del(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	if (!ob->on_list)
		return;
	zombie_del(m, o);
	ob->on_list = false;
	m->list_len--;
}

/* pgd_ctor() as the slab constructor (2.6.21 with the seed patch). */
void pgd_ctor_slab(struct pgt_model *m, int32_t o)
{
	uint64_t *pgd = obj_entries(m, o);
	if (m->shared) {
		/* clone_pgd_range(): the kernel slots point at swapper's PMDs */
		for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++)
			pgd[i] = m->frames[m->swapper].data[i];
	} else {
		for (int i = 0; i < m->L.user_pgds; i++)
			pgd[i] = 0;
		list_add(m, o);
	}
	m->objs[o].constructed = true;
}

/*
 * pgd_dtor() as the slab destructor: unshared, off pgd_list (shared pgds
 * are on no list).
 */
void pgd_dtor_slab(struct pgt_model *m, int32_t o)
{
	list_del(m, o);
	m->objs[o].constructed = false;
}

struct pgt_error *new_obj(struct pgt_model *m, uint32_t frame,
			  uint16_t index, int32_t *ret)
{
	int32_t o;
	if (m->slab.dead.n) {
		o = m->slab.dead.v[--m->slab.dead.n];
	} else {
		struct pgt_error *err = GROW(m->objs, m->objs_cap, m->nobjs + 1);
		if (err)
			return err;
		o = (int32_t)m->nobjs++;
	}
	m->objs[o] = (struct pgd_obj){
		.frame = frame, .index = index, .rec = -1,
		.free_next = -1,
	};
	*ret = o;
	return NULL;
}

/*
 * kmem_cache_alloc(pgd_cache): a free object if there is one (constructed
 * long ago, still on pgd_list when unshared), else a new slab: cache_grow()
 * runs the constructor on every object of the new slab.  6.1 allocates
 * pages (_pgd_alloc), kept here as a cache of objects without constructor.
 */
static struct pgt_error *pgd_cache_alloc(struct pgt_model *m, int cpu,
					 int32_t *ret)
{
	struct pgt_error *err;
	if (m->rules->slab_pgd_cache) {
		int32_t o;
		if ((err = slab_alloc(m, cpu, &o)))
			return err;
		m->objs[o].allocated = true;
		zombie_del(m, o);
		*ret = o;
		return NULL;
	}
	if (m->free_objs < 0) {
		uint32_t f = 0;
		if (m->pti) {
			if ((err = pair_alloc(m, &f)))
				return err;
		} else if ((err = frame_alloc(m, F_PGD, m->shared ? D_FULL : D_SHORT,
					      &f))) {
			return err;
		}
		/* Shared: 32-byte objects, 128 to a slab page; unshared: one page. */
		int per = m->shared ? (int)(PGT_PAGE_SIZE / 32) : 1;
		for (int i = per - 1; i >= 0; i--) {
			int32_t o;
			if ((err = new_obj(m, f, (uint16_t)(4 * i), &o)))
				return err;
			if (!m->rules->ctor_at_alloc)
				pgd_ctor_slab(m, o);
			m->objs[o].free_next = m->free_objs;
			m->free_objs = o;
		}
	}
	int32_t o = m->free_objs;
	m->free_objs = m->objs[o].free_next;
	m->objs[o].free_next = -1;
	m->objs[o].allocated = true;
	zombie_del(m, o);
	*ret = o;
	return NULL;
}

static struct pgt_error *pgd_cache_free(struct pgt_model *m, int cpu, int32_t o)
{
	m->objs[o].allocated = false;
	m->objs[o].rec = -1;
	struct pgt_error *err;
	/* the slab destructor has not run */
	if (m->objs[o].on_list && (err = zombie_add(m, o)))
		return err;
	if (m->rules->slab_pgd_cache)
		return slab_free(m, cpu, o);
	m->objs[o].free_next = m->free_objs;
	m->free_objs = o;
	return NULL;
}

/* ---- records ---- */

/* "pgd_free of" + ": it was freed at line N" / ": no pgd_alloc named it". */
struct pgt_error *not_allocated(const struct pgt_model *m, uint32_t id,
				const char *what)
{
	if (id && id < m->by_id_cap && m->by_id[id].rec == ID_FREED)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s a pgd that was freed at line %llu (no pgd_alloc since)",
					what, (unsigned long long)m->by_id[id].freed_line);
	return pgt_error_create(PGT_ERROR_INPUT,
				"%s a pgd no pgd_alloc named", what);
}

static struct pgt_error *id_slot_get(struct pgt_model *m, uint32_t id,
				     struct id_slot **ret)
{
	size_t old = m->by_id_cap;
	struct pgt_error *err = GROW(m->by_id, m->by_id_cap, (size_t)id + 1);
	if (err)
		return err;
	for (size_t i = old; i < m->by_id_cap; i++)
		m->by_id[i] = (struct id_slot){.rec = ID_NEVER};
	*ret = &m->by_id[id];
	return NULL;
}

void id_walk_update(struct pgt_model *m, const struct rec *r)
{
	struct id_slot *is = &m->by_id[r->id];
	is->cgen = r->cgen;
	is->wsum = rec_wsum(m, r);
}

struct pgt_error *id_set_live(struct pgt_model *m, uint32_t id, int32_t r)
{
	struct id_slot *is;
	struct pgt_error *err = id_slot_get(m, id, &is);
	if (err)
		return err;
	is->rec = r;
	id_walk_update(m, &m->recs[r]);
	return NULL;
}

struct pgt_error *id_set_freed(struct pgt_model *m, uint32_t id, uint64_t line)
{
	struct id_slot *is;
	struct pgt_error *err = id_slot_get(m, id, &is);
	if (err)
		return err;
	*is = (struct id_slot){.rec = ID_FREED, .freed_line = line};
	return NULL;
}

struct pgt_error *rec_new(struct pgt_model *m, int32_t *ret)
{
	int32_t r = m->free_recs;
	if (r >= 0) {
		m->free_recs = m->recs[r].free_next;
	} else {
		struct pgt_error *err = GROW(m->recs, m->recs_cap, m->nrecs + 1);
		if (!err)
			err = GROW(m->stats, m->stats_cap, m->recs_cap);
		if (!err)
			err = GROW(m->order, m->order_cap, m->recs_cap);
		if (!err)
			err = GROW(m->order_keys, m->order_keys_cap, 2 * m->recs_cap);
		if (err)
			return err;
		r = (int32_t)m->nrecs++;
	}
	struct rec *rec = &m->recs[r];
	pgt_zero_small(rec, sizeof(*rec)); /* (not memset: see core/zero.h) */
	rec->used = true;
	rec->pid_prev = -1;
	rec->free_next = -1;
	m->nkept++;
	m->order_valid = false;
	*ret = r;
	return NULL;
}

const struct pgt_pgd_stats rec_zero_stats;

const struct pgt_pgd_stats *rec_stats(struct pgt_model *m, int32_t r)
{
	struct rec *rec = &m->recs[r];
	struct pgt_pgd_stats *s = rec_cold(m, rec);
	s->id = rec->id;
	s->serial = rec->serial;
	s->adopted = rec->adopted;
	s->live = rec->live;
	s->mm = rec->mm;
	s->pid = rec->pid;
	s->comm = rec->comm;
	s->own_kernel_pmd = !m->shared;
	s->alloc_line = rec->alloc_line;
	s->free_line = rec->free_line;
	s->pa = rec->pa;
	return s;
}

/*
 * A freed record: counted, handed to the caller, dropped.  Only a record
 * whose counts were written, or an adopted one, can have findings: the
 * rest are counted without reading them.
 */
static void rec_drop(struct pgt_model *m, int32_t r)
{
	struct rec *rec = &m->recs[r];
	if (rec->cold || rec->adopted || m->cfg.retire_all) {
		const struct pgt_pgd_stats *s = rec_stats(m, r);
		bool findings = pgt_pgd_has_findings(s);
		m->dropped += !findings;
		if (m->cfg.retire && (findings || m->cfg.retire_all))
			m->cfg.retire(m->cfg.retire_ctx, s);
	} else {
		m->dropped++;
	}
	rec->used = false;
	rec->free_next = m->free_recs;
	m->free_recs = r;
	m->nkept--;
	m->order_valid = false;
}

void records_deinit(struct pgt_model *m)
{
	free(m->recs);
	free(m->stats);
	free(m->order);
	free(m->order_keys);
	free(m->by_id);
	free(m->by_mm);
	idmap_deinit(&m->by_pid);
	free(m->pid_dense);
	free(m->own_bits);
	free(m->dirty);
	free(m->zombies);
	free(m->objs);
}

struct pgt_error *pid_put(struct pgt_model *m, int32_t pid, int32_t r)
{
	if (pid >= PID_DENSE)
		return idmap_put(&m->by_pid, (uint64_t)pid + 1, r);
	struct pgt_error *err = GROW_ZEROED(m->pid_dense, m->pid_dense_cap,
					    (size_t)pid + 1);
	if (err)
		return err;
	m->pid_dense[pid] = r + 1;
	return NULL;
}

void pid_del(struct pgt_model *m, int32_t pid)
{
	if (pid >= PID_DENSE)
		idmap_del(&m->by_pid, (uint64_t)pid + 1);
	else if ((size_t)pid < m->pid_dense_cap)
		m->pid_dense[pid] = 0;
}

struct pgt_error *own_live_add(struct pgt_model *m, int32_t r)
{
	struct pgt_error *err = GROW_ZEROED(m->own_bits, m->own_bits_cap,
					    (size_t)r / 64 + 1);
	if (err)
		return err;
	m->own_bits[r / 64] |= UINT64_C(1) << (r % 64);
	m->recs[r].own = true;
	m->nown_live++;
	return NULL;
}

static void own_live_del(struct pgt_model *m, int32_t r)
{
	if (!m->recs[r].own)
		return;
	m->recs[r].own = false;
	m->own_bits[r / 64] &= ~(UINT64_C(1) << (r % 64));
	m->nown_live--;
}

/* pmd_cache_alloc(idx) for a kernel slot: a page copied from swapper's. */
static struct pgt_error *kernel_pmd_copy(struct pgt_model *m, int32_t r,
					 int slot, enum frame_kind kind,
					 uint32_t *ret)
{
	uint32_t f = 0;
	struct pgt_error *err = frame_alloc(m, kind, D_NONE, &f);
	if (err)
		return err;
	if (kind == F_KPMD_COPY) {
		if ((err = copy_init(m, f, slot, r)))
			return err;
	} else {
		m->frames[f].slot = (uint8_t)slot;
		m->frames[f].virt = V_UHALF;
	}
	m->costs.pmd_copy_entries += PGT_PTRS_PER_PMD;
	m->costs.pmd_pages++;
	m->costs.kernel_pmd_copies++;
	*ret = f;
	return NULL;
}

static uint64_t pgd_object_bytes(const struct pgt_model *m)
{
	return m->shared ? 32 : m->pti ? 2 * PGT_PAGE_SIZE : PGT_PAGE_SIZE;
}

/* pgd_alloc(): 2.6.21 (seed) and 6.1 (pgd_alloc/pgd_ctor/preallocate_pmds). */
struct pgt_error *op_pgd_alloc(struct pgt_model *m, const struct pgt_event *ev)
{
	if (live_rec(m, ev->pgd) >= 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"pgd is already allocated (no pgd_free since its pgd_alloc)");
	return pgd_alloc_rec(m, ev, NULL);
}

struct pgt_error *pgd_alloc_rec(struct pgt_model *m, const struct pgt_event *ev,
				int32_t *ret)
{
	int32_t r;
	struct pgt_error *err = rec_new(m, &r);
	if (err)
		return err;
	struct rec *rec = &m->recs[r];
	rec->id = ev->pgd;
	rec->serial = ++m->serial;
	rec->mm = ev->mm;
	rec->pid = ev->pid;
	rec->comm = ev->comm;
	rec->live = true;
	rec->alloc_line = ev->line;
	int32_t o;
	if ((err = pgd_cache_alloc(m, ev->cpu, &o)))
		return err;
	rec->obj = o;
	m->objs[o].rec = r;
	m->objs[o].last_id = ev->pgd;
	rec->pa = frame_pa(m->objs[o].frame) + 8 * (uint64_t)m->objs[o].index;
	rec->hint_entries = obj_entries(m, o);
	/* UNSHARED_PTRS_PER_PGD: user slots always, kernel slots when unshared. */
	int n = m->shared ? m->L.user_pgds : PGT_PTRS_PER_PGD;
	for (int i = 0; i < n; i++) {
		uint32_t f = 0;
		if (i >= m->L.user_pgds) {
			if ((err = kernel_pmd_copy(m, r, i, F_KPMD_COPY, &f)))
				return err;
			m->recs[r].kpmd[i] = f;
		} else {
			if ((err = frame_alloc(m, F_UPMD, D_NONE, &f)))
				return err;
			m->costs.pmd_pages++;
			m->recs[r].upmd[i] = f;
		}
		obj_entries(m, o)[i] = frame_pa(f) | m->pdpte_flags;
	}
	rec = &m->recs[r];
	uint64_t *pgd = obj_entries(m, o);
	if (m->rules->ctor_at_alloc) {
		/* pgd_ctor() under pgd_lock: shared kernel slots cloned,
		 * unshared pgds put on pgd_list. */
		if (m->shared) {
			for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++)
				pgd[i] = m->frames[m->swapper].data[i];
		} else {
			list_add(m, o);
		}
		m->objs[o].constructed = true;
	}
	if (m->pti) {
		/* The user half (kernel_to_user_pgdp): user slots shared with the
		 * kernel half, its own kernel PMD copy (pgd_prepopulate_user_pmd). */
		uint32_t uh = m->objs[o].frame + 1;
		rec->uhalf = uh;
		rec->hint_uhalf = m->frames[uh].data;
		for (int i = 0; i < m->L.user_pgds; i++)
			m->frames[uh].data[i] = pgd[i];
		for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++) {
			uint32_t f = 0;
			if ((err = kernel_pmd_copy(m, r, i, F_UHALF_KPMD, &f)))
				return err;
			m->recs[r].uhalf_kpmd[i] = f;
			m->frames[uh].data[i] = frame_pa(f) | m->pdpte_flags;
		}
	}
	m->costs.pgd_bytes += pgd_object_bytes(m);
	cost_update_bytes(m);
	if ((err = id_set_live(m, ev->pgd, r)))
		return err;
	if (ev->mm) {
		if ((err = GROW_ZEROED(m->by_mm, m->by_mm_cap, (size_t)ev->mm + 1)))
			return err;
		m->by_mm[ev->mm] = ev->pgd;
	}
	if (ev->pid >= 0) {
		int64_t prev;
		if (pid_get(m, ev->pid, &prev)) {
			m->recs[r].pid_prev = (int32_t)prev;
			m->recs[r].pid_prev_serial = m->recs[prev].serial;
		}
		if ((err = pid_put(m, ev->pid, r)))
			return err;
	}
	if (!m->shared && (err = own_live_add(m, r)))
		return err;
	if (ret)
		*ret = r;
	return NULL;
}

/* The newest live record of @r's pid, now that @r is gone. */
static struct pgt_error *pid_forget(struct pgt_model *m, int32_t r)
{
	const struct rec *rec = &m->recs[r];
	int64_t cur;
	if (rec->pid < 0 || !pid_get(m, rec->pid, &cur) || cur != r)
		return NULL;
	int32_t p = rec->pid_prev;
	uint64_t serial = rec->pid_prev_serial;
	while (p >= 0) {
		const struct rec *pr = &m->recs[p];
		if (!pr->used || pr->serial != serial)
			break;
		if (pr->live && pr->pid == rec->pid)
			return pid_put(m, rec->pid, p);
		serial = pr->pid_prev_serial;
		p = pr->pid_prev;
	}
	pid_del(m, rec->pid);
	return NULL;
}

/* pgd_free(): pmd_cache_free() of every preallocated PMD, then the object. */
struct pgt_error *op_pgd_free(struct pgt_model *m, const struct pgt_event *ev)
{
	int32_t r = live_rec(m, ev->pgd);
	struct pgt_error *err;
	if (r < 0 && (err = pgd_adopt(m, ev->pgd, &r)))
		return err;
	if (r < 0)
		return not_allocated(m, ev->pgd, "pgd_free of");
	struct rec *rec = &m->recs[r];
	int32_t o = rec->obj;
	/* 2.6.21 unshared: the object stays on pgd_list until its slab goes. */
	bool stays = !m->rules->dtor_at_free && m->objs[o].on_list;
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		uint32_t f = rec->kpmd[i] ? rec->kpmd[i] : rec->upmd[i];
		if (!f)
			continue;
		if (rec->kpmd[i]) {
			m->costs.kernel_pmd_copies--;
			if ((err = copy_release(m, f, stays)))
				return err;
		}
		m->costs.pmd_pages--;
		if ((err = frame_free(m, f)))
			return err;
	}
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		uint32_t f = rec->uhalf_kpmd[i];
		if (!f)
			continue;
		m->costs.kernel_pmd_copies--;
		m->costs.pmd_pages--;
		/*
		 * A V_UHALF page reads through to swapper's user-half kernel
		 * PMD, which only boot writes: freed, it keeps reading what
		 * the page held.  A write into it once freed materializes it
		 * (pmd_write); reusing it resets it (frame_take).
		 */
		if ((err = frame_free(m, f)))
			return err;
	}
	own_live_del(m, r);
	if ((err = pid_forget(m, r)))
		return err;
	rec->live = false;
	rec->free_line = ev->line;
	if ((err = id_set_freed(m, ev->pgd, ev->line)))
		return err;
	/* (a store either way: the loop is vectorized, a test a CPU was not) */
	for (size_t c = 0; c < m->ncpus; c++)
		m->current[c] = m->current[c] == ev->pgd ? 0 : m->current[c];
	m->costs.pgd_bytes -= pgd_object_bytes(m);
	if (m->rules->dtor_at_free) {
		/* pgd_dtor(): off pgd_list at once; the pages go back. */
		list_del(m, o);
		m->objs[o].constructed = false;
	}
	if ((err = pgd_cache_free(m, ev->cpu, o)))
		return err;
	cost_update_bytes(m);
	/* Nothing reads a freed record again: its row goes to the caller. */
	rec_drop(m, r);
	return NULL;
}

/* kmem_cache_shrink(pgd_cache): pgd_dtor() on every free object (2.6.21). */
struct pgt_error *op_reap(struct pgt_model *m)
{
	if (m->rules->slab_pgd_cache)
		return slab_shrink(m);
	if (m->rules->dtor_at_free)
		return NULL; /* no constructed free objects kept */
	int32_t keep = -1;
	for (int32_t o = m->free_objs; o >= 0;) {
		int32_t next = m->objs[o].free_next;
		if (m->shared) {
			/* Shared slabs have no destructor; keep them. */
			m->objs[o].free_next = keep;
			keep = o;
		} else {
			list_del(m, o);
			m->objs[o].constructed = false;
			struct pgt_error *err = frame_free(m, m->objs[o].frame);
			if (err)
				return err;
		}
		o = next;
	}
	m->free_objs = keep;
	return NULL;
}

/* Process information: exec renames, later rows show the new comm. */
struct pgt_error *op_task(struct pgt_model *m, const struct pgt_event *ev)
{
	int64_t r;
	if (ev->pid >= 0 && ev->comm &&
	    pid_get(m, ev->pid, &r) &&
	    m->recs[r].live && m->recs[r].pid == ev->pid)
		m->recs[r].comm = ev->comm;
	return NULL;
}
