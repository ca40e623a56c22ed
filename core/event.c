/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "event.h"
#include "grow.h"
#include "hash.h"

static const char *const op_names[PGT_OP__COUNT] = {
	[PGT_OP_NONE] = "none",
	[PGT_OP_MACHINE] = "machine",
	[PGT_OP_PGD_ALLOC] = "pgd_alloc",
	[PGT_OP_PGD_FREE] = "pgd_free",
	[PGT_OP_SWITCH] = "switch",
	[PGT_OP_VMALLOC] = "vmalloc",
	[PGT_OP_VFREE] = "vfree",
	[PGT_OP_CPA] = "cpa",
	[PGT_OP_FLUSH] = "flush",
	[PGT_OP_SYNC] = "sync",
	[PGT_OP_SYNC_RANGE] = "sync_range",
	[PGT_OP_SET_PMD] = "set_pmd",
	[PGT_OP_PURGE] = "purge",
	[PGT_OP_REAP] = "reap",
	[PGT_OP_ACCESS] = "access",
	[PGT_OP_FAULT] = "fault",
	[PGT_OP_TASK] = "task",
	[PGT_OP_MODULE] = "module",
	[PGT_OP_LABEL] = "label",
};

const char *pgt_op_name(enum pgt_op op)
{
	if ((unsigned)op < PGT_OP__COUNT && op_names[op])
		return op_names[op];
	return "?";
}

void pgt_machine_init(struct pgt_machine *m)
{
	*m = (struct pgt_machine){
		.page_offset = 0xc0000000u,
		.lowmem = 0,
		.pse = true,
		.highmem = true,
		.nx = true,
		.pge = true,
	};
}

void pgt_machine_merge(struct pgt_machine *dst, const struct pgt_machine *src)
{
	if (src->set & PGT_MACHINE_PAGE_OFFSET)
		dst->page_offset = src->page_offset;
	if (src->set & PGT_MACHINE_LOWMEM)
		dst->lowmem = src->lowmem;
	if (src->set & PGT_MACHINE_PSE)
		dst->pse = src->pse;
	if (src->set & PGT_MACHINE_HIGHMEM)
		dst->highmem = src->highmem;
	if (src->set & PGT_MACHINE_NX)
		dst->nx = src->nx;
	if (src->set & PGT_MACHINE_PGE)
		dst->pge = src->pge;
	if (src->set & PGT_MACHINE_ETEXT)
		dst->etext = src->etext;
	if (src->set & PGT_MACHINE_INIT_END)
		dst->init_end = src->init_end;
	if (src->set & PGT_MACHINE_START)
		dst->running = src->running;
	if (src->set & PGT_MACHINE_IDT_TABLE)
		dst->idt_table = src->idt_table;
	if (src->set & PGT_MACHINE_KERNEL)
		dst->kernel = src->kernel;
	if (src->set & PGT_MACHINE_POLICY)
		dst->unshared = src->unshared;
	if (src->line)
		dst->line = src->line;
	dst->set |= src->set;
}

/*
 * Strings live in one growing arena; the hash table maps each string's id
 * to its length and first 16 bytes as two words, so a short string (a pgd
 * address, a pid, most comms) is hashed and compared without a byte loop
 * and without touching the arena.
 */
#define HEAD 16

struct strslot {
	uint32_t len;
	uint64_t w0, w1; /* the first HEAD bytes, zero-padded */
};

static uint64_t hash_id_unused(uint32_t id)
{
	return pgt_hash_u64(id);
}

PGT_HASH_TABLE(strset, uint32_t, struct strslot, hash_id_unused,
	       pgt_hash_eq_scalar)

/*
 * Kernel addresses, the names most events carry, are also found by value.
 * "0x" and lowercase hex digits without leading zeros is one string per
 * value, so a map from the value to the id is a cache in front of the
 * string table that needs no text: a reader that has the value (ftrace's,
 * which parses every address to a number) skips formatting, hashing and
 * comparing the string.  Two 32-bit halves keep a slot at 16 bytes.
 */
struct hexkey {
	uint32_t lo, hi;
};

static inline uint64_t hexkey_value(struct hexkey k)
{
	return (uint64_t)k.hi << 32 | k.lo;
}

static inline uint64_t hexkey_hash(struct hexkey k)
{
	return pgt_hash_u64(hexkey_value(k));
}

static inline bool hexkey_eq(struct hexkey a, struct hexkey b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

PGT_HASH_TABLE(hexmap, struct hexkey, uint32_t, hexkey_hash, hexkey_eq)

struct pgt_strtab {
	char *arena;
	size_t arena_len, arena_cap;
	size_t *offsets; /* by id; offsets[0] unused */
	uint32_t count;
	size_t offsets_cap;
	struct strset set;
	struct hexmap hex; /* value -> id of its "0x%" PRIx64 name */
};

struct pgt_error *pgt_strtab_create(struct pgt_strtab **ret)
{
	struct pgt_strtab *tab = calloc(1, sizeof(*tab));
	if (!tab)
		return &pgt_error_nomem;
	strset_init(&tab->set);
	hexmap_init(&tab->hex);
	tab->offsets_cap = 256;
	tab->offsets = malloc(tab->offsets_cap * sizeof(*tab->offsets));
	tab->arena_cap = 4096;
	tab->arena = malloc(tab->arena_cap);
	if (!tab->offsets || !tab->arena || strset_reserve(&tab->set, 256)) {
		pgt_strtab_destroy(tab);
		return &pgt_error_nomem;
	}
	tab->arena[0] = '\0';
	tab->arena_len = 1;
	tab->offsets[0] = 0;
	*ret = tab;
	return NULL;
}

void pgt_strtab_destroy(struct pgt_strtab *tab)
{
	if (!tab)
		return;
	free(tab->arena);
	free(tab->offsets);
	strset_deinit(&tab->set);
	hexmap_deinit(&tab->hex);
	free(tab);
}

_Static_assert(PGT_STRTAB_KEY_INLINE == HEAD, "a key's words are a slot's");

static inline uint64_t load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static inline uint64_t load32(const char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

/*
 * The first @len (< 8) bytes of @s as a zero-padded little-endian word,
 * from at most two overlapping loads inside the string.
 */
static inline uint64_t load_short(const char *s, size_t len)
{
	if (len >= 4)
		return load32(s) | load32(s + len - 4) << (8 * (len - 4));
	uint64_t w = 0;
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return w;
}

static inline void key_init(struct pgt_strtab_key *k, const char *s,
			    size_t len)
{
	k->s = s;
	k->len = len;
	uint64_t w0, w1;
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	/* the overlapping loads below place bytes right only little-endian */
	w0 = w1 = 0;
	for (size_t i = 0; i < len && i < HEAD; i++)
		*(i < 8 ? &w0 : &w1) |= (uint64_t)(unsigned char)s[i]
					<< (8 * (i % 8));
#else
	if (len >= 16) {
		w0 = load64(s);
		w1 = load64(s + 8);
	} else if (len >= 8) {
		w0 = load64(s);
		/* the last 8 bytes, shifted down over the ones w0 holds */
		w1 = len == 8 ? 0 : load64(s + len - 8) >> (8 * (16 - len));
	} else {
		w0 = load_short(s, len);
		w1 = 0;
	}
#endif
	k->w0 = w0;
	k->w1 = w1;
	if (len <= HEAD) {
		/* the words are the whole string: one 64x64->128 multiply */
		unsigned __int128 m =
			(unsigned __int128)(w0 ^ UINT64_C(0x9e3779b97f4a7c15)) *
			(w1 ^ (len * UINT64_C(0xff51afd7ed558ccd)) ^
			 UINT64_C(0xc2b2ae3d27d4eb4f));
		uint64_t h = (uint64_t)m ^ (uint64_t)(m >> 64);
		h ^= h >> 29;
		k->hash = h * UINT64_C(0x9fb21c651e98df25);
	} else {
		k->hash = pgt_hash_bytes(s, len);
	}
}

/* What strset_find_hashed() hands key_match(). */
struct key_arg {
	const struct pgt_strtab *tab;
	const struct pgt_strtab_key *k;
};

static inline bool key_match(const uint32_t *id, const struct strslot *slot,
			     const void *arg)
{
	const struct key_arg *a = arg;
	const struct pgt_strtab_key *k = a->k;
	if (slot->len != k->len || slot->w0 != k->w0 || slot->w1 != k->w1)
		return false;
	return k->len <= HEAD ||
	       memcmp(a->tab->arena + a->tab->offsets[*id] + HEAD, k->s + HEAD,
		      k->len - HEAD) == 0;
}

/* @k's entry in @tab->set, or NULL. */
static inline struct strset_entry *find_entry(const struct pgt_strtab *tab,
					      const struct pgt_strtab_key *k)
{
	struct key_arg a = {tab, k};
	return strset_find_hashed(&tab->set, k->hash, key_match, &a);
}

static inline uint32_t find_key(const struct pgt_strtab *tab,
				const struct pgt_strtab_key *k)
{
	const struct strset_entry *e = find_entry(tab, k);
	return e ? e->key : 0;
}

uint32_t pgt_strtab_find(const struct pgt_strtab *tab, const char *s,
			 size_t len)
{
	if (len >= UINT32_MAX)
		return 0;
	struct pgt_strtab_key k;
	key_init(&k, s, len);
	return find_key(tab, &k);
}

void pgt_strtab_key_make(const char *s, size_t len,
			 struct pgt_strtab_key *ret)
{
	key_init(ret, s, len);
	ret->hex = false;
}

void pgt_strtab_key_init(const struct pgt_strtab *tab, const char *s,
			 size_t len, struct pgt_strtab_key *ret)
{
	pgt_strtab_key_make(s, len, ret);
	strset_prefetch_hashed(&tab->set, ret->hash);
}

static inline struct hexkey hexkey_of(uint64_t v)
{
	return (struct hexkey){(uint32_t)v, (uint32_t)(v >> 32)};
}

static inline void hex_key_init(struct pgt_strtab_key *k, uint64_t v)
{
	k->hex = true;
	k->value = v;
	k->hash = hexkey_hash(hexkey_of(v));
}

void pgt_strtab_key_init_hex(const struct pgt_strtab *tab, uint64_t v,
			     struct pgt_strtab_key *ret)
{
	hex_key_init(ret, v);
	hexmap_prefetch_hashed(&tab->hex, ret->hash);
}

static bool hex_match(const struct hexkey *key, const uint32_t *id,
		      const void *arg)
{
	(void)id;
	return hexkey_value(*key) == *(const uint64_t *)arg;
}

static inline __attribute__((always_inline)) struct pgt_error *
intern_string_key(struct pgt_strtab *tab, const struct pgt_strtab_key *k,
		  uint32_t *ret);

/* The cache's id for @k's value; on a miss, the string's, cached. */
static struct pgt_error *intern_hex_key(struct pgt_strtab *tab,
					const struct pgt_strtab_key *k,
					uint32_t *ret)
{
	const struct hexmap_entry *e =
		hexmap_find_hashed(&tab->hex, k->hash, hex_match, &k->value);
	if (e) {
		*ret = e->value;
		return NULL;
	}
	char buf[2 + 16];
	uint64_t v = k->value;
	int digits = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = digits; i > 0; i--, v >>= 4)
		buf[1 + i] = "0123456789abcdef"[v & 0xf];
	struct pgt_strtab_key sk;
	key_init(&sk, buf, (size_t)digits + 2);
	uint32_t id;
	struct pgt_error *err = intern_string_key(tab, &sk, &id);
	uint32_t *slot;
	if (!err)
		err = hexmap_insert_hashed(&tab->hex, k->hash,
					   hexkey_of(k->value), &slot);
	if (err)
		return err;
	*slot = id;
	*ret = id;
	return NULL;
}

struct pgt_error *pgt_strtab_intern_hex(struct pgt_strtab *tab, uint64_t v,
					uint32_t *ret)
{
	struct pgt_strtab_key k;
	hex_key_init(&k, v);
	return intern_hex_key(tab, &k, ret);
}

struct pgt_error *pgt_strtab_intern_key(struct pgt_strtab *tab,
					const struct pgt_strtab_key *k,
					uint32_t *ret)
{
	return k->hex ? intern_hex_key(tab, k, ret)
		      : intern_string_key(tab, k, ret);
}

/* @k, which the table does not hold, added under the next id. */
static struct pgt_error *insert_string_key(struct pgt_strtab *tab,
					   const struct pgt_strtab_key *k,
					   uint32_t *ret)
{
	size_t len = k->len;
	if (len >= UINT32_MAX)
		return &pgt_error_nomem;
	if (tab->count == UINT32_MAX - 1)
		return &pgt_error_nomem;
	/* ids 0 to count + 1 */
	struct pgt_error *err = PGT_GROW(tab->offsets, tab->offsets_cap,
					 (size_t)tab->count + 2, 256);
	if (err || (err = PGT_GROW(tab->arena, tab->arena_cap,
				   tab->arena_len + len + 1, 4096)))
		return err;
	struct strslot *slot;
	err = strset_insert_hashed(&tab->set, k->hash,
						     tab->count + 1, &slot);
	if (err)
		return err;
	*slot = (struct strslot){.len = (uint32_t)len, .w0 = k->w0, .w1 = k->w1};
	char *dst = tab->arena + tab->arena_len;
	if (len <= HEAD) {
		/* the words hold the name: @s may be gone (a key made ahead) */
		char head[2 * sizeof(uint64_t)];
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
		for (size_t i = 0; i < len; i++)
			head[i] = (char)((i < 8 ? k->w0 : k->w1) >> (8 * (i % 8)));
#else
		memcpy(head, &k->w0, 8);
		memcpy(head + 8, &k->w1, 8);
#endif
		memcpy(dst, head, len);
	} else {
		memcpy(dst, k->s, len);
	}
	dst[len] = '\0';
	uint32_t id = ++tab->count;
	tab->offsets[id] = tab->arena_len;
	tab->arena_len += len + 1;
	*ret = id;
	return NULL;
}

/*
 * (inline: a name seen before is found with no call)
 *
 * A name found is moved to its first probe: a few names (a recording's
 * comms, on every line of a converted one) are looked up far more often
 * than the rest, and inserted early they were displaced, as the table grew,
 * by the pgd and mm names that came later.  With the 20,000 names of
 * bench/gen.py's converted 10,000-pgd trace the comms sat 0-12 slots past
 * their first probe (3.8 on average, the table's mean 0.78), each look-up
 * a loop and a mispredicted exit: 35 M of the 38 M more instructions than
 * with 100 pgds (callgrind, 1 M lines).  Moved, bench/parse.c took 0.94 as
 * much CPU time on that trace, replay --shared --kernel=6.1 0.92 as much
 * wall time with 10,000 pgds and 0.95 with 100 (bench/ab.py, 8 rounds; a
 * copy of the binary 0.99-1.00).
 */
static inline __attribute__((always_inline)) struct pgt_error *
intern_string_key(struct pgt_strtab *tab, const struct pgt_strtab_key *k,
		  uint32_t *ret)
{
	struct strset_entry *e = find_entry(tab, k);
	if (e) {
		*ret = strset_promote(&tab->set, e)->key;
		return NULL;
	}
	return insert_string_key(tab, k, ret);
}

static inline __attribute__((always_inline)) struct pgt_error *
intern_keys(struct pgt_strtab *tab, struct pgt_strtab_keys *ks)
{
	for (int j = 0; j < ks->n; j++) {
		const struct pgt_strtab_key *k = &ks->key[j];
		struct pgt_error *err = k->hex ? intern_hex_key(tab, k, ks->dest[j])
					       : intern_string_key(tab, k, ks->dest[j]);
		if (err)
			return err;
	}
	ks->n = 0;
	return NULL;
}

struct pgt_error *pgt_strtab_intern_keys(struct pgt_strtab *tab,
					 struct pgt_strtab_keys *ks)
{
	return intern_keys(tab, ks);
}

struct pgt_error *pgt_strtab_intern_queue(struct pgt_strtab *tab,
					  struct pgt_strtab_keys *first,
					  size_t n, size_t stride, size_t *ret)
{
	char *p = (char *)first;
	for (size_t i = 0; i < n; i++, p += stride) {
		struct pgt_error *err = intern_keys(tab, (struct pgt_strtab_keys *)(void *)p);
		if (err) {
			*ret = i;
			return err;
		}
	}
	*ret = n;
	return NULL;
}

struct pgt_error *pgt_strtab_intern(struct pgt_strtab *tab, const char *s,
				    size_t len, uint32_t *ret)
{
	struct pgt_strtab_key k;
	key_init(&k, s, len);
	return intern_string_key(tab, &k, ret);
}

const char *pgt_strtab_get(const struct pgt_strtab *tab, uint32_t id)
{
	if (!tab || id == 0 || id > tab->count)
		return "";
	return tab->arena + tab->offsets[id];
}

uint32_t pgt_strtab_count(const struct pgt_strtab *tab)
{
	return tab->count;
}
