/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/elfcore.h"

/* Physical addresses are at most 52 bits wide (MAXPHYADDR). */
#define MAX_PHYS (UINT64_C(1) << 52)
/* More CPUs than any x86-32 machine had means a broken image. */
#define MAX_CPUS 8192

/* The QEMUCPUState note (QEMU's target/i386/arch_dump.c): version, size,
 * 16 GPRs, rip, rflags, 10 segments of 24 bytes, then cr[5]. */
#define QEMU_NOTE_VERSION 1
#define QEMU_NOTE_CR_OFFSET (8 + 18 * 8 + 10 * 24)
#define QEMU_NOTE_MIN_SIZE (QEMU_NOTE_CR_OFFSET + 5 * 8)

/* struct elf_prstatus sizes and field offsets for i386 and x86-64. */
#define PRSTATUS32_SIZE 144
#define PRSTATUS32_PID 24
#define PRSTATUS32_IP (72 + 12 * 4)
#define PRSTATUS64_SIZE 336
#define PRSTATUS64_PID 32
#define PRSTATUS64_IP (112 + 16 * 8)

struct segment {
	struct pgt_elfcore_segment s;
	uint64_t phdr_offset; /* where its program header is, for messages */
};

struct pgt_elfcore {
	char *path;
	int fd;
	Elf *elf;
	const uint8_t *image; /* the mapped file */
	uint64_t size;
	int elfclass;
	struct segment *segs;
	size_t nsegs;
	struct pgt_elfcore_cpu *cpus;
	size_t ncpus;
	size_t nprstatus, nqemu;
};

static struct pgt_error *bad(const struct pgt_elfcore *core, uint64_t offset,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct pgt_error *bad(const struct pgt_elfcore *core, uint64_t offset,
			     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pgt_error *err = pgt_error_vcreate(PGT_ERROR_INPUT, fmt, ap);
	va_end(ap);
	return pgt_error_prefix(err, "%s: offset 0x%" PRIx64, core->path,
				offset);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

void pgt_elfcore_destroy(struct pgt_elfcore *core)
{
	if (!core)
		return;
	if (core->elf)
		elf_end(core->elf);
	if (core->fd >= 0)
		close(core->fd);
	free(core->segs);
	free(core->cpus);
	free(core->path);
	free(core);
}

static struct pgt_error *cpu_slot(struct pgt_elfcore *core, size_t i,
				  uint64_t offset,
				  struct pgt_elfcore_cpu **ret)
{
	if (i >= MAX_CPUS)
		return bad(core, offset, "more than %d CPU notes", MAX_CPUS);
	if (i >= core->ncpus) {
		struct pgt_elfcore_cpu *cpus =
			realloc(core->cpus, (i + 1) * sizeof(*cpus));
		if (!cpus)
			return &pgt_error_nomem;
		memset(cpus + core->ncpus, 0,
		       (i + 1 - core->ncpus) * sizeof(*cpus));
		core->cpus = cpus;
		core->ncpus = i + 1;
	}
	*ret = &core->cpus[i];
	return NULL;
}

static struct pgt_error *parse_prstatus(struct pgt_elfcore *core,
					const uint8_t *desc, uint32_t descsz,
					uint64_t offset)
{
	size_t pid_off, ip_off;
	if (descsz == PRSTATUS32_SIZE) {
		pid_off = PRSTATUS32_PID;
		ip_off = PRSTATUS32_IP;
	} else if (descsz == PRSTATUS64_SIZE) {
		pid_off = PRSTATUS64_PID;
		ip_off = PRSTATUS64_IP;
	} else {
		return bad(core, offset,
			   "NT_PRSTATUS note of %" PRIu32
			   " bytes is neither the i386 (%d) nor the x86-64 "
			   "(%d) layout",
			   descsz, PRSTATUS32_SIZE, PRSTATUS64_SIZE);
	}
	struct pgt_elfcore_cpu *cpu = NULL;
	struct pgt_error *err = cpu_slot(core, core->nprstatus, offset, &cpu);
	if (err)
		return err;
	core->nprstatus++;
	cpu->has_prstatus = true;
	cpu->pid = (int32_t)le32(desc + pid_off);
	cpu->ip = descsz == PRSTATUS32_SIZE ? le32(desc + ip_off)
					    : le64(desc + ip_off);
	return NULL;
}

static struct pgt_error *parse_qemu(struct pgt_elfcore *core,
				    const uint8_t *desc, uint32_t descsz,
				    uint64_t offset)
{
	if (descsz < 8)
		return bad(core, offset, "QEMU CPU-state note of %" PRIu32
			   " bytes is too short", descsz);
	uint32_t version = le32(desc), size = le32(desc + 4);
	if (version != QEMU_NOTE_VERSION)
		return bad(core, offset,
			   "QEMU CPU-state note version %" PRIu32
			   " is not %d",
			   version, QEMU_NOTE_VERSION);
	if (size < QEMU_NOTE_MIN_SIZE || size > descsz)
		return bad(core, offset,
			   "QEMU CPU-state note says it has %" PRIu32
			   " bytes (note: %" PRIu32 ", need at least %d)",
			   size, descsz, QEMU_NOTE_MIN_SIZE);
	struct pgt_elfcore_cpu *cpu = NULL;
	struct pgt_error *err = cpu_slot(core, core->nqemu, offset, &cpu);
	if (err)
		return err;
	core->nqemu++;
	cpu->has_qemu = true;
	for (int i = 0; i < 5; i++)
		cpu->cr[i] = le64(desc + QEMU_NOTE_CR_OFFSET + 8 * i);
	return NULL;
}

/* Notes are 4-byte aligned in cores of both classes (Linux, QEMU). */
static struct pgt_error *parse_notes(struct pgt_elfcore *core,
				     uint64_t start, uint64_t len)
{
	const uint8_t *p = core->image + start;
	uint64_t pos = 0;
	while (pos < len) {
		uint64_t at = start + pos;
		if (len - pos < 12)
			return bad(core, at, "truncated note header (%" PRIu64
				   " bytes left in the note segment)",
				   len - pos);
		uint32_t namesz = le32(p + pos), descsz = le32(p + pos + 4);
		uint32_t type = le32(p + pos + 8);
		uint64_t name_al = ((uint64_t)namesz + 3) & ~UINT64_C(3);
		uint64_t desc_al = ((uint64_t)descsz + 3) & ~UINT64_C(3);
		if (name_al + desc_al > len - pos - 12)
			return bad(core, at,
				   "note of type %" PRIu32 " (name %" PRIu32
				   " bytes, data %" PRIu32
				   " bytes) runs past the end of its segment",
				   type, namesz, descsz);
		const uint8_t *name = p + pos + 12;
		const uint8_t *desc = name + name_al;
		uint64_t desc_at = at + 12 + name_al;
		if (namesz && name[namesz - 1] != '\0')
			return bad(core, at, "note name is not NUL-terminated");
		if (namesz == 5 && memcmp(name, "CORE", 5) == 0 &&
		    type == NT_PRSTATUS) {
			struct pgt_error *err =
				parse_prstatus(core, desc, descsz, desc_at);
			if (err)
				return err;
		} else if (namesz == 5 && memcmp(name, "QEMU", 5) == 0 &&
			   type == 0) {
			struct pgt_error *err =
				parse_qemu(core, desc, descsz, desc_at);
			if (err)
				return err;
		}
		pos += 12 + name_al + desc_al;
	}
	return NULL;
}

static int compare_segments(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->s.pa < y->s.pa ? -1 : x->s.pa > y->s.pa;
}

static struct pgt_error *check_header(struct pgt_elfcore *core,
				      GElf_Ehdr *ehdr)
{
	if (elf_kind(core->elf) != ELF_K_ELF)
		return bad(core, 0, "not an ELF file");
	core->elfclass = gelf_getclass(core->elf);
	uint64_t need = core->elfclass == ELFCLASS32 ? sizeof(Elf32_Ehdr)
		      : core->elfclass == ELFCLASS64 ? sizeof(Elf64_Ehdr)
						     : 0;
	if (!need)
		return bad(core, EI_CLASS, "unknown ELF class %d",
			   core->elfclass);
	if (core->size < need)
		return bad(core, 0,
			   "truncated ELF header (%" PRIu64
			   " bytes, need %" PRIu64 ")",
			   core->size, need);
	if (core->image[EI_DATA] != ELFDATA2LSB)
		return bad(core, EI_DATA, "not a little-endian ELF file");
	if (!gelf_getehdr(core->elf, ehdr))
		return bad(core, 0, "bad ELF header: %s", elf_errmsg(-1));
	if (ehdr->e_type != ET_CORE)
		return bad(core, 16, "ELF type %u is not ET_CORE (4)",
			   ehdr->e_type);
	if (ehdr->e_machine != EM_386 && ehdr->e_machine != EM_X86_64)
		return bad(core, 18, "ELF machine %u is not x86 (3 or 62)",
			   ehdr->e_machine);
	return NULL;
}

static struct pgt_error *read_segments(struct pgt_elfcore *core,
				       const GElf_Ehdr *ehdr)
{
	size_t phnum;
	if (elf_getphdrnum(core->elf, &phnum) != 0)
		return bad(core, 0, "bad program header count: %s",
			   elf_errmsg(-1));
	uint64_t phentsize = gelf_fsize(core->elf, ELF_T_PHDR, 1, EV_CURRENT);
	uint64_t phentsize_at = core->elfclass == ELFCLASS32 ? 42 : 54;
	if (phnum && ehdr->e_phentsize != phentsize)
		return bad(core, phentsize_at,
			   "program header size %u is not %" PRIu64,
			   ehdr->e_phentsize, phentsize);
	if (ehdr->e_phoff > core->size ||
	    phnum > (core->size - ehdr->e_phoff) / phentsize)
		return bad(core, ehdr->e_phoff,
			   "%zu program headers run past the end of the file "
			   "(%" PRIu64 " bytes)",
			   phnum, core->size);
	if (!phnum)
		return bad(core, 0, "no program headers: not a memory image");
	core->segs = calloc(phnum, sizeof(*core->segs));
	if (!core->segs)
		return &pgt_error_nomem;
	for (size_t i = 0; i < phnum; i++) {
		uint64_t at = ehdr->e_phoff + i * phentsize;
		GElf_Phdr ph;
		if (!gelf_getphdr(core->elf, (int)i, &ph))
			return bad(core, at, "bad program header: %s",
				   elf_errmsg(-1));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > core->size ||
		    ph.p_filesz > core->size - ph.p_offset)
			return bad(core, at,
				   "segment %zu: file bytes 0x%" PRIx64
				   "+0x%" PRIx64
				   " run past the end of the file (0x%" PRIx64
				   " bytes)",
				   i, ph.p_offset, ph.p_filesz, core->size);
		if (ph.p_type == PT_NOTE) {
			struct pgt_error *err =
				parse_notes(core, ph.p_offset, ph.p_filesz);
			if (err)
				return err;
			continue;
		}
		if (ph.p_filesz > ph.p_memsz)
			return bad(core, at,
				   "segment %zu: file size 0x%" PRIx64
				   " exceeds memory size 0x%" PRIx64,
				   i, ph.p_filesz, ph.p_memsz);
		if (ph.p_paddr >= MAX_PHYS || ph.p_memsz > MAX_PHYS - ph.p_paddr)
			return bad(core, at,
				   "segment %zu: physical 0x%" PRIx64
				   "+0x%" PRIx64
				   " is beyond 52-bit physical memory",
				   i, ph.p_paddr, ph.p_memsz);
		if (!ph.p_memsz)
			continue;
		core->segs[core->nsegs++] = (struct segment){
			.s = {.pa = ph.p_paddr, .memsz = ph.p_memsz,
			      .filesz = ph.p_filesz, .offset = ph.p_offset},
			.phdr_offset = at,
		};
	}
	if (!core->nsegs)
		return bad(core, ehdr->e_phoff, "no PT_LOAD segments: no memory");
	qsort(core->segs, core->nsegs, sizeof(*core->segs), compare_segments);
	for (size_t i = 1; i < core->nsegs; i++) {
		const struct segment *a = &core->segs[i - 1], *b = &core->segs[i];
		if (b->s.pa < a->s.pa + a->s.memsz) {
			const struct segment *later =
				a->phdr_offset > b->phdr_offset ? a : b;
			return bad(core, later->phdr_offset,
				   "segment at physical 0x%" PRIx64 "+0x%" PRIx64
				   " overlaps the one at 0x%" PRIx64 "+0x%" PRIx64,
				   later->s.pa, later->s.memsz,
				   (later == a ? b : a)->s.pa,
				   (later == a ? b : a)->s.memsz);
		}
	}
	return NULL;
}

struct pgt_error *pgt_elfcore_open(const char *path, struct pgt_elfcore **ret)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return pgt_error_create(PGT_ERROR_IO, "libelf: %s",
					elf_errmsg(-1));
	struct pgt_elfcore *core = calloc(1, sizeof(*core));
	if (!core)
		return &pgt_error_nomem;
	core->fd = -1;
	struct pgt_error *err;
	if (!(core->path = strdup(path))) {
		err = &pgt_error_nomem;
		goto fail;
	}
	core->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (core->fd < 0 || fstat(core->fd, &st) < 0) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", path,
				       strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: not a regular file",
				       path);
		goto fail;
	}
	core->size = (uint64_t)st.st_size;
	if (core->size < EI_NIDENT) {
		err = bad(core, 0, "truncated ELF header (%" PRIu64
			  " bytes)", core->size);
		goto fail;
	}
	/* libelf only says "invalid data" for a cut header: say more. */
	uint8_t ident[EI_NIDENT];
	if (pread(core->fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident)) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", path,
				       strerror(errno ? errno : EIO));
		goto fail;
	}
	uint64_t need = ident[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Ehdr)
						      : sizeof(Elf64_Ehdr);
	if (memcmp(ident, ELFMAG, SELFMAG) == 0 && core->size < need) {
		err = bad(core, 0,
			  "truncated ELF header (%" PRIu64
			  " bytes, need %" PRIu64 ")",
			  core->size, need);
		goto fail;
	}
	core->elf = elf_begin(core->fd, ELF_C_READ_MMAP, NULL);
	if (!core->elf) {
		err = bad(core, 0, "cannot read as ELF: %s", elf_errmsg(-1));
		goto fail;
	}
	size_t raw_size;
	core->image = (const uint8_t *)elf_rawfile(core->elf, &raw_size);
	if (!core->image || raw_size != core->size) {
		err = bad(core, 0, "cannot map the file: %s", elf_errmsg(-1));
		goto fail;
	}
	GElf_Ehdr ehdr;
	if ((err = check_header(core, &ehdr)) ||
	    (err = read_segments(core, &ehdr)))
		goto fail;
	*ret = core;
	return NULL;

fail:
	pgt_elfcore_destroy(core);
	return err;
}

/* The segment holding @pa, or the first one after it, or NULL. */
static const struct segment *find_segment(const struct pgt_elfcore *core,
					  uint64_t pa)
{
	size_t lo = 0, hi = core->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct segment *s = &core->segs[mid];
		if (pa >= s->s.pa + s->s.memsz)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < core->nsegs ? &core->segs[lo] : NULL;
}

static struct pgt_error *core_read(const void *ctx, uint64_t pa, void *buf,
				   size_t len)
{
	const struct pgt_elfcore *core = ctx;
	uint8_t *out = buf;
	while (len) {
		const struct segment *s = find_segment(core, pa);
		if (!s || pa < s->s.pa)
			return pgt_error_create(PGT_ERROR_FAULT,
						"physical 0x%" PRIx64
						" is not in the image",
						pa);
		uint64_t off = pa - s->s.pa;
		uint64_t avail = s->s.memsz - off;
		size_t n = len < avail ? len : (size_t)avail;
		size_t from_file = 0;
		if (off < s->s.filesz) {
			uint64_t in_file = s->s.filesz - off;
			from_file = n < in_file ? n : (size_t)in_file;
			memcpy(out, core->image + s->s.offset + off, from_file);
		}
		memset(out + from_file, 0, n - from_file);
		out += n;
		pa += n;
		len -= n;
	}
	return NULL;
}

struct pgt_physmem pgt_elfcore_physmem(const struct pgt_elfcore *core)
{
	return (struct pgt_physmem){.read = core_read, .ctx = core};
}

const char *pgt_elfcore_name(const struct pgt_elfcore *core)
{
	return core->path;
}

int pgt_elfcore_class(const struct pgt_elfcore *core)
{
	return core->elfclass == ELFCLASS32 ? 32 : 64;
}

size_t pgt_elfcore_nsegments(const struct pgt_elfcore *core)
{
	return core->nsegs;
}

const struct pgt_elfcore_segment *
pgt_elfcore_segment(const struct pgt_elfcore *core, size_t i)
{
	return &core->segs[i].s;
}

size_t pgt_elfcore_ncpus(const struct pgt_elfcore *core)
{
	return core->ncpus;
}

const struct pgt_elfcore_cpu *pgt_elfcore_cpu(const struct pgt_elfcore *core,
					      size_t i)
{
	return &core->cpus[i];
}

struct pgt_error *pgt_elfcore_cr3(const struct pgt_elfcore *core, size_t cpu,
				  uint64_t *ret)
{
	if (cpu >= core->ncpus)
		return pgt_error_create(PGT_ERROR_INVALID,
					"%s: no CPU %zu (the notes describe %zu)",
					core->path, cpu, core->ncpus);
	if (!core->cpus[cpu].has_qemu)
		return pgt_error_create(PGT_ERROR_INVALID,
					"%s: no QEMU CPU-state note for CPU %zu, "
					"so no CR3 (NT_PRSTATUS has none)",
					core->path, cpu);
	*ret = core->cpus[cpu].cr[3];
	return NULL;
}
