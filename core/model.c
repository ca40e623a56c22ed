/* SPDX-License-Identifier: MIT */
/*
 * The replay model.  Each function names the kernel function it mirrors;
 * "2.6.21" is arch/i386/mm/{pgtable,fault,pageattr,init}.c with the seed
 * patch applied, "6.1" is arch/x86/mm/{pgtable,fault,init_32}.c and
 * pat/set_memory.c of Linux 6.1.
 *
 * Divergence is kept incrementally: every write to a kernel PMD entry goes
 * through pmd_write(), which updates the owner pgd's counts (a private
 * copy) or, for swapper's kernel PMD, the counts of every live pgd with a
 * private copy, entry by entry.  Nothing rescans a whole PMD per event.
 */
#include <string.h>

#include "model.h"
#include "walk.h"

enum frame_kind {
	F_FREE = 0,
	F_BOOT,        /* kernel image, bootmem: never allocated */
	F_SWAPPER_PGD,
	F_KPMD_SWAPPER, /* swapper's kernel PMD page */
	F_KPMD_COPY,    /* a pgd's private kernel PMD copy */
	F_UPMD,         /* a user PMD (pmd_cache) */
	F_UHALF_KPMD,   /* 6.1 PTI: the user half's kernel PMD */
	F_PTE,          /* a kernel PTE page */
	F_PGD,          /* a pgd page (unshared) or pgd slab page (shared) */
};

struct frame {
	uint8_t kind;
	uint8_t slot;        /* pgd slot of a kernel PMD page */
	bool reserved;       /* PTE page made at boot (PageReserved) */
	uint16_t private_count; /* cpa: entries with non-default protections */
	int32_t owner;       /* record index of a private kernel PMD copy, -1 */
	uint64_t *data;      /* 512 entries, NULL when all zero and unwritten */
};

struct pgd_obj {
	uint32_t frame;
	uint16_t index;      /* first entry of this pgd in the frame's data */
	bool constructed;
	bool on_list;
	bool allocated;
	int32_t rec;         /* live record, -1 */
	uint32_t last_id;    /* strtab id of the last pgd it held */
	int32_t prev, next;  /* pgd_list links (object indexes), -1 */
	int32_t free_next;   /* the cache's free list, -1 */
};

struct rec {
	struct pgt_pgd_stats s;
	int32_t obj;
	uint32_t kpmd[PGT_PTRS_PER_PGD];  /* private kernel PMD frames (0: none) */
	uint32_t upmd[PGT_PTRS_PER_PGD];  /* user PMD frames */
	uint32_t uhalf;                   /* 6.1 PTI: user-half pgd frame */
	uint32_t uhalf_kpmd[PGT_PTRS_PER_PGD]; /* its kernel PMD copies */
	int32_t live_idx;                 /* index in m->own_live, -1 */
	bool dirty;                       /* divergence changed in this event */
	uint64_t stamp;                   /* last broadcast that reached it */
};

struct vm_area {
	uint32_t addr, size;
};

struct pgt_model {
	struct pgt_model_config cfg;
	struct pgt_layout L;
	struct pgt_layout TL;    /* the recording kernel's layout (validation) */
	bool shared;       /* SHARED_KERNEL_PMD */
	bool pti;          /* 6.1 unshared: the 8 KiB pgd pair */
	uint64_t pmd_table_flags;
	uint64_t page_kernel, page_kernel_exec, page_kernel_large,
		page_kernel_large_exec;
	uint64_t pdpte_flags;

	struct frame *frames;
	uint32_t nframes;        /* lowmem frames */
	uint32_t bump;           /* next never-used frame */
	uint32_t *free_frames;
	size_t nfree, free_cap;
	uint32_t *free_pairs;    /* order-1 blocks (first frame) */
	size_t nfree_pairs, free_pairs_cap;
	uint64_t data_bump;      /* next never-used pfn for vmalloc data pages */
	uint64_t *free_data;
	size_t nfree_data, free_data_cap;
	uint64_t ram_top;        /* physical bytes readable */

	uint64_t broadcast_seq;  /* numbers set_pmd_pte broadcasts */
	uint32_t swapper;        /* frame of swapper_pg_dir */
	uint64_t swapper_line[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t swapper_kpmd[PGT_PTRS_PER_PGD];
	/* 6.1 PTI: swapper's user half's kernel PMDs (pti_clone_user_shared) */
	uint32_t swapper_uhalf_kpmd[PGT_PTRS_PER_PGD];

	struct pgd_obj *objs;
	size_t nobjs, objs_cap;
	int32_t free_objs;       /* the pgd cache's free list */
	int32_t list_head;       /* pgd_list */
	uint64_t list_len;

	struct rec *recs;
	size_t nrecs, recs_cap;
	int32_t *live_by_id;     /* strtab id -> record, -1 */
	size_t live_by_id_cap;
	uint32_t *pgd_by_mm;     /* mm id -> pgd id */
	size_t pgd_by_mm_cap;
	int32_t *dirty;          /* records whose divergence changed this event */
	size_t ndirty, dirty_cap;
	int32_t *own_live;       /* live records with private kernel PMDs */
	size_t nown_live, own_live_cap;

	uint32_t current[PGT_MAX_CPUS]; /* per cpu: loaded pgd id */
	size_t ncpus;            /* 1 + the highest cpu a switch named */

	struct vm_area *areas;   /* hash by address, open addressing */
	size_t areas_cap, nareas;

	uint32_t *deferred;      /* cpa: PTE pages to free at flush (df_list) */
	size_t ndeferred, deferred_cap;

	/* vmalloc_sync_all's statics (2.6.21 seed). */
	uint32_t sync_start;
	bool insync[PGT_PTRS_PER_PGD];

	struct pgt_costs costs;
	struct pgt_note *notes;
	size_t nnotes, notes_cap;
	uint64_t line;           /* line of the event being applied */
};

const char *pgt_policy_name(enum pgt_policy p)
{
	return p == PGT_POLICY_SHARED ? "shared" : "unshared";
}

const char *pgt_sync_name(enum pgt_sync s)
{
	return s == PGT_SYNC_SEED ? "seed" : "pmd";
}

const char *pgt_note_kind_name(enum pgt_note_kind k)
{
	static const char *const names[] = {
		"hazard", "oops", "bug", "use-after-free", "corruption",
		"unpredicted-fault", "predicted-fault",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* Growable arrays. */
static struct pgt_error *grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return NULL;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return &pgt_error_nomem;
	*p = q;
	*cap = n;
	return NULL;
}

#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

static struct pgt_error *note(struct pgt_model *m, enum pgt_note_kind kind,
			      uint32_t pgd, uint64_t addr, bool has_ip,
			      uint64_t ip)
{
	struct pgt_error *err = GROW(m->notes, m->notes_cap, m->nnotes + 1);
	if (err)
		return err;
	m->notes[m->nnotes++] = (struct pgt_note){
		.kind = kind, .line = m->line, .pgd = pgd, .addr = addr,
		.has_ip = has_ip, .ip = ip,
	};
	return NULL;
}

/* ---- the frame allocator (get_free_page / free_page) ---- */

static uint64_t frame_pa(uint32_t f)
{
	return (uint64_t)f << PGT_PAGE_SHIFT;
}

static struct pgt_error *frame_alloc(struct pgt_model *m, enum frame_kind kind,
				     bool need_data, uint32_t *ret)
{
	uint32_t f = 0;
	if (m->nfree)
		f = m->free_frames[--m->nfree];
	else if (m->bump < m->nframes)
		f = m->bump++;
	else
		return pgt_error_create(PGT_ERROR_INPUT,
					"out of simulated lowmem for page tables (%u frames)",
					m->nframes);
	struct frame *fr = &m->frames[f];
	fr->kind = kind;
	fr->slot = 0;
	fr->reserved = false;
	fr->private_count = 0;
	fr->owner = -1;
	if (need_data) {
		if (!fr->data) {
			fr->data = calloc(PGT_PTRS_PER_PMD, sizeof(uint64_t));
			if (!fr->data)
				return &pgt_error_nomem;
		} else {
			memset(fr->data, 0, PGT_PTRS_PER_PMD * sizeof(uint64_t));
		}
	} else if (fr->data) {
		memset(fr->data, 0, PGT_PTRS_PER_PMD * sizeof(uint64_t));
	}
	*ret = f;
	return NULL;
}

/* An order-1 block (6.1 PTI pgds): two frames, the first even. */
static struct pgt_error *pair_alloc(struct pgt_model *m, uint32_t *ret)
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
		struct frame *fr = &m->frames[f + i];
		fr->kind = F_PGD;
		fr->owner = -1;
		if (!fr->data && !(fr->data = calloc(PGT_PTRS_PER_PMD, 8)))
			return &pgt_error_nomem;
		memset(fr->data, 0, PGT_PTRS_PER_PMD * 8);
	}
	*ret = f;
	return NULL;
}

static struct pgt_error *frame_free(struct pgt_model *m, uint32_t f)
{
	struct pgt_error *err = GROW(m->free_frames, m->free_cap, m->nfree + 1);
	if (err)
		return err;
	m->frames[f].kind = F_FREE;
	m->frames[f].owner = -1;
	m->free_frames[m->nfree++] = f;
	return NULL;
}

static struct pgt_error *data_alloc(struct pgt_model *m, uint64_t *ret)
{
	*ret = m->nfree_data ? m->free_data[--m->nfree_data] : m->data_bump++;
	if ((*ret + 1) << PGT_PAGE_SHIFT > m->ram_top)
		m->ram_top = (*ret + 1) << PGT_PAGE_SHIFT;
	return NULL;
}

static struct pgt_error *data_free(struct pgt_model *m, uint64_t pfn)
{
	struct pgt_error *err = GROW(m->free_data, m->free_data_cap,
				     m->nfree_data + 1);
	if (err)
		return err;
	m->free_data[m->nfree_data++] = pfn;
	return NULL;
}

static uint64_t entry_at(const struct pgt_model *m, uint32_t f, int idx)
{
	const struct frame *fr = &m->frames[f];
	return fr->data ? fr->data[idx] : 0;
}

/* ---- costs ---- */

static void cost_update_bytes(struct pgt_model *m)
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

/* ---- divergence ---- */

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

static bool excluded_entry(const struct pgt_model *m, int slot, int idx)
{
	/* 6.1: the per-process LDT mapping lives in the pgd's own kernel PMD. */
	if (!m->L.ldt_end)
		return false;
	uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
		      ((uint64_t)idx << PGT_PMD_SHIFT);
	return va >= m->L.ldt_base && va < m->L.ldt_end;
}

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
/* Take a record's max and first divergence as they stand now. */
static void settle_rec(const struct pgt_model *m, struct rec *r)
{
	uint32_t d = pgt_pgd_divergent(&r->s);
	if (d > r->s.max_divergent) {
		r->s.max_divergent = d;
		r->s.max_line = m->line;
	}
	if (d && !r->s.first_divergence_line)
		r->s.first_divergence_line = m->line;
}

static void rec_after_change(struct pgt_model *m, struct rec *r)
{
	if (r->dirty)
		return;
	if (GROW(m->dirty, m->dirty_cap, m->ndirty + 1)) {
		settle_rec(m, r); /* no memory for the list: settle now */
		return;
	}
	r->dirty = true;
	m->dirty[m->ndirty++] = (int32_t)(r - m->recs);
}

static void settle_dirty(struct pgt_model *m)
{
	for (size_t i = 0; i < m->ndirty; i++) {
		struct rec *r = &m->recs[m->dirty[i]];
		r->dirty = false;
		if (r->s.live)
			settle_rec(m, r);
	}
	m->ndirty = 0;
}

static void rec_entry_change(struct pgt_model *m, struct rec *r, int slot,
			     int idx, uint64_t old_mine, uint64_t new_mine,
			     uint64_t old_ref, uint64_t new_ref)
{
	if (excluded_entry(m, slot, idx))
		return;
	enum pgt_div a = pgt_div_of(old_mine, old_ref);
	enum pgt_div b = pgt_div_of(new_mine, new_ref);
	if (a == b)
		return;
	rec_count(r, a, -1);
	rec_count(r, b, +1);
	rec_after_change(m, r);
}

/*
 * Every write to a PMD entry of a kernel PMD page (swapper's or a copy)
 * comes here: set_pmd().
 */
static void pmd_write(struct pgt_model *m, uint32_t f, int idx, uint64_t val)
{
	struct frame *fr = &m->frames[f];
	uint64_t old = fr->data[idx];
	if (old == val)
		return;
	if (fr->kind == F_KPMD_SWAPPER) {
		int slot = fr->slot;
		m->swapper_line[slot][idx] = m->line;
		for (size_t i = 0; i < m->nown_live; i++) {
			struct rec *r = &m->recs[m->own_live[i]];
			uint64_t mine = entry_at(m, r->kpmd[slot], idx);
			rec_entry_change(m, r, slot, idx, mine, mine, old, val);
		}
	} else if (fr->kind == F_KPMD_COPY && fr->owner >= 0) {
		struct rec *r = &m->recs[fr->owner];
		int slot = fr->slot;
		uint64_t ref = entry_at(m, m->swapper_kpmd[slot], idx);
		rec_entry_change(m, r, slot, idx, old, val, ref, ref);
	}
	fr->data[idx] = val;
}

/*
 * A write through a pgd that may be freed (2.6.21 keeps freed pgds on
 * pgd_list until the slab destroys them, and their kernel PMD pages were
 * already given back).  A write into a page still free is harmless.  One
 * into a page since reused as another pgd's kernel PMD is what the kernel
 * does too: that pgd's copy gets the entry, and its divergence shows it.
 * One into a page reused as anything else (a PTE page, a user PMD, a pgd)
 * is reported and not applied: what the kernel does after corrupting that
 * is anyone's guess, and the model's own bookkeeping of those pages would
 * go wrong with it.
 */
static struct pgt_error *pmd_write_via(struct pgt_model *m, uint32_t f,
				       int idx, uint64_t val, int32_t o)
{
	struct frame *fr = &m->frames[f];
	uint32_t pgd_id = m->objs[o].last_id;
	if (fr->kind == F_KPMD_COPY && fr->owner >= 0 &&
	    fr->owner == m->objs[o].rec) {
		pmd_write(m, f, idx, val); /* the pgd's own copy */
		return NULL;
	}
	uint64_t pa = frame_pa(f) + 8 * (uint64_t)idx;
	struct pgt_error *err;
	if (fr->kind == F_FREE) {
		m->costs.uaf_writes++;
		if ((err = note(m, PGT_NOTE_UAF, pgd_id, pa, false, 0)))
			return err;
		if (!fr->data && !(fr->data = calloc(PGT_PTRS_PER_PMD, 8)))
			return &pgt_error_nomem;
		fr->data[idx] = val;
		return NULL;
	}
	static const char *const what[] = {
		[F_BOOT] = "kernel memory", [F_SWAPPER_PGD] = "swapper_pg_dir",
		[F_KPMD_SWAPPER] = "swapper's kernel PMD",
		[F_KPMD_COPY] = "another pgd's kernel PMD copy",
		[F_UPMD] = "a user PMD", [F_UHALF_KPMD] = "a user-half kernel PMD",
		[F_PTE] = "a kernel PTE page", [F_PGD] = "a pgd page",
	};
	bool apply = fr->kind == F_KPMD_COPY || fr->kind == F_UHALF_KPMD;
	m->costs.corrupting_writes++;
	if ((err = note(m, PGT_NOTE_CORRUPT, pgd_id, pa, false, 0)))
		return err;
	struct pgt_note *n = &m->notes[m->nnotes - 1];
	if (fr->kind < sizeof(what) / sizeof(what[0]))
		n->what = what[fr->kind];
	n->applied = apply;
	if (fr->kind == F_KPMD_COPY && fr->owner >= 0)
		n->victim = m->recs[fr->owner].s.id;
	if (apply)
		pmd_write(m, f, idx, val);
	return NULL;
}

/* ---- layout helpers ---- */

static uint32_t swapper_pmd_frame(const struct pgt_model *m, uint32_t va)
{
	return m->swapper_kpmd[pgt_pgd_index(va)];
}

static bool in_direct_map(const struct pgt_model *m, uint64_t va)
{
	return va >= m->L.page_offset && va < m->L.high_memory;
}

/*
 * is_kernel_text() of kernel_physical_mapping_init(): 2.6.21 tests
 * PAGE_OFFSET <= addr <= __init_end, 6.1 _text <= addr <= __init_end.  The
 * machine's etext stands for the end of the kernel image here (cpa and
 * revert_page test _etext with the same value).
 */
static bool is_text(const struct pgt_model *m, uint64_t va)
{
	uint64_t start = m->cfg.kernel == PGT_KERNEL_6_1 ? m->L.text_start
							: m->L.page_offset;
	return va >= start && va <= m->L.etext;
}

/* ---- boot: pagetable_init(), kernel_physical_mapping_init() ---- */

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
		struct pgt_error *err = frame_alloc(m, F_PTE, true, &pte);
		if (err)
			return err;
		m->frames[pte].reserved = true;
		m->costs.pte_pages++;
		m->frames[pf].data[idx] = frame_pa(pte) | m->pmd_table_flags;
	}
	return NULL;
}

/* Copy one page-table page from the image to the same physical address. */
static struct pgt_error *import_page(struct pgt_model *m, uint64_t pa,
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
	if (!fr->data && !(fr->data = calloc(PGT_PTRS_PER_PMD, 8)))
		return &pgt_error_nomem;
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		uint64_t v = 0;
		for (int b = 7; b >= 0; b--)
			v = (v << 8) | buf[8 * i + b];
		fr->data[i] = v;
	}
	fr->kind = kind;
	fr->owner = -1;
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
			if (va + PGT_PMD_SIZE > m->L.vmalloc_start &&
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
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		uint32_t f;
		struct pgt_error *err = frame_alloc(m, F_UHALF_KPMD, true, &f);
		if (err)
			return err;
		m->frames[f].slot = (uint8_t)slot;
		m->swapper_uhalf_kpmd[slot] = f;
		m->costs.pmd_pages++;
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)i << PGT_PMD_SHIFT);
			if (va + PGT_PMD_SIZE > m->L.cpu_entry_area_base &&
			    va < m->L.cpu_entry_area_end)
				m->frames[f].data[i] =
					m->frames[m->swapper_kpmd[slot]].data[i];
		}
	}
	cost_update_bytes(m);
	return NULL;
}

static struct pgt_error *boot(struct pgt_model *m)
{
	struct pgt_error *err;
	/* The kernel image and bootmem: frames below the first free one. */
	uint32_t first_free = (m->cfg.kernel == PGT_KERNEL_6_1 ? 48u : 8u)
			      << (20 - PGT_PAGE_SHIFT);
	if (first_free + 64 >= m->nframes)
		return pgt_error_create(PGT_ERROR_INVALID,
					"lowmem of %llu bytes is too small to boot the model",
					(unsigned long long)m->L.lowmem);
	for (uint32_t f = 0; f < first_free; f++)
		m->frames[f].kind = F_BOOT;
	m->bump = first_free;
	if (m->cfg.image)
		return boot_from_image(m);

	if ((err = frame_alloc(m, F_SWAPPER_PGD, true, &m->swapper)))
		return err;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		uint32_t pf;
		if ((err = frame_alloc(m, F_KPMD_SWAPPER, true, &pf)))
			return err;
		m->frames[pf].slot = (uint8_t)slot;
		m->swapper_kpmd[slot] = pf;
		m->frames[m->swapper].data[slot] = frame_pa(pf) | m->pdpte_flags;
	}
	/* swapper's own pages count as page-table memory too. */
	m->costs.pgd_bytes = 32;
	m->costs.pmd_pages = (uint64_t)m->L.kernel_pgds;

	/* The direct map. */
	for (uint64_t off = 0; off < m->L.lowmem; off += PGT_PMD_SIZE) {
		uint32_t va = (uint32_t)(m->L.page_offset + off);
		uint32_t pf = swapper_pmd_frame(m, va);
		int idx = pgt_pmd_index(va);
		/* the large page is executable when either end is text */
		bool exec = is_text(m, va) || is_text(m, va + PGT_PMD_SIZE - 1);
		if (m->cfg.machine.pse) {
			m->frames[pf].data[idx] =
				off | (exec ? m->page_kernel_large_exec
					    : m->page_kernel_large);
			continue;
		}
		uint32_t pte = 0;
		if ((err = frame_alloc(m, F_PTE, true, &pte)))
			return err;
		m->frames[pte].reserved = true;
		m->costs.pte_pages++;
		m->frames[pf].data[idx] = frame_pa(pte) | m->pmd_table_flags;
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
	if (m->cfg.kernel == PGT_KERNEL_6_1 && m->L.cpu_entry_area_base &&
	    (err = page_table_range_init(m, m->L.cpu_entry_area_base,
					 m->L.cpu_entry_area_end)))
		return err;
	if ((err = page_table_range_init(m, m->L.fixaddr_start,
					 (uint64_t)m->L.fixaddr_top + PGT_PAGE_SIZE)))
		return err;
	cost_update_bytes(m);
	return NULL;
}

struct pgt_error *pgt_model_create(const struct pgt_model_config *cfg,
				   struct pgt_model **ret)
{
	struct pgt_model *m = calloc(1, sizeof(*m));
	if (!m)
		return &pgt_error_nomem;
	m->cfg = *cfg;
	struct pgt_error *err = pgt_layout_init(&cfg->machine, cfg->kernel, &m->L);
	if (err) {
		free(m);
		return err;
	}
	m->TL = m->L;
	if (cfg->trace_kernel && cfg->trace_kernel != cfg->kernel &&
	    (err = pgt_layout_init(&cfg->machine, cfg->trace_kernel, &m->TL))) {
		free(m);
		return err;
	}
	m->shared = cfg->policy == PGT_POLICY_SHARED;
	bool v61 = cfg->kernel == PGT_KERNEL_6_1;
	m->pti = v61 && !m->shared;
	uint64_t nx = cfg->machine.nx ? PGT_NX : 0;
	uint64_t g = cfg->machine.pge ? PGT_G : 0;
	/* __PAGE_KERNEL_EXEC = P|RW|D|A, __PAGE_KERNEL adds NX; PGE adds G. */
	m->page_kernel_exec = PGT_P | PGT_RW | PGT_D | PGT_A | g;
	m->page_kernel = m->page_kernel_exec | nx;
	m->page_kernel_large = m->page_kernel | PGT_PSE;
	m->page_kernel_large_exec = m->page_kernel_exec | PGT_PSE;
	/* pmd_populate_kernel(): _PAGE_TABLE in 2.6.21, _KERNPG_TABLE in 6.1. */
	m->pmd_table_flags = v61 ? PGT_KERNPG_TABLE : PGT_PAGE_TABLE;
	m->pdpte_flags = PGT_P;
	m->nframes = (uint32_t)(m->L.lowmem >> PGT_PAGE_SHIFT);
	m->frames = calloc(m->nframes, sizeof(*m->frames));
	m->ram_top = m->L.lowmem;
	m->data_bump = m->nframes; /* vmalloc pages come from above lowmem */
	m->free_objs = -1;
	m->list_head = -1;
	m->sync_start = m->L.page_offset;
	if (!m->frames) {
		pgt_model_destroy(m);
		return &pgt_error_nomem;
	}
	for (uint32_t f = 0; f < m->nframes; f++)
		m->frames[f].owner = -1;
	err = boot(m);
	if (!err && m->pti)
		err = boot_pti_user_half(m);
	m->cfg.image = NULL; /* read only while booting */
	if (err) {
		pgt_model_destroy(m);
		return err;
	}
	*ret = m;
	return NULL;
}

void pgt_model_destroy(struct pgt_model *m)
{
	if (!m)
		return;
	if (m->frames)
		for (uint32_t f = 0; f < m->nframes; f++)
			free(m->frames[f].data);
	free(m->frames);
	free(m->free_frames);
	free(m->free_pairs);
	free(m->free_data);
	free(m->objs);
	free(m->recs);
	free(m->live_by_id);
	free(m->pgd_by_mm);
	free(m->own_live);
	free(m->dirty);
	free(m->areas);
	free(m->deferred);
	free(m->notes);
	free(m);
}

/* ---- pgd_list: pgd_list_add() / pgd_list_del() ---- */

static void list_add(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	ob->prev = -1;
	ob->next = m->list_head;
	if (m->list_head >= 0)
		m->objs[m->list_head].prev = o;
	m->list_head = o;
	ob->on_list = true;
	m->list_len++;
}

static void list_del(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	if (!ob->on_list)
		return;
	if (ob->prev >= 0)
		m->objs[ob->prev].next = ob->next;
	else
		m->list_head = ob->next;
	if (ob->next >= 0)
		m->objs[ob->next].prev = ob->prev;
	ob->on_list = false;
	m->list_len--;
}

static uint64_t *obj_entries(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	return m->frames[ob->frame].data + ob->index;
}

/* ---- the pgd cache: kmem_cache_alloc(pgd_cache) with pgd_ctor ---- */

/* pgd_ctor() (2.6.21 with the seed patch). */
static void pgd_ctor_2621(struct pgt_model *m, int32_t o)
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

static struct pgt_error *new_obj(struct pgt_model *m, uint32_t frame,
				 uint16_t index, int32_t *ret)
{
	struct pgt_error *err = GROW(m->objs, m->objs_cap, m->nobjs + 1);
	if (err)
		return err;
	int32_t o = (int32_t)m->nobjs++;
	m->objs[o] = (struct pgd_obj){
		.frame = frame, .index = index, .rec = -1, .prev = -1,
		.next = -1, .free_next = -1,
	};
	*ret = o;
	return NULL;
}

/*
 * kmem_cache_alloc(pgd_cache): a free object if there is one (constructed
 * long ago, still on pgd_list when unshared), else a new slab: cache_grow()
 * runs the constructor on every object of the new slab.
 */
static struct pgt_error *pgd_cache_alloc(struct pgt_model *m, int32_t *ret)
{
	struct pgt_error *err;
	if (m->free_objs < 0) {
		uint32_t f = 0;
		bool v61 = m->cfg.kernel == PGT_KERNEL_6_1;
		if (m->pti) {
			if ((err = pair_alloc(m, &f)))
				return err;
		} else if ((err = frame_alloc(m, F_PGD, true, &f))) {
			return err;
		}
		/* Shared: 32-byte objects, 128 to a slab page; unshared: one page. */
		int per = m->shared ? (int)(PGT_PAGE_SIZE / 32) : 1;
		for (int i = per - 1; i >= 0; i--) {
			int32_t o;
			if ((err = new_obj(m, f, (uint16_t)(4 * i), &o)))
				return err;
			if (!v61)
				pgd_ctor_2621(m, o);
			m->objs[o].free_next = m->free_objs;
			m->free_objs = o;
		}
	}
	int32_t o = m->free_objs;
	m->free_objs = m->objs[o].free_next;
	m->objs[o].free_next = -1;
	m->objs[o].allocated = true;
	*ret = o;
	return NULL;
}

static void pgd_cache_free(struct pgt_model *m, int32_t o)
{
	m->objs[o].allocated = false;
	m->objs[o].rec = -1;
	m->objs[o].free_next = m->free_objs;
	m->free_objs = o;
}

/* ---- records ---- */

static struct pgt_error *set_live(struct pgt_model *m, uint32_t id, int32_t r)
{
	size_t old = m->live_by_id_cap;
	struct pgt_error *err = GROW(m->live_by_id, m->live_by_id_cap, id + 1);
	if (err)
		return err;
	for (size_t i = old; i < m->live_by_id_cap; i++)
		m->live_by_id[i] = -1;
	m->live_by_id[id] = r;
	return NULL;
}

/* live_by_id holds r for a live pgd, -2 - r for a freed one, -1 for none. */
static int32_t live_rec(const struct pgt_model *m, uint32_t id)
{
	if (!id || id >= m->live_by_id_cap || m->live_by_id[id] < 0)
		return -1;
	return m->live_by_id[id];
}

/* "pgd_free of" + ": it was freed at line N" / ": no pgd_alloc named it". */
static struct pgt_error *not_allocated(const struct pgt_model *m, uint32_t id,
				       const char *what)
{
	int32_t v = id && id < m->live_by_id_cap ? m->live_by_id[id] : -1;
	if (v <= -2)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s a pgd that was freed at line %llu (no pgd_alloc since)",
					what,
					(unsigned long long)m->recs[-2 - v].s.free_line);
	return pgt_error_create(PGT_ERROR_INPUT,
				"%s a pgd no pgd_alloc named", what);
}

static struct pgt_error *own_live_add(struct pgt_model *m, int32_t r)
{
	struct pgt_error *err = GROW(m->own_live, m->own_live_cap,
				     m->nown_live + 1);
	if (err)
		return err;
	m->recs[r].live_idx = (int32_t)m->nown_live;
	m->own_live[m->nown_live++] = r;
	return NULL;
}

static void own_live_del(struct pgt_model *m, int32_t r)
{
	int32_t i = m->recs[r].live_idx;
	if (i < 0)
		return;
	int32_t last = m->own_live[--m->nown_live];
	m->own_live[i] = last;
	m->recs[last].live_idx = i;
	m->recs[r].live_idx = -1;
}

/* Recount a fresh copy's divergence (pmd_cache_alloc copies at once). */
static void rec_recount(struct pgt_model *m, struct rec *r)
{
	r->s.missing = r->s.stale = r->s.different = 0;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		if (!r->kpmd[slot])
			continue;
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
			if (excluded_entry(m, slot, i))
				continue;
			rec_count(r, pgt_div_of(entry_at(m, r->kpmd[slot], i),
						entry_at(m, m->swapper_kpmd[slot], i)),
				  +1);
		}
	}
	rec_after_change(m, r);
}

/* pmd_cache_alloc(idx) for a kernel slot: a page copied from swapper's. */
static struct pgt_error *kernel_pmd_copy(struct pgt_model *m, int32_t r,
					 int slot, enum frame_kind kind,
					 uint32_t src, uint32_t *ret)
{
	uint32_t f = 0;
	struct pgt_error *err = frame_alloc(m, kind, true, &f);
	if (err)
		return err;
	m->frames[f].slot = (uint8_t)slot;
	m->frames[f].owner = kind == F_KPMD_COPY ? r : -1;
	memcpy(m->frames[f].data, m->frames[src].data,
	       PGT_PTRS_PER_PMD * sizeof(uint64_t));
	m->costs.pmd_copy_entries += PGT_PTRS_PER_PMD;
	m->costs.pmd_pages++;
	m->costs.kernel_pmd_copies++;
	*ret = f;
	return NULL;
}

/* pgd_alloc(): 2.6.21 (seed) and 6.1 (pgd_alloc/pgd_ctor/preallocate_pmds). */
static struct pgt_error *op_pgd_alloc(struct pgt_model *m,
				      const struct pgt_event *ev)
{
	if (live_rec(m, ev->pgd) >= 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"pgd is already allocated (no pgd_free since its pgd_alloc)");
	struct pgt_error *err = GROW(m->recs, m->recs_cap, m->nrecs + 1);
	if (err)
		return err;
	int32_t r = (int32_t)m->nrecs++;
	struct rec *rec = &m->recs[r];
	memset(rec, 0, sizeof(*rec));
	rec->live_idx = -1;
	rec->s.id = ev->pgd;
	rec->s.mm = ev->mm;
	rec->s.pid = ev->pid;
	rec->s.comm = ev->comm;
	rec->s.live = true;
	rec->s.own_kernel_pmd = !m->shared;
	rec->s.alloc_line = ev->line;
	int32_t o;
	if ((err = pgd_cache_alloc(m, &o)))
		return err;
	rec = &m->recs[r];
	rec->obj = o;
	m->objs[o].rec = r;
	m->objs[o].last_id = ev->pgd;
	rec->s.pa = frame_pa(m->objs[o].frame) + 8 * (uint64_t)m->objs[o].index;
	uint64_t *pgd = obj_entries(m, o);
	bool v61 = m->cfg.kernel == PGT_KERNEL_6_1;
	/* UNSHARED_PTRS_PER_PGD: user slots always, kernel slots when unshared. */
	int n = m->shared ? m->L.user_pgds : PGT_PTRS_PER_PGD;
	for (int i = 0; i < n; i++) {
		uint32_t f = 0;
		if (i >= m->L.user_pgds) {
			if ((err = kernel_pmd_copy(m, r, i, F_KPMD_COPY,
						   m->swapper_kpmd[i], &f)))
				return err;
			m->recs[r].kpmd[i] = f;
		} else {
			if ((err = frame_alloc(m, F_UPMD, false, &f)))
				return err;
			m->costs.pmd_pages++;
			m->recs[r].upmd[i] = f;
		}
		pgd = obj_entries(m, o);
		pgd[i] = frame_pa(f) | m->pdpte_flags;
	}
	rec = &m->recs[r];
	if (v61) {
		/* pgd_ctor() under pgd_lock: shared kernel slots cloned,
		 * unshared pgds put on pgd_list. */
		if (m->shared) {
			for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++)
				pgd[i] = m->frames[m->swapper].data[i];
		} else {
			list_add(m, o);
		}
		m->objs[o].constructed = true;
		if (m->pti) {
			/* The user half (kernel_to_user_pgdp): user slots shared
			 * with the kernel half, its own kernel PMD copy
			 * (pgd_prepopulate_user_pmd). */
			uint32_t uh = m->objs[o].frame + 1;
			rec->uhalf = uh;
			for (int i = 0; i < m->L.user_pgds; i++)
				m->frames[uh].data[i] = pgd[i];
			for (int i = m->L.user_pgds; i < PGT_PTRS_PER_PGD; i++) {
				uint32_t f = 0;
				if ((err = kernel_pmd_copy(m, r, i, F_UHALF_KPMD,
							   m->swapper_uhalf_kpmd[i], &f)))
					return err;
				m->recs[r].uhalf_kpmd[i] = f;
				m->frames[uh].data[i] = frame_pa(f) | m->pdpte_flags;
			}
			rec = &m->recs[r];
		}
	}
	m->costs.pgd_bytes += m->shared ? 32 : m->pti ? 2 * PGT_PAGE_SIZE
						    : PGT_PAGE_SIZE;
	cost_update_bytes(m);
	if ((err = set_live(m, ev->pgd, r)))
		return err;
	if (ev->mm) {
		size_t old = m->pgd_by_mm_cap;
		if ((err = GROW(m->pgd_by_mm, m->pgd_by_mm_cap, ev->mm + 1)))
			return err;
		memset(m->pgd_by_mm + old, 0,
		       (m->pgd_by_mm_cap - old) * sizeof(*m->pgd_by_mm));
		m->pgd_by_mm[ev->mm] = ev->pgd;
	}
	if (!m->shared) {
		if ((err = own_live_add(m, r)))
			return err;
		rec_recount(m, &m->recs[r]);
	}
	return NULL;
}

/* pgd_free(): pmd_cache_free() of every preallocated PMD, then the object. */
static struct pgt_error *op_pgd_free(struct pgt_model *m,
				     const struct pgt_event *ev)
{
	int32_t r = live_rec(m, ev->pgd);
	if (r < 0)
		return not_allocated(m, ev->pgd, "pgd_free of");
	struct rec *rec = &m->recs[r];
	struct pgt_error *err;
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		uint32_t f = rec->kpmd[i] ? rec->kpmd[i] : rec->upmd[i];
		if (!f)
			continue;
		if (rec->kpmd[i])
			m->costs.kernel_pmd_copies--;
		m->costs.pmd_pages--;
		if ((err = frame_free(m, f)))
			return err;
	}
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		if (!rec->uhalf_kpmd[i])
			continue;
		m->costs.kernel_pmd_copies--;
		m->costs.pmd_pages--;
		if ((err = frame_free(m, rec->uhalf_kpmd[i])))
			return err;
	}
	own_live_del(m, r);
	rec->s.live = false;
	rec->s.free_line = ev->line;
	m->live_by_id[ev->pgd] = -2 - r;
	for (size_t c = 0; c < m->ncpus; c++)
		if (m->current[c] == ev->pgd)
			m->current[c] = 0;
	int32_t o = rec->obj;
	m->costs.pgd_bytes -= m->shared ? 32 : m->pti ? 2 * PGT_PAGE_SIZE
						   : PGT_PAGE_SIZE;
	if (m->cfg.kernel == PGT_KERNEL_6_1) {
		/* pgd_dtor(): off pgd_list at once; the pages go back. */
		list_del(m, o);
		m->objs[o].constructed = false;
	}
	pgd_cache_free(m, o);
	cost_update_bytes(m);
	return NULL;
}

/* kmem_cache_shrink(pgd_cache): pgd_dtor() on every free object (2.6.21). */
static struct pgt_error *op_reap(struct pgt_model *m)
{
	if (m->cfg.kernel == PGT_KERNEL_6_1)
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

/* ---- vmalloc / vfree: map_vm_area(), unmap_kernel_range() ---- */

static size_t area_slot(const struct pgt_model *m, uint32_t addr)
{
	return (addr >> PGT_PAGE_SHIFT) * 2654435761u & (m->areas_cap - 1);
}

static struct vm_area *area_find(struct pgt_model *m, uint32_t addr)
{
	if (!m->areas_cap)
		return NULL;
	for (size_t i = area_slot(m, addr);; i = (i + 1) & (m->areas_cap - 1)) {
		if (!m->areas[i].size)
			return NULL;
		if (m->areas[i].addr == addr)
			return &m->areas[i];
	}
}

static struct pgt_error *area_insert(struct pgt_model *m, uint32_t addr,
				     uint32_t size)
{
	if ((m->nareas + 1) * 2 > m->areas_cap) {
		size_t cap = m->areas_cap ? 2 * m->areas_cap : 1024;
		struct vm_area *old = m->areas;
		size_t oldcap = m->areas_cap;
		m->areas = calloc(cap, sizeof(*m->areas));
		if (!m->areas) {
			m->areas = old;
			return &pgt_error_nomem;
		}
		m->areas_cap = cap;
		m->nareas = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].size)
				area_insert(m, old[i].addr, old[i].size);
		free(old);
	}
	size_t i = area_slot(m, addr);
	while (m->areas[i].size)
		i = (i + 1) & (m->areas_cap - 1);
	m->areas[i] = (struct vm_area){addr, size};
	m->nareas++;
	return NULL;
}

static void area_remove(struct pgt_model *m, struct vm_area *a)
{
	/* Backward-shift deletion keeps probe chains intact. */
	size_t i = (size_t)(a - m->areas), mask = m->areas_cap - 1;
	m->areas[i].size = 0;
	m->nareas--;
	for (size_t j = (i + 1) & mask; m->areas[j].size; j = (j + 1) & mask) {
		size_t home = area_slot(m, m->areas[j].addr);
		bool move = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (move) {
			m->areas[i] = m->areas[j];
			m->areas[j].size = 0;
			i = j;
		}
	}
}

/* The PTE page mapping @va in swapper, or 0. */
static uint32_t swapper_pte_frame(const struct pgt_model *m, uint32_t va)
{
	uint32_t pf = swapper_pmd_frame(m, va);
	if (!pf)
		return 0;
	uint64_t e = m->frames[pf].data[pgt_pmd_index(va)];
	if (!pgt_present(e) || pgt_large(e))
		return 0;
	uint64_t pfn = pgt_entry_addr(e) >> PGT_PAGE_SHIFT;
	return pfn < m->nframes ? (uint32_t)pfn : 0;
}

static struct pgt_error *sync_range_61(struct pgt_model *m, uint32_t start);

static struct pgt_error *op_vmalloc(struct pgt_model *m,
				    const struct pgt_event *ev)
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
	for (uint64_t va = a; va < a + size; va += PGT_PAGE_SIZE) {
		uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
		if (pte && pgt_present(entry_at(m, pte, pgt_pte_index((uint32_t)va))))
			return pgt_error_create(PGT_ERROR_INPUT,
						"vmalloc [0x%llx, 0x%llx) overlaps a mapping at 0x%llx",
						(unsigned long long)a,
						(unsigned long long)(a + size),
						(unsigned long long)va);
	}
	struct pgt_error *err;
	bool pmd_modified = false;
	for (uint64_t va = a; va < a + size; va += PGT_PAGE_SIZE) {
		uint32_t v = (uint32_t)va;
		uint32_t pte = swapper_pte_frame(m, v);
		if (!pte) {
			/* pte_alloc_kernel(): __pte_alloc_kernel + pmd_populate_kernel */
			if ((err = frame_alloc(m, F_PTE, true, &pte)))
				return err;
			m->costs.pte_pages++;
			cost_update_bytes(m);
			pmd_write(m, swapper_pmd_frame(m, v), pgt_pmd_index(v),
				  frame_pa(pte) | m->pmd_table_flags);
			pmd_modified = true;
		}
		uint64_t pfn;
		if ((err = data_alloc(m, &pfn)))
			return err;
		m->frames[pte].data[pgt_pte_index(v)] =
			(pfn << PGT_PAGE_SHIFT) | m->page_kernel;
	}
	if ((err = area_insert(m, (uint32_t)a, (uint32_t)size)))
		return err;
	/* 6.1 vmap_range_noflush(): PGTBL_PMD_MODIFIED & ARCH_PAGE_TABLE_SYNC_MASK */
	if (pmd_modified && m->cfg.kernel == PGT_KERNEL_6_1 && !m->shared)
		return sync_range_61(m, (uint32_t)a);
	return NULL;
}

static struct pgt_error *op_vfree(struct pgt_model *m,
				  const struct pgt_event *ev)
{
	struct vm_area *area = area_find(m, (uint32_t)ev->addr);
	if (!area) {
		for (size_t i = 0; i < m->areas_cap; i++) {
			const struct vm_area *a = &m->areas[i];
			if (a->size && ev->addr > a->addr &&
			    ev->addr < (uint64_t)a->addr + a->size)
				return pgt_error_create(PGT_ERROR_INPUT,
							"vfree of 0x%llx, inside the mapping [0x%x, 0x%llx): vfree names a mapping's start",
							(unsigned long long)ev->addr, a->addr,
							(unsigned long long)a->addr + a->size);
		}
		return pgt_error_create(PGT_ERROR_INPUT,
					"vfree of 0x%llx, which no vmalloc mapped",
					(unsigned long long)ev->addr);
	}
	if (ev->size && ev->size != area->size)
		return pgt_error_create(PGT_ERROR_INPUT,
					"vfree size 0x%llx does not match the mapping's 0x%x",
					(unsigned long long)ev->size, area->size);
	uint32_t a = area->addr, size = area->size;
	for (uint64_t va = a; va < (uint64_t)a + size; va += PGT_PAGE_SIZE) {
		uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
		if (!pte)
			continue;
		uint64_t *e = &m->frames[pte].data[pgt_pte_index((uint32_t)va)];
		if (pgt_present(*e)) {
			struct pgt_error *err = data_free(m, pgt_entry_addr(*e) >> PGT_PAGE_SHIFT);
			if (err)
				return err;
		}
		*e = 0; /* PTE pages stay: vunmap never frees them */
	}
	area_remove(m, area);
	return NULL;
}

/* ---- change_page_attr ---- */

/* set_pmd_pte() (2.6.21) / __set_pmd_pte() (6.1): init_mm, then pgd_list. */
static struct pgt_error *set_pmd_pte(struct pgt_model *m, uint32_t va,
				     uint64_t val)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t sf = m->swapper_kpmd[slot];
	if (m->shared) {
		pmd_write(m, sf, idx, val);
		return NULL;
	}
	m->costs.broadcasts++;
	m->costs.pgd_list_walks++;
	/*
	 * Every live private copy is on pgd_list, so the broadcast brings
	 * each of them to @val: count their divergence against the new
	 * swapper entry as they are written, and swapper's own write then
	 * needs no pass over them (the kernel's order, init_mm first, would
	 * flip each count twice for nothing).
	 */
	uint64_t old = m->frames[sf].data[idx];
	size_t reached = 0;
	uint64_t seq = ++m->broadcast_seq;
	for (int32_t o = m->list_head; o >= 0; o = m->objs[o].next) {
		m->costs.pgd_list_visits++;
		uint64_t pgde = obj_entries(m, o)[slot];
		if (!pgt_present(pgde))
			continue;
		uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
		if (pfn >= m->nframes)
			continue;
		struct frame *fr = &m->frames[pfn];
		m->costs.broadcast_entries_written++;
		if (fr->kind == F_KPMD_COPY && fr->owner >= 0 &&
		    fr->owner == m->objs[o].rec &&
		    m->recs[fr->owner].live_idx >= 0) {
			struct rec *r = &m->recs[fr->owner];
			rec_entry_change(m, r, slot, idx, fr->data[idx], val, old, val);
			fr->data[idx] = val;
			r->stamp = seq;
			reached++;
			continue;
		}
		struct pgt_error *err = pmd_write_via(m, (uint32_t)pfn, idx, val, o);
		if (err)
			return err;
	}
	m->frames[sf].data[idx] = val;
	if (old != val)
		m->swapper_line[slot][idx] = m->line;
	if (reached == m->nown_live)
		return NULL;
	/* A private copy the broadcast did not reach sees swapper change. */
	for (size_t i = 0; i < m->nown_live; i++) {
		struct rec *r = &m->recs[m->own_live[i]];
		if (r->stamp == seq)
			continue;
		uint64_t mine = entry_at(m, r->kpmd[slot], idx);
		rec_entry_change(m, r, slot, idx, mine, mine, old, val);
	}
	return NULL;
}

static uint64_t cpa_prot(const struct pgt_model *m, const struct pgt_event *ev)
{
	switch (ev->prot) {
	case PGT_PROT_KERNEL:
		return m->page_kernel;
	case PGT_PROT_KERNEL_RO:
		return m->page_kernel & ~PGT_RW;
	case PGT_PROT_KERNEL_EXEC:
		return m->page_kernel_exec;
	case PGT_PROT_KERNEL_RX:
		return m->page_kernel_exec & ~PGT_RW;
	case PGT_PROT_KERNEL_NOCACHE:
		return m->page_kernel | PGT_PCD | PGT_PWT;
	default:
		return ev->prot_raw;
	}
}

/* split_large_page(): a PTE page for the 2 MiB around @va. */
static struct pgt_error *split_large_page(struct pgt_model *m, uint32_t va,
					  uint64_t large, uint64_t prot_of_va,
					  uint64_t ref_prot, uint32_t *ret)
{
	uint32_t pte = 0;
	struct pgt_error *err = frame_alloc(m, F_PTE, true, &pte);
	if (err)
		return err;
	m->costs.pte_pages++;
	m->costs.cpa_splits++;
	cost_update_bytes(m);
	uint64_t base = pgt_large_addr(large);
	uint32_t vbase = va & ~(uint32_t)(PGT_PMD_SIZE - 1);
	for (int i = 0; i < PGT_PTRS_PER_PTE; i++) {
		uint32_t pva = vbase + ((uint32_t)i << PGT_PAGE_SHIFT);
		m->frames[pte].data[i] = (base + ((uint64_t)i << PGT_PAGE_SHIFT)) |
					 (pva == va ? prot_of_va : ref_prot);
	}
	*ret = pte;
	return NULL;
}

/* The protection bits of the direct-map page at @va (lookup_address()). */
static bool current_prot(const struct pgt_model *m, uint32_t va, uint64_t *ret)
{
	uint32_t pf = m->swapper_kpmd[pgt_pgd_index(va)];
	uint64_t pmd = pf ? m->frames[pf].data[pgt_pmd_index(va)] : 0;
	if (!pgt_present(pmd))
		return false;
	if (pgt_large(pmd)) {
		*ret = pmd & PGT_FLAGS_MASK & ~PGT_PSE;
		return true;
	}
	uint64_t pfn = pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT;
	if (pfn >= m->nframes || !m->frames[pfn].data)
		return false;
	*ret = m->frames[pfn].data[pgt_pte_index(va)] & PGT_FLAGS_MASK;
	return true;
}

/* __change_page_attr() of 2.6.21 for the page at @va. */
static struct pgt_error *change_page_attr_2621(struct pgt_model *m,
					       uint32_t va, uint64_t prot)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t pf = m->swapper_kpmd[slot];
	uint64_t pmd = m->frames[pf].data[idx];
	if (!pgt_present(pmd))
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa of 0x%x: not mapped (lookup_address fails)", va);
	uint64_t pa = (uint64_t)(va - m->L.page_offset);
	uint32_t kpte_page = 0;
	struct pgt_error *err;
	/* ref_prot: by the large page's base, as the kernel tests it */
	bool text = (va & ~(uint32_t)(PGT_PMD_SIZE - 1)) < m->L.etext;
	if (prot != m->page_kernel) {
		if (!pgt_large(pmd)) {
			kpte_page = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
			m->frames[kpte_page].data[pgt_pte_index(va)] = pa | prot;
		} else {
			uint64_t ref = text ? m->page_kernel_exec : m->page_kernel;
			if ((err = split_large_page(m, va, pmd, prot, ref, &kpte_page)))
				return err;
			if ((err = set_pmd_pte(m, va, frame_pa(kpte_page) | ref)))
				return err;
		}
		m->frames[kpte_page].private_count++;
	} else if (!pgt_large(pmd)) {
		kpte_page = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
		m->frames[kpte_page].data[pgt_pte_index(va)] = pa | m->page_kernel;
		if (m->frames[kpte_page].private_count == 0) {
			m->costs.bugs++; /* BUG_ON(page_private(kpte_page) == 0) */
			return note(m, PGT_NOTE_BUG, 0, va, false, 0);
		}
		m->frames[kpte_page].private_count--;
	} else {
		m->costs.bugs++; /* BUG(): PAGE_KERNEL on a large page */
		return note(m, PGT_NOTE_BUG, 0, va, false, 0);
	}
	if (!m->frames[kpte_page].reserved && m->cfg.machine.pse &&
	    m->frames[kpte_page].private_count == 0) {
		/* revert_page(); the PTE page goes on df_list */
		if ((err = GROW(m->deferred, m->deferred_cap, m->ndeferred + 1)))
			return err;
		m->deferred[m->ndeferred++] = kpte_page;
		m->costs.cpa_reverts++;
		uint64_t large = (pa & ~(PGT_PMD_SIZE - 1)) |
				 ((va & ~(uint32_t)(PGT_PMD_SIZE - 1)) < m->L.etext
					  ? m->page_kernel_large_exec
					  : m->page_kernel_large);
		return set_pmd_pte(m, va, large);
	}
	return NULL;
}

/* __change_page_attr() of 6.1 with set/clr masks: split, never revert. */
static struct pgt_error *change_page_attr_61(struct pgt_model *m, uint32_t va,
					     uint64_t set, uint64_t clr,
					     uint64_t npages, uint64_t *done)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint32_t pf = m->swapper_kpmd[slot];
	*done = 1;
	if (!pf || !pgt_present(m->frames[pf].data[idx]))
		return NULL; /* not mapped here: nothing the model knows to change */
	uint64_t pmd = m->frames[pf].data[idx];
	struct pgt_error *err;
	if (pgt_large(pmd)) {
		uint32_t vbase = va & ~(uint32_t)(PGT_PMD_SIZE - 1);
		uint64_t newl = (pmd & ~clr) | set;
		/* should_split_large_page(): the whole large page changes alike */
		if (va == vbase && npages >= PGT_PTRS_PER_PTE) {
			*done = PGT_PTRS_PER_PTE;
			return set_pmd_pte(m, va, newl);
		}
		if (newl == pmd) {
			uint64_t left = (vbase + PGT_PMD_SIZE - va) >> PGT_PAGE_SHIFT;
			*done = left < npages ? left : npages;
			return NULL;
		}
		uint64_t ref = pmd & ~(PGT_PSE | PGT_LARGE_ADDR_MASK);
		uint32_t pte = 0;
		if ((err = split_large_page(m, va, pmd, ref, ref, &pte)))
			return err;
		if ((err = set_pmd_pte(m, va, frame_pa(pte) | PGT_KERNPG_TABLE)))
			return err;
		pmd = m->frames[pf].data[idx];
	}
	uint32_t pte = (uint32_t)(pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT);
	if (pte >= m->nframes)
		return NULL;
	uint64_t *e = &m->frames[pte].data[pgt_pte_index(va)];
	if (pgt_present(*e))
		*e = (*e & ~clr) | set;
	return NULL;
}

static struct pgt_error *op_cpa(struct pgt_model *m, const struct pgt_event *ev)
{
	if (ev->addr & (PGT_PAGE_SIZE - 1))
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa address 0x%llx is not page-aligned",
					(unsigned long long)ev->addr);
	uint64_t end = ev->addr + ev->pages * PGT_PAGE_SIZE;
	struct pgt_error *err;
	if (m->cfg.kernel == PGT_KERNEL_6_1) {
		uint64_t set = ev->set, clr = ev->clr;
		/* set_memory_*() act on the direct map and on vmalloc'ed memory. */
		if (ev->addr < m->L.page_offset || end > m->L.vmalloc_end)
			return pgt_error_create(PGT_ERROR_INPUT,
						"cpa [0x%llx, 0x%llx) is outside the direct map and the vmalloc area [0x%x, 0x%x)",
						(unsigned long long)ev->addr,
						(unsigned long long)end, m->L.page_offset,
						m->L.vmalloc_end);
		if (ev->prot != PGT_PROT_SETCLR) {
			set = cpa_prot(m, ev);
			clr = PGT_FLAGS_MASK & ~(PGT_P | PGT_PSE);
		}
		for (uint64_t va = ev->addr; va < end && va <= UINT32_MAX;) {
			uint64_t done;
			if ((err = change_page_attr_61(m, (uint32_t)va, set, clr,
						       (end - va) >> PGT_PAGE_SHIFT,
						       &done)))
				return err;
			va += done * PGT_PAGE_SIZE;
		}
		return NULL;
	}
	if (ev->prot == PGT_PROT_SETCLR && !in_direct_map(m, ev->addr)) {
		/*
		 * A 6.1 recording's set_memory_*() on vmalloc'ed module text:
		 * 2.6.21's change_page_attr could not name these pages.  Their
		 * PTEs change in place; no PMD entry does.
		 */
		for (uint64_t va = ev->addr; va < end && va <= UINT32_MAX;
		     va += PGT_PAGE_SIZE) {
			uint32_t pte = swapper_pte_frame(m, (uint32_t)va);
			uint64_t *e = pte ? &m->frames[pte].data[pgt_pte_index((uint32_t)va)]
					  : NULL;
			if (e && pgt_present(*e))
				*e = (*e & ~ev->clr) | ev->set;
		}
		return NULL;
	}
	if (!in_direct_map(m, ev->addr) || end > m->L.high_memory)
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa [0x%llx, 0x%llx) is outside the direct map [0x%x, 0x%x)",
					(unsigned long long)ev->addr,
					(unsigned long long)end, m->L.page_offset,
					m->L.high_memory);
	uint64_t prot = cpa_prot(m, ev);
	for (uint64_t va = ev->addr; va < end; va += PGT_PAGE_SIZE) {
		if (ev->prot == PGT_PROT_SETCLR) {
			/*
			 * A 6.1 recording's set=/clr= become the protection
			 * they give the page now; a change that changes
			 * nothing is no call at all (6.1's cpa leaves such a
			 * page alone, 2.6.21's would BUG on a large page).
			 */
			uint64_t cur;
			if (!current_prot(m, (uint32_t)va, &cur))
				continue;
			prot = (cur & ~ev->clr) | ev->set;
			if (prot == cur)
				continue;
		}
		if ((err = change_page_attr_2621(m, (uint32_t)va, prot)))
			return err;
	}
	return NULL;
}

/* global_flush_tlb(): free the PTE pages revert_page() left on df_list. */
static struct pgt_error *op_flush(struct pgt_model *m)
{
	for (size_t i = 0; i < m->ndeferred; i++) {
		struct pgt_error *err = frame_free(m, m->deferred[i]);
		if (err)
			return err;
		m->costs.pte_pages--;
		m->costs.deferred_frees++;
	}
	m->ndeferred = 0;
	cost_update_bytes(m);
	return NULL;
}

/* ---- syncing ---- */

/*
 * vmalloc_sync_one(): copy swapper's PMD entry for @va into @pgd_entries'
 * PMD when it is absent there.  Returns whether swapper maps @va at PMD
 * level (the kernel returns pmd_k or NULL).  @both: 6.1 also copies an
 * absent entry over a present one (sync of unmappings, 2019).
 */
static struct pgt_error *vmalloc_sync_one(struct pgt_model *m, int32_t o,
					  uint32_t va, bool both, int *written,
					  bool *ret)
{
	const uint64_t *pgd_entries = obj_entries(m, o);
	*written = 0;
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	uint64_t pgd_k = m->frames[m->swapper].data[slot];
	*ret = false;
	if (!pgt_present(pgd_k))
		return NULL;
	uint64_t pmd_k = entry_at(m, m->swapper_kpmd[slot], idx);
	uint64_t pgde = pgd_entries[slot];
	if (!pgt_present(pgde))
		return NULL;
	uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
	if (pfn >= m->nframes)
		return NULL;
	uint32_t f = (uint32_t)pfn;
	uint64_t pmd = entry_at(m, f, idx);
	struct pgt_error *err;
	if (both && pgt_present(pmd) != pgt_present(pmd_k)) {
		if ((err = pmd_write_via(m, f, idx, pmd_k, o)))
			return err;
		(*written)++;
		pmd = pmd_k;
	}
	if (!pgt_present(pmd_k))
		return NULL;
	if (!pgt_present(pmd)) {
		if ((err = pmd_write_via(m, f, idx, pmd_k, o)))
			return err;
		(*written)++;
	} else if (pgt_entry_addr(pmd) != pgt_entry_addr(pmd_k)) {
		m->costs.bugs++; /* BUG_ON(pmd_page(*pmd) != pmd_page(*pmd_k)) */
		if ((err = note(m, PGT_NOTE_BUG, m->objs[o].last_id, va, false, 0)))
			return err;
	}
	*ret = true;
	return NULL;
}


/* vmalloc_sync_all() as the seed has it: PGDIR_SIZE stride, sticky insync. */
static struct pgt_error *sync_seed(struct pgt_model *m)
{
	if (m->shared)
		return NULL;
	/* unsigned long arithmetic: the stride wraps to 0 past 4 GiB. */
	for (uint32_t va = m->sync_start; va >= m->L.page_offset;
	     va += (uint32_t)PGT_PGDIR_SIZE) {
		int gi = (int)pgt_pgd_index(va);
		if (!m->insync[gi]) {
			m->costs.pgd_list_walks++;
			int32_t o;
			for (o = m->list_head; o >= 0; o = m->objs[o].next) {
				m->costs.pgd_list_visits++;
				bool ok;
				int w;
				struct pgt_error *err = vmalloc_sync_one(m, o, va, false, &w, &ok);
				if (err)
					return err;
				m->costs.sync_entries_examined++;
				m->costs.sync_entries_written += w;
				if (!ok)
					break;
			}
			if (o < 0)
				m->insync[gi] = true;
		}
		if (va == m->sync_start && m->insync[gi])
			m->sync_start = va + (uint32_t)PGT_PGDIR_SIZE;
	}
	return NULL;
}

/* vmalloc_sync_all() of Linux 2.6.35: PMD_SIZE stride over the vmalloc area. */
static struct pgt_error *sync_pmd(struct pgt_model *m)
{
	if (m->shared)
		return NULL;
	for (uint64_t va = m->L.vmalloc_start & ~(PGT_PMD_SIZE - 1);
	     va >= m->L.page_offset && va < m->L.fixaddr_top;
	     va += PGT_PMD_SIZE) {
		m->costs.pgd_list_walks++;
		for (int32_t o = m->list_head; o >= 0; o = m->objs[o].next) {
			m->costs.pgd_list_visits++;
			bool ok;
			int w;
			struct pgt_error *err = vmalloc_sync_one(m, o, (uint32_t)va, false, &w, &ok);
			if (err)
				return err;
			m->costs.sync_entries_examined++;
			m->costs.sync_entries_written += w;
			if (!ok)
				break;
		}
	}
	return NULL;
}

/*
 * arch_sync_kernel_mappings() of 6.1: from start & PMD_MASK to VMALLOC_END,
 * every pgd on pgd_list, presence synced both ways.  The end argument is
 * not used by the kernel either.
 */
static struct pgt_error *sync_range_61(struct pgt_model *m, uint32_t start)
{
	m->costs.sync_calls++;
	for (uint64_t va = start & ~(PGT_PMD_SIZE - 1);
	     va >= m->L.page_offset && va < m->L.vmalloc_end;
	     va += PGT_PMD_SIZE) {
		m->costs.pgd_list_walks++;
		for (int32_t o = m->list_head; o >= 0; o = m->objs[o].next) {
			m->costs.pgd_list_visits++;
			bool ok;
			int w;
			struct pgt_error *err = vmalloc_sync_one(m, o, (uint32_t)va, true, &w, &ok);
			if (err)
				return err;
			m->costs.sync_entries_examined++;
			m->costs.sync_entries_written += w;
		}
	}
	return NULL;
}

static struct pgt_error *op_sync(struct pgt_model *m)
{
	if (m->cfg.kernel == PGT_KERNEL_6_1) {
		/* vmalloc_sync_mappings(): nothing to do with a shared PMD */
		if (m->shared) {
			m->costs.sync_calls++;
			return NULL;
		}
		return sync_range_61(m, m->L.vmalloc_start);
	}
	m->costs.sync_calls++;
	return m->cfg.sync == PGT_SYNC_SEED ? sync_seed(m) : sync_pmd(m);
}

/* ---- accesses and faults ---- */

static struct pgt_error *resolve_pgd(struct pgt_model *m,
				     const struct pgt_event *ev, uint32_t *ret)
{
	uint32_t id = ev->pgd;
	if (!id) {
		int cpu = ev->cpu < 0 ? 0 : ev->cpu;
		if ((size_t)cpu >= sizeof(m->current) / sizeof(m->current[0]))
			return pgt_error_create(PGT_ERROR_INPUT, "cpu %d is out of range", cpu);
		id = m->current[cpu];
		if (!id)
			return pgt_error_create(PGT_ERROR_INPUT,
						"no pgd= given and none loaded on cpu %d (see switch)",
						cpu);
	}
	if (live_rec(m, id) < 0)
		return not_allocated(m, id, ev->op == PGT_OP_FAULT ? "fault in" : "access through");
	*ret = id;
	return NULL;
}

/* Is @va mapped through the pgd (a page-table walk, like the MMU)? */
static bool walk_mapped(const struct pgt_model *m, int32_t r, uint32_t va)
{
	struct pgt_physmem mem = pgt_model_physmem(m);
	struct pgt_walk w;
	struct pgt_error *err = pgt_walk(&mem, m->recs[r].s.pa, va, &w);
	if (err) {
		pgt_error_destroy(err);
		return false;
	}
	return w.present;
}

/*
 * A kernel-mode access: the MMU walk, and on a miss do_page_fault() ->
 * vmalloc_fault() (2.6.21: any address >= TASK_SIZE; 6.1: the vmalloc
 * area only).
 */
static struct pgt_error *access(struct pgt_model *m, const struct pgt_event *ev,
				bool observed)
{
	uint32_t id = 0;
	struct pgt_error *err = resolve_pgd(m, ev, &id);
	if (err)
		return err;
	uint32_t va = (uint32_t)ev->addr;
	if (va < m->L.page_offset) {
		if (observed) {
			/* copy_from_user() and friends: not the kernel PMD's business */
			m->costs.user_faults++;
			return NULL;
		}
		return pgt_error_create(PGT_ERROR_INPUT,
					"0x%x is a user address; pgtrace models kernel addresses",
					va);
	}
	int32_t r = live_rec(m, id);
	bool mapped = walk_mapped(m, r, va);
	if (observed) {
		m->costs.observed_faults++;
		if (!mapped)
			m->costs.observed_predicted++;
		if ((err = note(m, mapped ? PGT_NOTE_UNPREDICTED : PGT_NOTE_PREDICTED,
				id, va, ev->has_ip, ev->ip)))
			return err;
	}
	if (mapped)
		return NULL;
	bool in_area = m->cfg.kernel == PGT_KERNEL_6_1
			       ? va >= m->L.vmalloc_start && va < m->L.vmalloc_end
			       : true;
	bool ok = false;
	int w;
	if (in_area &&
	    (err = vmalloc_sync_one(m, m->recs[r].obj, va,
				    m->cfg.kernel == PGT_KERNEL_6_1, &w, &ok)))
		return err;
	struct rec *rec = &m->recs[r];
	if (ok && walk_mapped(m, r, va)) {
		rec->s.faults++;
		m->costs.faults++;
		if (ev->ctx == PGT_CTX_NMI) {
			rec->s.hazards++;
			m->costs.hazards++;
			if (!rec->s.first_hazard_line)
				rec->s.first_hazard_line = ev->line;
			return note(m, PGT_NOTE_HAZARD, id, va, ev->has_ip, ev->ip);
		}
		return NULL;
	}
	rec->s.oopses++;
	m->costs.oopses++;
	return note(m, PGT_NOTE_OOPS, id, va, ev->has_ip, ev->ip);
}

static struct pgt_error *op_switch(struct pgt_model *m, const struct pgt_event *ev)
{
	uint32_t id = ev->pgd;
	if (!id) {
		if (ev->mm >= m->pgd_by_mm_cap || !m->pgd_by_mm[ev->mm])
			return pgt_error_create(PGT_ERROR_INPUT,
						"switch to an mm no pgd_alloc named");
		id = m->pgd_by_mm[ev->mm];
	}
	if (live_rec(m, id) < 0)
		return not_allocated(m, id, "switch to");
	int cpu = ev->cpu < 0 ? 0 : ev->cpu;
	if ((size_t)cpu >= sizeof(m->current) / sizeof(m->current[0]))
		return pgt_error_create(PGT_ERROR_INPUT, "cpu %d is out of range", cpu);
	m->current[cpu] = id;
	if ((size_t)cpu >= m->ncpus)
		m->ncpus = (size_t)cpu + 1;
	return NULL;
}

static struct pgt_error *apply_op(struct pgt_model *m,
				  const struct pgt_event *ev)
{
	m->costs.events++;
	switch (ev->op) {
	case PGT_OP_PGD_ALLOC:
		return op_pgd_alloc(m, ev);
	case PGT_OP_PGD_FREE:
		return op_pgd_free(m, ev);
	case PGT_OP_SWITCH:
		return op_switch(m, ev);
	case PGT_OP_VMALLOC:
		return op_vmalloc(m, ev);
	case PGT_OP_VFREE:
		return op_vfree(m, ev);
	case PGT_OP_CPA:
		return op_cpa(m, ev);
	case PGT_OP_FLUSH:
		return op_flush(m);
	case PGT_OP_SYNC:
		return op_sync(m);
	case PGT_OP_REAP:
		return op_reap(m);
	case PGT_OP_ACCESS:
		return access(m, ev, false);
	case PGT_OP_FAULT:
		return access(m, ev, true);
	case PGT_OP_TASK: {
		/* exec renames: later rows show the new comm. */
		if (ev->pid >= 0 && ev->comm)
			for (size_t i = m->nrecs; i-- > 0;)
				if (m->recs[i].s.live && m->recs[i].s.pid == ev->pid) {
					m->recs[i].s.comm = ev->comm;
					break;
				}
		return NULL;
	}
	case PGT_OP_SYNC_RANGE: /* recorded arch_sync_kernel_mappings: the model makes its own */
	case PGT_OP_SET_PMD:    /* recorded __set_pmd_pte: likewise */
	case PGT_OP_PURGE:
	case PGT_OP_MODULE:
	case PGT_OP_LABEL:
	case PGT_OP_MACHINE:
	case PGT_OP_NONE:
	case PGT_OP__COUNT:
		m->costs.events -= ev->op == PGT_OP_MACHINE;
		return NULL;
	}
	return NULL;
}

struct pgt_error *pgt_model_apply(struct pgt_model *m,
				  const struct pgt_event *ev)
{
	m->line = ev->line;
	struct pgt_error *err = apply_op(m, ev);
	settle_dirty(m);
	return err;
}

/* ---- queries ---- */

const struct pgt_layout *pgt_model_layout(const struct pgt_model *m)
{
	return &m->L;
}

const struct pgt_model_config *pgt_model_config(const struct pgt_model *m)
{
	return &m->cfg;
}

const struct pgt_costs *pgt_model_costs(const struct pgt_model *m)
{
	return &m->costs;
}

size_t pgt_model_npgds(const struct pgt_model *m)
{
	return m->nrecs;
}

const struct pgt_pgd_stats *pgt_model_pgd(const struct pgt_model *m, size_t i)
{
	return i < m->nrecs ? &m->recs[i].s : NULL;
}

const struct pgt_pgd_stats *pgt_model_find_pgd(const struct pgt_model *m,
					       uint32_t id)
{
	int32_t r = live_rec(m, id);
	return r >= 0 ? &m->recs[r].s : NULL;
}

size_t pgt_model_nnotes(const struct pgt_model *m)
{
	return m->nnotes;
}

const struct pgt_note *pgt_model_note(const struct pgt_model *m, size_t i)
{
	return i < m->nnotes ? &m->notes[i] : NULL;
}

static struct pgt_error *model_read(const void *ctx, uint64_t pa, void *buf,
				    size_t len)
{
	const struct pgt_model *m = ctx;
	uint8_t *out = buf;
	while (len) {
		if (pa >= m->ram_top)
			return pgt_error_create(PGT_ERROR_FAULT,
						"physical address 0x%llx is beyond memory",
						(unsigned long long)pa);
		uint64_t pfn = pa >> PGT_PAGE_SHIFT;
		size_t off = pa & (PGT_PAGE_SIZE - 1);
		size_t n = PGT_PAGE_SIZE - off < len ? PGT_PAGE_SIZE - off : len;
		const uint64_t *data = pfn < m->nframes ? m->frames[pfn].data : NULL;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (data) {
			memcpy(out, (const uint8_t *)data + off, n);
		} else
#endif
		if (data) {
			for (size_t i = 0; i < n; i++) {
				size_t b = off + i;
				out[i] = (uint8_t)(data[b / 8] >> (8 * (b % 8)));
			}
		} else {
			memset(out, 0, n);
		}
		out += n;
		pa += n;
		len -= n;
	}
	return NULL;
}

uint64_t pgt_model_swapper_line(const struct pgt_model *m, int slot, int idx)
{
	if (slot < 0 || slot >= PGT_PTRS_PER_PGD || idx < 0 ||
	    idx >= PGT_PTRS_PER_PMD)
		return 0;
	return m->swapper_line[slot][idx];
}

bool pgt_model_excluded_entry(const struct pgt_model *m, int slot, int idx)
{
	return excluded_entry(m, slot, idx);
}

struct pgt_physmem pgt_model_physmem(const struct pgt_model *m)
{
	return (struct pgt_physmem){.read = model_read, .ctx = m};
}

uint64_t pgt_model_swapper_cr3(const struct pgt_model *m)
{
	return frame_pa(m->swapper);
}

uint64_t pgt_model_pgd_cr3(const struct pgt_model *m, uint32_t id)
{
	int32_t r = live_rec(m, id);
	return r >= 0 ? m->recs[r].s.pa : 0;
}

uint64_t pgt_model_kernel_pmd_entry(const struct pgt_model *m, uint32_t id,
				    int slot, int idx)
{
	if (slot < 0 || slot >= PGT_PTRS_PER_PGD || idx < 0 ||
	    idx >= PGT_PTRS_PER_PMD)
		return 0;
	uint64_t pgde;
	if (!id) {
		pgde = m->frames[m->swapper].data[slot];
	} else {
		int32_t r = live_rec(m, id);
		if (r < 0)
			return 0;
		pgde = obj_entries((struct pgt_model *)m, m->recs[r].obj)[slot];
	}
	if (!pgt_present(pgde))
		return 0;
	uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
	return pfn < m->nframes ? entry_at(m, (uint32_t)pfn, idx) : 0;
}
