/* SPDX-License-Identifier: MIT */
/*
 * Table rows written without printf.
 *
 * replay and diff print a row for each pgd with findings once the model
 * threads are done, one thread alone: on a recording of 10^5 such pgds,
 * vfprintf's parsing of the same format for every row was a tenth of the
 * whole run.  The cells here pad as printf's %-*s, %*s and %*u do (in
 * bytes, a longer text whole); a row goes to its stream in one fwrite().
 */
#ifndef PGTRACE_CLI_ROWFMT_H
#define PGTRACE_CLI_ROWFMT_H

#include <stdint.h>
#include <stdio.h>

struct rowfmt {
	FILE *f;
	size_t n;
	char buf[256];
};

void rowfmt_init(struct rowfmt *r, FILE *f);
/* @s, then spaces up to @width bytes (%-*s) */
void rowfmt_left(struct rowfmt *r, const char *s, unsigned width);
/* spaces, then @s, @width bytes at least (%*s) */
void rowfmt_right(struct rowfmt *r, const char *s, unsigned width);
/* @v in decimal, right-aligned in @width (%*u) */
void rowfmt_u64(struct rowfmt *r, uint64_t v, unsigned width);
void rowfmt_char(struct rowfmt *r, char c);
/* Write what is left of the row; a write error shows in ferror(). */
void rowfmt_end(struct rowfmt *r);

/*
 * @v in decimal into @buf (room for 21 bytes), NUL-terminated; returns the
 * length.
 */
size_t rowfmt_decimal(char *buf, uint64_t v);

#endif
