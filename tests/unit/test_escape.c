/* SPDX-License-Identifier: MIT */
/*
 * The escapes of text from input files (cli/escape.c, compiled in here:
 * the unit tests link the libraries, not the CLI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/escape.c"
#include "test_util.h"

static int len_of(const char *s)
{
	return escape_utf8_len((const unsigned char *)s, strlen(s));
}

/* RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */
static void test_utf8(void)
{
	CHECK(len_of("a") == 1);
	CHECK(len_of("\xc3\xa9") == 2);          /* U+00E9 */
	CHECK(len_of("\xe2\x82\xac") == 3);      /* U+20AC */
	CHECK(len_of("\xf0\x9f\x98\x80") == 4);  /* U+1F600 */
	CHECK(len_of("\xf4\x8f\xbf\xbf") == 4);  /* U+10FFFF */
	CHECK(len_of("\xc0\x80") == 0);          /* overlong NUL */
	CHECK(len_of("\xc1\xbf") == 0);
	CHECK(len_of("\xe0\x9f\xbf") == 0);      /* overlong */
	CHECK(len_of("\xed\xa0\x80") == 0);      /* surrogate U+D800 */
	CHECK(len_of("\xf0\x8f\xbf\xbf") == 0);  /* overlong */
	CHECK(len_of("\xf4\x90\x80\x80") == 0);  /* past U+10FFFF */
	CHECK(len_of("\xf5\x80\x80\x80") == 0);
	CHECK(len_of("\xff") == 0);
	CHECK(len_of("\x80") == 0);              /* a lone continuation */
	CHECK(len_of("\xe2\x82") == -1);         /* valid but incomplete */
	CHECK(len_of("\xe2\x28\xa1") == 0);
}

/*
 * Through the stream: what is written in pieces (a sequence split across
 * two writes) comes out as if written at once.
 */
static void test_stream(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	FILE *f = fdopen(fds[1], "w");
	CHECK(f && escape_stream(&f));
	fputs("ok \x1b[31mred\x7f tab\there \xff caf\xc3", f);
	fflush(f);
	fputs("\xa9 \xe2\x82", f);
	fflush(f);
	fputs("X end\xe2\n", f);
	escape_streams_end(); /* closes the escaping stream, not the pipe */
	fclose(f);
	char buf[256];
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_EQ_STR(buf, "ok \\x1b[31mred\\x7f tab\there \\xff caf\xc3\xa9 \\xe2\\x82X end\\xe2\n");
}

/*
 * The fast path that writes clean text as it is: every byte value at every
 * place of a 17-byte text (two words and a tail) is judged as one byte
 * alone would be.
 */
static void test_plain(void)
{
	int wrong = 0;
	for (size_t at = 0; at < 17; at++)
		for (int b = 0; b < 256; b++) {
			unsigned char s[17];
			memset(s, 'a', sizeof(s));
			s[at] = (unsigned char)b;
			bool plain = b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7f);
			wrong += plain_ascii(s, sizeof(s)) != plain;
		}
	CHECK(wrong == 0);
	/* bytes around the edges of the ranges, side by side */
	CHECK(plain_ascii((const unsigned char *)" ~\t\n !}~ ~ ~ ~ ~~", 17));
	CHECK(!plain_ascii((const unsigned char *)" ~\t\n !}~\x1f~ ~ ~ ~~", 17));
	CHECK(!plain_ascii((const unsigned char *)"\x7f~\t\n !}~ ~ ~ ~ ~~", 17));
}

int main(void)
{
	test_utf8();
	test_plain();
	test_stream();
	return test_summary();
}
