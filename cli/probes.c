/* SPDX-License-Identifier: MIT */
/*
 * pgtrace probes: the probe set the ftrace reader understands and how to
 * record with it.  The definitions come from the reader's own table
 * (pgt_ftrace_probes) so that the two cannot drift apart.
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "formats/ftrace.h"
#include "json.h"

struct probes_args {
	bool json;
};

enum {
	OPT_KERNEL = 0x100,
	OPT_JSON,
};

static const struct argp_option options[] = {
	{NULL, 0, NULL, 0, "Options:", 1},
	{"kernel", OPT_KERNEL, "VERSION", 0,
	 "the kernel to record on; only 6.1 (the default) is supported", 0},
	{"json", OPT_JSON, NULL, 0, "print one JSON object instead of text", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct probes_args *a = state->input;
	switch (key) {
	case OPT_KERNEL:
		/* 6.1 and its stable releases (6.1.176, 6.1.0-50-686-pae). */
		if (strcmp(arg, "6.1") && strncmp(arg, "6.1.", 4) &&
		    strncmp(arg, "6.1-", 4))
			argp_error(state,
				   "no probe set for kernel '%s': only 6.1 is supported "
				   "(older kernels have other functions to probe, e.g. "
				   "2.6.21 has no arch_sync_kernel_mappings nor kprobe_events "
				   "fetch arguments)",
				   arg);
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "probes takes no arguments");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Print the ftrace probe set pgtrace reads and a recipe to record with "
	"it.\v"
	"The kprobe events (group pgt) and tracepoints are those the ftrace "
	"reader understands; they were checked on Debian's 6.1 686-pae kernel "
	"(i386 regparm(3): $arg1..$arg3 are %ax, %dx, %cx; 64-bit values "
	"such as pgprot_t and pte_t are passed on the stack).  The recipe "
	"defines them at run time through /sys/kernel/tracing; the kernel "
	"command-line variant records from early boot, which replay needs to "
	"know every pgd."
	PGT_EXIT_DOC;

static const struct argp argp = {options, parse_opt, NULL, doc, NULL, NULL,
				 NULL};

/* Functions one would want to probe but cannot on Debian 6.1 686-pae. */
static const struct {
	const char *function;
	const char *reason;
} unprobeable[] = {
	{"vmalloc_sync_one",
	 "notrace (\"Could not probe notrace function\"); sync_kmap records "
	 "the syncs"},
	{"vmalloc_fault",
	 "refused with EINVAL (NOKPROBE_SYMBOL in arch/x86/mm/fault.c); "
	 "exceptions:page_fault_kernel records the faults"},
};

#define TRACING "/sys/kernel/tracing"
#define BUFFER_KB "16384"

/*
 * Fetch arguments without '$': GRUB's script parser (and the shell that
 * update-grub sources /etc/default/grub with) expands $arg1 and $retval to
 * nothing.  On i386 (regparm(3), 6.1) $arg1..$arg3 are %ax, %dx, %cx,
 * $retval is %ax, $stackN is +4N(%sp) and $argN for N > 3 is $stack(N-3)
 * (regs_get_kernel_argument: the return address is $stack0); since 5.2
 * kernel_stack_pointer() is regs->sp, so $stack is %sp.  The trace lines
 * are the same either way: every field is named.
 */
static bool put_register_form(const char **d, char **o)
{
	static const char *const args[] = {"%ax", "%dx", "%cx"};
	const char *s = *d;
	if (strncmp(s, "$retval", 7) == 0) {
		*o = stpcpy(*o, "%ax");
		*d = s + 7;
		return true;
	}
	if (strncmp(s, "$arg", 4) == 0 && s[4] >= '1' && s[4] <= '9') {
		int n = s[4] - '0';
		*o = n <= 3 ? stpcpy(*o, args[n - 1])
			    : *o + sprintf(*o, "+%d(%%sp)", 4 * (n - 3));
		*d = s + 5;
		return true;
	}
	if (strncmp(s, "$stack", 6) == 0) {
		if (s[6] >= '0' && s[6] <= '9') {
			int n = s[6] - '0';
			*o = n ? *o + sprintf(*o, "+%d(%%sp)", 4 * n)
			       : stpcpy(*o, "+0(%sp)");
			*d = s + 7;
		} else {
			*o = stpcpy(*o, "%sp");
			*d = s + 6;
		}
		return true;
	}
	return false;
}

/*
 * The kernel command line form: spaces become commas, probes join with
 * ';', fetch arguments name registers (put_register_form).
 */
static char *boot_kprobes(void)
{
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	size_t len = 1;
	/* A register form is at most 9 bytes ("+36(%sp)") for 5 of '$': 2x. */
	for (size_t i = 0; i < n; i++)
		if (p[i].definition && p[i].boot)
			len += 2 * strlen(p[i].definition) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	char *o = s;
	for (size_t i = 0; i < n; i++) {
		if (!p[i].definition || !p[i].boot)
			continue;
		if (o != s)
			*o++ = ';';
		for (const char *d = p[i].definition; *d;) {
			if (*d == '$' && put_register_form(&d, &o))
				continue;
			*o++ = *d == ' ' ? ',' : *d;
			d++;
		}
	}
	*o = '\0';
	return s;
}

static char *boot_tracepoints(void)
{
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		if (!p[i].definition)
			len += strlen(p[i].system) + strlen(p[i].event) + 2;
	char *s = malloc(len);
	if (!s)
		return NULL;
	char *o = s;
	for (size_t i = 0; i < n; i++) {
		if (p[i].definition)
			continue;
		o += sprintf(o, "%s%s:%s", o != s ? "," : "", p[i].system,
			     p[i].event);
	}
	*o = '\0';
	return s;
}

static void print_text(const char *cmdline_kprobes, const char *cmdline_events,
		       const char *grub)
{
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	printf("# pgtrace probe set for Linux 6.1, i386 with PAE (Debian 686-pae)\n\n");
	printf("Kprobe events (lines of %s/kprobe_events):\n", TRACING);
	for (size_t i = 0; i < n; i++)
		if (p[i].definition)
			printf("  %s\n", p[i].definition);
	printf("\nTracepoints:\n");
	for (size_t i = 0; i < n; i++)
		if (!p[i].definition)
			printf("  %s:%s\n", p[i].system, p[i].event);
	printf("\nNot probeable on 6.1 686-pae:\n");
	for (size_t i = 0; i < sizeof(unprobeable) / sizeof(unprobeable[0]); i++)
		printf("  %s: %s\n", unprobeable[i].function,
		       unprobeable[i].reason);
	printf("\nWhat pgtrace makes of each event:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-20s %s\n", p[i].event, p[i].role);
	printf("  %-20s %s\n", "tracing_mark_write",
	       "label (the marker text, e.g. PHASE NAME)");
	printf("  %-20s %s\n", "(other events)", "skipped and counted");

	printf("\nRecording at run time (as root):\n");
	printf("  cd %s\n", TRACING);
	for (size_t i = 0; i < n; i++)
		if (p[i].definition)
			printf("  echo '%s' >> kprobe_events\n", p[i].definition);
	printf("  echo 1 > events/pgt/enable\n");
	for (size_t i = 0; i < n; i++)
		if (!p[i].definition)
			printf("  echo 1 > events/%s/%s/enable\n", p[i].system,
			       p[i].event);
	printf("  echo %s > buffer_size_kb\n", BUFFER_KB);
	printf("  echo global > trace_clock\n");
	printf("  echo 1 > tracing_on\n");
	printf("  echo 'PHASE NAME' > trace_marker    # optional: labels for --from/--to/--at\n");
	printf("  ... run the workload ...\n");
	printf("  echo 0 > tracing_on\n");
	printf("  gzip -c trace > /tmp/trace.txt.gz\n");
	printf("  grep -q 'entries-in-buffer/entries-written: \\([0-9]*\\)/\\1 ' trace || echo 'events were lost: enlarge buffer_size_kb'\n");
	printf("  # then put tracefs back: disable the events, remove the probes\n");
	printf("  echo 0 > events/pgt/enable\n");
	for (size_t i = 0; i < n; i++)
		if (!p[i].definition)
			printf("  echo 0 > events/%s/%s/enable\n", p[i].system,
			       p[i].event);
	for (size_t i = 0; i < n; i++)
		if (p[i].definition)
			printf("  echo '-:%s/%s' >> kprobe_events\n", p[i].system,
			       p[i].event);
	printf("  (and buffer_size_kb, trace_clock as they were)\n");
	printf("\nA recording started at run time begins with processes alive: "
	       "it names pgds\nit never saw allocated, which replay adopts, or "
	       "takes from the start image\n(pgtrace record --start-core).\n");

	printf("\nRecording from boot (kernel command line; the set_memory_* "
	       "probes are left out for length):\n");
	printf("  trace_buf_size=16M trace_clock=global trace_event=%s "
	       "kprobe_event=%s\n",
	       cmdline_events, cmdline_kprobes);
	printf("\nThe same in /etc/default/grub (keep your own options in place "
	       "of 'quiet'; the single quotes keep GRUB from splitting at ';'), "
	       "then update-grub, reboot and compare /proc/cmdline:\n");
	printf("  GRUB_CMDLINE_LINUX_DEFAULT=\"%s\"\n", grub);

	printf("\nOr at run time in one command, which also restores tracefs "
	       "afterwards:\n");
	printf("  pgtrace record -o /tmp/trace.txt.gz [--start-core /tmp/t0.elf] "
	       "-- WORKLOAD\n");

	printf("\nThen:\n");
	printf("  pgtrace replay /tmp/trace.txt.gz    # lowmem, kernel and "
	       "policy come from the recording\n");
	printf("  pgtrace convert /tmp/trace.txt.gz trace.pgt.gz\n");
}

static void print_json(const char *cmdline_kprobes, const char *cmdline_events,
		       const char *grub)
{
	size_t n;
	const struct pgt_ftrace_probe *p = pgt_ftrace_probes(&n);
	struct json j;
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_string(&j, "kernel", "6.1");
	json_string(&j, "tracing", TRACING);
	json_begin_array(&j, "kprobes");
	for (size_t i = 0; i < n; i++) {
		if (!p[i].definition)
			continue;
		json_begin_object(&j, NULL);
		json_string(&j, "event", p[i].event);
		json_string(&j, "definition", p[i].definition);
		json_bool(&j, "boot", p[i].boot);
		json_string(&j, "role", p[i].role);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "tracepoints");
	for (size_t i = 0; i < n; i++) {
		if (p[i].definition)
			continue;
		json_begin_object(&j, NULL);
		json_string(&j, "system", p[i].system);
		json_string(&j, "event", p[i].event);
		json_string(&j, "role", p[i].role);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "unprobeable");
	for (size_t i = 0; i < sizeof(unprobeable) / sizeof(unprobeable[0]); i++) {
		json_begin_object(&j, NULL);
		json_string(&j, "function", unprobeable[i].function);
		json_string(&j, "reason", unprobeable[i].reason);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_string(&j, "buffer_size_kb", BUFFER_KB);
	json_begin_object(&j, "kernel_cmdline");
	json_string(&j, "trace_buf_size", "16M");
	json_string(&j, "trace_clock", "global");
	json_string(&j, "trace_event", cmdline_events);
	json_string(&j, "kprobe_event", cmdline_kprobes);
	json_end_object(&j);
	json_string(&j, "grub_cmdline_linux_default", grub);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_probes(int argc, char **argv)
{
	struct probes_args a = {0};
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return PGT_EXIT_TROUBLE;
	char *kprobes = boot_kprobes();
	char *events = boot_tracepoints();
	char *grub = NULL;
	if (!kprobes || !events ||
	    asprintf(&grub,
		     "quiet trace_buf_size=16M trace_clock=global trace_event=%s "
		     "'kprobe_event=%s'",
		     events, kprobes) < 0) {
		free(kprobes);
		free(events);
		return pgt_fail(&pgt_error_nomem);
	}
	if (a.json)
		print_json(kprobes, events, grub);
	else
		print_text(kprobes, events, grub);
	free(grub);
	free(kprobes);
	free(events);
	return PGT_EXIT_OK;
}
