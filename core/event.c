/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "event.h"

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
	if (src->set & PGT_MACHINE_POLICY)
		dst->unshared = src->unshared;
	if (src->line)
		dst->line = src->line;
	dst->set |= src->set;
}

/* Open addressing over FNV-1a; strings live in one growing arena. */
struct pgt_strtab {
	char *arena;
	size_t arena_len, arena_cap;
	size_t *offsets; /* by id; offsets[0] unused */
	uint32_t count, offsets_cap;
	uint32_t *slots; /* ids, 0 = empty */
	size_t nslots;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

struct pgt_error *pgt_strtab_create(struct pgt_strtab **ret)
{
	struct pgt_strtab *tab = calloc(1, sizeof(*tab));
	if (!tab)
		return &pgt_error_nomem;
	tab->nslots = 1024;
	tab->slots = calloc(tab->nslots, sizeof(*tab->slots));
	tab->offsets_cap = 256;
	tab->offsets = malloc(tab->offsets_cap * sizeof(*tab->offsets));
	tab->arena_cap = 4096;
	tab->arena = malloc(tab->arena_cap);
	if (!tab->slots || !tab->offsets || !tab->arena) {
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
	free(tab->slots);
	free(tab);
}

static bool equal_at(const struct pgt_strtab *tab, uint32_t id, const char *s,
		     size_t len)
{
	const char *t = tab->arena + tab->offsets[id];
	return strncmp(t, s, len) == 0 && t[len] == '\0';
}

uint32_t pgt_strtab_find(const struct pgt_strtab *tab, const char *s,
			 size_t len)
{
	size_t mask = tab->nslots - 1;
	for (size_t i = hash_bytes(s, len) & mask;; i = (i + 1) & mask) {
		uint32_t id = tab->slots[i];
		if (!id)
			return 0;
		if (equal_at(tab, id, s, len))
			return id;
	}
}

static struct pgt_error *rehash(struct pgt_strtab *tab)
{
	size_t n = tab->nslots * 2;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return &pgt_error_nomem;
	for (uint32_t id = 1; id <= tab->count; id++) {
		const char *t = tab->arena + tab->offsets[id];
		size_t i = hash_bytes(t, strlen(t)) & (n - 1);
		while (slots[i])
			i = (i + 1) & (n - 1);
		slots[i] = id;
	}
	free(tab->slots);
	tab->slots = slots;
	tab->nslots = n;
	return NULL;
}

struct pgt_error *pgt_strtab_intern(struct pgt_strtab *tab, const char *s,
				    size_t len, uint32_t *ret)
{
	uint32_t id = pgt_strtab_find(tab, s, len);
	if (id) {
		*ret = id;
		return NULL;
	}
	if ((tab->count + 1) * 2 >= tab->nslots) {
		struct pgt_error *err = rehash(tab);
		if (err)
			return err;
	}
	if (tab->count + 1 >= tab->offsets_cap) {
		size_t *o = realloc(tab->offsets,
				    2 * tab->offsets_cap * sizeof(*o));
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
	memcpy(tab->arena + tab->arena_len, s, len);
	tab->arena[tab->arena_len + len] = '\0';
	id = ++tab->count;
	tab->offsets[id] = tab->arena_len;
	tab->arena_len += len + 1;
	size_t mask = tab->nslots - 1;
	size_t i = hash_bytes(s, len) & mask;
	while (tab->slots[i])
		i = (i + 1) & mask;
	tab->slots[i] = id;
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
