/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/sort.h"

struct pgt_keyed *pgt_sort_keyed(struct pgt_keyed *v, struct pgt_keyed *tmp,
				 size_t n)
{
	if (n < 2)
		return v;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		lo = v[i].key < lo ? v[i].key : lo;
		hi = v[i].key > hi ? v[i].key : hi;
	}
	/*
	 * Least significant byte first over key - lo: the serials of a run
	 * span a few million at most, so two or three passes, not eight.
	 */
	uint64_t span = hi - lo;
	size_t count[8][256] = {{0}};
	int bytes = 0;
	while (bytes < 8 && (span >> (8 * bytes)))
		bytes++;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = v[i].key - lo;
		for (int b = 0; b < bytes; b++)
			count[b][(k >> (8 * b)) & 0xff]++;
	}
	struct pgt_keyed *from = v, *to = tmp;
	for (int b = 0; b < bytes; b++) {
		size_t pos[256], sum = 0;
		for (int d = 0; d < 256; d++) {
			pos[d] = sum;
			sum += count[b][d];
		}
		for (size_t i = 0; i < n; i++)
			to[pos[((from[i].key - lo) >> (8 * b)) & 0xff]++] = from[i];
		struct pgt_keyed *t = from;
		from = to;
		to = t;
	}
	return from;
}

void pgt_permute(void *base, size_t n, size_t size, struct pgt_keyed *perm,
		 void *hold)
{
	char *b = base;
	/* Follow each cycle once; a placed index is marked by val == itself. */
	for (size_t j = 0; j < n; j++) {
		if (perm[j].val == j)
			continue;
		memcpy(hold, b + j * size, size);
		size_t k = j;
		for (;;) {
			size_t src = (size_t)perm[k].val;
			perm[k].val = k;
			if (src == j) {
				memcpy(b + k * size, hold, size);
				break;
			}
			memcpy(b + k * size, b + src * size, size);
			k = src;
		}
	}
}
