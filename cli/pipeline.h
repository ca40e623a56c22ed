/* SPDX-License-Identifier: MIT */
/*
 * Feeding events to the models of a run.  Each model (one, or two for diff)
 * gets a thread of its own, fed in batches from the reader: the models share
 * nothing mutable (the string table is only written by the reader, and read
 * by the models not at all).  The batches in flight grow, up to a bound,
 * while the models fall behind the reader.  A batch carries each event's
 * head (core/event.h) and the few events with more, whole; a model with
 * many live pgds has what the next events need brought into the caches
 * while it applies each one (pgt_model_prefetch_pays()).
 *
 * Whatever the timing, the outcome is that of applying every event to
 * model 0 then model 1 in order: the error reported is the one at the
 * earliest event (model 0's first when both fail there).
 */
#ifndef PGTRACE_CLI_PIPELINE_H
#define PGTRACE_CLI_PIPELINE_H

#include "core/model.h"

struct pipeline;

/* Feed @n (1 or 2) models. */
struct pgt_error *pipeline_create(struct pgt_model *const *models, int n,
				  struct pipeline **ret);

/*
 * Apply @ev to every model, now or later.  An error may come back here or
 * from pipeline_finish(); either way *line_ret is the failing event's
 * line.  After an error, stop pushing and call pipeline_finish().
 */
struct pgt_error *pipeline_push(struct pipeline *p, const struct pgt_event *ev,
				uint64_t *line_ret);

/*
 * Has a model failed already (as of the last batch handed over)?  The
 * reader may then stop early: the error pipeline_finish() returns is at an
 * event already pushed.
 */
bool pipeline_failed(struct pipeline *p);

/*
 * Apply what is queued, stop the threads, and return the error at the
 * earliest event (with its line in *line_ret), or NULL.
 */
struct pgt_error *pipeline_finish(struct pipeline *p, uint64_t *line_ret);

/* Free (after pipeline_finish, or to abandon the run). */
void pipeline_destroy(struct pipeline *p);

#endif
