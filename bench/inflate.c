/* SPDX-License-Identifier: MIT */
/*
 * inflate FILE: inflate a gzip file with zlib, as pgtrace's reading thread
 * does (every member, 1 MiB at a time), the output thrown away, with no
 * CRC check and no lines found; print the bytes out on standard output.
 * bench/run.sh measures it as "inflate only": the least a reader built on
 * zlib pays for the file.  Beside gzip -dc it shows how much of a ratio
 * is the file itself: zlib's inflate slows more than gzip -dc does on a
 * less compressible file (a trace with more pgd names).  Exit status 2
 * with a message on error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BUF ((size_t)1 << 20)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: inflate FILE.gz\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "inflate: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	unsigned char *in = malloc(BUF), *out = malloc(BUF);
	z_stream zs = {0};
	if (!in || !out || inflateInit2(&zs, 15 + 16) != Z_OK ||
	    inflateValidate(&zs, 0) != Z_OK) {
		fprintf(stderr, "inflate: out of memory\n");
		return 2;
	}
	unsigned long long total = 0;
	int rc = Z_OK;
	for (;;) {
		if (zs.avail_in == 0) {
			size_t n = fread(in, 1, BUF, f);
			if (n == 0) {
				if (ferror(f)) {
					fprintf(stderr, "inflate: %s: read error\n", argv[1]);
					return 2;
				}
				break;
			}
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		if (rc == Z_STREAM_END) {
			/* another member */
			if (inflateReset(&zs) != Z_OK || inflateValidate(&zs, 0) != Z_OK)
				break;
		}
		zs.next_out = out;
		zs.avail_out = (uInt)BUF;
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			fprintf(stderr, "inflate: %s: %s\n", argv[1],
				zs.msg ? zs.msg : "not gzip");
			return 2;
		}
		total += BUF - zs.avail_out;
	}
	if (rc != Z_STREAM_END) {
		fprintf(stderr, "inflate: %s: truncated\n", argv[1]);
		return 2;
	}
	printf("%llu\n", total);
	inflateEnd(&zs);
	fclose(f);
	free(in);
	free(out);
	return 0;
}
