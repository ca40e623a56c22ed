/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/spool.h"
#include "cli/tempfile.h"
#include "core/grow.h"
#include "core/sort.h"

#define ROW sizeof(struct pgt_pgd_stats)
/* Rows read from the file at a time, per run being merged. */
#define READ_ROWS 32

void spool_init(struct spool *s, bool all, size_t run_cap)
{
	*s = (struct spool){.all = all,
			    .run_cap = run_cap ? run_cap : SPOOL_RUN_ROWS};
}

void spool_deinit(struct spool *s)
{
	if (s->f)
		fclose(s->f);
	free(s->buf);
	free(s->keys);
	free(s->runs);
	*s = (struct spool){0};
}

/* The gathered rows in allocation order. */
static void sort_run(struct spool *s)
{
	if (!s->n)
		return;
	for (size_t i = 0; i < s->n; i++)
		s->keys[i] = (struct pgt_keyed){.key = s->buf[i].serial, .val = i};
	struct pgt_pgd_stats hold;
	pgt_permute(s->buf, s->n, ROW,
		    pgt_sort_keyed(s->keys, s->keys + s->run_cap, s->n), &hold);
}

/* An unnamed temporary file. */
static FILE *temp_file(void)
{
	char *path;
	int fd = temp_create("rows", &path);
	if (fd >= 0)
		unlink(path);
	free(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (!f && fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

/* The gathered rows, sorted, become a run at the end of the file. */
static int flush_run(struct spool *s)
{
	errno = 0;
	if (!s->f && !(s->f = temp_file()))
		return errno ? errno : ENOMEM;
	if (PGT_GROW(s->runs, s->runs_cap, s->nruns + 1, 16))
		return ENOMEM;
	sort_run(s);
	if (fwrite(s->buf, ROW, s->n, s->f) != s->n)
		return errno ? errno : EIO;
	s->runs[s->nruns++] = (struct spool_run){.first = s->in_file, .n = s->n};
	s->in_file += s->n;
	s->n = 0;
	return 0;
}

void spool_retire(void *ctx, const struct pgt_pgd_stats *st)
{
	struct spool *s = ctx;
	if (s->err || (!s->all && !pgt_pgd_has_findings(st)))
		return;
	if (!s->buf) {
		s->buf = malloc(s->run_cap * ROW);
		s->keys = malloc(2 * s->run_cap * sizeof(*s->keys));
		if (!s->buf || !s->keys) {
			s->err = ENOMEM;
			return;
		}
	}
	if (s->n == s->run_cap && (s->err = flush_run(s)))
		return;
	s->buf[s->n++] = *st;
	s->rows++;
}

struct pgt_error *spool_finish(struct spool *s)
{
	if (!s->err && s->f && fflush(s->f))
		s->err = errno ? errno : EIO;
	if (s->err == ENOMEM)
		return &pgt_error_nomem;
	if (s->err)
		return pgt_error_create(PGT_ERROR_IO,
					"keeping the rows of freed pgds in a temporary file (in $TMPDIR or /tmp): %s",
					strerror(s->err));
	sort_run(s);
	return NULL;
}

/* ---- merged passes ---- */

enum cursor_kind { CUR_LIVE, CUR_MEM, CUR_FILE };

struct cursor {
	enum cursor_kind kind;
	const struct pgt_pgd_stats *cur; /* NULL: exhausted */
	size_t i, n;            /* LIVE, MEM: next index and count */
	uint64_t pos, left;     /* FILE: next row in the file, rows left */
	struct pgt_pgd_stats *rbuf; /* FILE: rows read ahead */
	size_t rpos, rn;
};

struct rows {
	const struct spool *s;
	const struct pgt_model *m;
	size_t ncur;
	size_t *heap; /* cursor indices, a min-heap by cur->serial */
	size_t nheap;
	bool advance_top; /* the top's row was handed out: move on first */
	struct cursor c[];
};

static struct pgt_error *cursor_step(struct rows *it, struct cursor *c)
{
	switch (c->kind) {
	case CUR_LIVE:
		c->cur = c->i < c->n ? pgt_model_pgd(it->m, c->i++) : NULL;
		return NULL;
	case CUR_MEM:
		c->cur = c->i < c->n ? &it->s->buf[c->i++] : NULL;
		return NULL;
	case CUR_FILE:
		break;
	}
	if (c->rpos == c->rn) {
		if (!c->left) {
			c->cur = NULL;
			return NULL;
		}
		size_t want = c->left < READ_ROWS ? (size_t)c->left : READ_ROWS;
		size_t bytes = want * ROW, got = 0;
		while (got < bytes) {
			ssize_t k = pread(fileno(it->s->f), (char *)c->rbuf + got,
					  bytes - got, (off_t)(c->pos * ROW + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return pgt_error_create(PGT_ERROR_IO,
							"reading back the rows of freed pgds: %s",
							k < 0 ? strerror(errno) : "the temporary file is short");
			got += (size_t)k;
		}
		c->pos += want;
		c->left -= want;
		c->rpos = 0;
		c->rn = want;
	}
	c->cur = &c->rbuf[c->rpos++];
	return NULL;
}

static bool heap_less(const struct rows *it, size_t a, size_t b)
{
	return it->c[it->heap[a]].cur->serial < it->c[it->heap[b]].cur->serial;
}

static void sift_down(struct rows *it, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, small = i;
		if (l < it->nheap && heap_less(it, l, small))
			small = l;
		if (l + 1 < it->nheap && heap_less(it, l + 1, small))
			small = l + 1;
		if (small == i)
			return;
		size_t t = it->heap[i];
		it->heap[i] = it->heap[small];
		it->heap[small] = t;
		i = small;
	}
}

struct pgt_error *rows_open(const struct spool *s, const struct pgt_model *m,
			    struct rows **ret)
{
	size_t nruns = s ? s->nruns : 0;
	size_t ncur = 2 + nruns;
	struct rows *it = calloc(1, sizeof(*it) + ncur * sizeof(it->c[0]));
	if (!it)
		return &pgt_error_nomem;
	it->s = s;
	it->m = m;
	it->heap = malloc(ncur * sizeof(*it->heap));
	if (!it->heap) {
		rows_close(it);
		return &pgt_error_nomem;
	}
	it->c[0] = (struct cursor){.kind = CUR_LIVE, .n = pgt_model_npgds(m)};
	it->c[1] = (struct cursor){.kind = CUR_MEM, .n = s ? s->n : 0};
	for (size_t k = 0; k < nruns; k++) {
		struct cursor *c = &it->c[2 + k];
		*c = (struct cursor){.kind = CUR_FILE, .pos = s->runs[k].first,
				     .left = s->runs[k].n};
		if (!(c->rbuf = malloc(READ_ROWS * ROW))) {
			it->ncur = 2 + k + 1;
			rows_close(it);
			return &pgt_error_nomem;
		}
	}
	it->ncur = ncur;
	for (size_t k = 0; k < ncur; k++) {
		struct pgt_error *err = cursor_step(it, &it->c[k]);
		if (err) {
			rows_close(it);
			return err;
		}
		if (it->c[k].cur)
			it->heap[it->nheap++] = k;
	}
	for (size_t i = it->nheap / 2; i-- > 0;)
		sift_down(it, i);
	*ret = it;
	return NULL;
}

struct pgt_error *rows_next(struct rows *it, const struct pgt_pgd_stats **ret)
{
	if (it->advance_top) {
		it->advance_top = false;
		struct cursor *c = &it->c[it->heap[0]];
		struct pgt_error *err = cursor_step(it, c);
		if (err)
			return err;
		if (!c->cur)
			it->heap[0] = it->heap[--it->nheap];
		sift_down(it, 0);
	}
	if (!it->nheap) {
		*ret = NULL;
		return NULL;
	}
	it->advance_top = true;
	*ret = it->c[it->heap[0]].cur;
	return NULL;
}

void rows_close(struct rows *it)
{
	if (!it)
		return;
	for (size_t k = 0; k < it->ncur; k++)
		free(it->c[k].rbuf);
	free(it->heap);
	free(it);
}
