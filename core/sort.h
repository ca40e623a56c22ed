/* SPDX-License-Identifier: MIT */
/*
 * Sorting by a 64-bit key.  A report's rows are put in allocation order
 * (by serial) twice: a spool's runs of freed pgds' rows, and the live
 * records at the end.  qsort() with a comparison that reads each row's
 * serial through a pointer was 5% of the model thread's time on a churn
 * replay with 10,000 live pgds; a radix sort of (key, value) pairs reads
 * each key once, in order.
 */
#ifndef PGTRACE_CORE_SORT_H
#define PGTRACE_CORE_SORT_H

#include <stddef.h>
#include <stdint.h>

/* A key and what it stands for (an index, usually). */
struct pgt_keyed {
	uint64_t key;
	uint64_t val;
};

/*
 * Sort @v[0..@n) by key; items with equal keys keep their order.  @tmp
 * is scratch room for @n items.  Returns the array holding the result:
 * @v or @tmp.  Time O(n) per byte in which the keys differ (at most 8).
 */
struct pgt_keyed *pgt_sort_keyed(struct pgt_keyed *v, struct pgt_keyed *tmp,
				 size_t n);

/*
 * Put @n elements of @size bytes at @base in the order of @perm, sorted
 * items whose vals are the elements' indices (each exactly once): the
 * element at index perm[j].val moves to index j.  In place, through
 * @hold (room for one element); perm's vals are overwritten.
 */
void pgt_permute(void *base, size_t n, size_t size, struct pgt_keyed *perm,
		 void *hold);

#endif
