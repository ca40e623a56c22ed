/* SPDX-License-Identifier: MIT */
/*
 * Line input for text traces: plain or gzip (any number of concatenated
 * members; anything else after the last member is an error, as gzip's
 * "trailing garbage"), "-" for standard input.  Reading and inflating run
 * on a thread of their own, a few MiB ahead of the caller.  Lines are
 * returned without their LF; a NUL byte or an over-long line is an error
 * naming FILE:LINE.  One thread at a time may call the functions below.
 */
#ifndef PGTRACE_FORMATS_LINEIO_H
#define PGTRACE_FORMATS_LINEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct pgt_lineio;

/* Longest accepted line, bytes. */
#define PGT_LINE_MAX (1u << 20)

struct pgt_error *pgt_lineio_open(const char *path, struct pgt_lineio **ret);
void pgt_lineio_close(struct pgt_lineio *in);

/*
 * The next line: *ret points into an internal buffer valid until the next
 * call, NUL-terminated, *len_ret its length.  At end of input *ret is NULL.
 * A read error or a truncated/corrupt gzip stream is an error.
 */
struct pgt_error *pgt_lineio_next(struct pgt_lineio *in, char **ret,
				  size_t *len_ret);

/*
 * Make the next pgt_lineio_next() return the line last returned again
 * (same number; the line stays valid until then).  A reader that parses
 * ahead stops at a line it must not take yet.
 */
void pgt_lineio_unget(struct pgt_lineio *in);

/*
 * For a caller that splits lines itself: the bytes of the current chunk
 * not yet returned, up to its first NUL byte, at *ret; 0 when there are
 * none or a line was ungot (then pgt_lineio_next() goes on).  Each line
 * ending in a LF there is the line pgt_lineio_next() would return, but for
 * a CR before the LF (which it strips) and the NUL it writes over the LF;
 * the last bytes may be the start of a line that goes on in the next
 * chunk, for pgt_lineio_next().  The 64 bytes after the span can be read
 * (they hold nothing of the input).  Having taken @lines whole lines of
 * @bytes bytes (their LFs included) from its start, the caller tells
 * pgt_lineio_consume(): pgt_lineio_lineno() is then the last one's.
 */
size_t pgt_lineio_span(struct pgt_lineio *in, const char **ret);
void pgt_lineio_consume(struct pgt_lineio *in, size_t bytes, uint64_t lines);

/* 1-based number of the line last returned. */
uint64_t pgt_lineio_lineno(const struct pgt_lineio *in);
/* The name used in messages ("-" reads as "<stdin>"). */
const char *pgt_lineio_name(const struct pgt_lineio *in);

/*
 * Peek at the first line without consuming it (format detection).  *ret is
 * NULL for empty input.
 */
struct pgt_error *pgt_lineio_peek(struct pgt_lineio *in, char **ret,
				  size_t *len_ret);

/*
 * How far the reading thread has got, for progress reports: bytes of the
 * file read so far (compressed bytes for gzip) in *read_ret, the file's
 * size in *size_ret (0 when unknown: a pipe).  Any thread may call this.
 */
void pgt_lineio_progress(const struct pgt_lineio *in, uint64_t *read_ret,
			 uint64_t *size_ret);

#endif
