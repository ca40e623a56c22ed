/* SPDX-License-Identifier: MIT */
/*
 * The model's physical addresses of page-table pages are its own, so a
 * table entry's target is never compared; a leaf's is, in the direct map,
 * where the kernel's mapping fixes it (va - PAGE_OFFSET).  Large pages are
 * compared page by page in 4 KiB form so that a split with unchanged
 * protections shows as a level difference and nothing else.
 *
 * What a recording determines: the boot the model mirrors
 * (kernel_physical_mapping_init, page_table_range_init) and every write an
 * event made.  Boot writes after the model's boot and before the probes
 * were active are not recorded; they show as disagreements on entries no
 * event wrote, and are listed so.  PTEs in the pkmap and fixmap areas are
 * written by kmap and boot code no probe records, and vmalloc PTEs no event
 * mapped or unmapped belong to mappings made before the recording: those
 * are counted as not determined, never as agreement.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_tables.h"
#include "core/grow.h"
#include "core/walk.h"

/* Accessed and dirty: the hardware's to set. */
#define IGNORED (PGT_A | PGT_D)
#define PAT_LARGE (UINT64_C(1) << 12)

static const char *const area_names[CA__COUNT] = {
	"direct map", "vmalloc", "pkmap", "fixmap/cpu_entry_area",
};

static enum check_area area_of(const struct pgt_layout *L, uint64_t va)
{
	if (va < L->high_memory)
		return CA_DIRECT;
	if (va < L->vmalloc_end)
		return CA_VMALLOC;
	if (L->pkmap_base && va >= (L->pkmap_base & ~(PGT_PMD_SIZE - 1)) &&
	    va < L->pkmap_end)
		return CA_PKMAP;
	return CA_FIXMAP;
}

/* A leaf as the walker would see it: level, 4 KiB target, 4 KiB flags. */
struct leaf {
	int level; /* 0 not present, 1 PTE, 2 large PDE */
	uint64_t entry, pa, prot;
};

static struct leaf leaf_of(uint64_t pmd, const uint64_t *pte, int i)
{
	struct leaf l = {0};
	if (!pgt_present(pmd))
		return l;
	if (pgt_large(pmd)) {
		l.level = 2;
		l.entry = pmd;
		l.pa = pgt_large_addr(pmd) + ((uint64_t)i << PGT_PAGE_SHIFT);
		uint64_t f = pmd & ~PGT_LARGE_ADDR_MASK & ~PGT_PSE;
		l.prot = (f & ~PAT_LARGE) | ((f & PAT_LARGE) ? PGT_PSE : 0);
		l.prot &= ~IGNORED;
		return l;
	}
	if (!pte || !pgt_present(pte[i]))
		return l;
	l.level = 1;
	l.entry = pte[i];
	l.pa = pgt_entry_addr(pte[i]);
	l.prot = pte[i] & PGT_FLAGS_MASK & ~IGNORED;
	return l;
}

static bool leaf_same(const struct leaf *a, const struct leaf *b, bool whole)
{
	if (!a->level || !b->level)
		return !a->level && !b->level;
	if (!whole)
		return true;
	return a->level == b->level && a->pa == b->pa && a->prot == b->prot;
}

static bool pmd_same(uint64_t a, uint64_t b)
{
	if (!pgt_present(a) || !pgt_present(b))
		return pgt_present(a) == pgt_present(b);
	if (pgt_large(a) != pgt_large(b))
		return false;
	if (pgt_large(a))
		return ((a ^ b) & ~IGNORED) == 0;
	return ((a ^ b) & PGT_FLAGS_MASK & ~IGNORED) == 0;
}

/*
 * A PDE difference boot before the probes explains: a direct-map large
 * page split (same protections follow page by page), a vmalloc-area PDE
 * populated for a mapping older than the recording.
 */
static bool pmd_before(enum check_area ar, uint64_t model, uint64_t image)
{
	if (ar == CA_DIRECT)
		return pgt_large(model) && pgt_present(image) && !pgt_large(image);
	return ar == CA_VMALLOC && !pgt_present(model) && pgt_present(image);
}

static struct pgt_error *add_diff(struct check_tables *ct,
				  const struct check_table_diff *d)
{
	if (ct->ndiffs) {
		struct check_table_diff *p = &ct->diffs[ct->ndiffs - 1];
		/* a run: same area, kind, levels, protections and writer */
		if (!p->pmd && !d->pmd && p->area == d->area && p->end == d->start &&
		    p->line == d->line && p->before == d->before &&
		    p->model_level == d->model_level &&
		    p->image_level == d->image_level &&
		    ((p->model ^ d->model) & PGT_FLAGS_MASK & ~IGNORED) == 0 &&
		    ((p->image ^ d->image) & PGT_FLAGS_MASK & ~IGNORED) == 0) {
			p->end = d->end;
			return NULL;
		}
	}
	struct pgt_error *err = PGT_GROW(ct->diffs, ct->diffs_cap, ct->ndiffs + 1, 64);
	if (err)
		return err;
	ct->diffs[ct->ndiffs++] = *d;
	return NULL;
}

static struct pgt_error *read_pte_page(const struct pgt_physmem *mem,
				       uint64_t pmd, uint64_t *buf, bool *ret)
{
	*ret = false;
	if (!pgt_present(pmd) || pgt_large(pmd))
		return NULL;
	struct pgt_error *err = pgt_read_table(mem, pgt_entry_addr(pmd), buf);
	if (!err)
		*ret = true;
	return err;
}

void check_tables_machine(const struct pgt_symbols *syms, struct pgt_machine *m)
{
	static const struct {
		const char *name;
		unsigned bit;
		size_t off;
	} wanted[] = {
		{"_etext", PGT_MACHINE_ETEXT, offsetof(struct pgt_machine, etext)},
		{"__init_end", PGT_MACHINE_INIT_END, offsetof(struct pgt_machine, init_end)},
		{"idt_table", PGT_MACHINE_IDT_TABLE, offsetof(struct pgt_machine, idt_table)},
	};
	for (size_t i = 0; syms && i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		uint64_t v;
		if ((m->set & wanted[i].bit) || !pgt_symbols_lookup(syms, wanted[i].name, &v) ||
		    v > UINT32_MAX)
			continue;
		*(uint32_t *)((char *)m + wanted[i].off) = (uint32_t)v;
		m->set |= wanted[i].bit;
	}
}

struct pgt_error *check_tables_run(const struct pgt_model *m,
				   const struct pgt_physmem *image,
				   uint64_t swapper_pa, struct check_tables *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct pgt_layout *L = pgt_model_layout(m);
	struct pgt_physmem mm = pgt_model_physmem(m);
	uint64_t pdpt[PGT_PTRS_PER_PGD];
	struct pgt_error *err = pgt_read_pdpt(image, swapper_pa, pdpt);
	if (err)
		return err;
	static uint64_t ipmd[PGT_PTRS_PER_PMD], ipte[PGT_PTRS_PER_PTE],
		mpte[PGT_PTRS_PER_PTE];
	for (int a = 0; a < CA__COUNT; a++)
		ret->area[a].start = UINT32_MAX;
	for (int slot = L->user_pgds; slot < PGT_PTRS_PER_PGD; slot++) {
		if (!pgt_present(pdpt[slot]))
			return pgt_error_create(PGT_ERROR_INPUT,
						"swapper_pg_dir's kernel slot %d is not present",
						slot);
		if ((err = pgt_read_table(image, pgt_entry_addr(pdpt[slot]), ipmd)))
			return err;
		for (int idx = 0; idx < PGT_PTRS_PER_PMD; idx++) {
			uint64_t va = ((uint64_t)slot << PGT_PGDIR_SHIFT) |
				      ((uint64_t)idx << PGT_PMD_SHIFT);
			enum check_area ar = area_of(L, va);
			struct check_area_result *r = &ret->area[ar];
			if (va < r->start)
				r->start = (uint32_t)va;
			r->end = (uint32_t)(va + PGT_PMD_SIZE - 1);
			uint64_t mp = pgt_model_kernel_pmd_entry(m, 0, slot, idx);
			uint64_t ip = ipmd[idx];
			uint64_t pline = pgt_model_swapper_line(m, slot, idx);
			if (pmd_same(mp, ip)) {
				r->pmd_agree++;
			} else {
				bool before = !pline && pmd_before(ar, mp, ip);
				r->pmd_disagree += !before;
				r->pmd_before += before;
				struct check_table_diff d = {
					.before = before,
					.area = ar, .pmd = true, .start = (uint32_t)va,
					.end = (uint32_t)(va + PGT_PMD_SIZE - 1),
					.model = mp, .image = ip, .line = pline,
					.model_level = !pgt_present(mp) ? 0 : pgt_large(mp) ? 2 : 1,
					.image_level = !pgt_present(ip) ? 0 : pgt_large(ip) ? 2 : 1,
				};
				if ((err = add_diff(ret, &d)))
					return err;
			}
			bool mhas, ihas;
			if ((err = read_pte_page(&mm, mp, mpte, &mhas)) ||
			    (err = read_pte_page(image, ip, ipte, &ihas)))
				return err;
			for (int i = 0; i < PGT_PTRS_PER_PTE; i++) {
				uint64_t pva = va + ((uint64_t)i << PGT_PAGE_SHIFT);
				enum check_area pa = area_of(L, pva);
				struct check_area_result *pr = &ret->area[pa];
				struct leaf ml = leaf_of(mp, mhas ? mpte : NULL, i);
				struct leaf il = leaf_of(ip, ihas ? ipte : NULL, i);
				uint64_t line = pgt_model_pte_line(m, (uint32_t)pva);
				bool whole = pa == CA_DIRECT;
				if (pa != CA_DIRECT && (!line || pa != CA_VMALLOC)) {
					pr->pages_undetermined += ml.level || il.level;
					continue;
				}
				if (leaf_same(&ml, &il, whole)) {
					pr->pages_agree++;
					continue;
				}
				/*
				 * boot before the probes: set_memory_* on the page
				 * (RW, NX) or a split of its large page, never a
				 * large page where the model has PTEs
				 */
				bool before = !line && ml.level && il.level && ml.pa == il.pa &&
					      !((ml.prot ^ il.prot) & ~(PGT_RW | PGT_NX)) &&
					      !(ml.level == 1 && il.level == 2);
				pr->pages_disagree += !before;
				pr->pages_before += before;
				struct check_table_diff d = {
					.before = before,
					.area = pa, .start = (uint32_t)pva,
					.end = (uint32_t)(pva + PGT_PAGE_SIZE),
					.model = ml.entry, .image = il.entry,
					.model_level = ml.level, .image_level = il.level,
					.line = line,
				};
				if ((err = add_diff(ret, &d)))
					return err;
			}
		}
	}
	ret->agree = true;
	for (int a = 0; a < CA__COUNT; a++)
		if (ret->area[a].pmd_disagree || ret->area[a].pages_disagree)
			ret->agree = false;
	return NULL;
}

void check_tables_deinit(struct check_tables *ct)
{
	free(ct->diffs);
	ct->diffs = NULL;
}

static void describe(char *buf, size_t n, int level, uint64_t e)
{
	if (!level) {
		snprintf(buf, n, e ? "absent (0x%" PRIx64 ")" : "absent", e);
		return;
	}
	snprintf(buf, n, "%s 0x%" PRIx64 " %s%s%s%s", level == 2 ? "large" : "pte", e,
		 e & PGT_RW ? "RW" : "ro", e & PGT_US ? " USR" : "",
		 e & PGT_G ? " GLB" : "", e & PGT_NX ? " NX" : " x");
}

static void describe_pmd(char *buf, size_t n, uint64_t e)
{
	if (!pgt_present(e))
		snprintf(buf, n, e ? "absent (0x%" PRIx64 ")" : "absent", e);
	else if (pgt_large(e))
		describe(buf, n, 2, e);
	else
		snprintf(buf, n, "table, flags 0x%" PRIx64, e & PGT_FLAGS_MASK & 0xfff);
}

void check_tables_print(const struct check_tables *ct, const char *trace,
			int max_listed, FILE *f)
{
	fprintf(f, "\nswapper_pg_dir's kernel half, model/image (A and D bits not compared):\n");
	fprintf(f, "%-22s %-23s %-24s %s\n", "", "", "PMD ENTRIES",
		"4 KIB PAGES");
	fprintf(f, "%-22s %-23s %7s %8s %7s  %7s %8s %7s %8s\n", "AREA", "RANGE",
		"AGREE", "DISAGREE", "BEFORE", "AGREE", "DISAGREE", "BEFORE", "UNKNOWN");
	for (int a = 0; a < CA__COUNT; a++) {
		const struct check_area_result *r = &ct->area[a];
		if (r->start == UINT32_MAX)
			continue;
		fprintf(f, "%-22s 0x%08" PRIx32 "-0x%08" PRIx32 " %7" PRIu64 " %8" PRIu64
			" %7" PRIu64 "  %7" PRIu64 " %8" PRIu64 " %7" PRIu64 " %8" PRIu64 "\n",
			area_names[a], r->start, r->end, r->pmd_agree,
			r->pmd_disagree, r->pmd_before, r->pages_agree,
			r->pages_disagree, r->pages_before, r->pages_undetermined);
	}
	fprintf(f, "  compared: in the direct map every 4 KiB page (present, page size, target,\n"
		   "  protections); every PMD entry (presence, flags, a large page's target); in\n"
		   "  the vmalloc area the presence of each PTE an event of the recording wrote.\n"
		   "  BEFORE: differs where no event wrote, as boot code running before the probes\n"
		   "  were active leaves it (set_memory_* on a page, a split, a vmalloc PMD entry\n"
		   "  populated for an older mapping): the recording cannot determine these.\n"
		   "  UNKNOWN: mapped pages not compared, as the recording cannot determine them:\n"
		   "  pkmap and fixmap PTEs (kmap and boot code write them, no probe records them),\n"
		   "  vmalloc PTEs no event wrote (mappings older than the recording); vmalloc PTE\n"
		   "  protections are not compared (set_memory_* on a vmalloc address is recorded\n"
		   "  only through its direct-map alias).\n");
	if (!ct->ndiffs)
		return;
	fprintf(f, "\nswapper's page-table entries that differ:\n");
	for (size_t k = 0; k < ct->ndiffs && (int)k < max_listed; k++) {
		const struct check_table_diff *d = &ct->diffs[k];
		char mb[96], ib[96];
		if (d->pmd) {
			describe_pmd(mb, sizeof(mb), d->model);
			describe_pmd(ib, sizeof(ib), d->image);
		} else {
			describe(mb, sizeof(mb), d->model_level, d->model);
			describe(ib, sizeof(ib), d->image_level, d->image);
		}
		fprintf(f, "  %s 0x%08" PRIx32 "-0x%08" PRIx32 " %s: model %s, image %s; ",
			area_names[d->area], d->start, d->pmd ? d->end + 1 : d->end,
			d->pmd ? "PMD entry" : "pages", mb, ib);
		if (d->line)
			fprintf(f, "last written at %s:%" PRIu64 "\n", trace, d->line);
		else if (d->before)
			fprintf(f, "no event wrote it: boot, before the probes were active\n");
		else
			fprintf(f, "no event wrote it, and boot code would not leave it so\n");
	}
	if ((int)ct->ndiffs > max_listed)
		fprintf(f, "  (%zu more; --list N shows more)\n", ct->ndiffs - (size_t)max_listed);
}

void check_tables_json(const struct check_tables *ct, int max_listed,
		       struct json *j)
{
	static const char *const keys[CA__COUNT] = {"direct_map", "vmalloc", "pkmap", "fixmap"};
	json_begin_object(j, "tables");
	for (int a = 0; a < CA__COUNT; a++) {
		const struct check_area_result *r = &ct->area[a];
		if (r->start == UINT32_MAX)
			continue;
		json_begin_object(j, keys[a]);
		json_hex(j, "start", r->start);
		json_hex(j, "end", (uint64_t)r->end + 1);
		json_uint(j, "pmd_agree", r->pmd_agree);
		json_uint(j, "pmd_disagree", r->pmd_disagree);
		json_uint(j, "pmd_before_recording", r->pmd_before);
		json_uint(j, "pages_agree", r->pages_agree);
		json_uint(j, "pages_disagree", r->pages_disagree);
		json_uint(j, "pages_before_recording", r->pages_before);
		json_uint(j, "pages_not_determined", r->pages_undetermined);
		json_end_object(j);
	}
	json_begin_array(j, "disagreements");
	for (size_t k = 0; k < ct->ndiffs && (int)k < max_listed; k++) {
		const struct check_table_diff *d = &ct->diffs[k];
		json_begin_object(j, NULL);
		json_string(j, "area", keys[d->area]);
		json_string(j, "kind", d->pmd ? "pmd_entry" : "pages");
		json_hex(j, "start", d->start);
		json_hex(j, "end", d->pmd ? (uint64_t)d->end + 1 : d->end);
		json_hex(j, "model_entry", d->model);
		json_hex(j, "image_entry", d->image);
		json_uint(j, "line", d->line);
		json_bool(j, "before_recording", d->before);
		json_end_object(j);
	}
	json_end_array(j);
	json_bool(j, "agree", ct->agree);
	json_end_object(j);
}
