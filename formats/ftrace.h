/* SPDX-License-Identifier: MIT */
/*
 * The ftrace text reader: /sys/kernel/tracing/trace, trace_pipe and
 * `trace-cmd report` output recorded with the probe set `pgtrace probes`
 * prints.  Turns those lines into model events (core/event.h).
 *
 * Event lines look like
 *
 *     COMM-PID [(TGID)] [CPU] [FLAGS] SECONDS.FRACTION: EVENT: FIELDS
 *
 * The comm may contain spaces and dashes (the pid follows the last dash
 * before the [CPU] field); the flags column is optional (trace-cmd
 * report).  Lines starting with '#', blank lines, `cpus=N` and the other
 * lines trace-cmd report prints before the first event are ignored.  A
 * "[LOST N EVENTS]" line is an error: the model needs every event.
 *
 * What each known event becomes (the probe set is pgt_ftrace_probes()):
 *
 * - pgd_alloc (entry, mm) and pgd_alloc_ret (ret) are paired by pid (by pid
 *   and cpu for pid 0), not by cpu alone: a task may sleep in pgd_alloc()
 *   and return on another cpu.  The pair is one PGT_OP_PGD_ALLOC at the
 *   return, pgd = ret, mm = the entry's mm.  A second entry before the
 *   return (a missed kretprobe) is an error; a return without an entry is
 *   an allocation with mm 0, counted (pgt_ftrace_pairs()); an entry never
 *   returned is counted too; a return of 0 (failed allocation) is
 *   skipped.
 * - pgd_free (mm, pgd): PGT_OP_PGD_FREE.
 * - alloc_va_ret (va, start, end): PGT_OP_VMALLOC of [start, end) minus the
 *   trailing guard page that __get_vm_area_node() adds to every area (the
 *   sizes of /proc/vmallocinfo include it; it is never mapped).  Areas
 *   returned to new_vmap_block or vm_map_ram have no guard page and keep
 *   their whole size.  A failed allocation (va an error pointer) is
 *   skipped.  alloc_va (the entry) is informational; its vstart is
 *   VMALLOC_START = high_memory + 8 MiB on x86-32, which tells where the
 *   direct map ends (see cpa).
 * - free_va (start, end): PGT_OP_VFREE of the whole area at start.
 * - purge_va: PGT_OP_PURGE.
 * - sync_kmap (start, end): PGT_OP_SYNC_RANGE, addr = start, size = end.
 * - cpa (__change_page_attr_set_clr: vaddr, set, clr, n, ...) drives the
 *   model: PGT_OP_CPA with prot PGT_PROT_SETCLR.  It fires once for the
 *   caller's range and once more for each direct-map alias of a vmalloc
 *   page, so it sees every direct-map change; cpa_set_clr (the caller's
 *   request, often a vmalloc address) is informational, which avoids
 *   counting anything twice.  A cpa on the vmalloc area (at or above
 *   VMALLOC_START - 8 MiB once an alloc_va has shown VMALLOC_START) changes
 *   only 4 KiB PTEs, not the direct map, and is skipped, as are cpa calls
 *   on 0 pages, on page arrays (CPA_ARRAY, CPA_PAGES_ARRAY) and on a pgd
 *   other than init_mm's.
 * - set_pmd_pte (addr, pte): PGT_OP_SET_PMD, prot_raw = pte.
 * - set_memory_ro/rw/x/nx/np, cpa_set_clr, pti_clone, sync_one,
 *   vmalloc_fault: informational, counted as skipped.  The cpa probe is
 *   what records attribute changes; without it the reader makes none up.
 * - sched_process_fork/exec/exit/free: PGT_OP_TASK naming the task the
 *   event is about (the child for fork), pid and comm.  The reader
 *   remembers each pid's comm and uses it for lines whose comm ftrace
 *   prints as "<...>".
 * - module_load/module_free: PGT_OP_MODULE, label = the module name.
 * - tracing_mark_write (and trace-cmd's print): PGT_OP_LABEL, label = the
 *   whole text with trailing white space removed ("PHASE fork-exec" stays
 *   "PHASE fork-exec"); empty markers are skipped.
 * - exceptions:page_fault_kernel (address, ip, error_code): PGT_OP_FAULT.
 *   The kernel prints address and ip with %ps: a value that resolved to a
 *   symbol name is lost; a symbolic ip is left out, a symbolic address
 *   makes the line skipped.
 *
 * Every event carries cpu, pid, comm, t_ns (the timestamp's fraction, 6 or
 * 9 digits, in nanoseconds) and line.  Ftrace sorts the per-cpu buffers by
 * time when it prints `trace`, so time does not go backwards there; in
 * trace_pipe or merged output it may by a little.  That is not an error
 * here: such a timestamp is raised to the previous one (counted by
 * pgt_ftrace_backwards()), so the events keep file order and
 * non-decreasing times.
 *
 * Lines of other events are skipped and counted; a malformed line of a
 * known event is an error "FILE:LINE: EVENT: what is wrong".
 */
#ifndef PGTRACE_FORMATS_FTRACE_H
#define PGTRACE_FORMATS_FTRACE_H

#include <stdbool.h>

#include "core/event.h"
#include "formats/lineio.h"

struct pgt_ftrace;

/*
 * True when @line looks like ftrace text: a "# tracer:" header, trace-cmd
 * report's "cpus=N" or an event line.
 */
bool pgt_ftrace_detect(const char *line, size_t len);

/* Read events from @in (owned by the caller), interning into @tab. */
struct pgt_error *pgt_ftrace_create(struct pgt_lineio *in,
				    struct pgt_strtab *tab,
				    struct pgt_ftrace **ret);
void pgt_ftrace_destroy(struct pgt_ftrace *ft);

/*
 * The next model event (valid until the next call), or *eof_ret at the
 * end.  Errors name FILE:LINE.  The reader parses a few events ahead, but
 * what the functions below report is as of the event last returned (of
 * every line read, once the end or an error has been returned).
 */
struct pgt_error *pgt_ftrace_next(struct pgt_ftrace *ft,
				  const struct pgt_event **ret, bool *eof_ret);

/* Lines of events the reader does not turn into model events. */
uint64_t pgt_ftrace_skipped(const struct pgt_ftrace *ft);

/* pti_clone lines read (pti_clone_pgtable runs only with PTI). */
uint64_t pgt_ftrace_pti_clones(const struct pgt_ftrace *ft);

/* Event lines whose timestamp went backwards (and was raised). */
uint64_t pgt_ftrace_backwards(const struct pgt_ftrace *ft);

/*
 * kprobe/kretprobe halves without their other half.  A pgd_alloc_ret whose
 * entry is not in the recording (it began while a task was inside
 * pgd_alloc()) still allocates the pgd, with an unknown mm; a pgd_alloc
 * entry still waiting for its return at the end of the input (the
 * recording stopped first, or the return was lost) allocates nothing.
 * Both are counted here, with the line of the first, instead of being
 * errors or dropped silently.  Unmatched entries are only final at EOF.
 */
struct pgt_ftrace_pairs {
	uint64_t orphan_returns, first_orphan_line;
	uint64_t unmatched_entries, first_unmatched_line;
};

void pgt_ftrace_pairs(const struct pgt_ftrace *ft, struct pgt_ftrace_pairs *ret);

/*
 * high_memory as the recording shows it (the lowest alloc_vmap_area vstart,
 * VMALLOC_START, less 6.1's 8 MiB VMALLOC_OFFSET), or 0 before any.
 */
uint64_t pgt_ftrace_high_memory(const struct pgt_ftrace *ft);

/* True when the reader knows the event @name (model or informational). */
bool pgt_ftrace_known_event(const char *name, size_t len);

/* One probe or tracepoint of the recording set (`pgtrace probes`). */
struct pgt_ftrace_probe {
	const char *event;      /* the event name in trace lines */
	const char *system;     /* "pgt" for kprobes, else the tracepoint's */
	const char *definition; /* kprobe_events line; NULL for tracepoints */
	bool boot;              /* also on the kernel command line */
	const char *role;       /* what the reader makes of it */
};

/* The probe set for Linux 6.1 i386 (PAE), in the order to define them. */
const struct pgt_ftrace_probe *pgt_ftrace_probes(size_t *count_ret);

#endif
