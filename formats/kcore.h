/* SPDX-License-Identifier: MIT */
/*
 * /proc/kcore as a physical memory image.  kcore is an ELF core of the
 * kernel's virtual address space: each PT_LOAD has the kernel-virtual
 * p_vaddr, and p_paddr is the physical address for RAM (the direct map;
 * on x86-32 that is lowmem) and -1 for everything else (vmalloc, modules,
 * the kernel text alias).  pgt_kcore_copy writes the RAM segments as an
 * ELF32 core by physical address, which formats/elfcore.h reads.  Highmem
 * is not in kcore on x86-32 and so not in the copy; kernel page tables
 * (pgds, PMDs, kernel PTE pages) are in lowmem.
 */
#ifndef PGTRACE_FORMATS_KCORE_H
#define PGTRACE_FORMATS_KCORE_H

#include <stdint.h>

#include "core/error.h"

struct pgt_kcore_stats {
	uint64_t segments;  /* RAM segments copied */
	uint64_t bytes;     /* bytes of memory copied */
	uint64_t skipped;   /* PT_LOAD segments without a physical address */
};

/*
 * Copy the RAM of the kcore-like ELF at @kcore (ELF32 or ELF64, x86) into
 * a new ELF32 core at @out.  Segments whose physical ranges overlap one
 * already taken (an alias) are skipped.  Errors name the file and, for a
 * malformed input, the byte offset; a partial @out is removed.
 */
struct pgt_error *pgt_kcore_copy(const char *kcore, const char *out,
				 struct pgt_kcore_stats *ret);

#endif
