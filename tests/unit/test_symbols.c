/* SPDX-License-Identifier: MIT */
/* Symbols from System.map, kallsyms (plain and gzip) and a vmlinux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "formats/symbols.h"
#include "test_util.h"


static char tmpdir[] = "/tmp/pgt-test-symbols-XXXXXX";

static char *write_file(const char *name, const char *text, bool gzip)
{
	char *path;
	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		abort();
	if (gzip) {
		gzFile gz = gzopen(path, "wb");
		CHECK(gz && gzwrite(gz, text, (unsigned)strlen(text)) ==
				    (int)strlen(text));
		gzclose(gz);
	} else {
		FILE *f = fopen(path, "w");
		CHECK(f && fputs(text, f) >= 0);
		fclose(f);
	}
	return path;
}

static struct pgt_symbols *open_ok(const char *path)
{
	struct pgt_symbols *s = NULL;
	struct pgt_error *err = pgt_symbols_open(path, &s);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, err->message);
		pgt_error_destroy(err);
		test_fail_();
	}
	return s;
}

static const char system_map[] =
	"000001ce A kexec_control_code_size\n"
	"01000000 A phys_startup_32\n"
	"c1000000 T _text\n"
	"c1000000 T startup_32\n"
	"c1000000 T _stext\n"
	"c1000070 T start_cpu0\n"
	"c1068f30 T pgd_alloc\n"
	"c1069100 t pgd_ctor\n"
	"c1e98000 D swapper_pg_dir\n"
	"c2000000 B _end\n";

static void check_lookups(struct pgt_symbols *s)
{
	uint64_t a = 0;
	char buf[64];
	CHECK(pgt_symbols_lookup(s, "pgd_alloc", &a) && a == 0xc1068f30);
	CHECK(pgt_symbols_lookup(s, "startup_32", &a) && a == 0xc1000000);
	CHECK(!pgt_symbols_lookup(s, "nope", &a));
	CHECK(pgt_symbols_format_addr(s, 0xc1068f35, buf, sizeof(buf)) &&
	      !strcmp(buf, "pgd_alloc+0x5"));
	CHECK(pgt_symbols_format_addr(s, 0xc1068f30, buf, sizeof(buf)) &&
	      !strcmp(buf, "pgd_alloc"));
	/* Names without '_' win at one address. */
	CHECK(pgt_symbols_format_addr(s, 0xc1000004, buf, sizeof(buf)) &&
	      !strcmp(buf, "startup_32+0x4"));
	CHECK(!pgt_symbols_format_addr(s, 0xbfffffff, buf, sizeof(buf)) &&
	      !buf[0]);
	CHECK(!pgt_symbols_format_addr(s, 0xc2000010, buf, sizeof(buf)));
}

static void test_system_map(bool gzip)
{
	char *path = write_file(gzip ? "System.map.gz" : "System.map",
				system_map, gzip);
	struct pgt_symbols *s = open_ok(path);
	if (s) {
		CHECK(pgt_symbols_format(s) == PGT_SYMBOLS_SYSTEM_MAP);
		uint64_t a;
		/* Absolute symbols: by name only. */
		CHECK(pgt_symbols_lookup(s, "phys_startup_32", &a) &&
		      a == 0x1000000);
		CHECK(pgt_symbols_count(s) == 8);
		check_lookups(s);
	}
	pgt_symbols_destroy(s);
	free(path);
}

static void test_kallsyms(void)
{
	char *path = write_file("kallsyms",
				"c1000000 T startup_32\n"
				"c1068f30 T pgd_alloc\n"
				"f8a01000 t zram_open\t[zram]\n",
				false);
	struct pgt_symbols *s = open_ok(path);
	if (s) {
		char buf[64];
		CHECK(pgt_symbols_format(s) == PGT_SYMBOLS_KALLSYMS);
		CHECK(pgt_symbols_format_addr(s, 0xf8a01010, buf, sizeof(buf)) &&
		      !strcmp(buf, "zram_open+0x10"));
	}
	pgt_symbols_destroy(s);
	free(path);
}

static void test_bad(const char *text, const char *needle)
{
	char *path = write_file("bad", text, false);
	struct pgt_symbols *s = NULL;
	struct pgt_error *err = pgt_symbols_open(path, &s);
	CHECK(err && !s);
	if (err && !strstr(err->message, needle)) {
		fprintf(stderr, "unexpected message: %s (want %s)\n",
			err->message, needle);
		test_fail_();
	}
	pgt_error_destroy(err);
	unlink(path);
	free(path);
}

/* @n lines of "c1000000 T NAME" with a @namelen-byte name, gzipped. */
static char *write_many(const char *file, size_t n, size_t namelen)
{
	char *path;
	if (asprintf(&path, "%s/%s", tmpdir, file) < 0)
		abort();
	char *line = malloc(namelen + 13);
	if (!line)
		abort();
	memcpy(line, "c1000000 T ", 11);
	memset(line + 11, 'a', namelen);
	line[11 + namelen] = '\n';
	gzFile gz = gzopen(path, "wb1");
	CHECK(gz != NULL);
	for (size_t i = 0; gz && i < n; i++)
		if (gzwrite(gz, line, (unsigned)(namelen + 12)) != (int)(namelen + 12))
			break;
	if (gz)
		gzclose(gz);
	free(line);
	return path;
}

static void test_open_fails(const char *path, const char *needle)
{
	struct pgt_symbols *s = NULL;
	struct pgt_error *err = pgt_symbols_open(path, &s);
	CHECK(err && !s);
	if (err && !strstr(err->message, needle)) {
		fprintf(stderr, "unexpected message: %s (want %s)\n",
			err->message, needle);
		test_fail_();
	}
	pgt_error_destroy(err);
	pgt_symbols_destroy(s);
}

/*
 * What each reader refuses: text past 64 MiB (a small gzip can expand to
 * gigabytes), more than 2^21 symbols, an ELF symbol table naming no
 * defined symbol (it used to be accepted, after a qsort(NULL, 0)).
 */
static void test_caps(void)
{
	char *path = write_many("huge.map.gz", 70000, 1000);
	test_open_fails(path, ":66314: more than 64 MiB of symbol text");
	unlink(path);
	free(path);
	path = write_many("many.map.gz", ((size_t)1 << 21) + 1, 1);
	test_open_fails(path, ":2097153: more than 2097152 symbols");
	unlink(path);
	free(path);
	const char *src = getenv("PGT_SRCDIR");
	if (asprintf(&path, "%s/tests/data/nosyms.elf", src ? src : ".") < 0)
		abort();
	test_open_fails(path, "nosyms.elf: no symbols");
	free(path);
}

static void test_real(void)
{
	const char *shared = getenv("PGT_SHARED");
	if (!shared)
		return;
	char *path;
	const char *names[] = {"System.map.gz", "vmlinux-symbols.gz"};
	for (int i = 0; i < 2; i++) {
		if (asprintf(&path, "%s/real/%s", shared, names[i]) < 0)
			abort();
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "skipped: %s\n", path);
			free(path);
			continue;
		}
		struct pgt_symbols *s = open_ok(path);
		if (s) {
			uint64_t a;
			char buf[64];
			CHECK(pgt_symbols_format(s) ==
			      (i ? PGT_SYMBOLS_ELF : PGT_SYMBOLS_SYSTEM_MAP));
			CHECK(pgt_symbols_lookup(s, "swapper_pg_dir", &a) &&
			      a == 0xc1e98000);
			CHECK(pgt_symbols_lookup(s, "pgd_alloc", &a) &&
			      a == 0xc1068f30);
			CHECK(pgt_symbols_format_addr(s, 0xc1068f35, buf,
						      sizeof(buf)) &&
			      !strcmp(buf, "pgd_alloc+0x5"));
		}
		pgt_symbols_destroy(s);
		free(path);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_system_map(false);
	test_system_map(true);
	test_kallsyms();
	test_bad("c1000000 T a\nc1000001 T b\nc100000g T c\n", ":3: ");
	test_bad("c1000000 T a\nc1000001  b\n", ":2: expected a one-letter");
	test_bad("c1000000 T\n", ":1: ");
	test_bad("c1000000 T a extra\n", ":1: unexpected text");
	test_bad("c1000000 T a\t[mod\n", ":1: unexpected text");
	test_bad("11112222333344445 T a\n", ":1: expected a hexadecimal");
	test_bad("00000000 T a\n00000000 t b\n", "every address is 0");
	test_bad("", "no symbols");
	test_bad("c1000000 T a\n\nc1000001 T b\n", ":2: ");
	test_caps();
	test_real();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		test_fail_();
	return test_summary();
}
