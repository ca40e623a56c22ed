/* SPDX-License-Identifier: MIT */
/*
 * The native trace format, version 1 (man/pgtrace-trace.5): reader and
 * writer.
 */
#ifndef PGTRACE_FORMATS_TRACE_H
#define PGTRACE_FORMATS_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/event.h"
#include "formats/lineio.h"

#define PGT_TRACE_MAGIC "# pgtrace-trace 1"

struct pgt_trace_reader;

/* True when @line is the magic line. */
bool pgt_trace_detect(const char *line, size_t len);

struct pgt_error *pgt_trace_reader_create(struct pgt_lineio *in,
					  struct pgt_strtab *tab,
					  struct pgt_trace_reader **ret);
void pgt_trace_reader_destroy(struct pgt_trace_reader *r);
/* The next event: *ret points at it until the next call. */
struct pgt_error *pgt_trace_reader_next(struct pgt_trace_reader *r,
					const struct pgt_event **ret,
					bool *eof_ret);
const struct pgt_machine *pgt_trace_reader_machine(
	const struct pgt_trace_reader *r);

/*
 * The writer.  Output goes to a FILE the caller opened (or a gzip stream:
 * see pgt_trace_writer_create_path).  Every write is checked.
 */
struct pgt_trace_writer;

/* Open @path for writing ("-": stdout); gzip when it ends in ".gz". */
struct pgt_error *pgt_trace_writer_create(const char *path,
					  const struct pgt_strtab *tab,
					  struct pgt_trace_writer **ret);
/* Write the magic line and, when @m sets anything, a machine line. */
struct pgt_error *pgt_trace_writer_header(struct pgt_trace_writer *w,
					  const struct pgt_machine *m);
/* Write a comment line ("# " + text). */
struct pgt_error *pgt_trace_writer_comment(struct pgt_trace_writer *w,
					   const char *text);
struct pgt_error *pgt_trace_writer_event(struct pgt_trace_writer *w,
					 const struct pgt_event *ev);
/* Flush and close; reports any write error.  Frees @w in all cases. */
struct pgt_error *pgt_trace_writer_close(struct pgt_trace_writer *w);

#endif
