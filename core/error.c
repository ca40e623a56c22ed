/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "error.h"

struct pgt_error pgt_error_nomem = {
	.code = PGT_ERROR_NOMEM,
	.message = (char *)"out of memory",
};

struct pgt_error pgt_error_stop = {
	.code = PGT_ERROR_STOP,
	.message = (char *)"stopped",
};

struct pgt_error *pgt_error_vcreate(enum pgt_error_code code, const char *fmt,
				    va_list ap)
{
	struct pgt_error *err = malloc(sizeof(*err));
	if (!err)
		return &pgt_error_nomem;
	err->code = code;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &pgt_error_nomem;
	}
	return err;
}

struct pgt_error *pgt_error_create(enum pgt_error_code code, const char *fmt,
				   ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pgt_error *err = pgt_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct pgt_error *pgt_error_prefix(struct pgt_error *err, const char *fmt, ...)
{
	if (!err || err == &pgt_error_stop)
		return err;
	char *prefix;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err;
	struct pgt_error *ret = pgt_error_create(err->code, "%s: %s", prefix,
						 err->message);
	free(prefix);
	if (ret == &pgt_error_nomem)
		return err;
	pgt_error_destroy(err);
	return ret;
}

void pgt_error_destroy(struct pgt_error *err)
{
	if (!err || err == &pgt_error_nomem || err == &pgt_error_stop)
		return;
	free(err->message);
	free(err);
}
