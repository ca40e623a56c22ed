/* SPDX-License-Identifier: MIT */
/*
 * The kernel's SHARED_KERNEL_PMD setting (the replay policy) from evidence,
 * when no --shared/--unshared says it:
 *
 * - a recording: 6.1 allocates a pgd from the 32-byte pgd_cache slab when
 *   the kernel PMD is shared, and as an 8 KiB-aligned page pair (PTI:
 *   kernel half, user half) or a page (Xen PV) when it is not, so the
 *   addresses pgd_alloc returns and pgd_free names tell the policy;
 *   arch_sync_kernel_mappings and pti_clone_pgtable run only unshared
 *   (PTI);
 * - a memory image: a pgd whose first kernel slot points at swapper_pg_dir's
 *   kernel PMD page shares it; one with its own page does not.
 *
 * A single pgd that is not page-aligned proves a slab (shared); page
 * alignment proves little alone (one slab object in 128 starts a page), so
 * the recording settles on unshared after INFER_ALIGNED_ENOUGH aligned pgds
 * and none unaligned, or at the first sync or pti_clone.  A trace that
 * names pgds by ID rather than address (hand-written) settles at once:
 * the rest cannot tell more.
 */
#ifndef PGTRACE_CLI_INFER_H
#define PGTRACE_CLI_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/model.h"
#include "core/physmem.h"

#define INFER_ALIGNED_ENOUGH 8

/* What the evidence says. */
enum infer_verdict {
	INFER_NONE = 0,  /* nothing either way */
	INFER_SHARED,
	INFER_UNSHARED,
	INFER_CONFLICT,  /* evidence both ways */
};

/* Where the replayed policy came from. */
enum infer_source {
	INFER_FROM_DEFAULT = 0, /* no option, no machine line, no evidence */
	INFER_FROM_OPTION,      /* --shared / --unshared */
	INFER_FROM_MACHINE,     /* the trace's machine line (policy=) */
	INFER_FROM_RECORDING,   /* the recording's events */
	INFER_FROM_IMAGE,       /* the start image's pgds */
};

struct infer_evidence {
	/* pgd addresses named by pgd_alloc and pgd_free (distinct or not) */
	uint64_t pair_pgds;  /* 8 KiB-aligned */
	uint64_t page_pgds;  /* page-aligned, not 8 KiB */
	uint64_t slab_pgds;  /* 32-byte aligned, not page-aligned */
	uint64_t named_pgds; /* named by an ID, not an address: no evidence */
	uint64_t sync_ranges; /* arch_sync_kernel_mappings calls */
	uint64_t pti_clones;  /* pti_clone_pgtable calls (set by the caller) */
	uint64_t first_slab_line, first_sync_line; /* 0: none */
	/* pgds read in an image */
	uint64_t image_shared, image_own;
};

/* What a pgd name shows: an ID, or an address by its alignment. */
enum infer_name_class {
	INFER_NAME_ID,    /* not an address: no evidence */
	INFER_NAME_PAIR,  /* 8 KiB-aligned */
	INFER_NAME_PAGE,  /* page-aligned, not 8 KiB */
	INFER_NAME_SLAB,  /* 32-byte aligned, not page-aligned */
	INFER_NAME_OTHER, /* none of these: no evidence */
};

/*
 * What each pgd name showed, by string-table id, so that a name met again
 * (a recording names the same few pages millions of times) costs a byte
 * read rather than a look-up and a conversion.
 */
struct infer_names {
	uint8_t *cls; /* per id: 0 not seen yet, else enum infer_name_class + 1 */
	size_t cap;
};

void infer_names_deinit(struct infer_names *n);

/* infer_class() of a name not remembered yet: worked out, remembered. */
enum infer_name_class infer_class_new(struct infer_names *n, uint32_t id,
				      const struct pgt_strtab *tab);

/* The class of pgd name @id; @n (may be NULL) remembers classes. */
static inline enum infer_name_class infer_class(struct infer_names *n,
						uint32_t id,
						const struct pgt_strtab *tab)
{
	if (n && id < n->cap && n->cls[id])
		return (enum infer_name_class)(n->cls[id] - 1);
	return infer_class_new(n, id, tab);
}

/*
 * Count what @ev shows; pgd names that are not addresses are no evidence.
 * @names (may be NULL) remembers what each name showed.  Inline, the
 * remembered class too: it runs for every event (a call was 3% of the
 * reading thread's instructions on a churn trace).
 */
static inline void infer_event(struct infer_evidence *e,
			       const struct pgt_event *ev,
			       const struct pgt_strtab *tab,
			       struct infer_names *names)
{
	switch (ev->op) {
	case PGT_OP_PGD_ALLOC:
	case PGT_OP_PGD_FREE:
		switch (infer_class(names, ev->pgd, tab)) {
		case INFER_NAME_ID:
			e->named_pgds++;
			break;
		case INFER_NAME_PAIR:
			e->pair_pgds++;
			break;
		case INFER_NAME_PAGE:
			e->page_pgds++;
			break;
		case INFER_NAME_SLAB:
			if (!e->slab_pgds)
				e->first_slab_line = ev->line;
			e->slab_pgds++;
			break;
		case INFER_NAME_OTHER:
			break;
		}
		return;
	case PGT_OP_SYNC_RANGE:
		if (!e->sync_ranges)
			e->first_sync_line = ev->line;
		e->sync_ranges++;
		return;
	default:
		return;
	}
}

/* The recording's verdict, and whether it is settled (no need to read on). */
enum infer_verdict infer_recording(const struct infer_evidence *e);
bool infer_recording_settled(const struct infer_evidence *e);

/*
 * Read the first kernel slot of each pgd at physical @pgd_pas[i] (PDPTs)
 * in @mem and count those that point at swapper's kernel PMD page (at
 * @swapper_pa) and those that do not; swapper itself, unreadable pgds and
 * absent slots are not counted.  @page_offset is PAGE_OFFSET.
 */
void infer_image(const struct pgt_physmem *mem, uint64_t swapper_pa,
		 uint32_t page_offset, const uint64_t *pgd_pas, size_t n,
		 struct infer_evidence *e);
enum infer_verdict infer_image_verdict(const struct infer_evidence *e);

/* The decision and how to say it. */
struct infer_policy {
	enum pgt_policy policy;
	enum infer_source source;
	char why[320];     /* "the recording: ..." (follows "policy from ") */
	char warning[400]; /* non-empty: evidence contradicts the policy used */
};

/*
 * Decide: an option (@has_option, @option) over the machine line
 * (@machine's PGT_MACHINE_POLICY) over the image's verdict over the
 * recording's over the default (shared).  Evidence against the policy
 * chosen, or recording against image, goes into ret->warning.
 */
void infer_decide(bool has_option, enum pgt_policy option,
		  const struct pgt_machine *machine,
		  const struct infer_evidence *e, struct infer_policy *ret);

/* "option", "machine line", "recording", "image", "default". */
const char *infer_source_name(enum infer_source s);

/*
 * For check: true when the recording and the image settle on different
 * policies, with a sentence saying so in @buf.
 */
bool infer_contradiction(const struct infer_evidence *e, char *buf,
			 size_t len);

#endif
