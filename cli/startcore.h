/* SPDX-License-Identifier: MIT */
/*
 * A recording's starting state from a memory image taken when it began
 * (--start-core): the pgds alive in it, found the way the kernel finds them.
 */
#ifndef PGTRACE_CLI_STARTCORE_H
#define PGTRACE_CLI_STARTCORE_H

#include "cli/dump.h"

/*
 * The physical addresses of the pgds on the image's pgd_list (6.1: the
 * struct page of each pgd's page is linked through its lru field), in list
 * order, into a malloc'ed array.  The size of struct page and the place of
 * lru in it differ between configurations; they are taken as the only
 * combination under which every list node is a page of mem_map holding a
 * PAE pgd.  Needs the symbols pgd_list and mem_map; an image whose list
 * cannot be read this way is an error saying why.
 */
struct pgt_error *image_pgd_list(const struct dump_image *img, uint64_t **ret,
				 size_t *nret);

#endif
