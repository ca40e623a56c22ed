/* SPDX-License-Identifier: MIT */
/*
 * Zeroing of small structures that are zeroed once per event or per pgd.
 * GCC turns a memset() of a hundred bytes or more, a zeroing loop, or a
 * run of field stores into "rep stos", whose start-up cost (tens of
 * cycles) is more than the stores themselves at these sizes: it was a
 * fifth of pgd_alloc()'s model time, and a line of the parser's.
 */
#ifndef PGTRACE_CORE_ZERO_H
#define PGTRACE_CORE_ZERO_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t pgt_zero_vec __attribute__((vector_size(16), aligned(1), may_alias));
typedef uint64_t pgt_zero_word __attribute__((aligned(1), may_alias));

/* Zero the @n bytes at @p, @n a multiple of 8, with 16-byte stores. */
static inline void pgt_zero_small(void *p, size_t n)
{
	uint64_t w = 0;
	/* an opaque zero (any architecture): GCC cannot see a memset here */
	__asm__("" : "+r"(w));
	pgt_zero_vec z = {w, w};
	pgt_zero_vec *v = p;
	/* a run of stores at the sizes used (120, 320), not a loop */
#pragma GCC unroll 32
	for (size_t i = 0; i < n / sizeof(z); i++)
		v[i] = z;
	if (n % sizeof(z))
		*(pgt_zero_word *)(void *)((char *)p + n - 8) = w;
}

#endif
