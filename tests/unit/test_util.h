/* SPDX-License-Identifier: MIT */
/*
 * A tiny shared harness for the unit tests: one executable per test file,
 * each check prints FILE:LINE and both values when it fails, and
 * test_summary() prints "N passed, M failed" and gives the exit status
 * (1 on any failure).
 *
 *	int main(void) { test_foo(); return test_summary(); }
 */
#ifndef PGTRACE_TESTS_UNIT_TEST_UTIL_H
#define PGTRACE_TESTS_UNIT_TEST_UTIL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

static int test_passed_, test_failed_;

static inline void test_pass_(void)
{
	test_passed_++;
}

static inline void test_fail_(void)
{
	test_failed_++;
}

/* CHECK(cond): cond must hold. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (cond) {                                                   \
			test_pass_();                                         \
		} else {                                                      \
			test_fail_();                                         \
			printf("%s:%d: CHECK(%s) failed\n", __FILE__,         \
			       __LINE__, #cond);                              \
		}                                                             \
	} while (0)

/* CHECK_EQ_U64(actual, expected): both printed in decimal and hex. */
#define CHECK_EQ_U64(actual, expected)                                        \
	do {                                                                  \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);  \
		if (a_ == e_) {                                               \
			test_pass_();                                         \
		} else {                                                      \
			test_fail_();                                         \
			printf("%s:%d: %s is %" PRIu64 " (0x%" PRIx64         \
			       "), expected %s = %" PRIu64 " (0x%" PRIx64     \
			       ")\n",                                         \
			       __FILE__, __LINE__, #actual, a_, a_,           \
			       #expected, e_, e_);                            \
		}                                                             \
	} while (0)

/* CHECK_EQ_STR(actual, expected): NULL prints as (null). */
#define CHECK_EQ_STR(actual, expected)                                        \
	do {                                                                  \
		const char *a_ = (actual), *e_ = (expected);                  \
		if (a_ && e_ && strcmp(a_, e_) == 0) {                        \
			test_pass_();                                         \
		} else {                                                      \
			test_fail_();                                         \
			printf("%s:%d: %s is \"%s\", expected \"%s\"\n",      \
			       __FILE__, __LINE__, #actual,                   \
			       a_ ? a_ : "(null)", e_ ? e_ : "(null)");       \
		}                                                             \
	} while (0)

/*
 * CHECK_OK(err_expr): the call must succeed; on failure its message is
 * printed and the error destroyed.  Evaluates to true on success.
 */
#define CHECK_OK(expr) test_check_ok_(__FILE__, __LINE__, #expr, (expr))

static inline int test_check_ok_(const char *file, int line, const char *what,
				 struct pgt_error *err)
{
	if (!err) {
		test_pass_();
		return 1;
	}
	test_fail_();
	printf("%s:%d: %s failed: %s\n", file, line, what,
	       err->message ? err->message : "(no message)");
	pgt_error_destroy(err);
	return 0;
}

/*
 * CHECK_ERR(err_expr, code, message): the call must fail with @code and
 * exactly @message (NULL: any message).  The error is destroyed.
 */
#define CHECK_ERR(expr, code, message)                                        \
	test_check_err_(__FILE__, __LINE__, #expr, (expr), (code), (message))

static inline void test_check_err_(const char *file, int line,
				   const char *what, struct pgt_error *err,
				   enum pgt_error_code code, const char *message)
{
	if (!err) {
		test_fail_();
		printf("%s:%d: %s succeeded, expected an error \"%s\"\n", file,
		       line, what, message ? message : "(any)");
		return;
	}
	if (err->code != code ||
	    (message && (!err->message || strcmp(err->message, message)))) {
		test_fail_();
		printf("%s:%d: %s failed with code %d \"%s\", expected code %d \"%s\"\n",
		       file, line, what, (int)err->code,
		       err->message ? err->message : "(null)", (int)code,
		       message ? message : "(any)");
	} else {
		test_pass_();
	}
	pgt_error_destroy(err);
}

/* Print the totals; the exit status for main(). */
static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", test_passed_, test_failed_);
	return test_failed_ ? 1 : 0;
}

#endif
