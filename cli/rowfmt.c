/* SPDX-License-Identifier: MIT */
#include "cli/rowfmt.h"

void rowfmt_flush(struct rowfmt *r)
{
	if (r->n)
		fwrite(r->buf, 1, r->n, r->f);
	r->n = 0;
}

static void put(struct rowfmt *r, const char *s, size_t len)
{
	if (r->n + len > sizeof(r->buf)) {
		rowfmt_flush(r);
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
			rowfmt_flush(r);
		size_t room = sizeof(r->buf) - r->n, c = k < room ? k : room;
		memset(r->buf + r->n, ' ', c);
		r->n += c;
		k -= c;
	}
}

void rowfmt_cell_slow(struct rowfmt *r, const char *s, size_t len,
		      unsigned width, bool right)
{
	if (right)
		pad(r, len, width);
	put(r, s, len);
	if (!right)
		pad(r, len, width);
}

size_t rowfmt_decimal(char *buf, uint64_t v)
{
	char tmp[20];
	char *p = rowfmt_digits(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}
