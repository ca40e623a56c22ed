/* SPDX-License-Identifier: MIT */
/*
 * CRC-32 as gzip's trailer holds it (ISO 3309, the polynomial 0x04c11db7
 * reflected), the value zlib's crc32() computes.  Where the CPU has a
 * carry-less multiply (PCLMULQDQ), blocks of 64 bytes and more are folded
 * with it, several times faster than zlib's tables; elsewhere, and for
 * the bytes a fold leaves, zlib's crc32_z() does the work.
 */
#ifndef PGTRACE_FORMATS_CRC32_H
#define PGTRACE_FORMATS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * The CRC-32 of @len bytes at @buf following data whose CRC-32 is @crc
 * (0 to start): pgt_crc32(pgt_crc32(0, a, n), b, m) is the CRC of a then b.
 */
uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len);

/* pgt_crc32() with zlib alone (for tests: the two must agree). */
uint32_t pgt_crc32_portable(uint32_t crc, const void *buf, size_t len);

#endif
