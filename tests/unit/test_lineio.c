/* SPDX-License-Identifier: MIT */
/*
 * formats/lineio.h: lines read back exactly as written from files larger
 * than the reader thread's chunks (lines spanning chunk boundaries), plain
 * and gzip in several members; the last line without LF; CRLF; a NUL byte
 * past the first chunk; and junk after the last gzip member, which is an
 * error naming its byte offset as gzip's "trailing garbage"; short and
 * empty lines around the splitter's 64-byte blocks; the CRC and length
 * checks of gzip members; lines taken through pgt_lineio_span() among
 * lines read one by one; the longest line taken, across chunks, and one
 * byte more.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "formats/lineio.h"
#include "test_util.h"

static char dir[64];
static char path_buf[256];

static const char *path(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

/* Line i: its number, then i % 997 filler bytes (some lines > 64 KiB). */
static size_t make_line(char *buf, size_t i)
{
	int n = sprintf(buf, "%zu:", i);
	size_t fill = (i % 997) * ((i % 50) ? 1 : 70);
	for (size_t k = 0; k < fill; k++)
		buf[n + k] = (char)('a' + (i + k) % 26);
	return (size_t)n + fill;
}

#define NLINES 40000

static char *make_text(size_t *len_ret)
{
	size_t cap = 64 << 20, len = 0;
	char *text = malloc(cap);
	for (size_t i = 1; i <= NLINES; i++) {
		len += make_line(text + len, i);
		text[len++] = '\n';
	}
	*len_ret = len;
	return text;
}

/* Is @line (@l bytes) the line of @text (@len bytes) at @off, before its LF? */
static bool line_at(const char *text, size_t len, size_t off,
		    const char *line, size_t l)
{
	return off + l < len && text[off + l] == '\n' &&
	       memcmp(line, text + off, l) == 0;
}

static void write_bytes(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		test_fail_();
}

/* gzip @data into @p as @members members, plus @junk at the end. */
static void write_gzip(const char *p, const char *data, size_t len,
		       int members, const char *junk, size_t junk_len)
{
	FILE *f = fopen(p, "wb");
	size_t per = len / (size_t)members + 1, off = 0;
	for (int m = 0; m < members && f; m++) {
		size_t n = off + per > len ? len - off : per;
		uLong bound = compressBound((uLong)n) + 64;
		unsigned char *out = malloc(bound);
		z_stream zs = {0};
		deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (unsigned char *)data + off;
		zs.avail_in = (uInt)n;
		zs.next_out = out;
		zs.avail_out = (uInt)bound;
		deflate(&zs, Z_FINISH);
		fwrite(out, 1, bound - zs.avail_out, f);
		deflateEnd(&zs);
		free(out);
		off += n;
	}
	if (f && junk_len)
		fwrite(junk, 1, junk_len, f);
	if (!f || fclose(f) != 0)
		test_fail_();
}

/* Every line back, in order, with its exact bytes. */
static void check_lines(const char *p)
{
	struct pgt_lineio *in;
	if (!CHECK_OK(pgt_lineio_open(p, &in)))
		return;
	char *want = malloc(1 << 20);
	size_t i = 0, bad = 0;
	for (;;) {
		char *line;
		size_t len;
		struct pgt_error *err = pgt_lineio_next(in, &line, &len);
		if (!CHECK_OK(err) || !line)
			break;
		i++;
		size_t wlen = make_line(want, i);
		if (len != wlen || memcmp(line, want, len) != 0 || line[len] != '\0')
			bad++;
	}
	CHECK_EQ_U64(i, NLINES);
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(pgt_lineio_lineno(in), NLINES);
	uint64_t read, size;
	pgt_lineio_progress(in, &read, &size);
	CHECK(size > 0);
	CHECK_EQ_U64(read, size);
	free(want);
	pgt_lineio_close(in);
}

static struct pgt_error *read_all(const char *p, uint64_t *lines_ret)
{
	struct pgt_lineio *in;
	struct pgt_error *err = pgt_lineio_open(p, &in);
	if (err)
		return err;
	char *line;
	size_t len;
	uint64_t n = 0;
	while (!(err = pgt_lineio_next(in, &line, &len)) && line)
		n++;
	*lines_ret = n;
	pgt_lineio_close(in);
	return err;
}

static void test_big(void)
{
	size_t len;
	char *text = make_text(&len);
	/* more than twice the reader's ring of chunks (8 MiB): it wraps */
	CHECK(len > (16u << 20));
	write_bytes(path("plain.txt"), text, len);
	check_lines(path("plain.txt"));
	write_gzip(path("one.gz"), text, len, 1, NULL, 0);
	check_lines(path("one.gz"));
	write_gzip(path("three.gz"), text, len, 3, NULL, 0);
	check_lines(path("three.gz"));

	/* junk after the last member: an error with the junk's offset */
	write_gzip(path("junk.gz"), text, len, 2, "junk\n", 5);
	FILE *f = fopen(path("junk.gz"), "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s: byte %ld: trailing garbage after the gzip data",
		 path("junk.gz"), size - 5);
	uint64_t n;
	CHECK_ERR(read_all(path("junk.gz"), &n), PGT_ERROR_INPUT, want);
	/* zero padding is junk too, as gzip says */
	write_gzip(path("zeros.gz"), text, len, 1, "\0\0\0\0", 4);
	CHECK_ERR(read_all(path("zeros.gz"), &n), PGT_ERROR_INPUT, NULL);
	/* cut in the middle of the stream, chunks after the start: an error
	 * after the lines before the cut, never a short read taken for EOF */
	write_gzip(path("cut.gz"), text, len, 1, NULL, 0);
	if (truncate(path("cut.gz"), size / 2) != 0)
		test_fail_();
	struct pgt_lineio *in;
	if (CHECK_OK(pgt_lineio_open(path("cut.gz"), &in))) {
		char *line;
		size_t llen;
		struct pgt_error *err;
		uint64_t lines = 0;
		while (!(err = pgt_lineio_next(in, &line, &llen)) && line)
			lines++;
		CHECK(lines > 1000 && lines < NLINES);
		snprintf(want, sizeof(want),
			 "%s:%llu: corrupt or truncated compressed data: unexpected end of file",
			 path("cut.gz"), (unsigned long long)lines + 1);
		CHECK_ERR(err, PGT_ERROR_INPUT, want);
		pgt_lineio_close(in);
	}
	/* a single stray byte (half a gzip magic) */
	write_gzip(path("stray.gz"), text, len, 1, "\x1f", 1);
	CHECK_ERR(read_all(path("stray.gz"), &n), PGT_ERROR_INPUT, NULL);

	/* a NUL byte well past the first chunk: its line is named */
	size_t at = (size_t)(2.5 * (1 << 20));
	while (text[at - 1] != '\n')
		at++;
	size_t line_no = 0;
	for (size_t k = 0; k < at; k++)
		line_no += text[k] == '\n';
	text[at + 1] = '\0';
	write_bytes(path("nul.txt"), text, len);
	snprintf(want, sizeof(want), "%s:%zu: NUL byte in a text line",
		 path("nul.txt"), line_no + 1);
	CHECK_ERR(read_all(path("nul.txt"), &n), PGT_ERROR_INPUT, want);
	free(text);
}

static void test_small(void)
{
	/* no final LF, CRLF */
	write_bytes(path("crlf.txt"), "a\r\nbc\r\nlast", 11);
	struct pgt_lineio *in;
	if (!CHECK_OK(pgt_lineio_open(path("crlf.txt"), &in)))
		return;
	char *line;
	size_t len;
	const char *want[] = {"a", "bc", "last"};
	for (int i = 0; i < 3; i++) {
		if (!CHECK_OK(pgt_lineio_next(in, &line, &len)) || !line)
			break;
		CHECK_EQ_STR(line, want[i]);
		CHECK_EQ_U64(len, strlen(want[i]));
	}
	CHECK_OK(pgt_lineio_next(in, &line, &len));
	CHECK(line == NULL);
	CHECK_OK(pgt_lineio_next(in, &line, &len)); /* EOF stays EOF */
	CHECK(line == NULL);
	pgt_lineio_close(in);

	/* empty file; closing before the end */
	write_bytes(path("empty.txt"), "", 0);
	uint64_t n = 1;
	CHECK_OK(read_all(path("empty.txt"), &n));
	CHECK_EQ_U64(n, 0);
	if (CHECK_OK(pgt_lineio_open(path("plain.txt"), &in))) {
		CHECK_OK(pgt_lineio_peek(in, &line, &len));
		CHECK_EQ_STR(line, "1:b");
		pgt_lineio_close(in);
	}

	/* unget: the line last returned comes again, with its number */
	if (CHECK_OK(pgt_lineio_open(path("crlf.txt"), &in))) {
		CHECK_OK(pgt_lineio_next(in, &line, &len));
		CHECK_OK(pgt_lineio_next(in, &line, &len));
		CHECK_EQ_STR(line, "bc");
		pgt_lineio_unget(in);
		CHECK_EQ_U64(pgt_lineio_lineno(in), 2);
		CHECK_OK(pgt_lineio_next(in, &line, &len));
		CHECK_EQ_STR(line, "bc");
		CHECK_EQ_U64(pgt_lineio_lineno(in), 2);
		CHECK_OK(pgt_lineio_next(in, &line, &len));
		CHECK_EQ_STR(line, "last");
		CHECK_EQ_U64(pgt_lineio_lineno(in), 3);
		pgt_lineio_close(in);
	}
}

/*
 * Short and empty lines of every length around the 64-byte blocks the
 * line splitter scans, runs of empty lines, through a few chunks: each
 * back with its exact bytes and the right count.
 */
static void test_short_lines(void)
{
	size_t cap = 8 << 20, len = 0, n = 0;
	char *text = malloc(cap);
	if (!text) {
		test_fail_();
		return;
	}
	while (len < (5u << 20)) {
		size_t l = (n * 7) % 131 < 20 ? 0 : (n * 13) % 150;
		for (size_t k = 0; k < l; k++)
			text[len + k] = (char)('a' + (n + k) % 26);
		len += l;
		text[len++] = '\n';
		n++;
	}
	write_bytes(path("short.txt"), text, len);
	struct pgt_lineio *in;
	if (CHECK_OK(pgt_lineio_open(path("short.txt"), &in))) {
		size_t i = 0, off = 0, bad = 0;
		char *line;
		size_t llen;
		struct pgt_error *err;
		while (!(err = pgt_lineio_next(in, &line, &llen)) && line) {
			const char *nl = memchr(text + off, '\n', len - off);
			size_t want = nl ? (size_t)(nl - (text + off)) : 0;
			if (!nl || llen != want || memcmp(line, text + off, want) != 0)
				bad++;
			off += want + 1;
			i++;
		}
		CHECK_OK(err);
		CHECK_EQ_U64(i, n);
		CHECK_EQ_U64(bad, 0);
		pgt_lineio_close(in);
	}
	free(text);
}

/*
 * pgt_lineio_span(): a reader that takes some lines from the span (every
 * third span, up to 5 lines) and the rest with pgt_lineio_next() sees
 * every line once, in order, with the right numbers; the span stops at a
 * NUL byte (then pgt_lineio_next() reports it) and is empty after an
 * unget; 64 bytes past it can be read.
 */
static void test_span(void)
{
	size_t len;
	char *text = make_text(&len);
	if (!text) {
		test_fail_();
		return;
	}
	write_bytes(path("span.txt"), text, len);
	struct pgt_lineio *in;
	if (CHECK_OK(pgt_lineio_open(path("span.txt"), &in))) {
		size_t off = 0, bad = 0, spans = 0, taken = 0, calls = 0;
		uint64_t lineno = 0;
		struct pgt_error *err = NULL;
		for (;;) {
			const char *p;
			size_t avail = pgt_lineio_span(in, &p);
			if (avail && calls++ % 3 == 0) {
				volatile char past = p[avail + 63];
				(void)past;
				size_t used = 0;
				uint64_t k = 0;
				const char *nl;
				while (k < 5 && (nl = memchr(p + used, '\n', avail - used))) {
					size_t l = (size_t)(nl - (p + used));
					if (off + l >= len || memcmp(p + used, text + off, l + 1) != 0)
						bad++;
					off += l + 1;
					used += l + 1;
					k++;
				}
				pgt_lineio_consume(in, used, k);
				lineno += k;
				taken += k;
				spans++;
				if (pgt_lineio_lineno(in) != lineno)
					bad++;
				continue;
			}
			char *line;
			size_t l;
			if ((err = pgt_lineio_next(in, &line, &l)) || !line)
				break;
			lineno++;
			if (pgt_lineio_lineno(in) != lineno ||
			    !line_at(text, len, off, line, l))
				bad++;
			off += l + 1;
			if (lineno % 1000 == 0) {
				/* an ungot line comes before anything in the span */
				pgt_lineio_unget(in);
				const char *q;
				if (pgt_lineio_span(in, &q))
					bad++;
				if ((err = pgt_lineio_next(in, &line, &l)))
					break;
			}
		}
		CHECK_OK(err);
		CHECK_EQ_U64(off, len);
		CHECK_EQ_U64(lineno, NLINES);
		CHECK_EQ_U64(bad, 0);
		CHECK(taken > 1000 && spans > 100);
		pgt_lineio_close(in);
	}

	/* a NUL byte: the span ends before it, pgt_lineio_next() names it */
	static const char nul[] = "one\ntwo\nth\0ree\nfour\n";
	write_bytes(path("spannul.txt"), nul, sizeof(nul) - 1);
	if (CHECK_OK(pgt_lineio_open(path("spannul.txt"), &in))) {
		char *line;
		size_t l;
		CHECK_OK(pgt_lineio_next(in, &line, &l));
		const char *p;
		CHECK_EQ_U64(pgt_lineio_span(in, &p), 6);
		CHECK(p && memcmp(p, "two\nth", 6) == 0);
		pgt_lineio_consume(in, 4, 1);
		CHECK_EQ_U64(pgt_lineio_lineno(in), 2);
		struct pgt_error *err = pgt_lineio_next(in, &line, &l);
		CHECK(err && strstr(err->message, "spannul.txt:3: NUL byte") != NULL);
		pgt_error_destroy(err);
		pgt_lineio_close(in);
	}
	free(text);
}

/* One gzip member of @data, malloc'd, its size in *len_ret. */
static unsigned char *gz_member(const char *data, size_t len, size_t *len_ret)
{
	uLong bound = compressBound((uLong)len) + 64;
	unsigned char *out = malloc(bound);
	z_stream zs = {0};
	if (!out || deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
		test_fail_();
		*len_ret = 0;
		return out;
	}
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		test_fail_();
	*len_ret = bound - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/*
 * The checks of a gzip member's trailer (CRC and length, in zlib's words) fail
 * after the member's lines, naming the next line.
 */
static void test_trailer(void)
{
	size_t len;
	char *text = make_text(&len);
	/* member 1: the first half's whole lines; member 2: the rest */
	size_t half = len / 2;
	while (text[half - 1] != '\n')
		half++;
	size_t lines1 = 0;
	for (size_t k = 0; k < half; k++)
		lines1 += text[k] == '\n';
	size_t n1, n2;
	unsigned char *m1 = gz_member(text, half, &n1);
	unsigned char *m2 = gz_member(text + half, len - half, &n2);
	static const struct {
		int member;     /* whose trailer is spoilt */
		size_t from_end; /* the byte, counted back from the member's end */
		const char *what;
	} cases[] = {
		{0, 0, NULL},
		{1, 8, "incorrect data check"},
		{1, 5, "incorrect data check"},
		{1, 4, "incorrect length check"},
		{1, 1, "incorrect length check"},
		{2, 7, "incorrect data check"},
		{2, 2, "incorrect length check"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].member == 1)
			m1[n1 - cases[i].from_end] ^= 0x10;
		if (cases[i].member == 2)
			m2[n2 - cases[i].from_end] ^= 0x10;
		FILE *f = fopen(path("trailer.gz"), "wb");
		if (!f || fwrite(m1, 1, n1, f) != n1 || fwrite(m2, 1, n2, f) != n2 ||
		    fclose(f) != 0)
			test_fail_();
		if (cases[i].member == 1)
			m1[n1 - cases[i].from_end] ^= 0x10;
		if (cases[i].member == 2)
			m2[n2 - cases[i].from_end] ^= 0x10;
		uint64_t n = 0;
		struct pgt_error *err = read_all(path("trailer.gz"), &n);
		if (!cases[i].what) {
			CHECK_OK(err);
			CHECK_EQ_U64(n, NLINES);
			continue;
		}
		size_t at = cases[i].member == 1 ? lines1 : NLINES;
		CHECK_EQ_U64(n, at);
		char want[512];
		snprintf(want, sizeof(want), "%s:%zu: corrupt compressed data: %s",
			 path("trailer.gz"), at + 1, cases[i].what);
		CHECK_ERR(err, PGT_ERROR_INPUT, want);
	}
	free(m1);
	free(m2);
	free(text);
}

/*
 * The longest line taken, PGT_LINE_MAX - 1 bytes before its LF, read back
 * whole across three of the reader's chunks (it starts inside one), plain
 * and gzip, with the lines around it; one byte more is an error naming
 * its line, after the lines before it.
 */
static void test_long_lines(void)
{
	size_t cap = PGT_LINE_MAX + (1u << 20);
	char *text = malloc(cap);
	if (!text) {
		test_fail_();
		return;
	}
	for (size_t over = 0; over < 2; over++) {
		size_t len = 0, before = 0;
		while (len < 300000)
			len += (size_t)sprintf(text + len, "%zu\n", ++before);
		size_t long_len = PGT_LINE_MAX - 1 + over;
		memset(text + len, 'x', long_len);
		len += long_len;
		len += (size_t)sprintf(text + len, "\nend\n");
		write_bytes(path("long.txt"), text, len);
		write_gzip(path("long.gz"), text, len, 1, NULL, 0);
		const char *names[] = {"long.txt", "long.gz"};
		for (size_t k = 0; k < 2; k++) {
			struct pgt_lineio *in;
			if (!CHECK_OK(pgt_lineio_open(path(names[k]), &in)))
				continue;
			/* each line as written: its bytes, then the LF there */
			size_t n = 0, bad = 0, off = 0;
			char *line;
			size_t l;
			struct pgt_error *err;
			while (!(err = pgt_lineio_next(in, &line, &l)) && line) {
				n++;
				bad += !line_at(text, len, off, line, l) ||
				       line[l] != '\0';
				off += l + 1;
			}
			CHECK_EQ_U64(bad, 0);
			if (!over) {
				CHECK_OK(err);
				CHECK_EQ_U64(n, before + 2);
			} else {
				char want[512];
				snprintf(want, sizeof(want), "%s:%zu: line longer than %u bytes",
					 path(names[k]), before + 1, PGT_LINE_MAX);
				CHECK_ERR(err, PGT_ERROR_INPUT, want);
				CHECK_EQ_U64(n, before);
			}
			pgt_lineio_close(in);
		}
	}
	free(text);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pgt-lineio-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	test_big();
	test_small();
	test_short_lines();
	test_trailer();
	test_span();
	test_long_lines();
	const char *names[] = {"long.txt", "long.gz", "span.txt", "spannul.txt", "trailer.gz", "short.txt", "plain.txt", "one.gz", "three.gz", "junk.gz",
			       "zeros.gz", "stray.gz", "cut.gz", "nul.txt", "crlf.txt",
			       "empty.txt"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path(names[i]));
	rmdir(dir);
	return test_summary();
}
