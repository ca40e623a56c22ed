/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/modelopts.h"

enum {
	OPT_SHARED = 0x100,
	OPT_UNSHARED,
	OPT_SYNC,
	OPT_KERNEL,
	OPT_REAP,
	OPT_PAGE_REUSE,
	OPT_PAGE_OFFSET,
	OPT_LOWMEM,
	OPT_PSE,
	OPT_HIGHMEM,
	OPT_NX,
	OPT_ETEXT,
	OPT_INIT_END,
	OPT_IDT_TABLE,
	OPT_FORMAT,
	OPT_AT,
	OPT_ALL,
	OPT_JSON,
	OPT_NOTES,
	OPT_START_CORE,
	OPT_FROM,
	OPT_ADOPT,
	OPT_NO_ADOPT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Model:", 10},
	{"shared", OPT_SHARED, NULL, 0,
	 "SHARED_KERNEL_PMD=1: every pgd points at swapper's kernel PMD (bare hardware, nopti; the default)", 0},
	{"unshared", OPT_UNSHARED, NULL, 0,
	 "SHARED_KERNEL_PMD=0: every pgd has its own kernel PMD copy (Xen PV, PTI)", 0},
	{"sync", OPT_SYNC, "seed|pmd", 0,
	 "vmalloc_sync_all stride: the seed's PGDIR_SIZE (default) or the PMD_SIZE stride of Linux 2.6.35", 0},
	{"kernel", OPT_KERNEL, "2.6.21|6.1", 0,
	 "which kernel's rules to replay (default: the trace's, else 2.6.21)", 0},
	{"reap", OPT_REAP, "slab|limit|record", 0,
	 "2.6.21's pgd slabs are destroyed by SLAB's free_limit and a cache_reap every 2 s (default), the free_limit only, or only at reap records", 0},
	{"page-reuse", OPT_PAGE_REUSE, "lifo|none", 0,
	 "freed pages go to the next page table first (default) or never to a page table", 0},
	{NULL, 0, NULL, 0, "Input and output:", 30},
	{"format", OPT_FORMAT, "auto|native|ftrace", 0,
	 "trace format (default: detected from the first line)", 0},
	{"at", OPT_AT, "N|line:N|LABEL", 0,
	 "stop after event N (event:N), after trace line N (line:N), or at the marker LABEL (a label record or ftrace tracing_mark_write)", 0},
	{"from", OPT_FROM, "LABEL", 0,
	 "apply events from the marker LABEL on (a recording cut where its --start-core image was taken: PHASE start-core, t0-dump); those before it are read, not applied", 0},
	{"all", OPT_ALL, NULL, 0,
	 "list every pgd, not only live ones and those that diverged or faulted", 0},
	{"start-core", OPT_START_CORE, "IMAGE", 0,
	 "the recording began on a running machine and IMAGE is its memory then: start from its kernel page tables, vmalloc mappings and the pgds on its pgd_list (needs --symbols)", 0},
	{"adopt", OPT_ADOPT, NULL, 0,
	 "a pgd named before any pgd_alloc existed before the recording: adopt it (default for ftrace recordings, start=running traces and with --start-core)", 0},
	{"no-adopt", OPT_NO_ADOPT, NULL, 0,
	 "a pgd named before any pgd_alloc is an error (default for native traces)", 0},
	{"notes", OPT_NOTES, "N", 0,
	 "keep the first N notes of each kind (hazards, oopses, ...; default 10, 0: all); the rest are counted", 0},
	{"json", OPT_JSON, NULL, 0, "print one JSON object instead of text", 0},
	{"progress", OPT_PROGRESS, NULL, 0,
	 "show a progress line on standard error from the start (default: after a second, when standard error is a terminal and the output is not JSON)", 0},
	{"no-progress", OPT_NO_PROGRESS, NULL, 0, "never show a progress line", 0},
	{0},
};

static const struct argp_option machine_options[] = {
	{NULL, 0, NULL, 0, "Machine (overrides the trace's machine line):", 20},
	{"page-offset", OPT_PAGE_OFFSET, "ADDR", 0,
	 "PAGE_OFFSET: 0xc0000000 (3G/1G), 0x80000000 (2G/2G) or 0x40000000 (1G/3G)", 0},
	{"lowmem", OPT_LOWMEM, "SIZE", 0,
	 "direct-mapped memory, bytes (K/M/G suffixes); default the split's maximum", 0},
	{"pse", OPT_PSE, "0|1", 0, "direct map in 2 MiB pages (default 1)", 0},
	{"highmem", OPT_HIGHMEM, "0|1", 0, "CONFIG_HIGHMEM: a pkmap area (default 1)", 0},
	{"nx", OPT_NX, "0|1", 0, "NX in kernel protections (default 1)", 0},
	{"etext", OPT_ETEXT, "ADDR", 0, "_etext: end of kernel text (cpa's text protections)", 0},
	{"init-end", OPT_INIT_END, "ADDR", 0, "__init_end (boot maps the direct map executable up to it)", 0},
	{"idt-table", OPT_IDT_TABLE, "ADDR", 0, "idt_table (6.1 boot makes its page read-only)", 0},
	{0},
};

void model_opts_init(struct model_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->notes = 10;
	o->adopt = -1;
	pgt_machine_init(&o->machine);
	o->machine.set = 0;
}

static bool parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (end == s || errno || *s == '-')
		return false;
	int shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*ret = (uint64_t)v << shift;
	return true;
}

static bool parse_bool01(const char *s, bool *ret)
{
	if (!strcmp(s, "0") || !strcmp(s, "1")) {
		*ret = s[0] == '1';
		return true;
	}
	return false;
}

static error_t parse_machine_opt(int key, char *arg, struct argp_state *state)
{
	struct pgt_machine *m = state->input;
	uint64_t v;
	switch (key) {
	case OPT_PAGE_OFFSET:
		if (!strcmp(arg, "3G"))
			v = 0xc0000000u;
		else if (!strcmp(arg, "2G"))
			v = 0x80000000u;
		else if (!strcmp(arg, "1G"))
			v = 0x40000000u;
		else if (!parse_size(arg, &v))
			v = 0;
		if (v != 0xc0000000u && v != 0x80000000u && v != 0x40000000u)
			argp_error(state, "--page-offset must be 0xc0000000, 0x80000000 or 0x40000000 (3G, 2G, 1G), not '%s'", arg);
		m->page_offset = (uint32_t)v;
		m->set |= PGT_MACHINE_PAGE_OFFSET;
		return 0;
	case OPT_LOWMEM:
		if (!parse_size(arg, &v) || v == 0 || (v & 0xfff) ||
		    v > (UINT64_C(4) << 30))
			argp_error(state, "--lowmem must be a non-zero multiple of 4K up to 4G, not '%s'", arg);
		m->lowmem = v;
		m->set |= PGT_MACHINE_LOWMEM;
		return 0;
	case OPT_PSE:
	case OPT_HIGHMEM:
	case OPT_NX: {
		bool b = false;
		if (!parse_bool01(arg, &b))
			argp_error(state, "expected 0 or 1, not '%s'", arg);
		if (key == OPT_PSE) {
			m->pse = b;
			m->set |= PGT_MACHINE_PSE;
		} else if (key == OPT_HIGHMEM) {
			m->highmem = b;
			m->set |= PGT_MACHINE_HIGHMEM;
		} else {
			m->nx = b;
			m->set |= PGT_MACHINE_NX;
		}
		return 0;
	}
	case OPT_ETEXT:
		if (!parse_size(arg, &v) || v > UINT32_MAX)
			argp_error(state, "bad --etext '%s'", arg);
		m->etext = (uint32_t)v;
		m->set |= PGT_MACHINE_ETEXT;
		return 0;
	case OPT_INIT_END:
		if (!parse_size(arg, &v) || v > UINT32_MAX)
			argp_error(state, "bad --init-end '%s'", arg);
		m->init_end = (uint32_t)v;
		m->set |= PGT_MACHINE_INIT_END;
		return 0;
	case OPT_IDT_TABLE:
		if (!parse_size(arg, &v) || v > UINT32_MAX)
			argp_error(state, "bad --idt-table '%s'", arg);
		m->idt_table = (uint32_t)v;
		m->set |= PGT_MACHINE_IDT_TABLE;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp machine_opts_argp = {machine_options, parse_machine_opt, NULL,
				       NULL, NULL, NULL, NULL};

static const struct argp_child model_children[] = {
	{&machine_opts_argp, 0, NULL, 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct model_opts *o = state->input;
	switch (key) {
	case OPT_SHARED:
	case OPT_UNSHARED:
		if (o->npolicies == 2)
			argp_error(state, "at most two policies");
		o->policy[o->npolicies++] =
			key == OPT_SHARED ? PGT_POLICY_SHARED : PGT_POLICY_UNSHARED;
		return 0;
	case OPT_SYNC:
		if (o->nsyncs == 2)
			argp_error(state, "at most two --sync options");
		if (!strcmp(arg, "seed"))
			o->sync[o->nsyncs++] = PGT_SYNC_SEED;
		else if (!strcmp(arg, "pmd"))
			o->sync[o->nsyncs++] = PGT_SYNC_PMD;
		else
			argp_error(state, "--sync must be seed or pmd, not '%s'", arg);
		return 0;
	case OPT_REAP:
		if (!strcmp(arg, "slab") || !strcmp(arg, "limit") || !strcmp(arg, "record"))
			o->reap = arg[0] == 's' ? PGT_REAP_SLAB : arg[0] == 'l' ? PGT_REAP_LIMIT
										 : PGT_REAP_RECORD;
		else
			argp_error(state, "--reap must be slab, limit or record, not '%s'", arg);
		return 0;
	case OPT_PAGE_REUSE:
		if (strcmp(arg, "lifo") && strcmp(arg, "none"))
			argp_error(state, "--page-reuse must be lifo or none, not '%s'", arg);
		o->page_reuse = arg[0] == 'n' ? PGT_REUSE_NONE : PGT_REUSE_LIFO;
		return 0;
	case OPT_KERNEL: {
		if (o->nkernels == 2)
			argp_error(state, "at most two --kernel options");
		int k = pgt_kernel_parse(arg);
		if (!k)
			argp_error(state, "unknown kernel '%s' (2.6.21, 2.6.22 or 6.1)", arg);
		o->kernel[o->nkernels++] = k;
		return 0;
	}
	case OPT_FORMAT: {
		int f = pgt_format_parse(arg);
		if (f < 0)
			argp_error(state, "--format must be auto, native or ftrace, not '%s'", arg);
		o->format = f;
		return 0;
	}
	case OPT_AT:
		if (!*arg)
			argp_error(state, "--at needs an event number or a label");
		o->at = arg;
		return 0;
	case OPT_FROM:
		if (!*arg)
			argp_error(state, "--from needs a marker label");
		o->from = arg;
		return 0;
	case OPT_ALL:
		o->all = true;
		return 0;
	case OPT_START_CORE:
		o->start_core = arg;
		return 0;
	case OPT_ADOPT:
	case OPT_NO_ADOPT:
		o->adopt = key == OPT_ADOPT;
		return 0;
	case OPT_NOTES: {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || arg[0] == '-')
			argp_error(state, "--notes needs a count, not '%s'", arg);
		o->notes = n;
		return 0;
	}
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
		o->progress = key == OPT_PROGRESS ? PROGRESS_ON : PROGRESS_OFF;
		return 0;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->machine;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp model_opts_argp = {options, parse_opt, NULL, NULL,
				     model_children, NULL, NULL};

enum { OPT_CORE = 0x200, OPT_SYMBOLS };

static const struct argp_option image_options[] = {
	{NULL, 0, NULL, 0, "Real starting state:", 40},
	{"core", OPT_CORE, "IMAGE", 0,
	 "take swapper_pg_dir, its kernel PMDs and kernel PTE pages from this ELF memory image instead of the synthetic boot state (needs --symbols)", 0},
	{"symbols", OPT_SYMBOLS, "FILE", 0,
	 "System.map, vmlinux or kallsyms: names swapper_pg_dir and high_memory for --core, and the ip= of faults and hazards in reports", 0},
	{0},
};

static error_t parse_image_opt(int key, char *arg, struct argp_state *state)
{
	struct model_opts *o = state->input;
	switch (key) {
	case OPT_CORE:
		o->core = arg;
		return 0;
	case OPT_SYMBOLS:
		o->symbols = arg;
		return 0;
	case ARGP_KEY_END:
		if (o->core && !o->symbols)
			argp_error(state, "--core needs --symbols (to find swapper_pg_dir)");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp image_opts_argp = {image_options, parse_image_opt, NULL,
				     NULL, NULL, NULL, NULL};

void model_opts_config(const struct model_opts *o, int i,
		       const struct pgt_machine *trace_machine,
		       struct pgt_model_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->notes_limit = o->notes;
	ret->policy = o->npolicies ? o->policy[i < o->npolicies ? i : 0]
				   : PGT_POLICY_SHARED;
	ret->sync = o->nsyncs ? o->sync[i < o->nsyncs ? i : 0] : PGT_SYNC_SEED;
	ret->reap = o->reap;
	ret->page_reuse = o->page_reuse;
	pgt_machine_init(&ret->machine);
	if (trace_machine)
		pgt_machine_merge(&ret->machine, trace_machine);
	pgt_machine_merge(&ret->machine, &o->machine);
	if (o->nkernels)
		ret->kernel = o->kernel[i < o->nkernels ? i : 0];
	else if (ret->machine.kernel)
		ret->kernel = ret->machine.kernel;
	else
		ret->kernel = PGT_KERNEL_2_6_21;
	ret->trace_kernel = ret->machine.kernel ? (enum pgt_kernel)ret->machine.kernel
						: ret->kernel;
}
