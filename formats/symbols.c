/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/grow.h"
#include "formats/lineio.h"
#include "formats/symbols.h"

/* A vmlinux with symbols is tens of MiB; more is not a vmlinux. */
#define MAX_ELF_SIZE (UINT64_C(1) << 30)
/*
 * A System.map or kallsyms is a few MiB (a distribution kernel with all its
 * modules loaded: about 15 MiB, 300000 symbols); more text, or more
 * symbols from any file, is not one, and would cost memory out of
 * proportion (a 1.26 MB gzip expanding to 520 MB took 2 GB).
 */
#define MAX_TEXT_SIZE (UINT64_C(64) << 20)
#define MAX_SYMBOLS ((size_t)1 << 21)
/* Farther than this past a symbol, "name+off" only misleads. */
#define MAX_OFFSET (UINT64_C(1) << 20)

struct entry {
	uint64_t addr, size;
	size_t name_off; /* into the name arena until finished */
	size_t seq;      /* order in the file */
	char type;
	bool absolute;
};

struct pgt_symbols {
	enum pgt_symbols_format format;
	char *names;
	size_t names_len, names_cap;
	struct entry *all; /* by name */
	size_t nall, cap;
	struct pgt_symbol *by_addr;
	size_t naddr;
	bool has_end;
	uint64_t end;
};

const char *pgt_symbols_format_name(enum pgt_symbols_format f)
{
	switch (f) {
	case PGT_SYMBOLS_ELF:
		return "vmlinux";
	case PGT_SYMBOLS_SYSTEM_MAP:
		return "System.map";
	case PGT_SYMBOLS_KALLSYMS:
		return "kallsyms";
	}
	return "?";
}

void pgt_symbols_destroy(struct pgt_symbols *syms)
{
	if (!syms)
		return;
	free(syms->names);
	free(syms->all);
	free(syms->by_addr);
	free(syms);
}

static struct pgt_error *add(struct pgt_symbols *syms, uint64_t addr,
			     uint64_t size, const char *name, size_t len,
			     char type, bool absolute)
{
	if (syms->nall == MAX_SYMBOLS)
		return pgt_error_create(PGT_ERROR_INPUT,
					"more than %zu symbols: not a kernel's symbols",
					MAX_SYMBOLS);
	struct pgt_error *err = PGT_GROW(syms->all, syms->cap, syms->nall + 1, 4096);
	if (err || (err = PGT_GROW(syms->names, syms->names_cap,
				   syms->names_len + len + 1, 65536)))
		return err;
	memcpy(syms->names + syms->names_len, name, len);
	syms->names[syms->names_len + len] = '\0';
	syms->all[syms->nall] = (struct entry){
		.addr = addr, .size = size, .name_off = syms->names_len,
		.seq = syms->nall, .type = type, .absolute = absolute,
	};
	syms->nall++;
	syms->names_len += len + 1;
	return NULL;
}

/* nm's letter for an ELF symbol. */
static char elf_type(Elf *elf, const GElf_Sym *sym)
{
	char c = '?';
	if (sym->st_shndx == SHN_ABS) {
		c = 'A';
	} else if (sym->st_shndx < SHN_LORESERVE) {
		Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
		GElf_Shdr sh;
		if (scn && gelf_getshdr(scn, &sh)) {
			if (sh.sh_flags & SHF_EXECINSTR)
				c = 'T';
			else if (sh.sh_type == SHT_NOBITS)
				c = 'B';
			else if (sh.sh_flags & SHF_WRITE)
				c = 'D';
			else
				c = 'R';
		}
	}
	if (GELF_ST_BIND(sym->st_info) == STB_LOCAL)
		c = (char)tolower((unsigned char)c);
	else if (GELF_ST_BIND(sym->st_info) == STB_WEAK && c != 'A')
		c = 'W';
	return c;
}

static struct pgt_error *read_elf_symbols(struct pgt_symbols *syms,
					  const char *path, Elf *elf)
{
	if (elf_kind(elf) != ELF_K_ELF)
		return pgt_error_create(PGT_ERROR_INPUT, "%s: not an ELF file",
					path);
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s: bad section headers: %s", path,
					elf_errmsg(-1));
	bool found = false;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn;
	     scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return pgt_error_create(PGT_ERROR_INPUT,
						"%s: bad section header: %s",
						path, elf_errmsg(-1));
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		found = true;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			return pgt_error_create(
				PGT_ERROR_INPUT,
				"%s: offset 0x%" PRIx64 ": unreadable symbol "
				"table: %s",
				path, (uint64_t)sh.sh_offset, elf_errmsg(-1));
		size_t n = data->d_size / gelf_fsize(elf, ELF_T_SYM, 1,
						     EV_CURRENT);
		for (size_t i = 1; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				return pgt_error_create(
					PGT_ERROR_INPUT,
					"%s: symbol %zu: %s", path, i,
					elf_errmsg(-1));
			int t = GELF_ST_TYPE(sym.st_info);
			if (t == STT_SECTION || t == STT_FILE ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			const char *name =
				elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name)
				return pgt_error_create(
					PGT_ERROR_INPUT,
					"%s: symbol %zu: bad name offset 0x%"
					PRIx32,
					path, i, (uint32_t)sym.st_name);
			if (!name[0])
				continue;
			struct pgt_error *err =
				add(syms, sym.st_value, sym.st_size, name,
				    strlen(name), elf_type(elf, &sym),
				    sym.st_shndx == SHN_ABS);
			if (err)
				return err == &pgt_error_nomem ? err
					: pgt_error_prefix(err, "%s", path);
		}
	}
	if (!found)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s: no symbol table (SHT_SYMTAB): a "
					"stripped vmlinux?",
					path);
	if (!syms->nall)
		return pgt_error_create(PGT_ERROR_INPUT,
					"%s: no symbols (its symbol table names "
					"no defined symbol)", path);
	return NULL;
}

/* Reads plain or gzip into memory: libelf needs the whole file. */
static struct pgt_error *read_elf_file(struct pgt_symbols *syms,
				       const char *path, gzFile gz)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return pgt_error_create(PGT_ERROR_IO, "libelf: %s",
					elf_errmsg(-1));
	size_t cap = 1 << 24, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return &pgt_error_nomem;
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_ELF_SIZE)
				return pgt_error_create(
					PGT_ERROR_INPUT,
					"%s: larger than %" PRIu64
					" MiB: not a vmlinux",
					path, MAX_ELF_SIZE >> 20);
			char *p = realloc(buf, cap * 2);
			if (!p)
				return &pgt_error_nomem;
			buf = p;
			cap *= 2;
		}
		int n = gzread(gz, buf + len, (unsigned)(cap - len));
		if (n < 0) {
			int errnum;
			const char *msg = gzerror(gz, &errnum);
			return pgt_error_create(PGT_ERROR_IO, "%s: %s", path,
						errnum == Z_ERRNO
							? strerror(errno)
							: msg);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	Elf *elf = elf_memory(buf, len);
	if (!elf)
		return pgt_error_create(PGT_ERROR_INPUT, "%s: %s", path,
					elf_errmsg(-1));
	struct pgt_error *err = read_elf_symbols(syms, path, elf);
	elf_end(elf);
	return err;
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c);
}

/* One "ADDRESS TYPE NAME[\t[MODULE]]" line. */
static struct pgt_error *parse_line(struct pgt_symbols *syms, char *line,
				    size_t len, bool *module_ret,
				    bool *nonzero_ret)
{
	size_t i = 0;
	while (i < len && is_hex(line[i]))
		i++;
	if (i == 0 || i > 16)
		return pgt_error_create(PGT_ERROR_INPUT,
					"expected a hexadecimal address of 1 "
					"to 16 digits");
	if (i >= len || line[i] != ' ')
		return pgt_error_create(PGT_ERROR_INPUT,
					"expected a space after the address");
	uint64_t addr = strtoull(line, NULL, 16);
	i++;
	if (i + 1 >= len || !(isalpha((unsigned char)line[i]) ||
			      line[i] == '?') ||
	    line[i + 1] != ' ')
		return pgt_error_create(PGT_ERROR_INPUT,
					"expected a one-letter symbol type "
					"and a space after the address");
	char type = line[i];
	i += 2;
	size_t name = i;
	while (i < len && !isspace((unsigned char)line[i]))
		i++;
	size_t name_len = i - name;
	if (!name_len)
		return pgt_error_create(PGT_ERROR_INPUT,
					"missing symbol name");
	if (i < len) {
		/* kallsyms: "\t[module]" */
		if (line[i] != '\t' || i + 2 >= len || line[i + 1] != '[' ||
		    line[len - 1] != ']' ||
		    memchr(line + i + 2, ']', len - i - 3) ||
		    len - i - 3 == 0)
			return pgt_error_create(PGT_ERROR_INPUT,
						"unexpected text after the "
						"symbol name (only "
						"\"\\t[module]\" may follow)");
		*module_ret = true;
	}
	if (addr)
		*nonzero_ret = true;
	bool absolute = type == 'A' || type == 'a';
	return add(syms, addr, 0, line + name, name_len, type, absolute);
}

static struct pgt_error *read_text(struct pgt_symbols *syms,
				   const char *path)
{
	struct pgt_lineio *in;
	struct pgt_error *err = pgt_lineio_open(path, &in);
	if (err)
		return err;
	bool module = false, nonzero = false;
	uint64_t total = 0;
	for (;;) {
		char *line;
		size_t len;
		if ((err = pgt_lineio_next(in, &line, &len)))
			goto out;
		if (!line)
			break;
		if ((total += len + 1) > MAX_TEXT_SIZE) {
			err = pgt_error_create(PGT_ERROR_INPUT,
					       "%s:%" PRIu64 ": more than %" PRIu64
					       " MiB of symbol text: not a System.map or kallsyms",
					       pgt_lineio_name(in), pgt_lineio_lineno(in),
					       MAX_TEXT_SIZE >> 20);
			goto out;
		}
		if ((err = parse_line(syms, line, len, &module, &nonzero))) {
			err = pgt_error_prefix(err, "%s:%" PRIu64,
					       pgt_lineio_name(in),
					       pgt_lineio_lineno(in));
			goto out;
		}
	}
	if (!syms->nall) {
		err = pgt_error_create(PGT_ERROR_INPUT, "%s: no symbols",
				       pgt_lineio_name(in));
		goto out;
	}
	if (!nonzero) {
		err = pgt_error_create(PGT_ERROR_INPUT,
				       "%s: every address is 0 (kallsyms read "
				       "without permission? read it as root)",
				       pgt_lineio_name(in));
		goto out;
	}
	syms->format = module ? PGT_SYMBOLS_KALLSYMS : PGT_SYMBOLS_SYSTEM_MAP;
out:
	pgt_lineio_close(in);
	return err;
}

static const char *entry_name(const struct pgt_symbols *syms,
			      const struct entry *e)
{
	return syms->names + e->name_off;
}

static const struct pgt_symbols *sort_syms;

static int compare_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(entry_name(sort_syms, x), entry_name(sort_syms, y));
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int compare_addr(const void *a, const void *b)
{
	const struct pgt_symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	bool ux = x->name[0] == '_', uy = y->name[0] == '_';
	if (ux != uy)
		return ux ? 1 : -1;
	/* Stable: by_addr was filled in file order, names in file order. */
	return x->name < y->name ? -1 : x->name > y->name;
}

static bool addressable(char type)
{
	switch (type) {
	case 'A': case 'a': case 'U': case 'u': case 'N': case 'n':
	case 'w': case 'v': case '?':
		return false;
	}
	return true;
}

static struct pgt_error *finish(struct pgt_symbols *syms)
{
	syms->by_addr = calloc(syms->nall ? syms->nall : 1,
			       sizeof(*syms->by_addr));
	if (!syms->by_addr)
		return &pgt_error_nomem;
	for (size_t i = 0; i < syms->nall; i++) {
		const struct entry *e = &syms->all[i];
		if (e->absolute ||
		    (!addressable(e->type) &&
		     !(syms->format == PGT_SYMBOLS_ELF && e->type == '?')))
			continue;
		syms->by_addr[syms->naddr++] = (struct pgt_symbol){
			.addr = e->addr, .name = entry_name(syms, e),
			.type = e->type, .size = e->size,
		};
	}
	if (syms->naddr)
		qsort(syms->by_addr, syms->naddr, sizeof(*syms->by_addr),
		      compare_addr);
	sort_syms = syms;
	if (syms->nall)
		qsort(syms->all, syms->nall, sizeof(*syms->all), compare_name);
	sort_syms = NULL;
	syms->has_end = pgt_symbols_lookup(syms, "_end", &syms->end);
	return NULL;
}

struct pgt_error *pgt_symbols_open(const char *path, struct pgt_symbols **ret)
{
	struct pgt_symbols *syms = calloc(1, sizeof(*syms));
	if (!syms)
		return &pgt_error_nomem;
	struct pgt_error *err;
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", path,
				       errno ? strerror(errno)
					     : "cannot open");
		goto fail;
	}
	unsigned char magic[SELFMAG];
	int n = gzread(gz, magic, sizeof(magic));
	if (n == (int)sizeof(magic) && memcmp(magic, ELFMAG, SELFMAG) == 0) {
		gzrewind(gz);
		syms->format = PGT_SYMBOLS_ELF;
		err = read_elf_file(syms, path, gz);
		gzclose(gz);
	} else {
		gzclose(gz);
		err = read_text(syms, path);
	}
	if (err || (err = finish(syms)))
		goto fail;
	*ret = syms;
	return NULL;

fail:
	pgt_symbols_destroy(syms);
	return err;
}

enum pgt_symbols_format pgt_symbols_format(const struct pgt_symbols *syms)
{
	return syms->format;
}

size_t pgt_symbols_count(const struct pgt_symbols *syms)
{
	return syms->naddr;
}

bool pgt_symbols_lookup(const struct pgt_symbols *syms, const char *name,
			uint64_t *ret)
{
	size_t lo = 0, hi = syms->nall;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(entry_name(syms, &syms->all[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < syms->nall && strcmp(entry_name(syms, &syms->all[lo]), name) == 0) {
		*ret = syms->all[lo].addr;
		return true;
	}
	return false;
}

const struct pgt_symbol *pgt_symbols_find(const struct pgt_symbols *syms,
					  uint64_t addr, uint64_t *offset_ret)
{
	/* The first symbol above addr, then back to the best at its address. */
	size_t lo = 0, hi = syms->naddr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (syms->by_addr[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	size_t i = lo - 1;
	while (i > 0 && syms->by_addr[i - 1].addr == syms->by_addr[i].addr)
		i--;
	const struct pgt_symbol *s = &syms->by_addr[i];
	if (addr - s->addr > MAX_OFFSET ||
	    (syms->has_end && s->addr == syms->end))
		return NULL;
	*offset_ret = addr - s->addr;
	return s;
}

bool pgt_symbols_format_addr(const struct pgt_symbols *syms, uint64_t addr,
			     char *buf, size_t size)
{
	uint64_t off;
	const struct pgt_symbol *s = pgt_symbols_find(syms, addr, &off);
	if (!s) {
		if (size)
			buf[0] = '\0';
		return false;
	}
	if (off)
		snprintf(buf, size, "%s+0x%" PRIx64, s->name, off);
	else
		snprintf(buf, size, "%s", s->name);
	return true;
}
