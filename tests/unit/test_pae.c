/* SPDX-License-Identifier: MIT */
/*
 * core/pae.h: the PAE entry helpers against numbers worked out by hand.
 *
 * PAE (Intel SDM vol. 3, 4.4): a 32-bit address splits 2/9/9/12 --
 * bits 31..30 pick one of 4 PDPTEs (the kernel's pgd), 29..21 one of 512
 * PDEs (pmd), 20..12 one of 512 PTEs, 11..0 the byte.  CR3 holds the PDPT's
 * physical address in bits 31..5 (the PDPT is 32-byte aligned).
 */
#include "core/pae.h"
#include "test_util.h"

static void test_sizes(void)
{
	CHECK_EQ_U64(PGT_PAGE_SIZE, 4096);
	CHECK_EQ_U64(PGT_PMD_SIZE, 2u << 20);
	CHECK_EQ_U64(PGT_PGDIR_SIZE, 1u << 30);
	CHECK_EQ_U64(PGT_PTRS_PER_PGD * PGT_PGDIR_SIZE, UINT64_C(1) << 32);
	CHECK_EQ_U64(PGT_PTRS_PER_PMD * PGT_PMD_SIZE, PGT_PGDIR_SIZE);
	CHECK_EQ_U64(PGT_PTRS_PER_PTE * PGT_PAGE_SIZE, PGT_PMD_SIZE);
}

/* Indexes of addresses every 3G/1G PAE kernel has. */
static void test_indexes(void)
{
	/* PAGE_OFFSET 0xc0000000: pgd slot 3, PMD entry 0, PTE 0. */
	CHECK_EQ_U64(pgt_pgd_index(0xc0000000u), 3);
	CHECK_EQ_U64(pgt_pmd_index(0xc0000000u), 0);
	CHECK_EQ_U64(pgt_pte_index(0xc0000000u), 0);
	/* The last user byte of 3G/1G is in slot 2, PMD 511, PTE 511. */
	CHECK_EQ_U64(pgt_pgd_index(0xbfffffffu), 2);
	CHECK_EQ_U64(pgt_pmd_index(0xbfffffffu), 511);
	CHECK_EQ_U64(pgt_pte_index(0xbfffffffu), 511);
	/* 2G/2G PAGE_OFFSET: slot 2.  1G/3G: slot 1. */
	CHECK_EQ_U64(pgt_pgd_index(0x80000000u), 2);
	CHECK_EQ_U64(pgt_pgd_index(0x40000000u), 1);
	CHECK_EQ_U64(pgt_pgd_index(0), 0);
	/*
	 * VMALLOC_START of 3G/1G with 896 MiB lowmem: 0xf8800000.
	 * (0xf8800000 >> 21) = 0x7c4 = 1988; 1988 & 511 = 452.
	 */
	CHECK_EQ_U64(pgt_pmd_index(0xf8800000u), 452);
	CHECK_EQ_U64(pgt_pte_index(0xf8800000u), 0);
	/* 0xf8801000: same PMD entry, PTE 1. */
	CHECK_EQ_U64(pgt_pmd_index(0xf8801000u), 452);
	CHECK_EQ_U64(pgt_pte_index(0xf8801000u), 1);
	/* The fixmap's top PMD: 0xffe00000 is entry 511. */
	CHECK_EQ_U64(pgt_pmd_index(0xffe00000u), 511);
	/* FIXADDR_START 0xfff4e000: PTE (0xfff4e & 0x1ff) = 0x14e = 334. */
	CHECK_EQ_U64(pgt_pmd_index(0xfff4e000u), 511);
	CHECK_EQ_U64(pgt_pte_index(0xfff4e000u), 334);
	/* 0xffffffff: everything at its maximum. */
	CHECK_EQ_U64(pgt_pgd_index(0xffffffffu), 3);
	CHECK_EQ_U64(pgt_pmd_index(0xffffffffu), 511);
	CHECK_EQ_U64(pgt_pte_index(0xffffffffu), 511);
}

static void test_bits(void)
{
	/* _PAGE_* of <asm/pgtable_types.h> */
	CHECK_EQ_U64(PGT_P, 0x1);
	CHECK_EQ_U64(PGT_RW, 0x2);
	CHECK_EQ_U64(PGT_US, 0x4);
	CHECK_EQ_U64(PGT_PWT, 0x8);
	CHECK_EQ_U64(PGT_PCD, 0x10);
	CHECK_EQ_U64(PGT_A, 0x20);
	CHECK_EQ_U64(PGT_D, 0x40);
	CHECK_EQ_U64(PGT_PSE, 0x80);
	CHECK_EQ_U64(PGT_G, 0x100);
	CHECK_EQ_U64(PGT_NX, UINT64_C(0x8000000000000000));
	/* _PAGE_TABLE = P|RW|USER|ACCESSED|DIRTY = 0x67; _KERNPG_TABLE 0x63 */
	CHECK_EQ_U64(PGT_PAGE_TABLE, 0x67);
	CHECK_EQ_U64(PGT_KERNPG_TABLE, 0x63);
	/* PTE_PFN_MASK for 52 physical bits: bits 12..51. */
	CHECK_EQ_U64(PGT_ADDR_MASK, UINT64_C(0x000ffffffffff000));
	CHECK_EQ_U64(PGT_FLAGS_MASK, UINT64_C(0xfff0000000000fff));
	CHECK_EQ_U64(PGT_ADDR_MASK & PGT_FLAGS_MASK, 0);
	CHECK_EQ_U64(PGT_ADDR_MASK | PGT_FLAGS_MASK, UINT64_MAX);
	/* A large PDE's address starts at bit 21: bit 12 is PAT there. */
	CHECK_EQ_U64(PGT_LARGE_ADDR_MASK, UINT64_C(0x000fffffffe00000));
}

static void test_entries(void)
{
	/* A kernel PTE with NX: PAGE_KERNEL | G for physical 0x123456000. */
	uint64_t pte = UINT64_C(0x8000000123456163);
	CHECK(pgt_present(pte));
	CHECK_EQ_U64(pgt_entry_addr(pte), UINT64_C(0x123456000));
	CHECK_EQ_U64(pte & PGT_FLAGS_MASK, UINT64_C(0x8000000000000163));
	/* A not-present entry may still hold an address (swap entry). */
	CHECK(!pgt_present(UINT64_C(0x123456000)));
	CHECK(!pgt_present(0));

	/* PAGE_KERNEL_LARGE for physical 0x40000000: P|RW|A|D|PSE|G|NX. */
	uint64_t large = UINT64_C(0x80000000400001e3);
	CHECK(pgt_large(large));
	CHECK_EQ_U64(pgt_large_addr(large), UINT64_C(0x40000000));
	/* With PAT (bit 12) set, the address is still 0x40000000 ... */
	CHECK_EQ_U64(pgt_large_addr(large | 0x1000), UINT64_C(0x40000000));
	/* ... while the 4K mask would keep bit 12. */
	CHECK_EQ_U64(pgt_entry_addr(large | 0x1000), UINT64_C(0x40001000));
	/* Large means present AND PSE: PSE alone (not present) is not. */
	CHECK(!pgt_large(PGT_PSE));
	CHECK(!pgt_large(PGT_P | PGT_RW));
	/* A PDE pointing at a PTE page: _PAGE_TABLE | 0x1234000. */
	CHECK(!pgt_large(UINT64_C(0x1234067)));
	CHECK_EQ_U64(pgt_entry_addr(UINT64_C(0x1234067)), 0x1234000);
}

static void test_cr3(void)
{
	/* PAE CR3: PDPT address in bits 31..5; PWT/PCD (bits 3, 4) dropped. */
	CHECK_EQ_U64(pgt_cr3_pdpt(0x12345678), 0x12345660);
	CHECK_EQ_U64(pgt_cr3_pdpt(0x00801000 | PGT_PWT | PGT_PCD), 0x00801000);
	/* 32-byte aligned PDPTs 128 to a page: the slab objects of a shared pgd cache. */
	CHECK_EQ_U64(pgt_cr3_pdpt(0x00801020), 0x00801020);
	CHECK_EQ_U64(pgt_cr3_pdpt(0x00801fe0), 0x00801fe0);
	CHECK_EQ_U64(pgt_cr3_pdpt(0x0080101f), 0x00801000);
	/* CR3 is 32 bits wide in PAE mode: nothing above bit 31 survives. */
	CHECK_EQ_U64(pgt_cr3_pdpt(UINT64_C(0x100000040)), 0x40);
}

int main(void)
{
	test_sizes();
	test_indexes();
	test_bits();
	test_entries();
	test_cr3();
	return test_summary();
}
