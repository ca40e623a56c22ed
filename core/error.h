/* SPDX-License-Identifier: MIT */
/*
 * Error objects.
 *
 * Every function that can fail returns a struct pgt_error * (NULL on
 * success), in the style of libdrgn.  The message is complete and meant for
 * a person: "FILE:LINE: what is wrong" is built by whoever knows the file and
 * line (formats/ and cli/), the core only says what is wrong.
 */
#ifndef PGTRACE_CORE_ERROR_H
#define PGTRACE_CORE_ERROR_H

#include <stdarg.h>
#include <stdlib.h>

enum pgt_error_code {
	PGT_ERROR_OK = 0,
	PGT_ERROR_NOMEM,   /* allocation failed */
	PGT_ERROR_IO,      /* read or write failed (errno-style) */
	PGT_ERROR_INPUT,   /* the input is malformed or inconsistent */
	PGT_ERROR_INVALID, /* a request makes no sense (bad option value, ...) */
	PGT_ERROR_FAULT,   /* a page-table walk reached memory that is not there */
	PGT_ERROR_STOP,    /* not an error: iteration ended early by request */
};

struct pgt_error {
	enum pgt_error_code code;
	char *message;
};

/* The static out-of-memory error; pgt_error_destroy() ignores it. */
extern struct pgt_error pgt_error_nomem;
/* The static "stop" marker; pgt_error_destroy() ignores it. */
extern struct pgt_error pgt_error_stop;

/* Create an error with a printf-style message.  Never returns NULL. */
struct pgt_error *pgt_error_create(enum pgt_error_code code, const char *fmt,
				   ...) __attribute__((format(printf, 2, 3)));
struct pgt_error *pgt_error_vcreate(enum pgt_error_code code, const char *fmt,
				    va_list ap);

/*
 * Return a new error whose message is "prefix: old message" and destroy
 * @err.  Keeps the code.  Used to add "FILE:LINE" context.
 */
struct pgt_error *pgt_error_prefix(struct pgt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void pgt_error_destroy(struct pgt_error *err);

static inline void pgt_error_cleanup(struct pgt_error **errp)
{
	pgt_error_destroy(*errp);
}

/* Cleanup helpers for the __attribute__((cleanup)) style. */
static inline void pgt_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(pgt_freep)))

#endif
