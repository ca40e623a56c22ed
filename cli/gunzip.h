/* SPDX-License-Identifier: MIT */
/*
 * Memory images are often kept gzip-compressed; the ELF reader needs a
 * file it can seek in.  A compressed image is decompressed into a
 * temporary file, which is unlinked as soon as it is open.
 */
#ifndef PGTRACE_CLI_GUNZIP_H
#define PGTRACE_CLI_GUNZIP_H

#include "core/error.h"

/*
 * If @path starts with the gzip magic, decompress it into a new temporary
 * file (in $TMPDIR, else /tmp) and set *@ret to that file's path (free it
 * with gunzip_temp_done()); else set *@ret to NULL.  Errors name @path.
 * Until the program exits, pgt_fail() shows the temporary path in error
 * messages as "@path (decompressed)".
 */
struct pgt_error *gunzip_temp(const char *path, char **ret);

/* Remove the temporary file and free @tmp (NULL: nothing). */
void gunzip_temp_done(char *tmp);

/* @msg with every temporary path replaced by what it stands for (malloc'd), or NULL. */
char *gunzip_unalias(const char *msg);

#endif
