/* SPDX-License-Identifier: MIT */
/*
 * The records a model drops as it goes (freed pgds with nothing to show),
 * kept for --all in a temporary file rather than in memory, and read back
 * in the order they were dropped.
 */
#ifndef PGTRACE_CLI_SPOOL_H
#define PGTRACE_CLI_SPOOL_H

#include <stdio.h>

#include "core/model.h"

struct spool {
	FILE *f;         /* NULL: not spooling */
	uint64_t n;      /* records written */
	int err;         /* errno of the first failed write, 0 */
};

struct pgt_error *spool_init(struct spool *s);
void spool_deinit(struct spool *s);

/* A struct pgt_model_config.retire callback; @ctx is the struct spool. */
void spool_retire(void *ctx, const struct pgt_pgd_stats *s);

/* Start reading from the first record; a failed write shows here. */
struct pgt_error *spool_rewind(struct spool *s);
/* The next record into @ret; false at the end. */
struct pgt_error *spool_next(struct spool *s, struct pgt_pgd_stats *ret,
			     bool *got_ret);

#endif
