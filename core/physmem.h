/* SPDX-License-Identifier: MIT */
/*
 * "Physical memory": what the page-table walker reads.  Two sources
 * implement it: the replay model (core/model.h) and a memory image
 * (formats/elfcore.h).  The walker and the ptdump-style range printer only
 * ever see this interface.
 */
#ifndef PGTRACE_CORE_PHYSMEM_H
#define PGTRACE_CORE_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct pgt_physmem {
	/*
	 * Copy @len bytes at physical address @pa into @buf.  Returns a
	 * PGT_ERROR_FAULT error when any byte is not backed by memory.
	 */
	struct pgt_error *(*read)(const void *ctx, uint64_t pa, void *buf,
				  size_t len);
	const void *ctx;
};

static inline struct pgt_error *pgt_physmem_read(const struct pgt_physmem *mem,
						 uint64_t pa, void *buf,
						 size_t len)
{
	return mem->read(mem->ctx, pa, buf, len);
}

/* Read one little-endian 64-bit page-table entry. */
struct pgt_error *pgt_physmem_read_u64(const struct pgt_physmem *mem,
				       uint64_t pa, uint64_t *ret);

#endif
