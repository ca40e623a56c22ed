/* SPDX-License-Identifier: MIT */
/* The ftrace text reader: line shapes, pairing, errors, the probe set. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/ftrace.h"
#include "test_util.h"

/* pgt_ftrace_next(), the event copied out */
static struct pgt_error *next_event(struct pgt_ftrace *ft, struct pgt_event *ret,
				    bool *eof_ret)
{
	const struct pgt_event *ev;
	struct pgt_error *err = pgt_ftrace_next(ft, &ev, eof_ret);
	if (!err && !*eof_ret)
		*ret = *ev;
	return err;
}

/* A reader over @text written to a temporary file. */
struct fixture {
	char path[64];
	struct pgt_lineio *in;
	struct pgt_strtab *tab;
	struct pgt_ftrace *ft;
};

static void open_text(struct fixture *f, const char *text)
{
	strcpy(f->path, "/tmp/pgt-test-ftrace-XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || close(fd)) {
		perror("write");
		exit(2);
	}
	if (pgt_lineio_open(f->path, &f->in) || pgt_strtab_create(&f->tab) ||
	    pgt_ftrace_create(f->in, f->tab, &f->ft)) {
		fprintf(stderr, "cannot open the fixture\n");
		exit(2);
	}
}

static void close_text(struct fixture *f)
{
	pgt_ftrace_destroy(f->ft);
	pgt_strtab_destroy(f->tab);
	pgt_lineio_close(f->in);
	unlink(f->path);
}

/* Read every event; returns the error message (malloc'd) or NULL. */
static char *read_all(struct fixture *f, struct pgt_event *evs, size_t max,
		      size_t *n_ret)
{
	size_t n = 0;
	for (;;) {
		struct pgt_event ev;
		bool eof;
		struct pgt_error *err = next_event(f->ft, &ev, &eof);
		if (err) {
			char *msg = strdup(err->message);
			pgt_error_destroy(err);
			*n_ret = n;
			return msg;
		}
		if (eof)
			break;
		if (n < max)
			evs[n] = ev;
		n++;
	}
	*n_ret = n;
	return NULL;
}

static const char *str(struct fixture *f, uint32_t id)
{
	return pgt_strtab_get(f->tab, id);
}

static void test_detect(void)
{
	static const char *yes[] = {
		"# tracer: nop",
		"cpus=2",
		"          <idle>-0       [000] ...1.     0.325944: sched_process_fork: comm=swapper/0 pid=0 child_comm=swapper/0 child_pid=1",
		"  my-proc x-123 [001] 12.345678: pgd_alloc: (pgd_alloc+0x0/0x2f0) mm=0xc4c8e6c0",
	};
	static const char *no[] = {
		"# pgtrace-trace 1", "pgd_alloc pgd=1", "", "cpus=", "hello [000] world",
		"comm-12 [000] ..... 1.5 event: no colon after the time",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(pgt_ftrace_detect(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!pgt_ftrace_detect(no[i], strlen(no[i])));
}

static void test_events(void)
{
	struct fixture f;
	open_text(&f,
		  "# tracer: nop\n"
		  "#\n"
		  " kworker/u4:1-28    [001] d..1.   1.000001: pgd_alloc: (pgd_alloc+0x0/0x2f0) mm=0xc4c8e6c0\n"
		  "  my-proc x-123 (    123) [000] .....   1.000002: pgd_alloc: (pgd_alloc+0x0/0x2f0) mm=0xC4C8E000\n"
		  "          <idle>-0       [000] ..s1.   1.000003: sched_switch: prev_comm=a prev_pid=1\n"
		  "  my-proc x-123 [001]   1.000004123: pgd_alloc_ret: (mm_init+0x15f/0x2b0 <- pgd_alloc) ret=0xc4d3e000\n"
		  " kworker/u4:1-28    [001] d..1.   1.000005: pgd_alloc_ret: (mm_init+0x15f/0x2b0 <- pgd_alloc) ret=0x0\n"
		  "            init-1       [000] .....     1.797144: alloc_va: (alloc_vmap_area+0x0/0x7b0) size=0x2000 align=0x1000 vstart=0xd07e0000 vend=0xfeffe000\n"
		  "            init-1       [000] .....     1.797221: alloc_va_ret: (__get_vm_area_node.constprop.0+0x8c/0x120 <- alloc_vmap_area) va=0xc46dda60 start=0xd07ef000 end=0xd07f2000\n"
		  "            init-1       [000] .....     1.797222: alloc_va_ret: (new_vmap_block+0x8c/0x120 <- alloc_vmap_area) va=0xc46dda60 start=0xd0800000 end=0xd0840000\n"
		  "            init-1       [000] .....     1.797223: alloc_va_ret: (__get_vm_area_node.constprop.0+0x8c/0x120 <- alloc_vmap_area) va=0xfffffff4 start=0x0 end=0x0\n"
		  "  modprobe-411 [000] ..... 5.0: cpa: (__change_page_attr_set_clr+0x0/0x1060) cpa=0xc31c5e88 alias=1 vaddr=0xd07ff000 pgd=0x0 set=0x0 clr=0x2 n=3 flags=0x0\n"
		  "  modprobe-411 [000] ..... 5.1: cpa: (__change_page_attr_set_clr+0x0/0x1060) cpa=0xc31c5e88 alias=0 vaddr=0xc4f05000 pgd=0x0 set=0x8000000000000000 clr=0x2 n=1 flags=0x1\n"
		  "  modprobe-411 [000] ..... 5.2: cpa: (__change_page_attr_set_clr+0x0/0x1060) cpa=0xc31c5e88 alias=0 vaddr=0xc4f05000 pgd=0x0 set=0x0 clr=0x2 n=0 flags=0x0\n"
		  "  modprobe-411 [000] ..... 4.9: set_pmd_pte: (__set_pmd_pte+0x0/0xa0) kpte=0xc1e94070 addr=0xc1da4000 pte=0x8000000002025063\n"
		  "  rmmod-527 [001] ..... 6.0: module_free: xfs\n"
		  "  init-1 [001] ..... 6.1: tracing_mark_write: PHASE final sleepers  \n"
		  "  <...>-411 [001] ..... 6.2: sched_process_exit: comm=modprobe pid=411 prio=120\n"
		  "  <...>-411 [001] ..... 6.3: pgd_free: (pgd_free+0x0/0x100) mm=0xc4c8e000 pgd=0xc4d3e000\n"
		  "  bash-7 [000] d.... 6.4: page_fault_kernel: address=0xd0812345 ip=vfree error_code=0x2\n"
		  " => __schedule\n");
	struct pgt_event ev[32];
	size_t n;
	char *msg = read_all(&f, ev, 32, &n);
	CHECK(!msg);
	free(msg);
	CHECK(n == 10);
	if (n != 10)
		goto out;
	/* Paired by pid across cpus; the failed allocation makes nothing. */
	CHECK(ev[0].op == PGT_OP_PGD_ALLOC);
	CHECK(!strcmp(str(&f, ev[0].pgd), "0xc4d3e000"));
	CHECK(!strcmp(str(&f, ev[0].mm), "0xc4c8e000"));
	CHECK(ev[0].pid == 123 && ev[0].cpu == 1);
	CHECK(!strcmp(str(&f, ev[0].comm), "my-proc x"));
	CHECK(ev[0].t_ns == UINT64_C(1000004123));
	CHECK(ev[0].line == 6);
	/* Guard page off for __get_vm_area_node, not for new_vmap_block. */
	CHECK(ev[1].op == PGT_OP_VMALLOC && ev[1].addr == 0xd07ef000 &&
	      ev[1].size == 0x2000);
	CHECK(ev[2].op == PGT_OP_VMALLOC && ev[2].addr == 0xd0800000 &&
	      ev[2].size == 0x40000);
	/* The vmalloc-area cpa and the 0-page one are skipped. */
	CHECK(ev[3].op == PGT_OP_CPA && ev[3].addr == 0xc4f05000 &&
	      ev[3].pages == 1 && ev[3].prot == PGT_PROT_SETCLR &&
	      ev[3].set == UINT64_C(0x8000000000000000) && ev[3].clr == 2);
	/* Backwards time is raised to the previous one. */
	CHECK(ev[4].op == PGT_OP_SET_PMD && ev[4].addr == 0xc1da4000 &&
	      ev[4].prot_raw == UINT64_C(0x8000000002025063));
	CHECK(ev[4].t_ns == UINT64_C(5200000000));
	CHECK(pgt_ftrace_backwards(f.ft) == 1);
	CHECK(ev[5].op == PGT_OP_MODULE && !strcmp(str(&f, ev[5].label), "xfs"));
	CHECK(ev[6].op == PGT_OP_LABEL &&
	      !strcmp(str(&f, ev[6].label), "PHASE final sleepers"));
	CHECK(ev[7].op == PGT_OP_TASK && ev[7].pid == 411 &&
	      !strcmp(str(&f, ev[7].comm), "modprobe"));
	/* "<...>" takes the comm the task events told. */
	CHECK(ev[8].op == PGT_OP_PGD_FREE &&
	      !strcmp(str(&f, ev[8].comm), "modprobe"));
	CHECK(ev[9].op == PGT_OP_FAULT && ev[9].addr == 0xd0812345 &&
	      !ev[9].has_ip && ev[9].has_error && ev[9].error == 2);
	/* sched_switch, ret=0, alloc_va, failed alloc_va_ret, 2 cpas, stack. */
	CHECK(pgt_ftrace_skipped(f.ft) == 7);
out:
	close_text(&f);
}

static void expect_error(const char *body, const char *what)
{
	struct fixture f;
	char *text;
	if (asprintf(&text, "# tracer: nop\n%s\n", body) < 0)
		exit(2);
	open_text(&f, text);
	free(text);
	struct pgt_event ev[4];
	size_t n;
	char *msg = read_all(&f, ev, 4, &n);
	char *want;
	if (asprintf(&want, "%s:2: %s", f.path, what) < 0)
		exit(2);
	if (!msg || strcmp(msg, want)) {
		fprintf(stderr, "expected '%s'\n     got '%s'\n", want,
			msg ? msg : "(no error)");
		test_fail_();
	}
	free(want);
	free(msg);
	close_text(&f);
}

static void test_errors(void)
{
	expect_error("a-1 [000] ..... 1.0: pgd_free: (pgd_free+0x0/0x100) mm=0x1000",
		     "pgd_free: missing field 'pgd='");
	expect_error("a-1 [000] ..... 1.0: pgd_free: (pgd_free+0x0/0x100) mm=0x1000 pgd=(fault)",
		     "pgd_free: bad value for 'pgd': '(fault)'");
	expect_error("a-1 [000] ..... 1.0: sync_kmap: (x) start=0x2000 end=0x1000",
		     "sync_kmap: bad range 0x2000-0x1000 (not page-aligned and increasing)");
	expect_error("a-1 [000] ..... 1.0: module_load: ",
		     "module_load: missing module name");
	expect_error("CPU:0 [LOST 7 EVENTS]",
		     "CPU:0 [LOST 7 EVENTS]: the trace is incomplete (enlarge buffer_size_kb)");
	expect_error("a-1 [000] ..... 1.0: cpa: (x) cpa=0x1 alias=0 vaddr=0xc0000010 pgd=0x0 set=0x0 clr=0x0 n=1 flags=0x0",
		     "cpa: vaddr 0xc0000010 is not page-aligned");
	expect_error("a-1 [000] ..... 1.0: print: no symbol here",
		     "print: expected 'SYMBOL: TEXT'");
}

/*
 * Every event `pgtrace probes` prints is one the reader knows, and a line
 * with the fields its definition fetches parses without error.
 */
static void test_probes(void)
{
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		CHECK(pgt_ftrace_known_event(p[i].event, strlen(p[i].event)));
		if (!p[i].definition)
			continue;
		/* "p:pgt/NAME FUNC KEY=FETCH..." */
		const char *d = p[i].definition;
		CHECK(d[0] == 'p' || d[0] == 'r');
		const char *slash = strchr(d, '/'), *sp = strchr(d, ' ');
		CHECK(slash && sp && slash < sp);
		if (!slash || !sp)
			continue;
		CHECK(!strncmp(d + 2, "pgt/", 4));
		CHECK((size_t)(sp - slash - 1) == strlen(p[i].event) &&
		      !strncmp(slash + 1, p[i].event, strlen(p[i].event)));
		/* A line with every fetched KEY, values increasing (start < end). */
		unsigned val = 0;
		char line[1024];
		int len = snprintf(line, sizeof(line),
				   "x-9 [000] ..... 1.0: %s: (f+0x0/0x10)", p[i].event);
		for (const char *s = strchr(sp + 1, ' '); s; s = strchr(s + 1, ' ')) {
			const char *eq = strchr(s + 1, '=');
			const char *next = strchr(s + 1, ' ');
			if (!eq || (next && eq > next))
				continue;
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					" %.*s=0x%x000", (int)(eq - s - 1), s + 1,
					++val);
		}
		char *text;
		/* A return needs its entry first. */
		const char *entry = !strcmp(p[i].event, "pgd_alloc_ret")
			? "x-9 [000] ..... 1.0: pgd_alloc: (f) mm=0x1000\n" : "";
		if (asprintf(&text, "# tracer: nop\n%s%s\n", entry, line) < 0)
			exit(2);
		struct fixture f;
		open_text(&f, text);
		struct pgt_event ev[2];
		size_t k;
		char *msg = read_all(&f, ev, 2, &k);
		if (msg) {
			fprintf(stderr, "probe %s: %s\n", p[i].event, msg);
			test_fail_();
		}
		free(msg);
		free(text);
		close_text(&f);
	}
	CHECK(pgt_ftrace_known_event("tracing_mark_write", 18));
	CHECK(!pgt_ftrace_known_event("sched_switch", 12));
}

/* The real recordings, when the shared data is there. */
static void test_real(void)
{
	const char *shared = getenv("PGT_SHARED");
	if (!shared)
		return;
	char *path;
	if (asprintf(&path, "%s/real/pti/trace.txt.gz", shared) < 0)
		exit(2);
	if (access(path, R_OK)) {
		free(path);
		return;
	}
	struct fixture f;
	if (pgt_lineio_open(path, &f.in) || pgt_strtab_create(&f.tab) ||
	    pgt_ftrace_create(f.in, f.tab, &f.ft))
		exit(2);
	strcpy(f.path, "/nonexistent");
	uint64_t ops[PGT_OP__COUNT] = {0};
	for (;;) {
		struct pgt_event ev;
		bool eof;
		struct pgt_error *err = next_event(f.ft, &ev, &eof);
		if (err) {
			fprintf(stderr, "%s\n", err->message);
			pgt_error_destroy(err);
			test_fail_();
			break;
		}
		if (eof)
			break;
		ops[ev.op]++;
	}
	CHECK(ops[PGT_OP_PGD_ALLOC] == 1126);
	CHECK(ops[PGT_OP_PGD_FREE] == 1119);
	CHECK(ops[PGT_OP_VMALLOC] == 295);
	CHECK(ops[PGT_OP_VFREE] == 271);
	CHECK(ops[PGT_OP_CPA] == 7706);
	CHECK(ops[PGT_OP_SYNC_RANGE] == 5);
	CHECK(ops[PGT_OP_SET_PMD] == 15);
	CHECK(ops[PGT_OP_LABEL] == 18);
	CHECK(ops[PGT_OP_MODULE] == 135);
	CHECK(pgt_ftrace_skipped(f.ft) == 3902);
	CHECK(pgt_ftrace_backwards(f.ft) == 0);
	pgt_ftrace_destroy(f.ft);
	pgt_strtab_destroy(f.tab);
	pgt_lineio_close(f.in);
	free(path);
}

/*
 * Halves of pgd_alloc pairs: a return whose entry came before the
 * recording allocates with an unknown mm and is counted; entries never
 * returned are counted at the end with the first line; many tasks waiting
 * at once pair by pid.
 */
static void test_pairs(void)
{
	struct fixture f;
	open_text(&f, "# tracer: nop\n"
		  "a-7 [000] ..... 1.000001: pgd_alloc_ret: (x <- pgd_alloc) ret=0x1000\n"
		  "b-8 [001] ..... 1.000002: pgd_alloc: (x) mm=0x2000\n"
		  "c-9 [000] ..... 1.000003: pgd_alloc: (x) mm=0x3000\n"
		  "c-9 [001] ..... 1.000004: pgd_alloc_ret: (x <- pgd_alloc) ret=0x4000\n"
		  "d-0 [001] ..... 1.000005: pgd_alloc: (x) mm=0x5000\n");
	struct pgt_event ev;
	bool eof = false;
	CHECK(!next_event(f.ft, &ev, &eof) && !eof);
	CHECK(ev.op == PGT_OP_PGD_ALLOC && ev.mm == 0 && ev.line == 2);
	CHECK_EQ_STR(pgt_strtab_get(f.tab, ev.pgd), "0x1000");
	CHECK(!next_event(f.ft, &ev, &eof) && !eof);
	CHECK(ev.op == PGT_OP_PGD_ALLOC && ev.line == 5);
	CHECK_EQ_STR(pgt_strtab_get(f.tab, ev.mm), "0x3000");
	CHECK(!next_event(f.ft, &ev, &eof) && eof);
	struct pgt_ftrace_pairs pairs;
	pgt_ftrace_pairs(f.ft, &pairs);
	CHECK_EQ_U64(pairs.orphan_returns, 1);
	CHECK_EQ_U64(pairs.first_orphan_line, 2);
	CHECK_EQ_U64(pairs.unmatched_entries, 2);
	CHECK_EQ_U64(pairs.first_unmatched_line, 3);
	close_text(&f);

	/* 20000 tasks inside pgd_alloc at once, returning in another order. */
	size_t n = 20000, cap = n * 2 * 96 + 64, len = 0;
	char *text = malloc(cap);
	if (!text)
		exit(2);
	len += (size_t)snprintf(text + len, cap - len, "# tracer: nop\n");
	for (size_t i = 1; i <= n; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"t-%zu [000] ..... 1.0: pgd_alloc: (x) mm=0x%zx\n", i, i << 12);
	for (size_t i = n; i >= 1; i -= 2)
		len += (size_t)snprintf(text + len, cap - len,
			"t-%zu [001] ..... 2.0: pgd_alloc_ret: (x <- pgd_alloc) ret=0x%zx\n", i, i << 12);
	open_text(&f, text);
	free(text);
	size_t allocs = 0, right_mm = 0;
	struct pgt_error *err;
	while (!(err = next_event(f.ft, &ev, &eof)) && !eof) {
		allocs += ev.op == PGT_OP_PGD_ALLOC;
		right_mm += !strcmp(pgt_strtab_get(f.tab, ev.mm), pgt_strtab_get(f.tab, ev.pgd));
	}
	CHECK(!err);
	CHECK_EQ_U64(allocs, n / 2);
	CHECK_EQ_U64(right_mm, n / 2);
	pgt_ftrace_pairs(f.ft, &pairs);
	CHECK_EQ_U64(pairs.orphan_returns, 0);
	CHECK_EQ_U64(pairs.unmatched_entries, n / 2);
	CHECK_EQ_U64(pairs.first_unmatched_line, 2);
	close_text(&f);
}

/*
 * The reader parses ahead of the events it hands out; what it reports
 * besides them (skipped lines, pairs, orphan returns) is as of the event
 * last handed out, as if it read line by line.  By hand: line 2 an entry
 * (waiting), 3 its return (event 1), 4 an entry (waiting), 5 an event no
 * handler knows (skipped), 6 a return without entry (event 2, an orphan),
 * 7 line 4's return (event 3).
 */
static void test_read_ahead(void)
{
	struct fixture f;
	open_text(&f, "# tracer: nop\n"
		  "a-7 [000] ..... 1.000001: pgd_alloc: (x) mm=0x1000\n"
		  "a-7 [000] ..... 1.000002: pgd_alloc_ret: (x <- pgd_alloc) ret=0x2000\n"
		  "b-8 [001] ..... 1.000003: pgd_alloc: (x) mm=0x3000\n"
		  "b-8 [001] ..... 1.000004: other_event: x=1\n"
		  "c-9 [000] ..... 1.000005: pgd_alloc_ret: (x <- pgd_alloc) ret=0x4000\n"
		  "b-8 [001] ..... 1.000006: pgd_alloc_ret: (x <- pgd_alloc) ret=0x5000\n");
	struct pgt_event ev;
	struct pgt_ftrace_pairs pairs;
	bool eof = false;
	static const struct {
		uint64_t line, skipped, orphans, unmatched, first_unmatched;
	} want[] = {
		{3, 0, 0, 0, 0},
		{6, 1, 1, 1, 4},
		{7, 1, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(!next_event(f.ft, &ev, &eof) && !eof);
		CHECK_EQ_U64(ev.line, want[i].line);
		CHECK_EQ_U64(pgt_ftrace_skipped(f.ft), want[i].skipped);
		pgt_ftrace_pairs(f.ft, &pairs);
		CHECK_EQ_U64(pairs.orphan_returns, want[i].orphans);
		CHECK_EQ_U64(pairs.first_orphan_line, want[i].orphans ? 6 : 0);
		CHECK_EQ_U64(pairs.unmatched_entries, want[i].unmatched);
		CHECK_EQ_U64(pairs.first_unmatched_line, want[i].first_unmatched);
	}
	CHECK(!next_event(f.ft, &ev, &eof) && eof);
	CHECK_EQ_U64(pgt_ftrace_skipped(f.ft), 1);
	close_text(&f);
}

/*
 * Timestamps: at most 10 digits of seconds, so never past 2^64 ns nor
 * PGT_NO_TIME; an 11-digit one makes the line no event line.
 */
static void test_stamps(void)
{
	struct fixture f;
	open_text(&f, "# tracer: nop\n"
		  "a-1 [000] ..... 9999999999.999999999: module_load: m\n"
		  "a-1 [000] ..... 10000000000.000000: module_load: m\n");
	struct pgt_event ev;
	bool eof = false;
	CHECK(!next_event(f.ft, &ev, &eof) && !eof);
	CHECK_EQ_U64(ev.t_ns, UINT64_C(9999999999999999999));
	struct pgt_error *err = next_event(f.ft, &ev, &eof);
	CHECK(err && strstr(err->message, ":3: not an ftrace event line"));
	pgt_error_destroy(err);
	close_text(&f);
}

/*
 * The scans the reader speeds up, on lines where a careless one goes
 * wrong: a key inside or at the end of another token, tabs, nested and
 * unclosed probe locations, long runs of blanks, number limits, and the
 * "0x%x" spelling of interned ids.
 */
static void test_scans(void)
{
	struct fixture f;
	open_text(&f,
		  "# tracer: nop\n"
		  "  a-1 [000] ..... 1.0: pgd_alloc: (pgd_alloc+0x0/0x2f0) xmm=0x5 mmx=0x6 mm=0x00007000\n"
		  "  a-1 [000] ..... 1.1: pgd_alloc_ret: (x(y)z) ret=0xABCDEF00\n"
		  "\t\t                 b c-22 [001] ..... 1.2: pgd_free: (pgd_free+0x0/0x100\tmm=0x0\tpgd=0xffffffff\n"
		  "  a-1 [000] ..... 1.3: cpa: (c) cpa=0x1 alias=-1 vaddr=0xc4f05000 pgd=0x0 set=0xffffffffffffffff clr=18446744073709551615 n=4294967295 flags=0x0\n"
		  "  a-1 [000] ..... 1.4: sched_process_exit: comm=my task pid=99 prio=120\n"
		  /* the first of a key wins; tokens without '=' are no field */
		  "  a-1 [000] ..... 1.5: pgd_free: (x) junk mm=0x1 xpgd=0x2 pgd=0x8000 pgd=0x9000\n"
		  /* a key after many other fields */
		  "  a-1 [000] ..... 1.6: pgd_free: (x) t0=0 t1=1 t2=2 t3=3 t4=4 t5=5 t6=6 t7=7 t8=8 t9=9"
		  " t10=a t11=b t12=c t13=d t14=e t15=f t16=g mm=0x3 pgd=0xa000\n"
		  /* a value with '=' in it is the whole token after the first */
		  "  a-1 [000] ..... 1.7: pgd_free: (x) mm=0x4 a=b=c pgd=0xb000\n");
	struct pgt_event ev[8];
	size_t n;
	char *msg = read_all(&f, ev, 8, &n);
	CHECK_EQ_STR(msg ? msg : "", "");
	free(msg);
	CHECK_EQ_U64(n, 7);
	if (n == 7) {
		CHECK_EQ_STR(str(&f, ev[4].mm), "0x1");
		CHECK_EQ_STR(str(&f, ev[4].pgd), "0x8000");
		CHECK_EQ_STR(str(&f, ev[5].mm), "0x3");
		CHECK_EQ_STR(str(&f, ev[5].pgd), "0xa000");
		CHECK_EQ_STR(str(&f, ev[6].pgd), "0xb000");
	}
	if (n >= 4) {
		CHECK_EQ_U64(ev[0].op, PGT_OP_PGD_ALLOC);
		CHECK_EQ_STR(str(&f, ev[0].mm), "0x7000");
		CHECK_EQ_STR(str(&f, ev[0].pgd), "0xabcdef00");
		/* an unclosed location is not skipped; the tab still parts */
		CHECK_EQ_U64(ev[1].op, PGT_OP_PGD_FREE);
		CHECK_EQ_STR(str(&f, ev[1].comm), "b c");
		CHECK_EQ_U64(ev[1].pid, 22);
		CHECK_EQ_STR(str(&f, ev[1].mm), "0x0");
		CHECK_EQ_STR(str(&f, ev[1].pgd), "0xffffffff");
		CHECK_EQ_U64(ev[2].op, PGT_OP_CPA);
		CHECK_EQ_U64(ev[2].set, UINT64_MAX);
		CHECK_EQ_U64(ev[2].clr, UINT64_MAX);
		CHECK_EQ_U64(ev[2].pages, UINT32_MAX);
		CHECK_EQ_U64(ev[3].op, PGT_OP_TASK);
		CHECK_EQ_STR(str(&f, ev[3].comm), "my task");
	}
	close_text(&f);

	expect_error("a-1 [000] ..... 1.0: cpa: (c) cpa=0x1 alias=0 vaddr=0xc4f05000 pgd=0x0 set=0x10000000000000000 clr=0x0 n=1 flags=0x0",
		     "cpa: bad value for 'set': '0x10000000000000000'");
	expect_error("a-1 [000] ..... 1.0: cpa: (c) cpa=0x1 alias=0 vaddr=0xc4f05000 pgd=0x0 set=0x0 clr=18446744073709551616 n=1 flags=0x0",
		     "cpa: bad value for 'clr': '18446744073709551616'");
	expect_error("a-1 [000] ..... 1.0: cpa: (c) cpa=0x1 alias=0 vaddr=0xc4f05000 pgd=0x0 set=0x0 clr=0x0 n=4294967296 flags=0x0",
		     "cpa: bad value for 'n': '4294967296'");
	expect_error("a-1 [000] ..... 1.0: pgd_alloc: (x) xmm=0x5 mmx=0x6",
		     "pgd_alloc: missing field 'mm='");
	expect_error("a-1 [000] ..... 1.0: pgd_alloc: (x) mm=0x1g",
		     "pgd_alloc: bad value for 'mm': '0x1g'");
	expect_error("a-1 [000] ..... 1.0: pgd_alloc: (x) mm=0x100000000",
		     "pgd_alloc: bad value for 'mm': '0x100000000'");
	expect_error("a-1 [000] ..... 1.0: pgd_free: (x) mm=0x1 pgd=0x2=3",
		     "pgd_free: bad value for 'pgd': '0x2=3'");
	expect_error("a-1 [000] ..... 1.0: pgd_free: (x) t0=0 t1=1 t2=2 t3=3 t4=4 t5=5 t6=6 t7=7"
		     " t8=8 t9=9 t10=a t11=b t12=c t13=d t14=e t15=f t16=g mm=0x3",
		     "pgd_free: missing field 'pgd='");
}

int main(void)
{
	test_detect();
	test_events();
	test_errors();
	test_pairs();
	test_read_ahead();
	test_stamps();
	test_scans();
	test_probes();
	test_real();
	return test_summary();
}
