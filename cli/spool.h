/* SPDX-License-Identifier: MIT */
/*
 * A report's rows without a record in memory for every pgd ever seen.
 *
 * The model keeps the live pgds' records only and retires each freed one
 * as pgd_free comes (struct pgt_model_config.retire).  A spool takes the
 * retired rows a report will show (those with findings; every one under
 * --all), sorts them by allocation rank in runs of a bounded size, writes
 * the runs that do not fit to a temporary file, and gives them back merged
 * with the live records: every row of a report in allocation order, in
 * memory that does not grow with the number of pgds.
 */
#ifndef PGTRACE_CLI_SPOOL_H
#define PGTRACE_CLI_SPOOL_H

#include <stdio.h>

#include "core/model.h"
#include "core/sort.h"

/* Rows sorted in memory before a run goes to the temporary file. */
#define SPOOL_RUN_ROWS 16384

struct spool_run {
	uint64_t first; /* index of its first row in the file */
	uint64_t n;
};

struct spool {
	bool all;                 /* keep rows without findings too (--all) */
	size_t run_cap;           /* rows per sorted run */
	struct pgt_pgd_stats *buf; /* the run being gathered */
	struct pgt_keyed *keys;   /* sorting room: 2 * run_cap */
	size_t n;
	FILE *f;                  /* runs written so far; NULL before the first */
	uint64_t in_file;         /* rows in the file */
	struct spool_run *runs;
	size_t nruns, runs_cap;
	uint64_t rows;            /* rows kept in all */
	int err;                  /* errno of the first failure, 0 */
};

/*
 * Start an empty spool keeping rows with findings, or every row when @all;
 * @run_cap rows are sorted in memory at a time (0: SPOOL_RUN_ROWS).
 */
void spool_init(struct spool *s, bool all, size_t run_cap);
void spool_deinit(struct spool *s);

/* A struct pgt_model_config.retire callback; @ctx is the struct spool. */
void spool_retire(void *ctx, const struct pgt_pgd_stats *s);

/* After the last row: a failure to keep rows (memory, the file) shows here. */
struct pgt_error *spool_finish(struct spool *s);

/*
 * A pass over a report's rows: the records of @m (the live pgds) and those
 * of @s (may be NULL), merged in allocation order (by serial).  Several
 * passes may be open at once; none while @m applies events.
 */
struct rows;

struct pgt_error *rows_open(const struct spool *s, const struct pgt_model *m,
			    struct rows **ret);
/* The next row into *ret, valid until the next call; NULL at the end. */
struct pgt_error *rows_next(struct rows *it, const struct pgt_pgd_stats **ret);
void rows_close(struct rows *it);

#endif
