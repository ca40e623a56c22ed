/* SPDX-License-Identifier: MIT */
/* pgtrace convert: any trace pgtrace reads, written in the native format. */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/infer.h"
#include "core/grow.h"
#include "core/layout.h"
#include "formats/source.h"
#include "formats/trace.h"
#include "json.h"
#include "modelopts.h"

/* A --from/--to point: an event number (from 1) or a label. */
struct point {
	const char *arg; /* NULL: not given */
	uint64_t n;      /* 0: a label */
};

struct convert_args {
	const char *in, *out;
	enum pgt_format format;
	struct point from, to;
	struct pgt_machine machine; /* .set: what was given */
	const char **comments;
	size_t ncomments, comments_cap;
	bool json;
};

enum {
	OPT_FORMAT = 0x100,
	OPT_FROM,
	OPT_TO,
	OPT_KERNEL,
	OPT_SHARED,
	OPT_UNSHARED,
	OPT_COMMENT,
	OPT_JSON,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Input:", 1},
	{"format", OPT_FORMAT, "auto|native|ftrace", 0,
	 "input format (default: detected from the first line)", 0},
	{"from", OPT_FROM, "LABEL|N", 0,
	 "start at event N (counting from 1) or at the first label LABEL", 0},
	{"to", OPT_TO, "LABEL|N", 0,
	 "stop after event N or after the first label LABEL at or after --from",
	 0},
	{NULL, 0, NULL, 0,
	 "Machine line of the output (over the input's, if it has one):", 2},
	{"kernel", OPT_KERNEL, "2.6.21|6.1", 0,
	 "the kernel the trace was recorded on", 0},
	{"shared", OPT_SHARED, NULL, 0,
	 "policy=shared: the kernel ran with SHARED_KERNEL_PMD=1 (nopti)", 0},
	{"unshared", OPT_UNSHARED, NULL, 0,
	 "policy=unshared: the kernel ran with SHARED_KERNEL_PMD=0 (PTI, Xen PV)",
	 0},
	{NULL, 0, NULL, 0, "Output:", 3},
	{"comment", OPT_COMMENT, "TEXT", 0,
	 "add a '# TEXT' comment after the header (repeatable)", 0},
	{"json", OPT_JSON, NULL, 0, "print the summary as one JSON object", 0},
	{0},
};

static bool parse_number(const char *s, bool size_suffix, uint64_t *ret)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (end == s || errno)
		return false;
	int shift = 0;
	if (size_suffix && (*end == 'K' || *end == 'M' || *end == 'G')) {
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*ret = (uint64_t)v << shift;
	return true;
}

static void parse_point(struct argp_state *state, const char *opt,
			const char *arg, struct point *ret)
{
	if (!*arg)
		argp_error(state, "%s needs a label or an event number", opt);
	ret->arg = arg;
	ret->n = 0;
	if (strspn(arg, "0123456789") == strlen(arg) &&
	    (!parse_number(arg, false, &ret->n) || ret->n == 0))
		argp_error(state, "%s: event numbers count from 1, not '%s'", opt,
			   arg);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct convert_args *a = state->input;
	struct pgt_machine *m = &a->machine;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->machine;
		return 0;
	case OPT_FORMAT: {
		int f = pgt_format_parse(arg);
		if (f < 0)
			argp_error(state, "--format must be auto, native or ftrace, not '%s'",
				   arg);
		a->format = (enum pgt_format)f;
		return 0;
	}
	case OPT_FROM:
		parse_point(state, "--from", arg, &a->from);
		return 0;
	case OPT_TO:
		parse_point(state, "--to", arg, &a->to);
		return 0;
	case OPT_KERNEL: {
		int k = pgt_kernel_parse(arg);
		if (!k)
			argp_error(state, "unknown kernel '%s' (2.6.21, 2.6.22 or 6.1)",
				   arg);
		m->kernel = k;
		m->set |= PGT_MACHINE_KERNEL;
		return 0;
	}
	case OPT_SHARED:
	case OPT_UNSHARED:
		if ((m->set & PGT_MACHINE_POLICY) &&
		    m->unshared != (key == OPT_UNSHARED))
			argp_error(state, "--shared and --unshared contradict each other");
		m->unshared = key == OPT_UNSHARED;
		m->set |= PGT_MACHINE_POLICY;
		return 0;
	case OPT_COMMENT: {
		if (strchr(arg, '\n'))
			argp_error(state, "--comment must be one line");
		if (PGT_GROW(a->comments, a->comments_cap, a->ncomments + 1, 4))
			argp_failure(state, PGT_EXIT_TROUBLE, ENOMEM, "--comment");
		a->comments[a->ncomments++] = arg;
		return 0;
	}
	case OPT_JSON:
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		if (!a->in)
			a->in = arg;
		else if (!a->out)
			a->out = arg;
		else
			argp_error(state, "too many arguments");
		return 0;
	case ARGP_KEY_END: {
		if (!a->out)
			argp_error(state, "convert needs IN and OUT");
		if (a->from.n && a->to.n && a->to.n < a->from.n)
			argp_error(state, "--to %" PRIu64 " comes before --from %" PRIu64,
				   a->to.n, a->from.n);
		struct stat si, so;
		if (strcmp(a->in, "-") && strcmp(a->out, "-") &&
		    (!strcmp(a->in, a->out) ||
		     (!stat(a->in, &si) && !stat(a->out, &so) &&
		      si.st_dev == so.st_dev && si.st_ino == so.st_ino)))
			argp_error(state, "IN and OUT are the same file");
		return 0;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Write a trace in the native format (pgtrace-trace(5)), so that a "
	"recording can be kept, trimmed and shared.\v"
	"IN is any trace pgtrace reads (native, or ftrace text as recorded "
	"with the probes of 'pgtrace probes'; gzip-compressed or not; '-' is "
	"standard input).  OUT is written gzip-compressed when its name ends "
	"in .gz; '-' is standard output.  The output starts with the magic "
	"line, the machine line, a comment naming the input and the "
	"--comment lines.  The machine line is the input's, with what the "
	"recording shows added (an ftrace recording: kernel=6.1, lowmem from "
	"the vmalloc area alloc_vmap_area is asked for, the policy from the "
	"pgds and syncs as replay infers it) and the Machine options over "
	"both; none when nothing gives one.  A --shared or --unshared that "
	"the recording contradicts is a warning.\n\n"
	"--from and --to keep a slice: events are numbered from 1 in input "
	"order; a LABEL matches a label record's text (an ftrace "
	"tracing_mark_write), either whole or after a leading 'PHASE '.  Both "
	"ends are kept.  A --from or --to that never matches is an error.  "
	"A slice that does not start at the beginning is like a recording "
	"started at run time: it may name pgds before allocating them.\n\n"
	"A one-line summary (events read and written, ftrace lines skipped "
	"because they carry no model event) goes to standard output, or to "
	"standard error when OUT is '-'.  With --json the summary is a JSON "
	"object with the count of each operation written.  On error the "
	"partial OUT is removed."
	PGT_EXIT_DOC;

static const struct argp_child children[] = {
	{&machine_opts_argp, 0, NULL, 0},
	{0},
};

static const struct argp argp = {options, parse_opt, "IN OUT", doc, children,
				 NULL, NULL};

static bool point_matches(const struct point *p, uint64_t index,
			  const struct pgt_event *ev,
			  const struct pgt_strtab *tab)
{
	if (p->n)
		return index == p->n;
	if (ev->op != PGT_OP_LABEL)
		return false;
	const char *text = pgt_strtab_get(tab, ev->label);
	if (!strcmp(text, p->arg))
		return true;
	return !strncmp(text, "PHASE ", 6) && !strcmp(text + 6, p->arg);
}

struct summary {
	uint64_t read, written, skipped;
	uint64_t ops[PGT_OP__COUNT];
	enum pgt_format format;
	struct pgt_ftrace_pairs pairs; /* lone pgd_alloc halves (ftrace) */
};

/*
 * The machine line: the input's, what the recording showed (an ftrace
 * reader learns lowmem as it reads; the policy comes from cli/infer.h),
 * then the options.
 */
static struct pgt_error *write_header(const struct convert_args *a,
				      struct pgt_source *src,
				      const struct infer_evidence *e,
				      struct pgt_trace_writer *w)
{
	struct pgt_machine m = *pgt_source_machine(src);
	enum infer_verdict v = infer_recording(e);
	if (!(m.set & PGT_MACHINE_POLICY) &&
	    (v == INFER_SHARED || v == INFER_UNSHARED)) {
		m.unshared = v == INFER_UNSHARED;
		m.set |= PGT_MACHINE_POLICY;
	}
	/* ftrace recordings may begin on a running machine: replay adopts
	 * the pgds they name before allocating (as it does reading them) */
	if (!(m.set & PGT_MACHINE_START) &&
	    pgt_source_format(src) == PGT_FORMAT_FTRACE) {
		m.running = true;
		m.set |= PGT_MACHINE_START;
	}
	pgt_machine_merge(&m, &a->machine);
	struct pgt_error *err = pgt_trace_writer_header(w, &m);
	if (err)
		return err;
	char *text;
	if (asprintf(&text, "converted by pgtrace convert from %s (%s)%s%s%s%s",
		     pgt_source_name(src),
		     pgt_format_name(pgt_source_format(src)),
		     a->from.arg ? ", from " : "", a->from.arg ? a->from.arg : "",
		     a->to.arg ? ", to " : "", a->to.arg ? a->to.arg : "") < 0)
		return &pgt_error_nomem;
	err = pgt_trace_writer_comment(w, text);
	free(text);
	for (size_t i = 0; !err && i < a->ncomments; i++)
		err = pgt_trace_writer_comment(w, a->comments[i]);
	return err;
}

/* Events read before the machine line can be written, at most this many. */
#define LOOKAHEAD_EVENTS 65536

/* Does the recording (or an option) say enough for the machine line? */
static bool machine_ready(const struct convert_args *a, struct pgt_source *src,
			  struct infer_evidence *e)
{
	const struct pgt_machine *m = pgt_source_machine(src);
	e->pti_clones = pgt_source_pti_clones(src);
	bool lowmem = (m->set & PGT_MACHINE_LOWMEM) ||
		      (a->machine.set & PGT_MACHINE_LOWMEM) ||
		      pgt_source_format(src) != PGT_FORMAT_FTRACE;
	bool policy = ((m->set | a->machine.set) & PGT_MACHINE_POLICY) ||
		      infer_recording_settled(e);
	return lowmem && policy;
}

/* Write one event read (numbered @s->read) if the slice keeps it. */
static struct pgt_error *put_event(const struct convert_args *a,
				   struct pgt_strtab *tab,
				   struct pgt_trace_writer *w,
				   const struct pgt_event *ev, uint64_t index,
				   bool *writing, bool *done, struct summary *s)
{
	if (!*writing && point_matches(&a->from, index, ev, tab))
		*writing = true;
	if (!*writing)
		return NULL;
	struct pgt_error *err = pgt_trace_writer_event(w, ev);
	if (err)
		return err;
	s->written++;
	s->ops[ev->op]++;
	if (a->to.arg && point_matches(&a->to, index, ev, tab))
		*done = true;
	return NULL;
}

static struct pgt_error *convert(const struct convert_args *a,
				 struct pgt_strtab *tab,
				 struct pgt_trace_writer *w, struct summary *s)
{
	struct pgt_source *src;
	struct pgt_error *err = pgt_source_open(a->in, a->format, tab, &src);
	if (err)
		return err;
	s->format = pgt_source_format(src);
	bool header = false, writing = !a->from.arg, done = false;
	struct infer_evidence evidence = {0};
	struct infer_names names = {0};
	struct pgt_event *buf = NULL;
	size_t nbuf = 0;
	const struct pgt_event *ev = NULL;
	bool eof = false;
	while (!done) {
		if ((err = pgt_source_next(src, &ev, &eof)))
			goto out;
		if (!eof && ev->op == PGT_OP_MACHINE)
			continue;
		if (!eof) {
			s->read++;
			infer_event(&evidence, ev, tab, &names);
		}
		if (!header) {
			if (!eof && nbuf < LOOKAHEAD_EVENTS &&
			    !machine_ready(a, src, &evidence)) {
				if (!buf && !(buf = malloc(LOOKAHEAD_EVENTS * sizeof(*buf)))) {
					err = &pgt_error_nomem;
					goto out;
				}
				buf[nbuf++] = *ev;
				continue;
			}
			evidence.pti_clones = pgt_source_pti_clones(src);
			if ((err = write_header(a, src, &evidence, w)))
				goto out;
			header = true;
			for (size_t i = 0; i < nbuf && !done; i++)
				if ((err = put_event(a, tab, w, &buf[i], i + 1, &writing,
						     &done, s)))
					goto out;
		}
		if (eof || done)
			break;
		if ((err = put_event(a, tab, w, ev, s->read, &writing, &done, s)))
			goto out;
	}
	if (!writing)
		err = pgt_error_create(PGT_ERROR_INPUT, "%s: --from %s: %s",
				       pgt_source_name(src), a->from.arg,
				       a->from.n ? "the trace has fewer events"
						 : "no such label");
	else if (a->to.arg && !done)
		err = pgt_error_create(PGT_ERROR_INPUT, "%s: --to %s: %s",
				       pgt_source_name(src), a->to.arg,
				       a->to.n ? "the trace has fewer events"
					       : "no such label at or after --from");
	s->skipped = pgt_source_skipped(src);
	if (!err && (a->machine.set & PGT_MACHINE_POLICY)) {
		evidence.pti_clones = pgt_source_pti_clones(src);
		struct infer_policy p;
		infer_decide(true, a->machine.unshared ? PGT_POLICY_UNSHARED
						       : PGT_POLICY_SHARED,
			     NULL, &evidence, &p);
		if (p.warning[0])
			fprintf(stderr, "pgtrace: warning: %s\n", p.warning);
	}
	pgt_source_pairs(src, &s->pairs);
out:
	free(buf);
	infer_names_deinit(&names);
	pgt_source_destroy(src);
	return err;
}

static void print_summary(const struct convert_args *a, const struct summary *s)
{
	FILE *f = strcmp(a->out, "-") ? stdout : stderr;
	if (!a->json) {
		fprintf(f,
			"%s (%s): %" PRIu64 " of %" PRIu64 " events written to %s; %" PRIu64
			" lines skipped\n",
			strcmp(a->in, "-") ? a->in : "<stdin>",
			pgt_format_name(s->format), s->written, s->read,
			strcmp(a->out, "-") ? a->out : "<stdout>", s->skipped);
		if (s->pairs.orphan_returns)
			fprintf(f, "%" PRIu64 " pgd_alloc returns without their entry (mm unknown), first at line %" PRIu64 "\n",
				s->pairs.orphan_returns, s->pairs.first_orphan_line);
		if (s->pairs.unmatched_entries)
			fprintf(f, "%" PRIu64 " pgd_alloc entries never returned (nothing allocated), first at line %" PRIu64 "\n",
				s->pairs.unmatched_entries, s->pairs.first_unmatched_line);
		return;
	}
	struct json j;
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "input", a->in);
	json_string(&j, "format", pgt_format_name(s->format));
	json_string(&j, "output", a->out);
	json_uint(&j, "events_read", s->read);
	json_uint(&j, "events_written", s->written);
	json_uint(&j, "lines_skipped", s->skipped);
	if (s->pairs.orphan_returns) {
		json_uint(&j, "alloc_returns_without_entry", s->pairs.orphan_returns);
		json_uint(&j, "first_return_without_entry_line", s->pairs.first_orphan_line);
	}
	if (s->pairs.unmatched_entries) {
		json_uint(&j, "alloc_entries_without_return", s->pairs.unmatched_entries);
		json_uint(&j, "first_entry_without_return_line", s->pairs.first_unmatched_line);
	}
	json_begin_object(&j, "ops");
	for (int op = PGT_OP_MACHINE + 1; op < PGT_OP__COUNT; op++) {
		if (s->ops[op])
			json_uint(&j, pgt_op_name((enum pgt_op)op), s->ops[op]);
	}
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_convert(int argc, char **argv)
{
	struct convert_args a = {0};
	pgt_machine_init(&a.machine);
	a.machine.set = 0;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a)) {
		free(a.comments);
		return PGT_EXIT_TROUBLE;
	}
	struct pgt_strtab *tab;
	struct pgt_error *err = pgt_strtab_create(&tab);
	if (err) {
		free(a.comments);
		return pgt_fail(err);
	}
	/* Only a regular file we wrote may be removed on error (not /dev/null). */
	struct stat st;
	bool removable = strcmp(a.out, "-") &&
			 (lstat(a.out, &st) ? errno == ENOENT : S_ISREG(st.st_mode));
	struct pgt_trace_writer *w;
	if ((err = pgt_trace_writer_create(a.out, tab, &w))) {
		pgt_strtab_destroy(tab);
		free(a.comments);
		return pgt_fail(err);
	}
	struct summary s = {0};
	err = convert(&a, tab, w, &s);
	struct pgt_error *close_err = pgt_trace_writer_close(w);
	if (!err)
		err = close_err;
	else
		pgt_error_destroy(close_err);
	pgt_strtab_destroy(tab);
	free(a.comments);
	if (err) {
		/* A partial output must not pass for a converted trace. */
		if (removable)
			unlink(a.out);
		return pgt_fail(err);
	}
	print_summary(&a, &s);
	return PGT_EXIT_OK;
}
