/* SPDX-License-Identifier: MIT */
/*
 * The replay model: the x86-32 PAE page-table core of the modelled kernel
 * (the 2007 seed patch, Linux 2.6.21/2.6.22; or Linux 6.1) over a simulated
 * physical memory of 4 KiB frames holding real 64-bit PAE entries.
 *
 * Events go in one at a time (pgt_model_apply); the model keeps, per pgd,
 * its kernel-PMD divergence from swapper_pg_dir incrementally, and counts
 * what each policy costs.  No I/O, no formatting.
 */
#ifndef PGTRACE_CORE_MODEL_H
#define PGTRACE_CORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "layout.h"
#include "physmem.h"

enum pgt_policy {
	PGT_POLICY_SHARED = 0, /* SHARED_KERNEL_PMD = 1 (bare hardware, nopti) */
	PGT_POLICY_UNSHARED,   /* SHARED_KERNEL_PMD = 0 (Xen PV, PTI) */
};

enum pgt_sync {
	PGT_SYNC_SEED = 0, /* vmalloc_sync_all as the seed: PGDIR_SIZE stride */
	PGT_SYNC_PMD,      /* Linux 2.6.35: PMD_SIZE stride over the vmalloc area */
};

const char *pgt_policy_name(enum pgt_policy p); /* "shared", "unshared" */
const char *pgt_sync_name(enum pgt_sync s);     /* "seed", "pmd" */

struct pgt_pgd_stats;

/*
 * When 2.6.21's pgd slab cache destroys slabs (running pgd_dtor(), which
 * takes an unshared pgd off pgd_list): SLAB's own free_limit in free_block()
 * and cache_reap() every 2 s of trace time (the kernel's, the default); the
 * free_limit only; or only at a recorded reap (kmem_cache_shrink).
 */
enum pgt_reap {
	PGT_REAP_SLAB = 0,
	PGT_REAP_LIMIT,
	PGT_REAP_RECORD,
};

/*
 * Which freed page a page-table allocation gets: the most recently freed
 * first (LIFO, the default: the buddy allocator's per-CPU lists hand back
 * the hottest page), or never a freed one (freed pages go to other users:
 * a finding of a write into a page "since reused as a page table" cannot
 * arise).
 */
enum pgt_reuse {
	PGT_REUSE_LIFO = 0,
	PGT_REUSE_NONE,
};

const char *pgt_reap_name(enum pgt_reap r);   /* "slab", "limit", "record" */
const char *pgt_reuse_name(enum pgt_reuse r); /* "lifo", "none" */

struct pgt_model_config {
	enum pgt_policy policy;
	enum pgt_sync sync;
	enum pgt_reap reap;
	enum pgt_reuse page_reuse;
	enum pgt_kernel kernel; /* never PGT_KERNEL_DEFAULT here */
	struct pgt_machine machine;
	/*
	 * The kernel the trace was recorded on, when it is not @kernel: its
	 * layout decides which addresses events may name (a 6.1 recording's
	 * vmalloc area is not 2.6.21's); the model's rules stay @kernel's.
	 */
	enum pgt_kernel trace_kernel;
	/*
	 * A real starting state: when @image is set, swapper_pg_dir (at
	 * physical @image_swapper_pa), its kernel PMD pages and the kernel
	 * PTE pages they point to are copied from it, at their real physical
	 * addresses, instead of the synthetic boot state.  Only read during
	 * pgt_model_create().
	 */
	const struct pgt_physmem *image;
	uint64_t image_swapper_pa;
	/* Notes kept per kind (the rest are only counted); 0: all. */
	uint64_t notes_limit;
	/*
	 * Called with each freed pgd's record that has findings
	 * (pgt_pgd_has_findings()), or with every one when @retire_all, as
	 * pgd_free retires it, in the order the pgds are freed; may be NULL.
	 * The model keeps the live pgds' records only: its memory follows
	 * the live pgds, not every pgd ever seen, and what becomes of a freed
	 * pgd's row is the caller's.  The rest are counted
	 * (pgt_model_pgds_dropped()) without the model reading more of them
	 * than pgd_free needs.
	 */
	void (*retire)(void *ctx, const struct pgt_pgd_stats *s);
	void *retire_ctx;
	bool retire_all;
	/*
	 * A recording that starts on a running machine: a pgd it names before
	 * any pgd_alloc (a pgd_free, a switch, an access or fault) is adopted,
	 * alive since before the recording, its kernel PMD in step with
	 * swapper's when first named.  Off: such a pgd is an input error.
	 */
	bool adopt;
	/*
	 * With @image: pgds alive in it (on pgd_list when unshared), taken
	 * with their own tables as live adopted pgds; and the vmalloc area's
	 * PTEs kept as the image has them (the recording goes on from there)
	 * rather than left to the trace.
	 */
	const struct pgt_image_pgd *image_pgds;
	size_t nimage_pgds;
	bool image_keep_vmalloc;
};

/* A pgd alive in a starting image: its string-table id and where it is. */
struct pgt_image_pgd {
	uint32_t id;
	uint64_t pa;
};

/* Per-pgd results.  One record per pgd_alloc (an ID reused later gets a new one). */
struct pgt_pgd_stats {
	uint32_t id;        /* strtab id of the pgd */
	uint64_t serial;    /* its pgd_alloc's rank in the replay, from 1 */
	bool adopted;       /* named before any pgd_alloc: history unknown */
	bool live;          /* not freed yet */
	uint32_t mm;        /* strtab id of the mm, 0 when unknown */
	int32_t pid;        /* allocating task, -1 when unknown */
	uint32_t comm;      /* strtab id of its comm, 0 when unknown */
	bool own_kernel_pmd;   /* kernel slots point at private copies */
	uint64_t alloc_line, free_line; /* event lines (0: none) */
	uint64_t pa;           /* physical address of the pgd */
	/* Divergence now (for a live pgd; frozen at free otherwise). */
	uint32_t missing, stale, different;
	uint32_t max_divergent;     /* most divergent entries at any time */
	uint64_t max_line;          /* line of the event that first reached the max */
	uint64_t first_divergence_line; /* first event that made it diverge */
	uint64_t faults;   /* vmalloc faults taken (modelled) */
	uint64_t hazards;  /* faults in a context that may not take one */
	uint64_t oopses;   /* kernel faults vmalloc_fault could not fix */
	uint64_t first_hazard_line;
};

/* How one kernel PMD entry of a pgd relates to swapper's. */
enum pgt_div {
	PGT_DIV_EQUAL = 0, /* the same, or both absent */
	PGT_DIV_MISSING,   /* present in swapper, absent here */
	PGT_DIV_STALE,     /* present here, absent in swapper */
	PGT_DIV_DIFFERENT, /* both present, other target or flags */
};

/* "equal", "missing", "stale", "different". */
const char *pgt_div_name(enum pgt_div d);
enum pgt_div pgt_div_of(uint64_t mine, uint64_t swapper);

static inline uint32_t pgt_pgd_divergent(const struct pgt_pgd_stats *s)
{
	return s->missing + s->stale + s->different;
}

/*
 * Did anything happen to this pgd a report shows: it diverged, took a
 * fault (hazard, oops), or was adopted with an unknown history?
 */
static inline bool pgt_pgd_has_findings(const struct pgt_pgd_stats *s)
{
	return s->max_divergent || s->faults || s->hazards || s->oopses ||
	       s->adopted;
}

/* What a policy costs, counted as the modelled kernel does the work. */
struct pgt_costs {
	uint64_t events;
	uint64_t pgd_bytes, pgd_bytes_peak;       /* pgd objects allocated */
	uint64_t pmd_pages, pmd_pages_peak;       /* all PMD pages (user + kernel) */
	uint64_t kernel_pmd_copies, kernel_pmd_copies_peak; /* private kernel PMDs */
	uint64_t pte_pages, pte_pages_peak;       /* kernel PTE pages */
	uint64_t pgtable_bytes, pgtable_bytes_peak; /* all of the above, bytes */
	uint64_t pgd_list_walks;      /* traversals of pgd_list */
	uint64_t pgd_list_visits;     /* pgds visited during them */
	uint64_t sync_calls;          /* vmalloc_sync_all / arch_sync_kernel_mappings */
	uint64_t sync_entries_examined;
	uint64_t sync_entries_written;
	uint64_t broadcasts;          /* set_pmd_pte broadcasts over pgd_list */
	uint64_t broadcast_entries_written;
	uint64_t pmd_copy_entries;    /* entries copied by pgd_alloc (pmd_cache_alloc) */
	uint64_t faults;              /* vmalloc faults taken */
	uint64_t hazards;             /* faults where none may be taken (ctx=nmi) */
	uint64_t oopses;              /* kernel faults not fixed up */
	uint64_t uaf_writes;          /* writes into freed page-table pages */
	uint64_t corrupting_writes;   /* ... into such pages since reused */
	uint64_t bugs;                /* BUG_ON()s the kernel would hit */
	uint64_t cpa_splits, cpa_reverts, deferred_frees;
	uint64_t observed_faults, observed_predicted;
	uint64_t user_faults;         /* observed faults on user addresses (not modelled) */
	uint64_t unresolved_faults;   /* observed faults whose pgd the recording does not tell */
	uint64_t adopted_pgds;        /* pgds alive before the recording (config.adopt) */
	uint64_t adopted_vfrees;      /* vfrees of mappings made before the recording */
};

/* A finding worth a line in a report (hazard, oops, BUG, unexplained fault). */
enum pgt_note_kind {
	PGT_NOTE_HAZARD = 0, /* a vmalloc fault in NMI context */
	PGT_NOTE_OOPS,       /* a kernel fault nothing fixes */
	PGT_NOTE_BUG,        /* a BUG_ON the kernel would hit */
	PGT_NOTE_UAF,        /* a write into a freed page-table page */
	PGT_NOTE_CORRUPT,    /* a write into a freed page since reused */
	PGT_NOTE_UNPREDICTED, /* an observed fault the model did not predict */
	PGT_NOTE_PREDICTED,  /* an observed fault the model predicted */
	PGT_NOTE__COUNT,
};

const char *pgt_note_kind_name(enum pgt_note_kind k);

struct pgt_note {
	enum pgt_note_kind kind;
	uint64_t line;
	uint32_t pgd;   /* strtab id, 0 when none */
	uint64_t addr;
	bool has_ip;
	uint64_t ip;
	const char *what;  /* CORRUPT: what the page is now ("a PTE page", ...) */
	bool applied;      /* CORRUPT: the write was carried out (a kernel PMD) */
	uint32_t victim;   /* CORRUPT: strtab id of the pgd whose copy it is */
};

struct pgt_model;

struct pgt_error *pgt_model_create(const struct pgt_model_config *cfg,
				   struct pgt_model **ret);
void pgt_model_destroy(struct pgt_model *m);

/*
 * Apply one event.  An event the model cannot take (an unknown or freed
 * pgd, an address outside the area the operation acts on, an overlapping
 * vmalloc) is a PGT_ERROR_INPUT error saying what is wrong; the caller adds
 * FILE:LINE.  Events that carry only information (TASK, LABEL, MODULE,
 * MACHINE) are accepted and ignored.
 */
struct pgt_error *pgt_model_apply(struct pgt_model *m,
				  const struct pgt_event *ev);

/*
 * A hint that @ev will be applied soon: stage 0 brings in where its pgd's
 * record is found, stage 1 (a few events later) the record itself, stage
 * 2 (later still) what a pgd_free's record points at.  Stage 0 returns
 * the later stages that have work for @ev (bit s: stage s), and only
 * those need calling; the later stages return 0.  Has no effect on
 * results; callers applying batches use it to hide memory latency.
 */
unsigned pgt_model_prefetch(const struct pgt_model *m,
			    const struct pgt_event *ev, int stage);

/*
 * Whether pgt_model_prefetch() pays for itself now: only with enough live
 * pgds that their records and tables no longer stay in the caches.
 */
bool pgt_model_prefetch_pays(const struct pgt_model *m);

/*
 * Recount what the model keeps incrementally and compare (each live pgd's
 * divergence from its tables, its place on pgd_list under the kernel's
 * rules, the explicit-entry bookkeeping): a PGT_ERROR_INVALID error naming
 * the first invariant broken.  Slow (O(live pgds x 512)): for tests and
 * fuzzing.
 */
struct pgt_error *pgt_model_check(const struct pgt_model *m);

const struct pgt_layout *pgt_model_layout(const struct pgt_model *m);
const struct pgt_model_config *pgt_model_config(const struct pgt_model *m);
const struct pgt_costs *pgt_model_costs(const struct pgt_model *m);

/*
 * The live pgds' records, in allocation order (freed ones went to
 * config.retire).  Not to be called while events are being applied.
 */
size_t pgt_model_npgds(const struct pgt_model *m);
const struct pgt_pgd_stats *pgt_model_pgd(const struct pgt_model *m, size_t i);
/* Freed records retired with nothing to show (no pgt_pgd_has_findings()). */
uint64_t pgt_model_pgds_dropped(const struct pgt_model *m);
/* The live record for pgd @id, or NULL. */
const struct pgt_pgd_stats *pgt_model_find_pgd(const struct pgt_model *m,
					       uint32_t id);

/* Kept notes in the order they happened (at most notes_limit per kind). */
size_t pgt_model_nnotes(const struct pgt_model *m);
const struct pgt_note *pgt_model_note(const struct pgt_model *m, size_t i);
/* How many notes of kind @k happened, kept or not. */
uint64_t pgt_model_note_count(const struct pgt_model *m, enum pgt_note_kind k);

/*
 * The line of the last event that wrote swapper's kernel PMD entry
 * (@slot, @idx), 0 when no event did (it is as boot, or the image, left it).
 */
uint64_t pgt_model_swapper_line(const struct pgt_model *m, int slot, int idx);

/*
 * The line of the last event that wrote swapper's mapping of the kernel
 * page at @va (its PTE, or the large PDE over it), 0 when none did.
 */
uint64_t pgt_model_pte_line(const struct pgt_model *m, uint32_t va);

/* Is kernel PMD entry @idx of @slot left out of divergence (6.1's LDT)? */
bool pgt_model_excluded_entry(const struct pgt_model *m, int slot, int idx);

/* The model's physical memory, for the walker (core/walk.h). */
struct pgt_physmem pgt_model_physmem(const struct pgt_model *m);
/* CR3 values: swapper_pg_dir, and a live pgd's (0 when not live). */
uint64_t pgt_model_swapper_cr3(const struct pgt_model *m);
uint64_t pgt_model_pgd_cr3(const struct pgt_model *m, uint32_t id);

/*
 * The kernel PMD entry @idx (0..511) of pgd slot @slot for pgd @id (0:
 * swapper).  For tests and reports.
 */
uint64_t pgt_model_kernel_pmd_entry(const struct pgt_model *m, uint32_t id,
				    int slot, int idx);

#endif
