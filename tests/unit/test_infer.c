/* SPDX-License-Identifier: MIT */
/* Policy inference (cli/infer.c): small cases checkable by hand. */
#include <string.h>

#include "cli/infer.c"
#include "test_util.h"

static struct pgt_strtab *tab;

/* A pgd_alloc or pgd_free of the pgd named @name. */
static struct pgt_event pgd_event(enum pgt_op op, const char *name,
				  uint64_t line)
{
	struct pgt_event ev = {.op = op, .line = line, .cpu = -1, .pid = -1};
	CHECK_OK(pgt_strtab_intern(tab, name, strlen(name), &ev.pgd));
	return ev;
}

static void test_slab(void)
{
	/* 6.1 nopti: pgd_cache objects, 32 bytes: one off a page proves it. */
	struct infer_evidence e = {0};
	struct pgt_event ev = pgd_event(PGT_OP_PGD_ALLOC, "0xc47e9000", 10);
	infer_event(&e, &ev, tab, NULL); /* page-aligned: first object of a slab page */
	CHECK(infer_recording(&e) == INFER_NONE);
	CHECK(!infer_recording_settled(&e));
	ev = pgd_event(PGT_OP_PGD_FREE, "0xc47e9aa0", 11);
	infer_event(&e, &ev, tab, NULL);
	CHECK(infer_recording(&e) == INFER_SHARED);
	CHECK(infer_recording_settled(&e));
	CHECK_EQ_U64(e.first_slab_line, 11);
	CHECK_EQ_U64(e.page_pgds, 1); /* 0x9000: page-aligned, not 8 KiB */
	CHECK_EQ_U64(e.pair_pgds, 0);
	CHECK_EQ_U64(e.slab_pgds, 1);
}

static void test_pairs(void)
{
	/* PTI: 8 KiB pairs; seven prove nothing, the eighth settles it. */
	struct infer_evidence e = {0};
	char name[32];
	for (int i = 0; i < INFER_ALIGNED_ENOUGH; i++) {
		CHECK(infer_recording(&e) == INFER_NONE);
		snprintf(name, sizeof(name), "0x%x", 0xc4d00000u + 0x2000u * (unsigned)i);
		struct pgt_event ev = pgd_event(PGT_OP_PGD_ALLOC, name, 1 + (uint64_t)i);
		infer_event(&e, &ev, tab, NULL);
	}
	CHECK(infer_recording(&e) == INFER_UNSHARED);
	CHECK(infer_recording_settled(&e));
	/* Names that are not addresses (hand-written traces) are no evidence. */
	struct infer_evidence none = {0};
	struct pgt_event ev = pgd_event(PGT_OP_PGD_ALLOC, "1", 1);
	infer_event(&none, &ev, tab, NULL);
	ev = pgd_event(PGT_OP_PGD_FREE, "init", 2);
	infer_event(&none, &ev, tab, NULL);
	CHECK(infer_recording(&none) == INFER_NONE);
	CHECK_EQ_U64(none.named_pgds, 2);
	CHECK_EQ_U64(none.pair_pgds + none.page_pgds + none.slab_pgds, 0);
	/* ... and say at once that the rest will not tell more. */
	CHECK(infer_recording_settled(&none));
}

static void test_sync(void)
{
	struct infer_evidence e = {0};
	struct pgt_event ev = {.op = PGT_OP_SYNC_RANGE, .line = 127,
			       .addr = 0xf8000000, .size = 0xf8200000};
	infer_event(&e, &ev, tab, NULL);
	CHECK(infer_recording(&e) == INFER_UNSHARED);
	CHECK(infer_recording_settled(&e));
	CHECK_EQ_U64(e.first_sync_line, 127);
	/* A slab pgd as well: both ways. */
	ev = pgd_event(PGT_OP_PGD_ALLOC, "0xc4701fa0", 130);
	infer_event(&e, &ev, tab, NULL);
	CHECK(infer_recording(&e) == INFER_CONFLICT);
	struct infer_policy p;
	infer_decide(false, 0, NULL, &e, &p);
	CHECK(p.source == INFER_FROM_DEFAULT);
	CHECK(p.policy == PGT_POLICY_SHARED);
	CHECK(strstr(p.warning, "both policies") != NULL);
	/* pti_clone_pgtable alone. */
	struct infer_evidence pti = {.pti_clones = 1};
	CHECK(infer_recording(&pti) == INFER_UNSHARED);
}

/* Four pages of "physical memory" for the image cases. */
static uint8_t mem_bytes[4 * 4096];

static struct pgt_error *mem_read(const void *ctx, uint64_t pa, void *buf,
				  size_t len)
{
	if (pa + len > sizeof(mem_bytes))
		return pgt_error_create(PGT_ERROR_FAULT, "not backed");
	memcpy(buf, mem_bytes + pa, len);
	return NULL;
}

static void put_entry(uint64_t pa, uint64_t v)
{
	memcpy(mem_bytes + pa, &v, 8);
}

static void test_image(void)
{
	/*
	 * 3G/1G: slot 3 is the kernel's.  swapper's PDPT at 0x1000 points
	 * slot 3 at the PMD page 0x3000; pgd A (0x2000) shares it, pgd B
	 * (0x2020) has its own, 0x7000 (beyond this memory: only the entry
	 * is read); 0x10000 cannot be read and is not counted.
	 */
	struct pgt_physmem mem = {.read = mem_read};
	put_entry(0x1000 + 24, 0x3000 | PGT_P);
	put_entry(0x2000 + 24, 0x3000 | PGT_P);
	put_entry(0x2020 + 24, 0x7000 | PGT_P);
	put_entry(0x2040 + 24, 0); /* an empty slot: not counted */
	struct infer_evidence e = {0};
	uint64_t shared_only[] = {0x1000, 0x2000, 0x2040, 0x10000};
	infer_image(&mem, 0x1000, 0xc0000000u, shared_only, 4, &e);
	CHECK_EQ_U64(e.image_shared, 1);
	CHECK_EQ_U64(e.image_own, 0);
	CHECK(infer_image_verdict(&e) == INFER_SHARED);
	struct infer_policy p;
	infer_decide(false, 0, NULL, &e, &p);
	CHECK(p.source == INFER_FROM_IMAGE);
	CHECK(p.policy == PGT_POLICY_SHARED);
	CHECK_EQ_STR(p.why, "the start image: of 1 pgds read, 1 share swapper_pg_dir's kernel PMD page and 0 have their own");
	CHECK_EQ_STR(p.warning, "");

	uint64_t own[] = {0x2020};
	struct infer_evidence o = {0};
	infer_image(&mem, 0x1000, 0xc0000000u, own, 1, &o);
	CHECK(infer_image_verdict(&o) == INFER_UNSHARED);

	/* The recording says shared, the image unshared: check's finding. */
	struct pgt_event ev = pgd_event(PGT_OP_PGD_FREE, "0xc4701fa0", 5);
	infer_event(&o, &ev, tab, NULL);
	char buf[512];
	CHECK(infer_contradiction(&o, buf, sizeof(buf)));
	CHECK(strstr(buf, "the recording looks shared") != NULL);
	CHECK(strstr(buf, "the image looks unshared") != NULL);
	CHECK(!infer_contradiction(&e, buf, sizeof(buf)));
}

static void test_decide_order(void)
{
	struct infer_evidence e = {.slab_pgds = 3, .first_slab_line = 9};
	struct infer_policy p;
	/* An option wins; evidence against it is a warning. */
	infer_decide(true, PGT_POLICY_UNSHARED, NULL, &e, &p);
	CHECK(p.source == INFER_FROM_OPTION);
	CHECK(p.policy == PGT_POLICY_UNSHARED);
	CHECK_EQ_STR(p.why, "given (--unshared)");
	CHECK(!strncmp(p.warning, "the policy is unshared, but the recording looks shared", 54));
	/* The machine line next. */
	struct pgt_machine m = {.unshared = true, .set = PGT_MACHINE_POLICY};
	infer_decide(false, 0, &m, &e, &p);
	CHECK(p.source == INFER_FROM_MACHINE);
	CHECK(p.policy == PGT_POLICY_UNSHARED);
	CHECK_EQ_STR(p.why, "the trace's machine line (policy=unshared)");
	/* Then the recording. */
	infer_decide(false, 0, NULL, &e, &p);
	CHECK(p.source == INFER_FROM_RECORDING);
	CHECK(p.policy == PGT_POLICY_SHARED);
	CHECK_EQ_STR(p.why, "the recording: pgd_alloc/pgd_free named 0 8 KiB-aligned, 0 page-aligned and 3 32-byte slab pgds (the first at line 9); 0 arch_sync_kernel_mappings, 0 pti_clone_pgtable");
	/* Nothing: shared by default, said so. */
	infer_decide(false, 0, NULL, NULL, &p);
	CHECK(p.source == INFER_FROM_DEFAULT);
	CHECK(p.policy == PGT_POLICY_SHARED);
	CHECK_EQ_STR(infer_source_name(p.source), "default");
}

/*
 * What a name showed is remembered by id: a stream of names met many
 * times counts as the uncached look-ups do, first slab line included.
 */
static void test_names_cache(void)
{
	static const char *const names[] = {
		"0xc4d02000", "0xc4d03000", "0xc47e9aa0", "init", "0xc4d02000",
		"0xc47e9aa0", "0xc47e9ab1", "0x0", "0xc4d03000", "init", "7",
	};
	struct infer_evidence cached = {0}, plain = {0};
	struct infer_names cache = {0};
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct pgt_event ev = pgd_event(i % 2 ? PGT_OP_PGD_FREE : PGT_OP_PGD_ALLOC,
							names[i], 100 * (uint64_t)round + i + 1);
			infer_event(&cached, &ev, tab, &cache);
			infer_event(&plain, &ev, tab, NULL);
		}
	}
	CHECK_EQ_U64(cached.pair_pgds, plain.pair_pgds);
	CHECK_EQ_U64(cached.page_pgds, plain.page_pgds);
	CHECK_EQ_U64(cached.slab_pgds, plain.slab_pgds);
	CHECK_EQ_U64(cached.named_pgds, plain.named_pgds);
	CHECK_EQ_U64(cached.first_slab_line, plain.first_slab_line);
	/* by hand: 0xc4d02000 x2 a round (pair), 0xc4d03000 x2 (page),
	 * 0xc47e9aa0 x2 (slab, first at line 3), init, 0x0 and 7 x4 (names) */
	CHECK_EQ_U64(cached.pair_pgds, 6);
	CHECK_EQ_U64(cached.page_pgds, 6);
	CHECK_EQ_U64(cached.slab_pgds, 6);
	CHECK_EQ_U64(cached.named_pgds, 12);
	CHECK_EQ_U64(cached.first_slab_line, 3);
	infer_names_deinit(&cache);
}

int main(void)
{
	if (!CHECK_OK(pgt_strtab_create(&tab)))
		return 1;
	test_names_cache();
	test_slab();
	test_pairs();
	test_sync();
	test_image();
	test_decide_order();
	pgt_strtab_destroy(tab);
	return test_summary();
}
