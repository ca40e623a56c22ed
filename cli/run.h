/* SPDX-License-Identifier: MIT */
/*
 * Replaying a trace into one or two models: file -> events -> models.  The
 * trace is read once whatever the number of models.
 */
#ifndef PGTRACE_CLI_RUN_H
#define PGTRACE_CLI_RUN_H

#include "cli/infer.h"
#include "cli/modelopts.h"
#include "cli/spool.h"
#include "core/model.h"
#include "formats/source.h"
#include "formats/symbols.h"

struct run;
struct pgt_event;

/* Called after each event is applied to every model (run_trace_each). */
typedef struct pgt_error *(*run_event_fn)(const struct run *r,
					  const struct pgt_event *ev, void *arg);

struct run {
	run_event_fn each;    /* run_trace_each's callback, or NULL */
	void *each_arg;
	const char *path;
	enum pgt_format format;
	struct pgt_strtab *tab;
	int nmodels;
	struct pgt_model *models[2];
	uint64_t events;      /* model events applied */
	uint64_t skipped;     /* source lines that carried no model event */
	uint64_t backwards;   /* ftrace timestamps that went backwards */
	struct pgt_ftrace_pairs pairs; /* ftrace pgd_alloc halves without a pair */
	bool stopped;         /* --at stopped the replay early */
	uint64_t stop_line;
	bool from_image;      /* --core: swapper came from a memory image */
	bool start_core;      /* --start-core: the whole start state did */
	uint64_t from_line;   /* --from: the marker's line (0: from the start) */
	uint64_t before_from; /* events read before it, not applied */
	struct pgt_symbols *syms; /* --symbols: names for addresses, or NULL */
	uint64_t image_lowmem; /* lowmem read from the image's high_memory (0: none) */
	struct spool spool[2]; /* each model's freed pgds' rows (cli/spool.h) */
	struct infer_evidence evidence; /* what the trace (and image) show of the policy */
	struct infer_policy policy;     /* the policy replayed and where it came from */
};

/*
 * Replay @path into @nmodels models configured from side 0 and 1 of @o.
 * Errors name FILE:LINE.  On error the run holds nothing.
 */
struct pgt_error *run_trace(const char *path, const struct model_opts *o,
			    int nmodels, struct run *ret);
/* run_trace, calling @each (if not NULL) after every event applied. */
struct pgt_error *run_trace_each(const char *path, const struct model_opts *o,
				 int nmodels, run_event_fn each, void *arg,
				 struct run *ret);
void run_deinit(struct run *r);

/* "name+0xoff" for @addr into @buf when symbols are loaded, else "". */
void run_symbolize(const struct run *r, uint64_t addr, char *buf, size_t len);

/* "comm/pid", "comm", "pid N" or "-" for a pgd record. */
void run_format_task(const struct run *r, const struct pgt_pgd_stats *s,
		     char *buf, size_t len);

/*
 * The "start:" line of reports (without the label), or "" when the model
 * booted synthetically.
 */
const char *run_start_text(const struct run *r);

/* Should this pgd get a row (live, or it diverged, faulted or hazarded)? */
bool run_interesting(const struct pgt_pgd_stats *s);

#endif
