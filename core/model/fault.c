/* SPDX-License-Identifier: MIT */
/*
 * The walks of pgd_list and the vmalloc fault: vmalloc_sync_one() and the
 * loops of vmalloc_sync_all() (2.6.21 seed, 2.6.35) and
 * arch_sync_kernel_mappings() (6.1) over pgd_list, set_pmd_pte()'s
 * broadcast, and do_page_fault() -> vmalloc_fault() for one pgd.
 *
 * Every pgd on pgd_list is a live pgd with its own kernel PMD copy, or (2.6.21
 * unshared) a freed object whose slab has not been destroyed yet.  A walk
 * does, for the live copies that hold the common value, one write to the
 * common value and counts the kernel's per-pgd work; the others (copies
 * with a value of their own, freed objects and the copies they alias) are
 * visited one by one in list order, so that what a write through a freed
 * pgd finds is what the kernel's walk would find.
 */
#include "internal.h"
#include "core/walk.h"

struct pgt_error *pmd_write_via(struct pgt_model *m, uint32_t f, int idx,
				uint64_t val, int32_t o)
{
	struct frame *fr = &m->frames[f];
	uint32_t pgd_id = m->objs[o].last_id;
	if (fr->kind == F_KPMD_COPY && frame_owner(fr) >= 0 &&
	    frame_owner(fr) == m->objs[o].rec)
		return pmd_write(m, f, idx, val); /* the pgd's own copy */
	uint64_t pa = frame_pa(f) + 8 * (uint64_t)idx;
	struct pgt_error *err;
	if (fr->kind == F_FREE) {
		m->costs.uaf_writes++;
		if ((err = model_note(m, PGT_NOTE_UAF, pgd_id, pa, false, 0, NULL)))
			return err;
		return pmd_write(m, f, idx, val);
	}
	static const char *const what[] = {
		[F_BOOT] = "kernel memory", [F_SWAPPER_PGD] = "swapper_pg_dir",
		[F_KPMD_SWAPPER] = "swapper's kernel PMD",
		[F_KPMD_COPY] = "another pgd's kernel PMD copy",
		[F_UPMD] = "a user PMD", [F_UHALF_KPMD] = "a user-half kernel PMD",
		[F_PTE] = "a kernel PTE page", [F_PGD] = "a pgd page",
	};
	bool apply = fr->kind == F_KPMD_COPY || fr->kind == F_UHALF_KPMD;
	m->costs.corrupting_writes++;
	struct pgt_note *n;
	if ((err = model_note(m, PGT_NOTE_CORRUPT, pgd_id, pa, false, 0, &n)))
		return err;
	if (n) {
		if (fr->kind < sizeof(what) / sizeof(what[0]))
			n->what = what[fr->kind];
		n->applied = apply;
		if (fr->kind == F_KPMD_COPY && frame_owner(fr) >= 0)
			n->victim = m->recs[frame_owner(fr)].id;
	}
	return apply ? pmd_write(m, f, idx, val) : NULL;
}

/* The kernel PMD frame pgd object @o points at for @slot, or 0. */
static uint32_t obj_pmd_frame(struct pgt_model *m, int32_t o, int slot)
{
	uint64_t pgde = obj_entries(m, o)[slot];
	if (!pgt_present(pgde))
		return 0;
	uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
	return pfn < m->nframes ? (uint32_t)pfn : 0;
}

/* set_pmd() through pgd object @o into frame @f, @r's own copy if it is */
static struct pgt_error *sync_write(struct pgt_model *m, uint32_t f, int idx,
				    uint64_t val, int32_t o, int32_t r)
{
	if (r >= 0 && frame_owner(&m->frames[f]) == r)
		return pmd_write(m, f, idx, val);
	return pmd_write_via(m, f, idx, val, o);
}

/*
 * vmalloc_sync_one(): copy swapper's PMD entry for @va into pgd object @o's
 * PMD when it is absent there.  *ret: swapper maps @va at PMD level (the
 * kernel returns pmd_k or NULL).  @both: 6.1 also copies an absent entry
 * over a present one (sync of unmappings, 2019).  @f: the PMD frame @o's
 * entry points at, 0 to read it from @o; @r: the live record of @o, or -1.
 */
static struct pgt_error *sync_one(struct pgt_model *m, int32_t o, uint32_t f,
				  int32_t r, uint32_t va, bool both,
				  int *written, bool *ret)
{
	*written = 0;
	*ret = false;
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	if (!pgt_present(m->frames[m->swapper].data[slot]))
		return NULL;
	uint64_t pmd_k = entry_at(m, m->swapper_kpmd[slot], idx);
	if (!f && !(f = obj_pmd_frame(m, o, slot)))
		return NULL;
	uint64_t pmd = entry_at(m, f, idx);
	struct pgt_error *err;
	if (both && pgt_present(pmd) != pgt_present(pmd_k)) {
		if ((err = sync_write(m, f, idx, pmd_k, o, r)))
			return err;
		(*written)++;
		pmd = pmd_k;
	}
	if (!pgt_present(pmd_k))
		return NULL;
	if (!pgt_present(pmd)) {
		if ((err = sync_write(m, f, idx, pmd_k, o, r)))
			return err;
		(*written)++;
	} else if (pgt_entry_addr(pmd) != pgt_entry_addr(pmd_k)) {
		m->costs.bugs++; /* BUG_ON(pmd_page(*pmd) != pmd_page(*pmd_k)) */
		if ((err = model_note(m, PGT_NOTE_BUG, m->objs[o].last_id, va,
				      false, 0, NULL)))
			return err;
	}
	*ret = true;
	return NULL;
}

static int member_cmp(const void *a, const void *b)
{
	const struct list_member *x = a, *y = b;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0; /* head first */
}

/*
 * The pgds on pgd_list that a walk of entry (@slot, @idx) must visit one by
 * one, in list order: freed objects, the live copies they point at, and
 * (@with_explicit) live copies with a value of their own; @all: every pgd.
 */
static struct pgt_error *walk_members(struct pgt_model *m, int slot, int idx,
				      bool with_explicit, bool all,
				      struct list_member **ret, size_t *nret)
{
	size_t n = 0, cap = 0;
	struct list_member *v = NULL;
	struct pgt_error *err = NULL;
	zombies_settle(m);
#define ADD(o) do {							\
		if ((err = GROW(v, cap, n + 1)))			\
			goto fail;					\
		v[n++] = (struct list_member){m->objs[o].list_seq, (o)}; \
	} while (0)
	if (all) {
		for_each_own_live(m, r)
			ADD(r->obj);
	} else {
		for (size_t i = 0; i < m->nzombies; i++) {
			uint32_t f = obj_pmd_frame(m, m->zombies[i].obj, slot);
			if (f && m->frames[f].kind == F_KPMD_COPY &&
			    frame_owner(&m->frames[f]) >= 0) {
				/* a live copy a freed pgd aliases */
				if ((err = copy_make_explicit(m, f, idx)))
					goto fail;
			}
		}
		if (with_explicit) {
			struct u32vec ex;
			copies_explicit_at(m, slot, idx, &ex);
			for (uint32_t i = 0; i < ex.n; i++)
				ADD(m->recs[frame_owner(&m->frames[ex.v[i]])].obj);
		}
	}
#undef ADD
	/* the live ones sorted, then merged with the zombies (in order) */
	if (n > 1)
		qsort(v, n, sizeof(*v), member_cmp);
	size_t total = n + m->nzombies;
	if (total > n && (err = GROW(v, cap, total)))
		goto fail;
	size_t a = n, z = m->nzombies, k = total;
	while (z) {
		if (a && v[a - 1].seq < m->zombies[z - 1].seq)
			v[--k] = v[--a];
		else
			v[--k] = m->zombies[--z];
	}
	*ret = v;
	*nret = total;
	return NULL;
fail:
	free(v);
	return err;
}

struct pgt_error *broadcast_pgd_list(struct pgt_model *m, int slot, int idx,
				     uint64_t val)
{
	m->costs.broadcasts++;
	m->costs.pgd_list_walks++;
	m->costs.pgd_list_visits += m->list_len;
	/* Every live copy takes @val: one write to the common value. */
	m->costs.broadcast_entries_written += m->nown_live;
	struct pgt_error *err = broadcast_write(m, slot, idx, val);
	if (err || !m->nzombies)
		return err;
	struct list_member *v;
	size_t n;
	if ((err = walk_members(m, slot, idx, false, false, &v, &n)))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t f = obj_pmd_frame(m, v[i].obj, slot);
		if (!f)
			continue;
		m->costs.broadcast_entries_written++;
		err = pmd_write_via(m, f, idx, val, v[i].obj);
	}
	free(v);
	return err;
}

struct pgt_error *sync_pgd_list(struct pgt_model *m, uint32_t va, bool both,
				bool stop_on_miss, bool *all_ret)
{
	int slot = (int)pgt_pgd_index(va), idx = (int)pgt_pmd_index(va);
	m->costs.pgd_list_walks++;
	*all_ret = true;
	uint64_t pmd_k = pgt_present(m->frames[m->swapper].data[slot])
				 ? entry_at(m, m->swapper_kpmd[slot], idx) : 0;
	bool ok = pgt_present(m->frames[m->swapper].data[slot]) &&
		  pgt_present(pmd_k);
	if (!ok && stop_on_miss) {
		/* The first pgd visited says swapper has nothing: stop. */
		if (m->list_len) {
			m->costs.pgd_list_visits++;
			m->costs.sync_entries_examined++;
			*all_ret = false;
		}
		return NULL;
	}
	m->costs.pgd_list_visits += m->list_len;
	m->costs.sync_entries_examined += m->list_len;
	if (!pgt_present(m->frames[m->swapper].data[slot]))
		return NULL;
	/*
	 * What the copies holding the common base value get; copies of
	 * several generations holding different ones are visited one by one.
	 */
	uint64_t d;
	bool common = base_common(m, slot, idx, &d);
	if (!common && !m->nzombies) {
		/*
		 * Not one common value, but maybe one outcome (6.1 syncs the
		 * entry it just populated): then one pass, and the entry's
		 * copies share a value again.  With freed pgds on the list the
		 * order of their writes matters: visited one by one below.
		 */
		bool done;
		uint64_t written;
		struct pgt_error *err = copies_sync_uniform(m, slot, idx, pmd_k,
							    both, &done, &written);
		if (err || done) {
			m->costs.sync_entries_written += written;
			return err;
		}
	}
	bool bug = !common ||
		   (ok && pgt_present(d) && pgt_entry_addr(d) != pgt_entry_addr(pmd_k));
	bool write = ok ? !pgt_present(d) : both && pgt_present(d);
	struct list_member *v;
	size_t n;
	struct pgt_error *err = walk_members(m, slot, idx, true, bug, &v, &n);
	if (err)
		return err;
	if (!bug && write) {
		uint64_t common = m->nown_live - m->nexplicit[slot][idx];
		m->costs.sync_entries_written += common;
		if ((err = copies_write_default(m, slot, idx, pmd_k)))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bool one_ok;
		int w;
		if ((err = sync_one(m, v[i].obj, 0, -1, va, both, &w, &one_ok)))
			goto out;
		m->costs.sync_entries_written += (uint64_t)w;
	}
out:
	free(v);
	return err;
}

/* ---- accesses and faults ---- */

/* The error-code bits that keep do_page_fault() from vmalloc_fault(). */
#define PF_NO_VMALLOC_FAULT 0xdu /* PROT | USER | RSVD */

static struct pgt_error *resolve_pgd(struct pgt_model *m,
				     const struct pgt_event *ev, uint32_t *ret)
{
	uint32_t id = ev->pgd;
	if (!id) {
		int cpu = ev->cpu < 0 ? 0 : ev->cpu;
		if ((size_t)cpu >= sizeof(m->current) / sizeof(m->current[0]))
			return pgt_error_create(PGT_ERROR_INPUT, "cpu %d is out of range", cpu);
		id = m->current[cpu];
		if (!id)
			return pgt_error_create(PGT_ERROR_INPUT,
						"no pgd= given and none loaded on cpu %d (see switch)",
						cpu);
	}
	int32_t r = live_rec(m, id);
	struct pgt_error *err;
	if (r < 0 && (err = pgd_adopt(m, id, &r)))
		return err;
	if (r < 0)
		return not_allocated(m, id, ev->op == PGT_OP_FAULT ? "fault in" : "access through");
	*ret = id;
	return NULL;
}

/* Does kernel PMD entry @pmd map @va (the rest of the MMU's walk)? */
static bool pmd_maps(const struct pgt_model *m, uint64_t pmd, uint32_t va)
{
	if (!pgt_present(pmd))
		return false;
	if (pmd & PGT_PSE)
		return true;
	uint64_t pfn = pgt_entry_addr(pmd) >> PGT_PAGE_SHIFT;
	if (pfn >= m->nframes)
		return false;
	return pgt_present(entry_at(m, (uint32_t)pfn, pgt_pte_index(va)));
}

/*
 * Is @va (a kernel address) mapped through the pgd of record @r (the MMU's
 * walk)?  A live pgd's kernel slots point at its own copies, or at
 * swapper's kernel PMD when shared, from pgd_alloc to pgd_free: nothing
 * else writes a live pgd's entries.
 */
static bool walk_mapped(const struct pgt_model *m, int32_t r, uint32_t va)
{
	return pmd_maps(m, rec_kernel_pmd(m, &m->recs[r], va), va);
}

/*
 * walk_mapped() of live pgd @id (record @r) through its id slot: the record
 * is read only where its copies may hold an explicit entry.
 */
static bool walk_mapped_id(const struct pgt_model *m, uint32_t id, int32_t r,
			   uint32_t va)
{
	const struct id_slot *is = &m->by_id[id];
	int idx = (int)pgt_pmd_index(va);
	if (m->shared || is->wsum >> (idx >> 3) & 1)
		return walk_mapped(m, r, va);
	return pmd_maps(m, base_value(m, (int)pgt_pgd_index(va), idx, is->cgen), va);
}

/*
 * A kernel-mode access: the MMU walk, and on a miss do_page_fault() ->
 * vmalloc_fault() (2.6.21: any address >= TASK_SIZE; 6.1: the vmalloc
 * area only).
 */
struct pgt_error *op_access(struct pgt_model *m, const struct pgt_event *ev,
			    bool observed)
{
	uint32_t va = (uint32_t)ev->addr;
	if (observed && va < m->L.page_offset) {
		/* copy_from_user() and friends: not the kernel PMD's business */
		m->costs.user_faults++;
		return NULL;
	}
	uint32_t id = 0;
	struct pgt_error *err;
	if (observed && !ev->pgd) {
		/*
		 * A recorded fault names its CPU and task, not its pgd: the pgd
		 * loaded there, else the one the task itself last allocated
		 * (exec).  One the recording does not tell is counted.
		 */
		int cpu = ev->cpu < 0 ? 0 : ev->cpu;
		int64_t r;
		if ((size_t)cpu < PGT_MAX_CPUS && m->current[cpu])
			id = m->current[cpu];
		else if (ev->pid >= 0 &&
			 pid_get(m, ev->pid, &r) &&
			 m->recs[r].live && m->recs[r].pid == ev->pid)
			id = m->recs[r].id;
		if (!id) {
			m->costs.unresolved_faults++;
			return NULL;
		}
	} else if ((err = resolve_pgd(m, ev, &id))) {
		return err;
	}
	if (va < m->L.page_offset)
		return pgt_error_create(PGT_ERROR_INPUT,
					"0x%x is a user address; pgtrace models kernel addresses",
					va);
	int32_t r = live_rec(m, id);
	bool mapped = walk_mapped_id(m, id, r, va);
	if (observed) {
		m->costs.observed_faults++;
		if (!mapped)
			m->costs.observed_predicted++;
		if ((err = model_note(m, mapped ? PGT_NOTE_UNPREDICTED : PGT_NOTE_PREDICTED,
				      id, va, ev->has_ip, ev->ip, NULL)))
			return err;
	}
	if (mapped)
		return NULL;
	/*
	 * do_page_fault(): vmalloc_fault() only when !(error_code & 0xd), no
	 * PROT, USER or RSVD bit (2.6.21's 0x0000000d, 6.1's X86_PF_RSVD |
	 * X86_PF_USER | X86_PF_PROT: the same bits).  An access the model
	 * predicts is a kernel read of a page not present: error code 0.
	 */
	bool tries = !(ev->has_error && (ev->error & PF_NO_VMALLOC_FAULT));
	/*
	 * vmalloc_fault() itself: 2.6.21 takes any address >= TASK_SIZE; the
	 * vmalloc area only in 6.1, and in 2.6.35 (--sync=pmd's kernel).
	 */
	bool vmalloc_only = m->rules->fault_vmalloc_only || m->cfg.sync == PGT_SYNC_PMD;
	bool in_area = tries && (!vmalloc_only ||
				 (va >= m->L.vmalloc_start && va < m->L.vmalloc_end));
	bool ok = false;
	int w;
	struct rec *rec = &m->recs[r];
	/*
	 * A live pgd's entry for a kernel slot points at its own copy, or at
	 * swapper's kernel PMD when shared (nothing else writes it, see
	 * pgt_model_check): the record tells, without reading the pgd (a
	 * cache miss at 10,000 pgds).
	 */
	int slot = (int)pgt_pgd_index(va);
	uint32_t f = m->shared ? m->swapper_kpmd[slot] : rec->kpmd[slot];
	if (in_area &&
	    (err = sync_one(m, rec->obj, f, r, va, m->rules->sync_both_ways, &w, &ok)))
		return err;
	if (ok && walk_mapped(m, r, va)) {
		struct pgt_pgd_stats *s = rec_cold(m, rec);
		s->faults++;
		m->costs.faults++;
		if (ev->ctx == PGT_CTX_NMI) {
			s->hazards++;
			m->costs.hazards++;
			if (!s->first_hazard_line)
				s->first_hazard_line = ev->line;
			return model_note(m, PGT_NOTE_HAZARD, id, va, ev->has_ip,
					  ev->ip, NULL);
		}
		return NULL;
	}
	rec_cold(m, rec)->oopses++;
	m->costs.oopses++;
	return model_note(m, PGT_NOTE_OOPS, id, va, ev->has_ip, ev->ip, NULL);
}

struct pgt_error *op_switch(struct pgt_model *m, const struct pgt_event *ev)
{
	uint32_t id = ev->pgd;
	if (!id) {
		if (!ev->mm || ev->mm >= m->by_mm_cap || !m->by_mm[ev->mm])
			return pgt_error_create(PGT_ERROR_INPUT,
						"switch to an mm no pgd_alloc named");
		id = m->by_mm[ev->mm];
	}
	int32_t r = live_rec(m, id);
	struct pgt_error *err;
	if (r < 0 && (err = pgd_adopt(m, id, &r)))
		return err;
	if (r < 0)
		return not_allocated(m, id, "switch to");
	int cpu = ev->cpu < 0 ? 0 : ev->cpu;
	if ((size_t)cpu >= sizeof(m->current) / sizeof(m->current[0]))
		return pgt_error_create(PGT_ERROR_INPUT, "cpu %d is out of range", cpu);
	m->current[cpu] = id;
	if ((size_t)cpu >= m->ncpus)
		m->ncpus = (size_t)cpu + 1;
	return NULL;
}
