/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/grow.h"
#include "core/hash.h"
#include "formats/ftrace.h"
#include "formats/number.h"

/* x86-32: VMALLOC_START = high_memory + VMALLOC_OFFSET. */
#define VMALLOC_OFFSET (8u << 20)
/* pageattr.c's cpa_data flags. */
#define CPA_ARRAY 2u
#define CPA_PAGES_ARRAY 4u
/* Values from -MAX_ERRNO up are error pointers. */
#define ERR_PTR_MIN 0xfffff001u

static const struct pgt_ftrace_probe probes[] = {
	{"pgd_alloc", "pgt", "p:pgt/pgd_alloc pgd_alloc mm=$arg1:x32", true,
	 "pgd_alloc entry: the mm (paired with pgd_alloc_ret)"},
	{"pgd_alloc_ret", "pgt", "r:pgt/pgd_alloc_ret pgd_alloc ret=$retval:x32",
	 true, "pgd_alloc"},
	{"pgd_free", "pgt", "p:pgt/pgd_free pgd_free mm=$arg1:x32 pgd=$arg2:x32",
	 true, "pgd_free"},
	{"sync_kmap", "pgt",
	 "p:pgt/sync_kmap arch_sync_kernel_mappings start=$arg1:x32 end=$arg2:x32",
	 true, "sync_range"},
	{"alloc_va", "pgt",
	 "p:pgt/alloc_va alloc_vmap_area size=$arg1:x32 align=$arg2:x32 vstart=$arg3:x32 vend=$arg4:x32",
	 true, "information: VMALLOC_START, hence the end of the direct map"},
	{"alloc_va_ret", "pgt",
	 "r:pgt/alloc_va_ret alloc_vmap_area va=$retval:x32 start=+0($retval):x32 end=+4($retval):x32",
	 true, "vmalloc (less the guard page)"},
	{"free_va", "pgt",
	 "p:pgt/free_va free_vmap_area_noflush va=$arg1:x32 start=+0($arg1):x32 end=+4($arg1):x32",
	 true, "vfree"},
	{"purge_va", "pgt",
	 "p:pgt/purge_va __purge_vmap_area_lazy start=$arg1:x32 end=$arg2:x32",
	 true, "purge"},
	{"cpa", "pgt",
	 "p:pgt/cpa __change_page_attr_set_clr cpa=$arg1:x32 alias=$arg2:s32 vaddr=+0(+0($arg1)):x32 pgd=+4($arg1):x32 set=+8($arg1):x64 clr=+16($arg1):x64 n=+24($arg1):u32 flags=+36($arg1):x32",
	 true, "cpa (direct map only)"},
	{"cpa_set_clr", "pgt",
	 "p:pgt/cpa_set_clr change_page_attr_set_clr addr=+0($arg1):x32 n=$arg2:s32 set=+4($stack):x64 clr=+12($stack):x64 split=$stack5:s32 flg=$stack6:x32",
	 true, "information (the caller's request; cpa records the changes)"},
	{"set_pmd_pte", "pgt",
	 "p:pgt/set_pmd_pte __set_pmd_pte kpte=$arg1:x32 addr=$arg2:x32 pte=+4($stack):x64",
	 true, "set_pmd"},
	{"pti_clone", "pgt",
	 "p:pgt/pti_clone pti_clone_pgtable start=$arg1:x32 end=$arg2:x32 level=$arg3:s32",
	 true, "information"},
	{"set_memory_ro", "pgt",
	 "p:pgt/set_memory_ro set_memory_ro addr=$arg1:x32 n=$arg2:s32", false,
	 "information"},
	{"set_memory_rw", "pgt",
	 "p:pgt/set_memory_rw set_memory_rw addr=$arg1:x32 n=$arg2:s32", false,
	 "information"},
	{"set_memory_x", "pgt",
	 "p:pgt/set_memory_x set_memory_x addr=$arg1:x32 n=$arg2:s32", false,
	 "information"},
	{"set_memory_nx", "pgt",
	 "p:pgt/set_memory_nx set_memory_nx addr=$arg1:x32 n=$arg2:s32", false,
	 "information"},
	{"set_memory_np", "pgt",
	 "p:pgt/set_memory_np set_memory_np addr=$arg1:x32 n=$arg2:s32", false,
	 "information"},
	{"sched_process_fork", "sched", NULL, true, "task (the child)"},
	{"sched_process_exec", "sched", NULL, true, "task"},
	{"sched_process_exit", "sched", NULL, true, "task"},
	{"sched_process_free", "sched", NULL, true, "task"},
	{"module_load", "module", NULL, true, "module"},
	{"module_free", "module", NULL, true, "module"},
	{"page_fault_kernel", "exceptions", NULL, true, "fault (observed)"},
};

const struct pgt_ftrace_probe *pgt_ftrace_probes(size_t *count_ret)
{
	*count_ret = sizeof(probes) / sizeof(probes[0]);
	return probes;
}

/* A parsed event line; pointers into the line buffer. */
struct ev_line {
	const char *comm;
	size_t comm_len;
	int32_t pid;
	int32_t cpu;
	uint64_t t_ns;
	const char *name;
	size_t name_len;
	const char *body; /* NUL-terminated: the rest of the line */
};

/* A pgd_alloc entry waiting for its return. */
struct pending_alloc {
	uint64_t mm; /* interned when the return makes the event */
	uint64_t line;
};

/*
 * Waiting entries are found by pid, and by cpu too for pid 0 (the idle
 * tasks of all CPUs share it): the key is pid | cpu << 32 for pid 0.
 */
static uint64_t pending_key(int32_t pid, int32_t cpu)
{
	return (uint32_t)pid | (uint64_t)(pid ? 0 : (uint32_t)cpu) << 32;
}

PGT_HASH_TABLE(pending_table, uint64_t, struct pending_alloc, pgt_hash_u64,
	       pgt_hash_eq_scalar)
/*
 * The comm each pid last had.  Pids are handed out in increasing order and
 * a recording holds hundreds of thousands: four consecutive pids share one
 * random home (the low bits of the table's tag are the pid's), so that a
 * fork's child sits beside its recent siblings instead of a cache miss.
 */
static uint64_t hash_pid(uint64_t pid)
{
	return (pgt_hash_u64(pid >> 2) & ~(UINT64_C(3) << 32)) | (pid & 3) << 32;
}

PGT_HASH_TABLE(comm_table, uint64_t, uint32_t, hash_pid, pgt_hash_eq_scalar)

/*
 * Events are parsed up to AHEAD at a time and, once the string table holds
 * AHEAD_MIN_NAMES names, the pgd and mm addresses they name are interned
 * together at the end, each look-up's slot of the table brought in while
 * the next lines are parsed: with thousands of live pgds the table does
 * not stay in the cache (formats/trace.c does the same).  Comms are
 * interned at once: there are few, and the reader's tables keep their ids.
 */
#define AHEAD 16
#define AHEAD_MIN_NAMES 4096

/*
 * Every line names its task's comm, and a recording has a few dozen: a
 * small cache, indexed by the name's hash, skips the string table's
 * look-up for all but the first line of each (ids are the table's, so
 * they stay what the table gives in line order).
 */
#define COMM_CACHE 64

/*
 * What the reader reports besides events.  The reader parses ahead, so it
 * keeps these as of each event it queues, and reports them as of the event
 * last handed out (all of them once the end or an error is).
 */
struct counts {
	uint64_t skipped, backwards, pti_clones;
	uint64_t direct_end; /* 0 until an alloc_va shows VMALLOC_START */
	uint64_t orphan_returns, first_orphan_line;
	uint64_t line;       /* read up to here */
};

/* A pending pgd_alloc entry a line read ahead took (see pgt_ftrace_pairs). */
struct taken_entry {
	uint64_t entry_line, by_line;
};

struct queued {
	struct counts at;
	struct pgt_event ev;
	struct pgt_strtab_keys keys; /* addresses, into ev.pgd or ev.mm */
};

struct pgt_ftrace {
	struct pgt_lineio *in;
	struct pgt_strtab *tab;
	struct counts live, shown;
	uint64_t last_t;
	bool seen_event;
	struct pending_table pending;
	struct comm_table comms;
	/* entries taken by the lines of this batch, in line order */
	struct taken_entry *taken;
	size_t ntaken, taken_cap;
	/* Events parsed ahead, handed out from qhead (see fill()). */
	struct queued q[AHEAD];
	unsigned qhead, qlen;
	struct pgt_error *qerr; /* after the queued events */
	bool qeof;              /* likewise */
	/* The comms of recent lines and their ids (see line_comm()). */
	struct comm_cached {
		uint64_t w0, w1;
		uint32_t len, id; /* len 0: empty */
	} comm_cache[COMM_CACHE];
};

struct pgt_error *pgt_ftrace_create(struct pgt_lineio *in,
				    struct pgt_strtab *tab,
				    struct pgt_ftrace **ret)
{
	struct pgt_ftrace *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return &pgt_error_nomem;
	ft->in = in;
	ft->tab = tab;
	*ret = ft;
	return NULL;
}

void pgt_ftrace_destroy(struct pgt_ftrace *ft)
{
	if (!ft)
		return;
	pending_table_deinit(&ft->pending);
	comm_table_deinit(&ft->comms);
	pgt_error_destroy(ft->qerr);
	free(ft->taken);
	free(ft);
}

uint64_t pgt_ftrace_skipped(const struct pgt_ftrace *ft)
{
	return ft->shown.skipped;
}

uint64_t pgt_ftrace_pti_clones(const struct pgt_ftrace *ft)
{
	return ft->shown.pti_clones;
}

uint64_t pgt_ftrace_backwards(const struct pgt_ftrace *ft)
{
	return ft->shown.backwards;
}

uint64_t pgt_ftrace_high_memory(const struct pgt_ftrace *ft)
{
	return ft->shown.direct_end;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Scans of a line eight bytes at a time, inside [s, end) (a line holds no
 * NUL before its end, and the reads stay inside it); each returns what
 * the byte loop after it would.  zero_bytes() marks exactly the zero
 * bytes of a word with their top bit; the lowest mark is the first byte
 * only on a little-endian CPU (elsewhere the byte loops do it all).
 */
#define ONES UINT64_C(0x0101010101010101)
#define LOWS UINT64_C(0x7f7f7f7f7f7f7f7f)

static inline uint64_t zero_bytes(uint64_t x)
{
	return ~(((x & LOWS) + LOWS) | x | LOWS);
}

static inline uint64_t bytes_eq(uint64_t w, char c)
{
	return zero_bytes(w ^ (ONES * (unsigned char)c));
}

static inline uint64_t load_word(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return w;
}

/* The first byte at or after @s that is not white space (@end: none). */
static inline const char *skip_blank(const char *s, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; end - s >= 8; s += 8) {
		uint64_t w = load_word(s);
		uint64_t m = ~(bytes_eq(w, ' ') | bytes_eq(w, '\t')) & ~LOWS;
		if (m)
			return s + __builtin_ctzll(m) / 8;
	}
#endif
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* The first white space at or after @s (@end: none). */
static inline const char *find_blank(const char *s, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; end - s >= 8; s += 8) {
		uint64_t w = load_word(s);
		uint64_t m = bytes_eq(w, ' ') | bytes_eq(w, '\t');
		if (m)
			return s + __builtin_ctzll(m) / 8;
	}
#endif
	while (s < end && !is_space(*s))
		s++;
	return s;
}

/* The first ':' or white space at or after @s (@end: none). */
static inline const char *find_colon_blank(const char *s, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; end - s >= 8; s += 8) {
		uint64_t w = load_word(s);
		uint64_t m = bytes_eq(w, ':') | bytes_eq(w, ' ') | bytes_eq(w, '\t');
		if (m)
			return s + __builtin_ctzll(m) / 8;
	}
#endif
	while (s < end && *s != ':' && !is_space(*s))
		s++;
	return s;
}

/* Decimal, or hexadecimal with 0x; a leading '-' when @sign. */
static bool parse_num(const char *s, size_t len, bool sign, uint64_t *ret)
{
	bool neg = sign && len > 0 && s[0] == '-';
	uint64_t v;
	if (!pgt_parse_digits(s + neg, len - neg, &v))
		return false;
	*ret = neg ? 0 - v : v;
	return true;
}

/* "SECONDS.FRACTION:" with 1 to 9 fraction digits; returns the length. */
static size_t parse_stamp(const char *s, uint64_t *ret)
{
	size_t i = 0;
	uint64_t sec = 0;
	while (is_digit(s[i])) {
		if (i == 10)
			return 0; /* more than 300 years of uptime */
		sec = sec * 10 + (uint64_t)(s[i++] - '0');
	}
	if (i == 0 || s[i] != '.')
		return 0;
	i++;
	uint64_t ns = 0, scale = 100000000;
	size_t f = i;
	while (is_digit(s[i])) {
		if (i - f >= 9)
			return 0;
		ns += (uint64_t)(s[i++] - '0') * scale;
		scale /= 10;
	}
	if (i == f || s[i] != ':')
		return 0;
	*ret = sec * 1000000000u + ns;
	return i + 1;
}

/* Longest "(TGID)" and flags column looked at ("d..2." is 5). */
#define TGID_MAX 16
#define FLAGS_MAX 16

/*
 * Given the '[' of a candidate "[CPU]" field, check that everything around
 * it has the event-line shape and fill @ev.
 */
static bool parse_at(const char *line, size_t len, size_t start, size_t b,
		     struct ev_line *ev)
{
	size_t i = b + 1, d = i;
	uint64_t cpu = 0;
	while (is_digit(line[i]) && i - d < 6)
		cpu = cpu * 10 + (uint64_t)(line[i++] - '0');
	if (i == d || line[i] != ']' || !is_space(line[i + 1]))
		return false;
	size_t after = i + 1;

	/* Backwards: white space, an optional "(TGID)", white space, PID, '-'. */
	size_t p = b;
	while (p > start && is_space(line[p - 1]))
		p--;
	if (p == b)
		return false;
	if (p > start && line[p - 1] == ')') {
		/*
		 * "(TGID)" is at most a few characters ("(  1234)", "(-------)"):
		 * bounded, so that a line of many "[N]" stays linear.
		 */
		size_t q = p - 1;
		while (q > start && line[q - 1] != '(' && p - q < TGID_MAX)
			q--;
		if (q == start || line[q - 1] != '(')
			return false;
		p = q - 1;
		while (p > start && is_space(line[p - 1]))
			p--;
	}
	size_t pid_end = p;
	while (p > start && is_digit(line[p - 1]))
		p--;
	if (p == pid_end || pid_end - p > 9 || p <= start + 1 ||
	    line[p - 1] != '-')
		return false;
	uint64_t pid = 0;
	for (size_t k = p; k < pid_end; k++)
		pid = pid * 10 + (uint64_t)(line[k] - '0');

	/* Forwards: optional flags, then the timestamp, then "EVENT:". */
	i = after;
	while (is_space(line[i]))
		i++;
	uint64_t t;
	size_t n = parse_stamp(line + i, &t);
	if (!n) {
		size_t f = i;
		while (line[i] && !is_space(line[i]) && line[i] != ':' && i - f < FLAGS_MAX)
			i++;
		if (i == f || !is_space(line[i]))
			return false;
		while (is_space(line[i]))
			i++;
		n = parse_stamp(line + i, &t);
		if (!n)
			return false;
	}
	i += n;
	while (is_space(line[i]))
		i++;
	size_t name = i;
	if (i < len)
		i = (size_t)(find_colon_blank(line + i, line + len) - line);
	if (i == name || line[i] != ':' || (line[i + 1] && !is_space(line[i + 1])))
		return false;
	ev->name = line + name;
	ev->name_len = i - name;
	i++;
	while (is_space(line[i]))
		i++;
	ev->body = line + i;
	ev->comm = line + start;
	ev->comm_len = p - 1 - start;
	ev->pid = (int32_t)pid;
	ev->cpu = (int32_t)cpu;
	ev->t_ns = t;
	return true;
}

static bool parse_event_line(const char *line, size_t len, struct ev_line *ev)
{
	size_t start = (size_t)(skip_blank(line, line + len) - line);
	/* The leftmost "[CPU]" that fits: comms may contain '[' too. */
	for (const char *b = memchr(line + start, '[', len - start); b;
	     b = memchr(b + 1, '[', len - (size_t)(b + 1 - line))) {
		if (parse_at(line, len, start, (size_t)(b - line), ev))
			return true;
	}
	return false;
}

bool pgt_ftrace_detect(const char *line, size_t len)
{
	static const char tracer[] = "# tracer:";
	if (len >= sizeof(tracer) - 1 && !memcmp(line, tracer, sizeof(tracer) - 1))
		return true;
	if (len > 5 && !memcmp(line, "cpus=", 5)) {
		size_t i = 5;
		while (i < len && is_digit(line[i]))
			i++;
		if (i == len && i > 5)
			return true;
	}
	/* The parser wants a NUL; the first 4 KiB tell enough. */
	char buf[4096];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	struct ev_line ev;
	return parse_event_line(buf, len, &ev);
}

/*
 * Fields of the event body: "KEY=VALUE" tokens after an optional
 * "(probe location)" that kprobes print first.
 */
static const char *skip_location(const char *body)
{
	if (body[0] != '(')
		return body;
	/* the common case, no '(' inside: the first ')' closes it */
	const char *close = strchr(body + 1, ')');
	if (!close)
		return body;
	if (!memchr(body + 1, '(', (size_t)(close - body - 1))) {
		const char *s = close + 1;
		while (is_space(*s))
			s++;
		return s;
	}
	int depth = 0;
	for (const char *s = body; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && --depth == 0) {
			s++;
			while (is_space(*s))
				s++;
			return s;
		}
	}
	return body;
}

/*
 * Find KEY= at a token start in @fields.  The value ends at white space, or
 * with @until at the first " UNTIL=" (comms contain spaces).
 */
static bool find_field(const char *fields, const char *end, const char *key,
		       const char *until, const char **val_ret, size_t *len_ret)
{
	/*
	 * Only token starts can match (the start, or after white space), and
	 * keys hold no white space: hop from token to token.
	 */
	for (const char *s = fields;;) {
		s = skip_blank(s, end);
		if (s == end)
			return false;
		size_t k = 0;
		while (key[k] && s[k] == key[k])
			k++;
		if (key[k] || s[k] != '=') {
			s = find_blank(s, end);
			continue;
		}
		const char *v = s + k + 1;
		size_t n;
		if (until) {
			char pat[40];
			size_t ulen = strlen(until);
			if (ulen > sizeof(pat) - 3)
				ulen = sizeof(pat) - 3;
			pat[0] = ' ';
			memcpy(pat + 1, until, ulen);
			pat[ulen + 1] = '=';
			pat[ulen + 2] = '\0';
			const char *e = strstr(v, pat);
			if (!e)
				return false;
			n = (size_t)(e - v);
		} else {
			n = (size_t)(find_blank(v, end) - v);
		}
		*val_ret = v;
		*len_ret = n;
		return true;
	}
	return false;
}

/* Per-line context for the handlers. */
struct ctx {
	struct pgt_ftrace *ft;
	const struct ev_line *l;
	const char *fields;
	const char *end; /* of the line (its NUL) */
	struct pgt_event *ev;
	struct queued *q; /* where ev is, when its addresses may wait */
};

static struct pgt_error *bad(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct pgt_error *bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pgt_error *err = pgt_error_vcreate(PGT_ERROR_INPUT, fmt, ap);
	va_end(ap);
	return pgt_error_prefix(err, "%s:%" PRIu64 ": %.*s",
				pgt_lineio_name(c->ft->in),
				pgt_lineio_lineno(c->ft->in), (int)c->l->name_len,
				c->l->name);
}

static struct pgt_error *num_field(struct ctx *c, const char *key, bool sign,
				   uint64_t max, uint64_t *ret)
{
	*ret = 0; /* callers read it only without an error; GCC cannot tell */
	const char *v;
	size_t n;
	if (!find_field(c->fields, c->end, key, NULL, &v, &n))
		return bad(c, "missing field '%s='", key);
	uint64_t x;
	if (!parse_num(v, n, sign, &x) || (!sign && x > max))
		return bad(c, "bad value for '%s': '%.*s'", key, (int)n, v);
	*ret = x;
	return NULL;
}

static struct pgt_error *addr_field(struct ctx *c, const char *key,
				    uint64_t *ret)
{
	return num_field(c, key, false, UINT32_MAX, ret);
}

/*
 * Intern an ID the way pgtrace names kernel addresses: "0x%x", now or,
 * with c->q, when the batch is done (*ret is then in c->q's event).
 */
static struct pgt_error *intern_id(struct ctx *c, uint64_t v, uint32_t *ret)
{
	struct queued *q = c->q;
	if (q && q->keys.n < 2) {
		pgt_strtab_key_init_hex(c->ft->tab, v, &q->keys.key[q->keys.n]);
		q->keys.dest[q->keys.n++] = ret;
		return NULL;
	}
	return pgt_strtab_intern_hex(c->ft->tab, v, ret);
}

static uint32_t *comm_slot(struct pgt_ftrace *ft, int32_t pid)
{
	return comm_table_find(&ft->comms, (uint32_t)pid);
}

static struct pgt_error *remember_comm(struct pgt_ftrace *ft, int32_t pid,
				       uint32_t comm)
{
	bool inserted;
	uint32_t *slot;
	struct pgt_error *err = comm_table_insert(&ft->comms, (uint32_t)pid,
						  &inserted, &slot);
	if (err)
		return err;
	*slot = comm;
	return NULL;
}

/* A handler fills c->ev and sets *emit, or leaves it clear to skip. */
typedef struct pgt_error *handler_fn(struct ctx *c, bool *emit);

/* Informational kprobes: check the fields are there. */
static struct pgt_error *check_fields(struct ctx *c, const char *const *keys)
{
	for (; *keys; keys++) {
		uint64_t v;
		struct pgt_error *err = num_field(c, *keys, true, 0, &v);
		if (err)
			return err;
	}
	return NULL;
}

static struct pgt_error *h_set_memory(struct ctx *c, bool *emit)
{
	static const char *const keys[] = {"addr", "n", NULL};
	return check_fields(c, keys);
}

static struct pgt_error *h_cpa_set_clr(struct ctx *c, bool *emit)
{
	static const char *const keys[] = {"addr", "n", "set", "clr", NULL};
	return check_fields(c, keys);
}

static struct pgt_error *h_pti_clone(struct ctx *c, bool *emit)
{
	static const char *const keys[] = {"start", "end", "level", NULL};
	c->ft->live.pti_clones++;
	return check_fields(c, keys);
}

static struct pgt_error *h_sync_one(struct ctx *c, bool *emit)
{
	static const char *const keys[] = {"pgd", "addr", NULL};
	return check_fields(c, keys);
}

static struct pgt_error *h_vmalloc_fault(struct ctx *c, bool *emit)
{
	static const char *const keys[] = {"addr", NULL};
	return check_fields(c, keys);
}

static struct pgt_error *h_pgd_alloc(struct ctx *c, bool *emit)
{
	struct pgt_ftrace *ft = c->ft;
	uint64_t mm;
	struct pgt_error *err = addr_field(c, "mm", &mm);
	if (err)
		return err;
	int32_t pid = c->l->pid;
	uint64_t key = pending_key(pid, c->l->cpu);
	struct pending_alloc *p = pending_table_find(&ft->pending, key);
	if (p)
		return bad(c, "pid %d enters pgd_alloc again before the return of line %" PRIu64
			   " (a missed kretprobe: raise its maxactive)",
			   pid, p->line);
	bool inserted;
	if ((err = pending_table_insert(&ft->pending, key, &inserted, &p)))
		return err;
	*p = (struct pending_alloc){.mm = mm, .line = c->ev->line};
	return NULL;
}

static struct pgt_error *taken_add(struct pgt_ftrace *ft, uint64_t entry_line,
				   uint64_t by_line)
{
	struct pgt_error *err = PGT_GROW(ft->taken, ft->taken_cap, ft->ntaken + 1, 16);
	if (err)
		return err;
	ft->taken[ft->ntaken++] = (struct taken_entry){entry_line, by_line};
	return NULL;
}

static struct pgt_error *h_pgd_alloc_ret(struct ctx *c, bool *emit)
{
	struct pgt_ftrace *ft = c->ft;
	uint64_t pgd;
	struct pgt_error *err = addr_field(c, "ret", &pgd);
	if (err)
		return err;
	uint64_t key = pending_key(c->l->pid, c->l->cpu);
	struct pending_alloc *p = pending_table_find(&ft->pending, key);
	if (p) {
		uint64_t mm = p->mm;
		if ((err = taken_add(ft, p->line, c->ev->line)))
			return err;
		pending_table_delete(&ft->pending, key);
		if (pgd && (err = intern_id(c, mm, &c->ev->mm)))
			return err;
	} else {
		/*
		 * Its entry came before the recording began (probes added on
		 * a running machine): the pgd is real, its mm unknown.
		 */
		if (!ft->live.orphan_returns++)
			ft->live.first_orphan_line = c->ev->line;
		c->ev->mm = 0;
	}
	if (pgd == 0)
		return NULL; /* the allocation failed */
	c->ev->op = PGT_OP_PGD_ALLOC;
	*emit = true;
	return intern_id(c, pgd, &c->ev->pgd);
}

static void note_unmatched(struct pgt_ftrace_pairs *p, uint64_t line)
{
	p->unmatched_entries++;
	if (!p->first_unmatched_line || line < p->first_unmatched_line)
		p->first_unmatched_line = line;
}

void pgt_ftrace_pairs(const struct pgt_ftrace *ft, struct pgt_ftrace_pairs *ret)
{
	*ret = (struct pgt_ftrace_pairs){
		.orphan_returns = ft->shown.orphan_returns,
		.first_orphan_line = ft->shown.first_orphan_line,
	};
	/* the entries waiting as of the line shown: not yet made by the lines
	 * read ahead, or taken by them */
	uint64_t cut = ft->shown.line;
	for (struct pending_table_entry *e = pending_table_first(&ft->pending); e;
	     e = pending_table_next(&ft->pending, e))
		if (e->value.line <= cut)
			note_unmatched(ret, e->value.line);
	for (size_t i = 0; i < ft->ntaken; i++)
		if (ft->taken[i].entry_line <= cut && ft->taken[i].by_line > cut)
			note_unmatched(ret, ft->taken[i].entry_line);
}

static struct pgt_error *h_pgd_free(struct ctx *c, bool *emit)
{
	uint64_t mm, pgd;
	struct pgt_error *err;
	if ((err = addr_field(c, "mm", &mm)) ||
	    (err = addr_field(c, "pgd", &pgd)))
		return err;
	if ((err = intern_id(c, mm, &c->ev->mm)) ||
	    (err = intern_id(c, pgd, &c->ev->pgd)))
		return err;
	c->ev->op = PGT_OP_PGD_FREE;
	*emit = true;
	return NULL;
}

/* [start, end): page-aligned, non-empty. */
static struct pgt_error *range_fields(struct ctx *c, uint64_t *start,
				      uint64_t *end)
{
	struct pgt_error *err;
	if ((err = addr_field(c, "start", start)) ||
	    (err = addr_field(c, "end", end)))
		return err;
	if (*end <= *start || ((*start | *end) & 0xfff))
		return bad(c, "bad range 0x%" PRIx64 "-0x%" PRIx64
			   " (not page-aligned and increasing)", *start, *end);
	return NULL;
}

static struct pgt_error *h_sync_kmap(struct ctx *c, bool *emit)
{
	uint64_t start, end;
	struct pgt_error *err = range_fields(c, &start, &end);
	if (err)
		return err;
	c->ev->op = PGT_OP_SYNC_RANGE;
	c->ev->addr = start;
	c->ev->size = end;
	*emit = true;
	return NULL;
}

static struct pgt_error *h_alloc_va(struct ctx *c, bool *emit)
{
	uint64_t vstart, size;
	struct pgt_error *err;
	if ((err = addr_field(c, "size", &size)) ||
	    (err = addr_field(c, "vstart", &vstart)))
		return err;
	if (vstart >= VMALLOC_OFFSET) {
		uint64_t end = vstart - VMALLOC_OFFSET;
		if (!c->ft->live.direct_end || end < c->ft->live.direct_end)
			c->ft->live.direct_end = end;
	}
	return NULL;
}

static struct pgt_error *h_alloc_va_ret(struct ctx *c, bool *emit)
{
	uint64_t va;
	struct pgt_error *err = addr_field(c, "va", &va);
	if (err)
		return err;
	if (va == 0 || va >= ERR_PTR_MIN)
		return NULL; /* failed: start and end are not there */
	uint64_t start, end;
	if ((err = range_fields(c, &start, &end)))
		return err;
	uint64_t size = end - start;
	const char *site = c->l->body;
	bool guard = !(site[0] == '(' && (!strncmp(site + 1, "new_vmap_block", 14) ||
					  !strncmp(site + 1, "vm_map_ram", 10)));
	if (guard && size > 0x1000)
		size -= 0x1000;
	c->ev->op = PGT_OP_VMALLOC;
	c->ev->addr = start;
	c->ev->size = size;
	*emit = true;
	return NULL;
}

static struct pgt_error *h_free_va(struct ctx *c, bool *emit)
{
	uint64_t va, start, end;
	struct pgt_error *err;
	if ((err = addr_field(c, "va", &va)) ||
	    (err = range_fields(c, &start, &end)))
		return err;
	c->ev->op = PGT_OP_VFREE;
	c->ev->addr = start;
	c->ev->size = 0;
	*emit = true;
	return NULL;
}

static struct pgt_error *h_purge_va(struct ctx *c, bool *emit)
{
	uint64_t start, end;
	struct pgt_error *err;
	if ((err = addr_field(c, "start", &start)) ||
	    (err = addr_field(c, "end", &end)))
		return err;
	c->ev->op = PGT_OP_PURGE;
	*emit = true;
	return NULL;
}

static struct pgt_error *h_cpa(struct ctx *c, bool *emit)
{
	uint64_t vaddr, pgd, set, clr, n, flags, alias;
	struct pgt_error *err;
	if ((err = addr_field(c, "vaddr", &vaddr)) ||
	    (err = addr_field(c, "pgd", &pgd)) ||
	    (err = num_field(c, "set", false, UINT64_MAX, &set)) ||
	    (err = num_field(c, "clr", false, UINT64_MAX, &clr)) ||
	    (err = num_field(c, "n", false, UINT32_MAX, &n)) ||
	    (err = num_field(c, "alias", true, 0, &alias)) ||
	    (err = addr_field(c, "flags", &flags)))
		return err;
	if (n == 0 || pgd != 0 || (flags & (CPA_ARRAY | CPA_PAGES_ARRAY)))
		return NULL;
	if (c->ft->live.direct_end && vaddr >= c->ft->live.direct_end)
		return NULL; /* vmalloc PTEs; the alias calls follow */
	if (vaddr & 0xfff)
		return bad(c, "vaddr 0x%" PRIx64 " is not page-aligned", vaddr);
	c->ev->op = PGT_OP_CPA;
	c->ev->addr = vaddr;
	c->ev->pages = n;
	c->ev->prot = PGT_PROT_SETCLR;
	c->ev->set = set;
	c->ev->clr = clr;
	*emit = true;
	return NULL;
}

static struct pgt_error *h_set_pmd_pte(struct ctx *c, bool *emit)
{
	uint64_t kpte, addr, pte;
	struct pgt_error *err;
	if ((err = addr_field(c, "kpte", &kpte)) ||
	    (err = addr_field(c, "addr", &addr)) ||
	    (err = num_field(c, "pte", false, UINT64_MAX, &pte)))
		return err;
	c->ev->op = PGT_OP_SET_PMD;
	c->ev->addr = addr;
	c->ev->prot_raw = pte;
	*emit = true;
	return NULL;
}

/* A task event: @pid_key/@comm_key name the task it is about. */
static struct pgt_error *task_event(struct ctx *c, const char *comm_key,
				    const char *pid_key, bool *emit)
{
	const char *v;
	size_t n;
	uint32_t comm = 0;
	struct pgt_error *err;
	if (comm_key) {
		if (!find_field(c->fields, c->end, comm_key, pid_key, &v, &n))
			return bad(c, "missing field '%s=' before '%s='", comm_key,
				   pid_key);
		if (n && (err = pgt_strtab_intern(c->ft->tab, v, n, &comm)))
			return err;
	}
	uint64_t pid;
	if ((err = num_field(c, pid_key, false, INT32_MAX, &pid)))
		return err;
	if (!comm_key)
		comm = c->ev->comm;
	c->ev->op = PGT_OP_TASK;
	c->ev->pid = (int32_t)pid;
	c->ev->comm = comm;
	*emit = true;
	return comm ? remember_comm(c->ft, (int32_t)pid, comm) : NULL;
}

static struct pgt_error *h_fork(struct ctx *c, bool *emit)
{
	const char *v;
	size_t n;
	if (!find_field(c->fields, c->end, "comm", "pid", &v, &n))
		return bad(c, "missing field 'comm='");
	return task_event(c, "child_comm", "child_pid", emit);
}

static struct pgt_error *h_exec(struct ctx *c, bool *emit)
{
	const char *v;
	size_t n;
	if (!find_field(c->fields, c->end, "filename", "pid", &v, &n))
		return bad(c, "missing field 'filename='");
	if (!c->ev->comm && n) {
		/* "<...>": exec named the task after the file's base name. */
		for (size_t k = n; k > 0; k--) {
			if (v[k - 1] == '/') {
				v += k;
				n -= k;
				break;
			}
		}
		if (n > 15)
			n = 15;
		struct pgt_error *err =
			pgt_strtab_intern(c->ft->tab, v, n, &c->ev->comm);
		if (err)
			return err;
	}
	return task_event(c, NULL, "pid", emit);
}

static struct pgt_error *h_exit(struct ctx *c, bool *emit)
{
	return task_event(c, "comm", "pid", emit);
}

/* The task is gone: its pid names nobody until a fork gives it out again. */
static struct pgt_error *h_free(struct ctx *c, bool *emit)
{
	struct pgt_error *err = task_event(c, "comm", "pid", emit);
	if (!err && *emit)
		comm_table_delete(&c->ft->comms, (uint32_t)c->ev->pid);
	return err;
}

static struct pgt_error *h_module(struct ctx *c, bool *emit)
{
	const char *s = c->fields;
	size_t n = 0;
	while (s[n] && !is_space(s[n]))
		n++;
	if (n == 0)
		return bad(c, "missing module name");
	c->ev->op = PGT_OP_MODULE;
	*emit = true;
	return pgt_strtab_intern(c->ft->tab, s, n, &c->ev->label);
}

static struct pgt_error *marker(struct ctx *c, const char *text, bool *emit)
{
	size_t n = strlen(text);
	while (n && (is_space(text[n - 1]) || text[n - 1] == '\n'))
		n--;
	if (n == 0)
		return NULL;
	c->ev->op = PGT_OP_LABEL;
	*emit = true;
	return pgt_strtab_intern(c->ft->tab, text, n, &c->ev->label);
}

static struct pgt_error *h_mark(struct ctx *c, bool *emit)
{
	return marker(c, c->l->body, emit);
}

/* trace-cmd report: "print: SYMBOL: TEXT" (the ip is tracing_mark_write). */
static struct pgt_error *h_print(struct ctx *c, bool *emit)
{
	const char *s = c->l->body;
	const char *colon = strstr(s, ": ");
	if (!colon || memchr(s, ' ', (size_t)(colon - s)))
		return bad(c, "expected 'SYMBOL: TEXT'");
	return marker(c, colon + 2, emit);
}

static struct pgt_error *h_fault(struct ctx *c, bool *emit)
{
	const char *v;
	size_t n;
	uint64_t x;
	if (!find_field(c->fields, c->end, "address", NULL, &v, &n))
		return bad(c, "missing field 'address='");
	if (!(n > 2 && v[0] == '0' && v[1] == 'x'))
		return NULL; /* %ps printed a symbol: the address is lost */
	if (!parse_num(v, n, false, &x) || x > UINT32_MAX)
		return bad(c, "bad value for 'address': '%.*s'", (int)n, v);
	c->ev->addr = x;
	if (!find_field(c->fields, c->end, "ip", NULL, &v, &n))
		return bad(c, "missing field 'ip='");
	if (n > 2 && v[0] == '0' && v[1] == 'x') {
		if (!parse_num(v, n, false, &x) || x > UINT32_MAX)
			return bad(c, "bad value for 'ip': '%.*s'", (int)n, v);
		c->ev->has_ip = true;
		c->ev->ip = x;
	}
	struct pgt_error *err = num_field(c, "error_code", false, UINT32_MAX, &x);
	if (err)
		return err;
	c->ev->has_error = true;
	c->ev->error = (uint32_t)x;
	c->ev->op = PGT_OP_FAULT;
	*emit = true;
	return NULL;
}

#define H(s, fn) {s, sizeof(s) - 1, fn}
static const struct {
	const char *name;
	unsigned char len;
	handler_fn *fn;
} handlers[] = {
	H("pgd_alloc", h_pgd_alloc),
	H("pgd_alloc_ret", h_pgd_alloc_ret),
	H("pgd_free", h_pgd_free),
	H("sync_kmap", h_sync_kmap),
	H("alloc_va", h_alloc_va),
	H("alloc_va_ret", h_alloc_va_ret),
	H("free_va", h_free_va),
	H("purge_va", h_purge_va),
	H("cpa", h_cpa),
	H("cpa_set_clr", h_cpa_set_clr),
	H("set_pmd_pte", h_set_pmd_pte),
	H("pti_clone", h_pti_clone),
	H("sync_one", h_sync_one),
	H("vmalloc_fault", h_vmalloc_fault),
	H("set_memory_ro", h_set_memory),
	H("set_memory_rw", h_set_memory),
	H("set_memory_x", h_set_memory),
	H("set_memory_nx", h_set_memory),
	H("set_memory_np", h_set_memory),
	H("sched_process_fork", h_fork),
	H("sched_process_exec", h_exec),
	H("sched_process_exit", h_exit),
	H("sched_process_free", h_free),
	H("module_load", h_module),
	H("module_free", h_module),
	H("tracing_mark_write", h_mark),
	H("print", h_print),
	H("page_fault_kernel", h_fault),
};

#define NHANDLERS (sizeof(handlers) / sizeof(handlers[0]))

/*
 * The handlers by a hash of an event name's length and three of its
 * bytes, open addressing: a line's look-up is about one name compare,
 * where a scan of the list went through every length and compared each
 * name of the same one (6 of the 28 names are 13 bytes, 5 are 18).
 */
#define HANDLER_SLOTS 64
_Static_assert(NHANDLERS < HANDLER_SLOTS / 2, "the handler table stays sparse");

static unsigned handler_hash(const char *name, size_t len)
{
	return ((unsigned)len * 37 + (unsigned char)name[0] * 7 +
		(unsigned char)name[len - 1] * 3 + (unsigned char)name[len / 2]) %
	       HANDLER_SLOTS;
}

/* handlers[] index + 1 by hash slot; 0: empty.  Built once, see below. */
static unsigned char handler_slots[HANDLER_SLOTS];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void handler_slots_init(void)
{
	for (size_t i = 0; i < NHANDLERS; i++) {
		unsigned h = handler_hash(handlers[i].name, handlers[i].len);
		while (handler_slots[h])
			h = (h + 1) % HANDLER_SLOTS;
		handler_slots[h] = (unsigned char)(i + 1);
	}
}

static handler_fn *find_handler(const char *name, size_t len)
{
	if (len == 0)
		return NULL;
	pthread_once(&handler_once, handler_slots_init);
	for (unsigned h = handler_hash(name, len); handler_slots[h];
	     h = (h + 1) % HANDLER_SLOTS) {
		size_t i = handler_slots[h] - 1u;
		if (handlers[i].len == len && !memcmp(handlers[i].name, name, len))
			return handlers[i].fn;
	}
	return NULL;
}

bool pgt_ftrace_known_event(const char *name, size_t len)
{
	return find_handler(name, len) != NULL;
}

static bool lost_events_line(const char *line)
{
	return !strncmp(line, "CPU:", 4) &&
	       (strstr(line, "LOST") || strstr(line, "DROPPED"));
}

/* Stack traces (the stacktrace option) continue the event before them. */
static bool continuation_line(const char *line)
{
	while (is_space(*line))
		line++;
	return !strncmp(line, "=>", 2) || !strncmp(line, "<stack trace>", 13) ||
	       !strncmp(line, "<user stack trace>", 18);
}

/* A bare event at @line but for its CPU, pid and a zero time. */
static inline void event_init(struct pgt_event *ev, uint64_t line,
			      int32_t cpu, int32_t pid)
{
	pgt_event_init(ev, PGT_OP_NONE, line);
	ev->t_ns = 0;
	ev->cpu = cpu;
	ev->pid = pid;
}

static struct pgt_error *line_error(struct pgt_ftrace *ft, const char *fmt,
				    ...) __attribute__((format(printf, 2, 3)));

static struct pgt_error *line_error(struct pgt_ftrace *ft, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pgt_error *err = pgt_error_vcreate(PGT_ERROR_INPUT, fmt, ap);
	va_end(ap);
	return pgt_error_prefix(err, "%s:%" PRIu64, pgt_lineio_name(ft->in),
				pgt_lineio_lineno(ft->in));
}

/* The id of the comm @s, @len bytes: from the cache, else interned. */
static struct pgt_error *line_comm(struct pgt_ftrace *ft, const char *s,
				   size_t len, uint32_t *ret)
{
	if (len > PGT_STRTAB_KEY_INLINE)
		return pgt_strtab_intern(ft->tab, s, len, ret);
	struct pgt_strtab_key k;
	pgt_strtab_key_make(s, len, &k);
	struct comm_cached *e = &ft->comm_cache[k.hash % COMM_CACHE];
	if (e->len == len && e->w0 == k.w0 && e->w1 == k.w1 && len) {
		*ret = e->id;
		return NULL;
	}
	struct pgt_error *err = pgt_strtab_intern_key(ft->tab, &k, ret);
	if (!err)
		*e = (struct comm_cached){k.w0, k.w1, (uint32_t)len, *ret};
	return err;
}

/*
 * Parse lines into @q's event until one makes an event (*emit_ret), the
 * end (*eof_ret), or an error.
 */
static struct pgt_error *parse_next(struct pgt_ftrace *ft, struct queued *q,
				    bool *emit_ret, bool *eof_ret)
{
	for (;;) {
		char *line;
		size_t len;
		struct pgt_error *err = pgt_lineio_next(ft->in, &line, &len);
		if (err)
			return err;
		if (!line) {
			*eof_ret = true;
			return NULL;
		}
		size_t i = (size_t)(skip_blank(line, line + len) - line);
		if (i == len || line[i] == '#')
			continue;
		struct ev_line l;
		if (!parse_event_line(line, len, &l)) {
			if (lost_events_line(line + i))
				return line_error(ft, "%s: the trace is incomplete (enlarge buffer_size_kb)",
						  line + i);
			if (continuation_line(line)) {
				ft->live.skipped++;
				continue;
			}
			/* trace-cmd report's preamble: cpus=, version =, ... */
			if (!ft->seen_event)
				continue;
			return line_error(ft, "not an ftrace event line");
		}
		ft->seen_event = true;
		handler_fn *fn = find_handler(l.name, l.name_len);
		if (!fn) {
			ft->live.skipped++;
			continue;
		}

		struct pgt_event *ev = &q->ev;
		q->keys.n = 0;
		event_init(ev, pgt_lineio_lineno(ft->in), l.cpu, l.pid);
		if (l.t_ns < ft->last_t) {
			ft->live.backwards++;
			l.t_ns = ft->last_t;
		}
		ft->last_t = l.t_ns;
		ev->t_ns = l.t_ns;
		if (l.comm_len == 5 && !memcmp(l.comm, "<...>", 5)) {
			uint32_t *known = comm_slot(ft, l.pid);
			ev->comm = known ? *known : 0;
		} else if ((err = line_comm(ft, l.comm, l.comm_len, &ev->comm))) {
			return err;
		}
		struct ctx c = {
			.ft = ft,
			.l = &l,
			.fields = skip_location(l.body),
			.end = line + len,
			.ev = ev,
			.q = pgt_strtab_count(ft->tab) >= AHEAD_MIN_NAMES ? q : NULL,
		};
		bool emit = false;
		if ((err = fn(&c, &emit)))
			return err;
		if (emit) {
			q->at = ft->live;
			q->at.line = ev->line;
			*emit_ret = true;
			return NULL;
		}
		/* Entries of pairs are not skipped: their return carries them. */
		if (fn != h_pgd_alloc)
			ft->live.skipped++;
	}
}

/* Queue the next events (at least one, or an error or the end). */
static void fill(struct pgt_ftrace *ft)
{
	unsigned n = 0;
	ft->qhead = 0;
	ft->ntaken = 0; /* what the lines before took is shown already */
	while (n < AHEAD) {
		bool emit = false, eof = false;
		struct pgt_error *err = parse_next(ft, &ft->q[n], &emit, &eof);
		if (err) {
			ft->qerr = err;
			break;
		}
		if (eof) {
			ft->qeof = true;
			break;
		}
		n++;
	}
	/* in line order (a line's comm may have taken an id before) */
	size_t done;
	struct pgt_error *err = pgt_strtab_intern_queue(ft->tab, &ft->q[0].keys, n,
							sizeof(ft->q[0]), &done);
	if (err) {
		/* the earlier line's error wins */
		pgt_error_destroy(ft->qerr);
		ft->qerr = err;
	}
	ft->qlen = (unsigned)done;
}

struct pgt_error *pgt_ftrace_next(struct pgt_ftrace *ft,
				  const struct pgt_event **ret, bool *eof_ret)
{
	while (ft->qhead == ft->qlen) {
		if (ft->qerr || ft->qeof) {
			/* every line read is shown now */
			ft->shown = ft->live;
			ft->shown.line = UINT64_MAX;
		}
		if (ft->qerr) {
			struct pgt_error *err = ft->qerr;
			ft->qerr = NULL;
			return err;
		}
		if (ft->qeof) {
			*eof_ret = true;
			return NULL;
		}
		fill(ft);
	}
	struct queued *q = &ft->q[ft->qhead++];
	ft->shown = q->at;
	*ret = &q->ev;
	*eof_ret = false;
	return NULL;
}
