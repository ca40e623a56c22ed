/* SPDX-License-Identifier: MIT */
/*
 * CRC-32 of gzip (the one zlib's crc32() computes), by carry-less
 * multiplication on x86-64 CPUs that have it, and by zlib elsewhere.
 */
#ifndef PGTRACE_FORMATS_CRC32_H
#define PGTRACE_FORMATS_CRC32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when pgt_crc32() is faster than zlib's (PCLMULQDQ and SSE4.1). */
bool pgt_crc32_fast(void);

/* zlib's crc32(@crc, @buf, @len): the CRC of @buf continuing @crc. */
uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len);

#endif
