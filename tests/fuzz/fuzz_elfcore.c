/* SPDX-License-Identifier: MIT */
/*
 * ELF memory images (formats/elfcore.h), and walks from every CR3 they
 * hold: translations across the address space and a whole ptdump-style
 * range walk (core/walk.h).
 */
#include "core/walk.h"
#include "formats/elfcore.h"
#include "fuzz_util.h"

static struct pgt_error *count_range(const struct pgt_range *r, void *arg)
{
	if (r->end <= r->start)
		abort();
	++*(size_t *)arg;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct pgt_elfcore *core;
	struct pgt_error *err = pgt_elfcore_open(path, &core);
	if (err) {
		fuzz_error(err);
		return 0;
	}
	struct pgt_physmem mem = pgt_elfcore_physmem(core);
	/* A few CPUs are enough: each is one more CR3 through the same code. */
	size_t ncpus = pgt_elfcore_ncpus(core);
	for (size_t c = 0; c < ncpus && c < 4; c++) {
		uint64_t cr3;
		if ((err = pgt_elfcore_cr3(core, c, &cr3))) {
			fuzz_error(err);
			continue;
		}
		for (uint64_t va = 0; va < (UINT64_C(1) << 32); va += UINT64_C(1) << 26) {
			struct pgt_walk w;
			if ((err = pgt_walk(&mem, cr3, (uint32_t)(va | 0x5000), &w))) {
				fuzz_error(err);
				continue;
			}
			if (w.present && w.rsvd)
				abort();
		}
		size_t n = 0;
		fuzz_error(pgt_ranges(&mem, cr3, 0, 0, UINT64_C(1) << 32, count_range, &n));
	}
	pgt_elfcore_destroy(core);
	return 0;
}
