/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>

#include "cli/startcore.h"
#include "core/grow.h"
#include "core/pae.h"

static struct pgt_error *read_u32(const struct dump_image *img, uint64_t va,
				  uint32_t *ret)
{
	if (va < img->page_offset)
		return pgt_error_create(PGT_ERROR_INPUT,
					"0x%" PRIx64 " is not a direct-map address", va);
	uint8_t b[4];
	struct pgt_error *err = pgt_physmem_read(&img->mem, va - img->page_offset,
						 b, sizeof(b));
	if (err)
		return err;
	*ret = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	return NULL;
}

/* Does the page at @pa hold a PAE pgd (4 PDPTEs, the kernel's present)? */
static bool looks_like_pgd(const struct dump_image *img, uint64_t pa)
{
	uint64_t e[PGT_PTRS_PER_PGD];
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		struct pgt_error *err = pgt_physmem_read_u64(&img->mem, pa + 8 * (uint64_t)i, &e[i]);
		if (err) {
			pgt_error_destroy(err);
			return false;
		}
		/* a PDPTE: present or empty; RW, US, PSE, G and bits 52-63 are
		 * reserved in one (the accessed bit is what emulators set) */
		if (e[i] & (PGT_RW | PGT_US | PGT_PSE | PGT_G | ~UINT64_C(0x000fffffffffffff)))
			return false;
	}
	int kslot = (int)pgt_pgd_index(img->page_offset);
	return pgt_present(e[PGT_PTRS_PER_PGD - 1]) && pgt_present(e[kslot]);
}

struct pgt_error *image_pgd_list(const struct dump_image *img, uint64_t **ret,
				 size_t *nret)
{
	*ret = NULL;
	*nret = 0;
	uint64_t head, mem_map_var;
	if (!img->syms || !pgt_symbols_lookup(img->syms, "pgd_list", &head) ||
	    !pgt_symbols_lookup(img->syms, "mem_map", &mem_map_var))
		return pgt_error_create(PGT_ERROR_INPUT,
					"the symbols name no pgd_list and mem_map (a 6.1 FLATMEM kernel has both)");
	uint32_t mem_map = 0, node = 0;
	struct pgt_error *err;
	if ((err = read_u32(img, mem_map_var, &mem_map)) ||
	    (err = read_u32(img, head, &node)))
		return pgt_error_prefix(err, "reading pgd_list");
	size_t n = 0, cap = 0, limit = 1u << 20; /* more pages than 32-bit lowmem */
	uint32_t *nodes = NULL;
	while (node != (uint32_t)head) {
		if (n == limit) {
			free(nodes);
			return pgt_error_create(PGT_ERROR_INPUT,
						"pgd_list does not come back to its head after %zu nodes",
						n);
		}
		if ((err = PGT_GROW(nodes, cap, n + 1, 64))) {
			free(nodes);
			return err;
		}
		nodes[n++] = node;
		if ((err = read_u32(img, node, &node))) {
			free(nodes);
			return pgt_error_prefix(err, "walking pgd_list");
		}
	}
	/* sizeof(struct page) and offsetof(struct page, lru) of this config */
	static const uint32_t sizes[] = {32, 36, 40, 44, 48, 52, 56, 60, 64};
	static const uint32_t lru_offsets[] = {4, 8, 24, 28};
	uint64_t *pas = n ? malloc(n * sizeof(*pas)) : NULL;
	if (n && !pas) {
		free(nodes);
		return &pgt_error_nomem;
	}
	int found = 0;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (size_t li = 0; li < sizeof(lru_offsets) / sizeof(lru_offsets[0]); li++) {
			uint32_t size = sizes[si], off = lru_offsets[li];
			bool all = true;
			for (size_t i = 0; i < n && all; i++) {
				int64_t d = (int64_t)nodes[i] - off - mem_map;
				if (d < 0 || d % size) {
					all = false;
					break;
				}
				uint64_t pa = (uint64_t)(d / size) << PGT_PAGE_SHIFT;
				all = looks_like_pgd(img, pa);
				if (all && !found)
					pas[i] = pa;
			}
			if (all)
				found++;
		}
	free(nodes);
	if (n && found != 1) {
		free(pas);
		return pgt_error_create(PGT_ERROR_INPUT,
					found ? "pgd_list: several layouts of struct page fit its %zu nodes"
					      : "pgd_list: no layout of struct page makes its %zu nodes pages holding pgds",
					n);
	}
	*ret = pas;
	*nret = n;
	return NULL;
}
