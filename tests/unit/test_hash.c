/* SPDX-License-Identifier: MIT */
/*
 * core/hash.h: insert, find, delete (backward shift), growth and iteration
 * over integer keys, checked against a plain array that knows the truth;
 * keys that collide on their home slot; promotion of a key found to its
 * first probe; and the string table built on it
 * (core/event.h: ids dense from 1, found again after growth; a kernel
 * address's name found by value).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/hash.h"
#include "test_util.h"

PGT_HASH_TABLE(u64map, uint64_t, uint32_t, pgt_hash_u64, pgt_hash_eq_scalar)

/* A bad hash on purpose: every key has the same home, one long run. */
static uint64_t same_hash(uint32_t k)
{
	(void)k;
	return UINT64_C(7) << 32;
}

PGT_HASH_TABLE(collide, uint32_t, uint32_t, same_hash, pgt_hash_eq_scalar)

static void test_basic(void)
{
	struct u64map t;
	u64map_init(&t);
	CHECK(u64map_find(&t, 1) == NULL);
	CHECK(!u64map_delete(&t, 1));
	CHECK(u64map_first(&t) == NULL);
	bool inserted;
	uint32_t *v;
	if (CHECK_OK(u64map_insert(&t, 0xc5591b20, &inserted, &v))) {
		CHECK(inserted);
		CHECK_EQ_U64(*v, 0); /* a new value starts zeroed */
		*v = 42;
	}
	if (CHECK_OK(u64map_insert(&t, 0xc5591b20, &inserted, &v))) {
		CHECK(!inserted);
		CHECK_EQ_U64(*v, 42);
	}
	CHECK_EQ_U64(u64map_size(&t), 1);
	/* key 0 is an ordinary key */
	if (CHECK_OK(u64map_insert(&t, 0, &inserted, &v)))
		*v = 7;
	CHECK_EQ_U64(*u64map_find(&t, 0), 7);
	CHECK(u64map_delete(&t, 0));
	CHECK(u64map_find(&t, 0) == NULL);
	CHECK_EQ_U64(*u64map_find(&t, 0xc5591b20), 42);
	u64map_clear(&t);
	CHECK_EQ_U64(u64map_size(&t), 0);
	CHECK(u64map_find(&t, 0xc5591b20) == NULL);
	u64map_deinit(&t);
}

/* Random inserts and deletes against an array indexed by key. */
static void test_against_array(void)
{
	enum { NKEYS = 20000, STEPS = 200000 };
	uint32_t *truth = calloc(NKEYS, sizeof(*truth)); /* 0: absent */
	struct u64map t;
	u64map_init(&t);
	size_t size = 0, bad = 0;
	uint64_t x = 12345;
	for (int step = 0; step < STEPS; step++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		uint64_t key = (x >> 33) % NKEYS;
		/* keys spread like pgd addresses: page-aligned, high bits set */
		uint64_t k = 0xc0000000u + key * 4096;
		if ((x >> 20) & 1) {
			bool inserted;
			uint32_t *v;
			if (u64map_insert(&t, k, &inserted, &v)) {
				bad++;
				break;
			}
			if (inserted != (truth[key] == 0))
				bad++;
			if (inserted)
				size++;
			*v = truth[key] = (uint32_t)step + 1;
		} else {
			bool was = u64map_delete(&t, k);
			if (was != (truth[key] != 0))
				bad++;
			if (was)
				size--;
			truth[key] = 0;
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(u64map_size(&t), size);
	size_t found = 0, wrong = 0;
	for (uint64_t key = 0; key < NKEYS; key++) {
		uint32_t *v = u64map_find(&t, 0xc0000000u + key * 4096);
		if (truth[key]) {
			found += v != NULL;
			wrong += v && *v != truth[key];
		} else {
			wrong += v != NULL;
		}
	}
	CHECK_EQ_U64(found, size);
	CHECK_EQ_U64(wrong, 0);
	size_t iterated = 0;
	for (struct u64map_entry *e = u64map_first(&t); e; e = u64map_next(&t, e)) {
		iterated++;
		uint64_t key = (e->key - 0xc0000000u) / 4096;
		wrong += key >= NKEYS || truth[key] != e->value;
	}
	CHECK_EQ_U64(iterated, size);
	CHECK_EQ_U64(wrong, 0);
	/* the load stays at most 3/4 */
	CHECK(t.size <= (t.mask + 1) - (t.mask + 1) / 4);
	u64map_deinit(&t);
	free(truth);
}

/* Keys 1 to 10, each worth ten times itself, in one run of @t. */
static void collide_fill(struct collide *t)
{
	collide_init(t);
	for (uint32_t k = 1; k <= 10; k++) {
		uint32_t *v;
		if (!CHECK_OK(collide_insert(t, k, NULL, &v)))
			break;
		*v = k * 10;
	}
}

/*
 * Of keys 1 to 10, how many are as collide_fill() left them (@a and @b:
 * gone).
 */
static size_t collide_as_filled(const struct collide *t, uint32_t a, uint32_t b)
{
	size_t ok = 0;
	for (uint32_t k = 1; k <= 10; k++) {
		uint32_t *v = collide_find(t, k);
		ok += k == a || k == b ? v == NULL : v && *v == k * 10;
	}
	return ok;
}

/*
 * One run of colliding keys: deleting from its middle must pull the rest
 * back (backward shift), so each remaining key is still found and the run
 * ends where it should.
 */
static void test_collisions(void)
{
	struct collide t;
	collide_fill(&t);
	CHECK(collide_delete(&t, 3));
	CHECK(collide_delete(&t, 7));
	CHECK(!collide_delete(&t, 7));
	CHECK_EQ_U64(collide_as_filled(&t, 3, 7), 10);
	/* 8 entries in one run: exactly 8 occupied slots, no hole left behind */
	size_t occupied = 0;
	for (size_t i = 0; i <= t.mask; i++)
		occupied += t.slots[i].tag != 0;
	CHECK_EQ_U64(occupied, 8);
	collide_deinit(&t);
}

/*
 * name_promote(): the entry found moves to its first probe and the one
 * there takes its place; every key stays found, deletes still pull the
 * run back.  One run of colliding keys, then random inserts, deletes and
 * promotions against an array that knows the truth.
 */
static void test_promote(void)
{
	struct collide c;
	collide_fill(&c);
	size_t home = (size_t)(same_hash(0) >> 32) & c.mask;
	struct collide_entry *e = NULL;
	for (size_t i = 0; i <= c.mask; i++)
		if (c.slots[i].tag && c.slots[i].key == 8)
			e = &c.slots[i];
	CHECK(e != NULL);
	if (e) {
		/* the eighth key inserted sits 7 slots past the run's start */
		CHECK_EQ_U64((size_t)(e - c.slots), (home + 7) & c.mask);
		struct collide_entry *now = collide_promote(&c, e);
		CHECK(now == &c.slots[home]);
		CHECK_EQ_U64(now->key, 8);
		CHECK_EQ_U64(now->value, 80);
		CHECK_EQ_U64(e->key, 1); /* the key that was first */
		CHECK(collide_promote(&c, now) == now); /* at home: stays */
	}
	CHECK(collide_delete(&c, 8));
	CHECK(collide_delete(&c, 2));
	CHECK_EQ_U64(collide_as_filled(&c, 8, 2), 10);
	collide_deinit(&c);

	enum { NKEYS = 5000, STEPS = 100000 };
	uint32_t *truth = calloc(NKEYS, sizeof(*truth));
	struct u64map t;
	u64map_init(&t);
	size_t bad = 0, promoted = 0;
	uint64_t x = 777;
	for (int step = 0; step < STEPS && truth; step++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		uint64_t key = (x >> 33) % NKEYS, k = 0xc0000000u + key * 4096;
		switch ((x >> 20) % 3) {
		case 0: {
			bool inserted;
			uint32_t *v;
			if (u64map_insert(&t, k, &inserted, &v)) {
				bad++;
				step = STEPS;
				break;
			}
			*v = truth[key] = (uint32_t)step + 1;
			break;
		}
		case 1:
			bad += u64map_delete(&t, k) != (truth[key] != 0);
			truth[key] = 0;
			break;
		default: {
			struct u64map_entry *found =
				u64map__lookup(&t, k, pgt_hash_tag(pgt_hash_u64(k)));
			bad += (found != NULL) != (truth[key] != 0);
			if (!found)
				break;
			struct u64map_entry *now = u64map_promote(&t, found);
			bad += now != &t.slots[u64map__home(&t, now->tag)] ||
			       now->key != k || now->value != truth[key];
			promoted += now != found;
		}
		}
	}
	for (uint64_t key = 0; truth && key < NKEYS; key++) {
		uint32_t *v = u64map_find(&t, 0xc0000000u + key * 4096);
		bad += truth[key] ? !v || *v != truth[key] : v != NULL;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(promoted > 0); /* some found keys were past their first probe */
	u64map_deinit(&t);
	free(truth);
}

static void test_strtab(void)
{
	struct pgt_strtab *tab;
	if (!CHECK_OK(pgt_strtab_create(&tab)))
		return;
	uint32_t a, b, c;
	CHECK_OK(pgt_strtab_intern(tab, "0xc5591b20", 10, &a));
	CHECK_OK(pgt_strtab_intern(tab, "bash", 4, &b));
	CHECK_OK(pgt_strtab_intern(tab, "0xc5591b20xyz", 10, &c)); /* only 10 bytes */
	CHECK_EQ_U64(a, 1);
	CHECK_EQ_U64(b, 2);
	CHECK_EQ_U64(c, a);
	CHECK_EQ_U64(pgt_strtab_find(tab, "bas", 3), 0); /* a prefix is not it */
	CHECK_EQ_U64(pgt_strtab_find(tab, "bash", 4), b);
	CHECK_EQ_STR(pgt_strtab_get(tab, b), "bash");
	CHECK_EQ_STR(pgt_strtab_get(tab, 0), "");
	CHECK_EQ_STR(pgt_strtab_get(tab, 99), "");
	/*
	 * Grow well past the initial sizes: every id stays found.  The second
	 * pass interns each name again (found, and moved to its first probe):
	 * the same ids.
	 */
	char buf[32];
	size_t bad = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 50000; i++) {
			int n = snprintf(buf, sizeof(buf), "pgd-%d", i);
			uint32_t id;
			if (pgt_strtab_intern(tab, buf, (size_t)n, &id) ||
			    id != (uint32_t)i + 3)
				bad++;
		}
		for (int i = 0; i < 50000; i++) {
			int n = snprintf(buf, sizeof(buf), "pgd-%d", i);
			if (pgt_strtab_find(tab, buf, (size_t)n) != (uint32_t)i + 3 ||
			    strcmp(pgt_strtab_get(tab, (uint32_t)i + 3), buf) != 0)
				bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(pgt_strtab_count(tab), 50002);
	pgt_strtab_destroy(tab);
}

/*
 * A value's name interned by value is the string "0x%" PRIx64 of it: one id
 * whichever way it comes first, and other spellings of the value are other
 * names.  Ids follow the order of interning, deferred keys included.
 */
static void test_strtab_hex(void)
{
	struct pgt_strtab *tab;
	if (!CHECK_OK(pgt_strtab_create(&tab)))
		return;
	uint32_t a, b, c, d, z, big;
	/* by value first, then as a string */
	CHECK_OK(pgt_strtab_intern_hex(tab, 0xc4001000, &a));
	CHECK_EQ_U64(a, 1);
	CHECK_EQ_STR(pgt_strtab_get(tab, a), "0xc4001000");
	CHECK_OK(pgt_strtab_intern(tab, "0xc4001000", 10, &b));
	CHECK_EQ_U64(b, a);
	/* as a string first, then by value */
	CHECK_OK(pgt_strtab_intern(tab, "0xf7e0c000", 10, &c));
	CHECK_OK(pgt_strtab_intern_hex(tab, 0xf7e0c000, &d));
	CHECK_EQ_U64(c, 2);
	CHECK_EQ_U64(d, c);
	/* other spellings of a value are other names */
	CHECK_OK(pgt_strtab_intern(tab, "0xC4001000", 10, &b));
	CHECK_EQ_U64(b, 3);
	CHECK_OK(pgt_strtab_intern(tab, "0x0c4001000", 11, &b));
	CHECK_EQ_U64(b, 4);
	CHECK_OK(pgt_strtab_intern_hex(tab, 0xc4001000, &b));
	CHECK_EQ_U64(b, a);
	/* 0, and a value whose name is longer than a key's inline bytes */
	CHECK_OK(pgt_strtab_intern_hex(tab, 0, &z));
	CHECK_EQ_STR(pgt_strtab_get(tab, z), "0x0");
	CHECK_OK(pgt_strtab_intern_hex(tab, UINT64_MAX, &big));
	CHECK_EQ_STR(pgt_strtab_get(tab, big), "0xffffffffffffffff");
	CHECK_EQ_U64(pgt_strtab_find(tab, "0xffffffffffffffff", 18), big);
	/* deferred keys, mixed: ids in the order of pgt_strtab_intern_keys */
	uint32_t e = 0, f = 0;
	struct pgt_strtab_keys ks = {.n = 2, .dest = {&e, &f}};
	pgt_strtab_key_init_hex(tab, 0x1234, &ks.key[0]);
	pgt_strtab_key_init(tab, "bash", 4, &ks.key[1]);
	CHECK_OK(pgt_strtab_intern_keys(tab, &ks));
	CHECK_EQ_U64(ks.n, 0);
	CHECK_EQ_U64(e, z + 2);
	CHECK_EQ_U64(f, z + 3);
	CHECK_EQ_STR(pgt_strtab_get(tab, e), "0x1234");
	/*
	 * a queue of key sets, each inside a larger record: interned in
	 * order, set after set, each emptied; an empty set is passed over
	 */
	struct {
		uint32_t a, b;
		struct pgt_strtab_keys ks;
		char pad[40];
	} q[3] = {0};
	q[0].ks = (struct pgt_strtab_keys){.n = 2, .dest = {&q[0].a, &q[0].b}};
	pgt_strtab_key_init(tab, "cron", 4, &q[0].ks.key[0]);
	pgt_strtab_key_init_hex(tab, 0x1234, &q[0].ks.key[1]);
	q[2].ks = (struct pgt_strtab_keys){.n = 1, .dest = {&q[2].a}};
	pgt_strtab_key_init(tab, "sshd", 4, &q[2].ks.key[0]);
	size_t done = 99;
	CHECK_OK(pgt_strtab_intern_queue(tab, &q[0].ks, 3, sizeof(q[0]), &done));
	CHECK_EQ_U64(done, 3);
	CHECK_EQ_U64(q[0].a, f + 1);
	CHECK_EQ_U64(q[0].b, e);
	CHECK_EQ_U64(q[1].a, 0);
	CHECK_EQ_U64(q[2].a, f + 2);
	CHECK_EQ_STR(pgt_strtab_get(tab, q[2].a), "sshd");
	CHECK(q[0].ks.n == 0 && q[2].ks.n == 0);
	/* a key made without the table is the key init makes, and interns so */
	struct pgt_strtab_key made, init;
	pgt_strtab_key_make("bash", 4, &made);
	pgt_strtab_key_init(tab, "bash", 4, &init);
	CHECK(made.hash == init.hash && made.w0 == init.w0 &&
	      made.w1 == init.w1 && made.len == 4 && !made.hex);
	uint32_t g = 0;
	CHECK_OK(pgt_strtab_intern_key(tab, &made, &g));
	CHECK_EQ_U64(g, f);
	/* many values, past the tables' first sizes, both ways round */
	size_t bad = 0;
	char buf[32];
	for (uint64_t v = 0x10000; v < 0x10000 + 30000; v++) {
		uint32_t id, again;
		int n = snprintf(buf, sizeof(buf), "0x%" PRIx64, v * 0x1000);
		if ((v & 1 ? pgt_strtab_intern_hex(tab, v * 0x1000, &id)
			   : pgt_strtab_intern(tab, buf, (size_t)n, &id)) ||
		    pgt_strtab_intern_hex(tab, v * 0x1000, &again) || again != id ||
		    strcmp(pgt_strtab_get(tab, id), buf) != 0)
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	pgt_strtab_destroy(tab);
}

int main(void)
{
	test_basic();
	test_against_array();
	test_collisions();
	test_promote();
	test_strtab();
	test_strtab_hex();
	return test_summary();
}
