/* SPDX-License-Identifier: MIT */
/*
 * The page allocator as the page tables see it: get_free_page() and
 * free_page() of 4 KiB frames of lowmem, order-1 blocks for 6.1's PTI pgd
 * pairs (__get_free_pages(PGD_ALLOCATION_ORDER)), and pages above lowmem
 * for what vmalloc maps.  Freed frames are reused last-in, first-out
 * (--page-reuse=lifo, the per-CPU free lists' hot pages), or never while
 * never-used frames remain (--page-reuse=none).
 */
#include <sys/mman.h>

#include "internal.h"

/* 2 MiB: a pool's chunk, and a transparent huge page. */
#define POOL_CHUNK ((size_t)2 << 20)

static uintptr_t chunk_down(uintptr_t a)
{
	return a & ~(uintptr_t)(POOL_CHUNK - 1);
}

void hugepage_hint(void *p, size_t bytes)
{
	uintptr_t a = chunk_down((uintptr_t)p + POOL_CHUNK - 1);
	uintptr_t e = chunk_down((uintptr_t)p + bytes);
	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE); /* a hint: no error to report */
}

struct pgt_error *model_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n;
	if (need <= *cap)
		return NULL;
	if (!pgt_grow_cap(*cap, need, 16, elem, &n))
		return &pgt_error_nomem;
	void *q;
	if (elem % 32 == 0) {
		/*
		 * Elements of whole or half lines (struct rec, struct pgd_obj)
		 * start on a line: none spans two.  (aligned_alloc wants a
		 * multiple of the alignment.)
		 */
		size_t bytes = n * elem;
		if (bytes > SIZE_MAX - PGT_CACHE_LINE)
			return &pgt_error_nomem;
		bytes = (bytes + PGT_CACHE_LINE - 1) & ~(size_t)(PGT_CACHE_LINE - 1);
		if (!(q = aligned_alloc(PGT_CACHE_LINE, bytes)))
			return &pgt_error_nomem;
		if (*p)
			memcpy(q, *p, *cap * elem);
		free(*p);
	} else if (!(q = realloc(*p, n * elem))) {
		return &pgt_error_nomem;
	}
	*p = q;
	*cap = n;
	if (n * elem >= 2 * POOL_CHUNK)
		hugepage_hint(q, n * elem);
	return NULL;
}

struct pgt_error *model_grow_zeroed(void **p, size_t *cap, size_t need,
				    size_t elem)
{
	size_t old = *cap;
	struct pgt_error *err = model_grow(p, cap, need, elem);
	if (!err)
		memset((char *)*p + old * elem, 0, (*cap - old) * elem);
	return err;
}

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

static void pool_init(struct block_pool *p, size_t size)
{
	*p = (struct block_pool){.size = PGT_LINE_ROUND(size)};
}

/*
 * A chunk on a 2 MiB boundary, with transparent huge pages asked for: the
 * model reads pages of 10,000 pgds in no order, and 4 KiB pages made that
 * a TLB miss per read.
 */
static char *chunk_map(void)
{
	size_t len = 2 * POOL_CHUNK;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *c = (char *)chunk_down((uintptr_t)p + POOL_CHUNK - 1);
	if (c > p)
		munmap(p, (size_t)(c - p));
	munmap(c + POOL_CHUNK, (size_t)(p + len - (c + POOL_CHUNK)));
	hugepage_hint(c, POOL_CHUNK);
	return c;
}

static void *pool_get(struct block_pool *p)
{
	void *b = p->free;
	if (b) {
		ASAN_UNPOISON_MEMORY_REGION(b, p->size);
		p->free = *(void **)b;
		return b;
	}
	if (!p->left) {
		if (GROW(p->chunks, p->chunks_cap, p->nchunks + 1))
			return NULL;
		char *c = chunk_map();
		if (!c)
			return NULL;
		p->chunks[p->nchunks++] = c;
		p->cur = c;
		p->left = POOL_CHUNK / p->size;
		ASAN_POISON_MEMORY_REGION(c, POOL_CHUNK);
	}
	b = p->cur;
	p->cur += p->size;
	p->left--;
	ASAN_UNPOISON_MEMORY_REGION(b, p->size);
	return b;
}

static void pool_put(struct block_pool *p, void *b)
{
	if (!b)
		return;
	*(void **)b = p->free;
	p->free = b;
	ASAN_POISON_MEMORY_REGION((char *)b + sizeof(void *), p->size - sizeof(void *));
}

static void pool_deinit(struct block_pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++) {
		ASAN_UNPOISON_MEMORY_REGION(p->chunks[i], POOL_CHUNK);
		munmap(p->chunks[i], POOL_CHUNK);
	}
	free(p->chunks);
	pool_init(p, p->size);
}

/* The blocks of struct xmap: room for 22, 70 and all 512 values. */
static const size_t xmap_bytes[XMAP_CLASSES] = {
	256, 640,
	PGT_LINE_ROUND(sizeof(struct xmap) + PGT_PTRS_PER_PMD * sizeof(uint64_t)),
};

static uint32_t xmap_cap(int c)
{
	size_t cap = (xmap_bytes[c] - sizeof(struct xmap)) / sizeof(uint64_t);
	return cap < PGT_PTRS_PER_PMD ? (uint32_t)cap : PGT_PTRS_PER_PMD;
}

static int xmap_class(const struct xmap *x)
{
	int c = 0;
	while (c < XMAP_CLASSES - 1 && xmap_cap(c) != x->cap)
		c++;
	return c;
}

void pools_init(struct pgt_model *m)
{
	/*
	 * A page's 4 KiB and one more cache line: consecutive pages then
	 * start in different cache sets.  At 4 KiB apart, every pgd's
	 * entries (a page's first line) fell in the same few sets and
	 * evicted each other before the event the look-ahead fetched them
	 * for came.
	 */
	pool_init(&m->data_pool, PGT_PTRS_PER_PMD * sizeof(uint64_t) + PGT_CACHE_LINE);
	pool_init(&m->short_pool, SHORT_ENTRIES * sizeof(uint64_t));
	for (int c = 0; c < XMAP_CLASSES; c++)
		pool_init(&m->x_pools[c], xmap_bytes[c]);
}

void pools_deinit(struct pgt_model *m)
{
	pool_deinit(&m->data_pool);
	pool_deinit(&m->short_pool);
	for (int c = 0; c < XMAP_CLASSES; c++)
		pool_deinit(&m->x_pools[c]);
}

struct pgt_error *page_data_new(struct pgt_model *m, bool zero, uint64_t **ret)
{
	uint64_t *d = pool_get(&m->data_pool);
	if (!d)
		return &pgt_error_nomem;
	/* (the colouring line is no part of the page: reading it is a bug) */
	ASAN_POISON_MEMORY_REGION(d + PGT_PTRS_PER_PMD, PGT_CACHE_LINE);
	if (zero)
		memset(d, 0, PGT_PTRS_PER_PMD * sizeof(uint64_t));
	*ret = d;
	return NULL;
}

void page_data_free(struct pgt_model *m, uint64_t *d)
{
	pool_put(&m->data_pool, d);
}

struct pgt_error *xmap_new(struct pgt_model *m, struct xmap **ret)
{
	struct xmap *x = pool_get(&m->x_pools[0]);
	if (!x)
		return &pgt_error_nomem;
	memset(x->bits, 0, sizeof(x->bits));
	x->n = 0;
	x->cap = xmap_cap(0);
	x->stamp = 0;
	*ret = x;
	return NULL;
}

struct pgt_error *xmap_grow(struct pgt_model *m, struct xmap *x,
			    struct xmap **ret)
{
	int c = xmap_class(x) + 1;
	if (c >= XMAP_CLASSES)
		return pgt_error_create(PGT_ERROR_INVALID,
					"internal: a copy's explicit entries overflow");
	struct xmap *y = pool_get(&m->x_pools[c]);
	if (!y)
		return &pgt_error_nomem;
	memcpy(y, x, sizeof(*x) + x->n * sizeof(x->v[0]));
	y->cap = xmap_cap(c);
	xmap_free(m, x);
	*ret = y;
	return NULL;
}

void xmap_free(struct pgt_model *m, struct xmap *x)
{
	if (x)
		pool_put(&m->x_pools[xmap_class(x)], x);
}

struct pgt_error *model_note(struct pgt_model *m, enum pgt_note_kind kind,
			     uint32_t pgd, uint64_t addr, bool has_ip,
			     uint64_t ip, struct pgt_note **ret)
{
	if (ret)
		*ret = NULL;
	if (m->note_counts[kind]++ >= m->cfg.notes_limit && m->cfg.notes_limit)
		return NULL;
	struct pgt_error *err = GROW(m->notes, m->notes_cap, m->nnotes + 1);
	if (err)
		return err;
	struct pgt_note *n = &m->notes[m->nnotes++];
	*n = (struct pgt_note){
		.kind = kind, .line = m->line, .pgd = pgd, .addr = addr,
		.has_ip = has_ip, .ip = ip,
	};
	if (ret)
		*ret = n;
	return NULL;
}

static struct pgt_error *frame_take(struct pgt_model *m, uint32_t f,
				    enum frame_kind kind, enum frame_data need)
{
	struct frame *fr = &m->frames[f];
	uint64_t *d = fr->data;
	bool was_short = fr->virt == V_SHORT;
	fr->kind = kind;
	fr->slot = 0;
	fr->virt = V_DATA;
	fr->reserved = false;
	fr->private_count = 0;
	frame_set_owner(fr, -1);
	if (fr->x && kind != F_KPMD_COPY) {
		/* explicit entries belong to a copy: none for other pages */
		xmap_free(m, fr->x);
		fr->x = NULL;
	}
	if (d) {
		if (need != D_NONE && was_short == (need == D_SHORT)) {
			/* a block of the size wanted: zeroed and kept */
			memset(d, 0, (was_short ? SHORT_ENTRIES : PGT_PTRS_PER_PMD) *
					     sizeof(uint64_t));
			fr->virt = was_short ? V_SHORT : V_DATA;
			return NULL;
		}
		if (was_short)
			pool_put(&m->short_pool, d);
		else
			page_data_free(m, d);
		fr->data = NULL;
	}
	if (need == D_FULL)
		return page_data_new(m, true, &fr->data);
	if (need == D_SHORT) {
		if (!(fr->data = pool_get(&m->short_pool)))
			return &pgt_error_nomem;
		memset(fr->data, 0, SHORT_ENTRIES * sizeof(uint64_t));
		fr->virt = V_SHORT;
	}
	return NULL;
}

struct pgt_error *frame_alloc(struct pgt_model *m, enum frame_kind kind,
			      enum frame_data data, uint32_t *ret)
{
	uint32_t f = 0;
	/*
	 * --page-reuse=none: a freed page went to some other user; page
	 * tables take never-used frames while there are any.  Pages a
	 * starting image holds page tables in are not free.
	 */
	bool reuse = m->cfg.page_reuse == PGT_REUSE_LIFO;
	while ((!m->nfree || !reuse) && m->bump < m->nframes &&
	       m->frames[m->bump].kind != F_FREE)
		m->bump++;
	if (m->bump >= m->nframes)
		reuse = true;
	if (m->nfree && reuse)
		f = m->free_frames[--m->nfree];
	else if (m->bump < m->nframes)
		f = m->bump++;
	else
		return pgt_error_create(PGT_ERROR_INPUT,
					"out of simulated lowmem for page tables (%u frames)",
					m->nframes);
	*ret = f;
	return frame_take(m, f, kind, data);
}

/* An order-1 block (6.1 PTI pgds): two frames, the first even. */
struct pgt_error *pair_alloc(struct pgt_model *m, uint32_t *ret)
{
	uint32_t f = 0;
	if (m->nfree_pairs) {
		f = m->free_pairs[--m->nfree_pairs];
	} else {
		while (m->bump + 1 < m->nframes &&
		       (m->frames[m->bump].kind != F_FREE ||
			m->frames[m->bump + 1].kind != F_FREE || (m->bump & 1)))
			m->bump++;
		if (m->bump & 1) {
			struct pgt_error *err =
				GROW(m->free_frames, m->free_cap, m->nfree + 1);
			if (err)
				return err;
			m->free_frames[m->nfree++] = m->bump++;
		}
		if (m->bump + 2 > m->nframes)
			return pgt_error_create(PGT_ERROR_INPUT,
						"out of simulated lowmem for page tables");
		f = m->bump;
		m->bump += 2;
	}
	for (int i = 0; i < 2; i++) {
		struct pgt_error *err = frame_take(m, f + (uint32_t)i, F_PGD, D_SHORT);
		if (err)
			return err;
	}
	*ret = f;
	return NULL;
}

struct pgt_error *frame_free(struct pgt_model *m, uint32_t f)
{
	struct pgt_error *err = GROW(m->free_frames, m->free_cap, m->nfree + 1);
	if (err)
		return err;
	m->frames[f].kind = F_FREE;
	frame_set_owner(&m->frames[f], -1);
	m->free_frames[m->nfree++] = f;
	return NULL;
}

/* Give a frame real entries (a write to a page that had none of its own). */
struct pgt_error *frame_ensure_data(struct pgt_model *m, uint32_t f)
{
	struct frame *fr = &m->frames[f];
	if (fr->virt == V_DATA)
		return fr->data ? NULL : page_data_new(m, true, &fr->data);
	uint64_t *d = fr->virt == V_SHORT ? NULL : fr->data;
	if (!d) {
		struct pgt_error *err = page_data_new(m, false, &d);
		if (err)
			return err;
	}
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++)
		d[i] = entry_at(m, f, i);
	if (fr->virt == V_SHORT)
		pool_put(&m->short_pool, fr->data);
	fr->data = d;
	fr->virt = V_DATA;
	return NULL;
}

struct pgt_error *data_alloc(struct pgt_model *m, uint64_t *ret)
{
	*ret = m->nfree_data ? m->free_data[--m->nfree_data] : m->data_bump++;
	if ((*ret + 1) << PGT_PAGE_SHIFT > m->ram_top)
		m->ram_top = (*ret + 1) << PGT_PAGE_SHIFT;
	return NULL;
}

struct pgt_error *data_free(struct pgt_model *m, uint64_t pfn)
{
	struct pgt_error *err = GROW(m->free_data, m->free_data_cap,
				     m->nfree_data + 1);
	if (err)
		return err;
	m->free_data[m->nfree_data++] = pfn;
	return NULL;
}

void cost_update_bytes(struct pgt_model *m)
{
	struct pgt_costs *c = &m->costs;
	c->pgtable_bytes = c->pgd_bytes +
			   (c->pmd_pages + c->pte_pages) * PGT_PAGE_SIZE;
#define PEAK(x) if (c->x > c->x##_peak) c->x##_peak = c->x
	PEAK(pgd_bytes);
	PEAK(pmd_pages);
	PEAK(kernel_pmd_copies);
	PEAK(pte_pages);
	PEAK(pgtable_bytes);
#undef PEAK
}

/* ---- maps on core/hash.h ---- */

struct pgt_error *idmap_put(struct idmap *h, uint64_t key, int64_t val)
{
	bool inserted;
	int64_t *slot;
	struct pgt_error *err = idmap_insert(h, key, &inserted, &slot);
	if (err)
		return err;
	*slot = val;
	return NULL;
}

bool idmap_get(const struct idmap *h, uint64_t key, int64_t *ret)
{
	const int64_t *v = idmap_find(h, key);
	if (v)
		*ret = *v;
	return v != NULL;
}

void idmap_del(struct idmap *h, uint64_t key)
{
	idmap_delete(h, key);
}
