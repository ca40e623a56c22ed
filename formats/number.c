/* SPDX-License-Identifier: MIT */
#include "formats/number.h"

const signed char pgt_hex_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

bool pgt_parse_digits(const char *s, size_t len, uint64_t *ret)
{
	bool hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (hex) {
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	uint64_t v = 0;
	if (hex && len <= 16) {
		/* 16 digits cannot overflow: check them all at the end */
		int bad = 0;
		for (size_t i = 0; i < len; i++) {
			int d = pgt_hex_digit(s[i]);
			bad |= d; /* -1 sets the sign bit for good */
			v = v << 4 | (uint64_t)(d & 15);
		}
		if (bad < 0)
			return false;
		*ret = v;
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		if (hex) {
			int d = pgt_hex_digit(s[i]);
			/* v * 16 + d overflows exactly when v >= 2^60 */
			if (d < 0 || (v >> 60))
				return false;
			v = v << 4 | (uint64_t)d;
		} else {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9 || __builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, d, &v))
				return false;
		}
	}
	*ret = v;
	return true;
}
