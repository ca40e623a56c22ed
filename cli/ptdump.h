/* SPDX-License-Identifier: MIT */
/*
 * Printing merged page-table ranges in the style of the kernel's ptdump
 * (/sys/kernel/debug/page_tables/kernel), as text or JSON.  Shared by
 * `dump pgd` on a replay and on a memory image.
 */
#ifndef PGTRACE_CLI_PTDUMP_H
#define PGTRACE_CLI_PTDUMP_H

#include <stdio.h>

#include "cli/json.h"
#include "core/layout.h"
#include "core/walk.h"

/* An area of the address space as the kernel's ptdump names it. */
struct ptdump_marker {
	uint64_t start;
	const char *name; /* "User Space", "Kernel Mapping", "vmalloc() Area", ... */
};

#define PTDUMP_MAX_MARKERS 9

/*
 * The kernel ptdump's address markers for x86-32 (arch/x86/mm/
 * dump_pagetables.c of Linux 6.1) from layout @L, in address order: User
 * Space, Kernel Mapping, vmalloc() Area, vmalloc() End, Persistent kmap()
 * Area (HIGHMEM), LDT remap and CPU entry area (6.1), Fixmap area.  With
 * @L NULL, only the first two, at @page_offset.  Returns how many.
 */
int ptdump_markers(const struct pgt_layout *L, uint32_t page_offset,
		   struct ptdump_marker ret[PTDUMP_MAX_MARKERS]);

/* Optional symbolizer: writes "name+0xoff" for @addr into @buf, or "". */
typedef void (*pgt_symbolize_fn)(void *arg, uint64_t addr, char *buf,
				 size_t size);

struct ptdump_printer {
	FILE *f;
	struct json *json;  /* non-NULL: emit JSON objects into the open array */
	bool mark_differs;  /* add the "differs" column / key */
	pgt_symbolize_fn symbolize; /* may be NULL */
	void *symbolize_arg;
	/* Area markers (ptdump_markers()): a "---[ NAME ]---" line before
	 * the first range of each area (text), an "area" key (JSON); ranges
	 * are split where an area begins. */
	const struct ptdump_marker *markers;
	int nmarkers, next_marker;
	uint64_t ranges, differing;  /* counters filled while printing */
};

/*
 * One text line per range:
 *   0xc0000000-0xc0200000      2M     RW         PSE GLB NX pmd  DIFF
 * (range, size, USR, RW/ro, PWT, PCD, PSE, GLB, NX/x, level, and "DIFF"
 * where the PDE differs from the reference).  Non-present ranges print no
 * flags.
 */
struct pgt_error *ptdump_print_range(const struct pgt_range *r, void *arg);

/* Format a size as the kernel's ptdump does ("4K", "2M", "1G", "896M"). */
void ptdump_format_size(uint64_t size, char *buf, size_t len);

#endif
