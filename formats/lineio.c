/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "formats/lineio.h"

#define IOBUF (1u << 18)

struct pgt_lineio {
	gzFile gz;
	char *name;
	char *buf;        /* raw bytes read */
	size_t start, end, cap;
	bool eof;
	uint64_t lineno;
	bool peeked;      /* the current line is a peek, not yet consumed */
	char *line;
	size_t line_len;
};

struct pgt_error *pgt_lineio_open(const char *path, struct pgt_lineio **ret)
{
	struct pgt_lineio *in = calloc(1, sizeof(*in));
	if (!in)
		return &pgt_error_nomem;
	in->name = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	in->cap = IOBUF;
	in->buf = malloc(in->cap + 1);
	if (!in->name || !in->buf) {
		pgt_lineio_close(in);
		return &pgt_error_nomem;
	}
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (fd < 0) {
		struct pgt_error *err = pgt_error_create(
			PGT_ERROR_IO, "%s: %s", in->name, strerror(errno));
		pgt_lineio_close(in);
		return err;
	}
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		close(fd);
		pgt_lineio_close(in);
		return &pgt_error_nomem;
	}
	gzbuffer(in->gz, IOBUF);
	*ret = in;
	return NULL;
}

void pgt_lineio_close(struct pgt_lineio *in)
{
	if (!in)
		return;
	if (in->gz)
		gzclose_r(in->gz);
	free(in->name);
	free(in->buf);
	free(in);
}

static struct pgt_error *fill(struct pgt_lineio *in)
{
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->end == in->cap) {
		if (in->cap >= PGT_LINE_MAX)
			return pgt_error_create(PGT_ERROR_INPUT,
						"%s:%llu: line longer than %u bytes",
						in->name,
						(unsigned long long)in->lineno + 1,
						PGT_LINE_MAX);
		char *b = realloc(in->buf, 2 * in->cap + 1);
		if (!b)
			return &pgt_error_nomem;
		in->buf = b;
		in->cap *= 2;
	}
	int n = gzread(in->gz, in->buf + in->end, (unsigned)(in->cap - in->end));
	if (n < 0 || (n == 0 && !gzeof(in->gz))) {
		int zerr;
		const char *msg = gzerror(in->gz, &zerr);
		if (zerr == Z_ERRNO) {
			msg = strerror(errno);
		} else {
			const char *colon = strstr(msg, ": ");
			if (msg[0] == '<' && colon)
				msg = colon + 2;
		}
		return pgt_error_create(zerr == Z_ERRNO ? PGT_ERROR_IO : PGT_ERROR_INPUT,
					"%s:%llu: %s: %s", in->name,
					(unsigned long long)in->lineno + 1,
					zerr == Z_ERRNO ? "read error" : "corrupt compressed data",
					msg);
	}
	if (n == 0) {
		/* gzread hides a truncated stream as a short read: ask. */
		int zerr;
		const char *msg = gzerror(in->gz, &zerr);
		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			/* zlib names the stream "<fd:N>": say the file's name */
			const char *colon = strstr(msg, ": ");
			if (msg[0] == '<' && colon)
				msg = colon + 2;
			return pgt_error_create(
				PGT_ERROR_INPUT,
				"%s:%llu: corrupt or truncated compressed data: %s",
				in->name, (unsigned long long)in->lineno + 1, msg);
		}
		in->eof = true;
	}
	in->end += (size_t)n;
	return NULL;
}

static struct pgt_error *read_line(struct pgt_lineio *in)
{
	for (;;) {
		char *nl = memchr(in->buf + in->start, '\n', in->end - in->start);
		if (nl || (in->eof && in->end > in->start)) {
			size_t len = nl ? (size_t)(nl - (in->buf + in->start))
					: in->end - in->start;
			in->line = in->buf + in->start;
			in->line_len = len;
			in->start += len + (nl ? 1 : 0);
			in->lineno++;
			if (memchr(in->line, '\0', len))
				return pgt_error_create(PGT_ERROR_INPUT,
							"%s:%llu: NUL byte in a text line",
							in->name,
							(unsigned long long)in->lineno);
			in->line[len] = '\0'; /* overwrites the LF (or the spare byte) */
			if (len > 0 && in->line[len - 1] == '\r')
				in->line[--in->line_len] = '\0';
			return NULL;
		}
		if (in->eof) {
			in->line = NULL;
			in->line_len = 0;
			return NULL;
		}
		struct pgt_error *err = fill(in);
		if (err)
			return err;
	}
}

struct pgt_error *pgt_lineio_peek(struct pgt_lineio *in, char **ret,
				  size_t *len_ret)
{
	if (!in->peeked) {
		struct pgt_error *err = read_line(in);
		if (err)
			return err;
		in->peeked = true;
	}
	*ret = in->line;
	*len_ret = in->line_len;
	return NULL;
}

struct pgt_error *pgt_lineio_next(struct pgt_lineio *in, char **ret,
				  size_t *len_ret)
{
	if (in->peeked) {
		in->peeked = false;
	} else {
		struct pgt_error *err = read_line(in);
		if (err)
			return err;
	}
	*ret = in->line;
	*len_ret = in->line_len;
	return NULL;
}

uint64_t pgt_lineio_lineno(const struct pgt_lineio *in)
{
	return in->lineno;
}

const char *pgt_lineio_name(const struct pgt_lineio *in)
{
	return in->name;
}
