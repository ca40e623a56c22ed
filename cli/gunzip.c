/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/gunzip.h"
#include "cli/tempfile.h"

/* One compressed image per run (dump, translate, check, replay --core). */
static struct {
	char tmp[4096];
	char shown[4096];
} alias;

/* zlib's messages start with the path: "PATH: unexpected end of file". */
static const char *unprefixed(const char *msg, const char *path)
{
	size_t n = strlen(path);
	return strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' '
		       ? msg + n + 2
		       : msg;
}

struct pgt_error *gunzip_temp(const char *path, char **ret)
{
	*ret = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL; /* the ELF reader says why */
	unsigned char magic[2];
	size_t n = fread(magic, 1, 2, f);
	fclose(f);
	if (n != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return NULL;
	char *tmp;
	int fd = temp_create("image", &tmp);
	if (!tmp)
		return &pgt_error_nomem;
	if (fd < 0) {
		struct pgt_error *err = pgt_error_create(PGT_ERROR_IO,
			"%s: gzip-compressed; cannot make a temporary file to decompress it into (%s: %s); "
			"decompress it yourself (gunzip -k %s)", path, tmp, strerror(errno), path);
		free(tmp);
		return err;
	}
	struct pgt_error *err = NULL;
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	static char buf[1 << 16];
	for (;;) {
		int got = gzread(gz, buf, sizeof(buf));
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			err = pgt_error_create(PGT_ERROR_INPUT, "%s: gzip: %s", path,
					       zerr == Z_ERRNO ? strerror(errno) : unprefixed(msg, path));
			break;
		}
		if (got == 0) {
			/* A truncated stream ends without an error from gzread. */
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			if (zerr != Z_OK && zerr != Z_STREAM_END)
				err = pgt_error_create(PGT_ERROR_INPUT, "%s: gzip: %s",
						       path, unprefixed(msg, path));
			break;
		}
		for (int off = 0; off < got;) {
			ssize_t w = write(fd, buf + off, (size_t)(got - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				err = pgt_error_create(PGT_ERROR_IO,
					"%s: decompressing into %s: %s; decompress it yourself (gunzip -k %s)",
					path, tmp, w < 0 ? strerror(errno) : "short write", path);
				break;
			}
			off += (int)w;
		}
		if (err)
			break;
	}
	gzclose(gz);
out:
	if (close(fd) != 0 && !err)
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", tmp, strerror(errno));
	if (err) {
		unlink(tmp);
		free(tmp);
		return err;
	}
	snprintf(alias.tmp, sizeof(alias.tmp), "%s", tmp);
	snprintf(alias.shown, sizeof(alias.shown), "%s (decompressed)", path);
	*ret = tmp;
	return NULL;
}

void gunzip_temp_done(char *tmp)
{
	if (!tmp)
		return;
	unlink(tmp);
	free(tmp);
}

char *gunzip_unalias(const char *msg)
{
	size_t tl = strlen(alias.tmp);
	if (!tl || !strstr(msg, alias.tmp))
		return NULL;
	size_t sl = strlen(alias.shown), n = 0;
	for (const char *p = msg; (p = strstr(p, alias.tmp)); p += tl)
		n++;
	char *out = malloc(strlen(msg) + n * sl + 1);
	if (!out)
		return NULL;
	char *o = out;
	for (const char *p = msg;;) {
		const char *q = strstr(p, alias.tmp);
		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, alias.shown, sl);
		o += sl;
		p = q + tl;
	}
	return out;
}
