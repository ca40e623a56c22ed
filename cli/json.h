/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for --json output.  Keys are NULL inside
 * arrays and at the top level.  Write errors show up in ferror() of the
 * stream, which main() checks before exiting.
 */
#ifndef PGTRACE_CLI_JSON_H
#define PGTRACE_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *val);
void json_uint(struct json *j, const char *key, uint64_t val);
void json_int(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
void json_double(struct json *j, const char *key, double val);
/* A number printed as a "0x..." string (addresses and entries). */
void json_hex(struct json *j, const char *key, uint64_t val);
/* Ends the top-level value with a newline. */
void json_finish(struct json *j);

#endif
