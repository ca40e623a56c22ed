/* SPDX-License-Identifier: MIT */
/*
 * Table rows written without printf.
 *
 * replay and diff print a row for each pgd with findings once the model
 * threads are done, one thread alone: on a recording of 10^5 such pgds,
 * vfprintf's parsing of the same format for every row was a tenth of the
 * whole run.  The cells here pad as printf's %-*s, %*s and %*u do (in
 * bytes, a longer text whole); a row goes to its stream in one fwrite().
 * A cell that fits the row's buffer is written inline.
 */
#ifndef PGTRACE_CLI_ROWFMT_H
#define PGTRACE_CLI_ROWFMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct rowfmt {
	FILE *f;
	size_t n;
	char buf[256];
};

static inline void rowfmt_init(struct rowfmt *r, FILE *f)
{
	r->f = f;
	r->n = 0;
}

/* (the cells that do not fit the buffer: rowfmt.c) */
void rowfmt_flush(struct rowfmt *r);
void rowfmt_cell_slow(struct rowfmt *r, const char *s, size_t len,
		      unsigned width, bool right);

/*
 * @v's decimal digits, ending at @end (room for 20 before it); returns
 * where they start.
 */
static inline char *rowfmt_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static inline void rowfmt_cell(struct rowfmt *r, const char *s, size_t len,
			       unsigned width, bool right)
{
	size_t pad = len < width ? width - len : 0;
	if (r->n + len + pad > sizeof(r->buf)) {
		rowfmt_cell_slow(r, s, len, width, right);
		return;
	}
	char *o = r->buf + r->n;
	if (right)
		for (size_t i = 0; i < pad; i++)
			*o++ = ' ';
	memcpy(o, s, len);
	o += len;
	if (!right)
		for (size_t i = 0; i < pad; i++)
			*o++ = ' ';
	r->n = (size_t)(o - r->buf);
}

static inline void rowfmt_char(struct rowfmt *r, char c)
{
	if (r->n == sizeof(r->buf))
		rowfmt_flush(r);
	r->buf[r->n++] = c;
}

/* @s, then spaces up to @width bytes (%-*s) */
static inline void rowfmt_left(struct rowfmt *r, const char *s, unsigned width)
{
	rowfmt_cell(r, s, strlen(s), width, false);
}

/* spaces, then @s, @width bytes at least (%*s) */
static inline void rowfmt_right(struct rowfmt *r, const char *s,
				unsigned width)
{
	rowfmt_cell(r, s, strlen(s), width, true);
}

/* @v in decimal, right-aligned in @width (%*u) */
static inline void rowfmt_u64(struct rowfmt *r, uint64_t v, unsigned width)
{
	char tmp[20];
	char *p = rowfmt_digits(tmp + sizeof(tmp), v);
	rowfmt_cell(r, p, (size_t)(tmp + sizeof(tmp) - p), width, true);
}

/* Write what is left of the row; a write error shows in ferror(). */
static inline void rowfmt_end(struct rowfmt *r)
{
	rowfmt_flush(r);
}

/*
 * @v in decimal into @buf (room for 21 bytes), NUL-terminated; returns the
 * length.
 */
size_t rowfmt_decimal(char *buf, uint64_t v);

#endif
