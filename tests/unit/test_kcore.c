/* SPDX-License-Identifier: MIT */
/*
 * kcore to physical image (formats/kcore.c): a hand-built ELF32 kcore with
 * RAM, an alias of RAM, a vmalloc and a text segment (p_paddr -1) is copied
 * and read back through the image reader; malformed kcores are refused
 * with the offset.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/elfcore.h"
#include "formats/kcore.h"
#include "test_util.h"

static char dir[] = "/tmp/pgt-kcore-XXXXXX";

static char *tmp(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

struct seg {
	uint32_t vaddr, paddr, size;
	unsigned char fill;
};

/* An ELF32 kcore: one PT_NOTE, then @n PT_LOADs filled with their byte. */
static void write_kcore(const char *path, const struct seg *segs, size_t n,
			uint16_t type)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	Elf32_Ehdr e = {.e_type = type, .e_machine = EM_386, .e_version = EV_CURRENT,
			.e_phoff = sizeof(Elf32_Ehdr), .e_ehsize = sizeof(Elf32_Ehdr),
			.e_phentsize = sizeof(Elf32_Phdr), .e_phnum = (Elf32_Half)(n + 1)};
	memcpy(e.e_ident, ELFMAG, SELFMAG);
	e.e_ident[EI_CLASS] = ELFCLASS32;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	fwrite(&e, sizeof(e), 1, f);
	uint32_t off = sizeof(e) + (uint32_t)(n + 1) * sizeof(Elf32_Phdr);
	Elf32_Phdr note = {.p_type = PT_NOTE, .p_offset = off};
	fwrite(&note, sizeof(note), 1, f);
	for (size_t i = 0; i < n; i++) {
		Elf32_Phdr p = {.p_type = PT_LOAD, .p_offset = off,
				.p_vaddr = segs[i].vaddr, .p_paddr = segs[i].paddr,
				.p_filesz = segs[i].size, .p_memsz = segs[i].size,
				.p_flags = PF_R | PF_W | PF_X, .p_align = 4096};
		fwrite(&p, sizeof(p), 1, f);
		off += segs[i].size;
	}
	for (size_t i = 0; i < n; i++)
		for (uint32_t b = 0; b < segs[i].size; b++)
			fputc(segs[i].fill, f);
	if (fclose(f))
		abort();
}

static void test_copy(void)
{
	const struct seg segs[] = {
		{0xf8000000, 0xffffffff, 0x1000, 0xaa}, /* vmalloc */
		{0xc0100000, 0x00100000, 0x2000, 0x22}, /* RAM above */
		{0xc0000000, 0x00000000, 0x3000, 0x11}, /* RAM at 0 */
		{0xc1001000, 0x00001000, 0x1000, 0xbb}, /* an alias inside RAM */
		{0xc1000000, 0xffffffff, 0x1000, 0xcc}, /* kernel text, no pa */
	};
	char *in = tmp("kcore"), *out = tmp("t0.elf");
	write_kcore(in, segs, 5, ET_CORE);
	struct pgt_kcore_stats st;
	if (!CHECK_OK(pgt_kcore_copy(in, out, &st)))
		goto done;
	CHECK_EQ_U64(st.segments, 2);
	CHECK_EQ_U64(st.bytes, 0x5000);
	CHECK_EQ_U64(st.skipped, 3);
	struct pgt_elfcore *core;
	if (!CHECK_OK(pgt_elfcore_open(out, &core)))
		goto done;
	CHECK_EQ_U64(pgt_elfcore_nsegments(core), 2);
	CHECK_EQ_U64(pgt_elfcore_segment(core, 0)->pa, 0);
	CHECK_EQ_U64(pgt_elfcore_segment(core, 0)->memsz, 0x3000);
	CHECK_EQ_U64(pgt_elfcore_segment(core, 1)->pa, 0x100000);
	struct pgt_physmem mem = pgt_elfcore_physmem(core);
	unsigned char b[2];
	/* 0x1000 is RAM's byte, not the alias's. */
	if (CHECK_OK(pgt_physmem_read(&mem, 0x1fff, b, 1)))
		CHECK_EQ_U64(b[0], 0x11);
	if (CHECK_OK(pgt_physmem_read(&mem, 0x101fff, b, 1)))
		CHECK_EQ_U64(b[0], 0x22);
	CHECK_ERR(pgt_physmem_read(&mem, 0x3000, b, 1), PGT_ERROR_FAULT, NULL);
	pgt_elfcore_destroy(core);
done:
	unlink(in);
	unlink(out);
	free(in);
	free(out);
}

static void test_bad(void)
{
	char *in = tmp("bad"), *out = tmp("bad.elf");
	struct pgt_kcore_stats st;
	FILE *f = fopen(in, "wb");
	fputs("not an ELF file at all, just text\n", f);
	fclose(f);
	char *msg;
	if (asprintf(&msg, "%s: offset 0x0: not an ELF file", in) < 0)
		abort();
	CHECK_ERR(pgt_kcore_copy(in, out, &st), PGT_ERROR_INPUT, msg);
	free(msg);
	CHECK(access(out, F_OK) != 0);

	/* Only segments without a physical address: nothing to copy. */
	const struct seg none[] = {{0xf8000000, 0xffffffff, 0x1000, 0xaa}};
	write_kcore(in, none, 1, ET_CORE);
	if (asprintf(&msg, "%s: offset 0x34: no PT_LOAD segment with a physical address", in) < 0)
		abort();
	CHECK_ERR(pgt_kcore_copy(in, out, &st), PGT_ERROR_INPUT, msg);
	free(msg);
	CHECK(access(out, F_OK) != 0);

	/* An executable is not a core. */
	const struct seg ram[] = {{0xc0000000, 0, 0x1000, 0x11}};
	write_kcore(in, ram, 1, ET_EXEC);
	if (asprintf(&msg, "%s: offset 0x10: not an ELF core (e_type is not ET_CORE)", in) < 0)
		abort();
	CHECK_ERR(pgt_kcore_copy(in, out, &st), PGT_ERROR_INPUT, msg);
	free(msg);

	/* Truncated: the program headers promise data that is not there. */
	write_kcore(in, ram, 1, ET_CORE);
	if (truncate(in, 0x80))
		abort();
	CHECK_ERR(pgt_kcore_copy(in, out, &st), PGT_ERROR_INPUT, NULL);
	CHECK(access(out, F_OK) != 0);
	unlink(in);
	free(in);
	free(out);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	test_copy();
	test_bad();
	rmdir(dir);
	return test_summary();
}
