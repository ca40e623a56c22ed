/* SPDX-License-Identifier: MIT */
/*
 * The kernel virtual memory layout of an x86-32 PAE kernel, derived from a
 * machine description exactly as the modelled kernel derives it at boot.
 */
#ifndef PGTRACE_CORE_LAYOUT_H
#define PGTRACE_CORE_LAYOUT_H

#include <stdint.h>

#include "error.h"
#include "event.h"

enum pgt_kernel {
	PGT_KERNEL_DEFAULT = 0, /* not chosen: the trace's, else 2.6.21 */
	PGT_KERNEL_2_6_21,      /* the seed patch's kernel (2.6.21/2.6.22) */
	PGT_KERNEL_6_1,         /* Linux 6.1 */
};

/* "2.6.21", "6.1". */
const char *pgt_kernel_name(enum pgt_kernel k);
/* Parse "2.6.21", "2.6.22" (same rules) or "6.1"; 0 when unknown. */
enum pgt_kernel pgt_kernel_parse(const char *s);

struct pgt_layout {
	enum pgt_kernel kernel;
	uint32_t page_offset;   /* PAGE_OFFSET == TASK_SIZE */
	uint64_t lowmem;        /* bytes direct-mapped */
	uint64_t max_lowmem;    /* MAXMEM: the most lowmem this split allows */
	uint32_t high_memory;   /* PAGE_OFFSET + lowmem */
	uint32_t vmalloc_start; /* VMALLOC_START */
	uint32_t vmalloc_end;   /* VMALLOC_END */
	uint32_t pkmap_base;    /* PKMAP_BASE (0 without HIGHMEM) */
	uint32_t pkmap_end;     /* PKMAP_BASE + LAST_PKMAP pages */
	uint32_t fixaddr_start; /* FIXADDR_START */
	uint32_t fixaddr_boot_start; /* FIXADDR_BOOT_START (2.6.21) */
	uint32_t fixaddr_top;   /* FIXADDR_TOP */
	uint32_t etext;         /* _etext: end of kernel text */
	uint32_t init_end;      /* __init_end: end of the init sections */
	uint32_t idt_table;     /* idt_table, 0: unknown */
	uint32_t text_start;    /* _text */
	uint32_t ldt_base, ldt_end;   /* 6.1: LDT_BASE_ADDR .. +LDT_END */
	uint32_t cpu_entry_area_base; /* 6.1: CPU_ENTRY_AREA_BASE */
	uint32_t cpu_entry_area_end;
	int kernel_pgds;        /* KERNEL_PGD_PTRS: pgd slots >= page_offset */
	int user_pgds;          /* USER_PTRS_PER_PGD */
};

/*
 * Derive the layout of kernel @k on machine @m.  Invalid combinations
 * (page_offset not one of the three splits, lowmem too large or not
 * page-aligned) are PGT_ERROR_INVALID errors.
 */
struct pgt_error *pgt_layout_init(const struct pgt_machine *m,
				  enum pgt_kernel k, struct pgt_layout *ret);

#endif
