/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/infer.h"
#include "core/grow.h"
#include "core/pae.h"

static bool pgd_address(const char *s, uint64_t *ret)
{
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return false;
	char *end;
	unsigned long long v = strtoull(s, &end, 16);
	if (*end || v == 0 || v > UINT32_MAX)
		return false;
	*ret = v;
	return true;
}

static enum infer_name_class classify(const char *name)
{
	uint64_t a;
	if (!pgd_address(name, &a))
		return INFER_NAME_ID;
	return !(a & 0x1fff) ? INFER_NAME_PAIR
	       : !(a & 0xfff) ? INFER_NAME_PAGE
	       : !(a & 31)    ? INFER_NAME_SLAB
			      : INFER_NAME_OTHER;
}

void infer_names_deinit(struct infer_names *n)
{
	free(n->cls);
	*n = (struct infer_names){0};
}

enum infer_name_class infer_class_new(struct infer_names *n, uint32_t id,
				      const struct pgt_strtab *tab)
{
	enum infer_name_class c = classify(pgt_strtab_get(tab, id));
	if (n && id >= n->cap) {
		size_t old = n->cap;
		/* no room: worked out again next time */
		if (PGT_GROW(n->cls, n->cap, (size_t)id + 1, 1024))
			return c;
		memset(n->cls + old, 0, n->cap - old);
	}
	if (n)
		n->cls[id] = (uint8_t)(c + 1);
	return c;
}

enum infer_verdict infer_recording(const struct infer_evidence *e)
{
	bool unshared = e->sync_ranges || e->pti_clones ||
			(!e->slab_pgds &&
			 e->pair_pgds + e->page_pgds >= INFER_ALIGNED_ENOUGH);
	if (e->slab_pgds)
		return unshared ? INFER_CONFLICT : INFER_SHARED;
	return unshared ? INFER_UNSHARED : INFER_NONE;
}

bool infer_recording_settled(const struct infer_evidence *e)
{
	/* A trace naming pgds by ID will not show their alignment later. */
	return e->named_pgds || e->slab_pgds || e->sync_ranges || e->pti_clones ||
	       e->pair_pgds + e->page_pgds >= INFER_ALIGNED_ENOUGH;
}

void infer_image(const struct pgt_physmem *mem, uint64_t swapper_pa,
		 uint32_t page_offset, const uint64_t *pgd_pas, size_t n,
		 struct infer_evidence *e)
{
	uint64_t slot = (page_offset >> PGT_PGDIR_SHIFT) * 8;
	uint64_t ref;
	struct pgt_error *err = pgt_physmem_read_u64(mem, swapper_pa + slot, &ref);
	if (err) {
		pgt_error_destroy(err);
		return;
	}
	if (!(ref & PGT_P))
		return;
	for (size_t i = 0; i < n; i++) {
		if (pgd_pas[i] == swapper_pa)
			continue;
		uint64_t ent;
		if ((err = pgt_physmem_read_u64(mem, pgd_pas[i] + slot, &ent))) {
			pgt_error_destroy(err);
			continue;
		}
		if (!(ent & PGT_P))
			continue;
		if ((ent & PGT_ADDR_MASK) == (ref & PGT_ADDR_MASK))
			e->image_shared++;
		else
			e->image_own++;
	}
}

enum infer_verdict infer_image_verdict(const struct infer_evidence *e)
{
	if (e->image_shared && e->image_own)
		return INFER_CONFLICT;
	if (e->image_shared)
		return INFER_SHARED;
	return e->image_own ? INFER_UNSHARED : INFER_NONE;
}

const char *infer_source_name(enum infer_source s)
{
	switch (s) {
	case INFER_FROM_OPTION:
		return "option";
	case INFER_FROM_MACHINE:
		return "machine line";
	case INFER_FROM_RECORDING:
		return "recording";
	case INFER_FROM_IMAGE:
		return "image";
	default:
		return "default";
	}
}

/* "pgd_alloc/pgd_free named 2245 8 KiB-aligned, ...; 5 arch_sync_kernel_mappings ..." */
static void describe_recording(const struct infer_evidence *e, char *buf,
			       size_t len)
{
	char slab[64] = "", sync[64] = "";
	if (e->first_slab_line)
		snprintf(slab, sizeof(slab), " (the first at line %" PRIu64 ")",
			 e->first_slab_line);
	if (e->first_sync_line)
		snprintf(sync, sizeof(sync), " (the first at line %" PRIu64 ")",
			 e->first_sync_line);
	snprintf(buf, len,
		 "pgd_alloc/pgd_free named %" PRIu64 " 8 KiB-aligned, %" PRIu64
		 " page-aligned and %" PRIu64 " 32-byte slab pgds%s; %" PRIu64
		 " arch_sync_kernel_mappings%s, %" PRIu64 " pti_clone_pgtable",
		 e->pair_pgds, e->page_pgds, e->slab_pgds, slab, e->sync_ranges,
		 sync, e->pti_clones);
}

static void describe_image(const struct infer_evidence *e, char *buf,
			   size_t len)
{
	snprintf(buf, len,
		 "of %" PRIu64 " pgds read, %" PRIu64
		 " share swapper_pg_dir's kernel PMD page and %" PRIu64
		 " have their own",
		 e->image_shared + e->image_own, e->image_shared, e->image_own);
}

static const char *verdict_policy(enum infer_verdict v)
{
	return v == INFER_SHARED ? "shared" : "unshared";
}

void infer_decide(bool has_option, enum pgt_policy option,
		  const struct pgt_machine *machine,
		  const struct infer_evidence *e, struct infer_policy *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct infer_evidence none = {0};
	if (!e)
		e = &none;
	enum infer_verdict rec = infer_recording(e), img = infer_image_verdict(e);
	char rec_why[240], img_why[120];
	describe_recording(e, rec_why, sizeof(rec_why));
	describe_image(e, img_why, sizeof(img_why));
	if (has_option) {
		ret->policy = option;
		ret->source = INFER_FROM_OPTION;
		snprintf(ret->why, sizeof(ret->why), "given (--%s)",
			 pgt_policy_name(option));
	} else if (machine && (machine->set & PGT_MACHINE_POLICY)) {
		ret->policy = machine->unshared ? PGT_POLICY_UNSHARED
						: PGT_POLICY_SHARED;
		ret->source = INFER_FROM_MACHINE;
		snprintf(ret->why, sizeof(ret->why),
			 "the trace's machine line (policy=%s)",
			 pgt_policy_name(ret->policy));
	} else if (img == INFER_SHARED || img == INFER_UNSHARED) {
		ret->policy = img == INFER_SHARED ? PGT_POLICY_SHARED
						  : PGT_POLICY_UNSHARED;
		ret->source = INFER_FROM_IMAGE;
		snprintf(ret->why, sizeof(ret->why), "the start image: %s", img_why);
	} else if (rec == INFER_SHARED || rec == INFER_UNSHARED) {
		ret->policy = rec == INFER_SHARED ? PGT_POLICY_SHARED
						  : PGT_POLICY_UNSHARED;
		ret->source = INFER_FROM_RECORDING;
		snprintf(ret->why, sizeof(ret->why), "the recording: %s", rec_why);
	} else {
		ret->policy = PGT_POLICY_SHARED;
		ret->source = INFER_FROM_DEFAULT;
		snprintf(ret->why, sizeof(ret->why),
			 "the default (no --shared/--unshared%s)",
			 rec == INFER_CONFLICT || img == INFER_CONFLICT
				 ? "; the evidence conflicts"
				 : ", no evidence either way");
	}
	const char *used = pgt_policy_name(ret->policy);
	if (rec == INFER_CONFLICT)
		snprintf(ret->warning, sizeof(ret->warning),
			 "the recording shows both policies: %s", rec_why);
	else if (img == INFER_CONFLICT)
		snprintf(ret->warning, sizeof(ret->warning),
			 "the image shows both policies: %s", img_why);
	else if ((rec == INFER_SHARED || rec == INFER_UNSHARED) &&
		 strcmp(verdict_policy(rec), used))
		snprintf(ret->warning, sizeof(ret->warning),
			 "the policy is %s, but the recording looks %s: %s", used,
			 verdict_policy(rec), rec_why);
	else if ((img == INFER_SHARED || img == INFER_UNSHARED) &&
		 strcmp(verdict_policy(img), used))
		snprintf(ret->warning, sizeof(ret->warning),
			 "the policy is %s, but the image looks %s: %s", used,
			 verdict_policy(img), img_why);
}

bool infer_contradiction(const struct infer_evidence *e, char *buf,
			 size_t len)
{
	enum infer_verdict rec = infer_recording(e), img = infer_image_verdict(e);
	if (rec != INFER_SHARED && rec != INFER_UNSHARED)
		return false;
	if (img != INFER_SHARED && img != INFER_UNSHARED)
		return false;
	if (rec == img)
		return false;
	char rec_why[240], img_why[120];
	describe_recording(e, rec_why, sizeof(rec_why));
	describe_image(e, img_why, sizeof(img_why));
	snprintf(buf, len, "the recording looks %s (%s) but the image looks %s (%s)",
		 verdict_policy(rec), rec_why, verdict_policy(img), img_why);
	return true;
}
