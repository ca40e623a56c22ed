/* SPDX-License-Identifier: MIT */
/* Reports of a replayed model: text tables and JSON objects. */
#ifndef PGTRACE_CLI_REPORT_H
#define PGTRACE_CLI_REPORT_H

#include <stdio.h>

#include "cli/json.h"
#include "cli/run.h"

struct report_totals {
	uint64_t live_pgds, divergent_pgds, divergent_entries;
	uint64_t missing, stale, different;
	uint64_t faults, hazards, oopses;
};

void report_totals(const struct pgt_model *m, struct report_totals *ret);

/* "unshared (SHARED_KERNEL_PMD=0), kernel 2.6.21, sync seed" */
void report_describe(const struct pgt_model *m, char *buf, size_t len);

/*
 * The whole replay report as text; an error (the freed pgds' rows could
 * not be read back) leaves it unfinished.
 */
struct pgt_error *report_text(FILE *f, const struct run *r, int side, bool all);

/*
 * The replay object: policy, sync, kernel, events, pgds, totals, costs,
 * notes; an error leaves it unfinished, as report_text().
 */
struct pgt_error *report_json(struct json *j, const char *key,
			      const struct run *r, int side, bool all);

/* One note as a sentence (no newline). */
void report_note_text(FILE *f, const struct run *r, const struct pgt_note *n);

/* @one when @n is 1, else @many: "1 hazard", "2 hazards". */
static inline const char *report_plural(uint64_t n, const char *one,
					const char *many)
{
	return n == 1 ? one : many;
}
#define PL(n, one, many) (n), report_plural((n), one, many)

/*
 * The strtab id of the live pgd @spec names in the replay (side 0): its ID
 * as the trace wrote it, or a number equal to it ("0xC4D68000" finds
 * "0xc4d68000", "0x10" finds "16").  0 when none.
 */
uint32_t report_find_pgd(const struct run *r, const char *spec);

/* A pgd's ID as the trace named it. */
const char *report_pgd_name(const struct run *r, uint32_t id);

#endif
