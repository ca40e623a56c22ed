/* SPDX-License-Identifier: MIT */
/*
 * `pgtrace dump`: a pgd's tables, replayed from a trace (cli/dump_model.c)
 * or read from a memory image (cli/dump.c), and the memory-image helpers
 * `translate` shares: opening an image with its symbols, deriving the
 * kernel layout, naming a pgd.
 */
#ifndef PGTRACE_CLI_DUMP_H
#define PGTRACE_CLI_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/json.h"
#include "cli/modelopts.h"
#include "core/physmem.h"
#include "formats/elfcore.h"
#include "formats/symbols.h"

enum dump_what {
	DUMP_PGD = 1, /* dump pgd SPEC [TRACE] */
	DUMP_PGDS,    /* dump pgds --core IMAGE [ADDR...] */
};

/* Every option of `pgtrace dump`, as parsed. */
struct dump_args {
	/* Replay options (policy, machine, --format, --at, --all, --json);
	 * model.json is --json and model.machine.page_offset (when
	 * model.machine.set has PGT_MACHINE_PAGE_OFFSET) is --page-offset for
	 * images too. */
	struct model_opts model;
	enum dump_what what;
	const char *pgd;     /* pgd: a trace's pgd ID, or swapper|cr3|ADDR */
	const char *trace;   /* pgd: the TRACE argument; pgds: --trace */
	const char *core;    /* --core IMAGE: read a memory image */
	const char *symbols; /* --symbols FILE */
	int cpu;             /* --cpu N (default 0) */
	bool info_mem;       /* --info-mem: QEMU's `info mem` format */
	bool user_half;      /* --user-half: the PTI user pgd, 4 KiB above */
	char **addrs;        /* pgds: pgds given by address */
	int naddrs;
};

/*
 * The replay-based dump (`dump pgd ID TRACE` without --core): replays
 * a->trace with the model options and prints pgd a->pgd.  Returns the exit
 * status.  Implemented in cli/dump_model.c.
 */
int dump_model_pgd(const struct dump_args *a);

/* A memory image with what is known about its kernel. */
struct dump_image {
	struct pgt_elfcore *core;
	struct pgt_symbols *syms;   /* NULL without --symbols */
	struct pgt_physmem mem;
	uint32_t page_offset;
	const char *page_offset_how; /* how page_offset was found, for people */
	bool has_swapper;
	uint64_t swapper_va, swapper_pa;
};

/*
 * Open image @core and symbols @symbols (may be NULL) and derive the
 * layout.  PAGE_OFFSET is @page_offset when @has_page_offset; else
 * startup_32 - phys_startup_32 (the linker script's LOAD_OFFSET); else
 * _text rounded down to 256 MiB (the kernel is loaded below 256 MiB
 * physical); else 0xc0000000.  swapper_pg_dir comes from the symbols.
 */
struct pgt_error *dump_image_open(const char *core, const char *symbols,
				  bool has_page_offset, uint32_t page_offset,
				  struct dump_image *ret);
void dump_image_close(struct dump_image *img);

/*
 * Lowmem as the image's kernel had it: its high_memory variable (found by
 * symbol) minus PAGE_OFFSET.  False when the symbols do not name it or the
 * image does not hold it (a trimmed image).
 */
bool dump_image_lowmem(const struct dump_image *img, uint64_t *ret);

/*
 * The layout of the image's kernel, for ptdump's area markers: PAGE_OFFSET
 * and lowmem as found, the machine options @o give, and the kernel --kernel
 * names, else 6.1 when the symbols have cpu_entry_area, else 2.6.21.
 * False when no layout fits.
 */
bool dump_image_layout(const struct model_opts *o, const struct dump_image *img,
		       struct pgt_layout *ret);

/* A pgd to print, from a replay or an image. */
struct dump_view {
	const struct pgt_physmem *mem;
	uint64_t pa;      /* the pgd's physical address */
	uint64_t ref_pa;  /* swapper_pg_dir's, when has_ref */
	bool has_ref;
	bool swapper;     /* the pgd is swapper_pg_dir */
	uint32_t page_offset;
	const struct pgt_layout *layout; /* for area markers, or NULL */
	struct pgt_symbols *syms;        /* names for ranges, or NULL */
};

/*
 * Print a pgd the one way both dumps do: its four entries, its ranges in
 * ptdump's format with ptdump's area markers (DIFF where a kernel PDE
 * differs from swapper_pg_dir's), the number of ranges, and for each kernel
 * slot whether the pgd shares swapper_pg_dir's PMD page or which of its
 * entries differ (missing, stale, different).  With @j, the same as keys of
 * the open object: entries, ranges, nranges, differing_ranges,
 * kernel_slots.
 */
struct pgt_error *dump_view_print(const struct dump_view *v, struct json *j);

/* Read all that dump_view_print() will print; its error if any. */
struct pgt_error *dump_view_check(const struct dump_view *v);

/* A pgd named on the command line. */
struct dump_pgd {
	uint64_t va;   /* its kernel virtual address (direct map) */
	uint64_t pa;   /* physical; what CR3 holds */
	char what[64]; /* "swapper_pg_dir", "CR3 of CPU 0", "address" */
};

/*
 * Resolve "swapper", "cr3" (CPU @cpu's CR3) or an address: a direct-map
 * virtual address (>= PAGE_OFFSET) or a physical one, 32-byte aligned.
 * Errors say what is wrong with @spec.
 */
struct pgt_error *dump_image_pgd(const struct dump_image *img,
				 const char *spec, int cpu,
				 struct dump_pgd *ret);

/* Parse a number (0x.. hex, or decimal) no larger than @max. */
bool dump_parse_u64(const char *s, uint64_t max, uint64_t *ret);

/* ptdump_printer symbolizer over a struct pgt_symbols. */
void dump_symbolize(void *arg, uint64_t addr, char *buf, size_t size);

#endif
