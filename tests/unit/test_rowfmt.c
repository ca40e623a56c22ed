/* SPDX-License-Identifier: MIT */
/*
 * Table rows without printf (cli/rowfmt.c, compiled in here: the unit
 * tests link the libraries, not the CLI): every cell against the printf
 * conversion it stands for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/rowfmt.c"
#include "test_util.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f)
		abort();
}

static void mem_close(struct mem *m)
{
	if (fclose(m->f) != 0)
		abort();
}

/* Close @a (rowfmt's) and @b (printf's): whether they hold the same bytes. */
static bool same_output(struct mem *a, struct mem *b)
{
	mem_close(a);
	mem_close(b);
	bool same = a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
	if (!same)
		printf("rowfmt wrote \"%s\", printf \"%s\"\n", a->buf, b->buf);
	free(a->buf);
	free(b->buf);
	return same;
}

static void test_cells(void)
{
	static const uint64_t values[] = {0, 7, 10, 99999, 100000, 4294967295u,
					  UINT64_MAX};
	static const char *const texts[] = {"", "-", "yes", "shared",
					    "0xc4000000", "a-comm-of-20-bytes!!",
					    "a comm longer than every width here"};
	int wrong = 0;
	for (unsigned width = 0; width < 24; width++) {
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			struct mem a, b;
			mem_open(&a);
			mem_open(&b);
			struct rowfmt w;
			rowfmt_init(&w, a.f);
			rowfmt_u64(&w, values[i], width);
			rowfmt_char(&w, '|');
			rowfmt_end(&w);
			fprintf(b.f, "%*" PRIu64 "|", (int)width, values[i]);
			wrong += !same_output(&a, &b);
		}
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			struct mem a, b;
			mem_open(&a);
			mem_open(&b);
			struct rowfmt w;
			rowfmt_init(&w, a.f);
			rowfmt_left(&w, texts[i], width);
			rowfmt_right(&w, texts[i], width);
			rowfmt_end(&w);
			fprintf(b.f, "%-*s%*s", (int)width, texts[i], (int)width, texts[i]);
			wrong += !same_output(&a, &b);
		}
	}
	CHECK(wrong == 0);
	char d[21];
	CHECK(rowfmt_decimal(d, UINT64_MAX) == 20);
	CHECK_EQ_STR(d, "18446744073709551615");
	CHECK(rowfmt_decimal(d, 0) == 1);
	CHECK_EQ_STR(d, "0");
}

/*
 * A row longer than the buffer: a name of 1,000 bytes, and padding that
 * crosses the buffer's end, come out whole and in order.
 */
static void test_long_row(void)
{
	char name[1001];
	for (size_t i = 0; i < 1000; i++)
		name[i] = (char)('a' + i % 26);
	name[1000] = '\0';
	struct mem a, b;
	mem_open(&a);
	mem_open(&b);
	struct rowfmt w;
	rowfmt_init(&w, a.f);
	rowfmt_left(&w, "start", 250);
	rowfmt_left(&w, name, 12);
	rowfmt_u64(&w, 42, 300);
	for (int i = 0; i < 300; i++)
		rowfmt_char(&w, (char)('0' + i % 10));
	rowfmt_right(&w, "end", 5);
	rowfmt_char(&w, '\n');
	rowfmt_end(&w);
	fprintf(b.f, "%-250s%-12s%300d", "start", name, 42);
	for (int i = 0; i < 300; i++)
		fputc('0' + i % 10, b.f);
	fprintf(b.f, "%5s\n", "end");
	CHECK(same_output(&a, &b));
}

int main(void)
{
	test_cells();
	test_long_row();
	return test_summary();
}
