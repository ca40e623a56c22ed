/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/dump.h"
#include "cli/run.h"

/*
 * --core: open the image; swapper_pg_dir by symbol, lowmem from the
 * kernel's own high_memory variable when the symbols name it.
 */
static struct pgt_error *open_image(struct run *r, const struct model_opts *o,
				    struct dump_image *img, bool *opened)
{
	bool has_po = o->machine.set & PGT_MACHINE_PAGE_OFFSET;
	struct pgt_error *err = dump_image_open(o->core, o->symbols, has_po,
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

static struct pgt_error *create_models(struct run *r, const struct model_opts *o,
				       const struct pgt_machine *machine)
{
	struct dump_image img;
	bool opened = false;
	struct pgt_error *err = NULL;
	if (o->core && (err = open_image(r, o, &img, &opened)))
		goto out;
	for (int i = 0; i < r->nmodels; i++) {
		struct pgt_model_config cfg;
		model_opts_config(o, i, machine, &cfg);
		if (o->core) {
			cfg.image = &img.mem;
			cfg.image_swapper_pa = img.swapper_pa;
			cfg.machine.page_offset = img.page_offset;
			if (r->image_lowmem && !(o->machine.set & PGT_MACHINE_LOWMEM))
				cfg.machine.lowmem = r->image_lowmem;
			r->from_image = true;
		}
		if ((err = pgt_model_create(&cfg, &r->models[i]))) {
			if (o->core)
				err = pgt_error_prefix(err, "%s", o->core);
			else if (cfg.machine.line)
				err = pgt_error_prefix(err, "%s:%llu", r->path,
						       (unsigned long long)cfg.machine.line);
			else
				err = pgt_error_prefix(err, "%s", r->path);
			goto out;
		}
	}
out:
	if (opened) {
		if (!r->syms) {
			r->syms = img.syms; /* keep them for naming addresses */
			img.syms = NULL;
		}
		dump_image_close(&img);
	}
	return err;
}

struct pgt_error *run_trace(const char *path, const struct model_opts *o,
			    int nmodels, struct run *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->path = path;
	ret->nmodels = nmodels;
	struct pgt_source *src = NULL;
	struct pgt_error *err = pgt_strtab_create(&ret->tab);
	if (err)
		return err;
	if (o->symbols && !o->core &&
	    (err = pgt_symbols_open(o->symbols, &ret->syms)))
		goto out;
	if ((err = pgt_source_open(path, o->format, ret->tab, &src)))
		goto out;
	ret->format = pgt_source_format(src);
	uint64_t at_n = 0;
	uint32_t at_label = 0, at_phase = 0;
	bool at_is_label = false;
	if (o->at) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(o->at, &end, 10);
		if (*end || errno || o->at[0] == '-') {
			at_is_label = true;
		} else {
			at_n = n;
			if (at_n == 0) {
				err = pgt_error_create(PGT_ERROR_INVALID,
						       "--at 0: nothing to replay");
				goto out;
			}
		}
	}
	bool models_made = false;
	for (;;) {
		struct pgt_event ev;
		bool eof;
		if ((err = pgt_source_next(src, &ev, &eof)))
			goto out;
		if (eof)
			break;
		if (ev.op == PGT_OP_MACHINE)
			continue;
		if (!models_made) {
			if ((err = create_models(ret, o, pgt_source_machine(src))))
				goto out;
			models_made = true;
		}
		for (int i = 0; i < nmodels; i++) {
			if ((err = pgt_model_apply(ret->models[i], &ev))) {
				err = pgt_error_prefix(err, "%s:%llu",
						       pgt_source_name(src),
						       (unsigned long long)ev.line);
				goto out;
			}
		}
		ret->events++;
		if (at_is_label && ev.op == PGT_OP_LABEL) {
			/* "PHASE name" markers may be named without "PHASE ". */
			if (!at_label)
				at_label = pgt_strtab_find(ret->tab, o->at,
							   strlen(o->at));
			if (!at_phase) {
				char phase[256];
				int len = snprintf(phase, sizeof(phase), "PHASE %s", o->at);
				if (len > 0 && (size_t)len < sizeof(phase))
					at_phase = pgt_strtab_find(ret->tab, phase, (size_t)len);
			}
			if ((at_label && ev.label == at_label) ||
			    (at_phase && ev.label == at_phase)) {
				ret->stopped = true;
				ret->stop_line = ev.line;
				break;
			}
		}
		if (at_n && ret->events == at_n) {
			ret->stopped = true;
			ret->stop_line = ev.line;
			break;
		}
	}
	if (!models_made && (err = create_models(ret, o, pgt_source_machine(src))))
		goto out;
	if (o->at && !ret->stopped) {
		err = at_is_label
			      ? pgt_error_create(PGT_ERROR_INPUT,
						 "%s: no marker '%s' in the trace",
						 pgt_source_name(src), o->at)
			      : pgt_error_create(PGT_ERROR_INPUT,
						 "%s: --at %s: the trace has only %llu events",
						 pgt_source_name(src), o->at,
						 (unsigned long long)ret->events);
		goto out;
	}
	ret->skipped = pgt_source_skipped(src);
	ret->backwards = pgt_source_backwards(src);
out:
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

void run_format_task(const struct run *r, const struct pgt_pgd_stats *s,
		     char *buf, size_t len)
{
	const char *comm = pgt_strtab_get(r->tab, s->comm);
	if (*comm && s->pid >= 0)
		snprintf(buf, len, "%s/%d", comm, s->pid);
	else if (*comm)
		snprintf(buf, len, "%s", comm);
	else if (s->pid >= 0)
		snprintf(buf, len, "pid %d", s->pid);
	else
		snprintf(buf, len, "-");
}

bool run_interesting(const struct pgt_pgd_stats *s)
{
	return s->live || s->max_divergent || s->faults || s->hazards ||
	       s->oopses;
}
