/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "event.h"
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
	if (src->set & PGT_MACHINE_KERNEL)
		dst->kernel = src->kernel;
	if (src->line)
		dst->line = src->line;
	dst->set |= src->set;
}

/*
 * Strings live in one growing arena; the hash table maps each string's id
 * to its length (checked before the bytes, so most misses cost no compare).
 */
static uint64_t hash_id_unused(uint32_t id)
{
	return pgt_hash_u64(id);
}

PGT_HASH_TABLE(strset, uint32_t, uint32_t, hash_id_unused, pgt_hash_eq_scalar)

struct pgt_strtab {
	char *arena;
	size_t arena_len, arena_cap;
	size_t *offsets; /* by id; offsets[0] unused */
	uint32_t count, offsets_cap;
	struct strset set;
};

struct pgt_error *pgt_strtab_create(struct pgt_strtab **ret)
{
	struct pgt_strtab *tab = calloc(1, sizeof(*tab));
	if (!tab)
		return &pgt_error_nomem;
	strset_init(&tab->set);
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
	free(tab);
}

struct strkey {
	const struct pgt_strtab *tab;
	const char *s;
	size_t len;
};

static bool strkey_match(const uint32_t *id, const uint32_t *len,
			 const void *arg)
{
	const struct strkey *k = arg;
	return *len == k->len &&
	       memcmp(k->tab->arena + k->tab->offsets[*id], k->s, k->len) == 0;
}

static uint32_t find_hashed(const struct pgt_strtab *tab, uint64_t hash,
			    const char *s, size_t len)
{
	struct strkey k = {tab, s, len};
	const struct strset_entry *e =
		strset_find_hashed(&tab->set, hash, strkey_match, &k);
	return e ? e->key : 0;
}

uint32_t pgt_strtab_find(const struct pgt_strtab *tab, const char *s,
			 size_t len)
{
	return find_hashed(tab, pgt_hash_bytes(s, len), s, len);
}

struct pgt_error *pgt_strtab_intern(struct pgt_strtab *tab, const char *s,
				    size_t len, uint32_t *ret)
{
	uint64_t hash = pgt_hash_bytes(s, len);
	uint32_t id = find_hashed(tab, hash, s, len);
	if (id) {
		*ret = id;
		return NULL;
	}
	if (len >= UINT32_MAX || tab->count == UINT32_MAX - 1)
		return &pgt_error_nomem;
	if (tab->count + 1 >= tab->offsets_cap) {
		size_t *o = realloc(tab->offsets,
				    2 * (size_t)tab->offsets_cap * sizeof(*o));
		if (!o)
			return &pgt_error_nomem;
		tab->offsets = o;
		tab->offsets_cap *= 2;
	}
	while (tab->arena_len + len + 1 > tab->arena_cap) {
		char *a = realloc(tab->arena, 2 * tab->arena_cap);
		if (!a)
			return &pgt_error_nomem;
		tab->arena = a;
		tab->arena_cap *= 2;
	}
	uint32_t *value;
	struct pgt_error *err = strset_insert_hashed(&tab->set, hash,
						     tab->count + 1, &value);
	if (err)
		return err;
	*value = (uint32_t)len;
	memcpy(tab->arena + tab->arena_len, s, len);
	tab->arena[tab->arena_len + len] = '\0';
	id = ++tab->count;
	tab->offsets[id] = tab->arena_len;
	tab->arena_len += len + 1;
	*ret = id;
	return NULL;
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
