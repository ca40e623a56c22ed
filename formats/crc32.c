/* SPDX-License-Identifier: MIT */
/*
 * Folding by carry-less multiplication, after Intel's "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ Instruction" (2009),
 * with the bit-reflected constants for the gzip polynomial (as in
 * Chromium's zlib, crc32_simd.c).  Inflating spends a fifth of its time in
 * zlib's table-driven CRC; this is several times faster.
 */
#include <zlib.h>

#include "formats/crc32.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FAST_TARGET __attribute__((target("pclmul,sse4.1")))

/* @len a multiple of 16, at least 64; @crc not inverted (the register). */
FAST_TARGET static uint32_t crc32_fold(const unsigned char *buf, size_t len,
				       uint32_t crc)
{
	static const uint64_t k1k2[2] __attribute__((aligned(16))) = {
		0x0154442bd4, 0x01c6e41596};
	static const uint64_t k3k4[2] __attribute__((aligned(16))) = {
		0x01751997d0, 0x00ccaa009e};
	static const uint64_t k5k0[2] __attribute__((aligned(16))) = {
		0x0163cd6124, 0x0000000000};
	static const uint64_t poly[2] __attribute__((aligned(16))) = {
		0x01db710641, 0x01f7011641};
	__m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;

	x1 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00));
	x2 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10));
	x3 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20));
	x4 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	x0 = _mm_load_si128((const __m128i *)(const void *)k1k2);
	buf += 64;
	len -= 64;

	/* four lanes of 16 bytes, folded 64 bytes ahead */
	while (len >= 64) {
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
		x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
		x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
		x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
		x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
		y5 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00));
		y6 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10));
		y7 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20));
		y8 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30));
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
		x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
		x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
		x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
		buf += 64;
		len -= 64;
	}

	/* the four lanes into one */
	x0 = _mm_load_si128((const __m128i *)(const void *)k3k4);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);

	/* the remaining blocks of 16 */
	while (len >= 16) {
		x2 = _mm_loadu_si128((const __m128i *)(const void *)buf);
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
		buf += 16;
		len -= 16;
	}

	/* 128 bits to 64 */
	x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
	x3 = _mm_setr_epi32(~0, 0, ~0, 0);
	x1 = _mm_srli_si128(x1, 8);
	x1 = _mm_xor_si128(x1, x2);
	x0 = _mm_loadl_epi64((const __m128i *)(const void *)k5k0);
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, x3);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_xor_si128(x1, x2);

	/* Barrett reduction to 32 bits */
	x0 = _mm_load_si128((const __m128i *)(const void *)poly);
	x2 = _mm_and_si128(x1, x3);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
	x2 = _mm_and_si128(x2, x3);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}

bool pgt_crc32_fast(void)
{
	return __builtin_cpu_supports("pclmul") &&
	       __builtin_cpu_supports("sse4.1");
}

uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	if (len >= 64 && pgt_crc32_fast()) {
		size_t n = len & ~(size_t)15;
		crc = ~crc32_fold(p, n, ~crc);
		p += n;
		len -= n;
	}
	return (uint32_t)crc32_z(crc, p, len);
}

#else

bool pgt_crc32_fast(void)
{
	return false;
}

uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

#endif
