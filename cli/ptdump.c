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

struct pgt_error *ptdump_print_range(const struct pgt_range *r, void *arg)
{
	struct ptdump_printer *p = arg;
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
		return NULL;
	}
	fprintf(p->f, "0x%08" PRIx64 "-0x%08" PRIx64 " %9s", r->start, r->end,
		size);
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
	return NULL;
}
