/* SPDX-License-Identifier: MIT */
#include <inttypes.h>

#include "vread.h"
#include "walk.h"

/* Translate and read the part of [va, va+len) that lies in va's page. */
static struct pgt_error *read_chunk(const struct pgt_physmem *mem,
				    uint64_t cr3, uint32_t va, uint8_t *buf,
				    size_t len, size_t *ret)
{
	struct pgt_walk w;
	struct pgt_error *err = pgt_walk(mem, cr3, va, &w);
	if (err)
		return err;
	if (!w.present)
		return pgt_error_create(PGT_ERROR_FAULT,
					"virtual 0x%08" PRIx32 " is not mapped",
					va);
	uint64_t in_page = w.page_size - (va & (w.page_size - 1));
	size_t n = len < in_page ? len : (size_t)in_page;
	if ((err = pgt_physmem_read(mem, w.pa, buf, n)))
		return pgt_error_prefix(err,
					"virtual 0x%08" PRIx32
					" (physical 0x%" PRIx64 ")",
					va, w.pa);
	*ret = n;
	return NULL;
}

static struct pgt_error *check_range(uint32_t va, size_t len)
{
	if (len > (uint64_t)UINT32_MAX + 1 - va)
		return pgt_error_create(PGT_ERROR_INVALID,
					"virtual 0x%08" PRIx32
					" + %zu bytes is past the end of the "
					"address space",
					va, len);
	return NULL;
}

struct pgt_error *pgt_vread(const struct pgt_physmem *mem, uint64_t cr3,
			    uint32_t va, void *buf, size_t len)
{
	struct pgt_error *err = check_range(va, len);
	if (err)
		return err;
	uint8_t *p = buf;
	while (len) {
		size_t n = 0;
		if ((err = read_chunk(mem, cr3, va, p, len, &n)))
			return err;
		p += n;
		va += n;
		len -= n;
	}
	return NULL;
}

struct pgt_error *pgt_vread_partial(const struct pgt_physmem *mem,
				    uint64_t cr3, uint32_t va, void *buf,
				    size_t len, size_t *ret)
{
	struct pgt_error *err = check_range(va, len);
	if (err)
		return err;
	uint8_t *p = buf;
	size_t done = 0;
	while (done < len) {
		size_t n = 0;
		err = read_chunk(mem, cr3, va + (uint32_t)done, p + done,
				 len - done, &n);
		if (err && err->code == PGT_ERROR_FAULT) {
			pgt_error_destroy(err);
			break;
		}
		if (err)
			return err;
		done += n;
	}
	*ret = done;
	return NULL;
}
