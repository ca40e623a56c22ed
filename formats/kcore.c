/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/kcore.h"

/* More program headers than any kcore has: a corrupt e_phnum. */
#define MAX_PHDRS 65536
#define COPY_CHUNK (1u << 20)

struct ram {
	uint64_t pa, size, offset;
};

static struct pgt_error *bad(const char *path, uint64_t offset,
			     const char *what)
{
	return pgt_error_create(PGT_ERROR_INPUT, "%s: offset 0x%" PRIx64 ": %s",
				path, offset, what);
}

static struct pgt_error *read_at(int fd, const char *path, void *buf,
				 size_t len, uint64_t offset)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pgt_error_create(PGT_ERROR_IO, "%s: offset 0x%" PRIx64 ": %s",
						path, offset + done, strerror(errno));
		if (n == 0)
			return bad(path, offset + done, "unexpected end of file");
		done += (size_t)n;
	}
	return NULL;
}

static struct pgt_error *write_all(int fd, const char *path, const void *buf,
				   size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
						path, strerror(errno));
		done += (size_t)n;
	}
	return NULL;
}

static int by_pa(const void *a, const void *b)
{
	const struct ram *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* The RAM segments of @fd, sorted by physical address, aliases dropped. */
static struct pgt_error *read_ram(int fd, const char *path, struct ram **ret,
				  size_t *n_ret, struct pgt_kcore_stats *stats)
{
	unsigned char ident[EI_NIDENT];
	struct pgt_error *err = read_at(fd, path, ident, sizeof(ident), 0);
	if (err)
		return err;
	if (memcmp(ident, ELFMAG, SELFMAG))
		return bad(path, 0, "not an ELF file");
	if (ident[EI_DATA] != ELFDATA2LSB)
		return bad(path, EI_DATA, "not a little-endian ELF file");
	bool is64 = ident[EI_CLASS] == ELFCLASS64;
	if (!is64 && ident[EI_CLASS] != ELFCLASS32)
		return bad(path, EI_CLASS, "unknown ELF class");
	uint64_t phoff, no_pa = is64 ? UINT64_MAX : UINT32_MAX;
	unsigned phnum, phentsize, type, machine;
	if (is64) {
		Elf64_Ehdr e;
		if ((err = read_at(fd, path, &e, sizeof(e), 0)))
			return err;
		phoff = e.e_phoff;
		phnum = e.e_phnum;
		phentsize = e.e_phentsize;
		type = e.e_type;
		machine = e.e_machine;
	} else {
		Elf32_Ehdr e;
		if ((err = read_at(fd, path, &e, sizeof(e), 0)))
			return err;
		phoff = e.e_phoff;
		phnum = e.e_phnum;
		phentsize = e.e_phentsize;
		type = e.e_type;
		machine = e.e_machine;
	}
	if (type != ET_CORE)
		return bad(path, 16, "not an ELF core (e_type is not ET_CORE)");
	if (machine != EM_386 && machine != EM_X86_64)
		return bad(path, 18, "not an x86 ELF core");
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return bad(path, is64 ? 54 : 42, "unexpected program header size");
	if (phnum == 0 || phnum > MAX_PHDRS)
		return bad(path, is64 ? 56 : 44, "no program headers");
	struct ram *ram = calloc(phnum, sizeof(*ram));
	if (!ram)
		return &pgt_error_nomem;
	size_t n = 0;
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t at = phoff + (uint64_t)i * phentsize;
		uint64_t ptype, pa, filesz, memsz, offset;
		if (is64) {
			Elf64_Phdr p;
			err = read_at(fd, path, &p, sizeof(p), at);
			ptype = p.p_type, pa = p.p_paddr, filesz = p.p_filesz;
			memsz = p.p_memsz, offset = p.p_offset;
		} else {
			Elf32_Phdr p;
			err = read_at(fd, path, &p, sizeof(p), at);
			ptype = p.p_type, pa = p.p_paddr, filesz = p.p_filesz;
			memsz = p.p_memsz, offset = p.p_offset;
		}
		if (err) {
			free(ram);
			return err;
		}
		if (ptype != PT_LOAD)
			continue;
		if (pa == no_pa || filesz == 0) {
			stats->skipped++;
			continue;
		}
		if (filesz != memsz || pa + filesz < pa) {
			free(ram);
			return bad(path, at, "RAM segment with p_filesz != p_memsz");
		}
		ram[n++] = (struct ram){.pa = pa, .size = filesz, .offset = offset};
	}
	qsort(ram, n, sizeof(*ram), by_pa);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept && ram[i].pa < ram[kept - 1].pa + ram[kept - 1].size) {
			stats->skipped++; /* an alias of RAM already taken */
			continue;
		}
		ram[kept++] = ram[i];
	}
	if (!kept) {
		free(ram);
		return bad(path, phoff, "no PT_LOAD segment with a physical address");
	}
	*ret = ram;
	*n_ret = kept;
	return NULL;
}

static struct pgt_error *write_core(int in, const char *path, int out,
				    const char *out_path, const struct ram *ram,
				    size_t n, struct pgt_kcore_stats *stats)
{
	Elf64_Ehdr e = {
		.e_type = ET_CORE,
		.e_machine = EM_386,
		.e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (Elf64_Half)n,
	};
	memcpy(e.e_ident, ELFMAG, SELFMAG);
	e.e_ident[EI_CLASS] = ELFCLASS64;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	struct pgt_error *err = write_all(out, out_path, &e, sizeof(e));
	uint64_t offset = (sizeof(e) + n * sizeof(Elf64_Phdr) + 4095) & ~UINT64_C(4095);
	for (size_t i = 0; !err && i < n; i++) {
		Elf64_Phdr p = {
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_W | PF_X,
			.p_offset = offset,
			.p_vaddr = 0,
			.p_paddr = ram[i].pa,
			.p_filesz = ram[i].size,
			.p_memsz = ram[i].size,
			.p_align = 4096,
		};
		err = write_all(out, out_path, &p, sizeof(p));
		offset += ram[i].size;
	}
	char *buf = err ? NULL : malloc(COPY_CHUNK);
	if (!err && !buf)
		err = &pgt_error_nomem;
	if (!err) {
		size_t pad = (size_t)(((sizeof(e) + n * sizeof(Elf64_Phdr) + 4095) & ~(size_t)4095) -
				      (sizeof(e) + n * sizeof(Elf64_Phdr)));
		memset(buf, 0, pad);
		err = write_all(out, out_path, buf, pad);
	}
	for (size_t i = 0; !err && i < n; i++) {
		for (uint64_t done = 0; !err && done < ram[i].size;) {
			size_t len = ram[i].size - done < COPY_CHUNK
					     ? (size_t)(ram[i].size - done)
					     : COPY_CHUNK;
			if (!(err = read_at(in, path, buf, len, ram[i].offset + done)))
				err = write_all(out, out_path, buf, len);
			done += len;
		}
		stats->segments++;
		stats->bytes += ram[i].size;
	}
	free(buf);
	return err;
}

struct pgt_error *pgt_kcore_copy(const char *kcore, const char *out,
				 struct pgt_kcore_stats *ret)
{
	*ret = (struct pgt_kcore_stats){0};
	int in = open(kcore, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return pgt_error_create(PGT_ERROR_IO, "%s: %s", kcore, strerror(errno));
	struct ram *ram = NULL;
	size_t n = 0;
	struct pgt_error *err = read_ram(in, kcore, &ram, &n, ret);
	if (err) {
		close(in);
		return err;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", out, strerror(errno));
	} else {
		err = write_core(in, kcore, fd, out, ram, n, ret);
		if (close(fd) && !err)
			err = pgt_error_create(PGT_ERROR_IO, "%s: write error: %s",
					       out, strerror(errno));
		if (err)
			unlink(out);
	}
	free(ram);
	close(in);
	return err;
}
