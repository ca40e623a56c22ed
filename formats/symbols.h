/* SPDX-License-Identifier: MIT */
/*
 * Kernel symbols: from a vmlinux (its SHT_SYMTAB, read with libelf; the file
 * may be gzip-compressed), a System.map or a /proc/kallsyms text (plain or
 * gzip), detected from the contents.  Answers name -> address and address
 * -> "name+0xoff" (the nearest preceding symbol).
 *
 * Text files are parsed strictly: every line is "ADDRESS TYPE NAME" with an
 * optional "[MODULE]" (kallsyms); anything else is an error naming
 * FILE:LINE.
 */
#ifndef PGTRACE_FORMATS_SYMBOLS_H
#define PGTRACE_FORMATS_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum pgt_symbols_format {
	PGT_SYMBOLS_ELF = 1,    /* a vmlinux's symbol table */
	PGT_SYMBOLS_SYSTEM_MAP, /* "c1000000 T _text" */
	PGT_SYMBOLS_KALLSYMS,   /* the same, maybe "\t[module]" after */
};

/* "vmlinux", "System.map", "kallsyms". */
const char *pgt_symbols_format_name(enum pgt_symbols_format f);

struct pgt_symbol {
	uint64_t addr;
	const char *name;
	char type;    /* nm-style type letter ('T', 'd', ...); '?' for ELF
		       * symbols of unknown kind */
	uint64_t size; /* from the ELF symbol table; 0 when unknown */
};

struct pgt_symbols;

/* Read the symbols of @path, detecting the format. */
struct pgt_error *pgt_symbols_open(const char *path,
				   struct pgt_symbols **ret);
void pgt_symbols_destroy(struct pgt_symbols *syms);

enum pgt_symbols_format pgt_symbols_format(const struct pgt_symbols *syms);
/* How many symbols can be looked up by address. */
size_t pgt_symbols_count(const struct pgt_symbols *syms);

/*
 * The address of symbol @name (the first one defined, when a static name
 * appears more than once).  False when there is none.
 */
bool pgt_symbols_lookup(const struct pgt_symbols *syms, const char *name,
			uint64_t *ret);

/*
 * The symbol at or before @addr, or NULL when @addr is below every symbol,
 * at or past "_end" (kernel image end), or more than 1 MiB past the symbol
 * (nothing sensible to say).  *offset_ret is @addr minus its address.  Of
 * several symbols at one address, names that do not start with '_' win,
 * then the first in the file.
 */
const struct pgt_symbol *pgt_symbols_find(const struct pgt_symbols *syms,
					  uint64_t addr,
					  uint64_t *offset_ret);

/*
 * Write "name" or "name+0xoff" for @addr into @buf, or "" when
 * pgt_symbols_find() finds nothing.  Returns whether something was
 * written.
 */
bool pgt_symbols_format_addr(const struct pgt_symbols *syms, uint64_t addr,
			     char *buf, size_t size);

#endif
