/* SPDX-License-Identifier: MIT */
/*
 * The native trace reader (pgtrace-trace(5), /work/shared/trace-format.md)
 * through formats/source.h, on small files written to a temporary
 * directory: every operation and key, comments, gzip (one and several
 * members), %XX decoding, the machine line, and the errors with their exact
 * "FILE:LINE: message" text.  Standard input ('-') is not exercised here.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "core/layout.h"
#include "formats/source.h"
#include "formats/trace.h"
#include "test_util.h"

static char dir[64];
static char path_buf[256];

static const char *path(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

static const char *write_file(const char *name, const char *text, size_t len)
{
	const char *p = path(name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		printf("cannot write %s\n", p);
		test_fail_();
	}
	return p;
}

static const char *write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text));
}

/* Write @n gzip members, one per text. */
static const char *write_gz(const char *name, const char *const *texts, int n)
{
	const char *p = path(name);
	FILE *f = fopen(p, "wb");
	if (!f) {
		test_fail_();
		return p;
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		gzFile gz = gzopen(p, "ab");
		if (!gz || gzwrite(gz, texts[i], (unsigned)strlen(texts[i])) !=
				   (int)strlen(texts[i]) ||
		    gzclose(gz) != Z_OK) {
			printf("cannot write %s\n", p);
			test_fail_();
		}
	}
	return p;
}

struct read {
	struct pgt_strtab *tab;
	struct pgt_source *src;
	struct pgt_event ev[32];
	int n;
	struct pgt_error *err; /* the first error, if any */
};

/* Read all of @p into @r (up to 32 events); stops at the first error. */
static void read_all(const char *p, struct read *r)
{
	memset(r, 0, sizeof(*r));
	if (!CHECK_OK(pgt_strtab_create(&r->tab)))
		return;
	r->err = pgt_source_open(p, PGT_FORMAT_AUTO, r->tab, &r->src);
	if (r->err)
		return;
	for (;;) {
		const struct pgt_event *e;
		bool eof = false;
		r->err = pgt_source_next(r->src, &e, &eof);
		if (r->err || eof)
			return;
		if (r->n < 32)
			r->ev[r->n] = *e;
		r->n++;
	}
}

static void read_fini(struct read *r)
{
	pgt_error_destroy(r->err);
	pgt_source_destroy(r->src);
	pgt_strtab_destroy(r->tab);
}

static const char *name(struct read *r, uint32_t id)
{
	return pgt_strtab_get(r->tab, id);
}

/* Expect reading @text (as FILE) to fail with "FILE:" + @msg. */
#define CHECK_BAD(text, msg) check_bad(__LINE__, (text), (msg))

static void check_bad(int line, const char *text, const char *msg)
{
	const char *p = write_text("bad.trace", text);
	char want[512];
	snprintf(want, sizeof(want), "%s:%s", p, msg);
	struct read r;
	read_all(p, &r);
	if (r.err && r.err->code == PGT_ERROR_INPUT &&
	    strcmp(r.err->message, want) == 0) {
		test_pass_();
	} else {
		test_fail_();
		printf("%s:%d: got %s \"%s\", expected \"%s\"\n", __FILE__, line,
		       r.err ? "error" : "no error",
		       r.err ? r.err->message : "", want);
	}
	read_fini(&r);
}

#define MAGIC "# pgtrace-trace 1\n"

static void test_every_op(void)
{
	const char *text =
		MAGIC
		"machine page_offset=0x80000000 lowmem=1G pse=0 highmem=0 nx=0 pge=0 etext=0x80500000 kernel=6.1\n"
		"# a comment\n"
		"\n"
		"   \t\n"
		"  # an indented comment\n"
		"pgd_alloc pgd=0xf5a3e000 mm=0xf6000000 t=1.5 cpu=1 pid=42 comm=bash\n"
		"switch\tmm=0xf6000000 cpu=2\n"
		"switch pgd=0xf5a3e000\n"
		"vmalloc addr=0xf8800000 size=8K\n"
		"vmalloc size=0x2000 addr=0xf8a00000\n"
		"vfree addr=0xf8800000\n"
		"vfree addr=0xf8a00000 size=2M\n"
		"cpa addr=0x80800000 pages=1 prot=kernel_ro\n"
		"cpa addr=0x80800000 pages=2 prot=0x8000000000000163\n"
		"cpa addr=0x80800000 pages=3 set=0x2 clr=0x8000000000000000\n"
		"flush\n"
		"sync\n"
		"sync_range addr=0xf8800000 end=0xf8a00000\n"
		"set_pmd addr=0x80800000 pte=0x1e3\n"
		"purge\n"
		"reap\n"
		"access addr=0xf8800000 pgd=0xf5a3e000 ctx=nmi ip=0xc0123456\n"
		"fault addr=0xf8800004 error=0 ip=0xc0100000\n"
		"task pid=43 comm=sh%20-c t=2\n"
		"module name=e1000\n"
		"label text=after%25fork\n"
		"access addr=0xc0000000 ctx=irq\n"
		"access addr=0xc0000000 ctx=task\n";
	struct read r;
	read_all(write_text("ops.trace", text), &r);
	if (r.err) {
		printf("%s:%d: unexpected error: %s\n", __FILE__, __LINE__,
		       r.err->message);
		test_fail_();
		read_fini(&r);
		return;
	}
	CHECK_EQ_U64(pgt_source_format(r.src), PGT_FORMAT_NATIVE);
	CHECK_EQ_STR(pgt_source_name(r.src), path("ops.trace"));
	CHECK_EQ_U64(r.n, 24);
	if (r.n != 24) {
		read_fini(&r);
		return;
	}
	struct pgt_event *e = r.ev;
	/* The machine line comes first, as an event; the description too. */
	CHECK_EQ_U64(e[0].op, PGT_OP_MACHINE);
	CHECK_EQ_U64(e[0].line, 2);
	const struct pgt_machine *m = pgt_source_machine(r.src);
	CHECK_EQ_U64(m->page_offset, 0x80000000u);
	CHECK_EQ_U64(m->lowmem, 1u << 30);
	CHECK(!m->pse && !m->highmem && !m->nx && !m->pge);
	CHECK_EQ_U64(m->etext, 0x80500000u);
	CHECK_EQ_U64(m->kernel, PGT_KERNEL_6_1);
	CHECK_EQ_U64(m->set, PGT_MACHINE_PAGE_OFFSET | PGT_MACHINE_LOWMEM |
				     PGT_MACHINE_PSE | PGT_MACHINE_HIGHMEM |
				     PGT_MACHINE_NX | PGT_MACHINE_PGE |
				     PGT_MACHINE_ETEXT | PGT_MACHINE_KERNEL);

	CHECK_EQ_U64(e[1].op, PGT_OP_PGD_ALLOC);
	CHECK_EQ_U64(e[1].line, 7); /* comments and blank lines count */
	CHECK_EQ_STR(name(&r, e[1].pgd), "0xf5a3e000");
	CHECK_EQ_STR(name(&r, e[1].mm), "0xf6000000");
	CHECK_EQ_U64(e[1].t_ns, UINT64_C(1500000000));
	CHECK_EQ_U64(e[1].cpu, 1);
	CHECK_EQ_U64(e[1].pid, 42);
	CHECK_EQ_STR(name(&r, e[1].comm), "bash");

	CHECK_EQ_U64(e[2].op, PGT_OP_SWITCH);
	CHECK_EQ_U64(e[2].pgd, 0);
	CHECK_EQ_U64(e[2].mm, e[1].mm);
	CHECK_EQ_U64(e[2].cpu, 2);
	CHECK_EQ_U64(e[2].t_ns, PGT_NO_TIME);
	CHECK_EQ_U64(e[2].pid, (uint64_t)(int64_t)-1);
	CHECK_EQ_U64(e[3].pgd, e[1].pgd); /* the same interned id */
	CHECK_EQ_U64(e[3].cpu, (uint64_t)(int64_t)-1);

	CHECK_EQ_U64(e[4].op, PGT_OP_VMALLOC);
	CHECK_EQ_U64(e[4].addr, 0xf8800000u);
	CHECK_EQ_U64(e[4].size, 8192);
	CHECK_EQ_U64(e[5].addr, 0xf8a00000u); /* keys in any order */
	CHECK_EQ_U64(e[5].size, 0x2000);
	CHECK_EQ_U64(e[6].op, PGT_OP_VFREE);
	CHECK_EQ_U64(e[6].size, 0);
	CHECK_EQ_U64(e[7].size, 2u << 20);

	CHECK_EQ_U64(e[8].op, PGT_OP_CPA);
	CHECK_EQ_U64(e[8].addr, 0x80800000u);
	CHECK_EQ_U64(e[8].pages, 1);
	CHECK_EQ_U64(e[8].prot, PGT_PROT_KERNEL_RO);
	CHECK_EQ_U64(e[9].prot, PGT_PROT_RAW);
	CHECK_EQ_U64(e[9].prot_raw, UINT64_C(0x8000000000000163));
	CHECK_EQ_U64(e[9].pages, 2);
	CHECK_EQ_U64(e[10].prot, PGT_PROT_SETCLR);
	CHECK_EQ_U64(e[10].set, 2);
	CHECK_EQ_U64(e[10].clr, UINT64_C(0x8000000000000000));

	CHECK_EQ_U64(e[11].op, PGT_OP_FLUSH);
	CHECK_EQ_U64(e[12].op, PGT_OP_SYNC);
	CHECK_EQ_U64(e[13].op, PGT_OP_SYNC_RANGE);
	CHECK_EQ_U64(e[13].addr, 0xf8800000u);
	CHECK_EQ_U64(e[13].size, 0xf8a00000u); /* end= travels in size */
	CHECK_EQ_U64(e[14].op, PGT_OP_SET_PMD);
	CHECK_EQ_U64(e[14].prot_raw, 0x1e3);
	CHECK_EQ_U64(e[15].op, PGT_OP_PURGE);
	CHECK_EQ_U64(e[16].op, PGT_OP_REAP);

	CHECK_EQ_U64(e[17].op, PGT_OP_ACCESS);
	CHECK_EQ_U64(e[17].ctx, PGT_CTX_NMI);
	CHECK(e[17].has_ip);
	CHECK_EQ_U64(e[17].ip, 0xc0123456u);
	CHECK_EQ_U64(e[18].op, PGT_OP_FAULT);
	CHECK_EQ_U64(e[18].addr, 0xf8800004u);
	CHECK(e[18].has_error);
	CHECK_EQ_U64(e[18].error, 0);
	CHECK_EQ_U64(e[18].pgd, 0);

	CHECK_EQ_U64(e[19].op, PGT_OP_TASK);
	CHECK_EQ_U64(e[19].pid, 43);
	CHECK_EQ_STR(name(&r, e[19].comm), "sh -c"); /* %20 decoded */
	CHECK_EQ_U64(e[19].t_ns, UINT64_C(2000000000));
	CHECK_EQ_U64(e[20].op, PGT_OP_MODULE);
	CHECK_EQ_STR(name(&r, e[20].label), "e1000");
	CHECK_EQ_U64(e[21].op, PGT_OP_LABEL);
	CHECK_EQ_STR(name(&r, e[21].label), "after%fork");
	CHECK_EQ_U64(e[22].ctx, PGT_CTX_IRQ);
	CHECK(!e[22].has_ip);
	CHECK_EQ_U64(e[23].ctx, PGT_CTX_TASK);
	read_fini(&r);
}

static void test_defaults_and_crlf(void)
{
	/* No machine line: the defaults, nothing set; CRLF line ends. */
	struct read r;
	read_all(write_text("crlf.trace", "# pgtrace-trace 1\r\npgd_alloc pgd=1\r\n"),
		 &r);
	CHECK(!r.err);
	CHECK_EQ_U64(r.n, 1);
	if (r.src) {
		const struct pgt_machine *m = pgt_source_machine(r.src);
		CHECK_EQ_U64(m->page_offset, 0xc0000000u);
		CHECK_EQ_U64(m->set, 0);
		CHECK(m->pse && m->highmem && m->nx && m->pge);
	}
	CHECK_EQ_STR(name(&r, r.ev[0].pgd), "1");
	read_fini(&r);

	/* The magic may carry trailing blanks; a file without a final LF. */
	read_all(write_text("nolf.trace", "# pgtrace-trace 1  \nflush"), &r);
	CHECK(!r.err);
	CHECK_EQ_U64(r.n, 1);
	CHECK_EQ_U64(r.ev[0].op, PGT_OP_FLUSH);
	CHECK_EQ_U64(r.ev[0].line, 2);
	read_fini(&r);

	/* Equal timestamps are fine (non-decreasing). */
	read_all(write_text("t.trace", MAGIC "flush t=1\nflush t=1.000\nflush t=2.25\n"),
		 &r);
	CHECK(!r.err);
	CHECK_EQ_U64(r.n, 3);
	CHECK_EQ_U64(r.ev[2].t_ns, UINT64_C(2250000000));
	read_fini(&r);
}

static void test_gzip(void)
{
	static const char *const one[] = {
		MAGIC "pgd_alloc pgd=A\n# c\nvmalloc addr=0xf8800000 size=4K\n",
	};
	struct read r;
	read_all(write_gz("one.trace.gz", one, 1), &r);
	CHECK(!r.err);
	CHECK_EQ_U64(r.n, 2);
	CHECK_EQ_U64(r.ev[1].op, PGT_OP_VMALLOC);
	CHECK_EQ_U64(r.ev[1].line, 4);
	read_fini(&r);

	/* Concatenated members read as one stream, lines counted across. */
	static const char *const three[] = {
		MAGIC "pgd_alloc pgd=A\n",
		"pgd_alloc pgd=B\nswitch pgd=",
		"B\nflush\n",
	};
	read_all(write_gz("three.trace.gz", three, 3), &r);
	CHECK(!r.err);
	CHECK_EQ_U64(r.n, 4);
	CHECK_EQ_U64(r.ev[2].op, PGT_OP_SWITCH);
	CHECK_EQ_STR(name(&r, r.ev[2].pgd), "B");
	CHECK_EQ_U64(r.ev[3].line, 5);
	read_fini(&r);

	/* A truncated member (the trailer cut): an error, not a short trace;
	 * it names the line being read when the stream ended (5 were whole). */
	const char *p = path("three.trace.gz");
	FILE *f = fopen(p, "rb");
	char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	CHECK(n > 20);
	const char *t = write_file("trunc.trace.gz", buf, n - 6);
	read_all(t, &r);
	CHECK(r.err != NULL);
	if (r.err) {
		char want[300];
		snprintf(want, sizeof(want),
			 "%s:6: corrupt or truncated compressed data: unexpected end of file",
			 t);
		CHECK_EQ_STR(r.err->message, want);
	}
	read_fini(&r);
}

static void test_errors(void)
{
	struct read r;
	/* Empty file, wrong magic (through source: unknown format). */
	const char *p = write_text("empty.trace", "");
	read_all(p, &r);
	char want[300];
	snprintf(want, sizeof(want), "%s: empty trace", p);
	CHECK(r.err && !strcmp(r.err->message, want));
	read_fini(&r);

	/* Forced native format: the reader's own magic check. */
	p = write_text("nomagic.trace", "pgd_alloc pgd=1\n");
	struct pgt_strtab *tab;
	struct pgt_source *src = NULL;
	CHECK_OK(pgt_strtab_create(&tab));
	snprintf(want, sizeof(want),
		 "%s:1: not a pgtrace trace (the first line must be '# pgtrace-trace 1')",
		 p);
	struct pgt_error *err = pgt_source_open(p, PGT_FORMAT_NATIVE, tab, &src);
	CHECK(err && err->code == PGT_ERROR_INPUT && !strcmp(err->message, want));
	pgt_error_destroy(err);
	pgt_source_destroy(src);
	pgt_strtab_destroy(tab);

	CHECK_BAD(MAGIC "frobnicate addr=1\n", "2: unknown operation 'frobnicate'");
	CHECK_BAD(MAGIC "\n# x\nvmalloc addr=0xf8800000\n", "4: vmalloc needs size=");
	CHECK_BAD(MAGIC "vmalloc addr=0xf88z0000 size=4K\n",
		  "2: bad address for 'addr': '0xf88z0000'");
	CHECK_BAD(MAGIC "vmalloc addr=0x1f8800000 size=4K\n",
		  "2: bad address for 'addr': '0x1f8800000'");
	CHECK_BAD(MAGIC "vmalloc addr=0xf8800000 size=4Q\n", "2: bad size '4Q'");
	CHECK_BAD(MAGIC "vmalloc addr=0xf8800000 size=4K pgd=1\n",
		  "2: unknown key 'pgd' for vmalloc");
	CHECK_BAD(MAGIC "flush colour=blue\n", "2: unknown key 'colour' for flush");
	CHECK_BAD(MAGIC "pgd_alloc pgd=1 pgd=2\n", "2: duplicate key 'pgd'");
	CHECK_BAD(MAGIC "pgd_alloc pgd=\n", "2: empty value for 'pgd'");
	CHECK_BAD(MAGIC "pgd_alloc 1\n", "2: expected KEY=VALUE, got '1'");
	CHECK_BAD(MAGIC "cpa addr=0xc0000000 pages=1 prot=shiny\n",
		  "2: unknown prot 'shiny' (kernel, kernel_ro, kernel_exec, kernel_rx, kernel_nocache or a hex value)");
	CHECK_BAD(MAGIC "cpa addr=0xc0000000 pages=1 prot=0x1000\n",
		  "2: prot 0x1000 has address bits set");
	CHECK_BAD(MAGIC "cpa addr=0xc0000000 pages=1\n",
		  "2: cpa needs either prot= or set=/clr=");
	CHECK_BAD(MAGIC "cpa addr=0xc0000000 pages=1 prot=kernel set=2\n",
		  "2: cpa needs either prot= or set=/clr=");
	CHECK_BAD(MAGIC "cpa addr=0xc0000000 pages=0 prot=kernel\n",
		  "2: bad page count '0'");
	CHECK_BAD(MAGIC "switch cpu=1\n", "2: switch needs pgd= or mm=");
	CHECK_BAD(MAGIC "access addr=0xc0000000 ctx=softirq\n",
		  "2: ctx must be task, irq or nmi, not 'softirq'");
	CHECK_BAD(MAGIC "flush t=2\nflush t=1.5\n", "3: timestamp goes backwards");
	CHECK_BAD(MAGIC "flush t=1.\n", "2: bad timestamp '1.'");
	/* Out of range: past 2^64 ns (it used to wrap), and PGT_NO_TIME itself. */
	CHECK_BAD(MAGIC "flush t=18446744074\n", "2: bad timestamp '18446744074'");
	CHECK_BAD(MAGIC "flush t=18446744073.709551616\n",
		  "2: bad timestamp '18446744073.709551616'");
	CHECK_BAD(MAGIC "flush t=18446744073.709551615\n",
		  "2: bad timestamp '18446744073.709551615'");
	CHECK_BAD(MAGIC "flush\nmachine pse=0\n",
		  "3: the machine line must come before the first event");
	CHECK_BAD(MAGIC "machine pse=2\n", "2: 'pse' must be 0 or 1, not '2'");
	CHECK_BAD(MAGIC "machine page_offset=0xb0000000\n",
		  "2: page_offset must be 0xc0000000, 0x80000000 or 0x40000000, not '0xb0000000'");
	CHECK_BAD(MAGIC "machine kernel=2.4\n",
		  "2: unknown kernel '2.4' (2.6.21, 2.6.22 or 6.1)");
	CHECK_BAD(MAGIC "label text=a%2\n", "2: bad %XX escape in 'text'");
	CHECK_BAD(MAGIC "label text=a%00b\n", "2: bad %XX escape in 'text'");
}

/* The NUL case needs the length: CHECK_BAD uses strlen. */
static void test_nul(void)
{
	static const char text[] = MAGIC "flush\nfl\0sh\n";
	const char *p = write_file("nul.trace", text, sizeof(text) - 1);
	struct read r;
	read_all(p, &r);
	char want[300];
	snprintf(want, sizeof(want), "%s:3: NUL byte in a text line", p);
	CHECK(r.err != NULL);
	if (r.err)
		CHECK_EQ_STR(r.err->message, want);
	CHECK_EQ_U64(r.n, 1);
	read_fini(&r);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pgtrace-test-trace.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	test_every_op();
	test_defaults_and_crlf();
	test_gzip();
	test_errors();
	test_nul();
	int status = test_summary();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	return status;
}
