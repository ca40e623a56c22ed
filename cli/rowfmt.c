/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "cli/rowfmt.h"

void rowfmt_init(struct rowfmt *r, FILE *f)
{
	r->f = f;
	r->n = 0;
}

static void flush(struct rowfmt *r)
{
	if (r->n)
		fwrite(r->buf, 1, r->n, r->f);
	r->n = 0;
}

static void put(struct rowfmt *r, const char *s, size_t len)
{
	if (r->n + len > sizeof(r->buf)) {
		flush(r);
		/* a name longer than a row goes out as it is */
		if (len > sizeof(r->buf)) {
			fwrite(s, 1, len, r->f);
			return;
		}
	}
	memcpy(r->buf + r->n, s, len);
	r->n += len;
}

static void pad(struct rowfmt *r, size_t len, unsigned width)
{
	for (size_t k = len < width ? width - len : 0; k;) {
		if (r->n == sizeof(r->buf))
			flush(r);
		size_t room = sizeof(r->buf) - r->n, c = k < room ? k : room;
		memset(r->buf + r->n, ' ', c);
		r->n += c;
		k -= c;
	}
}

void rowfmt_char(struct rowfmt *r, char c)
{
	if (r->n == sizeof(r->buf))
		flush(r);
	r->buf[r->n++] = c;
}

void rowfmt_left(struct rowfmt *r, const char *s, unsigned width)
{
	size_t len = strlen(s);
	put(r, s, len);
	pad(r, len, width);
}

void rowfmt_right(struct rowfmt *r, const char *s, unsigned width)
{
	size_t len = strlen(s);
	pad(r, len, width);
	put(r, s, len);
}

/* @v's digits end at @end; returns where they start */
static char *digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

size_t rowfmt_decimal(char *buf, uint64_t v)
{
	char tmp[20];
	char *p = digits(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

void rowfmt_u64(struct rowfmt *r, uint64_t v, unsigned width)
{
	char tmp[20];
	char *p = digits(tmp + sizeof(tmp), v);
	size_t len = (size_t)(tmp + sizeof(tmp) - p);
	pad(r, len, width);
	put(r, p, len);
}

void rowfmt_end(struct rowfmt *r)
{
	flush(r);
}
