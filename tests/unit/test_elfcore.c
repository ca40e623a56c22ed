/* SPDX-License-Identifier: MIT */
/* The ELF core reader, the walker and vread over hand-built and real images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/vread.h"
#include "core/walk.h"
#include "formats/elfcore.h"
#include "test_util.h"


static char *data_path(const char *name)
{
	const char *src = getenv("PGT_SRCDIR");
	char *p;
	if (asprintf(&p, "%s/tests/data/%s", src ? src : ".", name) < 0)
		abort();
	return p;
}

static struct pgt_elfcore *open_ok(const char *path)
{
	struct pgt_elfcore *core = NULL;
	struct pgt_error *err = pgt_elfcore_open(path, &core);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, err->message);
		pgt_error_destroy(err);
		test_fail_();
		return NULL;
	}
	return core;
}

/* The walk of tests/data/mkcore.py's tables, checked by hand. */
static void test_tiny(const char *name, int elfclass)
{
	char *path = data_path(name);
	struct pgt_elfcore *core = open_ok(path);
	free(path);
	if (!core)
		return;
	CHECK(pgt_elfcore_class(core) == elfclass);
	CHECK(pgt_elfcore_nsegments(core) == 2);
	CHECK(pgt_elfcore_segment(core, 0)->pa == 0);
	CHECK(pgt_elfcore_segment(core, 0)->memsz == 0x7000);
	CHECK(pgt_elfcore_segment(core, 0)->filesz == 0x6000);
	CHECK(pgt_elfcore_segment(core, 1)->pa == 0x100000);
	CHECK(pgt_elfcore_ncpus(core) == 2);
	const struct pgt_elfcore_cpu *c0 = pgt_elfcore_cpu(core, 0);
	const struct pgt_elfcore_cpu *c1 = pgt_elfcore_cpu(core, 1);
	CHECK(c0->has_prstatus && c0->pid == 1 && c0->ip == 0xc0001000);
	CHECK(c1->has_prstatus && c1->pid == 2 && c1->ip == 0xc0002000);
	CHECK(c0->has_qemu && c0->cr[0] == 0x80050033 && c0->cr[4] == 0x6f0);
	uint64_t cr3 = 0;
	struct pgt_error *err = pgt_elfcore_cr3(core, 1, &cr3);
	CHECK(!err && cr3 == 0x1020);
	pgt_error_destroy(err);
	err = pgt_elfcore_cr3(core, 2, &cr3);
	CHECK(err && err->code == PGT_ERROR_INVALID);
	pgt_error_destroy(err);

	struct pgt_physmem mem = pgt_elfcore_physmem(core);
	uint8_t b[8];
	/* File bytes, zero fill past p_filesz, a hole, the second segment. */
	CHECK(!pgt_physmem_read(&mem, 0x5000, b, 3) && b[0] == 0x55 &&
	      b[1] == 0x89 && b[2] == 0xe5);
	memset(b, 0xff, sizeof(b));
	CHECK(!pgt_physmem_read(&mem, 0x6ff8, b, 8) && b[0] == 0 && b[7] == 0);
	err = pgt_physmem_read(&mem, 0x6ffc, b, 8);
	CHECK(err && err->code == PGT_ERROR_FAULT);
	pgt_error_destroy(err);
	err = pgt_physmem_read(&mem, 0x7000, b, 1);
	CHECK(err && err->code == PGT_ERROR_FAULT);
	pgt_error_destroy(err);
	CHECK(!pgt_physmem_read(&mem, 0x100000, b, 3) && b[0] == 0x56);
	err = pgt_physmem_read(&mem, 0x100ffc, b, 8);
	CHECK(err && err->code == PGT_ERROR_FAULT);
	pgt_error_destroy(err);

	struct pgt_walk w;
	CHECK(!pgt_walk(&mem, 0x1000, 0x1234, &w));
	CHECK(w.present && w.pa == 0x5234 && w.page_size == 4096 && w.user &&
	      w.writable && !w.nx && w.nsteps == 3);
	CHECK(w.step[0].entry_pa == 0x1000 && w.step[1].entry_pa == 0x2000 &&
	      w.step[2].entry_pa == 0x4008);
	CHECK(!pgt_walk(&mem, 0x1000, 0x2000, &w));
	CHECK(w.present && w.pa == 0x100000 && !w.user && !w.writable);
	CHECK(!pgt_walk(&mem, 0x1000, 0x3000, &w));
	CHECK(w.present && w.pa == 0x6000 && w.user && !w.writable && w.nx);
	CHECK(!pgt_walk(&mem, 0x1000, 0x5000, &w) && !w.present &&
	      w.level == PGT_LEVEL_PTE);
	CHECK(!pgt_walk(&mem, 0x1020, 0xc0012345, &w));
	CHECK(w.present && w.page_size == (2u << 20) && w.pa == 0x212345 &&
	      w.writable && w.nx && w.nsteps == 2);
	CHECK(!pgt_walk(&mem, 0x1020, 0x1000, &w) && !w.present &&
	      w.level == PGT_LEVEL_PGD);
	/* A PDE pointing outside memory: the walk itself faults. */
	err = pgt_walk(&mem, 0x1000, 0x200000, &w);
	CHECK(err && err->code == PGT_ERROR_FAULT &&
	      strstr(err->message, "0x9000000"));
	pgt_error_destroy(err);

	/* vread across a page boundary: 0x1ffe -> 0x5ffe, 0x2000 -> 0x100000. */
	uint8_t insn[5];
	CHECK(!pgt_vread(&mem, 0x1000, 0x1ffe, insn, 5));
	CHECK(insn[0] == 0xb8 && insn[1] == 0x78 && insn[2] == 0x56 &&
	      insn[3] == 0x34 && insn[4] == 0x12);
	/* The same bytes through the 2 MiB kernel page at 0xc0200000. */
	CHECK(!pgt_vread(&mem, 0x1000, 0xc0205000, insn, 1) && insn[0] == 0x55);
	/* A PTE pointing outside memory. */
	err = pgt_vread(&mem, 0x1000, 0x4000, insn, 1);
	CHECK(err && err->code == PGT_ERROR_FAULT);
	pgt_error_destroy(err);
	/* Partial: the page after 0x3000 (0x4000) is outside memory. */
	uint8_t page[8192];
	size_t n = 1;
	CHECK(!pgt_vread_partial(&mem, 0x1000, 0x3ff0, page, 64, &n) &&
	      n == 16);
	CHECK(!pgt_vread_partial(&mem, 0x1000, 0x5000, page, 64, &n) && n == 0);
	err = pgt_vread(&mem, 0x1000, 0xfffffffe, page, 4);
	CHECK(err && err->code == PGT_ERROR_INVALID);
	pgt_error_destroy(err);
	pgt_elfcore_destroy(core);
}

static void test_bad(const char *name, const char *needle)
{
	char *path = data_path(name);
	struct pgt_elfcore *core = NULL;
	struct pgt_error *err = pgt_elfcore_open(path, &core);
	CHECK(err && !core);
	if (err) {
		if (!strstr(err->message, needle) ||
		    (err->code == PGT_ERROR_INPUT &&
		     !strstr(err->message, ": offset 0x"))) {
			fprintf(stderr, "%s: unexpected message: %s\n", name,
				err->message);
			test_fail_();
		}
	}
	pgt_error_destroy(err);
	free(path);
}

/* A loop in the tables must end: the walk has a fixed depth. */
static void test_loop(void)
{
	char *path = data_path("loop.elf");
	struct pgt_elfcore *core = open_ok(path);
	free(path);
	if (!core)
		return;
	struct pgt_physmem mem = pgt_elfcore_physmem(core);
	struct pgt_walk w;
	/* Its PDPTEs have RW and US, reserved there: CR3 cannot be loaded. */
	CHECK(!pgt_walk(&mem, 0x1000, 0x12345678, &w) && !w.present &&
	      w.rsvd == (PGT_RW | PGT_US) && w.rsvd_level == PGT_LEVEL_PGD);
	pgt_elfcore_destroy(core);
}

static struct pgt_error *count_range(const struct pgt_range *r, void *arg)
{
	(*(int *)arg)++;
	return NULL;
}

/* The trimmed real captures (tests/data/mktrim.py), against verify.txt. */
static void test_real(const char *mode, uint64_t cr3_0, uint64_t cr3_1,
		      uint64_t pgd, uint64_t pgd_kernel_pmd)
{
	char name[64];
	snprintf(name, sizeof(name), "%s-trim.elf.gz", mode);
	char *gzpath = data_path(name);
	char tmp[] = "/tmp/pgt-test-elfcore-XXXXXX";
	int fd = mkstemp(tmp);
	CHECK(fd >= 0);
	gzFile gz = gzopen(gzpath, "rb");
	CHECK(gz);
	free(gzpath);
	if (fd < 0 || !gz)
		return;
	char buf[65536];
	int n;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		CHECK(write(fd, buf, (size_t)n) == n);
	CHECK(n == 0);
	gzclose(gz);
	close(fd);
	struct pgt_elfcore *core = open_ok(tmp);
	unlink(tmp);
	if (!core)
		return;
	CHECK(pgt_elfcore_class(core) == 64);
	CHECK(pgt_elfcore_ncpus(core) == 2);
	uint64_t cr3;
	CHECK(!pgt_elfcore_cr3(core, 0, &cr3) && cr3 == cr3_0);
	CHECK(!pgt_elfcore_cr3(core, 1, &cr3) && cr3 == cr3_1);
	struct pgt_physmem mem = pgt_elfcore_physmem(core);
	uint64_t e;
	/* swapper_pg_dir's kernel slot -> PMD page 0x1e94000. */
	CHECK(!pgt_physmem_read_u64(&mem, 0x1e98000 + 24, &e) &&
	      e == 0x1e94021);
	CHECK(!pgt_physmem_read_u64(&mem, pgd + 24, &e) &&
	      (e & ~UINT64_C(0xfff)) == pgd_kernel_pmd);
	/* pgd_alloc's bytes through swapper: after the call, push %ebp. */
	uint8_t code[6];
	CHECK(!pgt_vread(&mem, 0x1e98000, 0xc1068f30, code, 6) &&
	      code[0] == 0xe8 && code[5] == 0x55);
	int nranges = 0;
	CHECK(!pgt_ranges(&mem, cr3_0, 0x1e98000, 0, UINT64_C(1) << 32,
			  count_range, &nranges));
	CHECK(nranges > 100);
	pgt_elfcore_destroy(core);
}

int main(void)
{
	test_tiny("tiny-32.elf", 32);
	test_tiny("tiny-64.elf", 64);
	test_bad("bad-trunc.elf", "truncated ELF header");
	test_bad("bad-eof.elf", "past the end of the file");
	test_bad("bad-overlap.elf", "overlaps");
	test_bad("bad-absurd.elf", "beyond 52-bit");
	test_bad("bad-note.elf", "runs past the end of its segment");
	test_bad("bad-qemu.elf", "version 7");
	test_bad("mkcore.py", "not an ELF file");
	test_bad("no-such-file", "No such file");
	test_loop();
	test_real("nopti", 0x47e9060, 0x1e98000, 0x46b9a60, 0x1e94000);
	test_real("pti", 0x1e98000, 0x4d68000, 0x4e4e000, 0x4dfb000);
	return test_summary();
}
