/* SPDX-License-Identifier: MIT */
/*
 * core/walk.h on a page table built by hand in a 64 KiB "physical memory"
 * (an array behind struct pgt_physmem).
 *
 * The MMU (Intel SDM vol. 3, 4.4 and 4.6): a PAE walk reads the PDPTE, the
 * PDE, and unless the PDE has PS set, the PTE.  The access rights combine
 * over the levels that have them (PDE and PTE): a page is user-accessible
 * only if U/S is set in both, writable only if R/W is set in both, and
 * non-executable if XD is set in either.  The kernel's lookup_address() and
 * ptdump (note_page) walk the same way.
 *
 * Memory map (page number: contents):
 *   0: PDPT at 0x20 (the one under test) and a reference PDPT at 0x40
 *   1: PMD of slot 1 (0x40000000..0x7fffffff)
 *   2: PTE page for PMD entry 0 (0x40000000)
 *   3: PTE page for PMD entry 3 (0x40600000)
 *  10: reference PMD for slot 1 (a copy of page 1 but for entries 2, 3)
 *  11: reference PMD for slot 0 (only entry 5 present)
 * PDPT[3] points at 0x100000, beyond the 64 KiB: reading it is an error.
 */
#include "core/walk.h"
#include "test_util.h"

#define MEM_SIZE 0x10000u
static uint8_t mem[MEM_SIZE];

static struct pgt_error *mem_read(const void *ctx, uint64_t pa, void *buf,
				  size_t len)
{
	(void)ctx;
	if (pa > MEM_SIZE || len > MEM_SIZE - pa)
		return pgt_error_create(PGT_ERROR_FAULT,
					"0x%llx is beyond the test memory",
					(unsigned long long)pa);
	memcpy(buf, mem + pa, len);
	return NULL;
}

static const struct pgt_physmem physmem = {.read = mem_read, .ctx = NULL};

static void put(uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		mem[pa + i] = (uint8_t)(v >> (8 * i));
}

#define KPTE (PGT_P | PGT_RW | PGT_US)
#define CR3 (0x20 | PGT_PWT | PGT_PCD) /* flag bits must be ignored */
#define REF_CR3 0x40

static void build(void)
{
	memset(mem, 0, sizeof(mem));
	/* PDPT at 0x20: slot 0 absent, slot 1 -> page 1, slot 3 outside. */
	put(0x20 + 8 * 1, 0x1000 | PGT_P);
	put(0x20 + 8 * 3, 0x100000 | PGT_P);
	/* PMD (page 1). */
	put(0x1000 + 8 * 0, 0x2000 | KPTE);                 /* -> PTE page 2 */
	put(0x1000 + 8 * 1, 0x200000 | PGT_P | PGT_RW | PGT_PSE | PGT_NX); /* 2M */
	/* entry 2: not present */
	put(0x1000 + 8 * 3, 0x3000 | PGT_P | PGT_RW);       /* no U/S */
	put(0x1000 + 8 * 4, UINT64_C(0x200000000) | KPTE);  /* PTE page beyond memory */
	/* PTE page 2. */
	put(0x2000 + 8 * 0, 0x5000 | KPTE);
	put(0x2000 + 8 * 1, 0x6000 | PGT_P | PGT_US | PGT_NX); /* read-only, NX */
	/* entry 2: not present */
	put(0x2000 + 8 * 3, 0x8000 | KPTE | PGT_A);          /* A and D are */
	put(0x2000 + 8 * 4, 0x9000 | KPTE | PGT_D);          /* ignored in ranges */
	/* PTE page 3. */
	put(0x3000 + 8 * 0, 0x7000 | KPTE);

	/* Reference PDPT at 0x40: slot 0 -> page 11, slot 1 -> page 10. */
	put(0x40 + 8 * 0, 0xb000 | PGT_P);
	put(0x40 + 8 * 1, 0xa000 | PGT_P);
	memcpy(mem + 0xa000, mem + 0x1000, 0x1000);
	put(0xa000 + 8 * 2, 0x400000 | PGT_P | PGT_RW | PGT_PSE); /* mine: absent */
	put(0xa000 + 8 * 3, 0x4000 | PGT_P | PGT_RW);             /* mine: 0x3000 */
	put(0xb000 + 8 * 5, 0xa00000 | PGT_P | PGT_PSE);
}

static void test_walk_4k(void)
{
	struct pgt_walk w;
	/* 0x40000123: PDPTE 1, PDE 0, PTE 0, offset 0x123 -> 0x5123. */
	if (!CHECK_OK(pgt_walk(&physmem, CR3, 0x40000123u, &w)))
		return;
	CHECK(w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_EQ_U64(w.page_size, 4096);
	CHECK_EQ_U64(w.pa, 0x5123);
	CHECK_EQ_U64(w.leaf, 0x5000 | KPTE);
	CHECK(w.user);
	CHECK(w.writable);
	CHECK(!w.nx);
	CHECK_EQ_U64(w.nsteps, 3);
	CHECK_EQ_U64(w.step[0].level, PGT_LEVEL_PGD);
	CHECK_EQ_U64(w.step[0].entry_pa, 0x28); /* 0x20 + 8 * 1 */
	CHECK_EQ_U64(w.step[0].entry, 0x1000 | PGT_P);
	CHECK_EQ_U64(w.step[1].entry_pa, 0x1000);
	CHECK_EQ_U64(w.step[2].entry_pa, 0x2000);
	CHECK_EQ_STR(pgt_level_name(w.level), "pte");

	/* 0x40001000: PTE 1 is read-only and NX: RW AND -> no, NX OR -> yes. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x40001fffu, &w));
	CHECK(w.present);
	CHECK_EQ_U64(w.pa, 0x6fff);
	CHECK(w.user);
	CHECK(!w.writable);
	CHECK(w.nx);

	/* 0x40600000: PDE 3 lacks U/S, its PTE has it: U/S AND -> kernel only. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x40600000u, &w));
	CHECK(w.present);
	CHECK_EQ_U64(w.pa, 0x7000);
	CHECK(!w.user);
	CHECK(w.writable);
	CHECK(!w.nx);
}

static void test_walk_2m(void)
{
	struct pgt_walk w;
	/* 0x40212345: PDE 1 is a 2 MiB page at 0x200000 -> 0x212345. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x40212345u, &w));
	CHECK(w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PMD);
	CHECK_EQ_U64(w.page_size, 2u << 20);
	CHECK_EQ_U64(w.pa, 0x212345);
	CHECK_EQ_U64(w.nsteps, 2);
	CHECK(!w.user);
	CHECK(w.writable);
	CHECK(w.nx);
	CHECK_EQ_STR(pgt_level_name(w.level), "pmd");
}

static void test_walk_not_present(void)
{
	struct pgt_walk w;
	/* PDPTE 0 absent: stops at the pgd level after one step. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x00001000u, &w));
	CHECK(!w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PGD);
	CHECK_EQ_U64(w.nsteps, 1);
	CHECK_EQ_U64(w.leaf, 0);
	CHECK_EQ_U64(w.pa, 0);
	/* PDE 2 absent: stops at the pmd level. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x40400000u, &w));
	CHECK(!w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PMD);
	CHECK_EQ_U64(w.nsteps, 2);
	CHECK_EQ_U64(w.step[1].entry_pa, 0x1000 + 8 * 2);
	/* PTE 2 absent: stops at the pte level. */
	CHECK_OK(pgt_walk(&physmem, CR3, 0x40002000u, &w));
	CHECK(!w.present);
	CHECK_EQ_U64(w.level, PGT_LEVEL_PTE);
	CHECK_EQ_U64(w.nsteps, 3);
	CHECK_EQ_U64(w.step[2].entry_pa, 0x2000 + 8 * 2);
	CHECK(!w.user && !w.writable && !w.nx);
}

static void test_walk_errors(void)
{
	struct pgt_walk w;
	/* PDPTE 3 points at a PMD beyond memory: the PDE read fails. */
	CHECK_ERR(pgt_walk(&physmem, CR3, 0xc0000000u, &w), PGT_ERROR_FAULT,
		  "PDE at physical 0x100000: 0x100000 is beyond the test memory");
	/* PDE 4 points at a PTE page beyond memory (PTE 0 at 0x200000000). */
	CHECK_ERR(pgt_walk(&physmem, CR3, 0x40800000u, &w), PGT_ERROR_FAULT,
		  "PTE at physical 0x200000000: 0x200000000 is beyond the test memory");
	/* The PDPT itself outside memory (CR3 loads all four PDPTEs). */
	CHECK_ERR(pgt_walk(&physmem, 0x20000, 0x40000000u, &w), PGT_ERROR_FAULT,
		  "PDPTE at physical 0x20000: 0x20000 is beyond the test memory");
}

#define MAX_RANGES 32

struct collect {
	struct pgt_range r[MAX_RANGES];
	int n;
	int stop_after; /* 0: never */
};

static struct pgt_error *collect_fn(const struct pgt_range *range, void *arg)
{
	struct collect *c = arg;
	if (c->n < MAX_RANGES)
		c->r[c->n] = *range;
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return &pgt_error_stop;
	return NULL;
}

#define CHECK_RANGE(c, i, s, e, pres, lvl, diff)                              \
	do {                                                                  \
		CHECK_EQ_U64((c).r[i].start, (s));                            \
		CHECK_EQ_U64((c).r[i].end, (e));                              \
		CHECK_EQ_U64((c).r[i].present, (pres));                       \
		CHECK_EQ_U64((c).r[i].level, (lvl));                          \
		CHECK_EQ_U64((c).r[i].differs, (diff));                       \
	} while (0)

/*
 * ptdump's note_page(): consecutive units with the same protections and
 * level merge into one line.  [0x40000000, 0x40800000) by hand:
 *   PTE 0             rw user      -> 1 range
 *   PTE 1             ro user nx   -> 1 range
 *   PTE 2             absent       -> 1 range
 *   PTE 3 (A), 4 (D)  rw user      -> 1 range (A/D ignored)
 *   PTE 5..511        absent       -> 1 range
 *   PDE 1             2M rw nx     -> 1 range
 *   PDE 2             absent       -> 1 range (pmd level)
 *   PDE 3: PTE 0      rw kernel    -> 1 range
 *   PDE 3: PTE 1..511 absent       -> 1 range
 */
static void test_ranges(void)
{
	struct collect c = {0};
	const uint64_t B = 0x40000000;
	if (!CHECK_OK(pgt_ranges(&physmem, CR3, 0, B, B + 0x800000,
				 collect_fn, &c)))
		return;
	CHECK_EQ_U64(c.n, 9);
	if (c.n != 9)
		return;
	CHECK_RANGE(c, 0, B, B + 0x1000, 1, PGT_LEVEL_PTE, 0);
	CHECK(c.r[0].user && c.r[0].writable && !c.r[0].nx);
	CHECK_EQ_U64(c.r[0].flags, KPTE);
	CHECK_RANGE(c, 1, B + 0x1000, B + 0x2000, 1, PGT_LEVEL_PTE, 0);
	CHECK(c.r[1].user && !c.r[1].writable && c.r[1].nx);
	CHECK_RANGE(c, 2, B + 0x2000, B + 0x3000, 0, PGT_LEVEL_PTE, 0);
	CHECK_RANGE(c, 3, B + 0x3000, B + 0x5000, 1, PGT_LEVEL_PTE, 0);
	CHECK_EQ_U64(c.r[3].flags, KPTE);
	CHECK_RANGE(c, 4, B + 0x5000, B + 0x200000, 0, PGT_LEVEL_PTE, 0);
	CHECK_RANGE(c, 5, B + 0x200000, B + 0x400000, 1, PGT_LEVEL_PMD, 0);
	CHECK(!c.r[5].user && c.r[5].writable && c.r[5].nx);
	CHECK_EQ_U64(c.r[5].flags, PGT_P | PGT_RW | PGT_PSE | PGT_NX);
	CHECK_RANGE(c, 6, B + 0x400000, B + 0x600000, 0, PGT_LEVEL_PMD, 0);
	CHECK_RANGE(c, 7, B + 0x600000, B + 0x601000, 1, PGT_LEVEL_PTE, 0);
	CHECK(!c.r[7].user && c.r[7].writable);
	CHECK_RANGE(c, 8, B + 0x601000, B + 0x800000, 0, PGT_LEVEL_PTE, 0);

	/* A sub-range starting mid-page is rounded down to the page. */
	struct collect d = {0};
	CHECK_OK(pgt_ranges(&physmem, CR3, 0, B + 0x3800, B + 0x5000,
			    collect_fn, &d));
	CHECK_EQ_U64(d.n, 1);
	CHECK_RANGE(d, 0, B + 0x3000, B + 0x5000, 1, PGT_LEVEL_PTE, 0);
}

/*
 * "differs" against a reference (the dump of a pgd against
 * swapper_pg_dir): a range is marked where the PDE (or PDPTE) that maps it
 * is not the reference's.  The reference PMD of slot 1 is page 1 but for
 * PDE 2 (present there, absent here) and PDE 3 (another PTE page).
 */
static void test_ranges_differs(void)
{
	struct collect c = {0};
	const uint64_t B = 0x40000000;
	if (!CHECK_OK(pgt_ranges(&physmem, CR3, REF_CR3, B, B + 0x800000,
				 collect_fn, &c)))
		return;
	CHECK_EQ_U64(c.n, 9);
	if (c.n != 9)
		return;
	for (int i = 0; i < 6; i++)
		CHECK_EQ_U64(c.r[i].differs, 0);
	CHECK_RANGE(c, 6, B + 0x400000, B + 0x600000, 0, PGT_LEVEL_PMD, 1);
	CHECK_RANGE(c, 7, B + 0x600000, B + 0x601000, 1, PGT_LEVEL_PTE, 1);
	CHECK_RANGE(c, 8, B + 0x601000, B + 0x800000, 0, PGT_LEVEL_PTE, 1);

	/*
	 * Slot 0: absent here, present in the reference with only PDE 5
	 * (0xa00000..0xc00000): three ranges, the middle one differs.
	 */
	struct collect z = {0};
	CHECK_OK(pgt_ranges(&physmem, CR3, REF_CR3, 0, B, collect_fn, &z));
	CHECK_EQ_U64(z.n, 3);
	if (z.n == 3) {
		CHECK_RANGE(z, 0, 0, 0xa00000, 0, PGT_LEVEL_PGD, 0);
		CHECK_RANGE(z, 1, 0xa00000, 0xc00000, 0, PGT_LEVEL_PGD, 1);
		CHECK_RANGE(z, 2, 0xc00000, B, 0, PGT_LEVEL_PGD, 0);
	}
	/* Without a reference, slot 0 is one range. */
	struct collect n = {0};
	CHECK_OK(pgt_ranges(&physmem, CR3, 0, 0, B, collect_fn, &n));
	CHECK_EQ_U64(n.n, 1);
	CHECK_RANGE(n, 0, 0, B, 0, PGT_LEVEL_PGD, 0);
}

static void test_ranges_stop_and_errors(void)
{
	/* The callback's error stops the walk and comes back. */
	struct collect c = {.stop_after = 2};
	struct pgt_error *err = pgt_ranges(&physmem, CR3, 0, 0x40000000,
					   0x40800000, collect_fn, &c);
	CHECK(err == &pgt_error_stop);
	CHECK_EQ_U64(c.n, 2);
	/* A walk that reaches PDE 4's PTE page (beyond memory) fails. */
	struct collect d = {0};
	CHECK_ERR(pgt_ranges(&physmem, CR3, 0, 0x40800000, 0x40a00000,
			     collect_fn, &d),
		  PGT_ERROR_FAULT, NULL);
}

int main(void)
{
	build();
	test_walk_4k();
	test_walk_2m();
	test_walk_not_present();
	test_walk_errors();
	test_ranges();
	test_ranges_differs();
	test_ranges_stop_and_errors();
	return test_summary();
}
