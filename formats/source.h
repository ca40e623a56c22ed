/* SPDX-License-Identifier: MIT */
/*
 * An event source: a trace file in any format pgtrace reads, detected from
 * its first line unless a format is forced.  Errors are complete messages
 * of the form "FILE:LINE: what is wrong".
 */
#ifndef PGTRACE_FORMATS_SOURCE_H
#define PGTRACE_FORMATS_SOURCE_H

#include <stdbool.h>

#include "core/event.h"
#include "formats/ftrace.h"
#include "formats/lineio.h"

enum pgt_format {
	PGT_FORMAT_AUTO = 0,
	PGT_FORMAT_NATIVE, /* "# pgtrace-trace 1" (pgtrace-trace(5)) */
	PGT_FORMAT_FTRACE, /* ftrace text: trace, trace_pipe, trace-cmd report */
};

/* "auto", "native", "ftrace"; parse returns -1 when unknown. */
const char *pgt_format_name(enum pgt_format f);
int pgt_format_parse(const char *s);

struct pgt_source;

/* Open @path ("-": stdin), interning names into @tab (owned by the caller). */
struct pgt_error *pgt_source_open(const char *path, enum pgt_format format,
				  struct pgt_strtab *tab,
				  struct pgt_source **ret);
void pgt_source_destroy(struct pgt_source *src);

/* The format in use (never AUTO). */
enum pgt_format pgt_source_format(const struct pgt_source *src);

/*
 * The next model event: *ret points at it until the next call (no copy:
 * a replay hands on ten million of them); *eof_ret is set at the end.  A native
 * trace's machine line is returned as a PGT_OP_MACHINE event before any
 * other, with the description available from pgt_source_machine().
 */
struct pgt_error *pgt_source_next(struct pgt_source *src,
				  const struct pgt_event **ret, bool *eof_ret);

/* The machine description the trace gave (defaults when it gave none). */
const struct pgt_machine *pgt_source_machine(const struct pgt_source *src);

/* The file name for messages. */
const char *pgt_source_name(const struct pgt_source *src);

/*
 * How much of the file has been read: bytes (compressed ones for gzip) in
 * *read_ret of *size_ret (0: unknown, a pipe).  Any thread may call it.
 */
void pgt_source_progress(const struct pgt_source *src, uint64_t *read_ret,
			 uint64_t *size_ret);

/* Lines read so far that carried no model event (other ftrace events). */
uint64_t pgt_source_skipped(const struct pgt_source *src);

/* ftrace lines whose timestamp went backwards (raised to the previous one). */
uint64_t pgt_source_backwards(const struct pgt_source *src);

/* ftrace pti_clone lines read so far (0 for native traces). */
uint64_t pgt_source_pti_clones(const struct pgt_source *src);
/* ftrace: pgd_alloc halves without their pair (all zero for native traces). */
void pgt_source_pairs(const struct pgt_source *src,
		      struct pgt_ftrace_pairs *ret);

#endif
