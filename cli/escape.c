/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/escape.h"

int escape_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len;
	/* The second byte's range narrows for E0, ED, F0, F4 (RFC 3629). */
	unsigned char lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
		if (s[i] < min || s[i] > max)
			return 0;
	}
	return len;
}

/*
 * The stream's state: the bytes of a UTF-8 sequence that a write ended in
 * the middle of wait for the next write.
 */
struct esc {
	int fd;
	unsigned char pend[4];
	size_t npend;
};

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static size_t put_hex(char *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

/*
 * Escape @n bytes at @s into @out (room for 4 * @n); an incomplete
 * sequence at the end is kept in @e unless @final.
 */
static size_t escape_bytes(struct esc *e, const unsigned char *s, size_t n,
			   bool final, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		int len = c < 0x80 ? 0 : escape_utf8_len(s + i, n - i);
		if (len < 0 && !final) {
			memcpy(e->pend, s + i, n - i);
			e->npend = n - i;
			break;
		}
		if (len > 0) {
			memcpy(out + o, s + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			o += put_hex(out + o, c);
			i++;
		}
	}
	return o;
}

/*
 * Whether @n bytes at @s pass unchanged: printable ASCII, newline and tab.
 * Eight bytes at a time: a report of 10^5 rows is megabytes of such text.
 */
static bool plain_ascii(const unsigned char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		/* 0x7f and above: a high bit in the byte or in its low seven bits + 1 */
		uint64_t bad = (x | ((x & ~highs) + ones)) & highs;
		/* below 0x20 (tab and newline too: the bytes are looked at one by one) */
		uint64_t low = (x - 0x2020202020202020u) & ~x & highs;
		if (bad || low) {
			for (size_t k = i; k < i + 8; k++)
				if ((s[k] < 0x20 && s[k] != '\n' && s[k] != '\t') ||
				    s[k] >= 0x7f)
					return false;
		}
	}
	for (; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] >= 0x7f)
			return false;
	return true;
}

static ssize_t esc_write(void *cookie, const char *buf, size_t size)
{
	struct esc *e = cookie;
	if (!e->npend && plain_ascii((const unsigned char *)buf, size))
		return write_all(e->fd, buf, size) ? (ssize_t)size : -1;
	size_t n = e->npend + size;
	unsigned char *in = malloc(n);
	char *out = malloc(4 * n + 1);
	if (!in || !out) {
		free(in);
		free(out);
		errno = ENOMEM;
		return -1;
	}
	memcpy(in, e->pend, e->npend);
	memcpy(in + e->npend, buf, size);
	e->npend = 0;
	size_t o = escape_bytes(e, in, n, false, out);
	bool ok = write_all(e->fd, out, o);
	free(in);
	free(out);
	return ok ? (ssize_t)size : -1;
}

static int esc_close(void *cookie)
{
	struct esc *e = cookie;
	char out[16];
	size_t o = escape_bytes(e, e->pend, e->npend, true, out);
	bool ok = write_all(e->fd, out, o);
	free(e);
	return ok ? 0 : -1;
}

/* What escape_stream() replaced, for escape_streams_end(). */
static struct {
	FILE **where;
	FILE *orig, *mine;
} replaced[2];
static size_t nreplaced;

FILE *escape_original(FILE *stream)
{
	for (size_t i = 0; i < nreplaced; i++)
		if (replaced[i].mine == stream)
			return replaced[i].orig;
	return stream;
}

void escape_streams_end(void)
{
	while (nreplaced) {
		nreplaced--;
		*replaced[nreplaced].where = replaced[nreplaced].orig;
		fclose(replaced[nreplaced].mine);
	}
}

bool escape_stream(FILE **stream)
{
	if (nreplaced == sizeof(replaced) / sizeof(replaced[0]))
		return false;
	/* argp_error() and --help exit() from inside the commands. */
	static bool registered;
	if (!registered && atexit(escape_streams_end) != 0)
		return false;
	registered = true;
	struct esc *e = calloc(1, sizeof(*e));
	if (!e)
		return false;
	e->fd = fileno(*stream);
	if (e->fd < 0 || fflush(*stream) != 0) {
		free(e);
		return false;
	}
	cookie_io_functions_t io = {.write = esc_write, .close = esc_close};
	FILE *f = fopencookie(e, "w", io);
	if (!f) {
		free(e);
		return false;
	}
	/* Keep the buffering the stream had: stderr unbuffered, a tty by line. */
	if (*stream == stderr)
		setvbuf(f, NULL, _IONBF, 0);
	else if (isatty(e->fd))
		setvbuf(f, NULL, _IOLBF, 0);
	replaced[nreplaced].where = stream;
	replaced[nreplaced].orig = *stream;
	replaced[nreplaced].mine = f;
	nreplaced++;
	*stream = f;
	return true;
}
