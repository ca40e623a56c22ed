/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/layout.h"
#include "formats/ftrace.h"
#include "formats/source.h"
#include "formats/trace.h"

struct pgt_source {
	enum pgt_format format;
	struct pgt_lineio *in;
	struct pgt_trace_reader *native;
	struct pgt_ftrace *ftrace;
	struct pgt_machine default_machine;
	bool machine_sent;
};

const char *pgt_format_name(enum pgt_format f)
{
	switch (f) {
	case PGT_FORMAT_NATIVE:
		return "native";
	case PGT_FORMAT_FTRACE:
		return "ftrace";
	default:
		return "auto";
	}
}

int pgt_format_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return PGT_FORMAT_AUTO;
	if (!strcmp(s, "native"))
		return PGT_FORMAT_NATIVE;
	if (!strcmp(s, "ftrace"))
		return PGT_FORMAT_FTRACE;
	return -1;
}

struct pgt_error *pgt_source_open(const char *path, enum pgt_format format,
				  struct pgt_strtab *tab,
				  struct pgt_source **ret)
{
	struct pgt_source *src = calloc(1, sizeof(*src));
	if (!src)
		return &pgt_error_nomem;
	pgt_machine_init(&src->default_machine);
	struct pgt_error *err = pgt_lineio_open(path, &src->in);
	if (err)
		goto fail;
	if (format == PGT_FORMAT_AUTO) {
		char *line;
		size_t len;
		if ((err = pgt_lineio_peek(src->in, &line, &len)))
			goto fail;
		if (!line) {
			err = pgt_error_create(PGT_ERROR_INPUT, "%s: empty trace",
					       pgt_lineio_name(src->in));
			goto fail;
		}
		if (pgt_trace_detect(line, len))
			format = PGT_FORMAT_NATIVE;
		else if (pgt_ftrace_detect(line, len))
			format = PGT_FORMAT_FTRACE;
		else {
			err = pgt_error_create(
				PGT_ERROR_INPUT,
				"%s:1: unknown trace format (neither '%s' nor ftrace text); try --format",
				pgt_lineio_name(src->in), PGT_TRACE_MAGIC);
			goto fail;
		}
	}
	src->format = format;
	if (format == PGT_FORMAT_FTRACE) {
		/* ftrace recordings with the probes pgtrace knows come from 6.1 */
		src->default_machine.kernel = PGT_KERNEL_6_1;
		src->default_machine.set |= PGT_MACHINE_KERNEL;
	}
	if (format == PGT_FORMAT_NATIVE)
		err = pgt_trace_reader_create(src->in, tab, &src->native);
	else
		err = pgt_ftrace_create(src->in, tab, &src->ftrace);
	if (err)
		goto fail;
	*ret = src;
	return NULL;
fail:
	pgt_source_destroy(src);
	return err;
}

void pgt_source_destroy(struct pgt_source *src)
{
	if (!src)
		return;
	pgt_trace_reader_destroy(src->native);
	pgt_ftrace_destroy(src->ftrace);
	pgt_lineio_close(src->in);
	free(src);
}

enum pgt_format pgt_source_format(const struct pgt_source *src)
{
	return src->format;
}

struct pgt_error *pgt_source_next(struct pgt_source *src,
				  const struct pgt_event **ret, bool *eof_ret)
{
	if (src->native)
		return pgt_trace_reader_next(src->native, ret, eof_ret);
	return pgt_ftrace_next(src->ftrace, ret, eof_ret);
}

const struct pgt_machine *pgt_source_machine(const struct pgt_source *src)
{
	if (src->native)
		return pgt_trace_reader_machine(src->native);
	/* What the recording shows of the machine so far: lowmem from the
	 * vmalloc area (6.1: VMALLOC_START = high_memory + 8 MiB). */
	struct pgt_machine *m = (struct pgt_machine *)&src->default_machine;
	uint64_t hm = pgt_ftrace_high_memory(src->ftrace);
	if (!(m->set & PGT_MACHINE_LOWMEM) && hm > m->page_offset &&
	    hm <= UINT32_MAX && !(hm & 0xfff)) {
		m->lowmem = hm - m->page_offset;
		m->set |= PGT_MACHINE_LOWMEM;
	}
	return m;
}

const char *pgt_source_name(const struct pgt_source *src)
{
	return pgt_lineio_name(src->in);
}

void pgt_source_progress(const struct pgt_source *src, uint64_t *read_ret,
			 uint64_t *size_ret)
{
	pgt_lineio_progress(src->in, read_ret, size_ret);
}

uint64_t pgt_source_skipped(const struct pgt_source *src)
{
	return src->ftrace ? pgt_ftrace_skipped(src->ftrace) : 0;
}

uint64_t pgt_source_backwards(const struct pgt_source *src)
{
	return src->ftrace ? pgt_ftrace_backwards(src->ftrace) : 0;
}

uint64_t pgt_source_pti_clones(const struct pgt_source *src)
{
	return src->ftrace ? pgt_ftrace_pti_clones(src->ftrace) : 0;
}

void pgt_source_pairs(const struct pgt_source *src,
		      struct pgt_ftrace_pairs *ret)
{
	if (src->ftrace)
		pgt_ftrace_pairs(src->ftrace, ret);
	else
		*ret = (struct pgt_ftrace_pairs){0};
}
