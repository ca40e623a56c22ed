/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>

#include "cli/escape.h"
#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else {
				/* Valid UTF-8 as it is; a stray byte as U+0080..U+00FF. */
				int len = escape_utf8_len(p, strnlen((const char *)p, 4));
				if (len > 0) {
					fwrite(p, 1, (size_t)len, f);
					p += len - 1;
				} else {
					fprintf(f, "\\u%04x", *p);
				}
			}
		}
	}
	fputc('"', f);
}

static void start_value(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
}

void json_begin_object(struct json *j, const char *key)
{
	start_value(j, key);
	fputc('{', j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->need_comma[++j->depth] = false;
}

void json_end_object(struct json *j)
{
	fputc('}', j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_begin_array(struct json *j, const char *key)
{
	start_value(j, key);
	fputc('[', j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->need_comma[++j->depth] = false;
}

void json_end_array(struct json *j)
{
	fputc(']', j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_string(struct json *j, const char *key, const char *val)
{
	start_value(j, key);
	put_string(j->f, val ? val : "");
}

void json_uint(struct json *j, const char *key, uint64_t val)
{
	start_value(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_int(struct json *j, const char *key, int64_t val)
{
	start_value(j, key);
	fprintf(j->f, "%" PRId64, val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	start_value(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	start_value(j, key);
	fputs("null", j->f);
}

void json_double(struct json *j, const char *key, double val)
{
	start_value(j, key);
	fprintf(j->f, "%.6f", val);
}

void json_hex(struct json *j, const char *key, uint64_t val)
{
	start_value(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", val);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}
