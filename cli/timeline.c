/* SPDX-License-Identifier: MIT */
/*
 * pgtrace timeline: divergence, live pgds, faults and page-table bytes
 * sampled over a replay, written as CSV, JSON or a self-contained SVG.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/report.h"
#include "core/grow.h"

/* The values of one side at one sample, named as in replay's totals. */
enum {
	V_DIVERGENT_ENTRIES,
	V_MISSING,
	V_STALE,
	V_DIFFERENT,
	V_DIVERGENT_PGDS,
	V_LIVE_PGDS,
	V_FAULTS,
	V_HAZARDS,
	V_OOPSES,
	V_PGTABLE_BYTES,
	NVALUES,
};

static const char *const value_names[NVALUES] = {
	"divergent_entries", "missing", "stale", "different",
	"divergent_pgds", "live_pgds", "faults", "hazards", "oopses",
	"pgtable_bytes",
};

struct sample {
	uint64_t event, line, t_ns;
	uint32_t marker; /* strtab id of the marker this sample is at, or 0 */
	uint64_t v[2][NVALUES];
};

struct marker {
	uint64_t event, line, t_ns;
	uint32_t label;
};

enum out_type { OUT_NONE = 0, OUT_CSV, OUT_JSON, OUT_SVG };

struct timeline_args {
	struct model_opts model;
	const char *trace;
	const char *output;
	enum out_type type;
	uint64_t every;  /* sample every N events */
	uint64_t points; /* at most this many samples */
	bool phases;     /* one sample per marker */
	bool time;       /* SVG x axis: time, not events */
};

struct timeline {
	const struct timeline_args *a;
	uint64_t stride;
	struct sample *s;
	size_t n, cap;
	struct marker *m;
	size_t nm, capm;
	uint64_t last_t_ns, last_line;
};

static void take_values(const struct run *r, int side, uint64_t ret[NVALUES])
{
	const struct pgt_model *m = r->models[side];
	struct report_totals t;
	report_totals(m, &t);
	const struct pgt_costs *c = pgt_model_costs(m);
	ret[V_DIVERGENT_ENTRIES] = t.divergent_entries;
	ret[V_MISSING] = t.missing;
	ret[V_STALE] = t.stale;
	ret[V_DIFFERENT] = t.different;
	ret[V_DIVERGENT_PGDS] = t.divergent_pgds;
	ret[V_LIVE_PGDS] = t.live_pgds;
	ret[V_FAULTS] = t.faults;
	ret[V_HAZARDS] = t.hazards;
	ret[V_OOPSES] = t.oopses;
	ret[V_PGTABLE_BYTES] = c->pgtable_bytes;
}

static struct pgt_error *take_sample(struct timeline *tl, const struct run *r,
				     const struct pgt_event *ev, uint32_t marker)
{
	struct pgt_error *err = PGT_GROW(tl->s, tl->cap, tl->n + 1, 256);
	if (err)
		return err;
	struct sample *s = &tl->s[tl->n++];
	*s = (struct sample){.event = r->events, .line = ev->line,
			     .t_ns = tl->last_t_ns, .marker = marker};
	for (int i = 0; i < r->nmodels; i++)
		take_values(r, i, s->v[i]);
	return NULL;
}

/*
 * Keep at most a->points samples: when full, drop every other one and
 * sample half as often.  Samples stay at multiples of the stride, so each
 * is what `replay --at event:N` reports.
 */
static void decimate(struct timeline *tl)
{
	size_t k = 0;
	for (size_t i = 0; i < tl->n; i++)
		if (tl->s[i].event % (2 * tl->stride) == 0)
			tl->s[k++] = tl->s[i];
	tl->n = k;
	tl->stride *= 2;
}

static struct pgt_error *on_event(const struct run *r,
				  const struct pgt_event *ev, void *arg)
{
	struct timeline *tl = arg;
	if (ev->t_ns != PGT_NO_TIME)
		tl->last_t_ns = ev->t_ns;
	tl->last_line = ev->line;
	uint32_t marker = 0;
	if (ev->op == PGT_OP_LABEL && ev->label) {
		marker = ev->label;
		struct pgt_error *err = PGT_GROW(tl->m, tl->capm, tl->nm + 1, 64);
		if (err)
			return err;
		tl->m[tl->nm++] = (struct marker){r->events, ev->line,
						  tl->last_t_ns, ev->label};
	}
	if (tl->a->phases)
		return marker ? take_sample(tl, r, ev, marker) : NULL;
	if (r->events % tl->stride)
		return NULL;
	/* One slot stays free for the last event. */
	if (tl->n + 1 >= tl->a->points) {
		decimate(tl);
		if (r->events % tl->stride)
			return NULL;
	}
	return take_sample(tl, r, ev, marker);
}

/* ---- Output ---- */

static void print_time(FILE *f, uint64_t t_ns)
{
	if (t_ns != PGT_NO_TIME)
		fprintf(f, "%" PRIu64 ".%09" PRIu64, t_ns / 1000000000,
			t_ns % 1000000000);
}

static void csv_string(FILE *f, const char *s)
{
	if (!*s)
		return;
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const struct timeline *tl, const struct run *r)
{
	fputs("events,line,time_s", f);
	for (int i = 0; i < r->nmodels; i++)
		for (int v = 0; v < NVALUES; v++)
			fprintf(f, ",%s%s", r->nmodels > 1 ? (i ? "b_" : "a_") : "",
				value_names[v]);
	fputs(",marker\n", f);
	for (size_t k = 0; k < tl->n; k++) {
		const struct sample *s = &tl->s[k];
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",", s->event, s->line);
		print_time(f, s->t_ns);
		for (int i = 0; i < r->nmodels; i++)
			for (int v = 0; v < NVALUES; v++)
				fprintf(f, ",%" PRIu64, s->v[i][v]);
		fputc(',', f);
		csv_string(f, s->marker ? pgt_strtab_get(r->tab, s->marker) : "");
		fputc('\n', f);
	}
}

static void json_time(struct json *j, const char *key, uint64_t t_ns)
{
	if (t_ns == PGT_NO_TIME)
		json_null(j, key);
	else
		json_double(j, key, (double)t_ns / 1e9);
}

static void json_side(struct json *j, const struct run *r, int i)
{
	const struct pgt_model_config *c = pgt_model_config(r->models[i]);
	json_begin_object(j, NULL);
	json_string(j, "policy", pgt_policy_name(c->policy));
	json_string(j, "sync", c->kernel == PGT_KERNEL_6_1
				       ? "arch_sync_kernel_mappings"
				       : pgt_sync_name(c->sync));
	json_string(j, "kernel", pgt_kernel_name(c->kernel));
	json_end_object(j);
}

static void write_json(FILE *f, const struct timeline *tl, const struct run *r)
{
	struct json j;
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "trace", r->path);
	json_string(&j, "format", pgt_format_name(r->format));
	json_uint(&j, "events", r->events);
	json_bool(&j, "stopped", r->stopped);
	json_string(&j, "sampling", tl->a->phases ? "phases" : "events");
	if (!tl->a->phases)
		json_uint(&j, "every", tl->stride);
	json_begin_array(&j, "sides");
	for (int i = 0; i < r->nmodels; i++)
		json_side(&j, r, i);
	json_end_array(&j);
	json_begin_array(&j, "samples");
	for (size_t k = 0; k < tl->n; k++) {
		const struct sample *s = &tl->s[k];
		json_begin_object(&j, NULL);
		json_uint(&j, "events", s->event);
		json_uint(&j, "line", s->line);
		json_time(&j, "time", s->t_ns);
		if (s->marker)
			json_string(&j, "marker", pgt_strtab_get(r->tab, s->marker));
		json_begin_array(&j, "sides");
		for (int i = 0; i < r->nmodels; i++) {
			json_begin_object(&j, NULL);
			for (int v = 0; v < NVALUES; v++)
				json_uint(&j, value_names[v], s->v[i][v]);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "markers");
	for (size_t k = 0; k < tl->nm; k++) {
		json_begin_object(&j, NULL);
		json_uint(&j, "events", tl->m[k].event);
		json_uint(&j, "line", tl->m[k].line);
		json_time(&j, "time", tl->m[k].t_ns);
		json_string(&j, "text", pgt_strtab_get(r->tab, tl->m[k].label));
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

/* ---- SVG ---- */

#define SVG_W 960
#define PANEL_H 150
#define MARGIN_L 80
#define MARGIN_R 170
#define MARGIN_T 56
#define PANEL_GAP 34
#define MAX_MARKERS 64

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

/* A round step (1, 2 or 5 times a power of ten) giving at most 6 ticks. */
static uint64_t nice_step(uint64_t max)
{
	uint64_t step = 1;
	for (int k = 0;; k++) {
		uint64_t s = step * (k % 3 == 0 ? 1 : k % 3 == 1 ? 2 : 5);
		if (max / s <= 5)
			return s;
		if (k % 3 == 2)
			step *= 10;
		if (step > UINT64_MAX / 100)
			return s;
	}
}

static void format_value(char *buf, size_t len, uint64_t v, bool bytes,
			 bool ns)
{
	if (ns)
		snprintf(buf, len, "%gs", (double)v / 1e9);
	else if (bytes && v >= (1u << 20))
		snprintf(buf, len, "%gM", (double)v / (1 << 20));
	else if (bytes && v >= 1024)
		snprintf(buf, len, "%gK", (double)v / 1024);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

struct series {
	int value;
	const char *color;
	const char *name;
};

struct panel {
	const char *title;
	bool bytes;
	int nseries;
	struct series series[4];
};

static const struct panel panels[] = {
	{"divergent kernel PMD entries (live pgds)", false, 4,
	 {{V_DIVERGENT_ENTRIES, "#000000", "divergent"},
	  {V_MISSING, "#d62728", "missing"},
	  {V_STALE, "#1f77b4", "stale"},
	  {V_DIFFERENT, "#2ca02c", "different"}}},
	{"pgds and vmalloc faults", false, 4,
	 {{V_LIVE_PGDS, "#7f7f7f", "live pgds"},
	  {V_DIVERGENT_PGDS, "#9467bd", "divergent pgds"},
	  {V_FAULTS, "#ff7f0e", "faults"},
	  {V_HAZARDS, "#d62728", "hazards"}}},
	{"page-table memory (bytes)", true, 1,
	 {{V_PGTABLE_BYTES, "#1f77b4", "page-table bytes"}}},
};
#define NPANELS (sizeof(panels) / sizeof(panels[0]))

static uint64_t sample_x(const struct timeline *tl, const struct sample *s)
{
	return tl->a->time ? s->t_ns : s->event;
}

static void write_svg(FILE *f, const struct timeline *tl, const struct run *r)
{
	int plot_w = SVG_W - MARGIN_L - MARGIN_R;
	int h = MARGIN_T + (int)NPANELS * (PANEL_H + PANEL_GAP) + 20;
	uint64_t x0 = 0, x1 = 1;
	if (tl->a->time && tl->n) {
		x0 = tl->s[0].t_ns;
		for (size_t k = 0; k < tl->nm; k++)
			if (tl->m[k].t_ns < x0)
				x0 = tl->m[k].t_ns;
		x1 = tl->s[tl->n - 1].t_ns;
	} else if (tl->n) {
		x1 = tl->s[tl->n - 1].event;
	}
	if (x1 <= x0)
		x1 = x0 + 1;
	double xs = (double)plot_w / (double)(x1 - x0);
#define X(v) (MARGIN_L + ((double)((v) - x0)) * xs)

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
		SVG_W, h, SVG_W, h);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, h);
	fputs("<text x=\"10\" y=\"18\" font-size=\"14\">pgtrace timeline: ", f);
	svg_text(f, r->path);
	fprintf(f, " (%" PRIu64 " %s", PL(r->events, "event", "events"));
	if (tl->a->phases)
		fputs(", a sample per marker", f);
	else
		fprintf(f, ", a sample every %" PRIu64, tl->stride);
	fputs(")</text>\n", f);
	for (int i = 0; i < r->nmodels; i++) {
		char desc[128];
		report_describe(r->models[i], desc, sizeof(desc));
		fprintf(f, "<text x=\"10\" y=\"%d\">", 34 + 14 * i);
		if (r->nmodels > 1)
			fprintf(f, "%s (%s line): ", i ? "B" : "A",
				i ? "dashed" : "solid");
		svg_text(f, desc);
		fputs("</text>\n", f);
	}

	for (size_t p = 0; p < NPANELS; p++) {
		const struct panel *pn = &panels[p];
		int top = MARGIN_T + (int)p * (PANEL_H + PANEL_GAP) + 14;
		int bottom = top + PANEL_H;
		uint64_t ymax = 0;
		for (size_t k = 0; k < tl->n; k++)
			for (int i = 0; i < r->nmodels; i++)
				for (int q = 0; q < pn->nseries; q++)
					if (tl->s[k].v[i][pn->series[q].value] > ymax)
						ymax = tl->s[k].v[i][pn->series[q].value];
		/* Bytes step in whole KiB or MiB, so the labels are round. */
		uint64_t unit = !pn->bytes ? 1 : ymax >= (2u << 20) ? 1u << 20
					  : ymax >= 2048 ? 1024 : 1;
		uint64_t ystep = nice_step(ymax / unit ? ymax / unit : 1) * unit;
		uint64_t ytop = ymax ? (ymax + ystep - 1) / ystep * ystep : ystep;
		double ys = (double)PANEL_H / (double)ytop;
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
			MARGIN_L, top - 4, pn->title);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			   "fill=\"none\" stroke=\"#000000\"/>\n",
			MARGIN_L, top, plot_w, PANEL_H);
		for (uint64_t y = 0; y <= ytop; y += ystep) {
			char lab[32];
			double py = bottom - (double)y * ys;
			format_value(lab, sizeof(lab), y, pn->bytes, false);
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				   "stroke=\"#dddddd\"/>\n",
				MARGIN_L, py, MARGIN_L + plot_w, py);
			fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				MARGIN_L - 4, py + 4, lab);
		}
		uint64_t xstep = nice_step(x1 - x0);
		for (uint64_t x = 0; x <= x1 - x0; x += xstep) {
			char lab[32];
			format_value(lab, sizeof(lab), tl->a->time ? x : x0 + x,
				     false, tl->a->time);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				X(x0 + x), bottom + 13, lab);
		}
		for (int i = 0; i < r->nmodels; i++) {
			for (int q = 0; q < pn->nseries; q++) {
				const struct series *se = &pn->series[q];
				fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
					se->color,
					i ? " stroke-dasharray=\"6 3\"" : "");
				for (size_t k = 0; k < tl->n; k++)
					fprintf(f, "%s%.1f,%.1f", k ? " " : "",
						X(sample_x(tl, &tl->s[k])),
						bottom - (double)tl->s[k].v[i][se->value] * ys);
				fputs("\"/>\n", f);
			}
		}
		for (int q = 0; q < pn->nseries; q++) {
			int ly = top + 12 + 16 * q;
			int lx = MARGIN_L + plot_w + 10;
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				   "stroke=\"%s\" stroke-width=\"2\"/>\n",
				lx, ly - 4, lx + 18, ly - 4, pn->series[q].color);
			fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 24,
				ly, pn->series[q].name);
		}
	}
	int top = MARGIN_T + 14;
	int bottom = MARGIN_T + (int)NPANELS * (PANEL_H + PANEL_GAP) - PANEL_GAP + 14;
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		MARGIN_L + plot_w / 2, bottom + 30,
		tl->a->time ? "time (seconds since the trace's first sample)"
			    : "events replayed");
	/* Markers: every one when they are few, else evenly chosen ones. */
	size_t step = tl->nm > MAX_MARKERS ? (tl->nm + MAX_MARKERS - 1) / MAX_MARKERS : 1;
	for (size_t k = 0; k < tl->nm; k += step) {
		const struct marker *m = &tl->m[k];
		double mx = X(tl->a->time ? m->t_ns : m->event);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			   "stroke=\"#8c564b\" stroke-dasharray=\"2 2\"/>\n",
			mx, top, mx, bottom);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#8c564b\" "
			   "text-anchor=\"end\" transform=\"rotate(-90 %.1f %d)\">",
			mx - 2, top + 2, mx - 2, top + 2);
		svg_text(f, pgt_strtab_get(r->tab, m->label));
		fputs("</text>\n", f);
	}
#undef X
	fputs("</svg>\n", f);
}

/* ---- Arguments ---- */

enum {
	OPT_OUTPUT = 'o',
	OPT_TYPE = 0x300,
	OPT_EVERY,
	OPT_POINTS,
	OPT_PHASES,
	OPT_TIME,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Timeline:", 1},
	{"output", OPT_OUTPUT, "FILE", 0,
	 "write the timeline to FILE: .csv, .json or .svg by its extension "
	 "('-': standard output, CSV unless --type)", 0},
	{"type", OPT_TYPE, "csv|json|svg", 0,
	 "the output format, whatever FILE's extension", 0},
	{"every", OPT_EVERY, "N", 0,
	 "a sample every N events (default 1; doubled as often as needed to "
	 "keep to --points)", 0},
	{"points", OPT_POINTS, "N", 0,
	 "at most N samples, the last event included (default 500)", 0},
	{"phases", OPT_PHASES, NULL, 0,
	 "a sample at each marker (label/PHASE) instead of every N events, "
	 "and one at the end", 0},
	{"time", OPT_TIME, NULL, 0,
	 "SVG: the trace's timestamps on the x axis instead of event numbers", 0},
	{0},
};

static bool parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

static enum out_type type_of(const char *s)
{
	if (!strcmp(s, "csv"))
		return OUT_CSV;
	if (!strcmp(s, "json"))
		return OUT_JSON;
	if (!strcmp(s, "svg"))
		return OUT_SVG;
	return OUT_NONE;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct timeline_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->model;
		state->child_inputs[1] = &a->model;
		return 0;
	case OPT_OUTPUT:
		a->output = arg;
		return 0;
	case OPT_TYPE:
		if (!(a->type = type_of(arg)))
			argp_error(state, "--type is csv, json or svg, not '%s'", arg);
		return 0;
	case OPT_EVERY:
		if (!parse_count(arg, 1, UINT64_MAX / 4, &a->every))
			argp_error(state, "--every needs a number of events >= 1, not '%s'", arg);
		return 0;
	case OPT_POINTS:
		if (!parse_count(arg, 10, 1000000, &a->points))
			argp_error(state, "--points needs a number 10..1000000, not '%s'", arg);
		return 0;
	case OPT_PHASES:
		a->phases = true;
		return 0;
	case OPT_TIME:
		a->time = true;
		return 0;
	case ARGP_KEY_ARG:
		if (a->trace)
			argp_error(state, "one TRACE only");
		a->trace = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->trace)
			argp_error(state, "a TRACE is needed ('-' for standard input)");
		if (!a->output)
			argp_error(state, "-o FILE is needed (.csv, .json or .svg)");
		if (!a->type) {
			const char *dot = strrchr(a->output, '.');
			if (!strcmp(a->output, "-"))
				a->type = OUT_CSV;
			else if (!dot || !(a->type = type_of(dot + 1)))
				argp_error(state, "%s: the name ends in neither .csv, .json nor .svg; say --type", a->output);
		}
		if (a->model.npolicies > 1 && (a->model.nsyncs > 1 || a->model.nkernels > 1))
			argp_error(state, "two sides at most: one pair of --shared/--unshared, --sync or --kernel");
		if (a->phases && a->every)
			argp_error(state, "--phases and --every exclude each other");
		if (a->model.all)
			argp_error(state, "--all lists pgds; a timeline has none");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{&model_opts_argp, 0, NULL, 0},
	{&image_opts_argp, 0, NULL, 0},
	{0},
};

static const char doc[] =
	"Replay TRACE and sample, after every N events (or at each marker with "
	"--phases, and after the last event), the divergent kernel PMD entries "
	"of the live pgds (missing, stale, different), the live and divergent "
	"pgds, the vmalloc faults, hazards and oopses so far, and the "
	"page-table bytes; write them to FILE: CSV (a header, then one row a "
	"sample), JSON, or an SVG plot with the trace's markers as vertical "
	"lines.  Two settings (--shared --unshared, --sync twice, --kernel "
	"twice) are sampled together: a_ and b_ columns, both on the same axes "
	"(B dashed).  Each sample after event N holds what 'pgtrace replay "
	"--at event:N' reports."
	"\v" PGT_EXIT_DOC;

static const struct argp argp = {options, parse_opt, "TRACE -o FILE", doc,
				 children, NULL, NULL};

static const char *type_name(enum out_type t)
{
	return t == OUT_CSV ? "csv" : t == OUT_JSON ? "json" : "svg";
}

int cmd_timeline(int argc, char **argv)
{
	struct timeline_args a = {.points = 500};
	model_opts_init(&a.model);
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	int nmodels = a.model.npolicies > 1 || a.model.nsyncs > 1 ||
				      a.model.nkernels > 1 ? 2 : 1;
	struct timeline tl = {.a = &a, .stride = a.every ? a.every : 1,
			      .last_t_ns = PGT_NO_TIME};
	struct run r;
	struct pgt_error *err = run_trace_each(a.trace, &a.model, nmodels,
					       on_event, &tl, &r);
	if (err) {
		free(tl.s);
		free(tl.m);
		return pgt_fail(err);
	}
	int status = PGT_EXIT_OK;
	/* The last event is always a sample (an empty trace has none). */
	if (r.events && (!tl.n || tl.s[tl.n - 1].event != r.events)) {
		struct pgt_event last = {.line = tl.last_line};
		if ((err = take_sample(&tl, &r, &last, 0)))
			goto out;
	}
	bool to_stdout = !strcmp(a.output, "-");
	FILE *f = to_stdout ? stdout : fopen(a.output, "w");
	if (!f) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", a.output, strerror(errno));
		goto out;
	}
	if (a.type == OUT_CSV)
		write_csv(f, &tl, &r);
	else if (a.type == OUT_JSON)
		write_json(f, &tl, &r);
	else
		write_svg(f, &tl, &r);
	if (!to_stdout) {
		bool bad = ferror(f);
		int e = errno;
		if (fclose(f) != 0 || bad) {
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       a.output, strerror(bad ? e : errno));
			remove(a.output);
			goto out;
		}
		if (a.model.json) {
			struct json j;
			json_init(&j, stdout);
			json_begin_object(&j, NULL);
			json_string(&j, "trace", r.path);
			json_string(&j, "output", a.output);
			json_string(&j, "type", type_name(a.type));
			json_uint(&j, "events", r.events);
			json_uint(&j, "nsamples", tl.n);
			json_string(&j, "sampling", a.phases ? "phases" : "events");
			if (!a.phases)
				json_uint(&j, "every", tl.stride);
			json_uint(&j, "nmarkers", tl.nm);
			json_end_object(&j);
			json_finish(&j);
		} else {
			printf("%s: %zu %s of %s (%" PRIu64 " %s", a.output, tl.n,
			       tl.n == 1 ? "sample" : "samples", r.path, r.events,
			       r.events == 1 ? "event" : "events");
			if (a.phases)
				printf(", one per marker");
			else
				printf(", every %" PRIu64, tl.stride);
			printf("), %zu %s\n", tl.nm, tl.nm == 1 ? "marker" : "markers");
		}
	}
out:
	free(tl.s);
	free(tl.m);
	run_deinit(&r);
	if (err)
		return pgt_fail(err);
	return status;
}
