/* SPDX-License-Identifier: MIT */
/*
 * check's comparison below the kernel PMD: swapper_pg_dir's whole kernel
 * half, model against image, area by area.
 */
#ifndef PGTRACE_CLI_CHECK_TABLES_H
#define PGTRACE_CLI_CHECK_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/json.h"
#include "core/model.h"
#include "core/physmem.h"
#include "formats/symbols.h"

enum check_area {
	CA_DIRECT,  /* PAGE_OFFSET .. high_memory */
	CA_VMALLOC, /* high_memory .. VMALLOC_END (the gap included) */
	CA_PKMAP,   /* the PMD entries of the pkmap area */
	CA_FIXMAP,  /* the rest: LDT, cpu_entry_area, fixmap */
	CA__COUNT,
};

struct check_area_result {
	uint32_t start, end;           /* [start, end) of its PMD entries */
	uint64_t pmd_agree, pmd_disagree;
	/*
	 * Differences no event of the recording wrote, of a kind boot code
	 * running before the probes were active makes (see check_tables_run):
	 * not determined by the recording, listed, not counted as disagreement.
	 */
	uint64_t pmd_before;
	uint64_t pages_agree, pages_disagree, pages_before;
	uint64_t pages_undetermined;    /* mapped, not compared: the recording cannot tell */
};

/* A run of disagreeing pages (or one PMD entry, pmd true). */
struct check_table_diff {
	enum check_area area;
	bool pmd;
	uint32_t start, end;
	uint64_t model, image;         /* the first page's entries */
	int model_level, image_level;  /* 0 absent, 1 PTE, 2 large PDE */
	uint64_t line;                 /* last write by the recording, 0 none */
	bool before;                   /* counted in *_before */
};

struct check_tables {
	struct check_area_result area[CA__COUNT];
	struct check_table_diff *diffs;
	size_t ndiffs, diffs_cap;
	bool agree; /* no disagreement on anything compared */
};

/*
 * The symbols the model's boot and cpa use (_etext, __init_end, idt_table),
 * from @syms into @m where neither an option nor the trace set them.
 */
void check_tables_machine(const struct pgt_symbols *syms, struct pgt_machine *m);

/*
 * Compare the model's swapper with the image's (whose PDPT is at physical
 * @swapper_pa) over the kernel half.  In the direct map every 4 KiB page
 * (present, level, target, protections); elsewhere every PMD entry
 * (presence, flags) and, in the vmalloc area, the presence of the PTEs the
 * recording wrote.  Accessed and dirty bits are not compared.  A difference
 * on an entry no event wrote is boot's before the probes were active when
 * it is one set_memory_ro/rw/x/nx() makes (a leaf of the same target
 * differing in RW, NX or page size only; a direct-map PDE split) or, in the vmalloc
 * area, a PDE populated for a mapping made before the recording; any other
 * difference is a disagreement.
 */
struct pgt_error *check_tables_run(const struct pgt_model *m,
				   const struct pgt_physmem *image,
				   uint64_t swapper_pa, struct check_tables *ret);
void check_tables_deinit(struct check_tables *ct);

/* The text section of check's report (@trace names the lines). */
void check_tables_print(const struct check_tables *ct, const char *trace,
			int max_listed, FILE *f);
/* The same as a "tables" member of check's JSON object. */
void check_tables_json(const struct check_tables *ct, int max_listed,
		       struct json *j);

#endif
