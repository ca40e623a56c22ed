/* SPDX-License-Identifier: MIT */
/*
 * pgt_layout_init against numbers worked out by hand from the kernel
 * headers (see core/layout.c for the reference configurations).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/layout.h"

static int passed, failed;

#define CHECK_EQ(actual, expected)                                            \
	do {                                                                  \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);  \
		if (a_ == e_) {                                               \
			passed++;                                             \
		} else {                                                      \
			failed++;                                             \
			printf("%s:%d: %s is 0x%" PRIx64 ", expected %s = 0x%" \
			       PRIx64 "\n",                                   \
			       __FILE__, __LINE__, #actual, a_, #expected, e_); \
		}                                                             \
	} while (0)

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (cond) {                                                   \
			passed++;                                             \
		} else {                                                      \
			failed++;                                             \
			printf("%s:%d: %s is false\n", __FILE__, __LINE__,    \
			       #cond);                                        \
		}                                                             \
	} while (0)

#define MiB (UINT64_C(1) << 20)

static struct pgt_machine machine(uint32_t page_offset, uint64_t lowmem,
				  bool highmem)
{
	struct pgt_machine m;
	pgt_machine_init(&m);
	m.page_offset = page_offset;
	m.lowmem = lowmem;
	m.highmem = highmem;
	return m;
}

/* Expect @m to be rejected as PGT_ERROR_INVALID. */
static void check_invalid(int line, const struct pgt_machine *m,
			  enum pgt_kernel k)
{
	struct pgt_layout l;
	struct pgt_error *err = pgt_layout_init(m, k, &l);
	if (err && err->code == PGT_ERROR_INVALID) {
		passed++;
	} else {
		failed++;
		printf("%s:%d: expected PGT_ERROR_INVALID, got %s\n", __FILE__,
		       line, err ? err->message : "success");
	}
	pgt_error_destroy(err);
}

static bool init(const struct pgt_machine *m, enum pgt_kernel k,
		 struct pgt_layout *l)
{
	struct pgt_error *err = pgt_layout_init(m, k, l);
	if (err) {
		failed++;
		printf("%s: unexpected error: %s\n", __FILE__, err->message);
		pgt_error_destroy(err);
		return false;
	}
	return true;
}

static void test_names(void)
{
	CHECK_EQ(pgt_kernel_parse("2.6.21"), PGT_KERNEL_2_6_21);
	CHECK_EQ(pgt_kernel_parse("2.6.22"), PGT_KERNEL_2_6_21);
	CHECK_EQ(pgt_kernel_parse("6.1"), PGT_KERNEL_6_1);
	CHECK_EQ(pgt_kernel_parse("6.2"), 0);
	CHECK_EQ(pgt_kernel_parse(""), 0);
	CHECK(!strcmp(pgt_kernel_name(PGT_KERNEL_2_6_21), "2.6.21"));
	CHECK(!strcmp(pgt_kernel_name(PGT_KERNEL_6_1), "6.1"));
}

/*
 * 2.6.21, HIGHMEM, NR_CPUS=8.  enum fixed_addresses:
 *   FIX_HOLE 0, FIX_VDSO 1, FIX_APIC_BASE 2, FIX_IO_APIC_BASE_0..END 3..66,
 *   FIX_KMAP_BEGIN..END 67..170 (KM_TYPE_NR 13 * 8 CPUs = 104),
 *   FIX_ACPI_BEGIN..END 171..174, FIX_PCIE_MCFG 175,
 *   FIX_PARAVIRT_BOOTMAP 176, __end_of_permanent_fixed_addresses 177,
 *   FIX_BTMAP_END 177 .. FIX_BTMAP_BEGIN 192, FIX_WP_TEST 193,
 *   __end_of_fixed_addresses 194.
 * FIXADDR_START      = 0xfffff000 - 177 * 4K = 0xfff4e000
 * FIXADDR_BOOT_START = 0xfffff000 - 194 * 4K = 0xfff3d000
 * PKMAP_BASE = (0xfff3d000 - 513 * 4K) & PMD_MASK
 *            = 0xffd3c000 & ~0x1fffff = 0xffc00000, end 0xffe00000
 * VMALLOC_END = PKMAP_BASE - 8K = 0xffbfe000
 * MAXMEM = -PAGE_OFFSET - 128M: 3G/1G 0x38000000 (896 MiB),
 *   2G/2G 0x78000000 (1920 MiB), 1G/3G 0xb8000000 (2944 MiB); so at the
 *   maximum high_memory is 0xf8000000 for every split and
 *   VMALLOC_START = (0xf8000000 + 16M - 1) & ~(8M - 1) = 0xf8800000.
 */
static void check_2_6_21_top(const struct pgt_layout *l)
{
	CHECK_EQ(l->kernel, PGT_KERNEL_2_6_21);
	CHECK_EQ(l->fixaddr_top, 0xfffff000);
	CHECK_EQ(l->fixaddr_start, 0xfff4e000);
	CHECK_EQ(l->fixaddr_boot_start, 0xfff3d000);
	CHECK_EQ(l->pkmap_base, 0xffc00000);
	CHECK_EQ(l->pkmap_end, 0xffe00000);
	CHECK_EQ(l->vmalloc_end, 0xffbfe000);
	CHECK_EQ(l->ldt_base, 0);
	CHECK_EQ(l->cpu_entry_area_base, 0);
}

static void test_2_6_21_splits(void)
{
	static const struct {
		uint32_t page_offset;
		uint64_t max;
		uint32_t text;
		int user_pgds;
	} cases[] = {
		{0xc0000000, 896 * MiB, 0xc0100000, 3},
		{0x80000000, 1920 * MiB, 0x80100000, 2},
		{0x40000000, 2944 * MiB, 0x40100000, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgt_machine m = machine(cases[i].page_offset, 0, true);
		struct pgt_layout l;
		if (!init(&m, PGT_KERNEL_2_6_21, &l))
			continue;
		check_2_6_21_top(&l);
		CHECK_EQ(l.page_offset, cases[i].page_offset);
		CHECK_EQ(l.lowmem, cases[i].max);
		CHECK_EQ(l.max_lowmem, cases[i].max);
		CHECK_EQ(l.high_memory, 0xf8000000);
		CHECK_EQ(l.vmalloc_start, 0xf8800000);
		/* LOAD_PHYSICAL_ADDR 1 MiB; default text 3 MiB */
		CHECK_EQ(l.text_start, cases[i].text);
		CHECK_EQ(l.etext, cases[i].text + 3 * MiB);
		CHECK_EQ(l.user_pgds, cases[i].user_pgds);
		CHECK_EQ(l.kernel_pgds, 4 - cases[i].user_pgds);
	}
}

static void test_2_6_21_small_lowmem(void)
{
	struct pgt_layout l;
	/* 512 MiB: high_memory 0xe0000000, (0xe0000000 + 0xffffff) & ~0x7fffff = 0xe0800000 */
	struct pgt_machine m = machine(0xc0000000, 512 * MiB, true);
	if (init(&m, PGT_KERNEL_2_6_21, &l)) {
		check_2_6_21_top(&l);
		CHECK_EQ(l.lowmem, 512 * MiB);
		CHECK_EQ(l.max_lowmem, 896 * MiB);
		CHECK_EQ(l.high_memory, 0xe0000000);
		CHECK_EQ(l.vmalloc_start, 0xe0800000);
	}
	/* 512 MiB - 4K: 0xdffff000 + 0xffffff = 0xe0ffefff -> 0xe0800000 */
	m = machine(0xc0000000, 512 * MiB - 4096, true);
	if (init(&m, PGT_KERNEL_2_6_21, &l))
		CHECK_EQ(l.vmalloc_start, 0xe0800000);
	/* 512 MiB + 4K: 0xe0001000 + 0xffffff = 0xe1000fff -> 0xe1000000 */
	m = machine(0xc0000000, 512 * MiB + 4096, true);
	if (init(&m, PGT_KERNEL_2_6_21, &l))
		CHECK_EQ(l.vmalloc_start, 0xe1000000);
	/* 2G/2G, 1 GiB: high_memory 0xc0000000, VMALLOC_START 0xc0800000 */
	m = machine(0x80000000, 1024 * MiB, true);
	if (init(&m, PGT_KERNEL_2_6_21, &l)) {
		CHECK_EQ(l.high_memory, 0xc0000000);
		CHECK_EQ(l.vmalloc_start, 0xc0800000);
	}
	/* An etext given by the machine is kept. */
	m = machine(0xc0000000, 0, true);
	m.etext = 0xc0345678;
	if (init(&m, PGT_KERNEL_2_6_21, &l))
		CHECK_EQ(l.etext, 0xc0345678);
	/* The machine's kernel is the default era. */
	m.kernel = PGT_KERNEL_6_1;
	m.etext = 0;
	if (init(&m, PGT_KERNEL_DEFAULT, &l))
		CHECK_EQ(l.kernel, PGT_KERNEL_6_1);
	m.kernel = 0;
	if (init(&m, PGT_KERNEL_DEFAULT, &l))
		CHECK_EQ(l.kernel, PGT_KERNEL_2_6_21);
}

/*
 * 2.6.21 without HIGHMEM: no FIX_KMAP_* (104 fewer), so
 * __end_of_permanent_fixed_addresses = 73, __end_of_fixed_addresses = 90:
 * FIXADDR_START = 0xfffff000 - 73 * 4K = 0xfffb6000,
 * FIXADDR_BOOT_START = 0xfffff000 - 90 * 4K = 0xfffa5000,
 * VMALLOC_END = FIXADDR_START - 8K = 0xfffb4000; MAXMEM unchanged.
 */
static void test_2_6_21_no_highmem(void)
{
	struct pgt_machine m = machine(0xc0000000, 0, false);
	struct pgt_layout l;
	if (!init(&m, PGT_KERNEL_2_6_21, &l))
		return;
	CHECK_EQ(l.fixaddr_start, 0xfffb6000);
	CHECK_EQ(l.fixaddr_boot_start, 0xfffa5000);
	CHECK_EQ(l.pkmap_base, 0);
	CHECK_EQ(l.pkmap_end, 0);
	CHECK_EQ(l.vmalloc_end, 0xfffb4000);
	CHECK_EQ(l.lowmem, 896 * MiB);
	CHECK_EQ(l.vmalloc_start, 0xf8800000);
}

/*
 * 6.1, Debian 686-pae (NR_CPUS=32, HIGHMEM so KMAP_LOCAL).  enum:
 *   FIX_HOLE 0, FIX_DBGP_BASE 1, FIX_EARLYCON_MEM_BASE 2, FIX_APIC_BASE 3,
 *   FIX_IO_APIC_BASE_0..END 4..67, FIX_KMAP_BEGIN..END 68..579
 *   (KM_MAX_IDX 16 * 32), FIX_PCIE_MCFG 580, FIX_APEI_GHES_IRQ/NMI 581/582,
 *   __end_of_permanent_fixed_addresses 583.
 *   FIX_BTMAP_END: (583 ^ 1094) & -512 = 0x600, nonzero, so
 *   583 + 512 - (583 & 511) = 1024; FIX_BTMAP_BEGIN 1535, FIX_WP_TEST 1536,
 *   __end_of_fixed_addresses 1537.
 * FIXADDR_START     = 0xfffff000 - 583 * 4K  = 0xffdb8000
 * FIXADDR_TOT_START = 0xfffff000 - 1537 * 4K = 0xff9fe000
 * CPU_ENTRY_AREA_PAGES = 32 * 43 = 1376;
 * CPU_ENTRY_AREA_BASE = (0xff9fe000 - 1377 * 4K) & PMD_MASK
 *                     = 0xff49d000 & ~0x1fffff = 0xff400000, end 0xff961000
 * LDT_BASE_ADDR = (0xff400000 - 4K) & PMD_MASK = 0xff200000, end 0xff400000
 * PKMAP_BASE    = (0xff200000 - 4K) & PMD_MASK = 0xff000000, end 0xff200000
 * VMALLOC_END = PKMAP_BASE - 8K = 0xfeffe000
 * MAXMEM = VMALLOC_END - PAGE_OFFSET - 128M: 3G/1G 0x36ffe000,
 *   2G/2G 0x76ffe000, 1G/3G 0xb6ffe000; high_memory 0xf6ffe000 at the
 *   maximum and VMALLOC_START = high_memory + 8M = 0xf77fe000 (no rounding).
 */
static void check_6_1_top(const struct pgt_layout *l)
{
	CHECK_EQ(l->kernel, PGT_KERNEL_6_1);
	CHECK_EQ(l->fixaddr_top, 0xfffff000);
	CHECK_EQ(l->fixaddr_start, 0xffdb8000);
	CHECK_EQ(l->fixaddr_boot_start, 0xff9fe000);
	CHECK_EQ(l->cpu_entry_area_base, 0xff400000);
	CHECK_EQ(l->cpu_entry_area_end, 0xff961000);
	CHECK_EQ(l->ldt_base, 0xff200000);
	CHECK_EQ(l->ldt_end, 0xff400000);
	CHECK_EQ(l->pkmap_base, 0xff000000);
	CHECK_EQ(l->pkmap_end, 0xff200000);
	CHECK_EQ(l->vmalloc_end, 0xfeffe000);
}

static void test_6_1_splits(void)
{
	static const struct {
		uint32_t page_offset;
		uint64_t max;
		uint32_t text;
	} cases[] = {
		{0xc0000000, 0x36ffe000, 0xc1000000},
		{0x80000000, 0x76ffe000, 0x81000000},
		{0x40000000, 0xb6ffe000, 0x41000000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgt_machine m = machine(cases[i].page_offset, 0, true);
		struct pgt_layout l;
		if (!init(&m, PGT_KERNEL_6_1, &l))
			continue;
		check_6_1_top(&l);
		CHECK_EQ(l.lowmem, cases[i].max);
		CHECK_EQ(l.max_lowmem, cases[i].max);
		CHECK_EQ(l.high_memory, 0xf6ffe000);
		CHECK_EQ(l.vmalloc_start, 0xf77fe000);
		/*
		 * CONFIG_PHYSICAL_START 16 MiB; the reference kernel's _etext
		 * and __init_end (Debian 6.1: 0xc1933f00, 0xc1e8c000) and its
		 * idt_table (0xc1e9b000) by default.
		 */
		CHECK_EQ(l.text_start, cases[i].text);
		CHECK_EQ(l.etext, cases[i].text + 0x933f00);
		CHECK_EQ(l.init_end, cases[i].text + 0xe8c000);
		CHECK_EQ(l.idt_table, cases[i].text + 0xe9b000);
	}
}

/*
 * The real Debian 6.1 machine (/work/shared/real): 256 MiB of RAM less the
 * ACPI tables at 0xffe0000, so max_low_pfn is 0xffe0 ("255MB LOWMEM").
 * high_memory 0xcffe0000, VMALLOC_START 0xd07e0000: the first vmalloc-area
 * mapping in pti/qemu-info-mem.txt; the cpu_entry_area's read-only IDT is
 * at 0xff400000 there, CPU 0's GDT at 0xff401000, and _text is 0xc1000000
 * in System.map.
 */
static void test_6_1_real(void)
{
	struct pgt_machine m = machine(0xc0000000, 0x0ffe0000, true);
	m.etext = 0xc1933f00; /* _etext in System.map */
	struct pgt_layout l;
	if (!init(&m, PGT_KERNEL_6_1, &l))
		return;
	check_6_1_top(&l);
	CHECK_EQ(l.high_memory, 0xcffe0000);
	CHECK_EQ(l.vmalloc_start, 0xd07e0000);
	CHECK_EQ(l.text_start, 0xc1000000);
	CHECK_EQ(l.etext, 0xc1933f00);
	CHECK_EQ(l.user_pgds, 3);
	CHECK_EQ(l.kernel_pgds, 1);
}

/*
 * 6.1 without HIGHMEM: no KMAP_LOCAL, so no FIX_KMAP_* nor FIX_PCIE_MCFG:
 * __end_of_permanent_fixed_addresses = 70; FIX_BTMAP_END: (70 ^ 581) & -512
 * = 0x200, so 70 + 512 - 70 = 512; __end_of_fixed_addresses = 1025.
 * FIXADDR_START = 0xfffff000 - 70 * 4K = 0xfffb9000,
 * FIXADDR_TOT_START = 0xfffff000 - 1025 * 4K = 0xffbfe000,
 * CPU_ENTRY_AREA_BASE = (0xffbfe000 - 0x561000) & PMD_MASK = 0xff600000,
 * LDT 0xff400000..0xff600000, VMALLOC_END = LDT_BASE_ADDR - 8K = 0xff3fe000,
 * MAXMEM (3G/1G) = 0xff3fe000 - 0xc0000000 - 128M = 0x373fe000.
 */
static void test_6_1_no_highmem(void)
{
	struct pgt_machine m = machine(0xc0000000, 0, false);
	struct pgt_layout l;
	if (!init(&m, PGT_KERNEL_6_1, &l))
		return;
	CHECK_EQ(l.fixaddr_start, 0xfffb9000);
	CHECK_EQ(l.fixaddr_boot_start, 0xffbfe000);
	CHECK_EQ(l.cpu_entry_area_base, 0xff600000);
	CHECK_EQ(l.cpu_entry_area_end, 0xffb61000);
	CHECK_EQ(l.ldt_base, 0xff400000);
	CHECK_EQ(l.ldt_end, 0xff600000);
	CHECK_EQ(l.pkmap_base, 0);
	CHECK_EQ(l.vmalloc_end, 0xff3fe000);
	CHECK_EQ(l.lowmem, 0x373fe000);
	CHECK_EQ(l.high_memory, 0xf73fe000);
	CHECK_EQ(l.vmalloc_start, 0xf7bfe000);
}

static void test_invalid(void)
{
	struct pgt_machine m = machine(0xb0000000, 0, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	check_invalid(__LINE__, &m, PGT_KERNEL_6_1);
	m = machine(0, 0, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	/* One page over MAXMEM. */
	m = machine(0xc0000000, 896 * MiB + 4096, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	m = machine(0xc0000000, 0x36ffe000 + 4096, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_6_1);
	/* 896 MiB is too much for 6.1's 3G/1G split. */
	m = machine(0xc0000000, 896 * MiB, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_6_1);
	m = machine(0x80000000, 1920 * MiB + 4096, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	m = machine(0x40000000, 4 * 1024 * MiB, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	/* Not page-aligned. */
	m = machine(0xc0000000, 512 * MiB + 1, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	m = machine(0xc0000000, 0x800, true);
	check_invalid(__LINE__, &m, PGT_KERNEL_6_1);
	/* etext outside the kernel's lowmem. */
	m = machine(0xc0000000, 0, true);
	m.etext = 0xc0000000;
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	m.etext = 0xf9000000;
	check_invalid(__LINE__, &m, PGT_KERNEL_2_6_21);
	/* An unknown kernel. */
	m = machine(0xc0000000, 0, true);
	check_invalid(__LINE__, &m, (enum pgt_kernel)42);
	/* Exactly the maximum is fine. */
	struct pgt_layout l;
	m = machine(0xc0000000, 896 * MiB, true);
	if (init(&m, PGT_KERNEL_2_6_21, &l))
		CHECK_EQ(l.lowmem, 896 * MiB);
}

int main(void)
{
	test_names();
	test_2_6_21_splits();
	test_2_6_21_small_lowmem();
	test_2_6_21_no_highmem();
	test_6_1_splits();
	test_6_1_real();
	test_6_1_no_highmem();
	test_invalid();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
