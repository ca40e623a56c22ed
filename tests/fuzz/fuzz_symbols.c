/* SPDX-License-Identifier: MIT */
/* Symbol files: System.map, kallsyms, vmlinux, plain or gzip (formats/symbols.h). */
#include <string.h>

#include "formats/symbols.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct pgt_symbols *syms;
	struct pgt_error *err = pgt_symbols_open(path, &syms);
	if (err) {
		fuzz_error(err);
		return 0;
	}
	uint64_t a;
	char buf[128];
	(void)pgt_symbols_lookup(syms, "swapper_pg_dir", &a);
	for (uint64_t va = 0; va < (UINT64_C(1) << 32); va += UINT64_C(1) << 24) {
		if (pgt_symbols_format_addr(syms, va, buf, sizeof(buf)) &&
		    strlen(buf) >= sizeof(buf))
			abort();
	}
	pgt_symbols_destroy(syms);
	return 0;
}
