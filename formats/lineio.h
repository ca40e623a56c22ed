/* SPDX-License-Identifier: MIT */
/*
 * Line input for text traces: plain or gzip (any number of concatenated
 * members), "-" for standard input, read through zlib with a large buffer.
 * Lines are returned without their LF; a NUL byte or an over-long line is an
 * error naming FILE:LINE.
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

#endif
