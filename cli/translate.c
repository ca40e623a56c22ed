/* SPDX-License-Identifier: MIT */
/* pgtrace translate: one address through a memory image's tables. */
#include <argp.h>
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "cli/json.h"
#include "core/pae.h"
#include "core/vread.h"
#include "core/walk.h"

#define MAX_DISASM 10000
#define X86_MAX_INSN 15

struct translate_args {
	const char *addr;
	const char *core;
	const char *symbols;
	const char *pgd;
	int cpu;
	int disasm;
	bool json;
	bool has_page_offset;
	uint32_t page_offset;
};

/* Entry bits by name; bit 7 is PSE in a PDE and PAT in a PTE. */
static void format_flags(uint64_t e, enum pgt_level level, char *buf,
			 size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{PGT_P, "P"},     {PGT_RW, "RW"}, {PGT_US, "US"},
		{PGT_PWT, "PWT"}, {PGT_PCD, "PCD"}, {PGT_A, "A"},
		{PGT_D, "D"},     {PGT_PSE, NULL}, {PGT_G, "G"},
		{PGT_NX, "NX"},
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(e & bits[i].bit))
			continue;
		const char *name = bits[i].name;
		if (!name)
			name = level == PGT_LEVEL_PTE ? "PAT" : "PSE";
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? " " : "", name);
	}
	if (!n)
		snprintf(buf, size, "-");
}

static uint32_t step_index(enum pgt_level level, uint32_t va)
{
	switch (level) {
	case PGT_LEVEL_PGD:
		return pgt_pgd_index(va);
	case PGT_LEVEL_PMD:
		return pgt_pmd_index(va);
	case PGT_LEVEL_PTE:
		return pgt_pte_index(va);
	}
	return 0;
}

/* Where an entry points, or "" for a leaf or a non-present entry. */
static void step_target(const struct pgt_walk_step *s, char *buf,
			size_t size)
{
	buf[0] = '\0';
	if (!pgt_present(s->entry))
		snprintf(buf, size, "not present");
	else if (s->level == PGT_LEVEL_PGD)
		snprintf(buf, size, "PMD page 0x%08" PRIx64,
			 pgt_entry_addr(s->entry));
	else if (s->level == PGT_LEVEL_PMD && pgt_large(s->entry))
		snprintf(buf, size, "2M page 0x%08" PRIx64,
			 pgt_large_addr(s->entry));
	else if (s->level == PGT_LEVEL_PMD)
		snprintf(buf, size, "PTE page 0x%08" PRIx64,
			 pgt_entry_addr(s->entry));
	else
		snprintf(buf, size, "4K page 0x%08" PRIx64,
			 pgt_entry_addr(s->entry));
}

static void symbolize(const struct dump_image *img, uint64_t addr, char *buf,
		      size_t size)
{
	buf[0] = '\0';
	if (img->syms)
		pgt_symbols_format_addr(img->syms, addr, buf, size);
}

struct disasm {
	csh cs;
	cs_insn *insn;
	size_t count;
	size_t nbytes;      /* bytes read through the translation */
	uint8_t *bytes;
	uint64_t stop_addr; /* where decoding stopped early */
	const char *stop_why;
};

static void disasm_free(struct disasm *d)
{
	if (d->insn)
		cs_free(d->insn, d->count);
	if (d->cs)
		cs_close(&d->cs);
	free(d->bytes);
}

static struct pgt_error *disassemble(const struct dump_image *img,
				     uint64_t cr3, uint32_t va, int n,
				     struct disasm *ret)
{
	memset(ret, 0, sizeof(*ret));
	size_t want = (size_t)n * X86_MAX_INSN;
	if (want > (uint64_t)UINT32_MAX + 1 - va)
		want = (size_t)((uint64_t)UINT32_MAX + 1 - va);
	if (!(ret->bytes = malloc(want)))
		return &pgt_error_nomem;
	struct pgt_error *err = pgt_vread_partial(&img->mem, cr3, va,
						  ret->bytes, want,
						  &ret->nbytes);
	if (err)
		return err;
	if (!ret->nbytes)
		return pgt_vread(&img->mem, cr3, va, ret->bytes, 1);
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &ret->cs) != CS_ERR_OK)
		return pgt_error_create(PGT_ERROR_IO,
					"capstone: cannot open an x86-32 "
					"disassembler");
	cs_option(ret->cs, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(ret->cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	ret->count = cs_disasm(ret->cs, ret->bytes, ret->nbytes, va,
			       (size_t)n, &ret->insn);
	if (ret->count < (size_t)n) {
		uint64_t used = 0;
		for (size_t i = 0; i < ret->count; i++)
			used += ret->insn[i].size;
		ret->stop_addr = va + used;
		ret->stop_why = used + X86_MAX_INSN > ret->nbytes &&
					ret->nbytes < want
				      ? "the next page is not mapped"
				      : "not a valid instruction";
	}
	return NULL;
}

/* The immediate target of a direct jump or call, if it is one. */
static bool branch_target(csh cs, const cs_insn *insn, uint64_t *ret)
{
	if (!insn->detail || !(cs_insn_group(cs, insn, CS_GRP_JUMP) ||
			       cs_insn_group(cs, insn, CS_GRP_CALL)))
		return false;
	const cs_x86 *x = &insn->detail->x86;
	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*ret = (uint64_t)x->operands[0].imm & 0xffffffff;
	return true;
}

static void hex_bytes(const uint8_t *b, size_t n, char *buf, size_t size)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%s%02x", i ? " " : "",
				      b[i]);
}

static void print_disasm_text(const struct dump_image *img,
			      const struct disasm *d)
{
	for (size_t i = 0; i < d->count; i++) {
		const cs_insn *in = &d->insn[i];
		char sym[256], bytes[64], tsym[256] = "";
		symbolize(img, in->address, sym, sizeof(sym));
		if (sym[0] && (i == 0 || !strchr(sym, '+')))
			printf("%s<%s>:\n", i ? "\n" : "", sym);
		hex_bytes(in->bytes, in->size, bytes, sizeof(bytes));
		uint64_t target;
		if (branch_target(d->cs, in, &target))
			symbolize(img, target, tsym, sizeof(tsym));
		printf("0x%08" PRIx64 ":  %-21s  %s%s%s%s%s%s\n", in->address,
		       bytes, in->mnemonic, in->op_str[0] ? " " : "",
		       in->op_str, tsym[0] ? " <" : "", tsym,
		       tsym[0] ? ">" : "");
	}
	if (d->stop_why)
		printf("(stopped at 0x%08" PRIx64 ": %s)\n", d->stop_addr,
		       d->stop_why);
}

static void print_disasm_json(struct json *j, const struct dump_image *img,
			      const struct disasm *d)
{
	json_begin_array(j, "disasm");
	for (size_t i = 0; i < d->count; i++) {
		const cs_insn *in = &d->insn[i];
		char sym[256], bytes[64];
		json_begin_object(j, NULL);
		json_hex(j, "address", in->address);
		symbolize(img, in->address, sym, sizeof(sym));
		if (sym[0])
			json_string(j, "symbol", sym);
		hex_bytes(in->bytes, in->size, bytes, sizeof(bytes));
		json_string(j, "bytes", bytes);
		json_string(j, "mnemonic", in->mnemonic);
		json_string(j, "operands", in->op_str);
		uint64_t target;
		if (branch_target(d->cs, in, &target)) {
			json_hex(j, "target", target);
			symbolize(img, target, sym, sizeof(sym));
			if (sym[0])
				json_string(j, "target_symbol", sym);
		}
		json_end_object(j);
	}
	json_end_array(j);
	if (d->stop_why) {
		json_hex(j, "disasm_stopped_at", d->stop_addr);
		json_string(j, "disasm_stopped_because", d->stop_why);
	}
}

static struct pgt_error *parse_addr(const struct dump_image *img,
				    const char *symbols, const char *s,
				    uint32_t *ret)
{
	uint64_t v = 0;
	if (dump_parse_u64(s, UINT32_MAX, &v)) {
		*ret = (uint32_t)v;
		return NULL;
	}
	/* NAME or NAME+OFFSET */
	_cleanup_free_ char *name = strdup(s);
	if (!name)
		return &pgt_error_nomem;
	char *plus = strchr(name, '+');
	uint64_t off = 0;
	if (plus) {
		*plus = '\0';
		if (!dump_parse_u64(plus + 1, UINT32_MAX, &off))
			return pgt_error_create(PGT_ERROR_INVALID,
						"bad offset in '%s'", s);
	}
	if (!img->syms)
		return pgt_error_create(PGT_ERROR_INVALID,
					"'%s' is not an address (give "
					"--symbols to use symbol names)",
					s);
	if (!pgt_symbols_lookup(img->syms, name, &v))
		return pgt_error_create(PGT_ERROR_INVALID,
					"no symbol '%s' in %s", name, symbols);
	if (v + off > UINT32_MAX)
		return pgt_error_create(PGT_ERROR_INVALID,
					"'%s' is past 4 GiB", s);
	*ret = (uint32_t)(v + off);
	return NULL;
}

static int translate(const struct translate_args *a,
		     const struct dump_image *img)
{
	uint32_t va = 0;
	struct pgt_error *err = parse_addr(img, a->symbols, a->addr, &va);
	if (err)
		return pgt_fail(err);
	struct dump_pgd pgd;
	if ((err = dump_image_pgd(img, a->pgd, a->cpu, &pgd)))
		return pgt_fail(err);
	struct pgt_walk w;
	if ((err = pgt_walk(&img->mem, pgd.pa, va, &w)))
		return pgt_fail(pgt_error_prefix(err, "%s", a->core));
	struct disasm d = {0};
	if (a->disasm) {
		if (!w.present)
			return pgt_fail(pgt_error_create(
				PGT_ERROR_FAULT,
				"cannot disassemble at 0x%08" PRIx32
				": not mapped",
				va));
		if ((err = disassemble(img, pgd.pa, va, a->disasm, &d))) {
			disasm_free(&d);
			return pgt_fail(pgt_error_prefix(err, "%s", a->core));
		}
	}
	char sym[256];
	symbolize(img, va, sym, sizeof(sym));

	if (a->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "image", a->core);
		json_hex(&j, "va", va);
		if (sym[0])
			json_string(&j, "symbol", sym);
		json_hex(&j, "pgd", pgd.va);
		json_hex(&j, "pgd_pa", pgd.pa);
		json_string(&j, "pgd_source", pgd.what);
		json_begin_array(&j, "steps");
		for (int i = 0; i < w.nsteps; i++) {
			const struct pgt_walk_step *s = &w.step[i];
			char flags[128];
			format_flags(s->entry, s->level, flags, sizeof(flags));
			json_begin_object(&j, NULL);
			json_string(&j, "level", pgt_level_name(s->level));
			json_uint(&j, "index", step_index(s->level, va));
			json_hex(&j, "entry_pa", s->entry_pa);
			json_hex(&j, "entry", s->entry);
			json_string(&j, "flags", flags);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_bool(&j, "present", w.present);
		if (w.rsvd) {
			json_string(&j, "fault", w.rsvd_level == PGT_LEVEL_PGD
				    ? "#GP on CR3 load" : "reserved-bit page fault");
			json_string(&j, "reserved_level", pgt_level_name(w.rsvd_level));
			if (w.rsvd_level == PGT_LEVEL_PGD)
				json_int(&j, "reserved_index", w.rsvd_slot);
			json_hex(&j, "reserved_bits", w.rsvd);
		}
		if (w.present) {
			json_hex(&j, "pa", w.pa);
			json_uint(&j, "page_size", w.page_size);
			json_bool(&j, "effective_user", w.user);
			json_bool(&j, "effective_rw", w.writable);
			json_bool(&j, "effective_nx", w.nx);
		}
		if (a->disasm)
			print_disasm_json(&j, img, &d);
		json_end_object(&j);
		json_finish(&j);
		disasm_free(&d);
		return PGT_EXIT_OK;
	}

	printf("virtual 0x%08" PRIx32 "%s%s%s through pgd 0x%08" PRIx64
	       " (physical 0x%08" PRIx64 ", %s)\n",
	       va, sym[0] ? " <" : "", sym, sym[0] ? ">" : "", pgd.va, pgd.pa,
	       pgd.what);
	for (int i = 0; i < w.nsteps; i++) {
		const struct pgt_walk_step *s = &w.step[i];
		char flags[128], target[64], name[16];
		format_flags(s->entry, s->level, flags, sizeof(flags));
		step_target(s, target, sizeof(target));
		snprintf(name, sizeof(name), "%s[%" PRIu32 "]",
			 pgt_level_name(s->level), step_index(s->level, va));
		printf("%-9s at 0x%08" PRIx64 ": 0x%016" PRIx64
		       "  %-24s  %s\n",
		       name, s->entry_pa, s->entry, flags, target);
	}
	if (w.present)
		printf("physical 0x%08" PRIx64 " (%s page; %s, %s, %s)\n",
		       w.pa, w.page_size == PGT_PMD_SIZE ? "2M" : "4K",
		       w.user ? "user" : "kernel",
		       w.writable ? "writable" : "read-only",
		       w.nx ? "not executable" : "executable");
	else if (w.rsvd && w.rsvd_level == PGT_LEVEL_PGD)
		printf("not translated: pgd[%d] has reserved bits 0x%016" PRIx64
		       " set: loading this CR3 raises #GP\n", w.rsvd_slot, w.rsvd);
	else if (w.rsvd)
		printf("not translated: reserved bits 0x%016" PRIx64
		       " set in the %s entry: a page fault (error code RSVD)\n",
		       w.rsvd, pgt_level_name(w.rsvd_level));
	else
		printf("not mapped\n");
	if (a->disasm) {
		putchar('\n');
		print_disasm_text(img, &d);
	}
	disasm_free(&d);
	return PGT_EXIT_OK;
}

enum {
	OPT_CORE = 'c',
	OPT_SYMBOLS = 's',
	OPT_CPU = 0x200,
	OPT_PGD,
	OPT_DISASM,
	OPT_JSON,
	OPT_PAGE_OFFSET,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Memory image:", 1},
	{"core", OPT_CORE, "IMAGE", 0,
	 "the ELF memory image to read (QEMU dump-guest-memory, vmcore); "
	 "required", 0},
	{"symbols", OPT_SYMBOLS, "FILE", 0,
	 "kernel symbols: vmlinux, System.map or kallsyms (may be gzipped); "
	 "lets ADDR be a symbol and names addresses", 0},
	{"pgd", OPT_PGD, "swapper|cr3|ADDR", 0,
	 "the tables to walk: swapper_pg_dir, CPU --cpu's CR3 (the default), "
	 "or a pgd's virtual or physical address", 0},
	{"cpu", OPT_CPU, "N", 0, "the CPU whose CR3 'cr3' means (default 0)", 0},
	{"page-offset", OPT_PAGE_OFFSET, "ADDR", 0,
	 "PAGE_OFFSET (default: from the symbols, else 0xc0000000)", 0},
	{NULL, 0, NULL, 0, "Output:", 2},
	{"disasm", OPT_DISASM, "N", 0,
	 "disassemble N instructions at ADDR, read through the translation", 0},
	{"json", OPT_JSON, NULL, 0, "print one JSON object instead of text", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct translate_args *a = state->input;
	uint64_t v = 0;
	switch (key) {
	case OPT_CORE:
		a->core = arg;
		return 0;
	case OPT_SYMBOLS:
		a->symbols = arg;
		return 0;
	case OPT_PGD:
		if (!*arg)
			argp_error(state, "--pgd needs swapper, cr3 or an "
				   "address");
		a->pgd = arg;
		return 0;
	case OPT_CPU:
		if (!dump_parse_u64(arg, 8191, &v))
			argp_error(state, "--cpu must be a CPU number 0..8191, "
				   "not '%s'", arg);
		a->cpu = (int)v;
		return 0;
	case OPT_PAGE_OFFSET:
		if (!dump_parse_u64(arg, UINT32_MAX, &v) ||
		    v < 0x40000000 || (v & 0x0fffffff))
			argp_error(state, "--page-offset must be a multiple of "
				   "0x10000000 from 0x40000000 up, not '%s'",
				   arg);
		a->has_page_offset = true;
		a->page_offset = (uint32_t)v;
		return 0;
	case OPT_DISASM:
		if (!dump_parse_u64(arg, MAX_DISASM, &v) || !v)
			argp_error(state, "--disasm must be a count 1..%d, not "
				   "'%s'", MAX_DISASM, arg);
		a->disasm = (int)v;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		if (a->addr)
			argp_error(state, "one ADDR only");
		a->addr = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->addr)
			argp_error(state, "which address? (ADDR)");
		if (!a->core)
			argp_error(state, "translate needs --core IMAGE");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Translate ADDR through the page tables of a memory image, step by "
	"step as the MMU does (like crash's vtop): each entry's physical "
	"address, value and flags, then the physical address and the "
	"effective permissions.  ADDR is a number or, with --symbols, "
	"NAME[+OFFSET].\v"
	"With --disasm N, N instructions at ADDR are disassembled from the "
	"bytes the translation reaches (AT&T syntax), with symbols on "
	"branch targets.  An address that is not mapped is reported as such; "
	"disassembling it is an error."
	PGT_EXIT_DOC;

static const struct argp argp = {
	options, parse_opt,
	"ADDR",
	doc, NULL, NULL, NULL};

int cmd_translate(int argc, char **argv)
{
	struct translate_args a = {.pgd = "cr3"};
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return PGT_EXIT_TROUBLE;
	struct dump_image img;
	struct pgt_error *err = dump_image_open(a.core, a.symbols,
						a.has_page_offset,
						a.page_offset, &img);
	if (err)
		return pgt_fail(err);
	int status = translate(&a, &img);
	dump_image_close(&img);
	return status;
}
