/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer harnesses share: the readers take paths, so each input
 * is written to one memfd per process and opened as /proc/self/fd/N.
 */
#ifndef PGTRACE_TESTS_FUZZ_UTIL_H
#define PGTRACE_TESTS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/event.h"
#include "formats/lineio.h"

/* The path of a file holding @size bytes at @data (valid until the next call). */
static const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("pgtrace-fuzz", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	return path;
}

/* Errors are expected outcomes: they must only be well-formed. */
static void fuzz_error(struct pgt_error *err)
{
	if (!err)
		return;
	if (!err->message || !err->message[0])
		abort();
	pgt_error_destroy(err);
}

/*
 * A string table and line input over @size bytes at @data; false, with
 * nothing left to free, when the input cannot be opened (which must be a
 * well-formed error).
 */
static inline bool fuzz_lines(const uint8_t *data, size_t size,
			      struct pgt_lineio **in_ret,
			      struct pgt_strtab **tab_ret)
{
	const char *path = fuzz_file(data, size);
	if (pgt_strtab_create(tab_ret))
		abort();
	struct pgt_error *err = pgt_lineio_open(path, in_ret);
	if (err) {
		fuzz_error(err);
		pgt_strtab_destroy(*tab_ret);
		return false;
	}
	return true;
}

#endif
