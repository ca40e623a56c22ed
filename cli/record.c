/* SPDX-License-Identifier: MIT */
/*
 * pgtrace record: define the probe set of `pgtrace probes` in tracefs,
 * stream trace_pipe into a file while a command runs, and leave tracefs as
 * it was found, also on error or signal.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "cli/tracefs.h"
#include "formats/ftrace.h"
#include "formats/kcore.h"
#include "formats/symbols.h"
#include "json.h"

#define BUFFER_KB "16384"
#define MARK_START "PHASE start-core"
#define MARK_STARTED "PHASE start-core-done"

struct record_args {
	const char *output;
	const char *start_core;
	const char *symbols;
	const char *tracefs;
	const char *kcore;
	const char *pretend_uname; /* hidden: "MACHINE,RELEASE" for tests */
	const char *kallsyms;      /* hidden: the running kernel's symbols */
	char **cmd;                /* NULL: until SIGINT/SIGTERM */
	bool json;
};

enum {
	OPT_START_CORE = 0x100,
	OPT_SYMBOLS,
	OPT_TRACEFS,
	OPT_KCORE,
	OPT_PRETEND_UNAME,
	OPT_KALLSYMS,
	OPT_JSON,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Recording:", 1},
	{"output", 'o', "FILE", 0,
	 "write the ftrace text to FILE, gzip-compressed when it ends in .gz "
	 "(default: standard output)", 0},
	{"tracefs", OPT_TRACEFS, "DIR", 0,
	 "the tracefs to use (default /sys/kernel/tracing, else "
	 "/sys/kernel/debug/tracing); a directory of plain files with a FIFO "
	 "for trace_pipe is a test fixture, and skips the kernel check", 0},
	{NULL, 0, NULL, 0, "Start state:", 2},
	{"start-core", OPT_START_CORE, "FILE", 0,
	 "once the probes record, copy the machine's RAM from kcore into FILE "
	 "(an ELF core by physical address) and its System.map into FILE.map", 0},
	{"symbols", OPT_SYMBOLS, "MAP", 0,
	 "the System.map of the running kernel (default "
	 "/boot/System.map-RELEASE)", 0},
	{"kcore", OPT_KCORE, "FILE", 0, "the kcore to copy (default /proc/kcore)",
	 0},
	{"pretend-uname", OPT_PRETEND_UNAME, "MACHINE,RELEASE", OPTION_HIDDEN,
	 "check this kernel instead of uname's (tests)", 0},
	{"kallsyms", OPT_KALLSYMS, "FILE", OPTION_HIDDEN,
	 "the running kernel's kallsyms to check the System.map against "
	 "(default /proc/kallsyms; none with --tracefs)", 0},
	{NULL, 0, NULL, 0, "Output:", 3},
	{"json", OPT_JSON, NULL, 0, "print the summary as one JSON object", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;
	switch (key) {
	case 'o':
		a->output = arg;
		return 0;
	case OPT_START_CORE:
		a->start_core = arg;
		return 0;
	case OPT_SYMBOLS:
		a->symbols = arg;
		return 0;
	case OPT_TRACEFS:
		a->tracefs = arg;
		return 0;
	case OPT_KCORE:
		a->kcore = arg;
		return 0;
	case OPT_PRETEND_UNAME:
		if (!strchr(arg, ','))
			argp_error(state, "--pretend-uname takes MACHINE,RELEASE");
		a->pretend_uname = arg;
		return 0;
	case OPT_KALLSYMS:
		a->kallsyms = arg;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		/* The command and all its arguments, options included. */
		a->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		return 0;
	case ARGP_KEY_END:
		if (a->start_core && a->output && !strcmp(a->start_core, a->output))
			argp_error(state, "--start-core and --output name the same file");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Record the events pgtrace replays on this running x86-32 PAE kernel "
	"while CMD runs (or until SIGINT or SIGTERM without one).\v"
	"As root: defines the kprobe events of 'pgtrace probes' (group pgt) in "
	"kprobe_events, enables them and the tracepoints, sets buffer_size_kb "
	"to " BUFFER_KB " and trace_clock to global, turns tracing_on on and "
	"streams trace_pipe into the output until CMD exits.  Then it turns "
	"tracing off, reads what is left, disables the events, removes its "
	"probes and puts every setting back as it found it (also after an "
	"error, SIGINT, SIGTERM or SIGHUP, which it passes on to CMD).  "
	"Probes of group pgt that are already defined are refused (another "
	"recording?).  --start-core copies the RAM in /proc/kcore (lowmem) "
	"between the markers '" MARK_START "' and '" MARK_STARTED "', with "
	"the recording running: the image is the machine's state when the "
	"recording began, for replay --start-core.  The output is ftrace "
	"text that replay, convert and check read as is.  A summary goes to "
	"standard output, or standard error when the trace goes to standard "
	"output.  The kernel must be i386..i686 with CONFIG_X86_PAE (from "
	"/boot/config-RELEASE or /proc/config.gz)."
	PGT_EXIT_DOC;

static const struct argp argp = {options, parse_opt, "[-- CMD [ARG...]]", doc,
				 NULL, NULL, NULL};

/*
 * Is CONFIG_X86_PAE=y in kernel @release's config?  -1: cannot tell.
 * /proc/config.gz is the running kernel's, so only for @running.
 */
static int config_pae(const char *release, bool running, char *where,
		      size_t len)
{
	char path[300];
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	const char *paths[] = {path, "/proc/config.gz"};
	for (size_t i = 0; i < (running ? 2u : 1u); i++) {
		gzFile f = gzopen(paths[i], "rb"); /* reads plain files too */
		if (!f)
			continue;
		snprintf(where, len, "%s", paths[i]);
		char line[256];
		int pae = 0;
		while (gzgets(f, line, sizeof(line)))
			if (!strcmp(line, "CONFIG_X86_PAE=y\n"))
				pae = 1;
		gzclose(f);
		return pae;
	}
	return -1;
}

static struct pgt_error *check_kernel(const char *pretend)
{
	struct utsname u;
	char machine[65], release[65];
	if (pretend) {
		snprintf(machine, sizeof(machine), "%.*s",
			 (int)strcspn(pretend, ","), pretend);
		snprintf(release, sizeof(release), "%s", strchr(pretend, ',') + 1);
	} else {
		if (uname(&u))
			return pgt_error_create(PGT_ERROR_IO, "uname: %s", strerror(errno));
		snprintf(machine, sizeof(machine), "%s", u.machine);
		snprintf(release, sizeof(release), "%s", u.release);
	}
	if (strlen(machine) != 4 || machine[0] != 'i' || machine[1] < '3' ||
	    machine[1] > '6' || strcmp(machine + 2, "86"))
		return pgt_error_create(
			PGT_ERROR_INVALID,
			"record: this kernel (%s %s) is not x86-32: pgtrace records and models x86-32 PAE page tables (an i386..i686 kernel with CONFIG_X86_PAE, such as Debian's 686-pae)",
			machine, release);
	char where[300];
	int pae = config_pae(release, !pretend, where, sizeof(where));
	if (pae == 0)
		return pgt_error_create(
			PGT_ERROR_INVALID,
			"record: this kernel (%s %s) is x86-32 without PAE (%s has no CONFIG_X86_PAE=y): pgtrace models PAE page tables only",
			machine, release, where);
	if (pae < 0 && !strstr(release, "pae"))
		return pgt_error_create(
			PGT_ERROR_INVALID,
			"record: cannot tell whether this kernel (%s %s) uses PAE: neither /boot/config-%s nor /proc/config.gz is readable, and its release does not say pae",
			machine, release, release);
	return NULL;
}

/* The output: a FILE (stdout or a file) or a gzip stream. */
struct output {
	const char *name;
	FILE *file;
	gzFile gz;
	bool is_stdout, created;
	uint64_t bytes, lines;
};

static struct pgt_error *output_open(const char *path, struct output *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->is_stdout = !path || !strcmp(path, "-");
	ret->name = ret->is_stdout ? "<stdout>" : path;
	if (ret->is_stdout) {
		ret->file = stdout;
		return NULL;
	}
	struct stat st;
	ret->created = lstat(path, &st) ? errno == ENOENT : S_ISREG(st.st_mode);
	size_t n = strlen(path);
	if (n > 3 && !strcmp(path + n - 3, ".gz")) {
		errno = 0;
		ret->gz = gzopen(path, "wb6");
		if (!ret->gz)
			return pgt_error_create(PGT_ERROR_IO, "%s: %s", path,
						errno ? strerror(errno) : "cannot open");
	} else if (!(ret->file = fopen(path, "w"))) {
		return pgt_error_create(PGT_ERROR_IO, "%s: %s", path, strerror(errno));
	}
	return NULL;
}

static struct pgt_error *output_write(struct output *o, const char *buf,
				      size_t len)
{
	bool ok = o->gz ? gzwrite(o->gz, buf, (unsigned)len) == (int)len
			: fwrite(buf, 1, len, o->file) == len;
	if (!ok)
		return pgt_error_create(PGT_ERROR_IO, "%s: write error: %s", o->name,
					strerror(errno));
	o->bytes += len;
	for (size_t i = 0; i < len; i++)
		o->lines += buf[i] == '\n';
	return NULL;
}

static struct pgt_error *output_close(struct output *o, bool failed)
{
	struct pgt_error *err = NULL;
	if (o->gz) {
		if (gzclose(o->gz) != Z_OK)
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error", o->name);
	} else if (o->is_stdout) {
		if (fflush(stdout) || ferror(stdout))
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       o->name, strerror(errno));
	} else if (o->file && fclose(o->file)) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s", o->name,
				       strerror(errno));
	}
	/* A partial trace must not pass for a recording. */
	if ((failed || err) && o->created)
		unlink(o->name);
	return err;
}

static volatile sig_atomic_t got_signal, got_child;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_child(int sig)
{
	got_child = 1;
}

/* Copy what trace_pipe holds now (non-blocking) to the output. */
static struct pgt_error *drain(int fd, struct output *o, bool *eof)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return NULL;
		if (n < 0)
			return pgt_error_create(PGT_ERROR_IO, "trace_pipe: %s",
						strerror(errno));
		if (n == 0) {
			*eof = true;
			return NULL;
		}
		struct pgt_error *err = output_write(o, buf, (size_t)n);
		if (err)
			return err;
	}
}

/* Define the probes and enable them and the tracepoints. */
static struct pgt_error *setup(struct tracefs *t)
{
	char *events;
	struct pgt_error *err = tracefs_read(t, "kprobe_events", &events);
	if (err)
		return err;
	bool taken = strstr(events, ":pgt/") != NULL;
	free(events);
	if (taken)
		return pgt_error_create(
			PGT_ERROR_INVALID,
			"%s/kprobe_events already defines probes of group pgt (another recording?); remove them with: echo '-:pgt/EVENT' >> %s/kprobe_events",
			t->dir, t->dir);
	if ((err = tracefs_set(t, "tracing_on", "0\n")) ||
	    (err = tracefs_set(t, "buffer_size_kb", BUFFER_KB "\n")) ||
	    (err = tracefs_set(t, "trace_clock", "global\n")))
		return err;
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	for (size_t i = 0; i < n; i++)
		if (p[i].definition &&
		    (err = tracefs_add_probe(t, p[i].definition, p[i].system,
					     p[i].event)))
			return pgt_error_prefix(err, "defining %s/%s (see %s/error_log)",
						p[i].system, p[i].event, t->dir);
	if ((err = tracefs_set(t, "events/pgt/enable", "1\n")))
		return err;
	for (size_t i = 0; i < n; i++) {
		if (p[i].definition)
			continue;
		char file[128];
		snprintf(file, sizeof(file), "events/%s/%s/enable", p[i].system,
			 p[i].event);
		if (!tracefs_exists(t, file)) {
			fprintf(stderr, "pgtrace: warning: %s/%s: no such tracepoint; recording without it\n",
				t->dir, file);
			continue;
		}
		if ((err = tracefs_set(t, file, "1\n")))
			return err;
	}
	return NULL;
}

/* @name's address in a kallsyms file; false when absent or hidden (0). */
static bool kallsyms_lookup(const char *path, const char *name, uint64_t *ret)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char sym[256];
		unsigned long long addr;
		char type;
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name) && addr) {
			*ret = addr;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* --start-core: copy kcore and the System.map; names FILE.map in @map_ret. */
static struct pgt_error *start_core(const struct record_args *a,
				    struct pgt_kcore_stats *stats,
				    char **map_ret)
{
	char *map = NULL;
	struct utsname u;
	if (a->symbols) {
		map = strdup(a->symbols);
	} else if (!uname(&u)) {
		if (asprintf(&map, "/boot/System.map-%s", u.release) < 0)
			map = NULL;
	}
	if (!map)
		return &pgt_error_nomem;
	struct pgt_symbols *syms;
	struct pgt_error *err = pgt_symbols_open(map, &syms);
	if (err) {
		free(map);
		return err;
	}
	uint64_t swapper;
	bool found = pgt_symbols_lookup(syms, "swapper_pg_dir", &swapper);
	pgt_symbols_destroy(syms);
	if (!found) {
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: no swapper_pg_dir (a System.map of the running kernel is needed)",
				       map);
		free(map);
		return err;
	}
	/* Under KASLR the map's addresses are not the running kernel's. */
	const char *kallsyms = a->kallsyms ? a->kallsyms
			       : a->tracefs ? NULL : "/proc/kallsyms";
	uint64_t running;
	if (kallsyms && kallsyms_lookup(kallsyms, "swapper_pg_dir", &running) &&
	    running != swapper) {
		err = pgt_error_create(
			PGT_ERROR_INPUT,
			"%s: swapper_pg_dir is 0x%" PRIx64 " there but 0x%" PRIx64 " in %s: not the running kernel's System.map, or the kernel is relocated (KASLR: boot with nokaslr)",
			map, swapper, running, kallsyms);
		free(map);
		return err;
	}
	if ((err = pgt_kcore_copy(a->kcore ? a->kcore : "/proc/kcore",
				  a->start_core, stats))) {
		free(map);
		return err;
	}
	/* The map beside the image, so that the pair travels together. */
	char *out;
	if (asprintf(&out, "%s.map", a->start_core) < 0) {
		free(map);
		return &pgt_error_nomem;
	}
	FILE *in = fopen(map, "rb"), *o = in ? fopen(out, "wb") : NULL;
	if (!in || !o)
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", in ? out : map,
				       strerror(errno));
	char buf[65536];
	size_t n;
	while (!err && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, o) != n)
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       out, strerror(errno));
	if (!err && ferror(in))
		err = pgt_error_create(PGT_ERROR_IO, "%s: read error", map);
	if (in)
		fclose(in);
	if (o && fclose(o) && !err)
		err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s", out,
				       strerror(errno));
	free(map);
	if (err) {
		unlink(out);
		free(out);
		unlink(a->start_core);
		return err;
	}
	*map_ret = out;
	return NULL;
}

struct result {
	pid_t child;
	int status;      /* waitpid status, when child ran */
	bool child_done;
	int signal;      /* the signal that stopped the recording, or 0 */
	struct pgt_kcore_stats core;
	char *map;
};

static pid_t start_command(char **cmd, const sigset_t *orig, bool trace_on_stdout)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	/* The trace owns standard output: the command gets standard error. */
	if (trace_on_stdout && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, orig, NULL);
	execvp(cmd[0], cmd);
	fprintf(stderr, "pgtrace: record: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

/* Stream trace_pipe until the command exits or a signal comes. */
static struct pgt_error *stream(int fd, struct output *o, struct result *r,
				const sigset_t *orig)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	for (;;) {
		if (got_signal) {
			r->signal = got_signal;
			if (r->child > 0 && !r->child_done)
				kill(r->child, got_signal);
			return NULL;
		}
		if (r->child > 0 && !r->child_done) {
			got_child = 0;
			pid_t w = waitpid(r->child, &r->status, WNOHANG);
			if (w == r->child) {
				r->child_done = true;
				return NULL;
			}
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 200000000};
		int n = ppoll(&pfd, 1, &ts, orig);
		if (n < 0 && errno != EINTR)
			return pgt_error_create(PGT_ERROR_IO, "poll: %s", strerror(errno));
		/*
		 * Read on timeouts too: since 6.1 poll on trace_pipe may wait
		 * for buffer_percent of the buffer to fill.
		 */
		bool eof = false;
		struct pgt_error *err = drain(fd, o, &eof);
		if (err)
			return err;
	}
}

static void print_summary(const struct record_args *a, const struct output *o,
			  const struct result *r, const struct tracefs *t)
{
	FILE *f = o->is_stdout ? stderr : stdout;
	int code = r->child_done && WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
	int sig = r->child_done && WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
	if (a->json) {
		struct json j;
		json_init(&j, f);
		json_begin_object(&j, NULL);
		json_string(&j, "tracefs", t->dir);
		json_string(&j, "output", o->name);
		json_uint(&j, "lines", o->lines);
		json_uint(&j, "bytes", o->bytes);
		if (a->cmd) {
			json_string(&j, "command", a->cmd[0]);
			if (code >= 0)
				json_uint(&j, "exit_status", (uint64_t)code);
			if (sig)
				json_string(&j, "killed_by", strsignal(sig));
		}
		if (r->signal)
			json_string(&j, "stopped_by", strsignal(r->signal));
		if (a->start_core) {
			json_begin_object(&j, "start_core");
			json_string(&j, "image", a->start_core);
			json_string(&j, "symbols", r->map);
			json_uint(&j, "segments", r->core.segments);
			json_uint(&j, "bytes", r->core.bytes);
			json_end_object(&j);
		}
		json_bool(&j, "restored", true);
		json_end_object(&j);
		json_finish(&j);
		return;
	}
	fprintf(f, "recorded %" PRIu64 " lines (%" PRIu64 " bytes) to %s", o->lines,
		o->bytes, o->name);
	if (a->cmd && code >= 0)
		fprintf(f, "; %s exited with status %d", a->cmd[0], code);
	else if (a->cmd && sig)
		fprintf(f, "; %s was killed by %s", a->cmd[0], strsignal(sig));
	if (r->signal)
		fprintf(f, "; stopped by %s", strsignal(r->signal));
	fprintf(f, "; %s restored\n", t->dir);
	if (a->start_core)
		fprintf(f, "start state: %s (%" PRIu64 " bytes of RAM in %" PRIu64
			" segments) and %s, between the markers '%s' and '%s'\n",
			a->start_core, r->core.bytes, r->core.segments, r->map,
			MARK_START, MARK_STARTED);
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = {0};
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return PGT_EXIT_TROUBLE;
	struct pgt_error *err = NULL;
	if ((!a.tracefs || a.pretend_uname) && (err = check_kernel(a.pretend_uname)))
		return pgt_fail(err);
	struct tracefs t;
	if ((err = tracefs_open(a.tracefs, &t)))
		return pgt_fail(err);
	static const char *const needed[] = {"kprobe_events", "trace_pipe",
					     "tracing_on", "buffer_size_kb",
					     "trace_clock", "trace_marker"};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!tracefs_exists(&t, needed[i])) {
			err = pgt_error_create(PGT_ERROR_IO, "%s/%s: no such file (CONFIG_KPROBE_EVENTS?)",
					       t.dir, needed[i]);
			tracefs_close(&t);
			return pgt_fail(err);
		}
	}
	struct output o;
	if ((err = output_open(a.output, &o))) {
		tracefs_close(&t);
		return pgt_fail(err);
	}
	/* Signals wait until ppoll() while tracefs is being changed. */
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);

	struct result r = {0};
	int fd = -1;
	err = setup(&t);
	if (!err) {
		/* A fixture's FIFO opened for writing too never reads as EOF. */
		char *pipe = tracefs_path(&t, "trace_pipe");
		struct stat st;
		if (!pipe) {
			err = &pgt_error_nomem;
		} else {
			bool fifo = !stat(pipe, &st) && S_ISFIFO(st.st_mode);
			fd = open(pipe, (fifo ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				err = pgt_error_create(PGT_ERROR_IO, "%s: %s", pipe,
						       strerror(errno));
			free(pipe);
		}
	}
	if (!err)
		err = tracefs_set(&t, "tracing_on", "1\n");
	if (!err && a.start_core) {
		if (!(err = tracefs_mark(&t, MARK_START "\n")) &&
		    !(err = start_core(&a, &r.core, &r.map)))
			err = tracefs_mark(&t, MARK_STARTED "\n");
	}
	if (!err && a.cmd && !got_signal) {
		r.child = start_command(a.cmd, &orig, o.is_stdout);
		if (r.child < 0)
			err = pgt_error_create(PGT_ERROR_IO, "fork: %s", strerror(errno));
	}
	if (!err)
		err = stream(fd, &o, &r, &orig);
	/* Stop, read what is left, then undo (probes go last, after their events). */
	struct pgt_error *e2 = tracefs_write(&t, "tracing_on", "0\n");
	if (!err && fd >= 0) {
		bool eof = false;
		err = drain(fd, &o, &eof);
	}
	if (!err)
		err = e2;
	else
		pgt_error_destroy(e2);
	if (fd >= 0)
		close(fd);
	struct pgt_error *restore = tracefs_restore(&t);
	if (restore) {
		restore = pgt_error_prefix(restore, "could not restore tracefs");
		if (err)
			fprintf(stderr, "pgtrace: %s\n", restore->message);
		if (!err)
			err = restore;
		else
			pgt_error_destroy(restore);
	}
	if (r.child > 0 && !r.child_done && waitpid(r.child, &r.status, 0) == r.child)
		r.child_done = true;
	struct pgt_error *close_err = output_close(&o, err != NULL);
	if (!err)
		err = close_err;
	else
		pgt_error_destroy(close_err);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (!err)
		print_summary(&a, &o, &r, &t);
	free(r.map);
	tracefs_close(&t);
	return err ? pgt_fail(err) : PGT_EXIT_OK;
}
