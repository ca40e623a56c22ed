/* SPDX-License-Identifier: MIT */
/*
 * x86-32 PAE page-table entries: 64-bit entries, three levels.
 *
 *   CR3 -> PDPT (4 PDPTEs, 32-byte aligned) -> PMD page (512 PDEs)
 *       -> PTE page (512 PTEs) -> 4 KiB page
 *
 * A PDE with PSE set maps a 2 MiB page directly.  Names follow the kernel's
 * <asm/pgtable_types.h>: pgd = PDPTE, pmd = PDE, pte = PTE.
 */
#ifndef PGTRACE_CORE_PAE_H
#define PGTRACE_CORE_PAE_H

#include <stdbool.h>
#include <stdint.h>

#define PGT_PAGE_SHIFT 12
#define PGT_PAGE_SIZE (UINT64_C(1) << PGT_PAGE_SHIFT)
#define PGT_PMD_SHIFT 21
#define PGT_PMD_SIZE (UINT64_C(1) << PGT_PMD_SHIFT)
#define PGT_PGDIR_SHIFT 30
#define PGT_PGDIR_SIZE (UINT64_C(1) << PGT_PGDIR_SHIFT)
#define PGT_PTRS_PER_PGD 4
#define PGT_PTRS_PER_PMD 512
#define PGT_PTRS_PER_PTE 512

/* Entry bits (_PAGE_*). */
#define PGT_P (UINT64_C(1) << 0)
#define PGT_RW (UINT64_C(1) << 1)
#define PGT_US (UINT64_C(1) << 2)
#define PGT_PWT (UINT64_C(1) << 3)
#define PGT_PCD (UINT64_C(1) << 4)
#define PGT_A (UINT64_C(1) << 5)
#define PGT_D (UINT64_C(1) << 6)
#define PGT_PSE (UINT64_C(1) << 7)
#define PGT_G (UINT64_C(1) << 8)
#define PGT_NX (UINT64_C(1) << 63)

/* Physical address bits 12..51 of an entry (PTE_PFN_MASK). */
#define PGT_ADDR_MASK UINT64_C(0x000ffffffffff000)
/* Physical address bits 21..51 of a 2 MiB PDE (bit 12 is PAT there). */
#define PGT_LARGE_ADDR_MASK UINT64_C(0x000fffffffe00000)
/* The flag bits of an entry: everything but the address. */
#define PGT_FLAGS_MASK (~PGT_ADDR_MASK)

/*
 * Reserved bits (Intel SDM vol. 3A, 4.4.2, PAE paging), for MAXPHYADDR 52
 * (the architectural maximum: bits that are reserved on every processor)
 * and EFER.NXE = 1 (bit 63 is NX below the PDPT).  A present entry with one
 * set does not translate: a page fault with RSVD in the error code, or for
 * a PDPTE a #GP when CR3 is loaded (the four PDPTEs are loaded with it).
 */
#define PGT_RSVD_HIGH UINT64_C(0x7ff0000000000000) /* bits 52..62 */
/*
 * PDPTE: bits 1, 2, 6..8 and 63 too (only P, PWT, PCD are defined).  Bit 5
 * is reserved as well, but QEMU's walker sets it (as an accessed bit) in
 * the PDPTEs it uses, so every image taken under QEMU has it: it is left
 * out rather than call every such image's CR3 unloadable.
 */
#define PGT_PDPTE_RSVD (PGT_RSVD_HIGH | PGT_NX | UINT64_C(0x1c6))
/* 2 MiB PDE: bits 13..20 too (bit 12 is PAT). */
#define PGT_LARGE_RSVD (PGT_RSVD_HIGH | UINT64_C(0x1fe000))

/* The reserved bits set in a PDPTE, 0 when none (or not present). */
static inline uint64_t pgt_pdpte_rsvd(uint64_t e)
{
	return (e & PGT_P) ? e & PGT_PDPTE_RSVD : 0;
}

/* The reserved bits set in a PDE (2 MiB or table), 0 when none. */
static inline uint64_t pgt_pde_rsvd(uint64_t e)
{
	if (!(e & PGT_P))
		return 0;
	return e & ((e & PGT_PSE) ? PGT_LARGE_RSVD : PGT_RSVD_HIGH);
}

/* The reserved bits set in a PTE, 0 when none. */
static inline uint64_t pgt_pte_rsvd(uint64_t e)
{
	return (e & PGT_P) ? e & PGT_RSVD_HIGH : 0;
}

/* Kernel protections of the modelled kernels (see layout.h for NX/G). */
#define PGT_PAGE_TABLE (PGT_P | PGT_RW | PGT_US | PGT_A | PGT_D) /* _PAGE_TABLE */
#define PGT_KERNPG_TABLE (PGT_P | PGT_RW | PGT_A | PGT_D) /* _KERNPG_TABLE */

static inline uint32_t pgt_pgd_index(uint32_t va)
{
	return va >> PGT_PGDIR_SHIFT;
}

static inline uint32_t pgt_pmd_index(uint32_t va)
{
	return (va >> PGT_PMD_SHIFT) & (PGT_PTRS_PER_PMD - 1);
}

static inline uint32_t pgt_pte_index(uint32_t va)
{
	return (va >> PGT_PAGE_SHIFT) & (PGT_PTRS_PER_PTE - 1);
}

static inline bool pgt_present(uint64_t e)
{
	return e & PGT_P;
}

static inline bool pgt_large(uint64_t pmd)
{
	return (pmd & (PGT_P | PGT_PSE)) == (PGT_P | PGT_PSE);
}

/* Physical address an entry points to (table page or 4 KiB page). */
static inline uint64_t pgt_entry_addr(uint64_t e)
{
	return e & PGT_ADDR_MASK;
}

/* Physical address of the 2 MiB page a large PDE maps. */
static inline uint64_t pgt_large_addr(uint64_t pmd)
{
	return pmd & PGT_LARGE_ADDR_MASK;
}

/* Physical address of the PDPT a PAE CR3 names (bits 5..31). */
static inline uint64_t pgt_cr3_pdpt(uint64_t cr3)
{
	return cr3 & UINT64_C(0xffffffe0);
}

#endif
