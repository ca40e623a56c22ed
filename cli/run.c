/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/dump.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/run.h"
#include "cli/rowfmt.h"
#include "cli/startcore.h"
#include "core/pae.h"

/*
 * --core: open the image; swapper_pg_dir by symbol, lowmem from the
 * kernel's own high_memory variable when the symbols name it.
 */
static struct pgt_error *open_image(struct run *r, const struct model_opts *o,
				    const char *path, struct dump_image *img,
				    bool *opened)
{
	if (!o->symbols)
		return pgt_error_create(PGT_ERROR_INVALID,
					"%s: --start-core needs --symbols (swapper_pg_dir, pgd_list, mem_map)",
					path);
	bool has_po = o->machine.set & PGT_MACHINE_PAGE_OFFSET;
	struct pgt_error *err = dump_image_open(path, o->symbols, has_po,
						o->machine.page_offset, img);
	if (err)
		return err;
	*opened = true;
	if (!img->has_swapper)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s: no swapper_pg_dir in the symbols", o->symbols);
	uint64_t lowmem;
	if (dump_image_lowmem(img, &lowmem))
		r->image_lowmem = lowmem;
	return NULL;
}

/* With two models, which side an error is about. */
static struct pgt_error *name_side(const struct run *r, int i,
				   const struct pgt_model_config *c,
				   struct pgt_error *err)
{
	if (r->nmodels < 2)
		return err;
	return pgt_error_prefix(err, "side %c (%s, kernel %s)", 'A' + i,
				pgt_policy_name(c->policy), pgt_kernel_name(c->kernel));
}

/*
 * Policy evidence from the start image: the pgds loaded in the CPUs' CR3
 * and those the recording frees before allocating them, which existed
 * when the image was taken.
 */
static void image_evidence(struct run *r, const struct dump_image *img,
			   const struct pgt_event *buf, size_t nbuf)
{
	size_t cap = pgt_elfcore_ncpus(img->core) + nbuf, n = 0;
	uint64_t *pas = cap ? malloc(cap * sizeof(*pas)) : NULL;
	if (!pas)
		return; /* no evidence is not an error */
	for (size_t i = 0; i < pgt_elfcore_ncpus(img->core); i++) {
		const struct pgt_elfcore_cpu *cpu = pgt_elfcore_cpu(img->core, i);
		if (cpu->has_qemu)
			pas[n++] = pgt_cr3_pdpt(cpu->cr[3]);
	}
	for (size_t i = 0; i < nbuf; i++) {
		if (buf[i].op != PGT_OP_PGD_FREE)
			continue;
		bool born = false;
		for (size_t j = 0; j < i && !born; j++)
			born = buf[j].op == PGT_OP_PGD_ALLOC && buf[j].pgd == buf[i].pgd;
		char *end;
		unsigned long long va = strtoull(pgt_strtab_get(r->tab, buf[i].pgd), &end, 16);
		if (!born && !*end && va >= img->page_offset && va <= UINT32_MAX)
			pas[n++] = va - img->page_offset;
	}
	infer_image(&img->mem, img->swapper_pa, img->page_offset, pas, n,
		    &r->evidence);
	free(pas);
}

/* The pgds on the start image's pgd_list, named as recordings name them. */
static struct pgt_error *start_pgds(struct run *r, const struct dump_image *img,
				    struct pgt_image_pgd **ret, size_t *nret)
{
	uint64_t *pas;
	size_t n;
	struct pgt_error *err = image_pgd_list(img, &pas, &n);
	if (err)
		return pgt_error_prefix(err, "--start-core");
	struct pgt_image_pgd *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		free(pas);
		return &pgt_error_nomem;
	}
	for (size_t i = 0; i < n && !err; i++) {
		v[i].pa = pas[i];
		err = pgt_strtab_intern_hex(r->tab, pas[i] + img->page_offset,
					    &v[i].id);
	}
	free(pas);
	if (err) {
		free(v);
		return err;
	}
	*ret = v;
	*nret = n;
	return NULL;
}

static struct pgt_error *create_models(struct run *r, const struct model_opts *opts,
				       const struct pgt_machine *machine,
				       const struct pgt_event *buf, size_t nbuf)
{
	struct dump_image img;
	bool opened = false;
	struct pgt_error *err = NULL;
	const struct model_opts *o = opts;
	struct pgt_image_pgd *ipgds = NULL;
	size_t nipgds = 0;
	const char *start = o->start_core ? o->start_core : o->core;
	if (o->start_core && o->core) {
		err = pgt_error_create(PGT_ERROR_INVALID,
				       "give --core (kernel tables only) or --start-core (the whole machine), not both");
		goto out;
	}
	if (start && (err = open_image(r, o, start, &img, &opened)))
		goto out;
	if (start && !o->npolicies)
		image_evidence(r, &img, buf, nbuf);
	/* Without --shared/--unshared, the policy the evidence shows. */
	infer_decide(o->npolicies > 0, o->policy[0], machine, &r->evidence,
		     &r->policy);
	struct model_opts inferred;
	if (!o->npolicies) {
		inferred = *o;
		inferred.npolicies = 1;
		inferred.policy[0] = r->policy.policy;
		o = &inferred;
	}
	for (int i = 0; i < r->nmodels; i++) {
		struct pgt_model_config cfg;
		model_opts_config(o, i, machine, &cfg);
		spool_init(&r->spool[i], o->all, 0);
		cfg.retire = spool_retire;
		cfg.retire_ctx = &r->spool[i];
		cfg.retire_all = o->all;
		cfg.adopt = o->adopt >= 0 ? o->adopt
					  : r->format == PGT_FORMAT_FTRACE || o->start_core ||
						    ((machine->set & PGT_MACHINE_START) &&
						     machine->running);
		if (start) {
			cfg.image = &img.mem;
			cfg.image_swapper_pa = img.swapper_pa;
			cfg.machine.page_offset = img.page_offset;
			if (r->image_lowmem && !(o->machine.set & PGT_MACHINE_LOWMEM))
				cfg.machine.lowmem = r->image_lowmem;
			r->from_image = true;
		}
		if (o->start_core) {
			r->start_core = true;
			cfg.image_keep_vmalloc = true;
			if (cfg.policy == PGT_POLICY_UNSHARED && !ipgds &&
			    (err = start_pgds(r, &img, &ipgds, &nipgds)))
				goto out;
			if (cfg.policy == PGT_POLICY_UNSHARED) {
				cfg.image_pgds = ipgds;
				cfg.nimage_pgds = nipgds;
			}
		}
		if ((err = pgt_model_create(&cfg, &r->models[i]))) {
			err = name_side(r, i, &cfg, err);
			if (start)
				err = pgt_error_prefix(err, "%s", start);
			else if (cfg.machine.line)
				err = pgt_error_prefix(err, "%s:%llu", r->path,
						       (unsigned long long)cfg.machine.line);
			else
				err = pgt_error_prefix(err, "%s", r->path);
			goto out;
		}
	}
out:
	free(ipgds);
	if (opened) {
		if (!r->syms) {
			r->syms = img.syms; /* keep them for naming addresses */
			img.syms = NULL;
		}
		dump_image_close(&img);
	}
	return err;
}

/* Where --at stops: an event count, a trace line or a marker. */
struct at {
	const char *text;
	uint64_t n;
	uint64_t line; /* line:N: stop before the first event past line N */
	bool is_label;
	bool any;      /* is_label, n or line: something to look for */
	uint32_t label, phase; /* strtab ids once seen */
};

static bool at_reached(struct run *r, struct at *at, const struct pgt_event *ev)
{
	if (at->is_label && ev->op == PGT_OP_LABEL) {
		/* "PHASE name" markers may be named without "PHASE ". */
		if (!at->label)
			at->label = pgt_strtab_find(r->tab, at->text, strlen(at->text));
		if (!at->phase) {
			char phase[256];
			int len = snprintf(phase, sizeof(phase), "PHASE %s", at->text);
			if (len > 0 && (size_t)len < sizeof(phase))
				at->phase = pgt_strtab_find(r->tab, phase, (size_t)len);
		}
		if ((at->label && ev->label == at->label) ||
		    (at->phase && ev->label == at->phase))
			return true;
	}
	return (at->n && r->events == at->n) || (at->line && ev->line == at->line);
}

/* What carries events from the source to the models. */
struct feed {
	struct pgt_source *src;
	struct pipeline *pipe; /* once the models are made */
	/* run_trace_each: the models are fed here, in step with the callback */
	bool direct, made;
	struct progress progress;
};

static struct pgt_error *model_error(struct pgt_source *src,
				     struct pgt_error *err, uint64_t line)
{
	return pgt_error_prefix(err, "%s:%llu", pgt_source_name(src),
				(unsigned long long)line);
}

/*
 * Apply one event to every model; *stop_ret when --at is reached or a
 * model (on another thread) has failed.  Inlined into the loop that reads
 * the trace: with no --at and no callback, an event costs its push and a
 * count (a call and the tests of --at were a fifth of what the reading
 * thread spent outside the reader).
 */
static inline __attribute__((always_inline)) struct pgt_error *
apply_event(struct run *r, struct feed *feed, struct at *at,
	    const struct pgt_event *ev, bool *stop_ret)
{
	if (__builtin_expect(at->any, 0) && at->line && ev->line > at->line) {
		*stop_ret = r->stopped = true;
		r->stop_line = at->line;
		return NULL;
	}
	struct pgt_error *err;
	if (feed->direct) {
		for (int i = 0; i < r->nmodels; i++)
			if ((err = pgt_model_apply(r->models[i], ev)))
				return model_error(feed->src,
						   name_side(r, i, pgt_model_config(r->models[i]), err),
						   ev->line);
	} else {
		uint64_t line;
		if ((err = pipeline_push(feed->pipe, ev, &line)))
			return model_error(feed->src, err, line);
	}
	r->events++;
	if (r->each && (err = r->each(r, ev, r->each_arg)))
		return err;
	bool stop = false;
	if (__builtin_expect(at->any, 0) && at_reached(r, at, ev)) {
		stop = r->stopped = true;
		r->stop_line = ev->line;
	}
	if (!(r->events & 4095)) {
		uint64_t read, size;
		pgt_source_progress(feed->src, &read, &size);
		progress_update(&feed->progress, r->events, read, size);
		/* (what a model thread saw changes once a batch of 8,192) */
		if (feed->pipe && pipeline_failed(feed->pipe))
			stop = true;
	}
	*stop_ret = stop;
	return NULL;
}

/*
 * An ftrace recording carries no machine line; its reader learns lowmem
 * from the vmalloc area alloc_vmap_area() is asked for.  Until it has (or
 * the options say), events wait in a bounded buffer before any model is
 * made.
 */
#define LOOKAHEAD_EVENTS 65536

static bool machine_known(const struct model_opts *o, struct pgt_source *src)
{
	return (o->machine.set & PGT_MACHINE_LOWMEM) || o->core || o->start_core ||
	       (pgt_source_machine(src)->set & PGT_MACHINE_LOWMEM) ||
	       pgt_source_format(src) != PGT_FORMAT_FTRACE;
}

/* The policy is given, or the events so far settle it (cli/infer.h). */
static bool policy_known(const struct model_opts *o, struct run *r,
			 struct pgt_source *src)
{
	r->evidence.pti_clones = pgt_source_pti_clones(src);
	return o->npolicies ||
	       (pgt_source_machine(src)->set & PGT_MACHINE_POLICY) ||
	       infer_recording_settled(&r->evidence);
}

struct pgt_error *run_trace(const char *path, const struct model_opts *o,
			    int nmodels, struct run *ret)
{
	return run_trace_each(path, o, nmodels, NULL, NULL, ret);
}

struct pgt_error *run_trace_each(const char *path, const struct model_opts *o,
				 int nmodels, run_event_fn each, void *arg,
				 struct run *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->each = each;
	ret->each_arg = arg;
	ret->path = path;
	ret->nmodels = nmodels;
	struct pgt_source *src = NULL;
	struct pgt_event *buf = NULL;
	size_t nbuf = 0;
	struct infer_names names = {0};
	struct pgt_error *err = pgt_strtab_create(&ret->tab);
	if (err)
		return err;
	if (o->symbols && !o->core &&
	    (err = pgt_symbols_open(o->symbols, &ret->syms)))
		goto out;
	if ((err = pgt_source_open(path, o->format, ret->tab, &src)))
		goto out;
	ret->format = pgt_source_format(src);
	struct at at = {.text = o->at};
	if (o->at) {
		/* "event:N" (the default unit), "line:N", else a marker. */
		bool by_line = strncmp(o->at, "line:", 5) == 0;
		const char *num = by_line ? o->at + 5
				  : strncmp(o->at, "event:", 6) == 0 ? o->at + 6
								       : o->at;
		char *end;
		errno = 0;
		unsigned long long n = strtoull(num, &end, 10);
		if (*end || errno || num[0] == '-' || !num[0]) {
			if (num != o->at) {
				err = pgt_error_create(PGT_ERROR_INVALID,
						       "--at %s: not a number", o->at);
				goto out;
			}
			at.is_label = true;
		} else if (n == 0) {
			err = pgt_error_create(PGT_ERROR_INVALID,
					       "--at %s: nothing to replay", o->at);
			goto out;
		} else if (by_line) {
			at.line = n;
		} else {
			at.n = n;
		}
	}
	at.any = at.is_label || at.n || at.line;
	/* --from: read, but do not apply, what comes before the marker */
	struct at from = {.text = o->from, .is_label = true};
	bool skipping = o->from != NULL;
	/* A per-event callback sees every model after each event: no threads. */
	struct feed feed = {.src = src, .direct = each != NULL};
	progress_init(&feed.progress, o->progress, o->json, pgt_source_name(src));
	bool stop = false;
	while (!stop) {
		const struct pgt_event *ev = NULL;
		bool eof;
		if ((err = pgt_source_next(src, &ev, &eof)))
			break;
		if (!eof && ev->op == PGT_OP_MACHINE)
			continue;
		if (!eof)
			infer_event(&ret->evidence, ev, ret->tab, &names);
		if (!eof && skipping) {
			if (!at_reached(ret, &from, ev)) {
				ret->before_from++;
				continue;
			}
			skipping = false;
			ret->from_line = ev->line;
		}
		if (!feed.made) {
			if (!eof && nbuf < LOOKAHEAD_EVENTS &&
			    (!machine_known(o, src) || !policy_known(o, ret, src))) {
				if (!buf && !(buf = malloc(LOOKAHEAD_EVENTS * sizeof(*buf)))) {
					err = &pgt_error_nomem;
					break;
				}
				buf[nbuf++] = *ev;
				continue;
			}
			ret->evidence.pti_clones = pgt_source_pti_clones(src);
			if ((err = create_models(ret, o, pgt_source_machine(src),
						 buf, nbuf)))
				break;
			if (!feed.direct &&
			    (err = pipeline_create(ret->models, ret->nmodels,
						   &feed.pipe)))
				break;
			feed.made = true;
			for (size_t i = 0; i < nbuf && !stop; i++)
				if ((err = apply_event(ret, &feed, &at, &buf[i], &stop)))
					break;
			if (err || stop)
				break;
		}
		if (eof)
			break;
		if ((err = apply_event(ret, &feed, &at, ev, &stop)))
			break;
	}
	/* a model's error is at an earlier event than the reader's */
	if (feed.pipe) {
		uint64_t line;
		struct pgt_error *merr = pipeline_finish(feed.pipe, &line);
		if (merr) {
			pgt_error_destroy(err);
			err = model_error(src, merr, line);
		}
		pipeline_destroy(feed.pipe);
	}
	progress_end(&feed.progress);
	if (err && o->start_core && !o->from && err->code == PGT_ERROR_INPUT) {
		/* the usual cause: events from before the image, applied twice */
		struct pgt_error *hint = pgt_error_create(PGT_ERROR_INPUT,
			"%s (with --start-core, events before the image was taken are in it already: start at its marker with --from)",
			err->message);
		pgt_error_destroy(err);
		err = hint;
	}
	if (err)
		goto out;
	if (skipping) {
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: --from %s: no such marker in the trace",
				       pgt_source_name(src), o->from);
		goto out;
	}
	if (o->at && !ret->stopped && at.line) {
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: --at %s: the trace has no event at or past line %llu",
				       pgt_source_name(src), o->at,
				       (unsigned long long)at.line);
		goto out;
	}
	if (o->at && !ret->stopped) {
		err = at.is_label
			      ? pgt_error_create(PGT_ERROR_INPUT,
						 "%s: no marker '%s' in the trace",
						 pgt_source_name(src), o->at)
			      : pgt_error_create(PGT_ERROR_INPUT,
						 "%s: --at %s: the trace has only %llu events (--at line:N counts lines)",
						 pgt_source_name(src), o->at,
						 (unsigned long long)ret->events);
		goto out;
	}
	if (!ret->events && ret->format == PGT_FORMAT_FTRACE) {
		/* Not "0 events": the recording lacks the probes, or is not one. */
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: no event of pgtrace's probe set in this ftrace "
				       "text (%llu other %s skipped); 'pgtrace probes' lists "
				       "the probes and how to record with them",
				       pgt_source_name(src),
				       (unsigned long long)pgt_source_skipped(src),
				       pgt_source_skipped(src) == 1 ? "line" : "lines");
		goto out;
	}
	for (int i = 0; i < ret->nmodels; i++)
		if ((err = spool_finish(&ret->spool[i])))
			goto out;
	ret->skipped = pgt_source_skipped(src);
	ret->backwards = pgt_source_backwards(src);
	/* What the whole recording shows against the policy replayed. */
	ret->evidence.pti_clones = pgt_source_pti_clones(src);
	if (ret->policy.source == INFER_FROM_RECORDING) {
		/* Say what the whole recording showed, not only its start. */
		struct infer_policy fin;
		infer_decide(false, 0, NULL, &ret->evidence, &fin);
		if (fin.source == INFER_FROM_RECORDING &&
		    fin.policy == ret->policy.policy)
			memcpy(ret->policy.why, fin.why, sizeof(fin.why));
	}
	if (o->npolicies <= 1) {
		struct infer_policy fin;
		infer_decide(true, ret->policy.policy, NULL, &ret->evidence, &fin);
		memcpy(ret->policy.warning, fin.warning, sizeof(fin.warning));
	}
	if (ret->policy.warning[0])
		fprintf(stderr, "pgtrace: warning: %s\n", ret->policy.warning);
	pgt_source_pairs(src, &ret->pairs);
out:
	free(buf);
	infer_names_deinit(&names);
	pgt_source_destroy(src);
	if (err)
		run_deinit(ret);
	return err;
}

void run_deinit(struct run *r)
{
	for (int i = 0; i < 2; i++) {
		pgt_model_destroy(r->models[i]);
		r->models[i] = NULL;
		spool_deinit(&r->spool[i]);
	}
	pgt_strtab_destroy(r->tab);
	r->tab = NULL;
	pgt_symbols_destroy(r->syms);
	r->syms = NULL;
}

void run_symbolize(const struct run *r, uint64_t addr, char *buf, size_t len)
{
	buf[0] = '\0';
	if (r->syms)
		pgt_symbols_format_addr(r->syms, addr, buf, len);
}

/* @a then @b into @buf, cut to fit as snprintf() would */
static void join(char *buf, size_t len, const char *a, const char *b)
{
	if (!len)
		return;
	size_t n = 0;
	for (; *a && n + 1 < len; a++)
		buf[n++] = *a;
	for (; *b && n + 1 < len; b++)
		buf[n++] = *b;
	buf[n] = '\0';
}

void run_format_task(const struct run *r, const struct pgt_pgd_stats *s,
		     char *buf, size_t len)
{
	const char *comm = pgt_strtab_get(r->tab, s->comm);
	/* A report's rows call this once each: no snprintf (cli/rowfmt.h). */
	char pid[24];
	if (s->pid >= 0) {
		pid[0] = '/';
		rowfmt_decimal(pid + 1, (uint64_t)s->pid);
	}
	if (!*comm && s->pid < 0 && s->adopted)
		join(buf, len, "(adopted)", "");
	else if (*comm && s->pid >= 0)
		join(buf, len, comm, pid);
	else if (*comm)
		join(buf, len, comm, "");
	else if (s->pid >= 0)
		join(buf, len, "pid ", pid + 1);
	else
		join(buf, len, "-", "");
}

const char *run_start_text(const struct run *r)
{
	if (r->start_core)
		return "the machine as the memory image of the recording's start has it (--start-core): kernel page tables, vmalloc mappings, the pgds on pgd_list";
	if (r->from_image)
		return "kernel page tables of a memory image (--core)";
	return "";
}

bool run_interesting(const struct pgt_pgd_stats *s)
{
	return s->live || pgt_pgd_has_findings(s);
}
