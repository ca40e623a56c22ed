/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "core/grow.h"

bool pgt_grow_cap(size_t cap, size_t need, size_t min, size_t elem,
		  size_t *ret)
{
	size_t n = cap ? cap : min ? min : 1;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	if (elem && n > SIZE_MAX / elem)
		return false;
	*ret = n;
	return true;
}

struct pgt_error *pgt_grow(void **arr, size_t *cap, size_t need, size_t min,
			   size_t elem)
{
	if (need <= *cap)
		return NULL;
	size_t n;
	if (!pgt_grow_cap(*cap, need, min, elem, &n))
		return &pgt_error_nomem;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return &pgt_error_nomem;
	*arr = p;
	*cap = n;
	return NULL;
}
