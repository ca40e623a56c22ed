/* SPDX-License-Identifier: MIT */
/*
 * Temporary files: where pgtrace puts what does not fit in memory or must
 * be a file (a decompressed image, the rows of freed pgds).
 */
#ifndef PGTRACE_CLI_TEMPFILE_H
#define PGTRACE_CLI_TEMPFILE_H

/*
 * Make a new file "pgtrace-@what-XXXXXX" in $TMPDIR (else /tmp), open for
 * reading and writing: its descriptor, or -1 with errno set.  *path_ret
 * is its path (malloc'd; the caller frees it), also after a failure, for
 * the message; NULL only when memory ran out (errno ENOMEM).
 */
int temp_create(const char *what, char **path_ret);

#endif
