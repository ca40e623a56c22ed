/* SPDX-License-Identifier: MIT */
/*
 * pgt_crc32() against the check value of the CRC-32 catalogue and against
 * zlib's crc32() on every length up to 1,100 bytes at every alignment
 * (the fold's 64-byte blocks, its 16-byte tail, the bytes zlib is left),
 * on long buffers, and chained over split points.
 */
#include <stdlib.h>
#include <string.h>

#include "formats/crc32.h"
#include "test_util.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned char rand_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned char)(rng >> 24);
}

int main(void)
{
	/* "123456789": the catalogue's check value of CRC-32/ISO-HDLC */
	CHECK_EQ_U64(pgt_crc32(0, "123456789", 9), 0xcbf43926);
	CHECK_EQ_U64(pgt_crc32_portable(0, "123456789", 9), 0xcbf43926);
	/* 64 zero bytes: through the fold alone */
	static const unsigned char zeros[64];
	CHECK_EQ_U64(pgt_crc32(0, zeros, 64), pgt_crc32_portable(0, zeros, 64));

	size_t big = 1 << 20;
	unsigned char *buf = malloc(big + 16);
	if (!buf)
		return 1;
	for (size_t i = 0; i < big + 16; i++)
		buf[i] = rand_byte();

	int bad = 0;
	for (size_t align = 0; align < 16; align++)
		for (size_t len = 0; len <= 1100; len++) {
			uint32_t seed = len & 1 ? 0 : 0x9e3779b9u * (uint32_t)len;
			if (pgt_crc32(seed, buf + align, len) !=
			    pgt_crc32_portable(seed, buf + align, len))
				bad++;
		}
	CHECK_EQ_U64(bad, 0);

	CHECK_EQ_U64(pgt_crc32(0, buf, big), pgt_crc32_portable(0, buf, big));
	CHECK_EQ_U64(pgt_crc32(0, buf + 3, big - 5),
		     pgt_crc32_portable(0, buf + 3, big - 5));

	/* chained: the CRC of a then b is the CRC of a, continued over b */
	uint32_t whole = pgt_crc32_portable(0, buf, 70000);
	bad = 0;
	for (size_t cut = 0; cut <= 70000; cut += 997) {
		uint32_t c = pgt_crc32(0, buf, cut);
		if (pgt_crc32(c, buf + cut, 70000 - cut) != whole)
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	free(buf);
	return test_summary();
}
