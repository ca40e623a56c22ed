/* SPDX-License-Identifier: MIT */
/*
 * A generic hash table: open addressing with linear probing, each slot
 * keeping its key's 32-bit hash (0 marks an empty slot), deletion by
 * backward shift (no tombstones, so lookups stay short whatever the churn).
 *
 *	PGT_HASH_TABLE(name, key_type, value_type, hash_fn, eq_fn)
 *
 * defines struct name and static inline functions over it:
 *
 *	void name_init(struct name *t);              an empty table, no memory
 *	void name_deinit(struct name *t);
 *	size_t name_size(const struct name *t);      entries held
 *	value_type *name_find(const struct name *t, key_type key);   NULL: absent
 *	struct pgt_error *name_insert(struct name *t, key_type key,
 *				      bool *inserted_ret, value_type **ret);
 *		the key's value slot; a new one (*inserted_ret true) is zeroed.
 *		Pointers into the table are valid until the next insert.
 *	bool name_delete(struct name *t, key_type key);   false: was absent
 *	void name_clear(struct name *t);             empty, memory kept
 *	struct pgt_error *name_reserve(struct name *t, size_t n);
 *	struct name##_entry *name_first(const struct name *t);
 *	struct name##_entry *name_next(const struct name *t, struct name##_entry *e);
 *		iteration in slot order (not insertion order: never print in it
 *		where output must be deterministic across table sizes); deleting
 *		during iteration is not allowed.
 *
 * hash_fn(key) returns uint64_t; eq_fn(a, b) compares two keys.  For keys
 * that are found by something other than themselves (a string table whose
 * keys are ids into an arena), the _hashed variants take the hash and a
 * match callback:
 *
 *	struct name##_entry *name_find_hashed(const struct name *t, uint64_t hash,
 *		bool (*match)(const key_type *, const value_type *, const void *),
 *		const void *arg);
 *		the entry (->key, ->value) whose key @match accepts, or NULL;
 *	struct pgt_error *name_insert_hashed(struct name *t, uint64_t hash,
 *					     key_type key, value_type **ret);
 *		the key must be absent.
 *	void name_prefetch_hashed(const struct name *t, uint64_t hash);
 *		a hint: the slot where a look-up of @hash starts is brought
 *		into the cache (no effect on the table).
 *	struct name##_entry *name_promote(struct name *t, struct name##_entry *e);
 *		@e, just returned by a find, moved to the slot where look-ups
 *		of its hash start, the entry there taking @e's place; returns
 *		@e's new place.  Every key stays found (the run from that slot
 *		to @e was full, so the entry moved out is still reached from
 *		its own start): a key looked up again and again is found at
 *		its first probe, whatever was inserted before it.  Pointers to
 *		the two entries swapped now point at each other's.
 *
 * The table never calls hash_fn when it grows (slots keep their hash).
 */
#ifndef PGTRACE_CORE_HASH_H
#define PGTRACE_CORE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cacheline.h"
#include "error.h"

/* Hashes for common keys. */
static inline uint64_t pgt_hash_u64(uint64_t x)
{
	/* splitmix64's finalizer: every input bit reaches every output bit */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static inline uint64_t pgt_hash_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (len * UINT64_C(0xff51afd7ed558ccd));
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * UINT64_C(0x9fb21c651e98df25);
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * UINT64_C(0x9fb21c651e98df25);
	}
	return pgt_hash_u64(h);
}

static inline bool pgt_hash_eq_scalar(uint64_t a, uint64_t b)
{
	return a == b;
}

/* The stored hash: never 0, which marks an empty slot. */
static inline uint32_t pgt_hash_tag(uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	return tag ? tag : 1;
}

#define PGT_HASH_TABLE(name, key_type, value_type, hash_fn, eq_fn)              \
	struct name##_entry {                                                   \
		uint32_t tag;                                                   \
		key_type key;                                                   \
		value_type value;                                               \
	};                                                                      \
	struct name {                                                           \
		struct name##_entry *slots;                                     \
		size_t mask; /* slots - 1; 0 with no slots */                   \
		size_t size;                                                    \
	};                                                                      \
	__attribute__((unused)) static inline void name##_init(struct name *t) \
	{                                                                       \
		t->slots = NULL;                                                \
		t->mask = 0;                                                    \
		t->size = 0;                                                    \
	}                                                                       \
	__attribute__((unused)) static inline void name##_deinit(struct name *t) \
	{                                                                       \
		free(t->slots);                                                 \
		name##_init(t);                                                 \
	}                                                                       \
	__attribute__((unused)) static inline size_t name##_size(              \
		const struct name *t)                                           \
	{                                                                       \
		return t->size;                                                 \
	}                                                                       \
	__attribute__((unused)) static inline void name##_clear(struct name *t) \
	{                                                                       \
		if (t->slots)                                                   \
			memset(t->slots, 0,                                     \
			       (t->mask + 1) * sizeof(*t->slots));              \
		t->size = 0;                                                    \
	}                                                                       \
	/* The slot for @tag: its home, in the table's index space. */          \
	static inline size_t name##__home(const struct name *t, uint32_t tag)  \
	{                                                                       \
		return (size_t)tag & t->mask; /* the hash is mixed already */   \
	}                                                                       \
	__attribute__((unused)) static inline void name##_prefetch_hashed(     \
		const struct name *t, uint64_t hash)                            \
	{                                                                       \
		if (t->slots)                                                   \
			__builtin_prefetch(                                     \
				&t->slots[name##__home(t, pgt_hash_tag(hash))]); \
	}                                                                       \
	static inline struct pgt_error *name##__resize(struct name *t,         \
						       size_t nslots)           \
	{                                                                       \
		/* on cache lines: a 32-byte slot never spans two */            \
		size_t bytes =                                                  \
			PGT_LINE_ROUND(nslots * sizeof(struct name##_entry));   \
		struct name##_entry *slots =                                    \
			aligned_alloc(PGT_CACHE_LINE, bytes);                   \
		if (!slots)                                                     \
			return &pgt_error_nomem;                                \
		memset(slots, 0, bytes);                                        \
		struct name##_entry *old = t->slots;                            \
		size_t oldn = old ? t->mask + 1 : 0;                            \
		t->slots = slots;                                               \
		t->mask = nslots - 1;                                           \
		for (size_t i = 0; i < oldn; i++) {                             \
			if (!old[i].tag)                                        \
				continue;                                       \
			size_t j = name##__home(t, old[i].tag);                 \
			while (slots[j].tag)                                    \
				j = (j + 1) & t->mask;                          \
			slots[j] = old[i];                                      \
		}                                                               \
		free(old);                                                      \
		return NULL;                                                    \
	}                                                                       \
	__attribute__((unused)) static inline struct pgt_error *name##_reserve( \
		struct name *t, size_t n)                                       \
	{                                                                       \
		size_t want = 16;                                               \
		while (want - want / 4 < n) {                                   \
			if (want > SIZE_MAX / 2 / sizeof(struct name##_entry))  \
				return &pgt_error_nomem;                        \
			want *= 2;                                              \
		}                                                               \
		if (t->slots && want <= t->mask + 1)                            \
			return NULL;                                            \
		return name##__resize(t, want);                                 \
	}                                                                       \
	__attribute__((unused)) static inline struct name##_entry *            \
		name##_find_hashed(                                             \
		const struct name *t, uint64_t hash,                            \
		bool (*match)(const key_type *, const value_type *,             \
			      const void *),                                    \
		const void *arg)                                                \
	{                                                                       \
		if (!t->size)                                                   \
			return NULL;                                            \
		uint32_t tag = pgt_hash_tag(hash);                              \
		for (size_t i = name##__home(t, tag);; i = (i + 1) & t->mask) { \
			struct name##_entry *e = &t->slots[i];                  \
			if (!e->tag)                                            \
				return NULL;                                    \
			if (e->tag == tag && match(&e->key, &e->value, arg))    \
				return e;                                       \
		}                                                               \
	}                                                                       \
	__attribute__((unused)) static inline struct name##_entry *            \
		name##_promote(struct name *t, struct name##_entry *e)          \
	{                                                                       \
		struct name##_entry *home = &t->slots[name##__home(t, e->tag)]; \
		if (home != e) {                                                \
			struct name##_entry moved = *home;                      \
			*home = *e;                                             \
			*e = moved;                                             \
		}                                                               \
		return home;                                                    \
	}                                                                       \
	__attribute__((unused)) static inline struct pgt_error *               \
		name##_insert_hashed(struct name *t, uint64_t hash,             \
				     key_type key, value_type **ret)            \
	{                                                                       \
		struct pgt_error *err = name##_reserve(t, t->size + 1);         \
		if (err)                                                        \
			return err;                                             \
		uint32_t tag = pgt_hash_tag(hash);                              \
		size_t i = name##__home(t, tag);                                \
		while (t->slots[i].tag)                                         \
			i = (i + 1) & t->mask;                                  \
		struct name##_entry *e = &t->slots[i];                          \
		e->tag = tag;                                                   \
		e->key = key;                                                   \
		memset(&e->value, 0, sizeof(e->value));                         \
		t->size++;                                                      \
		*ret = &e->value;                                               \
		return NULL;                                                    \
	}                                                                       \
	static inline struct name##_entry *name##__lookup(const struct name *t, \
							  key_type key,         \
							  uint32_t tag)         \
	{                                                                       \
		if (!t->size)                                                   \
			return NULL;                                            \
		for (size_t i = name##__home(t, tag);; i = (i + 1) & t->mask) { \
			struct name##_entry *e = &t->slots[i];                  \
			if (!e->tag)                                            \
				return NULL;                                    \
			if (e->tag == tag && eq_fn(e->key, key))                \
				return e;                                       \
		}                                                               \
	}                                                                       \
	__attribute__((unused)) static inline value_type *name##_find(         \
		const struct name *t, key_type key)                             \
	{                                                                       \
		struct name##_entry *e =                                        \
			name##__lookup(t, key, pgt_hash_tag(hash_fn(key)));     \
		return e ? &e->value : NULL;                                    \
	}                                                                       \
	__attribute__((unused)) static inline struct pgt_error *name##_insert( \
		struct name *t, key_type key, bool *inserted_ret,               \
		value_type **ret)                                               \
	{                                                                       \
		uint64_t hash = hash_fn(key);                                   \
		struct name##_entry *e =                                        \
			name##__lookup(t, key, pgt_hash_tag(hash));             \
		if (e) {                                                        \
			if (inserted_ret)                                       \
				*inserted_ret = false;                          \
			*ret = &e->value;                                       \
			return NULL;                                            \
		}                                                               \
		if (inserted_ret)                                               \
			*inserted_ret = true;                                   \
		return name##_insert_hashed(t, hash, key, ret);                 \
	}                                                                       \
	__attribute__((unused)) static inline bool name##_delete(struct name *t, \
								 key_type key)  \
	{                                                                       \
		struct name##_entry *e =                                        \
			name##__lookup(t, key, pgt_hash_tag(hash_fn(key)));     \
		if (!e)                                                         \
			return false;                                           \
		/* Backward shift: pull later entries of the run into the hole \
		 * when their home is not between the hole and them. */         \
		size_t hole = (size_t)(e - t->slots);                           \
		for (size_t j = (hole + 1) & t->mask;; j = (j + 1) & t->mask) { \
			struct name##_entry *f = &t->slots[j];                  \
			if (!f->tag)                                            \
				break;                                          \
			size_t home = name##__home(t, f->tag);                  \
			if (((j - home) & t->mask) >= ((j - hole) & t->mask)) { \
				t->slots[hole] = *f;                            \
				hole = j;                                       \
			}                                                       \
		}                                                               \
		memset(&t->slots[hole], 0, sizeof(t->slots[hole]));             \
		t->size--;                                                      \
		return true;                                                    \
	}                                                                       \
	__attribute__((unused)) static inline struct name##_entry *name##_next( \
		const struct name *t, struct name##_entry *e)                   \
	{                                                                       \
		if (!t->slots)                                                  \
			return NULL;                                            \
		struct name##_entry *end = t->slots + t->mask + 1;              \
		for (e = e ? e + 1 : t->slots; e < end; e++)                    \
			if (e->tag)                                             \
				return e;                                       \
		return NULL;                                                    \
	}                                                                       \
	__attribute__((unused)) static inline struct name##_entry *name##_first( \
		const struct name *t)                                           \
	{                                                                       \
		return name##_next(t, NULL);                                    \
	}

#endif
