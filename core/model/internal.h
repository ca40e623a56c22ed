/* SPDX-License-Identifier: MIT */
/*
 * The replay model's insides, shared by the files of core/model/.  Each file
 * mirrors one kernel file: frames.c (the page allocator), divergence.c (how
 * a pgd's kernel PMD relates to swapper's), boot.c (pagetable_init), pgtable.c
 * (pgd_alloc, pgd_free, pgd_list), vmalloc.c (map_vm_area, vunmap),
 * pageattr.c (set_pmd_pte, split_large_page), fault.c (vmalloc_fault and the
 * pgd_list walk of every sync).  What differs between kernels is in one
 * struct pgt_kernel_rules per kernel (kernel_2621.c, kernel_61.c).
 *
 * How a private kernel PMD copy is kept.  Every live copy holds, at each
 * entry e, either its base value there or an explicit value of its own
 * (struct xmap).  The base value depends only on when the copy was made
 * (its generation): each entry keeps a short history, the value every copy
 * got from the last write to all of them (a broadcast or a sync), then
 * swapper's value after each write to swapper alone since, with the
 * generation from which pgd_alloc copied it.  A broadcast or a sync that
 * brings every copy to one value resets the history and clears the
 * explicit values at e: its cost is the number of copies that differed,
 * not the number of pgds.  Work the kernel does per pgd is counted
 * arithmetically.  A write to swapper alone that changes how copies compare
 * with it touches every live copy once, unless the same event brings
 * every copy to swapper's value (6.1's arch_sync_kernel_mappings() after
 * pmd_populate_kernel()): then only the copies that differed before; there
 * are at most as many such writes as PMD entries the vmalloc area
 * populates.
 */
#ifndef PGTRACE_CORE_MODEL_INTERNAL_H
#define PGTRACE_CORE_MODEL_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/hash.h"
#include "core/model.h"
#include "core/pae.h"
#include "core/sort.h"
#include "core/zero.h"

struct pgt_model;

/* What differs between kernels: one table per kernel. */
struct pgt_kernel_rules {
	enum pgt_kernel kernel;
	/* Frames below this many MiB hold the image and bootmem. */
	uint32_t boot_reserved_mib;
	/* is_kernel_text() starts at _text (else PAGE_OFFSET). */
	bool text_from_text_start;
	/* pmd_populate_kernel()'s flags. */
	uint64_t pmd_table_flags;
	/* The flags of a PDE that points at a PTE page made by a split. */
	uint64_t split_table_flags;
	/*
	 * init_memory_mapping()'s split_mem_range() (6.1): the first 2 MiB
	 * (fixed-size MTRRs) and a tail of lowmem short of 2 MiB are mapped
	 * with 4 KiB pages, the first under head_32.S's early page table
	 * (PDE_IDENT_ATTR, early_table_flags).  2.6.21 maps every 2 MiB with
	 * PSE, the last one past max_low_pfn too.
	 */
	bool direct_map_4k_edges;
	uint64_t early_table_flags;
	/*
	 * idt_setup_apic_and_irq_gates() (6.1): set_memory_ro(&idt_table, 1)
	 * at boot, when the machine names idt_table.
	 */
	bool idt_ro_at_boot;
	/*
	 * pgd_ctor() runs at pgd_alloc() under pgd_lock (6.1) rather than as
	 * the slab constructor of a new slab (2.6.21); pgd_dtor() runs at
	 * pgd_free() (6.1) rather than when the slab is destroyed (2.6.21).
	 */
	bool ctor_at_alloc;
	bool dtor_at_free;
	/* SHARED_KERNEL_PMD=0 means PTI: 8 KiB pgd pairs with a user half. */
	bool pti_when_unshared;
	/*
	 * The pgd cache is mm/slab.c's with pgd_ctor/pgd_dtor as constructor
	 * and destructor (2.6.21, slab.c); else a plain free list (6.1).
	 */
	bool slab_pgd_cache;
	/* vmalloc_sync_one() also copies an absent entry over a present one. */
	bool sync_both_ways;
	/* vmalloc_fault() only handles the vmalloc area (else >= TASK_SIZE). */
	bool fault_vmalloc_only;
	/* cpa_prot's name for kernel_nocache: _PAGE_PCD, or PCD|PWT. */
	uint64_t nocache_bits;
	/* change_page_attr() / set_memory_*() for one cpa event. */
	struct pgt_error *(*cpa)(struct pgt_model *m, const struct pgt_event *ev);
	/* vmalloc_sync_all() for a sync event. */
	struct pgt_error *(*sync)(struct pgt_model *m);
	/*
	 * After vmap changed a PMD entry of swapper's (pmd_populate_kernel):
	 * arch_sync_kernel_mappings() in 6.1, nothing in 2.6.21.  May be NULL.
	 */
	struct pgt_error *(*after_pmd_populate)(struct pgt_model *m, uint32_t start);
};

extern const struct pgt_kernel_rules pgt_kernel_rules_2621;
extern const struct pgt_kernel_rules pgt_kernel_rules_61;

enum frame_kind {
	F_FREE = 0,
	F_BOOT,         /* kernel image, bootmem: never allocated */
	F_SWAPPER_PGD,
	F_KPMD_SWAPPER, /* swapper's kernel PMD page */
	F_KPMD_COPY,    /* a pgd's private kernel PMD copy */
	F_UPMD,         /* a user PMD (pmd_cache) */
	F_UHALF_KPMD,   /* 6.1 PTI: the user half's kernel PMD */
	F_PTE,          /* a kernel PTE page */
	F_PGD,          /* a pgd page (unshared) or pgd slab page (shared) */
};

/* Where a frame's entries are. */
enum frame_virt {
	V_DATA = 0, /* frame.data (NULL: all zero) */
	V_COPY,     /* a kernel PMD copy: frame.x over the entries' base values */
	V_UHALF,    /* swapper's user-half kernel PMD, until written */
	/*
	 * The first SHORT_ENTRIES entries in frame.data (never NULL), the
	 * rest zero: a page holding one pgd (unshared), whose 4 entries are
	 * all a pgd_alloc writes.  A 4 KiB block each cost 40-80 MiB at
	 * 10,000 pgds, and a page fault per pgd the first time.  Any other
	 * write makes it V_DATA (frame_ensure_data).
	 */
	V_SHORT,
};

/* Entries a V_SHORT frame keeps: one cache line. */
#define SHORT_ENTRIES 8

/* What frame_alloc() gives a frame's entries. */
enum frame_data {
	D_NONE,  /* none: all zero, frame.data NULL */
	D_FULL,  /* 512 zero entries (V_DATA) */
	D_SHORT, /* SHORT_ENTRIES zero entries (V_SHORT) */
};

/*
 * A copy's explicit entries: which ones (bits), and their values in entry
 * order (the value of entry i is v[rank of i among the set bits]).  A copy
 * has a few dozen at most (the vmalloc PMD entries it faulted in), so the
 * values are kept dense, in blocks of three sizes (XMAP_CLASSES), not as
 * 512 slots: at 10,000 pgds that was 40 MiB, and a page fault per copy.
 */
struct xmap {
	uint64_t bits[PGT_PTRS_PER_PMD / 64];
	uint32_t n;          /* entries set */
	uint32_t cap;        /* values v has room for */
	uint32_t stamp;      /* visit mark of explicit-list walks (its frame's) */
	uint64_t v[];
};

#define XMAP_CLASSES 3

/*
 * The set bits of @v.  Not __builtin_popcountll(): without -mpopcnt (the
 * baseline x86-64 a distribution builds for) that is a call into libgcc,
 * 37 instructions an event over the first million events of a 10,000-pgd
 * replay, where accesses read many copies' explicit entries.
 */
static inline uint32_t popcount64(uint64_t v)
{
	v -= (v >> 1) & UINT64_C(0x5555555555555555);
	v = (v & UINT64_C(0x3333333333333333)) +
	    ((v >> 2) & UINT64_C(0x3333333333333333));
	v = (v + (v >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (uint32_t)((v * UINT64_C(0x0101010101010101)) >> 56);
}

/* How many set entries come before entry @idx. */
static inline uint32_t xmap_rank(const struct xmap *x, int idx)
{
	uint32_t r = 0;
	int w = idx >> 6;
	for (int i = 0; i < w; i++)
		r += popcount64(x->bits[i]);
	return r + popcount64(x->bits[w] & ((UINT64_C(1) << (idx & 63)) - 1));
}

/* The value of set entry @idx. */
static inline uint64_t xmap_value(const struct xmap *x, int idx)
{
	return x->v[xmap_rank(x, idx)];
}

/* The base values of one kernel PMD entry (see the top). */
struct ehist {
	uint32_t n, cap;     /* n >= 1 */
	uint32_t *gen;       /* ascending; gen[0] == 0 */
	uint64_t *val;
};

/*
 * 32 bytes, and the array on a 64-byte boundary (model.c), so that a frame
 * is one cache line, never two: a pgd_free of a random pgd with 10,000
 * live frees three to eight frames nothing else has touched for long, and
 * at 40 bytes three frames in eight spanned two lines (the look-ahead
 * fetched both for each).
 */
struct frame {
	uint8_t kind;
	uint8_t slot;        /* pgd slot of a kernel PMD page */
	uint8_t virt;        /* enum frame_virt */
	bool reserved : 1;   /* PTE page made at boot (PageReserved) */
	bool pending : 1;    /* on m->freed_copies */
	uint16_t private_count; /* cpa: entries with non-default protections */
	uint16_t slab_inuse; /* F_PGD slab (2.6.21): objects not free on it */
	int32_t owner1;      /* record of a live private kernel PMD copy, plus
			      * one; 0: none (so that calloc's zeros mean
			      * none, and no frame is touched at start) */
	uint32_t cgen;       /* V_COPY: generation it was copied in */
	uint64_t *data;      /* 512 entries, NULL when all zero and unwritten */
	struct xmap *x;      /* V_COPY: explicit entries, NULL: none */
};
_Static_assert(sizeof(struct frame) == 32, "a frame in half a cache line");

/* The record whose live private kernel PMD copy @fr is, or -1. */
static inline int32_t frame_owner(const struct frame *fr)
{
	return fr->owner1 - 1;
}

static inline void frame_set_owner(struct frame *fr, int32_t r)
{
	fr->owner1 = r + 1;
}

/* Where a pgd object is (2.6.21's slab). */
enum obj_where {
	O_USED = 0, /* allocated */
	O_AC,       /* in a CPU's array cache */
	O_SHARED,   /* in the node's shared array */
	O_SLAB,     /* free on its slab */
	O_DEAD,     /* its slab was destroyed: the id may be reused */
};

/* A pgd object on pgd_list and its place: the larger seq, nearer the head. */
struct list_member {
	uint64_t seq;
	int32_t obj;
};

/*
 * 32 bytes on a 32-byte boundary (model_grow): half of the 40-byte
 * objects spanned two cache lines, and a pgd_free of a random pgd with
 * 10,000 live missed the second (list_seq, free_next) a fifth of the time
 * after the look-ahead had brought in the first.
 */
struct __attribute__((aligned(32))) pgd_obj {
	uint64_t list_seq;   /* when pgd_list_add() put it at the head */
	uint32_t frame;
	int32_t rec;         /* live record, -1 */
	uint32_t last_id;    /* strtab id of the last pgd it held */
	int32_t free_next;   /* the cache's free list, -1 */
	uint16_t index;      /* first entry of this pgd in the frame's data */
	uint8_t where;       /* enum obj_where */
	bool constructed;
	bool on_list;
	bool allocated;
	bool zombie;         /* on m->zombies */
};
_Static_assert(sizeof(struct pgd_obj) == 32, "a pgd object in half a line");

/*
 * A live pgd: what pgd_alloc, pgd_free, task events and walks read and
 * write, in three cache lines.  What only a report reads (divergence
 * counts and their lines, faults) is apart, in m->stats at the same index
 * (rec_cold), and made only when first written: a pgd_free of a pgd
 * without findings reads three lines, not five, and a pgd_alloc writes
 * none of those apart (with 10,000 live pgds, 128 more bytes a record,
 * never read, cost the model alone 6-8 ns an event, a tenth of its time).
 */
struct __attribute__((aligned(PGT_CACHE_LINE))) rec {
	/*
	 * One cache line: what an access reads first, and what a loop over
	 * every copy (for_each_own_live) reads of each.
	 */
	uint32_t kpmd[PGT_PTRS_PER_PGD];  /* private kernel PMD frames (0: none) */
	uint32_t cgen;                    /* generation of its copies */
	int32_t obj;
	/*
	 * Bit i: the copy has explicit entries among entries 8i..8i+7 (in
	 * m->frames[kpmd[slot]].x).
	 */
	uint64_t xsum[PGT_PTRS_PER_PGD];
	bool own;                         /* on own_bits (for_each_own_live) */
	bool dirty;                       /* divergence changed in this event */
	bool used;                        /* the slot holds a record */
	bool cold;                        /* m->stats[this] written (rec_cold) */
	/* What pgd_free releases. */
	uint32_t upmd[PGT_PTRS_PER_PGD];  /* user PMD frames */
	uint32_t uhalf;                   /* 6.1 PTI: user-half pgd frame */
	uint32_t uhalf_kpmd[PGT_PTRS_PER_PGD]; /* its kernel PMD copies */
	int32_t pid_prev;                 /* older live record of the same pid */
	uint64_t pid_prev_serial;
	/*
	 * Where the pgd's entries and its user half's were when allocated,
	 * for pgt_model_prefetch only (a stale hint costs a useless
	 * prefetch, never a wrong result); NULL: none.
	 */
	const void *hint_entries, *hint_uhalf;
	/* Of struct pgt_pgd_stats, what is set at pgd_alloc and pgd_free. */
	uint32_t id;                      /* strtab id of the pgd */
	int32_t pid;
	uint32_t comm, mm;
	uint64_t serial;
	uint64_t alloc_line, free_line;
	uint64_t pa;
	bool live, adopted;
	int32_t free_next;                /* free record slots */
};
_Static_assert(sizeof(struct rec) == 3 * PGT_CACHE_LINE, "a record in three lines");

/* id_slot.rec of a pgd id that is not live */
#define ID_FREED (-1) /* freed, at id_slot.freed_line */
#define ID_NEVER (-2) /* never allocated */

/*
 * What the model keeps per pgd id, indexed by the id (string-table ids are
 * dense), so that an access finds its pgd without hashing.  For a live pgd,
 * also what its walk (walk_mapped) needs of its record, so that an access
 * mostly reads this line and not the record: at 10,000 live pgds the
 * record's line was a second cache miss per access, and the look-ahead's
 * prefetch of it a second line in flight.
 */
struct id_slot {
	int32_t rec;      /* live record, or ID_FREED, ID_NEVER */
	uint32_t cgen;    /* live: the record's cgen */
	union {
		/*
		 * Live: bit i set when some kernel slot's copy may have an
		 * explicit entry among entries 8i..8i+7 (the OR of the
		 * record's xsum over the kernel slots): the walk of such an
		 * entry reads the record.
		 */
		uint64_t wsum;
		uint64_t freed_line; /* ID_FREED: the line of its pgd_free */
	};
};
_Static_assert(sizeof(struct id_slot) == 16, "four ids to a cache line");

/* Maps from 64-bit keys to 64-bit values, on the one hash table. */
PGT_HASH_TABLE(idmap, uint64_t, int64_t, pgt_hash_u64, pgt_hash_eq_scalar)

struct pgt_error *idmap_put(struct idmap *h, uint64_t key, int64_t val);
bool idmap_get(const struct idmap *h, uint64_t key, int64_t *ret);
void idmap_del(struct idmap *h, uint64_t key);

struct i32vec {
	int32_t *v;
	uint32_t n, cap;
};

/* The 2.6.21 pgd cache's SLAB state (slab.c). */
struct slab_cache {
	uint32_t num, limit, batch;  /* objects per slab, array limit, batch */
	uint32_t s_mem;              /* byte offset of the first object */
	struct i32vec *ac;           /* per CPU array caches, oldest first */
	bool *touched;               /* ac->touched */
	size_t nac;                  /* CPUs seen */
	struct i32vec shared;        /* the node's shared array */
	bool shared_touched;
	struct i32vec partial;       /* slabs_partial frames, head first */
	struct i32vec free;          /* slabs_free frames, head last */
	uint64_t free_objects;       /* l3->free_objects */
	bool free_touched;
	struct idmap slab_first;     /* frame + 1 -> its first object */
	struct i32vec dead;          /* object ids of destroyed slabs */
	bool timed;
	uint64_t next_reap_ns, next_list_ns;
	uint64_t reaps, slabs_destroyed;
};

/*
 * Blocks of one size carved from large chunks, reused last-freed first:
 * page-table pages' entries (4 KiB) and copies' explicit maps (three
 * sizes) come and go with the pgds, and malloc took a thread's arena up a
 * page at a time for them (an mprotect call each, 17,000 per 10,000-pgd
 * replay).
 * Under AddressSanitizer free blocks are poisoned.
 */
struct block_pool {
	size_t size;         /* bytes per block, a multiple of 64 */
	void *free;          /* free blocks, linked through their first word */
	char *cur;           /* the rest of the newest chunk */
	size_t left;         /* blocks left there */
	void **chunks;
	size_t nchunks, chunks_cap;
};

/* A growable list of frame numbers. */
struct u32vec {
	uint32_t *v;
	uint32_t n, cap;
};

/* A note kind's kept notes are capped; the rest are counted. */
struct pgt_model {
	struct pgt_model_config cfg;
	const struct pgt_kernel_rules *rules;
	struct pgt_layout L;
	struct pgt_layout TL;    /* the recording kernel's layout (validation) */
	bool shared;       /* SHARED_KERNEL_PMD */
	bool pti;          /* 6.1 unshared: the 8 KiB pgd pair */
	uint64_t page_kernel, page_kernel_exec, page_kernel_large,
		page_kernel_large_exec;
	uint64_t pdpte_flags;

	struct frame *frames;    /* in frames_mem, on a 64-byte boundary */
	void *frames_mem;
	uint32_t nframes;        /* lowmem frames */
	struct block_pool data_pool; /* frame.data */
	struct block_pool short_pool; /* frame.data of V_SHORT frames */
	struct block_pool x_pools[XMAP_CLASSES]; /* frame.x, by size */
	uint32_t bump;           /* next never-used frame */
	uint32_t *free_frames;
	size_t nfree, free_cap;
	uint32_t *free_pairs;    /* order-1 blocks (first frame) */
	size_t nfree_pairs, free_pairs_cap;
	uint64_t data_bump;      /* next never-used pfn for vmalloc data pages */
	uint64_t *free_data;
	size_t nfree_data, free_data_cap;
	uint64_t ram_top;        /* physical bytes readable */

	uint32_t swapper;        /* frame of swapper_pg_dir */
	uint64_t swapper_line[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t swapper_kpmd[PGT_PTRS_PER_PGD];
	/* 6.1 PTI: swapper's user half's kernel PMDs (pti_clone_user_shared) */
	uint32_t swapper_uhalf_kpmd[PGT_PTRS_PER_PGD];

	/* Kernel PMD copies: see the comment at the top. */
	struct ehist hist[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t last_gen[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD]; /* hist's last */
	uint64_t last_val[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t gen;            /* writes to swapper alone so far */
	uint64_t excluded[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD / 64];
	struct u32vec explicit_at[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t nexplicit[PGT_PTRS_PER_PGD][PGT_PTRS_PER_PMD];
	uint32_t stamp;
	/* Freed copies a pgd still on pgd_list points at (2.6.21 unshared). */
	struct u32vec freed_copies;
	/*
	 * Writes to swapper's entry alone whose changes to the copies'
	 * divergence counts are not made yet, at most one an entry (see
	 * swapper_write()): made before anything else touches the entry's
	 * copies or the set of copies, and at the latest when the event ends
	 * (rec_settle_dirty()).
	 */
	struct sw_pending {
		uint64_t old, val;  /* swapper's entry before and after */
		uint32_t gen;       /* the generation the write began */
		uint16_t idx;
		uint8_t slot;
		bool apart;         /* bases_compare_apart(old, val) */
	} pending[PGT_PTRS_PER_PGD * PGT_PTRS_PER_PMD];
	size_t npending;

	struct pgd_obj *objs;
	size_t nobjs, objs_cap;
	int32_t free_objs;       /* the pgd cache's free list */
	uint64_t list_len;       /* pgds on pgd_list */
	uint64_t list_seq;
	/*
	 * freed objects still on pgd_list (nzombies): in list order (head
	 * first) once zombies_settle() has run; see pgtable.c
	 */
	struct list_member *zombies;
	size_t nzombies, zombies_cap;
	size_t zslots, zsorted;  /* slots used; of them, the sorted prefix */

	struct rec *recs;
	struct pgt_pgd_stats *stats; /* by record (rec_cold, rec_stats) */
	size_t stats_cap;
	size_t nrecs, recs_cap;  /* slots in use or free */
	int32_t free_recs;
	size_t nkept;            /* records kept (the live pgds') */
	uint64_t serial;         /* pgd_allocs so far */
	uint64_t dropped;        /* freed records retired with nothing to show */
	/*
	 * Kept records by serial, for queries; order and order_keys (the
	 * sort's room) grow with recs, so that a query never allocates.
	 */
	int32_t *order;
	size_t norder, order_cap;
	struct pgt_keyed *order_keys; /* 2 * recs_cap */
	size_t order_keys_cap;
	bool order_valid;
	/* pgd id -> struct id_slot (see there) */
	struct id_slot *by_id;
	size_t by_id_cap;
	uint32_t *by_mm;         /* mm id -> pgd id of its last pgd_alloc, 0 */
	size_t by_mm_cap;
	/*
	 * pid -> newest live record: an array (record + 1, 0: none) for pids
	 * below PID_DENSE (4 MiB at most; a 32-bit kernel's PID_MAX_LIMIT is
	 * 32768), by_pid (key pid + 1) for the rest.  Use pid_get/pid_put/
	 * pid_del.
	 */
	int32_t *pid_dense;
	size_t pid_dense_cap;
	struct idmap by_pid;
	int32_t *dirty;          /* records whose divergence changed this event */
	size_t ndirty, dirty_cap;
	/*
	 * Bit r: record r is a live pgd with private kernel PMDs (see
	 * for_each_own_live); nown_live of them.  A bitmap, not a list: a
	 * list's swap on removal wrote to another pgd's record, a cache miss
	 * per pgd_free at 10,000 pgds.
	 */
	size_t nown_live;
	uint64_t *own_bits;
	size_t own_bits_cap;     /* words */

	uint32_t current[PGT_MAX_CPUS]; /* per cpu: loaded pgd id */
	size_t ncpus;            /* 1 + the highest cpu a switch named */

	struct idmap areas;      /* vmalloc mappings: addr >> 12 -> size */

	uint32_t *deferred;      /* cpa: PTE pages to free at flush (df_list) */
	size_t ndeferred, deferred_cap;

	struct slab_cache slab;

	/* vmalloc_sync_all's statics (2.6.21 seed). */
	uint32_t sync_start;
	bool insync[PGT_PTRS_PER_PGD];

	/*
	 * The line of the last event that wrote swapper's mapping of each
	 * kernel page, PTE or large PDE ((va - page_offset) >> 12); 0: none.
	 */
	uint32_t *pte_line;

	struct pgt_costs costs;
	struct pgt_note *notes;
	size_t nnotes, notes_cap;
	uint64_t note_counts[PGT_NOTE__COUNT];
	uint64_t line;           /* line of the event being applied */
};

/*
 * Ask for transparent huge pages over the 2 MiB pages inside [@p, @p +
 * @bytes): the model's large arrays are read at random (records, frames),
 * and 4 KiB pages made that a TLB miss per read.
 */
void hugepage_hint(void *p, size_t bytes);

/* Growable arrays. */
struct pgt_error *model_grow(void **p, size_t *cap, size_t need, size_t elem);
/* (the test for room inline: it runs for most pushes, a call each) */
#define GROW(arr, cap, need)                                                  \
	((size_t)(need) <= (size_t)(cap)                                      \
		 ? NULL                                                       \
		 : model_grow((void **)&(arr), &(cap), (need), sizeof(*(arr))))

/* model_grow(), the new room zeroed. */
struct pgt_error *model_grow_zeroed(void **p, size_t *cap, size_t need,
				    size_t elem);
/* GROW(), the new room zeroed (and no call at all when there is room) */
#define GROW_ZEROED(arr, cap, need)                                           \
	((size_t)(need) <= (size_t)(cap)                                      \
		 ? NULL                                                       \
		 : model_grow_zeroed((void **)&(arr), &(cap), (need),         \
				     sizeof(*(arr))))

/*
 * Append @x to @vec, a { T *v; uint32_t n, cap; } (struct u32vec,
 * struct i32vec): NULL, or the error when memory runs out.
 */
#define VEC_PUSH(vec, x)                                                      \
	({                                                                    \
		size_t cap_ = (vec)->cap;                                     \
		struct pgt_error *err_ =                                      \
			GROW((vec)->v, cap_, (size_t)(vec)->n + 1);           \
		if (!err_) {                                                  \
			(vec)->cap = (uint32_t)cap_;                          \
			(vec)->v[(vec)->n++] = (x);                           \
		}                                                             \
		err_;                                                         \
	})

/* A finding; returns the kept note, or NULL when its kind is over the cap. */
struct pgt_error *model_note(struct pgt_model *m, enum pgt_note_kind kind,
			     uint32_t pgd, uint64_t addr, bool has_ip,
			     uint64_t ip, struct pgt_note **ret);

/* ---- frames.c: get_free_page() / free_page() ---- */
static inline uint64_t frame_pa(uint32_t f)
{
	return (uint64_t)f << PGT_PAGE_SHIFT;
}
struct pgt_error *frame_alloc(struct pgt_model *m, enum frame_kind kind,
			      enum frame_data data, uint32_t *ret);
struct pgt_error *pair_alloc(struct pgt_model *m, uint32_t *ret);
struct pgt_error *frame_free(struct pgt_model *m, uint32_t f);
struct pgt_error *frame_ensure_data(struct pgt_model *m, uint32_t f);
/* A frame.data block, zeroed when @zero (else its contents are undefined). */
struct pgt_error *page_data_new(struct pgt_model *m, bool zero, uint64_t **ret);
/* Release a frame.data block (NULL: nothing). */
void page_data_free(struct pgt_model *m, uint64_t *d);
/* A frame.x block, empty. */
struct pgt_error *xmap_new(struct pgt_model *m, struct xmap **ret);
/* @x in a block with room for more values (@x is released). */
struct pgt_error *xmap_grow(struct pgt_model *m, struct xmap *x,
			    struct xmap **ret);
/* Release a frame.x block (NULL: nothing). */
void xmap_free(struct pgt_model *m, struct xmap *x);
void pools_init(struct pgt_model *m);
void pools_deinit(struct pgt_model *m);
struct pgt_error *data_alloc(struct pgt_model *m, uint64_t *ret);
struct pgt_error *data_free(struct pgt_model *m, uint64_t pfn);
void cost_update_bytes(struct pgt_model *m);

/* ---- divergence.c ---- */
static inline bool bit_test(const uint64_t *b, int i)
{
	return b[i >> 6] >> (i & 63) & 1;
}
static inline void bit_set(uint64_t *b, int i)
{
	b[i >> 6] |= UINT64_C(1) << (i & 63);
}
static inline void bit_clear(uint64_t *b, int i)
{
	b[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

uint64_t base_slow(const struct pgt_model *m, int slot, int idx, uint32_t cgen);

/* The base value of entry (@slot, @idx) for a copy of generation @cgen. */
static inline uint64_t base_value(const struct pgt_model *m, int slot, int idx,
				  uint32_t cgen)
{
	if (cgen >= m->last_gen[slot][idx])
		return m->last_val[slot][idx];
	return base_slow(m, slot, idx, cgen);
}

/* Entry @idx of a copy with explicit entries @x and generation @cgen. */
static inline uint64_t copy_entry(const struct pgt_model *m, const struct xmap *x,
				  uint32_t cgen, int slot, int idx)
{
	if (x && x->n && bit_test(x->bits, idx))
		return xmap_value(x, idx);
	return base_value(m, slot, idx, cgen);
}

/* Entry @idx of the page-table page in frame @f, wherever it is kept. */
static inline uint64_t entry_at(const struct pgt_model *m, uint32_t f, int idx)
{
	const struct frame *fr = &m->frames[f];
	switch (fr->virt) {
	case V_COPY:
		return copy_entry(m, fr->x, fr->cgen, fr->slot, idx);
	case V_UHALF:
		return m->frames[m->swapper_uhalf_kpmd[fr->slot]].data[idx];
	case V_SHORT:
		return idx < SHORT_ENTRIES ? fr->data[idx] : 0;
	default:
		return fr->data ? fr->data[idx] : 0;
	}
}

/* Entry @idx of record @rec's own kernel PMD copy for @slot. */
static inline uint64_t rec_copy_entry(const struct pgt_model *m,
				      const struct rec *rec, int slot, int idx)
{
	/* the explicit entries' map is read only when xsum says */
	if (rec->xsum[slot] >> (idx >> 3) & 1)
		return copy_entry(m, m->frames[rec->kpmd[slot]].x, rec->cgen,
				  slot, idx);
	return base_value(m, slot, idx, rec->cgen);
}

/* The kernel PMD entry through which the pgd of record @rec maps @va. */
static inline uint64_t rec_kernel_pmd(const struct pgt_model *m,
				      const struct rec *rec, uint32_t va)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	/* shared: no pgd has a kernel PMD of its own (no record to read) */
	if (m->shared || !rec->kpmd[slot])
		return m->frames[m->swapper_kpmd[slot]].data[idx];
	return rec_copy_entry(m, rec, slot, idx);
}

static inline bool excluded_entry(const struct pgt_model *m, int slot, int idx)
{
	return bit_test(m->excluded[slot], idx);
}

/* The entries of pgd object @o (4, at its place in its frame). */
static inline uint64_t *obj_entries(struct pgt_model *m, int32_t o)
{
	struct pgd_obj *ob = &m->objs[o];
	return m->frames[ob->frame].data + ob->index;
}

struct pgt_error *div_init(struct pgt_model *m);
void hist_deinit(struct pgt_model *m);
/* Do all copies without explicit values share one base value (in *ret)? */
bool base_common(const struct pgt_model *m, int slot, int idx, uint64_t *ret);
/* A fresh copy of swapper's kernel PMD for @slot in frame @f, owned by @r. */
struct pgt_error *copy_init(struct pgt_model *m, uint32_t f, int slot, int32_t r);
/* A live copy's frame is freed; @keep: a pgd on pgd_list still points at it. */
struct pgt_error *copy_release(struct pgt_model *m, uint32_t f, bool keep);
/*
 * set_pmd(): write entry @idx of the kernel PMD page in frame @f (swapper's,
 * a live or freed copy, or a page with data).
 */
struct pgt_error *pmd_write(struct pgt_model *m, uint32_t f, int idx, uint64_t val);
/*
 * Every live copy's entry (@slot, @idx) becomes @val (a broadcast or a sync
 * that wrote every pgd on pgd_list).
 */
struct pgt_error *copies_write_all(struct pgt_model *m, int slot, int idx,
				   uint64_t val);
/*
 * Every live copy without an explicit value at (@slot, @idx) holds @val
 * (a sync wrote all of them alike).
 */
struct pgt_error *copies_write_default(struct pgt_model *m, int slot, int idx,
				       uint64_t val);
/* set_pmd_pte() with the PMD unshared: swapper and every live copy get @val. */
struct pgt_error *broadcast_write(struct pgt_model *m, int slot, int idx,
				  uint64_t val);
/*
 * A sync of entry (@slot, @idx) whose copies hold several base values
 * (copies made before and after a write to swapper alone): when
 * vmalloc_sync_one() leaves every one of them holding @pmd_k, do it in one
 * pass over the live copies and collapse the entry's history (*done_ret),
 * counting the entries it wrote in *written_ret; otherwise do nothing.
 */
struct pgt_error *copies_sync_uniform(struct pgt_model *m, int slot, int idx,
				      uint64_t pmd_k, bool both, bool *done_ret,
				      uint64_t *written_ret);
/* Give copy frame @f an explicit value at @idx (its value stays). */
struct pgt_error *copy_make_explicit(struct pgt_model *m, uint32_t f, int idx);
/*
 * The live copies with an explicit value at (@slot, @idx), deduplicated,
 * into @ret (valid until the next call).
 */
struct pgt_error *copies_explicit_at(struct pgt_model *m, int slot, int idx,
				     struct u32vec *ret);
void rec_settle_dirty_all(struct pgt_model *m);
/* Make every count change swapper_write() left pending. */
void pending_flush_all(struct pgt_model *m);
/* (inline: most events mark no record, and it runs after every one) */
static inline void rec_settle_dirty(struct pgt_model *m)
{
	if (m->npending)
		pending_flush_all(m);
	if (m->ndirty)
		rec_settle_dirty_all(m);
}
void rec_settle(struct pgt_model *m, struct rec *r);

/* ---- boot.c ---- */
struct pgt_error *model_boot(struct pgt_model *m);
/* Copy one page-table page from the image to the same physical address. */
struct pgt_error *import_page(struct pgt_model *m, uint64_t pa,
			      enum frame_kind kind, uint32_t *ret);

/* ---- slab.c: kmem_cache_alloc/free, cache_reap, kmem_cache_shrink ---- */
struct pgt_error *slab_alloc(struct pgt_model *m, int cpu, int32_t *ret);
struct pgt_error *slab_free(struct pgt_model *m, int cpu, int32_t o);
struct pgt_error *slab_timer_tick(struct pgt_model *m, uint64_t t_ns, int cpu);
/*
 * Before each event: CPUs seen, and cache_reap() when trace time says.
 * An event with neither CPU nor time, once the cache is set up, has
 * nothing here (most events of a native trace): no call for it.
 */
static inline struct pgt_error *slab_timer(struct pgt_model *m, uint64_t t_ns,
					   int cpu)
{
	if (cpu < 0 && t_ns == PGT_NO_TIME && m->slab.num)
		return NULL;
	return slab_timer_tick(m, t_ns, cpu);
}
struct pgt_error *slab_shrink(struct pgt_model *m);
void slab_deinit(struct pgt_model *m);

/* ---- pgtable.c ---- */
/* pgd_ctor() / pgd_dtor() as the slab's constructor and destructor. */
void pgd_ctor_slab(struct pgt_model *m, int32_t o);
void pgd_dtor_slab(struct pgt_model *m, int32_t o);
struct pgt_error *op_pgd_alloc(struct pgt_model *m, const struct pgt_event *ev);
struct pgt_error *op_pgd_free(struct pgt_model *m, const struct pgt_event *ev);
struct pgt_error *op_reap(struct pgt_model *m);
struct pgt_error *op_task(struct pgt_model *m, const struct pgt_event *ev);
/* The live record of pgd @id, or -1. */
static inline int32_t live_rec(const struct pgt_model *m, uint32_t id)
{
	if (!id || id >= m->by_id_cap || m->by_id[id].rec < 0)
		return -1;
	return m->by_id[id].rec;
}
struct pgt_error *not_allocated(const struct pgt_model *m, uint32_t id,
				const char *what);
void records_deinit(struct pgt_model *m);
/* pgd_alloc() of @ev->pgd, known not to be live; its record in *ret. */
struct pgt_error *pgd_alloc_rec(struct pgt_model *m, const struct pgt_event *ev,
				int32_t *ret);
void list_add(struct pgt_model *m, int32_t o);
/* m->zombies[0..nzombies) in list order, head first (see pgtable.c). */
void zombies_settle(struct pgt_model *m);
/* A pgd object at @index (in entries) of page @frame (a slab's). */
struct pgt_error *new_obj(struct pgt_model *m, uint32_t frame, uint16_t index,
			  int32_t *ret);
struct pgt_error *rec_new(struct pgt_model *m, int32_t *ret);
/* Pgd @id is live, in record @r (its copies made: see id_walk_update). */
struct pgt_error *id_set_live(struct pgt_model *m, uint32_t id, int32_t r);
/* Pgd @id was freed at line @line. */
struct pgt_error *id_set_freed(struct pgt_model *m, uint32_t id, uint64_t line);
/* What id_slot.wsum holds for live record @r: its xsum over the kernel slots. */
static inline uint64_t rec_wsum(const struct pgt_model *m, const struct rec *r)
{
	uint64_t sum = 0;
	for (int slot = m->L.user_pgds; slot < PGT_PTRS_PER_PGD; slot++)
		sum |= r->xsum[slot];
	return sum;
}
/* The id slot of live record @r takes its record's walk summary anew. */
void id_walk_update(struct pgt_model *m, const struct rec *r);
struct pgt_error *own_live_add(struct pgt_model *m, int32_t r);

/*
 * Each record on own_bits, in the order of m->recs: a loop over every copy
 * streams through the records' first lines instead of jumping about them
 * (at 10,000 live pgds, these loops were the model's main cache misses).
 * Usage: for_each_own_live(m, r) { ... r ... }; records must not join or
 * leave own_bits in the body.
 */
static inline int32_t own_live_next(const struct pgt_model *m, size_t from)
{
	size_t w = from / 64, nw = (m->nrecs + 63) / 64;
	if (w >= nw)
		return -1;
	uint64_t bits = m->own_bits[w] & (~UINT64_C(0) << (from % 64));
	while (!bits) {
		if (++w >= nw)
			return -1;
		bits = m->own_bits[w];
	}
	return (int32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
}

#define for_each_own_live(m, r)                                               \
	for (int32_t r##__i = (m)->nown_live ? own_live_next((m), 0) : -1;    \
	     r##__i >= 0; r##__i = own_live_next((m), (size_t)r##__i + 1))  \
		for (struct rec *r = &(m)->recs[r##__i]; r; r = NULL)

#define PID_DENSE (1 << 20)
/* The newest live record of @pid (>= 0), if any. */
static inline bool pid_get(const struct pgt_model *m, int32_t pid, int64_t *ret)
{
	if (pid < 0)
		return false;
	if (pid < PID_DENSE) {
		if ((size_t)pid >= m->pid_dense_cap || !m->pid_dense[pid])
			return false;
		*ret = m->pid_dense[pid] - 1;
		return true;
	}
	return idmap_get(&m->by_pid, (uint64_t)pid + 1, ret);
}
struct pgt_error *pid_put(struct pgt_model *m, int32_t pid, int32_t r);
void pid_del(struct pgt_model *m, int32_t pid);

/*
 * Record @r's counts that only a report reads, to write them: zeroed at
 * the first write since its pgd_alloc.
 */
static inline struct pgt_pgd_stats *rec_cold(struct pgt_model *m,
					     struct rec *r)
{
	struct pgt_pgd_stats *s = &m->stats[r - m->recs];
	if (!r->cold) {
		pgt_zero_small(s, sizeof(*s)); /* (see core/zero.h) */
		r->cold = true;
	}
	return s;
}

extern const struct pgt_pgd_stats rec_zero_stats;

/* The same, to read them: all zero when never written. */
static inline const struct pgt_pgd_stats *
rec_cold_peek(const struct pgt_model *m, const struct rec *r)
{
	return r->cold ? &m->stats[r - m->recs] : &rec_zero_stats;
}

/* Record @r's whole row, its counts and what its record keeps, for a report. */
const struct pgt_pgd_stats *rec_stats(struct pgt_model *m, int32_t r);

/* ---- adopt.c ---- */
/*
 * @id names a pgd no pgd_alloc made: adopt it when the configuration says
 * so (*ret: its record), else leave *ret at -1.  A pgd freed earlier in the
 * recording is never adopted.
 */
struct pgt_error *pgd_adopt(struct pgt_model *m, uint32_t id, int32_t *ret);
/* The pgds alive in the starting image. */
struct pgt_error *adopt_image_pgds(struct pgt_model *m);

/* ---- vmalloc.c ---- */
uint32_t swapper_pte_frame(const struct pgt_model *m, uint32_t va);
struct pgt_error *op_vmalloc(struct pgt_model *m, const struct pgt_event *ev);
struct pgt_error *op_vfree(struct pgt_model *m, const struct pgt_event *ev);

/* ---- pageattr.c ---- */
bool in_direct_map(const struct pgt_model *m, uint64_t va);
/* The event being applied wrote swapper's mapping of @n pages from @va. */
void pte_line_mark(struct pgt_model *m, uint32_t va, uint32_t n);
struct pgt_error *set_pmd_pte(struct pgt_model *m, uint32_t va, uint64_t val);
uint64_t cpa_prot(const struct pgt_model *m, const struct pgt_event *ev);
struct pgt_error *split_large_page(struct pgt_model *m, uint32_t va,
				   uint64_t large, uint64_t prot_of_va,
				   uint64_t ref_prot, uint32_t *ret);
bool current_prot(const struct pgt_model *m, uint32_t va, uint64_t *ret);
struct pgt_error *op_flush(struct pgt_model *m);

/* ---- fault.c ---- */
/*
 * A write through pgd object @o, which may be freed: into its own copy, a
 * freed page (reported), or a page since reused (reported; applied only to
 * kernel PMD pages).
 */
struct pgt_error *pmd_write_via(struct pgt_model *m, uint32_t f, int idx,
				uint64_t val, int32_t o);
/* set_pmd_pte()'s walk of pgd_list: every pgd on it gets @val. */
struct pgt_error *broadcast_pgd_list(struct pgt_model *m, int slot, int idx,
				     uint64_t val);
/*
 * One pass of a sync over pgd_list for the PMD entry of @va:
 * vmalloc_sync_one() on every pgd on the list, in list order.  @both: 6.1's
 * two-way presence sync.  @stop_on_miss: 2.6.x's loops stop at the first
 * pgd where vmalloc_sync_one() returns NULL.  *all_ret: no stop happened.
 */
struct pgt_error *sync_pgd_list(struct pgt_model *m, uint32_t va, bool both,
				bool stop_on_miss, bool *all_ret);
struct pgt_error *op_access(struct pgt_model *m, const struct pgt_event *ev,
			    bool observed);
struct pgt_error *op_switch(struct pgt_model *m, const struct pgt_event *ev);

#endif
