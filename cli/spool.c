/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "cli/spool.h"

struct pgt_error *spool_init(struct spool *s)
{
	*s = (struct spool){0};
	if (!(s->f = tmpfile()))
		return pgt_error_create(PGT_ERROR_IO,
					"cannot make a temporary file for --all: %s",
					strerror(errno));
	return NULL;
}

void spool_deinit(struct spool *s)
{
	if (s->f)
		fclose(s->f);
	*s = (struct spool){0};
}

void spool_retire(void *ctx, const struct pgt_pgd_stats *st)
{
	struct spool *s = ctx;
	if (s->err)
		return;
	if (fwrite(st, sizeof(*st), 1, s->f) != 1)
		s->err = errno ? errno : EIO;
	else
		s->n++;
}

struct pgt_error *spool_rewind(struct spool *s)
{
	if (!s->err && fflush(s->f))
		s->err = errno;
	if (s->err)
		return pgt_error_create(PGT_ERROR_IO,
					"writing freed pgds to a temporary file for --all: %s",
					strerror(s->err));
	rewind(s->f);
	return NULL;
}

struct pgt_error *spool_next(struct spool *s, struct pgt_pgd_stats *ret,
			     bool *got_ret)
{
	*got_ret = fread(ret, sizeof(*ret), 1, s->f) == 1;
	if (!*got_ret && ferror(s->f))
		return pgt_error_create(PGT_ERROR_IO,
					"reading back the temporary file of --all");
	return NULL;
}
