/* SPDX-License-Identifier: MIT */
/*
 * The fold is the method of Gopal et al., "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ Instruction" (Intel, 2009), for the
 * reflected polynomial: four 128-bit lanes take 64 bytes a step, then fold
 * into one, then 128 -> 64 -> 32 bits and a Barrett reduction.  The
 * constants are x^k mod P for the distances the folds span (bit-reflected,
 * shifted by one), and floor(x^64 / P) for the reduction.
 */
#include <stdbool.h>
#include <zlib.h>

#include "formats/crc32.h"

uint32_t pgt_crc32_portable(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define FOLD_TARGET __attribute__((target("pclmul,sse4.1")))

/* x^(4*128+32), x^(4*128-32) mod P: across 64 bytes */
static const uint64_t k_fold4[2] = {UINT64_C(0x154442bd4), UINT64_C(0x1c6e41596)};
/* x^(128+32), x^(128-32) mod P: across 16 bytes */
static const uint64_t k_fold1[2] = {UINT64_C(0x1751997d0), UINT64_C(0x0ccaa009e)};
/* x^64 mod P: 64 bits to 32 */
static const uint64_t k_64to32 = UINT64_C(0x163cd6124);
/* P (reflected, with x^32) and floor(x^64 / P) (reflected) */
static const uint64_t k_barrett[2] = {UINT64_C(0x1db710641), UINT64_C(0x1f7011641)};

/* One fold: @x times the two constants of @k (low and high halves), plus @y. */
FOLD_TARGET static inline __m128i fold(__m128i x, __m128i k, __m128i y)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(lo, hi), y);
}

/*
 * The register form of the CRC (not inverted) over @len bytes, @len a
 * multiple of 16 and at least 64.
 */
FOLD_TARGET static uint32_t crc_fold(uint32_t crc, const unsigned char *p,
				     size_t len)
{
	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	p += 64;
	len -= 64;
	__m128i k = _mm_loadu_si128((const __m128i *)(const void *)k_fold4);
	for (; len >= 64; p += 64, len -= 64) {
		x1 = fold(x1, k, _mm_loadu_si128((const __m128i *)(const void *)p));
		x2 = fold(x2, k, _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
		x3 = fold(x3, k, _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
		x4 = fold(x4, k, _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
	}
	k = _mm_loadu_si128((const __m128i *)(const void *)k_fold1);
	x1 = fold(x1, k, x2);
	x1 = fold(x1, k, x3);
	x1 = fold(x1, k, x4);
	for (; len >= 16; p += 16, len -= 16)
		x1 = fold(x1, k, _mm_loadu_si128((const __m128i *)(const void *)p));

	/* 128 bits to 64: the low half times x^(128-32) mod P, plus the high */
	__m128i mask = _mm_setr_epi32(-1, 0, -1, 0);
	__m128i t = _mm_clmulepi64_si128(x1, k, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
	/* 64 bits to 32 */
	t = _mm_srli_si128(x1, 4);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask),
				  _mm_cvtsi64_si128((long long)k_64to32), 0x00);
	x1 = _mm_xor_si128(x1, t);
	/* Barrett: the remainder of the 64-bit value by P */
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)k_barrett);
	t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), b, 0x10);
	t = _mm_clmulepi64_si128(_mm_and_si128(t, mask), b, 0x00);
	x1 = _mm_xor_si128(x1, t);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}

static bool have_fold(void)
{
	static int have = -1;
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}

uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	if (len >= 64 && have_fold()) {
		size_t n = len & ~(size_t)15;
		crc = ~crc_fold(~crc, p, n);
		p += n;
		len -= n;
	}
	return len ? pgt_crc32_portable(crc, p, len) : crc;
}

#else

uint32_t pgt_crc32(uint32_t crc, const void *buf, size_t len)
{
	return pgt_crc32_portable(crc, buf, len);
}

#endif
