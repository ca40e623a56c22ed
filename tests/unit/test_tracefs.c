/* SPDX-License-Identifier: MIT */
/*
 * The tracefs undo log (cli/tracefs.c) in its real-tracefs mode, run over
 * plain files so that what it writes can be read back: settings go back as
 * values (the selected trace_clock, buffer_size_kb's expanded size), probes
 * are removed with "-:GROUP/EVENT" lines appended to kprobe_events, newest
 * change first.  (The plain-fixture mode is covered end to end by
 * tests/scripts/record-fixture.sh.)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tracefs.c"
#include "test_util.h"

static char dir[] = "/tmp/pgt-tracefs-XXXXXX";

static void put(const char *file, const char *s)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		abort();
	FILE *f = fopen(p, "w");
	if (!f || fputs(s, f) < 0 || fclose(f))
		abort();
	free(p);
}

static void check_file(struct tracefs *t, const char *file, const char *want)
{
	char *got;
	if (!CHECK_OK(tracefs_read(t, file, &got)))
		return;
	CHECK_EQ_STR(got, want);
	free(got);
}

static void test_values(void)
{
	char *v = value_of("trace_clock", "[local] global counter uptime\n");
	CHECK_EQ_STR(v, "local\n");
	free(v);
	v = value_of("trace_clock", "local [global] counter\n");
	CHECK_EQ_STR(v, "global\n");
	free(v);
	v = value_of("buffer_size_kb", "7 (expanded: 1408)\n");
	CHECK_EQ_STR(v, "1408\n");
	free(v);
	v = value_of("buffer_size_kb", "16384\n");
	CHECK_EQ_STR(v, "16384\n");
	free(v);
	v = value_of("events/sched/sched_process_fork/enable", "0*\n");
	CHECK_EQ_STR(v, "0\n");
	free(v);
	v = value_of("tracing_on", "1\n");
	CHECK_EQ_STR(v, "1\n");
	free(v);
}

static void test_real_mode_undo(void)
{
	put("kprobe_events", "p:kprobes/theirs do_sys_open\n");
	put("trace_clock", "[local] global counter\n");
	put("buffer_size_kb", "7 (expanded: 1408)\n");
	put("tracing_on", "1\n");
	put("trace_marker", "");
	struct tracefs t;
	if (!CHECK_OK(tracefs_open(dir, &t)))
		return;
	CHECK(t.plain); /* /tmp is no tracefs */
	t.plain = false; /* ... but undo as on one */
	CHECK_OK(tracefs_set(&t, "tracing_on", "0\n"));
	CHECK_OK(tracefs_set(&t, "buffer_size_kb", "16384\n"));
	CHECK_OK(tracefs_set(&t, "trace_clock", "global\n"));
	CHECK_OK(tracefs_add_probe(&t, "p:pgt/a f1", "pgt", "a"));
	CHECK_OK(tracefs_add_probe(&t, "r:pgt/b f2", "pgt", "b"));
	CHECK_OK(tracefs_mark(&t, "PHASE x\n"));
	/* kprobe_events is appended to, in both modes. */
	check_file(&t, "kprobe_events",
		   "p:kprobes/theirs do_sys_open\np:pgt/a f1\nr:pgt/b f2\n");
	check_file(&t, "trace_marker", "PHASE x\n");
	CHECK_EQ_U64(t.nundo, 5); /* the marker is nothing to undo there */
	CHECK_OK(tracefs_restore(&t));
	CHECK_EQ_U64(t.nundo, 0);
	/* Probes removed newest first, other probes untouched. */
	check_file(&t, "kprobe_events",
		   "p:kprobes/theirs do_sys_open\np:pgt/a f1\nr:pgt/b f2\n"
		   "-:pgt/b\n-:pgt/a\n");
	check_file(&t, "tracing_on", "1\n");
	/*
	 * Settings are written without O_TRUNC, as tracefs wants: on these
	 * plain files the value overwrites the start, so compare prefixes.
	 */
	char *clock;
	if (CHECK_OK(tracefs_read(&t, "trace_clock", &clock))) {
		CHECK(!strncmp(clock, "local\n", 6));
		free(clock);
	}
	char *size;
	if (CHECK_OK(tracefs_read(&t, "buffer_size_kb", &size))) {
		CHECK(!strncmp(size, "1408\n", 5));
		free(size);
	}
	tracefs_close(&t);
}

static void test_errors(void)
{
	struct tracefs t;
	if (!CHECK_OK(tracefs_open(dir, &t)))
		return;
	/* A file tracefs lacks is not created. */
	CHECK_ERR(tracefs_set(&t, "events/none/enable", "1\n"), PGT_ERROR_IO, NULL);
	CHECK(!tracefs_exists(&t, "events/none/enable"));
	CHECK_EQ_U64(t.nundo, 0);
	tracefs_close(&t);
	char *missing;
	if (asprintf(&missing, "%s/none", dir) < 0)
		abort();
	CHECK_ERR(tracefs_open(missing, &t), PGT_ERROR_IO, NULL);
	free(missing);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	test_values();
	test_real_mode_undo();
	test_errors();
	const char *files[] = {"kprobe_events", "trace_clock", "buffer_size_kb",
			       "tracing_on", "trace_marker"};
	for (size_t i = 0; i < 5; i++) {
		char *p;
		if (asprintf(&p, "%s/%s", dir, files[i]) >= 0) {
			unlink(p);
			free(p);
		}
	}
	rmdir(dir);
	return test_summary();
}
