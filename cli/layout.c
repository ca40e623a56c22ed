/* SPDX-License-Identifier: MIT */
/* pgtrace layout: the kernel virtual memory layout of a machine. */
#include <argp.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli/json.h"
#include "cli/modelopts.h"
#include "core/layout.h"
#include "formats/source.h"

static char doc[] =
	"Print the kernel virtual memory layout of an x86-32 PAE kernel, "
	"derived from the machine description as the kernel derives it at "
	"boot, in the order of the kernel's \"virtual kernel memory layout:\" "
	"boot message.  The machine comes from TRACE's machine line, if a "
	"TRACE is given, and the machine options, which override it.\v"
	"The fixmap and cpu_entry_area depend on the kernel configuration; "
	"pgtrace models 2.6.21 for a 686 SMP PAE configuration with "
	"NR_CPUS=8, ACPI, PCI_MMCONFIG and PARAVIRT, and 6.1 for Debian's "
	"686-pae configuration (NR_CPUS=32).  The model options --shared, "
	"--unshared, --sync, --at and --all do not apply to this command.\n\n"
	PGT_EXIT_DOC;

struct layout_args {
	struct model_opts opts;
	const char *trace;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct layout_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->opts;
		return 0;
	case ARGP_KEY_ARG:
		if (a->trace)
			argp_error(state, "only one TRACE, not '%s'", arg);
		a->trace = arg;
		return 0;
	case ARGP_KEY_END: {
		const struct model_opts *o = &a->opts;
		if (o->npolicies || o->nsyncs || o->at || o->all)
			argp_error(state, "--shared, --unshared, --sync, --at and "
					  "--all do not apply to layout");
		if (o->nkernels > 1)
			argp_error(state, "layout takes one --kernel");
		return 0;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{&model_opts_argp, 0, NULL, 0},
	{0},
};

static const struct argp argp = {NULL, parse_opt, "[TRACE]", doc, children,
				 NULL, NULL};

/* The machine line of @path (defaults when it has none). */
static struct pgt_error *trace_machine(const char *path, enum pgt_format format,
				       struct pgt_machine *ret)
{
	struct pgt_strtab *tab;
	struct pgt_error *err = pgt_strtab_create(&tab);
	if (err)
		return err;
	struct pgt_source *src;
	err = pgt_source_open(path, format, tab, &src);
	if (!err) {
		/* A native trace's machine line comes before any event. */
		const struct pgt_event *ev;
		bool eof;
		err = pgt_source_next(src, &ev, &eof);
		if (!err)
			*ret = *pgt_source_machine(src);
		pgt_source_destroy(src);
	}
	pgt_strtab_destroy(tab);
	return err;
}

static const char *split_name(uint32_t page_offset)
{
	switch (page_offset) {
	case 0xc0000000u:
		return "3G/1G";
	case 0x80000000u:
		return "2G/2G";
	default:
		return "1G/3G";
	}
}

struct area {
	const char *name;  /* as the kernel prints it, padded */
	const char *key;   /* JSON name */
	uint32_t start, end;
	bool mb;           /* size in MB (else kB), as the kernel prints it */
};

/* The areas from the top of the address space down, as mem_init() lists them. */
static int layout_areas(const struct pgt_layout *l, bool highmem,
			struct area *areas)
{
	int n = 0;
	areas[n++] = (struct area){"    fixmap  ", "fixmap", l->fixaddr_start,
				   l->fixaddr_top, false};
	if (l->kernel == PGT_KERNEL_6_1) {
		areas[n++] = (struct area){"  cpu_entry ", "cpu_entry",
					   l->cpu_entry_area_base,
					   l->cpu_entry_area_end, false};
		areas[n++] = (struct area){"    ldt     ", "ldt", l->ldt_base,
					   l->ldt_end, false};
	}
	if (highmem)
		areas[n++] = (struct area){"    pkmap   ", "pkmap", l->pkmap_base,
					   l->pkmap_end, false};
	areas[n++] = (struct area){"    vmalloc ", "vmalloc", l->vmalloc_start,
				   l->vmalloc_end, true};
	areas[n++] = (struct area){"    hole    ", "hole", l->high_memory,
				   l->vmalloc_start, true};
	areas[n++] = (struct area){"    lowmem  ", "lowmem", l->page_offset,
				   l->high_memory, true};
	areas[n++] = (struct area){"      .text ", "text", l->text_start,
				   l->etext, false};
	return n;
}

static void print_text(const struct pgt_layout *l, const struct pgt_machine *m,
		       const struct area *areas, int n)
{
	printf("kernel %s, %s split (PAGE_OFFSET 0x%08" PRIx32
	       "), %d user and %d kernel pgd slots\n",
	       pgt_kernel_name(l->kernel), split_name(l->page_offset),
	       l->page_offset, l->user_pgds, l->kernel_pgds);
	printf("lowmem %" PRIu64 " KiB of at most %" PRIu64
	       " KiB, HIGHMEM %s, PSE %s, NX %s\n",
	       l->lowmem >> 10, l->max_lowmem >> 10, m->highmem ? "on" : "off",
	       m->pse ? "on" : "off", m->nx ? "on" : "off");
	printf("virtual kernel memory layout:\n");
	for (int i = 0; i < n; i++) {
		uint32_t size = areas[i].end - areas[i].start;
		printf("%s: 0x%08" PRIx32 " - 0x%08" PRIx32 "   (%4" PRIu32
		       " %s)\n",
		       areas[i].name, areas[i].start, areas[i].end,
		       areas[i].mb ? size >> 20 : size >> 10,
		       areas[i].mb ? "MB" : "kB");
	}
}

static void print_json(const struct pgt_layout *l, const struct pgt_machine *m,
		       const struct area *areas, int n)
{
	struct json j;
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_string(&j, "kernel", pgt_kernel_name(l->kernel));
	json_string(&j, "split", split_name(l->page_offset));
	json_hex(&j, "page_offset", l->page_offset);
	json_uint(&j, "lowmem", l->lowmem);
	json_uint(&j, "max_lowmem", l->max_lowmem);
	json_bool(&j, "highmem", m->highmem);
	json_bool(&j, "pse", m->pse);
	json_bool(&j, "nx", m->nx);
	json_int(&j, "user_pgds", l->user_pgds);
	json_int(&j, "kernel_pgds", l->kernel_pgds);
	json_hex(&j, "high_memory", l->high_memory);
	json_hex(&j, "vmalloc_start", l->vmalloc_start);
	json_hex(&j, "vmalloc_end", l->vmalloc_end);
	if (m->highmem) {
		json_hex(&j, "pkmap_base", l->pkmap_base);
		json_hex(&j, "pkmap_end", l->pkmap_end);
	} else {
		json_null(&j, "pkmap_base");
		json_null(&j, "pkmap_end");
	}
	if (l->kernel == PGT_KERNEL_6_1) {
		json_hex(&j, "ldt_base", l->ldt_base);
		json_hex(&j, "ldt_end", l->ldt_end);
		json_hex(&j, "cpu_entry_area_base", l->cpu_entry_area_base);
		json_hex(&j, "cpu_entry_area_end", l->cpu_entry_area_end);
		json_hex(&j, "fixaddr_tot_start", l->fixaddr_boot_start);
	} else {
		json_hex(&j, "fixaddr_boot_start", l->fixaddr_boot_start);
	}
	json_hex(&j, "fixaddr_start", l->fixaddr_start);
	json_hex(&j, "fixaddr_top", l->fixaddr_top);
	json_hex(&j, "text_start", l->text_start);
	json_hex(&j, "etext", l->etext);
	json_begin_array(&j, "areas");
	for (int i = 0; i < n; i++) {
		json_begin_object(&j, NULL);
		json_string(&j, "name", areas[i].key);
		json_hex(&j, "start", areas[i].start);
		json_hex(&j, "end", areas[i].end);
		json_uint(&j, "size", areas[i].end - areas[i].start);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_layout(int argc, char **argv)
{
	struct layout_args a = {0};
	model_opts_init(&a.opts);
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return PGT_EXIT_TROUBLE;

	struct pgt_machine machine, trace_only;
	pgt_machine_init(&machine);
	if (a.trace) {
		struct pgt_error *err =
			trace_machine(a.trace, a.opts.format, &machine);
		if (err)
			return pgt_fail(err);
		trace_only = machine;
	}
	pgt_machine_merge(&machine, &a.opts.machine);
	enum pgt_kernel k = a.opts.nkernels ? a.opts.kernel[0]
					    : PGT_KERNEL_DEFAULT;

	struct pgt_layout l;
	struct pgt_error *err = pgt_layout_init(&machine, k, &l);
	if (err && a.trace) {
		/* Blame the trace when its machine line alone is invalid. */
		struct pgt_error *trace_err = pgt_layout_init(&trace_only, k, &l);
		if (trace_err) {
			pgt_error_destroy(trace_err);
			err = pgt_error_prefix(err, "%s: machine", a.trace);
		}
	}
	if (err)
		return pgt_fail(err);
	struct area areas[8];
	int n = layout_areas(&l, machine.highmem, areas);
	if (a.opts.json)
		print_json(&l, &machine, areas, n);
	else
		print_text(&l, &machine, areas, n);
	return PGT_EXIT_OK;
}
