/* SPDX-License-Identifier: MIT */
/*
 * The native trace writer (the reader is in trace.c).  Names (pgd and mm
 * IDs, comms, module names, label texts) are written with space, tab,
 * other control bytes, DEL, '%' and '=' percent-encoded as %XX, so every
 * value is one token; the reader decodes %XX.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <zlib.h>

#include "core/grow.h"
#include "core/layout.h"
#include "formats/trace.h"

struct pgt_trace_writer {
	const struct pgt_strtab *tab;
	char *name;
	FILE *file;  /* plain output (stdout for "-") */
	gzFile gz;   /* or gzip output */
	bool is_stdout;
	struct pgt_error *err; /* the first failure, reported by close */
	char *buf;   /* the line being built */
	size_t len, cap;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

struct pgt_error *pgt_trace_writer_create(const char *path,
					  const struct pgt_strtab *tab,
					  struct pgt_trace_writer **ret)
{
	struct pgt_trace_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return &pgt_error_nomem;
	w->tab = tab;
	w->is_stdout = !strcmp(path, "-");
	w->name = strdup(w->is_stdout ? "<stdout>" : path);
	if (!w->name) {
		free(w);
		return &pgt_error_nomem;
	}
	if (w->is_stdout) {
		w->file = stdout;
	} else if (ends_with(path, ".gz")) {
		errno = 0;
		w->gz = gzopen(path, "wb6");
		if (!w->gz) {
			struct pgt_error *err = pgt_error_create(
				PGT_ERROR_IO, "%s: %s", path,
				errno ? strerror(errno) : "cannot open for writing");
			free(w->name);
			free(w);
			return err;
		}
	} else {
		w->file = fopen(path, "w");
		if (!w->file) {
			struct pgt_error *err = pgt_error_create(
				PGT_ERROR_IO, "%s: %s", path, strerror(errno));
			free(w->name);
			free(w);
			return err;
		}
	}
	*ret = w;
	return NULL;
}

static void put(struct pgt_trace_writer *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if ((w->err = PGT_GROW(w->buf, w->cap, w->len + n + 1, 256)))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putf(struct pgt_trace_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void putf(struct pgt_trace_writer *w, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers and fixed words go through here. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		if (!w->err)
			w->err = pgt_error_create(PGT_ERROR_INVALID,
						  "%s: formatting failed", w->name);
		return;
	}
	put(w, tmp, (size_t)n);
}

static bool needs_escape(unsigned char c)
{
	return c <= ' ' || c == 0x7f || c == '%' || c == '=';
}

/* " KEY=VALUE" with VALUE percent-encoded. */
static void put_name(struct pgt_trace_writer *w, const char *key,
		     const char *s, size_t n)
{
	putf(w, " %s=", key);
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (needs_escape(c)) {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(w, e, 3);
		} else {
			put(w, s + i, 1);
		}
	}
}

static void put_id(struct pgt_trace_writer *w, const char *key, uint32_t id)
{
	const char *s = pgt_strtab_get(w->tab, id);
	put_name(w, key, s, strlen(s));
}

/* Write and empty the line buffer. */
static void flush_line(struct pgt_trace_writer *w)
{
	put(w, "\n", 1);
	if (w->err)
		return;
	bool ok;
	if (w->gz)
		ok = gzwrite(w->gz, w->buf, (unsigned)w->len) == (int)w->len;
	else
		ok = fwrite(w->buf, 1, w->len, w->file) == w->len;
	w->len = 0;
	if (!ok) {
		int zerr = Z_OK;
		const char *msg = w->gz ? gzerror(w->gz, &zerr) : NULL;
		if (!w->gz || zerr == Z_ERRNO)
			msg = strerror(errno);
		w->err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					  w->name, msg);
	}
}

static struct pgt_error *status(struct pgt_trace_writer *w)
{
	/* Keep the first error for close; hand out a copy now. */
	if (!w->err)
		return NULL;
	if (w->err == &pgt_error_nomem)
		return &pgt_error_nomem;
	return pgt_error_create(w->err->code, "%s", w->err->message);
}

static void put_size(struct pgt_trace_writer *w, const char *key, uint64_t v)
{
	if (v && !(v & ((1u << 30) - 1)))
		putf(w, " %s=%" PRIu64 "G", key, v >> 30);
	else if (v && !(v & ((1u << 20) - 1)))
		putf(w, " %s=%" PRIu64 "M", key, v >> 20);
	else if (v && !(v & ((1u << 10) - 1)))
		putf(w, " %s=%" PRIu64 "K", key, v >> 10);
	else
		putf(w, " %s=%" PRIu64, key, v);
}

struct pgt_error *pgt_trace_writer_header(struct pgt_trace_writer *w,
					  const struct pgt_machine *m)
{
	put(w, PGT_TRACE_MAGIC, strlen(PGT_TRACE_MAGIC));
	flush_line(w);
	if (m && m->set) {
		put(w, "machine", 7);
		if (m->set & PGT_MACHINE_PAGE_OFFSET)
			putf(w, " page_offset=0x%" PRIx32, m->page_offset);
		if (m->set & PGT_MACHINE_LOWMEM)
			put_size(w, "lowmem", m->lowmem);
		if (m->set & PGT_MACHINE_PSE)
			putf(w, " pse=%d", m->pse);
		if (m->set & PGT_MACHINE_HIGHMEM)
			putf(w, " highmem=%d", m->highmem);
		if (m->set & PGT_MACHINE_NX)
			putf(w, " nx=%d", m->nx);
		if (m->set & PGT_MACHINE_PGE)
			putf(w, " pge=%d", m->pge);
		if (m->set & PGT_MACHINE_ETEXT)
			putf(w, " etext=0x%" PRIx32, m->etext);
		if (m->set & PGT_MACHINE_INIT_END)
			putf(w, " init_end=0x%" PRIx32, m->init_end);
		if (m->set & PGT_MACHINE_IDT_TABLE)
			putf(w, " idt_table=0x%" PRIx32, m->idt_table);
		if ((m->set & PGT_MACHINE_KERNEL) && m->kernel)
			putf(w, " kernel=%s", pgt_kernel_name(m->kernel));
		if (m->set & PGT_MACHINE_POLICY)
			putf(w, " policy=%s", m->unshared ? "unshared" : "shared");
		if (m->set & PGT_MACHINE_START)
			putf(w, " start=%s", m->running ? "running" : "boot");
		flush_line(w);
	}
	return status(w);
}

struct pgt_error *pgt_trace_writer_comment(struct pgt_trace_writer *w,
					   const char *text)
{
	/* One comment line per line of @text. */
	for (;;) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		put(w, "#", 1);
		if (n)
			put(w, " ", 1);
		put(w, text, n);
		flush_line(w);
		if (!nl)
			break;
		text = nl + 1;
	}
	return status(w);
}

struct pgt_error *pgt_trace_writer_event(struct pgt_trace_writer *w,
					 const struct pgt_event *ev)
{
	if (ev->op == PGT_OP_MACHINE)
		return NULL; /* the header carries it */
	if (ev->op <= PGT_OP_MACHINE || ev->op >= PGT_OP__COUNT)
		return pgt_error_create(PGT_ERROR_INVALID,
					"%s: cannot write operation %d", w->name,
					(int)ev->op);
	/* What the reader would refuse is refused here, not in a later read. */
	const char *missing = NULL;
	if ((ev->op == PGT_OP_PGD_ALLOC || ev->op == PGT_OP_PGD_FREE) &&
	    !pgt_strtab_get(w->tab, ev->pgd)[0])
		missing = "a pgd";
	else if (ev->op == PGT_OP_SWITCH && !pgt_strtab_get(w->tab, ev->pgd)[0] &&
		 !pgt_strtab_get(w->tab, ev->mm)[0])
		missing = "a pgd or mm";
	else if ((ev->op == PGT_OP_MODULE || ev->op == PGT_OP_LABEL) &&
		 !pgt_strtab_get(w->tab, ev->label)[0])
		missing = "a name";
	else if (ev->op == PGT_OP_TASK && ev->pid < 0)
		missing = "a pid";
	else if (ev->op == PGT_OP_CPA && ev->pages == 0)
		missing = "a page count";
	if (missing)
		return pgt_error_create(PGT_ERROR_INVALID,
					"%s: line %" PRIu64 ": %s event without %s",
					w->name, ev->line, pgt_op_name(ev->op),
					missing);
	const char *op = pgt_op_name(ev->op);
	put(w, op, strlen(op));
	switch (ev->op) {
	case PGT_OP_PGD_ALLOC:
	case PGT_OP_PGD_FREE:
		put_id(w, "pgd", ev->pgd);
		if (ev->mm)
			put_id(w, "mm", ev->mm);
		break;
	case PGT_OP_SWITCH:
		if (pgt_strtab_get(w->tab, ev->pgd)[0])
			put_id(w, "pgd", ev->pgd);
		else
			put_id(w, "mm", ev->mm);
		break;
	case PGT_OP_VMALLOC:
		putf(w, " addr=0x%" PRIx64 " size=0x%" PRIx64, ev->addr, ev->size);
		break;
	case PGT_OP_VFREE:
		putf(w, " addr=0x%" PRIx64, ev->addr);
		if (ev->size)
			putf(w, " size=0x%" PRIx64, ev->size);
		break;
	case PGT_OP_CPA:
		putf(w, " addr=0x%" PRIx64 " pages=%" PRIu64, ev->addr, ev->pages);
		switch (ev->prot) {
		case PGT_PROT_SETCLR:
			putf(w, " set=0x%" PRIx64 " clr=0x%" PRIx64, ev->set,
			     ev->clr);
			break;
		case PGT_PROT_KERNEL:
			putf(w, " prot=kernel");
			break;
		case PGT_PROT_KERNEL_RO:
			putf(w, " prot=kernel_ro");
			break;
		case PGT_PROT_KERNEL_EXEC:
			putf(w, " prot=kernel_exec");
			break;
		case PGT_PROT_KERNEL_RX:
			putf(w, " prot=kernel_rx");
			break;
		case PGT_PROT_KERNEL_NOCACHE:
			putf(w, " prot=kernel_nocache");
			break;
		default:
			putf(w, " prot=0x%" PRIx64, ev->prot_raw);
			break;
		}
		break;
	case PGT_OP_SYNC_RANGE:
		putf(w, " addr=0x%" PRIx64 " end=0x%" PRIx64, ev->addr, ev->size);
		break;
	case PGT_OP_SET_PMD:
		putf(w, " addr=0x%" PRIx64 " pte=0x%" PRIx64, ev->addr,
		     ev->prot_raw);
		break;
	case PGT_OP_ACCESS:
	case PGT_OP_FAULT:
		putf(w, " addr=0x%" PRIx64, ev->addr);
		if (ev->pgd)
			put_id(w, "pgd", ev->pgd);
		if (ev->op == PGT_OP_ACCESS && ev->ctx == PGT_CTX_IRQ)
			putf(w, " ctx=irq");
		else if (ev->op == PGT_OP_ACCESS && ev->ctx == PGT_CTX_NMI)
			putf(w, " ctx=nmi");
		if (ev->has_ip)
			putf(w, " ip=0x%" PRIx64, ev->ip);
		if (ev->op == PGT_OP_FAULT && ev->has_error)
			putf(w, " error=0x%" PRIx32, ev->error);
		break;
	case PGT_OP_MODULE:
		put_id(w, "name", ev->label);
		break;
	case PGT_OP_LABEL:
		put_id(w, "text", ev->label);
		break;
	default: /* flush, sync, purge, reap, task: no fields of their own */
		break;
	}
	if (ev->t_ns != PGT_NO_TIME) {
		uint64_t sec = ev->t_ns / 1000000000u, ns = ev->t_ns % 1000000000u;
		if (ns % 1000)
			putf(w, " t=%" PRIu64 ".%09" PRIu64, sec, ns);
		else
			putf(w, " t=%" PRIu64 ".%06" PRIu64, sec, ns / 1000);
	}
	if (ev->cpu >= 0)
		putf(w, " cpu=%" PRId32, ev->cpu);
	if (ev->pid >= 0)
		putf(w, " pid=%" PRId32, ev->pid);
	if (ev->comm && pgt_strtab_get(w->tab, ev->comm)[0])
		put_id(w, "comm", ev->comm);
	flush_line(w);
	return status(w);
}

struct pgt_error *pgt_trace_writer_close(struct pgt_trace_writer *w)
{
	struct pgt_error *err = w->err;
	if (w->gz) {
		int r = gzclose(w->gz);
		if (!err && r != Z_OK)
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       w->name,
					       r == Z_ERRNO ? strerror(errno)
							    : "gzip stream error");
	} else if (w->is_stdout) {
		if ((fflush(w->file) != 0 || ferror(w->file)) && !err)
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       w->name, strerror(errno));
	} else if (fclose(w->file) != 0 && !err) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
				       w->name, strerror(errno));
	}
	free(w->buf);
	free(w->name);
	free(w);
	return err;
}
