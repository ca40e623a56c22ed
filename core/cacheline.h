/* SPDX-License-Identifier: MIT */
/*
 * The cache line the hot arrays are laid out on: a slot, record or block
 * that starts on one and is no larger is read with a single miss.
 */
#ifndef PGTRACE_CORE_CACHELINE_H
#define PGTRACE_CORE_CACHELINE_H

#include <stddef.h>

#define PGT_CACHE_LINE 64

/* @n bytes rounded up to whole cache lines (a constant expression). */
#define PGT_LINE_ROUND(n) \
	(((size_t)(n) + PGT_CACHE_LINE - 1) & ~(size_t)(PGT_CACHE_LINE - 1))

#endif
