/* SPDX-License-Identifier: MIT */
/*
 * Reading virtual memory through page tables: the bytes a CPU with a given
 * CR3 would see, for disassembly and for reading kernel data.
 */
#ifndef PGTRACE_CORE_VREAD_H
#define PGTRACE_CORE_VREAD_H

#include <stddef.h>
#include <stdint.h>

#include "physmem.h"

/*
 * Copy @len bytes at virtual address @va, as translated by the PAE tables
 * rooted at @cr3, into @buf.  The range may cross pages (each page is
 * translated on its own) but not the end of the 4 GiB address space.  An
 * unmapped page is a PGT_ERROR_FAULT error naming the first virtual address
 * that is not mapped; an unreadable table or page is the walker's or the
 * memory's PGT_ERROR_FAULT error.
 */
struct pgt_error *pgt_vread(const struct pgt_physmem *mem, uint64_t cr3,
			    uint32_t va, void *buf, size_t len);

/*
 * Like pgt_vread(), but stop at the first byte that cannot be read instead
 * of failing: *ret is how many bytes at the start of @buf were read (0 to
 * @len).  Errors other than faults (out of memory) are returned.
 */
struct pgt_error *pgt_vread_partial(const struct pgt_physmem *mem,
				    uint64_t cr3, uint32_t va, void *buf,
				    size_t len, size_t *ret);

#endif
