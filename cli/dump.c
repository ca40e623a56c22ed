/* SPDX-License-Identifier: MIT */
/* pgtrace dump: a pgd's tables from a replay or a memory image. */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "cli/gunzip.h"
#include "cli/json.h"
#include "cli/ptdump.h"
#include "cli/report.h"
#include "core/grow.h"
#include "core/model.h"
#include "core/pae.h"
#include "core/walk.h"
#include "formats/source.h"

#define MAX_CPU 8191

/* ---- Images, shared with translate ---- */

bool dump_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end || errno || v > max)
		return false;
	*ret = v;
	return true;
}

void dump_symbolize(void *arg, uint64_t addr, char *buf, size_t size)
{
	pgt_symbols_format_addr(arg, addr, buf, size);
}

bool dump_image_lowmem(const struct dump_image *img, uint64_t *ret)
{
	uint64_t va;
	if (!img->syms || !pgt_symbols_lookup(img->syms, "high_memory", &va) ||
	    va < img->page_offset)
		return false;
	uint8_t b[4];
	struct pgt_error *err = pgt_physmem_read(&img->mem, va - img->page_offset,
						 b, sizeof(b));
	if (err) {
		pgt_error_destroy(err);
		return false;
	}
	uint32_t hm = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		      (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (hm <= img->page_offset || (hm & 0xfff))
		return false;
	*ret = hm - img->page_offset;
	return true;
}

void dump_image_close(struct dump_image *img)
{
	pgt_elfcore_destroy(img->core);
	pgt_symbols_destroy(img->syms);
	memset(img, 0, sizeof(*img));
}

/*
 * Without high_memory (a trimmed image), lowmem is where swapper_pg_dir's
 * direct map ends: the first page from PAGE_OFFSET that does not map
 * va - PAGE_OFFSET.  Steps of 2 MiB, then pages.
 */
static bool direct_map_end(const struct dump_image *img, uint64_t *ret)
{
	if (!img->has_swapper)
		return false;
	uint64_t va = img->page_offset, step = PGT_PMD_SIZE;
	while (va < UINT64_C(1) << 32) {
		struct pgt_walk w;
		struct pgt_error *err = pgt_walk(&img->mem, img->swapper_pa,
						 (uint32_t)va, &w);
		bool direct = !err && w.present && w.pa == va - img->page_offset;
		pgt_error_destroy(err);
		/* The last page of the step tells whether all of it is direct. */
		if (direct && step == PGT_PMD_SIZE) {
			err = pgt_walk(&img->mem, img->swapper_pa,
				       (uint32_t)(va + step - PGT_PAGE_SIZE), &w);
			direct = !err && w.present &&
				 w.pa == va + step - PGT_PAGE_SIZE - img->page_offset;
			pgt_error_destroy(err);
		}
		if (direct) {
			va += step;
		} else if (step == PGT_PMD_SIZE) {
			step = PGT_PAGE_SIZE;
		} else {
			break;
		}
	}
	if (va == img->page_offset)
		return false;
	*ret = va - img->page_offset;
	return true;
}

bool dump_image_layout(const struct model_opts *o, const struct dump_image *img,
		       struct pgt_layout *ret)
{
	struct pgt_machine m;
	pgt_machine_init(&m);
	pgt_machine_merge(&m, &o->machine);
	m.page_offset = img->page_offset;
	uint64_t lowmem;
	if (!(o->machine.set & PGT_MACHINE_LOWMEM) &&
	    (dump_image_lowmem(img, &lowmem) || direct_map_end(img, &lowmem)))
		m.lowmem = lowmem;
	uint64_t va;
	enum pgt_kernel k = o->nkernels ? o->kernel[0]
			    : img->syms && pgt_symbols_lookup(img->syms, "cpu_entry_area", &va)
				    ? PGT_KERNEL_6_1
				    : PGT_KERNEL_2_6_21;
	struct pgt_error *err = pgt_layout_init(&m, k, ret);
	if (err) {
		pgt_error_destroy(err);
		return false;
	}
	return true;
}

static bool plausible_page_offset(uint64_t po)
{
	return po >= 0x40000000 && po <= 0xc0000000 && !(po & 0x0fffffff);
}

struct pgt_error *dump_image_open(const char *core, const char *symbols,
				  bool has_page_offset, uint32_t page_offset,
				  struct dump_image *ret)
{
	memset(ret, 0, sizeof(*ret));
	char *tmp;
	struct pgt_error *err = gunzip_temp(core, &tmp);
	if (err)
		return err;
	err = pgt_elfcore_open(tmp ? tmp : core, &ret->core);
	/* Open, the temporary file is no longer needed by name. */
	gunzip_temp_done(tmp);
	if (err)
		return err;
	ret->mem = pgt_elfcore_physmem(ret->core);
	if (symbols && (err = pgt_symbols_open(symbols, &ret->syms))) {
		dump_image_close(ret);
		return err;
	}
	uint64_t text, phys;
	if (has_page_offset) {
		ret->page_offset = page_offset;
		ret->page_offset_how = "--page-offset";
	} else if (ret->syms &&
		   pgt_symbols_lookup(ret->syms, "startup_32", &text) &&
		   pgt_symbols_lookup(ret->syms, "phys_startup_32", &phys) &&
		   text > phys && plausible_page_offset(text - phys)) {
		ret->page_offset = (uint32_t)(text - phys);
		ret->page_offset_how = "startup_32 - phys_startup_32";
	} else if (ret->syms &&
		   pgt_symbols_lookup(ret->syms, "_text", &text) &&
		   plausible_page_offset(text & ~UINT64_C(0x0fffffff))) {
		ret->page_offset = (uint32_t)(text & ~UINT64_C(0x0fffffff));
		ret->page_offset_how = "_text rounded down to 256M";
	} else {
		ret->page_offset = 0xc0000000;
		ret->page_offset_how = "the 3G/1G default";
	}
	uint64_t sw;
	if (ret->syms && pgt_symbols_lookup(ret->syms, "swapper_pg_dir", &sw)) {
		if (sw < ret->page_offset || sw > UINT32_MAX || (sw & 31)) {
			err = pgt_error_create(
				PGT_ERROR_INPUT,
				"%s: swapper_pg_dir at 0x%" PRIx64
				" is not a 32-byte aligned direct-map address "
				"(PAGE_OFFSET 0x%08" PRIx32 " from %s)",
				symbols, sw, ret->page_offset,
				ret->page_offset_how);
			dump_image_close(ret);
			return err;
		}
		ret->has_swapper = true;
		ret->swapper_va = sw;
		ret->swapper_pa = sw - ret->page_offset;
	}
	return NULL;
}

struct pgt_error *dump_image_pgd(const struct dump_image *img,
				 const char *spec, int cpu,
				 struct dump_pgd *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!strcmp(spec, "swapper")) {
		if (!img->has_swapper)
			return pgt_error_create(
				PGT_ERROR_INVALID,
				"pgd 'swapper' needs --symbols with "
				"swapper_pg_dir (a System.map or vmlinux; "
				"kallsyms lists text symbols only)");
		ret->va = img->swapper_va;
		ret->pa = img->swapper_pa;
		snprintf(ret->what, sizeof(ret->what), "swapper_pg_dir");
		return NULL;
	}
	if (!strcmp(spec, "cr3")) {
		uint64_t cr3;
		struct pgt_error *err =
			pgt_elfcore_cr3(img->core, (size_t)cpu, &cr3);
		if (err)
			return err;
		ret->pa = pgt_cr3_pdpt(cr3);
		ret->va = ret->pa + img->page_offset;
		snprintf(ret->what, sizeof(ret->what), "CR3 of CPU %d", cpu);
		return NULL;
	}
	uint64_t v = 0;
	if (!dump_parse_u64(spec, UINT32_MAX, &v))
		return pgt_error_create(PGT_ERROR_INVALID,
					"pgd '%s' is not swapper, cr3 or a "
					"32-bit address",
					spec);
	if (v & 31)
		return pgt_error_create(PGT_ERROR_INVALID,
					"pgd 0x%" PRIx64
					" is not 32-byte aligned (a PAE pgd is)",
					v);
	if (v >= img->page_offset) {
		ret->va = v;
		ret->pa = v - img->page_offset;
		snprintf(ret->what, sizeof(ret->what), "virtual address");
	} else {
		ret->pa = v;
		ret->va = v + img->page_offset;
		snprintf(ret->what, sizeof(ret->what), "physical address");
	}
	return NULL;
}

/* ---- Kernel PMD comparison ---- */

struct slot_cmp {
	int index;
	uint64_t pdpte, ref_pdpte;
	bool shared;     /* same PMD page as swapper's */
	int ndivergent;
	int count[4];    /* by enum pgt_div */
	uint64_t pmd[PGT_PTRS_PER_PMD], ref[PGT_PTRS_PER_PMD];
};

static struct pgt_error *read_pmd_page(const struct pgt_physmem *mem,
				       uint64_t pdpte, uint64_t ret[])
{
	if (!pgt_present(pdpte)) {
		memset(ret, 0, PGT_PTRS_PER_PMD * sizeof(ret[0]));
		return NULL;
	}
	uint64_t pa = pgt_entry_addr(pdpte);
	struct pgt_error *err = pgt_read_table(mem, pa, ret);
	if (err)
		return pgt_error_prefix(err, "PMD page at physical 0x%" PRIx64, pa);
	return NULL;
}

static struct pgt_error *compare_slot(const struct pgt_physmem *mem,
				      const uint64_t pdpt[4],
				      const uint64_t ref_pdpt[4], int i,
				      struct slot_cmp *ret)
{
	ret->index = i;
	ret->pdpte = pdpt[i];
	ret->ref_pdpte = ref_pdpt[i];
	ret->shared = pgt_present(pdpt[i]) && pgt_present(ref_pdpt[i]) &&
		      pgt_entry_addr(pdpt[i]) == pgt_entry_addr(ref_pdpt[i]);
	struct pgt_error *err;
	if ((err = read_pmd_page(mem, pdpt[i], ret->pmd)) ||
	    (err = read_pmd_page(mem, ref_pdpt[i], ret->ref)))
		return err;
	/* As the model counts: two absent entries are alike whatever their bits. */
	memset(ret->count, 0, sizeof(ret->count));
	for (int j = 0; j < PGT_PTRS_PER_PMD; j++)
		ret->count[pgt_div_of(ret->pmd[j], ret->ref[j])]++;
	ret->ndivergent = PGT_PTRS_PER_PMD - ret->count[PGT_DIV_EQUAL];
	return NULL;
}

static void print_slot_text(struct pgt_symbols *syms, const struct slot_cmp *c)
{
	uint64_t base = (uint64_t)c->index << PGT_PGDIR_SHIFT;
	if (c->shared) {
		printf("kernel slot %d (0x%08" PRIx64 "-0x%08" PRIx64
		       "): shares swapper_pg_dir's PMD page 0x%08" PRIx64
		       "\n",
		       c->index, base, base + PGT_PGDIR_SIZE,
		       pgt_entry_addr(c->pdpte));
		return;
	}
	printf("kernel slot %d (0x%08" PRIx64 "-0x%08" PRIx64 "): ", c->index,
	       base, base + PGT_PGDIR_SIZE);
	if (pgt_present(c->pdpte))
		printf("own PMD page 0x%08" PRIx64, pgt_entry_addr(c->pdpte));
	else
		printf("no PMD page");
	printf(" (swapper_pg_dir's: ");
	if (pgt_present(c->ref_pdpte))
		printf("0x%08" PRIx64 ")", pgt_entry_addr(c->ref_pdpte));
	else
		printf("none)");
	printf(", %d of %d entries %s (%d missing, %d stale, %d different)\n",
	       c->ndivergent, PGT_PTRS_PER_PMD,
	       c->ndivergent == 1 ? "differs" : "differ",
	       c->count[PGT_DIV_MISSING], c->count[PGT_DIV_STALE],
	       c->count[PGT_DIV_DIFFERENT]);
	for (int j = 0; j < PGT_PTRS_PER_PMD; j++) {
		if (pgt_div_of(c->pmd[j], c->ref[j]) == PGT_DIV_EQUAL)
			continue;
		uint64_t va = base + ((uint64_t)j << PGT_PMD_SHIFT);
		char sym[256] = "";
		if (syms)
			pgt_symbols_format_addr(syms, va, sym, sizeof(sym));
		printf("  pmd[%3d] va 0x%08" PRIx64 ": 0x%016" PRIx64
		       "  swapper 0x%016" PRIx64 "  %s",
		       j, va, c->pmd[j], c->ref[j],
		       pgt_div_name(pgt_div_of(c->pmd[j], c->ref[j])));
		if (sym[0])
			printf("%*s%s", 11 - (int)strlen(pgt_div_name(pgt_div_of(c->pmd[j], c->ref[j]))), "", sym);
		putchar('\n');
	}
}

static void print_slot_json(struct json *j, const struct slot_cmp *c,
			    bool swapper)
{
	uint64_t base = (uint64_t)c->index << PGT_PGDIR_SHIFT;
	json_begin_object(j, NULL);
	json_int(j, "slot", c->index);
	json_hex(j, "entry", c->pdpte);
	json_hex(j, "swapper_entry", c->ref_pdpte);
	json_string(j, "kernel_pmd_state", swapper     ? "swapper"
					   : c->shared ? "shared"
						       : "own");
	json_int(j, "divergent", c->ndivergent);
	json_int(j, "missing", c->count[PGT_DIV_MISSING]);
	json_int(j, "stale", c->count[PGT_DIV_STALE]);
	json_int(j, "different", c->count[PGT_DIV_DIFFERENT]);
	json_begin_array(j, "divergences");
	for (int i = 0; i < PGT_PTRS_PER_PMD; i++) {
		if (pgt_div_of(c->pmd[i], c->ref[i]) == PGT_DIV_EQUAL)
			continue;
		json_begin_object(j, NULL);
		json_int(j, "pmd_index", i);
		json_hex(j, "va", base + ((uint64_t)i << PGT_PMD_SHIFT));
		json_hex(j, "entry", c->pmd[i]);
		json_hex(j, "swapper_entry", c->ref[i]);
		json_string(j, "divergence", pgt_div_name(pgt_div_of(c->pmd[i], c->ref[i])));
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

/* ---- A pgd's tables, the same for a replay and an image ---- */

static struct pgt_error *no_range(const struct pgt_range *r, void *arg)
{
	return NULL;
}

struct pgt_error *dump_view_check(const struct dump_view *v)
{
	uint64_t pdpt[PGT_PTRS_PER_PGD];
	struct pgt_error *err;
	if ((err = pgt_read_pdpt(v->mem, v->pa, pdpt)) ||
	    (v->has_ref && (err = pgt_read_pdpt(v->mem, v->ref_pa, pdpt))))
		return err;
	return pgt_ranges(v->mem, v->pa, v->has_ref ? v->ref_pa : 0, 0,
			  UINT64_C(1) << 32, no_range, NULL);
}

struct pgt_error *dump_view_print(const struct dump_view *v, struct json *j)
{
	uint64_t pdpt[4], ref_pdpt[4] = {0};
	struct pgt_error *err;
	if ((err = pgt_read_pdpt(v->mem, v->pa, pdpt)) ||
	    (v->has_ref && (err = pgt_read_pdpt(v->mem, v->ref_pa, ref_pdpt))))
		return err;
	/* Compare first: an unreadable table is an error, not half a dump. */
	int first_kernel = (int)(v->page_offset >> PGT_PGDIR_SHIFT);
	int nslots = PGT_PTRS_PER_PGD - first_kernel;
	_cleanup_free_ struct slot_cmp *slots =
		calloc((size_t)nslots, sizeof(*slots));
	if (!slots)
		return &pgt_error_nomem;
	for (int i = 0; v->has_ref && i < nslots; i++)
		if ((err = compare_slot(v->mem, pdpt, ref_pdpt, first_kernel + i,
					&slots[i])))
			return err;

	struct ptdump_marker markers[PTDUMP_MAX_MARKERS];
	struct ptdump_printer p = {
		.f = stdout,
		.json = j,
		.mark_differs = v->has_ref && !v->swapper,
		.symbolize = v->syms ? dump_symbolize : NULL,
		.symbolize_arg = v->syms,
		.markers = markers,
		.nmarkers = ptdump_markers(v->layout, v->page_offset, markers),
	};
	if (j) {
		json_begin_array(j, "entries");
		for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
			json_begin_object(j, NULL);
			json_int(j, "slot", i);
			json_hex(j, "entry", pdpt[i]);
			json_bool(j, "present", pgt_present(pdpt[i]));
			if (pgt_present(pdpt[i]))
				json_hex(j, "pmd_pa", pgt_entry_addr(pdpt[i]));
			if (pgt_pdpte_rsvd(pdpt[i]))
				json_hex(j, "reserved_bits", pgt_pdpte_rsvd(pdpt[i]));
			json_bool(j, "kernel_space", i >= first_kernel);
			json_end_object(j);
		}
		json_end_array(j);
		json_begin_array(j, "ranges");
	} else {
		for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
			char what[40] = "not present";
			if (pgt_present(pdpt[i]))
				snprintf(what, sizeof(what), "PMD page 0x%08" PRIx64,
					 pgt_entry_addr(pdpt[i]));
			printf("pgd[%d] 0x%016" PRIx64 "  %-20s  %s", i, pdpt[i],
			       what,
			       i < first_kernel ? "user"
			       : v->swapper || !v->has_ref ? "kernel"
			       : slots[i - first_kernel].shared
				       ? "kernel, swapper_pg_dir's PMD page"
				       : "kernel, own PMD page");
			if (pgt_pdpte_rsvd(pdpt[i]))
				printf("  RESERVED BITS 0x%016" PRIx64 ": #GP on CR3 load",
				       pgt_pdpte_rsvd(pdpt[i]));
			putchar('\n');
		}
		putchar('\n');
	}
	/*
	 * The user slots of every pgd differ from swapper_pg_dir's by design
	 * (and a PTI user half's too): DIFF compares the kernel's part only.
	 */
	uint64_t split = v->page_offset;
	err = pgt_ranges(v->mem, v->pa, 0, 0, split, ptdump_print_range, &p);
	if (!err)
		err = pgt_ranges(v->mem, v->pa, v->has_ref ? v->ref_pa : 0, split,
				 UINT64_C(1) << 32, ptdump_print_range, &p);
	if (err)
		return err;
	if (j) {
		json_end_array(j);
		json_uint(j, "nranges", p.ranges);
		if (p.mark_differs)
			json_uint(j, "differing_ranges", p.differing);
		if (v->has_ref) {
			json_begin_array(j, "kernel_slots");
			for (int i = 0; i < nslots; i++)
				print_slot_json(j, &slots[i], v->swapper);
			json_end_array(j);
		}
		return NULL;
	}
	printf("\n%" PRIu64 " %s", PL(p.ranges, "range", "ranges"));
	if (p.mark_differs)
		printf(", %" PRIu64 " %s from swapper_pg_dir (DIFF)",
		       p.differing, p.differing == 1 ? "differs" : "differ");
	printf("\n");
	if (!v->has_ref) {
		printf("no swapper_pg_dir (give --symbols with a System.map "
		       "or vmlinux): kernel PMDs not compared\n");
		return NULL;
	}
	if (v->swapper)
		return NULL;
	for (int i = 0; i < nslots; i++)
		print_slot_text(v->syms, &slots[i]);
	return NULL;
}

/* ---- dump pgd (image) ---- */

/* QEMU's `info mem`: present ranges merged by effective user/write. */
struct info_mem {
	bool have;
	uint64_t start, end;
	bool user, rw;
};

static void info_mem_flush(struct info_mem *s)
{
	if (s->have)
		printf("%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %cr%c\n",
		       s->start, s->end, s->end - s->start,
		       s->user ? 'u' : '-', s->rw ? 'w' : '-');
	s->have = false;
}

static struct pgt_error *info_mem_range(const struct pgt_range *r, void *arg)
{
	struct info_mem *s = arg;
	if (!r->present) {
		info_mem_flush(s);
		return NULL;
	}
	if (s->have && s->end == r->start && s->user == r->user &&
	    s->rw == r->writable) {
		s->end = r->end;
		return NULL;
	}
	info_mem_flush(s);
	*s = (struct info_mem){true, r->start, r->end, r->user, r->writable};
	return NULL;
}

static int dump_image_pgd_cmd(const struct dump_args *a,
			      const struct dump_image *img)
{
	struct dump_pgd pgd;
	struct pgt_error *err = dump_image_pgd(img, a->pgd, a->cpu, &pgd);
	if (err)
		return pgt_fail(err);
	uint64_t half = a->user_half ? PGT_PAGE_SIZE : 0;
	if (a->info_mem) {
		struct info_mem s = {0};
		err = pgt_ranges(&img->mem, pgd.pa + half, 0, 0, UINT64_C(1) << 32,
				 info_mem_range, &s);
		if (err)
			return pgt_fail(pgt_error_prefix(err, "%s", a->core));
		info_mem_flush(&s);
		return PGT_EXIT_OK;
	}

	struct pgt_layout layout;
	bool has_layout = dump_image_layout(&a->model, img, &layout);
	struct dump_view v = {
		.mem = &img->mem,
		.pa = pgd.pa + half,
		.ref_pa = img->swapper_pa + half,
		.has_ref = img->has_swapper,
		.swapper = img->has_swapper && pgd.pa == img->swapper_pa,
		.page_offset = img->page_offset,
		.layout = has_layout ? &layout : NULL,
		.syms = img->syms,
	};
	/* A pgd that cannot be read is an error before anything is printed. */
	if ((err = dump_view_check(&v)))
		return pgt_fail(pgt_error_prefix(err, "%s%s", a->core,
			a->user_half ? " (--user-half: the page above the pgd)" : ""));
	if (a->model.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "image", a->core);
		json_hex(&j, "pgd", pgd.va);
		json_hex(&j, "pa", v.pa);
		json_string(&j, "pgd_source", pgd.what);
		json_bool(&j, "user_half", a->user_half);
		json_hex(&j, "page_offset", img->page_offset);
		json_string(&j, "page_offset_from", img->page_offset_how);
		if (has_layout)
			json_string(&j, "kernel", pgt_kernel_name(layout.kernel));
		if (img->has_swapper) {
			json_hex(&j, "swapper_pg_dir", img->swapper_va);
			json_hex(&j, "swapper_pa", img->swapper_pa);
		}
		if ((err = dump_view_print(&v, &j)))
			return pgt_fail(pgt_error_prefix(err, "%s", a->core));
		json_end_object(&j);
		json_finish(&j);
		return PGT_EXIT_OK;
	}
	printf("pgd 0x%08" PRIx64 " (physical 0x%08" PRIx64 ", %s) in %s\n",
	       pgd.va, pgd.pa, pgd.what, a->core);
	if (a->user_half)
		printf("user half (PTI): physical 0x%08" PRIx64
		       ", compared with swapper_pg_dir's user half\n", v.pa);
	printf("PAGE_OFFSET 0x%08" PRIx32 " (%s)", img->page_offset,
	       img->page_offset_how);
	if (img->has_swapper)
		printf(", swapper_pg_dir 0x%08" PRIx64 " (physical 0x%08" PRIx64
		       ")",
		       img->swapper_va, img->swapper_pa);
	printf("\n");
	if (has_layout)
		printf("areas: the kernel %s layout, lowmem %" PRIu64 "K\n",
		       pgt_kernel_name(layout.kernel), layout.lowmem >> 10);
	printf("\n");
	if ((err = dump_view_print(&v, NULL)))
		return pgt_fail(pgt_error_prefix(err, "%s", a->core));
	return PGT_EXIT_OK;
}

/* ---- dump pgds ---- */

#define SRC_SWAPPER 1u
#define SRC_TRACE 2u
#define SRC_ARG 4u

struct pgd_row {
	uint64_t va, pa;
	unsigned sources;
	uint64_t cpus; /* bit n: CR3 of CPU n (first 64) */
	uint64_t line; /* the trace's pgd_alloc line */
};

struct pgd_rows {
	struct pgd_row *v;
	size_t n, cap;
};

static struct pgt_error *row_add(struct pgd_rows *rows, uint64_t va,
				 uint64_t pa, struct pgd_row **ret)
{
	for (size_t i = 0; i < rows->n; i++) {
		if (rows->v[i].pa == pa) {
			*ret = &rows->v[i];
			return NULL;
		}
	}
	struct pgt_error *err = PGT_GROW(rows->v, rows->cap, rows->n + 1, 64);
	if (err)
		return err;
	*ret = &rows->v[rows->n++];
	**ret = (struct pgd_row){.va = va, .pa = pa};
	return NULL;
}

static void row_remove(struct pgd_rows *rows, uint64_t pa)
{
	for (size_t i = 0; i < rows->n; i++) {
		if (rows->v[i].pa == pa && rows->v[i].sources == SRC_TRACE) {
			memmove(&rows->v[i], &rows->v[i + 1],
				(rows->n - i - 1) * sizeof(rows->v[0]));
			rows->n--;
			return;
		}
	}
}

/* The pgds a recorded trace leaves allocated (IDs are their addresses). */
static struct pgt_error *trace_pgds(const struct dump_args *a,
				    const struct dump_image *img,
				    struct pgd_rows *rows)
{
	struct pgt_strtab *tab;
	struct pgt_error *err = pgt_strtab_create(&tab);
	if (err)
		return err;
	struct pgt_source *src;
	if ((err = pgt_source_open(a->trace, a->model.format, tab, &src))) {
		pgt_strtab_destroy(tab);
		return err;
	}
	for (;;) {
		const struct pgt_event *ev;
		bool eof;
		if ((err = pgt_source_next(src, &ev, &eof)) || eof)
			break;
		if (ev->op != PGT_OP_PGD_ALLOC && ev->op != PGT_OP_PGD_FREE)
			continue;
		const char *id = pgt_strtab_get(tab, ev->pgd);
		uint64_t va;
		if (!dump_parse_u64(id, UINT32_MAX, &va) ||
		    va < img->page_offset || (va & 31)) {
			err = pgt_error_create(
				PGT_ERROR_INPUT,
				"%s:%" PRIu64 ": pgd '%s' is not a 32-byte "
				"aligned kernel address (PAGE_OFFSET 0x%08"
				PRIx32 "): dump pgds needs a recorded trace",
				pgt_source_name(src), ev->line, id,
				img->page_offset);
			break;
		}
		uint64_t pa = va - img->page_offset;
		if (ev->op == PGT_OP_PGD_FREE) {
			row_remove(rows, pa);
			continue;
		}
		struct pgd_row *row;
		if ((err = row_add(rows, va, pa, &row)))
			break;
		row->sources |= SRC_TRACE;
		row->line = ev->line;
	}
	pgt_source_destroy(src);
	pgt_strtab_destroy(tab);
	return err;
}

static void row_sources(const struct pgd_row *r, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
#define ADD(...)                                                            \
	do {                                                                \
		if (n < size)                                               \
			n += (size_t)snprintf(buf + n, size - n, "%s",      \
					      n ? "," : "");                \
		if (n < size)                                               \
			n += (size_t)snprintf(buf + n, size - n,            \
					      __VA_ARGS__);                 \
	} while (0)
	if (r->sources & SRC_SWAPPER)
		ADD("swapper");
	for (int c = 0; c < 64; c++)
		if (r->cpus & (UINT64_C(1) << c))
			ADD("cpu%d", c);
	if (r->sources & SRC_TRACE)
		ADD("trace:%" PRIu64, r->line);
	if (r->sources & SRC_ARG)
		ADD("arg");
#undef ADD
}

static int dump_image_pgds_cmd(const struct dump_args *a,
			       const struct dump_image *img)
{
	if (!img->has_swapper)
		return pgt_fail(a->symbols
			? pgt_error_create(PGT_ERROR_INPUT,
				"%s: no swapper_pg_dir in the symbols (dump pgds compares with it)",
				a->symbols)
			: pgt_error_create(PGT_ERROR_INVALID,
				"dump pgds compares with swapper_pg_dir: give --symbols "
				"with it (a System.map or vmlinux)"));
	struct pgd_rows rows = {0};
	struct pgt_error *err;
	struct pgd_row *row;
	if ((err = row_add(&rows, img->swapper_va, img->swapper_pa, &row)))
		goto fail;
	row->sources |= SRC_SWAPPER;
	for (size_t c = 0; c < pgt_elfcore_ncpus(img->core); c++) {
		const struct pgt_elfcore_cpu *cpu =
			pgt_elfcore_cpu(img->core, c);
		if (!cpu->has_qemu)
			continue;
		uint64_t pa = pgt_cr3_pdpt(cpu->cr[3]);
		if ((err = row_add(&rows, pa + img->page_offset, pa, &row)))
			goto fail;
		if (c < 64)
			row->cpus |= UINT64_C(1) << c;
	}
	if (a->trace && (err = trace_pgds(a, img, &rows)))
		goto fail;
	for (int i = 0; i < a->naddrs; i++) {
		struct dump_pgd pgd;
		if ((err = dump_image_pgd(img, a->addrs[i], a->cpu, &pgd)) ||
		    (err = row_add(&rows, pgd.va, pgd.pa, &row)))
			goto fail;
		row->sources |= SRC_ARG;
	}

	uint64_t half = a->user_half ? PGT_PAGE_SIZE : 0;
	uint64_t ref_pdpt[4];
	if ((err = pgt_read_pdpt(&img->mem, img->swapper_pa + half, ref_pdpt)))
		goto fail;
	int first_kernel = (int)(img->page_offset >> PGT_PGDIR_SHIFT);
	int nslots = PGT_PTRS_PER_PGD - first_kernel;
	/* Compare every row first: the columns are as wide as the widest. */
	struct pgd_result {
		struct pgt_error *err;
		uint64_t kpmd;
		const char *state;
		int count[4];
	} *res = calloc(rows.n, sizeof(*res));
	struct slot_cmp *cmp = malloc(sizeof(*cmp));
	if (!res || !cmp) {
		free(res);
		free(cmp);
		err = &pgt_error_nomem;
		goto fail;
	}
	size_t nshared = 0, nown = 0, nbad = 0;
	int width = 10;
	for (size_t r = 0; r < rows.n; r++) {
		const struct pgd_row *pr = &rows.v[r];
		struct pgd_result *q = &res[r];
		uint64_t pdpt[4];
		q->err = pgt_read_pdpt(&img->mem, pr->pa + half, pdpt);
		int nsh = 0;
		for (int i = first_kernel; !q->err && i < PGT_PTRS_PER_PGD; i++) {
			q->err = compare_slot(&img->mem, pdpt, ref_pdpt, i, cmp);
			nsh += cmp->shared;
			for (int k = 0; k < 4; k++)
				q->count[k] += cmp->count[k];
			if (i == first_kernel)
				q->kpmd = pgt_entry_addr(cmp->pdpte);
		}
		q->state = r == 0	    ? "swapper"
			   : nsh == nslots ? "shared"
			   : nsh == 0	    ? "own"
					    : "mixed";
		if (q->err) {
			nbad++;
		} else if (r > 0) {
			nshared += nsh == nslots;
			nown += nsh == 0;
		}
		uint64_t wide = pr->pa + half > q->kpmd ? pr->pa + half : q->kpmd;
		char buf[24];
		int w = snprintf(buf, sizeof(buf), "0x%08" PRIx64, wide);
		if (w > width)
			width = w;
	}
	free(cmp);
	struct json j;
	if (a->model.json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "image", a->core);
		json_hex(&j, "page_offset", img->page_offset);
		json_hex(&j, "swapper_pg_dir", img->swapper_va);
		json_bool(&j, "user_half", a->user_half);
		json_begin_array(&j, "pgds");
	} else {
		if (a->user_half)
			printf("user halves (PTI): each pgd's page 4 KiB above it, "
			       "compared with swapper_pg_dir's\n\n");
		printf("%-10s  %-*s  %-*s  %-7s  %9s  %s\n", "PGD", width,
		       a->user_half ? "USER HALF" : "PHYSICAL", width,
		       "KERNEL PMD", "STATE", "DIVERGENT", "SOURCE");
	}
	for (size_t r = 0; r < rows.n; r++) {
		const struct pgd_row *pr = &rows.v[r];
		struct pgd_result *q = &res[r];
		char sources[256], pa[24], kpmd[24];
		row_sources(pr, sources, sizeof(sources));
		snprintf(pa, sizeof(pa), "0x%08" PRIx64, pr->pa + half);
		snprintf(kpmd, sizeof(kpmd), "0x%08" PRIx64, q->kpmd);
		int div = q->count[PGT_DIV_MISSING] + q->count[PGT_DIV_STALE] +
			  q->count[PGT_DIV_DIFFERENT];
		if (a->model.json) {
			json_begin_object(&j, NULL);
			json_hex(&j, "pgd", pr->va);
			json_hex(&j, "pa", pr->pa + half);
			json_string(&j, "pgd_source", sources);
			if (q->err) {
				json_string(&j, "error", q->err->message);
			} else {
				json_hex(&j, "kernel_pmd", q->kpmd);
				json_string(&j, "kernel_pmd_state", q->state);
				json_int(&j, "divergent", div);
				json_int(&j, "missing", q->count[PGT_DIV_MISSING]);
				json_int(&j, "stale", q->count[PGT_DIV_STALE]);
				json_int(&j, "different", q->count[PGT_DIV_DIFFERENT]);
			}
			json_end_object(&j);
		} else if (q->err) {
			printf("0x%08" PRIx64 "  %-*s  unreadable: %s  %s\n",
			       pr->va, width, pa, q->err->message, sources);
		} else {
			printf("0x%08" PRIx64 "  %-*s  %-*s  %-7s  %9d  %s\n",
			       pr->va, width, pa, width, kpmd, q->state, div, sources);
		}
		pgt_error_destroy(q->err);
	}
	free(res);
	if (a->model.json) {
		json_end_array(&j);
		json_begin_object(&j, "totals");
		json_uint(&j, "npgds", rows.n - 1);
		json_uint(&j, "shared_pgds", nshared);
		json_uint(&j, "own_pgds", nown);
		json_uint(&j, "unreadable_pgds", nbad);
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("\n%zu %s besides swapper_pg_dir: %zu %s its kernel "
		       "PMD page, %zu %s their own",
		       PL(rows.n - 1, "pgd", "pgds"), nshared,
		       nshared == 1 ? "shares" : "share", nown,
		       nown == 1 ? "has" : "have");
		if (nbad)
			printf(", %zu unreadable", nbad);
		printf("\n");
	}
	free(rows.v);
	return PGT_EXIT_OK;

fail:
	free(rows.v);
	return pgt_fail(err);
}

/* ---- Arguments ---- */

enum {
	OPT_CORE = 'c',
	OPT_SYMBOLS = 's',
	OPT_CPU = 0x200,
	OPT_TRACE,
	OPT_INFO_MEM,
	OPT_USER_HALF,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Memory image:", 1},
	{"core", OPT_CORE, "IMAGE", 0,
	 "read the page tables from this ELF memory image (QEMU "
	 "dump-guest-memory, vmcore; may be gzipped) instead of replaying a "
	 "trace", 0},
	{"symbols", OPT_SYMBOLS, "FILE", 0,
	 "kernel symbols: vmlinux, System.map or kallsyms (may be gzipped); "
	 "gives swapper_pg_dir, PAGE_OFFSET and names for addresses", 0},
	{"cpu", OPT_CPU, "N", 0, "the CPU whose CR3 'cr3' means (default 0)", 0},
	{"trace", OPT_TRACE, "TRACE", 0,
	 "dump pgds: also the pgds this recorded trace allocated and did "
	 "not free", 0},
	{"user-half", OPT_USER_HALF, NULL, 0,
	 "PTI: the user half of each pgd (4 KiB above it), compared with "
	 "swapper_pg_dir's user half", 0},
	{"info-mem", OPT_INFO_MEM, NULL, 0,
	 "dump pgd: print present ranges merged by effective user/write "
	 "permission, as QEMU's `info mem` does", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_args *a = state->input;
	uint64_t v = 0;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->model;
		return 0;
	case OPT_CORE:
		a->core = arg;
		return 0;
	case OPT_SYMBOLS:
		a->symbols = arg;
		return 0;
	case OPT_CPU:
		if (!dump_parse_u64(arg, MAX_CPU, &v))
			argp_error(state, "--cpu must be a CPU number 0..%d, "
				   "not '%s'", MAX_CPU, arg);
		a->cpu = (int)v;
		return 0;
	case OPT_TRACE:
		a->trace = arg;
		return 0;
	case OPT_INFO_MEM:
		a->info_mem = true;
		return 0;
	case OPT_USER_HALF:
		a->user_half = true;
		return 0;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0) {
			if (!strcmp(arg, "pgd"))
				a->what = DUMP_PGD;
			else if (!strcmp(arg, "pgds"))
				a->what = DUMP_PGDS;
			else
				argp_error(state, "unknown dump '%s' (pgd or "
					   "pgds)", arg);
			return 0;
		}
		if (a->what == DUMP_PGDS) {
			if (!a->addrs)
				a->addrs = &state->argv[state->next - 1];
			a->naddrs++;
			return 0;
		}
		if (state->arg_num == 1)
			a->pgd = arg;
		else if (state->arg_num == 2)
			a->trace = arg;
		else
			argp_error(state, "too many arguments");
		return 0;
	case ARGP_KEY_END:
		if (!a->what)
			argp_error(state, "what to dump? (pgd or pgds)");
		if (a->what == DUMP_PGD) {
			if (!a->pgd)
				argp_error(state, "dump pgd needs a pgd "
					   "(ID, swapper, cr3 or an address)");
			if (!a->core && !a->trace)
				argp_error(state, "dump pgd needs a TRACE to "
					   "replay, or --core IMAGE");
			if (a->core && a->trace)
				argp_error(state, "with --core, dump pgd reads "
					   "no trace");
			if (a->info_mem && a->model.json)
				argp_error(state, "--info-mem and --json "
					   "exclude each other");
			if (a->info_mem && !a->core)
				argp_error(state, "--info-mem needs --core");
		} else {
			if (!a->core)
				argp_error(state, "dump pgds needs --core IMAGE");
			if (a->info_mem)
				argp_error(state, "--info-mem is for dump pgd");
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{&model_opts_argp, 0, NULL, 0},
	{0},
};

static const char doc[] =
	"Dump a pgd's page tables.\v"
	"dump pgd ID TRACE replays TRACE (see 'pgtrace replay') and dumps the "
	"modelled tables of pgd ID.  With --core, dump pgd reads a memory "
	"image: swapper (swapper_pg_dir, from --symbols), cr3 (CPU --cpu's "
	"CR3 from the image's QEMU notes) or ADDR (a pgd's direct-map virtual "
	"address, or its physical address).  It prints the four pgd entries, "
	"the ranges in the kernel ptdump's format (DIFF where the PDE differs "
	"from swapper_pg_dir's) and, for each kernel slot, whether the pgd "
	"shares swapper_pg_dir's PMD page or has its own copy, with the "
	"entries that differ.\n\n"
	"dump pgds lists every pgd known: swapper_pg_dir, the CR3 of each CPU, "
	"the pgds a recorded --trace allocated and did not free, and the "
	"ADDRs given; one row each with its kernel PMD page, shared or own, "
	"and how many kernel PMD entries differ from swapper_pg_dir's.\n\n"
	"PAGE_OFFSET is --page-offset, else startup_32 - phys_startup_32 "
	"from the symbols, else _text rounded down to 256M, else 0xc0000000."
	PGT_EXIT_DOC;

static const struct argp argp = {
	options, parse_opt,
	"pgd (ID|swapper|cr3|ADDR) [TRACE]\n"
	"pgds [ADDR...]",
	doc, children, NULL, NULL};

int cmd_dump(int argc, char **argv)
{
	struct dump_args a = {0};
	model_opts_init(&a.model);
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return PGT_EXIT_TROUBLE;
	if (!a.core)
		return dump_model_pgd(&a);
	bool has_po = a.model.machine.set & PGT_MACHINE_PAGE_OFFSET;
	struct dump_image img;
	struct pgt_error *err = dump_image_open(
		a.core, a.symbols, has_po, a.model.machine.page_offset, &img);
	if (err)
		return pgt_fail(err);
	int status = a.what == DUMP_PGD ? dump_image_pgd_cmd(&a, &img)
					: dump_image_pgds_cmd(&a, &img);
	dump_image_close(&img);
	return status;
}
