/* SPDX-License-Identifier: MIT */
/*
 * The native reader's fast path (formats/trace.c fast_record) against its
 * general path.  A line that starts with white space never takes the fast
 * path, and the general path skips that white space, so each case is read
 * twice, as written and with every line indented by one space: the events
 * (every field), the interned names (same ids in the same order) and the
 * error (code and whole message, same file name and line) must be equal.
 * The table holds the lines the fast path takes and near misses of every
 * kind it hands on (malformed values, escapes, other spellings, unknown
 * and duplicate keys, odd white space).  test_ahead() reads runs longer
 * than the reader's look-ahead (formats/trace.c fill()): general lines,
 * comments, long names and errors among fast lines.
 */
#include <stdlib.h>
#include <unistd.h>

#include "formats/source.h"
#include "test_util.h"

static char dir[64];
static char path_buf[256];

static const char *write_text(const char *text)
{
	snprintf(path_buf, sizeof(path_buf), "%s/case.trace", dir);
	FILE *f = fopen(path_buf, "wb");
	if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) ||
	    fclose(f) != 0) {
		printf("cannot write %s\n", path_buf);
		test_fail_();
	}
	return path_buf;
}

#define MAXEV 64

struct read {
	struct pgt_event ev[MAXEV];
	int n;
	int code;       /* -1: no error */
	char msg[512];
	char names[1 << 18]; /* every interned string in id order, '|' between */
};

static void read_all(const char *text, struct read *r)
{
	memset(r, 0, sizeof(*r));
	r->code = -1;
	struct pgt_strtab *tab;
	struct pgt_source *src = NULL;
	if (!CHECK_OK(pgt_strtab_create(&tab)))
		return;
	struct pgt_error *err = pgt_source_open(write_text(text),
						PGT_FORMAT_NATIVE, tab, &src);
	while (!err) {
		const struct pgt_event *e;
		bool eof = false;
		if ((err = pgt_source_next(src, &e, &eof)) || eof)
			break;
		if (r->n < MAXEV)
			r->ev[r->n] = *e;
		r->n++;
	}
	if (err) {
		r->code = err->code;
		snprintf(r->msg, sizeof(r->msg), "%s", err->message);
		pgt_error_destroy(err);
	}
	size_t off = 0;
	for (uint32_t id = 1; id <= pgt_strtab_count(tab); id++)
		off += (size_t)snprintf(r->names + off, sizeof(r->names) - off,
					"%s|", pgt_strtab_get(tab, id));
	pgt_source_destroy(src);
	pgt_strtab_destroy(tab);
}

/* Every field of the event, not its padding. */
static bool same_event(const struct pgt_event *a, const struct pgt_event *b)
{
	return a->op == b->op && a->line == b->line && a->t_ns == b->t_ns &&
	       a->cpu == b->cpu && a->pid == b->pid && a->comm == b->comm &&
	       a->pgd == b->pgd && a->mm == b->mm && a->label == b->label &&
	       a->addr == b->addr && a->size == b->size &&
	       a->pages == b->pages && a->prot == b->prot &&
	       a->prot_raw == b->prot_raw && a->set == b->set &&
	       a->clr == b->clr && a->ctx == b->ctx &&
	       a->has_ip == b->has_ip && a->ip == b->ip &&
	       a->has_error == b->has_error && a->error == b->error;
}

#define MAGIC "# pgtrace-trace 1\n"

/* @body read as is and indented: the same events, names and error. */
static void check_same(const char *body, int want_events, bool want_error)
{
	size_t cap = 2 * strlen(body) + sizeof(MAGIC) + 1;
	char *plain = malloc(cap), *indented = malloc(cap);
	if (!plain || !indented) {
		test_fail_();
		free(plain);
		free(indented);
		return;
	}
	snprintf(plain, cap, MAGIC "%s", body);
	size_t o = (size_t)snprintf(indented, cap, MAGIC);
	for (const char *s = body; *s; s++) {
		if (s == body || s[-1] == '\n')
			indented[o++] = ' ';
		indented[o++] = *s;
	}
	indented[o] = '\0';

	struct read *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	if (!a || !b) {
		test_fail_();
		free(a);
		free(b);
		free(plain);
		free(indented);
		return;
	}
	read_all(plain, a);
	read_all(indented, b);
	bool ok = a->n == b->n && a->code == b->code &&
		  strcmp(a->msg, b->msg) == 0 && strcmp(a->names, b->names) == 0;
	for (int i = 0; ok && i < a->n && i < MAXEV; i++)
		ok = same_event(&a->ev[i], &b->ev[i]);
	/* and the case is what the table says it is (want_events < 0: any) */
	bool as_meant = want_events < 0 ||
			(a->n == want_events && (a->code >= 0) == want_error);
	if (ok && as_meant) {
		test_pass_();
	} else {
		test_fail_();
		printf("%s: %s\n  fast: %d events, error \"%s\", names %s\n"
		       "  general: %d events, error \"%s\", names %s\n",
		       ok ? "not as the table says" : "paths differ", body, a->n,
		       a->msg, a->names, b->n, b->msg, b->names);
	}
	free(a);
	free(b);
	free(plain);
	free(indented);
}

static void test_lines(void)
{
	static const struct {
		const char *body;
		int events;
		bool error;
	} cases[] = {
		/* the lines the fast path is for */
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=task\n", 1, false},
		{"access addr=0xf3db3ca0 pgd=0xc4063000 ctx=nmi\n", 1, false},
		{"access addr=0xf3db3ca0 pgd=0xc4063000 ctx=irq\n", 1, false},
		{"access addr=0x0\n", 1, false},
		{"access addr=0xffffffff pgd=p ip=0xc0101234\n", 1, false},
		{"access ctx=irq ip=0x1 pgd=x addr=0xABCdef\n", 1, false},
		{"switch pgd=0xc405a000 cpu=7\n", 1, false},
		{"switch mm=0xc2000340 cpu=4095\n", 1, false},
		{"switch pgd=a mm=b\n", 1, false},
		{"switch cpu=0007 pgd=a\n", 1, false},
		{"pgd_alloc pgd=0xc4005000 mm=0xc2001040\n", 1, false},
		{"pgd_alloc mm=M pgd=P\n", 1, false},
		{"pgd_alloc pgd=averyveryverylongname0123456789 mm=x=y\n", 1, false},
		{"pgd_free pgd=0xc4005000\n", 1, false},
		{"pgd_free pgd=0xc4005000 mm=0xc2001040\n", 1, false},
		{"vmalloc addr=0xf99b0000 size=0x7000\n", 1, false},
		{"vmalloc size=0x1 addr=0x1\n", 1, false},
		{"vfree addr=0xf99b0000\n", 1, false},
		{"vfree addr=0xf99b0000 size=0x7000\n", 1, false},
		/* eight digits, read eight bytes at a time, and near them */
		{"access addr=0x12345678 pgd=a\n", 1, false},
		{"access addr=0xAbCdEf09 pgd=a\n", 1, false},
		{"access addr=0x0000000a pgd=a\n", 1, false},
		{"vfree addr=0x12345678\n", 1, false},
		{"vfree addr=0x1234567\n", 1, false},
		/*
		 * The canonical shapes (canonical_record) and lines that
		 * start like them but leave them, for the key loop or the
		 * general path: the same events and errors either way.
		 */
		{"access addr=0xc1533448 pgd=0xc403e000\n", 1, false},
		{"access addr=0xc1533448 ctx=irq\n", 1, false},
		{"access addr=0xc1533448 pgd=0xc403e000 ip=0xc0101234\n", 1, false},
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=irq ip=0x1\n", 1, false},
		{"access addr=0xc1533448 pgd=0xc403e000 cpu=1\n", 1, false},
		{"access addr=0xc1533448 pgd=averyveryverylongname0123456789\n", 1, false},
		{"access addr=0xc1533448 pgd=0123456789abcde ctx=nmi\n", 1, false},
		{"access addr=0xc1533448 pgd=0123456789abcdef ctx=nmi\n", 1, false},
		{"switch pgd=0xc405a000 cpu=0007\n", 1, false},
		{"switch pgd=0xc405a000 mm=0xc2000340\n", 1, false},
		{"pgd_alloc pgd=0xc4005000 mm=0xc2001040 cpu=3\n", 1, false},
		{"pgd_free pgd=0xc4005000 cpu=3 mm=0xc2001040\n", 1, false},
		{"vmalloc addr=0xf99b0000 size=0x7000 cpu=1\n", 1, false},
		{"vfree addr=0xf99b0000 cpu=1\n", 1, false},
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=tas\n", 0, true},
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=irqs\n", 0, true},
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=\n", 0, true},
		{"access addr=0xc1533448 pgd=0xc403e000 ctx=irq \n", 1, false},
		{"access addr=0xc1533448 pgd=0xc403e000 pgd=0xc403e000\n", 0, true},
		{"access addr=0xc1533448 pgd=\n", 0, true},
		{"access addr=0xc1533448 pgd=0xc40%41000\n", 1, false},
		{"access addr=0x1c1533448 pgd=0xc403e000\n", 0, true},
		{"access addr=0x pgd=0xc403e000 ctx=irq\n", 0, true},
		{"switch pgd=0xc405a000 cpu=12345\n", 0, true},
		{"switch pgd=0xc405a000 cpu=\n", 0, true},
		{"switch pgd=0xc405a000 cpu=7x\n", 0, true},
		{"pgd_alloc pgd=0xc4005000 mm=\n", 0, true},
		{"pgd_alloc pgd=0xc4005000 mm=0xc2001040 \n", 1, false},
		{"pgd_free pgd=0xc4005000 pgd=0xc4005000\n", 0, true},
		{"pgd_free pgd=0xc4005000\tmm=0xc2001040\n", 1, false},
		{"vmalloc addr=0xf99b0000 size=0x\n", 0, true},
		{"vmalloc addr=0xf99b0000 sizes=0x1\n", 0, true},
		{"vfree addr=0xf99b0000 size=0x123456789\n", 0, true},
		{"vfree addr=0xf99b0000 size=0x1000 size=0x1000\n", 0, true},
		/*
		 * What pgtrace convert writes of a recording: time, CPU, pid
		 * and comm after an event's own fields, task and purge lines,
		 * and near misses of each for the general path.
		 */
		{"task t=1.000064 cpu=3 pid=100 comm=init\n", 1, false},
		{"purge t=3.700187 cpu=4 pid=9 comm=kworker/u16:1\n", 1, false},
		{"pgd_alloc pgd=0xc4000000 mm=0xc2000000 t=1.000053 cpu=0 pid=1 comm=init\n", 1, false},
		{"pgd_free pgd=0xc4000000 t=1.5 cpu=0 pid=1 comm=sh\n", 1, false},
		{"vmalloc addr=0xfd1ee000 size=0x3000 t=3.700263 cpu=1 pid=17200 comm=grep\n", 1, false},
		{"vfree addr=0xf83fe000 t=3.700289 cpu=0 pid=7560 comm=init\n", 1, false},
		{"access addr=0x1 pgd=a comm=x pid=2\n", 1, false},
		{"task pid=0\n", 1, false},
		{"task pid=2147483647\n", 1, false},
		{"task pid=0000000001\n", 1, false},
		{"task pid=00000000001\n", 1, false},
		{"task pid=0x10\n", 1, false},
		{"task t=5 pid=1\n", 1, false},
		{"task t=.5 pid=1\n", 1, false},
		{"task t=1.123456789 pid=1\n", 1, false},
		{"task t=1.1234567891 pid=1\n", 1, false},
		{"task t=18446744072.709551615 pid=1\n", 1, false},
		{"task t=18446744073.709551615 pid=1\n", 0, true},
		{"task pid=1 comm=a%20b\n", 1, false},
		{"task pid=1 comm=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefXYZ\n", 1, false},
		{"purge\n", 1, false},
		{"task pid=2147483648\n", 0, true},
		{"task pid=-1\n", 0, true},
		{"task pid=\n", 0, true},
		{"task pid=1x\n", 0, true},
		{"task pid=1 pid=1\n", 0, true},
		{"task pid=1 comm=\n", 0, true},
		{"task pid=1 comm=a comm=b\n", 0, true},
		{"task pid=1 comm=a%2\n", 0, true},
		{"task comm=x\n", 0, true},
		{"task\n", 0, true},
		{"task pid=1 pgd=a\n", 0, true},
		{"tasks pid=1\n", 0, true},
		{"purge pgd=a\n", 0, true},
		{"task t=1. pid=1\n", 0, true},
		{"task t=1..5 pid=1\n", 0, true},
		{"task t= pid=1\n", 0, true},
		{"task t=1x pid=1\n", 0, true},
		{"task t=1 t=2 pid=1\n", 0, true},
		{"task t=2 pid=1\ntask t=2 pid=1\n", 2, false},
		{"task t=2 pid=1\ntask t=1 pid=1\n", 1, true},
		/* the general path's time counts for the fast path's, and back */
		{"task t=2 pid=1\nflush t=3\ntask t=2.5 pid=1\n", 2, true},
		{"flush t=3\ntask t=2.5 pid=1\n", 1, true},
		{"task t=3 pid=1\n flush t=2.5\n", 1, true},
		/* ids in order of first appearance, across both paths */
		{"pgd_alloc pgd=B mm=A\n switch mm=A\npgd_alloc pgd=C mm=A\n"
		 " pgd_free pgd=B\naccess addr=0x1 pgd=D\n",
		 5, false},
		/* valid, but for the general path */
		{"access addr=0x000000001 pgd=a\n", 1, false},
		{"access addr=0X1 pgd=a\n", 1, false},
		{"access addr=16 pgd=a\n", 1, false},
		{"access addr=0x1 pgd=a%41b\n", 1, false},
		{"access addr=0x1 pgd=a ctx=task \n", 1, false},
		{"access addr=0x1  pgd=a\n", 1, false},
		{"access\taddr=0x1 pgd=a\n", 1, false},
		{"access addr=0x1\tpgd=a\n", 1, false},
		{"access addr=0x1 pgd=a t=1.5 cpu=1 pid=2 comm=sh\n", 1, false},
		{"switch cpu=0x5 pgd=a\n", 1, false},
		{"switch cpu=00007 pgd=a\n", 1, false},
		{"vmalloc addr=0x1000 size=4K\n", 1, false},
		{"vmalloc addr=0x1000 size=4096\n", 1, false},
		{"pgd_alloc pgd=a mm=b\r\n", 1, false},
		{"access addr=0x1 pgd=a\rb ctx=irq\n", 1, false},
		/* errors, worded by the general path */
		{"access addr=0x100000000 pgd=a\n", 0, true},
		{"access addr=0x pgd=a\n", 0, true},
		{"access addr= pgd=a\n", 0, true},
		{"access addr=0xg pgd=a\n", 0, true},
		{"access addr=0x123456789 pgd=a\n", 0, true},
		{"access addr=0x1234567g pgd=a\n", 0, true},
		{"access addr=0x12:45678 pgd=a\n", 0, true},
		{"access addr=0x1234\xc3\xa9 pgd=a\n", 0, true},
		{"access addr=0x1 pgd=\n", 0, true},
		{"access addr=0x1 pgd= ctx=task\n", 0, true},
		{"access addr=0x1 pgd=a ctx=tas\n", 0, true},
		{"access addr=0x1 pgd=a ctx=tasks\n", 0, true},
		{"access addr=0x1 pgd=a ctx=irq%\n", 0, true},
		{"access addr=0x1 pgd=a%4\n", 0, true},
		{"access addr=0x1 pgd=a%00\n", 0, true},
		{"access addr=0x1 pgd=a%ctx=irq\n", 0, true},
		{"access addr=0x1 pgd=a%ctx=task\n", 0, true},
		{"access addr=0x1 addr=0x2\n", 0, true},
		{"access pgd=a\n", 0, true},
		{"access\n", 0, true},
		{"access \n", 0, true},
		{"access addr=0x1 mm=a\n", 0, true},
		{"access addr=0x1 size=0x1\n", 0, true},
		{"access addr=0x1 pgd\n", 0, true},
		{"access addr=0x1 =a\n", 0, true},
		{"accesss addr=0x1\n", 0, true},
		{"acces addr=0x1\n", 0, true},
		{"switch\n", 0, true},
		{"switch cpu=1\n", 0, true},
		{"switch pgd=a cpu=4096\n", 0, true},
		{"switch pgd=a cpu=\n", 0, true},
		{"switch pgd=a cpu=-1\n", 0, true},
		{"switch pgd=a pgd=b\n", 0, true},
		{"switch pgd=a ctx=task\n", 0, true},
		{"pgd_alloc mm=a\n", 0, true},
		{"pgd_alloc pgd=a mm=b mm=c\n", 0, true},
		{"pgd_alloc pgd=a addr=0x1\n", 0, true},
		{"pgd_free\n", 0, true},
		{"pgd_free mm=a\n", 0, true},
		{"pgd_frees pgd=a\n", 0, true},
		{"vmalloc addr=0x1000\n", 0, true},
		{"vmalloc size=0x1000\n", 0, true},
		{"vmalloc addr=0x1000 size=0x100000000\n", 0, true},
		{"vmalloc addr=0x1000 size=0x1000 pgd=a\n", 0, true},
		{"vfree size=0x1000\n", 0, true},
		{"vfree addr=0x1 ip=0x1\n", 0, true},
		{"machine nx=1\naccess addr=0x1\n", 2, false},
		{"access addr=0x1\nmachine nx=1\n", 1, true},
		{"flush t=2\naccess addr=0x1\nflush t=1\n", 2, true},
		{"access addr=0x1 pgd=a\nswitch pgd=b cpu=99999\n", 1, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_same(cases[i].body, cases[i].events, cases[i].error);
}

/*
 * Where the fast path reads eight or sixteen bytes at a time (hex digits,
 * a name's end): every length across those steps, and every character
 * next to the ranges a digit is tested against, at every place.
 */
static void test_steps(void)
{
	static const char near[] = "/:@G`gAfF0\x80\xff";
	const char digits[] = "89abcDEF1";
	char line[128];
	for (int n = 1; n <= 9; n++) {
		for (int p = -1; p < n; p++) {
			for (size_t c = 0; c < (p < 0 ? 1 : sizeof(near) - 1); c++) {
				char d[16];
				memcpy(d, digits, (size_t)n);
				d[n] = '\0';
				if (p >= 0)
					d[p] = near[c];
				snprintf(line, sizeof(line), "access addr=0x%s pgd=a\n", d);
				check_same(line, -1, false);
				snprintf(line, sizeof(line), "vfree addr=0x%s\n", d);
				check_same(line, -1, false);
			}
		}
	}
	static const char *const ends[] = {"\n", " ctx=irq\n", "%41\n", "\tctx=irq\n"};
	for (int len = 1; len <= 40; len++) {
		for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
			size_t o = (size_t)snprintf(line, sizeof(line), "access addr=0x1 pgd=");
			for (int k = 0; k < len; k++)
				line[o++] = (char)('a' + k % 26);
			snprintf(line + o, sizeof(line) - o, "%s", ends[e]);
			check_same(line, 1, false);
		}
	}
}

/* Append to @buf (of @cap bytes) at *@off. */
#define ADD(buf, cap, off, ...) \
	(*(off) += (size_t)snprintf((buf) + *(off), (cap) - *(off), __VA_ARGS__))

/*
 * Once the string table holds 4,096 names the reader interns a batch's
 * names together (formats/trace.c fill()): every case below is read with
 * a fresh table and again after 4,200 other names.
 */
static void test_ahead_after(size_t prefix)
{
	static char body[200000];
	size_t o0 = 0;
	for (size_t i = 0; i < prefix; i++)
		ADD(body, sizeof(body), &o0, "switch pgd=n%zu cpu=0\n", i);
	int base = (int)prefix;
	size_t o;

	/* 40 lines: a comment, a blank line and general lines among them */
	o = o0;
	for (int i = 0; i < 40; i++) {
		if (i == 5)
			ADD(body, sizeof(body), &o, "# a comment\n");
		if (i == 9)
			ADD(body, sizeof(body), &o, "\n");
		if (i % 13 == 7)
			ADD(body, sizeof(body), &o, "access addr=16 pgd=g%d\n", i);
		else
			ADD(body, sizeof(body), &o, "access addr=0x%x pgd=p%d\n",
			    i, i % 11);
	}
	check_same(body, base + 40, false);

	/* names of 16, 17, 64, 65 and 200 bytes, some again, in one run */
	static const int lens[] = {16, 17, 64, 65, 200, 3, 17, 65, 200, 16,
				   64, 1, 200, 17, 65, 64, 16, 2, 17, 65};
	o = o0;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ADD(body, sizeof(body), &o, "pgd_alloc pgd=");
		for (int j = 0; j < lens[i]; j++)
			ADD(body, sizeof(body), &o, "%c", 'a' + (j * 7 + lens[i]) % 26);
		ADD(body, sizeof(body), &o, " mm=m%zu\n", i % 3);
	}
	check_same(body, base + (int)(sizeof(lens) / sizeof(lens[0])), false);

	/* converted lines: three names each, comms of 15, 64 and 65 bytes */
	o = o0;
	for (int i = 0; i < 40; i++) {
		int clen = i % 5 == 3 ? 64 : i % 7 == 2 ? 65 : 15;
		ADD(body, sizeof(body), &o,
		    "pgd_alloc pgd=q%d mm=m%d t=%d.%06d cpu=%d pid=%d comm=",
		    i % 13, i % 4, 7 + i / 10, 100 * i, i % 3, 100 + i % 9);
		for (int j = 0; j < clen; j++)
			ADD(body, sizeof(body), &o, "%c", 'a' + (j + i % 4) % 26);
		ADD(body, sizeof(body), &o, "\n");
		if (i % 6 == 5)
			ADD(body, sizeof(body), &o, "task t=%d.%06d pid=%d comm=c%d\n",
			    7 + i / 10, 100 * i + 1, i, i % 5);
	}
	check_same(body, base + 40 + 6, false);

	/* an error after more fast lines than are read ahead */
	o = o0;
	for (int i = 0; i < 30; i++)
		ADD(body, sizeof(body), &o, "switch pgd=p%d cpu=%d\n", i, i);
	ADD(body, sizeof(body), &o, "switch pgd=x cpu=99999\naccess addr=0x1\n");
	check_same(body, base + 30, true);

	/* a machine line after events: refused at its own line */
	o = o0;
	for (int i = 0; i < 20; i++)
		ADD(body, sizeof(body), &o, "vfree addr=0x%x\n", 4096 * i);
	ADD(body, sizeof(body), &o, "machine nx=1\nvfree addr=0x1\n");
	check_same(body, base + 20, true);
}

static void test_ahead(void)
{
	test_ahead_after(0);
	test_ahead_after(4200);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pgt-trace-fast-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	test_lines();
	test_steps();
	test_ahead();
	snprintf(path_buf, sizeof(path_buf), "%s/case.trace", dir);
	unlink(path_buf);
	rmdir(dir);
	return test_summary();
}
