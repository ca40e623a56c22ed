/* SPDX-License-Identifier: MIT */
/*
 * ELF core memory images: QEMU's dump-guest-memory, kdump's vmcore and
 * other ELF32/ELF64 cores.  Physical memory comes from the PT_LOAD segments
 * (by p_paddr), the CPUs' registers from the notes: NT_PRSTATUS (i386 and
 * x86-64 layouts) and QEMU's "QEMU" CPU-state note, which carries the
 * control registers and so CR3.
 *
 * The file is mapped, never copied.  It is checked when opened: a segment
 * past the end of the file, overlapping segments, absurd sizes or a
 * malformed note are errors of the form "FILE: offset 0x1234: what is
 * wrong".
 */
#ifndef PGTRACE_FORMATS_ELFCORE_H
#define PGTRACE_FORMATS_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/physmem.h"

struct pgt_elfcore;

/* One PT_LOAD segment, as physical memory. */
struct pgt_elfcore_segment {
	uint64_t pa;      /* p_paddr */
	uint64_t memsz;   /* bytes of memory: [pa, pa + memsz) */
	uint64_t filesz;  /* bytes in the file; the rest reads as zero */
	uint64_t offset;  /* p_offset */
};

/* What the notes say about one CPU (CPUs are numbered in note order). */
struct pgt_elfcore_cpu {
	bool has_prstatus; /* an NT_PRSTATUS note was found */
	int32_t pid;       /* its pr_pid */
	uint64_t ip;       /* its EIP/RIP */
	bool has_qemu;     /* a QEMU CPU-state note was found */
	uint64_t cr[5];    /* control registers from it (CR0, -, CR2, CR3, CR4) */
};

/* Open and check the image at @path. */
struct pgt_error *pgt_elfcore_open(const char *path, struct pgt_elfcore **ret);
void pgt_elfcore_destroy(struct pgt_elfcore *core);

/* The image as physical memory; valid until pgt_elfcore_destroy(). */
struct pgt_physmem pgt_elfcore_physmem(const struct pgt_elfcore *core);

/* The file name for messages. */
const char *pgt_elfcore_name(const struct pgt_elfcore *core);
/* ELFCLASS32 -> 32, ELFCLASS64 -> 64. */
int pgt_elfcore_class(const struct pgt_elfcore *core);

/* PT_LOAD segments, sorted by physical address. */
size_t pgt_elfcore_nsegments(const struct pgt_elfcore *core);
const struct pgt_elfcore_segment *
pgt_elfcore_segment(const struct pgt_elfcore *core, size_t i);

/* CPUs known from the notes (the larger of the two note counts). */
size_t pgt_elfcore_ncpus(const struct pgt_elfcore *core);
const struct pgt_elfcore_cpu *pgt_elfcore_cpu(const struct pgt_elfcore *core,
					      size_t i);

/*
 * CR3 of CPU @cpu.  A PGT_ERROR_INVALID error when there is no such CPU or
 * the image has no QEMU note for it (NT_PRSTATUS has no CR3).
 */
struct pgt_error *pgt_elfcore_cr3(const struct pgt_elfcore *core, size_t cpu,
				  uint64_t *ret);

#endif
