/* SPDX-License-Identifier: MIT */
/* The native trace reader (the writer is in trace_writer.c). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/grow.h"
#include "core/layout.h"
#include "core/pae.h"
#include "formats/number.h"
#include "formats/trace.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum key {
	K_PGD, K_MM, K_ADDR, K_SIZE, K_PAGES, K_PROT, K_SET, K_CLR, K_END,
	K_PTE, K_CTX, K_IP, K_ERROR, K_NAME, K_TEXT,
	K_T, K_CPU, K_PID, K_COMM,
	K_PAGE_OFFSET, K_LOWMEM, K_PSE, K_HIGHMEM, K_NX, K_PGE, K_ETEXT, K_INIT_END, K_IDT_TABLE,
	K_KERNEL,
	K_POLICY,
	K_START,
	K__COUNT,
};

#define L(s) (sizeof(s) - 1)
#define KEY(s) {s, L(s)}

static const struct {
	const char *name;
	unsigned char len; /* checked by find_key before any byte */
} keys[K__COUNT] = {
	KEY("pgd"), KEY("mm"), KEY("addr"), KEY("size"), KEY("pages"),
	KEY("prot"), KEY("set"), KEY("clr"), KEY("end"), KEY("pte"),
	KEY("ctx"), KEY("ip"), KEY("error"), KEY("name"), KEY("text"),
	KEY("t"), KEY("cpu"), KEY("pid"), KEY("comm"),
	KEY("page_offset"), KEY("lowmem"), KEY("pse"), KEY("highmem"),
	KEY("nx"), KEY("pge"), KEY("etext"), KEY("init_end"), KEY("idt_table"), KEY("kernel"),
	KEY("policy"), KEY("start"),
};

#define B(k) (1u << (k))
#define COMMON (B(K_T) | B(K_CPU) | B(K_PID) | B(K_COMM))

struct op_spec {
	const char *name;
	unsigned char len;
	enum pgt_op op;
	unsigned allowed, required;
};

static const struct op_spec ops[] = {
	{"machine", L("machine"), PGT_OP_MACHINE,
	 COMMON | B(K_PAGE_OFFSET) | B(K_LOWMEM) | B(K_PSE) | B(K_HIGHMEM) |
		 B(K_NX) | B(K_PGE) | B(K_ETEXT) | B(K_INIT_END) | B(K_IDT_TABLE) | B(K_KERNEL) |
		 B(K_POLICY) | B(K_START), 0},
	{"pgd_alloc", L("pgd_alloc"), PGT_OP_PGD_ALLOC, COMMON | B(K_PGD) | B(K_MM), B(K_PGD)},
	{"pgd_free", L("pgd_free"), PGT_OP_PGD_FREE, COMMON | B(K_PGD) | B(K_MM), B(K_PGD)},
	{"switch", L("switch"), PGT_OP_SWITCH, COMMON | B(K_PGD) | B(K_MM), 0},
	{"vmalloc", L("vmalloc"), PGT_OP_VMALLOC, COMMON | B(K_ADDR) | B(K_SIZE),
	 B(K_ADDR) | B(K_SIZE)},
	{"vfree", L("vfree"), PGT_OP_VFREE, COMMON | B(K_ADDR) | B(K_SIZE), B(K_ADDR)},
	{"cpa", L("cpa"), PGT_OP_CPA,
	 COMMON | B(K_ADDR) | B(K_PAGES) | B(K_PROT) | B(K_SET) | B(K_CLR),
	 B(K_ADDR) | B(K_PAGES)},
	{"flush", L("flush"), PGT_OP_FLUSH, COMMON, 0},
	{"sync", L("sync"), PGT_OP_SYNC, COMMON, 0},
	{"sync_range", L("sync_range"), PGT_OP_SYNC_RANGE, COMMON | B(K_ADDR) | B(K_END),
	 B(K_ADDR) | B(K_END)},
	{"set_pmd", L("set_pmd"), PGT_OP_SET_PMD, COMMON | B(K_ADDR) | B(K_PTE),
	 B(K_ADDR) | B(K_PTE)},
	{"purge", L("purge"), PGT_OP_PURGE, COMMON, 0},
	{"reap", L("reap"), PGT_OP_REAP, COMMON, 0},
	{"access", L("access"), PGT_OP_ACCESS,
	 COMMON | B(K_ADDR) | B(K_PGD) | B(K_CTX) | B(K_IP), B(K_ADDR)},
	{"fault", L("fault"), PGT_OP_FAULT,
	 COMMON | B(K_ADDR) | B(K_PGD) | B(K_IP) | B(K_ERROR), B(K_ADDR)},
	{"task", L("task"), PGT_OP_TASK, COMMON, B(K_PID)},
	{"module", L("module"), PGT_OP_MODULE, COMMON | B(K_NAME), B(K_NAME)},
	{"label", L("label"), PGT_OP_LABEL, COMMON | B(K_TEXT), B(K_TEXT)},
};

/* The ops fast_record() knows. */
enum { FAST_ACCESS, FAST_SWITCH, FAST_PGD_ALLOC, FAST_PGD_FREE, FAST_VMALLOC,
       FAST_VFREE, FAST_TASK, FAST_PURGE, FAST__COUNT };

/*
 * Fast lines are parsed up to AHEAD at a time and, once the string table
 * holds AHEAD_MIN_NAMES names, their names interned together, each
 * look-up's slot of the table brought in while the next lines are parsed:
 * with thousands of live pgds the table does not stay in the cache, and
 * one look-up after another would wait for memory each time.  Names are
 * interned in line order, so ids are what they would be line by line.  A
 * line for parse_record() is never read ahead (it may change the reader's
 * state, a machine line): the batch ends before it.
 */
#define AHEAD 16
/* Below this many names the table is interned into at once (see fill()). */
#define AHEAD_MIN_NAMES 4096
/* The longest name a queued event keeps a copy of (the line goes away). */
#define AHEAD_NAME 64

struct ahead {
	struct pgt_event ev;
	struct pgt_strtab_keys keys; /* into ev */
	char copy[3][AHEAD_NAME];
};

struct pgt_trace_reader {
	struct pgt_lineio *in;
	struct pgt_strtab *tab;
	struct pgt_machine machine;
	bool seen_event;
	uint64_t last_t;
	char *decoded; /* scratch for %XX decoding */
	size_t decoded_cap;
	signed char op_slots[64], key_slots[64]; /* see find_op() */
	const struct op_spec *fast_ops[FAST__COUNT]; /* see fast_record() */
	unsigned canon_misses; /* fast lines in a row canonical_record() missed */
	/* Events parsed ahead, handed out from qhead (see fill()). */
	struct ahead *q;
	unsigned qhead, qlen;
	struct pgt_error *qerr; /* after the queued events */
	bool qeof;              /* likewise */
};

static void name_slots_init(signed char *slots, const char *(*name)(int),
			    int n);
static const struct op_spec *find_op_named(const char *name);
static const char *op_name_at(int i);
static const char *key_name_at(int i);

bool pgt_trace_detect(const char *line, size_t len)
{
	size_t m = strlen(PGT_TRACE_MAGIC);
	if (len < m || memcmp(line, PGT_TRACE_MAGIC, m) != 0)
		return false;
	for (size_t i = m; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

struct pgt_error *pgt_trace_reader_create(struct pgt_lineio *in,
					  struct pgt_strtab *tab,
					  struct pgt_trace_reader **ret)
{
	char *line;
	size_t len;
	struct pgt_error *err = pgt_lineio_next(in, &line, &len);
	if (err)
		return err;
	if (!line)
		return pgt_error_create(PGT_ERROR_INPUT, "%s: empty trace",
					pgt_lineio_name(in));
	if (!pgt_trace_detect(line, len))
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s:1: not a pgtrace trace (the first line must be '%s')",
					pgt_lineio_name(in), PGT_TRACE_MAGIC);
	struct pgt_trace_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return &pgt_error_nomem;
	r->in = in;
	r->tab = tab;
	if (!(r->q = malloc(AHEAD * sizeof(*r->q)))) {
		free(r);
		return &pgt_error_nomem;
	}
	pgt_machine_init(&r->machine);
	name_slots_init(r->op_slots, op_name_at, sizeof(ops) / sizeof(ops[0]));
	name_slots_init(r->key_slots, key_name_at, K__COUNT);
	static const char *const fast_names[FAST__COUNT] = {
		"access", "switch", "pgd_alloc", "pgd_free", "vmalloc", "vfree",
		"task", "purge",
	};
	for (int i = 0; i < FAST__COUNT; i++)
		r->fast_ops[i] = find_op_named(fast_names[i]);
	*ret = r;
	return NULL;
}

void pgt_trace_reader_destroy(struct pgt_trace_reader *r)
{
	if (!r)
		return;
	free(r->decoded);
	free(r->q);
	pgt_error_destroy(r->qerr);
	free(r);
}

const struct pgt_machine *pgt_trace_reader_machine(
	const struct pgt_trace_reader *r)
{
	return &r->machine;
}

static struct pgt_error *bad(struct pgt_trace_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct pgt_error *bad(struct pgt_trace_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pgt_error *err = pgt_error_vcreate(PGT_ERROR_INPUT, fmt, ap);
	va_end(ap);
	return pgt_error_prefix(err, "%s:%llu", pgt_lineio_name(r->in),
				(unsigned long long)pgt_lineio_lineno(r->in));
}

/* Decimal or 0x hexadecimal, optionally with a K/M/G suffix. */
static bool parse_u64(const char *s, size_t len, bool size_suffix,
		      uint64_t *ret)
{
	if (len == 0)
		return false;
	uint64_t shift = 0;
	if (size_suffix) {
		char c = s[len - 1];
		if (c == 'K' || c == 'M' || c == 'G') {
			shift = c == 'K' ? 10 : c == 'M' ? 20 : 30;
			len--;
		}
	}
	/* at most 20 digits after the prefix, whatever their value */
	bool hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	uint64_t v;
	if (len - (hex ? 2 : 0) > 20 || !pgt_parse_digits(s, len, &v))
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*ret = v << shift;
	return true;
}

/* "SECONDS[.FRACTION]" into nanoseconds. */
static bool parse_time(const char *s, size_t len, uint64_t *ret)
{
	uint64_t sec = 0, ns = 0;
	size_t i = 0;
	if (len == 0)
		return false;
	for (; i < len && s[i] != '.'; i++) {
		if (!isdigit((unsigned char)s[i]) || sec > UINT64_MAX / 10 / 1000000000)
			return false;
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len) {
		i++;
		if (i == len)
			return false;
		uint64_t scale = 100000000;
		for (; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return false;
			ns += (uint64_t)(s[i] - '0') * scale;
			scale /= 10;
		}
	}
	/* Past 2^64 ns it would wrap; UINT64_MAX is PGT_NO_TIME. */
	if (sec > (UINT64_MAX - 1 - ns) / 1000000000)
		return false;
	*ret = sec * 1000000000 + ns;
	return true;
}

/* Intern a name value, decoding %XX escapes (see pgtrace-trace(5)). */
static struct pgt_error *intern_value(struct pgt_trace_reader *r,
				      const char *key, const char *s,
				      size_t len, bool pct, uint32_t *ret)
{
	if (len == 0)
		return bad(r, "empty value for '%s'", key);
	if (!pct)
		return pgt_strtab_intern(r->tab, s, len, ret);
	struct pgt_error *err = PGT_GROW(r->decoded, r->decoded_cap, len + 1, 64);
	if (err)
		return err;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			r->decoded[n++] = s[i];
			continue;
		}
		int hi = i + 2 < len ? pgt_hex_digit(s[i + 1]) : -1;
		int lo = i + 2 < len ? pgt_hex_digit(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return bad(r, "bad %%XX escape in '%s'", key);
		r->decoded[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	return pgt_strtab_intern(r->tab, r->decoded, n, ret);
}

static struct pgt_error *parse_bool(struct pgt_trace_reader *r,
				    const char *key, const char *v, size_t len,
				    bool *ret)
{
	if (len == 1 && (v[0] == '0' || v[0] == '1')) {
		*ret = v[0] == '1';
		return NULL;
	}
	return bad(r, "'%s' must be 0 or 1, not '%.*s'", key, (int)len, v);
}

static struct pgt_error *parse_prot(struct pgt_trace_reader *r, const char *v,
				    size_t len, struct pgt_event *ev)
{
	static const struct {
		const char *name;
		enum pgt_prot prot;
	} names[] = {
		{"kernel", PGT_PROT_KERNEL},
		{"kernel_ro", PGT_PROT_KERNEL_RO},
		{"kernel_exec", PGT_PROT_KERNEL_EXEC},
		{"kernel_rx", PGT_PROT_KERNEL_RX},
		{"kernel_nocache", PGT_PROT_KERNEL_NOCACHE},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == len &&
		    memcmp(names[i].name, v, len) == 0) {
			ev->prot = names[i].prot;
			return NULL;
		}
	}
	uint64_t raw;
	if (len > 2 && v[0] == '0' && v[1] == 'x' &&
	    parse_u64(v, len, false, &raw)) {
		if (raw & PGT_ADDR_MASK)
			return bad(r, "prot 0x%llx has address bits set",
				   (unsigned long long)raw);
		ev->prot = PGT_PROT_RAW;
		ev->prot_raw = raw;
		return NULL;
	}
	return bad(r,
		   "unknown prot '%.*s' (kernel, kernel_ro, kernel_exec, kernel_rx, kernel_nocache or a hex value)",
		   (int)len, v);
}

static struct pgt_error *machine_field(struct pgt_trace_reader *r, enum key k,
				       const char *v, size_t len)
{
	struct pgt_machine *m = &r->machine;
	uint64_t n;
	struct pgt_error *err = NULL;
	switch (k) {
	case K_PAGE_OFFSET:
		if (!parse_u64(v, len, true, &n) ||
		    (n != 0xc0000000u && n != 0x80000000u && n != 0x40000000u))
			return bad(r, "page_offset must be 0xc0000000, 0x80000000 or 0x40000000, not '%.*s'",
				   (int)len, v);
		m->page_offset = (uint32_t)n;
		m->set |= PGT_MACHINE_PAGE_OFFSET;
		break;
	case K_LOWMEM:
		if (!parse_u64(v, len, true, &n) || n == 0 || (n & 0xfff))
			return bad(r, "lowmem must be a non-zero multiple of 4K, not '%.*s'",
				   (int)len, v);
		m->lowmem = n;
		m->set |= PGT_MACHINE_LOWMEM;
		break;
	case K_PSE:
		err = parse_bool(r, "pse", v, len, &m->pse);
		m->set |= PGT_MACHINE_PSE;
		break;
	case K_HIGHMEM:
		err = parse_bool(r, "highmem", v, len, &m->highmem);
		m->set |= PGT_MACHINE_HIGHMEM;
		break;
	case K_NX:
		err = parse_bool(r, "nx", v, len, &m->nx);
		m->set |= PGT_MACHINE_NX;
		break;
	case K_PGE:
		err = parse_bool(r, "pge", v, len, &m->pge);
		m->set |= PGT_MACHINE_PGE;
		break;
	case K_ETEXT:
		if (!parse_u64(v, len, false, &n) || n > UINT32_MAX)
			return bad(r, "bad etext '%.*s'", (int)len, v);
		m->etext = (uint32_t)n;
		m->set |= PGT_MACHINE_ETEXT;
		break;
	case K_INIT_END:
		if (!parse_u64(v, len, false, &n) || n > UINT32_MAX)
			return bad(r, "bad init_end '%.*s'", (int)len, v);
		m->init_end = (uint32_t)n;
		m->set |= PGT_MACHINE_INIT_END;
		break;
	case K_IDT_TABLE:
		if (!parse_u64(v, len, false, &n) || n > UINT32_MAX)
			return bad(r, "bad idt_table '%.*s'", (int)len, v);
		m->idt_table = (uint32_t)n;
		m->set |= PGT_MACHINE_IDT_TABLE;
		break;
	case K_KERNEL: {
		char buf[32];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, v, len);
		buf[len] = '\0';
		int kern = pgt_kernel_parse(buf);
		if (!kern)
			return bad(r, "unknown kernel '%s' (2.6.21, 2.6.22 or 6.1)",
				   buf);
		m->kernel = kern;
		m->set |= PGT_MACHINE_KERNEL;
		break;
	}
	case K_POLICY:
		if (len == 6 && !memcmp(v, "shared", 6))
			m->unshared = false;
		else if (len == 8 && !memcmp(v, "unshared", 8))
			m->unshared = true;
		else
			return bad(r, "policy must be shared or unshared, not '%.*s'",
				   (int)len, v);
		m->set |= PGT_MACHINE_POLICY;
		break;
	case K_START:
		if (len == 4 && !memcmp(v, "boot", 4))
			m->running = false;
		else if (len == 7 && !memcmp(v, "running", 7))
			m->running = true;
		else
			return bad(r, "start must be boot or running, not '%.*s'",
				   (int)len, v);
		m->set |= PGT_MACHINE_START;
		break;
	default:
		break;
	}
	return err;
}

/*
 * Name lookups by length and first byte first: the parser runs once per
 * line of traces with 10^7 lines, so no strlen() over the tables.
 */
/* What the field scanner stops at: one table load per byte. */
enum { C_END = 1, C_EQ, C_PCT };
static const unsigned char byte_class[256] = {
	['\0'] = C_END, [' '] = C_END, ['\t'] = C_END, ['='] = C_EQ,
	['%'] = C_PCT,
};

/* Names are short: a loop beats a call to memcmp. */
static inline bool same_name(const char *name, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] != s[i])
			return false;
	return true;
}

/*
 * Op and key names are found through a 64-slot table indexed by a hash of
 * their length and three bytes, built once per reader; a slot two names
 * share sends the lookup to the linear search.
 */
#define NAME_SLOTS 64
#define SLOT_EMPTY -1
#define SLOT_SHARED -2

static unsigned name_hash(const char *s, size_t len)
{
	unsigned char a = (unsigned char)s[0], b = (unsigned char)s[len > 1],
		      z = (unsigned char)s[len - 1];
	return ((unsigned)len * 37u + a * 11u + b * 5u + z) % NAME_SLOTS;
}

static void name_slots_init(signed char *slots, const char *(*name)(int),
			    int n)
{
	memset(slots, SLOT_EMPTY, NAME_SLOTS);
	for (int i = 0; i < n; i++) {
		const char *nm = name(i);
		unsigned h = name_hash(nm, strlen(nm));
		slots[h] = slots[h] == SLOT_EMPTY ? (signed char)i : SLOT_SHARED;
	}
}

static const char *op_name_at(int i)
{
	return ops[i].name;
}

static const char *key_name_at(int i)
{
	return keys[i].name;
}

static const struct op_spec *find_op(const struct pgt_trace_reader *r,
				     const char *s, size_t len)
{
	if (len == 0)
		return NULL;
	int o = r->op_slots[name_hash(s, len)];
	if (o >= 0)
		return ops[o].len == len && same_name(ops[o].name, s, len)
			       ? &ops[o]
			       : NULL;
	if (o == SLOT_EMPTY)
		return NULL;
	for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++)
		if (ops[j].len == len && same_name(ops[j].name, s, len))
			return &ops[j];
	return NULL;
}

static int find_key(const struct pgt_trace_reader *r, const char *s,
		    size_t len)
{
	if (len == 0)
		return -1;
	int k = r->key_slots[name_hash(s, len)];
	if (k >= 0)
		return keys[k].len == len && same_name(keys[k].name, s, len) ? k
										 : -1;
	if (k == SLOT_EMPTY)
		return -1;
	for (int j = 0; j < K__COUNT; j++)
		if (keys[j].len == len && same_name(keys[j].name, s, len))
			return j;
	return -1;
}

/* Keys whose value is a number parse_u64 reads. */
#define NUMERIC_KEYS                                                          \
	(B(K_ADDR) | B(K_END) | B(K_IP) | B(K_SIZE) | B(K_PAGES) | B(K_SET) |  \
	 B(K_CLR) | B(K_PTE) | B(K_ERROR) | B(K_CPU) | B(K_PID))

/*
 * The common value, a plain decimal or 0x number ending the field, read
 * in the scan that finds its end.  Anything else (a K suffix, a leading
 * zero run, junk) is left to parse_u64 and its messages: false.
 */
static inline bool fast_number(const char *line, size_t *i, uint64_t *ret)
{
	const char *s = line + *i;
	uint64_t v = 0;
	size_t j;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (j = 2;; j++) {
			int d = pgt_hex_digit(s[j]);
			if (d < 0)
				break;
			if (j - 2 == 16)
				return false;
			v = v << 4 | (uint64_t)d;
		}
		if (j == 2)
			return false;
	} else {
		for (j = 0;; j++) {
			unsigned d = (unsigned char)s[j] - '0';
			if (d > 9)
				break;
			if (j == 19)
				return false;
			v = v * 10 + d;
		}
		if (j == 0)
			return false;
	}
	if (byte_class[(unsigned char)s[j]] != C_END)
		return false;
	*i += j;
	*ret = v;
	return true;
}

static struct pgt_error *parse_record(struct pgt_trace_reader *r, char *line,
				      size_t len, struct pgt_event *ev)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t op_start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	size_t op_len = i - op_start;
	const struct op_spec *spec = find_op(r, line + op_start, op_len);
	if (!spec)
		return bad(r, "unknown operation '%.*s'", (int)op_len,
			   line + op_start);
	if (spec->op == PGT_OP_MACHINE && r->seen_event)
		return bad(r, "the machine line must come before the first event");

	memset(ev, 0, sizeof(*ev));
	ev->op = spec->op;
	ev->line = pgt_lineio_lineno(r->in);
	ev->t_ns = PGT_NO_TIME;
	ev->cpu = -1;
	ev->pid = -1;
	unsigned seen = 0;
	bool have_prot = false;
	struct pgt_error *err;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		/* the key, up to '=' (the NUL lineio puts at line[len], and
		 * nowhere before, stops every scan) */
		size_t f = i;
		unsigned char c;
		while ((c = byte_class[(unsigned char)line[i]]) == 0 || c == C_PCT)
			i++;
		if (c != C_EQ) {
			return bad(r, "expected KEY=VALUE, got '%.*s'", (int)(i - f),
				   line + f);
		}
		const char *field = line + f;
		size_t klen = i - f;
		const char *v = line + ++i;
		int k = find_key(r, field, klen);
		if (k < 0 || !(spec->allowed & B(k))) {
			return bad(r, "unknown key '%.*s' for %s", (int)klen,
				   field, spec->name);
		}
		if (seen & B(k))
			return bad(r, "duplicate key '%s'", keys[k].name);
		seen |= B(k);
		/* the value: a plain number is converted as it is scanned */
		uint64_t n = 0;
		bool have_n = (B(k) & NUMERIC_KEYS) && fast_number(line, &i, &n);
		bool pct = false;
		if (!have_n) {
			for (;; i++) {
				c = byte_class[(unsigned char)line[i]];
				if (c == C_END)
					break;
				if (c == C_PCT)
					pct = true;
			}
		}
		size_t vlen = (size_t)(line + i - v);
		if (vlen == 0)
			return bad(r, "empty value for '%s'", keys[k].name);
		switch (k) {
		case K_PGD:
			if ((err = intern_value(r, "pgd", v, vlen, pct, &ev->pgd)))
				return err;
			break;
		case K_MM:
			if ((err = intern_value(r, "mm", v, vlen, pct, &ev->mm)))
				return err;
			break;
		case K_COMM:
			if ((err = intern_value(r, "comm", v, vlen, pct, &ev->comm)))
				return err;
			break;
		case K_NAME:
			if ((err = intern_value(r, "name", v, vlen, pct, &ev->label)))
				return err;
			break;
		case K_TEXT:
			if ((err = intern_value(r, "text", v, vlen, pct, &ev->label)))
				return err;
			break;
		case K_ADDR:
		case K_END:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n > UINT32_MAX)
				return bad(r, "bad address for '%s': '%.*s'",
					   keys[k].name, (int)vlen, v);
			if (k == K_ADDR)
				ev->addr = n;
			else
				ev->size = n;
			break;
		case K_IP:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n > UINT32_MAX)
				return bad(r, "bad address for 'ip': '%.*s'",
					   (int)vlen, v);
			ev->has_ip = true;
			ev->ip = n;
			break;
		case K_SIZE:
			if ((!have_n && !parse_u64(v, vlen, true, &n)) || n > UINT32_MAX)
				return bad(r, "bad size '%.*s'", (int)vlen, v);
			ev->size = n;
			break;
		case K_PAGES:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n == 0 ||
			    n > (1u << 20))
				return bad(r, "bad page count '%.*s'", (int)vlen, v);
			ev->pages = n;
			break;
		case K_PROT:
			if ((err = parse_prot(r, v, vlen, ev)))
				return err;
			have_prot = true;
			break;
		case K_SET:
		case K_CLR:
		case K_PTE:
			if (!have_n && !parse_u64(v, vlen, false, &n))
				return bad(r, "bad value for '%s': '%.*s'",
					   keys[k].name, (int)vlen, v);
			if (k == K_SET)
				ev->set = n;
			else if (k == K_CLR)
				ev->clr = n;
			else
				ev->prot_raw = n;
			break;
		case K_CTX:
			if (vlen == 4 && !memcmp(v, "task", 4))
				ev->ctx = PGT_CTX_TASK;
			else if (vlen == 3 && !memcmp(v, "irq", 3))
				ev->ctx = PGT_CTX_IRQ;
			else if (vlen == 3 && !memcmp(v, "nmi", 3))
				ev->ctx = PGT_CTX_NMI;
			else
				return bad(r, "ctx must be task, irq or nmi, not '%.*s'",
					   (int)vlen, v);
			break;
		case K_ERROR:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n > UINT32_MAX)
				return bad(r, "bad error code '%.*s'", (int)vlen, v);
			ev->has_error = true;
			ev->error = (uint32_t)n;
			break;
		case K_T:
			if (!parse_time(v, vlen, &ev->t_ns))
				return bad(r, "bad timestamp '%.*s'", (int)vlen, v);
			break;
		case K_CPU:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n >= PGT_MAX_CPUS)
				return bad(r, "bad cpu '%.*s'", (int)vlen, v);
			ev->cpu = (int32_t)n;
			break;
		case K_PID:
			if ((!have_n && !parse_u64(v, vlen, false, &n)) || n > INT32_MAX)
				return bad(r, "bad pid '%.*s'", (int)vlen, v);
			ev->pid = (int32_t)n;
			break;
		default:
			if ((err = machine_field(r, k, v, vlen)))
				return err;
			break;
		}
	}
	unsigned missing = spec->required & ~seen;
	if (missing) {
		for (int k = 0; k < K__COUNT; k++)
			if (missing & B(k))
				return bad(r, "%s needs %s=", spec->name,
					   keys[k].name);
	}
	if (spec->op == PGT_OP_SWITCH && !(seen & (B(K_PGD) | B(K_MM))))
		return bad(r, "switch needs pgd= or mm=");
	if (spec->op == PGT_OP_CPA) {
		bool setclr = seen & (B(K_SET) | B(K_CLR));
		if (have_prot == setclr)
			return bad(r, "cpa needs either prot= or set=/clr=");
		if (setclr)
			ev->prot = PGT_PROT_SETCLR;
	}
	if (ev->t_ns != PGT_NO_TIME) {
		if (ev->t_ns < r->last_t)
			return bad(r, "timestamp goes backwards");
		r->last_t = ev->t_ns;
	}
	if (spec->op != PGT_OP_MACHINE)
		r->seen_event = true;
	else
		r->machine.line = ev->line;
	return NULL;
}

/*
 * The fast path: the lines pgtrace writes and bench/gen.py generates, an
 * op of the common ones followed by single-space separated fields of a
 * few keys with plain values, the line ending right after the last value
 * (with the t=, cpu=, pid= and comm= of a converted recording too).
 * fast_record() interns nothing: it returns the line's names for the
 * caller to intern.  Anything else (any error, escapes, other spellings of
 * numbers, other keys or ops, extra white space) returns false with no
 * effect, for parse_record() to handle (and to word the message).
 * Otherwise the event, once its names are interned, is exactly what
 * parse_record() makes of the line.
 */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_LE 1
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Bytes of @x (each below 0x80) from @lo to @hi: their high bit set. */
static inline uint64_t swar_in(uint64_t x, unsigned lo, unsigned hi)
{
	return (x + ONES * (0x80 - lo)) & ~(x + ONES * (0x7f - hi)) & HIGHS;
}

/*
 * The hex digits [0-9a-fA-F] that start the 8 bytes at @p: their number,
 * and their value (the first the most significant), without a loop over
 * the digits.
 */
static inline unsigned swar_hex8(const char *p, uint64_t *ret)
{
	uint64_t x;
	memcpy(&x, p, 8);
	uint64_t hex = (swar_in(x, '0', '9') | swar_in(x | ONES * 0x20, 'a', 'f')) &
		       ~x & HIGHS;
	uint64_t other = ~hex & HIGHS;
	unsigned n = other ? (unsigned)__builtin_ctzll(other) / 8 : 8;
	/* each byte's value: its low nibble, plus 9 for a letter (bit 6) */
	uint64_t v = (x & ONES * 0x0f) + ((x >> 6) & ONES) * 9;
	if (n < 8)
		v &= (UINT64_C(1) << (8 * n)) - 1;
	/* pack the nibbles, byte 0 ending up the most significant */
	v = ((v << 4) | (v >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	v = ((v << 8) | (v >> 16)) & UINT64_C(0x0000ffff0000ffff);
	v = ((v << 16) | (v >> 32)) & UINT64_C(0xffffffff);
	*ret = n ? v >> (4 * (8 - n)) : 0;
	return n;
}
#endif

/*
 * "0x" and 1 to 8 hex digits, ending the line or followed by a space.
 * @padded: the line's byte @len is not a hex digit and the 8 bytes from
 * any digit can be read (canonical_record()), so the digits are read 8
 * bytes at once whatever is left of the line.
 */
static inline bool hex32(const char *line, size_t *i, size_t len, bool padded,
			 uint64_t *ret)
{
	size_t j = *i;
	if (len - j < 3 || line[j] != '0' || line[j + 1] != 'x')
		return false;
	j += 2;
	size_t d = j;
	uint64_t v = 0;
#ifdef SWAR_LE
	if (padded || len - j >= 8) {
		j += swar_hex8(line + j, &v);
	} else
#endif
	{
		for (int h; j < len && j - d < 8 && (h = pgt_hex_table[(unsigned char)line[j]]) > 0; j++)
			v = v << 4 | (uint64_t)(h - 1);
	}
	if (j == d || (j < len && line[j] != ' '))
		return false;
	*i = j;
	*ret = v;
	return true;
}

/*
 * The end of a name value from @i: the first space, tab or '%' (a NUL
 * cannot come before @len: lineio refuses NUL bytes), @len at the end.
 * Eight bytes at a time: a byte equal to one of the three is a zero byte
 * of the word XORed with it, and the lowest zero byte is found exactly.
 */
#ifdef __SSE2__
/* Bit k: byte @p[k] ends a name (space, tab or '%'), for 16 bytes. */
static inline unsigned name_delims16(const char *p)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i z = _mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8(' ')),
			     _mm_cmpeq_epi8(w, _mm_set1_epi8('\t'))),
		_mm_cmpeq_epi8(w, _mm_set1_epi8('%')));
	return (unsigned)_mm_movemask_epi8(z);
}
#endif

static inline size_t name_end(const char *line, size_t i, size_t len)
{
#ifdef __SSE2__
	/* a whole name of up to 15 bytes (an address: 10) in one step */
	for (; len - i >= 16; i += 16) {
		unsigned mask = name_delims16(line + i);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
#ifdef SWAR_LE
	/* (the lowest set bit is the first byte only little-endian) */
	for (; len - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, line + i, 8);
		uint64_t a = w ^ (ONES * ' '), b = w ^ (ONES * '\t'),
			 c = w ^ (ONES * '%');
		uint64_t z = ((a - ONES) & ~a) | ((b - ONES) & ~b) |
			     ((c - ONES) & ~c);
		z &= HIGHS;
		if (z)
			return i + (size_t)__builtin_ctzll(z) / 8;
	}
#endif
	while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '%')
		i++;
	return i;
}

/* The @avail bytes at @s start with the literal @w. */
#define STARTS(s, avail, w)                                                   \
	((avail) >= sizeof(w) - 1 && !memcmp((s), (w), sizeof(w) - 1))

static const struct op_spec *find_op_named(const char *name)
{
	for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++)
		if (!strcmp(ops[j].name, name))
			return &ops[j];
	return NULL;
}

/* Which field of the event a name of a fast line goes to. */
enum name_field { NAME_PGD, NAME_MM, NAME_COMM };

/* The names of a line fast_record() took, not yet interned. */
struct fast_names {
	int n;
	const char *s[3]; /* pgd, mm and comm values, in line order */
	size_t len[3];
	unsigned char field[3]; /* enum name_field */
};

/* The field of @ev that name @j of @nm goes to. */
static inline uint32_t *name_dest(struct pgt_event *ev,
				  const struct fast_names *nm, int j)
{
	return nm->field[j] == NAME_MM	   ? &ev->mm
	       : nm->field[j] == NAME_COMM ? &ev->comm
					   : &ev->pgd;
}

/* The 8 bytes at @p equal those of the 8-character literal @w. */
static inline bool word_is(const char *p, const char *w)
{
	uint64_t a, b;
	memcpy(&a, p, 8);
	memcpy(&b, w, 8);
	return a == b;
}

/* " KEY=" (the literal @k) at @i, and a value after it. */
#define FIELD_IS(line, i, len, k)                                             \
	((len) - (i) > sizeof(k) - 1 && !memcmp((line) + (i), (k), sizeof(k) - 1))

/*
 * The end of a name value from @i, as name_end() finds it, for a line
 * followed by readable bytes (see canonical_record()): a name of up to 15
 * bytes in one step.
 */
static inline size_t name_end_padded(const char *line, size_t i, size_t len)
{
#ifdef __SSE2__
	unsigned mask = name_delims16(line + i);
	if (len - i < 16)
		mask |= ~0u << (len - i);
	if (mask)
		return i + (size_t)__builtin_ctz(mask);
	return name_end(line, i + 16, len);
#else
	return name_end(line, i, len);
#endif
}

/*
 * A decimal at @i: 1 to @digits digits, at most @max, then the end or a
 * space (a cpu: 4 digits below PGT_MAX_CPUS; a pid: 10 up to INT32_MAX).
 */
static inline bool take_decimal(const char *line, size_t *i, size_t len,
				size_t digits, uint64_t max, uint64_t *ret)
{
	size_t j = *i, d = j;
	uint64_t v = 0;
	for (; j < len && j - d < digits && (unsigned)(line[j] - '0') < 10; j++)
		v = v * 10 + (uint64_t)(line[j] - '0');
	if (j == d || v > max || (j < len && line[j] != ' '))
		return false;
	*i = j;
	*ret = v;
	return true;
}

/* A ctx value at @i: task, irq or nmi, then the end or a space. */
static inline bool take_ctx(const char *line, size_t *i, size_t len,
			    enum pgt_ctx *ret)
{
	size_t j = *i;
	if (STARTS(line + j, len - j, "task")) {
		*ret = PGT_CTX_TASK;
		j += 4;
	} else if (STARTS(line + j, len - j, "irq")) {
		*ret = PGT_CTX_IRQ;
		j += 3;
	} else if (STARTS(line + j, len - j, "nmi")) {
		*ret = PGT_CTX_NMI;
		j += 3;
	} else {
		return false;
	}
	if (j < len && line[j] != ' ')
		return false;
	*i = j;
	return true;
}

/*
 * A timestamp at @i: SECONDS[.FRACTION] in digits, as parse_time() takes
 * it, then the end or a space.  Up to 10 digits of seconds and 9 of
 * fraction (a recording's: microseconds or nanoseconds) are converted as
 * they are scanned; parse_time() takes the rest.
 */
static inline bool take_time(const char *line, size_t *i, size_t len,
			     uint64_t *ret)
{
	static const uint32_t scale[10] = {1000000000, 100000000, 10000000,
					   1000000, 100000, 10000, 1000, 100,
					   10, 1};
	size_t j = *i, d = j;
	uint64_t sec = 0, frac = 0;
	for (; j < len && (unsigned)(line[j] - '0') < 10; j++)
		sec = sec * 10 + (uint64_t)(line[j] - '0');
	size_t sec_digits = j - d, frac_digits = 0;
	if (j < len && line[j] == '.') {
		size_t f = ++j;
		for (; j < len && (unsigned)(line[j] - '0') < 10; j++)
			frac = frac * 10 + (uint64_t)(line[j] - '0');
		frac_digits = j - f;
		if (!frac_digits)
			return false;
	}
	if (j == d || (j < len && line[j] != ' '))
		return false;
	if (sec_digits > 10 || frac_digits > 9) {
		if (!parse_time(line + d, j - d, ret))
			return false;
	} else {
		/* below 10^19 ns: no overflow, and never PGT_NO_TIME */
		*ret = sec * 1000000000 + frac * scale[frac_digits];
	}
	*i = j;
	return true;
}

/*
 * A name value at @i, ending the line or followed by a space, kept in @nm
 * for @field (enum name_field).  @padded: 16 bytes past @len can be read
 * (canonical_record()).
 */
static inline bool take_name(const char *line, size_t *i, size_t len,
			     bool padded, int field, struct fast_names *nm)
{
	size_t v = *i;
	size_t e = padded ? name_end_padded(line, v, len) : name_end(line, v, len);
	if (e == v || (e < len && line[e] != ' '))
		return false;
	nm->s[nm->n] = line + v;
	nm->len[nm->n] = e - v;
	nm->field[nm->n++] = (unsigned char)field;
	*i = e;
	return true;
}

/*
 * The lines as trace_writer.c and bench/gen.py write them: an op and its
 * fields in their order, the op and first key matched a word at a time,
 * each field at the place it comes, no loop over keys.  Any other line
 * (another order, another key, anything fast_record()'s loop or the
 * general path would word differently) is false, for fast_record() to
 * decide: an event made here is the one it makes of the line.  @line[len]
 * is its LF and 16 bytes after it can be read (pgt_lineio_span()).
 */
static bool canonical_record(struct pgt_trace_reader *r, const char *line,
			     size_t len, uint64_t lineno, struct pgt_event *ev,
			     struct fast_names *nm)
{
	if (len < 16)
		return false;
	int fop;
	size_t i; /* at the first value */
	switch (line[0]) {
	case 'a':
		if (!word_is(line, "access a") || !word_is(line + 6, " addr=0x"))
			return false;
		fop = FAST_ACCESS;
		i = 12;
		break;
	case 'p':
		if (word_is(line, "pgd_free") && word_is(line + 5, "ree pgd=")) {
			fop = FAST_PGD_FREE;
			i = 13;
		} else if (word_is(line, "pgd_allo") && word_is(line + 6, "loc pgd=")) {
			fop = FAST_PGD_ALLOC;
			i = 14;
		} else {
			return false;
		}
		break;
	case 's':
		if (!word_is(line, "switch p") || !word_is(line + 3, "tch pgd="))
			return false;
		fop = FAST_SWITCH;
		i = 11;
		break;
	case 'v':
		if (word_is(line, "vmalloc ") && word_is(line + 7, " addr=0x")) {
			fop = FAST_VMALLOC;
			i = 13;
		} else if (word_is(line, "vfree ad") && word_is(line + 5, " addr=0x")) {
			fop = FAST_VFREE;
			i = 11;
		} else {
			return false;
		}
		break;
	default:
		return false;
	}
	uint64_t addr = 0, size = 0, cpu = 0;
	bool has_cpu = false;
	enum pgt_ctx ctx = PGT_CTX_TASK;
	nm->n = 0;
	switch (fop) {
	case FAST_ACCESS: /* addr [pgd] [ctx] */
		if (!hex32(line, &i, len, true, &addr))
			return false;
		if (FIELD_IS(line, i, len, " pgd=")) {
			i += 5;
			if (!take_name(line, &i, len, true, NAME_PGD, nm))
				return false;
		}
		if (FIELD_IS(line, i, len, " ctx=")) {
			i += 5;
			if (!take_ctx(line, &i, len, &ctx))
				return false;
		}
		break;
	case FAST_PGD_ALLOC:
	case FAST_PGD_FREE: /* pgd [mm] */
		if (!take_name(line, &i, len, true, NAME_PGD, nm))
			return false;
		if (FIELD_IS(line, i, len, " mm=")) {
			i += 4;
			if (!take_name(line, &i, len, true, NAME_MM, nm))
				return false;
		}
		break;
	case FAST_SWITCH: /* pgd [cpu] */
		if (!take_name(line, &i, len, true, NAME_PGD, nm))
			return false;
		if (FIELD_IS(line, i, len, " cpu=")) {
			i += 5;
			if (!take_decimal(line, &i, len, 4, PGT_MAX_CPUS - 1, &cpu))
				return false;
			has_cpu = true;
		}
		break;
	default: /* FAST_VMALLOC, FAST_VFREE: addr size, addr [size] */
		if (!hex32(line, &i, len, true, &addr))
			return false;
		if (FIELD_IS(line, i, len, " size=")) {
			i += 6;
			if (!hex32(line, &i, len, true, &size))
				return false;
		} else if (fop == FAST_VMALLOC) {
			return false;
		}
		break;
	}
	if (i != len)
		return false;
	pgt_event_init(ev, r->fast_ops[fop]->op, lineno);
	if (has_cpu)
		ev->cpu = (int32_t)cpu;
	ev->addr = addr;
	ev->size = size;
	ev->ctx = ctx;
	r->seen_event = true;
	return true;
}

/*
 * @padded: as for canonical_record(), @line[len] is its LF and 16 bytes
 * after it can be read.
 */
static bool fast_record(struct pgt_trace_reader *r, const char *line,
			size_t len, bool padded, uint64_t lineno,
			struct pgt_event *ev, struct fast_names *names_ret)
{
	const struct op_spec *spec;
	size_t i;
	switch (line[0]) {
	case 'a':
		if (!STARTS(line, len, "access "))
			return false;
		spec = r->fast_ops[FAST_ACCESS];
		i = 7;
		break;
	case 's':
		if (!STARTS(line, len, "switch "))
			return false;
		spec = r->fast_ops[FAST_SWITCH];
		i = 7;
		break;
	case 'p':
		if (STARTS(line, len, "pgd_alloc ")) {
			spec = r->fast_ops[FAST_PGD_ALLOC];
			i = 10;
		} else if (STARTS(line, len, "pgd_free ")) {
			spec = r->fast_ops[FAST_PGD_FREE];
			i = 9;
		} else if (STARTS(line, len, "purge ")) {
			spec = r->fast_ops[FAST_PURGE];
			i = 6;
		} else {
			return false;
		}
		break;
	case 't':
		if (!STARTS(line, len, "task "))
			return false;
		spec = r->fast_ops[FAST_TASK];
		i = 5;
		break;
	case 'v':
		if (STARTS(line, len, "vmalloc ")) {
			spec = r->fast_ops[FAST_VMALLOC];
			i = 8;
		} else if (STARTS(line, len, "vfree ")) {
			spec = r->fast_ops[FAST_VFREE];
			i = 6;
		} else {
			return false;
		}
		break;
	default:
		return false;
	}
	uint64_t addr = 0, size = 0, ip = 0, cpu = 0, t = PGT_NO_TIME, pid = 0;
	enum pgt_ctx ctx = PGT_CTX_TASK;
	struct fast_names *nm = names_ret;
	nm->n = 0;
	unsigned seen = 0;
	for (;;) {
		const char *f = line + i;
		size_t avail = len - i;
		int k;
		/* the key by its first byte, then the rest of it */
#define KEY_IS(lit, key)                                                      \
	(STARTS(f, avail, lit) ? (k = (key), i += sizeof(lit) - 1, true) : false)
		bool known;
		switch (f[0]) {
		case 'a':
			known = KEY_IS("addr=", K_ADDR);
			break;
		case 'p':
			known = KEY_IS("pgd=", K_PGD) || KEY_IS("pid=", K_PID);
			break;
		case 'c':
			known = KEY_IS("ctx=", K_CTX) || KEY_IS("cpu=", K_CPU) ||
				KEY_IS("comm=", K_COMM);
			break;
		case 'm':
			known = KEY_IS("mm=", K_MM);
			break;
		case 's':
			known = KEY_IS("size=", K_SIZE);
			break;
		case 'i':
			known = KEY_IS("ip=", K_IP);
			break;
		case 't':
			known = KEY_IS("t=", K_T);
			break;
		default:
			known = false;
			break;
		}
#undef KEY_IS
		if (!known)
			return false;
		if (!(spec->allowed & B(k)) || (seen & B(k)))
			return false;
		seen |= B(k);
		switch (k) {
		case K_ADDR:
			if (!hex32(line, &i, len, padded, &addr))
				return false;
			break;
		case K_SIZE:
			if (!hex32(line, &i, len, padded, &size))
				return false;
			break;
		case K_IP:
			if (!hex32(line, &i, len, padded, &ip))
				return false;
			break;
		case K_CPU:
			if (!take_decimal(line, &i, len, 4, PGT_MAX_CPUS - 1, &cpu))
				return false;
			break;
		case K_CTX:
			if (!take_ctx(line, &i, len, &ctx))
				return false;
			break;
		case K_T:
			if (!take_time(line, &i, len, &t))
				return false;
			break;
		case K_PID:
			if (!take_decimal(line, &i, len, 10, INT32_MAX, &pid))
				return false;
			break;
		default: /* K_PGD, K_MM, K_COMM */
			if (!take_name(line, &i, len, padded,
				       k == K_MM ? NAME_MM
				       : k == K_COMM ? NAME_COMM : NAME_PGD, nm))
				return false;
			break;
		}
		if (i == len)
			break;
		/* line[i] is a space: the next field follows it */
		if (++i == len)
			return false;
	}
	if ((spec->required & ~seen) ||
	    (spec->op == PGT_OP_SWITCH && !(seen & (B(K_PGD) | B(K_MM)))))
		return false;
	/* (a timestamp going backwards is the general path's to word) */
	if (t != PGT_NO_TIME) {
		if (t < r->last_t)
			return false;
		r->last_t = t;
	}

	pgt_event_init(ev, spec->op, lineno);
	ev->t_ns = t;
	if (seen & B(K_CPU))
		ev->cpu = (int32_t)cpu;
	if (seen & B(K_PID))
		ev->pid = (int32_t)pid;
	ev->addr = addr;
	ev->size = size;
	ev->ctx = ctx;
	ev->has_ip = seen & B(K_IP);
	ev->ip = ip;
	r->seen_event = true;
	return true;
}

/* Prepare @nm's names for interning into @q; false: a name is too long. */
static inline __attribute__((always_inline)) bool
ahead_keys(struct pgt_trace_reader *r, struct ahead *q,
	   const struct fast_names *nm)
{
	for (int j = 0; j < nm->n; j++)
		if (nm->len[j] > AHEAD_NAME)
			return false;
	q->keys.n = nm->n;
	for (int j = 0; j < nm->n; j++) {
		const char *s = nm->s[j];
		if (nm->len[j] > PGT_STRTAB_KEY_INLINE)
			s = memcpy(q->copy[j], s, nm->len[j]);
		pgt_strtab_key_init(r->tab, s, nm->len[j], &q->keys.key[j]);
		q->keys.dest[j] = name_dest(&q->ev, nm, j);
	}
	return true;
}

/* Intern @nm's names into @q's event now. */
static struct pgt_error *intern_now(struct pgt_trace_reader *r, struct ahead *q,
				    const struct fast_names *nm)
{
	q->keys.n = 0;
	struct pgt_error *err = NULL;
	for (int j = 0; !err && j < nm->n; j++)
		err = pgt_strtab_intern(r->tab, nm->s[j], nm->len[j],
					name_dest(&q->ev, nm, j));
	return err;
}

/*
 * Give @q's event @nm's names: interned now, or (@defer) keys interned
 * with the batch.  False: a name is too long to queue, nothing done.  An
 * error interning is r->qerr (the line is taken, not queued).
 */
static inline bool queue_names(struct pgt_trace_reader *r, struct ahead *q,
			       const struct fast_names *nm, bool defer)
{
	if (defer)
		return ahead_keys(r, q, nm);
	struct pgt_error *err = intern_now(r, q, nm);
	if (err)
		r->qerr = err;
	return true;
}

static void queue_error(struct pgt_trace_reader *r, struct pgt_error *err)
{
	/* the earlier line's error wins */
	pgt_error_destroy(r->qerr);
	r->qerr = err;
}

/* The first LF in [@p, @end), or NULL; reads up to 15 bytes past @end. */
static inline const char *span_lf(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	for (; p < end; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		if (m) {
			const char *nl = p + __builtin_ctz(m);
			return nl < end ? nl : NULL;
		}
	}
	return NULL;
#else
	return memchr(p, '\n', (size_t)(end - p));
#endif
}

/*
 * Queue fast lines of the chunk's span from @n (pgt_lineio_span: no call
 * per line); the new count.  Stops before a line the general loop of
 * fill() must see: not fast, a CR before its LF, no LF in the span, a
 * name too long to queue.
 */
static unsigned fill_span(struct pgt_trace_reader *r, unsigned n, bool defer)
{
	const char *p;
	size_t avail = pgt_lineio_span(r->in, &p);
	if (!avail)
		return n;
	const char *end = p + avail, *at = p;
	uint64_t lineno = pgt_lineio_lineno(r->in);
	uint64_t lines = 0;
	while (n < AHEAD) {
		const char *nl = span_lf(at, end);
		if (!nl || nl == at || nl[-1] == '\r')
			break;
		struct ahead *q = &r->q[n];
		struct fast_names nm;
		size_t len = (size_t)(nl - at);
		uint64_t no = lineno + lines + 1;
		/*
		 * Lines that are fast but not canonical (a converted
		 * recording's, with times and pids) come in runs: after a few,
		 * canonical_record() is tried on one line in 16 only.
		 */
		bool canon = r->canon_misses < 4 || !(no & 15);
		if (canon && canonical_record(r, at, len, no, &q->ev, &nm))
			r->canon_misses = 0;
		else if (fast_record(r, at, len, true, no, &q->ev, &nm))
			r->canon_misses += canon;
		else
			break;
		if (!queue_names(r, q, &nm, defer))
			break;
		lines++;
		at = nl + 1;
		if (r->qerr)
			break;
		n++;
	}
	pgt_lineio_consume(r->in, (size_t)(at - p), lines);
	return n;
}

/* Queue the next events (at least one, or an error or the end). */
static void fill(struct pgt_trace_reader *r)
{
	unsigned n = 0;
	r->qhead = 0;
	/* a small table stays in the cache: intern at once, it is cheaper */
	bool defer = pgt_strtab_count(r->tab) >= AHEAD_MIN_NAMES;
	while (n < AHEAD) {
		n = fill_span(r, n, defer);
		if (n == AHEAD || r->qerr)
			break;
		char *line;
		size_t len;
		struct pgt_error *err = pgt_lineio_next(r->in, &line, &len);
		if (err) {
			r->qerr = err;
			break;
		}
		if (!line) {
			r->qeof = true;
			break;
		}
		struct ahead *q = &r->q[n];
		struct fast_names nm;
		bool fast = fast_record(r, line, len, false, pgt_lineio_lineno(r->in),
					&q->ev, &nm);
		if (fast && queue_names(r, q, &nm, defer)) {
			if (r->qerr)
				break;
			n++;
			continue;
		}
		if (!fast) {
			size_t i = 0;
			while (i < len && (line[i] == ' ' || line[i] == '\t'))
				i++;
			if (i == len || line[i] == '#')
				continue;
		}
		if (n) {
			pgt_lineio_unget(r->in);
			break;
		}
		/* this line alone, interned at once */
		if (fast) {
			err = intern_now(r, q, &nm);
		} else {
			q->keys.n = 0;
			err = parse_record(r, line, len, &q->ev);
		}
		if (err)
			r->qerr = err;
		else
			n = 1;
		break;
	}
	size_t done;
	struct pgt_error *err = pgt_strtab_intern_queue(r->tab, &r->q[0].keys, n,
							sizeof(r->q[0]), &done);
	if (err)
		queue_error(r, err);
	r->qlen = (unsigned)done;
}

struct pgt_error *pgt_trace_reader_next(struct pgt_trace_reader *r,
					const struct pgt_event **ret,
					bool *eof_ret)
{
	while (r->qhead == r->qlen) {
		if (r->qerr) {
			struct pgt_error *err = r->qerr;
			r->qerr = NULL;
			return err;
		}
		if (r->qeof) {
			*eof_ret = true;
			return NULL;
		}
		fill(r);
	}
	*ret = &r->q[r->qhead++].ev;
	*eof_ret = false;
	return NULL;
}
