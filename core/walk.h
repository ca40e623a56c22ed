/* SPDX-License-Identifier: MIT */
/*
 * The PAE page-table walker and the ptdump-style range iterator.  Both read
 * through struct pgt_physmem, so they serve the replay model and memory
 * images alike.
 */
#ifndef PGTRACE_CORE_WALK_H
#define PGTRACE_CORE_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "pae.h"
#include "physmem.h"

enum pgt_level {
	PGT_LEVEL_PTE = 1,
	PGT_LEVEL_PMD = 2,
	PGT_LEVEL_PGD = 3,
};

/* "pte", "pmd" or "pgd" (the kernel ptdump's names). */
const char *pgt_level_name(enum pgt_level level);

struct pgt_walk_step {
	enum pgt_level level;
	uint64_t entry_pa; /* where the entry was read */
	uint64_t entry;    /* its value */
};

/*
 * The result of translating one virtual address, as the MMU would
 * (mirrors the kernel's lookup_address() plus the hardware's permission
 * combination).
 */
struct pgt_walk {
	int nsteps;
	struct pgt_walk_step step[3];
	bool present;          /* the address is mapped */
	enum pgt_level level;  /* level of the leaf, or where the walk stopped */
	uint64_t page_size;    /* 4 KiB or 2 MiB when present */
	uint64_t pa;           /* translated physical address when present */
	uint64_t leaf;         /* the leaf entry (0 when not present) */
	bool user, writable, nx; /* effective permissions (AND/AND/OR) */
	/*
	 * Reserved bits set in the entry at @rsvd_level (the last step), or
	 * for PGT_LEVEL_PGD in PDPTE @rsvd_slot, which may not be the one
	 * @va goes through: 0 when none.  The MMU does not translate then
	 * (@present is false): a page fault with RSVD in the error code, or
	 * for a PDPTE a #GP already when CR3 is loaded.
	 */
	uint64_t rsvd;
	enum pgt_level rsvd_level;
	int rsvd_slot;
};

/*
 * Translate @va through the PAE tables rooted at @cr3 (a CR3 value: the
 * PDPT is at bits 5..31).  An entry that cannot be read (outside memory) is
 * a PGT_ERROR_FAULT error naming the entry.  Reserved bits are checked as
 * the MMU does (pgt_walk.rsvd): in all four PDPTEs, then in each entry of
 * the walk.
 */
struct pgt_error *pgt_walk(const struct pgt_physmem *mem, uint64_t cr3,
			   uint32_t va, struct pgt_walk *ret);

/* Read the 4 PDPTEs of the pgd at physical @pa (a CR3's PDPT address). */
struct pgt_error *pgt_read_pdpt(const struct pgt_physmem *mem, uint64_t pa,
				uint64_t ret[PGT_PTRS_PER_PGD]);

/* Read the 512 entries of the table page at physical @pa. */
struct pgt_error *pgt_read_table(const struct pgt_physmem *mem, uint64_t pa,
				 uint64_t ret[PGT_PTRS_PER_PMD]);

/* One merged range of a ptdump-style dump. */
struct pgt_range {
	uint64_t start, end;   /* [start, end), end may be 1 << 32 */
	bool present;
	enum pgt_level level;  /* leaf level, or where the walk found nothing */
	uint64_t flags;        /* leaf entry flags (PGT_FLAGS_MASK bits) */
	bool user, writable, nx; /* effective permissions */
	bool differs;          /* the PDE (or PDPTE) differs from the reference */
	/*
	 * Not present because reserved bits (these) are set in the entry at
	 * @level; for PGT_LEVEL_PGD, in a PDPTE of the CR3 (any of the four:
	 * loading it raises #GP, so nothing is mapped).  0 when none.
	 */
	uint64_t rsvd;
};

typedef struct pgt_error *(*pgt_range_fn)(const struct pgt_range *range,
					  void *arg);

/*
 * Call @fn for each maximal range of [start, end) whose leaf flags, level,
 * presence and "differs" status are the same, in address order, like the
 * kernel's ptdump (note_page()).  @ref_cr3, when not 0, names the reference
 * tables (swapper_pg_dir): a range is marked "differs" where the PDPTE or
 * PDE that maps it is not the reference's.  Accessed and dirty bits are
 * ignored for merging.  A non-NULL return from @fn stops the walk and is
 * returned.
 */
struct pgt_error *pgt_ranges(const struct pgt_physmem *mem, uint64_t cr3,
			     uint64_t ref_cr3, uint64_t start, uint64_t end,
			     pgt_range_fn fn, void *arg);

#endif
