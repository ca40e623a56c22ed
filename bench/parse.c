/* SPDX-License-Identifier: MIT */
/*
 * parse TRACE: read every event of TRACE (any format pgtrace reads) through
 * formats/source.h, with no model, and print "EVENTS LINES_SKIPPED" on
 * standard output.  bench/run.sh measures it as "parse only": the reading
 * and parsing share of a replay.  Exit status 2 with the message on error.
 */
#include <stdio.h>

#include "formats/source.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: parse TRACE\n");
		return 2;
	}
	struct pgt_strtab *tab;
	struct pgt_source *src;
	struct pgt_error *err = pgt_strtab_create(&tab);
	if (!err)
		err = pgt_source_open(argv[1], PGT_FORMAT_AUTO, tab, &src);
	unsigned long long events = 0;
	while (!err) {
		const struct pgt_event *ev;
		bool eof;
		if ((err = pgt_source_next(src, &ev, &eof)) || eof)
			break;
		events++;
	}
	if (err) {
		fprintf(stderr, "parse: %s\n", err->message ? err->message : "error");
		return 2;
	}
	printf("%llu %llu\n", events, (unsigned long long)pgt_source_skipped(src));
	pgt_source_destroy(src);
	pgt_strtab_destroy(tab);
	return 0;
}
