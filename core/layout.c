/* SPDX-License-Identifier: MIT */
/*
 * The kernel virtual memory layout, computed with the kernel's own macros.
 *
 * The fixmap enum depends on the kernel configuration, so each kernel is
 * modelled for one reference configuration (documented in pgtrace(1)):
 *
 * 2.6.21 (include/asm-i386/fixmap.h, pgtable.h, highmem.h, page.h,
 * apicdef.h, kmap_types.h, acpi.h): a 686 SMP PAE configuration with
 * NR_CPUS=8 (the Kconfig default for SMP), HIGHMEM64G, X86_LOCAL_APIC,
 * X86_IO_APIC (MAX_IO_APICS 64), ACPI (FIX_ACPI_PAGES 4), PCI_MMCONFIG and
 * PARAVIRT; no VISWS, F00F_BUG (686) or CYCLONE_TIMER (X86_PC).
 * KM_TYPE_NR is 13 (no DEBUG_HIGHMEM).
 *
 * 6.1 (arch/x86/include/asm/fixmap.h, pgtable_32_areas.h, apicdef.h,
 * cpu_entry_area.h, include/asm-generic/kmap_size.h): Debian's 6.1
 * 686-pae configuration (/work/shared/real/config.gz): NR_CPUS=32,
 * HIGHMEM64G, X86_LOCAL_APIC, X86_IO_APIC (MAX_IO_APICS 64), KMAP_LOCAL
 * (KM_MAX_IDX 16), PCI_MMCONFIG, ACPI_APEI_GHES; no PARAVIRT_XXL,
 * INTEL_TXT or PROVIDE_OHCI1394_DMA_INIT.
 */
#include <string.h>

#include "layout.h"

#define PAGE_SIZE 4096u
#define PMD_SIZE (2u << 20)
#define PMD_MASK (~(PMD_SIZE - 1))
#define FIXADDR_TOP 0xfffff000u /* __FIXADDR_TOP unless a hypervisor reserves the top */
#define LAST_PKMAP 512u         /* PAE */
#define VMALLOC_OFFSET (8u << 20)
#define VMALLOC_RESERVE (128u << 20) /* __VMALLOC_RESERVE without vmalloc= */
#define MAX_IO_APICS 64u             /* both kernels, X86_32 */

#define K2621_NR_CPUS 8u
#define K2621_KM_TYPE_NR 13u
#define K2621_FIX_ACPI_PAGES 4u
#define K2621_NR_FIX_BTMAPS 16u
#define K2621_PHYSICAL_START 0x100000u /* LOAD_PHYSICAL_ADDR */

#define K61_NR_CPUS 32u
#define K61_KM_MAX_IDX 16u
#define K61_TOTAL_FIX_BTMAPS 512u /* NR_FIX_BTMAPS * FIX_BTMAPS_SLOTS */
#define K61_PTRS_PER_PTE 512u
/*
 * DIV_ROUND_UP(sizeof(struct cpu_entry_area), PAGE_SIZE) on this config:
 * the per-CPU stride of the cpu_entry_area mappings in the real Debian
 * machine's page tables (qemu-info-mem.txt: CPU 0 at 0xff401000, CPU 1 at
 * 0xff42c000).
 */
#define K61_CEA_PAGES_PER_CPU 43u
#define K61_PHYSICAL_START 0x1000000u /* CONFIG_PHYSICAL_START */

/*
 * Defaults when the machine gives none, past _text.  2.6.21 kernels had
 * about 3 MiB of text and their init sections ended about 1 MiB later.
 * 6.1's are those of the reference configuration, Debian's 6.1 686-pae
 * (System.map of linux-image-6.1.0-50-686-pae): _etext 0xc1933f00,
 * __init_end 0xc1e8c000, idt_table 0xc1e9b000.
 */
#define K2621_DEFAULT_TEXT_SIZE (3u << 20)
#define K61_DEFAULT_TEXT_SIZE 0x933f00u
#define K2621_DEFAULT_INIT_END (4u << 20)
#define K61_DEFAULT_INIT_END 0xe8c000u
#define K61_DEFAULT_IDT_TABLE 0xe9b000u

const char *pgt_kernel_name(enum pgt_kernel k)
{
	switch (k) {
	case PGT_KERNEL_DEFAULT:
	case PGT_KERNEL_2_6_21:
		return "2.6.21";
	case PGT_KERNEL_6_1:
		return "6.1";
	}
	return "?";
}

enum pgt_kernel pgt_kernel_parse(const char *s)
{
	if (!strcmp(s, "2.6.21") || !strcmp(s, "2.6.22"))
		return PGT_KERNEL_2_6_21;
	if (!strcmp(s, "6.1"))
		return PGT_KERNEL_6_1;
	return 0;
}

/* enum fixed_addresses of 2.6.21: the permanent and the total count. */
static void fixmap_2_6_21(bool highmem, uint32_t *permanent_ret,
			  uint32_t *total_ret)
{
	uint32_t n = 2; /* FIX_HOLE, FIX_VDSO */
	n += 1;         /* FIX_APIC_BASE */
	n += MAX_IO_APICS;
	if (highmem)
		n += K2621_KM_TYPE_NR * K2621_NR_CPUS; /* FIX_KMAP_* */
	n += K2621_FIX_ACPI_PAGES;
	n += 1; /* FIX_PCIE_MCFG */
	n += 1; /* FIX_PARAVIRT_BOOTMAP */
	*permanent_ret = n;
	/* FIX_BTMAP_END = permanent, FIX_BTMAP_BEGIN, FIX_WP_TEST */
	*total_ret = n + K2621_NR_FIX_BTMAPS + 1;
}

/* enum fixed_addresses of 6.1 (X86_32 selects KMAP_LOCAL with HIGHMEM). */
static void fixmap_6_1(bool highmem, uint32_t *permanent_ret,
		       uint32_t *total_ret)
{
	uint32_t n = 3; /* FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE */
	n += 1;         /* FIX_APIC_BASE */
	n += MAX_IO_APICS;
	if (highmem) {
		n += K61_KM_MAX_IDX * K61_NR_CPUS; /* FIX_KMAP_* */
		n += 1; /* FIX_PCIE_MCFG sits inside #ifdef CONFIG_KMAP_LOCAL */
	}
	n += 2; /* FIX_APEI_GHES_IRQ, FIX_APEI_GHES_NMI */
	*permanent_ret = n;
	uint32_t end = n;
	if ((n ^ (n + K61_TOTAL_FIX_BTMAPS - 1)) & -K61_PTRS_PER_PTE)
		end = n + K61_TOTAL_FIX_BTMAPS -
		      (n & (K61_TOTAL_FIX_BTMAPS - 1));
	/* FIX_BTMAP_BEGIN = end + TOTAL - 1, then FIX_WP_TEST */
	*total_ret = end + K61_TOTAL_FIX_BTMAPS + 1;
}

static struct pgt_error *check_split(uint32_t page_offset)
{
	if (page_offset == 0xc0000000u || page_offset == 0x80000000u ||
	    page_offset == 0x40000000u)
		return NULL;
	return pgt_error_create(PGT_ERROR_INVALID,
				"page_offset 0x%08x is not 0xc0000000 (3G/1G), "
				"0x80000000 (2G/2G) or 0x40000000 (1G/3G)",
				page_offset);
}

struct pgt_error *pgt_layout_init(const struct pgt_machine *m,
				  enum pgt_kernel k, struct pgt_layout *ret)
{
	if (k == PGT_KERNEL_DEFAULT)
		k = m->kernel ? (enum pgt_kernel)m->kernel : PGT_KERNEL_2_6_21;
	if (k != PGT_KERNEL_2_6_21 && k != PGT_KERNEL_6_1)
		return pgt_error_create(PGT_ERROR_INVALID,
					"unknown kernel %d", (int)k);
	struct pgt_error *err = check_split(m->page_offset);
	if (err)
		return err;

	struct pgt_layout l = {
		.kernel = k,
		.page_offset = m->page_offset,
		.fixaddr_top = FIXADDR_TOP,
		.user_pgds = (int)(m->page_offset >> 30),
	};
	l.kernel_pgds = 4 - l.user_pgds;

	uint32_t permanent, total;
	uint64_t maxmem;
	if (k == PGT_KERNEL_2_6_21) {
		fixmap_2_6_21(m->highmem, &permanent, &total);
		l.fixaddr_start = FIXADDR_TOP - permanent * PAGE_SIZE;
		l.fixaddr_boot_start = FIXADDR_TOP - total * PAGE_SIZE;
		if (m->highmem) {
			l.pkmap_base = (l.fixaddr_boot_start -
					PAGE_SIZE * (LAST_PKMAP + 1)) &
				       PMD_MASK;
			l.vmalloc_end = l.pkmap_base - 2 * PAGE_SIZE;
		} else {
			l.vmalloc_end = l.fixaddr_start - 2 * PAGE_SIZE;
		}
		/* page.h: MAXMEM (-__PAGE_OFFSET-__VMALLOC_RESERVE) */
		maxmem = (UINT64_C(1) << 32) - m->page_offset - VMALLOC_RESERVE;
		l.text_start = m->page_offset + K2621_PHYSICAL_START;
	} else {
		fixmap_6_1(m->highmem, &permanent, &total);
		l.fixaddr_start = FIXADDR_TOP - permanent * PAGE_SIZE;
		/* FIXADDR_TOT_START, 6.1's counterpart of FIXADDR_BOOT_START */
		l.fixaddr_boot_start = FIXADDR_TOP - total * PAGE_SIZE;
		uint32_t cea_pages = K61_NR_CPUS * K61_CEA_PAGES_PER_CPU;
		/* The +1 is for the read-only IDT page. */
		l.cpu_entry_area_base = (l.fixaddr_boot_start -
					 PAGE_SIZE * (cea_pages + 1)) &
					PMD_MASK;
		l.cpu_entry_area_end = l.cpu_entry_area_base +
				       PAGE_SIZE * (cea_pages + 1);
		l.ldt_base = (l.cpu_entry_area_base - PAGE_SIZE) & PMD_MASK;
		l.ldt_end = l.ldt_base + PMD_SIZE;
		if (m->highmem) {
			l.pkmap_base = (l.ldt_base - PAGE_SIZE) & PMD_MASK;
			l.vmalloc_end = l.pkmap_base - 2 * PAGE_SIZE;
		} else {
			l.vmalloc_end = l.ldt_base - 2 * PAGE_SIZE;
		}
		/* MAXMEM (VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE) */
		maxmem = (uint64_t)l.vmalloc_end - m->page_offset -
			 VMALLOC_RESERVE;
		l.text_start = m->page_offset + K61_PHYSICAL_START;
	}
	if (m->highmem)
		l.pkmap_end = l.pkmap_base + LAST_PKMAP * PAGE_SIZE;
	l.max_lowmem = maxmem;

	l.lowmem = m->lowmem ? m->lowmem : maxmem;
	if (l.lowmem % PAGE_SIZE)
		return pgt_error_create(PGT_ERROR_INVALID,
					"lowmem %#llx is not a multiple of 4 KiB",
					(unsigned long long)l.lowmem);
	if (l.lowmem > maxmem)
		return pgt_error_create(PGT_ERROR_INVALID,
					"lowmem %llu KiB is more than the %llu KiB "
					"a %s kernel maps at page_offset 0x%08x",
					(unsigned long long)(l.lowmem >> 10),
					(unsigned long long)(maxmem >> 10),
					pgt_kernel_name(k), m->page_offset);
	l.high_memory = m->page_offset + (uint32_t)l.lowmem;
	if (k == PGT_KERNEL_2_6_21)
		l.vmalloc_start = (l.high_memory + 2 * VMALLOC_OFFSET - 1) &
				  ~(VMALLOC_OFFSET - 1);
	else
		l.vmalloc_start = l.high_memory + VMALLOC_OFFSET;

	uint32_t text_size = k == PGT_KERNEL_2_6_21 ? K2621_DEFAULT_TEXT_SIZE
						    : K61_DEFAULT_TEXT_SIZE;
	l.etext = m->etext ? m->etext : l.text_start + text_size;
	if (l.etext <= l.text_start || l.etext > l.high_memory)
		return pgt_error_create(PGT_ERROR_INVALID,
					"etext 0x%08x is not between _text 0x%08x "
					"and the end of lowmem 0x%08x",
					l.etext, l.text_start, l.high_memory);
	uint32_t init_size = k == PGT_KERNEL_2_6_21 ? K2621_DEFAULT_INIT_END
						    : K61_DEFAULT_INIT_END;
	l.init_end = m->init_end ? m->init_end
				 : (l.etext > l.text_start + init_size ? l.etext
								       : l.text_start + init_size);
	if (l.init_end < l.etext || l.init_end > l.high_memory)
		return pgt_error_create(PGT_ERROR_INVALID,
					"init_end 0x%08x is not between etext 0x%08x "
					"and the end of lowmem 0x%08x",
					l.init_end, l.etext, l.high_memory);
	/* the reference kernel's idt_table, unless the machine is another's */
	l.idt_table = m->idt_table;
	if (!l.idt_table && k == PGT_KERNEL_6_1 && !m->etext && !m->init_end &&
	    l.text_start + K61_DEFAULT_IDT_TABLE < l.high_memory)
		l.idt_table = l.text_start + K61_DEFAULT_IDT_TABLE;
	if (l.idt_table && (l.idt_table < m->page_offset || l.idt_table >= l.high_memory))
		return pgt_error_create(PGT_ERROR_INVALID,
					"idt_table 0x%08x is outside the direct map", l.idt_table);
	*ret = l;
	return NULL;
}
