/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/tempfile.h"

int temp_create(const char *what, char **path_ret)
{
	const char *dir = getenv("TMPDIR");
	if (asprintf(path_ret, "%s/pgtrace-%s-XXXXXX", dir && *dir ? dir : "/tmp",
		     what) < 0) {
		*path_ret = NULL;
		errno = ENOMEM;
		return -1;
	}
	return mkstemp(*path_ret);
}
