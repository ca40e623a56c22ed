/* SPDX-License-Identifier: MIT */
/*
 * Numbers in the text the readers take (the native trace, ftrace text):
 * decimal, or hexadecimal after 0x, converted with exact overflow checks.
 */
#ifndef PGTRACE_FORMATS_NUMBER_H
#define PGTRACE_FORMATS_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per byte: a hex digit's value plus one, 0 for anything else. */
extern const signed char pgt_hex_table[256];

/* The hex digit's value, -1 for anything else (one table load). */
static inline int pgt_hex_digit(char c)
{
	return pgt_hex_table[(unsigned char)c] - 1;
}

/*
 * The @len bytes at @s as a number: decimal, or hexadecimal after "0x" or
 * "0X"; false when there is no digit, a byte is not one, or the value
 * passes 2^64 - 1.
 */
bool pgt_parse_digits(const char *s, size_t len, uint64_t *ret);

#endif
