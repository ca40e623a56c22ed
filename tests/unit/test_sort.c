/* SPDX-License-Identifier: MIT */
/* Sorting by a 64-bit key, and putting elements in a sorted order (core/sort.h). */
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/sort.h"
#include "test_util.h"

static uint64_t rng = 88172645463325252u;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The order a stable comparison sort gives: by key, then by val (input order). */
static int by_key_then_val(const void *a, const void *b)
{
	const struct pgt_keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->val > y->val) - (x->val < y->val);
}

/* Sort @n keys drawn by @draw and compare with qsort's stable order. */
static bool sorts_like_qsort(size_t n, uint64_t (*draw)(size_t i))
{
	struct pgt_keyed *v = malloc((n ? n : 1) * sizeof(*v));
	struct pgt_keyed *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	struct pgt_keyed *want = malloc((n ? n : 1) * sizeof(*want));
	if (!v || !tmp || !want) {
		free(v), free(tmp), free(want);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = want[i] = (struct pgt_keyed){.key = draw(i), .val = i};
	qsort(want, n, sizeof(*want), by_key_then_val);
	const struct pgt_keyed *got = pgt_sort_keyed(v, tmp, n);
	bool ok = (got == v || got == tmp) &&
		  (!n || !memcmp(got, want, n * sizeof(*want)));
	free(v), free(tmp), free(want);
	return ok;
}

static uint64_t any_key(size_t i) { return next_random(); }
static uint64_t small_span(size_t i) { return 1000000 + next_random() % 300; }
static uint64_t few_values(size_t i) { return next_random() % 3; }
static uint64_t descending(size_t i) { return UINT64_MAX - i; }
static uint64_t all_same(size_t i) { return 42; }
/* keys that differ only in their top byte: the passes in between are empty */
static uint64_t top_byte(size_t i) { return (next_random() % 256) << 56; }
static uint64_t extremes(size_t i) { return i % 2 ? UINT64_MAX : 0; }

static void test_sort(void)
{
	uint64_t (*draws[])(size_t) = {any_key,  small_span, few_values,
				       descending, all_same, top_byte,
				       extremes};
	size_t sizes[] = {0, 1, 2, 3, 17, 256, 257, 5000};
	for (size_t d = 0; d < sizeof(draws) / sizeof(draws[0]); d++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			CHECK(sorts_like_qsort(sizes[s], draws[d]));
	/* by hand: equal keys keep their order */
	struct pgt_keyed v[] = {{5, 0}, {3, 1}, {5, 2}, {1, 3}, {3, 4}};
	struct pgt_keyed tmp[5];
	const struct pgt_keyed *r = pgt_sort_keyed(v, tmp, 5);
	uint64_t vals[5];
	for (int i = 0; i < 5; i++)
		vals[i] = r[i].val;
	CHECK(vals[0] == 3 && vals[1] == 1 && vals[2] == 4 && vals[3] == 0 &&
	      vals[4] == 2);
}

struct elem {
	uint64_t serial;
	char name[13]; /* an odd size: memcpy of whole elements */
};

static void test_permute(void)
{
	enum { N = 1000 };
	static struct elem e[N];
	static struct pgt_keyed k[N], tmp[N];
	for (size_t i = 0; i < N; i++) {
		e[i].serial = next_random() % 5000;
		snprintf(e[i].name, sizeof(e[i].name), "e%zu", i);
		k[i] = (struct pgt_keyed){.key = e[i].serial, .val = i};
	}
	static struct elem want[N];
	struct pgt_keyed *sorted = pgt_sort_keyed(k, tmp, N);
	for (size_t j = 0; j < N; j++)
		want[j] = e[sorted[j].val];
	struct elem hold;
	pgt_permute(e, N, sizeof(e[0]), sorted, &hold);
	CHECK(!memcmp(e, want, sizeof(e)));
	/* by hand: a 3-cycle and a fixed point */
	char s[] = "abcd";
	struct pgt_keyed p[] = {{0, 2}, {0, 0}, {0, 1}, {0, 3}};
	char h;
	pgt_permute(s, 4, 1, p, &h);
	CHECK_EQ_STR(s, "cabd");
}

int main(void)
{
	test_sort();
	test_permute();
	return test_summary();
}
