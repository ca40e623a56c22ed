/* SPDX-License-Identifier: MIT */
/*
 * Reading and inflating run on a thread of their own, ahead of the line
 * splitter, through a ring of large chunks: decompression costs as
 * much as parsing, and the two then overlap.  The reader never decides
 * anything the consumer sees out of order: an error travels as the last
 * chunk's status and becomes a message only when the consumer reaches it,
 * with the consumer's line number, so messages do not depend on timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/grow.h"
#include "formats/crc32.h"
#include "formats/lineio.h"

/*
 * The ring holds 8 MiB of text, in chunks of 512 KiB.  pgtrace runs three
 * busy threads (reading, parsing, the model) on as few as two cores, and
 * a replay is only as fast as the cores are kept busy: with 4 MiB in
 * chunks of 1 MiB, a replay of a converted recording with 10,000 live
 * pgds had its parser wait for text 0.4 s and its reader wait for room
 * 0.2 s of a 1.7 s run, each while the model waited for the parser, a
 * core idle.  8 MiB let the reader run on while the parser and the model
 * take turns: 6% less wall time (bench/ab.py, 6-8 rounds, converted and
 * ftrace replays with 10,000 live pgds; with 100, and native traces,
 * whose reader is the slowest thread, no difference).  16 MiB gained no
 * more, and a churn replay, whose model is the busiest, lost 2-9% to the
 * caches it took.
 */
#define CHUNK (1u << 19)   /* decompressed bytes per chunk */
#define NCHUNKS 16         /* chunks in the ring */
#define INBUF (1u << 18)   /* compressed bytes per read */
#define SPARE 64           /* bytes after a chunk's CHUNK (see find_nl) */

enum status {
	ST_DATA = 0,   /* more chunks follow */
	ST_EOF,        /* this chunk ends the input */
	ST_ERROR,      /* the input ends in an error (msg) after this chunk */
};

struct chunk {
	char *data;       /* CHUNK + SPARE bytes: a final NUL, find_nl's reads */
	size_t len;
	size_t nul;       /* offset of the first NUL byte, or SIZE_MAX */
	enum status status;
	enum pgt_error_code code; /* ST_ERROR */
	char msg[160];            /* ST_ERROR: the message after "FILE:LINE: " */
	bool line_less;           /* ST_ERROR: no line number (binary position) */
};

struct pgt_lineio {
	char *name;
	int fd;
	uint64_t file_size; /* regular files: the size; else 0 */

	/* the ring, guarded by lock */
	pthread_mutex_t lock;
	pthread_cond_t filled, drained;
	struct chunk ring[NCHUNKS];
	unsigned head, tail; /* chunks produced, consumed (mod NCHUNKS) */
	bool stop;           /* the consumer is gone: the reader quits */
	pthread_t thread;
	bool thread_started;
	int wake[2];         /* close() writes a byte: a blocked reader quits */
	uint64_t bytes_read; /* compressed bytes read so far (atomic) */

	/* the consumer */
	struct chunk *cur;   /* the chunk being split, NULL before the first */
	size_t pos;
	char *carry;         /* a line spanning chunks */
	size_t carry_len, carry_cap;
	uint64_t lineno;
	bool peeked;         /* the current line is a peek, not yet consumed */
	char *line;
	size_t line_len;
	/* find_nl's LF bitmap of the chunk's 64 bytes from nl_base */
	size_t nl_base;
	uint64_t nl_bits;
};

/* ------------------------------------------------------------------ */
/* The reader thread */

/* The chunk to fill next, waiting for room; NULL when told to stop. */
static struct chunk *producer_get(struct pgt_lineio *in)
{
	pthread_mutex_lock(&in->lock);
	while (!in->stop && in->head - in->tail == NCHUNKS)
		pthread_cond_wait(&in->drained, &in->lock);
	struct chunk *c = in->stop ? NULL : &in->ring[in->head % NCHUNKS];
	pthread_mutex_unlock(&in->lock);
	if (c) {
		c->len = 0;
		c->status = ST_DATA;
		c->line_less = false;
	}
	return c;
}

static void producer_put(struct pgt_lineio *in, struct chunk *c)
{
	char *z = memchr(c->data, '\0', c->len);
	c->nul = z ? (size_t)(z - c->data) : SIZE_MAX;
	pthread_mutex_lock(&in->lock);
	in->head++;
	pthread_cond_signal(&in->filled);
	pthread_mutex_unlock(&in->lock);
}

static void chunk_fail(struct chunk *c, enum pgt_error_code code,
		       bool line_less, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void chunk_fail(struct chunk *c, enum pgt_error_code code,
		       bool line_less, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->status = ST_ERROR;
	c->code = code;
	c->line_less = line_less;
}

/*
 * read(2), except that a pipe whose writer is idle must not keep a consumer
 * that stopped early (--at, an error) waiting: such input is polled
 * together with the wake pipe pgt_lineio_close() writes to.  Returns -1
 * with errno ECANCELED when woken.
 */
static ssize_t read_some(struct pgt_lineio *in, void *buf, size_t len)
{
	ssize_t n = -1;
	do {
		if (!in->file_size) {
			struct pollfd p[2] = {{.fd = in->fd, .events = POLLIN},
					      {.fd = in->wake[0], .events = POLLIN}};
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (p[1].revents) {
				errno = ECANCELED;
				return -1;
			}
		}
		n = read(in->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		__atomic_add_fetch(&in->bytes_read, (uint64_t)n, __ATOMIC_RELAXED);
	return n;
}

/*
 * Would the next read of a pipe block?  Then what was read goes to the
 * consumer at once: a live trace_pipe must not wait for a full chunk.
 */
static bool would_block(struct pgt_lineio *in)
{
	if (in->file_size)
		return false;
	struct pollfd p = {.fd = in->fd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

/* Plain input: chunks straight from read(2). */
static void produce_plain(struct pgt_lineio *in, const unsigned char *pre,
			  size_t npre)
{
	struct chunk *c;
	while ((c = producer_get(in))) {
		if (npre) {
			memcpy(c->data, pre, npre);
			c->len = npre;
			npre = 0;
		}
		while (c->len < CHUNK) {
			if (c->len && would_block(in))
				break;
			ssize_t n = read_some(in, c->data + c->len, CHUNK - c->len);
			if (n < 0) {
				chunk_fail(c, PGT_ERROR_IO, false, "read error: %s",
					   strerror(errno));
				break;
			}
			if (n == 0) {
				c->status = ST_EOF;
				break;
			}
			c->len += (size_t)n;
		}
		producer_put(in, c);
		if (c->status != ST_DATA)
			return;
	}
}

/*
 * A gzip member's trailer check (RFC 1952: CRC-32 and size mod 2^32, each
 * little-endian), with zlib's words for a mismatch.
 */
struct member_check {
	uint32_t crc;        /* of the output so far */
	uint64_t size;
	unsigned char tail[8]; /* the last 8 compressed bytes consumed */
};

static void check_consumed(struct member_check *mc, const unsigned char *from,
			   const unsigned char *to)
{
	size_t n = (size_t)(to - from);
	if (n >= 8) {
		memcpy(mc->tail, to - 8, 8);
	} else if (n) {
		memmove(mc->tail, mc->tail + n, 8 - n);
		memcpy(mc->tail + 8 - n, from, n);
	}
}

static const char *check_trailer(const struct member_check *mc)
{
	const unsigned char *t = mc->tail;
	uint32_t crc = t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24;
	uint32_t size = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
	if (crc != mc->crc)
		return "incorrect data check";
	if (size != (uint32_t)mc->size)
		return "incorrect length check";
	return NULL;
}

/*
 * zlib inflates without checking the trailer (inflateValidate), and the
 * CRC is taken here with pgt_crc32(): zlib's own CRC was a fifth of the
 * reading thread's time.  zlib 1.2.9 and later; before, zlib checks.
 */
#if ZLIB_VERNUM >= 0x1290
#define OWN_CHECK 1
#else
#define OWN_CHECK 0
#endif

/*
 * gzip input: any number of members, each checked (CRC, length);
 * anything after the last member that is not another member is an error,
 * as gzip(1) reports "trailing garbage".
 */
static void produce_gzip(struct pgt_lineio *in, unsigned char *inbuf,
			 size_t npre)
{
	z_stream zs = {0};
	struct chunk *c = producer_get(in);
	if (!c)
		return;
	if (inflateInit2(&zs, 15 + 16) != Z_OK ||
	    (OWN_CHECK && inflateValidate(&zs, 0) != Z_OK)) {
		chunk_fail(c, PGT_ERROR_NOMEM, false, "out of memory");
		producer_put(in, c);
		return;
	}
	zs.next_in = inbuf;
	zs.avail_in = (uInt)npre;
	uint64_t consumed = 0; /* compressed bytes before next_in */
	bool eof = false, between = false; /* between: a member just ended */
	struct member_check mc = {0};
	for (;;) {
		if (zs.avail_in == 0 || (between && zs.avail_in < 2 && !eof)) {
			if (c->len && !eof && would_block(in)) {
				producer_put(in, c);
				if (!(c = producer_get(in))) {
					inflateEnd(&zs);
					return;
				}
			}
			if (zs.avail_in)
				memmove(inbuf, zs.next_in, zs.avail_in);
			ssize_t n = eof ? 0
					: read_some(in, inbuf + zs.avail_in,
						    INBUF - zs.avail_in);
			if (n < 0) {
				chunk_fail(c, PGT_ERROR_IO, false, "read error: %s",
					   strerror(errno));
				break;
			}
			zs.next_in = inbuf;
			zs.avail_in += (uInt)n;
			if (n == 0)
				eof = true;
		}
		if (between) {
			if (zs.avail_in == 0 && eof) {
				c->status = ST_EOF;
				break;
			}
			if (zs.avail_in < 2 || zs.next_in[0] != 0x1f ||
			    zs.next_in[1] != 0x8b) {
				chunk_fail(c, PGT_ERROR_INPUT, true,
					   "byte %llu: trailing garbage after the gzip data",
					   (unsigned long long)consumed);
				break;
			}
			inflateReset(&zs);
			if (OWN_CHECK)
				inflateValidate(&zs, 0);
			mc = (struct member_check){0};
			between = false;
		}
		zs.next_out = (unsigned char *)c->data + c->len;
		zs.avail_out = (uInt)(CHUNK - c->len);
		uInt before_in = zs.avail_in;
		const unsigned char *from = zs.next_in;
		int rc = inflate(&zs, Z_NO_FLUSH);
		consumed += before_in - zs.avail_in;
		size_t out = CHUNK - zs.avail_out - c->len;
		if (OWN_CHECK) {
			mc.crc = pgt_crc32(mc.crc, c->data + c->len, out);
			mc.size += out;
			check_consumed(&mc, from, zs.next_in);
		}
		c->len += out;
		const char *bad;
		if (rc == Z_STREAM_END && OWN_CHECK && (bad = check_trailer(&mc))) {
			chunk_fail(c, PGT_ERROR_INPUT, false,
				   "corrupt compressed data: %s", bad);
			break;
		} else if (rc == Z_STREAM_END) {
			between = true;
		} else if (rc == Z_BUF_ERROR && eof && zs.avail_in == 0) {
			/* no progress, no more input, and the member goes on
			 * (inflate is asked again once input ran out, so output
			 * it still held is not mistaken for truncation) */
			chunk_fail(c, PGT_ERROR_INPUT, false,
				   "corrupt or truncated compressed data: unexpected end of file");
			break;
		} else if (rc == Z_MEM_ERROR) {
			chunk_fail(c, PGT_ERROR_NOMEM, false, "out of memory");
			break;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			chunk_fail(c, PGT_ERROR_INPUT, false,
				   "corrupt compressed data: %s",
				   zs.msg ? zs.msg : "error");
			break;
		}
		if (c->len == CHUNK) {
			producer_put(in, c);
			if (!(c = producer_get(in))) {
				inflateEnd(&zs);
				return;
			}
		}
	}
	inflateEnd(&zs);
	producer_put(in, c);
}

static void *reader_main(void *arg)
{
	struct pgt_lineio *in = arg;
	pthread_setname_np(pthread_self(), "pgtrace-read"); /* for perf, top */
	unsigned char *inbuf = malloc(INBUF);
	if (!inbuf) {
		struct chunk *c = producer_get(in);
		if (c) {
			chunk_fail(c, PGT_ERROR_NOMEM, false, "out of memory");
			producer_put(in, c);
		}
		return NULL;
	}
	/* gzip or not: by the magic, as gzip -dc -f and zlib's gzread do */
	size_t n = 0;
	while (n < 2) {
		ssize_t r = read_some(in, inbuf + n, INBUF - n);
		if (r <= 0) {
			if (r < 0) {
				struct chunk *c = producer_get(in);
				if (c) {
					chunk_fail(c, PGT_ERROR_IO, false,
						   "read error: %s", strerror(errno));
					producer_put(in, c);
				}
				free(inbuf);
				return NULL;
			}
			break;
		}
		n += (size_t)r;
	}
	if (n >= 2 && inbuf[0] == 0x1f && inbuf[1] == 0x8b)
		produce_gzip(in, inbuf, n);
	else
		produce_plain(in, inbuf, n);
	free(inbuf);
	return NULL;
}

/* ------------------------------------------------------------------ */

struct pgt_error *pgt_lineio_open(const char *path, struct pgt_lineio **ret)
{
	struct pgt_lineio *in = calloc(1, sizeof(*in));
	if (!in)
		return &pgt_error_nomem;
	in->fd = -1;
	in->wake[0] = in->wake[1] = -1;
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->filled, NULL);
	pthread_cond_init(&in->drained, NULL);
	in->name = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	if (!in->name) {
		pgt_lineio_close(in);
		return &pgt_error_nomem;
	}
	for (int i = 0; i < NCHUNKS; i++) {
		if (!(in->ring[i].data = calloc(1, CHUNK + SPARE))) {
			pgt_lineio_close(in);
			return &pgt_error_nomem;
		}
	}
	in->fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (in->fd < 0) {
		struct pgt_error *err = pgt_error_create(
			PGT_ERROR_IO, "%s: %s", in->name, strerror(errno));
		pgt_lineio_close(in);
		return err;
	}
	struct stat st;
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode))
		in->file_size = (uint64_t)st.st_size;
	if (!in->file_size && pipe2(in->wake, O_CLOEXEC) < 0) {
		struct pgt_error *err = pgt_error_create(
			PGT_ERROR_IO, "%s: %s", in->name, strerror(errno));
		pgt_lineio_close(in);
		return err;
	}
	int rc = pthread_create(&in->thread, NULL, reader_main, in);
	if (rc) {
		struct pgt_error *err = pgt_error_create(
			PGT_ERROR_IO, "%s: cannot start a reading thread: %s",
			in->name, strerror(rc));
		pgt_lineio_close(in);
		return err;
	}
	in->thread_started = true;
	*ret = in;
	return NULL;
}

void pgt_lineio_close(struct pgt_lineio *in)
{
	if (!in)
		return;
	if (in->thread_started) {
		pthread_mutex_lock(&in->lock);
		in->stop = true;
		pthread_cond_broadcast(&in->drained);
		pthread_mutex_unlock(&in->lock);
		if (in->wake[1] >= 0) {
			ssize_t n;
			do
				n = write(in->wake[1], "", 1);
			while (n < 0 && errno == EINTR);
		}
		pthread_join(in->thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (in->wake[i] >= 0)
			close(in->wake[i]);
	if (in->fd >= 0)
		close(in->fd);
	for (int i = 0; i < NCHUNKS; i++)
		free(in->ring[i].data);
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->filled);
	pthread_cond_destroy(&in->drained);
	free(in->carry);
	free(in->name);
	free(in);
}

/* The next chunk, waiting for it; the current one goes back to the reader. */
static void next_chunk(struct pgt_lineio *in)
{
	pthread_mutex_lock(&in->lock);
	if (in->cur) {
		in->tail++;
		pthread_cond_signal(&in->drained);
	}
	while (in->head == in->tail)
		pthread_cond_wait(&in->filled, &in->lock);
	struct chunk *c = &in->ring[in->tail % NCHUNKS];
	pthread_mutex_unlock(&in->lock);
	in->cur = c;
	in->pos = 0;
	in->nl_base = SIZE_MAX;
}

/* Bit i set: p[i] is a LF, for the 64 bytes at @p. */
static inline uint64_t lf_bits(const char *p)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	uint64_t m = 0;
	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))
		     << (16 * i);
	}
	return m;
#else
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)(p[i] == '\n') << i;
	return m;
#endif
}

/* The LF bits of the chunk's block at @base (a multiple of 64), in c->len. */
static inline uint64_t lf_block(const struct chunk *c, size_t base)
{
	/* reads up to 63 bytes past c->len: the SPARE bytes cover them */
	uint64_t m = lf_bits(c->data + base);
	if (c->len - base < 64)
		m &= (UINT64_C(1) << (c->len - base)) - 1;
	return m;
}

/*
 * The first LF at or after @pos in the current chunk, or NULL: memchr's
 * result, from a bitmap of 64 bytes at a time kept between calls (lines
 * are short, and a call per line cost more than the search).
 */
static inline char *find_nl(struct pgt_lineio *in, const struct chunk *c,
			    size_t pos)
{
	size_t base = pos & ~(size_t)63;
	uint64_t bits = base == in->nl_base ? in->nl_bits : lf_block(c, base);
	bits &= ~UINT64_C(0) << (pos - base);
	while (!bits) {
		base += 64;
		if (base >= c->len)
			return NULL;
		bits = lf_block(c, base);
	}
	in->nl_base = base;
	in->nl_bits = bits;
	return c->data + base + __builtin_ctzll(bits);
}

static struct pgt_error *final_error(struct pgt_lineio *in, struct chunk *c)
{
	if (c->line_less)
		return pgt_error_create(c->code, "%s: %s", in->name, c->msg);
	if (c->code == PGT_ERROR_NOMEM)
		return &pgt_error_nomem;
	return pgt_error_create(c->code, "%s:%llu: %s", in->name,
				(unsigned long long)in->lineno + 1, c->msg);
}

static struct pgt_error *too_long(struct pgt_lineio *in)
{
	return pgt_error_create(PGT_ERROR_INPUT,
				"%s:%llu: line longer than %u bytes", in->name,
				(unsigned long long)in->lineno + 1, PGT_LINE_MAX);
}

static struct pgt_error *carry_append(struct pgt_lineio *in, const char *s,
				      size_t len)
{
	if (in->carry_len + len >= PGT_LINE_MAX)
		return too_long(in);
	struct pgt_error *err = PGT_GROW(in->carry, in->carry_cap,
					 in->carry_len + len + 1, 4096);
	if (err)
		return err;
	memcpy(in->carry + in->carry_len, s, len);
	in->carry_len += len;
	return NULL;
}

/* Set the current line to @s (@len bytes, writable at s[len]). */
static struct pgt_error *set_line(struct pgt_lineio *in, char *s, size_t len,
				  bool has_nul)
{
	in->lineno++;
	if (has_nul)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s:%llu: NUL byte in a text line",
					in->name, (unsigned long long)in->lineno);
	s[len] = '\0'; /* overwrites the LF (or the spare byte) */
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	in->line = s;
	in->line_len = len;
	return NULL;
}

static struct pgt_error *read_line(struct pgt_lineio *in)
{
	in->carry_len = 0;
	for (;;) {
		struct chunk *c = in->cur;
		if (!c || in->pos == c->len) {
			if (!c || c->status == ST_DATA) {
				next_chunk(in);
				continue;
			}
			/* the end of the input: a last line without LF first,
			 * unless an error cut it short */
			if (c->status == ST_ERROR)
				return final_error(in, c);
			if (in->carry_len)
				return set_line(in, in->carry, in->carry_len,
						memchr(in->carry, '\0',
						       in->carry_len) != NULL);
			in->line = NULL;
			in->line_len = 0;
			return NULL;
		}
		char *start = c->data + in->pos;
		size_t avail = c->len - in->pos;
		char *nl = find_nl(in, c, in->pos);
		if (nl && !in->carry_len) {
			size_t len = (size_t)(nl - start), off = in->pos;
			in->pos += len + 1;
			if (len >= PGT_LINE_MAX)
				return too_long(in);
			return set_line(in, start, len,
					c->nul >= off && c->nul < off + len);
		}
		if (!nl && !in->carry_len && c->status == ST_EOF) {
			/* the last line, without LF: the chunk has a spare byte */
			size_t off = in->pos;
			in->pos = c->len;
			if (avail >= PGT_LINE_MAX)
				return too_long(in);
			return set_line(in, start, avail,
					c->nul >= off && c->nul < c->len);
		}
		/* a line spanning chunks goes through the carry buffer */
		size_t len = nl ? (size_t)(nl - start) : avail;
		struct pgt_error *err = carry_append(in, start, len);
		if (err)
			return err;
		in->pos += len;
		if (nl) {
			in->pos++;
			return set_line(in, in->carry, in->carry_len,
					memchr(in->carry, '\0', in->carry_len) != NULL);
		}
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

size_t pgt_lineio_span(struct pgt_lineio *in, const char **ret)
{
	const struct chunk *c = in->cur;
	if (in->peeked || !c)
		return 0;
	size_t end = c->nul < c->len ? c->nul : c->len;
	if (end <= in->pos)
		return 0;
	*ret = c->data + in->pos;
	return end - in->pos;
}

void pgt_lineio_consume(struct pgt_lineio *in, size_t bytes, uint64_t lines)
{
	in->pos += bytes;
	in->lineno += lines;
}

void pgt_lineio_unget(struct pgt_lineio *in)
{
	in->peeked = true;
}

uint64_t pgt_lineio_lineno(const struct pgt_lineio *in)
{
	return in->lineno;
}

const char *pgt_lineio_name(const struct pgt_lineio *in)
{
	return in->name;
}

void pgt_lineio_progress(const struct pgt_lineio *in, uint64_t *read_ret,
			 uint64_t *size_ret)
{
	*read_ret = __atomic_load_n(&in->bytes_read, __ATOMIC_RELAXED);
	*size_ret = in->file_size;
}
