/* SPDX-License-Identifier: MIT */
/* The native writer: exact text, escapes, gzip, round trip, write errors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/layout.h"
#include "formats/trace.h"
#include "test_util.h"


static bool ok(struct pgt_error *err)
{
	if (!err)
		return true;
	fprintf(stderr, "unexpected error: %s\n", err->message);
	pgt_error_destroy(err);
	test_fail_();
	return false;
}

static uint32_t id(struct pgt_strtab *tab, const char *s)
{
	uint32_t ret = 0;
	ok(pgt_strtab_intern(tab, s, strlen(s), &ret));
	return ret;
}

static struct pgt_event blank(enum pgt_op op)
{
	return (struct pgt_event){.op = op, .t_ns = PGT_NO_TIME, .cpu = -1,
				  .pid = -1};
}

/* One event of every kind, with the text the writer must produce. */
static size_t make_events(struct pgt_strtab *tab, struct pgt_event *ev,
			  const char **text)
{
	size_t n = 0;
	ev[n] = blank(PGT_OP_PGD_ALLOC);
	ev[n].pgd = id(tab, "0xc4d3e000");
	ev[n].mm = id(tab, "0xc4c8e6c0");
	ev[n].t_ns = UINT64_C(1317677000);
	ev[n].cpu = 1;
	ev[n].pid = 43;
	ev[n].comm = id(tab, "my proc=%x");
	text[n++] = "pgd_alloc pgd=0xc4d3e000 mm=0xc4c8e6c0 t=1.317677 cpu=1 pid=43 comm=my%20proc%3D%25x";
	ev[n] = blank(PGT_OP_PGD_FREE);
	ev[n].pgd = id(tab, "0xc4d3e000");
	text[n++] = "pgd_free pgd=0xc4d3e000";
	ev[n] = blank(PGT_OP_SWITCH);
	ev[n].mm = id(tab, "mm1");
	ev[n].cpu = 0;
	text[n++] = "switch mm=mm1 cpu=0";
	ev[n] = blank(PGT_OP_SWITCH);
	ev[n].pgd = id(tab, "7");
	text[n++] = "switch pgd=7";
	ev[n] = blank(PGT_OP_VMALLOC);
	ev[n].addr = 0xd07ef000;
	ev[n].size = 0x2000;
	text[n++] = "vmalloc addr=0xd07ef000 size=0x2000";
	ev[n] = blank(PGT_OP_VFREE);
	ev[n].addr = 0xd07ef000;
	text[n++] = "vfree addr=0xd07ef000";
	ev[n] = blank(PGT_OP_VFREE);
	ev[n].addr = 0xd07ef000;
	ev[n].size = 0x1000;
	text[n++] = "vfree addr=0xd07ef000 size=0x1000";
	ev[n] = blank(PGT_OP_CPA);
	ev[n].addr = 0xc4f05000;
	ev[n].pages = 3;
	ev[n].prot = PGT_PROT_SETCLR;
	ev[n].set = UINT64_C(0x8000000000000000);
	ev[n].clr = 2;
	text[n++] = "cpa addr=0xc4f05000 pages=3 set=0x8000000000000000 clr=0x2";
	ev[n] = blank(PGT_OP_CPA);
	ev[n].addr = 0xc0400000;
	ev[n].pages = 1;
	ev[n].prot = PGT_PROT_KERNEL_RX;
	text[n++] = "cpa addr=0xc0400000 pages=1 prot=kernel_rx";
	ev[n] = blank(PGT_OP_CPA);
	ev[n].addr = 0xc0400000;
	ev[n].pages = 512;
	ev[n].prot = PGT_PROT_RAW;
	ev[n].prot_raw = 0x163;
	text[n++] = "cpa addr=0xc0400000 pages=512 prot=0x163";
	ev[n] = blank(PGT_OP_FLUSH);
	text[n++] = "flush";
	ev[n] = blank(PGT_OP_SYNC);
	text[n++] = "sync";
	ev[n] = blank(PGT_OP_SYNC_RANGE);
	ev[n].addr = 0xd07f3000;
	ev[n].size = 0xd0813000;
	text[n++] = "sync_range addr=0xd07f3000 end=0xd0813000";
	ev[n] = blank(PGT_OP_SET_PMD);
	ev[n].addr = 0xc1a00000;
	ev[n].prot_raw = UINT64_C(0x8000000001a000e1);
	text[n++] = "set_pmd addr=0xc1a00000 pte=0x8000000001a000e1";
	ev[n] = blank(PGT_OP_PURGE);
	text[n++] = "purge";
	ev[n] = blank(PGT_OP_REAP);
	text[n++] = "reap";
	ev[n] = blank(PGT_OP_ACCESS);
	ev[n].addr = 0xd0812345;
	ev[n].pgd = id(tab, "7");
	ev[n].ctx = PGT_CTX_NMI;
	ev[n].has_ip = true;
	ev[n].ip = 0xc1234567;
	text[n++] = "access addr=0xd0812345 pgd=7 ctx=nmi ip=0xc1234567";
	ev[n] = blank(PGT_OP_FAULT);
	ev[n].addr = 0xd0812345;
	ev[n].has_error = true;
	ev[n].error = 2;
	ev[n].t_ns = UINT64_C(2000000001);
	text[n++] = "fault addr=0xd0812345 error=0x2 t=2.000000001";
	ev[n] = blank(PGT_OP_TASK);
	ev[n].pid = 745;
	ev[n].comm = id(tab, "cat");
	text[n++] = "task pid=745 comm=cat";
	ev[n] = blank(PGT_OP_MODULE);
	ev[n].label = id(tab, "zram");
	text[n++] = "module name=zram";
	ev[n] = blank(PGT_OP_LABEL);
	ev[n].label = id(tab, "PHASE final\tsleepers");
	text[n++] = "label text=PHASE%20final%09sleepers";
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_text(void)
{
	struct pgt_strtab *tab;
	if (!ok(pgt_strtab_create(&tab)))
		return;
	struct pgt_event ev[32];
	const char *text[32];
	size_t n = make_events(tab, ev, text);

	char path[] = "/tmp/pgt-test-writer-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		exit(2);
	close(fd);
	struct pgt_trace_writer *w;
	if (!ok(pgt_trace_writer_create(path, tab, &w)))
		exit(2);
	struct pgt_machine m;
	pgt_machine_init(&m);
	m.lowmem = UINT64_C(262016) << 10;
	m.kernel = PGT_KERNEL_6_1;
	m.set = PGT_MACHINE_PAGE_OFFSET | PGT_MACHINE_LOWMEM |
		PGT_MACHINE_HIGHMEM | PGT_MACHINE_KERNEL;
	ok(pgt_trace_writer_header(w, &m));
	ok(pgt_trace_writer_comment(w, "two\nlines"));
	for (size_t i = 0; i < n; i++)
		ok(pgt_trace_writer_event(w, &ev[i]));
	ok(pgt_trace_writer_close(w));

	char *want = NULL;
	size_t want_len = 0;
	FILE *mem = open_memstream(&want, &want_len);
	fprintf(mem, "%s\nmachine page_offset=0xc0000000 lowmem=262016K highmem=1 kernel=6.1\n# two\n# lines\n",
		PGT_TRACE_MAGIC);
	for (size_t i = 0; i < n; i++)
		fprintf(mem, "%s\n", text[i]);
	fclose(mem);
	const char *got = slurp(path);
	CHECK(got && !strcmp(got, want));
	if (got && strcmp(got, want))
		fprintf(stderr, "--- want:\n%s--- got:\n%s", want, got);
	free(want);

	/* The native reader gives the same events back. */
	struct pgt_lineio *in;
	struct pgt_strtab *tab2;
	struct pgt_trace_reader *r;
	if (!ok(pgt_lineio_open(path, &in)) || !ok(pgt_strtab_create(&tab2)) ||
	    !ok(pgt_trace_reader_create(in, tab2, &r)))
		exit(2);
	size_t k = 0;
	for (;;) {
		const struct pgt_event *e;
		bool eof;
		if (!ok(pgt_trace_reader_next(r, &e, &eof)) || eof)
			break;
		if (e->op == PGT_OP_MACHINE)
			continue;
		CHECK(k < n);
		if (k >= n)
			break;
		const struct pgt_event *o = &ev[k++];
		CHECK(e->op == o->op && e->addr == o->addr && e->size == o->size &&
		      e->pages == o->pages && e->prot == o->prot &&
		      e->set == o->set && e->clr == o->clr &&
		      e->prot_raw == o->prot_raw && e->ctx == o->ctx &&
		      e->has_ip == o->has_ip && e->ip == o->ip &&
		      e->has_error == o->has_error && e->error == o->error &&
		      e->t_ns == o->t_ns && e->cpu == o->cpu && e->pid == o->pid);
		CHECK(!strcmp(pgt_strtab_get(tab2, e->pgd), pgt_strtab_get(tab, o->pgd)));
		CHECK(!strcmp(pgt_strtab_get(tab2, e->mm), pgt_strtab_get(tab, o->mm)));
		CHECK(!strcmp(pgt_strtab_get(tab2, e->comm), pgt_strtab_get(tab, o->comm)));
		CHECK(!strcmp(pgt_strtab_get(tab2, e->label), pgt_strtab_get(tab, o->label)));
	}
	CHECK(k == n);
	const struct pgt_machine *rm = pgt_trace_reader_machine(r);
	CHECK(rm->lowmem == m.lowmem && rm->kernel == PGT_KERNEL_6_1);
	pgt_trace_reader_destroy(r);
	pgt_lineio_close(in);
	pgt_strtab_destroy(tab2);

	/* Refused: what the reader would refuse. */
	struct pgt_event bad = blank(PGT_OP_LABEL);
	if (ok(pgt_trace_writer_create(path, tab, &w))) {
		struct pgt_error *err = pgt_trace_writer_event(w, &bad);
		CHECK(err && strstr(err->message, "label event without a name"));
		pgt_error_destroy(err);
		ok(pgt_trace_writer_close(w));
	}
	unlink(path);
	pgt_strtab_destroy(tab);
}

static void test_gzip(void)
{
	struct pgt_strtab *tab;
	if (!ok(pgt_strtab_create(&tab)))
		return;
	char dir[] = "/tmp/pgt-test-writer-XXXXXX";
	if (!mkdtemp(dir))
		exit(2);
	char path[64];
	snprintf(path, sizeof(path), "%s/t.trace.gz", dir);
	struct pgt_trace_writer *w;
	if (!ok(pgt_trace_writer_create(path, tab, &w)))
		exit(2);
	ok(pgt_trace_writer_header(w, NULL));
	struct pgt_event e = blank(PGT_OP_FLUSH);
	for (int i = 0; i < 10000; i++)
		ok(pgt_trace_writer_event(w, &e));
	ok(pgt_trace_writer_close(w));
	unsigned char magic[2] = {0, 0};
	FILE *f = fopen(path, "rb");
	CHECK(f && fread(magic, 1, 2, f) == 2);
	if (f)
		fclose(f);
	CHECK(magic[0] == 0x1f && magic[1] == 0x8b);
	struct pgt_lineio *in;
	if (ok(pgt_lineio_open(path, &in))) {
		char *line;
		size_t len;
		uint64_t lines = 0;
		while (ok(pgt_lineio_next(in, &line, &len)) && line)
			lines++;
		CHECK(lines == 10001);
		pgt_lineio_close(in);
	}
	unlink(path);
	rmdir(dir);
	pgt_strtab_destroy(tab);
}

static void test_errors(void)
{
	struct pgt_strtab *tab;
	if (!ok(pgt_strtab_create(&tab)))
		return;
	struct pgt_trace_writer *w;
	struct pgt_error *err =
		pgt_trace_writer_create("/nonexistent/dir/x.trace", tab, &w);
	CHECK(err && err->code == PGT_ERROR_IO &&
	      !strcmp(err->message,
		      "/nonexistent/dir/x.trace: No such file or directory"));
	pgt_error_destroy(err);
	/* A full disk shows up at the latest when closing. */
	if (access("/dev/full", W_OK) == 0 &&
	    ok(pgt_trace_writer_create("/dev/full", tab, &w))) {
		ok(pgt_trace_writer_header(w, NULL));
		struct pgt_event e = blank(PGT_OP_SYNC);
		struct pgt_error *first = NULL;
		for (int i = 0; i < 100000 && !first; i++)
			first = pgt_trace_writer_event(w, &e);
		pgt_error_destroy(first);
		err = pgt_trace_writer_close(w);
		CHECK(err && strstr(err->message, "/dev/full: write error"));
		pgt_error_destroy(err);
	}
	pgt_strtab_destroy(tab);
}

int main(void)
{
	test_text();
	test_gzip();
	test_errors();
	return test_summary();
}
