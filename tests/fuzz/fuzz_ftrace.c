/* SPDX-License-Identifier: MIT */
/* The ftrace text reader (formats/ftrace.h). */
#include "formats/ftrace.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgt_lineio *in;
	struct pgt_strtab *tab;
	struct pgt_ftrace *ft;
	struct pgt_error *err;
	if (!fuzz_lines(data, size, &in, &tab))
		return 0;
	if (pgt_ftrace_create(in, tab, &ft))
		abort();
	uint64_t last_t = 0;
	for (;;) {
		const struct pgt_event *ev;
		bool eof;
		if ((err = pgt_ftrace_next(ft, &ev, &eof))) {
			fuzz_error(err);
			break;
		}
		if (eof)
			break;
		/* Events keep file order and non-decreasing times. */
		if (ev->t_ns < last_t || ev->t_ns == PGT_NO_TIME)
			abort();
		last_t = ev->t_ns;
		(void)pgt_strtab_get(tab, ev->comm);
	}
	struct pgt_ftrace_pairs pairs;
	pgt_ftrace_pairs(ft, &pairs);
	if (pairs.unmatched_entries && !pairs.first_unmatched_line)
		abort();
	(void)pgt_ftrace_high_memory(ft);
	pgt_ftrace_destroy(ft);
	pgt_lineio_close(in);
	pgt_strtab_destroy(tab);
	return 0;
}
