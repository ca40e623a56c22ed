/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER: being written; replaced by the real command. */
#include "cli.h"

int cmd_probes(int argc, char **argv)
{
	return pgt_fail(pgt_error_create(PGT_ERROR_INVALID, "probes: not built yet"));
}
