/* SPDX-License-Identifier: MIT */
#include <inttypes.h>

#include "cli/ptdump.h"

void ptdump_format_size(uint64_t size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t v = size >> 10;
	int u = 0;
	while (u < 3 && v >= 1024 && (v & 1023) == 0) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

int ptdump_markers(const struct pgt_layout *L, uint32_t page_offset,
		   struct ptdump_marker ret[PTDUMP_MAX_MARKERS])
{
	int n = 0;
	ret[n++] = (struct ptdump_marker){0, "User Space"};
	ret[n++] = (struct ptdump_marker){L ? L->page_offset : page_offset,
					  "Kernel Mapping"};
	if (!L)
		return n;
	ret[n++] = (struct ptdump_marker){L->vmalloc_start, "vmalloc() Area"};
	ret[n++] = (struct ptdump_marker){L->vmalloc_end, "vmalloc() End"};
	if (L->pkmap_base)
		ret[n++] = (struct ptdump_marker){L->pkmap_base, "Persistent kmap() Area"};
	if (L->ldt_base)
		ret[n++] = (struct ptdump_marker){L->ldt_base, "LDT remap"};
	if (L->cpu_entry_area_base)
		ret[n++] = (struct ptdump_marker){L->cpu_entry_area_base, "CPU entry area"};
	ret[n++] = (struct ptdump_marker){L->fixaddr_start, "Fixmap area"};
	/* Address order (insertion sort; a handful of entries). */
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && ret[k].start < ret[k - 1].start; k--) {
			struct ptdump_marker t = ret[k];
			ret[k] = ret[k - 1];
			ret[k - 1] = t;
		}
	return n;
}

static void print_piece(struct ptdump_printer *p, const struct pgt_range *r,
			const char *area);

struct pgt_error *ptdump_print_range(const struct pgt_range *r, void *arg)
{
	struct ptdump_printer *p = arg;
	struct pgt_range piece = *r;
	const char *area = NULL;
	if (p->nmarkers && p->next_marker > 0)
		area = p->markers[p->next_marker - 1].name;
	for (;;) {
		while (p->next_marker < p->nmarkers &&
		       p->markers[p->next_marker].start <= piece.start) {
			area = p->markers[p->next_marker++].name;
			if (!p->json)
				fprintf(p->f, "---[ %s ]---\n", area);
		}
		piece.end = r->end;
		if (p->next_marker < p->nmarkers &&
		    p->markers[p->next_marker].start < piece.end)
			piece.end = p->markers[p->next_marker].start;
		print_piece(p, &piece, area);
		if (piece.end == r->end)
			return NULL;
		piece.start = piece.end;
	}
}

static void print_piece(struct ptdump_printer *p, const struct pgt_range *r,
			const char *area)
{
	p->ranges++;
	if (r->differs)
		p->differing++;
	char size[32];
	ptdump_format_size(r->end - r->start, size, sizeof(size));
	bool pse = r->level == PGT_LEVEL_PMD && (r->flags & PGT_PSE);
	char sym[256] = "";
	if (p->symbolize && r->present)
		p->symbolize(p->symbolize_arg, r->start, sym, sizeof(sym));
	if (p->json) {
		struct json *j = p->json;
		json_begin_object(j, NULL);
		if (area)
			json_string(j, "area", area);
		json_hex(j, "start", r->start);
		json_hex(j, "end", r->end);
		json_uint(j, "size", r->end - r->start);
		json_bool(j, "present", r->present);
		json_string(j, "level", pgt_level_name(r->level));
		if (r->rsvd) {
			json_hex(j, "reserved_bits", r->rsvd);
			json_string(j, "fault", r->level == PGT_LEVEL_PGD
				    ? "#GP on CR3 load" : "reserved-bit page fault");
		}
		if (r->present) {
			json_bool(j, "user", r->flags & PGT_US);
			json_bool(j, "rw", r->flags & PGT_RW);
			json_bool(j, "pwt", r->flags & PGT_PWT);
			json_bool(j, "pcd", r->flags & PGT_PCD);
			json_bool(j, "pse", pse);
			json_bool(j, "global", r->flags & PGT_G);
			json_bool(j, "nx", r->flags & PGT_NX);
			json_bool(j, "effective_user", r->user);
			json_bool(j, "effective_rw", r->writable);
			json_bool(j, "effective_nx", r->nx);
		}
		if (p->mark_differs)
			json_bool(j, "differs", r->differs);
		if (sym[0])
			json_string(j, "symbol", sym);
		json_end_object(j);
		return;
	}
	/* The end may be 0x100000000: one column wider, for every line. */
	char end[24];
	snprintf(end, sizeof(end), "0x%08" PRIx64, r->end);
	fprintf(p->f, "0x%08" PRIx64 "-%-11s %8s", r->start, end, size);
	if (r->present)
		fprintf(p->f, " %s %s %s %s %s %s %s",
			r->flags & PGT_US ? "USR" : "   ",
			r->flags & PGT_RW ? "RW" : "ro",
			r->flags & PGT_PWT ? "PWT" : "   ",
			r->flags & PGT_PCD ? "PCD" : "   ",
			pse ? "PSE" : "   ",
			r->flags & PGT_G ? "GLB" : "   ",
			r->flags & PGT_NX ? "NX" : "x ");
	else
		fprintf(p->f, " %25s", "");
	fprintf(p->f, " %s", pgt_level_name(r->level));
	if (r->rsvd)
		fprintf(p->f, "  RESERVED BITS 0x%016" PRIx64 ": %s", r->rsvd,
			r->level == PGT_LEVEL_PGD ? "#GP on CR3 load"
						  : "reserved-bit page fault");
	if (p->mark_differs && r->differs)
		fputs("  DIFF", p->f);
	if (sym[0])
		fprintf(p->f, "  %s", sym);
	fputc('\n', p->f);
}
