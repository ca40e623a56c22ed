/* SPDX-License-Identifier: MIT */
/*
 * The 2.6.21 pgd cache as mm/slab.c of Linux 2.6.21 runs it: per-CPU array
 * caches (kmem_cache_alloc / __cache_free), the shared array, the node's
 * slab lists with free_limit (free_block), cache_reap() on a timer and
 * kmem_cache_shrink().  A slab destroyed runs the destructor, pgd_dtor(),
 * on each of its objects: unshared, that takes the pgd off pgd_list.
 *
 * Sizes are enable_cpucache()'s and cache_estimate()'s for the pgd cache:
 * unshared, PAGE_SIZE objects (pgtable_cache_init), one per slab, limit
 * 24, batchcount 12; shared, 32-byte objects aligned to 32 with the slab
 * descriptor on the slab, (4096 - 28) / (32 + 4) = 113 per slab, limit 120,
 * batchcount 60.  The reference configuration is SMP: the node's shared
 * array holds 8 batches.  free_limit counts the CPUs online: 1 + the
 * highest cpu= an event named so far.
 */
#include "internal.h"

#define SLAB_DESC_BYTES 28u   /* struct slab on i386 */
#define BUFCTL_BYTES 4u       /* kmem_bufctl_t */
#define BATCHREFILL_LIMIT 16u
#define REAP_CPU_NS (UINT64_C(2) * 1000000000)  /* REAPTIMEOUT_CPUC, 2*HZ */
#define REAP_LIST_NS (UINT64_C(4) * 1000000000) /* REAPTIMEOUT_LIST3, 4*HZ */

/* Remove the first @n entries (the oldest) of @v. */
static void i32_drop_front(struct i32vec *v, uint32_t n)
{
	memmove(v->v, v->v + n, (v->n - n) * sizeof(*v->v));
	v->n -= n;
}

static struct pgt_error *i32_push_front(struct i32vec *v, int32_t x)
{
	struct pgt_error *err = VEC_PUSH(v, x);
	if (err)
		return err;
	memmove(v->v + 1, v->v, (v->n - 1) * sizeof(*v->v));
	v->v[0] = x;
	return NULL;
}

static void i32_remove(struct i32vec *v, int32_t x)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (v->v[i] == x) {
			memmove(v->v + i, v->v + i + 1, (v->n - i - 1) * sizeof(*v->v));
			v->n--;
			return;
		}
}

/* kmem_cache_create() + enable_cpucache() for the pgd cache. */
static void cache_setup(struct pgt_model *m)
{
	struct slab_cache *c = &m->slab;
	if (c->num)
		return;
	uint32_t size = m->shared ? 32 : (uint32_t)PGT_PAGE_SIZE;
	/* cache_estimate(): off-slab management from PAGE_SIZE/8 up */
	c->num = size >= PGT_PAGE_SIZE / 8
			 ? (uint32_t)(PGT_PAGE_SIZE / size)
			 : (uint32_t)((PGT_PAGE_SIZE - SLAB_DESC_BYTES) / (size + BUFCTL_BYTES));
	/*
	 * On-slab management: struct slab and a kmem_bufctl_t per object,
	 * aligned to the objects' 32 bytes: the objects start after it
	 * (s_mem); 28 + 4 * 113 = 480 leaves nothing for colouring.
	 */
	c->s_mem = size >= PGT_PAGE_SIZE / 8
			   ? 0
			   : (SLAB_DESC_BYTES + BUFCTL_BYTES * c->num + size - 1) / size * size;
	c->limit = size > PGT_PAGE_SIZE ? 8 : size > 1024 ? 24 : size > 256 ? 54 : 120;
	c->batch = (c->limit + 1) / 2;
}

static uint32_t ncpus(const struct pgt_model *m)
{
	return m->slab.nac ? (uint32_t)m->slab.nac : 1;
}

/* The node's l3->free_limit: (1 + nr_cpus_node) * batchcount + num. */
static uint64_t free_limit(const struct pgt_model *m)
{
	return (1 + (uint64_t)ncpus(m)) * m->slab.batch + m->slab.num;
}

/* enable_cpucache(): shared = 8 for objects up to a page on SMP. */
static uint32_t shared_limit(const struct pgt_model *m)
{
	return 8 * m->slab.batch;
}

static struct pgt_error *cpu_ac(struct pgt_model *m, int cpu, struct i32vec **ret)
{
	struct slab_cache *c = &m->slab;
	size_t need = (size_t)(cpu < 0 ? 0 : cpu) + 1;
	if (need > c->nac) {
		struct i32vec *n = realloc(c->ac, need * sizeof(*n));
		bool *t = realloc(c->touched, need * sizeof(*t));
		if (!n || !t) {
			if (n)
				c->ac = n;
			if (t)
				c->touched = t;
			return &pgt_error_nomem;
		}
		memset(n + c->nac, 0, (need - c->nac) * sizeof(*n));
		memset(t + c->nac, 0, (need - c->nac) * sizeof(*t));
		c->ac = n;
		c->touched = t;
		c->nac = need;
	}
	*ret = &c->ac[need - 1];
	return NULL;
}

/* slab_destroy(): the destructor on every object, the page back. */
static struct pgt_error *slab_destroy(struct pgt_model *m, uint32_t f)
{
	struct slab_cache *c = &m->slab;
	int64_t first;
	if (!idmap_get(&c->slab_first, f + 1, &first))
		return NULL;
	for (uint32_t i = 0; i < c->num; i++) {
		int32_t o = (int32_t)first + (int32_t)i;
		pgd_dtor_slab(m, o);
		m->objs[o].where = O_DEAD;
		struct pgt_error *err = VEC_PUSH(&c->dead, o);
		if (err)
			return err;
	}
	idmap_del(&c->slab_first, f + 1);
	c->free_objects -= c->num;
	c->slabs_destroyed++;
	return frame_free(m, f);
}

/* free_block(): @n objects back to their slabs; free_limit decides. */
static struct pgt_error *free_block(struct pgt_model *m, const int32_t *objs,
				    uint32_t n)
{
	struct slab_cache *c = &m->slab;
	bool limit = m->cfg.reap != PGT_REAP_RECORD;
	for (uint32_t i = 0; i < n; i++) {
		int32_t o = objs[i];
		uint32_t f = m->objs[o].frame;
		m->objs[o].where = O_SLAB;
		int64_t first;
		if (!idmap_get(&c->slab_first, f + 1, &first)) {
			/*
			 * An adopted pgd (taken from an image): its slab is
			 * unknown.  Page-sized objects are one to a slab: make
			 * it one; a 32-byte one stays where it is, neither
			 * handed out again nor destroyed.
			 */
			if (c->num != 1)
				continue;
			struct pgt_error *err = idmap_put(&c->slab_first, f + 1, o);
			if (err)
				return err;
			m->frames[f].slab_inuse = 1;
		}
		c->free_objects++;
		struct frame *fr = &m->frames[f];
		i32_remove(&c->partial, (int32_t)f);
		if (--fr->slab_inuse) {
			struct pgt_error *err = VEC_PUSH(&c->partial, (int32_t)f);
			if (err)
				return err;
			continue;
		}
		if (limit && c->free_objects > free_limit(m)) {
			struct pgt_error *err = slab_destroy(m, f);
			if (err)
				return err;
			continue;
		}
		/* list_add(&slabp->list, &l3->slabs_free): the newest last here */
		struct pgt_error *err = VEC_PUSH(&c->free, (int32_t)f);
		if (err)
			return err;
	}
	return NULL;
}

/* cache_grow(): a new slab, the constructor on every object. */
static struct pgt_error *cache_grow(struct pgt_model *m)
{
	struct slab_cache *c = &m->slab;
	uint32_t f = 0;
	/* one page-sized object (unshared) fits a V_SHORT frame */
	bool small = c->s_mem / 8 + 4 * c->num <= SHORT_ENTRIES;
	struct pgt_error *err = frame_alloc(m, F_PGD, small ? D_SHORT : D_FULL, &f);
	if (err)
		return err;
	int32_t first = -1;
	for (uint32_t i = 0; i < c->num; i++) {
		int32_t o;
		if ((err = new_obj(m, f, (uint16_t)(c->s_mem / 8 + 4 * i), &o)))
			return err;
		if (first < 0)
			first = o;
		m->objs[o].where = O_SLAB;
		pgd_ctor_slab(m, o);
	}
	m->frames[f].slab_inuse = 0;
	c->free_objects += c->num;
	if ((err = idmap_put(&c->slab_first, f + 1, first)))
		return err;
	return VEC_PUSH(&c->free, (int32_t)f);
}

/* slab_get_obj(): a free object of slab @f. */
static int32_t slab_get_obj(struct pgt_model *m, uint32_t f)
{
	int64_t first;
	if (!idmap_get(&m->slab.slab_first, f + 1, &first))
		return -1;
	for (uint32_t i = 0; i < m->slab.num; i++) {
		int32_t o = (int32_t)first + (int32_t)i;
		if (m->objs[o].where == O_SLAB) {
			m->frames[f].slab_inuse++;
			m->slab.free_objects--;
			return o;
		}
	}
	return -1;
}

/*
 * cache_alloc_refill(): up to batchcount objects into the CPU's array
 * (BATCHREFILL_LIMIT when the array saw no allocation since the last
 * cache_reap), from the shared array, else from partial slabs, then free
 * ones, else a new slab.
 */
static struct pgt_error *cache_alloc_refill(struct pgt_model *m, struct i32vec *ac,
					    bool touched)
{
	struct slab_cache *c = &m->slab;
	struct pgt_error *err;
	uint32_t want = c->batch;
	if (!touched && want > BATCHREFILL_LIMIT)
		want = BATCHREFILL_LIMIT;
	if (c->shared.n) {
		c->shared_touched = true; /* transfer_objects() */
		uint32_t nr = c->shared.n < want ? c->shared.n : want;
		for (uint32_t i = c->shared.n - nr; i < c->shared.n; i++) {
			m->objs[c->shared.v[i]].where = O_AC;
			if ((err = VEC_PUSH(ac, c->shared.v[i])))
				return err;
		}
		c->shared.n -= nr;
		return NULL;
	}
	while (want) {
		struct i32vec *from = c->partial.n ? &c->partial : &c->free;
		if (from == &c->free)
			c->free_touched = true; /* no partial slab: the free list is next */
		if (!from->n) {
			if (ac->n)
				return NULL;
			if ((err = cache_grow(m)))
				return err;
			continue;
		}
		/* slabs_partial.next (the oldest), slabs_free.next (the newest) */
		uint32_t at = from == &c->partial ? 0 : from->n - 1;
		uint32_t f = (uint32_t)from->v[at];
		while (want && m->frames[f].slab_inuse < c->num) {
			int32_t o = slab_get_obj(m, f);
			if (o < 0)
				break;
			m->objs[o].where = O_AC;
			if ((err = VEC_PUSH(ac, o)))
				return err;
			want--;
		}
		if (from == &c->partial)
			i32_drop_front(from, 1);
		else
			from->n--;
		/* list_add(): back at the head of slabs_partial */
		if (m->frames[f].slab_inuse < c->num &&
		    (err = i32_push_front(&c->partial, (int32_t)f)))
			return err;
	}
	return NULL;
}

struct pgt_error *slab_alloc(struct pgt_model *m, int cpu, int32_t *ret)
{
	cache_setup(m);
	struct i32vec *ac;
	struct pgt_error *err = cpu_ac(m, cpu, &ac);
	if (err)
		return err;
	bool *touched = &m->slab.touched[cpu < 0 ? 0 : cpu];
	if (!ac->n && (err = cache_alloc_refill(m, ac, *touched)))
		return err;
	*touched = true;
	int32_t o = ac->v[--ac->n];
	m->objs[o].where = O_USED;
	*ret = o;
	return NULL;
}

/* cache_flusharray(): the oldest batchcount to the shared array or slabs. */
static struct pgt_error *cache_flusharray(struct pgt_model *m, struct i32vec *ac)
{
	struct slab_cache *c = &m->slab;
	uint32_t batch = c->batch < ac->n ? c->batch : ac->n;
	uint32_t room = shared_limit(m) > c->shared.n ? shared_limit(m) - c->shared.n : 0;
	struct pgt_error *err;
	if (room) {
		if (batch > room)
			batch = room;
		for (uint32_t i = 0; i < batch; i++) {
			m->objs[ac->v[i]].where = O_SHARED;
			if ((err = VEC_PUSH(&c->shared, ac->v[i])))
				return err;
		}
	} else if ((err = free_block(m, ac->v, batch))) {
		return err;
	}
	i32_drop_front(ac, batch);
	return NULL;
}

struct pgt_error *slab_free(struct pgt_model *m, int cpu, int32_t o)
{
	cache_setup(m);
	struct i32vec *ac;
	struct pgt_error *err = cpu_ac(m, cpu, &ac);
	if (err)
		return err;
	if (ac->n >= m->slab.limit && (err = cache_flusharray(m, ac)))
		return err;
	m->objs[o].where = O_AC;
	return VEC_PUSH(ac, o);
}

/*
 * drain_array(): an array not touched since the last reap gives
 * (limit + 4) / 5 of its oldest objects back (at most half, rounded up).
 */
static struct pgt_error *drain_array(struct pgt_model *m, struct i32vec *a,
				     uint32_t limit, bool *touched, bool force)
{
	if (!a->n)
		return NULL;
	if (*touched && !force) {
		*touched = false;
		return NULL;
	}
	uint32_t tofree = force ? a->n : (limit + 4) / 5;
	if (tofree > a->n)
		tofree = (a->n + 1) / 2;
	struct pgt_error *err = free_block(m, a->v, tofree);
	if (!err)
		i32_drop_front(a, tofree);
	return err;
}

/* drain_freelist(): destroy up to @n free slabs, the oldest first. */
static struct pgt_error *drain_freelist(struct pgt_model *m, uint64_t n)
{
	struct slab_cache *c = &m->slab;
	for (; n && c->free.n; n--) {
		uint32_t f = (uint32_t)c->free.v[0];
		i32_drop_front(&c->free, 1);
		struct pgt_error *err = slab_destroy(m, f);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * cache_reap() at trace time @t_ns: every CPU's array each 2 s, the node's
 * shared array and free slabs each 4 s (the kernel's timers run from boot;
 * the model's from the first timed event).
 */
struct pgt_error *slab_timer_tick(struct pgt_model *m, uint64_t t_ns, int cpu)
{
	struct slab_cache *c = &m->slab;
	cache_setup(m);
	if (cpu >= 0) {
		struct i32vec *ac;
		struct pgt_error *err = cpu_ac(m, cpu, &ac); /* count the CPU */
		if (err)
			return err;
	}
	if (m->cfg.reap != PGT_REAP_SLAB || t_ns == PGT_NO_TIME)
		return NULL;
	if (!c->timed) {
		c->timed = true;
		c->next_reap_ns = t_ns + REAP_CPU_NS;
		c->next_list_ns = t_ns + REAP_LIST_NS;
		return NULL;
	}
	while (t_ns >= c->next_reap_ns) {
		struct pgt_error *err;
		for (size_t i = 0; i < c->nac; i++)
			if ((err = drain_array(m, &c->ac[i], c->limit, &c->touched[i], false)))
				return err;
		if (c->next_reap_ns >= c->next_list_ns) {
			c->next_list_ns += REAP_LIST_NS;
			if ((err = drain_array(m, &c->shared, shared_limit(m),
					       &c->shared_touched, false)))
				return err;
			if (c->free_touched)
				c->free_touched = false;
			else if ((err = drain_freelist(m, (free_limit(m) + 5 * c->num - 1) /
							       (5 * c->num))))
				return err;
		}
		c->next_reap_ns += REAP_CPU_NS;
		c->reaps++;
	}
	return NULL;
}

/* kmem_cache_shrink(): drain every array, destroy every free slab. */
struct pgt_error *slab_shrink(struct pgt_model *m)
{
	struct slab_cache *c = &m->slab;
	if (!c->num)
		return NULL;
	struct pgt_error *err;
	for (size_t i = 0; i < c->nac; i++)
		if ((err = drain_array(m, &c->ac[i], c->limit, &c->touched[i], true)))
			return err;
	if ((err = drain_array(m, &c->shared, shared_limit(m), &c->shared_touched, true)))
		return err;
	return drain_freelist(m, UINT64_MAX);
}

void slab_deinit(struct pgt_model *m)
{
	struct slab_cache *c = &m->slab;
	for (size_t i = 0; i < c->nac; i++)
		free(c->ac[i].v);
	free(c->ac);
	free(c->touched);
	free(c->shared.v);
	free(c->partial.v);
	free(c->free.v);
	free(c->dead.v);
	idmap_deinit(&c->slab_first);
}
