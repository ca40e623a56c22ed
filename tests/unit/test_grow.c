/* SPDX-License-Identifier: MIT */
/* Arrays that grow by doubling (core/grow.h). */
#include <stdint.h>
#include <stdlib.h>

#include "core/grow.h"
#include "test_util.h"

static void test_cap(void)
{
	size_t n = 0;
	/* from @min, doubled until @need fits */
	CHECK(pgt_grow_cap(0, 1, 64, 8, &n) && n == 64);
	CHECK(pgt_grow_cap(0, 65, 64, 8, &n) && n == 128);
	CHECK(pgt_grow_cap(100, 101, 64, 8, &n) && n == 200);
	CHECK(pgt_grow_cap(0, 5, 0, 1, &n) && n == 8); /* no minimum: from 1 */
	/* sizes that do not fit in a size_t are refused, not wrapped */
	n = 7;
	CHECK(!pgt_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX, 1, 1, &n) && n == 7);
	CHECK(!pgt_grow_cap(0, SIZE_MAX / 8 + 1, 16, 16, &n) && n == 7);
	CHECK(pgt_grow_cap(0, SIZE_MAX / 2 + 1, 1, 1, &n) && n == SIZE_MAX / 2 + 1);
}

static void test_grow(void)
{
	int *v = NULL;
	size_t cap = 0, n = 0;
	bool ok = true;
	for (int i = 0; i < 1000; i++) {
		if (PGT_GROW(v, cap, n + 1, 16)) {
			ok = false;
			break;
		}
		v[n++] = i;
	}
	CHECK(ok && cap == 1024);
	int sum_ok = 1;
	for (int i = 0; i < 1000; i++)
		sum_ok &= v[i] == i;
	CHECK(sum_ok);
	/* room already: no call, nothing moves */
	int *before = v;
	CHECK(PGT_GROW(v, cap, 1024, 16) == NULL && v == before && cap == 1024);
	/* too large: an error, and the array as it was */
	CHECK(PGT_GROW(v, cap, SIZE_MAX / 2, 16) == &pgt_error_nomem);
	CHECK(v == before && cap == 1024 && v[999] == 999);
	free(v);
}

int main(void)
{
	test_cap();
	test_grow();
	return test_summary();
}
