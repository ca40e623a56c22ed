/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli/pipeline.h"
#include "core/cacheline.h"
#include "core/grow.h"

/*
 * Events per batch, and the most batches there are (8 MiB of heads).
 * Batches are made when the reader gets ahead and reused last-drained
 * first, so a model that keeps up touches a few of them, while one that
 * falls behind (a large trace's first vmalloc faults in every pgd) lets
 * the reader run on instead of waiting with a core idle.  A batch is a hand-over (a wake-up
 * when a model waits for it): with more threads than cores, as diff has
 * on two, 8,192 events a batch ran faster than 4,096, the same events in
 * flight.
 */
#define BATCH 8192
#define MAX_BATCHES 16

/*
 * A batch keeps an event as its head (core/event.h), one cache line, and
 * the few whose tails are not zero also whole, in order: the events are
 * written on the reader's core and read on the models', and halving what
 * crosses made a diff use 4-9% less CPU time.
 */
struct __attribute__((aligned(PGT_CACHE_LINE))) head {
	unsigned char b[PGT_EVENT_HEAD];
};

struct whole {
	struct pgt_event ev;
	size_t at; /* its index in the batch */
};

struct batch {
	struct head ev[BATCH];
	struct whole *whole;
	size_t nwhole, whole_cap;
	size_t n;
	int pending; /* workers that have not applied it yet */
};

struct worker {
	struct pipeline *p;
	struct pgt_model *model;
	pthread_t thread;
	bool started;
	uint64_t taken;            /* batches consumed */
	struct pgt_error *err;     /* the model's first error */
	uint64_t err_index;        /* its event's index in the stream */
	uint64_t err_line;
};

struct pipeline {
	int n;
	struct pgt_model *models[2];
	/* one model: applied at once */
	uint64_t pushed;
	/* two models */
	struct worker workers[2];
	/* published batches, oldest first: queue[k % MAX_BATCHES] is the k-th */
	struct batch *queue[MAX_BATCHES];
	struct batch *spare[MAX_BATCHES]; /* drained, the last on top */
	int nspare;
	int nbatches;        /* made so far */
	pthread_mutex_t lock;
	pthread_cond_t filled, drained;
	uint64_t published;  /* batches handed to the workers */
	bool closed;         /* no more batches */
	bool failed;         /* some worker has an error */
	bool seen_failed;    /* failed, as the reader last saw it */
	struct batch *cur;   /* the batch being filled, not yet published */
};

/*
 * How far ahead the events themselves and each stage of
 * pgt_model_prefetch() are brought in, in events.
 */
#define AHEAD_EVENT 32
#define AHEAD_STAGE0 16
#define AHEAD_STAGE1 8
#define AHEAD_STAGE2 4
static const size_t ahead[3] = {AHEAD_STAGE0, AHEAD_STAGE1, AHEAD_STAGE2};
_Static_assert(AHEAD_EVENT > AHEAD_STAGE0 && AHEAD_STAGE0 > AHEAD_STAGE1 &&
		       AHEAD_STAGE1 > AHEAD_STAGE2,
	       "the bulk loop's look-aheads stay inside the batch");

/*
 * A worker makes each event whole again from its head when the first
 * stage comes to it, into a ring that holds it until it is applied.
 */
#define RING 32
_Static_assert(RING > AHEAD_STAGE0 && !(RING & (RING - 1)),
	       "the ring holds the events from the applied one to stage 0's");

struct unpacked {
	const struct batch *b;
	size_t next_whole; /* b->whole[next_whole] is the next whole event */
	struct pgt_event ring[RING];
	uint8_t later[RING]; /* stage 0's answer: the later stages to call */
};

/* Event @i of the batch into its place in the ring (in order of @i). */
static inline void unpack(struct unpacked *u, size_t i)
{
	struct pgt_event *e = &u->ring[i % RING];
	const struct batch *b = u->b;
	if (u->next_whole < b->nwhole && b->whole[u->next_whole].at == i) {
		*e = b->whole[u->next_whole++].ev;
		return;
	}
	memcpy(e, &b->ev[i], PGT_EVENT_HEAD);
	memset((char *)e + PGT_EVENT_HEAD, 0, sizeof(*e) - PGT_EVENT_HEAD);
}

/*
 * Keep @err, the model's error at @ev, event @i of its batch: the model is
 * left alone after.
 */
static __attribute__((cold, noinline)) void
note_error(struct worker *w, const struct pgt_event *ev, size_t i,
	   struct pgt_error *err)
{
	struct pipeline *p = w->p;
	/* Two sides: say which one the error is about. */
	const struct pgt_model_config *c = pgt_model_config(w->model);
	w->err = p->n < 2 ? err
		 : pgt_error_prefix(err, "side %c (%s, kernel %s)",
				    'A' + (int)(w - p->workers),
				    pgt_policy_name(c->policy),
				    pgt_kernel_name(c->kernel));
	w->err_index = w->taken * BATCH + i;
	w->err_line = ev->line;
	pthread_mutex_lock(&p->lock);
	p->failed = true;
	pthread_mutex_unlock(&p->lock);
}

static inline void apply_one(struct worker *w, const struct pgt_event *ev,
			     size_t i)
{
	struct pgt_error *err = pgt_model_apply(w->model, ev);
	if (__builtin_expect(err != NULL, 0))
		note_error(w, ev, i, err);
}

/* Apply a batch with no look-ahead: a small model stays in the caches. */
static void apply_plain(struct worker *w, struct unpacked *u)
{
	for (size_t i = 0, n = u->b->n; i < n && !w->err; i++) {
		unpack(u, i);
		apply_one(w, &u->ring[i % RING], i);
	}
}

/*
 * Apply a batch bringing in what the next events' pgds need while each
 * one is applied.  In the bulk of the batch every look-ahead is in it, so
 * the stages are called with no bounds to check (and, with their stage a
 * constant, each inlined for its own work).  After an error the model is
 * left alone; batches still drain.
 */
static void apply_ahead(struct worker *w, struct unpacked *u)
{
	const struct batch *b = u->b;
	const struct pgt_model *m = w->model;
	size_t n = b->n, i = 0;
	/* (events 0 to AHEAD_STAGE0 - 1 get no look-ahead: later[] is 0) */
	memset(u->later, 0, sizeof(u->later));
	for (size_t k = 0; k < n && k < AHEAD_STAGE0; k++)
		unpack(u, k);
	for (; i + AHEAD_EVENT < n && !w->err; i++) {
		/* the events come from the reader's core */
		__builtin_prefetch(&b->ev[i + AHEAD_EVENT]);
		size_t j = (i + AHEAD_STAGE0) % RING;
		unpack(u, i + AHEAD_STAGE0);
		u->later[j] = (uint8_t)pgt_model_prefetch(m, &u->ring[j], 0);
		j = (i + AHEAD_STAGE1) % RING;
		if (u->later[j] & 1u << 1)
			pgt_model_prefetch(m, &u->ring[j], 1);
		j = (i + AHEAD_STAGE2) % RING;
		if (u->later[j] & 1u << 2)
			pgt_model_prefetch(m, &u->ring[j], 2);
		apply_one(w, &u->ring[i % RING], i);
	}
	for (; i < n && !w->err; i++) {
		if (i + AHEAD_STAGE0 < n) {
			size_t j = (i + AHEAD_STAGE0) % RING;
			unpack(u, i + AHEAD_STAGE0);
			u->later[j] = (uint8_t)pgt_model_prefetch(m, &u->ring[j], 0);
		}
		for (int s = 1; s < 3; s++) {
			size_t j = (i + ahead[s]) % RING;
			if (i + ahead[s] < n && u->later[j] & 1u << s)
				pgt_model_prefetch(m, &u->ring[j], s);
		}
		apply_one(w, &u->ring[i % RING], i);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipeline *p = w->p;
	struct pgt_model *m = w->model;
	pthread_setname_np(pthread_self(), "pgtrace-model");
	struct unpacked u;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (w->taken == p->published && !p->closed)
			pthread_cond_wait(&p->filled, &p->lock);
		if (w->taken == p->published) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		struct batch *b = p->queue[w->taken % MAX_BATCHES];
		pthread_mutex_unlock(&p->lock);
		u.b = b;
		u.next_whole = 0;
		if (pgt_model_prefetch_pays(m))
			apply_ahead(w, &u);
		else
			apply_plain(w, &u);
		pthread_mutex_lock(&p->lock);
		w->taken++;
		if (--b->pending == 0) {
			p->spare[p->nspare++] = b;
			pthread_cond_signal(&p->drained);
		}
		pthread_mutex_unlock(&p->lock);
	}
}

static struct batch *batch_new(void)
{
	struct batch *b = aligned_alloc(PGT_CACHE_LINE, sizeof(*b));
	if (b) {
		b->whole = NULL;
		b->nwhole = b->whole_cap = b->n = 0;
		b->pending = 0;
	}
	return b;
}

static void batch_free(struct batch *b)
{
	if (b)
		free(b->whole);
	free(b);
}

struct pgt_error *pipeline_create(struct pgt_model *const *models, int n,
				  struct pipeline **ret)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return &pgt_error_nomem;
	p->n = n;
	for (int i = 0; i < n; i++)
		p->models[i] = models[i];
	if (n == 0) {
		*ret = p;
		return NULL;
	}
	p->cur = batch_new();
	if (!p->cur) {
		free(p);
		return &pgt_error_nomem;
	}
	p->nbatches = 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->drained, NULL);
	for (int i = 0; i < n; i++) {
		struct worker *w = &p->workers[i];
		w->p = p;
		w->model = models[i];
		int rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc) {
			pipeline_destroy(p);
			return pgt_error_create(PGT_ERROR_IO,
						"cannot start a model thread: %s",
						strerror(rc));
		}
		w->started = true;
	}
	*ret = p;
	return NULL;
}

/* Hand the batch being filled to the workers (under p->lock). */
static void publish_locked(struct pipeline *p)
{
	p->cur->pending = p->n;
	p->queue[p->published % MAX_BATCHES] = p->cur;
	p->published++;
	pthread_cond_broadcast(&p->filled);
	p->cur = NULL;
}

/*
 * Publish the batch being filled and take the next one: a drained one, a
 * new one while there are fewer than MAX_BATCHES, else wait for a drain.
 */
static struct pgt_error *publish(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	publish_locked(p);
	while (!p->nspare && p->nbatches == MAX_BATCHES)
		pthread_cond_wait(&p->drained, &p->lock);
	struct batch *next = p->nspare ? p->spare[--p->nspare] : NULL;
	p->seen_failed = p->failed;
	pthread_mutex_unlock(&p->lock);
	if (!next) {
		/* only this thread makes batches */
		if (!(next = batch_new()))
			return &pgt_error_nomem;
		p->nbatches++;
	}
	next->n = 0;
	next->nwhole = 0;
	p->cur = next;
	return NULL;
}

struct pgt_error *pipeline_push(struct pipeline *p, const struct pgt_event *ev,
				uint64_t *line_ret)
{
	if (p->n == 0) {
		p->pushed++;
		struct pgt_error *err = pgt_model_apply(p->models[0], ev);
		if (err)
			*line_ret = ev->line;
		return err;
	}
	struct batch *b = p->cur;
	memcpy(&b->ev[b->n], ev, PGT_EVENT_HEAD);
	if (!pgt_event_tail_zero(ev)) {
		struct pgt_error *err = PGT_GROW(b->whole, b->whole_cap,
						 b->nwhole + 1, 64);
		if (err) {
			*line_ret = ev->line;
			return err;
		}
		b->whole[b->nwhole++] = (struct whole){*ev, b->n};
	}
	if (++b->n == BATCH) {
		struct pgt_error *err = publish(p);
		if (err) {
			*line_ret = ev->line;
			return err;
		}
	}
	return NULL;
}

bool pipeline_failed(struct pipeline *p)
{
	return p->n > 0 && p->seen_failed;
}

/* Stop the workers after what is queued. */
static void close_and_join(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->closed = true;
	pthread_cond_broadcast(&p->filled);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n; i++) {
		if (p->workers[i].started) {
			pthread_join(p->workers[i].thread, NULL);
			p->workers[i].started = false;
		}
	}
}

struct pgt_error *pipeline_finish(struct pipeline *p, uint64_t *line_ret)
{
	if (p->n == 0)
		return NULL;
	if (p->cur && p->cur->n) {
		pthread_mutex_lock(&p->lock);
		publish_locked(p);
		pthread_mutex_unlock(&p->lock);
	}
	close_and_join(p);
	struct worker *first = NULL;
	for (int i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];
		if (w->err && (!first || w->err_index < first->err_index))
			first = w;
	}
	if (!first)
		return NULL;
	struct pgt_error *err = first->err;
	*line_ret = first->err_line;
	first->err = NULL;
	return err;
}

void pipeline_destroy(struct pipeline *p)
{
	if (!p)
		return;
	if (p->n > 0) {
		close_and_join(p);
		for (int i = 0; i < p->n; i++)
			pgt_error_destroy(p->workers[i].err);
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->filled);
		pthread_cond_destroy(&p->drained);
		/* every batch is drained, or the one being filled */
		for (int i = 0; i < p->nspare; i++)
			batch_free(p->spare[i]);
		batch_free(p->cur);
	}
	free(p);
}
