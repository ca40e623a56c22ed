/* SPDX-License-Identifier: MIT */
/*
 * Arrays that grow by doubling.  Every part of pgtrace appends to arrays
 * of its own (rows, samples, symbols, undo steps, string arenas); the
 * capacity arithmetic and its overflow check live here once.
 */
#ifndef PGTRACE_CORE_GROW_H
#define PGTRACE_CORE_GROW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/*
 * The capacity, in elements of @elem bytes, that an array with room for
 * @cap needs to hold @need: @cap (or @min, when @cap is 0) doubled until
 * it holds @need.  False when so many bytes would not fit in a size_t.
 */
bool pgt_grow_cap(size_t cap, size_t need, size_t min, size_t elem,
		  size_t *ret);

/*
 * Make the array *@arr of *@cap elements of @elem bytes hold at least
 * @need (pgt_grow_cap()), with realloc(): NULL, or &pgt_error_nomem with
 * *@arr and *@cap left as they were.
 */
struct pgt_error *pgt_grow(void **arr, size_t *cap, size_t need, size_t min,
			   size_t elem);

/*
 * pgt_grow() for an array @arr of any element type whose capacity @cap is
 * a size_t; the test for room is inline (most appends find it).
 */
#define PGT_GROW(arr, cap, need, min)                                         \
	({                                                                    \
		_Static_assert(sizeof(cap) == sizeof(size_t),                 \
			       "PGT_GROW: the capacity is a size_t");         \
		(size_t)(need) <= (cap)                                       \
			? NULL                                                \
			: pgt_grow((void **)&(arr), &(cap), (need), (min),    \
				   sizeof(*(arr)));                           \
	})

#endif
